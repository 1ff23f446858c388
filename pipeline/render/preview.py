"""The PNG preview of the spread, drawn by PDFium, its photos decoded at the preview's size."""

from __future__ import annotations

import io
import math
import struct
import zlib
from dataclasses import dataclass

PREVIEW_DPI = 100
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PREVIEW_PARTS = 2  # the PNG's rows are drawn and compressed in parts, which two processes can do at once


@dataclass(frozen=True)
class PreviewRows:
    """One part of the preview: its rows as PNG stores them (a filter byte, then RGB), deflated."""

    width: int  # pixels of the whole preview
    height: int
    deflated: bytes  # raw deflate, flushed to a byte boundary unless it is the last part
    checksum: int  # adler32 of the rows before deflating
    length: int  # their bytes before deflating


def preview_png(pdf: bytes, dpi: int = PREVIEW_DPI) -> bytes:
    """The PNG the parts make (preview_rows), from the page drawn once: one process opening the
    document and decoding its photos once, not once a part."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        scale = dpi / 72
        height = math.ceil(page.get_height() * scale)
        shrink_photos(page, scale)
        bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB, as PNG stores it
        if bitmap.height != height:  # not the parts' rows: drawn as they are
            return assemble_png([preview_rows(pdf, part, dpi) for part in range(PREVIEW_PARTS)])
        rows = memoryview(bitmap.buffer).cast("B")
        parts = []
        for part in range(PREVIEW_PARTS):
            first, end = part_rows(height, part)
            raw = png_rows(rows[first * bitmap.stride:end * bitmap.stride], bitmap.width, end - first, bitmap.stride)
            parts.append(deflated_rows(raw, bitmap.width, height, part))
    finally:
        document.close()
    return assemble_png(parts)


def preview_rows(pdf: bytes, part: int, dpi: int = PREVIEW_DPI) -> PreviewRows:
    """Part `part` of the page's preview: the same pixels as those rows of the whole page drawn
    at once (PDFium is given the whole page's size and the part's offset)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        scale = dpi / 72
        height = math.ceil(page.get_height() * scale)
        first, end = part_rows(height, part)
        shrink_photos(page, scale)
        # crop is in points, rounded up to pixels: half a pixel short of the row lands on it
        crop = (0, (height - end - 0.5) / scale if end < height else 0, 0, (first - 0.5) / scale if first else 0)
        bitmap = page.render(scale=scale, rev_byteorder=True, crop=crop)  # RGB, as PNG stores it
        assert bitmap.height == end - first
        raw = png_rows(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride)
    finally:
        document.close()
    return deflated_rows(raw, bitmap.width, height, part)


def deflated_rows(raw: bytes, width: int, height: int, part: int) -> PreviewRows:
    squeeze = zlib.compressobj(1, zlib.DEFLATED, -15)
    last = part == PREVIEW_PARTS - 1
    deflated = squeeze.compress(raw) + squeeze.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
    return PreviewRows(width, height, deflated, zlib.adler32(raw), len(raw))


def part_rows(height: int, part: int) -> tuple[int, int]:
    """[first, end) rows of a part: the parts split the height evenly."""
    return height * part // PREVIEW_PARTS, height * (part + 1) // PREVIEW_PARTS


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


def png_rows(pixels, width: int, height: int, stride: int) -> bytes:
    """8-bit RGB rows as PNG's image data before compression: unfiltered (filter byte 0), which at
    zlib level 1 takes half the time of Pillow's adaptive filtering for the same size within a few
    per cent on a page of mostly white paper (the preview is not archived)."""
    rows = memoryview(pixels).cast("B")
    length = width * 3
    return b"".join(b"\0" + rows[y * stride:y * stride + length] for y in range(height))


def assemble_png(parts: list[PreviewRows]) -> bytes:
    """The PNG of the parts in order: one zlib stream of their deflated rows (each part but the
    last ends on a byte boundary without closing the stream, so they follow one another)."""
    width, height = parts[0].width, parts[0].height
    checksum = parts[0].checksum
    for part in parts[1:]:
        checksum = adler32_combine(checksum, part.checksum, part.length)
    stream = ZLIB_FASTEST + b"".join(p.deflated for p in parts) + struct.pack(">I", checksum)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, no interlace
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


ZLIB_FASTEST = b"\x78\x01"  # the zlib header of a deflate stream at level 1 (32 KiB window)
ADLER_BASE = 65521


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The adler32 of two byte strings one after the other, from theirs (zlib's adler32_combine)."""
    rem = second_length % ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = rem * sum1 % ADLER_BASE
    sum1 = (sum1 + (second & 0xFFFF) + ADLER_BASE - 1) % ADLER_BASE
    sum2 = (sum2 + (first >> 16) + (second >> 16) + ADLER_BASE - rem) % ADLER_BASE
    return sum1 | sum2 << 16


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# --- the live preview: pages drawn on their own, only when they changed ---------------------------


class PagePreviews:
    """The spread as a JPEG for `pinban watch`, drawn in pieces: each page in BANDS upright bands
    (its frames, photos and rules by where their middle is: about a column each), each band its
    own WeasyPrint document without bleed or marks, written uncompressed (PDFium reads it at
    once). A band whose HTML is what it was last time is not drawn again, so an edit redraws only
    the band it touched — a small document, whose fonts are subset for the few hundred characters
    it holds (a document's fonts cost about 0.1 s a face whatever its size) — and changed bands are
    drawn two at once on two cores. Each band keeps only the part of its image with ink on it,
    laid on white paper by keeping the darker pixel (the bands do not overlap). These bytes are a
    preview only; the published PDFs and PNG are drawn as `pinban pdf` draws them."""

    BANDS = 8

    def __init__(self, dpi: int = PREVIEW_DPI) -> None:
        self.dpi = dpi
        # (page, band) → (its HTML, (left, top) and the inked part of its image, or None if blank)
        self.drawn: dict[tuple[int, int], tuple[str, tuple[tuple[int, int], object] | None]] = {}

    def spread_jpeg(self, display, style, faces) -> bytes:
        from PIL import Image, ImageChops

        scale = self.dpi / 72
        sheet = Image.new("RGB", (round(2 * style.page_width * scale), round(style.page_height * scale)), "white")
        for (page_index, _), inked in self.band_images(display, style, faces).items():
            if inked is None:
                continue
            (left, top), image = inked
            x = round(display.pages[page_index].offset * scale) + left
            box = (x, top, x + image.width, top + image.height)
            sheet.paste(ImageChops.darker(sheet.crop(box), image), box)
        buffer = io.BytesIO()
        sheet.save(buffer, "JPEG", quality=85)
        return buffer.getvalue()

    def band_images(self, display, style, faces) -> dict:
        """Every band's inked image, drawing only the bands that changed."""
        documents = {(page.index, n): page_document(band, display, style, faces)
                     for page in display.pages for n, band in enumerate(bands(page, self.BANDS))}
        changed = [key for key, html in documents.items() if self.drawn.get(key, ("",))[0] != html]
        for key, inked in zip(changed, draw_in_parallel([documents[k] for k in changed], style, display, self.dpi)):
            self.drawn[key] = (documents[key], inked)
        for key in set(self.drawn) - set(documents):
            del self.drawn[key]
        return {key: self.drawn[key][1] for key in documents}


def inked_part(image) -> tuple[tuple[int, int], object] | None:
    """((left, top), the image cropped to what is not white paper), or None for a blank band."""
    from PIL import ImageChops

    box = ImageChops.invert(image).getbbox()
    if box is None:
        return None
    return (box[0], box[1]), image.crop(box)


def bands(page, count: int) -> list:
    """The page cut into `count` upright bands of equal width, each a Page with the frames,
    pictures and rules whose middle is in it."""
    from dataclasses import replace

    def band_of(middle: float) -> int:
        return min(max(int(middle / page.width * count), 0), count - 1)

    return [replace(page,
                    frames=tuple(f for f in page.frames if band_of(f.x + f.width / 2) == n),
                    pictures=tuple(p for p in page.pictures if band_of(p.x + p.width / 2) == n),
                    rules=tuple(r for r in page.rules if band_of((r.x1 + r.x2) / 2) == n))
            for n in range(count)]


def draw_in_parallel(documents: list[str], style, display, dpi: int) -> list:
    """Each page document drawn, as its inked part (see `inked_part`): every other one in one
    forked child (PDFium is not thread-safe), the rest here, at the same time."""
    import multiprocessing

    if len(documents) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [inked_part(page_image(html, style, display, dpi)) for html in documents]
    context = multiprocessing.get_context("fork")
    mine, theirs = context.Pipe(duplex=False)
    child = context.Process(target=draw_for_parent, args=(theirs, documents[0::2], style, display, dpi), daemon=True)
    child.start()
    theirs.close()
    here = [inked_part(page_image(html, style, display, dpi)) for html in documents[1::2]]
    try:
        there = [unpacked(part) for part in mine.recv()]
    except EOFError:
        raise RuntimeError("a page's preview process stopped") from None
    finally:
        child.join()
    drawn = [None] * len(documents)
    drawn[0::2], drawn[1::2] = there, here
    return drawn


def draw_for_parent(pipe, documents: list[str], style, display, dpi: int) -> None:
    parts = [inked_part(page_image(html, style, display, dpi)) for html in documents]
    pipe.send([None if p is None else (p[0], p[1].size, p[1].tobytes()) for p in parts])


def unpacked(part):
    from PIL import Image

    if part is None:
        return None
    where, size, pixels = part
    return where, Image.frombytes("RGB", size, pixels)


def page_image(html: str, style, display, dpi: int):
    return preview_bitmap(draw_one_page(html, style, display), dpi).to_pil()


def page_document(page, display, style, faces) -> str:
    from .html import display_time, head, page_html

    css = f"@page{{size:{style.page_width:.3f}pt {style.page_height:.3f}pt;margin:0}}"
    return head(display, style, faces, display_time(display), css) + page_html(page, style, faces) + "</body></html>"


def draw_one_page(html: str, style, display) -> bytes:
    from pathlib import Path

    from ..project import project_root
    from .html import photo_url
    from .libraries import lean_html
    from .pdf import url_fetcher_for

    pictures = [p for page in display.pages for p in page.pictures if p.src]
    roots = [style.root, project_root() / "sources" / display.edition, *(Path(p.src).parent for p in pictures)]
    fetcher = url_fetcher_for(roots, {photo_url(p): Path(p.src) for p in pictures})
    buffer = io.BytesIO()
    lean_html()(string=html, url_fetcher=fetcher, base_url=str(style.root)).write_pdf(buffer, uncompressed_pdf=True)
    return buffer.getvalue()
