"""The read-and-understood service: ``policybook confirmations serve|remind|report|verify|kit``.

``serve`` runs the web service; ``remind`` lists (and with ``--send`` e-mails) everyone with
confirmations outstanding; ``report`` shows completion per policy and per role; ``verify`` checks the
hash chain of the database and, offline, of records/confirmations.jsonl; ``kit DIR`` writes the files that
run it on one small server (confirm/kit.py). ``policybook ack pull``
(cli/records.py) copies confirmations into the records file.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from policybook.cli.context import corpus_for
from policybook.cli.registry import AS_ON_TODAY, command
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.exitcodes import ExitCode
from policybook.tables import text_table

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from policybook.config import ConfirmationSettings

ACTIONS = ("serve", "remind", "report", "verify", "kit")


def settings_of(corpus: Corpus) -> ConfirmationSettings:
    settings = corpus.config.confirmations
    if settings is None:
        raise PolicybookError("policybook.yml has no confirmations section: see docs/guide/confirmations.md")
    return settings


def open_database(corpus: Corpus) -> Engine:
    """The service's database, migrated to the current schema."""
    try:
        from policybook.confirm.database import connect, database_url
        from policybook.confirm.migrations import migrate
    except ImportError as exc:
        raise PolicybookError(f"the confirmations service needs its extra packages ({exc.name}): "
                              "pip install 'policybook[confirmations]'") from None
    engine = connect(database_url(settings_of(corpus), corpus.root))
    try:
        migrate(engine)
    except Exception as exc:  # a database that cannot be reached: one line, not a traceback
        raise PolicybookError(f"cannot open the confirmations database: {str(exc).splitlines()[0]}") from None
    return engine


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help="serve: run the web service; remind: who has "
                        "confirmations outstanding; report: completion per policy and role; verify: check the chain")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="serve: port (default 8090)")
    parser.add_argument("--send", action="store_true", help="remind: e-mail each person who is due a reminder")
    parser.add_argument("kit_directory", nargs="?", metavar="DIR",
                        help="kit: the new (or empty) directory to write the kit into")
    kit = parser.add_argument_group("kit", "the deployment kit for one server (docs/guide/deploying.md); --host and "
                                    "--port are where the service listens behind Caddy")
    kit.add_argument("--site", help="the host name staff use, e.g. confirm.example.org (required)")
    for option, default, what in (("--library", "/srv/policies", "the library's checkout"),
                                  ("--user", "policybook", "the service's system user"),
                                  ("--data", "/var/lib/policybook", "the database's folder and the user's home"),
                                  ("--backups", "/var/backups/policybook", "where backups are written"),
                                  ("--policybook", "/opt/policybook/bin/policybook", "the installed command"),
                                  ("--scripts", "/usr/local/lib/policybook", "where the kit's scripts go"),
                                  ("--env-file", "/etc/policybook/confirm.env", "where the secrets go")):
        kit.add_argument(option, default=default, help=f"{what} (default {default})")
    kit.add_argument("--database", default="",
                     help="postgresql://USER:PASSWORD@HOST/NAME (default: SQLite in --data)")
    kit.add_argument("--tls", choices=("acme", "internal"), default="acme",
                     help="acme: a public certificate (default); internal: Caddy's own authority (private network)")
    kit.add_argument("--acme-email", default="", help="the address the certificate authority may write to")
    kit.add_argument("--http-port", type=int, default=80, help="Caddy's HTTP port (default 80)")
    kit.add_argument("--https-port", type=int, default=443, help="Caddy's HTTPS port (default 443)")
    kit.add_argument("--auth-port", type=int, default=4180, help="the sign-in proxy's port (default 4180)")
    kit.add_argument("--proxy-header", default="X-Forwarded-Email", help="the header naming the signed-in person")
    kit.add_argument("--force", action="store_true", help="kit: replace the kit's files in a directory that has files")


@command("confirmations", "the read-and-understood service: serve, remind [--send], report, verify, kit DIR",
         options=_options, today=AS_ON_TODAY, formats=("table", "json"), format_help="for remind and report")
def cmd_confirmations(args: argparse.Namespace) -> ExitCode:
    if args.action == "kit":
        return _kit(args)
    corpus = corpus_for(args)
    settings = settings_of(corpus)
    if args.action == "serve":
        from policybook.confirm.server import serve

        if not 0 < args.port < 65536:
            raise PolicybookError(f"--port {args.port}: not a port number")
        open_database(corpus).dispose()
        serve(corpus.root, settings, args.host, args.port)
        return ExitCode.OK
    engine = open_database(corpus)
    if args.action == "remind":
        return _remind(args, corpus, engine, settings)
    if args.action == "report":
        return _report(args, corpus, engine)
    return _verify(corpus, engine)


def _kit(args: argparse.Namespace) -> ExitCode:
    from pathlib import Path

    from policybook.confirm.kit import KitValues, write_kit

    if not args.kit_directory:
        raise PolicybookError("confirmations kit: name the directory to write the kit into")
    if not args.site:
        raise PolicybookError("confirmations kit: --site HOST is required (the name staff will use)")
    values = KitValues(site=args.site, library=args.library, user=args.user, data=args.data, backups=args.backups,
                       policybook=args.policybook, scripts=args.scripts, env_file=args.env_file,
                       database=args.database, listen=args.host, port=args.port, tls=args.tls,
                       acme_email=args.acme_email, http_port=args.http_port, https_port=args.https_port,
                       auth_port=args.auth_port, proxy_header=args.proxy_header)
    directory = Path(args.kit_directory)
    written = write_kit(directory, values, force=args.force)
    print(f"wrote the deployment kit for {values.site.strip().lower()} into {directory} ({len(written)} files); "
          f"{directory}/README.txt says where each goes, docs/guide/deploying.md the rest")
    return ExitCode.OK


def _remind(args: argparse.Namespace, corpus: Corpus, engine: Engine, settings: ConfirmationSettings) -> ExitCode:
    from policybook.confirm.remind import plan, send_reminders

    planned = plan(corpus, engine, settings)
    if args.send:
        send_reminders(corpus, engine, settings, planned)
    if args.format == "json":
        print(json.dumps({"today": corpus.today.isoformat(), "reminders": [r.as_dict() for r in planned]}, indent=2))
    elif not planned:
        print("Nobody has a confirmation outstanding.")
    else:
        rows = [["Staff", "Outstanding", "Longest (days)", "Last reminded", "Reminder", "Copy to"]]
        for item in planned:
            longest = max((i.days for i in item.items if i.days is not None), default=None)
            if args.send:
                state = "sent" if item.sent else (item.problem or ("no address" if item.address is None
                                                                   else "not due"))
            else:
                state = "due" if item.due else "not due"
            rows.append([f"{item.member.name} ({item.member.id})", ", ".join(i.policy.id or "" for i in item.items),
                         str(longest if longest is not None else ""), str(item.last_sent or "never"), state,
                         ", ".join(item.copy_to)])
        sys.stdout.write(text_table(rows))
    failed = any(r.problem for r in planned)
    return ExitCode.FINDINGS if failed else ExitCode.OK


def _report(args: argparse.Namespace, corpus: Corpus, engine: Engine) -> ExitCode:
    from policybook.confirm.progress import completion

    policies, roles = completion(corpus, engine)
    if args.format == "json":
        print(json.dumps({"today": corpus.today.isoformat(), "policies": [p.as_dict() for p in policies],
                          "roles": [r.as_dict() for r in roles]}, indent=2))
        return ExitCode.OK
    for heading, items in (("Policy", policies), ("Role", roles)):
        rows = [[heading, "Confirmed", "Of", "Complete"]]
        rows += [[i.title, str(i.confirmed), str(i.required), f"{i.percent}%"] for i in items]
        sys.stdout.write(text_table(rows) + "\n")
    return ExitCode.OK


def _verify(corpus: Corpus, engine: Engine) -> ExitCode:
    from policybook.confirm.ledger import verify_database
    from policybook.control.pull import EVIDENCE, evidence_matches_database, verify_evidence

    rows, problems = verify_database(engine)
    evidence_rows, evidence_problems = verify_evidence(corpus)
    mismatch = evidence_matches_database(corpus, engine) if not evidence_problems else None
    evidence_problems += [mismatch] if mismatch else []
    for problem in [*(f"database: {p}" for p in problems), *evidence_problems]:
        print(problem, file=sys.stderr)
    if problems or evidence_problems:
        return ExitCode.FINDINGS
    print(f"database: {rows} confirmations; {EVIDENCE}: {evidence_rows}; both hash chains are unbroken")
    return ExitCode.OK
