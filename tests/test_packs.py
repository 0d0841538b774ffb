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


def test_each_seed_picks_one_site_pack():
    from pathlib import Path

    from cleaner.document import Document
    from cleaner.rules import load_ruleset

    ruleset = load_ruleset()
    seeds = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
    for raw in sorted((seeds / "raw").glob("*.txt")):
        doc = Document.from_text(raw.read_text(encoding="utf-8"), id=raw.stem, source=str(raw))
        sites = [p.id for p in ruleset.select(doc) if not p.always]
        assert len(sites) == 1, (raw.name, sites)
