"""Run statistics (`--stats`, `_STATS.json`) and the HTML report (`cleaner report`)."""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import generate as corpus_gen
from cleaner.cli import main
from cleaner.engine.run import RunSummary, problem_kind, site_key
from cleaner.heuristics import HEURISTICS
from cleaner.stats import stats_from_output


def _pages(folder):
    """A generated two-site crawl (repeated site chrome, pages saved twice) and a file with a bad record."""
    folder.mkdir()
    records = corpus_gen.generate(sites=2, docs_per_site=12, seed=5).records()
    (folder / "crawl.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / "bad.jsonl").write_text('{"id": "x", "text": "ok"}\nnot json\n', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run into a folder with --stats; returns (stats, output folder, summary line exit code)."""
    tmp = tmp_path_factory.mktemp("stats")
    pages = _pages(tmp / "pages")
    out = tmp / "out"
    # with the heuristics off, the site chrome goes as corpus repeats
    no_heuristics = ["--disable", ",".join(HEURISTICS)]
    code = main(["clean", str(pages), "-o", f"{out}/", "--stats", str(tmp / "s.json"), "-q", *no_heuristics])
    return json.loads((tmp / "s.json").read_text(encoding="utf-8")), out, code


def test_stats_figures_agree_with_the_output(run):
    stats, out, code = run
    assert code == 1  # one unreadable record
    rows = pq.read_table(out).to_pylist()
    assert stats["documents"]["read"] == stats["documents"]["written"] == len(rows)
    assert stats["chars"]["written_in"] == sum(r["raw_chars"] for r in rows)
    assert stats["chars"]["out"] == sum(r["clean_chars"] for r in rows)
    removed = [x for r in rows for x in r["removed"]]
    assert stats["removals"]["total"] == len(removed)
    assert stats["chars"]["removed"] == sum(x["end"] - x["start"] for x in removed)
    by_reason = stats["removals"]["by_reason"]
    assert sum(v["count"] for v in by_reason.values()) == len(removed)
    assert by_reason["repeat"]["count"] == sum(x["reason"].startswith("repeat:") for x in removed) > 0
    assert sum(v["count"] for v in stats["removals"]["by_stage"].values()) == len(removed)
    assert sum(v["chars"] for v in stats["removals"]["by_site"].values()) == stats["chars"]["removed"]
    assert len(stats["removals"]["by_site"]) == 3  # two sites (URL hosts) and the record without a URL
    docs_per_cluster = Counter(
        c
        for r in rows
        for c in {x["reason"][len("repeat:") :] for x in r["removed"] if x["reason"].startswith("repeat:")}
    )
    top = stats["repeats"]["most_repeated"][0]
    assert top["documents"] == max(docs_per_cluster.values()) == docs_per_cluster[top["cluster"]]
    assert stats["repeats"]["clusters"] == len(docs_per_cluster)
    sizes = Counter(Counter(r["dup_cluster"] for r in rows if r["dup_cluster"]).values())
    assert stats["duplicates"]["cluster_sizes"] == {str(k): v for k, v in sizes.items()} and sizes
    assert stats["errors"]["total"] == 1 and list(stats["errors"]["by_kind"]) == ["read: invalid JSON"]
    assert set(stats["seconds"]["by_stage"]) >= {"extract", "rules", "heuristics", "repeats"}
    assert stats["bytes"]["in"] == sum(p.stat().st_size for p in (out.parent / "pages").iterdir())
    assert stats["bytes"]["out"] > 0 and stats["input_files"] == 2
    beside = json.loads((out / "_STATS.json").read_text(encoding="utf-8"))
    assert beside == stats


def test_stats_from_output_match_the_run(run):
    stats, out, _ = run
    again = stats_from_output(str(out))
    for key in ("chars", "removals", "duplicates", "repeats"):
        assert again[key] == stats[key] if key != "chars" else again[key]["out"] == stats[key]["out"]


def test_summary_parts_merge(run):
    a, b = RunSummary(documents=1, reasons={"x": 1}, repeat_text={"c": "first"}), RunSummary(documents=2)
    b.repeat_text["c"] = "second"
    b.stage_seconds["rules"] = 0.5
    merged = a + b
    assert merged.documents == 3 and merged.repeat_text == {"c": "first"} and merged.stage_seconds["rules"] == 0.5
    assert problem_kind("page over 9000000 bytes once decompressed: skipped") == "page over N bytes once decompressed"
    assert site_key(None, "https://www.example.org/a") == "example.org" and site_key(None, None) == "(no site)"


class _Page(HTMLParser):
    """Collects what the structure test looks at: tags, section ids, external references."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.external: list[str] = []
        self.reasons: list[str] = []
        self._in_reason = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        for name in ("src", "href"):
            if attrs.get(name):
                self.external.append(attrs[name])
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)
        self._in_reason = attrs.get("class") == "reason"

    def handle_data(self, data):
        if self._in_reason:
            self.reasons.append(data)
            self._in_reason = False


def test_report_of_an_output_folder(run, tmp_path):
    stats, out, _ = run
    target = tmp_path / "report.html"
    assert main(["report", str(out), "-o", str(target), "--samples", "3", "-q"]) == 0
    page = _Page()
    page.feed(target.read_text(encoding="utf-8"))
    assert page.sections == ["by-reason", "by-site", "stages", "duplicates", "repeats", "problems", "samples"]
    assert page.external == []  # self-contained: nothing fetched at view time
    assert page.tags.count("svg") >= 4 and page.tags.count("details") == 3
    assert "repeat:" + stats["repeats"]["most_repeated"][0]["cluster"] in page.reasons
    html = target.read_text(encoding="utf-8")
    assert "read: invalid JSON" in html


def test_report_of_a_stats_file_and_a_jsonl_output(run, tmp_path):
    _, out, _ = run
    stats_file = out.parent / "s.json"
    assert main(["report", str(stats_file), "-o", str(tmp_path / "r.html"), "-q"]) == 0
    page = _Page()
    page.feed((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "details" not in page.tags and "svg" in page.tags
    rows = pq.read_table(out).to_pylist()
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["report", str(jsonl), "-o", str(tmp_path / "j.html"), "-q"]) == 0
    assert (tmp_path / "j.html").read_text(encoding="utf-8").count("<details") == 12  # the default sample


def test_report_usage_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing"), "-o", str(tmp_path / "r.html")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    assert main(["report", str(tmp_path / "x.json"), "-o", str(tmp_path / "r.html")]) == 2
    assert "not a cleaner stats file" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_dry_run_lists_settings_packs_inputs_and_an_estimate(tmp_path, capsys):
    pages = _pages(tmp_path / "pages")
    out = tmp_path / "out.parquet"
    assert main(["clean", str(pages), "-o", str(out), "--dry-run", "--min-words", "5"]) == 0
    text = capsys.readouterr().out
    assert not out.exists()
    assert "min_words = 5" in text and "dry_run" not in text
    assert "# rule packs:" in text and "wordpress" in text
    size = sum(p.stat().st_size for p in pages.iterdir())
    assert "# inputs: 2 files" in text and "(2 jsonl)" in text
    from cleaner.config import Config
    from cleaner.dry_run import plan

    found = plan([str(pages)], Config())
    assert found["inputs"]["bytes"] == size
    corpus = found["corpus_stage"]
    sampled = corpus["sampled_pages"]
    assert sampled == len(corpus_gen.generate(sites=2, docs_per_site=12, seed=5).records()) + 1  # and the good record
    assert sampled <= corpus["pages"] <= 1.2 * sampled  # JSON Lines overhead counts as page bytes
    assert corpus["memory_bytes"] > sampled * 4 * 128 and corpus["disk_bytes"] > 0
    assert plan([str(pages)], Config(repeats=False))["corpus_stage"] is None


def test_progress_bar_counts_input_bytes(tmp_path):
    from cleaner.config import Config
    from cleaner.document import Page
    from cleaner.engine.progress import InputBar

    a, b = tmp_path / "a.txt", tmp_path / "b.jsonl"
    a.write_text("x" * 100, encoding="utf-8")
    b.write_text("y" * 300, encoding="utf-8")
    bar = InputBar([str(tmp_path)], Config(), "pass 1: fingerprints", True)
    assert bar.bar.total == 400 and bar.bar.desc.startswith("pass 1: fingerprints")
    bar.page(Page(id="a", source=str(a), content="x" * 100))
    assert bar.bar.n == 100
    bar.page(Page(id="b1", source=str(b), content="y" * 120))
    bar.page(Page(id="b2", source=str(b), content="y" * 500))  # capped at the file's size
    assert bar.bar.n == 400
    bar.close()


def test_verbose_does_not_show_other_libraries_debug_logs(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    html = Path(__file__).resolve().parent.parent / "fixtures" / "inputs" / "html" / "article.html"
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner.cli", "clean", str(html), "-o", str(tmp_path / "o.parquet"), "-v"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    debug = [line for line in proc.stderr.splitlines() if "DEBUG" in line and not line.startswith("cleaner")]
    assert debug == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([None, "a.example", "b.example"]),
            st.lists(
                st.tuples(
                    st.sampled_from(["heuristic:nav", "rule:p/r", "repeat:c1", "repeat:c2", "lang:es"]),
                    st.integers(1, 30),
                ),
                max_size=4,
            ),
            st.sampled_from([None, "d1", "d2"]),
        ),
        max_size=12,
    ),
    st.integers(0, 12),
)
def test_summary_of_parts_adds_up_to_the_summary_of_the_whole(pages, cut):
    """Engines count parts (batches, Ray tasks) and merge them with `+`: the merge must equal one count."""
    from cleaner.config import Config
    from cleaner.document import Removal, Result

    results = []
    for k, (site, removals, dup) in enumerate(pages):
        removed = tuple(Removal(i, 0, n, reason, "", "x" * n) for i, (reason, n) in enumerate(removals))
        text = "kept text"
        raw = len(text) + sum(n for _, n in removals)
        results.append(
            Result(f"d{k}", "s", None, site, None, text, removed, raw, dup_cluster=dup, seconds={"rules": 0.25})
        )

    def count(part):
        summary = RunSummary()
        for result in part:
            summary.add(result, Config())
        return summary

    whole, first, second = count(results), count(results[:cut]), count(results[cut:])
    merged = first + second
    assert merged == whole
    first += second
    assert first == whole
