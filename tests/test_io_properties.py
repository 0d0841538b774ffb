"""Property tests of the reading layer: line splitting with a length bound, binary detection, and
surrogate repair."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.io.base import InputFile
from cleaner.io.compression import iter_lines, read_bounded
from cleaner.io.decoding import binary_kind, repair_surrogates

chunks = st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b"xyz" * 7, b"\n\n"]), max_size=60)


@settings(max_examples=60, deadline=None)
@given(parts=chunks, limit=st.integers(min_value=0, max_value=30), compress=st.booleans())
def test_lines_are_the_newline_split_with_long_ones_withheld(tmp_path_factory, parts, limit, compress):
    data = b"".join(parts)
    path = tmp_path_factory.mktemp("lines") / ("f.txt.gz" if compress else "f.txt")
    path.write_bytes(gzip.compress(data) if compress else data)
    entry = InputFile(str(path), "f", "txt", "gzip" if compress else None)
    expected = data.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    got = list(iter_lines(entry, limit))
    assert [n for n, _ in got] == list(range(1, len(expected) + 1))
    assert [line for _, line in got] == [line if len(line) <= limit else None for line in expected]
    assert read_bounded(entry, limit) == (data if len(data) <= limit else None)


printable = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t\r "), max_size=300)


@settings(max_examples=200, deadline=None)
@given(text=printable)
def test_text_is_never_taken_for_binary(text):
    data = text.encode("utf-8")
    if not data.startswith((b"%PDF-", b"GIF8", b"PAR1", b"BZh", b"OggS", b"ID3")):  # text that opens like a format
        assert binary_kind(data) is None


@settings(max_examples=200, deadline=None)
@given(
    value=st.recursive(
        st.text() | st.integers() | st.none(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_repaired_values_encode_and_clean_ones_are_unchanged(value):
    repaired, changed = repair_surrogates(value)
    str(repaired).encode("utf-8")  # raises on a surrogate left behind
    if not changed:
        assert repaired is value
    else:
        assert "\ufffd" in str(repaired)
