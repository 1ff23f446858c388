"""The proof (校样): pages.pdf with an overlay for editors and proofreaders, plus a legend.

ReportLab draws one overlay page per newspaper page — line numbers beside the body columns,
a stamp (round, edition, build time, source revision), numbered boxes around the findings of
`pinban check`, an OVERSET marker — and pypdf lays each overlay over its page. The page content
itself is not touched: its content stream stays as WeasyPrint wrote it, the overlay comes after
it, so the page text extracts exactly as from pages.pdf, followed by the overlay's own text.
Legend pages at the end list every finding by its number.

Everything is placed from the display list; nothing is laid out again. Overlay text is set in
LXGW WenKai: ReportLab embeds TrueType outlines only (not the CFF of Noto CJK).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .display import DisplayList, Frame, Page, TextLine
from .errors import PinbanError, UsageError
from .messages import PROOFREADERS, localised
from .model import Finding
from .project import build_time, write_atomic

ROUNDS = {1: "一校", 2: "二校", 3: "三校"}
FONT_FAMILY = "LXGW WenKai"
FONT_NAME = "PinbanProof"  # the name the overlay font is registered and embedded under

# Colours that say "not for print": process magenta and non-repro blue, never black.
RGB = tuple[float, float, float]
LINE_NUMBER_COLOUR: RGB = (0.0, 0.55, 0.85)
STAMP_COLOUR: RGB = (0.85, 0.0, 0.55)
SEVERITY_COLOURS: dict[str, RGB] = {"error": (0.9, 0.0, 0.1), "warning": (0.95, 0.45, 0.0), "info": (0.2, 0.45, 0.8)}
SEVERITY_LABELS = {"error": "错误 error", "warning": "警告 warning", "info": "提示 info"}

LINE_NUMBER_SIZES = (5.0, 4.0, 3.2)  # shrink before giving up when a gutter is tight
LINE_NUMBER_GAP = 1.2  # pt between a line number and its column
CLEARANCE = 0.3  # pt kept free around a line number
ASCENT, DESCENT = 0.88, 0.12  # em box of the CJK faces, for boxes around characters
BOX_PAD = 1.0  # pt a finding box stands off what it marks
TAG_SIZE = 5.5  # number tags on the finding boxes
STAMP_SIZE = 9.0

Box = tuple[float, float, float, float]  # x, y, w, h in pt from the page's top-left


class HasAdvance(Protocol):
    def advance(self, text: str, size: float, features: tuple[str, ...] = ()) -> float: ...


@dataclass(frozen=True)
class Spot:
    """One place a finding is drawn: a page and a box on it."""

    page: str
    box: Box


@dataclass(frozen=True)
class Mark:
    """A finding with its number (its place in `pinban check`'s list) and where it stands."""

    number: int
    finding: Finding
    spots: tuple[Spot, ...]
    ref: str = ""  # 02版·第3栏·第12行 when the display list places it


@dataclass(frozen=True)
class Stamp:
    round_: int
    edition: str
    section: str
    when: dt.datetime
    revision: str  # "a1b2c3d", "a1b2c3d+changes", or "" outside a git checkout

    def text(self, page: str = "") -> str:
        parts = [f"校样 {ROUNDS[self.round_]}", f"{self.edition} {self.section}".strip()]
        if page:
            parts.append(f"{page}版")
        parts.append(f"排版 {self.when.strftime('%Y-%m-%d %H:%M')} UTC")
        if self.revision:
            parts.append(f"源 {self.revision}")
        return "  ·  ".join(parts)


# --- entry point ------------------------------------------------------------------------------


def write_proof(job: Any, display: DisplayList, pdfs: Sequence[Path], round_: int,
                findings: Sequence[Finding]) -> Path:
    """proof.pdf into job.out from pages.pdf, the display list and the findings of the checks."""
    if round_ not in ROUNDS:
        raise UsageError(f"proof round {round_} is not 1, 2 or 3", "--round", "give --round 1, 2 or 3")
    pages_pdf = pdf_named(pdfs, "pages.pdf")
    stamp = Stamp(round_, job.edition.name, job.edition.section, build_time(job.edition.date),
                  source_revision(job.edition.root))
    data = make_proof(pages_pdf.read_bytes(), display, findings, stamp, job.faces)
    path = Path(job.out) / "proof.pdf"
    write_atomic(path, data)
    return path


def pdf_named(pdfs: Sequence[Path], name: str) -> Path:
    for p in pdfs:
        if Path(p).name == name:
            return Path(p)
    raise PinbanError(f"no {name} among the rendered outputs", "proof", "this is a pinban bug: please report it")


def make_proof(pages_pdf: bytes, display: DisplayList, findings: Sequence[Finding], stamp: Stamp,
               faces: Mapping[str, HasAdvance] | None = None) -> bytes:
    """The proof's bytes: each page of pages.pdf, trimmed, under its overlay; then the legend."""
    font = overlay_font()
    marks = place_findings(findings, display, faces or {})
    overlay = draw_overlay(display, marks, stamp, font)
    return merge(pages_pdf, overlay, display, stamp)


# --- source revision --------------------------------------------------------------------------


def source_revision(folder: Path) -> str:
    """`git rev-parse --short HEAD` of the edition's checkout, "+changes" when its sources differ
    from that commit; "" when the folder is not in a git checkout (or git is missing)."""
    head = git(folder, "rev-parse", "--short", "HEAD")
    if not head:
        return ""
    status = git(folder, "status", "--porcelain", "--", ".")
    return f"{head}+changes" if status else head


def git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


# --- the overlay font -------------------------------------------------------------------------


def overlay_font() -> str:
    """Register LXGW WenKai with ReportLab (once) and return its name there."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    path = font_file(FONT_FAMILY)
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    except TTFError as exc:
        raise PinbanError(f"ReportLab cannot embed {FONT_FAMILY} ({exc})", path,
                          "the proof needs a TrueType (glyf) build of the font: install fonts-lxgw-wenkai") from exc
    return FONT_NAME


def font_file(family: str) -> str:
    """The font file fontconfig picks for `family`, refusing a fallback to another family."""
    try:
        done = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", f"{family}:style=Regular"],
                              capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PinbanError(f"fontconfig cannot be asked for {family}: {exc}", "proof",
                          "install fontconfig and fonts-lxgw-wenkai") from exc
    families, _, path = done.stdout.partition("\n")
    if family.lower() not in families.lower() or not path:
        raise PinbanError(f"the font {family} is not installed", "proof", "install fonts-lxgw-wenkai")
    return path.strip()


# --- finding spots ----------------------------------------------------------------------------


def place_findings(findings: Sequence[Finding], display: DisplayList, faces: Mapping[str, HasAdvance]) -> list[Mark]:
    """Number every finding in check's order; locate those that have a place on the pages."""
    marks = []
    for number, f in enumerate(findings, 1):
        spots, ref = locate(f, display, faces)
        marks.append(Mark(number, f, tuple(spots), ref))
    return marks


def locate(f: Finding, display: DisplayList, faces: Mapping[str, HasAdvance]) -> tuple[list[Spot], str]:
    """Where a finding stands: its own page+box, else the overset marker, its characters in the
    display list, its photo, or nowhere (legend only)."""
    if f.page and f.box:
        if f.page not in {p.name for p in display.pages}:
            return [], ""
        x, y, w, h = f.box
        return [Spot(f.page, (x - BOX_PAD, y - BOX_PAD, w + 2 * BOX_PAD, h + 2 * BOX_PAD))], ""
    if f.code == "overset" and display.overset is not None:
        spot = overset_spot(display)
        return ([spot], "") if spot else ([], "")
    photo = photo_of(f)
    if photo:
        return photo_spots(display, photo)
    if f.block_id:
        return text_spots(display, f.block_id, f.start, f.end, faces)
    return [], ""


PHOTO_MESSAGE = re.compile(r"photo ([A-Za-z0-9_-]+)\b")


def photo_of(f: Finding) -> str:
    """The photo a finding is about: its anchor photo.<id>, or (photo findings of the source
    check carry no anchor yet) the id their message starts with. Info notes on every photo
    (colour profile) are left to the legend: boxing every photo says nothing."""
    if f.block_id.startswith("photo.") and f.start < 0 and f.block_id.count(".") == 1:
        return f.block_id.split(".", 1)[1]
    if not f.block_id and f.code.startswith("photo-") and f.severity != "info":
        m = PHOTO_MESSAGE.match(f.message)
        return m.group(1) if m else ""
    return ""


def photo_spots(display: DisplayList, photo_id: str) -> tuple[list[Spot], str]:
    for page in display.pages:
        for pic in page.pictures:
            if pic.photo_id == photo_id:
                box = (pic.x - BOX_PAD, pic.y - BOX_PAD, pic.width + 2 * BOX_PAD, pic.height + 2 * BOX_PAD)
                return [Spot(page.name, box)], f"{page.name}版·图{photo_id}"
    return [], ""


def text_spots(display: DisplayList, block_id: str, start: int, end: int,
               faces: Mapping[str, HasAdvance]) -> tuple[list[Spot], str]:
    """Boxes around characters [start, end) of a block: one per line they fall on; a whole block
    (no offsets) gets one box per frame it stands in."""
    whole = start < 0
    end = max(end, start + 1)  # an insertion point still marks the character there
    boxes: dict[tuple[str, str, int], Box] = {}
    ref = ""
    for page, frame, line in lines_of(display, block_id):
        if whole:
            key, box = (page.name, frame.id, 0), line_box(line, 0, len(line.text), faces)
            boxes[key] = union(boxes[key], box) if key in boxes else box
        elif line.start < end and start < line.end:
            a, b = max(start, line.start) - line.start, min(end, line.end) - line.start
            boxes[(page.name, frame.id, line.start)] = line_box(line, a, b, faces)
        else:
            continue
        ref = ref or line_ref(page, frame, line)
    return [Spot(page, box) for (page, _, _), box in boxes.items()], ref


def lines_of(display: DisplayList, block_id: str) -> Iterator[tuple[Page, Frame, TextLine]]:
    for page in display.pages:
        for frame in page.frames:
            for line in frame.lines:
                if line.block_id == block_id:  # the layout and the checker use the same ids
                    yield page, frame, line


def line_ref(page: Page, frame: Frame, line: TextLine) -> str:
    if frame.column and line.number:
        return f"{page.name}版·第{frame.column}栏·第{line.number}行"
    return f"{page.name}版"


def line_box(line: TextLine, a: int, b: int, faces: Mapping[str, HasAdvance]) -> Box:
    """The em boxes of characters [a, b) of a line, padded."""
    x0, x1 = char_x(line, a, faces), char_end(line, b - 1, faces)
    size = max((s.size for s in line.spans), default=10.0)
    top = line.baseline - ASCENT * size - BOX_PAD
    return (x0 - BOX_PAD, top, x1 - x0 + 2 * BOX_PAD, size + 2 * BOX_PAD)


def char_x(line: TextLine, k: int, faces: Mapping[str, HasAdvance]) -> float:
    """Pen x of the line's k-th character (the composer's positions, its faces' advances)."""
    for span in line.spans:
        if k < len(span.text):
            return line.x + span.x + prefix_width(span, k, faces)
        k -= len(span.text)
    return line.x + line.measure


def char_end(line: TextLine, k: int, faces: Mapping[str, HasAdvance]) -> float:
    """Right edge of the k-th character's advance (without the tracking after it)."""
    for span in line.spans:
        if k < len(span.text):
            return line.x + span.x + prefix_width(span, k + 1, faces) - span.tracking
        k -= len(span.text)
    return line.x + line.measure


def prefix_width(span: Any, k: int, faces: Mapping[str, HasAdvance]) -> float:
    if k <= 0 or not span.text:
        return 0.0
    face = faces.get(span.face)
    if face is None:  # no metrics: spread the span's width evenly
        return span.width * k / len(span.text)
    glyphs = face.advance(span.text, span.size, span.features)
    # scale to the width the composer set, so positions agree with the drawn line exactly
    scale = (span.width - len(span.text) * span.tracking) / glyphs if glyphs else 1.0
    return face.advance(span.text[:k], span.size, span.features) * scale + k * span.tracking


def union(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def overset_spot(display: DisplayList) -> Spot | None:
    """Where the text runs out: the last line of the last body column that holds any."""
    last = None
    for page in display.pages:
        for frame in page.frames:
            if frame.kind == "column" and frame.lines:
                last = (page, frame)
    if last is None:
        return None
    page, frame = last
    line = frame.lines[-1]
    size = max((s.size for s in line.spans), default=display.body_size)
    return Spot(page.name, (frame.x - BOX_PAD, line.baseline - ASCENT * size - BOX_PAD,
                            frame.width + 2 * BOX_PAD, size + 2 * BOX_PAD))


# --- line numbers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineNumber:
    text: str
    x: float  # left edge of the number
    baseline: float
    size: float


def line_numbers(page: Page, font: str) -> list[LineNumber]:
    """Every 5th grid line of every body column, numbered beside it in the free gutter."""
    obstacles = ink_boxes(page)
    out = []
    for frame in page.frames:
        if frame.kind != "column":
            continue
        for line in frame.lines:
            if line.number and line.number % 5 == 0:
                out.append(place_number(str(line.number), frame, line.baseline, obstacles, font))
    return out


def place_number(text: str, frame: Frame, baseline: float, obstacles: list[Box], font: str) -> LineNumber:
    """Left of the column, else right of it; smaller when a gutter is tight."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for size in LINE_NUMBER_SIZES:
        width = stringWidth(text, font, size)
        for x in (frame.x - LINE_NUMBER_GAP - width, frame.x + frame.width + LINE_NUMBER_GAP):
            box = (x - CLEARANCE, baseline - ASCENT * size - CLEARANCE, width + 2 * CLEARANCE, size + 2 * CLEARANCE)
            if not any(overlaps(box, o) for o in obstacles):
                return LineNumber(text, x, baseline, size)
    size = LINE_NUMBER_SIZES[-1]
    return LineNumber(text, frame.x - LINE_NUMBER_GAP - stringWidth(text, font, size), baseline, size)


def ink_boxes(page: Page) -> list[Box]:
    """What a line number must not cover: every drawn line's em boxes, photos, rules."""
    boxes: list[Box] = []
    for frame in page.frames:
        for line in frame.lines:
            for span in line.spans:
                if span.text.strip():
                    right = span.x + span.width - span.tracking
                    boxes.append((line.x + span.x, line.baseline - ASCENT * span.size, right - span.x, span.size))
    boxes += [(p.x, p.y, p.width, p.height) for p in page.pictures]
    boxes += [(min(r.x1, r.x2), min(r.y1, r.y2) - r.weight / 2, abs(r.x2 - r.x1), abs(r.y2 - r.y1) + r.weight)
              for r in page.rules]
    return boxes


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


# --- drawing ----------------------------------------------------------------------------------


def draw_overlay(display: DisplayList, marks: Sequence[Mark], stamp: Stamp, font: str) -> bytes:
    """One overlay page per newspaper page, then the legend pages (ReportLab, invariant output)."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    first = display.pages[0]
    canvas = Canvas(buffer, pagesize=(first.width, first.height), invariant=1, pageCompression=1)
    for page in display.pages:
        canvas.setPageSize((page.width, page.height))
        draw_page(canvas, page, display, marks, stamp, font)
        canvas.showPage()
    draw_legend(canvas, display, marks, stamp, font)
    canvas.save()
    return buffer.getvalue()


def draw_page(canvas: Any, page: Page, display: DisplayList, marks: Sequence[Mark], stamp: Stamp, font: str) -> None:
    h = page.height
    canvas.setFillColorRGB(*LINE_NUMBER_COLOUR)
    for n in line_numbers(page, font):
        canvas.setFont(font, n.size)
        canvas.drawString(n.x, h - n.baseline, n.text)
    tags: list[Box] = []
    for mark in marks:
        for i, spot in enumerate(s for s in mark.spots if s.page == page.name):
            draw_box(canvas, page, mark, spot.box, tags, font, tagged=(i == 0))
    if display.overset is not None and overset_page(display) == page.name:
        draw_overset(canvas, page, display, font)
    draw_stamp(canvas, page, stamp.text(page.name), font)


def draw_box(canvas: Any, page: Page, mark: Mark, box: Box, tags: list[Box], font: str, tagged: bool) -> None:
    """The box around what the finding marks, and its number on a tag at the top-left corner."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    colour = SEVERITY_COLOURS.get(mark.finding.severity, SEVERITY_COLOURS["error"])
    x, y, w, h = box
    canvas.setStrokeColorRGB(*colour)
    canvas.setLineWidth(0.4 if mark.finding.severity == "info" else 0.8)
    canvas.rect(x, page.height - y - h, w, h, stroke=1, fill=0)
    if not tagged:
        return
    label = str(mark.number)
    tw, th = stringWidth(label, font, TAG_SIZE) + 2.4, TAG_SIZE + 1.6
    # on the box's top-left corner, in the space between two lines rather than on characters
    tag = free_tag((x - 1.0, y - th + 1.5, tw, th), tags)
    tags.append(tag)
    canvas.saveState()
    canvas.setFillColorRGB(*colour)
    canvas.setFillAlpha(0.85)
    canvas.rect(tag[0], page.height - tag[1] - th, tw, th, stroke=0, fill=1)
    canvas.restoreState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(font, TAG_SIZE)
    canvas.drawString(tag[0] + 1.2, page.height - tag[1] - th + 0.3 * TAG_SIZE, label)


def free_tag(tag: Box, placed: list[Box]) -> Box:
    """Shift a tag right until it covers no other tag."""
    x, y, w, h = tag
    while any(overlaps((x, y, w, h), p) for p in placed):
        x += w + 0.5
    return (x, y, w, h)


def overset_page(display: DisplayList) -> str:
    spot = overset_spot(display)
    return spot.page if spot else ""


def draw_overset(canvas: Any, page: Page, display: DisplayList, font: str) -> None:
    """OVERSET in a red tag below the line where the text runs out: what did not fit, and how much."""
    spot, o = overset_spot(display), display.overset
    assert spot is not None and o is not None
    x, y, w, h = spot.box
    text = f"OVERSET 溢排 {o.lines} 行 / {o.chars} 字"
    size = 7.0
    from reportlab.pdfbase.pdfmetrics import stringWidth

    tw = stringWidth(text, font, size) + 4
    canvas.setFillColorRGB(*SEVERITY_COLOURS["error"])
    canvas.rect(x + w - tw, page.height - (y + h) - size - 2, tw, size + 2, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(font, size)
    canvas.drawString(x + w - tw + 2, page.height - (y + h) - size + 0.2, text)


def draw_stamp(canvas: Any, page: Page, text: str, font: str) -> None:
    """The stamp in the free top margin (else the bottom margin), from the type area's left edge."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    left, top, bottom = type_area(page)
    height = STAMP_SIZE + 6
    y = top - height - 4 if top - height - 4 >= 4 else bottom + 4  # top-down y of the stamp's top
    width = stringWidth(text, font, STAMP_SIZE) + 8
    canvas.setStrokeColorRGB(*STAMP_COLOUR)
    canvas.setLineWidth(0.8)
    canvas.rect(left, page.height - y - height, width, height, stroke=1, fill=0)
    canvas.setFillColorRGB(*STAMP_COLOUR)
    canvas.setFont(font, STAMP_SIZE)
    canvas.drawString(left + 4, page.height - y - height + 4, text)


def type_area(page: Page) -> tuple[float, float, float]:
    """Left edge, top and bottom of everything drawn on the page (top-down pt)."""
    boxes = ink_boxes(page) + [(f.x, f.y, f.width, f.height) for f in page.frames]
    if not boxes:
        return 36.0, 36.0, page.height - 36.0
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[1] + b[3] for b in boxes))


# --- the legend -------------------------------------------------------------------------------

LEGEND_SIZE = 10.0
LEGEND_LEADING = 14.0
LEGEND_MARGIN = 60.0


def draw_legend(canvas: Any, display: DisplayList, marks: Sequence[Mark], stamp: Stamp, font: str) -> None:
    """Every finding by number: severity, where (source and page place), message, hint."""
    page = display.pages[-1]
    width, height = page.width, page.height
    columns = legend_columns(width)
    y = legend_head(canvas, display, marks, stamp, font, width, height)
    for mark in marks:
        rows = legend_rows(mark, columns, font)
        need = len(rows) * LEGEND_LEADING + 4
        if y + need > height - LEGEND_MARGIN:
            canvas.showPage()
            canvas.setPageSize((width, height))
            y = legend_head(canvas, display, marks, stamp, font, width, height, continued=True)
        for i, row in enumerate(rows):
            for (x, _), (text, colour) in zip(columns, row):
                if text:
                    canvas.setFillColorRGB(*colour)
                    canvas.setFont(font, LEGEND_SIZE)
                    canvas.drawString(x, height - y - (i + 1) * LEGEND_LEADING + 3, text)
        y += need
    canvas.showPage()


def legend_columns(width: float) -> list[tuple[float, float]]:
    """(x, width) of: number, severity, where, message and hint."""
    left, usable = LEGEND_MARGIN, width - 2 * LEGEND_MARGIN
    spec = [36.0, 90.0, 260.0, usable - 36.0 - 90.0 - 260.0]
    out, x = [], left
    for w in spec:
        out.append((x, w - 10))
        x += w
    return out


def legend_head(canvas: Any, display: DisplayList, marks: Sequence[Mark], stamp: Stamp, font: str,
                width: float, height: float, continued: bool = False) -> float:
    """Title, stamp, counts and the key; returns the top-down y where the rows start."""
    y = LEGEND_MARGIN
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 20)
    canvas.drawString(LEGEND_MARGIN, height - y - 20, "校样问题清单" + ("（续）" if continued else ""))
    y += 30
    canvas.setFillColorRGB(*STAMP_COLOUR)
    canvas.setFont(font, STAMP_SIZE + 2)
    canvas.drawString(LEGEND_MARGIN, height - y - 10, stamp.text())
    y += 20
    canvas.setFillColorRGB(0.3, 0.3, 0.3)
    canvas.setFont(font, LEGEND_SIZE)
    for text in legend_key(display, marks):
        canvas.drawString(LEGEND_MARGIN, height - y - LEGEND_SIZE, text)
        y += LEGEND_LEADING
    y += 8
    canvas.setStrokeColorRGB(0.5, 0.5, 0.5)
    canvas.setLineWidth(0.5)
    canvas.line(LEGEND_MARGIN, height - y, width - LEGEND_MARGIN, height - y)
    return y + 4


def legend_key(display: DisplayList, marks: Sequence[Mark]) -> list[str]:
    counts = {s: sum(1 for m in marks if m.finding.severity == s) for s in SEVERITY_LABELS}
    drawn = sum(1 for m in marks if m.spots)
    lines = [
        f"{len(marks)} 项：{counts['error']} 错误，{counts['warning']} 警告，{counts['info']} 提示；"
        + f"{drawn} 项在版面上以编号框标出，其余只列于此。编号即 `pinban check` 列出的顺序。",
        "蓝色小号数字是每栏每 5 行的行号，与 DOCX 及 pinban check 的〔版·栏·行〕一致。",
        "框色：红 = 错误，橙 = 警告，蓝 = 提示。彩色标记只用于校对，不印刷。",
    ]
    if display.overset is not None:
        o = display.overset
        lines.append(f"OVERSET：{o.lines} 行（{o.chars} 字）排不下，见最后一栏栏尾的红色标记。")
    if not marks:
        lines.append("没有发现问题。")
    return lines


def legend_rows(mark: Mark, columns: list[tuple[float, float]], font: str) -> list[list[tuple[str, RGB]]]:
    """The finding's cells, each wrapped to its column; rows of (text, colour) per column. The
    legend is for proofreaders: the finding is said in Chinese."""
    f = localised(mark.finding, PROOFREADERS)
    colour = SEVERITY_COLOURS.get(f.severity, (0.0, 0.0, 0.0))
    grey: RGB = (0.35, 0.35, 0.35)
    where = f.where
    if mark.ref and mark.ref not in where:
        where = f"{where}〔{mark.ref}〕" if where else f"〔{mark.ref}〕"
    if not mark.spots:
        where += "（仅列于此）"
    cells: list[list[tuple[str, RGB]]] = [
        [(f"{mark.number}.", colour)],
        [(SEVERITY_LABELS.get(f.severity, f.severity), colour)],
        [(t, (0.0, 0.0, 0.0)) for t in wrap(where, columns[2][1], font)],
        [(t, (0.0, 0.0, 0.0)) for t in wrap(f.message, columns[3][1], font)]
        + [(t, grey) for t in wrap(f"→ {f.hint}", columns[3][1], font) if f.hint],
    ]
    depth = max(len(c) for c in cells)
    blank: tuple[str, RGB] = ("", grey)
    return [[c[i] if i < len(c) else blank for c in cells] for i in range(depth)]


def wrap(text: str, width: float, font: str, size: float = LEGEND_SIZE) -> list[str]:
    """Lines no wider than `width`: break anywhere in CJK, at spaces in Latin where possible."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    text = " ".join(text.split())
    lines: list[str] = []
    while text:
        cut = fit(text, width, font, size, stringWidth)
        space = text.rfind(" ", 0, cut + 1)
        if cut < len(text) and space > cut // 2 and text[cut:cut + 1] != " " and is_latin(text[cut - 1: cut + 1]):
            cut = space
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return lines or [""]


def fit(text: str, width: float, font: str, size: float, measure: Any) -> int:
    """How many leading characters of `text` fit in `width` (at least one)."""
    total = 0.0
    for i, ch in enumerate(text):
        total += measure(ch, font, size)
        if total > width:
            return max(i, 1)
    return len(text)


def is_latin(pair: str) -> bool:
    return all(ch.isascii() and ch.isalnum() for ch in pair)


# --- merging ----------------------------------------------------------------------------------


def merge(pages_pdf: bytes, overlay_pdf: bytes, display: DisplayList, stamp: Stamp) -> bytes:
    """Each page of pages.pdf, trimmed (no bleed, no crop marks), with its overlay merged over
    it; the legend pages after them. Same inputs, same bytes."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    writer = PdfWriter(clone_from=io.BytesIO(pages_pdf))
    overlay = PdfReader(io.BytesIO(overlay_pdf))
    count = len(display.pages)
    if len(writer.pages) != count:
        raise PinbanError(f"pages.pdf has {len(writer.pages)} pages, the layout {count}", "proof",
                          "this is a pinban bug: please report it")
    for page, over in zip(writer.pages, overlay.pages[:count]):
        trim = page.trimbox
        for name in ("mediabox", "cropbox", "bleedbox", "artbox"):
            setattr(page, name, trim)
        page.merge_page(over)
    for legend in overlay.pages[count:]:
        writer.add_page(legend)
    writer.add_metadata({"/Title": f"校样 {ROUNDS[stamp.round_]} {stamp.edition}"})
    digest = hashlib.md5(pages_pdf + overlay_pdf).digest()  # same input, same bytes
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


__all__ = ["Mark", "Spot", "Stamp", "locate", "make_proof", "source_revision", "write_proof"]
