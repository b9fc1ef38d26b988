"""The daily guidance check that `init --github` and `init --gitlab` write: it runs on a schedule only, keeps
one issue with a stable title up to date (GitHub) or a report artifact (GitLab), and never fails a pull or
merge request. Its scripts are run here with a stand-in `policybook` and `gh` that record what they did."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

NAME = "Harbour Lane Dental Practice"
SPEC = "policybook @ git+https://git.example.org/tools/policybook.git@v0.1.0"
REPORT = "cqc-duty-of-candour: the main text changed since 2026-12-06; cited by GOV-005 (frontmatter)"


def _stand_ins(bin_dir: Path, code: int, open_issue: str) -> dict[str, str]:
    """A `policybook` that prints a report and exits with ``code``, and a `gh` that lists ``open_issue``
    (a number, or nothing) and logs every other call."""
    bin_dir.mkdir()
    (bin_dir / "policybook").write_text(f"#!/bin/sh\necho '{REPORT}'\nexit {code}\n", encoding="utf-8")
    (bin_dir / "gh").write_text(
        "#!/bin/sh\n"
        f'case "$1 $2" in "issue list") echo "{open_issue}" ;; *) echo "$@" >> "$GH_LOG" ;; esac\n',
        encoding="utf-8")
    for name in ("policybook", "gh"):
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GH_LOG": str(bin_dir / "log")}


def _run(script: str, folder: Path, env: dict[str, str]) -> int:
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder, env=env,
                          check=False).returncode


def test_the_github_kit_checks_the_guidance_each_morning_into_one_issue(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME, "--github", "--install-from", SPEC).code == 0
    workflow = yaml.safe_load((library / ".github/workflows/guidance.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"schedule", "workflow_dispatch"}  # never on a push or a pull request
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    steps = {step.get("name"): step for step in job["steps"]}
    check = steps["Compare the cited guidance with the publishers' pages"]
    update, close = steps["Open or update the issue"], steps["Close the issue once everything matches"]
    assert "policybook guidance check" in check["run"]
    assert update["env"]["TITLE"] == close["env"]["TITLE"] == "Cited guidance changed"
    for code, open_issue, wanted in ((1, "", "issue create --title Cited guidance changed --body-file issue.md"),
                                     (1, "17", "issue edit 17 --body-file issue.md"),
                                     (0, "17", "issue close 17 --comment"),
                                     (0, "", None)):
        folder = tmp_path / f"run-{code}-{open_issue}"
        folder.mkdir()
        env = {**_stand_ins(folder / "bin", code, open_issue), "GITHUB_OUTPUT": str(folder / "output"),
               "TITLE": "Cited guidance changed"}
        assert _run(check["run"], folder, env) == 0
        assert (folder / "output").read_text(encoding="utf-8") == f"status={code}\n"
        step = update if code == 1 else close
        assert step["if"] == f"steps.check.outputs.status == '{code}'"
        assert _run(step["run"], folder, env) == 0
        log = (folder / "bin/log").read_text(encoding="utf-8") if (folder / "bin/log").exists() else ""
        assert (wanted in log) if wanted else log == ""
        if code == 1:
            assert f"\n    {REPORT}\n" in (folder / "issue.md").read_text(encoding="utf-8")  # as code, not Markdown
    failed = tmp_path / "failed"
    failed.mkdir()
    env = {**_stand_ins(failed / "bin", 2, ""), "GITHUB_OUTPUT": str(failed / "output")}
    assert _run(check["run"], failed, env) != 0  # the check itself failing fails the run


def test_the_gitlab_kit_keeps_a_report_of_the_scheduled_check_and_never_blocks(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME, "--gitlab", "--install-from", SPEC).code == 0
    pipeline = yaml.safe_load((library / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = pipeline["guidance"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]  # never for a merge request
    assert job["allow_failure"] is True and job["stage"] in pipeline["stages"]
    assert job["artifacts"]["when"] == "always" and job["artifacts"]["paths"] == ["guidance.txt"]
    script = "\n".join(job["script"])
    assert "policybook guidance check" in script
    for code in (1, 0):
        folder = tmp_path / f"run-{code}"
        folder.mkdir()
        assert _run(script, folder, _stand_ins(folder / "bin", code, "")) == code
        assert (folder / "guidance.txt").read_text(encoding="utf-8") == f"{REPORT}\n"
