"""A seeded generator of multi-site news corpora with known boilerplate and duplicates.

Each site has its chrome: a navigation line, sidebar boxes, a newsletter
pitch, a footer, a "Related stories" list drawn from a pool of teasers that
vary from page to page (a comment count, an "Updated <day>" note, a teaser cut
short). Articles are generated prose, unique to each article, except quotes
shared by exactly two articles. Some articles are syndicated to another site
with a light edit, and some pages are saved twice (another URL, other
teasers). Every block carries a truth label, so a test can score repeat
removal and duplicate clustering exactly.

    python benchmarks/corpus.py --sites 4 --docs-per-site 50 -o corpus.jsonl --truth truth.json
    python benchmarks/corpus.py --format txt -o dumps/     # one .txt dump per page

Text dumps put one paragraph per line with blank lines between (as scrapers
do); the truth lists one label per non-blank line, in order.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

_ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pl", "r", "s", "st",
           "t", "tr", "v", "w", "z"]  # fmt: skip
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
_CODAS = ["", "", "n", "r", "s", "l", "nd", "st", "m", "t"]
_FUNCTION = ["the", "of", "and", "to", "in", "a", "for", "on", "with", "that", "by", "as", "at", "from"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_NAMES = ["Ana Petrova", "John Okafor", "Mei Lin", "Carlos Ruiz", "Sara Nilsson", "Omar Haddad"]


class _Prose:
    """Generated words and sentences: made-up content words between common function words."""

    def __init__(self, rng: random.Random, vocabulary: int = 6000):
        self.rng = rng
        seen: set[str] = set()
        while len(seen) < vocabulary:
            n = rng.choice((1, 2, 2, 3, 3, 4))
            seen.add("".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(n)))
        self.words = sorted(seen)

    def sentence(self, lo: int = 8, hi: int = 22) -> str:
        n = self.rng.randint(lo, hi)
        out = [self.rng.choice(_FUNCTION) if self.rng.random() < 0.3 else self.rng.choice(self.words)
               for _ in range(n)]  # fmt: skip
        if self.rng.random() < 0.2:
            out.insert(self.rng.randrange(len(out)), str(self.rng.randint(2, 2024)))
        return " ".join(out).capitalize() + "."

    def paragraph(self, lo: int = 2, hi: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def title(self) -> str:
        return " ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(4, 8))).title()


@dataclass
class Page:
    id: str
    url: str
    site: str
    blocks: list[tuple[str, str, str]] = field(default_factory=list)  # (text, kind, family)

    @property
    def text(self) -> str:
        return "\n\n".join(text for text, _, _ in self.blocks) + "\n"


@dataclass
class Corpus:
    pages: list[Page]
    duplicates: list[list[str]]  # groups of page ids that are (near-)duplicates

    def truth(self) -> dict:
        return {
            "blocks": {p.id: [{"kind": k, "family": f} for _, k, f in p.blocks] for p in self.pages},
            "sites": {p.id: p.site for p in self.pages},
            "duplicates": self.duplicates,
        }

    def records(self) -> list[dict]:
        return [{"id": p.id, "url": p.url, "text": p.text} for p in self.pages]


class _Site:
    def __init__(self, prose: _Prose, rng: random.Random, number: int, teasers: int):
        self.rng = rng
        self.prose = prose
        self.domain = f"{prose.title().split()[0].lower()}{number}.example"
        self.name = f"The {prose.title().split()[0]} Herald"
        d = self.domain
        self.nav = ("Home | News | Politics | Business | Sport | Culture | Opinion", "boilerplate", f"{d}/nav")
        self.sidebar = [
            (f"{label}: {prose.sentence(10, 18)}", "boilerplate", f"{d}/sidebar/{i}")
            for i, label in enumerate(["Most read", "Editor's pick", "Podcast"])
        ]
        self.newsletter = (
            f"Sign up for the {self.name} morning briefing: the day's top stories, {prose.sentence(6, 10)}",
            "boilerplate",
            f"{d}/newsletter",
        )
        self.footer = [
            (f"© 2024 {self.name}. All rights reserved.", "boilerplate", f"{d}/copyright"),
            (f"{self.name} is published by {prose.title()} Media. {prose.sentence(12, 20)}", "boilerplate",
             f"{d}/footer"),
            ("Powered by NewsPress CMS", "boilerplate", "cms/powered"),
        ]  # fmt: skip
        self.related = ("Related stories", "boilerplate", f"{d}/related")
        self.teasers = [(prose.title(), prose.sentence(14, 22)) for _ in range(teasers)]

    def teaser(self, j: int) -> tuple[str, str, str]:
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
        return text, "boilerplate", f"{self.domain}/teaser/{j}"

    def page(self, pid: str, title: str, paragraphs: list[tuple[str, str, str]]) -> Page:
        rng = self.rng
        page = Page(pid, f"https://{self.domain}/news/{pid.split('/', 1)[1]}", self.domain)
        page.blocks.append(self.nav)
        page.blocks.append((title, "title", f"title/{pid}"))
        page.blocks.extend(paragraphs)
        if rng.random() < 0.8:
            page.blocks.append(self.newsletter)
        page.blocks.append(self.related)
        for j in rng.sample(range(len(self.teasers)), 3):
            page.blocks.append(self.teaser(j))
        page.blocks.extend(s for s in self.sidebar if rng.random() < 0.8)
        page.blocks.extend(self.footer)
        return page


def generate(
    sites: int = 3,
    docs_per_site: int = 20,
    *,
    seed: int = 0,
    teasers: int = 12,
    quotes: float = 0.15,
    syndicated: float = 0.1,
    saved_twice: float = 0.1,
) -> Corpus:
    """A corpus of `sites * docs_per_site` articles, plus syndicated copies and pages saved twice."""
    rng = random.Random(seed)
    prose = _Prose(rng)
    site_list = [_Site(prose, rng, s, teasers) for s in range(sites)]
    articles = []  # (site index, slug, title, paragraphs)
    for s in range(len(site_list)):
        for a in range(docs_per_site):
            paras = [(prose.paragraph(), "article", f"article/{s}-{a}/{k}") for k in range(rng.randint(4, 9))]
            articles.append([s, f"{a:05d}-{prose.title().split()[0].lower()}", prose.title(), paras])
    # quotes shared by exactly two articles (same site or not)
    for q in range(int(len(articles) * quotes)):
        first, second = rng.sample(range(len(articles)), 2)
        quote = f'"{prose.sentence(14, 24)}" said {rng.choice(_NAMES)}.'
        for which in (first, second):
            paras = articles[which][3]
            paras.insert(rng.randint(1, len(paras)), (quote, "article", f"quote/{q}"))
    pages: list[Page] = []
    groups: dict[str, list[str]] = defaultdict(list)
    for s, slug, title, paras in articles:
        site = site_list[s]
        pid = f"{site.domain}/{slug}"
        pages.append(site.page(pid, title, paras))
        groups[pid].append(pid)
        if rng.random() < saved_twice:
            copy_id = f"{pid}-amp"
            pages.append(site.page(copy_id, title, paras))
            groups[pid].append(copy_id)
        if sites > 1 and rng.random() < syndicated:
            other = site_list[rng.choice([i for i in range(sites) if i != s])]
            edited = list(paras)
            k = rng.randrange(len(edited))
            text, kind, fam = edited[k]
            edited[k] = (text.rsplit(". ", 1)[0] + ". " + prose.sentence(), kind, fam + "/edit")
            copy_id = f"{other.domain}/syndicated-{slug}"
            pages.append(other.page(copy_id, title + " (AP)", edited))
            groups[pid].append(copy_id)
    return Corpus(pages, sorted(sorted(g) for g in groups.values() if len(g) > 1))


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
    boiler = {(p.id, i) for p in corpus.pages for i, b in enumerate(p.blocks) if b[1] == "boilerplate"}
    content = {(p.id, i) for p in corpus.pages for i, b in enumerate(p.blocks) if b[1] != "boilerplate"}
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=3)
    ap.add_argument("--docs-per-site", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=["jsonl", "txt"], default="jsonl")
    ap.add_argument("-o", "--output", required=True, help="a .jsonl file, or a folder for --format txt")
    ap.add_argument("--truth", help="write the truth (block labels, duplicate groups) as JSON here")
    args = ap.parse_args(argv)
    corpus = generate(args.sites, args.docs_per_site, seed=args.seed)
    out = Path(args.output)
    if args.format == "jsonl":
        with out.open("w", encoding="utf-8") as fh:
            for rec in corpus.records():
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    else:
        out.mkdir(parents=True, exist_ok=True)
        for p in corpus.pages:
            (out / (p.id.replace("/", "__") + ".txt")).write_text(p.text, encoding="utf-8")
    if args.truth:
        Path(args.truth).write_text(json.dumps(corpus.truth(), indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
