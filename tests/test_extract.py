"""extract on archives as an editor or an attacker leaves them: every check comes before the
first file is written, sizes are bounded while inflating, and a failed extract leaves its
folder as it found it. The archives are small hand-made ones (edited_archives.py); the CLI
path of each is a T14-12 corpus case."""

from __future__ import annotations

import datetime as dt
import errno
import os
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from edited_archives import EVENT, PNG, deep_yaml, edited_archive
from kennisdag_pdf import pdfa
from kennisdag_pdf.archive import _event_date, extract
from kennisdag_pdf.errors import BadInput, OutputError
from kennisdag_pdf.published import Published


def refused(pdf: bytes, folder: Path) -> str:
    with pytest.raises(BadInput) as caught:
        extract(pdf, "a.pdf", folder)
    assert not folder.exists(), "nothing is written before everything is checked"
    return str(caught.value)


def test_a_plain_archive_is_extracted_with_its_rebuild_command(tmp_path):
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("assets/logo.png", PNG)])
    done = extract(pdf, "a.pdf", tmp_path / "src")
    assert (tmp_path / "src" / "kennisdag-2011.yaml").read_bytes() == EVENT
    assert (tmp_path / "src" / "assets" / "logo.png").read_bytes() == PNG
    assert done.rebuild == f"kennisdag-pdf build {tmp_path / 'src' / 'kennisdag-2011.yaml'} " \
                          f"--profile archive"


# --- item 6: the event file is what the archive says it is -------------------------------------

def test_an_image_named_yml_is_not_taken_for_the_event_file(tmp_path):
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("logo.yml", PNG)],
                         types={"logo.yml": "image/png"})
    extract(pdf, "a.pdf", tmp_path / "src")
    assert (tmp_path / "src" / "logo.yml").read_bytes() == PNG


def test_an_archive_written_before_images_were_typed_by_their_bytes_stays_extractable(tmp_path):
    """Then an image named logo.yml was typed YAML by its suffix: dc:identifier, the checksum
    of the source with the event file first, says which of the two is the event file."""
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("logo.yml", PNG)],
                         types={"logo.yml": pdfa.YAML_MIME})
    source, _ = pdfa.read_archive(pdf)
    assert source.name == "kennisdag-2011.yaml" and source.assets == {"logo.yml": PNG}
    extract(pdf, "a.pdf", tmp_path / "src")


def test_two_event_files_that_the_identifier_cannot_tell_apart_are_refused(tmp_path):
    pdf = edited_archive([("a.yaml", EVENT), ("b.yaml", EVENT)], dc_identifier="urn:sha256:0",
                         types={"b.yaml": pdfa.YAML_MIME})
    assert "it carries 2 event files" in refused(pdf, tmp_path / "src")


def test_the_archive_types_images_by_their_bytes_and_the_event_file_as_yaml():
    source = Published("day.yml", EVENT, {"logo.yml": PNG, "photo.png": b"\xff\xd8\xff\xe0",
                                          "odd.yaml": b"GIF89a"})
    kinds = {name: pdfa._mime_written(name, data, source) for name, data in source.files()}
    assert kinds == {"day.yml": pdfa.YAML_MIME, "logo.yml": "image/png",
                     "photo.png": "image/jpeg", "odd.yaml": "application/octet-stream"}


# --- item 12: check everything first, bound sizes while inflating ------------------------------

@pytest.mark.parametrize("name, typed", [("kennisdag-2011.yaml", pdfa.YAML_MIME),
                                         ("assets/bomb.png", "image/png")])
def test_a_compressed_bomb_is_refused_while_inflating(tmp_path, monkeypatch, name, typed):
    monkeypatch.setattr(pdfa, "MAX_EVENT_FILE_BYTES", 1 << 20)
    monkeypatch.setattr(pdfa, "MAX_ATTACHMENT_BYTES", 2 << 20)
    files = [] if typed == pdfa.YAML_MIME else [("kennisdag-2011.yaml", EVENT)]
    pdf = edited_archive(files, inflated={name: (b"\0", 64 << 20)}, types={name: typed},
                         dc_identifier="x")
    assert len(pdf) < 100_000  # 64 MB of zeros
    inflated = []
    real = pdfa._content

    def spy(stream, file_name, limit):
        data = real(stream, file_name, limit)  # raises for the bomb: never returns 64 MB
        inflated.append(len(data))
        return data

    monkeypatch.setattr(pdfa, "_content", spy)
    message = refused(pdf, tmp_path / "src")
    assert f"its file '{name}' is larger than an archive copy can carry" in message
    assert all(size <= 2 << 20 for size in inflated)


def test_the_whole_source_is_bounded_too(tmp_path, monkeypatch):
    monkeypatch.setattr(pdfa, "MAX_SOURCE_BYTES", 3 << 20)
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT)],
                         inflated={f"assets/{n}.png": (b"\0", 1 << 20) for n in range(4)},
                         types={f"assets/{n}.png": "image/png" for n in range(4)})
    assert "is larger than an archive copy can carry" in refused(pdf, tmp_path / "src")


def test_a_filter_the_tool_never_writes_is_refused(tmp_path):
    pdf = edited_archive()
    with pikepdf.open(BytesIO(pdf)) as document:
        stream = document.attachments["kennisdag-2011.yaml"].obj.EF.F
        stream.write(EVENT.hex().encode() + b">", filter=pikepdf.Name.ASCIIHexDecode)
        out = BytesIO()
        document.save(out, compress_streams=False,
                      stream_decode_level=pikepdf.StreamDecodeLevel.none)
    assert "is stored in a form kennisdag-pdf does not write" in refused(out.getvalue(),
                                                                         tmp_path / "src")


@pytest.mark.parametrize("files, reason", [
    ([("x.png", PNG), ("x.png/inner.png", PNG)], "'x.png' is a file and the folder of"),
    ([("assets/" + "a" * 296 + ".png", PNG)], "a file name too long for any file system"),
    ([("assets/" + "é" * 130 + ".png", PNG)], "a file name too long for any file system"),
    ([("a/" * 2000 + "logo.png", PNG)], "a file name too long for any file system"),
    ([("assets/../../.bashrc", PNG)], "is not a plain relative file name"),
])
def test_names_no_folder_can_hold_are_refused_before_writing(tmp_path, files, reason):
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), *files])
    assert reason in refused(pdf, tmp_path / "src")


def test_two_entries_giving_one_file_name_are_refused(tmp_path):
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("logo.png", PNG)],
                         aliases={"logo-2": ("logo.png", b"other")})
    assert "two files named 'logo.png'" in refused(pdf, tmp_path / "src")


@pytest.mark.parametrize("created, reason", [
    ("0001-01-01T00:00:00+00:00", "is not one a build gives"),
    ("0001-01-01T00:00:00", "is not one a build gives"),
    ("1969-12-31T23:59:59+00:00", "is not one a build gives"),
    ("2011-04-07T00:00:00", "is not one a build gives"),  # no offset: no epoch to rebuild with
    ("morgen", "is not a date"),
    (None, "it has no creation date"),
])
def test_a_creation_date_no_build_has_is_refused_before_writing(tmp_path, created, reason):
    assert reason in refused(edited_archive(created=created), tmp_path / "src")


def test_an_archive_without_pages_is_refused(tmp_path):
    assert "it has no pages" in refused(edited_archive(pages=0), tmp_path / "src")


def test_a_first_page_without_a_readable_size_still_gets_an_answer(tmp_path):
    """qpdf repairs a page box it cannot read (to US Letter) before we see it."""
    pdf = edited_archive()
    with pikepdf.open(BytesIO(pdf)) as document:
        document.pages[0].obj.MediaBox = pikepdf.Array([0, 0, pikepdf.Name.Wide])
        out = BytesIO()
        document.save(out)
    assert pdfa.read_archive(out.getvalue())[1].page_size in ("a5", "a4")


@pytest.mark.parametrize("depth", [40, 500, 5000])
def test_a_deeply_nested_event_file_is_refused_without_recursion(tmp_path, depth):
    pdf = edited_archive([("kennisdag-2011.yaml", deep_yaml(depth))])
    assert "is nested deeper than an event file can be" in refused(pdf, tmp_path / "src")


@pytest.mark.parametrize("text, date", [
    (EVENT, dt.date(2011, 4, 7)),
    (b"event: {title: x, date: '2019-05-14'}\n", dt.date(2019, 5, 14)),
    (b"date: 2011-01-01\nevent:\n  organisers: [{date: 2012-01-01}]\n  date: 2013-01-01\n",
     dt.date(2013, 1, 1)),
    (b"event:\n  ? [date]\n  : 2011-01-01\n", None),
    (b"event:\n  date: [2011-01-01]\n", None),
    (b"event:\n  date: 2011-02-30\n", None),
    (b"- event\n", None),
    (b"\xff\xfe", "not valid YAML"),
    (b"event: [\n", "not valid YAML"),
])
def test_the_date_is_read_from_the_event_mapping_only(text, date):
    source = Published("e.yaml", text, {})
    if isinstance(date, dt.date):
        assert _event_date(source) == date
    else:
        with pytest.raises(ValueError, match=date or "has no event.date"):
            _event_date(source)


# --- what is already in the folder -------------------------------------------------------------

def test_a_link_in_the_folder_never_takes_a_file_out_of_it(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "assets").symlink_to(tmp_path / "elsewhere")
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("assets/logo.png", PNG)])
    with pytest.raises(OutputError) as caught:
        extract(pdf, "a.pdf", tmp_path / "src")
    assert caught.value.exit_code == 73
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["assets"]


def test_a_file_where_a_folder_must_go_is_refused_before_writing(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "assets").write_text("notes")
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("assets/logo.png", PNG)])
    with pytest.raises(OutputError, match="exists and is not a folder") as caught:
        extract(pdf, "a.pdf", tmp_path / "src")
    assert caught.value.exit_code == 73
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["assets"]


def test_a_folder_where_a_file_must_go_is_refused(tmp_path):
    (tmp_path / "src" / "kennisdag-2011.yaml").mkdir(parents=True)
    with pytest.raises(OutputError, match="exists with other content"):
        extract(edited_archive(), "a.pdf", tmp_path / "src")


def test_the_same_files_extracted_again_change_nothing(tmp_path):
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("assets/logo.png", PNG)])
    extract(pdf, "a.pdf", tmp_path / "src")
    extract(pdf, "a.pdf", tmp_path / "src")
    assert (tmp_path / "src" / "assets" / "logo.png").read_bytes() == PNG


def test_a_write_that_fails_takes_back_what_this_run_wrote(tmp_path, monkeypatch):
    from kennisdag_pdf import output

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.txt").write_text("mine")
    real = output.write_atomic
    calls = []

    def full_disk(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise output._output_error(path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        real(path, data)

    monkeypatch.setattr(output, "write_atomic", full_disk)
    pdf = edited_archive([("kennisdag-2011.yaml", EVENT), ("assets/logo.png", PNG)])
    with pytest.raises(OutputError) as caught:
        extract(pdf, "a.pdf", tmp_path / "src")
    assert caught.value.exit_code == 74
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["notes.txt"]


def test_a_link_where_a_file_goes_is_never_written_through(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "elsewhere.yaml").write_text("mine")
    (tmp_path / "src" / "kennisdag-2011.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(OutputError, match="is a link, not a file") as caught:
        extract(edited_archive(), "a.pdf", tmp_path / "src")
    assert caught.value.exit_code == 73
    assert (tmp_path / "elsewhere.yaml").read_text() == "mine"
