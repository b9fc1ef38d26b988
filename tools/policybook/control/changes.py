"""Commands that change policies: new, approve, bump and reviewed. Each refuses with a one-line
reason and changes nothing, or makes exactly the documented edit (see edit.py for how it writes)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policybook.control.edit import PolicyFile, mapping, quoted, seq
from policybook.corpus import Corpus
from policybook.dates import add_months, past_date
from policybook.errors import PolicybookError
from policybook.evidence import git
from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.signatures import (
    ALLOWED_SIGNERS,
    Statement,
    allowed_signers,
    approval_statement,
    public_key_of,
    review_statement,
    sign,
    signer_for,
    statement_paths,
)
from policybook.lint import approval_blockers
from policybook.loader import Document
from policybook.model import Policy, Status, normalise_title, parse_version
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


def _find(corpus: Corpus, policy_id: str) -> Policy:
    policy = corpus.by_id().get(policy_id)
    if policy is None:
        raise PolicybookError(f"no policy has the id '{policy_id}'")
    return policy


def _role(corpus: Corpus, role: str, what: str) -> str:
    if role not in corpus.registers.roles:
        raise PolicybookError(f"{what}: '{role}' is not a role in the roles register")
    return role


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].rstrip("-") or "policy"


def next_id(corpus: Corpus, prefix: str) -> str:
    """The next free id for ``prefix``: one above the highest in use (ids are never reused)."""
    numbers = [int(p.id.split("-")[1]) for p in corpus.policies if p.id and p.id.split("-")[0] == prefix]
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
    key: Path


def signer(corpus: Corpus, key: str | None, role: str) -> Signer | None:
    """Who signs, with which key (``--key``, else git's user.signingkey); None when nothing is to be
    signed. Refuses, before anything is written, a key nobody holds or a signer without ``role``."""
    chosen = key or git.signing_key(corpus.root)
    if not chosen:
        if corpus.config.signatures == "required":
            raise PolicybookError("approvals must be signed here (approvals.signatures in policybook.yml): give "
                                  "--key PATH, or set git config user.signingkey")
        return None
    path = Path(chosen[len("key::"):] if chosen.startswith("key::") else chosen).expanduser()
    member = signer_for(corpus.registers, public_key_of(path), role)
    return Signer(member, path)


def write_signature(root: Path, statement: Statement, armored: str, registers: Registers) -> None:
    """Store a statement and its signature, and keep records/allowed_signers in step with the register."""
    text_path, signature_path = statement_paths(root, statement)
    text_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(text_path, statement.text.encode("utf-8"))
    write_atomically(signature_path, armored.encode("ascii"))
    write_atomically(root / ALLOWED_SIGNERS, allowed_signers(registers).encode("utf-8"))


def approve(corpus: Corpus, policy_id: str, by: str, on: str | None, summary: str | None,
            key: str | None = None) -> Change:
    policy = _find(corpus, policy_id)
    _role(corpus, by, "--by")
    day = past_date(on, corpus.today, "--on")
    _after_the_record(policy, day)
    who = signer(corpus, key, by)
    if policy.status is Status.APPROVED:
        raise PolicybookError(f"{policy_id} version {policy.version_text} is already approved; "
                              "use 'policybook bump' to start a new version")
    if policy.status is Status.RETIRED:
        raise PolicybookError(f"{policy_id} is retired and cannot be approved")
    errors = approval_blockers(corpus, policy)
    if errors:
        first = errors[0]
        raise PolicybookError(f"{policy_id} has {len(errors)} lint error(s) to fix before approval, first "
                              f"{first.brief()}")
    editing = PolicyFile(policy.doc.path)
    data = editing.data
    version = parse_version(str(data.get("version")))
    if version is None:
        raise PolicybookError(f"{policy_id}: version '{data.get('version')}' is not MAJOR.MINOR")
    text = f"{version[0]}.{version[1]}" if version[0] > 0 else "1.0"
    interval = data.get("review_interval")
    if not isinstance(interval, int):
        raise PolicybookError(f"{policy_id}: review_interval must be a whole number of months")
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
    if "reviews" in data:
        del data["reviews"]  # a new version starts a new review record
    _refresh_fingerprint(editing)
    signed = _signed(editing, who, lambda doc, signer_id: approval_statement(doc.data, doc.body, signer_id))
    editing.save()
    if signed is not None and who is not None:
        write_signature(corpus.root, *signed, corpus.registers)
    signed_by = f", signed by {who.member.name}" if who else ""
    return Change(policy.doc.path, f"approved {policy_id} version {text} on {day} by {by}{signed_by}; "
                                   f"next review {data['next_review']}")


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


# Findings that approval itself resolves, so they do not block it.


def _set_after(data: Any, key: str, value: Any, after: str) -> None:
    """Set ``key``, inserting it after ``after`` (or at the end) when it is new."""
    if key in data:
        data[key] = value
        return
    keys = list(data.keys())
    position = keys.index(after) + 1 if after in keys else len(keys)
    data.insert(position, key, value)


def bump(corpus: Corpus, policy_id: str, major: bool, summary: str, author: str | None) -> Change:
    policy = _find(corpus, policy_id)
    if policy.status is not Status.APPROVED:
        raise PolicybookError(f"{policy_id} is {policy.status_text}, not approved: a draft is approved first, "
                              "then bumped for its next change")
    if not summary or len(summary.strip()) < 3:
        raise PolicybookError("--summary: say what changes in this version")
    version = policy.version
    if version is None:
        raise PolicybookError(f"{policy_id}: version '{policy.version_text}' is not MAJOR.MINOR")
    text = f"{version[0] + 1}.0" if major else f"{version[0]}.{version[1] + 1}"
    editing = PolicyFile(policy.doc.path)
    data = editing.data
    data["version"] = quoted(text)
    data["status"] = Status.DRAFT.value
    if author:
        data["author"] = author
    history = data.get("history")
    if not isinstance(history, list):
        raise PolicybookError(f"{policy_id}: the history is missing or not a list")
    # The new version is credited to whoever makes it: --author, else git's user.name.
    changed_by = author or git.user_name(corpus.root)
    if not changed_by:
        raise PolicybookError("--author: say who is making the change (or set git config user.name)")
    history.insert(0, _history_entry(text, corpus.today, changed_by, summary.strip()))
    editing.save()
    kind = "major: staff must read it again" if major else "minor"
    return Change(policy.doc.path, f"{policy_id} is now draft {text} ({kind}); approve it to publish")


def reviewed(corpus: Corpus, policy_id: str, by: str, on: str | None, note: str | None,
             key: str | None = None) -> Change:
    policy = _find(corpus, policy_id)
    _role(corpus, by, "--by")
    day = past_date(on, corpus.today, "--on")
    who = signer(corpus, key, by)
    if policy.status is not Status.APPROVED:
        raise PolicybookError(f"{policy_id} is {policy.status_text}: only an approved policy can be reviewed")
    recorded = policy.data.get("fingerprint")
    if recorded and recorded != fingerprint(policy.data, policy.doc.body):
        raise PolicybookError(f"{policy_id} has changed since it was approved: a review that changes the policy "
                              "is a new version (policybook bump, then approve)")
    if policy.approved_on and day < policy.approved_on:
        raise PolicybookError(f"--on: {day} is before the approval of this version ({policy.approved_on})")
    _review_after_the_record(policy, day)
    editing = PolicyFile(policy.doc.path)
    data = editing.data
    interval = data.get("review_interval")
    if not isinstance(interval, int):
        raise PolicybookError(f"{policy_id}: review_interval must be a whole number of months")
    data["next_review"] = quoted(add_months(day, interval).isoformat())
    reviews = data.get("reviews")
    entry = mapping({"date": quoted(day.isoformat()), "by": by,
                     "outcome": note or "Reviewed; no change needed."})
    if isinstance(reviews, list):
        reviews.insert(0, entry)
    else:
        _set_after(data, "reviews", seq([entry]), "next_review")
    if not recorded:
        _refresh_fingerprint(editing)
    signed = _signed(editing, who, lambda doc, signer_id: review_statement(doc.data, doc.body,
                                                                         doc.data["reviews"][0], signer_id))
    editing.save()
    if signed is not None:
        write_signature(corpus.root, *signed, corpus.registers)
    return Change(policy.doc.path, f"recorded the review of {policy_id} version {policy.version_text} on {day} "
                                   f"by {by}; next review {data['next_review']}")


def refresh_signers(corpus: Corpus) -> str:
    """Rewrite records/allowed_signers from the staff register (after a key is added or removed)."""
    write_atomically(corpus.root / ALLOWED_SIGNERS, allowed_signers(corpus.registers).encode("utf-8"))
    return f"wrote {ALLOWED_SIGNERS.as_posix()} from registers/staff.yml"


def sign_current(corpus: Corpus, policy_ids: list[str], key: str | None, all_policies: bool) -> list[str]:
    """Sign the current approval (and latest review) of approved policies that were approved before
    signing began, on paper for example. Each must still match its fingerprint. With ``all_policies``,
    policies approved by a role the signer does not hold are left for a holder of that role."""
    chosen = corpus.published() if all_policies else [_find(corpus, pid) for pid in policy_ids]
    if not chosen:
        raise PolicybookError("name the policies to sign, or give --all")
    done = []
    for policy in sorted(chosen, key=lambda p: p.id or ""):
        if policy.status is not Status.APPROVED:
            raise PolicybookError(f"{policy.label} is {policy.status_text}: only an approved policy is signed")
        if policy.fingerprint != fingerprint(policy.data, policy.doc.body):
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
        statement = approval_statement(policy.data, policy.doc.body, who.member.id)
        write_signature(corpus.root, statement, sign(statement, who.key), corpus.registers)
        done.append(f"signed {policy.label} version {policy.version_text} as {who.member.name}")
        reviews = policy.data.get("reviews")
        if isinstance(reviews, list) and reviews and isinstance(reviews[0], dict):
            reviewer = signer(corpus, key, str(reviews[0].get("by", "")))
            if reviewer is not None:
                review = review_statement(policy.data, policy.doc.body, reviews[0], reviewer.member.id)
                write_signature(corpus.root, review, sign(review, reviewer.key), corpus.registers)
                done.append(f"signed the review of {policy.label} on {reviews[0].get('date')}")
    return done
