"""What every engine shares (`cleaner.engine.run`), settings from one place, and the one path from page to document."""

from __future__ import annotations

import json
from collections import Counter

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.cli import build_parser, main
from cleaner.config import Config, check_config
from cleaner.document import Page
from cleaner.engine.run import LARGEST, RunSummary, claim_folder, largest_clusters
from cleaner.errors import ConfigError
from cleaner.pipeline import Pipeline

ARTICLE = (
    "The minister said the talks would continue next week in the capital, officials confirmed.\n"
    "Trade between the two countries grew by 22 percent last year, according to official data.\n"
    "Read More\n"
)


def help_of(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_summaries_add_every_field():
    a = RunSummary(documents=2, written=1, failed=1, raw_chars=10, clean_chars=5, reasons=Counter({"x": 2}))
    b = RunSummary(documents=3, written=3, read_errors=1, warnings=2, raw_chars=7, gave_up=True, reasons=Counter(x=1))
    total = a + b
    assert (total.documents, total.written, total.failed, total.read_errors, total.warnings) == (5, 4, 1, 1, 2)
    assert (total.raw_chars, total.clean_chars, total.gave_up, total.reasons) == (17, 5, True, Counter(x=3))
    assert (a.documents, b.documents) == (2, 3)
    a += b
    assert a == total


def test_settings_flags_come_from_config_fields(capsys):
    clean = help_of(capsys, ["clean"])
    for name, f in Config.__dataclass_fields__.items():
        if "clean" in f.metadata["commands"]:
            assert f.metadata["help"].split()[0] in clean, name
    assert "--no-language" in clean and "-j N, --workers N" in clean


def test_index_build_shows_only_the_flags_it_uses(capsys):
    text = help_of(capsys, ["index", "build"]).split("options:")[1]
    for unused in ("--index", "--drop-duplicates", "--min-words", "--shard-size", "--no-repeats", "--max-errors"):
        assert unused not in text
    for unused in ("--row-group-size", "--engine", "--ray-address"):
        assert unused not in text
    assert "--errors" in text and "--num-perm" in text


@pytest.mark.parametrize("action", ["list", "check", "test"])
def test_rules_subcommands_have_their_own_help(capsys, action):
    text = help_of(capsys, ["rules", action])
    assert f"usage: cleaner rules {action}" in text and "--rules DIR" in text
    assert action in help_of(capsys, ["rules"])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--disable", "nope", "-j", "2"], "unknown heuristic 'nope'"),
        (["--extract-timeout", "-1"], "--extract-timeout"),
        (["--limit", "-1"], "--limit must be at least 0"),
        (["--max-errors", "-1"], "--max-errors must be at least 0"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--shard-size", "0"], "--shard-size"),
        (["--dup-threshold", "1.5"], "--dup-threshold"),
        (["--num-perm", "4"], "num-perm"),
        (["--repeat-min-docs", "1"], "repeat-min-docs"),
    ],
)
def test_bad_settings_exit_2_with_one_line_before_any_work(tmp_path, capsys, flags, message):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "o.parquet"
    errors = tmp_path / "errors.jsonl"
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(out), "--errors", str(errors), *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not errors.exists()


def test_bad_setting_in_config_file_is_checked_as_a_flag(tmp_path):
    with pytest.raises(ConfigError, match="--limit"):
        check_config(Config(limit=-3))
    with pytest.raises(ConfigError, match="--format"):
        check_config(Config(format="docx"))


def test_config_file_types_follow_the_fields(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('limit = "ten"\n', encoding="utf-8")
    args = build_parser().parse_args(["clean", "x", "-o", "o.parquet", "--config", str(path)])
    from cleaner.cli import settings

    with pytest.raises(ConfigError, match="wrong type"):
        settings(args)


def test_explain_unknown_site_exits_2(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert main(["explain", str(tmp_path / "a.txt"), "--site", "nosuchsite"]) == 2
    assert "nosuchsite" in capsys.readouterr().err


def test_explain_page_without_main_text_is_an_empty_document_as_in_clean(tmp_path, capsys):
    page = tmp_path / "empty.html"
    page.write_text("<html><head><title>t</title></head><body><script>var a = 1;</script></body></html>")
    assert main(["explain", str(page), "--color", "never"]) == 0
    assert capsys.readouterr().out.startswith("# empty")
    out = tmp_path / "o.parquet"
    assert main(["clean", str(page), "-o", str(out), "-q"]) == 0
    assert pq.read_table(out).column("text").to_pylist() == [""]


PRUNE_PACK = """
[pack]
id = "harbour-news"
domains = ["harbour.example"]
prune_xpath = ['//div[@class="promo"]']
"""
HTML = """<html><body><article>
<p>The harbour reopened on Monday after three months of repairs to the sea wall, the port authority said.</p>
<div class="promo"><p>Subscribe to our newsletter for the latest local news every single morning of the week.</p></div>
<p>Fishing boats returned to the inner basin by noon, and the ferry service resumes next week.</p>
</article></body></html>"""


@pytest.mark.parametrize("how", [["--url", "https://harbour.example/a"], ["--site", "harbour-news"]])
def test_explain_applies_url_and_site_before_extraction(tmp_path, capsys, how):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "harbour.toml").write_text(PRUNE_PACK, encoding="utf-8")
    page = tmp_path / "p.html"
    page.write_text(HTML, encoding="utf-8")
    assert main(["explain", str(page), "--color", "never", "--rules", str(packs)]) == 0
    assert "Subscribe" in capsys.readouterr().out
    assert main(["explain", str(page), "--color", "never", "--rules", str(packs), *how]) == 0
    out = capsys.readouterr().out
    assert "Subscribe" not in out and "harbour reopened" in out and "harbour-news" in out


def test_one_page_to_document_function_for_text_and_html():
    pipeline = Pipeline.from_config(Config())
    doc = pipeline.document(Page(id="t", source="t.txt", content="A\n\nB\n"), site="somewhere")
    assert [b.text for b in doc.blocks] == ["A", "B"] and doc.site == "somewhere"
    html = "<html><head><title>t</title></head><body><script>var a = 1;</script></body></html>"
    empty = pipeline.document(Page(id="h", source="h.html", content=html, kind="html"))
    assert empty.text == "" and empty.id == "h"


def test_folder_claim_refuses_a_second_run_at_the_same_time(tmp_path):
    fs = pafs.LocalFileSystem()
    record = {"engine": "local", "run": {}}
    first = claim_folder(fs, str(tmp_path / "ds"), record, display="ds")
    assert not first.resumed
    with pytest.raises(ConfigError, match="another cleaner run"):
        claim_folder(fs, str(tmp_path / "ds"), record, display="ds")
    first.release()
    again = claim_folder(fs, str(tmp_path / "ds"), record, display="ds")
    assert again.resumed
    again.release()
    with pytest.raises(ConfigError, match="other settings"):
        claim_folder(fs, str(tmp_path / "ds"), {"engine": "ray", "run": {}}, display="ds")


def test_warnings_go_to_the_errors_log_with_a_level(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "in" / "latin1.txt").write_bytes(b"Caf\xe9 owners said the new rules were a burden on business.\n")
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    errors = tmp_path / "errors.jsonl"
    code = main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "o.parquet"), "-q", "--errors", str(errors)])
    assert code == 1
    logged = [json.loads(line) for line in errors.read_text().splitlines()]
    levels = {e["source"].rsplit("/", 1)[-1]: e["level"] for e in logged}
    assert levels["latin1.txt"] == "warning" and levels["binary.txt"] == "error"
    assert all(set(e) == {"level", "source", "id", "stage", "message"} for e in logged)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(1, 9)), max_size=30),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_largest_clusters_merge_the_same_whatever_the_grouping(rows, cut1, cut2):
    """Parts of a run's largest clusters merge with `+` to the whole's: bounded, by size then id."""
    lo, hi = sorted((cut1, cut2))
    parts = [RunSummary(largest_duplicates=largest_clusters(rows[a:b])) for a, b in ((0, lo), (lo, hi), (hi, None))]
    whole = largest_clusters(rows)
    assert (parts[0] + parts[1] + parts[2]).largest_duplicates == whole
    assert (parts[2] + (parts[1] + parts[0])).largest_duplicates == whole
    assert len(whole) <= LARGEST and [n for _, n in whole] == sorted((n for _, n in whole), reverse=True)
    assert {c for c, _ in whole} <= {c for c, _ in rows}


@pytest.mark.parametrize("workers", [1, 2])
def test_run_summary_names_the_largest_clusters(tmp_path, workers):
    """The corpus index's largest duplicate and block clusters reach the summary line and --stats."""
    from cleaner import generate as corpus_gen
    from cleaner.engine import run

    records = corpus_gen.generate(sites=2, docs_per_site=12, seed=5).records()
    pages = tmp_path / "crawl.jsonl"
    pages.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    stats, out = tmp_path / "s.json", tmp_path / "out.parquet"
    summary = run([str(pages)], str(out), Config(workers=workers, stats=str(stats)), progress=False)
    rows = pq.read_table(out).to_pylist()
    sizes = Counter(r["dup_cluster"] for r in rows if r["dup_cluster"])
    (cluster, size), *_ = summary.largest_duplicates
    assert size == max(sizes.values()) == sizes[cluster] and len(summary.largest_duplicates) == min(len(sizes), LARGEST)
    assert summary.largest_blocks and summary.largest_blocks[0][1] >= summary.largest_blocks[-1][1] >= 2
    assert f"largest duplicate cluster {cluster} ({size})" in summary.line("out.parquet")
    written = json.loads(stats.read_text(encoding="utf-8"))["index"]
    for key, listed in (("duplicate", summary.largest_duplicates), ("block", summary.largest_blocks)):
        assert [(c["cluster"], c["size"]) for c in written[f"largest_{key}_clusters"]] == list(listed)
