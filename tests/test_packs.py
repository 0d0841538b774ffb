"""Every shipped rule pack loads, and its examples pass and exercise every rule."""

from __future__ import annotations

import pytest

from cleaner.rules import builtin_rules_dir, check_examples, load_pack, pack_files

PACKS = pack_files(builtin_rules_dir())


def test_packs_are_shipped():
    names = {p.parent.name for p in PACKS}
    assert names == {"generic", "sites"}


@pytest.mark.parametrize("path", PACKS, ids=[f"{p.parent.name}/{p.stem}" for p in PACKS])
def test_pack_examples(path):
    pack = load_pack(path)
    assert pack.examples, f"{path.name} has no [[example]]"
    assert check_examples(pack) == []


@pytest.mark.parametrize("path", [p for p in PACKS if p.parent.name == "sites"], ids=lambda p: p.stem)
def test_site_packs_are_chosen(path):
    pack = load_pack(path)
    assert not pack.always, f"{path.name} would apply to every page"
    assert pack.domains or pack.detect
