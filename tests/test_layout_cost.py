"""Work the layout must not do twice (issue 16's performance): a paragraph broken into lines
at two widths, a table measuring its rows again at the same width."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table

from kennisdag_pdf import fonts
from kennisdag_pdf.flowables import MeasuredTable, Para
from kennisdag_pdf.loader import load
from kennisdag_pdf.profiles import PROFILES
from kennisdag_pdf.render import render

DATA = Path(__file__).resolve().parent.parent / "data"


def test_no_paragraph_is_broken_again_for_a_rounding_accident(monkeypatch):
    """On A4 ReportLab's frames came out a hair (one unit in the last place) wider on
    right-hand pages: a paragraph measured ahead on one page and drawn on the facing one was
    broken twice. Every body frame is now exactly the text width. (The cover's shrink-to-fit
    box measures its few lines at a width ReportLab sets a millionth of a point apart, on
    purpose: not an accident, and not counted.)"""
    widths = defaultdict(set)
    real = Paragraph.breakLines

    def counted(self, width, *args, **kwargs):
        if isinstance(self, Para):
            widths[id(self)].add(tuple(width) if isinstance(width, list) else width)
        return real(self, width, *args, **kwargs)

    monkeypatch.setattr(Paragraph, "breakLines", counted)
    render(load(DATA / "example-en.yaml"), PROFILES["screen"], "a4")
    assert len(widths) > 100
    accidents = [sorted(w) for w in widths.values()
                 if len(w) > 1 and max(w)[0] - min(w)[0] < 1e-9]
    assert accidents == []


def test_a_measured_table_measures_its_rows_once_per_width(monkeypatch):
    fonts.register()
    style = ParagraphStyle("cell", fontName="KD-Serif", fontSize=10, leading=12)
    measured = []
    real = Table._calc_height

    def counted(self, *args, **kwargs):
        measured.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Table, "_calc_height", counted)
    rows = [[Para(f"Naam {n}", style), Para("Organisatie, rol", style)] for n in range(30)]
    table = MeasuredTable(rows, colWidths=[120, 200])
    first = table.wrap(320, 800)
    assert table.wrap(320, 500) == first and table.wrap(320, 2000) == first
    assert len(measured) == 1
    table.wrap(300, 800)  # another width is measured anew
    assert len(measured) == 2
    top, rest = table.split(320, 200)  # the halves of a split start unmeasured
    top.wrap(320, 200)
    top.wrap(320, 200)
    assert measured.count(top) == 1
