"""`clean_batch`: a columnar batch in, the same batch with the output columns out."""

from __future__ import annotations

import json
from typing import Any

import xxhash

from cleaner.api import _pipeline
from cleaner.config import Config
from cleaner.document import Page, Result
from cleaner.errors import ConfigError

#: the columns `clean_batch` adds (or, for `text`, replaces with the clean text)
OUTPUT_COLUMNS = ("id", "site", "lang", "text", "raw_chars", "clean_chars", "removed", "dup_cluster", "dup_rank")


def page_id(text: str) -> str:
    """The id of a page that came without one: a hash of its text (stable across processes)."""
    return xxhash.xxh3_64_hexdigest(text.encode("utf-8", "surrogatepass"))


def clean_one(text: str, *, id: str | None = None, url: str | None = None, config: Config | None = None) -> Result:
    """Clean one page dump as `clean` would (text dump, not HTML), with `config` (default settings)."""
    pipeline = _pipeline(json.dumps((config or Config()).as_dict(), sort_keys=True))
    page = Page(id=id if id is not None else page_id(text), source="<batch>", content=text, url=url)
    return pipeline.clean(pipeline.document(page))


def clean_batch(
    batch: dict[str, list[Any]],
    *,
    config: Config | None = None,
    text_column: str = "text",
    id_column: str = "id",
    url_column: str = "url",
) -> dict[str, list[Any]]:
    """Clean every page of a columnar batch: `text` (required), optional `id` and `url`.

    Returns the input columns with `text` replaced by the clean text and the other output columns
    added: `id` (given, or for a row without one a hash of its text), `site`, `lang`, `raw_chars`,
    `clean_chars`, `removed` (a list of dicts per row: block, start, end, reason, detail, text),
    `dup_cluster`, `dup_rank`.
    Does not change the input lists; a missing `text` column or a non-string text is a ConfigError.

    >>> out = clean_batch({"text": ["Home\\nA sentence of the article, long enough to keep it.\\nRead More"]})
    >>> out["text"], [r["reason"] for r in out["removed"][0]]
    (['A sentence of the article, long enough to keep it.'], ['heuristic:outside-article', 'heuristic:link-label'])
    """
    if text_column not in batch:
        raise ConfigError(f"clean_batch: the batch has no {text_column!r} column (columns: {', '.join(batch)})")
    texts = batch[text_column]
    ids = batch.get(id_column)
    urls = batch.get(url_column)
    results = []
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            raise ConfigError(f"clean_batch: row {row}: {text_column!r} is {type(text).__name__}, not text")
        doc_id = None if ids is None or ids[row] is None else str(ids[row])
        url = None if urls is None else urls[row]
        results.append(clean_one(text, id=doc_id, url=url, config=config))
    out = {name: list(values) for name, values in batch.items()}
    out[text_column] = [r.text for r in results]
    columns: dict[str, list[Any]] = {
        id_column: [r.id for r in results],
        "site": [r.site for r in results],
        "lang": [r.lang for r in results],
        "raw_chars": [r.raw_chars for r in results],
        "clean_chars": [r.clean_chars for r in results],
        "removed": [[x.as_dict() for x in r.removed] for r in results],
        "dup_cluster": [r.dup_cluster for r in results],
        "dup_rank": [r.dup_rank for r in results],
    }
    out.update(columns)
    return out
