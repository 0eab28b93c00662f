"""Makes the 2011 event's artwork: two organiser placeholders and the cover picture.

Run once (`.venv/bin/python data/assets/make_2011_artwork.py`); the output is committed beside
it. The organisers are real companies, so their logos are not imitated: each placeholder is
the organiser's name set in type, in grey, inside a thin frame, and says what it is. Replace
them with the organisers' own artwork when they provide it. The cover picture is abstract
(conversation bubbles linked as a network) and drawn here from a fixed seed, so it is the
same on every run.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
FONTS = HERE.parent.parent / "fonts"

# The placeholders' greys are neutral (R = G = B): print separates a grey image on the black
# plate alone (kennisdag_pdf.images.separate), so the lettering has no colour fringes.
GREY = (60, 60, 60)
RULE = (170, 170, 170)
PETROL = (29, 81, 104)
PETROL_DARK = (17, 52, 68)
MIST = (231, 238, 241)
WARM = (222, 146, 84)


def placeholder(name: str, lines: list[str], path: Path) -> None:
    """The name in Open Sans Semibold, in a thin frame: a stand-in, not a logo."""
    height = 300  # 40 pt high on the cover: well over 450 dpi
    font = ImageFont.truetype(str(FONTS / "OpenSans-Semibold.ttf"), 86 if len(lines) > 1 else 104)
    note = ImageFont.truetype(str(FONTS / "OpenSans-Regular.ttf"), 30)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [measure.textlength(line, font=font) for line in lines]
    width = int(max(widths) + 2 * 60)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((3, 3, width - 4, height - 4), outline=RULE, width=4)
    line_height = font.size * 1.12
    top = (height - 44 - line_height * len(lines)) / 2
    for i, line in enumerate(lines):
        draw.text((60, top + i * line_height), line, font=font, fill=GREY)
    draw.text((60, height - 62), "logo volgt", font=note, fill=RULE)
    image.save(path, optimize=True)
    print(f"{path.name}: {image.width} × {image.height}")


def cover(path: Path) -> None:
    """Speech bubbles of many sizes, linked into a network, on a petrol-to-mist field."""
    w, h = 2600, 1604  # 300 dpi across an A4 cover with bleed (216 mm), more on A5
    rng = random.Random(2011_04_07)
    image = Image.new("RGB", (w, h))
    pixels = image.load()
    for y in range(h):  # a diagonal field from deep petrol to a misty light
        for x in range(0, w, 4):
            t = min(1.0, max(0.0, 0.25 + 0.55 * (x / w) - 0.35 * (y / h)))
            colour = tuple(round(a + (b - a) * t) for a, b in zip(PETROL_DARK, PETROL))
            for dx in range(4):
                pixels[x + dx, y] = colour
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    nodes = []
    for _ in range(42):
        nodes.append((rng.uniform(40, w - 40), rng.uniform(40, h - 40), rng.uniform(8, 48)))
    for i, (x, y, r) in enumerate(nodes):  # each node talks to its nearest neighbours
        nearest = sorted(nodes, key=lambda n: (n[0] - x) ** 2 + (n[1] - y) ** 2)[1:3]
        for nx, ny, _ in nearest:
            draw.line((x, y, nx, ny), fill=MIST + (70,), width=3)
    for i, (x, y, r) in enumerate(nodes):
        warm = i % 7 == 3 and r < 30  # a few warm voices in the conversation
        fill = (WARM + (235,)) if warm else (MIST + (rng.choice([60, 110, 200]),))
        bubble(draw, x, y, r * (1.7 if r > 40 else 1.0), fill, rng)
    layer = layer.filter(ImageFilter.GaussianBlur(0.8))
    image.paste(layer, (0, 0), layer)
    image.save(path, quality=90, optimize=True, progressive=False)
    print(f"{path.name}: {image.width} × {image.height}, {path.stat().st_size // 1024} kB")


def bubble(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, fill, rng) -> None:
    """A rounded speech bubble with a small tail, tilted left or right."""
    wide = r * 1.45
    draw.rounded_rectangle((x - wide, y - r, x + wide, y + r), radius=r * 0.7, fill=fill)
    side = rng.choice([-1, 1])
    tail = [(x + side * wide * 0.35, y + r * 0.8), (x + side * wide * 0.75, y + r * 1.55),
            (x + side * wide * 0.05, y + r * 0.9)]
    draw.polygon(tail, fill=fill)


if __name__ == "__main__":
    placeholder("Mediaan Automatisering", ["Mediaan", "Automatisering"],
                HERE / "mediaan-automatisering-placeholder.png")
    placeholder("ICTloket.nl", ["ICTloket.nl"], HERE / "ictloket-placeholder.png")
    cover(HERE / "kennisdag-2011-cover.jpg")
    assert math.isclose(2600 / 1604, 1.62, abs_tol=0.01)
