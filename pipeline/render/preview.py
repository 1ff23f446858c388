"""The PNG preview of the spread, drawn by PDFium, its photos decoded at the preview's size."""

from __future__ import annotations

import io
import math
import struct
import zlib

PREVIEW_DPI = 100
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def preview_png(pdf: bytes, dpi: int = PREVIEW_DPI) -> bytes:
    bitmap = preview_bitmap(pdf, dpi)
    return encode_png(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride)


def preview_bitmap(pdf: bytes, dpi: int = PREVIEW_DPI, page_index: int = 0):
    """The page drawn at `dpi` as an RGB pypdfium2 bitmap."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[page_index]
        shrink_photos(page, dpi / 72)
        return page.render(scale=dpi / 72, rev_byteorder=True)  # RGB, as PNG stores it
    finally:
        document.close()


def shrink_photos(page, scale: float) -> None:
    """Give PDFium each JPEG photo decoded at about the size it is drawn at, not at full size:
    libjpeg decodes at 1/2, 1/4 or 1/8 of the size for a fraction of the work (Pillow's draft
    mode), never below the drawn size. Only the page in memory changes, never the PDF."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    from PIL import Image

    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        if image.get_filters() != ["DCTDecode"]:
            continue
        left, bottom, right, top = image.get_bounds()
        wanted = (math.ceil((right - left) * scale), math.ceil((top - bottom) * scale))
        with Image.open(io.BytesIO(bytes(image.get_data(decode_simple=False)))) as photo:
            if photo.mode not in ("RGB", "L") or not shrinks(photo.size, wanted):
                continue  # CMYK and the like: PDFium's own decoding knows their colour conventions
            photo.draft(photo.mode, wanted)
            image.set_bitmap(pdfium.PdfBitmap.from_pil(photo.convert("RGB")), pages=[page])


def shrinks(size: tuple[int, int], wanted: tuple[int, int]) -> bool:
    """True when libjpeg can decode the photo at half its size or less and still cover `wanted`."""
    return size[0] >= 2 * wanted[0] and size[1] >= 2 * wanted[1]


def encode_png(pixels, width: int, height: int, stride: int) -> bytes:
    """8-bit RGB rows as a PNG, unfiltered, at zlib level 1: half the time of Pillow's adaptive
    filtering for the same size within a few per cent on a page of mostly white paper (the
    preview is not archived)."""
    rows = memoryview(pixels).cast("B")
    length = width * 3
    raw = b"".join(b"\0" + rows[y * stride:y * stride + length] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, no interlace
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
