"""Quality benchmark: how much article text each system keeps, and how much junk it lets through.

Every system is scored with the evaluation scorer's own bag-of-words function
(`bow_prf` from `score.py` in `--eval-dir`, loaded by path, so every row uses
the same scorer as the reference figures): per page precision, recall and F1
of lower-cased, punctuation-stripped tokens against the human gold text,
averaged over pages. Rows are reported over all dev pages and per source
(`aeb-` and `l3s-` ids), and on the seed pages (dump only, no HTML).

    python benchmarks/quality.py                      # all dev pages, results in benchmarks/results/
    python benchmarks/quality.py --limit 20 --out /tmp/q
    python benchmarks/quality.py --systems "cleaner clean_text,trafilatura extract()"

pages/s is the system's own time over the dev pages (one process, one warm-up
page first, reading files not counted). The "cleaner clean (engine, corpus
repeats)" row runs the real engine over the selected pages as JSON Lines (its
time includes both passes and writing Parquet).

The eval pages are read from `--eval-dir`; nothing of them is written into the repo.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers

REPO = Path(__file__).resolve().parents[1]
ENGINE_ROW = "cleaner clean (engine, corpus repeats)"


@dataclass
class Page:
    id: str
    url: str | None
    dump: str
    html: str | None
    gold: str
    group: str  # "aeb", "l3s" or "seeds"


@dataclass
class Row:
    system: str
    input: str
    scores: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)  # group -> [(p, r, f1)]
    by_page: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # dev page id -> (p, r, f1)
    seconds: float = 0.0
    timed_pages: int = 0
    note: str = ""

    def summary(self, groups: tuple[str, ...]) -> dict[str, float] | None:
        values = [s for g in groups for s in self.scores.get(g, [])]
        if not values:
            return None
        n = len(values)
        return {
            "F1": sum(v[2] for v in values) / n,
            "P": sum(v[0] for v in values) / n,
            "R": sum(v[1] for v in values) / n,
            "n": n,
        }

    def pages_per_s(self) -> float | None:
        return self.timed_pages / self.seconds if self.seconds > 0 else None


def load_scorer(eval_dir: Path):
    path = eval_dir / "score.py"
    spec = importlib.util.spec_from_file_location("eval_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"quality: cannot load the scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bow_prf


def load_dev(eval_dir: Path, limit: int | None) -> list[Page]:
    dev = eval_dir / "dev"
    pages = []
    with open(dev / "manifest.jsonl", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    if limit:  # a mix of both sources, in manifest order
        by_source: dict[str, list[dict]] = {}
        for record in records:
            by_source.setdefault(record["id"].split("-", 1)[0], []).append(record)
        mixed = [r for group in zip(*by_source.values(), strict=False) for r in group]
        records = sorted(mixed[:limit], key=records.index)
    for record in records:
        pid = record["id"]
        html_path = dev / "html" / f"{pid}.html"
        pages.append(
            Page(
                id=pid,
                url=record.get("url"),
                dump=(dev / "dump" / f"{pid}.txt").read_text(encoding="utf-8"),
                html=html_path.read_text(encoding="utf-8", errors="replace") if html_path.exists() else None,
                gold=(dev / "gold" / f"{pid}.txt").read_text(encoding="utf-8"),
                group=pid.split("-", 1)[0],
            )
        )
    return pages


def load_seeds(eval_dir: Path, limit: int | None) -> list[Page]:
    """Seeds from `fixtures/seeds/` (raw/ + gold/, or `<name>.txt` + `<name>.gold.txt`), else
    `../shared/seeds` (raw/ + gold/)."""
    pairs: list[tuple[str, Path, Path]] = []
    fixtures = REPO / "fixtures" / "seeds"
    for folder in (fixtures, eval_dir.parent / "seeds"):
        if pairs or not folder.is_dir():
            continue
        for raw in sorted((folder / "raw").glob("*.txt")):
            gold = folder / "gold" / raw.name
            if gold.exists():
                pairs.append((raw.stem, raw, gold))
        for gold in sorted(folder.glob("*.gold.txt")):
            name = gold.name[: -len(".gold.txt")]
            if (folder / f"{name}.txt").exists():
                pairs.append((name, folder / f"{name}.txt", gold))
    pairs = pairs[:limit] if limit else pairs
    return [
        Page(name, None, raw.read_text(encoding="utf-8"), None, gold.read_text(encoding="utf-8"), "seeds")
        for name, raw, gold in pairs
    ]


def run_system(system: peers.System, pages: list[Page], bow_prf) -> Row:
    row = Row(system.name, system.input)
    if not system.available():
        row.note = "not installed: " + ", ".join(system.missing())
        return row
    fn = system.make()
    usable = [p for p in pages if (p.html if system.input == "html" else p.dump) is not None]
    if usable:  # warm-up: first-call model and cache loading is not counted
        first = usable[0]
        fn(first.html if system.input == "html" else first.dump, first.url)
    for page in usable:
        content = page.html if system.input == "html" else page.dump
        start = time.perf_counter()
        try:
            out = fn(content, page.url)
        except Exception as exc:  # noqa: BLE001 - a failing page scores as empty output, and is counted
            out = ""
            row.note = f"errors, e.g. {type(exc).__name__}: {exc}"[:120]
        elapsed = time.perf_counter() - start
        if page.group != "seeds":
            row.seconds += elapsed
            row.timed_pages += 1
        score = bow_prf(out, page.gold)
        row.scores.setdefault(page.group, []).append(score)
        if page.group != "seeds":
            row.by_page[page.id] = score
    return row


def run_engine(pages: list[Page], bow_prf) -> Row:
    """The real `cleaner clean` path over the dev dumps as JSON Lines: both passes, corpus repeats on."""
    import pyarrow.parquet as pq

    from cleaner.config import Config
    from cleaner.engine import run

    row = Row(ENGINE_ROW, "dump")
    dev = [p for p in pages if p.group != "seeds"]
    with tempfile.TemporaryDirectory(prefix="cleaner-quality-") as tmp:
        source = Path(tmp) / "pages.jsonl"
        with open(source, "w", encoding="utf-8") as f:
            for p in dev:
                f.write(json.dumps({"id": p.id, "url": p.url, "text": p.dump}, ensure_ascii=False) + "\n")
        target = Path(tmp) / "out.parquet"
        start = time.perf_counter()
        summary = run([str(source)], str(target), Config(), progress=False)
        row.seconds = time.perf_counter() - start
        row.timed_pages = len(dev)
        table = pq.read_table(target, columns=["id", "text"]).to_pydict()
    texts = dict(zip(table["id"], table["text"], strict=True))
    for p in dev:
        score = bow_prf(texts.get(p.id) or "", p.gold)
        row.scores.setdefault(p.group, []).append(score)
        row.by_page[p.id] = score
    if summary.failed:
        row.note = f"{summary.failed} pages failed"
    return row


#: a page is catastrophic for a system when it keeps under this share of the gold words ...
CATASTROPHIC_RECALL = 0.5
#: ... while trafilatura alone keeps more than this share
REFERENCE_RECALL = 0.9
REFERENCE_ROW = "trafilatura extract()"


def catastrophic(row: Row, reference: Row | None) -> list[str] | None:
    """Dev pages where `row` keeps under half the gold words while trafilatura keeps over 90%
    (None without a trafilatura row to compare with)."""
    if reference is None or not reference.by_page or not row.by_page:
        return None
    return sorted(
        pid
        for pid, (_, recall, _) in row.by_page.items()
        if recall < CATASTROPHIC_RECALL and reference.by_page.get(pid, (0, 0, 0))[1] > REFERENCE_RECALL
    )


def fmt(summary: dict[str, float] | None, keys=("F1", "P", "R")) -> str:
    if summary is None:
        return " | ".join("–" for _ in keys)
    return " | ".join(f"{summary[k]:.3f}" for k in keys)


def markdown(rows: list[Row], counts: dict[str, int]) -> str:
    head = (
        f"| system | input | F1 | P | R | aeb F1 | aeb P | aeb R | l3s F1 | l3s P | l3s R "
        f"| seeds F1 | seeds P | seeds R | catastrophic | pages/s |\n|{'---|' * 16}"
    )
    lines = [head]
    reference = next((r for r in rows if r.system == REFERENCE_ROW), None)
    for row in rows:
        bad = catastrophic(row, reference)
        rate = row.pages_per_s() if row.system != "nothing removed" else None
        lines.append(
            f"| {row.system} | {row.input} | {fmt(row.summary(('aeb', 'l3s')))} | {fmt(row.summary(('aeb',)))} "
            f"| {fmt(row.summary(('l3s',)))} | {fmt(row.summary(('seeds',)))} "
            f"| {'–' if bad is None else len(bad)} | {f'{rate:,.0f}' if rate else '–'} |"
            + (f" {row.note}" if row.note else "")
        )
    lines.append("")
    lines.append(
        f"Pages: {counts.get('aeb', 0)} aeb + {counts.get('l3s', 0)} l3s dev pages, {counts.get('seeds', 0)} seeds "
        "(dump only). F1/P/R: mean over pages of the scorer's bag-of-words figures. catastrophic: dev pages "
        f"where the system keeps under {CATASTROPHIC_RECALL:.0%} of the gold words while trafilatura alone keeps "
        f"over {REFERENCE_RECALL:.0%}."
    )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    import os

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "?"
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu or platform.processor(),
        "python": sys.version.split()[0],
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for dist in ("cleaner", "trafilatura", "justext", "resiliparse", "datatrove", "spacy"):
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            found[dist] = "not installed"
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval", help="default ../shared/eval")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results", help="where quality.md/.json go")
    ap.add_argument("--limit", type=int, default=None, help="only the first N dev pages (and N seeds)")
    ap.add_argument("--systems", default=None, help="comma-separated system names (default: all)")
    ap.add_argument("--no-engine", action="store_true", help=f"skip the '{ENGINE_ROW}' row")
    args = ap.parse_args(argv)

    if not (args.eval_dir / "score.py").exists():
        print(f"quality: no scorer at {args.eval_dir}/score.py (give --eval-dir)", file=sys.stderr)
        return 2
    bow_prf = load_scorer(args.eval_dir)
    pages = load_dev(args.eval_dir, args.limit) + load_seeds(args.eval_dir, args.limit)
    counts: dict[str, int] = {}
    for p in pages:
        counts[p.group] = counts.get(p.group, 0) + 1
    wanted = [s.strip() for s in args.systems.split(",")] if args.systems else None
    rows = []
    for system in peers.SYSTEMS:
        if wanted and system.name not in wanted:
            continue
        print(f"quality: {system.name} ...", file=sys.stderr, flush=True)
        rows.append(run_system(system, pages, bow_prf))
    if not args.no_engine and (not wanted or ENGINE_ROW in wanted):
        print(f"quality: {ENGINE_ROW} ...", file=sys.stderr, flush=True)
        rows.append(run_engine(pages, bow_prf))

    table = markdown(rows, counts)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    args.out.mkdir(parents=True, exist_ok=True)
    header = (
        f"Quality, {stamp}; {info['nproc']} CPUs ({info['cpu']}), {info['memory']}; "
        f"versions: {', '.join(f'{k} {v}' for k, v in versions().items())}"
    )
    (args.out / "quality.md").write_text(header + "\n\n" + table + "\n", encoding="utf-8")
    result = {
        "date": stamp,
        "machine": info,
        "versions": versions(),
        "command": " ".join(["python", "benchmarks/quality.py", *(argv if argv is not None else sys.argv[1:])]),
        "pages": counts,
        "rows": [
            {
                "system": r.system,
                "input": r.input,
                "all": r.summary(("aeb", "l3s")),
                "aeb": r.summary(("aeb",)),
                "l3s": r.summary(("l3s",)),
                "seeds": r.summary(("seeds",)),
                "pages_per_s": r.pages_per_s(),
                "catastrophic": catastrophic(r, next((x for x in rows if x.system == REFERENCE_ROW), None)),
                "by_page": r.by_page,
                "note": r.note,
            }
            for r in rows
        ],
    }
    (args.out / "quality.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(header)
    print()
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
