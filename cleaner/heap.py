"""Giving freed memory back to the system: the one place that talks to glibc's allocator.

Long-lived processes (a Ray worker, the index build) free large arrays and batches in turn; glibc
keeps such memory in its heap, so a process's RSS grows with the corpus although nothing it holds
does. Elsewhere than glibc these functions do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_DEFAULT_THRESHOLD = 128 << 10
_libc: list[Any] = []


def _glibc() -> Any:
    """glibc's handle, or None where the C library is not glibc (checked once)."""
    if not _libc:
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name) if name else None
            _libc.append(lib if lib is not None and hasattr(lib, "malloc_trim") else None)
        except OSError:
            _libc.append(None)
    return _libc[0]


def release_freed() -> None:
    """Return the heap's free pages and Arrow's unused pool memory to the system; keeps every live object."""
    import pyarrow as pa

    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
    pa.default_memory_pool().release_unused()


@contextmanager
def large_arrays_returned() -> Iterator[None]:
    """Inside the block, blocks of 128 KiB or more come from `mmap` and every free is trimmed at once.

    glibc raises its mmap threshold after the first large free, so arrays of a few hundred MB freed in
    turn stay in the heap (the build's RSS grew with the corpus: benchmarks/README.md). On leaving,
    the trim threshold is glibc's default again; the mmap threshold stays fixed at its default, which
    only stops glibc from raising it.
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, 0)
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
