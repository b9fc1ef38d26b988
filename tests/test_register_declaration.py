"""A register added through its one declaration (and its schema) is loaded, its references are checked,
its page is built and in the navigation, and the editor completes its ids: nothing else is edited."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TODAY, Run, edit, position_of, strip_fingerprints
from pygls.workspace.position_codec import PositionCodec
from pypdf import PdfReader
from sitetools import add_site_files

from policybook.corpus import load_corpus
from policybook.dates import parse_date
from policybook.evidence.fingerprint import governed_fields
from policybook.lsp.completion import complete
from policybook.lsp.hover import hover
from policybook.lsp.workspace import Project
from policybook.registers import DECLARED, Citation, Completion, Form, Page, Register, declare_register

HAND = "policies/infection-control/hand-hygiene.md"
WASTE = "policies/infection-control/clinical-waste.md"


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    floor: int | None = None


ROOMS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["rooms"],
    "properties": {"rooms": {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["id", "name"],
        "properties": {"id": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
                       "name": {"type": "string", "minLength": 2},
                       "floor": {"type": "integer"}}}}},
}


ROOMS_SCHEMA_FILE = "rooms.schema.json"


@pytest.fixture
def rooms(tmp_path: Path) -> Iterator[Register]:
    """A rooms register, declared beside the others for the test (its schema is a file of its own)."""
    schema = tmp_path / ROOMS_SCHEMA_FILE
    schema.write_text(json.dumps(ROOMS_SCHEMA), encoding="utf-8")
    register = declare_register(Register(
        "rooms", "room", Room, schema, may_be_empty=True,
        cited_by=(Citation("rooms", Form.IDS, description="Rooms where the policy applies."),),
        page=Page("registers/rooms.md", "Rooms and spaces", "Rooms", "The rooms of the service.",
                  columns=(("Room", "name"), ("Floor", "floor"))),
        completion=Completion("Value", "name")))
    try:
        yield register
    finally:
        del DECLARED[register.name]


@pytest.fixture
def library(example: Path, rooms: Register) -> Path:
    """The example with the rooms register listed, and cited by two policies (one id is misspelt)."""
    strip_fingerprints(example)  # the citing policies change: their approvals are not the subject here
    add_site_files(example)
    (example / "registers/rooms.yml").write_text(
        "rooms:\n  - id: scan-room\n    name: Scanning room\n    floor: 1\n  - id: sluice\n    name: Sluice room\n",
        encoding="utf-8")
    edit(example / HAND, "\nstandards:\n", "\nrooms:\n  - scan-room\nstandards:\n")
    edit(example / WASTE, "\nstandards:\n", "\nrooms: [sluice, scan-rom]\nstandards:\n")
    return example


def test_the_register_is_loaded(library: Path) -> None:
    corpus = load_corpus(library, parse_date(TODAY))
    rooms = corpus.registers.table("rooms")
    assert rooms == {"scan-room": Room("scan-room", "Scanning room", 1), "sluice": Room("sluice", "Sluice room")}
    assert not [f for f in corpus.registers.findings if f.path == "registers/rooms.yml"]


def test_an_entry_against_its_schema_is_a_finding(library: Path, run: Run) -> None:
    edit(library / "registers/rooms.yml", "floor: 1", "floor: first")
    findings = json.loads(run("-C", str(library), "lint", "--today", TODAY, "--format", "json").out)["findings"]
    assert {(f["path"], f["rule"]) for f in findings} == {("registers/rooms.yml", "schema"),
                                                         (WASTE, "unknown-reference")}


def test_references_are_checked_at_their_place(library: Path, run: Run) -> None:
    result = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(result.out)["findings"]
    line, column = position_of(library / WASTE, "scan-rom]")
    assert [(f["path"], f["line"], f["column"], f["rule"], f["message"]) for f in findings] == [
        (WASTE, line, column, "unknown-reference",
         "rooms: 'scan-rom' is not in the rooms register")]


def test_the_field_is_a_schema_error_without_the_register(example: Path, run: Run) -> None:
    strip_fingerprints(example)
    edit(example / HAND, "\nstandards:\n", "\nrooms:\n  - scan-room\nstandards:\n")
    findings = json.loads(run("-C", str(example), "lint", "--today", TODAY, "--format", "json").out)["findings"]
    assert [(f["path"], f["rule"]) for f in findings] == [(HAND, "schema")]
    assert "rooms" in findings[0]["message"]


def _in_navigation(page: str, href: str, title: str) -> bool:
    """Whether the page's navigation links ``href`` under ``title`` (Material's nav link markup)."""
    entry = rf'<a href="{re.escape(href)}" class="md-nav__link">\s*<span class="md-ellipsis">\s*{re.escape(title)}\s*<'
    return re.search(entry, page) is not None


def test_its_page_is_built_and_in_the_navigation(library: Path, run: Run) -> None:
    edit(library / WASTE, "scan-rom]", "scan-room]")  # lint-clean, so that the build goes ahead
    result = run("-C", str(library), "build", "--today", TODAY)
    assert result.code == 0, result.err
    page = (library / "site/registers/rooms/index.html").read_text(encoding="utf-8")
    assert "Rooms and spaces" in page and "The rooms of the service." in page
    assert "Scanning room" in page and 'href="../../policies/infection-control/hand-hygiene/"' in page
    home = (library / "site/index.html").read_text(encoding="utf-8")
    assert 'href="registers/rooms/"' in home and "Rooms and spaces" in home
    assert _in_navigation(home, "registers/rooms/", "Rooms")
    other = (library / "site/registers/roles/index.html").read_text(encoding="utf-8")
    assert _in_navigation(other, "../rooms/", "Rooms")  # every page's navigation has it
    # The citing policy's document control shows the rooms it cites, on its page and in the handbook.
    policy_page = (library / "site/policies/infection-control/hand-hygiene/index.html").read_text(encoding="utf-8")
    panel = policy_page[policy_page.index("Rooms and spaces"):]
    assert "Scanning room" in panel[:400] and "Sluice room" not in panel[:400]
    handbook = " ".join(page.extract_text() for page in PdfReader(library / "site/handbook/staff-handbook.pdf").pages)
    assert "Rooms and spaces" in handbook and "Scanning room" in handbook


def test_the_editor_completes_and_describes_its_ids(library: Path) -> None:
    project = Project(library, parse_date(TODAY))
    path = library / HAND
    lines = path.read_text(encoding="utf-8").split("\n")
    index = lines.index("  - scan-room")
    lines[index] = "  - "
    project.set_text(path, "\n".join(lines))
    project.relint()
    assert project.corpus is not None
    items = complete(project.corpus, lines, index, 4, PositionCodec())
    assert items is not None
    assert [(i.label, i.detail) for i in items] == [("scan-room", "Scanning room"), ("sluice", "Sluice room")]
    lines[index] = "  - sluice"
    found = hover(project.corpus, lines, index, 6, PositionCodec())
    assert found is not None and "**Sluice room** `sluice`: room" in str(found.contents)


def test_init_starts_a_library_with_the_register(rooms: Register, tmp_path: Path, run: Run) -> None:
    library = tmp_path / "new"
    assert run("init", str(library), "--name", "Harbour Lane Dental Practice").code == 0
    assert "rooms: []" in (library / "registers/rooms.yml").read_text(encoding="utf-8")
    result = run("-C", str(library), "lint", "--today", TODAY)
    assert result.code == 0, result.out


def test_a_field_cites_one_register_only(rooms: Register) -> None:
    with pytest.raises(ValueError, match="'rooms' already cites another register"):
        declare_register(Register("spaces", "space", Room, "rooms", may_be_empty=True,
                                  cited_by=(Citation("rooms", Form.IDS),)))
    assert "spaces" not in DECLARED


def test_each_form_reads_the_ids_its_field_cites() -> None:
    data = {"owner": "a", "audience": ["b", 3], "roles": {"c": ["Duty."]}, "standards": "x",
            "guidance": ["d", {"id": "e", "section": "1"}, {"section": "2"}], "reviews": [{"by": "f"}, "g"]}
    assert list(Citation("owner", Form.ID).ids(data)) == [(("owner",), "a")]
    assert list(Citation("audience", Form.IDS).ids(data)) == [(("audience", 0), "b")]
    assert list(Citation("standards", Form.IDS).ids(data)) == []  # not a list: the schema reports it
    assert list(Citation("roles", Form.KEYS).ids(data)) == [(("roles", "c"), "c")]
    assert list(Citation("guidance", Form.ITEMS).ids(data)) == [(("guidance", 0), "d"), (("guidance", 1), "e")]
    assert list(Citation("reviews", Form.ITEM_KEY, key="by").ids(data)) == [(("reviews", 0, "by"), "f")]
    assert list(Citation("equipment", Form.IDS).ids(data)) == []


def test_the_declared_citations_govern_the_fingerprint_as_before() -> None:
    """Existing approvals stay valid: the declarations govern exactly the fields that were governed, and the
    comprehension questions, the urgent section and the fields of documents for patients, which a policy
    that has none of them leaves out (an approval made before those were governed stays proven in git:
    tests/test_public_attacks.py)."""
    assert set(governed_fields()) == {"id", "title", "version", "category", "owner", "audience", "acknowledge",
                                      "roles", "guidance", "standards", "equipment", "supersedes", "related",
                                      "questions", "urgent", "public", "public_names", "edition_of", "lang",
                                      "format", "source_version", "source_fingerprint"}


def test_every_declared_page_layout_is_one_the_site_has() -> None:
    from policybook.registers import declared_registers
    from policybook.site.register_pages import LAYOUTS

    named = {r.page.layout for r in declared_registers() if r.page and r.page.layout}
    assert named and named <= set(LAYOUTS)
