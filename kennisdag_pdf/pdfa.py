"""Rendered screen-style PDF → PDF/A-3a and PDF/UA-1 that carries its published source,
validated twice.

ReportLab writes no PDF/A: no output intent, and an empty /Trans on every page. pikepdf adds
what is missing (`pikepdf.pdfa.prepare`) and judges the bytes it wrote as PDF/A-3b with an
allowlist validator built from veraPDF's rules. That validator knows no PDF/UA identifier
(and its preparation drops it), so the claims of the tagged file, conformance level A and
`pdfuaid:part 1` with the extension schema PDF/A asks for, are written into the approved
file's XMP afterwards, and the final bytes are judged again by page-validation as PDF/A-3a
and PDF/UA-1. A file either validator does not approve is never handed back.

Archives filed before the brochure was tagged claim PDF/A-3b; `validate` judges each file by
what it claims.

The output is reproducible: every date in it is the build date, the document ID is derived
from the content, so the same source gives the same bytes (and the same checksum) again.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from .errors import PreflightFailed
from .published import YAML_MIME, Published, safe_relative
from .reading import MAX_YAML_BYTES, inflate
from .units import MB

FLAVOUR = "3b"  # PDF/A-3: the only part that allows embedding the (non-PDF) source files
ACCESSIBLE = ("3a", "ua1")  # what the final file claims and page-validation judges
# Archives written before the embedded files were typed by their bytes typed them by the
# name's suffix; a file without a /Subtype is still read that way.
MIME_TYPES = {".yaml": YAML_MIME, ".yml": YAML_MIME, ".png": "image/png",
              ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8", "image/jpeg"))

# What an archive copy can carry: the event file and the images it names (20 logos, a cover,
# 500 photos at most), each image at most 30 MB as loaded (a few times that when an unusual
# structure was rewritten as PNG). An edited archive that claims more is refused while it is
# being read: a Flate stream is inflated only up to what is left of these.
MAX_ATTACHMENTS = 1_000
MAX_EVENT_FILE_BYTES = MAX_YAML_BYTES
MAX_ATTACHMENT_BYTES = 128 * MB
MAX_SOURCE_BYTES = 256 * MB


@dataclass(frozen=True)
class ArchiveMetadata:
    """What the XMP packet says about the publication (Dublin Core where it can)."""

    title: str
    description: str
    creators: list[str]
    event_date: dt.date
    language: str  # BCP 47, such as nl-NL
    keywords: list[str]
    tool: str  # kennisdag-pdf and its version
    built: dt.datetime  # aware; the creation, modification and metadata date


def identifier(published: Published) -> str:
    """The XMP dc:identifier: a standard property, so no extension schema is needed."""
    return f"urn:sha256:{published.sha256}"


def make_archive(pdf: bytes, published: Published, meta: ArchiveMetadata, *, name: str) -> bytes:
    """PDF/A-3a and PDF/UA-1 bytes, approved by both validators; PreflightFailed names the
    broken clauses."""
    import pikepdf
    import pikepdf.pdfa as pdfa

    with pikepdf.open(BytesIO(pdf)) as document:
        for page in document.pages:
            # ReportLab's empty transition dictionary is not a PDF/A construct.
            if "/Trans" in page.obj and len(page.obj.Trans) == 0:
                del page.obj.Trans
        stamp = _pdf_date(meta.built)
        for file_name, data in published.files():
            document.attachments[file_name] = pikepdf.AttachedFileSpec(
                document, data, filename=file_name, description=_describe(file_name, published),
                mime_type=_mime_written(file_name, data, published), mod_date=stamp,
                creation_date=stamp,
                relationship=pikepdf.Name.Source)
        _write_xmp(document, meta, identifier(published))
        pdfa.prepare(document, FLAVOUR, output_intent="sRGB")
        _pin_metadata_date(document, meta.built)
        settings = pdfa.resolve_save_kwargs(FLAVOUR, deterministic_id=True)
        out = BytesIO()
        document.save(out, **settings)
    data = out.getvalue()
    report = pdfa.validate_written(BytesIO(data), FLAVOUR, settings)
    if not report.passed:
        _refuse(name, violations(report))
    with pikepdf.open(BytesIO(data)) as document:
        document.Root.Metadata.write(claim_accessible(document.Root.Metadata.read_bytes()))
        _no_stream_ends_in_cr(document)
        out = BytesIO()
        # The streams as approved, not decoded and compressed again by qpdf.
        document.save(out, **{**settings, "stream_decode_level": pikepdf.StreamDecodeLevel.none,
                              "compress_streams": False})
    data = out.getvalue()
    problems = accessible_violations(data)
    if problems:
        _refuse(name, problems)
    return data


def _refuse(name: str, problems: list[str]) -> None:
    raise PreflightFailed(name, [f"{name}: archive profile",
                                 *(f"  pdf/a    FAIL {line}" for line in problems),
                                 f"  FAIL ({len(problems)} PDF/A problems)"])


def accessible_violations(data: bytes, profiles: tuple[str, ...] = ACCESSIBLE) -> list[str]:
    """page-validation's findings on the bytes (as PDF/A-3a and PDF/UA-1 unless profiles say
    otherwise), a line per rule (the first place it failed)."""
    from .accessibility import validate_ua

    return [f"{finding.rule}: {finding.message}" for finding in validate_ua(data, profiles)]


_UA_NAMESPACES = (' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"'
                  ' xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
                  ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
                  ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"')
# PDF/A allows only the XMP schemas it lists, or those the file describes itself: pdfuaid is
# not one of the list.
_UA_CLAIM = """      <pdfuaid:part>1</pdfuaid:part>
      <pdfaExtension:schemas>
        <rdf:Bag>
          <rdf:li rdf:parseType="Resource">
            <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
            <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
            <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
            <pdfaSchema:property>
              <rdf:Seq>
                <rdf:li rdf:parseType="Resource">
                  <pdfaProperty:name>part</pdfaProperty:name>
                  <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
                  <pdfaProperty:category>internal</pdfaProperty:category>
                  <pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>
                </rdf:li>
              </rdf:Seq>
            </pdfaSchema:property>
          </rdf:li>
        </rdf:Bag>
      </pdfaExtension:schemas>
"""


def claim_accessible(packet: bytes) -> bytes:
    """The XMP packet pikepdf approved as PDF/A-3b, claiming level A and PDF/UA-1."""
    text = packet.decode("utf-8")
    replaced = (
        ("<pdfaid:conformance>B</pdfaid:conformance>", "<pdfaid:conformance>A</pdfaid:conformance>"),
        ('xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"',
         'xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"' + _UA_NAMESPACES),
        ("    </rdf:Description>", _UA_CLAIM + "    </rdf:Description>"),
    )
    for old, new in replaced:
        if text.count(old) != 1:  # pikepdf changed how it writes the packet
            raise RuntimeError(f"cannot claim PDF/A-3a and PDF/UA-1: '{old}' is not once in "
                               f"the XMP packet")
        text = text.replace(old, new)
    return text.encode("utf-8")


def _no_stream_ends_in_cr(document) -> None:
    """A stream whose data ends in a carriage return is read one byte short by validators
    that take that CR and the LF before `endstream` as one end of line (page-validation
    does). Compressed data ends in its checksum, so one stream in 256 does: such a stream
    is wrapped in ASCII85 (a quarter larger, ends in '~>'), which PDF/A allows."""
    from base64 import a85encode

    import pikepdf

    for obj in document.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        raw = obj.read_raw_bytes()
        if not raw.endswith(b"\r"):
            continue
        filters = obj.get("/Filter")
        filters = [] if filters is None else \
            list(filters) if isinstance(filters, pikepdf.Array) else [filters]
        parms = obj.get("/DecodeParms")
        obj.write(a85encode(raw) + b"~>", filter=[pikepdf.Name.ASCII85Decode, *filters],
                  decode_parms=None if parms is None else
                  [None, *(parms if isinstance(parms, pikepdf.Array) else [parms])])


def validate(data: bytes) -> list[str]:
    """The validators' findings for a finished file, one line each; [] when approved: an
    archive claiming level A (tagged, PDF/UA-1 too) by page-validation, one filed before as
    PDF/A-3b by pikepdf's validator as then."""
    if claims_level_a(data):
        return accessible_violations(data)
    return _pikepdf_violations(data)


def claimed(data: bytes) -> str:
    """What an archive file claims to be, in words."""
    return "PDF/A-3a and PDF/UA-1" if claims_level_a(data) else f"PDF/A-{FLAVOUR}"


def pdfa_violations(data: bytes) -> tuple[str, list[str]]:
    """The PDF/A verdict alone (the part it claims, by the validator that judges it) and
    its findings: level A by page-validation, an archive filed as 3b by pikepdf's."""
    if claims_level_a(data):
        return "PDF/A-3a approved by page-validation", accessible_violations(data, ("3a",))
    return f"PDF/A-{FLAVOUR} approved by the validator", _pikepdf_violations(data)


def _pikepdf_violations(data: bytes) -> list[str]:
    import pikepdf.pdfa as pdfa

    return violations(pdfa.validate_written(BytesIO(data), FLAVOUR))


def claims_level_a(data: bytes) -> bool:
    """Does the file's XMP claim PDF/A conformance level A (this tool's tagged archives)?"""
    import pikepdf

    with pikepdf.open(BytesIO(data)) as document:
        return b"<pdfaid:conformance>A</pdfaid:conformance>" in _packet(document)


def violations(report) -> list[str]:
    """'clause 6.3.2-1: annotation dictionaries shall contain /F (obj 4 0 and 30 more)':
    one line per clause and message, the clause of ISO 19005 first."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for finding in report.findings:
        grouped.setdefault((finding.rule, finding.message, finding.kind), []).append(
            finding.where)
    lines = []
    for (rule, message, kind), places in grouped.items():
        clause = f"clause {rule.split(':', 1)[1]}" if rule.startswith("ISO") else rule
        note = "" if kind == "violation" else " (a construct the validator cannot approve)"
        more = f" and {len(places) - 1} more" if len(places) > 1 else ""
        lines.append(f"{clause}{note}: {message} ({places[0]}{more})")
    return lines


def claims_pdfa(document) -> bool:
    """Does an open pikepdf document claim PDF/A conformance in its XMP packet?"""
    return b"pdfaid:part" in _packet(document)


def _packet(document) -> bytes:
    """The document's XMP packet, or nothing."""
    metadata = document.Root.get("/Metadata")
    return metadata.read_bytes() if metadata is not None else b""


def embedded_source(data: bytes) -> Published:
    """The published source an archive file carries (ValueError when it carries none)."""
    return read_archive(data)[0]


def read_archive(data: bytes) -> tuple[Published, ArchiveFacts]:
    """The published source an archive file carries and what a rebuild needs to know, read
    within the ceilings above. ValueError says why it is not an archive copy; pikepdf's
    errors mean it is not a readable PDF."""
    import pikepdf

    with _quiet_pikepdf(), pikepdf.open(BytesIO(data)) as document:
        files, kinds = _attachments(document)
        if not any(kinds[name] == YAML_MIME and "/" not in name for name in files):
            raise ValueError("it carries no event file")
        facts = _facts(document)
    return Published(*_split_source(files, kinds, facts.identifier)), facts


@contextmanager
def _quiet_pikepdf():
    """pikepdf logs what it repairs in a damaged file (an XMP packet it replaces with an empty
    one, with a traceback): the checks that follow decide, and say it in one line."""
    import logging

    logger = logging.getLogger("pikepdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _attachments(document) -> tuple[dict[str, bytes], dict[str, str]]:
    """name → bytes and name → the type the archive gives it (its /Subtype)."""
    import pikepdf

    files: dict[str, bytes] = {}
    kinds: dict[str, str] = {}
    total = 0
    for count, (key, spec) in enumerate(document.attachments.items(), 1):
        if count > MAX_ATTACHMENTS:
            raise ValueError(f"it carries more than {MAX_ATTACHMENTS:,} files")
        file_name = _text(spec.obj.get("/UF")) or _text(spec.obj.get("/F")) or key
        safe_relative(file_name)  # an edited archive may name ../../.bashrc
        _check_name_length(file_name)
        if file_name in files:
            raise ValueError(f"it carries two files named '{file_name}'")
        embedded = spec.obj.get("/EF")
        stream = embedded.get("/F") if isinstance(embedded, pikepdf.Dictionary) else None
        if not isinstance(stream, pikepdf.Stream):
            raise ValueError(f"its file '{file_name}' has no content")
        is_yaml = _kind(stream, file_name) == YAML_MIME
        limit = min(MAX_EVENT_FILE_BYTES if is_yaml else MAX_ATTACHMENT_BYTES,
                    MAX_SOURCE_BYTES - total)
        files[file_name] = _content(stream, file_name, limit)
        kinds[file_name] = _kind(stream, file_name)
        total += len(files[file_name])
    return files, kinds


# A name the file systems can hold: no part over NAME_MAX bytes; the whole well inside
# PATH_MAX with room for the folder it is extracted into, and shallow enough to create.
MAX_NAME_BYTES = 1024
NAME_MAX = 255


def _check_name_length(file_name: str) -> None:
    try:
        encoded = file_name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no file system can store it
        raise ValueError(f"it carries a file name no file system can hold "
                         f"({ascii(file_name[:40])})") from None
    if len(encoded) > MAX_NAME_BYTES or any(len(part) > NAME_MAX
                                           for part in encoded.split(b"/")):
        raise ValueError(f"it carries a file name too long for any file system "
                         f"('{file_name[:40]}…')")


def _text(value) -> str:
    import pikepdf

    return str(value) if isinstance(value, pikepdf.String) else ""


def _kind(stream, file_name: str) -> str:
    import pikepdf

    subtype = stream.get("/Subtype")
    if isinstance(subtype, pikepdf.Name):
        return str(subtype)[1:]
    return _mime(file_name)


def _content(stream, file_name: str, limit: int) -> bytes:
    """The file's bytes, inflated no further than limit: a few kilobytes of Flate data can
    claim gigabytes. Only the encodings kennisdag-pdf writes are read."""
    import zlib

    import pikepdf

    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = filters[0] if len(filters) == 1 else filters
    raw = stream.read_raw_bytes()
    too_big = ValueError(f"its file '{file_name}' is larger than an archive copy can carry "
                         f"(over {limit // MB} MB)")
    if filters is None:
        if len(raw) > limit:
            raise too_big
        return raw
    if filters != pikepdf.Name.FlateDecode or stream.get("/DecodeParms") is not None:
        raise ValueError(f"its file '{file_name}' is stored in a form kennisdag-pdf does not "
                         f"write")
    try:
        out, size, _ = inflate(raw, limit)
    except zlib.error:
        raise ValueError(f"its file '{file_name}' is damaged") from None
    if size > limit:
        raise too_big
    return out


def _split_source(files: dict[str, bytes], kinds: dict[str, str],
                  dc_identifier: str) -> tuple[str, bytes, dict[str, bytes]]:
    """(event file name, its bytes, the images): the event file is the one the archive types
    as YAML. Archives written before images were typed by their bytes typed an image named
    logo.yml as YAML too; of several candidates, the one that reproduces dc:identifier (the
    checksum of the source, event file first) is the event file."""
    events = [name for name in files if kinds[name] == YAML_MIME and "/" not in name]
    if len(events) > 1:
        events = [name for name in events
                  if identifier(_published(files, name)) == dc_identifier] or events
    if len(events) != 1:
        raise ValueError("it carries no event file" if not events else
                         f"it carries {len(events)} event files")
    published = _published(files, events[0])
    return published.name, published.yaml, published.assets


def _published(files: dict[str, bytes], event: str) -> Published:
    return Published(event, files[event],
                     dict(sorted((name, data) for name, data in files.items() if name != event)))


def _mime(file_name: str) -> str:
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return MIME_TYPES.get(suffix, "application/octet-stream")


def _mime_written(file_name: str, data: bytes, published: Published) -> str:
    """The type an archive gives a file: the event file is YAML by what it is, an image by
    its bytes, never by a name's suffix (a PNG may well be called logo.yml)."""
    if file_name == published.name:
        return YAML_MIME
    return next((mime for signature, mime in _IMAGE_SIGNATURES if data.startswith(signature)),
                "application/octet-stream")


def _describe(file_name: str, published: Published) -> str:
    return "event data (kennisdag-pdf YAML)" if file_name == published.name else "image"


def _write_xmp(document, meta: ArchiveMetadata, dc_identifier: str) -> None:
    with document.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = meta.title
        xmp["dc:description"] = meta.description
        xmp["dc:creator"] = list(meta.creators)
        xmp["dc:date"] = [meta.event_date.isoformat()]
        xmp["dc:language"] = [meta.language]
        xmp["dc:subject"] = list(meta.keywords)
        xmp["dc:identifier"] = dc_identifier
        xmp["pdf:Keywords"] = ", ".join(meta.keywords)
        xmp["xmp:CreatorTool"] = meta.tool
        xmp["xmp:CreateDate"] = meta.built.isoformat()
        xmp["xmp:ModifyDate"] = meta.built.isoformat()


def _pin_metadata_date(document, built: dt.datetime) -> None:
    """prepare() stamps the clock time into xmp:MetadataDate; the build date keeps the
    file reproducible."""
    import re

    packet = document.Root.Metadata.read_bytes()
    pinned = re.sub(rb"<xmp:MetadataDate>[^<]*</xmp:MetadataDate>",
                    b"<xmp:MetadataDate>" + built.isoformat().encode() + b"</xmp:MetadataDate>",
                    packet)
    document.Root.Metadata.write(pinned)


def _pdf_date(moment: dt.datetime) -> str:
    offset = moment.strftime("%z") or "+0000"
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'"


@dataclass(frozen=True)
class ArchiveFacts:
    """What a rebuild needs to know about an archive file besides its source."""

    built: dt.datetime
    tool: str
    page_size: str  # "a5" or "a4"
    identifier: str  # dc:identifier: urn:sha256 of the source as it was archived


def archive_facts(data: bytes) -> ArchiveFacts:
    return read_archive(data)[1]


# xmp:CreateDate becomes SOURCE_DATE_EPOCH in the rebuild command: whole seconds since 1970.
_EARLIEST_BUILD = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_LATEST_BUILD = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)


def _facts(document) -> ArchiveFacts:
    import pikepdf

    from .paper import TRIM_SIZES

    meta = document.open_metadata()
    created = _xmp_text(meta, "xmp:CreateDate")
    tool = _xmp_text(meta, "xmp:CreatorTool")
    dc_identifier = _xmp_text(meta, "dc:identifier")
    if not created:
        raise ValueError("it has no creation date")
    try:
        built = dt.datetime.fromisoformat(created)
    except ValueError:
        raise ValueError(f"its creation date '{created[:40]}' is not a date") from None
    if built.tzinfo is None or not _EARLIEST_BUILD <= built < _LATEST_BUILD:
        raise ValueError(f"its creation date '{created[:40]}' is not one a build gives "
                         f"(1970 or later, with its UTC offset)")
    if len(document.pages) == 0:
        raise ValueError("it has no pages")
    box = document.pages[0].obj.get("/MediaBox")
    try:
        corners = [float(value) for value in box] if isinstance(box, pikepdf.Array) else []
    except (TypeError, ValueError):
        corners = []
    if len(corners) != 4:
        raise ValueError("its first page has no readable page size")
    width = abs(corners[2] - corners[0])
    size = min(TRIM_SIZES, key=lambda name: abs(TRIM_SIZES[name][0] - width))
    return ArchiveFacts(built, tool, size, dc_identifier)


def _xmp_text(meta, key: str) -> str:
    """A property as text; '' when missing or not a single value (an edited packet may hold
    a list or a structure where the tool writes text)."""
    value = meta.get(key)
    return value if isinstance(value, str) else ""
