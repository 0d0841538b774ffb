"""Streams and output formats through the command line: stdin/stdout, a real shell pipe with `head`,
JSON Lines files and sharded folders that read back as one dataset."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from cleaner.cli import main
from cleaner.io.sinks import dataset_schema

ARTICLE = "The council met on Tuesday and voted to repair the bridge over the river before winter."


def records(n: int, **extra) -> str:
    return "".join(json.dumps({"id": f"d{i}", "text": f"{ARTICLE} Story {i}.", **extra}) + "\n" for i in range(n))


def cleaner(args: list[str], *, stdin: str = "", shell_pipe: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    command = [sys.executable, "-m", "cleaner.cli", *args]
    if shell_pipe is not None:
        line = " ".join(f"'{c}'" for c in command) + f" {shell_pipe}"
        return subprocess.run(["bash", "-c", line], input=stdin, capture_output=True, text=True, env=env, timeout=300)
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=300)


def test_stdin_to_stdout_is_json_lines_and_messages_go_to_stderr():
    done = cleaner(["clean", "-", "-o", "-", "--no-repeats"], stdin=records(3) + '{"broken\n')
    assert done.returncode == 1  # one bad record: reported, the rest written
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["d0", "d1", "d2"]
    assert all(r["source"] == "-" and isinstance(r["removed"], list) for r in rows)
    assert "-:4: invalid JSON" in done.stderr and "3 documents" in done.stderr


def test_a_shell_pipe_closed_early_by_head_ends_quietly(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text(records(2000), encoding="utf-8")
    done = cleaner(["clean", "-", "-o", "-", "--no-repeats"], shell_pipe=f"< '{path}' | head -n 2")
    assert done.returncode == 0  # head's status
    status = cleaner(
        ["clean", "-", "-o", "-", "--no-repeats"], shell_pipe=f"< '{path}' | head -n 2; exit ${{PIPESTATUS[0]}}"
    )
    assert status.returncode == 141  # cleaner's own: 128 + SIGPIPE, as `yes | head` gives
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["d0", "d1"]
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr and "error" not in done.stderr


def test_stdout_takes_json_lines_only(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert main(["clean", str(tmp_path / "a.txt"), "-o", "-", "--output-format", "parquet"]) == 2
    assert "stdout takes JSON Lines only" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst", "out.parquet"])
def test_output_format_follows_the_extension(tmp_path, name):
    src = tmp_path / "in.jsonl"
    src.write_text(records(4), encoding="utf-8")
    out = tmp_path / name
    assert main(["clean", str(src), "-o", str(out), "-q"]) == 0
    if name.endswith(".parquet"):
        assert pq.read_table(out).num_rows == 4
        assert not (tmp_path / f"{name}.meta.json").exists()
        return
    data = out.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    elif name.endswith(".zst"):
        import pyarrow as pa

        data = pa.input_stream(str(out), compression="zstd").read()
    assert [json.loads(line)["id"] for line in data.decode().splitlines()] == ["d0", "d1", "d2", "d3"]
    meta = json.loads((tmp_path / f"{name}.meta.json").read_text())
    assert meta["tool"] == "cleaner" and "rule_packs" in meta and "config" in meta


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_sharded_output_is_one_dataset_even_when_a_field_changes_type(tmp_path, fmt):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": f"{ARTICLE} {i}.", "n": i if i < 3 else f"v{i}"}) for i in range(6)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["clean", str(src), "-o", f"{out}/", "--shard-size", "3", "--output-format", fmt, "--no-repeats", "-q"]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "_META.json",
        "_STATS.json",
        "_SUCCESS",
        "_cleaner_run.json",
        f"part-00000.{fmt}",
        f"part-00001.{fmt}",
    ]
    if fmt == "jsonl":  # JSON has no types: the schema every shard has is in _META.json
        table = ds.dataset(str(out), format="json", schema=dataset_schema(out)).to_table()
    else:
        table = ds.dataset(str(out)).to_table()
    rows = sorted(table.to_pylist(), key=lambda r: r["id"])
    assert [r["n"] for r in rows] == [0, 1, 2, None, None, None]
    assert json.loads(rows[3]["metadata_extra"]) == {"n": "v3"}
    meta = json.loads((out / "_META.json").read_text())
    assert meta["format"] == fmt and meta["tool"] == "cleaner"
    if fmt == "jsonl":
        import pandas as pd

        frame = pd.concat(pd.read_json(p, lines=True) for p in sorted(out.glob("part-*.jsonl")))
        assert len(frame) == 6


def test_a_resumed_jsonl_dataset_keeps_the_first_schema(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": f"{ARTICLE} {i}.", "n": i if i < 2 else f"v{i}"}) for i in range(4)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["clean", str(src), "-o", f"{out}/", "--shard-size", "2", "--output-format", "jsonl", "--no-repeats", "-q"]
    assert main(args) == 0
    first = (out / "part-00000.jsonl").read_text()
    (out / "part-00001.jsonl").unlink()
    (out / "_SUCCESS").unlink()
    assert main(args) == 0
    assert (out / "part-00000.jsonl").read_text() == first
    rows = [json.loads(line) for line in (out / "part-00001.jsonl").read_text().splitlines()]
    assert [(r["n"], r["metadata_extra"]) for r in rows] == [(None, '{"n": "v2"}'), (None, '{"n": "v3"}')]


def test_inputs_that_would_share_ids_are_refused_before_the_output_is_touched(tmp_path, capsys):
    for folder in ("A", "B"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(f"{ARTICLE} {folder}\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["clean", str(tmp_path / "A"), str(tmp_path / "B"), "-o", f"{out}/", "--no-repeats"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "A/x.txt and " in err and "B/x.txt would give pages the same id 'x'" in err and "Traceback" not in err
    assert not out.exists()
    assert (
        main(["clean", str(tmp_path / "A" / "x.txt"), str(tmp_path / "A" / "x.txt"), "-o", str(tmp_path / "o.parquet")])
        == 0
    )
    assert "1 warnings" in capsys.readouterr().err  # the second naming: read once, with a warning
    assert pq.read_table(tmp_path / "o.parquet").num_rows == 1
