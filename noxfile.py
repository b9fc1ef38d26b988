"""Developer sessions: tests, lint, build, serve, bench and fuzz (`nox -s NAME`)."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The test suite (as CI runs it)."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff and mypy on the code, and policybook itself on the example organisation."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", "tools", "tests", "noxfile.py")
    session.run("python", "-m", "mypy")
    session.run("policybook", "lint", "--strict")


@nox.session(python="3.11")
def build(session: nox.Session) -> None:
    """Lint, then build the staff site and handbook PDFs into site/."""
    session.install("-e", ".[dev]")
    session.run("policybook", "lint")
    session.run("policybook", "build")


@nox.session(python="3.11")
def serve(session: nox.Session) -> None:
    """Live preview of the staff site at http://127.0.0.1:8000."""
    session.install("-e", ".[dev]")
    session.run("policybook", "serve", *session.posargs)


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Speed and memory figures on generated corpora (prints a table)."""
    session.install("-e", ".[dev]")
    # Side by side with a naive pass, in one run: lint at 1,000 and 5,000 policies, the handbook at 1,000.
    session.run("python", "tools/bench/versus.py")
    session.run("python", "tools/bench/lint_bench.py", *session.posargs)
    session.run("python", "tools/bench/site_bench.py")
    session.run("python", "tools/bench/handbook_bench.py")


@nox.session(python="3.11")
def fuzz(session: nox.Session) -> None:
    """A longer coverage-guided fuzzing run of the policy reader (atheris)."""
    session.install("-e", ".[dev]")
    session.run("python", "tools/fuzz/fuzz_policy.py", *(session.posargs or ["-max_total_time=120"]))


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Regenerate the rules table in docs/guide/rules.md from the rule registry."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "policybook.rules_doc", "docs/guide/rules.md")


@nox.session(python="3.11")
def guide(session: nox.Session) -> None:
    """Build the editors' guide (docs/guide/) as its own site in site-guide/, apart from the staff site."""
    session.install("-e", ".[dev]")
    session.run("mkdocs", "build", "--strict", "-f", "guide.mkdocs.yml")
