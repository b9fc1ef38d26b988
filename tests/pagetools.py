"""Realistic guidance pages for the guidance watch's tests: a publisher's template (navigation, cookie
banner, header, breadcrumbs, a rotating news panel, a footer with the page's generation time, scripts and
tracking parameters in links) around the main text, with every cosmetic part adjustable."""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace

NAV = ("Home", "Guidance", "Publications", "News", "About us", "Contact")
NEWS = ("Board meeting papers published", "Consultation on fees opens", "New chair appointed",
        "Annual report 2025/26", "Conference bookings open")


@dataclass(frozen=True)
class Page:
    title: str
    publisher: str
    edition: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, paragraphs)
    nav: tuple[str, ...] = NAV
    cookie_banner: bool = True
    generated: str = "Page generated 2026-12-06 08:14:03 UTC"
    tracking: str = "?utm_source=newsletter&utm_medium=email"
    news: tuple[str, ...] = NEWS[:3]
    indent: str = "  "
    extra_script: str = ""
    notices: tuple[str, ...] = field(default=())

    def vary(self, **changes: object) -> Page:
        return replace(self, **changes)  # type: ignore[arg-type]


def render(page: Page) -> str:
    """The page as the publisher serves it."""
    e = html.escape
    i = page.indent
    nav = "".join(f'{i}<li><a href="/{e(item.lower().replace(" ", "-"))}{e(page.tracking)}">{e(item)}</a></li>\n'
                  for item in page.nav)
    cookie = ('<div class="cookie-banner" role="region" aria-label="Cookies on this site"><p>We use cookies '
              'to make this site work and to collect analytics.</p><button>Accept all cookies</button>'
              '<button>Reject analytics cookies</button></div>\n') if page.cookie_banner else ""
    news = "".join(f'<li><a href="/news/{n}{e(page.tracking)}">{e(item)}</a></li>'
                   for n, item in enumerate(page.news))
    body = "".join(
        f"{i}<h2>{e(heading)}</h2>\n" + "".join(f"{i}{i}<p>{e(p)}</p>\n" for p in paragraphs)
        for heading, paragraphs in page.sections)
    notices = "".join(f'<div class="notice"><p>{e(n)}</p></div>\n' for n in page.notices)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(page.title)} - {e(page.publisher)}</title>
<script>window.dataLayer = window.dataLayer || []; gtag('config', 'G-123');</script>
{page.extra_script}
</head>
<body>
{cookie}<header class="site-header"><a href="/{e(page.tracking)}" class="logo">{e(page.publisher)}</a>
<form action="/search"><input name="q" placeholder="Search"></form></header>
<nav class="main-nav"><ul>
{nav}</ul></nav>
<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/guidance">Guidance</a></div>
<main id="content">
<article>
<h1>{e(page.title)}</h1>
<p class="meta">Published by {e(page.publisher)}. {e(page.edition)}</p>
{notices}{body}</article>
</main>
<aside class="news-panel"><h2>Latest news</h2><ul>{news}</ul></aside>
<footer class="site-footer"><p>&copy; {e(page.publisher)}</p><p>{e(page.generated)}</p>
<ul><li><a href="/accessibility{e(page.tracking)}">Accessibility</a></li><li><a href="/privacy">Privacy</a></li></ul>
</footer>
<script src="/assets/app.js?v=93a1"></script>
</body>
</html>
"""


def example_page(entry: dict[str, str]) -> Page:
    """A saved copy of an example guidance entry's page (the example organisation and its copies are
    fictional; the text is written for the tests, not taken from the publisher)."""
    title, publisher = entry["title"], entry["publisher"]
    return Page(
        title=title, publisher=publisher, edition=entry["edition"],
        sections=(
            ("Summary", (f"{title} sets out what {publisher} expects of services it applies to. "
                         "Read it with the related guidance listed below.",)),
            ("Who this is for", ("Providers of health and social care, their managers and the staff who "
                                 "put it into practice.",)),
            ("What it requires", (f"Services follow {title} in their policies, train their staff in it and "
                                  "check from time to time that practice matches it.",
                                  "Where a service cannot follow a part of it, it records why and what it "
                                  "does instead.")),
            ("Related guidance", (f"Other publications of {publisher} on the same subject.",)),
        ))
