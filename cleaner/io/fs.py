"""The file-system layer under readers and writers: local paths, `file://`, and any remote store
pyarrow.fs (`s3://`, `gs://`, `hdfs://`, ...) or fsspec (`memory://`, `hf://`, ...) knows.

A location is a plain path or a URI; `resolve` gives the pyarrow `FileSystem` and the path inside
it, so every format reads through `FileSystem.open_input_stream` / `open_input_file` and no remote
file is copied to local disk first. `walk` lists one input argument (a file, or every file under a
folder in sorted path order). Query parameters of a URI (`?endpoint_override=...`) are kept in each
child's location, not in its display name.
"""

from __future__ import annotations

import functools
import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyarrow.fs as pafs

PYARROW_SCHEMES = ("s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss")


class LocationError(ValueError):
    """A location no file system can open (an unknown scheme, a missing fsspec backend)."""


def is_uri(location: str) -> bool:
    """True for `scheme://...` locations (`file://` included); plain paths are local."""
    return "://" in location


def _split_query(location: str) -> tuple[str, str]:
    base, sep, query = location.partition("?")
    return base, (sep + query)


@functools.lru_cache(maxsize=64)
def _filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    """The file system of `scheme://host?query` (cached: an S3 client resolves its region once)."""
    scheme = root.split("://", 1)[0].lower()
    if scheme in PYARROW_SCHEMES:
        try:
            return pafs.FileSystem.from_uri(root)
        except (ValueError, OSError) as exc:  # ArrowInvalid is a ValueError
            raise LocationError(f"cannot open {root} with pyarrow.fs: {exc}") from None
    try:
        import fsspec
    except ImportError:
        raise LocationError(f"{scheme}:// locations need fsspec: pip install fsspec") from None
    try:
        fs = fsspec.filesystem(scheme)
    except (ImportError, ValueError) as exc:
        raise LocationError(f"cannot open {scheme}:// locations: {exc}") from None
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), ""


def resolve(location: str) -> tuple[pafs.FileSystem, str]:
    """`(file system, path inside it)` for a plain path or a URI; raises `LocationError`."""
    if not is_uri(location):
        return pafs.LocalFileSystem(), os.path.abspath(location)
    base, query = _split_query(location)
    parts = urlsplit(base)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return pafs.LocalFileSystem(), os.path.abspath(parts.netloc + parts.path if parts.netloc else parts.path)
    fs, _ = _filesystem(f"{scheme}://{parts.netloc}{query}")
    if scheme in PYARROW_SCHEMES:
        return fs, (parts.netloc + parts.path).rstrip("/") or parts.netloc
    handler_fs = fs.handler.fs  # fsspec: let it parse its own URLs
    return fs, handler_fs._strip_protocol(base)


def child(location: str, path: str) -> str:
    """The location of `path` (inside `location`'s file system), keeping the scheme and query."""
    if not is_uri(location):
        return path
    base, query = _split_query(location)
    scheme = base.split("://", 1)[0]
    if scheme.lower() == "file":
        return f"file://{path}"
    return f"{scheme}://{path.lstrip('/') if scheme.lower() in PYARROW_SCHEMES else path}{query}"


def add_suffix(location: str, suffix: str) -> str:
    """`location` with `suffix` added to its name (before any query parameters)."""
    base, query = _split_query(location) if is_uri(location) else (location, "")
    return f"{base}{suffix}{query}"


def join(location: str, name: str) -> str:
    """The location of `name` inside the folder `location` (keeping any query parameters)."""
    base, query = _split_query(location) if is_uri(location) else (location, "")
    sep = "/" if is_uri(location) else os.sep
    return f"{base.rstrip('/' + os.sep) if len(base) > 1 else base}{sep}{name}{query}"


def display(location: str) -> str:
    """A location as messages and `Page.source` name it: without its query parameters."""
    return _split_query(location)[0]


@dataclass(frozen=True, slots=True)
class Listed:
    """One thing found under an input argument: `parts` is its path relative to the argument
    (empty for the argument itself), `kind` "file", "other" (FIFO, device, socket), "broken-link",
    "missing" or "error" (with `error` saying why)."""

    location: str
    name: str
    parts: tuple[str, ...]
    kind: str
    error: str = ""


def walk(arg: str) -> Iterator[Listed]:
    """Everything one argument names, folders recursively in sorted path order; folders whose name
    starts with `.` are not entered. Never raises: problems come back as `Listed` of kind "error"."""
    if is_uri(arg) and not arg.lower().startswith("file://"):
        yield from _walk_remote(arg)
    else:
        yield from _walk_local(arg)


def _walk_local(arg: str) -> Iterator[Listed]:
    path = resolve(arg)[1] if is_uri(arg) else arg
    try:
        info = os.stat(path)
    except FileNotFoundError:
        kind = "broken-link" if os.path.lexists(path) else "missing"
        yield Listed(arg, arg, (), kind)
        return
    except OSError as exc:
        yield Listed(arg, arg, (), "error", exc.strerror or str(exc))
        return
    if not stat.S_ISDIR(info.st_mode):
        yield Listed(arg, arg, (), "file" if stat.S_ISREG(info.st_mode) else "other")
        return
    errors: list[OSError] = []
    found: list[tuple[tuple[str, ...], str, str]] = []
    for folder, dirs, files in os.walk(path, onerror=errors.append):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(folder, path)
        base = () if rel == "." else tuple(rel.split(os.sep))
        for name in files:
            full = os.path.join(folder, name)
            try:
                mode = os.stat(full).st_mode
                kind = "file" if stat.S_ISREG(mode) else "other"
            except FileNotFoundError:
                kind = "broken-link"
            except OSError:
                kind = "other"
            found.append(((*base, name), full, kind))
    for error in errors:
        yield Listed(
            error.filename or arg, error.filename or arg, (), "error", f"cannot list folder: {error.strerror or error}"
        )
    for parts, full, kind in sorted(found):
        location = child(arg, os.path.abspath(full)) if is_uri(arg) else full
        yield Listed(location, full if not is_uri(arg) else display(location), parts, kind)


def _walk_remote(arg: str) -> Iterator[Listed]:
    try:
        fs, root = resolve(arg)
        info = fs.get_file_info(root)
    except (LocationError, OSError) as exc:
        yield Listed(arg, display(arg), (), "error", str(exc))
        return
    if info.type == pafs.FileType.File:
        yield Listed(arg, display(arg), (), "file")
        return
    if info.type != pafs.FileType.Directory:
        yield Listed(arg, display(arg), (), "missing")
        return
    try:
        listing = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    except OSError as exc:
        yield Listed(arg, display(arg), (), "error", f"cannot list folder: {exc}")
        return
    base = root.rstrip("/")
    found = []
    for item in listing:
        if item.type == pafs.FileType.Directory:
            continue
        parts = tuple(posixpath.relpath(item.path, base).split("/"))
        if any(p.startswith(".") for p in parts[:-1]):
            continue
        found.append((parts, item.path, "file" if item.type == pafs.FileType.File else "other"))
    shown = display(arg).rstrip("/")
    for parts, path, kind in sorted(found):
        yield Listed(child(arg, path), f"{shown}/{'/'.join(parts)}", parts, kind)


STDIN = "-"


def open_input_stream(location: str):
    """A sequential pyarrow stream of the file's raw bytes (no decompression); `-` is stdin."""
    if location == STDIN:
        import sys

        import pyarrow as pa

        return pa.PythonFile(sys.stdin.buffer, mode="r")
    fs, path = resolve(location)
    return fs.open_input_stream(path, compression=None)


def open_input_file(location: str):
    """A random-access pyarrow file (Parquet needs to seek)."""
    fs, path = resolve(location)
    return fs.open_input_file(path)


def file_size(location: str) -> int | None:
    try:
        fs, path = resolve(location)
        return fs.get_file_info(path).size
    except (LocationError, OSError):
        return None
