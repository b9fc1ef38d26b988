"""A log line that cannot flood the log: events of one kind are counted, and a line with the count is
written at most once per interval, however many events an attacker causes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class QuietLog:
    """``note()`` each event; the first is logged at once, later ones as one line per ``interval`` seconds
    giving how many there were (written by the next event after the interval, or by ``flush()``)."""

    def __init__(self, logger: logging.Logger, describe: Callable[[int], str], interval: float = 60.0,
                 level: int = logging.WARNING) -> None:
        self.logger = logger
        self.describe = describe
        self.interval = interval
        self.level = level
        self._lock = threading.Lock()
        self._pending = 0
        self._last: float | None = None

    def note(self, count: int = 1) -> None:
        with self._lock:
            self._pending += count
            now = time.monotonic()
            if self._last is not None and now - self._last < self.interval:
                return
            pending, self._pending, self._last = self._pending, 0, now
        self.logger.log(self.level, "%s", self.describe(pending))

    def flush(self) -> None:
        """Write the count not yet written, if any (at shutdown)."""
        with self._lock:
            pending, self._pending = self._pending, 0
        if pending:
            self.logger.log(self.level, "%s", self.describe(pending))


class RepeatFilter(logging.Filter):
    """For a logger whose lines an attacker can cause one per request (uvicorn's "Invalid HTTP request
    received."): each listed message passes at most once per ``interval`` seconds, saying how many like
    it were held back since."""

    def __init__(self, messages: frozenset[str], interval: float = 60.0) -> None:
        super().__init__()
        self.messages = messages
        self.interval = interval
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, int]] = {}  # message -> (when it last passed, held back since)

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or record.msg not in self.messages:
            return True
        now = time.monotonic()
        with self._lock:
            last, held = self._seen.get(record.msg, (None, 0))
            if last is not None and now - last < self.interval:
                self._seen[record.msg] = (last, held + 1)
                return False
            self._seen[record.msg] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like it held back)"
        return True
