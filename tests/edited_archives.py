"""Small archive PDFs as an editor (or an attacker) leaves them: one blank page, an XMP packet
and embedded files, each part replaceable. Used by tests/test_extract.py, and run as a script
it writes the T14-12 corpus fixtures (`python tests/edited_archives.py`)."""

from __future__ import annotations

import warnings
import zlib
from io import BytesIO
from pathlib import Path

import pikepdf

from kennisdag_pdf.pdfa import identifier
from kennisdag_pdf.published import YAML_MIME, Published

A5 = (419.53, 595.28)
EVENT = b"""\
event:
  id: kennisdag-2011
  title: Social media
  date: 2011-04-07
  venue: Het Pand
  city: Utrecht
  language: nl
  organisers:
    - name: Gemeente Utrecht
"""
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00"
       b"\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")


def edited_archive(files: list[tuple[str, bytes]] | None = None, *,
                   types: dict[str, str] | None = None,
                   inflated: dict[str, tuple[bytes, int]] | None = None,
                   created: str | None = "2011-04-07T00:00:00+00:00",
                   aliases: dict[str, tuple[str, bytes]] | None = None,
                   dc_identifier: str | None = None, pages: int = 1) -> bytes:
    """An archive PDF carrying files (the event file first), each typed as types says (by
    default YAML for the first, image/png for the others). inflated: name → (a run of bytes,
    how many times): that file's stream is written as Flate data of the run repeated, without
    ever holding the whole in memory. aliases: key → (file name, bytes), a second entry of
    the name tree that gives a file name of its own. dc_identifier defaults to the files' own
    checksum."""
    files = files if files is not None else [("kennisdag-2011.yaml", EVENT)]
    types = types or {}
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=A5)
    for n, (name, data) in enumerate(files):
        mime = types.get(name, YAML_MIME if n == 0 else "image/png")
        pdf.attachments[name] = pikepdf.AttachedFileSpec(
            pdf, data, filename=name, mime_type=mime, relationship=pikepdf.Name.Source)
    for name, (run, times) in (inflated or {}).items():
        pdf.attachments[name] = pikepdf.AttachedFileSpec(
            pdf, b"", filename=name, mime_type=types.get(name, YAML_MIME),
            relationship=pikepdf.Name.Source)
        pdf.attachments[name].obj.EF.F.write(deflated(run, times),
                                             filter=pikepdf.Name.FlateDecode)
    for key, (name, data) in (aliases or {}).items():
        pdf.attachments[key] = pikepdf.AttachedFileSpec(
            pdf, data, filename=name, mime_type="image/png", relationship=pikepdf.Name.Source)
    if dc_identifier is None and files:
        dc_identifier = identifier(Published(files[0][0], files[0][1], dict(files[1:])))
    with warnings.catch_warnings(), pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        warnings.simplefilter("ignore")  # a creation date that is no date, on purpose
        if created is not None:
            xmp["xmp:CreateDate"] = created
        xmp["xmp:CreatorTool"] = "kennisdag-pdf 0.1.0"
        if dc_identifier:
            xmp["dc:identifier"] = dc_identifier
    out = BytesIO()
    pdf.save(out, compress_streams=True)
    return out.getvalue()


def deflated(run: bytes, times: int) -> bytes:
    """Flate data of run * times, made piece by piece."""
    packer = zlib.compressobj(9)
    block = run * max(1, (1024 * 1024) // max(1, len(run)))
    chunks, left = [], len(run) * times
    while left > 0:
        piece = block[:left]
        chunks.append(packer.compress(piece))
        left -= len(piece)
    chunks.append(packer.flush())
    return b"".join(chunks)


def deep_yaml(depth: int) -> bytes:
    return b"event:\n  date: 2011-04-07\nx: " + b"[" * depth + b"]" * depth + b"\n"


# The corpus cases: folder → (the archive's files, edited_archive's other arguments).
CASES = {
    "T14-12-extract-compressed-bomb": dict(
        files=[], inflated={"kennisdag-2011.yaml": (b"\n", 17 << 20)}, dc_identifier="x"),
    "T14-12-extract-file-and-folder-of-the-same-name": dict(
        files=[("kennisdag-2011.yaml", EVENT), ("x.png", PNG), ("x.png/inner.png", PNG)]),
    "T14-12-extract-name-of-300-characters": dict(
        files=[("kennisdag-2011.yaml", EVENT), ("assets/" + "a" * 296 + ".png", PNG)]),
    "T14-12-extract-path-2000-folders-deep": dict(
        files=[("kennisdag-2011.yaml", EVENT), ("a/" * 2000 + "logo.png", PNG)]),
    "T14-12-extract-creation-date-year-1": dict(created="0001-01-01T00:00:00"),
    "T14-12-extract-creation-date-without-offset": dict(created="2011-04-07T00:00:00"),
    "T14-12-extract-no-pages": dict(pages=0),
    "T14-12-extract-yaml-5000-deep": dict(files=[("kennisdag-2011.yaml", deep_yaml(5000))]),
    "T14-12-extract-one-name-twice": dict(
        files=[("kennisdag-2011.yaml", EVENT), ("logo.png", PNG)],
        aliases={"logo-2": ("logo.png", PNG)}),
}


def write_cases(root: Path) -> None:
    for folder, arguments in CASES.items():
        target = root / folder / "assets" / "archive.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(edited_archive(**arguments))


if __name__ == "__main__":
    write_cases(Path(__file__).parent / "cases")
