"""DuckDB against Polars on the corpus index build's group-bys, over pass 1's shards of N generated pages.

Three queries, each written in both engines, each run in its own process (`measure.run_measured`:
wall, CPU, peak RSS) with its result written to Parquet:

- `nodes`: block rows grouped by exact hash, the smallest signature row of each (step 1 of the build);
- `pairs`: band-key rows `(band, key, row)` of the unique blocks' signatures grouped by `(band, key)`,
  each group's rows linked to its smallest (the candidate pairs of the block banding: the build's
  largest group-by and its peak);
- `site_counts`: blocks joined to their documents' site, then distinct documents per (block, site) and
  per block, the pairs over the thresholds (the shape of the per-site repeat counting).

DuckDB runs as the build runs it (`memory_limit` 128 MB, 2 threads); Polars lazily with its streaming
engine (`collect(engine="streaming")` / `sink_parquet`), 2 threads. Polars is not a dependency of
`cleaner`: install it for this benchmark only (`pip install polars`, or `--polars-path DIR` for a
`pip install --target DIR polars`).

    python benchmarks/corpus_stage.py 40000 --shards /tmp/shards-40k --no-lookups
    python benchmarks/groupby_engines.py /tmp/shards-40k --polars-path /tmp/pylib
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run_measured

REPO = Path(__file__).resolve().parent.parent
QUERIES = ("nodes", "pairs", "site_counts")
MIN_SITE, MIN_CORPUS = 3, 5


def prepare(shards: Path, work: Path) -> None:
    """The band-key rows of the unique blocks' signatures, as the build makes them, into `bk.parquet`."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cleaner.dedup import DedupParams, banding
    from cleaner.dedup.build import CHUNK_ROWS, _gather, connect

    p = DedupParams()
    bands, width = banding.optimal_bands(
        p.block_threshold, p.num_perm, p.false_positive_weight, p.false_negative_weight
    )
    con = connect(work, "512MB", 2)
    blocks = f"read_parquet('{shards}/blocks-*.parquet')"
    rows = con.execute(
        f"SELECT min(sig_row) AS r FROM {blocks} WHERE sig_row >= 0 GROUP BY hash ORDER BY 1"
    ).fetchnumpy()["r"]
    con.close()
    writer = None
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = np.asarray(rows[start : start + CHUNK_ROWS], dtype=np.int64)
        keys = banding.band_keys(_gather(shards / "block_sigs.u32", p.num_perm, chunk), bands, width)
        table = pa.table(
            {
                "band": np.tile(np.arange(bands, dtype=np.uint8), len(chunk)),
                "key": keys.ravel(),
                "row": np.repeat(chunk, bands),
            }
        )
        writer = writer or pq.ParquetWriter(work / "bk.parquet", table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def run_duckdb(query: str, shards: Path, work: Path) -> None:
    from cleaner.dedup.build import connect

    con = connect(work, "128MB", 2)
    blocks, docs, bk = (
        f"read_parquet('{shards}/blocks-*.parquet')",
        f"read_parquet('{shards}/docs-*.parquet')",
        f"read_parquet('{work}/bk.parquet')",
    )
    sql = {
        "nodes": f"SELECT hash, min(sig_row) AS sig_row FROM {blocks} WHERE sig_row >= 0 GROUP BY hash",
        "pairs": f"""
            WITH bk AS (SELECT * FROM {bk}),
            g AS (SELECT band, key, min(row) AS a FROM bk GROUP BY band, key HAVING count(*) > 1)
            SELECT DISTINCT g.a AS a, bk.row AS b FROM bk JOIN g USING (band, key) WHERE bk.row <> g.a
        """,
        "site_counts": f"""
            WITH bd AS (SELECT DISTINCT b.hash, d.site, b.seq FROM {blocks} b JOIN {docs} d USING (seq)),
            sc AS (SELECT hash, site, count(*) AS c FROM bd GROUP BY ALL),
            cc AS (SELECT hash, count(DISTINCT seq) AS c FROM bd GROUP BY ALL)
            SELECT sc.hash, sc.site, sc.c AS site_count, cc.c AS corpus_count FROM sc JOIN cc USING (hash)
            WHERE sc.c >= {MIN_SITE} OR cc.c >= {MIN_CORPUS}
        """,
    }[query]
    con.execute(f"COPY ({sql}) TO '{work}/out-duckdb-{query}.parquet' (FORMAT parquet)")
    con.close()


def run_polars(query: str, shards: Path, work: Path) -> None:
    import polars as pl

    blocks, docs = pl.scan_parquet(f"{shards}/blocks-*.parquet"), pl.scan_parquet(f"{shards}/docs-*.parquet")
    if query == "nodes":
        out = blocks.filter(pl.col("sig_row") >= 0).group_by("hash").agg(pl.col("sig_row").min())
    elif query == "pairs":
        bk = pl.scan_parquet(work / "bk.parquet")
        g = bk.group_by("band", "key").agg(pl.col("row").min().alias("a"), pl.len().alias("n")).filter(pl.col("n") > 1)
        joined = bk.join(g, on=["band", "key"]).filter(pl.col("row") != pl.col("a"))
        out = joined.select(pl.col("a"), pl.col("row").alias("b")).unique()
    else:
        bd = blocks.select("seq", "hash").join(docs.select("seq", "site"), on="seq").unique()
        sc = bd.group_by("hash", "site").agg(pl.len().alias("site_count"))
        cc = bd.group_by("hash").agg(pl.col("seq").n_unique().alias("corpus_count"))
        out = sc.join(cc, on="hash").filter((pl.col("site_count") >= MIN_SITE) | (pl.col("corpus_count") >= MIN_CORPUS))
    out.sink_parquet(work / f"out-polars-{query}.parquet", engine="streaming")


def rows_of(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shards", type=Path, help="a shard folder (benchmarks/corpus_stage.py --shards)")
    ap.add_argument("--polars-path", help="a folder to put on sys.path for polars (pip install --target)")
    ap.add_argument("--run", nargs=3, metavar=("ENGINE", "QUERY", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.polars_path:
        sys.path.insert(0, args.polars_path)
    if args.run:
        engine, query, work = args.run
        (run_duckdb if engine == "duckdb" else run_polars)(query, args.shards.resolve(), Path(work))
        return 0
    work = Path(tempfile.mkdtemp(prefix="groupby-engines-"))
    env_path = os.pathsep.join(filter(None, [str(REPO), args.polars_path, os.environ.get("PYTHONPATH")]))
    os.environ["PYTHONPATH"] = env_path
    os.environ["POLARS_MAX_THREADS"] = "2"
    try:
        prepare(args.shards.resolve(), work)
        print(f"shards {args.shards}: band-key rows {rows_of(work / 'bk.parquet'):,}")
        print("| query | engine | wall s | CPU s | peak RSS MiB | result rows |")
        print("|---|---|---|---|---|---|")
        for query in QUERIES:
            for engine in ("duckdb", "polars"):
                command = [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    str(args.shards),
                    "--run",
                    engine,
                    query,
                    str(work),
                ]
                if args.polars_path:
                    command += ["--polars-path", args.polars_path]
                m = run_measured(command, cwd=REPO, timeout=1800)
                result = work / f"out-{engine}-{query}.parquet"
                count = f"{rows_of(result):,}" if result.exists() else m.error
                print(
                    f"| {query} | {engine} | {m.seconds:.1f} | {m.cpu_seconds:.1f} | {m.peak_rss_mib:.0f} | {count} |",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
