"""pinban check: source preflight, text rules, layout checks and the PDF audit, piece by piece.

The layout checks run on hand-built display lists and the audit on small PDFs made here, so
each rule is pinned down independently of the layout engine; the sample edition guards against
false positives (it is clean, so every warning on it would be one).
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageCms

from pipeline import build as B
from pipeline.build import finding_json
from pipeline.checks import layout as L
from pipeline.checks import pdf as PDFC
from pipeline.checks import photos as P
from pipeline.checks import report as R
from pipeline.checks import text as T
from pipeline.errors import PinbanError
from pipeline.model import Finding
from pipeline.sources import load_edition
from pipeline.style import load_style

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
STYLE = load_style(ROOT / "styles", "broadsheet")


def unit(text: str, kind: str = "body", block_id: str = "b001") -> T.TextUnit:
    return T.TextUnit(block_id, kind, text, "report.md:1", (T.Segment(0, len(text), "serif"),))


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


class FakeFace:
    def __init__(self, missing: str = "") -> None:
        self.missing = missing

    def has_char(self, ch: str) -> bool:
        return ch not in self.missing


def fake_faces(missing: str = "", **per_key: str) -> dict[str, FakeFace]:
    return {f.key: FakeFace(per_key.get(f.key.replace("-", "_"), missing)) for f in STYLE.faces}


def real_faces() -> dict:
    fonts = pytest.importorskip("pipeline.fonts")
    try:
        return {f.key: fonts.load_face(f.key, f.family, f.weight) for f in STYLE.faces}
    except PinbanError as exc:
        pytest.skip(f"house faces not installed: {exc}")


# --- the sample is clean ----------------------------------------------------------------------


def test_sample_has_no_source_findings_beyond_photo_notes() -> None:
    findings = T.check_sources(load_edition(SAMPLE), STYLE, real_faces())
    assert [f for f in findings if f.severity != "info"] == []
    [note] = findings
    assert note.code == "photo-colour" and note.message.startswith("photos p01, p02, ") and "no ICC profile" in note.message


def test_seed_artefacts_are_found() -> None:
    """The extraction's doubled caption and date spacing, as an editor would have pasted them."""
    doubled = unit("区政协举办区政协举办““院士专家走进丰台院士专家走进丰台””暨暨““政协圆桌下午茶政协圆桌下午茶””活动活动", "caption")
    found = T.doubled_phrases(doubled) + T.doubled_punct(doubled)
    assert codes(found).count("doubled-phrase") == 3 and codes(found).count("doubled-punct") == 4
    # the date's typed spaces print as the house CJK–Latin gap, as 2025年1月7日 does (rules 18, 25)
    assert codes(T.spaces(unit("2025年 1月 7日", "header"))) == []
    assert codes(T.spaces(unit("2025年  1月7日", "header"))) == ["space-cjk-latin"]


# --- text rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("区政协,开展调研", "body", [("punct-halfwidth", 3, 4)]),
    ("调研完成.", "body", [("punct-halfwidth", 4, 5)]),
    ("会议(扩大)召开", "body", [("punct-halfwidth", 2, 3), ("punct-halfwidth", 5, 6)]),
    ("版本3.5发布，e.g. 例如", "body", []),
    ("比分3:2，100%完成", "body", []),
])
def test_halfwidth_punct(text: str, kind: str, expected: list) -> None:
    assert [(f.code, f.start, f.end) for f in T.halfwidth_punct(unit(text, kind))] == expected


def test_straight_quotes() -> None:
    assert codes(T.straight_quotes(unit('他说"好"。'))) == ["quote-straight"] * 2
    assert T.straight_quotes(unit("It's fine")) == []


@pytest.mark.parametrize(("text", "count"), [
    ("“开会", 1), ("开会”", 1), ("《方案》“第一议题”", 0), ("“做好‘土特产’文章”", 0), ("（一）", 0), ("“《方”案》", 2),
])
def test_unbalanced_marks(text: str, count: int) -> None:
    assert len(T.unbalanced_marks(unit(text), None)) == count


def test_quotation_over_several_paragraphs_is_not_unbalanced() -> None:
    first, second = unit("“第一段引文。"), unit("“第二段引文。”", block_id="b002")
    assert T.unbalanced_marks(first, second) == []
    assert len(T.unbalanced_marks(first, unit("正文。"))) == 1


@pytest.mark.parametrize("text", [
    "建设人人参与、人人共享花园城市", "这个问题要研究研究", "一步一步向前", "常常看看", "天天向上", "雪白雪白的墙",
    "学纪、知纪、明纪、守纪", "“专”出特色、“专”出质量",
])
def test_legitimate_repeats_are_not_doubled_phrases(text: str) -> None:
    assert T.doubled_phrases(unit(text)) == []


def test_doubled_phrase_points_at_the_repeat() -> None:
    text = "今年区政协举办区政协举办活动"
    [f] = T.doubled_phrases(unit(text))
    assert (f.code, f.severity, text[f.start : f.end]) == ("doubled-phrase", "warning", "区政协举办")
    assert f.start == 7 and f.block_id == "b001" and "区政协举办" in f.message


def test_doubled_punct_spares_legitimate_pairs() -> None:
    assert T.doubled_punct(unit("真的吗？？好！！……——")) == []
    assert codes(T.doubled_punct(unit("活动，，开展"))) == ["doubled-punct"]


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("重要活动 围绕", "body", ["space-cjk"]),
    ("凝心聚力共奋进 履职尽责谱新篇", "title", []),
    ("凝心聚力共奋进  履职尽责谱新篇", "title", ["space-cjk"]),
    ("“建设花园城市 打造宜居生活”议政会", "caption", []),
    ("举办“翰墨联京蒙 丹青绘同心”书画展", "body", []),
    ("举办翰墨联京蒙 丹青绘同心书画展", "body", ["space-cjk"]),
    ("发展， 推动", "body", ["space-cjk"]),
    ("同心\u3000同德", "body", ["space-cjk"]),
])
def test_spaces(text: str, kind: str, expected: list[str]) -> None:
    assert codes(T.spaces(unit(text, kind))) == expected


def test_numbers() -> None:
    [f] = T.fullwidth_alnum(unit("研讨１３次"))
    assert (f.code, f.start, f.end) == ("number-fullwidth", 2, 4) and "13" in f.hint
    mixed = [unit("2024年工作回顾"), unit("二〇二四年是关键一年", block_id="b002")]
    [f] = T.mixed_year_styles(mixed)
    assert (f.code, f.block_id, f.start, f.end) == ("number-mixed", "b002", 0, 5)
    assert T.mixed_year_styles([unit("二〇二四年是关键一年")]) == []  # one style throughout is consistent
    assert codes(T.mixed_dates([unit("2024年十二月5日")])) == ["number-mixed"]
    assert T.mixed_dates([unit("2024年12月5日，十三届九次全会")]) == []


def test_mixed_quote_styles_reports_the_minority() -> None:
    found = T.mixed_quote_styles([unit("“甲”“乙”"), unit("「丙」", block_id="b002")])
    assert [(f.block_id, f.start) for f in found] == [("b002", 0), ("b002", 2)]


def test_invisible_and_markup() -> None:
    assert codes(T.invisible_chars(unit("政协\u200b委员"))) == ["invisible-char"]
    found = T.markup(unit("区政协<script>alert(1)</script></div>活动", "caption"))
    assert codes(found) == ["markup-in-text"] * 3
    assert T.markup(unit("1<2>3，a&b")) == []


def test_text_findings_anchor_captions_and_headline(tmp_path: Path) -> None:
    folder = tmp_path / "ed"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("p0[2-9].jpg", "p1*.jpg"))
    toml = (folder / "edition.toml").read_text(encoding="utf-8")
    toml = toml.replace("区政协医药卫生界工作站揭牌成立", "区政协医药卫生界,工作站揭牌成立").replace(
        'title = "凝心聚力共奋进 履职尽责谱新篇"', 'title = "凝心聚力共奋进 履职尽责谱新篇新篇"')
    (folder / "edition.toml").write_text(toml, encoding="utf-8")
    found = {f.code: f for f in T.check_sources(load_edition(folder), STYLE, fake_faces())}
    cap = found["punct-halfwidth"]
    assert (cap.block_id, cap.start, cap.where) == ("photo.p03", 8, "edition.toml:45")
    title = found["doubled-phrase"]
    assert (title.block_id, title.start, title.end, title.where) == ("headline.title", 15, 17, "edition.toml:26")


# --- glyphs -----------------------------------------------------------------------------------


def test_glyph_coverage_uses_the_face_of_each_run(tmp_path: Path) -> None:
    folder = tmp_path / "ed"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.jpg"))
    (folder / "report.md").write_text("**以理论武装。**政协😀委员𠀀。😀\n", encoding="utf-8")
    ed = load_edition(folder)
    found = [f for f in T.check_sources(ed, STYLE, fake_faces("😀𠀀", serif_bold="武")) if f.code == "glyph-missing"]
    got = [(f.block_id, f.start, f.severity) for f in found]
    assert got == [("b001", 3, "error"), ("b001", 8, "error"), ("b001", 11, "error")]  # the second 😀: once per text
    assert "U+1F600" in found[1].message and "Noto Serif CJK SC" in found[1].message
    assert "U+20000" in found[2].message and found[0].where == "report.md:1"


# --- photos -----------------------------------------------------------------------------------


def photo_edition(tmp_path: Path, data: bytes, name: str = "p01.jpg") -> list[Finding]:
    folder = tmp_path / "ed"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.jpg"))
    toml = (folder / "edition.toml").read_text(encoding="utf-8").replace("photos/p01.jpg", f"photos/{name}")
    (folder / "edition.toml").write_text(toml, encoding="utf-8")
    (folder / "photos" / name).write_bytes(data)
    ed = load_edition(folder)
    return [f for f in P.check_photos(ed, STYLE) if f.message.startswith("photo p01 ")]


def image_bytes(im: Image.Image, fmt: str, **kw) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **kw)
    return buffer.getvalue()


def test_photo_colour_and_icc_are_reported(tmp_path: Path) -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    [f] = photo_edition(tmp_path, image_bytes(Image.new("CMYK", (1800, 1200)), "JPEG", icc_profile=icc))
    assert (f.severity, f.code) == ("info", "photo-colour")
    assert "CMYK" in f.message and "ICC profile" in f.message and f.where == "edition.toml:29"


def test_photo_alpha(tmp_path: Path) -> None:
    found = photo_edition(tmp_path, image_bytes(Image.new("RGBA", (1800, 1200)), "PNG"), "p01.png")
    assert ("warning", "photo-alpha") in [(f.severity, f.code) for f in found]


@pytest.mark.parametrize(("data", "code"), [
    (image_bytes(Image.new("RGB", (1, 1)), "JPEG"), "photo-tiny"),
    (image_bytes(Image.effect_noise((1800, 1200), 60), "JPEG")[:40_000], "photo-corrupt"),
    (b"GIF89a but not really", "photo-unreadable"),
])
def test_photo_errors(tmp_path: Path, data: bytes, code: str) -> None:
    found = photo_edition(tmp_path, data)
    assert ("error", code, "photo.p01") in [(f.severity, f.code, f.block_id) for f in found], found


def test_photo_sizes() -> None:
    photo = load_edition(SAMPLE).photos[0]
    assert codes(P.size_findings(photo, 12000, 9000, STYLE)) == ["photo-huge"]
    assert P.size_findings(photo, 12000, 9000, STYLE)[0].severity == "warning"
    assert P.size_findings(photo, 30000, 30000, STYLE)[0].severity == "error"
    assert P.size_findings(photo, 1800, 1200, STYLE) == []
    assert codes(P.size_findings(photo, 200, 150, STYLE)) == ["photo-tiny"]


# --- layout checks on hand-built display lists ------------------------------------------------

compose = pytest.importorskip("pipeline.compose")
display = pytest.importorskip("pipeline.display")
D = display


def tline(text: str, block_id: str, start: int, kind: str = "body", first: bool = False, last: bool = False,
          number: int = 1, baseline: float = 100.0) -> D.TextLine:
    span = compose.Span(0.0, text, "serif", 9.0, 0.0, (), 9.0 * len(text))
    return D.TextLine(50.0, baseline, 117.0, (span,), block_id, kind, start, start + len(text), first, last, number)


def column(lines: list, column_no: int = 1, page: str = "02", height: float = 140.0) -> D.Frame:
    return D.Frame(f"{page}-c{column_no}", page, "column", 50.0, 80.0, 117.0, height, 14.0, tuple(lines), column_no)


def display_list(frames: list, pictures: tuple = (), overset: D.Overset | None = None) -> D.DisplayList:
    page = D.Page("02", 0, 0.0, 1105.0, 1530.0, tuple(frames), pictures, ())
    return D.DisplayList("test", "标题", (page,), 9.0, 14.0, 100.0, overset, 1)


def test_orphan_char_widow_and_head_at_foot() -> None:
    first = column([
        tline("区政协把学习贯彻习近平总书", "b002", 0, first=True, number=1),
        tline("记讲话精神作为重大政治任", "b002", 13, number=2),
        tline("务。", "b002", 25, last=True, number=3),  # one character and a mark: 孤字
        tline("（一）坚持党的领导", "b003", 0, kind="subsection", first=True, last=True, number=4),
    ])
    second = column([tline("后文。", "b004", 10, last=True, number=1)], column_no=2)
    found = L.line_findings(display_list([first, second]))
    assert [(f.code, f.where) for f in found] == [
        ("orphan-char", "02版·第1栏·第3行"), ("head-at-foot", "02版·第1栏·第4行"), ("widow", "02版·第2栏·第1行")]
    orphan = found[0]
    assert (orphan.block_id, orphan.start, orphan.end, orphan.page) == ("b002", 25, 27, "02")
    assert orphan.box is not None and orphan.box[2] == 117.0


def test_head_ending_the_report_is_not_at_a_foot() -> None:
    frame = column([tline("正文。", "b001", 0, first=True, last=True), tline("结束语", "b002", 0, kind="section")])
    assert L.line_findings(display_list([frame])) == []


def test_overset_and_underset() -> None:
    over = display_list([column([tline("正文正文。", "b001", 0, first=True, last=True)])],
                        overset=D.Overset(12, 150, ("b007", "b008"), ("2025年工作安排",)))
    [f] = L.overset_findings(over)
    assert (f.severity, f.code, f.block_id) == ("error", "overset", "b007") and "12 lines" in f.message
    short = display_list([column([tline("正文。", "b001", 0, first=True, last=True, baseline=100.0)], height=140.0)])
    [f] = L.underset_findings(short)
    assert (f.code, f.where) == ("underset", "02版·第1栏")
    full = display_list([column([tline("正文。", "b001", 0, first=True, last=True, baseline=212.0)], height=140.0)])
    assert L.underset_findings(full) == []


@pytest.mark.parametrize(("pixels", "expected"), [(1800, []), (800, []), (700, ["warning"]), (400, ["error"])])
def test_photo_resolution(pixels: int, expected: list[str]) -> None:
    # placed 4 inches wide, the whole 3:2 image shown: 1800 px → 450 ppi, 800 → 200, 700 → 175, 400 → 100
    pic = D.Picture("p01", "02", 50.0, 50.0, 288.0, 192.0, "/x.jpg", (pixels, round(pixels / 1.5)),
                    (0.0, 0.0, float(pixels), pixels / 1.5))
    found = L.resolution_findings(display_list([], pictures=(pic,)))
    assert [f.severity for f in found] == expected
    if found:
        assert found[0].code == "photo-resolution" and found[0].box == (50.0, 50.0, 288.0, 192.0)
    assert L.resolution_findings(display_list([], pictures=(pic,)), skip={"p01"}) == []


def test_coverage_finds_text_the_layout_lost() -> None:
    ed = load_edition(SAMPLE)
    block = ed.blocks[1]  # "# 2024年工作回顾"
    placed = display_list([column([tline(block.text[:4], block.id, 0, kind="section", first=True, last=True)])])
    lost = [f for f in L.coverage_findings(placed, ed) if f.block_id == block.id]
    assert lost and lost[0].code == "text-lost" and "4 of" in lost[0].message


def test_a_hyphen_the_composer_adds_is_not_counted_as_placed_text() -> None:
    ed = load_edition(SAMPLE)
    block = ed.blocks[1]  # "# 2024年工作回顾", set over two lines with a hyphen added at the break
    first = tline(block.text[:6], block.id, 0, kind="section", first=True)
    hyphen = compose.Span(first.spans[0].width, "-", "serif", 9.0, 0.0, (), 3.0, added=True)
    first = replace(first, spans=(*first.spans, hyphen))
    second = tline(block.text[6:], block.id, 6, kind="section", last=True, baseline=114.0)
    placed = display_list([column([first, second])])
    assert [f for f in L.coverage_findings(placed, ed) if f.block_id == block.id] == []


# --- the PDF audit ----------------------------------------------------------------------------

LINES = ["区政协把学习贯彻习近平", "总书记讲话精神作为重大", "政治任务。"]


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    weasyprint = pytest.importorskip("weasyprint")
    html = ("<html lang='zh-CN'><body style='font-family:\"Noto Serif CJK SC\";font-size:9pt'>"
            + "".join(f"<p>{t}</p>" for t in LINES) + "<p>&lt;script&gt;</p></body></html>")
    path = tmp_path_factory.mktemp("pdf") / "spread.pdf"
    weasyprint.HTML(string=html).write_pdf(path)
    return path


def frame_of(texts: list[str]) -> D.DisplayList:
    lines, pos = [], 0
    for i, t in enumerate(texts):
        lines.append(tline(t, "b001", pos, first=i == 0, last=i == len(texts) - 1, number=i + 1))
        pos += len(t)
    return display_list([column(lines)])


def test_fidelity_all_drawn_in_order(small_pdf: Path) -> None:
    assert PDFC.fidelity_findings(PDFC.pdf_text(small_pdf), frame_of(LINES)) == []
    assert "<script>" in "".join(PDFC.pdf_text(small_pdf))


def test_fidelity_missing_and_out_of_order(small_pdf: Path) -> None:
    pages = PDFC.pdf_text(small_pdf)
    missing = PDFC.fidelity_findings(pages, frame_of([LINES[0], "这一行没有画出来", LINES[2]]))
    assert [(f.code, f.where) for f in missing] == [("pdf-missing-text", "02版·第1栏·第2行")]
    swapped = PDFC.fidelity_findings(pages, frame_of([LINES[1], LINES[0], LINES[2]]))
    assert codes(swapped) == ["pdf-order"]


def test_reading_order_of_the_whole_report() -> None:
    ed = load_edition(SAMPLE)
    drawn = "\n".join(L.source_texts(ed).values())  # everything, in source order, with line ends
    empty = display_list([])
    assert PDFC.reading_order_findings([drawn], empty, ed) == []
    damaged = drawn.replace("区政协及其常委会", "区政协及其常委")  # b003 loses a character
    assert [(f.code, f.block_id) for f in PDFC.reading_order_findings([damaged], empty, ed)] == [("pdf-reading-order", "b003")]
    no_caption = drawn.replace(ed.photos[4].caption, "")
    assert [(f.code, f.block_id) for f in PDFC.reading_order_findings([no_caption], empty, ed)] == [("pdf-missing-text", "photo.p05")]


def test_fonts_embedded_in_weasyprint_pdf(small_pdf: Path) -> None:
    fonts = PDFC.pdf_fonts(small_pdf)
    assert fonts and all(embedded for _, embedded in fonts)
    assert PDFC.font_findings(fonts, STYLE) == []


def test_font_not_embedded(tmp_path: Path) -> None:
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    path = tmp_path / "base14.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("Helvetica", 12)
    c.drawString(72, 720, "Helvetica is never embedded")
    c.save()
    found = PDFC.font_findings(PDFC.pdf_fonts(path), STYLE)
    assert [(f.severity, f.code) for f in found] == [("error", "font-not-embedded"), ("warning", "font-fallback")]


def test_unreadable_pdf_is_a_finding(tmp_path: Path) -> None:
    bad = tmp_path / "spread.pdf"
    bad.write_bytes(b"%PDF-1.7 broken")
    assert codes(PDFC.audit_pdf(bad, frame_of(LINES), load_edition(SAMPLE), STYLE)) == ["pdf-unreadable"]


# --- check_edition: failures become findings --------------------------------------------------


def test_layout_stopping_at_a_reported_glyph_is_a_note() -> None:
    glyph = Finding("error", "glyph-missing", "Noto Serif CJK SC cannot draw 👍 (U+1F44D) in …", "report.md:5")
    stop = Finding("error", "layout-failed", "character “👍” (U+1F44D) at offset 214 is not in Noto Serif CJK SC",
                   "report.md:5")
    assert B.explained(stop, [glyph]).code == "layout-skipped"
    assert B.explained(stop, [glyph]).severity == "info"
    other = Finding("error", "layout-failed", "character “𠀀” (U+20000) is not in the face", "report.md:9")
    assert B.explained(other, [glyph]) is other


@pytest.mark.parametrize(("exc", "code"), [
    (PinbanError("the photos leave no room for the report", "layout", "drop photos"), "layout-failed"),
    (AttributeError("'Row' object has no attribute 'x'"), "internal-error"),
])
def test_stage_failures_are_findings(monkeypatch: pytest.MonkeyPatch, exc: Exception, code: str) -> None:
    def boom(job):
        raise exc

    monkeypatch.setattr(B, "lay_out", boom)
    job = SimpleNamespace(edition=load_edition(SAMPLE), style=STYLE, faces=fake_faces(), out=Path("."))
    findings = B.check_edition(job)
    assert findings[0].severity == "error" and findings[0].code == code
    assert findings[-1].severity == "info"  # sorted by severity


def test_check_edition_audits_what_it_renders(monkeypatch: pytest.MonkeyPatch, small_pdf: Path) -> None:
    monkeypatch.setattr(B, "lay_out", lambda job: frame_of(LINES))
    monkeypatch.setattr(B, "write_pdfs", lambda d, job: [small_pdf.parent / "pages.pdf", small_pdf])
    job = SimpleNamespace(edition=load_edition(SAMPLE), style=STYLE, faces=fake_faces(), out=small_pdf.parent)
    found = B.check_edition(job)
    # every drawn line is in the PDF … (the hand-made lines are not justified: the typography
    # audit's findings are not what this test is about)
    assert not [f for f in found if f.code in ("pdf-missing-text", "pdf-order") and f.page]
    assert "text-lost" in codes(found) and "pdf-reading-order" in codes(found)  # … but not the sample's text


# --- output for people and tools --------------------------------------------------------------


def test_format_findings() -> None:
    findings = [
        Finding("warning", "space-cjk", "space in …", "report.md:3", "delete the space"),
        Finding("error", "glyph-missing", "cannot draw 😀", "report.md:5"),
        Finding("info", "photo-colour", "JPEG", "edition.toml:29"),
        Finding("warning", "widow", "short line", "02版·第3栏·第1行", "cut a line"),
    ]
    text = R.format_findings(R.sort_findings(findings))
    assert text.splitlines() == [
        "Errors (1):",
        "  report.md:5: cannot draw 😀",
        "Warnings (2):",
        "  report.md:3: space in … (delete the space)",
        "  02版·第3栏·第1行: short line (cut a line)",
        "Notes (1):",
        "  edition.toml:29: JPEG",
        "1 error, 2 warnings (1 note)",
    ]
    assert R.format_findings([]) == "0 errors, 0 warnings"


def test_findings_serialise_for_json() -> None:
    f = Finding("warning", "orphan-char", "孤字", "02版·第1栏·第3行", "", "b002", 26, 28, "02", (1.0, 2.0, 3.0, 4.0))
    data = json.loads(json.dumps(finding_json(f), ensure_ascii=False))
    assert data["block_id"] == "b002" and data["box"] == [1.0, 2.0, 3.0, 4.0] and "hint" not in data


def test_corrupt_photo_found_after_weasyprint_is_imported(tmp_path: Path) -> None:
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES process-wide; the check must not care."""
    import weasyprint  # noqa: F401

    data = image_bytes(Image.effect_noise((1800, 1200), 60), "JPEG")[:40_000]
    found = photo_edition(tmp_path, data)
    assert ("error", "photo-corrupt", "photo.p01") in [(f.severity, f.code, f.block_id) for f in found], found


# --- false positives found on the corpus (each was reported as an error or warning) -------------


@pytest.mark.parametrize("text", ["包括几个部分：1）运行环境；2）复现步骤", "a）第一 b）第二", "其中：一）学习"])
def test_list_numbering_is_not_an_unbalanced_mark(text: str) -> None:
    assert T.unbalanced_marks(unit(text), None) == []


def test_a_stray_closing_parenthesis_is_still_unbalanced() -> None:
    assert codes(T.unbalanced_marks(unit("开会）"), None)) == ["marks-unbalanced"]
    assert codes(T.unbalanced_marks(unit("数据3）"), None)) == ["marks-unbalanced"]


@pytest.mark.parametrize("text", ["有57,610个汉字", "占72.3%，同比", "提高3.5倍。", "共1,947个"])
def test_numbers_with_separators_are_no_findings(text: str) -> None:
    assert T.check_text([unit(text)]) == []


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("组建 10个调研组", "body", []),                 # rule 25: the composer sets it as the house gap
    ("使用 Noto Serif 字体", "body", []),
    ("组建  10个调研组", "body", ["space-cjk-latin"]),  # two spaces are a slip
    ("组建\u300010个", "body", ["space-cjk-latin"]),
    ("第三章 问题追踪与社区协作", "section", []),       # a head's number and title
    ("3.1 为什么问题追踪重要", "subsection", []),
])
def test_spaces_the_house_style_sets_are_no_warnings(text: str, kind: str, expected: list[str]) -> None:
    assert codes(T.spaces(unit(text, kind))) == expected


# --- mixed punctuation (issue 13, item 8): parentheses by what they enclose, numbers half-width ---


@pytest.mark.parametrize(("text", "expected"), [
    ("会议(扩大)召开", [("punct-halfwidth", "("), ("punct-halfwidth", ")")]),       # Chinese content
    ("(v2.3.1 版本)发布", [("punct-halfwidth", "("), ("punct-halfwidth", ")")]),  # no Chinese beside the (
    ("会议(OK)召开", [("punct-halfwidth", "("), ("punct-halfwidth", ")")]),        # Latin content in Chinese text
    ("f（x） returns 0", [("punct-fullwidth", "（"), ("punct-fullwidth", "）")]),  # a Latin run
    ("调用load_edition（）函数", [("punct-fullwidth", "（"), ("punct-fullwidth", "）")]),
    ("使用 Python (CPython) 3.12 运行", []),
    ("调用load_edition()函数", []),
    ("GitHub Issues（GI）是项目的前台", []),     # a Latin gloss in Chinese text takes （）
    ("国际化（internationalization）问题", []),
    ("internationalization（常缩写为 i18n）相关", []),
    ("包括：1）运行环境；2）复现步骤", []),        # list numbering (GB/T 15834 4.8)
    ("其中：1)运行环境", [("punct-halfwidth", ")")]),
])
def test_parentheses_go_by_what_they_enclose(text: str, expected: list) -> None:
    found = T.halfwidth_punct(unit(text))
    assert [(f.code, text[f.start:f.end]) for f in found] == expected
    assert all(f.severity == "warning" and f.where == "report.md:1" for f in found)


def test_a_parenthesis_finding_names_the_mark_to_use() -> None:
    [f] = [f for f in T.halfwidth_punct(unit("f（x） returns")) if f.start == 1]
    assert "（" in f.message and "(" in f.hint and f.msgid == "full-width {mark} in Latin text: {excerpt}"


@pytest.mark.parametrize(("text", "marks", "plain"), [
    ("有57，610个汉字", [3], "57,610"),
    ("共57，610，000人", [3, 7], "57,610,000"),
    ("占72.3％，同比", [5], "72.3%"),
    ("占72．3%", [3], "72.3%"),
    ("增长12。3％", [4, 6], "12.3%"),
    ("有５７，６１０个", [3], "57,610"),
])
def test_fullwidth_marks_inside_a_number(text: str, marks: list[int], plain: str) -> None:
    found = [f for f in T.fullwidth_alnum(unit(text)) if not text[f.start].isdigit()]
    assert [(f.code, f.start, f.end) for f in found] == [("number-fullwidth", i, i + 1) for i in marks]
    assert all(plain in f.hint and f.severity == "warning" for f in found)


@pytest.mark.parametrize("text", [
    "有57,610个，占72.3%", "共12。2025年起", "比分3，2", "编号1，2345", "2024年，12月", "增长了3。5名委员发言",
])
def test_numbers_and_sentences_beside_them_are_no_findings(text: str) -> None:
    assert T.check_text([unit(text)]) == []


def test_a_caption_with_its_credit_is_not_text_lost() -> None:
    from pipeline.model import Photo, SourceRef

    photo = Photo("p01", "photos/p01.jpg", None, "小区门口的便民修理摊", SourceRef("edition.toml", 25), credit="本报记者 何川")
    printed = photo.printed_caption
    assert printed == "小区门口的便民修理摊（本报记者 何川 摄）"
    chart = Photo("c01", "photos/c01.jpg", None, "新问题首次回复时间", SourceRef("edition.toml", 31), credit="项目统计",
                  kind="chart")
    assert chart.printed_caption == "新问题首次回复时间（项目统计）"   # a chart is not photographed
    edition = SimpleNamespace(blocks=(), photos=(photo,), headline=SimpleNamespace(kicker="", title="", subtitle=""))
    span = compose.Span(0.0, printed, "kai", 9.0, 0.0, (), 9.0 * len(printed))
    line = D.TextLine(50.0, 100.0, 200.0, (span,), "photo:p01", "caption", 0, len(printed), True, True)
    frame = D.Frame("02-cap-p01", "02", "caption", 50.0, 80.0, 200.0, 20.0, 14.0, (line,))
    assert L.coverage_findings(display_list([frame]), edition) == []
    short = replace(line, spans=(replace(span, text=photo.caption),))
    cut = L.coverage_findings(display_list([replace(frame, lines=(short,))]), edition)
    assert codes(cut) == ["text-lost"]


def glyph(text: str, x: float, font: str = "Noto-Serif-CJK-SC", size: float = 9.75):
    from pipeline.checks.readback import Char

    return Char(text, x, 100.0, size, size if A.wide(text) else size * 0.55, font=font)


def drawn(text: str, faces: dict, composed: str | None = None, widen: float = 0.0, x0: float = 50.0, start: int = 0):
    """A drawn line of `text` at shaped positions (plus `widen` pt after every character), with
    the composed line it came from (its text `composed`, spaces included)."""
    face = faces["serif"]
    glyphs = [replace(glyph(ch, x0 + pen + widen * i), advance=nominal(face, ch))
              for i, (ch, pen) in enumerate(zip(text, pens(face, text)))]
    source = composed if composed is not None else text
    line = tline(source, "b001", start)
    frame = column([line])
    return A.DrawnLine("02", frame, 100.0, 1, tuple(glyphs), line, A.source_spaces(glyphs, source))


A = pytest.importorskip("pipeline.checks.audit")


def nominal(face, ch: str, size: float = 9.75) -> float:
    """The glyph's width as a PDF's width array gives it (hmtx, no GPOS)."""
    font = face._font
    return font.get_glyph_h_advance(font.get_nominal_glyph(ord(ch))) * size / face.upem


def pens(face, text: str, size: float = 9.75) -> list[float]:
    """Each character's pen position as HarfBuzz shapes the text (script runs as Pango makes them)."""
    from pipeline.fonts import script_runs

    out, pen, base = [], 0.0, 0
    for run, script in script_runs(text):
        buf = face._shape(run, script, ())
        at: dict[int, float] = {}
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            at.setdefault(info.cluster, pen)
            pen += pos.x_advance * size / face.upem
        out += [at.get(k, out[-1] if out else 0.0) for k in range(len(run))]
        base += len(run)
    return out


@pytest.mark.parametrize("text", ["据项目组在2024", "有57,610个汉字", "排版依赖HarfBuzz，PDF"])
def test_kerned_and_proportional_pairs_are_not_spaced_out(text: str) -> None:
    from pipeline.checks.shaping import FontMetrics

    faces = real_faces()
    auditor = A.Auditor(display_list([]), FontMetrics(faces))
    line = drawn(text, faces)
    auditor.spacing(line, A.widenings(line.glyphs), 0.0)
    assert auditor.problems == []


def test_letter_spacing_inside_a_number_is_still_found() -> None:
    from pipeline.checks.shaping import FontMetrics

    faces = real_faces()
    auditor = A.Auditor(display_list([]), FontMetrics(faces))
    line = drawn("在2024年", faces, widen=0.6)
    auditor.spacing(line, [], 0.0)
    assert [f.code for f in auditor.problems] == ["pdf-gap"] and "by 0.600 pt" in auditor.problems[0].message


def test_a_word_space_is_not_spacing_inside_a_word() -> None:
    from pipeline.checks.shaping import FontMetrics

    faces = real_faces()
    auditor = A.Auditor(display_list([]), FontMetrics(faces))
    line = drawn("goodwork", faces, composed="good work")
    shifted = tuple(replace(g, x=g.x + (4.0 if i >= 4 else 0.0)) for i, g in enumerate(line.glyphs))
    auditor.spacing(replace(line, glyphs=shifted), [], 0.0)
    assert line.spaced == frozenset({3}) and auditor.problems == []


def test_a_break_at_a_word_space_is_not_a_split() -> None:
    faces = real_faces()
    prev = drawn("用户点击“New", faces, start=0)
    nxt = drawn("issue”后会", faces, start=len("用户点击“New") + 1)
    auditor = A.Auditor(display_list([]))
    auditor.breaks(prev, nxt, True)
    assert auditor.problems == []
    joined = drawn("issue”后会", faces, start=len("用户点击“New"))
    auditor.breaks(prev, joined, True)
    assert [f.code for f in auditor.problems] == ["pdf-split"]


def test_a_two_em_dash_drawn_as_one_glyph_ends_the_line_flush() -> None:
    glyphs = [glyph(ch, 50.0 + 9.75 * i) for i, ch in enumerate("编辑们习惯不一的空格")]
    glyphs += [replace(glyph("—", 147.5), advance=9.75)] * 2  # as PDFium reads the one 2-em glyph
    line = tline("编辑们习惯不一的空格——", "b001", 0)
    drawn_line = A.DrawnLine("02", column([line]), 100.0, 1, tuple(glyphs), line)
    auditor = A.Auditor(display_list([]))
    auditor.right(drawn_line)
    assert auditor.problems == []
