"""Rule packs: load, validate, choose and apply per-site and generic TOML packs.

A pack is data (see README, "Rule packs"). Loading checks everything a pack
says, so a malformed pack fails at start-up with its file and rule named,
never halfway through a run. Regexes use the `regex` module with a timeout:
a pattern that runs too long on one block counts as no match.
"""

from __future__ import annotations

import hashlib
import tomllib
from bisect import bisect_right
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from cleaner.document import Document, Removal, split_blocks
from cleaner.errors import RulePackError
from cleaner.urls import url_host

REGEX_TIMEOUT_S = 0.25
PACK_KEYS = {"id", "site", "domains", "detect", "description", "always", "prune_xpath"}
RULE_KEYS = {
    "drop": {"id", "regex", "description"},
    "cut": {"id", "marker", "remove", "description"},
    "keep": {"id", "regex", "description"},
}
EXAMPLE_KEYS = {"input", "expect", "url", "description"}


@dataclass(frozen=True)
class Rule:
    """One rule of a pack: `kind` is drop, cut or keep; `remove` is set for cuts only."""

    kind: str
    id: str
    pattern: Any
    remove: str | None = None
    description: str = ""
    pack: str = ""

    def search(self, text: str) -> bool | None:
        """Whether the rule matches `text`; None when the search ran past `REGEX_TIMEOUT_S` (then
        noted for `take_timeouts`)."""
        try:
            return self.pattern.search(text, timeout=REGEX_TIMEOUT_S) is not None
        except TimeoutError:
            _timeouts.append((self.pack, self.id))
            return None

    def matches(self, text: str) -> bool:
        """Whether the rule matches `text`; a search that times out counts as no match."""
        return self.search(text) is True


#: (pack id, rule id) of each regex search that ran out of time, until `take_timeouts()`
_timeouts: list[tuple[str, str]] = []


def take_timeouts() -> list[tuple[str, str]]:
    """The (pack id, rule id) of each regex that timed out since the last call, in order (a pack's
    `detect` patterns as rule id "detect"); the engine reports them per page."""
    taken = _timeouts[:]
    _timeouts.clear()
    return taken


@dataclass(frozen=True)
class Example:
    input: str
    expect: str
    url: str | None = None


@dataclass(frozen=True)
class RulePack:
    """A validated pack. A pack with neither `domains` nor `detect` (or `always = true`) applies to every page."""

    id: str
    path: str
    sha256: str
    site: str | None
    domains: tuple[str, ...]
    detect: tuple[Any, ...]
    always: bool
    drops: tuple[Rule, ...]
    cuts: tuple[Rule, ...]
    keeps: tuple[Rule, ...]
    examples: tuple[Example, ...]
    description: str = ""
    prune_xpath: tuple[str, ...] = ()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.drops + self.cuts + self.keeps

    def applies_to_host(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def detected_in(self, text: str) -> bool:
        """Whether a `detect` pattern matches `text`; a search that times out counts as no match
        (noted for `take_timeouts` as rule "detect")."""
        for pattern in self.detect:
            try:
                if pattern.search(text, timeout=REGEX_TIMEOUT_S):
                    return True
            except TimeoutError:
                _timeouts.append((self.id, "detect"))
                continue
        return False


@dataclass(frozen=True)
class RuleSet:
    """All loaded packs, in a fixed order: generic packs first, then site packs, each by id."""

    packs: tuple[RulePack, ...] = field(default_factory=tuple)

    def select(self, doc: Document) -> list[RulePack]:
        """Choose the packs for a page: generic ones always; a site pack by URL host, by
        `doc.site` naming its site or id, or (only when the page has no URL) by `detect`."""
        host = url_host(doc.url)
        chosen = []
        for pack in self.packs:
            if pack.always or (doc.site is not None and doc.site in (pack.site, pack.id, *pack.domains)):
                chosen.append(pack)
            elif host:
                if pack.applies_to_host(host):
                    chosen.append(pack)
            elif pack.detect and pack.detected_in(doc.text):
                chosen.append(pack)
        return chosen

    def by_id(self, pack_id: str) -> RulePack:
        for pack in self.packs:
            if pack.id == pack_id:
                return pack
        raise KeyError(pack_id)

    def manifest(self) -> list[dict[str, str]]:
        """Each pack's id, file name and content hash, for the output's file metadata."""
        return [{"id": p.id, "file": Path(p.path).name, "sha256": p.sha256} for p in self.packs]


# -- applying packs -----------------------------------------------------------
#
# What the packs decide about a block depends on its text alone, so it is computed once per distinct
# text (`_Matcher.classify`, memoised across the fixpoint rounds and a site's pages) and the
# document-level logic (cuts, drops, keeps, in pack order) runs on those answers. The texts not seen
# before are searched together: one MULTILINE search of the union of every pack rule that means the
# same on a line of the joined texts as on the block alone flags the blocks where some rule may match
# (one regex timeout per document instead of one per rule and block); only flagged blocks are
# searched rule by rule. Rules that would mean something else there (`\A`, lookaround, `(?s)`, back
# references, possessive or atomic groups …) are searched on every block, as before.

# How `(?` may go on in a pattern whose meaning the union keeps: non-capturing, branch-reset, comment
# and named groups, and scoped flags that do not change what a line is.
_SAFE_GROUP = regex.compile(r"\(\?(?:[:|#]|P?<[A-Za-z_]|[ifuaV01-]+[:)])")
_UNSAFE_ESCAPE = regex.compile(r"\\[AZzGK1-9gR]")
_POSSESSIVE = regex.compile(r"[*+?}]\+")
MAX_CACHED_TEXTS = 50_000  # per choice of packs; at most MAX_MATCHERS of them


def line_safe(source: str) -> bool:
    r"""True when searching `source` in the MULTILINE join of blocks finds every block it matches alone.

    A match inside one block is still a match there as long as the pattern asserts nothing about
    where the string starts or ends or what lies beyond the match (`\A`, `\Z`, `\G`, lookaround, `\K`),
    refers to no group by number (the union renumbers groups), cannot lose a match by consuming the
    newline without backtracking (possessive, atomic) and keeps `.` and `^`/`$` on one line (flags
    other than i, f, u, a, V0/V1 are refused). Must not answer True for a pattern it cannot vouch for.
    """
    unescaped = regex.sub(r"\\\\", "", source)
    if _UNSAFE_ESCAPE.search(unescaped) or _POSSESSIVE.search(unescaped):
        return False
    opens = [m.start() for m in regex.finditer(r"\(\?", unescaped)]
    return all(_SAFE_GROUP.match(unescaped, start) for start in opens)


@dataclass(frozen=True)
class _Verdict:
    """What the packs (in order) say about one block text: per pack, its first matching drop rule,
    the cut rules whose marker it is, and whether a keep rule protects it."""

    drops: tuple[Rule | None, ...]
    cuts: tuple[frozenset[str], ...]
    keeps: tuple[bool, ...]


class _Matcher:
    """The selected packs' rules, with the union of their line-safe patterns and a bounded memo."""

    def __init__(self, packs: tuple[RulePack, ...]):
        self.packs = packs
        rules = [rule for pack in packs for rule in pack.rules]
        safe = [rule for rule in rules if line_safe(rule.pattern.pattern)]
        self.union = None
        if safe:
            try:
                joined = "|".join(f"(?:{rule.pattern.pattern})" for rule in safe)
                self.union = regex.compile(joined, regex.V1 | regex.MULTILINE)
            except regex.error:
                safe = []
        self.always = frozenset(id(rule) for rule in rules) - frozenset(id(rule) for rule in safe)
        self.nothing = _Verdict((None,) * len(packs), (frozenset(),) * len(packs), (False,) * len(packs))
        self.memo: dict[str, _Verdict] = {}

    def verdicts(self, texts: list[str]) -> list[_Verdict]:
        """The verdict on each text; a verdict a timed-out search touched is not memoised (the
        timeout is noted for `take_timeouts` each time)."""
        memo = self.memo
        if len(memo) > MAX_CACHED_TEXTS:
            memo.clear()
        try:
            return list(map(memo.__getitem__, texts))  # every text seen before (a page seen again)
        except KeyError:
            pass
        new = [t for t in dict.fromkeys(texts) if t not in memo]
        unsure: dict[str, _Verdict] = {}
        if new:
            flagged = self._flagged(new)
            for n, text in enumerate(new):
                noted = len(_timeouts)
                verdict = self.classify(text, n in flagged)
                if len(_timeouts) > noted:
                    unsure[text] = verdict
                else:
                    memo[text] = verdict
        if not unsure:
            return list(map(memo.__getitem__, texts))
        return [unsure[t] if t in unsure else memo[t] for t in texts]

    def _flagged(self, texts: list[str]) -> set[int] | range:
        """Indexes of `texts` where some line-safe rule may match (all of them if the search times out)."""
        if self.union is None:
            return set()
        joined = "\n".join(texts)
        starts = [0]
        for text in texts[:-1]:
            starts.append(starts[-1] + len(text) + 1)
        flagged: set[int] = set()
        pos = 0
        try:
            while True:
                match = self.union.search(joined, pos, timeout=REGEX_TIMEOUT_S)
                if match is None:
                    return flagged
                line = bisect_right(starts, match.start()) - 1
                flagged.add(line)
                if line + 1 >= len(texts):
                    return flagged
                pos = starts[line + 1]
        except TimeoutError:
            return range(len(texts))

    def classify(self, text: str, flagged: bool) -> _Verdict:
        """Search each rule the union did not rule out (all when `flagged`, else the unsafe ones)."""
        always = self.always
        if not flagged and not always:
            return self.nothing

        def hit(rule: Rule) -> bool:
            return (flagged or id(rule) in always) and rule.matches(text)

        drops = tuple(next((r for r in p.drops if hit(r)), None) for p in self.packs)
        cuts = tuple(frozenset(r.id for r in p.cuts if hit(r)) for p in self.packs)
        keeps = tuple(any(hit(r) for r in p.keeps) for p in self.packs)
        return _Verdict(drops, cuts, keeps)


MAX_MATCHERS = 16
_MATCHERS: dict[tuple[int, ...], _Matcher] = {}


def _matcher(packs: list[RulePack]) -> _Matcher:
    """The matcher of this choice of packs, built once per process (its memo lives with it)."""
    key = tuple(id(pack) for pack in packs)
    matcher = _MATCHERS.get(key)
    if matcher is None:
        if len(_MATCHERS) >= MAX_MATCHERS:
            _MATCHERS.clear()
        matcher = _MATCHERS[key] = _Matcher(tuple(packs))
    return matcher


def apply_packs(packs: list[RulePack], doc: Document) -> tuple[list[Removal], set[int]]:
    """Return the removals the packs' drop and cut rules make, and the blocks keep rules protect.

    Drop rules are searched in each block (anchors are the pattern's own); a
    cut removes its first marker block and everything after (`after`) or
    before (`before`) it. Keep rules never undo a pack's drop; they only
    protect the block from later stages. A search that runs past the time
    limit counts as no match and is noted for `take_timeouts`.
    """
    removals: list[Removal] = []
    protected: set[int] = set()
    removed: set[int] = set()
    if not packs or not doc.blocks:
        return removals, protected
    matcher = _matcher(packs)
    verdicts = matcher.verdicts([b.text for b in doc.blocks])
    nothing = matcher.nothing
    said = [(i, v) for i, v in enumerate(verdicts) if v is not nothing]  # most blocks match no rule
    for n, pack in enumerate(packs):
        for rule in pack.cuts:
            marker = next((i for i, v in said if rule.id in v.cuts[n]), None)
            if marker is None:
                continue
            span = range(marker, len(doc.blocks)) if rule.remove == "after" else range(0, marker + 1)
            for index in span:
                if index not in removed:
                    removed.add(index)
                    detail = "cut marker" if index == marker else f"{rule.remove} cut marker"
                    removals.append(doc.remove_block(index, f"rule:{pack.id}/{rule.id}", detail))
        for index, verdict in said:
            drop = verdict.drops[n]
            if drop is not None and index not in removed:
                removed.add(index)
                removals.append(doc.remove_block(index, f"rule:{pack.id}/{drop.id}", "drop"))
        protected.update(i for i, v in said if v.keeps[n])
    removals.sort(key=lambda r: r.block)
    return removals, protected


def run_example(pack: RulePack, example: Example) -> str:
    """Clean an example's input with this pack alone (no heuristics) and return the text."""
    doc = Document.from_text(example.input, id="example", source=pack.path, url=example.url)
    removals, _ = apply_packs([pack], doc)
    doc.add(removals)
    return doc.clean_text()


def builtin_rules_dir() -> Path:
    """The packs shipped with the package (mapped into the wheel as `cleaner/rules`)."""
    packaged = resources.files("cleaner") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


def pack_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.toml"))


def load_ruleset(extra_dirs: list[str] | tuple[str, ...] = (), *, builtin: bool = True) -> RuleSet:
    """Load the shipped packs plus every `*.toml` under each extra directory (or file).

    Fails with RulePackError on the first malformed pack or a pack id used twice.
    """
    files: list[Path] = pack_files(builtin_rules_dir()) if builtin else []
    for extra in extra_dirs:
        path = Path(extra)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(pack_files(path))
        else:
            raise RulePackError(str(path), None, "no such rule file or directory")
    packs: dict[str, RulePack] = {}
    for path in files:
        pack = load_pack(path)
        if pack.id in packs:
            raise RulePackError(str(path), None, f"pack id {pack.id!r} already defined in {packs[pack.id].path}")
        packs[pack.id] = pack
    ordered = sorted(packs.values(), key=lambda p: (not p.always, p.id))
    return RuleSet(tuple(ordered))


def load_pack(path: Path) -> RulePack:
    """Parse and validate one pack file."""
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise RulePackError(str(path), None, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RulePackError(str(path), None, f"not UTF-8: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulePackError(str(path), None, f"not valid TOML: {exc}") from None
    return _build_pack(str(path), hashlib.sha256(raw).hexdigest(), data)


def _build_pack(path: str, sha256: str, data: dict[str, Any]) -> RulePack:
    unknown = set(data) - {"pack", "drop", "cut", "keep", "example"}
    if unknown:
        raise RulePackError(path, None, f"unknown table(s): {', '.join(sorted(unknown))}")
    head = data.get("pack")
    if not isinstance(head, dict):
        raise RulePackError(path, None, "missing [pack] table")
    _check_keys(path, None, head, PACK_KEYS, "[pack]")
    pack_id = head.get("id")
    if not isinstance(pack_id, str) or not regex.fullmatch(r"[a-z0-9][a-z0-9._-]*", pack_id):
        raise RulePackError(path, None, "[pack] id must be a lower-case name (letters, digits, . _ -)")
    domains = tuple(d.lower() for d in _str_list(path, None, head, "domains"))
    detect = tuple(_compile(path, "pack.detect", p) for p in _str_list(path, None, head, "detect"))
    always = head.get("always", not domains and not detect)
    if not isinstance(always, bool):
        raise RulePackError(path, None, "[pack] always must be true or false")
    rules: dict[str, list[Rule]] = {"drop": [], "cut": [], "keep": []}
    seen: set[str] = set()
    for kind, items in ((k, data.get(k, [])) for k in rules):
        if not isinstance(items, list):
            raise RulePackError(path, None, f"{kind} must be an array of tables ([[{kind}]])")
        for n, item in enumerate(items, start=1):
            rules[kind].append(_build_rule(path, kind, n, item, seen, pack_id))
    examples = []
    for n, item in enumerate(data.get("example", []), start=1):
        name = f"example #{n}"
        if not isinstance(item, dict):
            raise RulePackError(path, name, "must be a table")
        _check_keys(path, name, item, EXAMPLE_KEYS, name)
        if not isinstance(item.get("input"), str) or not isinstance(item.get("expect"), str):
            raise RulePackError(path, name, "needs string `input` and `expect`")
        examples.append(Example(item["input"], item["expect"], item.get("url")))
    return RulePack(
        id=pack_id,
        path=path,
        sha256=sha256,
        site=head.get("site") or (domains[0] if domains else None),
        domains=domains,
        detect=detect,
        always=always,
        drops=tuple(rules["drop"]),
        cuts=tuple(rules["cut"]),
        keeps=tuple(rules["keep"]),
        examples=tuple(examples),
        description=str(head.get("description", "")),
        prune_xpath=tuple(_xpath(path, x) for x in _str_list(path, None, head, "prune_xpath")),
    )


def _build_rule(path: str, kind: str, n: int, item: Any, seen: set[str], pack_id: str) -> Rule:
    if not isinstance(item, dict):
        raise RulePackError(path, f"{kind} #{n}", "must be a table")
    rule_id = item.get("id")
    name = f"{kind} {rule_id!r}" if isinstance(rule_id, str) else f"{kind} #{n}"
    if not isinstance(rule_id, str) or not regex.fullmatch(r"[a-z0-9][a-z0-9_-]*", rule_id):
        raise RulePackError(path, name, "id must be a kebab-case name")
    if rule_id in seen:
        raise RulePackError(path, name, "rule id used twice in this pack")
    seen.add(rule_id)
    _check_keys(path, name, item, RULE_KEYS[kind], name)
    field_name = "marker" if kind == "cut" else "regex"
    source = item.get(field_name)
    if not isinstance(source, str) or not source:
        raise RulePackError(path, name, f"needs a non-empty string `{field_name}`")
    remove = None
    if kind == "cut":
        remove = item.get("remove", "after")
        if remove not in ("after", "before"):
            raise RulePackError(path, name, "remove must be 'after' or 'before'")
    return Rule(kind, rule_id, _compile(path, name, source), remove, str(item.get("description", "")), pack_id)


def _compile(path: str, name: str, source: str) -> Any:
    try:
        return regex.compile(source, regex.V1)
    except regex.error as exc:
        raise RulePackError(path, name, f"bad regex {source!r}: {exc}") from None


def _xpath(path: str, source: str) -> str:
    """`source` if it compiles as an XPath expression (so a bad one fails at load, not on every page)."""
    from lxml import etree

    try:
        etree.XPath(source)
    except etree.XPathSyntaxError as exc:
        raise RulePackError(path, "prune_xpath", f"bad XPath {source!r}: {exc}") from None
    return source


def _check_keys(path: str, name: str | None, table: dict, allowed: set[str], label: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise RulePackError(path, name, f"unknown key(s) in {label}: {', '.join(sorted(unknown))}")


def _str_list(path: str, name: str | None, table: dict, key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulePackError(path, name, f"{key} must be a list of strings")
    return value


def check_examples(pack: RulePack) -> list[str]:
    """Problems with a pack's examples: a failing example, a rule no example exercises, or a rule
    whose regex runs out of time on an example."""
    problems = []
    exercised: set[str] = set()
    take_timeouts()
    for n, example in enumerate(pack.examples, start=1):
        doc = Document.from_text(example.input, id="example", source=pack.path, url=example.url)
        removals, protected = apply_packs([pack], doc)
        doc.add(removals)
        got = doc.clean_text()
        if got != example.expect:
            problems.append(f"example #{n}: expected {example.expect!r}, got {got!r}")
        exercised |= {r.reason.split("/", 1)[1] for r in removals}
        exercised |= {k.id for k in pack.keeps for i in protected if k.matches(doc.blocks[i].text)}
    for rule in pack.rules:
        if rule.id not in exercised:
            problems.append(f"rule {rule.id!r} ({rule.kind}) is exercised by no example")
    for rule_id in dict.fromkeys(r for p, r in take_timeouts() if p == pack.id):
        problems.append(f"rule {rule_id!r} timed out ({REGEX_TIMEOUT_S:g} s) on the pack's own examples")
    return problems


__all__ = [
    "Example",
    "Rule",
    "RulePack",
    "RuleSet",
    "apply_packs",
    "check_examples",
    "load_pack",
    "load_ruleset",
    "run_example",
    "split_blocks",
    "take_timeouts",
]
