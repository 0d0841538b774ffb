"""Never lose a run (engine side): dangerous output paths, a full disk, SIGTERM, resumes, concurrent runs."""

from __future__ import annotations

import errno
import json
import os
import signal
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaner.cli import main
from cleaner.config import Config
from cleaner.engine import corpus as corpus_stage
from cleaner.engine import run, worker
from cleaner.errors import ConfigError

ARTICLE = (
    "The minister said the talks would continue next week in the capital, officials confirmed.\n"
    "Trade between the two countries grew by 22 percent last year, according to official data.\n"
    "Read More\n"
)


def make_corpus(root: Path, n: int = 6) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"page{i:02d}.txt").write_text(f"Headline {i}\n{ARTICLE}Story {i} is unique, {i}.\n", encoding="utf-8")
    return root


@pytest.fixture
def no_reading(monkeypatch):
    """Fail the test if any input is read: the checks under test must come before any work."""

    def refuse(*args, **kwargs):
        raise AssertionError("input was read before the output was checked")

    monkeypatch.setattr("cleaner.io.readers.iter_pages", refuse)


def one_line_error(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


def test_output_equal_to_an_input_is_refused(tmp_path, capsys, no_reading):
    src = tmp_path / "pages.jsonl"
    src.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n", encoding="utf-8")
    before = src.read_bytes()
    assert main(["clean", str(src), "-o", str(src)]) == 2
    one_line_error(capsys, "is one of the inputs")
    assert src.read_bytes() == before
    link = tmp_path / "link.parquet"
    link.symlink_to(src)
    assert main(["clean", str(src), "-o", str(link)]) == 2
    one_line_error(capsys, "is one of the inputs")
    folder = make_corpus(tmp_path / "in")
    assert main(["clean", str(folder), "-o", str(folder) + "/"]) == 2
    one_line_error(capsys, "is one of the inputs")


def test_symlink_output_is_written_through(tmp_path):
    corpus = make_corpus(tmp_path / "in")
    target = tmp_path / "real.parquet"
    target.write_bytes(b"old")
    link = tmp_path / "out.parquet"
    link.symlink_to(target)
    assert main(["clean", str(corpus), "-o", str(link), "-q"]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert pq.read_table(target).num_rows == 6


def test_device_or_fifo_output_is_refused(tmp_path, capsys, no_reading):
    corpus = make_corpus(tmp_path / "in")
    assert main(["clean", str(corpus), "-o", os.devnull]) == 2
    one_line_error(capsys, "not a regular file")
    fifo = tmp_path / "fifo.parquet"
    os.mkfifo(fifo)
    assert main(["clean", str(corpus), "-o", str(fifo)]) == 2
    one_line_error(capsys, "not a regular file")
    link = tmp_path / "to-null.parquet"
    link.symlink_to(os.devnull)
    assert main(["clean", str(corpus), "-o", str(link)]) == 2
    one_line_error(capsys, "not a regular file")
    assert link.is_symlink() and fifo.exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-o", "{tmp}/missing/o.parquet"], ["does not exist"]),
        (["-o", "{tmp}/o.parquet", "--errors", "{tmp}/missing/e.jsonl"], ["--errors", "does not exist"]),
        (["-o", "{tmp}/o.parquet", "--errors", "{tmp}"], ["--errors", "is a folder"]),
        (["-o", "{tmp}/o.parquet", "--errors", "{tmp}/o.parquet"], ["--errors and -o"]),
    ],
)
def test_output_locations_checked_before_any_work(tmp_path, capsys, no_reading, argv, words):
    corpus = make_corpus(tmp_path / "in")
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(["clean", str(corpus), *argv]) == 2
    one_line_error(capsys, *words)
    assert not (tmp_path / "o.parquet").exists()


def test_index_build_output_checked_before_any_work(tmp_path, capsys, no_reading):
    corpus = make_corpus(tmp_path / "in")
    assert main(["index", "build", str(corpus), "-o", str(tmp_path / "missing" / "x.idx")]) == 2
    one_line_error(capsys, "does not exist")
    assert main(["index", "build", str(corpus), "-o", str(tmp_path)]) == 2
    one_line_error(capsys, "is a folder")


def test_index_build_reports_bad_inputs_and_writes_errors(tmp_path, capsys, caplog):
    corpus = make_corpus(tmp_path / "in")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (corpus / "latin1.txt").write_bytes(b"Caf\xe9 owners said the new rules were a burden on business.\n")
    errors = tmp_path / "errors.jsonl"
    index = tmp_path / "x.idx"
    assert main(["index", "build", str(corpus), "-o", str(index), "--errors", str(errors)]) == 1
    assert index.exists()
    assert "binary.txt" in caplog.text and "1 errors, 1 warnings" in capsys.readouterr().err
    logged = {Path(e["source"]).name: e["level"] for e in map(json.loads, errors.read_text().splitlines())}
    assert logged == {"binary.txt": "error", "latin1.txt": "warning"}


def test_garbage_index_file_gives_a_clear_message(tmp_path, capsys):
    corpus = make_corpus(tmp_path / "in")
    garbage = tmp_path / "garbage.idx"
    garbage.write_bytes(b"this is not an index\n" * 10)
    assert main(["clean", str(corpus), "--index", str(garbage), "-o", str(tmp_path / "o.parquet")]) == 2
    err = one_line_error(capsys, "not a cleaner corpus index", "cleaner index build")
    assert "pickle" not in err


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("output", ["o.parquet", "ds/"])
def test_disk_full_while_writing_output(tmp_path, capsys, monkeypatch, output):
    corpus = make_corpus(tmp_path / "in")
    monkeypatch.setattr("cleaner.io.writer.ParquetSink._flush", enospc)
    out = tmp_path / output
    assert main(["clean", str(corpus), "-o", str(out), "--no-repeats"]) == 1
    one_line_error(capsys, "No space left on device", "no partial output")
    leftovers = [p.name for p in tmp_path.rglob("*") if ".tmp-" in p.name or p.suffix == ".parquet"]
    assert leftovers == [] and not (tmp_path / "ds" / "_SUCCESS").exists()


def test_disk_full_in_the_scratch_folder(tmp_path, capsys, monkeypatch):
    corpus = make_corpus(tmp_path / "in")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def full(handle, data):  # the pass-1 spill, which the workers write
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), handle.name)

    monkeypatch.setattr(corpus_stage, "_append", full)
    assert main(["clean", str(corpus), "-o", str(tmp_path / "o.parquet")]) == 1
    one_line_error(capsys, "scratch folder", "No space left on device")
    assert list(scratch.iterdir()) == [] and not (tmp_path / "o.parquet").exists()


@pytest.mark.parametrize(("stage", "output"), [("first_pass_batch", "o.parquet"), ("clean_batch", "ds/")])
def test_sigterm_cleans_up_like_ctrl_c(tmp_path, capsys, monkeypatch, stage, output):
    corpus = make_corpus(tmp_path / "in", 100)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    module = corpus_stage if stage == "first_pass_batch" else worker
    real = getattr(module, stage)
    calls = []

    def terminated_on_third_batch(pages, **options):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(pages, **options)

    monkeypatch.setattr(module, stage, terminated_on_third_batch)
    repeats = [] if stage == "first_pass_batch" else ["--no-repeats"]
    out = tmp_path / "out" / output
    out.parent.mkdir()
    assert main(["clean", str(corpus), "-o", str(out), "--shard-size", "40", *repeats]) == 128 + signal.SIGTERM
    assert "terminated" in capsys.readouterr().err
    assert list(scratch.iterdir()) == []
    left = sorted(p.name for p in out.parent.rglob("*"))
    assert not any(".tmp-" in name or name == "_SUCCESS" for name in left), left
    assert signal.getsignal(signal.SIGTERM) is not None


@pytest.mark.parametrize("repeats", [[], ["--no-repeats"]])
def test_resume_with_other_inputs_or_limit_is_refused(tmp_path, capsys, repeats):
    corpus = make_corpus(tmp_path / "in", 30)
    out = str(tmp_path / "ds") + "/"
    base = ["clean", str(corpus), "-o", out, "--shard-size", "10", "-q", *repeats]
    assert main([*base, "--limit", "5"]) == 0
    assert main(base) == 2
    one_line_error(capsys, "other settings, inputs")
    other = make_corpus(tmp_path / "other", 3)
    assert main([*base[:1], str(other), *base[2:], "--limit", "5"]) == 2
    assert main([*base, "--limit", "5"]) == 0  # the same run again is resumed
    rows = pq.read_table(tmp_path / "ds").num_rows
    assert rows == 5


def test_two_runs_into_one_folder_at_once(tmp_path):
    import pyarrow.fs as pafs

    from cleaner.engine.run import claim_folder, file_metadata, run_record
    from cleaner.rules import load_ruleset

    corpus = make_corpus(tmp_path / "in")
    out = tmp_path / "ds"
    config = Config(repeats=False)
    record = run_record(file_metadata(config, load_ruleset()), engine="local", inputs=[str(corpus)], limit=None)
    held = claim_folder(pafs.LocalFileSystem(), str(out), record, display=str(out))
    try:
        with pytest.raises(ConfigError, match="another cleaner run"):
            run([str(corpus)], str(out) + "/", config, progress=False)
    finally:
        held.release()
    assert run([str(corpus)], str(out) + "/", config, progress=False).written == 6


CATASTROPHIC = """
[pack]
id = "slow-pack"
always = true

[[drop]]
id = "catastrophic"
regex = '^(a|a)*$'

[[example]]
input = "Para one.\\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
expect = "Para one.\\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
"""


def test_regex_timeouts_reported_with_pack_rule_and_page(tmp_path, capsys):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "slow.toml").write_text(CATASTROPHIC, encoding="utf-8")
    corpus = make_corpus(tmp_path / "in", 2)
    (corpus / "slow.txt").write_text(ARTICLE + "a" * 40 + "b\n", encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    out = tmp_path / "o.parquet"
    argv = ["clean", str(corpus), "-o", str(out), "--rules", str(packs), "--errors", str(errors), "--no-repeats"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "regex timeouts on 1 pages" in err and "slow-pack/catastrophic" in err
    logged = [json.loads(line) for line in errors.read_text().splitlines()]
    assert len(logged) == 1
    assert logged[0]["level"] == "warning" and logged[0]["id"] == "slow" and logged[0]["stage"] == "rules"
    assert "slow-pack/catastrophic" in logged[0]["message"]
    assert pq.read_table(out).num_rows == 3


def test_rules_test_fails_a_pack_whose_rule_times_out_on_its_examples(tmp_path, capsys):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "slow.toml").write_text(CATASTROPHIC, encoding="utf-8")
    assert main(["rules", "check", "--rules", str(packs)]) == 0
    assert main(["rules", "test", "--rules", str(packs)]) == 1
    out = capsys.readouterr().out
    assert "FAIL slow-pack" in out and "'catastrophic' timed out" in out


def test_bad_prune_xpath_fails_when_the_pack_loads(tmp_path, capsys):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "x.toml").write_text("[pack]\nid = 'x'\ndomains = ['x.example']\nprune_xpath = ['//div[@']\n")
    assert main(["rules", "check", "--rules", str(packs)]) == 2
    one_line_error(capsys, "x.toml", "prune_xpath", "bad XPath")


def test_dataset_folder_under_a_file_is_refused(tmp_path, capsys, no_reading):
    corpus = make_corpus(tmp_path / "in")
    (tmp_path / "plain").write_text("x")
    assert main(["clean", str(corpus), "-o", str(tmp_path / "plain" / "ds") + "/"]) == 2
    one_line_error(capsys, "is a file")
