"""`kennisdag-pdf watch`: rebuilds on a change, survives a broken edit, keeps the last good PDF."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import DATA

from kennisdag_pdf.watch import relevant

CLI = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]


def test_which_changes_count(tmp_path):
    event = tmp_path / "event.yaml"
    assert relevant(event, event)
    assert relevant(event, tmp_path / "assets" / "logo.PNG")
    assert relevant(event, tmp_path / "cover.jpeg")
    assert not relevant(event, tmp_path / ".event.yaml.swp")
    assert not relevant(event, tmp_path / "event.yaml~")
    assert not relevant(event, tmp_path / ".brochure.pdf.x1y2.tmp")
    assert not relevant(event, tmp_path / "notes.txt")
    assert not relevant(event, tmp_path / "other.yaml")


class Lines:
    """The merged output of a process, line by line, with a deadline per wait."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(process.stdout,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {timeout} s; saw {self.seen}")


def test_watch_rebuilds_and_survives_an_invalid_edit(tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    shutil.copy(DATA / "example-en.yaml", folder / "event.yaml")
    shutil.copytree(DATA / "assets", folder / "assets")
    target = tmp_path / "out.pdf"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    process = subprocess.Popen([*CLI, "watch", str(folder / "event.yaml"), "-o", str(target)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env, cwd=tmp_path)
    try:
        lines = Lines(process)
        lines.wait_for("out.pdf: screen, A5, ")  # built: "… 10 pages, 247 kB, 1.3 s"
        lines.wait_for("watching")
        first = target.read_bytes()

        source = (folder / "event.yaml").read_text(encoding="utf-8")
        (folder / "event.yaml").write_text(
            source.replace("title: Open data", "title: Open data again"), encoding="utf-8")
        lines.wait_for("changed: event.yaml")
        lines.wait_for("out.pdf:")
        good = target.read_bytes()
        assert good != first

        (folder / "event.yaml").write_text(source.replace("  date: ", "  date: tomorrow #"),
                                           encoding="utf-8")
        lines.wait_for("event.date")
        lines.wait_for("not rebuilt")
        assert target.read_bytes() == good  # the last good PDF stays
        assert process.poll() is None  # still watching

        (folder / "event.yaml").write_text(source, encoding="utf-8")
        lines.wait_for("out.pdf:")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        lines.wait_for("stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def test_watching_a_file_that_does_not_exist_is_bad_input(tmp_path):
    done = subprocess.run([*CLI, "watch", "nothere.yaml"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr == "nothere.yaml: file not found\n"
