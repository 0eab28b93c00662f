"""`validate --profile/--page-size`: everything a build of that product would refuse or warn
about before its layout, in the build's own words, without laying the brochure out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA
from inprocess import run_in_process
from PIL import Image, ImageDraw

from kennisdag_pdf.checks import profile_theme
from kennisdag_pdf.i18n import language
from kennisdag_pdf.images import planned_images
from kennisdag_pdf.loader import load
from kennisdag_pdf.profiles import PROFILES
from kennisdag_pdf.render import render

CASES = Path(__file__).parent / "cases"
# The build cases about an image too coarse for print: validate must say what build says.
PRINT_RESOLUTION_CASES = sorted(CASES.glob("C8-*"))


def _expected(case: Path) -> tuple[int, list[str]]:
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    return int(lines[0]), [line for line in lines[1:] if line.strip()]


def test_the_resolution_cases_are_print_builds():
    assert len(PRINT_RESOLUTION_CASES) >= 3
    for case in PRINT_RESOLUTION_CASES:
        assert "--profile print" in (case / "args.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", PRINT_RESOLUTION_CASES, ids=lambda case: case.name)
def test_validate_for_print_refuses_what_the_print_build_refuses(case, tmp_path):
    work = tmp_path / "case"
    shutil.copytree(case, work)
    code, lines = _expected(case)
    done = run_in_process(["validate", "event.yaml", "--profile", "print"], cwd=work)
    assert (done.returncode, done.stderr.splitlines(), done.stdout) == (code, lines, "")
    # The screen places the same pixels at 150 dpi or less, and judges no resolution.
    screen = run_in_process(["validate", "event.yaml"], cwd=work)
    assert screen.returncode == 0, screen.stderr
    assert "dpi" not in screen.stderr and "valid" in screen.stdout


EVENT = """\
event:
  id: kd-validate
  title: Titel
  date: 2011-04-07
  venue: Zaal
  city: Utrecht
  language: nl
  organisers:
    - name: Organisator
      logo: assets/logo.png
  cover_image: assets/cover.png
"""


def _event(folder: Path, cover: tuple[int, int] = (1200, 720),
           ink: tuple[int, int, int] = (25, 30, 35)) -> Path:
    """An event with a cover picture of so many pixels (1200 × 720: 198 dpi on an A5 print
    cover, 141 dpi on an A4 one) and no description, and a logo whose lettering has this
    colour (a designer's blue-black prints in four inks)."""
    (folder / "assets").mkdir(parents=True)
    Image.new("RGB", cover, (40, 90, 120)).save(folder / "assets" / "cover.png")
    logo = Image.new("RGB", (600, 200), (255, 255, 255))
    draw = ImageDraw.Draw(logo)
    for x in range(40, 560, 60):  # heavy strokes, as a wordmark's letters
        draw.rectangle((x, 40, x + 30, 160), fill=ink)
    logo.save(folder / "assets" / "logo.png")
    path = folder / "event.yaml"
    path.write_text(EVENT, encoding="utf-8")
    return path


COVER_ALT = ("event.yaml:11:3: event.cover_image: warning: 'assets/cover.png' has no "
             "description for readers who cannot see it: add cover_image_alt: with a sentence "
             "saying what it shows")
COVER_198 = ("event.yaml:11:3: event.cover_image: warning: 'assets/cover.png' has 198 dpi at "
             "its printed size (154 × 91 mm); 300 dpi is recommended for print")
COVER_141 = ("event.yaml:11:3: event.cover_image: 'assets/cover.png' has 141 dpi at its "
             "printed size (216 × 128 mm); print needs at least 150 dpi (300 recommended): use "
             "a larger image")
LOGO_BLACK = ("event.yaml:10:7: event.organisers[0].logo: warning: 'assets/logo.png' prints "
              "its black in four inks; ask the designer for a logo with pure black (K only)")


@pytest.mark.parametrize("options, code, lines", [
    ([], 0, [COVER_ALT]),
    (["--profile", "archive"], 0, [COVER_ALT]),
    (["--page-size", "a4"], 0, [COVER_ALT]),
    (["--profile", "print"], 0, [LOGO_BLACK, COVER_198, COVER_ALT]),
    # the same picture on a larger page: too coarse; the build stops before its advice
    (["--profile", "print", "--page-size", "a4"], 2, [COVER_141]),
])
def test_validate_warns_and_refuses_as_the_build_of_its_profile_and_page_size(
        tmp_path, options, code, lines):
    _event(tmp_path)
    checked = run_in_process(["validate", "event.yaml", *options], cwd=tmp_path)
    assert (checked.returncode, checked.stderr.splitlines()) == (code, lines)
    built = run_in_process(["build", "event.yaml", "-o", "out/brochure.pdf", *options],
                           cwd=tmp_path)
    assert (built.returncode, built.stderr.splitlines()) == (code, lines)


def test_a_logo_in_pure_black_gets_no_word(tmp_path):
    _event(tmp_path, cover=(2000, 1200), ink=(0, 0, 0))
    done = run_in_process(["validate", "event.yaml", "--profile", "print"], cwd=tmp_path)
    assert (done.returncode, done.stderr.splitlines()) == (0, [COVER_ALT])


def test_validate_refuses_the_environment_a_build_refuses(tmp_path):
    _event(tmp_path)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "yesterday"}
    checked = run_in_process(["validate", "event.yaml"], cwd=tmp_path, env=env)
    built = run_in_process(["build", "event.yaml", "-o", "out/brochure.pdf"], cwd=tmp_path,
                           env=env)
    assert checked.returncode == built.returncode == 2
    assert checked.stderr == built.stderr
    assert checked.stderr.startswith("SOURCE_DATE_EPOCH: 'yesterday' is not a whole number")


@pytest.mark.parametrize("name, profile, page_size", [
    ("kennisdag-2011.yaml", "print", "a5"), ("example-en.yaml", "print", "a5"),
    ("example-en.yaml", "print", "a4"), ("kennisdag-2011.yaml", "screen", "a4")])
def test_the_sizes_known_before_layout_are_the_sizes_the_layout_places(name, profile,
                                                                      page_size):
    """validate's sizes and resolutions (from images decoded as validate decodes them, a
    JPEG at an eighth) are those of every image the build places."""
    chosen = PROFILES[profile]
    loaded = load(DATA / name)
    placed = {(p.asset.rel, p.width, p.height, round(p.dpi, 6))
              for p in render(loaded, chosen, page_size).images}
    quick = load(DATA / name, full_images=False)
    theme = profile_theme(language(quick.day.event.language).hyphenation, chosen, page_size)
    planned = {(p.asset.rel, p.width, p.height, round(p.dpi, 6))
               for p in planned_images(quick, theme)}
    assert planned == placed
    assert len(planned) >= 3  # a cover or logos, and photos or logos


def test_plain_validate_does_not_load_the_typesetter():
    """validate's start-up: no ReportLab and no page geometry for the default profile."""
    script = ("import sys\n"
              "from kennisdag_pdf.cli import run\n"
              f"code = run(['validate', {str(DATA / 'kennisdag-2011.yaml')!r}])\n"
              "heavy = [m for m in sys.modules if m.split('.')[0] == 'reportlab'\n"
              "         or m in ('kennisdag_pdf.theme', 'kennisdag_pdf.compose')]\n"
              "print(code, heavy)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-1] == "0 []"


def test_validate_offers_the_builds_choices():
    from kennisdag_pdf import cli

    help_text = run_in_process(["validate", "--help"]).stdout
    assert "--profile" in help_text and "--page-size" in help_text
    done = run_in_process(["validate", str(DATA / "kennisdag-2011.yaml"), "--profile", "poster"])
    assert done.returncode == 2 and "--profile" in done.stderr
    assert cli.ProfileName.__members__.keys() == PROFILES.keys()


def test_a_print_shops_cmyk_jpeg_logo_is_judged_on_all_its_pixels(tmp_path):
    """validate decodes a JPEG at an eighth for the screen; a logo for the press is judged
    as the build prepares it, from every pixel of its own CMYK separation."""
    _event(tmp_path, cover=(2000, 1200))
    logo = Image.new("CMYK", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    for x in range(40, 560, 60):
        draw.rectangle((x, 40, x + 30, 160), fill=(150, 120, 100, 250))
    logo.save(tmp_path / "assets" / "logo.jpg", quality=95)
    event = tmp_path / "event.yaml"
    event.write_text(EVENT.replace("logo.png", "logo.jpg"), encoding="utf-8")
    expected = [LOGO_BLACK.replace("logo.png", "logo.jpg"), COVER_ALT]
    for command in (["validate", "event.yaml", "--profile", "print"],
                    ["build", "event.yaml", "--profile", "print", "-o", "out/b.pdf"]):
        done = run_in_process(command, cwd=tmp_path)
        assert (done.returncode, done.stderr.splitlines()) == (0, expected)
