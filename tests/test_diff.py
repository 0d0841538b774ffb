"""`cleaner diff`: documents only in one output, changed text and removals, per-reason counts, exit codes,
Parquet and JSON Lines (files and folders of parts)."""

from __future__ import annotations

import copy
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaner.cli import main
from cleaner.diff import diff_outputs

PAGE = (
    "Home\nNews\nThe minister said the talks would continue next week in the capital, officials said.\n"
    "Trade grew by 22 percent last year, according to official data released on Monday.\nRead More\n"
)


def _row(doc_id: str, text: str, removed: list[tuple[int, int, int, str, str]]) -> dict:
    return {
        "id": doc_id,
        "source": f"{doc_id}.txt",
        "text": text,
        "removed": [
            {"block": b, "start": s, "end": e, "reason": r, "detail": "", "text": t} for b, s, e, r, t in removed
        ],
    }


ROWS_A = [
    _row("one", "First line.\nSecond line.", [(0, 0, 4, "heuristic:nav", "Home"), (3, 0, 9, "rule:x/y", "Read More")]),
    _row("two", "Unchanged text.", [(1, 0, 4, "repeat:abc", "Menu")]),
    _row("gone", "Only in A.", []),
]


def _b_rows() -> list[dict]:
    rows = copy.deepcopy(ROWS_A[:2])
    rows[0]["text"] = "First line.\nSecond line, changed."
    rows[0]["removed"] = [
        rows[0]["removed"][0],
        {"block": 4, "start": 0, "end": 5, "reason": "heuristic:teaser", "detail": "", "text": "Tease"},
        {"block": 5, "start": 0, "end": 5, "reason": "repeat:zzz", "detail": "", "text": "Footr"},
    ]
    rows.append(_row("new", "Only in B.", []))
    return rows


def _parquet(path, rows):
    pq.write_table(pa.Table.from_pylist(rows), path)
    return str(path)


def _jsonl(path, rows, opener=open):
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    return str(path)


def test_counts_and_reasons(tmp_path):
    result = diff_outputs(_parquet(tmp_path / "a.parquet", ROWS_A), _jsonl(tmp_path / "b.jsonl", _b_rows()))
    assert (result.docs_a, result.docs_b) == (3, 3)
    assert result.only_a == ["gone"] and result.only_b == ["new"]
    assert [c.id for c in result.changed] == ["one"]
    assert (result.text_changed, result.removals_changed) == (1, 1)
    assert dict(result.reasons_vanished) == {"rule:x/y": 1}
    assert dict(result.reasons_appeared) == {"heuristic:teaser": 1, "repeat": 1}
    text = result.text_diffs["one"]
    assert "-Second line.\n" in text and "+Second line, changed.\n" in text
    assert "- removal block 3 [0:9] rule:x/y" in text and "+ removal block 4 [0:5] heuristic:teaser" in text
    assert not result.identical


def test_cli_exit_codes_text_and_json(tmp_path, capsys):
    a = _parquet(tmp_path / "a.parquet", ROWS_A)
    b = _jsonl(tmp_path / "b.jsonl.gz", _b_rows(), opener=gzip.open)
    assert main(["diff", a, a]) == 0
    assert "identical" in capsys.readouterr().out
    assert main(["diff", a, b]) == 1
    out = capsys.readouterr().out
    assert "only in A:         1  (gone)" in out and "changed text:      1" in out and "--- one" in out
    assert main(["diff", a, b, "--json", "-n", "0"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["only_in_a"] == {"count": 1, "ids": ["gone"]} and report["only_in_b"]["ids"] == ["new"]
    assert report["reasons"]["rule:x/y"] == {"appeared": 0, "vanished": 1}
    assert report["changed_text"] == 1 and report["text_diffs"] == {}


def test_usage_errors_exit_2(tmp_path, capsys):
    a = _parquet(tmp_path / "a.parquet", ROWS_A)
    assert main(["diff", a, str(tmp_path / "missing.parquet")]) == 2
    assert "missing.parquet: no such file or folder" in capsys.readouterr().err
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "text": "t", "removed": []}\nnot json\n', encoding="utf-8")
    assert main(["diff", a, str(tmp_path / "bad.jsonl")]) == 2
    assert "bad.jsonl: line 2: not JSON" in capsys.readouterr().err
    _parquet(tmp_path / "other.parquet", [{"id": "x", "body": "t"}])
    assert main(["diff", a, str(tmp_path / "other.parquet")]) == 2
    assert "not a cleaner output" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["diff", a])
    assert exit_.value.code == 2


def test_real_runs_folder_against_file(tmp_path, capsys):
    """Outputs of `cleaner clean`: a folder of parts equals the file of the same run; disabling a heuristic differs."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for k in range(3):
        (pages / f"p{k}.txt").write_text(PAGE.replace("22", str(20 + k)), encoding="utf-8")
    common = ["--no-repeats", "-q"]
    assert main(["clean", str(pages), "-o", str(tmp_path / "one.parquet"), *common]) == 0
    assert main(["clean", str(pages), "-o", str(tmp_path / "parts") + "/", "--shard-size", "2", *common]) == 0
    assert main(["clean", str(pages), "-o", str(tmp_path / "b.parquet"), "--disable", "link-label", *common]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "one.parquet"), str(tmp_path / "parts")]) == 0
    result = diff_outputs(str(tmp_path / "one.parquet"), str(tmp_path / "b.parquet"))
    assert result.removals_changed == 3 and result.reasons_vanished["heuristic:link-label"] == 3
