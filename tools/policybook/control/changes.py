"""Commands that change policies: new, approve, bump and reviewed. Each refuses with a one-line
reason and changes nothing, or makes exactly the documented edit (see edit.py for how it writes).

Approving, reviewing and signing ask the lint engine's gate first (lint.approval_gates): every finding on
the policy is shown, an error refuses, and a warning of a rule that ``approvals.blocking_warnings`` names
refuses until the approver accepts it with a reason, which is kept in the policy's history (or review)
entry and in the signed statement."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policybook.control.edit import PolicyFile, mapping, quoted, seq
from policybook.corpus import Corpus
from policybook.dates import add_months, past_date
from policybook.errors import PolicybookError
from policybook.evidence import git
from policybook.evidence.fingerprint import fingerprint, governed_values, normalise_body
from policybook.evidence.history import approved_versions, policy_at
from policybook.evidence.keys import OpenKey, one_key_session, open_key
from policybook.evidence.signatures import (
    ALLOWED_SIGNERS,
    Statement,
    approval_statement,
    checked_allowed_signers,
    current_entry,
    names_a_folder,
    review_statement,
    sign,
    signer_for,
    statement_paths,
)
from policybook.findings import printable
from policybook.ids import is_policy_id
from policybook.lint import Action, Gate, approval_gates
from policybook.loader import Document
from policybook.model import Policy, Status, accepted_of, normalise_title, parse_version
from policybook.patients import PublicDocument
from policybook.registers import Registers, StaffMember
from policybook.writing import create_atomically, write_atomically

DEFAULT_INTERVAL = 24
SKELETON = """
## Purpose

<!-- Why this policy exists, in one or two sentences. -->

## Scope

<!-- Who and what it covers. -->

## Responsibilities

<!-- The duties are in the document control block above; summarise them here if it helps. -->

## Procedure

<!-- What staff must do, step by step. -->

## Monitoring and audit

<!-- How the service checks that the policy is followed, how often and who reports it. -->

## References

<!-- The external guidance listed above; add anything else staff need. -->
"""


@dataclass(frozen=True)
class Change:
    path: Path
    summary: str
    findings: tuple[str, ...] = ()  # the lint findings the gate showed, as `policybook lint` prints them


class GateRefused(PolicybookError):
    """A refusal by the approval gate: the one-line reason, with every finding on the policy to show first."""

    def __init__(self, message: str, findings: Sequence[str]) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


@dataclass(frozen=True)
class Acceptance:
    """A warning the approver accepts (``--accept RULE --because TEXT``), with the reason in their words."""

    rule: str
    because: str

    def as_entry(self) -> Any:
        return mapping({"rule": self.rule, "because": self.because})


def acceptances(rules: Sequence[str] | None, reasons: Sequence[str] | None) -> list[Acceptance]:
    """The ``--accept RULE --because TEXT`` pairs, in order. Each rule once; each reason is text on one line."""
    rules, reasons = list(rules or []), list(reasons or [])
    if len(rules) != len(reasons):
        raise PolicybookError("give each --accept RULE its own --because TEXT (the reason it is accepted)")
    found: list[Acceptance] = []
    for rule, reason in zip(rules, reasons, strict=True):
        rule, because = rule.strip(), " ".join(reason.split())
        if not rule:
            raise PolicybookError("--accept: name the rule whose warning you accept")
        if len(because) < 3 or not any(c.isalpha() for c in because):
            raise PolicybookError(f"--because: say in words why the {rule} warning is accepted")
        if printable(because) != because:
            raise PolicybookError(f"--because: the reason for accepting {rule} holds a control character")
        if any(a.rule == rule for a in found):
            raise PolicybookError(f"--accept: {rule} is given twice; give it once, with one reason")
        found.append(Acceptance(rule, because))
    return found


@dataclass
class _Passed:
    """A gate passed: the findings shown, and the acceptances that apply to the policy."""

    findings: tuple[str, ...]
    accepted: list[Acceptance] = field(default_factory=list)


def _verb(action: Action) -> str:
    return {Action.APPROVE: "approval", Action.REVIEW: "a review", Action.SIGN: "signing"}[action]


def _judge(gate: Gate, action: Action, accepted: Sequence[Acceptance], recorded: Sequence[str] = ()) -> _Passed:
    """Refuse unless every error is fixed and every held warning is accepted (here, or in ``recorded``: the
    rules the version's record already accepts). Returns the acceptances that apply to this policy."""
    label, shown = gate.policy.label, [f.as_line() for f in gate.findings]
    error_rules = {f.rule for f in gate.errors}
    for acceptance in accepted:
        if acceptance.rule in error_rules:
            raise GateRefused(f"--accept {acceptance.rule}: an error cannot be accepted; fix it in {label}", shown)
    if gate.errors:
        first = gate.errors[0]
        raise GateRefused(f"{label} has {len(gate.errors)} lint error(s) to fix before {_verb(action)}, first "
                          f"{first.brief()}", shown)
    held = gate.held_rules()
    waiting = [rule for rule in held if rule not in recorded and all(a.rule != rule for a in accepted)]
    if waiting:
        count = sum(1 for f in gate.held if f.rule in waiting)
        raise GateRefused(f"{label} has {count} warning(s) that hold back {_verb(action)} (approvals.blocking_"
                          f"warnings): {', '.join(waiting)}; fix them, or accept each with --accept RULE "
                          "--because TEXT", shown)
    return _Passed(tuple(shown), [a for a in accepted if a.rule in held])


def _nothing_to_accept(accepted: Sequence[Acceptance], used: set[str], label: str) -> None:
    unused = [a.rule for a in accepted if a.rule not in used]
    if unused:
        raise PolicybookError(f"--accept {unused[0]}: no {unused[0]} warning holds back {label}; accept only "
                              "what the gate shows")


def _gate(corpus: Corpus, policy: Policy, action: Action, accepted: Sequence[Acceptance],
          recorded: Sequence[str] = ()) -> _Passed:
    passed = _judge(approval_gates(corpus, [policy], action)[0], action, accepted, recorded)
    _nothing_to_accept(accepted, {a.rule for a in passed.accepted}, policy.label)
    return passed


def _record_acceptances(entry: Any, accepted: Sequence[Acceptance]) -> None:
    """Set (or clear) the ``accepted`` list of a history or review entry."""
    if accepted:
        entry["accepted"] = seq([a.as_entry() for a in accepted])
    elif "accepted" in entry:
        del entry["accepted"]


def _role(corpus: Corpus, role: str, what: str) -> str:
    if role not in corpus.registers.roles:
        raise PolicybookError(f"{what}: '{role}' is not a role in the roles register")
    return role


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].rstrip("-") or "policy"


def next_id(corpus: Corpus, prefix: str) -> str:
    """The next free id for ``prefix``: one above the highest in use by a policy or a document for patients
    (ids are never reused)."""
    ids = [d.id for d in [*corpus.policies, *corpus.public] if d.id and is_policy_id(d.id)]
    numbers = [int(i.split("-")[1]) for i in ids if i.split("-")[0] == prefix]
    number = max(numbers, default=0) + 1
    if number > 999:
        raise PolicybookError(f"no free id left for prefix {prefix}")
    return f"{prefix}-{number:03d}"


def new_policy(corpus: Corpus, category_id: str, title: str, owner: str | None, author: str | None,
               guidance: list[str]) -> Change:
    category = corpus.config.categories.get(category_id)
    if category is None:
        raise PolicybookError(f"--category: '{category_id}' is not a category in policybook.yml; use one of: "
                              + ", ".join(corpus.config.categories))
    title = " ".join(title.split())
    if len(title) < 3:
        raise PolicybookError("--title: give the policy a title of at least three characters")
    clash = next((p for p in corpus.policies if p.title and p.status is not Status.RETIRED
                  and normalise_title(p.title) == normalise_title(title)), None)
    if clash is not None:
        raise PolicybookError(f"--title: '{title}' is already the title of {clash.id} ({clash.rel})")
    owner = _role(corpus, owner or "registered-manager", "--owner")
    author = author or git.user_name(corpus.root)
    if not author:
        raise PolicybookError("--author: say who is writing the policy (or set git config user.name)")
    for item in guidance:
        if item not in corpus.registers.guidance:
            raise PolicybookError(f"--guidance: '{item}' is not in the guidance register")
    policy_id = next_id(corpus, category.prefix)
    today = corpus.today.isoformat()
    interval = min(DEFAULT_INTERVAL, corpus.config.max_interval_months)
    data = [
        ("id", policy_id), ("title", _q(title)), ("version", '"0.1"'), ("status", Status.DRAFT.value),
        ("category", category.id), ("owner", owner), ("author", _q(author)), ("created", f'"{today}"'),
        ("review_interval", str(interval)),
        ("next_review", f'"{add_months(corpus.today, interval).isoformat()}"'), ("audience", "all-staff"),
    ]
    lines = ["---"] + [f"{key}: {value}" for key, value in data]
    lines += ["roles:", f"  {owner}:", "    - Owns this policy and keeps it current."]
    if guidance:
        lines += ["guidance:"] + [f"  - {item}" for item in guidance]
    lines += ["history:", '  - version: "0.1"', f'    date: "{today}"', f"    author: {_q(author)}",
              "    summary: First draft.", "---"]
    path = corpus.config.policies_path / category.id / f"{slugify(title)}.md"
    create_atomically(path, ("\n".join(lines) + "\n" + SKELETON).encode("utf-8"))
    return Change(path, f"created {policy_id} '{title}' as draft 0.1 at {_rel(corpus, path)}")


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rel(corpus: Corpus, path: Path) -> str:
    return path.relative_to(corpus.root).as_posix() if path.is_relative_to(corpus.root) else str(path)


def _history_entry(version: str, day: dt.date, author: str, summary: str) -> Any:
    return mapping({"version": quoted(version), "date": quoted(day.isoformat()), "author": author,
                    "summary": summary})


def _refresh_fingerprint(editing: PolicyFile) -> str:
    doc = editing.check(editing.render())
    value = fingerprint(doc.data, doc.body)
    editing.data["fingerprint"] = quoted(value)
    return value


@dataclass(frozen=True)
class Signer:
    member: StaffMember
    key: OpenKey


def signer(corpus: Corpus, key: str | None, role: str) -> Signer | None:
    """Who signs, with which key (``--key``, else git's user.signingkey); None when nothing is to be
    signed. Refuses, before anything is written, a key nobody holds or a signer without ``role``. The key
    is opened once per command (evidence/keys.py), so asking again for another policy asks nothing."""
    chosen = key or git.signing_key(corpus.root)
    if not chosen:
        if corpus.config.signatures == "required":
            raise PolicybookError("approvals must be signed here (approvals.signatures in policybook.yml): give "
                                  "--key PATH, or set git config user.signingkey")
        return None
    checked_allowed_signers(corpus.registers)  # refuse now what write_signature would refuse after the edit
    opened = open_key(chosen)
    return Signer(signer_for(corpus.registers, opened.public, role), opened)


def _nameable(policy: Policy) -> None:
    """Refuse, before anything is written, to sign for a document whose key cannot name its statements."""
    if not names_a_folder(policy.statement_key):
        raise PolicybookError(f"{printable(policy.label)} cannot be signed: '{printable(policy.statement_key)}' "
                              "cannot name its signed statements (an id, or an edition's source and language, is "
                              "letters, digits and single hyphens); correct it first")


def write_signature(root: Path, statement: Statement, armored: str, registers: Registers) -> None:
    """Store a statement and its signature, and keep records/allowed_signers in step with the register."""
    text_path, signature_path = statement_paths(root, statement)
    text_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(text_path, statement.text.encode("utf-8"))
    write_atomically(signature_path, armored.encode("ascii"))
    write_atomically(root / ALLOWED_SIGNERS, checked_allowed_signers(registers).encode("utf-8"))


@one_key_session
def approve(corpus: Corpus, policy_id: str, by: str, on: str | None, summary: str | None,
            key: str | None = None, accepted: Sequence[Acceptance] = ()) -> Change:
    policy = corpus.find(policy_id)
    _role(corpus, by, "--by")
    day = past_date(on, corpus.today, "--on")
    _after_the_record(policy, day)
    who = signer(corpus, key, by)
    if who is not None:
        _nameable(policy)
    if policy.status is Status.APPROVED:
        raise PolicybookError(f"{policy.label} version {policy.version_text} is already approved; "
                              "use 'policybook bump' to start a new version")
    if policy.status is Status.RETIRED:
        raise PolicybookError(f"{policy.label} is retired and cannot be approved")
    _not_empty(corpus, policy)
    passed = _gate(corpus, policy, Action.APPROVE, accepted)
    editing = PolicyFile(policy.doc.path)
    data = editing.data
    version = parse_version(str(data.get("version")))
    if version is None:
        raise PolicybookError(f"{policy.label}: version '{data.get('version')}' is not MAJOR.MINOR")
    text = f"{version[0]}.{version[1]}" if version[0] > 0 else "1.0"
    interval = data.get("review_interval")
    if not isinstance(interval, int):
        raise PolicybookError(f"{policy.label}: review_interval must be a whole number of months")
    data["version"] = quoted(text)
    data["status"] = Status.APPROVED.value
    _set_after(data, "approved_by", by, "created")
    _set_after(data, "approved_on", quoted(day.isoformat()), "approved_by")
    data["next_review"] = quoted(add_months(day, interval).isoformat())
    history = data.get("history")
    if not isinstance(history, list):
        history = seq([])
        data["history"] = history
    author = str(data.get("author", ""))
    if history and str(history[0].get("version")) == text:
        history[0]["date"] = quoted(day.isoformat())
        if summary:
            history[0]["summary"] = summary
    else:
        default = "First issue." if text == "1.0" else "Approved."
        history.insert(0, _history_entry(text, day, author, summary or default))
    _record_acceptances(history[0], passed.accepted)
    if "reviews" in data:
        del data["reviews"]  # a new version starts a new review record
    _refresh_fingerprint(editing)
    key = policy.statement_key
    signed = _signed(editing, who, lambda doc, signer_id: approval_statement(doc.data, doc.body, signer_id, key))
    editing.save()
    if signed is not None and who is not None:
        write_signature(corpus.root, *signed, corpus.registers)
    signed_by = f", signed by {who.member.name}" if who else ""
    return Change(policy.doc.path, f"approved {policy.label} version {text} on {day} by {by}{signed_by}; "
                                   f"next review {data['next_review']}{_accepting(passed.accepted)}"
                                   f"{_editions_to_update(corpus, policy, text)}",
                  passed.findings)


def _editions_to_update(corpus: Corpus, source: Policy, version: str) -> str:
    """The editions (translations, easy read) made from an earlier version of a newly approved ``source``."""
    made_from_older = [d.statement_key for d in corpus.public
                       if source.id and d.is_edition and d.edition_of == source.id and d.source_version_text != version]
    if not made_from_older:
        return ""
    return (f"; its editions {', '.join(made_from_older)} were made from an earlier version: update each from "
            f"version {version} (source_version and source_fingerprint) and approve it again")


def _accepting(accepted: Sequence[Acceptance]) -> str:
    return "".join(f"; accepted {a.rule}: {a.because}" for a in accepted)


def _not_empty(corpus: Corpus, policy: Policy) -> None:
    """Refuse a version that changes nothing: its text and governed fields, all but the version, are those
    of the version approved before it. The draft still carries that version's fingerprint (bump keeps it),
    so this needs no git; where the fingerprint is gone, the last approved version in git is compared."""
    same_as = _same_as_recorded(policy) or _same_as_in_git(corpus, policy)
    if same_as is None:
        return
    major = policy.version is not None and policy.version[0] > 0 and policy.version[1] == 0
    why = (": a major version would ask every member of its audience to read it again for nothing"
           if major and not isinstance(policy, PublicDocument) else "")
    raise PolicybookError(f"{policy.label} version {policy.version_text} changes nothing: its text and governed "
                          f"fields are those of version {same_as}{why}; edit it before approving")


def _same_as_recorded(policy: Policy) -> str | None:
    """The earlier version whose recorded fingerprint this draft matches, with that version's number."""
    recorded = policy.data.get("fingerprint")
    if not isinstance(recorded, str):
        return None
    for entry in policy.history:
        if entry.version_text and entry.version_text != policy.version_text and entry.version \
                and entry.version[0] > 0 \
                and fingerprint({**policy.data, "version": entry.version_text}, policy.doc.body) == recorded:
            return entry.version_text
    return None


def _same_as_in_git(corpus: Corpus, policy: Policy) -> str | None:
    """The last approved version in git, when this draft's text and governed fields but the version are its."""
    try:
        versions = approved_versions(corpus.root, policy.doc.path)
        last = versions[-1] if versions else None
        before = policy_at(corpus.root, last.commit, policy) if last else None
    except PolicybookError:
        return None  # no git, or the file is not in it: nothing to compare with
    if last is None or before is None or last.version == policy.version_text:
        return None
    if before.fingerprint != fingerprint(before.data, before.doc.body):
        return None  # that approval no longer proves its text (what a fingerprint covers has grown): approve anew
    if _content(before) == _content(policy):
        return last.version
    return None


def _content(policy: Policy) -> tuple[dict[str, Any], str]:
    governed = {k: v for k, v in governed_values(policy.data).items() if k != "version"}
    return governed, normalise_body(policy.doc.body)


def _after_the_record(policy: Policy, day: dt.date) -> None:
    """An approval cannot predate the policy itself or an earlier version's approval."""
    if policy.created and day < policy.created:
        raise PolicybookError(f"--on: {day} is before the policy was created ({policy.created})")
    earlier = [h.date for h in policy.history if h.date and h.version_text != policy.version_text]
    if earlier and day < max(earlier):
        raise PolicybookError(f"--on: {day} is before the last version in the history ({max(earlier)})")


def _review_after_the_record(policy: Policy, day: dt.date) -> None:
    """A review cannot predate the policy, its last history entry or a review already recorded."""
    if policy.created and day < policy.created:
        raise PolicybookError(f"--on: {day} is before the policy was created ({policy.created})")
    dated = [h.date for h in policy.history if h.date]
    if dated and day < max(dated):
        raise PolicybookError(f"--on: {day} is before the last entry in the history ({max(dated)})")
    if policy.last_reviewed and day < policy.last_reviewed:
        raise PolicybookError(f"--on: {day} is before the last recorded review ({policy.last_reviewed})")


def _signed(editing: PolicyFile, who: Signer | None,
            statement_of: Callable[[Document, str], Statement]) -> tuple[Statement, str] | None:
    """The statement of the edited file and its signature, made before anything is written."""
    if who is None:
        return None
    statement = statement_of(editing.check(editing.render()), who.member.id)
    return statement, sign(statement, who.key)


def _set_after(data: Any, key: str, value: Any, after: str) -> None:
    """Set ``key``, inserting it after ``after`` (or at the end) when it is new."""
    if key in data:
        data[key] = value
        return
    keys = list(data.keys())
    position = keys.index(after) + 1 if after in keys else len(keys)
    data.insert(position, key, value)


def bump(corpus: Corpus, policy_id: str, major: bool, summary: str, author: str | None) -> Change:
    policy = corpus.find(policy_id)
    if policy.status is not Status.APPROVED:
        raise PolicybookError(f"{policy.label} is {policy.status_text}, not approved: a draft is approved first, "
                              "then bumped for its next change")
    if not summary or len(summary.strip()) < 3:
        raise PolicybookError("--summary: say what changes in this version")
    version = policy.version
    if version is None:
        raise PolicybookError(f"{policy.label}: version '{policy.version_text}' is not MAJOR.MINOR")
    text = f"{version[0] + 1}.0" if major else f"{version[0]}.{version[1] + 1}"
    editing = PolicyFile(policy.doc.path)
    data = editing.data
    data["version"] = quoted(text)
    data["status"] = Status.DRAFT.value
    if author:
        data["author"] = author
    history = data.get("history")
    if not isinstance(history, list):
        raise PolicybookError(f"{policy.label}: the history is missing or not a list")
    # The new version is credited to whoever makes it: --author, else git's user.name.
    changed_by = author or git.user_name(corpus.root)
    if not changed_by:
        raise PolicybookError("--author: say who is making the change (or set git config user.name)")
    history.insert(0, _history_entry(text, corpus.today, changed_by, summary.strip()))
    editing.save()
    if isinstance(policy, PublicDocument):
        kind = "major: each edition made from it must be updated" if major else "minor"
    else:
        kind = "major: staff must read it again" if major else "minor"
    return Change(policy.doc.path, f"{policy.label} is now draft {text} ({kind}); approve it to publish")


@one_key_session
def reviewed(corpus: Corpus, policy_id: str, by: str, on: str | None, note: str | None,
             key: str | None = None, accepted: Sequence[Acceptance] = ()) -> Change:
    policy = corpus.find(policy_id)
    _role(corpus, by, "--by")
    day = past_date(on, corpus.today, "--on")
    who = signer(corpus, key, by)
    if who is not None:
        _nameable(policy)
    if policy.status is not Status.APPROVED:
        raise PolicybookError(f"{policy.label} is {policy.status_text}: only an approved policy can be reviewed")
    recorded = policy.data.get("fingerprint")
    if recorded and recorded != fingerprint(policy.data, policy.doc.body):
        raise PolicybookError(f"{policy.label} has changed since it was approved: a review that changes the policy "
                              "is a new version (policybook bump, then approve)")
    if policy.approved_on and day < policy.approved_on:
        raise PolicybookError(f"--on: {day} is before the approval of this version ({policy.approved_on})")
    _review_after_the_record(policy, day)
    passed = _gate(corpus, policy, Action.REVIEW, accepted)  # a review accepts afresh what it still finds
    editing = PolicyFile(policy.doc.path)
    data = editing.data
    interval = data.get("review_interval")
    if not isinstance(interval, int):
        raise PolicybookError(f"{policy.label}: review_interval must be a whole number of months")
    data["next_review"] = quoted(add_months(day, interval).isoformat())
    reviews = data.get("reviews")
    entry = mapping({"date": quoted(day.isoformat()), "by": by,
                     "outcome": note or "Reviewed; no change needed."})
    _record_acceptances(entry, passed.accepted)
    if isinstance(reviews, list):
        reviews.insert(0, entry)
    else:
        _set_after(data, "reviews", seq([entry]), "next_review")
    if not recorded:
        _refresh_fingerprint(editing)
    key = policy.statement_key
    signed = _signed(editing, who, lambda doc, signer_id: review_statement(doc.data, doc.body,
                                                                         doc.data["reviews"][0], signer_id, key))
    editing.save()
    if signed is not None:
        write_signature(corpus.root, *signed, corpus.registers)
    return Change(policy.doc.path, f"recorded the review of {policy.label} version {policy.version_text} on {day} "
                                   f"by {by}; next review {data['next_review']}{_accepting(passed.accepted)}",
                  passed.findings)


def _paper_approval_line(policy: Policy, who: Signer) -> str:
    """What signing a policy approved on paper records, for the signer to check before it is done."""
    return (f"{policy.label} version {policy.version_text}, approved by {policy.approved_by} on {policy.approved_on}, "
            f"fingerprint {fingerprint(policy.data, policy.doc.body)}, to be signed by {who.member.name}")


def _confirm_paper_approvals(policies: Sequence[tuple[Policy, Signer]],
                             confirm: Callable[[list[str]], bool] | None) -> None:
    """Ask before recording what was approved on paper: the fingerprint is of the text as it stands now,
    so the signer vouches that it is the text that was approved."""
    if not policies:
        return
    lines = [_paper_approval_line(policy, who) for policy, who in policies]
    if confirm is None:
        raise PolicybookError(f"{policies[0][0].label} was approved on paper (it has no fingerprint): confirm "
                              "that its text is the approved text, or give --yes")
    if not confirm(lines):
        raise PolicybookError("nothing was signed: the approvals on paper were not confirmed")


def refresh_signers(corpus: Corpus) -> str:
    """Rewrite records/allowed_signers from the staff register (after a key is added or removed)."""
    write_atomically(corpus.root / ALLOWED_SIGNERS, checked_allowed_signers(corpus.registers).encode("utf-8"))
    return f"wrote {ALLOWED_SIGNERS.as_posix()} from registers/staff.yml"


@one_key_session
def sign_current(corpus: Corpus, policy_ids: list[str], key: str | None, all_policies: bool,
                 accepted: Sequence[Acceptance] = (),
                 confirm: Callable[[list[str]], bool] | None = None) -> list[str]:
    """Sign the current approval (and latest review) of approved policies that were approved before
    signing began, on paper for example. Each must still match its fingerprint and pass the approval gate
    (warnings its history entry already accepts stay accepted). With ``all_policies``, policies approved by
    a role the signer does not hold are left for a holder of that role. Returns the findings the gate
    showed, then a line for each thing done; nothing is written when any policy is refused.

    A policy approved on paper has no fingerprint: nothing yet records what was approved. Its fingerprint
    is taken from the text as it stands, once ``confirm`` (shown a line per such policy: id, version,
    approver, date, fingerprint) says yes; the history entry of its version says so. Without ``confirm``
    such a policy is refused."""
    chosen = [*corpus.published(), *(d for d in corpus.public if d.status is Status.APPROVED)] if all_policies \
        else [corpus.find(pid) for pid in policy_ids]
    if not chosen:
        raise PolicybookError("name the policies to sign, or give --all")
    done: list[str] = []
    to_sign: list[tuple[Policy, Signer]] = []
    for policy in sorted(chosen, key=lambda p: p.statement_key):
        if policy.status is not Status.APPROVED:
            raise PolicybookError(f"{policy.label} is {policy.status_text}: only an approved policy is signed")
        if "fingerprint" in policy.data and policy.fingerprint != fingerprint(policy.data, policy.doc.body):
            raise PolicybookError(f"{policy.label} does not match its fingerprint: it changed after approval, so "
                                  "it needs a new version, not a signature")
        try:
            who = signer(corpus, key, policy.approved_by or "")
        except PolicybookError as exc:
            if not all_policies or "does not hold the role" not in str(exc):
                raise
            done.append(f"left {policy.label} for a holder of '{policy.approved_by}' to sign")
            continue
        if who is None:
            raise PolicybookError("give --key PATH (or set git config user.signingkey) to sign")
        _nameable(policy)
        to_sign.append((policy, who))
    shown: list[str] = []
    passes: list[_Passed] = []
    gates = approval_gates(corpus, [policy for policy, _ in to_sign], Action.SIGN) if to_sign else []
    for gate in gates:
        recorded = [rule for rule, _ in accepted_of(current_entry(gate.policy.data))]
        try:
            passed = _judge(gate, Action.SIGN, accepted, recorded)
        except GateRefused as refused:
            raise GateRefused(str(refused), [*shown, *refused.findings]) from None
        shown += passed.findings
        passes.append(passed)
    _nothing_to_accept(accepted, {a.rule for p in passes for a in p.accepted}, "any policy named")
    on_paper = {policy.rel for policy, _ in to_sign if "fingerprint" not in policy.data}
    _confirm_paper_approvals([(p, w) for p, w in to_sign if p.rel in on_paper], confirm)
    work = []
    for (policy, who), passed in zip(to_sign, passes, strict=True):
        editing = None
        data, body = policy.data, policy.doc.body
        if passed.accepted or policy.rel in on_paper:
            editing = PolicyFile(policy.doc.path)
            entry = current_entry(editing.data)
            if entry is None:
                raise PolicybookError(f"{policy.label} has no history entry for version {policy.version_text} to "
                                      "record the signing in")
            if passed.accepted:
                kept = [Acceptance(rule, because) for rule, because in accepted_of(entry)
                        if all(a.rule != rule for a in passed.accepted)]
                _record_acceptances(entry, [*kept, *passed.accepted])
            if policy.rel in on_paper:
                entry["summary"] = (f"{str(entry.get('summary', '')).rstrip()} Approved on paper; its fingerprint "
                                    f"was recorded and the approval signed by {who.member.name} on "
                                    f"{corpus.today.isoformat()}.").lstrip()
                _refresh_fingerprint(editing)
            doc = editing.check(editing.render())
            data, body = doc.data, doc.body
        statement = approval_statement(data, body, who.member.id, policy.statement_key)
        work.append((policy, who, editing, statement, sign(statement, who.key), passed.accepted))
    for policy, who, editing, statement, armored, taken in work:
        if editing is not None:
            editing.save()
        write_signature(corpus.root, statement, armored, corpus.registers)
        paper = "; recorded its fingerprint (approved on paper)" if policy.rel in on_paper else ""
        done.append(f"signed {policy.label} version {policy.version_text} as {who.member.name}{paper}"
                    f"{_accepting(taken)}")
        reviews = policy.data.get("reviews")
        if isinstance(reviews, list) and reviews and isinstance(reviews[0], dict):
            reviewer = signer(corpus, key, str(reviews[0].get("by", "")))
            if reviewer is not None:
                review = review_statement(policy.data, policy.doc.body, reviews[0], reviewer.member.id,
                                          policy.statement_key)
                write_signature(corpus.root, review, sign(review, reviewer.key), corpus.registers)
                done.append(f"signed the review of {policy.label} on {reviews[0].get('date')}")
    return [*shown, *done]
