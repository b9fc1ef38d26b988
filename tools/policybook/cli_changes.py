"""Commands that change policies: new, approve, bump and reviewed (see changes.py)."""

from __future__ import annotations

import argparse

from policybook.cli_common import corpus_for
from policybook.exitcodes import ExitCode


def cmd_new(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import new_policy

    print(new_policy(corpus_for(args), args.category, args.title, args.owner, args.author, args.guidance or []).summary)
    return ExitCode.OK


def cmd_approve(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import approve

    print(approve(corpus_for(args), args.id, args.by, args.on, args.summary).summary)
    return ExitCode.OK


def cmd_bump(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import bump

    print(bump(corpus_for(args), args.id, args.major, args.summary, args.author).summary)
    return ExitCode.OK


def cmd_reviewed(args: argparse.Namespace) -> ExitCode:
    from policybook.changes import reviewed

    print(reviewed(corpus_for(args), args.id, args.by, args.on, args.note).summary)
    return ExitCode.OK
