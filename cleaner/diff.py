"""`cleaner diff A B`: what changed between two outputs (Parquet or JSON Lines, files or folders).

Documents are matched by `id`. A document is *changed* when its clean text or its removals (block,
span, reason) differ. Per reason family (`repeat:<cluster>` counts as `repeat`), the removals that
appeared in B or vanished from A are counted over the documents both outputs hold. Memory: A is
held as digests (text and removals), not texts; the texts of the first `limit` changed documents
are read again for their unified diffs.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import xxhash

from cleaner.engine.run import reason_key
from cleaner.outputs import iter_rows

COLUMNS = ["id", "text", "removed"]
RemovalKey = tuple[int, int, int, str]


def removal_keys(row: dict[str, Any]) -> tuple[RemovalKey, ...]:
    """The removals of an output row as comparable tuples (block, start, end, reason), in order."""
    return tuple(sorted((r["block"], r["start"], r["end"], r["reason"]) for r in row.get("removed") or ()))


def _digest(text: str) -> int:
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


@dataclass
class DocChange:
    """One document both outputs hold, changed: its removals on each side."""

    id: str
    text_changed: bool
    vanished: list[RemovalKey]
    appeared: list[RemovalKey]


@dataclass
class Diff:
    """The comparison of output A with output B."""

    a: str
    b: str
    docs_a: int = 0
    docs_b: int = 0
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    changed: list[DocChange] = field(default_factory=list)
    reasons_appeared: Counter = field(default_factory=Counter)
    reasons_vanished: Counter = field(default_factory=Counter)
    text_diffs: dict[str, str] = field(default_factory=dict)

    @property
    def text_changed(self) -> int:
        return sum(c.text_changed for c in self.changed)

    @property
    def removals_changed(self) -> int:
        return sum(bool(c.vanished or c.appeared) for c in self.changed)

    @property
    def identical(self) -> bool:
        return not (self.only_a or self.only_b or self.changed)

    def as_json(self, ids: int = 100) -> dict[str, Any]:
        """A machine-readable form; id lists are cut to `ids` entries (the counts are complete)."""
        reasons = sorted(set(self.reasons_appeared) | set(self.reasons_vanished))
        return {
            "a": self.a,
            "b": self.b,
            "identical": self.identical,
            "documents": {"a": self.docs_a, "b": self.docs_b},
            "only_in_a": {"count": len(self.only_a), "ids": self.only_a[:ids]},
            "only_in_b": {"count": len(self.only_b), "ids": self.only_b[:ids]},
            "changed_text": self.text_changed,
            "changed_removals": self.removals_changed,
            "changed": [
                {
                    "id": c.id,
                    "text_changed": c.text_changed,
                    "removals_vanished": len(c.vanished),
                    "removals_appeared": len(c.appeared),
                }
                for c in self.changed[:ids]
            ],
            "reasons": {
                r: {"appeared": self.reasons_appeared[r], "vanished": self.reasons_vanished[r]} for r in reasons
            },
            "text_diffs": self.text_diffs,
        }

    def lines(self) -> list[str]:
        """The human-readable report: counts, the per-reason table, then the unified diffs."""
        out = [
            f"A: {self.a} ({self.docs_a} documents)",
            f"B: {self.b} ({self.docs_b} documents)",
        ]
        if self.identical:
            return [*out, "identical: same documents, same clean text, same removals"]
        out += [
            f"only in A:         {len(self.only_a)}" + _some(self.only_a),
            f"only in B:         {len(self.only_b)}" + _some(self.only_b),
            f"changed text:      {self.text_changed}",
            f"changed removals:  {self.removals_changed}",
        ]
        reasons = sorted(
            set(self.reasons_appeared) | set(self.reasons_vanished),
            key=lambda r: (-(self.reasons_appeared[r] + self.reasons_vanished[r]), r),
        )
        if reasons:
            out.append("removals by reason (in documents of both):   appeared  vanished")
            out += [
                f"  {r:40s} {'+' + str(self.reasons_appeared[r]):>9} {'-' + str(self.reasons_vanished[r]):>9}"
                for r in reasons
            ]
        for doc_id, text in self.text_diffs.items():
            out += ["", f"--- {doc_id}", text.rstrip("\n")]
        return out


def _some(ids: list[str], shown: int = 5) -> str:
    if not ids:
        return ""
    more = f", … {len(ids) - shown} more" if len(ids) > shown else ""
    return "  (" + ", ".join(ids[:shown]) + more + ")"


def diff_outputs(a: str, b: str, *, limit: int = 10, context: int = 2) -> Diff:
    """Compare the outputs at `a` and `b`; keep unified diffs of the first `limit` changed documents,
    those whose text changed first, then those whose removals alone changed (each shows the removal
    spans that differ)."""
    result = Diff(a, b)
    held: dict[str, tuple[int, tuple[RemovalKey, ...]]] = {}
    for row in iter_rows(a, COLUMNS):
        result.docs_a += 1
        held[row["id"]] = (_digest(row["text"] or ""), removal_keys(row))
    seen: set[str] = set()
    wanted: dict[str, str] = {}  # changed text first, then changed removals only
    removals_only: dict[str, str] = {}
    for row in iter_rows(b, COLUMNS):
        result.docs_b += 1
        doc_id = row["id"]
        seen.add(doc_id)
        if doc_id not in held:
            result.only_b.append(doc_id)
            continue
        text_digest, removals = held[doc_id]
        text_changed = text_digest != _digest(row["text"] or "")
        mine, theirs = Counter(removals), Counter(removal_keys(row))
        vanished, appeared = list((mine - theirs).elements()), list((theirs - mine).elements())
        if not (text_changed or vanished or appeared):
            continue
        result.changed.append(DocChange(doc_id, text_changed, sorted(vanished), sorted(appeared)))
        result.reasons_vanished.update(reason_key(k[3]) for k in vanished)
        result.reasons_appeared.update(reason_key(k[3]) for k in appeared)
        pool = wanted if text_changed else removals_only
        if len(pool) < limit:
            pool[doc_id] = row["text"] or ""
    result.only_a = [doc_id for doc_id in held if doc_id not in seen]
    for doc_id, text in removals_only.items():
        if len(wanted) < limit:
            wanted[doc_id] = text
    if wanted:
        by_id = {c.id: c for c in result.changed}
        for row in iter_rows(a, COLUMNS):
            if row["id"] in wanted:
                result.text_diffs[row["id"]] = _unified(row, wanted[row["id"]], by_id[row["id"]], context, a, b)
        result.text_diffs = {k: result.text_diffs[k] for k in wanted if k in result.text_diffs}
    return result


def _unified(row_a: dict[str, Any], text_b: str, change: DocChange, context: int, a: str, b: str) -> str:
    text_a = row_a["text"] or ""
    lines = list(
        difflib.unified_diff(
            text_a.splitlines(keepends=True),
            text_b.splitlines(keepends=True),
            fromfile=f"A/{row_a['id']}",
            tofile=f"B/{row_a['id']}",
            n=context,
        )
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    for sign, keys in (("-", change.vanished), ("+", change.appeared)):
        for block, start, end, reason in keys:
            text += f"{sign} removal block {block} [{start}:{end}] {reason}\n"
    return text


def write_report(result: Diff, *, as_json: bool, out: Any) -> int:
    """Print the diff and return the exit code: 0 identical, 1 different."""
    if as_json:
        out.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write("\n".join(result.lines()) + "\n")
    return 0 if result.identical else 1
