"""In-process integrations: `clean_batch` (datasets' batched map) and the datatrove step."""

from __future__ import annotations

import pytest

import cleaner
from cleaner.errors import ConfigError
from cleaner.integrations import OUTPUT_COLUMNS, clean_batch

PAGE = (
    "Home\nNews\nThe minister said the talks would continue next week in the capital, officials said.\n"
    "Trade grew by 22 percent last year, according to official data released on Monday.\nRead More\n"
)


def test_clean_batch_matches_clean_text_and_keeps_input_columns():
    batch = {"text": [PAGE, "Menu\n" + PAGE], "id": ["a", None], "url": [None, "https://example.org/x"], "n": [1, 2]}
    out = clean_batch(batch)
    assert set(OUTPUT_COLUMNS) <= set(out) and out["n"] == [1, 2]
    assert out["id"][0] == "a" and out["id"][1]  # a missing id becomes the text's hash
    for k, text in enumerate(batch["text"]):
        expected = cleaner.clean_text(text, url=batch["url"][k])
        assert out["text"][k] == expected.text
        assert out["removed"][k] == [r.as_dict() for r in expected.removed]
        assert out["raw_chars"][k] == len(text) and out["clean_chars"][k] == len(expected.text)
    assert batch["text"][0] == PAGE  # the input is not changed
    assert clean_batch({"text": []})["text"] == []


def test_clean_batch_settings_and_errors():
    plain = clean_batch({"text": [PAGE]})
    without = clean_batch({"text": [PAGE]}, config=cleaner.Config(disable=["link-label"]))
    assert "Read More" not in plain["text"][0]
    assert all(r["reason"] != "heuristic:link-label" for r in without["removed"][0])
    with pytest.raises(ConfigError, match="no 'text' column"):
        clean_batch({"body": [PAGE]})
    with pytest.raises(ConfigError, match="row 1"):
        clean_batch({"text": [PAGE, None]})


def test_datatrove_step_in_a_pipeline(tmp_path):
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove_step import CleanerStep

    docs = [
        Document(text=PAGE, id="a", metadata={"url": "https://example.org/a"}),
        Document(text="Home\nRead More", id="empty"),
    ]
    step = CleanerStep()
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["a", "empty"]
    assert out[0].text == cleaner.clean_text(PAGE, url="https://example.org/a").text
    reasons = [r["reason"] for r in out[0].metadata["cleaner_removed"]]
    assert "heuristic:link-label" in reasons and out[0].metadata["cleaner_raw_chars"] == len(PAGE)
    assert step.stats["documents"].total == 2

    dropping = CleanerStep(drop_empty=True)
    executor = LocalPipelineExecutor(
        pipeline=[
            [Document(text=PAGE, id="a"), Document(text="Home\nRead More", id="empty")],
            dropping,
            JsonlWriter(str(tmp_path / "out"), compression=None),
        ],
        logging_dir=str(tmp_path / "logs"),
        tasks=1,
    )
    executor.run()
    written = (tmp_path / "out" / "00000.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(written) == 1 and "cleaner_removed" in written[0]
