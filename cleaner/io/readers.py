"""Readers: turn input arguments into a stream of `Page`s and `ReadIssue`s.

`iter_pages(paths, config)` is the one entry point. It lists the arguments in
order (a folder recursively, in sorted path order; local paths, `file://` or any
remote store `cleaner.io.fs` opens; `-` is stdin), picks each file's format from
its extension (or `config.format`) in the registry `cleaner.io.formats`, and
yields pages one at a time, so memory does not grow with the input. A file or
record that cannot be used is reported as a `ReadIssue` and skipped; readers
never raise on bad input.

Formats and ids
---------------

The id of a page is derived from where it is, never from run order:

* ``<file id>`` is the file's path relative to the folder argument, posix
  separators, with its format and compression extensions removed
  (``news/2024/a.txt.gz`` under argument ``news`` → ``2024/a``); a file given
  directly as an argument has its stem (``a``); stdin is ``stdin``. The same
  file gives the same id however the argument is spelled (``news``,
  ``./news/``, an absolute path), as long as the argument names the same folder.
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
WARC use their own internal compression instead).

Ids are unique in a run
-----------------------

* One file named twice (``cleaner clean f.txt f.txt``, or a folder and a file
  inside it) is read once, with a warning.
* Two different files whose pages would get the same ids (``cleaner clean A B``
  where both folders hold ``x.txt``) are refused before any page is read:
  `check_inputs` raises `ConfigError` naming both files (give their common
  parent folder instead: the ids then keep the folder, ``A/x`` and ``B/x``).
* A record whose explicit id was already seen in this run (a JSON Lines ``id``,
  a Parquet id column) is reported, naming where the id was first seen, and
  skipped; the first one is kept.

Skipped without being read, each with a warning: files of no known format
inside a folder, non-regular files (FIFOs, sockets, devices) and broken links
inside a folder, and names starting with ``.`` or ``_`` that have a known
format's extension (hidden or marker files: give one as an argument to read it;
other such names, like ``_SUCCESS`` or ``.DS_Store``, are skipped silently).

Limits: a page over `config.max_page_bytes` decoded bytes (counted while a
compressed file is decompressed) or a text page with a line over
`config.max_line_chars` characters is reported and skipped (see
`cleaner.io.base.Limits`).

`Page.source` is the file's path as given (the argument joined with the path
under it), for every format; a `ReadIssue` about one record names
``<path>:<line>`` (JSON Lines), ``<path>:<row>`` (Parquet) or
``<path>#<record id or offset>`` (WARC).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import xxhash

from cleaner.document import Page
from cleaner.errors import ConfigError
from cleaner.io import formats
from cleaner.io.base import InputFile, Item, Limits, MissingDependency, ReadIssue
from cleaner.io.compression import COMPRESSIONS, CorruptData
from cleaner.io.fs import STDIN, Listed, LocationError, display, is_uri, walk

FORMATS = formats.FORMATS
EXTENSIONS = formats.EXTENSIONS
STDIN_ID = "stdin"


def iter_pages(paths: list[str], config: Any) -> Iterator[Item]:
    """Yield every page of every input, in argument order, with problems as `ReadIssue`s.

    Raises `ConfigError` (before reading any page) when two inputs would give the same ids.
    """
    listing = list_inputs(paths, config)
    seen = _SeenIds()
    for entry in listing:
        if isinstance(entry, ReadIssue):
            yield entry
            continue
        for item in read_file(entry, config):
            if isinstance(item, Page) and (first := seen.add(item.id, item.source)) is not None:
                yield ReadIssue(item.source, f"duplicate id {item.id!r} (first seen in {first}): skipped")
                continue
            yield item


def check_inputs(paths: list[str], config: Any) -> None:
    """Refuse inputs whose pages would get the same ids (see the module docstring); lists names only."""
    list_inputs(paths, config)


def list_inputs(paths: list[str], config: Any) -> list[InputFile | ReadIssue]:
    """Every input file of the arguments, in order, and the problems met while listing them.

    A file reached twice is kept once (with a warning); two files whose page ids would clash
    raise `ConfigError` naming both.
    """
    out: list[InputFile | ReadIssue] = []
    seen_files: dict[str, str] = {}
    file_ids: dict[str, tuple[str, str]] = {}
    for arg in paths:
        for entry in iter_inputs(str(arg), config):
            if isinstance(entry, InputFile):
                key = _identity(entry)
                if key in seen_files:
                    out.append(ReadIssue(entry.path, f"given twice (also as {seen_files[key]}): read once", False))
                    continue
                seen_files[key] = entry.path
                if formats.get(entry.format).ids_from_file:
                    other, other_arg = file_ids.setdefault(entry.id, (entry.path, str(arg)))
                    if other != entry.path:
                        fix = (
                            "rename one (an id drops the format extension)"
                            if other_arg == str(arg)
                            else "give their common parent folder instead, so that ids keep the folder they are in"
                        )
                        raise ConfigError(f"{other} and {entry.path} would give pages the same id {entry.id!r}: {fix}")
            out.append(entry)
    return out


def _identity(entry: InputFile) -> str:
    if entry.where == STDIN or is_uri(entry.where):
        return entry.where
    return os.path.realpath(entry.where)


class _SeenIds:
    """Ids already given in this run, as 64-bit digests, with the index of the source that gave each."""

    def __init__(self) -> None:
        self.ids: dict[int, int] = {}
        self.sources: list[str] = []

    def add(self, page_id: str, source: str) -> str | None:
        """Record `page_id`; return the source that gave it first when it was seen before."""
        digest = xxhash.xxh3_64_intdigest(page_id.encode("utf-8", "surrogatepass"))
        if digest in self.ids:
            return self.sources[self.ids[digest]]
        if not self.sources or self.sources[-1] != source:
            self.sources.append(source)
        self.ids[digest] = len(self.sources) - 1
        return None


def iter_inputs(arg: str, config: Any) -> Iterator[InputFile | ReadIssue]:
    """The files one argument names: itself, or every file under a folder in sorted path order."""
    forced = _forced_format(config)
    if isinstance(forced, ReadIssue):
        yield forced
        return
    if arg == STDIN:
        yield InputFile(STDIN, STDIN_ID, forced or "jsonl", None, STDIN)
        return
    for listed in walk(arg):
        item = _entry(arg, listed, forced)
        if item is not None:
            yield item


def _entry(arg: str, listed: Listed, forced: str | None) -> InputFile | ReadIssue | None:
    """What one listed thing is to the readers: a file to read, an issue, or nothing (silently skipped)."""
    top = not listed.parts
    name = listed.parts[-1] if listed.parts else os.path.basename(display(arg).rstrip("/")) or arg
    if listed.kind == "missing":
        return ReadIssue(listed.name, "no such file or directory")
    if listed.kind == "error":
        return ReadIssue(listed.name, listed.error)
    if listed.kind == "broken-link":
        return ReadIssue(listed.name, "broken symbolic link" if top else "skipped: broken symbolic link", top)
    if listed.kind == "other" and not top:
        return ReadIssue(listed.name, "skipped: not a regular file (a FIFO, socket or device)", fatal=False)
    fmt, compression, stem = split_name(name, forced)
    if not top and name.startswith((".", "_")):
        if split_name(name)[0] is None:
            return None
        return ReadIssue(
            listed.name,
            "skipped: the name starts with '.' or '_' (a hidden or marker file); give it as an argument to read it",
            fatal=False,
        )
    if fmt is None:
        if top:
            return ReadIssue(listed.name, f"unknown input format {_suffix(name)!r}: use --format {'|'.join(FORMATS)}")
        return ReadIssue(listed.name, "skipped: not a known input format (--format forces one)", fatal=False)
    file_id = "/".join((*listed.parts[:-1], stem))
    return InputFile(listed.name, file_id, fmt, compression, listed.location)


def _forced_format(config: Any) -> str | ReadIssue | None:
    fmt = getattr(config, "format", None)
    if fmt is None or fmt in FORMATS:
        return fmt
    return ReadIssue("--format", f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


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
    lower = name.lower()
    for suffix, kind in COMPRESSIONS.items():
        if lower.endswith(suffix) and len(stem) > len(suffix):
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


def read_file(entry: InputFile, config: Any) -> Iterator[Item]:
    """Yield the pages of one file; any failure becomes a fatal `ReadIssue` for the rest of it.

    Pages of a file inside a folder under the argument get that first folder (`Page.folder`).
    """
    if "/" not in entry.id:
        yield from _read_file(entry, config)
        return
    folder = entry.id.split("/", 1)[0]
    for item in _read_file(entry, config):
        yield dataclasses.replace(item, folder=folder) if isinstance(item, Page) else item


def _read_file(entry: InputFile, config: Any) -> Iterator[Item]:
    limits = Limits.of(config)
    try:
        yield from formats.get(entry.format).read(entry, config, limits)
    except (MissingDependency, CorruptData) as exc:
        yield ReadIssue(entry.path, str(exc))
    except LocationError as exc:
        yield ReadIssue(entry.path, f"cannot open: {exc}")
    except PermissionError:
        yield ReadIssue(entry.path, "cannot read: permission denied")
    except IsADirectoryError:
        yield ReadIssue(entry.path, "cannot read: is a directory")
    except FileNotFoundError:
        yield ReadIssue(entry.path, "cannot read: file disappeared")
    except OSError as exc:
        yield ReadIssue(entry.path, f"cannot read: {_os_message(exc)}")
    except MemoryError:
        yield ReadIssue(entry.path, "cannot read: out of memory")
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a reader bug (or a native library's panic) must not end the run
        yield ReadIssue(entry.path, f"cannot read: unexpected {type(exc).__name__}: {exc}")


def _os_message(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    if "ermission denied" in text:
        return "permission denied"
    return text


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "InputFile",
    "Item",
    "ReadIssue",
    "check_inputs",
    "iter_inputs",
    "iter_pages",
    "list_inputs",
    "read_file",
    "split_name",
]
