"""Makes the two illustrations on the photo page of the invented English example event, and
gives the Open Shelf logo a neutral black.

Deterministic (fixed seed); run once, the output is committed beside this script:
`.venv/bin/python data/assets/make_example_artwork.py`. The illustrations stand in for
photographs of the day so that the example exercises photo pages, resampling for the screen
and CMYK for print.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent


def shelves(path: Path, seed: int, tint: tuple[int, int, int]) -> None:
    """Rows of coloured book spines on shelves, softly lit: an open library in the abstract."""
    rng = random.Random(seed)
    w, h = 1800, 1200
    image = Image.new("RGB", (w, h), (236, 232, 224))
    draw = ImageDraw.Draw(image)
    shelf_height = h // 5
    for row in range(5):
        top = row * shelf_height
        x = 30
        while x < w - 30:
            spine = rng.randint(18, 54)
            height = rng.randint(int(shelf_height * 0.55), int(shelf_height * 0.88))
            shade = rng.uniform(0.45, 1.0)
            colour = tuple(int(c * shade + 255 * (1 - shade) * 0.35) for c in rng.choice(
                [tint, (180, 70, 50), (60, 110, 90), (210, 170, 90), (70, 70, 90)]))
            draw.rectangle((x, top + shelf_height - 14 - height, x + spine, top + shelf_height - 14),
                           fill=colour)
            x += spine + rng.randint(1, 5)
        draw.rectangle((0, top + shelf_height - 14, w, top + shelf_height), fill=(120, 92, 64))
    light = Image.new("L", (w, h), 0)
    ImageDraw.Draw(light).ellipse((w * 0.15, -h * 0.3, w * 0.95, h * 0.9), fill=90)
    image = Image.composite(Image.new("RGB", (w, h), (255, 248, 230)), image,
                            light.filter(ImageFilter.GaussianBlur(160)))
    image.save(path, quality=88, optimize=True)
    print(f"{path.name}: {image.width} × {image.height}, {path.stat().st_size // 1024} kB")


def neutral_black(path: Path, ink: tuple[int, int, int], grey: int) -> None:
    """Repaint a logo's lettering from a tinted black (ink) to the neutral grey of the same
    lightness, its soft edges on white with it. A press profile builds a tinted black from
    all four inks, which fringe in colour on small letters; a neutral grey in artwork prints
    on black alone (kennisdag_pdf.images.separate). Pixels that are no blend of the ink and
    white (the coloured parts) and neutral ones stay as they are, so a second run changes
    nothing."""
    image = Image.open(path).convert("RGB")
    pixels = image.load()
    for y in range(image.height):
        for x in range(image.width):
            pixel = pixels[x, y]
            if pixel[0] == pixel[1] == pixel[2]:  # neutral already (white, or repainted)
                continue
            shares = [(255 - value) / (255 - channel) for value, channel in zip(pixel, ink)]
            if max(shares) - min(shares) <= 0.03:
                share = sum(shares) / 3
                level = round(255 - share * (255 - grey))
                pixels[x, y] = (level, level, level)
    image.save(path, optimize=True)
    print(f"{path.name}: {image.width} × {image.height}")


if __name__ == "__main__":
    shelves(HERE / "example-en-reading-room.jpg", 2024, (40, 90, 130))
    shelves(HERE / "example-en-archive.jpg", 1871, (120, 60, 100))
    # The wordmark's slate (35, 40, 45) as the grey of its lightness.
    neutral_black(HERE / "open-shelf-logo.png", (35, 40, 45), 39)
