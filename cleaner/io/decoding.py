"""Bytes to text: UTF-8 (with U+FFFD for bad bytes, and a warning), UTF-16 by its byte-order mark,
HTML's declared charsets, binary content recognised before it is decoded as a page, and lone
surrogates (JSON's `"\\ud800"`) replaced so the writers can encode every string."""

from __future__ import annotations

import re
from typing import Any

SAMPLE = 1 << 16
# Bytes no text file holds (C0 controls but tab, newlines, form feed, escape; and DEL).
_CONTROL = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32), 127])
_CONTROL_TABLE = bytes.maketrans(b"", b"")
MAGIC = (
    (b"\x1f\x8b", "gzip data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"PK\x03\x04", "a zip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x7fELF", "an executable"),
    (b"PAR1", "a Parquet file"),
    (b"OggS", "an Ogg stream"),
    (b"ID3", "an MP3 file"),
)
CONTROL_SHARE = 0.05
NUL_SHARE = 0.01


def binary_kind(data: bytes) -> str | None:
    """What binary content `data` is ("a PNG image", "binary data"), or None when it can be text.

    Known magic numbers first; then bytes no text holds: NULs beyond a stray few (over 1% of the
    first 64 KiB — a broken CMS leaves some in real pages) or other control bytes over 5% (random
    or encrypted bytes have about 12%; text in any 8-bit encoding next to none).

    >>> binary_kind(b"\\x89PNG\\r\\n\\x1a\\n...")
    'a PNG image'
    >>> binary_kind("Caf\\u00e9 au lait\\n".encode("latin-1")) is None
    True
    """
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    sample = data[:SAMPLE]
    if not sample:
        return None
    if sample.count(0) > max(1, int(len(sample) * NUL_SHARE)):
        return "binary data"
    controls = len(sample) - len(sample.translate(_CONTROL_TABLE, _CONTROL))
    if controls > max(2, int(len(sample) * CONTROL_SHARE)):
        return "binary data"
    return None


def looks_binary(data: bytes) -> bool:
    return binary_kind(data) is not None


def is_utf16(data: bytes) -> bool:
    return data[:2] in (b"\xff\xfe", b"\xfe\xff")


def decode_utf8(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8 (a BOM dropped); return the text and whether bad bytes were replaced by U+FFFD."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="replace"), True


_SURROGATE = re.compile("[\ud800-\udfff]")


def repair_surrogates(value: Any) -> tuple[Any, bool]:
    """`value` with every lone surrogate (in strings, dict keys, lists) replaced by U+FFFD, and
    whether any was. JSON may escape half a pair (`"\\ud800"`), which no UTF-8 writer can encode.

    >>> repair_surrogates({"text": "a\\ud800b", "n": [1, "\\udfff"]})
    ({'text': 'a�b', 'n': [1, '�']}, True)
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value, False
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value), True
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            new_key, key_changed = repair_surrogates(key)
            new_item, item_changed = repair_surrogates(item)
            out[new_key] = new_item
            changed = changed or key_changed or item_changed
        return (out, True) if changed else (value, False)
    if isinstance(value, list):
        items = [repair_surrogates(v) for v in value]
        if any(changed for _, changed in items):
            return [v for v, _ in items], True
        return value, False
    return value, False


def decode_html(data: bytes, charset: str | None = None) -> tuple[str, str | None]:
    """Decode an HTML page: UTF-8 first (a stale charset label is common), then the `charset` an
    HTTP header gave, then the one a ``<meta>`` tag declares, then UTF-8 with U+FFFD for bad bytes.
    Returns the text and a warning, if any."""
    if is_utf16(data):
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


def declared_charset(head: bytes) -> str | None:
    """The charset a ``<meta>`` tag declares, when it is not UTF-8 (Latin-1 read as cp1252)."""
    match = _CHARSET_RE.search(head)
    return _charset_name(match.group(1).decode("ascii", "replace")) if match else None


def _charset_name(name: str | None) -> str | None:
    name = (name or "").strip().lower()
    if not name or name in ("utf-8", "utf8"):
        return None
    return "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else name
