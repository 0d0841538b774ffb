"""The registry of input formats: every module in this package declares `FORMATS`, a tuple of
`cleaner.io.base.Format` (a name, the extensions it claims, its reader). Adding a format is adding
one module here (and its test); `--format`'s choices and extension matching come from this registry.
"""

from __future__ import annotations

import importlib
import pkgutil

from cleaner.io.base import Format


def _discover() -> dict[str, Format]:
    found: dict[str, Format] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        for fmt in importlib.import_module(f"{__name__}.{module}").FORMATS:
            if fmt.name in found:
                raise RuntimeError(f"input format {fmt.name!r} is declared twice")
            found[fmt.name] = fmt
    return found


REGISTRY: dict[str, Format] = _discover()
FORMATS: tuple[str, ...] = tuple(REGISTRY)
EXTENSIONS: dict[str, str] = {ext: fmt.name for fmt in REGISTRY.values() for ext in fmt.extensions}


def get(name: str) -> Format:
    return REGISTRY[name]
