"""What one worker does to a batch of pages: the same functions in-process, in a pool, or on Ray.

The worker holds one `Pipeline` (rule packs loaded once) and, in pass 2, the
corpus index. A page that fails is returned as a `Failure`, never raised, so
one bad page cannot stop a batch. A page cleaned with a warning (a rule whose
regex ran out of time) gets a `Notice` in its batch's `notices`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cleaner.config import Config
from cleaner.document import Document, Page, Result
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


def init_worker(config: Config, index: CorpusIndex | None = None, ruleset: RuleSet | None = None) -> None:
    """Build this process's pipeline once (called as a pool initializer or in-process)."""
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


def fingerprint_batch(pages: list[Page]) -> Batch:
    """Pass 1: run the per-document stages, then fingerprint blocks and document for the corpus index."""
    batch = first_pass_batch(pages)
    return Batch((o if isinstance(o, Failure) else o[0] for o in batch), batch.notices)


def first_pass_batch(pages: list[Page]) -> Batch:
    """Pass 1 keeping its work: each page's fingerprint and its document after the per-document stages,
    so pass 2 only has to apply the corpus stage."""
    from cleaner.config import dedup_params
    from cleaner.dedup import fingerprint

    pipeline = _pipeline()
    params = dedup_params(pipeline.config)

    def work(doc: Document) -> tuple[Any, Document]:
        pipeline.run_document_stages(doc)
        return fingerprint(doc, params), doc

    return _run_batch(pages, work)


def finish_batch(docs: list[Document | Failure]) -> Batch:
    """Pass 2 over pass 1's documents: the corpus stage, then the result (failures pass through)."""
    pipeline = _pipeline()
    outcomes = Batch()
    for doc in docs:
        if isinstance(doc, Failure):
            outcomes.append(doc)
            continue
        try:
            outcomes.append(Result.of(pipeline.apply_corpus(doc)))
        except Exception as exc:  # noqa: BLE001 - reported per page, the run goes on
            outcomes.append(Failure(doc.source, doc.id, "repeats", f"internal error: {type(exc).__name__}: {exc}"))
    return outcomes
