"""Throughput benchmark: documents/s, MB/s and peak memory of cleaner and its peers, in one run.

The pages come from the multi-site generator (`cleaner/generate.py`: sites
with navigation, sidebars, teasers, footers, syndicated copies and pages saved
twice). For the HTML rows each generated page is rendered here as a simple
news page: `<nav>` links, the article in `<article>`, a newsletter `<aside>`,
a related-stories list, a sidebar and a `<footer>`.

Each system runs in its own subprocess, timed from start to exit (start-up and
model loading included, as a user would see it); peak RSS is that process's
`ru_maxrss` (from `os.wait4` in a small launcher process, see `_LAUNCHER`). Systems:

  text  cleaner clean (corpus repeats on: two passes, block index, document MinHash)
  text  cleaner clean --no-repeats (one pass, per-document stages only)
  text  datatrove filters: GopherRepetition, GopherQuality, C4Quality (FineWeb order)
  text  datatrove filters + MinHash dedup (signatures, buckets, clusters, filter; 1 worker)
  html  cleaner clean on HTML (trafilatura blocks + the stages, repeats on)
  html  trafilatura extract() alone
  html  resiliparse extract_plain_text(main_content=True) alone

    python benchmarks/throughput.py                           # default: --sizes 1000,10000 --html-pages 1000
    python benchmarks/throughput.py --sizes 10000,100000 --html-pages 10000     # the full cost curve
    python benchmarks/throughput.py --sizes 50 --html-pages 20 --out /tmp/t     # smoke
    python benchmarks/throughput.py --dev 10 --tree main      # the dev pages x10; main's cleaner beside this tree's

`--dev N` replaces the generated pages with the 265 real dev pages (`../shared/eval/dev`: the dumps
with their URLs, and the same pages' HTML), each replicated N times under new ids. `--tree REV`
(repeatable: a git revision or a directory) adds that tree's `cleaner --no-repeats` as another row of
the same run, so a change's speed-up is a ratio measured side by side with the peers.

Every system gets one process (`--workers 1`); the figures are per core.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import run_measured
from quality import machine, versions

from cleaner import generate as corpus

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Bench:
    name: str
    input: str  # "text" or "html"
    baseline: str  # the cleaner row its ratios are against
    needs: tuple[str, ...] = ()
    tree: str | None = None  # another tree's code (PYTHONPATH) for a cleaner row


BENCHES = [
    Bench("cleaner (repeats on)", "text", "cleaner (repeats on)"),
    Bench("cleaner --no-repeats", "text", "cleaner (repeats on)"),
    Bench("datatrove filters", "text", "cleaner (repeats on)", ("datatrove", "spacy")),
    Bench("datatrove filters + MinHash dedup", "text", "cleaner (repeats on)", ("datatrove", "spacy")),
    Bench("cleaner HTML (repeats on)", "html", "cleaner HTML (repeats on)"),
    Bench("trafilatura extract()", "html", "cleaner HTML (repeats on)", ("trafilatura",)),
    Bench("resiliparse main_content", "html", "cleaner HTML (repeats on)", ("resiliparse",)),
]


# --- data -----------------------------------------------------------------------------------------


def generate_pages(n: int, seed: int = 0) -> list[corpus.Page]:
    """`n` pages from the corpus generator (about 40 articles per site, plus its copies), cut to `n`."""
    sites = max(1, min(250, n // 40))
    per_site = -(-n // sites)
    return list(itertools.islice(corpus.iter_pages(sites, per_site, seed=seed), n))


def render_html(page: corpus.Page) -> str:
    """A simple news page around the generated blocks, each kind of block in its usual markup."""
    esc = html.escape
    title = next((t for t, kind, _ in page.blocks if kind == "title"), "")
    nav, article, aside, related, sidebar, footer = [], [], [], [], [], []
    for text, kind, family in page.blocks:
        part = family.split("/")[1] if kind == "boilerplate" else kind
        if kind == "title":
            continue
        if kind != "boilerplate" or part == "promo":
            article.append(f"<p>{esc(text)}</p>")
        elif part == "meta":
            article.append(f'<div class="byline">{esc(text)}</div>')
        elif part == "nav":
            links = "".join(f'<li><a href="/{esc(w.lower())}">{esc(w)}</a></li>' for w in text.split(" | "))
            nav.append(f"<ul>{links}</ul>")
        elif part == "newsletter":
            aside.append(f'<p>{esc(text)}</p><form><input type="email"><button>Sign up</button></form>')
        elif part == "related":
            related.append(f"<h2>{esc(text)}</h2>")
        elif part == "teaser":
            related.append(f'<li><a href="/story/{len(related)}">{esc(text)}</a></li>')
        elif part == "sidebar":
            sidebar.append(f'<div class="box"><a href="/top">{esc(text)}</a></div>')
        else:
            footer.append(f"<p>{esc(text)}</p>")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<link rel="canonical" href="{esc(page.url)}"></head><body>'
        f'<header><a class="logo" href="/">{esc(page.site)}</a><nav>{"".join(nav)}</nav></header>'
        f'<main><article><h1>{esc(title)}</h1><div class="byline">By Staff</div>{"".join(article)}</article>'
        f'<aside class="newsletter">{"".join(aside)}</aside>'
        f'<section class="related">{related[0] if related else ""}<ul>{"".join(related[1:])}</ul></section>'
        f'<aside class="sidebar">{"".join(sidebar)}</aside></main>'
        f'<footer>{"".join(footer)}<a href="/privacy">Privacy</a></footer></body></html>'
    )


def write_inputs(folder: Path, text_pages: int, html_pages: int, seed: int) -> dict[str, dict]:
    """Write `text.jsonl` (id, url, text) and `html.jsonl` (id, url, html); return their sizes."""
    pages = generate_pages(max(text_pages, html_pages), seed)
    info = {}
    for kind, n in (("text", text_pages), ("html", html_pages)):
        if n <= 0:
            continue
        path = folder / f"{kind}.jsonl"
        size = 0
        with open(path, "w", encoding="utf-8") as f:
            for page in pages[:n]:
                content = page.text if kind == "text" else render_html(page)
                size += len(content.encode("utf-8"))
                f.write(json.dumps({"id": page.id, "url": page.url, kind: content}, ensure_ascii=False) + "\n")
        info[kind] = {"path": str(path), "pages": n, "bytes": size}
    return info


def write_dev_inputs(folder: Path, eval_dir: Path, factor: int, html_pages: int) -> dict[str, dict]:
    """Write the dev pages `factor` times (ids suffixed `#k`) as `text.jsonl`, and as `html.jsonl` up to
    `html_pages` pages (the HTML peers are slow: the cap keeps a run in minutes)."""
    dev = eval_dir / "dev"
    records = [json.loads(line) for line in (dev / "pages.jsonl").read_text(encoding="utf-8").splitlines() if line]
    html = {r["id"]: (dev / "html" / f"{r['id']}.html").read_text(encoding="utf-8", errors="replace") for r in records}
    info = {}
    for kind, limit in (("text", factor * len(records)), ("html", min(html_pages, factor * len(records)))):
        path = folder / f"{kind}.jsonl"
        size = 0
        with open(path, "w", encoding="utf-8") as f:
            for n in range(limit):
                k, i = divmod(n, len(records))
                record = records[i]
                content = record["text"] if kind == "text" else html[record["id"]]
                page = {"id": f"{record['id']}#{k}", "url": record.get("url"), kind: content}
                f.write(json.dumps(page, ensure_ascii=False) + "\n")
                size += len(content.encode("utf-8"))
        info[kind] = {"path": str(path), "pages": limit, "bytes": size}
    return info


def export_tree(spec: str, into: Path) -> str:
    """A tree directory as given, or the git revision `spec` unpacked under `into` (see compare_trees)."""
    from compare_trees import export_tree as export

    return str(export(spec, into))


# --- workers (each runs in its own subprocess) ----------------------------------------------------


def _records(path: str, key: str):
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            yield record["id"], record.get("url"), record[key]


def worker_html(tool: str, path: str, out: str) -> int:
    if tool == "trafilatura":
        import trafilatura

        def extract(doc: str, url: str | None) -> str:
            return trafilatura.extract(doc, url=url) or ""
    else:
        from resiliparse.extract.html2text import extract_plain_text

        def extract(doc: str, url: str | None) -> str:
            return extract_plain_text(doc, main_content=True)

    count = 0
    with open(out, "w", encoding="utf-8") as f:
        for pid, url, doc in _records(path, "html"):
            f.write(json.dumps({"id": pid, "text": extract(doc, url)}) + "\n")
            count += 1
    return count


def _xxhash_str_shim() -> None:
    """datatrove 0.10's default shingle hash passes `str` to xxhash, which xxhash 4 (what cleaner
    installs) refuses; encode to UTF-8 first, as xxhash 3 did inside, so its default hash runs."""
    import xxhash
    from datatrove.utils.hashes import xxhash as dt_xxhash

    def enc(data):
        return data.encode("utf-8") if isinstance(data, str) else data

    dt_xxhash.xxhash32 = lambda data: xxhash.xxh32_intdigest(enc(data))
    dt_xxhash.xxhash64 = lambda data: xxhash.xxh64_intdigest(enc(data))


def worker_datatrove(path: str, workdir: str, minhash: bool) -> int:
    """datatrove's FineWeb-order filters, then (with `minhash`) its four-stage MinHash dedup, one worker."""
    import logging

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    logging.getLogger().setLevel(logging.ERROR)
    work = Path(workdir)
    src = Path(path)

    def execute(pipeline, tasks: int = 1, name: str = "step") -> None:
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=1, logging_dir=str(work / "logs" / name)).run()

    execute(
        [
            JsonlReader(str(src.parent), glob_pattern=src.name),
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(),
            JsonlWriter(str(work / "filtered"), compression=None),
        ],
        name="filters",
    )
    if not minhash:
        return 0
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig

    _xxhash_str_shim()
    config = MinhashConfig()
    filtered = str(work / "filtered")
    execute([JsonlReader(filtered), MinhashDedupSignature(str(work / "sigs"), config=config)], name="sigs")
    execute(
        [MinhashDedupBuckets(str(work / "sigs"), str(work / "buckets"), config=config)],
        tasks=config.num_buckets,
        name="buckets",
    )
    execute([MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=config)], name="cluster")
    execute(
        [
            JsonlReader(filtered),
            MinhashDedupFilter(str(work / "remove")),
            JsonlWriter(str(work / "deduped"), compression=None),
        ],
        name="filter",
    )
    return 0


# --- driver ---------------------------------------------------------------------------------------


def byte_compile(tree: Path) -> None:
    """Write the `.pyc` files of a tree's `cleaner` package, as `pip install` does (the peers are
    installed packages, compiled), so no run pays for compiling the sources (with
    PYTHONDONTWRITEBYTECODE set, as on some machines, it would on every start)."""
    import compileall

    compileall.compile_dir(str(tree / "cleaner"), quiet=1)


def _command(bench: Bench, inputs: dict[str, dict], work: Path) -> list[str]:
    py = sys.executable
    source = inputs[bench.input]["path"]
    if bench.name.startswith("cleaner"):
        cmd = [py, "-m", "cleaner.cli", "clean", source, "-o", str(work / "out.parquet"), "-q", "--workers", "1"]
        if bench.input == "html":
            # the watchdog path as by default, with a limit a loaded machine does not reach: a page
            # skipped for time would leave the figure short of a page and the run with exit status 1
            cmd += ["--extract-timeout", "60"]
        if bench.tree:
            cmd = ["env", f"PYTHONPATH={bench.tree}", *cmd]
        return [*cmd, "--no-repeats"] if "--no-repeats" in bench.name else cmd
    me = [py, str(Path(__file__).resolve()), "--worker"]
    if bench.name.startswith("datatrove"):
        return [*me, "datatrove-minhash" if "MinHash" in bench.name else "datatrove", source, str(work)]
    tool = "trafilatura" if bench.name.startswith("trafilatura") else "resiliparse"
    return [*me, tool, source, str(work / "out.jsonl")]


def measure(bench: Bench, inputs: dict[str, dict], timeout: float) -> dict:
    """Run one system in its own process; wall seconds, peak RSS (MiB) and its rates."""
    import importlib.util

    missing = [m for m in bench.needs if importlib.util.find_spec(m) is None]
    if missing:
        return {"error": "not installed: " + ", ".join(missing)}
    if bench.input not in inputs:
        return {"error": "no input"}
    with tempfile.TemporaryDirectory(prefix="cleaner-tp-") as tmp:
        # another tree runs from its own folder: `python -m` puts the working directory first on sys.path
        measured = run_measured(_command(bench, inputs, Path(tmp)), cwd=bench.tree or REPO, timeout=timeout)
    if measured.seconds is None:
        return {"error": measured.error}
    n, size = inputs[bench.input]["pages"], inputs[bench.input]["bytes"]
    result = {
        "seconds": measured.seconds,
        "docs_per_s": n / measured.seconds,
        "mb_per_s": size / measured.seconds / 1e6,
        "peak_rss_mib": measured.peak_rss_mib,
        "cpu_seconds": measured.cpu_seconds,
        "exit_code": measured.returncode,
    }
    if measured.error:
        result["error"] = measured.error
    return result


def _num(x: float | None, spec: str = ",.0f") -> str:
    return "–" if x is None else format(x, spec)


def tables(runs: dict[int, dict]) -> str:
    out = []
    sizes = sorted(runs)
    for size in sizes:
        results = runs[size]["results"]
        inputs = runs[size]["inputs"]
        text_mb = inputs.get("text", {}).get("bytes", 0) / 1e6
        html_mb = inputs.get("html", {}).get("bytes", 0) / 1e6
        out.append(
            f"**{inputs.get('text', {}).get('pages', size):,} text pages ({text_mb:.1f} MB)"
            + (f", {inputs['html']['pages']:,} HTML pages ({html_mb:.1f} MB)" if "html" in inputs else "")
            + "**\n"
        )
        out.append(
            "| system | input | docs/s | MB/s | peak RSS MiB | wall s | CPU s | speed vs cleaner | RSS vs cleaner "
            "| speed vs trafilatura |"
        )
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        trafilatura = results.get("trafilatura extract()", {}).get("docs_per_s")
        for bench in runs[size].get("benches", BENCHES):
            if isinstance(bench, dict):
                bench = Bench(**bench)
            r = results.get(bench.name)
            if r is None:
                continue
            if "seconds" not in r:
                out.append(f"| {bench.name} | {bench.input} | – | – | – | – | – | – | – | – | {r.get('error', '')}")
                continue
            base = results.get(bench.baseline, {})
            speed = r["docs_per_s"] / base["docs_per_s"] if base.get("docs_per_s") else None
            rss = r["peak_rss_mib"] / base["peak_rss_mib"] if base.get("peak_rss_mib") else None
            vs = r["docs_per_s"] / trafilatura if trafilatura else None
            note = f" {r['error']}" if r.get("error") else ""
            out.append(
                f"| {bench.name} | {bench.input} | {_num(r['docs_per_s'], ',.1f')} | {_num(r['mb_per_s'], '.2f')} "
                f"| {_num(r['peak_rss_mib'])} | {_num(r['seconds'], '.1f')} | {_num(r['cpu_seconds'], '.1f')} "
                f"| {_num(speed, '.2f')}{'×' if speed else ''} | {_num(rss, '.2f')}{'×' if rss else ''} "
                f"| {_num(vs, '.2f')}{'×' if vs else ''} |{note}"
            )
        out.append("")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        out.append(f"**Cost curve, {small:,} → {large:,} pages**\n")
        out.append("| system | input | pages | time × | peak RSS × | docs/s |")
        out.append("|---|---|---|---|---|---|")
        for bench in BENCHES:
            a, b = runs[small]["results"].get(bench.name, {}), runs[large]["results"].get(bench.name, {})
            n_a = runs[small]["inputs"].get(bench.input, {}).get("pages", 0)
            n_b = runs[large]["inputs"].get(bench.input, {}).get("pages", 0)
            if "seconds" not in a or "seconds" not in b or n_a == n_b:
                continue
            out.append(
                f"| {bench.name} | {bench.input} | {n_a:,} → {n_b:,} | {b['seconds'] / a['seconds']:.1f} "
                f"| {b['peak_rss_mib'] / a['peak_rss_mib']:.2f} | {a['docs_per_s']:,.1f} → {b['docs_per_s']:,.1f} |"
            )
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="text page counts, comma-separated (default 1000,10000)")
    ap.add_argument("--html-pages", type=int, default=1000, help="HTML pages at most, per size (default 1000)")
    ap.add_argument("--systems", default=None, help="comma-separated system names (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per system run")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    ap.add_argument("--merge", nargs="+", metavar="JSON", help="only render the tables of earlier runs' JSON files")
    ap.add_argument("--dev", type=int, default=0, metavar="N", help="the dev pages x N instead of generated ones")
    ap.add_argument("--eval-dir", type=Path, default=None, help="the eval pages (default: ../shared/eval upwards)")
    ap.add_argument("--tree", action="append", default=[], help="also time this tree's cleaner --no-repeats")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.merge:
        runs = {}
        for path in args.merge:
            runs.update({int(k): v for k, v in json.loads(Path(path).read_text(encoding="utf-8"))["runs"].items()})
        print(tables(runs))
        return 0

    if args.worker:
        tool, *rest = args.worker
        if tool in ("trafilatura", "resiliparse"):
            worker_html(tool, *rest)
        else:
            worker_datatrove(rest[0], rest[1], minhash=tool == "datatrove-minhash")
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] if not args.dev else [args.dev]
    wanted = {s.strip() for s in args.systems.split(",")} if args.systems else None
    if args.eval_dir is None:
        from compare_trees import EVAL_DIR

        args.eval_dir = EVAL_DIR
    runs: dict[int, dict] = {}
    trees_dir = tempfile.TemporaryDirectory(prefix="cleaner-tp-trees-")
    benches = list(BENCHES)
    for spec in args.tree:
        tree = export_tree(spec, Path(trees_dir.name))
        benches.insert(2, Bench(f"cleaner --no-repeats @{spec}", "text", "cleaner (repeats on)", tree=tree))
    for tree in {str(REPO), *(b.tree for b in benches if b.tree)}:
        byte_compile(Path(tree))
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="cleaner-tp-data-") as tmp:
            started = time.perf_counter()
            if args.dev:
                inputs = write_dev_inputs(Path(tmp), args.eval_dir, args.dev, args.html_pages)
            else:
                inputs = write_inputs(Path(tmp), size, min(size, args.html_pages), args.seed)
            print(f"throughput: {size:,} pages written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            results = {}
            for bench in benches:
                if wanted and bench.name not in wanted:
                    continue
                print(f"throughput: {size:,} {bench.name} ...", file=sys.stderr, flush=True)
                results[bench.name] = measure(bench, inputs, args.timeout)
                r = results[bench.name]
                print(
                    f"throughput:   {r.get('docs_per_s', 0):,.1f} docs/s, {r.get('peak_rss_mib', 0):,.0f} MiB"
                    + (f" ({r['error']})" if r.get("error") else ""),
                    file=sys.stderr,
                    flush=True,
                )
            runs[size] = {"inputs": {k: {kk: vv for kk, vv in v.items() if kk != "path"} for k, v in inputs.items()}}
            runs[size]["results"] = results
            runs[size]["benches"] = [
                {"name": b.name, "input": b.input, "baseline": b.baseline} for b in benches if b.name in results
            ]

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    header = (
        f"Throughput, {stamp}; {info['nproc']} CPUs ({info['cpu']}), {info['memory']}; one process per system; "
        f"versions: {', '.join(f'{k} {v}' for k, v in versions().items())}"
    )
    text = tables(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "throughput.md").write_text(header + "\n\n" + text + "\n", encoding="utf-8")
    record = {
        "date": stamp,
        "machine": info,
        "versions": versions(),
        "command": " ".join(["python", "benchmarks/throughput.py", *(argv if argv is not None else sys.argv[1:])]),
        "runs": {str(k): v for k, v in runs.items()},
    }
    (args.out / "throughput.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(header)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
