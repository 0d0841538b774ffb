"""`cleaner rules`: list, check and test packs; draft a site's pack (`suggest`); see what rules match (`coverage`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cleaner.errors import ConfigError

RULES_ACTIONS = {
    "list": "one line per loaded pack: rule counts and where it applies",
    "check": "load and compile every pack (regexes, prune_xpath); exit 2 on the first malformed one",
    "test": "run the examples of every pack, of the PACK.toml files given, or of --pack ID; exit 1 if one fails",
    "suggest": "draft one pack per site from its pages' repeated blocks: DIR/<site>.toml",
    "coverage": "per pack and rule: blocks and pages it matches on the pages under PATH, and dead rules",
}

SUGGEST_SETTINGS = (
    "rules",
    "repeat_min_docs",
    "repeat_min_docs_corpus",
    "dup_threshold",
    "num_perm",
    "limit",
    "format",
    "text_column",
    "id_column",
    "url_column",
    "max_page_bytes",
    "max_line_chars",
    "extract_timeout",
)
COVERAGE_SETTINGS = ("rules", "limit", "format", "text_column", "id_column", "url_column", "max_page_bytes",
                     "max_line_chars", "extract_timeout")  # fmt: skip


def add_rules(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    from cleaner.cli import add_settings

    rules = sub.add_parser(
        "rules",
        help="list, check, test, suggest rule packs; see their coverage",
        description="Work with rule packs: the shipped ones plus those under each --rules DIR.",
    )
    actions = rules.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in RULES_ACTIONS.items():
        description = help_text[0].upper() + help_text[1:] + "."
        action = actions.add_parser(name, parents=[common], help=help_text, description=description)
        if name == "suggest":
            action.add_argument("paths", nargs="+", metavar="PATH", help="pages of the sites (files or folders)")
            action.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the draft packs")
            action.add_argument("--force", action="store_true", help="replace draft packs already in DIR")
            add_settings(action, "rules", only=SUGGEST_SETTINGS)
            continue
        if name == "coverage":
            action.add_argument("paths", nargs="+", metavar="PATH", help="pages to apply the packs to")
            action.add_argument("--json", action="store_true", help="print the report as JSON")
            action.add_argument("--all", action="store_true", help="also list packs chosen for no page")
            add_settings(action, "rules", only=COVERAGE_SETTINGS)
            continue
        if name == "test":
            action.add_argument("files", nargs="*", metavar="PACK.toml", help="test only these pack files")
            action.add_argument("--pack", action="append", metavar="ID", help="test only the loaded pack ID")
        action.add_argument("--rules", action="append", metavar="DIR", default=None, help="add the packs under DIR")
    return rules


def cmd_rules(args: argparse.Namespace) -> int:
    if args.action == "suggest":
        return _suggest(args)
    if args.action == "coverage":
        return _coverage(args)
    from cleaner.rules import check_examples, load_pack, load_ruleset

    ruleset = load_ruleset(args.rules or [])
    if args.action == "list":
        for pack in ruleset.packs:
            scope = "every page" if pack.always else ", ".join(pack.domains) or "detect only"
            print(
                f"{pack.id:28s} {len(pack.drops):3d} drop {len(pack.cuts):2d} cut {len(pack.keeps):2d} keep "
                f"{len(pack.examples):3d} examples  {scope}"
            )
        return 0
    packs = list(ruleset.packs)
    if args.action == "test" and (args.files or args.pack):
        from pathlib import Path

        packs = [load_pack(Path(f)) for f in args.files]
        for pack_id in args.pack or []:
            try:
                packs.append(ruleset.by_id(pack_id))
            except KeyError:
                raise ConfigError(f"--pack {pack_id}: no such pack (see `cleaner rules list`)") from None
    failed = 0
    for pack in packs:
        problems = check_examples(pack) if args.action == "test" else []
        status = "ok" if not problems else "FAIL"
        print(f"{status:4s} {pack.id} ({pack.path})")
        for problem in problems:
            print(f"     {problem}")
        failed += bool(problems)
    if args.action == "check":
        print(f"{len(packs)} packs loaded, all valid")
    else:
        print(f"{len(packs) - failed} of {len(packs)} packs pass their examples")
    return 1 if failed else 0


def _suggest(args: argparse.Namespace) -> int:
    from cleaner.authoring import suggest_packs
    from cleaner.cli import settings
    from cleaner.engine.local import check_paths
    from cleaner.engine.run import RunContext

    config = settings(args)
    check_paths(args.paths)
    with RunContext.start(config, progress=False) as ctx:
        drafts = suggest_packs(args.paths, args.output, config, ctx, force=args.force)
    if not args.quiet:
        for d in drafts:
            where = f"domains {d.site}" if d.from_urls else (f"detect {d.detect}" if d.detect else "no detect")
            print(
                f"{d.path}: {len(d.rules)} rules ({sum(c.kind == 'cut' for c in d.rules)} cut) from {d.pages} pages, "
                f"{len(d.rejected)} candidates left as comments; {where}",
                file=sys.stderr,
            )
        if not drafts:
            print("no site has blocks repeated on enough pages: no pack written", file=sys.stderr)
    return ctx.summary.exit_code


def _coverage(args: argparse.Namespace) -> int:
    from cleaner.authoring import coverage, coverage_table, read_documents
    from cleaner.cli import settings
    from cleaner.engine.local import check_paths
    from cleaner.engine.run import RunContext

    config = settings(args)
    check_paths(args.paths)
    with RunContext.start(config, progress=False) as ctx:
        report = coverage((doc for doc, _ in read_documents(args.paths, ctx)), ctx.ruleset)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print("\n".join(coverage_table(report, all_packs=args.all)))
    return ctx.summary.exit_code
