"""Generate the stand-in photos for the sample edition 2025-01-07 丰台•两会.

The real press photos are not redistributable, so every photo of the sample
edition is replaced by a generated picture: a soft gradient backdrop, a simple
scene built from shapes (meeting room, lecture hall, round table, outdoor
visit, ...), one dominant colour per photo and a small corner label
"示意图 pNN" so that a layout person can tell them apart at a glance.

Deterministic: every photo is drawn from a fixed seed, no timestamps, and the
JPEGs are written as baseline (non-progressive), optimised, without EXIF.

Usage:
    python tools/make_standin_photos.py sources/2025-01-07-fengtai-lianghui/photos
"""

from __future__ import annotations

import colorsys
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

MAX_BYTES = 200 * 1024
FIRST_QUALITY = 80
MIN_QUALITY = 60


@dataclass(frozen=True)
class Spec:
    id: str
    width: int
    height: int
    hue: float  # dominant colour, 0..1 on the HSV hue circle
    scene: str
    focus: tuple[float, float] | None = None  # centre of the main subject (x, y in 0..1)


# One line per photo, in caption order. The sizes are read back by
# tests/test_sample_sources.py, keep the `Spec("pNN", width, height, ...` form.
SPECS = [
    Spec("p01", 1800, 1200, 0.07, "exhibit", (0.50, 0.40)),  # 书画展暨笔会
    Spec("p02", 1800, 1200, 0.58, "outdoor"),  # 文化产业园区专题调研
    Spec("p03", 1200, 1800, 0.00, "plaque", (0.50, 0.36)),  # 工作站揭牌成立
    Spec("p04", 1600, 1200, 0.11, "round", (0.50, 0.55)),  # 院士专家·圆桌下午茶
    Spec("p05", 1920, 1080, 0.52, "outdoor"),  # 视察南中轴国际文化科技园
    Spec("p06", 1800, 1200, 0.33, "visit"),  # 中医药专题调研
    Spec("p07", 1920, 1080, 0.62, "meeting", (0.50, 0.30)),  # 法务区议政性常委会
    Spec("p08", 1200, 1800, 0.28, "trees"),  # 民族团结林养护
    Spec("p09", 1800, 1200, 0.95, "hall", (0.50, 0.28)),  # 暑期学习班
    Spec("p10", 1800, 1200, 0.15, "outdoor"),  # 视察金中都城遗址公园
    Spec("p11", 1920, 1080, 0.72, "studio", (0.50, 0.40)),  # 全媒体直播
    Spec("p12", 1800, 1200, 0.45, "meeting", (0.50, 0.30)),  # 文化产业园区议政性常委会
    Spec("p13", 1600, 1200, 0.85, "hall", (0.50, 0.28)),  # 花园城市议政会
    Spec("p14", 1800, 1200, 0.50, "round", (0.50, 0.55)),  # 京华议事厅协商活动
    Spec("p15", 1800, 1200, 0.90, "garden"),  # 花园城市专题调研
]


def rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, max(0.0, min(1.0, s)), max(0.0, min(1.0, v)))
    return (round(r * 255), round(g * 255), round(b * 255))


def find_font() -> str | None:
    """Path of the LXGW WenKai TTF, or None if fontconfig does not know it."""
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "LXGW WenKai"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if "wenkai" in out.lower() and Path(out).is_file():
        return out
    return None


def gradient(w: int, h: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    col = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(1, h - 1)
        col.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
    return col.resize((w, h))


def person(d: ImageDraw.ImageDraw, x: float, y: float, r: float, skin, cloth) -> None:
    """A head-and-shoulders figure: head centre (x, y), head radius r."""
    d.ellipse((x - 2.1 * r, y + 0.9 * r, x + 2.1 * r, y + 5.5 * r), fill=cloth)
    d.ellipse((x - r, y - r, x + r, y + r), fill=skin)


def crowd_rows(d, rnd, w, y0, y1, rows, r0, r1, hue, back_view=True):
    """Rows of heads seen from behind (hall) from y0 (far) to y1 (near)."""
    for i in range(rows):
        t = i / max(1, rows - 1)
        y = y0 + (y1 - y0) * t
        r = r0 + (r1 - r0) * t
        n = int(w / (r * 3.2))
        off = rnd.uniform(0, r * 1.6)
        for k in range(n + 1):
            x = off + k * r * 3.2 + rnd.uniform(-r * 0.3, r * 0.3)
            hair = rgb(0.08, 0.3, rnd.uniform(0.08, 0.22)) if back_view else rgb(0.07, 0.35, 0.85)
            cloth = rgb(hue + rnd.uniform(-0.05, 0.05), rnd.uniform(0.1, 0.35), rnd.uniform(0.15, 0.35))
            person(d, x, y, r, hair, cloth)


def banner(d, font, x0, y0, x1, y1, fill, text_fill, label: str) -> None:
    d.rectangle((x0, y0, x1, y1), fill=fill)
    if font is not None:
        size = int((y1 - y0) * 0.5)
        f = font.font_variant(size=size)
        tw = d.textlength(label, font=f)
        d.text(((x0 + x1 - tw) / 2, y0 + (y1 - y0 - size) / 2 - size * 0.1), label, font=f, fill=text_fill)
    else:
        # Without the CJK font: a row of bars suggests the banner's lettering.
        n = 12
        bw = (x1 - x0) * 0.7 / n
        for i in range(n):
            bx = x0 + (x1 - x0) * 0.15 + i * bw
            d.rectangle((bx + bw * 0.15, y0 + (y1 - y0) * 0.3, bx + bw * 0.85, y1 - (y1 - y0) * 0.3), fill=text_fill)


def scene_meeting(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    wall = rgb(s.hue, 0.25, 0.9)
    d.rectangle((0, 0, w, h * 0.62), fill=wall)
    banner(
        d, font, w * 0.12, h * 0.12, w * 0.88, h * 0.26, rgb(0.0, 0.85, 0.75), rgb(0.14, 0.2, 1.0), "丰台区政协常委会议"
    )
    # podium row behind the table
    for i in range(7):
        x = w * (0.2 + i * 0.1)
        person(d, x, h * 0.40, h * 0.035, rgb(0.07, 0.35, 0.8), rgb(s.hue, 0.4, 0.25))
    d.rectangle((w * 0.1, h * 0.50, w * 0.9, h * 0.62), fill=rgb(s.hue, 0.55, 0.45))
    d.rectangle((0, h * 0.62, w, h), fill=rgb(s.hue, 0.35, 0.35))
    crowd_rows(d, rnd, w, h * 0.72, h * 0.95, 3, h * 0.03, h * 0.05, s.hue)


def scene_hall(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    d.rectangle((0, 0, w, h * 0.45), fill=rgb(s.hue, 0.55, 0.55))
    banner(d, font, w * 0.1, h * 0.08, w * 0.9, h * 0.2, rgb(s.hue, 0.9, 0.7), rgb(0.14, 0.15, 1.0), "政协学习会议")
    d.rectangle((w * 0.25, h * 0.24, w * 0.75, h * 0.42), fill=rgb(s.hue, 0.15, 0.92))  # screen
    d.rectangle((w * 0.05, h * 0.42, w * 0.95, h * 0.47), fill=rgb(s.hue, 0.5, 0.3))  # stage edge
    d.rectangle((0, h * 0.47, w, h), fill=rgb(s.hue, 0.2, 0.25))
    crowd_rows(d, rnd, w, h * 0.52, h * 0.92, 6, h * 0.018, h * 0.05, s.hue)


def scene_round(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    fx, fy = s.focus or (0.5, 0.55)
    cx, cy = w * fx, h * fy
    rx, ry = w * 0.3, h * 0.17
    seats = 12
    import math

    pts = [
        (cx + rx * 1.2 * math.cos(2 * math.pi * k / seats), cy + ry * 1.35 * math.sin(2 * math.pi * k / seats))
        for k in range(seats)
    ]
    back = [p for p in pts if p[1] <= cy]
    front = [p for p in pts if p[1] > cy]
    for x, y in sorted(back, key=lambda p: p[1]):
        person(d, x, y - h * 0.05, h * 0.035, rgb(0.07, 0.35, 0.8), rgb(s.hue + rnd.uniform(-0.1, 0.1), 0.3, 0.3))
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=rgb(0.0, 0.0, 0.97), outline=rgb(s.hue, 0.6, 0.5), width=8)
    for k in range(8):  # teacups
        a = 2 * math.pi * (k + 0.5) / 8
        x, y = cx + rx * 0.7 * math.cos(a), cy + ry * 0.7 * math.sin(a)
        d.ellipse((x - 14, y - 9, x + 14, y + 9), fill=rgb(s.hue, 0.7, 0.7))
    d.ellipse((cx - 60, cy - 30, cx + 60, cy + 30), fill=rgb(0.3, 0.6, 0.55))  # centre flowers
    for x, y in sorted(front, key=lambda p: p[1]):
        person(d, x, y - h * 0.02, h * 0.045, rgb(0.08, 0.3, 0.15), rgb(s.hue + rnd.uniform(-0.1, 0.1), 0.3, 0.28))


def scene_outdoor(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    horizon = h * 0.6
    x = 0.0
    while x < w:  # buildings
        bw = rnd.uniform(w * 0.06, w * 0.14)
        bh = rnd.uniform(h * 0.15, h * 0.45)
        col = rgb(s.hue + rnd.uniform(-0.04, 0.04), rnd.uniform(0.15, 0.45), rnd.uniform(0.55, 0.85))
        d.rectangle((x, horizon - bh, x + bw, horizon), fill=col)
        for wy in range(int(horizon - bh + 20), int(horizon - 20), 40):
            d.line((x + 10, wy, x + bw - 10, wy), fill=rgb(s.hue, 0.3, 0.45), width=6)
        x += bw + rnd.uniform(0, w * 0.03)
    d.rectangle((0, horizon, w, h), fill=rgb(0.1, 0.15, 0.62))  # plaza
    n = 9
    for k in range(n):  # a standing group, left of centre
        px = w * (0.18 + 0.055 * k) + rnd.uniform(-10, 10)
        py = h * (0.64 + 0.02 * (k % 3))
        r = h * 0.03
        person(d, px, py, r, rgb(0.07, 0.35, 0.8), rgb(s.hue + 0.5 * (k % 2), 0.25, rnd.uniform(0.15, 0.4)))
        d.rectangle((px - r * 1.3, py + r * 4.5, px + r * 1.3, py + r * 8.5), fill=rgb(0.6, 0.2, 0.2))


def scene_visit(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    d.rectangle((0, 0, w, h * 0.7), fill=rgb(s.hue, 0.12, 0.92))
    for i in range(5):  # cabinets / shelves
        x0 = w * (0.05 + i * 0.12)
        d.rectangle((x0, h * 0.15, x0 + w * 0.1, h * 0.7), fill=rgb(s.hue, 0.45, 0.55))
        for j in range(6):
            y = h * (0.2 + j * 0.08)
            d.rectangle((x0 + 10, y, x0 + w * 0.1 - 10, y + h * 0.05), fill=rgb(0.08, 0.5, 0.75))
    d.rectangle((0, h * 0.7, w, h), fill=rgb(s.hue, 0.2, 0.5))
    for k in range(6):
        person(
            d,
            w * (0.68 + 0.05 * k),
            h * (0.45 + 0.02 * (k % 2)),
            h * 0.04,
            rgb(0.07, 0.35, 0.8),
            rgb(0.0, 0.0, 0.95 if k == 2 else 0.2),
        )


def scene_plaque(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    fx, fy = s.focus or (0.5, 0.36)
    d.rectangle((0, 0, w, h * 0.75), fill=rgb(0.1, 0.12, 0.85))
    px, py = w * fx, h * fy
    d.rectangle((px - w * 0.22, py - h * 0.16, px + w * 0.22, py + h * 0.16), fill=rgb(0.12, 0.5, 0.8))
    d.polygon(
        [
            (px - w * 0.24, py - h * 0.17),
            (px + w * 0.24, py - h * 0.17),
            (px + w * 0.3, py + h * 0.22),
            (px - w * 0.3, py + h * 0.22),
        ],
        fill=rgb(s.hue, 0.9, 0.78),
    )  # red cloth being lifted
    d.rectangle((0, h * 0.75, w, h), fill=rgb(0.08, 0.3, 0.4))
    for k, x in enumerate((0.2, 0.8)):
        person(d, w * x, h * 0.55, w * 0.06, rgb(0.07, 0.35, 0.8), rgb(0.6, 0.3, 0.2))


def scene_trees(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    d.rectangle((0, h * 0.55, w, h), fill=rgb(0.09, 0.4, 0.45))
    for k in range(7):
        x = w * (0.05 + 0.15 * k) + rnd.uniform(-20, 20)
        top = h * rnd.uniform(0.12, 0.3)
        d.rectangle((x - 14, top + h * 0.15, x + 14, h * 0.6), fill=rgb(0.07, 0.5, 0.3))
        d.ellipse(
            (x - w * 0.1, top, x + w * 0.1, top + h * 0.22),
            fill=rgb(s.hue + rnd.uniform(-0.03, 0.03), 0.6, rnd.uniform(0.4, 0.6)),
        )
    for k in range(4):
        person(d, w * (0.2 + 0.2 * k), h * 0.62, w * 0.035, rgb(0.07, 0.35, 0.8), rgb(0.0, 0.8, 0.75))
        d.line((w * (0.25 + 0.2 * k), h * 0.66, w * (0.27 + 0.2 * k), h * 0.8), fill=rgb(0.1, 0.3, 0.3), width=10)


def scene_studio(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    fx, fy = s.focus or (0.5, 0.4)
    d.rectangle((0, 0, w, h), fill=rgb(s.hue, 0.6, 0.25))
    sx, sy = w * fx, h * fy
    d.rectangle((sx - w * 0.3, sy - h * 0.28, sx + w * 0.3, sy + h * 0.14), fill=rgb(s.hue, 0.4, 0.85))
    banner(
        d,
        font,
        sx - w * 0.27,
        sy - h * 0.24,
        sx + w * 0.27,
        sy - h * 0.12,
        rgb(0.58, 0.8, 0.6),
        rgb(0.0, 0.0, 1.0),
        "委员对话一把手",
    )
    d.rectangle((w * 0.1, h * 0.68, w * 0.9, h * 0.8), fill=rgb(s.hue, 0.3, 0.9))  # desk
    for k in range(4):
        person(d, w * (0.24 + 0.17 * k), h * 0.56, h * 0.045, rgb(0.07, 0.35, 0.8), rgb(s.hue + 0.4, 0.3, 0.25))
    d.rectangle((w * 0.1, h * 0.68, w * 0.9, h * 0.8), fill=rgb(s.hue, 0.3, 0.9))
    d.rectangle((0, h * 0.8, w, h), fill=rgb(s.hue, 0.5, 0.15))


def scene_exhibit(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    d.rectangle((0, 0, w, h * 0.72), fill=rgb(s.hue, 0.1, 0.93))
    for i in range(6):  # hanging scrolls
        x0 = w * (0.06 + i * 0.155)
        d.rectangle((x0, h * 0.1, x0 + w * 0.12, h * 0.62), fill=rgb(s.hue, 0.35, 0.7))
        d.rectangle((x0 + 12, h * 0.1 + 12, x0 + w * 0.12 - 12, h * 0.62 - 12), fill=rgb(0.12, 0.08, 0.97))
        for j in range(5):
            y = h * (0.16 + j * 0.085)
            d.rectangle((x0 + w * 0.045, y, x0 + w * 0.075, y + h * 0.05), fill=rgb(0.0, 0.0, 0.15))
    d.rectangle((0, h * 0.72, w, h), fill=rgb(s.hue, 0.45, 0.45))
    for k in range(7):
        person(d, w * (0.1 + 0.13 * k), h * 0.66, h * 0.04, rgb(0.08, 0.3, 0.15), rgb(s.hue + 0.5, 0.3, 0.3))


def scene_garden(img, d, rnd, s: Spec, font) -> None:
    w, h = img.size
    d.rectangle((0, h * 0.5, w, h), fill=rgb(0.3, 0.55, 0.5))
    for _ in range(260):  # flower beds
        x, y = rnd.uniform(0, w), rnd.uniform(h * 0.55, h)
        r = rnd.uniform(8, 22) * (y / h)
        d.ellipse(
            (x - r, y - r, x + r, y + r), fill=rgb(s.hue + rnd.uniform(-0.06, 0.06), 0.75, rnd.uniform(0.75, 1.0))
        )
    for k in range(5):
        x = w * (0.1 + 0.2 * k)
        d.ellipse((x - w * 0.08, h * 0.22, x + w * 0.08, h * 0.5), fill=rgb(0.32, 0.55, 0.45))
    for k in range(6):
        person(d, w * (0.55 + 0.06 * k), h * 0.5, h * 0.035, rgb(0.07, 0.35, 0.8), rgb(0.6, 0.2, 0.25 + 0.05 * k))


SCENES = {
    "meeting": scene_meeting,
    "hall": scene_hall,
    "round": scene_round,
    "outdoor": scene_outdoor,
    "visit": scene_visit,
    "plaque": scene_plaque,
    "trees": scene_trees,
    "studio": scene_studio,
    "exhibit": scene_exhibit,
    "garden": scene_garden,
}


def label(img: Image.Image, font_path: str | None, pid: str) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    size = max(28, min(w, h) // 22)
    if font_path:
        font = ImageFont.truetype(font_path, size)
        text = f"示意图 {pid}"
    else:
        font = ImageFont.load_default()
        text = f"stand-in {pid}"
    x0, y0, x1, y1 = d.textbbox((0, 0), text, font=font)
    pad = size // 3
    m = size // 2
    bx0, by0 = m, h - m - (y1 - y0) - 2 * pad
    d.rectangle((bx0, by0, bx0 + (x1 - x0) + 2 * pad, h - m), fill=(255, 255, 255))
    d.text((bx0 + pad - x0, by0 + pad - y0), text, font=font, fill=(30, 30, 30))


def render(s: Spec, font_path: str | None) -> Image.Image:
    rnd = random.Random(f"pinban-2025-01-07-{s.id}")
    w, h = s.width, s.height
    img = gradient(w, h, rgb(s.hue, 0.25, 0.98), rgb(s.hue, 0.55, 0.55))
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path, 40) if font_path else None
    SCENES[s.scene](img, d, rnd, s, font)
    # soften the flat shapes a little, like a photo slightly out of focus
    img = img.filter(ImageFilter.GaussianBlur(radius=2))
    label(img, font_path, s.id)
    return img


def save(img: Image.Image, path: Path) -> tuple[int, int]:
    """Save as baseline JPEG, lowering the quality until it fits MAX_BYTES."""
    q = FIRST_QUALITY
    while True:
        img.save(path, "JPEG", quality=q, optimize=True, progressive=False)
        n = path.stat().st_size
        if n <= MAX_BYTES or q <= MIN_QUALITY:
            return q, n
        q -= 4


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    font_path = find_font()
    if font_path is None:
        print("LXGW WenKai not found: labels fall back to ASCII 'stand-in pNN'", file=sys.stderr)
    for s in SPECS:
        img = render(s, font_path)
        q, n = save(img, out / f"{s.id}.jpg")
        print(f"{s.id}.jpg {s.width}x{s.height} {s.scene:8s} quality={q} {n} bytes")
        if n > MAX_BYTES:
            print(f"{s.id}.jpg is larger than {MAX_BYTES} bytes", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
