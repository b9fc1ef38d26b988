"""Errors that stop a command before any policy is checked (exit code 2)."""


class PolicybookError(Exception):
    """A one-line, user-facing problem with the command line or configuration."""
