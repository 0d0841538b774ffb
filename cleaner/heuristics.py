"""Generic line-level heuristics (being written: see issue 2)."""

from __future__ import annotations

from cleaner.document import Document, Removal

HEURISTICS: dict[str, object] = {}


def check_names(names) -> None:
    return None


def find_removals(doc: Document, *, disabled: set[str] | frozenset[str] = frozenset()) -> list[Removal]:
    return []
