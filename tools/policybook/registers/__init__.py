"""The service's registers: the roles, guidance, standards, equipment and staff it really has, and the
checks, risks and training courses its policies promise.

Each register is declared once (declared.py, with the types in declaration.py); loading, reference
checks, the site's register pages, the language server and `policybook init` iterate the declarations.
"""

from policybook.registers.declaration import (
    DECLARED,
    POLICIES,
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
from policybook.registers.practice import Course, Risk, RiskAction, ScheduledCheck

__all__ = [
    "ALL_STAFF",
    "DECLARED",
    "DUPLICATE_ID",
    "POLICIES",
    "Citation",
    "Completion",
    "Course",
    "EntryCitation",
    "Equipment",
    "Form",
    "Guidance",
    "Page",
    "Register",
    "Registers",
    "Risk",
    "RiskAction",
    "Role",
    "ScheduledCheck",
    "StaffMember",
    "Standard",
    "citations",
    "declare_register",
    "declared_registers",
    "load_register",
    "load_registers",
    "register_names",
]
