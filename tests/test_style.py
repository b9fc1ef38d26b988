"""The house style on real policies: each rule's examples, the acceptance scenario, exit codes,
the generated style guide and configuration errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, TODAY, edit, strip_fingerprints

from policybook.style.guide import load_examples, render_guide
from policybook.style.runner import Style


@pytest.fixture
def example(example: Path) -> Path:
    """The example without approval fingerprints: these tests edit policy text to exercise other rules
    (changed-since-approval has its own tests in test_changes.py)."""
    return strip_fingerprints(example)

RATING = "policies/governance/display-of-rating.md"
ANCHOR = "## When a new rating is published\n"
EASY_READ = "public/leaflets/what-to-expect.easy-read.md"
EASY_READ_ANCHOR = "## Getting help\n"
# The examples name roles from across the service (the First Aider, the scan operator) that the rating policy
# is not written for: role-not-listed, which has its own cases in test_rules.py, is left out of these tests.
NAMED_ROLES = "role-not-listed"


def _style_findings(run, root: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json", *extra)
    return result.code, [f for f in json.loads(result.out)["findings"] if f["rule"] != NAMED_ROLES]


EXAMPLES = load_examples(Style.load(REPO))  # type: ignore[arg-type]


def test_every_style_rule_has_examples() -> None:
    style = Style.load(REPO)
    assert style is not None
    assert sorted(EXAMPLES) == sorted(style.rules)
    assert len(style.rules) >= 10


@pytest.mark.parametrize("rule", sorted(EXAMPLES))
def test_bad_example_raises_the_rule_and_good_example_nothing(rule: str, example: Path, run) -> None:
    # The EasyRead style applies to easy-read editions only (.vale.ini), so its examples go into one.
    target, anchor = (example / EASY_READ, EASY_READ_ANCHOR) if rule.startswith("EasyRead.") else (example / RATING,
                                                                                                  ANCHOR)
    original = target.read_text(encoding="utf-8")
    edit(target, anchor, EXAMPLES[rule]["bad"] + "\n\n" + anchor)
    _, findings = _style_findings(run, example)
    assert {f["rule"] for f in findings} == {rule}, findings
    target.write_text(original.replace(anchor, EXAMPLES[rule]["good"] + "\n\n" + anchor, 1), encoding="utf-8")
    _, findings = _style_findings(run, example)
    assert findings == []


ACCEPTANCE = """Staff call 911 in an emergency.
The defibrillator will probably be handled by the First Aider.
A shock from it is generally effective.
The organization keeps spare pads, etc. in the cupboard.
The checklist dated 03/04/24 is in the folder.

Words in code are not prose: `call 911`, `organization`, `etc.` and `dated 03/04/24`.

```text
call 911, probably, generally, organization, etc. dated 03/04/24
```

    call 911 in an indented block

See [the poster](https://example.org/call-911/organization/etc./probably) for the layout.
"""


def test_acceptance_alerts_at_exact_places_with_vale_messages(example: Path, run) -> None:
    target = example / RATING
    edit(target, ANCHOR, ACCEPTANCE + "\n" + ANCHOR)
    edit(target, "title: Display of the CQC rating", "title: Display of the CQC rating # call 911 etc.")
    text = target.read_text(encoding="utf-8").split("\n")
    first = text.index("Staff call 911 in an emergency.") + 1
    code, findings = _style_findings(run, example)
    got = [(f["line"], f["column"], f["rule"], f["severity"], f["message"]) for f in findings]
    lines = ACCEPTANCE.split("\n")

    def at(row: int, word: str) -> tuple[int, int]:
        return first + row, lines[row].index(word) + 1

    assert got == [
        (*at(0, "911"), "Policybook.EmergencyNumber", "error",
         "'911' is another country's emergency number (911 is North America's, 000 Australia's): in the UK call "
         "999 or 112; 111 is for urgent advice."),
        (*at(1, "probably"), "Policybook.Hedging", "warning",
         "'probably' is hedging: say what must happen, who does it and when."),
        (*at(2, "generally"), "Policybook.Hedging", "warning",
         "'generally' is hedging: say what must happen, who does it and when."),
        (*at(3, "organization"), "Policybook.Spelling", "warning",
         "Use the UK spelling 'organisation' instead of 'organization'."),
        (*at(3, "etc."), "Policybook.LatinAbbreviations", "warning", "Use 'and so on' instead of 'etc.'."),
        (*at(4, "03/04/24"), "Policybook.Dates", "warning",
         "'03/04/24' is ambiguous: write the date in full, such as 6 November 2020."),
    ]
    assert (first, 12) == at(0, "911")  # the column is the match's, in the source file
    assert code == 1  # the emergency number is an error


def test_warnings_alone_pass_unless_strict(example: Path, run) -> None:
    edit(example / RATING, ANCHOR, "The manager will probably check it.\n\n" + ANCHOR)
    code, findings = _style_findings(run, example)
    assert [f["rule"] for f in findings] == ["Policybook.Hedging"] and code == 0
    code, _ = _style_findings(run, example, "--strict")
    assert code == 1


def test_style_guide_page_is_generated_from_the_rules() -> None:
    style = Style.load(REPO)
    assert style is not None
    page = (REPO / "docs/guide/style.md").read_text(encoding="utf-8")
    assert page == render_guide(style), "regenerate with: policybook style --guide > docs/guide/style.md"
    for rule, pair in EXAMPLES.items():
        assert f"| Bad | {pair['bad']} |" in page and f"| Good | {pair['good']} |" in page, rule


def test_explain_shows_purpose_level_and_example(run) -> None:
    result = run("-C", str(REPO), "style", "--explain", "Policybook.Hedging")
    assert result.code == 0
    assert "Policybook.Hedging (existence, warning)" in result.out
    assert EXAMPLES["Policybook.Hedging"]["bad"] in result.out
    assert run("-C", str(REPO), "style", "--explain", "Policybook.Nope").code == 2


def test_rules_lists_style_rules(run) -> None:
    listed = run("-C", str(REPO), "rules").out
    for rule in EXAMPLES:
        assert rule in listed


@pytest.mark.parametrize(("content", "message"), [
    ("extends: grammar\nmessage: x\n", "unknown rule type 'grammar'"),
    ("extends: existence\nmessage: x\ntokenz: [a]\n", "unknown key 'tokenz'"),
    ("extends: existence\nmessage: x\ntokens: ['(']\n", "invalid regular expression"),
    ("extends: existence\nmessage: x\nlevel: fatal\ntokens: [a]\n", "level must be"),
    ("extends: spelling\nmessage: x\n", "needs the vale binary"),
])
def test_bad_rule_files_are_configuration_errors(content: str, message: str, example: Path, run) -> None:
    (example / "styles/Policybook/Broken.yml").write_text(content, encoding="utf-8")
    result = run("-C", str(example), "lint", "--today", TODAY)
    assert result.code == 2
    assert "Broken.yml" in result.err and message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_unknown_ini_setting_is_a_configuration_error(example: Path, run) -> None:
    (example / ".vale.ini").write_text("StylesPath = styles\nColour = red\n", encoding="utf-8")
    result = run("-C", str(example), "lint")
    assert result.code == 2 and ".vale.ini:2: unknown setting 'Colour'" in result.err


def test_a_vale_off_switch_in_a_policy_silences_the_passage(example: Path, run) -> None:
    edit(example / RATING, ANCHOR, "<!-- Quoting the poster as printed. -->\n<!-- vale off -->\n"
         "The poster says probably.\n<!-- vale on -->\n\n" + ANCHOR)
    _, findings = _style_findings(run, example)
    assert findings == []


DATES = "is ambiguous: write the date in full, such as 6 November 2020."
EMERGENCY = ("is another country's emergency number (911 is North America's, 000 Australia's): in the UK call 999 "
             "or 112; 111 is for urgent advice.")

# Near misses from real policy libraries: what each rule must leave alone, next to what it must still find.
# (text, [(rule, message)]) with the text put into a policy of the example.
NEAR_MISSES = [
    ("We use a 3rd party for 1st line support, on the 5th floor.", []),
    ("The audit on 3rd May found two faults; the May 3rd audit found none.",
     [("Policybook.Dates", "'3rd May' is ambiguous: write the date in full, such as 6 November 2020."),
      ("Policybook.Dates", "'May 3rd' is ambiguous: write the date in full, such as 6 November 2020.")]),
    ("The checks are on the 1st of each month.",
     [("Policybook.Dates", "'1st of each month' is ambiguous: write the date in full, such as 6 November 2020.")]),
    ("Only authorized staff enter the centers of partner organizations.",
     [("Policybook.Spelling", "Use the UK spelling 'authorised' instead of 'authorized'."),
      ("Policybook.Spelling", "Use the UK spelling 'centres' instead of 'centers'."),
      ("Policybook.Spelling", "Use the UK spelling 'organisations' instead of 'organizations'.")]),
    ("Organizational changes are recognized.",
     [("Policybook.Spelling", "Use the UK spelling 'Organisational' instead of 'Organizational'."),
      ("Policybook.Spelling", "Use the UK spelling 'recognised' instead of 'recognized'.")]),
    ("Install the computer programs that the World Health Organization lists, with skill.", []),
    ('The agreement covers Protected Health Information ("PHI"). PHI stays on the unit.', []),
    ("The Health and Safety Executive (HSE) inspects. CESG (Communications-Electronics Security Group) advises. "
     "The HSE and CESG agree.", []),
    ("Statements are numbered POL.CRYPTO.001 and staff MUST NOT share them (Part III).", []),
    ("The converted document lost a table here:\n\n[TABLE]", []),
    ("The HSE may visit. The HSE may phone.",
     [("Policybook.Acronyms",
       "'HSE' has no definition: write it out in full first, with the abbreviation in brackets.")]),
    ("Papers marked TOP SECRET never leave the office. The Senior Information Risk Owners (SIROs) meet; "
     "the SIRO chairs.", []),
    ("Notices are sent as required by law. A leak might warn the person. Should the audit find a fault, the "
     "manager acts.", []),
    ("Staff should check the poster, where possible each day, and might want to photograph it.",
     [("Policybook.Duties", "Use 'must' instead of 'should' where this is a duty."),
      ("Policybook.Hedging", "'where possible' is hedging: say what must happen, who does it and when."),
      ("Policybook.Hedging", "'might want' is hedging: say what must happen, who does it and when.")]),
    ("<table>\n<tr>\n<td>Restricted</td>\n<td>Restricted</td>\n</tr>\n</table>", []),
    ("<div>The manager will probably check it.</div>", []),
    ("Ratings are shown as <b>Good</b> <b>Good</b> on both posters.", []),
    ("Tell the\nthe manager.", [("Policybook.Repetition", "'the' is repeated.")]),
    # Dates as an inspection found them: a month or season with no year, a relative date, a date read two ways.
    ("The risk assessment is dated May. Review date: May. Reviewed Spring 2019. Next review: next year. The "
     "checklist is dated 3/4/25.",
     [("Policybook.Dates", f"'May' {DATES}"), ("Policybook.Dates", f"'May' {DATES}"),
      ("Policybook.Dates", f"'Spring 2019' {DATES}"), ("Policybook.Dates", f"'next year' {DATES}"),
      ("Policybook.Dates", f"'3/4/25' {DATES}")]),
    ("The poster is valid until March, and the frame was reviewed in due course.",
     [("Policybook.Dates", f"'March' {DATES}"), ("Policybook.Dates", f"'in due course' {DATES}")]),
    ("Dated 6 May 2025; next review: May 2027. The audit runs in May each year, reviewed in March and "
     "September, and the date may change. Version 2.5.11 is installed.", []),
    # Another country's emergency number in any written form; a number that counts or labels is none.
    ("Dial 9-1-1, ring 911, phone 000 or call nine one one.",
     [("Policybook.EmergencyNumber", f"'9-1-1' {EMERGENCY}"), ("Policybook.EmergencyNumber", f"'911' {EMERGENCY}"),
      ("Policybook.EmergencyNumber", f"'000' {EMERGENCY}"),
      ("Policybook.EmergencyNumber", f"'nine one one' {EMERGENCY}")]),
    ("Room 112 holds 911 grams of gel (see page 000). In an emergency call 999 or 112.", []),
]


@pytest.mark.parametrize(("text", "expected"), NEAR_MISSES, ids=[t[:30] for t, _ in NEAR_MISSES])
def test_style_rules_on_near_misses(text: str, expected: list[tuple[str, str]], example: Path, run) -> None:
    edit(example / RATING, ANCHOR, text + "\n\n" + ANCHOR)
    _, findings = _style_findings(run, example)
    assert [(f["rule"], f["message"]) for f in findings] == expected


def test_an_abbreviation_the_roles_register_gives_is_defined(example: Path, run) -> None:
    edit(example / RATING, ANCHOR, "The CEO signs the poster order.\n\n" + ANCHOR)
    _, findings = _style_findings(run, example)
    assert [(f["rule"], f["message"]) for f in findings if f["rule"] != "undesignated-role"] == [
        ("Policybook.Acronyms", "'CEO' has no definition: write it out in full first, with the abbreviation in "
         "brackets.")]
    edit(example / "registers/roles.yml", "roles:\n", "roles:\n  - id: chief-executive\n    title: Chief Executive "
         "Officer\n    description: Leads the company.\n    aliases: [CEO]\n")
    _, findings = _style_findings(run, example)
    assert findings == []


def test_every_rule_links_to_its_place_in_the_tools_own_guide() -> None:
    from policybook.markdown import heading_slug
    from policybook.style.guide import GUIDE_URL, locale_rules, rule_link

    style = Style.load(REPO)
    page = (REPO / "docs/guide/style.md").read_text(encoding="utf-8")
    anchors = {heading_slug(line.lstrip("#").strip()) for line in page.splitlines() if line.startswith("## ")}
    rules = [(rule, True) for rule in style.rules.values()]
    rules += [(rule, False) for _, rule in locale_rules(style).values()]
    assert len(rules) > len(style.rules)
    site = "policies.harbourside-dexa.example"
    for rule, house in rules:
        assert rule.link == rule_link(rule, house), rule.name
        assert rule.link.startswith(GUIDE_URL) and site not in rule.link
        assert rule.link.split("#", 1)[1] in anchors, rule.name
