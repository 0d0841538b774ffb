"""Does a change leave the output alone? Clean the same inputs with two trees and diff the rows.

Each tree runs `cleaner clean` in its own process (its own code on `PYTHONPATH`, its own
shipped rule packs) on each input set, and the Parquet rows are compared by id on the columns a
speed change must never alter: `text`, `removed`, `lang`, `dup_cluster`, `dup_rank`.

Input sets (the eval pages are read in place from `../shared/eval`, never copied):

- `dumps`: the dev dumps as JSON Lines with their URLs, corpus stage on (so duplicates count);
- `dumps-nourl`: the same dumps as a folder of `.txt` files (no URL: packs chosen by `detect`);
- `html`: the dev HTML pages (extraction, then the stages);
- `seeds`: `fixtures/seeds/raw` of the newer tree;
- `generated`: `--generated N` pages from the newer tree's generator (`cleaner.generate`), if it has one.

A tree is a directory or a git revision of this repository (exported with `git archive` into a
temporary folder; the repository's worktrees are never touched).

    python benchmarks/compare_trees.py main                 # main against this working tree
    python benchmarks/compare_trees.py HEAD~1 HEAD --sets dumps,seeds
    python benchmarks/compare_trees.py /work/main . --generated 2000

Exit status 0 when every set is identical, 1 when any row differs or a run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("text", "removed", "lang", "dup_cluster", "dup_rank")
SETS = ("dumps", "dumps-nourl", "html", "seeds", "generated")
EVAL_DIR = next((p / "shared" / "eval" for p in REPO.parents if (p / "shared" / "eval").is_dir()), REPO.parent)


def export_tree(spec: str, into: Path) -> Path:
    """A directory as given, or the git revision `spec` of this repository unpacked under `into`."""
    path = Path(spec)
    if path.is_dir() and (path / "cleaner").is_dir():
        return path.resolve()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", spec], capture_output=True, check=False)
    if archive.returncode != 0:
        sys.exit(f"compare_trees: {spec!r} is neither a tree directory nor a revision: {archive.stderr.decode()}")
    target = into / spec.replace("/", "_").replace("~", "-").replace("^", "-")
    target.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def input_sets(eval_dir: Path, newer: Path, work: Path, generated: int) -> dict[str, tuple[Path, list[str]]]:
    """Each set's input path and the extra `cleaner clean` flags it runs with."""
    dev = eval_dir / "dev"
    sets = {
        "dumps": (dev / "pages.jsonl", []),
        "dumps-nourl": (dev / "dump", []),
        "html": (dev / "html", ["--format", "html"]),
        "seeds": (newer / "fixtures" / "seeds" / "raw", []),
    }
    if generated:
        out = work / "generated.jsonl"
        code = (
            "import itertools, sys\nfrom pathlib import Path\nfrom cleaner import generate\n"
            "n = int(sys.argv[2])\n"
            "pages = itertools.islice(generate.iter_pages(max(1, n // 40), 40, seed=7), n)\n"
            "generate.write_jsonl(pages, Path(sys.argv[1]))\n"
        )
        env = {**os.environ, "PYTHONPATH": str(newer)}
        made = subprocess.run([sys.executable, "-c", code, str(out), str(generated)], env=env, cwd=newer, check=False)
        if made.returncode == 0:
            sets["generated"] = (out, [])
        else:
            print("generated: the newer tree has no `cleaner.generate.iter_pages`; set skipped", file=sys.stderr)
    return sets


def run_tree(tree: Path, source: Path, flags: list[str], out: Path) -> str | None:
    """Clean `source` with `tree`'s code into `out`; an error message when the run failed."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "cleaner.cli", "clean", str(source), "-o", str(out), "-q", *flags]
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1) or not out.exists():
        return f"exit {done.returncode}: {done.stderr.strip()[-2000:]}"
    return None


def read_rows(path: Path) -> dict[str, dict]:
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["id", *COLUMNS])
    return {row["id"]: {c: row[c] for c in COLUMNS} for row in table.to_pylist()}


def diff_rows(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """One line per differing page (missing on one side, or which columns differ)."""
    problems = [f"{i}: only in the older tree" for i in sorted(old.keys() - new.keys())]
    problems += [f"{i}: only in the newer tree" for i in sorted(new.keys() - old.keys())]
    for i in sorted(old.keys() & new.keys()):
        changed = [c for c in COLUMNS if old[i][c] != new[i][c]]
        if changed:
            problems.append(f"{i}: {', '.join(changed)} differ")
    return problems


def compare(older: Path, newer: Path, sets: dict[str, tuple[Path, list[str]]], work: Path) -> dict[str, dict]:
    report = {}
    for name, (source, flags) in sets.items():
        outs = {}
        for side, tree in (("older", older), ("newer", newer)):
            out = work / f"{name}-{side}.parquet"
            error = run_tree(tree, source, flags, out)
            if error:
                report[name] = {"pages": 0, "differ": [f"{side} tree failed: {error}"]}
                break
            outs[side] = read_rows(out)
        else:
            report[name] = {"pages": len(outs["newer"]), "differ": diff_rows(outs["older"], outs["newer"])}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("older", help="the parent tree: a directory or a git revision")
    parser.add_argument("newer", nargs="?", default=str(REPO), help="the changed tree (default: this working tree)")
    parser.add_argument("--eval-dir", default=str(EVAL_DIR), help="the eval pages (default: ../shared/eval upwards)")
    parser.add_argument("--sets", default="dumps,dumps-nourl,html,seeds", help=f"comma-separated, of {SETS}")
    parser.add_argument("--generated", type=int, default=0, help="also compare N generated pages")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args(argv)
    wanted = [s for s in args.sets.split(",") if s] + (["generated"] if args.generated else [])
    unknown = set(wanted) - set(SETS)
    if unknown:
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="cleaner-compare-") as tmp:
        work = Path(tmp)
        older, newer = export_tree(args.older, work / "trees"), export_tree(args.newer, work / "trees")
        available = input_sets(Path(args.eval_dir), newer, work, args.generated)
        sets = {name: available[name] for name in wanted if name in available}
        report = compare(older, newer, sets, work)
    same = True
    for name, result in report.items():
        verdict = "identical" if not result["differ"] else f"{len(result['differ'])} differ"
        print(f"{name}: {result['pages']} pages, {verdict}")
        for line in result["differ"][:10]:
            print(f"  {line}")
        same &= not result["differ"]
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
