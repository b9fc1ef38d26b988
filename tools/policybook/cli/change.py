"""Commands that change policies: ``new``, ``approve``, ``bump`` and ``reviewed`` (see control/changes.py)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

from policybook.cli.context import corpus_for
from policybook.cli.registry import AS_ON_TODAY, command
from policybook.exitcodes import ExitCode
from policybook.findings import printable


def _new_options(parser: argparse.ArgumentParser) -> None:
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--category", help="a category id from policybook.yml: a new policy")
    kind.add_argument("--public", action="store_true", help="a new leaflet or notice for patients, in paths.public")
    kind.add_argument("--edition-of", metavar="ID", help="a new translation (--lang) or easy-read edition "
                      "(--easy-read) of the document for patients ID, made from its version in force")
    parser.add_argument("--title", help="the title (required for a policy or a document for patients)")
    parser.add_argument("--owner", metavar="ROLE", help="the accountable role (default registered-manager)")
    parser.add_argument("--author", help="who writes it (default git config user.name)")
    parser.add_argument("--guidance", metavar="ID", action="append", help="external guidance id (repeatable)")
    parser.add_argument("--lang", metavar="TAG", help="an edition's language, a BCP 47 tag (ar, bn, pa-Guru)")
    parser.add_argument("--easy-read", action="store_true", help="an easy-read edition")
    parser.add_argument("--checked-by", metavar="NAME", help="an edition's translator or easy-read reviewer")


@command("new", "start a new policy, document for patients or edition as draft 0.1", options=_new_options,
         today=AS_ON_TODAY)
def cmd_new(args: argparse.Namespace) -> ExitCode:
    from policybook.control.changes import new_policy
    from policybook.control.public_new import new_edition, new_public_document
    from policybook.errors import PolicybookError

    edition_only = [name for name, given in (("--lang", args.lang), ("--easy-read", args.easy_read),
                                             ("--checked-by", args.checked_by)) if given]
    if edition_only and not args.edition_of:
        raise PolicybookError(f"{edition_only[0]}: only an edition (--edition-of ID) takes it")
    if args.guidance and not args.category:
        raise PolicybookError("--guidance: only a policy (--category) cites external guidance")
    corpus = corpus_for(args)
    if args.edition_of:
        if args.lang is None and not args.easy_read:
            raise PolicybookError("--edition-of: give the edition's language (--lang) or --easy-read, or both")
        if not args.checked_by:
            raise PolicybookError("--edition-of: name who checks the edition against its source (--checked-by)")
        change = new_edition(corpus, args.edition_of, args.lang, args.easy_read, args.checked_by, args.author)
    elif not args.title:
        raise PolicybookError("--title: give the title")
    elif args.public:
        change = new_public_document(corpus, args.title, args.owner, args.author)
    else:
        change = new_policy(corpus, args.category, args.title, args.owner, args.author, args.guidance or [])
    print(printable(change.summary))
    return ExitCode.OK


_ID_HELP = ("a policy's id (HS-002), a document for patients' id (PUB-001), an edition's (PUB-001-ar, "
            "PUB-001-en-GB-easy-read), or the file's path")


def _approve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help=_ID_HELP)
    parser.add_argument("--by", required=True, metavar="ROLE", help="the approving role")
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="approval date (default today)")
    parser.add_argument("--summary", help="what this version changes (for the history)")
    _key_option(parser)
    _accept_options(parser)


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", metavar="PATH", help="your OpenSSH signing key (default: git config "
                        "user.signingkey); its public key must be listed for you in registers/staff.yml")


def _accept_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accept", metavar="RULE", action="append",
                        help="accept the warnings of RULE that approvals.blocking_warnings holds back (repeatable; "
                        "each with its --because)")
    parser.add_argument("--because", metavar="TEXT", action="append",
                        help="why the --accept before it is accepted: kept in the history and the signed statement")


def _gated(work: Callable[[], tuple[Iterable[str], Iterable[str]]]) -> ExitCode:
    """Run a gated command: show every lint finding the gate saw (refused or not), then what was done."""
    from policybook.control.changes import GateRefused

    try:
        findings, lines = work()
    except GateRefused as refused:
        for line in refused.findings:
            print(printable(line))
        raise
    for line in [*findings, *lines]:  # names and titles come from files: one printed line each
        print(printable(line))
    return ExitCode.OK


@command("approve", "approve a draft: publish it and record the approval", options=_approve_options,
         today=AS_ON_TODAY)
def cmd_approve(args: argparse.Namespace) -> ExitCode:
    from policybook.control.changes import acceptances, approve

    def work() -> tuple[Iterable[str], Iterable[str]]:
        change = approve(corpus_for(args), args.id, args.by, args.on, args.summary, args.key,
                         acceptances(args.accept, args.because))
        return change.findings, [change.summary]

    return _gated(work)


def _bump_options(parser: argparse.ArgumentParser) -> None:
    level = parser.add_mutually_exclusive_group(required=True)
    level.add_argument("--major", action="store_true", help="a change to what staff must do: all must re-read")
    level.add_argument("--minor", action="store_true", help="a correction or clarification")
    parser.add_argument("id", help=_ID_HELP)
    parser.add_argument("--summary", required=True, help="what changes and why")
    parser.add_argument("--author", help="who makes the change")


@command("bump", "start the next version of an approved policy as a draft", options=_bump_options,
         today=AS_ON_TODAY)
def cmd_bump(args: argparse.Namespace) -> ExitCode:
    from policybook.control.changes import bump

    print(printable(bump(corpus_for(args), args.id, args.major, args.summary, args.author).summary))
    return ExitCode.OK


def _reviewed_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help=_ID_HELP)
    parser.add_argument("--by", required=True, metavar="ROLE")
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="review date (default today)")
    parser.add_argument("--note", help="what the review found")
    _key_option(parser)
    _accept_options(parser)


@command("reviewed", "record a review that changed nothing", options=_reviewed_options, today=AS_ON_TODAY)
def cmd_reviewed(args: argparse.Namespace) -> ExitCode:
    from policybook.control.changes import acceptances, reviewed

    def work() -> tuple[Iterable[str], Iterable[str]]:
        change = reviewed(corpus_for(args), args.id, args.by, args.on, args.note, args.key,
                          acceptances(args.accept, args.because))
        return change.findings, [change.summary]

    return _gated(work)


def _sign_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID", help="the approved policies or documents for patients to sign "
                        "(as for approve: HS-002, PUB-001, PUB-001-ar, or a file's path)")
    parser.add_argument("--all", action="store_true", help="every approved policy and document for patients (a "
                        "library adopted from paper)")
    parser.add_argument("--refresh-signers", action="store_true",
                        help="only rewrite records/allowed_signers from registers/staff.yml")
    parser.add_argument("--yes", action="store_true",
                        help="for a policy approved on paper (no fingerprint): record its fingerprint and sign "
                        "without asking")
    _key_option(parser)
    _accept_options(parser)


def _ask_to_sign(lines: list[str]) -> bool:
    """Show what signing an approval made on paper will record, and ask (standard input: y or yes)."""
    print("Approved on paper: signing records that the text as it stands now is the text approved:")
    for line in lines:
        print(f"  {printable(line)}")
    print("Sign these? [y/N] ", end="", flush=True)
    try:
        answer = input()
    except EOFError:
        print()
        answer = ""
    return answer.strip().casefold() in ("y", "yes")


@command("sign", "sign the current approval of policies already approved (on paper, say)", options=_sign_options,
         today=AS_ON_TODAY)
def cmd_sign(args: argparse.Namespace) -> ExitCode:
    from policybook.control.changes import acceptances, refresh_signers, sign_current

    corpus = corpus_for(args)
    if args.refresh_signers:
        print(refresh_signers(corpus))
        return ExitCode.OK
    confirm = (lambda _lines: True) if args.yes else _ask_to_sign
    return _gated(lambda: ((), sign_current(corpus, args.ids, args.key, args.all,
                                            acceptances(args.accept, args.because), confirm)))
