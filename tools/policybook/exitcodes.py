"""Exit codes CI can rely on: one meaning each, never reused."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # nothing at error level (warnings allowed unless --strict)
    FINDINGS = 1  # at least one finding that blocks publication
    USAGE = 2  # bad command line, unreadable configuration or style files
