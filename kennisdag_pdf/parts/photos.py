"""Photo pages: the photos of the day, each at the text width with its caption beneath."""

from __future__ import annotations

from reportlab.platypus import KeepTogether

from ..images import photo_size
from ..loader import LoadedEvent
from ..model import photo_alt_text
from .base import Context, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    photos = loaded.day.photos
    if not photos:
        return []
    theme, measure = ctx.theme, ctx.theme.measure
    section = ctx.section()
    story: list = [part_heading(ctx, ctx.lang["photos"], "photo-pages", section)]
    for photo in photos:
        asset = loaded.images[photo.image]
        # Without a description a photo is decoration to a reader (validate warns of it).
        alt = photo_alt_text(photo)
        figure = section.add("Figure", alt=alt) if alt else None
        # photos_per_page of them with their captions fit a page (images.photo_size: the
        # size validate judges it at, without a layout)
        width, height = photo_size(theme, asset)
        block = [ctx.image(asset, width=width, height=height, element=figure)]
        block[0].spaceAfter = measure.photo_caption_gap
        if photo.caption:
            block.append(ctx.plain(photo.caption, "caption", section.add("Caption")))
        story.append(KeepTogether(block))
    return story
