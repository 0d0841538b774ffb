"""Pass-1 fingerprint throughput (bulk numpy/xxhash path vs plain datasketch) and index memory.

    python benchmarks/fingerprint_bench.py --sites 6 --docs-per-site 100 --plain-docs 100

Prints a Markdown table: blocks/s and MB/s of `cleaner.dedup.fingerprint`,
the same blocks and documents fingerprinted with `datasketch.MinHash.update`
per shingle (its default SHA-1 hash; on a sample of `--plain-docs` pages),
the speed-up, the index's memory per block and per document (final arrays,
and tracemalloc's peak while building), and repeat/duplicate quality scores.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import xxhash
from datasketch import MinHash

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaner.dedup import CorpusIndex, DedupParams, fingerprint, normalize
from cleaner.dedup.normalize import words
from cleaner.document import Document
from cleaner.generate import generate, score


def plain_fingerprint(doc: Document, params: DedupParams) -> tuple[list[int], list, MinHash]:
    """The straightforward way: one datasketch MinHash per long block and per document, `update` per shingle."""
    size = params.shingle_words
    hashes, sigs = [], []
    doc_mh = MinHash(num_perm=params.num_perm, seed=params.seed)
    for block in doc.blocks:
        hashes.append(xxhash.xxh3_64_intdigest(normalize(block.text).encode()))
        unit = words(block.text)
        shingles = [" ".join(unit[i : i + size]).encode() for i in range(max(len(unit) - size + 1, 1))]
        if not unit:
            continue
        if len(unit) >= params.min_block_words:
            mh = MinHash(num_perm=params.num_perm, seed=params.seed)
            for s in shingles:
                mh.update(s)
            sigs.append(mh.hashvalues)
        if doc.is_kept(block.index):
            for s in shingles:
                doc_mh.update(s)
    return hashes, sigs, doc_mh


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=6)
    ap.add_argument("--docs-per-site", type=int, default=100)
    ap.add_argument("--plain-docs", type=int, default=100, help="pages fingerprinted the plain way")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    params = DedupParams()
    corpus = generate(args.sites, args.docs_per_site, seed=args.seed)
    docs = [Document.from_text(p.text, id=p.id, source=p.id, url=p.url) for p in corpus.pages]
    nblocks = sum(len(d.blocks) for d in docs)
    nbytes = sum(len(d.text.encode()) for d in docs)
    fingerprint(docs[0], params)  # warm caches (permutations)

    t = time.perf_counter()
    fps = [fingerprint(d, params) for d in docs]
    fast_s = time.perf_counter() - t

    sample = docs[: args.plain_docs]
    t = time.perf_counter()
    for d in sample:
        plain_fingerprint(d, params)
    plain_s = time.perf_counter() - t
    sample_blocks = sum(len(d.blocks) for d in sample)
    sample_bytes = sum(len(d.text.encode()) for d in sample)

    fp_bytes = sum(f.nbytes() for f in fps)
    tracemalloc.start()
    t = time.perf_counter()
    index = CorpusIndex.build(iter(fps), params)
    build_s = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = sum(index.nbytes().values())  # on disk, memory-mapped

    removed = {(d.id, r.block) for d in docs for r in index.find_removals(d)}
    clusters = {d.id: index.duplicate(d.id)[0] for d in docs if index.duplicate(d.id)}
    s = score(corpus, removed, clusters, params.repeat_min_docs, params.repeat_min_docs_corpus)

    fast_bps, plain_bps = nblocks / fast_s, sample_blocks / plain_s
    print(f"corpus: {len(docs)} pages, {nblocks} blocks, {nbytes / 1e6:.2f} MB, "
          f"{index.stats['long_blocks']} blocks with a signature; num_perm={params.num_perm}\n")  # fmt: skip
    print("| measure | value |\n|---|---|")
    rows = [
        ("fast path: blocks/s", f"{fast_bps:,.0f}"),
        ("fast path: MB/s", f"{nbytes / 1e6 / fast_s:.2f}"),
        ("plain datasketch `update`: blocks/s", f"{plain_bps:,.0f}"),
        ("plain datasketch `update`: MB/s", f"{sample_bytes / 1e6 / plain_s:.2f}"),
        ("speed-up (fast / plain)", f"{fast_bps / plain_bps:.1f}x"),
        ("index build: s (blocks/s)", f"{build_s:.2f} ({nblocks / build_s:,.0f})"),
        ("fingerprints: bytes/block (all pass-1 output)", f"{fp_bytes / nblocks:.0f}"),
        ("build peak (tracemalloc): bytes/block", f"{peak / nblocks:.0f}"),
        ("index on disk (memory-mapped): bytes/doc (bytes/block)", f"{held / len(docs):.0f} ({held / nblocks:.0f})"),
        ("repeat precision / recall", f"{s['repeat_precision']:.4f} / {s['repeat_recall']:.4f}"),
        ("article/title blocks removed", f"{s['content_removed']}"),
        ("duplicate-pair precision / recall", f"{s['dup_precision']:.4f} / {s['dup_recall']:.4f}"),
    ]
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
