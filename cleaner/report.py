"""`cleaner report OUT -o report.html`: one self-contained HTML page that shows a run at a glance.

OUT is an output (a Parquet or JSON Lines file, or a folder of parts) or a stats file. The page
holds headline figures, charts of removed characters by reason and by site, the stages' shares of
removals and of time, duplicate cluster sizes, the most repeated blocks, problems by kind and,
for an output, sampled documents rendered like `explain`: kept text beside removed text, each
removal coloured by its stage and labelled with its reason.

Charts are plain inline SVG drawn here, not a charting library: the charts are bars and a
histogram, SVG needs no script, so the file opens offline, in any browser or mail client, stays
small (no ~1-3 MB library inlined) and is the same bytes for the same input (testable).
Nothing is fetched at view time: no script, no external style sheet, font or image.
"""

from __future__ import annotations

import heapq
import html
from collections.abc import Iterable
from typing import Any

import xxhash

from cleaner.engine.run import stage_of
from cleaner.errors import ConfigError

STAGE_COLOURS = {
    "rules": "#2f6fb3",
    "heuristics": "#d9822b",
    "language": "#7b4fb0",
    "repeats": "#c23b4a",
}
OTHER_COLOUR = "#6b7280"
BAR_TOP = 15
SAMPLE_CHARS = 400
OPEN_SAMPLES = 2


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _colour(stage: str) -> str:
    return STAGE_COLOURS.get(stage, OTHER_COLOUR)


def _n(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def _bytes(value: int | None) -> str:
    if value is None:
        return "–"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{value} B"


def bar_chart(rows: list[tuple[str, float, str, str]], *, unit: str = "chars", width: int = 1000) -> str:
    """Horizontal bars: (label, value, colour, note) per row, longest first as given; an SVG element."""
    if not rows:
        return '<p class="empty">nothing to show</p>'
    label_w, bar_w, row_h = 300, width - 300 - 230, 22
    top = max(v for _, v, _, _ in rows) or 1
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{row_h * len(rows) + 8}" '
        f'viewBox="0 0 {width} {row_h * len(rows) + 8}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for k, (label, value, colour, note) in enumerate(rows):
        y = 4 + k * row_h
        length = max(1.0, bar_w * value / top) if value else 0.0
        shown = label if len(label) <= 44 else label[:43] + "…"
        parts.append(
            f"<g><title>{_e(label)}: {_n(value)} {unit}{' · ' + _e(note) if note else ''}</title>"
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="label">{_e(shown)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row_h - 6}" rx="2" fill="{colour}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + 15}" class="value">{_n(value)}'
            f"{' · ' + _e(note) if note else ''}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def share_bar(shares: list[tuple[str, float]], *, width: int = 760, unit: str = "") -> str:
    """One stacked bar of shares (label, value), coloured by stage, and its legend below (HTML, so it wraps)."""
    total = sum(v for _, v in shares)
    if not total:
        return '<p class="empty">nothing to show</p>'
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="26" viewBox="0 0 {width} 26" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    x = 0.0
    for label, value in shares:
        w = width * value / total
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="26" fill="{_colour(label)}">'
            f"<title>{_e(label)}: {_n(value)}{unit} ({value / total:.0%})</title></rect>"
        )
        x += w
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{_colour(label)}"></i>{_e(label)} {value / total:.0%}</span>'
        for label, value in shares
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def histogram(sizes: dict[str, int], *, width: int = 1000, height: int = 180) -> str:
    """Columns of clusters per cluster size (sizes above 10 grouped as '>10'); an SVG element."""
    if not sizes:
        return '<p class="empty">no duplicate clusters</p>'
    buckets: dict[str, int] = {}
    for size, clusters in sorted(sizes.items(), key=lambda kv: int(kv[0])):
        key = size if int(size) <= 10 else ">10"
        buckets[key] = buckets.get(key, 0) + clusters
    top = max(buckets.values())
    col_w = min(60, (width - 40) // len(buckets))
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height + 40}" '
        f'viewBox="0 0 {width} {height + 40}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for k, (size, clusters) in enumerate(buckets.items()):
        h = max(2.0, height * clusters / top)
        x = 30 + k * col_w
        parts.append(
            f"<g><title>{_n(clusters)} clusters of {_e(size)} documents</title>"
            f'<rect x="{x}" y="{height - h + 14:.1f}" width="{col_w - 8}" height="{h:.1f}" fill="#2f6fb3"/>'
            f'<text x="{x + (col_w - 8) / 2:.1f}" y="{height - h + 10:.1f}" text-anchor="middle" class="value">'
            f"{_n(clusters)}</text>"
            f'<text x="{x + (col_w - 8) / 2:.1f}" y="{height + 30}" text-anchor="middle" class="label">'
            f"{_e(size)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _cards(stats: dict[str, Any]) -> str:
    docs, chars, by = stats["documents"], stats["chars"], stats.get("bytes") or {}
    removed_share = 1 - chars["out"] / chars["written_in"] if chars.get("written_in") else 0.0
    cards = [
        ("documents", _n(docs["read"]), f"{_n(docs['written'])} written · {_n(docs['empty'])} empty"),
        ("characters kept", _n(chars["out"]), f"of {_n(chars['written_in'])} · {removed_share:.1%} removed"),
        ("removals", _n(stats["removals"]["total"]), f"{_n(chars['removed'])} chars in removed spans"),
        ("bytes", _bytes(by.get("in")), f"in · {_bytes(by.get('out'))} out"),
        ("time", f"{_n(stats['seconds']['total'])} s", "wall clock" if stats["seconds"]["total"] else "not recorded"),
        (
            "problems",
            _n(stats["errors"]["total"]),
            f"errors · {_n(stats['warnings']['total'])} warnings · {_n(docs['failed'])} pages failed",
        ),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{v}</div><div class="s">{_e(s)}</div></div>'
            for k, v, s in cards
        )
        + "</div>"
    )


def _table(headers: list[str], rows: Iterable[list[str]], cls: str = "") -> str:
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return '<p class="empty">none</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _reason_rows(stats: dict[str, Any]) -> list[tuple[str, float, str, str]]:
    by_reason = stats["removals"]["by_reason"]
    items = sorted(by_reason.items(), key=lambda kv: (-kv[1]["chars"], kv[0]))[:BAR_TOP]
    return [(r, v["chars"], _colour(stage_of(r)), f"{_n(v['count'])} removals") for r, v in items]


def _site_rows(stats: dict[str, Any]) -> list[tuple[str, float, str, str]]:
    items = sorted(stats["removals"]["by_site"].items(), key=lambda kv: (-kv[1]["chars"], kv[0]))[:BAR_TOP]
    return [
        (
            s,
            v["chars"],
            "#2f6fb3",
            f"{v['chars'] / v['chars_in']:.0%} of {_n(v['documents'])} docs" if v["chars_in"] else "",
        )
        for s, v in items
    ]


def render_document(row: dict[str, Any], *, open_: bool = False) -> str:
    """One output row like `explain`: a line per block, kept text left, removed text right with its
    reason coloured by stage. The blocks are rebuilt from the clean text (kept blocks, one per line)
    and the removals (block index, span, text): blocks removed whole take their index, the clean
    text's lines fill the others in order. An output does not store block lengths, so a block whose
    one removal starts at 0 is shown as removed whole (partial spans are almost always tails)."""
    removed = sorted(row.get("removed") or [], key=lambda r: (r["block"], r["start"]))
    by_block: dict[int, list[dict[str, Any]]] = {}
    for r in removed:
        by_block.setdefault(r["block"], []).append(r)
    whole = {b for b, spans in by_block.items() if len(spans) == 1 and spans[0]["start"] == 0}
    kept = [line for line in (row.get("text") or "").split("\n") if line]
    last = max(by_block, default=-1)
    lines, block, cursor = [], 0, 0
    while cursor < len(kept) or block <= last:
        spans = by_block.get(block, [])
        if block in whole:
            r = spans[0]
            right = _removal(r)
            lines.append(f'<tr class="drop"><td class="n">{block}</td><td class="kept"></td><td>{right}</td></tr>')
        elif cursor < len(kept):
            rights = "".join(_removal(r) for r in spans)
            cls = "part" if spans else "keep"
            lines.append(
                f'<tr class="{cls}"><td class="n">{block}</td><td class="kept">{_e(kept[cursor])}</td>'
                f"<td>{rights}</td></tr>"
            )
            cursor += 1
        elif spans:
            rights = "".join(_removal(r) for r in spans)
            lines.append(f'<tr class="part"><td class="n">{block}</td><td class="kept"></td><td>{rights}</td></tr>')
        block += 1
    title = row.get("url") or row.get("source") or ""
    meta = f"site {row.get('site') or '–'} · lang {row.get('lang') or '–'} · {len(removed)} removals"
    if row.get("dup_cluster"):
        meta += f" · duplicate cluster {row['dup_cluster']} rank {row.get('dup_rank')}"
    return (
        f'<details class="doc"{" open" if open_ else ""}><summary><b>{_e(row["id"])}</b> '
        f'<span class="meta">{_e(title)} — {_e(meta)}</span></summary>'
        '<table class="explain"><thead><tr><th>#</th><th>kept</th><th>removed (reason)</th></tr></thead>'
        f"<tbody>{''.join(lines)}</tbody></table></details>"
    )


def _removal(r: dict[str, Any]) -> str:
    stage = stage_of(r["reason"])
    text = r["text"] if len(r["text"]) <= SAMPLE_CHARS else r["text"][:SAMPLE_CHARS] + "…"
    detail = f" — {r['detail']}" if r.get("detail") else ""
    return (
        f'<div class="rm" style="border-color:{_colour(stage)}"><span class="reason" '
        f'style="background:{_colour(stage)}" title="{_e(r["reason"] + detail)}">{_e(r["reason"])}</span> '
        f"{_e(text)}</div>"
    )


def sample_rows(rows: Iterable[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """`count` documents chosen by a hash of their id (the same sample for the same output), those
    with removals first; returned in id-hash order."""
    heap: list[tuple[int, int, str, dict[str, Any]]] = []
    for row in rows:
        key = (0 if row.get("removed") else 1, xxhash.xxh3_64_intdigest(str(row["id"]).encode()), str(row["id"]))
        item = (-key[0], -key[1], key[2], row)
        if len(heap) < count:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)
    return [item[3] for item in sorted(heap, key=lambda i: (-i[0], -i[1]))]


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;margin:0;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:34px 0 10px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.sub{color:#6b7280;font-size:13px;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;margin-top:18px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px}
.card .k{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:22px;font-weight:600;margin:2px 0}.card .s{color:#6b7280;font-size:12px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:4px 18px 16px;margin-top:16px}
section h2{border:0;margin-top:14px}
svg.chart{display:block;max-width:100%;height:auto}
svg .label{font-size:12px;fill:#374151}svg .value{font-size:11px;fill:#4b5563}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{color:#6b7280;font-weight:600;font-size:12px}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.empty{color:#9ca3af;font-style:italic}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;vertical-align:-1px}
details.doc{border:1px solid #e5e7eb;border-radius:6px;margin:8px 0;background:#fff}
details.doc summary{cursor:pointer;padding:6px 10px;background:#f9fafb}
details.doc .meta{color:#6b7280;font-size:12px}
table.explain td.n{color:#9ca3af;width:28px;text-align:right}
table.explain td.kept{width:55%}
table.explain tr.drop td.kept{background:#fafafa}
.rm{border-left:4px solid;padding:1px 6px;margin:1px 0;color:#4b5563;background:#fbfbfc}
.reason{color:#fff;border-radius:3px;padding:0 5px;font-size:11px;white-space:nowrap}
.two{display:grid;grid-template-columns:1fr 1fr;gap:18px}
"""


def render(stats: dict[str, Any], samples: list[dict[str, Any]], *, source: str) -> str:
    """The report page for `stats` (cleaner.stats shape) and sampled output rows."""
    legend = (
        '<div class="legend">'
        + "".join(f'<span><i style="background:{c}"></i>{_e(s)}</span>' for s, c in STAGE_COLOURS.items())
        + "</div>"
    )
    by_stage = stats["removals"]["by_stage"]
    stage_chars = [(s, v["chars"]) for s, v in by_stage.items() if v["chars"]]
    stage_time = [(s, t) for s, t in stats["seconds"]["by_stage"].items() if t > 0]
    dups = stats["duplicates"]
    largest = _table(
        ["cluster", "documents"],
        ([_e(c["cluster"]), f'<span class="num">{_n(c["documents"])}</span>'] for c in dups["largest"][:10]),
    )
    repeats = _table(
        ["documents", "chars removed", "block (first seen)", "cluster"],
        (
            [
                f'<span class="num">{_n(r["documents"])}</span>',
                f'<span class="num">{_n(r["chars"])}</span>',
                _e(r["text"][:160] + ("…" if len(r["text"]) > 160 else "")),
                f"<code>{_e(r['cluster'])}</code>",
            ]
            for r in stats["repeats"]["most_repeated"][:15]
        ),
    )
    problems = _table(
        ["level", "kind", "count"],
        [
            *(["error", _e(k), _n(v)] for k, v in stats["errors"]["by_kind"].items()),
            *(["warning", _e(k), _n(v)] for k, v in stats["warnings"]["by_kind"].items()),
        ],
    )
    sample_html = (
        legend + "".join(render_document(row, open_=k < OPEN_SAMPLES) for k, row in enumerate(samples))
        if samples
        else '<p class="empty">a stats file holds no documents: run the report on the output to see samples</p>'
    )
    inputs = ", ".join(stats.get("inputs") or []) or "–"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>cleaner report — {_e(source)}</title><style>{STYLE}</style></head><body><main>",
        f'<h1>cleaner report</h1><div class="sub">{_e(source)} · cleaner {_e(stats.get("version", "?"))}'
        f" · inputs: {_e(inputs)}</div>",
        _cards(stats),
        '<section id="by-reason"><h2>Removed characters by reason</h2>',
        legend,
        bar_chart(_reason_rows(stats)),
        "</section>",
        '<section id="by-site"><h2>Removed characters by site</h2>',
        bar_chart(_site_rows(stats)),
        "</section>",
        '<section id="stages"><h2>Stages</h2><div class="two"><div><h3>share of removed characters</h3>',
        share_bar(stage_chars, width=500, unit=" chars"),
        "</div><div><h3>share of time</h3>",
        share_bar(stage_time, width=500, unit=" s"),
        "</div></div>",
        _table(
            ["stage", "removals", "chars removed", "seconds"],
            (
                [
                    f'<i style="background:{_colour(s)};display:inline-block;width:10px;height:10px"></i> {_e(s)}',
                    _n(by_stage.get(s, {}).get("count", 0)),
                    _n(by_stage.get(s, {}).get("chars", 0)),
                    _n(stats["seconds"]["by_stage"].get(s)),
                ]
                for s in sorted(set(by_stage) | set(stats["seconds"]["by_stage"]))
            ),
        ),
        "</section>",
        f'<section id="duplicates"><h2>Near-duplicate clusters ({_n(dups["clusters"])} clusters, '
        f'{_n(dups["documents"])} documents)</h2><p class="sub">clusters per size (documents in the cluster)</p>',
        histogram(dups["cluster_sizes"]),
        "<h3>largest clusters</h3>",
        largest,
        "</section>",
        f'<section id="repeats"><h2>Most repeated blocks ({_n(stats["repeats"]["clusters"])} repeated clusters)</h2>',
        repeats,
        "</section>",
        '<section id="problems"><h2>Errors and warnings by kind</h2>',
        problems,
        "</section>",
        f'<section id="samples"><h2>Sampled documents ({len(samples)})</h2>',
        sample_html,
        "</section>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def build_report(location: str, *, samples: int = 12) -> str:
    """The report page for an output (file or folder) or a stats file at `location`."""
    from cleaner.io import fs
    from cleaner.outputs import iter_rows
    from cleaner.stats import STATS_FILE, read_stats, stats_from_output

    if samples < 0:
        raise ConfigError("--samples must be 0 or more")
    if fs.display(location).lower().endswith(".json"):
        return render(read_stats(location), [], source=location)
    import pyarrow.fs as pafs

    stats_path = fs.join(location, STATS_FILE)
    filesystem, inside = fs.resolve(stats_path)
    try:
        has_stats = filesystem.get_file_info(inside).type == pafs.FileType.File
    except OSError:
        has_stats = False
    stats = read_stats(stats_path) if has_stats else stats_from_output(location)
    chosen = sample_rows(iter_rows(location), samples) if samples else []
    return render(stats, chosen, source=location)
