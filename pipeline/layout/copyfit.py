"""Copyfit: photo heights, head space and body size chosen so the text fills the columns."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..errors import PinbanError
from ..fonts import Face
from ..model import INTRO, Edition
from ..style import Style
from .arrange import Cell, Row, arrange, cell_natural, row_natural
from .blocks import Item, compose_block, report_items
from .flow import Flow, Segment, flow
from .geometry import CELL_PAD, Bands, Geometry, bands


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
