"""Vale rule files (`styles/<Style>/<Rule>.yml`) compiled into matchers with Vale's semantics.

Supported types: existence, substitution, occurrence, repetition, conditional, consistency and
capitalization, with the fields Vale documents for each. Anything else in a rule file is a
configuration error naming the file, as in Vale. Regular expressions use the `regex` module, which
accepts the lookarounds and Unicode classes Vale's regexp2 engine allows.
"""

from __future__ import annotations

import contextlib
import re as std_re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from policybook.errors import PolicybookError
from policybook.loader import load_yaml
from policybook.style.prose import KNOWN_SCOPES, ProseDoc
from policybook.style.valeini import LEVELS

WORD_TEMPLATE = r"(?m)\b(?:{})\b"
NONWORD_TEMPLATE = r"(?m)(?:{})"
_COMMON = {"extends", "message", "level", "scope", "link", "description", "limit", "action", "code",
           "name", "vocab"}
_FIELDS = {
    "existence": {"tokens", "raw", "exceptions", "ignorecase", "nonword", "append"},
    "substitution": {"swap", "ignorecase", "nonword", "exceptions", "capitalize"},
    "occurrence": {"token", "max", "min", "ignorecase"},
    "repetition": {"tokens", "alpha", "ignorecase", "exceptions", "max"},
    "conditional": {"first", "second", "exceptions", "ignorecase"},
    "consistency": {"either", "ignorecase", "nonword"},
    "capitalization": {"match", "style", "exceptions", "indicators", "threshold", "prefix"},
}
_ONLY_WITH_VALE = {"spelling", "readability", "metric", "sequence", "script"}


@dataclass(frozen=True)
class Alert:
    start: int
    end: int
    message: str
    match: str


def vale_format(message: str, *subs: object) -> str:
    """Fill ``%s`` / ``%d`` placeholders in order, as Vale's messages do."""
    values = iter(subs)

    def fill(match: std_re.Match[str]) -> str:
        try:
            return str(next(values))
        except StopIteration:
            return match.group(0)

    return std_re.sub(r"%[sd]", fill, message)


def _ungroup(pattern: str) -> str:
    """Make capture groups non-capturing, so only Vale's own groups count."""
    return std_re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


class Exceptions:
    """Vale's exception test: a word-bounded, case-sensitive search in the matched text, plus phrases
    (exceptions with spaces) that excuse any match lying inside them."""

    def __init__(self, terms: list[str]) -> None:
        terms = sorted((t for t in terms if t), key=len, reverse=True)
        parts = [f"(?i:{t[4:]})" if t.startswith("(?i)") else f"(?-i:{t})" for t in terms]
        self.pattern = regex.compile(r"(?m)\b(?:" + "|".join(parts) + r")\b") if parts else None
        phrases = [t for t in terms if " " in t or "\t" in t or r"\s" in t]
        self.phrases = regex.compile(r"(?i)\b(?:" + "|".join(phrases) + r")\b") if phrases else None

    def excuse(self, observed: str, text: str, start: int, end: int) -> bool:
        if self.pattern is not None and self.pattern.search(observed.strip()):
            return True
        if self.phrases is not None:
            lo = max(0, start - 200)
            for span in self.phrases.finditer(text, lo, min(len(text), end + 200)):
                if span.start() <= start and end <= span.end():
                    return True
        return False


def _exceptions(spec: dict[str, Any], vocab: list[str], use_vocab: bool = True) -> Exceptions:
    """A rule's `exceptions`, plus the accepted vocabulary unless the rule sets `vocab: false`
    (or, like a nonword existence rule, matches spans where a vocabulary word means nothing)."""
    terms = [str(e) for e in spec.get("exceptions") or []]
    return Exceptions(terms + (vocab if use_vocab and spec.get("vocab", True) else []))


@dataclass
class StyleRule:
    name: str
    kind: str
    level: str
    message: str
    scopes: set[str]
    link: str = ""
    description: str = ""
    path: Path | None = None
    state_key: str = field(default="", init=False)

    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        """Read the settings of the rule's type from its YAML file: each type has its own."""
        raise NotImplementedError

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        raise NotImplementedError

    def _matches(self, pattern: regex.Pattern[str], doc: ProseDoc) -> Iterator[regex.Match[str]]:
        """Matches of ``pattern`` that lie in one block within this rule's scope."""
        sentence = "sentence" in self.scopes
        segments = doc.segments(self.scopes) if sentence else None
        for match in pattern.finditer(doc.text):
            block = doc.block_of(match.start(), match.end())
            if block is None or match.start() == match.end():
                continue
            if sentence:
                if not any(s.start <= match.start() and match.end() <= s.end for s in segments or []):
                    continue
            elif not doc.in_scope(block, self.scopes):
                continue
            yield match


class Existence(StyleRule):
    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        tokens = [t for t in spec.get("tokens") or [] if str(t).strip()]
        raw = "".join(str(r) for r in spec.get("raw") or [])
        nonword = bool(spec.get("nonword"))
        template = WORD_TEMPLATE if tokens and not nonword else NONWORD_TEMPLATE
        body = "|".join(str(t) for t in tokens)
        pattern = template.format(body) if tokens else ""
        pattern = pattern + raw if spec.get("append") else raw + pattern
        if spec.get("ignorecase"):
            pattern = "(?i)" + pattern
        self.pattern = _compile(pattern, self)
        self.exceptions = _exceptions(spec, vocab, use_vocab=not nonword)

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        for match in self._matches(self.pattern, doc):
            observed = match.group(0)
            if not self.exceptions.excuse(observed, doc.text, match.start(), match.end()):
                yield Alert(match.start(), match.end(), vale_format(self.message, observed), observed)


class Substitution(StyleRule):
    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        swap = spec.get("swap")
        if not isinstance(swap, dict) or not swap:
            raise PolicybookError(f"{self.path}: a substitution rule needs a 'swap' mapping")
        self.keys = sorted((str(k) for k in swap), key=len, reverse=True)
        self.swap = {str(k): str(v) for k, v in swap.items()}
        template = NONWORD_TEMPLATE if spec.get("nonword") else WORD_TEMPLATE
        self.ignorecase = bool(spec.get("ignorecase"))
        body = "|".join(f"({_ungroup(k)})" for k in self.keys)
        self.pattern = _compile(("(?i)" if self.ignorecase else "") + template.format(body), self)
        self.capitalize = bool(spec.get("capitalize"))
        self.exceptions = _exceptions(spec, vocab)

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        for match in self._matches(self.pattern, doc):
            index = next((i for i, g in enumerate(match.groups()) if g is not None), None)
            if index is None:
                continue
            observed = match.group(index + 1)
            expected = self._expected(self.keys[index], observed)
            try:
                same = regex.fullmatch(f"(?:{expected})", observed) is not None
            except regex.error:
                same = expected == observed
            if same or self.exceptions.excuse(observed, doc.text, match.start(index + 1), match.end(index + 1)):
                continue
            yield Alert(match.start(index + 1), match.end(index + 1),
                        vale_format(self.message, expected, observed), observed)

    def _expected(self, key: str, observed: str) -> str:
        """The suggestion for ``observed``: `$1`, `$2`... in the swap value repeat the key's groups as the
        matched word holds them (so 'authoriz(e|ed)' -> 'authoris$1' keeps the word's form), and with
        `capitalize` a capitalised word gets a capitalised suggestion (both as Vale does)."""
        expected = self.swap[key]
        if _GROUP_REFERENCE.search(expected):
            parts, last = [], 0
            for reference in _GROUP_REFERENCE.finditer(expected):
                parts += [expected[last:reference.start()].replace("\\", "\\\\"),
                          "$" if reference.group(0) == "$$" else rf"\g<{reference.group(1)}>"]
                last = reference.end()
            parts.append(expected[last:].replace("\\", "\\\\"))
            # A reference to a group the key does not have leaves the value as written.
            with contextlib.suppress(regex.error, IndexError):
                expected = regex.sub(("(?i)" if self.ignorecase else "") + key, "".join(parts), observed, count=1)
        if self.capitalize and observed[:1].isupper():
            expected = expected[:1].upper() + expected[1:]
        return expected


_GROUP_REFERENCE = regex.compile(r"\$\$|\$(\d+)")


class Occurrence(StyleRule):
    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        token = spec.get("token")
        if not token:
            raise PolicybookError(f"{self.path}: an occurrence rule needs a 'token'")
        self.pattern = _compile(("(?i)" if spec.get("ignorecase") else "") + f"(?:{token})", self)
        self.max = int(spec.get("max") or 0)
        self.min = int(spec.get("min") or 0)

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        findall = self.pattern.findall
        for segment in doc.segments(self.scopes):
            count = sum(1 for m in findall(doc.text, segment.start, segment.end) if m.strip())
            if (self.max and count > self.max) or (self.min and count < self.min):
                found = [m for m in self.pattern.finditer(doc.text, segment.start, segment.end) if m.group(0).strip()]
                start, end = (found[0].start(), found[0].end()) if found else (segment.start, segment.start)
                yield Alert(start, end, vale_format(self.message, count), doc.text[start:end])


class Repetition(StyleRule):
    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        tokens = spec.get("tokens") or []
        if not tokens:
            raise PolicybookError(f"{self.path}: a repetition rule needs 'tokens'")
        self.ignorecase = bool(spec.get("ignorecase"))
        self.pattern = _compile(("(?i)" if self.ignorecase else "") + "(" + "|".join(map(str, tokens)) + ")", self)
        self.alpha = bool(spec.get("alpha"))
        self.max = int(spec.get("max") or 0)
        # Fast path for the usual whitespace-token rule: a block can only have a hit if some token is
        # followed directly by the same token, which one search per document can rule out.
        self.prefilter = (regex.compile(r"(?i)(?<!\S)(\S+)\s+\1(?!\S)" if self.ignorecase
                                        else r"(?<!\S)(\S+)\s+\1(?!\S)")
                          if [str(t) for t in tokens] == [r"[^\s]+"] else None)
        self.exceptions = _exceptions(spec, vocab)

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        if self.prefilter is not None and not self.prefilter.search(doc.text):
            return
        for segment in doc.segments(self.scopes):
            previous, previous_start, previous_end, count = "", -1, -1, 0
            for match in self.pattern.finditer(doc.text, segment.start, segment.end):
                current = match.group(0).strip()
                hit = current != "" and (current.casefold() == previous.casefold() if self.ignorecase
                                         else current == previous)
                hit = hit and (not self.alpha or current.isalpha())
                if hit:
                    count += 1
                if hit and count > self.max:
                    span = doc.text[previous_start:match.end()]
                    if not regex.search(r"[.!?]\s", span) and not _markup_between(
                            doc, previous_end, match.start()) and not self.exceptions.excuse(
                            span, doc.text, previous_start, match.end()):
                        yield Alert(previous_start, match.end(), vale_format(self.message, current), span)
                        count = 0
                previous, previous_start, previous_end = current, match.start(), match.end()


def _markup_between(doc: ProseDoc, end: int, start: int) -> bool:
    """Whether the source holds markup between two words that the prose shows side by side: "[Name]
    [Name of Customer]" or "<b>High</b> <b>High</b>" are not a word written twice (Vale, which reads
    the rendered text, sees the brackets and tags too). Line breaks and a quote's ``>`` are not markup."""
    if end < 0 or start <= end:
        return False
    lines = doc.body.lines
    (first_line, first_column), (last_line, last_column) = doc.position(end - 1), doc.position(start)
    first, last = first_line - doc.body.first_line, last_line - doc.body.first_line
    if not (0 <= first < len(lines) and 0 <= last < len(lines)):
        return False
    if first == last:
        return bool(lines[first][first_column:last_column - 1].strip())
    return bool(lines[first][first_column:].strip()) or bool(lines[last][:last_column - 1].strip(" \t>"))


class Conditional(StyleRule):
    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        if not spec.get("first") or not spec.get("second"):
            raise PolicybookError(f"{self.path}: a conditional rule needs 'first' and 'second'")
        flags = "(?i)" if spec.get("ignorecase") else ""
        self.second = _compile(flags + str(spec["second"]), self)
        self.first = _compile(flags + str(spec["first"]), self)
        self.exceptions = _exceptions(spec, vocab)

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        defined: set[str] = state.setdefault(f"conditional:{self.name}", set())
        segments = doc.segments(self.scopes)
        # `second` only matters for a `first` match in its segment or a later one: most policies have no
        # abbreviation at all, and `first` is the cheap pattern of the two.
        last = max((i for i, s in enumerate(segments) if self.first.search(doc.text, s.start, s.end)), default=-1)
        for segment in segments[:last + 1]:
            if self.second.groups == 0:
                if self.second.search(doc.text, segment.start, segment.end):
                    continue
            else:
                for match in self.second.finditer(doc.text, segment.start, segment.end):
                    defined.update(g for g in match.groups() if g)
            for match in self.first.finditer(doc.text, segment.start, segment.end):
                observed = match.group(0)
                if observed in defined or self.exceptions.excuse(observed, doc.text, match.start(), match.end()):
                    continue
                yield Alert(match.start(), match.end(), vale_format(self.message, observed), observed)


class Consistency(StyleRule):
    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        either = spec.get("either")
        if not isinstance(either, dict) or not either:
            raise PolicybookError(f"{self.path}: a consistency rule needs an 'either' mapping")
        template = NONWORD_TEMPLATE if spec.get("nonword") else WORD_TEMPLATE
        flags = "(?i)" if spec.get("ignorecase") else ""
        self.steps = [(_compile(flags + template.format(f"(?P<a>{a})|(?P<b>{b})"), self), str(a), str(b))
                      for a, b in either.items()]

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        for index, (pattern, _first, _second) in enumerate(self.steps):
            seen: set[str] = state.setdefault(f"consistency:{self.name}:{index}", set())
            last = None
            for match in self._matches(pattern, doc):
                seen.add("a" if match.group("a") is not None else "b")
                last = match
            if last is not None and seen == {"a", "b"}:
                yield Alert(last.start(), last.end(), vale_format(self.message, last.group(0)), last.group(0))


_SMALL_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or", "so", "the",
                "to", "up", "yet", "with", "from", "into", "via"}


class Capitalization(StyleRule):
    def configure(self, spec: dict[str, Any], vocab: list[str]) -> None:
        self.match = str(spec.get("match") or "$sentence")
        self.threshold = float(spec.get("threshold") or 0.8)
        terms = [str(e) for e in spec.get("exceptions") or []] + (vocab if spec.get("vocab", True) else [])
        self.exceptions = regex.compile("^(?:" + "|".join(terms) + ")$") if terms else None
        self.custom = None if self.match.startswith("$") else _compile(self.match, self)
        if self.match.startswith("$") and self.match not in ("$title", "$sentence", "$lower", "$upper"):
            raise PolicybookError(f"{self.path}: unknown match '{self.match}'")

    def _excepted(self, word: str) -> bool:
        return self.exceptions is not None and self.exceptions.match(word.strip(".,:;!?()'\"")) is not None

    def _ok(self, text: str) -> bool:
        if self.custom is not None:
            return self.custom.search(text) is not None
        if self.match == "$lower":
            return text == text.lower()
        if self.match == "$upper":
            return text == text.upper()
        words = [w for w in text.split() if any(c.isalpha() for c in w)]
        if not words:
            return True
        good = 0
        for position, word in enumerate(words):
            letters = word.lstrip("\"'(‘“")
            if self._excepted(word) or (len(letters) > 1 and letters.isupper()):
                good += 1
            elif self.match == "$sentence":
                good += letters[:1].isupper() if position == 0 else letters == letters.lower()
            else:
                small = letters.lower() in _SMALL_WORDS and 0 < position < len(words) - 1
                good += (letters == letters.lower()) if small else letters[:1].isupper()
        return good / len(words) >= self.threshold

    def run(self, doc: ProseDoc, state: dict[str, Any]) -> Iterator[Alert]:
        for segment in doc.segments(self.scopes):
            text = doc.text[segment.start:segment.end]
            if text.strip() and not self._ok(text):
                yield Alert(segment.start, segment.end, vale_format(self.message, text), text)


_TYPES: dict[str, type[StyleRule]] = {
    "existence": Existence, "substitution": Substitution, "occurrence": Occurrence, "repetition": Repetition,
    "conditional": Conditional, "consistency": Consistency, "capitalization": Capitalization,
}


def _compile(pattern: str, rule: StyleRule) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, regex.VERSION0)
    except regex.error as exc:
        raise PolicybookError(f"{rule.path}: invalid regular expression: {exc}") from None


def load_rule(path: Path, style: str, vocab: list[str]) -> StyleRule:
    """Compile one rule file; any problem is a PolicybookError naming the file."""
    doc = load_yaml(path, str(path))
    if doc.findings:
        first = doc.findings[0]
        raise PolicybookError(f"{path}:{first.line}:{first.column}: {first.message}")
    spec = doc.data
    if not isinstance(spec, dict):
        raise PolicybookError(f"{path}: a rule file must be a set of 'key: value' lines")
    kind = spec.get("extends")
    if kind in _ONLY_WITH_VALE:
        raise PolicybookError(f"{path}: rule type '{kind}' needs the vale binary (install vale, or set "
                              "POLICYBOOK_VALE); policybook's own runner supports: " + ", ".join(_TYPES))
    if kind not in _TYPES:
        raise PolicybookError(f"{path}: unknown rule type '{kind}' (extends: one of {', '.join(_TYPES)})")
    unknown = sorted(set(spec) - _COMMON - _FIELDS[kind])
    if unknown:
        line, _ = doc.position((unknown[0],))
        raise PolicybookError(f"{path}:{line}: unknown key '{unknown[0]}' for a {kind} rule")
    level = str(spec.get("level", "suggestion"))
    if level not in LEVELS:
        raise PolicybookError(f"{path}: level must be suggestion, warning or error, not '{level}'")
    scope = spec.get("scope", "heading" if kind == "capitalization" else "text")
    scopes = {str(s) for s in (scope if isinstance(scope, list) else [scope])}
    bad = sorted(s for s in scopes if s not in KNOWN_SCOPES)
    if bad:
        raise PolicybookError(f"{path}: unknown scope '{bad[0]}'")
    if "summary" in scopes:
        scopes = (scopes - {"summary"}) | {"paragraph"}
    rule = _TYPES[kind](name=f"{style}.{path.stem}", kind=kind, level=level,
                        message=str(spec.get("message", "")), scopes=scopes, link=str(spec.get("link", "")),
                        description=str(spec.get("description", "")), path=path)
    rule.configure(spec, vocab)
    return rule
