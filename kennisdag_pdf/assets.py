"""The images an event names: found beside the event file, checked and decoded once each.

Paths are confined to the event's folder and made canonical (every spelling of one file is one
name); files are sniffed so that a HEIC photo or a PDF logo is named as what it is; Pillow
opens PNG and JPEG only, within a pixel limit, and the picture is set upright and flattened
onto white.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import BadInput
from .model import KnowledgeDay, SourcePath
from .sourcemap import SourceMap
from .units import MB

MAX_ASSET_BYTES = 30 * MB
MAX_IMAGE_PIXELS = 40_000_000  # an A3 page at 300 dpi is about 17 Mpx


class AssetProblem(Exception):
    """What is wrong with one image file; the caller knows which field named it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageAsset:
    """An image the event uses, decoded and checked; `image` is the RGB pixels to place."""

    path: Path
    width: int
    height: int
    image: Any  # PIL.Image.Image, flattened onto white, EXIF orientation applied
    format: str = "PNG"  # of the source file: photographs (JPEG) stay JPEG in the PDF
    rel: str = ""  # the path as written in the YAML file
    fields: tuple[SourcePath, ...] = ()  # every field that names this file
    cmyk: Any = None  # the source's own CMYK pixels, when it has them (kept for print)
    data: bytes = field(default=b"", repr=False)  # the file as read, for the archive's copy


def _image_fields(day: KnowledgeDay) -> list[tuple[SourcePath, str]]:
    fields: list[tuple[SourcePath, str]] = [
        (("event", "organisers", i, "logo"), org.logo)
        for i, org in enumerate(day.event.organisers) if org.logo]
    if day.event.cover_image:
        fields.append((("event", "cover_image"), day.event.cover_image))
    fields += [(("photos", i, "image"), photo.image) for i, photo in enumerate(day.photos)]
    return fields


def load_images(day: KnowledgeDay, folder: Path, source_map: SourceMap,
                full: bool = True) -> tuple[KnowledgeDay, dict[str, ImageAsset]]:
    """The images the event names, each decoded once, keyed by its canonical path; and the
    event with every image field rewritten to that path.

    Canonical: the file's real path relative to the event's folder, '/'-separated, so that
    './assets/logo.png', 'assets//logo.png', 'assets/../assets/logo.png', 'assets/logo.png/'
    and a link to it are one file, decoded once, and every later step (the layout, the
    published source an archive embeds, extract) sees a plain relative name."""
    fields = _image_fields(day)
    if not fields:
        return day, {}
    images: dict[str, ImageAsset] = {}
    unusable: dict[str, str] = {}  # canonical name → what is wrong: a bad file is read once too
    canonical: dict[SourcePath, str] = {}
    problems = []
    for path, rel in fields:
        try:
            resolved, name = resolve_asset(folder, rel)
            if name in unusable:
                raise AssetProblem(unusable[name])
            if name not in images:
                try:
                    images[name] = replace(_load_image(resolved, rel, full), rel=name,
                                           fields=())
                except AssetProblem as exc:
                    unusable[name] = exc.message
                    raise
            images[name] = replace(images[name], fields=images[name].fields + (path,))
            canonical[path] = name
        except AssetProblem as exc:
            problems.append(source_map.problem(path, exc.message))
    if problems:
        raise BadInput(problems)
    for path, name in canonical.items():
        day = _replaced(day, path, name)
    return day, images


def _replaced(value: Any, path: SourcePath, new: Any) -> Any:
    """value with the field at path set to new (the models are frozen)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(value)
        items[head] = _replaced(items[head], rest, new)
        return items
    return value.model_copy(update={head: _replaced(getattr(value, head), rest, new)})


def resolve_asset(folder: Path, rel: str) -> tuple[Path, str]:
    """A data file's real path, confined to the data file's folder (symlinks resolved first),
    and its canonical name: that path relative to the folder, '/'-separated."""
    if "\\" in rel:
        # On Linux and macOS a backslash is part of a file name, not a separator: the same
        # file would be found on Windows only, and the archive's copy could not hold it.
        raise AssetProblem(f"'{rel}' holds a backslash (\\); separate folders with /, as in "
                           f"'{rel.replace(chr(92), '/')}'")
    root = folder.resolve()
    parts = PurePosixPath(rel).parts
    resolved = _find(root, parts, rel)
    if not resolved.is_relative_to(root):
        raise AssetProblem(f"'{rel}' leaves the folder of the YAML file; keep images "
                           f"beside it, e.g. in assets/")
    st = resolved.stat()
    if not stat.S_ISREG(st.st_mode):
        raise AssetProblem(f"'{rel}' is not a regular file")
    if st.st_size > MAX_ASSET_BYTES:
        raise AssetProblem(f"'{rel}' is {st.st_size // MB} MB; "
                           f"the limit is {MAX_ASSET_BYTES // MB} MB")
    name = resolved.relative_to(root).as_posix()
    if "\\" in name or not name.isprintable():  # reached through a link: the real file's name
        raise AssetProblem(f"'{rel}' is the file {name!r}, whose name holds a backslash or "
                           f"an invisible character; rename that file")
    return resolved, name


def _find(root: Path, parts: tuple[str, ...], rel: str) -> Path:
    """The real path of root/parts. A name that differs only in its Unicode form is the same
    name: macOS stores é as e and a combining accent, most editors type it as one character,
    and a folder copied from a Mac keeps macOS's form."""
    try:
        return _real(root.joinpath(*parts), rel)
    except FileNotFoundError:
        pass
    twin = _same_name_in_another_form(root, parts)
    if twin is not None:
        try:
            return _real(twin, rel)
        except FileNotFoundError:
            pass
    raise AssetProblem(_not_found(root, parts, rel))


def _real(path: Path, rel: str) -> Path:
    """path with every symlink resolved; FileNotFoundError when it does not exist."""
    try:
        return path.resolve(strict=True)
    except FileNotFoundError:
        raise
    except RuntimeError:  # a symlink loop, as Python before 3.13 reports it
        raise AssetProblem(f"cannot open {rel}: {os.strerror(errno.ELOOP).lower()}") from None
    except OSError as exc:
        raise AssetProblem(f"cannot open {rel}: {exc.strerror.lower()}") from None


def _same_name_in_another_form(root: Path, parts: tuple[str, ...]) -> Path | None:
    """root/parts with each missing name replaced by the one entry of its folder that is the
    same text in Unicode's composed form (NFC); None when there is none, or more than one."""
    here, changed = root, False
    for part in parts:
        if os.path.lexists(here / part):
            here = here / part
            continue
        want = unicodedata.normalize("NFC", part)
        try:
            twins = [entry for entry in here.iterdir()
                     if unicodedata.normalize("NFC", entry.name) == want]
        except OSError:
            return None
        if len(twins) != 1:
            return None
        here, changed = twins[0], True
    return here if changed else None


def _not_found(root: Path, parts: tuple[str, ...], rel: str) -> str:
    link = _dangling_link(root, parts)
    if link:
        return f"'{link[0]}' is a link to '{link[1]}', which does not exist"
    return f"file not found: {rel}{_suggest(root, rel)}"


def _dangling_link(root: Path, parts: tuple[str, ...]) -> tuple[str, str] | None:
    """(name, target) of the first link on the way whose target is missing: a folder listing
    shows such a file, so "file not found" alone would puzzle."""
    here = root
    for depth, part in enumerate(parts, 1):
        here = here / part
        if here.is_symlink() and not here.exists():
            return "/".join(parts[:depth]), os.readlink(here)
        if not os.path.lexists(here):
            return None
    return None


ASSETS_FOLDER = "assets"  # where `new` puts an event's images


def _suggest(root: Path, rel: str) -> str:
    """Find 'assets/Logo.PNG' for 'assets/logo.png': names differ in case across systems;
    and 'assets/zaal.jpg' for 'zaal.jpg': `new` puts images in assets/, and a name typed
    without the folder is the likeliest slip."""
    tries = [rel]
    if not rel.startswith(("assets/", "./assets/")):
        tries.append(f"{ASSETS_FOLDER}/{rel.removeprefix('./')}")
    for candidate in tries:
        want = unicodedata.normalize("NFC", candidate.replace("\\", "/")).casefold()
        parent = (root / candidate).parent
        try:
            for entry in parent.iterdir():
                got = entry.relative_to(root).as_posix()
                if got != rel and unicodedata.normalize("NFC", got).casefold() == want \
                        and entry.is_file():
                    return f" (did you mean {got}?)"
        except (OSError, ValueError):
            pass
    return ""


_SNIFF = [(b"%PDF", "a PDF"), (b"<svg", "an SVG drawing"), (b"<?xml", "an SVG/XML file"),
          (b"%!PS", "a PostScript file"), (b"\xc5\xd0\xd3\xc6", "a PostScript file"),  # DOS EPS
          (b"GIF8", "a GIF"), (b"RIFF", "a WebP"), (b"II*\x00", "a TIFF"), (b"MM\x00*", "a TIFF")]
# Brands of an ISO media file's 'ftyp' box: AVIF files list HEIF's mif1 too, so AVIF goes first.
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# A BMP's second header starts with its own size; these are the sizes its versions have.
_BMP_INFO_SIZES = {12, 40, 52, 56, 64, 108, 124}
# EXIF orientation → the turn that sets the picture upright (as ImageOps.exif_transpose).
UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
            6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def _load_image(path: Path, rel: str, full: bool = True) -> ImageAsset:
    """The image file at path (resolved and checked), named rel in messages."""
    from PIL import Image

    data = path.read_bytes()  # read once: the pixels and an archive's copy come from these bytes
    if not data:
        raise AssetProblem(f"'{rel}' is an empty file")
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    errors = (OSError, SyntaxError, MemoryError, ValueError, NotImplementedError,
              OverflowError, Image.DecompressionBombError, Image.DecompressionBombWarning)
    try:
        with warnings.catch_warnings():
            # Pillow warns about what it skips or repairs in a file: that is never the user's
            # business on the terminal. A decompression bomb, though, is refused.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the two formats a brochure needs: Pillow would run Ghostscript for EPS.
            with Image.open(BytesIO(data), formats=["PNG", "JPEG"]) as im:
                if getattr(im, "is_animated", False):
                    raise AssetProblem(f"'{rel}' is animated; use a still PNG or JPEG")
                turn = orientation(im)
                width, height = im.size
                if not full and im.format == "JPEG":
                    # The whole scan is still read (a truncated file still fails), but the
                    # DCT is scaled: eight times faster for a photograph.
                    im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
                im.load()
                kind = im.format
                im = upright(im, turn)
                rgb = _flatten(im)
                # A print shop's CMYK picture goes to press with its own separation.
                press = im.copy() if im.mode == "CMYK" else None
    except AssetProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AssetProblem(f"'{rel}' has too many pixels; the limit is "
                           f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels") from None
    except errors as exc:
        what = _what_it_is(data[:64])
        if what:
            raise AssetProblem(f"'{rel}' is {what}") from None
        if isinstance(exc, OSError) and "truncated" in str(exc):
            raise AssetProblem(f"'{rel}' is truncated (the file is incomplete)") from None
        raise AssetProblem(f"'{rel}' is not a readable PNG or JPEG image") from None
    if turn >= 5:  # turned a quarter: the picture is as wide as the file is high
        width, height = height, width
    return ImageAsset(path, width, height, rgb, format=kind or "PNG", cmyk=press, data=data)


def orientation(im: Any) -> int:
    """The EXIF orientation, 1 to 8; 1 (upright as stored) when there is none or it cannot be
    read. A broken tag elsewhere in the block (a camera's maker note pointing past the end,
    say) does not make the orientation untrue: Pillow skips what it cannot read, and a photo
    turned by its tag must look the same in every product. The loader and the archive's
    published copy both ask here, so the screen, print and archive PDFs agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complaints about other tags are not the user's
        try:
            value = im.getexif().get(0x0112, 1)  # which also knows XMP's orientation
        except Exception:  # whatever breaks in the metadata, the pixels still stand
            return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def upright(im: Any, turn: int) -> Any:
    """The picture turned as its orientation says."""
    from PIL import Image

    return im.transpose(Image.Transpose[UPRIGHT[turn]]) if turn in UPRIGHT else im


def _what_it_is(head: bytes) -> str | None:
    """What a file that opens as neither PNG nor JPEG is, by its first bytes: the end of the
    message "'assets/logo.png' is …"; None when they do not say."""
    brands = _ftyp_brands(head)
    if brands & _AVIF_BRANDS:
        return "an AVIF image, not a PNG or JPEG image; export it as JPEG"
    if brands & _HEIC_BRANDS:
        return ("a HEIC photo (as iPhones save them), not a PNG or JPEG image; "
                "export it as JPEG")
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_INFO_SIZES:
        return "a BMP, not a PNG or JPEG image"
    kind = next((label for magic, label in _SNIFF if head.lstrip().startswith(magic)), None)
    return f"{kind}, not a PNG or JPEG image" if kind else None


def _ftyp_brands(head: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO media file (HEIC, AVIF), as far as head
    holds them; empty for any other file."""
    if head[4:8] != b"ftyp":
        return set()
    end = min(int.from_bytes(head[:4], "big"), len(head))
    return {head[8:12]} | {head[i:i + 4] for i in range(16, end - 3, 4)}


def _flatten(im: Any) -> Any:
    from PIL import Image

    if im.mode.startswith("I"):  # a 16-bit greyscale PNG: 'I;16' (or 'I')
        im = _grey_8bit(im)
    if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        white = Image.new("RGB", im.size, (255, 255, 255))
        white.paste(im, mask=im.getchannel("A"))
        return white
    if im.mode == "CMYK":
        # For the screen only: print places the CMYK pixels as they are (ImageAsset.cmyk).
        return im.convert("RGB")
    return im.convert("RGB") if im.mode != "RGB" else im


def _grey_8bit(im: Any) -> Any:
    """16-bit grey scaled to 8 bits ('L', or 'LA' when a grey value is transparent): Pillow's
    convert('L') clips instead, so everything above 255 of 65,535 (0.4 %) would be white."""
    from PIL import Image, ImageMath

    wide = im.convert("I")
    grey = wide.point(lambda value: value / 257 + 0.5).convert("L")  # rounded, not cut
    key = im.info.get("transparency")
    if not isinstance(key, int):
        return grey
    # The transparent grey is compared at full depth: at 8 bits, 256 greys would match it.
    alpha = ImageMath.lambda_eval(lambda a: a["convert"]((a["x"] != key) * 255, "L"), x=wide)
    return Image.merge("LA", (grey, alpha))
