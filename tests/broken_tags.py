"""A small tagged PDF made by hand, and the ways to break any tagged PDF that a tag checker must
catch.

`tagged_sample()` draws one A5 page with ReportLab (its TrueType subsets are what the brochure
embeds) and marks its content by hand (`Canvas.addLiteral`: BDC … EMC around each piece), then
pikepdf adds the structure tree, ParentTree, a link annotation and the catalog entries PDF/UA-1
asks for. It passes page-validation's ua1 and accessibility.check_tags.

`MUTATIONS` break a tagged file in one way each and work on any tagged PDF (a brochure build
too): each finds what it breaks by walking the tree, never by knowing the sample. A mutation
that finds nothing to break raises NothingToBreak, so a test cannot pass by breaking nothing.
"""

from __future__ import annotations

import io
import re

import pikepdf
from PIL import Image
from pikepdf import Array, Dictionary, Name, String
from reportlab.lib.pagesizes import A5
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from kennisdag_pdf import fonts

W, H = A5
TITLE = "Kennisdag 2011"
XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


class NothingToBreak(Exception):
    """The file has nothing this mutation could break (no Figure, no table, …)."""


# --- the sample ------------------------------------------------------------------------------

def _draw(canvas: Canvas, image, number: int) -> list[tuple[str, int]]:
    """Draws page number; returns (element key, MCID) for each piece of tagged content, in the
    order drawn. The agenda's first cell and the folio are forms (as the brochure's late
    forms are): one inside tagged content, one inside an artifact."""
    marked: list[tuple[str, int]] = []

    def tagged(key: str, tag: str, draw) -> None:
        mcid = len(marked)
        canvas.addLiteral(f"/{tag} <</MCID {mcid}>> BDC")
        draw()
        canvas.addLiteral("EMC")
        marked.append((key, mcid))

    def artifact(kind: str, draw) -> None:
        canvas.addLiteral(f"/Artifact <</Type /{kind}>> BDC")
        draw()
        canvas.addLiteral("EMC")

    sans, serif = fonts.SANS.regular.name, fonts.SERIF.regular.name

    def text(x, y, words, face=serif, size=10):
        def draw():
            canvas.setFont(face, size)
            canvas.drawString(x, y, words)
        return draw

    if number == 1:
        for name, words, face in (("opening", "Opening", serif), ("folio", "kennisdag", serif)):
            canvas.beginForm(name)
            text(0, 0, words, face)()
            canvas.endForm()

    def form(name, x, y):
        def draw():
            canvas.saveState()
            canvas.translate(x, y)
            canvas.doForm(name)
            canvas.restoreState()
        return draw

    artifact("Layout", lambda: canvas.rect(0, H - 40, W, 40, stroke=0, fill=1))
    tagged("h1", "H1", text(40, H - 80, f"{TITLE}, deel {number}", sans, 18))
    tagged("p1", "P", text(40, H - 110, "Een dag over gebakken lucht."))
    tagged("h2", "H2", text(40, H - 140, "Agenda", sans, 14))
    tagged("th1", "TH", text(40, H - 165, "1", sans))
    tagged("td1", "TD", form("opening", 80, H - 165))
    tagged("th2", "TH", text(40, H - 180, "2", sans))
    tagged("td2", "TD", text(80, H - 180, "Stellingen"))
    artifact("Layout", lambda: canvas.line(40, H - 190, W - 40, H - 190))
    tagged("lbl", "Lbl", text(40, H - 210, "1."))
    tagged("lbody", "LBody", text(60, H - 210, "Lucht is niet gebakken."))
    tagged("figure", "Figure", lambda: canvas.drawImage(image, 40, H - 330, 100, 100))
    tagged("link", "Link", text(40, H - 350, "kennisdag.example.org"))
    artifact("Pagination", text(W / 2, 30, str(number), serif, 8))
    artifact("Pagination", form("folio", W / 2 + 20, 30))
    return marked


# The tree of each page: key → (role, parent key), in reading order; every page's elements
# stand under the one Document.
TREE = [
    ("h1", "H1", "document"), ("p1", "P", "document"),
    ("h2", "H2", "document"), ("table", "Table", "document"), ("tr1", "TR", "table"),
    ("th1", "TH", "tr1"), ("td1", "TD", "tr1"), ("tr2", "TR", "table"), ("th2", "TH", "tr2"),
    ("td2", "TD", "tr2"), ("list", "L", "document"), ("li", "LI", "list"),
    ("lbl", "Lbl", "li"), ("lbody", "LBody", "li"), ("figure", "Figure", "document"),
    ("p2", "P", "document"), ("link", "Link", "p2"),
]


def tagged_sample(pages: int = 1) -> bytes:
    """Tagged A5 pages, each with H1, P, H2, a table with row headers, a list, a figure with
    Alt, a link with its annotation, and a band, a rule and a folio as artifacts."""
    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=1, initialFontName=fonts.SERIF.regular.name)
    canvas.setTitle(TITLE)
    picture = ImageReader(Image.new("RGB", (60, 60), (40, 90, 160)))
    drawn = []
    for number in range(1, pages + 1):
        drawn.append(_draw(canvas, picture, number))
        canvas.showPage()
    canvas.save()

    pdf = pikepdf.open(io.BytesIO(out.getvalue()))
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root,
                                            K=Array()))
    root.K = Array([document])
    nums, links = Array(), []
    for number, marked in enumerate(drawn):
        page = pdf.pages[number].obj
        elements: dict[str, pikepdf.Dictionary] = {"document": document}
        for key, role, parent in TREE:
            element = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + role),
                                                   P=elements[parent], K=Array()))
            elements[parent].K.append(element)
            elements[key] = element
        elements["figure"].Alt = String("Blauw vlak: het logo van de kennisdag")
        for key in ("th1", "th2"):
            elements[key].A = Dictionary(O=Name.Table, Scope=Name.Row)
        by_mcid = Array()
        for key, mcid in marked:
            elements[key].Pg = page
            elements[key].K.append(mcid)
            by_mcid.append(elements[key])
        link = pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([40, H - 355, 160, H - 340]),
            Border=Array([0, 0, 0]), F=4, Contents=String("kennisdag.example.org"),
            A=Dictionary(S=Name.URI, URI=String("https://kennisdag.example.org/")),
            StructParent=pages + number, P=page))
        page.Annots = Array([link])
        elements["link"].K.append(Dictionary(Type=Name.OBJR, Obj=link, Pg=page))
        page.StructParents = number
        page.Tabs = Name.S
        nums.extend([number, by_mcid])
        links.append(elements["link"])
    for number, element in enumerate(links):  # a number tree's keys in ascending order
        nums.extend([pages + number, element])
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = 2 * pages

    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = String("nl-NL")
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    pdf.Root.Metadata = pdf.make_stream(XMP.format(title=TITLE).encode("utf-8"),
                                        Type=Name.Metadata, Subtype=Name.XML)
    _no_null_unicode(pdf)
    data = io.BytesIO()
    pdf.save(data, deterministic_id=True)
    return data.getvalue()


def _no_null_unicode(pdf: pikepdf.Pdf) -> None:
    """ReportLab maps a subset's unused codes to U+0000, which PDF/UA-1 refuses: the CMap is
    written again without them, in blocks of at most 100 as the CMap format allows."""
    for font in _fonts(pdf):
        cmap = font.get("/ToUnicode")
        if cmap is None:
            continue
        text = cmap.read_bytes().decode("latin-1")
        start, end = text.index("beginbfchar"), text.index("endbfchar") + len("endbfchar")
        start = text.rindex("\n", 0, start) + 1
        pairs = re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", text[start:end])
        kept = [pair for pair in pairs if int(pair[1], 16) != 0]
        blocks = []
        for i in range(0, len(kept), 100):
            chunk = kept[i:i + 100]
            blocks.append(f"{len(chunk)} beginbfchar\n"
                          + "".join(f"<{a}> <{b}>\n" for a, b in chunk) + "endbfchar")
        cmap.write((text[:start] + "\n".join(blocks) + text[end:]).encode("latin-1"))


def _fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found = {}
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            found[font.objgen] = font
    return list(found.values())


# --- breaking it ------------------------------------------------------------------------------

def elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element in reading order."""
    out, stack = [], list(reversed(_kids(pdf.Root.StructTreeRoot.get("/K"))))
    while stack:
        element = stack.pop()
        if isinstance(element, Dictionary) and "/S" in element:
            out.append(element)
            stack.extend(reversed(_kids(element.get("/K"))))
    return out


def _kids(value) -> list:
    return list(value) if isinstance(value, Array) else [] if value is None else [value]


def _first(pdf: pikepdf.Pdf, *roles: str) -> pikepdf.Dictionary:
    for element in elements(pdf):
        if str(element.S)[1:] in roles:
            return element
    raise NothingToBreak(f"no {'/'.join(roles)} element")


def no_alt(pdf: pikepdf.Pdf) -> None:
    figure = _first(pdf, "Figure")
    for key in ("/Alt", "/ActualText"):
        if key in figure:
            del figure[key]


def heading_skip(pdf: pikepdf.Pdf) -> None:
    """The second heading becomes two levels below the first (H1 then H3)."""
    headings = [e for e in elements(pdf) if str(e.S) in [f"/H{n}" for n in range(1, 7)]]
    for before, after in zip(headings, headings[1:]):
        level = int(str(before.S)[2:])
        if level <= 4:
            after.S = Name(f"/H{level + 2}")
            return
    raise NothingToBreak("no two headings")


def no_scope(pdf: pikepdf.Pdf) -> None:
    header = _first(pdf, "TH")
    if "/A" in header:
        del header["/A"]


def table_nesting(pdf: pikepdf.Pdf) -> None:
    _first(pdf, "TR").S = Name.P


def no_tabs(pdf: pikepdf.Pdf) -> None:
    removed = False
    for page in pdf.pages:
        if "/Tabs" in page.obj and "/Annots" in page.obj:
            del page.obj["/Tabs"]
            removed = True
    if not removed:
        raise NothingToBreak("no page with annotations and /Tabs")


def no_lang(pdf: pikepdf.Pdf) -> None:
    if "/Lang" not in pdf.Root:
        raise NothingToBreak("no /Lang")
    del pdf.Root["/Lang"]


def link_without_contents(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") == Name.Link and "/Contents" in annotation:
                del annotation["/Contents"]
                return
    raise NothingToBreak("no link with /Contents")


def orphan_mcid(pdf: pikepdf.Pdf) -> None:
    """The first paragraph lets go of its first marked content: drawn, but in no element."""
    for element in elements(pdf):
        if element.S != Name.P:
            continue
        kids = _kids(element.get("/K"))
        for i, kid in enumerate(kids):
            if isinstance(kid, int) or (isinstance(kid, Dictionary)
                                        and kid.get("/Type") == Name.MCR):
                del kids[i]
                element.K = Array(kids)
                return
    raise NothingToBreak("no paragraph with marked content")


def _rewrite_first_page(pdf: pikepdf.Pdf, change) -> None:
    for page in pdf.pages:
        ops = list(pikepdf.parse_content_stream(page))
        if change(ops):
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
            return
    raise NothingToBreak("no page this applies to")


def tagged_in_artifact(pdf: pikepdf.Pdf) -> None:
    """The first tagged text is wrapped in an Artifact: real content hidden from the reader."""
    def change(ops) -> bool:
        for i, op in enumerate(ops):
            if str(op.operator) == "BDC" and isinstance(op.operands[1], Dictionary) \
                    and "/MCID" in op.operands[1]:
                depth = 0
                for j in range(i, len(ops)):
                    name = str(ops[j].operator)
                    depth += name in ("BDC", "BMC")
                    depth -= name == "EMC"
                    if depth == 0:
                        break
                ops.insert(j + 1, pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
                ops.insert(i, pikepdf.ContentStreamInstruction([Name.Artifact],
                                                               pikepdf.Operator("BMC")))
                return True
        return False
    _rewrite_first_page(pdf, change)


def unmarked_painting(pdf: pikepdf.Pdf) -> None:
    """A rule drawn outside any marked content (neither tagged nor an artifact)."""
    def change(ops) -> bool:
        ops += pikepdf.parse_content_stream(
            pdf.make_stream(b"q 0.5 w 20 20 m 100 20 l S Q"))
        return True
    _rewrite_first_page(pdf, change)


def untagged_text(pdf: pikepdf.Pdf) -> None:
    """A line of text outside any marked content, in a font the page already uses."""
    def change(ops) -> bool:
        font = next((op.operands[0] for op in ops if str(op.operator) == "Tf"), None)
        if font is None:
            return False
        ops += pikepdf.parse_content_stream(pdf.make_stream(
            b"BT " + font.unparse() + b" 9 Tf 20 10 Td (1) Tj ET"))
        return True
    _rewrite_first_page(pdf, change)


# name → (mutation, the checker's rule that must catch it)
MUTATIONS = {
    "no_alt": (no_alt, "13-004"),
    "heading_skip": (heading_skip, "14-003"),
    "no_scope": (no_scope, "15-003"),
    "table_nesting": (table_nesting, "09-004"),
    "tagged_in_artifact": (tagged_in_artifact, "01-004"),
    "unmarked_painting": (unmarked_painting, "01-005"),
    "orphan_mcid": (orphan_mcid, "01-005"),
    "no_tabs": (no_tabs, "28-008"),
    "no_lang": (no_lang, "11-006"),
    "link_without_contents": (link_without_contents, "28-012"),
    "untagged_text": (untagged_text, "01-005"),
}


def broken(data: bytes, name: str) -> bytes:
    """data (a tagged PDF) broken by the mutation called name."""
    mutate, _ = MUTATIONS[name]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        mutate(pdf)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()
