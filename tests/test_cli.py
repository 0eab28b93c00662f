"""The command line as a user meets it: commands, exit codes, messages, files left behind."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from conftest import DATA
from typer.testing import CliRunner

from kennisdag_pdf import cli

RUN = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]


def run(*args, cwd=None):
    return subprocess.run([*RUN, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture
def event_folder(tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    return folder


def test_build_writes_the_default_output_path(event_folder):
    done = run("build", "kennisdag-2011.yaml", cwd=event_folder)
    assert done.returncode == 0, done.stderr
    target = event_folder / "output" / "kennisdag-2011.pdf"
    assert target.read_bytes().startswith(b"%PDF-")
    assert re.match(r"output/kennisdag-2011.pdf: screen, A5, \d+ pages, \d+ kB, ", done.stdout)
    assert done.stderr == ""
    assert not list(target.parent.glob(".*.tmp"))


def test_build_with_output_option(event_folder, tmp_path):
    target = tmp_path / "elsewhere" / "brochure.pdf"
    done = run("build", event_folder / "example-en.yaml", "-o", target)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"%PDF-")


def test_a_failed_build_leaves_the_previous_pdf_untouched(event_folder):
    target = event_folder / "brochure.pdf"
    assert run("build", "kennisdag-2011.yaml", "-o", target, cwd=event_folder).returncode == 0
    before = target.read_bytes()
    broken = event_folder / "broken.yaml"
    broken.write_text((event_folder / "kennisdag-2011.yaml").read_text(encoding="utf-8")
                      .replace("  language: nl", "  language: fr"), encoding="utf-8")
    done = run("build", "broken.yaml", "-o", target, cwd=event_folder)
    assert done.returncode == 2
    assert done.stderr.startswith("broken.yaml:")
    assert "event.language: 'fr' is not one of" in done.stderr
    assert target.read_bytes() == before
    assert sorted(p.name for p in event_folder.iterdir() if p.name.startswith(".")) == []


def test_validate_reports_and_writes_nothing(event_folder):
    done = run("validate", "kennisdag-2011.yaml", cwd=event_folder)
    assert done.returncode == 0, done.stderr
    assert "valid (6 agenda items, 18 participants, 7 theses)" in done.stdout
    assert not (event_folder / "output").exists()


def test_schema_is_json_schema_of_the_format():
    done = run("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"event", "agenda", "participants", "theses", "conclusions"} <= set(
        schema["properties"])
    assert schema["additionalProperties"] is False


def test_schema_piped_into_a_closed_reader_is_quiet():
    shell = subprocess.run(f"{sys.executable} -c 'from kennisdag_pdf.cli import main; main()' "
                           f"schema | head -c 10", shell=True, capture_output=True, text=True)
    assert shell.stdout == '{\n  "$sche'
    assert "Traceback" not in shell.stderr and "BrokenPipe" not in shell.stderr


def test_help_and_version():
    assert "build" in run("--help").stdout
    done = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("kennisdag-pdf ")


def test_unknown_option_is_a_usage_error():
    done = run("build", "--colour", "x.yaml")
    assert done.returncode == 2
    assert "No such option" in done.stderr


def test_internal_error_asks_for_debug_and_hides_the_traceback(monkeypatch, tmp_path):
    def broken(*args):
        raise RuntimeError("something impossible")

    monkeypatch.setattr("kennisdag_pdf.render.render", broken)
    runner = CliRunner()
    result = runner.invoke(cli.app, ["build", str(DATA / "kennisdag-2011.yaml"), "-o",
                                     str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "internal error: RuntimeError: something impossible" in result.output
    assert "--debug" in result.output
    assert "Traceback" not in result.output
    debug = runner.invoke(cli.app, ["--debug", "build", str(DATA / "kennisdag-2011.yaml"),
                                    "-o", str(tmp_path / "x.pdf")])
    assert isinstance(debug.exception, RuntimeError)
    assert not (tmp_path / "x.pdf").exists()


def test_ctrl_c_exits_130_and_writes_nothing(monkeypatch, tmp_path):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("kennisdag_pdf.render.render", interrupted)
    result = CliRunner().invoke(cli.app, ["build", str(DATA / "kennisdag-2011.yaml"), "-o",
                                          str(tmp_path / "x.pdf")])
    assert result.exit_code == 130
    assert "interrupted" in result.output
    assert list(tmp_path.iterdir()) == []
