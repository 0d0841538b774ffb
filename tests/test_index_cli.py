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
