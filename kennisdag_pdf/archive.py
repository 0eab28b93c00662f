"""Archive PDF → filed publication: a folder per publication and a line in the catalogue.

    archive/
      catalogue.sqlite                  every publication, its files and checksums, full text
      2011/kennisdag-2011/              version 1
        kennisdag-2011-archive.pdf      PDF/A-3b carrying the published source
        kennisdag-2011.yaml             the published source and its images
        assets/…
        SHA256SUMS                      `sha256sum -c SHA256SUMS` checks the folder by itself
      2011/kennisdag-2011-v2/           a later version (--new-version)

Filing is crash-safe in this order: the files are written and fsynced in a staging folder,
the staging folder is renamed to its final name, and only then is the catalogue entry
committed. A run killed before the commit leaves at most a folder the catalogue does not
know (the next run of the same publication replaces it); the catalogue never names a file
that is not complete, so `catalogue verify` passes after a crash at any point.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import __version__, crashpoints
from .catalogue import Catalogue, Entry, FileRecord
from .errors import BadInput, OutputError, EXIT_CANT_CREATE
from .model import KnowledgeDay
from .output import fsync_folder
from .published import Published, safe_relative

MANIFEST = "SHA256SUMS"
STAGING_PREFIX = ".staging-"


@dataclass(frozen=True)
class Filed:
    entry: Entry
    new: bool  # False: the same source was already filed, nothing was written


@dataclass(frozen=True)
class Problem:
    path: str  # relative to the archive folder
    message: str


def file_publication(root: Path, *, pdf: bytes, pdf_name: str, source: Published,
                     day: KnowledgeDay, pages: int, new_version: bool = False) -> Filed:
    """File one archive PDF with its source; idempotent for the same source."""
    with Catalogue(root, create=True) as catalogue:
        catalogue.begin_filing()
        try:
            crashpoints.reached("archive-locked")
            _clear_staging(root)
            filed = _file(catalogue, root, pdf, pdf_name, source, day, pages, new_version)
            if filed.new:
                crashpoints.reached("archive-recorded")
                catalogue.commit()
                crashpoints.reached("archive-committed")
            else:
                catalogue.rollback()
            return filed
        except BaseException:
            catalogue.rollback()
            raise


def _file(catalogue: Catalogue, root: Path, pdf: bytes, pdf_name: str, source: Published,
          day: KnowledgeDay, pages: int, new_version: bool) -> Filed:
    event = day.event
    latest = catalogue.latest(event.id)
    if latest is not None:
        if latest.source_sha256 == source.sha256:
            return Filed(latest, new=False)
        if not new_version:
            raise BadInput.single(
                str(root / latest.folder), f"'{event.id}' is already archived (version "
                f"{latest.version}, {latest.archived_at}) from a different source; file this "
                f"one as a new version with --new-version, the old one is kept")
    version = latest.version + 1 if latest else 1
    folder = f"{event.date.year:04d}/{event.id}" + (f"-v{version}" if version > 1 else "")
    files = [(pdf_name, pdf), *source.files()]
    staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    try:
        records = _write_folder(staging, files, folder, event.id, version)
        crashpoints.reached("archive-staged")
        _move_into_place(staging, root / folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{root / folder}: could not be written: "
                          f"{(exc.strerror or str(exc)).lower()}", EXIT_CANT_CREATE) from None
    crashpoints.reached("archive-moved")
    entry = Entry(
        id=event.id, version=version, title=event.title, subtitle=event.subtitle,
        date=event.date.isoformat(), venue=event.venue, city=event.city,
        language=event.language, participants=len(day.listed_participants),
        theses=len(day.theses), pages=pages, folder=folder, pdf=f"{folder}/{pdf_name}",
        pdf_sha256=sha256(pdf), source=f"{folder}/{source.name}", source_sha256=source.sha256,
        archived_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        tool_version=__version__)
    catalogue.add(entry, records, full_text(pdf))
    return Filed(entry, new=True)


def _write_folder(staging: Path, files: list[tuple[str, bytes]], folder: str,
                  publication_id: str, version: int) -> list[FileRecord]:
    staging.mkdir(parents=True)
    records, lines = [], []
    for name, data in files:
        _write_durably(staging.joinpath(*safe_relative(name).parts), data)
        digest = sha256(data)
        lines.append(f"{digest}  {name}\n")
        records.append(FileRecord(f"{folder}/{name}", publication_id, version, digest, len(data)))
    manifest = "".join(sorted(lines, key=lambda line: line[66:])).encode()
    _write_durably(staging / MANIFEST, manifest)
    records.append(FileRecord(f"{folder}/{MANIFEST}", publication_id, version,
                              sha256(manifest), len(manifest)))
    for directory in sorted({p.parent for p in staging.rglob("*")}, reverse=True):
        fsync_folder(directory)
    return records


def _move_into_place(staging: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        # Not in the catalogue (we hold the lock and found no entry for it): the folder of a
        # run killed between its rename and its commit. Its replacement is complete.
        leftover = target.parent / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        target.rename(leftover)
        shutil.rmtree(leftover)
    staging.rename(target)
    fsync_folder(target.parent)
    fsync_folder(staging.parent)


def _clear_staging(root: Path) -> None:
    """Staging folders of killed runs (only a run holding the lock writes one)."""
    for leftover in root.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for year in root.glob("[0-9]" * 4):
        for leftover in year.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def full_text(pdf: bytes) -> str:
    """The publication's text as a reader finds it, for the catalogue's search."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            pages.append(text_page.get_text_range())
            text_page.close()
            page.close()
    finally:
        document.close()
    text = "\n".join(pages)
    # PDFium marks a hyphen it found at a line end as U+0002 (or U+FFFE): join the word again.
    return re.sub(r"[\u0002\ufffe]\s*", "", text)


# --- verify ------------------------------------------------------------------------------------

def verify(root: Path, *, progress=None) -> tuple[list[Problem], list[Problem], int]:
    """Rehash every file the catalogue names and re-validate every PDF/A.

    Returns (failures, notes, files checked). Notes are folders the catalogue does not know:
    left by an interrupted run, harmless, replaced when that publication is filed again.
    """
    from .pdfa import validate

    with Catalogue(root, create=False) as catalogue:
        files = catalogue.files()
        entries = catalogue.entries()
    pdfs = {entry.pdf for entry in entries}
    folders = {entry.folder for entry in entries}
    failures: list[Problem] = []
    for done, record in enumerate(files, 1):
        path = root / record.path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            failures.append(Problem(record.path, "missing"))
        except OSError as exc:
            failures.append(Problem(record.path, f"unreadable: {exc.strerror or exc}"))
        else:
            if sha256(data) != record.sha256:
                failures.append(Problem(record.path, f"changed: its SHA-256 is no longer "
                                                     f"{record.sha256[:16]}…"))
            elif record.path in pdfs:
                failures += [Problem(record.path, f"not valid PDF/A-3b: {line}")
                             for line in validate(data)]
        if progress:
            progress(done, len(files))
    return failures, _unknown_folders(root, folders), len(files)


def _unknown_folders(root: Path, known: set[str]) -> list[Problem]:
    notes = []
    for year in sorted(root.glob("[0-9]" * 4)):
        for folder in sorted(year.iterdir()):
            rel = f"{year.name}/{folder.name}"
            if folder.is_dir() and rel not in known:
                notes.append(Problem(rel, "not in the catalogue (left by an interrupted run?); "
                                          "ignored"))
    return notes


# --- extract -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Extracted:
    event_file: Path
    files: list[Path]
    rebuild: str  # the command line that builds the identical PDF again


def extract(pdf: bytes, name: str, folder: Path) -> Extracted:
    """Write the published source an archive PDF carries into folder, after checking that
    it is the source the archive was made from."""
    import pikepdf

    from .output import write_atomic
    from .pdfa import archive_facts, embedded_source, identifier

    try:
        source = embedded_source(pdf)
        facts = archive_facts(pdf)
        date = _event_date(source)
    except (pikepdf.PdfError, pikepdf.PasswordError):
        raise BadInput.single(name, "is not a readable PDF") from None
    except ValueError as exc:
        raise BadInput.single(name, f"is not an archive copy made by kennisdag-pdf ({exc})") \
            from None
    if facts.identifier != identifier(source):
        raise BadInput.single(name, f"its embedded source was changed after archiving (it no "
                                    f"longer matches dc:identifier {facts.identifier[:27]}…); "
                                    f"nothing was written")
    targets = [(folder.joinpath(*safe_relative(file).parts), data)
               for file, data in source.files()]
    for path, data in targets:  # refuse before writing anything
        if path.exists() and (not path.is_file() or path.read_bytes() != data):
            raise OutputError(f"{path}: exists with other content; extract into an empty "
                              f"folder", EXIT_CANT_CREATE)
    for path, data in targets:
        write_atomic(path, data)
    event_file = targets[0][0]
    return Extracted(event_file, [path for path, _ in targets],
                     _rebuild_command(event_file, facts, date))


def _event_date(source: Published) -> dt.date:
    """The event's date from the embedded event file (ValueError when it has none)."""
    import yaml

    try:
        data = yaml.safe_load(source.yaml)
    except yaml.YAMLError:
        raise ValueError(f"its event file {source.name} is not valid YAML") from None
    event = data.get("event") if isinstance(data, dict) else None
    date = event.get("date") if isinstance(event, dict) else None
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            date = None
    if not isinstance(date, dt.date):
        raise ValueError(f"its event file {source.name} has no event.date")
    return date


def _rebuild_command(event_file: Path, facts, date: dt.date) -> str:
    import shlex

    default = dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)
    words = []
    if facts.built != default:  # built with SOURCE_DATE_EPOCH: the rebuild needs it too
        words.append(f"SOURCE_DATE_EPOCH={int(facts.built.timestamp())}")
    words += ["kennisdag-pdf", "build", shlex.quote(str(event_file)), "--profile", "archive"]
    if facts.page_size != "a5":
        words += ["--page-size", facts.page_size]
    return " ".join(words)
