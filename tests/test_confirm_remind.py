"""``policybook confirmations remind [--send]`` with a real SMTP sink (aiosmtpd): who has confirmations
outstanding, one e-mail each at most once per interval, a copy to the policy's owner past the escalation,
and nobody reminded of what they confirmed on the service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from confirmtools import RECORD_KEY, STAFF_ADDRESSES, MailSink, confirmations_settings
from conftest import TODAY, set_confirmations, unread

from policybook.confirm.database import connect
from policybook.confirm.ledger import append_confirmation
from policybook.confirm.migrations import migrate

# The example with two readings taken back (conftest.unread): on TODAY Hannah Okonjo (ho) has not confirmed
# CLN-001 3.1 (269 days since 3.0, its major version, was issued), Owen Tregarth (ot) HS-002 3.0 (192 days);
# both policies are owned by the lead radiographer, Tomasz Ellery (te).


@pytest.fixture
def library(example: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    sink: MailSink = request.getfixturevalue("mail")
    unread(example, ("ho", "CLN-001"), ("ot", "HS-002"))
    set_confirmations(example, confirmations_settings("https://confirm.harbourside-dexa.example",
                                                      f"sqlite:///{tmp_path / 'confirm.sqlite3'}", sink.port,
                                                      "  remind:\n    every_days: 7\n    escalate_after_days: 200\n"))
    return example


def _remind(run, library: Path, *args: str, today: str = TODAY) -> dict[str, object]:
    result = run("-C", str(library), "confirmations", "remind", *args, "--format", "json", "--today", today)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_remind_lists_without_sending(run, library: Path, request: pytest.FixtureRequest) -> None:
    sink: MailSink = request.getfixturevalue("mail")
    before = len(sink.messages)
    listed = _remind(run, library)["reminders"]
    assert [(r["staff"], [p["policy"] for p in r["policies"]], r["due"], r["sent"]) for r in listed] == [
        ("ho", ["CLN-001"], True, False), ("ot", ["HS-002"], True, False)]
    assert listed[0]["copy_to"] == [STAFF_ADDRESSES["te"]] and listed[1]["copy_to"] == []  # 269 >= 200 > 192
    assert len(sink.messages) == before
    table = run("-C", str(library), "confirmations", "remind", "--today", TODAY)
    assert "Hannah Okonjo (ho)" in table.out and "CLN-001" in table.out and "due" in table.out


def test_send_mails_each_person_once_per_interval_with_the_owner_copied(run, library: Path,
                                                                        request: pytest.FixtureRequest) -> None:
    sink: MailSink = request.getfixturevalue("mail")
    sent = _remind(run, library, "--send")["reminders"]
    assert [(r["staff"], r["sent"]) for r in sent] == [("ho", True), ("ot", True)]
    to_ho, to_ot = sink.to(STAFF_ADDRESSES["ho"])[-1], sink.to(STAFF_ADDRESSES["ot"])[-1]
    assert to_ho["Cc"] == STAFF_ADDRESSES["te"] and to_ot["Cc"] is None
    assert STAFF_ADDRESSES["te"] in to_ho["X-Envelope-To"]
    text = to_ho.get_body(("plain",)).get_content()
    assert "CLN-001 Referral and exclusion criteria, version 3.1, outstanding for 269 days: " \
           "https://confirm.harbourside-dexa.example/policies/CLN-001" in text
    assert to_ho["Subject"] == "1 policy to read and confirm"
    count = len(sink.messages)
    for today in (TODAY, "2026-12-02"):  # the same day, and six days on: not again
        again = _remind(run, library, "--send", today=today)["reminders"]
        assert [(r["due"], r["sent"]) for r in again] == [(False, False), (False, False)]
    assert len(sink.messages) == count
    week = _remind(run, library, "--send", today="2026-12-03")["reminders"]  # seven days on
    assert [r["sent"] for r in week] == [True, True] and len(sink.messages) == count + 2


def test_a_confirmation_on_the_service_ends_the_reminders(run, library: Path, tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'confirm.sqlite3'}")
    migrate(engine)
    append_confirmation(engine, RECORD_KEY, staff="ho", policy="CLN-001", version="3.1",
                        fingerprint="sha256:" + "0" * 64, method="code", client="192.0.2.1", user_agent="test")
    engine.dispose()
    assert [r["staff"] for r in _remind(run, library)["reminders"]] == ["ot"]
    report = json.loads(run("-C", str(library), "confirmations", "report", "--format", "json", "--today",
                            TODAY).out)
    cln = next(p for p in report["policies"] if p["id"] == "CLN-001")
    assert cln["confirmed"] == cln["required"] and cln["percent"] == 100
    hs = next(p for p in report["policies"] if p["id"] == "HS-002")
    assert hs["confirmed"] == hs["required"] - 1
    driver = next(r for r in report["roles"] if r["id"] == "unit-driver")
    assert driver["confirmed"] < driver["required"]


def test_a_mail_server_that_cannot_be_reached_is_reported_not_recorded(run, library: Path) -> None:
    config = library / "policybook.yml"
    text = config.read_text(encoding="utf-8")
    port = text.split("    port: ", 1)[1].split("\n", 1)[0]
    config.write_text(text.replace(f"    port: {port}\n", "    port: 9\n"), encoding="utf-8")
    result = run("-C", str(library), "confirmations", "remind", "--send", "--format", "json", "--today", TODAY)
    assert result.code == 1
    reminders = json.loads(result.out)["reminders"]
    assert all(not r["sent"] and "mail to 127.0.0.1:9 failed" in r["problem"] for r in reminders)
    assert [r["due"] for r in _remind(run, library)["reminders"]] == [True, True]  # still due: nothing was sent


def test_a_reminder_row_written_by_hand_for_the_future_or_not_a_date_holds_nothing_back(run, library: Path,
                                                                                         tmp_path: Path) -> None:
    """Someone who can write the database adds reminder rows dated 2099 and 'soon' for ho: ignored, so ho
    is still due today; a real one (dated today, by --send) holds ho back as usual."""
    import sqlalchemy as sa

    engine = connect(f"sqlite:///{tmp_path / 'confirm.sqlite3'}")
    migrate(engine)
    with engine.begin() as connection:
        for day in ("2099-12-31", "soon", "2026-13-45"):
            connection.execute(sa.text("INSERT INTO reminders (staff, sent_on, sent_at, policies, copied_to) "
                                       "VALUES ('ho', :day, '2099-12-31T00:00:00Z', 'CLN-001', '')"), {"day": day})
    engine.dispose()
    listed = _remind(run, library)["reminders"]
    assert [(r["staff"], r["due"], r["last_reminded"]) for r in listed] == [("ho", True, None), ("ot", True, None)]
    _remind(run, library, "--send")
    assert [r["due"] for r in _remind(run, library, today="2026-12-02")["reminders"]] == [False, False]
