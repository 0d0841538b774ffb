"""Compression: which file-name suffixes mean gzip or zstd, and reading a file's decompressed bytes
with the size accounted for as they come (a page over its limit is cut off while it is read, so a
compression bomb never sits in memory).

Decompression is pyarrow's (`open_input_stream(..., compression=)`), which also reports a stream
cut short; any failure while reading becomes `CorruptData` naming the compression.
"""

from __future__ import annotations

from collections.abc import Iterator

from cleaner.io import fs
from cleaner.io.base import InputFile

COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
CHUNK = 1 << 20
COMPRESSED_CHUNK = 1 << 16


class CorruptData(Exception):
    """The compressed data of a file is corrupt or truncated."""


class Decompressed:
    """The decompressed bytes of one input, read in chunks; `read` raises `CorruptData` on bad data."""

    def __init__(self, entry: InputFile):
        self.compression = entry.compression
        raw = fs.open_input_stream(entry.where)
        if entry.compression is None:
            self.stream = raw
        else:
            import pyarrow as pa

            self.stream = pa.CompressedInputStream(raw, entry.compression)
        self.consumed = 0

    def read(self, size: int = CHUNK) -> bytes:
        if self.compression is not None:
            size = min(size, COMPRESSED_CHUNK)  # a truncated stream loses at most one chunk
        try:
            data = self.stream.read(size)
        except OSError as exc:
            if self.compression is None:
                raise
            raise CorruptData(f"corrupt or truncated {self.compression} data: {exc}") from None
        self.consumed += len(data)
        return data

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> Decompressed:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_bounded(entry: InputFile, limit: int) -> bytes | None:
    """The whole decompressed file, or None as soon as it is known to hold more than `limit` bytes."""
    pieces: list[bytes] = []
    size = 0
    with Decompressed(entry) as stream:
        while True:
            chunk = stream.read(min(CHUNK, limit + 1 - size))
            if not chunk:
                return b"".join(pieces)
            size += len(chunk)
            if size > limit:
                return None
            pieces.append(chunk)


def iter_lines(entry: InputFile, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """`(line number, line bytes)` for every line of the decompressed file (counted from 1, without
    the newline); a line longer than `limit` bytes comes as None, never held in memory whole."""
    number = 0
    pending: list[bytes] = []
    pending_size = 0
    overlong = False
    with Decompressed(entry) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                if end < 0:
                    rest = chunk[start:]
                    if not overlong:
                        pending_size += len(rest)
                        if pending_size > limit:
                            overlong, pending = True, []
                        else:
                            pending.append(rest)
                    break
                number += 1
                piece = chunk[start:end]
                if overlong or pending_size + len(piece) > limit:
                    yield number, None
                elif pending:
                    pending.append(piece)
                    yield number, b"".join(pending)
                else:
                    yield number, piece
                pending, pending_size, overlong = [], 0, False
                start = end + 1
    if overlong:
        yield number + 1, None
    elif pending_size:
        yield number + 1, b"".join(pending)
