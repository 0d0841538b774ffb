"""Text normalisation and stable hashing for repeat detection.

Two blocks that differ only in case, white space, quote or dash style, or
digits (a date, a comment count) normalise to the same string and get the
same exact hash. Hashes are xxhash (stable across processes, machines and
Python versions), never Python's salted `hash()`.

Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer,
Myanmar) have no words to split: each of their characters is a token of its
own, so shingles are character n-grams there and word n-grams elsewhere, in
one scheme (a mixed block is shingled as one sequence of tokens). Length
thresholds count such characters at their weight in words (`word_weight`).

>>> normalize("  “Breaking” — 12 comments ")
'"breaking" - 0 comments'
>>> words("It's 10:45 – isn't it?")
["it's", '0', '0', "isn't", 'it']
>>> words("東京の天気は晴れ, OK")
['東', '京', 'の', '天', '気', 'は', '晴', 'れ', 'ok']
>>> word_weight(words("東京の天気は晴れ, OK"))
5.0
"""

from __future__ import annotations

import re
import unicodedata

import xxhash

NORMALIZATION_VERSION = 2  # 2: characters of unspaced scripts are tokens

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
# Han (with extensions and compatibility), kana, Thai, Lao, Myanmar, Khmer: one token per character.
_HALF = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_QUARTER = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
_UNSPACED = _HALF + _QUARTER
_TOKEN = re.compile(f"[^\\W{_UNSPACED}]+(?:'[^\\W{_UNSPACED}]+)*|[{_UNSPACED}]")
_IS_HALF = re.compile(f"[{_HALF}]")
_IS_QUARTER = re.compile(f"[{_QUARTER}]")


def normalize(text: str) -> str:
    """Fold case, compatibility forms, quotes, dashes and digit runs (to `0`); collapse white space."""
    if text.isascii():  # the common case: NFKC and the fold table (all non-ASCII) change nothing
        text = text.lower().replace("`", "'")
    else:
        text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD).replace("`", "'")
    return " ".join(_DIGITS.sub("0", text).split())


def words(text: str) -> list[str]:
    """The tokens of a text after normalisation: words (punctuation dropped, apostrophes kept inside
    words), and single characters of unspaced scripts."""
    return tokens(normalize(text))


def tokens(normalized: str) -> list[str]:
    """`words` of an already normalised text."""
    if normalized.isascii():
        return _WORD.findall(normalized)
    return _TOKEN.findall(normalized)


def word_weight(tokens: list[str]) -> float:
    """The length of a token list in words: a Han or kana character counts 1/2 (about two make a word),
    a Thai, Lao, Khmer or Myanmar character 1/4; a word 1."""
    weight = float(len(tokens))
    for t in tokens:
        if len(t) == 1 and not t.isascii():
            if _IS_HALF.match(t):
                weight -= 0.5
            elif _IS_QUARTER.match(t):
                weight -= 0.75
    return weight


def exact_hash(normalized: str) -> int:
    """A stable unsigned 64-bit hash of an already normalised text."""
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass"))


def text_hash(text: str) -> int:
    """`exact_hash(normalize(text))`."""
    return exact_hash(normalize(text))


def site_hash(site: str) -> int:
    """A stable 64-bit key for a site name (`""` is the pool of documents with no site)."""
    return xxhash.xxh3_64_intdigest(b"site\x00" + site.encode("utf-8", "surrogatepass"))
