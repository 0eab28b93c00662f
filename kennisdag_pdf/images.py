"""Checked image assets → the pixels one profile places: resampled, colour-converted, re-encoded.

Every image is re-encoded from its decoded pixels, so nothing of the original file (EXIF,
GPS position, thumbnails, colour profiles) reaches the PDF. Screen images are downsampled to
the profile's resolution at their placed size; print images are separated to CMYK through
the ICC output profile in assets/profiles/ (FOGRA39, maximum grey-component replacement,
made for this project) or one the user names; without a profile, by our own grey-component
replacement. A grey image, and the greys of flat artwork (a logo's black lettering), print
on the black plate alone (`separate`); a logo whose black the press would build from four
inks is pointed out, not changed (`four_ink_black`).
"""

from __future__ import annotations

import hashlib
import math
import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
from .loader import ImageAsset, LoadedEvent
from .sourcemap import short
from .profiles import Profile
from .resources import resource_dir
from .units import MB

if TYPE_CHECKING:  # the theme brings ReportLab's styles: only its users load it
    from .theme import Theme

POINTS_PER_INCH = 72


@dataclass(frozen=True)
class Placement:
    """One image as placed: its size on the page and what it costs in the file."""

    asset: ImageAsset
    width: float  # points
    height: float
    dpi: float  # effective resolution of the source pixels at this size (before resampling)
    data: bytes  # the encoded image handed to ReportLab (JPEG or PNG/TIFF)

    @property
    def reader(self):
        from reportlab.lib.utils import ImageReader

        return ImageReader(BytesIO(self.data))


@dataclass
class ImageShop:
    """Prepares each image once per size for one profile, and remembers every placement.

    An image placed more than once at the same size (a flowable that is wrapped again after a
    split, a build that renders twice) is prepared once: converting a large photo to CMYK
    costs more than laying out a page.
    """

    profile: Profile
    placements: dict[tuple, Placement] = field(default_factory=dict)

    def place(self, asset: ImageAsset, width: float, height: float, *,
              crop: bool = False) -> Placement:
        key = (asset.path, *_placed(width, height), crop)
        if key not in self.placements:
            self.placements[key] = _prepared(asset, key[1], key[2], crop, self.profile)
        return self.placements[key]


def _placed(width: float, height: float) -> tuple[float, float]:
    """A size as an image is prepared and judged at: a hundredth of a point is no
    difference on paper, and the same image is then prepared once."""
    return round(width, 2), round(height, 2)


# --- where each image goes, and at what size -----------------------------------------------------
# Every image's size follows from the theme's page geometry, before any layout: the parts place
# each image at these sizes, and `validate` judges its resolution at them without laying the
# brochure out.

def fitted(asset: ImageAsset, height: float, max_width: float) -> tuple[float, float]:
    """An image at a given height, never wider than max_width, in its own proportions."""
    scale = min(height / asset.height, max_width / asset.width)
    return asset.width * scale, asset.height * scale


def cover_size(theme: Theme) -> tuple[float, float]:
    """The cover picture, cropped to fill the page above the band, past the trim by the bleed."""
    _, _, width, height = theme.page.cover_image_box()
    return width, height


def logo_column(theme: Theme, organisers: int) -> float:
    """The width of a column of the organisers' grid at the foot of the cover."""
    return theme.page.text_width / min(theme.measure.organisers_per_row, organisers)


def logo_size(theme: Theme, asset: ImageAsset, organisers: int) -> tuple[float, float]:
    """An organiser's logo: every logo the same height (no organiser looks bigger), within
    its column of the grid."""
    measure = theme.measure
    return fitted(asset, measure.logo_height,
                  logo_column(theme, organisers) - measure.organiser_gap)


def photo_size(theme: Theme, asset: ImageAsset) -> tuple[float, float]:
    """A photo of the day: at most the text width, and low enough that photos_per_page of
    them fit a page with their captions, under the part's heading."""
    measure, caption = theme.measure, theme["caption"]
    slot = (theme.page.text_height - theme["part"].leading * 2) / measure.photos_per_page
    height = slot - caption.leading - caption.spaceAfter - measure.photo_caption_gap
    return fitted(asset, height, theme.page.text_width)


@dataclass(frozen=True)
class Planned:
    """An image at the size the brochure will place it, known before layout."""

    asset: ImageAsset
    width: float  # points, as ImageShop.place takes them
    height: float
    crop: bool = False

    @property
    def dpi(self) -> float:
        """As Placement.dpi: the source's pixels (all of them, however `validate` decoded
        them) in the part that is placed, at this size."""
        left, top, right, bottom = _placed_box((self.asset.width, self.asset.height),
                                               self.width, self.height, self.crop)
        return effective_dpi((right - left, bottom - top), self.width, self.height)


def planned_images(loaded: LoadedEvent, theme: Theme) -> list[Planned]:
    """Every image of the event at the size it will be placed, in the order the brochure
    places them: the cover picture, the organisers' logos, the photos."""
    day, images = loaded.day, loaded.images
    event = day.event
    planned = []

    def plan(asset: ImageAsset, size: tuple[float, float], crop: bool = False) -> None:
        planned.append(Planned(asset, *_placed(*size), crop))

    if event.cover_image:
        plan(images[event.cover_image], cover_size(theme), crop=True)
    for org in event.organisers:
        if org.logo:
            plan(images[org.logo], logo_size(theme, images[org.logo], len(event.organisers)))
    for photo in day.photos:
        plan(images[photo.image], photo_size(theme, images[photo.image]))
    return planned


# --- the cache of prepared images --------------------------------------------------------------
# Preparing the 2011 cover for the screen (Lanczos resampling of 4 megapixels, JPEG encoding)
# takes 60 ms, more than laying out its seventeen pages, and separating it for print twice that;
# an edit of the text changes none of it. So the encoded result is kept in the user's cache
# (cache.py), named by everything that shapes it: the image file's bytes, its placed size and
# crop, the profile's resolution and colour space, the CMYK output profile's bytes, Pillow's
# version and this module's own source.

CACHE_PREFIX = "image-"
CACHE_BYTES = 64 * MB  # the least recently used go beyond this


def _prepared(asset: ImageAsset, width: float, height: float, crop: bool,
              profile: Profile) -> Placement:
    if not asset.data:  # made in code, not read from a file: nothing to name it by
        return _prepare(asset, width, height, crop, profile)
    name = _cache_name(asset, width, height, crop, profile)
    data = cache.read(name)
    if data is not None:
        left, top, right, bottom = _placed_box(_source(asset, profile).size, width, height,
                                               crop)
        return Placement(asset, width, height,
                         effective_dpi((right - left, bottom - top), width, height), data)
    placed = _prepare(asset, width, height, crop, profile)
    cache.write(name, placed.data)
    cache.prune(CACHE_PREFIX, CACHE_BYTES)
    return placed


def _cache_name(asset: ImageAsset, width: float, height: float, crop: bool,
                profile: Profile) -> str:
    import PIL

    press = profile.colour_space == "cmyk"
    separation = _file_digest(cmyk_profile()) if press else None
    source = _source(asset, profile)  # its size too: `validate` decodes at an eighth
    digest = cache.key(_code_digest(), PIL.__version__, hashlib.sha256(asset.data).hexdigest(),
                       asset.format, source.size, source.mode, width, height, crop,
                       profile.colour_space, profile.image_dpi, profile.resample_above,
                       separation)
    return f"{CACHE_PREFIX}{digest}.bin"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    return _file_digest(Path(__file__))


def _file_digest(path: Path | None) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path else None
    except OSError:
        return "unreadable"  # _prepare reports it; nothing is cached under a name it shares


# A near-black pixel built from four inks: black at 90 % or more with cyan, magenta and
# yellow adding up to 30 % or more (a rich black). Lettering built so fringes in colour
# wherever the plates misregister. More than one pixel in a thousand is lettering, not the
# odd dark edge of a coloured shape.
RICH_BLACK_K = round(0.9 * 255)
RICH_BLACK_CMY = round(0.3 * 255)
RICH_BLACK_SHARE = 0.001


def four_ink_black(placed: Placement) -> bool:
    """Whether a placed CMYK image prints its black in four inks on more than a few pixels
    (the shop's own CMYK artwork too, which goes to press as it is)."""
    from PIL import Image, ImageMath

    with Image.open(BytesIO(placed.data)) as image:
        if image.mode != "CMYK":
            return False
        c, m, y, k = image.split()
        pixels = image.width * image.height
    rich = ImageMath.lambda_eval(
        lambda a: a["convert"]((a["k"] >= RICH_BLACK_K) & (a["c"] + a["m"] + a["y"] >=
                                                          RICH_BLACK_CMY), "L"),
        c=c, m=m, y=y, k=k)
    return rich.histogram()[1] > RICH_BLACK_SHARE * pixels


def effective_dpi(pixels: tuple[int, int], width: float, height: float) -> float:
    return min(pixels[0] / (width / POINTS_PER_INCH), pixels[1] / (height / POINTS_PER_INCH))


def _source(asset: ImageAsset, profile: Profile) -> Any:
    """The pixels a profile starts from: a CMYK original goes to press with its own
    separation."""
    press = profile.colour_space == "cmyk"
    return asset.cmyk if press and asset.cmyk is not None else asset.image


def _prepare(asset: ImageAsset, width: float, height: float, crop: bool,
             profile: Profile) -> Placement:
    from PIL import Image

    press = profile.colour_space == "cmyk"
    image = _source(asset, profile)
    if crop:
        image = image.crop(_placed_box(image.size, width, height, crop))
    dpi = effective_dpi(image.size, width, height)
    if dpi > profile.image_dpi * profile.resample_above:
        factor = profile.image_dpi / dpi
        # Round up: a resampled image must not fall just short of the resolution it targets.
        size = (math.ceil(image.width * factor), math.ceil(image.height * factor))
        image = image.resize(size, Image.Resampling.LANCZOS)
    if press and image.mode != "CMYK":
        image = separate(image, artwork=asset.format != "JPEG")
    return Placement(asset, width, height, dpi, _encode(image, photographic=asset.format == "JPEG"))


def _placed_box(pixels: tuple[int, int], width: float, height: float,
                crop: bool) -> tuple[int, int, int, int]:
    """The part of an image of so many pixels that is placed, as (left, top, right, bottom):
    all of it, or with crop the largest centred part in the proportions of width × height."""
    w, h = pixels
    if not crop:
        return (0, 0, w, h)
    ratio = width / height
    if w / h > ratio:
        new_w = max(1, round(h * ratio))
        left = (w - new_w) // 2
        return (left, 0, left + new_w, h)
    new_h = max(1, round(w / ratio))
    top = (h - new_h) // 2
    return (0, top, w, top + new_h)


def _encode(image: Any, *, photographic: bool) -> bytes:
    out = BytesIO()
    clean = image.copy()
    clean.info = {}  # no EXIF, GPS, comments or embedded profile from the source
    if photographic:
        clean.save(out, format="JPEG", quality=90 if image.mode == "CMYK" else 85,
                   optimize=True, subsampling="4:2:0" if image.mode == "RGB" else 0)
    elif image.mode == "CMYK":
        clean.save(out, format="TIFF", compression="tiff_deflate")  # lossless, flat artwork
    else:
        clean.save(out, format="PNG")
    return out.getvalue()


# --- colour ------------------------------------------------------------------------------------

CMYK_PROFILE_VARIABLE = "KENNISDAG_CMYK_PROFILE"
# Press profiles with large tables are a few MB; beyond this the variable names the wrong file.
MAX_ICC_BYTES = 16 * MB
_ICC_HEADER = 128


def cmyk_profile() -> Path | None:
    """The CMYK output profile to separate images with: a print shop's own, named in
    KENNISDAG_CMYK_PROFILE, or the one that ships in assets/profiles/ (see its README for how
    it was made and its licence)."""
    named = os.environ.get(CMYK_PROFILE_VARIABLE, "").strip()
    if named:
        return Path(named)
    folder = resource_dir("assets") / "profiles"
    found = sorted(folder.glob("*.icc")) if folder.is_dir() else []
    return found[0] if found else None


def check_cmyk_profile() -> None:
    """Refuse a KENNISDAG_CMYK_PROFILE that names no CMYK output profile, before anything is
    loaded: by its header alone, so that a device (/dev/zero) or a film is never read, and
    every build fails the same way whatever its profile. One line naming the variable."""
    named = os.environ.get(CMYK_PROFILE_VARIABLE, "").strip()
    if not named:
        return
    from .errors import BadInput

    def refuse(why: str) -> BadInput:
        return BadInput.single(CMYK_PROFILE_VARIABLE, f"'{named}' {why}; name a CMYK output "
                                                      f"profile (.icc) from the print shop, or "
                                                      f"unset the variable to use the built-in "
                                                      f"FOGRA39 profile")

    path = Path(named)
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise refuse("is a folder")
        if not stat.S_ISREG(st.st_mode):
            raise refuse("is not a regular file")
        if st.st_size > MAX_ICC_BYTES:
            raise refuse(f"is {st.st_size / MB:.0f} MB, too big for an ICC profile "
                         f"(limit {MAX_ICC_BYTES // 1024 // 1024} MB)")
        with path.open("rb") as file:
            header = file.read(_ICC_HEADER)
    except FileNotFoundError:
        raise refuse("does not exist") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({(exc.strerror or str(exc)).lower()})") from None
    if len(header) < _ICC_HEADER or header[36:40] != b"acsp":
        raise refuse("is not an ICC profile")
    space, device = header[16:20].decode("latin-1").strip(), header[12:16]
    if space != "CMYK" or device != b"prtr":
        kind = "an output" if device == b"prtr" else "a display" if device == b"mntr" else \
            "an input" if device == b"scnr" else "a"
        raise refuse(f"is {kind} profile for {space or 'no colour space'}, not a CMYK output "
                     f"profile")
    # The print file declares its printing condition (PDF/X-4's output intent): a shop's
    # profile is only of use with the condition it was made for and the ink it allows.
    print_condition()


# --- the printing condition ------------------------------------------------------------------

CONDITION_VARIABLE = "KENNISDAG_CMYK_CONDITION"
INK_LIMIT_VARIABLE = "KENNISDAG_CMYK_INK_LIMIT"
COLOR_ORG = "http://www.color.org"
# Characterisation data in the ICC's registry (www.color.org/registry): a RIP knows these by
# name, so an output intent names the registry with them. Any other identifier is the shop's
# own, and its embedded profile is all a RIP has to go by.
REGISTERED_CONDITIONS = frozenset({
    "FOGRA27", "FOGRA28", "FOGRA29", "FOGRA30", "FOGRA31", "FOGRA39", "FOGRA40", "FOGRA42",
    "FOGRA43", "FOGRA44", "FOGRA45", "FOGRA46", "FOGRA47", "FOGRA51", "FOGRA52", "FOGRA53",
    "FOGRA54", "FOGRA55", "CGATS TR 001", "CGATS TR 002", "CGATS TR 003", "CGATS TR 005",
    "CGATS TR 006", "CGATS21-2-CRPC1", "CGATS21-2-CRPC2", "CGATS21-2-CRPC3",
    "CGATS21-2-CRPC4", "CGATS21-2-CRPC5", "CGATS21-2-CRPC6", "CGATS21-2-CRPC7",
    "IFRA26", "IFRA30", "JC200103", "JCN2002", "JCW2003", "JCS2011"})
# The shipped profile (assets/profiles/README.md): FOGRA39, built with a 300 % ink limit.
SHIPPED_CONDITION = "FOGRA39"
SHIPPED_DESCRIPTION = "Offset printing on coated paper (paper type 1/2), ISO 12647-2:2004/Amd 1"
SHIPPED_INK_LIMIT = 300
# Total area coverage a press can carry: newsprint about 240 %, sheet-fed offset 300–340 %;
# a number outside these bounds is a typing mistake, not a press.
INK_LIMITS = (150, 400)
MAX_CONDITION_CHARS = 100


@dataclass(frozen=True)
class PrintCondition:
    """What the print file declares it is made for: the output profile images were separated
    with, the condition it characterises, and the most ink the press takes."""

    profile: Path
    identifier: str  # OutputConditionIdentifier: FOGRA39, or the shop's own name
    description: str  # OutputCondition, in words
    ink_limit: int  # total area coverage, percent

    @property
    def registry(self) -> str | None:
        """The RegistryName an output intent gives a registered condition (None: the shop's own)."""
        return COLOR_ORG if self.identifier in REGISTERED_CONDITIONS else None


def print_condition() -> PrintCondition | None:
    """The printing condition of the print file: the shipped FOGRA39 profile's, or for a shop's
    profile (KENNISDAG_CMYK_PROFILE) the one KENNISDAG_CMYK_CONDITION and
    KENNISDAG_CMYK_INK_LIMIT name. A shop's profile without both is refused (BadInput, one line
    naming the variable). None when no profile is there at all (a broken installation)."""
    from .errors import BadInput

    named = os.environ.get(CMYK_PROFILE_VARIABLE, "").strip()
    path = cmyk_profile()
    if path is None:
        return None
    if not named:
        return PrintCondition(path, SHIPPED_CONDITION, SHIPPED_DESCRIPTION, SHIPPED_INK_LIMIT)
    identifier = os.environ.get(CONDITION_VARIABLE, "").strip()
    limit = os.environ.get(INK_LIMIT_VARIABLE, "").strip()
    shop = ascii(path.name)  # ascii(): a line break or a control character is shown, not obeyed
    if not identifier:
        raise BadInput.single(CONDITION_VARIABLE, f"is not set: the print shop's profile {shop} "
                                                  f"needs the printing condition it was made "
                                                  f"for (such as FOGRA39 or FOGRA51; ask the "
                                                  f"shop)")
    if len(identifier) > MAX_CONDITION_CHARS or not identifier.isascii() or \
            not identifier.isprintable():
        raise BadInput.single(CONDITION_VARIABLE, f"{ascii(short(identifier))} is not a "
                                                  f"printing condition's name (plain letters, "
                                                  f"digits and spaces, at most "
                                                  f"{MAX_CONDITION_CHARS})")
    if not limit:
        raise BadInput.single(INK_LIMIT_VARIABLE, f"is not set: the print shop's profile {shop} "
                                                  f"needs the total ink its press takes, in "
                                                  f"percent (such as 300; ask the shop)")
    low, high = INK_LIMITS
    if not (limit.isascii() and limit.isdigit() and len(limit) <= 3
            and low <= int(limit) <= high):
        raise BadInput.single(INK_LIMIT_VARIABLE, f"{ascii(short(limit))} is not a total ink "
                                                  f"limit: a whole percentage from {low} to "
                                                  f"{high}, such as 300")
    described = f"{identifier} (the print shop's profile {path.name})"
    return PrintCondition(path, identifier, described, int(limit))


@lru_cache(maxsize=2)
def _icc_transform(path: Path | None):
    if path is None:
        return None
    from PIL import ImageCms

    from .errors import SetupError

    # The shipped profile has no variable to name; a named one is called by it.
    where = (f"{CMYK_PROFILE_VARIABLE}: '{path}'"
             if os.environ.get(CMYK_PROFILE_VARIABLE, "").strip() else str(path))
    try:
        output = ImageCms.getOpenProfile(str(path))
    except (OSError, ImageCms.PyCMSError) as exc:
        raise SetupError(f"{where}: not a usable ICC profile ({exc})") from None
    if output.profile.xcolor_space.strip() != "CMYK":
        raise SetupError(f"{where}: is a profile for {output.profile.xcolor_space.strip()}; "
                         f"print needs a CMYK output profile")
    try:
        return _build_separation(output)
    except (OSError, ImageCms.PyCMSError) as exc:
        raise SetupError(f"{where}: not a usable ICC profile ({exc})") from None


def _build_separation(output: Any) -> Any:
    from PIL import ImageCms

    # Relative colorimetric with black-point compensation: what press profiles are made for.
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), output, "RGB", "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)


def to_cmyk(image: Any, *, icc: bool = True) -> Any:
    """RGB pixels → CMYK for the press; never Pillow's naive convert('CMYK'), which prints
    black as three colour inks and no black."""
    transform = _icc_transform(cmyk_profile()) if icc else None
    if transform is not None:
        from PIL import ImageCms

        return ImageCms.applyTransform(image, transform)
    return gcr_cmyk(image)


def separate(image: Any, *, artwork: bool) -> Any:
    """RGB pixels → CMYK for the press, with greys on black alone where that cannot show:
    every pixel of a grey image (R = G = B throughout), and the greys of flat artwork (a PNG:
    a logo's black lettering and its soft edges). A profile builds even a neutral grey with
    a little cyan and magenta, and its black with all four inks, which misregister as
    coloured fringes on small type. A colour photograph keeps the profile's separation: one
    grey pixel on black alone among neighbours in four inks would show as a speck.

    The black a grey gets is the profile's own black for it (its colour inks dropped), so
    a grey keeps its tone beside the colours separated around it."""
    from PIL import Image, ImageChops

    rgb = image.convert("RGB")
    cmyk = to_cmyk(rgb)
    r, g, b = rgb.split()
    spread = ImageChops.lighter(ImageChops.difference(r, g), ImageChops.difference(g, b))
    grey = spread.point(lambda value: 255 if value == 0 else 0)
    low, high = grey.getextrema()
    if high == 0 or (not artwork and low == 0):
        return cmyk
    none = Image.new("L", rgb.size, 0)
    black = r.point(_black_of_grey(cmyk_profile()))
    return Image.composite(Image.merge("CMYK", (none, none, none, black)), cmyk, grey)


@lru_cache(maxsize=2)
def _black_of_grey(path: Path | None) -> list[int]:
    """For each grey level 0–255, the black the output profile (path, the cache's key: a
    shop's profile has blacks of its own) separates it with."""
    from PIL import Image

    ramp = Image.new("RGB", (256, 1))
    ramp.putdata([(level, level, level) for level in range(256)])
    return list(to_cmyk(ramp).getchannel("K").tobytes())


def gcr_cmyk(image: Any) -> Any:
    """Full grey-component replacement: the grey shared by the three inks moves to black.

    K = 1 − max(R, G, B); C = (max − R) / max and likewise for M and Y. A neutral pixel
    (R = G = B) therefore has no cyan, magenta or yellow at all, and black is K alone.
    """
    from PIL import Image, ImageChops, ImageMath

    r, g, b = image.convert("RGB").split()
    top = ImageChops.lighter(ImageChops.lighter(r, g), b)  # max(R, G, B)

    def ink(channel):
        return ImageMath.lambda_eval(
            lambda a: a["convert"]((a["m"] - a["c"]) * 255 / a["max"](a["m"], 1), "L"),
            m=top, c=channel)

    black = ImageChops.invert(top)
    return Image.merge("CMYK", (ink(r), ink(g), ink(b), black))
