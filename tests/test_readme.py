"""The README's Python examples run as written, on the shipped fixtures (install and shell commands excluded)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_python_block_runs(tmp_path, number):
    """Each block runs as a script (so `if __name__ == "__main__":` and worker processes work) in a
    folder holding the repository's fixtures, and whatever it writes stays there."""
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    script = tmp_path / f"example_{number}.py"
    script.write_text(BLOCKS[number], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, script.name], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    for written in tmp_path.glob("*.parquet"):
        assert pq.read_table(written).num_rows > 0


def test_readme_example_pack_passes_rules_test(tmp_path):
    from cleaner.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    pack = next(b for b in re.findall(r"```toml\n(.*?)```", text, re.DOTALL) if "[pack]" in b)
    (tmp_path / "example.toml").write_text(pack, encoding="utf-8")
    assert main(["rules", "test", "--rules", str(tmp_path)]) == 0
