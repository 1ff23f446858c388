"""The arrangement of photos on the grid: rows of cells, their spans and natural heights."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import PinbanError
from ..model import Edition, Photo
from ..sources.photos import pixel_size
from ..style import Style
from .blocks import caption_lines
from .geometry import CAPTION_GAP, CELL_PAD, Geometry


@dataclass
class Cell:
    photo: Photo | None  # None: the intro
    column: int
    span: int


@dataclass
class Row:
    page: int
    at_top: bool
    cells: list[Cell]
    natural: int  # natural height in grid lines
    height: int = 0
    start: int | None = None  # an art editor's explicit first grid line (0-based)
    fixed: bool = False  # explicit height: copyfit leaves it alone
    explicit: bool = False  # placed by the art editor


def aspect(photo: Photo) -> float:
    if photo.path is None:
        return 1.5
    w, h = pixel_size(str(photo.path))
    return w / h if w and h else 1.5


def row_shapes(count: int) -> list[int]:
    """Split `count` photos into rows of 4 and 3."""
    shapes: list[int] = []
    while count > 0:
        if count in (4, 8) or count >= 7:
            take = 4
        else:
            take = min(count, 3)
        shapes.append(take)
        count -= take
    return shapes


SPANS = {1: [8], 2: [4, 4], 3: [3, 3, 2], 4: [2, 2, 2, 2]}


def arrange(edition: Edition, style: Style) -> list[Row]:
    photos = [p for p in edition.photos if p.placement is None]
    rows: list[Row] = explicit_rows(edition, style)
    lead = photos.pop(0) if photos else None
    intro_span = style.columns // 2
    first = [Cell(None, 1, intro_span)]
    if lead:
        first.append(Cell(lead, intro_span + 1, style.columns - intro_span))
    rows.insert(0, Row(0, True, first, 0))
    slots = [(1, True), (0, False), (1, False), (1, False), (0, False), (1, True)]
    for n, take in enumerate(row_shapes(len(photos))):
        chunk, photos = photos[:take], photos[take:]
        spans = SPANS[take] if style.columns == 8 else even_spans(style.columns, take)
        # portrait photos to the narrowest cells
        order = sorted(range(take), key=lambda k: spans[k])
        chunk_sorted = sorted(chunk, key=aspect)
        cells_photo = [None] * take
        for k, photo in zip(order, chunk_sorted):
            cells_photo[k] = photo
        page, at_top = slots[n % len(slots)]
        col = 1
        cells = []
        for span, photo in zip(spans, cells_photo):
            cells.append(Cell(photo, col, span))
            col += span
        rows.append(Row(page, at_top, cells, 0))
    return rows


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
        row = Row(edition.pages.index(place.page), True, [Cell(photo, place.column, place.span)], 0,
                  start=None if place.row is None else place.row - 1, explicit=True)
        if place.rows:
            row.natural = row.height = place.rows
            row.fixed = True
        rows.append(row)
    return rows


def even_spans(columns: int, take: int) -> list[int]:
    base, extra = divmod(columns, take)
    return [base + (1 if k < extra else 0) for k in range(take)]


def cell_natural(cell: Cell, geo: Geometry, style: Style, faces, edition: Edition) -> int:
    width = geo.span_width(cell.span)
    if cell.photo is None:
        return 0
    caption = caption_lines(cell.photo, width, style, faces)
    total = width / aspect(cell.photo) + CAPTION_GAP + len(caption) * style.para("caption").leading + CELL_PAD
    return math.ceil(total / style.leading)


def row_natural(row: Row, geo: Geometry, style: Style, faces, edition: Edition) -> int:
    """A row's natural height: the mean of its photos' (one portrait among landscapes is cropped
    rather than making the whole row tall)."""
    heights = [cell_natural(c, geo, style, faces, edition) for c in row.cells if c.photo is not None]
    return round(sum(heights) / len(heights)) if heights else 0
