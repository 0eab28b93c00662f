"""Pages without holes (issue 18): how full the layout makes each page, at any length.

A page's fill is the height of what the layout placed in its text frame over the frame's
height, read from the frame as the page ends (document.PageFill, on Rendered.fills). A page
under 30 % is a hole, unless it is one of these, which are short by design:

- the cover and the back cover (colophon): their own templates, never a page of text;
- blank pages: the padding before the back cover;
- the contents: a list of what follows, as long as the event has headings; the opening is not
  set below it, so its last page is as full as the list makes it.

Over both data files, the `new` templates and the two events an organiser wrote
(tests/data/authoring-cases) there is no hole; a synthetic event made of the 2011 data,
with 1 to 20 theses of 1 to 8 paragraphs, has at most one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
import yaml

from conftest import DATA, page_texts, text_blocks
from test_compose import context

from kennisdag_pdf.compose import compose
from kennisdag_pdf.flowables import TEMPLATE_BODY, signpost_of
from kennisdag_pdf.loader import load
from kennisdag_pdf.new import create
from kennisdag_pdf.render import render
from kennisdag_pdf.theme import PAGE_SIZES

HOLE = 0.30
ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "authoring-cases"  # the organisers' own files
WRITTEN = ["kennisdag-2011", "example-en", "new-nl", "new-en", "waterdag", "stress"]
# (theses, paragraphs per thesis): "mixed" gives thesis i of n (n + i) % 8 + 1 paragraphs.
SYNTHETIC = [(n, "mixed") for n in range(1, 21)] + \
    [(n, paragraphs) for n in (1, 5, 20) for paragraphs in (1, 8)]


def counted(fills) -> list:
    """The pages that must not be holes: body pages, the contents' pages excepted."""
    out, in_contents = [], False
    for page in fills:
        if page.keys:
            in_contents = page.keys[0] == "contents"
        if page.template in TEMPLATE_BODY and not page.blank and not in_contents:
            out.append(page)
    return out


def holes(result) -> list[tuple[int, float]]:
    return [(page.page, round(page.fill, 2)) for page in counted(result.fills)
            if page.fill < HOLE]


def synthetic_event(folder: Path, theses: int, paragraphs) -> Path:
    """The 2011 event with its theses replaced: `theses` of them, statements of 2011 (numbered
    from the eighth on), bodies of its paragraphs in turn."""
    day = yaml.safe_load((DATA / "kennisdag-2011.yaml").read_text(encoding="utf-8"))
    pool = [p for thesis in day["theses"] for p in thesis["body"].strip().split("\n\n")]
    made, used = [], 0
    for i in range(theses):
        count = (theses + i) % 8 + 1 if paragraphs == "mixed" else paragraphs
        statement = day["theses"][i % len(day["theses"])]["statement"]
        if i >= len(day["theses"]):
            statement += f" ({i // len(day['theses']) + 1})"
        body = [pool[(used + j) % len(pool)] for j in range(count)]
        used += count
        made.append({"statement": statement, "body": "\n\n".join(body) + "\n"})
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "assets").exists():
        shutil.copytree(DATA / "assets", folder / "assets")
    path = folder / f"synthetic-{theses}-{paragraphs}.yaml"
    path.write_text(yaml.safe_dump(dict(day, theses=made), allow_unicode=True,
                                   sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """name → the event file it is built from."""
    folder = tmp_path_factory.mktemp("page-fill")
    cache: dict[str, Path] = {}

    def path_of(name: str) -> Path:
        if name not in cache:
            if name in ("kennisdag-2011", "example-en"):
                cache[name] = DATA / f"{name}.yaml"
            elif name.startswith("new-"):
                create(folder / name, name[4:], today=dt.date(2026, 6, 12))
                cache[name] = folder / name / "event.yaml"
            elif name in ("waterdag", "stress"):
                cache[name] = CASES / name / "event.yaml"
            else:
                _, theses, paragraphs = name.split("-")
                cache[name] = synthetic_event(folder / "synthetic", int(theses),
                                              paragraphs if paragraphs == "mixed"
                                              else int(paragraphs))
        return cache[name]

    return path_of


@pytest.fixture(scope="module")
def built(source):
    """name → (loaded, rendered screen brochure), each built once."""
    cache: dict = {}

    def build(name: str):
        if name not in cache:
            loaded = load(source(name))
            cache[name] = (loaded, render(loaded))
        return cache[name]

    return build


@pytest.mark.parametrize("name", WRITTEN)
def test_no_page_of_a_written_event_is_a_hole(built, name):
    _, result = built(name)
    assert holes(result) == [], f"pages under {HOLE:.0%} full"


@pytest.mark.parametrize("theses, paragraphs", SYNTHETIC,
                         ids=[f"{n}x{p}" for n, p in SYNTHETIC])
def test_a_synthetic_event_has_at_most_one_hole(built, theses, paragraphs):
    _, result = built(f"synthetic-{theses}-{paragraphs}")
    assert len(holes(result)) <= 1, holes(result)


@pytest.mark.parametrize("name", ["kennisdag-2011", "waterdag", "synthetic-13-mixed"])
def test_fill_is_where_the_text_ends_on_the_page(built, name):
    """The fill the layout records agrees with the page as drawn: the lowest character inside
    the text frame is within a line and a half of the fill's depth."""
    _, result = built(name)
    geometry = PAGE_SIZES["a5"][0]
    top = geometry.height - geometry.top
    tolerance = 1.5 * 14 / geometry.text_height  # a line and a half of body text
    document = pdfium.PdfDocument(result.pdf)
    compared = 0
    for page in counted(result.fills):
        textpage = document[page.page - 1].get_textpage()
        bottoms = [textpage.get_charbox(i)[1] for i in range(textpage.count_chars())]
        inside = [y for y in bottoms if geometry.bottom - 2 <= y <= top]
        if not inside or "photo-pages" in page.keys:  # a photo's depth is no character's
            continue
        drawn = (top - min(inside)) / geometry.text_height
        assert abs(drawn - page.fill) <= tolerance, (page.page, drawn, page.fill)
        compared += 1
    assert compared >= 3


def test_blank_pages_are_the_padding_and_empty(print_2011):
    result = print_2011.result
    blank = [page for page in result.fills if page.blank]
    assert len(blank) == result.padding and result.pages % 4 == 0
    assert all(page.fill < 0.01 and page.head is None for page in blank)
    assert len(result.fills) == result.pages


def test_theses_run_on_where_a_page_has_room(built):
    """waterdag's three short theses once took a page each, and the one thesis not discussed
    a page of its own: now a thesis follows the one before it when that one left room, and the
    short parts follow the last thesis."""
    _, result = built("waterdag")
    on = {key: page.page for page in result.fills for key in page.keys}
    assert on["thesis-2"] == on["thesis-1"]
    assert on["untreated-theses"] == on["thesis-3"] == on["conclusions"]


def test_a_thesis_that_filled_most_of_its_page_is_followed_on_a_new_one(built):
    """The 2011 theses each fill most of a page: each still opens one."""
    _, result = built("kennisdag-2011")
    opened = [page.keys for page in result.fills if any(k.startswith("thesis-")
                                                         for k in page.keys)]
    assert len(opened) == 7 and all(len([k for k in keys if k.startswith("thesis-")]) == 1
                                    for keys in opened)


def _running_heads(loaded) -> dict[str, str]:
    """Outline key → the running head its heading sets, from the composed story."""
    heads = {}
    for flowable in compose(loaded, context(loaded.day.event.language)):
        signpost = signpost_of(flowable)
        if signpost is not None and signpost.running_head:
            for entry in signpost.entries:
                heads[entry.key] = signpost.running_head
    return heads


@pytest.mark.parametrize("name", ["stress", "waterdag", "synthetic-13-mixed", "example-en"])
def test_the_running_head_names_what_the_page_begins_with(built, name):
    """A page that opens with a thesis or a part shows its heading and no running head; any
    other names the thesis or part in progress at its top, though another may begin lower
    down on it."""
    loaded, result = built(name)
    heads = _running_heads(loaded)
    geometry = PAGE_SIZES["a5"][0]
    blocks = text_blocks(result.pdf)
    above = page_texts(result.pdf, bounds=(0, geometry.height - geometry.top, geometry.width,
                                           geometry.height))
    current = None
    ran_on = 0
    for page in result.fills:
        if page.template in TEMPLATE_BODY and not page.blank:
            first_line = blocks[page.page - 1].splitlines()[0].strip()
            head = above[page.page - 1].strip() or None
            assert head == page.head
            if page.head is None:
                opening = [heads[k] for k in page.keys if k in heads]
                # (a long heading's first line)
                assert opening and opening[0].startswith(first_line), (page.page, first_line)
            else:
                # (a long running head is shortened with an ellipsis)
                assert current.startswith(page.head.rstrip("…")), (page.page, page.head)
                ran_on += any(k in heads for k in page.keys)
        current = next((heads[k] for k in reversed(page.keys) if k in heads), current)
    if name in ("stress", "synthetic-13-mixed"):  # the cases this test is for
        assert ran_on, "no page where a thesis or part begins below another"


@pytest.mark.parametrize("name", ["stress", "synthetic-13-mixed"])
def test_contents_and_outline_give_the_page_a_heading_ran_on_to(built, name):
    """The contents' numbers, its links and the bookmarks go to the page each heading was laid
    out on, a heading below another on its page too."""
    _, result = built(name)
    laid_out = [page.page for page in result.fills for key in page.keys if key != "contents"]
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        with pdf.open_outline() as outline:
            entries = [item for top in outline.root[1:] for item in (top, *top.children)]
            outlined = [pdf.pages.index(item.destination[0]) + 1 for item in entries]
        links = [annot for page in range(1, laid_out[0] - 1)
                 for annot in pdf.pages[page].get("/Annots", []) if annot.Subtype == "/Link"]
        linked = [pdf.pages.index(link.Dest[0]) + 1 for link in links]
    assert outlined == laid_out and linked == laid_out
    contents = [page for page in result.fills if page.keys[:1] == ("contents",)][0].page
    text = page_texts(result.pdf)[contents - 1].replace(
        f"pagina {contents} van {result.pages}", "").replace("\r", "")
    printed = [int(n) for n in re.findall(r"(?:^|\. )(\d+) ?$", text, re.M)]
    assert printed[:len(laid_out)] == laid_out[:len(printed)] and len(printed) >= 8


def contents_pages(result) -> int:
    """How many pages the contents takes: from its own page to the next part's."""
    keyed = [page.page for page in result.fills if page.keys]
    first = next(page.page for page in result.fills if page.keys[:1] == ("contents",))
    return keyed[keyed.index(first) + 1] - first


def test_a_contents_a_few_lines_over_its_page_is_set_tighter_on_it(built, source, monkeypatch):
    """11 theses (A5): at its own spacing the contents leaves four lines alone on a second
    page; it is set on one page instead, its leading and the space above its entries
    tightened (no further than the theme allows), its type the same size. 12 would need more
    than that: the contents runs on at its own spacing."""
    from kennisdag_pdf.parts import contents
    from kennisdag_pdf.parts.contents import ContentsLine

    ctx = context()
    first, part, section = ctx.theme.contents_styles()
    for name, tightened in (("synthetic-11-1", True), ("synthetic-12-1", False)):
        lines = [f for f in compose(load(source(name)), ctx) if isinstance(f, ContentsLine)]
        own = [first] + [(part, section)[min(line.entry.level, 1)] for line in lines[1:]]
        shares = {round(line.style.leading / style.leading, 9) for line, style in zip(lines, own)}
        assert len(shares) == 1  # one spacing for the whole list
        [share] = shares
        assert (ctx.theme.measure.contents_squeeze <= share < 1) if tightened else share == 1
        assert [line.style.fontSize for line in lines] == [style.fontSize for style in own]
        assert contents_pages(built(name)[1]) == (1 if tightened else 2)
    # the case it is for: without the tightening, the same contents takes two pages
    loaded, squeezed = built("synthetic-11-1")
    monkeypatch.setattr(contents, "_fitted", lambda heading, lines, theme: lines)
    spilled = render(loaded)
    assert contents_pages(spilled) == 2 and spilled.pages == squeezed.pages + 1
