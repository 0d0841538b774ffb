"""`cleaner clean --dry-run`: what a run would do, without doing it — the resolved settings, the
rule packs that load, the inputs found (files, bytes) and an estimate of the corpus stage's memory
and disk, from a sample of the first pages.

The estimate: pass 1 keeps each page's fingerprints in memory (8 B per block, the MinHash row of
each block of `min_block_words` words or more and of the page: 4 B x `num_perm` each, about
200 B of bookkeeping per page; twice that at the peak, when the arrays are joined) and spills
each page's document to a temporary file (measured: the pickled size of the sampled pages'
documents). Pages are counted by the input's bytes over the sample's bytes per page, so
compressed inputs are under-estimated by their compression ratio (said in the output).
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from typing import Any, TextIO

from cleaner.config import Config, check_config, dedup_params

SAMPLE_PAGES = 200
PAGE_OVERHEAD = 200
PEAK_FACTOR = 2


def plan(paths: list[str], config: Config) -> dict[str, Any]:
    """The dry run's findings as a dict (settings, packs, inputs, estimate)."""
    from cleaner.io.base import InputFile, ReadIssue
    from cleaner.io.readers import list_inputs
    from cleaner.rules import load_ruleset
    from cleaner.stats import input_sizes_total

    check_config(config)
    ruleset = load_ruleset(config.rules)
    entries = list_inputs(paths, config)
    files = [e for e in entries if isinstance(e, InputFile)]
    issues = [e for e in entries if isinstance(e, ReadIssue)]
    total = input_sizes_total(files)
    compressed = sum(1 for f in files if f.compression)
    result: dict[str, Any] = {
        "settings": config.as_dict(),
        "rule_packs": [{"id": p.id, "path": str(p.path)} for p in ruleset.packs],
        "inputs": {
            "files": len(files),
            "bytes": total,
            "compressed_files": compressed,
            "by_format": _by_format(files),
            "problems": [f"{i.source}: {i.message}" for i in issues],
        },
        "corpus_stage": None,
    }
    if config.repeats_on and not config.index:
        result["corpus_stage"] = estimate(paths, config, total)
    elif config.index:
        result["corpus_stage"] = {"index": config.index, "note": "a saved index is loaded: no pass 1, no spill"}
    return result


def _by_format(files: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in files:
        counts[f.format] = counts.get(f.format, 0) + 1
    return dict(sorted(counts.items()))


def _sample(paths: list[str], config: Config) -> Iterator[Any]:
    from cleaner.io.readers import ReadIssue, iter_pages

    taken = 0
    for item in iter_pages(paths, config):
        if isinstance(item, ReadIssue):
            continue
        yield item
        taken += 1
        if taken >= SAMPLE_PAGES:
            return


def estimate(paths: list[str], config: Config, total_bytes: int) -> dict[str, Any]:
    """Memory and disk of pass 1 for `total_bytes` of input, extrapolated from the first pages."""
    from cleaner.document import Document

    params = dedup_params(config)
    pages = blocks = long_blocks = content_bytes = spill_bytes = 0
    for page in _sample(paths, config):
        doc = Document.from_text(page.content, id=page.id, source=page.source, url=page.url)
        pages += 1
        content_bytes += len(page.content.encode("utf-8", "surrogatepass"))
        blocks += len(doc.blocks)
        long_blocks += sum(1 for b in doc.blocks if len(b.text.split()) >= params.min_block_words)
        spill_bytes += len(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    if not pages or not content_bytes:
        return {"pages": 0, "memory_bytes": 0, "disk_bytes": 0, "sampled_pages": 0}
    est_pages = max(pages, round(total_bytes * pages / content_bytes))
    scale = est_pages / pages
    row = 4 * config.num_perm
    per_page = (blocks * 9 + long_blocks * (row + 8)) / pages + row + PAGE_OVERHEAD
    return {
        "sampled_pages": pages,
        "pages": est_pages,
        "blocks": round(blocks * scale),
        "long_blocks": round(long_blocks * scale),
        "memory_bytes": round(PEAK_FACTOR * per_page * est_pages),
        "disk_bytes": round(spill_bytes * scale),
    }


def _size(n: int | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def print_plan(found: dict[str, Any], out: TextIO) -> None:
    """The dry run for people: settings as TOML (`--config` takes it back), packs, inputs, estimate."""
    print("# settings (TOML, as --config reads them)", file=out)
    for key, value in found["settings"].items():
        if value is not None and key != "dry_run":
            print(f"{key} = {json.dumps(value)}", file=out)
    packs = found["rule_packs"]
    print(f"\n# rule packs: {len(packs)} load", file=out)
    for pack in packs:
        print(f"#   {pack['id']:28s} {pack['path']}", file=out)
    inputs = found["inputs"]
    formats = ", ".join(f"{n} {f}" for f, n in inputs["by_format"].items()) or "none"
    print(f"\n# inputs: {inputs['files']} files, {_size(inputs['bytes'])} ({formats})", file=out)
    for problem in inputs["problems"]:
        print(f"#   problem: {problem}", file=out)
    corpus = found["corpus_stage"]
    if corpus is None:
        print("\n# corpus stage: off (no pass 1, no spill)", file=out)
    elif "index" in corpus:
        print(f"\n# corpus stage: {corpus['note']} ({corpus['index']})", file=out)
    else:
        note = " (compressed inputs: multiply by their compression ratio)" if inputs["compressed_files"] else ""
        print(
            f"\n# corpus stage estimate from {corpus['sampled_pages']} sampled pages: about {corpus['pages']:,} pages, "
            f"memory {_size(corpus['memory_bytes'])}, temporary disk {_size(corpus['disk_bytes'])}{note}",
            file=out,
        )
