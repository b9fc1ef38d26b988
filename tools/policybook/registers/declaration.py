"""What a register is, said once: the declaration that loading, reference checks, the site, the
language server and `policybook init` read, so that none of them keeps its own list of registers.

A declaration names its file (registers/<name>.yml, a mapping whose <name> key lists the entries),
its entry type and builder, whether it may be empty, the policy fields that cite it, its site page,
how the editor completes and describes its ids, and what `init` writes for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from policybook.loader import KeyPath

ID_PATTERN = "^[a-z][a-z0-9-]*$"  # a register id: lower case with hyphens

# Markdown lines describing an entry in the editor, given escapers for text and for a web address.
Describe = Callable[[Any, Callable[[object], str], Callable[[str], str]], list[str]]


class Form(StrEnum):
    """How a policy field holds the ids it cites."""

    ID = "id"  # one id: `owner: registered-manager`
    IDS = "ids"  # a list of ids: `standards: [hsca-reg-12]` (`audience: all-staff` is the schema's to allow)
    KEYS = "keys"  # the keys of a mapping: `roles: {registered-manager: [duty, ...]}`
    ITEMS = "items"  # a list of ids or `{id, section}` items: `guidance: [{id: nice-ng139, section: "1.2"}]`
    ITEM_KEY = "item-key"  # one key of each item of a list: `reviews: [{by: role}]`


@dataclass(frozen=True)
class Citation:
    """A policy frontmatter field that cites a register."""

    field: str
    form: Form
    description: str = ""  # for the policy schema, when the field is not already in policy.schema.json
    builtin: bool = False  # whether the register's built-in ids (all-staff) may be cited here
    governed: bool = True  # part of what an approval vouches for (the content fingerprint)
    checked: bool = True  # whether lint reports an id here that is not in the register
    key: str = "id"  # for ITEM_KEY: the key of each item that holds the id

    def ids(self, data: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
        """(where, id) for every id this field of ``data`` cites; anything malformed is the schema's to report."""
        value = data.get(self.field)
        if self.form is Form.ID:
            if isinstance(value, str):
                yield (self.field,), value
        elif self.form is Form.KEYS:
            if isinstance(value, dict):
                yield from (((self.field, key if isinstance(key, str | int) else str(key)), str(key))
                            for key in value)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str) and self.form is not Form.ITEM_KEY:
                    yield (self.field, index), item
                elif isinstance(item, dict) and isinstance(item.get(self.key), str) and self.form is not Form.IDS:
                    yield ((self.field, index, self.key) if self.form is Form.ITEM_KEY
                           else (self.field, index)), item[self.key]

    def field_schema(self) -> dict[str, Any]:
        """The JSON Schema of this field, for a field the policy schema does not already describe."""
        one: dict[str, Any] = {"type": "string", "pattern": ID_PATTERN}
        if self.form is Form.ID:
            shape: dict[str, Any] = one
        elif self.form is Form.IDS:
            shape = {"type": "array", "uniqueItems": True, "items": one}
        elif self.form is Form.KEYS:
            shape = {"type": "object", "propertyNames": {"pattern": ID_PATTERN},
                     "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 3}}}
        elif self.form is Form.ITEMS:
            item = {"type": "object", "additionalProperties": False, "required": ["id"],
                    "properties": {"id": one, "section": {"type": "string", "minLength": 1}}}
            shape = {"type": "array", "items": {"oneOf": [one, item]}}
        else:
            shape = {"type": "array", "items": {"type": "object", "required": [self.key],
                                                 "properties": {self.key: one}}}
        return {"description": self.description, **shape}


POLICIES = "policies"  # an EntryCitation of this "register" cites policy ids, which lint checks against the policies


@dataclass(frozen=True)
class EntryCitation:
    """A field of a register's own entries that cites another register (a member of staff's roles, a
    risk's owner, the owner of each of its actions) or, with ``register=POLICIES``, policies by id."""

    field: str
    register: str
    builtin: bool = True
    form: Form = Form.IDS
    key: str = "id"  # for ITEM_KEY: the key of each item that holds the id

    def ids(self, entry: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
        """(where within the entry, id) for every id this field of ``entry`` cites."""
        return Citation(self.field, self.form, key=self.key).ids(entry)


@dataclass(frozen=True)
class Page:
    """The register's page on the staff site."""

    uri: str  # its source address, such as "registers/roles.md"
    title: str  # its heading, and the text of the home page's link to it
    nav: str  # its title in the navigation
    intro: str = ""  # the sentence under the heading
    # The table of a page without its own layout: (column heading, entry attribute) for each column;
    # a last column lists the policies in force that cite the entry.
    columns: tuple[tuple[str, str], ...] = ()
    layout: str | None = None  # a page with a layout of its own: its name among the site's LAYOUTS


@dataclass(frozen=True)
class Completion:
    """How the editor offers the register's ids."""

    kind: str = "Value"  # a name of the language server protocol's CompletionItemKind
    label: str = "title"  # the entry attribute shown beside an id
    withdrawn: Callable[[Any], bool] | None = None  # entries offered struck through
    describe: Describe | None = None  # lines under the heading on hover; by default none


@dataclass(frozen=True)
class Register:
    """One register of the service, as every part of policybook sees it."""

    name: str  # registers/<name>.yml, whose <name> key lists the entries
    noun: str  # what one entry is called: "role", "standard"
    entry: type  # the dataclass of an entry (with an `id`)
    schema: str | Path  # a schema packaged with policybook ("roles"), or a schema file
    build: Callable[[dict[str, Any]], object] | None = None  # an entry from YAML; by default field by field
    may_be_empty: bool = False  # whether `<name>: []` is a register (a service may own no equipment)
    optional_file: bool = False  # whether a library may leave the file out (it then lists nothing)
    cited_by: tuple[Citation, ...] = ()
    entry_citations: tuple[EntryCitation, ...] = ()
    builtin: tuple[tuple[str, str, str], ...] = ()  # (id, title, description) of ids every library has
    unknown_rule: str = "unknown-reference"  # the rule for a citation of an id the register does not list
    unknown_message: str = "{field}: '{id}' is not in the {register} register"
    suggest: bool = False  # whether an unknown id is answered with the closest listed one
    page: Page | None = None
    completion: Completion = Completion()
    terms: tuple[str, ...] = ()  # entry fields whose abbreviations staff know (the house style counts them defined)
    # What `policybook init` writes: a template under the package's starter/ folder ($name is the
    # organisation), a file copied as it is, or, for a register that may be empty, an empty list.
    starter: str | Path | None = None

    def label(self, entry: object) -> str:
        """The entry's title as the editor and messages show it."""
        return str(getattr(entry, self.completion.label, "") or "")


# Every register, in the order of their pages in the navigation and on the home page.
DECLARED: dict[str, Register] = {}


def declare_register(register: Register) -> Register:
    """Add a register; a second register of the same name is a bug."""
    if register.name in DECLARED:
        raise ValueError(f"register '{register.name}' is declared twice")
    cited = {c.field for _, c in citations()} & {c.field for c in register.cited_by}
    if cited:
        raise ValueError(f"register '{register.name}': the field '{sorted(cited)[0]}' already cites another register")
    if not register.may_be_empty and register.starter is None:
        raise ValueError(f"register '{register.name}' may not be empty, so `init` needs its starter content")
    DECLARED[register.name] = register
    return register


def declared_registers() -> tuple[Register, ...]:
    return tuple(DECLARED.values())


def register_names() -> tuple[str, ...]:
    return tuple(DECLARED)


def citations() -> Iterator[tuple[Register, Citation]]:
    """Every policy field that cites a register, with the register it cites."""
    for register in DECLARED.values():
        for citation in register.cited_by:
            yield register, citation
