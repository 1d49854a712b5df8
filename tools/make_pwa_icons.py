"""Draw the installable web app's icons (decision 135): the favicon's gold star on the
party-building red, as PNGs under ``src/liudong/static/liudong/icons/`` (committed; run again
only to change them): ``python tools/make_pwa_icons.py``."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

RED = (200, 22, 29, 255)  # #c8161d, the theme colour of mobile.css
GOLD = (255, 216, 77, 255)  # #ffd84d, the favicon's star
OUT = Path(__file__).resolve().parent.parent / "src/liudong/static/liudong/icons"


def star(center: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.42
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((center + radius * math.cos(angle), center + radius * math.sin(angle)))
    return points


def icon(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:  # full bleed; the star inside the safe circle (80 %)
        draw.rectangle((0, 0, big, big), fill=RED)
        draw.polygon(star(big / 2, big * 0.27), fill=GOLD)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.19, fill=RED)
        draw.polygon(star(big / 2, big * 0.36), fill=GOLD)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    icon(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
