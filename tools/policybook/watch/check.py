"""``policybook guidance check``: compare each guidance entry's page with what the register recorded.

The pages are read through a ``Reader`` (``watch/fetch.py`` on the command line, a dictionary in tests), so
this module itself touches no network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.model import Status
from policybook.registers.entries import Guidance
from policybook.watch.text import main_text

Reader = Callable[[str], bytes]  # the page at an address, or a PolicybookError saying why not


@dataclass
class Outcome:
    entry: Guidance
    problem: str | None = None  # why the page could not be read
    fingerprint: str | None = None
    changed: bool = False
    citing: list[str] = field(default_factory=list)  # "GOV-001 (section 1.2)" for each citing policy

    def line(self) -> str:
        if self.problem:
            return f"{self.entry.id}: {self.entry.url}: {self.problem}"
        if self.changed:
            cited = ", ".join(self.citing) or "no policy"
            return (f"{self.entry.id}: the main text changed since {self.entry.checked_on or 'it was recorded'}; "
                    f"cited by {cited}")
        return f"{self.entry.id}: unchanged"


def citing(corpus: Corpus, guidance_id: str) -> list[str]:
    """The policies (not retired) that cite ``guidance_id``, each with the section cited where it names one."""
    found = []
    for policy in corpus.policies:
        if policy.status is Status.RETIRED:
            continue
        for ref in policy.guidance:
            if ref.id == guidance_id:
                found.append(f"{policy.id} (section {ref.section})" if ref.section else str(policy.id))
    return found


def check(corpus: Corpus, ids: Iterable[str], read: Reader) -> list[Outcome]:
    register = corpus.registers.guidance
    wanted = list(ids) or list(register)
    unknown = [i for i in wanted if i not in register]
    if unknown:
        raise PolicybookError(f"not in the guidance register: {', '.join(unknown)}")
    outcomes = []
    for guidance_id in wanted:
        entry = register[guidance_id]
        outcome = Outcome(entry)
        try:
            outcome.fingerprint = main_text(read(entry.url)).fingerprint
        except PolicybookError as error:
            outcome.problem = str(error)
        else:
            outcome.changed = outcome.fingerprint != entry.fingerprint
            if outcome.changed:
                outcome.citing = citing(corpus, guidance_id)
        outcomes.append(outcome)
    return outcomes


def record(path: Path, outcomes: list[Outcome], today: dt.date) -> None:
    """Write each read page's fingerprint and today's date into the register (round trip, comments kept)."""
    from policybook.control.edit import quoted, round_trip_yaml
    from policybook.writing import write_atomically

    yaml = round_trip_yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    read = {o.entry.id: o for o in outcomes if o.fingerprint}
    for item in data["guidance"]:
        outcome = read.get(item.get("id"))
        if outcome:
            item["checked_on"] = quoted(today.isoformat())
            item["fingerprint"] = outcome.fingerprint
    from io import StringIO

    out = StringIO()
    yaml.dump(data, out)
    write_atomically(path, out.getvalue().encode("utf-8"))
