"""Inputs and outputs on any file system: memory:// (fsspec) and S3 (a moto server on loopback)."""

from __future__ import annotations

import gzip
import json
import socket

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from cleaner.config import Config
from cleaner.document import Document, Page, Result
from cleaner.io import fs
from cleaner.io.readers import ReadIssue, iter_pages
from cleaner.io.sinks import open_sink, output_format
from cleaner.io.writer import read_file_metadata


def result(doc_id: str) -> Result:
    return Result.of(Document.from_text("Kept line.", id=doc_id, source=f"{doc_id}.txt"))


def write(location: str, data: bytes) -> None:
    filesystem, path = fs.resolve(location)
    with filesystem.open_output_stream(path, compression=None) as out:
        out.write(data)


def read_all(location: str) -> bytes:
    filesystem, path = fs.resolve(location)
    with filesystem.open_input_stream(path, compression=None) as stream:
        return stream.read()


def check_round_trip(root: str, query: str = "") -> None:
    """Inputs listed and read in place under `root`, outputs written there in every format."""
    write(f"{root}/in/b.txt{query}", b"Second page.\n")
    write(f"{root}/in/a/one.jsonl.gz{query}", gzip.compress(b'{"text": "json page", "n": 1}\n{"oops\n'))
    write(f"{root}/in/_marker.txt{query}", b"hidden\n")
    got = list(iter_pages([f"{root}/in{query}"], Config()))
    pages = [i for i in got if isinstance(i, Page)]
    issues = [i for i in got if isinstance(i, ReadIssue)]
    assert [(p.id, p.source, p.content) for p in pages] == [
        ("a/one:1", f"{root}/in/a/one.jsonl.gz", "json page"),
        ("b", f"{root}/in/b.txt", "Second page.\n"),
    ]
    assert [(i.source, i.level) for i in issues] == [
        (f"{root}/in/_marker.txt", "warning"),
        (f"{root}/in/a/one.jsonl.gz:2", "error"),
    ]
    for name in ("o.parquet", "o.jsonl", "o.jsonl.zst"):
        location = f"{root}/out/{name}{query}"
        with open_sink(location, output_format(location), file_metadata={"run": name}, row_group_size=1) as sink:
            sink.write(result("d1"))
            sink.write(result("d2"))
    assert read_file_metadata(f"{root}/out/o.parquet{query}") == {"run": "o.parquet"}
    filesystem, path = fs.resolve(f"{root}/out/o.parquet{query}")
    assert pq.read_table(path, filesystem=filesystem).column("id").to_pylist() == ["d1", "d2"]
    lines = read_all(f"{root}/out/o.jsonl{query}").decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["d1", "d2"]
    assert json.loads(read_all(f"{root}/out/o.jsonl.meta.json{query}")) == {"run": "o.jsonl"}
    folder, inside = fs.resolve(f"{root}/out{query}")
    names = sorted(i.base_name for i in folder.get_file_info(pafs.FileSelector(inside)))
    assert names == ["o.jsonl", "o.jsonl.meta.json", "o.jsonl.zst", "o.jsonl.zst.meta.json", "o.parquet"]


def test_memory_file_system():
    check_round_trip("memory://cleaner-test-bucket")


def test_file_uri_is_a_local_path(tmp_path):
    (tmp_path / "p.txt").write_text("Local page.\n", encoding="utf-8")
    (page,) = iter_pages([f"file://{tmp_path}"], Config())
    assert page.id == "p" and page.content == "Local page.\n"
    assert fs.resolve(f"file://{tmp_path}/x")[1] == str(tmp_path / "x")


def test_unknown_scheme_is_reported_not_raised():
    (issue,) = iter_pages(["nosuchscheme://bucket/x.txt"], Config())
    assert issue.fatal and "nosuchscheme" in issue.message


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"?endpoint_override=127.0.0.1:{port}&scheme=http&region=us-east-1&allow_bucket_creation=true"
    server.stop()


def test_s3_through_a_local_emulator(s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    filesystem, _ = fs.resolve(f"s3://cleaner-test{s3_server}")
    filesystem.create_dir("cleaner-test")
    check_round_trip("s3://cleaner-test", s3_server)


def test_cli_run_from_s3_to_s3(s3_server, monkeypatch):
    from cleaner.cli import main

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    filesystem, _ = fs.resolve(f"s3://cleaner-run{s3_server}")
    filesystem.create_dir("cleaner-run")
    article = "The council met on Tuesday and voted to repair the old bridge over the river before winter."
    for i in range(5):
        write(f"s3://cleaner-run/in/site/p{i}.txt{s3_server}", f"{article} Page {i}.\nShare this\n".encode())
    assert (
        main(["clean", f"s3://cleaner-run/in{s3_server}", "-o", f"s3://cleaner-run/o.jsonl.gz{s3_server}", "-q"]) == 0
    )
    rows = [
        json.loads(line) for line in gzip.decompress(read_all(f"s3://cleaner-run/o.jsonl.gz{s3_server}")).splitlines()
    ]
    assert [r["id"] for r in rows] == [f"site/p{i}" for i in range(5)]
    args = ["clean", f"s3://cleaner-run/in{s3_server}", "-o", f"s3://cleaner-run/out/{s3_server}", "--shard-size", "2"]
    assert main([*args, "-q"]) == 0
    names = sorted(i.base_name for i in filesystem.get_file_info(pafs.FileSelector("cleaner-run/out")))
    assert names == [
        "_META.json",
        "_STATS.json",
        "_SUCCESS",
        "_cleaner_run.json",
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]


def test_every_format_reads_the_same_from_a_remote_store_as_from_disk(tmp_path):
    import io

    import pyarrow as pa

    from tests.test_readers import sample_records

    parquet = io.BytesIO()
    pq.write_table(pa.table({"text": ["a parquet page"], "n": [1]}), parquet)
    files = {
        "c.warc.gz": b"".join(gzip.compress(r) for r in sample_records()),
        "t.parquet": parquet.getvalue(),
        "h.html": b"<html><head><link rel=canonical href=https://e.com/x></head><body><p>hi</p></body></html>",
        "j.jsonl.zst": __import__("zstandard").ZstdCompressor().compress(b'{"id": "j1", "text": "json"}\n'),
        "p.txt.gz": gzip.compress(b"a text page\n"),
    }
    (tmp_path / "local").mkdir()
    for name, data in files.items():
        (tmp_path / "local" / name).write_bytes(data)
        write(f"memory://same-as-disk/{name}", data)

    def shape(items, root):
        return [
            (i.source.removeprefix(root), i.id, i.content, i.kind, i.url, i.metadata)
            if isinstance(i, Page)
            else (i.source.removeprefix(root), i.message, i.fatal)
            for i in items
        ]

    local = list(iter_pages([str(tmp_path / "local")], Config()))
    remote = list(iter_pages(["memory://same-as-disk"], Config()))
    assert len([i for i in local if isinstance(i, Page)]) == 6
    assert shape(remote, "memory://same-as-disk") == shape(local, str(tmp_path / "local"))
