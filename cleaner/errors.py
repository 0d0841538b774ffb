"""User-facing errors: each names the file (and rule) at fault and says what is wrong."""

from __future__ import annotations


class CleanerError(Exception):
    """An error caused by input or configuration, reported as one line, never a traceback."""

    exit_code = 2


class ConfigError(CleanerError):
    """A bad flag, config file or option value."""


class RulePackError(CleanerError):
    """A rule pack that cannot be loaded: names the file, the rule and the problem."""

    def __init__(self, path: str, rule: str | None, message: str):
        self.path, self.rule, self.message = str(path), rule, message
        where = f"{self.path}" + (f" [{rule}]" if rule else "")
        super().__init__(f"{where}: {message}")


class InputError(CleanerError):
    """An input that cannot be read or parsed: names the source and the problem."""

    exit_code = 1

    def __init__(self, source: str, message: str):
        self.source, self.message = str(source), message
        super().__init__(f"{self.source}: {message}")


class OutputError(CleanerError):
    """An output that could not be written (disk full, permissions): nothing is left under its final name."""

    exit_code = 1
