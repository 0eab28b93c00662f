"""Shared fixtures: the two data files, built once per test session, and PDF readers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import os
import shutil
import tempfile

import pypdfium2 as pdfium
import pytest
from hypothesis import settings

# The expected dates in these tests are the events' own; a SOURCE_DATE_EPOCH left in the
# environment by a packaging tool would change them (tests that need one set it themselves).
os.environ.pop("SOURCE_DATE_EPOCH", None)
# The suite has its own cache folder (cache.py), empty at the start: it never reads what the
# user's builds left, nor leaves its own behind in the user's cache.
TEST_CACHE = tempfile.mkdtemp(prefix="kennisdag-test-cache-")
os.environ["XDG_CACHE_HOME"] = TEST_CACHE
# And its own config folder: a sign-in the developer keeps (`kennisdag-pdf login`) is never
# read by a test, nor touched by one.
TEST_CONFIG = tempfile.mkdtemp(prefix="kennisdag-test-config-")
os.environ["XDG_CONFIG_HOME"] = TEST_CONFIG
# Nor the developer's keyring: keyring's fail backend (there is none, so a sign-in goes to the
# file), in this process and every one it starts; a test that wants a keyring sets
# mail_fixtures' memory_keyring for itself.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(TEST_CACHE, ignore_errors=True)
    shutil.rmtree(TEST_CONFIG, ignore_errors=True)


# `make test` (and so CI) runs the same examples every time: a red run must mean a change
# broke something. `pytest` run by hand explores new ones on every run, and `make fuzz` the
# fuzz stage for as long as asked.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") or os.environ.get("KENNISDAG_SAME_EXAMPLES"):
    settings.load_profile("ci")

from kennisdag_pdf.loader import LoadedEvent, load
from kennisdag_pdf.render import Rendered, render

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
# A copy of shared/seeds/ (the 2011 report as extracted from the original PDF), so that the
# suite runs wherever the repository is cloned.
SEED = ROOT / "tests" / "data" / "kennisdag-2011-social-media.txt"


@dataclass
class Built:
    loaded: LoadedEvent
    result: Rendered
    path: Path

    @property
    def pdf(self) -> bytes:
        return self.result.pdf


@dataclass
class Finished:
    loaded: LoadedEvent
    result: Rendered
    pdf: bytes
    path: Path
    source: object = None  # published.Published, for the archive profile


def build_to(tmp: Path, name: str) -> Built:
    loaded = load(DATA / name)
    result = render(loaded)
    path = tmp / (loaded.day.event.id + ".pdf")
    path.write_bytes(result.pdf)
    return Built(loaded, result, path)


def finish_to(tmp: Path, name: str, profile: str, page_size: str = "a5") -> Finished:
    """Render and finish one data file as the build command does."""
    from kennisdag_pdf.build import rendered_from
    from kennisdag_pdf.finish import finish
    from kennisdag_pdf.profiles import PROFILES

    chosen = PROFILES[profile]
    loaded, source = rendered_from(load(DATA / name), chosen)
    result = render(loaded, chosen, page_size)
    path = tmp / chosen.output_name(f"{loaded.day.event.id}-{page_size}")
    finished = finish(result, loaded, name=path.name, source=source)
    path.write_bytes(finished.pdf)
    return Finished(loaded, result, finished.pdf, path, source)


@pytest.fixture(scope="session")
def archive_2011(tmp_path_factory) -> Finished:
    return finish_to(tmp_path_factory.mktemp("archive"), "kennisdag-2011.yaml", "archive")


@pytest.fixture(scope="session")
def archive_en(tmp_path_factory) -> Finished:
    return finish_to(tmp_path_factory.mktemp("archive"), "example-en.yaml", "archive")


@pytest.fixture(scope="session")
def print_2011(tmp_path_factory) -> Finished:
    return finish_to(tmp_path_factory.mktemp("print"), "kennisdag-2011.yaml", "print")


@pytest.fixture(scope="session")
def print_en(tmp_path_factory) -> Finished:
    return finish_to(tmp_path_factory.mktemp("print-en"), "example-en.yaml", "print")


@pytest.fixture(scope="session")
def screen_en(tmp_path_factory) -> Finished:
    return finish_to(tmp_path_factory.mktemp("screen-en"), "example-en.yaml", "screen")


@pytest.fixture(scope="session")
def brochure_2011(tmp_path_factory) -> Built:
    return build_to(tmp_path_factory.mktemp("2011"), "kennisdag-2011.yaml")


@pytest.fixture(scope="session")
def brochure_en(tmp_path_factory) -> Built:
    return build_to(tmp_path_factory.mktemp("en"), "example-en.yaml")


def text_blocks(pdf: bytes, page=None) -> list[str]:
    """Each page's text block (A5 unless told); facing pages mirror the margins."""
    from kennisdag_pdf.theme import PAGE_SIZES

    page = page or PAGE_SIZES["a5"][0]
    document = pdfium.PdfDocument(pdf)
    try:
        out = []
        for number, pdf_page in enumerate(document, 1):
            left = page.left_margin(right_hand=number % 2 == 1)
            textpage = pdf_page.get_textpage()
            out.append(textpage.get_text_bounded(left - 1, page.bottom - 1,
                                                 left + page.text_width + 1,
                                                 page.height - page.top + 1))
            textpage.close()
            pdf_page.close()
        return out
    finally:
        document.close()


def page_texts(pdf: bytes | Path, *, bounds=None) -> list[str]:
    """Text of each page; with bounds (left, bottom, right, top) only what lies inside them."""
    document = pdfium.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            textpage = page.get_textpage()
            if bounds is None:
                out.append(textpage.get_text_range())
            else:
                out.append(textpage.get_text_bounded(*bounds))
            textpage.close()
            page.close()
        return out
    finally:
        document.close()


def squash(text: str) -> str:
    """Text without whitespace, with line-end hyphens marked as U+FFFE (as PDFium reports them)."""
    # PDFium reports a hyphen it recognises as a line-end break as U+0002 or U+FFFE.
    text = re.sub(r"-\r?\n", "\ufffe", text).replace("\x02", "\ufffe")
    return re.sub(r"\s+", "", text)


def loose_pattern(text: str) -> re.Pattern[str]:
    """Matches text in squashed PDF text, wherever the renderer may have broken a line.

    Between any two characters there may be a line-end hyphen (U+FFFE); a hyphen of the text
    may itself be the one PDFium reports as U+FFFE.
    """
    parts = []
    for ch in re.sub(r"\s+", "", text):
        parts.append("[-\ufffe]" if ch == "-" else re.escape(ch))
    return re.compile("\ufffe?".join(parts))
