"""Copyfit: the sizes of the modules, the space above heads and the body size, so the text fills the columns.

For each candidate arrangement (photos 4, 3, 2 or 1 to a row) the solver (`solve`) sizes the modules
so the free column lines equal the report's lines plus a little slack; the report is flowed into
them and the flow's own waste (a head kept with its text, a widow avoided) decides among the
slacks. The best plan over arrangements and body sizes wins; when none fills the spread, the plan
nearest to it is kept together with the amount it is short (underset) or over (overset).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..errors import PinbanError
from ..fonts import Face
from ..model import INTRO, Edition, Photo
from ..style import Style
from . import solve
from .arrange import ROW_SIZES, Cell, Row, arrange, photo_heights, size_cells
from .blocks import Item, compose_block, report_items
from .flow import Flow, Segment, flow
from .geometry import CELL_PAD, Bands, Geometry, bands

DEVIATION_PER_POINT = 100  # solver cost units per point of plan score: a module 10 % off its natural size
# costs one point, a line left empty at the report's end twelve (score)
MAX_SLACK = 6  # free lines beyond the report's the solver may leave for the flow's own waste
GUTTER_BOUNDS = (0.75, 1.5)
INTRO_STEP = 0.5  # pt between the intro's sizes, from its style's size to half as large again  # gutter in body ems when the body size changes and the type area stays


@dataclass
class Plan:
    rows: list[Row]
    segments: list[Segment]
    flow: Flow
    score: float
    short: int = 0  # lines the text is short of filling the spread (underset), 0 when it fills


def rects(rows: list[Row], total_rows: int) -> list[tuple[Row, Cell, int, int]]:
    """Every cell with the grid lines it covers (first line, height). Top rows stack down from the
    top of the body area, foot rows up from its foot; the row nearest the text meets it cell by
    cell, a row inside a stack covers its full height; explicit rows stand where they were put."""
    out: list[tuple[Row, Cell, int, int]] = []
    for page in (0, 1):
        mine = [r for r in rows if r.page == page and not r.explicit]
        for at_top in (True, False):
            stack = sorted((r for r in mine if r.at_top == at_top), key=lambda r: r.order)
            edge = 0 if at_top else total_rows
            for k, r in enumerate(stack):
                inner = k == len(stack) - 1
                for c in r.cells:
                    height = c.height if inner else r.height
                    out.append((r, c, edge if at_top else edge - height, height))
                edge = edge + r.height if at_top else edge - r.height
        for r in (r for r in rows if r.page == page and r.explicit):
            for c in r.cells:
                out.append((r, c, r.start if r.start is not None else 0, r.height))
    return out


def segments_for(rows: list[Row], style: Style, total_rows: int) -> list[Segment]:
    """The free stretches of every column, in reading order: page, column, top to bottom."""
    placed = rects(rows, total_rows)
    segs: list[Segment] = []
    for page in (0, 1):
        for col in range(1, style.columns + 1):
            covered = sorted((start, start + height) for r, c, start, height in placed
                             if r.page == page and c.column <= col < c.column + c.span and height > 0)
            pos = 0
            for a, b in covered + [(total_rows, total_rows)]:
                if a > pos:
                    segs.append(Segment(page, col, pos, a - pos))
                pos = max(pos, b)
    return segs


def tune_head_space(plan: Plan, items: list[Item], extra: float) -> Plan:
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
            sc = score(fl) + extra
            if sc < best.score - 1e-9:
                best = Plan(plan.rows, plan.segments, fl, sc)
    return best


def overlap_problem(rows: list[Row], total_rows: int) -> PinbanError | None:
    """What is wrong when photos (the art editor's placements among them) overlap or leave the page."""
    placed = rects(rows, total_rows)
    for i, (r1, c1, s1, h1) in enumerate(placed):
        for r2, c2, s2, h2 in placed[i + 1:]:
            if r1.page != r2.page or s1 >= s2 + h2 or s2 >= s1 + h1 or h1 <= 0 or h2 <= 0:
                continue
            if c1.column < c2.column + c2.span and c2.column < c1.column + c1.span:
                ids = [c.photo.id if c.photo else "the intro" for c in (c1, c2)]
                placed_photo = next((c.photo for c in (c1, c2) if c.photo and c.photo.placement), None)
                return PinbanError(f"photo {ids[0]} and {ids[1]} overlap",
                                   str(placed_photo.source) if placed_photo else "edition.toml",
                                   "move the placed photo ([photos.place] column/row) clear of the others")
    for r, c, s, h in placed:
        if s < 0 or s + h > total_rows:
            photo = c.photo
            return PinbanError(f"photo {photo.id if photo else ''} does not fit on the page at that row",
                               str(photo.source) if photo else "edition.toml",
                               "choose a smaller row or rows in [photos.place]")
    return None


def score(fl: Flow) -> float:
    """The flow's part of the cost: overset first, then lines left empty at column feet."""
    over = sum(i.height for i in fl.overset)
    if over:
        return 1e6 + over
    waste = sum(max(e - 1, 0) for e in fl.empty_feet[:-1]) * 1000  # at most one empty line at a foot
    last = fl.empty_feet[-1] if fl.empty_feet else 0
    return waste + last * 12


def problem_of(rows: list[Row], style: Style, total_rows: int) -> solve.Problem:
    auto = [r for r in rows if not r.explicit]
    specs = tuple(solve.RowSpec(r.page, r.at_top, r.order) for r in auto)
    modules = []
    for index, r in enumerate(auto):
        shared = shared_heights(r)
        for c in r.cells:
            heights = shared if shared and c.photo is not None and c.photo.croppable else c.heights
            group = 0 if shared and c.photo is not None and c.photo.croppable else -1
            modules.append(solve.Module(index, tuple(range(c.column, c.column + c.span)), heights, c.natural, group))
    fixed = tuple(solve.Fixed(r.page, tuple(range(c.column, c.column + c.span)), r.height, r.start)
                  for r in rows if r.explicit for c in r.cells)
    return solve.Problem(style.columns, total_rows, specs, tuple(modules), fixed)


def shared_heights(row: Row) -> tuple[int, ...]:
    """Heights every photo of a row allows, so they stand aligned; () when they allow none in common."""
    sets = [set(c.heights) for c in row.cells if c.photo is not None and c.photo.croppable]
    if len(sets) < 2:
        return ()
    common = set.intersection(*sets)
    return tuple(sorted(common))


def apply(rows: list[Row], solution: solve.Solution) -> None:
    auto = [r for r in rows if not r.explicit]
    k = 0
    for index, r in enumerate(auto):
        for c in r.cells:
            c.height = solution.heights[k]
            k += 1
        r.height = solution.row_heights[index]
    fixed_rows = [r for r in rows if r.explicit]
    starts = iter(solution.fixed_starts)
    for r in fixed_rows:
        for _ in r.cells:
            r.start = next(starts)


def snapshot(rows: list[Row]) -> list[Row]:
    return [replace(r, cells=[replace(c) for c in r.cells]) for r in rows]


def copyfit(rows: list[Row], items: list[Item], style: Style, total_rows: int) -> Plan | None:
    """The best sizes for one arrangement: for each slack the solver's cheapest sizes, the report
    flowed into them; None when no sizes hold the report (see `shortfall`)."""
    settle_placed(rows)
    needed = sum(i.height for i in items)
    problem = problem_of(rows, style, total_rows)
    best: Plan | None = None
    for slack in range(MAX_SLACK + 1):
        solution = solve.solve(problem, needed, slack)
        if solution is None:
            continue
        apply(rows, solution)
        if overlap_problem(rows, total_rows):
            continue
        segs = segments_for(rows, style, total_rows)
        fl = flow(items, segs)
        extra = solution.cost / DEVIATION_PER_POINT
        plan = Plan(snapshot(rows), segs, fl, score(fl) + extra)
        if best is None or plan.score < best.score:
            best = plan
        if best.score < 1e3 and slack >= 1 and best.flow.empty_feet[-1] <= 1:
            break  # the report ends at the foot: more slack can only leave more blank
    if best is None:
        return None
    best = tune_head_space(best, items, best.score - score(best.flow))
    restore(rows, best.rows)
    return best


def settle_placed(rows: list[Row]) -> None:
    """A photo the art editor placed without giving its rows keeps its natural height."""
    for r in rows:
        if r.explicit and not r.fixed:
            for c in r.cells:
                c.height = c.natural
                c.heights = (c.natural,)
            r.height, r.fixed = r.natural, True


def restore(rows: list[Row], chosen: list[Row]) -> None:
    for r, b in zip(rows, chosen):
        r.height, r.start = b.height, b.start
        for c, bc in zip(r.cells, b.cells):
            c.height = bc.height


def extreme_plan(rows: list[Row], items: list[Item], style: Style, total_rows: int, goal: str) -> Plan | None:
    """The arrangement at its most covered ("least" free lines) or least covered ("most"): what an
    underset or overset spread looks like, with the amount."""
    solution = solve.solve(problem_of(rows, style, total_rows), None, goal=goal)
    if solution is None:
        return None
    apply(rows, solution)
    segs = segments_for(rows, style, total_rows)
    fl = flow(items, segs)
    needed = sum(i.height for i in items)
    return Plan(snapshot(rows), segs, fl, 2e6 + abs(solution.capacity - needed),
                short=max(solution.capacity - needed, 0))


def body_options(style: Style) -> list[Style]:
    """Body sizes copyfit may use, from the style's size outward in quarter points across its range:
    each column a whole number of characters wide, the type area kept (the gutter takes the
    difference, within GUTTER_BOUNDS), the leading scaled with the size."""
    out = [style]
    size = style.min_body_size
    while size <= style.max_body_size + 1e-9:
        if abs(size - style.body_size) > 1e-9:
            option = fitted_body(style, size)
            if option is not None:
                out.append(option)
        size += 0.25
    return sorted(out, key=lambda s: abs(s.body_size - style.body_size))


def fitted_body(style: Style, size: float) -> Style | None:
    width = style.type_width
    for chars in range(math.floor(style.column_width / size), 0, -1):
        gutter = (width - style.columns * chars * size) / (style.columns - 1)
        if GUTTER_BOUNDS[0] * size <= gutter <= GUTTER_BOUNDS[1] * size:
            return style.with_body(size, chars, gutter)
        if gutter > GUTTER_BOUNDS[1] * size:
            return None
    return None


@dataclass
class Attempt:
    style: Style
    band: Bands
    rows: list[Row]
    plan: Plan
    left_out: tuple[Photo, ...] = ()


def attempt(edition: Edition, style: Style, faces: dict[str, Face], most: int,
            photos: list[Photo] | None = None, items: list[Item] | None = None) -> tuple[Attempt | None, Attempt | None]:
    """One arrangement at one body size: (the filled plan or None, the nearest unfilled one)."""
    band = bands(style, edition, faces)
    rows = sized_rows(edition, style, faces, most, photos)
    if items is None:
        items = report_items(edition, style, faces)
    plan = copyfit(rows, items, style, band.rows)
    if plan is not None:
        return Attempt(style, band, rows, plan), None
    least = extreme_plan(rows, items, style, band.rows, "least")
    if least is not None and least.short > 0:
        return None, Attempt(style, band, rows, least)
    most_plan = extreme_plan(rows, items, style, band.rows, "most")
    if most_plan is None:
        problem = overlap_problem(rows, band.rows)
        if problem is not None:
            raise problem
        return None, None  # these rows do not go on the pages at all
    return None, Attempt(style, band, rows, most_plan)


def sized_rows(edition: Edition, style: Style, faces: dict[str, Face], most: int,
               photos: list[Photo] | None) -> list[Row]:
    """The arrangement's rows with every cell's natural and allowed heights."""
    geos = (Geometry(style, 0), Geometry(style, 1))
    rows = arrange(edition, style, most, photos)
    size_cells(rows, geos, style, faces)
    if edition.intro is not None:
        intro_cell(rows[0], edition, style, faces, geos[0])
    return rows


def cost_floor(edition: Edition, style: Style, faces: dict[str, Face], most: int, photos: list[Photo] | None) -> float:
    """The least plan score any text can give this arrangement: a plan scores its sizes' cost and
    the flow's (never negative), and no sizes cost less than the solver proves for the model with
    the free lines left free. Known before the report is composed at this body size, so a size
    that cannot beat the best plan is not composed at all. Infinite when the arrangement cannot
    be made (it yields no plan either)."""
    try:
        rows = sized_rows(edition, style, faces, most, photos)
    except PinbanError:
        return math.inf
    settle_placed(rows)
    solution = solve.solve(problem_of(rows, style, bands(style, edition, faces).rows), None)
    return math.inf if solution is None else solution.floor / DEVIATION_PER_POINT


def arrangements(edition: Edition) -> list[int]:
    """Photos per row to try: rows of 4 and 3 first (the smallest photos), then fewer and larger."""
    count = sum(1 for p in edition.photos if p.placement is None)
    return [most for most in ROW_SIZES if most == ROW_SIZES[0] or count > 1]


def intro_cell(row: Row, edition: Edition, style: Style, faces, geo: Geometry) -> None:
    """Share page 02's first row between the intro and the lead photo so that the intro, set up
    to a quarter larger than its style, is about as tall as the photo; its heights run from its
    style's size to half as large again."""
    para = style.para(INTRO)
    lead = row.cells[1] if len(row.cells) > 1 else None
    best = None
    for span in range(3, style.columns - 2) if lead else (style.columns // 2,):
        rows = intro_rows(edition, para, geo.span_width(span), style, faces, 1.25)
        photo, allowed = 0, (0,)
        if lead is not None:
            photo, allowed = photo_heights(lead.photo, geo.span_width(style.columns - span), style, faces)
        # spans where the lead's pixels do not stretch that wide come last
        key = (not allowed, abs(rows - photo))
        if best is None or key < best[0]:
            best = (key, span, rows, photo)
    _, span, rows, photo = best
    intro = row.cells[0]
    intro.span = span
    if lead is not None:
        lead.column, lead.span = span + 1, style.columns - span
        lead.natural, lead.heights = photo_heights(lead.photo, geo.span_width(lead.span), style, faces)
    # only the heights some type size fills (the intro is drawn at the largest size that fits)
    width = geo.span_width(span)
    steps = int(para.size * 0.5 / INTRO_STEP + 1e-9)
    intro.heights = tuple(sorted({intro_rows(edition, para, width, style, faces, 1 + k * INTRO_STEP / para.size)
                                  for k in range(steps + 1)}))
    wanted = max(photo, rows) if lead else rows
    intro.natural = min(intro.heights, key=lambda n: (abs(n - wanted), n))


INTRO_LINES: dict[tuple, int] = {}  # (intro, style, width, size) → lines: every attempt asks again


def intro_rows(edition: Edition, para, width: float, style: Style, faces, scale: float) -> int:
    key = (edition.intro, para, round(width, 3), round(para.size * scale, 3))
    if key not in INTRO_LINES:
        if len(INTRO_LINES) > 4096:
            INTRO_LINES.clear()
        INTRO_LINES[key] = len(compose_block(edition.intro, para, width, faces, size=para.size * scale))
    return math.ceil((INTRO_LINES[key] * para.leading * scale + CELL_PAD) / style.leading)
