"""What check, impose and extract do with a PDF someone handed us: read it under a size limit,
then work on it through isolation.foreign_pdf_work (a capped child process from the console).

Like build.py it prints nothing: it returns what it made or raises KennisdagError.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .isolation import foreign_pdf_work

if TYPE_CHECKING:  # the heavy modules load only when a command runs
    from .archive import Extracted
    from .impose import Booklet, Creep
    from .preflight import Report


def read_pdf(path: Path) -> bytes:
    from .reading import display_name, read_input
    from .pdfin import MAX_PDF_BYTES
    from .units import human_size

    return read_input(path, display_name(path), kind="PDF file", limit=MAX_PDF_BYTES,
                      too_big=lambda size, limit: f"is {human_size(size)}, over the "
                      f"{human_size(limit)} a PDF to check, impose or extract may have")


def impose_file(brochure: Path, output: Path | None,
                creep: Creep | None = None) -> tuple[Path, Booklet]:
    """The print PDF brochure imposed as saddle-stitch sheets and written to output (default:
    beside it, …-booklet.pdf), with creep (none by default); where it went and what it is."""
    from .impose import Creep, impose
    from .output import check_target, write_atomic
    from .reading import display_name

    target = output or brochure.with_name(brochure.stem.removesuffix("-print") + "-booklet.pdf")
    check_target(target, [brochure])
    name = display_name(brochure)
    data = read_pdf(brochure)
    booklet = foreign_pdf_work(name, lambda: impose(data, name, creep=creep or Creep()))
    write_atomic(target, booklet.pdf)
    return target, booklet


def extract_file(archive_pdf: Path, output: Path | None) -> Extracted:
    """The source an archive PDF carries, written into output (default:
    output/<its name>-source/)."""
    from .archive import extract
    from .output import check_folder
    from .pdfin import refuse_damaged
    from .reading import display_name

    folder = output or Path("output") / f"{archive_pdf.stem}-source"
    check_folder(folder)
    name = display_name(archive_pdf)
    data = read_pdf(archive_pdf)
    foreign_pdf_work(name, lambda: refuse_damaged(data, name))  # before any file is made
    return extract(data, name, folder)


def check_file(pdf: Path, rules: str | None, max_size: str | None) -> Report:
    """The preflight of pdf by a product's rule set (print, screen or archive; default: the
    one the file looks made for) and its size budget (default: the product's). A print file
    someone handed us is held to the ink limit its output intent states (else 300 %), and
    its managed colour and knocking-out black only warn: those are errors in our own builds
    alone (finish.py)."""
    from .build import size_budget
    from .preflight import detect_profile, preflight
    from .profiles import PROFILES
    from .reading import display_name

    data = read_pdf(pdf)
    name = display_name(pdf)
    chosen = rules or foreign_pdf_work(name, lambda: detect_profile(data))
    budget = size_budget(max_size)
    if budget is None:
        budget = PROFILES[chosen].size_budget
    return foreign_pdf_work(name, lambda: preflight(data, profile=chosen, name=name,
                                                    size_budget=budget))
