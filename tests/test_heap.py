"""cleaner.heap: glibc's thresholds are set for the build only, and freeing keeps live objects."""

from __future__ import annotations

import pytest

from cleaner import heap


class _FakeLibc:
    def __init__(self):
        self.calls: list[tuple[str, int, int]] = []

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append(("mallopt", option, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("trim", pad, 0))
        return 1


def test_the_trim_threshold_is_glibcs_default_again_after_the_block_even_on_error(monkeypatch):
    libc = _FakeLibc()
    monkeypatch.setattr(heap, "_libc", [libc])
    with pytest.raises(RuntimeError), heap.large_arrays_returned():
        assert libc.calls == [("mallopt", -3, 128 << 10), ("mallopt", -1, 0)]
        raise RuntimeError("the build failed")
    assert libc.calls[-1] == ("mallopt", -1, 128 << 10)


def test_without_glibc_nothing_is_called(monkeypatch):
    monkeypatch.setattr(heap, "_libc", [None])
    with heap.large_arrays_returned():
        heap.release_freed()


def test_release_freed_trims_and_keeps_live_objects(monkeypatch):
    libc = _FakeLibc()
    monkeypatch.setattr(heap, "_libc", [libc])
    kept = [bytes(1 << 20) for _ in range(4)]
    del kept[1:]
    heap.release_freed()
    assert libc.calls == [("trim", 0, 0)]
    assert len(kept[0]) == 1 << 20


def test_the_real_allocator_calls_run_here():
    with heap.large_arrays_returned():
        data = bytearray(64 << 20)
        del data
    heap.release_freed()
