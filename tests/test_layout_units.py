"""Properties of the layout's small parts, over inputs that vary."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import PinbanError
from pipeline.fonts import load_face
from pipeline.layout.arrange import SPANS, row_shapes
from pipeline.layout.page import crop_box, split_for_fold
from pipeline.style import load_style

ROOT = Path(__file__).resolve().parent.parent

pixels = st.tuples(st.integers(1, 12000), st.integers(1, 12000))
ratios = st.floats(0.2, 5.0)
focus = st.tuples(st.floats(0, 1), st.floats(0, 1))


@given(pixels, ratios, focus)
def test_crop_keeps_the_cell_aspect_inside_the_image(size, ratio, point):
    left, top, width, height = crop_box(size, ratio, point)
    w, h = size
    assert 0 <= left and 0 <= top and left + width <= w + 0.02 and top + height <= h + 0.02
    assert abs(width / height - ratio) < 0.02 * ratio + 1 / min(height, width)  # never distorted
    # the largest such crop: it spans the whole image in one direction
    assert abs(width - w) < 0.02 or abs(height - h) < 0.02


@given(pixels, ratios, focus)
def test_crop_centres_the_focal_point_where_it_can(size, ratio, point):
    left, top, width, height = crop_box(size, ratio, point)
    w, h = size
    fx, fy = point[0] * w, point[1] * h
    if width / 2 <= fx <= w - width / 2:
        assert abs(left + width / 2 - fx) < 0.02
    if height / 2 <= fy <= h - height / 2:
        assert abs(top + height / 2 - fy) < 0.02


@given(st.integers(0, 60))
def test_rows_hold_every_photo_four_or_three_at_a_time(count):
    shapes = row_shapes(count)
    assert sum(shapes) == count
    assert all(1 <= n <= 4 for n in shapes)
    assert all(n in SPANS for n in shapes)


def test_row_spans_fill_the_eight_columns():
    for spans in SPANS.values():
        assert sum(spans) == 8


@pytest.fixture(scope="module")
def broadsheet():
    style = load_style(ROOT / "styles", "broadsheet")
    return style, {f.key: load_face(f.key, f.family, f.weight) for f in style.faces}


def test_a_headline_part_splits_at_a_word_boundary_in_its_real_widths(broadsheet):
    style, faces = broadsheet
    left, right = split_for_fold("title", "2024中国开源年度报告", style.para("title"), style, faces, "edition.toml")
    assert (left, right) == ("2024中国", "开源年度报告")


def test_a_title_too_long_for_the_spread_is_refused_in_one_line(broadsheet):
    style, faces = broadsheet
    title = "凝心聚力共奋进履职尽责谱新篇" * 2 + "为丰台区高质量发展贡献智慧力"
    with pytest.raises(PinbanError) as err:
        split_for_fold("title", title, style.para("title"), style, faces, "edition.toml")
    assert str(err.value).startswith(f'edition.toml: headline: 主题 "{title}" (42 字) is too long for the spread at 66 pt')
    assert "\n" not in str(err.value)



class TinySizing:
    """A few variables and constraints of each kind the sizing model uses, written by
    layout.cpsat or by OR-Tools' cp_model API."""

    def __init__(self, w, maximize: bool) -> None:
        h = [w.values([3, 4, 5, 8], "h0"), w.values([2, 3, 7, 9, 10], "h1"), w.values([6], "h2")]
        row = w.var(0, 20, "r0")
        w.max(row, h[:2])
        gap = w.var(0, 20, "g0")
        w.equal(gap, row - h[0])
        w.equal(h[1], h[0])
        dev = w.var(0, 20, "d0")
        w.abs(dev, h[1] - 7)
        balance = w.var(0, 40, "balance")
        w.abs(balance, h[0] + h[1] + 2 - (h[2] + gap + 5))
        start = w.constant(4)
        w.at_most(gap, 1)
        w.at_most(row, start)
        w.at_most(start + 3, 20 - h[2])
        w.equal(w.var(0, 9, "t"), 0)
        some = w.var(0, 1, "any")
        w.at_least(gap, 2, some, False)
        w.equal(gap, 0, some, True)
        w.equal(sum(h) + gap, 12)
        objective = dev * 3 + balance * 0 + gap * 40 * 10 + 5
        w.objective(row if maximize else objective, maximize)


class OurWriter:
    def __init__(self) -> None:
        from pipeline.layout import cpsat

        self.cpsat = cpsat
        self.model = cpsat.Model()

    def values(self, values, name):
        return self.model.var_of_values(values, name)

    def var(self, low, high, name):
        return self.model.int_var(low, high, name)

    def constant(self, value):
        return self.model.constant(value)

    def max(self, target, expressions):
        self.model.max_equal(target, expressions)

    def abs(self, target, expression):
        self.model.abs_equal(target, expression)

    def equal(self, left, right, literal=None, negated=False):
        self.model.equal(left, right, self.literal(literal, negated))

    def at_least(self, left, right, literal=None, negated=False):
        self.model.at_least(left, right, self.literal(literal, negated))

    def at_most(self, left, right):
        self.model.at_most(left, right)

    def literal(self, var, negated):
        if var is None:
            return None
        literal = self.cpsat.Literal(var)
        return ~literal if negated else literal

    def objective(self, expression, maximize):
        (self.model.maximize if maximize else self.model.minimize)(expression)

    def text(self) -> str:
        return str(self.model.proto)

    def solution(self):
        return self.model.solve(1.0).values


class CpModelWriter:
    def __init__(self) -> None:
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.model = cp_model.CpModel()

    def values(self, values, name):
        return self.model.new_int_var_from_domain(self.cp_model.Domain.from_values(values), name)

    def var(self, low, high, name):
        return self.model.new_int_var(low, high, name)

    def constant(self, value):
        return self.model.new_constant(value)

    def max(self, target, expressions):
        self.model.add_max_equality(target, expressions)

    def abs(self, target, expression):
        self.model.add_abs_equality(target, expression)

    def equal(self, left, right, literal=None, negated=False):
        self.enforce(self.model.add(left == right), literal, negated)

    def at_least(self, left, right, literal=None, negated=False):
        self.enforce(self.model.add(left >= right), literal, negated)

    def at_most(self, left, right):
        self.model.add(left <= right)

    def enforce(self, constraint, literal, negated):
        if literal is not None:
            constraint.only_enforce_if(~literal if negated else literal)

    def objective(self, expression, maximize):
        (self.model.maximize if maximize else self.model.minimize)(expression)

    def text(self) -> str:
        return str(self.model.proto)

    def solution(self):
        solver = self.cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.solve(self.model)
        return tuple(solver.value(self.model.get_int_var_from_proto_index(i))
                     for i in range(len(self.model.proto.variables)))


@pytest.mark.parametrize("maximize", [False, True])
def test_the_make_up_writes_the_model_proto_cp_model_writes(maximize: bool) -> None:
    """The make-up writes CP-SAT's proto itself, without importing cp_model (which loads pandas
    and numpy); it must be the model cp_model writes from the same constraints, or the same
    sources could give another page."""
    ours, theirs = OurWriter(), CpModelWriter()
    TinySizing(ours, maximize)
    TinySizing(theirs, maximize)
    assert ours.text() == theirs.text()
    assert ours.solution() == theirs.solution()


def test_a_model_reused_at_another_capacity_solves_as_a_new_one(monkeypatch) -> None:
    """copyfit asks one arrangement's model for several capacities (the slacks): the model is
    built once and its capacity changed in place, which must solve as a model built anew."""
    from pipeline.build import prepare
    from pipeline.layout import lay_out, solve

    asked = []
    original = solve.solve

    def noting(problem, needed, slack=0, goal="cost"):
        asked.append((problem, needed, slack, goal))
        return original(problem, needed, slack, goal)

    monkeypatch.setattr(solve, "solve", noting)
    job = prepare(None, None)
    lay_out(job.edition, job.style, job.faces)
    reused = [a for a in asked if a[1] is not None and a[3] == "cost"]
    assert len({a[0] for a in reused}) < len(reused)  # some arrangement was asked more than once
    for problem, needed, slack, goal in reused:
        fresh = solve.sized(solve.SizeModel(problem, goal, needed + slack), goal)
        assert solve.solved.__wrapped__(problem, needed, slack, goal) == fresh


def test_body_sizes_left_out_by_their_cost_floor_change_no_page(monkeypatch) -> None:
    """copyfit skips a body size when no arrangement's least cost can beat the best plan; laid
    out with every size tried, the spread is the same (only the count of passes differs)."""
    from dataclasses import replace

    from pipeline import layout
    from pipeline.build import prepare

    job = prepare(None, None)
    pruned = layout.lay_out(job.edition, job.style, job.faces)
    monkeypatch.setattr(layout, "cost_floor", lambda *args: 0.0)
    every = layout.lay_out(job.edition, job.style, job.faces)
    assert replace(pruned, passes=0) == replace(every, passes=0)
    assert pruned.passes <= every.passes
