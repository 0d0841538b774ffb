"""Where the per-document time goes: rules, heuristics, language and the fixpoint's bookkeeping.

Runs the per-document stages (`Pipeline.run_document_stages`, as `clean --no-repeats` does) in this
process over the dev dumps, twice: first on pages never seen (every per-text memo empty, the
language model already loaded), then on the same pages again under new ids (what a replicated
corpus, or a site's recurring menus, meets: memo hits). Each stage function is wrapped with a timer.

    python benchmarks/stage_shares.py            # the 265 dev dumps
    python benchmarks/stage_shares.py --tree main --tree .
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_MEASURE = r"""
import json, sys, time
from cleaner import heuristics, language, rules, pipeline
from cleaner.config import Config
from cleaner.document import Document

records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
spent = {}

def timed(module, name, label):
    real = getattr(module, name)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
    setattr(module, name, wrapper)

timed(rules, "apply_packs", "rules")
timed(heuristics, "find_removals", "heuristics")
timed(language, "find_removals", "language")
runner = pipeline.Pipeline.from_config(Config())
language.detect("Die Regierung hat am Dienstag neue Maßnahmen angekündigt.")

def clean(tag):
    spent.clear()
    start = time.perf_counter()
    for r in records:
        runner.run_document_stages(Document.from_text(r["text"], id=r["id"] + tag, source="s", url=r.get("url")))
    total = time.perf_counter() - start
    shares = {k: v / total for k, v in spent.items()}
    shares["rest"] = 1 - sum(shares.values())
    return {"pages_per_s": len(records) / total, "ms_per_page": 1000 * total / len(records), "shares": shares}

print(json.dumps({"first seen": clean("#0"), "seen again": clean("#1")}))
"""


def measure(tree: Path, pages: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(pages)], env=env, cwd=tree, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"stage_shares: {tree}: {done.stderr.strip()[-1000:]}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", default=[], help="a revision or directory (default: this tree)")
    parser.add_argument("--eval-dir", default=None, help="the eval pages (default: ../shared/eval upwards)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from compare_trees import EVAL_DIR, export_tree

    pages = Path(args.eval_dir or EVAL_DIR) / "dev" / "pages.jsonl"
    print("| tree | pages | pages/s | ms/page | rules | heuristics | language | rest |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="cleaner-stages-") as tmp:
        for spec in args.tree or [str(REPO)]:
            tree = export_tree(spec, Path(tmp) / "trees")
            for when, r in measure(tree, pages).items():
                s = r["shares"]
                print(
                    f"| {spec} | {when} | {r['pages_per_s']:.0f} | {r['ms_per_page']:.2f} | {s.get('rules', 0):.0%} "
                    f"| {s.get('heuristics', 0):.0%} | {s.get('language', 0):.0%} | {s['rest']:.0%} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
