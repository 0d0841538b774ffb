"""The command line: help, version, exit codes, explain, rules."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from cleaner.cli import main

PAGE = (
    "Home\nNews\nThe minister said the talks would continue next week in the capital, officials said.\n"
    "Trade grew by 22 percent last year, according to official data released on Monday.\nRead More\n"
)


@pytest.mark.parametrize("command", [[], ["clean"], ["explain"], ["rules"], ["index"], ["bench"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: cleaner" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("cleaner ")


def test_clean_ok_and_summary(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    out = tmp_path / "o.parquet"
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(out), "-q"]) == 0
    assert pq.read_table(out).num_rows == 1
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 documents" in err and "removals by reason" in err


def test_clean_usage_errors_exit_2(tmp_path, capsys):
    assert main(["clean", str(tmp_path / "missing"), "-o", str(tmp_path / "o.parquet")]) == 2
    assert "no such input" in capsys.readouterr().err
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    assert main(["clean", str(tmp_path), "-o", str(tmp_path / "o.parquet"), "--rules", str(tmp_path / "nope")]) == 2
    assert main(["clean", str(tmp_path), "-o", str(tmp_path / "o.parquet"), "--disable", "no-such-thing"]) == 2
    bad = tmp_path / "c.toml"
    bad.write_text("wrokers = 2\n")
    assert main(["clean", str(tmp_path), "-o", str(tmp_path / "o.parquet"), "--config", str(bad)]) == 2
    assert "unknown setting" in capsys.readouterr().err


def test_unreadable_input_exit_1(tmp_path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x00binary")
    out = tmp_path / "o.parquet"
    assert main(["clean", str(tmp_path), "-o", str(out), "-q"]) == 1
    assert pq.read_table(out).num_rows == 1


def test_explain(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    assert main(["explain", str(tmp_path / "a.txt"), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "KEEP" in out and "DROP" in out and "Read More" in out
    assert "\033[" not in out
    assert main(["explain", str(tmp_path / "a.txt"), "--color", "always"]) == 0
    assert "\033[" in capsys.readouterr().out


def test_rules_commands(capsys):
    assert main(["rules", "list"]) == 0
    assert main(["rules", "check"]) == 0
    assert main(["rules", "test"]) == 0
    out = capsys.readouterr().out
    assert "packs pass their examples" in out
