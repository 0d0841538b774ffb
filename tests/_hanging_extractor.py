"""A watchdog child whose extraction hangs, beyond SIGALRM's reach, on pages that contain STALL
(and dies on pages that contain CRASH): what a page stuck inside C code looks like from outside."""

from __future__ import annotations

import os
import signal
import sys
import time

import cleaner.extract
from cleaner.extract import watchdog

real = cleaner.extract.to_document


def to_document(page, *args, **kwargs):
    if "STALL" in page.content:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # as C code: the alarm cannot interrupt
        while True:
            time.sleep(60)
    if "CRASH" in page.content:
        os._exit(3)
    return real(page, *args, **kwargs)


cleaner.extract.to_document = to_document

if __name__ == "__main__":
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    watchdog.serve(sys.stdin.buffer, replies)
