"""Invariants of cleaning, checked on generated pages (Hypothesis).

- the output is the input minus the recorded spans (provenance replays exactly);
- output lines are a subsequence of input lines, spans aside;
- cleaning is idempotent: clean(clean(x)) == clean(x);
- nothing crashes on arbitrary text.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import clean_text
from cleaner.document import Result, split_blocks

SENTENCES = [
    "The minister said the talks would continue next week in the capital.",
    "Officials declined to comment on the report, citing the ongoing investigation.",
    "Trade between the two countries grew by 22 percent last year, data showed.",
    "“We are ready to cooperate,” she told reporters after the meeting.",
    "Der Vertrag wurde am Montag in Berlin unterzeichnet, sagte ein Sprecher.",
    "El acuerdo fue firmado el lunes en la capital, según un portavoz.",
    "Xi Jinping (習近平) met the delegation on Friday.",
]
LABELS = ["Home", "News", "Most Popular", "Read More", "Related articles", "Photo: AFP", "Share", "21.6 C"]
TEASERS = ["Storm sends 80mph winds to large parts of country", "Aviva acquires AIG's UK life business for"]

page_line = st.one_of(
    st.sampled_from(SENTENCES),
    st.sampled_from(LABELS),
    st.sampled_from(TEASERS),
    st.text(min_size=0, max_size=60),
)
pages = st.lists(page_line, min_size=0, max_size=25).map("\n".join)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def replay(text: str, result: Result) -> str:
    """Apply the recorded removals to the input, independently of the pipeline."""
    blocks = split_blocks(text)
    spans: dict[int, list[tuple[int, int]]] = {}
    for r in result.removed:
        assert blocks[r.block].text[r.start : r.end] == r.text
        spans.setdefault(r.block, []).append((r.start, r.end))
    kept = []
    for block in blocks:
        chars = list(block.text)
        for start, end in spans.get(block.index, []):
            for i in range(start, end):
                chars[i] = ""
        piece = "".join(chars)
        if piece and not piece.isspace():
            kept.append(piece)
    return "\n".join(kept)


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(line == other for other in it) for line in small)


@FAST
@given(pages)
def test_output_is_input_minus_recorded_spans(text):
    result = clean_text(text)
    assert replay(text, result) == result.text


@FAST
@given(pages)
def test_whole_lines_kept_are_a_subsequence_of_input_lines(text):
    result = clean_text(text)
    partial = {r.block for r in result.removed if r.end - r.start < len(split_blocks(text)[r.block].text)}
    untouched = [b.text for b in split_blocks(text) if b.index not in partial]
    whole_out = [line for line in result.text.split("\n") if line in untouched]
    assert is_subsequence(whole_out, [b.text for b in split_blocks(text)])
    assert all(line in text for line in result.text.split("\n"))


@FAST
@given(pages)
def test_idempotent(text):
    once = clean_text(text).text
    assert clean_text(once).text == once


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_no_crash_on_arbitrary_text(text):
    result = clean_text(text)
    assert isinstance(result.text, str)
    assert replay(text, result) == result.text
