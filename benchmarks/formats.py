"""Throughput of `cleaner clean` per input format, on the same dev pages in every format.

From the 265 dev pages (`../shared/eval/dev/`: dumps, HTML and URLs, read in place,
never copied into the repo) this builds, in a temporary folder, the same pages as a
folder of `.txt` dumps, JSON Lines (plain and gzip), Parquet, a WET file, a folder of
`.html` files and a gzipped WARC of HTML responses, then runs `cleaner clean
--no-repeats --workers 1` on each in its own process (start-up included).

    python benchmarks/formats.py [--replicate 4]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run_measured

REPO = Path(__file__).resolve().parent.parent


def load(eval_dir: Path, replicate: int) -> list[dict]:
    """The dev pages with dump and HTML, `replicate` times (ids suffixed `-k`)."""
    dev = eval_dir / "dev"
    pages = []
    for line in (dev / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        dump = (dev / "dump" / f"{entry['id']}.txt").read_text(encoding="utf-8")
        html = (dev / "html" / f"{entry['id']}.html").read_text(encoding="utf-8", errors="replace")
        pages.append({"id": entry["id"], "url": entry["url"], "text": dump, "html": html})
    return [{**p, "id": f"{p['id']}-{k}"} for k in range(replicate) for p in pages]


def warc_record(kind: str, number: int, url: str, block: bytes, content_type: str) -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{number:012d}>\r\n"
        f"WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Target-URI: {url}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def write_inputs(pages: list[dict], root: Path) -> dict[str, tuple[Path, int]]:
    """Every format's input and the bytes of page content it holds."""
    text_bytes = sum(len(p["text"].encode()) for p in pages)
    html_bytes = sum(len(p["html"].encode()) for p in pages)
    (root / "txt").mkdir()
    (root / "html").mkdir()
    for p in pages:
        (root / "txt" / f"{p['id']}.txt").write_text(p["text"], encoding="utf-8")
        (root / "html" / f"{p['id']}.html").write_text(p["html"], encoding="utf-8")
    lines = "".join(json.dumps({"id": p["id"], "url": p["url"], "text": p["text"]}) + "\n" for p in pages)
    (root / "pages.jsonl").write_text(lines, encoding="utf-8")
    (root / "pages.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    table = pa.table({k: [p[k] for p in pages] for k in ("id", "url", "text")})
    pq.write_table(table, root / "pages.parquet", compression="zstd")
    with open(root / "pages.wet", "wb") as wet:
        for n, p in enumerate(pages):
            wet.write(warc_record("conversion", n, p["url"], p["text"].encode(), "text/plain"))
    with gzip.open(root / "pages.warc.gz", "wb") as warc:
        for n, p in enumerate(pages):
            body = p["html"].encode()
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            http += f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            warc.write(warc_record("response", n, p["url"], http, "application/http; msgtype=response"))
    return {
        "txt folder": (root / "txt", text_bytes),
        "jsonl": (root / "pages.jsonl", text_bytes),
        "jsonl.gz": (root / "pages.jsonl.gz", text_bytes),
        "parquet": (root / "pages.parquet", text_bytes),
        "wet": (root / "pages.wet", text_bytes),
        "html folder": (root / "html", html_bytes),
        "warc.gz (html)": (root / "pages.warc.gz", html_bytes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", default=str(REPO.parent / "shared" / "eval"))
    parser.add_argument("--replicate", type=int, default=1)
    args = parser.parse_args(argv)
    pages = load(Path(args.eval_dir), args.replicate)
    print(f"{len(pages)} pages, --no-repeats, 1 worker\n")
    print("| input | docs/s | MB/s (of dump or HTML) | peak RSS MiB | exit |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="cleaner-formats-") as tmp:
        for name, (path, size) in write_inputs(pages, Path(tmp)).items():
            out = Path(tmp) / "out.parquet"
            command = [sys.executable, "-m", "cleaner.cli", "clean", str(path), "-o", str(out), "-q", "--no-repeats"]
            m = run_measured(command, cwd=REPO)
            if m.seconds is None:
                print(f"| {name} | – | – | – | {m.error} |")
                continue
            rows = pq.read_metadata(out).num_rows if out.exists() else 0
            print(
                f"| {name} | {rows / m.seconds:.0f} | {size / 1e6 / m.seconds:.2f} | {m.peak_rss_mib:.0f} | "
                f"{m.returncode} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
