"""Archive PDF → filed publication: a folder per publication and a line in the catalogue.

    archive/
      catalogue.sqlite                  every publication, its files and checksums, full text
      2011/kennisdag-2011/              version 1
        kennisdag-2011-archive.pdf      PDF/A-3a + PDF/UA-1 carrying the published source
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
from .errors import EXIT_CANT_CREATE, EXIT_IO, BadInput, OutputError
from .model import KnowledgeDay
from .output import fsync_folder
from .published import Published, safe_relative
from .sourcemap import one_line
from .units import MB

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


def check_archive_folder(root: Path) -> None:
    """Refuse a catalogue that cannot be filed into (damaged, foreign, inconsistent) before
    the slow build instead of after it; filing checks it again under its lock."""
    from .catalogue import FILE_NAME

    if (root / FILE_NAME).exists():
        with Catalogue(root, create=False):
            pass


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
    if catalogue.holds(folder):
        # 'dag-v2' version 1 and 'dag' version 2 of the same year share a folder name.
        raise BadInput.single(str(root / folder), f"already holds another publication of the "
                              f"catalogue, so '{event.id}' version {version} cannot be filed "
                              f"there; give the event another id")
    files = [(pdf_name, pdf), *source.files()]
    staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    try:
        records = _write_folder(staging, files, folder, event.id, version)
        crashpoints.reached("archive-staged")
        _move_into_place(staging, root / folder)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _write_error(root / folder, exc) from None
        raise
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


def _write_error(target: Path, exc: OSError) -> OutputError:
    """The documented code for why filing failed: 74 when the disk is full or failing, 73
    when the archive folder cannot take the files."""
    import errno

    reason = (exc.strerror or str(exc)).lower()
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{target}: no space left on the device; nothing was filed",
                           EXIT_IO)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST,
                     errno.ENAMETOOLONG, errno.EISDIR, errno.ENOENT):
        return OutputError(f"{target}: cannot be created: {reason}; nothing was filed",
                           EXIT_CANT_CREATE)
    return OutputError(f"{target}: could not be written: {reason}; nothing was filed", EXIT_IO)


def manifest_line(digest: str, name: str) -> str:
    """One SHA256SUMS line as sha256sum writes it: a name holding a line break or a
    backslash is escaped, and the line then starts with a backslash (GNU coreutils)."""
    if "\\" in name or "\n" in name or "\r" in name:
        escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        return f"\\{digest}  {escaped}\n"
    return f"{digest}  {name}\n"


def _write_folder(staging: Path, files: list[tuple[str, bytes]], folder: str,
                  publication_id: str, version: int) -> list[FileRecord]:
    staging.mkdir(parents=True)
    records, lines = [], []
    for name, data in files:
        _write_durably(staging.joinpath(*safe_relative(name).parts), data)
        digest = sha256(data)
        lines.append((name, manifest_line(digest, name)))
        records.append(FileRecord(f"{folder}/{name}", publication_id, version, digest, len(data)))
    manifest = "".join(line for _, line in sorted(lines)).encode()
    _write_durably(staging / MANIFEST, manifest)
    records.append(FileRecord(f"{folder}/{MANIFEST}", publication_id, version,
                              sha256(manifest), len(manifest)))
    for directory in sorted({p.parent for p in staging.rglob("*")}, reverse=True):
        fsync_folder(directory)
    return records


def _move_into_place(staging: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        # Not in the catalogue (we hold the lock and found no entry for it): the folder of a
        # run killed between its rename and its commit, if its own SHA256SUMS proves it.
        # Anything else is somebody's, and is not ours to delete.
        if not _left_by_a_killed_run(target):
            raise OutputError(f"{target}: exists, is not in the catalogue and holds files "
                              f"kennisdag-pdf did not write; move it out of the archive "
                              f"folder and run again", EXIT_CANT_CREATE)
        leftover = target.parent / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        target.rename(leftover)
        shutil.rmtree(leftover)
    staging.rename(target)
    fsync_folder(target.parent)
    fsync_folder(staging.parent)


def _left_by_a_killed_run(folder: Path) -> bool:
    """folder holds exactly the files its SHA256SUMS lists, each with its checksum: the
    complete folder a filing run renamed into place before it was killed."""
    import stat

    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        listed = _parse_manifest((folder / MANIFEST).read_bytes())
        found = set()
        for path in folder.rglob("*"):
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                continue
            rel = path.relative_to(folder).as_posix()
            if not stat.S_ISREG(mode) or (rel not in listed and rel != MANIFEST):
                return False
            found.add(rel)
        return found == {*listed, MANIFEST} and all(
            _file_sha256(folder / name) == digest for name, digest in listed.items())
    except (OSError, ValueError):
        return False


def _parse_manifest(data: bytes) -> dict[str, str]:
    """SHA256SUMS → name → digest (ValueError when it is not one that manifest_line wrote)."""
    listed = {}
    for line in data.decode("utf-8").split("\n")[:-1]:
        escaped = line.startswith("\\")
        digest, name = line[escaped:escaped + 64], line[escaped + 66:]
        if line[escaped + 64:escaped + 66] != "  " or not re.fullmatch("[0-9a-f]{64}", digest):
            raise ValueError("not a SHA256SUMS line")
        if escaped:
            name = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), name)
        listed[name] = digest
    return listed


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


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
    from .pdfa import claimed, validate

    with Catalogue(root, create=False) as catalogue:
        files = catalogue.files()
        entries = catalogue.entries()
    pdfs = {entry.pdf for entry in entries}
    folders = {entry.folder for entry in entries}
    failures: list[Problem] = []
    inside = os.path.realpath(root)
    for done, record in enumerate(files, 1):
        try:
            data = _read_archived(root, inside, record, keep=record.path in pdfs)
        except _Unfit as problem:
            failures.append(Problem(record.path, str(problem)))
        else:
            if data is None:
                failures.append(Problem(record.path, f"changed: its SHA-256 is no longer "
                                                     f"{record.sha256[:16]}…"))
            elif record.path in pdfs and (problems := validate(data)):
                standard = claimed(data)
                failures += [Problem(record.path, f"not valid {standard}: {line}")
                             for line in problems]
        if progress:
            progress(done, len(files))
    return failures, _unknown_folders(root, folders), len(files)


class _Unfit(Exception):
    """Why a file the catalogue names was not checked (missing, tampered with, unreadable)."""


_TAMPERED = "the catalogue was tampered with: "


def _read_archived(root: Path, inside: str, record: FileRecord, *, keep: bool) -> bytes | None:
    """Hash one archived file. Only a regular file inside the archive folder is opened (the
    catalogue is a file anyone can edit: '/dev/zero' or '../../etc/shadow' are never read),
    and no more than the size the catalogue recorded is read. Its bytes when keep and the
    checksum matches, b"" when it matches and not keep; None when it changed."""
    import stat

    try:
        parts = safe_relative(record.path).parts
    except ValueError:
        raise _Unfit(_TAMPERED + "this path is not inside the archive folder; not opened") \
            from None
    path = root.joinpath(*parts)
    real = os.path.realpath(path)
    if os.path.commonpath([inside, real]) != inside:
        raise _Unfit(_TAMPERED + "this path leads out of the archive folder; not opened")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise _Unfit("missing") from None
    except OSError as exc:
        raise _Unfit(f"unreadable: {(exc.strerror or str(exc)).lower()}") from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise _Unfit(_TAMPERED + "this is not a regular file; not read")
    with os.fdopen(fd, "rb") as handle:
        if status.st_size != record.bytes:
            return None
        digest = hashlib.sha256()
        kept = bytearray()
        remaining = record.bytes
        try:
            while remaining > 0 and (chunk := handle.read(min(remaining, MB))):
                digest.update(chunk)
                remaining -= len(chunk)
                if keep:
                    kept += chunk
        except OSError as exc:
            raise _Unfit(f"unreadable: {(exc.strerror or str(exc)).lower()}") from None
    if remaining or digest.hexdigest() != record.sha256:
        return None
    return bytes(kept)


def _unknown_folders(root: Path, known: set[str]) -> list[Problem]:
    notes = []
    for year in sorted(root.glob("[0-9]" * 4)):
        if year.is_symlink() or not year.is_dir():  # a file called 2011 is nobody's folder
            continue
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
    it is the source the archive was made from. Everything is read and checked first (within
    pdfa's ceilings): a file that cannot be written is refused before one is."""
    import pikepdf

    from .pdfa import identifier, read_archive

    try:
        source, facts = read_archive(pdf)
        date = _event_date(source)
    except (pikepdf.PdfError, pikepdf.PasswordError):
        raise BadInput.single(name, "is not a readable PDF") from None
    except ValueError as exc:
        raise BadInput.single(name, f"is not an archive copy made by kennisdag-pdf "
                                    f"({one_line(exc)})") from None
    if facts.identifier != identifier(source):
        raise BadInput.single(name, f"its embedded source was changed after archiving (it no "
                                    f"longer matches dc:identifier {facts.identifier[:27]}…); "
                                    f"nothing was written")
    try:
        names = _file_names(source)
    except ValueError as exc:
        raise BadInput.single(name, f"is not an archive copy made by kennisdag-pdf "
                                    f"({one_line(exc)})") from None
    targets = [(folder.joinpath(*parts), data) for parts, (_, data) in
               zip(names, source.files())]
    event_file = targets[0][0]
    rebuild = _rebuild_command(event_file, facts, date)
    _check_targets(folder, targets)
    _write_all(folder, targets)
    return Extracted(event_file, [path for path, _ in targets], rebuild)


def _file_names(source: Published) -> list[tuple[str, ...]]:
    """Each file's path parts; ValueError when one file's name is another one's folder
    (x.png and x.png/inner.png): no folder can hold both."""
    names = [safe_relative(file).parts for file, _ in source.files()]
    as_files = set(names)
    for parts in names:
        for depth in range(1, len(parts)):
            if parts[:depth] in as_files:
                raise ValueError(f"'{'/'.join(parts[:depth])}' is a file and the folder of "
                                 f"'{'/'.join(parts)}'")
    return names


def _check_targets(folder: Path, targets: list[tuple[Path, bytes]]) -> None:
    """Refuse before writing anything: a file with other content, a file where a folder must
    go, or a link that would take a file out of the folder."""
    import stat

    from .output import NAME_MAX, check_folder

    def refuse(path: Path, why: str) -> OutputError:
        return OutputError(f"{one_line(path)}: {why}", EXIT_CANT_CREATE)

    check_folder(folder)
    for path, data in targets:
        if any(len(os.fsencode(part)) > NAME_MAX for part in path.parts) or \
                len(os.fsencode(os.path.abspath(path))) >= 4096:
            raise refuse(path, "the name is too long for the file system; extract into a "
                               "folder with a shorter name")
        # A link inside the folder could take a file anywhere: none is followed.
        for parent in reversed(path.relative_to(folder).parents[:-1]):
            where = folder / parent
            if where.is_symlink():
                raise refuse(where, "is a link, not a folder; extract into an empty folder")
            if where.exists() and not where.is_dir():
                raise refuse(where, "exists and is not a folder; extract into an empty folder")
        if path.is_symlink():
            raise refuse(path, "is a link, not a file; extract into an empty folder")
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise refuse(path, f"cannot be checked: {(exc.strerror or str(exc)).lower()}") \
                from None
        if not stat.S_ISREG(mode) or _differs(path, data):
            raise refuse(path, "exists with other content; extract into an empty folder")


def _differs(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return True
        return path.read_bytes() != data
    except OSError:
        return True


def _write_all(folder: Path, targets: list[tuple[Path, bytes]]) -> None:
    """Write every file; when one fails, take back the files and folders this run made, so
    that a failed extract leaves the folder as it found it."""
    from .output import write_atomic

    made: list[Path] = []
    folders = [p for p in (folder, *sorted({q for path, _ in targets for q in path.parents
                                            if folder in q.parents}, key=lambda q: len(q.parts)))
               if not p.exists()]
    try:
        for path, data in targets:
            if not path.exists():
                made.append(path)
            write_atomic(path, data)
    except BaseException:
        for path in made:
            try:
                path.unlink()
            except OSError:
                pass
        for where in reversed(folders):
            try:
                where.rmdir()  # only when empty: never anything this run did not make
            except OSError:
                pass
        raise


# An event file nests four levels; the published source never more than that.
MAX_YAML_DEPTH = 32


def _event_date(source: Published) -> dt.date:
    """The event's date from the embedded event file (ValueError when it has none), read
    from the parser's events: no node tree is built, so depth costs no recursion, and the
    depth is bounded all the same."""
    import yaml

    not_yaml = ValueError(f"its event file {source.name} is not valid YAML")
    too_deep = ValueError(f"its event file {source.name} is nested deeper than an event file "
                          f"can be")
    try:
        text = source.yaml.decode("utf-8")
    except UnicodeDecodeError:
        raise not_yaml from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    frames: list[list] = []  # per open collection: [is_mapping, expecting_key, key]
    found = None

    def completed() -> None:  # a node ended: in a mapping, keys and values alternate
        if frames and frames[-1][0]:
            frames[-1][1] = not frames[-1][1]

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if frames and frames[-1][0] and frames[-1][1]:
                    frames[-1][2] = None  # a list or mapping as a key: not one of ours
                frames.append([isinstance(event, yaml.MappingStartEvent), True, None])
                if len(frames) > MAX_YAML_DEPTH:
                    raise too_deep
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frames.pop()
                completed()
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                value = event.value if isinstance(event, yaml.ScalarEvent) else None
                top = frames[-1] if frames else None
                if top is not None and top[0] and top[1]:
                    top[2] = value
                elif (len(frames) == 2 and frames[0][0] and frames[0][2] == "event"
                      and top[0] and top[2] == "date" and found is None):
                    found = value
                completed()
    except yaml.YAMLError as exc:  # libyaml stops at 1,000 levels by itself
        raise (too_deep if "nesting depth" in str(exc) else not_yaml) from None
    try:
        return dt.date.fromisoformat(found) if isinstance(found, str) else _no_date(source)
    except ValueError:
        return _no_date(source)


def _no_date(source: Published) -> dt.date:
    raise ValueError(f"its event file {source.name} has no event.date")


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
