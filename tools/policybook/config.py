"""The organisation's settings (policybook.yml) and where the project lives."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policybook.errors import PolicybookError
from policybook.findings import Severity
from policybook.loader import DEFAULT_MAX_BYTES, Document, load_yaml
from policybook.schemas import validator

CONFIG_NAME = "policybook.yml"
NOT_YET_RATED = "not yet rated"  # `cqc_rating: not yet rated`: a provider CQC has not rated yet
DEFAULT_PARALLEL_PERCENT = 50
DEFAULT_GUIDANCE_CHECK_MONTHS = 12
# How much text a Word document may unpack to, and how long one import may take, before import stops (limits.*).
DEFAULT_IMPORT_TEXT_BYTES = 4 * 1024 * 1024
DEFAULT_IMPORT_SECONDS = 120
# approvals.blocking_warnings when policybook.yml leaves it out: hedged duties, ambiguous dates, "should"
# in a sentence that gives a role a duty, a passage copied from another policy, a job title the service does
# not have, a role named but never told, guidance cited outside the policy's category, bold or italic markers
# that show as stray characters, and a stated review frequency that disagrees with the review interval.
DEFAULT_BLOCKING_WARNINGS = ("Policybook.Hedging", "Policybook.Dates", "Policybook.Duties", "duplicate-content",
                             "unknown-job-title", "role-not-listed", "guidance-category", "emphasis-debris",
                             "review-frequency")


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    prefix: str
    requires_guidance: bool


@dataclass(frozen=True)
class CqcRating:
    rating: str
    date: str
    report_url: str


@dataclass(frozen=True)
class MailSettings:
    host: str
    sender: str
    port: int = 587
    security: str = "starttls"  # starttls, tls or none
    username: str | None = None  # the password is read from POLICYBOOK_SMTP_PASSWORD


@dataclass(frozen=True)
class ProxySettings:
    header: str
    trusted: tuple[str, ...]


DEFAULT_CONFIRMATIONS_DATABASE = "sqlite:///.policybook/confirmations.sqlite3"


@dataclass(frozen=True)
class ConfirmationSettings:
    """The ``confirmations:`` section: the read-and-understood service. Secrets (the database password,
    the SMTP password, the manager's API token) are never here: they come from the environment."""

    base_url: str
    database: str = DEFAULT_CONFIRMATIONS_DATABASE
    sign_in: tuple[str, ...] = ("code",)
    proxy: ProxySettings | None = None
    mail: MailSettings | None = None
    addresses: dict[str, str] = field(default_factory=dict)  # staff id -> e-mail address
    managers: tuple[str, ...] = ()
    remind_every_days: int = 7
    escalate_after_days: int = 28


@dataclass(frozen=True)
class PracticeSettings:
    """The ``practice:`` section: when servicing, checks, risks, training, appraisals and reading fall due.
    An interval left out is not tracked (appraisals, supervision, reading deadlines)."""

    due_soon_days: int = 30
    read_within_days: int | None = None
    induction_days: int = 28
    appraisal_interval_months: int | None = None
    supervision_interval_months: int | None = None
    high_risk_score: int = 15


@dataclass
class Config:
    root: Path
    name: str
    locale: str = "en-GB"
    site_url: str = ""
    policies_dir: str = "policies"
    registers_dir: str = "registers"
    public_dir: str = "public"
    """``paths.public``: the folder of documents for patients and the public (patients.py)."""
    public_site_dir: str = "site-public"
    """``paths.public_site``: where ``policybook build`` writes the public site."""
    max_file_bytes: int = DEFAULT_MAX_BYTES
    import_max_text_bytes: int = DEFAULT_IMPORT_TEXT_BYTES
    """``limits.import_max_text_bytes``: the most text a Word document may unpack to (its XML parts) for import."""
    import_max_seconds: int = DEFAULT_IMPORT_SECONDS
    """``limits.import_max_seconds``: how long one ``import`` may take before it stops, writing nothing."""
    max_interval_months: int = 36
    due_soon_days: int = 60
    guidance_check_months: int = DEFAULT_GUIDANCE_CHECK_MONTHS
    """``guidance.check_interval_months``: how long a guidance entry may go unchecked against its publisher's
    page (its ``checked_on``) before lint reports ``guidance-unchecked``."""
    categories: dict[str, Category] = field(default_factory=dict)
    undesignated_role_terms: list[str] = field(default_factory=list)
    equipment_terms: list[str] = field(default_factory=list)
    job_title_words: list[str] = field(default_factory=list)
    """``job_titles.words``: words that end a job title, besides the ones ``unknown-job-title`` knows."""
    job_title_ignore: list[str] = field(default_factory=list)
    """``job_titles.ignore``: capitalised phrases that look like a job title but are not one of the service's."""
    cqc_rating: CqcRating | None = None
    """``cqc_rating``: the latest rating, which every staff page shows (Regulation 20A); None when CQC has not
    rated the service yet, or when policybook.yml does not say (see ``not_yet_rated``)."""
    not_yet_rated: bool = False
    """``cqc_rating: not yet rated``: the provider says CQC has not rated it yet. With neither this nor a
    rating, lint reports ``cqc-rating-missing``."""
    parallel_percent: int = DEFAULT_PARALLEL_PERCENT
    """``duplication.parallel_percent``: the percentage of a policy's words that may also stand in one policy in
    force before the two are parallel versions of one policy (``parallel-version``). A whole number, as YAML's
    decimals are read as text here."""
    signatures: str = "optional"  # approvals.signatures: required, optional or off
    blocking_warnings: tuple[str, ...] = DEFAULT_BLOCKING_WARNINGS
    """``approvals.blocking_warnings``: the rules whose warnings (and suggestions) hold back an approval, a
    review or a signature until the approver accepts each with a reason (``--accept RULE --because TEXT``);
    errors hold it back always. Written out, the list replaces the default; ``[]`` holds back none. An id
    that is no rule is a ``blocking-warning-unknown`` error at its line (lint knows the rules, the settings
    do not)."""
    confirmations: ConfirmationSettings | None = None
    practice: PracticeSettings = field(default_factory=PracticeSettings)
    standards_uncovered: Severity = Severity.SUGGESTION
    """``standards.uncovered``: the severity of ``standard-uncovered``, a standard in registers/standards.yml that
    no policy in force cites and that is not listed as not applicable (a suggestion, or a warning)."""
    standards_not_applicable: dict[str, str] = field(default_factory=dict)
    """``standards.not_applicable``: the standards the provider says do not apply to its service, by standard id,
    each with the reason in the provider's words ("The service gives no medicines."), in the order written.
    A listed standard is not reported as uncovered; an id the standards register does not list, or a blank
    reason (kept here as ""), is a ``not-applicable-invalid`` error, and one a policy in force cites is
    ``not-applicable-cited``. Whatever shows a standard as "not applicable, because ..." reads it from here."""
    raw: dict[str, Any] = field(default_factory=dict)
    source: Document | None = field(default=None, repr=False, compare=False)
    """policybook.yml as read, with the position of every key (None for settings made in code)."""

    @property
    def policies_path(self) -> Path:
        return self.root / self.policies_dir

    @property
    def registers_path(self) -> Path:
        return self.root / self.registers_dir

    @property
    def public_path(self) -> Path:
        return self.root / self.public_dir

    def where(self, *keys: str | int) -> tuple[str, int, int]:
        """(file, line, column) of the setting at ``keys`` in policybook.yml (of its nearest present parent),
        for a finding about that setting."""
        if self.source is None:
            return CONFIG_NAME, 1, 1
        return (self.source.rel, *self.source.position(keys))


def _signatures(value: object) -> str:
    """approvals.signatures; YAML reads a bare `off` as false."""
    return "off" if value is False else str(value)


def _confirmations(data: dict[str, Any] | None) -> ConfirmationSettings | None:
    """The confirmations section, read after the schema has checked it. A database address holding a
    password is refused: policybook.yml is in git, and the password belongs in the environment."""
    if data is None:
        return None
    database = data.get("database", DEFAULT_CONFIRMATIONS_DATABASE)
    if ":" in database.split("://", 1)[-1].split("@", 1)[0] and "@" in database:
        raise PolicybookError(f"{CONFIG_NAME}: confirmations.database holds a password: remove it and set "
                              "POLICYBOOK_CONFIRM_DATABASE to the full address on the server instead")
    mail = data.get("mail")
    proxy = data.get("proxy")
    remind = data.get("remind", {})
    return ConfirmationSettings(
        base_url=data["base_url"].rstrip("/"),
        database=database,
        sign_in=tuple(data.get("sign_in", ["code"])),
        proxy=ProxySettings(proxy["header"], tuple(proxy["trusted"])) if proxy else None,
        mail=MailSettings(mail["host"], mail["sender"], mail.get("port", 465 if mail.get("security") == "tls" else 587),
                          mail.get("security", "starttls"), mail.get("username")) if mail else None,
        addresses={staff: address.strip() for staff, address in data.get("addresses", {}).items()},
        managers=tuple(data.get("managers", [])),
        remind_every_days=remind.get("every_days", 7),
        escalate_after_days=remind.get("escalate_after_days", 28),
    )


def _not_applicable(data: dict[str, Any]) -> dict[str, str]:
    """standards.not_applicable, read after the schema has checked it: a reason left empty is "" (lint
    reports it, at its line)."""
    return {str(standard): (reason or "").strip() for standard, reason in data.get("not_applicable", {}).items()}


def find_root(start: Path) -> Path:
    """The nearest folder upward from ``start`` that holds policybook.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise PolicybookError(f"no {CONFIG_NAME} found in {start} or any folder above it (use -C DIR)")


class SettingsError(PolicybookError):
    """A setting policybook.yml may not hold, with the field it is in (``site_url``, ``organisation.name``):
    ``init`` names the option that gave the value."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def load_config(root: Path) -> Config:
    """Read and validate policybook.yml; any problem is a one-line PolicybookError."""
    return config_from_document(load_yaml(root / CONFIG_NAME, CONFIG_NAME), root)


def config_from_document(doc: Document, root: Path) -> Config:
    """The settings of policybook.yml as read into ``doc`` (from the file, or from the text ``init`` is
    about to write), validated; any problem is a one-line PolicybookError."""
    if doc.findings:
        first = doc.findings[0]
        raise PolicybookError(f"{first.path}:{first.line}:{first.column}: {first.message}")
    data = doc.data if isinstance(doc.data, dict) else None
    if data is None:
        raise PolicybookError(f"{CONFIG_NAME}: expected a set of 'field: value' lines")
    errors = sorted(validator("config").iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        from policybook.schema_messages import schema_findings

        first = schema_findings(doc, errors)[0]
        raise SettingsError(f"{first.path}:{first.line}:{first.column}: {first.message}",
                            ".".join(map(str, min(errors, key=lambda e: doc.position(tuple(e.absolute_path)))
                                              .absolute_path)))
    review = data.get("review", {})
    limits = data.get("limits", {})
    paths = data.get("paths", {})
    rating = data.get("cqc_rating")
    standards = data.get("standards", {})
    duplication = data.get("duplication", {})
    return Config(
        root=root,
        name=data["organisation"]["name"],
        locale=data.get("locale", "en-GB"),
        site_url=data.get("site_url", ""),
        policies_dir=paths.get("policies", "policies"),
        registers_dir=paths.get("registers", "registers"),
        public_dir=paths.get("public", "public"),
        public_site_dir=paths.get("public_site", "site-public"),
        max_file_bytes=limits.get("max_file_bytes", DEFAULT_MAX_BYTES),
        import_max_text_bytes=limits.get("import_max_text_bytes", DEFAULT_IMPORT_TEXT_BYTES),
        import_max_seconds=limits.get("import_max_seconds", DEFAULT_IMPORT_SECONDS),
        max_interval_months=review.get("max_interval_months", 36),
        due_soon_days=review.get("due_soon_days", 60),
        guidance_check_months=data.get("guidance", {}).get("check_interval_months", DEFAULT_GUIDANCE_CHECK_MONTHS),
        categories={
            c["id"]: Category(c["id"], c["title"], c["prefix"], c.get("requires_guidance", False))
            for c in data["categories"]
        },
        undesignated_role_terms=list(data.get("undesignated_role_terms", [])),
        equipment_terms=list(data.get("equipment_terms", [])),
        job_title_words=list(data.get("job_titles", {}).get("words", [])),
        job_title_ignore=list(data.get("job_titles", {}).get("ignore", [])),
        cqc_rating=CqcRating(rating["rating"], rating["date"], rating["report_url"]) if isinstance(rating, dict)
        else None,
        not_yet_rated=rating == NOT_YET_RATED,
        parallel_percent=duplication.get("parallel_percent", DEFAULT_PARALLEL_PERCENT),
        signatures=_signatures(data.get("approvals", {}).get("signatures", "optional")),
        blocking_warnings=tuple(data.get("approvals", {}).get("blocking_warnings", DEFAULT_BLOCKING_WARNINGS)),
        confirmations=_confirmations(data.get("confirmations")),
        practice=PracticeSettings(**data.get("practice", {})),
        standards_uncovered=Severity(standards.get("uncovered", Severity.SUGGESTION.value)),
        standards_not_applicable=_not_applicable(standards),
        raw=data,
        source=doc,
    )
