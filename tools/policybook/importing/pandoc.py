"""Pandoc, as the import uses it: a document in, its JSON tree out, and a cleaned tree back to Markdown.

pandoc comes with pypandoc-binary, as for the handbook. It runs in its sandbox (it reads only the
file it is given), the file is always a copy with a fixed name in a private folder (pypandoc expands
wildcards in file names, and a name could start with a dash), and any failure is one line.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
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


def read_docx(path: Path, media: Path, name: str, prepare: Callable[[Path], None] | None = None) -> dict[str, Any]:
    """The document tree of the Word file ``path``, its pictures extracted under ``media``. ``prepare``
    may change the private copy that pandoc reads (the original is never touched)."""
    with tempfile.TemporaryDirectory(prefix="policybook-import-") as folder:
        copy = Path(folder) / "source.docx"
        shutil.copyfile(path, copy)
        if prepare is not None:
            prepare(copy)
        try:
            output = pypandoc.convert_file(str(copy), "json", format="docx", sandbox=True,
                                           extra_args=[f"--extract-media={media}"])
        except (RuntimeError, OSError) as exc:
            raise PolicybookError(f"{name}: cannot be read as a Word document ({_last_line(exc)})") from None
    return _tree(output, name)


def read_markdown(text: str, name: str) -> dict[str, Any]:
    try:
        output = pypandoc.convert_text(text, "json", format=MARKDOWN_IN, sandbox=True)
    except (RuntimeError, OSError) as exc:
        raise PolicybookError(f"{name}: cannot be read as Markdown ({_last_line(exc)})") from None
    return _tree(output, name)


def write_markdown(tree: dict[str, Any]) -> str:
    """The tree as policy-dialect Markdown."""
    try:
        text = pypandoc.convert_text(json.dumps(tree), MARKDOWN_OUT, format="json", sandbox=True,
                                     extra_args=[COLUMNS])
    except (RuntimeError, OSError) as exc:
        raise PolicybookError(f"the converted text could not be written as Markdown ({_last_line(exc)})") from None
    return text.replace("\r\n", "\n")


def blocks_tree(tree: dict[str, Any], blocks: list[Any]) -> dict[str, Any]:
    """A tree with ``tree``'s version and no metadata, holding ``blocks``."""
    return {"pandoc-api-version": tree["pandoc-api-version"], "meta": {}, "blocks": blocks}


def _tree(output: str, name: str) -> dict[str, Any]:
    try:
        tree = json.loads(output)
    except ValueError:
        raise PolicybookError(f"{name}: pandoc gave no readable document") from None
    if not isinstance(tree, dict) or not isinstance(tree.get("blocks"), list):
        raise PolicybookError(f"{name}: pandoc gave no readable document")
    return tree


def _last_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1][:200] if lines else type(exc).__name__
