"""Acceptance of the guidance watch: 30 of the example's guidance entries served over HTTPS from four
publishers' page layouts (NICE-like, GOV.UK-like, Resuscitation Council-like, HTM-like). Cosmetic changes
to all 30 give no change; substantive changes to 10 give exactly those 10, each naming the policies that
cite it and the sections of those policies that refer to it; a withdrawal notice and a permanent redirect
to another guideline are recorded as superseded with the replacement named, and lint then says so."""

from __future__ import annotations

import json
import re
from pathlib import Path

import frontmatter
import pytest
import yaml
from guidance_server import Served, point_at
from markdown_it import MarkdownIt
from pagetools import NAV, NEWS, Page, render

TEMPLATES = ("nice", "govuk", "resus", "htm")
EDITIONS = {"nice": "Published: 12 March 2021 Last updated: 5 May 2025", "govuk": "Last updated 3 June 2025",
            "resus": "Version 2.1, published May 2025", "htm": "Edition 2025-01"}
WATCHED = 30
COSMETIC = (
    lambda p: p.vary(nav=tuple(reversed(NAV))),
    lambda p: p.vary(cookie_banner=False),
    lambda p: p.vary(generated="Page last generated 2027-02-01 04:31:12 by node web-3"),
    lambda p: p.vary(tracking="?utm_source=bulletin&utm_campaign=feb&gclid=Cj0KCQ"),
    lambda p: p.vary(indent="\t  \t"),
    lambda p: p.vary(news=(*NEWS[3:], NEWS[0])),
)


def _page(entry: dict[str, str], number: int) -> Page:
    """A publisher's page for an entry: its own recommendations under four headings."""
    title = entry["title"]
    template = TEMPLATES[number % len(TEMPLATES)]
    return Page(
        title=title, publisher=entry["publisher"], edition=EDITIONS[template], template=template,
        sections=(
            ("Overview", (f"This guidance, {title}, covers services that provide care to adults and children.",)),
            ("Recommendations", (f"Services assess the risk described in {title} before care starts.",
                                 f"Staff record the assessment in the care record within {number + 1} days.")),
            ("Training", ("Staff complete training on appointment and refresh it every three years.",)),
            ("Audit", ("Services audit compliance at least once a year and act on the findings.",)),
        ))


def _substantive(page: Page, kind: int) -> tuple[Page, str]:
    """A change to the guidance itself, and the summary line it must give."""
    sections = list(page.sections)
    if kind == 0:  # a changed recommendation
        heading, paragraphs = sections[1]
        sections[1] = (heading, (paragraphs[0], "Staff record the assessment before the person leaves."))
        return page.vary(sections=tuple(sections)), "section altered: Recommendations"
    if kind == 1:  # a new section
        sections.insert(3, ("Children and young people", ("Involve a parent or carer in every decision.",)))
        return page.vary(sections=tuple(sections)), "section added: Children and young people"
    del sections[2]  # a withdrawn section
    return page.vary(sections=tuple(sections)), "section removed: Training"


def _heading(template: str, heading: str, sections: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """How a template numbers the heading of a section, as the summary names it."""
    index = [h for h, _ in sections].index(heading)
    return {"nice": f"{index + 1} {heading}", "htm": f"Chapter {index + 1}: {heading}"}.get(template, heading)


def _expected_citing(root: Path, entry: dict[str, str]) -> dict[str, list[str]]:
    """Worked out here from the policies themselves: each policy in force or in draft that lists the entry
    under guidance, with the headings of the sections whose paragraphs name its title ("frontmatter" when
    none does)."""
    found: dict[str, list[str]] = {}
    for path in sorted((root / "policies").rglob("*.md")):
        post = frontmatter.load(path)
        cited = [g if isinstance(g, str) else g.get("id") for g in post.metadata.get("guidance") or []]
        if entry["id"] not in cited or post.metadata.get("status") == "retired":
            continue
        headings: list[str] = []
        heading = "introduction"
        tokens = MarkdownIt().parse(post.content)
        for at, token in enumerate(tokens):
            if token.type == "heading_open":
                heading = tokens[at + 1].content
            elif token.type == "inline" and tokens[at - 1].type != "heading_open" \
                    and entry["title"].casefold() in token.content.casefold() and heading not in headings:
                headings.append(heading)
        found[str(post.metadata["id"])] = headings or ["frontmatter"]
    return found


@pytest.fixture
def watched(example: Path, server: tuple[str, Served], run) -> tuple[Path, Served, list[dict[str, str]], str]:
    """The example with 30 entries on the publishers' layouts, their fingerprints recorded by a first check
    (and the other entries served from their saved copies)."""
    base, served = server
    entries = [e for e in point_at(example, base, served) if e["status"] == "current"][:WATCHED]
    path = example / "registers/guidance.yml"
    text = path.read_text(encoding="utf-8")
    for number, entry in enumerate(entries):
        served[f"/{entry['id']}"] = (200, {}, render(_page(entry, number)).encode(), 0.0)
        text = re.sub(rf"(  - id: {entry['id']}\n(?:    .*\n)*?)    edition: .*\n    fingerprint: .*\n", r"\1", text)
    path.write_text(text, encoding="utf-8")
    first = run("-C", str(example), "guidance", "check", "--write", "--today", "2026-12-06")
    assert first.code == 0, first.out + first.err
    assert "0 changed, 0 withdrawn or replaced, of 42 pages read; 0 could not be read" in first.out
    assert path.read_text(encoding="utf-8").count("fingerprint: sha256:") == 43
    return example, served, entries, base


def test_thirty_cosmetic_changes_give_no_change(watched, run) -> None:
    example, served, entries, _ = watched
    for number, entry in enumerate(entries):
        page = COSMETIC[number % len(COSMETIC)](_page(entry, number))
        served[f"/{entry['id']}"] = (200, {}, render(page).encode(), 0.0)
    result = run("-C", str(example), "guidance", "check")
    assert result.code == 0, result.out + result.err
    assert "0 changed, 0 withdrawn or replaced, of 42 pages read; 0 could not be read" in result.out


def test_ten_substantive_changes_give_ten_naming_the_citing_policies_and_sections(watched, run) -> None:
    example, served, entries, _ = watched
    wanted = {}
    for number, entry in enumerate(entries):
        page = COSMETIC[number % len(COSMETIC)](_page(entry, number))
        if number % 3 == 0:  # 10 of the 30: every third page
            page, summary = _substantive(page, number // 3 % 3)
            if page.template == "govuk":
                page = page.vary(edition="Last updated 1 December 2026")
            template = page.template
            heading = summary.split(": ", 1)[1]
            named = _heading(template, heading, page.sections if "removed" not in summary
                             else _page(entry, number).sections)
            wanted[entry["id"]] = (summary.replace(heading, named), template)
        served[f"/{entry['id']}"] = (200, {}, render(page).encode(), 0.0)
    result = run("-C", str(example), "guidance", "check", "--format", "json")
    assert result.code == 1
    report = {item["id"]: item for item in json.loads(result.out)}
    changed = {i for i, item in report.items() if item["changed"]}
    assert changed == set(wanted)
    assert len(changed) == 10
    by_id = {e["id"]: e for e in entries}
    for guidance_id, (summary, template) in wanted.items():
        item = report[guidance_id]
        assert summary in item["summary"], (guidance_id, item["summary"])
        if template == "govuk":
            assert item["edition"] == {"was": EDITIONS["govuk"], "now": "Last updated 1 December 2026"}
        else:
            assert item["edition"] is None
        citing = {c["policy"]: c["sections"] for c in item["citing"]}
        assert citing == _expected_citing(example, by_id[guidance_id]), guidance_id
    # The text report says the same, one block per changed entry.
    text = run("-C", str(example), "guidance", "check")
    assert len([line for line in text.out.splitlines() if "the main text changed since" in line]) == 10
    assert "10 changed, 0 withdrawn or replaced, of 42 pages read; 0 could not be read" in text.out


def test_a_recorded_change_brings_the_citing_policies_review_forward(watched, run) -> None:
    example, served, entries, _ = watched
    entry = next(e for e in entries if e["id"] == "mca-2005")
    number = entries.index(entry)
    page, _ = _substantive(_page(entry, number), 0)
    served["/mca-2005"] = (200, {}, render(page).encode(), 0.0)
    result = run("-C", str(example), "guidance", "check", "mca-2005", "--write", "--today", "2026-12-07")
    assert result.code == 1
    assert "SAF-001 (frontmatter), SAF-004 (Purpose)" in result.out
    assert 'changed_on: "2026-12-07"' in (example / "registers/guidance.yml").read_text(encoding="utf-8")
    lint = run("-C", str(example), "lint", "--today", "2026-12-07", "--format", "json")
    findings = [f for f in json.loads(lint.out)["findings"] if f["rule"] == "guidance-changed"]
    citing = {str(frontmatter.load(example / f["path"]).metadata["id"]) for f in findings}
    assert citing == {"SAF-001", "SAF-004"} and len(findings) == 2, findings
    assert all("mca-2005" in f["message"] and "2026-12-07" in f["message"] for f in findings)
    # A review of SAF-004 against the new text settles it; SAF-001, not yet reviewed, is still reported.
    reviewed = run("-C", str(example), "reviewed", "SAF-004", "--by", "registered-manager", "--on", "2026-12-07",
                   "--note", "Checked against the revised Act guidance; no change.", "--today", "2026-12-07")
    assert reviewed.code == 0, reviewed.err
    lint = run("-C", str(example), "lint", "--today", "2026-12-07", "--format", "json")
    after = [f for f in json.loads(lint.out)["findings"] if f["rule"] == "guidance-changed"]
    assert [str(frontmatter.load(example / f["path"]).metadata["id"]) for f in after] == ["SAF-001"]
    # Checked again the next day, nothing new: the change stays recorded and nothing more is reported.
    again = run("-C", str(example), "guidance", "check", "mca-2005", "--write", "--today", "2026-12-08")
    assert again.code == 0, again.out
    assert 'changed_on: "2026-12-07"' in (example / "registers/guidance.yml").read_text(encoding="utf-8")


def test_a_withdrawal_notice_and_a_permanent_redirect_are_recorded_superseded_with_the_replacement(
        watched, run) -> None:
    example, served, entries, base = watched
    notice_entry, moved_entry = entries[4], entries[9]
    page = _page(notice_entry, 4)
    replacing = ('<div class="notice"><p>This guidance was withdrawn on 1 December 2026. It has been replaced '
                 'by <a href="/guidance/new-standard?utm_source=x">Infection prevention standard 2026</a>.</p></div>')
    served[f"/{notice_entry['id']}"] = (200, {}, render(page).replace("</h1>", "</h1>" + replacing, 1).encode(), 0.0)
    served[f"/{moved_entry['id']}"] = (301, {"Location": f"{base}/guidance/ng999"}, b"", 0.0)
    other = Page(title="Safe care in the community (NG999)", publisher="NICE", edition="Published: 1 December 2026",
                 sections=(("Recommendations", ("Services follow this guideline from 2027.",)),), template="nice")
    served["/guidance/ng999"] = (200, {}, render(other).encode(), 0.0)
    result = run("-C", str(example), "guidance", "check", "--write", "--today", "2026-12-07")
    assert result.code == 1
    lines = {line.split(":", 1)[0]: line for line in result.out.splitlines() if "superseded" in line}
    assert set(lines) == {notice_entry["id"], moved_entry["id"]}
    assert "'Infection prevention standard 2026'" in lines[notice_entry["id"]]
    assert f"<{base}/guidance/new-standard>" in lines[notice_entry["id"]]  # without its tracking
    assert f"'Safe care in the community (NG999)' <{base}/guidance/ng999>" in lines[moved_entry["id"]]
    register = {e["id"]: e for e in yaml.safe_load((example / "registers/guidance.yml").read_text())["guidance"]}
    assert register[notice_entry["id"]]["status"] == "superseded"
    assert register[notice_entry["id"]]["replacement_title"] == "Infection prevention standard 2026"
    assert register[moved_entry["id"]]["status"] == "superseded"
    assert register[moved_entry["id"]]["replacement_url"] == f"{base}/guidance/ng999"
    lint = run("-C", str(example), "lint", "--today", "2026-12-07", "--format", "json")
    findings = json.loads(lint.out)["findings"]
    superseded = [f for f in findings if f["rule"] == "superseded-guidance" and moved_entry["id"] in f["message"]]
    assert superseded and all("Safe care in the community (NG999)" in f["message"] for f in superseded)
    assert not [f for f in findings if f["rule"] == "schema"]


def test_a_gone_page_is_withdrawn_and_a_move_of_the_same_guidance_is_not(watched, run) -> None:
    example, served, entries, base = watched
    gone, moved = entries[1], entries[2]
    served[f"/{gone['id']}"] = (410, {}, b"Gone", 0.0)
    served[f"/{moved['id']}"] = (308, {"Location": f"{base}/new-home/{moved['id']}"}, b"", 0.0)
    served[f"/new-home/{moved['id']}"] = (200, {}, render(_page(moved, 2)).encode(), 0.0)
    result = run("-C", str(example), "guidance", "check", "--write", "--today", "2026-12-07")
    assert result.code == 1
    assert f"{gone['id']}: withdrawn (the publisher answers HTTP 410 Gone): no replacement named" in result.out
    assert "1 changed" not in result.out and "0 changed, 1 withdrawn or replaced" in result.out
    register = {e["id"]: e for e in yaml.safe_load((example / "registers/guidance.yml").read_text())["guidance"]}
    assert register[gone["id"]]["status"] == "withdrawn"
    assert register[moved["id"]]["status"] == "current"
    assert register[moved["id"]]["url"] == f"{base}/new-home/{moved['id']}"
