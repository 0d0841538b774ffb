"""Scaling and memory of `cleaner clean` on the dev dumps: workers, input size, peak RSS.

The 265 dev pages (`../shared/eval/dev/pages.jsonl`, read in place, never
copied into the repo) are replicated N times into a temporary JSON Lines file
(each copy gets its own id), and `cleaner clean` runs on it in a subprocess:

- per replication factor (1, 10, 100 …): documents/s, MB/s and peak RSS, with
  the corpus-repeat stage off (memory must stay flat as the input grows) and on
  (the index grows with the corpus: that growth is the documented cost);
- per worker count (1, 2, … up to the cores): documents/s and the speed-up.

    python benchmarks/scaling.py                                # --replicate 1,10 --workers 1,2
    python benchmarks/scaling.py --replicate 1,10,100 --workers 1,2,4,8,16
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run_measured

REPO = Path(__file__).resolve().parent.parent


def replicate(pages: Path, factor: int, out: Path) -> tuple[int, int]:
    """Write `factor` copies of every page (ids suffixed `#k`); return (documents, bytes of text)."""
    records = [json.loads(line) for line in pages.read_text(encoding="utf-8").splitlines() if line.strip()]
    count = size = 0
    with out.open("w", encoding="utf-8") as f:
        for k in range(factor):
            for record in records:
                copy = {**record, "id": f"{record['id']}#{k}" if factor > 1 else record["id"]}
                f.write(json.dumps(copy, ensure_ascii=False) + "\n")
                count += 1
                size += len(record["text"].encode("utf-8"))
    return count, size


def clean(source: Path, workers: int, repeats: bool, work: Path) -> dict:
    command = [sys.executable, "-m", "cleaner.cli", "clean", str(source), "-o", str(work / "out.parquet"), "-q"]
    command += ["--workers", str(workers)] + ([] if repeats else ["--no-repeats"])
    measured = run_measured(command, cwd=REPO)
    return {
        "seconds": measured.seconds,
        "peak_rss_mib": measured.peak_rss_mib,
        "exit": measured.returncode,
        "error": measured.error if measured.returncode not in (0, 1) else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", default=str(REPO.parent / "shared" / "eval"))
    parser.add_argument("--replicate", default="1,10", help="replication factors (comma-separated)")
    parser.add_argument("--workers", default="1,2", help="worker counts for the scaling curve")
    parser.add_argument("--scaling-factor", type=int, default=4, help="replication used for the worker curve")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    pages = Path(args.eval_dir) / "dev" / "pages.jsonl"
    if not pages.exists():
        parser.error(f"{pages}: no such file (the dev pages live in ../shared/eval)")
    figures: dict = {"size": [], "workers": [], "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="cleaner-scaling-") as tmp:
        work = Path(tmp)
        print("| pages | MB | repeats | docs/s | MB/s | peak RSS MiB |\n|---|---|---|---|---|---|")
        for factor in (int(x) for x in args.replicate.split(",")):
            source = work / f"pages-x{factor}.jsonl"
            n, size = replicate(pages, factor, source)
            for repeats in (False, True):
                r = clean(source, 1, repeats, work)
                row = {"factor": factor, "pages": n, "bytes": size, "repeats": repeats, **r}
                figures["size"].append(row)
                print(
                    f"| {n:,} | {size / 1e6:.1f} | {'on' if repeats else 'off'} | {n / r['seconds']:.0f} | "
                    f"{size / 1e6 / r['seconds']:.2f} | {r['peak_rss_mib']:.0f} |",
                    flush=True,
                )
            source.unlink()
        source = work / "pages-scaling.jsonl"
        n, size = replicate(pages, args.scaling_factor, source)
        print(f"\n{n:,} pages, repeats off\n\n| workers | docs/s | speed-up | peak RSS MiB (largest process) |")
        print("|---|---|---|---|")
        base = None
        for workers in (int(x) for x in args.workers.split(",")):
            r = clean(source, workers, False, work)
            rate = n / r["seconds"]
            base = base or rate
            figures["workers"].append({"workers": workers, "pages": n, "docs_per_s": rate, **r})
            print(f"| {workers} | {rate:.0f} | {rate / base:.2f}× | {r['peak_rss_mib']:.0f} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
