"""The command line: the only module that prints or exits.

Every failure becomes one or more one-line messages on stderr and an exit code from errors.py;
a traceback appears only for a bug, and only with --debug.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import EXIT_INTERNAL, EXIT_INTERRUPTED, KennisdagError

app = typer.Typer(
    name="kennisdag-pdf", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False, pretty_exceptions_show_locals=False,
    help="Turn one YAML file of knowledge-day data into a typeset brochure PDF.",
)

_state = {"debug": False}

EventFile = Annotated[Path, typer.Argument(help="The event's YAML file.", show_default=False)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kennisdag-pdf {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on internal errors.")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Show the version and exit.")] = None,
) -> None:
    _state["debug"] = debug


def _fail(lines: list[str], code: int) -> None:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def _guard(action):
    """Run one command body, turning every failure into messages and an exit code."""
    try:
        return action()
    except KennisdagError as exc:
        _fail(exc.lines(), exc.exit_code)
    except KeyboardInterrupt:
        _fail(["interrupted; nothing was written"], EXIT_INTERRUPTED)
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: say so plainly, show the traceback only on request
        if _state["debug"]:
            raise
        _fail([f"internal error: {type(exc).__name__}: {exc}".splitlines()[0][:300],
               "this is a bug in kennisdag-pdf; rerun with --debug to see the traceback"],
              EXIT_INTERNAL)


@app.command()
def build(
    event_file: EventFile,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Where to write the PDF (default: output/EVENT-ID.pdf).",
        show_default=False)] = None,
) -> None:
    """Build the brochure PDF of one knowledge day."""

    def run() -> None:
        from .loader import load
        from .output import check_target, write_atomic
        from .render import render

        started = time.perf_counter()
        loaded = load(event_file)
        target = output or Path("output") / f"{loaded.day.event.id}.pdf"
        check_target(target, [loaded.source, *(a.path for a in loaded.images.values())])
        result = render(loaded)
        write_atomic(target, result.pdf)
        seconds = time.perf_counter() - started
        typer.echo(f"{target}: {result.pages} pages, {len(result.pdf) / 1024:.0f} kB, "
                   f"{seconds:.2f} s")

    _guard(run)


@app.command()
def validate(event_file: EventFile) -> None:
    """Check an event file without building it: every problem, each on one line."""

    def run() -> None:
        from .checks import check_glyphs
        from .loader import load

        loaded = load(event_file)
        check_glyphs(loaded)
        day = loaded.day
        typer.echo(f"{event_file}: valid ({len(day.agenda)} agenda items, "
                   f"{len(day.participants)} participants, {len(day.theses)} theses)")

    _guard(run)


@app.command()
def schema() -> None:
    """Print the event file format as JSON Schema (for editors and other tools)."""

    def run() -> None:
        from .schema import json_schema

        try:
            sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `kennisdag-pdf schema | head`: the reader left, fine
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())

    _guard(run)


def main() -> None:
    app()
