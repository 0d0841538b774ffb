"""Readers: every input format, the ids they give, and bad input reported instead of raised."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from cleaner.config import Config
from cleaner.document import Page
from cleaner.io.readers import ReadIssue, iter_pages, split_name


def read(paths, **config) -> list[Page | ReadIssue]:
    return list(iter_pages([str(p) for p in paths], Config(**config)))


def pages(items) -> list[Page]:
    return [i for i in items if isinstance(i, Page)]


def issues(items, fatal: bool | None = None) -> list[ReadIssue]:
    return [i for i in items if isinstance(i, ReadIssue) and (fatal is None or i.fatal == fatal)]


def write_jsonl(path: Path, records, opener=open) -> Path:
    with opener(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    root = tmp_path / "dumps"
    (root / "2024" / "05").mkdir(parents=True)
    (root / "b.txt").write_text("Second page\n", encoding="utf-8")
    (root / "a.txt").write_text("First line\n\nSecond line\n", encoding="utf-8")
    (root / "2024" / "05" / "story.v2.txt").write_text("Nested\n", encoding="utf-8")
    (root / ".hidden.txt").write_text("never read\n", encoding="utf-8")
    return root


# --- names, order, ids ------------------------------------------------------------------------


def test_split_name():
    assert split_name("a.jsonl.gz") == ("jsonl", "gzip", "a")
    assert split_name("a.JSONL.zst") == ("jsonl", "zstd", "a")
    assert split_name("page.htm") == ("html", None, "page")
    assert split_name("CC-MAIN-1.warc.wet.gz") == ("wet", "gzip", "CC-MAIN-1.warc")
    assert split_name("notes.md") == (None, None, "notes.md")
    assert split_name("notes.md", "txt") == ("txt", None, "notes.md")


def test_folder_is_read_recursively_in_sorted_order(dumps: Path):
    got = read([dumps])
    assert not issues(got)
    assert [p.id for p in pages(got)] == ["2024/05/story.v2", "a", "b"]
    first = pages(got)[1]
    assert first.kind == "text" and first.content == "First line\n\nSecond line\n"
    assert first.source == os.path.join(str(dumps), "a.txt")


def test_ids_are_stable_across_spellings_of_the_argument(dumps: Path, monkeypatch):
    monkeypatch.chdir(dumps.parent)
    spellings = ["dumps", "./dumps/", str(dumps), str(dumps) + "/", "dumps/../dumps"]
    ids = [[p.id for p in pages(read([s]))] for s in spellings]
    assert all(i == ids[0] for i in ids)
    assert pages(read(["./dumps/"]))[1].source == "./dumps/a.txt"


def test_single_file_argument_uses_its_stem(dumps: Path):
    (page,) = pages(read([dumps / "2024" / "05" / "story.v2.txt"]))
    assert page.id == "story.v2"


def test_files_come_in_argument_order(dumps: Path):
    got = pages(read([dumps / "b.txt", dumps / "a.txt"]))
    assert [p.id for p in got] == ["b", "a"]


def test_forced_format_reads_unknown_extensions(tmp_path: Path):
    (tmp_path / "dump.md").write_text("A page\n", encoding="utf-8")
    assert issues(read([tmp_path / "dump.md"]), fatal=True)
    (page,) = pages(read([tmp_path / "dump.md"], format="txt"))
    assert page.content == "A page\n" and page.id == "dump.md"


def test_unknown_files_in_a_folder_are_warned_about(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("x\n", encoding="utf-8")
    (tmp_path / "_SUCCESS").write_text("", encoding="utf-8")
    got = read([tmp_path])
    assert len(pages(got)) == 1
    (warning,) = issues(got)
    assert not warning.fatal and warning.source.endswith("README.md")


# --- text dumps -------------------------------------------------------------------------------


def test_bad_text_inputs_are_reported_and_skipped(tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("café au lait\n".encode("latin-1"))
    (tmp_path / "good.txt").write_text("fine\n", encoding="utf-8")
    got = read([tmp_path, tmp_path / "missing.txt"])
    assert [p.id for p in pages(got)] == ["good", "latin1"]
    assert pages(got)[1].content == "caf\ufffd au lait\n"
    messages = {(Path(i.source).name, i.message, i.fatal) for i in issues(got)}
    assert messages == {
        ("binary.txt", "binary file, not a text dump", True),
        ("blank.txt", "empty file", False),
        ("empty.txt", "empty file", False),
        ("latin1.txt", "invalid UTF-8 replaced with U+FFFD", False),
        ("missing.txt", "no such file or directory", True),
    }


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_reported(tmp_path: Path):
    path = tmp_path / "secret.txt"
    path.write_text("x\n", encoding="utf-8")
    path.chmod(0)
    try:
        (issue,) = read([path])
    finally:
        path.chmod(0o644)
    assert issue.fatal and "permission denied" in issue.message


def test_text_keeps_bytes_verbatim_except_a_bom(tmp_path: Path):
    (tmp_path / "crlf.txt").write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    (page,) = pages(read([tmp_path / "crlf.txt"]))
    assert page.content == "one\r\ntwo\r\n"


def test_gzip_text_dump(tmp_path: Path):
    with gzip.open(tmp_path / "a.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("compressed page\n")
    (page,) = pages(read([tmp_path]))
    assert page.id == "a" and page.content == "compressed page\n"


def test_huge_single_line_file(tmp_path: Path):
    line = ("word " * 10_000_000).encode()  # 50 MB, no newline
    (tmp_path / "big.txt").write_bytes(line)
    (page,) = read([tmp_path / "big.txt"])
    assert len(page.content) == len(line)


# --- JSON Lines -------------------------------------------------------------------------------

RECORDS = [
    {"id": "first", "text": "Para one.\nPara two.", "url": "https://example.com/a", "lang": "en"},
    {"text": "No id here.", "crawl": {"date": "2024-05-01"}},
    "{not json",
    {"title": "no text"},
    {"html": "<html><body><p>Only HTML.</p></body></html>", "url": "https://example.com/h"},
    {"id": 42, "text": "Integer id."},
    [1, 2],
    {"text": 3},
]


def check_records(got, source: str, stem: str):
    assert [(p.id, p.kind, p.url) for p in pages(got)] == [
        ("first", "text", "https://example.com/a"),
        (f"{stem}:2", "text", None),
        (f"{stem}:5", "html", "https://example.com/h"),
        ("42", "text", None),
    ]
    first, second = pages(got)[:2]
    assert first.content == "Para one.\nPara two." and first.metadata == {"lang": "en"}
    assert second.metadata == {"crawl": {"date": "2024-05-01"}}
    assert all(p.source == source for p in pages(got))
    bad = issues(got)
    assert all(i.fatal for i in bad)
    assert [i.source for i in bad] == [f"{source}:{n}" for n in (3, 4, 7, 8)]
    assert bad[0].message.startswith("invalid JSON")
    assert bad[1].message == "no 'text' field in the record"


def test_jsonl(tmp_path: Path):
    path = write_jsonl(tmp_path / "batch.jsonl", RECORDS)
    check_records(read([path]), str(path), "batch")


def test_jsonl_gzip(tmp_path: Path):
    path = write_jsonl(tmp_path / "batch.jsonl.gz", RECORDS, opener=gzip.open)
    check_records(read([path]), str(path), "batch")


def test_jsonl_zstd(tmp_path: Path):
    zstandard = pytest.importorskip("zstandard")
    data = write_jsonl(tmp_path / "plain.jsonl", RECORDS).read_bytes()
    path = tmp_path / "batch.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(data))
    check_records(read([path]), str(path), "batch")


def test_jsonl_ids_under_a_folder_include_the_relative_path(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    write_jsonl(tmp_path / "sub" / "part-0.jsonl", ["{}"])
    write_jsonl(tmp_path / "sub" / "part-1.jsonl", [{"text": "x"}])
    got = read([tmp_path])
    assert [p.id for p in pages(got)] == ["sub/part-1:1"]
    assert [i.source for i in issues(got)] == [str(tmp_path / "sub" / "part-0.jsonl") + ":1"]


def test_jsonl_custom_columns(tmp_path: Path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"body": "B", "doc": "d1", "link": "https://e.com", "id": 7}])
    (page,) = pages(read([path], text_column="body", id_column="doc", url_column="link"))
    assert (page.id, page.content, page.url, page.metadata) == ("d1", "B", "https://e.com", {"id": 7})


def test_jsonl_invalid_utf8_line_is_repaired_with_a_warning(tmp_path: Path):
    path = tmp_path / "u.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n{"text": "ok"}\n')
    got = read([path])
    assert [p.content for p in pages(got)] == ["caf\ufffd", "ok"]
    (warning,) = issues(got)
    assert not warning.fatal and warning.source == f"{path}:1"


def test_truncated_gzip_jsonl_reports_the_rest_and_the_run_goes_on(tmp_path: Path):
    records = [{"text": f"record {n} " + "filler " * 50} for n in range(2000)]
    whole = write_jsonl(tmp_path / "whole.jsonl.gz", records, opener=gzip.open).read_bytes()
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "z.txt").write_text("after\n", encoding="utf-8")
    got = read([tmp_path / "cut.jsonl.gz", tmp_path / "z.txt"])
    got_pages = pages(got)
    assert 0 < len(got_pages) - 1 < 2000 and got_pages[-1].id == "z"
    (issue,) = issues(got)
    assert issue.fatal and issue.source == str(tmp_path / "cut.jsonl.gz") and "truncated" in issue.message


def test_truncated_zstd_jsonl_is_reported(tmp_path: Path):
    zstandard = pytest.importorskip("zstandard")
    data = b"".join(b'{"text": "record %d"}\n' % n for n in range(50_000))
    packed = zstandard.ZstdCompressor().compress(data)
    (tmp_path / "cut.jsonl.zst").write_bytes(packed[: len(packed) // 2])
    got = read([tmp_path / "cut.jsonl.zst"])
    assert 0 < len(pages(got)) < 50_000
    (issue,) = issues(got)
    assert issue.fatal and "truncated" in issue.message


def test_not_gzip_at_all(tmp_path: Path):
    (tmp_path / "fake.jsonl.gz").write_bytes(b'{"text": "plain"}\n')
    (issue,) = read([tmp_path / "fake.jsonl.gz"])
    assert issue.fatal and "gzip" in issue.message
