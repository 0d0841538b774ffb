"""The `cleaner` command: clean, explain, rules, index, bench.

Settings come from defaults, then `--config FILE` (TOML, the same names as the
long flags), then the flags given. A user mistake prints one line and exits 2;
unreadable inputs are reported, the rest is written, and the exit code is 1.

Each command is one entry of `COMMANDS`: a function that adds its parser and the
function that runs it. Settings flags are generated from the `Config` fields
(`add_settings`), so a command shows exactly the settings it uses.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from cleaner.config import CLEAN as CLEAN_COMMAND
from cleaner.config import EXPLAIN, INDEX, Config, choices_of, config_from_mapping, load_config
from cleaner.errors import CleanerError, ConfigError
from cleaner.rules_cli import add_rules, cmd_rules

log = logging.getLogger("cleaner")

Subparsers = Any  # argparse's private _SubParsersAction


def add_settings(parser: argparse.ArgumentParser, command: str, only: tuple[str, ...] | None = None) -> None:
    """Add `--config` and a flag for every `Config` field whose metadata lists `command` (or named in `only`)."""
    parser.add_argument("--config", metavar="FILE", default=None, help="TOML file with any of the settings below")
    for f in dataclasses.fields(Config):
        meta = f.metadata
        if (f.name not in only) if only is not None else (command not in meta.get("commands", ())):
            continue
        flag = meta.get("flag") or f"--{f.name.replace('_', '-')}"
        names = (meta["short"], flag) if meta.get("short") else (flag,)
        options: dict[str, Any] = {"dest": f.name, "default": None, "help": meta["help"]}
        if f.type in ("bool", bool):
            options["action"] = "store_false" if f.default is True else "store_true"
        elif f.type in ("list[str]", list):
            options.update(action="append", metavar=meta.get("metavar"))
        else:
            options.update(type=_scalar_type(f), metavar=meta.get("metavar"), choices=choices_of(f))
        parser.add_argument(*names, **options)


def _scalar_type(f: dataclasses.Field) -> Callable[[str], Any]:
    kind = str(f.type)
    if kind.startswith("int"):
        return int
    if kind.startswith("float"):
        return float
    return str


def settings(args: argparse.Namespace) -> Config:
    """Defaults, then the --config file, then the flags given on the command line (not yet validated:
    `cleaner.config.check_config` does that once, where the run starts)."""
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
    return config_from_mapping({**config.as_dict(), **given}, origin="settings")


# --- commands: (add its parser, run it) -------------------------------------------------------------


class Command(NamedTuple):
    name: str
    add: Callable[[Subparsers, argparse.ArgumentParser], argparse.ArgumentParser]
    run: Callable[[argparse.Namespace], int]


CLEAN_HELP = """Clean page dumps or HTML into Parquet, recording every removal and its reason.
Exit codes: 0 ok; 1 some input could not be read or some page failed (each reported,
everything readable written); 2 usage or configuration error."""


def add_clean(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    clean = sub.add_parser(
        "clean", parents=[common], help="clean pages into Parquet (the main job)", description=CLEAN_HELP
    )
    clean.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or folders (.txt .jsonl .html .warc .parquet …, paths or URIs), - for stdin",
    )
    clean.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="OUT.parquet, OUT.jsonl[.gz|.zst], DIR/ for shards, or - for JSON Lines on stdout (any path or URI)",
    )
    add_settings(clean, CLEAN_COMMAND)
    return clean


def cmd_clean(args: argparse.Namespace) -> int:
    from cleaner.engine import run
    from cleaner.engine.local import check_paths

    config = settings(args)
    check_paths(args.paths)
    if config.dry_run:
        from cleaner.dry_run import plan, print_plan

        print_plan(plan(args.paths, config), sys.stdout)
        return 0
    summary = run(args.paths, args.output, config, progress=False if args.quiet else None)
    if not args.quiet:
        print(summary.line(args.output), file=sys.stderr)
        if summary.reasons:
            print("removals by reason:", file=sys.stderr)
            print("\n".join(summary.reason_table(None if args.verbose else 15)), file=sys.stderr)
        if summary.timeouts:
            print("regex timeouts (pages) by rule; fix or remove these rules:", file=sys.stderr)
            print("\n".join(summary.timeout_table()), file=sys.stderr)
    return summary.exit_code


def add_explain(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    explain = sub.add_parser(
        "explain",
        parents=[common],
        help="show each block, kept or removed, and why",
        description="Show each block of the pages in FILE, kept or removed, with the reason of each removal.",
    )
    explain.add_argument("file", metavar="FILE")
    explain.add_argument("--url", help="the page's URL (chooses the site pack)")
    explain.add_argument("--site", help="the site pack to apply")
    explain.add_argument("--width", type=int, default=None, help="truncate blocks to this width (0: never)")
    explain.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    add_settings(explain, EXPLAIN)
    return explain


def cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.explain import explain_file

    config = settings(args)
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    width = args.width
    if width is None:
        width = os.get_terminal_size().columns if sys.stdout.isatty() else 0
    if width < 0:
        raise ConfigError("--width must be 0 (never truncate) or more")
    return explain_file(args.file, config, url=args.url, site=args.site, color=color, width=width, out=sys.stdout)


def add_index(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    index = sub.add_parser(
        "index",
        help="build a corpus index to clean against later",
        description="Build a corpus index (repeated blocks, near-duplicates) to clean new pages against.",
    )
    actions = index.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        parents=[common],
        help="fingerprint every page under PATH and save the index",
        description="Fingerprint every page under each PATH and save the corpus index to INDEX "
        "(use it with `cleaner clean --index INDEX`). Exit 1 if some input could not be read.",
    )
    build.add_argument("paths", nargs="+", metavar="PATH")
    build.add_argument("-o", "--output", required=True, metavar="INDEX")
    add_settings(build, INDEX)
    return index


def cmd_index(args: argparse.Namespace) -> int:
    from cleaner.dedup import CorpusIndex
    from cleaner.engine.corpus import build_index
    from cleaner.engine.local import check_paths, write_failed
    from cleaner.engine.run import RunContext

    config = settings(args).replace(index=None, repeats=True)
    check_paths(args.paths)
    CorpusIndex.check_output(args.output)  # an index is a folder: an existing one is replaced, nothing else
    output = None if os.path.isdir(args.output) else args.output
    progress = False if args.quiet else None
    with RunContext.start(config, inputs=args.paths, output=output, dataset_ok=False, progress=progress) as ctx:
        index = build_index(args.paths, ctx)
        try:
            index.save(os.path.realpath(args.output))  # a link is written through
        except OSError as exc:
            raise write_failed(args.output, exc) from None
    if not args.quiet:
        problems = f"{ctx.summary.errors} errors, {ctx.summary.warnings} warnings"
        print(f"index of {index.description()} ({problems}) -> {args.output}", file=sys.stderr)
    return ctx.summary.exit_code


def add_bench(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    bench = sub.add_parser("bench", parents=[common], help="quick quality and speed check on generated data")
    bench.add_argument("--pages", type=int, default=300, help="generated pages (default 300)")
    return bench


def cmd_bench(args: argparse.Namespace) -> int:
    from cleaner.bench import quick_bench

    return quick_bench(pages=args.pages, out=sys.stdout)


def add_diff(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    diff = sub.add_parser(
        "diff",
        parents=[common],
        help="compare two outputs: documents added, removed or changed, removals by reason",
        description="Compare two cleaner outputs (Parquet or JSON Lines files, or folders of parts), matching "
        "documents by id. Exit codes: 0 identical; 1 they differ; 2 usage error or unreadable output.",
    )
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    diff.add_argument(
        "-n", "--show", type=int, default=10, metavar="N", help="unified diffs of the first N changed documents (10)"
    )
    diff.add_argument("--context", type=int, default=2, metavar="LINES", help="context lines in the unified diffs (2)")
    diff.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    return diff


def cmd_diff(args: argparse.Namespace) -> int:
    from cleaner.diff import diff_outputs, write_report

    if args.show < 0 or args.context < 0:
        raise ConfigError("--show and --context must be 0 or more")
    result = diff_outputs(args.a, args.b, limit=args.show, context=args.context)
    return write_report(result, as_json=args.json, out=sys.stdout)


def add_golden(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    golden = sub.add_parser(
        "golden",
        help="check or update a folder of golden files (raw/ inputs, expected/ outputs)",
        description="Golden-file regression checks: DIR/raw/ holds input pages, DIR/expected/ the clean text "
        "(<name>.txt) and removals (<name>.removed.jsonl) of each.",
    )
    actions = golden.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (
        ("check", "clean DIR/raw with the current rules and compare with DIR/expected; exit 1 on any difference"),
        ("update", "rewrite DIR/expected from the current output (nothing else in DIR is touched)"),
    ):
        action = actions.add_parser(
            name, parents=[common], help=help_text, description=help_text[0].upper() + help_text[1:] + "."
        )
        action.add_argument("folder", metavar="DIR")
        add_settings(action, EXPLAIN)
    return golden


def cmd_golden(args: argparse.Namespace) -> int:
    from cleaner.golden import print_report, run_golden

    update = args.action == "update"
    report = run_golden(args.folder, settings(args), update=update)
    return print_report(report, args.folder, update=update, out=sys.stdout)


def add_report(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    report = sub.add_parser(
        "report",
        parents=[common],
        help="one self-contained HTML page showing a run: removals by reason, site and stage, duplicates, samples",
        description="Write an HTML report of OUT: an output (Parquet or JSON Lines file, or a folder of parts) or "
        "a stats file (--stats FILE.json, or _STATS.json). The page needs no network to view.",
    )
    report.add_argument("source", metavar="OUT")
    report.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    report.add_argument("--samples", type=int, default=12, metavar="N", help="sampled documents shown (12)")
    return report


def cmd_report(args: argparse.Namespace) -> int:
    from cleaner.io.writer import AtomicFile
    from cleaner.report import build_report

    page = build_report(args.source, samples=args.samples)
    target = AtomicFile(args.output)
    try:
        target.open().write(page.encode("utf-8"))
        target.commit()
    except OSError as exc:
        target.discard()
        raise ConfigError(f"{args.output}: cannot write the report: {exc.strerror or exc}") from None
    if not args.quiet:
        print(f"report of {args.source} -> {args.output} ({len(page):,} bytes)", file=sys.stderr)
    return 0


COMMANDS: list[Command] = [
    Command("clean", add_clean, cmd_clean),
    Command("explain", add_explain, cmd_explain),
    Command("rules", add_rules, cmd_rules),
    Command("index", add_index, cmd_index),
    Command("bench", add_bench, cmd_bench),
    Command("diff", add_diff, cmd_diff),
    Command("golden", add_golden, cmd_golden),
    Command("report", add_report, cmd_report),
]


def build_parser() -> argparse.ArgumentParser:
    from cleaner import __version__
    from cleaner.extract import dom

    walk = "compiled" if dom.compiled() else "in Python: not compiled at install"
    parser = argparse.ArgumentParser(
        prog="cleaner", description="Turn scraped news pages into clean, deduplicated Parquet."
    )
    parser.add_argument("--version", action="version", version=f"cleaner {__version__} (HTML walk {walk})")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="errors only, no progress bar")
    common.add_argument("-v", "--verbose", action="store_true", help="more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add(sub, common).set_defaults(handler=command.run)
    return parser


def _logging(args: argparse.Namespace) -> None:
    """`cleaner`'s own messages at the level asked for; other libraries' (trafilatura, ray, fsspec,
    urllib3, ...) at warnings and above whatever `-v` says, so `-v` does not flood the terminal."""
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(
        level=max(level, logging.WARNING), format="%(name)s: %(levelname)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("cleaner").setLevel(level)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the run unwinds as on Ctrl-C: temporary files,
    the scratch folder and partial outputs are removed."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _logging(args)
    handles_sigterm = _main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if handles_sigterm else None
    try:
        return args.handler(args)
    except CleanerError as exc:
        print(f"cleaner: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("cleaner: terminated; no partial output was left under the final name", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("cleaner: interrupted; no partial output was left under the final name", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_stdout()
    finally:
        if handles_sigterm:
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)


def _closed_stdout() -> int:
    """The reader of our stdout went away (`cleaner clean - -o - | head`): stop quietly, as `yes | head`
    does, with 128 + SIGPIPE; stdout is pointed at /dev/null so the interpreter's final flush is silent."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
