"""The catalogue of archived publications: one SQLite database in the archive folder.

SQLite because the catalogue must survive what laptops do: a transaction is all or nothing
after a crash or a pulled plug, `BEGIN IMMEDIATE` makes concurrent `archive` runs take turns
(and the lock dies with its process, so a killed run leaves no stale lock), and FTS5 gives
full-text search without another service. The standard library's sqlite3 is all it needs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInput
from .output import fsync_folder

FILE_NAME = "catalogue.sqlite"
SCHEMA_VERSION = 1
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
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None
        if version == 0:
            raise BadInput.single(str(self.path), "is an SQLite database but not a "
                                  "kennisdag-pdf catalogue; use another --into folder")
        if version > SCHEMA_VERSION:
            raise BadInput.single(str(self.path), f"was written by a newer kennisdag-pdf "
                                  f"(catalogue version {version}); upgrade to read it")

    # --- reading ----------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        return [Entry(*row) for row in self._query(
            f"SELECT {_ENTRY_COLUMNS} FROM publications ORDER BY date, id, version")]

    def latest(self, publication_id: str) -> Entry | None:
        rows = self._query(f"SELECT {_ENTRY_COLUMNS} FROM publications WHERE id = ? "
                           f"ORDER BY version DESC LIMIT 1", (publication_id,))
        return Entry(*rows[0]) if rows else None

    def files(self) -> list[FileRecord]:
        return [FileRecord(*row) for row in self._query(
            "SELECT path, id, version, sha256, bytes FROM files ORDER BY path")]

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
        return [Hit(Entry(*row[:-1]), row[-1]) for row in rows]

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
            raise _unreadable(self.path, exc) from None

    def add(self, entry: Entry, files: list[FileRecord], text: str) -> None:
        values = [getattr(entry, name) for name in _ENTRY_NAMES]
        self.db.execute(f"INSERT INTO publications ({_ENTRY_COLUMNS}) VALUES "
                        f"({', '.join('?' * len(values))})", values)
        self.db.executemany("INSERT INTO files (path, id, version, sha256, bytes) "
                            "VALUES (?, ?, ?, ?, ?)",
                            [(f.path, f.id, f.version, f.sha256, f.bytes) for f in files])
        self.db.execute("INSERT INTO fulltext (id, version, title, subtitle, venue, text) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (entry.id, entry.version, entry.title, entry.subtitle or "",
                         f"{entry.venue} {entry.city}", text))

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")


_ENTRY_NAMES = tuple(Entry.__dataclass_fields__)
_ENTRY_COLUMNS = ", ".join(_ENTRY_NAMES)


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
        raise _unreadable(path, exc) from None
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("BEGIN")
            for statement in _SCHEMA.split(";\n"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        finally:
            db.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if another run was first: theirs is as good
        except FileExistsError:
            pass
        except OSError:  # no hard links (a FAT-formatted stick): rename, if still needed
            if not path.exists():
                os.replace(tmp, path)
        fsync_folder(path.parent)
    except (sqlite3.Error, OSError) as exc:
        raise _unreadable(path, exc) from None
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


def _unreadable(path: Path, exc: Exception) -> BadInput:
    reason = str(exc).rstrip(".") or type(exc).__name__
    return BadInput.single(str(path), f"cannot be read as a catalogue ({reason}); restore it "
                           f"from a backup, the archived files themselves are untouched")
