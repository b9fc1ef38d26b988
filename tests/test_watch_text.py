"""The main text of a guidance page: cosmetic changes to a publisher's template keep its fingerprint,
changes to the guidance itself change it, and the summary names the sections by heading."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pagetools import NAV, NEWS, Page, example_page, render

from policybook.watch.kept import read_kept
from policybook.watch.text import NoMainText, changes, fingerprint, main_text

ROOT = Path(__file__).resolve().parent.parent

PAGE = Page(
    title="Infection control in the built environment", publisher="NHS England", edition="Published March 2013",
    sections=(
        ("Summary", ("This guidance covers the design of healthcare buildings to reduce infection.",)),
        ("Hand-wash basins", ("Provide a clinical hand-wash basin in every clinical room.",
                              "Basins have no plug and no overflow.")),
        ("Flooring", ("Floors are seamless and coved to the wall.",)),
        ("Ventilation", ("Clinical rooms have at least six air changes an hour.",)),
    ))

COSMETIC = [
    PAGE.vary(nav=tuple(reversed(NAV))),
    PAGE.vary(nav=NAV[:4]),
    PAGE.vary(cookie_banner=False),
    PAGE.vary(generated="Page generated 2027-03-01 23:59:59 UTC"),
    PAGE.vary(generated="This page was last generated at 06:00 on 2 January 2027"),
    PAGE.vary(tracking="?utm_source=twitter&utm_campaign=winter&fbclid=IwAR0"),
    PAGE.vary(tracking=""),
    PAGE.vary(indent="\t\t    "),
    PAGE.vary(news=NEWS[2:]),
    PAGE.vary(news=()),
    PAGE.vary(extra_script="<script>var build = '2027-01-02T06:00:00Z';</script>"),
]


def _with(section: int, heading: str | None, paragraphs: tuple[str, ...] | None) -> Page:
    sections = list(PAGE.sections)
    if heading is None:
        del sections[section]
    elif paragraphs is None:
        raise AssertionError
    elif section >= len(sections):
        sections.append((heading, paragraphs))
    else:
        sections[section] = (heading, paragraphs)
    return PAGE.vary(sections=tuple(sections))


SUBSTANTIVE = [
    (_with(3, "Ventilation", ("Clinical rooms have at least ten air changes an hour.",)),
     ["section altered: Ventilation"]),
    (_with(4, "Water safety", ("Flush little-used outlets weekly.",)), ["section added: Water safety"]),
    (_with(2, None, None), ["section removed: Flooring"]),
    (_with(1, "Hand-wash basins", ("Provide a clinical hand-wash basin in every clinical room.",)),
     ["section altered: Hand-wash basins"]),
]


@pytest.mark.parametrize("page", COSMETIC)
def test_a_cosmetic_change_keeps_the_fingerprint(page: Page) -> None:
    assert fingerprint(render(page)) == fingerprint(render(PAGE))


@pytest.mark.parametrize(("page", "summary"), SUBSTANTIVE)
def test_a_change_to_the_guidance_changes_the_fingerprint_and_names_the_section(page: Page,
                                                                                summary: list[str]) -> None:
    assert fingerprint(render(page)) != fingerprint(render(PAGE))
    assert changes(main_text(render(PAGE)), main_text(render(page))) == summary


def test_the_main_text_has_no_navigation_banner_news_or_generation_time() -> None:
    text = main_text(render(PAGE)).text
    assert "Clinical rooms have at least six air changes an hour." in text
    for noise in ("Accept all cookies", "Publications", "Latest news", "Board meeting", "generated", "utm_",
                  "dataLayer", "Accessibility"):
        assert noise not in text


@pytest.mark.parametrize("html", ["", "<html><body><nav><a href='/'>Home</a></nav><div id='app'></div>"
                                  "<script>render()</script></body></html>"])
def test_a_page_without_main_text_is_refused(html: str) -> None:
    with pytest.raises(NoMainText):
        main_text(html)


def test_the_examples_fingerprints_are_those_of_its_saved_pages() -> None:
    entries = yaml.safe_load((ROOT / "registers/guidance.yml").read_text(encoding="utf-8"))["guidance"]
    for entry in entries:
        saved = (ROOT / "tests/guidance_pages" / f"{entry['id']}.html").read_text(encoding="utf-8")
        assert saved == render(example_page(entry)), entry["id"]
        assert entry["fingerprint"] == fingerprint(saved), entry["id"]
        assert entry["checked_on"] == "2026-12-06"
        assert read_kept(ROOT, entry["id"]) == main_text(saved), entry["id"]  # the text the next check compares


def _pdf(source: str) -> bytes:
    import typst

    return typst.compile(source.encode("utf-8"))


def test_a_pdf_is_fingerprinted_by_its_text() -> None:
    from policybook.watch.text import page_text

    guidance = "= Water safety\nFlush little-used outlets weekly.\n\n= Scope\nEvery clinical room.\n"
    first = page_text(_pdf(f'#set document(title: "HTM 04-01", date: datetime(year: 2025, month: 1, day: 2))\n'
                           f"{guidance}"), "application/pdf")
    again = page_text(_pdf(f'#set document(title: "HTM 04-01", date: datetime(year: 2026, month: 6, day: 9))\n'
                           f"{guidance}"), "application/octet-stream")  # recognised by its header too
    changed = page_text(_pdf(guidance.replace("weekly", "daily")), "application/pdf")
    assert "Flush little-used outlets weekly." in first.text
    assert first.fingerprint == again.fingerprint  # its metadata (the date it was made) is not its text
    assert changed.fingerprint != first.fingerprint


@pytest.mark.parametrize("body", [b"%PDF-1.7\nnot really a PDF", b"%PDF-1.4\n%%EOF"])
def test_an_unreadable_pdf_is_one_clear_problem(body: bytes) -> None:
    from policybook.watch.text import page_text

    with pytest.raises(NoMainText, match="PDF"):
        page_text(body, "application/pdf")


@pytest.mark.parametrize("kept", [b"not gzip", b"\x1f\x8b\x08\x00garbage", None])
def test_a_damaged_or_hostile_kept_text_reads_as_none(tmp_path: Path, kept: bytes | None) -> None:
    import gzip

    from policybook.watch.kept import kept_path

    path = kept_path(tmp_path, "psirf")
    assert path is not None and kept_path(tmp_path, "../escape") is None
    path.parent.mkdir(parents=True)
    path.write_bytes(kept if kept is not None else gzip.compress(b'{"sections": "not a list"}'))
    assert read_kept(tmp_path, "psirf") is None


NOTICE_PAGE = Page(title="Decontamination of surgical instruments", publisher="NHS England",
                   edition="Published 2016", sections=(("Scope", ("Reusable instruments are reprocessed.",)),))


def _with_note(note: str) -> str:
    return render(NOTICE_PAGE).replace("<h2>Scope</h2>", f'<div class="notice"><p>{note}</p></div><h2>Scope</h2>', 1)


@pytest.mark.parametrize(("note", "withdrawn", "replacement"), [
    ('This guidance was withdrawn on 1 May 2026. It has been replaced by <a href="/htm-01-01-2026">HTM 01-01 '
     "(2026)</a>.", True, ("/htm-01-01-2026", "HTM 01-01 (2026)")),
    ('Superseded by: <a href="https://example.org/ng200">NG200</a>', False, ("https://example.org/ng200", "NG200")),
    ("This memorandum has been withdrawn.", True, None),
    # Near misses: another document withdrawn, and "replaced by" in a recommendation.
    ("The previous guidance was withdrawn in 2016 and this one replaces it.", None, None),
    ('Where single-use items are replaced by <a href="/reusable">reusable ones</a>, validate the process.',
     None, None),
])
def test_a_withdrawal_notice_or_replacement_link_is_found_and_a_near_miss_is_not(
        note: str, withdrawn: bool | None, replacement: tuple[str, str] | None) -> None:
    from policybook.watch.text import notice

    page = _with_note(note)
    found = notice(page, main_text(page))
    if withdrawn is None:
        assert found is None
        return
    assert found is not None and found.withdrawn is withdrawn
    assert (found.replacement_url, found.replacement_title) == (replacement or (None, None))


def test_content_whose_markup_mentions_consent_is_kept() -> None:
    page = render(NOTICE_PAGE).replace("<article>", '<article class="consent-guide">', 1)
    assert "Reusable instruments are reprocessed." in main_text(page).text


def test_a_recorded_replacement_is_shown_where_the_entry_is_described() -> None:
    from policybook.registers.declared import GUIDANCE
    from policybook.registers.entries import build_guidance

    entry = build_guidance({"id": "htm-07-01", "title": "Safe management of healthcare waste", "publisher": "DHSC",
                            "published": "2022", "url": "https://example.org/htm-07-01", "status": "superseded",
                            "replacement_url": "https://example.org/waste-2026",
                            "replacement_title": "Safe management of waste 2026"})
    describe = GUIDANCE.completion.describe if GUIDANCE.completion else None
    assert describe is not None
    lines = describe(entry, str, lambda address: f"<{address}>")
    assert "status: superseded, replaced by Safe management of waste 2026 (<https://example.org/waste-2026>)" \
        in lines[0]
