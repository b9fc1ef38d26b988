"""The service's operations, shared by the JSON API and the HTML pages: request a code, check it, list
what a person must read, show a policy, confirm it, export and report.

Each operation takes the signed-in person from the session, never from what the request says, and
refuses with a ``Refusal`` (an HTTP status and one sentence) anything it cannot do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from policybook.config import ConfirmationSettings
from policybook.confirm import codes, ledger, sessions
from policybook.confirm.chain import Confirmation, chain_problems
from policybook.confirm.database import connect, database_url
from policybook.confirm.keys import Keys, service_keys
from policybook.confirm.library import Library
from policybook.confirm.macs import mac_problems
from policybook.confirm.mail import code_message
from policybook.confirm.migrations import migrate
from policybook.confirm.outbox import Outbox
from policybook.confirm.people import address_of, by_address, is_manager
from policybook.confirm.progress import Completion, Reading, completion, readings
from policybook.confirm.reading import Changes, changes_since, fingerprint_of, in_force, render, section_source
from policybook.corpus import Corpus
from policybook.evidence.records import read_records
from policybook.model import Policy
from policybook.questions import Question, questions_of, wrong_answers
from policybook.registers import ALL_STAFF, StaffMember
from policybook.views.addresses import site_url

log = logging.getLogger("policybook.confirm")

MAX_TYPED_CODE = 40  # longer is never a code: counted as a wrong one without being looked at


def _malformed(client: str) -> str:
    """What the limits count an attempt with no usable address as: a bucket of the client's own, which
    no member of staff's address can share (it has no @)."""
    return f"no address, from {client}"


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class PolicyView:
    """Everything a person sees on a policy's confirmation page."""

    policy: Policy
    version: str
    fingerprint: str
    done: bool
    last_version: str | None
    changes: Changes | None
    text_html: str  # the whole policy, for a first reading or when git has no earlier version
    questions: list[Question]
    site_url: str | None


@dataclass(frozen=True)
class Confirmed:
    row: Confirmation
    new: bool


@dataclass(frozen=True)
class Wrong:
    questions: list[Question]  # answered wrongly or not at all
    sections: dict[int, str] = field(default_factory=dict)  # question index -> the section's HTML


class Service:
    def __init__(self, root: Path, settings: ConfirmationSettings, engine: Engine | None = None,
                 keys: Keys | None = None) -> None:
        self.root = root
        self.settings = settings
        self.keys = keys or service_keys()  # from the environment: refuses to start without them
        self.secret = self.keys.secret
        self.library = Library(root)
        self.engine = engine or connect(database_url(settings, root))
        migrate(self.engine)
        self.outbox = Outbox(settings.mail) if settings.mail else None

    @property
    def corpus(self) -> Corpus:
        return self.library.corpus()

    # -- sign-in ---------------------------------------------------------------------------------
    def request_code(self, address_text: object, client: str) -> Callable[[], None] | None:
        """Count the request and, for a known address, make a code; returns the queueing of the e-mail
        (to run after the answer, so the answer takes the same time either way), or None. A request
        whose address is malformed (or not text) is counted against the client too, then refused."""
        if "code" not in self.settings.sign_in or self.settings.mail is None:
            raise Refusal(404, "sign-in by e-mailed code is not offered here")
        address = codes.normalise_address(address_text) if isinstance(address_text, str) else None
        corpus = self.corpus
        member = by_address(corpus).get(address) if address else None
        try:
            code = codes.issue_code(self.engine, codes.CodeRequest(address or _malformed(client),
                                                                   member.id if member else None, client),
                                    self.secret)
        except codes.RateLimited:
            raise Refusal(429, "too many codes asked for: wait 15 minutes, then ask again") from None
        if address is None:
            raise Refusal(400, "write your work e-mail address")
        if code is None:
            return None
        mail_settings, organisation = self.settings.mail, corpus.config.name
        minutes = int(codes.CODE_LIFETIME.total_seconds() // 60)
        outbox = self.outbox

        def deliver() -> None:
            if outbox is not None:
                outbox.put(code_message(mail_settings, address, organisation, code, minutes),
                           expires=codes.CODE_LIFETIME)

        return deliver

    def check_code(self, address_text: object, code: object, client: str) -> tuple[str, StaffMember]:
        """(session token, member) for the right code; refuses a wrong one, and any after too many. Every
        attempt counts against the limits, whatever it holds: a code that is not eight ASCII digits (or
        not text) is a wrong code, and an address that cannot be one is counted against the client."""
        address = codes.normalise_address(address_text) if isinstance(address_text, str) else None
        typed = code if isinstance(code, str) and len(code) <= MAX_TYPED_CODE else ""
        try:
            staff = codes.check_code(self.engine, address or _malformed(client), typed, client, self.secret)
        except codes.RateLimited:
            raise Refusal(429, "too many wrong codes: wait 15 minutes, then ask for a new code") from None
        except codes.WrongCode:
            if address is None:
                raise Refusal(400, "write your work e-mail address and the code from the e-mail") from None
            raise Refusal(400, "that code is not right, has been used or has expired: check it, or ask for "
                               "a new one") from None
        member = self.corpus.registers.staff.get(staff)
        if member is None:
            raise Refusal(403, "you are no longer in the staff register")
        return sessions.start_session(self.engine, self.secret, staff, "code"), member

    def count_malformed_sign_in(self, client: str) -> None:
        """A sign-in whose body could not be read at all still counts as a wrong code from the client;
        refuses (429) once the client is past its limit."""
        try:
            self.check_code(None, None, client)
        except Refusal as refusal:
            if refusal.status == 429:
                raise

    def member_by_address(self, address_text: str) -> StaffMember | None:
        address = codes.normalise_address(address_text)
        return by_address(self.corpus).get(address) if address else None

    def start_session(self, staff: str, method: str) -> str:
        return sessions.start_session(self.engine, self.secret, staff, method)

    def session(self, token: str | None) -> sessions.Session | None:
        """The live session of a cookie, made by a sign-in method still offered, of someone still on staff."""
        found = sessions.find_session(self.engine, self.secret, token, self.settings.sign_in)
        if found is None or found.staff not in self.corpus.registers.staff:
            return None
        return found

    def end_session(self, token: str | None) -> None:
        sessions.end_session(self.engine, self.secret, token)

    # -- reading and confirming ------------------------------------------------------------------
    def member(self, staff: str) -> StaffMember:
        member = self.corpus.registers.staff.get(staff)
        if member is None:
            raise Refusal(403, "you are no longer in the staff register")
        return member

    def readings(self, staff: str) -> list[Reading]:
        """What this person must read; the records file is read once per reload of the library (which
        notices a change to it), not on every request."""
        corpus = self.corpus
        on_file = self.library.remember(("records",), lambda: read_records(corpus))
        return readings(corpus, self.engine, staff, on_file)

    def _must_read(self, member: StaffMember, policy_id: str) -> Policy:
        policy = in_force(self.corpus, policy_id)
        if policy is None:
            raise Refusal(404, f"no policy {policy_id} is in force")
        if not policy.acknowledge:
            raise Refusal(409, f"{policy_id} does not ask readers to confirm it")
        if not (ALL_STAFF in policy.audience or set(member.roles) & set(policy.audience)):
            raise Refusal(409, f"{policy_id} is not one of the policies your roles must read")
        return policy

    def view(self, staff: str, policy_id: str) -> PolicyView:
        member = self.member(staff)
        policy = self._must_read(member, policy_id)
        corpus = self.corpus
        mine = next((r for r in self.readings(staff) if r.policy.id == policy.id), None)
        last = mine.last_version if mine else None
        version, fingerprint = policy.version_text or "", fingerprint_of(policy)
        changes = self.library.remember(("changes", policy_id, version, fingerprint, last or ""),
                                        lambda: changes_since(self.library, corpus, policy, last))
        text = self.library.remember(("text", policy_id, version, fingerprint),
                                     lambda: render(corpus, policy.doc.body))
        return PolicyView(policy, version, fingerprint, bool(mine and mine.done), last, changes, text,
                          questions_of(policy), site_url(policy, corpus))

    def confirm(self, staff: str, method: str, policy_id: str, version: str, answers: dict[int, int | None],
                client: str, user_agent: str) -> Confirmed | Wrong:
        """Store the confirmation of ``version`` (the one in force) once every question is answered
        rightly; a wrong answer is recorded as an attempt and shows the sections to read again."""
        member = self.member(staff)
        policy = self._must_read(member, policy_id)
        if version != policy.version_text:
            raise Refusal(409, f"{policy_id} is at version {policy.version_text}, not {version}: read the version "
                               "in force, then confirm it")
        questions = questions_of(policy)
        wrong = wrong_answers(questions, answers)
        if wrong:
            ledger.record_attempt(self.engine, staff=staff, policy=policy_id, version=version,
                                  wrong=[q.index + 1 for q in wrong], client=client)
            sections = {}
            for question in wrong:
                source = section_source(policy.doc.body, question.section) if question.section else None
                sections[question.index] = render(self.corpus, source) if source else ""
            return Wrong(wrong, sections)
        stored = ledger.append_confirmation(self.engine, self.keys.record_key, staff=staff, policy=policy_id,
                                            version=version, fingerprint=fingerprint_of(policy), method=method,
                                            client=client, user_agent=user_agent)
        return Confirmed(stored.row, stored.new)

    # -- for the manager -------------------------------------------------------------------------
    def export(self, since: int, limit: int) -> list[Confirmation]:
        """Rows after ``since``, each checked first: it continues the chain and carries the MAC only the
        service can make; a row that does not is refused, by number, and nothing is exported."""
        before = ledger.row_at(self.engine, since) if since else None
        rows = ledger.rows_since(self.engine, since, limit)
        chained = chain_problems(rows, before.hash if before else "", since + 1) if before or not since else []
        problems = chained + mac_problems(self.keys.record_key, rows)
        if problems:
            log.error("policybook confirmations: export refused: %s", "; ".join(problems))
            raise Refusal(409, f"the database holds a row the service did not make: {problems[0]}; nothing was "
                               "exported (run policybook confirmations verify)")
        return rows

    def report(self) -> tuple[list[Completion], list[Completion]]:
        return completion(self.corpus, self.engine)

    def is_manager(self, staff: str) -> bool:
        return is_manager(self.corpus, staff)

    def address(self, member: StaffMember) -> str | None:
        return address_of(self.corpus, member)
