"""`cleaner bench`: a quick check of speed and quality on pages generated here.

The pages come from the package's seeded generator (`cleaner.generate`; the
evaluation pages cannot ship inside the wheel): news articles from four sites
wrapped in the junk a naive scraper keeps: navigation, a byline with a comment
count, promos that read like prose, a newsletter pitch, a related-stories list,
sidebar boxes and a footer. Every line is labelled when it is made, so what the
cleaner removes can be scored against the truth: precision and recall of
removed boilerplate lines.

The full benchmarks, against other tools and on the human-labelled pages, are
`benchmarks/quality.py` and `benchmarks/throughput.py` in the source tree.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path
from typing import TextIO

from cleaner.generate import Page, iter_pages, removed_line_scores, write_jsonl

SITES = 4


def generate_pages(n: int, seed: int = 0) -> list[Page]:
    """The first `n` pages the generator streams from four sites; the same `seed` gives the same pages."""
    return list(itertools.islice(iter_pages(SITES, -(-n // SITES), seed=seed), n))


def _removed_blocks(parquet_path: Path) -> dict[str, set[int]]:
    import pyarrow.parquet as pq

    table = pq.read_table(parquet_path, columns=["id", "text", "removed"]).to_pylist()
    removed: dict[str, set[int]] = {}
    for row in table:
        whole = set()
        for r in row["removed"] or []:
            if r["start"] == 0 and r["end"] == len(r["text"]):
                whole.add(r["block"])
        removed[row["id"]] = whole
    return removed


def quick_bench(pages: int, out: TextIO) -> int:
    """Generate `pages` labelled dumps, clean them with the default settings, print speed and quality."""
    from cleaner import __version__
    from cleaner.config import Config
    from cleaner.engine import run

    pages = max(int(pages), 8)
    generated = generate_pages(pages, seed=7)
    print(f"cleaner {__version__} bench: {pages} generated pages from {SITES} sites", file=out)
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as tmp:
        source = Path(tmp) / "pages.jsonl"
        _, size = write_jsonl(generated, source)
        rows = []
        for label, config in (
            ("text, corpus repeats on ", Config()),
            ("text, --no-repeats      ", Config(repeats=False)),
        ):
            target = Path(tmp) / "out.parquet"
            start = time.perf_counter()
            summary = run([str(source)], str(target), config, progress=False)
            seconds = max(time.perf_counter() - start, 1e-9)
            precision, recall = removed_line_scores(generated, _removed_blocks(target))
            rows.append((label, summary.documents, seconds, precision, recall, summary.errors))
    for label, documents, seconds, precision, recall, errors in rows:
        if errors:
            print(f"  warning: {errors} pages failed in the '{label.strip()}' run (see the log above)", file=out)
        print(
            f"  {label} {documents / seconds:8.1f} docs/s {size / seconds / 1e6:6.2f} MB/s  "
            f"removed boilerplate lines: P {precision:.3f} R {recall:.3f}",
            file=out,
        )
    print(
        "  (one process; time includes start-up. P: removed lines that were boilerplate; "
        "R: boilerplate lines removed.)",
        file=out,
    )
    return 0
