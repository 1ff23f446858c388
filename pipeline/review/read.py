"""Reading the reviewed DOCX with lxml, bounded and refusing what no word processor writes.

Per paragraph, characters that are visible with all changes rejected (the original view) and
accepted (the accepted view): w:ins, w:del, w:moveFrom/To and inserted/deleted paragraph marks.
(python-docx's Paragraph.text drops runs inside w:ins.)
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from lxml import etree

from ..draft.styles import LEAD_STYLE, LOCATION_STYLE
from ..errors import PinbanError, UsageError
from ..ooxml import (
    COMMENTS_PART,
    CUSTOM_PATH,
    DOCUMENT_PART,
    PROP_EDITION,
    STYLES_PART,
    body_paragraphs,
    on,
    paragraph_style_id,
    read_custom_properties,
    run_style_id,
    style_names,
    w,
)
from ..ooxml import NSMAP as NS


@dataclass
class Tok:
    ch: str
    orig: bool  # visible with changes rejected
    acc: bool  # visible with changes accepted
    bold: bool = False
    author: str = ""
    marker: bool = False  # in the location-marker character style


@dataclass
class Para:
    style: str
    toks: list[Tok]
    marks: list[tuple[str, int]]  # bookmark name, token index
    mark_orig: bool = True  # the paragraph mark, original view (False: inserted)
    mark_acc: bool = True  # accepted view (False: deleted, i.e. merged with the next)
    mark_author: str = ""
    format_changed: bool = False
    comments: list[tuple[str, str, int]] = field(default_factory=list)  # (start|end|ref, comment id, tok index)


@dataclass
class DocxComment:
    cid: str
    author: str
    date: str
    text: str


@dataclass
class Reviewed:
    paras: list[Para]
    comments: dict[str, DocxComment]
    props: dict[str, str]


# House bounds: a reviewed draft of one edition is a few MB with its thumbnails; its XML parts are
# well under 1 MB. Far beyond these it is not a draft, and reading it could exhaust the machine.
MAX_FILE_BYTES = 200 << 20
MAX_TOTAL_BYTES = 256 << 20  # all parts, uncompressed, as the zip directory declares them
MAX_PART_BYTES = 16 << 20  # one XML part read, uncompressed: declared and actually read
MAX_ENTRIES = 5000
MAX_PARAGRAPHS = 20000
READ_PARTS = (DOCUMENT_PART, STYLES_PART, COMMENTS_PART, CUSTOM_PATH)
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def refused(reason: str, path: Path) -> PinbanError:
    return PinbanError(f"refused, nothing applied: {reason}", str(path),
                       "open it in Word or LibreOffice and save it again as .docx; if it still fails, it is not a draft")


def check_file(path: Path) -> None:
    if path.is_dir():
        raise UsageError("is a folder, not a reviewed .docx", str(path), "give the .docx file the proofreader sent back")
    if not path.is_file():
        raise UsageError("file not found", str(path), "give the reviewed .docx the proofreader sent back")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise refused(f"the file is {path.stat().st_size >> 20} MB, far larger than a draft", path)


def check_directory(z: zipfile.ZipFile, path: Path) -> None:
    infos = z.infolist()
    if len(infos) > MAX_ENTRIES:
        raise refused(f"{len(infos)} parts in the zip", path)
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise refused(f"it unpacks to {total >> 20} MB (limit {MAX_TOTAL_BYTES >> 20} MB)", path)
    for i in infos:
        if i.filename in READ_PARTS and i.file_size > MAX_PART_BYTES:
            raise refused(f"{i.filename} unpacks to {i.file_size >> 20} MB (limit {MAX_PART_BYTES >> 20} MB)", path)


def read_part(z: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """One part, never more than the bound, whatever the zip directory says."""
    with z.open(name) as fh:
        data = fh.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise refused(f"{name} unpacks to more than {MAX_PART_BYTES >> 20} MB", path)
    return data


def read_parts(path: Path) -> dict[str, bytes]:
    check_file(path)
    try:
        with zipfile.ZipFile(path) as z:
            check_directory(z, path)
            names = set(z.namelist())
            if DOCUMENT_PART not in names:
                raise PinbanError("not a DOCX file (no word/document.xml)", str(path),
                                  "save it as Word document (.docx), not .doc or .wps")
            return {n: read_part(z, n, path) for n in READ_PARTS if n in names}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError, OSError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile) and exc.errno is not None:
            raise PinbanError(f"cannot read file: {exc.strerror}", str(path)) from None
        raise PinbanError(f"not a DOCX file or damaged ({exc})", str(path),
                          "save it as Word document (.docx), not .doc or .wps") from None


def has_doctype(data: bytes) -> bool:
    """A DOCTYPE in the prolog (before the root element), in UTF-8 or UTF-16."""
    head = data[:8192]
    text = head.decode("utf-16", "replace") if head[:2] in (b"\xff\xfe", b"\xfe\xff") else head.decode("latin-1")
    root = re.search(r"<[^?!]", text)
    return "<!DOCTYPE" in text[: root.start() if root else len(text)]


def parse_xml(data: bytes, name: str, path: Path) -> etree._Element:
    """A part parsed without entities, DTDs or network; a DOCTYPE (no word processor writes one
    into a DOCX) is refused, since its entities would silently cut text."""
    if has_doctype(data):
        raise refused(f"{name} has a DOCTYPE (entity declarations)", path)
    try:
        root = etree.fromstring(data, XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise PinbanError(f"damaged DOCX: {name}: {exc}", str(path), "open and save it again in Word or LibreOffice") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise refused(f"{name} has a DOCTYPE (entity declarations)", path)
    return root


def read_reviewed(path: Path) -> Reviewed:
    path = Path(path)
    parts = read_parts(path)
    doc = parse_xml(parts[DOCUMENT_PART], DOCUMENT_PART, path)
    styles = parse_xml(parts[STYLES_PART], STYLES_PART, path) if STYLES_PART in parts else None
    comments = parse_xml(parts[COMMENTS_PART], COMMENTS_PART, path) if COMMENTS_PART in parts else None
    custom = parse_xml(parts[CUSTOM_PATH], CUSTOM_PATH, path) if CUSTOM_PATH in parts else None
    elements = body_paragraphs(doc)
    if len(elements) > MAX_PARAGRAPHS:
        raise refused(f"{len(elements)} paragraphs (limit {MAX_PARAGRAPHS})", path)
    names_of, bold_styles = style_table(styles)
    reader = ParaReader(names_of, bold_styles)
    return Reviewed(
        [reader.read(p) for p in elements],
        read_comments(comments) if comments is not None else {},
        read_custom_properties(custom) if custom is not None else {},
    )


def edition_of_docx(path: Path) -> str:
    """The edition a reviewed draft was made for, from its custom property ("" if lost)."""
    path = Path(path)
    parts = read_parts(path)
    if CUSTOM_PATH not in parts:
        return ""
    return read_custom_properties(parse_xml(parts[CUSTOM_PATH], CUSTOM_PATH, path)).get(PROP_EDITION, "")


def style_table(styles: etree._Element | None) -> tuple[dict[str, str], set[str]]:
    """styleId → name (clients rename ids, names survive), and the ids of bold character styles."""
    names = style_names(styles)
    bold: set[str] = set()
    if styles is None:
        return names, bold
    based: dict[str, str] = {}
    for st in styles.findall("w:style", NS):
        sid = st.get(w("styleId"), "")
        parent = st.find("w:basedOn", NS)
        if parent is not None:
            based[sid] = parent.get(w("val"), "")
        if st.get(w("type")) == "character" and on(st.find("w:rPr/w:b", NS)):
            bold.add(sid)
    for sid, name in names.items():  # a style based on a bold one is bold too
        seen, cur = set(), sid
        while cur in based and cur not in seen:
            seen.add(cur)
            cur = based[cur]
            if cur in bold:
                bold.add(sid)
        if name == LEAD_STYLE[1]:
            bold.add(sid)
    return names, bold


def read_comments(root: etree._Element) -> dict[str, DocxComment]:
    out = {}
    for c in root.findall("w:comment", NS):
        paras = ["".join(t.text or "" for t in p.iter(w("t"))) for p in c.iter(w("p"))]
        cid = c.get(w("id"), "")
        out[cid] = DocxComment(cid, c.get(w("author"), ""), c.get(w("date"), ""), "\n".join(paras).strip())
    return out



class ParaReader:
    """One w:p → Para, walking runs inside w:ins/w:del/w:moveFrom/w:moveTo, hyperlinks, fields…"""

    TRANSPARENT: ClassVar[set[str]] = {"hyperlink", "smartTag", "customXml", "sdt", "sdtContent", "fldSimple", "dir", "bdo"}

    def __init__(self, names: dict[str, str], bold_styles: set[str]) -> None:
        self.names = names
        self.bold_styles = bold_styles

    def read(self, p: etree._Element) -> Para:
        sid = paragraph_style_id(p)
        para = Para(self.names.get(sid, sid), [], [])
        mark = p.find("w:pPr/w:rPr", NS)
        if mark is not None:
            for tag, orig, acc in (("ins", False, True), ("moveTo", False, True), ("del", True, False), ("moveFrom", True, False)):
                change = mark.find(f"w:{tag}", NS)
                if change is not None:
                    para.mark_orig, para.mark_acc = para.mark_orig and orig, para.mark_acc and acc
                    para.mark_author = change.get(w("author"), "")
        para.format_changed = p.find("w:pPr/w:pPrChange", NS) is not None
        self.walk(p, para, True, True, "")
        return para

    def walk(self, el: etree._Element, para: Para, orig: bool, acc: bool, author: str) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name in ("ins", "moveTo"):
                self.walk(child, para, False, acc, child.get(w("author"), author))
            elif name in ("del", "moveFrom"):
                self.walk(child, para, orig, False, child.get(w("author"), author))
            elif name == "r":
                self.run(child, para, orig, acc, author)
            elif name == "bookmarkStart":
                para.marks.append((child.get(w("name"), ""), len(para.toks)))
            elif name in ("commentRangeStart", "commentRangeEnd"):
                kind = "start" if name == "commentRangeStart" else "end"
                para.comments.append((kind, child.get(w("id"), ""), len(para.toks)))
            elif name in self.TRANSPARENT:
                self.walk(child, para, orig, acc, author)

    def run(self, r: etree._Element, para: Para, orig: bool, acc: bool, author: str) -> None:
        rpr = r.find("w:rPr", NS)
        sid = run_style_id(r)
        bold = on(r.find("w:rPr/w:b", NS)) or sid in self.bold_styles
        marker = self.names.get(sid, sid) == LOCATION_STYLE[1]
        if rpr is not None and rpr.find("w:rPrChange", NS) is not None:
            para.format_changed = True
        for child in r:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            text = ""
            if name in ("t", "delText"):
                text = child.text or ""
            elif name == "tab":
                text = "\t"
            elif name in ("br", "cr") and child.get(w("type"), "textWrapping") == "textWrapping":
                text = "\n"
            elif name == "noBreakHyphen":
                text = "\u2011"
            elif name == "commentReference":
                para.comments.append(("ref", child.get(w("id"), ""), len(para.toks)))
            for ch in text:
                para.toks.append(Tok(ch, orig, acc, bold, author, marker))


def view(toks: list[Tok], accepted: bool) -> str:
    return "".join(t.ch for t in toks if (t.acc if accepted else t.orig))

