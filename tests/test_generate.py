"""The synthetic page generator: streamed, deterministic, labelled line by line, written two ways."""

from __future__ import annotations

import itertools
import json
from collections import Counter

from cleaner import generate
from cleaner.document import split_blocks

ROLES = {"nav", "meta", "promo", "newsletter", "related", "teaser", "sidebar", "latest", "footer"}


def test_same_seed_same_pages_and_truth_per_line():
    first = generate.generate(sites=3, docs_per_site=12, seed=5)
    again = generate.generate(sites=3, docs_per_site=12, seed=5)
    assert [p.text for p in first.pages] == [p.text for p in again.pages]
    assert [p.text for p in first.pages] != [p.text for p in generate.generate(3, 12, seed=6).pages]
    roles = Counter()
    for page in first.pages:
        assert [b.text for b in split_blocks(page.text)] == [b.text for b in page.blocks]
        for block in page.blocks:
            assert block.kind in ("title", "article", "boilerplate")
            roles[block.role] += 1
            assert (block.role in ROLES) == (block.kind == "boilerplate")
    assert set(roles) == ROLES | {"title", "article"}


def test_prose_like_promos_are_whole_sentences_that_vary_by_number():
    corpus = generate.generate(sites=2, docs_per_site=30, seed=1)
    promos = [(b.family, b.text) for p in corpus.pages for b in p.blocks if b.role == "promo"]
    assert len(promos) > 20
    for _, text in promos:
        assert text[0].isupper() and text.endswith(".") and len(text.split()) >= 14
        assert any(c.isdigit() for c in text)
    by_family: dict[str, set[str]] = {}
    for family, text in promos:
        by_family.setdefault(family, set()).add(text)
    assert any(len(texts) > 1 for texts in by_family.values())  # variants of one promo
    sites_of = {family.split("/")[0] for family, _ in promos}
    assert len(sites_of) == 2


def test_duplicate_groups_and_shared_quotes():
    corpus = generate.generate(sites=3, docs_per_site=40, seed=2)
    ids = {p.id for p in corpus.pages}
    assert corpus.duplicates and all(len(g) >= 2 and set(g) <= ids for g in corpus.duplicates)
    assert any(pid.endswith("-amp") for g in corpus.duplicates for pid in g)
    assert any("syndicated" in pid for g in corpus.duplicates for pid in g)
    originals = [p for p in corpus.pages if p.group == p.id]
    quotes = Counter(b.family for p in originals for b in p.blocks if b.family.startswith("quote/"))
    assert quotes and set(quotes.values()) == {2}


def test_pages_stream_without_building_the_corpus():
    pages = generate.iter_pages(sites=5, docs_per_site=10**9, seed=0)  # far too many to hold
    head = list(itertools.islice(pages, 50))
    originals = [p for p in head if p.group == p.id]
    assert len({p.site for p in originals[:5]}) == 5  # round-robin over the sites: any prefix is balanced
    assert head == list(itertools.islice(generate.iter_pages(sites=5, docs_per_site=10**9, seed=0), 50))


def test_writers_jsonl_with_urls_and_site_folders_without(tmp_path):
    pages = list(generate.iter_pages(sites=2, docs_per_site=6, seed=4))
    count, size = generate.write_jsonl(pages, tmp_path / "pages.jsonl", tmp_path / "truth.jsonl")
    assert count == len(pages) and size > 0
    records = [json.loads(line) for line in (tmp_path / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["url"] for r in records] == [p.url for p in pages]
    truth = list(generate.read_truth(tmp_path / "truth.jsonl"))
    assert [t["id"] for t in truth] == [r["id"] for r in records]
    assert all(len(t["blocks"]) == len(split_blocks(r["text"])) for t, r in zip(truth, records, strict=True))

    folder = tmp_path / "sites"
    count, _ = generate.write_site_folders(pages, folder, tmp_path / "folders.jsonl")
    files = sorted(folder.rglob("*.txt"))
    assert count == len(files) == len(pages)
    assert {f.parent.name for f in files} == {p.site for p in pages}
    for page, label in zip(pages, generate.read_truth(tmp_path / "folders.jsonl"), strict=True):
        text = (folder / label["file"]).read_text(encoding="utf-8")
        assert text == page.text and "http" not in text
        assert [b["role"] for b in label["blocks"]] == [b.role for b in page.blocks]


def test_command_line(tmp_path, capsys):
    out = tmp_path / "dumps"
    assert generate.main(["--sites", "2", "--docs-per-site", "3", "--format", "folders", "-o", str(out)]) == 0
    assert len(list(out.rglob("*.txt"))) >= 6
    assert generate.main(["--sites", "0", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "at least 1" in capsys.readouterr().err
