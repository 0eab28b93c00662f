"""Checks of a loaded event that need the brochure's fonts but no layout, and the warnings
about what the data leaves unsaid; what a profile refuses or warns about in the images at the
size they will be placed, which `validate` knows before any layout and `render` judges again
on what it placed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel

from . import fonts
from .errors import BadInput, Problem
from .loader import LoadedEvent
from .model import SourcePath, alt_texts
from .units import to_mm

if TYPE_CHECKING:
    from .images import Placement, Planned
    from .profiles import Profile
    from .theme import Theme

# Descriptions of images are never drawn, only read aloud: any character will do there.
_NOT_DRAWN = frozenset({"logo_alt", "cover_image_alt", "alt"})


def _strings(value: object, path: SourcePath = ()):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in _NOT_DRAWN:
                yield from _strings(getattr(value, name), path + (name,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def check_glyphs(loaded: LoadedEvent) -> None:
    """Every character must be in the fonts: ReportLab would silently draw an empty box."""
    problems = []
    for path, value in _strings(loaded.day):
        ch = fonts.missing_glyph(value)
        if ch is not None:
            problems.append(loaded.source_map.problem(
                path, f"character '{ch}' (U+{ord(ch):04X}) is not in the brochure's fonts "
                      f"({fonts.SERIF.display}, {fonts.SANS.display})"))
    if problems:
        raise BadInput(problems)


# Where the description of each kind of image goes, as the message tells the organiser.
_ADD = {"cover_image": "add cover_image_alt: with a sentence saying what it shows",
        "image": "add alt: (or a caption:) with a sentence saying what it shows"}


def alt_warnings(loaded: LoadedEvent) -> tuple[Problem, ...]:
    """A warning at each image that readers who cannot see it would learn nothing about: a
    cover picture without cover_image_alt, a photo with neither alt nor caption. The brochure
    is still made; the image is simply not described."""
    return tuple(
        loaded.source_map.problem(
            field, f"warning: '{image}' has no description for readers who cannot see it: "
                   f"{_ADD[str(field[-1])]}")
        for field, image, alt in alt_texts(loaded.day) if alt is None)


def resolution_problems(loaded: LoadedEvent, placed: Iterable[Placement | Planned],
                        profile: Profile) -> tuple[list[Problem], list[Problem]]:
    """Print needs about 300 pixels per inch at the size an image is placed; below half of
    that it shows as blocks, so a build refuses it. The errors and the warnings, each file
    judged where it is placed coarsest."""
    if not profile.warn_dpi:
        return [], []
    worst: dict[str, Placement | Planned] = {}
    for image in placed:
        rel = image.asset.rel
        if rel not in worst or image.dpi < worst[rel].dpi:
            worst[rel] = image
    errors, warnings = [], []
    for rel, image in worst.items():
        field = image.asset.fields[0]
        size = f"{to_mm(image.width):.0f} × {to_mm(image.height):.0f} mm"
        if profile.min_dpi and image.dpi < profile.min_dpi:
            errors.append(loaded.source_map.problem(
                field, f"'{rel}' has {image.dpi:.0f} dpi at its printed size ({size}); "
                       f"print needs at least {profile.min_dpi:.0f} dpi "
                       f"({profile.warn_dpi:.0f} recommended): use a larger image"))
        elif image.dpi < profile.warn_dpi:
            warnings.append(loaded.source_map.problem(
                field, f"warning: '{rel}' has {image.dpi:.0f} dpi at its printed size "
                       f"({size}); {profile.warn_dpi:.0f} dpi is recommended for print"))
    return errors, warnings


def resolution_warnings(loaded: LoadedEvent, placed: Iterable[Placement | Planned],
                        profile: Profile) -> tuple[Problem, ...]:
    """The images' resolution as placed (resolution_problems): any error refuses the build,
    with the warnings beside it so that the user fixes every image in one go; else the
    warnings."""
    errors, warnings = resolution_problems(loaded, placed, profile)
    if errors:
        raise BadInput(errors + warnings)
    return tuple(warnings)


def _logo_fields(placed: Placement | Planned) -> list[SourcePath]:
    return [field for field in placed.asset.fields if field[-1] == "logo"]


def logo_black_warnings(loaded: LoadedEvent, placements: Iterable[Placement],
                        profile: Profile) -> tuple[Problem, ...]:
    """A logo is the organiser's own artwork: the brochure prints it as given, and says so
    when its black is built from four inks (it fringes in colour on small lettering)."""
    if profile.colour_space != "cmyk":
        return ()
    from .images import four_ink_black

    warnings, seen = [], set()
    for placed in placements:
        logos = _logo_fields(placed)
        if not logos or placed.asset.rel in seen:
            continue
        seen.add(placed.asset.rel)
        if four_ink_black(placed):
            warnings.append(loaded.source_map.problem(
                logos[0], f"warning: '{placed.asset.rel}' prints its black in four inks; ask "
                          f"the designer for a logo with pure black (K only)"))
    return tuple(warnings)


def profile_theme(hyphenation: str, profile: Profile, page_size: str) -> Theme:
    """The theme a profile's brochure is set in: its colour space and bleed, on this page."""
    from .theme import theme_for

    return theme_for(hyphenation, page_size, colour_space=profile.colour_space,
                     bleed=profile.bleed)


def before_layout(loaded: LoadedEvent, profile: Profile, page_size: str) -> tuple[Problem, ...]:
    """Everything a build of this profile and page size would refuse (raised as BadInput) or
    warn about (returned, in the file's order) that is known before its layout: characters
    the fonts lack, images too coarse at the size they will be placed, logos in four-ink
    black, images nobody describes. The page geometry, and with it ReportLab's styles, is
    loaded only for an event with images and a profile that judges them at their size."""
    from .i18n import language

    check_glyphs(loaded)
    found: list[Problem] = []
    if loaded.images and (profile.warn_dpi or profile.colour_space == "cmyk"):
        from .images import ImageShop, planned_images

        theme = profile_theme(language(loaded.day.event.language).hyphenation, profile,
                              page_size)
        planned = planned_images(loaded, theme)
        found += resolution_warnings(loaded, planned, profile)
        # A logo is judged as the press gets it: prepared as the build prepares it (and so
        # kept in the cache for the build).
        shop = ImageShop(profile)
        found += logo_black_warnings(
            loaded, (shop.place(image.asset, image.width, image.height, crop=image.crop)
                     for image in planned if _logo_fields(image)), profile)
    return tuple(sorted((*alt_warnings(loaded), *found)))
