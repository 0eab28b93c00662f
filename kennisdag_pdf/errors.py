"""Errors as values: one small hierarchy, each class with the exit code the CLI turns it into.

Only cli.py prints or exits; every other module raises one of these. A bad-input error carries
the file, line, column and field path so the user can go straight to the mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug: rerun with --debug for the traceback
EXIT_BAD_INPUT = 2  # data, markup, assets, fonts, options
EXIT_PREFLIGHT = 3  # a PDF failed its profile's checks (kennisdag-pdf check, or a build's own)
EXIT_CANT_CREATE = 73  # os.EX_CANTCREAT: output folder missing, read-only, is a directory …
EXIT_IO = 74  # os.EX_IOERR: disk full or another failure while writing
# os.EX_UNAVAILABLE: mail --send paused after temporary failures in a row; rerun later to resume
EXIT_PAUSED = 69
# os.EX_TEMPFAIL: mail --send ended with recipients not (certainly) delivered: failed,
# deferred, unknown or still pending; the journal and --status say who
EXIT_DELIVERY_INCOMPLETE = 75
EXIT_INTERRUPTED = 130  # Ctrl-C

MAX_REPORTED = 50  # a file with more problems than this is the wrong file, not 50 typos


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    field: str  # dotted path such as participants[3].name, or '' for the file itself
    message: str
    file: str = ""

    def format(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        parts = [where] if where else []
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class KennisdagError(Exception):
    exit_code = EXIT_INTERNAL

    def lines(self) -> list[str]:
        return [str(self)]


@dataclass
class BadInput(KennisdagError):
    """The user's input is wrong; every problem found is reported at once."""

    problems: list[Problem] = field(default_factory=list)
    exit_code = EXIT_BAD_INPUT

    def __post_init__(self) -> None:
        super().__init__(self.lines()[0] if self.problems else "bad input")

    @classmethod
    def single(cls, file: str | Path, message: str, *, line: int = 0, column: int = 0,
               field: str = "") -> BadInput:
        return cls([Problem(line, column, field, message, str(file))])

    def lines(self) -> list[str]:
        ordered = sorted(self.problems, key=lambda p: (p.file, p.line, p.column, p.field))
        shown = [p.format() for p in ordered[:MAX_REPORTED]]
        if len(ordered) > MAX_REPORTED:
            shown.append(f"… and {len(ordered) - MAX_REPORTED} more problems")
        return shown

    def __str__(self) -> str:
        return "\n".join(self.lines())


class OutputError(KennisdagError):
    """The output could not be written; nothing half-written was left behind."""

    def __init__(self, message: str, exit_code: int = EXIT_IO) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class PreflightFailed(KennisdagError):
    """A PDF does not meet its profile: the report says which checks failed."""

    exit_code = EXIT_PREFLIGHT

    def __init__(self, name: str, report: list[str]) -> None:
        super().__init__(f"{name}: failed its preflight checks")
        self.report = report

    def lines(self) -> list[str]:
        return [*self.report, f"{self.args[0]}; nothing was written"]


class SetupError(KennisdagError):
    """The tool's own resources (fonts, hyphenation dictionaries) are missing or broken."""

    exit_code = EXIT_BAD_INPUT


def format_path(path: tuple[str | int, ...]) -> str:
    """('participants', 3, 'name') → 'participants[3].name'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out
