"""Checks for the sample edition sources/2025-01-07-fengtai-lianghui.

Standalone: only the standard library (tomllib, re, pathlib, collections,
datetime) and, if it is installed, Pillow. Nothing from the pipeline package
is imported, so these tests keep guarding the sources while the pipeline
changes.

The seed (tests/fixtures/seed.txt) is the text extracted from the printed
pages 02–03. The sample sources repair its extraction artefacts (broken lines,
a doubled caption, extraction spacing) and must otherwise carry exactly the
same characters.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDITION_DIR = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
REPORT = EDITION_DIR / "report.md"
EDITION = EDITION_DIR / "edition.toml"
SEED = Path(__file__).resolve().parent / "fixtures" / "seed.txt"
PHOTO_SCRIPT = ROOT / "tools" / "make_standin_photos.py"

MAX_PHOTO_BYTES = 200 * 1024

# The one caption the extraction printed doubled, and what it really says.
DOUBLED_CAPTION = "区政协举办区政协举办““院士专家走进丰台院士专家走进丰台””暨暨““政协圆桌下午茶政协圆桌下午茶””活动活动"
REPAIRED_CAPTION = "区政协举办“院士专家走进丰台”暨“政协圆桌下午茶”活动"

SECTION_HEADS = ["2024年工作回顾", "2025年工作安排"]
SUB_HEADS = {
    "2024年工作回顾": [
        "（一）坚持党的领导，思想政治引领实现新加强",
        "（二）紧扣中心大局，服务全区改革发展彰显新作为",
        "（三）坚持履职为民，增进民生福祉作出新贡献",
        "（四）广泛凝心聚力，促进团结联谊迈出新步伐",
        "（五）创新工作机制，政协履职效能得到新提升",
    ],
    "2025年工作安排": [
        "（一）提高政治站位，加强党对政协工作的全面领导",
        "（二）学好党的创新理论，巩固团结奋斗的共同思想政治基础",
        "（三）精心组织调研协商，紧扣全区高质量发展资政建言",
        "（四）广泛团结各界力量，着力画好团结奋进最大同心圆",
        "（五）持续推动工作创新，不断完善政协工作制度机制",
        "（六）扎实推进自身建设，有效提高履职能力水平",
    ],
}
RUN_IN_LEADS_2024 = 17

# Spaces that are real word separators in titles; every other space of the
# seed was extraction spacing (CJK–digit gaps, column gaps) and is removed.
ALLOWED_SPACED_TITLES = ["翰墨联京蒙 丹青绘同心", "建设花园城市 打造宜居生活"]
HEADLINE_TITLE = "凝心聚力共奋进 履职尽责谱新篇"
HEADLINE_SUBTITLE = "聚共识、促合力、重创新、增实效 为丰台区高质量发展贡献政协智慧与力量"

BULLET = "\u2022"  # the seed's "丰台 • 两会" uses U+2022 BULLET

# CJK ideographs, CJK punctuation, full-width forms and the curly quotes.
CJK = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u00b7\u2014\u2022"
CJK_SPACE_CJK = re.compile(f"[{CJK}] +[{CJK}]")
CJK_SPACE_DIGIT = re.compile(f"[{CJK}] +[0-9]|[0-9] +[{CJK}]")
ASCII_PUNCT = re.compile(r"[,;:!?()]")
WHITESPACE = re.compile(r"\s+")


def no_ws(s: str) -> str:
    return WHITESPACE.sub("", s)


def load_edition() -> dict:
    with EDITION.open("rb") as f:
        return tomllib.load(f)


def report_lines() -> list[str]:
    return REPORT.read_text(encoding="utf-8").split("\n")


def strip_markdown(line: str) -> str:
    """The text of a report.md line without the markdown syntax."""
    for prefix in ("> ", "## ", "# "):
        if line.startswith(prefix):
            line = line[len(prefix) :]
            break
    return line.replace("**", "")


def report_text() -> str:
    return "".join(strip_markdown(line) for line in report_lines())


def render_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def furniture(ed: dict) -> str:
    """The page furniture as the seed prints it, rebuilt from edition.toml.

    The seed's furniture line is (extraction spacing shown as ␣)
        0203责任编辑：陈琛␣美编：刘佳␣校对：肖媛␣王昊月␣虞琪琪2025年␣1月␣7日␣星期二0202␣丰台␣•␣两会
    Character by character it maps to:
        "0203"            the folios of the two pages of the spread, 02 and 03
                          (pages = ["02", "03"] joined);
        "责任编辑：陈琛" "美编：刘佳" "校对：肖媛王昊月虞琪琪"
                          the [[credits]], role + "：" + names (the spaces
                          between the names are only separators);
        "2025年1月7日"     [edition].date; the spaces in "2025年 1月 7日" are
                          extraction spacing;
        "星期二"           [edition].weekday;
        "0202"            the left page's folio 02 printed twice more in the
                          page-02 header band (the extraction runs two folio
                          "02"s together; pinban prints the folios itself, so
                          the edition stores each page once);
        "丰台•两会"         [edition].section, with the seed's U+2022 bullet.
    So the folios contribute "02" three times and "03" once.
    """
    e = ed["edition"]
    pages = e["pages"]
    credits = "".join(c["role"] + "：" + "".join(c["names"]) for c in ed["credits"])
    return "".join(pages) + credits + render_date(e["date"]) + e["weekday"] + pages[0] * 2 + e["section"]


def seed_text_repaired() -> str:
    seed = SEED.read_text(encoding="utf-8")
    assert seed.count(DOUBLED_CAPTION) == 1
    return no_ws(seed.replace(DOUBLED_CAPTION, REPAIRED_CAPTION))


def counter_diff(expected: Counter, actual: Counter) -> str:
    missing = expected - actual
    extra = actual - expected
    return (
        f"missing from the sources (in the seed): {dict(sorted(missing.items()))}\n"
        f"extra in the sources (not in the seed): {dict(sorted(extra.items()))}"
    )


# ---------------------------------------------------------------- fidelity


def test_fidelity_character_multiset():
    """Every character of the seed is in the sources once: nothing lost, nothing doubled."""
    ed = load_edition()
    expected = Counter(seed_text_repaired())
    ours = (
        report_text()
        + "".join(p["caption"] for p in ed["photos"])
        + ed["headline"]["title"]
        + ed["headline"]["subtitle"]
        + furniture(ed)
    )
    actual = Counter(no_ws(ours))
    assert actual == expected, counter_diff(expected, actual)


def test_fidelity_body_order():
    """Stronger than the multiset: the seed minus captions, headline and
    furniture is exactly the report, in the same order."""
    ed = load_edition()
    seed = seed_text_repaired()
    pieces = [p["caption"] for p in ed["photos"]]
    pieces += [ed["headline"]["title"], ed["headline"]["subtitle"], furniture(ed)]
    for piece in pieces:
        piece = no_ws(piece)
        assert seed.count(piece) == 1, f"expected once in the seed: {piece}"
        seed = seed.replace(piece, "", 1)
    assert seed == no_ws(report_text())


# ---------------------------------------------------------------- report.md


def test_report_file_format():
    raw = REPORT.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "LF line endings only"
    text = raw.decode("utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    lines = text[:-1].split("\n")
    for i, line in enumerate(lines):
        assert line == line.rstrip(), f"trailing whitespace on line {i + 1}"
        assert "\t" not in line and "\u3000" not in line
        if i % 2 == 1:
            assert line == "", f"line {i + 1}: blocks are separated by one blank line"
        else:
            assert line != "", f"line {i + 1}: unexpected blank line"


def test_report_intro():
    lines = report_lines()
    assert lines[0].startswith("> 2024年是中华人民共和国成立75周年")
    assert sum(1 for line in lines if line.startswith(">")) == 1


def test_report_heads():
    lines = report_lines()
    heads = [line[2:] for line in lines if line.startswith("# ")]
    assert heads == SECTION_HEADS
    subs: dict[str, list[str]] = {h: [] for h in SECTION_HEADS}
    section = None
    for line in lines:
        if line.startswith("# "):
            section = line[2:]
        elif line.startswith("## "):
            assert section is not None
            subs[section].append(line[3:])
    assert subs == SUB_HEADS
    numerals = "一二三四五六"
    for section, expected_count in zip(SECTION_HEADS, (5, 6)):
        got = subs[section]
        assert len(got) == expected_count
        for n, head in zip(numerals, got):
            assert head.startswith(f"（{n}）")
    # no other markdown syntax
    for line in lines:
        assert not re.match(r"(#{3,}|[-+*] |\d+\. |```|\|)", line), line
        assert "#" not in strip_markdown(line)


def test_report_run_in_leads():
    lines = [line for line in report_lines() if line]
    section = sub = None
    leads = []
    for line in lines:
        if line.startswith("# "):
            section, sub = line[2:], None
            continue
        if line.startswith("## "):
            sub = line[3:]
            continue
        if line.startswith("> "):
            assert "**" not in line
            continue
        if section == "2024年工作回顾" and sub is not None:
            m = re.match(r"\*\*([^*。]+。)\*\*(?=\S)", line)
            assert m, f"paragraph without a run-in lead: {line[:30]}"
            assert line.count("**") == 2
            leads.append(m.group(1))
        else:
            assert "**" not in line, f"unexpected bold: {line[:30]}"
    assert len(leads) == RUN_IN_LEADS_2024
    assert leads[0] == "以理论武装凝心铸魂。"
    assert "深化民主监督工作。" in leads and "突出主题聚同心。" in leads


def _texts_to_check() -> list[str]:
    ed = load_edition()
    texts = [strip_markdown(line) for line in report_lines() if line]
    texts += [p["caption"] for p in ed["photos"]]
    return texts


def test_spacing():
    ed = load_edition()
    for text in _texts_to_check():
        rest = text
        for title in ALLOWED_SPACED_TITLES:
            rest = rest.replace(title, "")
        assert not CJK_SPACE_CJK.search(rest), f"space between CJK characters: {text[:40]}"
        assert not CJK_SPACE_DIGIT.search(text), f"space between CJK and digit: {text[:40]}"
        assert " " not in rest, f"unexpected space: {text[:40]}"
    assert ed["headline"]["title"] == HEADLINE_TITLE
    assert ed["headline"]["subtitle"] == HEADLINE_SUBTITLE


def test_no_ascii_punctuation():
    ed = load_edition()
    texts = _texts_to_check() + [ed["headline"]["title"], ed["headline"]["subtitle"]]
    for text in texts:
        assert not ASCII_PUNCT.search(text), f"ASCII punctuation in Chinese text: {text[:40]}"


# ---------------------------------------------------------------- edition.toml


def test_edition_metadata():
    ed = load_edition()
    e = ed["edition"]
    assert e["date"] == datetime.date(2025, 1, 7)
    assert type(e["date"]) is datetime.date, "a TOML local date"
    assert e["weekday"] == "星期" + "一二三四五六日"[e["date"].weekday()]
    assert e["pages"] == ["02", "03"]
    assert e["section"] == f"丰台{BULLET}两会"
    assert e["style"] == "broadsheet"
    assert [(c["role"], c["names"]) for c in ed["credits"]] == [
        ("责任编辑", ["陈琛"]),
        ("美编", ["刘佳"]),
        ("校对", ["肖媛", "王昊月", "虞琪琪"]),
    ]
    assert "kicker" not in ed["headline"]
    assert "place" not in ed


def test_photos_table():
    photos = load_edition()["photos"]
    assert len(photos) == 15
    ids = [p["id"] for p in photos]
    assert len(set(ids)) == 15
    assert ids == [f"p{i:02d}" for i in range(1, 16)]
    assert REPAIRED_CAPTION in [p["caption"] for p in photos]
    for p in photos:
        assert p["file"] == f"photos/{p['id']}.jpg"
        path = EDITION_DIR / p["file"]
        assert path.is_file(), path
        assert path.stat().st_size <= MAX_PHOTO_BYTES, f"{path.name}: {path.stat().st_size} bytes"
        assert p["stand_in"] is True
        assert p["caption"] and "\n" not in p["caption"]
        assert "credit" not in p and "place" not in p
        if "focus" in p:
            x, y = p["focus"]
            assert 0 <= x <= 1 and 0 <= y <= 1


# ---------------------------------------------------------------- JPEG files


def intended_sizes() -> dict[str, tuple[int, int]]:
    """Pixel sizes from the generator's SPECS table."""
    src = PHOTO_SCRIPT.read_text(encoding="utf-8")
    found = re.findall(r'Spec\("(p\d\d)",\s*(\d+),\s*(\d+)', src)
    return {pid: (int(w), int(h)) for pid, w, h in found}


def intended_focus() -> dict[str, tuple[float, float]]:
    """Focal points the generator placed its main subject at."""
    src = PHOTO_SCRIPT.read_text(encoding="utf-8")
    found = re.findall(r'Spec\("(p\d\d)",\s*\d+,\s*\d+,\s*[\d.]+,\s*"\w+",\s*\(([\d.]+),\s*([\d.]+)\)', src)
    return {pid: (float(x), float(y)) for pid, x, y in found}


def test_photo_focus_matches_generator():
    focus = intended_focus()
    assert focus, "no focal points found in the generator"
    for p in load_edition()["photos"]:
        if "focus" in p:
            assert tuple(p["focus"]) == focus.get(p["id"]), p["id"]
        else:
            assert p["id"] not in focus, p["id"]


def jpeg_frame(data: bytes) -> tuple[int, int, int, int, set[int]]:
    """(SOF marker, width, height, components, markers seen) of a JPEG."""
    assert data[:2] == b"\xff\xd8", "not a JPEG (no SOI marker)"
    i = 2
    markers: set[int] = set()
    while i < len(data):
        assert data[i] == 0xFF, f"bad marker at byte {i}"
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        markers.add(marker)
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            seg = data[i + 4 : i + 2 + length]
            height = int.from_bytes(seg[1:3], "big")
            width = int.from_bytes(seg[3:5], "big")
            return marker, width, height, seg[5], markers
        i += 2 + length
    raise AssertionError("no SOF marker")


def test_photo_files_are_intended_jpegs():
    sizes = intended_sizes()
    photos = load_edition()["photos"]
    assert sorted(sizes) == sorted(p["id"] for p in photos)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is optional here
        Image = None
    for p in photos:
        path = EDITION_DIR / p["file"]
        data = path.read_bytes()
        sof, width, height, components, markers = jpeg_frame(data)
        assert sof == 0xC0, f"{path.name}: baseline JPEG expected, SOF {sof:#x}"
        assert components == 3, f"{path.name}: colour JPEG expected"
        assert 0xE1 not in markers, f"{path.name}: no EXIF/XMP (APP1) segment"
        assert (width, height) == sizes[p["id"]], path.name
        assert data.rstrip(b"\x00")[-2:] == b"\xff\xd9", f"{path.name}: no EOI marker"
        if Image is not None:
            with Image.open(path) as im:
                assert im.format == "JPEG"
                assert im.mode == "RGB"
                assert im.size == sizes[p["id"]]
                im.load()


def test_photo_resolution_for_placement():
    """≥ 200 ppi even when placed 150 mm wide."""
    for pid, (w, _h) in intended_sizes().items():
        assert w / (150 / 25.4) >= 200, pid


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q"]))
