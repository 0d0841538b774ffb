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
    """Explain every page in `path` as `clean` would clean it; return the exit code (1 if a page could
    not be read or cleaned).

    The page goes the way `clean` takes it (`Pipeline.document`), with `url` and `site` applied
    before extraction, so a site pack's ``prune_xpath`` is used; a page with no main text is shown
    as an empty document, as `clean` writes an empty row.
    """
    import dataclasses

    from cleaner.config import check_config
    from cleaner.engine.corpus import load_index
    from cleaner.errors import CleanerError, ConfigError
    from cleaner.io.readers import ReadIssue, iter_pages
    from cleaner.pipeline import Pipeline

    check_config(config)
    pipeline = Pipeline.from_config(config, load_index(config))
    if site is not None and not any(site in (p.site, p.id, *p.domains) for p in pipeline.ruleset.packs):
        known = sorted({p.site or p.id for p in pipeline.ruleset.packs if not p.always})
        raise ConfigError(f"--site {site!r}: no rule pack for this site; known: {', '.join(known)}")
    status = 0
    for item in iter_pages([path], config):
        if isinstance(item, ReadIssue):
            print(f"cleaner: {'error' if item.fatal else 'warning'}: {item.source}: {item.message}", file=out)
            status = max(status, int(item.fatal))
            continue
        page = dataclasses.replace(item, url=url) if url else item
        try:
            doc = pipeline.run(pipeline.document(page, site=site))
        except CleanerError as exc:
            print(f"cleaner: error: {exc}", file=out)
            status = 1
            continue
        print("\n".join(render(doc, color=color, width=width)), file=out)
    return status
