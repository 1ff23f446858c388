"""Page make-up read back from the built PDF (typography rules 26–29): holes in the columns,
columns short of the foot, text drawn over a picture, pictures cropped beyond the house bound or
distorted, and headline parts split badly at the fold.

What is on the page comes from the PDF (pypdfium2: every character's em box, every image's drawn
rectangle and clip); the display list gives only the grid to measure against (where the columns
and the foot are) and which picture is which.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

from ..display import DisplayList, picture_containing
from ..layout.fold import fold_findings
from ..messages import BUG, N_, finding
from ..model import Edition, Finding
from ..style import Style
from .layout import FOOT_LINES  # a column may end at most this many lines above the foot
from .readback import Char, per_display_page, read_chars, text_by_frame

HOLE_LINES = 4  # a vertical blank of this many body lines in a column is a hole (rule 26)
CROP_BOUND = 0.25  # a photo may lose at most this share of its area; charts and figures none
TOLERANCE = 0.01  # share of area (crop) or of aspect (distortion) read back as rounding
PARTS = ("kicker", "title", "subtitle")


@dataclass(frozen=True)
class DrawnImage:
    page: int  # display page index
    drawn: tuple[float, float, float, float]  # left, top, right, bottom of the whole image as drawn
    visible: tuple[float, float, float, float]  # the part its clip lets show
    pixels: tuple[int, int]


def makeup_findings(pdf: Path, display: DisplayList, edition: Edition, style: Style) -> list[Finding]:
    """From spread.pdf, the trimmed pages beside it are read: one PDF page per display page."""
    pages = Path(pdf).with_name("pages.pdf")
    if Path(pdf).name == "spread.pdf" and pages.is_file():
        pdf = pages
    chars = per_display_page(read_chars(pdf), display)
    images = read_images(pdf, display)
    return (hole_findings(chars, images, display, style) + overlap_findings(chars, images, display)
            + crop_findings(images, display, edition) + fold_split_findings(chars, display, edition, style))


# --- reading the PDF ---------------------------------------------------------------------------


def read_images(pdf: Path, display: DisplayList) -> list[DrawnImage]:
    """Every image drawn, with its clip, in pt from its display page's top-left corner."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    doc = pdfium.PdfDocument(str(pdf))
    out: list[DrawnImage] = []
    try:
        for number, page in enumerate(doc):
            left, _bottom, _right, top = page.get_trimbox()
            for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=8):
                l, b, r, t = obj.get_bounds()
                drawn = (l - left, top - t, r - left, top - b)
                visible = clip_box(raw, obj.raw, drawn, left, top)
                index = number if len(doc) == len(display.pages) else page_of(display, (drawn[0] + drawn[2]) / 2)
                shift = 0.0 if len(doc) == len(display.pages) else display.pages[index].offset
                out.append(DrawnImage(index, moved(drawn, shift), moved(visible, shift), tuple(obj.get_px_size())))
            page.close()
    finally:
        doc.close()
    return out


def clip_box(raw, handle, drawn, left: float, top: float) -> tuple[float, float, float, float]:
    """The drawn box cut by every path of the object's clip."""
    box = drawn
    clip = raw.FPDFPageObj_GetClipPath(handle)
    if not clip:
        return box
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(raw.FPDFClipPath_CountPaths(clip)):
        points = []
        for j in range(raw.FPDFClipPath_CountPathSegments(clip, i)):
            raw.FPDFPathSegment_GetPoint(raw.FPDFClipPath_GetPathSegment(clip, i, j), x, y)
            points.append((x.value - left, top - y.value))
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            box = (max(box[0], min(xs)), max(box[1], min(ys)), min(box[2], max(xs)), min(box[3], max(ys)))
    return box


def page_of(display: DisplayList, x: float) -> int:
    for k, p in enumerate(display.pages):
        if p.offset <= x < p.offset + p.width:
            return k
    return len(display.pages) - 1


def moved(box, dx: float):
    return (box[0] - dx, box[1], box[2] - dx, box[3])


# --- holes and short columns -------------------------------------------------------------------


def body_area(display: DisplayList, style: Style) -> tuple[float, float]:
    """Top and foot of the body area: the grid's first line and the foot of its last whole line."""
    size, leading = display.body_size, display.leading
    top = display.grid_origin - 0.88 * size - (leading - size) / 2
    lines = int((style.page_height - style.margin_bottom - top) // leading + 1e-6)
    return top, top + lines * leading


def column_spans(display: DisplayList, style: Style) -> dict[tuple[int, int], tuple[float, float]]:
    """(page, column) → its left and right edge, on the grid of the body size the layout chose."""
    from ..layout.copyfit import body_options
    from ..layout.geometry import Geometry

    grid = next((o for o in body_options(style) if abs(o.body_size - display.body_size) < 1e-6), style)
    spans: dict[tuple[int, int], tuple[float, float]] = {}
    for k in range(len(display.pages)):
        geo = Geometry(grid, k)
        for column in range(1, grid.columns + 1):
            spans[(k, column)] = (geo.col_x(column), geo.col_x(column) + grid.column_width)
    return spans


def set_widths(chars: list[Char], display_page) -> list[tuple[float, float, float, float]]:
    """Each character's em box; in an intro or caption (text set across columns) as wide as its
    frame, so the short last line of a paragraph is not read as a blank in the columns it leaves."""
    wide = [f for f in display_page.frames if f.kind in ("intro", "caption")]
    out = []
    for c in chars:
        l, t, r, b = c.em_box
        for f in wide:
            if f.x - 1 <= c.x <= f.x + f.width + 1 and any(abs(line.baseline - c.baseline) < 0.5 for line in f.lines):
                l, r = f.x, f.x + f.width
                break
        out.append((l, t, r, b))
    return out


def occupied(boxes, images: list[DrawnImage], page: int, x0: float, x1: float) -> list[tuple[float, float]]:
    marks = []
    for l, t, r, b in boxes:
        if min(r, x1) - max(l, x0) > 0.5 * min(r - l, x1 - x0):
            marks.append((t, b))
    for im in images:
        l, t, r, b = im.visible
        if im.page == page and min(r, x1) - max(l, x0) > 1:
            marks.append((t, b))
    return sorted(marks)


def hole_findings(chars, images, display: DisplayList, style: Style) -> list[Finding]:
    """In every body column, a blank of HOLE_LINES lines or more, or a foot left more than FOOT_LINES short."""
    top, foot = body_area(display, style)
    leading = display.leading
    out: list[Finding] = []
    columns = column_spans(display, style)
    all_columns = sorted({c for _, c in columns})
    for k, page in enumerate(display.pages):
        boxes = set_widths(chars[k], page)
        for column in all_columns:
            x0, x1 = columns[(k, column)]
            marks = [(max(t, top), min(b, foot)) for t, b in occupied(boxes, images, k, x0, x1) if b > top and t < foot]
            pos = top
            for t, b in marks + [(foot, foot)]:
                gap = t - pos
                at_foot = t >= foot
                # a line's em box stands (leading − size) / 2 inside its grid line, above and below
                inset = (leading - display.body_size) / 2
                limit = (FOOT_LINES * leading + inset + 0.5) if at_foot else HOLE_LINES * leading - 0.5
                if gap > limit:
                    lines = int(gap / leading)
                    what = (N_("column {column} ends {lines} lines above the foot (rule 26)") if at_foot
                            else N_("a blank of {lines} lines in column {column} (rule 26)"))
                    out.append(finding("error", "makeup-hole", what, f"{page.name}版·第{column}栏",
                                       N_("add text or a photo, or let the layout size the photos"),
                                       args={"column": column, "lines": lines}, page=page.name,
                                       box=(x0, pos, x1 - x0, gap)))
                pos = max(pos, b)
    return out


# --- overlaps ----------------------------------------------------------------------------------


def overlap_findings(chars, images, display: DisplayList) -> list[Finding]:
    """Text drawn over a picture (rule 27)."""
    out: list[Finding] = []
    for im in images:
        l, t, r, b = im.visible
        hits = [c for c in chars[im.page] if l + 0.5 < (c.x + c.x + c.advance) / 2 < r - 0.5
                and t + 0.5 < c.baseline - 0.38 * c.size < b - 0.5]
        if hits:
            page = display.pages[im.page].name
            text = "".join(c.text for c in hits)[:12]
            out.append(finding("error", "makeup-overlap", N_("text “{text}” is drawn over a picture (rule 27)"),
                               f"{page}版", BUG, args={"text": text}, page=page, box=(l, t, r - l, b - t)))
    return out


# --- crops -------------------------------------------------------------------------------------


def crop_findings(images: list[DrawnImage], display: DisplayList, edition: Edition) -> list[Finding]:
    """A photo cropped beyond the house bound, a chart or figure cropped at all, anything distorted (rule 29)."""
    kinds = {p.id: p.kind for p in edition.photos}
    out: list[Finding] = []
    for im in images:
        pic = picture_at(display, im)
        if pic is None:
            continue
        page = display.pages[im.page].name
        where = f"{page}版·图{pic.photo_id}"
        dl, dt, dr, db = im.drawn
        vl, vt, vr, vb = im.visible
        drawn_area = (dr - dl) * (db - dt)
        loss = 1 - max(vr - vl, 0) * max(vb - vt, 0) / drawn_area if drawn_area > 0 else 0.0
        kind = kinds.get(pic.photo_id, "photo")
        bound = CROP_BOUND if kind == "photo" else 0.0
        if loss > bound + TOLERANCE:
            out.append(finding("error", "makeup-crop", N_("{kind} {photo} is cropped by {loss:.0%} (the bound is {bound:.0%}) (rule 29)"),
                               where, N_("give it a cell nearer its own aspect"),
                               args={"kind": kind, "photo": pic.photo_id, "loss": loss, "bound": bound},
                               block_id=f"photo.{pic.photo_id}", page=page, box=(vl, vt, vr - vl, vb - vt)))
        w, h = im.pixels
        if w and h and db > dt and abs((dr - dl) / (db - dt) / (w / h) - 1) > TOLERANCE:
            out.append(finding("error", "makeup-distorted", N_("{kind} {photo} is drawn distorted (rule 29)"),
                               where, BUG, args={"kind": kind, "photo": pic.photo_id},
                               block_id=f"photo.{pic.photo_id}", page=page, box=(vl, vt, vr - vl, vb - vt)))
    return out


def picture_at(display: DisplayList, im: DrawnImage):
    """The display list's picture whose box the image's visible part fills."""
    cx, cy = (im.visible[0] + im.visible[2]) / 2, (im.visible[1] + im.visible[3]) / 2
    return picture_containing(display.pages[im.page], cx, cy)


# --- the fold ----------------------------------------------------------------------------------


def fold_split_findings(chars, display: DisplayList, edition: Edition, style: Style) -> list[Finding]:
    """Each headline part as read back on the two pages, checked against rule 28; and nothing off the sheet."""
    found, _stray = text_by_frame(chars, display)
    hl = edition.headline
    texts = {"kicker": hl.kicker, "title": hl.title, "subtitle": hl.subtitle}
    parts = {}
    for kind in PARTS if len(display.pages) == 2 else ():
        text = texts[kind]
        left = found.get(f"{display.pages[0].name}-{kind}", "")
        right = found.get(f"{display.pages[1].name}-{kind}", "")
        if text and left and right:
            cut = fold_offsets(text, left)
            if cut is not None:
                parts[f"headline.{kind}"] = (text, *cut)
    out = [Finding("error", "makeup-fold", f.message, str(hl.source), "give the part a space where it may split",
                   block_id=f.part) for f in fold_findings(parts)]
    for k, page in enumerate(display.pages):
        off = [c for c in chars[k] if c.x < -0.5 or c.x + c.advance > page.width + 0.5]
        if off:
            out.append(finding("error", "makeup-off-sheet", N_("“{text}” runs off the sheet"),
                               f"{page.name}版", N_("shorten the headline part"),
                               args={"text": "".join(c.text for c in off)[:12]}, page=page.name))
    return out


def fold_offsets(text: str, left: str) -> tuple[int, int] | None:
    """Where text splits when its left page shows `left` (spaces are not drawn): left end, right start."""
    want = [ch for ch in left if not ch.isspace()]
    seen = 0
    for i, ch in enumerate(text):
        if seen == len(want):
            right = i
            while right < len(text) and text[right].isspace():
                right += 1
            end = i
            while end > 0 and text[end - 1].isspace():
                end -= 1
            return (end, right) if right < len(text) else None
        if ch.isspace():
            continue
        if ch != want[seen]:
            return None
        seen += 1
    return None
