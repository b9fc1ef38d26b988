"""The policy library as the service sees it: loaded once, and again when a file changes.

The service runs beside a checkout of the library. It looks for changes at most every few seconds (the
time and size of every policy, register and the settings) and reloads then, so a newly published
version is what staff confirm, without a restart. Old versions read from git are kept by commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from policybook.config import CONFIG_NAME
from policybook.corpus import Corpus, PolicyCache, load_corpus
from policybook.dates import today_from
from policybook.evidence.inforce import in_force
from policybook.model import Policy

RECHECK_SECONDS = 3.0
T = TypeVar("T")


class Library:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._cache: PolicyCache = {}
        self._corpus: Corpus | None = None
        self._stamp: tuple[tuple[str, int, int], ...] = ()
        self._checked = 0.0
        self.old_versions: dict[tuple[str, str], Policy | None] = {}  # (path, version) -> that version
        self._made: dict[tuple[str, ...], Any] = {}  # what is worked out from the corpus: kept until it reloads

    def remember(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """``make()``, worked out once per key while the library stays as it is (rendered text, say)."""
        if key not in self._made:
            self._made[key] = make()
        return cast(T, self._made[key])

    def _files(self, corpus: Corpus | None) -> list[Path]:
        files = [self.root / CONFIG_NAME]
        if corpus is not None:
            for folder, pattern in ((corpus.config.policies_path, "*.md"), (corpus.config.registers_path, "*.yml")):
                files += sorted(folder.rglob(pattern)) if folder.is_dir() else []
            files.append(self.root / "records" / "acknowledgements.csv")
        return files

    def _current_stamp(self, corpus: Corpus | None) -> tuple[tuple[str, int, int], ...]:
        found = []
        for path in self._files(corpus):
            try:
                status = path.stat()
            except OSError:
                continue
            found.append((str(path), status.st_mtime_ns, status.st_size))
        return tuple(found)

    def corpus(self) -> Corpus:
        """The library as it stands (reloaded when a file changed since the last look)."""
        with self._lock:
            now = time.monotonic()
            if self._corpus is not None and now - self._checked < RECHECK_SECONDS:
                return self._corpus
            self._checked = now
            stamp = self._current_stamp(self._corpus)
            if self._corpus is None or stamp != self._stamp or self._corpus.today != today_from(None):
                corpus = load_corpus(self.root, today_from(None), cache=self._cache)
                in_force(corpus)  # worked out once, here, not on a request
                self._corpus, self._stamp = corpus, self._current_stamp(corpus)
                self._made = {}
            return self._corpus
