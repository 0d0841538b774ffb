"""The local engine: determinism across workers, bad input, dataset shards and resume."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaner.config import Config
from cleaner.engine import run
from cleaner.errors import ConfigError
from cleaner.io.writer import read_file_metadata

ARTICLE = (
    "The minister said the talks would continue next week in the capital, officials confirmed.\n"
    "Trade between the two countries grew by 22 percent last year, according to official data.\n"
    "Read More\n"
)


def make_corpus(root, n: int = 12):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = f"Headline number {i} about the talks\n{ARTICLE}Story {i} adds a sentence that is unique to it, {i}."
        (root / f"page{i:02d}.txt").write_text(body, encoding="utf-8")
    return root


def test_output_bytes_same_for_one_and_two_workers(tmp_path):
    corpus = make_corpus(tmp_path / "in", 40)
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.parquet"
        summary = run([str(corpus)], str(out), Config(workers=workers, row_group_size=7), progress=False)
        assert summary.exit_code == 0 and summary.written == 40
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_rows_in_input_order_with_stable_ids(tmp_path):
    corpus = make_corpus(tmp_path / "in", 5)
    out = tmp_path / "o.parquet"
    run([str(corpus) + "/"], str(out), Config(), progress=False)
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == [f"page{i:02d}" for i in range(5)]
    assert all("Read More" not in t for t in table.column("text").to_pylist())
    meta = read_file_metadata(out)
    assert meta["tool"] == "cleaner" and meta["rule_packs"] and "workers" not in meta["config"]


def test_bad_inputs_are_reported_and_the_rest_written(tmp_path, caplog):
    corpus = make_corpus(tmp_path / "in", 3)
    (corpus / "bad-utf8.txt").write_bytes(b"Caf\xe9 owners said the new rules were a burden on small business.\n")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (corpus / "dangling.txt").symlink_to(tmp_path / "does-not-exist.txt")
    (corpus / "huge.txt").write_text("word " * 20_000, encoding="utf-8")  # over the page limit set below
    out = tmp_path / "o.parquet"
    errors = tmp_path / "errors.jsonl"
    config = Config(errors=str(errors), max_page_bytes=50_000)
    summary = run([str(corpus), str(tmp_path / "missing")], str(out), config, progress=False)
    ids = pq.read_table(out, columns=["id"]).column("id").to_pylist()
    assert {"page00", "page01", "page02", "bad-utf8"} <= set(ids)
    assert "binary" not in ids and "dangling" not in ids and "huge" not in ids
    assert summary.exit_code == 1 and summary.read_errors >= 3
    assert summary.warnings >= 1
    logged = [json.loads(line) for line in errors.read_text().splitlines()]
    assert any("missing" in e["source"] for e in logged)
    assert any("binary" in e["source"] for e in logged)
    huge = [e for e in logged if e["source"].endswith("huge.txt")]
    assert [(e["level"], e["message"]) for e in huge] == [
        ("error", "page larger than 50000 bytes (--max-page-bytes): skipped")
    ]
    assert any(e["level"] == "warning" and e["source"].endswith("dangling.txt") for e in logged)


def test_min_words_and_empty_documents(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "empty-after.txt").write_text("Home\nNews\nRead More\n", encoding="utf-8")
    make_corpus(corpus, 2)
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "menu.toml").write_text("[pack]\nid='menu'\n[[drop]]\nid='menu'\nregex='^(Home|News)$'\n")
    out = tmp_path / "o.parquet"
    config = Config(rules=[str(packs)])
    summary = run([str(corpus)], str(out), config, progress=False)
    rows = {r["id"]: r for r in pq.read_table(out).to_pylist()}
    assert rows["empty-after"]["text"] == "" and len(rows["empty-after"]["removed"]) == 3
    assert summary.empty == 1
    summary = run([str(corpus)], str(out), config.replace(min_words=5), progress=False)
    assert "empty-after" not in pq.read_table(out, columns=["id"]).column("id").to_pylist()
    assert summary.too_short == 1


def test_dataset_shards_success_marker_and_resume(tmp_path):
    corpus = make_corpus(tmp_path / "in", 25)
    out = tmp_path / "ds"
    config = Config(shard_size=10)
    run([str(corpus)], str(out) + "/", config, progress=False)
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert (out / "_SUCCESS").exists()
    before = {p: (out / p).read_bytes() for p in parts}
    (out / "part-00001.parquet").unlink()
    (out / "_SUCCESS").unlink()
    summary = run([str(corpus)], str(out) + "/", config, progress=False)
    assert summary.skipped_shards == 2 and summary.documents == 10
    assert {p: (out / p).read_bytes() for p in parts} == before
    assert (out / "_SUCCESS").exists()
    total = sum(pq.read_table(out / p).num_rows for p in parts)
    assert total == 25


def test_dataset_folder_with_other_settings_is_refused(tmp_path):
    corpus = make_corpus(tmp_path / "in", 3)
    out = str(tmp_path / "ds") + "/"
    run([str(corpus)], out, Config(), progress=False)
    with pytest.raises(ConfigError, match="other settings"):
        run([str(corpus)], out, Config(min_words=3), progress=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "x").write_text("x")
    with pytest.raises(ConfigError, match="not empty"):
        run([str(corpus)], str(foreign) + "/", Config(), progress=False)


def test_max_errors_gives_up_and_leaves_no_file(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for i in range(5):
        (corpus / f"bin{i}.txt").write_bytes(b"\x00" * 50)
    make_corpus(corpus, 2)
    out = tmp_path / "o.parquet"
    summary = run([str(corpus)], str(out), Config(max_errors=1, repeats=False), progress=False)
    assert summary.gave_up and summary.exit_code == 1
    assert not out.exists() and not [p for p in os.listdir(tmp_path) if p.startswith(".o.parquet")]


def test_limit(tmp_path):
    corpus = make_corpus(tmp_path / "in", 6)
    out = tmp_path / "o.parquet"
    summary = run([str(corpus)], str(out), Config(limit=4), progress=False)
    assert summary.documents == 4 and pq.read_table(out).num_rows == 4


HTML = (
    "<html><head><title>t</title></head><body><nav><a href='/'>Home</a></nav><article>"
    "<p>The harbour reopened on Monday after three months of repairs to the sea wall, the port authority said.</p>"
    "<p>Fishing boats returned to the inner basin by noon, and the ferry service will resume next week.</p>"
    "</article></body></html>"
)


def test_a_stalled_extraction_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    """The watchdog kills and replaces an extraction process stuck where SIGALRM cannot reach."""
    from cleaner.extract.watchdog import CHILD_ENV

    monkeypatch.setenv(CHILD_ENV, str(Path(__file__).resolve().parent / "_hanging_extractor.py"))
    corpus = make_corpus(tmp_path / "in", 2)
    (corpus / "good.html").write_text(HTML, encoding="utf-8")
    (corpus / "stall.html").write_text(HTML.replace("harbour", "STALL harbour"), encoding="utf-8")
    (corpus / "empty.html").write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    out = tmp_path / "o.parquet"
    summary = run([str(corpus)], str(out), Config(extract_timeout=2.0), progress=False)
    rows = {r["id"]: r for r in pq.read_table(out).to_pylist()}
    assert "stall" not in rows and summary.failed == 1 and summary.exit_code == 1
    assert "harbour reopened" in rows["good"]["text"]
    assert rows["empty"]["text"] == ""
    assert {"page00", "page01"} <= set(rows)
