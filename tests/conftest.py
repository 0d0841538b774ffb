"""Shared test options: `pytest --update-golden` rewrites golden outputs instead of comparing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.golden import file_diff


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite fixtures' expected/ files (*.txt, *.removed.jsonl) from the current output "
        "(never the human gold/)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def golden(update_golden: bool):
    """`golden(path, actual)`: compare `actual` with the file at `path` (a unified diff on failure),
    or write it when pytest runs with --update-golden. The diff is `cleaner golden check`'s."""

    def check(path: Path, actual: str) -> None:
        if update_golden:
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"{path} is missing: run `pytest --update-golden` to create it")
        diff = file_diff(path, path.read_text(encoding="utf-8"), actual)
        if diff:
            pytest.fail("golden file differs (run `pytest --update-golden` if intended):\n" + diff)

    return check
