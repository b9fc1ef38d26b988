"""Mail off the request path: one worker thread sends from a bounded queue, with its own timeout, and
retries a message the server did not take until the message's deadline.

A request only puts its message in the queue, so a slow or dead mail server never holds up an answer
or ties up the threads that serve other requests. The queue is in memory on purpose: what it carries is
sign-in codes, which the database keeps only as hashes and which expire in minutes. On a restart the
queued codes are lost and the person asks for a new one (the limits allow five an address in 15
minutes); a full queue drops the new message with a log line. Reminders are sent by
``policybook confirmations remind --send``, a command of its own, never by a request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from policybook.config import MailSettings
from policybook.confirm.mail import send
from policybook.confirm.quietlog import QuietLog
from policybook.errors import PolicybookError

CAPACITY = 500  # messages waiting: far more than the limits let through in a code's lifetime
SEND_TIMEOUT = 10.0  # seconds for each step of one SMTP conversation
FIRST_RETRY = 1.0  # seconds; doubled after each failure, up to MAX_RETRY
MAX_RETRY = 30.0

log = logging.getLogger("policybook.confirm")


@dataclass(frozen=True)
class _Letter:
    mail: EmailMessage
    deadline: float  # time.monotonic(): not worth sending after this


class Outbox:
    def __init__(self, settings: MailSettings, capacity: int = CAPACITY, timeout: float = SEND_TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout
        self._queue: queue.Queue[_Letter | None] = queue.Queue(maxsize=capacity)
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._full = QuietLog(log, lambda n: f"policybook confirmations: the mail queue is full ({capacity} "
                                             f"waiting): {n} message(s) dropped; is the mail server up?")
        self._failed = QuietLog(log, lambda n: f"policybook confirmations: {n} attempt(s) to send mail failed "
                                               "and will be retried")
        self._expired = QuietLog(log, lambda n: f"policybook confirmations: {n} message(s) not sent before "
                                                "they expired")

    def put(self, mail: EmailMessage, expires: dt.timedelta) -> bool:
        """Queue ``mail`` to be sent within ``expires``; False (and a log line) when the queue is full."""
        self._ensure_worker()
        try:
            self._queue.put_nowait(_Letter(mail, time.monotonic() + expires.total_seconds()))
        except queue.Full:
            self._full.note()
            return False
        return True

    def waiting(self) -> int:
        return self._queue.qsize()

    def close(self, wait: float = 5.0) -> None:
        """Stop the worker, giving what is queued up to ``wait`` seconds to go."""
        if self._worker is None:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=wait)
        self._worker.join(wait)
        self._stopping.set()
        self._worker.join(self.timeout + 1)
        for quiet in (self._full, self._failed, self._expired):
            quiet.flush()

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="policybook-mail", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            letter = self._queue.get()
            if letter is None:
                return
            self._deliver(letter)

    def _deliver(self, letter: _Letter) -> None:
        pause = FIRST_RETRY
        while not self._stopping.is_set():
            if time.monotonic() > letter.deadline:
                self._expired.note()
                return
            try:
                send(self.settings, letter.mail, timeout=self.timeout)
                return
            except PolicybookError as exc:
                self._failed.note()
                log.debug("policybook confirmations: %s", exc)
            self._stopping.wait(min(pause, max(0.0, letter.deadline - time.monotonic())))
            pause = min(pause * 2, MAX_RETRY)
