"""Work on a PDF someone handed us, in a child process with a memory ceiling when asked.

qpdf that runs out of memory may abort rather than raise; only a child process can die of it
while the command still answers "too complex to check". The console script asks for the
ceiling (use_memory_ceiling); a test process is never capped and works in process.
"""

from __future__ import annotations

import os
import sys

from .errors import KennisdagError

# Set by the console script only: a process-wide choice, as the resource limit itself is.
_settings = {"memory_ceiling": False}


def use_memory_ceiling(on: bool = True) -> None:
    _settings["memory_ceiling"] = on


class ChildRefused(KennisdagError):
    """What the child process reported, as the error it raised there."""

    def __init__(self, lines: list[str], exit_code: int) -> None:
        super().__init__(lines[0] if lines else "")
        self._lines = lines
        self.exit_code = exit_code

    def lines(self) -> list[str]:
        return self._lines


def foreign_pdf_work(name: str, work):
    """work() on the PDF called name: under pdfin.MEMORY_CEILING (RLIMIT_AS) in a child
    process when the ceiling is in use, otherwise in process."""
    from .pdfin import too_complex

    if not _settings["memory_ceiling"] or not hasattr(os, "fork"):
        try:
            return work()
        except MemoryError:
            raise too_complex(name, MemoryError()) from None
    return _in_child(name, work)


def _in_child(name: str, work):
    import pickle
    import resource
    import signal

    from .pdfin import MEMORY_CEILING, too_complex

    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, report through the pipe, leave without any clean-up
        code = 0
        try:
            os.close(read_end)
            # The child says everything through the pipe. What a library writes to the
            # terminal itself (libstdc++'s "terminate called after throwing std::bad_alloc"
            # when qpdf meets the ceiling) is not a message for the user: the parent answers.
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 2)
            os.close(quiet)
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            ceiling = MEMORY_CEILING if hard == resource.RLIM_INFINITY else min(MEMORY_CEILING,
                                                                                hard)
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
            try:
                outcome = ("done", work())
            except KennisdagError as exc:
                outcome = ("refused", exc.lines(), exc.exit_code)
            except MemoryError:
                outcome = ("memory",)
            except KeyboardInterrupt:
                outcome = ("interrupted",)
            except Exception as exc:  # a bug: the parent says so, as for any command
                outcome = ("bug", f"{type(exc).__name__}: {exc}")
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            report = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not report:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT:
            raise KeyboardInterrupt
        # Killed, or aborted by qpdf's std::bad_alloc at the ceiling: out of memory
        raise too_complex(name, MemoryError())
    outcome = pickle.loads(report)
    if outcome[0] == "done":
        return outcome[1]
    if outcome[0] == "refused":
        raise ChildRefused(outcome[1], outcome[2])
    if outcome[0] == "memory":
        raise too_complex(name, MemoryError())
    if outcome[0] == "interrupted":
        raise KeyboardInterrupt
    raise RuntimeError(outcome[1])
