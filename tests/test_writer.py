"""The Parquet writer: schema, metadata pass-through, atomic rename, file metadata."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from cleaner.document import Document, Result
from cleaner.io.writer import ParquetSink, read_file_metadata


def result(doc_id: str, text: str = "Kept line.\nMenu", **metadata) -> Result:
    doc = Document.from_text(text, id=doc_id, source=f"{doc_id}.txt", metadata=metadata)
    if len(doc.blocks) > 1:
        doc.add([doc.remove_block(1, "heuristic:nav-label", "1 word")])
    return Result.of(doc)


def test_rows_schema_and_metadata(tmp_path):
    path = tmp_path / "out.parquet"
    with ParquetSink(path, file_metadata={"version": "x"}, row_group_size=2) as sink:
        for i in range(5):
            sink.write(result(f"d{i}", lang_hint="en", n=i))
    table = pq.read_table(path)
    assert table.num_rows == 5
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    row = table.slice(0, 1).to_pylist()[0]
    assert row["text"] == "Kept line." and row["raw_chars"] == len("Kept line.\nMenu")
    assert row["clean_chars"] == len("Kept line.")
    assert row["removed"] == [
        {"block": 1, "start": 0, "end": 4, "reason": "heuristic:nav-label", "detail": "1 word", "text": "Menu"}
    ]
    assert row["lang_hint"] == "en" and row["n"] == 0 and row["dup_cluster"] is None
    assert read_file_metadata(path) == {"version": "x"}
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"


def test_late_metadata_keys_and_misfit_values_are_kept_as_json(tmp_path):
    path = tmp_path / "out.parquet"
    with ParquetSink(path, file_metadata={}, row_group_size=1) as sink:
        sink.write(result("a", n=1))
        sink.write(result("b", n="not a number", later=True))
    rows = pq.read_table(path).to_pylist()
    assert rows[0]["n"] == 1 and rows[0]["metadata_extra"] is None
    assert rows[1]["n"] is None and rows[1]["metadata_extra"] == '{"later": true, "n": "not a number"}'


def _with_text_metadata() -> Result:
    doc = Document.from_text("Kept line.", id="a", source="a.txt", metadata={"text": "from input"})
    return Result.of(doc)


def test_metadata_named_like_a_column_is_renamed(tmp_path):
    path = tmp_path / "out.parquet"
    with ParquetSink(path, file_metadata={}) as sink:
        sink.write(_with_text_metadata())
    row = pq.read_table(path).to_pylist()[0]
    assert row["meta_text"] == "from input" and row["text"] == "Kept line."


def test_failure_leaves_no_file(tmp_path):
    path = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), ParquetSink(path, file_metadata={}, row_group_size=1) as sink:
        sink.write(result("a"))
        sink.write(result("b"))
        raise RuntimeError("crash mid-run")
    assert list(tmp_path.iterdir()) == []


def test_empty_run_writes_a_valid_empty_file(tmp_path):
    path = tmp_path / "out.parquet"
    ParquetSink(path, file_metadata={}).close()
    assert pq.read_table(path).num_rows == 0


def test_same_rows_same_bytes(tmp_path):
    for name in ("a.parquet", "b.parquet"):
        with ParquetSink(tmp_path / name, file_metadata={"k": 1}, row_group_size=2) as sink:
            for i in range(3):
                sink.write(result(f"d{i}"))
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
