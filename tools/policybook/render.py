"""Policy bodies to HTML: the one rendering of the policy dialect, for the site and the handbook alike.

The body is parsed with the same markdown-it configuration as lint (``markdown.dialect``), heading
ids are given by ``markdown.heading_slug``, links and images are resolved by the caller (the site
points them at pages and published files, the handbook at labels and copied images), and the HTML
is then cleaned by nh3 (Rust's ammonia) with an allow-list. The site shows that HTML; the handbook
gives the same HTML to pandoc's HTML reader. So the staff site and the PDF carry the same blocks,
and nothing a policy says can run as script. Raw HTML in a policy is shown as the text it is (and
comments are dropped), on the site and in the PDF alike: the dialect has no HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it.token import Token

from policybook.markdown import dialect, heading_slug, section_bounds, unique_slug

# What a policy body may contain once rendered. Everything else is removed, content kept.
BODY_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
}
BODY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
ADMONITION_KINDS = {"note", "abstract", "info", "tip", "success", "question", "warning", "failure", "danger",
                    "bug", "example", "quote", "attention", "caution", "error", "hint", "important", "seealso"}
BODY_CLASSES = {
    "div": {"admonition", "admonition-title", *ADMONITION_KINDS},
    "p": {"admonition-title"},
    "td": {"pb-align-left", "pb-align-center", "pb-align-right"},
    "th": {"pb-align-left", "pb-align-center", "pb-align-right"},
    "a": {"headerlink"},
}
URL_SCHEMES = {"http", "https", "mailto"}

LinkResolver = Callable[[str], str | None]  # href as written -> href to use, or None to keep the text only


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass
class RenderedBody:
    html: str  # the body, without its urgent section when it has one
    headings: list[Heading] = field(default_factory=list)  # the urgent section's first: it is shown first
    urgent: str = ""  # the section readers must find first, with its heading (see render_body's ``urgent``)
    urgent_id: str = ""  # that heading's id


def _safe_id(value: str) -> bool:
    """Heading ids are our own slugs: never an id that page scripts look up (``__config`` and the like)."""
    return bool(value) and value[0].isalnum() and all(c.isalnum() or c in "-_" for c in value)


# Attributes a generated page's tables use, with the only values they may take: header cells scoped to
# their column or row, and a wide table's scrolling container reachable by keyboard and named by its caption.
_FIXED_VALUES = {("th", "scope"): {"col", "row"}, ("div", "role"): {"region"}, ("div", "tabindex"): {"0"}}


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name in ("id", "aria-labelledby") and not _safe_id(value):
        return None
    allowed = _FIXED_VALUES.get((tag, name))
    if allowed is not None and value not in allowed:
        return None
    return value


def sanitise(fragment: str) -> str:
    """A policy body with only the allow-listed elements, attributes, classes and URL schemes left."""
    attributes = {tag: set(names) for tag, names in BODY_ATTRIBUTES.items()}
    classes = {tag: set(names) for tag, names in BODY_CLASSES.items()}
    return nh3.clean(fragment, tags=BODY_TAGS, attributes=attributes, allowed_classes=classes,
                     url_schemes=URL_SCHEMES, attribute_filter=_keep_attribute, link_rel=None,
                     strip_comments=True)


MAX_EMPHASIS_DEPTH = 6  # deeper emphasis is shown as plain text: Typst cannot nest show rules without end


def render_body(body: str, *, link: LinkResolver, image: LinkResolver, id_prefix: str = "",
                permalinks: bool = False, for_print: bool = False, urgent: str | None = None) -> RenderedBody:
    """The body as sanitised HTML and its headings. ``id_prefix`` keeps heading ids apart when many
    bodies share one document (the handbook); ``permalinks`` adds the site's ¶ anchors; ``for_print``
    marks a note's title as its own block, which pandoc's HTML reader keeps apart from its text;
    ``urgent`` names a section (by its heading's words) rendered apart, for the output to show first."""
    md = dialect()
    env: dict[str, Any] = {}
    tokens = md.parse(body, env)
    headings: list[Heading] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[index + 1]
            slug = id_prefix + unique_slug(heading_slug(inline.content), used)
            token.attrSet("id", slug)
            headings.append(Heading(int(token.tag[1]), slug, _plain_text(inline)))
            if permalinks:
                inline.children = [*(inline.children or []), *_permalink(slug)]
        elif token.type in ("th_open", "td_open"):
            _alignment_class(token)
        elif token.type in ("admonition_title_open", "admonition_title_close") and for_print:
            token.tag = "div"
        elif token.type == "html_block":
            text = _without_comments(token.content).strip()
            token.content = f"<p>{escape(text)}</p>\n" if text else ""
        elif token.type == "inline" and token.children:
            _resolve(token.children, link, image)
            _limit_emphasis(token.children)
            for child in token.children:
                if child.type == "html_inline":
                    child.content = "" if child.content.startswith("<!--") else escape(child.content)
    start, end = section_bounds(tokens, urgent) if urgent else (0, 0)
    if start == end:
        return RenderedBody(sanitise(md.renderer.render(tokens, md.options, env)), headings)
    first = str(tokens[start].attrGet("id") or "")
    inside = [h for h in headings if h.id in {str(t.attrGet("id")) for t in tokens[start:end]
                                              if t.type == "heading_open"}]
    rest = tokens[:start] + tokens[end:]
    return RenderedBody(sanitise(md.renderer.render(rest, md.options, env)),
                        [*inside, *(h for h in headings if h not in inside)],
                        sanitise(md.renderer.render(tokens[start:end], md.options, env)), first)


def _without_comments(text: str) -> str:
    """Raw HTML with its comments (`<!-- vale off -->`, template hints) taken out."""
    out: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        out.append(text[position:start])
        end = text.find("-->", start + 4)
        position = len(text) if end < 0 else end + 3
    out.append(text[position:])
    return "".join(out)


def _plain_text(inline: Token) -> str:
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


def _permalink(slug: str) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs={"class": "headerlink", "href": f"#{slug}",
                                                 "title": "Permanent link"})
    text = Token("text", "", 0, content="¶")
    return [Token("text", "", 0, content=" "), opening, text, Token("link_close", "a", -1)]


def _limit_emphasis(children: list[Token]) -> None:
    """Emphasis nested more than MAX_EMPHASIS_DEPTH deep keeps its words and loses the markup."""
    depth = 0
    dropped: list[bool] = []
    for child in children:
        if child.type in ("em_open", "strong_open", "s_open"):
            depth += 1
            dropped.append(depth > MAX_EMPHASIS_DEPTH)
            if dropped[-1]:
                child.type, child.tag, child.nesting, child.markup = "text", "", 0, ""
        elif child.type in ("em_close", "strong_close", "s_close") and dropped:
            if dropped.pop():
                child.type, child.tag, child.nesting, child.markup = "text", "", 0, ""
            depth -= 1


def _alignment_class(token: Token) -> None:
    style = str(token.attrGet("style") or "")
    if style.startswith("text-align:"):
        token.attrs.pop("style", None)
        token.attrSet("class", f"pb-align-{style.split(':', 1)[1].strip()}")


def _resolve(children: list[Token], link: LinkResolver, image: LinkResolver) -> None:
    """Point each link and image where the output needs it; unresolvable links keep only their text."""
    for position, child in enumerate(children):
        if child.type == "link_open":
            target = link(str(child.attrGet("href") or ""))
            if target is None:
                _drop_link(children, position)
            else:
                child.attrSet("href", target)
        elif child.type == "image":
            target = image(str(child.attrGet("src") or ""))
            if target is None:
                child.type, child.tag, child.content = "text", "", _alt(child)
                child.children = None
            else:
                child.attrSet("src", target)


def _alt(child: Token) -> str:
    return "".join(c.content for c in child.children or [] if c.type in ("text", "code_inline"))


def _drop_link(children: list[Token], opening: int) -> None:
    depth = 0
    for position in range(opening, len(children)):
        token = children[position]
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
            if depth == 0:
                token.type, token.tag, token.nesting = "text", "", 0
                break
    opening_token = children[opening]
    opening_token.type, opening_token.tag, opening_token.nesting, opening_token.attrs = "text", "", 0, {}


def escape(text: object) -> str:
    """Text for HTML, attribute values included."""
    return html.escape(str(text), quote=True)


# The site's own pages (generated registers, the home page, the guide) come from trusted templates
# and escaped values, but they are cleaned too, as a second line behind the escaping: any class, no
# style, no script, no event handler, safe URL schemes only.
PAGE_TAGS = BODY_TAGS | {"figure", "figcaption", "nav", "section", "article", "aside", "header", "footer", "time"}


def sanitise_page(fragment: str) -> str:
    """A page's rendered content with only safe elements, attributes and URL schemes left."""
    attributes = {tag: set(names) for tag, names in BODY_ATTRIBUTES.items()}
    attributes["*"] = {"class", "id", "title"}
    attributes["time"] = {"datetime"}  # register dates: shown long, sorted by the ISO date
    attributes["th"] = attributes.get("th", set()) | {"scope"}
    attributes["div"] = attributes.get("div", set()) | {"role", "tabindex", "aria-labelledby"}
    return nh3.clean(fragment, tags=PAGE_TAGS, attributes=attributes, url_schemes=URL_SCHEMES,
                     attribute_filter=_keep_attribute, link_rel=None, strip_comments=True)
