"""A child process that does not outlive the process that started it (Linux; elsewhere a no-op).

Document workers, their page processes and LibreOffice's time limiter are all started by a
process that may be killed (-9, a time limit, Ctrl-C) before it can stop them; the kernel then
sends them the signal asked for here.
"""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, signum: int = signal.SIGKILL) -> None:
    """This process gets `signum` when its parent dies; exits at once if `parent_pid` is gone already.

    Called first thing in the child (or as a Popen preexec_fn): the parent may have died between
    the fork and the request, which the kernel would then never report.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:
        os._exit(1)
