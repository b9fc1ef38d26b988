"""What readers need first, in the built site and handbook: a policy's urgent section above everything else,
equipment and role aliases in the search index, register tables in boxes of their own, pages of changes that
keep tables as tables, and a page of the last year's new versions. The library is a copy of the example under
git with a second approved version of IPC-002 (so that pages of changes exist); its medical emergencies policy
marks its urgent section, and its first aid policy has an "In an emergency" section."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import TODAY, edit, strip_fingerprints
from sitetools import copy_example, policybook

from policybook.render import render_body

EMERGENCIES = "policies/health-safety/medical-emergencies.md"
FIRST_AID = "policies/health-safety/first-aid.md"
HAND = "policies/infection-control/hand-hygiene.md"
TABLE = """## When to use which

| Hands | Use |
|---|---|
| Visibly soiled | Soap and water |
| Otherwise clean | Alcohol hand rub |

"""


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = strip_fingerprints(copy_example(tmp_path_factory.mktemp("readers") / "org"))
    edit(root / EMERGENCIES, "urgent: If someone collapses\n", "urgent: If someone COLLAPSES\n")
    # Without the field, a section headed "In an emergency" is the one shown first.
    edit(root / FIRST_AID, "urgent: Giving first aid\n", "")
    edit(root / FIRST_AID, "## Giving first aid", "## In an emergency")
    edit(root / HAND, "## ", TABLE + "## ")  # a table in the text of version 1.3
    edit(root / "registers/equipment.yml", "aliases: [AED, defibrillator]",
         "aliases: [AED, defibrillator, '<img src=x onerror=alert(1)> & co']")  # register text is untrusted
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "policies")
    assert policybook(root, "bump", "IPC-002", "--minor", "--summary", "Gel first <b>now</b>.",
                      "--today", TODAY).returncode == 0
    edit(root / HAND, "| Otherwise clean | Alcohol hand rub |", "| Otherwise clean | Alcohol hand gel |")
    result = policybook(root, "approve", "IPC-002", "--by", "ipc-lead", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    _git(root, "commit", "-q", "-am", "IPC-002 1.4")
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def _page(library: Path, path: str) -> str:
    return (library / "site" / path / "index.html").read_text(encoding="utf-8")


def test_the_urgent_section_comes_before_the_status_duties_and_panel(library: Path) -> None:
    page = _page(library, "policies/health-safety/medical-emergencies")
    urgent = page.index('data-pb="urgent"')
    assert page.index('id="policy-title"') < urgent < page.index('data-pb="status-line"') < page.index("pb-panel")
    box = page[urgent:page.index("</section>", urgent)]
    assert "If someone collapses" in box and "call 999" in box and "Send someone for the automated" in box
    assert "The unit" not in box  # the section ends at the next heading
    assert page.count('id="if-someone-collapses"') == 1  # moved, not copied
    assert page.index("Anyone who collapses on or near the unit") > urgent  # the purpose follows


def test_a_section_headed_in_an_emergency_comes_first_without_naming_it(library: Path) -> None:
    page = _page(library, "policies/health-safety/first-aid")
    urgent = page.index('data-pb="urgent"')
    assert urgent < page.index('data-pb="status-line"')
    assert 'id="in-an-emergency"' in page[urgent:page.index("</section>", urgent)]
    assert 'data-pb="urgent"' not in _page(library, "policies/infection-control/hand-hygiene")


def test_the_handbook_prints_the_urgent_section_first_in_its_policy(library: Path) -> None:
    pdf = library / "site/handbook/staff-handbook.pdf"
    text = " ".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    steps = text.index("Check it is safe to approach")
    title = text.rindex("Basic life support and medical emergencies", 0, steps)
    assert "Roles and responsibilities" not in text[title:steps]  # before the document control
    assert steps < text.index("Roles and responsibilities", steps) < text.index("Anyone who collapses on or near")
    assert text.count("Check it is safe to approach") == 1  # moved, not copied


def test_the_urgent_section_is_rendered_apart_and_escaped() -> None:
    body = "## Purpose\n\nWhy.\n\n## In an  Emergency\n\nCall <b>999</b>.\n\n### Then\n\nWait.\n\n## After\n\nLog it.\n"
    rendered = render_body(body, link=lambda h: h, image=lambda s: s, urgent="in an emergency")
    assert "Call &lt;b&gt;999&lt;/b&gt;." in rendered.urgent and "<h3" in rendered.urgent
    assert "Log it" not in rendered.urgent
    assert "Why." in rendered.html and "Log it." in rendered.html and "999" not in rendered.html
    assert [h.id for h in rendered.headings] == ["in-an-emergency", "then", "purpose", "after"]
    assert rendered.urgent_id == "in-an-emergency"
    assert render_body(body, link=lambda h: h, image=lambda s: s, urgent="Nowhere").urgent == ""


def test_search_finds_a_policy_by_its_equipments_and_roles_other_names(library: Path) -> None:
    index = json.loads((library / "site/search/search_index.json").read_text(encoding="utf-8"))
    tags: dict[str, set[str]] = {}
    for doc in index["docs"]:
        tags.setdefault(doc["location"].split("#")[0], set()).update(doc.get("tags", []))
    emergencies = tags["policies/health-safety/medical-emergencies/"]
    assert {"AED", "defibrillator", "automated external defibrillator"} <= emergencies
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in emergencies  # Material shows tags as HTML
    assert not [t for ts in tags.values() for t in ts if "<" in t]
    assert "IPC Lead" in tags["policies/infection-control/hand-hygiene/"]  # the IPC lead's alias
    assert "AED" not in tags["policies/infection-control/hand-hygiene/"]


def test_register_tables_are_in_boxes_named_by_their_heading(library: Path) -> None:
    page = _page(library, "registers")
    assert 'id="all-policies"' in page
    assert re.search(r'<div aria-labelledby="all-policies" class="pb-scroll pb-scroll--markdown pb-sortable" '
                     r'role="region" tabindex="0">\s*<table>', page), page[page.index("<article"):][:600]
    standards = _page(library, "registers/standards")
    assert standards.count('class="pb-scroll pb-scroll--markdown"') >= 2  # one box for each framework


def test_the_page_of_changes_keeps_a_table_as_a_table(library: Path) -> None:
    page = _page(library, "policies/infection-control/hand-hygiene/versions/1.4-changes")
    table = page[page.index("<table>"):page.index("</table>")]
    assert '<th scope="col">Hands</th><th scope="col">Use</th>' in table
    assert "<td>Visibly soiled</td><td>Soap and water</td>" in table
    assert re.search(r"<td>Otherwise clean</td><td>Alcohol hand <del>.*?rub</del> <ins>.*?gel</ins></td>", table)
    assert "Hands | Use" not in page and "Otherwise clean | Alcohol" not in page


def test_recent_changes_lists_the_last_twelve_months_of_new_versions(library: Path) -> None:
    page = _page(library, "registers/recent-changes")
    article = page[page.index("<article"):page.index("</article>")]
    rows = re.findall(r"<tr>(.*?)</tr>", article, re.S)[1:]
    hand = next(row for row in rows if "IPC-002" in row)
    shown = " ".join(re.sub(r"<[^>]+>", " ", hand).split())
    assert shown.startswith("26 November 2026 IPC-002 Hand hygiene 1.4 Gel first &lt;b&gt;now&lt;/b&gt;.")
    assert 'href="../../policies/infection-control/hand-hygiene/versions/1.4-changes/"' in hand
    listed = " ".join(re.sub(r"<[^>]+>", " ", r) for r in rows)
    assert "HS-002 Basic life support and medical emergencies 3.0" in " ".join(listed.split())  # May 2026
    assert "2.0" not in " ".join(listed.split()).split("HS-002")[1][:60]  # January 2023: too old
    days = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)"', article)
    assert days == sorted(days, reverse=True) and min(days) >= "2025-11-26"
    home_nav = _page(library, "")
    assert 'href="registers/recent-changes/"' in home_nav and "Recent changes" in home_nav


def test_marking_an_approved_policy_urgent_needs_a_new_version(example: Path, run) -> None:
    """Which section staff read first is part of what was approved: adding it afterwards is a change."""
    chaperones = "policies/safeguarding/chaperones.md"
    edit(example / chaperones, "audience:\n", "urgent: If no chaperone is available\naudience:\n")
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    rules = {f["rule"] for f in json.loads(result.out)["findings"] if f["path"] == chaperones}
    assert "changed-since-approval" in rules and result.code == 1
