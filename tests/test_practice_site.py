"""The practice registers on the staff site: equipment with its next service, scheduled checks, the risk
register and its matrix, training by role and by person, the risks on a policy's page, the calendar of
everything that falls due and the home page's count of what is overdue. Built from a copy of the example
with register files and records written here, so the tests hold whatever the example's own hold; the
pages are read as built, and in headless Chromium at phone and desktop widths."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from browsertools import needs_browser, open_page
from conftest import TODAY, axe_violations
from sitetools import copy_example, policybook, serve

from policybook.corpus import load_corpus
from policybook.evidence.due import PERSONAL, due_items
from policybook.evidence.ledger import chain_value
from policybook.views.due import overdue_by_kind

HOSTILE = "Scan data lost <script>alert(1)</script> | **bold**"

CHECKS = """checks:
  - id: first-aid-kit-check
    title: First aid kit contents check
    by: first-aider
    every_months: 1
    equipment: [first-aid-kit]
    policies: [HS-003]
  - id: fire-drill
    title: Fire drill
    by: fire-warden
    every_months: 6
    since: "2026-01-10"
"""

RISKS = f"""risks:
  - id: data-loss
    title: "{HOSTILE}"
    owner: data-protection-officer
    likelihood: 2
    impact: 3
    next_review: "2027-06-01"
  - id: falls
    title: Patient falls from the vehicle steps
    description: A frail patient may fall on the tail-lift or the steps of the unit.
    owner: registered-manager
    likelihood: 4
    impact: 4
    controls: [Tail-lift for anyone unsteady]
    actions:
      - action: Fit anti-slip edging to the steps
        owner: registered-manager
        due: "2026-12-20"
      - action: Brief drivers on the tail-lift
        owner: registered-manager
        due: "2026-06-01"
        done: "2026-05-20"
    last_reviewed: "2026-06-01"
    next_review: "2026-11-01"
    policies: [HS-001]
    equipment: [first-aid-kit]
  - id: radiation
    title: Unintended exposure to radiation
    owner: registered-manager
    likelihood: 1
    impact: 5
    next_review: "2027-03-01"
"""

TRAINING = """training:
  - id: bls
    title: Basic life support
    level: Level 2
    roles: [all-staff]
    renew_months: 12
  - id: safeguarding
    title: Safeguarding adults
    level: Level 3
    roles: [registered-manager]
    renew_months: 36
"""


def _ledger(root: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    lines, previous = [",".join([*header, "chain"])], ""
    for row in rows:
        previous = chain_value(previous, row)
        lines.append(",".join([*row, previous]))
    (root / "records" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _manager(root: Path) -> list[str]:
    """Ids of the staff register's members, the registered manager first; each given a joined date."""
    path = root / "registers/staff.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for member in data["staff"]:
        member.setdefault("joined", "2020-01-06")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    ids = [m["id"] for m in data["staff"]]
    managers = [m["id"] for m in data["staff"] if "registered-manager" in m["roles"]]
    assert managers, "the example has a registered manager"
    return [managers[0], *(i for i in ids if i != managers[0])]


def _practice_library(root: Path) -> dict[str, str]:
    """The example with checks, risks, training and their records; which member of staff stands where."""
    (root / "registers/checks.yml").write_text(CHECKS, encoding="utf-8")
    (root / "registers/risks.yml").write_text(RISKS, encoding="utf-8")
    (root / "registers/training.yml").write_text(TRAINING, encoding="utf-8")
    manager, expired, due_soon, missing, *_ = _manager(root)
    equipment = (root / "registers/equipment.yml").read_text(encoding="utf-8")
    kit = re.search(r"  - id: first-aid-kit\n(?:    .*\n)*", equipment)
    assert kit is not None
    block = re.sub(r'    last_serviced: "[^"]*"\n', "", kit.group(0)) + '    last_serviced: "2026-09-02"\n'
    block = re.sub(r"    service_interval_months: \d+\n", "", block) + "    service_interval_months: 1\n"
    (root / "registers/equipment.yml").write_text(equipment.replace(kit.group(0), block), encoding="utf-8")
    _ledger(root, "training.csv", ["staff", "course", "date", "note"], [
        [manager, "bls", "2026-10-01", ""], [manager, "safeguarding", "2024-01-05", ""],
        [expired, "bls", "2025-09-01", ""], [due_soon, "bls", "2025-12-10", ""]])
    first_aider = next(m["id"] for m in yaml.safe_load((root / "registers/staff.yml").read_text(encoding="utf-8"))
                       ["staff"] if "first-aider" in m["roles"])
    _ledger(root, "checks.csv", ["check", "date", "staff", "note"], [["first-aid-kit-check", "2026-09-20",
                                                                       first_aider, ""]])
    _ledger(root, "servicing.csv", ["equipment", "date", "by", "note"], [])
    return {"manager": manager, "expired": expired, "due_soon": due_soon, "missing": missing}


BUILT: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("practice") / "org")
    BUILT["who"] = _practice_library(root)
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def _page(root: Path, path: str) -> str:
    return (root / "site" / path / "index.html").read_text(encoding="utf-8")


def _name(root: Path, staff_id: str) -> str:
    data = yaml.safe_load((root / "registers/staff.yml").read_text(encoding="utf-8"))
    return next(m["name"] for m in data["staff"] if m["id"] == staff_id)


def _row(page: str, header: str) -> list[str]:
    """The cells of the table row whose header cell is ``header`` (as the page has it, escaped)."""
    found = re.search(r'<th class="pb-row" scope="row">' + re.escape(header) + r"</th>(.*?)</tr>", page, re.S)
    assert found, header
    return re.findall(r"<td>(.*?)</td>", found.group(1), re.S)


def test_the_risk_register_sorts_by_score_and_draws_the_matrix(library: Path) -> None:
    page = _page(library, "registers/risks")
    order = re.findall(r'<section class="pb-risk" id="risk-([a-z-]+)"', page)
    assert order == ["falls", "data-loss", "radiation"]  # 16, 6, 5: not the register's order
    assert '<caption id="risk-matrix">' in page and 'aria-labelledby="risk-matrix"' in page
    assert page.count('scope="col"') >= 6 and page.count('scope="row"') >= 5
    likely = _row(page, "Likelihood 4: likely")
    assert "Score 16, high" in likely[3] and 'href="#risk-falls"' in likely[3]
    assert "Score 4, low" in likely[0] and "No risks" in likely[0]
    assert 'href="#risk-data-loss"' in _row(page, "Likelihood 2: unlikely")[2]
    assert "Score 5, moderate" in _row(page, "Likelihood 1: rare")[4]
    falls = page.split('id="risk-falls"')[1].split("</section>")[0]
    assert "Registered Manager" in falls and "16, high (likelihood 4, impact 4)" in falls
    assert "Tail-lift for anyone unsteady" in falls
    assert re.search(r"Fit anti-slip edging.*Due soon: in 24 days", falls)
    assert re.search(r"Brief drivers on the tail-lift.*>Done</span> 20 May 2026", falls)
    assert re.search(r"1 November 2026 <span class=\"pb-badge pb-badge--overdue\">Overdue by 25 days", falls)
    assert "HS-001" in falls and ">first aid kit</a>" in falls
    assert "<p></p>" not in page


def test_hostile_text_in_a_risk_title_is_shown_not_run(library: Path) -> None:
    page = _page(library, "registers/risks")
    assert "<script>alert(1)" not in page
    assert "Scan data lost &lt;script&gt;alert(1)&lt;/script&gt; | **bold**" in page
    assert "<strong>bold</strong>" not in page


def test_training_matrices_say_each_status_in_words(library: Path) -> None:
    who = BUILT["who"]
    page = _page(library, "registers/training")
    roles = _row(page, "All staff")
    assert roles[0] == "Required" and roles[1] == "Not required"
    assert _row(page, "Registered Manager") == ["Required (all staff)", "Required"]
    manager = _row(page, _name(library, who["manager"]))
    assert ">Current</span> completed 1 October 2026; renew by 1 October 2027" in manager[0]
    assert ">Current</span> completed 5 January 2024; renew by 5 January 2027" in manager[1]
    expired = _row(page, _name(library, who["expired"]))
    assert "pb-badge--overdue\">Expired</span> completed 1 September 2025; expired 1 September 2026" in expired[0]
    assert "Due soon</span> completed 10 December 2025" in _row(page, _name(library, who["due_soon"]))[0]
    missing = _row(page, _name(library, who["missing"]))
    assert ">Missing</span> never completed" in missing[0]
    assert any(cell == "Not required" for cell in (expired[1], missing[1]))
    assert "Basic life support (Level 2): every 12 months" in page


def test_equipment_and_checks_show_what_is_overdue(library: Path) -> None:
    equipment = _page(library, "registers/equipment")
    kit = _row(equipment, "first aid kit")
    assert kit[0] == '<span class="pb-badge pb-badge--overdue">Overdue by 55 days</span>'
    assert kit[1] == "2 October 2026" and kit[2] == "2 September 2026" and kit[3] == "Every month"
    unscheduled = [row for row in re.findall(r"<tr>(.*?)</tr>", equipment, re.S) if "Not serviced on a schedule" in row]
    assert unscheduled or "service_interval_months" not in (library / "registers/equipment.yml").read_text()
    checks = _page(library, "registers/checks")
    kit_check = _row(checks, "First aid kit contents check")
    assert "Overdue by 37 days" in kit_check[0] and kit_check[2].startswith("20 September 2026 (")
    assert "First Aider" in kit_check[4] and "HS-003" in kit_check[5] and ">first aid kit</a>" in kit_check[5]
    drill = _row(checks, "Fire drill")
    assert drill[1] == "10 July 2026" and drill[2] == "Not recorded"


def test_a_policy_page_lists_the_risks_that_cite_it(library: Path) -> None:
    page = _page(library, "policies/health-safety/health-and-safety")
    risks = re.search(r'<ul class="pb-risks" data-pb="risks">(.*?)</ul>', page, re.S)
    assert risks is not None
    assert ('<a href="../../../registers/risks/#risk-falls">Patient falls from the vehicle steps</a> (score 16)'
            in risks.group(1))
    assert 'data-pb="risks"' not in _page(library, "policies/infection-control/hand-hygiene")


def test_the_calendar_holds_every_due_item_with_its_owner(library: Path) -> None:
    from icalendar import Calendar

    corpus = load_corpus(library, dt.date.fromisoformat(TODAY))
    items = [i for i in due_items(corpus) if i.kind not in PERSONAL]
    events = [c for c in Calendar.from_ical((library / "site/review-calendar.ics").read_bytes()).walk()
              if c.name == "VEVENT"]
    assert len(events) == len(items) and len({str(e["uid"]) for e in events}) == len(items)
    # one person's appraisal, supervision or reading is the manager's to see, not every reader's
    assert any(i.kind in PERSONAL for i in due_items(corpus))
    assert not {"Appraisal", "Supervision", "Reading"} & {str(e["categories"].cats[0]) for e in events}
    assert all(str(e["description"]).startswith("Owner: ") for e in events)
    kinds = {str(e["categories"].cats[0]) for e in events}
    assert {"Document review", "Servicing", "Check", "Risk review", "Risk action", "Training"} <= kinds
    assert any(HOSTILE in str(e["summary"]) for e in events)  # text in the file, escaped by icalendar


def test_the_home_page_counts_what_is_overdue(library: Path) -> None:
    corpus = load_corpus(library, dt.date.fromisoformat(TODAY))
    tally = dict(overdue_by_kind([i for i in due_items(corpus) if i.kind not in PERSONAL]))
    home = (library / "site/index.html").read_text(encoding="utf-8")
    assert '<h2 id="overdue">Overdue' in home
    section = home.split('<h2 id="overdue">')[1].split("<h2")[0]
    assert f'<a href="registers/equipment/">Servicing</a>: {tally["servicing"]} overdue' in section
    assert f'<a href="registers/checks/">Check</a>: {tally["check"]} overdue' in section
    assert f'<a href="registers/risks/">Risk review</a>: {tally["risk-review"]} overdue' in section
    assert f'<a href="registers/training/">Training</a>: {tally["training"]} overdue' in section


def test_empty_and_missing_practice_registers_still_build(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "org")
    for name in ("checks", "risks", "training"):
        (root / "registers" / f"{name}.yml").unlink(missing_ok=True)
    (root / "registers/risks.yml").write_text("risks: []\n", encoding="utf-8")
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The register lists no risks yet." in _page(root, "registers/risks")
    assert "The register lists no scheduled checks yet." in _page(root, "registers/checks")
    assert "The register lists no courses yet." in _page(root, "registers/training")
    assert 'data-pb="risks"' not in _page(root, "policies/health-safety/health-and-safety")


# -- in the browser ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(library: Path) -> Iterator[str]:
    with serve(library / "site") as url:
        yield url


@needs_browser
@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["/registers/risks/", "/registers/training/", "/registers/equipment/",
                                  "/registers/checks/", "/"])
def test_practice_pages_pass_axe_and_fit_the_screen(browser: object, site: str, path: str, width: int) -> None:
    page = open_page(browser, site + path, width=width, bypass_csp=True)  # axe is injected as an inline script
    assert page.evaluate("document.body.scrollWidth") <= width  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # type: ignore[attr-defined]
    violations = axe_violations(page)
    page.close()  # type: ignore[attr-defined]
    assert violations == []


@needs_browser
def test_a_wide_matrix_scrolls_in_its_own_box_on_a_phone(browser: object, site: str) -> None:
    page = open_page(browser, site + "/registers/training/", width=375)
    box = page.locator("#staff-training-scroll")  # type: ignore[attr-defined]
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    page.close()  # type: ignore[attr-defined]
