"""The service's registers: the roles, guidance, standards, equipment and staff it really has.

Each register is declared once (declared.py, with the types in declaration.py); loading, reference
checks, the site's register pages, the language server and `policybook init` iterate the declarations.
"""

from policybook.registers.declaration import (
    DECLARED,
    Citation,
    Completion,
    EntryCitation,
    Form,
    Page,
    Register,
    citations,
    declare_register,
    declared_registers,
    register_names,
)
from policybook.registers.declared import ALL_STAFF
from policybook.registers.entries import Equipment, Guidance, Role, StaffMember, Standard
from policybook.registers.loading import DUPLICATE_ID, Registers, load_register, load_registers

__all__ = [
    "ALL_STAFF", "DECLARED", "DUPLICATE_ID", "Citation", "Completion", "EntryCitation", "Equipment", "Form",
    "Guidance", "Page", "Register", "Registers", "Role", "StaffMember", "Standard", "citations",
    "declare_register", "declared_registers", "load_register", "load_registers", "register_names",
]
