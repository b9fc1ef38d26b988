"""Locales as style profiles: which house style rules apply to a library written in one variety of English.

A locale is a short list of standard Vale rule settings (``Policybook.Spelling = NO``) kept in the style
folder, at ``styles/config/locales/<locale>.ini``. ``policybook init --locale`` writes them into the
``[*.md]`` section of the library's ``.vale.ini``, where the real ``vale`` reads them as it reads any
setting; a library without a ``.vale.ini`` gets the packaged house style with its locale's settings on
top. ``locale`` in policybook.yml chooses the profile (``en-GB``, the NHS house style, by default).
"""

from __future__ import annotations

import re
from pathlib import Path

from policybook.errors import PolicybookError

LOCALES = ("en-GB", "en-US")
DEFAULT_LOCALE = "en-GB"
_SETTING = re.compile(r"^(?P<key>[\w.-]+)\s*=\s*(?P<value>\S.*)$")
_SECTION = re.compile(r"^\[\*\.md\]\s*$")


def locale_file(styles_path: Path, locale: str) -> Path:
    return styles_path / "config" / "locales" / f"{locale}.ini"


def locale_lines(styles_path: Path, locale: str) -> list[str]:
    """The setting lines (``Style.Rule = YES|NO|level``) of ``locale``'s profile, comments left out."""
    if locale not in LOCALES:
        raise PolicybookError(f"locale '{locale}': choose one of {', '.join(LOCALES)}")
    path = locale_file(styles_path, locale)
    if not path.is_file():
        raise PolicybookError(f"locale '{locale}': the house style has no {path}")
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if not _SETTING.match(line):
            raise PolicybookError(f"{path}:{number}: expected 'Style.Rule = YES, NO or a level', found '{line}'")
        lines.append(line)
    return lines


def ini_for_locale(base: str, styles_path: Path, locale: str) -> str:
    """``base`` (a `.vale.ini`'s text) with ``locale``'s settings added to its ``[*.md]`` section, where
    they come after the section's own settings and so take effect (later settings win, as in Vale)."""
    lines = locale_lines(styles_path, locale)
    if not lines:
        return base
    text = base.splitlines()
    start = next((i for i, line in enumerate(text) if _SECTION.match(line.strip())), None)
    block = [f"# Locale {locale} (policybook.yml), from styles/config/locales/{locale}.ini:", *lines]
    if start is None:
        return base.rstrip("\n") + "\n\n[*.md]\nBasedOnStyles = Policybook\n" + "\n".join(block) + "\n"
    end = next((i for i in range(start + 1, len(text)) if text[i].strip().startswith("[")), len(text))
    while end > start + 1 and not text[end - 1].strip():
        end -= 1
    return "\n".join([*text[:end], *block, *text[end:]]).rstrip("\n") + "\n"


def library_locale(settings: object) -> str:
    """The ``locale`` policybook.yml's data asks for (the default when it says nothing or cannot be read
    here: reading the settings properly, and reporting their problems, is the corpus's work)."""
    value = settings.get("locale") if isinstance(settings, dict) else None
    return value if isinstance(value, str) and value in LOCALES else DEFAULT_LOCALE
