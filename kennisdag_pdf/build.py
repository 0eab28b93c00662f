"""The pipeline the commands share: load → render → finish, and what build, preview and
archive do with the result; validate, which stops after the load's checks.

It prints nothing: it returns what it made, raises KennisdagError, and reports its progress
through the callbacks it is given (Report). One module rather than a `commands/` package: the
commands differ only in where the finished PDF goes, and that is a few lines each (the
commands on a PDF someone handed us are foreign.py's, mail's are mail/run.py's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import BadInput
from .profiles import DEFAULT_PAGE_SIZE, DEFAULT_PROFILE, PROFILES

if TYPE_CHECKING:  # the heavy modules load only when a command runs
    from .archive import Filed
    from .finish import Finished
    from .loader import LoadedEvent
    from .preview import Preview
    from .profiles import Profile
    from .published import Published
    from .render import Rendered


def _nothing(*args) -> None:
    pass


class _NoProgress:
    def __call__(self, page: int) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass(frozen=True)
class Report:
    """How a run tells its caller what it is doing. stage(name, seconds, what) after each
    stage; warn(warning) for each warning about the data or its layout, once the layout has
    succeeded; progress() makes the callback that the layout calls with each page number
    (it has done(), called when the layout ends, however it ends)."""

    stage: Callable[[str, float, str], None] = _nothing
    warn: Callable[[object], None] = _nothing
    progress: Callable[[], Callable[[int], None]] = _NoProgress


def rendered_from(loaded: LoadedEvent, profile: Profile) -> tuple[LoadedEvent, Published | None]:
    """What a profile renders and the source it carries: an archive copy is rendered from
    exactly the published source it embeds (so that extract, then build, gives the same PDF);
    every other profile renders the event as loaded and carries nothing."""
    if not profile.archival:
        return loaded, None
    from .published import published_event

    return published_event(loaded)


def size_budget(max_size: str | None) -> int | None:
    """--max-size as bytes; None for the profile's own budget."""
    if max_size is None:
        return None
    from .units import parse_size

    try:
        return parse_size(max_size)
    except ValueError as exc:
        raise BadInput.single("--max-size", str(exc)) from None


@dataclass(frozen=True)
class Made:
    loaded: LoadedEvent  # what was rendered: the published source for an archive copy
    rendered: Rendered
    finished: Finished
    target: Path


def make(event_file: Path, profile: str, page_size: str, target_for, *,
         max_size: str | None = None, folder: bool = False, report: Report = Report()) -> Made:
    """load → render → finish. target_for(loaded, profile) names the file (or with
    folder=True the folder) the result goes to; it is checked before the slow part."""
    from .checks import alt_warnings
    from .finish import finish
    from .loader import display_name, load
    from .output import check_folder, check_target
    from .profiles import PROFILES
    from .render import check_environment, render

    check_environment()
    chosen = PROFILES[profile]
    budget = size_budget(max_size)
    clock = time.perf_counter()
    loaded = load(event_file)
    report.stage("load", time.perf_counter() - clock,
                 f"{event_file}, {len(loaded.images)} images")
    target = target_for(loaded, chosen)
    if folder:
        check_folder(target)
    else:
        check_target(target, [loaded.source, *(a.path for a in loaded.images.values())])
    # At the user's own file: an archive copy renders from its published source, a file
    # in a temporary folder with lines of its own.
    advice = alt_warnings(loaded)
    loaded, source = rendered_from(loaded, chosen)
    clock = time.perf_counter()
    progress = report.progress()
    try:
        rendered = render(loaded, chosen, page_size, progress=progress)
    finally:
        progress.done()
    report.stage("render", time.perf_counter() - clock,
                 f"{chosen.name}, {page_size.upper()}, {rendered.pages} pages")
    # The data's own warnings come with the layout's, in the file's order; a build that
    # stops before its layout has a problem to report, not advice.
    for warning in sorted((*advice, *rendered.warnings)):
        report.warn(warning)
    clock = time.perf_counter()
    finished = finish(rendered, loaded, name=display_name(target), size_budget=budget,
                      source=source)
    report.stage("finish", time.perf_counter() - clock,
                 f"preflight passed, {len(finished.pdf) / 1024:.0f} kB")
    return Made(loaded, rendered, finished, target)


@dataclass(frozen=True)
class Built:
    made: Made
    seconds: float


def build_file(event_file: Path, profile: str, page_size: str, output: Path | None, *,
               max_size: str | None = None, report: Report = Report()) -> Built:
    """Build one PDF and write it to output (default: output/<its profile's name>)."""
    from .output import write_atomic

    started = time.perf_counter()
    made = make(event_file, profile, page_size,
                lambda loaded, chosen: output or Path("output") / chosen.output_name(
                    loaded.day.event.id), max_size=max_size, report=report)
    write_atomic(made.target, made.finished.pdf)
    return Built(made, time.perf_counter() - started)


def preview_file(event_file: Path, profile: str, page_size: str, output: Path | None, *,
                 pages: str | None, dpi: float, report: Report = Report()) -> Preview:
    """The brochure as PNG pages and a contact sheet in output (default:
    output/preview/<its profile's name>/), each file named after the brochure
    (kennisdag-2011-print-p001.png), whatever the folder is called."""
    from .preview import write_preview

    def name_of(loaded, chosen):
        return chosen.output_name(loaded.day.event.id).removesuffix(".pdf")

    made = make(event_file, profile, page_size,
                lambda loaded, chosen: output or Path("output") / "preview" / name_of(
                    loaded, chosen), folder=True, report=report)
    return write_preview(made.finished.pdf, made.target,
                         slug=name_of(made.loaded, made.rendered.profile), pages=pages,
                         dpi=dpi)


@dataclass(frozen=True)
class Archived:
    made: Made
    filed: Filed
    seconds: float


def archive_event(event_file: Path, into: Path, page_size: str, *, new_version: bool,
                  report: Report = Report()) -> Archived:
    """Build the archive copy and file it, with its source, in the archive at into."""
    from .archive import check_archive_folder, file_publication

    started = time.perf_counter()
    check_archive_folder(into)
    made = make(event_file, "archive", page_size,
                lambda loaded, chosen: into / chosen.output_name(loaded.day.event.id),
                folder=True, report=report)
    filed = file_publication(into, pdf=made.finished.pdf, pdf_name=made.target.name,
                             source=made.finished.source, day=made.loaded.day,
                             pages=made.rendered.pages, new_version=new_version)
    return Archived(made, filed, time.perf_counter() - started)


def validate(event_file: Path, profile: str = DEFAULT_PROFILE,
             page_size: str = DEFAULT_PAGE_SIZE, *, report: Report = Report()) -> LoadedEvent:
    """The event file checked as a build of this profile and page size would check it,
    without building: everything the build would refuse or warn about that is known before
    its layout (checks.before_layout). Its images are read only as far as those checks need:
    a photograph's pixels at an eighth, unless the profile prints in CMYK, whose logos are
    judged as the press gets them. The warnings go to report.warn once the file has passed
    every check."""
    from .checks import before_layout
    from .loader import load
    from .render import check_environment

    check_environment()  # as a build: SOURCE_DATE_EPOCH, a print shop's colour profile
    chosen = PROFILES[profile]
    loaded = load(event_file, full_images=chosen.colour_space == "cmyk")
    for warning in before_layout(loaded, chosen, page_size):
        report.warn(warning)
    return loaded
