"""The account of a run: what was read, written, removed and what failed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RunSummary:
    documents: int = 0
    written: int = 0
    empty: int = 0
    too_short: int = 0
    duplicates_dropped: int = 0
    failed: int = 0
    read_errors: int = 0
    warnings: int = 0
    skipped_shards: int = 0
    raw_chars: int = 0
    clean_chars: int = 0
    seconds: float = 0.0
    gave_up: bool = False
    reasons: Counter = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return self.failed + self.read_errors

    @property
    def exit_code(self) -> int:
        return 1 if self.errors or self.gave_up else 0

    def line(self, output: str) -> str:
        """One line for the end of a run."""
        kept = self.clean_chars / self.raw_chars if self.raw_chars else 0.0
        rate = self.documents / self.seconds if self.seconds else 0.0
        extras = [f"{self.empty} empty"]
        if self.too_short:
            extras.append(f"{self.too_short} under --min-words")
        if self.duplicates_dropped:
            extras.append(f"{self.duplicates_dropped} duplicates dropped")
        if self.skipped_shards:
            extras.append(f"{self.skipped_shards} finished shards skipped")
        extras.append(f"{self.errors} errors")
        return (
            f"{self.documents} documents ({', '.join(extras)}): kept {self.clean_chars:,} of "
            f"{self.raw_chars:,} chars ({kept:.0%}), removed {self.raw_chars - self.clean_chars:,}; "
            f"{self.seconds:.1f} s, {rate:.0f} docs/s -> {output}"
        )

    def reason_table(self, top: int = 15) -> list[str]:
        """Removals by reason family (`heuristic:nav-label`, `rule:wordpress/akismet`, `repeat`, `lang:es`)."""
        return [f"  {count:8d}  {reason}" for reason, count in self.reasons.most_common(top)]


def reason_key(reason: str) -> str:
    """Group `repeat:<cluster>` under one key; other reasons are already families."""
    return "repeat" if reason.startswith("repeat:") else reason
