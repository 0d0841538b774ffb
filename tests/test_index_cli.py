"""`cleaner index build` and streaming mode (`cleaner clean --index`), end to end through the CLI."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from cleaner import generate as corpus_gen
from cleaner.cli import main
from cleaner.heuristics import HEURISTICS

# With the heuristics off, the site chrome can only go as a corpus repeat (or by a rule).
NO_HEURISTICS = ["--disable", ",".join(HEURISTICS)]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_build_index_then_clean_new_pages_against_it(tmp_path, capsys):
    corpus = corpus_gen.generate(sites=2, docs_per_site=15, seed=11)
    records = corpus.records()
    new = [r for r in records if r["id"].endswith("-amp")][:3] + records[-3:-1]
    old = [r for r in records if r not in new]
    write_jsonl(tmp_path / "crawl.jsonl", old)
    write_jsonl(tmp_path / "new.jsonl", new)
    index = tmp_path / "crawl.idx"
    assert main(["index", "build", str(tmp_path / "crawl.jsonl"), "-o", str(index), "-q", *NO_HEURISTICS]) == 0
    assert index.exists()

    out = tmp_path / "new.parquet"
    args = ["clean", str(tmp_path / "new.jsonl"), "--index", str(index), "-o", str(out), "-q", *NO_HEURISTICS]
    assert main(args) == 0
    rows = pq.read_table(out).to_pylist()
    assert [r["id"] for r in rows] == [r["id"] for r in new]
    truth = corpus.truth()["blocks"]
    for row in rows:
        kinds = [label["kind"] for label in truth[row["id"]]]
        blocks = [line for line in next(r for r in new if r["id"] == row["id"])["text"].split("\n") if line.strip()]
        for removal in row["removed"]:
            assert kinds[removal["block"]] == "boilerplate", (row["id"], removal)
        assert all(blocks[i] in row["text"] for i, kind in enumerate(kinds) if kind == "article")
    repeats = [r for row in rows for r in row["removed"] if r["reason"].startswith("repeat:")]
    assert len(repeats) >= 5 * len(rows)
    saved_twice = {r["id"]: r for r in rows if r["id"].endswith("-amp")}
    assert saved_twice
    for doc_id, row in saved_twice.items():
        group = next(g for g in corpus.duplicates if doc_id in g)
        assert row["dup_cluster"] in group and row["dup_cluster"] != doc_id and row["dup_rank"] == 1


def test_index_with_other_parameters_is_refused(tmp_path, capsys):
    write_jsonl(tmp_path / "crawl.jsonl", corpus_gen.generate(sites=1, docs_per_site=4, seed=2).records())
    index = tmp_path / "crawl.idx"
    assert main(["index", "build", str(tmp_path / "crawl.jsonl"), "-o", str(index), "-q"]) == 0
    code = main(["clean", str(tmp_path / "crawl.jsonl"), "--index", str(index), "--num-perm", "64", "-o", "x.parquet"])
    assert code == 2
    assert "num_perm" in capsys.readouterr().err


def _site_tree(root, quote, chrome):
    """Two sites as folders (dates below them), pages without URLs; `quote` in two articles of each site."""
    from pathlib import Path

    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma".split()  # noqa: SIM905
    pages = {}
    for site in ("harbour-times", "valley-news"):
        for n in range(4):
            month = "05" if n < 2 else "06"  # a site's pages spread over date folders
            tag = f"{site[0]}{'abcd'[n]}"  # letters: digits would fold to 0
            body = [" ".join(words[(n * 7 + i * 3 + j) % len(words)] + f"{tag}{'abc'[i]}q{'abcdefghijklmn'[j]}"
                             for j in range(14)) for i in range(3)]  # fmt: skip
            lines = [body[0], *([quote] if n < 2 else []), *body[1:], *([chrome] if site == "harbour-times" else [])]
            path = Path(root) / site / "2024" / month / f"p{n}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            pages[f"{site}/2024/{month}/p{n}"] = lines
    return pages


def test_site_key_is_the_first_folder_under_the_argument(tmp_path):
    quote = '"We will not accept a deal that leaves our farmers worse off than before," the minister said.'
    chrome = "Harbour Times readers also enjoyed the lighthouse walking tour guide for the summer season"
    pages = _site_tree(tmp_path / "dumps", quote, chrome)
    removed = {}
    for key in ("folder", "url", "none"):
        out = tmp_path / f"{key}.parquet"
        args = ["clean", str(tmp_path / "dumps"), "-o", str(out), "-q", "--site-key", key, *NO_HEURISTICS]
        assert main([*args, "--no-language"]) == 0
        rows = pq.read_table(out).to_pylist()
        assert {r["id"] for r in rows} == set(pages)
        removed[key] = {(r["id"], x["text"]): x["detail"] for r in rows for x in r["removed"]}
    # by folder: the chrome repeats in 4 pages of harbour-times (across date folders); the quote in 2 per site
    assert {text for _, text in removed["folder"]} == {chrome}
    assert set(removed["folder"].values()) == {"in 4 documents of folder harbour-times"}
    # one pool for pages without URL: the quote is in 4 documents and goes too
    for key in ("url", "none"):
        assert {text for _, text in removed[key]} == {chrome, quote}
        assert removed[key][("valley-news/2024/05/p0", quote)] == "in 4 documents with no site"


def test_pages_know_their_first_folder(tmp_path):
    from cleaner.config import Config
    from cleaner.io.readers import iter_pages

    (tmp_path / "d" / "site-a" / "2024").mkdir(parents=True)
    (tmp_path / "d" / "site-a" / "2024" / "x.txt").write_text("one\n")
    (tmp_path / "d" / "top.txt").write_text("two\n")
    (tmp_path / "alone.txt").write_text("three\n")
    folders = {p.id: p.folder for p in iter_pages([str(tmp_path / "d"), str(tmp_path / "alone.txt")], Config())}
    assert folders == {"site-a/2024/x": "site-a", "top": None, "alone": None}
