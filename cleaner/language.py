"""Foreign-language fragments (being written: see issue 3)."""

from __future__ import annotations

from cleaner.document import Document, Removal


def find_removals(doc: Document) -> tuple[str | None, list[Removal]]:
    return None, []
