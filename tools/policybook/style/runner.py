"""Apply the house style to policies: the real `vale` when it is installed, otherwise policybook's
own runner of the same `.vale.ini` and rule files."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from policybook.errors import PolicybookError
from policybook.findings import Finding, Rule, Severity
from policybook.loader import load_yaml
from policybook.markdown import ParsedBody, ProseBlock
from policybook.model import Policy
from policybook.registers import Registers, declared_registers
from policybook.resources import house_style_ini, house_styles
from policybook.style.comments import read_switches
from policybook.style.locales import ini_for_locale, library_locale
from policybook.style.prose import ProseDoc
from policybook.style.rules import StyleRule, load_rule
from policybook.style.valeini import LEVELS, ValeConfig, load_vale_ini, parse_vale_ini

VALE_INI = ".vale.ini"
BUILTIN_STYLES = {"Vale"}  # Vale's own spelling and terms rules: only the real vale runs them
_ABBREVIATION = re.compile(r"\b[A-Z]{3,5}\b")


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
    locale: str = "en-GB"
    # The packaged house style's .vale.ini with the locale's settings, when they change it: what the real
    # vale is given for a library without its own .vale.ini.
    generated_ini: str | None = None

    @classmethod
    def load(cls, root: Path, locale: str | None = None) -> Style:
        """The project's `.vale.ini`, or the packaged house style when the project has none (a library
        without one would otherwise run no house style at all, and "call 911" would pass), with the
        settings of the locale policybook.yml names (or ``locale``): a US library gets US spelling."""
        ini = root / VALE_INI
        packaged = not ini.is_file()
        settings = load_yaml(root / "policybook.yml", "policybook.yml").data  # read leniently: lint reports it
        locale = locale or library_locale(settings)
        generated = None
        if packaged:
            base = house_style_ini().read_text(encoding="utf-8")
            text = ini_for_locale(base, house_styles(), locale)
            config = parse_vale_ini(text, house_style_ini())
            generated = text if text != base else None
        else:
            config = load_vale_ini(ini)
        vocab = read_vocab(config)
        style = cls(root=root, config=config, packaged=packaged, locale=locale, generated_ini=generated)
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


def register_terms(registers: Registers) -> frozenset[str]:
    """Abbreviations the registers declared with terms give (an alias CEO, a title "IPC Lead"): staff
    know them from the registers, so a conditional rule such as Policybook.Acronyms counts them as
    defined. Read from the loaded registers, so an editor's unsaved register counts as lint's would."""
    terms: set[str] = set()
    for register in declared_registers():
        doc = registers.documents.get(register.name)
        entries = doc.data.get(register.name) if doc is not None and isinstance(doc.data, dict) else None
        for entry in entries if register.terms and isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            for name in register.terms:
                value = entry.get(name)
                for text in value if isinstance(value, list) else [value]:
                    if isinstance(text, str):
                        terms.update(_ABBREVIATION.findall(text))
    return frozenset(terms)


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


Alerted = tuple[Finding, str]  # a finding and the text it matched


def check_policy(style: Style, policy: Policy) -> list[Finding]:
    """Style findings for one policy, from policybook's own runner, exactly as Vale gives them."""
    return [finding for finding, _ in _alerts(style, policy)]


def _alerts(style: Style, policy: Policy) -> list[Alerted]:
    rules = style.enabled_rules(policy.rel)
    if not rules or not policy.has_body:
        return []
    body = policy.parsed
    doc = ProseDoc.from_body(body)
    raw: ProseDoc | None = None
    switches = read_switches(body.lines, body.first_line, body.code_lines)
    state: dict[str, Any] = {}
    found: list[Alerted] = []
    for rule, level in rules:
        target = doc
        if "raw" in rule.scopes:
            raw = raw or _raw_doc(body)
            target = raw
        for alert in rule.run(target, state):
            line, column = target.position(alert.start)
            if switches.allows(rule.name, line, column, alert.match):
                found.append((Finding(policy.rel, line, column, rule.name, Severity(level), alert.message),
                              alert.match))
    return found


def check_policies(style: Style, policies: Iterable[Policy], known: frozenset[str]) -> list[Finding]:
    """Style findings for ``policies``, from the real vale when it is installed, else policybook's runner.

    Either way, a conditional rule (Policybook.Acronyms) reports what it finds once per policy, at its
    first place, and not at all for an abbreviation the registers give: an abbreviation left undefined
    is one thing to fix, however often it is used (``known``: see register_terms)."""
    binary = style.runs_vale
    alerted: list[Alerted] = []
    if binary:
        from policybook.style.vale_cli import run_vale

        alerted = run_vale(binary, style.root, style.config.path, list(policies), style.generated_ini)
    else:
        for policy in policies:
            alerted.extend(_alerts(style, policy))
    conditional = {name for name, rule in style.rules.items() if rule.kind == "conditional"}
    if not conditional:
        return [finding for finding, _ in alerted]
    seen: set[tuple[str, str, str]] = set()
    found: list[Finding] = []
    for finding, match in sorted(alerted, key=lambda pair: (pair[0].path, pair[0].line, pair[0].column)):
        if finding.rule in conditional:
            key = (finding.path, finding.rule, match)
            if match in known or key in seen:
                continue
            seen.add(key)
        found.append(finding)
    return found
