"""The staff site build: policy pages, generated registers, the lint gate and escaping."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TODAY, edit, strip_fingerprints
from sitetools import add_site_files, policybook


@pytest.fixture
def example(example: Path) -> Path:
    """The example without approval fingerprints: these tests edit policy text to exercise other rules
    (changed-since-approval has its own tests in test_changes.py)."""
    return strip_fingerprints(example)


HAND = "policies/infection-control/hand-hygiene.md"


@pytest.fixture
def project(example: Path) -> Path:
    add_site_files(example)
    return example


def _page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def test_build_publishes_approved_policies_and_registers(project: Path) -> None:
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    site = project / "site"
    policies = sorted(project.glob("policies/*/*.md"))
    for policy in policies:
        relative = policy.relative_to(project / "policies").with_suffix("")
        assert (site / "policies" / relative / "index.html").is_file(), relative
    for register in ("registers", "registers/review", "registers/roles", "registers/guidance",
                     "registers/standards", "registers/equipment"):
        assert (site / register / "index.html").is_file(), register
    page = _page(site, "policies/infection-control/hand-hygiene")
    assert 'data-pb="id">IPC-002<' in page and 'data-pb="version">1.3<' in page
    assert "Infection Prevention and Control Lead" in page and "13 October 2027" in page
    assert "Version history" in page and "Care Quality Commission overall rating" in page
    roles = _page(site, "registers/roles")
    assert "Clean your hands at each of the five moments" in roles
    for name in ("staff-handbook.pdf", "staff-handbook-large-print.pdf"):
        assert (site / "handbook" / name).read_bytes().startswith(b"%PDF-")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="handbook/staff-handbook.pdf"' in home and 'href="handbook/staff-handbook-large-print.pdf"' in home
    guidance = _page(site, "registers/guidance")
    assert "WHO Guidelines on Hand Hygiene in Health Care" in guidance and "IPC-002" in guidance
    pages = list(site.rglob("*.html"))  # the rating banner on every page (Regulation 20A)
    assert len(pages) > 40 and [p for p in pages if 'data-pb="rating"' not in p.read_text(encoding="utf-8")] == []


def test_drafts_are_not_published_and_retired_policies_leave_a_notice(project: Path) -> None:
    edit(project / HAND, "status: approved", "status: draft")
    rating = project / "policies/governance/display-of-rating.md"
    edit(rating, "status: approved", "status: retired")
    edit(project / "policies/governance/duty-of-candour.md", "related:", "supersedes:\n  - GOV-006\nrelated:")
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    assert not (site / "policies/infection-control/hand-hygiene").exists()
    notice = _page(site, "policies/governance/display-of-rating")
    assert "is retired and no longer in force" in notice
    assert "GOV-005 Duty of candour" in notice


def test_a_broken_policy_fails_the_build_with_its_place(project: Path) -> None:
    edit(project / HAND, "author: Hannah Okonjo\n", "")
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 1
    assert f"{HAND}:1:1 schema missing required field 'author'" in result.stdout + result.stderr


def test_overdue_policies_stay_on_the_site_with_an_overdue_badge(project: Path) -> None:
    result = policybook(project, "build", "--today", "2027-11-01")
    assert result.returncode == 0, result.stderr
    page = _page(project / "site", "policies/infection-control/hand-hygiene")
    assert re.search(r'pb-badge--overdue" data-pb="review_status">Overdue by \d+ days', page)


def test_policy_text_and_fields_never_become_live_html(project: Path) -> None:
    edit(project / HAND, "title: Hand hygiene", "title: 'Hand hygiene | <b>x</b> {{ config }}'")
    edit(project / HAND, "## Purpose", "## Purpose\n\nA <u>raw</u> tag and <span>text</span> stay as text.\n")
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    page = _page(project / "site", "policies/infection-control/hand-hygiene")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<u>raw</u>" not in page and "&lt;u&gt;raw" in page
    register = _page(project / "site", "registers")
    assert "<b>x</b>" not in register and "{{ config }}" in register


def test_policy_id_links_point_at_the_policy_page(project: Path) -> None:
    edit(project / HAND, "## Purpose", "## Purpose\n\nSee the [infection control policy](IPC-001).\n")
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    page = _page(project / "site", "policies/infection-control/hand-hygiene")
    assert 'href="../infection-prevention/">infection control policy</a>' in page


def _start_serve(project: Path) -> tuple[subprocess.Popen[str], int]:
    """`policybook serve` on a free port, its output on a pipe."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script = Path(sys.executable).parent / "policybook"
    process = subprocess.Popen([str(script), "-C", str(project), "serve", "--address", f"127.0.0.1:{port}",
                                "--today", TODAY], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return process, port


def test_serve_rebuilds_when_a_policy_is_saved(project: Path) -> None:
    """`policybook serve` watches policies/: saving one reloads the browser with the new text."""
    import queue
    import threading
    import time
    import urllib.request

    process, port = _start_serve(project)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def wait_for(text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if text in lines.get(timeout=max(0.1, deadline - time.monotonic())):
                    return
            except queue.Empty:
                break
        raise AssertionError(f"'{text}' not printed within {seconds} s")

    try:
        wait_for("Serving on", 120)
        time.sleep(1)
        edit(project / HAND, "## Technique", "The new sentence is here.\n\n## Technique")
        wait_for("Reloading browsers", 60)
        response = urllib.request.urlopen(f"http://127.0.0.1:{port}/policies/infection-control/hand-hygiene/",
                                          timeout=30)
        page = response.read().decode("utf-8")
        assert "The new sentence is here." in page
        # The preview keeps the published site's policy, as a header and in the page; its own live-reload
        # script is allowed by a nonce.
        header = response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", header)
        assert nonce and "'unsafe-inline'" not in header.split("script-src")[1]
        assert f'<script nonce="{nonce.group(1)}">' in page and '<meta http-equiv="Content-Security-Policy"' in page
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_preview_shows_a_draft_marked_as_a_draft(project: Path) -> None:
    """A policy being edited is not in force: staff never see it, but its author does, in the preview."""
    import time
    import urllib.error
    import urllib.request

    assert policybook(project, "bump", "IPC-002", "--minor", "--summary", "Wording.", "--today", TODAY).returncode == 0
    edit(project / HAND, "## Technique", "A sentence still being written.\n\n## Technique")
    process, port = _start_serve(project)
    try:
        deadline, page = time.monotonic() + 120, ""
        while time.monotonic() < deadline and not page:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/policies/infection-control/hand-hygiene/",
                                              timeout=10).read().decode("utf-8")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(1)
        assert "Draft: not in force" in page and "A sentence still being written." in page
        assert "Version 1.4" in page
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_stopping_serve_stops_its_mkdocs_child(project: Path) -> None:
    """SIGTERM to `policybook serve` ends the preview server it started, not just policybook."""
    import signal
    import socket
    import time

    process, port = _start_serve(project)
    try:
        deadline = time.monotonic() + 120
        for line in process.stdout:  # type: ignore[union-attr]
            if "Serving on" in line or time.monotonic() > deadline:
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) != 0:
                    break
            time.sleep(0.2)
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "the preview is still serving"
    finally:
        if process.poll() is None:
            process.kill()


def test_review_wording_windows_dates_language_and_titles(project: Path) -> None:
    """The small things staff read: "1 day", the due-for-review window matching the badges, dates
    written out in registers, an en-GB page, the policy id in the page title, calendar reminders."""
    from icalendar import Calendar

    from policybook.views.review import review_status

    edit(project / "policies/governance/duty-of-candour.md", 'next_review: "2027-05-12"', 'next_review: "2026-11-25"')
    edit(project / "policies/infection-control/hand-hygiene.md", 'next_review: "2027-10-13"',
         'next_review: "2027-01-20"')  # 55 days ahead: inside the 60-day window
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    procedures = _page(site, "policies/governance/duty-of-candour")
    assert "Overdue by 1 day<" in procedures and "1 days" not in procedures
    assert procedures.lstrip().splitlines()[1].startswith('<html lang="en-GB"')
    assert re.search(r"<title>GOV-\d{3} Duty of candour", procedures)
    review = _page(site, "registers/review")
    assert "in the next 60 days" in review and "Hand hygiene" in review and "Due in 55 days" in review
    register = _page(site, "registers")
    assert '<time datetime="2025-05-12">12 May 2025</time>' in register
    assert not re.search(r"\| 20\d\d-\d\d-\d\d \|", register)
    events = [c for c in Calendar.from_ical((site / "review-calendar.ics").read_bytes()).walk()
              if c.name == "VEVENT"]
    alarms = [a for a in events[0].walk() if a.name == "VALARM"]
    assert sorted(str(a.decoded("trigger")) for a in alarms) == ["-30 days, 0:00:00", "-7 days, 0:00:00"]

    class Dated:
        next_review = None

    import datetime as dt

    for days, label in ((-1, "Overdue by 1 day"), (0, "Due today"), (1, "Due in 1 day"), (60, "Due in 60 days"),
                        (61, "Current")):
        Dated.next_review = dt.date(2026, 11, 26) + dt.timedelta(days=days)
        assert review_status(Dated, dt.date(2026, 11, 26), 60)[1] == label  # type: ignore[arg-type]


def test_a_failed_build_keeps_the_last_good_site(project: Path) -> None:
    assert policybook(project, "build", "--today", TODAY).returncode == 0
    before = sorted(p.relative_to(project / "site") for p in (project / "site").rglob("*"))
    edit(project / HAND, "## Technique", "Call 911 now.\n\n## Technique")  # an error: the build refuses
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 1
    assert sorted(p.relative_to(project / "site") for p in (project / "site").rglob("*")) == before
    assert not [p for p in project.iterdir() if p.name.startswith(".site.")]  # nothing left behind
    assert oct((project / "site").stat().st_mode & 0o777) != oct(0o700)


def test_titles_with_ampersands_are_escaped_once(project: Path) -> None:
    edit(project / "policybook.yml", "title: Health, safety and emergencies", "title: Health & <safety>")
    assert policybook(project, "build", "--today", TODAY).returncode == 0
    page = _page(project / "site", "policies/health-safety")
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title.startswith("Health &amp; &lt;safety&gt;") and "&amp;amp;" not in title and "<safety>" not in page


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _adopt_late(project: Path) -> None:
    """The library put under git today, in one commit: IPC-002's git history starts at version 1.3, while
    its own history records 1.0 to 1.2 from 2021 on."""
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "policies")


def _previous_versions(project: Path) -> tuple[str, list[str]]:
    """IPC-002's "Previous versions" section, and each of its links with the page it must lead to."""
    folder = project / "site/policies/infection-control/hand-hygiene"
    section = (folder / "index.html").read_text(encoding="utf-8").split('id="pb-previous-heading"', 1)[1]
    section = section.split("</section>", 1)[0]
    links = re.findall(r'href="([^"]*)"', section)
    missing = [link for link in links if not (folder / link / "index.html").is_file()]
    assert not missing, f"links to pages that do not exist: {missing}"
    return section, links


def test_versions_from_before_git_are_listed_from_the_policys_own_history_without_a_page(project: Path) -> None:
    edit(project / HAND, "summary: Hand rub added at the unit entrance for patients.",
         "summary: 'Hand rub <b>added</b> & {{ config }}'")
    _adopt_late(project)
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    section, links = _previous_versions(project)
    assert "Version 1.2, in force from 9 October 2023 to 13 October 2025: Bare below the elbows wording" in section
    assert "Version 1.0, in force from 12 April 2021 to 11 April 2022: First issue." in section
    assert section.count("(from the policy's own history, not proven by git)") == 3
    assert "Git holds no copy of their text, so they have no page on this site." in section
    assert "<b>added</b>" not in section and "Hand rub &lt;b&gt;added&lt;/b&gt; &amp; {{ config }}" in section
    assert links == []  # no text in git: no page, no redline, nothing to link to
    assert not (project / "site/policies/infection-control/hand-hygiene/versions").exists()


def test_a_version_git_proves_keeps_its_page_among_those_from_before_git(project: Path) -> None:
    _adopt_late(project)
    result = policybook(project, "bump", "IPC-002", "--minor", "--summary", "Gel first.", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    edit(project / HAND, "Clean hands are the most effective way", "Clean hands are the single most effective way")
    result = policybook(project, "approve", "IPC-002", "--by", "ipc-lead", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    _git(project, "commit", "-q", "-am", "IPC-002 1.4")
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    section, links = _previous_versions(project)
    assert links == ["versions/1.4-changes/", "versions/1.3/"]
    assert '<a href="versions/1.3/">Version 1.3</a>, in force from 13 October 2025 to 26 November 2026' in section
    assert section.index("Version 1.3") < section.index("Version 1.2") < section.index("Version 1.0")
    assert section.count("(from the policy's own history, not proven by git)") == 3  # 1.0 to 1.2, never 1.3
    old = _page(project / "site", "policies/infection-control/hand-hygiene/versions/1.3")
    assert "Superseded version" in old and "Clean hands are the most effective way" in old


def test_a_page_without_the_rating_banner_stops_the_build_while_a_rating_is_set(project: Path) -> None:
    """Regulation 20A: a site's own templates that replace main.html without the banner cannot publish."""
    (project / "overrides").mkdir()
    (project / "overrides/main.html").write_text('{% extends "base.html" %}\n', encoding="utf-8")
    edit(project / "mkdocs.yml", "  name: material\n", "  name: material\n  custom_dir: overrides\n")
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 1
    refusals = [line for line in result.stderr.splitlines() if "CQC rating banner" in line]
    assert len(refusals) == 1 and "Regulation 20A" in refusals[0], result.stderr
    assert not (project / "site").exists()
    # A service not yet rated shows no banner, and builds.
    settings = project / "policybook.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.split("cqc_rating:\n", 1)[0] + "cqc_rating: not yet rated\n", encoding="utf-8")
    result = policybook(project, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert 'data-pb="rating"' not in (project / "site/index.html").read_text(encoding="utf-8")
