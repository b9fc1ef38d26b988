"""Hostile content against the whole gate: every payload is either refused by lint at its place, or
built into the staff site and loaded in Chromium, where hovering, focusing and clicking every link
must never open a dialog (each payload calls alert, confirm or prompt if it ever runs).

More payloads can be run from outside the repository: set POLICYBOOK_HOSTILE_DIR to a folder of
`.md` files, each one a policy body.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import TODAY
from hostile_cases import policy
from sitetools import copy_example, png_bytes, policybook, serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
if not Path(CHROMIUM).is_file() and os.environ.get("POLICYBOOK_REQUIRE_BROWSER"):
    raise RuntimeError("the hostile site tests need chromium: see .ci/run")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="needs chromium (installed by .ci/run)")


@dataclass
class Payload:
    name: str
    body: str = ""  # a policy body; or empty, with ``apply`` changing registers or settings
    apply: str = ""  # what to change, as "file|old|new"
    files: dict[str, bytes] = field(default_factory=dict)  # extra files to write, relative to the project


SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(90)</script></svg>'
SVG_HANDLER = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(91)"><rect width="1" height="1"/></svg>'
SVG_DOCTYPE = b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'

PAYLOADS = [
    # Attribute lists ({...} after a link, image, heading, paragraph or table cell).
    Payload("attr-link", '[Open](https://example.org){onclick="alert(1)"}'),
    Payload("attr-image", "![Poster](hostile.png){onerror=alert(2)}", files={"hostile.png": png_bytes()}),
    Payload("attr-heading", '## Heading {: onmouseover="alert(3)" }'),
    Payload("attr-paragraph", 'Some text.\n{: onfocus="alert(4)" tabindex="1" autofocus }'),
    Payload("attr-cell", '| A | B |\n|---|---|\n| x{: onmouseover="alert(5)"} | y |'),
    Payload("attr-style", 'A [link](https://example.org){style="position:fixed;inset:0" onmouseover="alert(6)"}'),
    # Raw HTML.
    Payload("html-img", "Text <img src=x onerror=alert(7)> here."),
    Payload("html-details", "<details open ontoggle=alert(8)><summary>x</summary>y</details>"),
    Payload("html-svg", "<svg onload=alert(9)></svg>"),
    Payload("html-iframe", '<iframe srcdoc="<script>alert(10)</script>"></iframe>'),
    Payload("html-anchor", '<a href="javascript:alert(11)">click</a>'),
    Payload("html-entity-anchor", '<a href="&#106;avascript:alert(12)">click</a>'),
    Payload("html-table", '<table><tr><td onmouseover="alert(13)">Restricted</td></tr></table>'),
    Payload("html-block-script", "<div>\n<script>alert(14)</script>\n</div>"),
    Payload("html-autofocus", '<input autofocus onfocus="alert(15)">'),
    Payload("html-form", '<form action="javascript:alert(16)"><button>Go</button></form>'),
    Payload("html-object", '<object data="javascript:alert(17)"></object>'),
    Payload("html-base", '<base href="javascript:alert(18)//">'),
    Payload("html-meta", '<meta http-equiv="refresh" content="0;url=javascript:alert(19)">'),
    # Code-span tricks: a backtick in one paragraph and another in a later one.
    Payload("code-span-split", "A `tick here\n\n<img src=x onerror=alert(20)>\n\nand another` tick."),
    Payload("code-fence-open", "```\n<img src=x onerror=alert(21)>"),
    Payload("code-span-html", "Use `<script>alert(22)</script>` never."),
    # Encoded schemes.
    Payload("scheme-colon-ref", "[x](javascript&colon;alert(23))"),
    Payload("scheme-decimal", "[x](&#106;avascript:alert(24))"),
    Payload("scheme-hex", "[x](&#x6A;avascript:alert(25))"),
    Payload("scheme-tab", "[x](jav&#x09;ascript:alert(26))"),
    Payload("scheme-case", "[x](JaVaScRiPt:alert(27))"),
    Payload("scheme-nested-parens", "[x](javascript:alert((28)))"),
    Payload("scheme-autolink", "<javascript:alert(29)>"),
    Payload("scheme-data", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgzMCk8L3NjcmlwdD4=)"),
    Payload("scheme-vbscript", "[x](vbscript:msgbox(31))"),
    Payload("scheme-space", "[x](< javascript:alert(32)>)"),
    # Reference definitions.
    Payload("reference-js", "[x][r]\n\n[r]: javascript:alert(33)"),
    Payload("reference-encoded", "[x][r]\n\n[r]: &#106;avascript:alert(34)"),
    Payload("reference-title", '[x][r]\n\n[r]: https://example.org "a\\" onmouseover=\\"alert(35)"'),
    Payload("admonition-title", '!!! note "<img src=x onerror=alert(36)>"\n    Body.'),
    Payload("link-title", '[x](https://example.org "\\" onmouseover=\\"alert(37)")'),
    # Titles, register values and settings.
    Payload("policy-title", apply="TITLE|</title><script>alert(40)</script> <img src=x onerror=alert(41)>"),
    Payload("role-title", apply="registers/roles.yml|title: Scan Operator|title: '<img src=x onerror=alert(42)>'"),
    Payload("guidance-title", apply="registers/guidance.yml|title: Guidance for providers on meeting the regulations|"
                                    "title: '</title><svg onload=alert(43)>'"),
    Payload("standard-url-paren", apply="registers/standards.yml|url: https://www.legislation.gov.uk/uksi/2014/2936/"
                                        "regulation/9\n|url: https://x.example/)\"onmouseover=alert(50)//\n"),
    Payload("category-title", apply="policybook.yml|title: Governance and quality|"
                                    "title: '<img src=x onerror=alert(44)>'"),
    Payload("organisation-name", apply="policybook.yml|name: Harbourside Mobile DEXA Ltd|"
                                       "name: '</title><script>alert(45)</script>'"),
    Payload("guidance-url-js", apply="registers/guidance.yml|url: https://www.cqc.org.uk/guidance-providers/regulations\n|"
                                     "url: javascript:alert(46)\n"),
    Payload("guidance-url-quote", apply="registers/guidance.yml|url: https://www.legislation.gov.uk/ukpga/2014/23/contents\n|"
                                        "url: 'https://x.example/\" onmouseover=\"alert(47)'\n"),
    Payload("guidance-url-paren", apply="registers/guidance.yml|url: https://www.legislation.gov.uk/ukpga/2005/9/contents\n|"
                                        "url: https://x.example/)[y](javascript:alert(48))\n"),
    # SVG files and images outside the repository.
    Payload("svg-script-image", "![Chart](chart-a.svg)", files={"chart-a.svg": SVG_SCRIPT}),
    Payload("svg-handler-image", "![Chart](chart-b.svg)", files={"chart-b.svg": SVG_HANDLER}),
    Payload("svg-doctype-image", "![Chart](chart-c.svg)", files={"chart-c.svg": SVG_DOCTYPE}),
    Payload("svg-in-docs", apply="DOCS|docs/evil.svg", files={"docs/evil.svg": SVG_SCRIPT}),
    Payload("docs-front-matter", apply="DOCS|docs/guide/evil.md", files={"docs/guide/evil.md": (
        b'---\ntitle: "</title><script>alert(53)</script>"\n'
        b"description: '\"><script>alert(54)</script><meta x=\"'\nauthor: '<img src=x onerror=alert(55)>'\n---\n"
        b"# Evil guide\n\nText.\n")}),
    Payload("svg-attachment", "[Chart](chart-d.svg)", files={"chart-d.svg": SVG_HANDLER}),
    Payload("html-attachment", "[Page](page.html)", files={"page.html": b"<script>alert(92)</script>"}),
    Payload("image-absolute", "![Secret](/etc/hostname)"),
    Payload("image-absolute-title", "![Secret](/etc/hostname (title))"),
    Payload("image-dotdot", "![Secret](../../../../../../../../etc/hostname)"),
    Payload("image-outside", "![Secret](../../../outside.png)"),
    Payload("image-remote", "![Remote](https://example.org/x.png)"),
    Payload("image-not-image", "![Form](form.pdf)", files={"form.pdf": b"%PDF-1.4\n"}),
]


# Settings lint cannot accept stop every command with exit 2 and the place: tested one by one.
REFUSED_SETTINGS = [
    ("report_url: https://www.cqc.org.uk/location/1-000000002", "report_url: javascript:alert(49)"),
    ("report_url: https://www.cqc.org.uk/location/1-000000002",
     "report_url: 'https://x.example/\" onmouseover=\"alert(51)'"),
    ("site_url: https://policies.harbourside-dexa.example", "site_url: javascript:alert(52)"),
    ("name: Harbourside Mobile DEXA Ltd", 'name: "Harbourside\\nForged line"'),
]


@pytest.mark.parametrize(("old", "new"), REFUSED_SETTINGS)
def test_unsafe_settings_are_refused_at_their_line(tmp_path: Path, old: str, new: str) -> None:
    root = copy_example(tmp_path / "org")
    text = (root / "policybook.yml").read_text(encoding="utf-8")
    assert old in text
    (root / "policybook.yml").write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    for command, code in ((["lint"], 2), (["build"], 1)):
        result = policybook(root, *command, "--today", TODAY)
        assert result.returncode == code, result.stderr
        assert f"policybook.yml:{line}:" in result.stderr
        assert not any(line.startswith("Forged line") for line in result.stderr.splitlines())


def _external_payloads() -> list[Payload]:
    folder = os.environ.get("POLICYBOOK_HOSTILE_DIR")
    if not folder:
        return []
    return [Payload(f"external-{p.stem}", p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted(Path(folder).glob("*.md"))]


def _install(root: Path, payload: Payload, number: int) -> str | None:
    """Put the payload into the project; the file its finding must be in (None: a settings change)."""
    folder = root / "policies" / "governance"
    for name, content in payload.files.items():
        target = root / name if "/" in name else folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if payload.body:
        rel = f"policies/governance/hostile-{number:03d}.md"
        (root / rel).write_text(policy(f"GOV-{900 + number}", f"Hostile {payload.name}", payload.body),
                                encoding="utf-8")
        return rel
    where, _, change = payload.apply.partition("|")
    if where == "TITLE":
        rel = f"policies/governance/hostile-{number:03d}.md"
        (root / rel).write_text(policy(f"GOV-{900 + number}", f"'{change}'", "Plain text."), encoding="utf-8")
        return rel
    if where == "DOCS":
        return change
    old, _, new = change.partition("|")
    text = (root / where).read_text(encoding="utf-8")
    assert old in text, (payload.name, old)
    (root / where).write_text(text.replace(old, new, 1), encoding="utf-8")
    return where


def _remove(root: Path, payload: Payload, rel: str | None, pristine: Path) -> None:
    for name in payload.files:
        target = root / name if "/" in name else root / "policies" / "governance" / name
        target.unlink(missing_ok=True)
    if rel and rel.startswith("policies/governance/hostile-"):
        (root / rel).unlink()
    elif rel and payload.apply and payload.apply.split("|", 1)[0] not in ("DOCS", "TITLE"):
        where = payload.apply.split("|", 1)[0]
        shutil.copy2(pristine / where, root / where)


def _errors(root: Path) -> list[dict[str, object]]:
    result = policybook(root, "lint", "--today", TODAY, "--format", "json")
    assert result.returncode in (0, 1), result.stderr  # 2 would be a settings file lint could not read
    return [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], list[str]]:
    """The project with every payload that lint lets through built into a site; the payloads lint
    refused, each checked to be refused in its own file."""
    base = tmp_path_factory.mktemp("hostile")
    pristine = copy_example(base / "pristine")
    root = copy_example(base / "org")
    (base / "outside.png").write_bytes(png_bytes())  # a real image outside the repository
    payloads = PAYLOADS + _external_payloads()
    installed = {p.name: _install(root, p, n) for n, p in enumerate(payloads, start=1)}
    errors = _errors(root)
    refused: list[str] = []
    for payload in payloads:
        rel = installed[payload.name]
        if rel is not None and any(str(f["path"]) == rel or str(f["path"]).startswith(rel) for f in errors):
            refused.append(payload.name)
            _remove(root, payload, rel, pristine)
    remaining = _errors(root)
    assert remaining == [], remaining  # what is left lints clean ...
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr[-3000:]  # ... and so it builds
    pages = {p.name: installed[p.name] or "" for p in payloads if p.name not in refused}
    return root, pages, refused


def _urls(root: Path, pages: dict[str, str]) -> list[str]:
    site = root / "site"
    found = ["", "registers/", "registers/roles/", "registers/guidance/", "registers/standards/",
             "policies/governance/"]
    for rel in pages.values():
        if rel.startswith("policies/") and rel.endswith(".md"):
            found.append(rel[:-3] + "/")
        elif rel.startswith("docs/") and rel.endswith(".md"):
            found.append(rel[len("docs/"):-3] + "/")
    return [u for u in dict.fromkeys(found) if (site / u / "index.html").is_file()]


def test_no_hostile_payload_runs_on_the_staff_site(hostile_site: tuple[Path, dict[str, str], list[str]]) -> None:
    from playwright.sync_api import sync_playwright

    root, pages, refused = hostile_site
    dialogs: list[str] = []
    visited = 0
    with sync_playwright() as playwright, serve(root / "site") as base:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in _urls(root, pages):
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(f"{dialog.message}"), dialog.dismiss()))
            url = f"{base}/{path}"
            # Stay on the page: a click may follow a link, but never to another document.
            page.route("**/*", lambda route: route.abort() if route.request.is_navigation_request()
                       and route.request.url.split("#")[0] != route.request.frame.url.split("#")[0]
                       and route.request.frame.url != "about:blank" else route.continue_())
            page.goto(url)
            page.wait_for_load_state("load")
            active = page.evaluate("""() => [...document.querySelectorAll('article *')].filter(e =>
                [...e.attributes].some(a => a.name.startsWith('on') || a.name === 'style' || a.name === 'autofocus')
                || ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FORM', 'INPUT', 'BASE', 'META'].includes(e.tagName)
                || (e.href && /^\\s*(javascript|data|vbscript):/i.test(e.getAttribute('href')))).length""")
            assert active == 0, f"{path}: {active} active element(s) in the content"
            # Every link in the page's content is hovered, focused and clicked (events a handler would hear).
            page.evaluate("""() => { for (const a of document.querySelectorAll('article a, article [tabindex]')) {
                for (const type of ['mouseover', 'mouseenter', 'mousemove']) {
                    a.dispatchEvent(new MouseEvent(type, {bubbles: true})); }
                a.focus(); a.click(); } }""")
            page.wait_for_timeout(200)
            page.close()
            visited += 1
        browser.close()
    print(f"\nhostile payloads: {len(pages) + len(refused)} tried, {len(refused)} refused by lint, "
          f"{len(pages)} built and exercised on {visited} pages, {len(dialogs)} executed")
    assert visited >= 6
    assert dialogs == []


def test_payloads_that_must_be_refused_are_refused(hostile_site: tuple[Path, dict[str, str], list[str]]) -> None:
    _, _, refused = hostile_site
    must = {"guidance-url-js", "guidance-url-quote", "svg-script-image", "svg-handler-image",
            "svg-doctype-image", "svg-in-docs", "svg-attachment", "html-attachment", "image-absolute",
            "image-absolute-title", "image-dotdot", "image-outside", "image-remote", "image-not-image"}
    assert must <= set(refused), sorted(must - set(refused))


def test_no_file_outside_the_repository_reaches_the_handbook(tmp_path: Path) -> None:
    """Even when lint is bypassed, the handbook reads no image from outside the project."""
    import datetime as dt

    from policybook.corpus import load_corpus
    from policybook.errors import PolicybookError
    from policybook.handbook.builder import build_handbook

    root = copy_example(tmp_path / "org")
    (tmp_path / "outside.png").write_bytes(png_bytes())
    target = root / "policies/governance/hostile.md"
    for body in ("![Secret](../../../outside.png)", "![Secret](/etc/hostname)", f"![Secret]({tmp_path}/outside.png)"):
        target.write_text(policy("GOV-950", "Hostile image", body), encoding="utf-8")
        corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
        with pytest.raises(PolicybookError, match=r"hostile\.md"):
            build_handbook(corpus, tmp_path / "out.pdf")
        assert not (tmp_path / "out.pdf").exists()
