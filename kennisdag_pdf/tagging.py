"""Tagged PDF at draw time: what each flowable draws is marked while the page is drawn, and the
structure tree is written from that record, so no pass re-reads a content stream afterwards.

A page's drawing is always in exactly one of three states:

- *marked*: a flowable bound to an element (flowables.Tagged) is drawing; its drawing is a
  marked-content sequence `/P <</MCID n>> BDC … EMC` that the element's structure entry
  points to;
- *a declared artifact*: the document template said what it draws is not content (running
  heads and folios `/Pagination`, the cover band `/Layout`, crop marks `/Page`);
- *the page's own artifact*: anything else (table rules, cell backgrounds, bullets of an
  untagged list). It is a `/Layout` artifact, since that is all such drawing should be; text
  drawn there is recorded as `untagged_text`, because a reader would never hear it (tests
  fail any build that has some).

Sequences are never nested, so each state closes the one before it and the one it interrupted
opens again (with a fresh MCID) when it ends. The page's own artifact is opened at the very
start of the page's content when the page is finished, so that a build ends without an empty
page (ReportLab saves a last page if the canvas holds any code).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from reportlab.lib.colors import CMYKColor
from reportlab.pdfbase.pdfdoc import (PDFDictionary, PDFFormXObject, PDFName, PDFObject,
                                     PDFResourceDictionary, PDFStream, PDFString)
from reportlab.pdfgen.canvas import Canvas, ExtGState
from reportlab.pdfgen.textobject import PDFTextObject

from .flowables import SOFT_HYPHEN, Element

PAGE_ARTIFACT = "/Artifact <</Type /Layout>> BDC"
END = "EMC"
# Text that shows glyphs: a non-empty string operand of Tj or TJ.
_SHOWS_TEXT = re.compile(r"(\((?:[^)\\]|\\.)+\)|<[0-9A-Fa-f]+>)\s*(Tj|'|\")|\[[^\]]*[(<][^\]]*\]\s*TJ")


@dataclass(frozen=True)
class _Marked:
    element: Element


@dataclass(frozen=True)
class _Declared:
    properties: str  # the BDC operand and operator, as written


@dataclass(frozen=True)
class Annotation:
    owner: Element | None  # the element being drawn when the annotation was made
    page: int
    annotation: object  # ReportLab's annotation object (a dictionary or an Annotation)


class Tags:
    """The record of one document's marked content, kept by its canvas."""

    def __init__(self, canvas: "BrochureCanvas") -> None:
        self.canvas = canvas
        self.content: dict[int, list[tuple[int, int]]] = {}  # id(element) → (page, mcid)
        # id(element) → its inline children (a Span, a Link within a paragraph), each after
        # the MCIDs of the element read before it: [(count of own MCIDs before it, child)]
        self.inline_children: dict[int, list[tuple[int, Element]]] = {}
        self.inline: InlineRun | None = None  # the paragraph being marked inside its text
        self.annotations: list[Annotation] = []
        self.untagged_text: list[str] = []
        self._next_mcid: dict[int, int] = {}
        self._states: list[_Marked | _Declared] = []  # empty: the page's own artifact
        self._drawing: set[int] = set()  # flowables being drawn (a container draws its parts)
        self._page_artifact_from: int | None = 0  # where it was opened (0: at the page start)
        self._page_start_marked = False  # the page's own artifact must open at its start
        # What a drawn flowable is marked with: not the Tags themselves, which would keep
        # the whole document (canvas, every page) alive for as long as one flowable outlives
        # the layout (a placed image does, in Rendered).
        self._token = object()

    # --- the states --------------------------------------------------------------------------

    @contextmanager
    def marked(self, element: Element, flowable):
        """Everything `flowable` draws belongs to `element`."""
        opened = self.begin(element, flowable)
        try:
            yield
        finally:
            self.end(opened)

    def begin(self, element: Element, flowable):
        """What `flowable` draws from here to end() belongs to `element`; returns what end()
        needs. (A pair of calls, not a context manager: it runs for every paragraph.)"""
        claimed = self._claim(flowable)
        if claimed is flowable:
            self._leave()
            self._states.append(self._open_marked(element))
        return claimed

    def _claim(self, flowable):
        """None: not marked here (inside a form, an artifact, or its own drawing); True: a
        repeat, drawn as an artifact (opened now); the flowable: its first drawing."""
        if self._in_form() or id(flowable) in self._drawing or self._in_declared():
            return None
        # A flowable drawn a second time (a repeated header row) repeats what a reader has
        # heard. Marked on the flowable itself: ids of freed objects are reused.
        if flowable.__dict__.get("_drawn_in") is self._token:
            self._open_artifact("Pagination", None)
            return True
        flowable.__dict__["_drawn_in"] = self._token
        self._drawing.add(id(flowable))
        return flowable

    def end(self, opened) -> None:
        if opened is None:
            return
        if opened is True:
            self._close_artifact()
            return
        self._leave()
        self._states.pop()
        self._drawing.discard(id(opened))
        self._resume()

    @contextmanager
    def artifact(self, kind: str, subtype: str | None = None):
        """Everything drawn here is an artifact of this kind (ISO 32000-1 §14.8.2.2)."""
        if self._in_form():
            yield
            return
        self._open_artifact(kind, subtype)
        try:
            yield
        finally:
            self._close_artifact()

    def _open_artifact(self, kind: str, subtype: str | None) -> None:
        properties = f"/Type /{kind}" + (f" /Subtype /{subtype}" if subtype else "")
        self._leave()
        state = _Declared(f"/Artifact <<{properties}>> BDC")
        self.canvas._code.append(state.properties)
        self._states.append(state)

    def _close_artifact(self) -> None:
        self.canvas._code.append(END)
        self._states.pop()
        self._resume()

    def begin_inline(self, element: Element, flowable, base_font: str):
        """A paragraph with emphasis or links: its text is marked inside its text object, a
        sequence per run (its own words, a Span, a Link), and whatever it draws around the
        text (link underlines, backgrounds) is an artifact. Returns what end_inline needs."""
        claimed = self._claim(flowable)
        if claimed is flowable:
            self.inline = InlineRun(self, element, base_font)
            self._open_artifact("Layout", None)
        return claimed

    def end_inline(self, opened) -> None:
        if opened is None:
            return
        if opened is not True:
            self.inline = None
            self._drawing.discard(id(opened))
        self._close_artifact()

    def inline_text(self, text_object: "PDFTextObject") -> None:
        """The paragraph's text object, drawn: the artifact around it paused while its runs,
        each a marked sequence inside BT … ET, are written."""
        run = self.inline
        code = self.canvas._code
        code.append(END)
        text_object._code = run.marked(text_object._code)
        code.append(text_object.getCode())
        code.append(self._states[-1].properties)

    def _in_form(self) -> bool:
        return bool(self.canvas._formData)

    def _in_declared(self) -> bool:
        return any(isinstance(state, _Declared) for state in self._states)

    def _open_marked(self, element: Element) -> _Marked:
        self.canvas._code.append(self.mark(element))
        return _Marked(element)

    def mark(self, element: Element) -> str:
        """The operator that begins a new marked sequence of element: the page's next MCID,
        recorded as the element's."""
        page = self.canvas.getPageNumber()
        mcid = self._next_mcid.get(page, 0)
        self._next_mcid[page] = mcid + 1
        self.content.setdefault(id(element), []).append((page, mcid))
        return f"/{element.role} <</MCID {mcid}>> BDC"

    def _leave(self) -> None:
        """Close the sequence in progress before another one begins."""
        code = self.canvas._code
        if self._states:
            if isinstance(self._states[-1], _Marked):
                code.append(END)
            return  # a declared artifact is closed by its own block
        start = self._page_artifact_from
        if start is None:
            return
        if len(code) == start:  # nothing drawn in it: it need not exist
            if start > 0:
                del code[start - 1]
        else:
            code.append(END)
            if start == 0:
                self._page_start_marked = True
        self._page_artifact_from = None

    def _resume(self) -> None:
        """Open again what the sequence that just ended had interrupted."""
        if not self._states:
            self.canvas._code.append(PAGE_ARTIFACT)
            self._page_artifact_from = len(self.canvas._code)
        elif isinstance(self._states[-1], _Marked):
            self._states[-1] = self._open_marked(self._states[-1].element)

    def end_page(self) -> None:
        """Before the page's content is taken: every sequence closed, the page's own artifact
        opened where the page began."""
        self._leave()
        if self._page_start_marked:
            self.canvas._code.insert(0, PAGE_ARTIFACT)
        self._page_start_marked = False
        self._page_artifact_from = 0

    # --- what is drawn --------------------------------------------------------------------------

    def text_drawn(self, text_object: PDFTextObject) -> None:
        if self._states or self._in_form():
            return
        shown = " ".join(text_object._code)
        if _SHOWS_TEXT.search(shown):
            self.untagged_text.append(f"page {self.canvas.getPageNumber()}: {shown[:80]}")

    def annotation_added(self, annotation) -> None:
        if self.inline is not None:  # a link of the paragraph: its k-th run's Link
            owner = self.inline.link_for_annotation()
        else:
            owner = next((state.element for state in reversed(self._states)
                          if isinstance(state, _Marked)), None)
        self.annotations.append(Annotation(owner, self.canvas.getPageNumber(), annotation))


class InlineRun:
    """What one paragraph's text object shows, run by run: which code entries are emphasis
    (another face than the paragraph's) or a link's (ReportLab's `_linkRecord` events)."""

    def __init__(self, tags: Tags, element: Element, base_font: str) -> None:
        self.tags = tags
        self.element = element
        self.base_font = base_font
        self.emphasis: set[int] = set()  # indices of code entries in another face
        self.links: list[tuple[int, int, object]] = []  # (first, end, key) code entries
        self._open: dict[object, int] = {}
        # A link's element, one per link however many lines it runs over; and per run (a
        # line's part of a link, in order) its element, as ReportLab makes an annotation per run.
        self.link_elements: dict[object, Element] = {}
        self.run_links: list[Element] = []
        self._placed: set[int] = set()
        self._annotations = 0
        self.text_object = None

    def shown(self, text_object, index: int) -> None:
        if text_object._fontname != self.base_font:
            self.emphasis.add(index)

    def link_record(self, text_object):
        def record(key, event) -> None:
            # 'start' comes just after the first linked fragment was written, 'end' before
            # the first one after the link.
            if event == "start":
                self._open[key] = len(text_object._code) - 1
                self.run_links.append(self.link_elements.setdefault(key, Element("Link")))
            elif key in self._open:
                self.links.append((self._open.pop(key), len(text_object._code), key))
        return record

    def link_for_annotation(self) -> Element | None:
        index = self._annotations
        self._annotations += 1
        return self.run_links[index] if index < len(self.run_links) else self.element

    def marked(self, code: list[str]) -> list[str]:
        """The text object's code with a marked sequence per run, inside BT … ET."""
        for key, first in self._open.items():  # a link still open at the end of the text
            self.links.append((first, len(code), key))
        self._open.clear()
        link_at: dict[int, object] = {}
        for first, end, key in self.links:
            for index in range(first, end):
                link_at[index] = key
        owners = []
        for index in range(1, len(code)):
            if owners and not _SHOWS_TEXT.search(code[index]):
                owners.append(owners[-1])  # a font, a move, an empty line end: no run of its own
            elif index in link_at:
                owners.append(("link", link_at[index]))
            elif index in self.emphasis:
                owners.append(("span", None))
            else:
                owners.append(("text", None))
        out = [code[0]]
        current = None
        for index, owner in enumerate(owners, start=1):
            if owner != current:
                if current is not None:
                    out.append(END)
                current = owner
                kind, key = owner
                if kind == "text":
                    element = self.element
                elif kind == "span":
                    element = self._child(Element("Span"))
                else:
                    element = self._child(self.link_elements.setdefault(key, Element("Link")))
                out.append(self.tags.mark(element))
            out.append(code[index])
        if current is not None:
            out.append(END)
        return out

    def _child(self, child: Element) -> Element:
        """An inline child of the paragraph, read after the paragraph's words so far (a link
        that runs over two lines is one child, where it begins)."""
        if id(child) in self._placed:
            return child
        self._placed.add(id(child))
        child.parent = self.element
        own = len(self.tags.content.get(id(self.element), []))
        self.tags.inline_children.setdefault(id(self.element), []).append((own, child))
        return child


# --- overprint ------------------------------------------------------------------------------
# On press, 100 % black overprints: the black plate prints its text and rules over whatever
# the other plates carry beneath, so a plate out of register leaves no white halo around a
# letter. Every other colour (white above all) knocks out. The canvas decides this where a
# colour is set, for every paint that follows, so no part has to remember it.

def _pure_black(colour) -> bool:
    """100 % K and no other ink: the one colour that overprints."""
    if isinstance(colour, CMYKColor):
        if colour.spotName:
            return False
        d = colour.density
        inks = (d * colour.cyan, d * colour.magenta, d * colour.yellow, d * colour.black)
    elif isinstance(colour, (tuple, list)) and len(colour) == 4:
        inks = tuple(colour)
    else:
        return False
    return inks[0] == inks[1] == inks[2] == 0 and inks[3] >= 1


class _PressStates(ExtGState):
    """ReportLab's record of a content stream's graphics states (pushed and popped with q and
    Q, its 'OP' and 'op' values what the stream is in), with the overprint states as our own
    dictionaries: a fill state sets /op alone, a stroke state /OP with /op as it stands,
    because a state without /op sets it to /OP's value (ISO 32000-1, table 58). /OPM 1: a
    black at 100 % leaves the other plates' ink beneath it, not only their zeros."""

    def overprint_name(self, stroke: bool | None, fill: bool) -> str:
        key = (_OVERPRINT, stroke, fill)
        if key not in self._c:
            self._c[key] = f"gRLs{len(self._c)}"
        return self._c[key]

    def getState(self):  # noqa: N802 (ReportLab's name)
        states = {}
        for key, name in self._c.items():
            if key[0] == _OVERPRINT:
                _, stroke, fill = key
                entries = {} if stroke is None else {"OP": _flag(stroke)}
                states[name] = PDFDictionary({**entries, "op": _flag(fill), "OPM": 1})
            else:
                states[name] = PDFDictionary(dict((key,)))
        return PDFDictionary(states) if states else None


_OVERPRINT = "overprint"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _overprint(canvas: "BrochureCanvas", code: list, written: dict, *, fill: bool | None = None,
               stroke: bool | None = None, start: bool | None = False) -> None:
    """Put the stream in the overprint state the colour just set asks for, unless it is in it
    (written: 'OP' and 'op' as the stream stands; a missing key: start, what a stream begins
    with, or None when not known, as in a text object)."""
    if stroke is None:
        if written.get("op", start) is fill:
            return
        name = canvas._extgstate.overprint_name(None, fill)
        written["op"] = fill
    else:
        if written.get("OP", start) is stroke:
            return
        now = written.get("op", start)
        if now is None:  # a text object that set no fill: the canvas' fill, as it stands
            now = canvas._extgstate._d.get("op", False)
        name = canvas._extgstate.overprint_name(stroke, now)
        written["OP"], written["op"] = stroke, now
    code.append(f"/{name} gs")


class _LineEndText(PDFTextObject):
    """A text object that ends each wrapped line with a space, as a typed text would: read
    through the structure tree (by a screen reader, or copied), words at line ends would
    otherwise run together. The space is drawn after the line's last glyph: nothing shows."""

    _last_text = ""
    _inline: InlineRun | None = None
    # The overprint states this text object's code leaves the stream in: its code reaches the
    # page only when drawn, after whatever the canvas drew meanwhile.
    _overprint_written: dict | None = None

    def setFillColor(self, aColor, alpha=None):  # noqa: N802, N803 (ReportLab's names)
        super().setFillColor(aColor, alpha)
        if self._canvas._overprints_black:
            self._overprint_written = self._overprint_written or {}
            _overprint(self._canvas, self._code, self._overprint_written,
                       fill=_pure_black(self._fillColorObj), start=None)

    def setStrokeColor(self, aColor, alpha=None):  # noqa: N802, N803
        super().setStrokeColor(aColor, alpha)
        if self._canvas._overprints_black:
            self._overprint_written = self._overprint_written or {}
            _overprint(self._canvas, self._code, self._overprint_written,
                       stroke=_pure_black(self._strokeColorObj), start=None)

    def _textOut(self, text, TStar=0):  # noqa: N802, N803 (ReportLab's names)
        if text:
            self._last_text = text
        if TStar and not self._last_text.endswith((" ", "-", SOFT_HYPHEN, "\u2010", "\u2013")):
            text += " "
            self._last_text = " "
        if self._inline is not None and text.strip():
            self._inline.shown(self, len(self._code))
        return super()._textOut(text, TStar)


class BrochureCanvas(Canvas):
    """ReportLab's canvas, keeping the record (`tags`) of the tagged PDF it draws; a canvas
    that paints in CMYK (print) overprints its 100 % black."""

    _overprints_black = False

    def __init__(self, *args, **kwargs) -> None:
        # Overprint is a matter of plates: only a CMYK canvas has them. (Set before ReportLab
        # sets up its graphics state, which asks.)
        self._overprints_black = kwargs.get("enforceColorSpace") == "cmyk"
        super().__init__(*args, **kwargs)
        self.tags = Tags(self)

    def init_graphics_state(self):
        super().init_graphics_state()
        if self._overprints_black:
            self._extgstate = _PressStates()

    def setFillColor(self, aColor, alpha=None):  # noqa: N802, N803
        super().setFillColor(aColor, alpha)
        if self._overprints_black:
            _overprint(self, self._code, self._extgstate._d,
                       fill=_pure_black(self._fillColorObj))

    def setStrokeColor(self, aColor, alpha=None):  # noqa: N802, N803
        super().setStrokeColor(aColor, alpha)
        if self._overprints_black:
            _overprint(self, self._code, self._extgstate._d,
                       stroke=_pure_black(self._strokeColorObj))

    def beginText(self, x=0, y=0, direction=None):  # noqa: N802
        text = _LineEndText(self, x, y, direction=direction)
        run = self.tags.inline
        if run is not None and run.text_object is None:
            run.text_object = text
            text._inline = run
            text._linkRecord = run.link_record(text)
        return text

    def _setXObjects(self, thing):  # noqa: N802
        super()._setXObjects(thing)
        states = getattr(thing, "ExtGState", None)
        if states and isinstance(thing, PDFFormXObject):
            # ReportLab gives a form the resources it gives any form and forgets its graphics
            # states: a form's black (the contents' page numbers) is to overprint too.
            resources = PDFResourceDictionary()
            resources.basicFonts()
            resources.allProcs()
            if thing.XObjects:
                resources.XObject = thing.XObjects
            resources.ExtGState = states
            thing.Resources = resources

    def drawText(self, aTextObject):  # noqa: N802, N803
        written = getattr(aTextObject, "_overprint_written", None)
        if written:  # the stream is left as the text object's code leaves it
            self._extgstate._d.update(written)
        run = self.tags.inline
        if run is not None and run.text_object is aTextObject:
            return self.tags.inline_text(aTextObject)
        self.tags.text_drawn(aTextObject)
        return super().drawText(aTextObject)

    def _addAnnotation(self, annotation, name=None, addtopage=1):  # noqa: N802
        if not self._formData:
            self.tags.annotation_added(annotation)
        return super()._addAnnotation(annotation, name, addtopage)

    _in_show_page = False

    def showPage(self):  # noqa: N802
        self.tags.end_page()
        self._in_show_page = True
        try:
            return super().showPage()
        finally:
            self._in_show_page = False

    def lines(self, linelist):
        # Inside showPage ReportLab draws nothing but its crop marks, with lines().
        if self._in_show_page:
            self._code.append("/Artifact <</Type /Page>> BDC")
            super().lines(linelist)
            self._code.append(END)
            return
        super().lines(linelist)


# --- the structure tree ----------------------------------------------------------------------------

class _Written(PDFObject):
    """An object whose bytes are composed here: a long brochure has tens of thousands of
    structure elements, and ReportLab's general dictionaries format ten times slower."""

    def __init__(self) -> None:
        self.data = b""

    def format(self, document) -> bytes:
        return self.data


def _number(document, obj) -> int:
    """The object number ReportLab gave (or now gives) obj."""
    return document.idToObjectNumberAndVersion[document.Reference(obj).name][0]


def write_structure(canvas: BrochureCanvas, root: Element) -> None:
    """The structure tree, its parent tree, and each page's and annotation's entries, as
    objects of the document about to be saved. Every object is numbered first, then written
    with the numbers it refers to."""
    doc = canvas._doc
    tags = canvas.tags
    pages = doc.Pages.pages
    page_numbers = [_number(doc, page) for page in pages]
    annotations_of: dict[int, list[Annotation]] = {}
    for note in tags.annotations:
        annotations_of.setdefault(id(note.owner), []).append(note)

    def has_content(element: Element) -> bool:
        element.children = [child for child in element.children if has_content(child)]
        return bool(element.children or tags.content.get(id(element)) or element.keep_empty
                    or annotations_of.get(id(element)) or tags.inline_children.get(id(element)))

    def children_of(element: Element) -> list[Element]:
        return [child for _, child in tags.inline_children.get(id(element), [])] + \
            element.children

    has_content(root)
    order: list[Element] = []  # depth first, parents before children
    stack = [root]
    while stack:
        element = stack.pop()
        order.append(element)
        stack.extend(reversed(children_of(element)))
    entries = {id(element): _Written() for element in order}
    numbers = {key: _number(doc, entry) for key, entry in entries.items()}
    links: list[tuple[Annotation, _Written, int]] = []  # a Link element per annotation
    for element in order:
        for note in annotations_of.get(id(element), []):
            if element.role != "Link":
                link = _Written()
                links.append((note, link, _number(doc, link)))
            else:
                links.append((note, entries[id(element)], numbers[id(element)]))
    link_of = {id(note): (link, number) for note, link, number in links}
    tree_root = _Written()
    root_number = _number(doc, tree_root)
    parent_tree = _Written()
    parents: dict[int, dict[int, int]] = {}  # page index → MCID → element number

    def first_page(element: Element) -> int | None:
        marks = tags.content.get(id(element))
        if marks:
            return marks[0][0]
        for child in element.children:
            found = first_page(child)
            if found is not None:
                return found
        return None

    parent_numbers = {id(child): numbers[id(element)]
                      for element in order for child in children_of(element)}
    for element in order:
        number = numbers[id(element)]
        page = first_page(element)
        kids = []
        inline = tags.inline_children.get(id(element), [])
        waiting = 0  # inline children stand among the element's own words, where they were
        for own, (on_page, mcid) in enumerate(tags.content.get(id(element), [])):
            while waiting < len(inline) and inline[waiting][0] <= own:
                kids.append(b"%d 0 R" % numbers[id(inline[waiting][1])])
                waiting += 1
            kids.append(b"%d" % mcid if on_page == page else
                        b"<< /Type /MCR /Pg %d 0 R /MCID %d >>" % (page_numbers[on_page - 1], mcid))
            parents.setdefault(on_page - 1, {})[mcid] = number
        kids += [b"%d 0 R" % numbers[id(child)] for _, child in inline[waiting:]]
        kids += [b"%d 0 R" % numbers[id(child)] for child in element.children]
        for note in annotations_of.get(id(element), []):
            objr = b"<< /Type /OBJR /Obj %d 0 R /Pg %d 0 R >>" % (
                _number(doc, note.annotation), page_numbers[note.page - 1])
            link, link_number = link_of[id(note)]
            if link_number == number:
                kids.append(objr)
            else:
                kids.append(b"%d 0 R" % link_number)
                link.data = (b"<< /S /Link /P %d 0 R /Pg %d 0 R /K [ %s ] >>"
                             % (number, page_numbers[note.page - 1], objr))
        # (no /Type: it is optional, and a long brochure has tens of thousands of elements)
        fields = [b"/S /" + element.role.encode("ascii"),
                  b"/P %d 0 R" % parent_numbers.get(id(element), root_number)]
        if page is not None:
            fields.append(b"/Pg %d 0 R" % page_numbers[page - 1])
        if element.alt is not None:
            fields.append(b"/Alt " + PDFString(element.alt).format(doc))
        if element.attributes:
            fields.append(b"/A << " + b" ".join(
                b"/%s %s" % (name.encode("ascii"), b"%d" % value if isinstance(value, int)
                             else b"/" + value.encode("ascii"))
                for name, value in element.attributes.items()) + b" >>")
        if kids:
            fields.append(b"/K [ " + b" ".join(kids) + b" ]")
        entries[id(element)].data = b"<< " + b" ".join(fields) + b" >>"

    nums = []
    for index, page in enumerate(pages):
        page.__NoDefault__ = [*page.__NoDefault__, "StructParents", "Tabs"]
        page.StructParents = index
        page.Tabs = PDFName("S")
        marks = parents.get(index, {})
        nums.append(b"%d [ %s ]" % (index, b" ".join(b"%d 0 R" % marks[mcid]
                                                     for mcid in sorted(marks))))
    key = len(pages)
    for note, _, link_number in links:
        _set_annotation_entries(note.annotation, key)
        nums.append(b"%d %d 0 R" % (key, link_number))
        key += 1
    parent_tree.data = b"<< /Nums [ " + b"\n".join(nums) + b" ] >>"
    tree_root.data = (b"<< /Type /StructTreeRoot /K [ %d 0 R ] /ParentTree %d 0 R "
                      b"/ParentTreeNextKey %d >>" % (numbers[id(root)], _number(doc, parent_tree),
                                                     key))
    canvas.setCatalogEntry("StructTreeRoot", tree_root)
    canvas.setCatalogEntry("MarkInfo", PDFDictionary({"Marked": "true"}))


def _set_annotation_entries(annotation, key: int) -> None:
    """A link annotation's place in the parent tree (/StructParent) and, for a link to an
    address, its description: the address (a link within the brochure is made with one)."""
    if isinstance(annotation, PDFDictionary):  # made by linkURL (a paragraph's <a href>)
        annotation["StructParent"] = key
        action = annotation.dict.get("A")
        if "Contents" not in annotation.dict and action is not None and "URI" in action.dict:
            annotation["Contents"] = PDFString(action.dict["URI"].s)
        return
    # a LinkAnnotation (linkRect): its permitted keys are a class attribute
    annotation.permitted = (*annotation.permitted, "StructParent")
    annotation.otherkw["StructParent"] = key


def ua_metadata(title: str, language: str, *, claim: bool = True) -> str:
    """The XMP packet of a tagged file: its title and language, and with claim the PDF/UA-1
    claim (pdfuaid). A print file is tagged but claims nothing: its gatekeeper is the print
    shop, and a claim nobody validated would be a promise the file cannot keep."""
    from xml.sax.saxutils import escape

    namespace = ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"' if claim else ""
    claimed = "   <pdfuaid:part>1</pdfuaid:part>\n" if claim else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""'
        f' xmlns:dc="http://purl.org/dc/elements/1.1/"{namespace}>\n'
        '   <dc:format>application/pdf</dc:format>\n'
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li>'
        '</rdf:Alt></dc:title>\n'
        f'   <dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>\n'
        f'{claimed}'
        '  </rdf:Description>\n'
        ' </rdf:RDF>\n'
        '</x:xmpmeta>\n'
        '<?xpacket end="w"?>')


class _MetadataStream(PDFStream):
    """The catalog's XMP packet, without a filter: PDF/A asks for that, and any tool can read
    it. (ReportLab's streams take the document's compression, or write an empty /Filter.)"""

    def format(self, document) -> bytes:
        data = self.content
        entries = PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML"),
                                 "Length": len(data)})
        return entries.format(document) + b"\nstream\n" + data + b"\nendstream\n"


def metadata_stream(xmp: str) -> PDFStream:
    return _MetadataStream(content=xmp.encode("utf-8"))
