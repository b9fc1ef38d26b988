"""Pandoc, as the import uses it: a document in, its JSON tree out, and a cleaned tree back to Markdown.

pandoc comes with pypandoc-binary, as for the handbook. It runs in its sandbox (it reads only the
file it is given), the file is always a copy with a fixed name in a private folder (a name could
start with a dash), and any failure is one line. A crafted document can make pandoc work for ever or
use all the memory there is, so each run has a time limit and a memory cap: pandoc's own heap limit
(``+RTS -M``) when its binary accepts runtime options, else a resource limit on the child process.

The tree pandoc gives back is refused when it is nested deeper than the import walks (tables in
tables, lists in lists, emphasis in emphasis), before Python's recursion limit is reached.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypandoc

from policybook.errors import PolicybookError

# Foreign Markdown read literally: no smart quotes, emoji codes, $ as mathematics, ~ as subscript or YAML
# blocks in the middle of the text, so the words come through as written.
MARKDOWN_IN = "commonmark_x-smart-emoji-tex_math_dollars-subscript-superscript-yaml_metadata_block-raw_attribute"
# The policy dialect: CommonMark with pipe tables, never raw HTML. Struck-out text keeps its ~~ marks
# (shown as written on the site) rather than silently reading as current text.
MARKDOWN_OUT = "commonmark-raw_html+pipe_tables+strikeout"
COLUMNS = "--columns=100"
TIMEOUT_SECONDS = 120
MEMORY_MB = 1536
# How deep pandoc's JSON tree may be nested: a paragraph in a table cell is about 16 levels down, each
# list level adds 3 and each table about 12. The walks over the tree recurse once or twice per level.
MAX_DEPTH = 200
# The end of the time one import command may take (limits.import_max_seconds), and that many seconds.
_DEADLINE: contextvars.ContextVar[tuple[float, int] | None] = contextvars.ContextVar("import_deadline", default=None)


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Everything inside (every pandoc run, every ``check_time``) stops once ``seconds`` have passed."""
    token = _DEADLINE.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time() -> None:
    """One line when the import's time is up."""
    if _remaining() <= 0:
        raise _out_of_time()


def _remaining() -> float:
    deadline = _DEADLINE.get()
    return TIMEOUT_SECONDS if deadline is None else min(TIMEOUT_SECONDS, deadline[0] - time.monotonic())


def _out_of_time() -> PolicybookError:
    deadline = _DEADLINE.get()
    seconds = deadline[1] if deadline else TIMEOUT_SECONDS
    return PolicybookError(f"import stopped: it took longer than {seconds} seconds (limits.import_max_seconds); "
                           "nothing was written")


def read_docx(make: Callable[[Path], None], media: Path, name: str) -> dict[str, Any]:
    """The document tree of a Word file, its pictures extracted under ``media``. ``make`` writes the
    private copy that pandoc reads (the original is never given to pandoc)."""
    with tempfile.TemporaryDirectory(prefix="policybook-import-") as folder:
        copy = Path(folder) / "source.docx"
        make(copy)
        output = _pandoc(["--from=docx", "--to=json", f"--extract-media={media}", str(copy)], None,
                         f"{name}: cannot be read as a Word document")
    return _tree(output, name)


def read_markdown(text: str, name: str) -> dict[str, Any]:
    output = _pandoc([f"--from={MARKDOWN_IN}", "--to=json"], text, f"{name}: cannot be read as Markdown")
    return _tree(output, name)


def write_markdown(tree: dict[str, Any]) -> str:
    """The tree as policy-dialect Markdown."""
    text = _pandoc(["--from=json", f"--to={MARKDOWN_OUT}", COLUMNS], json.dumps(tree),
                   "the converted text could not be written as Markdown")
    return text.replace("\r\n", "\n")


def _pandoc(args: list[str], text: str | None, failure: str) -> str:
    """pandoc's output for ``args`` (reading ``text`` on its input, if given), sandboxed, with its time
    and memory limited; any failure is one line starting ``failure``."""
    timeout = _remaining()
    if timeout <= 0:
        raise _out_of_time()
    try:
        command = [pypandoc.get_pandoc_path(), *heap_cap(), "--sandbox", *args]
        limit = None if heap_cap() or sys.platform == "win32" else _limit_memory
        done = subprocess.run(command, input=text.encode("utf-8") if text is not None else None,
                              capture_output=True, timeout=timeout, check=False,
                              preexec_fn=limit)
    except subprocess.TimeoutExpired:
        if _DEADLINE.get() is not None and timeout < TIMEOUT_SECONDS:
            raise _out_of_time() from None
        raise PolicybookError(f"{failure} (pandoc took longer than {TIMEOUT_SECONDS} seconds)") from None
    except OSError as exc:
        raise PolicybookError(f"{failure} ({exc.strerror or exc})") from None
    if done.returncode != 0:
        errors = done.stderr.decode("utf-8", errors="replace")
        if "heap overflow" in errors.lower() or "heap exhausted" in errors.lower() or done.returncode < 0:
            raise PolicybookError(f"{failure} (pandoc needed more than {MEMORY_MB} MB of memory)")
        raise PolicybookError(f"{failure} ({_last_line(errors) or f'pandoc stopped with code {done.returncode}'})")
    return done.stdout.decode("utf-8", errors="replace")


@functools.cache
def heap_cap() -> tuple[str, ...]:
    """pandoc's own heap limit, when its binary takes runtime options (pypandoc-binary's does)."""
    option = ("+RTS", f"-M{MEMORY_MB}m", "-RTS")
    try:
        done = subprocess.run([pypandoc.get_pandoc_path(), *option, "--version"], capture_output=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return option if done.returncode == 0 else ()


def _limit_memory() -> None:
    """In the child, before pandoc starts: a cap on its address space (POSIX only)."""
    if sys.platform != "win32":
        import resource

        limit = MEMORY_MB * 2 * 1024 * 1024  # the runtime reserves address space beyond its heap
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def blocks_tree(tree: dict[str, Any], blocks: list[Any]) -> dict[str, Any]:
    """A tree with ``tree``'s version and no metadata, holding ``blocks``."""
    return {"pandoc-api-version": tree["pandoc-api-version"], "meta": {}, "blocks": blocks}


def _tree(output: str, name: str) -> dict[str, Any]:
    try:
        tree = json.loads(output)
    except RecursionError:
        raise too_deep(name) from None
    except ValueError:
        raise PolicybookError(f"{name}: pandoc gave no readable document") from None
    if not isinstance(tree, dict) or not isinstance(tree.get("blocks"), list):
        raise PolicybookError(f"{name}: pandoc gave no readable document")
    check_depth(tree, name)
    return tree


def check_depth(tree: Any, name: str) -> None:
    """Refuse a tree nested deeper than ``MAX_DEPTH``, found without recursion."""
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise too_deep(name)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))


def too_deep(name: str) -> PolicybookError:
    return PolicybookError(f"{name}: is nested too deeply (tables in tables, lists in lists or emphasis in "
                           "emphasis, many levels deep): simplify it in the original and import it again")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
