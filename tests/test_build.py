"""The pipeline the commands share, called as the commands call it (build.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kennisdag_pdf.build import Report, make, rendered_from, size_budget
from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.loader import load
from kennisdag_pdf.profiles import PROFILES

from conftest import DATA


def test_only_the_archive_copy_is_rendered_from_its_published_source():
    loaded = load(DATA / "example-en.yaml")
    for name in ("screen", "print"):
        assert rendered_from(loaded, PROFILES[name]) == (loaded, None)
    published, source = rendered_from(loaded, PROFILES["archive"])
    assert source is not None and published is not loaded
    assert published.day.event.id == loaded.day.event.id


def test_max_size_is_read_as_the_option_it_is():
    assert size_budget(None) is None
    assert size_budget("800kB") == 800 * 1024
    with pytest.raises(BadInput, match=r"^--max-size: "):
        size_budget("lots")


def test_a_build_reports_its_stages_and_prints_nothing(tmp_path, capsys):
    stages, pages = [], []

    class Progress:
        def __call__(self, page: int) -> None:
            pages.append(page)

        def done(self) -> None:
            pages.append("done")

    made = make(DATA / "example-en.yaml", "screen", "a5",
                lambda loaded, chosen: tmp_path / chosen.output_name(loaded.day.event.id),
                report=Report(stage=lambda name, seconds, what: stages.append(name),
                              progress=Progress))
    assert stages == ["load", "render", "finish"]
    assert pages[-1] == "done" and made.rendered.pages in pages
    assert made.finished.pdf.startswith(b"%PDF-") and made.target.parent == tmp_path
    assert not Path(made.target).exists()  # writing it is the caller's business
    assert capsys.readouterr() == ("", "")
