"""The Parquet writer: schema, metadata pass-through, atomic rename, file metadata."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaner.document import Document, Result
from cleaner.io.writer import REMOVAL_TYPE, ParquetSink, read_file_metadata, removed_column


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


def test_removed_column_equals_the_column_of_dicts():
    results = [result("a"), result("b", "Only line."), result("c", "One.\nTwo\nThree")]
    results[2] = Result.of(_two_removals(results[2].id))
    values = [r.removed for r in results]
    built = removed_column(values)
    assert built.equals(pa.array([[r.as_dict() for r in v] for v in values], type=pa.list_(REMOVAL_TYPE)))
    assert built.to_pylist()[2] == [r.as_dict() for r in values[2]] and len(values[2]) == 2
    assert removed_column([*values, None]).to_pylist() == [*built.to_pylist(), None]


def _two_removals(doc_id: str) -> Document:
    doc = Document.from_text("One.\nTwo\nThree", id=doc_id, source="c.txt")
    doc.add([doc.remove_block(1, "heuristic:a", "x"), doc.remove_block(2, "rule:b")])
    return doc


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


def test_integers_beyond_int64_go_to_metadata_extra(tmp_path):
    path = tmp_path / "out.parquet"
    with ParquetSink(path, file_metadata={}, row_group_size=2) as sink:
        sink.write(result("a", big=18446744073709551615))
        sink.write(result("b", big=-1))
        sink.write(result("c", big=1 << 80))
    rows = pq.read_table(path).to_pylist()
    assert [r["big"] for r in rows] == [None, -1, None]
    assert [r["metadata_extra"] for r in rows] == [
        '{"big": 18446744073709551615}',
        None,
        '{"big": 1208925819614629174706176}',
    ]


def test_lang_and_meta_lang_both_survive(tmp_path):
    path = tmp_path / "out.parquet"
    doc = Document.from_text("Kept line.", id="a", source="a.txt", metadata={"lang": "de", "meta_lang": "fr"})
    with ParquetSink(path, file_metadata={}) as sink:
        sink.write(Result.of(doc))
    (row,) = pq.read_table(path).to_pylist()
    assert row["meta_lang"] == "fr" and row["metadata_extra"] == '{"lang": "de"}'


def test_a_given_schema_is_kept_for_every_row(tmp_path):
    with ParquetSink(tmp_path / "first.parquet", file_metadata={}) as first:
        first.write(result("a", n=1))
    with ParquetSink(tmp_path / "second.parquet", file_metadata={}, schema=first.schema) as second:
        second.write(result("b", n="late string", other=2.5))
    assert pq.read_schema(tmp_path / "second.parquet") == pq.read_schema(tmp_path / "first.parquet")
    (row,) = pq.read_table(tmp_path / "second.parquet").to_pylist()
    assert row["n"] is None and row["metadata_extra"] == '{"n": "late string", "other": 2.5}'


# --- JSON Lines output --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst"])
def test_jsonl_output_has_the_parquet_columns_and_metadata_beside(tmp_path, name):
    import json

    import pyarrow as pa

    from cleaner.io.sinks import open_sink, output_format

    path = tmp_path / name
    fmt = output_format(str(path))
    assert fmt == name.removeprefix("out.")
    with open_sink(str(path), fmt, file_metadata={"version": "x"}, row_group_size=2) as sink:
        for i in range(3):
            sink.write(result(f"d{i}", n=i))
    compression = {"out.jsonl": None, "out.jsonl.gz": "gzip", "out.jsonl.zst": "zstd"}[name]
    lines = pa.input_stream(str(path), compression=compression).read().decode().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == ["d0", "d1", "d2"] and rows[2]["n"] == 2
    assert rows[0]["removed"][0]["reason"] == "heuristic:nav-label"
    assert list(rows[0]) == pq.read_schema(_parquet_of(tmp_path)).names
    assert json.loads((tmp_path / f"{name}.meta.json").read_text()) == {"version": "x"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, f"{name}.meta.json", "ref.parquet"])


def _parquet_of(tmp_path):
    path = tmp_path / "ref.parquet"
    with ParquetSink(path, file_metadata={}, row_group_size=2) as sink:
        for i in range(3):
            sink.write(result(f"d{i}", n=i))
    return path


def test_jsonl_output_failure_leaves_nothing(tmp_path):
    from cleaner.io.jsonl_out import JsonlSink

    with pytest.raises(RuntimeError), JsonlSink(tmp_path / "o.jsonl.gz", file_metadata={}, row_group_size=1) as sink:
        sink.write(result("a"))
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_stdout_sink_flushes_each_document_and_stops_on_a_closed_pipe(monkeypatch):
    import io
    import json
    import sys

    from cleaner.io.jsonl_out import JsonlSink, OutputClosed

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    sink = JsonlSink("-", file_metadata={"v": 1}, row_group_size=1000)
    sink.write(result("a", when="2024-05-01"))
    assert json.loads(out.getvalue())["id"] == "a"  # written before the sink is closed
    sink.close()

    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    with pytest.raises(OutputClosed):
        JsonlSink("-", file_metadata={}).write(result("b"))


def test_output_format_follows_the_extension():
    from cleaner.io.sinks import output_format, part_name

    assert output_format("o.parquet") == "parquet" and output_format("o.JSONL") == "jsonl"
    assert output_format("o.ndjson.zst") == "jsonl.zst" and output_format("o.data") == "parquet"
    assert output_format("dir/", folder=True) == "parquet" and output_format("-") == "jsonl"
    assert part_name(3, "jsonl.gz") == "part-00003.jsonl.gz"
    with pytest.raises(ValueError, match="stdout takes JSON Lines"):
        output_format("-", "parquet")
    with pytest.raises(ValueError, match="unknown output format"):
        output_format("o", "csv")
