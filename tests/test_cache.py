"""The user's cache (cache.py) and what uses it for images (images.py): a later build reads back
what an earlier one prepared, byte for byte, and never anything stale, damaged or foreign."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA
from PIL import Image

from kennisdag_pdf import cache, images
from kennisdag_pdf.images import ImageShop
from kennisdag_pdf.loader import load
from kennisdag_pdf.profiles import PROFILES

RUN = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KENNISDAG_NO_CACHE", raising=False)
    return tmp_path / "cache" / "kennisdag-pdf"


def test_what_is_written_is_read_back_and_damage_is_never_used(own_cache):
    cache.write("thing", b"content")
    assert cache.read("thing") == b"content"
    stored = (own_cache / "thing").read_bytes()
    for damaged in (stored[:-1], stored[:-1] + b"X", stored[:5], b""):
        (own_cache / "thing").write_bytes(damaged)
        assert cache.read("thing") is None
    assert cache.read("missing") is None


def test_no_cache_means_nothing_read_or_written(own_cache, monkeypatch):
    cache.write("thing", b"content")
    monkeypatch.setenv("KENNISDAG_NO_CACHE", "1")
    assert cache.read("thing") is None
    cache.write("other", b"content")
    assert not (own_cache / "other").exists()


def test_an_unusable_cache_folder_is_no_problem(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # a file, not a folder
    cache.write("thing", b"content")
    assert cache.read("thing") is None
    cache.prune("thing", 0)


def test_pruning_drops_the_least_recently_used_first(own_cache):
    for number in range(5):
        cache.write(f"image-{number}", bytes(1000))
        os.utime(own_cache / f"image-{number}", (1000 + number, 1000 + number))
    cache.write("hyphenation-x", bytes(1000))
    cache.read("image-0")  # used just now: the most recent
    cache.prune("image-", 3 * 1016)
    assert sorted(p.name for p in own_cache.iterdir()) == [
        "hyphenation-x", "image-0", "image-3", "image-4"]


def test_keys_differ_for_any_difference():
    assert cache.key("a", 1) == cache.key("a", 1)
    assert len({cache.key("a", 1), cache.key("a", 1.0001), cache.key("a", "1"),
                cache.key(("a", 1))}) == 4


# --- prepared images ---------------------------------------------------------------------------

def _cover():
    loaded = load(DATA / "kennisdag-2011.yaml")
    return loaded.images[loaded.day.event.cover_image]


@pytest.mark.parametrize("profile, crop", [("screen", True), ("print", False)])
def test_a_prepared_image_comes_back_from_the_cache_as_it_was_made(own_cache, monkeypatch,
                                                                   profile, crop):
    cover = _cover()
    made = ImageShop(PROFILES[profile]).place(cover, 300, 180, crop=crop)
    assert len(list(own_cache.glob("image-*.bin"))) == 1

    def no_preparing(*args):
        raise AssertionError("prepared again although the cache holds it")

    monkeypatch.setattr(images, "_prepare", no_preparing)
    again = ImageShop(PROFILES[profile]).place(cover, 300, 180, crop=crop)
    assert (again.data, again.dpi, again.width, again.height) == (
        made.data, made.dpi, made.width, made.height)


def test_whatever_shapes_the_image_names_another_entry(own_cache, monkeypatch, tmp_path):
    cover = _cover()
    ImageShop(PROFILES["screen"]).place(cover, 300, 180)
    ImageShop(PROFILES["screen"]).place(cover, 300, 181)  # another size
    ImageShop(PROFILES["screen"]).place(cover, 300, 180, crop=True)
    ImageShop(PROFILES["print"]).place(cover, 300, 180)  # another resolution, CMYK
    ImageShop(PROFILES["archive"]).place(cover, 300, 180)
    # Another output profile for the press: same name, other bytes.
    shipped = images.cmyk_profile()
    named = tmp_path / "press.icc"
    named.write_bytes(shipped.read_bytes() + b"\0")
    monkeypatch.setenv("KENNISDAG_CMYK_PROFILE", str(named))
    ImageShop(PROFILES["print"]).place(cover, 300, 180)
    # Another picture under the same file name.
    edited = Image.open(cover.path).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    copy = tmp_path / "cover.jpg"
    edited.save(copy, quality=90)
    other = images.ImageAsset(cover.path, cover.width, cover.height, edited.convert("RGB"),
                              format="JPEG", rel=cover.rel, data=copy.read_bytes())
    ImageShop(PROFILES["screen"]).place(other, 300, 180)
    assert len(list(own_cache.glob("image-*.bin"))) == 7


def test_an_image_made_in_code_is_not_cached(own_cache, tmp_path):
    im = Image.new("RGB", (400, 300), (90, 120, 150))
    asset = images.ImageAsset(tmp_path / "x.png", 400, 300, im, rel="x.png")
    ImageShop(PROFILES["screen"]).place(asset, 100, 75)
    assert not own_cache.exists() or not list(own_cache.glob("image-*"))


def test_builds_from_a_warm_cache_give_the_same_bytes(tmp_path):
    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "SOURCE_DATE_EPOCH": "0"}
    env.pop("KENNISDAG_NO_CACHE", None)
    outputs = {}
    for run in ("cold", "warm", "off"):
        if run == "off":
            env["KENNISDAG_NO_CACHE"] = "1"
        for profile in ("screen", "print"):
            pdf = tmp_path / f"{run}-{profile}.pdf"
            subprocess.run([*RUN, "-q", "build", str(folder / "kennisdag-2011.yaml"),
                            "--profile", profile, "-o", str(pdf)], env=env, check=True,
                           timeout=120)
            outputs[(run, profile)] = pdf.read_bytes()
    cached = list((tmp_path / "cache" / "kennisdag-pdf").glob("image-*.bin"))
    assert len(cached) == 6  # three images, two profiles
    for profile in ("screen", "print"):
        assert outputs[("cold", profile)] == outputs[("warm", profile)] \
            == outputs[("off", profile)]
