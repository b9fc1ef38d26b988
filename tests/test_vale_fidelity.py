"""Fidelity of policybook's Vale runner: for every rule type and every scope, comment and
configuration feature, a small fixture and the alerts Vale produces for it (Check, Line, column of
Span[0], Severity, Message), written from Vale's documented behaviour. Where a real `vale` is
installed, the same fixtures are also run through it and compared."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from policybook.loader import load_markdown
from policybook.model import Policy
from policybook.style.prose import HTML_BLOCK_IGNORES
from policybook.style.runner import Style, check_policy

Alert = tuple[int, int, str, str, str]  # line, column, check, severity, message


@dataclass
class Case:
    name: str
    rules: dict[str, str]
    markdown: str
    expected: list[tuple[int, str, str, str, str]]  # line, word whose column is expected, check, level, message
    ini: str = "StylesPath = styles\nMinAlertLevel = suggestion\n\n[*.md]\nBasedOnStyles = Test\n"
    path: str = "doc.md"
    extra_files: dict[str, str] = field(default_factory=dict)


AVOID = """extends: existence
message: "Avoid '%s'."
level: warning
ignorecase: true
tokens:
  - obviously
  - in order to
"""

CASES = [
    Case("existence", {"Avoid": AVOID},
         "# Obviously done\n\nIt is obviously so. We act in order to help.\nObviouslyness is not a word.\n",
         [(1, "Obviously", "Test.Avoid", "warning", "Avoid 'Obviously'."),
          (3, "obviously", "Test.Avoid", "warning", "Avoid 'obviously'."),
          (3, "in order to", "Test.Avoid", "warning", "Avoid 'in order to'.")]),
    Case("existence-nonword-and-exceptions", {"Hours": """extends: existence
message: "Write '%s' differently."
level: suggestion
nonword: true
tokens:
  - '\\b\\d{4}hrs\\b'
""", "Words": """extends: existence
message: "No '%s'."
level: error
tokens:
  - '[A-Z]{3}'
exceptions:
  - NHS
"""}, "Open at 0900hrs. The NHS and the BBC agree.\n",
         [(1, "0900hrs", "Test.Hours", "suggestion", "Write '0900hrs' differently."),
          (1, "BBC", "Test.Words", "error", "No 'BBC'.")]),
    Case("substitution", {"Plain": """extends: substitution
message: "Use '%s' instead of '%s'."
level: warning
swap:
  utilise: use
  commence(?:s|d)?: start
  'in (?:the )?event of': if
exceptions:
  - Commence Street
"""}, "We utilise it. Work commenced early.\nUtilise is fine here as case matters. In the event of rain, stay in.\n"
          "Go to Commence Street.\n",
         [(1, "utilise", "Test.Plain", "warning", "Use 'use' instead of 'utilise'."),
          (1, "commenced", "Test.Plain", "warning", "Use 'start' instead of 'commenced'.")]),
    Case("substitution-ignorecase", {"Plain": """extends: substitution
message: "Use '%s' instead of '%s'."
level: warning
ignorecase: true
swap:
  utilise: use
"""}, "Utilise the form.\n",
         [(1, "Utilise", "Test.Plain", "warning", "Use 'use' instead of 'Utilise'.")]),
    Case("occurrence-sentence", {"Long": """extends: occurrence
message: "Sentence has %d words."
level: suggestion
scope: sentence
max: 5
token: '\\w+'
"""}, "Short one here. This sentence has far too many words in it. Fine again.\n",
         [(1, "This", "Test.Long", "suggestion", "Sentence has 9 words.")]),
    Case("repetition", {"Twice": """extends: repetition
message: "'%s' is repeated!"
level: error
alpha: true
tokens:
  - '[^\\s\\.]+'
"""}, "The cat sat sat down. Stop. Stop is fine across sentences.\nNumbers 10 10 are not words.\n",
         [(1, "sat sat", "Test.Twice", "error", "'sat' is repeated!")]),
    Case("conditional", {"Acronyms": """extends: conditional
message: "'%s' has no definition."
level: suggestion
first: '\\b([A-Z]{3,5})\\b'
second: '(?:\\b[A-Z][a-z]+ )+\\(([A-Z]{3,5})\\)'
exceptions:
  - NASA
"""}, "The WHO agrees, as the World Health Organization (WHO) said. NASA too.\n\nThe ABC came first.\n\n"
          "Alpha Beta Corporation (ABC) is defined too late. The ABC is defined now.\n",
         [(3, "ABC", "Test.Acronyms", "suggestion", "'ABC' has no definition.")]),
    Case("consistency", {"Adviser": """extends: consistency
message: "Inconsistent spelling of '%s'."
level: warning
either:
  adviser: advisor
"""}, "The adviser agrees.\n\nThe advisor disagrees.\n",
         [(3, "advisor", "Test.Adviser", "warning", "Inconsistent spelling of 'advisor'.")]),
    Case("capitalization", {"Headings": """extends: capitalization
message: "'%s' should be in sentence case."
level: suggestion
scope: heading
match: $sentence
exceptions:
  - CQC
"""}, "## Good heading for the CQC\n\nText Stays As It Is.\n\n## This Is Title Case Here\n",
         [(5, "This Is", "Test.Headings", "suggestion", "'This Is Title Case Here' should be in sentence case.")]),
    Case("scopes", {"Avoid": AVOID},
         "---\ntitle: obviously\n---\n\n## Obviously a heading\n\n- a list item, obviously\n\n"
         "| Col | Other |\n|---|---|\n| obviously | `obviously` |\n\n> quoted, obviously\n\n"
         "Inline `obviously` code and [obviously a link](https://example.org/obviously).\n\n"
         "```\nobviously in a fence\n```\n\n    obviously indented code\n\n"
         "<div>html text, obviously</div>\n\n<script>var obviously = 1;</script>\n\n"
         "<!-- obviously in a comment -->\n",
         [(5, "Obviously", "Test.Avoid", "warning", "Avoid 'Obviously'."),
          (7, "obviously", "Test.Avoid", "warning", "Avoid 'obviously'."),
          (11, "obviously", "Test.Avoid", "warning", "Avoid 'obviously'."),
          (13, "obviously", "Test.Avoid", "warning", "Avoid 'obviously'."),
          (15, "obviously a link", "Test.Avoid", "warning", "Avoid 'obviously'.")],
         # Raw HTML blocks are not prose: the runner leaves them out, and the real vale with the BlockIgnores
         # the style guide gives.
         ini=f"StylesPath = styles\nMinAlertLevel = suggestion\n\n[*.md]\nBasedOnStyles = Test\n"
             f"{HTML_BLOCK_IGNORES}\n"),
    Case("substitution-keeps-the-form", {"Spelling": """extends: substitution
message: "Use '%s' instead of '%s'."
level: warning
ignorecase: true
capitalize: true
swap:
  (un)?authoriz(e|ed|ation): $1authoris$2
  cent(?:er)(s)?: centre$1
"""}, "Authorized staff and unauthorized visitors.\nThe centers agree. Authorisation is fine.\n",
         [(1, "Authorized", "Test.Spelling", "warning", "Use 'Authorised' instead of 'Authorized'."),
          (1, "unauthorized", "Test.Spelling", "warning", "Use 'unauthorised' instead of 'unauthorized'."),
          (2, "centers", "Test.Spelling", "warning", "Use 'centres' instead of 'centers'.")]),
    Case("repetition-across-markup", {"Twice": """extends: repetition
message: "'%s' is repeated!"
level: error
alpha: true
tokens:
  - '[^\\s]+'
"""}, "[Name]\n[Name of Customer]\n\nLevels <b>High</b> <b>High</b> here.\n\nTell the\nthe manager.\n",
         [(6, "the", "Test.Twice", "error", "'the' is repeated!")]),
    Case("scope-heading-only", {"Avoid": AVOID.replace("level: warning", "level: warning\nscope: heading")},
         "## Obviously\n\nobviously not a heading\n",
         [(1, "Obviously", "Test.Avoid", "warning", "Avoid 'Obviously'.")]),
    Case("comments", {"Avoid": AVOID, "Other": AVOID.replace("Avoid '%s'.", "Other '%s'.")},
         "<!-- vale off -->\n\nobviously off\n\n<!-- vale on -->\n\nobviously on\n\n"
         "<!-- vale Test.Avoid = NO -->\n\nobviously only other\n\n<!-- vale Test.Avoid = YES -->\n\n"
         "<!-- vale Test = NO -->\n\nobviously none\n\n<!-- vale Test = YES -->\n\n"
         '<!-- vale Test.Avoid["in order to"] = NO -->\n\nobviously, in order to\n',
         [(7, "obviously", "Test.Avoid", "warning", "Avoid 'obviously'."),
          (7, "obviously", "Test.Other", "warning", "Other 'obviously'."),
          (11, "obviously", "Test.Other", "warning", "Other 'obviously'."),
          (23, "obviously", "Test.Avoid", "warning", "Avoid 'obviously'."),
          (23, "obviously", "Test.Other", "warning", "Other 'obviously'."),
          (23, "in order to", "Test.Other", "warning", "Other 'in order to'.")]),
    Case("config-levels-and-sections", {
        "Avoid": AVOID,
        "Hint": AVOID.replace("Avoid '%s'.", "Hint '%s'.").replace("level: warning", "level: suggestion"),
        "Strict": AVOID.replace("Avoid '%s'.", "Strict '%s'.")},
         "obviously\n",
         [(1, "obviously", "Test.Strict", "error", "Strict 'obviously'.")],
         ini="StylesPath = styles\nMinAlertLevel = warning\n\n[*.md]\nBasedOnStyles = Test\nTest.Avoid = NO\n"
             "Test.Strict = error\n\n[other/*.md]\nTest.Avoid = YES\n"),
    Case("config-glob-section", {"Avoid": AVOID}, "obviously\n",
         [(1, "obviously", "Test.Avoid", "warning", "Avoid 'obviously'.")],
         ini="StylesPath = styles\n\n[*.md]\nBasedOnStyles = Test\nTest.Avoid = NO\n\n[notes/*.md]\nTest.Avoid = YES\n",
         path="notes/doc.md"),
    Case("vocabulary", {"Avoid": """extends: existence
message: "Avoid '%s'."
level: warning
tokens:
  - '[A-Z]{4}'
"""}, "DEXA scans and LOUD words.\n", [(1, "LOUD", "Test.Avoid", "warning", "Avoid 'LOUD'.")],
         ini="StylesPath = styles\nVocab = House\n\n[*.md]\nBasedOnStyles = Test\n",
         extra_files={"styles/config/vocabularies/House/accept.txt": "DEXA\n"}),
]


def _build(case: Case, root: Path) -> Path:
    (root / ".vale.ini").write_text(case.ini, encoding="utf-8")
    for name, text in case.rules.items():
        target = root / "styles" / "Test" / f"{name}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for name, text in case.extra_files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    doc = root / case.path
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(case.markdown, encoding="utf-8")
    return doc


def _expected(case: Case) -> list[Alert]:
    lines = case.markdown.split("\n")
    return sorted((line, lines[line - 1].index(word) + 1, check, level, message)
                  for line, word, check, level, message in case.expected)


def _policybook_alerts(root: Path, doc: Path, rel: str) -> list[Alert]:
    style = Style.load(root)
    assert style is not None
    policy = Policy.from_document(load_markdown(doc, rel))
    return sorted((f.line, f.column, f.rule, f.severity.value, f.message) for f in check_policy(style, policy))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_runner_reproduces_vale(case: Case, tmp_path: Path) -> None:
    doc = _build(case, tmp_path)
    assert _policybook_alerts(tmp_path, doc, case.path) == _expected(case)


@pytest.mark.skipif(shutil.which("vale") is None, reason="the vale binary is not installed here")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_real_vale_agrees(case: Case, tmp_path: Path) -> None:
    _build(case, tmp_path)
    completed = subprocess.run(["vale", "--output=JSON", "--no-exit", case.path], cwd=tmp_path,
                               capture_output=True, text=True, check=True)
    alerts = [a for items in json.loads(completed.stdout or "{}").values() for a in items]
    got = sorted((a["Line"], a["Span"][0], a["Check"], a["Severity"], a["Message"]) for a in alerts)
    assert got == _expected(case)
