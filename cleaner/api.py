"""The Python interface for pipelines: clean one text, or files into Parquet."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import xxhash

from cleaner.config import Config, check_config
from cleaner.document import Page, Result

if TYPE_CHECKING:
    from cleaner.engine import RunSummary
    from cleaner.pipeline import Pipeline


@functools.lru_cache(maxsize=8)
def _pipeline(config_key: str) -> Pipeline:
    """The pipeline of a configuration (its sorted JSON), built once per process: rule packs and a
    saved corpus index (`Config.index`) load once."""
    from cleaner.engine.local import load_index
    from cleaner.pipeline import Pipeline

    config = check_config(Config(**json.loads(config_key)))
    return Pipeline.from_config(config, load_index(config))


def clean_text(text: str, url: str | None = None, site: str | None = None, *, config: Config | None = None) -> Result:
    """Clean one page dump and return its clean text and every removal.

    >>> r = clean_text("Home\\nA sentence of the article, long enough to keep it.\\nRead More")
    >>> r.text
    'A sentence of the article, long enough to keep it.'
    """
    config = config or Config()
    pipeline = _pipeline(json.dumps(config.as_dict(), sort_keys=True))
    doc_id = xxhash.xxh3_64_hexdigest(text.encode("utf-8", "surrogatepass"))
    page = Page(id=doc_id, source="<text>", content=text, url=url)
    return pipeline.clean(pipeline.document(page, site=site))


def clean_files(paths: list[str], output: str, *, config: Config | None = None, **options: Any) -> RunSummary:
    """Clean every page under `paths` into Parquet at `output` (a file, or a folder ending in '/').

    `options` are `Config` fields (`workers=2`, `repeats=False`, ...); settings and output are
    checked before any work (CleanerError). Returns the run's summary (`exit_code`, counts).
    """
    from cleaner.engine import run

    config = (config or Config()).replace(**options)
    return run([str(p) for p in paths], output, config)
