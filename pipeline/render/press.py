"""The plant's file: pages.pdf as PDF/X-1a:2003, separated for the house's output condition.

Why PDF/X-1a:2003 and not X-4: a newspaper plant's RIP gets exactly what it prints — every
colour already CMYK (or K), no transparency, no colour management left to the RIP, which is what
Chinese newspaper plants ask for (方正 and InDesign newspaper presets export X-1a). X-4 would
leave RGB photos for the RIP to separate, with an ink limit pinban could not vouch for; and
WeasyPrint's X-4 path writes a random document ID, so the bytes would change on every build.

What happens here, so that `pinban check` finds it so:
- photos are cropped to what shows, resampled to the placed size × image_ppi (downsampling
  first makes the colour work cheap), separated from their ICC profile (sRGB when untagged) to
  the output profile by LittleCMS, with the total ink held to the house limit; a grey photo
  becomes a K-only DeviceGray image. The files in the sources are never touched; the copies
  made are kept in the user's cache folder, so a rebuild separates only what changed.
- text, rules and furniture are drawn in K only (device-cmyk(0 0 0 1)); whatever WeasyPrint
  still draws in RGB (its crop marks) is turned into CMYK afterwards, neutral greys into K.
- solid black (100 % K) overprints, as plants expect of black type and rules: no white gap
  round a letter when the plates do not register.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import struct
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..display import DisplayList, Picture
from ..style import PressStyle
from .html import photo_url

PDFX_VARIANT = "pdf/x-1a"
PROFILE_URL = "pinban-press:output-profile.icc"
GRID_POINTS = 33  # of the RGB → CMYK table: LittleCMS's own grid size for 8-bit RGB
JPEG_QUALITY = 90
REVIEW_QUALITY = 85  # the review copy is looked at on screen
# % below the house limit: JPEG's ringing adds ink at dark edges. With 4 a 2 × 2 cell of the
# sample (a 100 lpi screen cell at 200 ppi) came within 0.3 % of the limit, with 5 within 1.2 %.
INK_MARGIN = 5.0
GREY_TOLERANCE = 10  # channel difference (of 255) still taken as neutral: JPEG colour noise
GREY_SHARE = 0.002  # a photo with no more than this share of coloured pixels is a grey photo
GREY_SAMPLE = 4  # judged on a 1:4 reduction: as telling, a tenth of the work
WORKERS = 2  # threads: Pillow releases the GIL while it decodes, resamples and encodes


# --- photos ---------------------------------------------------------------------------------


def press_display(display: DisplayList, press: PressStyle) -> DisplayList:
    """The display list with each photo as the plant gets it — cropped to what shows, its pixel
    size the placed size × image_ppi (never more than the source has) — so the HTML places the
    separated image that separate_photos makes. Positions are unchanged; no pixel is read."""
    def placed(p: Picture) -> Picture:
        if not p.src or not p.pixels[0]:
            return p
        size = target_size(p, press.image_ppi)
        return replace(p, pixels=size, crop=(0.0, 0.0, float(size[0]), float(size[1])))

    return replace(display, pages=tuple(replace(page, pictures=tuple(placed(p) for p in page.pictures))
                                        for page in display.pages))


@dataclass(frozen=True)
class Separated:
    """One photo at its placed size: for the plant (CMYK, or K-only grey) and for the review copy
    (RGB as the source was: spread.pdf and its preview need no separation). The review copy is
    made after every plant copy asked for before it, so WeasyPrint waits for none of them."""

    plant: bytes
    made_review: Future

    @property
    def review(self) -> bytes:
        return self.made_review.result()


def separate_photos(display: DisplayList, press: PressStyle, pool: Executor) -> dict[str, Future]:
    """Each photo of the (unchanged) display list Separated, by photo URL, made in `pool` in
    drawing order: WeasyPrint lays the pages out and paints them meanwhile, and waits for the photos
    only when it writes the PDF (pdf.photos_to_come)."""
    pictures = [p for page in display.pages for p in page.pictures if p.src and p.pixels[0]]
    return {photo_url(p): pool.submit(separate_picture, p, press, pool) for p in pictures}


# --- the separated photos kept between builds ---------------------------------------------------
# An editor rebuilds with the same photos placed the same way again and again: their copies are
# kept in the user's cache folder under a digest of everything that makes their bytes (the file's
# content, crop and placed size, the [press] values and profile, this code and the libraries), so
# a kept copy is byte for byte the one that would be made. The least recently used go first.

KEEP_SEPARATED = True
KEPT_BYTES = 512 * 2**20


def kept_folder() -> Path | None:
    try:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:  # no home folder: nothing is kept
        return None
    return Path(cache) / "pinban" / "separated"


def kept_key(p: Picture, press: PressStyle) -> str:
    """The digest naming the photo's copies, or "" when they are not to be kept."""
    if not KEEP_SEPARATED:
        return ""
    try:
        source = Path(p.src).read_bytes()
        stat = press.output_profile.stat()
        profile = file_digest(str(press.output_profile), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return ""  # the separation says what is wrong with the file
    placed = (p.crop, p.pixels, p.width, p.height, press.ink_limit, press.image_ppi)
    return hashlib.sha256(code_digest() + profile + repr(placed).encode() + hashlib.sha256(source).digest()).hexdigest()


def kept(key: str) -> tuple[bytes, bytes] | None:
    """The plant and review copies kept under `key`, if they are there and whole."""
    folder = kept_folder()
    if not key or folder is None:
        return None
    try:
        data = (folder / key).read_bytes()
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.utime(folder / key)  # used now: the last to go
    digest, size, copies = data[:32], int.from_bytes(data[32:36], "big"), data[36:]
    if hashlib.sha256(copies).digest() != digest or not 0 < size < len(copies):
        return None
    return copies[:size], copies[size:]


def keep_when_made(key: str, plant: bytes):
    def store(review: Future) -> None:
        if not review.cancelled() and review.exception() is None:
            keep(key, plant, review.result())

    return store


def keep(key: str, plant: bytes, review: bytes) -> None:
    from ..errors import PinbanError
    from ..project import write_atomic

    folder = kept_folder()
    if folder is None:
        return
    try:
        copies = plant + review
        write_atomic(folder / key, hashlib.sha256(copies).digest() + len(plant).to_bytes(4, "big") + copies)
        trim_kept(folder)
    except (PinbanError, OSError):
        pass  # a folder that takes nothing only costs the time it would save


@lru_cache(maxsize=4)
def trim_kept(folder: Path) -> None:
    """The least recently used copies removed until the folder holds KEPT_BYTES or less: once a
    process (a build adds a few MB; the listing costs a stat a file)."""
    stats = [(f.stat(), f) for f in folder.iterdir() if not f.name.startswith(".")]  # not one being written
    files = sorted((st.st_mtime_ns, st.st_size, f) for st, f in stats)
    total = sum(size for _, size, _ in files)
    for _, size, path in files:
        if total <= KEPT_BYTES:
            break
        path.unlink(missing_ok=True)
        total -= size


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """This module, the photo reading it uses and the versions of Pillow, LittleCMS and libjpeg."""
    from PIL import __version__, features

    from ..sources import photos

    code = Path(__file__).read_bytes() + Path(photos.__file__).read_bytes()
    versions = repr((__version__, features.version("littlecms2"), features.version("jpg"))).encode()
    return hashlib.sha256(code + versions).digest()


@lru_cache(maxsize=16)
def file_digest(path: str, mtime_ns: int, size: int) -> bytes:
    """The file's digest, read again when its time or size changes."""
    return hashlib.sha256(Path(path).read_bytes()).digest()


def target_size(p: Picture, ppi: float) -> tuple[int, int]:
    """Pixels for the crop at `ppi` as placed, or the crop's own pixels when it has fewer."""
    _, _, cw, ch = p.crop
    want = math.ceil(p.width / 72 * ppi), math.ceil(p.height / 72 * ppi)
    return (want if want[0] < cw and want[1] < ch else (max(1, round(cw)), max(1, round(ch))))


def separate_picture(p: Picture, press: PressStyle, pool: Executor | None = None) -> Separated:
    """The photo as placed, separated, or as kept from an earlier build; its review copy queued
    in `pool` behind the work already there (without a pool, made now)."""
    key = kept_key(p, press)
    copies = kept(key)
    if copies is not None:
        return Separated(copies[0], finished(copies[1]))
    with quick_handover():
        small, icc = placed_pixels(p, press)
        plant = jpeg(separated(small, icc, press))
    review = pool.submit(review_jpeg, small, icc, press) if pool else finished(review_jpeg(small, icc, press))
    if key:
        review.add_done_callback(keep_when_made(key, plant))
    return Separated(plant, review)


HANDOVER_S = 0.0005  # the GIL switch interval while photos are separated (Python's own: 5 ms)
_handover = {"active": 0, "saved": 0.005}
_HANDOVER_LOCK = threading.Lock()


@contextmanager
def quick_handover() -> Iterator[None]:
    """A separating thread comes back from Pillow's C code about ten times a photo (140 times for
    the sample), and beside WeasyPrint's pure-Python layout each return waited for the GIL the
    whole switch interval, 5 ms: while any photo is separated, the interval is a tenth of that."""
    with _HANDOVER_LOCK:
        if not _handover["active"]:
            _handover["saved"] = sys.getswitchinterval()
            sys.setswitchinterval(min(HANDOVER_S, _handover["saved"]))
        _handover["active"] += 1
    try:
        yield
    finally:
        with _HANDOVER_LOCK:
            _handover["active"] -= 1
            if not _handover["active"]:
                sys.setswitchinterval(_handover["saved"])


def placed_pixels(p: Picture, press: PressStyle) -> tuple[Any, bytes | None]:
    """The crop as shown, at its placed size (target_size), and the file's ICC profile."""
    from PIL import ImageOps

    from ..sources.photos import EXIF_ORIENTATION, open_image

    size = target_size(p, press.image_ppi)
    cl, ct, cw, ch = p.crop  # in pixels as shown, i.e. after the EXIF orientation
    with open_image(p.src) as im:
        icc = im.info.get("icc_profile") or None
        needed = (math.ceil(p.pixels[0] * size[0] / cw), math.ceil(p.pixels[1] * size[1] / ch))
        orientation = im.getexif().get(EXIF_ORIENTATION, 1)
        if orientation in (5, 6, 7, 8):
            needed = needed[::-1]  # the file stores it a quarter turn from how it is shown
        # a JPEG decodes at 1/2, 1/4 or 1/8 scale for free: never more pixels than needed
        im.draft(im.mode if im.mode in ("RGB", "L", "CMYK") else "RGB", needed)
        shown = flattened(ImageOps.exif_transpose(im) if orientation != 1 else im)  # it copies an upright one too
        kx, ky = shown.size[0] / p.pixels[0], shown.size[1] / p.pixels[1]
        box = (cl * kx, ct * ky, (cl + cw) * kx, (ct + ch) * ky)
        return shown.resize(size, resample=RESAMPLE, box=box), icc


def review_jpeg(small: Any, icc: bytes | None, press: PressStyle) -> bytes:
    with quick_handover():
        return jpeg(small if small.mode != "CMYK" else to_srgb(small, icc, press), REVIEW_QUALITY)


def finished(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def flattened(im: Any) -> Any:
    """8-bit RGB, L or CMYK; transparency composited onto white paper."""
    from PIL import Image

    if im.mode in ("RGB", "L", "CMYK"):
        return im
    if "transparency" in im.info or im.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = im.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return im.convert("RGB")


def separated(im: Any, icc: bytes | None, press: PressStyle) -> Any:
    """CMYK for the output profile with the ink held to the limit, or, for a grey photo, K only (L)."""
    from PIL import ImageCms

    if im.mode == "CMYK":
        im = to_srgb(im, icc, press)
        icc = None
    if im.mode == "L" or is_grey(im):
        return im.convert("L").point(grey_curve(str(press.output_profile)))
    return ImageCms.applyTransform(im, separation_transform(icc, str(press.output_profile), press.ink_limit))


def is_grey(rgb: Any) -> bool:
    from PIL import ImageChops

    rgb = rgb.reduce(GREY_SAMPLE) if min(rgb.size) >= 8 * GREY_SAMPLE else rgb
    r, g, b = rgb.split()
    spread = ImageChops.lighter(ImageChops.difference(r, g), ImageChops.difference(g, b))
    coloured = sum(spread.histogram()[GREY_TOLERANCE + 1:])
    return coloured <= GREY_SHARE * rgb.size[0] * rgb.size[1]


def to_srgb(cmyk: Any, icc: bytes | None, press: PressStyle) -> Any:
    """A CMYK photo in sRGB, to be separated again for this plant (untagged: taken as this plant's CMYK)."""
    from PIL import ImageCms

    source = source_profile(icc) if icc else output_profile(str(press.output_profile))
    return ImageCms.profileToProfile(cmyk, source, ImageCms.createProfile("sRGB"), outputMode="RGB")


def jpeg(im: Any, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality, optimize=False)
    return buffer.getvalue()


def source_profile(icc: bytes | None) -> Any:
    from PIL import ImageCms

    if icc:
        try:
            return ImageCms.ImageCmsProfile(io.BytesIO(icc))
        except (OSError, ImageCms.PyCMSError):
            pass  # a broken embedded profile: the photo is taken as sRGB, as an untagged one
    return ImageCms.createProfile("sRGB")


@lru_cache(maxsize=16)
def output_profile(path: str) -> Any:
    from PIL import ImageCms

    return ImageCms.getOpenProfile(path)


def separation_transform(icc: bytes | None, profile: str, ink_limit: float) -> Any:
    """The LittleCMS transform separating a photo with this embedded profile (None: sRGB) for the
    output profile within the ink limit: made once per process, by the first thread to ask."""
    key = (hashlib.sha256(icc).hexdigest() if icc else "", profile, ink_limit)
    with _TABLES_LOCK:  # the other thread waits rather than making the same table again
        if key not in _TRANSFORMS:
            _TRANSFORMS[key] = limited_transform(icc, profile, ink_limit)
        return _TRANSFORMS[key]


_TRANSFORMS: dict[tuple[str, str, float], Any] = {}
_TABLES_LOCK = threading.Lock()


def limited_transform(icc: bytes | None, profile: str, ink_limit: float) -> Any:
    """An RGB → CMYK grid, each point separated by LittleCMS (relative colorimetric with
    black-point compensation) and its total ink held to the limit, given back to LittleCMS as a
    device link: its 8-bit path interpolates the grid for every pixel, faster than Pillow's
    Color3DLUT. Interpolation mixes grid points with positive weights, so no pixel passes the limit."""
    from PIL import ImageCms

    n = GRID_POINTS
    # NOOPTIMIZE: each point through the profiles themselves, not through a table LittleCMS would
    # make of them first (as costly as the points, and less exact)
    transform = ImageCms.buildTransform(source_profile(icc), output_profile(profile), "RGB", "CMYK",
                                        ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION | ImageCms.Flags.NOOPTIMIZE)
    cmyk = ImageCms.applyTransform(rgb_grid(n), transform)
    link = device_link(b"RGB ", b"CMYK", n, ink_limited(cmyk, (ink_limit - INK_MARGIN) / 100 * 255))
    return ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(link)), cmyk_identity(), "RGB", "CMYK",
                                   ImageCms.Intent.RELATIVE_COLORIMETRIC, flags=ImageCms.Flags.NONE)


def rgb_grid(n: int) -> Any:
    """n × n × n RGB points from black to white, one row, in ICC table order (blue fastest)."""
    from PIL import Image

    levels = bytes(round(i * 255 / (n - 1)) for i in range(n))
    channels = (b"".join(bytes([v]) * n * n for v in levels), bytes(v for v in levels for _ in range(n)) * n,
                levels * n * n)
    return Image.merge("RGB", [Image.frombytes("L", (n ** 3, 1), c) for c in channels])


def ink_limited(cmyk: Any, limit: float) -> bytes:
    """The CMYK grid as 16-bit big-endian table values, the points over `limit` brought within it."""
    from PIL import ImageMath

    values = cmyk.tobytes()
    table = bytearray(2 * len(values))
    table[0::2] = table[1::2] = values  # v × 257: the byte twice
    bands = dict(zip("cmyk", cmyk.split()))
    over = ImageMath.lambda_eval(lambda b: b["c"] + b["m"] + b["y"] + b["k"] > limit, **bands).convert("L")
    for match in re.finditer(rb"\x01", over.tobytes()):  # a few points in ten: the rest as they are
        i = 4 * match.start()
        struct.pack_into(">4H", table, 2 * i, *(round(v * 257) for v in limit_ink(*values[i:i + 4], limit)))
    return bytes(table)


@lru_cache(maxsize=1)
def cmyk_identity() -> Any:
    """A CMYK → CMYK link changing nothing: Pillow's transforms take two profiles, and after a
    device link to CMYK the next must start from CMYK."""
    from PIL import ImageCms

    corners = [v * 65535 for c in (0, 1) for m in (0, 1) for y in (0, 1) for k in (0, 1) for v in (c, m, y, k)]
    return ImageCms.ImageCmsProfile(io.BytesIO(device_link(b"CMYK", b"CMYK", 2, struct.pack(">64H", *corners))))


# --- ICC device links (ICC version 2, read by LittleCMS) ----------------------------------------

CHANNELS = {b"RGB ": 3, b"CMYK": 4}


def device_link(source: bytes, target: bytes, points: int, clut: bytes) -> bytes:
    """A device-link profile `source` → `target` whose one table (lut16Type: identity curves, a
    grid of `points` per input channel, 16-bit values, the last input channel varying fastest) is
    `clut`. Made in memory for LittleCMS; never written into a PDF."""
    tags = [(b"desc", description_tag("pinban separation")), (b"cprt", text_tag("no copyright, use freely")),
            (b"A2B0", lut16_tag(CHANNELS[source], CHANNELS[target], points, clut))]
    return icc_profile(b"link", source, target, tags)


def icc_profile(kind: bytes, space: bytes, pcs: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    start = 128 + 4 + 12 * len(tags)
    body, table = b"", b""
    for signature, data in tags:
        body += b"\0" * (-len(body) % 4)  # tags start on 4-byte boundaries
        table += struct.pack(">4sII", signature, start + len(body), len(data))
        body += data
    d50 = (round(0.9642 * 65536), 65536, round(0.8249 * 65536))  # the PCS illuminant, s15Fixed16
    header = struct.pack(">I4sI4s4s4s12x4s24xI3i48x", start + len(body), b"lcms", 0x02100000, kind, space, pcs,
                         b"acsp", 1, *d50)  # rendering intent 1: relative colorimetric
    return header + struct.pack(">I", len(tags)) + table + body


def lut16_tag(inputs: int, outputs: int, points: int, clut: bytes) -> bytes:
    identity_matrix = struct.pack(">9i", 65536, 0, 0, 0, 65536, 0, 0, 0, 65536)
    curves_in, curves_out = struct.pack(">HH", 0, 65535) * inputs, struct.pack(">HH", 0, 65535) * outputs
    return (b"mft2" + bytes(4) + bytes([inputs, outputs, points, 0]) + identity_matrix + struct.pack(">HH", 2, 2)
            + curves_in + clut + curves_out)


def description_tag(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return b"desc" + bytes(4) + struct.pack(">I", len(ascii_)) + ascii_ + bytes(8 + 3 + 67)  # no Unicode, no Mac text


def text_tag(text: str) -> bytes:
    return b"text" + bytes(4) + text.encode("ascii") + b"\0"


def limit_ink(c: float, m: float, y: float, k: float, limit: float) -> tuple[float, float, float, float]:
    """The same colour within `limit` total ink (values 0–255): first the grey part of C, M and Y
    goes to K (under-colour removal: each unit moved saves two), then C, M, Y are scaled down."""
    excess = c + m + y + k - limit
    if excess <= 0:
        return c, m, y, k
    moved = min(min(c, m, y), excess / 2, 255 - k)
    c, m, y, k = c - moved, m - moved, y - moved, k + moved
    colour = c + m + y
    if colour + k > limit and colour > 0:
        f = max(0.0, limit - k) / colour
        c, m, y = c * f, m * f, y * f
    return c, m, y, k


@lru_cache(maxsize=16)
def grey_curve(profile: str) -> list[int]:
    """Grey level (sRGB tone) → DeviceGray value printing the same lightness in K alone on this
    plant's profile (its dot gain included): 256 entries for Image.point."""
    from PIL import Image, ImageCms

    lab = ImageCms.createProfile("LAB")
    ramp = list(range(256))
    k_ramp = Image.new("CMYK", (256, 1))
    k_ramp.putdata([(0, 0, 0, k) for k in ramp])
    k_light = ImageCms.profileToProfile(k_ramp, output_profile(profile), lab, outputMode="LAB").tobytes()[0::3]
    grey = Image.new("RGB", (256, 1))
    grey.putdata([(v, v, v) for v in ramp])
    grey_light = ImageCms.profileToProfile(grey, ImageCms.createProfile("sRGB"), lab, outputMode="LAB").tobytes()[0::3]
    curve = []
    for light in grey_light:  # k_light falls as K rises: the first K as dark as the grey
        k = next((k for k in ramp if k_light[k] <= light), 255)
        curve.append(255 - k)
    return curve


RESAMPLE = 2  # PIL.Image.Resampling.BILINEAR: from the JPEG's draft scale at most 2:1, where it is as sharp


# --- CSS --------------------------------------------------------------------------------------


def press_css() -> str:
    """The output intent, and everything WeasyPrint draws from the page's CSS in K alone.
    WeasyPrint's own crop marks are off: they are drawn with a transparent fill, which PDF/X-1a
    forbids; crop_marks() draws them instead."""
    k = "device-cmyk(0 0 0 1)"
    return (f"@color-profile device-cmyk {{src:url({PROFILE_URL});components:cyan,magenta,yellow,black}}\n"
            "@page{marks:none!important}\n"
            f"html{{color:{k}}}\n"
            f".rule{{background:{k}!important}}\n"
            ".pic{background:device-cmyk(0 0 0 0.13)!important}\n"
            f".ph{{color:{k}!important;border-color:{k}!important;background:device-cmyk(0 0 0 0.05)!important}}\n")


# --- the PDF afterwards -------------------------------------------------------------------------

# Possessive, and a number never starts inside a name, a number or a hex string: the search
# tries each position once instead of backtracking through every way to split the digits.
NUMBER = rb"[-+]?(?:\d++\.?+\d*+|\.\d++)"
COLOUR_OP = re.compile(
    rb"(?=[-+.\d])(?<![\w/.<])((?:" + NUMBER + rb"\s++){0,3}" + NUMBER + rb")\s++(rg|RG|g|G|k|K|scn|SCN|sc|SC)(?![\w*])"
)
CMYK_SPACE = re.compile(rb"/DeviceCMYK\s+(cs|CS)")
OVERPRINT = {"fill": "/PbOPf", "stroke": "/PbOPs"}
KNOCKOUT = {"fill": "/PbKOf", "stroke": "/PbKOs"}


def press_content(data: bytes, to_cmyk) -> bytes:
    """A content stream with every colour in DeviceCMYK `k`/`K` (neutral RGB and grey as K alone,
    other RGB through the output profile), 100 % K overprinting and any other colour knocking out.

    WeasyPrint writes strings as hex (<…>), so colour operators are found by their tokens."""

    def colour(match: re.Match) -> bytes:
        values = [float(v) for v in match.group(1).split()]
        op = match.group(2).decode()
        stroke = op[0].isupper()
        if op.lower() in ("scn", "sc") and len(values) != 4:
            return match.group(0)  # a pattern or another space: left for the preflight to judge
        if op.lower() in ("rg",) and len(values) != 3 or op.lower() == "g" and len(values) != 1:
            return match.group(0)
        if op.lower() == "k" and len(values) != 4:
            return match.group(0)
        if op.lower() == "g":
            cmyk = (0.0, 0.0, 0.0, 1 - values[0])
        elif op.lower() == "rg":
            cmyk = to_cmyk(tuple(values))
        else:
            cmyk = tuple(values)
        return set_cmyk(cmyk, stroke)

    data = CMYK_SPACE.sub(b"", data)  # k/K select DeviceCMYK themselves
    return COLOUR_OP.sub(colour, data)


def set_cmyk(cmyk: tuple[float, ...], stroke: bool) -> bytes:
    values = " ".join(f"{v:.4f}".rstrip("0").rstrip(".") or "0" for v in cmyk)
    which = "stroke" if stroke else "fill"
    solid_black = cmyk[:3] == (0, 0, 0) and cmyk[3] >= 0.999
    state = OVERPRINT[which] if solid_black else KNOCKOUT[which]
    return f"{values} {'K' if stroke else 'k'} {state} gs".encode("ascii")


def overprint_states() -> dict[str, dict[str, Any]]:
    """ExtGState entries: overprint on (OPM 1: zero components leave the plates below alone) or off."""
    return {
        OVERPRINT["fill"]: {"/op": True, "/OPM": 1},
        OVERPRINT["stroke"]: {"/OP": True, "/OPM": 1},
        KNOCKOUT["fill"]: {"/op": False},
        KNOCKOUT["stroke"]: {"/OP": False},
    }


def rgb_to_cmyk(profile: str):
    """One RGB colour → CMYK fractions: neutral greys to K alone, other colours by LittleCMS."""

    @lru_cache(maxsize=256)
    def convert(rgb: tuple[float, ...]) -> tuple[float, ...]:
        from PIL import Image, ImageCms

        if max(rgb) - min(rgb) < 1e-3:
            return (0.0, 0.0, 0.0, round(1 - rgb[0], 4))
        pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in rgb))
        cmyk = ImageCms.profileToProfile(pixel, ImageCms.createProfile("sRGB"), output_profile(profile),
                                         outputMode="CMYK").getpixel((0, 0))
        return tuple(round(v / 255, 4) for v in cmyk)

    return convert


def finish_pdfx(writer: Any, press: PressStyle) -> None:
    """On a pypdf writer of WeasyPrint's PDF/X: every content stream (pages and the forms they
    draw) in CMYK with solid black overprinting, and the output intent named for the house."""
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, NumberObject, TextStringObject

    convert = rgb_to_cmyk(str(press.output_profile))
    states = DictionaryObject({
        NameObject(name): DictionaryObject({
            NameObject("/Type"): NameObject("/ExtGState"),
            **{NameObject(k): BooleanObject(v) if isinstance(v, bool) else NumberObject(v) for k, v in entries.items()},
        })
        for name, entries in overprint_states().items()
    })
    states_ref = None
    done: set[int] = set()
    for page in writer.pages:
        states_ref = states_ref or writer._add_object(states)
        rewrite_contents(page, convert, states_ref, done, writer, crop_marks(page))
    for intent in writer._root_object.get("/OutputIntents", []):
        intent = intent.get_object()
        intent[NameObject("/OutputConditionIdentifier")] = TextStringObject(press.output_condition)
        intent[NameObject("/OutputCondition")] = TextStringObject(press.output_condition)
        intent[NameObject("/Info")] = TextStringObject(press.output_condition)


def crop_marks(page: Any) -> bytes:
    """Crop marks in registration (every plate), in the slug: each trim edge extended from the
    media edge to halfway to the trim, clear of the bleed — where WeasyPrint puts its own."""
    left, bottom, right, top = (float(v) for v in page.trimbox)
    m_left, m_bottom, m_right, m_top = (float(v) for v in page.mediabox)
    lines = []
    for x, y, dx in ((left, top, m_left), (left, bottom, m_left), (right, top, m_right), (right, bottom, m_right)):
        lines.append((dx, y, (dx + x) / 2, y))  # horizontal, along the top or bottom trim edge
    for x, y, dy in ((left, top, m_top), (right, top, m_top), (left, bottom, m_bottom), (right, bottom, m_bottom)):
        lines.append((x, dy, x, (dy + y) / 2))  # vertical, along the left or right trim edge
    paths = " ".join(f"{x1:.3f} {y1:.3f} m {x2:.3f} {y2:.3f} l" for x1, y1, x2, y2 in lines)
    return f"\nq 0.5 w 1 1 1 1 K {KNOCKOUT['stroke']} gs {paths} S Q\n".encode("ascii")


def rewrite_contents(holder: Any, convert, states_ref: Any, done: set[int], writer: Any, extra: bytes = b"") -> None:
    """The content of a page or form XObject, and of the forms it draws, through press_content
    (`extra` drawn after a page's content); the overprint states added to its resources."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    is_page = "/Contents" in holder
    if is_page:
        contents = holder["/Contents"].get_object()
        data = holder.get_contents().get_data() if isinstance(contents, ArrayObject) else contents.get_data()
        stream = StreamObject()
        stream.set_data(press_content(data, convert) + extra)
        holder[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    else:
        holder.set_data(press_content(holder.get_data(), convert))
    resources = holder.get("/Resources")
    if resources is None:
        resources = holder[NameObject("/Resources")] = DictionaryObject()
    resources = resources.get_object()
    ext = resources.get("/ExtGState")
    if ext is None:
        resources[NameObject("/ExtGState")] = states_ref
    else:
        ext = ext.get_object()
        for name, value in states_ref.get_object().items():
            ext[NameObject(name)] = value
    for ref in (resources.get("/XObject") or DictionaryObject()).get_object().values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form" and id(xobject) not in done:
            done.add(id(xobject))
            rewrite_contents(xobject, convert, states_ref, done, writer)


def clear_tables() -> None:
    """Forget the colour tables made in this process: a new drawing process starts without them."""
    _TRANSFORMS.clear()
    cmyk_identity.cache_clear()
    output_profile.cache_clear()
    grey_curve.cache_clear()
    file_digest.cache_clear()
    trim_kept.cache_clear()
