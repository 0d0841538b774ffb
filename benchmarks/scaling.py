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

`--corpus N,...` measures the corpus stage instead, on generated pages
(`cleaner.generate`, streamed to JSON Lines, so any N fits): per N and worker count, wall and CPU time, peak RSS (the
biggest process), the parent's and the workers' CPU seconds per page (from
/proc, sampled), and the peak disk used by the run's temporary files (spill,
fingerprint shards, index, DuckDB spill) per page, and a digest of the output rows (`id`, `text`,
`removed`, `lang`, `dup_cluster`, `dup_rank`, in id order), so runs with other engines or worker counts
on the same pages can be checked for the same rows:

    python benchmarks/scaling.py --corpus 10000,100000 --corpus-workers 1
    python benchmarks/scaling.py --corpus 10000 --corpus-workers 1,2 --engines local,ray
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

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


def stream_corpus(pages: int, out: Path, seed: int = 0) -> tuple[int, int]:
    """Write `pages` generated pages (`cleaner.generate.iter_pages`, streamed) as JSON Lines; (pages, bytes)."""
    import itertools

    from cleaner.generate import iter_pages, write_jsonl

    sites = max(1, min(250, pages // 40))
    return write_jsonl(itertools.islice(iter_pages(sites, -(-pages // sites), seed=seed), pages), out)


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of `root` and every descendant, by pid (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out[pid] = stats[pid]
        todo.extend(children.get(pid, []))
    return out


def _process_memory(pid: int) -> tuple[str, int, int, int] | None:
    """`(name, RSS, its shared-memory part, its file-mapped part)` of a process in bytes, from /proc; None once
    it has gone.

    The name is the command line's first words (Ray titles its workers `ray::...`).
    """
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return None
    words = [os.path.basename(a.decode("utf-8", "replace")) for a in argv if a][:4]
    kib = {k: int(fields.get(k, "0 kB").split()[0]) * 1024 for k in ("VmRSS", "RssShmem", "RssFile")}
    return " ".join(words)[:80], kib["VmRSS"], kib["RssShmem"], kib["RssFile"]


def _disk(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def _rows_digest(out: Path) -> str:
    """A digest of an output's rows (a Parquet file or a dataset folder) that does not depend on row order."""
    import pyarrow.dataset as pads
    import xxhash

    columns = ["id", "text", "removed", "lang", "dup_cluster", "dup_rank"]
    keyed = []
    for batch in pads.dataset(str(out), format="parquet").to_batches(columns=columns, batch_size=4096):
        for row in batch.to_pylist():
            keyed.append((row["id"], xxhash.xxh3_64_hexdigest(json.dumps(row, sort_keys=True).encode())))
    digest = xxhash.xxh3_128()
    for key, value in sorted(keyed):
        digest.update(f"{key}\0{value}\n".encode("utf-8", "surrogatepass"))
    return f"{len(keyed)} rows {digest.hexdigest()[:16]}"


def corpus_run(source: Path, pages: int, workers: int, engine: str, work: Path, extra: list[str] = ()) -> dict:
    """One `cleaner clean` with the corpus stage on, sampled every 0.5 s (CPU per process, temp disk)."""
    import subprocess
    import threading
    import time

    scratch = work / "tmp"
    scratch.mkdir(exist_ok=True)
    out = work / ("out" if engine == "ray" else "out.parquet")
    target = f"{out}/" if engine == "ray" else str(out)  # Ray writes a dataset folder (a Path drops the '/')
    command = [sys.executable, "-m", "cleaner.cli", "clean", str(source), "-o", target, "-q"]
    command += ["--workers", str(workers), "--engine", engine, *extra]
    env = {**os.environ, "TMPDIR": str(scratch)}
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cpu: dict[int, float] = {}
    memory: dict[int, tuple[str, int, int, int]] = {}  # pid: (name, peak RSS, its shared and file parts)
    peak_disk = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_disk
        while not stop.is_set():
            cpu.update(_tree_cpu(proc.pid))
            for pid in list(cpu):
                now = _process_memory(pid)
                if now is not None and now[1] > memory.get(pid, ("", -1, 0, 0))[1]:
                    memory[pid] = now
            peak_disk = max(peak_disk, _disk(scratch))
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    parent = cpu.pop(proc.pid, 0.0)
    largest = sorted(memory.values(), key=lambda m: -m[1])[:6]
    import shutil

    rows = _rows_digest(out) if out.exists() else None
    shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(missing_ok=True)
    return {
        "pages": pages,
        "workers": workers,
        "engine": engine,
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "parent_cpu_ms_per_page": 1000 * parent / pages,
        "other_cpu_ms_per_page": 1000 * sum(cpu.values()) / pages,
        "peak_disk_bytes_per_page": peak_disk / pages,
        "largest_processes": [
            {"name": n, "peak_rss_mib": r / 2**20, "shared_mib": sh / 2**20, "file_mib": f / 2**20}
            for n, r, sh, f in largest
        ],
        "rows_digest": rows,
        "exit": os.waitstatus_to_exitcode(status),
        "error": err[-400:] if os.waitstatus_to_exitcode(status) not in (0, 1) else None,
    }


def corpus_main(args) -> int:
    figures = []
    print(
        "| pages | engine | workers | wall s | pages/s | peak RSS MiB | parent CPU ms/page | workers CPU ms/page "
        "| peak temp disk KB/page | rows |\n|---|---|---|---|---|---|---|---|---|---|",
        flush=True,
    )
    first: dict[int, str] = {}  # pages: the rows of the first run on them

    def same(r: dict) -> str:
        """Whether a run gave the rows of the first run on the same pages."""
        digest = r["rows_digest"]
        if digest is None or first.setdefault(r["pages"], digest) is digest:
            return ""
        return " (same)" if first[r["pages"]] == digest else " (DIFFERENT)"

    with tempfile.TemporaryDirectory(prefix="cleaner-corpus-scale-") as tmp:
        work = Path(tmp)
        for n in (int(x) for x in args.corpus.split(",")):
            source = work / f"pages-{n}.jsonl"
            pages, _ = stream_corpus(n, source)
            for engine in args.engines.split(","):
                for workers in (int(x) for x in args.corpus_workers.split(",")):
                    if engine == "ray" and workers > 1:
                        continue
                    r = corpus_run(source, pages, workers, engine, work, args.clean_args.split())
                    figures.append(r)
                    print(
                        f"| {pages:,} | {engine} | {workers} | {r['seconds']:.0f} | {pages / r['seconds']:.0f} | "
                        f"{r['peak_rss_mib']:.0f} | {r['parent_cpu_ms_per_page']:.2f} | "
                        f"{r['other_cpu_ms_per_page']:.2f} | {r['peak_disk_bytes_per_page'] / 1000:.1f} | "
                        f"{r['rows_digest'] or '-'}{same(r)} |" + (f" error: {r['error']}" if r["error"] else ""),
                        flush=True,
                    )
                    for m in r["largest_processes"]:
                        print(
                            f"    {m['peak_rss_mib']:7.0f} MiB (shared memory {m['shared_mib']:.0f}, files "
                            f"{m['file_mib']:.0f}) {m['name']}",
                            file=sys.stderr,
                            flush=True,
                        )
            source.unlink()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", default=str(REPO.parent / "shared" / "eval"))
    parser.add_argument("--replicate", default="1,10", help="replication factors (comma-separated)")
    parser.add_argument("--workers", default="1,2", help="worker counts for the scaling curve")
    parser.add_argument("--scaling-factor", type=int, default=4, help="replication used for the worker curve")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--corpus", help="generated page counts for the corpus-stage run (comma-separated)")
    parser.add_argument("--corpus-workers", default="1", help="worker counts for --corpus (default 1)")
    parser.add_argument("--engines", default="local", help="engines for --corpus: local, ray (default local)")
    parser.add_argument("--clean-args", default="", help="more `cleaner clean` options for --corpus runs")
    args = parser.parse_args(argv)
    if args.corpus:
        return corpus_main(args)
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
