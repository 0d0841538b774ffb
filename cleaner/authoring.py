"""Rule-pack authoring: draft each site's pack from its pages, and count what each rule matches.

`suggest_packs` groups pages by site (`site_key`), finds each site's blocks
repeated in at least `repeat_min_docs` distinct duplicate clusters with the
corpus stage itself (its fingerprints, `CorpusIndex` and counting, so that
near-identical variants count together and a page saved twice counts once),
and turns each repeated block into a rule: an anchored regex of its literal
text with what varies between its variants generalised (`generalise`). A
candidate whose regex also matches a block found on only one page of the site
(article material) is never suggested, only listed as a comment. Each rule
gets an example from the site's pages: the line it drops beside an article
line it keeps. `coverage` counts, per pack and rule, the blocks and pages a
ruleset matches on some pages.

Suggesting holds the pages' documents in memory: give it a sample (a few
hundred to a few thousand pages per site), not a whole crawl.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import regex

from cleaner.config import Config, dedup_params
from cleaner.document import Document
from cleaner.errors import ConfigError, InputError
from cleaner.rules import RulePack, RuleSet, apply_packs, check_examples, load_pack, url_host

# --- pages by site ----------------------------------------------------------------------------------


@dataclass
class SitePages:
    """The documents of one site key, and whether the key came from their URLs."""

    key: str
    from_urls: bool
    docs: list[Document] = field(default_factory=list)


def site_key(doc: Document, argument: str, ruleset: RuleSet) -> tuple[str, bool]:
    """The site a page counts under: its URL's host, else the site of a pack detected in it, else its
    first folder under the input argument (`Document.folder`, as the corpus stage's `--site-key folder`),
    else the argument's own name without extensions (a file given directly, or one at the folder's top).

    Returns (key, whether it came from a URL). Never reads the page's text except for `detect`.
    """
    host = url_host(doc.url)
    if host:
        return host, True
    for pack in ruleset.select(doc):
        if not pack.always and pack.site:
            return pack.site, False
    if doc.folder:
        return doc.folder, False
    name = PurePosixPath(argument.replace(os.sep, "/").rstrip("/")).name or argument
    return name.split(".", 1)[0] or name, False


def read_documents(paths: list[str], ctx: Any) -> Iterator[tuple[Document, str]]:
    """Every readable page of `paths` as a document (HTML extracted), with the argument it was found under.

    Unreadable inputs and pages are reported through `ctx` and skipped; `--limit` is obeyed.
    """
    from cleaner.io.readers import ReadIssue, iter_pages
    from cleaner.pipeline import Pipeline

    pipeline = Pipeline.from_config(ctx.config, ruleset=ctx.ruleset)
    arguments = sorted((str(p) for p in paths), key=len, reverse=True)
    count = 0
    for item in iter_pages(paths, ctx.config):
        if isinstance(item, ReadIssue):
            ctx.issue(item)
            continue
        if ctx.config.limit is not None and count >= ctx.config.limit:
            return
        try:
            doc = pipeline.document(item)
        except InputError as exc:
            ctx.warning(item.source, exc.message, id=item.id, stage="read")
            continue
        count += 1
        yield doc, next((a for a in arguments if _under(item.source, a)), arguments[-1])


def read_sites(paths: list[str], ctx: Any) -> dict[str, SitePages]:
    """Every readable page of `paths` as a document, grouped by `site_key`."""
    sites: dict[str, SitePages] = {}
    for doc, argument in read_documents(paths, ctx):
        key, from_urls = site_key(doc, argument, ctx.ruleset)
        site = sites.setdefault(key, SitePages(key, from_urls))
        site.from_urls = site.from_urls and from_urls
        site.docs.append(doc)
    return sites


def _under(source: str, argument: str) -> bool:
    arg = argument.rstrip("/\\")
    return source == argument or source.startswith(arg + "/") or source.startswith(arg + os.sep)


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    return regex.compile(pattern, regex.V1)


# --- generalising the variants of a block ------------------------------------------------------------

_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_SHORT_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_UNITS = "second|minute|hour|day|week|month|year"
_TOKEN = re.compile(r"\d+|\w+|\s+|[^\w\s]", re.UNICODE)
_DAY_WORDS = set(_DAYS.split("|"))
_MONTH_WORDS = set(_MONTHS.split("|")) | set(_SHORT_MONTHS.split("|"))
_UNIT_WORDS = {u + s for u in _UNITS.split("|") for s in ("", "s")}


def _token_pattern(token: str, previous: str) -> str:
    """The regex for one token: numbers, weekdays, months and time units generalised, the rest literal."""
    if token.isdigit():
        return r"\d+"
    if token.isspace():
        return " " if token == " " else r"\s+"
    if token in _DAY_WORDS:
        return f"(?:{_DAYS})"
    if token in _MONTH_WORDS:
        return f"(?:{_MONTHS}|{_SHORT_MONTHS})"
    if token.lower() in _UNIT_WORDS and previous.isdigit():
        return f"(?:{_UNITS})s?"
    return regex.escape(token)


def _template(tokens: list[str]) -> str:
    parts: list[str] = []
    previous = ""
    for token in tokens:
        parts.append(_token_pattern(token, previous))
        if not token.isspace():
            previous = token
    return "".join(parts)


def _words_in(tokens: list[str]) -> int:
    return sum(1 for t in tokens if t[:1].isalpha())


def generalise(variants: Counter[str], *, coverage: float = 0.9) -> str | None:
    """An anchored regex matching at least `coverage` of the variants' blocks, or None.

    First the most common variant with numbers, dates and time units generalised
    (`^...$`); when the variants differ in more than that (a teaser cut short, a
    note appended), their longest common start of at least three words (`^...`).
    """
    total = sum(variants.values())
    common = variants.most_common(1)[0][0].strip()

    def covers(pattern: str) -> bool:
        compiled = _compiled(pattern)
        return sum(n for text, n in variants.items() if compiled.search(text)) >= coverage * total

    full = r"^\s*" + _template(_TOKEN.findall(common)) + r"\s*$"
    if covers(full):
        return full
    token_lists = [_TOKEN.findall(text.strip()) for text, _ in variants.most_common()]
    prefix: list[str] = []
    for column in zip(*token_lists, strict=False):
        if len(set(column)) > 1 and not all(t.isdigit() for t in column):
            break
        prefix.append(column[0])
    while prefix and not prefix[-1][:1].isalnum():
        prefix.pop()
    if _words_in(prefix) < 3 or len("".join(prefix)) < 15:
        return None
    start = r"^\s*" + _template(prefix)
    return start if covers(start) else None


# --- candidates ------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A repeated block of one site and the rule drafted from it."""

    kind: str  # drop or cut
    pattern: str
    variants: Counter[str]
    rule_id: str = ""
    blocks: int = 0
    pages: int = 0
    example: tuple[str, str] | None = None  # (input, expect)
    rejected: str = ""  # why it is not suggested


@dataclass
class SiteDraft:
    """What `suggest_packs` found for one site."""

    site: str
    from_urls: bool
    pages: int
    clusters: int
    rules: list[Candidate]
    rejected: list[Candidate]
    detect: str | None
    text: str = ""  # the pack file
    path: str = ""


_LABEL_MAX_WORDS = 4
_CHANGING_MAX_WORDS = 15


def _is_label(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= _LABEL_MAX_WORDS and text.rstrip()[-1:] not in ".!?"


def _slug(text: str, taken: set[str]) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower().encode("ascii", "ignore").decode())
    base = "-".join(w for w in words if not w.isdigit())[:40].strip("-") or "block"
    base = "-".join(base.split("-")[:5])
    rule_id, n = base, 2
    while rule_id in taken:
        rule_id, n = f"{base}-{n}", n + 1
    taken.add(rule_id)
    return rule_id


def _draft_site(site: SitePages, index: Any, others: list[Document], params: Any) -> SiteDraft | None:
    """Turn the repeated blocks of one site (already in `index`) into candidate rules."""
    from cleaner.dedup import text_hash

    docs = site.docs
    cluster_of_doc = {}
    for doc in docs:
        dup = index.duplicate(doc.id)
        cluster_of_doc[doc.id] = dup[0] if dup else doc.id
    repeated: dict[str, Counter[str]] = defaultdict(Counter)
    flagged: dict[str, set[int]] = {}
    for doc in docs:
        probe = Document.from_text(doc.text, id=doc.id, source=doc.source, url=doc.url, blocks=doc.blocks)
        probe.site = doc.site
        removals = index.find_removals(probe)
        flagged[doc.id] = {r.block for r in removals}
        for r in removals:
            repeated[r.reason].update([doc.blocks[r.block].text])
    if not repeated:
        return None
    pages_with: dict[int, set[str]] = defaultdict(set)
    for doc in docs:
        for block in doc.blocks:
            pages_with[text_hash(block.text)].add(cluster_of_doc[doc.id])
    single = [
        b.text
        for doc in docs
        for b in doc.blocks
        if b.index not in flagged[doc.id] and len(pages_with[text_hash(b.text)]) == 1
    ]
    candidates: dict[str, Candidate] = {}
    rejected: list[Candidate] = []
    for variants in repeated.values():
        pattern = generalise(variants)
        if pattern is None:
            rejected.append(Candidate("drop", "", variants, rejected="its variants share no literal text to anchor"))
            continue
        kind = "cut" if _is_label(variants.most_common(1)[0][0]) and _cut_fits(docs, flagged, pattern) else "drop"
        if pattern in candidates:
            candidates[pattern].variants.update(variants)
            continue
        candidate = Candidate(kind, pattern, Counter(variants))
        compiled = _compiled(pattern)
        hit = next((text for text in single if compiled.search(text)), None)
        if hit is not None:
            candidate.rejected = f"also matches text found on one page only: {hit[:80]!r}"
            rejected.append(candidate)
            continue
        candidates[pattern] = candidate
    rules = sorted(candidates.values(), key=lambda c: (c.kind != "drop", -sum(c.variants.values()), c.pattern))
    taken: set[str] = set()
    for c in rules:
        c.rule_id = _slug(c.variants.most_common(1)[0][0], taken)
    _count_matches(rules, docs, cluster_of_doc)
    rules = [c for c in rules if c.blocks]
    _choose_examples(rules, docs, flagged, single)
    detect = None if site.from_urls else _detect(rules, docs, others, cluster_of_doc)
    return SiteDraft(
        site.key, site.from_urls, len(set(cluster_of_doc.values())), len(repeated), rules, rejected, detect
    )


def _cut_fits(docs: list[Document], flagged: dict[str, set[int]], pattern: str) -> bool:
    """A label is a cut marker when, on the pages it is on, everything after it is repeated or short
    (other stories' titles), and some of it changes from page to page (is not repeated)."""
    compiled = _compiled(pattern)
    pages = changing = 0
    for doc in docs:
        marker = next((b.index for b in doc.blocks if compiled.search(b.text)), None)
        if marker is None:
            continue
        pages += 1
        after = doc.blocks[marker + 1 :]
        loose = [b for b in after if b.index not in flagged[doc.id]]
        if any(len(b.text.split()) > _CHANGING_MAX_WORDS or b.text.rstrip()[-1:] in ".!?" for b in loose):
            return False
        changing += bool(loose)
    return pages > 0 and changing >= 0.3 * pages


def _count_matches(rules: list[Candidate], docs: list[Document], cluster_of_doc: dict[str, str]) -> None:
    compiled = [(c, _compiled(c.pattern)) for c in rules]
    pages: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for c, pattern in compiled:
            if c.kind == "cut":
                marker = next((b.index for b in doc.blocks if pattern.search(b.text)), None)
                hits = 0 if marker is None else len(doc.blocks) - marker
            else:
                hits = sum(1 for b in doc.blocks if pattern.search(b.text))
            if hits:
                c.blocks += hits
                pages[c.pattern].add(cluster_of_doc[doc.id])
    for c in rules:
        c.pages = len(pages[c.pattern])


def _choose_examples(
    rules: list[Candidate], docs: list[Document], flagged: dict[str, set[int]], single: list[str]
) -> None:
    """Give each rule an example from a real page: an article line it keeps, then what it removes."""
    compiled = [(c, _compiled(c.pattern)) for c in rules]
    single_set = set(single)

    def untouched(text: str) -> bool:
        return not any(p.search(text) for _, p in compiled)

    for c, pattern in compiled:
        for doc in docs:
            hit = next((b for b in doc.blocks if pattern.search(b.text)), None)
            if hit is None:
                continue
            before = c.kind == "cut"  # a cut keeps only what comes before its marker
            keep = [
                b
                for b in doc.blocks
                if (b.index < hit.index or not before) and b.text in single_set and untouched(b.text)
            ]
            if not keep:
                continue
            article = max(keep, key=lambda b: len(b.text))
            if c.kind == "cut":
                removed = [b.text for b in doc.blocks[hit.index : hit.index + 4]]
            else:
                removed = [hit.text]
                other = next((v for v in c.variants if v != hit.text and pattern.search(v)), None)
                if other is not None:
                    removed.append(other)
            lines = [article.text, *removed] if article.index < hit.index else [*removed, article.text]
            c.example = ("\n".join(lines), article.text)
            break
        if c.example is None:
            c.example = (c.variants.most_common(1)[0][0], "")


def _detect(rules: list[Candidate], docs: list[Document], others: list[Document], cluster_of_doc) -> str | None:
    """The most specific line on nearly every page of the site and on no page of another site."""
    best: tuple[float, bool, int, int, str] | None = None
    pages = len(set(cluster_of_doc.values()))
    for c in rules:
        if c.kind != "drop" or c.pages < 0.8 * pages:
            continue
        line = "(?m)" + c.pattern
        compiled = _compiled(line)
        if any(compiled.search(doc.text) for doc in others):
            continue
        text = c.variants.most_common(1)[0][0]
        notice = "©" in text or "rights reserved" in text.lower() or "copyright" in text.lower()
        key = (round(c.pages / pages, 2), notice, min(len(text), 60), -len(text), line)
        if best is None or key[:4] > best[:4]:
            best = key
    return best[4] if best else None


# --- writing a pack --------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML string for `text`: a literal string when it can be, else an escaped basic string."""
    if "'" not in text and "\n" not in text and not any(ord(c) < 32 or ord(c) == 127 for c in text):
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def pack_id_for(site: str, taken: set[str]) -> str:
    """The draft's pack id: the site as a pack name, with `-draft` when a loaded pack has that id."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", site.lower()).strip("-._") or "site"
    return f"{slug}-draft" if slug in taken else slug


def render_pack(draft: SiteDraft, pack_id: str) -> str:
    """The draft pack file: the header, every rule with its counts, the examples, rejected candidates."""
    lines = [
        f"# Draft rule pack for {draft.site}, written by `cleaner rules suggest` from {draft.pages} pages",
        f"# ({draft.clusters} repeated blocks). Review each rule, then `cleaner rules test` and",
        "# `cleaner rules coverage` on more pages of the site.",
        "",
        "[pack]",
        f"id = {toml_string(pack_id)}",
        f"site = {toml_string(draft.site)}",
    ]
    if draft.from_urls:
        lines.append(f"domains = [{toml_string(draft.site)}]")
    elif draft.detect:
        lines.append(f"detect = [{toml_string(draft.detect)}]")
    else:
        lines.append("# no line is on nearly every page and on no other site's pages: no `detect`")
    lines.append(f"description = {toml_string(f'draft from {draft.pages} pages of {draft.site}')}")
    for c in draft.rules:
        variants = len(c.variants)
        lines += ["", f"# {c.blocks} blocks on {c.pages} of {draft.pages} pages; {variants} variant(s), e.g."]
        lines += [f"#   {v[:110]}" for v in list(c.variants)[:2]]
        lines.append(f"[[{c.kind}]]")
        lines.append(f"id = {toml_string(c.rule_id)}")
        if c.kind == "cut":
            lines += [f"marker = {toml_string(c.pattern)}", 'remove = "after"']
        else:
            lines.append(f"regex = {toml_string(c.pattern)}")
    for c in draft.rules:
        assert c.example is not None
        lines += ["", "[[example]]", f"input = {toml_string(c.example[0])}", f"expect = {toml_string(c.example[1])}"]
    if draft.rejected:
        lines += ["", "# Not suggested (review by hand):"]
        for c in draft.rejected:
            lines.append(f"# - {c.variants.most_common(1)[0][0][:100]!r}: {c.rejected}")
            if c.pattern:
                lines.append(f"#   regex = {toml_string(c.pattern)}")
    return "\n".join(lines) + "\n"


def _validated(draft: SiteDraft, pack_id: str, folder: Path) -> RulePack:
    """Write the pack to a temporary file, load it and run its examples; a rule whose example fails
    moves to the rejected list and the pack is rendered again."""
    scratch = folder / f".{pack_id}.toml.tmp"
    try:
        for _ in range(len(draft.rules) + 1):
            draft.text = render_pack(draft, pack_id)
            scratch.write_text(draft.text, encoding="utf-8")
            pack = load_pack(scratch)
            problems = check_examples(pack)
            failing = {c.rule_id for c in draft.rules for p in problems if f"'{c.rule_id}'" in p}
            failing |= {draft.rules[int(m) - 1].rule_id for p in problems for m in re.findall(r"example #(\d+)", p)}
            if not problems:
                return pack
            for c in draft.rules:
                if c.rule_id in failing:
                    c.rejected = "its example from the pages did not pass `rules test`"
                    draft.rejected.append(c)
            draft.rules = [c for c in draft.rules if c.rule_id not in failing]
        raise AssertionError(f"draft pack for {draft.site} does not pass its examples")
    finally:
        scratch.unlink(missing_ok=True)


def suggest_packs(paths: list[str], output: str, config: Config, ctx: Any, *, force: bool = False) -> list[SiteDraft]:
    """Draft one pack per site with repeated blocks under `output/<site>.toml`; return the drafts.

    Refuses (ConfigError, nothing written) when `output` is a file or a pack file there already
    exists, unless `force`. Every written pack loads and passes its examples.
    """
    from cleaner.dedup import CorpusIndex, fingerprint

    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{output}: exists and is not a folder")
    params = dedup_params(config)
    sites = read_sites(paths, ctx)
    fingerprints = []
    for site in sites.values():
        for doc in site.docs:
            doc.site = site.key
            fingerprints.append(fingerprint(doc, params))
    index = CorpusIndex.build(fingerprints, params)
    drafts = []
    for key in sorted(sites):
        others = [d for k, s in sites.items() if k != key for d in s.docs]
        draft = _draft_site(sites[key], index, others, params)
        if draft is not None and draft.rules:
            drafts.append(draft)
    loaded = {p.id for p in ctx.ruleset.packs}
    ids = {d.site: pack_id_for(d.site, loaded) for d in drafts}
    if not force:
        clash = [str(folder / f"{ids[d.site]}.toml") for d in drafts if (folder / f"{ids[d.site]}.toml").exists()]
        if clash:
            raise ConfigError(f"{clash[0]}: already exists (use --force to replace the draft packs)")
    folder.mkdir(parents=True, exist_ok=True)
    for draft in drafts:
        _validated(draft, ids[draft.site], folder)
    for draft in drafts:
        target = folder / f"{ids[draft.site]}.toml"
        partial = target.with_name(target.name + ".part")
        partial.write_text(draft.text, encoding="utf-8")
        os.replace(partial, target)
        draft.path = str(target)
    return drafts


# --- coverage --------------------------------------------------------------------------------------


@dataclass
class RuleCount:
    pack: str
    rule: str
    kind: str
    blocks: int = 0
    pages: int = 0


def coverage(docs: Iterator[Document], ruleset: RuleSet) -> dict[str, Any]:
    """Per pack: pages it was chosen for; per rule: blocks and pages it removed (or protected, for keep
    rules), and the rules of chosen packs that never fired."""
    counts = {(p.id, r.id): RuleCount(p.id, r.id, r.kind) for p in ruleset.packs for r in p.rules}
    chosen: Counter[str] = Counter()
    pages = 0
    for doc in docs:
        pages += 1
        packs = ruleset.select(doc)
        chosen.update(p.id for p in packs)
        removals, protected = apply_packs(packs, doc)
        fired: Counter[tuple[str, str]] = Counter()
        for removal in removals:
            pack_id, rule_id = removal.reason.removeprefix("rule:").split("/", 1)
            fired[(pack_id, rule_id)] += 1
        for pack in packs:
            for rule in pack.keeps:
                n = sum(1 for i in protected if rule.matches(doc.blocks[i].text))
                if n:
                    fired[(pack.id, rule.id)] += n
        for key, n in fired.items():
            counts[key].blocks += n
            counts[key].pages += 1
    report: dict[str, Any] = {"pages": pages, "packs": []}
    for pack in ruleset.packs:
        rules = [counts[(pack.id, r.id)] for r in pack.rules]
        report["packs"].append(
            {
                "id": pack.id,
                "path": pack.path,
                "pages": chosen[pack.id],
                "rules": [{"id": c.rule, "kind": c.kind, "blocks": c.blocks, "pages": c.pages} for c in rules],
                "dead": [c.rule for c in rules if not c.blocks] if chosen[pack.id] else [],
            }
        )
    return report


def coverage_table(report: dict[str, Any], *, all_packs: bool = False) -> list[str]:
    """The coverage report as text: packs chosen for some page (or all), their rules, dead rules."""
    lines = [f"{report['pages']} pages"]
    unused = []
    for pack in report["packs"]:
        if not pack["pages"] and not all_packs:
            unused.append(pack["id"])
            continue
        lines.append(f"{pack['id']}  chosen for {pack['pages']} pages  ({pack['path']})")
        width = max((len(r["id"]) for r in pack["rules"]), default=4)
        for r in pack["rules"]:
            flag = "   DEAD" if pack["pages"] and not r["blocks"] else ""
            lines.append(f"  {r['kind']:4s} {r['id']:{width}s} {r['blocks']:7d} blocks {r['pages']:6d} pages{flag}")
        if pack["dead"]:
            lines.append(f"  dead rules: {', '.join(pack['dead'])}")
    if unused:
        lines.append(f"{len(unused)} packs chosen for no page: {', '.join(unused)}")
    return lines
