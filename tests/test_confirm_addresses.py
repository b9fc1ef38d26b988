"""A member of staff's e-mail address is one address: the staff register's schema refuses a comma, a
semicolon, a name in angle brackets (lint names the line), and the service's send step refuses them
too, so no register entry can make a sign-in code or a reminder go to a second recipient."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from confirmtools import MailSink
from conftest import TODAY, edit

from policybook.config import MailSettings
from policybook.confirm.mail import message, send
from policybook.confirm.people import address_of, by_address
from policybook.corpus import load_corpus
from policybook.errors import PolicybookError

SEVERAL = ["jc@harbourside-dexa.example, mallory@elsewhere.example",
           "jc,mallory@elsewhere.example",
           "jc@harbourside-dexa.example;mallory@elsewhere.example",
           "Jamie <mallory@elsewhere.example>",
           "jc@harbourside-dexa.example (mallory@elsewhere.example)"]


def _with_email(root: Path, value: str) -> None:
    edit(root / "registers/staff.yml", "    email: jc@harbourside-dexa.example\n", f"    email: {json.dumps(value)}\n")


def _schema_findings(run, root: Path) -> list[dict[str, object]]:
    result = run("-C", str(root), "lint", "--format", "json", "--today", TODAY)
    return [f for f in json.loads(result.out)["findings"] if f["rule"] == "schema"]


@pytest.mark.parametrize("value", SEVERAL)
def test_the_register_refuses_more_than_one_address(example: Path, run, value: str) -> None:
    _with_email(example, value)
    findings = _schema_findings(run, example)
    assert len(findings) == 1 and findings[0]["path"] == "registers/staff.yml"
    assert "is not one e-mail address" in str(findings[0]["message"])
    corpus = load_corpus(example, dt.date.fromisoformat(TODAY))
    assert address_of(corpus, corpus.registers.staff["jc"]) is None  # the service sends nothing to it
    assert not any("mallory" in address for address in by_address(corpus))


def test_one_address_passes(example: Path, run) -> None:
    _with_email(example, "jamie.o'castellan+policies@harbourside-dexa.example")
    assert _schema_findings(run, example) == []


SETTINGS = MailSettings("127.0.0.1", "policies@harbourside-dexa.example", 0, "none")


@pytest.mark.parametrize("value", SEVERAL)
def test_the_send_step_refuses_more_than_one_address(mail: MailSink, value: str) -> None:
    with pytest.raises(PolicybookError, match="not a single e-mail address"):
        message(SETTINGS, value, "Your sign-in code", "1234 5678")
    with pytest.raises(PolicybookError, match="not a single e-mail address"):
        message(SETTINGS, "te@harbourside-dexa.example", "Reminder", "text", copy=[value])
    settings = MailSettings("127.0.0.1", SETTINGS.sender, mail.port, "none")
    before = len(mail.messages)
    send(settings, message(settings, "te@harbourside-dexa.example", "Reminder", "text",
                           copy=["ho@harbourside-dexa.example"]))
    assert len(mail.messages) == before + 1
    assert mail.messages[-1]["X-Envelope-To"] == "te@harbourside-dexa.example, ho@harbourside-dexa.example"
