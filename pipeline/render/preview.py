"""The PNG preview of the spread, drawn by PDFium."""

from __future__ import annotations

import io

PREVIEW_DPI = 100


def preview_png(pdf: bytes, dpi: int = PREVIEW_DPI) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)  # fast; the preview is not archived
        return buffer.getvalue()
    finally:
        document.close()
