"""The corpus stage's engine side: pass 1 (fingerprints, spill), the index build, pass 2's finishing.

Pass 1 runs in the workers: each page goes through the per-document stages
and is fingerprinted; the worker appends the batch's documents to its own
spill file as one Arrow IPC segment (a compact columnar record: block texts,
removals, a few fields; no pickled `Document`) and returns only the
fingerprints and where the segment is (`SpillRef`). The parent writes the
fingerprints to columnar shards (`cleaner.dedup.shards`) and keeps the
references compactly (`Spill`: a few int64 per page); the index is then built
out of core. Pass 2 hands each worker references, not documents: the worker
reads its segments back, applies the corpus stage and returns results.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.config import Config, dedup_params
from cleaner.document import Block, Document, Page, Removal, Result
from cleaner.engine import worker

SPILL_SCHEMA_FIELDS = (
    "id", "source", "url", "site", "folder", "lang", "raw_chars", "packs", "protected", "lines", "texts",
    "r_block", "r_start", "r_end", "r_reason", "r_detail", "r_text", "metadata", "seconds",
)  # fmt: skip
log = logging.getLogger("cleaner")
_files: dict[str, Any] = {}  # this process's open spill file, by folder


@functools.lru_cache(maxsize=1)
def _schema():
    import pyarrow as pa

    s, i32, lst = pa.string(), pa.int32(), pa.list_
    return pa.schema(
        [
            ("id", s), ("source", s), ("url", s), ("site", s), ("folder", s), ("lang", s),
            ("raw_chars", pa.int64()), ("packs", lst(s)), ("protected", lst(i32)), ("lines", lst(i32)),
            ("texts", lst(s)), ("r_block", lst(i32)), ("r_start", lst(i32)), ("r_end", lst(i32)),
            ("r_reason", lst(s)), ("r_detail", lst(s)), ("r_text", lst(s)), ("metadata", pa.binary()),
            ("seconds", pa.map_(s, pa.float64())),
        ]
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SpillRef:
    """Where pass 1 left a document: a segment of a worker's spill file and the row in it."""

    path: str
    offset: int
    length: int
    row: int


def _encode(docs: list[Document]) -> bytes:
    """The documents as one Arrow IPC stream (the `Removal.text` only where it is not the block's span)."""
    import pyarrow as pa

    cols: dict[str, list] = {name: [] for name in SPILL_SCHEMA_FIELDS}
    for doc in docs:
        texts = [b.text for b in doc.blocks]
        cols["id"].append(doc.id)
        cols["source"].append(doc.source)
        cols["url"].append(doc.url)
        cols["site"].append(doc.site)
        cols["folder"].append(doc.folder)
        cols["lang"].append(doc.lang)
        cols["raw_chars"].append(len(doc.text))
        cols["packs"].append(list(doc.packs))
        cols["protected"].append(sorted(doc.protected))
        cols["lines"].append([b.line for b in doc.blocks])
        cols["texts"].append(texts)
        rs = doc.removals
        cols["r_block"].append([r.block for r in rs])
        cols["r_start"].append([r.start for r in rs])
        cols["r_end"].append([r.end for r in rs])
        cols["r_reason"].append([r.reason for r in rs])
        cols["r_detail"].append([r.detail for r in rs])
        cols["r_text"].append([None if r.text == texts[r.block][r.start : r.end] else r.text for r in rs])
        cols["metadata"].append(pickle.dumps(doc.metadata, protocol=pickle.HIGHEST_PROTOCOL) if doc.metadata else None)
        cols["seconds"].append(list(doc.seconds.items()))
    batch = pa.RecordBatch.from_pydict(cols, schema=_schema())
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _decode(data: bytes) -> list[tuple[Document, int]]:
    """The documents of a segment, each with its raw text length."""
    import pyarrow as pa

    table = pa.ipc.open_stream(data).read_all()
    cols = {name: table.column(name).to_pylist() for name in SPILL_SCHEMA_FIELDS}
    out = []
    for k in range(table.num_rows):
        texts = cols["texts"][k]
        blocks = [Block(i, line, text) for i, (line, text) in enumerate(zip(cols["lines"][k], texts, strict=True))]
        meta = cols["metadata"][k]
        doc = Document(
            id=cols["id"][k],
            source=cols["source"][k],
            text="",
            url=cols["url"][k],
            site=cols["site"][k],
            folder=cols["folder"][k],
            lang=cols["lang"][k],
            blocks=blocks,
            metadata=pickle.loads(meta) if meta is not None else {},
            protected=set(cols["protected"][k]),
            packs=tuple(cols["packs"][k]),
            seconds=dict(cols["seconds"][k] or ()),
        )
        removals = [
            Removal(b, s, e, reason, detail, text if text is not None else texts[b][s:e])
            for b, s, e, reason, detail, text in zip(
                cols["r_block"][k], cols["r_start"][k], cols["r_end"][k], cols["r_reason"][k],
                cols["r_detail"][k], cols["r_text"][k], strict=True,
            )
        ]  # fmt: skip
        doc.add(removals)
        out.append((doc, cols["raw_chars"][k]))
    return out


def _spill_file(folder: str):
    """This process's spill file in `folder` (opened once, appended to)."""
    handle = _files.get(folder)
    if handle is None:
        for old in _files.values():
            old.close()
        _files.clear()
        handle = _files[folder] = open(os.path.join(folder, f"spill-{os.getpid()}.arrow"), "ab")  # noqa: SIM115
    return handle


def _append(handle: Any, data: bytes) -> int:
    """Append `data` to a spill file and flush it; its offset. A write error names the file."""
    offset = handle.tell()
    try:
        handle.write(data)
        handle.flush()
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, handle.name) from None
    return offset


def close_spill_files() -> None:
    """Close this process's spill files (in-process runs, after pass 1)."""
    for handle in _files.values():
        handle.close()
    _files.clear()


def first_pass_batch(pages: list[Page], *, spill_dir: str | None = None) -> worker.Batch:
    """Pass 1: per-document stages and fingerprint of each page.

    Without `spill_dir`: the fingerprint (or Failure) per page. With it, the
    batch's documents are appended to this worker's spill file there and each
    page gives `(fingerprint, SpillRef)` (or its Failure).
    """
    from cleaner.dedup import fingerprint

    pipeline = worker._pipeline()
    params = dedup_params(pipeline.config)
    keep = pipeline.config.dup_verify

    def work(doc: Document) -> tuple[Any, Document]:
        pipeline.run_document_stages(doc)
        return fingerprint(doc, params, keep_shingles=keep), doc

    outcomes = worker._run_batch(pages, work)
    if spill_dir is None:
        return worker.Batch((o if isinstance(o, worker.Failure) else o[0] for o in outcomes), outcomes.notices)
    docs = [o[1] for o in outcomes if not isinstance(o, worker.Failure)]
    path, offset, length = "", 0, 0
    if docs:
        data = _encode(docs)
        handle = _spill_file(spill_dir)
        path, offset, length = handle.name, _append(handle, data), len(data)
    results = worker.Batch(notices=outcomes.notices)
    row = 0
    for o in outcomes:
        if isinstance(o, worker.Failure):
            results.append(o)
        else:
            results.append((o[0], SpillRef(path, offset, length, row)))
            row += 1
    return results


def finish_batch(items: list[SpillRef | worker.Failure]) -> worker.Batch:
    """Pass 2 over pass 1's spilled documents: read each segment once, apply the corpus stage."""
    pipeline = worker._pipeline()
    segments: dict[tuple[str, int, int], list[tuple[Document, int]]] = {}
    outcomes = worker.Batch()
    for item in items:
        if isinstance(item, worker.Failure):
            outcomes.append(item)
            continue
        key = (item.path, item.offset, item.length)
        if key not in segments:
            with open(item.path, "rb") as f:
                f.seek(item.offset)
                segments[key] = _decode(f.read(item.length))
        doc, raw_chars = segments[key][item.row]
        try:
            result = Result.of(pipeline.apply_corpus(doc))
            outcomes.append(_with_raw_chars(result, raw_chars))
        except Exception as exc:  # noqa: BLE001 - reported per page, the run goes on
            outcomes.append(
                worker.Failure(doc.source, doc.id, "repeats", f"internal error: {type(exc).__name__}: {exc}")
            )
    return outcomes


def _with_raw_chars(result: Result, raw_chars: int) -> Result:
    import dataclasses

    return dataclasses.replace(result, raw_chars=raw_chars)


class Spill:
    """The parent's record of pass 1, in input order: per page a `SpillRef` (as four int64) or a Failure.

    A few int64 per page, no document: the documents are in the workers' spill files.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: list[str] = []
        self._path_ids: dict[str, int] = {}
        self._chunks: list[np.ndarray] = []
        self._rows: list[tuple[int, int, int, int, int]] = []
        self.failures: dict[int, worker.Failure] = {}

    @property
    def spill_dir(self) -> str:
        return str(self.folder)

    def keep(self, ordinal: int, outcome: Any) -> Any:
        """Record a pass-1 outcome; return the fingerprint (or the failure)."""
        if isinstance(outcome, worker.Failure):
            self.failures[ordinal] = outcome
            self._rows.append((ordinal, -1, 0, 0, 0))
            result = outcome
        else:
            fp, ref = outcome
            path_id = self._path_ids.get(ref.path)
            if path_id is None:
                path_id = self._path_ids[ref.path] = len(self.paths)
                self.paths.append(ref.path)
            self._rows.append((ordinal, path_id, ref.offset, ref.length, ref.row))
            result = fp
        if len(self._rows) >= 65536:
            self._chunks.append(np.array(self._rows, dtype=np.int64))
            self._rows = []
        return result

    def close(self) -> None:
        if self._rows:
            self._chunks.append(np.array(self._rows, dtype=np.int64))
            self._rows = []

    @property
    def count(self) -> int:
        """Pages recorded (pass 2's total, for its progress bar)."""
        return sum(len(c) for c in self._chunks) + len(self._rows)

    def read(self) -> Iterator[tuple[int, SpillRef | worker.Failure]]:
        for chunk in self._chunks:
            for ordinal, path_id, offset, length, row in chunk.tolist():
                if path_id < 0:
                    yield ordinal, self.failures[ordinal]
                else:
                    yield ordinal, SpillRef(self.paths[path_id], offset, length, row)

    def nbytes_on_disk(self) -> int:
        return sum(os.path.getsize(p) for p in self.paths)


def report_clusters(index: Any) -> None:
    """Log the largest duplicate and block clusters (and what `--dup-verify` rejected)."""
    stats = index.stats
    for kind in ("duplicate", "block"):
        rows = stats.get(f"largest_{kind}_clusters") or []
        if rows:
            sizes = ", ".join(f"{r['cluster']} ({r['size']})" for r in rows)
            log.info("largest %s clusters: %s", kind, sizes)
    if "dup_verify_rejected" in stats:
        log.info("--dup-verify rejected near-duplicate pairs: %s", stats["dup_verify_rejected"])


def load_index(config: Config) -> Any:
    """The saved corpus index given with `--index` (when the corpus stage is on), else None."""
    if not config.index or not config.repeats_on:
        return None
    from cleaner.dedup import CorpusIndex

    return CorpusIndex.load(config.index, dedup_params(config))


def build_index(paths: list[str], ctx: Any, *, spill: Spill | None = None) -> Any:
    """Pass 1: run the per-document stages on every readable page, fingerprint it and build the corpus index.

    With a `spill`, each page's document is kept in the workers' spill files for
    pass 2 to finish and report (failures too); without one (`cleaner index
    build`), failures are reported and counted here. Read issues go to the
    context's error log. The fingerprint shards and the index live in a
    temporary folder as long as the index does; the pass-1 workers are gone
    before the build starts.
    """
    import tempfile

    from cleaner.dedup import CorpusIndex
    from cleaner.dedup.shards import FingerprintShards
    from cleaner.engine import progress
    from cleaner.engine.local import _executor, _map, _pages

    config = ctx.config
    params = dedup_params(config)
    batch_fn: Callable[..., Any] = first_pass_batch
    if spill is not None:
        batch_fn = functools.partial(first_pass_batch, spill_dir=spill.spill_dir)
    owner = tempfile.TemporaryDirectory(prefix="cleaner-index-", dir=spill.spill_dir if spill is not None else None)
    try:
        shards = FingerprintShards(Path(owner.name) / "shards", params.num_perm, keep_shingles=config.dup_verify)
        with _executor(config, None, ctx.ruleset) as submit:
            label = "pass 1: fingerprints" if spill is not None else "fingerprints"
            bar = progress.InputBar(paths, config, label, ctx.progress)
            for ordinal, outcome in _map(_pages(paths, ctx, bar), batch_fn, submit, config.workers, ctx.notice):
                if spill is not None:
                    outcome = spill.keep(ordinal, outcome)
                elif isinstance(outcome, worker.Failure):
                    ctx.summary.add(outcome, config)
                    ctx.failure(outcome)
                if not isinstance(outcome, worker.Failure):
                    shards.add(outcome)
            bar.close()
        shards.close()
        close_spill_files()
        if spill is not None:
            spill.close()
        index = CorpusIndex.from_shards(
            shards.folder, params, Path(owner.name) / "index", owner=owner, verify=config.dup_verify
        )
        report_clusters(index)
        ctx.summary.note_index(index)
        return index
    except BaseException:
        close_spill_files()
        owner.cleanup()
        raise
