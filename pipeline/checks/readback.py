"""Read a built PDF back: every drawn character with its pen position, via pypdfium2.

Audits and tests read the PDF, not the display list, so they also catch a renderer that
draws something other than what was composed. pypdfium2 measures positions correctly where
pdfplumber does not (text split with TJ spacing); characters PDFium only infers (spaces it
guesses between distant glyphs, line ends) are dropped.
"""

from __future__ import annotations

import bisect
import ctypes
import math
from dataclasses import dataclass
from pathlib import Path

from ..display import DisplayList, Frame


@dataclass(frozen=True, slots=True)
class Char:
    text: str
    x: float  # pen position (origin) in pt from the page's left edge
    baseline: float  # pt from the page's top edge
    size: float  # font size as drawn, pt
    advance: float  # the embedded font's advance of the glyph at `size` (no letter-spacing), pt
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # tight ink box: left, top, right, bottom
    font: str = ""  # font name as embedded (subset prefix removed)

    @property
    def em_box(self) -> tuple[float, float, float, float]:
        """left, top, right, bottom of the glyph's em box (for finding boxes)."""
        return (self.x, self.baseline - 0.88 * self.size, self.x + max(self.advance, 0.5 * self.size),
                self.baseline + 0.12 * self.size)


def read_chars(pdf: Path | bytes) -> list[list[Char]]:
    """Per PDF page, the drawn characters in content-stream order (PDFium's inferred ones
    dropped), in pt from the trim box's top-left corner (pages with bleed have a TrimBox inside
    the MediaBox). Advances come from the embedded fonts' widths."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    pages: list[list[Char]] = []
    try:
        for page in doc:
            left, _bottom, _right, top = page.get_trimbox()
            textpage = page.get_textpage()
            pages.append(page_chars(textpage, left, top, raw))
            textpage.close()
            page.close()
    finally:
        doc.close()
    return pages


def page_chars(textpage, left: float, top: float, raw) -> list[Char]:
    tp = textpage.raw
    ox, oy, width = ctypes.c_double(), ctypes.c_double(), ctypes.c_float()
    thousand = ctypes.c_float(1000.0)
    matrix = raw.FS_MATRIX()
    name = ctypes.create_string_buffer(256)
    chars: list[Char] = []
    count = textpage.count_chars()
    low_half = -1  # index of a low surrogate already joined to the character before it
    for i in range(count):
        if i == low_half or raw.FPDFText_IsGenerated(tp, i) == 1:
            continue
        code = raw.FPDFText_GetUnicode(tp, i)
        if 0xD800 <= code <= 0xDBFF and i + 1 < count:
            # PDFium reports a character beyond the BMP (𠮷) as two UTF-16 halves
            low = raw.FPDFText_GetUnicode(tp, i + 1)
            if 0xDC00 <= low <= 0xDFFF:
                code, low_half = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), i + 1
        if code == 2:
            code = 0x2D   # PDFium reports a hyphen at a line end as U+0002 (it takes it for a soft one)
        text = chr(code) if code else ""
        if not text or text in "\r\n":
            continue
        raw.FPDFText_GetCharOrigin(tp, i, ox, oy)
        raw.FPDFText_GetMatrix(tp, i, matrix)
        # the size as drawn: the font size scaled by the text's matrix (WeasyPrint draws in px)
        size = raw.FPDFText_GetFontSize(tp, i) * math.hypot(matrix.c, matrix.d)
        font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(tp, i))
        # the glyph's width from the font's /W array (the unicode is mapped back to its code)
        ok = font and raw.FPDFFont_GetGlyphWidth(font, code, thousand, width)
        advance = width.value / 1000 * size if ok else size
        l, b, r, t = textpage.get_charbox(i)
        n = raw.FPDFText_GetFontInfo(tp, i, name, len(name), None)
        chars.append(Char(text, ox.value - left, top - oy.value, size, advance,
                          (l - left, top - t, r - left, top - b),
                          name.raw[: max(n - 1, 0)].decode("utf-8", "replace").split("+")[-1]))
    return chars


def per_display_page(pdf_pages: list[list[Char]], display: DisplayList) -> list[list[Char]]:
    """One character list per display page: pages.pdf maps one to one; the spread sheet holds
    all pages side by side and is cut at the pages' offsets."""
    if len(pdf_pages) == len(display.pages):
        return pdf_pages
    if len(pdf_pages) != 1:
        raise ValueError(f"the PDF has {len(pdf_pages)} pages, the display list {len(display.pages)}")
    out: list[list[Char]] = [[] for _ in display.pages]
    spans = [(p.offset, p.offset + p.width) for p in display.pages]
    beyond = len(spans) - 1
    for c in pdf_pages[0]:
        x = c.x
        k = next((k for k, (a, b) in enumerate(spans) if a <= x < b), beyond if x >= spans[-1][0] else 0)
        shift = spans[k][0]
        l, t, r, b = c.box
        out[k].append(Char(c.text, x - shift, c.baseline, c.size, c.advance, (l - shift, t, r - shift, b), c.font))
    return out


def text_by_frame(pages: list[list[Char]], display: DisplayList, slack: float = 1.0) -> tuple[dict[str, str], list[Char]]:
    """Assign each character to the frame whose area holds its pen position (baseline row):
    frame id → text in drawing order; characters that fall in no frame are returned apart."""
    found: dict[str, list[str]] = {}
    stray: list[Char] = []
    for page, chars in zip(display.pages, pages):
        lines = LinesByBaseline(page.frames)
        for ch in chars:
            frame = lines.frame_at(ch, slack)
            if frame is None:
                stray.append(ch)
            else:
                found.setdefault(frame.id, []).append(ch.text)
    return {k: "".join(v) for k, v in found.items()}, stray


class LinesByBaseline:
    """A page's lines sorted by baseline, to find the frame that holds a character without
    looking at every line of the page for each of its thousands of characters."""

    def __init__(self, frames: tuple[Frame, ...]) -> None:
        entries = sorted(((line.baseline, k, line) for k, frame in enumerate(frames) for line in frame.lines),
                         key=lambda e: (e[0], e[1]))
        self.frames = frames
        self.baselines = [e[0] for e in entries]
        self.entries = entries

    def frame_at(self, ch: Char, slack: float) -> Frame | None:
        """The first frame (in the page's order) with a line through the character's pen."""
        i = bisect.bisect_left(self.baselines, ch.baseline - slack)
        best = None
        while i < len(self.entries) and self.baselines[i] <= ch.baseline + slack:
            _, k, line = self.entries[i]
            # an opening mark set half width at a line start has its pen half an em left of the line
            left = line.x - ch.size / 2 - slack
            if (best is None or k < best) and left <= ch.x <= line.x + line.measure + slack:
                best = k
            i += 1
        return None if best is None else self.frames[best]
