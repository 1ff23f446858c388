"""The draft's document part: paragraphs with ID bookmarks, location markers, pinban's comments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.shared import Cm, Mm
from docx.text.paragraph import Paragraph
from docx.text.run import Run as DocxRun

from ..messages import PROOFREADERS, localised
from ..model import Edition, Finding, Photo
from ..ooxml import add_bookmark
from .items import Item, no_break
from .styles import LEAD_STYLE, LOCATION_STYLE, NOTE_STYLE, PARA_STYLES, PHOTO_STYLE, styles_element

PINBAN_AUTHOR = "pinban"  # comments by this author are pinban's findings, never applied
# characters Word draws in the Latin font unless the run says they are East Asian (w:hint)
EAST_ASIAN_AMBIGUOUS = set("“”‘’—…·•–")
SEVERITY_ZH = {"error": "错误", "warning": "注意", "info": "提示"}


def new_document() -> DocxDocument:
    """python-docx's package with pinban's styles in place of its template's 180."""
    doc = Document()
    styles = doc.styles.element
    for child in list(styles):
        styles.remove(child)
    for child in styles_element():
        styles.append(child)
    return doc


def build_document(
    edition: Edition, items: list[Item], manifest: dict[str, Any], findings: list[Finding], when: dt.datetime
) -> DocxDocument:
    doc = new_document()
    setup_page(doc)
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
        p, para = add_item(doc, item, entry["marker"])
        add_bookmark(p, entry["bookmark"], 1000 + n)
        add_comments(doc, p, para, item, anchored.get(item.id, []))
    set_core_properties(doc, edition, when)
    return doc


def new_paragraph(doc: DocxDocument, style_id: str) -> tuple[CT_P, Paragraph]:
    """A paragraph at the end of the body, styled by id, with its w:p (python-docx's Paragraph
    does not hand out its element, and bookmarks and comment anchors need it)."""
    p = doc.element.body.add_p()
    p.style = style_id
    return p, Paragraph(p, doc)


def add_run(para: Paragraph, text: str, style_id: str = "") -> DocxRun:
    run = para.add_run(text)
    if style_id:
        run.element.style = style_id
    if EAST_ASIAN_AMBIGUOUS.intersection(text):
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:hint"), "eastAsia")
    return run


def add_note(doc: DocxDocument, text: str) -> None:
    add_run(new_paragraph(doc, NOTE_STYLE[0])[1], text)


def add_photo(doc: DocxDocument, photo: Photo) -> None:
    if photo.path is None or not photo.path.is_file():
        add_note(doc, f"〔缺图：{photo.rel}〕")
        return
    _, para = new_paragraph(doc, PHOTO_STYLE[0])
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


def add_item(doc: DocxDocument, item: Item, marker: str) -> tuple[CT_P, Paragraph]:
    p, para = new_paragraph(doc, PARA_STYLES[item.kind][0])
    add_text_runs(para, item, [])
    if marker:
        add_run(para, no_break(marker), LOCATION_STYLE[0])
    return p, para


def add_text_runs(para: Paragraph, item: Item, cuts: list[int]) -> None:
    for start, end, bold in item_spans(item, cuts):
        add_run(para, item.text[start:end], LEAD_STYLE[0] if bold else "")


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


# --- pinban's findings as comments --------------------------------------------------------------


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


def comment_text(f: Finding) -> str:
    """pinban's comment, in Chinese for the proofreader."""
    f = localised(f, PROOFREADERS)
    head = f"排版程序{SEVERITY_ZH.get(f.severity, '提示')}：{f.message}"
    return head + (f"\n建议：{f.hint}" if f.hint else "") + f"\n〔pinban：{f.code}〕"


def add_comments(doc: DocxDocument, p: CT_P, para: Paragraph, item: Item, findings: list[Finding]) -> None:
    if not findings or not item.text:
        return
    ranges = [finding_range(f, len(item.text)) for f in findings]
    rebuild_runs(p, para, item, sorted({c for r in ranges for c in r}))
    runs = [r for r in para.runs if r.element.style != LOCATION_STYLE[0]]
    starts = run_starts(runs)
    for f, (a, b) in zip(findings, ranges):
        covered = [r for r, s in zip(runs, starts) if a <= s < b]
        doc.add_comment(covered, text=comment_text(f), author=PINBAN_AUTHOR, initials="pb")


def rebuild_runs(p: CT_P, para: Paragraph, item: Item, cuts: list[int]) -> None:
    """Re-cut the text runs so every comment anchor falls on a run boundary."""
    marker = [r.element for r in para.runs if r.element.style == LOCATION_STYLE[0]]
    for r in para.runs:
        p.remove(r.element)
    add_text_runs(para, item, cuts)
    for r in marker:  # keep the location marker last
        p.append(r)


def run_starts(runs: list[DocxRun]) -> list[int]:
    starts, pos = [], 0
    for r in runs:
        starts.append(pos)
        pos += len(r.text)
    return starts


def set_core_properties(doc: DocxDocument, edition: Edition, when: dt.datetime) -> None:
    cp = doc.core_properties
    naive = when.replace(tzinfo=None)
    cp.author = PINBAN_AUTHOR
    cp.last_modified_by = PINBAN_AUTHOR
    cp.title = f"{edition.headline.title}（校对稿）"
    cp.subject = f"{edition.section} {edition.date_text} 第{edition.pages[0]}–{edition.pages[1]}版"
    cp.keywords = edition.name
    cp.category = "校对稿"
    cp.language = "zh-CN"
    cp.comments = "pinban 生成的校对稿：请在修订模式下修改。"
    cp.created = naive
    cp.modified = naive
    cp.last_printed = naive
    cp.revision = 1


def setup_page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(22)
    sect = doc.element.body.get_or_add_sectPr()
    ln = OxmlElement("w:lnNumType", {qn("w:countBy"): "1", qn("w:restart"): "newPage", qn("w:distance"): "283"})
    sect.find(qn("w:pgMar")).addnext(ln)  # schema order: pgSz, pgMar, …, lnNumType, pgNumType, cols
