"""The command line as a user meets it: commands, exit codes, messages, files left behind."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from conftest import DATA
from inprocess import run_in_process
from typer.testing import CliRunner

from kennisdag_pdf import cli

RUN = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]


def run(*args, cwd=None):
    return run_in_process(args, cwd=cwd)


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


@pytest.mark.parametrize("raised, code, stderr", [
    ("SystemExit('boom')", 1, "boom\n"), ("SystemExit(None)", 0, ""), ("SystemExit(3)", 3, ""),
    ("None", 0, "")])
def test_the_command_leaves_with_its_exit_code_and_everything_printed(raised, code, stderr):
    # main() skips Python's teardown (os._exit): its streams must still reach the reader, and
    # sys.exit's codes mean what they mean in Python.
    script = ("import sys; from kennisdag_pdf import cli\n"
              "def fake(argv):\n"
              "    sys.stdout.write('x' * 100_000)\n"
              f"    if {raised} is not None: raise {raised}\n"
              "cli._command_line = fake\n"
              "cli.main()\n"
              "print('not reached')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (code, stderr)
    assert done.stdout == "x" * 100_000


def test_help_and_version():
    assert "build" in run("--help").stdout
    done = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("kennisdag-pdf ")


def test_unknown_option_is_a_usage_error():
    done = run("build", "--colour", "x.yaml")
    assert done.returncode == 2
    assert "No such option" in done.stderr


def test_internal_error_asks_for_debug_and_hides_the_traceback(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
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
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kennisdag_pdf.render.render", interrupted)
    result = CliRunner().invoke(cli.app, ["build", str(DATA / "kennisdag-2011.yaml"), "-o",
                                          str(tmp_path / "x.pdf")])
    assert result.exit_code == 130
    assert "interrupted" in result.output
    assert list(tmp_path.iterdir()) == []


def test_build_print_then_impose_then_check(event_folder):
    done = run("build", "kennisdag-2011.yaml", "--profile", "print", cwd=event_folder)
    assert done.returncode == 0, done.stderr
    target = event_folder / "output" / "kennisdag-2011-print.pdf"
    assert re.match(r"output/kennisdag-2011-print.pdf: print, A5, (\d+) pages \(\d blank\), ",
                    done.stdout)
    pages = int(re.search(r"A5, (\d+) pages", done.stdout).group(1))
    assert pages % 4 == 0
    checked = run("check", target, cwd=event_folder)
    assert checked.returncode == 0, checked.stdout
    assert "print profile" in checked.stdout and checked.stdout.rstrip().endswith("PASS")
    imposed = run("impose", target, cwd=event_folder)
    assert imposed.returncode == 0, imposed.stderr
    assert (event_folder / "output" / "kennisdag-2011-booklet.pdf").exists()
    assert f"{pages} pages on {pages // 4} sheets" in imposed.stdout


def test_check_fails_with_exit_3_and_the_reason(event_folder):
    assert run("build", "kennisdag-2011.yaml", cwd=event_folder).returncode == 0
    screen = event_folder / "output" / "kennisdag-2011.pdf"
    as_print = run("check", screen, "--rules", "print", cwd=event_folder)
    assert as_print.returncode == 3
    assert "TrimBox missing" in as_print.stdout and as_print.stdout.rstrip().endswith(")")
    # --profile, the option's name before the rule sets, still names one
    assert run("check", screen, "--profile", "print", cwd=event_folder).stdout == \
        as_print.stdout
    tight = run("check", screen, "--max-size", "10kB", cwd=event_folder)
    assert tight.returncode == 3 and "over the budget of 10 kB" in tight.stdout


def test_a_coarse_image_warns_in_print_and_still_builds(event_folder):
    from PIL import Image

    Image.new("RGB", (240, 120), (20, 90, 120)).save(event_folder / "assets" / "small.png")
    source = (event_folder / "example-en.yaml").read_text(encoding="utf-8")
    (event_folder / "example-en.yaml").write_text(
        source.replace("logo: assets/havenburg-logo.png", "logo: assets/small.png"),
        encoding="utf-8")
    done = run("build", "example-en.yaml", "--profile", "print", "-o", "x.pdf", cwd=event_folder)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"example-en.yaml:\d+:\d+: event.organisers\[0\].logo: warning: 'assets/small.png' has "
        r"2\d\d dpi at its printed size \(\d+ × 14 mm\); 300 dpi is recommended for print\n",
        done.stderr), done.stderr
    screen = run("build", "example-en.yaml", "-o", "y.pdf", cwd=event_folder)
    assert screen.returncode == 0 and screen.stderr == ""  # the screen has no press to feed


@pytest.mark.parametrize("language", ["nl", "en"])
def test_new_then_build_from_the_command_line(tmp_path, language):
    made = run("new", "my event", "--language", language, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[-1] == (
        "next: edit 'my event/event.yaml', then kennisdag-pdf preview 'my event/event.yaml'")
    built = run("build", "my event/event.yaml", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "output" / "my-event.pdf").exists()
    again = run("new", "my event", cwd=tmp_path)
    assert again.returncode == 73 and "already exists" in again.stderr


def test_shell_completion_as_typer_provides(tmp_path):
    import os

    env = {**os.environ, "_KENNISDAG_PDF_COMPLETE": "complete_bash",
           "COMP_WORDS": "kennisdag-pdf build x.yaml --pro", "COMP_CWORD": "3"}
    done = subprocess.run([*RUN], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["--profile"]


def test_quiet_and_verbose(tmp_path):
    quiet = run("--quiet", "build", DATA / "kennisdag-2011.yaml", "-o", tmp_path / "q.pdf")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    verbose = run("-v", "build", DATA / "kennisdag-2011.yaml", "-o", tmp_path / "v.pdf")
    assert verbose.returncode == 0
    stages = [line.split()[0] for line in verbose.stderr.splitlines()]
    assert stages == ["load", "render", "finish"]
    assert re.search(r"render +\d+\.\d\d s  screen, A5, \d+ pages", verbose.stderr)
    assert verbose.stdout.startswith(str(tmp_path / "v.pdf"))


def test_the_status_line_waits_half_a_second_then_shows_a_bar(monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    counter = cli._Counter("verifying")
    counter(1, 4)
    assert terminal.getvalue() == ""  # a quick command prints nothing
    counter.started -= 1
    counter(1, 4)
    counter(4, 4)  # the last item shows even right after the one before
    counter.done()
    shown = terminal.getvalue()
    assert "\rverifying  ██████░░░░░░░░░░░░░░░░░░  1 of 4" in shown
    assert "\rverifying  ████████████████████████  4 of 4" in shown
    assert shown.endswith("\r\033[K")


def test_the_status_line_is_silent_when_piped(monkeypatch):
    import io

    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    progress = cli._Progress()
    progress.started -= 1
    progress(12)
    progress.done()
    assert piped.getvalue() == ""


def test_a_library_that_logs_prints_nothing_on_the_users_terminal(print_2011):
    # fontTools warns of a damaged font's dates while a PDF/A is validated; without a handler
    # of ours Python's last-resort handler would print it between our one-line messages.
    script = ("import logging, sys; from kennisdag_pdf import cli, preflight\n"
              "from kennisdag_pdf.errors import BadInput\n"
              "def noisy(*args, **kwargs):\n"
              "    logging.getLogger('fontTools.ttLib').warning('timestamp out of range')\n"
              "    raise BadInput.single('file.pdf', 'refused after the warning')\n"
              "preflight.preflight = noisy\n"
              f"sys.argv = ['kennisdag-pdf', 'check', {str(print_2011.path)!r}]\n"
              "cli.main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (2, "file.pdf: refused after the warning\n")
