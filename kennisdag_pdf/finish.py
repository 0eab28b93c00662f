"""Rendered PDF → finished product: each profile's last step, and its own preflight.

A print file that fails the print checks (PDF/X-4 among them), or a screen file over its size
budget, is never written: the caller gets an error instead of a file that a print shop would
send back.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from .errors import BadInput, PreflightFailed
from .loader import LoadedEvent
from .profiles import human_size
from .published import Published
from .render import Rendered


@dataclass(frozen=True)
class Finished:
    pdf: bytes
    report: object  # preflight.Report
    source: Published | None = None  # what an archive copy carries


def finish(rendered: Rendered, loaded: LoadedEvent, *, name: str,
           size_budget: int | None = None, source: Published | None = None) -> Finished:
    """source: the published source an archival profile embeds (published.published_event)."""
    from .preflight import preflight

    profile = rendered.profile
    pdf = rendered.pdf
    if profile.strip_annotations:
        pdf = _without_annotations(pdf)
    if profile.colour_space == "cmyk":
        pdf = _press_ready(pdf)
    if profile.archival:
        if source is None:
            raise ValueError("the archive profile needs the published source to embed")
        pdf = _archival(rendered, pdf, source, name)
    budget = size_budget if size_budget is not None else profile.size_budget
    if budget is not None and len(pdf) > budget:
        raise _over_budget(rendered, loaded, len(pdf), budget, name)
    # make_archive has just validated these very bytes as PDF/A-3a and PDF/UA-1: no need to
    # do it twice; a screen file is judged as PDF/UA-1 by page-validation here. Drawing
    # operators matter where colours and resolutions are rules (print); the tests read the
    # tags of every build with our own checker too (`check` does).
    # A press file is judged by the print rule set, with our own stricter colour rule (no
    # managed RGB or Lab) and the ink limit of the condition it was separated for. Its TAC is
    # not composited here (0.13 s and 40 MB more for the 2011 print file): the palette and
    # the profile's separation bound it, and the tests hold both data files to it against
    # Ghostscript; `check` composites every file. 100 % K that knocks out fails our own build
    # (its canvas overprints it: a knockout is a bug here, a warning in someone else's file).
    press = profile.colour_space == "cmyk"
    report = preflight(pdf, profile=profile.name, name=name, size_budget=budget,
                       validate_pdfa=not profile.archival and profile.accessibility == "required",
                       read_content=press or bool(profile.warn_dpi),
                       ink_limit=_ink_limit() if press else None, own_build=True,
                       black_must_overprint=True, measure_ink=False)
    if not report.passed:
        raise PreflightFailed(name, report.lines())
    return Finished(pdf, report, source if profile.archival else None)


def _ink_limit() -> int | None:
    from .images import print_condition

    condition = print_condition()  # _press_ready has refused a print build without one
    return condition.ink_limit if condition is not None else None


def _archival(rendered: Rendered, pdf: bytes, source: Published, name: str) -> bytes:
    from .pdfa import ArchiveMetadata, make_archive

    info = rendered.info
    meta = ArchiveMetadata(
        title=info.title, description=info.subject, creators=list(info.authors),
        event_date=info.event_date, language=info.language,
        keywords=list(info.keywords), tool=info.creator, built=info.built)
    return make_archive(pdf, source, meta, name=name)


def _press_ready(pdf: bytes) -> bytes:
    """PDF/X-4 for the printing condition the images were separated for (pdfx.py)."""
    from .errors import SetupError
    from .images import print_condition
    from .pdfx import make_pdfx

    condition = print_condition()
    if condition is None:
        raise SetupError("no CMYK output profile in assets/profiles/ and none named in "
                         "KENNISDAG_CMYK_PROFILE: a print file must name its printing "
                         "condition; reinstall kennisdag-pdf")
    return make_pdfx(pdf, condition)


def _without_annotations(pdf: bytes) -> bytes:
    """Paper cannot be clicked: link annotations would only trouble a print shop's preflight."""
    import pikepdf

    with pikepdf.open(BytesIO(pdf)) as document:
        for page in document.pages:
            if "/Annots" in page.obj:
                del page.obj.Annots
        out = BytesIO()
        document.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()


def _over_budget(rendered: Rendered, loaded: LoadedEvent, size: int, budget: int,
                 name: str) -> BadInput:
    by_file: dict[str, int] = {}
    for placed in rendered.images:
        by_file[placed.asset.rel] = by_file.get(placed.asset.rel, 0) + len(placed.data)
    largest = sorted(by_file.items(), key=lambda item: -item[1])[:3]
    named = ", ".join(f"{rel} ({human_size(n)})" for rel, n in largest)
    message = (f"{human_size(size)} is over the {rendered.profile.name} budget of "
               f"{human_size(budget)}")
    if named:
        message += f"; largest images: {named} (use smaller images, or raise the budget " \
                   f"with --max-size)"
    else:
        message += "; it has no images to shrink: raise the budget with --max-size"
    return BadInput.single(name, message)

