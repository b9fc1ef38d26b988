"""`policybook init`: a new, working policy library from the packaged templates (starter/).

A library is created whole or not at all: every file is checked before anything is written, an
existing library is refused, and no existing file is ever replaced. Optional kits add CI, pre-commit
and editor set-up. The organisation's name is untrusted text: it goes into YAML as a quoted scalar,
into Markdown escaped as text, and into comments only as a single line.
"""

from __future__ import annotations

import contextlib
import json
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement

from policybook.config import CONFIG_NAME, SettingsError, config_from_document
from policybook.errors import PolicybookError
from policybook.findings import Severity, printable
from policybook.loader import parse_yaml
from policybook.registers import Register, declared_registers, load_registers
from policybook.registers.schema import register_schema_path
from policybook.resources import STARTER, house_style_ini, house_styles
from policybook.schemas import schema_dir
from policybook.style.locales import DEFAULT_LOCALE, LOCALES, ini_for_locale
from policybook.views.text import md_text
from policybook.writing import create_atomically, refuse_links_below

KITS = ("github", "gitlab", "pre-commit", "vscode")
# Where pre-commit and CI run policybook from: the files a library's hook watches.
HOOK_FILES = r"^(policies/.+\.md|registers/.+\.ya?ml|records/.+\.csv|policybook\.yml|\.vale\.ini|styles/.+)$"
_MAX_NAME = 120


@dataclass
class Plan:
    """Every file `init` will write (relative path -> bytes), worked out before anything is written."""

    root: Path
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the user should know about what was written

    def add(self, relative: str, content: str | bytes) -> None:
        self.files[relative] = content.encode("utf-8") if isinstance(content, str) else content


def _has_invisible(text: str) -> bool:
    """Control, format (bidi overrides), surrogate or unassigned characters: none belongs in a setting."""
    return any(unicodedata.category(ch).startswith("C") for ch in text)


def organisation_name(raw: str) -> str:
    """The name as one clean line, or a one-line refusal."""
    name = " ".join(raw.split())
    if not 2 <= len(name) <= _MAX_NAME:
        raise PolicybookError(f"--name: give the organisation's name in 2 to {_MAX_NAME} characters")
    if _has_invisible(name):
        raise PolicybookError("--name: the name contains control or invisible format characters")
    return name


def _yaml_string(text: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def requirement(raw: str) -> str:
    """``--install-from`` as one pip requirement naming policybook, or a one-line refusal: it is written
    into requirements.txt and the pre-commit configuration, where a second line would be a second entry."""
    text = raw.strip()
    if not text or _has_invisible(text):
        raise PolicybookError("--install-from: give one pip requirement on one line")
    try:
        parsed = Requirement(text)
    except InvalidRequirement as exc:
        raise PolicybookError(f"--install-from: not a pip requirement ({exc})") from None
    if parsed.name.lower() != "policybook":
        raise PolicybookError(f"--install-from: the requirement names '{parsed.name}', not policybook")
    return text


def install_spec() -> str | None:
    """How CI should install this policybook: the VCS URL and commit it was installed from (PEP 610),
    or None when it came from a local folder or file that CI cannot reach."""
    try:
        raw = metadata.distribution("policybook").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not raw:
        return None
    try:
        info = json.loads(raw)
    except json.JSONDecodeError:
        return None
    vcs = info.get("vcs_info") or {}
    url = info.get("url", "")
    if vcs.get("vcs") == 'git' and url and not url.startswith("file:"):
        revision = vcs.get("requested_revision") or vcs.get("commit_id")
        return f"policybook @ git+{url}" + (f"@{revision}" if revision else "")
    return None


def _template(relative: str) -> string.Template:
    return string.Template((STARTER / relative).read_text(encoding="utf-8"))


def _as_is(relative: str) -> str:
    """A kit file copied unchanged (its `$` belong to CI and editor variables)."""
    return (STARTER / relative).read_text(encoding="utf-8")


def site_address(raw: str | None) -> str | None:
    """The staff site's address as https://host[:port][/path], or a one-line refusal. Besides what the
    settings schema refuses (checked with the rest of the settings, see _refuse_what_lint_would), init
    refuses what no staff site address should carry: a query or fragment, and a user name or password
    (every printed copy shows the address)."""
    if raw is None:
        return None
    text, shown = raw.strip(), printable(raw)
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # not a port number (or over 65535)
        port_ok = False
    if parts.scheme not in ("https", "http") or not parts.hostname or "?" in text or "#" in text \
            or any(ch.isspace() for ch in text) or _has_invisible(text) or not port_ok:
        raise PolicybookError(f"--site-url: '{shown}' is not a web address such as https://policies.example.org")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise PolicybookError(f"--site-url: '{shown}' carries a user name or password: printed copies show the "
                              "address, so give it without them")
    return text.rstrip("/")


def _library(plan: Plan, name: str, locale: str, site_url: str | None = None) -> None:
    # Printed copies and the handbook point staff at the site; without an address they cannot.
    site_url_line = (f"site_url: {_yaml_string(site_url)}  # the staff site's address: printed copies point here"
                     if site_url else "# site_url: https://policies.example.org  # the staff site's address: set "
                     "it so that printed copies and the handbook can point staff to the current version")
    values = {
        "name": name,
        "locale": locale,
        "site_url_line": site_url_line,
        "name_yaml": _yaml_string(name),
        "name_markdown": md_text(name),  # the home page is rendered by MkDocs
        "site_name": _yaml_string(f"{name} policies"),
        "site_description": _yaml_string(f"Current approved policies of {name}"),
        "copyright": _yaml_string(f"{name}. Uncontrolled when printed."),
    }
    for relative in ("policybook.yml", "mkdocs.yml", "docs/index.md"):
        plan.add(relative, _template(f"library/{relative}").substitute(values))
    for register in declared_registers():
        plan.add(f"registers/{register.name}.yml", _starter(register, values))
    plan.add(".gitignore", (STARTER / "library" / "gitignore").read_text(encoding="utf-8"))
    # The house style with the locale's settings in its [*.md] section, so that the real vale agrees.
    plan.add(".vale.ini", ini_for_locale(house_style_ini().read_text(encoding="utf-8"), house_styles(), locale))
    styles = house_styles()
    for path in sorted(p for p in styles.rglob("*") if p.is_file()):
        plan.add(f"styles/{path.relative_to(styles).as_posix()}", path.read_bytes())


def _starter(register: Register, values: dict[str, str]) -> str:
    """A register's starting content: its template filled in, its file as it is, or an empty list."""
    if isinstance(register.starter, str):
        return _template(register.starter).substitute(values)
    if isinstance(register.starter, Path):
        return _without_schema_comment(register.starter.read_text(encoding="utf-8"))
    return f"# The service's {register.name}: one entry each, with an id.\n{register.name}: []\n"


def _without_schema_comment(text: str) -> str:
    """The example register points its editor at ../schemas/, which a new library does not have."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith("# yaml-language-server:"))


def _kit(plan: Plan, kit: str, spec: str | None) -> None:
    if kit == "github":
        plan.add(".github/workflows/policies.yml", _as_is("kits/github/policies.yml"))
        plan.add(".github/workflows/guidance.yml", _as_is("kits/github/guidance.yml"))
    elif kit == "gitlab":
        plan.add(".gitlab-ci.yml", _as_is("kits/gitlab/gitlab-ci.yml"))
    elif kit == "pre-commit":
        hook = _hook_repo(spec)
        plan.add(".pre-commit-config.yaml",
                 _template("kits/pre-commit/pre-commit-config.yaml").substitute(hook_repo=hook))
        if "repo: local" in hook:
            plan.notes.append("pre-commit: the hook runs the policybook on your PATH (repo: local), because this "
                              "one was not installed from a git address; give --install-from to use the "
                              "published hook instead. Run 'pre-commit install' once in the library.")
        else:
            plan.notes.append("pre-commit: run 'pre-commit install' once in the library.")
    elif kit == "vscode":
        for name in ("extensions.json", "tasks.json", "policybook.code-snippets"):
            plan.add(f".vscode/{name}", _as_is(f"kits/vscode/{name}"))
        schemas = {path.name: path for path in sorted(schema_dir().glob("*.schema.json"))}
        lines = []
        for register in declared_registers():
            path = register_schema_path(register)
            schemas[path.name] = path
            lines.append(f',\n    ".vscode/schemas/{path.name}": ["registers/{register.name}.yml"]')
        plan.add(".vscode/settings.json", _template("kits/vscode/settings.json").substitute(
            register_schemas="".join(lines)))
        for name, path in schemas.items():
            plan.add(f".vscode/schemas/{name}", path.read_bytes())


def _hook_repo(spec: str | None) -> str:
    """The published hook when policybook came from a git URL, else the policybook installed here."""
    if spec and spec.startswith("policybook @ git+"):
        url, _, revision = spec.removeprefix("policybook @ git+").rpartition("@")
        if url and revision and "://" in url:
            return (f"  - repo: {_yaml_string(url)}\n    rev: {_yaml_string(revision)}\n    hooks:\n"
                    "      - id: policybook-lint\n")
    return ("  - repo: local\n    hooks:\n      - id: policybook-lint\n        name: policybook lint\n"
            "        entry: policybook lint --changed\n        language: system\n"
            f"        files: {HOOK_FILES}\n        require_serial: true\n")


def plan_library(root: Path, name: str, kits: Iterable[str] = (), spec: str | None = None,
                 locale: str = DEFAULT_LOCALE, site_url: str | None = None) -> Plan:
    """What `init` would write into ``root``, refused if ``root`` already holds a library."""
    name = organisation_name(name)
    site_url = site_address(site_url)
    if locale not in LOCALES:
        raise PolicybookError(f"--locale: choose one of {', '.join(LOCALES)}, not '{locale}'")
    chosen = list(dict.fromkeys(kits))
    unknown = [k for k in chosen if k not in KITS]
    if unknown:
        raise PolicybookError(f"unknown kit '{unknown[0]}': choose from {', '.join(KITS)}")
    if root.exists() and not root.is_dir():
        raise PolicybookError(f"{root}: not a folder")
    if (root / CONFIG_NAME).exists():
        raise PolicybookError(f"{root} already holds a policy library ({CONFIG_NAME}); nothing was written")
    ci = [k for k in chosen if k in ("github", "gitlab")]
    spec = requirement(spec) if spec is not None else install_spec()
    if ci and not spec:
        raise PolicybookError(f"--{ci[0]}: say where CI installs policybook from with --install-from (for example "
                              "'policybook @ git+https://git.example.org/policybook.git@v0.1.0'); this "
                              "policybook was installed from a local folder or file")
    plan = Plan(root)
    _library(plan, name, locale, site_url)
    _refuse_what_lint_would(plan)
    for kit in chosen:
        _kit(plan, kit, spec)
    if ci:
        plan.add("requirements.txt", f"# What CI installs: the policybook this library is checked with.\n{spec}\n")
    clashes = sorted(relative for relative in plan.files if (root / relative).exists()
                     or (root / relative).is_symlink())
    if clashes:
        raise PolicybookError(f"{root / clashes[0]} already exists ({len(clashes)} of the files init writes do); "
                              "nothing was written")
    return plan


# The option that gave each setting init writes, to name it in a refusal.
_OPTIONS = {"site_url": "--site-url", "organisation": "--name", "organisation.name": "--name", "locale": "--locale"}


def _refuse_what_lint_would(plan: Plan) -> None:
    """Read the settings and registers init is about to write as lint reads them (the same reader and
    schema, from the planned text): a value the new library's lint would refuse is refused now, in one
    line naming the option, before anything is written."""
    root = plan.root
    settings = parse_yaml(plan.files[CONFIG_NAME].decode("utf-8"), root / CONFIG_NAME, CONFIG_NAME)
    try:
        config = config_from_document(settings, root)
    except PolicybookError as refusal:
        option = _OPTIONS.get(refusal.field, "init") if isinstance(refusal, SettingsError) else "init"
        said = str(refusal).removeprefix(f"{CONFIG_NAME}:").split(": ", 1)[-1]
        raise PolicybookError(f"{option}: the new library's lint would refuse this: {said}; nothing was written") \
            from None
    texts = {root / relative: content for relative, content in plan.files.items() if relative.startswith("registers/")}
    problems = [f for f in load_registers(config.registers_path, root, config.max_file_bytes, texts).findings
                if f.severity is Severity.ERROR]
    if problems:
        raise PolicybookError(f"--name: the new library's lint would refuse {problems[0].path}: "
                              f"{problems[0].message}; nothing was written")


def write_library(plan: Plan) -> list[str]:
    """Write the plan; on any failure remove what this call wrote, so a failed init leaves nothing."""
    written: list[tuple[Path, int, int]] = []  # path, device, inode: remove only what this call wrote
    made_dirs: list[Path] = []
    try:
        for relative, content in [*plan.files.items(), ("policies/", b"")]:
            target = plan.root / relative
            refuse_links_below(plan.root, target)
            missing = [p for p in [target if relative.endswith("/") else target.parent, *target.parent.parents]
                       if not p.exists()]
            for folder in reversed(missing):
                try:
                    folder.mkdir()
                except FileExistsError:
                    continue  # made meanwhile by someone else: not ours to remove
                made_dirs.append(folder)
            if relative.endswith("/"):
                continue
            try:
                create_atomically(target, content)
            except PolicybookError:
                raise PolicybookError(f"{target} appeared while init was writing; nothing was kept") from None
            status = target.stat()
            written.append((target, status.st_dev, status.st_ino))
    except BaseException:
        for path, device, inode in reversed(written):
            with contextlib.suppress(OSError):
                status = path.lstat()
                if (status.st_dev, status.st_ino) == (device, inode):
                    path.unlink()
        for folder in reversed(made_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: nothing that was there before is touched
        raise
    return sorted(plan.files)
