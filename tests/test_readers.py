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
    (hidden,) = issues(got)  # .hidden.txt: skipped, with a word
    assert not hidden.fatal and hidden.source.endswith(".hidden.txt") and "starts with '.'" in hidden.message
    assert [p.id for p in pages(got)] == ["2024/05/story.v2", "a", "b"]
    first = pages(got)[1]
    assert first.kind == "text" and first.content == "First line\n\nSecond line\n"
    assert first.source == os.path.join(str(dumps), "a.txt")


def test_ids_are_stable_across_spellings_of_the_argument(dumps: Path, monkeypatch):
    monkeypatch.chdir(dumps.parent)
    spellings = ["dumps", "./dumps/", str(dumps), str(dumps) + "/", "dumps/../dumps"]
    ids = [[p.id for p in pages(read([s]))] for s in spellings]
    assert ids[0]
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
        ("binary.txt", "binary file (a PNG image), not a text dump", True),
        ("blank.txt", "empty file", False),
        ("empty.txt", "empty file", False),
        ("latin1.txt", "invalid UTF-8 replaced with U+FFFD", False),
        ("missing.txt", "no such file or directory", True),
    }


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("x\n", encoding="utf-8")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the open itself refuse, as it would for a user
        import cleaner.io.fs

        real_open = cleaner.io.fs.open_input_stream

        def refusing_open(location):
            if str(location) == str(path):
                raise PermissionError(13, "Permission denied", str(location))
            return real_open(location)

        monkeypatch.setattr(cleaner.io.fs, "open_input_stream", refusing_open)
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


def test_pages_over_the_limits_are_reported_and_skipped(tmp_path: Path):
    (tmp_path / "big.txt").write_bytes(b"word " * 300)  # 1500 bytes
    (tmp_path / "longline.txt").write_bytes(b"short\n" + b"x" * 200 + b"\nshort\n")
    (tmp_path / "ok.txt").write_bytes(b"short line\n" * 50)
    with gzip.open(tmp_path / "bomb.txt.gz", "wb") as fh:
        fh.write(b"a" * 5_000_000)
    (tmp_path / "huge.html").write_bytes(b"<p>" + b"x" * 2000 + b"</p>")
    got = list(iter_pages([str(tmp_path)], Config(max_page_bytes=1000, max_line_chars=100)))
    assert [p.id for p in pages(got)] == ["ok"]
    messages = {Path(i.source).name: i.message for i in issues(got)}
    assert messages == {
        "big.txt": "page larger than 1000 bytes (--max-page-bytes): skipped",
        "bomb.txt.gz": "page larger than 1000 bytes (--max-page-bytes): skipped",
        "huge.html": "page larger than 1000 bytes (--max-page-bytes): skipped",
        "longline.txt": "a line of more than 100 characters (--max-line-chars): page skipped",
    }
    assert all(i.fatal and i.level == "error" for i in issues(got))


def test_over_limit_records_are_skipped_without_being_held(tmp_path: Path):
    path = tmp_path / "r.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "a", "text": "small"}) + "\n")
        fh.write('{"id": "bomb", "text": "' + "b" * 3_000_000 + '"}\n')
        fh.write(json.dumps({"id": "c", "text": "y" * 900}) + "\n")  # a line over the limit, a page over too
        fh.write(json.dumps({"id": "d", "text": "last"}) + "\n")
    got = list(iter_pages([str(path)], Config(max_page_bytes=500)))
    assert [p.id for p in pages(got)] == ["a", "d"]
    assert [(i.source, i.fatal) for i in issues(got)] == [(f"{path}:2", True), (f"{path}:3", True)]


def test_compressed_reads_are_accounted_in_decompressed_bytes(tmp_path: Path):
    from cleaner.io.base import InputFile
    from cleaner.io.compression import Decompressed, iter_lines, read_bounded

    path = tmp_path / "z.txt.gz"
    path.write_bytes(gzip.compress(b"line\n" * 100_000))
    entry = InputFile(str(path), "z", "txt", "gzip")
    assert read_bounded(entry, 1000) is None
    assert read_bounded(entry, 600_000) == b"line\n" * 100_000
    with Decompressed(entry) as stream:
        while stream.read():
            pass
        assert stream.consumed == 500_000
    lines = list(iter_lines(entry, 10))
    assert len(lines) == 100_000 and lines[0] == (1, b"line") and lines[-1] == (100_000, b"line")


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


# --- HTML files -------------------------------------------------------------------------------

PAGE = """<html><head>{head}</head><body><p>Body text of the page.</p></body></html>"""


@pytest.mark.parametrize(
    ("head", "url"),
    [
        (
            '<link rel="canonical" href="https://ex.com/a?x=1&amp;y=2"><meta property="og:url" content="https://o.com/">',
            "https://ex.com/a?x=1&y=2",
        ),
        ("<meta property='og:url' content='https://og.example.com/story'>", "https://og.example.com/story"),
        ('<LINK REL="alternate canonical" HREF="//cdn.example.com/p">', "https://cdn.example.com/p"),
        ('<link rel="canonical" href="/relative/path">', None),
        ("", None),
    ],
)
def test_html_file_url(tmp_path: Path, head: str, url: str | None):
    (tmp_path / "p.html").write_text(PAGE.format(head=head), encoding="utf-8")
    (page,) = read([tmp_path / "p.html"])
    assert (page.id, page.kind, page.url) == ("p", "html", url)


def test_html_encodings(tmp_path: Path):
    stale = '<html><head><meta charset="iso-8859-1"></head><body><p>Café</p></body></html>'
    (tmp_path / "stale.htm").write_bytes(stale.encode("utf-8"))
    latin = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
    (tmp_path / "latin.html").write_bytes((latin + "<body><p>Café “quoted”</p></body></html>").encode("cp1252"))
    (tmp_path / "broken.html").write_bytes(b"<html><body><p>caf\xe9 \xff</p></body></html>")
    got = read([tmp_path])
    by_id = {p.id: p.content for p in pages(got)}
    assert "Café" in by_id["stale"] and "Café “quoted”" in by_id["latin"]
    assert "caf\ufffd" in by_id["broken"]
    (warning,) = issues(got)
    assert not warning.fatal and warning.source.endswith("broken.html")


def test_shipped_samples_read_without_issues():
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "inputs"
    got = read([fixtures])
    assert not issues(got)
    kinds = {p.id: p.kind for p in pages(got)}
    assert kinds["html/article"] == "html" and kinds["dumps/cup-final"] == "text"
    assert kinds["rec-3"] == "html" and kinds["records:2"] == "text"
    assert kinds["urn:uuid:11111111-1111-1111-1111-111111111111"] == "text"


# --- WARC / WET -------------------------------------------------------------------------------

HTML = b"<html><body><article><p>An article long enough to be extracted from the archive.</p></article></body></html>"


def warc_record(
    kind: str,
    rid: str,
    uri: str,
    payload: bytes,
    *,
    http_type: str | None = "text/html; charset=utf-8",
    status: str = "200 OK",
) -> bytes:
    if kind == "response":
        header = f"HTTP/1.1 {status}\r\n" + (f"Content-Type: {http_type}\r\n" if http_type else "")
        block = (header + f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
        content_type = "application/http; msgtype=response"
    else:
        block, content_type = payload, "text/plain"
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\nWARC-Date: 2024-05-01T00:00:00Z\r\n"
        f"WARC-Target-URI: {uri}\r\nContent-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def sample_records() -> list[bytes]:
    return [
        warc_record("request", "r0", "https://a.example/1", b"GET / HTTP/1.1\r\n\r\n"),
        warc_record("response", "r1", "https://a.example/1", HTML),
        warc_record("response", "r2", "https://a.example/logo.png", b"\x89PNG\r\n\x00\x00", http_type="image/png"),
        warc_record("response", "r3", "https://a.example/moved", b"<html>moved</html>", status="301 Moved"),
        warc_record(
            "response", "r4", "https://a.example/fake", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", http_type="text/html"
        ),
        warc_record("response", "r5", "https://a.example/2", HTML.replace(b"An article", b"Another article")),
    ]


def test_warc_and_warc_gz(tmp_path: Path):
    pytest.importorskip("fastwarc")
    records = sample_records()
    (tmp_path / "crawl.warc").write_bytes(b"".join(records))
    (tmp_path / "crawl2.warc.gz").write_bytes(b"".join(gzip.compress(r) for r in records))
    for name in ("crawl.warc", "crawl2.warc.gz"):
        got = read([tmp_path / name])
        assert [(p.id, p.url, p.kind) for p in pages(got)] == [
            ("urn:uuid:r1", "https://a.example/1", "html"),
            ("urn:uuid:r5", "https://a.example/2", "html"),
        ]
        assert pages(got)[0].content == HTML.decode() and pages(got)[0].metadata["warc_date"].startswith("2024")
        (bad,) = issues(got)
        assert bad.fatal and bad.source == f"{tmp_path / name}#urn:uuid:r4" and "binary payload" in bad.message


def test_wet_conversion_records(tmp_path: Path):
    pytest.importorskip("fastwarc")
    text = "Headline\nFirst paragraph of the article.\nSecond paragraph."
    data = warc_record("conversion", "w1", "https://b.example/x", text.encode()) + warc_record(
        "conversion", "w2", "https://b.example/y", b"caf\xe9"
    )
    (tmp_path / "seg.wet.gz").write_bytes(gzip.compress(data))
    got = read([tmp_path / "seg.wet.gz"])
    assert [(p.id, p.kind, p.content) for p in pages(got)] == [
        ("urn:uuid:w1", "text", text),
        ("urn:uuid:w2", "text", "caf\ufffd"),
    ]
    (warning,) = issues(got)
    assert not warning.fatal


def test_broken_warc_record_is_reported_and_reading_goes_on(tmp_path: Path):
    pytest.importorskip("fastwarc")
    records = sample_records()
    broken = b"WARC/1.0\r\nthis is no header line\r\n\r\ngarbage\r\n\r\n"
    (tmp_path / "broken.warc").write_bytes(records[1] + broken + records[5])
    got = read([tmp_path / "broken.warc"])
    assert [p.id for p in pages(got)] == ["urn:uuid:r1", "urn:uuid:r5"]
    (issue,) = issues(got)
    assert issue.fatal and "invalid WARC record" in issue.message


def test_truncated_warc_gz_and_garbage_are_reported_and_the_run_goes_on(tmp_path: Path):
    pytest.importorskip("fastwarc")
    whole = b"".join(gzip.compress(r) for r in sample_records())
    (tmp_path / "cut.warc.gz").write_bytes(whole[:-40])
    (tmp_path / "junk.warc").write_bytes(b"this is not a WARC file\n" * 20)
    (tmp_path / "z.txt").write_text("after\n", encoding="utf-8")
    got = read([tmp_path / "cut.warc.gz", tmp_path / "junk.warc", tmp_path / "z.txt"])
    assert [p.id for p in pages(got)] == ["urn:uuid:r1", "z"]
    messages = [(Path(i.source.split("#")[0]).name, i.fatal) for i in issues(got)]
    assert messages == [("cut.warc.gz", True), ("cut.warc.gz", True), ("junk.warc", True)]
    assert "truncated" in issues(got)[1].message and "not a WARC file" in issues(got)[2].message


# --- Parquet ----------------------------------------------------------------------------------


def write_parquet(path: Path, columns: dict, row_group_size: int | None = None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path


def test_parquet_rows_in_batches(tmp_path: Path, monkeypatch):
    import cleaner.io.formats.parquet as parquet_in

    monkeypatch.setattr(parquet_in, "BATCH_ROWS", 2)
    n = 5
    path = write_parquet(
        tmp_path / "part.parquet",
        {
            "text": [f"page {i}" if i != 3 else None for i in range(n)],
            "url": ["https://e.com"] * n,
            "score": [i / 2 for i in range(n)],
        },
        row_group_size=2,
    )
    got = read([path])
    assert [(p.id, p.content, p.url, p.metadata) for p in pages(got)] == [
        (f"part:{i}", f"page {i}", "https://e.com", {"score": i / 2}) for i in (0, 1, 2, 4)
    ]
    (issue,) = issues(got)
    assert issue.fatal and issue.source == f"{path}:3" and issue.message == "'text' is null"


def test_parquet_custom_columns_and_ids(tmp_path: Path):
    path = write_parquet(tmp_path / "c.parquet", {"body": ["A", "B"], "doc_id": ["x", "y"], "link": [None, "u"]})
    got = read([path], text_column="body", id_column="doc_id", url_column="link")
    assert [(p.id, p.content, p.url) for p in pages(got)] == [("x", "A", None), ("y", "B", "u")]
    (issue,) = read([path])
    assert issue.fatal and "no 'text' column" in issue.message


def test_not_a_parquet_file(tmp_path: Path):
    (tmp_path / "fake.parquet").write_bytes(b"PAR1 but not really")
    (issue,) = read([tmp_path / "fake.parquet"])
    assert issue.fatal and "Parquet" in issue.message


# --- everything together ----------------------------------------------------------------------


def test_mixed_inputs_in_one_call(tmp_path: Path, dumps: Path):
    pytest.importorskip("fastwarc")
    write_jsonl(tmp_path / "r.jsonl", [{"text": "json page"}, "{oops"])
    (tmp_path / "p.html").write_text(PAGE.format(head=""), encoding="utf-8")
    (tmp_path / "c.warc.gz").write_bytes(b"".join(gzip.compress(r) for r in sample_records()[:2]))
    write_parquet(tmp_path / "t.parquet", {"text": ["parquet page"]})
    args = [tmp_path / "t.parquet", dumps, tmp_path / "r.jsonl", tmp_path / "p.html", tmp_path / "c.warc.gz"]
    got = read(args)
    assert [p.id for p in pages(got)] == [
        "t:0",
        "2024/05/story.v2",
        "a",
        "b",
        "r:1",
        "p",
        "urn:uuid:r1",
    ]
    assert [i.source for i in issues(got, fatal=True)] == [f"{tmp_path / 'r.jsonl'}:2"]
    assert read(args) == got  # deterministic


def test_forced_format_applies_to_every_file(tmp_path: Path):
    write_jsonl(tmp_path / "a.data", [{"text": "x"}])
    (page,) = read([tmp_path], format="jsonl")
    assert page.id == "a.data:1"
    (issue,) = read([tmp_path], format="csv")
    assert issue.fatal and "unknown format" in issue.message


def test_a_few_stray_nul_bytes_do_not_make_a_page_binary(tmp_path: Path):
    text = "A real page whose CMS left a stray NUL \x00 in the middle of an otherwise fine paragraph.\n"
    text += "The rest of the article is ordinary text, one paragraph after another.\n" * 20
    (tmp_path / "page.txt").write_bytes(text.encode())
    (tmp_path / "web.html").write_bytes(f"<html><body><p>{text}</p></body></html>".encode())
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" * 50)
    got = read([tmp_path])
    assert sorted(Path(p.source).name for p in pages(got)) == ["page.txt", "web.html"]
    assert [(Path(i.source).name, i.message) for i in issues(got)] == [
        ("image.txt", "binary file (a PNG image), not a text dump")
    ]


# --- records that must not sink a file (issue 11) ---------------------------------------------


def test_lone_surrogates_are_replaced_with_a_warning(tmp_path: Path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a\\ud800", "text": "broken \\udc00 text", "tag": "x\\ud83d", "ok": "\\ud83d\\ude00"}\n'
        '{"id": "b", "text": "fine"}\n',
        encoding="utf-8",
    )
    got = read([path])
    first, second = pages(got)
    assert (first.id, first.content, first.metadata) == (
        "a\ufffd",
        "broken \ufffd text",
        {"tag": "x\ufffd", "ok": "😀"},
    )
    assert second.id == "b"
    (warning,) = issues(got)
    assert warning.level == "warning" and warning.source == f"{path}:1" and "surrogate" in warning.message


def test_integer_id_beyond_the_digit_limit_loses_only_its_record(tmp_path: Path):
    path = tmp_path / "ids.jsonl"
    path.write_text(
        '{"id": 1, "text": "one"}\n' + '{"id": ' + "9" * 5000 + ', "text": "huge"}\n' + '{"id": 3, "text": "three"}\n',
        encoding="utf-8",
    )
    got = read([path])
    assert [p.id for p in pages(got)] == ["1", "3"]
    (issue,) = issues(got)
    assert issue.fatal and issue.source == f"{path}:2"
    assert issue.message == "invalid JSON: an integer of 5000 digits (at most 4300 are read)"


def test_pandas_nanosecond_timestamps_are_read(tmp_path: Path):
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = pa.array([1_700_000_000_123_456_789, 1_700_000_000_000_000_000], pa.timestamp("ns"))
    table = pa.table({"text": ["a page", "another"], "crawled": stamps, "tz": stamps.cast(pa.timestamp("ns", "UTC"))})
    pq.write_table(table, tmp_path / "ns.parquet")
    got = read([tmp_path / "ns.parquet"])
    first, second = pages(got)
    assert first.metadata["crawled"] == datetime.datetime(2023, 11, 14, 22, 13, 20, 123456)
    assert second.metadata["tz"].tzinfo is not None
    assert [(i.message, i.fatal) for i in issues(got)] == [
        ("column 'crawled': nanoseconds truncated to microseconds", False),
        ("column 'tz': nanoseconds truncated to microseconds", False),
    ]


def test_same_file_twice_is_read_once(tmp_path: Path):
    (tmp_path / "f.txt").write_text("page\n", encoding="utf-8")
    got = read([tmp_path / "f.txt", tmp_path / "f.txt", tmp_path])
    assert [p.id for p in pages(got)] == ["f"]
    assert [(i.level, "read once" in i.message) for i in issues(got)] == [("warning", True), ("warning", True)]


def test_two_files_with_one_id_are_refused_before_any_page(tmp_path: Path):
    from cleaner.errors import ConfigError
    from cleaner.io.readers import check_inputs

    for folder in ("A", "B"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(f"page of {folder}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"A/x\.txt and .*B/x\.txt would give pages the same id 'x'.*parent"):
        check_inputs([str(tmp_path / "A"), str(tmp_path / "B")], Config())
    with pytest.raises(ConfigError):
        next(iter_pages([str(tmp_path / "A"), str(tmp_path / "B")], Config()))
    assert sorted(p.id for p in pages(read([tmp_path]))) == ["A/x", "B/x"]  # the parent folder keeps them apart
    (tmp_path / "A" / "x.html").write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(ConfigError, match="rename one"):
        check_inputs([str(tmp_path / "A")], Config())


def test_repeated_record_ids_are_skipped_naming_the_first(tmp_path: Path):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "same", "text": "first"}, {"id": "other", "text": "x"}])
    write_jsonl(tmp_path / "b.jsonl", [{"id": "same", "text": "second"}, {"id": "same", "text": "third"}])
    got = read([tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
    assert [(p.id, p.content) for p in pages(got)] == [("same", "first"), ("other", "x")]
    assert [i.message for i in issues(got)] == [
        f"duplicate id 'same' (first seen in {tmp_path / 'a.jsonl'}): skipped"
    ] * 2


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (bytes(range(256)) * 64, "binary file, not a text dump"),
        (gzip.compress(b"a text page\n" * 100), "binary file (gzip data), not a text dump (name it .gz to read it)"),
        (
            b"\x89PNG\r\n\x1a\n" + os.urandom(4000).replace(b"\x00", b"\x01"),
            "binary file (a PNG image), not a text dump",
        ),
    ],
)
def test_binary_content_without_nul_bytes_is_detected(tmp_path: Path, data: bytes, kind: str):
    import random

    rng = random.Random(7)
    noise = bytes(rng.choice(range(1, 256)) for _ in range(20000))  # random bytes, no NUL at all
    (tmp_path / "noise.txt").write_bytes(noise)
    (tmp_path / "data.txt").write_bytes(data.replace(b"\x00", b"\x02") if "PNG" not in kind else data)
    got = read([tmp_path / "noise.txt", tmp_path / "data.txt"])
    assert not pages(got)
    assert [i.message for i in issues(got)] == ["binary file, not a text dump", kind]


def test_text_in_an_8bit_encoding_is_not_binary(tmp_path: Path):
    (tmp_path / "cyr.txt").write_bytes("Новости дня: всё спокойно.\n".encode("cp1251") * 50)
    got = read([tmp_path / "cyr.txt"])
    assert len(pages(got)) == 1 and [i.message for i in issues(got)] == ["invalid UTF-8 replaced with U+FFFD"]


def test_fifo_and_hidden_files_in_a_folder_are_skipped_with_a_word(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "_draft.txt").write_text("draft\n", encoding="utf-8")
    (tmp_path / ".x.txt").write_text("hidden\n", encoding="utf-8")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "_SUCCESS").write_text("", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("page\n", encoding="utf-8")
    got = read([tmp_path])  # would block forever if the FIFO were opened
    assert [p.id for p in pages(got)] == ["ok"]
    messages = {Path(i.source).name: (i.level, i.message) for i in issues(got)}
    assert messages["pipe.txt"] == ("warning", "skipped: not a regular file (a FIFO, socket or device)")
    assert messages["_draft.txt"][1].startswith("skipped: the name starts with '.' or '_'")
    assert set(messages) == {"pipe.txt", "_draft.txt", ".x.txt"}
    (page,) = read([tmp_path / "_draft.txt"])  # named as an argument, it is read
    assert page.id == "_draft"


def test_stdin_is_read_as_json_lines(monkeypatch):
    import io
    import sys

    data = b'{"id": "s1", "text": "from stdin"}\n{"text": "second"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    got = read(["-"])
    assert [(p.id, p.source, p.content) for p in pages(got)] == [("s1", "-", "from stdin"), ("stdin:2", "-", "second")]


def test_a_format_is_one_module_in_the_registry():
    from cleaner.io import formats

    assert set(formats.FORMATS) == {"txt", "jsonl", "html", "warc", "wet", "parquet"}
    assert formats.EXTENSIONS[".ndjson"] == "jsonl" and formats.EXTENSIONS[".htm"] == "html"
    for name, fmt in formats.REGISTRY.items():
        assert fmt.name == name and fmt.extensions and callable(fmt.read)
