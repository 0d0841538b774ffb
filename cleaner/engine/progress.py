"""Progress bars of a local run, on stderr: over input bytes while pages are read (total and ETA
from the input files' sizes), over documents when their number is known (pass 2 after pass 1).

Labels say which pass runs: "pass 1: fingerprints" then "pass 2: cleaning", or "cleaning" for a
one-pass run. A bar is only drawn where tqdm would draw one (a terminal, not `-q`).
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from cleaner.document import Page


def _disabled(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


class InputBar:
    """Advances by each page's size (UTF-8 bytes of its content) as it is read, capped at its file's
    size; reaching the next file counts the earlier ones whole, so the bar is exact between files and
    close within one (compressed files and record overhead are the error)."""

    def __init__(self, paths: list[str], config: Any, desc: str, progress: bool | None):
        shown = progress if progress is not None else sys.stderr.isatty()
        self.sizes: dict[str, int] = input_sizes(paths, config) if shown else {}
        total = sum(self.sizes.values()) or None
        self.bar = tqdm(desc=desc, unit="B", unit_scale=True, total=total, disable=not shown, mininterval=0.5)
        self.done = 0
        self.source: str | None = None
        self.in_file = 0
        self.pages = 0

    def page(self, page: Page) -> None:
        self.pages += 1
        if self.bar.disable:
            return
        if page.source != self.source:
            if self.source is not None:
                self.done += self.sizes.get(self.source, self.in_file)
            self.source, self.in_file = page.source, 0
        size = len(page.content.encode("utf-8", "surrogatepass"))
        limit = self.sizes.get(page.source)
        self.in_file = size + self.in_file if limit is None else min(limit, self.in_file + size)
        self.bar.n = self.done + self.in_file
        self.bar.set_postfix_str(f"{self.pages} pages", refresh=False)
        self.bar.update(0)

    def close(self) -> None:
        if not self.bar.disable and self.bar.total:
            self.bar.n = self.bar.total
            self.bar.refresh()
        self.bar.close()


def document_bar(desc: str, total: int | None, progress: bool | None) -> tqdm:
    """A bar over documents, with a total (and so an ETA) when it is known."""
    return tqdm(desc=desc, unit="doc", total=total, disable=_disabled(progress), mininterval=0.5)


def input_sizes(paths: list[str], config: Any) -> dict[str, int]:
    """The size of every input file under `paths`, by the name its pages carry as `source`."""
    from cleaner.io import fs
    from cleaner.io.base import InputFile
    from cleaner.io.readers import list_inputs

    try:
        entries = list_inputs(paths, config)
    except Exception:  # noqa: BLE001 - a bar never fails a run; the readers report what is wrong
        return {}
    return {e.path: fs.file_size(e.where) or 0 for e in entries if isinstance(e, InputFile)}
