"""`cleaner bench`: a quick check of speed and quality on pages generated here.

The pages come from a small seeded generator in this module (the evaluation
pages cannot ship inside the wheel). Each generated page is a news article
wrapped in the junk a naive scraper keeps: navigation labels, a breadcrumb, a
share bar, "Read More" links, a related-stories list, a site-wide "Most read"
sidebar repeated across the site's pages, a newsletter pitch and a footer.
Every line is labelled when it is made, so what the cleaner removes can be
scored against the truth: precision and recall of removed boilerplate lines.

The full benchmarks, against other tools and on the human-labelled pages, are
`benchmarks/quality.py` and `benchmarks/throughput.py` in the source tree.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_WORDS = _words(
    "government minister officials agreement border trade energy pipeline region talks security "
    "policy economy market prices company investors report court election parliament president "
    "province city farmers workers students villagers doctors water railway project loan bank budget "
    "currency exports visit delegation summit dispute protest police army soldiers ministry "
    "statement spokesman analysts"
)
_VERBS = _words(
    "said announced confirmed denied warned expected signed approved rejected discussed reported "
    "criticised welcomed promised planned considered reviewed"
)
_ADJ = _words("new major local foreign regional national large small recent annual first last key former senior")
_DAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_PLACES = _words("Astana Tashkent Bishkek Beijing Almaty Dushanbe Urumqi Ashgabat Samarkand Osh")

_SITES = (
    ("dailyobserver.example", "Daily Observer", ("Home", "World", "Business", "Opinion", "Sport", "Culture")),
    ("steppe-times.example", "Steppe Times", ("News", "Politics", "Economy", "Society", "Video", "Contact")),
    ("silkroad-herald.example", "Silk Road Herald", ("Latest", "Region", "Markets", "Features", "Podcasts")),
    ("eurasia-wire.example", "Eurasia Wire", ("Top stories", "Central Asia", "China", "Energy", "About us")),
)


@dataclass(frozen=True)
class GeneratedPage:
    """One generated dump: `lines` in order and, for each, whether it is boilerplate."""

    id: str
    url: str
    site: str
    lines: tuple[str, ...]
    boilerplate: tuple[bool, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def article(self) -> str:
        return "\n".join(line for line, junk in zip(self.lines, self.boilerplate, strict=True) if not junk)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_ADJ), rng.choice(_WORDS)]
    pick = rng.random()
    if pick < 0.3:
        body = (
            f"The {' '.join(words)} {rng.choice(_VERBS)} on {rng.choice(_DAYS)} that the {rng.choice(_WORDS)} "
            f"in {rng.choice(_PLACES)} would be {rng.choice(_VERBS)} by the end of the year"
        )
    elif pick < 0.6:
        body = (
            f"According to the {rng.choice(_WORDS)}, the {rng.choice(_ADJ)} {rng.choice(_WORDS)} was "
            f"{rng.choice(_VERBS)} after {rng.randint(2, 90)} {rng.choice(_WORDS)} met in {rng.choice(_PLACES)}"
        )
    else:
        body = (
            f"{rng.choice(_PLACES)} has {rng.choice(_VERBS)} a {' '.join(words)} worth {rng.randint(2, 900)} "
            f"million dollars, and the {rng.choice(_WORDS)} {rng.choice(_VERBS)} it with the {rng.choice(_WORDS)}"
        )
    return body + rng.choice(".....!?")


def _headline(rng: random.Random) -> str:
    return f"{rng.choice(_PLACES)} {rng.choice(_WORDS)} {rng.choice(_VERBS)} {rng.choice(_ADJ)} {rng.choice(_WORDS)}"


def generate_pages(n: int, seed: int = 0) -> list[GeneratedPage]:
    """`n` labelled page dumps from four made-up sites; the same `seed` gives the same pages."""
    rng = random.Random(seed)
    # site-wide sidebar blurbs: whole sentences, so only their repetition across pages gives them away
    sidebars = {domain: [_sentence(rng) for _ in range(8)] for domain, _, _ in _SITES}
    pages = []
    for number in range(n):
        domain, name, sections = _SITES[number % len(_SITES)]
        lines: list[tuple[str, bool]] = []

        def junk(text: str, _lines: list[tuple[str, bool]] = lines) -> None:
            _lines.append((text, True))

        def keep(text: str, _lines: list[tuple[str, bool]] = lines) -> None:
            _lines.append((text, False))

        for label in sections:
            junk(label)
        junk(f"Home > {rng.choice(sections)} > {rng.choice(_PLACES)}")
        keep(_headline(rng).capitalize())
        junk("Share on Facebook")
        junk("Share on X")
        paragraphs = rng.randint(3, 9)
        for p in range(paragraphs):
            if p and rng.random() < 0.15:
                keep(f"{rng.choice(_ADJ).capitalize()} {rng.choice(_WORDS)} in {rng.choice(_PLACES)}")
            if rng.random() < 0.1:
                junk(f"Photo: {rng.choice(('AFP', 'Reuters', 'AP', 'Getty Images'))}")
            keep(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))))
        junk("Read More")
        junk("Related articles")
        for _ in range(rng.randint(2, 4)):
            junk(_headline(rng).capitalize())
        junk("Most read")
        for blurb in rng.sample(sidebars[domain], 3):
            junk(blurb)
        teaser = _sentence(rng).split()
        junk("Next: " + " ".join(teaser[: len(teaser) // 2]) + " ...")
        junk(f"Sign up for the {name} newsletter")
        junk(f"© {2018 + number % 7} {name}. All rights reserved.")
        junk("Privacy policy | Terms of use | Contact")
        slug = "-".join(lines[len(sections) + 1][0].lower().split()[:5])
        pages.append(
            GeneratedPage(
                id=f"gen-{number:06d}",
                url=f"https://www.{domain}/{2018 + number % 7}/{slug}-{number}",
                site=domain,
                lines=tuple(text for text, _ in lines),
                boilerplate=tuple(flag for _, flag in lines),
            )
        )
    return pages


def write_jsonl(pages: list[GeneratedPage], path: Path) -> int:
    """Write pages as JSON Lines (`id`, `url`, `text`); return the bytes of text written."""
    size = 0
    with open(path, "w", encoding="utf-8") as f:
        for page in pages:
            f.write(json.dumps({"id": page.id, "url": page.url, "text": page.text}, ensure_ascii=False) + "\n")
            size += len(page.text.encode("utf-8"))
    return size


def removed_line_scores(pages: list[GeneratedPage], removed: dict[str, set[int]]) -> tuple[float, float]:
    """Precision and recall of whole lines removed (`removed[id]`: block indexes) against the labels.

    Generated pages have no blank lines, so block index == line index.
    """
    tp = fp = fn = 0
    for page in pages:
        gone = removed.get(page.id, set())
        for index, junk in enumerate(page.boilerplate):
            if index in gone:
                tp += junk
                fp += not junk
            else:
                fn += junk
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def _removed_blocks(parquet_path: Path) -> dict[str, set[int]]:
    import pyarrow.parquet as pq

    table = pq.read_table(parquet_path, columns=["id", "text", "removed"]).to_pylist()
    removed: dict[str, set[int]] = {}
    for row in table:
        whole = set()
        for r in row["removed"] or []:
            if r["start"] == 0 and r["end"] == len(r["text"]):
                whole.add(r["block"])
        removed[row["id"]] = whole
    return removed


def quick_bench(pages: int, out: TextIO) -> int:
    """Generate `pages` labelled dumps, clean them with the default settings, print speed and quality."""
    from cleaner import __version__
    from cleaner.config import Config
    from cleaner.engine import run

    pages = max(int(pages), 8)
    generated = generate_pages(pages, seed=7)
    print(f"cleaner {__version__} bench: {pages} generated pages from {len(_SITES)} sites", file=out)
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as tmp:
        source = Path(tmp) / "pages.jsonl"
        size = write_jsonl(generated, source)
        rows = []
        for label, config in (
            ("text, corpus repeats on ", Config()),
            ("text, --no-repeats      ", Config(repeats=False)),
        ):
            target = Path(tmp) / "out.parquet"
            start = time.perf_counter()
            summary = run([str(source)], str(target), config, progress=False)
            seconds = max(time.perf_counter() - start, 1e-9)
            precision, recall = removed_line_scores(generated, _removed_blocks(target))
            rows.append((label, summary.documents, seconds, precision, recall, summary.errors))
    for label, documents, seconds, precision, recall, errors in rows:
        if errors:
            print(f"  warning: {errors} pages failed in the '{label.strip()}' run (see the log above)", file=out)
        print(
            f"  {label} {documents / seconds:8.1f} docs/s {size / seconds / 1e6:6.2f} MB/s  "
            f"removed boilerplate lines: P {precision:.3f} R {recall:.3f}",
            file=out,
        )
    print(
        "  (one process; time includes start-up. P: removed lines that were boilerplate; "
        "R: boilerplate lines removed.)",
        file=out,
    )
    return 0
