"""One policy body, Markdown to Typst markup, with pandoc (from pypandoc-binary).

Raw HTML, raw Typst or LaTeX blocks and TeX maths are switched off in the reader, so nothing a
policy author writes reaches the PDF as code. Links to policy ids point inside the handbook when the
target is in it, and to the staff site otherwise; images are copied into the build folder and keep
their alternative text.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypandoc

from policybook.errors import PolicybookError
from policybook.ids import is_policy_id
from policybook.model import Policy

READER = "commonmark_x-raw_html-raw_attribute-tex_math_dollars-gfm_auto_identifiers-yaml_metadata_block"
# MkDocs admonitions (`!!! note "Title"` and an indented body) become pandoc fenced divs.
_ADMONITION = re.compile(r'^!!! *(?P<kind>[\w-]+)(?: +"(?P<title>[^"]*)")? *\n(?P<body>(?:(?: {4}|\t).*\n|[ \t]*\n)+)',
                         re.MULTILINE)
FILTER = Path(__file__).parent / "filters" / "alt-text.lua"
_LINK = re.compile(r"(?P<image>!?)\[(?P<text>(?:[^\[\]\\]|\\.)*)\]\((?P<target>[^)\s]*)(?P<rest>[^)]*)\)")


def label_for(policy_id: str) -> str:
    return "policy-" + policy_id.lower()


class BodyConverter:
    def __init__(self, build_dir: Path, in_handbook: set[str], site_urls: dict[str, str]) -> None:
        self.build_dir = build_dir
        self.in_handbook = in_handbook
        self.site_urls = site_urls  # policy id -> its page on the staff site
        self.images = 0

    def _rewrite(self, policy: Policy, markdown: str) -> str:
        def replace(match: re.Match[str]) -> str:
            target = match.group("target")
            if match.group("image"):
                return match.group(0).replace(f"({target}", f"({self._copy_image(policy, target)}", 1)
            if is_policy_id(target):
                if target in self.in_handbook:
                    target = "#" + label_for(target)
                elif target in self.site_urls:
                    target = self.site_urls[target]
            return f"[{match.group('text')}]({target}{match.group('rest')})"

        return _LINK.sub(replace, markdown)

    def _copy_image(self, policy: Policy, target: str) -> str:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            raise PolicybookError(f"{policy.rel}: image '{target}' is not a file in the repository; the "
                                  "handbook can only include images stored beside the policy")
        source = (policy.doc.path.parent / target).resolve()
        if not source.is_file():
            raise PolicybookError(f"{policy.rel}: image '{target}' not found")
        self.images += 1
        name = f"{_slug(policy)}-image-{self.images}{source.suffix.lower()}"
        (self.build_dir / "images").mkdir(exist_ok=True)
        shutil.copyfile(source, self.build_dir / "images" / name)
        return f"/images/{name}"

    def convert(self, policy: Policy) -> str:
        """Typst markup for the policy's body; a pandoc failure names the policy."""
        markdown = _ADMONITION.sub(_admonition, self._rewrite(policy, policy.doc.body + "\n"))
        try:
            return pypandoc.convert_text(markdown, "typst", format=READER, filters=[str(FILTER)],
                                         extra_args=["--wrap=preserve"])
        except (RuntimeError, OSError) as exc:
            raise PolicybookError(f"{policy.rel}: pandoc could not convert the body: {exc}") from None


def _admonition(match: re.Match[str]) -> str:
    kind = match.group("kind")
    title = match.group("title") if match.group("title") is not None else kind.capitalize()
    body = "\n".join(line[4:] if line.startswith("    ") else line.lstrip("\t")
                     for line in match.group("body").split("\n"))
    safe_title = title.replace("\\", "").replace('"', "'")
    return f'::: {{.admonition .{kind} title="{safe_title}"}}\n{body.strip()}\n:::\n\n'


def _slug(policy: Policy) -> str:
    """A file-name-safe key for a policy, so that an error about its image can name it."""
    return re.sub(r"[^a-z0-9-]", "-", (policy.id or "policy").lower())
