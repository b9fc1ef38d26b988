"""Locales as style profiles: `locale` in policybook.yml (en-GB, the default, or en-US) chooses the house
style rules a library gets, through `policybook init --locale`, the library's own `.vale.ini` and the
packaged house style alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, TODAY

from policybook.schemas import validator
from policybook.style.locales import DEFAULT_LOCALE, LOCALES, locale_lines
from policybook.style.runner import Style

US_TEXT = "Our organization keeps the color chart by the door. If a patient collapses, call 911 for an ambulance."
UK_FINDINGS = [
    ("Policybook.Spelling", "Use the UK spelling 'organisation' instead of 'organization'."),
    ("Policybook.Spelling", "Use the UK spelling 'colour' instead of 'color'."),
    ("Policybook.EmergencyNumber", "'911' is another country's emergency number (911 is North America's, 000 "
     "Australia's): in the UK call 999 or 112; 111 is for urgent advice."),
]

POLICY = """---
id: GOV-001
title: Medical emergencies
version: "0.1"
status: draft
category: governance
owner: registered-manager
author: Robin Testwell
created: "2026-11-02"
review_interval: 12
next_review: "2027-11-02"
audience: all-staff
roles:
  registered-manager:
    - Keeps this policy current.
history:
  - version: "0.1"
    date: "2026-11-02"
    author: Robin Testwell
    summary: First draft.
---

## Procedure

{text}
"""


def _library(run, folder: Path, *options: str) -> Path:
    assert run("init", str(folder), "--name", "Lakeside Family Clinic", *options).code == 0
    (folder / "policies/governance").mkdir(parents=True, exist_ok=True)
    return folder


def _style_findings(run, library: Path, text: str) -> list[tuple[str, str]]:
    (library / "policies/governance/emergencies.md").write_text(POLICY.format(text=text), encoding="utf-8")
    result = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(result.out)["findings"]
    return [(f["rule"], f["message"]) for f in findings if f["rule"].startswith("Policybook")]


def test_a_us_library_accepts_us_spelling_and_911(tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "us", "--locale", "en-US")
    assert "\nlocale: en-US\n" in (library / "policybook.yml").read_text(encoding="utf-8")
    assert _style_findings(run, library, US_TEXT) == []


def test_the_default_locale_still_flags_us_spelling_and_911(tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "gb")
    assert "\nlocale: en-GB\n" in (library / "policybook.yml").read_text(encoding="utf-8")
    assert _style_findings(run, library, US_TEXT) == UK_FINDINGS


def test_a_us_library_is_told_when_a_policy_gives_another_countrys_emergency_number(tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "us", "--locale", "en-US")
    assert _style_findings(run, library, "If a patient collapses, call 999 for an ambulance.") == [
        ("PolicybookUS.EmergencyNumber", "'999' is another country's emergency number (999 is the UK's, 112 "
         "Europe's, 000 Australia's): in the US call 911.")]


def test_a_us_library_is_told_of_another_countrys_number_in_any_written_form(tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "us", "--locale", "en-US")
    found = _style_findings(run, library, "Dial 9-9-9, phone 1-1-2 or ring triple zero. Room 112 holds 999 forms; "
                                          "call 911.")
    assert [message.split("'")[1] for _, message in found] == ["9-9-9", "1-1-2", "triple zero"]


def test_init_writes_the_locale_into_vale_ini_so_the_real_vale_agrees(tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "us", "--locale", "en-US")
    ini = (library / ".vale.ini").read_text(encoding="utf-8")
    section = ini.split("[*.md]", 1)[1].split("\n[", 1)[0] + "\n"  # up to the next section (easy read's)
    lines = locale_lines(REPO / "styles", "en-US")
    assert lines and all(f"\n{line}\n" in section for line in lines)
    # Apart from the locale's lines, it is the house style's .vale.ini.
    kept = [line for line in ini.splitlines() if line not in lines and not line.startswith("# Locale ")]
    assert kept == (REPO / ".vale.ini").read_text(encoding="utf-8").splitlines()
    # The default writes the house style's .vale.ini as it is.
    gb = _library(run, tmp_path / "gb")
    assert (gb / ".vale.ini").read_text(encoding="utf-8") == (REPO / ".vale.ini").read_text(encoding="utf-8")


@pytest.mark.parametrize(("locale", "expected"), [("en-US", []), ("en-GB", UK_FINDINGS)])
def test_the_packaged_house_style_follows_the_locale(locale: str, expected: list[tuple[str, str]],
                                                     tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "lib", "--locale", locale)
    (library / ".vale.ini").unlink()  # no house style of its own: the packaged one applies
    style = Style.load(library)
    assert style.packaged and style.locale == locale
    assert _style_findings(run, library, US_TEXT) == expected


def test_changing_locale_in_settings_changes_the_packaged_style(tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "lib")
    (library / ".vale.ini").unlink()
    assert _style_findings(run, library, US_TEXT) == UK_FINDINGS
    settings = library / "policybook.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("locale: en-GB", "locale: en-US"),
                        encoding="utf-8")
    assert _style_findings(run, library, US_TEXT) == []


def test_an_unknown_locale_is_a_configuration_error(tmp_path: Path, run) -> None:
    library = _library(run, tmp_path / "lib")
    settings = library / "policybook.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("locale: en-GB", "locale: fr-FR"),
                        encoding="utf-8")
    result = run("-C", str(library), "lint", "--today", TODAY)
    assert result.code == 2 and "locale" in result.err
    assert run("init", str(tmp_path / "other"), "--name", "Lakeside Family Clinic", "--locale", "fr-FR").code == 2


def test_the_schema_the_init_option_and_the_locale_files_name_the_same_locales() -> None:
    schema = json.loads((REPO / "schemas/config.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["locale"]["enum"] == list(LOCALES)
    assert DEFAULT_LOCALE == "en-GB"
    assert sorted(p.stem for p in (REPO / "styles/config/locales").glob("*.ini")) == sorted(LOCALES)
    assert not list(validator("config").iter_errors({"organisation": {"name": "x"}, "locale": "en-US",
                                                      "categories": [{"id": "a", "title": "A", "prefix": "AA"}]}))


def test_a_locale_rule_is_explained_and_documented(run) -> None:
    result = run("-C", str(REPO), "style", "--explain", "PolicybookUS.EmergencyNumber")
    assert result.code == 0 and "applies with `locale: en-US`" in result.out
    page = (REPO / "docs/guide/style.md").read_text(encoding="utf-8")
    assert "## Locales" in page and "## PolicybookUS.EmergencyNumber" in page
    for line in locale_lines(REPO / "styles", "en-US"):
        assert f"`{line}`" in page


def test_the_locales_own_examples_hold(tmp_path: Path, run) -> None:
    from policybook.style.guide import load_examples, locale_rules

    style = Style.load(REPO)
    rules = [rule for _, rule in locale_rules(style).values()]
    examples = load_examples(style, rules)
    assert sorted(examples) == sorted(rule.name for rule in rules)
    library = _library(run, tmp_path / "us", "--locale", "en-US")
    for name, pair in examples.items():
        assert [rule for rule, _ in _style_findings(run, library, pair["bad"])] == [name]
        assert _style_findings(run, library, pair["good"]) == []


def test_locale_lines_are_vale_settings() -> None:
    for locale in LOCALES:
        for line in locale_lines(REPO / "styles", locale):
            assert re.fullmatch(r"[A-Za-z]+\.[A-Za-z]+ = (YES|NO|suggestion|warning|error)", line), line
