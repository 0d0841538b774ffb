"""Readers: turn input paths into a stream of `Page`s and `ReadIssue`s.

`iter_pages(paths, config)` is the one entry point. It walks the arguments in
order (a folder recursively, in sorted path order), picks each file's format
from its extension (or `config.format`), and yields pages one at a time, so
memory does not grow with the input. A file or record that cannot be used is
reported as a `ReadIssue` and skipped; readers never raise on bad input.

Formats and ids
---------------

The id of a page is derived from where it is, never from run order:

* ``<file id>`` is the file's path relative to the folder argument, posix
  separators, with its format and compression extensions removed
  (``news/2024/a.txt.gz`` under argument ``news`` → ``2024/a``); a file given
  directly as an argument has its stem (``a``). The same file gives the same
  id however the argument is spelled (``news``, ``./news/``, an absolute
  path), as long as the argument names the same folder.
* text dumps (``.txt``): one page per file, id ``<file id>``.
* JSON Lines (``.jsonl``): one page per line. ``text`` is the dump (``html``
  is used, as HTML, when a record has no ``text``); ``id`` is kept verbatim
  when present, else ``<file id>:<line number>``; ``url`` is optional; every
  other field goes to `Page.metadata`. The field names are
  `config.text_column`, `config.id_column` and `config.url_column`
  (default ``text``, ``id``, ``url``).
* HTML (``.html``, ``.htm``): one page per file, id ``<file id>``, url from
  ``<link rel="canonical">`` or ``og:url``.
* WARC/WET (``.warc``, ``.wet``): one page per HTML response or WET
  conversion record; id is the WARC-Record-ID without angle brackets.
* Parquet (``.parquet``): one page per row; id from `config.id_column`, else
  ``<file id>:<row index>`` (counted from 0).

Any of these may carry ``.gz`` or ``.zst`` after the extension (Parquet and
WARC use their own internal compression instead of ``.zst``).

`Page.source` is the file's path as given (the argument joined with the path
under it), for every format; a `ReadIssue` about one record names
``<path>:<line>`` (JSON Lines), ``<path>:<row>`` (Parquet) or
``<path>#<record id or offset>`` (WARC).
"""

from __future__ import annotations

import gzip
import html as html_lib
import io
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from cleaner.config import Config
from cleaner.document import Page

FORMATS = ("txt", "jsonl", "html", "warc", "wet", "parquet")
EXTENSIONS = {
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".warc": "warc",
    ".wet": "wet",
    ".parquet": "parquet",
}
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """A problem a reader met. `fatal`: the input (or record) was skipped and counts as an
    error; otherwise a warning about a page that was still yielded (or an empty file)."""

    source: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read: where it is, how to name its pages, and how to decode it."""

    path: str
    id: str
    format: str
    compression: str | None


Item = Page | ReadIssue


def iter_pages(paths: list[str], config: Config) -> Iterator[Item]:
    """Yield every page of every input, in argument order, with problems as `ReadIssue`s."""
    for arg in paths:
        for entry in iter_inputs(str(arg), config):
            if isinstance(entry, ReadIssue):
                yield entry
            else:
                yield from read_file(entry, config)


def iter_inputs(arg: str, config: Config) -> Iterator[InputFile | ReadIssue]:
    """The files one argument names: itself, or every file under a folder in sorted path order."""
    forced = _forced_format(config)
    if isinstance(forced, ReadIssue):
        yield forced
        return
    if os.path.isdir(arg):
        yield from _walk(arg, forced)
    elif os.path.isfile(arg):
        name = os.path.basename(arg)
        fmt, compression, stem = split_name(name, forced)
        if fmt is None:
            yield ReadIssue(arg, f"unknown input format {_suffix(name)!r}: use --format {'|'.join(FORMATS)}")
        else:
            yield InputFile(arg, stem, fmt, compression)
    elif os.path.lexists(arg) and not os.path.exists(arg):
        yield ReadIssue(arg, "broken symbolic link")
    elif os.path.exists(arg):
        yield ReadIssue(arg, "not a regular file or folder")
    else:
        yield ReadIssue(arg, "no such file or directory")


def _forced_format(config: Config) -> str | ReadIssue | None:
    fmt = getattr(config, "format", None)
    if fmt is None or fmt in FORMATS:
        return fmt
    return ReadIssue("--format", f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def _walk(root: str, forced: str | None) -> Iterator[InputFile | ReadIssue]:
    errors: list[OSError] = []
    found: list[tuple[tuple[str, ...], str]] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_folder = os.path.relpath(folder, root)
        parts = () if rel_folder == "." else tuple(rel_folder.split(os.sep))
        for name in files:
            if not name.startswith((".", "_")):
                found.append(((*parts, name), os.path.join(folder, name)))
    for exc in errors:
        yield ReadIssue(exc.filename or root, f"cannot list folder: {exc.strerror or exc}")
    for parts, path in sorted(found):
        fmt, compression, stem = split_name(parts[-1], forced)
        if fmt is None:
            yield ReadIssue(path, "skipped: not a known input format (--format forces one)", fatal=False)
            continue
        file_id = "/".join((*parts[:-1], stem))
        yield InputFile(path, file_id, fmt, compression)


def split_name(name: str, forced: str | None = None) -> tuple[str | None, str | None, str]:
    """Split a file name into (format, compression, stem without those extensions).

    >>> split_name("a.jsonl.gz")
    ('jsonl', 'gzip', 'a')
    >>> split_name("story.v2.txt")
    ('txt', None, 'story.v2')
    >>> split_name("dump", "txt")
    ('txt', None, 'dump')
    """
    stem, compression = name, None
    for suffix, kind in COMPRESSIONS.items():
        if stem.lower().endswith(suffix) and len(stem) > len(suffix):
            stem, compression = stem[: -len(suffix)], kind
            break
    fmt = None
    for suffix, kind in EXTENSIONS.items():
        if stem.lower().endswith(suffix) and len(stem) > len(suffix):
            stem, fmt = stem[: -len(suffix)], kind
            break
    return (forced or fmt), compression, stem


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1] or name


def read_file(entry: InputFile, config: Config) -> Iterator[Item]:
    """Yield the pages of one file; any failure becomes a fatal `ReadIssue` for the rest of it."""
    try:
        if entry.format == "txt":
            yield from _read_txt(entry)
        elif entry.format == "jsonl":
            yield from _read_jsonl(entry, config)
        elif entry.format == "html":
            yield from _read_html(entry)
        elif entry.format in ("warc", "wet"):
            from cleaner.io.warc import read_warc

            yield from read_warc(entry, config)
        elif entry.format == "parquet":
            from cleaner.io.parquet_in import read_parquet

            yield from read_parquet(entry, config)
        else:  # pragma: no cover - split_name only gives known formats
            yield ReadIssue(entry.path, f"unknown format {entry.format!r}")
    except MissingDependency as exc:
        yield ReadIssue(entry.path, str(exc))
    except PermissionError:
        yield ReadIssue(entry.path, "cannot read: permission denied")
    except IsADirectoryError:
        yield ReadIssue(entry.path, "cannot read: is a directory")
    except FileNotFoundError:
        yield ReadIssue(entry.path, "cannot read: file disappeared")
    except CORRUPT_ERRORS as exc:
        yield ReadIssue(entry.path, f"corrupt or truncated {entry.compression or 'compressed'} data: {exc}")
    except OSError as exc:
        yield ReadIssue(entry.path, f"cannot read: {exc.strerror or exc}")
    except MemoryError:
        yield ReadIssue(entry.path, "cannot read: out of memory")
    except Exception as exc:  # noqa: BLE001 - a reader bug must not end the run: name it, go on
        yield ReadIssue(entry.path, f"cannot read: unexpected {type(exc).__name__}: {exc}")


# --- compression ------------------------------------------------------------------------------


class MissingDependency(Exception):
    """An optional package a format needs is not installed; the message says how to install it."""


def _zstd():
    try:
        import zstandard
    except ImportError:
        raise MissingDependency("reading .zst files needs zstandard: pip install zstandard") from None
    return zstandard


class _ZstdRaw(io.RawIOBase):
    """A raw zstd decompressing reader that, unlike zstandard's, reports a truncated frame."""

    def __init__(self, fh: IO[bytes]):
        self._fh = fh
        self._zstd = _zstd()
        self._dobj = self._zstd.ZstdDecompressor().decompressobj()
        self._pending = b""
        self._offset = 0
        self._in_frame = False
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._offset >= len(self._pending) and not self._done:
            chunk = self._fh.read(_CHUNK)
            if not chunk:
                self._done = True
                if self._in_frame:
                    raise EOFError("zstd stream ended in the middle of a frame")
                break
            self._feed(chunk)
        n = min(len(buffer), len(self._pending) - self._offset)
        buffer[:n] = memoryview(self._pending)[self._offset : self._offset + n]
        self._offset += n
        return n

    def _feed(self, data: bytes) -> None:
        out = []
        while data:
            self._in_frame = True
            out.append(self._dobj.decompress(data))
            if self._dobj.eof:
                self._in_frame = False
                data = self._dobj.unused_data
                self._dobj = self._zstd.ZstdDecompressor().decompressobj()
            else:
                data = b""
        self._pending, self._offset = b"".join(out), 0

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_binary(path: str, compression: str | None) -> IO[bytes]:
    """Open a file for reading bytes, decompressing gzip or zstd on the fly."""
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "zstd":
        _zstd()
        return io.BufferedReader(_ZstdRaw(open(path, "rb")), buffer_size=_CHUNK)
    return open(path, "rb")


def _corrupt_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [EOFError, gzip.BadGzipFile, zlib.error]
    try:
        import zstandard

        errors.append(zstandard.ZstdError)
    except ImportError:
        pass
    return tuple(errors)


CORRUPT_ERRORS = _corrupt_errors()


def read_bytes(entry: InputFile) -> bytes:
    with open_binary(entry.path, entry.compression) as fh:
        return fh.read()


# --- decoding ---------------------------------------------------------------------------------


def looks_binary(data: bytes) -> bool:
    """True when NUL bytes are more than a stray few: over 1% of the first 64 KiB (and at least two).

    Real pages sometimes carry a few NULs from a broken CMS; an image, archive or
    executable has them everywhere.
    """
    sample = data[:65536]
    return sample.count(0) > max(1, len(sample) // 100)


def decode_utf8(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8 (a BOM dropped); return the text and whether bad bytes were replaced by U+FFFD."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="replace"), True


def _is_utf16(data: bytes) -> bool:
    return data[:2] in (b"\xff\xfe", b"\xfe\xff")


def _decode_dump(entry: InputFile, data: bytes, what: str) -> Iterator[Item | str]:
    """Shared checks for one-page files: empty, binary, UTF-16, invalid UTF-8. Yields issues,
    then the text as its last item (nothing when the file is skipped)."""
    if not data.strip():
        yield ReadIssue(entry.path, "empty file", fatal=False)
        return
    if _is_utf16(data):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            yield ReadIssue(entry.path, f"binary file, not {what}")
            return
        yield ReadIssue(entry.path, "decoded as UTF-16 (byte-order mark)", fatal=False)
        yield text
        return
    if looks_binary(data):
        yield ReadIssue(entry.path, f"binary file, not {what}")
        return
    text, replaced = decode_utf8(data)
    if replaced:
        yield ReadIssue(entry.path, "invalid UTF-8 replaced with U+FFFD", fatal=False)
    yield text


# --- text dumps -------------------------------------------------------------------------------


def _read_txt(entry: InputFile) -> Iterator[Item]:
    data = read_bytes(entry)
    for item in _decode_dump(entry, data, "a text dump"):
        if isinstance(item, str):
            yield Page(id=entry.id, source=entry.path, content=item, kind="text")
        else:
            yield item


# --- JSON Lines -------------------------------------------------------------------------------


def _read_jsonl(entry: InputFile, config: Config) -> Iterator[Item]:
    number = 0
    with open_binary(entry.path, entry.compression) as fh:
        try:
            for number, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                yield from _jsonl_record(entry, config, number, raw)
        except CORRUPT_ERRORS as exc:
            message = f"corrupt or truncated {entry.compression} data after line {number}: {exc}"
            yield ReadIssue(entry.path, message)


def _jsonl_record(entry: InputFile, config: Config, number: int, raw: bytes) -> Iterator[Item]:
    where = f"{entry.path}:{number}"
    text, replaced = decode_utf8(raw)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        yield ReadIssue(where, f"invalid JSON: {exc.msg} (column {exc.colno})")
        return
    except RecursionError:
        yield ReadIssue(where, "invalid JSON: nested too deeply")
        return
    if not isinstance(record, dict):
        yield ReadIssue(where, f"not a JSON object (a {type(record).__name__})")
        return
    item = record_to_page(record, config, default_id=f"{entry.id}:{number}", source=entry.path, where=where)
    if isinstance(item, Page) and replaced:
        yield ReadIssue(where, "invalid UTF-8 replaced with U+FFFD", fatal=False)
    yield item


def record_to_page(record: dict[str, Any], config: Config, *, default_id: str, source: str, where: str) -> Item:
    """Make a page from one record (a JSON object or a Parquet row), or say why not.

    The text column is the dump; without it, an ``html`` field is read as HTML. The id column is
    kept verbatim (a string or an integer), else `default_id`; every other field goes to metadata.
    """
    text_key, id_key, url_key = config.text_column, config.id_column, config.url_column
    text, kind = record.get(text_key), "text"
    if text is None and isinstance(record.get("html"), str):
        text, kind = record["html"], "html"
    if text is None:
        missing = f"{text_key!r} is null" if text_key in record else f"no {text_key!r} field in the record"
        return ReadIssue(where, missing)
    if not isinstance(text, str):
        return ReadIssue(where, f"{text_key!r} is not a string (a {type(text).__name__})")
    raw_id = record.get(id_key)
    if raw_id is None:
        page_id = default_id
    elif isinstance(raw_id, str):
        page_id = raw_id
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        page_id = str(raw_id)
    else:
        return ReadIssue(where, f"{id_key!r} must be a string or an integer, not {type(raw_id).__name__}")
    url = record.get(url_key)
    url = None if url is None or url == "" else str(url)
    skip = {text_key, id_key, url_key, "html"}
    metadata = {k: v for k, v in record.items() if k not in skip}
    return Page(id=page_id, source=source, content=text, kind=kind, url=url, metadata=metadata)


# --- HTML files -------------------------------------------------------------------------------


def _read_html(entry: InputFile) -> Iterator[Item]:
    data = read_bytes(entry)
    if not data.strip():
        yield ReadIssue(entry.path, "empty file", fatal=False)
        return
    if looks_binary(data) and not _is_utf16(data):
        yield ReadIssue(entry.path, "binary file, not HTML")
        return
    text, issue = decode_html(data)
    if issue:
        yield ReadIssue(entry.path, issue, fatal=False)
    yield Page(id=entry.id, source=entry.path, content=text, kind="html", url=find_page_url(text))


def decode_html(data: bytes, charset: str | None = None) -> tuple[str, str | None]:
    """Decode an HTML page: UTF-8 first (a stale charset label is common), then the `charset` an
    HTTP header gave, then the one a ``<meta>`` tag declares, then UTF-8 with U+FFFD for bad bytes.
    Returns the text and a warning, if any."""
    if _is_utf16(data):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    for declared in (_charset_name(charset), declared_charset(data[:4096])):
        if declared:
            try:
                return data.decode(declared), None
            except (LookupError, UnicodeDecodeError):
                pass
    return data.decode("utf-8", errors="replace"), "invalid UTF-8 replaced with U+FFFD"


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_TAG_RE = re.compile(r"<(link|meta)\b([^>]*)>", re.IGNORECASE)
_ATTR_RE = re.compile(r"""([^\s=/>"']+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")


def declared_charset(head: bytes) -> str | None:
    """The charset a ``<meta>`` tag declares, when it is not UTF-8 (Latin-1 read as cp1252)."""
    match = _CHARSET_RE.search(head)
    return _charset_name(match.group(1).decode("ascii", "replace")) if match else None


def _charset_name(name: str | None) -> str | None:
    name = (name or "").strip().lower()
    if not name or name in ("utf-8", "utf8"):
        return None
    return "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else name


def find_page_url(html: str) -> str | None:
    """The page's own URL from ``<link rel="canonical">``, else ``<meta property="og:url">``.

    Only absolute http(s) URLs count (a protocol-relative one gets ``https:``); the search
    stops at ``</head>`` or after 256 KB so a huge page costs little.

    >>> find_page_url('<head><link href="https://ex.com/a?b=1&amp;c=2" rel="canonical"></head>')
    'https://ex.com/a?b=1&c=2'
    """
    end = html.lower().find("</head>", 0, 1 << 18)
    head = html[: end if end >= 0 else 1 << 18]
    canonical = og = None
    for tag in _TAG_RE.finditer(head):
        attrs = {}
        for m in _ATTR_RE.finditer(tag.group(2)):
            attrs.setdefault(m.group(1).lower(), m.group(2) or m.group(3) or m.group(4) or "")
        if tag.group(1).lower() == "link":
            if canonical is None and "canonical" in attrs.get("rel", "").lower().split():
                canonical = _absolute(attrs.get("href", ""))
        elif og is None and "og:url" in (attrs.get("property", "").lower(), attrs.get("name", "").lower()):
            og = _absolute(attrs.get("content", ""))
    return canonical or og


def _absolute(url: str) -> str | None:
    url = html_lib.unescape(url).strip()
    if url.startswith("//"):
        url = "https:" + url
    if url.lower().startswith(("http://", "https://")) and len(url) > 8:
        return url
    return None


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "InputFile",
    "ReadIssue",
    "decode_html",
    "decode_utf8",
    "find_page_url",
    "iter_inputs",
    "iter_pages",
    "open_binary",
    "read_file",
    "record_to_page",
    "split_name",
]
