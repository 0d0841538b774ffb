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


def test_out_of_core_pairs_are_the_in_memory_banding(tmp_path, monkeypatch):
    """The band-key group-by from files by key range finds exactly the verified pairs of in-memory banding."""
    from cleaner.dedup import DedupParams, build
    from cleaner.dedup.build import similar_pairs

    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 2**32, size=(400, 128), dtype=np.uint32)
    for copy, original in [(5, 1), (17, 1), (300, 42), (301, 300), (399, 0)]:
        sigs[copy] = sigs[original]
        sigs[copy, rng.choice(128, 12, replace=False)] = rng.integers(0, 2**32, 12, dtype=np.uint32)
    np.save(tmp_path / "sigs.npy", sigs)
    p = DedupParams()
    expected = banding.similar_pairs(sigs, 0.8, 128, p.false_positive_weight, p.false_negative_weight)
    assert len(expected) >= 5
    for part_rows in (1 << 21, 1000):  # one file; several files by key range
        monkeypatch.setattr(build, "PART_ROWS", part_rows)
        got = similar_pairs(tmp_path, tmp_path / "sigs.npy", np.arange(len(sigs)), 0.8, p, keep_bands=tmp_path / "b")
        np.testing.assert_array_equal(got, expected)
        keys, rows = np.load(tmp_path / "b_key.npy"), np.load(tmp_path / "b_row.npy")
        order = np.lexsort((rows, keys))
        assert len(keys) == 400 * banding.optimal_bands(0.8, 128, p.false_positive_weight, p.false_negative_weight)[0]
        np.testing.assert_array_equal(order, np.arange(len(keys)))  # sorted by key, then row


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


# ---------------------------------------------------------------- the on-disk index


def test_same_index_whatever_the_shards_row_groups(generated, monkeypatch):
    """Pass 1's shards buffer a bounded number of rows; many small row groups, and pages larger than
    a row group (written as their own), give the same index."""
    from cleaner.dedup import shards

    _, _, fps, index = generated
    assert max(len(fp.block_hashes) for fp in fps) > 7
    monkeypatch.setattr(shards, "ROWS_PER_GROUP", 7)
    monkeypatch.setattr(shards, "DOCS_PER_GROUP", 3)
    small = CorpusIndex.build(iter(fps), PARAMS)
    for key, value in index.arrays.items():
        assert np.array_equal(value, small.arrays[key]), key
    assert small.stats == index.stats


def test_repeats_counted_by_partitions_give_the_same_index(generated, monkeypatch):
    """The per-site repeat counting over many partition files of block clusters, by a counter of its own
    (what Ray tasks run), gives the same index as the default partitions counted in the build's process."""
    from cleaner.dedup import build
    from cleaner.dedup.build import count_partitions_here

    _, _, fps, index = generated
    calls = []

    def counter(jobs, min_site, min_corpus):
        calls.append(len(jobs))
        count_partitions_here(jobs, min_site, min_corpus)

    monkeypatch.setattr(build, "REPEAT_ROWS", 50)
    parted = CorpusIndex.build(iter(fps), PARAMS, counter=counter)
    assert calls and all(n > build.REPEAT_PARTITIONS for n in calls)
    for key, value in index.arrays.items():
        assert np.array_equal(value, parted.arrays[key]), key
    assert parted.stats == index.stats


def test_block_table_joined_by_key_ranges_gives_the_same_index(generated, monkeypatch):
    """The block table's joins by several `seq` ranges and hash ranges give the same index as one range."""
    from cleaner.dedup import build

    _, _, fps, index = generated
    monkeypatch.setattr(build, "JOIN_ROWS", 97)
    ranged = CorpusIndex.build(iter(fps), PARAMS)
    for key, value in index.arrays.items():
        assert np.array_equal(value, ranged.arrays[key]), key
    assert ranged.stats == index.stats


def test_index_is_a_memory_mapped_folder_with_the_same_bytes_whatever_the_order(generated, tmp_path):
    _, _, fps, index = generated
    index.save(tmp_path / "a.idx")
    shuffled = list(fps)
    random.Random(5).shuffle(shuffled)
    CorpusIndex.build(iter(shuffled), PARAMS).save(tmp_path / "b.idx")
    names = sorted(p.name for p in (tmp_path / "a.idx").iterdir())
    assert {"header.json", "doc_ids.arrow", "member_hash.npy", "doc_sig.npy"} <= set(names)
    assert names == sorted(p.name for p in (tmp_path / "b.idx").iterdir())
    for name in names:
        assert (tmp_path / "a.idx" / name).read_bytes() == (tmp_path / "b.idx" / name).read_bytes(), name
    loaded = CorpusIndex.load(tmp_path / "a.idx", PARAMS)
    assert isinstance(loaded.arrays["doc_sig"], np.memmap)
    assert json.loads((tmp_path / "a.idx" / "header.json").read_text())["format_version"] == 2


def test_saving_over_something_that_is_not_an_index_is_refused(generated, tmp_path):
    _, _, _, index = generated
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a cleaner corpus index; not overwriting"):
        index.save(tmp_path / "notes.txt")
    assert (tmp_path / "notes.txt").read_text() == "mine"
    index.save(tmp_path / "i.idx")
    index.save(tmp_path / "i.idx")  # an index is replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["i.idx", "notes.txt"]


def test_a_format_1_index_file_is_refused_with_the_fix(tmp_path):
    old = tmp_path / "old.idx"
    with old.open("wb") as f:
        np.savez(f, header=np.frombuffer(b'{"format": "cleaner-corpus-index"}', dtype=np.uint8))
    with pytest.raises(ConfigError, match="rebuild it with `cleaner index build`"):
        CorpusIndex.load(old, PARAMS)


def test_union_find_over_pairs_only_matches_the_dense_one():
    rng = np.random.default_rng(1)
    edges = rng.integers(0, 10_000, (3000, 2)) * 1000  # sparse node ids
    nodes, roots = banding.sparse_components(edges)
    dense = banding.components(int(edges.max()) + 1, edges)
    assert np.array_equal(roots, dense[nodes])
    assert set(nodes.tolist()) == set(edges.ravel().tolist())


# ---------------------------------------------------------------- unspaced scripts (CJK)


def _vocab(words: str) -> list[str]:
    return words.split()


_ZH_WORDS = _vocab(
    "今天 北京 上海 政府 经济 发展 市场 公司 记者 报道 表示 认为 问题 国家 城市 企业 工作 社会 人民 地区 "
    "教育 学生 医院 科技 环境 政策 投资 银行 价格 增长 计划 项目 合作 会议 国际 安全 交通 文化 历史 研究 "
    "农民 工厂 产品 消费 网络 数据 能源 水资源 天气 旅游 春节 铁路 机场 建设 改革 法律 法院 警方 调查 居民"
)
_JA_WORDS = _vocab(
    "東京 大阪 政府 経済 会社 記者 発表 問題 国際 市場 学校 病院 電車 天気 地震 選挙 首相 大臣 住民 調査 "
    "ことし きのう あした 新しい 大きな 多くの として について による ために しました されました です ます "
    "カメラ ニュース サービス システム データ エネルギー ホテル レストラン スポーツ チーム 試合 観光 予算 計画"
)


def _sentence(rng: random.Random, vocab: list[str], lo: int = 12, hi: int = 20, end: str = "。") -> str:
    return "".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi))) + end


def _paragraph(rng: random.Random, vocab: list[str]) -> str:
    return "".join(_sentence(rng, vocab) for _ in range(2))


def test_unspaced_scripts_are_tokens_of_one_character():
    from cleaner.dedup.normalize import word_weight, words

    assert words("北京今天天气很好。") == list("北京今天天气很好")
    assert words("東京でカメラを買いました") == list("東京でカメラを買いました")
    assert words("ภาษาไทย test") == [*"ภาษาไทย", "test"]
    assert words("Read 5 comments") == ["read", "0", "comments"]  # spaced scripts: words, as before
    assert word_weight(words("北京今天天气很好")) == 4.0
    assert word_weight(words("ภาษาไทยดี")) == 9 / 4


def test_a_chinese_paragraph_gets_a_signature_and_a_short_line_does_not():
    rng = random.Random(1)
    para = _paragraph(rng, _ZH_WORDS)
    assert len(normalize(para).split()) <= 2  # no spaces: `\w+` saw one or two "words" here
    doc = Document.from_text(f"{para}\n首页新闻体育", id="zh", source="zh")
    fp = fingerprint(doc, PARAMS)
    assert fp.long_blocks.tolist() == [0]
    assert fp.doc_sig is not None and fp.doc_shingles > 20


@pytest.mark.parametrize("vocab", [_ZH_WORDS, _JA_WORDS], ids=["chinese", "japanese"])
def test_near_duplicate_cjk_pages_and_repeated_cjk_blocks(vocab):
    rng = random.Random(len(vocab))
    chrome = _paragraph(rng, vocab)  # a sidebar teaser every page carries
    articles = [[_paragraph(rng, vocab) for _ in range(4)] for _ in range(5)]
    texts = {f"s/{n}": "\n".join([*body, chrome]) for n, body in enumerate(articles)}
    edited = list(articles[0])
    edited[1] = edited[1][:-6] + "".join(rng.choice(vocab) for _ in range(2)) + "。"  # a few characters changed
    texts["s/0-edit"] = "\n".join([*edited, chrome[:-3] + "。"])  # and the teaser cut short
    docs = [Document.from_text(t, id=i, source=i, site="s.example") for i, t in texts.items()]
    index = CorpusIndex.build((fingerprint(d, PARAMS) for d in docs), PARAMS)
    assert index.duplicate("s/0") == ("s/0", 0) and index.duplicate("s/0-edit") == ("s/0", 1)
    assert all(index.duplicate(f"s/{n}") is None for n in range(1, 5))
    for doc in docs:
        removed = [r.block for r in index.find_removals(doc)]
        assert removed == [len(doc.blocks) - 1], doc.id  # the teaser (and its variant), nothing else


# ---------------------------------------------------------------- --dup-verify


def test_dup_verify_keeps_true_duplicates_and_counts_rejections(generated):
    _, docs, _, index = generated
    fps = [fingerprint(d, PARAMS, keep_shingles=True) for d in docs]
    verified = CorpusIndex.build(iter(fps), PARAMS, verify=True)
    assert [verified.duplicate(d.id) for d in docs] == [index.duplicate(d.id) for d in docs]
    assert set(verified.stats["dup_verify_rejected"]) == {"text", "content"}


def test_dup_verify_rejects_a_pair_whose_estimate_passes_but_exact_jaccard_does_not():
    from cleaner.dedup.fingerprint import shingle_hashes

    base = [_word(1, j) for j in range(60)]
    for seed in range(200):
        rng = random.Random(seed)
        other = list(base)
        start = rng.randrange(50)
        for j in range(start, start + 5):  # a run of 5 new words: 7 of 58 shingles differ, exact Jaccard 0.785
            other[j] = _word(2, seed, j)
        a, b = ({int(h) for h in shingle_hashes([u], 3)[0]} for u in (base, other))
        exact = len(a & b) / len(a | b)
        docs = [Document.from_text(" ".join(u), id=i, source=i) for i, u in (("a", base), ("b", other))]
        fps = [fingerprint(d, PARAMS, keep_shingles=True) for d in docs]
        estimated = float((fps[0].doc_sig == fps[1].doc_sig).mean())
        if exact < PARAMS.dup_threshold <= estimated:
            break
    else:
        pytest.fail("no pair with a passing estimate and a failing exact Jaccard")
    assert CorpusIndex.build(iter(fps), PARAMS).duplicate("b") == ("a", 1)
    checked = CorpusIndex.build(iter(fps), PARAMS, verify=True)
    assert checked.duplicate("b") is None
    assert sum(checked.stats["dup_verify_rejected"].values()) >= 1


def test_largest_clusters_are_in_the_stats_and_a_big_one_is_warned_about(generated, caplog, tmp_path):
    from cleaner.dedup import build
    from cleaner.dedup.shards import FingerprintShards

    _, _, fps, index = generated
    largest = index.stats["largest_duplicate_clusters"]
    assert largest and largest[0]["size"] >= largest[-1]["size"] >= 2
    assert index.duplicate(largest[0]["cluster"])[1] == 0
    shards = FingerprintShards(tmp_path / "shards", PARAMS.num_perm)
    for fp in fps:
        shards.add(fp)
    shards.close()
    (tmp_path / "out").mkdir()
    (tmp_path / "work").mkdir()
    with caplog.at_level("WARNING", logger="cleaner"):
        build.build(shards.folder, tmp_path / "out", PARAMS, workdir=tmp_path / "work", max_cluster=1)
    assert "cluster" in caplog.text and "more than 1" in caplog.text


def test_repeated_clusters_per_site_with_counts_and_texts(generated):
    from cleaner.dedup import repeated_clusters

    _, docs, _, index = generated
    found = repeated_clusters(docs, PARAMS, index=index)
    assert found and found == repeated_clusters(docs, PARAMS)
    removed = {}
    for doc in docs:
        for r in index.find_removals(doc):
            if "of site" in r.detail:
                removed.setdefault((doc.url.split("/")[2], r.reason[len("repeat:") :]), set()).add(r.text)
    got = {(c.site, c.cluster): {t for t, _ in c.texts} for c in found}
    assert got == removed
    for c in found:
        assert c.documents >= PARAMS.repeat_min_docs
        counts = [n for _, n in c.texts]
        assert counts == sorted(counts, reverse=True)


def test_pair_files_give_the_distinct_sorted_pairs_over_several_files(tmp_path):
    """Candidate pairs written by range of their first row, repeated across adds and files, come back
    as `np.unique` of them all, file after file."""
    from cleaner.dedup.build import _PairFiles

    rng = np.random.default_rng(3)
    a = rng.integers(0, 999, 5000)
    pairs = np.stack([a, a + 1 + rng.integers(0, 1000 - a - 1 + 1)], axis=1).astype(np.int64)
    pairs = pairs[pairs[:, 1] <= 999]
    for parts in (1, 7):
        files = _PairFiles(tmp_path, parts, 999)
        for chunk in np.array_split(np.concatenate([pairs, pairs[::3]]), 5):
            files.add(chunk)
        files.files.close()
        got = list(files.read())
        files.files.remove()
        assert len(got) == parts
        np.testing.assert_array_equal(np.concatenate(got), np.unique(pairs, axis=0))
