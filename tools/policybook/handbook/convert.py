"""One policy body to Typst markup: the same sanitised HTML the staff site shows (render.py), read
by pandoc's HTML reader (pandoc from pypandoc-binary) and written as Typst.

Heading ids carry the policy's label, so that in-page links stay inside their policy when every
policy shares one document. A link to a policy that may be in the PDF becomes a cross-reference that the
template resolves per edition (to the policy when that edition holds it, else to its page on the staff
site), so one conversion serves every edition; a link to any other policy goes to the staff site. Images
are copied into the build folder (from inside the policies folder only, as files.py decides) and keep
their alternative text.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

import pypandoc

from policybook.errors import PolicybookError
from policybook.files import Kind, classify, linked_policy
from policybook.images import image_problem
from policybook.model import Policy

FILTER = Path(__file__).parent / "filters" / "alt-text.lua"
XREF = "pb-xref-"  # an in-page link target the Lua filter turns into the template's pb-link
SPLIT = "pb-split-"  # the division around each body in a batch, which the Lua filter marks (see convert_all)
URGENT = "pb-urgent-"  # the division around a body's urgent section, which the Lua filter marks (see urgent_apart)


class PolicyContentError(PolicybookError):
    """A policy's own content stops the handbook (not the command line or the settings): reported as a
    finding against that policy's file, so `policybook handbook` exits 1 as lint does."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def label_for(policy_id: str) -> str:
    return "policy-" + policy_id.lower()


class BodyConverter:
    def __init__(self, build_dir: Path, in_handbook: set[str], site_urls: dict[str, str], *, root: Path,
                 policies_dir: Path, by_id: dict[str, Policy], site_url: str = "") -> None:
        self.build_dir = build_dir
        self.in_handbook = in_handbook  # ids any edition being built holds: links to them are resolved per edition
        self.site_urls = site_urls  # policy id -> its page on the staff site
        self.root, self.policies_dir, self.by_id = root, policies_dir, by_id
        self.by_path = {p.doc.path.resolve(): p for p in by_id.values()}
        self.site_url = site_url.rstrip("/")
        self.images = 0
        self.xrefs: dict[str, str] = {}  # cross-reference label -> the staff site address to use instead
        # Marks the urgent section's place in the Typst: a key made for this run, which no body can write
        # (a body's divisions carry no id once sanitised, and pandoc escapes its text).
        self.urgent_mark = f"{URGENT}{secrets.token_hex(8)}"

    def _link(self, policy: Policy, href: str) -> str | None:
        target = classify(href, policy.doc.path, self.root, self.policies_dir)
        if target.kind is Kind.EXTERNAL:
            return href
        if target.kind is Kind.ANCHOR:  # a heading that is not there would stop Typst: keep the text
            return f"#{_prefix(policy)}{target.fragment}" if target.fragment in policy.summary.anchors else None
        if target.kind is Kind.POLICY:
            other = linked_policy(target, self.by_id, self.by_path)
            if other is None or not other.id:
                return None
            url = self.site_urls.get(other.id)
            url = f"{url}#{target.fragment}" if url and target.fragment else url
            if other.id in self.in_handbook:
                known = target.fragment and target.fragment in other.summary.anchors
                label = f"{_prefix(other)}{target.fragment}" if known else label_for(other.id)
                self.xrefs[label] = url or ""
                return f"#{XREF}{label}"
            return url
        if target.kind is Kind.FILE and target.path is not None and self.site_url:
            return f"{self.site_url}/policies/{target.path.relative_to(self.policies_dir.absolute()).as_posix()}"
        return None

    def _image(self, policy: Policy, src: str) -> str | None:
        target = classify(src, policy.doc.path, self.root, self.policies_dir, image=True)
        problem = target.problem if target.kind is not Kind.FILE or target.path is None else image_problem(target.path)
        if problem:
            raise PolicyContentError(policy.rel, f"image '{src}' {problem}")
        assert target.path is not None
        self.images += 1
        name = f"{_slug(policy)}-image-{self.images}{target.path.suffix.lower()}"
        (self.build_dir / "images").mkdir(exist_ok=True)
        shutil.copyfile(target.path, self.build_dir / "images" / name, follow_symlinks=False)
        return f"/images/{name}"

    def render(self, policy: Policy) -> str:
        """The policy's body as the sanitised HTML pandoc reads (links resolved, images copied), its urgent
        section first, where a reader opening the policy finds it before the rest."""
        from policybook.render import render_body

        body = render_body(policy.doc.body, link=lambda href: self._link(policy, href),
                           image=lambda src: self._image(policy, src), id_prefix=_prefix(policy),
                           for_print=True, urgent=policy.urgent)
        return f'<div id="{self.urgent_mark}">{body.urgent}</div>{body.html}' if body.urgent else body.html

    def urgent_apart(self, typst: str) -> tuple[str, str]:
        """A converted body as (its urgent section, the rest): the template prints the first before the
        policy's document control. ("", the body) when the body has no urgent section."""
        start, end = f"// {self.urgent_mark} start\n", f"// {self.urgent_mark} end\n"
        before, found, after = typst.partition(start)
        urgent, closed, rest = after.partition(end)
        if not found or not closed:
            return "", typst
        return urgent, before + rest

    def convert(self, policy: Policy) -> str:
        """Typst markup for the policy's body; a pandoc failure names the policy."""
        return self._pandoc(policy, self.render(policy))

    def convert_all(self, policies: list[Policy]) -> list[str]:
        """Typst markup for each body, from one pandoc run for all of them: starting pandoc costs more
        than converting a body. Each body is wrapped in a division the Lua filter marks in the output
        with a number and a key made for this run, which no body's text can produce (pandoc escapes it)."""
        pages = [self.render(policy) for policy in policies]
        if len(policies) < 2:
            return [self._pandoc(policy, page) for policy, page in zip(policies, pages, strict=True)]
        key = secrets.token_hex(8)
        joined = "".join(f'<div id="{SPLIT}{key}-{index}">{page}</div>' for index, page in enumerate(pages))
        try:
            typst = pypandoc.convert_text(joined, "typst", format="html", filters=[str(FILTER)],
                                          extra_args=["--wrap=preserve"])
        except (RuntimeError, OSError):
            typst = ""  # one at a time below, so that the error names the policy
        parts = re.split(rf"^// {SPLIT}{key}-\d+\n", typst, flags=re.MULTILINE)
        if len(parts) != len(policies) + 1 or parts[0].strip():
            return [self._pandoc(policy, page) for policy, page in zip(policies, pages, strict=True)]
        return [part.strip("\n") + "\n" for part in parts[1:]]

    def _pandoc(self, policy: Policy, page: str) -> str:
        try:
            return str(pypandoc.convert_text(page, "typst", format="html", filters=[str(FILTER)],
                                             extra_args=["--wrap=preserve"]))
        except (RuntimeError, OSError) as exc:
            raise PolicyContentError(policy.rel, f"pandoc could not convert the body: {exc}") from None


def _prefix(policy: Policy) -> str:
    """Heading ids of one policy in the handbook: its label and a hyphen, so ids never clash."""
    return f"{label_for(policy.id or 'policy')}-"


def _slug(policy: Policy) -> str:
    """A file-name-safe key for a policy, so that an error about its image can name it."""
    return re.sub(r"[^a-z0-9-]", "-", (policy.id or "policy").lower())
