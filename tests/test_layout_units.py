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
