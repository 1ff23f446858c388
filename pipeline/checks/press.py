"""Preflight of the plant's file, pages.pdf, read back: PDF/X-1a keys and the house output intent,
the boxes, no RGB anywhere, text in K alone, images CMYK or grey at the house resolution, fonts
embedded, and — from Ghostscript's CMYK separations at a low resolution — the total ink within
the house limit and no C, M or Y under body text."""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..display import picture_containing
from ..messages import BUG, N_, finding
from ..model import Finding
from ..style import PressStyle, Style

if TYPE_CHECKING:
    from ..display import DisplayList

PDFX_VERSION = "PDF/X-1a:2003"
PLANT_FILE = "pages.pdf"
INK_DPI = 50  # enough to see every photo's shadows and every column of text
GHOSTSCRIPT_TIMEOUT = 120  # s
BOX_TOLERANCE = 0.05  # pt
TEXT_OPS = {b"Tj", b"TJ", b"'", b'"'}
ALLOWED_SPACES = {"/DeviceCMYK", "/DeviceGray", "/Separation", "/DeviceN"}


def press_where(page: str = "") -> str:
    return f"{PLANT_FILE} {page}版" if page else PLANT_FILE


def check_press(pdf: Path, display: DisplayList, style: Style, render: Separations | None = None) -> list[Finding]:
    """The findings on the plant file; with `render` (start_separations), also the ink measured on
    Ghostscript's separations — seconds, for the embedded CJK fonts, so `pinban check` does it
    and a build relies on the separation holding the limit by construction."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(pdf))
        findings = (pdfx_findings(reader, style.press) + box_findings(reader, display, style)
                    + content_findings(reader, display, style.press) + font_findings(reader))
    except Exception as exc:  # noqa: BLE001 — an unreadable plant file is itself the finding
        findings = [finding("error", "press-unreadable", N_("the plant file cannot be read back: {reason}"), press_where(),
                            BUG, args={"reason": str(exc)})]
    if render is not None:
        findings += ink_findings(render, display, style)
    return findings


# --- PDF/X keys and output intent ----------------------------------------------------------------


def pdfx_findings(reader: Any, press: PressStyle) -> list[Finding]:
    hint = BUG
    out = []
    info = reader.metadata or {}
    if str(info.get("/GTS_PDFXVersion", "")) != PDFX_VERSION:
        out.append(finding("error", "press-pdfx", N_("not marked {version} (GTS_PDFXVersion)"), press_where(), hint,
                           args={"version": PDFX_VERSION}))
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        out.append(finding("error", "press-pdfx", N_("no Trapped key"), press_where(), hint))
    if reader.pdf_header > "%PDF-1.4":
        out.append(finding("error", "press-pdfx", N_("{header} is newer than PDF/X-1a allows (1.4)"),
                           press_where(), hint, args={"header": reader.pdf_header[1:]}))
    intents = [i.get_object() for i in reader.trailer["/Root"].get("/OutputIntents", [])]
    intent = next((i for i in intents if i.get("/S") == "/GTS_PDFX"), None)
    if intent is None or "/DestOutputProfile" not in intent:
        return out + [finding("error", "press-output-intent", N_("no PDF/X output intent"), press_where(), hint)]
    profile = intent["/DestOutputProfile"].get_object().get_data()
    if hashlib.sha256(profile).digest() != hashlib.sha256(press.output_profile.read_bytes()).digest():
        out.append(finding("error", "press-output-intent", N_("the output intent is not the house style's profile"),
                           press_where(), N_("rebuild: the [press] output_profile changed")))
    return out


def box_findings(reader: Any, display: DisplayList, style: Style) -> list[Finding]:
    """TrimBox the trimmed page, BleedBox the house bleed beyond it, both inside the MediaBox."""
    out = []
    trim = (0.0, 0.0, style.page_width, style.page_height)
    bleed = (-style.bleed, -style.bleed, style.page_width + style.bleed, style.page_height + style.bleed)
    for page, laid in zip(reader.pages, display.pages):
        got_trim, got_bleed, media = (tuple(float(v) for v in box) for box in (page.trimbox, page.bleedbox, page.mediabox))
        wrong = [name for name, got, want in (("TrimBox", got_trim, trim), ("BleedBox", got_bleed, bleed))
                 if any(abs(g - w) > BOX_TOLERANCE for g, w in zip(got, want))]
        if media[0] > bleed[0] or media[1] > bleed[1] or media[2] < bleed[2] or media[3] < bleed[3]:
            wrong.append("MediaBox")
        if wrong:
            out.append(finding("error", "press-boxes", N_("{boxes} wrong for a {width:.0f} × {height:.0f} mm page with {bleed:g} mm bleed"),
                               press_where(laid.name), BUG,
                               args={"boxes": ", ".join(wrong), "width": style.page_width / 72 * 25.4,
                                     "height": style.page_height / 72 * 25.4, "bleed": style.bleed / 72 * 25.4}))
    return out


def font_findings(reader: Any) -> list[Finding]:
    from .pdf import collect_fonts  # the rule of what counts as embedded lives there

    fonts: dict[str, bool] = {}
    for page in reader.pages:
        collect_fonts(page.get("/Resources"), fonts, depth=0)
    return [finding("error", "press-font", N_("font {name} is not embedded"), press_where(),
                    N_("the plant would substitute it: this is a pinban bug, please report it"), args={"name": name})
            for name, embedded in sorted(fonts.items()) if not embedded]


# --- colours and images, from the content streams -----------------------------------------------


@dataclass
class Graphics:
    ctm: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    fill: tuple[str, tuple[float, ...]] = ("/DeviceGray", (0.0,))
    stroke: tuple[str, tuple[float, ...]] = ("/DeviceGray", (0.0,))


@dataclass
class PageColours:
    """What one page draws: the colour spaces that are not for print, text colours, images."""

    rgb: set[str] = field(default_factory=set)
    text_colours: set[tuple[str, tuple[float, ...]]] = field(default_factory=set)
    images: list[tuple[str, int, int, tuple[float, ...]]] = field(default_factory=list)  # space, w, h, ctm
    transparency: bool = False


def content_findings(reader: Any, display: DisplayList, press: PressStyle) -> list[Finding]:
    out = []
    for page, laid in zip(reader.pages, display.pages):
        seen = PageColours()
        walk(page.get_contents(), page.get("/Resources"), Graphics(), seen, reader, depth=0)
        out += colour_findings(seen, laid.name) + image_findings(seen, laid, press)
    return out


def colour_findings(seen: PageColours, page: str) -> list[Finding]:
    hint = BUG
    out = []
    if seen.rgb:
        out.append(finding("error", "press-rgb", N_("RGB in the page content ({spaces})"),
                           press_where(page), hint, args={"spaces": ", ".join(sorted(seen.rgb))}))
    rich = sorted({f"{space[1:]} {' '.join(f'{v:g}' for v in values)}" for space, values in seen.text_colours
                   if not k_only(space, values)})
    if rich:
        out.append(finding("error", "press-text-colour", N_("text not in K alone: {colours}"),
                           press_where(page), N_("type must print from the black plate only (文字单黑)"),
                           args={"colours": "; ".join(rich[:3])}))
    if seen.transparency:
        out.append(finding("error", "press-transparency", N_("transparency, which PDF/X-1a does not allow"),
                           press_where(page), hint))
    return out


def k_only(space: str, values: tuple[float, ...]) -> bool:
    if space == "/DeviceGray":
        return True
    return space == "/DeviceCMYK" and len(values) == 4 and max(values[:3]) <= 0


def image_findings(seen: PageColours, laid: Any, press: PressStyle) -> list[Finding]:
    out = []
    for space, width, height, ctm in seen.images:
        picture = picture_at(laid, ctm)
        name = picture.photo_id if picture else "?"
        if space not in ("/DeviceCMYK", "/DeviceGray"):
            out.append(finding("error", "press-image-colour", N_("photo {name} is {space}, not CMYK or grey"),
                               press_where(laid.name), BUG, args={"name": name, "space": space[1:]}))
        w_in, h_in = math.hypot(ctm[0], ctm[1]) / 72, math.hypot(ctm[2], ctm[3]) / 72
        ppi = min(width / w_in, height / h_in) if w_in and h_in else math.inf
        # a source too small for the bound is the layout check's photo-resolution; here the
        # plant file must not have lost resolution below the bound that the source had
        bound = min(press.min_ppi, source_ppi(picture)) if picture else press.min_ppi
        if ppi < bound - 0.5:
            out.append(finding("error", "press-resolution", N_("photo {name} prints at {ppi:.0f} ppi, under {bound:.0f}"),
                               press_where(laid.name), BUG, args={"name": name, "ppi": ppi, "bound": bound}))
    return out


def source_ppi(p: Any) -> float:
    """The photo's own resolution as placed: its crop's pixels over the placed size."""
    _, _, cw, ch = p.crop
    return min(cw / (p.width / 72), ch / (p.height / 72)) if p.width and p.height else math.inf


def picture_at(laid: Any, ctm: tuple[float, ...]) -> Any:
    """The picture an image is drawn for, by where its centre falls (PDF y grows upwards)."""
    x = ctm[4] + (ctm[0] + ctm[2]) / 2
    y = laid.height - (ctm[5] + (ctm[1] + ctm[3]) / 2)
    return picture_containing(laid, x, y)


def walk(contents: Any, resources: Any, g: Graphics, seen: PageColours, reader: Any, depth: int) -> None:
    """Follow one content stream (and the forms it draws) with the graphics state that matters here."""
    if contents is None or depth > 8:
        return
    resources = resources.get_object() if resources is not None else {}
    stack: list[Graphics] = []
    for operands, op in content_operations(contents, reader):
        if op == b"q":
            stack.append(Graphics(g.ctm, g.fill, g.stroke))
        elif op == b"Q" and stack:
            g = stack.pop()
        elif op == b"cm":
            g.ctm = multiply(tuple(float(v) for v in operands), g.ctm)
        elif op in TEXT_OPS:
            seen.text_colours.add(g.fill)
        elif op == b"Do":
            draw_xobject(resources, str(operands[0]), g, seen, reader, depth)
        elif op == b"gs":
            seen.transparency |= is_transparent(resources, str(operands[0]))
        else:
            set_colour(op, operands, g, resources, seen)


def content_operations(contents: Any, reader: Any) -> list[tuple[list, bytes]]:
    """A content stream's (operands, operator) in order, as pypdf's ContentStream gives them for
    what this check reads (numbers as int or float, names as "/name" strings, strings and arrays
    as placeholders), read by one regular expression: pypdf builds an object for every string of
    every text line, four fifths of the preflight's time. A stream with an inline image is read by
    pypdf itself."""
    operations = quick_operations(contents.get_data())
    if operations is None:
        from pypdf.generic import ContentStream

        return ContentStream(contents, reader).operations
    return operations


CONTENT_TOKEN = re.compile(rb"""
    [\0\t\n\f\r ]+ | %[^\r\n]*                               # space, comment
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+))(?![^\0\t\n\f\r ()<>\[\]{}/%])
  | (?P<name>/[^\0\t\n\f\r ()<>\[\]{}/%]*)
  | (?P<open><<|\[) | (?P<close>>>|\])
  | (?P<hex><[^<>]*>)
  | (?P<string>\()
  | (?P<word>[^\0\t\n\f\r ()<>\[\]{}/%]+)
""", re.VERBOSE)
STRING = "(string)"  # what stands for a string or an array among the operands


def quick_operations(data: bytes) -> list[tuple[list, bytes]] | None:
    """CONTENT_TOKEN's reading of `data`; None where an inline image (BI … ID … EI) or something
    not read here (an unbalanced string or bracket) leaves it to pypdf."""
    operations: list[tuple[list, bytes]] = []
    operands: list = []
    nested = 0  # inside arrays or dictionaries: their contents are one operand
    at, end = 0, len(data)
    while at < end:
        match = CONTENT_TOKEN.match(data, at)
        if match is None:
            return None
        at = match.end()
        kind = match.lastgroup
        if kind is None:
            continue
        if kind == "string":
            at = string_end(data, at)
            if at < 0:
                return None
            value: Any = STRING
        elif kind == "open":
            nested += 1
            continue
        elif kind == "close":
            nested -= 1
            if nested < 0:
                return None
            value = STRING
        elif kind == "number":
            text = match.group(kind)
            value = float(text) if b"." in text else int(text)
        elif kind == "name":
            value = name_text(match.group(kind))
        elif kind == "hex":
            value = STRING
        else:
            word = match.group(kind)
            if word == b"BI":
                return None
            if nested:  # true, false or null inside an array or dictionary
                continue
            operations.append((operands, word))  # as pypdf, any word outside them, null too
            operands = []
            continue
        if not nested:
            operands.append(value)
    return None if nested or operands else operations


def string_end(data: bytes, at: int) -> int:
    """Where a literal string whose "(" ends at `at` closes (balanced parentheses, backslash escapes)."""
    depth, end = 1, len(data)
    while at < end:
        c = data[at]
        if c == 0x5C:  # backslash
            at += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if not depth:
                return at + 1
        at += 1
    return -1


def name_text(raw: bytes) -> str:
    """A name as pypdf's NameObject reads it: #xx escapes undone, UTF-8 (else Latin-1)."""
    if b"#" in raw:
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def set_colour(op: bytes, operands: list, g: Graphics, resources: Any, seen: PageColours) -> None:
    stroke = op[:1].isupper()
    kind = op.lower()
    if kind in (b"rg", b"g", b"k"):
        space = {b"rg": "/DeviceRGB", b"g": "/DeviceGray", b"k": "/DeviceCMYK"}[kind]
        colour = (space, tuple(float(v) for v in operands))
    elif kind == b"cs":
        colour = (colour_space(resources, operands[0]), ())
    elif kind in (b"sc", b"scn"):
        current = g.stroke if stroke else g.fill
        colour = (current[0], tuple(float(v) for v in operands if isinstance(v, int | float)))
    else:
        return
    if colour[0] not in ALLOWED_SPACES:
        seen.rgb.add(colour[0].lstrip("/"))
    if stroke:
        g.stroke = colour
    else:
        g.fill = colour


def colour_space(resources: Any, name: Any) -> str:
    """The family of a colour space by name: /DeviceRGB, /ICCBased, /Separation …"""
    name = str(name)
    if name in ("/DeviceRGB", "/DeviceGray", "/DeviceCMYK", "/Pattern"):
        return name
    space = (resources.get("/ColorSpace") or {}).get(name)
    space = space.get_object() if space is not None else None
    if space is None:
        return name
    family = space[0] if isinstance(space, list) else space
    return str(family)


def draw_xobject(resources: Any, name: str, g: Graphics, seen: PageColours, reader: Any, depth: int) -> None:
    xobject = (resources.get("/XObject") or {}).get(name)
    if xobject is None:
        return
    xobject = xobject.get_object()
    if xobject.get("/Subtype") == "/Image":
        space = xobject.get("/ColorSpace")
        space = str(space.get_object()[0] if isinstance(space.get_object(), list) else space) if space else "/Mask"
        seen.images.append((space, int(xobject["/Width"]), int(xobject["/Height"]), g.ctm))
        if xobject.get("/SMask") is not None:
            seen.transparency = True
    elif xobject.get("/Subtype") == "/Form":
        matrix = tuple(float(v) for v in xobject.get("/Matrix", (1, 0, 0, 1, 0, 0)))
        inner = Graphics(multiply(matrix, g.ctm), g.fill, g.stroke)
        walk(xobject, xobject.get("/Resources", resources), inner, seen, reader, depth + 1)


def is_transparent(resources: Any, name: str) -> bool:
    state = (resources.get("/ExtGState") or {}).get(name)
    state = state.get_object() if state is not None else {}
    soft = state.get("/SMask")
    blend = str(state.get("/BM", "/Normal"))
    return (float(state.get("/ca", 1)) < 1 or float(state.get("/CA", 1)) < 1
            or (soft is not None and str(soft) != "/None") or blend not in ("/Normal", "/Compatible"))


def multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """m × n for PDF matrices [a b c d e f]."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


# --- ink, from Ghostscript's separations -----------------------------------------------------------


@dataclass
class Separations:
    folder: tempfile.TemporaryDirectory | None
    process: subprocess.Popen | None
    problem: str = ""


def start_separations(pdf: Path) -> Separations:
    """Ghostscript renders the bleed box of each page as a CMYK TIFF, in the background."""
    gs = shutil.which("gs")
    if gs is None:
        return Separations(None, None, "Ghostscript (gs) is not installed")
    folder = tempfile.TemporaryDirectory(prefix="pinban-press-")
    command = [gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiff32nc", f"-r{INK_DPI}", "-dUseBleedBox",
               "-o", str(Path(folder.name) / "page%d.tif"), str(pdf)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Separations(folder, process)


def read_separations(render: Separations) -> list[Any]:
    """The CMYK images of the pages; ValueError with Ghostscript's complaint when it failed."""
    from PIL import Image

    try:
        _, err = render.process.communicate(timeout=GHOSTSCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        render.process.kill()
        render.process.communicate()
        raise ValueError(f"Ghostscript took over {GHOSTSCRIPT_TIMEOUT} s") from None
    if render.process.returncode:
        raise ValueError(f"Ghostscript failed: {err.decode(errors='replace').strip().splitlines()[-1:]}")
    pages = []
    for path in sorted(Path(render.folder.name).glob("page*.tif"), key=lambda p: int(p.stem[4:])):
        with Image.open(path) as im:
            pages.append(im.copy())
    return pages


def ink_findings(render: Separations, display: DisplayList, style: Style) -> list[Finding]:
    try:
        if render.problem:
            raise ValueError(render.problem)
        pages = read_separations(render)
    except (ValueError, OSError) as exc:
        return [finding("warning", "press-ink-unmeasured", N_("ink not measured: {reason}"), press_where(),
                        N_("install ghostscript (tools/sysdeps.sh)"), args={"reason": str(exc)})]
    finally:
        if render.folder is not None:
            render.folder.cleanup()
    out = []
    for image, laid in zip(pages, display.pages):
        ink = max_ink(image)
        if ink > style.press.ink_limit:
            out.append(finding("error", "press-ink", N_("{ink:.0f} % total ink, over the limit of {limit:g} %"),
                               press_where(laid.name), BUG, args={"ink": ink, "limit": style.press.ink_limit}))
        out += text_ink_findings(image, laid, style)
    # nothing to say when all is well: the build's findings (no Ghostscript) and check's agree
    return out


def max_ink(cmyk: Any) -> float:
    """The largest C+M+Y+K of any pixel, in %."""
    from PIL import ImageMath

    c, m, y, k = cmyk.split()
    total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k)
    return total.getextrema()[1] / 255 * 100


def text_ink_findings(cmyk: Any, laid: Any, style: Style) -> list[Finding]:
    """No C, M or Y where a body line stands: the first such line of the page is named."""
    from .layout import line_finding

    colour = colour_plates(cmyk)
    scale = INK_DPI / 72
    for frame in laid.frames:
        if frame.kind != "column":
            continue
        for i, line in enumerate(frame.lines):
            if line.kind != "body" or not line.spans:
                continue
            size = line.spans[0].size
            box = tuple(round((v + style.bleed) * scale) for v in
                        (line.x, line.baseline - 0.8 * size, line.x + line.measure, line.baseline + 0.1 * size))
            if box[2] > box[0] and box[3] > box[1] and colour.crop(box).getextrema()[1] > 0:
                return [line_finding("error", "press-text-ink", "C/M/Y ink under body text", "type must print from "
                                     "the black plate only (文字单黑)", laid.name, frame, line, i)]
    return []


def colour_plates(cmyk: Any) -> Any:
    """One band: the most of C, M or Y at each pixel."""
    from PIL import ImageChops

    c, m, y, _ = cmyk.split()
    return ImageChops.lighter(ImageChops.lighter(c, m), y)
