"""Rule-pack authoring: `rules suggest` drafts packs that pass their tests and remove repeated chrome through
`rule:` reasons and no article line; `rules test` of one pack; `rules coverage`."""

from __future__ import annotations

import json
from collections import Counter

import pyarrow.parquet as pq
import pytest
import regex

from cleaner import generate
from cleaner.authoring import generalise, pack_id_for
from cleaner.cli import main
from cleaner.rules import load_pack


def matches(pattern: str, text: str) -> bool:
    return regex.compile(pattern, regex.V1).search(text) is not None


# ---------------------------------------------------------------- generalising variants


def test_generalise_numbers_dates_and_counts():
    pattern = generalise(
        Counter({"Ana Petrova · 4 hours ago · (12 comments)": 3, "Ana Petrova · 11 hours ago · (0 comments)": 1})
    )
    assert pattern.startswith("^") and pattern.endswith("$")
    assert matches(pattern, "Ana Petrova · 1 minute ago · (731 comments)")
    assert not matches(pattern, "Ana Petrova · yesterday · (3 comments)")
    assert not matches(pattern, "John Okafor · 4 hours ago · (12 comments)")
    dated = generalise(Counter({"Updated Monday 12 March 2024": 2, "Updated Friday 3 May 2023": 2}))
    assert matches(dated, "Updated Sunday 30 Dec 2025")
    assert matches(generalise(Counter({"Join 12,000 readers (and counting)": 4})), "Join 9,999 readers (and counting)")


def test_generalise_falls_back_to_the_common_start():
    variants = Counter({
        "Big Story Title — the long teaser body of the story goes on here (12 comments)": 2,
        "Big Story Title — the long teaser body of the story goes on here Updated Monday": 2,
        "Big Story Title — the long teaser body of…": 1,
    })  # fmt: skip
    pattern = generalise(variants)
    assert pattern.startswith("^") and not pattern.endswith("$")
    assert all(matches(pattern, v) for v in variants)
    assert generalise(Counter({"One thing": 2, "Another thing entirely": 2})) is None


# ---------------------------------------------------------------- suggest -> clean on known truth


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Three generated sites, one folder each, no URLs; the truth as JSON Lines."""
    root = tmp_path_factory.mktemp("authoring")
    pages = generate.iter_pages(sites=3, docs_per_site=14, seed=2)
    generate.write_site_folders(pages, root / "sites", root / "truth.jsonl")
    return root


@pytest.fixture(scope="module")
def suggested(sites):
    assert main(["rules", "suggest", str(sites / "sites"), "-o", str(sites / "packs"), "-q"]) == 0
    return sites / "packs"


def test_suggest_writes_one_valid_pack_per_site(sites, suggested, capsys):
    files = sorted(suggested.glob("*.toml"))
    assert sorted(f.stem for f in files) == sorted(p.name for p in (sites / "sites").iterdir())
    assert main(["rules", "check", "--rules", str(suggested)]) == 0
    assert main(["rules", "test", *map(str, files)]) == 0
    assert f"{len(files)} of {len(files)} packs pass" in capsys.readouterr().out
    for path in files:
        pack = load_pack(path)
        assert pack.detect and not pack.domains  # no URLs: found by its most specific line
        assert any("©" in p.pattern for p in pack.detect)
        assert pack.cuts and pack.drops
        text = path.read_text(encoding="utf-8")
        assert "blocks on" in text and "pages" in text
        for rule in pack.drops:
            assert rule.pattern.pattern.startswith("^")
        for example in pack.examples:
            assert example.expect  # an article line kept beside what the rule drops
            assert example.expect in example.input.split("\n")


def test_suggested_rules_remove_the_chrome_and_no_article_line(sites, suggested):
    out = sites / "clean.parquet"
    args = ["clean", str(sites / "sites"), "--rules", str(suggested), "--no-repeats", "-o", str(out), "-q"]
    assert main(args) in (0, 1)
    rows = {r["id"]: r for r in pq.read_table(out, columns=["id", "removed"]).to_pylist()}
    packs = {p.stem for p in suggested.glob("*.toml")}
    chrome = by_rule = article_by_rule = prose_promos = promos_by_rule = 0
    for truth in generate.read_truth(sites / "truth.jsonl"):
        reasons = {r["block"]: r["reason"] for r in rows[truth["file"].removesuffix(".txt")]["removed"] or []}
        for i, label in enumerate(truth["blocks"]):
            reason = reasons.get(i, "")
            suggested_rule = reason.startswith("rule:") and reason[5:].split("/")[0] in packs
            if label["role"] in ("sidebar", "newsletter", "footer"):
                chrome += 1
                by_rule += reason.startswith("rule:")
            elif label["role"] == "promo":
                prose_promos += 1
                promos_by_rule += suggested_rule
            elif label["kind"] != "boilerplate":
                article_by_rule += reason.startswith("rule:")
    assert chrome > 100 and by_rule >= 0.9 * chrome, (by_rule, chrome)
    assert prose_promos > 10 and promos_by_rule >= 0.9 * prose_promos, (promos_by_rule, prose_promos)
    assert article_by_rule == 0


def test_coverage_table_and_json(sites, suggested, capsys):
    assert main(["rules", "coverage", str(sites / "sites"), "--rules", str(suggested), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pages"] == len(list((sites / "sites").rglob("*.txt")))
    drafted = [p for p in report["packs"] if p["path"].startswith(str(suggested))]
    assert len(drafted) == 3
    for pack in drafted:
        assert 0 < pack["pages"] < report["pages"]  # detected on its own site's pages only
        assert all(r["blocks"] >= r["pages"] > 0 for r in pack["rules"] if r["id"] not in pack["dead"])
    assert main(["rules", "coverage", str(sites / "sites"), "--rules", str(suggested)]) == 0
    table = capsys.readouterr().out
    assert "DEAD" in table and "dead rules:" in table  # generic packs' rules that never fire here
    assert drafted[0]["id"] in table


# ---------------------------------------------------------------- what is never suggested


def write_pages(folder, pages):
    folder.mkdir(parents=True)
    for n, lines in enumerate(pages):
        (folder / f"page{n}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_rule_that_would_match_a_one_page_line_is_only_a_comment(tmp_path, capsys):
    topics = ["harbour", "bridge", "school", "market", "festival", "library"]
    verbs = ["reopened", "collapsed", "expanded", "flooded", "celebrated", "closed"]
    article = [
        f"The {t} in the old quarter {v} this spring, neighbours of the {t} told us."
        for t, v in zip(topics, verbs, strict=True)
    ]
    pages = []
    for n in range(6):
        # the repeated line's rule generalises the weekday, and so would match a line found on one page only
        pick = "Top picks for Friday readers" if n == 0 else "Top picks for Monday readers"
        pages.append([article[n], pick, "Copyright Quiet Town News, all rights kept"])
    write_pages(tmp_path / "in" / "quiet-town", pages)
    assert main(["rules", "suggest", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    text = (tmp_path / "out" / "quiet-town.toml").read_text(encoding="utf-8")
    pack = load_pack(tmp_path / "out" / "quiet-town.toml")
    assert not any(matches(r.pattern.pattern, "Top picks for Friday readers") for r in pack.rules)
    assert "Not suggested" in text and "Top" in text.split("Not suggested", 1)[1]
    assert any(matches(r.pattern.pattern, "Copyright Quiet Town News, all rights kept") for r in pack.drops)


def test_urls_give_domains_and_refusals_before_work(tmp_path, capsys):
    corpus = generate.generate(sites=2, docs_per_site=8, seed=4)
    generate.write_jsonl(corpus.pages, tmp_path / "pages.jsonl")
    assert main(["rules", "suggest", str(tmp_path / "pages.jsonl"), "-o", str(tmp_path / "packs"), "-q"]) == 0
    hosts = {p.site for p in corpus.pages}
    assert {f.stem for f in (tmp_path / "packs").glob("*.toml")} == hosts
    pack = load_pack(next((tmp_path / "packs").glob("*.toml")))
    assert pack.domains == (pack.site,) and not pack.detect
    capsys.readouterr()
    # a second run would overwrite the drafts: refused (exit 2) unless --force
    assert main(["rules", "suggest", str(tmp_path / "pages.jsonl"), "-o", str(tmp_path / "packs"), "-q"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["rules", "suggest", str(tmp_path / "pages.jsonl"), "-o", str(tmp_path / "pages.jsonl")]) == 2
    assert main(["rules", "suggest", str(tmp_path / "nope"), "-o", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- rules test of one pack


def test_rules_test_one_pack_file_or_id(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text(
        "[pack]\nid = 'good-site'\ndomains = ['good.example']\n[[drop]]\nid = 'promo'\nregex = '^Buy now$'\n"
        "[[example]]\ninput = \"Text stays.\\nBuy now\"\nexpect = 'Text stays.'\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[pack]\nid = 'bad-site'\ndomains = ['bad.example']\n[[drop]]\nid = 'promo'\nregex = '^Buy now$'\n"
        '[[example]]\ninput = "Text stays.\\nBuy now"\nexpect = "Text stays.\\nBuy now"\n',
        encoding="utf-8",
    )
    assert main(["rules", "test", str(good)]) == 0
    assert "1 of 1 packs pass" in capsys.readouterr().out
    assert main(["rules", "test", str(bad)]) == 1
    assert "FAIL bad-site" in capsys.readouterr().out
    assert main(["rules", "test", "--rules", str(tmp_path), "--pack", "good-site"]) == 0
    out = capsys.readouterr().out
    assert "good-site" in out and "bad-site" not in out and "1 of 1" in out
    assert main(["rules", "test", "--pack", "no-such-pack"]) == 2


def test_a_draft_never_takes_a_loaded_pack_id():
    assert pack_id_for("News.Example.com", set()) == "news.example.com"
    assert pack_id_for("scmp.com", {"scmp.com"}) == "scmp.com-draft"
    assert pack_id_for("Ünï Côde!", set()) == "n-c-de"


def test_pages_without_urls_in_one_file_count_under_its_name(tmp_path):
    pages = generate.generate(sites=1, docs_per_site=8, seed=6).pages
    lines = [json.dumps({"id": p.id, "text": p.text}) for p in pages]
    (tmp_path / "alpha-news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["rules", "suggest", str(tmp_path / "alpha-news.jsonl"), "-o", str(tmp_path / "drafts"), "-q"]) == 0
    pack = load_pack(tmp_path / "drafts" / "alpha-news.toml")
    assert pack.id == "alpha-news" and pack.detect and not pack.domains
