"""`cleaner` inside other pipelines: `clean_batch` for `datasets.Dataset.map(batched=True)` and the
like, and `CleanerStep` for datatrove (`cleaner.integrations.datatrove_step`, extra `cleaner[datatrove]`).

Both clean page by page through the one page->document path (`Pipeline.document`) with no corpus
stage unless `Config.index` names a saved corpus index: a batch or a datatrove task sees only
part of the corpus, so repeated blocks and duplicates come from an index built beforehand.
"""

from __future__ import annotations

from cleaner.integrations.batch import OUTPUT_COLUMNS, clean_batch

__all__ = ["OUTPUT_COLUMNS", "clean_batch"]
