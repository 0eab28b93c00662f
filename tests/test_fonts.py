"""The brochure's fonts: present, TrueType, covering what the data needs, registered as families."""

from __future__ import annotations

import pytest

from kennisdag_pdf import fonts
from kennisdag_pdf.errors import SetupError
from kennisdag_pdf.resources import resource_dir


def test_every_face_loads_and_is_registered():
    from reportlab.pdfbase import pdfmetrics

    loaded = fonts.register()
    assert set(loaded) == {face.name for face in fonts.ALL_FACES}
    for face in fonts.ALL_FACES:
        assert pdfmetrics.getFont(face.name).face.name  # a real TrueType face


def test_families_map_bold_and_italic():
    from reportlab.lib.fonts import tt2ps

    fonts.register()
    assert tt2ps(fonts.SERIF.regular.name, 1, 0) == fonts.SERIF.bold.name
    assert tt2ps(fonts.SERIF.regular.name, 0, 1) == fonts.SERIF.italic.name
    assert tt2ps(fonts.SERIF.regular.name, 1, 1) == fonts.SERIF.bold_italic.name


def test_licences_are_shipped_beside_the_fonts():
    folder = resource_dir("fonts")
    assert (folder / "CharisSIL-LICENSE.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1
    assert "Apache License" in (folder / "OpenSans-LICENSE-Apache-2.0.txt").read_text()


def test_coverage_has_what_dutch_and_english_text_needs():
    for ch in "‘’“”–—…éëïöüçèêàáâîôûÉÖ€•ĳ·":
        assert fonts.missing_glyph(ch) is None, ch
    assert fonts.missing_glyph("a中b") == "中"
    assert fonts.missing_glyph("ok 😀") == "😀"
    assert fonts.missing_glyph("zacht\u00adafbreekstreepje") is None


def test_missing_font_file(tmp_path):
    with pytest.raises(SetupError) as info:
        fonts._load(fonts.SERIF.regular, tmp_path)
    assert str(info.value) == ("fonts/CharisSIL-Regular.ttf: font file not found "
                               "(theme font KD-Serif)")


def test_a_file_that_is_not_a_font(tmp_path):
    (tmp_path / "CharisSIL-Regular.ttf").write_text("not a font")
    with pytest.raises(SetupError) as info:
        fonts._load(fonts.SERIF.regular, tmp_path)
    assert str(info.value).startswith("fonts/CharisSIL-Regular.ttf: cannot use this font: ")


def test_a_truncated_font(tmp_path):
    source = resource_dir("fonts") / "OpenSans-Regular.ttf"
    (tmp_path / "OpenSans-Regular.ttf").write_bytes(source.read_bytes()[:5000])
    with pytest.raises(SetupError):
        fonts._load(fonts.SANS.regular, tmp_path)


def test_missing_font_is_a_clear_cli_error(tmp_path, monkeypatch):
    """Through the real command: exit 2, one line, no traceback."""
    import subprocess
    import sys

    from conftest import DATA

    code = ("import kennisdag_pdf.resources as r, pathlib;"
            f"r.resource_dir = lambda name: pathlib.Path({str(tmp_path)!r});"
            "import kennisdag_pdf.fonts as f; f.resource_dir = r.resource_dir;"
            "from kennisdag_pdf.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, "build", str(DATA / "kennisdag-2011.yaml"),
                           "-o", str(tmp_path / "x.pdf")], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "fonts/CharisSIL-Regular.ttf: font file not found (theme font KD-Serif)"]
    assert not (tmp_path / "x.pdf").exists()


def test_the_stored_glyph_coverage_matches_the_fonts():
    """fonts/glyph-coverage.json spares `validate` the font parser; after changing a font,
    regenerate it with `python -m kennisdag_pdf.fonts`."""
    import json

    from kennisdag_pdf.fonts import (COVERAGE_FILE, _stored_coverage, coverage_record,
                                     measured_coverage)
    from kennisdag_pdf.resources import resource_dir

    measured = measured_coverage()
    stored = json.loads((resource_dir("fonts") / COVERAGE_FILE).read_text(encoding="utf-8"))
    assert stored == coverage_record(measured)
    assert _stored_coverage() == measured
    assert ord("中") not in measured and ord("ë") in measured


def test_a_replaced_font_is_measured_not_taken_from_the_stored_file(tmp_path, monkeypatch):
    import shutil

    from kennisdag_pdf import fonts

    folder = tmp_path / "fonts"
    shutil.copytree(fonts.resource_dir("fonts"), folder)
    with open(folder / "OpenSans-Regular.ttf", "ab") as handle:
        handle.write(b"\0" * 4)  # a different file: the stored sizes no longer match
    monkeypatch.setattr(fonts, "resource_dir", lambda name: tmp_path / name)
    assert fonts._stored_coverage() is None
