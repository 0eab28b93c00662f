"""The brochure's TrueType font gives exactly what ReportLab's own gives, only faster; and so does
the plain-text path of the brochure's paragraphs (parts/base.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from kennisdag_pdf import fonts
from kennisdag_pdf.flowables import Para
from kennisdag_pdf.resources import resource_dir
from kennisdag_pdf.theme import theme_for
from kennisdag_pdf.truetype import WIDTHS_REMEMBERED, BrochureFont

FONT_FILE = str(resource_dir("fonts") / fonts.SERIF.regular.file)
# What the face can draw, and more than a subset's 256 codes of it, so that runs of text
# reach a second subset; plus characters it lacks, which ReportLab maps to code 0.
DRAWABLE = sorted(TTFont("probe", FONT_FILE).face.charToGlyph)
ALPHABET = [chr(c) for c in DRAWABLE if c >= 0x20][:400] + ["\u00a0", "中", "😀", "\n"]


class _Document:
    """Stands for a PDF document: fonts keep their subset assignments per document."""


def _pair():
    return BrochureFont("kd-test-fast", FONT_FILE), TTFont("kd-test-plain", FONT_FILE)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=40), max_size=30))
def test_subset_codes_are_reportlabs_for_any_run_of_texts(texts):
    fast, plain = _pair()
    fast_doc, plain_doc = _Document(), _Document()
    for text in texts + texts:  # the second round finds every character known
        assert fast.splitString(text, fast_doc) == plain.splitString(text, plain_doc)
    assert _codes(fast, fast_doc) == _codes(plain, plain_doc)


def _codes(font, doc):
    state = font.state.get(doc)
    return state and (state.assignments, state.subsets)


def test_no_break_space_takes_the_space_code_and_documents_are_kept_apart():
    fast, plain = _pair()
    one, other, reference = _Document(), _Document(), _Document()
    for text in ("a b", "a\u00a0b", "zë\u00a0", "b a", "é"):
        assert fast.splitString(text, one) == plain.splitString(text, reference)
    # Another document numbers its own characters: 'é' is its first, where it was the second.
    assert fast.splitString("é", other) == plain.splitString("é", _Document()) == [(0, b"\x01")]
    assert fast.splitString("é", one) == [(0, b"\x02")]


def test_text_in_the_second_subset_is_encoded_as_reportlab_encodes_it():
    fast, plain = _pair()
    fast_doc, plain_doc = _Document(), _Document()
    everything = "".join(ALPHABET[:-4])
    assert fast.splitString(everything, fast_doc) == plain.splitString(everything, plain_doc)
    assert len(plain.state[plain_doc].subsets) >= 2
    for text in (everything[-5:], everything[:3] + everything[-1], everything[::-7]):
        chunks = fast.splitString(text, fast_doc)
        assert chunks == plain.splitString(text, plain_doc)
    assert {subset for subset, _ in chunks} == {0, 1}


def test_bytes_and_empty_text_take_reportlabs_path():
    fast, plain = _pair()
    fast_doc, plain_doc = _Document(), _Document()
    assert fast.splitString("", fast_doc) == plain.splitString("", plain_doc) == []
    fast.splitString("abc", fast_doc)
    plain.splitString("abc", plain_doc)
    assert fast.splitString("cab".encode(), fast_doc) == plain.splitString(b"cab", plain_doc)
    assert fast.splitString("", fast_doc) == []


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(ALPHABET), max_size=30),
       size=st.sampled_from([6, 9.5, 10, 10.0, 14, 23.3]))
def test_widths_are_reportlabs_to_the_last_bit(text, size):
    fast, plain = _pair()
    for _ in range(2):  # measured, then remembered
        assert fast.stringWidth(text, size) == plain.stringWidth(text, size)
    assert fast.stringWidth(text.encode(), size) == plain.stringWidth(text.encode(), size)


def test_the_width_memo_is_bounded(monkeypatch):
    fast = BrochureFont("kd-test-bounded", FONT_FILE)
    monkeypatch.setattr("kennisdag_pdf.truetype.WIDTHS_REMEMBERED", 50)
    for n in range(120):
        fast.stringWidth(f"w{n}", 10)
    assert 0 < len(fast._widths) <= 50 < WIDTHS_REMEMBERED


def test_the_brochure_registers_its_faces_as_brochure_fonts():
    assert all(isinstance(font, BrochureFont) for font in fonts.register().values())


# --- plain paragraphs -----------------------------------------------------------------------

THEME = theme_for("nl_NL", "a5")
PLAIN = st.text(alphabet=st.characters(blacklist_characters="<&\x00",
                                        blacklist_categories=("Cs",)), max_size=60)


def _fragments(paragraph) -> list[dict]:
    return [dict(vars(frag)) for frag in paragraph.frags]


@settings(max_examples=80, deadline=None)
@given(text=PLAIN, style=st.sampled_from(sorted(THEME.styles)))
def test_plain_text_gives_the_parsers_fragments(text, style):
    mine, parsed = Para(text, THEME[style]), Paragraph(text, THEME[style])
    assert _fragments(mine) == _fragments(parsed)
    assert mine.text == parsed.text


@pytest.mark.parametrize("text", ["\u200ba", "a\u200b", "a\u200bb", "a \u200b b", "  a  b ", "a\nb", "a\u00a0b",
                                  "a\u2009b", "a\tb", "Zuid-Limburg"])
def test_whitespace_is_cleaned_as_reportlab_cleans_it(text):
    mine, parsed = Para(text, THEME["body"]), Paragraph(text, THEME["body"])
    assert _fragments(mine) == _fragments(parsed)
    assert mine.text == parsed.text


def test_markup_and_entities_still_go_through_the_parser():
    style = THEME["body"]
    for markup in ("a <i>b</i> c", "Q&amp;A", "x &lt; y"):
        assert _fragments(Para(markup, style)) == _fragments(Paragraph(markup, style))
    assert len(Para("a <i>b</i> c", style).frags) == 3


@pytest.mark.parametrize("transform", ["uppercase", "lowercase"])
def test_a_text_transform_applies_as_the_parser_applies_it(transform):
    style = ParagraphStyle("shout", parent=THEME["body"], textTransform=transform)
    mine, parsed = Para("Gebakken Lucht", style), Paragraph("Gebakken Lucht", style)
    assert _fragments(mine) == _fragments(parsed)
    assert mine.frags[0].text == ("GEBAKKEN LUCHT" if transform == "uppercase"
                                  else "gebakken lucht")


def _same_font(parsed: BrochureFont, kept: BrochureFont) -> None:
    scale_parsed, scale_kept = parsed.face._pdfScale, kept.face._pdfScale
    assert [scale_kept(x) for x in (0, 1, 777, 1234.5, 2048)] == \
        [scale_parsed(x) for x in (0, 1, 777, 1234.5, 2048)]
    assert {k: v for k, v in kept.face.__dict__.items() if k != "_pdfScale"} == \
        {k: v for k, v in parsed.face.__dict__.items() if k != "_pdfScale"}
    assert type(kept.face.name) is type(parsed.face.name) and \
        kept.face.name.ustr == parsed.face.name.ustr
    assert {k: v for k, v in kept.__dict__.items() if k not in ("fontName", "face", "state",
                                                                 "encoding", "_widths",
                                                                 "_first_subset")} == \
        {k: v for k, v in parsed.__dict__.items() if k not in ("fontName", "face", "state",
                                                               "encoding", "_widths",
                                                               "_first_subset")}


def test_a_face_read_back_from_the_cache_is_the_one_reportlab_parses(tmp_path, monkeypatch):
    """A font's parsed face is kept in the cache folder and read back by the next process;
    what is read back is ReportLab's parse attribute for attribute; a damaged copy is parsed
    again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("KENNISDAG_NO_CACHE", raising=False)
    parsed = BrochureFont("kd-test-parsed", FONT_FILE)  # parses, and keeps what it parsed
    [kept_file] = (tmp_path / "kennisdag-pdf").glob("font-*.marshal")

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    with monkeypatch.context() as patched:
        patched.setattr(TTFont, "__init__", no_parsing)
        _same_font(parsed, BrochureFont("kd-test-kept", FONT_FILE))
    kept_file.write_bytes(kept_file.read_bytes()[:-10] + b"\0" * 10)  # damaged on disk
    parses = []
    original = TTFont.__init__
    monkeypatch.setattr(TTFont, "__init__",
                        lambda self, *args: parses.append(1) or original(self, *args))
    _same_font(parsed, BrochureFont("kd-test-again", FONT_FILE))
    assert parses == [1]
