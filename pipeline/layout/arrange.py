"""The arrangement of photos on the grid: rows of cells, their spans, and each cell's allowed heights.

A row is a band of cells across a page's columns, stacked from the top or from the foot of the body
area. Which photo goes into which row and span is decided here, in a few candidate shapes (up to
4, 3, 2 or 1 photos a row); how tall every cell is, is left to the solver (`solve`), from the
heights each cell allows:
  * a photo (kind "photo") may be cropped around its focus, keeping at least CROP_KEEP of its area,
    and is never set below GOOD_PPI when a larger crop would keep it above;
  * a chart or figure is never cropped: its cell takes the image's aspect at the cell's width, ± a
    grid line (the image is fitted inside, never distorted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import PinbanError
from ..model import Edition, Photo
from ..sources.photos import pixel_size
from ..style import Style
from .blocks import caption_lines
from .geometry import CAPTION_GAP, CELL_PAD, Geometry

CROP_KEEP = 0.75  # house bound: a photo keeps at least three quarters of its area
GOOD_PPI = 200.0  # print resolution a placed photo is kept at when it can be
MIN_PPI = 150.0  # below this a photo is not placed at that size at all
ROW_SIZES = (4, 3, 2, 1)  # photos per row, smallest photos first


@dataclass
class Cell:
    photo: Photo | None  # None: the intro
    column: int
    span: int
    natural: int = 0  # grid lines at the photo's own aspect (the intro: as tall as the lead photo)
    heights: tuple[int, ...] = ()  # allowed heights in grid lines
    height: int = 0  # chosen


@dataclass
class Row:
    page: int
    at_top: bool
    cells: list[Cell]
    order: int = 0  # position in its stack, 0 at the page's edge
    start: int | None = None  # an art editor's explicit first grid line (0-based)
    fixed: bool = False  # explicit height: the solver leaves it alone
    explicit: bool = False  # placed by the art editor
    height: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def natural(self) -> int:
        heights = [c.natural for c in self.cells]
        return max(heights) if heights else 0


def aspect(photo: Photo) -> float:
    if photo.path is None:
        return 1.5
    w, h = pixel_size(str(photo.path))
    return w / h if w and h else 1.5


def row_shapes(count: int, most: int = 4) -> list[int]:
    """Split `count` photos into rows of at most `most`: as many rows of 4 as leave the rest in rows
    of 3 (13 = 4 + 3 + 3 + 3), so no row of 1 or 2 spans a page; fewer photos a row when `most` says."""
    if most >= 4 and count >= 6:
        fours = max(a for a in range(count // 4 + 1) if (count - 4 * a) % 3 == 0)
        return [4] * fours + [3] * ((count - 4 * fours) // 3)
    shapes: list[int] = []
    while count > 0:
        take = min(count, most, 3)
        if take == 1 and shapes and shapes[-1] < 4:
            shapes[-1] += 1  # a lone last photo joins the row before rather than spanning the page
        else:
            shapes.append(take)
        count -= take
    return shapes


SPANS = {1: [8], 2: [4, 4], 3: [3, 3, 2], 4: [2, 2, 2, 2]}

# where the n-th row goes: (page, at the top?) — pictures dealt to both pages alike
SLOTS = [(1, True), (0, False), (1, False), (1, False), (0, False), (1, True)]


def arrange(edition: Edition, style: Style, most: int = 4, photos: list[Photo] | None = None) -> list[Row]:
    """The rows: page 02's first holds the intro beside the lead photo; the others take the
    remaining photos `most` at a time, dealt to the slots in turn; portrait photos to narrow cells."""
    if photos is None:
        photos = [p for p in edition.photos if p.placement is None]
    photos = list(photos)
    rows: list[Row] = explicit_rows(edition, style)
    lead = photos.pop(0) if photos and edition.intro is not None else None
    if edition.intro is not None:
        intro_span = style.columns // 2
        first = [Cell(None, 1, intro_span)]
        if lead:
            first.append(Cell(lead, intro_span + 1, style.columns - intro_span))
        rows.insert(0, Row(0, True, first))
    stacks: dict[tuple[int, bool], int] = {(0, True): 1 if edition.intro is not None else 0}
    shapes = row_shapes(len(photos), most)
    for n, (take, chunk) in enumerate(zip(shapes, deal(photos, shapes, style))):
        spans = SPANS[take] if style.columns == 8 else even_spans(style.columns, take)
        order = sorted(range(take), key=lambda k: spans[k])
        cells_photo: list[Photo | None] = [None] * take
        for k, photo in zip(order, sorted(chunk, key=aspect)):
            cells_photo[k] = photo
        page, at_top = SLOTS[n % len(SLOTS)]
        col = 1
        cells = []
        for span, photo in zip(spans, cells_photo):
            cells.append(Cell(photo, col, span))
            col += span
        position = stacks.get((page, at_top), 0)
        stacks[(page, at_top)] = position + 1
        rows.append(Row(page, at_top, cells, order=position))
    return rows


def deal(photos: list[Photo], shapes: list[int], style: Style) -> list[list[Photo]]:
    """Photos to rows in source order, except that a portrait goes to a row with a narrower cell
    (a row of 3), where it can stand as tall as its neighbours within the crop bound."""
    portraits = [p for p in photos if aspect(p) < 1]
    narrow = [k for k, take in enumerate(shapes)
              if len(set(SPANS[take] if style.columns == 8 else even_spans(style.columns, take))) > 1]
    chunks: list[list[Photo]] = [[] for _ in shapes]
    for k, photo in zip(narrow, portraits):
        chunks[k].append(photo)
    # the other portraits together in the last rows, where they stand aligned with each other
    dealt = [p for chunk in chunks for p in chunk]
    rest = iter([p for p in photos if p not in dealt and aspect(p) >= 1] + [p for p in portraits if p not in dealt])
    for k, take in enumerate(shapes):
        while len(chunks[k]) < take:
            chunks[k].append(next(rest))
    return chunks


def explicit_rows(edition: Edition, style: Style) -> list[Row]:
    """Photos the art editor placed: each its own cell at the given page, columns and grid lines."""
    rows = []
    for photo in edition.photos:
        place = photo.placement
        if place is None:
            continue
        where = str(photo.source)
        if place.page not in edition.pages:
            raise PinbanError(f"photo {photo.id} is placed on page {place.page}, not in this spread", where,
                              f"use one of {', '.join(edition.pages)}")
        if place.column + place.span - 1 > style.columns:
            raise PinbanError(f"photo {photo.id} spans past column {style.columns}", where,
                              "column + span − 1 must not exceed the columns of the grid")
        cell = Cell(photo, place.column, place.span)
        row = Row(edition.pages.index(place.page), True, [cell],
                  start=None if place.row is None else place.row - 1, explicit=True)
        if place.rows:
            cell.natural = cell.height = row.height = place.rows
            cell.heights = (place.rows,)
            row.fixed = True
        rows.append(row)
    return rows


def even_spans(columns: int, take: int) -> list[int]:
    base, extra = divmod(columns, take)
    return [base + (1 if k < extra else 0) for k in range(take)]


def caption_height(photo: Photo, width: float, style: Style, faces) -> float:
    """pt a cell gives its caption: the gap above it, its lines and the pad that faces the text."""
    caption = caption_lines(photo, width, style, faces)
    return CAPTION_GAP + len(caption) * style.para("caption").leading + CELL_PAD


def photo_heights(photo: Photo, width: float, style: Style, faces) -> tuple[int, tuple[int, ...]]:
    """A photo's natural height in grid lines and the heights its kind allows at `width`."""
    cap = caption_height(photo, width, style, faces)
    image = width / aspect(photo)
    natural = math.ceil((image + cap) / style.leading)
    if not photo.croppable:
        if placed_ppi(photo, width, image) < MIN_PPI:
            return natural, ()  # too wide for its pixels: not at this span
        return natural, tuple(n for n in (natural - 1, natural, natural + 1) if n * style.leading - cap > image * 0.5)
    low = math.ceil((image * CROP_KEEP + cap) / style.leading)
    high = math.floor((image / CROP_KEEP + cap) / style.leading)
    heights = [n for n in range(max(low, 1), high + 1)]
    # sharp enough for print when a crop allows it, else at least the least the press takes;
    # no height at all when this cell is too wide for the photo's pixels
    for bound in (GOOD_PPI, MIN_PPI):
        sharp = [n for n in heights if placed_ppi(photo, width, n * style.leading - cap) >= bound]
        if sharp:
            return natural, tuple(sharp)
    return natural, ()


def placed_ppi(photo: Photo, width: float, image_height: float) -> float:
    """Resolution of the photo cropped to width × image_height pt; infinite when its pixels are unknown."""
    if photo.path is None or image_height <= 0:
        return math.inf
    w, h = pixel_size(str(photo.path))
    if not w or not h:
        return math.inf
    ratio = width / image_height
    cw, ch = (h * ratio, h) if w / h > ratio else (w, w / ratio)
    return min(cw / (width / 72), ch / (image_height / 72))


def size_cells(rows: list[Row], geos: tuple[Geometry, Geometry], style: Style, faces) -> None:
    """Every photo cell's natural height and allowed heights (the intro's are set by `intro_cell`)."""
    deepest: dict[tuple[int, bool], int] = {}
    for row in rows:
        if not row.explicit:
            deepest[(row.page, row.at_top)] = max(deepest.get((row.page, row.at_top), 0), row.order)
    for row in rows:
        for cell in row.cells:
            if cell.photo is None or row.fixed:
                continue
            cell.natural, cell.heights = photo_heights(cell.photo, geos[row.page].span_width(cell.span), style, faces)
            alone = len(row.cells) == 1 and not row.explicit and row.order == deepest[(row.page, row.at_top)]
            while alone and not cell.heights and cell.span > 2:
                # a photo alone in the row nearest the text: narrower until its pixels suffice;
                # the text runs beside it
                cell.span -= 1
                cell.natural, cell.heights = photo_heights(cell.photo, geos[row.page].span_width(cell.span), style,
                                                           faces)
