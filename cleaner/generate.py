"""Seeded synthetic news sites with known truth, streamed page by page.

Each site has its chrome: a navigation line, a byline under the article
("<name> · N hours ago · (N comments)"), sidebar boxes, a newsletter pitch, a
footer, a "Related stories" list drawn from a pool of teasers that vary from
page to page (a comment count, an "Updated <day>" note, a teaser cut short),
and promos that read like prose (whole English sentences, a number changing
from page to page) inside the article body, where the per-document stages
keep them: only their repetition across the site gives them away. Articles
are generated prose, unique to each article, except quotes shared by exactly
two articles. Some articles are syndicated to another site with a light edit,
and some pages are saved twice (another URL, other teasers). A "Latest news"
box lists headlines that change from page to page (never repeated: only the
label above them gives them away).

Every block carries its truth: `kind` (title, article or boilerplate) and a
`family` naming what it is a copy of (`<site>/<role>/...`; `Block.role`:
nav, meta, promo, newsletter, related, teaser, sidebar, latest or footer), so
a test can score repeat removal, rules and duplicate clustering exactly.

`iter_pages` streams (memory stays flat for a million pages: articles come
round-robin over the sites, so any prefix is balanced); `generate` collects a
small corpus with its duplicate groups. Writers: JSON Lines with URLs, or one
folder per site of text dumps without URLs; either with a truth file (JSON Lines).

    python -m cleaner.generate --sites 4 --docs-per-site 50 -o corpus.jsonl --truth truth.jsonl
    python -m cleaner.generate --format folders -o dumps/     # dumps/<site>/<page>.txt

Text dumps put one block per line with blank lines between (as scrapers do);
the truth lists one label per non-blank line, in order.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

_ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pl", "r", "s", "st",
           "t", "tr", "v", "w", "z"]  # fmt: skip
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
_CODAS = ["", "", "n", "r", "s", "l", "nd", "st", "m", "t"]
_FUNCTION = ["the", "of", "and", "to", "in", "a", "for", "on", "with", "that", "by", "as", "at", "from"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_NAMES = ["Ana Petrova", "John Okafor", "Mei Lin", "Carlos Ruiz", "Sara Nilsson", "Omar Haddad"]

# Promos and pitches that read like article prose: whole sentences a per-document stage keeps.
# `{name}` is the site's name, `{n}` a number that changes from page to page.
PROMOS = (
    "Our reporters spent {n} days on the ground for this story, and readers like you make that possible.",
    "Independent reporting costs money, so please consider supporting {name} with a gift of {n} dollars today.",
    "Join more than {n},000 readers who start their morning with the best of {name} in their inbox.",
    "This article is part of a series in which {name} follows the people behind the headlines for {n} weeks.",
    "If you have a story the public should know about, our newsroom reads every message within {n} hours.",
    "You have read {n} articles this month, and every one of them was paid for by readers who chose to help.",
    "Download the {name} app to follow the {n} stories our editors are watching closely this week.",
    "Members of {name} read every article without limits and meet our reporters at {n} events each year.",
)


class Block(NamedTuple):
    """One line of a generated page and its truth."""

    text: str
    kind: str  # title, article or boilerplate
    family: str  # what it is a copy of: `<site>/<role>/...` for boilerplate

    @property
    def role(self) -> str:
        """What the block is: `title`, `article`, or the boilerplate's role (`nav`, `meta`, `promo`,
        `newsletter`, `related`, `teaser`, `sidebar`, `latest`, `footer`)."""
        return self.family.split("/")[1] if self.kind == "boilerplate" else self.kind


class _Prose:
    """Generated words and sentences: made-up content words between common function words."""

    def __init__(self, rng: random.Random, vocabulary: int = 6000):
        self.rng = rng
        seen: set[str] = set()
        while len(seen) < vocabulary:
            n = rng.choice((1, 2, 2, 3, 3, 4))
            seen.add("".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(n)))
        self.words = sorted(seen)
        self._pool = _FUNCTION + self.words
        share = 0.3 / len(_FUNCTION)
        rest = 0.7 / len(self.words)
        self._cum = list(itertools.accumulate([share] * len(_FUNCTION) + [rest] * len(self.words)))

    def sentence(self, lo: int = 8, hi: int = 22) -> str:
        rng = self.rng
        out = rng.choices(self._pool, cum_weights=self._cum, k=rng.randint(lo, hi))
        if rng.random() < 0.2:
            out.insert(rng.randrange(len(out)), str(rng.randint(2, 2024)))
        return " ".join(out).capitalize() + "."

    def paragraph(self, lo: int = 2, hi: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def title(self) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(4, 8))).title()


@dataclass
class Page:
    """One generated page: its blocks with their truth; `group` is the id of the page it copies (or its own)."""

    id: str
    url: str
    site: str
    blocks: list[Block] = field(default_factory=list)
    group: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks) + "\n"

    @property
    def boilerplate(self) -> tuple[bool, ...]:
        return tuple(b.kind == "boilerplate" for b in self.blocks)

    @property
    def file(self) -> str:
        """Where `write_site_folders` puts the page, relative to its folder (also the reader's page id)."""
        return f"{self.id}.txt"

    def record(self) -> dict:
        return {"id": self.id, "url": self.url, "text": self.text}

    def truth(self) -> dict:
        return {
            "id": self.id,
            "file": self.file,
            "site": self.site,
            "group": self.group,
            "blocks": [{"kind": b.kind, "role": b.role, "family": b.family} for b in self.blocks],
        }


@dataclass
class Corpus:
    pages: list[Page]
    duplicates: list[list[str]]  # groups of page ids that are (near-)duplicates

    def truth(self) -> dict:
        return {
            "blocks": {p.id: [{"kind": b.kind, "family": b.family} for b in p.blocks] for p in self.pages},
            "sites": {p.id: p.site for p in self.pages},
            "duplicates": self.duplicates,
        }

    def records(self) -> list[dict]:
        return [p.record() for p in self.pages]


class _Site:
    def __init__(self, prose: _Prose, rng: random.Random, number: int, teasers: int):
        self.rng = rng
        self.prose = prose
        word = prose.title().split()[0]
        self.domain = d = f"{word.lower()}{number}.example"
        self.name = f"The {word} Herald"
        self.nav = Block("Home | News | Politics | Business | Sport | Culture | Opinion", "boilerplate", f"{d}/nav/0")
        self.sidebar = [
            Block(f"{label}: {prose.sentence(10, 18)}", "boilerplate", f"{d}/sidebar/{i}")
            for i, label in enumerate(["Most read", "Editor's pick", "Podcast"])
        ]
        self.newsletter = Block(
            f"Sign up for the {self.name} morning briefing: the day's top stories, {prose.sentence(6, 10)}",
            "boilerplate",
            f"{d}/newsletter/0",
        )
        self.footer = [
            Block(f"© 2024 {self.name}. All rights reserved.", "boilerplate", f"{d}/footer/copyright"),
            Block(f"{self.name} is published by {prose.title()} Media. {prose.sentence(12, 20)}", "boilerplate",
                  f"{d}/footer/publisher"),
            Block("Powered by NewsPress CMS", "boilerplate", "cms/footer/powered"),
        ]  # fmt: skip
        self.related = Block("Related stories", "boilerplate", f"{d}/related/0")
        self.latest = Block("Latest news", "boilerplate", f"{d}/latest/label")
        self.teasers = [(prose.title(), prose.sentence(14, 22)) for _ in range(teasers)]
        self.promos = [(i, PROMOS[i]) for i in sorted(rng.sample(range(len(PROMOS)), 3))]

    def teaser(self, j: int) -> Block:
        title, body = self.teasers[j]
        roll = self.rng.random()
        if roll < 0.4:
            text = f"{title} — {body} ({self.rng.randint(0, 400)} comments)"
        elif roll < 0.7:
            text = f"{title} — {body} Updated {self.rng.choice(_DAYS)}"
        elif roll < 0.85:
            cut = body.split()
            text = f"{title} — {' '.join(cut[: max(4, len(cut) * 3 // 5)])}…"
        else:
            text = f"{title} — {body}"
        return Block(text, "boilerplate", f"{self.domain}/teaser/{j}")

    def meta(self) -> Block:
        """A byline: one of a few names, a time that changes (the family is the variant with digits folded)."""
        rng = self.rng
        author = rng.randrange(len(_NAMES))
        recent = rng.random() < 0.6
        when = f"{rng.randint(2, 23)} hours ago" if recent else f"{_DAYS[author]} {rng.randint(1, 28)}"
        return Block(f"{_NAMES[author]} · {when} · ({rng.randint(0, 300)} comments)", "boilerplate",
                     f"{self.domain}/meta/{author}-{'hours' if recent else 'day'}")  # fmt: skip

    def promo(self) -> Block:
        which, template = self.rng.choice(self.promos)
        text = template.format(name=self.name, n=self.rng.randint(2, 90))
        return Block(text, "boilerplate", f"{self.domain}/promo/{which}")

    def latest_headlines(self, group: str) -> list[Block]:
        """Three headlines that change from page to page (a page and its copies, made the same hour, agree)."""
        same_hour = random.Random(group)
        words = self.prose.words
        titles = [" ".join(same_hour.choices(words, k=same_hour.randint(4, 8))).title() for _ in range(3)]
        return [Block(t, "boilerplate", f"{self.domain}/latest/{group}/{k}") for k, t in enumerate(titles)]

    def page(self, pid: str, title: str, paragraphs: list[Block], group: str) -> Page:
        rng = self.rng
        page = Page(pid, f"https://{self.domain}/news/{pid.split('/', 1)[1]}", self.domain, group=group)
        page.blocks.append(self.nav)
        page.blocks.append(Block(title, "title", f"title/{pid}"))
        body = list(paragraphs)
        if rng.random() < 0.75:
            body.insert(rng.randint(1, len(body) - 1), self.promo())
        page.blocks.extend(body)
        if rng.random() < 0.7:
            page.blocks.append(self.meta())
        if rng.random() < 0.8:
            page.blocks.append(self.newsletter)
        page.blocks.append(self.related)
        for j in rng.sample(range(len(self.teasers)), 3):
            page.blocks.append(self.teaser(j))
        page.blocks.extend(s for s in self.sidebar if rng.random() < 0.8)
        if rng.random() < 0.6:
            page.blocks.append(self.latest)
            page.blocks.extend(self.latest_headlines(group))
        page.blocks.extend(self.footer)
        return page


QUOTE_WINDOW = 64  # a shared quote's second article comes at most this many articles later


def iter_pages(
    sites: int = 3,
    docs_per_site: int = 20,
    *,
    seed: int = 0,
    teasers: int = 12,
    quotes: float = 0.15,
    syndicated: float = 0.1,
    saved_twice: float = 0.1,
) -> Iterator[Page]:
    """Stream `sites * docs_per_site` articles' pages, plus syndicated copies and pages saved twice.

    Articles come round-robin over the sites; a copy follows its original. Only the
    sites' chrome and the quotes waiting for their second article are held in memory.
    """
    rng = random.Random(seed)
    prose = _Prose(rng)
    site_list = [_Site(prose, rng, s, teasers) for s in range(sites)]
    total = sites * docs_per_site
    waiting: dict[int, list[Block]] = defaultdict(list)  # article number -> quotes it must carry
    for number in range(total):
        s, a = number % sites, number // sites
        site = site_list[s]
        paras = [Block(prose.paragraph(), "article", f"article/{s}-{a}/{k}") for k in range(rng.randint(4, 9))]
        slug = f"{a:05d}-{prose.title().split()[0].lower()}"
        title = prose.title()
        if rng.random() < quotes and number + 1 < total:
            later = min(total - 1, number + rng.randint(1, QUOTE_WINDOW))
            quote = Block(f'"{prose.sentence(14, 24)}" said {rng.choice(_NAMES)}.', "article", f"quote/{number}")
            waiting[later].append(quote)
            paras.insert(rng.randint(1, len(paras)), quote)
        for quote in waiting.pop(number, ()):
            paras.insert(rng.randint(1, len(paras)), quote)
        pid = f"{site.domain}/{slug}"
        yield site.page(pid, title, paras, pid)
        if rng.random() < saved_twice:
            yield site.page(f"{pid}-amp", title, paras, pid)
        if sites > 1 and rng.random() < syndicated:
            other = site_list[rng.choice([i for i in range(sites) if i != s])]
            edited = list(paras)
            k = rng.randrange(len(edited))
            text, kind, fam = edited[k]
            edited[k] = Block(text.rsplit(". ", 1)[0] + ". " + prose.sentence(), kind, fam + "/edit")
            yield other.page(f"{other.domain}/syndicated-{slug}", title + " (AP)", edited, pid)


def generate(sites: int = 3, docs_per_site: int = 20, **options) -> Corpus:
    """The pages of `iter_pages` in a list, with their duplicate groups (for small corpora)."""
    pages = list(iter_pages(sites, docs_per_site, **options))
    groups: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        groups[page.group].append(page.id)
    return Corpus(pages, sorted(sorted(g) for g in groups.values() if len(g) > 1))


# --- writers --------------------------------------------------------------------------------------


def write_jsonl(pages: Iterable[Page], path: Path, truth: Path | None = None) -> tuple[int, int]:
    """Write pages as JSON Lines (`id`, `url`, `text`), and their truth as JSON Lines if asked.

    Returns (pages, bytes of text) written.
    """
    count = size = 0
    with open(path, "w", encoding="utf-8") as out, _maybe_open(truth) as labels:
        for page in pages:
            out.write(json.dumps(page.record(), ensure_ascii=False) + "\n")
            if labels is not None:
                labels.write(json.dumps(page.truth(), ensure_ascii=False) + "\n")
            count += 1
            size += len(page.text.encode("utf-8"))
    return count, size


def write_site_folders(pages: Iterable[Page], folder: Path, truth: Path | None = None) -> tuple[int, int]:
    """Write each page as a text dump `folder/<site>/<slug>.txt` (no URL anywhere), truth as JSON Lines.

    Returns (pages, bytes of text) written.
    """
    count = size = 0
    made: set[str] = set()
    with _maybe_open(truth) as labels:
        for page in pages:
            target = folder / page.file
            if page.site not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(page.site)
            text = page.text
            target.write_text(text, encoding="utf-8")
            if labels is not None:
                labels.write(json.dumps(page.truth(), ensure_ascii=False) + "\n")
            count += 1
            size += len(text.encode("utf-8"))
    return count, size


class _maybe_open:
    def __init__(self, path: Path | None):
        self.path = path
        self.handle = None

    def __enter__(self):
        if self.path is not None:
            self.handle = open(self.path, "w", encoding="utf-8")
        return self.handle

    def __exit__(self, *exc):
        if self.handle is not None:
            self.handle.close()


def read_truth(path: Path) -> Iterator[dict]:
    """The truth records a writer wrote, one per page, in order."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# --- scoring --------------------------------------------------------------------------------------


def eligible_boilerplate(corpus: Corpus, min_docs: int, min_docs_corpus: int) -> set[tuple[str, int]]:
    """(page id, block index) of boilerplate blocks whose family repeats often enough to be found.

    A family counts once per duplicate group, per site and corpus-wide, as the index counts.
    """
    group_of = {p.id: p.id for p in corpus.pages}
    for g in corpus.duplicates:
        for pid in g:
            group_of[pid] = g[0]
    per_site: dict[tuple[str, str], set[str]] = defaultdict(set)
    per_corpus: dict[str, set[str]] = defaultdict(set)
    for p in corpus.pages:
        for _, kind, fam in p.blocks:
            if kind == "boilerplate":
                per_site[(p.site, fam)].add(group_of[p.id])
                per_corpus[fam].add(group_of[p.id])
    out = set()
    for p in corpus.pages:
        for i, (_, kind, fam) in enumerate(p.blocks):
            if kind == "boilerplate" and (
                len(per_site[(p.site, fam)]) >= min_docs or len(per_corpus[fam]) >= min_docs_corpus
            ):
                out.add((p.id, i))
    return out


def score(corpus: Corpus, removed: set[tuple[str, int]], clusters: dict[str, str], min_docs: int,
          min_docs_corpus: int) -> dict[str, float]:  # fmt: skip
    """Precision/recall of repeat removal and of duplicate pairs; article blocks removed by mistake.

    `removed`: (page id, block index) removed as repeats; `clusters`: page id -> dup cluster
    (pages without a cluster are singletons).
    """
    boiler = {(p.id, i) for p in corpus.pages for i, b in enumerate(p.blocks) if b.kind == "boilerplate"}
    content = {(p.id, i) for p in corpus.pages for i, b in enumerate(p.blocks) if b.kind != "boilerplate"}
    eligible = eligible_boilerplate(corpus, min_docs, min_docs_corpus)
    true_pairs = {(a, b) for g in corpus.duplicates for a in g for b in g if a < b}
    members: dict[str, list[str]] = defaultdict(list)
    for pid, c in clusters.items():
        members[c].append(pid)
    found_pairs = {(a, b) for g in members.values() for a in g for b in g if a < b}
    return {
        "repeat_precision": len(removed & boiler) / len(removed) if removed else 1.0,
        "repeat_recall": len(removed & eligible) / len(eligible) if eligible else 1.0,
        "repeat_recall_all": len(removed & boiler) / len(boiler) if boiler else 1.0,
        "content_removed": len(removed & content),
        "dup_precision": len(found_pairs & true_pairs) / len(found_pairs) if found_pairs else 1.0,
        "dup_recall": len(found_pairs & true_pairs) / len(true_pairs) if true_pairs else 1.0,
    }


def removed_line_scores(pages: Iterable[Page], removed: dict[str, set[int]]) -> tuple[float, float]:
    """Precision and recall of whole blocks removed (`removed[id]`: block indexes) against the truth."""
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cleaner.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=3)
    ap.add_argument("--docs-per-site", type=int, default=20, help="articles per site (copies come on top)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=["jsonl", "folders"], default="jsonl")
    ap.add_argument("-o", "--output", required=True, help="a .jsonl file, or a folder for --format folders")
    ap.add_argument("--truth", help="write the truth (one JSON line per page: block labels, group) here")
    args = ap.parse_args(argv)
    if args.sites < 1 or args.docs_per_site < 1:
        print("generate: --sites and --docs-per-site must be at least 1", file=sys.stderr)
        return 2
    pages = iter_pages(args.sites, args.docs_per_site, seed=args.seed)
    truth = Path(args.truth) if args.truth else None
    if args.format == "jsonl":
        count, size = write_jsonl(pages, Path(args.output), truth)
    else:
        count, size = write_site_folders(pages, Path(args.output), truth)
    print(f"generate: {count} pages, {size / 1e6:.1f} MB of text -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
