"""The Ray engine: the same rows as the local engine, its refusals, and the band-key shuffle.

Runs on a local Ray instance (2 CPUs) started once for the module. Ray is a test
dependency in CI (`pip install -e '.[test,ray]'`); the refusal test runs without it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from cleaner import generate as corpus_gen
from cleaner.config import Config
from cleaner.engine import run
from cleaner.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ray_instance():
    if os.environ.get("CI"):
        import ray  # in CI a missing Ray is a failure, not a skip
    else:
        ray = pytest.importorskip("ray", reason="the Ray engine needs: pip install 'cleaner[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A multi-site corpus (repeated chrome, syndicated and re-saved pages) in three JSONL files and a
    text dump, with one bad JSON line and one unreadable file."""
    folder = tmp_path_factory.mktemp("corpus")
    records = list(corpus_gen.generate(sites=3, docs_per_site=14, seed=3).records())
    for part in range(3):
        lines = [json.dumps(r, ensure_ascii=False) for r in records[part::3]]
        if part == 1:
            lines.insert(2, "{not json")
        (folder / f"crawl-{part}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "notes.txt").write_text("Home\nA short note that stands alone, long enough to keep.\n")
    (folder / "broken.txt.gz").write_bytes(b"not gzip at all")
    return folder


def rows(folder: Path) -> tuple[dict[str, tuple], list[list[str]]]:
    """(id -> (text, removed, source)) and the duplicate clusters as sorted member lists."""
    table = pads.dataset(str(folder), format="parquet").to_table()
    out, clusters = {}, {}
    for row in table.to_pylist():
        out[row["id"]] = (row["text"], json.dumps(row["removed"], sort_keys=True), row["source"])
        if row["dup_cluster"] is not None:
            clusters.setdefault(row["dup_cluster"], []).append(row["id"])
    return out, sorted(sorted(members) for members in clusters.values())


def test_same_rows_as_local_engine(ray_instance, corpus, tmp_path, monkeypatch):
    from cleaner.dedup import CorpusIndex
    from cleaner.dedup.shards import FingerprintShards
    from cleaner.engine import ray as ray_engine

    built: list[tuple] = []
    real = ray_engine._build_on_ray
    monkeypatch.setattr(ray_engine, "_build_on_ray", lambda *a: built.append(real(*a)) or built[-1])
    config = Config(repeat_min_docs=3, row_group_size=50)
    local = run([str(corpus)], str(tmp_path / "local") + "/", config, progress=False)

    def not_here(*args, **kwargs):
        raise AssertionError("the Ray engine's driver writes no shard and builds no index")

    monkeypatch.setattr(FingerprintShards, "add", not_here)
    monkeypatch.setattr(CorpusIndex, "from_shards", not_here)
    remote = run([str(corpus)], str(tmp_path / "ray") + "/", config.replace(engine="ray"), progress=False)

    local_rows, local_clusters = rows(tmp_path / "local")
    ray_rows, ray_clusters = rows(tmp_path / "ray")
    assert len(ray_rows) == local.written == remote.written > 40
    assert ray_rows == local_rows
    assert ray_clusters == local_clusters and local_clusters  # the corpus has duplicates
    for name in ("documents", "read_errors", "failed", "raw_chars", "clean_chars", "empty"):
        assert getattr(remote, name) == getattr(local, name), name
    assert remote.read_errors == 2 and remote.reasons == local.reasons
    # the index was built in a Ray task, its per-site repeat counting in more tasks (partitions of block
    # clusters), with the local counts; the run's work folder (fingerprints, shards, index) is gone
    assert len(built) == 1 and built[0][1] > 1
    assert not Path(built[0][0].folder).exists()
    assert remote.largest_blocks == local.largest_blocks and remote.largest_duplicates == local.largest_duplicates

    assert (tmp_path / "ray" / "_SUCCESS").exists()
    ray_parts = sorted((tmp_path / "ray").glob("ray-*.parquet"))
    local_schema = pq.read_schema(tmp_path / "local" / "part-00000.parquet")
    assert ray_parts and all(pq.read_schema(p).equals(local_schema, check_metadata=True) for p in ray_parts)
    assert pq.ParquetFile(ray_parts[0]).metadata.row_group(0).column(0).compression == "ZSTD"

    again = run([str(corpus)], str(tmp_path / "ray") + "/", config.replace(engine="ray"), progress=False)
    assert again.written == remote.written and rows(tmp_path / "ray")[0] == ray_rows  # a re-run replaces


def test_uris_limit_and_no_repeats(ray_instance, corpus, tmp_path):
    """Inputs and output through pyarrow.fs (`file://`), `--limit` in input order, one pass only."""
    config = Config(repeats=False, limit=9)
    run([str(corpus)], str(tmp_path / "local") + "/", config, progress=False)
    summary = run([corpus.as_uri()], (tmp_path / "ray").as_uri() + "/", config.replace(engine="ray"), progress=False)
    local_rows, _ = rows(tmp_path / "local")
    ray_rows, clusters = rows(tmp_path / "ray")
    assert summary.documents == 9 and clusters == []
    assert {k: v[:2] for k, v in ray_rows.items()} == {k: v[:2] for k, v in local_rows.items()}
    assert all(source.startswith("file://") for _, _, source in ray_rows.values())


def test_refusals(ray_instance, corpus, tmp_path):
    ray_config = Config(engine="ray")
    with pytest.raises(ConfigError, match="dataset folder"):
        run([str(corpus)], str(tmp_path / "out.parquet"), ray_config)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        run([str(corpus)], str(tmp_path / "busy") + "/", ray_config.replace(repeats=False))
    run([str(corpus)], str(tmp_path / "local") + "/", Config(repeats=False, limit=2))
    with pytest.raises(ConfigError, match="other settings"):
        run([str(corpus)], str(tmp_path / "local") + "/", ray_config.replace(repeats=False, limit=2))


def test_without_ray_the_engine_names_the_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    with pytest.raises(ConfigError, match=r"pip install 'cleaner\[ray\]'"):
        run([str(tmp_path)], str(tmp_path / "out") + "/", Config(engine="ray"))


def test_the_tally_counts_each_page_once_in_a_few_runs():
    """Batches reported out of order, twice (a retried batch), across files and files without pages: the
    runs of counted pages join into one, and a page counted once is known."""
    from cleaner.engine.ray import Coverage, _runs

    counted = Coverage()
    # file 0: pages 0-4; file 1: no pages; file 2: pages 0-2; file 3: page 0
    batches = [_runs([0, 0, 0], [0, 1, 2], [False, False, False]), _runs([0, 0, 2], [3, 4, 0], [False, True, False])]
    batches.append(_runs([2, 2, 3], [1, 2, 0], [False, True, True]))
    assert batches[1] == [(0, 3, 4, True), (2, 0, 0, False)]
    for runs in (batches[2], batches[0], batches[1]):
        for file, first, last, ends in runs:
            counted.add((file, first), (file, last), ends)
    assert len(counted) == 2  # file 1 has not said it has no pages
    assert (0, 4) in counted and (2, 0) in counted and (3, 0) in counted and (0, 5) not in counted
    counted.add((1, -1), (1, -1), True)
    assert len(counted) == 1 and (1, -1) in counted and (4, 0) not in counted


def test_a_retried_batch_is_counted_once(ray_instance):
    from cleaner.engine.ray import _runs, _tally_class
    from cleaner.engine.run import RunSummary

    tally = _tally_class().remote()
    part = RunSummary(documents=2)
    first, second = _runs([0, 0], [0, 1], [False, True]), _runs([1], [0], [True])
    for runs in (second, first, second, first):  # the second report of each is a retry's
        ray_instance.get(tally.add.remote(runs, (part, [], [])))
    total, problems = ray_instance.get(tally.parts.remote())
    assert total.documents == 4 and problems == {}
    assert ray_instance.get(tally.runs.remote()) == 1


def test_a_work_folder_a_node_cannot_see_stops_the_run(ray_instance, corpus, tmp_path, monkeypatch):
    from cleaner.engine import ray as ray_engine

    nodes = [node["NodeID"] for node in ray_instance.nodes() if node["Alive"]]
    assert ray_engine._nodes_without(ray_instance, str(corpus)) == []
    assert ray_engine._nodes_without(ray_instance, str(tmp_path / "absent")) == nodes
    monkeypatch.setattr(ray_engine, "_nodes_without", lambda ray, path: ["a-node-without-it"])
    with pytest.raises(ConfigError, match=r"not visible from 1 node.*a-node-without-it.*set TMPDIR"):
        run([str(corpus)], str(tmp_path / "out") + "/", Config(engine="ray"), progress=False)
    assert not (tmp_path / "out").exists()


def test_dup_verify_reaches_the_ray_build_and_gives_the_local_rows(ray_instance, corpus, tmp_path, monkeypatch):
    from cleaner.engine import ray as ray_engine

    built: list[tuple] = []
    real = ray_engine._build_on_ray
    monkeypatch.setattr(ray_engine, "_build_on_ray", lambda *a: built.append(real(*a)) or built[-1])
    config = Config(repeat_min_docs=3, dup_verify=True)
    run([str(corpus)], str(tmp_path / "local") + "/", config, progress=False)
    run([str(corpus)], str(tmp_path / "ray") + "/", config.replace(engine="ray"), progress=False)

    assert len(built) == 1
    assert "dup_verify_rejected" in built[0][0].stats  # the index was built with verification
    local_rows, local_clusters = rows(tmp_path / "local")
    assert rows(tmp_path / "ray") == (local_rows, local_clusters) and local_clusters
