"""The style guide page and `policybook style --explain`, both built from the rule files and the
examples file, so the documentation shows exactly what the rules do."""

from __future__ import annotations

from pathlib import Path

from policybook.errors import PolicybookError
from policybook.loader import load_yaml
from policybook.style.locales import DEFAULT_LOCALE, LOCALES, locale_file, locale_lines
from policybook.style.prose import HTML_BLOCK_IGNORES
from policybook.style.rules import StyleRule, load_rule
from policybook.style.runner import Style, read_vocab

# Where the installed tool's own rule documentation is published: this page, docs/guide/style.md. Every
# rule file's `link:` points here (at the rule's heading), never at one organisation's site.
GUIDE_URL = "https://policybook.dev/guide/style/"


def examples_path(style: Style, name: str) -> Path:
    return style.config.styles_path / "config" / "examples" / f"{name}.yml"


def locale_rules(style: Style) -> dict[str, tuple[str, StyleRule]]:
    """Rules that only a locale switches on (PolicybookUS.EmergencyNumber for en-US), by name, with the
    locale: the guide and `--explain` describe them whichever locale this library has."""
    found: dict[str, tuple[str, StyleRule]] = {}
    vocab = read_vocab(style.config)
    for locale in LOCALES:
        for line in locale_lines(style.config.styles_path, locale):
            name, value = (part.strip() for part in line.split("=", 1))
            if "." not in name or value.upper() == "NO" or name in style.rules or name in found:
                continue
            folder, rule = name.split(".", 1)
            path = style.config.styles_path / folder / f"{rule}.yml"
            if path.is_file():
                found[name] = (locale, load_rule(path, folder, vocab))
    return found


def load_examples(style: Style, rules: list[StyleRule] | None = None) -> dict[str, dict[str, str]]:
    """Rule name -> {'bad': ..., 'good': ...} for every style that has an examples file."""
    found: dict[str, dict[str, str]] = {}
    chosen = list(style.rules.values()) if rules is None else rules
    for name in sorted({rule.name.split(".", 1)[0] for rule in chosen}):
        path = examples_path(style, name)
        if not path.is_file():
            continue
        doc = load_yaml(path, str(path))
        if doc.findings or not isinstance(doc.data, dict):
            raise PolicybookError(f"{path}: cannot read the examples")
        for rule, pair in doc.data.items():
            if isinstance(pair, dict):
                found[str(rule)] = {k: str(v) for k, v in pair.items() if k in ("bad", "good")}
    return found


def explain(style: Style, name: str) -> str:
    rule = style.rules.get(name)
    by_locale = locale_rules(style)
    locale = None
    if rule is None and name in by_locale:
        locale, rule = by_locale[name]
    if rule is None:
        known = sorted([*style.rules, *by_locale])
        close = [r for r in known if name.lower() in r.lower()]
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known)}"
        raise PolicybookError(f"no style rule '{name}'{hint}")
    example = load_examples(style, [rule]).get(name, {})
    lines = [f"{rule.name} ({rule.kind}, {rule.level})", "", rule.description or rule.message, "",
             f"Message: {rule.message}", f"Scope:   {', '.join(sorted(rule.scopes))}"]
    if locale is not None:
        lines.append(f"Locale:  applies with `locale: {locale}` (this library's locale is {style.locale})")
    if rule.link:
        lines.append(f"More:    {rule.link}")
    if example:
        lines += ["", f"Bad:  {example.get('bad', '')}", f"Good: {example.get('good', '')}"]
    return "\n".join(lines) + "\n"


def _anchor(rule: StyleRule) -> str:
    return rule.name.split(".", 1)[1].lower()


def rule_link(rule: StyleRule, house: bool) -> str:
    """The rule's documentation in this guide: its heading (the house style's by its short name, a locale's
    rule by its full name, as the page's table of contents makes the ids)."""
    return GUIDE_URL + "#" + (_anchor(rule) if house else rule.name.replace(".", "").lower())


def _locales_section(style: Style) -> list[str]:
    out = ["", "## Locales", "",
           "`locale` in `policybook.yml` says which variety of English the policies are written in, and so which",
           "house style rules apply. Each locale is a few standard Vale settings in",
           "`styles/config/locales/<locale>.ini`:", "",
           "| Locale | For | Settings |", "|---|---|---|"]
    for locale in LOCALES:
        path = locale_file(style.config.styles_path, locale)
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        summary = first.lstrip("#").strip() if first.startswith("#") else ""
        settings = "<br>".join(f"`{line}`" for line in locale_lines(style.config.styles_path, locale)) or "none"
        name = f"`{locale}`" + (" (default)" if locale == DEFAULT_LOCALE else "")
        out.append(f"| {name} | {summary} | {settings} |")
    out += ["",
            "`policybook init --locale en-US` writes the locale's lines into the `[*.md]` section of the new",
            "library's `.vale.ini`, so the real `vale` applies them too. A library without a `.vale.ini` gets the",
            "packaged house style with its locale's lines added. A library that changes `locale` later copies the",
            "lines of the new locale's file into `.vale.ini` (and removes the old one's).",
            "", "```ini", "[*.md]", "BasedOnStyles = Policybook",
            *locale_lines(style.config.styles_path, "en-US"), "```"]
    return out


def render_guide(style: Style) -> str:
    """docs/guide/style.md: every rule with its purpose, level and a bad and a good example."""
    examples = load_examples(style)
    out = [
        "# House style",
        "",
        "<!-- Generated by `policybook style --guide` from styles/ and styles/config/examples/. -->",
        "",
        "Policies are read by busy staff, sometimes in an emergency. The house style keeps them plain,",
        "definite and unambiguous. It is written as standard [Vale](https://vale.sh) rules in",
        "`styles/Policybook/`, with the organisation's accepted terms in",
        "`styles/config/vocabularies/Policybook/accept.txt`. `policybook lint` runs the real `vale` when",
        "it is installed (or `POLICYBOOK_VALE` names it), and otherwise applies the same files itself.",
        "",
        "Errors block publication; warnings and suggestions do not, unless `policybook lint --strict` is",
        "used. Frontmatter, code, HTML and link addresses are not checked for style.",
        "",
        "To switch a rule off for a passage, for a documented reason, write a comment next to it:",
        "",
        "```markdown",
        "<!-- The leaflet quotes the manufacturer's wording exactly. -->",
        "<!-- vale Policybook.Spelling = NO -->",
        "...",
        "<!-- vale Policybook.Spelling = YES -->",
        "```",
        "",
        "To switch a rule off, or change its level, for the whole library, say so in `.vale.ini`, as",
        "Vale does:",
        "",
        "```ini",
        "[*.md]",
        "BasedOnStyles = Policybook",
        "# off everywhere",
        "Policybook.Readability = NO",
        "# raised from a suggestion to a warning",
        "Policybook.Duties = warning",
        "```",
        "",
        "`policybook init` writes `.vale.ini` and a copy of the house style into `styles/`, where the",
        "library can change it. A library with no `.vale.ini` still gets the house style packaged with",
        "policybook, and `policybook lint` says so once on each run.",
        "",
        "Raw HTML blocks (a table or a `<div>` written in HTML) are markup, not prose: policybook's own",
        "runner leaves them out. For the real `vale` to do the same, the `[*.md]` section of `.vale.ini` needs:",
        "",
        "```ini",
        HTML_BLOCK_IGNORES,
        "```",
        "",
        "policybook reports `Policybook.Acronyms` once per policy for each abbreviation, at its first use,",
        "with either runner. An abbreviation counts as defined when it is written out with the abbreviation",
        "in brackets or quotes (`Protected Health Information (\"PHI\")`), spelt out in brackets after it, or",
        "given in a glossary line (`PHI: Protected Health Information`); when the roles or equipment register",
        "names it (a role alias such as CEO); or when the vocabulary accepts it. Identifiers (`POL.CRYPTO.001`),",
        "RFC 2119 keywords (`MUST`) and roman numerals are not abbreviations.",
        "",
        "`Policybook.Dates` reports a date written in numbers (`03/04/2025`, `3/4/25`, `03.04.25`: 3 April or 4",
        "March?) anywhere, and a date with no year where it stands as a date: straight after a word that dates",
        "something (dated, reviewed, review date, next review, assessed, valid until, next due, expires,",
        "effective from). There it reports a month or a day and month (\"The risk assessment is dated May\",",
        "\"Review date: 3 May\"), a season even with a year (\"Reviewed Spring 2019\": which day?) and a relative",
        "date (\"Next review: next year\", \"reviewed in due course\", \"end of the year\"). A month with its",
        "year (\"next review: May 2027\") and a month that recurs (\"in May each year\", \"in March and",
        "September\") are not reported, nor is a month elsewhere in a sentence; \"may\" the verb never is.",
        "",
        "`Policybook.EmergencyNumber` reports 911 in any written form (`911`, `9-1-1`, `nine one one`, and",
        "`9 1 1` after call, dial, phone or ring) and Australia's 000 after such a word (`phone 000`,",
        "`triple zero`). 112 works in the UK, so an en-GB policy may say \"999 or 112\". A number that counts or",
        "labels something is not reported (`911 grams`, `room 911`, `#911`).",
        "",
        "| Rule | Level | Checks |",
        "|---|---|---|",
    ]
    rules = sorted(style.rules.values(), key=lambda r: r.name)
    for rule in rules:
        out.append(f"| [{rule.name}](#{_anchor(rule)}) | {rule.level} | {rule.description or rule.message} |")
    for rule in rules:
        out += ["", f"## {rule.name.split('.', 1)[1]}", "", *_rule_text(rule, examples.get(rule.name, {}))]
    out += _locales_section(style)
    extra = locale_rules(style)
    extra_examples = load_examples(style, [rule for _, rule in extra.values()])
    for name, (locale, rule) in sorted(extra.items()):
        out += ["", f"## {name}", "", f"Applies with `locale: {locale}`.", "",
                *_rule_text(rule, extra_examples.get(name, {}))]
    return "\n".join(out) + "\n"


def _rule_text(rule: StyleRule, example: dict[str, str]) -> list[str]:
    article = "an" if rule.kind[:1] in "aeiou" else "a"
    out = [f"`{rule.name}` is {article} {rule.kind} rule at level **{rule.level}**. {rule.description}", "",
           f"Message: {rule.message.replace('%s', '…').replace('%d', '…')}"]
    if example:
        out += ["", "| | Example |", "|---|---|",
                f"| Bad | {example.get('bad', '')} |", f"| Good | {example.get('good', '')} |"]
    return out
