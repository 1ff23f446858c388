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


# --- the live preview: pages drawn on their own, only when they changed ---------------------------


class PagePreviews:
    """The spread as a JPEG for `pinban watch`, drawn in pieces: each page in BANDS upright bands
    (its frames, photos and rules by where their middle is), each band its own WeasyPrint
    document without bleed or marks, written uncompressed (PDFium reads it at once). A band whose
    HTML is what it was last time is not drawn again, so an edit redraws only the band it
    touched, and two changed bands are drawn at once on two cores. The bands are laid on white
    paper by keeping the darker pixel (they do not overlap). These bytes are a preview only; the
    published PDFs and PNG are drawn as `pinban pdf` draws them."""

    BANDS = 2

    def __init__(self, dpi: int = PREVIEW_DPI) -> None:
        self.dpi = dpi
        self.drawn: dict[tuple[int, int], tuple[str, object]] = {}  # (page, band) → (its HTML, its image)

    def spread_jpeg(self, display, style, faces) -> bytes:
        from PIL import Image, ImageChops

        scale = self.dpi / 72
        sheet = Image.new("RGB", (round(2 * style.page_width * scale), round(style.page_height * scale)), "white")
        images = self.band_images(display, style, faces)
        for (page_index, _), image in images.items():
            x = round(display.pages[page_index].offset * scale)
            box = (x, 0, x + image.width, image.height)
            sheet.paste(ImageChops.darker(sheet.crop(box), image), box)
        buffer = io.BytesIO()
        sheet.save(buffer, "JPEG", quality=85)
        return buffer.getvalue()

    def band_images(self, display, style, faces) -> dict:
        """Every band's image, drawing only the bands that changed."""
        documents = {(page.index, n): page_document(band, display, style, faces)
                     for page in display.pages for n, band in enumerate(bands(page, self.BANDS))}
        changed = [key for key, html in documents.items() if self.drawn.get(key, ("",))[0] != html]
        for key, image in zip(changed, draw_in_parallel([documents[k] for k in changed], style, display, self.dpi)):
            self.drawn[key] = (documents[key], image)
        return {key: self.drawn[key][1] for key in documents}


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
    """Each page document drawn as an image; all but the last in forked children (PDFium is not
    thread-safe), the last here, at the same time."""
    import multiprocessing

    from PIL import Image

    if len(documents) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [page_image(html, style, display, dpi) for html in documents]
    context = multiprocessing.get_context("fork")
    children = []
    for html in documents[:-1]:
        mine, theirs = context.Pipe(duplex=False)
        child = context.Process(target=draw_for_parent, args=(theirs, html, style, display, dpi), daemon=True)
        child.start()
        theirs.close()
        children.append((child, mine))
    last = page_image(documents[-1], style, display, dpi)
    images = []
    for child, pipe in children:
        try:
            size, pixels = pipe.recv()
        except EOFError:
            raise RuntimeError("a page's preview process stopped") from None
        finally:
            child.join()
        images.append(Image.frombytes("RGB", size, pixels))
    return [*images, last]


def draw_for_parent(pipe, html: str, style, display, dpi: int) -> None:
    image = page_image(html, style, display, dpi)
    pipe.send((image.size, image.tobytes()))


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
    from .libraries import import_weasyprint
    from .pdf import url_fetcher_for

    weasyprint = import_weasyprint()
    pictures = [p for page in display.pages for p in page.pictures if p.src]
    roots = [style.root, project_root() / "sources" / display.edition, *(Path(p.src).parent for p in pictures)]
    fetcher = url_fetcher_for(roots, {photo_url(p): Path(p.src) for p in pictures})
    buffer = io.BytesIO()
    weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=str(style.root)).write_pdf(buffer, uncompressed_pdf=True)
    return buffer.getvalue()
