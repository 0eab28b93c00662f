"""Faults from outside: Ctrl-C and a kill in the middle of a long build.

A build writes its PDF through a temporary file that is renamed only when complete, so an
interrupted build leaves the previous PDF exactly as it was and no temporary file; Ctrl-C
says so in one line and exits 130. (Archive and mail have their own kill tests at every
journal and filing step: test_archive.py, test_mail_crash.py. A full disk and a refused
write are simulated on the write path itself: test_output.py.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import DATA

RUN = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]
PREVIOUS = b"%PDF-1.4 the previous brochure\n"


@pytest.fixture(scope="module")
def long_event(tmp_path_factory) -> Path:
    """The 2011 brochure with its theses eighty times over: seconds of layout."""
    import shutil

    folder = tmp_path_factory.mktemp("long")
    shutil.copytree(DATA / "assets", folder / "assets")
    day = yaml.safe_load((DATA / "kennisdag-2011.yaml").read_text(encoding="utf-8"))
    day["event"]["date"] = str(day["event"]["date"])
    day["theses"] = [dict(t, statement=f"{t['statement']} ({n})")
                     for n in range(80) for t in day["theses"]]
    path = folder / "event.yaml"
    path.write_text(yaml.safe_dump(day, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _interrupt(event: Path, target: Path, sig: int) -> subprocess.CompletedProcess:
    process = subprocess.Popen([*RUN, "build", str(event), "--page-size", "a4",
                                "--max-size", "100MB", "-o", str(target)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # imports done (~0.4 s), the layout under way
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_an_interrupted_build_leaves_the_previous_pdf_and_no_temporary_file(
        tmp_path, long_event, sig):
    target = tmp_path / "out" / "brochure.pdf"
    target.parent.mkdir()
    target.write_bytes(PREVIOUS)
    result = _interrupt(long_event, target, sig)
    if sig == signal.SIGINT:
        assert result.returncode == 130
        assert result.stderr == "interrupted; nothing was written\n"
    else:
        assert result.returncode == -signal.SIGKILL
    assert target.read_bytes() == PREVIOUS
    assert sorted(p.name for p in target.parent.iterdir()) == ["brochure.pdf"]


def test_the_long_event_builds_when_left_alone(tmp_path, long_event):
    """The interrupt tests interrupt something real: left alone, the build completes."""
    target = tmp_path / "brochure.pdf"
    result = subprocess.run([*RUN, "build", str(long_event), "--page-size", "a4",
                             "--max-size", "100MB", "-o", str(target)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF")


def test_ctrl_c_during_archive_leaves_the_archive_as_it_was(tmp_path, long_event):
    """Filed before, interrupted now: the catalogue and its files are as they were and
    `catalogue verify` passes. (SIGKILL at every filing step: test_archive.py.)"""
    import shutil

    first = tmp_path / "first"
    shutil.copytree(DATA, first)
    archive = tmp_path / "archive"
    subprocess.run([*RUN, "archive", str(first / "example-en.yaml"), "--into", str(archive)],
                   check=True, capture_output=True, timeout=120)
    before = {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()}
    process = subprocess.Popen([*RUN, "archive", str(long_event), "--into", str(archive)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert process.poll() is None, "the archive run ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and err == "interrupted; nothing was written\n"
    assert {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()} == before
    verify = subprocess.run([*RUN, "catalogue", "verify", "--into", str(archive)],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stderr
