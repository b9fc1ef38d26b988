"""Output that cannot be turned against its reader, and robustness at the edges of the file system:
control characters never reach a terminal or a CI log raw, spreadsheet formulas stay text, records
survive concurrent writers, and odd folder layouts neither crash nor escape the project."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TODAY, edit
from hostile_cases import policy

from policybook.corpus import load_corpus
from policybook.evidence.due import due_items
from policybook.findings import Finding, Severity, printable
from policybook.views.due import as_ics

GOVERNANCE = "policies/governance"


def test_printable_escapes_every_control_character() -> None:
    assert printable("a\nb\rc\x1b[31md\x07e\u202ef\u2028g\th") == "a\\nb\\rc\\x1b[31md\\x07e\\u202ef\\u2028g\\th"
    assert printable("Plain café text") == "Plain café text"


def test_a_file_name_cannot_forge_lines_in_text_or_github_output(example: Path, run) -> None:
    name = "evil\n::error file=x::forged\x1b[2J.md"
    (example / GOVERNANCE / name).write_text("no frontmatter\n", encoding="utf-8")
    for output in ("text", "github"):
        result = run("-C", str(example), "lint", "--today", TODAY, "--format", output)
        assert result.code == 1
        assert "\x1b" not in result.out
        assert not any(line.startswith("::error file=x") for line in result.out.splitlines())
        assert "forged" in result.out  # still reported, escaped on its own line


def test_a_message_with_control_characters_stays_on_one_line() -> None:
    finding = Finding("p.md", 1, 1, "schema", Severity.ERROR, "title 'A\nB\x1b]0;x\x07'")
    assert "\n" not in finding.as_line() and "\x1b" not in finding.as_line() and "\x07" not in finding.brief()


def test_titles_and_names_refuse_control_characters(example: Path, run) -> None:
    edit(example / "registers/staff.yml", "name: ", 'name: "Line\\nbreak" # ', )
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(result.out)["findings"]
    assert any(f["rule"] == "schema" and f["path"] == "registers/staff.yml" and "control character" in f["message"]
               for f in findings)


def test_csv_report_cells_never_start_a_formula(example: Path, run) -> None:
    staff = example / "registers/staff.yml"  # a new starter, who has confirmed nothing yet
    staff.write_text(staff.read_text(encoding="utf-8") + "  - id: zz\n    name: '=HYPERLINK(\"http://x\")'\n"
                     "    roles: [administrator]\n", encoding="utf-8")
    result = run("-C", str(example), "ack", "report", "--format", "csv", "--today", TODAY)
    assert result.code == 0
    lines = result.out.splitlines()[1:]
    assert lines, "the example has outstanding confirmations"
    cells = [cell for line in lines for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "+", "-", "@")) for cell in cells)
    assert any("'=HYPERLINK" in line for line in lines)


def test_the_calendar_escapes_a_line_break_in_the_organisation_name(example: Path) -> None:
    corpus = load_corpus(example, dt.date.fromisoformat(TODAY))
    corpus.config.name = "Harbourside\nEVIL:injected"
    calendar = as_ics(corpus, due_items(corpus)).decode("utf-8")
    assert "\r\nEVIL:injected" not in calendar and "Harbourside\\nEVIL:injected" in calendar


def test_two_first_acknowledgements_at_once_write_one_header(example: Path) -> None:
    records = example / "records/acknowledgements.csv"
    records.unlink()
    script = ("import sys; from policybook.cli import main; "
              f"sys.exit(main(['-C', {str(example)!r}, 'ack', sys.argv[1], 'IPC-002', '--today', {TODAY!r}]))")
    processes = [subprocess.Popen([sys.executable, "-c", script, staff]) for staff in ("ho", "jc", "ra", "te")]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0, 0]
    lines = records.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "staff,policy,version,date,chain" and lines.count("staff,policy,version,date,chain") == 1
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["ho", "jc", "ra", "te"]
    assert run_verify(example) == 0  # each writer chained onto the line before it


def test_an_empty_records_file_holds_no_records(example: Path, run) -> None:
    """A records file another writer has just created, and not yet given its header, is read as empty:
    the next acknowledgement writes the header and its line, and nothing is refused."""
    records = example / "records/acknowledgements.csv"
    records.write_bytes(b"")
    result = run("-C", str(example), "ack", "ho", "IPC-002", "--today", TODAY)
    assert result.code == 0, result.err
    assert records.read_text(encoding="utf-8").splitlines()[0] == "staff,policy,version,date,chain"
    assert run_verify(example) == 0


def run_verify(root: Path) -> int:
    from policybook.cli import main

    return main(["-C", str(root), "ack", "verify", "--today", TODAY])


def test_an_oversized_records_file_is_refused_without_being_read(example: Path, run) -> None:
    records = example / "records/acknowledgements.csv"
    with open(records, "ab") as stream:
        stream.truncate(51 * 1024 * 1024)  # sparse: nothing is written, but the size is over the limit
    result = run("-C", str(example), "ack", "report", "--today", TODAY)
    assert result.code == 2 and "over the limit" in result.err


def test_a_linked_policies_folder_is_refused(example: Path, tmp_path: Path, run) -> None:
    outside = tmp_path / "elsewhere"
    (example / "policies").rename(outside)
    (example / "policies").symlink_to(outside, target_is_directory=True)
    result = run("-C", str(example), "lint", "--today", TODAY)
    assert result.code == 2 and "symbolic link" in result.err


def test_a_linked_sub_folder_is_reported_not_followed(example: Path, tmp_path: Path, run) -> None:
    outside = tmp_path / "more"
    outside.mkdir()
    (outside / "extra.md").write_text(policy("GOV-990", "Outside policy", "Text."), encoding="utf-8")
    (example / GOVERNANCE / "linked").symlink_to(outside, target_is_directory=True)
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(result.out)["findings"]
    assert [(f["path"], f["rule"]) for f in findings] == [(f"{GOVERNANCE}/linked", "encoding")]
    assert "GOV-990" not in result.out


def test_a_thousand_nested_folders_do_not_crash(example: Path, run) -> None:
    folders = []
    folder = example / GOVERNANCE
    for index in range(1000):
        folder = folder / f"d{index % 10}"
        folder.mkdir()  # one at a time: os.makedirs itself recurses
        folders.append(folder)
    try:
        _lint_reads_the_deepest_policy(example, folder, run)
    finally:  # shutil.rmtree (and so pytest's clean-up of old temporary folders) recurses too
        for path in reversed(folders):
            for child in path.iterdir():
                if not child.is_dir():
                    child.unlink()
            path.rmdir()


def _lint_reads_the_deepest_policy(example: Path, folder: Path, run) -> None:  # type: ignore[no-untyped-def]
    before = json.loads(run("-C", str(example), "lint", "--today", TODAY, "--format", "json").out)["summary"]["files"]
    (folder / "deep.md").write_text(policy("GOV-991", "Deep policy", "Text."), encoding="utf-8")
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    assert result.code in (0, 1), result.err
    assert json.loads(result.out)["summary"]["files"] == before + 1  # the deep policy was read


@pytest.mark.parametrize("command", [["review", "--format", "ics"], ["ack", "report", "--format", "csv"]])
def test_reports_run_on_the_example(example: Path, run, command: list[str]) -> None:
    result = run("-C", str(example), *command, "--today", TODAY)
    assert result.code == 0 and result.out


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert"])
def test_a_record_changed_in_the_middle_breaks_the_chain(example: Path, run, tamper: str) -> None:
    records = example / "records/acknowledgements.csv"
    lines = records.read_text(encoding="utf-8").splitlines(keepends=True)
    if tamper == "edit":
        lines[10] = lines[10].replace("2021", "2022", 1)
    elif tamper == "delete":
        del lines[10]
    else:
        lines.insert(10, "zz,GOV-001,1.0,2021-05-01,0000\n")
    records.write_text("".join(lines), encoding="utf-8")
    assert run("-C", str(example), "ack", "verify", "--today", TODAY).code == 1
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    findings = [(f["path"], f["line"], f["rule"]) for f in json.loads(result.out)["findings"]]
    assert ("records/acknowledgements.csv", 11, "records-chain") in findings


def test_an_unchained_records_file_is_reported_and_sealed_once(example: Path, run) -> None:
    records = example / "records/acknowledgements.csv"
    rows = [line.rsplit(",", 1)[0] for line in records.read_text(encoding="utf-8").splitlines()]
    records.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    assert [f["rule"] for f in json.loads(result.out)["findings"]] == ["records-chain"]
    assert run("-C", str(example), "ack", "seal", "--today", TODAY).code == 0
    assert run("-C", str(example), "ack", "seal", "--today", TODAY).code == 2  # already chained
    assert run("-C", str(example), "lint", "--today", TODAY).code == 0
