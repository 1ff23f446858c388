"""Properties of the layout's small parts, over inputs that vary."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.layout.arrange import SPANS, row_shapes
from pipeline.layout.page import crop_box, split_for_fold

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


@given(st.text(alphabet="凝心聚力共奋进履职尽责谱新篇、 ", min_size=1, max_size=30))
def test_a_spread_line_splits_at_the_fold_without_losing_a_character(text):
    left, right = split_for_fold(text)
    joined = left + right
    assert joined == text or joined == text[: len(left)] + text[len(left) + 1 :]
    if " " in text or "\u3000" in text:
        assert text[len(left)] in " \u3000"  # the space falls on the fold


@settings(max_examples=50)
@given(st.text(alphabet="凝心聚力共奋进", min_size=2, max_size=20))
def test_without_a_space_the_fold_falls_between_the_middle_characters(text):
    left, right = split_for_fold(text)
    assert left + right == text and abs(len(left) - len(right)) <= 1
