"""The arrangement's sizes as one integer model, minimised by OR-Tools CP-SAT.

The modules of a spread (the intro, photos, charts) stand in rows stacked from the top or the foot
of a page's body area. Every module has a set of allowed heights in whole grid lines (its crop and
resolution bounds, or its aspect ± a line for a chart), and the solver picks one per module so that
the free column lines hold the report exactly (plus a given slack), at the least cost:

    cost = Σ deviation of each module from its natural height (per line, relative to that height)
         + the imbalance of picture area between the two pages
         + the blank a module leaves under it when a shorter one stands beside a taller one.

Columns are a whole number of characters wide and every column takes the same body lines, so "the
text fills the free lines" is linear. The model is small (one variable per module and per row), and
it is solved with one worker, a fixed seed and a time limit, so the same sources give the same page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .cpsat import Linear, Literal, Model

SCALE = 100  # the cost is integral: 100 = one module off its natural height by all of it
BALANCE_WEIGHT = 200  # a spread with all pictures on one page costs as much as two modules doubled
GAP_WEIGHT = 40  # per grid line left blank under a module beside a taller one in its row
MIN_FREE = 3  # a column stretch of text is either absent or at least this many lines
TIME_LIMIT = 0.5  # seconds per solve; the models here are solved in milliseconds


@dataclass(frozen=True)
class Module:
    row: int  # index into the rows
    columns: tuple[int, ...]  # 1-based columns it covers
    heights: tuple[int, ...]  # allowed heights in grid lines, ascending
    natural: int
    group: int = -1  # modules of one row with the same group ≥ 0 share one height (aligned photos)


@dataclass(frozen=True)
class RowSpec:
    page: int
    at_top: bool
    order: int  # position in its stack: 0 is at the page edge (top or foot)


@dataclass(frozen=True)
class Fixed:
    """An art editor's module: its page, columns and height are given; start None = under the top stack."""

    page: int
    columns: tuple[int, ...]
    height: int
    start: int | None


@dataclass(frozen=True)
class Problem:
    columns: int
    lines: int  # grid lines of a column's body area
    rows: tuple[RowSpec, ...]
    modules: tuple[Module, ...]
    fixed: tuple[Fixed, ...] = ()


@dataclass(frozen=True)
class Solution:
    heights: tuple[int, ...]  # per module
    row_heights: tuple[int, ...]
    fixed_starts: tuple[int, ...]
    capacity: int  # free column lines for the report
    cost: int
    floor: int = 0  # the least cost the solver proved any sizes of this model have (goal "cost")


def solve(problem: Problem, needed: int | None, slack: int = 0, goal: str = "cost") -> Solution | None:
    """The cheapest sizes whose free lines equal needed + slack; with needed None and goal "least"
    or "most", the arrangement's smallest or largest capacity (what underset and overset report).
    Remembered for the process: copyfit asks again at every body size whose heights repeat, and
    `pinban watch` at every save that leaves the report's line count as it was."""
    return solved(problem, needed, slack, goal)


@lru_cache(maxsize=4096)
def solved(problem: Problem, needed: int | None, slack: int, goal: str) -> Solution | None:
    if needed is None or goal != "cost":
        return sized(SizeModel(problem, goal, None if needed is None else needed + slack), goal)
    model = cost_model(problem)  # one model per arrangement: only the capacity changes with the slack
    model.require_capacity(needed + slack)
    return sized(model, goal)


@lru_cache(maxsize=64)
def cost_model(problem: Problem) -> SizeModel:
    return SizeModel(problem, "cost", 0)


def sized(model: SizeModel, goal: str) -> Solution | None:
    solved = model.model.solve(TIME_LIMIT)
    if solved is None:
        return None

    def values(variables: list[Linear]) -> tuple[int, ...]:
        return tuple(solved.value(v) for v in variables)

    cost = goal == "cost"
    return Solution(values(model.h), values(model.row_h), values(model.fixed_start), sum(values(model.free)),
                    int(solved.objective) if cost else 0, math.ceil(solved.bound - 1e-6) if cost else 0)


class SizeModel:
    """The sizing model of one arrangement (see the module docstring), as a CP-SAT model; the
    free lines are required to equal `capacity` (None: left free; `require_capacity` changes
    the number in place, so one model serves every slack copyfit tries)."""

    def __init__(self, p: Problem, goal: str, capacity: int | None) -> None:
        self.model = m = Model()
        self.capacity_constraint = -1
        h = self.h = [m.var_of_values(mod.heights, f"h{k}") for k, mod in enumerate(p.modules)]
        groups: dict[tuple[int, int], int] = {}
        for k, mod in enumerate(p.modules):
            if mod.group >= 0:
                first = groups.setdefault((mod.row, mod.group), k)
                if first != k:
                    m.equal(h[k], h[first])
        top = p.lines
        row_h = self.row_h = []
        for r, spec in enumerate(p.rows):
            mine = [h[k] for k, mod in enumerate(p.modules) if mod.row == r]
            var = m.int_var(0, top, f"r{r}")
            if mine:
                m.max_equal(var, mine)
            else:
                m.equal(var, 0)
            row_h.append(var)
        inner = innermost_rows(p.rows)
        gaps = []
        for k, mod in enumerate(p.modules):
            gap = m.int_var(0, top, f"g{k}")
            m.equal(gap, row_h[mod.row] - h[k])
            if mod.row not in inner:
                m.at_most(gap, 1)  # a module inside a stack: at most a line blank beside a taller one
                gaps.append(gap)
        extents: dict[tuple[int, int], list] = {}
        covered_by_page: dict[int, list] = {0: [], 1: []}
        free = self.free = []
        fixed_start = self.fixed_start = []
        for f_index, fx in enumerate(p.fixed):
            if fx.start is not None:
                fixed_start.append(m.constant(fx.start))
            else:
                fixed_start.append(m.int_var(0, top, f"s{f_index}"))
        for page in (0, 1):
            for col in range(1, p.columns + 1):
                ext_top = stack_extent(p, h, row_h, inner, page, col, True)
                ext_foot = stack_extent(p, h, row_h, inner, page, col, False)
                fixed_here = sum(fx.height for fx in p.fixed if fx.page == page and col in fx.columns)
                t = m.int_var(0, top, f"t{page}_{col}")
                m.equal(t, sum(ext_top) if ext_top else 0)
                b = m.int_var(0, top, f"b{page}_{col}")
                m.equal(b, sum(ext_foot) if ext_foot else 0)
                extents[(page, col)] = [t, b]
                f = m.int_var(0, top, f"f{page}_{col}")
                m.equal(f, top - t - b - fixed_here)
                some = Literal(m.int_var(0, 1, f"any{page}_{col}"))
                m.at_least(f, MIN_FREE, only_if=some)
                m.equal(f, 0, only_if=~some)
                free.append(f)
                covered_by_page[page].append(t + b + fixed_here)
        for f_index, fx in enumerate(p.fixed):
            tops = [extents[(fx.page, c)][0] for c in fx.columns]
            for c in fx.columns:
                t, b = extents[(fx.page, c)]
                m.at_most(t, fixed_start[f_index])
                m.at_most(fixed_start[f_index] + fx.height, top - b)
            if fx.start is None:
                m.max_equal(fixed_start[f_index], tops)
        lines = sum(free)
        if capacity is not None:
            self.capacity_constraint = m.equal(lines, capacity)
        if goal == "cost":
            m.minimize(cost_of(m, p, h, gaps, covered_by_page))
        elif goal == "most":
            m.maximize(lines)
        else:
            m.minimize(lines)

    def require_capacity(self, lines: int) -> None:
        self.model.set_equal_to(self.capacity_constraint, lines)


def cost_of(m: Model, p: Problem, h, gaps, covered_by_page) -> Linear:
    """Deviation from natural sizes, page balance and blanks beside taller modules, in SCALE units."""
    terms = []
    counted: set[tuple[int, int]] = set()
    for k, mod in enumerate(p.modules):
        if mod.group >= 0:
            if (mod.row, mod.group) in counted:
                continue
            counted.add((mod.row, mod.group))
            members = sum(1 for o in p.modules if o.row == mod.row and o.group == mod.group)
            natural = round(sum(o.natural for o in p.modules if o.row == mod.row and o.group == mod.group) / members)
        else:
            natural = mod.natural
        dev = m.int_var(0, p.lines, f"d{k}")
        m.abs_equal(dev, h[k] - natural)
        terms.append(dev * round(SCALE / max(natural, 1) * 10))
    area = p.lines * p.columns
    diff = m.int_var(0, area, "balance")
    m.abs_equal(diff, sum(covered_by_page[0]) - sum(covered_by_page[1]))
    terms.append(diff * round(BALANCE_WEIGHT * 10 / area) if area else 0)
    terms += [g * GAP_WEIGHT * 10 for g in gaps]
    return sum(terms)


def innermost_rows(rows: Sequence[RowSpec]) -> set[int]:
    """Per page and stack, the row nearest the text: text meets each of its modules directly."""
    best: dict[tuple[int, bool], int] = {}
    for r, spec in enumerate(rows):
        key = (spec.page, spec.at_top)
        if key not in best or spec.order > rows[best[key]].order:
            best[key] = r
    return set(best.values())


def stack_extent(p: Problem, h, row_h, inner: set[int], page: int, col: int, at_top: bool) -> list:
    """The grid lines a stack takes in one column: whole rows, and the innermost row's module there."""
    out = []
    for r, spec in enumerate(p.rows):
        if spec.page != page or spec.at_top != at_top:
            continue
        if r in inner:
            out += [h[k] for k, mod in enumerate(p.modules) if mod.row == r and col in mod.columns]
        else:
            out.append(row_h[r])
    return out
