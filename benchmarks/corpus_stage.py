"""The corpus stage alone: fingerprint N generated pages (no per-document stages) into pass 1's shards,
build the index out of core, then look every page up (pass 2's find_removals and duplicate). Prints
the time of each step, the peak RSS after each (the process's high-water mark, so the build's own peak
shows when it is above pass 1's), and the disk per page of the shards and of the index.

    python benchmarks/corpus_stage.py 10000
    python benchmarks/corpus_stage.py 100000 --shards /tmp/shards-100k   # keep pass 1's shards there
    python benchmarks/corpus_stage.py 100000 --shards /tmp/shards-100k --build-only   # reuse them

`--build-only` measures the build (and the lookups, unless `--no-lookups`) in a process that did not
run pass 1, so its peak RSS is the build's own; `--memory-limit` is DuckDB's cap.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from cleaner.dedup import CorpusIndex, DedupParams, fingerprint
from cleaner.dedup.shards import FingerprintShards
from cleaner.document import Document
from cleaner.generate import iter_pages


def docs(n: int):
    sites = max(1, min(250, n // 40))
    for page in itertools.islice(iter_pages(sites, -(-n // sites), seed=0), n):
        yield Document.from_text(page.text, id=page.id, source=page.id, url=page.url)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def size(folder: Path) -> int:
    total = 0
    for f in folder.rglob("*"):
        with contextlib.suppress(FileNotFoundError):  # DuckDB's spill files come and go
            total += f.stat().st_size if f.is_file() else 0
    return total


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Sampler(threading.Thread):
    """Samples this process's RSS and the disk under `folders` every `interval` s; keeps each step's peaks."""

    def __init__(self, folders: list[Path], interval: float):
        super().__init__(daemon=True)
        self.folders, self.interval, self.step = folders, interval, "pass1"
        self.peaks: dict[str, dict[str, int]] = {}
        self.done = threading.Event()

    def sample(self) -> None:
        rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        disk = sum(size(f) for f in self.folders if f.exists())
        peak = self.peaks.setdefault(self.step, {"rss": 0, "disk": 0})
        peak["rss"], peak["disk"] = max(peak["rss"], rss), max(peak["disk"], disk)

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def enter(self, step: str) -> None:
        self.sample()
        self.step = step


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages", type=int)
    ap.add_argument("--shards", type=Path, help="keep pass 1's shards in this folder (reused with --build-only)")
    ap.add_argument("--build-only", action="store_true", help="build from the shards already in --shards")
    ap.add_argument("--no-lookups", action="store_true", help="skip pass 2's lookups")
    ap.add_argument("--memory-limit", help="DuckDB's memory cap (default: the build's)")
    ap.add_argument("--steps", action="store_true", help="print the time and RSS after each build step (stderr)")
    ap.add_argument("--sample", type=float, default=1.0, help="seconds between RSS and disk samples (default 1)")
    ap.add_argument("--progress", type=int, default=0, help="print a line every this many pages (stderr)")
    args = ap.parse_args(argv)
    if args.build_only and not (args.shards and (args.shards / "done.json").exists()):
        ap.error("--build-only needs --shards with a finished pass 1")
    if args.steps:
        logging.basicConfig(format="%(asctime)s %(message)s", level=logging.WARNING)
        logging.getLogger("cleaner").setLevel(logging.DEBUG)
    n, params = args.pages, DedupParams()
    work = Path(tempfile.mkdtemp(prefix="corpus-stage-"))
    shards_dir = args.shards or work / "shards"
    row: dict[str, object] = {"pages": n}
    sampler = Sampler([work] if args.shards is None else [shards_dir, work], args.sample)
    sampler.start()
    try:
        t0, c0 = time.perf_counter(), cpu_s()
        if args.build_only:
            done = json.loads((shards_dir / "done.json").read_text())
            if done["pages"] != n:
                ap.error(f"{shards_dir} holds {done['pages']} pages, not {n}")
        else:
            shutil.rmtree(shards_dir, ignore_errors=True)
            shards = FingerprintShards(shards_dir, params.num_perm)
            for k, d in enumerate(docs(n), 1):
                shards.add(fingerprint(d, params))
                if args.progress and k % args.progress == 0:
                    print(f"{time.strftime('%H:%M:%S')} pass 1: {k} pages, {time.perf_counter() - t0:.0f} s",
                          file=sys.stderr, flush=True)  # fmt: skip
            shards.close()
            (shards_dir / "done.json").write_text(json.dumps({"pages": n}))
            row.update(pass1_s=round(time.perf_counter() - t0, 1), pass1_cpu_s=round(cpu_s() - c0, 1))
            row.update(pass1_peak_mib=round(peak_mib()))
        sampler.enter("build")
        t1, c1 = time.perf_counter(), cpu_s()
        index = CorpusIndex.from_shards(shards_dir, params, work / "index", memory_limit=args.memory_limit)
        t2, c2 = time.perf_counter(), cpu_s()
        row.update(build_s=round(t2 - t1, 1), build_cpu_s=round(c2 - c1, 1), peak_after_build_mib=round(peak_mib()))
        row.update(
            shards_kb_per_page=round(size(shards_dir) / n / 1000, 2),
            index_kb_per_page=round(size(work / "index") / n / 1000, 2),
        )
        sampler.enter("lookups")
        if not args.no_lookups:
            removed = 0
            for k, d in enumerate(docs(n), 1):
                removed += len(index.find_removals(d))
                index.duplicate(d.id)
                if args.progress and k % args.progress == 0:
                    print(f"{time.strftime('%H:%M:%S')} lookups: {k} pages, {time.perf_counter() - t2:.0f} s",
                          file=sys.stderr, flush=True)  # fmt: skip
            row.update(lookups_s=round(time.perf_counter() - t2, 1), lookups_cpu_s=round(cpu_s() - c2, 1))
            row.update(removed=removed)
        sampler.enter("end")
        row.update(peak_rss_mib=round(peak_mib()))
        for step, peak in sampler.peaks.items():
            if step != "end":
                row[f"{step}_sampled_peak_rss_mib"] = round(peak["rss"] / 2**20)
                row[f"{step}_sampled_peak_disk_kb_per_page"] = round(peak["disk"] / n / 1000, 2)
        kept = ("blocks", "long_blocks", "boilerplate_blocks", "duplicate_documents")
        row["stats"] = {k: index.stats[k] for k in kept}
    finally:
        sampler.done.set()
        shutil.rmtree(work, ignore_errors=True)
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
