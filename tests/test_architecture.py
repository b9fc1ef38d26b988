"""The house rules of the code: one registry of rules and commands, no import cycles, one home for
the policy id pattern, and a generated rules table that cannot go stale."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, TODAY, edit, strip_fingerprints
from rule_cases import FIRES, Case
from sitetools import png_bytes

from policybook.checks import CORPUS_CHECKS, LOCAL_CHECKS, RULES
from policybook.checks.run import CheckRun, LintOptions
from policybook.cli.registry import COMMANDS
from policybook.corpus import load_corpus
from policybook.findings import Rule, Scope, Severity, check, declare
from policybook.lint import lint_corpus
from policybook.rules_doc import END, START, rules_table, stale_rules

PACKAGE = REPO / "tools" / "policybook"
RULES_PAGE = REPO / "docs" / "guide" / "rules.md"


# -- imports -------------------------------------------------------------------------------------------
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path], name: str) -> set[str]:
    """Every policybook module that module ``name`` (the file at ``path``) imports: at the top, inside
    functions and under TYPE_CHECKING (an import only the type checker follows still ties the two
    modules together)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x, from .x import y
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if candidate in modules:
                    found.add(candidate)
                elif base in modules:
                    found.add(base)
        elif isinstance(node, ast.Call) and _dynamic_import(node) in modules:
            found.add(_dynamic_import(node) or "")
    return found


def _dynamic_import(call: ast.Call) -> str | None:
    """The module an ``importlib.import_module("policybook.x")`` or ``__import__("policybook.x")`` names."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    if name in ("import_module", "__import__") and call.args and isinstance(call.args[0], ast.Constant):
        value = call.args[0].value
        return value.partition(":")[0] if isinstance(value, str) else None
    return None


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules, name) - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_policybook_modules() -> None:
    graph = _graph()
    assert sum(len(targets) for targets in graph.values()) > 100  # the graph really was read
    assert _cycles(graph) == []


def test_imports_under_type_checking_are_read(tmp_path: Path) -> None:
    module = tmp_path / "policybook" / "a.py"
    module.parent.mkdir()
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from policybook.b import B\n"
                      "def f():\n    from . import c\n    importlib.import_module('policybook.d')\n"
                      "    __import__('policybook.e')\n", encoding="utf-8")
    known = {f"policybook.{name}": module for name in "abcde"}
    assert _imports(module, known, "policybook.a") == {"policybook.b", "policybook.c", "policybook.d", "policybook.e"}


# -- layers --------------------------------------------------------------------------------------------
ARCHITECTURE_PAGE = REPO / "docs" / "guide" / "architecture.md"


@dataclass(frozen=True)
class Layers:
    """The layers and the pairs kept apart, as the architecture page writes them."""

    rank: dict[str, int]  # module pattern (`checks.*`, `lint`) -> layer number
    apart: list[tuple[str, str]]  # (importer pattern, imported pattern) that must never meet

    def layer_of(self, module: str) -> int | None:
        return next((rank for pattern, rank in self.rank.items() if _matches(module, pattern)), None)


def _matches(module: str, pattern: str) -> bool:
    name = module.removeprefix("policybook").removeprefix(".")
    if pattern.endswith(".*"):
        return name == pattern[:-2] or name.startswith(pattern[:-1])
    return name == pattern


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    end = page.find("\n## ", start + len(heading))
    return page[start:end if end != -1 else len(page)]


def read_layers(page: str) -> Layers:
    section = _section(page, "## The layers")
    rank: dict[str, int] = {}
    for row in re.finditer(r"^\| (\d+) [^|]*\| ([^|]*) \|", section, re.MULTILINE):
        for pattern in re.findall(r"`([\w.*]+)`", row.group(2)):
            rank[pattern] = int(row.group(1))
    apart: list[tuple[str, str]] = []
    for line in section.splitlines():
        if line.startswith("- ") and "never import" in line:
            rule = line[line.index("("):] if "(" in line else line
            before, _, after = rule.partition("never import")
            for source in re.findall(r"`([\w.*]+)`", before):
                apart.extend((source, target) for target in re.findall(r"`([\w.*]+)`", after))
    return Layers(rank, apart)


def layer_violations(graph: dict[str, set[str]], layers: Layers) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        here = layers.layer_of(module)
        if here is None:
            if module != "policybook":
                problems.append(f"{module} is in no layer of the architecture page")
            continue
        for target in sorted(targets):
            there = layers.layer_of(target)
            if there is not None and there > here:
                problems.append(f"{module} (layer {here}) imports {target} (layer {there})")
            for source, kept_from in layers.apart:
                if _matches(module, source) and _matches(target, kept_from):
                    problems.append(f"{module} imports {target}: {source} never imports {kept_from}")
    return problems


def test_every_import_keeps_to_the_layers_of_the_architecture_page() -> None:
    layers = read_layers(ARCHITECTURE_PAGE.read_text(encoding="utf-8"))
    assert len(set(layers.rank.values())) >= 8 and len(layers.apart) >= 4  # the page really was read
    assert layer_violations(_graph(), layers) == []


def test_an_import_against_the_layers_is_found() -> None:
    layers = read_layers(ARCHITECTURE_PAGE.read_text(encoding="utf-8"))
    graph = {"policybook.checks.questions": {"policybook.confirm.service"},  # a rule importing the web service
             "policybook.model": {"policybook.evidence.git"},  # the model asking git
             "policybook.handbook.builder": {"policybook.site.pages"},  # the handbook climbing to the site
             "policybook.control.changes": {"policybook.checks.dates"},  # change control importing a rule
             "policybook.newcomer": set()}
    problems = layer_violations(graph, layers)
    assert len(problems) == 5, problems
    assert any("policybook.newcomer is in no layer" in p for p in problems)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_policy_id_pattern_has_one_home_in_tools() -> None:
    homes = [p for p in (REPO / "tools").rglob("*.py") if "[A-Z]{2,6}" in p.read_text(encoding="utf-8")]
    assert homes == [PACKAGE / "ids.py"]


# The evidence pack's verify.py is copied into every pack and run there by an inspector, with Python's
# standard library and OpenSSH alone: it is not policybook's code path (policybook's own check of a pack,
# pack/check.py, verifies signatures with sshsig), so it may call ssh-keygen itself.
STANDALONE = {"pack/verify_bundle.py"}


def test_git_and_ssh_keygen_are_run_from_one_module_each() -> None:
    for program, home in (('"git"', "evidence/git.py"), ('"ssh-keygen"', "evidence/signatures.py")):
        callers = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                         if program in p.read_text(encoding="utf-8"))
        assert [c for c in callers if c not in STANDALONE] == [home], (program, callers)


def test_the_packs_verify_script_imports_only_the_standard_library() -> None:
    tree = ast.parse((PACKAGE / "pack" / "verify_bundle.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_shared_options_are_declared_once() -> None:
    for option in ('"--today"', '"--format"', '"-C"'):
        homes = [p for p in PACKAGE.rglob("*.py") if option in p.read_text(encoding="utf-8")]
        assert homes == [PACKAGE / "cli" / "registry.py"], (option, homes)


# -- the rule registry ---------------------------------------------------------------------------------
def test_every_check_is_registered_with_the_rules_it_reports() -> None:
    reported = {rule.id for c in LOCAL_CHECKS + CORPUS_CHECKS for rule in c.rules}
    file_rules = {r.id for r in RULES.values() if r.scope is Scope.FILE}
    assert set(RULES) - file_rules <= reported
    assert {c.scope for c in LOCAL_CHECKS} == {Scope.POLICY}
    assert {c.scope for c in CORPUS_CHECKS} == {Scope.CORPUS}


@pytest.mark.parametrize("case", FIRES, ids=lambda c: f"{c.rule}:{c.new.strip()[:30]}")
def test_each_check_reports_only_the_rules_it_declares(case: Case, example: Path) -> None:
    strip_fingerprints(example)
    (example / "policies/governance/poster.png").write_bytes(png_bytes())
    edit(example / case.file, case.old, case.new)
    for old, new in case.also:
        edit(example / case.file, old, new)
    corpus = load_corpus(example, dt.date.fromisoformat(TODAY))
    lint_corpus(corpus, LintOptions())  # no house style, but parses every body the same way
    seen: set[str] = set()
    for registered in LOCAL_CHECKS + CORPUS_CHECKS:
        declared = {rule.id for rule in registered.rules}
        emitted = {f.rule for f in registered(corpus, CheckRun())}
        if registered.rules:  # the house style check reports the project's own rules
            assert emitted <= declared, (registered.name, emitted - declared)
        seen |= emitted
    seen |= {f.rule for f in corpus.load_findings}
    assert case.rule in seen


def test_a_rule_cannot_be_declared_twice_or_misspelt() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        declare("schema", Severity.ERROR, Scope.POLICY, "again")
    with pytest.raises(ValueError, match="kebab-case"):
        declare("Not_Kebab", Severity.ERROR, Scope.POLICY, "bad id")
    with pytest.raises(ValueError, match="scope"):
        check(Rule("a-file-rule", Severity.ERROR, "read", Scope.FILE))


# -- the generated rules table -------------------------------------------------------------------------
def test_the_rules_page_holds_the_registry_table() -> None:
    page = RULES_PAGE.read_text(encoding="utf-8")
    assert stale_rules(page) == [], "run: policybook rules --format markdown, and paste it into docs/guide/rules.md"
    assert rules_table() in page


def test_a_rule_missing_from_the_docs_table_fails() -> None:
    page = RULES_PAGE.read_text(encoding="utf-8")
    without = "\n".join(line for line in page.splitlines() if not line.startswith("| `placeholder` |")) + "\n"
    problems = stale_rules(without)
    assert len(problems) == 1 and "`placeholder`" in problems[0]


def test_a_new_rule_missing_from_the_docs_table_fails() -> None:
    page = RULES_PAGE.read_text(encoding="utf-8")
    newcomer = Rule("new-rule", Severity.WARNING, "A rule added without its documentation.", Scope.POLICY)
    problems = stale_rules(page, {**RULES, newcomer.id: newcomer})
    assert len(problems) == 1 and "`new-rule`" in problems[0]


def test_a_page_without_the_markers_is_stale() -> None:
    page = RULES_PAGE.read_text(encoding="utf-8").replace(START, "").replace(END, "")
    assert stale_rules(page) != []


def test_rules_markdown_prints_the_table(run) -> None:
    result = run("rules", "--format", "markdown")
    assert result.code == 0
    assert result.out == rules_table()


def test_rules_json_lists_core_and_house_style_rules(run) -> None:
    result = run("-C", str(REPO), "rules", "--format", "json")
    assert result.code == 0
    listed = {item["id"]: item for item in json.loads(result.out)["rules"]}
    assert set(RULES) <= set(listed)
    assert "Policybook.Hedging" in listed
    assert listed["placeholder"] == {"id": "placeholder", "severity": "error", "scope": "policy",
                                     "summary": RULES["placeholder"].summary}


# -- commands ------------------------------------------------------------------------------------------
def test_every_command_lives_in_its_group_module() -> None:
    groups = {
        "policybook.cli.start": {"init"},
        "policybook.cli.lint": {"lint", "rules", "style"},
        "policybook.cli.site": {"build", "serve", "publish", "handbook"},
        "policybook.cli.change": {"new", "approve", "bump", "reviewed", "sign"},
        "policybook.cli.records": {"history", "asof", "review", "ack"},
        "policybook.cli.practice": {"due", "serviced", "checked", "trained"},
        "policybook.cli.evidence": {"evidence"},
        "policybook.cli.confirm": {"confirmations"},
        "policybook.cli.guidance": {"guidance"},
        "policybook.cli.editor": {"lsp"},
        "policybook.cli.migrate": {"import"},
    }
    declared: dict[str, set[str]] = {}
    for item in COMMANDS:
        declared.setdefault(item.handler.__module__, set()).add(item.name)
    assert declared == groups


def test_help_lists_every_command(run) -> None:
    result = run("--help")
    assert result.code == 0
    for item in COMMANDS:  # a name longer than argparse's column ends its line, its help on the next
        assert f"    {item.name} " in result.out or f"    {item.name}\n" in result.out


def test_lint_offers_every_report_format() -> None:
    from policybook.report import REPORTERS

    lint_command = next(item for item in COMMANDS if item.name == "lint")
    assert tuple(lint_command.formats) == tuple(REPORTERS)
