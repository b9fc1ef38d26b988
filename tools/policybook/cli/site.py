"""Commands that publish: ``build``, ``serve`` and ``publish`` (the staff site) and ``handbook`` (the PDF)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from policybook.cli.context import root_from, today, today_if_given
from policybook.cli.registry import command
from policybook.exitcodes import ExitCode

BADGES_AS_ON = "review badges as on this day"


def _exit(code: int) -> ExitCode:
    return ExitCode.OK if code == 0 else ExitCode.FINDINGS


def _build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site-dir", metavar="DIR", help="build into DIR instead of site/")


@command("build", "build the staff site into site/ (fails on lint errors)", options=_build_options,
         today=BADGES_AS_ON)
def cmd_build(args: argparse.Namespace) -> ExitCode:
    from policybook.site.publish import build_site

    return _exit(build_site(root_from(args), today_if_given(args), Path(args.site_dir) if args.site_dir else None))


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", default="127.0.0.1:8000", help="IP:PORT (default 127.0.0.1:8000)")


@command("serve", "preview the staff site with live reload", options=_serve_options, today=BADGES_AS_ON)
def cmd_serve(args: argparse.Namespace) -> ExitCode:
    from policybook.site.publish import serve_site

    return _exit(serve_site(root_from(args), today_if_given(args), args.address))


def _publish_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("version", help="the version to deploy, such as 2026.11")
    parser.add_argument("--alias", action="append", help="also point this alias at it (e.g. latest)")
    parser.add_argument("--title", help="the version's title in the selector")
    parser.add_argument("--push", action="store_true", help="push gh-pages to the remote afterwards")


@command("publish", "deploy a version of the site with mike (gh-pages branch)", options=_publish_options,
         today=BADGES_AS_ON)
def cmd_publish(args: argparse.Namespace) -> ExitCode:
    from policybook.site.publish import publish_site

    return _exit(publish_site(root_from(args), args.version, args.alias or [], today_if_given(args), args.push,
                              args.title))


def _handbook_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="PATH", help="where to write the PDF "
                        "(default site/handbook/staff-handbook.pdf)")
    parser.add_argument("--large-print", action="store_true", help="16 point sans serif edition")
    parser.add_argument("--audience", metavar="ROLE", help="only the policies this role must read")


@command("handbook", "build the staff handbook PDF", options=_handbook_options,
         today="edition date (default today)")
def cmd_handbook(args: argparse.Namespace) -> ExitCode:
    from policybook.checks.dates import REVIEW_OVERDUE
    from policybook.corpus import load_corpus
    from policybook.findings import blocking
    from policybook.handbook.builder import build_handbook
    from policybook.lint import lint_corpus
    from policybook.site.pages import site_urls

    root = root_from(args)
    corpus = load_corpus(root, today(args))
    errors = blocking(lint_corpus(corpus).findings, allow=[REVIEW_OVERDUE])
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
