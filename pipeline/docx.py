"""The proofreaders' draft: an edition as a DOCX (python-docx + lxml) plus its manifest.

Every proofread unit — headline part, page furniture, report paragraph, caption — becomes one
paragraph with a stable ID in a hidden bookmark. The manifest (draft.manifest.json) records per ID
the exported text, its hash, where it came from, and which characters came from which source field,
so that pipeline.review can merge the proofreaders' tracked corrections back into the sources.

Same sources → same bytes: dates come from the edition date or SOURCE_DATE_EPOCH, and the zip is
re-packed with fixed timestamps in a fixed order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import itertools
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Cm, Mm
from docx.text.paragraph import Paragraph
from docx.text.run import Run as DocxRun
from lxml import etree

from .model import BODY, INTRO, SECTION, SUBSECTION, Edition, Finding, Photo
from .project import build_time, write_atomic

DRAFT_NAME = "draft.docx"
MANIFEST_NAME = "draft.manifest.json"
MANIFEST_ARCHIVE = "manifests"  # every export's manifest by export id, for late rounds
MANIFEST_FORMAT = "pinban-draft-manifest/1"
PINBAN_AUTHOR = "pinban"  # comments by this author are pinban's findings, never applied
BOOKMARK_PREFIX = "_pb_"  # "_" makes the bookmark hidden in Word
BOOKMARK_MAX = 40  # Word's limit for bookmark names
PROP_EXPORT_ID = "pinban.export_id"
PROP_EDITION = "pinban.edition"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSMAP = {"w": W_NS}


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


# --- what the draft holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A stretch of an item's text. `field` names the source value it comes from (a report.md run
    "run0", or a TOML key path like "photos[2].caption"); "" marks generated text (read-only)."""

    text: str
    bold: bool = False
    field: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # kicker | title | subtitle | header | credit | intro | section | subsection | body | caption
    pieces: tuple[Piece, ...]
    file: str  # "report.md" or "edition.toml"
    line: int
    key: str = ""  # TOML key path of the item for edition.toml items
    photo: Photo | None = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


# paragraph style id, its name as proofreaders see it, and the kind it carries
PARA_STYLES: dict[str, tuple[str, str]] = {
    "kicker": ("PinbanKicker", "引题"),
    "title": ("PinbanTitle", "主题"),
    "subtitle": ("PinbanSubtitle", "副题"),
    "header": ("PinbanHeader", "报眉"),
    "credit": ("PinbanCredit", "报眉署名"),
    INTRO: ("PinbanIntro", "导语"),
    SECTION: ("PinbanSection", "章节标题"),
    SUBSECTION: ("PinbanSubsection", "小标题"),
    # not "正文": Chinese Word and WPS show the built-in Normal style as 正文, a second one would clash
    BODY: ("PinbanBody", "报道正文"),
    "caption": ("PinbanCaption", "图片说明"),
}
LEAD_STYLE = ("PinbanLead", "段首小标题")  # character style of the bold run-in lead
LOCATION_STYLE = ("PinbanLocation", "版面位置")  # character style of 〔02版·第3栏〕
NOTE_STYLE = ("PinbanNote", "校对稿说明")  # draft-only paragraphs, never mapped back
PHOTO_STYLE = ("PinbanPhoto", "图片")


def draft_items(edition: Edition) -> list[Item]:
    """Everything a proofreader reads, in reading order. Used for export and, on the way back,
    to rebuild the current source text of each ID."""
    items = headline_items(edition) + furniture_items(edition)
    for block in edition.blocks:
        pieces = tuple(Piece(r.text, r.bold, f"run{k}") for k, r in enumerate(block.runs))
        items.append(Item(block.id, block.kind, pieces, block.source.file, block.source.line))
    for i, photo in enumerate(edition.photos):
        items.append(caption_item(i, photo))
    return items


def headline_items(edition: Edition) -> list[Item]:
    hl = edition.headline
    items = []
    for part in ("kicker", "title", "subtitle"):
        text = getattr(hl, part)
        if text:  # an absent kicker has no TOML string to write back into
            key = f"headline.{part}"
            items.append(Item(key, part, (Piece(text, field=key),), hl.source.file, hl.source.line, key))
    return items


def furniture_items(edition: Edition) -> list[Item]:
    src = "edition.toml"
    items = [
        Item("furniture.section", "header", (Piece(edition.section, field="edition.section"),), src, 0, "edition.section"),
        # the date line is generated from edition.date; it is proofread but written back by hand
        Item("furniture.date", "header", (Piece(f"{edition.date_text}　{edition.weekday}"),), src, 0, "edition.date"),
    ]
    for i, credit in enumerate(edition.credits):
        pieces = [Piece(credit.role, field=f"credits[{i}].role"), Piece("：")]
        for j, name in enumerate(credit.names):
            if j:
                pieces.append(Piece(" "))
            pieces.append(Piece(name, field=f"credits[{i}].names[{j}]"))
        items.append(Item(f"furniture.credits.{i + 1}", "credit", tuple(pieces), src, 0, f"credits[{i}]"))
    return items


def caption_item(i: int, photo: Photo) -> Item:
    pieces = [Piece(photo.caption, field=f"photos[{i}].caption")]
    if photo.credit:
        pieces += [Piece("　"), Piece(photo.credit, field=f"photos[{i}].credit")]
    key = f"photos[{i}].caption"
    return Item(f"photo.{photo.id}", "caption", tuple(pieces), photo.source.file, photo.source.line, key, photo)


def bookmark_name(item_id: str, taken: set[str]) -> str:
    """A hidden bookmark name: "_pb_" + the ID in Word's alphabet, or a hash when that won't do."""
    name = BOOKMARK_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", item_id)
    if len(name) > BOOKMARK_MAX or name in taken:
        name = BOOKMARK_PREFIX + hashlib.sha1(item_id.encode()).hexdigest()[:16]
    taken.add(name)
    return name


def location_of(item: Item, locations: dict[str, str]) -> str:
    """Where the layout put the item, "02版·第3栏·第12行" (the layout uses the draft's ids)."""
    return locations.get(item.id, "")


def location_marker(location: str) -> str:
    """〔02版·第3栏〕 from "02版·第3栏·第12行": page and column are what a proofreader looks up."""
    return "〔" + "·".join(location.split("·")[:2]) + "〕" if location else ""


# --- the manifest --------------------------------------------------------------------------


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_entry(item: Item, bookmark: str, location: str) -> dict[str, Any]:
    source: dict[str, Any] = {"file": item.file, "line": item.line}
    if item.key:
        source["key"] = item.key
    spans, pos = [], 0
    for p in item.pieces:
        spans.append([pos, pos + len(p.text), p.bold, p.field])
        pos += len(p.text)
    return {
        "id": item.id,
        "bookmark": bookmark,
        "kind": item.kind,
        "style": PARA_STYLES[item.kind][1],
        "text": item.text,
        "sha256": text_hash(item.text),
        "source": source,
        "location": location,
        "marker": location_marker(location),
        "pieces": spans,
    }


def build_manifest(edition: Edition, items: list[Item], locations: dict[str, str], notes: list[str]) -> dict[str, Any]:
    taken: set[str] = set()
    entries = [manifest_entry(it, bookmark_name(it.id, taken), location_of(it, locations)) for it in items]
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "edition": edition.name,
        "date": edition.date.isoformat(),
        "draft": DRAFT_NAME,
        "notes": notes,
        "items": entries,
    }
    # the export id names exactly this base text: same sources, same id
    canonical = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    manifest["export_id"] = hashlib.sha256(canonical).hexdigest()[:16]
    return manifest


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


# --- export --------------------------------------------------------------------------------


def export_draft(
    edition: Edition, out_dir: Path, findings: list[Finding], locations: dict[str, str]
) -> tuple[Path, Path]:
    """Write draft.docx and draft.manifest.json into out_dir (atomically); return both paths."""
    items = draft_items(edition)
    notes = draft_notes(edition, items)
    manifest = build_manifest(edition, items, locations, notes)
    when = export_time(edition)
    data = build_docx(edition, items, manifest, findings, when)
    out_dir = Path(out_dir)
    docx_path, manifest_path = out_dir / DRAFT_NAME, out_dir / MANIFEST_NAME
    raw_manifest = manifest_bytes(manifest)
    write_atomic(out_dir / MANIFEST_ARCHIVE / f"{manifest['export_id']}.json", raw_manifest)
    write_atomic(manifest_path, raw_manifest)
    write_atomic(docx_path, data)
    return docx_path, manifest_path


def export_time(edition: Edition) -> dt.datetime:
    when = build_time(edition.date)
    return max(when, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).replace(microsecond=0)  # zip can't go earlier


def draft_notes(edition: Edition, items: list[Item]) -> list[str]:
    """Draft-only paragraphs (the heading note, missing photos): shown, never mapped back."""
    notes = [
        f"校对稿 · {edition.section} · {edition.date_text} · 第{edition.pages[0]}–{edition.pages[1]}版",
        "请在修订（Track Changes）模式下修改；给编辑的意见请写批注。作者为 pinban 的批注是排版程序的提示。",
        "图片与图片说明",
    ]
    for it in items:
        if it.photo is not None and (it.photo.path is None or not it.photo.path.is_file()):
            notes.append(f"〔缺图：{it.photo.rel}〕")
    return notes


def build_docx(
    edition: Edition, items: list[Item], manifest: dict[str, Any], findings: list[Finding], when: dt.datetime
) -> bytes:
    doc = Document()
    setup_styles(doc)
    setup_page(doc)
    setup_settings(doc)
    notes = manifest["notes"]
    add_note(doc, notes[0])
    add_note(doc, notes[1])
    by_id = {e["id"]: e for e in manifest["items"]}
    anchored = findings_by_item(findings, items)
    first_photo = True
    for n, item in enumerate(items):
        if item.photo is not None:
            if first_photo:
                add_note(doc, notes[2])
                first_photo = False
            add_photo(doc, item.photo)
        entry = by_id[item.id]
        para = add_item(doc, item, entry["marker"])
        add_bookmark(para, entry["bookmark"], 1000 + n)
        add_comments(doc, para, item, anchored.get(item.id, []), when)
    set_core_properties(doc, edition, when)
    buf = io.BytesIO()
    doc.save(buf)
    props = {PROP_EXPORT_ID: manifest["export_id"], PROP_EDITION: edition.name}
    return repack(buf.getvalue(), when, props)


def add_note(doc: Any, text: str) -> None:
    para = doc.add_paragraph()
    para._p.style = NOTE_STYLE[0]  # by style id: python-docx's lookup by name is slow
    para.add_run(text)


def add_photo(doc: Any, photo: Photo) -> None:
    if photo.path is None or not photo.path.is_file():
        add_note(doc, f"〔缺图：{photo.rel}〕")
        return
    para = doc.add_paragraph()
    para._p.style = PHOTO_STYLE[0]
    para.add_run().add_picture(io.BytesIO(thumbnail(photo.path)), width=Cm(7))


def thumbnail(path: Path) -> bytes:
    """A small JPEG: proofreaders need to see the picture, not print it."""
    from PIL import Image

    with Image.open(path) as img:
        w, h = img.size
        k = min(640 / w, 640 / h, 1)
        # JPEG: decode at a reduced scale (draft picks a scale no smaller than asked), much faster
        img.draft("RGB", (round(w * k), round(h * k)))
        img = img.convert("RGB")
        img.thumbnail((640, 640))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def add_item(doc: Any, item: Item, marker: str) -> Paragraph:
    para = doc.add_paragraph()
    para._p.style = PARA_STYLES[item.kind][0]
    for start, end, bold in item_spans(item, []):
        run = para.add_run(item.text[start:end])
        if bold:
            run._r.style = LEAD_STYLE[0]
    if marker:
        para.add_run(marker)._r.style = LOCATION_STYLE[0]
    return para


def item_spans(item: Item, cuts: list[int]) -> list[tuple[int, int, bool]]:
    """The item's text cut at piece boundaries and at `cuts` (comment anchors): (start, end, bold)."""
    bounds, pos = {0}, 0
    bold_at: list[tuple[int, int, bool]] = []
    for p in item.pieces:
        if bold_at and bold_at[-1][2] != p.bold:
            bounds.add(pos)  # one run per change of boldness: fewer runs, same look
        bold_at.append((pos, pos + len(p.text), p.bold))
        pos += len(p.text)
    bounds.add(pos)
    bounds.update(c for c in cuts if 0 < c < pos)
    points = sorted(bounds)
    spans = []
    for a, b in itertools.pairwise(points):
        bold = next(bd for s, e, bd in bold_at if s <= a < e)
        spans.append((a, b, bold))
    return spans


def finding_anchor(f: Finding, items: dict[str, Item]) -> Finding | None:
    """The finding in the draft's IDs and offsets, or None when the draft does not show that text."""
    item_id, shift = f.block_id, 0
    if item_id.startswith("photo.") and item_id.endswith(".credit"):  # the credit follows the caption
        item_id = item_id.removesuffix(".credit")
        item = items.get(item_id)
        credit = next((k for k, p in enumerate(item.pieces) if p.field.endswith(".credit")), None) if item else None
        if credit is None:
            return None
        shift = sum(len(p.text) for p in item.pieces[:credit])
    if item_id not in items:
        return None
    if f.start >= 0:
        return dataclasses.replace(f, block_id=item_id, start=f.start + shift, end=f.end + shift)
    return dataclasses.replace(f, block_id=item_id)


def findings_by_item(findings: list[Finding], items: list[Item]) -> dict[str, list[Finding]]:
    by_id = {it.id: it for it in items}
    out: dict[str, list[Finding]] = {}
    for f in findings:
        anchored = finding_anchor(f, by_id)
        if anchored is not None:
            out.setdefault(anchored.block_id, []).append(anchored)
    for fs in out.values():
        fs.sort(key=lambda f: (f.start, f.end, f.code))
    return out


def finding_range(f: Finding, length: int) -> tuple[int, int]:
    """The characters a finding is about; the whole paragraph when it names none."""
    if 0 <= f.start < length and f.start < f.end:
        return f.start, min(f.end, length)
    if 0 <= f.start < length:  # a point: mark one character
        return f.start, f.start + 1
    return 0, length


def add_comments(doc: Any, para: Paragraph, item: Item, findings: list[Finding], when: dt.datetime) -> None:
    if not findings or not item.text:
        return
    ranges = [finding_range(f, len(item.text)) for f in findings]
    rebuild_runs(doc, para, item, sorted({c for r in ranges for c in r}))
    runs = [r for r in para.runs if r._r.style != LOCATION_STYLE[0]]
    starts = run_starts(runs)
    for f, (a, b) in zip(findings, ranges):
        covered = [r for r, s in zip(runs, starts) if a <= s < b]
        text = f"{f.message}" + (f"\n建议：{f.hint}" if f.hint else "") + f"\n〔pinban: {f.code}〕"
        comment = doc.add_comment(covered, text=text, author=PINBAN_AUTHOR, initials="pb")
        comment._comment_elm.date = when.replace(tzinfo=None)  # fixed, for same bytes


def rebuild_runs(doc: Any, para: Paragraph, item: Item, cuts: list[int]) -> None:
    """Re-cut the text runs so every comment anchor falls on a run boundary."""
    marker = [r for r in para.runs if r._r.style == LOCATION_STYLE[0]]
    for r in para.runs:
        if r._r.style != LOCATION_STYLE[0]:
            r._r.getparent().remove(r._r)
    for start, end, bold in item_spans(item, cuts):
        new = DocxRun(para._p.add_r(), para)
        new.text = item.text[start:end]
        if bold:
            new._r.style = LEAD_STYLE[0]
    for r in marker:  # keep the location marker last
        para._p.append(r._r)


def run_starts(runs: list[DocxRun]) -> list[int]:
    starts, pos = [], 0
    for r in runs:
        starts.append(pos)
        pos += len(r.text)
    return starts


def add_bookmark(para: Paragraph, name: str, bid: int) -> None:
    """A collapsed bookmark at the paragraph start: survives edits of the text around it."""
    p = para._p
    at = 1 if p.pPr is not None else 0
    start = etree.SubElement(p, w("bookmarkStart"), {w("id"): str(bid), w("name"): name})
    end = etree.SubElement(p, w("bookmarkEnd"), {w("id"): str(bid)})
    p.insert(at, start)
    p.insert(at + 1, end)


def set_core_properties(doc: Any, edition: Edition, when: dt.datetime) -> None:
    cp = doc.core_properties
    naive = when.replace(tzinfo=None)
    cp.author = PINBAN_AUTHOR
    cp.last_modified_by = PINBAN_AUTHOR
    cp.title = f"{edition.section} {edition.date_text} 校对稿"
    cp.subject = edition.name
    cp.created = naive
    cp.modified = naive
    cp.last_printed = naive
    cp.revision = 1


# --- styles, page, settings ------------------------------------------------------------------

SERIF, SANS, KAI = "Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai"
# what Word and WPS substitute when the face is not installed (w:altName)
FONT_ALT = {SERIF: ("宋体", "roman"), SANS: ("黑体", "swiss"), KAI: ("楷体", "script")}

# (kind, font, size in half-points, bold, align, first-line chars, keep-with-next, outline level, space before)
STYLE_LOOK: dict[str, tuple[str, int, bool, str, int, bool, int | None, int]] = {
    "kicker": (SANS, 24, False, "center", 0, True, None, 120),
    "title": (SANS, 44, True, "center", 0, True, 0, 120),
    "subtitle": (SANS, 28, False, "center", 0, True, None, 60),
    "header": (SANS, 18, False, "center", 0, False, None, 0),
    "credit": (SANS, 18, False, "center", 0, False, None, 0),
    INTRO: (KAI, 24, False, "both", 200, False, None, 120),
    SECTION: (SANS, 32, True, "center", 0, True, 1, 240),
    SUBSECTION: (SANS, 24, True, "both", 0, True, 2, 120),
    BODY: (SERIF, 21, False, "both", 200, False, None, 0),
    "caption": (KAI, 21, False, "both", 0, False, None, 60),
}


def rfonts(font: str) -> str:
    # explicit faces only: a theme attribute (w:eastAsiaTheme …) would override w:eastAsia
    return f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'


def para_style_xml(kind: str) -> str:
    sid, name = PARA_STYLES[kind]
    font, size, bold, align, indent, keep, outline, before = STYLE_LOOK[kind]
    ppr = "<w:keepNext/>" if keep else ""
    ppr += f'<w:spacing w:before="{before}" w:after="60" w:line="360" w:lineRule="auto"/>'
    if indent:
        ppr += f'<w:ind w:firstLineChars="{indent}" w:firstLine="{size * 10 * indent // 100}"/>'
    ppr += f'<w:jc w:val="{align}"/>'
    if outline is not None:
        ppr += f'<w:outlineLvl w:val="{outline}"/>'
    rpr = rfonts(font) + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return (
        f'<w:style xmlns:w="{W_NS}" w:type="paragraph" w:customStyle="1" w:styleId="{sid}">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="Normal"/><w:next w:val="{sid}"/>'
        f'<w:uiPriority w:val="10"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>'
    )


def extra_style_xml() -> list[str]:
    lead_id, lead = LEAD_STYLE
    loc_id, loc = LOCATION_STYLE
    note_id, note = NOTE_STYLE
    photo_id, photo = PHOTO_STYLE
    head = f'<w:style xmlns:w="{W_NS}" '
    return [
        head + f'w:type="character" w:customStyle="1" w:styleId="{lead_id}"><w:name w:val="{lead}"/>'
        f'<w:uiPriority w:val="11"/><w:qFormat/><w:rPr>{rfonts(SANS)}<w:b/><w:bCs/></w:rPr></w:style>',
        head + f'w:type="character" w:customStyle="1" w:styleId="{loc_id}"><w:name w:val="{loc}"/>'
        f'<w:uiPriority w:val="12"/><w:rPr>{rfonts(SANS)}<w:color w:val="1F6FB2"/><w:sz w:val="16"/>'
        '<w:szCs w:val="16"/></w:rPr></w:style>',
        head + f'w:type="paragraph" w:customStyle="1" w:styleId="{note_id}"><w:name w:val="{note}"/>'
        f'<w:basedOn w:val="Normal"/><w:uiPriority w:val="12"/><w:pPr><w:spacing w:before="0" w:after="60"/>'
        f'<w:jc w:val="center"/></w:pPr><w:rPr>{rfonts(SANS)}<w:color w:val="808080"/><w:sz w:val="16"/>'
        '<w:szCs w:val="16"/></w:rPr></w:style>',
        head + f'w:type="paragraph" w:customStyle="1" w:styleId="{photo_id}"><w:name w:val="{photo}"/>'
        '<w:basedOn w:val="Normal"/><w:uiPriority w:val="12"/><w:pPr><w:keepNext/>'
        '<w:spacing w:before="120" w:after="0"/><w:jc w:val="left"/></w:pPr></w:style>',
        head + 'w:type="paragraph" w:styleId="CommentText"><w:name w:val="annotation text"/>'
        '<w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:rPr><w:sz w:val="18"/></w:rPr></w:style>',
        head + 'w:type="character" w:styleId="CommentReference"><w:name w:val="annotation reference"/>'
        '<w:uiPriority w:val="99"/><w:rPr><w:sz w:val="16"/></w:rPr></w:style>',
    ]


def setup_styles(doc: Any) -> None:
    styles = doc.styles.element
    for rf in styles.iter(w("rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            rf.attrib.pop(w(attr), None)
    defaults = styles.find("w:docDefaults", NSMAP)
    rpr = defaults.find("w:rPrDefault/w:rPr", NSMAP)
    for attr, value in (("ascii", SERIF), ("hAnsi", SERIF), ("eastAsia", SERIF), ("cs", SERIF)):
        rpr.find("w:rFonts", NSMAP).set(w(attr), value)
    for tag, value in (("sz", "21"), ("szCs", "21")):
        rpr.find(f"w:{tag}", NSMAP).set(w("val"), value)
    lang = rpr.find("w:lang", NSMAP)
    lang.set(w("val"), "en-US")
    lang.set(w("eastAsia"), "zh-CN")
    spacing = defaults.find("w:pPrDefault/w:pPr/w:spacing", NSMAP)
    # Word's default, said out loud: without it LibreOffice lets line-end punctuation hang and
    # then leaves it out of its PDF (measured with LibreOffice 7.4: every line-end 、，。 was missing)
    spacing.addprevious(etree.Element(w("overflowPunct"), {w("val"): "1"}))
    spacing.attrib.clear()
    spacing.attrib.update({w("after"): "0", w("line"): "360", w("lineRule"): "auto"})
    for existing in styles.findall("w:style", NSMAP):
        if existing.get(w("styleId")) in ("CommentText", "CommentReference"):
            styles.remove(existing)
    for xml in [para_style_xml(k) for k in PARA_STYLES] + extra_style_xml():
        styles.append(etree.fromstring(xml))
    add_fonts(doc)


def add_fonts(doc: Any) -> None:
    font_table = doc.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    )
    root = etree.fromstring(font_table.blob)
    for name, (alt, family) in FONT_ALT.items():
        font = etree.SubElement(root, w("font"), {w("name"): name})
        etree.SubElement(font, w("altName"), {w("val"): alt})
        etree.SubElement(font, w("charset"), {w("val"): "86"})  # GB2312
        etree.SubElement(font, w("family"), {w("val"): family})
        etree.SubElement(font, w("pitch"), {w("val"): "variable"})
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def setup_page(doc: Any) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(22)
    sect = section._sectPr
    ln = etree.Element(w("lnNumType"), {w("countBy"): "1", w("restart"): "newPage", w("distance"): "283"})
    sect.find("w:pgMar", NSMAP).addnext(ln)  # schema order: pgSz, pgMar, …, lnNumType, pgNumType, cols


# settings children that come before w:trackRevisions in the schema
SETTINGS_BEFORE_TRACK = {
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
    "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
    "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate",
    "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge", "revisionView",
}


def setup_settings(doc: Any) -> None:
    settings = doc.settings.element
    last_before = None
    for child in settings:
        if isinstance(child.tag, str) and etree.QName(child).localname in SETTINGS_BEFORE_TRACK:
            last_before = child
    track = etree.Element(w("trackRevisions"))
    if last_before is None:
        settings.insert(0, track)
    else:
        last_before.addnext(track)
    lang = settings.find("w:themeFontLang", NSMAP)
    if lang is not None:
        lang.set(w("eastAsia"), "zh-CN")


# --- the zip: custom properties, no stale thumbnail, fixed dates and order --------------------

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
THUMB_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
CUSTOM_PATH = "docProps/custom.xml"


def custom_properties_xml(props: dict[str, str]) -> bytes:
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    root = etree.Element(f"{{{ns}}}Properties", nsmap={None: ns, "vt": vt})
    for pid, (name, value) in enumerate(sorted(props.items()), start=2):
        prop = etree.SubElement(
            root, f"{{{ns}}}property", {"fmtid": "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}", "pid": str(pid), "name": name}
        )
        etree.SubElement(prop, f"{{{vt}}}lpwstr").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def repack(raw: bytes, when: dt.datetime, props: dict[str, str]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    thumbs = set()
    rels = etree.fromstring(parts["_rels/.rels"])
    for rel in list(rels):
        if rel.get("Type") == THUMB_REL:  # python-docx's template carries a picture of an empty page
            thumbs.add(rel.get("Target").lstrip("/"))
            rels.remove(rel)
    etree.SubElement(rels, f"{{{REL_NS}}}Relationship", {"Id": "rIdPinbanCustom", "Type": CUSTOM_REL, "Target": CUSTOM_PATH})
    parts["_rels/.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in list(types):
        if override.get("PartName", "").lstrip("/") in thumbs:
            types.remove(override)
    etree.SubElement(types, f"{{{CT_NS}}}Override", {"PartName": "/" + CUSTOM_PATH, "ContentType": CUSTOM_CT})
    parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    for t in thumbs:
        parts.pop(t, None)
    parts[CUSTOM_PATH] = custom_properties_xml(props)
    first = ["[Content_Types].xml", "_rels/.rels"]
    order = first + sorted(n for n in parts if n not in first)
    stamp = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, parts[name])
    return out.getvalue()
