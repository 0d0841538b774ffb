"""Repeated blocks and near-duplicate documents: unit tests and quality on a generated corpus."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from cleaner import generate as corpus_gen
from cleaner.dedup import CorpusIndex, DedupParams, as_minhash, banding, fingerprint, normalize, text_hash
from cleaner.dedup.fingerprint import shingle_hashes, signatures
from cleaner.document import Document
from cleaner.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
PARAMS = DedupParams()


def _word(*numbers: int) -> str:
    """A made-up word per tuple of numbers, without digits (normalisation folds digits)."""
    return "q".join("".join("abcdefghij"[int(c)] for c in str(n)) for n in numbers)


def _docs(corpus):
    return [Document.from_text(p.text, id=p.id, source=p.id, url=p.url) for p in corpus.pages]


@pytest.fixture(scope="module")
def generated():
    # seed 7 of the streaming generator has a syndicated copy of a short article (Jaccard ~0.4 before cleaning)
    corpus = corpus_gen.generate(sites=3, docs_per_site=25, seed=3)
    docs = _docs(corpus)
    fps = [fingerprint(d, PARAMS) for d in docs]
    return corpus, docs, fps, CorpusIndex.build(fps, PARAMS)


# ---------------------------------------------------------------- normalisation and hashing


def test_normalize_folds_case_space_quotes_dashes_digits():
    assert normalize("  “Hello”\tWORLD — 12 comments, 3 Mar 2024 ") == '"hello" world - 0 comments, 0 mar 0'
    assert normalize("it’s") == normalize("it's") == "it's"
    assert text_hash("Read 5 comments") == text_hash("read  117 COMMENTS")
    assert text_hash("Read comments") != text_hash("Read 5 comments")


def test_fast_path_matches_datasketch_update():
    units = [["a", "b", "c", "d", "e"], ["x"], [], ["p", "q", "r"]]
    hashes, counts = shingle_hashes(units, 3)
    assert counts.tolist() == [3, 1, 0, 1]
    sigs = signatures(hashes, counts, 128, 1)
    offset = 0
    for row, count in enumerate(counts):
        plain = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=lambda v: v)
        for value in hashes[offset : offset + count].tolist():
            plain.update(value)
        offset += count
        assert np.array_equal(plain.hashvalues, sigs[row])
    lean = as_minhash(sigs[0], PARAMS)
    assert lean.jaccard(as_minhash(sigs[0], PARAMS)) == 1.0


def test_signature_of_document_is_min_of_its_blocks():
    doc = Document.from_text("one two three four five six seven eight\nnine ten eleven", id="d", source="d")
    fp = fingerprint(doc, DedupParams(min_block_words=3))
    assert np.array_equal(fp.doc_sig, fp.long_sigs.min(axis=0))


_STABILITY = """
import json, sys
from cleaner.dedup import DedupParams, fingerprint
from cleaner.document import Document
doc = Document.from_text(sys.argv[1], id="x", source="x", site="Example.com")
fp = fingerprint(doc, DedupParams())
print(json.dumps([fp.block_hashes.tolist(), fp.long_sigs.tolist(), fp.doc_hash, fp.doc_sig.tolist(), fp.site]))
"""


def test_fingerprint_is_stable_across_processes():
    text = "Sign up for our daily newsletter to get the best stories every morning\nShort line\n"
    doc = Document.from_text(text, id="x", source="x", site="Example.com")
    fp = fingerprint(doc, PARAMS)
    out = subprocess.run(
        [sys.executable, "-c", _STABILITY, text], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    hashes, sigs, doc_hash, doc_sig, site = json.loads(out.stdout)
    assert hashes == fp.block_hashes.tolist()
    assert sigs == fp.long_sigs.tolist()
    assert doc_hash == fp.doc_hash and doc_sig == fp.doc_sig.tolist() and site == "example.com"
    assert fp.block_hashes.tolist()[1] == 12132888513510713601  # pinned: a change here invalidates saved indexes


# ---------------------------------------------------------------- banding and union-find


def test_candidate_edges_group_by_band_key():
    keys = np.array([[1, 2], [3, 2], [1, 5], [7, 8], [9, 8]], dtype=np.uint64)
    assert banding.candidate_edges(keys).tolist() == [[0, 1], [0, 2], [3, 4]]
    # same key in different bands is no match
    assert banding.candidate_edges(np.array([[1, 2], [2, 1]], dtype=np.uint64)).tolist() == []


def test_similar_pairs_finds_near_duplicates_only():
    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, (6, 128), dtype=np.uint32)
    sigs[3] = sigs[1]
    sigs[4] = sigs[0]
    sigs[4, :20] = 0  # Jaccard ~0.84 with row 0
    b, r = banding.optimal_bands(0.8, 128, 0.1, 0.9)
    assert b * r <= 128
    assert banding.similar_pairs(sigs, 0.8, 128, 0.1, 0.9).tolist() == [[0, 4], [1, 3]]


def test_union_find_roots_are_smallest_members_whatever_the_edge_order():
    edges = np.array([[5, 3], [3, 9], [1, 2], [9, 0]])
    for perm in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        roots = banding.components(10, edges[perm])
        assert roots.tolist() == [0, 1, 1, 0, 4, 0, 6, 7, 8, 0]


# ---------------------------------------------------------------- index behaviour


def test_quality_on_generated_corpus(generated):
    corpus, docs, _, index = generated
    removed = {(d.id, r.block) for d in docs for r in index.find_removals(d)}
    clusters = {d.id: index.duplicate(d.id)[0] for d in docs if index.duplicate(d.id)}
    s = corpus_gen.score(corpus, removed, clusters, PARAMS.repeat_min_docs, PARAMS.repeat_min_docs_corpus)
    assert s["content_removed"] == 0, s
    assert s["repeat_precision"] >= 0.99, s
    assert s["repeat_recall"] >= 0.97, s
    assert s["dup_precision"] >= 0.95, s
    assert s["dup_recall"] >= 0.95, s


def test_removals_carry_cluster_and_detail(generated):
    _, docs, _, index = generated
    removal = index.find_removals(docs[0])[0]
    assert removal.reason.startswith("repeat:") and len(removal.reason) == len("repeat:") + 16
    assert removal.detail.startswith("in ") and "documents" in removal.detail
    assert index.cluster_of(removal.text) == removal.reason.split(":")[1]


def test_protected_and_removed_blocks_are_skipped(generated):
    _, docs, _, index = generated
    doc = Document.from_text(docs[0].text, id=docs[0].id, source="x", url=docs[0].url)
    first, second = (r.block for r in index.find_removals(doc)[:2])
    doc.protected.add(first)
    doc.add([doc.remove_block(second, "rule:test/x")])
    assert {r.block for r in index.find_removals(doc)} & {first, second} == set()


def test_same_index_whatever_the_input_order(generated):
    _, docs, fps, index = generated
    shuffled = list(fps)
    random.Random(3).shuffle(shuffled)
    other = CorpusIndex.build(iter(shuffled), PARAMS)
    for key, value in index.arrays.items():
        if key != "doc_keys_sorted":
            assert np.array_equal(value, other.arrays[key]), key
    ranks = [index.duplicate(d.id) for d in docs]
    assert ranks == [other.duplicate(d.id) for d in docs]
    clusters = {}
    for doc_id, dup in zip([d.id for d in docs], ranks, strict=True):
        if dup:
            clusters.setdefault(dup[0], []).append((dup[1], doc_id))
    assert clusters
    for rep, members in clusters.items():
        members.sort()
        assert members[0] == (0, rep) and rep == min(m[1] for m in members)
        assert [r for r, _ in members] == list(range(len(members)))


def test_page_saved_three_times_keeps_its_article():
    article = [f"Paragraph {i} of the only story: " + " ".join(_word(i, j) for j in range(20)) for i in range(4)]
    chrome = ["Home | News | Sport", "Subscribe to our newsletter for the best stories every single day"]
    texts = {f"s/{n}": "\n".join([chrome[0], *article, chrome[1]]) for n in ("a", "a-amp", "a-print")}
    for n in range(3):  # other pages sharing the chrome
        body = [f"Another story {n} paragraph {i}: " + " ".join(_word(9, n, i, j) for j in range(20)) for i in range(4)]
        texts[f"s/other{n}"] = "\n".join([chrome[0], *body, chrome[1]])
    docs = [Document.from_text(t, id=i, source=i, site="s.example") for i, t in texts.items()]
    index = CorpusIndex.build((fingerprint(d, PARAMS) for d in docs), PARAMS)
    assert index.duplicate("s/a") == ("s/a", 0) and index.duplicate("s/a-print") == ("s/a", 2)
    assert index.duplicate("s/other0") is None
    for doc in docs:
        removed = {doc.blocks[r.block].text for r in index.find_removals(doc)}
        assert removed == set(chrome), doc.id


def test_quote_shared_by_two_articles_survives():
    quote = '"We will not accept a deal that leaves our farmers worse off than before," said the minister.'
    chrome = "Sign up for the morning briefing and get the news you need before breakfast"
    texts = {}
    for n in range(4):
        body = [" ".join(_word(n, i, j) for j in range(25)) for i in range(3)]
        if n < 2:
            body.insert(1, quote)
        texts[f"s/{n}"] = "\n".join([*body, chrome])
    docs = [Document.from_text(t, id=i, source=i, site="s.example") for i, t in texts.items()]
    index = CorpusIndex.build((fingerprint(d, PARAMS) for d in docs), PARAMS)
    for doc in docs:
        assert [doc.blocks[r.block].text for r in index.find_removals(doc)] == [chrome]


def test_seed_pages_lose_no_article_paragraph():
    raw = sorted((SEEDS / "raw").glob("*.txt"))
    if not raw:
        pytest.skip("no seeds")
    docs = [Document.from_text(p.read_text(encoding="utf-8"), id=p.stem, source=str(p)) for p in raw]
    index = CorpusIndex.build((fingerprint(d, PARAMS) for d in docs), PARAMS)  # one pooled "site"
    for doc in docs:
        gold = set((SEEDS / "gold" / f"{doc.id}.txt").read_text(encoding="utf-8").splitlines())
        lost = [r.text for r in index.find_removals(doc) if r.text in gold]
        assert lost == [], doc.id


# ---------------------------------------------------------------- persistence and streaming


def test_save_load_round_trip(generated, tmp_path):
    _, docs, _, index = generated
    path = tmp_path / "corpus.idx"
    index.save(path)
    loaded = CorpusIndex.load(path, PARAMS)
    for key, value in index.arrays.items():
        if key != "doc_keys_sorted":
            assert np.array_equal(value, loaded.arrays[key]), key
    for doc in docs[:10]:
        assert loaded.find_removals(doc) == index.find_removals(doc)
        assert loaded.duplicate(doc.id) == index.duplicate(doc.id)
    assert loaded.description() == index.description()


def test_load_refuses_other_settings_and_non_index(generated, tmp_path):
    _, _, _, index = generated
    path = tmp_path / "corpus.idx"
    index.save(path)
    with pytest.raises(ConfigError, match=r"num_perm=128 \(this run: 64\)"):
        CorpusIndex.load(path, DedupParams(num_perm=64))
    with pytest.raises(ConfigError, match="repeat_min_docs=3"):
        CorpusIndex.load(path, DedupParams(repeat_min_docs=4))
    (tmp_path / "junk").write_bytes(b"not an index")
    with pytest.raises(ConfigError, match="not a cleaner corpus index"):
        CorpusIndex.load(tmp_path / "junk", PARAMS)
    with pytest.raises(ConfigError, match="cannot read index"):
        CorpusIndex.load(tmp_path / "missing", PARAMS)


def test_lookup_new_page_against_saved_index(generated):
    corpus, _, _, index = generated
    site_page = next(p for p in corpus.pages if "syndicated" not in p.id and not p.id.endswith("-amp"))
    lines = site_page.text.split("\n\n")
    # a new page of the same site: new article, the site's chrome with a teaser variant never seen
    teaser = next(t for t, kind, fam in site_page.blocks if "/teaser/" in fam)
    variant = teaser.rsplit(" (", 1)[0].rsplit(" Updated", 1)[0].rstrip("…") + " Updated Someday"
    new_text = "\n".join([lines[0], "A brand new story about " + " ".join(_word(77, j) for j in range(30)), variant])
    new = Document.from_text(new_text, id="new/1", source="new", url=site_page.url + "-new")
    page = index.lookup_new(new)
    removed = {new.blocks[r.block].text for r in page.removals}
    assert lines[0] in removed and variant in removed
    assert page.dup_cluster is None
    # a re-saved copy of an indexed page is reported as its duplicate
    copy = Document.from_text(site_page.text, id="new/2", source="new", url=site_page.url + "?utm=x")
    page = index.lookup_new(copy)
    assert page.dup_of == site_page.id and page.similarity == 1.0
    assert page.dup_cluster == (index.duplicate(site_page.id) or (site_page.id,))[0]
