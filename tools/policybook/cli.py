"""The ``policybook`` command line. Every failure is one line on stderr and an ExitCode."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from policybook import __version__
from policybook.config import find_root
from policybook.errors import PolicybookError
from policybook.exitcodes import ExitCode
from policybook.findings import RULES, Rule


class _Parser(argparse.ArgumentParser):
    """argparse that exits with ExitCode.USAGE and one line, as the rest of policybook does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.USAGE, f"policybook: {message} (see 'policybook --help')\n")


def _today(value: str | None) -> dt.date:
    text = value or os.environ.get("POLICYBOOK_TODAY")
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PolicybookError(f"'{text}' is not a date: write YYYY-MM-DD") from None


def _root(args: argparse.Namespace) -> Path:
    if args.directory:
        folder = Path(args.directory)
        if not folder.is_dir():
            raise PolicybookError(f"-C {args.directory}: no such folder")
        return find_root(folder)
    return find_root(Path.cwd())


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
            print(f"{item.path}:{item.line}:{item.column} error {item.rule} {item.message}", file=sys.stderr)
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


def _corpus(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from policybook.corpus import load_corpus

    return load_corpus(_root(args), _today(getattr(args, "today", None)))


def _unreadable(corpus) -> list:  # type: ignore[no-untyped-def]
    """Policies a report cannot see (unreadable files, broken frontmatter): a report that silently left
    them out would mislead, so they are listed on stderr and the command exits 1."""
    from policybook.checks.schema import check_schema

    problems = [f for f in corpus.load_findings if f.severity.value == "error"]
    problems += [f for f in check_schema(corpus) if f.severity.value == "error"]
    for item in sorted(problems, key=lambda f: (f.path, f.line, f.column)):
        print(f"{item.path}:{item.line}:{item.column} {item.severity.value} {item.rule} {item.message}",
              file=sys.stderr)
    return problems


def cmd_new(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import new_policy

    print(new_policy(_corpus(args), args.category, args.title, args.owner, args.author, args.guidance or []).summary)
    return ExitCode.OK


def cmd_approve(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import approve

    print(approve(_corpus(args), args.id, args.by, args.on, args.summary).summary)
    return ExitCode.OK


def cmd_bump(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import bump

    print(bump(_corpus(args), args.id, args.major, args.summary, args.author).summary)
    return ExitCode.OK


def cmd_reviewed(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import reviewed

    print(reviewed(_corpus(args), args.id, args.by, args.on, args.note).summary)
    return ExitCode.OK


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows) + "\n"


def cmd_history(args: argparse.Namespace) -> ExitCode:
    import json

    from policybook.history import approved_versions

    corpus = _corpus(args)
    policy = corpus.by_id().get(args.id)
    if policy is None:
        raise PolicybookError(f"no policy has the id '{args.id}'")
    versions = approved_versions(corpus.root, policy.doc.path)
    if args.format == "json":
        print(json.dumps({"id": policy.id, "versions": [v.as_dict() for v in versions]}, indent=2))
        return ExitCode.OK
    if not versions:
        print(f"{policy.id} has no approved version in the git history of {policy.rel}")
        return ExitCode.OK
    rows = [["Version", "In force from", "Until", "Approved by", "Summary"]]
    rows += [[v.version, str(v.approved_on), str(v.in_force_to or "now"), v.approved_by, v.summary]
             for v in reversed(versions)]
    sys.stdout.write(f"{policy.id} {policy.title}\n" + _table(rows))
    return ExitCode.OK


def cmd_asof(args: argparse.Namespace) -> ExitCode:
    import json

    from policybook.history import approved_versions, in_force_on

    corpus = _corpus(args)
    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        raise PolicybookError(f"'{args.date}' is not a date: write YYYY-MM-DD") from None
    rows = []
    for policy in sorted(corpus.policies, key=lambda p: p.id or ""):
        if not policy.id:
            continue
        record = in_force_on(approved_versions(corpus.root, policy.doc.path), day)
        rows.append({"id": policy.id, "title": policy.title, "version": record.version if record else None,
                     "approved_on": record.approved_on.isoformat() if record else None,
                     "in_force_to": (record.in_force_to.isoformat() if record and record.in_force_to else None)})
    if args.format == "json":
        print(json.dumps({"date": day.isoformat(), "policies": rows}, indent=2))
        return ExitCode.OK
    table = [["Id", "Policy", "Version in force", "Since"]]
    table += [[r["id"], r["title"] or "", r["version"] or "not yet issued", r["approved_on"] or ""] for r in rows]
    sys.stdout.write(f"In force on {day}:\n" + _table(table))
    return ExitCode.OK


def cmd_review(args: argparse.Namespace) -> ExitCode:
    import json

    from policybook.review import as_ics, as_table, due_reviews

    corpus = _corpus(args)
    incomplete = _unreadable(corpus)
    due = due_reviews(corpus, args.within)
    if args.format == "json":
        print(json.dumps({"today": corpus.today.isoformat(), "within_days": args.within,
                          "reviews": [d.as_dict() for d in due]}, indent=2))
    elif args.format == "ics":
        sys.stdout.buffer.write(as_ics(corpus, due))
    else:
        sys.stdout.write(as_table(due, args.within))
    return ExitCode.FINDINGS if incomplete else ExitCode.OK


def cmd_ack(args: argparse.Namespace) -> ExitCode:
    import csv
    import json

    from policybook.acknowledgements import acknowledge, outstanding

    corpus = _corpus(args)
    if args.words[:1] == ["report"] and len(args.words) == 1:
        incomplete = _unreadable(corpus)
        items = outstanding(corpus)
        if args.format == "json":
            print(json.dumps({"today": corpus.today.isoformat(), "outstanding": [i.as_dict() for i in items]},
                             indent=2))
        elif args.format == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(["staff", "name", "policy", "title", "version", "since", "days_outstanding"])
            for item in items:
                row = item.as_dict()
                writer.writerow([row[k] for k in ("staff", "name", "policy", "title", "version", "since",
                                                  "days_outstanding")])
        elif not items:
            print("Everyone has confirmed the current major version of every policy they must read.")
        else:
            rows = [["Staff", "Policy", "Version", "Outstanding since", "Days"]]
            rows += [[f"{i.staff.name} ({i.staff.id})", f"{i.policy.id} {i.policy.title}", i.policy.version_text or "",
                      str(i.since or ""), str(i.days if i.days is not None else "")] for i in items]
            sys.stdout.write(_table(rows))
        return ExitCode.FINDINGS if incomplete else ExitCode.OK
    if len(args.words) != 2:
        raise PolicybookError("usage: policybook ack STAFF POLICY [--on DATE] | policybook ack report")
    record = acknowledge(corpus, args.words[0], args.words[1], args.on, args.version)
    print(f"recorded: {record.staff} read {record.policy} version {record.version} on {record.date}")
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
