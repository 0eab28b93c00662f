"""The fuzz stage: damaged real files fed to the commands that read files from outside.

`check`, `impose` and `extract` get mutated bytes of the tool's own outputs (a print file, its
booklet, an archive; compressed as written and uncompressed, so that edits reach dictionaries
and content streams alike); `validate` gets mutated event files. Every answer must be a
bounded, deliberate one: exit 0, 2 or 3, never 1 (a bug), never a hang, never memory past the
ceiling the README states. Each command runs in process (CliRunner) inside a forked child with
an address-space limit (fuzzing.py), so an input that would exhaust the machine kills only
that child and the test names the example.

`make test` runs a fixed, derandomised number of examples (about 20 seconds in all);
`make fuzz FUZZ_SECONDS=600` runs fresh random examples for as long as asked.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given
from typer.testing import CliRunner

from conftest import DATA, ROOT
from fuzzing import Bounds, Hang, apply_edits, byte_edits, fuzz_settings, mutated_yaml, \
    run_in_child, time_boxed

pytestmark = pytest.mark.fuzz

# The ceilings of the README's "Resource ceilings" section, as this stage enforces them on
# the growth of a forked child: a foreign PDF's work, and validate (300 MB plus 20 times the
# file, of which the interpreter and the libraries already loaded take their share).
PDF_BOUNDS = Bounds(seconds=20, megabytes=1024)
VALIDATE_BOUNDS = Bounds(seconds=10, megabytes=300)
ALLOWED = {0, 2, 3}


def _cli(args: list[str], seconds: float) -> tuple[int, str]:
    """One command in process; its exit code and what it printed."""
    from kennisdag_pdf.cli import app

    with time_boxed(seconds):
        result = CliRunner().invoke(app, args, catch_exceptions=True)
    if isinstance(result.exception, Hang):
        raise result.exception
    return result.exit_code, result.output


def _assert_bounded(code: int, output: str, args: list[str]) -> None:
    assert "internal error" not in output and "Traceback" not in output, (args, output)
    assert code in ALLOWED, (code, args, output)


def _uncompressed(pdf: bytes) -> bytes:
    """The same PDF with its streams decoded and no object streams: edits then land in
    dictionaries and operators instead of Flate data."""
    from io import BytesIO

    out = BytesIO()
    with pikepdf.open(BytesIO(pdf)) as document:
        document.save(out, qdf=True, compress_streams=False,
                      object_stream_mode=pikepdf.ObjectStreamMode.disable,
                      stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    return out.getvalue()


@pytest.fixture(scope="module")
def small_event(tmp_path_factory) -> Path:
    """The `new` template (8 pages): the smallest real brochure, so examples stay fast."""
    from kennisdag_pdf.new import create

    folder = tmp_path_factory.mktemp("fuzz") / "day"
    create(folder, "nl")
    return folder / "event.yaml"


@pytest.fixture(scope="module")
def outputs(small_event, tmp_path_factory) -> dict[str, bytes]:
    """Real outputs of the small event: print, its booklet, archive."""
    folder = tmp_path_factory.mktemp("fuzz-out")
    made = {}
    for profile in ("print", "archive"):
        target = folder / f"{profile}.pdf"
        code, output = _cli(["build", str(small_event), "--profile", profile, "-o",
                             str(target)], 60)
        assert code == 0, output
        made[profile] = target.read_bytes()
    code, output = _cli(["impose", str(folder / "print.pdf"), "-o",
                         str(folder / "booklet.pdf")], 60)
    assert code == 0, output
    made["booklet"] = (folder / "booklet.pdf").read_bytes()
    return made


def _pdf_fuzz(seeds: dict[str, bytes], command: list[str], examples: int) -> None:
    """Mutated seeds to one command (`{pdf}` and `{out}` in it are filled in per example).
    A failing input is kept as output/fuzz-failure-COMMAND.pdf to replay by hand (one
    name per command: the fuzz tests may run side by side in pytest-xdist workers)."""
    from hypothesis import strategies as st

    work = Path(tempfile.mkdtemp(prefix="kennisdag-fuzz-"))
    counter = itertools.count()

    @fuzz_settings(examples)
    @given(seed=st.sampled_from(sorted(seeds)), edits=byte_edits())
    def run(seed: str, edits: list[tuple]) -> None:
        n = next(counter)
        pdf = work / f"{n}.pdf"
        pdf.write_bytes(apply_edits(seeds[seed], edits))
        out = work / f"out-{n}"
        args = [part.format(pdf=pdf, out=out) for part in command]
        try:
            code, output = _cli(args, PDF_BOUNDS.seconds)
            _assert_bounded(code, output, args)
        except BaseException:
            (ROOT / "output").mkdir(exist_ok=True)
            shutil.copyfile(pdf, ROOT / "output" / f"fuzz-failure-{command[0]}.pdf")
            raise
        finally:
            pdf.unlink(missing_ok=True)
            if out.is_dir():
                shutil.rmtree(out, ignore_errors=True)
            else:
                out.unlink(missing_ok=True)

    try:
        run_in_child(run, PDF_BOUNDS, timeout=120)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_check_gives_a_bounded_answer_to_damaged_pdfs(outputs):
    seeds = {"print": outputs["print"], "print-uncompressed": _uncompressed(outputs["print"]),
             "booklet-uncompressed": _uncompressed(outputs["booklet"])}
    # 80, not 200: check now composites each print page's inks (0.1 s a file), and `make
    # test` must stay under its time; `make fuzz` explores as long as it is given
    _pdf_fuzz(seeds, ["check", "{pdf}"], examples=80)


def test_impose_gives_a_bounded_answer_to_damaged_pdfs(outputs):
    seeds = {"print": outputs["print"], "print-uncompressed": _uncompressed(outputs["print"])}
    _pdf_fuzz(seeds, ["impose", "{pdf}", "-o", "{out}"], examples=100)


def test_extract_gives_a_bounded_answer_to_damaged_archives(outputs):
    seeds = {"archive": outputs["archive"],
             "archive-uncompressed": _uncompressed(outputs["archive"])}
    _pdf_fuzz(seeds, ["extract", "{pdf}", "-o", "{out}"], examples=100)


def test_validate_gives_a_bounded_answer_to_damaged_event_files(tmp_path):
    seeds = [(DATA / "kennisdag-2011.yaml").read_text(encoding="utf-8"),
             (DATA / "example-en.yaml").read_text(encoding="utf-8"),
             (ROOT / "kennisdag_pdf" / "templates" / "event-en.yaml").read_text(encoding="utf-8")]
    # the events' images, so that a mutation that leaves an image path alone still loads it
    shutil.copytree(DATA / "assets", tmp_path / "assets")
    counter = itertools.count()

    from hypothesis import strategies as st

    @fuzz_settings(300)
    @given(text=st.sampled_from(seeds).flatmap(mutated_yaml))
    def run(text: str) -> None:
        event = tmp_path / f"event-{next(counter)}.yaml"
        event.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            code, output = _cli(["validate", str(event)], VALIDATE_BOUNDS.seconds)
            assert code in {0, 2}, (code, output)
            assert "internal error" not in output and "Traceback" not in output, output
        finally:
            event.unlink(missing_ok=True)

    run_in_child(run, VALIDATE_BOUNDS, timeout=120)
