"""What the journal file is, and what happens when it cannot be written (issue 14, items 17
and 18): a journal refuses to be any other SQLite file (the archive's catalogue above all) and
changes nothing in one; a full disk or an I/O error gives exit 74 with its cause, never exit 1
or "not a mailing journal", and leaves no empty journal behind; a failed write mid-run leaves
the journal as it was at the last step, so nobody is mailed twice on the rerun."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kennisdag_pdf.errors import EXIT_CANT_CREATE, EXIT_IO, BadInput, OutputError
from kennisdag_pdf.mail import journal as journal_module
from kennisdag_pdf.mail.journal import APPLICATION_ID, CATALOGUE_ID, Journal, default_path
from test_mail_journal import PDF_A, listing


@pytest.fixture
def path(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return default_path(tmp_path / "recipients.csv")


def sqlite_file(path: Path, application_id: int, *tables: str) -> bytes:
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA application_id = {application_id}")
    for table in tables:
        db.execute(f"CREATE TABLE {table} (x)")
    db.commit()
    db.close()
    return path.read_bytes()


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


@pytest.mark.parametrize("application_id, tables, message", [
    (CATALOGUE_ID, ("publication", "file"), "is the archive's catalogue, not a mailing journal"),
    (0, ("publication", "file"), "not a mailing journal (another SQLite database)"),
    (0, ("mailing", "delivery", "publication"), "not a mailing journal (another SQLite"),
    (0x12345678, ("mailing", "delivery"), "not a mailing journal (another SQLite database)"),
], ids=["catalogue", "other-database", "journal-tables-and-more", "other-application"])
@pytest.mark.parametrize("opening", ["open", "read"])
def test_any_other_sqlite_file_is_refused_and_left_unchanged(path, application_id, tables,
                                                            message, opening):
    before = sqlite_file(path, application_id, *tables)
    listed = siblings(path)
    with pytest.raises(BadInput) as caught:
        getattr(Journal, opening)(path)
    assert caught.value.lines()[0].startswith(f"{path.name}: {message}")
    assert path.read_bytes() == before and siblings(path) == listed  # no WAL, no -shm left


def test_a_file_that_is_no_database_is_refused_unchanged(path):
    path.write_text("name,email\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        Journal.open(path)
    assert "not an SQLite database" in caught.value.lines()[0]
    assert path.read_text(encoding="utf-8") == "name,email\n"


def test_a_new_journal_says_what_it_is(path):
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID == 0x4B444A4E


def test_a_journal_from_before_application_id_is_known_by_its_tables(path):
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
        journal.mark("anna@example.org", "sending")
        journal.mark("anna@example.org", "sent", "250 OK")
        journal.db.execute("PRAGMA application_id = 0")  # as an older version left it
    with Journal.read(path) as journal:
        assert journal.counts()["sent"] == 1
    with Journal.open(path) as journal:
        assert journal.db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


class FailingDatabase:
    """The journal's connection, with writes failing from a given statement on as SQLite
    fails them when the disk is full (or an I/O error)."""

    def __init__(self, db, code: int, name: str, fail_on: str) -> None:
        self.db, self.code, self.name, self.fail_on = db, code, name, fail_on

    def execute(self, sql, *args):
        if self.fail_on in sql:
            error = sqlite3.OperationalError("database or disk is full" if self.code == 13
                                             else "disk I/O error")
            error.sqlite_errorcode, error.sqlite_errorname = self.code, self.name
            raise error
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


@pytest.mark.parametrize("code, name, message", [
    (13, "SQLITE_FULL", "no space left on the device"),
    (778, "SQLITE_IOERR_WRITE", "disk I/O error"),
])
def test_a_full_disk_at_the_start_leaves_no_empty_journal(path, monkeypatch, code, name,
                                                          message):
    real = sqlite3.connect
    monkeypatch.setattr(journal_module.sqlite3, "connect",
                        lambda *a, **k: FailingDatabase(real(*a, **k), code, name, "WAL"))
    with pytest.raises(OutputError) as caught:
        Journal.open(path)
    assert caught.value.exit_code == EXIT_IO
    assert str(caught.value) == (f"{path.name}: the journal cannot be written: {message}; "
                                 f"nothing was sent")
    assert siblings(path) == []


def test_a_journal_that_cannot_be_created_is_exit_73(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        Journal.open(Path("notes.txt/x.journal.sqlite"))
    assert caught.value.exit_code == EXIT_CANT_CREATE
    assert "--journal PATH" in str(caught.value)


def test_a_full_disk_mid_run_ends_with_74_and_the_last_step_kept(path):
    journal = Journal.open(path)
    journal.begin("kennisdag-2011", PDF_A, listing())
    journal.mark("anna@example.org", "sending")
    journal.db = FailingDatabase(journal.db, 13, "SQLITE_FULL", "UPDATE delivery")
    with pytest.raises(OutputError) as caught:
        journal.mark("anna@example.org", "sent", "250 OK")
    assert caught.value.exit_code == EXIT_IO
    assert "no space left on the device; the journal has every step before it" in str(
        caught.value)
    journal.db = journal.db.db
    journal.close()
    with Journal.open(path) as journal:  # the rerun: sent or not, anna is never mailed again
        begun = journal.begin("kennisdag-2011", PDF_A, listing())
        assert begun.recovered == 1 and journal.state_of("anna@example.org") == "unknown"


def test_a_real_sqlite_full_is_reported_as_a_full_disk(path):
    """SQLite's own SQLITE_FULL (a page limit standing in for the disk), not a mock."""
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
        pages = journal.db.execute("PRAGMA page_count").fetchone()[0]
        journal.db.execute(f"PRAGMA max_page_count = {pages}")
        journal.mark("anna@example.org", "sending")
        with pytest.raises(OutputError) as caught:  # a reply that needs pages of its own
            journal.mark("anna@example.org", "unknown", "x" * 20_000)
        assert journal.state_of("anna@example.org") == "sending"  # rolled back, still usable
    assert caught.value.exit_code == EXIT_IO and "no space left" in str(caught.value)


def test_a_symlink_as_the_journal_is_refused(path, tmp_path):
    target = tmp_path / "elsewhere.sqlite"
    before = sqlite_file(target, 0, "notes")
    path.symlink_to(target)
    with pytest.raises(BadInput) as caught:
        Journal.open(path)
    assert "symbolic link" in caught.value.lines()[0] and target.read_bytes() == before


def test_the_journal_and_catalogue_ids_spell_their_names():
    assert APPLICATION_ID.to_bytes(4, "big") == b"KDJN"
    assert CATALOGUE_ID.to_bytes(4, "big") == b"KDCA"
