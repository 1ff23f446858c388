"""Break opportunities (UAX #14 by ICU, 避头尾, addresses, hyphenation) and how the composer uses
them in mixed-script text: the house CJK–Latin gap, word spaces within bounds, hyphens, and the
grapheme break of last resort."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.compose import ComposeRules, TextRun, check_lines, compose, compose_noted
from pipeline.compose.breaks import BREAK, HYPHEN, hyphen_points, opportunities, spaced_addresses
from pipeline.fonts import load_face

EM = 9.0


@pytest.fixture(scope="module")
def faces():
    return {"serif": load_face("serif", "Noto Serif CJK SC", 400),
            "sans": load_face("sans", "Noto Sans CJK SC", 400)}


def pieces(text: str) -> list[str]:
    cuts = sorted(opportunities(text))
    return [text[a:b] for a, b in itertools.pairwise([0, *cuts, len(text)])]


def source(line) -> str:
    return "".join(s.text for s in line.spans if not s.added)


def test_a_url_breaks_before_its_separators_never_inside_a_word() -> None:
    text = "访问https://example.org/docs/guide/install.html查看"
    assert pieces(text) == ["访", "问", "https://", "example", ".org", "/docs", "/guide", "/install", ".html", "查", "看"]
    assert all(k == BREAK for k in opportunities(text).values())    # no hyphen in an address


def test_an_email_address_never_breaks_after_its_at_sign() -> None:
    text = "请发邮件至press.office@example.org索取"
    got = pieces(text)
    assert "press" in got and "@example" in got and ".org" in got
    assert not any(p.endswith("@") for p in got)


@pytest.mark.parametrize("number", ["v2.3.1", "57,610", "72.3%", "2024-2025", "3.14159"])
def test_a_number_is_never_broken(number: str) -> None:
    text = f"增长{number}，完成"
    assert number in pieces(text) or any(p.startswith(number) for p in pieces(text))


def test_digits_inside_an_address_stay_whole() -> None:
    text = "见https://example.org/v2.3.1/notes页面"
    assert "/v2.3.1" in pieces(text)


def test_code_identifiers_break_before_underscores() -> None:
    assert pieces("设置max_line_width参数") == ["设", "置", "max", "_line", "_width", "参", "数"]


def test_a_two_em_dash_never_starts_a_line_nor_splits() -> None:
    text = "他说——我们来了"
    cuts = opportunities(text)
    assert 2 not in cuts and 3 not in cuts     # neither before —— nor inside it


@pytest.mark.parametrize("word, ok", [
    ("infrastructure", True), ("documentation", True),
    ("GitHub", False), ("NASA", False), ("Linux", False), ("JavaScript", False),
])
def test_hyphenation_bounds(word: str, ok: bool) -> None:
    points = hyphen_points(word)
    assert bool(points) == ok
    assert all(3 <= p <= len(word) - 3 for p in points)


def test_no_hyphen_in_words_touching_digits_or_in_addresses() -> None:
    assert HYPHEN not in opportunities("版本infrastructure2").values()
    assert HYPHEN not in opportunities("见https://example.org/documentation页").values()
    assert HYPHEN in opportunities("the documentation 说明").values()


def test_a_typed_space_between_cjk_and_latin_is_the_house_gap(faces) -> None:
    rules = ComposeRules(indent_em=0, align="start")
    typed = compose([TextRun("使用 Python 编写", "serif", EM)], 40 * EM, faces, rules)
    bare = compose([TextRun("使用Python编写", "serif", EM)], 40 * EM, faces, rules)
    assert typed[0].width == pytest.approx(bare[0].width, abs=0.01)
    found, _ = check_lines([TextRun("使用 Python 编写", "serif", EM)], typed, 40 * EM, faces, rules)
    assert found == []


def test_word_spaces_stay_within_the_house_bounds(faces) -> None:
    text = ("The composer sets English text from the Technology desk with word spaces that stretch "
            "evenly, and Chinese beside it: 中文与English混排的段落。") * 2
    rules = ComposeRules(indent_em=2)
    for ems in range(10, 22):
        lines, notes = compose_noted([TextRun(text, "serif", EM)], ems * EM, faces, rules)
        found, _ = check_lines([TextRun(text, "serif", EM)], lines, ems * EM, faces, rules)
        assert [f for f in found if f[0] == "gap"] == [] or {k for _, k in notes} & {"loose"}, (ems, found)
        assert all(line.width <= ems * EM + 0.01 for line in lines)


def test_hyphenated_lines_carry_an_added_hyphen_never_two_in_a_row(faces) -> None:
    text = "internationalization documentation infrastructure responsibilities " * 6
    rules = ComposeRules(indent_em=0)
    seen = 0
    for ems in range(12, 20):
        lines = compose([TextRun(text, "serif", EM)], ems * EM, faces, rules)
        found, _ = check_lines([TextRun(text, "serif", EM)], lines, ems * EM, faces, rules)
        assert [f for f in found if f[0] in ("hyphen", "split-unit")] == []
        marks = [any(s.added for s in line.spans) for line in lines]
        seen += sum(marks)
        assert not any(a and b for a, b in itertools.pairwise(marks))
        for line, hyphen in zip(lines, marks):
            if hyphen:
                assert line.spans[-1].text == "-" and source(line)[-1].isalpha()
        assert "".join(source(line) for line in lines).replace(" ", "") == text.replace(" ", "")
    assert seen > 0


def test_a_token_wider_than_the_line_breaks_at_a_grapheme_with_a_note(faces) -> None:
    token = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2
    lines, notes = compose_noted([TextRun(f"词{token}。", "serif", EM)], 8 * EM, faces, ComposeRules(indent_em=0))
    assert all(line.width <= 8 * EM + 0.01 for line in lines)
    assert "emergency" in {k for _, k in notes}
    assert "".join(source(line) for line in lines) == f"词{token}。"


_token = st.one_of(
    st.sampled_from(list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动")),
    st.sampled_from(list("，。、；：？！“”（）《》")),
    st.sampled_from(["——", "……", " ", "Python", "GitHub", "v2.3.1", "57,610", "72.3%", "Ubuntu 24.04 LTS",
                     "https://example.org/docs/guide/install.html", "press@example.org", "#304", "@dev_team",
                     "max_line_width", "documentation", "infrastructure", "1）", "(beta)"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(_token, min_size=1, max_size=50).map("".join), ems=st.integers(8, 24))
def test_property_mixed_script_never_over_the_measure(faces, text: str, ems: int) -> None:
    runs = [TextRun(text, "serif", EM)]
    lines, notes = compose_noted(runs, ems * EM, faces, ComposeRules(indent_em=2))
    assert "".join(source(line) for line in lines).replace(" ", "") == text.replace(" ", "")
    assert all(line.width <= ems * EM + 0.01 for line in lines)
    found, _ = check_lines(runs, lines, ems * EM, faces, ComposeRules(indent_em=2))
    declared = {k for _, k in notes}
    explained = {"gap": {"loose", "emergency"}, "non-flush": {"ragged", "emergency"}, "lone-char": {"lone-char"},
                 "split-unit": {"emergency"}, "line-start": {"emergency"}, "line-end": {"emergency"}}
    for kind, detail in found:
        assert explained.get(kind, set()) & declared, (kind, detail, notes)
    if "emergency" in declared:
        return                # the last resort may break anywhere, and says so
    for a, b in itertools.pairwise(lines):
        assert not source(b).startswith(("—", "，", "。", "）", "》", "”"))
        assert not source(a).endswith(("@", "（", "《", "“"))


def test_a_handle_is_an_address_never_hyphenated() -> None:
    text = "维护者@lin-typeset在分享中说"
    assert HYPHEN not in opportunities(text).values()
    assert "@lin" in pieces(text) and "-typeset" in pieces(text)


def test_letter_spacing_is_the_last_resort_and_never_in_numbers(faces) -> None:
    # a line of labels has hardly a gap to widen: its words of letters are letter-spaced
    text = "类标签如area:compose、area:layout、area:i18n；还有needs-repro、good first issue等。"
    rules = ComposeRules(indent_em=0)
    lettered = 0
    for ems in range(9, 14):
        lines, notes = compose_noted([TextRun(text, "serif", EM)], ems * EM, faces, rules)
        found, _ = check_lines([TextRun(text, "serif", EM)], lines, ems * EM, faces, rules)
        assert [f for f in found if f[0] in ("non-flush", "text")] == [], found
        addresses = spaced_addresses(text)  # area:compose is an address: up to address_space_em
        loose = {n for n, kind in notes if kind == "loose"}   # past every bound, declared
        for n, line in enumerate(lines):
            at = line.start
            for s in line.spans:
                if s.tracking and any(c.isascii() and c.isalnum() for c in s.text):
                    assert not any(c.isdigit() for c in s.text)
                    inside = any(a <= at < b for a, b in addresses)
                    bound = rules.address_space_em if inside else rules.letter_space_em
                    assert s.tracking <= bound * EM + 1e-9 or n in loose
                    lettered += 1
                at += 0 if s.added else len(s.text)
    assert lettered > 0


@pytest.mark.parametrize(("text", "glued"), [
    ("最高充电功率由100 W提升到240 W。", ["100 W", "240 W"]),
    ("主频3.5 GHz，内存128 GB，速度12 km/h，读写7 GB/s。", ["3.5 GHz", "128 GB", "12 km/h", "7 GB/s"]),
    ("电池容量5000 mAh，重1.2 kg。", ["5000 mAh", "1.2 kg"]),
])
def test_a_number_and_its_unit_stay_on_one_line(text, glued) -> None:
    """Rule 5: a number and the unit after it do not break, a typed space between them or not;
    after the unit the line may end where a CJK character follows."""
    breaks = opportunities(text)
    for unit in glued:
        a = text.index(unit)
        assert not [p for p in breaks if a < p < a + len(unit)], unit
    assert 4 in opportunities("2024 was a good year")   # a word after a number is no unit


@pytest.mark.parametrize(("word", "breaks"), [
    ("Wi-Fi", False), ("RISC-V", False), ("E-Marker", False), ("HM-R8", False), ("QM-EVB3680", False),
    ("open-source", True), ("peer-reviewed", True)])
def test_a_hyphenated_compound_breaks_after_its_hyphen_only_between_long_parts(word, breaks) -> None:
    text = f"支持{word}的设备"
    found = opportunities(text, hyphenate=False)
    inside = [p for p in found if 2 < p < 2 + len(word)]
    assert bool(inside) is breaks, (word, inside)


def test_a_relative_path_breaks_as_an_address() -> None:
    text = "示例放在 examples/local-scenes/ 目录下"
    assert [p.strip() for p in pieces(text)][4:7] == ["examples", "/local", "-scenes"]
