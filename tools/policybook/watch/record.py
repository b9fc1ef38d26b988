"""``guidance check --write``: what the check found goes into ``registers/guidance.yml`` (a round trip that
keeps comments and order) and each page's main text into ``records/guidance/`` (see ``kept.py``).

For every page read: ``checked_on`` and the fingerprint; the edition where the page shows one. For a page
whose main text changed: ``changed_on``, which makes lint report ``guidance-changed`` on each citing policy
until it is reviewed or a new version approved. For a page the publisher withdrew or replaced: ``status``
and the replacement (``superseded_by`` when the register has it, else ``replacement_url`` and
``replacement_title``). A page moved permanently to a new address of the same guidance: its ``url``."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

from policybook.control.edit import quoted, round_trip_yaml
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.watch.check import Outcome
from policybook.watch.kept import kept_path, packed
from policybook.writing import write_atomically

# What the register's schema accepts; a replacement named otherwise stays in the report only.
_URL = re.compile(r"^https://[^\s<>\"'`\\\x00-\x1f\x7f]+$")
_TITLE = re.compile(r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$")


def replacement_id(corpus: Corpus, url: str | None) -> str | None:
    """The register's entry for a replacement's address, when the register has one."""
    if not url:
        return None
    wanted = urlsplit(url)._replace(query="", fragment="").geturl().rstrip("/")
    for entry in corpus.registers.guidance.values():
        if urlsplit(entry.url)._replace(query="", fragment="").geturl().rstrip("/") == wanted:
            return entry.id
    return None


def _update(item: Any, outcome: Outcome, corpus: Corpus, day: str) -> None:
    item["checked_on"] = quoted(day)
    if outcome.superseded:
        item["status"] = outcome.superseded.status
        replacing = replacement_id(corpus, outcome.superseded.replacement_url)
        if replacing and replacing != outcome.entry.id:
            item["superseded_by"] = replacing
        else:
            url, named = outcome.superseded.replacement_url, outcome.superseded.replacement_title
            if url and _URL.fullmatch(url):
                item["replacement_url"] = url
            if named and _TITLE.fullmatch(named):
                item["replacement_title"] = named[:300]
        return
    if outcome.moved_to:
        item["url"] = outcome.moved_to
    if outcome.edition:
        item["edition"] = outcome.edition
    if outcome.fingerprint:
        item["fingerprint"] = outcome.fingerprint
    if outcome.changed:
        item["changed_on"] = quoted(day)


def write_register(corpus: Corpus, outcomes: list[Outcome], today: dt.date) -> None:
    path = corpus.config.registers_path / "guidance.yml"
    yaml = round_trip_yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    entries = data.get("guidance") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PolicybookError(f"{path.name}: no list of guidance to record the check in; nothing was written")
    read = {o.entry.id: o for o in outcomes if not o.problem}
    for item in entries:
        outcome = read.get(str(item.get("id"))) if isinstance(item, dict) else None
        if outcome is not None:
            _update(item, outcome, corpus, today.isoformat())
    out = StringIO()
    yaml.dump(data, out)
    write_atomically(path, out.getvalue().encode("utf-8"))
    for outcome in read.values():
        kept = kept_path(corpus.config.root, outcome.entry.id)
        if kept is not None and outcome.text is not None and not outcome.superseded:
            kept.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(kept, packed(outcome.text))
