"""``policybook guidance check`` against a local HTTPS server with a throwaway certificate passed in
SSL_CERT_FILE: unchanged pages give no change, a changed page names its citing policies, and each page that
cannot be read gives one line without stopping the others."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from guidance_server import PAGES, Served, point_at
from pagetools import example_page, render


def test_unchanged_pages_give_no_change(example: Path, server: tuple[str, Served], run) -> None:
    base, served = server
    point_at(example, base, served)
    result = run("-C", str(example), "guidance", "check")
    assert result.code == 0, result.out + result.err
    # rcuk-guidelines-2021 is recorded superseded already: it is read only when named.
    assert "0 changed, 0 withdrawn or replaced, of 42 pages read; 0 could not be read" in result.out
    named = run("-C", str(example), "guidance", "check", "rcuk-guidelines-2021")
    assert "0 changed, 0 withdrawn or replaced, of 1 page read; 0 could not be read" in named.out


def test_a_changed_page_names_the_citing_policies_and_write_records_it(example: Path, server: tuple[str, Served],
                                                                       run) -> None:
    base, served = server
    entries = {e["id"]: e for e in point_at(example, base, served)}
    entry = entries["cqc-duty-of-candour"]
    page = example_page(entry)
    changed = page.vary(sections=(*page.sections, ("Notifying the person", ("Tell them within 10 days.",))))
    served["/cqc-duty-of-candour"] = (200, {}, render(changed).encode(), 0.0)
    # Cosmetic change to another: same fingerprint.
    other = example_page(entries["care-act-2014"]).vary(cookie_banner=False, generated="Page generated now")
    served["/care-act-2014"] = (200, {}, render(other).encode(), 0.0)
    result = run("-C", str(example), "guidance", "check", "--write", "--today", "2026-12-07")
    assert result.code == 1
    changed_lines = [line for line in result.out.splitlines() if "changed since" in line]
    assert len(changed_lines) == 1 and changed_lines[0].startswith("cqc-duty-of-candour:")
    assert re.search(r"cited by .*GOV-\d{3}", changed_lines[0])
    register = (example / "registers/guidance.yml").read_text(encoding="utf-8")
    assert register.count('checked_on: "2026-12-07"') == 42
    again = run("-C", str(example), "guidance", "check")
    assert again.code == 0, again.out


def test_each_unreadable_page_gives_one_line_and_the_others_are_read(example: Path, server: tuple[str, Served],
                                                                     run) -> None:
    base, served = server
    point_at(example, base, served)
    served["/mca-2005"] = (200, {}, (PAGES / "mca-2005.html").read_bytes(), 3.0)
    served["/dpa-2018"] = (200, {}, b"<html><body><main>" + b"<p>words</p>" * 600_000 + b"</main></body></html>", 0.0)
    served["/psirf"] = (301, {"Location": "http://localhost/psirf"}, b"", 0.0)
    served["/dspt"] = (200, {}, b"<html><body><nav>Home</nav><div id='app'></div></body></html>", 0.0)
    result = run("-C", str(example), "guidance", "check", "--timeout", "1")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 4, result.err
    assert any(line.startswith("mca-2005:") and "no answer within" in line for line in lines)
    assert any(line.startswith("dpa-2018:") and "larger than" in line for line in lines)
    assert any(line.startswith("psirf:") and "not https" in line for line in lines)
    assert any(line.startswith("dspt:") and "no main text" in line for line in lines)
    assert "0 changed, 0 withdrawn or replaced, of 38 pages read; 4 could not be read" in result.out


def test_lint_never_loads_the_network_module() -> None:
    import os
    import sys

    root = Path(__file__).resolve().parent.parent
    code = ("import sys\nfrom policybook.cli import main\n"
            f"main(['-C', {str(root)!r}, 'lint', '--today', '2026-12-05'])\n"
            "assert 'policybook.watch.fetch' not in sys.modules and 'policybook.watch' not in sys.modules\n"
            "print('clean')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(root / "tools")}, check=False)
    assert result.stdout.strip().endswith("clean"), result.stderr


def test_a_guidance_pdf_is_compared_by_its_text(example: Path, server: tuple[str, Served], run) -> None:
    import typst

    base, served = server
    point_at(example, base, served)

    def pdf(made: int, advice: str) -> bytes:
        return typst.compile(f'#set document(date: datetime(year: {made}, month: 1, day: 1))\n= Water safety\n'
                             f"Flush little-used outlets {advice}.\n".encode())

    served["/hbn-00-09"] = (200, {"Content-Type": "application/pdf"}, pdf(2024, "weekly"), 0.0)
    first = run("-C", str(example), "guidance", "check", "hbn-00-09", "--write", "--today", "2026-12-07")
    assert "hbn-00-09: the main text changed" in first.out  # from the saved HTML page to the PDF
    served["/hbn-00-09"] = (200, {"Content-Type": "application/pdf"}, pdf(2026, "weekly"), 0.0)
    same = run("-C", str(example), "guidance", "check", "hbn-00-09")
    assert same.code == 0, same.out + same.err
    served["/hbn-00-09"] = (200, {"Content-Type": "application/pdf"}, pdf(2026, "daily"), 0.0)
    changed = run("-C", str(example), "guidance", "check", "hbn-00-09")
    assert changed.code == 1 and "hbn-00-09: the main text changed since 2026-12-07" in changed.out
    assert "  section altered: (the document)" in changed.out


def test_an_address_that_is_not_https_is_one_line_and_nothing_is_written(example: Path, server: tuple[str, Served],
                                                                          run) -> None:
    base, served = server
    point_at(example, base, served)
    path = example / "registers/guidance.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"{base}/psirf", "http://localhost/psirf"),
                    encoding="utf-8")
    result = run("-C", str(example), "guidance", "check", "psirf", "dspt")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.strip() == "psirf: http://localhost/psirf: not an https:// address: policybook reads " \
                                 "guidance over https only"
    assert "of 1 page read; 1 could not be read" in result.out
    unknown = run("-C", str(example), "guidance", "check", "no-such-guidance", "--write")
    assert unknown.code == 2 and "no-such-guidance" in unknown.err and "Traceback" not in unknown.err
