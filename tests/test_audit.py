"""The typography audit reads the built PDF back: clean on the sample, and it catches a renderer
that draws something other than what was composed (faults put into the display list, drawn by
the real renderer, found at the lines they were put in)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pytest

from pipeline.checks.audit import (
    CLOSING,
    MARKS,
    STOPS,
    Glyph,
    audit_typography,
    drawn_lines,
    letter_room,
    pair_width,
    right_edge,
    split_unit,
)
from pipeline.checks.readback import per_display_page, read_chars
from pipeline.display import DisplayList, Frame, TextLine

COUNTS = ("line_start", "line_end", "ragged", "ragged_left", "pairs", "indents", "lone_chars", "splits", "gaps",
          "off_grid")


@pytest.fixture(scope="module")
def sample_audit(sample_build):
    display, _, out = sample_build
    return audit_typography(out / "spread.pdf", display)


# --- the sample edition ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", COUNTS)
def test_sample_is_clean(sample_audit, count) -> None:
    assert getattr(sample_audit, count) == 0, [f for f in sample_audit.findings() if f.code.startswith("pdf-")][:5]


def test_sample_reads_every_column_line(sample_build, sample_audit) -> None:
    display, _, _ = sample_build
    composed = sum(len(f.lines) for f in display.frames("column"))
    assert sample_audit.lines == composed >= 450
    assert sample_audit.body_lines >= 430
    assert sample_audit.max_ragged <= 0.1
    assert 0 < sample_audit.max_gap_em <= 0.25
    assert re.fullmatch(r"PDF typography: \d+ lines .*off-grid \d+", sample_audit.summary())


def test_spread_and_pages_read_alike(sample_build, sample_audit) -> None:
    display, _, out = sample_build
    pages = audit_typography(out / "pages.pdf", display)
    assert [getattr(pages, c) for c in COUNTS] == [getattr(sample_audit, c) for c in COUNTS]
    assert pages.lines == sample_audit.lines


def test_line_numbers_count_grid_lines_as_the_display_list_does(sample_build) -> None:
    display, _, out = sample_build
    lines = drawn_lines(display, per_display_page(read_chars(out / "pages.pdf"), display))
    matched = [d for d in lines if d.composed is not None]
    assert len(matched) == len(lines)
    assert all(d.number == d.composed.number for d in matched)
    # the drawn text is the composed text (spaces aside): the lines were grouped right
    assert all(d.text.replace(" ", "") == d.composed.text.replace(" ", "") for d in matched)


def test_unreadable_pdf_is_a_finding(sample_build, tmp_path) -> None:
    display, _, _ = sample_build
    bad = tmp_path / "spread.pdf"
    bad.write_bytes(b"%PDF-1.7 not really")
    found = audit_typography(bad, display).findings()
    assert [f.code for f in found] == ["pdf-unreadable"]


# --- the measures, by hand ------------------------------------------------------------------------

EM = 10.0


def g(text: str, x: float, advance: float = EM) -> Glyph:
    return Glyph(text, x, 100.0, EM, advance)


def test_pair_width_halved_either_mark() -> None:
    # ，“ with the comma halved, or with the quote halved (its pen half an em left): same drawing
    assert pair_width([g("，", 0), g("“", 5), g("中", 15)], 0, 0.0) == pytest.approx(15)
    # 。” uncompressed, then the next character: 2 em
    assert pair_width([g("。", 0), g("”", 10), g("中", 20)], 0, 0.0) == pytest.approx(20)
    # ”。 at a line end: the stop counts half width (rule 8)
    assert pair_width([g("”", 0), g("。", 5)], 0, 0.0) == pytest.approx(10)
    # the line's widening after the pair is not the pair's
    assert pair_width([g("”", 0), g("，", 5), g("中", 17)], 0, 2.0) == pytest.approx(15)


def test_right_edge_counts_a_closing_mark_half_width() -> None:
    assert right_edge(g("。", 100)) == pytest.approx(105)
    assert right_edge(g("中", 100)) == pytest.approx(110)
    assert right_edge(g("7", 100, 5.5)) == pytest.approx(105.5)


@pytest.mark.parametrize(("before", "first", "split"), [
    ("2024", "年", False), ("202", "4", True), ("CPPC", "C", True), ("100", "%", True), ("3.", "5", True),
    ("会", "5", False), ("3", "。", False)])
def test_split_units(before: str, first: str, split: bool) -> None:
    assert split_unit([g(c, 10 * i) for i, c in enumerate(before)], first) is split


def test_letter_room_judges_a_token_split_across_lines_whole() -> None:
    # "test" ends the line; the paragraph goes on "_loader_accepts_bom": an identifier, an
    # address's room, not a word's
    line = [g(c, 10 * i, 5.0) for i, c in enumerate("和 test")]
    word, address = 0.05 * EM, 0.1 * EM
    assert letter_room(line, 2) == pytest.approx(word)
    assert letter_room(line, 2, "", "_loader_accepts_bom 和") == pytest.approx(address)
    assert letter_room(line, 2, "", " more words") == pytest.approx(word)   # a word space: a new token
    # and one that began on the line before: example.org/ | pinban
    start = [g(c, 10 * i, 5.0) for i, c in enumerate("pinban 的")]
    assert letter_room(start, 0) == pytest.approx(word)
    assert letter_room(start, 0, "见 https://example.org/", "") == pytest.approx(address)
    assert letter_room(start, 0, "见 https://example.org/ ", "") == pytest.approx(word)


# --- a renderer that draws what was not composed -------------------------------------------------


Fault = Callable[[TextLine, TextLine | None], TextLine | None]


def body_line(line: TextLine, prev: TextLine | None) -> bool:
    return line.kind == "body" and len(line.text) >= 6


def continuation(line: TextLine, prev: TextLine | None) -> bool:
    return (body_line(line, prev) and not line.first and not line.last and prev is not None
            and prev.kind == "body" and not prev.last)


def plain(span) -> bool:
    return not span.features and "\u4e00" <= span.text[0] <= "\u9fff" and "\u4e00" <= span.text[-1] <= "\u9fff"


def respan(line: TextLine, index: int, **changes) -> TextLine:
    spans = list(line.spans)
    spans[index] = dataclasses.replace(spans[index], **changes)
    return dataclasses.replace(line, spans=tuple(spans))


def shift(line: TextLine, dx: float) -> TextLine:
    return dataclasses.replace(line, spans=tuple(dataclasses.replace(s, x=s.x + dx) for s in line.spans))


def starts_with_comma(line, prev):
    if continuation(line, prev) and plain(line.spans[0]):
        return respan(line, 0, text="，" + line.spans[0].text[1:])


def ends_with_paren(line, prev):
    if continuation(line, prev) and plain(line.spans[-1]):
        return respan(line, -1, text=line.spans[-1].text[:-1] + "（")


def last_span_short(line, prev):
    if continuation(line, prev) and len(line.spans) >= 2 and len(line.spans[-1].text) >= 2:
        return respan(line, -1, x=line.spans[-1].x - 1.0)


def pair_uncompressed(line, prev):
    text = line.text
    for k, s in enumerate(line.spans):
        at = len("".join(t.text for t in line.spans[:k])) + len(s.text) - 1
        if ("halt" in s.features and body_line(line, prev) and s.text[-1] in CLOSING | STOPS
                and at + 1 < len(text) and text[at + 1] in MARKS):
            # the composed width stays: the renderer places what follows by it, so the
            # full-width mark pushes the rest of the line half an em right
            return respan(line, k, features=tuple(f for f in s.features if f != "halt"))


def indent_dropped(line, prev):
    if body_line(line, prev) and line.first and not line.last and (prev is None or prev.last or prev.kind != "body"):
        return shift(line, -line.spans[0].x)


def lone_char(line, prev):
    if body_line(line, prev) and line.last and not line.first and prev is not None and not prev.last \
            and plain(line.spans[0]):
        first = line.spans[0]
        return dataclasses.replace(line, spans=(dataclasses.replace(first, text=first.text[0], width=first.size,
                                                                    tracking=0.0),))


def widened(line, prev):
    if continuation(line, prev) and plain(line.spans[-1]) and len(line.spans[-1].text) >= 4:
        return respan(line, -1, tracking=0.4 * line.spans[-1].size)


def off_grid(line, prev):
    if continuation(line, prev):
        return dataclasses.replace(line, baseline=line.baseline + 2.0)


def not_flush_left(line, prev):
    if continuation(line, prev) and line.text[0] not in MARKS:
        return shift(line, 1.0)


FAULTS: dict[str, tuple[Fault, str]] = {
    "line_start": (starts_with_comma, "pdf-line-start"),
    "line_end": (ends_with_paren, "pdf-line-end"),
    "ragged": (last_span_short, "pdf-ragged"),
    "pairs": (pair_uncompressed, "pdf-pair"),
    "indents": (indent_dropped, "pdf-indent"),
    "lone_chars": (lone_char, "pdf-lone-char"),
    "gaps": (widened, "pdf-gap"),
    "off_grid": (off_grid, "pdf-off-grid"),
    "ragged_left": (not_flush_left, "pdf-ragged-left"),
}


def with_lines(display: DisplayList, changed: dict[tuple[str, int], TextLine]) -> DisplayList:
    def frame(f: Frame) -> Frame:
        if not any(fid == f.id for fid, _ in changed):
            return f
        return dataclasses.replace(f, lines=tuple(changed.get((f.id, i), t) for i, t in enumerate(f.lines)))

    pages = tuple(dataclasses.replace(p, frames=tuple(frame(f) for f in p.frames)) for p in display.pages)
    return dataclasses.replace(display, pages=pages)


def split_number(display: DisplayList, used: set[str]) -> tuple[str, dict[tuple[str, int], TextLine]] | None:
    """7 | 5 across two lines of one paragraph (rule 5)."""
    for f in display.frames("column"):
        if f.id in used:
            continue
        for i in range(1, len(f.lines)):
            prev, line = f.lines[i - 1], f.lines[i]
            if continuation(line, prev) and continuation(prev, f.lines[i - 2] if i > 1 else None) \
                    and plain(prev.spans[-1]) and plain(line.spans[0]):
                return f.id, {(f.id, i - 1): respan(prev, -1, text=prev.spans[-1].text[:-1] + "7"),
                              (f.id, i): respan(line, 0, text="5" + line.spans[0].text[1:])}
    return None


def where(display: DisplayList, fid: str, index: int) -> str:
    f = next(f for f in display.frames("column") if f.id == fid)
    return f"{f.page}版·第{f.column}栏·第{f.lines[index].number}行"


@pytest.fixture(scope="module")
def faulty(sample_build, tmp_path_factory):
    """The sample's display list with one fault of each kind, each in a column of its own, drawn
    by the real renderer; (audit, {count: (code, where)})."""
    from pipeline.render import render_outputs

    display, job, _ = sample_build
    changed: dict[tuple[str, int], TextLine] = {}
    expected: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for count, (fault, code) in FAULTS.items():
        for f in display.frames("column"):
            if f.id in used:
                continue
            hit = next(((i, new) for i, t in enumerate(f.lines)
                        if 2 <= i < len(f.lines) - 2 and (new := fault(t, f.lines[i - 1])) is not None), None)
            if hit:
                changed[(f.id, hit[0])] = hit[1]
                expected[count] = (code, where(display, f.id, hit[0]))
                used.add(f.id)
                break
    split = split_number(display, used)
    assert split is not None
    fid, lines = split
    changed.update(lines)
    expected["splits"] = ("pdf-split", where(display, fid, max(i for _, i in lines)))
    assert set(expected) == set(COUNTS), "the sample offers a line for every fault"
    out = tmp_path_factory.mktemp("faulty")
    broken = with_lines(display, changed)
    render_outputs(broken, job.style, out, job.faces)
    return audit_typography(out / "spread.pdf", broken), expected


@pytest.mark.parametrize("count", COUNTS)
def test_audit_catches_a_renderer_fault(faulty, count) -> None:
    audit, expected = faulty
    code, at = expected[count]
    assert getattr(audit, count) >= 1
    hits = [f for f in audit.findings() if f.code == code and f.where == at]
    assert hits, (code, at, [(f.code, f.where) for f in audit.findings()])
    f = hits[0]
    assert f.severity == "error" and f.page == at[:2]
    x, y, w, h = f.box
    assert 0 <= x and x + w <= 1200 and 0 < y and w > 0 and h > 0

def test_read_back_joins_characters_beyond_the_bmp():
    """𠮷 (U+20BB7) is one character in the read-back, not two surrogate halves or nothing."""
    from weasyprint import HTML

    from pipeline.checks.readback import read_chars

    pdf = HTML(string='<p style="font-family: \'Noto Serif CJK SC\'; font-size: 20pt">吉𠮷家</p>').write_pdf()
    text = "".join(c.text for c in read_chars(pdf)[0])
    assert text == "吉𠮷家"
