"""The mark on a refused build's pages: a red band across every page, so a rejected PDF that
reaches the plant by mistake can never pass for a good one."""

from __future__ import annotations

import io

STAMP_FONT = "STSong-Light"  # reportlab's built-in CID font: Chinese without embedding a face
STAMP_RED = (0.85, 0.05, 0.05)


def stamp_refused(pdf: bytes, reason: str) -> bytes:
    """The PDF with a band "退回 REJECTED — <reason> — 不得付印 NOT FOR PRINT" over the top of each page."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    text = f"退回 REJECTED · {reason} · 不得付印 NOT FOR PRINT"
    for page in writer.pages:
        box = page.mediabox
        band = PdfReader(io.BytesIO(band_pdf(float(box.width), float(box.height), text))).pages[0]
        page.merge_page(band)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def band_pdf(width: float, height: float, text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    if STAMP_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(STAMP_FONT))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1)
    size = min(28.0, width / max(1, len(text)) * 1.2)
    canvas.setFillColorRGB(*STAMP_RED)
    canvas.rect(0, height - 3.2 * size, width, 2.4 * size, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(STAMP_FONT, size)
    canvas.drawCentredString(width / 2, height - 2.3 * size, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
