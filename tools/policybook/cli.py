"""The ``policybook`` command line. Every failure is one line on stderr and an ExitCode."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from policybook import __version__
from policybook.cli_changes import cmd_approve, cmd_bump, cmd_new, cmd_reviewed
from policybook.cli_common import root_from as _root
from policybook.cli_common import today_from as _today
from policybook.cli_reports import cmd_ack, cmd_asof, cmd_history, cmd_review
from policybook.errors import PolicybookError
from policybook.exitcodes import ExitCode
from policybook.findings import RULES, Rule


class _Parser(argparse.ArgumentParser):
    """argparse that exits with ExitCode.USAGE and one line, as the rest of policybook does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.USAGE, f"policybook: {message} (see 'policybook --help')\n")


def cmd_lint(args: argparse.Namespace) -> ExitCode:
    from policybook.lint import lint
    from policybook.report import REPORTERS

    root = _root(args)
    result = lint(root, _today(args.today), args.paths, Path.cwd(), base_ref=args.base)
    colour = args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    sys.stdout.write(REPORTERS[args.format](result, colour))
    return ExitCode.FINDINGS if result.failed(args.strict) else ExitCode.OK


def _project_rules(args: argparse.Namespace) -> dict[str, Rule]:
    """Core rules, plus the project's house style rules when run inside a project."""
    from policybook.style.runner import Style

    try:
        root = _root(args)
    except PolicybookError:
        return dict(RULES)
    style = Style.load(root)
    return dict(RULES) | (style.catalogue() if style else {})


def cmd_rules(args: argparse.Namespace) -> ExitCode:
    catalogue = _project_rules(args)
    width = max(len(r) for r in catalogue)
    for rule in sorted(catalogue.values(), key=lambda r: r.id):
        print(f"{rule.id:<{width}}  {rule.severity.value:<10}  {rule.summary}")
    return ExitCode.OK


def cmd_style(args: argparse.Namespace) -> ExitCode:
    from policybook.style.guide import explain, render_guide
    from policybook.style.runner import Style

    style = Style.load(_root(args))
    if style is None:
        raise PolicybookError("this project has no .vale.ini, so it has no house style")
    if args.explain:
        sys.stdout.write(explain(style, args.explain))
    elif args.guide:
        sys.stdout.write(render_guide(style))
    else:
        for name, rule in sorted(style.rules.items()):
            print(f"{name:<32}  {rule.level:<10}  {rule.description or rule.message}")
    return ExitCode.OK


def cmd_build(args: argparse.Namespace) -> ExitCode:
    from policybook.publish import build_site

    root = _root(args)
    today = _today(args.today) if args.today else None
    code = build_site(root, today, Path(args.site_dir) if args.site_dir else None)
    return ExitCode.OK if code == 0 else ExitCode.FINDINGS


def cmd_serve(args: argparse.Namespace) -> ExitCode:
    from policybook.publish import serve_site

    root = _root(args)
    return ExitCode.OK if serve_site(root, _today(args.today) if args.today else None, args.address) == 0 \
        else ExitCode.FINDINGS


def cmd_publish(args: argparse.Namespace) -> ExitCode:
    from policybook.publish import publish_site

    root = _root(args)
    code = publish_site(root, args.version, args.alias or [], _today(args.today) if args.today else None,
                        args.push, args.title)
    return ExitCode.OK if code == 0 else ExitCode.FINDINGS


def cmd_handbook(args: argparse.Namespace) -> ExitCode:
    from policybook.corpus import load_corpus
    from policybook.handbook.builder import build_handbook
    from policybook.lint import lint_corpus
    from policybook.site.pages import site_urls

    root = _root(args)
    corpus = load_corpus(root, _today(args.today))
    errors = [f for f in lint_corpus(corpus).findings if f.severity.value == "error" and f.rule != "review-overdue"]
    if errors:
        for item in errors:
            print(item.as_line(), file=sys.stderr)
        print(f"policybook: {len(errors)} lint error(s): the handbook would be incomplete or wrong, so it was "
              "not built", file=sys.stderr)
        return ExitCode.FINDINGS
    name = "staff-handbook-large-print.pdf" if args.large_print else "staff-handbook.pdf"
    if args.audience and not args.out:
        name = name.replace("staff-handbook", f"staff-handbook-{args.audience}")
    out = Path(args.out) if args.out else root / "site" / "handbook" / name
    written = build_handbook(corpus, out, large_print=args.large_print, audience=args.audience,
                             site_urls=site_urls(corpus))
    print(f"wrote {written}")
    return ExitCode.OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policybook", description="Policies as Markdown: lint, publish, control.")
    parser.add_argument("--version", action="version", version=f"policybook {__version__}")
    parser.add_argument("-C", dest="directory", metavar="DIR",
                        help="run in the project at DIR (default: the nearest folder with policybook.yml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    lint_parser = sub.add_parser("lint", help="check policies and registers")
    lint_parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to report on")
    lint_parser.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text")
    lint_parser.add_argument("--today", metavar="YYYY-MM-DD",
                             help="check review dates as on this day (or set POLICYBOOK_TODAY)")
    lint_parser.add_argument("--strict", action="store_true", help="fail on warnings and suggestions too")
    lint_parser.add_argument("--base", metavar="REF", help="also report policies changed since git REF without a "
                             "new version (version-not-bumped)")
    lint_parser.set_defaults(handler=cmd_lint)

    style_parser = sub.add_parser("style", help="list, explain or document the house style rules")
    choice = style_parser.add_mutually_exclusive_group()
    choice.add_argument("--explain", metavar="RULE", help="purpose, level and an example of one rule")
    choice.add_argument("--guide", action="store_true", help="print the style guide page (docs/guide/style.md)")
    style_parser.set_defaults(handler=cmd_style)

    build_parser_ = sub.add_parser("build", help="build the staff site into site/ (fails on lint errors)")
    build_parser_.add_argument("--today", metavar="YYYY-MM-DD", help="review badges as on this day")
    build_parser_.add_argument("--site-dir", metavar="DIR", help="build into DIR instead of site/")
    build_parser_.set_defaults(handler=cmd_build)

    serve_parser = sub.add_parser("serve", help="preview the staff site with live reload")
    serve_parser.add_argument("--today", metavar="YYYY-MM-DD", help="review badges as on this day")
    serve_parser.add_argument("--address", default="127.0.0.1:8000", help="IP:PORT (default 127.0.0.1:8000)")
    serve_parser.set_defaults(handler=cmd_serve)

    publish_parser = sub.add_parser("publish", help="deploy a version of the site with mike (gh-pages branch)")
    publish_parser.add_argument("version", help="the version to deploy, such as 2026.11")
    publish_parser.add_argument("--alias", action="append", help="also point this alias at it (e.g. latest)")
    publish_parser.add_argument("--title", help="the version's title in the selector")
    publish_parser.add_argument("--today", metavar="YYYY-MM-DD", help="review badges as on this day")
    publish_parser.add_argument("--push", action="store_true", help="push gh-pages to the remote afterwards")
    publish_parser.set_defaults(handler=cmd_publish)

    handbook_parser = sub.add_parser("handbook", help="build the staff handbook PDF")
    handbook_parser.add_argument("--out", metavar="PATH", help="where to write the PDF "
                                 "(default site/handbook/staff-handbook.pdf)")
    handbook_parser.add_argument("--large-print", action="store_true", help="16 point sans serif edition")
    handbook_parser.add_argument("--audience", metavar="ROLE", help="only the policies this role must read")
    handbook_parser.add_argument("--today", metavar="YYYY-MM-DD", help="edition date (default today)")
    handbook_parser.set_defaults(handler=cmd_handbook)

    today_help = "as on this day (default today, or POLICYBOOK_TODAY)"
    new_parser = sub.add_parser("new", help="start a new policy as draft 0.1")
    new_parser.add_argument("--category", required=True, help="a category id from policybook.yml")
    new_parser.add_argument("--title", required=True)
    new_parser.add_argument("--owner", metavar="ROLE", help="the accountable role (default registered-manager)")
    new_parser.add_argument("--author", help="who writes it (default git config user.name)")
    new_parser.add_argument("--guidance", metavar="ID", action="append", help="external guidance id (repeatable)")
    new_parser.add_argument("--today", metavar="YYYY-MM-DD", help=today_help)
    new_parser.set_defaults(handler=cmd_new)

    approve_parser = sub.add_parser("approve", help="approve a draft: publish it and record the approval")
    approve_parser.add_argument("id")
    approve_parser.add_argument("--by", required=True, metavar="ROLE", help="the approving role")
    approve_parser.add_argument("--on", metavar="YYYY-MM-DD", help="approval date (default today)")
    approve_parser.add_argument("--summary", help="what this version changes (for the history)")
    approve_parser.add_argument("--today", metavar="YYYY-MM-DD", help=today_help)
    approve_parser.set_defaults(handler=cmd_approve)

    bump_parser = sub.add_parser("bump", help="start the next version of an approved policy as a draft")
    level = bump_parser.add_mutually_exclusive_group(required=True)
    level.add_argument("--major", action="store_true", help="a change to what staff must do: all must re-read")
    level.add_argument("--minor", action="store_true", help="a correction or clarification")
    bump_parser.add_argument("id")
    bump_parser.add_argument("--summary", required=True, help="what changes and why")
    bump_parser.add_argument("--author", help="who makes the change")
    bump_parser.add_argument("--today", metavar="YYYY-MM-DD", help=today_help)
    bump_parser.set_defaults(handler=cmd_bump)

    reviewed_parser = sub.add_parser("reviewed", help="record a review that changed nothing")
    reviewed_parser.add_argument("id")
    reviewed_parser.add_argument("--by", required=True, metavar="ROLE")
    reviewed_parser.add_argument("--on", metavar="YYYY-MM-DD", help="review date (default today)")
    reviewed_parser.add_argument("--note", help="what the review found")
    reviewed_parser.add_argument("--today", metavar="YYYY-MM-DD", help=today_help)
    reviewed_parser.set_defaults(handler=cmd_reviewed)

    history_parser = sub.add_parser("history", help="every approved version of a policy, from git")
    history_parser.add_argument("id")
    history_parser.add_argument("--format", choices=["table", "json"], default="table")
    history_parser.set_defaults(handler=cmd_history)

    asof_parser = sub.add_parser("asof", help="which version of each policy was in force on a date, from git")
    asof_parser.add_argument("date", metavar="YYYY-MM-DD")
    asof_parser.add_argument("--format", choices=["table", "json"], default="table")
    asof_parser.set_defaults(handler=cmd_asof)

    review_parser = sub.add_parser("review", help="the review calendar: overdue and due policies")
    review_parser.add_argument("--within", type=int, default=90, metavar="DAYS", help="window (default 90)")
    review_parser.add_argument("--format", choices=["table", "json", "ics"], default="table")
    review_parser.add_argument("--today", metavar="YYYY-MM-DD", help=today_help)
    review_parser.set_defaults(handler=cmd_review)

    ack_parser = sub.add_parser("ack", help="record that staff read a policy (ack STAFF POLICY), or 'ack report'")
    ack_parser.add_argument("words", nargs="+", metavar="STAFF POLICY | report")
    ack_parser.add_argument("--on", metavar="YYYY-MM-DD", help="date read (default today)")
    ack_parser.add_argument("--version", help="the version read (refused unless it is the current one)")
    ack_parser.add_argument("--format", choices=["table", "json", "csv"], default="table", help="for 'ack report'")
    ack_parser.add_argument("--today", metavar="YYYY-MM-DD", help=today_help)
    ack_parser.set_defaults(handler=cmd_ack)

    rules_parser = sub.add_parser("rules", help="list every rule with its severity")
    rules_parser.set_defaults(handler=cmd_rules)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help()
        return ExitCode.USAGE
    try:
        return int(args.handler(args))
    except PolicybookError as exc:
        print(f"policybook: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("policybook: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return ExitCode.OK


if __name__ == "__main__":
    raise SystemExit(main())
