"""The extraction watchdog: HTML extraction in a child process that can be killed.

``SIGALRM`` (`time_limit`) interrupts Python code only: a page that hangs inside C code (an lxml
parse, a regex) would hold its worker forever. The watchdog runs `to_document` in a child
process (one per worker process, started on first use) and waits for its answer at most the time
limit plus a grace period; when none comes, it kills the child, starts a fresh one for the next
page and raises `InputError` naming the page, so the run reports it and goes on. It works with
any number of workers: with ``-j 1`` the engine's own process is the parent. A child that dies
(a crash, the OOM killer) is reported and replaced the same way.

Messages are pickles with a length prefix over the child's stdin/stdout; the child is
``python -m cleaner.extract.watchdog`` with this package on its path. Text dumps never come
here.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from cleaner.document import Document, Page
from cleaner.errors import InputError

_HEADER = struct.Struct("<Q")
#: seconds a child gets beyond the time limit before it is killed (its own SIGALRM fires first)
GRACE = 1.0
#: environment variable naming another child script (a test's hanging extractor)
CHILD_ENV = "CLEANER_EXTRACT_CHILD"
#: seconds a new child may take to start (imports, warm-up) before it counts as broken
STARTUP = 120.0


class Watchdog:
    """A killable extraction process for this process's pages (see the module doc).

    `settings` are the keyword arguments of `to_document` (extractor, options) and `ruleset` the
    packs for ``prune_xpath``; `timeout` the per-page limit in seconds (> 0); `command` starts the
    child: by default this module, or the Python script named by the `CHILD_ENV` environment
    variable (tests start one that hangs; the variable reaches pool workers however they start).
    """

    def __init__(self, ruleset: Any, timeout: float, *, command: tuple[str, ...] | None = None, **settings: Any):
        self.setup = pickle.dumps((ruleset, timeout, settings), protocol=pickle.HIGHEST_PROTOCOL)
        script = os.environ.get(CHILD_ENV)
        default = (sys.executable, script) if script else (sys.executable, "-m", "cleaner.extract.watchdog")
        self.command = command or default
        self.timeout = timeout
        self.child: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def document(self, page: Page, *, site: str | None = None) -> Document:
        """`to_document(page)` in the child; InputError when it fails, hangs or the child dies."""
        child = self._child()
        try:
            _send(child.stdin, pickle.dumps((page, site), protocol=pickle.HIGHEST_PROTOCOL))
            reply = _receive(child.stdout, deadline=time.monotonic() + self.timeout + GRACE)
        except TimeoutError:
            self._replace()
            raise InputError(
                page.source, f"extraction did not finish in {self.timeout:g} s: its process was killed and replaced"
            ) from None
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self._replace()
            raise InputError(page.source, f"extraction process died ({_exit_reason(code)}); replaced") from None
        kind, value = pickle.loads(reply)
        if kind == "ok":
            return value
        error_type, source, message = value
        if error_type == "NoMainText":
            from cleaner.extract import NoMainText

            raise NoMainText(source, message)
        raise InputError(source, message)

    def close(self) -> None:
        """Stop the child (it also exits by itself when this process's end of the pipe closes)."""
        child, self.child = self.child, None
        if child is not None:
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    stream.close()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def _child(self) -> subprocess.Popen[bytes]:
        if self.child is None or self.child.poll() is not None:
            root = str(Path(__file__).resolve().parents[2])
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH")))))
            self.child = subprocess.Popen(
                list(self.command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                start_new_session=True,  # a Ctrl-C reaches the parent, which then closes the child
            )
            _send(self.child.stdin, self.setup)
            try:
                _receive(self.child.stdout, deadline=time.monotonic() + STARTUP)  # ready: not a page's time
            except (TimeoutError, EOFError, OSError) as exc:
                code = self._replace()
                raise InputError("<extraction process>", f"could not start ({_exit_reason(code)})") from exc
        return self.child

    def _replace(self) -> int | None:
        child, self.child = self.child, None
        self.restarts += 1
        if child is None:
            return None
        if child.poll() is None:
            child.kill()
        code = child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return code


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _send(stream: IO[bytes] | None, payload: bytes) -> None:
    if stream is None:
        raise OSError("no pipe to the extraction process")
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes] | None, *, deadline: float | None = None) -> bytes:
    if stream is None:
        raise OSError("no pipe from the extraction process")
    header = _read_exactly(stream, _HEADER.size, deadline)
    (size,) = _HEADER.unpack(header)
    return _read_exactly(stream, size, deadline)


def _read_exactly(stream: IO[bytes], size: int, deadline: float | None) -> bytes:
    fd = stream.fileno()
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child's loop: read the setup, then extract each page sent until the pipe closes."""
    from cleaner.errors import CleanerError
    from cleaner.extract import RESET_EVERY, NoMainText, reset_extraction_caches, to_document, warm_up

    ruleset, timeout, settings = pickle.loads(_receive(stdin))
    warm_up(settings.get("extractor", "dom"))
    _send(stdout, b"ready")
    served = 0
    while True:
        served += 1
        if served % RESET_EVERY == 0:
            reset_extraction_caches()
        try:
            page, site = pickle.loads(_receive(stdin))
        except EOFError:
            return
        try:
            reply: tuple[str, Any] = ("ok", to_document(page, ruleset, timeout=timeout, site=site, **settings))
        except NoMainText as exc:
            reply = ("error", ("NoMainText", exc.source, exc.message))
        except CleanerError as exc:
            reply = ("error", ("InputError", getattr(exc, "source", page.source), getattr(exc, "message", str(exc))))
        except Exception as exc:  # noqa: BLE001 - reported for this page, the child goes on
            reply = ("error", ("InputError", page.source, f"HTML extraction failed: {type(exc).__name__}: {exc}"))
        _send(stdout, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, not into the replies
    serve(sys.stdin.buffer, replies)
