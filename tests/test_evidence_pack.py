"""The inspector's evidence pack (policybook evidence): what it lists equals asof and ack report, every
standard appears, and everything in it can be checked without policybook (verify.py, sha256sum,
ssh-keygen)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from browsertools import needs_browser, open_page
from conftest import (
    EXAMPLE_PARTS,
    REPO,
    axe_violations,
    edit,
    set_confirmations,
    train_up,
    unread,
    without_confirmations,
)
from hostile_cases import policy as hostile_policy
from pypdf import PdfReader

from policybook.corpus import load_corpus
from policybook.evidence.snapshot import snapshot_at
from policybook.pack import verify_bundle as bundle
from policybook.pack.check import Failure, check_pack
from policybook.pack.collect import collect

DAY = "2026-12-05"  # the example's fixed day


def _git(root: Path, *args: str, day: str = DAY) -> None:
    stamp = f"{day}T12:00:00+00:00"
    subprocess.run(["git", "-c", "user.name=Test Author", "-c", "user.email=test@example.invalid", *args], cwd=root,
                   check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})


def _commit(root: Path, message: str, day: str = DAY) -> None:
    _git(root, "add", "-A", day=day)
    _git(root, "commit", "-q", "-m", message, day=day)


def _library(folder: Path, service: bool = True) -> Path:
    """The signed example, its training brought up to date, committed on the example's day; without
    ``service``, its settings name no confirmations service."""
    folder.mkdir(parents=True)
    for part in EXAMPLE_PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, folder / part)
    if not service:
        config = folder / "policybook.yml"
        config.write_text(without_confirmations(config.read_text(encoding="utf-8")), encoding="utf-8")
    train_up(folder)
    _git(folder, "init", "-q", "-b", "main")
    _commit(folder, "example organisation")
    return folder


def _pack(run, root: Path, out: Path, *extra: str) -> dict[str, object]:
    result = run("-C", str(root), "evidence", "--today", DAY, "--out", str(out), *extra)
    assert result.code == 0, result.err
    return json.loads((out / "evidence.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example as a library that runs no confirmations service (the example names a placeholder one)."""
    return _library(tmp_path_factory.mktemp("pack") / "org", service=False)


@pytest.fixture(scope="module")
def pack(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("made") / "pack"
    result = subprocess.run([sys.executable, "-m", "policybook", "-C", str(library), "evidence", "--today", DAY,
                             "--out", str(out)], capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": str(REPO / "tools")})
    assert result.returncode == 0, result.stderr
    assert "30 policies in force" in result.stdout
    return out


# -- what the pack says ------------------------------------------------------------------------------------
def test_every_standard_of_the_register_appears_with_evidence_or_as_a_gap(pack: Path) -> None:
    data = json.loads((pack / "evidence.json").read_text(encoding="utf-8"))
    register = load_corpus(pack, dt.date.fromisoformat(DAY)).registers.standards
    assert [s["id"] for s in data["standards"]] == list(register) and len(register) == 48
    for standard in data["standards"]:
        assert bool(standard["policies"]) ^ bool(standard["gap"] or standard["not_applicable"])
    cited = {s for p in data["policies"] for s in p["standards"]}
    assert {s["id"] for s in data["standards"] if s["policies"]} == cited & set(register)
    index = (pack / "index.html").read_text(encoding="utf-8")
    for standard in data["standards"]:
        assert f'id="standard-{standard["id"]}"' in index
    assert "Gap: no policy in force cites this." in index or not any(s["gap"] for s in data["standards"])


def test_the_policy_list_equals_asof_on_twenty_random_days(library: Path, run) -> None:
    live = load_corpus(library, dt.date.fromisoformat(DAY))
    first = min(h.date for p in live.policies for h in p.history if h.date)
    span = (dt.date.fromisoformat(DAY) - first).days
    days = sorted({first + dt.timedelta(days=random.Random(22).randrange(span + 1)) for _ in range(40)})[:20]
    days[-1] = dt.date.fromisoformat(DAY)
    for day in days:
        asof = json.loads(run("-C", str(library), "asof", day.isoformat(), "--format", "json").out)["policies"]
        expected = [(p["id"], p["version"], p["source"]) for p in asof if p["version"]]
        with tempfile.TemporaryDirectory() as unpacked:
            snapshot = snapshot_at(library, day, Path(unpacked))
            data = collect(live, snapshot, day, dt.date.fromisoformat(DAY)).data
        assert [(p["id"], p["version"], p["source"]) for p in data["policies"]] == expected, day


def test_confirmation_figures_equal_ack_report(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org")
    unread(root, ("ra", "HS-002"), ("ot", "HS-002"), ("pl", "IG-001"))
    _commit(root, "three readings not yet confirmed")
    data = _pack(run, root, tmp_path / "pack")
    report = json.loads(run("-C", str(root), "ack", "report", "--format", "json", "--today", DAY).out)
    assert data["confirmations"]["outstanding"] == report["outstanding"] and len(report["outstanding"]) == 3
    by_policy = {p["id"]: p["confirmation"] for p in data["policies"]}
    hs002 = by_policy["HS-002"]
    assert hs002["must"] - hs002["confirmed"] == 2
    assert {p["staff"] for p in hs002["people"] if not p["confirmed"]} == {"ra", "ot"}
    assert data["confirmations"]["must"] - data["confirmations"]["confirmed"] == 3


def test_a_library_adopted_late_uses_the_policies_own_history_marked_as_such(library: Path, run,
                                                                            tmp_path: Path) -> None:
    """The library's git history starts on the example's day; IPC-002's history records 1.1 in force in 2022."""
    data = _pack(run, library, tmp_path / "pack", "--as-of", "2022-06-01")
    ipc = next(p for p in data["policies"] if p["id"] == "IPC-002")
    assert (ipc["version"], ipc["source"], ipc["proven"], ipc["file"]) == ("1.1", "document", False, None)
    assert "not proven" in ipc["proof"]
    assert data["before_git"] is True and "git history starts after this day" in data["notes"][0]
    assert data["due_known"] is False and data["due"] == []
    asof = json.loads(run("-C", str(library), "asof", "2022-06-01", "--format", "json").out)["policies"]
    assert [(p["id"], p["version"]) for p in data["policies"]] == [(p["id"], p["version"]) for p in asof
                                                                     if p["version"]]
    index = (tmp_path / "pack" / "index.html").read_text(encoding="utf-8")
    assert "from the policy&#39;s own history" in index


def test_a_pack_for_today_and_a_year_back_each_verify(library: Path, run, tmp_path: Path) -> None:
    for day in (DAY, "2025-12-05"):
        out = tmp_path / day
        _pack(run, library, out, "--as-of", day)
        assert run("evidence", "verify", str(out)).code == 0
        done = subprocess.run([sys.executable, "-I", "verify.py"], cwd=out, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stdout
        assert "the evidence pack verifies" in done.stdout


# -- checkable without policybook ------------------------------------------------------------------------
def test_flipping_one_byte_in_any_file_fails_verify_and_sha256sum_naming_it(pack: Path, tmp_path: Path) -> None:
    files = sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file())
    assert len(files) > 100 and "records/approvals/GOV-001/2.1.sig" in files
    copy = tmp_path / "copy"
    shutil.copytree(pack, copy)
    assert check_pack(copy)
    for name in files:
        path = copy / name
        original = path.read_bytes()
        flipped = bytearray(original)
        flipped[len(flipped) // 2] ^= 0x01
        path.write_bytes(bytes(flipped))
        with pytest.raises(Failure) as failure:
            check_pack(copy)
        if name == "MANIFEST.sha256":
            assert failure.value.path == name or "MANIFEST.sha256" in failure.value.reason
        else:
            assert failure.value.path == name
            summed = subprocess.run(["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], cwd=copy,
                                    capture_output=True, text=True, check=False)
            assert summed.returncode != 0 and f"{name}: FAILED" in summed.stdout
        path.write_bytes(original)
    assert check_pack(copy)


def test_a_policy_text_edited_after_approval_fails_the_standard_library_script(pack: Path, tmp_path: Path) -> None:
    """Even with the manifest written again to match, the text no longer gives its approved fingerprint."""
    copy = tmp_path / "copy"
    shutil.copytree(pack, copy)
    name = "policies/HS-003/2.1.md"
    edit(copy / name, "Call 999", "Call 911")
    manifest = copy / "MANIFEST.sha256"
    lines = [line for line in manifest.read_text(encoding="utf-8").splitlines() if not line.endswith("  " + name)]
    digest = hashlib.sha256((copy / name).read_bytes()).hexdigest()
    manifest.write_text("\n".join([*lines, f"{digest}  {name}"]) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", "verify.py"], cwd=copy, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert f"FAILED: {name}: its text does not give the fingerprint" in done.stdout


def test_an_edit_after_approval_in_the_library_is_not_the_version_in_the_pack(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org")
    edit(root / "policies/health-safety/first-aid.md", "Call 999", "Call 911")
    _commit(root, "an unapproved edit")
    _pack(run, root, tmp_path / "pack")
    text = (tmp_path / "pack" / "policies/HS-003/2.1.md").read_text(encoding="utf-8")
    assert "Call 999" in text and "Call 911" not in text


def test_every_signature_verifies_with_ssh_keygen_as_verify_md_says(pack: Path) -> None:
    statement = pack / "records/approvals/GOV-001/2.1.txt"
    signer = next(line.split(": ", 1)[1] for line in statement.read_text().splitlines() if line.startswith("signer"))
    with open(statement, "rb") as message:
        done = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", "records/allowed_signers", "-I", signer, "-n",
                               "policybook", "-s", "records/approvals/GOV-001/2.1.sig"], cwd=pack, stdin=message,
                              capture_output=True, text=True, check=False)
    assert done.returncode == 0 and 'Good "policybook" signature' in done.stdout
    assert "ssh-keygen -Y verify -f records/allowed_signers" in (pack / "VERIFY.md").read_text(encoding="utf-8")


# -- its PDF and index page --------------------------------------------------------------------------------
def test_the_pdf_is_tagged_pdf_ua_with_every_policy_text(pack: Path) -> None:
    pdf = pack / "evidence.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "evidence pack as of 5 December 2026" in info
    reader = PdfReader(pdf)
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfuaid:part" in xmp and ">1<" in xmp.split("pdfuaid:part", 1)[1][:40]
    structure = subprocess.run(["pdfinfo", "-struct", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "H1" in structure and "TH" in structure
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Regulation 17(3) report: draft" in text and "HS-003 First aid, version 2.1" in text
    assert "Gap" in text or "Not applicable" in text


@needs_browser
@pytest.mark.parametrize("width", [375, 1280])
def test_the_index_page_passes_axe(browser: object, pack: Path, width: int) -> None:
    page = open_page(browser, (pack / "index.html").as_uri(), width=width, bypass_csp=True)
    violations = axe_violations(page)
    page.close()  # type: ignore[attr-defined]
    assert violations == []


# -- bad input ---------------------------------------------------------------------------------------------
def test_hostile_register_text_is_shown_as_text(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org")
    edit(root / "registers/standards.yml", 'title: "Regulation 9A: Visiting',
         'title: "<script>alert(1)</script><img src=x onerror=alert(2)> Regulation 9A: Visiting')
    _commit(root, "a hostile title")
    _pack(run, root, tmp_path / "pack")
    index = (tmp_path / "pack" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in index and "<img src=x" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_bad_requests_are_one_line_errors_and_change_nothing(library: Path, tmp_path: Path, run) -> None:
    for day, message in (("May", "not a date"), ("2031-01-01", "a day that has come")):
        result = run("-C", str(library), "evidence", "--today", DAY, "--out", str(tmp_path / "x"), "--as-of", day)
        assert result.code != 0 and message in result.err and len(result.err.strip().splitlines()) == 1
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("-C", str(library), "evidence", "--today", DAY, "--out", str(keep))
    assert result.code != 0 and "is not an evidence pack" in result.err
    assert [p.name for p in keep.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    plain = tmp_path / "plain"
    shutil.copytree(library, plain, ignore=shutil.ignore_patterns(".git"))
    result = run("-C", str(plain), "evidence", "--today", DAY, "--out", str(tmp_path / "y"))
    assert result.code != 0 and "git" in result.err and len(result.err.strip().splitlines()) == 1
    assert run("evidence", "verify", str(tmp_path / "nowhere")).code != 0


def test_question_attempts_come_from_the_confirmations_service_up_to_the_day(tmp_path: Path, run) -> None:
    from confirmtools import confirmations_settings

    from policybook.confirm.database import connect, database_url
    from policybook.confirm.ledger import record_attempt
    from policybook.confirm.migrations import migrate

    root = _library(tmp_path / "org")
    set_confirmations(root, confirmations_settings("https://confirm.example", "sqlite:///confirm.sqlite3", 2525))
    _commit(root, "the confirmations service")
    live = load_corpus(root, dt.date.fromisoformat(DAY))
    engine = connect(database_url(live.config.confirmations, root))
    migrate(engine)
    for day in ("2026-12-01", "2026-12-04", "2026-12-09"):  # the last is after the pack's day
        record_attempt(engine, staff="ra", policy="HS-002", version="3.0", wrong=[1], client="test",
                       now=dt.datetime.fromisoformat(f"{day}T10:00:00+00:00"))
    engine.dispose()
    data = _pack(run, root, tmp_path / "pack")
    assert data["attempts_known"] is True
    people = {p["staff"]: p for p in next(p for p in data["policies"] if p["id"] == "HS-002")["confirmation"]["people"]}
    assert people["ra"]["attempts"] == 2 and people["jc"]["attempts"] == 0
    assert "Answers not right before" in (tmp_path / "pack" / "index.html").read_text(encoding="utf-8")


def test_without_the_service_the_pack_says_why_it_shows_no_attempts(pack: Path) -> None:
    data = json.loads((pack / "evidence.json").read_text(encoding="utf-8"))
    assert data["attempts_known"] is False
    assert any("does not run the confirmations service" in note for note in data["notes"])


# -- a pack forged by someone who rewrites its manifest --------------------------------------------------
def _forgery(pack: Path, folder: Path) -> Path:
    copy = folder / "forged"
    shutil.copytree(pack, copy)
    return copy


def _reseal(copy: Path) -> None:
    """What a forger does after an edit: write MANIFEST.sha256 again to match every file."""
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(copy).as_posix()}"
             for p in sorted(copy.rglob("*")) if p.is_file() and p.name != "MANIFEST.sha256"]
    (copy / "MANIFEST.sha256").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _script(copy: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", "verify.py"], cwd=copy, capture_output=True, text=True, check=False)


def _evidence(copy: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = copy / "evidence.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _entry(data: dict[str, object], policy: str) -> dict[str, object]:
    return next(p for p in data["policies"] if p["id"] == policy)  # type: ignore[attr-defined]


def _refingerprint(copy: Path, name: str) -> str:
    """The fingerprint verify.py computes for a text, as a forger would compute it."""
    governed = json.loads((copy / name.replace(".md", ".governed.json")).read_text(encoding="utf-8"))
    return bundle.fingerprint(governed, bundle.body_of((copy / name).read_text(encoding="utf-8")))


FORGERIES = {
    # An edited text whose entry no longer names its signed approval, with the fingerprint recomputed.
    "statement left out of evidence.json": lambda copy: (
        edit(copy / "policies/HS-003/2.1.md", "Call 999", "Call 911"),
        _evidence(copy, lambda d: _entry(d, "HS-003").update(
            statement=None, signature=None, fingerprint=_refingerprint(copy, "policies/HS-003/2.1.md")))),
    # An edited text that evidence.json no longer lists, so nothing would read it.
    "policy left out of evidence.json": lambda copy: (
        edit(copy / "policies/HS-003/2.1.md", "Call 999", "Call 911"),
        _evidence(copy, lambda d: d["policies"].remove(_entry(d, "HS-003")))),
    # An approval read from outside the pack, where no manifest covers it.
    "statement outside the pack": lambda copy: (
        shutil.copytree(copy / "records/approvals", copy.parent / "elsewhere"),
        _evidence(copy, lambda d: _entry(d, "HS-003").update(
            statement=str(copy.parent / "elsewhere/HS-003/2.1.txt")))),
    "text outside its folder": lambda copy: _evidence(copy, lambda d: _entry(d, "HS-003").update(
        file="policies/HS-002/3.0.md")),
}


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_a_forged_pack_with_its_manifest_rewritten_fails_both_checks(pack: Path, tmp_path: Path, case: str) -> None:
    copy = _forgery(pack, tmp_path)
    FORGERIES[case](copy)
    _reseal(copy)
    done = _script(copy)
    assert done.returncode == 1 and done.stdout.startswith(("manifest:", "FAILED:")) and not done.stderr, done
    with pytest.raises(Failure):
        check_pack(copy)


MALFORMED = {
    "evidence.json is a list": lambda copy: (copy / "evidence.json").write_text("[1]", encoding="utf-8"),
    "a policy with no id": lambda copy: _evidence(copy, lambda d: d["policies"][0].pop("id")),
    "a file that is a number": lambda copy: _evidence(copy, lambda d: d["policies"][0].update(file=5)),
    "a confirmation row whose seq is text": lambda copy: (copy / "records/confirmations.jsonl").write_text(
        json.dumps(_service_row("a")) + "\n" + json.dumps(_service_row("a", _service_row("a")["hash"])) + "\n",
        encoding="utf-8"),
}


def _service_row(seq: object, previous: str = "") -> dict[str, object]:
    row: dict[str, object] = {"seq": seq, "staff": "ra", "policy": "HS-002", "version": "3.0", "fingerprint": "f",
                              "confirmed_at": "2026-12-01", "method": "m", "client": "c", "user_agent": "u",
                              "previous_hash": previous}
    fields = ("seq", "staff", "policy", "version", "fingerprint", "confirmed_at", "method", "client", "user_agent")
    payload = json.dumps([previous, *(row[f] for f in fields)], ensure_ascii=False, separators=(",", ":"))
    row["hash"] = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return row


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_pack_fails_in_one_line_naming_the_file(pack: Path, tmp_path: Path, run, case: str) -> None:
    copy = _forgery(pack, tmp_path)
    MALFORMED[case](copy)
    _reseal(copy)
    done = _script(copy)
    assert done.returncode == 1 and done.stdout.splitlines()[-1].startswith("FAILED: ") and not done.stderr, done
    result = run("evidence", "verify", str(copy))
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err


def test_a_manifest_that_lists_a_file_twice_fails_as_sha256sum_does(pack: Path, tmp_path: Path) -> None:
    copy = _forgery(pack, tmp_path)
    manifest = copy / "MANIFEST.sha256"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    manifest.write_text("\n".join(["0" * 64 + "  " + lines[0].split("  ", 1)[1], *lines]) + "\n", encoding="utf-8")
    summed = subprocess.run(["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], cwd=copy, capture_output=True,
                            check=False)
    assert summed.returncode != 0
    assert _script(copy).returncode == 1
    with pytest.raises(Failure, match="a second time"):
        check_pack(copy)


def test_what_the_checks_cannot_prove_is_named_in_their_output(pack: Path, tmp_path: Path) -> None:
    """A records file with no chain, a text with no signed approval and the key behind each signature are
    named, so a reader knows what 'verifies' covers."""
    copy = _forgery(pack, tmp_path)
    checks = copy / "records/checks.csv"
    checks.write_text("\n".join(line.rsplit(",", 1)[0] for line in checks.read_text(encoding="utf-8").splitlines())
                      + "\n", encoding="utf-8")
    for suffix in (".txt", ".sig"):
        (copy / f"records/approvals/HS-003/2.1{suffix}").unlink()
    _reseal(copy)
    done = _script(copy)
    assert done.returncode == 0, done.stdout
    assert "no hash chain, so an edit to them would not show: records/checks.csv" in done.stdout
    assert "no signed approval, so nothing proves the text: HS-003 2.1" in done.stdout
    key = subprocess.run(["ssh-keygen", "-lf", str(REPO / "tests/keys/pl-fictional-ed25519.pub")], capture_output=True,
                         text=True, check=True).stdout.split()[1]
    assert f"pl {key}" in done.stdout
    lines = "\n".join(check_pack(copy))
    assert "records/checks.csv" in lines and "HS-003 2.1" in lines and f"pl {key}" in lines


def test_policybook_also_checks_the_frontmatter_against_the_signed_statement(pack: Path, tmp_path: Path) -> None:
    """verify.py cannot read YAML: a changed approver or date in a text's frontmatter is policybook's to find."""
    copy = _forgery(pack, tmp_path)
    edit(copy / "policies/HS-003/2.1.md", 'approved_on: "2026-11-26"', 'approved_on: "2026-01-04"')
    _reseal(copy)
    with pytest.raises(Failure, match="approval statement that was signed"):
        check_pack(copy)


def test_policybook_reads_allowed_signers_as_openssh_does(pack: Path, tmp_path: Path) -> None:
    """A comment after the key and a list of principals verify, as with ssh-keygen; a key limited to
    another namespace does not."""
    copy = _forgery(pack, tmp_path)
    signers = copy / "records/allowed_signers"
    lines = signers.read_text(encoding="utf-8").splitlines()
    signers.write_text("\n".join(line.replace("pl ", "ra,pl ", 1) + " pl@example (laptop)"
                                 for line in lines) + "\n", encoding="utf-8")
    _reseal(copy)
    assert _script(copy).returncode == 0 and check_pack(copy)
    signers.write_text("\n".join(line.replace('namespaces="policybook"', 'namespaces="git"') for line in lines)
                       + "\n", encoding="utf-8")
    _reseal(copy)
    assert _script(copy).returncode == 1
    with pytest.raises(Failure, match="does not verify"):
        check_pack(copy)


# -- libraries and requests the pack must survive ----------------------------------------------------------
def test_days_out_of_reckoning_and_an_out_folder_under_a_file_are_one_line_errors(library: Path, tmp_path: Path,
                                                                                  run) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("mine", encoding="utf-8")
    for extra in (("--as-of", "0001-01-01", "--today", DAY), ("--today", "9999-12-31"),
                  ("--today", DAY, "--out", str(afile / "pack"))):
        arguments = ["-C", str(library), "evidence", "--out", str(tmp_path / "pack"), *extra]
        result = run(*arguments)
        assert result.code != 0 and len(result.err.strip().splitlines()) == 1, (extra, result.err)
    assert afile.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    result = run("-C", str(library), "evidence", "--today", DAY, "--out", str(library / "policies/evidence"))
    assert result.code != 0 and "policies folder" in result.err and not (library / "policies/evidence").exists()


def test_a_folder_is_replaced_only_when_it_holds_a_pack_and_nothing_else(library: Path, pack: Path,
                                                                        tmp_path: Path, run) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "MANIFEST.sha256").write_text("checksums of my own\n", encoding="utf-8")
    (mine / "photo.jpg").write_bytes(b"mine")
    earlier = tmp_path / "earlier"
    shutil.copytree(pack, earlier)
    (earlier / "notes.txt").write_text("my notes on the pack", encoding="utf-8")
    for folder in (mine, earlier):
        result = run("-C", str(library), "evidence", "--today", DAY, "--out", str(folder))
        assert result.code != 0 and "is not an evidence pack" in result.err
    assert (mine / "photo.jpg").read_bytes() == b"mine" and (earlier / "notes.txt").is_file()
    (earlier / "notes.txt").unlink()
    assert run("-C", str(library), "evidence", "--today", DAY, "--out", str(earlier)).code == 0


def test_unreadable_records_and_registers_are_named_in_the_pack(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org")
    with open(root / "records/acknowledgements.csv", "ab") as records:
        records.write(b"ra,HS-002,3.0,2026-12-01,\xff\xfe\n")
    with open(root / "registers/risks.yml", "a", encoding="utf-8") as risks:
        risks.write("  - id: [unclosed\n")
    _commit(root, "a stray byte and a broken register")
    data = _pack(run, root, tmp_path / "pack")
    notes = "\n".join(data["notes"])  # type: ignore[arg-type]
    assert "records/acknowledgements.csv: cannot be read as UTF-8" in notes
    assert "registers/risks.yml" in notes and "the register cannot be read" in notes


def _approved_policy(root: Path, name: str, policy_id: str, version: str) -> None:
    (root / "policies/governance" / name).write_text(hostile_policy(
        policy_id, "Odd one", "The Registered Manager keeps this policy current.", version=version,
        extra="standards:\n  - hsca-reg-17\n"), encoding="utf-8")


def test_a_policy_whose_id_or_version_cannot_name_a_file_stays_listed_without_a_text(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org")
    _approved_policy(root, "escape.md", '"../../../escaped"', '"1.0"')
    _approved_policy(root, "line-end.md", "GOV-950", '"1.0\\n"')
    _commit(root, "policies whose id or version is no file name")
    out = tmp_path / "out" / "pack"
    data = _pack(run, root, out)
    asof = json.loads(run("-C", str(root), "asof", DAY, "--format", "json").out)["policies"]
    assert [(p["id"], p["version"]) for p in data["policies"]] == [(p["id"], p["version"]) for p in asof  # type: ignore[attr-defined]
                                                                     if p["version"]]
    escaped = _entry(data, "../../../escaped")
    assert escaped["file"] is None and escaped["statement"] is None and "not a policy id" in str(escaped["proof"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org", "out"] and [p.name for p in out.parent.iterdir()] == [
        "pack"]
    assert not [p for p in out.rglob("*") if "\n" in p.name]
    assert run("evidence", "verify", str(out)).code == 0 and _script(out).returncode == 0


def test_two_files_with_one_id_give_one_text_with_its_own_governed_fields(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org")
    _approved_policy(root, "a.md", "GOV-951", '"1.0"')
    _approved_policy(root, "b.md", "GOV-951", '"1.0"')
    edit(root / "policies/governance/b.md", "title: Odd one", "title: Another one")
    _commit(root, "one id twice")
    data = _pack(run, root, tmp_path / "pack")
    entries = [p for p in data["policies"] if p["id"] == "GOV-951"]  # type: ignore[attr-defined]
    assert len(entries) == 2 and [bool(p["file"]) for p in entries] == [True, False]
    assert "same id and version" in entries[1]["proof"]
    text = (tmp_path / "pack/policies/GOV-951/1.0.md").read_text(encoding="utf-8")
    governed = json.loads((tmp_path / "pack/policies/GOV-951/1.0.governed.json").read_text(encoding="utf-8"))
    assert governed["title"] == entries[0]["title"] and f"title: {governed['title']}\n" in text


def test_a_library_in_a_folder_of_a_bigger_repository_has_its_texts_from_git(tmp_path: Path, run) -> None:
    top = tmp_path / "top"
    root = _library(top / "compliance")
    shutil.rmtree(root / ".git")
    (top / "README.md").write_text("The practice's files.\n", encoding="utf-8")
    _git(top, "init", "-q", "-b", "main")
    _commit(top, "everything")
    data = _pack(run, root, tmp_path / "pack")
    assert len(data["policies"]) == 30 and all(p["file"] and p["proven"] for p in data["policies"])  # type: ignore[index,union-attr]


def test_before_any_text_is_in_git_a_standard_nothing_cites_is_not_known_not_a_gap(library: Path,
                                                                                   tmp_path: Path, run) -> None:
    data = _pack(run, library, tmp_path / "pack", "--as-of", "2022-06-01")
    assert data["policies"] and not any(p["file"] for p in data["policies"])  # type: ignore[attr-defined]
    standards = data["standards"]
    assert not any(s["gap"] for s in standards) and all(s["not_known"] or s["not_applicable"] for s in standards)  # type: ignore[attr-defined]
    assert not any("No policy in force" in r["found"] for r in data["regulation_17"])  # type: ignore[attr-defined]
    index = (tmp_path / "pack" / "index.html").read_text(encoding="utf-8")
    assert "Gap: no policy in force cites this." not in index and "Not known: no policy in force" in index
    assert data["confirmations"]["not_known"] == len(data["policies"])  # type: ignore[arg-type,call-overload,index]
    assert f"not known for the {len(data['policies'])} policies" in index  # type: ignore[arg-type]


def test_the_pdf_keeps_long_text_in_its_cells_and_its_contents_to_the_policies(tmp_path: Path, run) -> None:
    """An unbroken run of characters breaks inside its cell; the list of who has not yet confirmed has room
    without crushing the figures by role beside it; the contents list policies, not each one's headings."""
    root = _library(tmp_path / "org")
    unread(root, *((staff, "HS-002") for staff in ("ra", "ot", "jc", "ho", "pl")))
    edit(root / "registers/risks.yml", "title: ", "title: https://intranet.example/" + "k" * 200 + " ")
    _commit(root, "a long title and five readings not yet confirmed")
    _pack(run, root, tmp_path / "pack")
    pdf = tmp_path / "pack" / "evidence.pdf"
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    right = max(float(x) for x in re.findall(r'xMax="([0-9.]+)"', boxes))
    assert right <= 595.28 - 56.69 + 1  # A4, inside the 20 mm margin
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Caldicott Guardian: 0 of 1" in text or "Caldicott Guardian: 1 of 1" in text
    contents = subprocess.run(["pdftotext", "-f", "1", "-l", "2", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
    assert "HS-003 First aid, version 2.1" in contents and "Purpose" not in contents


def test_a_committed_link_out_of_the_library_is_left_out_of_the_pack(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org")
    (root / "records/elsewhere.csv").symlink_to("/etc/hostname")
    (root / "registers/elsewhere.yml").symlink_to("../../../../../../etc/hostname")
    _commit(root, "links out of the library")
    _pack(run, root, tmp_path / "pack")
    assert not (tmp_path / "pack/records/elsewhere.csv").exists()
    assert not (tmp_path / "pack/registers/elsewhere.yml").exists()
    assert run("evidence", "verify", str(tmp_path / "pack")).code == 0


def test_making_a_pack_never_creates_the_confirmations_database(tmp_path: Path, run) -> None:
    """The service's database lives on its server: where it is not on this machine the pack says so, and
    neither creates it nor the folders it would be in."""
    from confirmtools import confirmations_settings

    root = _library(tmp_path / "org")
    set_confirmations(root, confirmations_settings("https://confirm.example", "sqlite:///service/confirm.sqlite3",
                                                   2525))
    _commit(root, "the confirmations service")
    data = _pack(run, root, tmp_path / "pack")
    assert data["attempts_known"] is False and not (root / "service").exists()
    assert any("could not be read" in note and "confirm.sqlite3" in note for note in data["notes"])  # type: ignore[attr-defined]


def test_the_packs_signers_are_the_keys_its_approvals_were_checked_with(tmp_path: Path, run) -> None:
    """The staff register's keys, even where records/allowed_signers was not written again after a change:
    the pack must not say an approval verifies and then fail its own check."""
    root = _library(tmp_path / "org")
    signers = root / "records/allowed_signers"
    signers.write_text("".join(line for line in signers.read_text(encoding="utf-8").splitlines(keepends=True)
                               if not line.startswith("mf ")), encoding="utf-8")
    _commit(root, "allowed_signers out of date")
    data = _pack(run, root, tmp_path / "pack")
    assert _entry(data, "GOV-001")["proof"] == "approval signed and verified"
    assert run("evidence", "verify", str(tmp_path / "pack")).code == 0 and _script(tmp_path / "pack").returncode == 0


# -- information for patients ------------------------------------------------------------------------------
def test_the_pack_lists_the_documents_for_patients_with_their_formats_and_editions(pack: Path, library: Path) -> None:
    data = json.loads((pack / "evidence.json").read_text(encoding="utf-8"))
    corpus = load_corpus(library, dt.date.fromisoformat(DAY))
    shown = {d.id for d in corpus.public if d.id} | {p.id for p in corpus.policies if p.data.get("public") is True}
    assert {p["id"] for p in data["patients"]} == shown
    leaflet = next(p for p in data["patients"] if p["id"] == "PUB-001")
    assert leaflet["offered"][:2] == ["standard print (PDF)", "large print (PDF)"] and "easy read" in leaflet["offered"]
    assert [(e["name"], e["in_english"], e["current"]) for e in leaflet["editions"]] == [
        ("English (easy read)", "", True), ("العربية", "Arabic", True), ("বাংলা", "Bangla", True)]
    assert all(e["proof"] == "fingerprint matches; approval signed" for e in leaflet["editions"])
    page = (pack / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="patients">Information for patients</h2>' in page
    assert '<span lang="ar">العربية</span> (Arabic)' in page
    text = " ".join(PdfReader(pack / "evidence.pdf").pages[i].extract_text() for i in range(3, 30))
    assert "Information for patients" in text and "PUB-001: editions" in text and "Samira Haddad" in text


def test_an_edition_behind_its_source_is_shown_as_not_current_in_the_pack(tmp_path: Path, run) -> None:
    root = _library(tmp_path / "org", service=False)
    leaflet = root / "public/leaflets/what-to-expect.md"
    assert run("-C", str(root), "bump", "PUB-001", "--minor", "--summary", "You can bring a drink.",
               "--today", DAY).code == 0
    edit(leaflet, "## Radiation\n", "## Radiation\n\nYou can bring a drink with you.\n")
    keys = tmp_path / "key"
    shutil.copyfile(REPO / "tests/keys/pl-fictional-ed25519", keys)
    keys.chmod(0o600)
    approved = run("-C", str(root), "approve", "PUB-001", "--by", "registered-manager", "--key", str(keys),
                   "--today", DAY)
    assert approved.code == 0, approved.err
    _commit(root, "PUB-001 1.1")
    data = _pack(run, root, tmp_path / "pack")
    leaflet_now = next(p for p in data["patients"] if p["id"] == "PUB-001")
    editions = leaflet_now["editions"]
    assert {e["current"] for e in editions} == {False}
    assert all(f"now at version {leaflet_now['version']}" in e["why_not_current"] for e in editions)
