"""PDF drawing and post-processing: WeasyPrint with a fetcher that serves only the edition's files,
the bleed box, and the spread imposed from the trimmed pages."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from PIL import Image

from ..display import DisplayList
from ..project import write_atomic
from ..style import Style
from .html import display_time, photo_url
from .libraries import import_weasyprint, lean_html
from .press import WORKERS, separate_photos


def url_fetcher_for(allowed: list[Path], photos: dict[str, Path] | None = None,
                    served: dict[str, bytes | Callable[[], bytes]] | None = None):
    """WeasyPrint may read only the edition's and the style's own files: no network, nothing else.
    Photos come by their pinban-photo: names (see html.photo_url); `served` are made in memory
    (the photos as separated for the plant, still being made or made, and the output profile)."""
    from urllib.parse import unquote, urlparse

    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [p.resolve() for p in allowed]

    class EditionFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in (served or {}):
                body = served[url]
                return URLFetcherResponse(url, body() if callable(body) else body)
            if url in (photos or {}):
                return super().fetch(photos[url].as_uri(), headers)
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if any(path.is_relative_to(r) for r in roots):
                    return super().fetch(url, headers)
            # WeasyPrint reports this and draws nothing for the resource
            raise ValueError(f"pinban refuses to fetch {url}: only the edition's own files are served")

    return EditionFetcher(allowed_protocols={"file"})


def write_pdf(document: str, style: Style, display: DisplayList, photos: dict[str, Future]) -> bytes:
    """pages.pdf as WeasyPrint draws it: PDF/X-1a with the house output intent, colours in K
    (press.press_css). `document` is the HTML of press.press_display(display); `photos` the
    separate_photos of `display`, still being made while WeasyPrint lays the pages out."""
    from ..project import project_root
    from .press import PDFX_VARIANT, PROFILE_URL, press_css

    weasyprint = import_weasyprint()

    roots = [style.root, project_root() / "sources" / display.edition]
    roots += [Path(p.src).parent for page in display.pages for p in page.pictures if p.src]
    files = {photo_url(p): Path(p.src) for page in display.pages for p in page.pictures if p.src}
    served = {**{url: plant_bytes(job) for url, job in photos.items()},
              PROFILE_URL: style.press.output_profile.read_bytes()}
    fetcher = url_fetcher_for(roots, files, served)
    buffer = io.BytesIO()
    with warnings.catch_warnings(), fast_pdf_write():
        # WeasyPrint opens the photos with Pillow too; pinban check reports huge photos itself
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        html = lean_html()(string=document, url_fetcher=fetcher, base_url=str(style.root))
        profiles: dict = {}  # filled by press_css's @color-profile: the output intent
        press = weasyprint.CSS(string=press_css(), url_fetcher=fetcher, base_url=str(style.root), color_profiles=profiles)
        doc = html.render(stylesheets=[press], color_profiles=profiles, pdf_variant=PDFX_VARIANT,
                          cache=photos_to_come(display, style.press.image_ppi, photos))
        # WeasyPrint's PDF/X path stamps the local time where the document has no dates
        stamp = display_time(display).strftime("%Y-%m-%dT%H:%M:%SZ")
        doc.metadata.created = doc.metadata.created or stamp
        doc.metadata.modified = doc.metadata.modified or stamp
        doc.write_pdf(buffer, pdf_variant=PDFX_VARIANT,
                      pdf_identifier=display.edition.encode("utf-8")[:32].ljust(32, b"-"))
    return buffer.getvalue()


def plant_bytes(job: Future) -> Callable[[], bytes]:
    return lambda: job.result().plant


def photos_to_come(display: DisplayList, ppi: float, photos: dict[str, Future]) -> dict:
    """WeasyPrint's image cache, each photo still being separated already in it as an image of
    its placed pixel size (press.target_size) whose bytes are read only when the PDF is written:
    WeasyPrint lays the pages out and paints them meanwhile, where fetching the photos would wait
    for each in turn. The image then made is the one WeasyPrint makes of the fetched bytes."""
    from .html import photo_url
    from .press import target_size

    cache: dict = {}
    for page in display.pages:
        for p in page.pictures:
            url = photo_url(p)
            if url in photos and url not in cache:
                cache[url] = photo_to_come()(url, target_size(p, ppi), photos[url], cache)
    return cache


@lru_cache(maxsize=1)
def photo_to_come():
    """The class of a WeasyPrint raster image whose size is known and whose bytes come from a
    future: what layout and painting read is there at once; the rest (mode, data, …) is what
    WeasyPrint's RasterImage makes of the bytes, when the PDF writer first asks for it."""
    import hashlib

    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.images import RasterImage

    class PhotoToCome(RasterImage):
        def __init__(self, url: str, pixels: tuple[int, int], job: Future, cache: dict) -> None:
            self.id = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()  # as WeasyPrint names it
            self.width, self.height = pixels
            self.ratio = self.width / self.height if self.height else math.inf
            self._dpi = DEFAULT_OPTIONS["dpi"]
            self._job, self._cache = job, cache

        def __getattr__(self, name: str):
            if name.startswith("__") or "_job" not in self.__dict__:
                raise AttributeError(name)
            data = self.__dict__.pop("_job").result().plant
            made = RasterImage(Image.open(io.BytesIO(data)), self.id, data, None, self._cache, "from-image",
                               DEFAULT_OPTIONS)
            if (made.width, made.height) != (self.width, self.height):
                raise ValueError(f"a separated photo is {made.width} × {made.height} px, placed as "
                                 f"{self.width} × {self.height}")
            self.__dict__.update(made.__dict__)
            return getattr(self, name)

    return PhotoToCome


@contextmanager
def fast_pdf_write() -> Iterator[None]:
    """pydyf writes each stream's bytes twice when the PDF has an identifier: once into the file,
    once more for the identifier's digest, compressing every stream (the fonts at level 9) again.
    While the block runs, a PDF's writing makes each of its streams' bytes once and takes them
    again for the digest: the file is byte for byte what pydyf writes without this."""
    import pydyf

    write, stream_data = pydyf.PDF.write, pydyf.Stream.data

    def writing_once(pdf, *args, **kwargs):
        made: dict[int, tuple[object, bytes]] = {}  # id → (the stream, kept alive; its bytes)

        def data(stream) -> bytes:
            known = made.get(id(stream))
            if known is not None and known[0] is stream:
                return known[1]
            value = stream_data.fget(stream)
            if stream.number is not None:  # an object of the file: not changed once written
                made[id(stream)] = (stream, value)
            return value

        pydyf.Stream.data = property(data)
        try:
            return write(pdf, *args, **kwargs)
        finally:
            pydyf.Stream.data = stream_data

    pydyf.PDF.write = writing_once
    try:
        yield
    finally:
        pydyf.PDF.write = write


def finish_pages(pdf: bytes, style: Style) -> bytes:
    """The plant's file finished: each page's BleedBox (the house bleed, 3 mm beyond the trim),
    colours in CMYK with solid black overprinting, the output intent named for the house."""
    import hashlib

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, RectangleObject

    from .press import finish_pdfx

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        left, bottom, right, top = (float(v) for v in page.trimbox)
        b = style.bleed
        page.bleedbox = RectangleObject([left - b, bottom - b, right + b, top + b])
    finish_pdfx(writer, style.press)
    writer.pdf_header = b"%PDF-1.4"  # PDF/X-1a:2003 is PDF 1.4
    digest = hashlib.md5(pdf).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def impose_spread(pages: bytes, style: Style, display: DisplayList, review: dict[str, bytes] | None = None) -> bytes:
    """One sheet with both trimmed pages side by side, made from pages.pdf (no second layout).

    Each page becomes a form XObject whose BBox is its trim box (the form clips to it), drawn
    at the page's offset in the spread. The page's content stream is copied still compressed,
    its resources cloned: nothing is parsed or re-encoded. The photos become their `review`
    JPEGs (RGB, by photo URL): a review copy needs no separation, and its preview draws faster."""
    import hashlib

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )

    reader = PdfReader(io.BytesIO(pages))
    writer = PdfWriter()
    sheet = writer.add_blank_page(width=2 * style.page_width, height=style.page_height)
    forms = DictionaryObject()
    drawing = []
    swapped: dict = {}  # the pages share their images: each review JPEG is written once
    for n, (page, layout_page) in enumerate(zip(reader.pages, display.pages)):
        form = page_form(page, writer)
        resources = review_resources(page, review or {}, writer, swapped)
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(float(v)) for v in page.trimbox),
            NameObject("/Resources"): resources,
        })
        name = f"/Page{n}"
        forms[NameObject(name)] = writer._add_object(form)
        drawing.append(f"q 1 0 0 1 {layout_page.offset:.4f} 0 cm {name} Do Q")
    content = DecodedStreamObject()
    content.set_data(" ".join(drawing).encode("ascii"))
    sheet[NameObject("/Contents")] = writer._add_object(content)
    sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): forms})
    if reader.metadata:
        writer.add_metadata(dict(reader.metadata))
    digest = hashlib.md5(pages).digest()  # same input, same bytes
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def review_resources(page, review: dict[str, bytes], writer, swapped: dict):
    """The page's resources for the spread, each photo's image XObject its review JPEG. WeasyPrint
    names an image i<md5 of its URL><interpolate>; an image not found so keeps the plant's pixels."""
    import hashlib

    from pypdf.generic import DictionaryObject, NameObject

    by_stem = {"/i" + hashlib.md5(url.encode(), usedforsecurity=False).hexdigest(): data for url, data in review.items()}
    resources = page["/Resources"].get_object()
    out = DictionaryObject()
    for key, value in resources.items():
        if key != "/XObject" or not review:
            out[NameObject(key)] = value.clone(writer)
            continue
        xobjects = DictionaryObject()
        for name, ref in value.get_object().items():
            data = by_stem.get(name[:-1])
            if data and name not in swapped:
                swapped[name] = writer._add_object(jpeg_xobject(data, ref.get_object()))
            xobjects[NameObject(name)] = swapped[name] if data else ref.clone(writer)
        out[NameObject(key)] = xobjects
    return out


def jpeg_xobject(data: bytes, like):
    """An image XObject of a JPEG (RGB or grey), drawn as `like` was."""
    from pypdf.generic import BooleanObject, NameObject, NumberObject, StreamObject

    with Image.open(io.BytesIO(data)) as im:
        size, mode = im.size, im.mode
    image = StreamObject()
    image._data = data
    image.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(size[0]),
        NameObject("/Height"): NumberObject(size[1]),
        NameObject("/ColorSpace"): NameObject("/DeviceGray" if mode == "L" else "/DeviceRGB"),
        NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): NameObject("/DCTDecode"),
        NameObject("/Interpolate"): BooleanObject(bool(like.get("/Interpolate", False))),
    })
    return image


def page_form(page, writer):
    """A stream holding the page's content: the compressed bytes as they are when the page has
    one content stream, else the streams joined."""
    from pypdf.generic import NameObject, StreamObject

    contents = page["/Contents"].get_object()
    form = StreamObject()
    if isinstance(contents, StreamObject):
        form._data = contents._data
        for key in ("/Filter", "/DecodeParms"):
            if key in contents:
                form[NameObject(key)] = contents[key].clone(writer)
    else:
        form.set_data(page.get_contents().get_data())
    return form


def output_paths(out: Path) -> list[Path]:
    return [out / "spread.pdf", out / "pages.pdf", out / "spread.png"]


def draw_pdfs(html: str, display: DisplayList, style: Style, out: Path) -> bytes:
    """pages.pdf (trimmed pages, bleed, crop marks; PDF/X for the plant) and spread.pdf imposed
    from it; returns the spread. `html` is of press.press_display(display)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(WORKERS) as pool:
        photos = separate_photos(display, style.press, pool)
        pages = finish_pages(write_pdf(html, style, display, photos), style)
        review = {url: job.result().review for url, job in photos.items()}
    spread = impose_spread(pages, style, display, review)
    write_atomic(out / "spread.pdf", spread)
    write_atomic(out / "pages.pdf", pages)
    return spread
