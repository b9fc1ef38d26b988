"""Read `.vale.ini` the way Vale does: global keys, then glob sections with per-rule settings."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from policybook.errors import PolicybookError
from policybook.findings import Severity

LEVELS = tuple(s.value for s in (Severity.SUGGESTION, Severity.WARNING, Severity.ERROR))  # Vale's order
_GLOBAL_KEYS = {"StylesPath", "MinAlertLevel", "Vocab", "Packages", "IgnoredScopes", "SkippedScopes",
                "WordTemplate", "IgnoredClasses", "NLPEndpoint"}
_SECTION_KEYS = {"BasedOnStyles", "BlockIgnores", "TokenIgnores", "Transform", "Lang", "CommentDelimiters"}


@dataclass
class Section:
    glob: str
    based_on: list[str] | None = None
    rules: dict[str, str] = field(default_factory=dict)  # "Style.Rule" or "Style" -> YES/NO/level


@dataclass
class ValeConfig:
    path: Path
    styles_path: Path
    min_level: str = "suggestion"
    vocab: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def settings_for(self, rel: str) -> tuple[list[str], dict[str, str]]:
        """Styles and rule settings that apply to a file, later matching sections winning."""
        styles: list[str] = []
        rules: dict[str, str] = {}
        for section in self.sections:
            if glob_matches(section.glob, rel):
                if section.based_on is not None:
                    styles = list(section.based_on)
                rules.update(section.rules)
        return styles, rules


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    options = match.group(1).split(",")
    return [expanded for option in options
            for expanded in _expand_braces(pattern[:match.start()] + option + pattern[match.end():])]


def glob_matches(glob: str, rel: str) -> bool:
    """Vale's section globs: `*.md` matches Markdown files in any folder; `{a,b}` alternatives."""
    name = rel.rsplit("/", 1)[-1]
    for pattern in _expand_braces(glob):
        if fnmatch.fnmatchcase(rel, pattern) or ("/" not in pattern and fnmatch.fnmatchcase(name, pattern)):
            return True
    return False


def load_vale_ini(path: Path) -> ValeConfig:
    """Parse ``path``; unknown global keys and bad levels are configuration errors (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicybookError(f"{path.name}: cannot read: {exc}") from None
    return parse_vale_ini(text, path)


def parse_vale_ini(text: str, path: Path) -> ValeConfig:
    """Parse the text of a `.vale.ini` that stands (or would stand) at ``path``: StylesPath is relative to it."""
    config = ValeConfig(path=path, styles_path=path.parent / "styles")
    section: Section | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = Section(glob=line[1:-1].strip())
            config.sections.append(section)
            continue
        if "=" not in line:
            raise PolicybookError(f"{path.name}:{number}: expected 'key = value', found '{line}'")
        key, value = (part.strip() for part in line.split("=", 1))
        if section is None:
            _global(config, key, value, path, number)
        elif key == "BasedOnStyles":
            section.based_on = [s.strip() for s in value.split(",") if s.strip()]
        elif key in _SECTION_KEYS:
            continue
        else:
            setting = value.upper() if value.upper() in ("YES", "NO") else value.lower()
            if setting not in ("YES", "NO", *LEVELS):
                raise PolicybookError(f"{path.name}:{number}: '{key} = {value}': use YES, NO or a level "
                                      f"({', '.join(LEVELS)})")
            section.rules[key] = setting
    return config


def _global(config: ValeConfig, key: str, value: str, path: Path, number: int) -> None:
    if key not in _GLOBAL_KEYS:
        raise PolicybookError(f"{path.name}:{number}: unknown setting '{key}'")
    if key == "StylesPath":
        config.styles_path = (path.parent / value).resolve()
    elif key == "MinAlertLevel":
        if value not in LEVELS:
            raise PolicybookError(f"{path.name}:{number}: MinAlertLevel must be one of {', '.join(LEVELS)}")
        config.min_level = value
    elif key == "Vocab":
        config.vocab = [v.strip() for v in value.split(",") if v.strip()]
