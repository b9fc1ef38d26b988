"""The test suite's own layout: a test module imports no other test module and no fixture, and holds
tests. Shared fixtures live in conftest.py (or a module it loads through ``pytest_plugins``) and shared
helpers and case tables in modules that are not test modules, so that importing one test module never
runs or collects another's code, and pytest finds every fixture the one way it documents."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_test_module(name: str) -> bool:
    """pytest's default ``python_files``: test_*.py and *_test.py."""
    return name.startswith("test_") or name.endswith("_test")


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _test_modules() -> list[Path]:
    return sorted(p for p in TESTS.glob("*.py") if _is_test_module(p.stem))


def _imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """Every import anywhere in ``tree`` (inside functions and classes too): the module's top-level
    name and the names taken from it (``import_module``/``__import__`` of a literal name count too)."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], [alias.name for alias in node.names]))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func
            called = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            if called in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                found.append((node.args[0].value.split(".")[0], []))
    return found


def _is_fixture_decorator(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "fixture") or (
        isinstance(target, ast.Attribute) and target.attr == "fixture")


def _fixtures(tree: ast.Module) -> set[str]:
    """The names of the fixtures a module defines at its top level."""
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and any(_is_fixture_decorator(d) for d in node.decorator_list)}


def test_no_test_module_imports_another_test_module() -> None:
    planted = ast.parse("def helper() -> None:\n    from test_rules import FIRES\n    import test_cli as cli\n")
    assert [name for name, _ in _imports(planted)] == ["test_rules", "test_cli"]  # the check sees inside functions
    local = {p.stem for p in TESTS.glob("*.py")}
    wrong = [f"{path.name} imports {name}" for path in _test_modules() for name, _ in _imports(_parse(path))
             if name in local and _is_test_module(name)]
    assert wrong == [], "move what they share to conftest.py or a helper module: " + "; ".join(wrong)


def test_no_test_module_imports_a_fixture() -> None:
    fixtures = {p.stem: _fixtures(_parse(p)) for p in TESTS.glob("*.py") if not _is_test_module(p.stem)}
    assert {"example", "run", "browser", "mail", "postgresql"} <= set().union(*fixtures.values())
    wrong = [f"{path.name} imports {sorted(set(names) & fixtures[name])} from {name}"
             for path in _test_modules() for name, names in _imports(_parse(path))
             if set(names) & fixtures.get(name, set())]
    assert wrong == [], "take fixtures as parameters, from conftest.py or its plugins: " + "; ".join(wrong)


def test_every_test_module_holds_tests() -> None:
    empty = [path.name for path in _test_modules()
             if not any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                        and node.name.lower().startswith("test") for node in _parse(path).body)]
    assert empty == [], f"modules of helpers only take a name that is not a test module's: {empty}"
