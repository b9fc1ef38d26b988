"""The load and fault benchmark (tools/bench/confirm_bench.py), smaller, on SQLite and PostgreSQL:
confirmations from concurrent clients, retries included, are all stored once in one unbroken chain, and
the server killed with SIGKILL during a burst, then restarted, has every confirmation it had answered
with success. (The figures in docs/guide/confirmations.md come from the full run: 50 clients, 200.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from confirmtools import database_for
from conftest import REPO

sys.path.insert(0, str(REPO / "tools" / "bench"))
import confirm_bench


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_burst_is_stored_once_and_survives_sigkill(backend: str, tmp_path: Path,
                                                     request: pytest.FixtureRequest) -> None:
    cluster = request.getfixturevalue("postgresql")
    made = iter(range(10))
    figures = confirm_bench.run(tmp_path, lambda name: database_for(backend, cluster, tmp_path / f"{name}{next(made)}"),
                                clients=20, per_client=3)
    assert (figures.confirmations, figures.stored, figures.duplicates, figures.chain_problems) == (60, 60, 0, 0)
    assert figures.answered_before_kill > 0 and figures.lost_after_kill == 0
    assert (figures.stored_after_restart, figures.duplicates_after_restart,
            figures.chain_problems_after_restart) == (60, 0, 0)
