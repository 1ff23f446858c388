"""Photo files: the one place Pillow opens an edition's images, with one decompression-bomb policy.

Layout asks for pixel sizes, the checker for what a file is, the DOCX for a thumbnail; all go
through open_image, so a hostile or damaged file is treated the same way everywhere.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

HUGE_PIXELS = 60_000_000  # far beyond any placement at 300 ppi on a broadsheet page
REFUSED_PIXELS = 250_000_000  # a decompression bomb rather than a photo
EXIF_ORIENTATION = 0x0112  # 5–8: the stored image is turned a quarter on display


class RefusedImage(Exception):
    """Too many pixels to decode safely; size is (0, 0) when Pillow refused before telling."""

    def __init__(self, size: tuple[int, int] = (0, 0)) -> None:
        super().__init__(f"{size[0]}×{size[1]} px")
        self.size = size


@contextmanager
def open_image(path: Path | str) -> Iterator[Any]:
    """Pillow's image, opened lazily; RefusedImage beyond REFUSED_PIXELS, OSError/ValueError if unreadable."""
    from PIL import Image, ImageFile

    # WeasyPrint switches Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when imported;
    # a truncated photo must still be found damaged here.
    truncated, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning: the size is judged here
            try:
                with Image.open(path) as im:
                    w, h = im.size
                    if w * h > REFUSED_PIXELS:
                        raise RefusedImage((w, h))
                    yield im
            except Image.DecompressionBombError:
                raise RefusedImage() from None
            except (SyntaxError, EOFError) as exc:
                raise OSError(str(exc) or type(exc).__name__) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated


@lru_cache(maxsize=256)
def pixel_size(path: str) -> tuple[int, int]:
    """(width, height) in pixels as the photo is shown — after its EXIF orientation, which the
    renderer applies — (0, 0) when the file cannot be read (the checker reports why)."""
    try:
        with open_image(path) as im:
            w, h = im.size
            return (h, w) if im.getexif().get(EXIF_ORIENTATION, 1) in (5, 6, 7, 8) else (w, h)
    except (OSError, ValueError, RefusedImage):
        return (0, 0)


@dataclass(frozen=True)
class ImageInfo:
    """What a photo file is: read without decoding it at full size."""

    size: tuple[int, int] = (0, 0)
    format: str = ""
    mode: str = ""
    icc: str = ""
    alpha: bool = False
    damage: str = ""  # why decoding failed, "" when it decodes
    unreadable: str = ""  # why it is not an image pinban can read
    refused: bool = False  # too many pixels to decode safely


def inspect_image(path: Path) -> ImageInfo:
    try:
        with open_image(path) as im:
            size = im.size  # before decoding: a JPEG is decoded at reduced size
            return ImageInfo(size, im.format or "image", im.mode, icc_name(im), has_alpha(im), decode_error(im))
    except RefusedImage as exc:
        return ImageInfo(size=exc.size, refused=True)
    except (OSError, ValueError) as exc:
        return ImageInfo(unreadable=str(exc) or type(exc).__name__)


def icc_name(im: Any) -> str:
    profile = im.info.get("icc_profile")
    if not profile:
        return "no ICC profile (taken as sRGB)"
    try:
        from PIL import ImageCms

        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile))).strip()
        return f"ICC profile {desc}"
    except Exception:  # noqa: BLE001 — a broken profile is still worth naming, not fatal
        return "an unreadable ICC profile"


def has_alpha(im: Any) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info


def decode_error(im: Any) -> str:
    """Decode the image (a JPEG at 1/8 scale, cheaply) to find truncated or damaged data."""
    try:
        if im.format == "JPEG":
            im.draft(im.mode, (max(1, im.size[0] // 8), max(1, im.size[1] // 8)))
        elif im.size[0] * im.size[1] > HUGE_PIXELS:
            return ""  # too costly to decode here; the renderer will report it
        im.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        return str(exc) or type(exc).__name__
    return ""


def thumbnail_jpeg(path: Path, longest: int = 640) -> bytes:
    """A small JPEG: proofreaders need to see the picture, not print it."""
    with open_image(path) as img:
        w, h = img.size
        k = min(longest / w, longest / h, 1)
        # JPEG: decode at a reduced scale (draft picks a scale no smaller than asked), much faster
        img.draft("RGB", (round(w * k), round(h * k)))
        small = img.convert("RGB")
    small.thumbnail((longest, longest))
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=80)
    return buf.getvalue()
