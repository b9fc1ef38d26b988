"""Content safety rules on the raw body text (outside code): ``placeholder``,
``patient-identifiable`` and ``raw-html``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import regex

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.markdown import blank_code_spans

# Real HTML element names are not placeholders: <br>, <details> and friends.
_HTML_ELEMENTS = frozenset(
    "a abbr address article aside b bdi bdo blockquote body br button caption cite code col colgroup "
    "data dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer form h1 h2 "
    "h3 h4 h5 h6 head header hr html i iframe img input ins kbd label legend li link main mark meta "
    "meter nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby s "
    "samp script section select small source span strong style sub summary sup table tbody td "
    "template textarea tfoot th thead time title tr track u ul var video wbr "
    .split()
)

# A word in brackets that a form leaves for the writer to fill in: [Name], [Date], [Name of Customer],
# [Address 1], [Your phone number]. Brackets that hold anything else ([1], [Ref, 2], [x], [...]) are not blanks.
_BLANK_WORDS = (
    r"insert|enter|add|type|fill\s+in|your|name|date|address|phone|telephone|tel|mobile|e-?mail|number|title"
    r"|organi[sz]ation|company|provider|practice|role|job|signature|amount|time|location|city|state|zip"
    r"|post\s?code|country|month|year|day|person|contact|manager|department|team|customer|client|patient|staff")
_PLACEHOLDER = regex.compile(
    # Not inside an identifier or a format: "numbered POL.CRYPTO.XXX" and "INC-XXXX" show a pattern.
    r"(?<![\w./-])(?:TBC|TBD|TODO|FIXME|XXX+)(?![\w-]|\.\w)"
    rf"|(?P<form>\\?\[\s*(?i:(?:{_BLANK_WORDS})s?\b[^\[\]\n]{{0,60}}?|_{{3,}})\s*\\?\](?![(\[:]))"
    r"|(?i:lorem\s+ipsum)"
    r"|<(?P<blank>[A-Za-z][A-Za-z _-]{1,40})>"
)
# What every _PLACEHOLDER match holds (a marker, a bracket, `<` or "lorem" in any case: no other character
# folds to those letters), found by the standard library's engine many times faster, to skip the lines
# without any.
_MAYBE_PLACEHOLDER = re.compile(r"TB[CD]|TODO|FIXME|XXX|\[|<|[Ll][Oo][Rr][Ee][Mm]")
_ESCAPE = regex.compile(r"\\([!-/:-@\[-`{-~])")


PLACEHOLDER = declare(
    "placeholder", Severity.ERROR, Scope.POLICY,
    'TBC, TBD, TODO, FIXME or XXX standing alone (not a format such as `POL.CRYPTO.XXX`), a blank left to fill '
    'in (`[Name]`, `[Insert date]`, `<name>`) or lorem ipsum.')
PATIENT_IDENTIFIABLE = declare(
    "patient-identifiable", Severity.ERROR, Scope.POLICY,
    'A valid NHS number (passing the modulus 11 check) or a date of birth next to DOB or "date of birth".')
RAW_HTML = declare(
    "raw-html", Severity.ERROR, Scope.POLICY,
    '`<script>`, `<iframe>`, `<object>`, `<embed>`, `<style>`, `on...=` handlers or `javascript:` links.')


_REFERENCE = regex.compile(r"(?m)^ {0,3}\[([^\]]+)\]:")

# The rules below read a body line by line (code spans blanked where they read text_lines), and each of
# their patterns, run over the whole text at once, finds everything it finds in a line: none anchors at a
# line's ends or reads a line break as a boundary, and one that crosses a line break only adds candidates.
# So one search of the whole text that finds nothing spares reading it line by line.


@check(PLACEHOLDER)
def check_placeholders(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        if _MAYBE_PLACEHOLDER.search(policy.doc.body) is None:
            continue
        references: set[str] | None = None  # link labels the body defines ([name]: https://...)
        for line, text in policy.parsed.text_lines():
            if _MAYBE_PLACEHOLDER.search(text) is None:
                continue
            for match in _PLACEHOLDER.finditer(text):
                blank = match.group("blank")
                if blank is not None and blank.strip().lower() in _HTML_ELEMENTS:
                    continue
                written = _ESCAPE.sub(r"\1", match.group(0))  # as the reader sees it, without Markdown escapes
                if match.group("form") is not None:
                    if references is None:
                        references = {" ".join(r.split()).casefold() for r in _REFERENCE.findall(policy.doc.body)}
                    if " ".join(written.strip("[]").split()).casefold() in references:
                        continue  # a link to a reference defined below, not a blank
                yield PLACEHOLDER.at(policy.rel, line, match.start() + 1,
                                     f"unfinished text '{written}': complete it before approval")


_NHS_NUMBER = regex.compile(r"(?<![\d-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d-])")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DOB = regex.compile(
    r"(?i)\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth)\b[\s:\-–]*"
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}})")


def is_nhs_number(digits: str) -> bool:
    """The NHS number modulus 11 check (weights 10 to 2; a check digit of 10 is never issued)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@check(PATIENT_IDENTIFIABLE)
def check_patient_identifiable(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body or (_NHS_NUMBER.search(policy.doc.body) is None
                                   and _DOB.search(policy.doc.body) is None):
            continue
        for offset, text in enumerate(policy.doc.body.split("\n")):
            line = policy.doc.body_line + offset
            for match in _NHS_NUMBER.finditer(text):
                if is_nhs_number(match.group(1) + match.group(3) + match.group(4)):
                    yield PATIENT_IDENTIFIABLE.at(policy.rel, line, match.start() + 1,
                                  "this looks like a real NHS number: remove patient details "
                                  "from policies")
            for match in _DOB.finditer(text):
                yield PATIENT_IDENTIFIABLE.at(policy.rel, line, match.start() + 1,
                              "a date of birth: remove patient details from policies")


_RAW_HTML = regex.compile(
    r"(?i)<\s*(?P<tag>script|iframe|object|embed|style)\b"
    r"|<[a-z][^>]*?\s(?P<handler>on[a-z]+)\s*="
    r"|(?P<js>javascript\s*:)")


CONTROL_CHARACTER = declare(
    "control-character", Severity.ERROR, Scope.POLICY,
    "An invisible control character (bell, escape, backspace...) in the frontmatter or the text: it cannot be "
    "printed in the handbook and can rewrite a terminal's screen.")
_CONTROL = regex.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")


@check(CONTROL_CHARACTER)
def check_control_characters(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if _CONTROL.search(policy.doc.text) is None:
            continue
        for number, text in enumerate(policy.doc.text.splitlines(), start=1):
            for match in _CONTROL.finditer(text):
                yield CONTROL_CHARACTER.at(policy.rel, number, match.start() + 1,
                                           f"control character U+{ord(match.group()):04X}: delete it (it is invisible "
                                           "here, breaks the printed handbook and can rewrite a terminal)")
                break


@check(RAW_HTML)
def check_raw_html(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body or _RAW_HTML.search(blank_code_spans(policy.doc.body)) is None:
            continue
        for line, text in policy.parsed.text_lines():
            for match in _RAW_HTML.finditer(text):
                if match.group("tag"):
                    what = f"<{match.group('tag').lower()}> element"
                elif match.group("handler"):
                    what = f"'{match.group('handler')}' event handler"
                else:
                    what = "javascript: link"
                yield RAW_HTML.at(policy.rel, line, match.start() + 1,
                              f"{what} is not allowed in a policy: use plain Markdown")
