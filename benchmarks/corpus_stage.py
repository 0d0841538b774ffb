"""The corpus stage alone: fingerprint N generated pages (no per-document stages), build the index out of
core, then look every page up (pass 2's find_removals and duplicate). Prints times, peak RSS and disk per page.

    python benchmarks/corpus_stage.py 10000
"""

import itertools
import os
import resource
import sys
import tempfile
import time

from cleaner.dedup import CorpusIndex, DedupParams, fingerprint
from cleaner.document import Document
from cleaner.generate import iter_pages

n = int(sys.argv[1])
params = DedupParams()
sites = max(1, min(250, n // 40))


def docs():
    for page in itertools.islice(iter_pages(sites, -(-n // sites), seed=0), n):
        yield Document.from_text(page.text, id=page.id, source=page.id, url=page.url)


t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    index = CorpusIndex.build((fingerprint(d, params) for d in docs()), params, folder=tmp)
    t1 = time.perf_counter()
    rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    disk = sum(os.path.getsize(os.path.join(a, f)) for a, _, fs in os.walk(tmp) for f in fs)
    removed = 0
    for d in docs():
        removed += len(index.find_removals(d))
        index.duplicate(d.id)
    t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
stats = {k: index.stats[k] for k in ("blocks", "boilerplate_blocks", "duplicate_documents")}
print(
    f"pages={n} fingerprint+build_s={t1 - t0:.1f} lookups_s={t2 - t1:.1f} peak_rss_mib={peak:.0f} "
    f"rss_after_build_mib={rss_build:.0f} disk_kb_per_page={disk / n / 1000:.2f} removed={removed} stats={stats}",
    flush=True,
)
