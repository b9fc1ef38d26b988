"""Commands that check: ``lint``, ``rules`` (the catalogue) and ``style`` (the house style)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from policybook.cli.context import root_from, today
from policybook.cli.registry import command
from policybook.errors import PolicybookError
from policybook.exitcodes import ExitCode

PACKAGED_STYLE_NOTICE = ("policybook: this project has no .vale.ini, so the house style packaged with policybook "
                         "applies (write a .vale.ini to choose or switch off rules: see the style guide)")


def _lint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to report on")
    parser.add_argument("--strict", action="store_true", help="fail on warnings and suggestions too")
    parser.add_argument("--changed", action="store_true", help="the PATHs are the files a commit changes (as "
                        "pre-commit passes them): report them, and every file when a register or setting changed")
    parser.add_argument("--base", metavar="REF", help="also report policies changed since git REF without a "
                        "new version (version-not-bumped)")


@command("lint", "check policies and registers", options=_lint_options,
         today="check review dates as on this day (or set POLICYBOOK_TODAY)",
         formats=("text", "json", "sarif", "github"))
def cmd_lint(args: argparse.Namespace) -> ExitCode:
    from policybook.lint import lint
    from policybook.report import REPORTERS

    result = lint(root_from(args), today(args), args.paths, Path.cwd(), base_ref=args.base, changed=args.changed)
    if result.packaged_style:
        print(PACKAGED_STYLE_NOTICE, file=sys.stderr)
    colour = args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    sys.stdout.write(REPORTERS[args.format](result, colour))
    return ExitCode.FINDINGS if result.failed(args.strict) else ExitCode.OK


@command("rules", "list every rule with its severity", formats=("text", "json", "markdown"),
         format_help="text (default), json (the catalogue with house style rules), or markdown "
         "(the table in docs/guide/rules.md)")
def cmd_rules(args: argparse.Namespace) -> ExitCode:
    from policybook.lint import catalogue
    from policybook.rules_doc import rules_table

    try:
        root = root_from(args)
    except PolicybookError:
        root = None  # outside a project: the core rules only
    rules = dict(sorted(catalogue(root).items()))
    if args.format == "json":
        print(json.dumps({"rules": [r.as_dict() for r in rules.values()]}, indent=2, ensure_ascii=False))
    elif args.format == "markdown":
        sys.stdout.write(rules_table())
    else:
        width = max(len(r) for r in rules)
        for rule in rules.values():
            print(f"{rule.id:<{width}}  {rule.severity.value:<10}  {rule.summary}")
    return ExitCode.OK


def _style_options(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--explain", metavar="RULE", help="purpose, level and an example of one rule")
    choice.add_argument("--guide", action="store_true", help="print the style guide page (docs/guide/style.md)")


@command("style", "list, explain or document the house style rules", options=_style_options)
def cmd_style(args: argparse.Namespace) -> ExitCode:
    from policybook.style.guide import explain, render_guide
    from policybook.style.runner import Style

    style = Style.load(root_from(args))
    if style.packaged:
        print(PACKAGED_STYLE_NOTICE, file=sys.stderr)
    if args.explain:
        sys.stdout.write(explain(style, args.explain))
    elif args.guide:
        sys.stdout.write(render_guide(style))
    else:
        for name, rule in sorted(style.rules.items()):
            print(f"{name:<32}  {rule.level:<10}  {rule.description or rule.message}")
    return ExitCode.OK
