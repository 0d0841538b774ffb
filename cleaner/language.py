"""Foreign-language fragments: whole blocks, or sentences at a block's edge, in another language.

The stage first names the document's main language from its kept blocks, then
looks for fragments confidently in another language and removes them with the
reason `lang:<code>` (the fragment's language). A fragment is one of:

- a whole block ("Subscribe to our newsletter" in a German article);
- one or more whole sentences at the start or the end of a block ("… he
  said. es un sitio web oficial del Gobierno Argentino"): the span takes the
  white space that separated it from the rest, so the kept rest is the block
  minus the span, byte for byte.

What it must not remove: names and short phrases in another script inside a
sentence ("Xi Jinping (習近平)"), short foreign quotes inside a sentence,
proper names, anything too short to judge. The rules that keep it
conservative:

1. Script first. Letters in a script that is a minority in the fragment are
   dropped before judging it: the Han characters of a name in parentheses
   never make an English sentence Chinese.
2. Length. Fewer than `MIN_WORDS` words or `MIN_LETTERS` letters (or
   `MIN_CJK` characters for scripts written without spaces) is not judged.
3. Cheap gate. A fragment in the document's script whose share of the
   document language's stopwords is `GATE_STOPWORDS` or more is taken to be
   in the document language and never reaches the detector. Only the rest
   (few lines per page) pays for a model call. A fragment whose words are
   mostly capitalised is taken for a name or a title and not judged.
4. Related languages. A fragment in a language the detector confuses with
   the document's (zh/ja, ru/uk/bg, es/gl/ca, …) is never removed.
5. Confidence. The detector must give the document language almost no
   probability (`MAX_DOC_PROB`) and the fragment's language a high one
   (`MIN_PROB`), or a fair one (`MIN_PROB_WITH_STOPWORDS`) backed by that
   language's own stopwords.

The detector is py3langid (a fork of langid.py: naive Bayes over byte n-grams,
model shipped inside the package, nothing fetched at run time), restricted to
its languages with a two-letter ISO 639-1 code. It is loaded once per process,
on first use. See benchmarks/language_bench.py for why it was chosen.

>>> from cleaner.document import Document
>>> doc = Document.from_text(
...     "The minister said on Tuesday that the talks with the delegation would resume next week.\\n"
...     "Officials declined to comment on the report, which was published by the agency.\\n"
...     "“It is a matter for the courts,” he said. es un sitio web oficial del Gobierno Argentino",
...     id="d", source="s")
>>> lang, removals = find_removals(doc)
>>> lang, [(r.reason, r.text) for r in removals]
('en', [('lang:es', ' es un sitio web oficial del Gobierno Argentino')])
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.document import Document, Removal
from cleaner.words import STOPWORDS  # the most frequent function words of a few languages

MIN_WORDS = 4
MIN_LETTERS = 20
MIN_CJK = 8
GATE_STOPWORDS = 0.15
MAX_DOC_PROB = 0.02
MIN_PROB = 0.8
MIN_PROB_WITH_STOPWORDS = 0.4
MIN_FRAGMENT_STOPWORDS = 0.2
DOC_MIN_LETTERS = 150
DOC_MIN_PROB = 0.7
DOC_SAMPLE_CHARS = 2000
DOC_VOTE_SHARE = 0.2
DOC_VOTE_MARGIN = 3.0

# Scripts by code-point range; anything else with letters is "other".
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0E00, 0x0E7F, "thai"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "hangul"),
    (0x1E00, 0x1EFF, "latin"),
    (0x3040, 0x30FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7AF, "hangul"),
    (0xF900, 0xFAFF, "han"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
)
# Written without spaces between words: length is counted in characters.
_UNSPACED = frozenset({"han", "kana", "thai"})
# Scripts of the languages whose main script is not Latin (for "does the fragment's script fit").
_LANG_SCRIPT = {
    "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic", "be": "cyrillic", "mk": "cyrillic",
    "sr": "cyrillic", "kk": "cyrillic", "ky": "cyrillic", "mn": "cyrillic", "tg": "cyrillic",
    "tt": "cyrillic", "ba": "cyrillic", "el": "greek", "hy": "armenian", "he": "hebrew",
    "ar": "arabic", "fa": "arabic", "ur": "arabic", "ps": "arabic", "ug": "arabic",
    "hi": "devanagari", "mr": "devanagari", "ne": "devanagari", "sa": "devanagari",
    "th": "thai", "ka": "georgian", "ko": "hangul", "zh": "han", "ja": "kana",
}  # fmt: skip

# Languages a detector confuses on short text: a fragment in a language
# related to the document's is never removed, and the document language's
# probability counts theirs too.
_RELATED_GROUPS = (
    ("zh", "ja"),
    ("ru", "uk", "be", "bg", "mk", "sr"),
    ("sr", "hr", "bs", "sl"),
    ("da", "no", "nn", "sv"),
    ("ms", "id"),
    ("es", "gl", "an", "ca"),
    ("pt", "gl"),
    ("ca", "oc"),
    ("nl", "af", "fy"),
    ("de", "lb"),
    ("cs", "sk"),
    ("fa", "ps"),
    ("hi", "mr", "ne"),
)
_RELATED: dict[str, frozenset[str]] = {}
for _group in _RELATED_GROUPS:
    for _code in _group:
        _RELATED[_code] = _RELATED.get(_code, frozenset({_code})) | frozenset(_group)
# Scripts with upper and lower case, where a run of capitalised words is a name.
_CASED = frozenset({"latin", "cyrillic", "greek", "armenian", "georgian"})
MAX_CAPITALISED = 0.5

_WORD = re.compile(r"[^\W\d_]+")
# A sentence ends at . ! ? … (or the CJK full stops), maybe closed by quotes or
# brackets; in spaced scripts it must be followed by white space.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)|[。！？]+[”’」』）]*")
_SPACE = re.compile(r"\s*")
_NOT_ASCII_LETTER = re.compile(r"[^A-Za-z]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def script_of(char: str) -> str | None:
    """The script of a letter ('latin', 'han', …), 'other' for other letters, None for a non-letter."""
    if not char.isalpha():
        return None
    code = ord(char)
    for low, high, name in _SCRIPTS:
        if low <= code <= high:
            return name
    return "other"


def script_profile(text: str) -> dict[str, int]:
    """Letters per script, e.g. {'latin': 40, 'han': 3}.

    ASCII letters are counted in one C-level pass; only the non-ASCII
    characters (few, in most English text) are looked at one by one.
    """
    counts: dict[str, int] = {}
    ascii_letters = len(_NOT_ASCII_LETTER.sub("", text))
    if ascii_letters:
        counts["latin"] = ascii_letters
    if not text.isascii():
        for char in _NON_ASCII.findall(text):
            script = script_of(char)
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
    return counts


def main_script(profile: dict[str, int]) -> str | None:
    """The script with most letters (ties broken by name, so the answer is stable)."""
    if not profile:
        return None
    return max(sorted(profile), key=lambda s: profile[s])


def stopword_share(words: list[str], lang: str) -> float | None:
    """Share of `words` (lowercased) in `lang`'s stoplist; None when there is no list or no word."""
    stop = STOPWORDS.get(lang)
    if stop is None or not words:
        return None
    return len([w for w in words if w in stop]) / len(words)


def capitalised_share(words: list[str]) -> float:
    """Share of the alphabetic words that start with a capital (names, titles, headline case)."""
    alpha = [w for w in words if w[:1].isalpha()]
    return sum(w[0].isupper() for w in alpha) / len(alpha) if alpha else 0.0


# -- the detector ------------------------------------------------------------

_LOCK = threading.Lock()
_IDENTIFIER = None
#: py3langid's model (BSD-3-Clause, like py3langid), restricted to its two-letter languages, in a form
#: that loads in a fraction of the time of py3langid's LZMA file: each array one zstd frame. Written by
#: `python -m cleaner.language --write-model` (`write_model`), never at run time.
MODEL_PATH = Path(__file__).parent / "data" / "langid.zst"


def _identifier():
    """The py3langid model, loaded once per process on first use (about 65 MiB resident)."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        with _LOCK:
            if _IDENTIFIER is None:
                try:
                    from py3langid.langid import LanguageIdentifier
                except ImportError:  # pragma: no cover - a declared dependency
                    raise ImportError(
                        "the language stage needs py3langid: pip install 'py3langid>=0.4' "
                        "(or run with the language stage disabled)"
                    ) from None
                model = read_model(MODEL_PATH)
                _IDENTIFIER = LanguageIdentifier(
                    model["ptc"],
                    model["pc"],
                    model["classes"],
                    model["nextmove"],
                    model["out_feat"],
                    norm_probs=True,
                    tk_row=model["nextmove_row"],
                )
    return _IDENTIFIER


def _packaged_model() -> dict[str, Any]:
    """py3langid's own model as `read_model` returns it: loaded from its LZMA file and restricted to
    the languages with a two-letter ISO 639-1 code (`write_model` writes this)."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(sorted(code for code in ident.labels if len(code) == 2))
    return {
        "ptc": np.ascontiguousarray(ident.nb_ptc),
        "pc": np.ascontiguousarray(ident.nb_pc),
        "classes": list(ident.nb_classes),
        "nextmove": ident.tk_nextmove,
        "nextmove_row": ident.tk_row,
        "out_feat": ident.tk_output,
    }


def write_model(path: Path = MODEL_PATH) -> None:
    """Write py3langid's model in the form `read_model` loads: a JSON header line (the classes, and
    each array's type, shape and compressed size), then each array as one zstd frame."""
    import importlib.metadata

    import numpy as np
    import zstandard

    model = _packaged_model()
    compressor = zstandard.ZstdCompressor(level=19)
    header: dict[str, Any] = {"py3langid": importlib.metadata.version("py3langid"), "classes": model["classes"]}
    frames = []
    for name, kind in _MODEL_ARRAYS.items():
        values = np.ascontiguousarray(np.asarray(model[name], dtype=kind))
        frame = compressor.compress(values.tobytes())
        header[name] = {"dtype": kind, "shape": list(values.shape), "bytes": len(frame)}
        frames.append(frame)
    with open(path, "wb") as out:
        out.write(json.dumps(header, sort_keys=True).encode() + b"\n")
        out.writelines(frames)


#: the arrays of the model file and their types: naive Bayes weights (feature x language), class priors,
#: and the byte DFA (distinct 256-entry rows, each state's row, each state's feature or -1)
_MODEL_ARRAYS = {"ptc": "float16", "pc": "float32", "nextmove": "uint32", "nextmove_row": "uint16", "out_feat": "int32"}
_TYPECODES: dict[str, Any] = {"uint32": "I", "uint16": "H", "int32": "i"}  # the DFA arrays, as memoryview formats


def read_model(path: Path) -> dict[str, Any]:
    """The arrays `write_model` wrote: numpy arrays for the weights, and the DFA as memoryviews (what
    py3langid's byte walk indexes one item at a time, without a copy)."""
    import numpy as np
    import zstandard

    data = path.read_bytes()
    newline = data.index(b"\n")
    header = json.loads(data[:newline])
    decompressor = zstandard.ZstdDecompressor()
    model: dict[str, Any] = {"classes": header["classes"]}
    offset = newline + 1
    for name, kind in _MODEL_ARRAYS.items():
        size = header[name]["bytes"]
        raw = decompressor.decompress(data[offset : offset + size])
        offset += size
        if name in ("ptc", "pc"):
            model[name] = np.frombuffer(raw, dtype=kind).reshape(header[name]["shape"])
        else:
            model[name] = memoryview(raw).cast(_TYPECODES[kind])
    return model


def rank(text: str) -> list[tuple[str, float]]:
    """Languages (ISO 639-1) by probability for `text`, best first."""
    return _identifier().rank(text)


def detect(text: str) -> tuple[str, float]:
    """The most likely language of `text` and its probability.

    >>> detect("Die Regierung hat am Dienstag neue Maßnahmen angekündigt.")[0]
    'de'
    """
    code, prob = _identifier().classify(text)
    return code, float(prob)


# -- fragments ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a fragment is foreign: its language, the detector's probability, the doc language's."""

    lang: str
    prob: float
    doc_prob: float


def judge(text: str, doc_lang: str) -> Verdict | None:
    """A verdict when `text` is confidently in a language other than `doc_lang`, else None.

    The stopword gate comes first (it is the cheapest and settles most
    blocks); then minority-script letters are dropped (names in another
    script), and the length, name and confidence rules of the module
    docstring apply.
    """
    if len(text) < MIN_CJK:
        return None
    stop = STOPWORDS.get(doc_lang)
    if stop is not None:
        # the cheap gate: enough of the document language's stopwords means it is that language
        lowered = _WORD.findall(text.lower())
        if lowered and sum(map(stop.__contains__, lowered)) >= GATE_STOPWORDS * len(lowered):
            return None
    profile = script_profile(text)
    script = main_script(profile)
    if script is None:
        return None
    if len(profile) > 1:
        text = "".join(ch for ch in text if script_of(ch) in (None, script))
    raw_words = _WORD.findall(text)
    words = [w.lower() for w in raw_words]
    if script in _UNSPACED:
        if profile[script] < MIN_CJK:
            return None
    elif len(words) < MIN_WORDS or profile[script] < MIN_LETTERS:
        return None
    if script in _CASED and capitalised_share(raw_words[1:]) >= MAX_CAPITALISED:
        return None  # names: "Corriere della Sera (Italy)", "La Crónica de Hoy (Mexico)"
    ranked = rank(text)
    lang, prob = ranked[0]
    related = _RELATED.get(doc_lang, frozenset({doc_lang}))
    if lang in related:
        return None
    doc_prob = sum(p for code, p in ranked if code in related)
    if doc_prob > MAX_DOC_PROB:
        return None
    expected = _LANG_SCRIPT.get(lang, "latin")
    if expected != script and not (lang == "ja" and script == "han"):
        return None
    if prob < MIN_PROB:
        own = stopword_share(words, lang)
        if prob < MIN_PROB_WITH_STOPWORDS or own is None or own < MIN_FRAGMENT_STOPWORDS:
            return None
    return Verdict(lang, prob, doc_prob)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans `(start, end)` of a block: end after the closing punctuation, white space outside."""
    spans = []
    start = len(text) - len(text.lstrip())
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end > start and text[start:end].strip():
            spans.append((start, end))
        start = _SPACE.match(text, end).end()  # type: ignore[union-attr]  # r"\s*" always matches
    tail = text[start:].rstrip()
    if tail:
        spans.append((start, start + len(tail)))
    return spans


def document_language(doc: Document) -> tuple[str | None, float]:
    """The main language of the kept blocks and its probability; None when too short or unsure.

    A decisive stopword vote (one stoplist covering `DOC_VOTE_SHARE` of the
    words and `DOC_VOTE_MARGIN` times the runner-up) names the language
    without a model call (probability reported as 1.0); otherwise the
    detector reads the first `DOC_SAMPLE_CHARS` characters.
    """
    pieces, size = [], 0
    for text in doc.kept_texts():
        pieces.append(text)
        size += len(text)
        if size >= DOC_SAMPLE_CHARS:
            break
    body = "\n".join(pieces)[:DOC_SAMPLE_CHARS]
    known = _DOC_LANGUAGE.get(body)
    if known is None:
        if len(_DOC_LANGUAGE) >= MAX_DOC_MEMO:
            _DOC_LANGUAGE.clear()
        known = _DOC_LANGUAGE[body] = _sample_language(body)
    return known


def _sample_language(body: str) -> tuple[str | None, float]:
    """`document_language` of the sample `body` (a pure function, memoised there)."""
    profile = script_profile(body)
    if sum(profile.values()) < DOC_MIN_LETTERS:
        return None, 0.0
    if main_script(profile) == "latin":
        words = [w.lower() for w in _WORD.findall(body)]
        shares = sorted(
            ((count / len(words) if words else 0.0, code) for code, count in _stop_counts(words)), reverse=True
        )
        (best, code), (second, _) = shares[0], shares[1]
        if best >= DOC_VOTE_SHARE and best >= DOC_VOTE_MARGIN * second:
            return code, 1.0
    lang, prob = detect(body)
    if prob < DOC_MIN_PROB:
        return None, prob
    return lang, prob


@functools.cache
def _stop_langs() -> dict[str, tuple[str, ...]]:
    """Each stopword and the languages whose stoplist has it."""
    langs: dict[str, tuple[str, ...]] = {}
    for code, stop in STOPWORDS.items():
        for word in stop:
            langs[word] = (*langs.get(word, ()), code)
    return langs


def _stop_counts(words: list[str]) -> list[tuple[str, int]]:
    """How many of `words` each stoplist holds (`STOPWORDS` order), counted in one pass over the words."""
    langs = _stop_langs()
    counts = dict.fromkeys(STOPWORDS, 0)
    for word in words:
        for code in langs.get(word, ()):
            counts[code] += 1
    return list(counts.items())


def _edge_runs(text: str, spans: list[tuple[int, int]], doc_lang: str) -> Iterator[tuple[int, int, Verdict, str]]:
    """Foreign sentence runs at the block's start and end: (start, end, verdict, where)."""
    lead = 0
    lead_verdict = None
    while lead < len(spans) - 1:
        verdict = judge(text[slice(*spans[lead])], doc_lang)
        if verdict is None or (lead_verdict and verdict.lang != lead_verdict.lang):
            break
        lead_verdict = lead_verdict or verdict
        lead += 1
    trail = len(spans)
    trail_verdict = None
    while trail - 1 > lead:
        verdict = judge(text[slice(*spans[trail - 1])], doc_lang)
        if verdict is None or (trail_verdict and verdict.lang != trail_verdict.lang):
            break
        trail_verdict = trail_verdict or verdict
        trail -= 1
    if lead_verdict is not None:
        # the leading run takes the white space after it, up to the next sentence
        yield 0, spans[lead][0], lead_verdict, "leading sentence" if lead == 1 else f"leading {lead} sentences"
    if trail_verdict is not None:
        # the trailing run takes the white space before it, from the previous sentence's end
        count = len(spans) - trail
        where = "trailing sentence" if count == 1 else f"trailing {count} sentences"
        yield spans[trail - 1][1], len(text), trail_verdict, where


MAX_MEMO = 100_000  # block texts memoised (about 30 MiB at most)
MAX_DOC_MEMO = 10_000  # document samples of up to DOC_SAMPLE_CHARS memoised
_FRAGMENTS: dict[tuple[str, str], tuple[tuple[int, int, str, str], ...]] = {}
_DOC_LANGUAGE: dict[str, tuple[str | None, float]] = {}


def block_fragments(text: str, doc_lang: str) -> tuple[tuple[int, int, str, str], ...]:
    """The foreign spans of one block in a `doc_lang` document: `(start, end, reason, detail)`.

    A pure function of its arguments, memoised (bounded) across the fixpoint rounds and pages.
    """
    key = (text, doc_lang)
    found = _FRAGMENTS.get(key)
    if found is None:
        if len(_FRAGMENTS) >= MAX_MEMO:
            _FRAGMENTS.clear()
        found = _FRAGMENTS[key] = tuple(_fragments(text, doc_lang))
    return found


def _fragments(text: str, doc_lang: str) -> Iterator[tuple[int, int, str, str]]:
    verdict = judge(text, doc_lang)
    if verdict is not None:
        detail = f"{verdict.lang} {verdict.prob:.2f} ({doc_lang} {verdict.doc_prob:.2f}), whole block"
        yield 0, len(text), f"lang:{verdict.lang}", detail
        return
    spans = sentences(text)
    if len(spans) < 2:
        return
    for start, end, verdict, where in _edge_runs(text, spans, doc_lang):
        detail = f"{verdict.lang} {verdict.prob:.2f} ({doc_lang} {verdict.doc_prob:.2f}), {where}"
        yield start, end, f"lang:{verdict.lang}", detail


def find_removals(doc: Document) -> tuple[str | None, list[Removal]]:
    """The document's main language, and removals of fragments confidently in another language.

    Only blocks still kept and not protected are considered; a block that
    already lost a span to an earlier stage is left alone (its text is no
    longer what a reader sees). Returns `(None, [])` when the document is too
    short or its language unsure.
    """
    doc_lang, _ = document_language(doc)
    if doc_lang is None:
        return None, []
    partial = {r.block for r in doc.removals}
    removals: list[Removal] = []
    for index in doc.kept_indexes():
        if index in doc.protected or index in partial:
            continue
        text = doc.blocks[index].text
        for start, end, reason, detail in block_fragments(text, doc_lang):
            removals.append(Removal(index, start, end, reason, detail, text[start:end]))
    return doc_lang, removals


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--write-model"]:
        raise SystemExit("usage: python -m cleaner.language --write-model   (writes cleaner/data/langid.zst)")
    write_model()
