"""The mailing journal: who was sent which brochure, so that nobody is mailed it twice.

SQLite, beside the recipients CSV by default (not in output/, which may be cleaned at any
time: a lost journal would mean a second mailing). One row per recipient and mailing, in one
of these states:

    pending ──► sending ──► sent
       │           ├──────► failed    permanent refusal (5xx): the server's reply is kept
       │           ├──────► deferred  4xx, or the connection lost before the final "." left
       │           └──────► unknown   the connection lost after the data (RFC 1047), or an
       │                              answer that is not 2xx, 4xx or 5xx: the message may or
       │                              may not have arrived
       └──► failed | deferred         refused before the data (MAIL FROM, RCPT TO)
    deferred: as pending, and mailed again on the next run
    unknown ──► pending               only with --retry-unknown

Every change is committed with synchronous=FULL before the step it announces: `sending` is on
disk before the message data goes out, so a run killed at any instant leaves at worst a
recipient in `sending`, which the next run turns into `unknown` (the data may have arrived)
rather than mailing them again. Sent and unknown recipients are never mailed again by a
rerun; pending and deferred ones are.

A mailing is bound to the SHA-256 of the PDF and of the recipients CSV: resuming with either
changed is refused, because "who already has it" would then mean something else. A new
mailing (--new-mailing) keeps the old rows and counts anyone who was already sent the same
PDF as sent.

One sending run at a time: a run holds an exclusive flock on the journal file. The kernel
releases it when the process ends, however it ends, so a killed run leaves no stale lock.

A journal says what it is: PRAGMA application_id = APPLICATION_ID ('KDJN'; the archive's
catalogue is 'KDCA'). Any other file given as the journal (the catalogue, another SQLite
database, a file that is no database) is refused before a byte of it is changed: opening it
as SQLite would already switch it to WAL. A journal written before application_id existed is
known by its tables, and marked on its next sending run.

A journal that cannot be written (disk full, an I/O error, a read-only folder) ends the run
with the output's exit codes (74, 73) and the cause; it is never taken for a damaged
journal, and a journal file this run created and could not set up is removed again.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..crashpoints import reached
from ..errors import (EXIT_CANT_CREATE, EXIT_DELIVERY_INCOMPLETE, EXIT_IO, BadInput,
                      KennisdagError, OutputError)
from ..reading import display_name
from ..units import MB
from .recipients import RecipientList

STATES = ("pending", "sending", "sent", "deferred", "failed", "unknown")
DUE = ("pending", "deferred")  # what a run mails
# state → the states it may be reached from; anything else is a bug and is refused
TRANSITIONS = {
    "sending": ("pending", "deferred"),
    "sent": ("sending",),
    "failed": ("pending", "deferred", "sending"),
    "deferred": ("pending", "deferred", "sending"),
    "unknown": ("sending",),
}
INTERRUPTED = "the run ended while this message was being sent; it may have arrived"
APPLICATION_ID = 0x4B444A4E  # 'KDJN': a kennisdag mailing journal
CATALOGUE_ID = 0x4B444341  # 'KDCA': the archive's catalogue (catalogue.py)
_TABLES = {"mailing", "delivery"}  # a journal from before APPLICATION_ID: these and no others
_SQLITE_MAGIC = b"SQLite format 3\0"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mailing (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    recipients_sha256 TEXT NOT NULL,
    recipients_file TEXT NOT NULL,
    begun_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery (
    mailing_id INTEGER NOT NULL REFERENCES mailing (id),
    address TEXT NOT NULL,               -- lower case: one message per address
    name TEXT NOT NULL,
    line INTEGER NOT NULL,               -- in the CSV, for the report
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'deferred',
                                         'failed', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0, -- SMTP transactions begun
    reply TEXT NOT NULL DEFAULT '',      -- the server's last word, or what went wrong
    changed_at TEXT NOT NULL,
    PRIMARY KEY (mailing_id, address)
);
"""


class JournalBusy(KennisdagError):
    """Another run is sending with this journal: nothing was sent by this one."""

    exit_code = EXIT_DELIVERY_INCOMPLETE


class IllegalTransition(Exception):
    """A state change the journal's rules forbid: a bug, never the user's doing."""


@dataclass(frozen=True)
class Mailing:
    id: int
    event_id: str
    pdf_sha256: str
    recipients_sha256: str
    recipients_file: str
    begun_at: str


@dataclass(frozen=True)
class Delivery:
    address: str
    name: str
    line: int
    state: str
    attempts: int
    reply: str


@dataclass(frozen=True)
class Begun:
    """What starting (or resuming) a mailing found and did."""

    mailing: Mailing
    new: bool
    recovered: int  # left in `sending` by a run that died: now unknown
    carried: int  # already sent this PDF in an earlier mailing: counted as sent
    retried: int  # unknown made pending again (--retry-unknown)


def default_path(recipients_csv: Path) -> Path:
    return recipients_csv.with_name(recipients_csv.name + ".journal.sqlite")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Journal:
    """The journal of one recipients list. open() for a sending run (locked, created if
    needed); read() for a report, which never writes and never waits for the lock."""

    def __init__(self, path: Path, connection: sqlite3.Connection, lock_fd: int | None) -> None:
        self.path = path
        self.name = display_name(path)
        self.db = connection
        self.lock_fd = lock_fd
        self.mailing: Mailing | None = self.latest()

    @classmethod
    def open(cls, path: Path) -> Journal:
        name = display_name(path)
        _refuse_other_files(path, name)  # before anything is opened for writing
        created = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:  # addresses: private
                lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                created = True
            except FileExistsError:
                lock_fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
        except OSError as exc:
            raise _cannot_open(name, exc) from None
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _refuse_other_files(path, name)  # as it is now that no other run can change it
            connection = cls._connect(path, create=True)
        except BaseException as exc:
            os.close(lock_fd)
            if created:
                _remove_new_journal(path)
            if isinstance(exc, BlockingIOError):
                raise JournalBusy(f"{name}: another 'mail --send' is using this journal; wait "
                                  f"for it to end (--status shows how far it is)") from None
            raise
        journal = cls(path, connection, lock_fd)
        try:
            with journal._writing(started=False):
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                connection.executescript(_SCHEMA)
        except BaseException:
            journal.close()
            if created:
                _remove_new_journal(path)
            raise
        journal.mailing = journal.latest()
        return journal

    @classmethod
    def read(cls, path: Path) -> Journal:
        if not path.is_file():
            raise BadInput.single(display_name(path), "no journal here: nothing was sent with "
                                                      "--send for this recipients file (or "
                                                      "give --journal PATH)")
        _refuse_other_files(path, display_name(path))
        return cls(path, cls._connect(path, create=False), None)

    @staticmethod
    def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
        name = display_name(path)
        try:
            connection = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}", uri=True,
                isolation_level=None, timeout=10)
        except sqlite3.Error as exc:
            raise _journal_error(name, path, exc, started=False) from None
        try:
            connection.execute("PRAGMA journal_mode = WAL")  # a reader never blocks the run
            connection.execute("PRAGMA synchronous = FULL")  # a commit is on disk when it returns
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            connection.close()
            raise _journal_error(name, path, exc, started=False) from None
        return connection

    def close(self) -> None:
        self.db.close()  # before the lock goes: closing any descriptor of the file would
        if self.lock_fd is not None:  # drop SQLite's own POSIX locks on it
            os.close(self.lock_fd)
            self.lock_fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _writing(self, *, started: bool = True):
        """SQLite's failures to write, as the user's cause: a full disk is not a bug."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _journal_error(self.name, self.path, exc, started=started) from None

    @contextmanager
    def _transaction(self):
        with self._writing():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self.db.in_transaction:
                    try:
                        self.db.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # SQLite rolled back itself (a full disk, an I/O error)
                raise
            self.db.execute("COMMIT")

    # --- beginning or resuming a mailing -------------------------------------------------

    def begin(self, event_id: str, pdf_sha256: str, recipients: RecipientList, *,
              new_mailing: bool = False, retry_unknown: bool = False) -> Begun:
        """The mailing to send: the current one resumed, or a new one. Refuses to resume
        one whose PDF or recipients changed unless new_mailing."""
        with self._transaction():
            recovered = self.db.execute(
                "UPDATE delivery SET state = 'unknown', reply = ?, changed_at = ? "
                "WHERE state = 'sending'", (INTERRUPTED, _now())).rowcount
            current = self.latest()
            # A mailing that never reached the server (refused for TLS, login or size before
            # the first message) has nobody to protect: a changed PDF or list simply begins anew.
            new = current is None or new_mailing or (
                not self._attempted(current) and (current.pdf_sha256 != pdf_sha256 or
                                                  current.recipients_sha256 != recipients.sha256))
            if new:
                current, carried = self._create(event_id, pdf_sha256, recipients)
            else:
                self._refuse_changes(current, event_id, pdf_sha256, recipients)
                carried = 0
            retried = 0
            if retry_unknown:
                retried = self.db.execute(
                    "UPDATE delivery SET state = 'pending', changed_at = ? "
                    "WHERE mailing_id = ? AND state = 'unknown'", (_now(), current.id)).rowcount
        self.mailing = current
        reached("mail.begun")
        return Begun(current, new, recovered, carried, retried)

    def _attempted(self, mailing: Mailing) -> bool:
        return self.db.execute("SELECT count(*) FROM delivery WHERE mailing_id = ? AND "
                               "(attempts > 0 OR state NOT IN ('pending', 'sent', 'unknown'))",
                               (mailing.id,)).fetchone()[0] > 0

    def _refuse_changes(self, current: Mailing, event_id: str, pdf_sha256: str,
                        recipients: RecipientList) -> None:
        sent = sum(1 for d in self.deliveries(("sent", "unknown"), current))
        how = (f"mailing {current.id} began on {current.begun_at[:10]} and {sent} of its "
               f"recipients have (or may have) the brochure")
        if current.pdf_sha256 != pdf_sha256:
            was = (f"another event ({current.event_id})" if current.event_id != event_id
                   else f"PDF {current.pdf_sha256[:12]}…, now {pdf_sha256[:12]}…")
            raise BadInput.single(self.name, f"the brochure changed since the mailing began "
                                             f"({was}); {how}. To mail this PDF to everybody "
                                             f"who has not had it, add --new-mailing")
        if current.recipients_sha256 != recipients.sha256:
            raise BadInput.single(self.name, f"{recipients.name} changed since the mailing "
                                             f"began; {how}. To mail the list as it is now, "
                                             f"skipping everybody who has had this PDF, add "
                                             f"--new-mailing")

    def _create(self, event_id: str, pdf_sha256: str,
                recipients: RecipientList) -> tuple[Mailing, int]:
        now = _now()
        cursor = self.db.execute(
            "INSERT INTO mailing (event_id, pdf_sha256, recipients_sha256, recipients_file, "
            "begun_at) VALUES (?, ?, ?, ?, ?)",
            (event_id, pdf_sha256, recipients.sha256, recipients.name, now))
        mailing_id = cursor.lastrowid
        # Whoever had this very PDF (or may have) in an earlier mailing keeps that state.
        earlier = dict(self.db.execute(
            "SELECT d.address, CASE WHEN max(d.state = 'sent') THEN 'sent' ELSE 'unknown' END "
            "FROM delivery d JOIN mailing m ON m.id = d.mailing_id "
            "WHERE m.pdf_sha256 = ? AND d.state IN ('sent', 'unknown') GROUP BY d.address",
            (pdf_sha256,)))
        self.db.executemany(
            "INSERT INTO delivery (mailing_id, address, name, line, state, reply, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(mailing_id, r.key, r.name, r.line, earlier.get(r.key, "pending"),
              "in an earlier mailing of the same PDF" if r.key in earlier else "", now)
             for r in recipients.recipients])
        mailing = Mailing(mailing_id, event_id, pdf_sha256, recipients.sha256, recipients.name,
                          now)
        return mailing, sum(1 for r in recipients.recipients if r.key in earlier)

    # --- during the run ------------------------------------------------------------------

    def due(self) -> list[Delivery]:
        """Who this run mails, in the CSV's order."""
        return self.deliveries(DUE)

    def mark(self, address: str, state: str, reply: str = "") -> None:
        """Record a state change durably; the caller acts on it only after this returns."""
        assert self.mailing is not None
        sources = TRANSITIONS[state]
        with self._transaction():
            changed = self.db.execute(
                f"UPDATE delivery SET state = ?, reply = ?, changed_at = ?, "
                f"attempts = attempts + (state IN ('pending', 'deferred')) "
                f"WHERE mailing_id = ? AND address = ? "
                f"AND state IN ({', '.join('?' * len(sources))})",
                (state, reply, _now(), self.mailing.id, address, *sources)).rowcount
            if changed != 1:
                raise IllegalTransition(f"{address}: to {state} from "
                                        f"{self.state_of(address)}")

    # --- reading -------------------------------------------------------------------------

    def latest(self) -> Mailing | None:
        try:
            row = self.db.execute("SELECT id, event_id, pdf_sha256, recipients_sha256, "
                                  "recipients_file, begun_at FROM mailing "
                                  "ORDER BY id DESC LIMIT 1").fetchone()
        except sqlite3.OperationalError:  # a journal that was never begun
            return None
        return Mailing(*row) if row else None

    def deliveries(self, states: tuple[str, ...] = STATES,
                   mailing: Mailing | None = None) -> list[Delivery]:
        """The rows of a mailing (the current one unless given) in the given states."""
        mailing = mailing or self.mailing
        if mailing is None:
            return []
        return [Delivery(*row) for row in self.db.execute(
            f"SELECT address, name, line, state, attempts, reply FROM delivery "
            f"WHERE mailing_id = ? AND state IN ({', '.join('?' * len(states))}) "
            f"ORDER BY line", (mailing.id, *states))]

    def state_of(self, address: str) -> str | None:
        assert self.mailing is not None
        row = self.db.execute("SELECT state FROM delivery WHERE mailing_id = ? AND address = ?",
                              (self.mailing.id, address)).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, int]:
        """How many recipients of the current mailing are in each state."""
        counts = dict.fromkeys(STATES, 0)
        if self.mailing is not None:
            counts.update(self.db.execute("SELECT state, count(*) FROM delivery "
                                          "WHERE mailing_id = ? GROUP BY state",
                                          (self.mailing.id,)))
        return counts


# --- what the file is, and what went wrong with it -------------------------------------


def _refuse_other_files(path: Path, name: str) -> None:
    """Refuse a file that is not a mailing journal, reading it only: a missing or empty file
    becomes one; a journal is known by its application_id or, written before it, its tables."""
    try:
        with open(path, "rb", opener=lambda p, f: os.open(p, f | os.O_NOFOLLOW)) as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BadInput.single(name, "is a symbolic link; give the journal itself with "
                                        "--journal PATH") from None
        raise _cannot_open(name, exc) from None
    if not header:
        return
    if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
        raise BadInput.single(name, "not a mailing journal (not an SQLite database); give "
                                    "the journal's own path with --journal, or a new one")
    application_id, tables = _identity(path)  # read through SQLite: its WAL may hold them
    if application_id is None:
        raise BadInput.single(name, "not a mailing journal, or a damaged one (SQLite cannot "
                                    "read it); give the journal's own path with --journal")
    if application_id == APPLICATION_ID:
        return
    if application_id == CATALOGUE_ID:
        raise BadInput.single(name, "is the archive's catalogue, not a mailing journal; give "
                                    "the journal another path with --journal")
    # Without application_id: a journal from before it has its tables and no others (or none:
    # a journal whose first run died while setting it up).
    if application_id != 0 or tables not in (set(), _TABLES):
        raise BadInput.single(name, "not a mailing journal (another SQLite database); give "
                                    "the journal's own path with --journal, or a new one")


def _identity(path: Path) -> tuple[int | None, set[str] | None]:
    """(application_id, table names) of an SQLite file, opened read-only; None where
    SQLite cannot tell."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None, None
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return None, None
    finally:
        connection.close()
    return application_id, tables


def _remove_new_journal(path: Path) -> None:
    """This run made the file and could not set it up: nothing of it is anybody's."""
    for leftover in (path, path.with_name(path.name + "-wal"),
                     path.with_name(path.name + "-shm")):
        try:
            leftover.unlink()
        except OSError:
            pass


def _cannot_open(name: str, exc: OSError) -> KennisdagError:
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{name}: cannot create the journal: no space left on the device; "
                           f"nothing was sent", EXIT_IO)
    return OutputError(f"{name}: cannot open the journal: {reason}; choose another place with "
                       f"--journal PATH; nothing was sent", EXIT_CANT_CREATE)


# SQLite's primary result codes (sqlite3.h)
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_LOW_SPACE = MB  # bytes free under which a failed write is put down to a full disk


def _journal_error(name: str, path: Path, exc: sqlite3.Error, *,
                   started: bool = True) -> KennisdagError:
    """A failure of SQLite on the journal, as the user's cause and exit code. A write that
    failed mid-run leaves the last step on disk as it was: `sending` still means `unknown`."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    after = ("; the journal has every step before it: free some space and rerun the same "
             "command to resume" if started else "; nothing was sent")
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and _disk_nearly_full(path)):
        return OutputError(f"{name}: the journal cannot be written: no space left on the "
                           f"device{after}", EXIT_IO)
    if code == _SQLITE_IOERR:
        return OutputError(f"{name}: the journal cannot be written: {exc}{after}", EXIT_IO)
    if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        return OutputError(f"{name}: the journal cannot be written here ({exc}); choose another "
                           f"place with --journal PATH", EXIT_CANT_CREATE)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return JournalBusy(f"{name}: the journal is locked by another program ({exc}); try "
                           f"again when it is done")
    if code in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return BadInput.single(name, f"not a mailing journal, or a damaged one: {exc}")
    raise exc


def _disk_nearly_full(path: Path) -> bool:
    try:
        usage = os.statvfs(path.parent)
    except OSError:
        return False
    return usage.f_bavail * usage.f_frsize < _LOW_SPACE
