"""Repeated block clusters per site, with their counts and member texts: what `rules suggest` starts from.

The corpus stage removes these blocks one by one (`repeat:<cluster>`); a rule
author wants them grouped: per site, each cluster that repeats there, in how
many distinct documents (duplicate clusters, as the index counts), and the
texts of its members, most frequent first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from cleaner.dedup.fingerprint import fingerprint, site_of
from cleaner.dedup.index import CorpusIndex, pair_key
from cleaner.dedup.normalize import site_hash, text_hash
from cleaner.dedup.params import DedupParams


@dataclass(frozen=True, slots=True)
class RepeatedCluster:
    """One block cluster that repeats in one site.

    `site` is the site key (`""` for the shared pool, `/<folder>` for a folder);
    `cluster` the 16-hex-digit id removals carry; `documents` the distinct
    duplicate clusters of the site it occurs in; `texts` its member texts with
    how often each occurs, most frequent first.
    """

    site: str
    cluster: str
    documents: int
    texts: tuple[tuple[str, int], ...]


def repeated_clusters(
    docs: Iterable, params: DedupParams, *, index: CorpusIndex | None = None
) -> list[RepeatedCluster]:
    """The clusters that repeat at `repeat_min_docs` within a site, for documents that went through the
    per-document stages; sorted by site, then most documents first. Builds the index unless given one
    built from the same documents. Holds the documents in memory: meant for a sample, not a crawl."""
    docs = list(docs)
    if index is None:
        index = CorpusIndex.build((fingerprint(d, params) for d in docs), params)
    members = index.arrays["member_hash"]
    texts: dict[tuple[str, int], Counter] = {}
    for doc in docs:
        site = site_of(doc, params.site_key)
        for block in doc.blocks:
            key = text_hash(block.text)
            pos = int(members.searchsorted(key)) if len(members) else 0
            if pos < len(members) and int(members[pos]) == key:
                cluster = int(index.arrays["member_cluster"][pos])
                texts.setdefault((site, cluster), Counter())[block.text] += 1
    site_keys, counts = index.arrays["site_key"], index.arrays["site_count"]
    out = []
    for (site, cluster), seen in texts.items():
        key = int(pair_key(site_hash(site), cluster))
        pos = int(site_keys.searchsorted(key)) if len(site_keys) else 0
        if pos < len(site_keys) and int(site_keys[pos]) == key:
            ranked = tuple(sorted(seen.items(), key=lambda item: (-item[1], item[0])))
            out.append(RepeatedCluster(site, f"{cluster:016x}", int(counts[pos]), ranked))
    return sorted(out, key=lambda c: (c.site, -c.documents, c.cluster))
