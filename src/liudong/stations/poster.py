"""The station's printable QR poster (A4): SVG with text, and PNG.

The code opens the station's check-in page by its random token (never the database id).
The SVG names the system's Chinese fonts and renders wherever it is opened. The PNG draws
the text itself, so it needs a font with Chinese glyphs: ``LIUDONG_POSTER_FONT`` (a path),
else one found by fontconfig (``fc-list :lang=zh``), else well-known paths. Without one
the PNG still carries the code, the station code and the link, and says that the Chinese
text needs the SVG poster or a CJK font (``apt-get install fonts-noto-cjk``).
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from functools import lru_cache
from html import escape
from pathlib import Path

import segno
from django.conf import settings
from django.utils.translation import gettext as _

from liudong.stations.models import Station

logger = logging.getLogger("liudong.stations")

KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
FONT_STACK = "'Noto Sans CJK SC','PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif"
RED = "#c8161d"
# A4 at 150 dots per inch.
PNG_SIZE = (1240, 1754)


def _lines(station: Station) -> dict[str, str]:
    place = station.place
    city = place.parent.name if place.parent_id and place.parent else ""
    return {
        "headline": "流动党员一键报到",
        "name": station.name,
        "address": station.address,
        "where": f"{city}{place.name}" if city != place.name else place.name,
        "host": station.host_name,
        "hours": station.opening_hours,
        "hint": "微信或手机浏览器扫码 → 手机号登录 → 点击“报到”",
        "footer": "平凉市流动党员管理服务平台",
    }


def qr_svg(url: str) -> str:
    """The code alone, scalable to its container (for the station's page)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, xmldecl=False, svgns=True, omitsize=True, title=url
    )
    return buffer.getvalue().decode()


def svg(station: Station, url: str) -> str:
    """An A4 poster (210 × 297 mm) with the code and the station's name and address."""
    qr = segno.make(url, error="m")
    modules = qr.symbol_size(scale=1, border=2)[0]
    size = 130.0  # mm
    scale = size / modules
    path = io.BytesIO()
    qr.save(path, kind="svg", scale=1, border=2, xmldecl=False, svgns=False, nl=False)
    # segno writes <svg ...><path .../></svg>: keep the path, placed and scaled by us.
    body = path.getvalue().decode()
    inner = body[body.index("<path") : body.rindex("</svg>")]
    t = {k: escape(v) for k, v in _lines(station).items()}
    head = 'xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297"'
    # Presentation attributes, not a <style> element: opened on its own the poster is a
    # page under the Content-Security-Policy, which takes style elements from files only.
    hours = (
        f'<text x="105" y="262" font-size="5px" fill="#555">开放时间：{t["hours"]}</text>'
        if t["hours"]
        else ""
    )
    return f"""<svg {head}>
<title>{t["name"]}</title>
<rect width="210" height="297" fill="#fff"/>
<rect width="210" height="38" fill="{RED}"/>
<g font-family="{escape(FONT_STACK)}" text-anchor="middle" fill="#1f2328">
<text x="105" y="24" font-size="13px" font-weight="700" fill="#fff">{t["headline"]}</text>
<text x="105" y="56" font-size="9px" font-weight="700">{t["name"]}</text>
<text x="105" y="66" font-size="5px" fill="#555">{t["where"]} · {t["host"]}</text>
</g>
<g transform="translate({(210 - size) / 2:.2f} 76) scale({scale:.4f})">{inner}</g>
<g font-family="{escape(FONT_STACK)}" text-anchor="middle" fill="#1f2328">
<text x="105" y="222" font-size="6.2px">地址：{t["address"]}</text>
<text x="105" y="236" font-size="5px" fill="#555">{t["hint"]}</text>
<text x="105" y="248" font-size="5px" fill="#555">{escape(url)}</text>
{hours}
</g>
<rect y="282" width="210" height="15" fill="{RED}"/>
<g font-family="{escape(FONT_STACK)}" text-anchor="middle" font-size="5px" fill="#fff">
<text x="105" y="291.5">{t["footer"]}</text>
</g>
</svg>
"""


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """A font file with Chinese glyphs, or None."""
    configured = getattr(settings, "LIUDONG_POSTER_FONT", "")
    if configured and Path(configured).is_file():
        return configured
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(  # noqa: S603
                ["fc-list", ":lang=zh", "file"],  # noqa: S607
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
        preferred = [f for f in files if "Regular" in f or "regular" in f] + files
        for file in preferred:
            if Path(file).is_file():
                return file
    for file in KNOWN_FONTS:
        if Path(file).is_file():
            return file
    return None


def _font(path: str | None, size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size=size)
    if path.endswith(".ttc"):
        # A collection: take the Simplified Chinese face when there is one.
        for index in range(10):
            try:
                face = ImageFont.truetype(path, size, index=index)
            except OSError:
                break
            if "SC" in " ".join(face.getname()):
                return face
    return ImageFont.truetype(path, size)


def png(station: Station, url: str) -> tuple[bytes, bool]:
    """The poster as PNG; the flag says whether Chinese text could be drawn."""
    from PIL import Image, ImageDraw

    font_path = find_cjk_font()
    has_cjk = font_path is not None
    width, height = PNG_SIZE
    image = Image.new("RGB", PNG_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, 220], fill=RED)
    draw.rectangle([0, height - 90, width, height], fill=RED)
    qr_buffer = io.BytesIO()
    segno.make(url, error="m").save(qr_buffer, kind="png", scale=20, border=2)
    qr = Image.open(qr_buffer).convert("RGB")
    side = 760
    qr = qr.resize((side, side), Image.NEAREST)
    image.paste(qr, ((width - side) // 2, 430))

    def centred(y: int, text: str, size: int, fill: str = "#1f2328") -> None:
        font = _font(font_path, size)
        box = draw.textbbox((0, 0), text, font=font)
        draw.text(((width - (box[2] - box[0])) // 2, y), text, font=font, fill=fill)

    t = _lines(station)
    if has_cjk:
        centred(70, t["headline"], 76, "white")
        centred(270, t["name"], 52)
        centred(350, f"{t['where']} · {t['host']}", 30, "#555555")
        centred(1230, f"地址：{t['address']}", 36)
        centred(1300, t["hint"], 30, "#555555")
        if t["hours"]:
            centred(1400, f"开放时间：{t['hours']}", 30, "#555555")
        centred(height - 65, t["footer"], 32, "white")
    else:
        logger.warning("No font with Chinese glyphs found: the PNG poster has Latin text only.")
        centred(80, "Check in / Bao Dao", 64, "white")
        centred(280, f"Station {station.code}", 48)
        centred(1230, _("No Chinese font on this server: use the SVG poster."), 28)
        centred(1280, "(apt-get install fonts-noto-cjk, or set LIUDONG_POSTER_FONT)", 24)
    centred(1470, url, 24, "#555555")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(150, 150))
    return out.getvalue(), has_cjk
