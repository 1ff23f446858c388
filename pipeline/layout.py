"""Lay an edition out as a two-page spread: the display list.

The page, top to bottom: 报眉 (page header and rule), the 通版 headline band across both pages,
then the body area on the baseline grid. In the body area photos stand in *rows* that span a
page's full type width (each photo a whole number of columns, every photo of a row the same
height in whole grid lines); the report flows through the free column segments left between
them, page 02 column 1 to the last column of page 03, reading down each column.

Automatic arrangement (no `place` in edition.toml):
  * page 02's first row is the intro (导语) beside the lead photo;
  * the other photos fill rows of 4 (two columns each) or 3 (3 + 3 + 2 columns), dealt
    alternately to page 03's top, page 02's foot, page 03's foot …, so both pages carry a
    similar weight of pictures; portrait photos go to the narrow cells;
  * each row's height starts from its photos' natural height at that width.
Copyfit then searches row heights (whole grid steps, within ±25 % of natural) and the space
above heads for the arrangement whose text ends at the foot of the last column with the least
empty space at column feet; if no arrangement holds the text, the smallest-overset one is
reported (text is never dropped). Photos are cropped to their cells around the focal point,
never distorted. Explicit placements take their cells first and the rest is arranged around them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image

from .compose import ComposeRules, Line, TextRun, compose
from .display import DisplayList, Frame, Overset, Page, Picture, Rule, TextLine
from .errors import PinbanError
from .fonts import Face
from .model import BODY, INTRO, SECTION, SUBSECTION, Block, Edition, Photo, Run
from .style import ParaStyle, Style

CAPTION_GAP = 4.0  # pt between a photo and its caption
CELL_PAD = 8.0  # pt kept free below a caption, before the next grid line holds text
HEADER_LINES = 2  # grid lines of the 报眉 band
KEEP_AFTER_HEAD = 2  # body lines a head keeps with it in the same column


# --- geometry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    style: Style
    page_index: int

    @property
    def x0(self) -> float:
        """Left edge of the type area: the inner margin faces the fold."""
        s = self.style
        if self.page_index == 0:
            return s.page_width - s.margin_inner - s.type_width
        return s.margin_inner

    def col_x(self, column: int) -> float:  # 1-based
        s = self.style
        return self.x0 + (column - 1) * (s.column_width + s.gutter)

    def span_width(self, span: int) -> float:
        s = self.style
        return span * s.column_width + (span - 1) * s.gutter


@dataclass(frozen=True)
class Bands:
    header_top: float
    header_rule: float
    headline_top: float
    body_top: float  # top of grid line 0
    rows: int  # grid lines in the body area


def bands(style: Style, edition: Edition, faces: dict[str, Face]) -> Bands:
    header_top = style.margin_top
    # the 报眉 band holds the page number (its largest type) in whole grid lines
    header_rule = header_top + max(HEADER_LINES, math.ceil((style.header_number_size + 6) / style.leading)) * style.leading
    hl = edition.headline
    height = 0.0
    for kind, text in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)):
        if text:
            height += style.para(kind).leading
    headline_top = header_rule + style.leading * 0.5
    body_top = headline_top + height + style.leading
    body_top = header_top + math.ceil((body_top - header_top) / style.leading) * style.leading
    rows = int((style.page_height - style.margin_bottom - body_top) // style.leading)
    return Bands(header_top, header_rule, headline_top, body_top, rows)


EM_TOP = 0.88  # the ideographic em box spans 0.88 em above the baseline to 0.12 em below


def baseline_in_cell(style: Style, cell_top: float, size: float, leading: float, face: Face | None) -> float:
    """Baseline of a line whose ideographic em box is centred in a line of `leading` from cell_top."""
    return cell_top + (leading - size) / 2 + EM_TOP * size


# --- composing text ---------------------------------------------------------------------------


def runs_for(block_runs, para: ParaStyle, size: float | None = None) -> list[TextRun]:
    sz = size or para.size
    return [TextRun(r.text, para.bold_face if r.bold else para.face, sz) for r in block_runs]


def rules_for(para: ParaStyle, indent: bool = True) -> ComposeRules:
    align = para.align if para.align in ("justify", "start", "center") else "justify"
    return ComposeRules(indent_em=para.indent_em if indent else 0.0, align=align)


def compose_block(block: Block, para: ParaStyle, measure: float, faces, size: float | None = None) -> tuple[Line, ...]:
    return compose(runs_for(block.runs, para, size), measure, faces, rules_for(para), where=str(block.source))


def compose_text(text: str, para: ParaStyle, measure: float, faces, where: str, size: float | None = None) -> tuple[Line, ...]:
    return compose(runs_for((Run(text),), para, size), measure, faces, rules_for(para), where=where)


# --- the flow of the report -----------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One unit of the report's flow: a head (several grid lines, kept with what follows) or a body line."""

    block: Block
    lines: tuple[Line, ...]
    height: int  # grid lines
    head: bool
    space: int = 0  # grid lines of space above the head's text (dropped at a column top)


def report_items(edition: Edition, style: Style, faces) -> list[Item]:
    items: list[Item] = []
    measure = style.column_width
    for block in edition.report:
        if block.kind in (SECTION, SUBSECTION):
            para = style.para(block.kind)
            lines = compose_block(block, para, measure, faces)
            text_lines = math.ceil(len(lines) * para.leading / style.leading - 1e-6)
            space = max(para.lines - text_lines, 1)  # a head always has a line of air above it
            items.append(Item(block, lines, text_lines + space, True, space))
        elif block.kind == BODY:
            para = style.para("body")
            for line in compose_block(block, para, measure, faces):
                items.append(Item(block, (line,), 1, False))
    return items


@dataclass
class Segment:
    """A free stretch of one body column: text frames are made from these, in reading order."""

    page: int
    column: int
    top: int  # first grid line
    rows: int


@dataclass
class Flow:
    placed: list[list[tuple[Item, int, int]]]  # per segment: (item, first grid line, height used)
    overset: list[Item]
    empty_feet: list[int]  # empty grid lines at the foot of each segment


def flow(items: list[Item], segments: list[Segment]) -> Flow:
    """Fill segments in order. A head keeps KEEP_AFTER_HEAD lines with it (one, and no space
    above it, when that is what keeps the column foot full); no short widow opens a column."""
    placed: list[list[tuple[Item, int, int]]] = [[] for _ in segments]
    empties: list[int] = []
    i = 0
    for s_index, seg in enumerate(segments):
        used = 0
        while i < len(items) and used < seg.rows:
            item = items[i]
            room = seg.rows - used
            if item.head:
                height = head_height(items, i, used, room)
                if height is None:
                    break
            else:
                height = 1
                if room == 1 and widow_next(items, i):
                    break  # the paragraph's short last line would open the next column alone
            placed[s_index].append((item, seg.top + used, height))
            used += height
            i += 1
        empties.append(seg.rows - used)
    return Flow(placed, items[i:], empties)


def head_height(items: list[Item], i: int, used: int, room: int) -> int | None:
    """Grid lines a head takes here, or None when it must move to the next column."""
    item = items[i]
    if used == 0:
        return item.height - item.space  # no space above a head at a column top
    if item.height + KEEP_AFTER_HEAD <= room:
        return item.height
    tight = item.height - item.space
    # Squeezed: without its space and with one line after it, filling the foot exactly.
    if tight + 1 == room and i + 1 < len(items) and not items[i + 1].head and not widow_next(items, i + 1):
        return tight
    return None


def widow_next(items: list[Item], i: int) -> bool:
    """True when items[i+1] is the short last line of the same paragraph as items[i]."""
    if i + 1 >= len(items):
        return False
    nxt = items[i + 1]
    if nxt.head or nxt.block is not items[i].block or not nxt.lines[0].last:
        return False
    line = nxt.lines[0]
    return line.width < line.measure * 0.6


# --- photos and rows --------------------------------------------------------------------------


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


@lru_cache(maxsize=256)
def pixel_size(path: str) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # check reports the size itself
            with Image.open(path) as im:
                return im.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return (0, 0)


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


def caption_lines(photo: Photo, width: float, style: Style, faces) -> tuple[Line, ...]:
    text = photo.caption + (f"（{photo.credit} 摄）" if photo.credit else "")
    return compose_text(text, style.para("caption"), width, faces, str(photo.source))


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


# --- the intro (导语): sized to fill its cell ------------------------------------------------


def fit_intro(block: Block, para: ParaStyle, width: float, rows: int, style: Style, faces) -> tuple[float, tuple[Line, ...]]:
    """The largest intro size (in 0.5 pt steps, from the style's size up to 1.5×) that fits `rows`."""
    best = (para.size, compose_block(block, para, width, faces))
    size = para.size
    while size <= para.size * 1.5:
        lines = compose_block(block, para, width, faces, size=size)
        leading = para.leading * size / para.size
        if len(lines) * leading + CELL_PAD <= rows * style.leading:
            best = (size, lines)
        size += 0.5
    return best


# --- copyfit ----------------------------------------------------------------------------------


@dataclass
class Plan:
    rows: list[Row]
    segments: list[Segment]
    flow: Flow
    score: float


def placements(rows: list[Row], total_rows: int) -> list[tuple[Row, int]]:
    """Each row with its first grid line: top rows stack down from the top of the body area,
    foot rows up from its foot, explicit rows where the art editor put them (or below the top rows)."""
    out: list[tuple[Row, int]] = []
    for page in (0, 1):
        top, bottom = 0, total_rows
        mine = [r for r in rows if r.page == page]
        for r in (r for r in mine if r.at_top and r.start is None and not r.explicit):
            out.append((r, top))
            top += r.height
        for r in reversed([r for r in mine if not r.at_top]):
            bottom -= r.height
            out.append((r, bottom))
        for r in (r for r in mine if r.explicit):
            out.append((r, r.start if r.start is not None else top))
    return out


def segments_for(rows: list[Row], style: Style, total_rows: int) -> list[Segment]:
    """The free stretches of every column, in reading order: page, column, top to bottom."""
    placed = placements(rows, total_rows)
    segs: list[Segment] = []
    for page in (0, 1):
        for col in range(1, style.columns + 1):
            covered = sorted((start, start + r.height) for r, start in placed if r.page == page
                             and any(c.column <= col < c.column + c.span for c in r.cells))
            pos = 0
            for a, b in covered + [(total_rows, total_rows)]:
                if a > pos:
                    segs.append(Segment(page, col, pos, a - pos))
                pos = max(pos, b)
    return segs


def tune_head_space(plan: Plan, items: list[Item]) -> Plan:
    """Fine copyfit: one grid line more (or less) of space above the last heads moves the end
    of the report by whole lines, filling the last column's foot or pulling back a line or two."""
    heads = [k for k, item in enumerate(items) if item.head]
    best = plan
    choices = [heads[-count:] for count in range(1, len(heads) + 1)] + [heads[:count] for count in range(1, len(heads))]
    for delta in (1, -1):
        for chosen in choices:
            tuned = list(items)
            for k in chosen:
                item = tuned[k]
                if item.space + delta < 0:
                    continue
                tuned[k] = replace(item, height=item.height + delta, space=item.space + delta)
            fl = flow(tuned, plan.segments)
            sc = score(fl, plan.rows)
            if sc < best.score - 1e-9:
                best = Plan(plan.rows, plan.segments, fl, sc)
    return best


def overlap_problem(rows: list[Row], total_rows: int) -> PinbanError | None:
    """What is wrong when photos (the art editor's placements among them) overlap or leave the page."""
    placed = placements(rows, total_rows)
    for i, (r1, s1) in enumerate(placed):
        for r2, s2 in placed[i + 1:]:
            if r1.page != r2.page or s1 >= s2 + r2.height or s2 >= s1 + r1.height:
                continue
            for c1 in r1.cells:
                for c2 in r2.cells:
                    if c1.column < c2.column + c2.span and c2.column < c1.column + c1.span:
                        ids = [c.photo.id if c.photo else "the intro" for c in (c1, c2)]
                        placed_photo = next((c.photo for c in (c1, c2) if c.photo and c.photo.placement), None)
                        return PinbanError(f"photo {ids[0]} and {ids[1]} overlap",
                                           str(placed_photo.source) if placed_photo else "edition.toml",
                                           "move the placed photo ([photos.place] column/row) clear of the others")
    for r, s in placed:
        if s < 0 or s + r.height > total_rows:
            photo = r.cells[0].photo
            return PinbanError(f"photo {photo.id if photo else ''} does not fit on the page at that row",
                               str(photo.source) if photo else "edition.toml",
                               "choose a smaller row or rows in [photos.place]")
    return None


def score(fl: Flow, rows: list[Row]) -> float:
    over = sum(i.height for i in fl.overset)
    if over:
        return 1e6 + over
    waste = sum(max(e - 1, 0) for e in fl.empty_feet[:-1]) * 1000  # at most one empty line at a foot
    last = fl.empty_feet[-1] if fl.empty_feet else 0
    drift = sum(abs(r.height - r.natural) / max(r.natural, 1) for r in rows if r.natural)
    return waste + last * 12 + drift


def copyfit(rows: list[Row], items: list[Item], style: Style, total_rows: int, intro_rows: int) -> Plan:
    """Search each page's photo budget (grid lines shared by its auto rows) so the report ends
    at the foot of the last column; cheap capacity checks prune before any flow is run."""
    for r in rows:
        if r.explicit and not r.fixed:
            r.height, r.fixed = r.natural, True
    needed = sum(i.height for i in items)
    auto = {p: [r for r in rows if r.page == p and not r.fixed] for p in (0, 1)}
    ranges = {p: budget_range(auto[p], intro_rows) for p in (0, 1)}
    best: Plan | None = None
    fallback: Plan | None = None
    for b0 in ranges[0]:
        for b1 in ranges[1]:
            if not assign_heights(rows, {0: b0, 1: b1}, intro_rows):
                continue
            segs = segments_for(rows, style, total_rows)
            capacity = sum(sg.rows for sg in segs)
            slack = capacity - needed
            if 0 <= slack <= 2 * style.columns or fallback is None or capacity > sum(sg.rows for sg in fallback.segments):
                if overlap_problem(rows, total_rows):
                    continue
                fl = flow(items, segs)
                plan = Plan([Row(r.page, r.at_top, r.cells, r.natural, r.height, r.start, r.fixed, r.explicit)
                             for r in rows], segs, fl, score(fl, rows))
                if slack < 0 or fl.overset:
                    if fallback is None or plan.score < fallback.score:
                        fallback = plan
                    continue
                if best is None or plan.score < best.score:
                    best = plan
    best = best or fallback
    if best is None:
        raise overlap_problem(rows, total_rows) or PinbanError(
            "the photos leave no room for the report", "layout", "drop photos or use a larger page")
    best = tune_head_space(best, items)
    for r, b in zip(rows, best.rows):
        r.height = b.height
    return best


def budget_range(auto: list[Row], intro_rows: int) -> range:
    natural = sum(r.natural for r in auto)
    if not auto:
        return range(1)
    low = max(math.floor(natural * 0.75), sum(intro_rows for r in auto if r.cells[0].photo is None), 1)
    return range(low, math.ceil(natural * 1.25) + 1)


def assign_heights(rows: list[Row], budget: dict[int, int], intro_rows: int) -> bool:
    """Share each page's photo budget among its auto rows in proportion to their natural heights."""
    for page, total in budget.items():
        mine = [r for r in rows if r.page == page and not r.fixed]
        if not mine:
            continue
        natural = sum(r.natural for r in mine)
        if natural <= 0 or total <= 0:
            return False
        acc = 0.0
        given = 0
        for n, r in enumerate(mine):
            acc += total * r.natural / natural
            h = round(acc) - given if n < len(mine) - 1 else total - given
            if h < 0.75 * r.natural or h > 1.25 * r.natural or (r.cells[0].photo is None and h < intro_rows):
                return False
            r.height = h
            given += h
    return True


# --- the display list -------------------------------------------------------------------------


def body_options(style: Style) -> list[Style]:
    """Body sizes copyfit may use: the column keeps its width and stays a whole number of
    characters wide; the leading scales with the size."""
    out = [style]
    width = style.column_width
    for chars in range(style.column_chars - 1, 0, -1):
        size = width / chars
        if size > style.max_body_size + 1e-9:
            break
        if size >= style.min_body_size:
            out.append(style.with_body(size, chars))
    return out


@dataclass
class Attempt:
    style: Style
    band: Bands
    rows: list[Row]
    plan: Plan


def attempt(edition: Edition, style: Style, faces: dict[str, Face]) -> Attempt:
    band = bands(style, edition, faces)
    geos = (Geometry(style, 0), Geometry(style, 1))
    rows = arrange(edition, style)
    for row in rows:
        row.natural = row_natural(row, geos[row.page], style, faces, edition)
    intro_rows = 0
    if edition.intro is not None:
        intro_rows = balance_intro(rows[0], edition, style, faces, geos[0])
    items = report_items(edition, style, faces)
    return Attempt(style, band, rows, copyfit(rows, items, style, band.rows, intro_rows))


def balance_intro(row: Row, edition: Edition, style: Style, faces, geo: Geometry) -> int:
    """Share page 02's first row between the intro and the lead photo so that the intro, set up
    to a quarter larger than its style, is about as tall as the photo; returns the intro's rows."""
    para = style.para(INTRO)
    best = None
    for span in range(3, style.columns - 2):
        lines = compose_block(edition.intro, para, geo.span_width(span), faces, size=para.size * 1.25)
        rows = math.ceil((len(lines) * para.leading * 1.25 + CELL_PAD) / style.leading)
        photo = 0
        if len(row.cells) > 1:
            photo = cell_natural(Cell(row.cells[1].photo, span + 1, style.columns - span), geo, style, faces, edition)
        if best is None or abs(rows - photo) < best[0]:
            best = (abs(rows - photo), span, rows, photo)
    _, span, _, photo = best
    row.cells[0].span = span
    if len(row.cells) > 1:
        row.cells[1].column, row.cells[1].span = span + 1, style.columns - span
    lines = compose_block(edition.intro, para, geo.span_width(span), faces)
    minimum = math.ceil((len(lines) * para.leading + CELL_PAD) / style.leading)
    row.natural = max(photo, minimum)
    return minimum


def lay_out(edition: Edition, style: Style, faces: dict[str, Face]) -> DisplayList:
    """Copyfit over the allowed body sizes; the best-scoring attempt becomes the display list."""
    best: Attempt | None = None
    tried = 0
    for option in body_options(style):
        try:
            result = attempt(edition, option, faces)
        except PinbanError:
            if option is style:
                raise
            continue
        tried += 1
        if best is None or result.plan.score < best.plan.score - 1e-6:
            best = result
    assert best is not None
    return display_list(edition, best, faces, tried)


def display_list(edition: Edition, best: Attempt, faces: dict[str, Face], passes: int) -> DisplayList:
    style, band, plan = best.style, best.band, best.plan
    geos = (Geometry(style, 0), Geometry(style, 1))
    pages = []
    for index, geo in enumerate(geos):
        frames: list[Frame] = []
        pictures: list[Picture] = []
        rules: list[Rule] = []
        name = edition.pages[index]
        frames += header_frames(edition, style, faces, geo, band, name, rules)
        frames += headline_frames(edition, style, faces, geo, band, name)
        frames += row_frames(edition, style, faces, geo, band, plan.rows, name, pictures)
        frames += column_frames(plan, style, faces, geo, band, name)
        pages.append(Page(name, index, index * style.page_width, style.page_width, style.page_height,
                          tuple(frames), tuple(pictures), tuple(rules)))
    return DisplayList(
        edition=edition.name,
        date=edition.date.isoformat(),
        title=f"{edition.section} {edition.date_text} 第{edition.pages[0]}–{edition.pages[1]}版 {edition.headline.title}",
        pages=tuple(pages),
        body_size=style.body_size,
        leading=style.leading,
        grid_origin=baseline_in_cell(style, band.body_top, style.body_size, style.leading, None),
        overset=overset_of(plan.flow),
        passes=passes,
    )


def overset_of(fl: Flow) -> Overset | None:
    if not fl.overset:
        return None
    blocks = tuple(dict.fromkeys(i.block.id for i in fl.overset))
    chars = sum(line.end - line.start for i in fl.overset for line in i.lines)
    # the sections that overrun: the one the overset starts in, and every head after it
    where: list[str] = []
    if not fl.overset[0].head:
        placed = [item for seg in fl.placed for item, _, _ in seg if item.head]
        section = next((i for i in reversed(placed) if i.block.kind == SECTION), None)
        sub = next((i for i in reversed(placed) if i.block.kind == SUBSECTION), None)
        if sub is not None and section is not None and placed.index(sub) < placed.index(section):
            sub = None
        where.append(" ".join(i.block.text for i in (section, sub) if i is not None))
    where += [i.block.text for i in fl.overset if i.head]
    return Overset(sum(i.height for i in fl.overset), chars, blocks, tuple(dict.fromkeys(w for w in where if w)))


def text_line(line: Line, x: float, baseline: float, block_id: str, kind: str, number: int = 0) -> TextLine:
    return TextLine(x, baseline, line.measure, line.spans, block_id, kind, line.start, line.end,
                    line.first, line.last, number)


def column_frames(plan: Plan, style: Style, faces, geo: Geometry, band: Bands, name: str) -> list[Frame]:
    """One frame per free column stretch; line numbers count grid lines from the column's first."""
    frames = []
    body_face = faces[style.para("body").face]
    mine = [(seg, placed) for seg, placed in zip(plan.segments, plan.flow.placed) if seg.page == geo.page_index]
    first_top = {}
    for seg, _ in mine:
        first_top.setdefault(seg.column, seg.top)
    for seg, placed in mine:
        x = geo.col_x(seg.column)
        lines: list[TextLine] = []
        for item, top, height in placed:
            number = top - first_top[seg.column] + 1
            cell_top = band.body_top + top * style.leading
            if item.head:
                para = style.para(item.block.kind)
                lines += head_lines(item, para, style, faces, x, cell_top, height, number)
                continue
            base = baseline_in_cell(style, cell_top, style.body_size, style.leading, body_face)
            lines.append(text_line(item.lines[0], x, base, item.block.id, "body", number))
        part = "" if seg.top == first_top[seg.column] else f"-{seg.top}"
        frames.append(Frame(f"{name}-c{seg.column}{part}", name, "column", x, band.body_top + seg.top * style.leading,
                            style.column_width, seg.rows * style.leading, style.leading, tuple(lines), seg.column))
    return frames


def head_lines(item: Item, para: ParaStyle, style: Style, faces, x: float, top: float, height: int,
               number: int) -> list[TextLine]:
    """A head's text sits at the foot of its block of grid lines, each line on a grid baseline
    when it has the body leading, else centred in what is left."""
    face = faces[para.face]
    text_h = len(item.lines) * para.leading
    block_h = height * style.leading
    first_top = top + block_h - math.ceil(text_h / style.leading) * style.leading
    first_top += (math.ceil(text_h / style.leading) * style.leading - text_h) / 2
    out = []
    for k, line in enumerate(item.lines):
        base = baseline_in_cell(style, first_top + k * para.leading, para.size, para.leading, face)
        grid_line = number + int((base - top) // style.leading)
        out.append(text_line(line, x, base, item.block.id, item.block.kind, grid_line))
    return out


def header_frames(edition: Edition, style: Style, faces, geo: Geometry, band: Bands, name: str,
                  rules: list[Rule]) -> list[Frame]:
    """报眉: page number and section at the outer edge; the date (page 02) or the credits
    (page 03) toward the fold. Each piece is a line of its own under the id the DOCX and the
    checker use for it (furniture.section, furniture.date, furniture.credits.N)."""
    para = style.para("header")
    num_para = ParaStyle("header", style.header_number_face, style.header_number_face, style.header_number_size,
                         style.header_number_size, 0, 0, "start")
    left, right = geo.x0, geo.x0 + style.type_width
    base = band.header_rule - 6
    gap = para.size

    def piece(block_id: str, text: str, p: ParaStyle = para) -> tuple[str, Line, ParaStyle]:
        return block_id, compose_text(text, p, p.size * (len(text) + 2), faces, "edition.toml")[0], p

    outer = [piece(f"furniture.page.{name}", name, num_para), piece("furniture.section", edition.section)]
    if geo.page_index == 0:
        inner = [piece("furniture.date", f"{edition.date_text} {edition.weekday}")]
    else:
        inner = [piece(f"furniture.credits.{i + 1}", c.text) for i, c in enumerate(edition.credits)]
    # page 02 reads outward-in from the left edge, page 03 from the right edge
    if geo.page_index == 0:
        placed = side_by_side(outer, left, gap) + side_by_side(inner, right - row_width(inner, gap), gap)
    else:
        placed = side_by_side(inner, left, 2 * gap) + side_by_side(outer[::-1], right - row_width(outer, gap), gap)
    frames = []
    for block_id, line, p, x in placed:
        tl = text_line(line, x, base, block_id, "header")
        frames.append(Frame(f"{name}-{block_id}", name, "header", x, base - p.size, line.width, p.size * 1.3,
                            p.leading, (tl,)))
    rules.append(Rule(name, left, band.header_rule, right, band.header_rule, style.header_rule))
    return frames


def row_width(pieces: list[tuple[str, Line, ParaStyle]], gap: float) -> float:
    return sum(line.width for _, line, _ in pieces) + gap * (len(pieces) - 1)


def side_by_side(pieces: list[tuple[str, Line, ParaStyle]], x: float, gap: float) -> list[tuple]:
    out = []
    for block_id, line, p in pieces:
        out.append((block_id, line, p, x))
        x += line.width + gap
    return out


def headline_frames(edition: Edition, style: Style, faces, geo: Geometry, band: Bands, name: str) -> list[Frame]:
    """The 通版 headline: each part centred on the fold, split between the pages at a space (or
    between two characters), so nothing is drawn across the fold."""
    frames = []
    top = band.headline_top
    hl = edition.headline
    for kind, text in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)):
        if not text:
            continue
        para = style.para(kind)
        left_text, right_text = split_for_fold(text)
        part = left_text if geo.page_index == 0 else right_text
        gap = para.size * 0.5
        face = faces[para.face]
        base = baseline_in_cell(style, top, para.size, para.leading, face)
        top += para.leading
        if not part:
            continue
        tracking = para.tracking_em
        lines = compose(runs_for((Run(part),), para), para.size * (len(part) * (1 + tracking) + 2), faces,
                        ComposeRules(indent_em=0, align="start"), where=str(hl.source))
        line = lines[0]
        spans = track(line, para.size * tracking)
        width = sum(s.width for s in spans)
        x = style.page_width - gap - width if geo.page_index == 0 else gap
        start = 0 if geo.page_index == 0 else len(text) - len(right_text)
        tl = TextLine(x, base, width, spans, f"headline.{kind}", kind, start, start + len(part), True, True)
        frames.append(Frame(f"{name}-{kind}", name, "headline", x, base - para.size, width, para.leading,
                            para.leading, (tl,)))
    return frames


def track(line: Line, tracking: float):
    """Open a display line's letter-spacing by `tracking` pt per character (headline style)."""
    out = []
    x = 0.0
    for s in line.spans:
        w = s.width + tracking * len(s.text)
        out.append(replace(s, x=x, tracking=s.tracking + tracking, width=w))
        x += w
    return tuple(out)


def split_for_fold(text: str) -> tuple[str, str]:
    """Split a spread-wide line at the space nearest its middle; without one, between the two
    middle characters. The space itself falls on the fold."""
    mid = len(text) / 2
    spaces = [i for i, ch in enumerate(text) if ch in " \u3000"]
    if spaces:
        cut = min(spaces, key=lambda i: abs(i - mid + 0.5))
        return text[:cut], text[cut + 1 :]
    cut = len(text) // 2
    return text[:cut], text[cut:]


def row_frames(edition: Edition, style: Style, faces, geo: Geometry, band: Bands, rows: list[Row], name: str,
               pictures: list[Picture]) -> list[Frame]:
    frames: list[Frame] = []
    for row, start in placements(rows, band.rows):
        if row.page != geo.page_index:
            continue
        y = band.body_top + start * style.leading
        for cell in row.cells:
            x = geo.col_x(cell.column)
            width = geo.span_width(cell.span)
            if cell.photo is None:
                frames += intro_frame(edition, style, faces, x, y, width, row.height, name)
            else:
                # the free pad faces the text: below a photo at the top, above one lower down
                frames += photo_cell(cell.photo, style, faces, x, y, width, row.height, name, pictures,
                                     pad_top=start > 0)
    return frames


def intro_frame(edition: Edition, style: Style, faces, x: float, y: float, width: float, rows: int,
                name: str) -> list[Frame]:
    intro = edition.intro
    if intro is None:
        return []
    para = style.para(INTRO)
    size, lines = fit_intro(intro, para, width, rows, style, faces)
    leading = para.leading * size / para.size
    face = faces[para.face]
    top = y  # aligned with the top of the lead photo
    out = tuple(
        text_line(line, x, baseline_in_cell(style, top + k * leading, size, leading, face), intro.id, INTRO)
        for k, line in enumerate(lines)
    )
    return [Frame(f"{name}-intro", name, "intro", x, y, width, rows * style.leading - CELL_PAD, leading, out)]


def photo_cell(photo: Photo, style: Style, faces, x: float, y: float, width: float, rows: int, name: str,
               pictures: list[Picture], pad_top: bool) -> list[Frame]:
    """Photo above its caption; the free pad faces the text: below a top row, above a foot row."""
    para = style.para("caption")
    caption = caption_lines(photo, width, style, faces)
    cap_h = len(caption) * para.leading
    img_h = rows * style.leading - CELL_PAD - cap_h - CAPTION_GAP
    if pad_top:
        y += CELL_PAD
    pixels = pixel_size(str(photo.path)) if photo.path else (0, 0)
    pictures.append(Picture(photo.id, name, x, y, width, img_h, str(photo.path or ""), pixels,
                            crop_box(pixels, width / img_h, photo.focus), photo.stand_in))
    face = faces[para.face]
    cap_top = y + img_h + CAPTION_GAP
    lines = tuple(
        text_line(line, x, baseline_in_cell(style, cap_top + k * para.leading, para.size, para.leading, face),
                  f"photo.{photo.id}", "caption")
        for k, line in enumerate(caption)
    )
    return [Frame(f"{name}-cap-{photo.id}", name, "caption", x, cap_top, width, cap_h, para.leading, lines)]


def crop_box(pixels: tuple[int, int], ratio: float, focus: tuple[float, float]) -> tuple[float, float, float, float]:
    """The largest part of the image with aspect `ratio`, centred on the focal point where it can be."""
    w, h = pixels
    if not w or not h:
        return (0, 0, 0, 0)
    if w / h > ratio:
        cw, ch = h * ratio, float(h)
    else:
        cw, ch = float(w), w / ratio
    left = min(max(focus[0] * w - cw / 2, 0), w - cw)
    top = min(max(focus[1] * h - ch / 2, 0), h - ch)
    return (round(left, 2), round(top, 2), round(cw, 2), round(ch, 2))
