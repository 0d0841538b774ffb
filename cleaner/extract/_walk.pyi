from typing import Any

from cleaner.extract.dom import Walk

def walk_root(root: Any, found: Walk) -> None: ...
