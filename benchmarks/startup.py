"""Start-up of `cleaner clean` on one small file, and where it goes.

The trees' `.pyc` files are written first, as `pip install` does. Each command runs in its own
process `--runs` times; the figures are the fastest run's wall and CPU
seconds (the machine is shared: the minimum is the least disturbed run). The bare interpreter and the
imports alone are measured the same way, so the remainder is the command's own work. Then one run
under `python -X importtime` names the slowest top-level imports.

    python benchmarks/startup.py                      # fixtures/inputs/dumps/cup-final.txt, 5 runs
    python benchmarks/startup.py --runs 9 --tree main # also another tree (a revision or a directory)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run_measured
from throughput import byte_compile

REPO = Path(__file__).resolve().parent.parent


def fastest(command: list[str], runs: int, env_tree: Path | None) -> tuple[float, float]:
    """(wall s, CPU s) of the fastest of `runs` runs of `command`."""
    if env_tree is not None:
        command = ["env", f"PYTHONPATH={env_tree}", *command]
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        measured = run_measured(command, cwd=env_tree or REPO)
        if measured.seconds is None or measured.returncode not in (0, 1):
            raise SystemExit(f"startup: {' '.join(command)} failed: {measured.error}")
        best = min(best, (measured.seconds, measured.cpu_seconds))
    return best


def slowest_imports(command: list[str], tree: Path, top: int = 8) -> list[tuple[str, float]]:
    """The top-level imports (as `-X importtime` reports them) with the largest cumulative time."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command[1:]], env=env, cwd=tree, capture_output=True, text=True
    )
    found = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):
            found.append((match.group(2), int(match.group(1)) / 1e6))
    return sorted(found, key=lambda x: -x[1])[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", default=str(REPO / "fixtures" / "inputs" / "dumps" / "cup-final.txt"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", action="append", default=[], help="also measure this tree (revision or directory)")
    args = parser.parse_args(argv)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="cleaner-startup-") as tmp:
        from compare_trees import export_tree

        trees = [("this tree", REPO)] + [(spec, export_tree(spec, Path(tmp) / "trees")) for spec in args.tree]
        for _, tree in trees:
            byte_compile(Path(tree))
        out = str(Path(tmp) / "out.parquet")
        rows = [("python -c pass", [py, "-c", "pass"])]
        rows.append(("import cleaner.cli", [py, "-c", "import cleaner.cli"]))
        clean_on = [py, "-m", "cleaner.cli", "clean", args.input, "-o", out, "-q"]
        clean_off = [*clean_on, "--no-repeats"]
        rows += [("cleaner clean (corpus stage on)", clean_on), ("cleaner clean --no-repeats", clean_off)]
        print(f"Start-up, fastest of {args.runs} runs, input {Path(args.input).name}\n")
        print("| tree | command | wall s | CPU s |\n|---|---|---|---|")
        for label, tree in trees:
            for name, command in rows:
                wall, cpu = fastest(command, args.runs, tree)
                print(f"| {label} | {name} | {wall:.2f} | {cpu:.2f} |", flush=True)
        print("\nSlowest top-level imports of `cleaner clean --no-repeats` (this tree, one run, -X importtime):\n")
        for module, seconds in slowest_imports(clean_off, REPO):
            print(f"- {module}: {seconds:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
