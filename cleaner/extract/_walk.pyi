from typing import Any

from cleaner.document import Block
from cleaner.extract.dom import Walk

def walk_root(root: Any, found: Walk) -> None: ...
def word_counts(found: Walk) -> tuple[dict[int, int], dict[int, int], int]: ...
def markup_blocks(
    found: Walk, counts: tuple[dict[int, int], dict[int, int], int], container: int | None
) -> list[Block]: ...
