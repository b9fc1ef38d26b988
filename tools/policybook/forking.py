"""Run a function in a forked child process and collect its result, with the input passed explicitly.

A forked child already holds its arguments (it is a copy of the parent), so a large corpus is never
pickled: only the result travels back, through a pipe. Nothing is handed over in module globals.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class ForkedCall(Generic[T]):
    """``function(*args)`` running in a forked child; :meth:`result` waits for it."""

    def __init__(self, function: Callable[..., T], *args: Any) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(send, function, args), daemon=True)
        self._process.start()
        send.close()  # the child holds the only writing end, so a child that dies gives EOF

    def result(self) -> T:
        """The function's return value; its exception is raised here if it failed."""
        try:
            succeeded, value = self._receive.recv()
        except EOFError:
            raise RuntimeError(f"a worker process stopped unexpectedly (exit code {self._finish()})") from None
        self._finish()
        if not succeeded:
            raise RuntimeError(value)
        returned: T = value  # unpickled from the pipe: what the child's function returned
        return returned

    def when_done(self, report: Callable[[T | None], None]) -> None:
        """Call ``report`` with the result (None if the child failed) from a thread, without waiting."""

        def wait() -> None:
            try:
                value: T | None = self.result()
            except RuntimeError:
                value = None
            report(value)

        threading.Thread(target=wait, name="policybook-forked-result", daemon=True).start()

    def cancel(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._finish()

    def _finish(self) -> int | None:
        self._process.join()
        self._receive.close()
        return self._process.exitcode


def _child(send: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        outcome = (True, function(*args))
    except BaseException as exc:  # reported to the parent, which raises it there
        outcome = (False, f"{type(exc).__name__}: {exc}")
    send.send(outcome)
    send.close()
