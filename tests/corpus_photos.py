"""The edition corpus: editions of different shapes that every rule and invariant is tested on.

Each edition under tests/corpus/<name>/ holds edition.toml and report.md only. Its pictures
are not kept in git: tests/corpus/photos.toml gives, per picture file, its pixel size and kind,
and `materialise` copies the edition into a folder and draws the pictures there, the same
bytes every time. Photos are stand-ins drawn with the scenes of tools/make_standin_photos.py;
charts and figures are drawn here as plain bar, line and flow diagrams with axis lines.

Tests import it:

    from tests.corpus_photos import CORPUS, corpus_edition
    folder = corpus_edition("science-weekly", tmp_path)

From the command line (repository root), to look at an edition's build:

    python -m tests.corpus_photos science-weekly /tmp/corpus
"""

from __future__ import annotations

import functools
import importlib.util
import random
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
PHOTOS_TOML = CORPUS_DIR / "photos.toml"
STANDIN_SCRIPT = ROOT / "tools" / "make_standin_photos.py"
EDITION_FILES = ("edition.toml", "report.md")
JPEG_QUALITY = 80
KINDS = ("photo", "chart", "figure")


@dataclass(frozen=True)
class CorpusEdition:
    name: str
    shape: str  # one line: what makes this edition's shape
    copy_share: float  # Han characters of report.md, as a share of the sample edition's
    photos: int  # entries in [[photos]], charts and figures included


CORPUS: tuple[CorpusEdition, ...] = (
    CorpusEdition("culture-brief", "a culture page: 40 % copy, no photos, a 4-character title", 0.40, 0),
    CorpusEdition("photo-gallery", "a photo essay: 20 % copy, 25 photos (landscape, portrait, square)", 0.20, 25),
    CorpusEdition("data-page", "an economy data page: 20 % copy, 8 charts and figures from 21:9 to 1:2", 0.20, 8),
    CorpusEdition("commentary", "a commentary: 20 % copy, running text only (no intro, no heads), 1 square photo", 0.20, 1),
    CorpusEdition("oss-handbook", "119 % mixed-script copy, 3 pictures (21:9 figure, 3:4 photo), 'GitHub Issues' title", 1.19, 3),
    CorpusEdition("district-summary", "a government work summary: 90 % copy, 8 photos, a 32-character title", 0.90, 8),
    CorpusEdition("report-130", "a work report: 130 % copy, 15 photos (3 optional), a 7-character title with kicker and subtitle", 1.30, 15),
    CorpusEdition("report-200", "a work report: 200 % copy, 15 photos (6 optional), a 37-character title", 2.00, 15),
    CorpusEdition("tech-digest", "a tech digest: 99 % mixed-script copy, 14 mixed-script heads, 6 pictures (3:1, 2:3 charts)", 0.99, 6),
)


@dataclass(frozen=True)
class Picture:
    file: str  # as edition.toml names it, e.g. photos/p01.jpg
    width: int
    height: int
    kind: str  # photo | chart | figure
    draw: str  # photo: a scene of make_standin_photos; chart: bars | line; figure: flow
    hue: float


def corpus_edition(name: str, tmp_path: Path) -> Path:
    """Fixture factory: the named corpus edition, materialised under tmp_path."""
    return materialise(name, tmp_path)


def materialise(edition_name: str, dest_dir: Path) -> Path:
    """Copy the corpus edition into dest_dir/<name>/ and draw its pictures; return the folder."""
    source = CORPUS_DIR / edition_name
    if not (source / "edition.toml").is_file():
        raise KeyError(f"no corpus edition {edition_name!r}")
    folder = Path(dest_dir) / edition_name
    folder.mkdir(parents=True, exist_ok=True)
    for name in EDITION_FILES:
        shutil.copyfile(source / name, folder / name)
    focus = photo_focus(source / "edition.toml")
    for picture in pictures(edition_name):
        path = folder / picture.file
        path.parent.mkdir(parents=True, exist_ok=True)
        draw_picture(picture, Path(picture.file).stem, focus.get(picture.file)).save(
            path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False
        )
    return folder


def pictures(edition_name: str) -> tuple[Picture, ...]:
    """The pictures photos.toml declares for an edition, in file order."""
    table = photo_table().get(edition_name, {})
    return tuple(
        Picture(file, spec["size"][0], spec["size"][1], spec["kind"], spec["draw"], spec.get("hue", 0.58))
        for file, spec in table.items()
    )


@functools.cache
def photo_table() -> dict[str, dict[str, dict]]:
    return tomllib.loads(PHOTOS_TOML.read_text(encoding="utf-8"))


def photo_focus(edition_toml: Path) -> dict[str, tuple[float, float]]:
    """The focus each photo entry gives, so the stand-in puts its subject there."""
    data = tomllib.loads(edition_toml.read_text(encoding="utf-8"))
    return {p["file"]: tuple(p["focus"]) for p in data.get("photos", []) if "focus" in p}


def draw_picture(picture: Picture, label: str, focus: tuple[float, float] | None) -> Image.Image:
    if picture.kind == "photo":
        return draw_photo(picture, label, focus)
    if picture.kind == "chart":
        return draw_chart(picture, label)
    if picture.kind == "figure":
        return draw_flow_figure(picture, label)
    raise ValueError(f"{picture.file}: unknown kind {picture.kind!r} (one of {', '.join(KINDS)})")


# --- photos: the sample's stand-in scenes --------------------------------------------------


@functools.cache
def standin_module() -> ModuleType:
    # tools/ is a folder of scripts, not a package: load the script as a module.
    spec = importlib.util.spec_from_file_location("make_standin_photos", STANDIN_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@functools.cache
def label_font_path() -> str | None:
    return standin_module().find_font()


def draw_photo(picture: Picture, label: str, focus: tuple[float, float] | None) -> Image.Image:
    standin = standin_module()
    if picture.draw not in standin.SCENES:
        raise ValueError(f"{picture.file}: no stand-in scene {picture.draw!r}")
    spec = standin.Spec(label, picture.width, picture.height, picture.hue, picture.draw, focus)
    return standin.render(spec, label_font_path())


# --- charts and figures: flat drawings that must never be cropped ------------------------------

INK = (40, 40, 40)
GRID = (205, 205, 205)
PAPER = (255, 255, 255)


def font(size: int) -> ImageFont.ImageFont:
    path = label_font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default()


def draw_chart(picture: Picture, label: str) -> Image.Image:
    """A bar or line chart: axes, grid lines, ticks and a series from a seeded random walk."""
    w, h = picture.width, picture.height
    img = Image.new("RGB", (w, h), PAPER)
    d = ImageDraw.Draw(img)
    unit = min(w, h) // 40 + 2  # line widths and margins grow with the picture
    left, right, top, bottom = unit * 7, w - unit * 3, unit * 5, h - unit * 5
    values = series(label, max(6, min(24, w // (unit * 12))))
    top_value = max(values) * 1.15
    for k in range(5):  # horizontal grid lines and their tick labels
        y = bottom - (bottom - top) * k / 4
        d.line((left, y, right, y), fill=GRID, width=max(1, unit // 4))
        d.text((unit, y - unit), f"{top_value * k / 4:.0f}", font=font(unit * 2), fill=INK)
    slot = (right - left) / len(values)
    points = [(left + slot * (i + 0.5), bottom - (bottom - top) * v / top_value) for i, v in enumerate(values)]
    colour = standin_module().rgb(picture.hue, 0.65, 0.7)
    if picture.draw == "bars":
        for x, y in points:
            d.rectangle((x - slot * 0.32, y, x + slot * 0.32, bottom), fill=colour)
    elif picture.draw == "line":
        d.line(points, fill=colour, width=unit)
        for x, y in points:
            d.ellipse((x - unit, y - unit, x + unit, y + unit), fill=colour)
    else:
        raise ValueError(f"{picture.file}: a chart is drawn as bars or line, not {picture.draw!r}")
    d.line((left, top, left, bottom), fill=INK, width=unit // 2)  # y axis
    d.line((left, bottom, right, bottom), fill=INK, width=unit // 2)  # x axis
    for i, (x, _) in enumerate(points):
        d.line((x, bottom, x, bottom + unit), fill=INK, width=max(1, unit // 4))
        d.text((x - unit, bottom + unit * 1.5), f"{i + 1}", font=font(unit * 2), fill=INK)
    d.text((left, unit * 1.5), f"示意图表 {label}", font=font(unit * 2), fill=INK)
    return img


def series(label: str, n: int) -> list[float]:
    rnd = random.Random(f"pinban-corpus-{label}")
    value, out = 50.0, []
    for _ in range(n):
        value = max(5.0, value + rnd.uniform(-12, 16))
        out.append(value)
    return out


def draw_flow_figure(picture: Picture, label: str) -> Image.Image:
    """A flow diagram: boxes joined by arrows along the picture's long side."""
    if picture.draw != "flow":
        raise ValueError(f"{picture.file}: a figure is drawn as flow, not {picture.draw!r}")
    w, h = picture.width, picture.height
    img = Image.new("RGB", (w, h), PAPER)
    d = ImageDraw.Draw(img)
    vertical = h > w
    long_side, short_side = (h, w) if vertical else (w, h)
    unit = short_side // 30 + 2
    steps = max(3, min(8, long_side // short_side * 2 + 1))
    pitch = long_side / steps
    fill = standin_module().rgb(picture.hue, 0.25, 0.95)
    edge = standin_module().rgb(picture.hue, 0.6, 0.45)
    for k in range(steps):
        a, b = pitch * k + pitch * 0.15, pitch * (k + 1) - pitch * 0.15  # box along the long side
        c, e = short_side * 0.15, short_side * 0.85  # and across it
        box = (c, a, e, b) if vertical else (a, c, b, e)
        d.rounded_rectangle(box, radius=unit * 2, fill=fill, outline=edge, width=unit // 2)
        d.text((box[0] + unit * 2, box[1] + unit * 2), f"{k + 1}", font=font(unit * 4), fill=INK)
        if k + 1 < steps:
            mid = short_side / 2
            start, end = b, b + pitch * 0.3
            line = (mid, start, mid, end) if vertical else (start, mid, end, mid)
            d.line(line, fill=edge, width=unit // 2)
            tip = [(mid - unit, end - unit * 1.5), (mid + unit, end - unit * 1.5), (mid, end)] if vertical else [
                (end - unit * 1.5, mid - unit), (end - unit * 1.5, mid + unit), (end, mid)]
            d.polygon(tip, fill=edge)
    d.text((unit, unit), f"示意图 {label}", font=font(unit * 2), fill=INK)
    return img


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m tests.corpus_photos EDITION|all DEST", file=sys.stderr)
        return 2
    names = [e.name for e in CORPUS] if argv[1] == "all" else [argv[1]]
    for name in names:
        print(materialise(name, Path(argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
