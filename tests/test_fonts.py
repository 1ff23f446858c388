"""Faces are found by family name through fontconfig and measured with HarfBuzz."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from pipeline.errors import PinbanError
from pipeline.fonts import load_face, script_runs

HOUSE = [
    ("serif", "Noto Serif CJK SC", 400),
    ("serif-bold", "Noto Serif CJK SC", 700),
    ("sans", "Noto Sans CJK SC", 400),
    ("sans-bold", "Noto Sans CJK SC", 700),
    ("kai", "LXGW WenKai", 400),
    ("kai-bold", "LXGW WenKai", 700),
]


def _family_names(path: str, index: int) -> set[str]:
    font = TTFont(path, fontNumber=index, lazy=True)
    return {str(r.toUnicode()) for r in font["name"].names if r.nameID in (1, 16)}


@pytest.mark.parametrize("key,family,weight", HOUSE)
def test_faces_resolve_by_family_and_weight(key: str, family: str, weight: int) -> None:
    face = load_face(key, family, weight)
    assert (face.key, face.family, face.weight) == (key, family, weight)
    assert family in _family_names(face.path, face.index)
    assert face.upem == 1000
    assert face.has_char("中") and face.has_char("，")
    assert face.ascender > 0 > face.descender


def test_sc_face_of_the_collection_is_chosen() -> None:
    face = load_face("serif", "Noto Serif CJK SC", 400)
    assert face.path.endswith(".ttc")
    assert _family_names(face.path, face.index) & {"Noto Serif CJK SC"}
    assert not _family_names(face.path, face.index) & {"Noto Serif CJK JP", "Noto Serif CJK TC"}


def test_bold_is_a_real_bold_file() -> None:
    regular = load_face("serif", "Noto Serif CJK SC", 400)
    bold = load_face("serif-bold", "Noto Serif CJK SC", 700)
    assert regular.path != bold.path
    assert "Bold" in bold.path


def test_line_metrics_are_hhea() -> None:
    # what Pango uses for line boxes: hhea (USE_TYPO_METRICS is not set in these fonts)
    serif = load_face("serif", "Noto Serif CJK SC", 400)
    assert (serif.ascender, serif.descender) == (1.151, -0.286)
    kai = load_face("kai", "LXGW WenKai", 400)
    assert (kai.ascender, kai.descender) == (0.928, -0.256)


@pytest.mark.parametrize("key,family,weight", HOUSE[:4])
@pytest.mark.parametrize("mark", "。”，“（、）：")
def test_halt_halves_marks_in_noto(key: str, family: str, weight: int, mark: str) -> None:
    face = load_face(key, family, weight)
    assert face.has_halt
    assert face.advance(mark, 1000) == 1000
    assert face.advance(mark, 1000, ("halt",)) == 500


def test_wenkai_has_no_halt() -> None:
    kai = load_face("kai", "LXGW WenKai", 400)
    assert not kai.has_halt
    assert kai.advance("，", 1000, ("halt",)) == 1000
    assert kai.advance("“", 1000) == 350          # WenKai's quotes are proportional


def test_advance_scales_and_is_cached() -> None:
    face = load_face("serif", "Noto Serif CJK SC", 400)
    assert face.advance("中文", 9) == 18
    assert face.advance("中文", 10.5) == pytest.approx(21)
    assert face.advance("2024", 9) == pytest.approx(2.228 * 9)


def test_advance_follows_pangos_script_runs() -> None:
    # Noto draws U+2014 1 em wide in a Han run (locl) but 0.89 em on its own; `fwid` fixes it
    face = load_face("serif", "Noto Serif CJK SC", 400)
    assert face.advance("中——", 10) == 30
    assert face.advance("——", 10) == pytest.approx(16.9)
    assert face.advance("——", 10, ("fwid",)) == 20


def test_script_runs_like_pango() -> None:
    assert script_runs("2024年") == [("2024年", "Hani")]
    assert script_runs("中ABC，中") == [("中", "Hani"), ("ABC，", "Latn"), ("中", "Hani")]
    # a closing bracket takes the script of its opening bracket
    assert script_runs("中（ab）中") == [("中（", "Hani"), ("ab", "Latn"), ("）中", "Hani")]
    assert script_runs("——") == [("——", "")]


def test_missing_family_names_the_package() -> None:
    with pytest.raises(PinbanError) as err:
        load_face("serif", "Noto Serif CJK XX", 400)
    assert "Noto Serif CJK XX" in str(err.value) and "fonts-noto-cjk" in str(err.value)
    with pytest.raises(PinbanError) as err:
        load_face("kai", "LXGW WenKai Nonexistent", 400)
    assert "fonts-lxgw-wenkai" in str(err.value)


def test_missing_weight_is_an_error_not_a_fallback() -> None:
    # fontconfig offers WenKai Bold for 900; the renderer would then draw a different face
    with pytest.raises(PinbanError) as err:
        load_face("kai-black", "LXGW WenKai", 900)
    assert "900" in str(err.value)


def test_faces_are_cached() -> None:
    assert load_face("serif", "Noto Serif CJK SC", 400) is load_face("serif", "Noto Serif CJK SC", 400)
