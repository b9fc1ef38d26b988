"""The read-and-understood service: ``policybook confirmations
serve|remind|report|verify|migrate|seal-old-rows|kit``.

``serve`` runs the web service; ``remind`` lists (and with ``--send`` e-mails) everyone with
confirmations outstanding; ``report`` shows completion per policy and per role; ``verify`` checks the
database's rows and records/confirmations.jsonl (``--offline``: the file alone, no database opened);
``migrate`` brings the database's schema up to date (as its owner); ``seal-old-rows`` gives a MAC to the
rows made before MACs existed; ``kit DIR`` writes the files that run it on one small server
(confirm/kit.py). ``policybook ack pull`` (cli/records.py) copies confirmations into the records file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
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

ACTIONS = ("serve", "remind", "report", "verify", "migrate", "seal-old-rows", "kit")


def settings_of(corpus: Corpus) -> ConfirmationSettings:
    settings = corpus.config.confirmations
    if settings is None:
        raise PolicybookError("policybook.yml has no confirmations section: see docs/guide/confirmations.md")
    return settings


def _database_url(corpus: Corpus) -> str:
    try:
        from policybook.confirm.database import database_url
    except ImportError as exc:
        raise PolicybookError(f"the confirmations service needs its extra packages ({exc.name}): "
                              "pip install 'policybook[confirmations]'") from None
    return database_url(settings_of(corpus), corpus.root)


def open_database(corpus: Corpus) -> Engine:
    """The service's database, migrated to the current schema."""
    from policybook.confirm.database import connect
    from policybook.confirm.migrations import migrate

    engine = connect(_database_url(corpus))
    try:
        migrate(engine)
    except Exception as exc:  # a database that cannot be reached: one line, not a traceback
        engine.dispose()
        raise PolicybookError(f"cannot open the confirmations database: {str(exc).splitlines()[0]}") from None
    return engine


def existing_database(corpus: Corpus) -> Engine:
    """The service's database as it is, for checking: never created, never migrated."""
    from policybook.confirm.database import connect
    from policybook.confirm.migrations import STEPS, current_version

    url = _database_url(corpus)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise PolicybookError(f"there is no confirmations database at {url.removeprefix('sqlite:///')}: "
                              "check the evidence file alone with --offline")
    engine = connect(url)
    try:
        version = current_version(engine)
    except Exception as exc:  # a database that cannot be reached: one line, not a traceback
        engine.dispose()
        raise PolicybookError(f"cannot open the confirmations database: {str(exc).splitlines()[0]}") from None
    if version < len(STEPS):
        engine.dispose()
        raise PolicybookError(f"the confirmations database is at schema {version}, not {len(STEPS)}: run "
                              "policybook confirmations migrate first")
    return engine


def record_key() -> bytes | None:
    from policybook.confirm.keys import RECORD_KEY_VARIABLE, key_from_environment

    return key_from_environment(RECORD_KEY_VARIABLE)


NO_RECORD_KEY = ("MACs not checked: POLICYBOOK_CONFIRM_RECORD_KEY (or _FILE) is not set here, so a row forged by "
                 "someone who can write the database would pass; run policybook confirmations verify "
                 "--require-macs where the service's key is")


def pull_key(without_macs: bool) -> bytes | None:
    """The record key for ``ack pull``, which refuses to run without it unless ``without_macs``: what it
    pulls becomes a record in git for good, so a row is not let through unchecked by default."""
    key = record_key()
    if key is None and not without_macs:
        raise PolicybookError("ack pull checks each row's MAC before it becomes a record, and "
                              "POLICYBOOK_CONFIRM_RECORD_KEY (or _FILE) is not set here: run it where the service's "
                              "key is (the kit's records timer has it), or give --without-macs to pull with every "
                              "other check; nothing was pulled")
    return key


def verify_key(require_macs: bool) -> bytes | None:
    """The record key for ``confirmations verify``; with ``require_macs``, one line and no check without it."""
    key = record_key()
    if key is None and require_macs:
        raise PolicybookError("verify --require-macs: POLICYBOOK_CONFIRM_RECORD_KEY (or _FILE) is not set here, so "
                              "the rows' MACs cannot be checked; give the service's record key; nothing was checked")
    return key


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help="serve: run the web service; remind: who has "
                        "confirmations outstanding; report: completion per policy and role; verify: check every "
                        "row; migrate: bring the schema up to date (as the owner); seal-old-rows: MACs for rows "
                        "made before MACs; kit DIR: the deployment kit")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="serve: port (default 8090)")
    parser.add_argument("--send", action="store_true", help="remind: e-mail each person who is due a reminder")
    parser.add_argument("--offline", action="store_true",
                        help="verify: check records/confirmations.jsonl alone, without opening any database")
    parser.add_argument("--require-macs", action="store_true",
                        help="verify: fail unless the record key is here, so every row's MAC is checked")
    parser.add_argument("--throwaway-keys", action="store_true",
                        help="serve: random keys for this run only, to try the service out (never in production)")
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


@command("confirmations", "the read-and-understood service: serve, remind [--send], report, verify [--offline], "
         "[--require-macs], migrate, seal-old-rows, kit DIR",
         options=_options, today=AS_ON_TODAY, formats=("table", "json"), format_help="for remind and report")
def cmd_confirmations(args: argparse.Namespace) -> ExitCode:
    if args.action == "kit":
        return _kit(args)
    corpus = corpus_for(args)
    settings = settings_of(corpus)
    if args.action == "serve":
        return _serve(args, corpus, settings)
    if args.action == "verify":
        return _verify(corpus, args.offline, args.require_macs)
    engine = open_database(corpus)
    if args.action == "migrate":
        from policybook.confirm.migrations import current_version

        print(f"the confirmations database is at schema {current_version(engine)}")
        engine.dispose()
        return ExitCode.OK
    if args.action == "seal-old-rows":
        return _seal_old_rows(corpus, engine)
    if args.action == "remind":
        return _remind(args, corpus, engine, settings)
    return _report(args, corpus, engine)


def _serve(args: argparse.Namespace, corpus: Corpus, settings: ConfirmationSettings) -> ExitCode:
    import os

    from policybook.confirm.keys import RECORD_KEY_VARIABLE, SECRET_VARIABLE, new_key_text, service_keys
    from policybook.confirm.server import serve

    if not 0 < args.port < 65536:
        raise PolicybookError(f"--port {args.port}: not a port number")
    if args.throwaway_keys:
        for variable in (SECRET_VARIABLE, RECORD_KEY_VARIABLE):
            os.environ.pop(f"{variable}_FILE", None)
            os.environ[variable] = new_key_text()
        print("confirmations: throwaway keys for this run only: sessions end when it stops, and the MACs of rows "
              "it makes cannot be checked afterwards", file=sys.stderr)
    service_keys()  # refuse to start without them, in one line, before anything else
    open_database(corpus).dispose()
    serve(corpus.root, settings, args.host, args.port)
    return ExitCode.OK


def _seal_old_rows(corpus: Corpus, engine: Engine) -> ExitCode:
    """MACs for the rows made before MACs existed, once every row has been checked."""
    from policybook.confirm.keys import RECORD_KEY_VARIABLE
    from policybook.confirm.ledger import every_row, seal_old_rows
    from policybook.control.pull import row_problems

    key = record_key()
    try:
        if key is None:
            raise PolicybookError(f"seal-old-rows needs the service's record key in {RECORD_KEY_VARIABLE}")
        problems = row_problems(corpus, list(every_row(engine)), None)
        if problems:
            for problem in problems:
                print(f"database: {problem}", file=sys.stderr)
            raise PolicybookError("nothing was sealed: the rows above are wrong")
        sealed = seal_old_rows(engine, key)
    finally:
        engine.dispose()
    print(f"sealed {len(sealed)} row{'s' if len(sealed) != 1 else ''} made before MACs"
          + (f" (rows {sealed[0]} to {sealed[-1]})" if sealed else ""))
    return ExitCode.OK


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


def _verify(corpus: Corpus, offline: bool, require_macs: bool = False) -> ExitCode:
    """The evidence file and (unless offline) the database: chains, what each row says, MACs with the key
    (``require_macs``: not at all without it)."""
    from policybook.confirm.ledger import every_row
    from policybook.control.pull import EVIDENCE, evidence_matches_database, row_problems, verify_evidence

    key = verify_key(require_macs)
    evidence = verify_evidence(corpus, key)
    problems: list[str] = []
    rows = 0
    if not offline:
        engine = existing_database(corpus)
        try:
            held = list(every_row(engine))
            rows = len(held)
            problems = [f"database: {p}" for p in row_problems(corpus, held, key)]
            mismatch = evidence_matches_database(corpus, engine) if not evidence.problems else None
            problems += [mismatch] if mismatch else []
        finally:
            engine.dispose()
    for problem in [*problems, *evidence.problems]:
        print(problem, file=sys.stderr)
    if key is None:
        print(NO_RECORD_KEY, file=sys.stderr)
    elif evidence.without_mac:
        print(f"{EVIDENCE}: its first {evidence.without_mac} rows were pulled before MACs existed: their MACs are "
              "checked in the database", file=sys.stderr)
    if problems or evidence.problems:
        return ExitCode.FINDINGS
    checked = "hash chains and MACs" if key is not None else "hash chains"
    unchecked = "" if key is not None else "; MACs NOT checked (no record key here)"
    if offline:
        print(f"{EVIDENCE}: {evidence.rows} confirmations; its {checked} hold and every row is possible "
              f"(no database opened){unchecked}")
    else:
        print(f"database: {rows} confirmations; {EVIDENCE}: {evidence.rows}; both {checked} hold and every row is "
              f"possible{unchecked}")
    return ExitCode.OK
