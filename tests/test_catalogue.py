"""The catalogue and filing against hand edits, foreign databases and failing disks, in
process and without rendering: a blank one-page PDF stands in for the archive copy."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import subprocess
import time
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from kennisdag_pdf import archive
from kennisdag_pdf.archive import file_publication, manifest_line, verify
from kennisdag_pdf.catalogue import (APPLICATION_ID, FILE_NAME, JOURNAL_APPLICATION_ID,
                                     Catalogue, Inconsistent, _failed)
from kennisdag_pdf.errors import BadInput, OutputError
from kennisdag_pdf.published import Published

EVENT = """\
event:
  id: {id}
  title: Archiefdag
  date: 2019-05-14
  venue: Het Pand
  city: Utrecht
  language: nl
  organisers:
    - name: Gemeente Utrecht
"""


def blank_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def file_one(root: Path, tmp_path: Path, *, id: str = "archiefdag-2019", text: str = "",
             new_version: bool = False):
    from kennisdag_pdf.loader import load

    event = tmp_path / f"{id}.yaml"
    event.write_text(EVENT.format(id=id) + text, encoding="utf-8")
    day = load(event).day
    source = Published(f"{id}.yaml", event.read_bytes(), {})
    return file_publication(root, pdf=blank_pdf(), pdf_name=f"{id}-archive.pdf",
                            source=source, day=day, pages=1, new_version=new_version)


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "archive"
    file_one(root, tmp_path)
    return root


def sql(root: Path, *statements: str) -> None:
    db = sqlite3.connect(root / FILE_NAME)
    try:
        for statement in statements:
            db.execute(statement)
        db.commit()
    finally:
        db.close()


def header(root: Path) -> tuple[int, int]:
    db = sqlite3.connect(root / FILE_NAME)
    try:
        return (db.execute("PRAGMA application_id").fetchone()[0],
                db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


# --- item 18: each database says what it is ----------------------------------------------------

def test_a_new_catalogue_says_it_is_one(root):
    assert header(root) == (APPLICATION_ID, 1)
    assert APPLICATION_ID.to_bytes(4, "big") == b"KDCA"
    assert JOURNAL_APPLICATION_ID.to_bytes(4, "big") == b"KDJN"


def test_a_mail_journal_is_never_taken_for_a_catalogue(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    db = sqlite3.connect(folder / FILE_NAME)
    db.execute(f"PRAGMA application_id = {JOURNAL_APPLICATION_ID}")
    db.execute("CREATE TABLE recipients (address TEXT)")
    db.commit()
    db.close()
    before = (folder / FILE_NAME).read_bytes()
    for create in (True, False):
        with pytest.raises(BadInput, match="is a kennisdag-pdf mail journal, not a catalogue"):
            Catalogue(folder, create=create)
    assert (folder / FILE_NAME).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [FILE_NAME]


def test_another_programs_database_is_not_a_catalogue(root):
    sql(root, "PRAGMA application_id = 1234")
    with pytest.raises(BadInput, match="is an SQLite database but not a kennisdag-pdf "
                                       "catalogue"):
        Catalogue(root, create=False)


def test_a_catalogue_from_before_application_id_is_read_and_then_marked(root, tmp_path):
    sql(root, "PRAGMA application_id = 0")
    with Catalogue(root, create=False) as catalogue:
        assert [e.id for e in catalogue.entries()] == ["archiefdag-2019"]
    assert header(root) == (0, 1)  # reading changes nothing
    file_one(root, tmp_path, id="tweede-dag")
    assert header(root) == (APPLICATION_ID, 1)


# --- item 19: only the tool's own schema, and rows as the tool writes them ---------------------

@pytest.mark.parametrize("statement, reason", [
    ("CREATE VIEW loop AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
     "SELECT n FROM r", "it holds a view loop that kennisdag-pdf does not make"),
    ("CREATE TRIGGER t AFTER INSERT ON publications BEGIN DELETE FROM files; END",
     "it holds a trigger t that kennisdag-pdf does not make"),
    ("CREATE INDEX by_title ON publications (title)",
     "it holds an index by_title that kennisdag-pdf does not make"),
    ("ALTER TABLE publications ADD COLUMN note TEXT", "its table publications was changed"),
    ("DROP TABLE fulltext", "its table fulltext is missing"),
])
def test_a_schema_that_is_not_the_tools_own_is_refused(root, statement, reason):
    sql(root, statement)
    started = time.monotonic()
    for command in ("entries", "files"):
        with pytest.raises(BadInput) as caught:
            with Catalogue(root, create=False) as catalogue:
                getattr(catalogue, command)()
        assert reason in str(caught.value)
        assert "restore it from a backup" in str(caught.value)
    assert time.monotonic() - started < 5


def test_a_recursive_view_in_place_of_a_table_never_runs(root):
    sql(root, "DROP TABLE files", "CREATE VIEW files (path, id, version, sha256, bytes) AS "
              "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
              "SELECT n, n, n, n, n FROM r")
    with pytest.raises(BadInput, match="its table files was replaced by a view"):
        verify(root)


@pytest.mark.parametrize("statement, column", [
    ("UPDATE publications SET version = 'x'", ""),  # its files then belong to none
    ("UPDATE publications SET pages = 2.5", "pages"),
    ("UPDATE publications SET theses = 'zeven'", "theses"),
    ("UPDATE publications SET title = x'00ff'", "title"),
    ("UPDATE files SET bytes = 'many' WHERE path LIKE '%SHA256SUMS'", "bytes"),
])
def test_a_row_the_tool_did_not_write_is_an_inconsistent_catalogue(root, statement, column):
    sql(root, "PRAGMA foreign_keys = OFF", statement)
    expected = f"as {column}, where kennisdag-pdf writes" if column else "no publication"
    with pytest.raises(Inconsistent, match=expected) as caught:
        with Catalogue(root, create=False) as catalogue:
            catalogue.entries()
            catalogue.files()
    # a value no version of the tool writes is not its catalogue (2); rows it did write that
    # no longer belong together are a failed check (3)
    assert caught.value.exit_code == (2 if column else 3)


def test_rows_left_after_deleting_publications_stop_the_next_filing_before_it_writes(
        root, tmp_path):
    sql(root, "DELETE FROM publications")
    folder = root / "2019" / "archiefdag-2019"
    before = {p: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(Inconsistent, match="belongs to no publication") as caught:
        file_one(root, tmp_path, text="# changed\n")
    assert caught.value.exit_code == 3
    assert {p: p.read_bytes() for p in folder.iterdir()} == before
    with pytest.raises(Inconsistent):
        verify(root)


def test_two_publications_never_share_a_folder(root, tmp_path):
    """'archiefdag-2019-v2' version 1 lives where 'archiefdag-2019' version 2 would."""
    file_one(root, tmp_path, id="archiefdag-2019-v2")
    kept = root / "2019" / "archiefdag-2019-v2"
    before = {p: p.read_bytes() for p in kept.iterdir()}
    with pytest.raises(BadInput, match="already holds another publication"):
        file_one(root, tmp_path, text="# changed\n", new_version=True)
    assert {p: p.read_bytes() for p in kept.iterdir()} == before
    with Catalogue(root, create=False) as catalogue:
        assert [(e.id, e.version) for e in catalogue.entries()] == [
            ("archiefdag-2019", 1), ("archiefdag-2019-v2", 1)]


def test_a_folder_the_catalogue_does_not_know_is_replaced_only_when_it_proves_it_is_ours(
        root, tmp_path):
    theirs = root / "2019" / "tweede-dag"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="holds files kennisdag-pdf did not write") as caught:
        file_one(root, tmp_path, id="tweede-dag")
    assert caught.value.exit_code == 73
    assert (theirs / "notes.txt").read_text() == "mine"
    (theirs / "notes.txt").unlink()
    (theirs / "SHA256SUMS").write_bytes(manifest_line("0" * 64, "x.yaml").encode())
    (theirs / "x.yaml").write_text("changed since")  # the checksum does not prove it
    with pytest.raises(OutputError):
        file_one(root, tmp_path, id="tweede-dag")
    (theirs / "x.yaml").write_bytes(b"")
    (theirs / "SHA256SUMS").write_bytes(manifest_line(archive.sha256(b""), "x.yaml").encode())
    assert file_one(root, tmp_path, id="tweede-dag").new
    assert not (theirs / "x.yaml").exists()


# --- item 11: verify opens only regular files inside the archive folder ------------------------

@pytest.mark.parametrize("planted", ["/dev/zero", "../../etc/shadow", "2019/../../outside.txt",
                                     "", "2019/./x"])
def test_verify_never_opens_a_path_outside_the_archive(root, planted, monkeypatch):
    (root.parent / "outside.txt").write_text("secret")
    sql(root, f"UPDATE files SET path = '{planted}' WHERE path LIKE '%SHA256SUMS'")
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(str(path))
                        or real_open(path, *a, **k))
    failures, _, _ = verify(root)
    [problem] = [f for f in failures if f.path == planted]
    assert problem.message.startswith("the catalogue was tampered with: ")
    assert not [path for path in opened if "outside" in path or path.startswith("/dev")]


@pytest.mark.parametrize("kind", ["link-out", "fifo", "folder", "device-link"])
def test_verify_reads_only_regular_files(root, tmp_path, kind):
    target = root / "2019" / "archiefdag-2019" / "SHA256SUMS"
    target.unlink()
    if kind == "link-out":
        (tmp_path / "secret").write_text("x")
        target.symlink_to(tmp_path / "secret")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to("/dev/zero")
    started = time.monotonic()
    failures, _, _ = verify(root)
    assert time.monotonic() - started < 5
    [problem] = [f for f in failures if f.path.endswith("SHA256SUMS")]
    assert problem.message.startswith("the catalogue was tampered with: "), problem


def test_verify_reads_no_more_than_the_recorded_size(root):
    target = root / "2019" / "archiefdag-2019" / "archiefdag-2019.yaml"
    with open(target, "ab") as handle:
        handle.truncate(64 * 1024 * 1024 * 1024)  # sparse: 64 GB that are never read
    started = time.monotonic()
    failures, _, _ = verify(root)
    assert time.monotonic() - started < 5
    assert [f.message[:8] for f in failures if f.path.endswith(".yaml")] == ["changed:"]


# --- item 17: the documented code and the real cause -------------------------------------------

@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_catalogue_follows_the_umask_like_the_archived_files(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        file_one(tmp_path / "archive", tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "archive" / FILE_NAME).stat().st_mode) == mode
    pdf = tmp_path / "archive" / "2019" / "archiefdag-2019" / "archiefdag-2019-archive.pdf"
    assert stat.S_IMODE(pdf.stat().st_mode) == mode


@pytest.mark.parametrize("code, exit_code, words", [
    (errno.ENOSPC, 74, "no space left on the device"),
    (errno.EACCES, 73, "permission denied"),
    (errno.EROFS, 73, "read-only"),
])
def test_a_new_catalogue_that_cannot_be_made_names_the_cause(tmp_path, monkeypatch, code,
                                                             exit_code, words):
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError) as caught:
        file_one(tmp_path / "archive", tmp_path)
    assert caught.value.exit_code == exit_code
    assert words in str(caught.value).lower()
    assert "restore it from a backup" not in str(caught.value)
    assert not (tmp_path / "archive" / FILE_NAME).exists()


@pytest.mark.parametrize("code, exit_code", [(errno.ENOSPC, 74), (errno.EDQUOT, 74),
                                             (errno.EACCES, 73), (errno.EIO, 74)])
def test_filing_that_cannot_write_its_files_gives_the_documented_code(root, tmp_path,
                                                                      monkeypatch, code,
                                                                      exit_code):
    def failing(path, data):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(archive, "_write_durably", failing)
    with pytest.raises(OutputError) as caught:
        file_one(root, tmp_path, id="tweede-dag")
    assert caught.value.exit_code == exit_code
    assert "nothing was filed" in str(caught.value)
    assert not list(root.glob(".staging-*")) and not (root / "2019" / "tweede-dag").exists()
    with Catalogue(root, create=False) as catalogue:
        assert [e.id for e in catalogue.entries()] == ["archiefdag-2019"]


@pytest.mark.parametrize("message, exit_code", [
    ("database or disk is full", 74), ("attempt to write a readonly database", 73),
    ("disk I/O error", 74), ("database disk image is malformed", 2)])
def test_a_failed_catalogue_write_is_told_by_its_cause(tmp_path, message, exit_code):
    assert _failed(tmp_path / FILE_NAME, sqlite3.OperationalError(message)).exit_code == \
        exit_code


# --- item 21: SHA256SUMS lines for any name ----------------------------------------------------

NAMES = ["plain.yaml", "new\nline.yaml", "back\\slash.png", "carriage\rreturn.png",
         "both\\n\n.yaml", "spatie en é.jpg"]


def test_sha256sum_checks_a_manifest_with_any_name(tmp_path):
    lines = []
    for name in NAMES:
        (tmp_path / name).write_bytes(name.encode())
        lines.append(manifest_line(archive.sha256(name.encode()), name))
    (tmp_path / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=tmp_path,
                           capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(b": OK") == len(NAMES)
    # and the same lines as sha256sum itself writes
    own = subprocess.run(["sha256sum", "--", *NAMES], cwd=tmp_path, capture_output=True,
                         check=True).stdout
    assert own.decode() == "".join(lines)
    assert archive._parse_manifest("".join(lines).encode()) == {
        name: archive.sha256(name.encode()) for name in NAMES}


def test_a_file_named_like_a_year_folder_is_ignored_by_verify(root):
    (root / "2020").write_text("not a folder")
    failures, notes, _ = verify(root)
    assert not [p for p in failures + notes if p.path.startswith("2020")]


def test_a_planted_path_with_a_line_break_is_reported_on_one_line(root):
    from typer.testing import CliRunner

    from kennisdag_pdf.cli import app

    sql(root, "UPDATE files SET path = '2019/x' || char(10) || 'y' WHERE path LIKE '%SHA256SUMS'")
    result = CliRunner().invoke(app, ["catalogue", "verify", "--into", str(root)])
    assert result.exit_code == 3
    assert f"{root}/2019/x\\ny: missing" in result.output.splitlines()


@pytest.mark.parametrize("kind, words", [("device", "is a device"), ("fifo", "is a pipe")])
def test_a_catalogue_that_is_no_regular_file_is_never_opened(tmp_path, kind, words):
    folder = tmp_path / "archive"
    folder.mkdir()
    if kind == "device":
        (folder / FILE_NAME).symlink_to("/dev/zero")
    else:
        os.mkfifo(folder / FILE_NAME)
    for create in (False, True):
        with pytest.raises(BadInput, match=f"{words}, not a catalogue file"):
            Catalogue(folder, create=create)
