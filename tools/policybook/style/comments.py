"""Vale's comment switches in Markdown:

    <!-- vale off -->  /  <!-- vale on -->
    <!-- vale Style.Rule = NO -->  /  = YES      (one rule)
    <!-- vale Style = NO -->  /  = YES           (a whole style; off/on also accepted)
    <!-- vale Style.Rule["term","other"] = NO -->   (only those matches of a rule)

Each switch applies from its position to the next switch that undoes it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_COMMENT = re.compile(r"<!--\s*vale\s+(.*?)\s*-->")
_SETTING = re.compile(r'^(?P<target>[\w.-]+)(?:\[(?P<matches>[^\]]*)\])?\s*=\s*(?P<value>\w+)$')


@dataclass(frozen=True)
class _State:
    off: bool = False
    disabled: frozenset[str] = frozenset()
    disabled_matches: frozenset[tuple[str, str]] = frozenset()


@dataclass
class Switches:
    positions: list[tuple[int, int]] = field(default_factory=list)
    states: list[_State] = field(default_factory=list)

    def allows(self, rule: str, line: int, column: int, observed: str) -> bool:
        index = bisect.bisect_right(self.positions, (line, column)) - 1
        if index < 0:
            return True
        state = self.states[index]
        style = rule.split(".", 1)[0]
        if state.off or rule in state.disabled or style in state.disabled:
            return False
        return (rule, observed) not in state.disabled_matches


def read_switches(lines: list[str], first_line: int, code_lines: set[int]) -> Switches:
    """Collect the switches in a body (``lines`` start at file line ``first_line``)."""
    switches = Switches()
    state = _State()
    for offset, text in enumerate(lines):
        line = first_line + offset
        if "vale" not in text or line in code_lines:
            continue
        for match in _COMMENT.finditer(text):
            state = _apply(state, match.group(1).strip())
            switches.positions.append((line, match.end() + 1))
            switches.states.append(state)
    return switches


def _apply(state: _State, directive: str) -> _State:
    if directive.lower() == "off":
        return _State(True, state.disabled, state.disabled_matches)
    if directive.lower() == "on":
        return _State(False, state.disabled, state.disabled_matches)
    setting = _SETTING.match(directive)
    if not setting:
        return state
    target, value = setting.group("target"), setting.group("value").upper()
    enable = value in ("YES", "ON")
    if not enable and value not in ("NO", "OFF"):
        return state
    if setting.group("matches") is not None:
        terms = {t.strip().strip('"') for t in setting.group("matches").split(",") if t.strip()}
        pairs = {(target, term) for term in terms}
        matches = state.disabled_matches - pairs if enable else state.disabled_matches | pairs
        return _State(state.off, state.disabled, frozenset(matches))
    disabled = state.disabled - {target} if enable else state.disabled | {target}
    return _State(state.off, frozenset(disabled), state.disabled_matches)
