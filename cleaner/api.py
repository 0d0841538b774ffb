"""The Python interface for pipelines: clean one text, or files into Parquet."""

from __future__ import annotations

import functools
import json
from typing import Any

import xxhash

from cleaner.config import Config
from cleaner.document import Document, Result


@functools.lru_cache(maxsize=8)
def _pipeline(config_key: str):
    from cleaner.pipeline import Pipeline

    return Pipeline.from_config(Config(**json.loads(config_key)))


def clean_text(text: str, url: str | None = None, site: str | None = None, *, config: Config | None = None) -> Result:
    """Clean one page dump and return its clean text and every removal.

    >>> r = clean_text("Home\\nA sentence of the article, long enough to keep it.\\nRead More")
    >>> r.text
    'A sentence of the article, long enough to keep it.'
    """
    config = config or Config()
    pipeline = _pipeline(json.dumps(config.as_dict(), sort_keys=True))
    doc_id = xxhash.xxh3_64_hexdigest(text.encode("utf-8", "surrogatepass"))
    doc = Document.from_text(text, id=doc_id, source="<text>", url=url, site=site)
    return pipeline.clean(doc)


def clean_files(paths: list[str], output: str, *, config: Config | None = None, **options: Any):
    """Clean every page under `paths` into Parquet at `output` (a file, or a folder ending in '/')."""
    from cleaner.engine import run

    config = (config or Config()).replace(**options)
    return run([str(p) for p in paths], output, config)
