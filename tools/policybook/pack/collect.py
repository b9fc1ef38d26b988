"""What an evidence pack says, as one JSON-ready dictionary (``evidence.json``): the index page and the
PDF are drawn from it and nothing else, so the three never disagree.

The policies in force are exactly those ``policybook asof`` names for the day (each policy's approved
versions from git, and before its git history the versions its own history records). Everything else
(registers, records, settings, signatures) is read from the library as it stood that day
(evidence/snapshot.py), with the day as "today": what was overdue, who had read what.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from policybook.corpus import Corpus
from policybook.dates import add_months, long_date, parse_date
from policybook.errors import PolicybookError
from policybook.evidence.due import KIND_TITLES, DueItem, Kind, Status, due_items, ended
from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.history import ApprovedVersion, Source, in_force_on, policies_at, recorded_versions
from policybook.evidence.inforce import settle_in_force
from policybook.evidence.practice import practice_records
from policybook.evidence.proof import approval_problems
from policybook.evidence.records import Record, chain_problems, outstanding, read_records
from policybook.evidence.signatures import approval_statement, statement_paths
from policybook.evidence.snapshot import SERVICE_EVIDENCE, Snapshot
from policybook.ids import is_policy_id
from policybook.loader import parse_markdown
from policybook.model import Policy, parse_version
from policybook.model import Status as PolicyStatus
from policybook.pack.patients import patient_documents
from policybook.registers import ALL_STAFF, StaffMember

FORMAT = "policybook evidence pack v1"
STATUS_WORDS = {Status.OVERDUE: "overdue", Status.DUE_SOON: "due soon", Status.LATER: "not yet due"}
REGULATION_17_DAYS = 28  # a written report asked for under Regulation 17(3) is due within 28 days


@dataclass
class InForce:
    """One policy in force on the day: the version record, and its text where git holds it."""

    record: ApprovedVersion
    policy: Policy | None  # None for a version known only from the policy's own history
    current: Policy  # the policy's file as it is now (its id and title for a version with no text)

    @property
    def id(self) -> str:
        return self.current.id or ""


@dataclass
class Collected:
    """The pack's data and what the bundle copies beside it: each policy version's file, by bundle path."""

    data: dict[str, Any]
    policy_files: dict[str, bytes] = field(default_factory=dict)
    in_force: list[InForce] = field(default_factory=list)


def policies_in_force(live: Corpus, day: dt.date,
                      versions: dict[str, list[ApprovedVersion]] | None = None) -> list[InForce]:
    """What ``policybook asof DAY`` lists, with each version's text read from git where it has one.
    ``versions`` (policy id -> its recorded versions) saves reading a history twice."""
    versions = {} if versions is None else versions
    chosen: list[tuple[ApprovedVersion, Policy]] = []
    for current in sorted((p for p in live.policies if p.id), key=lambda p: p.id or ""):
        if current.id not in versions:
            versions[current.id or ""] = recorded_versions(live.root, current)
        record = in_force_on(versions[current.id or ""], day)
        if record is not None:
            chosen.append((record, current))
    proven = [(record.commit, current) for record, current in chosen if record.proven]
    texts = iter(policies_at(live.root, proven) if proven else [])
    return [InForce(record, next(texts) if record.proven else None, current) for record, current in chosen]


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _signer(snapshot: Corpus, policy: Policy) -> str | None:
    statement = approval_statement(policy.data, policy.doc.body, "")
    text_path, _ = statement_paths(snapshot.root, statement)
    if not text_path.is_file():
        return None
    for line in text_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("signer: "):
            return line[len("signer: "):].strip()
    return None


def _reviews(policy: Policy, day: dt.date) -> list[dict[str, Any]]:
    """The policy's recorded reviews on or before the day, newest first."""
    listed = policy.data.get("reviews")
    found = []
    for review in listed if isinstance(listed, list) else []:
        if not isinstance(review, dict):
            continue
        when = parse_date(review.get("date"))
        if when is None or when > day:
            continue
        found.append({"date": when.isoformat(), "by": str(review.get("by", "")),
                      "outcome": str(review.get("note", "") or "reviewed: no change")})
    return sorted(found, key=lambda r: r["date"], reverse=True)


# {(staff, policy, version): answers to a policy's questions that were not right}, from the
# confirmations service's database (confirm/ledger.py attempts_until); None when it is not read.
Attempts = dict[tuple[str, str, str], int]


class _Collector:
    def __init__(self, live: Corpus, snapshot: Snapshot, day: dt.date, attempts: Attempts | None) -> None:
        self.live, self.snapshot, self.corpus, self.day = live, snapshot, snapshot.corpus, day
        self.attempts: dict[tuple[str, str, int], int] | None = None
        if attempts is not None:
            self.attempts = defaultdict(int)
            for (staff, policy, version), count in attempts.items():
                parsed = parse_version(version)
                self.attempts[(staff, policy, parsed[0] if parsed else -1)] += count
        self.versions: dict[str, list[ApprovedVersion]] = {}
        self.in_force = [self._as_it_stood(item) for item in policies_in_force(live, day, self.versions)]
        settle_in_force(self.corpus, [f.policy for f in self.in_force if f.policy is not None])
        self.policy_files: dict[str, bytes] = {}
        self.notes: list[str] = [snapshot.source]
        # Before the library's git history, no register shows when things fell due on the day.
        self.due = [] if snapshot.before_git else due_items(self.corpus)
        self.due_by_key = {(i.kind, i.subject): i for i in self.due}

    def _as_it_stood(self, item: InForce) -> InForce:
        """The version's file as the snapshot holds it when that is the same approved version (its reviews
        and next review as they stood on the day) when its text is the approved text, else as the version's
        last approved commit holds it (a text edited after approval is not the version in force)."""
        held = self.corpus.by_id().get(item.id)
        if (item.policy is None or held is None or held.version_text != item.record.version
                or held.status is not PolicyStatus.APPROVED
                or fingerprint(held.data, held.doc.body) != fingerprint(item.policy.data, item.policy.doc.body)):
            return item
        return InForce(item.record, Policy.from_document(parse_markdown(held.doc.text, item.current.doc.path,
                                                                        item.current.rel)), item.current)

    # -- people -----------------------------------------------------------------------------------
    def staff_on_day(self) -> list[StaffMember]:
        chosen = []
        for member in sorted(self.corpus.registers.staff.values(), key=lambda m: m.id):
            joined = parse_date(member.joined)
            if ended(member.left, self.day) or (joined is not None and joined > self.day):
                continue
            chosen.append(member)
        return chosen

    def role_title(self, role: str) -> str:
        return self.corpus.role_title(role)

    # -- policies ---------------------------------------------------------------------------------
    def policy_entry(self, item: InForce, records: list[Record], owed: set[tuple[str, str]],
                     staff: list[StaffMember], service: dict[tuple[str, str, int], dict[str, str]]) -> dict[str, Any]:
        record, policy, current = item.record, item.policy, item.current
        shown = policy or current
        entry: dict[str, Any] = {
            "id": item.id, "title": shown.title or "", "version": record.version, "source": record.source.value,
            "approved_on": record.approved_on.isoformat(), "in_force_to": _day(record.in_force_to),
            "approved_by": record.approved_by, "approved_by_title": self.role_title(record.approved_by)
            if record.approved_by else "", "summary": record.summary, "commit": record.commit or None,
            "standards": [], "audience": [], "reviews": [], "file": None, "statement": None, "signature": None,
            "signer": None, "fingerprint": None, "proof": "", "proven": False,
        }
        if policy is None:
            entry["proof"] = ("from the policy's own history, from before its file's git history: its text and "
                              "approval are not in git, so they are not proven")
            entry["confirmation"] = None
            return entry
        rel = f"policies/{item.id}/{record.version}.md"
        unfit = ("its id is not a policy id" if not is_policy_id(item.id) else
                 "another policy file in force has the same id and version" if rel in self.policy_files else None)
        if unfit:  # its text cannot have a file of its own in the pack
            entry.update({"standards": list(policy.standards), "audience": [self._audience_title(a)
                                                                            for a in policy.audience],
                          "reviews": _reviews(policy, self.day), "next_review": _day(policy.next_review),
                          "proof": f"{unfit}, so its text and approval are not in the pack"})
            entry["confirmation"] = self.coverage(policy, records, owed, staff, service)
            return entry
        blob = policy.doc.text.encode("utf-8")
        self.policy_files[rel] = blob
        # A signature vouches for a version, whenever it was made (a version approved on paper is signed
        # when the library is adopted): approvals are proven with the statements and signers the library
        # holds now.
        problems = approval_problems(self.live, policy)
        signer = _signer(self.live, policy)
        statement = approval_statement(policy.data, policy.doc.body, "")
        text_path, signature_path = statement_paths(self.live.root, statement)
        member = self.live.registers.staff.get(signer or "")
        entry.update({
            "standards": list(policy.standards), "audience": [self._audience_title(a) for a in policy.audience],
            "reviews": _reviews(policy, self.day), "file": rel, "fingerprint": policy.fingerprint,
            "statement": text_path.relative_to(self.live.root).as_posix() if text_path.is_file() else None,
            "signature": signature_path.relative_to(self.live.root).as_posix() if signature_path.is_file() else None,
            "signer": {"id": signer, "name": member.name if member else None} if signer else None,
            "proof": problems[0] if problems else ("approval signed and verified" if signer
                                                   else "fingerprint matches; signatures are not required"),
            "proven": not problems,
            "next_review": _day(policy.next_review),
        })
        entry["confirmation"] = self.coverage(policy, records, owed, staff, service)
        return entry

    def _audience_title(self, role: str) -> str:
        return "All staff" if role == ALL_STAFF else self.role_title(role)

    def coverage(self, policy: Policy, records: list[Record], owed: set[tuple[str, str]],
                 staff: list[StaffMember], service: dict[tuple[str, str, int], dict[str, str]]) -> dict[str, Any]:
        """Who must confirm this version, who has (with the date and how), by person and by role."""
        if not policy.acknowledge:
            return {"asked": False, "must": 0, "confirmed": 0, "people": [], "roles": []}
        major = (policy.version or (-1, 0))[0]
        audience = set(policy.audience)
        confirmed: dict[str, Record] = {}
        for r in records:
            if r.policy == policy.id and (parse_version(r.version) or (-2, 0))[0] == major:
                confirmed.setdefault(r.staff, r)  # the first confirmation of this major version
        people: list[dict[str, Any]] = []
        roles: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        for member in staff:
            held = set(member.roles)
            if ALL_STAFF not in audience and not held & audience:
                continue
            done = confirmed.get(member.id) if (member.id, policy.id or "") not in owed else None
            via = service.get((member.id, policy.id or "", major))
            tries = self.attempts.get((member.id, policy.id or "", major), 0) if self.attempts is not None else None
            people.append({"staff": member.id, "name": member.name, "confirmed": done is not None,
                           "attempts": tries,
                           "version": done.version if done else None, "date": _day(done.date) if done else None,
                           "through": (f"confirmations service ({via['method']})" if via and done
                                       else "records" if done else None)})
            for role in member.roles:
                if ALL_STAFF in audience or role in audience:
                    roles[role][0] += 1
                    roles[role][1] += 1 if done else 0
        return {"asked": True, "must": len(people), "confirmed": sum(1 for p in people if p["confirmed"]),
                "people": people,
                "roles": [{"role": role, "title": self.role_title(role), "must": must, "confirmed": done}
                          for role, (must, done) in sorted(roles.items())]}

    def service_rows(self) -> dict[tuple[str, str, int], dict[str, str]]:
        """Confirmations made through the confirmations service, from its evidence file, by person, policy
        and major version (the method of sign-in shows the confirmation came from the person)."""
        path = self.corpus.root / SERVICE_EVIDENCE
        found: dict[tuple[str, str, int], dict[str, str]] = {}
        if not path.is_file():
            return found
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict):
                version = parse_version(row.get("version"))
                key = (str(row.get("staff", "")), str(row.get("policy", "")), version[0] if version else -1)
                found.setdefault(key, {k: str(row.get(k, "")) for k in ("method", "confirmed_at", "fingerprint")})
        return found

    # -- standards --------------------------------------------------------------------------------
    def standards(self, policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        registers = self.corpus.registers
        not_applicable = self.corpus.config.standards_not_applicable
        citing: dict[str, list[str]] = defaultdict(list)
        for entry in policies:
            for standard in entry["standards"]:
                citing[standard].append(entry["id"])
        # A version known only from its policy's own history has no text here, so what it cites is not
        # known: a standard no other policy cites is then not known to be a gap.
        unread = [entry["id"] for entry in policies if entry["source"] == Source.DOCUMENT.value]
        found = []
        for standard in registers.standards.values():
            ids = citing.get(standard.id, [])
            reason = not_applicable.get(standard.id)
            found.append({
                "id": standard.id, "framework": standard.framework, "title": standard.title, "url": standard.url,
                "policies": ids, "not_applicable": reason if not ids else None,
                "gap": not ids and not reason and not unread,
                "not_known": unread if not ids and not reason else [],
                "training": self.training_for(set(ids)), "checks": self.checks_for(set(ids)),
                "equipment": self.equipment_for(set(ids), policies), "risks": self.risks_for(set(ids)),
            })
        return found

    def _status(self, kind: Kind, subject: str) -> dict[str, Any] | None:
        if self.snapshot.before_git:
            return {"status": "not known", "due": None, "basis": "before the library's git history"}
        item = self.due_by_key.get((kind, subject))
        if item is None:
            return None
        return {"due": _day(item.due), "status": item.status.value, "status_text": STATUS_WORDS[item.status],
                "basis": item.basis, "owner": item.owner}

    def training_for(self, ids: set[str]) -> list[dict[str, Any]]:
        found = []
        staff = self.staff_on_day()
        for course in self.corpus.registers.training.values():
            if not ids & set(course.policies) or ended(course.retired, self.day):
                continue
            people = [m for m in staff if {ALL_STAFF, *m.roles} & set(course.roles)]
            current = [m for m in people
                       if not (item := self.due_by_key.get((Kind.TRAINING, f"{m.id}/{course.id}"))) or not item.overdue]
            known = not self.snapshot.before_git
            found.append({"id": course.id, "title": course.label,
                          "roles": [self._audience_title(r) for r in course.roles],
                          "must": len(people), "current": len(current) if known else None,
                          "not_current": [m.name for m in people if m not in current] if known else []})
        return found

    def checks_for(self, ids: set[str]) -> list[dict[str, Any]]:
        return [{"id": c.id, "title": c.title, "by": self.role_title(c.by), **(self._status(Kind.CHECK, c.id) or {})}
                for c in self.corpus.registers.checks.values()
                if ids & set(c.policies) and not ended(c.retired, self.day)]

    def equipment_for(self, ids: set[str], policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        cited = {e for f in self.in_force if f.policy is not None and f.id in ids for e in f.policy.equipment}
        return [{"id": e.id, "name": e.name, **(self._status(Kind.SERVICING, e.id) or {"status": "not serviced on a "
                                                                                               "schedule"})}
                for e in self.corpus.registers.equipment.values() if e.id in cited and not ended(e.retired, self.day)]

    def risks_for(self, ids: set[str]) -> list[dict[str, Any]]:
        found = []
        for risk in self.corpus.registers.risks.values():
            if not ids & set(risk.policies):
                continue
            review = self._status(Kind.RISK_REVIEW, risk.id)
            found.append({"id": risk.id, "title": risk.title, "owner": self.role_title(risk.owner),
                          "score": risk.score, "next_review": review["due"] if review else None,
                          "status": review["status"] if review else None,
                          "open_actions": sum(1 for a in risk.actions if a.open)})
        return found

    # -- change and what is due -------------------------------------------------------------------
    def changes(self) -> list[dict[str, Any]]:
        """Versions approved, and reviews recorded, in the twelve months to the day."""
        start = add_months(self.day, -12)
        found = []
        for current in (p for p in self.live.policies if p.id):
            for record in self.versions.get(current.id or "") or recorded_versions(self.live.root, current):
                if start < record.approved_on <= self.day:
                    found.append({"date": record.approved_on.isoformat(), "policy": current.id,
                                  "title": current.title or "", "what": f"version {record.version} approved",
                                  "why": record.summary or "no summary recorded", "by": record.approved_by,
                                  "source": record.source.value})
        for item in self.in_force:
            if item.policy is None:
                continue
            for review in _reviews(item.policy, self.day):
                if start < dt.date.fromisoformat(review["date"]) <= self.day:
                    found.append({"date": review["date"], "policy": item.id, "title": item.policy.title or "",
                                  "what": f"version {item.record.version} reviewed", "why": review["outcome"],
                                  "by": review["by"], "source": Source.GIT.value})
        return sorted(found, key=lambda c: (c["date"], c["policy"]), reverse=True)

    def due_list(self) -> list[dict[str, Any]]:
        return [{**i.as_dict(), "kind_title": KIND_TITLES[i.kind], "status_text": STATUS_WORDS[i.status]}
                for i in self.due if i.status is not Status.LATER]

    def regulation_17(self, standards: list[dict[str, Any]], policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The skeleton of a written report: each thing found, what is being done, by when and by whom."""
        rows = []
        for item in self.due:
            if item.status is Status.LATER:
                continue
            rows.append({"found": f"{KIND_TITLES[item.kind]}: {item.title} ({item.basis})",
                         "doing": _DOING[item.kind], "by_when": self._by_when(item), "who": item.owner})
        for entry in policies:
            if entry["confirmation"] is not None and not entry["proven"]:
                rows.append({"found": f"{entry['id']} version {entry['version']}: {entry['proof']}",
                             "doing": "Approve the policy again and sign the approval", "by_when": self._deadline(),
                             "who": entry["approved_by_title"] or "The approving role"})
        for standard in standards:
            if standard["gap"]:
                rows.append({"found": f"No policy in force addresses {standard['title']}",
                             "doing": "Write or extend a policy that meets it, or record why it does not apply",
                             "by_when": self._deadline(), "who": self.role_title("registered-manager")})
        return rows

    def _deadline(self) -> str:
        return (self.day + dt.timedelta(days=REGULATION_17_DAYS)).isoformat()

    def _by_when(self, item: DueItem) -> str:
        if item.status is Status.DUE_SOON and item.due is not None:
            return item.due.isoformat()
        return self._deadline()

    # -- the whole --------------------------------------------------------------------------------
    def collect(self, generated: dt.date) -> Collected:
        corpus = self.corpus
        try:
            records = [r for r in read_records(corpus) if r.date <= self.day]
            owed_items = outstanding(corpus)
        except PolicybookError as exc:
            self.notes.append(f"The read-and-understood records cannot be read: {exc}")
            records, owed_items = [], []
        owed = {(i.staff.id, i.policy.id or "") for i in owed_items}
        staff = self.staff_on_day()
        service = self.service_rows()
        policies = [self.policy_entry(item, records, owed, staff, service) for item in self.in_force]
        standards = self.standards(policies)
        try:
            chain = [f"records/acknowledgements.csv:{line}: {problem}" for line, problem in chain_problems(corpus)]
        except (UnicodeDecodeError, csv.Error):
            chain = []  # the records cannot be read, which the notes already say
        chain += [f"{p.ledger.rel}:{p.line}: {p.message}" for p in practice_records(corpus).problems]
        for name in sorted(corpus.registers.documents):
            problem = corpus.registers.unreadable(name)
            if problem is not None:
                self.notes.append(f"{problem.path}:{problem.line}: {problem.message}: the register cannot be read, "
                                  "so nothing from it is shown.")
        data = {
            "format": FORMAT,
            "organisation": corpus.config.name,
            "not_yet_rated": corpus.config.not_yet_rated,
            "rating": ({"rating": corpus.config.cqc_rating.rating, "date": str(corpus.config.cqc_rating.date),
                        "report_url": corpus.config.cqc_rating.report_url} if corpus.config.cqc_rating else None),
            "as_of": self.day.isoformat(), "as_of_text": long_date(self.day),
            "generated_on": generated.isoformat(),
            "commit": self.snapshot.commit, "commit_day": self.snapshot.commit_day.isoformat(),
            "before_git": self.snapshot.before_git,
            "notes": self.notes + chain,
            "policies": policies,
            "standards": standards,
            "frameworks": list(dict.fromkeys(s["framework"] for s in standards)),
            "confirmations": {"outstanding": [i.as_dict() for i in owed_items],
                              "must": sum(p["confirmation"]["must"] for p in policies if p["confirmation"]),
                              "confirmed": sum(p["confirmation"]["confirmed"] for p in policies if p["confirmation"]),
                              # policies in force whose text, and so whose readers, the pack does not hold
                              "not_known": sum(1 for p in policies if p["confirmation"] is None)},
            "patients": patient_documents(corpus),
            "changes": self.changes(),
            "due": self.due_list(),
            "due_known": not self.snapshot.before_git,
            "attempts_known": self.attempts is not None,
            "overdue": sum(1 for i in self.due if i.overdue),
            "regulation_17": self.regulation_17(standards, policies),
            "registers": [], "records": [],  # the files the bundle copies (bundle.py)
        }
        return Collected(data, self.policy_files, self.in_force)


_DOING = {
    Kind.REVIEW: "Review the policy and record the review, or approve a new version",
    Kind.SERVICING: "Book the service and record it (policybook serviced)",
    Kind.CHECK: "Carry out the check and record it (policybook checked)",
    Kind.RISK_REVIEW: "Review the risk and update the risk register",
    Kind.RISK_ACTION: "Complete the action and mark it done in the risk register",
    Kind.TRAINING: "Book the training and record it (policybook trained)",
    Kind.APPRAISAL: "Hold the appraisal and record its date in the staff register",
    Kind.SUPERVISION: "Hold the supervision and record its date in the staff register",
    Kind.READING: "Ask the member of staff to read and confirm the policy",
}


def collect(live: Corpus, snapshot: Snapshot, day: dt.date, generated: dt.date,
            attempts: Attempts | None = None) -> Collected:
    """The pack for ``day``: the policies ``asof`` names, read against the library as it stood (``snapshot``),
    with the question attempts the confirmations service holds when they were read."""
    return _Collector(live, snapshot, day, attempts).collect(generated)
