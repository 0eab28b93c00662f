"""Rendered screen-style PDF → PDF/A-3b that carries its published source, validated.

ReportLab writes no PDF/A: no XMP packet, no output intent, and an empty /Trans on every
page. pikepdf adds what is missing (`pikepdf.pdfa.prepare`) and, more important, judges the
bytes it wrote with an allowlist validator built from veraPDF's rules: a file it does not
approve is never handed back, so an archive copy that is not PDF/A cannot be written.

The output is reproducible: every date in it is the build date, the document ID is derived
from the content, so the same source gives the same bytes (and the same checksum) again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO

from .errors import PreflightFailed
from .published import YAML_MIME, Published, safe_relative

FLAVOUR = "3b"  # PDF/A-3: the only part that allows embedding the (non-PDF) source files
MIME_TYPES = {".yaml": YAML_MIME, ".yml": YAML_MIME, ".png": "image/png",
              ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


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
    """PDF/A-3b bytes, approved by the validator; PreflightFailed names the broken clauses."""
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
                mime_type=_mime(file_name), mod_date=stamp, creation_date=stamp,
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
        problems = violations(report)
        raise PreflightFailed(name, [f"{name}: archive profile",
                                     *(f"  pdf/a    FAIL {line}" for line in problems),
                                     f"  FAIL ({len(problems)} PDF/A problems)"])
    return data


def validate(data: bytes) -> list[str]:
    """The validator's findings for a finished file, one line each; [] when approved."""
    import pikepdf.pdfa as pdfa

    return violations(pdfa.validate_written(BytesIO(data), FLAVOUR))


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
    metadata = document.Root.get("/Metadata")
    return metadata is not None and b"pdfaid:part" in metadata.read_bytes()


def embedded_source(data: bytes) -> Published:
    """The published source an archive file carries (ValueError when it carries none)."""
    import pikepdf

    with pikepdf.open(BytesIO(data)) as document:
        files: dict[str, bytes] = {}
        for key, spec in document.attachments.items():
            file_name = spec.filename or key
            safe_relative(file_name)  # an edited archive may name ../../.bashrc
            files[file_name] = spec.get_file().read_bytes()
    events = [n for n in files if _mime(n) == YAML_MIME and "/" not in n]
    if len(events) != 1:
        raise ValueError("it carries no event file" if not events else
                         f"it carries {len(events)} event files")
    event = events[0]
    return Published(event, files.pop(event), dict(sorted(files.items())))


def _mime(file_name: str) -> str:
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return MIME_TYPES.get(suffix, "application/octet-stream")


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
    import pikepdf

    from .theme import PAGE_SIZES

    with pikepdf.open(BytesIO(data)) as document:
        meta = document.open_metadata()
        created = meta.get("xmp:CreateDate")
        tool = meta.get("xmp:CreatorTool") or ""
        identifier = meta.get("dc:identifier") or ""
        box = [float(v) for v in document.pages[0].obj.MediaBox]
    if not created:
        raise ValueError("it has no creation date")
    try:
        built = dt.datetime.fromisoformat(created)
    except ValueError:
        raise ValueError(f"its creation date '{created}' is not a date") from None
    width = box[2] - box[0]
    size = min(PAGE_SIZES, key=lambda name: abs(PAGE_SIZES[name][0].width - width))
    return ArchiveFacts(built, tool, size, str(identifier))
