"""archive, extract and catalogue through the real command line: filing, rebuilding,
searching, verifying, and surviving kills and concurrent runs."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inprocess import run_in_process

from conftest import DATA

RUN = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]

SMALL_EVENT = """\
event:
  id: {id}
  title: {title}
  subtitle: Een kleine dag over archiveren
  date: 2019-05-{day:02d}
  venue: Het Pand
  city: Utrecht
  language: nl
  organisers:
    - name: Gemeente Utrecht
participants:
  - name: Anna de Vries
    organisation: Het Utrechts Archief
  - name: Bram Geheim
    organisation: Stille Vennoten BV
    listed: false
theses:
  - statement: Een archief is pas af als het zichzelf kan bewijzen.
    body: |
      De deelnemers spraken over duurzaamheid en controleerbaarheid van bestanden.
"""


def run(*args, cwd: Path, env: dict | None = None, check: bool = False):
    result = run_in_process(args, cwd=cwd, env={**os.environ, **(env or {})})
    if check:
        assert result.returncode == 0, result.stderr
    return result


def small_event(folder: Path, *, id: str = "archiefdag-2019", title: str = "Archiefdag",
                day: int = 14) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{id}.yaml"
    path.write_text(SMALL_EVENT.format(id=id, title=title, day=day), encoding="utf-8")
    return path


def catalogue_rows(root: Path) -> list[tuple]:
    db = sqlite3.connect(root / "catalogue.sqlite")
    try:
        return db.execute("SELECT id, version, source_sha256 FROM publications "
                          "ORDER BY id, version").fetchall()
    finally:
        db.close()


@pytest.fixture
def workspace(tmp_path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path


@pytest.fixture(scope="module")
def filed_2011(tmp_path_factory) -> Path:
    """An archive folder with the 2011 brochure filed once, shared by read-only tests."""
    root = tmp_path_factory.mktemp("filed")
    shutil.copytree(DATA, root / "data")
    run("archive", "data/kennisdag-2011.yaml", cwd=root, check=True)
    return root


# --- filing ------------------------------------------------------------------------------------

def test_archive_files_the_validated_pdf_its_source_and_a_manifest(filed_2011):
    folder = filed_2011 / "archive" / "2011" / "kennisdag-2011"
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert names == ["SHA256SUMS", "assets/ictloket-placeholder.png",
                     "assets/kennisdag-2011-cover.jpg",
                     "assets/mediaan-automatisering-placeholder.png",
                     "kennisdag-2011-archive.pdf", "kennisdag-2011.yaml"]
    # The manifest checks the folder on its own, with a tool every system has.
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": OK") == 5, check.stdout
    from kennisdag_pdf.pdfa import validate

    assert validate((folder / "kennisdag-2011-archive.pdf").read_bytes()) == []


def test_the_catalogue_lists_what_was_filed(filed_2011):
    listing = run("catalogue", "list", cwd=filed_2011, check=True).stdout
    assert "kennisdag-2011" in listing and "Social media." in listing
    assert "Chateau St. Gerlach" in listing and "1 publication in" in listing
    db = sqlite3.connect(filed_2011 / "archive" / "catalogue.sqlite")
    try:
        row = db.execute("SELECT title, date, venue, city, language, participants, theses, "
                         "pdf, source, archived_at, tool_version FROM publications").fetchone()
    finally:
        db.close()
    assert row[:7] == ("Social media.", "2011-04-07", "Chateau St. Gerlach",
                       "Valkenburg a/d Geul", "nl", 18, 7)
    assert row[7:9] == ("2011/kennisdag-2011/kennisdag-2011-archive.pdf",
                        "2011/kennisdag-2011/kennisdag-2011.yaml")
    assert row[9][-6] in "+-" and row[9][10] == "T"  # ISO 8601 with a UTC offset


@pytest.mark.parametrize("words, found", [
    ("gebakken lucht", True),         # subtitle
    ("GERLACH", True),                # venue, any case
    ("stellingen twitter", True),     # full text, all words
    ("lucht walvis", False),          # one word missing: no hit
    ('"; DROP TABLE publications; --', False),  # never query syntax, never SQL
    ("NEAR(lucht", False),
])
def test_catalogue_search(filed_2011, words, found):
    result = run("catalogue", "search", words, cwd=filed_2011, check=True)
    assert ("kennisdag-2011" in result.stdout) is found, result.stdout
    if found:
        assert "[" in result.stdout  # the words are highlighted in the snippet
    else:
        assert result.stdout.startswith("no publication has all of these words")
    assert catalogue_rows(filed_2011 / "archive")  # the catalogue is still there


def test_search_ignores_accents(workspace):
    event = small_event(workspace / "ev", title="Café société")
    run("archive", event, cwd=workspace, check=True)
    assert "archiefdag-2019" in run("catalogue", "search", "cafe societe", cwd=workspace,
                                    check=True).stdout


def test_filing_the_same_source_twice_changes_nothing(workspace):
    event = small_event(workspace / "ev")
    run("archive", event, cwd=workspace, check=True)
    root = workspace / "archive"
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    again = run("archive", event, cwd=workspace, check=True)
    assert "already archived (version 1" in again.stdout
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_changed_source_is_refused_unless_it_is_a_new_version(workspace):
    event = small_event(workspace / "ev")
    run("archive", event, cwd=workspace, check=True)
    event.write_text(event.read_text().replace("duurzaamheid", "houdbaarheid"), "utf-8")
    refused = run("archive", event, cwd=workspace)
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith("from a different source; file this one as a new "
                                           "version with --new-version, the old one is kept")
    assert len(refused.stderr.strip().splitlines()) == 1
    kept = run("archive", event, "--new-version", cwd=workspace, check=True)
    assert "version 2" in kept.stdout
    root = workspace / "archive"
    assert [row[:2] for row in catalogue_rows(root)] == [("archiefdag-2019", 1),
                                                        ("archiefdag-2019", 2)]
    assert (root / "2019" / "archiefdag-2019" / "archiefdag-2019-archive.pdf").is_file()
    assert (root / "2019" / "archiefdag-2019-v2" / "archiefdag-2019-archive.pdf").is_file()
    assert run("catalogue", "verify", cwd=workspace).returncode == 0


def test_only_what_the_brochure_prints_goes_into_the_archive(workspace):
    run("archive", small_event(workspace / "ev"), cwd=workspace, check=True)
    root = workspace / "archive"
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".sqlite":
            assert b"Bram Geheim" not in path.read_bytes(), path
    db = sqlite3.connect(root / "catalogue.sqlite")
    try:
        text = " ".join(db.execute("SELECT text FROM fulltext").fetchone())
        participants = db.execute("SELECT participants FROM publications").fetchone()[0]
    finally:
        db.close()
    assert "Bram Geheim" not in text and "Anna de Vries" in text
    assert participants == 1


# --- extract and rebuild -----------------------------------------------------------------------

def test_extract_then_build_gives_the_identical_pdf(filed_2011, tmp_path):
    archived = filed_2011 / "archive" / "2011" / "kennisdag-2011" / "kennisdag-2011-archive.pdf"
    out = run("extract", archived, "-o", tmp_path / "src", cwd=filed_2011, check=True).stdout
    assert f"rebuild: kennisdag-pdf build {tmp_path / 'src' / 'kennisdag-2011.yaml'} " \
           f"--profile archive" in out
    run("build", tmp_path / "src" / "kennisdag-2011.yaml", "--profile", "archive", "-o",
        tmp_path / "again.pdf", cwd=filed_2011, check=True)
    assert (tmp_path / "again.pdf").read_bytes() == archived.read_bytes()


def test_a_build_with_source_date_epoch_and_a4_is_rebuilt_with_both(workspace):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    run("build", "data/example-en.yaml", "-p", "archive", "--page-size", "a4", "-o", "a.pdf",
        cwd=workspace, env=env, check=True)
    out = run("extract", "a.pdf", "-o", "src", cwd=workspace, check=True).stdout
    command = out.strip().splitlines()[-1].removeprefix("rebuild: ")
    assert command == ("SOURCE_DATE_EPOCH=1700000000 kennisdag-pdf build src/example-en.yaml "
                       "--profile archive --page-size a4")
    run("build", "src/example-en.yaml", "-p", "archive", "--page-size", "a4", "-o", "b.pdf",
        cwd=workspace, env=env, check=True)
    assert (workspace / "a.pdf").read_bytes() == (workspace / "b.pdf").read_bytes()


def test_extract_refuses_a_pdf_that_carries_no_source(workspace):
    run("build", "data/example-en.yaml", "-o", "screen.pdf", cwd=workspace, check=True)
    result = run("extract", "screen.pdf", "-o", "src", cwd=workspace)
    assert result.returncode == 2
    assert result.stderr == ("screen.pdf: is not an archive copy made by kennisdag-pdf "
                             "(it carries no event file)\n")
    assert not (workspace / "src").exists()


def test_extract_never_writes_outside_its_folder(workspace):
    import pikepdf

    run("build", "data/example-en.yaml", "-p", "archive", "-o", "a.pdf", cwd=workspace,
        check=True)
    with pikepdf.open(workspace / "a.pdf", allow_overwriting_input=True) as pdf:
        pdf.attachments["../../escaped.yaml"] = pikepdf.AttachedFileSpec(
            pdf, b"event: {}\n", filename="../../escaped.yaml")
        pdf.save()
    result = run("extract", "a.pdf", "-o", "src", cwd=workspace)
    assert result.returncode == 2, result.stderr
    assert "is not a plain relative file name" in result.stderr
    assert not (workspace.parent / "escaped.yaml").exists()
    assert not (workspace / "src").exists()


def test_extract_does_not_overwrite_a_different_file(workspace):
    run("build", "data/example-en.yaml", "-p", "archive", "-o", "a.pdf", cwd=workspace,
        check=True)
    (workspace / "src").mkdir()
    (workspace / "src" / "example-en.yaml").write_text("# my own notes\n")
    result = run("extract", "a.pdf", "-o", "src", cwd=workspace)
    assert result.returncode == 73
    assert "exists with other content" in result.stderr
    assert (workspace / "src" / "example-en.yaml").read_text() == "# my own notes\n"


# --- verify ------------------------------------------------------------------------------------

def test_verify_passes_on_an_intact_archive(filed_2011):
    result = run("catalogue", "verify", cwd=filed_2011)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "archive: 6 files intact, every PDF/A valid\n"


@pytest.mark.parametrize("target", ["kennisdag-2011-archive.pdf", "kennisdag-2011.yaml",
                                    "assets/kennisdag-2011-cover.jpg", "SHA256SUMS"])
def test_one_changed_byte_fails_verify_naming_the_file(filed_2011, tmp_path, target):
    workspace = tmp_path / "copy"  # of the archive filed once: each test damages its own
    shutil.copytree(filed_2011 / "archive", workspace / "archive")
    path = workspace / "archive" / "2011" / "kennisdag-2011" / target
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = run("catalogue", "verify", cwd=workspace)
    assert result.returncode == 3
    assert result.stderr.splitlines()[0].startswith(
        f"archive/2011/kennisdag-2011/{target}: changed: its SHA-256 is no longer ")
    assert result.stderr.splitlines()[-1] == "1 problem in 6 files"


def test_a_missing_file_fails_verify(workspace):
    run("archive", small_event(workspace / "ev"), cwd=workspace, check=True)
    (workspace / "archive" / "2019" / "archiefdag-2019" / "archiefdag-2019.yaml").unlink()
    result = run("catalogue", "verify", cwd=workspace)
    assert result.returncode == 3
    assert "archive/2019/archiefdag-2019/archiefdag-2019.yaml: missing" in result.stderr


def test_a_corrupt_catalogue_is_one_clear_line(workspace):
    (workspace / "archive").mkdir()
    (workspace / "archive" / "catalogue.sqlite").write_bytes(b"not a database at all" * 100)
    for args in (["catalogue", "list"], ["catalogue", "verify"],
                 ["archive", "data/example-en.yaml"]):
        result = run(*args, cwd=workspace)
        assert result.returncode == 2, args
        assert result.stderr.startswith("archive/catalogue.sqlite: cannot be read as a "
                                        "catalogue (file is not a database)"), result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert (workspace / "archive" / "catalogue.sqlite").read_bytes().startswith(b"not a")


def test_no_catalogue_yet(workspace):
    result = run("catalogue", "list", cwd=workspace)
    assert result.returncode == 2
    assert "no catalogue here yet" in result.stderr
    assert not (workspace / "archive").exists()


# --- crashes and concurrency -------------------------------------------------------------------

CRASH_POINTS = ["archive-locked", "archive-staged", "archive-moved", "archive-recorded",
                "archive-committed"]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_run_killed_at_any_point_leaves_a_consistent_archive(workspace, point):
    first = small_event(workspace / "ev", id="eerste-dag", day=1)
    run("archive", first, cwd=workspace, check=True)
    event = small_event(workspace / "ev")
    killed = run("archive", event, cwd=workspace, env={"KENNISDAG_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL
    verified = run("catalogue", "verify", cwd=workspace)
    assert verified.returncode == 0, verified.stderr
    committed = point == "archive-committed"
    expected = ["archiefdag-2019", "eerste-dag"] if committed else ["eerste-dag"]
    assert [row[0] for row in catalogue_rows(workspace / "archive")] == expected
    # The next run finishes the job (or sees it was done) and leaves no debris behind.
    again = run("archive", event, cwd=workspace, check=True)
    assert ("already archived" in again.stdout) is committed
    assert [row[:2] for row in catalogue_rows(workspace / "archive")] == \
        [("archiefdag-2019", 1), ("eerste-dag", 1)]
    assert not list((workspace / "archive").rglob(".staging-*"))
    assert run("catalogue", "verify", cwd=workspace).returncode == 0


def test_a_run_killed_from_outside_mid_build_leaves_a_consistent_archive(workspace):
    run("archive", small_event(workspace / "ev", id="eerste-dag", day=1), cwd=workspace,
        check=True)
    process = subprocess.Popen([*RUN, "archive", "data/kennisdag-2011.yaml"], cwd=workspace,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.6)  # inside the layout: imports take about 0.3 s
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert run("catalogue", "verify", cwd=workspace).returncode == 0


def test_concurrent_archive_runs_take_turns(workspace):
    events = [small_event(workspace / "ev", id=f"dag-{n}", day=n + 1) for n in range(3)]
    events.append(events[0])  # the same publication twice at once: filed once
    processes = [subprocess.Popen([*RUN, "archive", str(event)], cwd=workspace,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for event in events]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    assert [row[:2] for row in catalogue_rows(workspace / "archive")] == \
        [("dag-0", 1), ("dag-1", 1), ("dag-2", 1)]
    assert sum("already archived" in out for out, _ in outputs) == 1
    verified = run("catalogue", "verify", cwd=workspace)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr


# --- issue 14: names --------------------------------------------------------------------------

def test_an_image_named_like_an_event_file_leaves_the_archive_extractable(workspace):
    """A PNG called logo.yml: the archive types it by its bytes, so the event file stays the
    only YAML file it carries."""
    from PIL import Image

    event = small_event(workspace / "ev")
    Image.new("RGB", (120, 60), (200, 40, 40)).save(workspace / "ev" / "logo.yml", "PNG")
    event.write_text(event.read_text().replace(
        "    - name: Gemeente Utrecht\n", "    - name: Gemeente Utrecht\n      logo: logo.yml\n"),
        encoding="utf-8")
    run("archive", event, cwd=workspace, check=True)
    archived = workspace / "archive" / "2019" / "archiefdag-2019" / "archiefdag-2019-archive.pdf"
    out = run("extract", archived, "-o", "src", cwd=workspace, check=True).stdout
    assert "src/archiefdag-2019.yaml" in out and "src/logo.yml" in out
    assert (workspace / "src" / "logo.yml").read_bytes()[:4] == b"\x89PNG"
    assert run("catalogue", "verify", cwd=workspace).returncode == 0


def test_an_event_file_name_with_a_line_break_gives_a_manifest_sha256sum_accepts(workspace):
    event = small_event(workspace / "ev")
    renamed = event.with_name("archief\ndag\\2019.yaml")
    event.rename(renamed)
    run("archive", renamed, cwd=workspace, check=True)
    folder = workspace / "archive" / "2019" / "archiefdag-2019"
    manifest = (folder / "SHA256SUMS").read_bytes()
    # sha256sum's own escape: the line starts with a backslash, the name holds '\n'
    assert manifest.startswith(b"\\") and b"  archief\\ndag-2019.yaml\n" in manifest
    assert manifest.count(b"\n") == 2
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=folder,
                           capture_output=True)
    assert check.returncode == 0 and check.stdout.count(b": OK") == 2, check
    assert run("catalogue", "verify", cwd=workspace).returncode == 0
