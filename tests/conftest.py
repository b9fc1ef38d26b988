"""Shared fixtures: a fresh copy of the example organisation for each test, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from policybook.cli import main

# Fixtures kept in modules of their own (test modules take them as parameters and never import them):
pytest_plugins = ["confirm_fixtures", "guidance_server"]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("POLICYBOOK_CHROMIUM", "/usr/bin/chromium")  # Debian's, installed by .ci/run
AXE = REPO / "tests/.node/node_modules/axe-core/axe.min.js"  # axe-core from npm, installed by .ci/run
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
EXAMPLE_PARTS = ("policybook.yml", "registers", "policies", "records", "public")
TODAY = "2026-11-26"


@dataclass
class Run:
    code: int
    out: str
    err: str


GIT_USER = "Robin Testwell"  # fictional: who git says is running the commands in tests


@pytest.fixture(autouse=True, scope="session")
def unwrapped_output() -> None:
    """The commands the tests run print each message on one line: no terminal width (COLUMNS, LINES)
    reaches them, which MkDocs would wrap its log at, so where a message breaks never depends on how long
    the test's temporary path is (longer under the parallel workers)."""
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
        os.unsetenv(name)  # also where it is set below os.environ (the test process sets it for itself)


@pytest.fixture(autouse=True)
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the same git identity, whatever the machine's own git configuration says."""
    config = tmp_path_factory.getbasetemp() / "gitconfig"
    if not config.exists():
        config.write_text(f"[user]\n\tname = {GIT_USER}\n\temail = robin@harbourside-dexa.example\n",
                          encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A writable copy of the example organisation's policy repo."""
    root = tmp_path / "org"
    root.mkdir()
    for part in EXAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copy2(source, root / part)
    for optional in (".vale.ini", "styles"):
        source = REPO / optional
        if source.is_dir():
            shutil.copytree(source, root / optional)
        elif source.is_file():
            shutil.copy2(source, root / optional)
    return train_up(unsign(root))


# The example's training kept deliberately out of date (tests/test_example.py), with the renewal that
# brings each up to date: (staff, course, date).
RENEWALS = (("ot", "moving-handling", "2026-11-20"), ("jc", "basic-life-support", "2026-11-20"),
            ("mf", "equality-diversity", "2026-11-20"), ("ra", "fire-safety", "2026-11-20"))


def train_up(root: Path) -> Path:
    """The example with its deliberately overdue and due-soon training renewed, so that tests of other
    behaviour start from a library with no findings at all on TODAY."""
    from policybook.evidence.ledger import chain_value

    path = root / "records" / "training.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    previous = lines[-1].rsplit(",", 1)[1]
    for staff, course, day in RENEWALS:
        fields = [staff, course, day, "Renewed"]
        previous = chain_value(previous, fields)
        lines.append(",".join([*fields, previous]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def unread(root: Path, *pairs: tuple[str, str]) -> Path:
    """A copy of the example in which these (staff, policy) readings were never confirmed: their lines are
    left out of records/acknowledgements.csv and the rest chained again, as a test's starting point for
    confirmations that are still owed (the example itself owes none)."""
    from policybook.evidence.ledger import chain_value

    path = root / "records" / "acknowledgements.csv"
    header, *lines = path.read_text(encoding="utf-8").splitlines()
    kept, previous = [header], ""
    for line in lines:
        fields = line.split(",")[:4]
        if (fields[0], fields[1]) in pairs:
            continue
        previous = chain_value(previous, fields)
        kept.append(",".join([*fields, previous]))
    assert len(kept) == len(lines) + 1 - len(pairs), "each reading to take out is in the example's records"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return root


def unsign(root: Path) -> Path:
    """The example without its signed approvals (and with approvals.signatures off), for tests of other
    behaviour that edit approved policies or approve without keys. tests/test_signatures.py tests the
    signatures themselves, and test_example.py the signed example as it stands."""
    config = root / "policybook.yml"
    text = config.read_text(encoding="utf-8")
    assert "  signatures: required" in text, "the example requires signatures"
    config.write_text(text.replace("  signatures: required", "  signatures: off", 1), encoding="utf-8")
    shutil.rmtree(root / "records" / "approvals", ignore_errors=True)
    (root / "records" / "allowed_signers").unlink(missing_ok=True)
    return root


def strip_fingerprints(root: Path, folders: tuple[str, ...] = ("policies", "public")) -> Path:
    """Drop the approval fingerprints (of the policies and the documents for patients, or of ``folders``),
    for tests that edit policy text to exercise other rules."""
    for path in [path for folder in folders for path in (root / folder).rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        kept = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("fingerprint:"))
        path.write_text(kept, encoding="utf-8")
    return root


def git(root: Path, *args: str) -> None:
    """git in ``root`` as the test author (the identity every test sees, whatever the machine's)."""
    subprocess.run(["git", "-c", "user.name=Test Author", "-c", "user.email=test@example.invalid", *args],
                   cwd=root, check=True, capture_output=True)


def commit(root: Path, message: str) -> None:
    """Commit everything in ``root``."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """The fictional staff's signing keys (tests/keys/), by staff id, copied with the permissions OpenSSH
    insists on (git does not keep them)."""
    return copy_keys(tmp_path / "keys")


def copy_keys(folder: Path) -> dict[str, Path]:
    """The fictional staff's signing keys copied into ``folder`` (made here), by staff id, with the
    permissions OpenSSH insists on."""
    folder.mkdir()
    found = {}
    for source in (REPO / "tests/keys").glob("*-fictional-ed25519"):
        target = folder / source.name
        shutil.copyfile(source, target)
        target.chmod(0o600)
        found[source.name.split("-")[0]] = target
    return found


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """Run the policybook CLI in-process and capture its output."""

    def _run(*args: str) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return _run


def position_of(path: Path, needle: str) -> tuple[int, int]:
    """Line and column (1-based) of the first occurrence of ``needle`` in a text file."""
    text = path.read_text(encoding="utf-8")
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` with ``new`` in ``path`` (the test fails if ``old`` is absent)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def without_confirmations(text: str) -> str:
    """Settings text without its ``confirmations:`` section (down to the next top-level key)."""
    kept, inside = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("confirmations:"):
            inside = True
        elif inside and line.strip() and not line.startswith((" ", "#")):
            inside = False
        if not inside:
            kept.append(line)
    return "".join(kept)


def set_confirmations(root: Path, section: str) -> None:
    """Give the library at ``root`` the ``confirmations:`` section ``section`` in place of its own (the
    example configures a placeholder service)."""
    config = root / "policybook.yml"
    text = without_confirmations(config.read_text(encoding="utf-8"))
    config.write_text(text + ("" if text.endswith("\n") else "\n") + section, encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium for the browser tests (each module that uses it skips itself without one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def axe_violations(page: object) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page as loaded (the page must bypass the CSP: axe is
    injected as a script), one line each with an example element."""
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    return list(page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
                                                                                 'wcag21aa', 'wcag22aa']}});
        return result.violations.map(v => `${v.id}: ${v.nodes.length} node(s), e.g. ${v.nodes[0].html}`);
    }"""))  # type: ignore[attr-defined]
