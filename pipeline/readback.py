"""Read a built PDF back: every drawn character with its pen position, via pypdfium2.

Audits and tests read the PDF, not the display list, so they also catch a renderer that
draws something other than what was composed. pypdfium2 measures positions correctly where
pdfplumber does not (text split with TJ spacing); characters PDFium only infers (spaces it
guesses between distant glyphs, line ends) are dropped.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

from .display import DisplayList, Frame


@dataclass(frozen=True)
class Char:
    text: str
    x: float  # pen position (origin) in pt from the page's left edge
    baseline: float  # pt from the page's top edge
    size: float  # font size in pt
    box: tuple[float, float, float, float]  # tight glyph box: left, top, right, bottom (top-down)
    font: str  # font name as embedded (subset prefix removed)


def read_chars(pdf: Path | bytes) -> list[list[Char]]:
    """Per page, the characters in content-stream order."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    pages: list[list[Char]] = []
    try:
        for page in doc:
            height = page.get_height()
            # trimmed-page coordinates: pages with bleed have a TrimBox inside the MediaBox
            left, bottom, _right, top = page.get_trimbox()
            textpage = page.get_textpage()
            chars: list[Char] = []
            buffer = ctypes.create_string_buffer(256)
            for i in range(textpage.count_chars()):
                if raw.FPDFText_IsGenerated(textpage.raw, i) == 1:
                    continue
                text = textpage.get_text_range(i, 1)
                if not text or text in "\r\n":
                    continue
                ox, oy = ctypes.c_double(), ctypes.c_double()
                raw.FPDFText_GetCharOrigin(textpage.raw, i, ox, oy)
                l, b, r, t = textpage.get_charbox(i)
                # the size as drawn: the font size scaled by the text's matrix (WeasyPrint draws in px)
                matrix = raw.FS_MATRIX()
                raw.FPDFText_GetMatrix(textpage.raw, i, matrix)
                size = raw.FPDFText_GetFontSize(textpage.raw, i) * (matrix.c**2 + matrix.d**2) ** 0.5
                n = raw.FPDFText_GetFontInfo(textpage.raw, i, buffer, len(buffer), None)
                font = buffer.raw[: max(n - 1, 0)].decode("utf-8", "replace").split("+")[-1]
                chars.append(Char(text, ox.value - left, top - oy.value, size,
                                  (l - left, top - t, r - left, top - b), font))
            del height, bottom
            pages.append(chars)
    finally:
        doc.close()
    return pages


def text_by_frame(pages: list[list[Char]], display: DisplayList, slack: float = 1.0) -> tuple[dict[str, str], list[Char]]:
    """Assign each character to the frame whose area holds its pen position (baseline row):
    frame id → text in drawing order; characters that fall in no frame are returned apart."""
    found: dict[str, list[str]] = {}
    stray: list[Char] = []
    for page, chars in zip(display.pages, pages):
        for ch in chars:
            frame = frame_at(page.frames, ch, slack)
            if frame is None:
                stray.append(ch)
            else:
                found.setdefault(frame.id, []).append(ch.text)
    return {k: "".join(v) for k, v in found.items()}, stray


def frame_at(frames: tuple[Frame, ...], ch: Char, slack: float) -> Frame | None:
    for frame in frames:
        for line in frame.lines:
            # an opening mark set half width at a line start has its pen half an em left of the line
            left = line.x - ch.size / 2 - slack
            if abs(line.baseline - ch.baseline) <= slack and left <= ch.x <= line.x + line.measure + slack:
                return frame
    return None
