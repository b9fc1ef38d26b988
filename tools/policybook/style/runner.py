"""Apply the house style to policies: the real `vale` when it is installed, otherwise policybook's
own runner of the same `.vale.ini` and rule files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from policybook.errors import PolicybookError
from policybook.findings import Finding, Rule, Severity
from policybook.markdown import ParsedBody, ProseBlock
from policybook.model import Policy
from policybook.resources import house_style_ini
from policybook.style.comments import read_switches
from policybook.style.prose import ProseDoc
from policybook.style.rules import StyleRule, load_rule
from policybook.style.valeini import LEVELS, ValeConfig, load_vale_ini

VALE_INI = ".vale.ini"
BUILTIN_STYLES = {"Vale"}  # Vale's own spelling and terms rules: only the real vale runs them


def vale_binary() -> str | None:
    """The vale executable to use: POLICYBOOK_VALE, or `vale` on PATH."""
    configured = os.environ.get("POLICYBOOK_VALE")
    if configured:
        if not Path(configured).is_file():
            raise PolicybookError(f"POLICYBOOK_VALE={configured}: no such file")
        return configured
    return shutil.which("vale")


def read_vocab(config: ValeConfig) -> list[str]:
    terms: list[str] = []
    for name in config.vocab:
        accept = config.styles_path / "config" / "vocabularies" / name / "accept.txt"
        if not accept.is_file():
            raise PolicybookError(f"{VALE_INI}: vocabulary '{name}' has no {accept}")
        for line in accept.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                terms.append(line)
    return terms


@dataclass
class Style:
    """The project's Vale configuration and compiled rules."""

    root: Path
    config: ValeConfig
    rules: dict[str, StyleRule] = field(default_factory=dict)
    packaged: bool = False  # the project has no .vale.ini: the house style shipped with policybook applies

    @classmethod
    def load(cls, root: Path) -> Style:
        """The project's `.vale.ini`, or the packaged house style when the project has none (a library
        without one would otherwise run no house style at all, and "call 911" would pass)."""
        ini = root / VALE_INI
        packaged = not ini.is_file()
        config = load_vale_ini(house_style_ini() if packaged else ini)
        vocab = read_vocab(config)
        style = cls(root=root, config=config, packaged=packaged)
        names = {name for section in config.sections for name in section.based_on or []}
        names |= {key.split(".", 1)[0] for section in config.sections for key in section.rules}
        for name in sorted(names - BUILTIN_STYLES):
            folder = config.styles_path / name
            if not folder.is_dir():
                raise PolicybookError(f"{VALE_INI}: style '{name}' not found in {config.styles_path}")
            for path in sorted(folder.glob("*.yml")):
                rule = load_rule(path, name, vocab)
                style.rules[rule.name] = rule
        return style

    def catalogue(self) -> dict[str, Rule]:
        """The style's rules as catalogue entries, for `policybook rules` and SARIF."""
        return {r.name: Rule(r.name, Severity(r.level), r.description or r.message) for r in self.rules.values()}

    def enabled_rules(self, rel: str) -> list[tuple[StyleRule, str]]:
        """(rule, level) pairs that apply to ``rel`` after .vale.ini sections and MinAlertLevel."""
        styles, settings = self.config.settings_for(rel)
        minimum = LEVELS.index(self.config.min_level)
        chosen = []
        for name, rule in self.rules.items():
            style = name.split(".", 1)[0]
            setting = settings.get(name, settings.get(style))
            if setting == "NO" or (style not in styles and setting is None):
                continue
            level = setting if setting in LEVELS else rule.level
            if LEVELS.index(level) >= minimum:
                chosen.append((rule, level))
        return chosen

    @cached_property
    def runs_vale(self) -> str | None:
        return vale_binary()


def _raw_doc(body: ParsedBody) -> ProseDoc:
    block = ProseBlock(kind="raw", text="\n".join(body.lines))
    offset = 0
    for index, line in enumerate(body.lines):
        block.runs.append((offset, body.first_line + index, 1))
        offset += len(line) + 1
    raw = ParsedBody([block], [], [], set(), set(), body.first_line, body.lines)
    doc = ProseDoc.from_body(raw)
    doc.kinds = [{"raw"}]
    return doc


def check_policy(style: Style, policy: Policy) -> list[Finding]:
    """Style findings for one policy, from policybook's own runner."""
    rules = style.enabled_rules(policy.rel)
    if not rules or not policy.has_body:
        return []
    body = policy.parsed
    doc = ProseDoc.from_body(body)
    raw: ProseDoc | None = None
    switches = read_switches(body.lines, body.first_line, body.code_lines)
    state: dict[str, Any] = {}
    found: list[Finding] = []
    for rule, level in rules:
        target = doc
        if "raw" in rule.scopes:
            raw = raw or _raw_doc(body)
            target = raw
        for alert in rule.run(target, state):
            line, column = target.position(alert.start)
            if switches.allows(rule.name, line, column, alert.match):
                found.append(Finding(policy.rel, line, column, rule.name, Severity(level), alert.message))
    return found


def check_policies(style: Style, policies: Iterable[Policy]) -> list[Finding]:
    binary = style.runs_vale
    if binary:
        from policybook.style.vale_cli import run_vale

        return run_vale(binary, style.root, style.config.path, list(policies))
    found: list[Finding] = []
    for policy in policies:
        found.extend(check_policy(style, policy))
    return found
