"""The practice registers: scheduled checks, risks and training courses, the things a policy promises
the service does. Each is declared here once, like the registers in declared.py; what falls due from
them (with the records of what was done) is worked out in evidence/due.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policybook.registers.declaration import (
    POLICIES,
    Completion,
    EntryCitation,
    Form,
    Page,
    Register,
    declare_register,
)

Text = Callable[[object], str]


def _texts(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class ScheduledCheck:
    """A check carried out on a schedule: the first aid kit monthly, a fire drill every six months."""

    id: str
    title: str
    by: str  # the role that carries it out, and owns it
    every_months: int | None
    policies: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    since: str | None = None  # when it was introduced: the first is due one interval later
    retired: str | None = None  # when it stopped


@dataclass(frozen=True)
class RiskAction:
    action: str
    owner: str
    due: str | None
    done: str | None = None

    @property
    def open(self) -> bool:
        return self.done is None


@dataclass(frozen=True)
class Risk:
    id: str
    title: str
    owner: str
    likelihood: int | None
    impact: int | None
    next_review: str | None
    description: str = ""
    controls: tuple[str, ...] = ()
    actions: tuple[RiskAction, ...] = ()
    last_reviewed: str | None = None
    policies: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()

    @property
    def score(self) -> int | None:
        """Likelihood times impact (1 to 25), or None while either is missing."""
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact

    @property
    def open_actions(self) -> tuple[RiskAction, ...]:
        return tuple(a for a in self.actions if a.open)


@dataclass(frozen=True)
class Course:
    """A course the service requires of the roles it names, renewed every ``renew_months`` (or held once)."""

    id: str
    title: str
    roles: tuple[str, ...]
    renew_months: int | None = None
    level: str | None = None
    policies: tuple[str, ...] = ()
    retired: str | None = None  # when it stopped being required

    @property
    def label(self) -> str:
        """'Safeguarding adults (Level 2)'."""
        return f"{self.title} ({self.level})" if self.level else self.title


def build_check(item: dict[str, Any]) -> ScheduledCheck:
    return ScheduledCheck(item["id"], str(item.get("title", "")), str(item.get("by", "")),
                          _whole(item.get("every_months")), _texts(item.get("policies")),
                          _texts(item.get("equipment")), _text(item.get("since")), _text(item.get("retired")))


def _build_action(item: object) -> RiskAction | None:
    if not isinstance(item, dict):
        return None
    return RiskAction(str(item.get("action", "")), str(item.get("owner", "")), _text(item.get("due")),
                      _text(item.get("done")))


def build_risk(item: dict[str, Any]) -> Risk:
    actions = item.get("actions")
    built = [_build_action(a) for a in actions] if isinstance(actions, list) else []
    return Risk(item["id"], str(item.get("title", "")), str(item.get("owner", "")), _whole(item.get("likelihood")),
                _whole(item.get("impact")), _text(item.get("next_review")), str(item.get("description", "")),
                _texts(item.get("controls")), tuple(a for a in built if a is not None),
                _text(item.get("last_reviewed")), _texts(item.get("policies")), _texts(item.get("equipment")))


def build_course(item: dict[str, Any]) -> Course:
    return Course(item["id"], str(item.get("title", "")), _texts(item.get("roles")),
                  _whole(item.get("renew_months")), _text(item.get("level")), _texts(item.get("policies")),
                  _text(item.get("retired")))


def _every(months: int | None) -> str:
    if months is None:
        return "no interval set"
    return "every month" if months == 1 else f"every {months} months"


def _describe_check(item: ScheduledCheck, text: Text, url: Callable[[str], str]) -> list[str]:
    return [f"By the {text(item.by)} role, {_every(item.every_months)}"]


def _describe_risk(item: Risk, text: Text, url: Callable[[str], str]) -> list[str]:
    score = f"score {item.score} (likelihood {item.likelihood} x impact {item.impact})" if item.score else "not scored"
    return [f"Owner: {text(item.owner)}; {score}; next review {text(item.next_review or 'not set')}"]


def _describe_course(item: Course, text: Text, url: Callable[[str], str]) -> list[str]:
    renew = f"renewed {_every(item.renew_months)}" if item.renew_months else "held once"
    return [f"For: {', '.join(text(r) for r in item.roles)}; {renew}"]


CHECKS = declare_register(Register(
    "checks", "check", ScheduledCheck, "checks", build_check, may_be_empty=True, optional_file=True,
    entry_citations=(EntryCitation("by", "roles", builtin=False, form=Form.ID), EntryCitation("equipment", "equipment"),
                     EntryCitation("policies", POLICIES)),
    page=Page("registers/checks.md", "Scheduled checks", "Checks",
              "The checks the service carries out on a schedule, when each was last done and when it is next due.",
              layout="checks"),
    completion=Completion("Event", "title", describe=_describe_check),
    starter="library/registers/checks.yml"))

RISKS = declare_register(Register(
    "risks", "risk", Risk, "risks", build_risk, may_be_empty=True, optional_file=True,
    entry_citations=(EntryCitation("owner", "roles", builtin=False, form=Form.ID),
                     EntryCitation("actions", "roles", builtin=False, form=Form.ITEM_KEY, key="owner"),
                     EntryCitation("equipment", "equipment"), EntryCitation("policies", POLICIES)),
    page=Page("registers/risks.md", "Risk register", "Risks",
              "The service's risks, highest score first: who owns each, how it is controlled and what is being done.",
              layout="risks"),
    completion=Completion("Constant", "title", describe=_describe_risk),
    starter="library/registers/risks.yml"))

TRAINING = declare_register(Register(
    "training", "course", Course, "training", build_course, may_be_empty=True, optional_file=True,
    entry_citations=(EntryCitation("roles", "roles"), EntryCitation("policies", POLICIES)),
    page=Page("registers/training.md", "Training by role", "Training",
              "The courses each role must hold, and when each member of staff last completed them.",
              layout="training"),
    completion=Completion("Class", "title", describe=_describe_course),
    starter="library/registers/training.yml"))
