"""HTML path speed per core: pages per CPU-second of the DOM path, the trafilatura path, and peers.

The four systems run interleaved page by page (so each sees the same machine load) over the dev
pages, twice; each call is timed with `time.process_time` (CPU of this process: one core), metadata
included, in process (`--extract-timeout 0`). Then the DOM path runs once more through the
extraction watchdog (the default), counting the child process's CPU too.

Page-by-page interleaving makes every call start with caches that the other three systems just
filled, which costs the smaller system most (measured: the DOM path runs about a third slower
interleaved than alone, trafilatura about 5%). `--chunk N` interleaves by runs of N pages instead:
each system does N pages in a row, as in a worker that runs one system, while load changes of
more than a few tenths of a second still reach all four alike.

    python benchmarks/html_speed.py                 # all dev pages
    python benchmarks/html_speed.py --limit 60
    python benchmarks/html_speed.py --chunk 20

The eval pages are read from `--eval-dir`; nothing of them is written into the repo.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval", help="default ../shared/eval")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--chunk", type=int, default=1, help="pages each system runs in a row (default 1)")
    args = ap.parse_args(argv)

    import trafilatura
    from resiliparse.extract.html2text import extract_plain_text

    from cleaner.config import Config
    from cleaner.document import Page
    from cleaner.pipeline import Pipeline

    dev = args.eval_dir / "dev"
    records = [json.loads(line) for line in (dev / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
    pages = [
        (r["id"], r.get("url"), (dev / "html" / f"{r['id']}.html").read_text(encoding="utf-8", errors="replace"))
        for r in records[: args.limit]
    ]
    dom = Pipeline.from_config(Config(extract_timeout=0, extractor="dom"))
    traf = Pipeline.from_config(Config(extract_timeout=0, extractor="trafilatura"))

    def through(pipeline: Pipeline):
        def run(pid: str, url: str | None, html: str) -> str:
            return pipeline.clean(pipeline.document(Page(id=pid, source=pid, content=html, kind="html", url=url))).text

        return run

    systems = {
        "cleaner HTML --extractor dom": through(dom),
        "cleaner HTML --extractor trafilatura": through(traf),
        "trafilatura extract()": lambda pid, url, html: trafilatura.extract(html, url=url) or "",
        "resiliparse main_content": lambda pid, url, html: extract_plain_text(html, main_content=True),
    }
    cpu = dict.fromkeys(systems, 0.0)
    for fn in systems.values():
        fn(*pages[0])  # warm-up
    chunk = max(1, args.chunk)
    for _ in range(2):
        for at in range(0, len(pages), chunk):
            for name, fn in systems.items():
                for page in pages[at : at + chunk]:
                    started = time.process_time()
                    fn(*page)
                    cpu[name] += time.process_time() - started
    rate = {name: 2 * len(pages) / seconds for name, seconds in cpu.items()}
    print("| system | pages / CPU-s | vs trafilatura |\n|---|---|---|")
    for name, value in sorted(rate.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {value:,.0f} | {value / rate['trafilatura extract()']:.2f}× |")

    guarded = Pipeline.from_config(Config(extract_timeout=5, extractor="dom"))
    guarded.document(Page(id="w", source="w", content=pages[0][2], kind="html"))
    started, children = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    for pid, url, html in pages:
        guarded.clean(guarded.document(Page(id=pid, source=pid, content=html, kind="html", url=url)))
    parent = time.process_time() - started
    guarded.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    total = parent + child
    print(f"\nwith the watchdog: {len(pages) / total:,.0f} pages / CPU-s (parent {parent:.2f} s, child {child:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
