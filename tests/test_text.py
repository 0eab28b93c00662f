"""kennisdag_pdf.text: user text → Paragraph markup that prints exactly what the user wrote."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from kennisdag_pdf import fonts, text
from kennisdag_pdf.text import body, body_plain, plain


@pytest.fixture(scope="module")
def style() -> ParagraphStyle:
    fonts.register()
    return ParagraphStyle("test", fontName="KD-Serif", fontSize=10, leading=12)


def seen(markup: str, style: ParagraphStyle) -> str:
    """What a reader sees of one markup string."""
    return Paragraph(markup, style).getPlainText()


def fonts_of(markup: str, style: ParagraphStyle) -> list[tuple[str, str]]:
    return [(frag.fontName, frag.text) for frag in Paragraph(markup, style).frags if frag.text]


# --- plain ---------------------------------------------------------------------------------------

def test_plain_prints_markup_literally(style):
    text = '<b>Fish & Chips</b> <font color="red">'
    para = Paragraph(plain(text), style)
    assert para.getPlainText() == text
    # No bold: every fragment is in the regular face.
    assert {frag.fontName for frag in para.frags} == {"KD-Serif"}


@pytest.mark.parametrize("text", ["&amp;", "&lt;b&gt;", "&#65;", "a < b > c", "<br/>", "]]>",
                                  "<!-- x -->", "<a href='https://x.org'>x</a>", "&nbsp;"])
def test_plain_never_decodes_or_interprets(style, text):
    assert seen(plain(text), style) == text


# --- body ----------------------------------------------------------------------------------------

def test_body_gives_one_string_per_paragraph():
    paragraphs = body("Eerste alinea\nloopt door.\n\nTweede alinea.\n\n\n\nDerde.")
    assert len(paragraphs) == 3
    assert paragraphs[0] == "Eerste alinea loopt door."  # a soft break is a space
    assert paragraphs[2] == "Derde."


def test_body_of_empty_text_is_no_paragraphs():
    assert body("") == []
    assert body("\n\n  \n") == []


def test_emphasis_and_strong(style):
    [markup] = body("Dit is *belangrijk* en **heel belangrijk**.")
    assert markup == "Dit is <i>belangrijk</i> en <b>heel belangrijk</b>."
    faces = dict((text, font) for font, text in fonts_of(markup, style))
    assert faces["belangrijk"] == "KD-Serif-Italic"
    assert faces["heel belangrijk"] == "KD-Serif-Bold"


def test_underscore_emphasis():
    assert body("_nadruk_") == ["<i>nadruk</i>"]


def test_https_link(style):
    [markup] = body("Zie [de foto's](https://x.org) hier.")
    assert markup.startswith('Zie <a href="https://x.org" ')
    assert markup.endswith(">de foto's</a> hier.")
    assert seen(markup, style) == "Zie de foto's hier."


def test_link_colour_is_configurable():
    [markup] = body("[x](https://x.org)", link_color="#ff0000")
    assert 'color="#ff0000"' in markup


def test_link_href_cannot_break_out_of_the_attribute(style):
    [markup] = body('[x](https://x.org/?a="b"&c=<d>)')
    assert markup.count("<a ") == 1
    assert "onmouseover" not in markup
    assert seen(markup, style) == "x"


def test_autolink_and_mailto():
    [markup] = body("<https://x.org> of [mail](mailto:info@x.org)")
    assert '<a href="https://x.org"' in markup
    assert '<a href="mailto:info@x.org"' in markup


@pytest.mark.parametrize("source, label", [
    ("[klik](javascript:alert(1))", "klik"),
    ("[klik](JavaScript:alert(1))", "klik"),
    ("[pagina](/relatief/pad)", "pagina"),
    ("[pagina](pagina.html)", "pagina"),
    ("[bestand](file:///etc/passwd)", "bestand"),
    ("[data](data:text/html,hoi)", "data"),
    ("[ftp](ftp://x.org)", "ftp"),
])
def test_unsafe_or_relative_links_are_not_links(style, source, label):
    [markup] = body(f"Voor {source} na")
    assert "<a" not in markup
    text = seen(markup, style)
    assert label in text
    assert text.startswith("Voor ") and text.endswith(" na")


def test_raw_html_prints_as_text(style):
    [markup] = body("<script>alert(1)</script> en <b>vet</b>")
    assert "<script>" not in markup and "<b>" not in markup
    assert seen(markup, style) == "<script>alert(1)</script> en <b>vet</b>"
    assert body_plain("<script>alert(1)</script>") == ["<script>alert(1)</script>"]


def test_entities_are_not_decoded(style):
    source = "Fish &amp; chips &lt;3 &#65; &copy;"
    [markup] = body(source)
    assert seen(markup, style) == source
    assert body_plain(source) == [source]


def test_headings_and_quotes_print_as_written(style):
    # (the loader refuses a heading: body_problems; the text pipeline never drops one)
    markups = body("# Kop\n\n> citaat")
    assert [seen(m, style) for m in markups] == ["# Kop", "> citaat"]


# --- lists (issue 18) ----------------------------------------------------------------------------

def test_bulleted_and_numbered_lists_are_lists_with_their_items():
    blocks = text.body_blocks("Stappen:\n\n- een *x*\n- twee\n  - diep\n\n3. drie\n4. vier\n\nEinde.")
    intro, bullets, numbers, end = blocks
    assert intro.markup == "Stappen:" and end.markup == "Einde."
    assert not bullets.ordered and [len(item) for item in bullets.items] == [1, 2]
    assert bullets.items[0][0].markup == "een <i>x</i>"
    nested = bullets.items[1][1]
    assert isinstance(nested, text.BodyList) and nested.items[0][0].markup == "diep"
    assert numbers.ordered and numbers.start == 3
    assert [item[0].markup for item in numbers.items] == ["drie", "vier"]


def test_a_list_item_keeps_its_links_for_paper():
    [listing] = text.body_blocks("- zie [het verslag](https://example.org/v)", printed_links=True)
    [[item]] = listing.items
    assert item.urls == ("https://example.org/v",) and "<a" not in item.markup
    assert text.body_paragraphs("a\n\n- b\n- c") == [
        text.BodyParagraph("a", ()), text.BodyParagraph("b", ()), text.BodyParagraph("c", ())]


def test_a_dash_inside_a_line_is_no_list():
    [para] = text.body_blocks("Het is 2011 - een goed jaar.\nNog 3. regels")
    assert isinstance(para, text.BodyParagraph)


# --- what a body cannot have (issue 18): never dropped in silence ----------------------------

@pytest.mark.parametrize("source, words", [
    ("Zie [notitie](example.org/notitie).", ["[notitie](example.org/notitie) on line 1",
                                             "write [notitie](https://example.org/notitie)"]),
    ("a\n\n[pagina](/relatief/pad)", ["line 3", "write the whole address, with https://"]),
    ("[klik](javascript:alert(1))", ["not javascript:", "[klik](javascript:alert"]),
    ("[ftp](ftp://x.org/a)", ["not ftp:"]),
    ("Zie [x][1].", ["refers to a link '1' that is not defined", "[1]: https://"]),
    ("Zie [het verslag][].", ["refers to a link 'het verslag'"]),
    ("Mail <example.org> of", ["'<example.org>' on line 1", "<https://example.org>"]),
    ("![zaal](https://x.org/zaal.jpg)", ["is an image", "photos:"]),
    ("Intro\n\n## Kop", ["'## Kop' on line 3", "Markdown heading", "chapters:", "the ##"]),
    ("- punt\n- # kop in een lijst", ["'# kop in een lijst' on line 2", "heading"]),
])
def test_what_the_brochure_cannot_make_is_named_with_its_line_and_fix(source, words):
    [problem] = text.body_problems(source)
    for word in words:
        assert word in problem, problem
    assert "\n" not in problem


@pytest.mark.parametrize("source", [
    "Gewoon tekst.", "[sic] en [a] (b)", "#hashtag en 3 # 4", "<b>vet</b> en <br>",
    "[x](https://x.org) [m](mailto:a@b.nl) <https://y.nl> <info@x.nl>",
    "[verslag][1]\n\n[1]: https://example.org/v", "- lijst\n1. nummer", "C# en F#",
])
def test_what_the_brochure_makes_has_no_problem(source):
    assert text.body_problems(source) == []


def test_a_defined_reference_link_is_a_link(style):
    [markup] = body("Zie [het verslag][v].\n\n[v]: https://example.org/v")
    assert 'href="https://example.org/v"' in markup and seen(markup, style) == "Zie het verslag."


def test_a_body_without_anything_to_doubt_is_not_parsed(monkeypatch):
    monkeypatch.setattr(text, "_parser", lambda: pytest.fail("parsed"))
    assert text.body_problems("Geen link, geen kop: [a] (b) en 3 # 4.") == []


def test_backslash_escapes_remove_the_backslash():
    assert body(r"\*geen nadruk\*") == ["*geen nadruk*"]
    assert body_plain(r"\*geen nadruk\*") == ["*geen nadruk*"]


def test_hard_break():
    [markup] = body("regel een  \nregel twee")
    assert markup == "regel een<br/>regel twee"
    assert body_plain("regel een  \nregel twee") == ["regel een\nregel twee"]


def test_body_plain_is_what_the_reader_sees(style):
    source = "Een *schuine* en **vette** [link](https://x.org) &amp; <i>\n\nTweede."
    assert body_plain(source) == ["Een schuine en vette link &amp; <i>", "Tweede."]
    assert [seen(m, style) for m in body(source)] == body_plain(source)


# --- properties ----------------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
MARKDOWNISH = st.lists(st.sampled_from([
    "*", "**", "_", "[", "]", "(", ")", "https://x.org", "javascript:", "mailto:a@b.nl", "<",
    ">", "&", "&amp;", "&#0;", '"', "'", "\\", "`", "#", "- ", "\n", "\n\n", "  \n", " ",
    "woord", "é", "<https://y.nl/?a=1&b=2>", "<b>", "</a>", "1. ", "![", "][", "\n- ",
    "\n  - ", "\n2. ", "[1]: https://z.nl\n", "<a.b>", "\n# ",
]), max_size=40).map("".join)


@settings(max_examples=200, deadline=None, database=None)
@given(text=ANY_TEXT)
def test_plain_always_parses_and_shows_the_input(style, text):
    para = Paragraph(plain(text), style)
    assert " ".join(para.getPlainText().split()) == " ".join(text.split())


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.one_of(ANY_TEXT, MARKDOWNISH))
def test_body_always_parses(style, text):
    for markup in body(text):
        Paragraph(markup, style)  # raises ValueError on markup ReportLab cannot parse
    assert len(body(text)) == len(body_plain(text))


@settings(max_examples=200, deadline=None, database=None)
@given(source=st.one_of(ANY_TEXT, MARKDOWNISH))
def test_every_problem_is_one_line_and_the_check_never_fails(source):
    import kennisdag_pdf.text as module

    for problem in module.body_problems(source):
        assert "\n" not in problem and " on line " in problem


@pytest.mark.parametrize("url, shown", [
    ("https://example.org/fotos/2011", "example.org/fotos/2011"),
    ("https://example.org/", "example.org"),
    ("http://example.org", "example.org"),
    ("https://example.org/a/?q=1", "example.org/a/?q=1"),
    ("https://example.org/#top", "example.org/#top"),
    ("mailto:info@example.org", "info@example.org"),
])
def test_printed_url_drops_only_the_scheme(url, shown):
    assert text.printed_url(url) == shown


def test_printed_links_carry_no_link_markup_and_report_their_addresses(style):
    source = "See [the study](https://example.org/study) and <https://example.org/> again."
    [para] = text.body_paragraphs(source, printed_links=True)
    assert "<a " not in para.markup
    assert Paragraph(para.markup, style).getPlainText() == "See the study and example.org again."
    assert para.urls == ("https://example.org/study", "https://example.org/")
    [live] = text.body_paragraphs(source)
    assert live.urls == para.urls and live.markup.count("<a href=") == 2


def test_unsafe_links_are_not_reported_for_a_qr_code():
    [para] = text.body_paragraphs("[x](javascript:alert(1)) [y](ftp://a.b/c)", printed_links=True)
    assert para.urls == ()


# --- issue 14: the link addresses a body holds, as the PDF will ---------------------------

def test_link_targets_are_the_addresses_as_the_pdf_holds_them():
    from kennisdag_pdf.text import link_targets

    body = ("Zie [het album](<https://example.org/foto's é>) en <https://example.org/a>.\n\n"
            "[mail](mailto:info@example.nl), [kapot](javascript:alert(1)) en [a] (b)")
    # Percent-encoded as markdown-it normalises it; a javascript: link is no link at all.
    assert link_targets(body) == ["https://example.org/foto's%20%C3%A9",
                                  "https://example.org/a", "mailto:info@example.nl"]


def test_text_without_brackets_or_angles_has_no_links_and_is_not_parsed(monkeypatch):
    from kennisdag_pdf import text

    monkeypatch.setattr(text, "_paragraphs", lambda _: pytest.fail("parsed"))
    assert text.link_targets("Geen link: example.org/x, [a] (b)") == []
