"""Text normalisation and stable hashing for repeat detection.

Two blocks that differ only in case, white space, quote or dash style, or
digits (a date, a comment count) normalise to the same string and get the
same exact hash. Hashes are xxhash (stable across processes, machines and
Python versions), never Python's salted `hash()`.

>>> normalize("  “Breaking” — 12 comments ")
'"breaking" - 0 comments'
>>> words("It's 10:45 – isn't it?")
["it's", '0', '0', "isn't", 'it']
"""

from __future__ import annotations

import re
import unicodedata

import xxhash

NORMALIZATION_VERSION = 1

_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
        "\u00a0": " ",
    }
)
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w+(?:'\w+)*")


def normalize(text: str) -> str:
    """Fold case, compatibility forms, quotes, dashes and digit runs (to `0`); collapse white space."""
    if text.isascii():  # the common case: NFKC and the fold table (all non-ASCII) change nothing
        text = text.lower().replace("`", "'")
    else:
        text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD).replace("`", "'")
    return " ".join(_DIGITS.sub("0", text).split())


def words(text: str) -> list[str]:
    """The words of a text after normalisation (punctuation dropped, apostrophes kept inside words)."""
    return _WORD.findall(normalize(text))


def exact_hash(normalized: str) -> int:
    """A stable unsigned 64-bit hash of an already normalised text."""
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass"))


def text_hash(text: str) -> int:
    """`exact_hash(normalize(text))`."""
    return exact_hash(normalize(text))


def site_hash(site: str) -> int:
    """A stable 64-bit key for a site name (`""` is the pool of documents with no site)."""
    return xxhash.xxh3_64_intdigest(b"site\x00" + site.encode("utf-8", "surrogatepass"))
