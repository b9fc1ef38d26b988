"""Limits on the message framing the server reads: a header line and a declared body size.

pygls reads a header line to its end however long it is, and then waits for as many bytes as the
``Content-Length`` header declares, so a header declaring 99,999,999,999 bytes would leave the server
waiting (and holding memory) for ever. Past such a header the stream cannot be trusted (the next bytes
may be the body or the next message), so the server does not guess: it writes one line to standard error
and ends the session as if the editor had closed the stream, exiting with status 1 (no shutdown was
asked for); an editor restarts a language server that exits.
"""

from __future__ import annotations

import re
import sys
from typing import BinaryIO

MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # a document is refused as too large long before this (22 MB is fine)
MAX_HEADER_LINE = 4096  # "Content-Length: 123" and "Content-Type: ..." are all a client sends
_LENGTH = re.compile(rb"content-length\s*:\s*(\d+)\s*", re.IGNORECASE)


class BoundedInput:
    """The protocol's input stream, as pygls reads it (``readline`` and ``read``), refusing a header line
    over MAX_HEADER_LINE bytes or a declared body over MAX_MESSAGE_BYTES: it says why on standard error
    and reads as the end of the stream from then on."""

    def __init__(self, stream: BinaryIO, max_message: int = MAX_MESSAGE_BYTES) -> None:
        self._stream = stream
        self._max_message = max_message
        self.refusal: str | None = None

    def _refuse(self, why: str) -> bytes:
        self.refusal = f"policybook lsp: {why}; the rest of the stream cannot be read as messages, so the server stops"
        print(self.refusal, file=sys.stderr, flush=True)
        return b""

    def readline(self) -> bytes:
        if self.refusal is not None:
            return b""
        line = self._stream.readline(MAX_HEADER_LINE + 1)
        if len(line) > MAX_HEADER_LINE:
            return self._refuse(f"a message header line is longer than {MAX_HEADER_LINE:,} bytes")
        match = _LENGTH.fullmatch(line)
        if match is not None and int(match.group(1)) > self._max_message:
            return self._refuse(f"a message declares Content-Length {int(match.group(1)):,}, over the limit of "
                                f"{self._max_message:,} bytes")
        return line

    def read(self, size: int) -> bytes:
        if self.refusal is not None or size > self._max_message:  # the header was refused already
            return b""
        return self._stream.read(size)
