"""What every reader shares: the file to read (`InputFile`), the problems it reports (`ReadIssue`),
the limits that bound a page's memory (`Limits`), and `Format`, the entry a format module declares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cleaner.document import Page


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """A problem a reader met. `fatal`: the input (or record) was skipped and counts as an
    error; otherwise a warning about a page that was still yielded (or a file skipped on purpose)."""

    source: str
    message: str
    fatal: bool = True

    @property
    def level(self) -> str:
        """The log level: error (the input or record is lost) or warning (repaired, or skipped on purpose)."""
        return "error" if self.fatal else "warning"

    def as_dict(self) -> dict[str, Any]:
        """The issue as an `--errors` log record."""
        return {"source": self.source, "id": None, "stage": "read", "level": self.level, "message": self.message}

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read: its name as given (`path`, the pages' `source`), how to name its pages
    (`id`), its format and compression, and where to open it (`location`: a local path or a URI
    `cleaner.io.fs.resolve` opens; the same as `path` unless the engine moved it)."""

    path: str
    id: str
    format: str
    compression: str | None
    location: str = ""

    @property
    def where(self) -> str:
        return self.location or self.path


Item = Page | ReadIssue


@dataclass(frozen=True, slots=True)
class Limits:
    """What one page may hold before it is reported and skipped, so memory stays bounded.

    `page_bytes` bounds a page's decoded bytes (after decompression: a gzip bomb is cut
    off while it is read); `line_chars` the longest line of a text page (one line is one
    block, and a block's fingerprint costs memory in proportion to its length).
    """

    page_bytes: int
    line_chars: int

    @classmethod
    def of(cls, config: Any) -> Limits:
        """The limits `config.max_page_bytes` and `config.max_line_chars` set."""
        return cls(config.max_page_bytes, min(config.max_line_chars, config.max_page_bytes))

    def line_issue(self, text: str) -> str | None:
        """Why a text page is refused for its longest line, or None when every line fits."""
        if len(text) <= self.line_chars:
            return None
        start = 0
        while start < len(text):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            if end - start > self.line_chars:
                return f"a line of more than {self.line_chars} characters (--max-line-chars): page skipped"
            start = end + 1
        return None


def too_big(limit: int) -> str:
    return f"page larger than {limit} bytes (--max-page-bytes): skipped"


class MissingDependency(Exception):
    """An optional package a format needs is not installed; the message says how to install it."""


Reader = Callable[[InputFile, Any, Limits], Iterator[Item]]


@dataclass(frozen=True, slots=True)
class Format:
    """An input format: its name (for `--format`), the file extensions it claims (each may be
    followed by `.gz` or `.zst`, which `InputFile.compression` then names), its reader, and whether
    its page ids derive from the file's id (two files with one id would then give the same ids)."""

    name: str
    extensions: tuple[str, ...]
    read: Reader
    ids_from_file: bool = True
