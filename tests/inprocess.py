"""The command line run in process, as the tests' stand-in for a real process.

`cli.run` does everything the console script does except what belongs to a process (the
memory ceiling on foreign PDFs, leaving with os._exit), in a fraction of the 0.3 s a new
interpreter costs. Tests that need a process for what a process is (a SIGKILL at a crash
point, signals, broken pipes, the console's ceiling) start one themselves.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

CONSOLE = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]


class Hang(BaseException):
    """A command ran past its time (as a subprocess's timeout)."""


def run_in_process(args, *, cwd: Path | str | None = None, env: dict | None = None,
                   timeout: float = 120) -> subprocess.CompletedProcess:
    """cli.run with cwd as the working folder and env (when given) as the whole environment,
    both restored afterwards; the result as subprocess.run(..., text=True) gives it."""
    from kennisdag_pdf import cli

    args = [str(arg) for arg in args]
    # A crash point SIGKILLs the process; beside other threads (scenarios run at once) the
    # working folder and the environment, which belong to the process, cannot be lent.
    if (env is not None and env.get("KENNISDAG_CRASH_AT")
            or threading.current_thread() is not threading.main_thread()):
        return subprocess.run([*CONSOLE, *args], capture_output=True, text=True, cwd=cwd,
                              env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()

    def hang(signum, frame):
        raise Hang(f"{args} ran past {timeout:.0f} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        code = cli.run(args, stdout=out, stderr=err)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
