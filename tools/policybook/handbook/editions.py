"""Which handbooks a library has and where each is published, worked out from the policies alone, so that
the site's build, its home page and the command line always agree without running Typst.

The staff handbook holds every approved policy addressed to all staff, and everyone reads it. A role's
edition holds the approved policies addressed to that role (and not to all staff), opens by listing the
staff handbook's policies to read with it, and links to it. Staff in a role read two documents, but no
policy is printed twice, a change to a policy for all staff never makes a role's printed copy out of date,
and the build grows with the number of role policies, not with roles times staff policies. Roles with no
policy of their own get no edition. `policybook handbook --audience ROLE` still prints everything one role
must read as one PDF, on demand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policybook.corpus import Corpus
from policybook.evidence.inforce import in_force
from policybook.model import Policy
from policybook.registers import ALL_STAFF

STAFF_HANDBOOK = "staff-handbook.pdf"
STAFF_HANDBOOK_LARGE = "staff-handbook-large-print.pdf"
ROLES_FOLDER = "roles"
_UNSAFE = re.compile(r"[^a-z0-9-]+")


def for_all_staff(policy: Policy) -> bool:
    return ALL_STAFF in policy.audience


@dataclass(frozen=True)
class RoleEdition:
    """A role's handbook: its role id, the role's title and the file name it is published under."""

    role: str
    title: str
    stem: str  # a file name made only of a-z, 0-9 and hyphens, unique among the editions
    policies: int  # how many policies it holds

    def path(self, large_print: bool = False) -> str:
        """Its place under handbook/: large print editions have a folder of their own, so no role id
        can make one edition's file name another's."""
        folder = f"{ROLES_FOLDER}/large-print" if large_print else ROLES_FOLDER
        return f"{folder}/{self.stem}.pdf"


def for_role(policy: Policy, role: str) -> bool:
    """Whether ``policy`` belongs in ``role``'s edition: addressed to the role by name, not to all staff."""
    return role in policy.audience and not for_all_staff(policy)


def role_editions(corpus: Corpus) -> list[RoleEdition]:
    """One edition for each registered role that some approved policy is addressed to by name (and not
    to all staff), in the roles register's order."""
    counts: dict[str, int] = {}
    for policy in in_force(corpus):
        if not for_all_staff(policy):
            for role in dict.fromkeys(policy.audience):
                counts[role] = counts.get(role, 0) + 1
    editions: list[RoleEdition] = []
    used: set[str] = set()
    for role_id, registered in corpus.registers.roles.items():
        if role_id not in counts:
            continue
        stem = unique_stem(safe_stem(role_id), used)
        editions.append(RoleEdition(role_id, registered.title, stem, counts[role_id]))
    return editions


def edition_path(corpus: Corpus, role: str, large_print: bool = False) -> str:
    """Where ``role``'s edition is published under handbook/ (the same place the site puts it)."""
    for edition in role_editions(corpus):
        if edition.role == role:
            return edition.path(large_print)
    return RoleEdition(role, role, safe_stem(role), 0).path(large_print)


def unique_stem(stem: str, used: set[str]) -> str:
    base, number = stem, 2
    while stem in used:
        stem, number = f"{base}-{number}", number + 1
    used.add(stem)
    return stem


def safe_stem(text: str) -> str:
    """``text`` as a file name of lowercase letters, digits and hyphens, never empty, never hidden."""
    stem = _UNSAFE.sub("-", text.lower()).strip("-")[:60].strip("-")
    return stem or "role"
