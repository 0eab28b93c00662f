"""Images per profile: colour conversion for the press, resampling for the screen, clean streams."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from kennisdag_pdf import images
from kennisdag_pdf.images import ImageShop, effective_dpi, gcr_cmyk, to_cmyk
from kennisdag_pdf.loader import ImageAsset
from kennisdag_pdf.profiles import PROFILES

NEUTRALS = [(0, 0, 0), (40, 40, 40), (128, 128, 128), (230, 230, 230), (255, 255, 255)]


def strip(colours) -> Image.Image:
    im = Image.new("RGB", (len(colours), 1))
    for x, colour in enumerate(colours):
        im.putpixel((x, 0), colour)
    return im


def test_gcr_puts_neutrals_and_black_on_the_black_plate_only():
    out = gcr_cmyk(strip(NEUTRALS))
    for x, (r, _, _) in enumerate(NEUTRALS):
        c, m, y, k = out.getpixel((x, 0))
        assert (c, m, y) == (0, 0, 0)
        assert k == 255 - r
    # Pillow's naive conversion, which the profile must never use, prints black as no K at all.
    assert strip([(0, 0, 0)]).convert("CMYK").getpixel((0, 0))[3] == 0


def test_gcr_keeps_colours_and_limits_ink():
    pure = gcr_cmyk(strip([(255, 0, 0), (0, 0, 255), (29, 81, 104)]))
    assert pure.getpixel((0, 0)) == (0, 255, 255, 0)
    assert pure.getpixel((1, 0)) == (255, 255, 0, 0)
    c, m, y, k = pure.getpixel((2, 0))
    assert c > m > y == 0 and k > 100
    assert c + m + y + k <= 3 * 255  # total ink stays printable


SHIPPED = images.resource_dir("assets") / "profiles" / "FOGRA39L_coated_GCR.icc"


def test_the_shipped_fogra39_profile_separates_through_little_cms(monkeypatch):
    from PIL import ImageCms

    monkeypatch.delenv("KENNISDAG_CMYK_PROFILE", raising=False)
    assert images.cmyk_profile() == SHIPPED
    profile = ImageCms.getOpenProfile(str(SHIPPED)).profile
    assert profile.xcolor_space.strip() == "CMYK" and "FOGRA39" in profile.profile_description
    colours = [(0, 0, 0), (128, 128, 128), (60, 60, 60), (255, 255, 255)]
    out = to_cmyk(strip(colours))
    assert out.tobytes() != gcr_cmyk(strip(colours)).tobytes()  # it is not the fallback
    assert out.getpixel((0, 0))[3] == 255, "black carries full black ink"
    for x in (1, 2):  # maximum GCR: greys print almost on black alone
        c, m, y, k = out.getpixel((x, 0))
        assert k > 150 and max(c, m, y) < 16
    assert out.getpixel((3, 0)) == (0, 0, 0, 0), "white paper stays unprinted"
    c, m, y, k = out.getpixel((0, 0))
    assert (c + m + y + k) / 255 <= 3.0, "within the profile's 300 % ink limit"


def test_a_named_profile_overrides_the_shipped_one(monkeypatch, tmp_path):
    named = tmp_path / "shop.icc"
    named.write_bytes(SHIPPED.read_bytes())
    monkeypatch.setenv("KENNISDAG_CMYK_PROFILE", str(named))
    assert images.cmyk_profile() == named
    assert to_cmyk(strip(NEUTRALS)).getpixel((0, 0))[3] == 255


def test_without_a_profile_the_separation_is_gcr(monkeypatch):
    monkeypatch.setattr(images, "cmyk_profile", lambda: None)
    assert to_cmyk(strip(NEUTRALS)).tobytes() == gcr_cmyk(strip(NEUTRALS)).tobytes()
    assert to_cmyk(strip(NEUTRALS), icc=False).tobytes() == gcr_cmyk(strip(NEUTRALS)).tobytes()


def test_a_profile_that_is_not_cmyk_is_refused(monkeypatch, tmp_path):
    from PIL import ImageCms

    from kennisdag_pdf.errors import SetupError

    rgb = tmp_path / "srgb.icc"
    rgb.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    monkeypatch.setenv("KENNISDAG_CMYK_PROFILE", str(rgb))
    with pytest.raises(SetupError, match="is a profile for RGB; print needs a CMYK output profile"):
        to_cmyk(strip(NEUTRALS))


def asset(tmp_path: Path, size=(600, 400), fmt="JPEG", colour=(90, 120, 150)) -> ImageAsset:
    im = Image.new("RGB", size, colour)
    path = tmp_path / f"a.{fmt.lower()}"
    im.save(path, format=fmt)
    return ImageAsset(path, size[0], size[1], im, format=fmt, rel=path.name,
                      fields=(("event", "cover_image"),))


def test_screen_downsamples_to_150_dpi_at_the_placed_size(tmp_path):
    shop = ImageShop(PROFILES["screen"])
    placed = shop.place(asset(tmp_path, (1200, 800)), 144, 96)  # 2 × 1.33 inch → 600 dpi
    assert placed.dpi == pytest.approx(600)
    with Image.open(BytesIO(placed.data)) as im:
        assert im.size == (300, 200) and im.mode == "RGB" and im.format == "JPEG"


def test_screen_never_upsamples(tmp_path):
    placed = ImageShop(PROFILES["screen"]).place(asset(tmp_path, (100, 50)), 144, 72)
    with Image.open(BytesIO(placed.data)) as im:
        assert im.size == (100, 50)


def test_print_converts_to_cmyk_and_keeps_300_dpi(tmp_path):
    placed = ImageShop(PROFILES["print"]).place(asset(tmp_path, (900, 600)), 216, 144)
    with Image.open(BytesIO(placed.data)) as im:
        assert im.mode == "CMYK" and im.size == (900, 600)


def test_print_resamples_only_far_finer_images(tmp_path):
    placed = ImageShop(PROFILES["print"]).place(asset(tmp_path, (2000, 1000)), 144, 72)
    with Image.open(BytesIO(placed.data)) as im:  # 1000 dpi → the press's 300
        assert im.size == (600, 300)


def test_flat_artwork_stays_lossless(tmp_path):
    logo = asset(tmp_path, (300, 100), fmt="PNG")
    with Image.open(BytesIO(ImageShop(PROFILES["screen"]).place(logo, 72, 24).data)) as im:
        assert im.format == "PNG"
    with Image.open(BytesIO(ImageShop(PROFILES["print"]).place(logo, 72, 24).data)) as im:
        assert im.format == "TIFF" and im.mode == "CMYK"


def test_metadata_of_the_source_never_reaches_the_pdf(tmp_path):
    im = Image.new("RGB", (64, 64), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {2: (52.0, 22.0, 1.0)}  # GPS latitude
    path = tmp_path / "photo.jpg"
    im.save(path, exif=exif, comment=b"secret comment")
    with Image.open(path) as source:
        source.load()
        assert source.info.get("exif")
        photo = ImageAsset(path, 64, 64, source.copy(), format="JPEG", rel="photo.jpg")
    for profile in PROFILES.values():
        data = ImageShop(profile).place(photo, 30, 30).data
        assert b"Exif" not in data and b"CameraMaker" not in data and b"secret" not in data


def test_cover_crop_fills_the_box(tmp_path):
    placed = ImageShop(PROFILES["print"]).place(asset(tmp_path, (1000, 1000)), 200, 100, crop=True)
    with Image.open(BytesIO(placed.data)) as im:
        assert im.size[0] / im.size[1] == pytest.approx(2, rel=0.01)


def test_placements_are_prepared_once_per_size(tmp_path):
    shop = ImageShop(PROFILES["print"])
    a = asset(tmp_path)
    assert shop.place(a, 100, 50) is shop.place(a, 100, 50)
    assert len(shop.placements) == 1


def test_effective_dpi_takes_the_coarser_axis():
    assert effective_dpi((300, 100), 72, 72) == 100


def test_a_cmyk_source_keeps_its_own_separation_in_print(tmp_path):
    source = Image.new("CMYK", (300, 200), (10, 200, 30, 40))
    path = tmp_path / "press.jpg"
    source.save(path, quality=95)
    from kennisdag_pdf.assets import _load_image

    loaded = _load_image(tmp_path / "press.jpg", "press.jpg")
    assert loaded.image.mode == "RGB" and loaded.cmyk.mode == "CMYK"
    printed = ImageShop(PROFILES["print"]).place(loaded, 72, 48)
    with Image.open(BytesIO(printed.data)) as im:
        c, m, y, k = im.getpixel((150, 100))
        assert abs(c - 10) < 6 and abs(m - 200) < 6 and abs(y - 30) < 6 and abs(k - 40) < 6
    screen = ImageShop(PROFILES["screen"]).place(loaded, 72, 48)
    with Image.open(BytesIO(screen.data)) as im:
        assert im.mode == "RGB"
