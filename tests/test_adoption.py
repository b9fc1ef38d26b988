"""A new provider starts from nothing: the package installed without -e into a fresh virtual environment,
`policybook init` in an empty folder, then lint, build, a first policy, the CI kits and pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import word_fixtures
import yaml
from conftest import TODAY

REPO = Path(__file__).resolve().parents[1]
NAME = "Riverside Physiotherapy & Sports Injury Clinic"


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with policybook installed from this repository as a user would: not editable."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    assert _run([sys.executable, "-m", "venv", str(venv)], REPO).returncode == 0
    result = _run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check", str(REPO)], REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    return venv / "bin"


def _env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYBOOK_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["POLICYBOOK_TODAY"] = TODAY
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def _policybook(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run([str(bin_dir / "policybook"), *args], cwd, _env(bin_dir))


def _new_policy(bin_dir: Path, library: Path, body: str) -> Path:
    result = _policybook(bin_dir, library, "new", "--category", "health-safety", "--title", "First aid",
                         "--author", "Sam Fielding", "--guidance", "hse-first-aid-l74")
    assert result.returncode == 0, result.stderr
    path = library / "policies/health-safety/first-aid.md"
    path.write_text(path.read_text(encoding="utf-8") + body, encoding="utf-8")
    return path


def test_installed_package_is_not_the_source_tree(installed: Path) -> None:
    probe = "import policybook.resources as r; print(r.house_style_ini()); print(r.standards_register())"
    result = _run([str(installed / "python"), "-c", probe], Path("/"), _env(installed))
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        assert "site-packages/policybook/data/" in line and Path(line).is_file()


def test_init_in_an_empty_folder_lints_clean_and_builds_a_staff_site(installed: Path, tmp_path: Path) -> None:
    library = tmp_path / "clinic"
    result = _policybook(installed, tmp_path, "init", "clinic", "--name", NAME)
    assert result.returncode == 0, result.stderr
    assert (library / "registers/standards.yml").read_text(encoding="utf-8").count("hsca-reg-") >= 14
    lint = _policybook(installed, library, "lint")
    assert lint.returncode == 0 and lint.stdout.startswith("No findings"), lint.stdout + lint.stderr
    build = _policybook(installed, library, "build")
    assert build.returncode == 0, build.stderr[-2000:]
    home = (library / "site/index.html").read_text(encoding="utf-8")
    assert "Riverside Physiotherapy &amp; Sports Injury Clinic policies" in home
    index = json.loads((library / "site/search/search_index.json").read_text(encoding="utf-8"))
    locations = [doc["location"] for doc in index["docs"]]
    assert locations and not [loc for loc in locations if loc.startswith("guide/")]
    assert not any("policybook lint" in doc["text"] for doc in index["docs"])  # no tool documentation
    assert not list((library / "site").rglob("guide"))


def test_a_new_policy_saying_911_fails_lint_with_no_files_copied_by_hand(installed: Path, tmp_path: Path) -> None:
    library = tmp_path / "clinic"
    assert _policybook(installed, tmp_path, "init", "clinic", "--name", NAME).returncode == 0
    _new_policy(installed, library, "\nIn an emergency, call 911 and stay with the patient.\n")
    lint = _policybook(installed, library, "lint", "--format", "json")
    assert lint.returncode == 1, lint.stdout
    findings = json.loads(lint.stdout)["findings"]
    assert [f for f in findings if f["rule"] == "Policybook.EmergencyNumber" and f["severity"] == "error"]


def test_without_a_vale_ini_the_packaged_house_style_applies_and_says_so_once(installed: Path,
                                                                             tmp_path: Path) -> None:
    library = tmp_path / "clinic"
    assert _policybook(installed, tmp_path, "init", "clinic", "--name", NAME).returncode == 0
    (library / ".vale.ini").unlink()
    shutil.rmtree(library / "styles")
    _new_policy(installed, library, "\nIn an emergency, call 911.\n")
    lint = _policybook(installed, library, "lint")
    assert lint.returncode == 1 and "Policybook.EmergencyNumber" in lint.stdout
    assert lint.stderr.count("no .vale.ini") == 1


def test_github_workflow_has_the_schedule_sarif_base_and_deploy(installed: Path, tmp_path: Path) -> None:
    spec = "policybook @ git+https://git.example.org/tools/policybook.git@v0.1.0"
    result = _policybook(installed, tmp_path, "init", "clinic", "--name", NAME, "--github", "--gitlab",
                         "--install-from", spec)
    assert result.returncode == 0, result.stderr
    library = tmp_path / "clinic"
    workflow = yaml.safe_load((library / ".github/workflows/policies.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"] and "pull_request" in triggers
    lint_steps = workflow["jobs"]["lint"]["steps"]
    assert any("upload-sarif" in str(step.get("uses", "")) for step in lint_steps)
    assert any("--base" in str(step.get("run", "")) and "pull_request" in str(step.get("if", ""))
               for step in lint_steps)
    assert any("--format github" in str(step.get("run", "")) for step in lint_steps)
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "lint" and any("policybook publish" in str(s.get("run", "")) for s in deploy["steps"])
    assert spec in (library / "requirements.txt").read_text(encoding="utf-8")
    gitlab = yaml.safe_load((library / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert "pages" in gitlab and "--base" in "\n".join(gitlab["lint"]["script"])


def test_ci_kits_need_to_know_where_to_install_from(installed: Path, tmp_path: Path) -> None:
    result = _policybook(installed, tmp_path, "init", "clinic", "--name", NAME, "--github")
    assert result.returncode == 2 and "--install-from" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "clinic").exists() or not any((tmp_path / "clinic").iterdir())


def _pre_commit(library: Path, bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = _env(bin_dir)
    env["PRE_COMMIT_HOME"] = str(library.parent / "pre-commit-home")
    pre_commit = Path(sys.executable).parent / "pre-commit"
    return _run([str(pre_commit), *args], library, env)


def _git(library: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=library, check=True, capture_output=True)


def test_pre_commit_with_the_generated_config_blocks_a_policy_with_an_error(installed: Path, tmp_path: Path) -> None:
    library = tmp_path / "clinic"
    assert _policybook(installed, tmp_path, "init", "clinic", "--name", NAME, "--pre-commit").returncode == 0
    _git(library, "init", "-q", "-b", "main")
    _git(library, "add", "-A")
    clean = _pre_commit(library, installed, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    _new_policy(installed, library, "\nIn an emergency, call 911.\n")
    _git(library, "add", "-A")
    blocked = _pre_commit(library, installed, "run", "--all-files")
    assert blocked.returncode == 1 and "Policybook.EmergencyNumber" in blocked.stdout, blocked.stdout


def test_the_published_hook_runs_from_this_repository(installed: Path, tmp_path: Path) -> None:
    """`.pre-commit-hooks.yaml` as another library would use it: pre-commit installs policybook itself."""
    library = tmp_path / "clinic"
    assert _policybook(installed, tmp_path, "init", "clinic", "--name", NAME).returncode == 0
    _git(library, "init", "-q", "-b", "main")
    _new_policy(installed, library, "\nIn an emergency, call 911.\n")
    _git(library, "add", "-A")
    source = tmp_path / "policybook-source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", "site", "site-guide", ".git", "tests",
                                                                 ".nox", ".hypothesis", "*.egg-info", "build"))
    _git(source, "init", "-q", "-b", "main")
    _git(source, "add", "-A")
    _git(source, "-c", "user.name=Release", "-c", "user.email=release@example.invalid", "commit", "-q", "-m", "r")
    env_bin = installed.parent.parent / "no-policybook-bin"  # the hook must bring its own policybook
    env_bin.mkdir(exist_ok=True)
    result = _pre_commit(library, env_bin, "try-repo", str(source), "policybook-lint", "--all-files")
    assert result.returncode == 1 and "Policybook.EmergencyNumber" in result.stdout, result.stdout + result.stderr


def test_generated_hook_watches_the_same_files_as_the_published_one() -> None:
    from policybook.scaffold import HOOK_FILES

    published = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert published[0]["files"] == HOOK_FILES and published[0]["entry"] == "policybook lint --changed"


def test_a_new_library_imports_real_word_documents_without_debris(installed: Path, tmp_path: Path) -> None:
    """The first week: Word policies with bold-italic headings that end in line breaks and with control
    details written as paragraphs come into a library made by `init`, say what was mapped, and lint finds
    no stray markers and no review frequency at odds with the schedule."""
    library = tmp_path / "clinic"
    assert _policybook(installed, tmp_path, "init", "clinic", "--name", NAME).returncode == 0
    categories = yaml.safe_load((library / "policybook.yml").read_text(encoding="utf-8"))["categories"]
    category = next((c["id"] for c in categories if c["id"] == "health-safety"), categories[0]["id"])
    documents = [word_fixtures.bold_italic_headings(tmp_path / "Hand washing.docx"),
                 word_fixtures.control_paragraphs(tmp_path / "Lone working.docx")]
    result = _policybook(installed, library, "import", *map(str, documents), "--category", category,
                         "--author", "Sam Fielding")
    assert result.returncode == 0, result.stderr
    reports = sorted((library / "records/imports").glob("*.md"))
    assert len(reports) == 2
    first, second = (report.read_text(encoding="utf-8") for report in reports)
    assert "Bold italic text 'Important:' began or ended with a line break: moved outside it" in first
    assert "| version | 1 | paragraph 'Version No: 1' |" in second
    assert "| review interval | 12 months | the sentence 'This policy will be reviewed annually" in second
    lint = _policybook(installed, library, "lint", "--format", "json")
    findings = json.loads(lint.stdout)["findings"]
    assert [f for f in findings if f["rule"] in ("emphasis-debris", "review-frequency")] == [], findings
    for policy in (library / "policies").rglob("*.md"):
        assert "\\*" not in policy.read_text(encoding="utf-8")
