"""The `cleaner` command: clean, explain, rules, index, bench.

Settings come from defaults, then `--config FILE` (TOML, the same names as the
long flags), then the flags given. A user mistake prints one line and exits 2;
unreadable inputs are reported, the rest is written, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from cleaner.config import Config, config_from_mapping, load_config
from cleaner.errors import CleanerError, ConfigError

log = logging.getLogger("cleaner")

SETTING_FLAGS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--config",), {"metavar": "FILE", "help": "TOML file with any of the settings below"}),
    (("--rules",), {"action": "append", "metavar": "DIR", "help": "add the rule packs under DIR (repeatable)"}),
    (
        ("--disable",),
        {
            "action": "append",
            "metavar": "NAME",
            "help": "turn off a heuristic by name, or a stage: language, repeats (repeatable, or comma-separated)",
        },
    ),
    (("--min-words",), {"type": int, "metavar": "N", "help": "drop documents whose clean text has fewer words"}),
    (("--no-language",), {"dest": "language", "action": "store_false", "help": "skip the language stage"}),
    (("--no-repeats",), {"dest": "repeats", "action": "store_false", "help": "skip corpus repeats/duplicates"}),
    (
        ("--repeat-min-docs",),
        {
            "type": int,
            "metavar": "K",
            "help": "a block in at least K distinct documents of one site is boilerplate (default 3)",
        },
    ),
    (
        ("--repeat-min-docs-corpus",),
        {"type": int, "metavar": "K", "help": "... or in at least K documents corpus-wide (default 50)"},
    ),
    (("--dup-threshold",), {"type": float, "metavar": "J", "help": "near-duplicate Jaccard threshold (0.8)"}),
    (("--num-perm",), {"type": int, "metavar": "N", "help": "MinHash permutations (default 128)"}),
    (("--drop-duplicates",), {"action": "store_true", "default": None, "help": "omit non-representative dups"}),
    (("--index",), {"metavar": "INDEX", "help": "clean against a saved corpus index (no first pass)"}),
    (("--format",), {"choices": ["txt", "jsonl", "html", "warc", "wet", "parquet"], "help": "force input format"}),
    (("--text-column",), {"metavar": "NAME", "help": "Parquet/JSONL text column (default text)"}),
    (("--id-column",), {"metavar": "NAME", "help": "Parquet/JSONL id column (default id)"}),
    (("--url-column",), {"metavar": "NAME", "help": "Parquet/JSONL url column (default url)"}),
    (("--extract-timeout",), {"type": float, "metavar": "S", "help": "per-page HTML extraction limit (5 s)"}),
]
RUN_FLAGS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--workers", "-j"), {"type": int, "metavar": "N", "help": "local worker processes (default 1)"}),
    (("--limit",), {"type": int, "metavar": "N", "help": "stop after N pages"}),
    (("--max-errors",), {"type": int, "metavar": "N", "help": "give up after more than N errors"}),
    (("--errors",), {"metavar": "FILE", "help": "write each error as a JSON line to FILE"}),
    (("--row-group-size",), {"type": int, "metavar": "N", "help": "rows per Parquet row group (1000)"}),
    (("--shard-size",), {"type": int, "metavar": "N", "help": "input pages per part with -o DIR/ (10000)"}),
    (("--engine",), {"choices": ["local", "ray"], "help": "where to run (default local)"}),
    (("--ray-address",), {"metavar": "ADDR", "help": "Ray cluster address (default: start a local one)"}),
]


def _add_settings(parser: argparse.ArgumentParser, flags) -> None:
    for names, options in flags:
        parser.add_argument(*names, **{"default": None, **options})


def build_parser() -> argparse.ArgumentParser:
    from cleaner import __version__

    parser = argparse.ArgumentParser(
        prog="cleaner", description="Turn scraped news pages into clean, deduplicated Parquet."
    )
    parser.add_argument("--version", action="version", version=f"cleaner {__version__}")
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument("-q", "--quiet", action="store_true", help="errors only, no progress bar")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    clean = sub.add_parser(
        "clean", parents=[verbosity], help="clean pages into Parquet (the main job)", description=CLEAN_HELP
    )
    clean.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (.txt .jsonl .html .warc .parquet …)")
    clean.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.parquet, or DIR/ for shards")
    _add_settings(clean, SETTING_FLAGS + RUN_FLAGS)

    explain = sub.add_parser("explain", parents=[verbosity], help="show each block, kept or removed, and why")
    explain.add_argument("file", metavar="FILE")
    explain.add_argument("--url", help="the page's URL (chooses the site pack)")
    explain.add_argument("--site", help="the site pack to apply")
    explain.add_argument("--width", type=int, default=None, help="truncate blocks to this width (0: never)")
    explain.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    _add_settings(explain, SETTING_FLAGS)

    rules = sub.add_parser("rules", parents=[verbosity], help="list, check or test rule packs")
    rules.add_argument("action", choices=["list", "check", "test"])
    rules.add_argument("--rules", action="append", metavar="DIR", default=None, help="add packs under DIR")

    index = sub.add_parser("index", parents=[verbosity], help="build a corpus index to clean against later")
    index.add_argument("action", choices=["build"])
    index.add_argument("paths", nargs="+", metavar="PATH")
    index.add_argument("-o", "--output", required=True, metavar="INDEX")
    _add_settings(index, SETTING_FLAGS + RUN_FLAGS)

    bench = sub.add_parser("bench", parents=[verbosity], help="quick quality and speed check on generated data")
    bench.add_argument("--pages", type=int, default=300, help="generated pages (default 300)")
    return parser


CLEAN_HELP = """Clean page dumps or HTML into Parquet, recording every removal and its reason.
Exit codes: 0 ok; 1 some input could not be read or some page failed (each reported,
everything readable written); 2 usage or configuration error."""


def settings(args: argparse.Namespace) -> Config:
    """Defaults, then the --config file, then the flags given on the command line."""
    config = load_config(args.config) if getattr(args, "config", None) else Config()
    given: dict[str, Any] = {}
    for key in Config.__dataclass_fields__:
        value = getattr(args, key, None)
        if value is not None:
            given[key] = value
    if "disable" in given:
        given["disable"] = [n.strip() for item in given["disable"] for n in item.split(",") if n.strip()]
        given["disable"] = config.disable + given["disable"]
    if "rules" in given:
        given["rules"] = config.rules + given["rules"]
    merged = {**config.as_dict(), **given}
    config = config_from_mapping(merged, origin="settings")
    if config.workers < 1:
        raise ConfigError("--workers must be at least 1")
    if not 0.0 < config.dup_threshold <= 1.0:
        raise ConfigError("--dup-threshold must be in (0, 1]")
    return config


def _logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="cleaner: %(levelname)s: %(message)s", stream=sys.stderr)


def cmd_clean(args: argparse.Namespace) -> int:
    from cleaner.engine import run
    from cleaner.engine.local import check_paths

    config = settings(args)
    check_paths(args.paths)
    summary = run(args.paths, args.output, config, progress=False if args.quiet else None)
    if not args.quiet:
        print(summary.line(args.output), file=sys.stderr)
        if summary.reasons:
            print("removals by reason:", file=sys.stderr)
            print("\n".join(summary.reason_table(None if args.verbose else 15)), file=sys.stderr)
    return summary.exit_code


def cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.explain import explain_file

    config = settings(args)
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    width = args.width
    if width is None:
        width = os.get_terminal_size().columns if sys.stdout.isatty() else 0
    return explain_file(args.file, config, url=args.url, site=args.site, color=color, width=width, out=sys.stdout)


def cmd_rules(args: argparse.Namespace) -> int:
    from cleaner.rules import check_examples, load_ruleset

    ruleset = load_ruleset(args.rules or [])
    if args.action == "list":
        for pack in ruleset.packs:
            scope = "every page" if pack.always else ", ".join(pack.domains) or "detect only"
            print(
                f"{pack.id:28s} {len(pack.drops):3d} drop {len(pack.cuts):2d} cut {len(pack.keeps):2d} keep "
                f"{len(pack.examples):3d} examples  {scope}"
            )
        return 0
    failed = 0
    for pack in ruleset.packs:
        problems = check_examples(pack) if args.action == "test" else []
        status = "ok" if not problems else "FAIL"
        print(f"{status:4s} {pack.id} ({pack.path})")
        for problem in problems:
            print(f"     {problem}")
        failed += bool(problems)
    if args.action == "check":
        print(f"{len(ruleset.packs)} packs loaded, all valid")
    else:
        print(f"{len(ruleset.packs) - failed} of {len(ruleset.packs)} packs pass their examples")
    return 1 if failed else 0


def cmd_index(args: argparse.Namespace) -> int:
    from cleaner.engine.local import build_index, check_paths

    config = settings(args).replace(index=None, repeats=True)
    check_paths(args.paths)
    index = build_index(args.paths, config, progress=False if args.quiet else None)
    index.save(args.output)
    if not args.quiet:
        print(f"index of {index.description()} -> {args.output}", file=sys.stderr)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from cleaner.bench import quick_bench

    return quick_bench(pages=args.pages, out=sys.stdout)


COMMANDS = {"clean": cmd_clean, "explain": cmd_explain, "rules": cmd_rules, "index": cmd_index, "bench": cmd_bench}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _logging(args)
    try:
        return COMMANDS[args.command](args)
    except CleanerError as exc:
        print(f"cleaner: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cleaner: interrupted; no partial output was left under the final name", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
