"""The mailing journal: who was sent which brochure, so that nobody is mailed it twice.

SQLite, beside the recipients CSV by default (not in output/, which may be cleaned at any
time: a lost journal would mean a second mailing). One row per recipient and mailing, in one
of these states:

    pending ──► sending ──► sent
       │           ├──────► failed    permanent refusal (5xx): the server's reply is kept
       │           ├──────► deferred  4xx, or the connection lost before the data was complete
       │           └──────► unknown   the connection lost after the data (RFC 1047): the
       │                              message may or may not have arrived
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
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..crashpoints import reached
from ..errors import EXIT_DELIVERY_INCOMPLETE, BadInput, KennisdagError
from ..loader import display_name
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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # addresses: private
        except OSError as exc:
            raise BadInput.single(name, f"cannot open the journal: "
                                        f"{(exc.strerror or str(exc)).lower()}; choose another "
                                        f"place with --journal PATH") from None
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            connection = cls._connect(path, create=True)
        except BaseException as exc:
            os.close(lock_fd)
            if isinstance(exc, BlockingIOError):
                raise JournalBusy(f"{name}: another 'mail --send' is using this journal; wait "
                                  f"for it to end (--status shows how far it is)") from None
            raise
        journal = cls(path, connection, lock_fd)
        try:
            connection.executescript(_SCHEMA)
        except BaseException:
            journal.close()
            raise
        journal.mailing = journal.latest()
        return journal

    @classmethod
    def read(cls, path: Path) -> Journal:
        if not path.is_file():
            raise BadInput.single(display_name(path), "no journal here: nothing was sent with "
                                                      "--send for this recipients file (or "
                                                      "give --journal PATH)")
        return cls(path, cls._connect(path, create=False), None)

    @staticmethod
    def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}",
                                     uri=True, isolation_level=None, timeout=10)
        try:
            connection.execute("PRAGMA journal_mode = WAL")  # a reader never blocks the run
            connection.execute("PRAGMA synchronous = FULL")  # a commit is on disk when it returns
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise BadInput.single(display_name(path), f"not a mailing journal: {exc}") from None
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
    def _transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
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
