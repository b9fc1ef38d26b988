"""The public site for patients (site-public/): only public documents, the rating on every page, its own search,
each page's language and direction, PDFs in standard and large print, and editions that cannot go stale
unnoticed. Built for real with MkDocs and Typst; checked with poppler (pdfinfo, pdftotext) and pypdf."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import REPO, TODAY, commit, edit, git, position_of
from pypdf import PdfReader
from sitetools import add_site_files, copy_example

from policybook.corpus import load_corpus
from policybook.evidence.fingerprint import fingerprint
from policybook.loader import load_markdown
from policybook.patients import is_public_policy
from policybook.public_site.build import build_public_site

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (.ci/run)")

DAY = dt.date.fromisoformat(TODAY)
LEAFLET = "public/leaflets/what-to-expect.md"
ARABIC = "public/leaflets/what-to-expect.ar.md"
BENGALI = "public/leaflets/what-to-expect.bn.md"
EASY_READ = "public/leaflets/what-to-expect.easy-read.md"
EDITIONS = (ARABIC, BENGALI, EASY_READ)
RATING_TEXT = "Care Quality Commission overall rating:"
REPORT = "https://www.cqc.org.uk/location/1-000000002"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public") / "site-public"
    assert build_public_site(REPO, DAY, out) == 0
    return out


def _pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def test_the_site_holds_the_public_documents_and_policies_marked_public_and_nothing_else(site: Path) -> None:
    corpus = load_corpus(REPO, DAY)
    pages = set(_pages(site))
    expected = {"index.html", "404.html", "documents/gov-004/index.html",
                *(f"documents/{d.id.lower()}/index.html" for d in corpus.public if d.id),
                "documents/pub-001/ar.html", "documents/pub-001/bn.html", "documents/pub-001/easy-read.html"}
    assert pages == expected
    assert [p.id for p in corpus.policies if is_public_policy(p)] == ["GOV-004"]


def test_every_page_shows_the_rating_and_the_report_link(site: Path) -> None:
    for name, text in _pages(site).items():
        assert 'data-pb="rating"' in text and RATING_TEXT in text and f'href="{REPORT}"' in text, name


def test_no_staff_page_register_or_record_is_in_the_output(site: Path) -> None:
    staff_site = "policies.harbourside-dexa.example"
    for path in site.rglob("*"):
        relative = path.relative_to(site).as_posix()
        assert not relative.startswith(("policies", "registers", "records", "handbook", "review-calendar")), relative
    for name, text in _pages(site).items():
        assert staff_site not in text, name
        assert "registers/" not in text and "records/" not in text, name


def _search_text(site: Path) -> str:
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    return " ".join(f"{d['title']} {d['text']}" for d in index["docs"]).casefold()


def test_search_finds_public_text_but_no_staff_only_title_or_staff_name(site: Path) -> None:
    corpus = load_corpus(REPO, DAY)
    searched = _search_text(site)
    assert "what to expect at your dexa scan" in searched and "complaints" in searched
    staff_only = [p.title for p in corpus.policies if p.title and not is_public_policy(p)]
    assert len(staff_only) > 20
    for title in staff_only:
        assert title.casefold() not in searched, title
    named = {name for d in corpus.public for name in d.public_names}
    hidden = [m.name for m in corpus.registers.staff.values() if m.name not in named]
    assert "Tomasz Ellery" in hidden and "Martin Fairclough" in hidden
    for name in hidden:
        assert name.casefold() not in searched, name


def test_the_public_policy_is_shown_without_its_staff_fields(site: Path) -> None:
    page = _pages(site)["documents/gov-004/index.html"]
    assert "Stage 2: formal complaint" in page
    for staff_field in ("all-staff", "registered-manager", "iscas-code", "hsca-reg-16", "Priya Lindqvist"):
        assert staff_field not in page


def test_each_page_says_its_language_and_direction_and_names_each_language_in_itself(site: Path) -> None:
    pages = _pages(site)
    assert '<html lang="ar" dir="rtl"' in pages["documents/pub-001/ar.html"]
    assert '<body dir="rtl"' in pages["documents/pub-001/ar.html"]
    assert '<html lang="bn" dir="ltr"' in pages["documents/pub-001/bn.html"]
    assert '<html lang="en-GB" dir="ltr"' in pages["documents/pub-001/index.html"]
    switcher = re.search(r'<nav class="pb-versions".*?</nav>', pages["documents/pub-001/index.html"], re.S)
    assert switcher is not None
    for lang, name in (("ar", "العربية"), ("bn", "বাংলা"), ("en-GB", "English (easy read)")):
        assert f'hreflang="{lang}"><span lang="{lang}"' in switcher.group(0) and name in switcher.group(0)
    # The English chrome on a right-to-left page keeps its own language and direction.
    assert '<h2 id="versions" lang="en-GB" dir="ltr">' in pages["documents/pub-001/ar.html"]


def test_each_document_links_its_standard_and_large_print_pdf(site: Path) -> None:
    for name, text in _pages(site).items():
        if not name.startswith("documents/"):
            continue
        links = re.findall(r'<a href="([^"]+\.pdf)"', text)
        assert len(links) == 2 and links[1].endswith("-large-print.pdf"), name
        for link in links:
            assert (site / name).parent.joinpath(link).is_file(), (name, link)


def test_the_easy_read_pictures_are_published_with_their_alternative_text(site: Path) -> None:
    page = _pages(site)["documents/pub-001/easy-read.html"]
    pictures = [(alt, src) for src, alt in re.findall(r'<img src="([^"]+)" alt="([^"]*)"', page)]
    assert len(pictures) == 7 and all(alt for alt, _ in pictures)
    assert all((site / "documents/pub-001" / src).is_file() for _, src in pictures)


# -- PDFs --------------------------------------------------------------------------------------------------
def _pdf(site: Path, name: str) -> Path:
    return site / "documents" / name


def test_every_pdf_is_tagged_pdf_ua_with_its_title_and_language(site: Path) -> None:
    pdfs = sorted(site.rglob("*.pdf"))
    assert len(pdfs) == 2 * 9
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "Tagged:          yes" in info, pdf
        reader = PdfReader(pdf)
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
        assert "pdfuaid:part" in xmp and ">1<" in xmp.split("pdfuaid:part", 1)[1][:40], pdf
    assert PdfReader(_pdf(site, "pub-001/pub-001-ar.pdf")).trailer["/Root"]["/Lang"] == "ar"
    assert PdfReader(_pdf(site, "pub-001/pub-001-bn.pdf")).trailer["/Root"]["/Lang"] == "bn"
    assert PdfReader(_pdf(site, "pub-001/pub-001.pdf")).trailer["/Root"]["/Lang"] == "en-GB"
    info = subprocess.run(["pdfinfo", str(_pdf(site, "pub-001/pub-001-ar.pdf"))], capture_output=True,
                          text=True).stdout
    assert "ماذا تتوقع في فحص كثافة العظام" in info


def _sizes(pdf: Path) -> Counter[float]:
    sizes: Counter[float] = Counter()
    for page in PdfReader(pdf).pages:
        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                sizes[round(size * abs(tm[3]) * abs(cm[3] or 1), 1)] += len(text.strip())
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("name", ["pub-001/pub-001", "pub-001/pub-001-ar", "pub-001/pub-001-easy-read",
                                  "gov-004/gov-004"])
def test_large_print_is_16_point_or_more_throughout(site: Path, name: str) -> None:
    large = _sizes(_pdf(site, f"{name}-large-print.pdf"))
    assert large and min(large) >= 16, large
    assert _sizes(_pdf(site, f"{name}.pdf")).most_common(1)[0][0] < min(large)


def test_the_easy_read_pdf_is_set_larger_than_a_standard_one(site: Path) -> None:
    assert _sizes(_pdf(site, "pub-001/pub-001-easy-read.pdf")).most_common(1)[0][0] >= 14
    assert min(_sizes(_pdf(site, "pub-001/pub-001-easy-read-large-print.pdf"))) >= 16


def _plain(text: str) -> str:
    """pdftotext's text without the bidirectional marks it adds around right-to-left runs."""
    return " ".join(re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text).split())


def test_the_right_to_left_pdf_extracts_in_reading_order_with_its_fonts(site: Path) -> None:
    pdf = _pdf(site, "pub-001/pub-001-ar.pdf")
    text = _plain(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    # Words in the order they are read (right to left), not reversed, and sentences in order.
    assert "يقيس هذا الفحص مدى قوة عظامك" in text
    assert text.index("ما هو الفحص") < text.index("قبل الفحص") < text.index("بعد الفحص")
    assert "كحفلا وه ام" not in text  # the heading's letters reversed
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSansArabic" in fonts
    bengali = subprocess.run(["pdffonts", str(_pdf(site, "pub-001/pub-001-bn.pdf"))], capture_output=True,
                             text=True).stdout
    assert "NotoSansBengali" in bengali


# -- editions that go stale --------------------------------------------------------------------------------
def _lint(run, root: Path) -> list[dict[str, object]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    return [f for f in json.loads(result.out)["findings"] if f["rule"] == "edition-stale"]


def _frontmatter(path: Path) -> dict[str, object]:
    data = load_markdown(path, path.name).data
    assert isinstance(data, dict)
    return data


def _approve(path: Path, **fields: str) -> None:
    """What approving a new version writes: the changed fields, then the fingerprint of the result."""
    text = path.read_text(encoding="utf-8")
    for key, value in fields.items():
        text, count = re.subn(rf"^{key}: .*$", f"{key}: {json.dumps(value, ensure_ascii=False)}", text, count=1,
                              flags=re.M)
        assert count == 1, key
    path.write_text(text, encoding="utf-8")
    doc = load_markdown(path, path.name)
    assert isinstance(doc.data, dict)
    text = re.sub(r"^fingerprint: .*$", f'fingerprint: "{fingerprint(doc.data, doc.body)}"', text, count=1,
                  flags=re.M)
    path.write_text(text, encoding="utf-8")


def _new_version(root: Path, version: str, change: str) -> str:
    """The leaflet at a new version, approved: its history gains the entry; returns its fingerprint."""
    leaflet = root / LEAFLET
    edit(leaflet, "## Radiation\n", f"## Radiation\n\n{change}\n")
    edit(leaflet, "history:\n", f'history:\n  - version: "{version}"\n    date: "2026-11-26"\n'
                                "    author: Priya Lindqvist\n    summary: Revised.\n")
    _approve(leaflet, version=version, approved_on="2026-11-26")
    return str(_frontmatter(leaflet)["fingerprint"])


def _set(path: Path, key: str, value: str) -> None:
    """Set one frontmatter line of a draft, as its author does in an editor."""
    text, count = re.subn(rf"^{key}: .*$", f"{key}: {json.dumps(value)}", path.read_text(encoding="utf-8"),
                          count=1, flags=re.M)
    assert count == 1, key
    path.write_text(text, encoding="utf-8")


def test_a_new_major_version_of_the_source_makes_each_edition_stale_until_it_is_approved_again(
        example: Path, run, tmp_path: Path) -> None:
    """The whole round with the commands a manager uses: bump the source, approve it, find each edition
    stale, bump, update and approve each edition, and the site calls each current again."""
    git(example, "init", "-q")
    commit(example, "The library as it stands")  # what is in force while a document is a draft is read from git
    assert run("-C", str(example), "bump", "PUB-001", "--major", "--summary",
               "The scan now also measures your spine.", "--today", TODAY).code == 0
    edit(example / LEAFLET, "## Radiation\n", "## Radiation\n\nThe scan now also measures your spine.\n")
    assert _lint(run, example) == []  # a draft of the source leaves its editions as they were: 1.0 is in force
    approved = run("-C", str(example), "approve", "PUB-001", "--by", "registered-manager", "--today", TODAY)
    assert approved.code == 0, approved.err
    assert "its editions PUB-001-ar, PUB-001-bn, PUB-001-en-GB-easy-read were made from an earlier version" \
        in approved.out
    findings = _lint(run, example)
    assert {f["path"] for f in findings} == set(EDITIONS)
    line, column = position_of(example / ARABIC, "source_version")
    arabic = [f for f in findings if f["path"] == ARABIC]
    assert [(f["line"], f["column"], f["severity"]) for f in arabic] == [(line, column, "error")]
    assert "version 1.1" in str(arabic[0]["message"]) and "2.0" in str(arabic[0]["message"])
    # The build refuses: the stale editions are never published as current.
    assert build_public_site(example, DAY, tmp_path / "refused") == 1
    assert not (tmp_path / "refused").exists()
    # An edition cannot be approved again until it is updated from the new version.
    assert run("-C", str(example), "bump", "PUB-001-ar", "--major", "--summary", "Updated from 2.0.",
               "--today", TODAY).code == 0
    edit(example / ARABIC, "## الإشعاع\n", "## الإشعاع\n\nيقيس الفحص الآن عمودك الفقري أيضًا.\n")
    refused = run("-C", str(example), "approve", "PUB-001-ar", "--by", "registered-manager", "--today", TODAY)
    assert refused.code != 0 and "edition-stale" in refused.out + refused.err
    # Each edition updated from version 2.0 and approved again: clean, and each current again.
    source_fingerprint = str(_frontmatter(example / LEAFLET)["fingerprint"])
    for key, edition in zip(("PUB-001-ar", "PUB-001-bn", "PUB-001-en-GB-easy-read"), EDITIONS, strict=True):
        if key != "PUB-001-ar":
            assert run("-C", str(example), "bump", key, "--major", "--summary", "Updated from 2.0.",
                       "--today", TODAY).code == 0
        _set(example / edition, "source_version", "2.0")
        _set(example / edition, "source_fingerprint", source_fingerprint)
        again = run("-C", str(example), "approve", key, "--by", "registered-manager", "--today", TODAY)
        assert again.code == 0, again.out + again.err
    assert _lint(run, example) == []
    assert build_public_site(example, DAY, tmp_path / "site") == 0
    page = (tmp_path / "site/documents/pub-001/ar.html").read_text(encoding="utf-8")
    assert "not current" not in page and "pb-stale" not in page


def test_a_new_minor_version_warns_and_the_site_does_not_call_the_edition_current(
        example: Path, run, tmp_path: Path) -> None:
    _new_version(example, "1.2", "You can bring a drink with you.")
    findings = _lint(run, example)
    assert {(f["path"], f["severity"]) for f in findings} == {(e, "warning") for e in EDITIONS}
    assert build_public_site(example, DAY, tmp_path / "site") == 0
    pages = tmp_path / "site/documents/pub-001"
    arabic = (pages / "ar.html").read_text(encoding="utf-8")
    assert "pb-stale" in arabic and "Not the current" in arabic
    assert "(not current: being updated)" in (pages / "index.html").read_text(encoding="utf-8")
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert 'href="documents/pub-001/bn.html"' not in home  # only current editions are offered from the home page
    assert 'href="documents/pub-001/ar.html"' not in home


def test_an_edition_made_from_other_text_of_the_same_version_is_stale(example: Path, run) -> None:
    edit(example / ARABIC, 'source_fingerprint: "sha256:5', 'source_fingerprint: "sha256:6')
    _approve(example / ARABIC)
    findings = _lint(run, example)
    line, column = position_of(example / ARABIC, "source_fingerprint")
    assert [(f["path"], f["line"], f["column"], f["severity"]) for f in findings] == [(ARABIC, line, column, "error")]


def test_policybook_build_builds_both_sites(example: Path, run, tmp_path: Path) -> None:
    public = tmp_path / "public-out"
    add_site_files(example)
    shutil.copyfile(REPO / "public.mkdocs.yml", example / "public.mkdocs.yml")
    result = run("-C", str(example), "build", "--today", TODAY, "--site-dir", str(tmp_path / "staff"),
                 "--public-site-dir", str(public))
    assert result.code == 0, result.err
    assert (tmp_path / "staff/index.html").is_file() and (public / "index.html").is_file()
    assert not (public / "policies").exists() and not (tmp_path / "staff/documents").exists()


def test_the_public_site_configuration_is_its_own(tmp_path: Path) -> None:
    config = yaml.safe_load((REPO / "public.mkdocs.yml").read_text(encoding="utf-8"))
    assert "policybook" not in config.get("plugins", []) and "docs_dir" not in config


HOSTILE = {
    "public/wrong-types.md": "---\nedition_of: [PUB-001]\nlang: 7\nsource_version: 1\ntitle: {a: b}\n"
                             "public_names: 5\n---\n## x\nbody\n",
    "public/a-list.md": "---\n- a\n- b\n---\ntext\n",
    "public/bad-yaml.md": "---\nid: PUB-009\n title: x: y\n---\n",
    "public/none.md": "no frontmatter at all\n",
    "public/links.md": "---\nid: PUB-009\n---\n[staff](../policies/governance/complaints.md) "
                       '<script>alert(1)</script> ![x](../../etc/passwd.png)\n',
}


def test_hostile_public_documents_are_findings_and_the_site_is_not_built(example: Path, run, tmp_path: Path) -> None:
    for name, text in HOSTILE.items():
        (example / name).write_text(text, encoding="utf-8")
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    assert result.code == 1 and "Traceback" not in result.err
    paths = {f["path"] for f in json.loads(result.out)["findings"] if f["severity"] == "error"}
    assert set(HOSTILE) <= paths
    assert build_public_site(example, DAY, tmp_path / "site") == 1
    assert not (tmp_path / "site").exists()


def _signature_findings(run, root: Path) -> list[tuple[str, int, int]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    return [(f["path"], f["line"], f["column"]) for f in json.loads(result.out)["findings"]
            if f["rule"] == "approval-signature"]


def test_the_signed_approval_of_a_translation_verifies_and_a_forged_one_is_refused(tmp_path: Path, run) -> None:
    root = copy_example(tmp_path / "org", signed=True)
    assert _signature_findings(run, root) == []
    version = _frontmatter(root / ARABIC)["version"]
    statement = root / f"records/approvals/PUB-001-ar/{version}.txt"
    assert "policy: PUB-001-ar\n" in statement.read_text(encoding="utf-8")
    # Signed by someone else's key: the signature no longer verifies with the signer's listed keys.
    other = root / f"records/approvals/PUB-001-bn/{_frontmatter(root / BENGALI)['version']}.sig"
    shutil.copyfile(other, statement.with_suffix(".sig"))
    at_approval = (ARABIC, *position_of(root / ARABIC, "approved_by"))
    assert _signature_findings(run, root) == [at_approval]
    # No signature at all, where the library requires one: found too.
    statement.unlink()
    statement.with_suffix(".sig").unlink()
    assert _signature_findings(run, root) == [at_approval]


def test_a_public_document_past_its_review_date_is_overdue_like_a_policy(example: Path, run) -> None:
    edit(example / "public/notices/chaperones.md", 'next_review: "2028-11-26"', 'next_review: "2026-11-20"')
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    found = [(f["rule"], f["path"], f["line"]) for f in json.loads(result.out)["findings"]
             if f["path"].startswith("public/")]
    line, _ = position_of(example / "public/notices/chaperones.md", "next_review")
    assert ("review-overdue", "public/notices/chaperones.md", line) in found
