"""Who is who for the service: each member of staff's e-mail address, and who holds a role.

Addresses come from the staff register when its entries carry one (an ``email`` field), else from
``confirmations.addresses`` in policybook.yml, by staff id. They are compared in lower case. A value that
is not one single address (two after a comma, a name in angle brackets) is no address at all: lint
reports it, and the service sends nothing to it.
"""

from __future__ import annotations

from policybook.confirm.codes import normalise_address
from policybook.confirm.mail import is_single_address
from policybook.corpus import Corpus
from policybook.registers import StaffMember


def address_of(corpus: Corpus, member: StaffMember) -> str | None:
    own = member.email
    settings = corpus.config.confirmations
    configured = settings.addresses.get(member.id) if settings else None
    text = own if isinstance(own, str) and own else configured
    address = normalise_address(text) if text else None
    return address if address and is_single_address(address) else None  # never two recipients in one


def by_address(corpus: Corpus) -> dict[str, StaffMember]:
    """Members of staff by address (an address two people share belongs to neither: it is left out)."""
    found: dict[str, StaffMember] = {}
    shared: set[str] = set()
    for member in corpus.registers.staff.values():
        address = address_of(corpus, member)
        if address is None:
            continue
        if address in found:
            shared.add(address)
        found[address] = member
    return {address: member for address, member in found.items() if address not in shared}


def holders(corpus: Corpus, role: str) -> list[StaffMember]:
    return sorted((m for m in corpus.registers.staff.values() if role in m.roles), key=lambda m: m.id)


def is_manager(corpus: Corpus, staff: str) -> bool:
    settings = corpus.config.confirmations
    member = corpus.registers.staff.get(staff)
    return bool(settings and member and set(member.roles) & set(settings.managers))
