"""`cleaner explain`: each block of a page, kept or removed, with the reason."""

from __future__ import annotations

from typing import TextIO

from cleaner.config import Config
from cleaner.document import Document

GREEN, RED, YELLOW, DIM, RESET = "\033[32m", "\033[31m", "\033[33m", "\033[2m", "\033[0m"


def render(doc: Document, *, color: bool = False, width: int = 0) -> list[str]:
    """One line per block: line number, KEEP/DROP/PART, the reason and detail of a drop, the text."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    by_block: dict[int, list] = {}
    for removal in doc.sorted_removals():
        by_block.setdefault(removal.block, []).append(removal)
    lines = [
        paint(DIM, f"# {doc.id}  site={doc.site or '-'}  lang={doc.lang or '-'}  packs={','.join(doc.packs) or '-'}")
    ]
    for block in doc.blocks:
        removals = by_block.get(block.index, [])
        text = block.text
        if width and len(text) > width:
            text = text[: max(10, width - 1)] + "…"
        if doc.is_removed(block.index):
            why = removals[0].reason + (f" ({removals[0].detail})" if removals[0].detail else "")
            lines.append(paint(RED, f"{block.line:5d} DROP {why}") + "\n" + paint(DIM, f"           {text}"))
        elif removals:
            spans = "; ".join(f"{r.reason} [{r.start}:{r.end}] {r.text!r}" for r in removals)
            lines.append(paint(YELLOW, f"{block.line:5d} PART {spans}") + "\n" + f"           {text}")
        else:
            lines.append(paint(GREEN, f"{block.line:5d} KEEP ") + text)
    return lines


def explain_file(
    path: str,
    config: Config,
    *,
    url: str | None = None,
    site: str | None = None,
    color: bool = False,
    width: int = 0,
    out: TextIO,
) -> int:
    """Explain every page in `path`; return the exit code (1 if a page could not be read)."""
    from cleaner.engine.local import load_index
    from cleaner.extract import to_document
    from cleaner.io.readers import ReadIssue, iter_pages
    from cleaner.pipeline import Pipeline

    pipeline = Pipeline.from_config(config, load_index(config))
    status = 0
    for item in iter_pages([path], config):
        if isinstance(item, ReadIssue):
            print(f"cleaner: {'error' if item.fatal else 'warning'}: {item.source}: {item.message}", file=out)
            status = max(status, int(item.fatal))
            continue
        doc = to_document(item, pipeline.ruleset, timeout=config.extract_timeout)
        doc.url = url or doc.url
        doc.site = site or doc.site
        pipeline.run(doc)
        print("\n".join(render(doc, color=color, width=width)), file=out)
    return status
