"""The command line: the only module that prints or exits.

Every failure becomes one or more one-line messages on stderr and an exit code from errors.py;
a traceback appears only for a bug, and only with --debug.
"""

# No `from __future__ import annotations` here: Typer reads every command's annotations at
# each start, and as strings it would eval() some 300 of them (about 10 ms of `validate`).
import contextlib
import gc
import json
import logging
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import (EXIT_BAD_INPUT, EXIT_CANT_CREATE, EXIT_INTERNAL, EXIT_INTERRUPTED,
                     EXIT_PREFLIGHT, BadInput, KennisdagError, OutputError)
from .i18n import LANGUAGES
from .paper import TRIM_SIZES
from .mail import DEFAULT_PORTS
from .profiles import PROFILES

# A command allocates millions of small objects that live until it ends (the libraries it
# imports, the model, the flowables, the PDF's objects). Python's collector looks for cycles
# every 700 allocations and so walks them over and over: a tenth of `validate` and of a
# 5,000-page build. Every 100,000 finds the same garbage; memory peaks the same (measured).
gc.set_threshold(100_000, 50, 100)

app = typer.Typer(
    name="kennisdag-pdf", no_args_is_help=True, add_completion=True,
    pretty_exceptions_enable=False, pretty_exceptions_show_locals=False,
    help="Turn one YAML file of knowledge-day data into a typeset brochure PDF.",
)

_state = {"debug": False, "quiet": False, "verbose": False}


def _say(line: str) -> None:
    """A result line on stdout; --quiet leaves only errors and warnings."""
    if not _state["quiet"]:
        typer.echo(line)


def _detail(line: str) -> None:
    """What --verbose adds: the stages and what they cost, on stderr."""
    if _state["verbose"] and not _state["quiet"]:
        typer.echo(line, err=True)


class _StatusLine:
    """One line of a terminal that says how a long command is doing: silent for the first
    half second (a quick command prints nothing), when piped, and with --quiet."""

    DELAY = 0.5

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.shown = False
        self.last = 0.0
        self.live = sys.stderr.isatty() and not _state["quiet"]

    def show(self, text: str, *, final: bool = False) -> None:
        now = time.perf_counter()
        if not self.live or now - self.started < self.DELAY or (
                now - self.last < 0.1 and not final):
            return
        self.last, self.shown = now, True
        sys.stderr.write(f"\r{text}   ")
        sys.stderr.flush()

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


class _Progress(_StatusLine):
    """'layout · page 340' while a brochure is laid out."""

    def __call__(self, page: int) -> None:
        self.show(f"layout · page {page}")


class _Counter(_StatusLine):
    """'verifying  ██████░░░░  12 of 40' for loops over many items."""

    WIDTH = 24

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def __call__(self, done: int, total: int) -> None:
        filled = round(self.WIDTH * done / total) if total else self.WIDTH
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        self.show(f"{self.label}  {bar}  {done} of {total}", final=done >= total)


EventFile = Annotated[Path, typer.Argument(help="The event's YAML file.", show_default=False)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kennisdag-pdf {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on internal errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors and warnings.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also print each stage and its time.")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Show the version and exit.")] = None,
) -> None:
    _state.update(debug=debug, quiet=quiet, verbose=verbose)


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
    except BrokenPipeError:  # `kennisdag-pdf catalogue list | head`: the reader left, fine
        pass  # main() flushes what is left quietly and leaves without Python's exit flush
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: say so plainly, show the traceback only on request
        if _state["debug"]:
            raise
        _fail([f"internal error: {type(exc).__name__}: {exc}".splitlines()[0][:300],
               "this is a bug in kennisdag-pdf; rerun with --debug to see the traceback"],
              EXIT_INTERNAL)


# From the tables themselves (light modules, no ReportLab): a new profile or trim size needs no
# change here.
ProfileName = Enum("ProfileName", {name: name for name in PROFILES}, type=str)  # type: ignore[misc]
PageSize = Enum("PageSize", {name: name for name in TRIM_SIZES}, type=str)  # type: ignore[misc]


ProfileOption = Annotated[ProfileName, typer.Option(
    "--profile", "-p", help="screen: RGB, live links, size budget, PDF/UA-1. print: CMYK, "
                            "bleed, crop marks, pages padded to a multiple of 4. archive: "
                            "PDF/A-3a and PDF/UA-1 carrying its source, validated. All "
                            "three are tagged for screen readers.",
    case_sensitive=False)]
PageSizeOption = Annotated[PageSize, typer.Option(
    "--page-size", help="Trim size of the pages.", case_sensitive=False)]
MaxSizeOption = Annotated[Optional[str], typer.Option(
    "--max-size", metavar="SIZE", help="Size budget of the screen PDF, such as 2MB or 800kB "
                                       "(default 2MB).", show_default=False)]


def _report():
    """What the pipeline reports, as this command line shows it."""
    from .build import Report

    return Report(stage=lambda name, seconds, what: _detail(f"{name:<8} {seconds:.2f} s  {what}"),
                  warn=lambda warning: typer.echo(warning.format(), err=True),
                  progress=_Progress)


def _file_output(value: str | None) -> Path | None:
    """-o for a file. Taken as text, not as a Path: a Path forgets the slash of `-o out/`,
    and the user who types it means a folder, not a file named out."""
    if value is None:
        return None
    if value.endswith(("/", os.sep)):
        raise OutputError(f"{value}: names a folder (it ends with /); give a file name such "
                          f"as {value}brochure.pdf", EXIT_CANT_CREATE)
    return Path(value)


def _build_file(event_file: Path, profile: ProfileName, page_size: PageSize,
                output: str | None, max_size: str | None) -> str:
    """Build and write one PDF; the line that reports it."""
    from .build import build_file

    target_file = _file_output(output)
    built = build_file(event_file, profile.value, page_size.value, target_file,
                       max_size=max_size, report=_report())
    rendered, pdf = built.made.rendered, built.made.finished.pdf
    blanks = f" ({rendered.padding} blank)" if rendered.padding else ""
    return (f"{built.made.target}: {rendered.profile.name}, {page_size.value.upper()}, "
            f"{rendered.pages} pages{blanks}, {len(pdf) / 1024:.0f} kB, "
            f"{built.seconds:.2f} s")


@app.command()
def build(
    event_file: EventFile,
    profile: ProfileOption = ProfileName.screen,
    page_size: PageSizeOption = PageSize.a5,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", help="Where to write the PDF (default: output/EVENT-ID.pdf for "
                               "screen, output/EVENT-ID-print.pdf for print, "
                               "output/EVENT-ID-archive.pdf for archive).",
        show_default=False)] = None,
    max_size: MaxSizeOption = None,
) -> None:
    """Build the brochure PDF of one knowledge day."""

    _guard(lambda: _say(_build_file(event_file, profile, page_size, output, max_size)))


@app.command()
def preview(
    event_file: EventFile,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Folder for the PNG files, named EVENT-ID-p001.png … "
                               "(default: output/preview/EVENT-ID/, …-print/ for print).",
        show_default=False)] = None,
    profile: ProfileOption = ProfileName.screen,
    page_size: PageSizeOption = PageSize.a5,
    pages: Annotated[Optional[str], typer.Option(
        "--pages", metavar="RANGE", help="Pages to render, such as 1-4 or 2,5-7 (default: all).",
        show_default=False)] = None,
    dpi: Annotated[float, typer.Option("--dpi", min=10, max=600,
                                       help="Resolution of the PNG files.")] = 72,
) -> None:
    """Render the brochure as PNG pages and a contact sheet, to look at without a PDF viewer."""

    def run() -> None:
        from .build import preview_file

        shown = preview_file(event_file, profile.value, page_size.value, output, pages=pages,
                             dpi=dpi, report=_report())
        for path in shown.pages:
            _say(str(path))
        _say(f"{shown.sheet} (contact sheet of {len(shown.pages)} pages, "
             f"{shown.size[0]} × {shown.size[1]} px each)")

    _guard(run)


@app.command()
def watch(
    event_file: EventFile,
    profile: ProfileOption = ProfileName.screen,
    page_size: PageSizeOption = PageSize.a5,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", help="Where to write the PDF (default as for build).",
        show_default=False)] = None,
) -> None:
    """Rebuild whenever the event file or one of its images changes; Ctrl-C to stop.

    A mistake is shown and the last good PDF stays where it is.
    """
    from .watch import Watcher

    def build_once() -> None:
        _say(f"{time.strftime('%H:%M:%S')} "
             f"{_build_file(event_file, profile, page_size, output, None)}")

    def attempt() -> None:
        try:
            build_once()
        except KennisdagError as exc:
            for line in exc.lines():
                typer.echo(line, err=True)
            typer.echo(f"{time.strftime('%H:%M:%S')} not rebuilt: fix the problem above and "
                       f"save again (the last good PDF is unchanged)", err=True)

    def run() -> None:
        if not event_file.is_file():  # a typo: there is nothing to watch
            from .loader import display_name

            raise BadInput.single(display_name(event_file), "file not found")
        watcher = Watcher(event_file)  # listening before the first build: no edit is missed
        try:
            watcher.ready.wait(timeout=5)
            attempt()
            _say(f"watching {event_file} and its images; Ctrl-C to stop")
            for changed in watcher:
                _say(f"{time.strftime('%H:%M:%S')} changed: "
                     f"{', '.join(sorted(p.name for p in changed))}")
                attempt()
        except KeyboardInterrupt:
            _say("stopped")
        finally:
            watcher.close()

    _guard(run)


# The languages of i18n's table: a new language needs no change here.
Language = Enum("Language", {code: code for code in LANGUAGES}, type=str)  # type: ignore[misc]


@app.command()
def new(
    folder: Annotated[Path, typer.Argument(help="The folder to create for the new event.",
                                           show_default=False)],
    language: Annotated[Language, typer.Option(
        "--language", "-l", help="Language of the brochure and of the comments.",
        case_sensitive=False)] = Language.nl,
) -> None:
    """Start a new event: a commented event.yaml that builds at once, assets/, recipients.csv."""

    def run() -> None:
        from .new import create

        for path in create(folder, language.value):
            _say(str(path))
        import shlex

        event = shlex.quote(str(folder / "event.yaml"))
        _say(f"next: edit {event}, then kennisdag-pdf preview {event}")

    _guard(run)


@app.command()
def validate(
    event_file: EventFile,
    profile: ProfileOption = ProfileName.screen,
    page_size: PageSizeOption = PageSize.a5,
) -> None:
    """Check an event file without building it: every problem, each on one line, and every
    warning a build of this profile and page size would give before its layout (print: the
    images' resolution at their printed size, four-ink black in logos)."""

    def run() -> None:
        from .build import validate as validate_event

        day = validate_event(event_file, profile.value, page_size.value, report=_report()).day
        unlisted = len(day.participants) - len(day.listed_participants)
        hidden = f" ({unlisted} not listed)" if unlisted else ""
        _say(f"{event_file}: valid ({len(day.agenda)} agenda items, "
             f"{len(day.listed_participants)} participants{hidden}, {len(day.theses)} theses)")

    _guard(run)


PdfFile = Annotated[Path, typer.Argument(help="A PDF made by kennisdag-pdf build.",
                                         show_default=False)]


@app.command()
def impose(
    brochure: PdfFile,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", help="Where to write the sheets (default: beside the brochure, "
                               "…-booklet.pdf).", show_default=False)] = None,
    creep: Annotated[Optional[str], typer.Option(
        "--creep", metavar="MM", help="Move the pages of the centre sheet this far towards the "
                                      "spine, such as 0.4 (mm, at most 5), for the inner "
                                      "sheets that stick out once folded; the sheets between "
                                      "move in proportion, the outer one not at all (default "
                                      "0).", show_default=False)] = None,
    paper_thickness: Annotated[Optional[str], typer.Option(
        "--paper-thickness", metavar="THICKNESS", help="Instead of --creep: the paper's "
                                                       "thickness, such as 0.1mm or 100µm; "
                                                       "the centre sheet of n sheets moves "
                                                       "(n − 1) × this.",
        show_default=False)] = None,
) -> None:
    """Impose a print PDF as saddle-stitch sheets: two pages per side, in printer's order.

    Says the press sheet they need (SRA4 for A5 pages); --creep or --paper-thickness moves
    the inner sheets' pages towards the spine.
    """

    def run() -> None:
        from .foreign import impose_file
        from .impose import creep_from_options

        chosen = creep_from_options(creep, paper_thickness)  # before the PDF is read
        target, booklet = impose_file(brochure, _file_output(output), chosen)
        sheets = f"{booklet.sheets} sheet{'s' if booklet.sheets > 1 else ''}"
        _say(f"{target}: {booklet.pages} pages on {sheets} "
             f"({booklet.sheets * 2} sheet sides), {booklet.sheet_text}, "
             f"{len(booklet.pdf) / 1024:.0f} kB")

    _guard(run)


@app.command()
def extract(
    archive_pdf: Annotated[Path, typer.Argument(
        help="An archive PDF (made with --profile archive).", show_default=False)],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Folder for the event file and its images (default: "
                               "output/ARCHIVE-NAME-source/).", show_default=False)] = None,
) -> None:
    """Write out the event file and images an archive PDF carries, ready to rebuild."""

    def run() -> None:
        from .sourcemap import one_line
        from .foreign import extract_file

        extracted = extract_file(archive_pdf, output)
        for path in extracted.files:
            _say(one_line(path))
        _say(f"rebuild: {extracted.rebuild}")

    _guard(run)


IntoOption = Annotated[Path, typer.Option(
    "--into", help="The archive folder, with its catalogue.sqlite.", show_default=True)]


@app.command()
def archive(
    event_file: EventFile,
    into: IntoOption = Path("archive"),
    page_size: PageSizeOption = PageSize.a5,
    new_version: Annotated[bool, typer.Option(
        "--new-version", help="File a changed source under an id that is already archived, "
                              "keeping the earlier version.")] = False,
) -> None:
    """Build the PDF/A archive copy and file it, with its source, in the archive's catalogue."""

    def run() -> None:
        from .sourcemap import one_line
        from .build import archive_event
        from .loader import display_name

        archived = archive_event(event_file, into, page_size.value, new_version=new_version,
                                 report=_report())
        filed, rendered, finished = archived.filed, archived.made.rendered, archived.made.finished
        target = archived.made.target
        entry = filed.entry
        where = display_name(into / entry.folder)
        if not filed.new:
            _say(f"{where}: already archived (version {entry.version}, {entry.archived_at}); "
                 f"nothing changed")
            return
        _say(f"{where}/: {target.name} (PDF/A-3a and PDF/UA-1, validated, {rendered.pages} pages, "
             f"{len(finished.pdf) / 1024:.0f} kB), {one_line(finished.source.name)} and its "
             f"{len(finished.source.assets)} images, SHA256SUMS; version {entry.version}, "
             f"{archived.seconds:.2f} s")

    _guard(run)


catalogue_app = typer.Typer(no_args_is_help=True, help="The archive's catalogue: list, "
                                                       "search and verify what was filed.")
app.add_typer(catalogue_app, name="catalogue")


@catalogue_app.command("list")
def catalogue_list(into: IntoOption = Path("archive")) -> None:
    """Every archived publication, oldest first."""

    def run() -> None:
        from .catalogue import Catalogue

        with Catalogue(into, create=False) as catalogue:
            entries = catalogue.entries()
        rows = [(e.date, e.id + (f" v{e.version}" if e.version > 1 else ""), e.title,
                 f"{e.venue}, {e.city}", str(e.participants), str(e.theses), str(e.pages),
                 e.archived_at[:10]) for e in entries]
        _table(("date", "id", "title", "venue", "people", "theses", "pages", "archived"),
               rows)
        _say(f"{len(entries)} publication{'s' if len(entries) != 1 else ''} in "
             f"{into / 'catalogue.sqlite'}")

    _guard(run)


@catalogue_app.command("search")
def catalogue_search(
    text: Annotated[str, typer.Argument(help="Words to find (all of them), in the title, "
                                             "subtitle, venue or text.", show_default=False)],
    into: IntoOption = Path("archive"),
) -> None:
    """Find publications by their words; accents and case do not matter."""

    def run() -> None:
        from .catalogue import Catalogue

        with Catalogue(into, create=False) as catalogue:
            hits = catalogue.search(text)
        for hit in hits:
            e = hit.entry
            _say(f"{e.date}  {e.id}{f' v{e.version}' if e.version > 1 else ''}  {e.title}")
            _say(f"    {' '.join(hit.snippet.split())}")
        if not hits:
            _say(f"no publication has all of these words: {text}")

    _guard(run)


@catalogue_app.command("verify")
def catalogue_verify(into: IntoOption = Path("archive")) -> None:
    """Rehash every archived file and re-validate every PDF/A; fail naming what changed."""

    def run() -> None:
        from .archive import verify
        from .sourcemap import one_line

        bar = _Counter("verifying")
        try:
            failures, notes, checked = verify(into, progress=bar)
        finally:
            bar.done()
        for note in notes:  # a path from the catalogue may hold anything: one line each
            typer.echo(f"{one_line(into / note.path)}: {note.message}", err=True)
        for failure in failures:
            typer.echo(f"{one_line(into / failure.path)}: {failure.message}", err=True)
        if failures:
            typer.echo(f"{len(failures)} problem{'s' if len(failures) > 1 else ''} in "
                       f"{checked} files", err=True)
            raise typer.Exit(EXIT_PREFLIGHT)
        _say(f"{into}: {checked} files intact, every PDF/A valid")

    _guard(run)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in (header, *rows):
        _say("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


@app.command()
def check(
    pdf: PdfFile,
    rules: Annotated[Optional[ProfileName], typer.Option(
        "--rules", "--profile", "-p", help="Which product's rule set to apply: print (a "
                                           "print shop's preflight: PDF/X-4, ink coverage, "
                                           "overprint, fine detail, bleed), screen or archive "
                                           "(default: archive when the file claims PDF/A, "
                                           "print when it has bleed, otherwise screen).",
        case_sensitive=False, show_default=False)] = None,
    max_size: Annotated[Optional[str], typer.Option(
        "--max-size", metavar="SIZE", help="Size budget (default: the profile's; 2MB for "
                                           "screen).", show_default=False)] = None,
) -> None:
    """Preflight a finished PDF by its product's rules: pages, boxes, fonts, colours, inks,
    images, size, PDF/X or PDF/A, tags; pass or fail."""

    def run() -> None:
        from .foreign import check_file

        report = check_file(pdf, rules.value if rules else None, max_size)
        for line in report.lines():
            # --quiet keeps what failed and the verdict
            if not _state["quiet"] or "FAIL" in line or line.strip() == "PASS":
                typer.echo(line)
        if not report.passed:
            raise typer.Exit(EXIT_PREFLIGHT)

    _guard(run)


TlsMode = Enum("TlsMode", {mode: mode for mode in DEFAULT_PORTS}, type=str)  # type: ignore[misc]
SmtpAuth = Enum("SmtpAuth", {m: m for m in ("password", "xoauth2")}, type=str)  # type: ignore[misc]
Via = Enum("Via", {m: m for m in ("smtp", "graph")}, type=str)  # type: ignore[misc]


@app.command()
def mail(
    event_file: EventFile,
    recipients: Annotated[Path, typer.Option(
        "--recipients", "-r", metavar="CSV",
        help="The recipients: columns name,email and optionally language,salutation. A "
             "mail.yaml beside it sets the sender, Reply-To and texts (see docs/mail.md).",
        show_default=False)],
    send: Annotated[bool, typer.Option(
        "--send", help="Send for real (without it: a dry run writing one .eml file per "
                       "recipient).")] = False,
    status: Annotated[bool, typer.Option(
        "--status", help="Report the journal: who has the brochure, who not and why.")] = False,
    smtp_host: Annotated[Optional[str], typer.Option(
        "--smtp-host", metavar="HOST", help="The SMTP server to send through.",
        show_default=False)] = None,
    smtp_port: Annotated[Optional[int], typer.Option(
        "--smtp-port", metavar="PORT", min=1, max=65535,
        help="Default: 587 with starttls, 465 with ssl, 25 with none.", show_default=False)] = None,
    smtp_user: Annotated[Optional[str], typer.Option(
        "--smtp-user", metavar="USER", help="Log in as USER; the password is read only from "
                                            "the environment variable KENNISDAG_SMTP_PASSWORD.",
        show_default=False)] = None,
    tls: Annotated[TlsMode, typer.Option(
        "--tls", help="starttls: encrypt, and refuse a server that does not offer it; ssl: "
                      "TLS from the first byte (port 465); none: plain text, only to a server "
                      "on this machine.", case_sensitive=False)] = TlsMode.starttls,
    cafile: Annotated[Optional[Path], typer.Option(
        "--cafile", metavar="PEM", help="Trust the CA certificates in this file instead of the "
                                        "system's (a private CA; SSL_CERT_FILE works too).",
        show_default=False)] = None,
    journal: Annotated[Optional[Path], typer.Option(
        "--journal", metavar="PATH", help="The journal of who was sent what (default: beside "
                                          "the CSV, as CSV.journal.sqlite).",
        show_default=False)] = None,
    retry_unknown: Annotated[bool, typer.Option(
        "--retry-unknown", help="Also mail those whose message may have arrived (the "
                                "connection broke after it was sent).")] = False,
    new_mailing: Annotated[bool, typer.Option(
        "--new-mailing", help="Begin a new mailing after the PDF or the CSV changed; "
                              "whoever already has this very PDF is skipped.")] = False,
    sender: Annotated[Optional[str], typer.Option(
        "--from", metavar="ADDRESS", help="'Name <address>' of the sender (default: from: in "
                                          "mail.yaml).", show_default=False)] = None,
    rate: Annotated[Optional[float], typer.Option(
        "--rate", metavar="N", min=0,
        help="At most N messages a minute (0: no limit). Default: 60, or the provider's "
             "limit: 30 for Microsoft 365 (SMTP and Graph) and Gmail.",
        show_default=False)] = None,
    max_attachment: Annotated[str, typer.Option(
        "--max-attachment", metavar="SIZE", help="Refuse to attach a brochure larger than "
                                                 "this.")] = "10MB",
    retry_wait: Annotated[float, typer.Option(
        "--retry-wait", metavar="SECONDS", min=0, help="Wait after a temporary failure, "
                                                       "doubled for each one in a row.")] = 5,
    pause_after: Annotated[int, typer.Option(
        "--pause-after", metavar="N", min=1, help="Pause after N temporary failures in a "
                                                  "row (exit 69); rerun later to resume.")] = 5,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Folder for the dry run's .eml files (default: "
                               "output/outbox/EVENT-ID/).", show_default=False)] = None,
    page_size: PageSizeOption = PageSize.a5,
    smtp_auth: Annotated[Optional[SmtpAuth], typer.Option(
        "--smtp-auth", case_sensitive=False,
        help="password (default): --smtp-user with KENNISDAG_SMTP_PASSWORD; xoauth2: sign in "
             "with an OAuth2 access token (Microsoft 365, Google) from --token-command, "
             "KENNISDAG_SMTP_TOKEN or the sign-in kept by `kennisdag-pdf login microsoft` or "
             "`login google` (provider: in mail.yaml, else the host's, says which), as "
             "--smtp-user (default: the From address).",
        show_default=False)] = None,
    token_command: Annotated[Optional[str], typer.Option(
        "--token-command", metavar="CMD",
        help="A command that prints an access token on its first line (run without a shell, "
             "again when the token expires), such as 'oama access ADDRESS'.",
        show_default=False)] = None,
    via: Annotated[Optional[Via], typer.Option(
        "--via", case_sensitive=False,
        help="smtp (default) or graph: send through Microsoft Graph as the From address, "
             "with a token from --token-command, KENNISDAG_GRAPH_TOKEN or the sign-in kept by "
             "`kennisdag-pdf login microsoft --for graph`.",
        show_default=False)] = None,
) -> None:
    """Mail the screen brochure to every participant, each their own message: a dry run
    unless --send.

    The journal makes a rerun resume: nobody who was sent the brochure is mailed again.
    Exit codes: 0 everyone has it; 2 bad input or server settings; 69 paused after
    temporary failures; 75 not everyone has it (see --status); 130 interrupted.
    """

    def run() -> None:
        from .mail.run import Options, Voice
        from .mail.run import run as run_mailing

        options = Options(
            event_file=event_file, recipients=recipients, send=send, status=status,
            smtp_host=smtp_host, smtp_port=smtp_port, smtp_user=smtp_user, tls=tls.value,
            cafile=cafile, journal=journal, retry_unknown=retry_unknown,
            new_mailing=new_mailing, sender=sender, rate=rate, max_attachment=max_attachment,
            retry_wait=retry_wait, pause_after=pause_after, output=output,
            page_size=page_size.value, smtp_auth=smtp_auth.value if smtp_auth else None,
            token_command=token_command, via=via.value if via else None)
        code = run_mailing(options, Voice(
            say=_say, warn=lambda line: typer.echo(line, err=True), detail=_detail,
            table=_table, counter=_Counter, build=_report()))
        if code:
            raise typer.Exit(code)

    _guard(run)


SignInProvider = Enum("SignInProvider", {m: m for m in ("microsoft", "google")},  # type: ignore[misc]
                      type=str)
SignInFor = Enum("SignInFor", {m: m for m in ("smtp", "graph")}, type=str)  # type: ignore[misc]


@app.command()
def login(
    provider: Annotated[Optional[SignInProvider], typer.Argument(
        help="microsoft: Microsoft 365 (Exchange Online); google: Google Workspace or Gmail "
             "(default: provider: in mail.yaml).", case_sensitive=False,
        show_default=False)] = None,
    client_id: Annotated[Optional[str], typer.Option(
        "--client-id", metavar="ID", help="The client id of your organisation's app "
                                          "registration or OAuth client (default: client_id: "
                                          "in mail.yaml; see docs/mail.md).",
        show_default=False)] = None,
    tenant: Annotated[Optional[str], typer.Option(
        "--tenant", metavar="T", help="microsoft: your tenant's domain or id (default: tenant: "
                                      "in mail.yaml, else organizations, any work or school "
                                      "account).", show_default=False)] = None,
    purpose: Annotated[Optional[SignInFor], typer.Option(
        "--for", case_sensitive=False,
        help="microsoft: smtp (default) for mail --smtp-auth xoauth2 (SMTP.Send); graph for "
             "mail --via graph (Mail.Send). Sign in once for each you use.",
        show_default=False)] = None,
    device_code: Annotated[bool, typer.Option(
        "--device-code", help="microsoft: sign in on another device with a code, for a "
                              "machine without a browser (some tenants do not allow it; "
                              "Google does not for mail).")] = False,
    client_secrets: Annotated[Optional[Path], typer.Option(
        "--client-secrets", metavar="FILE",
        help="google: the client secrets JSON of your OAuth client (Desktop app), as Google "
             "Cloud console downloads it; without it the secret is read from "
             "KENNISDAG_GOOGLE_CLIENT_SECRET.", show_default=False)] = None,
    settings: Annotated[Optional[Path], typer.Option(
        "--settings", metavar="FILE", help="The mail.yaml to read provider:, client_id: and "
                                           "tenant: from (default: mail.yaml in the current "
                                           "folder, if there is one).",
        show_default=False)] = None,
) -> None:
    """Sign in to your mail provider for `mail`; the refresh token is kept, readable only by
    you: in the system keyring where there is one, else in your config folder
    (~/.config/kennisdag-pdf/)."""

    def run() -> None:
        from .mail.signin import login as sign_in

        # What the organiser must do to sign in is shown even with --quiet, on stderr
        _, signed_in, place = sign_in(
            provider.value if provider else None, client_id=client_id, tenant=tenant,
            purpose=purpose.value if purpose else None, device_code=device_code,
            client_secrets=client_secrets, settings=settings,
            say=lambda line: typer.echo(line, err=True))
        _say(f"signed in {signed_in}; kept in {place} (remove it with 'kennisdag-pdf logout')")

    _guard(run)


@app.command()
def logout(
    provider: Annotated[Optional[SignInProvider], typer.Argument(
        help="microsoft or google (default: every provider).", case_sensitive=False,
        show_default=False)] = None,
) -> None:
    """Remove the sign-ins `login` kept, from the keyring and the config folder."""

    def run() -> None:
        from .mail.signin import PROVIDERS
        from .mail.signin import logout as forget

        removed = forget((provider.value,) if provider else PROVIDERS)
        for place in removed:
            _say(f"removed {place}")
        if not removed:
            _say("nothing to remove: not signed in")

    _guard(run)


@app.command()
def schema() -> None:
    """Print the event file format as JSON Schema (for editors and other tools)."""

    def run() -> None:
        from .schema import json_schema

        sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    _guard(run)


def run(argv: list[str], *, stdout=None, stderr=None) -> int:
    """One command, in process: everything main() does except what belongs to a process
    (the memory ceiling on foreign PDFs, leaving with os._exit). It prints to the streams
    given (default: the process's own) and returns the exit status; the next run starts from
    the same state."""
    # Libraries log what they repair or doubt (fontTools of a damaged font's dates, pikepdf
    # of an XMP packet) through Python's last-resort handler, straight onto the user's
    # terminal; our own checks decide about the file and say it in one line.
    if not logging.getLogger().handlers:
        logging.getLogger().addHandler(logging.NullHandler())
    with contextlib.redirect_stdout(stdout or sys.stdout), \
            contextlib.redirect_stderr(stderr or sys.stderr):
        try:
            _command_line(argv)
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
        finally:
            _state.update(debug=False, quiet=False, verbose=False)
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)  # what Python does with sys.exit("message")
            code = 1
    return code or 0


def main() -> None:
    """The console script: usage errors become one line, like every other error.

    It leaves with os._exit once its streams are flushed: Python would otherwise free every
    object one by one on the way out, 0.1 s after the 2011 brochure and 0.17 s after a
    thousand pages, for memory the system takes back at once. Nothing is left to do by then:
    outputs are renamed into place, files closed, the mail journal synced at every step.
    """
    from .isolation import use_memory_ceiling

    use_memory_ceiling()  # a console run works on a foreign PDF in a capped child process
    code = run(sys.argv[1:])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, a stream already closed
            pass
    os._exit(code)


def _command_line(argv: list[str]) -> None:
    try:
        code = app(args=argv, prog_name="kennisdag-pdf", standalone_mode=False)
    except typer.TyperException as exc:  # the command line itself is wrong
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" or not hasattr(exc, "format_message"):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(getattr(exc, "exit_code", EXIT_BAD_INPUT))
        command = ctx.command_path if ctx is not None else "kennisdag-pdf"
        message = exc.format_message().replace("Value error, ", "").rstrip(".")
        typer.echo(f"{command}: {message} (see '{command} --help')", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except typer.Abort:
        typer.echo("interrupted; nothing was written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)
