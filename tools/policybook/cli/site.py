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
    parser.add_argument("--public-site-dir", metavar="DIR",
                        help="build the public site into DIR instead of site-public/ (paths.public_site)")
    parser.add_argument("--no-public-site", action="store_true", help="build the staff site only")


@command("build", "build the staff site into site/ and the public site into site-public/ (fails on lint errors)",
         options=_build_options, today=BADGES_AS_ON)
def cmd_build(args: argparse.Namespace) -> ExitCode:
    from policybook.site.publish import build_site

    root = root_from(args)
    code = build_site(root, today_if_given(args), Path(args.site_dir) if args.site_dir else None)
    if code == 0 and not args.no_public_site:
        from policybook.public_site.build import build_public_site

        code = build_public_site(root, today(args), Path(args.public_site_dir) if args.public_site_dir else None)
    return _exit(code)


STAFF_ADDRESS = "127.0.0.1:8000"
PUBLIC_ADDRESS = "127.0.0.1:8001"  # its own, so that both previews can run at once


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--public", action="store_true",
                        help=f"preview the public site for patients instead (at {PUBLIC_ADDRESS} by default)")
    parser.add_argument("--address", help=f"IP:PORT (default {STAFF_ADDRESS}, or {PUBLIC_ADDRESS} with --public)")


@command("serve", "preview the staff site (or with --public the public site) with live reload",
         options=_serve_options, today=BADGES_AS_ON)
def cmd_serve(args: argparse.Namespace) -> ExitCode:
    if args.public:
        from policybook.public_site.preview import serve_public_site

        return _exit(serve_public_site(root_from(args), today(args), args.address or PUBLIC_ADDRESS))
    from policybook.site.publish import serve_site

    return _exit(serve_site(root_from(args), today_if_given(args), args.address or STAFF_ADDRESS))


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
                        "(default: under site/handbook/, where `policybook build` puts it)")
    parser.add_argument("--large-print", action="store_true", help="16 point sans serif edition")
    whom = parser.add_mutually_exclusive_group()
    whom.add_argument("--role", metavar="ROLE", help="the role's edition, as on the staff site: the policies "
                      "addressed to ROLE, read with the staff handbook")
    whom.add_argument("--audience", metavar="ROLE", help="everything ROLE must read in one PDF: the policies "
                      "for all staff and those for ROLE")


@command("handbook", "build the staff handbook PDF", options=_handbook_options,
         today="edition date, and the day reviews are overdue from (default today)")
def cmd_handbook(args: argparse.Namespace) -> ExitCode:
    """Lint errors and a policy that cannot be typeset are findings (exit 1); a bad command line, role or
    setting is a usage error (exit 2)."""
    from policybook.corpus import load_corpus
    from policybook.findings import printable
    from policybook.handbook.builder import Variant, build_handbooks
    from policybook.handbook.convert import PolicyContentError
    from policybook.handbook.editions import STAFF_HANDBOOK, STAFF_HANDBOOK_LARGE, edition_path, safe_stem
    from policybook.lint import lint_corpus, staff_publication_blockers
    from policybook.views.addresses import site_urls

    corpus = load_corpus(root_from(args), today(args))
    errors = staff_publication_blockers(corpus, lint_corpus(corpus).findings)
    if errors:
        for item in errors:
            print(item.as_line(), file=sys.stderr)
        print(f"policybook: {len(errors)} lint error(s): the handbook would be incomplete or wrong, so it was "
              "not built", file=sys.stderr)
        return ExitCode.FINDINGS
    # By default the file goes where the staff site publishes it: handbook/roles/ROLE.pdf for a role's edition.
    if args.role:
        name = edition_path(corpus, args.role, args.large_print)
    elif args.audience:
        name = f"staff-handbook-{safe_stem(args.audience)}{'-large-print' if args.large_print else ''}.pdf"
    else:
        name = STAFF_HANDBOOK_LARGE if args.large_print else STAFF_HANDBOOK
    out = Path(args.out) if args.out else corpus.root / "site" / "handbook" / name
    variant = Variant(out, args.large_print, args.role)
    try:
        [written] = build_handbooks(corpus, [variant], audience=args.audience, site_urls=site_urls(corpus))
    except PolicyContentError as exc:
        print(f"{printable(exc.path)}: error: {printable(exc.message)}", file=sys.stderr)
        print("policybook: the handbook was not built: fix this policy", file=sys.stderr)
        return ExitCode.FINDINGS
    print(f"wrote {written}")
    return ExitCode.OK
