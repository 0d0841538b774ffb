"""The word lists the stages read, loaded once from `cleaner/data/words.toml` (package data).

The file says what each list is for and why the two English lists differ; this module only turns
each list into a frozenset. It depends on nothing else in the package.
"""

from __future__ import annotations

import tomllib
from importlib import resources


def _load() -> dict[str, dict[str, str]]:
    return tomllib.loads((resources.files("cleaner") / "data" / "words.toml").read_text(encoding="utf-8"))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DATA = _load()

STOPWORDS: dict[str, frozenset[str]] = {code: _words(text) for code, text in _DATA["stopwords"].items()}
FUNCTION_WORDS = _words(_DATA["heuristics"]["function_words"])
DATE_WORDS = _words(_DATA["heuristics"]["date_words"])
BYLINE_WORDS = _words(_DATA["heuristics"]["byline_words"])
TOOL_VERBS = _words(_DATA["heuristics"]["tool_verbs"])
TOOL_WORDS = TOOL_VERBS | _words(_DATA["heuristics"]["tool_other_words"])
MINOR_WORDS = _words(_DATA["heuristics"]["minor_words"])

__all__ = ["BYLINE_WORDS", "DATE_WORDS", "FUNCTION_WORDS", "MINOR_WORDS", "STOPWORDS", "TOOL_VERBS", "TOOL_WORDS"]
