"""Commands on the records: ``history`` and ``asof`` (from git), ``review`` (the calendar) and ``ack``
(read-and-understood, with its report). Reports list unreadable policies on stderr and exit 1."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from policybook.cli.context import corpus_for
from policybook.cli.registry import AS_ON_TODAY, command
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.exitcodes import ExitCode
from policybook.findings import Finding, blocking, printable
from policybook.tables import text_table


def _id_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help="a policy's id, a document for patients' (PUB-001), an edition's (PUB-001-ar), or "
                        "the file's path")


@command("history", "every approved version of a policy, from git", options=_id_option, formats=("table", "json"))
def cmd_history(args: argparse.Namespace) -> ExitCode:
    import json

    from policybook.evidence.history import recorded_versions

    corpus = corpus_for(args)
    policy = corpus.find(args.id)
    versions = recorded_versions(corpus.root, policy)
    if args.format == "json":
        print(json.dumps({"id": policy.statement_key, "versions": [v.as_dict() for v in versions]}, indent=2))
        return ExitCode.OK
    if not versions:
        print(printable(f"{policy.label} has no approved version in the git history of {policy.rel}"))
        return ExitCode.OK
    rows = [["Version", "In force from", "Until", "Approved by", "Summary"]]
    rows += [[v.version + ("" if v.proven else " *"), str(v.approved_on), str(v.in_force_to or "now"),
              v.approved_by, v.summary] for v in reversed(versions)]
    note = ("* from the policy's own history, from before its file's git history: not proven by git\n"
            if any(not v.proven for v in versions) else "")
    accepted = "".join(printable(f"Version {v.version} accepted {rule}: {because}") + "\n"
                       for v in reversed(versions) for rule, because in v.accepted)
    sys.stdout.write(printable(f"{policy.label} {policy.title}") + "\n" + text_table(rows) + note + accepted)
    return ExitCode.OK


def _date_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("date", metavar="YYYY-MM-DD")


@command("asof", "which version of each policy was in force on a date, from git", options=_date_option,
         formats=("table", "json"))
def cmd_asof(args: argparse.Namespace) -> ExitCode:
    import json

    from policybook.evidence.history import in_force_on, recorded_versions

    corpus = corpus_for(args)
    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        raise PolicybookError(f"'{args.date}' is not a date: write YYYY-MM-DD") from None
    rows = []
    for policy in sorted(corpus.policies, key=lambda p: p.id or ""):
        if not policy.id:
            continue
        record = in_force_on(recorded_versions(corpus.root, policy), day)
        rows.append({"id": policy.id, "title": policy.title, "version": record.version if record else None,
                     "approved_on": record.approved_on.isoformat() if record else None,
                     "in_force_to": (record.in_force_to.isoformat() if record and record.in_force_to else None),
                     "source": record.source.value if record else None})
    if args.format == "json":
        print(json.dumps({"date": day.isoformat(), "policies": rows}, indent=2))
        return ExitCode.OK
    table = [["Id", "Policy", "Version in force", "Since"]]
    for r in rows:
        marked = " *" if r["source"] == "document" else ""
        table.append([r["id"] or "", r["title"] or "", (r["version"] or "not yet issued") + marked,
                      r["approved_on"] or ""])
    note = ("* from the policy's own history, from before its file's git history: not proven by git\n"
            if any(r["source"] == "document" for r in rows) else "")
    sys.stdout.write(f"In force on {day}:\n" + text_table(table) + note)
    return ExitCode.OK


def _review_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--within", type=int, default=90, metavar="DAYS", help="window (default 90)")


@command("review", "the review calendar: overdue and due policies", options=_review_options, today=AS_ON_TODAY,
         formats=("table", "json", "ics"))
def cmd_review(args: argparse.Namespace) -> ExitCode:
    import json

    from policybook.evidence.due import Kind, due_now
    from policybook.views.calendar import as_table, due_reviews
    from policybook.views.due import as_ics

    corpus = corpus_for(args)
    incomplete = _unreadable(corpus)
    due = due_reviews(corpus, args.within)
    if args.format == "json":
        print(json.dumps({"today": corpus.today.isoformat(), "within_days": args.within,
                          "reviews": [d.as_dict() for d in due]}, indent=2))
    elif args.format == "ics":
        reviews = [i for i in due_now(corpus, args.within) if i.kind is Kind.REVIEW]
        sys.stdout.buffer.write(as_ics(corpus, reviews, "policy reviews"))
    else:
        sys.stdout.write(as_table(due, args.within))
    return ExitCode.FINDINGS if incomplete else ExitCode.OK


def _ack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("words", nargs="+", metavar="STAFF POLICY | report")
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="date read (default today)")
    parser.add_argument("--version", help="the version read (refused unless it is the current one)")
    parser.add_argument("--without-macs", action="store_true",
                        help="ack pull: pull without the record key (every check but the rows' MACs)")


@command("ack", "record that staff read a policy (ack STAFF POLICY); 'ack report', 'ack verify', 'ack seal', "
         "'ack pull [--without-macs]'",
         options=_ack_options,
         today=AS_ON_TODAY, formats=("table", "json", "csv"), format_help="for 'ack report'")
def cmd_ack(args: argparse.Namespace) -> ExitCode:
    import csv
    import json

    from policybook.control.acknowledgements import acknowledge, seal
    from policybook.evidence.records import chain_problems, outstanding, read_records

    corpus = corpus_for(args)
    if args.words == ["verify"]:
        problems = chain_problems(corpus)
        for line, problem in problems:
            print(f"records/acknowledgements.csv:{line}: {problem}", file=sys.stderr)
        if not problems:
            print(f"{len(read_records(corpus))} records; the hash chain is unbroken")
        return ExitCode.FINDINGS if problems else ExitCode.OK
    if args.words == ["seal"]:
        print(seal(corpus))
        return ExitCode.OK
    if args.words == ["pull"]:
        return _pull(corpus, args.without_macs)
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
                writer.writerow([spreadsheet_safe(row[k]) for k in ("staff", "name", "policy", "title", "version",
                                                                    "since", "days_outstanding")])
        elif not items:
            print("Everyone has confirmed the current major version of every policy they must read.")
        else:
            rows = [["Staff", "Policy", "Version", "Outstanding since", "Days"]]
            rows += [[f"{i.staff.name} ({i.staff.id})", f"{i.policy.id} {i.policy.title}", i.policy.version_text or "",
                      str(i.since or ""), str(i.days if i.days is not None else "")] for i in items]
            sys.stdout.write(text_table(rows))
        return ExitCode.FINDINGS if incomplete else ExitCode.OK
    if len(args.words) != 2:
        raise PolicybookError("usage: policybook ack STAFF POLICY [--on DATE] | ack report | ack verify | ack seal | "
                              "ack pull")
    record = acknowledge(corpus, args.words[0], args.words[1], args.on, args.version)
    print(f"recorded: {record.staff} read {record.policy} version {record.version} on {record.date}")
    return ExitCode.OK


def _pull(corpus: Corpus, without_macs: bool = False) -> ExitCode:
    """Append the confirmations service's new confirmations to the records (see control/pull.py); without
    the record key only when told to (``--without-macs``)."""
    from policybook.cli.confirm import NO_RECORD_KEY, open_database, pull_key
    from policybook.control.pull import EVIDENCE, pull

    key = pull_key(without_macs)
    engine = open_database(corpus)
    try:
        pulled = pull(corpus, engine, key)
    finally:
        engine.dispose()
    if key is None:
        print(NO_RECORD_KEY, file=sys.stderr)
    print(f"pulled {pulled.rows} confirmation{'s' if pulled.rows != 1 else ''} (to row {pulled.last_seq}): "
          f"{pulled.records} new line{'s' if pulled.records != 1 else ''} in records/acknowledgements.csv, "
          f"the evidence in {EVIDENCE.as_posix()}")
    return ExitCode.OK


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that a spreadsheet will show as text: one that starts like a formula gets a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _unreadable(corpus: Corpus) -> list[Finding]:
    """Policies a report cannot see (unreadable files, broken frontmatter): a report that silently left
    them out would mislead, so they are listed on stderr and the command exits 1."""
    from policybook.checks.schema import check_schema

    problems = blocking(corpus.load_findings) + blocking(check_schema(corpus))
    for item in sorted(problems, key=lambda f: (f.path, f.line, f.column)):
        print(item.as_line(), file=sys.stderr)
    return problems
