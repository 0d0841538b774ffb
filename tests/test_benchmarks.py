"""Smoke tests of the benchmarks at tiny sizes: they run, and what they write is well formed."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
EVAL = REPO.parent / "shared" / "eval"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if name in sys.modules and getattr(sys.modules[name], "__file__", "").startswith(str(BENCH)):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_line_filter_rule():
    peers = _load("peers")
    assert peers.line_filter_keep("The minister said the talks would resume.")
    assert peers.line_filter_keep('He said: "We will win."')
    assert not peers.line_filter_keep("Read More")
    assert not peers.line_filter_keep("Two words.")
    assert not peers.line_filter_keep("A line that stops without an end")


def test_generated_pages_are_labelled_and_stable():
    from cleaner.bench import generate_pages
    from cleaner.document import split_blocks
    from cleaner.generate import removed_line_scores

    pages = generate_pages(12, seed=3)
    assert len(pages) == 12
    assert [p.text for p in pages] == [p.text for p in generate_pages(12, seed=3)]
    assert len({p.site for p in pages}) == 4
    for page in pages:
        assert len(page.blocks) == len(page.boilerplate)
        assert any(page.boilerplate) and not all(page.boilerplate)
        assert [b.text for b in split_blocks(page.text)] == [b.text for b in page.blocks]  # block index == label index
    perfect = {p.id: {i for i, junk in enumerate(p.boilerplate) if junk} for p in pages}
    assert removed_line_scores(pages, perfect) == (1.0, 1.0)
    assert removed_line_scores(pages, {})[1] == 0.0
    everything = {p.id: set(range(len(p.blocks))) for p in pages}
    precision, recall = removed_line_scores(pages, everything)
    assert recall == 1.0 and precision < 1.0


def test_quick_bench_prints_speed_and_quality():
    from cleaner.bench import quick_bench

    out = io.StringIO()
    assert quick_bench(pages=24, out=out) == 0
    text = out.getvalue()
    assert text.count("docs/s") == 2 and "MB/s" in text
    assert "P " in text and " R " in text
    assert "warning" not in text


def test_render_html_puts_the_article_in_article(tmp_path):
    throughput = _load("throughput")
    page = throughput.generate_pages(3)[0]
    markup = throughput.render_html(page)
    article = markup.split("<article>", 1)[1].split("</article>", 1)[0]
    first_paragraph = next(text for text, kind, _ in page.blocks if kind == "article")
    assert first_paragraph.split()[0] in article
    assert "<nav>" in markup and "<footer>" in markup and 'rel="canonical"' in markup
    info = throughput.write_inputs(tmp_path, 5, 3, seed=0)
    assert info["text"]["pages"] == 5 and info["html"]["pages"] == 3
    assert len(Path(info["html"]["path"]).read_text(encoding="utf-8").splitlines()) == 3


def test_throughput_smoke(tmp_path):
    throughput = _load("throughput")
    systems = "cleaner --no-repeats,cleaner HTML (repeats on),trafilatura extract()"
    args = ["--sizes", "50", "--html-pages", "15", "--systems", systems, "--out", str(tmp_path)]
    assert throughput.main(args) == 0
    record = json.loads((tmp_path / "throughput.json").read_text(encoding="utf-8"))
    results = record["runs"]["50"]["results"]
    assert set(results) == {s for s in systems.split(",")}
    for name, result in results.items():
        assert "error" not in result, (name, result)
        assert result["docs_per_s"] > 0 and result["mb_per_s"] > 0 and result["peak_rss_mib"] > 5
    assert "speed vs cleaner" in (tmp_path / "throughput.md").read_text(encoding="utf-8")


@pytest.mark.skipif(not (EVAL / "score.py").exists(), reason="no ../shared/eval here")
def test_quality_on_five_eval_pages(tmp_path):
    quality = _load("quality")
    systems = (
        "nothing removed,line filter (terminal punct. & ≥3 words),cleaner clean_text,"
        "cleaner HTML --extractor trafilatura,cleaner HTML (dom extractor + stages)"
    )
    args = ["--limit", "5", "--systems", systems, "--no-engine", "--out", str(tmp_path), "--eval-dir", str(EVAL)]
    assert quality.main(args) == 0
    record = json.loads((tmp_path / "quality.json").read_text(encoding="utf-8"))
    assert record["pages"]["aeb"] + record["pages"]["l3s"] == 5
    rows = {row["system"]: row for row in record["rows"]}
    assert set(rows) == set(systems.split(","))
    assert rows["nothing removed"]["all"]["R"] > 0.95  # the dump holds (nearly) all the gold text
    for row in rows.values():
        assert not row["note"], row
        for key in ("F1", "P", "R"):
            assert 0.0 <= row["all"][key] <= 1.0
    assert rows["cleaner clean_text"]["all"]["P"] > rows["nothing removed"]["all"]["P"]
    assert "| cleaner clean_text | dump |" in (tmp_path / "quality.md").read_text(encoding="utf-8")


def test_compare_trees_finds_no_difference_between_a_tree_and_itself(capsys):
    compare = _load("compare_trees")
    assert compare.main([str(REPO), str(REPO), "--sets", "seeds"]) == 0
    assert "seeds: 5 pages, identical" in capsys.readouterr().out


def test_compare_trees_names_what_differs():
    compare = _load("compare_trees")
    row = {"text": "a", "removed": [], "lang": "en", "dup_cluster": None, "dup_rank": None}
    old = {"p1": row, "p2": row, "gone": row}
    new = {"p1": row, "p2": {**row, "text": "b", "dup_rank": 2}, "added": row}
    assert compare.diff_rows(old, new) == [
        "gone: only in the older tree",
        "added: only in the newer tree",
        "p2: text, dup_rank differ",
    ]


def test_clean_does_not_import_pandas(tmp_path):
    """pyarrow would import pandas (about 0.4 s of start-up) on the writer's first conversion (with
    the corpus stage on, DuckDB's Arrow export imports it all the same)."""
    import subprocess

    code = (
        "import sys; from cleaner import cli; "
        f"code = cli.main(['clean', {str(REPO / 'fixtures/inputs/dumps/cup-final.txt')!r}, '-o', "
        f"{str(tmp_path / 'out.parquet')!r}, '-q', '--no-repeats']); "
        "print(code, 'pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.split() == ["0", "False"]
