"""The settings of the `policybook` MkDocs plugin, as written under `plugins:` in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config as BaseConfig


class PolicybookPluginConfig(BaseConfig):
    root = opt.Optional(opt.Type(str))  # the policybook project (default: the folder of mkdocs.yml)
    today = opt.Optional(opt.Type(str))  # review dates as on this day (default: POLICYBOOK_TODAY or today)
    # The "due for review" register's window; by default review.due_soon_days from policybook.yml, the
    # same window in which the badges say "Due in N days".
    review_window_days = opt.Optional(opt.Type(int))
    # An overdue review does not take a policy off the site by default: staff still need it, and its
    # page says "Overdue". `policybook lint` in CI fails on it all the same.
    block_on_overdue = opt.Type(bool, default=False)
    # Build the staff handbook PDFs (standard and large print) into handbook/ and link them.
    handbook = opt.Type(bool, default=True)
    # Pages for superseded versions and redlines, read from git history (skipped outside a git repository).
    previous_versions = opt.Type(bool, default=True)
