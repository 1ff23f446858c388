"""Preflight and audit: what is wrong with an edition before the plant sees it.

Three layers, each returning `Finding`s (never raising for bad content):
- `check_sources`: the loaded edition — schema notices, photos, glyph coverage, text;
- layout: the display list — overset/underset, 孤字, widows, heads at a column foot, photo ppi;
- output: the PDF read back — every character drawn, in order; every font embedded.
`check_edition` runs all three; `format_findings` prints them for people.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import PinbanError
from .model import BODY, INTRO, SECTION, SUBSECTION, Edition, Finding, Photo
from .style import Style

if TYPE_CHECKING:  # the display list pulls in the composer; only types are needed here
    from .display import DisplayList, Frame, TextLine

SEVERITIES = ("error", "warning", "info")


class HasChar(Protocol):
    def has_char(self, ch: str) -> bool: ...


class Progress(Protocol):
    def step(self, text: str) -> None: ...
    def detail(self, text: str) -> None: ...


# --- character classes ----------------------------------------------------------------------

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# CJK punctuation as used in Chinese text, including the curly quotes and the interpunct.
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u00b7\u2014\u2026\u2022"
HAN_RE = re.compile(f"[{HAN}]")
CJK_RE = re.compile(f"[{HAN}{CJK_PUNCT}]")
PUNCT_RE = re.compile(f"[{CJK_PUNCT}!-/:-@\\[-`{{-~\\s]")


def is_han(ch: str) -> bool:
    return bool(HAN_RE.fullmatch(ch))


def is_cjk(ch: str) -> bool:
    return bool(CJK_RE.fullmatch(ch))


def is_punct(ch: str) -> bool:
    return bool(PUNCT_RE.fullmatch(ch))


# --- the texts of an edition, with their anchors ---------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of a unit's text drawn with one face."""

    start: int
    end: int
    face: str  # face key in the style


@dataclass(frozen=True)
class TextUnit:
    """One printed text of the edition: a report block, a caption, a headline part, furniture.

    `block_id` and offsets are what the DOCX export anchors comments to; `kind` picks the rules
    (a deliberate space between two phrases is fine in a title or caption, not in body text)."""

    block_id: str  # "b012", "photo.p03", "headline.title", "furniture.section": the ids of the layout and the DOCX
    kind: str  # body, intro, section, subsection, caption, credit, kicker, title, subtitle, header
    text: str
    where: str  # "report.md:23"
    segments: tuple[Segment, ...]
    checked: bool = True  # False for text pinban makes itself (dates): glyphs only


def text_units(edition: Edition, style: Style) -> list[TextUnit]:
    units: list[TextUnit] = []
    toml = TomlLines(edition.root / "edition.toml")
    hl = edition.headline
    for kind, text in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)):
        if text:
            where = toml.key(hl.source.line, kind)
            units.append(plain_unit(f"headline.{kind}", kind, text, where, style.para(kind).face))
    for block in edition.blocks:
        para = style.para(block.kind)
        segments, pos = [], 0
        for run in block.runs:
            segments.append(Segment(pos, pos + len(run.text), para.bold_face if run.bold else para.face))
            pos += len(run.text)
        units.append(TextUnit(block.id, block.kind, block.text, str(block.source), tuple(segments)))
    caption_face = style.para("caption").face
    for photo in edition.photos:
        where = toml.key(photo.source.line, "caption")
        units.append(plain_unit(f"photo.{photo.id}", "caption", photo.caption, where, caption_face))
        if photo.credit:
            where = toml.key(photo.source.line, "credit")
            units.append(plain_unit(f"photo.{photo.id}.credit", "credit", photo.credit, where, caption_face))
    units.extend(furniture_units(edition, style, toml))
    return units


def furniture_units(edition: Edition, style: Style, toml: TomlLines) -> list[TextUnit]:
    """Page header (报眉) and credits: checked for glyphs; the text rules apply to the section name."""
    face = style.para("header").face
    ed = toml.header("edition")
    units = [plain_unit("furniture.section", "header", edition.section, toml.key(ed, "section"), face)]
    made = f"{edition.date_text} {edition.weekday}"
    units.append(plain_unit("furniture.date", "header", made, toml.key(ed, "date"), face, checked=False))
    for page in edition.pages:
        units.append(plain_unit(f"furniture.page.{page}", "header", page, toml.key(ed, "pages"), style.header_number_face,
                                checked=False))
    for i, credit in enumerate(edition.credits):
        where = toml.key(toml.header("credits", i), "names")
        units.append(plain_unit(f"furniture.credits.{i + 1}", "credit", credit.text, where, face))
    return units


def plain_unit(block_id: str, kind: str, text: str, where: str, face: str, checked: bool = True) -> TextUnit:
    return TextUnit(block_id, kind, text, where, (Segment(0, len(text), face),), checked)


class TomlLines:
    """Finds edition.toml:N of a key: the model keeps only a table's line, and the key's own
    line is what an editor wants."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        try:
            self.lines = re.split(r"\r\n|\r|\n", path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            self.lines = []

    def header(self, table: str, index: int = 0) -> int:
        pat = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]")
        hits = [i + 1 for i, line in enumerate(self.lines) if pat.match(line)]
        return hits[index] if index < len(hits) else 0

    def key(self, table_line: int, key: str) -> str:
        pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        if table_line:
            for i in range(table_line + 1, len(self.lines) + 1):
                line = self.lines[i - 1].lstrip()
                if line.startswith("[") and not line.startswith("[photos."):
                    break
                if pat.match(line):
                    return f"{self.name}:{i}"
        return f"{self.name}:{table_line}" if table_line else self.name


def text_finding(unit: TextUnit, severity: str, code: str, message: str, start: int, end: int, hint: str) -> Finding:
    return Finding(severity, code, message, unit.where, hint, unit.block_id, start, end)


def excerpt(text: str, start: int, end: int, around: int = 6) -> str:
    """The spot with a little context, for messages: …前文【错处】后文…"""
    left = text[max(0, start - around) : start]
    right = text[end : end + around]
    return f"{'…' if start > around else ''}{left}【{text[start:end]}】{right}{'…' if end + around < len(text) else ''}"


# --- check_sources --------------------------------------------------------------------------


def check_sources(edition: Edition, style: Style, faces: Mapping[str, HasChar]) -> list[Finding]:
    """Everything that can be said before layout: loader notices, photos, glyphs, text."""
    findings = list(edition.notices)
    findings += check_photos(edition, style)
    units = text_units(edition, style)
    findings += check_glyphs(units, style, faces)
    findings += check_text(units)
    return findings


# --- photos ---------------------------------------------------------------------------------

HUGE_PIXELS = 60_000_000  # far beyond any placement at 300 ppi on a broadsheet page
REFUSED_PIXELS = 250_000_000  # a decompression bomb rather than a photo
MIN_PPI = 150.0
GOOD_PPI = 200.0


@dataclass(frozen=True)
class ImageKind:
    """What a photo file is, for the colour note: format, pixel mode, ICC profile."""

    format: str
    mode: str
    icc: str

    def __str__(self) -> str:
        return f"{self.format}, {self.mode}, {self.icc}"


def check_photos(edition: Edition, style: Style) -> list[Finding]:
    findings: list[Finding] = []
    kinds: dict[ImageKind, list[tuple[Photo, tuple[int, int]]]] = {}
    for photo in edition.photos:
        if photo.path is None:  # a missing file is already a loader notice
            continue
        found, kind, size = inspect_photo(photo, style)
        findings += found
        if kind is not None:
            kinds.setdefault(kind, []).append((photo, size))
    return findings + [colour_note(kind, photos) for kind, photos in kinds.items()]


def colour_note(kind: ImageKind, photos: list[tuple[Photo, tuple[int, int]]]) -> Finding:
    """One note per kind of file (JPEG, RGB, no ICC profile …), not one per photo."""
    if len(photos) == 1:
        photo, (w, h) = photos[0]
        return photo_finding(photo, "info", "photo-colour", f"{w}×{h} px, {kind}")
    ids = ", ".join(photo.id for photo, _ in photos)
    return Finding("info", "photo-colour", f"photos {ids}: {kind}", str(photos[0][0].source))


def photo_finding(photo: Photo, severity: str, code: str, message: str, hint: str = "") -> Finding:
    # Anchored to the photo (photo.<id>, no offsets) so the proof boxes it and the DOCX comments
    # on its caption; the colour notes on every photo stay unanchored, they ask nothing of anyone.
    anchor = f"photo.{photo.id}" if severity != "info" else ""
    return Finding(severity, code, f"photo {photo.id} ({photo.rel}): {message}", str(photo.source), hint, anchor)


def inspect_photo(photo: Photo, style: Style) -> tuple[list[Finding], ImageKind | None, tuple[int, int]]:
    from PIL import Image, ImageFile

    assert photo.path is not None
    # WeasyPrint switches Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when imported;
    # a truncated photo must still be found corrupt here.
    truncated, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        return inspect_image(photo, style, Image)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated


def inspect_image(photo: Photo, style: Style, Image) -> tuple[list[Finding], ImageKind | None, tuple[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning: we report size ourselves
        try:
            with Image.open(photo.path) as im:
                size = im.size  # before decoding: a JPEG is decoded at reduced size
                kind = ImageKind(im.format or "image", im.mode, icc_name(im))
                return image_findings(photo, im, size, style), kind, size
        except Image.DecompressionBombError:
            return [photo_finding(photo, "error", "photo-huge", "refused: too many pixels to decode safely",
                                  "scale it down to at most 6000 px on the long side")], None, (0, 0)
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            return [photo_finding(photo, "error", "photo-unreadable", f"not an image pinban can read ({exc})",
                                  "save it again as JPEG or PNG")], None, (0, 0)


def image_findings(photo: Photo, im: Any, size: tuple[int, int], style: Style) -> list[Finding]:
    findings = size_findings(photo, *size, style)
    decoded = decode_error(im)
    if decoded:
        findings.append(photo_finding(photo, "error", "photo-corrupt", f"the file is damaged ({decoded})",
                                      "export the photo again from the original"))
    if has_alpha(im):
        findings.append(photo_finding(photo, "warning", "photo-alpha", "has an alpha channel (transparency)",
                                      "print has no transparency: flatten it onto white and save as JPEG"))
    if im.mode not in ("RGB", "L", "CMYK", "RGBA", "LA", "P", "1"):
        findings.append(photo_finding(photo, "warning", "photo-mode", f"unusual pixel mode {im.mode}",
                                      "save it as 8-bit RGB or CMYK"))
    return findings


def size_findings(photo: Photo, w: int, h: int, style: Style) -> list[Finding]:
    # A photo is at least one column wide; below that at 150 ppi no placement can print it.
    min_px = int(style.column_width / 72 * MIN_PPI)
    if w * h > REFUSED_PIXELS:
        return [photo_finding(photo, "error", "photo-huge", f"{w}×{h} px is too large to decode safely",
                              "scale it down to at most 6000 px on the long side")]
    if w * h > HUGE_PIXELS:
        return [photo_finding(photo, "warning", "photo-huge",
                              f"{w}×{h} px ({w * h / 1e6:.0f} Mpx) is far more than print needs and slows every build",
                              "scale it down to at most 6000 px on the long side")]
    if min(w, h) < min_px * 0.5 or w < min_px:
        return [photo_finding(photo, "error", "photo-tiny",
                              f"{w}×{h} px is too small to print (one column needs {min_px} px at {MIN_PPI:.0f} ppi)",
                              "get the original, full-size photo")]
    return []


def icc_name(im: Any) -> str:
    profile = im.info.get("icc_profile")
    if not profile:
        return "no ICC profile (taken as sRGB)"
    try:
        from PIL import ImageCms

        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(_bytes_io(profile))).strip()
        return f"ICC profile {desc}"
    except Exception:  # noqa: BLE001 — a broken profile is still worth naming, not fatal
        return "an unreadable ICC profile"


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


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


# --- glyph coverage -------------------------------------------------------------------------


def check_glyphs(units: list[TextUnit], style: Style, faces: Mapping[str, HasChar]) -> list[Finding]:
    """A character the face for that text cannot draw: once per character per text."""
    findings: list[Finding] = []
    for unit in units:
        seen: set[tuple[str, str]] = set()
        for seg in unit.segments:
            face = faces.get(seg.face)
            if face is None:
                continue
            for i in range(seg.start, seg.end):
                ch = unit.text[i]
                if ch.isspace() or (ch, seg.face) in seen or face.has_char(ch):
                    continue
                seen.add((ch, seg.face))
                findings.append(glyph_finding(unit, i, ch, family_of(style, seg.face)))
    return findings


def glyph_finding(unit: TextUnit, i: int, ch: str, family: str) -> Finding:
    return text_finding(
        unit, "error", "glyph-missing",
        f"{family} cannot draw {ch} (U+{ord(ch):04X}) in {excerpt(unit.text, i, i + 1)}",
        i, i + 1, "replace the character (emoji and rare characters have no glyph in the house faces)",
    )


def family_of(style: Style, key: str) -> str:
    try:
        return style.face(key).family
    except PinbanError:
        return key


# --- text rules -----------------------------------------------------------------------------


def check_text(units: list[TextUnit]) -> list[Finding]:
    checked = [u for u in units if u.checked]
    findings: list[Finding] = []
    for i, unit in enumerate(checked):
        following = checked[i + 1] if i + 1 < len(checked) else None
        findings += halfwidth_punct(unit)
        findings += straight_quotes(unit)
        findings += unbalanced_marks(unit, following)
        findings += doubled_phrases(unit)
        findings += doubled_punct(unit)
        findings += spaces(unit)
        findings += fullwidth_alnum(unit)
        findings += invisible_chars(unit)
        findings += markup(unit)
    findings += mixed_quote_styles(checked)
    findings += mixed_year_styles(checked)
    findings += mixed_dates(checked)
    return findings


FULLWIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）", ".": "。"}


def halfwidth_punct(unit: TextUnit) -> list[Finding]:
    """`,;:!?()` beside a Chinese character, and `.` ending a Chinese clause (not 3.5, not e.g.)."""
    text, out = unit.text, []
    for i, ch in enumerate(text):
        if ch not in FULLWIDTH:
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if ch == ".":
            hit = is_han(before) and (not after or is_cjk(after) or after.isspace())
        else:
            hit = is_cjk(before) or is_cjk(after)
        if hit:
            out.append(text_finding(unit, "warning", "punct-halfwidth",
                                    f"half-width {ch} in Chinese text: {excerpt(text, i, i + 1)}",
                                    i, i + 1, f"use the full-width {FULLWIDTH[ch]}"))
    return out


def straight_quotes(unit: TextUnit) -> list[Finding]:
    text, out = unit.text, []
    for m in re.finditer(r"[\"']", text):
        i = m.start()
        near = text[max(0, i - 1) : i + 2]
        if any(is_cjk(c) for c in near):
            out.append(text_finding(unit, "warning", "quote-straight",
                                    f"straight quote {m.group()} in Chinese text: {excerpt(text, i, i + 1)}",
                                    i, i + 1, "use “ ” (and ‘ ’ inside them)"))
    return out


PAIRS = {"“": "”", "‘": "’", "（": "）", "《": "》", "〈": "〉", "【": "】", "「": "」", "『": "』", "〔": "〕"}
CLOSERS = {v: k for k, v in PAIRS.items()}


def unbalanced_marks(unit: TextUnit, following: TextUnit | None) -> list[Finding]:
    """Quotes, brackets and title marks that do not pair up within the text."""
    stack: list[tuple[str, int]] = []
    out: list[Finding] = []
    for i, ch in enumerate(unit.text):
        if ch in PAIRS:
            stack.append((ch, i))
        elif ch in CLOSERS:
            if stack and stack[-1][0] == CLOSERS[ch]:
                stack.pop()
            elif any(opener == CLOSERS[ch] for opener, _ in stack):  # crossed pairs: close back to it
                while stack[-1][0] != CLOSERS[ch]:
                    stack.pop()
                stack.pop()
                out.append(pair_finding(unit, i, f"{ch} closes across another open mark"))
            else:
                out.append(pair_finding(unit, i, f"{ch} has no opening {CLOSERS[ch]}"))
    for opener, i in stack:
        # GB/T 15834: a quotation over several paragraphs opens each one and closes only the last.
        continued = i == 0 and following is not None and following.kind == unit.kind and following.text.startswith(opener)
        if not continued:
            out.append(pair_finding(unit, i, f"{opener} is never closed"))
    return out


def pair_finding(unit: TextUnit, i: int, what: str) -> Finding:
    return text_finding(unit, "warning", "marks-unbalanced", f"{what}: {excerpt(unit.text, i, i + 1)}", i, i + 1,
                        "add the missing mark or delete the stray one")


# ABAB reduplication that is meant (研究研究, 一步一步): never reported as a doubled phrase.
REDUPLICABLE = frozenset({
    "研究", "讨论", "商量", "考虑", "学习", "休息", "活动", "锻炼", "打听", "收拾", "整理", "介绍", "了解", "检查",
    "准备", "练习", "比较", "思考", "琢磨", "交流", "认识", "体验", "放松", "打扫", "清理", "看看", "试试", "非常",
    "雪白", "通红", "冰凉", "笔直", "碧绿", "火红", "漆黑", "滚烫", "崭新", "蔚蓝",
})
DOUBLED_RE = re.compile(f"([{HAN}]{{2,16}})\\1")


def doubled_phrases(unit: TextUnit) -> list[Finding]:
    """A word or phrase written twice in a row: 区政协举办区政协举办 (a paste or extraction slip).

    Single characters are never reported (人人参与, 常常), nor AA-type units (人人人人), units
    starting with 一 (一步一步), nor known ABAB verbs and adjectives (研究研究, 雪白雪白)."""
    out = []
    for m in DOUBLED_RE.finditer(unit.text):
        phrase = m.group(1)
        if len(set(phrase)) == 1 or phrase.startswith("一") or phrase in REDUPLICABLE:
            continue
        out.append(text_finding(unit, "warning", "doubled-phrase",
                                f"“{phrase}” written twice in a row: {excerpt(unit.text, m.start(), m.end())}",
                                m.start(1) + len(phrase), m.end(), "delete the repeat unless it is meant"))
    return out


DOUBLED_PUNCT_RE = re.compile(r"([，。、；：“”‘’《》（）〔〕【】「」『』])\1")


def doubled_punct(unit: TextUnit) -> list[Finding]:
    """，， or ““ (a slip); ？？ ！！ —— …… are legitimate and not matched."""
    return [
        text_finding(unit, "warning", "doubled-punct", f"{m.group(1)} twice: {excerpt(unit.text, m.start(), m.end())}",
                     m.start() + 1, m.end(), "delete one")
        for m in DOUBLED_PUNCT_RE.finditer(unit.text)
    ]


SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
PHRASE_KINDS = frozenset({"kicker", "title", "subtitle", "caption", "header", "credit"})


def spaces(unit: TextUnit) -> list[Finding]:
    """Spaces beside Chinese text. A single space between two Chinese phrases is a deliberate
    separator in a headline or caption (凝心聚力共奋进 履职尽责谱新篇), or inside quotation or
    title marks in any text (“翰墨联京蒙 丹青绘同心”); anywhere else it is a slip. A space
    between Chinese and Latin or digits is always reported: the composer sets that gap (rule 18)."""
    text, out = unit.text, []
    depth = quote_depths(text)
    for m in SPACE_RE.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if not (is_cjk(before) or is_cjk(after)) or not before or not after:
            continue
        if is_cjk(before) and is_cjk(after):
            phrase_gap = m.group() in (" ", "\u3000") and is_han(before) and is_han(after)
            if phrase_gap and (unit.kind in PHRASE_KINDS or depth[m.start()] > 0):
                continue
            code, hint = "space-cjk", "delete the space (Chinese text has no spaces between characters)"
        else:
            code, hint = "space-cjk-latin", "delete the space: the house style sets the gap between Chinese and Latin or digits"
        out.append(text_finding(unit, "warning", code, f"space in {excerpt(text, m.start(), m.end())}",
                                m.start(), m.end(), hint))
    return out


def quote_depths(text: str) -> list[int]:
    """Per position, how many quotation or title marks are open there."""
    depths, depth = [], 0
    for ch in text:
        if ch in "“‘《〈「『":
            depth += 1
        elif ch in "”’》〉」』":
            depth = max(0, depth - 1)
        depths.append(depth)
    return depths


FULLWIDTH_ALNUM_RE = re.compile(r"[０-９]+|[Ａ-Ｚａ-ｚ]+")


def fullwidth_alnum(unit: TextUnit) -> list[Finding]:
    out = []
    for m in FULLWIDTH_ALNUM_RE.finditer(unit.text):
        plain = "".join(chr(ord(c) - 0xFEE0) for c in m.group())
        digits = m.group()[0].isdigit()
        code = "number-fullwidth" if digits else "latin-fullwidth"
        what = "digits" if digits else "letters"
        out.append(text_finding(unit, "warning", code, f"full-width {what} {m.group()}",
                                m.start(), m.end(), f"write {plain} (GB/T 15835: half-width Arabic digits)"))
    return out


INVISIBLE_RE = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f]")


def invisible_chars(unit: TextUnit) -> list[Finding]:
    return [
        text_finding(unit, "warning", "invisible-char", f"invisible character U+{ord(m.group()):04X} in "
                     f"{excerpt(unit.text, m.start(), m.end())}", m.start(), m.end(), "delete it (it came with a copy-paste)")
        for m in INVISIBLE_RE.finditer(unit.text)
    ]


MARKUP_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|\[[^\]]+\]\([^)]+\)")


def markup(unit: TextUnit) -> list[Finding]:
    """HTML tags, entities or Markdown links: pinban prints them literally, which is rarely meant."""
    return [
        text_finding(unit, "warning", "markup-in-text", f"markup {m.group()[:40]} prints literally",
                     m.start(), m.end(), "remove it; report.md takes plain text with **bold** leads only")
        for m in MARKUP_RE.finditer(unit.text)
    ]


QUOTE_STYLES = {"“": "curly", "”": "curly", "「": "corner", "」": "corner", "『": "corner", "』": "corner"}


def mixed_quote_styles(units: list[TextUnit]) -> list[Finding]:
    """“ ” and 「 」 in one edition: report every mark of the less used style."""
    marks = [(u, m.start(), QUOTE_STYLES[m.group()]) for u in units for m in re.finditer("[“”「」『』]", u.text)]
    counts = Counter(style for _, _, style in marks)
    if len(counts) < 2:
        return []
    major = "curly" if counts["curly"] >= counts["corner"] else "corner"
    use = "“ ”" if major == "curly" else "「 」"
    return [
        text_finding(u, "warning", "quote-mixed", f"quotation mark {u.text[i]} differs from the edition's {use}",
                     i, i + 1, f"use {use} throughout (GB/T 15834: “ ” outside, ‘ ’ inside)")
        for u, i, style in marks
        if style != major
    ]


ARABIC_YEAR_RE = re.compile(r"(?<![0-9])(1[6-9]|20)[0-9]{2}年")
CHINESE_YEAR_RE = re.compile(r"[〇○零一二三四五六七八九]{4}年")


def mixed_year_styles(units: list[TextUnit]) -> list[Finding]:
    """GB/T 15835: write years one way throughout; with 2024年 in the edition, 二〇二四年 is a finding."""
    arabic = sum(len(ARABIC_YEAR_RE.findall(u.text)) for u in units)
    if not arabic:
        return []
    return [
        text_finding(u, "warning", "number-mixed", f"year {m.group()} in Chinese numerals, elsewhere Arabic (e.g. 2024年)",
                     m.start(), m.end(), "write years in Arabic digits throughout (GB/T 15835)")
        for u in units
        for m in CHINESE_YEAR_RE.finditer(u.text)
    ]


CN_NUM = "〇○零一二三四五六七八九十"
MIXED_DATE_RE = re.compile(f"[0-9]+年[{CN_NUM}]+月|[{CN_NUM}]+年[0-9]+月|[0-9]+月[{CN_NUM}]+日|[{CN_NUM}]+月[0-9]+日")


def mixed_dates(units: list[TextUnit]) -> list[Finding]:
    """A date that mixes Arabic and Chinese numerals (2024年十二月)."""
    return [
        text_finding(u, "warning", "number-mixed", f"date {m.group()} mixes Arabic and Chinese numerals",
                     m.start(), m.end(), "write the whole date one way (GB/T 15835: 2024年12月5日)")
        for u in units
        for m in MIXED_DATE_RE.finditer(u.text)
    ]


# --- check_edition: layout and output -------------------------------------------------------


def check_edition(job: Any, progress: Progress) -> list[Finding]:
    """Sources, then layout, then the rendered PDF. Every failure becomes a finding."""
    progress.step("checking sources")
    findings = check_sources(job.edition, job.style, job.faces)
    progress.step("laying out")
    display, failed = guarded("layout", lambda: _lay_out(job))
    findings += [explained(f, findings) for f in failed]
    if display is None:
        return sort_findings(findings)
    findings += check_layout(display, job.edition, job.style, already=findings)
    progress.step("drawing and reading the PDF back")
    paths, failed = guarded("render", lambda: _render(display, job))
    findings += failed
    pdf = next((Path(p) for p in paths or () if Path(p).name == "spread.pdf"), None)
    if pdf is not None:
        findings += audit_pdf(pdf, display, job.edition, job.style)
    return sort_findings(findings)


def check_built(job: Any, display: DisplayList, spread: Path | None) -> list[Finding]:
    """What `pinban check` reports, from a layout and a spread.pdf that are already made."""
    findings = check_sources(job.edition, job.style, job.faces)
    findings += check_layout(display, job.edition, job.style, already=findings)
    if spread is not None:
        findings += audit_pdf(spread, display, job.edition, job.style)
    return sort_findings(findings)


def _lay_out(job: Any) -> DisplayList:
    from .layout import lay_out

    return lay_out(job.edition, job.style, job.faces)


def _render(display: DisplayList, job: Any) -> list[Path]:
    from .render import render_outputs

    return list(render_outputs(display, job.style, job.out, job.faces))


def guarded(stage: str, run: Any) -> tuple[Any, list[Finding]]:
    """Run a stage; its failure is a finding, never a traceback (a bug is named as one)."""
    try:
        return run(), []
    except PinbanError as exc:
        return None, [Finding("error", f"{stage}-failed", exc.message, exc.where, exc.hint)]
    except Exception as exc:  # noqa: BLE001 — the user gets one line, not a traceback
        return None, [Finding("error", "internal-error", f"{stage} stopped: {type(exc).__name__}: {exc}", stage,
                              "this is a pinban bug: please report it with the edition folder")]


def explained(failure: Finding, found: list[Finding]) -> Finding:
    """A layout that stops on a character already reported as glyph-missing adds nothing but
    the news that layout and PDF checks were skipped: say that, as a note."""
    points = {m.group() for f in found if f.code == "glyph-missing" for m in re.finditer(r"U\+[0-9A-F]{4,6}", f.message)}
    named = set(re.findall(r"U\+[0-9A-F]{4,6}", failure.message))
    if failure.code != "layout-failed" or not named or not named <= points:
        return failure
    return Finding("info", "layout-skipped", "layout and PDF checks skipped: the composer stops at the missing "
                   f"character{'s' if len(named) > 1 else ''} reported above", failure.where, "fix the glyph-missing errors")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 3)


# --- layout checks --------------------------------------------------------------------------

HEAD_KINDS = frozenset({SECTION, SUBSECTION})


def check_layout(display: DisplayList, edition: Edition, style: Style, already: Iterable[Finding] = ()) -> list[Finding]:
    findings = overset_findings(display)
    if display.overset is None:
        findings += underset_findings(display)
    findings += line_findings(display)
    # A photo refused at the source is not measured again at its placed size.
    refused = {photo_id_of(f) for f in already if f.code in ("photo-tiny", "photo-unreadable", "photo-corrupt")}
    findings += resolution_findings(display, skip=refused)
    findings += coverage_findings(display, edition)
    return findings


def photo_id_of(f: Finding) -> str:
    return f.block_id.removeprefix("photo.") if f.block_id.startswith("photo.") else ""


def overset_findings(display: DisplayList) -> list[Finding]:
    o = display.overset
    if o is None:
        return []
    where = "、".join(o.sections) or "the report"
    return [Finding(
        "error", "overset", f"overset: {o.lines} lines ({o.chars} characters) do not fit, in {where}",
        display.edition, "cut text, drop or shrink a photo, or allow a smaller body size in the house style",
        block_id=o.blocks[0] if o.blocks else "",
    )]


def column_frames(display: DisplayList) -> list[tuple[str, Frame]]:
    return [(p.name, f) for p in display.pages for f in p.frames if f.kind == "column"]


def underset_findings(display: DisplayList) -> list[Finding]:
    """The report ends more than three grid lines above the foot of the last column."""
    cols = column_frames(display)
    if not cols:
        return []
    page, last = cols[-1]
    if not last.lines:
        empty = sum(1 for _, f in cols if not f.lines)
        return [Finding("warning", "underset", f"underset: {empty} column(s) stay empty", f"{page}版·第{last.column}栏",
                        "add text or enlarge a photo; copyfit could not fill the page", page=page,
                        box=(last.x, last.y, last.width, last.height))]
    empty = int((last.y + last.height - last.lines[-1].baseline) / last.leading)  # whole grid lines left
    if empty < 3:
        return []
    return [Finding("warning", "underset", f"underset: the report ends {empty} lines above the column foot",
                    f"{page}版·第{last.column}栏", "add text or enlarge a photo", page=page,
                    box=(last.x, last.lines[-1].baseline, last.width, last.y + last.height - last.lines[-1].baseline))]


def line_where(page: str, frame: Frame, line: TextLine, index: int) -> str:
    if frame.column:
        return f"{page}版·第{frame.column}栏·第{line.number or index + 1}行"
    names = {"intro": "导语", "caption": "图片说明", "headline": "标题", "header": "报眉"}
    return f"{page}版·{names.get(frame.kind, frame.kind)}·第{index + 1}行"


def line_box(frame: Frame, line: TextLine) -> tuple[float, float, float, float]:
    return (line.x, line.baseline - frame.leading * 0.8, line.measure, frame.leading)


def finding_block_id(display_id: str) -> str:
    """Display ids may write photo:p03; findings use the DOCX anchors photo.p03."""
    return display_id.replace(":", ".")


def line_finding(severity: str, code: str, message: str, hint: str, page: str, frame: Frame, line: TextLine,
                 index: int) -> Finding:
    return Finding(severity, code, message, line_where(page, frame, line, index), hint,
                   finding_block_id(line.block_id), line.start, line.end, page, line_box(frame, line))


def line_findings(display: DisplayList) -> list[Finding]:
    """孤字, widows and heads at a column foot, line by line."""
    out: list[Finding] = []
    for page in display.pages:
        for frame in page.frames:
            if frame.kind in ("column", "intro"):
                out += orphan_findings(page.name, frame)
    for page, frame in column_frames(display):
        for i, line in enumerate(frame.lines):
            if i == 0 and line.kind == BODY and line.last and not line.first and short(line, display.body_size):
                out.append(line_finding("warning", "widow", f"a paragraph's short last line “{line.text}” starts the column",
                                        "cut or add a line in the paragraph before", page, frame, line, i))
        if frame.lines and frame.lines[-1].kind in HEAD_KINDS and not is_report_end(display, frame):
            line = frame.lines[-1]
            out.append(line_finding("warning", "head-at-foot", f"head “{line.text}” is the last line of the column",
                                    "move it to the next column (cut or add a line before it)", page, frame, line,
                                    len(frame.lines) - 1))
    return out


def orphan_findings(page: str, frame: Frame) -> list[Finding]:
    return [
        line_finding("warning", "orphan-char", f"孤字: the paragraph ends with “{line.text}” alone on its line",
                     "cut or add a few characters so the last line holds two or more", page, frame, line, i)
        for i, line in enumerate(frame.lines)
        if line.kind in (BODY, INTRO) and line.last and not line.first and orphan(line.text)
    ]


def orphan(text: str) -> bool:
    return sum(1 for ch in text if not is_punct(ch)) == 1


def short(line: TextLine, size: float) -> bool:
    return len(line.text.strip()) <= max(2, int(line.measure / size / 3))


def is_report_end(display: DisplayList, frame: Frame) -> bool:
    cols = [f for _, f in column_frames(display) if f.lines]
    return bool(cols) and cols[-1] is frame


def resolution_findings(display: DisplayList, skip: set[str] = frozenset()) -> list[Finding]:
    """Effective resolution = pixels shown / placed size in inches; below 200 ppi warn, 150 error."""
    out = []
    for page in display.pages:
        for pic in page.pictures:
            if not pic.src or not pic.pixels[0] or pic.photo_id in skip or pic.width <= 0 or pic.height <= 0:
                continue
            _, _, cw, ch = pic.crop
            ppi = min(cw / (pic.width / 72), ch / (pic.height / 72))
            if ppi >= GOOD_PPI:
                continue
            severity = "error" if ppi < MIN_PPI else "warning"
            out.append(Finding(
                severity, "photo-resolution",
                f"photo {pic.photo_id}: {ppi:.0f} ppi at its placed size ({pic.width / 72 * 25.4:.0f}×{pic.height / 72 * 25.4:.0f} mm)",
                f"{page.name}版·图{pic.photo_id}", f"print needs {GOOD_PPI:.0f} ppi: use a larger original or place it smaller",
                block_id=f"photo.{pic.photo_id}", page=page.name, box=(pic.x, pic.y, pic.width, pic.height),
            ))
    return out


def source_texts(edition: Edition) -> dict[str, str]:
    """Block id → the source text the layout must place, for the texts pinban takes from sources."""
    texts = {b.id: b.text for b in edition.blocks}
    texts.update({f"photo.{p.id}": p.caption for p in edition.photos})
    hl = edition.headline
    texts.update({f"headline.{k}": t for k, t in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)) if t})
    return texts


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def coverage_findings(display: DisplayList, edition: Edition) -> list[Finding]:
    """Every source character is placed by the layout (or counted as overset): nothing lost."""
    placed: dict[str, list[TextLine]] = {}
    for _, frame, line in all_lines(display):
        placed.setdefault(finding_block_id(line.block_id), []).append(line)
    overset = set(display.overset.blocks) if display.overset else set()
    out = []
    for block_id, text in source_texts(edition).items():
        if block_id in overset:
            continue
        lines = sorted(placed.get(block_id, []), key=lambda ln: ln.start)
        got = squash("".join(ln.text for ln in lines))
        if got == squash(text):
            continue
        what = f"{len(got)} of {len(squash(text))} characters" if lines else "nothing"
        out.append(Finding("error", "text-lost", f"layout placed {what} of “{text[:20]}…”",
                           block_where(edition, block_id), "this is a pinban bug: please report it", block_id))
    return out


def block_where(edition: Edition, block_id: str) -> str:
    for b in edition.blocks:
        if b.id == block_id:
            return str(b.source)
    return "edition.toml"


def all_lines(display: DisplayList) -> Iterator[tuple[str, Frame, TextLine]]:
    for page in display.pages:
        for frame in page.frames:
            for line in frame.lines:
                yield page.name, frame, line


# --- output audit ---------------------------------------------------------------------------


def audit_pdf(pdf: Path, display: DisplayList, edition: Edition, style: Style) -> list[Finding]:
    from .audit import audit_typography
    from .readback import read_chars

    try:
        chars = read_chars(pdf)  # read once: the fidelity checks and the typography audit share it
        fonts = pdf_fonts(pdf)
    except Exception as exc:  # noqa: BLE001 — an unreadable PDF is itself the finding
        return [Finding("error", "pdf-unreadable", f"the PDF cannot be read back: {exc}", pdf.name,
                        "this is a pinban bug: please report it")]
    pages = ["".join(c.text for c in page) for page in chars]
    typography = audit_typography(pdf, display, chars)
    summary = Finding("info", "pdf-typography", typography.summary(), pdf.name)
    return (fidelity_findings(pages, display) + reading_order_findings(pages, display, edition)
            + font_findings(fonts, style) + typography.findings() + [summary])


def pdf_text(pdf: Path) -> list[str]:
    """Each page's drawn text in content-stream order."""
    from .readback import read_chars

    return ["".join(c.text for c in page) for page in read_chars(pdf)]


def fidelity_findings(pages: list[str], display: DisplayList) -> list[Finding]:
    """Every drawn line of the display list is found in the PDF text, in order within its frame.

    Lines are searched as whole strings (whitespace ignored) after the previous line of the same
    frame: a line found only earlier is out of order; a line not found was not drawn as text."""
    text = squash("".join(pages))
    out: list[Finding] = []
    for page in display.pages:
        for frame in page.frames:
            pos = 0
            for i, line in enumerate(frame.lines):
                want = squash(line.text)
                if not want:
                    continue
                at = text.find(want, pos)
                if at >= 0:
                    pos = at + len(want)
                    continue
                anywhere = text.find(want)
                code, what = ("pdf-order", "is out of order in") if anywhere >= 0 else ("pdf-missing-text", "is missing from")
                out.append(line_finding("error", code, f"“{line.text}” {what} the PDF text",
                                        "this is a pinban bug: please report it with the edition", page.name, frame, line, i))
                if anywhere >= 0:
                    pos = anywhere + len(want)
    return out


def reading_order_findings(pages: list[str], display: DisplayList, edition: Edition) -> list[Finding]:
    """End to end, without the display list: the report's characters (intro, heads, paragraphs)
    appear in the PDF text in source order, and each caption and headline part somewhere.

    A subsequence test, so whatever else the page holds between them (captions between columns,
    line numbers) does no harm; text counted as overset is left out, it is reported already."""
    text = squash("".join(pages))
    overset = set(display.overset.blocks) if display.overset else set()
    out: list[Finding] = []
    pos = 0
    for block in edition.blocks:
        if block.id in overset:
            continue
        end = subsequence_end(text, squash(block.text), pos)
        if end < 0:
            out.append(Finding("error", "pdf-reading-order", f"the text of “{block.text[:16]}…” is not in the PDF in "
                               "reading order", str(block.source), "this is a pinban bug: please report it", block.id))
            continue
        pos = end
    for block_id, part in source_texts(edition).items():
        if not block_id.startswith("b") and block_id not in overset and subsequence_end(text, squash(part), 0) < 0:
            out.append(Finding("error", "pdf-missing-text", f"“{part[:16]}…” is not in the PDF", "edition.toml",
                               "this is a pinban bug: please report it", block_id))
    return out


def subsequence_end(text: str, want: str, pos: int) -> int:
    """Where `want` ends when its characters are found in order in `text` from `pos`; -1 if not."""
    for ch in want:
        pos = text.find(ch, pos)
        if pos < 0:
            return -1
        pos += 1
    return pos


def pdf_fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of every page, forms included."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        collect_fonts(page.get("/Resources"), fonts, depth=0)
    return sorted(fonts.items())


def collect_fonts(resources: Any, fonts: dict[str, bool], depth: int) -> None:
    resources = resources.get_object() if resources is not None else None
    if not resources or depth > 8:
        return
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        name = str(font.get("/BaseFont", "?")).lstrip("/").split("+")[-1]
        fonts[name] = fonts.get(name, False) or font_embedded(font)
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            collect_fonts(xobject.get("/Resources"), fonts, depth + 1)


def font_embedded(font: Any) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are drawn by the PDF itself
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    desc = font.get("/FontDescriptor")
    desc = desc.get_object() if desc is not None else {}
    return any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def font_findings(fonts: list[tuple[str, bool]], style: Style) -> list[Finding]:
    families = [re.sub(r"[^a-z0-9]", "", f.family.lower()) for f in style.faces]
    out = []
    for name, embedded in fonts:
        if not embedded:
            out.append(Finding("error", "font-not-embedded", f"font {name} is not embedded in the PDF", "spread.pdf",
                               "the plant would substitute it: this is a pinban bug, please report it"))
        flat = re.sub(r"[^a-z0-9]", "", name.lower())
        if not any(flat.startswith(f) for f in families):
            out.append(Finding("warning", "font-fallback", f"the PDF uses {name}, which is not a house-style face",
                               "spread.pdf", "some characters fell back to another font: see glyph-missing findings"))
    return out


# --- output for people ----------------------------------------------------------------------

HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Notes"}


def format_findings(findings: list[Finding]) -> str:
    """Grouped by severity, one line each `where: message (hint)`, then a summary line."""
    lines: list[str] = []
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines.append(f"{HEADINGS[severity]} ({len(group)}):")
        lines.extend(f"  {format_one(f)}" for f in group)
    counts = Counter(f.severity for f in findings)
    summary = f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}"
    if counts["info"]:
        summary += f" ({plural(counts['info'], 'note')})"
    lines.append(summary)
    return "\n".join(lines)


def format_one(f: Finding) -> str:
    text = f"{f.where}: {f.message}" if f.where else f.message
    text = text.replace("\n", " ")
    return f"{text} ({f.hint})" if f.hint else text


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
