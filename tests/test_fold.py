"""Where a headline part splits at the fold (rule 28): candidates, the choice, the checker's findings.

The rules are checked here by an oracle written apart from the module's own legality test."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import PinbanError
from pipeline.layout.fold import (
    FoldSplit,
    choose_fold,
    fold_candidates,
    fold_findings,
    fold_problem,
    segmenter,
    too_long_error,
    too_long_message,
)

OPEN_TO_CLOSE = dict(zip("《“‘（〈「『【〔", "》”’）〉」』】〕"))
CLOSE = set(OPEN_TO_CLOSE.values())
STOP = set("、，。；：？！")
LATIN_OR_DIGIT = re.compile(r"[0-9A-Za-z]")


def em(text: str) -> float:
    """A stand-in measure: CJK 1 em, Latin, digits and spaces half an em."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def cuts(text: str) -> list[str]:
    return [f"{text[: s.left_end]}|{text[s.right_start :]}" for s in fold_candidates(text)]


def jieba_ends(text: str) -> set[int]:
    return {end for _w, _s, end in segmenter().tokenize(text)}


def inside_pair(text: str, index: int) -> bool:
    stack: list[str] = []
    for ch in text[:index]:
        if ch in OPEN_TO_CLOSE:
            stack.append(ch)
        elif stack and OPEN_TO_CLOSE[stack[-1]] == ch:
            stack.pop()
    return bool(stack)


def inside_latin_run(text: str, left_end: int, right_start: int) -> bool:
    """A Latin or digit run is letters and digits, with spaces between Latin words; an ideographic
    space (U+3000) the editor typed ends the run."""
    if "\u3000" in text[left_end:right_start]:
        return False
    left = text[:left_end].rstrip(" ")
    right = text[right_start:].lstrip(" ")
    return bool(left and right and LATIN_OR_DIGIT.match(left[-1]) and LATIN_OR_DIGIT.match(right[0]))


def assert_legal(text: str, split: FoldSplit) -> None:
    left, right = split.halves(text)
    assert left and right
    assert text[split.left_end : split.right_start].strip(" \u3000") == ""  # only spaces are dropped
    assert left[-1] not in " \u3000" and right[0] not in " \u3000"
    assert not inside_pair(text, split.left_end), f"inside a pair: {left}|{right}"
    assert not inside_latin_run(text, split.left_end, split.right_start), f"inside a Latin run: {left}|{right}"
    assert right[0] not in CLOSE | STOP, f"before a closing mark or stop: {left}|{right}"
    assert left[-1] not in OPEN_TO_CLOSE, f"after an opening mark: {left}|{right}"
    if split.kind == "space":
        assert split.right_start > split.left_end and split.cost == 0
    elif split.kind == "word":
        assert split.left_end in jieba_ends(text), f"not at a word boundary: {left}|{right}"


# --- the reported bad splits ---------------------------------------------------------------------


@pytest.mark.parametrize("text, bad", [
    ("2024中国开源年度报告", "2024中国开源年|度报告"),
    ("开源技术周刊", "开源技术周|刊"),
    ("GitHub Issues使用指南", "GitHub|Issues使用指南"),
    ("GitHub Issues使用指南", "GitHub |Issues使用指南"),
])
def test_the_reported_bad_splits_never_happen(text, bad):
    assert bad not in cuts(text)
    choice = choose_fold(text, 100, 100, em)
    assert choice is None or f"{choice.left}|{choice.right}" != bad
    left_end = bad.index("|")
    assert fold_problem(text, left_end, left_end) is not None


def test_a_word_is_split_only_at_its_boundary():
    assert cuts("2024中国开源年度报告") == ["2024中国|开源年度报告", "2024中国开源|年度报告"]
    assert cuts("开源技术周刊") == ["开源|技术周刊", "开源技术|周刊"]


def test_a_latin_product_name_stays_whole():
    text = "GitHub Issues使用指南"
    assert all(c.split("|")[0] not in ("GitHub", "GitHub ") for c in cuts(text))
    assert cuts(text)[0] == "GitHub Issues|使用指南"
    assert "the Latin or digit run \"GitHub Issues\"" in fold_problem(text, 6, 7)


@pytest.mark.parametrize("text, units", [
    ("72.3%的增长来自C++", ("72.3%", "C++")),
    ("57,610人次参观展览", ("57,610",)),
    ("e-mail地址", ("e-mail",)),
])
def test_numbers_and_latin_words_with_their_marks_stay_whole(text, units):
    assert cuts(text)
    for c in cuts(text):
        left, right = c.split("|")
        for unit in units:
            assert unit in left or unit in right, c


def test_a_number_keeps_its_unit():
    assert "庆祝新中国成立75|周年" not in cuts("庆祝新中国成立75周年")


# --- spaces, punctuation, brackets ---------------------------------------------------------------


def test_the_typed_space_wins_and_falls_on_the_fold():
    text = "凝心聚力共奋进 履职尽责谱新篇"
    choice = choose_fold(text, 100, 100, em)
    assert (choice.left, choice.right, choice.split.kind) == ("凝心聚力共奋进", "履职尽责谱新篇", "space")


def test_a_typed_space_beats_a_word_boundary_nearer_the_middle():
    text = "聚共识、促合力、重创新、增实效 为丰台区高质量发展贡献政协智慧与力量"
    choice = choose_fold(text, 100, 100, em)
    assert (choice.left, choice.right) == ("聚共识、促合力、重创新、增实效", "为丰台区高质量发展贡献政协智慧与力量")


def test_balance_weight_can_make_the_middle_win_over_a_far_space():
    text = "政协 委员履职尽责谱新篇"
    assert choose_fold(text, 100, 100, em, balance_weight=1, max_imbalance=1).left == "政协"
    heavy = choose_fold(text, 100, 100, em, balance_weight=50, max_imbalance=1)
    assert heavy.split.kind == "word" and abs(len(heavy.left) - len(heavy.right)) <= 3


def test_after_a_comma_is_better_than_a_word_boundary():
    splits = {s.left_end: s for s in fold_candidates("团结奋进，共谱新篇")}
    assert splits[5].kind == "punctuation" and splits[7].kind == "word" and splits[5].cost < splits[7].cost
    assert choose_fold("团结奋进，共谱新篇", 100, 100, em).left == "团结奋进，"


@pytest.mark.parametrize("text", [
    "学习《中华人民共和国宪法》",
    "举办“翰墨联京蒙 丹青绘同心”书画展",
    "委员（含特邀委员）参加",
    "走进「城市 书房」",
    "发布【年度 报告】全文",
])
def test_brackets_and_quotes_are_never_split(text):
    for split in fold_candidates(text):
        assert not inside_pair(text, split.left_end), cuts(text)
    opening = next(i for i, ch in enumerate(text) if ch in OPEN_TO_CLOSE)
    assert fold_problem(text, opening + 1, opening + 1) is not None
    assert fold_problem(text, opening + 2, opening + 2).startswith("inside ")


def test_never_before_a_closing_mark_or_stop_nor_after_an_opening_mark():
    assert "聚共识|、促合力" not in cuts("聚共识、促合力")
    assert fold_problem("学习《宪法》", 3, 3) == "after the opening mark 《"
    assert fold_problem("学习“宪法”精神", 5, 5) == "before ”"


def test_a_part_with_no_legal_cut_has_no_choice():
    assert fold_candidates("GitHub") == []
    assert choose_fold("GitHub", 100, 100, em) is None
    assert choose_fold("《宪法》", 100, 100, em) is None


# --- capacities and the refusal ------------------------------------------------------------------


def test_choose_fold_keeps_within_each_page():
    text = "凝心聚力共奋进 履职尽责谱新篇"
    narrow = choose_fold(text, 6, 100, em)
    assert narrow.left == "凝心聚力共" and narrow.left_width <= 6
    assert choose_fold(text, 100, 6, em).right == "尽责谱新篇"
    assert choose_fold(text, 6, 6, em) is None


def test_a_forty_character_title_is_refused_with_one_line():
    title = "凝心聚力共奋进履职尽责谱新篇" * 2 + "为丰台区高质量发展贡献智慧力"
    assert len(title) == 42
    assert choose_fold(title, 12, 12, em) is None
    message = too_long_message("title", title, 36, shrunk=True)
    assert message == f'headline: 主题 "{title}" (42 字) is too long for the spread even at 36 pt — shorten it'
    error = too_long_error("title", title, 66, "sources/x/edition.toml")
    assert isinstance(error, PinbanError) and "\n" not in str(error)
    assert str(error).startswith("sources/x/edition.toml: headline: 主题") and "at 66 pt" in str(error)


# --- the checker's findings ----------------------------------------------------------------------


def test_fold_findings_report_only_illegal_folds():
    parts = {
        "headline.title": ("凝心聚力共奋进 履职尽责谱新篇", 7, 8),
        "headline.subtitle": ("2024中国开源年度报告", 9, 9),
        "headline.kicker": ("GitHub Issues使用指南", 6, 7),
    }
    found = fold_findings(parts)
    assert [f.part for f in found] == ["headline.subtitle", "headline.kicker"]
    assert found[0].index == 9 and "年度报告" in found[0].message and "rule 28" in found[0].message


# --- properties ----------------------------------------------------------------------------------

PIECES = st.sampled_from([
    "凝心", "聚力", "共", "奋进", "履职", "尽责", "谱", "新篇", "年度报告", "周刊", "开源", "政协", "委员",
    "GitHub", "Issues", "C++", "2024", "75", "72.3%", "年", "周年",
    " ", " ", "\u3000", "，", "、", "。", "《", "》", "“", "”", "（", "）", "【", "】", "‘", "’",
])
HEADLINES = st.lists(PIECES, min_size=1, max_size=14).map("".join)


@settings(max_examples=150, deadline=None)
@given(HEADLINES)
def test_every_candidate_is_legal(text):
    for split in fold_candidates(text):
        assert_legal(text, split)


@settings(max_examples=100, deadline=None)
@given(HEADLINES, st.floats(0, 12), st.floats(0, 12), st.floats(0, 30))
def test_choose_fold_never_exceeds_the_capacities(text, left_cap, right_cap, weight):
    choice = choose_fold(text, left_cap, right_cap, em, balance_weight=weight)
    if choice is not None:
        assert em(choice.left) <= left_cap and em(choice.right) <= right_cap
        assert (choice.left, choice.right) == choice.split.halves(text)
        assert choice.split in fold_candidates(text)
        assert_legal(text, choice.split)


@settings(max_examples=60, deadline=None)
@given(HEADLINES)
def test_the_choice_is_deterministic_and_loses_only_the_typed_spaces(text):
    first, again = choose_fold(text, 40, 40, em), choose_fold(text, 40, 40, em)
    assert first == again
    assert fold_candidates(text) == fold_candidates(text)
    if first is not None:
        dropped = text[first.split.left_end : first.split.right_start]
        assert first.left + dropped + first.right == text


def test_jieba_is_asked_only_when_a_word_boundary_could_win(monkeypatch) -> None:
    """A typed space near the middle needs no dictionary (building jieba's costs a second a build)."""
    from pipeline.layout import fold

    asked = []
    monkeypatch.setattr(fold, "word_boundaries", lambda text: asked.append(text) or frozenset())
    assert fold.choose_fold("凝心聚力共奋进 履职尽责谱新篇", 100, 100, len) is not None
    assert not asked
    fold.choose_fold("凝心聚力共奋进履职尽责谱新篇", 100, 100, len)
    assert asked
