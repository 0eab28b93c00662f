"""The archive profile: PDF/A-3a and PDF/UA-1, approved by pikepdf's validator (as 3b) and
page-validation (3a, ua1), carrying its source."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pikepdf
import pytest

from kennisdag_pdf.errors import PreflightFailed
from kennisdag_pdf.pdfa import (ArchiveMetadata, archive_facts, embedded_source, identifier,
                                make_archive, validate)
from kennisdag_pdf.preflight import detect_profile, preflight
from kennisdag_pdf.published import Published

from conftest import DATA, finish_to, page_texts


@pytest.fixture(params=["archive_2011", "archive_en"])
def archived(request):
    return request.getfixturevalue(request.param)


def test_the_validator_approves_both_archive_builds(archived):
    assert validate(archived.pdf) == []
    report = preflight(archived.pdf, profile="archive", name="x.pdf")
    assert report.passed, report.lines()
    assert "PDF/A-3a approved by page-validation" in "\n".join(report.lines())
    assert "PDF/UA-1 approved by page-validation" in "\n".join(report.lines())


def test_check_recognises_an_archive_file(archive_2011, print_2011):
    assert detect_profile(archive_2011.pdf) == "archive"
    assert detect_profile(print_2011.pdf) == "print"


def _metadata(pdf: bytes) -> dict:
    with pikepdf.open(BytesIO(pdf)) as document:
        meta = document.open_metadata()
        keys = ("dc:title", "dc:description", "dc:creator", "dc:date", "dc:language",
                "dc:subject", "dc:identifier", "xmp:CreatorTool", "pdfaid:part",
                "pdfaid:conformance", "xmp:CreateDate", "xmp:MetadataDate")
        return {key: meta.get(key) for key in keys}


def test_xmp_describes_the_publication(archive_2011):
    from kennisdag_pdf import __version__

    meta = _metadata(archive_2011.pdf)
    event = archive_2011.loaded.day.event
    assert meta["dc:title"] == event.title
    assert meta["dc:description"] == event.subtitle
    assert meta["dc:creator"] == [org.name for org in event.organisers]
    assert meta["dc:date"] == ["2011-04-07"]
    assert meta["dc:language"] == {"nl-NL"}
    assert {"kennisdag", "kennisdag-2011"} <= set(meta["dc:subject"])
    assert meta["xmp:CreatorTool"] == f"kennisdag-pdf {__version__}"
    # Level A (tagged) and PDF/UA-1, its schema described as PDF/A asks
    assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "A")
    with pikepdf.open(BytesIO(archive_2011.pdf)) as document:
        packet = document.Root.Metadata.read_bytes()
    assert b"<pdfuaid:part>1</pdfuaid:part>" in packet
    assert b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in packet
    # Reproducible: every date is the build date, not the clock.
    assert meta["xmp:CreateDate"] == meta["xmp:MetadataDate"] == "2011-04-07T00:00:00+00:00"


def test_the_identifier_is_the_checksum_of_the_embedded_source(archive_en):
    carried = embedded_source(archive_en.pdf)
    assert carried == archive_en.source
    assert _metadata(archive_en.pdf)["dc:identifier"] == identifier(carried)
    assert identifier(carried).startswith("urn:sha256:") and len(identifier(carried)) == 75


def test_every_source_file_is_an_associated_file_with_relationship_source(archive_en):
    with pikepdf.open(BytesIO(archive_en.pdf)) as document:
        specs = list(document.Root.AF)
        names = sorted(str(spec.UF) for spec in specs)
        assert all(spec.AFRelationship == pikepdf.Name.Source for spec in specs)
        assert set(names) == {name for name, _ in archive_en.source.files()}
        subtypes = {str(spec.UF): str(spec.EF.F.Subtype) for spec in specs}
    assert subtypes["example-en.yaml"] == "/application/yaml"
    assert subtypes["assets/havenburg-logo.png"] == "/image/png"


def test_no_encryption_no_javascript_and_links_only_to_the_data(archive_en):
    source = archive_en.source.yaml.decode()
    with pikepdf.open(BytesIO(archive_en.pdf)) as document:
        assert not document.is_encrypted
        assert "/JavaScript" not in document.Root.get("/Names", {})
        assert "/OpenAction" not in document.Root
        uris = set()
        for page in document.pages:
            for annot in page.obj.get("/Annots", []):
                assert annot.F & 4  # printable, as PDF/A requires
                action = annot.get("/A")
                if action is not None and action.S == pikepdf.Name.URI:
                    uris.add(str(action.URI))
        intents = document.Root.OutputIntents
        assert len(intents) == 1 and "sRGB" in str(intents[0].OutputConditionIdentifier)
    assert uris, "the English example links to its photos"
    assert all(uri in source for uri in uris)


def test_the_archive_build_is_reproducible(tmp_path, archive_en):
    again = finish_to(tmp_path, "example-en.yaml", "archive")
    assert again.pdf == archive_en.pdf


def test_archive_facts_give_what_a_rebuild_needs(archive_2011):
    facts = archive_facts(archive_2011.pdf)
    assert facts.built == dt.datetime(2011, 4, 7, tzinfo=dt.timezone.utc)
    assert facts.page_size == "a5"


# --- the validator can say no ------------------------------------------------------------------

def _meta() -> ArchiveMetadata:
    return ArchiveMetadata(title="t", description="d", creators=["c"],
                           event_date=dt.date(2020, 1, 2), language="en-GB", keywords=["k"],
                           tool="kennisdag-pdf test",
                           built=dt.datetime(2020, 1, 2, tzinfo=dt.timezone.utc))


def _source() -> Published:
    return Published("event.yaml", b"event:\n  id: x\n", {})


def test_a_pdf_with_an_unembedded_font_is_refused_naming_the_clause():
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out, invariant=1)
    canvas.setFont("Helvetica", 12)  # one of the 14 standard fonts: never embedded
    canvas.drawString(72, 720, "not embedded")
    canvas.save()
    with pytest.raises(PreflightFailed) as caught:
        make_archive(out.getvalue(), _source(), _meta(), name="broken.pdf")
    report = "\n".join(caught.value.lines())
    assert "clause 6.2.11.4.1" in report, report
    assert "nothing was written" in report


def test_a_pdf_without_an_output_intent_is_rejected(archive_2011):
    with pikepdf.open(BytesIO(archive_2011.pdf)) as document:
        del document.Root.OutputIntents
        out = BytesIO()
        document.save(out)
    problems = validate(out.getvalue())
    assert problems and any("OutputIntent" in line or "output intent" in line.lower()
                            or "output colour space is None" in line
                            for line in problems), problems
    assert not preflight(out.getvalue(), profile="archive", name="x.pdf").passed


from kennisdag_pdf.pdfa import _UA_NAMESPACES  # noqa: E402


def _filed_as_3b(data: bytes) -> bytes:
    """An archive as this tool filed them before the brochure was tagged: claiming 3b."""
    with pikepdf.open(BytesIO(data)) as document:
        packet = document.Root.Metadata.read_bytes().decode()
        packet = packet.replace("<pdfaid:conformance>A<", "<pdfaid:conformance>B<")
        start = packet.index("      <pdfuaid:part>")
        packet = packet[:start] + packet[packet.index("    </rdf:Description>"):]
        packet = packet.replace(_UA_NAMESPACES, "")
        document.Root.Metadata.write(packet.encode())
        out = BytesIO()
        document.save(out)
    return out.getvalue()


def test_an_archive_filed_as_3b_is_still_judged_as_3b(archive_2011):
    from kennisdag_pdf.pdfa import claims_level_a

    old = _filed_as_3b(archive_2011.pdf)
    assert claims_level_a(archive_2011.pdf) and not claims_level_a(old)
    assert validate(old) == []  # by pikepdf's validator, as when it was filed
    with pikepdf.open(BytesIO(old)) as document:
        del document.Root.OutputIntents
        out = BytesIO()
        document.save(out)
    assert any("clause" in line for line in validate(out.getvalue()))  # pikepdf's words


def test_the_final_archive_passes_page_validation_as_3a_and_ua1(archive_2011, archive_en):
    import page

    for built in (archive_2011, archive_en):
        for profile in ("3a", "ua1"):
            report = page.validate_pdf_bytes(built.pdf, profile=profile)
            assert report.is_compliant, [f.rule_id for f in report.failures]


def test_a_cmyk_colour_under_the_srgb_intent_is_rejected():
    from reportlab.lib.colors import CMYKColor
    from reportlab.pdfgen.canvas import Canvas

    from kennisdag_pdf.fonts import register

    out = BytesIO()
    font = next(iter(register()))  # embedded: only the colour is wrong
    canvas = Canvas(out, invariant=1, initialFontName=font)
    canvas.setFillColor(CMYKColor(0, 0, 0, 1))
    canvas.rect(10, 10, 50, 50, fill=1)
    canvas.save()
    with pytest.raises(PreflightFailed) as caught:
        make_archive(out.getvalue(), _source(), _meta(), name="cmyk.pdf")
    assert "DeviceCMYK" in "\n".join(caught.value.lines())


def test_the_archive_prints_what_the_screen_brochure_prints(archive_en, screen_en):
    assert page_texts(archive_en.pdf) == page_texts(screen_en.pdf)


def test_embedded_source_refuses_a_pdf_without_one(screen_en):
    with pytest.raises(ValueError, match="no event file"):
        embedded_source(screen_en.pdf)


def test_data_folder_is_untouched_by_the_fixtures():
    assert not list(DATA.glob("*.pdf"))


@pytest.mark.parametrize("command", ["build", "archive"])
def test_a_file_the_validator_refuses_is_never_written(monkeypatch, tmp_path, command):
    """Sabotage the repair step: the build must fail naming clauses and leave nothing."""
    from typer.testing import CliRunner

    import pikepdf.pdfa

    from kennisdag_pdf import cli

    monkeypatch.setattr(pikepdf.pdfa, "prepare", lambda *args, **kwargs: None)
    target = ["-o", str(tmp_path / "a.pdf"), "-p", "archive"] if command == "build" else \
        ["--into", str(tmp_path / "archive")]
    result = CliRunner().invoke(cli.app, [command, str(DATA / "example-en.yaml"), *target])
    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("  pdf/a    FAIL clause 6.") for line in lines), lines
    assert lines[-1].endswith("failed its preflight checks; nothing was written")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == []
