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
    template: str = "generic"  # the publisher's page layout: generic, nice, govuk, resus or htm

    def vary(self, **changes: object) -> Page:
        return replace(self, **changes)  # type: ignore[arg-type]


def render(page: Page) -> str:
    """The page as the publisher serves it."""
    if page.template != "generic":
        return TEMPLATES[page.template](page)
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


def _nav(page: Page, item_class: str = "") -> str:
    e, i = html.escape, page.indent
    return "".join(f'{i}<li class="{item_class}"><a href="/{e(item.lower().replace(" ", "-"))}{e(page.tracking)}">'
                   f'{e(item)}</a></li>\n' for item in page.nav)


def _news(page: Page) -> str:
    e = html.escape
    return "".join(f'<li><a href="/news/{n}{e(page.tracking)}">{e(item)}</a> <time>2026-11-{10 + n}</time></li>'
                   for n, item in enumerate(page.news))


def _notices(page: Page, css: str) -> str:
    return "".join(f'<div class="{css}"><p>{html.escape(n)}</p></div>\n' for n in page.notices)


def render_nice(page: Page) -> str:
    """A NICE-like guideline page: numbered recommendations, an "On this page" list, a feedback form."""
    e, i = html.escape, page.indent
    contents = "".join(f'<li><a href="#s{n}{e(page.tracking)}">{e(h)}</a></li>'
                       for n, (h, _) in enumerate(page.sections))
    body = "".join(
        f'{i}<section id="s{n}"><h2>{n + 1} {e(heading)}</h2>\n'
        + "".join(f"{i}{i}<p>{n + 1}.{k + 1} {e(text)}</p>\n" for k, text in enumerate(paragraphs))
        + f"{i}</section>\n" for n, (heading, paragraphs) in enumerate(page.sections))
    cookie = ('<div id="cookie-control" class="ccc-notify"><p>We use cookies to improve our website.</p>'
              '<button>Accept</button><button>Settings</button></div>\n') if page.cookie_banner else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{e(page.title)} | Guidance | {e(page.publisher)}</title>
<script src="https://cdn.example/gtm.js?id=GTM-1"></script>{page.extra_script}</head>
<body>{cookie}<header class="site-header"><a href="/{e(page.tracking)}">{e(page.publisher)}</a>
<nav aria-label="primary"><ul>
{_nav(page, "nav-item")}</ul></nav><form role="search"><input name="q"></form></header>
<main id="content-start">
<div class="page-header"><h1>{e(page.title)}</h1>
<p class="page-header__lead">{e(page.edition)}</p></div>
<nav aria-label="On this page" class="in-page-nav"><h2>On this page</h2><ul>{contents}</ul></nav>
<div class="chapter">
{_notices(page, "alert alert--warning")}{body}</div>
<div class="feedback"><h2>Is this page useful?</h2><button>Yes</button><button>No</button></div>
</main>
<aside class="news"><h2>News</h2><ul>{_news(page)}</ul></aside>
<footer><p>{e(page.generated)}</p><p>&copy; {e(page.publisher)} 2026. All rights reserved.</p></footer>
</body></html>
"""


def render_govuk(page: Page) -> str:
    """A GOV.UK-like publication page: govspeak body, metadata list, related-content sidebar."""
    e, i = html.escape, page.indent
    body = "".join(f'{i}<h2 id="h{n}">{e(heading)}</h2>\n' + "".join(f"{i}<p>{e(t)}</p>\n" for t in paragraphs)
                   for n, (heading, paragraphs) in enumerate(page.sections))
    cookie = ('<div class="govuk-cookie-banner" role="region" aria-label="Cookies on GOV.UK"><h2>Cookies on '
              'GOV.UK</h2><p>We use some essential cookies to make this website work.</p><button>Accept additional '
              'cookies</button><button>Reject additional cookies</button></div>\n') if page.cookie_banner else ""
    return f"""<!DOCTYPE html>
<html lang="en" class="govuk-template"><head><meta charset="utf-8"><title>{e(page.title)} - GOV.UK</title>
<script>window.GOVUK = {{}};</script>{page.extra_script}</head>
<body class="govuk-template__body">{cookie}<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<header class="govuk-header"><a href="/{e(page.tracking)}" class="govuk-header__link">GOV.UK</a>
<nav class="govuk-header__navigation"><ul>
{_nav(page, "govuk-header__navigation-item")}</ul></nav></header>
<div class="govuk-width-container"><nav class="govuk-breadcrumbs"><ol><li><a href="/">Home</a></li>
<li><a href="/health-and-social-care">Health and social care</a></li></ol></nav>
<main class="govuk-main-wrapper" id="main-content" role="main">
<span class="govuk-caption-xl">Guidance</span>
<h1 class="govuk-heading-xl">{e(page.title)}</h1>
<p class="gem-c-lead-paragraph">From: {e(page.publisher)}</p>
<dl class="gem-c-metadata"><dt>Updated:</dt><dd>{e(page.edition)}</dd></dl>
{_notices(page, "govuk-notification-banner")}<div class="govuk-govspeak">
{body}</div>
</main>
<aside class="gem-c-related-navigation"><h2>Related content</h2><ul>{_news(page)}</ul></aside></div>
<footer class="govuk-footer"><p>All content is available under the Open Government Licence v3.0</p>
<p>{e(page.generated)}</p></footer>
</body></html>
"""


def render_resus(page: Page) -> str:
    """A Resuscitation Council-like page: a CMS node with a field body and a sidebar of news."""
    e, i = html.escape, page.indent
    body = "".join(f"{i}<h3>{e(heading)}</h3>\n" + "".join(f"{i}{i}<p>{e(t)}</p>\n" for t in paragraphs)
                   for heading, paragraphs in page.sections)
    cookie = ('<div id="sliding-popup" class="eu-cookie-compliance"><p>This site uses cookies.</p>'
              '<button class="agree-button">OK, I agree</button></div>\n') if page.cookie_banner else ""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr"><head><meta charset="utf-8"><title>{e(page.title)} | {e(page.publisher)}</title>
{page.extra_script}</head>
<body class="path-node page-node-type-guideline">{cookie}<div class="dialog-off-canvas-main-canvas">
<header role="banner"><div class="region region-header">
<a href="/{e(page.tracking)}" rel="home">{e(page.publisher)}</a></div>
<nav role="navigation" class="menu--main"><ul class="menu">
{_nav(page, "menu-item")}</ul></nav></header>
<div class="layout-container"><div class="region region-content">
<article class="node node--type-guideline node--view-mode-full">
<h1 class="page-title"><span>{e(page.title)}</span></h1>
<div class="field field--name-field-version">{e(page.edition)}</div>
<div class="field field--name-body">
{_notices(page, "messages messages--warning")}{body}</div>
</article></div>
<aside class="layout-sidebar-second" role="complementary"><h2>Latest news</h2><ul>{_news(page)}</ul>
<div class="block-donate"><a href="/donate{e(page.tracking)}">Donate</a></div></aside></div>
<footer role="contentinfo"><p>Registered charity no. 000000</p><p>{e(page.generated)}</p></footer></div>
</body></html>
"""


def render_htm(page: Page) -> str:
    """A Health Technical Memorandum-like publication page: a document summary, a contents table, and the
    publication's chapters, with download links."""
    e, i = html.escape, page.indent
    rows = "".join(f"<tr><td>{n + 1}</td><td>{e(h)}</td></tr>" for n, (h, _) in enumerate(page.sections))
    body = "".join(f'{i}<h2>Chapter {n + 1}: {e(heading)}</h2>\n' + "".join(f"{i}<p>{e(t)}</p>\n" for t in paragraphs)
                   for n, (heading, paragraphs) in enumerate(page.sections))
    cookie = ('<div class="nhsuk-cookie-banner"><p>Cookies on the NHS England website</p><button>I\'m OK with '
              'analytics cookies</button></div>\n') if page.cookie_banner else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(page.title)}</title>{page.extra_script}</head>
<body>{cookie}<header class="nhsuk-header">
<a class="nhsuk-header__link" href="/{e(page.tracking)}">{e(page.publisher)}</a>
<nav class="nhsuk-header__navigation"><ul>
{_nav(page, "nhsuk-header__navigation-item")}</ul></nav></header>
<main class="nhsuk-main-wrapper" id="maincontent">
<div class="publication">
<h1>{e(page.title)}</h1>
<p class="publication-meta">Document type: Health Technical Memorandum. {e(page.edition)}</p>
<p><a href="/publication/download.pdf{e(page.tracking)}">Download the document (PDF, 2 MB)</a></p>
{_notices(page, "nhsuk-warning-callout")}<table class="contents"><caption>Contents</caption>
<tr><th>Chapter</th><th>Title</th></tr>{rows}</table>
{body}</div>
</main>
<div class="nhsuk-related"><h2>Related publications</h2><ul>{_news(page)}</ul></div>
<footer class="nhsuk-footer"><p>{e(page.generated)}</p>
<a href="/accessibility{e(page.tracking)}">Accessibility statement</a></footer>
</body></html>
"""


TEMPLATES = {"nice": render_nice, "govuk": render_govuk, "resus": render_resus, "htm": render_htm}
