"""A datatrove pipeline step: `CleanerStep` cleans each datatrove `Document` in place.

Install with `pip install 'cleaner[datatrove]'`. The step replaces `doc.text` with the clean text
and records in `doc.metadata`: `cleaner_removed` (the removals, a list of dicts: block, start,
end, reason, detail, text), `cleaner_lang`, `cleaner_site`, `cleaner_raw_chars`. The page's URL is
read from `doc.metadata["url"]` when present. Documents left empty are passed on, or dropped
with `drop_empty=True` (counted as `dropped_empty`). Datatrove's own stats count documents,
removed characters and removals per reason.
"""

from __future__ import annotations

from typing import Any

from cleaner.config import Config
from cleaner.integrations.batch import clean_one

try:
    from datatrove.pipeline.base import PipelineStep
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("CleanerStep needs datatrove: pip install 'cleaner[datatrove]'") from exc


class CleanerStep(PipelineStep):
    """Clean each document's text with `cleaner` (default settings, or `config`)."""

    name = "🧹 cleaner"
    type = "🔻 - FILTER"

    def __init__(self, config: Config | None = None, *, drop_empty: bool = False, url_key: str = "url"):
        super().__init__()
        self.config = config or Config()
        self.drop_empty = drop_empty
        self.url_key = url_key

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        """Yield each document of `data` cleaned (and not those left empty, with `drop_empty`)."""
        for doc in data:
            self.stat_update("documents")
            with self.track_time():
                url = doc.metadata.get(self.url_key)
                result = clean_one(
                    doc.text, id=str(doc.id), url=url if isinstance(url, str) else None, config=self.config
                )
            doc.text = result.text
            doc.metadata["cleaner_removed"] = [r.as_dict() for r in result.removed]
            doc.metadata["cleaner_lang"] = result.lang
            doc.metadata["cleaner_site"] = result.site
            doc.metadata["cleaner_raw_chars"] = result.raw_chars
            self.stat_update("removed_chars", value=result.raw_chars - result.clean_chars)
            for removal in result.removed:
                self.stat_update(f"removed:{removal.reason.split(':', 1)[0]}")
            if self.drop_empty and not result.text:
                self.stat_update("dropped_empty")
                continue
            yield doc
