"""Loaded event → its published source: the data and images an archive copy may carry.

An archived brochure carries its own source so that it can be rebuilt decades later. It must
not carry more than the brochure prints: the organiser's comments, people marked
`listed: false`, or the GPS position and camera serial number hidden in a photo. So the copy
is not the user's file but a rewrite of it:

* the YAML is dumped from the validated model, published fields only, in the model's order;
* images keep their pixels bit for bit (JPEG scans and PNG data are copied, never re-encoded)
  and lose every metadata segment that does not change how they look; only the orientation
  tag survives, rewritten on its own, because the loader turns the picture by it.

The archive build renders from this copy, loaded back through the ordinary loader, so the PDF
is by construction the one its embedded source gives (`extract` then `build` is identical).
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .loader import LoadedEvent, load, upright
from .loader import orientation as orientation_of
from .model import KnowledgeDay

HEADER = ("# The published source of a kennisdag-pdf brochure, as embedded in its archive copy:\n"
          "# the data it prints, without comments or people marked 'listed: false'.\n")
YAML_MIME = "application/yaml"


@dataclass(frozen=True)
class Published:
    """The files of a published source: the event file and the images it names."""

    name: str  # file name of the event file, such as kennisdag-2011.yaml
    yaml: bytes
    assets: dict[str, bytes]  # path relative to the event file → image bytes

    @property
    def sha256(self) -> str:
        """The identity of the source: changes when any of its files changes."""
        digest = hashlib.sha256()
        for name, data in self.files():
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    def files(self) -> list[tuple[str, bytes]]:
        return [(self.name, self.yaml), *sorted(self.assets.items())]


def publish(loaded: LoadedEvent) -> Published:
    assets = {rel: clean_image(asset.data, asset.format)
              for rel, asset in sorted(loaded.images.items())}
    return Published(published_name(loaded.source, taken=assets), published_yaml(loaded.day),
                     assets)


def published_name(source: Path, taken=()) -> str:
    """The event file's name in the published source: a plain name that every system can
    write back. A backslash is an ordinary character of a Linux file name but a separator on
    Windows (and refused by safe_relative), so it becomes a hyphen. A name that an image of
    the source already has (an image called event.yaml beside an event file called
    event.txt) gets a number."""
    name = source.name.replace("\\", "-") if source.suffix in (".yaml", ".yml") else "event.yaml"
    stem, suffix = name.rsplit(".", 1)
    number = 2
    while name in taken:
        name = f"{stem}-{number}.{suffix}"
        number += 1
    return name


def published_event(loaded: LoadedEvent) -> tuple[LoadedEvent, Published]:
    """The event as its published source gives it: what the archive build renders."""
    published = publish(loaded)
    with tempfile.TemporaryDirectory(prefix="kennisdag-published-") as folder:
        source = write_files(published, Path(folder))
        # Images are decoded while loading; nothing reads the folder afterwards.
        return load(source), published


def write_files(published: Published, folder: Path) -> Path:
    """Write the source's files under folder; the path of its event file."""
    for name, data in published.files():
        target = folder.joinpath(*safe_relative(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder / published.name


def safe_relative(name: str) -> PurePosixPath:
    """A file name from an archive (which anyone can edit) as a path that stays in its folder."""
    path = PurePosixPath(name)
    if (not name or "\\" in name or "\x00" in name or path.is_absolute()
            or any(part in ("", ".", "..") for part in name.split("/"))):
        raise ValueError(f"'{name}' is not a plain relative file name")
    return path


# --- the event file ----------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Body text keeps its paragraphs readable as a literal block (PyYAML falls back to a
    # quoted scalar when a block could not hold the text exactly).
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def published_yaml(day: KnowledgeDay) -> bytes:
    """The model as YAML: published fields only, defaults left out, in the model's order."""
    public = day.model_copy(update={"participants": day.listed_participants})
    data = public.model_dump(mode="python", exclude_defaults=True)
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=88,
                     default_flow_style=False)
    return (HEADER + text).encode("utf-8")


# --- images ------------------------------------------------------------------------------------

ORIENTATION = 0x0112

# JPEG segments that change how the picture is decoded; everything else (EXIF with GPS and
# serial numbers, XMP, IPTC, comments, thumbnails of the original) is left behind.
_JFIF, _ICC, _ADOBE = (0xE0, b"JFIF"), (0xE2, b"ICC_PROFILE\0"), (0xEE, b"Adobe")
# PNG chunks that change how the picture looks; text, time and EXIF chunks are left behind.
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
             b"sBIT", b"pHYs", b"bKGD"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def clean_image(data: bytes, kind: str) -> bytes:
    """The image without its metadata, same pixels; cleaning a clean image changes nothing."""
    orientation, picture = _upright(data)
    try:
        cleaned = _clean_jpeg(data, orientation) if kind == "JPEG" else \
            _clean_png(data, orientation)
        if _upright(cleaned)[1] == picture:
            return cleaned
    except (ValueError, IndexError, struct.error, OSError, SyntaxError):
        pass
    # A structure our reader does not follow (the loader decoded it, so Pillow does): keep
    # the pixels, losslessly, as the loader saw them.
    return _as_png(data)


def _upright(data: bytes) -> tuple[int, bytes]:
    """The orientation and a digest of the picture as the loader turns it upright (by the
    loader's own reading of the tag: a copy turned otherwise would print otherwise)."""
    image, turn = _opened_upright(data)
    digest = hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes())
    return turn, digest.digest()


def _opened_upright(data: bytes) -> tuple[Any, int]:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the loader has read this file: nothing to tell
        with Image.open(BytesIO(data)) as image:
            turn = orientation_of(image)
            image.load()
            return upright(image, turn), turn


def _exif_orientation(orientation: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()  # b"Exif\0\0" + a TIFF header and one entry


def _clean_jpeg(data: bytes, orientation: int) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("no JPEG start of image")
    kept = [b"\xff\xd8"]
    position = 2
    while True:
        if data[position] != 0xFF:
            raise ValueError("JPEG segment expected")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length, nothing to decode: drop
            position += 2
            continue
        if marker == 0xDA:  # start of scan: the rest is picture data up to the end of image
            end = data.index(b"\xff\xd9", position) + 2
            if orientation != 1:
                kept.insert(_after_jfif(kept), _segment(0xE1, _exif_orientation(orientation)))
            return b"".join(kept) + data[position:end]
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position:position + 2 + length]
        if len(segment) != 2 + length:
            raise ValueError("truncated JPEG segment")
        body = segment[4:]
        is_app = 0xE0 <= marker <= 0xEF
        if not is_app and marker != 0xFE:
            kept.append(segment)
        elif any(marker == m and body.startswith(sig) for m, sig in (_JFIF, _ICC, _ADOBE)):
            kept.append(segment)
        position += 2 + length


def _after_jfif(kept: list[bytes]) -> int:
    return 2 if len(kept) > 1 and kept[1][1] == 0xE0 else 1


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _clean_png(data: bytes, orientation: int) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("no PNG signature")
    kept = [_PNG_SIGNATURE]
    position = len(_PNG_SIGNATURE)
    orientation_written = orientation == 1
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position:position + 12 + length]
        if len(chunk) != 12 + length:
            raise ValueError("truncated PNG chunk")
        if kind == b"IDAT" and not orientation_written:
            kept.append(_chunk(b"eXIf", _exif_orientation(orientation)[6:]))
            orientation_written = True
        if kind in _PNG_KEEP:
            kept.append(chunk)
        position += 12 + length
        if kind == b"IEND":
            break
    return b"".join(kept)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _as_png(data: bytes) -> bytes:
    image, _ = _opened_upright(data)
    image = image.copy()
    image.info = {}
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
