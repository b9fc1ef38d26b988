"""Assemble and compile the handbook: select the policies, write data.json and one Typst file per
body into a build folder, compile the static template with the `typst` package, write the PDF
atomically."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import typst

from policybook.control.git import short_revision
from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.errors import PolicybookError
from policybook.handbook.convert import BodyConverter, label_for
from policybook.model import Policy
from policybook.registers import ALL_STAFF

HERE = Path(__file__).parent
TEMPLATE = HERE / "template.typ"
FONTS = HERE / "fonts"


@dataclass(frozen=True)
class Edition:
    date: dt.date
    revision: str

    @property
    def text(self) -> str:
        return f"{long_date(self.date)}, revision {self.revision}"


def git_revision(root: Path) -> str:
    return short_revision(root) or "not under version control"


def select(corpus: Corpus, audience: str | None) -> list[Policy]:
    """Approved policies for ``audience`` (a role id), or for all staff when None, in id order."""
    if audience is not None and not corpus.registers.role_exists(audience):
        raise PolicybookError(f"--audience: '{audience}' is not a role in the roles register")
    chosen = []
    for policy in corpus.published():
        readers = policy.audience
        if ALL_STAFF in readers or (audience is not None and audience in readers):
            chosen.append(policy)
    return sorted(chosen, key=lambda p: p.id or "")


def _policy_data(corpus: Corpus, policy: Policy, body_file: str) -> dict[str, object]:
    registers = corpus.registers
    guidance = []
    for ref in policy.guidance:
        item = registers.guidance.get(ref.id)
        if item:
            guidance.append({"title": item.title, "detail": item.detail(ref.section)})
    return {
        "id": policy.id, "title": policy.title, "label": label_for(policy.id or ""),
        "version": policy.version_text, "owner": corpus.role_title(policy.owner or ""),
        "approved_by": corpus.role_title(policy.approved_by or ""), "approved_on": long_date(policy.approved_on),
        "next_review": long_date(policy.next_review),
        "audience": ", ".join(corpus.role_title(r) for r in policy.audience),
        "roles": [[corpus.role_title(r), duties] for r, duties in policy.roles.items()],
        "guidance": guidance,
        "history": [{"version": h.version_text, "date": long_date(h.date), "author": h.author or "",
                     "summary": h.summary or ""} for h in policy.history],
        "body": body_file,
    }


@dataclass(frozen=True)
class Variant:
    out: Path
    large_print: bool = False


def build_handbook(corpus: Corpus, out: Path, *, large_print: bool = False, audience: str | None = None,
                   edition: Edition | None = None, site_urls: dict[str, str] | None = None) -> Path:
    """Write one handbook PDF to ``out`` and return it."""
    return build_handbooks(corpus, [Variant(out, large_print)], audience=audience, edition=edition,
                           site_urls=site_urls)[0]


def build_handbooks(corpus: Corpus, variants: list[Variant], *, audience: str | None = None,
                    edition: Edition | None = None, site_urls: dict[str, str] | None = None) -> list[Path]:
    """Write several editions (standard, large print) of one handbook, converting each body once."""
    policies = select(corpus, audience)
    if not policies:
        raise PolicybookError("no approved policy is addressed to this audience: nothing to put in a handbook")
    edition = edition or Edition(corpus.today, git_revision(corpus.root))
    written = []
    with tempfile.TemporaryDirectory(prefix="policybook-handbook-") as tmp:
        build = Path(tmp)
        (build / "bodies").mkdir()
        converter = BodyConverter(build, {p.id for p in policies if p.id}, site_urls or {}, root=corpus.root,
                                  policies_dir=corpus.config.policies_path, by_id=corpus.by_id(),
                                  site_url=corpus.config.site_url)
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # pandoc runs as processes
            bodies = list(pool.map(converter.convert, policies))
        entries = []
        for index, (policy, body) in enumerate(zip(policies, bodies, strict=True)):
            body_file = f"bodies/{index:04d}.typ"
            (build / body_file).write_text(body, encoding="utf-8")
            entries.append(_policy_data(corpus, policy, body_file))
        shutil.copyfile(TEMPLATE, build / "handbook.typ")
        for variant in variants:
            data = {
                "organisation": corpus.config.name,
                "title": "Staff handbook",
                "audience": "All staff" if audience is None else corpus.role_title(audience),
                "edition": edition.text,
                "site_url": corpus.config.site_url or "the staff site",
                "large": variant.large_print,
                "policies": entries,
            }
            try:
                pdf = _compile(build, data, edition)
            except Exception as exc:  # the typst binding raises its own error types
                raise PolicybookError(_explain(str(exc), build, data, policies, edition)) from None
            written.append(_write_atomically(variant.out, pdf))
    return written


def _compile(build: Path, data: dict[str, object], edition: Edition) -> bytes:
    (build / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return typst.compile(str(build / "handbook.typ"), root=str(build), font_paths=[str(FONTS)],
                         ignore_system_fonts=True, pdf_standards=["ua-1"],
                         timestamp=int(dt.datetime.combine(edition.date, dt.time()).timestamp()))


def _write_atomically(out: Path, content: bytes) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, out)
    return out


def _explain(message: str, build: Path, data: dict[str, object], policies: list[Policy],
             edition: Edition) -> str:
    """A typst error, naming the policy it arose from: each policy is typeset alone until one fails."""
    first = " ".join(message.split())[:300]
    entries = list(data["policies"])  # type: ignore[call-overload]
    for policy, entry in zip(policies, entries, strict=True):
        try:
            _compile(build, {**data, "policies": [entry]}, edition)
        except Exception as exc:
            detail = " ".join(str(exc).split())[:300]
            return f"{policy.rel}: the handbook could not be typeset from this policy: {detail}"
    return f"the handbook could not be typeset: {first}"
