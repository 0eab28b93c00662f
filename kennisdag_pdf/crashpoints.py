"""Named points where the crash tests kill the process, to prove that nothing is ever lost.

Durability claims ("a run killed at any point leaves the archive consistent", "nobody is
mailed twice") can only be tested by dying at each point that matters, deterministically: a
test sets KENNISDAG_CRASH_AT to a point's name and the process SIGKILLs itself there, with no
chance to clean up, as a power cut or the OOM killer would. Unset, a point costs one lookup.
"""

from __future__ import annotations

import os
import signal


def reached(name: str) -> None:
    if os.environ.get("KENNISDAG_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
