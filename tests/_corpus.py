"""The multi-site corpus generator (`benchmarks/corpus.py`), importable from tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load():
    if "bench_corpus" in sys.modules:
        return sys.modules["bench_corpus"]
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_corpus"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


corpus = _load()
