"""Preview benchmark: in a repository of N generated policies, the time from saving one policy to
`policybook serve` telling the browser to reload, and a check that the served page shows the edit.

Run: python tools/bench/serve_bench.py [--policies 1000] [--edits 3]
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import make_site_project

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(lines: queue.Queue[str], text: str, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            line = lines.get(timeout=deadline - time.perf_counter())
        except queue.Empty:
            break
        if text in line:
            return time.perf_counter()
    raise TimeoutError(f"'{text}' not seen within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_site_project(Path(tmp) / "project", args.policies)
        port = _free_port()
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICYBOOK_TODAY": "2026-11-26"}
        started = time.perf_counter()
        process = subprocess.Popen([str(BIN / "policybook"), "-C", str(root), "serve", "--address",
                                    f"127.0.0.1:{port}"], stderr=subprocess.STDOUT, stdout=subprocess.PIPE,
                                   text=True, env=env)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
        try:
            first = _wait_for(lines, "Serving on", 900) - started
            target = sorted((root / "policies").rglob("*.md"))[len(list((root / "policies").rglob("*.md"))) // 2]
            page = target.relative_to(root).with_suffix("").as_posix()
            times = []
            for edit in range(args.edits):
                time.sleep(1.5)
                marker = f"Edited paragraph number {edit} for the preview."
                with open(target, "a", encoding="utf-8") as stream:
                    stream.write(f"\n{marker}\n")
                saved = time.perf_counter()
                reloaded = _wait_for(lines, "Reloading browsers", 300)
                times.append(reloaded - saved)
                html = urllib.request.urlopen(f"http://127.0.0.1:{port}/{page}/", timeout=30).read().decode()
                assert marker in html, "the served page does not show the edit"
        finally:
            process.terminate()
            process.wait(timeout=30)
        print(f"policies: {args.policies}")
        print(f"first build until serving:       {first:8.2f} s")
        for index, seconds in enumerate(times, start=1):
            print(f"save to browser reload, edit {index}: {seconds:8.2f} s (target under 2 s)")


if __name__ == "__main__":
    main()
