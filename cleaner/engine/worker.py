"""What one worker does to a batch of pages: the same functions in-process, in a pool, or on Ray.

The worker holds one `Pipeline` (rule packs loaded once) and, in pass 2, the
corpus index. A page that fails is returned as a `Failure`, never raised, so
one bad page cannot stop a batch. A page cleaned with a warning (a rule whose
regex ran out of time) gets a `Notice` in its batch's `notices`.
"""

from __future__ import annotations

import dataclasses
import gc
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cleaner.config import Config
from cleaner.document import Document, Page
from cleaner.errors import CleanerError
from cleaner.pipeline import Pipeline

if TYPE_CHECKING:
    from cleaner.dedup import CorpusIndex
    from cleaner.rules import RuleSet

_state: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Failure:
    """A page that could not be cleaned: where it came from and why."""

    source: str
    id: str | None
    stage: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning about a page that was still cleaned: where it came from and what happened."""

    source: str
    id: str | None
    stage: str
    message: str
    rule: str = ""


class Batch(list):
    """A batch's outcomes in page order, and `notices`: the `Notice`s of its pages, in page order."""

    def __init__(self, outcomes: Iterable[Any] = (), notices: Iterable[Notice] = ()):
        super().__init__(outcomes)
        self.notices = list(notices)


#: The cyclic garbage collector's thresholds in a process that cleans pages. A page makes thousands
#: of short-lived objects (blocks, removals, views) that form no cycles; with Python's default
#: (700, 10, 10) the collector took about 9% of `clean --no-repeats` on the dev dumps, most of it in
#: full collections that walk the memos and the rows waiting to be written; with these, about 3%.
GC_THRESHOLDS = (10_000, 20, 20)


def init_worker(config: Config, index: CorpusIndex | None = None, ruleset: RuleSet | None = None) -> None:
    """Build this process's pipeline once (called as a pool initializer or in-process), and set the
    collector's `GC_THRESHOLDS`."""
    gc.set_threshold(*GC_THRESHOLDS)
    _state["pipeline"] = Pipeline.from_config(config, index, ruleset)


def _pipeline() -> Pipeline:
    return _state["pipeline"]


def _run_batch(pages: list[Page], work: Callable[[Document], Any]) -> Batch:
    """`work` on each page's document, guarded; each page's regex timeouts become its notices."""
    from cleaner.rules import REGEX_TIMEOUT_S, take_timeouts

    batch = Batch()
    take_timeouts()
    for page in pages:
        batch.append(_guarded(page, work))
        for (pack, rule), count in Counter(take_timeouts()).items():
            times = f" ({count} times)" if count > 1 else ""
            message = f"regex of rule {pack}/{rule} ran out of time ({REGEX_TIMEOUT_S:g} s){times}: treated as no match"
            batch.notices.append(Notice(page.source, page.id, "rules", message, f"{pack}/{rule}"))
    return batch


def _guarded(page: Page, work: Callable[[Document], Any]) -> Any:
    stage = "extract"
    try:
        doc = _pipeline().document(page)
        stage = "clean"
        return work(doc)
    except CleanerError as exc:
        return Failure(page.source, page.id, stage, getattr(exc, "message", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported per page, the run goes on
        return Failure(page.source, page.id, stage, f"internal error: {type(exc).__name__}: {exc}")


def clean_batch(pages: list[Page]) -> Batch:
    """Pass 2 (or the only pass): clean each page (a `Result` or a `Failure` each)."""
    return _run_batch(pages, _pipeline().clean)
