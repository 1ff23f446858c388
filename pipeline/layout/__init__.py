"""Lay an edition out as a two-page spread: the display list.

The page, top to bottom: 报眉 (page header and rule), the 通版 headline band across both pages,
then the body area on the baseline grid. In the body area the modules — the intro (导语), photos,
charts and figures — stand in rows stacked from the top or the foot of a page (`arrange`); the
report flows through the free column stretches left between them, page 02 column 1 to the last
column of page 03, reading down each column (`flow`).

Make-up is a search (`copyfit`, `solve`): for each body size and each candidate arrangement the
CP-SAT solver sizes every module within its bounds (a photo's crop and resolution, a chart's own
aspect, the intro's type sizes) so that the free lines hold the report, at the least cost of
deviation from natural sizes, page imbalance and blanks. Underset is resolved in this order:
larger photos (the solver's bounds, then arrangements with fewer, larger photos a row), the
intro's size, then the body size across the style's range; only then is it refused, with the
amount. Overset: smaller photos, then optional photos left out (named), then a smaller body; a
spread that cannot take its photos at their smallest says how many fit.
"""

from __future__ import annotations

import math

from ..display import DisplayList, Underset
from ..errors import PinbanError
from ..fonts import Face
from ..model import Edition, Photo
from ..style import Style
from .blocks import report_items
from .copyfit import Attempt, arrangements, attempt, body_options, cost_floor
from .page import display_list

BODY_STEP_COST = 2.0  # plan score per quarter point the body is set away from the style's size


def lay_out(edition: Edition, style: Style, faces: dict[str, Face]) -> DisplayList:
    photos = [p for p in edition.photos if p.placement is None]
    best, nearest, tried = search(edition, style, faces, photos)
    left_out: tuple[Photo, ...] = ()
    if best is None and nearest is not None and nearest.plan.short == 0:
        best, nearest, left_out, more = leave_out_optional(edition, style, faces, photos, nearest)
        tried += more
    if best is None and nearest is None and photos:
        too_many(edition, style, faces, photos)
    chosen = best or nearest
    assert chosen is not None
    display = display_list(edition, chosen, faces, tried)
    extra = {"left_out": tuple(p.id for p in left_out)}
    if best is None and chosen.plan.short:
        extra["underset"] = underset_of(chosen, edition)
    from dataclasses import replace

    return replace(display, **extra)


def search(edition: Edition, style: Style, faces, photos: list[Photo]) -> tuple[Attempt | None, Attempt | None, int]:
    """The filled attempt of least cost over body sizes and arrangements (a body size away from the
    style's costs BODY_STEP_COST per quarter point, so it moves only when stretching the photos would
    cost more), and the nearest unfilled attempt (least underset, or least overset) when none fills.
    Arrangements with fewer, larger photos a row are tried only when smaller ones leave the spread short."""
    nearest: Attempt | None = None
    best: Attempt | None = None
    best_cost = math.inf
    tried = 0
    for option in body_options(style):
        body_cost = BODY_STEP_COST * abs(option.body_size - style.body_size) / 0.25
        if body_cost >= best_cost:
            continue  # this size cannot beat the best plan whatever it fills
        if best is not None and all(body_cost + cost_floor(edition, option, faces, most, photos) >= best_cost - 1e-6
                                    for most in arrangements(edition)):
            continue  # nor can any arrangement at this size: its photos' least cost says so
        items = report_items(edition, option, faces)  # composed once per body size
        for most in arrangements(edition):
            try:
                filled, near = attempt(edition, option, faces, most, photos, items)
            except PinbanError:
                if option is style and most == 4:
                    raise
                continue
            tried += 1
            if filled is not None and filled.plan.score + body_cost < best_cost - 1e-6:
                best, best_cost = filled, filled.plan.score + body_cost
            if near is not None and (nearest is None or distance(near) < distance(nearest)):
                nearest = near
            if near is None or not near.plan.short:
                break  # filled or overset: larger photos would only hold less text
    if best is not None and best.plan.score < 1e6:
        return best, None, tried
    return None, nearest, tried


def distance(a: Attempt) -> float:
    """How far an unfilled attempt is from filling: its short lines, or its overset lines."""
    if a.plan.short:
        return a.plan.short
    return sum(i.height for i in a.plan.flow.overset) + 0.5


def leave_out_optional(edition, style, faces, photos, nearest):
    """Leave out optional photos, the last first, until the report fits."""
    left: list[Photo] = []
    kept = list(photos)
    tried = 0
    for photo in reversed(photos):
        if not photo.optional:
            continue
        kept.remove(photo)
        left.insert(0, photo)
        best, near, more = search(edition, style, faces, kept)
        tried += more
        if best is not None:
            return best, None, tuple(left), tried
        nearest = near or nearest
    return None, nearest, (), tried


def too_many(edition: Edition, style: Style, faces, photos: list[Photo]) -> None:
    """The photos do not go on the spread even at their smallest allowed size: refuse, saying how
    many of them (the first ones, in source order) would."""
    fits = 0
    low, high = 0, len(photos) - 1
    while low <= high:
        mid = (low + high) // 2
        best, near, _ = search(edition, style, faces, photos[:mid])
        if best is not None or near is not None:
            fits = mid
            low = mid + 1
        else:
            high = mid - 1
    raise PinbanError(f"too many photos: {fits} of {len(photos)} fit on the spread at their smallest allowed size",
                      str(photos[fits].source), "mark photos optional = true (they may be left out), or drop some")


def underset_of(a: Attempt, edition: Edition) -> Underset:
    chars = a.plan.short * a.style.column_chars
    return Underset(a.plan.short, chars, edition.pages[1])
