"""published.py: the copy of the source an archive carries, and nothing more than it prints."""

from __future__ import annotations

import shutil
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from kennisdag_pdf.loader import load
from kennisdag_pdf.model import KnowledgeDay
from kennisdag_pdf.published import (clean_image, publish, published_event, published_yaml,
                                     safe_relative)

from conftest import DATA

GPS = 0x8825
ORIENTATION = 0x0112


@pytest.mark.parametrize("name", ["kennisdag-2011.yaml", "example-en.yaml"])
def test_published_source_loads_back_to_the_same_event(name):
    loaded = load(DATA / name)
    again, published = published_event(loaded)
    assert again.day == loaded.day
    assert set(published.assets) == set(loaded.images)
    # A fixed point: publishing the published source changes nothing, so an extracted source
    # embeds the same bytes again.
    assert publish(again) == published


def test_published_yaml_has_no_comments_and_reads_as_a_plain_event_file():
    original = (DATA / "kennisdag-2011.yaml").read_text(encoding="utf-8")
    assert "liniet" in original  # a comment of the data file (a repaired typo)
    text = published_yaml(load(DATA / "kennisdag-2011.yaml").day).decode()
    assert "liniet" not in text
    assert all(not line.startswith("#") for line in text.splitlines()[2:])
    data = yaml.safe_load(text)
    assert data["event"]["id"] == "kennisdag-2011"
    assert "host" not in data["participants"][0]  # defaults are left out


def _with_unlisted(tmp_path: Path) -> Path:
    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    path = folder / "kennisdag-2011.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "participants:\n", "participants:\n  - name: Geheime Gerrit\n"
                           "    organisation: Stille Vennoten BV\n    listed: false\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unlisted_participant_is_in_no_published_copy(tmp_path):
    loaded = load(_with_unlisted(tmp_path))
    assert any(p.name == "Geheime Gerrit" for p in loaded.day.participants)
    again, published = published_event(loaded)
    for _, data in published.files():
        assert b"Geheime Gerrit" not in data and b"Stille Vennoten" not in data
    assert len(again.day.participants) == len(loaded.day.participants) - 1


def _jpeg_with_metadata(orientation: int = 6) -> bytes:
    image = Image.new("RGB", (40, 24), (200, 30, 30))
    image.paste((20, 90, 200), (0, 0, 20, 12))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # camera make
    exif.get_ifd(GPS)[2] = (52.0, 5.0, 0.0)  # latitude: where the photo was taken
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"holiday at home",
               xmp=b"<x:xmpmeta><dc:creator>Jan</dc:creator></x:xmpmeta>")
    return out.getvalue()


def _upright_pixels(data: bytes) -> bytes:
    with Image.open(BytesIO(data)) as image:
        return ImageOps.exif_transpose(image).convert("RGB").tobytes()


def test_a_jpeg_loses_gps_camera_comment_and_xmp_but_keeps_its_pixels_and_orientation():
    original = _jpeg_with_metadata()
    cleaned = clean_image(original, "JPEG")
    for secret in (b"PhoneMaker", b"holiday at home", b"dc:creator"):
        assert secret in original and secret not in cleaned
    with Image.open(BytesIO(cleaned)) as image:
        exif = image.getexif()
        assert exif.get(ORIENTATION) == 6
        assert not exif.get_ifd(GPS)
    assert _upright_pixels(cleaned) == _upright_pixels(original)
    assert clean_image(cleaned, "JPEG") == cleaned


def test_an_upright_jpeg_carries_no_exif_at_all():
    cleaned = clean_image(_jpeg_with_metadata(orientation=1), "JPEG")
    assert b"Exif" not in cleaned
    assert _upright_pixels(cleaned) == _upright_pixels(_jpeg_with_metadata(orientation=1))


def test_a_png_loses_its_text_chunks_but_keeps_transparency_and_orientation():
    from PIL import PngImagePlugin

    image = Image.new("RGBA", (10, 6), (0, 128, 0, 100))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jan Janssen, Dorpsstraat 1")
    exif = Image.Exif()
    exif[ORIENTATION] = 3
    out = BytesIO()
    image.save(out, format="PNG", pnginfo=info, exif=exif)
    original = out.getvalue()
    cleaned = clean_image(original, "PNG")
    assert b"Dorpsstraat" in original and b"Dorpsstraat" not in cleaned
    with Image.open(BytesIO(cleaned)) as reread:
        assert reread.mode == "RGBA" and reread.getexif().get(ORIENTATION) == 3
    assert _upright_pixels(cleaned) == _upright_pixels(original)
    assert clean_image(cleaned, "PNG") == cleaned


@pytest.mark.parametrize("mangle", [
    lambda data: data[:-200] + bytes(200),  # the segments read fine, the picture does not
    lambda data: data.replace(b"\xff\xda", b"\xff\xd9", 1),  # no scan where one should be
], ids=["changed-pixels", "unreadable"])
def test_a_cleaning_that_would_change_the_picture_falls_back_to_a_lossless_png(
        monkeypatch, mangle):
    from kennisdag_pdf import published

    real = published._clean_jpeg
    monkeypatch.setattr(published, "_clean_jpeg", lambda data, o: mangle(real(data, o)))
    original = _jpeg_with_metadata()
    cleaned = clean_image(original, "JPEG")
    assert cleaned.startswith(b"\x89PNG") and b"PhoneMaker" not in cleaned
    assert _upright_pixels(cleaned) == _upright_pixels(original)
    with Image.open(BytesIO(cleaned)) as image:
        assert image.size == (24, 40)  # already turned upright


def test_restart_markers_before_the_scan_are_dropped_not_misread():
    original = _jpeg_with_metadata()
    odd = original[:2] + b"\xff\xd0" + original[2:]
    cleaned = clean_image(odd, "JPEG")
    assert cleaned.startswith(b"\xff\xd8") and b"PhoneMaker" not in cleaned
    assert _upright_pixels(cleaned) == _upright_pixels(original)


@pytest.mark.parametrize("name", ["../evil.yaml", "/etc/passwd", "a/../../b", "a\\b.png", "",
                                  "./x.yaml", "a//b.png", "x\x00.png"])
def test_archive_file_names_that_could_leave_the_folder_are_refused(name):
    with pytest.raises(ValueError):
        safe_relative(name)


def test_plain_relative_names_are_accepted():
    assert safe_relative("assets/logo.png").parts == ("assets", "logo.png")


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Cf",
                                                                  "Zl", "Zp")),
                min_size=1, max_size=80).filter(lambda s: s.strip() and "@" not in s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_TEXT, body=st.lists(_TEXT, min_size=1, max_size=3).map("\n\n".join),
       statement=_TEXT)
def test_any_valid_text_survives_the_published_yaml(title, body, statement):
    base = {"event": {"id": "x", "title": title, "date": "2020-01-02", "venue": "v",
                      "city": "c", "language": "en", "organisers": [{"name": "o"}]},
            "theses": [{"statement": statement, "body": body}],
            "participants": [{"name": title, "listed": False}, {"name": "Visible"}]}
    try:
        day = KnowledgeDay.model_validate(base)
    except ValueError:
        return  # text the model refuses never reaches an archive
    reread = KnowledgeDay.model_validate(yaml.safe_load(published_yaml(day)))
    assert reread == day.model_copy(update={"participants": day.listed_participants})


# --- issue 14: the published source holds only plain names -----------------------------------

def test_odd_spellings_of_image_paths_publish_as_plain_names(tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    source = folder / "example-en.yaml"
    text = source.read_text(encoding="utf-8")
    logos = [line.split("logo: ")[1] for line in text.splitlines()
             if line.strip().startswith(("logo: ", "- logo: "))]
    odd = {logos[0]: "./" + logos[0].replace("/", "//"),
           logos[1]: logos[1].replace("assets/", "assets/../assets/./") + "/"}
    for plain, spelled in odd.items():
        text = text.replace(f"logo: {plain}", f"logo: {spelled}")
    source.write_text(text, encoding="utf-8")
    loaded = load(source)
    published = publish(loaded)
    for name, _ in published.files():
        safe_relative(name)  # raises on anything but a plain relative name
    assert set(logos) <= set(published.assets)
    again, _ = published_event(loaded)
    assert [o.logo for o in again.day.event.organisers] == \
        [o.logo for o in loaded.day.event.organisers]


def test_an_event_file_named_with_a_backslash_publishes_under_a_plain_name(tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    odd = folder / "open\\data.yaml"
    (folder / "example-en.yaml").rename(odd)
    published = publish(load(odd))
    assert published.name == "open-data.yaml"
    safe_relative(published.name)
    published_event(load(odd))  # the archive build's source loads back


@pytest.mark.parametrize("event_name, image_name, expected", [
    ("day.txt", "event.yaml", "event-2.yaml"),           # no .yaml suffix: event.yaml is taken
    ("open\\data.yaml", "open-data.yaml", "open-data-2.yaml"),  # the backslash's hyphen is taken
])
def test_the_event_file_never_takes_the_name_of_one_of_its_images(tmp_path, event_name,
                                                                  image_name, expected):
    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    text = (folder / "example-en.yaml").read_text(encoding="utf-8")
    logo = "assets/havenburg-logo.png"
    assert logo in text
    shutil.copyfile(folder / logo, folder / image_name)  # a PNG that happens to have this name
    (folder / event_name).write_text(text.replace(logo, image_name, 1), encoding="utf-8")
    published = publish(load(folder / event_name))
    assert published.name == expected
    assert image_name in published.assets
    assert len({name for name, _ in published.files()}) == len(published.files())
    rebuilt, _ = published_event(load(folder / event_name))  # what the archive build renders
    assert image_name in rebuilt.images
