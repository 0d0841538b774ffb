"""The rule-pack loader: validation errors name file and rule; selection; drop/cut/keep semantics."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import rules
from cleaner.document import Document
from cleaner.errors import RulePackError
from cleaner.rules import apply_packs, check_examples, line_safe, load_pack, load_ruleset, take_timeouts
from cleaner.urls import url_host

PACK = """
[pack]
id = "example-news"
domains = ["example-news.com"]
detect = ['(?m)^© \\d{4} Example News']

[[drop]]
id = "newsletter-cta"
regex = '^Sign up for our (daily|weekly) newsletter'

[[cut]]
id = "related"
marker = '^(Related|More from Example News)$'
remove = "after"

[[keep]]
id = "dateline"
regex = '^[A-Z]+ \\(Example\\) '

[[example]]
input  = "Para one.\\nSign up for our daily newsletter\\nPara two.\\nRelated\\nOther headline"
expect = "Para one.\\nPara two."

[[example]]
input  = "BEIJING (Example) Short."
expect = "BEIJING (Example) Short."
"""


def write(tmp_path, text: str, name: str = "pack.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_pack_loads_and_its_examples_pass(tmp_path):
    pack = load_pack(write(tmp_path, PACK))
    assert pack.id == "example-news" and pack.site == "example-news.com" and not pack.always
    assert check_examples(pack) == []


def test_cut_after_removes_marker_and_rest_and_keep_protects(tmp_path):
    pack = load_pack(write(tmp_path, PACK))
    doc = Document.from_text("BEIJING (Example) Lead.\nBody.\nRelated\nOther\nMore", id="d", source="s")
    removals, protected = apply_packs([pack], doc)
    assert [r.block for r in removals] == [2, 3, 4]
    assert {r.reason for r in removals} == {"rule:example-news/related"}
    assert protected == {0}


def test_cut_before(tmp_path):
    pack = load_pack(
        write(tmp_path, '[pack]\nid="p"\n[[cut]]\nid="top"\nmarker="^Skip to content$"\nremove="before"\n')
    )
    doc = Document.from_text("Menu\nSkip to content\nArticle.", id="d", source="s")
    removals, _ = apply_packs([pack], doc)
    assert [r.block for r in removals] == [0, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[pack]\nid='x'\n[[drop]]\nid='a'\nregex='(unclosed'\n", "bad regex"),
        ("[pack]\nid='x'\n[[drop]]\nid='a'\nregex='a'\n[[drop]]\nid='a'\nregex='b'\n", "used twice"),
        ("[pack]\nid='x'\n[[drop]]\nid='a'\npattern='a'\n", "unknown key"),
        ("[pack]\nid='x'\n[[cut]]\nid='a'\nmarker='a'\nremove='around'\n", "after' or 'before"),
        ("[pack]\nid='Bad Id'\n", "lower-case"),
        ("[drop]\n", "missing [pack]"),
        ("[pack\nid='x'", "not valid TOML"),
        ("[pack]\nid='x'\n[[example]]\ninput='a'\n", "needs string"),
    ],
)
def test_malformed_pack_names_file_and_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(RulePackError) as err:
        load_pack(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_bad_rule_is_named(tmp_path):
    path = write(tmp_path, "[pack]\nid='x'\n[[drop]]\nid='broken-one'\nregex='['\n")
    with pytest.raises(RulePackError, match=r"drop 'broken-one'"):
        load_pack(path)


def test_duplicate_pack_ids_across_files(tmp_path):
    write(tmp_path, "[pack]\nid='same'\n", "a.toml")
    write(tmp_path, "[pack]\nid='same'\n", "b.toml")
    with pytest.raises(RulePackError, match="already defined"):
        load_ruleset([str(tmp_path)], builtin=False)


def test_missing_rules_dir_is_an_error(tmp_path):
    with pytest.raises(RulePackError, match="no such rule"):
        load_ruleset([str(tmp_path / "nope")], builtin=False)


def test_selection_by_domain_detect_and_site(tmp_path):
    write(tmp_path, PACK)
    write(tmp_path, "[pack]\nid='everywhere'\n", "generic.toml")
    ruleset = load_ruleset([str(tmp_path)], builtin=False)

    def chosen(**kw):
        doc = Document.from_text(kw.pop("text", "Hello."), id="d", source="s", **kw)
        return [p.id for p in ruleset.select(doc)]

    assert chosen(url="https://www.example-news.com/a/b") == ["everywhere", "example-news"]
    assert chosen(url="https://news.example-news.com/a") == ["everywhere", "example-news"]
    assert chosen(url="https://notexample-news.com/a") == ["everywhere"]
    assert chosen(text="Body.\n© 2024 Example News") == ["everywhere", "example-news"]
    assert chosen(text="Body.\n© 2024 Example News", url="https://other.org/") == ["everywhere"]
    assert chosen(site="example-news.com") == ["everywhere", "example-news"]


def test_catastrophic_regex_times_out_as_no_match_and_is_noted_on_every_page(tmp_path, monkeypatch):
    monkeypatch.setattr(rules, "REGEX_TIMEOUT_S", 0.02)
    pack = load_pack(write(tmp_path, "[pack]\nid='slow'\n[[drop]]\nid='evil'\nregex='^(a|aa)+$'\n"))
    doc = Document.from_text("a" * 40 + "!\nfine", id="d", source="s")
    take_timeouts()
    removals, _ = apply_packs([pack], doc)
    assert removals == []
    assert take_timeouts() == [("slow", "evil")]
    apply_packs([pack], doc)
    assert take_timeouts() == [("slow", "evil")], "a timed-out answer is not memoised: the next page notes it again"
    apply_packs([pack], Document.from_text("fine\nother", id="e", source="s"))
    assert take_timeouts() == []


@pytest.mark.parametrize(
    ("source", "safe"),
    [
        (r"^Read More\s*$", True),
        (r"(?i)^\s*(follow|like) us on (facebook|x)\b.{0,80}$", True),
        (r"^(?P<label>Photo|Video): ", True),
        (r"\(AP\) \\A", True),  # an escaped backslash then a plain A
        (r"\Afoo", False),
        (r"foo\Z", False),
        (r"(?<=x)y", False),
        (r"x(?!y)", False),
        (r"(?s)a.*b", False),
        (r"(?m)^a", False),
        (r"(\w+) \1", False),
        (r"a++b", False),
        (r"(?>a+)b", False),
        (r"foo\Kbar", False),
        (r"(?x) a b # comment", False),
    ],
)
def test_line_safe(source, safe):
    assert line_safe(source) is safe


_BLOCK = st.text(alphabet="ab Ax.\r", min_size=1, max_size=12).filter(lambda t: not t.isspace())
_PATTERNS = [
    r"^a+\s*$",
    r"(?i)^A.b",
    r"b\s+a",
    r"\bab\b",
    r"x$",
    r"\Aa",
    r"a(?=b)",
    r"(a)\1",
    r"^\s*\.",
    r"a\s*+$",
    r"[^a]b$",
]


@settings(max_examples=150, deadline=None)
@given(
    blocks=st.lists(_BLOCK, min_size=1, max_size=12),
    drops=st.lists(st.sampled_from(_PATTERNS), min_size=1, max_size=5, unique=True),
    cut=st.sampled_from([None, *_PATTERNS]),
    keep=st.sampled_from([None, *_PATTERNS]),
)
def test_union_search_agrees_with_searching_each_block(blocks, drops, cut, keep):
    """The one-search-per-document path gives what searching every rule in every block gives."""
    text = "\n".join(blocks)
    data = {
        "pack": {"id": "p"},
        "drop": [{"id": f"d{n}", "regex": source} for n, source in enumerate(drops)],
        "cut": [{"id": "c", "marker": cut, "remove": "after"}] if cut else [],
        "keep": [{"id": "k", "regex": keep}] if keep else [],
    }
    pack = rules._build_pack("p.toml", "0" * 64, data)
    doc = Document.from_text(text, id="d", source="s")
    removals, protected = apply_packs([pack], doc)

    removed, expected = set(), []
    for rule in pack.cuts:
        marker = next((b.index for b in doc.blocks if rule.pattern.search(b.text)), None)
        if marker is not None:
            removed |= set(range(marker, len(doc.blocks)))
            expected += [(i, "c") for i in range(marker, len(doc.blocks))]
    for block in doc.blocks:
        hit = next((r for r in pack.drops if r.pattern.search(block.text)), None)
        if hit is not None and block.index not in removed:
            expected.append((block.index, hit.id))
    assert sorted((r.block, r.reason.split("/")[1]) for r in removals) == sorted(expected)
    assert protected == {b.index for b in doc.blocks if any(k.pattern.search(b.text) for k in pack.keeps)}


def test_url_host():
    assert url_host("https://WWW.Example.com:8080/x") == "example.com"
    assert url_host("example.com/path") == "example.com"
    assert url_host(None) == "" and url_host("http://[bad") == ""


def test_shipped_packs_load():
    ruleset = load_ruleset()
    assert len({p.id for p in ruleset.packs}) == len(ruleset.packs)
    assert all(len(m["sha256"]) == 64 for m in ruleset.manifest())
