"""Run the real `vale --output=JSON` and turn its alerts into findings."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

from policybook.errors import PolicybookError
from policybook.findings import Finding, Severity
from policybook.model import Policy
from policybook.style.valeini import parse_vale_ini

_CHUNK = 200


def run_vale(binary: str, root: Path, ini: Path, policies: list[Policy],
             ini_text: str | None = None) -> list[tuple[Finding, str]]:
    """Each alert as a finding, with the text it matched. ``ini_text`` is a configuration to use instead
    of the file ``ini`` (the packaged house style with the library's locale settings), written to a
    temporary file with its StylesPath made absolute."""
    if ini_text is not None:
        with tempfile.TemporaryDirectory(prefix="policybook-vale-") as folder:
            styles = parse_vale_ini(ini_text, ini).styles_path.resolve()
            text = re.sub(r"(?m)^StylesPath\s*=.*$", lambda _: f"StylesPath = {styles.as_posix()}", ini_text, count=1)
            generated = Path(folder) / ".vale.ini"
            generated.write_text(text, encoding="utf-8")
            return run_vale(binary, root, generated, policies)
    by_path = {str((root / p.rel).resolve()): p for p in policies if p.has_body}
    found: list[tuple[Finding, str]] = []
    paths = list(by_path)
    for start in range(0, len(paths), _CHUNK):
        chunk = paths[start:start + _CHUNK]
        completed = subprocess.run([binary, "--output=JSON", "--no-exit", f"--config={ini}", *chunk],
                                   capture_output=True, text=True, cwd=root, check=False)
        if completed.returncode not in (0, 1):
            raise PolicybookError(f"vale failed: {completed.stderr.strip().splitlines()[-1:] or completed.returncode}")
        try:
            report = json.loads(completed.stdout or "{}")
        except json.JSONDecodeError:
            raise PolicybookError("vale did not print JSON: " + completed.stdout[:200]) from None
        for path, alerts in report.items():
            policy = by_path.get(str((root / path).resolve())) or by_path.get(str(Path(path).resolve()))
            if policy is None:
                continue
            for alert in alerts:
                line = int(alert.get("Line", 1))
                if line < policy.doc.body_line:
                    continue  # frontmatter is data, checked by the schema
                span = alert.get("Span") or [1, 1]
                severity = Severity(alert.get("Severity", "suggestion"))
                found.append((Finding(policy.rel, line, int(span[0]), alert.get("Check", "Vale"), severity,
                                      alert.get("Message", "")), str(alert.get("Match", ""))))
    return found
