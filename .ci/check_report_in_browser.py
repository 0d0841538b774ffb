"""CI check: `cleaner report` opens in a real browser (headless Chromium) and renders its charts.

Cleans the fixture inputs and seed pages into a folder (with `_STATS.json`), writes the report, lets Chromium load it
with networking off and dump the DOM it built and a screenshot (saved to the folder given as the
first argument, default `.ci/artifacts/`). Fails when Chromium cannot open the page, when the
rendered DOM lacks a section or its SVG charts, or when the screenshot is not a PNG.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("by-reason", "by-site", "stages", "duplicates", "repeats", "problems", "samples")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("check_report_in_browser: no chromium found (apt-get install -y chromium)")


def browse(browser: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [browser, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)


def main() -> int:
    artifacts = (Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".ci" / "artifacts").resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="cleaner-report-") as tmp:
        work = Path(tmp)
        cleaner = [sys.executable, "-m", "cleaner.cli"]
        inputs = [str(ROOT / "fixtures" / "inputs"), str(ROOT / "fixtures" / "seeds" / "raw")]
        subprocess.run([*cleaner, "clean", *inputs, "-o", f"{work / 'out'}/", "-q"], check=False)
        if not (work / "out" / "_STATS.json").exists():
            print("check_report_in_browser: the fixtures run wrote no _STATS.json", file=sys.stderr)
            return 1
        report = artifacts / "report.html"
        subprocess.run([*cleaner, "report", str(work / "out"), "-o", str(report), "-q"], check=True)
        dom = browse(browser, report, work / "profile-dom", "--dump-dom")
        missing = [s for s in SECTIONS if f'id="{s}"' not in dom.stdout]
        if dom.returncode != 0 or missing or dom.stdout.count("<svg") < 4:
            print(f"check_report_in_browser: rendered DOM lacks {missing or 'charts'}\n{dom.stderr[-2000:]}")
            return 1
        shot = artifacts / "report.png"
        browse(browser, report, work / "profile-shot", "--window-size=1200,2400", f"--screenshot={shot}")
        if not shot.exists() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n" or shot.stat().st_size < 10_000:
            print("check_report_in_browser: no usable screenshot", file=sys.stderr)
            return 1
    print(f"report rendered in {Path(browser).name}: {report} and {shot} ({shot.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
