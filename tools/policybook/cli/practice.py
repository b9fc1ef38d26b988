"""Commands on what the service does: ``due`` (everything that falls due, in one list) and the records
of work done: ``serviced``, ``checked`` and ``trained``."""

from __future__ import annotations

import argparse
import json
import sys

from policybook.cli.context import corpus_for
from policybook.cli.registry import AS_ON_TODAY, command
from policybook.corpus import Corpus
from policybook.exitcodes import ExitCode
from policybook.findings import Finding, blocking, printable


def _due_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--within", type=int, metavar="DAYS",
                        help="also list everything else due in the next DAYS days (by default: what is overdue, and "
                             "what is due soon by practice.due_soon_days and review.due_soon_days)")


@command("due", "everything overdue or due: reviews, servicing, checks, risks, training, appraisals, reading; "
         "exits 1 when anything is overdue", options=_due_options, today=AS_ON_TODAY,
         formats=("table", "json", "ics"))
def cmd_due(args: argparse.Namespace) -> ExitCode:
    from policybook.evidence.due import due_now
    from policybook.views.due import as_dict, as_ics, as_table

    if args.within is not None and args.within < 0:
        from policybook.errors import PolicybookError

        raise PolicybookError(f"--within: {args.within} days: give 0 or more")
    corpus = corpus_for(args)
    problems = _untrustworthy(corpus)
    items = due_now(corpus, args.within)
    if args.format == "json":
        report = as_dict(corpus, items, args.within)
        report["findings"] = [f.as_dict() for f in problems]
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif args.format == "ics":
        sys.stdout.buffer.write(as_ics(corpus, items))
    else:
        sys.stdout.write(as_table(items, args.within))
    if problems and args.format != "json":
        for item in problems:
            print(item.as_line(), file=sys.stderr)
    return ExitCode.FINDINGS if problems or any(i.overdue for i in items) else ExitCode.OK


def _untrustworthy(corpus: Corpus) -> list[Finding]:
    """The errors that make the list incomplete or wrong: unreadable policies, registers and records, and
    the practice rules' own errors (a risk nobody owns, a record that does not count)."""
    from policybook.checks.practice import (
        check_owners_held,
        check_practice_records,
        check_register_dates,
        check_risk_actions,
    )
    from policybook.checks.records import check_records_chain
    from policybook.checks.references import check_register_entries
    from policybook.checks.schema import check_schema

    problems = blocking(corpus.load_findings) + blocking(check_schema(corpus))
    for found in (check_register_entries, check_owners_held, check_practice_records, check_risk_actions,
                  check_register_dates, check_records_chain):
        problems += blocking(found(corpus))
    unique = {(f.path, f.line, f.column, f.rule, f.message): f for f in problems}
    return sorted(unique.values(), key=lambda f: (f.path, f.line, f.column))


def _serviced_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("item", metavar="ITEM", help="equipment id")
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="the day it was serviced (default today)")
    parser.add_argument("--by", required=True, metavar="WHO", help="who serviced it: the company, or a member of staff")
    parser.add_argument("--note", default="", help="what was done, a certificate number")


@command("serviced", "record that equipment was serviced (a chained record; moves last_serviced forward)",
         options=_serviced_options)
def cmd_serviced(args: argparse.Namespace) -> ExitCode:
    from policybook.control.practice import record_servicing

    corpus = corpus_for(args)
    day = record_servicing(corpus, args.item, args.on, args.by, args.note)
    print(f"recorded: {args.item} serviced on {day} by {printable(args.by.strip())}")
    return ExitCode.OK


def _checked_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("check", metavar="CHECK", help="check id from registers/checks.yml")
    parser.add_argument("--by", required=True, metavar="STAFF", help="staff id of who carried it out")
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="the day it was done (default today)")
    parser.add_argument("--note", default="", help="what was found or done")


@command("checked", "record that a scheduled check was carried out (a chained record)", options=_checked_options)
def cmd_checked(args: argparse.Namespace) -> ExitCode:
    from policybook.control.practice import record_check

    corpus = corpus_for(args)
    day = record_check(corpus, args.check, args.by, args.on, args.note)
    print(f"recorded: {args.check} done on {day} by {args.by}")
    return ExitCode.OK


def _trained_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("staff", metavar="STAFF", help="staff id")
    parser.add_argument("course", metavar="COURSE", help="course id from registers/training.yml")
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="the day it was completed (default today)")
    parser.add_argument("--note", default="", help="provider, certificate number")


@command("trained", "record that a member of staff completed a course (a chained record)",
         options=_trained_options)
def cmd_trained(args: argparse.Namespace) -> ExitCode:
    from policybook.control.practice import record_training

    corpus = corpus_for(args)
    day = record_training(corpus, args.staff, args.course, args.on, args.note)
    print(f"recorded: {args.staff} completed {args.course} on {day}")
    return ExitCode.OK
