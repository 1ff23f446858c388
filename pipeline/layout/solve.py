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

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..errors import PinbanError

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
    cmh = model_helper()

    parameters = cmh.SatParameters()
    parameters.num_workers = 1
    parameters.random_seed = 0
    parameters.max_time_in_seconds = TIME_LIMIT
    solver = cmh.SolveWrapper()
    solver.set_parameters(parameters)
    response = solver.solve(model.proto)
    if response.status not in (cmh.CpSolverStatus.OPTIMAL, cmh.CpSolverStatus.FEASIBLE):
        return None
    value = list(response.solution).__getitem__

    def values(variables) -> tuple[int, ...]:
        return tuple(int(value(v.index)) for v in variables)

    return Solution(values(model.h), values(model.row_h), values(model.fixed_start), sum(values(model.free)),
                    int(response.objective_value) if goal == "cost" else 0)


class SizeModel:
    """The sizing model of one arrangement, written straight into CP-SAT's model proto through
    OR-Tools' C++ helper: the same proto `cp_model.CpModel` writes, without importing `cp_model`,
    which loads pandas and numpy (0.6 s of a fresh process). The free lines are required to
    equal `capacity` (None: free; `require_capacity` changes the number in place)."""

    def __init__(self, p: Problem, goal: str, capacity: int | None) -> None:
        cmh = model_helper()
        self.base = m = cmh.CpBaseModel(None)
        self.proto = m.model_proto
        self.capacity_constraint: int | None = None
        h = self.h = [self.var_of_values(mod.heights, f"h{k}") for k, mod in enumerate(p.modules)]
        groups: dict[tuple[int, int], int] = {}
        for k, mod in enumerate(p.modules):
            if mod.group >= 0:
                first = groups.setdefault((mod.row, mod.group), k)
                if first != k:
                    self.add(h[k] == h[first])
        top = p.lines
        row_h = self.row_h = []
        for r, spec in enumerate(p.rows):
            mine = [h[k] for k, mod in enumerate(p.modules) if mod.row == r]
            var = self.int_var(0, top, f"r{r}")
            if mine:
                self.add_max(var, mine)
            else:
                self.add(var == 0)
            row_h.append(var)
        inner = innermost_rows(p.rows)
        gaps = []
        for k, mod in enumerate(p.modules):
            gap = self.int_var(0, top, f"g{k}")
            self.add(gap == row_h[mod.row] - h[k])
            if mod.row not in inner:
                self.add(gap <= 1)  # a module inside a stack: at most a line blank beside a taller one
                gaps.append(gap)
        extents: dict[tuple[int, int], list] = {}
        covered_by_page: dict[int, list] = {0: [], 1: []}
        free = self.free = []
        fixed_start = self.fixed_start = []
        for f_index, fx in enumerate(p.fixed):
            if fx.start is not None:
                fixed_start.append(cmh.IntVar(self.proto, m.get_or_make_index_from_constant(fx.start)))
            else:
                fixed_start.append(self.int_var(0, top, f"s{f_index}"))
        for page in (0, 1):
            for col in range(1, p.columns + 1):
                ext_top = stack_extent(p, h, row_h, inner, page, col, True)
                ext_foot = stack_extent(p, h, row_h, inner, page, col, False)
                fixed_here = sum(fx.height for fx in p.fixed if fx.page == page and col in fx.columns)
                t = self.int_var(0, top, f"t{page}_{col}")
                self.add(t == sum(ext_top) if ext_top else t == 0)
                b = self.int_var(0, top, f"b{page}_{col}")
                self.add(b == sum(ext_foot) if ext_foot else b == 0)
                extents[(page, col)] = [t, b]
                f = self.int_var(0, top, f"f{page}_{col}")
                self.add(f == top - t - b - fixed_here)
                some = self.int_var(0, 1, f"any{page}_{col}")
                self.add(f >= MIN_FREE).only_enforce_if(some)
                self.add(f == 0).only_enforce_if(~some)
                free.append(f)
                covered_by_page[page].append(t + b + fixed_here)
        for f_index, fx in enumerate(p.fixed):
            tops = [extents[(fx.page, c)][0] for c in fx.columns]
            for c in fx.columns:
                t, b = extents[(fx.page, c)]
                self.add(t <= fixed_start[f_index])
                self.add(fixed_start[f_index] + fx.height <= top - b)
            if fx.start is None:
                self.add_max(fixed_start[f_index], tops)
        lines = sum(free)
        if capacity is not None:
            self.capacity_constraint = len(self.proto.constraints)
            self.add(lines == capacity)
        if goal == "cost":
            self.objective(cost_of(self, p, h, gaps, covered_by_page), maximize=False)
        else:
            self.objective(lines, maximize=goal == "most")

    def require_capacity(self, lines: int) -> None:
        domain = self.proto.constraints[self.capacity_constraint].linear.domain
        domain[0] = domain[1] = lines

    def var_of_values(self, values: Sequence[int], name: str):
        return self.var_in(intervals(values), name)

    def int_var(self, low: int, high: int, name: str):
        return self.var_in([low, high], name)

    def var_in(self, domain: list[int], name: str):
        cmh = model_helper()
        index = len(self.proto.variables)
        variable = self.proto.variables.add()
        variable.name = name
        variable.domain.extend(domain)
        return cmh.IntVar(self.proto, index)

    def add(self, constraint):
        return self.base._add_bounded_linear_expression(constraint)

    def add_max(self, target, expressions) -> None:
        cmh = model_helper()
        self.base._add_linear_argument_constraint(cmh.LinearArgumentConstraint.max, target, expressions)

    def add_abs(self, target, expression) -> None:
        cmh = model_helper()
        self.base._add_linear_argument_constraint(cmh.LinearArgumentConstraint.max, target,
                                                  [expression, -expression])

    def objective(self, expression, maximize: bool) -> None:
        """As cp_model.CpModel.minimize/maximize write an integral objective."""
        cmh = model_helper()
        objective = self.proto.objective
        if isinstance(expression, int):
            objective.offset = expression
            objective.scaling_factor = 1.0
            return
        flat = cmh.FlatIntExpr(expression)
        for var in flat.vars:
            objective.vars.append(var.index)
        sign = -1 if maximize else 1
        objective.scaling_factor = float(sign)
        objective.offset = sign * flat.offset
        objective.coeffs.extend(sign * c for c in flat.coeffs)


def model_helper():
    """OR-Tools' C++ model layer, which cp_model.CpModel is built on (OR-Tools 9.15)."""
    from ortools.sat.python import cp_model_helper as cmh

    if not hasattr(cmh, "CpBaseModel"):
        from ortools import __version__

        raise PinbanError(f"OR-Tools {__version__} is too old for the make-up solver", "ortools",
                          "pip install 'ortools>=9.15,<10'")
    return cmh


def intervals(values: Sequence[int]) -> list[int]:
    """A domain of values as CP-SAT stores it: [low, high] of each run of consecutive values."""
    out: list[int] = []
    for v in sorted(set(values)):
        if out and v == out[-1] + 1:
            out[-1] = v
        else:
            out += [v, v]
    return out


def cost_of(m: SizeModel, p: Problem, h, gaps, covered_by_page):
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
        m.add_abs(dev, h[k] - natural)
        terms.append(dev * round(SCALE / max(natural, 1) * 10))
    area = p.lines * p.columns
    diff = m.int_var(0, area, "balance")
    m.add_abs(diff, sum(covered_by_page[0]) - sum(covered_by_page[1]))
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
