"""`cleaner golden check|update` on a user's fixture folder (the layout of fixtures/seeds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cleaner.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
PAGE = (
    "Home\nNews\nThe minister said the talks would continue next week in the capital, officials said.\n"
    "Trade grew by 22 percent last year, according to official data released on Monday.\nRead More\n"
)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "golden"
    (folder / "raw").mkdir(parents=True)
    (folder / "raw" / "page.txt").write_text(PAGE, encoding="utf-8")
    records = [{"id": "r1", "text": PAGE}, {"id": "r2", "text": "Menu\n" + PAGE}]
    (folder / "raw" / "batch.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / "gold").mkdir()
    (folder / "gold" / "page.txt").write_text("a person's file\n", encoding="utf-8")
    return folder


def test_update_then_check(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["golden", "check", str(folder)]) == 1
    assert "missing (run `cleaner golden update`" in capsys.readouterr().out
    assert main(["golden", "update", str(folder)]) == 0
    expected = folder / "expected"
    names = sorted(p.name for p in expected.iterdir())
    assert names == [
        "batch.1.removed.jsonl",
        "batch.1.txt",
        "batch.2.removed.jsonl",
        "batch.2.txt",
        "page.removed.jsonl",
        "page.txt",
    ]
    assert (expected / "page.txt").read_text(encoding="utf-8").startswith("The minister said")
    reasons = [json.loads(line)["reason"] for line in (expected / "page.removed.jsonl").open(encoding="utf-8")]
    assert "heuristic:link-label" in reasons
    assert (folder / "gold" / "page.txt").read_text(encoding="utf-8") == "a person's file\n"
    capsys.readouterr()
    assert main(["golden", "check", str(folder)]) == 0
    assert "3 pages checked" in capsys.readouterr().out


def test_check_shows_a_readable_diff_and_update_rewrites_expected_only(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["golden", "update", str(folder), "-q"]) == 0
    text = folder / "expected" / "page.txt"
    text.write_text("Something else\n", encoding="utf-8")
    (folder / "expected" / "stale.txt").write_text("old\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["golden", "check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "-Something else" in out and "+The minister said" in out
    assert "expected/stale.txt: no raw page makes it any more" in out
    # a setting changes the output: check fails the same way, update follows it
    assert main(["golden", "check", str(folder), "--disable", "link-label"]) == 1
    assert main(["golden", "update", str(folder)]) == 0
    assert not (folder / "expected" / "stale.txt").exists()
    assert main(["golden", "check", str(folder)]) == 0


def test_seed_layout_passes(tmp_path, capsys):
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy)
    assert main(["golden", "check", str(copy)]) == 0
    assert "5 pages checked" in capsys.readouterr().out


def test_usage_errors(tmp_path, capsys):
    assert main(["golden", "check", str(tmp_path)]) == 2
    assert "no raw/ folder" in capsys.readouterr().err
    (tmp_path / "raw").mkdir()
    assert main(["golden", "check", str(tmp_path)]) == 2
    assert "holds no input files" in capsys.readouterr().err


def test_unreadable_raw_page_is_reported_and_fails_the_check(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["golden", "update", str(folder), "-q"]) == 0
    (folder / "raw" / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["golden", "check", str(folder)]) == 1
    assert "broken.jsonl" in capsys.readouterr().out
