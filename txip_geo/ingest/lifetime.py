"""A child process that dies with its parent (#22: nothing outlives its job): the import worker (ingest.worker), the
background-job worker (store.job_runner) and the legacy-workbook reader (ingest.read) call this first thing."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """On Linux, have the kernel send this process `sig` when its parent goes; exit at once when `parent` is gone
    already (before the prctl took effect)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the caller's own watchdog, where it has one
    if os.getppid() != parent:
        os._exit(1)
