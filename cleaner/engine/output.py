"""Where results go: one Parquet file, or a dataset folder of shards that a re-run can resume.

`-o FILE.parquet` writes one file, renamed into place at the end. `-o DIR/`
writes `part-00000.parquet`, … (one per `shard_size` input pages, each renamed
into place when complete) and `_SUCCESS` last. A re-run of the same command
into the same folder skips shards already complete; a folder holding a run
with other settings is refused rather than mixed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cleaner.config import Config
from cleaner.document import Result
from cleaner.engine.run import SUCCESS, claim_folder
from cleaner.errors import ConfigError
from cleaner.io.writer import ParquetSink


def is_dataset(output: str) -> bool:
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def open_output(output: str, config: Config, file_metadata: dict[str, Any], record: dict[str, Any]):
    """The output of a run: a dataset folder claimed for `record` (see `claim_folder`), or one file."""
    if is_dataset(output):
        return DatasetOutput(Path(output), config, file_metadata, record)
    return FileOutput(Path(output), config, file_metadata)


class FileOutput:
    skipped = 0

    def __init__(self, path: Path, config: Config, file_metadata: dict[str, Any]):
        if path.parent and not path.parent.exists():
            raise ConfigError(f"{path}: output folder {path.parent} does not exist")
        self.sink = ParquetSink(path, file_metadata=file_metadata, row_group_size=config.row_group_size)

    def skip(self, ordinal: int) -> bool:
        return False

    def write(self, ordinal: int, result: Result) -> None:
        self.sink.write(result)

    def close(self) -> None:
        self.sink.close()

    def abort(self) -> None:
        self.sink.abort()


class DatasetOutput:
    """Shards of `config.shard_size` input pages; shard k holds pages k*size … (k+1)*size-1."""

    def __init__(self, folder: Path, config: Config, file_metadata: dict[str, Any], record: dict[str, Any]):
        import pyarrow.fs as pafs

        self.folder = folder
        self.config = config
        self.file_metadata = file_metadata
        self.size = max(1, config.shard_size)
        self.claim = claim_folder(pafs.LocalFileSystem(), os.path.abspath(folder), record, display=str(folder))
        (folder / SUCCESS).unlink(missing_ok=True)
        self.done = {int(p.stem.split("-")[1]) for p in folder.glob("part-*.parquet")}
        self.reported_skips: set[int] = set()
        self.current: int | None = None
        self.sink: ParquetSink | None = None

    @property
    def skipped(self) -> int:
        return len(self.reported_skips)

    def part(self, shard: int) -> Path:
        return self.folder / f"part-{shard:05d}.parquet"

    def skip(self, ordinal: int) -> bool:
        shard = ordinal // self.size
        if shard in self.done:
            self.reported_skips.add(shard)
            return True
        return False

    def write(self, ordinal: int, result: Result) -> None:
        shard = ordinal // self.size
        if shard != self.current:
            self._finish_up_to(shard)
            self.current = shard
            self.sink = ParquetSink(
                self.part(shard), file_metadata=self.file_metadata, row_group_size=self.config.row_group_size
            )
        assert self.sink is not None
        self.sink.write(result)

    def _finish_up_to(self, shard: int) -> None:
        """Close the open shard; shards before `shard` that got no rows still get an (empty) part."""
        if self.sink is not None:
            self.sink.close()
            self.done.add(self.current)
            self.sink = None
        first = 0 if self.current is None else self.current + 1
        for missing in range(first, shard):
            if missing not in self.done:
                ParquetSink(self.part(missing), file_metadata=self.file_metadata).close()
                self.done.add(missing)

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
            self.done.add(self.current)
            self.sink = None
        if not self.done:
            ParquetSink(self.part(0), file_metadata=self.file_metadata).close()
        (self.folder / SUCCESS).write_text("")
        self.claim.release()

    def abort(self) -> None:
        if self.sink is not None:
            self.sink.abort()
            self.sink = None
        self.claim.release()
