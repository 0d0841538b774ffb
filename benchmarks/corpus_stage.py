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
import itertools
import json
import resource
import shutil
import sys
import tempfile
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
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages", type=int)
    ap.add_argument("--shards", type=Path, help="keep pass 1's shards in this folder (reused with --build-only)")
    ap.add_argument("--build-only", action="store_true", help="build from the shards already in --shards")
    ap.add_argument("--no-lookups", action="store_true", help="skip pass 2's lookups")
    ap.add_argument("--memory-limit", help="DuckDB's memory cap (default: the build's)")
    args = ap.parse_args(argv)
    if args.build_only and not (args.shards and (args.shards / "done.json").exists()):
        ap.error("--build-only needs --shards with a finished pass 1")
    n, params = args.pages, DedupParams()
    work = Path(tempfile.mkdtemp(prefix="corpus-stage-"))
    shards_dir = args.shards or work / "shards"
    row: dict[str, object] = {"pages": n}
    try:
        t0 = time.perf_counter()
        if args.build_only:
            done = json.loads((shards_dir / "done.json").read_text())
            if done["pages"] != n:
                ap.error(f"{shards_dir} holds {done['pages']} pages, not {n}")
        else:
            shutil.rmtree(shards_dir, ignore_errors=True)
            shards = FingerprintShards(shards_dir, params.num_perm)
            for d in docs(n):
                shards.add(fingerprint(d, params))
            shards.close()
            (shards_dir / "done.json").write_text(json.dumps({"pages": n}))
            row.update(pass1_s=round(time.perf_counter() - t0, 1), pass1_peak_mib=round(peak_mib()))
        t1 = time.perf_counter()
        index = CorpusIndex.from_shards(shards_dir, params, work / "index", memory_limit=args.memory_limit)
        t2 = time.perf_counter()
        row.update(build_s=round(t2 - t1, 1), peak_after_build_mib=round(peak_mib()))
        row.update(
            shards_kb_per_page=round(size(shards_dir) / n / 1000, 2),
            index_kb_per_page=round(size(work / "index") / n / 1000, 2),
        )
        if not args.no_lookups:
            removed = 0
            for d in docs(n):
                removed += len(index.find_removals(d))
                index.duplicate(d.id)
            row.update(lookups_s=round(time.perf_counter() - t2, 1), removed=removed)
        row.update(peak_rss_mib=round(peak_mib()))
        kept = ("blocks", "long_blocks", "boilerplate_blocks", "duplicate_documents")
        row["stats"] = {k: index.stats[k] for k in kept}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
