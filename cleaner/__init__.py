"""cleaner: turn scraped news pages into clean, deduplicated Parquet, explaining every removal."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cleaner")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+local"

from cleaner.api import clean_files, clean_text
from cleaner.config import Config
from cleaner.document import Block, Document, Removal, Result

__all__ = ["Block", "Config", "Document", "Removal", "Result", "__version__", "clean_files", "clean_text"]
