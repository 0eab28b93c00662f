"""The catalogue of archived publications: one SQLite database in the archive folder.

SQLite because the catalogue must survive what laptops do: a transaction is all or nothing
after a crash or a pulled plug, `BEGIN IMMEDIATE` makes concurrent `archive` runs take turns
(and the lock dies with its process, so a killed run leaves no stale lock), and FTS5 gives
full-text search without another service. The standard library's sqlite3 is all it needs.

A catalogue is a file anyone can edit, so one is read only when it is the tool's own: its
header says so (application_id 'KDCA'; a catalogue from before that by its version), its
tables, indexes and views are exactly those of _SCHEMA (a planted view or trigger never
runs), and its rows hold what the tool writes, each file under a publication. A catalogue that
contradicts itself is a failed check (exit 3), like a changed file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_BAD_INPUT, EXIT_CANT_CREATE, EXIT_IO, EXIT_PREFLIGHT, BadInput, \
    KennisdagError, OutputError
from .output import fsync_folder

FILE_NAME = "catalogue.sqlite"
SCHEMA_VERSION = 1
# Each of the tool's databases says what it is in its header (PRAGMA application_id), so that
# neither is ever taken for the other: a mail journal given as a catalogue, or the reverse.
APPLICATION_ID = 0x4B444341  # 'KDCA'
JOURNAL_APPLICATION_ID = 0x4B444A4E  # 'KDJN', the mail journal's
WAIT_SECONDS = 120  # how long a run waits for another one to finish filing

_SCHEMA = """
CREATE TABLE publications (
    id            TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    subtitle      TEXT,
    date          TEXT    NOT NULL,  -- of the event, ISO 8601
    venue         TEXT    NOT NULL,
    city          TEXT    NOT NULL,
    language      TEXT    NOT NULL,
    participants  INTEGER NOT NULL,  -- as printed: people marked listed: false not counted
    theses        INTEGER NOT NULL,
    pages         INTEGER NOT NULL,
    folder        TEXT    NOT NULL,  -- relative to the archive folder
    pdf           TEXT    NOT NULL,  -- file names relative to the archive folder
    pdf_sha256    TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    source_sha256 TEXT    NOT NULL,  -- the published source, as in the PDF's dc:identifier
    archived_at   TEXT    NOT NULL,  -- ISO 8601 with the UTC offset
    tool_version  TEXT    NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE files (
    path    TEXT    PRIMARY KEY,     -- relative to the archive folder
    id      TEXT    NOT NULL,
    version INTEGER NOT NULL,
    sha256  TEXT    NOT NULL,
    bytes   INTEGER NOT NULL,
    FOREIGN KEY (id, version) REFERENCES publications (id, version)
);
CREATE VIRTUAL TABLE fulltext USING fts5(
    id UNINDEXED, version UNINDEXED, title, subtitle, venue, text,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""


@dataclass(frozen=True)
class Entry:
    id: str
    version: int
    title: str
    subtitle: str | None
    date: str
    venue: str
    city: str
    language: str
    participants: int
    theses: int
    pages: int
    folder: str
    pdf: str
    pdf_sha256: str
    source: str
    source_sha256: str
    archived_at: str
    tool_version: str


@dataclass(frozen=True)
class FileRecord:
    path: str
    id: str
    version: int
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Hit:
    entry: Entry
    snippet: str


class Catalogue:
    """An open catalogue. Use as a context manager; writes go through `filing()`."""

    def __init__(self, folder: Path, *, create: bool) -> None:
        self.folder = folder
        self.path = folder / FILE_NAME
        if not self.path.exists():
            if not create:
                raise BadInput.single(str(self.path), "no catalogue here yet: file a "
                                      "publication with 'kennisdag-pdf archive EVENT.yaml' (or "
                                      "give --into)")
            _create(self.path)
        kind = _special_kind(self.path)
        if kind:  # SQLite would read a device (/dev/zero) as an empty database, or block
            raise BadInput.single(str(self.path), f"is {kind}, not a catalogue file; restore "
                                  f"it from a backup, the archived files themselves are "
                                  f"untouched")
        if self.path.is_file() and self.path.stat().st_size == 0:
            # SQLite would take an empty file for a new database: history lost without a word.
            # (A new catalogue appears whole, never as an empty file: see _create.)
            raise _unreadable(self.path, ValueError("the file is empty"))
        self.db = _connect(self.path)
        try:
            self._check_schema()
        except BaseException:
            self.db.close()
            raise

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()

    def _check_schema(self) -> None:
        """Only the tool's own catalogue is read: its header says so (application_id; before
        that existed, its version), and its tables, indexes and views are exactly the ones
        the tool makes. A view or trigger planted in it would otherwise run inside every
        command that reads it (a recursive view never ends)."""
        try:
            application = self.db.execute("PRAGMA application_id").fetchone()[0]
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            schema = self.db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None
        if application == JOURNAL_APPLICATION_ID:
            raise BadInput.single(str(self.path), "is a kennisdag-pdf mail journal, not a "
                                  "catalogue; give --into a folder of its own")
        if application not in (0, APPLICATION_ID) or version == 0:
            raise BadInput.single(str(self.path), "is an SQLite database but not a "
                                  "kennisdag-pdf catalogue; use another --into folder")
        if version > SCHEMA_VERSION:
            raise BadInput.single(str(self.path), f"was written by a newer kennisdag-pdf "
                                  f"(catalogue version {version}); upgrade to read it")
        difference = _schema_difference(schema)
        if difference:
            raise BadInput.single(str(self.path), f"is not a catalogue as kennisdag-pdf makes "
                                  f"it ({difference}); restore it from a backup, the archived "
                                  f"files themselves are untouched")
        self._check_consistency()

    def _check_consistency(self) -> None:
        """Every file and full-text row belongs to a publication: rows left behind by a hand
        edit would collide with the next filing after its files were moved into place."""
        orphans = self._query(
            "SELECT 'files', path FROM files f WHERE NOT EXISTS (SELECT 1 FROM publications p "
            "WHERE p.id = f.id AND p.version = f.version) UNION ALL "
            "SELECT 'fulltext', id FROM fulltext t WHERE NOT EXISTS (SELECT 1 FROM "
            "publications p WHERE p.id = t.id AND p.version = t.version) LIMIT 1")
        if orphans:
            table, name = orphans[0]
            raise Inconsistent(self.path, f"a row of its {table} table ('{name}') belongs to "
                                          f"no publication")

    # --- reading ----------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        return [self._entry(row) for row in self._query(
            f"SELECT {_ENTRY_COLUMNS} FROM publications ORDER BY date, id, version")]

    def latest(self, publication_id: str) -> Entry | None:
        rows = self._query(f"SELECT {_ENTRY_COLUMNS} FROM publications WHERE id = ? "
                           f"ORDER BY version DESC LIMIT 1", (publication_id,))
        return self._entry(rows[0]) if rows else None

    def files(self) -> list[FileRecord]:
        return [self._record(row) for row in self._query(
            "SELECT path, id, version, sha256, bytes FROM files ORDER BY path")]

    def holds(self, folder: str) -> bool:
        """Does a publication or a file of the catalogue live in folder (relative)?"""
        return bool(self._query(
            "SELECT 1 FROM publications WHERE folder = ? UNION ALL SELECT 1 FROM files "
            "WHERE substr(path, 1, ?) = ? LIMIT 1", (folder, len(folder) + 1, folder + "/")))

    def _entry(self, row: tuple) -> Entry:
        return Entry(*_typed(self.path, "publications", row, _ENTRY_TYPES))

    def _record(self, row: tuple) -> FileRecord:
        return FileRecord(*_typed(self.path, "files", row, _RECORD_TYPES))

    def search(self, text: str) -> list[Hit]:
        query = fts_query(text)
        if not query:
            raise BadInput.single("catalogue search", f"'{text}' has no words to search for")
        columns = ", ".join(f"p.{name}" for name in _ENTRY_NAMES)
        rows = self._query(
            f"SELECT {columns}, snippet(fulltext, 5, '[', ']', '…', 12) "
            "FROM fulltext JOIN publications p ON p.id = fulltext.id "
            "AND p.version = fulltext.version WHERE fulltext MATCH ? ORDER BY bm25(fulltext) "
            "LIMIT 50", (query,))
        return [Hit(self._entry(row[:-1]), str(row[-1])) for row in rows]

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None

    # --- writing ----------------------------------------------------------------------------

    def begin_filing(self) -> None:
        """Take the archive's write lock (waits for another run to finish) and open the
        transaction that `add` writes into."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise BadInput.single(str(self.path), f"another kennisdag-pdf run has been "
                                      f"filing for over {WAIT_SECONDS} s; try again later") \
                    from None
            raise _failed(self.path, exc) from None
        except sqlite3.Error as exc:
            raise _failed(self.path, exc) from None

    def add(self, entry: Entry, files: list[FileRecord], text: str) -> None:
        values = [getattr(entry, name) for name in _ENTRY_NAMES]
        try:
            self.db.execute(f"INSERT INTO publications ({_ENTRY_COLUMNS}) VALUES "
                            f"({', '.join('?' * len(values))})", values)
            self.db.executemany("INSERT INTO files (path, id, version, sha256, bytes) "
                                "VALUES (?, ?, ?, ?, ?)",
                                [(f.path, f.id, f.version, f.sha256, f.bytes) for f in files])
            self.db.execute("INSERT INTO fulltext (id, version, title, subtitle, venue, text) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (entry.id, entry.version, entry.title, entry.subtitle or "",
                             f"{entry.venue} {entry.city}", text))
            # A catalogue made before application_id existed says what it is from now on.
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except sqlite3.IntegrityError as exc:
            raise Inconsistent(self.path, f"it already holds a row for this filing: {exc}") \
                from None
        except sqlite3.Error as exc:
            raise _failed(self.path, exc) from None

    def commit(self) -> None:
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _failed(self.path, exc) from None

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")


_ENTRY_NAMES = tuple(Entry.__dataclass_fields__)
_ENTRY_COLUMNS = ", ".join(_ENTRY_NAMES)
_ENTRY_TYPES = tuple({"int": int, "str": str, "str | None": (str, type(None))}[field.type]
                     for field in Entry.__dataclass_fields__.values())
_RECORD_TYPES = tuple({"int": int, "str": str}[field.type]
                      for field in FileRecord.__dataclass_fields__.values())


class Inconsistent(KennisdagError):
    """The catalogue contradicts itself (a hand edit): like a changed file, a failed check."""

    exit_code = EXIT_PREFLIGHT

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: is inconsistent ({reason}); restore it from a backup, the "
                         f"archived files themselves are untouched")


class Foreign(Inconsistent):
    """A value no version of the tool writes (a version of 'x'): not the tool's own
    catalogue, bad input like a foreign schema, where rows the tool did write but that no
    longer belong together (after a hand-made DELETE) are a failed check."""

    exit_code = EXIT_BAD_INPUT


def _typed(path: Path, table: str, row: tuple, types: tuple) -> tuple:
    """A row as the tool wrote it: SQLite keeps whatever a hand edit puts in a column."""
    for name, value, kind in zip(Entry.__dataclass_fields__ if table == "publications" else
                                 FileRecord.__dataclass_fields__, row, types):
        if not isinstance(value, kind) or isinstance(value, bool):
            shown = repr(value)[:40]
            raise Foreign(path, f"its {table} table holds {shown} as {name}, where "
                                     f"kennisdag-pdf writes "
                                     f"{'a number' if kind is int else 'text'}")
    return row


def _expected_schema() -> set[tuple]:
    db = sqlite3.connect(":memory:")
    try:
        for statement in _SCHEMA.split(";\n"):
            if statement.strip():
                db.execute(statement)
        return set(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
    finally:
        db.close()


def _schema_difference(found: list[tuple]) -> str:
    """'' when found (sqlite_master's type, name, sql) is the tool's own schema; otherwise
    what is not. FTS5's shadow tables are compared by name: their SQL is the library's."""
    expected = _expected_schema()
    shadow = {name for kind, name, _ in expected if name.startswith("fulltext_")}

    def key(item: tuple) -> tuple:
        kind, name, sql = item
        return (kind, name, None if name in shadow else " ".join(str(sql).split()))

    have, want = {key(item) for item in found}, {key(item) for item in expected}
    kinds = {name: kind for kind, name, _ in want}
    for kind, name, _ in sorted(have - want, key=str):
        if kinds.get(name) == kind:
            return f"its {kind} {name} was changed"
        if name in kinds:
            return f"its {kinds[name]} {name} was replaced by a {kind}"
        return f"it holds {'an' if kind[0] in 'aeiou' else 'a'} {kind} {name} that " \
               f"kennisdag-pdf does not make"
    for kind, name, _ in sorted(want - have, key=str):
        return f"its {kind} {name} is missing"
    return ""


def _create(path: Path) -> None:
    """A new catalogue, made whole beside its place and linked in only if there is still none:
    of two first runs at once, one makes it and the other uses it, and nobody ever sees a
    half-made (empty) catalogue file."""
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise _write_failed(path, exc) from None
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("BEGIN")
            for statement in _SCHEMA.split(";\n"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute("COMMIT")
        finally:
            db.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        # mkstemp makes the file 0600; the catalogue holds nothing the archived PDFs do not
        # print, so it gets the permissions every other archived file gets: the umask's.
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.link(tmp, path)  # fails if another run was first: theirs is as good
        except FileExistsError:
            pass
        except OSError:  # no hard links (a FAT-formatted stick): rename, if still needed
            if not path.exists():
                os.replace(tmp, path)
        fsync_folder(path.parent)
    except (sqlite3.Error, OSError) as exc:
        raise _write_failed(path, exc) from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def fts_query(text: str) -> str:
    """User text → an FTS5 query of quoted words, all required: the user's quotes, stars or
    NEAR are words to find, never query syntax."""
    words = [word for word in text.split() if any(ch.isalnum() for ch in word)]
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=WAIT_SECONDS, isolation_level=None)
    except (sqlite3.Error, OSError) as exc:
        raise _unreadable(path, exc) from None
    # isolation_level=None: transactions are exactly the BEGIN … COMMIT written here.
    try:
        db.execute("PRAGMA synchronous = FULL")  # a committed filing survives a power cut
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _unreadable(path, exc) from None
    return db


def _special_kind(path: Path) -> str | None:
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    for test, kind in ((stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_failed(path: Path, exc: Exception) -> OutputError:
    """A catalogue that could not be made or written: the documented code for its cause
    (74 when the disk is full or failing, 73 when the place cannot take it)."""
    import errno

    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text:
        return OutputError(f"{path}: no space left on the device; the catalogue is as it was",
                           EXIT_IO)
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or "readonly" in text or \
            "unable to open" in text:
        return OutputError(f"{path}: cannot be written (permission denied or a read-only "
                           f"disk); choose another --into folder", EXIT_CANT_CREATE)
    if code in (errno.ENOTDIR, errno.ENAMETOOLONG, errno.EEXIST, errno.ENOENT):
        return OutputError(f"{path}: cannot be created: "
                           f"{(getattr(exc, 'strerror', None) or str(exc)).lower()}",
                           EXIT_CANT_CREATE)
    reason = (getattr(exc, "strerror", None) or str(exc)).lower()
    return OutputError(f"{path}: could not be written: {reason}; the catalogue is as it was",
                       EXIT_IO)


def _failed(path: Path, exc: sqlite3.Error) -> KennisdagError:
    """A statement that writes failed: a full disk or a read-only place is the output's
    fault; anything else is a damaged catalogue."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and any(
            words in text for words in ("disk is full", "readonly", "unable to open",
                                        "disk i/o error")):
        return _write_failed(path, exc)
    return _unreadable(path, exc)


def _unreadable(path: Path, exc: Exception) -> BadInput:
    reason = str(exc).rstrip(".") or type(exc).__name__
    return BadInput.single(str(path), f"cannot be read as a catalogue ({reason}); restore it "
                           f"from a backup, the archived files themselves are untouched")
