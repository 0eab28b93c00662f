"""Rendered print PDF → PDF/X-4 (ISO 15930-7), and the requirements a PDF/X-4 file is judged by.

A print shop's preflight (PitStop, pdfToolbox, Acrobat) asks of a press file what it is made
for: the printing condition (an output intent with the ICC profile the images were separated
with), who made it and when (XMP metadata that agrees with the Info dictionary), whether it
has been trapped, and that nothing in it depends on a screen (RGB, links, JavaScript). ReportLab
writes none of that, so it is added to the finished print file here; its pages are not touched
(not a pixel changes).

No independent PDF/X validator runs here (veraPDF judges PDF/A and PDF/UA only), so the proof
is our own checker, `pdfx_problems`, verdicts per requirement over what `read_facts` saw (the
preflight reports them under "pdf/x"); each is tested with a copy of the real print file that
lacks what it requires.

The output is reproducible: the XMP dates are the Info dictionary's (the pinned build date),
the document and instance IDs are derived from the content, and the save is deterministic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from . import pdfin
from .pdfin import Budget

if TYPE_CHECKING:  # images loads the layout's modules, which `check` of a foreign file needs not
    from .images import PrintCondition

PDFX_VERSION = "PDF/X-4"
PDF_VERSION = "1.6"  # PDF/X-4 is built on PDF 1.6: no later header, no later catalog /Version
GTS_PDFX = "/GTS_PDFX"
# Annotations a print file may carry on its printed area: what a RIP itself reads.
PRINT_ANNOTATIONS = ("/TrapNet", "/PrinterMark")
MAX_XMP_BYTES = 4 * 1024 * 1024  # a packet is a few kB; more is not metadata
MAX_OUTLINE_ITEMS = 100_000  # bookmarks read for actions; a brochure has a few hundred
# IDs are UUIDs named by the content (RFC 4122 name-based), in this project's own namespace.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://kennisdag-pdf/pdfx")
SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")

_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
}
# What requirement 2 asks of the packet, as (prefix, property, what it says).
XMP_REQUIRED = (
    ("pdfxid", "GTS_PDFXVersion", "the PDF/X version"),
    ("xmpMM", "DocumentID", "the document's ID"),
    ("xmpMM", "InstanceID", "this rendition's ID"),
    ("xmpMM", "VersionID", "the version"),
    ("xmpMM", "RenditionClass", "the rendition class"),
    ("xmp", "CreateDate", "the creation date"),
    ("xmp", "ModifyDate", "the modification date"),
    ("xmp", "MetadataDate", "the metadata date"),
    ("dc", "title", "the title"),
    ("pdf", "Trapped", "whether it is trapped"),
    ("pdf", "Producer", "the producer"),
)


# --- making it ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    """What the XMP packet says; the Info dictionary says the same."""

    title: str
    language: str
    created: dt.datetime
    modified: dt.datetime
    producer: str
    creator_tool: str
    author: str
    subject: str
    keywords: str
    trapped: bool
    document_id: str  # uuid:…
    instance_id: str
    version_id: str = "1"


def make_pdfx(pdf: bytes, condition: PrintCondition) -> bytes:
    """A finished print PDF (CMYK, boxes set, no link annotations) made PDF/X-4 for condition:
    its output intent, XMP identity, unique font subset tags and a PDF 1.6 header. The
    structure tree, pages and Info dictionary are kept as they are."""
    import pikepdf

    digest = hashlib.sha256(pdf).hexdigest()
    with pikepdf.open(BytesIO(pdf)) as document:
        for page in document.pages:
            # ReportLab's empty transition dictionary is for slide shows, not presses.
            if "/Trans" in page.obj and len(page.obj.Trans) == 0:
                del page.obj.Trans
        unique_subset_tags(document)
        document.Root.OutputIntents = pikepdf.Array([output_intent(document, condition)])
        write_identity(document, _named_id("document", digest), _named_id("instance", digest))
        return _saved(document)


def carry_pdfx(source, out) -> bool:
    """Gives out (a new pikepdf.Pdf made from source, such as the imposed booklet) the
    PDF/X-4 identity of source, when source claims it: the same output intent, the same Info
    title, dates and trapping, and XMP with a DocumentID of its own. False (nothing done) for a
    source that is not PDF/X-4."""
    import pikepdf

    intent = _pdfx_intent(source)
    if intent is None or _claimed_version(source) != PDFX_VERSION:
        return False
    out.Root.OutputIntents = pikepdf.Array([out.copy_foreign(intent)])
    info = source.trailer.get("/Info")
    for key in ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer",
                "/CreationDate", "/ModDate", "/Trapped"):
        if isinstance(info, pikepdf.Dictionary) and key in info:
            out.docinfo[key] = info[key]
    language = source.Root.get("/Lang")
    if isinstance(language, pikepdf.String):
        out.Root.Lang = language
    # Its own ID, named by the source's and by how its sheets place the pages.
    seed = hashlib.sha256(_xmp_fields(source).get(("xmpMM", "DocumentID"), "").encode())
    for page in out.pages:
        contents = page.obj.get("/Contents")
        if isinstance(contents, pikepdf.Stream):
            seed.update(contents.read_raw_bytes())
    write_identity(out, _named_id("document", seed.hexdigest()),
                   _named_id("instance", seed.hexdigest()))
    return True


def output_intent(document, condition: PrintCondition):
    """The /GTS_PDFX output intent of condition, its ICC profile embedded."""
    import pikepdf

    profile = document.make_stream(condition.profile.read_bytes())  # compressed on saving
    profile.N = 4
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(condition.identifier),
        OutputCondition=pikepdf.String(condition.description),
        Info=pikepdf.String(f"{condition.description}; total ink limit "
                            f"{condition.ink_limit} %"),
        DestOutputProfile=profile)
    if condition.registry:
        intent.RegistryName = pikepdf.String(condition.registry)
    return document.make_indirect(intent)


def write_identity(document, document_id: str, instance_id: str) -> None:
    """XMP packet (uncompressed) for what the Info dictionary says, claiming PDF/X-4 and no
    other conformance (a print file is tagged but claims no PDF/UA)."""
    import pikepdf

    info = document.trailer.get("/Info")
    info = info if isinstance(info, pikepdf.Dictionary) else pikepdf.Dictionary()

    def text(key: str) -> str:
        value = info.get(key)
        return str(value) if isinstance(value, pikepdf.String) else ""

    created = pdf_date(text("/CreationDate"))
    modified = pdf_date(text("/ModDate")) or created
    if created is None or not text("/Title"):
        raise ValueError("a print file needs its title and creation date in its Info "
                         "dictionary to be made PDF/X-4")
    if "/ModDate" not in info:
        info.ModDate = info.CreationDate
    # Trapping is the shop's job: an untrapped file says so, and so does its XMP.
    trapped = info.get("/Trapped") == pikepdf.Name("/True")
    if "/Trapped" not in info:
        info.Trapped = pikepdf.Name("/False")
    language = document.Root.get("/Lang")
    identity = Identity(
        title=text("/Title"), language=str(language) if isinstance(language, pikepdf.String)
        else "", created=created, modified=modified, producer=text("/Producer"),
        creator_tool=text("/Creator"), author=text("/Author"), subject=text("/Subject"),
        keywords=text("/Keywords"), trapped=trapped, document_id=document_id,
        instance_id=instance_id)
    stream = document.make_stream(xmp_packet(identity).encode("utf-8"))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    document.Root.Metadata = stream
    if document.trailer.get("/Info") is None:
        document.trailer.Info = document.make_indirect(info)


def xmp_packet(identity: Identity) -> str:
    from xml.sax.saxutils import escape

    def alt(value: str) -> str:
        return (f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(value)}</rdf:li></rdf:Alt>')

    def simple(name: str, value: str) -> str:
        return f"   <{name}>{escape(value)}</{name}>\n" if value else ""

    namespaces = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in _NS.items()
                         if prefix not in ("x", "rdf"))
    created, modified = identity.created.isoformat(), identity.modified.isoformat()
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'  <rdf:Description rdf:about=""{namespaces}>\n'
        '   <dc:format>application/pdf</dc:format>\n'
        f'   <dc:title>{alt(identity.title)}</dc:title>\n'
        + (f'   <dc:creator><rdf:Seq><rdf:li>{escape(identity.author)}</rdf:li></rdf:Seq>'
           '</dc:creator>\n' if identity.author else "")
        + (f'   <dc:description>{alt(identity.subject)}</dc:description>\n'
           if identity.subject else "")
        + (f'   <dc:language><rdf:Bag><rdf:li>{escape(identity.language)}</rdf:li></rdf:Bag>'
           '</dc:language>\n' if identity.language else "")
        + simple("xmp:CreateDate", created)
        + simple("xmp:ModifyDate", modified)
        + simple("xmp:MetadataDate", modified)
        + simple("xmp:CreatorTool", identity.creator_tool)
        + simple("xmpMM:DocumentID", identity.document_id)
        + simple("xmpMM:InstanceID", identity.instance_id)
        + simple("xmpMM:VersionID", identity.version_id)
        + simple("xmpMM:RenditionClass", "default")
        + simple("pdf:Producer", identity.producer)
        + simple("pdf:Keywords", identity.keywords)
        + simple("pdf:Trapped", "True" if identity.trapped else "False")
        + simple("pdfxid:GTS_PDFXVersion", PDFX_VERSION)
        + '  </rdf:Description>\n'
        ' </rdf:RDF>\n'
        '</x:xmpmeta>\n'
        '<?xpacket end="w"?>')


def unique_subset_tags(document) -> None:
    """ReportLab tags a font's subsets AAAAAA+, AAAAAB+ … in every file alike; a RIP that
    combines jobs may take two different subsets for one font. Each subset gets its own six
    capitals, from its bytes, on the font, its descendant and its descriptor."""
    import pikepdf

    renamed: dict[tuple, str] = {}
    taken: set[str] = set()
    for font in _fonts(document):
        targets = [font]
        if font.get("/Subtype") == "/Type0":
            targets += [t for t in pdfin.array(font.get("/DescendantFonts"), "DescendantFonts")
                        if isinstance(t, pikepdf.Dictionary)]
        descriptors = [t.get("/FontDescriptor") for t in targets]
        files = [d.get(key) for d in descriptors if isinstance(d, pikepdf.Dictionary)
                 for key in ("/FontFile", "/FontFile2", "/FontFile3")
                 if isinstance(d.get(key), pikepdf.Stream)]
        base = str(font.get("/BaseFont", ""))[1:]
        if not files or not SUBSET_TAG.match(base):
            continue
        key = files[0].objgen
        if key not in renamed:
            digest = hashlib.sha256(files[0].read_raw_bytes()).digest()
            tag, salt = _tag(digest), 0
            while f"{tag}+{base[7:]}" in taken:  # two subsets alike in their first letters
                salt += 1
                tag = _tag(hashlib.sha256(digest + salt.to_bytes(4, "big")).digest())
            taken.add(f"{tag}+{base[7:]}")
            renamed[key] = tag
        tag = renamed[key]
        for obj, field in [(t, "/BaseFont") for t in targets] + \
                [(d, "/FontName") for d in descriptors if isinstance(d, pikepdf.Dictionary)]:
            name = str(obj.get(field, ""))
            if SUBSET_TAG.match(name[1:]):
                obj[field] = pikepdf.Name("/" + tag + name[7:])


def _tag(digest: bytes) -> str:
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


def _fonts(document):
    """Every font dictionary of the file, once each, in the order of its objects."""
    import pikepdf

    for obj in document.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and \
                obj.get("/Subtype") != "/CIDFontType2" and obj.get("/Subtype") != "/CIDFontType0":
            yield obj


def _named_id(kind: str, digest: str) -> str:
    return f"uuid:{uuid.uuid5(_ID_NAMESPACE, f'{kind}:{digest}')}"


def _saved(document) -> bytes:
    out = BytesIO()
    # fix_metadata_version would parse the packet and write it again in lxml's words.
    document.save(out, deterministic_id=True, compress_streams=True, min_version=PDF_VERSION,
                  fix_metadata_version=False)
    return out.getvalue()


_PDF_DATE = re.compile(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?"
                       r"(?:([Zz+\-])(?:(\d\d)'?(?:(\d\d)'?)?)?)?$")


def pdf_date(text: str) -> dt.datetime | None:
    """A PDF date (D:20110407000000+00'00') as a datetime; None when it is none. Without an
    offset the time is local to whoever wrote it: naive."""
    found = _PDF_DATE.match(text.strip())
    if not found:
        return None
    year, month, day, hour, minute, second, sign, off_h, off_m = found.groups()
    try:
        moment = dt.datetime(int(year), int(month or 1), int(day or 1), int(hour or 0),
                             int(minute or 0), int(second or 0))
        if sign:
            offset = dt.timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
            moment = moment.replace(tzinfo=dt.timezone(-offset if sign == "-" else offset))
    except ValueError:
        return None
    return moment


def xmp_date(text: str) -> dt.datetime | None:
    """An XMP date (ISO 8601: a year, a month, a day, or a time with its offset)."""
    text = text.strip()
    partial = re.fullmatch(r"(\d{4})(?:-(\d\d))?", text)
    try:
        if partial:
            return dt.datetime(int(partial[1]), int(partial[2] or 1), 1)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _same_moment(a: dt.datetime, b: dt.datetime) -> bool:
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b


# --- reading what a file claims ----------------------------------------------------------------

def _pdfx_intent(pdf):
    import pikepdf

    for intent in pdfin.array(pdf.Root.get("/OutputIntents"), "OutputIntents"):
        if isinstance(intent, pikepdf.Dictionary) and intent.get("/S") == GTS_PDFX:
            return intent
    return None


def _claimed_version(pdf) -> str:
    return _xmp_fields(pdf).get(("pdfxid", "GTS_PDFXVersion"), "")


def _xmp_fields(pdf) -> dict[tuple[str, str], str]:
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        return {}
    try:
        return parse_xmp(pdfin.read_stream(metadata, Budget(stream_bytes=MAX_XMP_BYTES)))
    except (pdfin.Unexpected, pdfin.TooComplex, ValueError):
        return {}


def parse_xmp(packet: bytes) -> dict[tuple[str, str], str]:
    """(prefix, property) → its text, for the namespaces PDF/X-4 asks about, whether written
    as an element or as an attribute of rdf:Description; an Alt, Seq or Bag gives its first
    item. ValueError when the packet is not XML. No entity is expanded beyond what expat
    allows, and nothing is fetched."""
    import xml.etree.ElementTree as ET

    by_uri = {uri: prefix for prefix, uri in _NS.items()}
    start, end = packet.find(b"<x:xmpmeta"), packet.rfind(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        start, end = packet.find(b"<rdf:RDF"), packet.rfind(b"</rdf:RDF>")
        if start < 0 or end < 0:
            raise ValueError("no XMP in the packet")
        end += len(b"</rdf:RDF>")
    else:
        end += len(b"</x:xmpmeta>")
    try:
        root = ET.fromstring(packet[start:end])
    except ET.ParseError as exc:
        raise ValueError(f"the XMP packet is not well-formed XML ({exc})") from None
    fields: dict[tuple[str, str], str] = {}
    rdf = "{" + _NS["rdf"] + "}"
    for description in root.iter(rdf + "Description"):
        for name, value in description.attrib.items():
            key = _split(name, by_uri)
            if key:
                fields.setdefault(key, value.strip())
        for child in description:
            key = _split(child.tag, by_uri)
            if not key:
                continue
            items = [li for li in child.iter(rdf + "li")]
            value = (items[0].text if items else child.text) or ""
            fields.setdefault(key, value.strip())
    return fields


def _split(name: str, by_uri: dict[str, str]) -> tuple[str, str] | None:
    if not name.startswith("{"):
        return None
    uri, _, local = name[1:].partition("}")
    prefix = by_uri.get(uri)
    return (prefix, local) if prefix and prefix not in ("x", "rdf") else None


# --- the checker: what a file shows, then a verdict per requirement -----------------------------

@dataclass(frozen=True)
class Intent:
    subtype: str
    identifier: str
    registry: str
    profile: str  # "" when embedded and fine, else what is wrong with it


@dataclass(frozen=True)
class PageFacts:
    number: int
    media: tuple[float, float, float, float] | None
    bleed: tuple[float, float, float, float] | None  # None: defaults to the CropBox
    crop: tuple[float, float, float, float] | None
    trim: tuple[float, float, float, float] | None
    art: tuple[float, float, float, float] | None
    annotations: tuple[tuple[str, tuple[float, float, float, float] | None], ...]
    group_space: str  # the page's transparency group colour space ("" when none)


@dataclass(frozen=True)
class Facts:
    """What read_facts found about PDF/X-4's requirements in one file; the verdicts are
    functions of this (and of the preflight's own reading of fonts and colours) alone."""

    header: str
    catalog_version: str
    encrypted: bool
    intents: tuple[Intent, ...]
    xmp: dict | None  # (prefix, property) → text; None when there is no XMP stream
    xmp_problem: str  # why the XMP could not be read ("" when it could)
    xmp_filtered: bool
    info: dict  # /Title, /Trapped, /CreationDate, /ModDate as text ("" when missing)
    pages: tuple[PageFacts, ...]
    actions: tuple[str, ...]  # where an action or JavaScript was found
    unreadable: tuple[str, ...]  # parts that could not be read, with why


def read_facts(pdf, encrypted: bool = False) -> Facts:
    """encrypted: the file as opened was encrypted (pikepdf.Pdf.is_encrypted)."""
    import pikepdf

    unreadable: list[str] = []
    actions: list[str] = []

    def guarded(where: str, read, default):
        try:
            return read()
        except pdfin.MALFORMED as exc:
            unreadable.append(f"{where}: {pdfin.described(exc)}")
            return default

    def intents() -> tuple[Intent, ...]:
        found = []
        for intent in pdfin.array(pdf.Root.get("/OutputIntents"), "OutputIntents"):
            intent = pdfin.dictionary(intent, "output intent")
            found.append(Intent(str(intent.get("/S", "")), _string(intent, "/OutputConditionIdentifier"),
                                _string(intent, "/RegistryName"),
                                _profile_problem(intent.get("/DestOutputProfile"))))
        return tuple(found)

    def xmp() -> tuple[dict | None, str, bool]:
        metadata = pdf.Root.get("/Metadata")
        if metadata is None:
            return None, "", False
        if not isinstance(metadata, pikepdf.Stream):
            return None, "the catalog's /Metadata is not a stream", False
        filtered = metadata.get("/Filter") is not None
        try:
            return parse_xmp(pdfin.read_stream(metadata, Budget(stream_bytes=MAX_XMP_BYTES))), \
                "", filtered
        except pdfin.TooComplex:
            return {}, f"the XMP packet is larger than {MAX_XMP_BYTES // 1024 // 1024} MB", filtered
        except ValueError as exc:
            return {}, str(exc), filtered

    def info() -> dict:
        found = pdfin.dictionary(pdf.trailer.get("/Info"), "Info")
        out = {key: _string(found, key) for key in ("/Title", "/CreationDate", "/ModDate")}
        trapped = found.get("/Trapped")
        out["/Trapped"] = str(trapped)[1:] if isinstance(trapped, pikepdf.Name) else \
            str(trapped) if isinstance(trapped, (pikepdf.String, bool)) else ""
        return out

    def catalog_actions() -> None:
        root = pdf.Root
        opening = root.get("/OpenAction")
        if isinstance(opening, pikepdf.Dictionary):
            actions.append("the file runs an action when opened (/OpenAction)")
        if "/AA" in root:
            actions.append("the file has actions on its events (catalog /AA)")
        names = pdfin.dictionary(root.get("/Names"), "Names")
        if "/JavaScript" in names:
            actions.append("the file carries JavaScript (/Names /JavaScript)")
        if "/AcroForm" in root and pdfin.array(
                pdfin.dictionary(root.AcroForm, "AcroForm").get("/Fields"), "Fields"):
            actions.append("the file has form fields (/AcroForm)")
        outlines = pdfin.dictionary(root.get("/Outlines"), "Outlines")
        stack, seen = [outlines.get("/First")], 0
        while stack and seen < MAX_OUTLINE_ITEMS:  # a loop of bookmarks ends at the ceiling
            item = stack.pop()
            if not isinstance(item, pikepdf.Dictionary):
                continue
            seen += 1
            if "/A" in item:
                actions.append("a bookmark runs an action (/A in /Outlines)")
                break
            stack += [item.get("/Next"), item.get("/First")]

    def page(number: int, obj) -> PageFacts:
        boxes = {key: pdfin.rectangle(obj[key], key[1:]) if key in obj else None
                 for key in ("/MediaBox", "/BleedBox", "/CropBox", "/TrimBox", "/ArtBox")}
        if "/AA" in obj:
            actions.append(f"page {number} has actions on its events (/AA)")
        annotations = []
        for annot in pdfin.array(obj.get("/Annots"), "Annots"):
            annot = pdfin.dictionary(annot, "annotation")
            if "/A" in annot or "/AA" in annot:
                actions.append(f"page {number}: a {str(annot.get('/Subtype', '/?'))[1:]} "
                               f"annotation runs an action")
            rect = pdfin.rectangle(annot["/Rect"], "annotation Rect") if "/Rect" in annot \
                else None
            annotations.append((str(annot.get("/Subtype", "/?")), rect))
        group = pdfin.dictionary(obj.get("/Group"), "Group")
        space = group.get("/CS")
        return PageFacts(number, boxes["/MediaBox"], boxes["/BleedBox"], boxes["/CropBox"],
                         boxes["/TrimBox"], boxes["/ArtBox"], tuple(annotations),
                         str(space)[1:] if isinstance(space, pikepdf.Name) else
                         "ICCBased" if isinstance(space, pikepdf.Array) else "")

    found_intents = guarded("its output intents", intents, ())
    packet, problem, filtered = guarded("its XMP metadata", xmp, (None, "", False))
    found_info = guarded("its Info dictionary", info, {})
    catalog_version = guarded("its catalog", lambda: str(pdf.Root.get("/Version", ""))[1:], "")
    guarded("its catalog", catalog_actions, None)
    pages = []
    for number, obj in enumerate(pdf.pages, 1):
        facts = guarded(f"page {number}", lambda obj=obj.obj, number=number: page(number, obj),
                        None)
        if facts is not None:
            pages.append(facts)
    return Facts(str(pdf.pdf_version), catalog_version, encrypted, found_intents, packet,
                 problem, filtered, found_info, tuple(pages), tuple(actions), tuple(unreadable))


def _string(dictionary, key: str) -> str:
    import pikepdf

    value = dictionary.get(key)
    return str(value) if isinstance(value, pikepdf.String) else ""


def _profile_problem(profile) -> str:
    """'' for an embedded CMYK output profile with /N 4; otherwise what is wrong."""
    import pikepdf

    if profile is None:
        return "has no embedded output profile (/DestOutputProfile)"
    if not isinstance(profile, pikepdf.Stream):
        return "has a /DestOutputProfile that is not an ICC profile stream"
    if profile.get("/N") != 4:
        return "has an output profile that is not for four inks (/N is not 4)"
    try:
        header = pdfin.read_stream(profile, Budget())[:128]
    except (pdfin.Unexpected, pdfin.TooComplex):
        return "has an output profile that cannot be read"
    if len(header) < 128 or header[36:40] != b"acsp":
        return "has an output profile that is not an ICC profile"
    if header[12:16] != b"prtr" or header[16:20] != b"CMYK":
        return (f"has an ICC profile of class '{header[12:16].decode('latin-1').strip()}' for "
                f"'{header[16:20].decode('latin-1').strip()}', not a CMYK output profile")
    return ""


_FIX_INTENT = "build it with --profile print, which declares FOGRA39 (or the shop's condition)"
_FIX_XMP = "build it again with --profile print, which writes the XMP PDF/X-4 asks for"


def pdfx_problems(facts: Facts, fonts_unembedded: tuple[str, ...] = (),
                  device_rgb: tuple[str, ...] | None = ()) -> list[str]:
    """The six requirements of ISO 15930-7 this project checks: a line for each thing that
    fails one, naming what is missing and how to fix it; [] when all are met.
    fonts_unembedded and device_rgb come from the preflight's reading of the pages (device_rgb
    None: the drawing was not read, so requirement 6 is judged on the page groups only)."""
    lines = [f"{where} cannot be read: {why}" for where, _, why in
             (line.partition(": ") for line in facts.unreadable)]
    lines += _intent_problems(facts)
    lines += _xmp_problems(facts)
    lines += _info_problems(facts)
    lines += _box_problems(facts)
    lines += _file_problems(facts, fonts_unembedded)
    lines += _colour_problems(facts, device_rgb)
    return [f"{PDFX_VERSION}: {line}" for line in lines]


def summary(facts: Facts) -> str:
    """What a file that meets every requirement declares, in one line."""
    intent = next(intent for intent in facts.intents if intent.subtype == GTS_PDFX)
    return (f"{PDFX_VERSION}: output intent {intent.identifier}"
            f"{', registered' if intent.registry else ''}; XMP and Info agree; trapped: "
            f"{facts.info.get('/Trapped', '?')}; PDF {facts.header}")


def _intent_problems(facts: Facts) -> list[str]:
    from .images import REGISTERED_CONDITIONS

    ours = [intent for intent in facts.intents if intent.subtype == GTS_PDFX]
    if not ours:
        return [f"no /GTS_PDFX output intent in /OutputIntents, so nothing says which printing "
                f"condition the CMYK is for: {_FIX_INTENT}"]
    problems = []
    if len(ours) > 1:
        problems.append(f"{len(ours)} /GTS_PDFX output intents: a file is made for one printing "
                        f"condition; keep one")
    intent = ours[0]
    if intent.profile:
        problems.append(f"the output intent {intent.profile}: embed the CMYK output profile of "
                        f"the printing condition ({_FIX_INTENT})")
    if not intent.identifier:
        problems.append(f"the output intent has no /OutputConditionIdentifier (such as "
                        f"FOGRA39): {_FIX_INTENT}")
    elif intent.identifier in REGISTERED_CONDITIONS and not intent.registry:
        problems.append(f"the output intent names the registered condition {intent.identifier} "
                        f"without /RegistryName (http://www.color.org): {_FIX_INTENT}")
    return problems


def _xmp_problems(facts: Facts) -> list[str]:
    if facts.xmp is None:
        return [f"no XMP metadata stream in the catalog (/Metadata): {_FIX_XMP}"]
    if facts.xmp_problem:
        return [f"its XMP metadata cannot be read ({facts.xmp_problem}): {_FIX_XMP}"]
    problems = [f"the XMP metadata lacks {prefix}:{name} ({what}): {_FIX_XMP}"
                for prefix, name, what in XMP_REQUIRED if not facts.xmp.get((prefix, name))]
    version = facts.xmp.get(("pdfxid", "GTS_PDFXVersion"))
    if version and version != PDFX_VERSION:
        problems.append(f"the XMP metadata says pdfxid:GTS_PDFXVersion '{version[:40]}', not "
                        f"'{PDFX_VERSION}': {_FIX_XMP}")
    trapped = facts.xmp.get(("pdf", "Trapped"))
    if trapped and trapped not in ("True", "False"):
        problems.append(f"the XMP metadata says pdf:Trapped '{trapped[:40]}': it must be True "
                        f"or False (has the shop trapped it or not)")
    for name in ("CreateDate", "ModifyDate", "MetadataDate"):
        value = facts.xmp.get(("xmp", name))
        if value and xmp_date(value) is None:
            problems.append(f"the XMP metadata's xmp:{name} '{value[:40]}' is not a date: "
                            f"{_FIX_XMP}")
    return problems


def _info_problems(facts: Facts) -> list[str]:
    info, xmp = facts.info, facts.xmp or {}
    problems = []
    for key, what in (("/Title", "title"), ("/Trapped", "trapping (True or False)"),
                      ("/CreationDate", "creation date"), ("/ModDate", "modification date")):
        if not info.get(key):
            problems.append(f"the Info dictionary has no {key} ({what}): {_FIX_XMP}")
    if facts.xmp is None or facts.xmp_problem:
        return problems
    trapped = info.get("/Trapped")
    if trapped and trapped not in ("True", "False"):
        problems.append(f"Info /Trapped is /{trapped[:40]}: PDF/X-4 allows only /True or /False")
    pairs = ((info.get("/Title"), xmp.get(("dc", "title")), "/Title", "dc:title"),
             (trapped, xmp.get(("pdf", "Trapped")), "/Trapped", "pdf:Trapped"))
    for ours, theirs, key, prop in pairs:
        if ours and theirs and ours != theirs:
            problems.append(f"Info {key} '{ours[:40]}' and XMP {prop} '{theirs[:40]}' differ: "
                            f"they must say the same")
    for key, prop in (("/CreationDate", "CreateDate"), ("/ModDate", "ModifyDate")):
        ours, theirs = info.get(key), xmp.get(("xmp", prop))
        if not ours or not theirs:
            continue
        moment, other = pdf_date(ours), xmp_date(theirs)
        if moment is None:
            problems.append(f"Info {key} '{ours[:40]}' is not a PDF date (D:YYYYMMDDHHmmSS…)")
        elif other is not None and not _same_moment(moment, other):
            problems.append(f"Info {key} ({moment.isoformat()}) and XMP xmp:{prop} "
                            f"({theirs[:40]}) differ: they must be the same moment")
    return problems


def _inside(inner, outer, tolerance: float = 0.01) -> bool:
    return (inner[0] >= outer[0] - tolerance and inner[1] >= outer[1] - tolerance and
            inner[2] <= outer[2] + tolerance and inner[3] <= outer[3] + tolerance)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box_problems(facts: Facts) -> list[str]:
    no_trim, both, trim_out, bleed_out = [], [], [], []
    for page in facts.pages:
        media = page.media
        finished = page.trim or page.art
        if finished is None:
            no_trim.append(page.number)
            continue
        if page.trim and page.art:
            both.append(page.number)
        bleed = page.bleed or page.crop or media
        if media is None:
            continue  # the preflight reports a page without a MediaBox as damage
        if not _inside(finished, bleed):
            trim_out.append(page.number)
        if not _inside(bleed, media):
            bleed_out.append(page.number)
    problems = []
    if no_trim:
        problems.append(f"no TrimBox (or ArtBox) on pages {pdfin.page_runs(no_trim)}: the shop "
                        f"cannot tell where to cut; build it with --profile print")
    if both:
        problems.append(f"both a TrimBox and an ArtBox on pages {pdfin.page_runs(both)}: keep "
                        f"the TrimBox")
    if trim_out:
        problems.append(f"the TrimBox reaches outside the BleedBox on pages "
                        f"{pdfin.page_runs(trim_out)}: the bleed must surround the trim")
    if bleed_out:
        problems.append(f"the BleedBox reaches outside the MediaBox on pages "
                        f"{pdfin.page_runs(bleed_out)}: the page must hold its bleed")
    return problems


def _file_problems(facts: Facts, fonts_unembedded: tuple[str, ...]) -> list[str]:
    problems = [f"the font {font} is not embedded: a RIP would substitute it; use an "
                f"embedded font" for font in sorted(set(fonts_unembedded))]
    if facts.encrypted:
        problems.append("the file is encrypted: a print file must open without a password or "
                        "restrictions; save it unencrypted")
    problems += [f"{where}: a print file runs nothing; remove it" for where in facts.actions]
    annotated = {}
    for page in facts.pages:
        printed = page.bleed or page.crop or page.media
        for subtype, rect in page.annotations:
            if subtype in PRINT_ANNOTATIONS:
                continue
            if rect is None or printed is None or _overlaps(rect, printed):
                annotated.setdefault(subtype[1:], []).append(page.number)
    for subtype, pages in sorted(annotated.items()):
        problems.append(f"{subtype} annotations inside the BleedBox on pages "
                        f"{pdfin.page_runs(sorted(set(pages)))}: only TrapNet and PrinterMark "
                        f"may be there; remove them (a print build strips links)")
    if _version_above(facts.header, PDF_VERSION):
        problems.append(f"the header says PDF {facts.header}: PDF/X-4 is PDF {PDF_VERSION} at "
                        f"most; save it as PDF {PDF_VERSION}")
    if facts.catalog_version and _version_above(facts.catalog_version, PDF_VERSION):
        problems.append(f"the catalog says PDF {facts.catalog_version[:10]} (/Version): PDF/X-4 "
                        f"is PDF {PDF_VERSION} at most; remove /Version")
    return problems


def _version_above(version: str, limit: str) -> bool:
    try:
        return tuple(int(part) for part in version.split(".")[:2]) > \
            tuple(int(part) for part in limit.split("."))
    except ValueError:
        return True


def _colour_problems(facts: Facts, device_rgb: tuple[str, ...] | None) -> list[str]:
    groups = [page.number for page in facts.pages if page.group_space == "DeviceRGB"]
    problems = []
    if groups:
        problems.append(f"the transparency group of pages {pdfin.page_runs(groups)} blends in "
                        f"DeviceRGB: blend in DeviceCMYK (the output intent's colour)")
    uses = device_rgb or ()
    problems += [f"{use} in DeviceRGB: device colour must be DeviceCMYK or DeviceGray (or "
                 f"ICC-based); convert it to CMYK" for use in uses[:10]]
    if len(uses) > 10:
        problems.append(f"… and {len(uses) - 10} more uses of DeviceRGB")
    return problems
