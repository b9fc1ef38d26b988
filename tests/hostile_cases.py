"""The hostile-input corpus: files a policy repository edited by hand can end up holding.

Each case is (file name, content, the rule its finding must carry). Content is built here rather than
stored, so that the 5 MB and 10,000-key cases do not sit in the repository.
"""

from __future__ import annotations

from dataclasses import dataclass


def policy(policy_id: str, title: str, body: str, version: str = '"1.0"', extra: str = "",
           dates: tuple[str, str, str] = ('"2025-01-06"', '"2025-02-03"', '"2027-02-03"')) -> str:
    """A valid approved governance policy (apart from whatever the arguments make invalid)."""
    created, approved, review = dates
    plain_version = version.strip('"')
    return f"""---
id: {policy_id}
title: {title}
version: {version}
status: approved
category: governance
owner: registered-manager
author: Test Author
created: {created}
approved_by: nominated-individual
approved_on: {approved}
review_interval: 24
next_review: {review}
audience: all-staff
roles:
  registered-manager:
    - Keeps this policy current.
guidance:
  - cqc-guidance-for-providers
{extra}history:
  - version: "{plain_version}"
    date: {approved}
    author: Test Author
    summary: First issue.
---

## Purpose

{body}
"""


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    rule: str | None  # None: a valid policy, which must produce no finding at all


def _bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, 10):
        lines.append(f"{chr(97 + n)}: &{chr(97 + n)} [" + ",".join([f"*{chr(96 + n)}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n"


def cases() -> list[Case]:
    ok = "The Registered Manager keeps this policy current."
    utf16 = policy("GOV-910", "Sixteen bits", ok).encode("utf-16")
    latin1 = policy("GOV-911", "Hygi\u00e8ne", ok).encode("latin-1")
    return [
        Case("empty.md", b"", "frontmatter-missing"),
        Case("only-dashes.md", b"---\n", "yaml-syntax"),
        Case("unclosed.md", b"---\nid: GOV-901\ntitle: Never closed\n", "yaml-syntax"),
        Case("tabs.md", b"---\nid: GOV-902\n\ttitle: Tabbed\n---\n\nBody.\n", "yaml-syntax"),
        Case("bomb.md", _bomb().encode(), "yaml-syntax"),
        Case("ten-thousand-keys.md", ("---\n" + "".join(f"key{i}: value\n" for i in range(10_000)) + "---\n").encode(),
             "schema"),
        Case("five-megabytes.md", policy("GOV-903", "Huge", "word " * 1_100_000).encode(), "file-too-large"),
        Case("one-long-line.md", policy("GOV-904", "One long line", "Staff check the kit. " * 45_000).encode(),
             None),
        Case("binary.md", bytes(range(256)) * 64, "encoding"),
        Case("utf-16.md", utf16, "encoding"),
        Case("latin-1.md", latin1, "encoding"),
        Case("nul.md", policy("GOV-912", "Nul", ok).encode().replace(b"Purpose", b"Pur\x00pose"), "encoding"),
        Case("crlf.md", policy("GOV-913", "Windows line ends", ok).replace("\n", "\r\n").encode(), None),
        Case("lone-cr.md", policy("GOV-914", "Old Mac line ends", ok).replace("\n", "\r").encode(), None),
        Case("duplicate-keys.md", policy("GOV-915", "Twice", ok).replace("status: approved\n",
             "status: approved\nstatus: draft\n").encode(), "yaml-duplicate-key"),
        Case("version-1-10.md", policy("GOV-916", "Version ten", ok, version="1.10").encode(), None),
        Case("version-2.md", policy("GOV-917", "Version two", ok, version="2").encode(), "schema"),
        Case("date-13-45.md", policy("GOV-918", "Month thirteen", ok,
             dates=('"2025-01-06"', '"2025-02-03"', "2026-13-45")).encode(), "schema"),
        Case("date-may.md", policy("GOV-919", "Just May", ok,
             dates=("May", '"2025-02-03"', '"2027-02-03"')).encode(), "schema"),
        Case("date-slashes.md", policy("GOV-920", "Slashed date", ok,
             dates=("06/11/2020", '"2025-02-03"', '"2027-02-03"')).encode(), "schema"),
        Case("list-not-mapping.md", b"---\n- id: GOV-921\n- title: A list\n---\n\nBody.\n", "schema"),
        Case("dot-dot-link.md", policy("GOV-922", "Escaping link",
             "Read [this](../../../../../../etc/passwd) first.").encode(), "broken-link"),
        Case("Politique d'hygi\u00e8ne des mains.md", policy("GOV-923", "Hygi\u00e8ne des mains", ok).encode(),
             None),
        Case("javascript-link.md", policy("GOV-924", "Script link",
             "Open [the form](javascript:alert(1)) now.").encode(), "raw-html"),
        Case("script.md", policy("GOV-925", "Script tag", "<script>alert(1)</script>").encode(), "raw-html"),
        Case("img-onerror.md", policy("GOV-926", "Image handler",
             'See <img src="x.png" alt="x" onerror="alert(1)"> here.').encode(), "raw-html"),
    ]


SYMLINK = "link-out.md"  # a symbolic link to a file outside the repository: rule 'encoding'

# Valid policies whose text tries to break out of the page, the panel, a table or the PDF source.
BREAKOUT_TITLE = "Breakout </div> {{ config }} {% raw %} # $x$ \\\\ @ref <b>|</b>"
BREAKOUT_BODY = """| Step | Who |
|---|---|
| One | Two \\| three |
| </td></tr></table><div class="evil"> | {{ config.extra }} |

</div></section></article>

{% if true %}Jinja{% endif %} and {{ 7 * 7 }} stay as text.

Typst and LaTeX: #set page(fill: red) $ x^2 $ \\\\textbf{bold} @label <label> #import "x": *

```{=typst}
#set page(fill: red)
```

<img src="x.png" alt="stray image tag">
"""
