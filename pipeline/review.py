"""Proofreaders' corrections back into the sources: `pinban proof apply REVIEWED.docx`.

1. Read the reviewed DOCX with lxml: per paragraph, characters that are visible with all changes
   rejected (the original view) and accepted (the accepted view): w:ins, w:del, w:moveFrom/To and
   inserted/deleted paragraph marks. (python-docx's Paragraph.text drops runs inside w:ins.)
2. Map paragraphs to IDs by their hidden bookmarks; find merged and split paragraphs, re-anchor
   paragraphs that lost their bookmark, report what could not be mapped.
3. Three-way merge per ID: base = exported text (manifest), theirs = accepted text, ours = current
   source. Edits that overlap or touch are conflicts: the paragraph is left alone and reported.
4. Write report.md lines and edition.toml strings in place, atomically, after checking that the
   new sources parse to exactly what was intended; return the 核红 list.
Comparisons may use NFKC keys; text written back is never normalised (NFKC turns ，（）：； into ASCII).
"""

from __future__ import annotations

import difflib
import itertools
import json
import os
import re
import tempfile
import tomllib
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree

from . import docx as draft
from .errors import PinbanError, UsageError
from .model import BODY, INTRO
from .project import project_root, write_atomic
from .sources import EDITION_FILE, REPORT_FILE, load_edition
from .sources.report import BOLD_RE, classify

W = draft.W_NS
NS = {"w": W}
UNTRACKED = "(无修订痕迹)"  # author shown for edits made without Track Changes


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def key(text: str) -> str:
    """Comparison key only: never written anywhere."""
    return unicodedata.normalize("NFKC", text)


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, key(a), key(b), autojunk=False).ratio()


# --- 1. reading the DOCX ---------------------------------------------------------------------


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


def read_reviewed(path: Path) -> Reviewed:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            document = z.read("word/document.xml")
            styles = z.read("word/styles.xml") if "word/styles.xml" in names else b""
            comments = z.read("word/comments.xml") if "word/comments.xml" in names else b""
            custom = z.read(draft.CUSTOM_PATH) if draft.CUSTOM_PATH in names else b""
    except FileNotFoundError:
        raise UsageError("file not found", str(path), "give the reviewed .docx the proofreader sent back") from None
    except (zipfile.BadZipFile, KeyError):
        raise PinbanError("not a DOCX file", str(path), "save it as Word document (.docx), not .doc or .wps") from None
    try:
        doc = parse_xml(document)
        names_of, bold_styles = style_table(parse_xml(styles) if styles else None)
        notes = read_comments(parse_xml(comments)) if comments else {}
        props = read_custom_props(parse_xml(custom)) if custom else {}
    except etree.XMLSyntaxError as exc:
        raise PinbanError(f"damaged DOCX: {exc}", str(path), "open and save it again in Word or LibreOffice") from None
    reader = ParaReader(names_of, bold_styles)
    paras = [reader.read(p) for p in body_paragraphs(doc)]
    return Reviewed(paras, notes, props)


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))


def style_table(styles: etree._Element | None) -> tuple[dict[str, str], set[str]]:
    """styleId → name (clients rename ids, names survive), and the ids of bold character styles."""
    names: dict[str, str] = {}
    bold: set[str] = set()
    if styles is None:
        return names, bold
    based: dict[str, str] = {}
    for st in styles.findall("w:style", NS):
        sid = st.get(w("styleId"), "")
        name = st.find("w:name", NS)
        names[sid] = name.get(w("val"), sid) if name is not None else sid
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
        if name == draft.LEAD_STYLE[1]:
            bold.add(sid)
    return names, bold


def on(el: etree._Element | None) -> bool:
    return el is not None and el.get(w("val"), "true").lower() not in ("0", "false", "off", "none")


def read_comments(root: etree._Element) -> dict[str, DocxComment]:
    out = {}
    for c in root.findall("w:comment", NS):
        paras = ["".join(t.text or "" for t in p.iter(w("t"))) for p in c.iter(w("p"))]
        cid = c.get(w("id"), "")
        out[cid] = DocxComment(cid, c.get(w("author"), ""), c.get(w("date"), ""), "\n".join(paras).strip())
    return out


def read_custom_props(root: etree._Element) -> dict[str, str]:
    props = {}
    for prop in root:
        if isinstance(prop.tag, str) and prop.get("name"):
            props[prop.get("name")] = "".join(prop.itertext()).strip()
    return props


def body_paragraphs(doc: etree._Element) -> list[etree._Element]:
    body = doc.find("w:body", NS)
    if body is None:
        return []
    # paragraphs in text boxes are drawn twice (mc:AlternateContent) and are not ours anyway
    return [p for p in body.iter(w("p")) if not any(a.tag == w("txbxContent") for a in p.iterancestors())]


class ParaReader:
    """One w:p → Para, walking runs inside w:ins/w:del/w:moveFrom/w:moveTo, hyperlinks, fields…"""

    TRANSPARENT: ClassVar[set[str]] = {"hyperlink", "smartTag", "customXml", "sdt", "sdtContent", "fldSimple", "dir", "bdo"}

    def __init__(self, names: dict[str, str], bold_styles: set[str]) -> None:
        self.names = names
        self.bold_styles = bold_styles

    def read(self, p: etree._Element) -> Para:
        style = p.find("w:pPr/w:pStyle", NS)
        sid = style.get(w("val"), "") if style is not None else ""
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
        rstyle = r.find("w:rPr/w:rStyle", NS)
        sid = rstyle.get(w("val"), "") if rstyle is not None else ""
        bold = on(r.find("w:rPr/w:b", NS)) or sid in self.bold_styles
        marker = self.names.get(sid, sid) == draft.LOCATION_STYLE[1]
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


# --- 2. mapping paragraphs to IDs ----------------------------------------------------------------


@dataclass
class Unit:
    """A paragraph, or the part of one that a bookmark claims (several after an untracked merge)."""

    id: str | None
    para: int
    toks: list[Tok]
    style: str
    mark: Tok  # the paragraph break after this unit, as a token with both views
    format_changed: bool = False


@dataclass
class Theirs:
    id: str
    toks: list[Tok]
    how: str  # "bookmark" | "re-anchored"
    end: Tok  # the paragraph mark that ends it
    paras: list[int]
    format_changed: bool = False
    joined_next: bool = False

    @property
    def original(self) -> str:
        return view(self.toks, False)

    @property
    def accepted(self) -> str:
        return view(self.toks, True)


@dataclass
class Unmapped:
    after: str  # the ID before it, "" at the start
    text: str
    style: str


@dataclass
class Mapping:
    found: dict[str, Theirs]
    order: list[str]  # IDs in document order
    unmapped: list[Unmapped]
    missing: list[str]
    by_bookmark: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.by_bookmark / self.total if self.total else 100.0

    @property
    def reanchored(self) -> int:
        return self.total - self.by_bookmark - len(self.missing)


def split_units(paras: list[Para], bookmark_ids: dict[str, str]) -> list[Unit]:
    units: list[Unit] = []
    seen: set[str] = set()
    for pi, para in enumerate(paras):
        mark = Tok("\n", para.mark_orig, para.mark_acc, author=para.mark_author)
        ids = []
        for name, pos in para.marks:
            item_id = bookmark_ids.get(name)
            if item_id and item_id not in seen:  # a copied bookmark counts once
                seen.add(item_id)
                ids.append((item_id, pos))
        if not ids:
            units.append(Unit(None, pi, para.toks, para.style, mark, para.format_changed))
            continue
        for k, (item_id, pos) in enumerate(ids):
            start = 0 if k == 0 else pos  # text before the first bookmark is the first ID's
            end = ids[k + 1][1] if k + 1 < len(ids) else len(para.toks)
            # IDs sharing one w:p were merged without tracking: no mark between them in either view
            brk = mark if k + 1 == len(ids) else Tok("", True, False)
            units.append(Unit(item_id, pi, para.toks[start:end], para.style, brk, para.format_changed))
    return units


def strip_marker(toks: list[Tok], marker: str) -> list[Tok]:
    """Drop the location marker 〔02版·第3栏〕: it is pinban's, not the proofreader's text."""
    if marker:
        text = "".join(t.ch for t in toks)
        at = text.rfind(marker)
        if at >= 0:
            return toks[:at] + toks[at + len(marker) :]
    # a marker of another export: marker-styled 〔…〕 that nobody inserted
    text = "".join(t.ch if t.marker and t.orig else "\0" for t in toks)
    m = None
    for m in re.finditer(r"〔[^〔〕\0]*〕", text):
        pass
    if m:
        return toks[: m.start()] + toks[m.end() :]
    return toks


def map_paragraphs(reviewed: Reviewed, manifest: dict[str, Any]) -> Mapping:
    entries = manifest["items"]
    bookmark_ids = {e["bookmark"]: e["id"] for e in entries}
    by_id = {e["id"]: e for e in entries}
    position = {e["id"]: n for n, e in enumerate(entries)}
    notes = {key(n).strip() for n in manifest.get("notes", [])}
    units = split_units(reviewed.paras, bookmark_ids)
    for u in units:
        u.toks = strip_marker(u.toks, by_id[u.id]["marker"] if u.id else "")
    found_by_bookmark = [u.id for u in units if u.id]
    found: dict[str, Theirs] = {}
    order: list[str] = []
    unmapped: list[Unmapped] = []
    missing = [e["id"] for e in entries if e["id"] not in set(found_by_bookmark)]
    current: Theirs | None = None
    next_known = iter_next_known(units)
    for n, u in enumerate(units):
        if u.id:
            current = Theirs(u.id, list(u.toks), "bookmark", u.mark, [u.para], u.format_changed)
            found[u.id] = current
            order.append(u.id)
            continue
        text_any = "".join(t.ch for t in u.toks if t.orig or t.acc).strip()
        if not text_any or key(text_any) in notes:
            continue  # pictures, empty paragraphs, the draft's own notes
        if current is not None and attach_as_split(current, u, by_id[current.id]["text"]):
            continue
        target = reanchor(u, missing, by_id, position, order[-1] if order else "", next_known[n])
        if target:
            missing.remove(target)
            current = Theirs(target, list(u.toks), "re-anchored", u.mark, [u.para], u.format_changed)
            found[target] = current
            order.append(target)
            continue
        unmapped.append(Unmapped(order[-1] if order else "", view(u.toks, True) or view(u.toks, False), u.style))
    mark_joins(found, order)
    return Mapping(found, order, unmapped, missing, len(found_by_bookmark), len(entries))


def iter_next_known(units: list[Unit]) -> list[str]:
    """For each unit, the next ID found by bookmark after it ("" if none): bounds re-anchoring."""
    out, nxt = [""] * len(units), ""
    for n in range(len(units) - 1, -1, -1):
        out[n] = nxt
        if units[n].id:
            nxt = units[n].id or ""
    return out


def attach_as_split(current: Theirs, u: Unit, base: str) -> bool:
    """A paragraph without ID after one with: the proofreader split it or added one after it."""
    inserted_mark = not current.end.orig  # tracked split: the first part's mark is new
    all_new = all(t.acc and not t.orig for t in u.toks) and not u.mark.orig
    if inserted_mark or all_new:
        brk = current.end if inserted_mark else Tok("\n", False, True, author=next((t.author for t in u.toks), ""))
        current.toks += [brk] + list(u.toks)
        current.end = u.mark if inserted_mark else current.end
        current.paras.append(u.para)
        current.format_changed |= u.format_changed
        return True
    # split without tracking: the two parts together read like the exported paragraph
    alone, joined = current.original, current.original + view(u.toks, False)
    joined_score = similarity(joined, base)
    if alone != base and (key(joined) == key(base) or (joined_score >= 0.9 and joined_score > similarity(alone, base))):
        current.toks += [current.end] + list(u.toks)
        current.end = u.mark
        current.paras.append(u.para)
        return True
    return False


def reanchor(
    u: Unit, missing: list[str], by_id: dict[str, dict], position: dict[str, int], prev: str, nxt: str
) -> str:
    """A paragraph that lost its bookmark: the most similar missing ID between its neighbours."""
    lo = position[prev] if prev else -1
    hi = position[nxt] if nxt else len(position)
    text = view(u.toks, False)
    best, best_score = "", 0.0
    for item_id in missing:
        if not lo < position[item_id] < hi:
            continue
        score = similarity(text, by_id[item_id]["text"])
        need = 0.6 if u.style == by_id[item_id]["style"] else 0.8
        if score >= need and score > best_score:
            best, best_score = item_id, score
    return best


def mark_joins(found: dict[str, Theirs], order: list[str]) -> None:
    """An ID whose paragraph mark is gone in the accepted view runs on into the next ID."""
    for a in order[:-1]:
        found[a].joined_next = not found[a].end.acc


# --- 3. the current sources, with positions to write into ------------------------------------


@dataclass
class MdBlock:
    """A report.md block with the file offsets of its line, body and runs."""

    line: int
    kind: str
    line_start: int
    line_end: int  # before the line ending
    next_line: int  # after the line ending
    content_start: int
    content_end: int
    body_start: int
    runs: list[tuple[str, bool, int]]  # text, bold, offset of the text in the file

    @property
    def text(self) -> str:
        return "".join(r[0] for r in self.runs)


def parse_report(text: str) -> list[MdBlock]:
    """report.md as sources.load_report reads it, keeping offsets. ValueError on a stray **."""
    blocks, pos = [], 0
    for number, chunk in enumerate(text.splitlines(keepends=True), start=1):
        parts = chunk.splitlines()
        line = parts[0] if parts else ""
        start, pos = pos, pos + len(chunk)
        stripped = line.strip()
        if not stripped:
            continue
        content_start = start + len(line) - len(line.lstrip())
        kind, body = classify(stripped)
        marker = MARKER_LEN.get(kind, 0)
        rest = stripped[marker:]
        body_start = content_start + marker + len(rest) - len(rest.lstrip())
        runs: list[tuple[str, bool, int]] = []
        at = 0
        for m in BOLD_RE.finditer(body):
            if m.start() > at:
                runs.append((body[at : m.start()], False, body_start + at))
            runs.append((m.group(1), True, body_start + m.start() + 2))
            at = m.end()
        if at < len(body):
            runs.append((body[at:], False, body_start + at))
        if any("**" in r[0] for r in runs):
            raise ValueError(f"{REPORT_FILE}:{number}: unbalanced **")
        runs = [r for r in runs if r[0]]
        blocks.append(
            MdBlock(number, kind, start, start + len(line), pos, content_start, content_start + len(stripped), body_start, runs)
        )
    return blocks


MARKER_LEN = {"section": 2, "subsection": 3, "intro": 2}  # "# ", "## ", "> "


def line_ending(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


@dataclass
class TomlString:
    start: int  # the token, quotes included
    end: int
    value: str  # decoded
    raw_at: list[int]  # file offset of each decoded character, and of the closing quote
    quote: str  # '"' basic, "'" literal, "" multi-line (not written)


class TomlScanner:
    """Finds every string value of a TOML text with its exact span, keyed by path
    ("edition.section", "photos[2].caption", "credits[0].names[1]"). Errors end the scan;
    whatever is written is checked with tomllib afterwards."""

    ESC: ClassVar[dict[str, str]] = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b"}

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.found: dict[str, TomlString] = {}
        self.counts: dict[str, int] = {}

    def scan(self) -> dict[str, TomlString]:
        table = ""
        try:
            while self.skip(newlines=True) < len(self.s):
                if self.s[self.i] == "[":
                    table = self.header()
                else:
                    path = self.key()
                    self.skip()
                    self.expect("=")
                    self.skip()
                    self.value(f"{table}.{path}" if table else path)
        except (IndexError, ValueError):
            pass
        return self.found

    def skip(self, newlines: bool = False) -> int:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#":
                while self.i < len(s) and s[self.i] not in "\r\n":
                    self.i += 1
            else:
                break
        return self.i

    def expect(self, c: str) -> None:
        if not self.s.startswith(c, self.i):
            raise ValueError(c)
        self.i += len(c)

    def header(self) -> str:
        double = self.s.startswith("[[", self.i)
        self.i += 2 if double else 1
        self.skip()
        parts = [self.key()]
        self.skip()
        self.expect("]]" if double else "]")
        name = parts[0]
        if double:
            self.counts[name] = self.counts.get(name, 0) + 1
            return f"{name}[{self.counts[name] - 1}]"
        head, _, rest = name.partition(".")  # [photos.place] belongs to the last [[photos]]
        if rest and head in self.counts:
            return f"{head}[{self.counts[head] - 1}].{rest}"
        return name

    def key(self) -> str:
        parts = []
        while True:
            self.skip()
            c = self.s[self.i]
            if c in "\"'":
                parts.append(self.string().value)
            else:
                m = re.compile(r"[A-Za-z0-9_-]+").match(self.s, self.i)
                if not m:
                    raise ValueError("key")
                parts.append(m.group())
                self.i = m.end()
            self.skip()
            if self.i < len(self.s) and self.s[self.i] == ".":
                self.i += 1
                continue
            return ".".join(parts)

    def value(self, path: str) -> None:
        c = self.s[self.i]
        if c in "\"'":
            self.found[path] = self.string()
        elif c == "[":
            self.i += 1
            n = 0
            while self.skip(newlines=True) < len(self.s) and self.s[self.i] != "]":
                self.value(f"{path}[{n}]")
                n += 1
                self.skip(newlines=True)
                if self.s[self.i] == ",":
                    self.i += 1
            self.expect("]")
        elif c == "{":
            self.i += 1
            while self.skip() < len(self.s) and self.s[self.i] != "}":
                sub = self.key()
                self.skip()
                self.expect("=")
                self.skip()
                self.value(f"{path}.{sub}")
                self.skip()
                if self.s[self.i] == ",":
                    self.i += 1
            self.expect("}")
        else:
            m = re.compile(r"[^,\]}\r\n#]*").match(self.s, self.i)
            self.i = m.end() if m else self.i + 1

    def string(self) -> TomlString:
        s, start = self.s, self.i
        q = s[start]
        if s.startswith(q * 3, start):  # multi-line: found, but not written into
            end = s.index(q * 3, start + 3) + 3
            while end < len(s) and s[end] == q:
                end += 1
            self.i = end
            return TomlString(start, end, "", [], "")
        j, chars, raw_at = start + 1, [], []
        while s[j] != q:
            if s[j] in "\r\n":
                raise ValueError("newline in string")
            raw_at.append(j)
            if q == '"' and s[j] == "\\":
                e = s[j + 1]
                if e in "uU":
                    width = 4 if e == "u" else 8
                    chars.append(chr(int(s[j + 2 : j + 2 + width], 16)))
                    j += 2 + width
                else:
                    chars.append(self.ESC[e])
                    j += 2
            else:
                chars.append(s[j])
                j += 1
        raw_at.append(j)
        self.i = j + 1
        return TomlString(start, j + 1, "".join(chars), raw_at, q)


def toml_escape(text: str, quote: str) -> str | None:
    """Text as it goes between the quotes; None when a literal string cannot hold it."""
    if quote == "'":
        return None if ("'" in text or any(ord(c) < 0x20 and c != "\t" or c == "\x7f" for c in text)) else text
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[c])
        elif ord(c) < 0x20 or c == "\x7f":
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


# --- 4. three-way merge per ID -------------------------------------------------------------------


@dataclass
class Edit:
    start: int  # base (or, after rebasing, source) coordinates
    end: int
    text: str
    bold: tuple[bool, ...] = ()
    authors: tuple[str, ...] = ()

    def moved(self, by: int) -> Edit:
        return Edit(self.start + by, self.end + by, self.text, self.bold, self.authors)


def tracked_edits(toks: list[Tok]) -> list[Edit]:
    """The proofreader's edits, exactly as tracked: positions in the original view."""
    edits: list[Edit] = []
    cur: dict[str, Any] | None = None
    i = 0

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            edits.append(Edit(cur["start"], cur["end"], cur["text"], tuple(cur["bold"]), tuple(dict.fromkeys(cur["authors"]))))
            cur = None

    for t in toks:
        if t.orig and t.acc:
            flush()
            i += len(t.ch)
            continue
        if not t.orig and not t.acc:
            continue  # inserted, then deleted again
        if cur is None:
            cur = {"start": i, "end": i, "text": "", "bold": [], "authors": []}
        cur["authors"].append(t.author or "?")
        if t.orig:  # deleted
            i += len(t.ch)
            cur["end"] = i
        else:  # inserted
            cur["text"] += t.ch
            cur["bold"] += [t.bold] * len(t.ch)
    flush()
    return edits


def diff_edits(base: str, new: str, bold: list[bool], authors: tuple[str, ...]) -> list[Edit]:
    ops = difflib.SequenceMatcher(None, base, new, autojunk=False).get_opcodes()
    return [Edit(i1, i2, new[j1:j2], tuple(bold[j1:j2]), authors) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def theirs_edits(t: Theirs, base: str) -> tuple[list[Edit], bool]:
    """(edits on base, tracked?). Edits made without Track Changes show as original ≠ base."""
    if t.original == base:
        return tracked_edits(t.toks), True
    accepted = [tok for tok in t.toks if tok.acc]
    authors = tuple(dict.fromkeys([tok.author for tok in t.toks if tok.author and tok.orig != tok.acc] + [UNTRACKED]))
    bold = [tok.bold for tok in accepted for _ in tok.ch]
    return diff_edits(base, t.accepted, bold, authors), False


def apply_edits(text: str, edits: list[Edit]) -> str:
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: e.start] + e.text + text[e.end :]
    return text


def rebase(theirs: list[Edit], base: str, ours: str) -> tuple[list[Edit], str]:
    """Theirs edits moved onto the current source; ("", reason) on a conflict."""
    ops = [op for op in difflib.SequenceMatcher(None, base, ours, autojunk=False).get_opcodes()]
    mine = [(i1, i2, ours[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    out = []
    for e in theirs:
        if any((i1, i2, txt) == (e.start, e.end, e.text) for i1, i2, txt in mine):
            continue  # the source already has this very correction (摄 → 摄影 stays 摄影)
        clash = [m for m in mine if e.start <= m[1] and m[0] <= e.end]
        if clash:
            return [], "the source changed at the same place since the draft was exported"
        shift = next((j1 - i1 for tag, i1, i2, j1, j2 in ops if tag == "equal" and i1 <= e.start and e.end <= i2), 0)
        out.append(e.moved(shift))
    return out, ""


# --- 5. placing edits into source fields ---------------------------------------------------------


class Unwritable(Exception):
    """An edit pinban cannot write back by itself; the editor does it by hand."""


@dataclass(frozen=True)
class FieldEdit:
    field: str
    start: int  # in the field's text
    end: int
    text: str


def piece_spans(item: draft.Item) -> list[tuple[int, int, draft.Piece]]:
    spans, pos = [], 0
    for p in item.pieces:
        spans.append((pos, pos + len(p.text), p))
        pos += len(p.text)
    return spans


def field_values(item: draft.Item, edits: list[FieldEdit]) -> dict[str, str]:
    """The intended new value of every field the edits touch."""
    values = {p.field: p.text for p in item.pieces if p.field}
    out: dict[str, str] = {}
    for fe in sorted(edits, key=lambda f: (f.start, f.end), reverse=True):
        text = out.get(fe.field, values[fe.field])
        out[fe.field] = text[: fe.start] + fe.text + text[fe.end :]
    return out


def place_edit(e: Edit, item: draft.Item) -> list[FieldEdit]:
    """One edit in item coordinates → edits of the source fields it touches. Inserted text goes
    where its boldness says: at 引语。|正文 a bold insertion stays inside **…**, a plain one after."""
    spans = piece_spans(item)
    deleting: dict[int, FieldEdit] = {}
    for n, (ps, pe, p) in enumerate(spans):
        a, b = max(e.start, ps), min(e.end, pe)
        if a < b:
            if not p.field:
                raise generated(p, item)
            deleting[n] = FieldEdit(p.field, a - ps, b - ps, "")
    inserting: dict[int, str] = {}
    if e.text:
        candidates = [n for n, (ps, pe, p) in enumerate(spans) if ps <= e.end and e.start <= pe and p.field]
        if not candidates:
            raise generated(spans[0][2], item)
        at = 0
        for text, bold in bold_runs(e.text, e.bold):
            # keep the order of the text: only move forward to a piece of the same boldness
            at = next((k for k in range(at, len(candidates)) if spans[candidates[k]][2].bold == bold), at)
            n = candidates[at]
            check_insertable(text, spans[n][2], item)
            inserting[n] = inserting.get(n, "") + text
    out = []
    for n in sorted(set(deleting) | set(inserting)):
        ps, pe, p = spans[n]
        if n in deleting:
            fe = deleting[n]
            out.append(FieldEdit(fe.field, fe.start, fe.end, inserting.get(n, "")))
        else:
            pos = min(max(e.start, ps), pe) - ps
            out.append(FieldEdit(p.field, pos, pos, inserting[n]))
    return out


def generated(piece: draft.Piece, item: draft.Item) -> Unwritable:
    if item.id == "furniture.date":
        return Unwritable("the date line is made from [edition] date and weekday: change those in edition.toml")
    return Unwritable(f"“{piece.text}” is pinban's own text, not from the sources")


def bold_runs(text: str, bold: tuple[bool, ...]) -> list[tuple[str, bool]]:
    flags = list(bold) + [False] * (len(text) - len(bold))
    runs: list[tuple[str, bool]] = []
    for ch, b in zip(text, flags):
        if runs and runs[-1][1] == b:
            runs[-1] = (runs[-1][0] + ch, b)
        else:
            runs.append((ch, b))
    return runs


def check_insertable(text: str, piece: draft.Piece, item: draft.Item) -> None:
    if "\n" in text and (item.file != REPORT_FILE or item.kind not in (BODY, INTRO)):
        raise Unwritable("a new paragraph break here has no place in the sources")
    is_name = ".names[" in piece.field or piece.field.endswith(".role")
    if is_name and any(c.isspace() or c in "：:" for c in text):
        raise Unwritable("names are separate entries in edition.toml")
    if "**" in text and item.file == REPORT_FILE:
        raise Unwritable("** would change the bold markers")


# --- 6. the plan: edits of the source files -------------------------------------------------------


@dataclass(frozen=True)
class FileEdit:
    start: int
    end: int
    text: str


@dataclass
class Change:
    """One line of the 核红 list."""

    id: str
    location: str
    where: str
    before: str
    after: str
    authors: tuple[str, ...]
    tracked: bool
    note: str = ""


@dataclass
class Conflict:
    id: str
    where: str
    reason: str
    base: str = ""
    theirs: str = ""
    ours: str = ""


@dataclass
class ReviewComment:
    id: str
    location: str
    author: str
    date: str
    quote: str
    text: str


@dataclass
class GroupPlan:
    ids: list[str]
    md: list[FileEdit] = field(default_factory=list)
    toml: list[tuple[str, FieldEdit]] = field(default_factory=list)  # path, edit in the value
    expect_blocks: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # line → new (kind, text)s
    expect_toml: dict[str, str] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)


@dataclass
class ReviewResult:
    reviewed: Path
    edition: str
    export_id: str
    dry_run: bool
    mapping: Mapping
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    not_applied: list[Conflict] = field(default_factory=list)
    comments: list[ReviewComment] = field(default_factory=list)
    pinban_comments: int = 0
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        return format_report(self)


class Sources:
    """The edition's files as they are now, and the current text of every ID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.md_raw, self.md_bom = read_text(folder / REPORT_FILE)
        self.toml_raw, self.toml_bom = read_text(folder / EDITION_FILE)
        edition = load_edition(folder)  # the sources must load before anything is merged into them
        self.items = {it.id: it for it in draft.draft_items(edition)}
        self.blocks = {b.line: b for b in parse_report(self.md_raw)}
        self.strings = TomlScanner(self.toml_raw).scan()
        self.eol = line_ending(self.md_raw)
        self.block_items = [it for it in self.items.values() if it.file == REPORT_FILE]

    def where(self, item: draft.Item) -> str:
        """file:line of an item now; for edition.toml the line of its first value."""
        for p in item.pieces:
            s = self.strings.get(p.field) if item.file == EDITION_FILE else None
            if s is not None:
                return f"{EDITION_FILE}:{self.toml_raw.count(chr(10), 0, s.start) + 1}"
        return item.where

    def toml_string(self, path: str) -> TomlString:
        s = self.strings.get(path) or (self.strings.get(path[:-3]) if path.endswith("[0]") else None)
        if s is None or not s.quote:
            raise Unwritable(f"{EDITION_FILE}: {path} is not a plain one-line string")
        return s


def read_text(path: Path) -> tuple[str, bool]:
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    return raw.decode("utf-8").removeprefix("\ufeff"), bom


def align_blocks(manifest_items: list[dict], sources: Sources) -> dict[str, draft.Item]:
    """Exported block IDs → current blocks. IDs are positions (b001…), so an editor who added a
    paragraph since the export shifted them: align by text, then pair what changed in order."""
    base = [e for e in manifest_items if e["source"]["file"] == REPORT_FILE]
    now = sources.block_items
    sm = difflib.SequenceMatcher(None, [key(e["text"]) for e in base], [key(it.text) for it in now], autojunk=False)
    out: dict[str, draft.Item] = {}
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            out.update({base[i1 + k]["id"]: now[j1 + k] for k in range(i2 - i1)})
        elif tag == "replace":
            free = list(range(j1, j2))
            for e in base[i1:i2]:
                scored = [(similarity(e["text"], now[j].text), j) for j in free]
                if scored and max(scored)[0] >= 0.5:
                    j = max(scored)[1]
                    free.remove(j)
                    out[e["id"]] = now[j]
    return out


def context(text: str, a: int, b: int, repl: str, width: int = 8) -> tuple[str, str]:
    lo, hi = max(0, a - width), min(len(text), b + width)
    left = ("…" if lo > 0 else "") + text[lo:a]
    right = text[b:hi] + ("…" if hi < len(text) else "")
    return left + text[a:b] + right, left + repl + right


class Planner:
    def __init__(self, sources: Sources, manifest: dict[str, Any], mapping: Mapping) -> None:
        self.src = sources
        self.entries = {e["id"]: e for e in manifest["items"]}
        self.mapping = mapping
        self.ours = {e["id"]: sources.items.get(e["id"]) for e in manifest["items"] if e["source"]["file"] != REPORT_FILE}
        self.ours.update(align_blocks(manifest["items"], sources))

    def groups(self) -> list[list[str]]:
        """IDs in document order; those merged into one paragraph form one group."""
        out: list[list[str]] = []
        joining = False
        order = self.mapping.order
        for n, item_id in enumerate(order):
            if joining:
                out[-1].append(item_id)
            else:
                out.append([item_id])
            t = self.mapping.found[item_id]
            nxt = self.mapping.found[order[n + 1]] if n + 1 < len(order) else None
            # a paragraph deleted with its mark is a deletion, not a merge
            joining = t.joined_next and bool(t.accepted.strip()) and nxt is not None and bool(nxt.accepted.strip())
        return out

    def plan(self, ids: list[str]) -> GroupPlan:
        """Raises Conflict-worthy PlanError, Unwritable; returns the edits of one group."""
        plan = GroupPlan(ids)
        parts = []
        for item_id in ids:
            entry = self.entries[item_id]
            t = self.mapping.found[item_id]
            base = entry["text"]
            edits, tracked = theirs_edits(t, base)
            ours = self.ours.get(item_id)
            deleted = not t.accepted.strip() and t.accepted != base
            if not edits and len(ids) == 1:
                return plan
            if ours is None:
                raise PlanError("the paragraph is no longer in the sources", base, t.accepted, "")
            if t.accepted == ours.text and len(ids) == 1:
                return plan  # already so in the source
            moved, reason = rebase(edits, base, ours.text)
            if reason:
                raise PlanError(reason, base, t.accepted, ours.text)
            parts.append((item_id, ours, moved, tracked, deleted))
        if len(parts) > 1:
            self.check_join(parts)
        for item_id, ours, moved, tracked, deleted in parts:
            self.plan_item(plan, item_id, ours, moved, tracked, deleted, joined=len(parts) > 1)
        if len(parts) > 1:
            self.plan_join(plan, parts)
        return plan

    def check_join(self, parts: list[tuple]) -> None:
        kinds = {ours.kind for _, ours, *_ in parts}
        lines = [ours.line for _, ours, *_ in parts]
        blocks = sorted(self.src.blocks)
        if any(ours.file != REPORT_FILE for _, ours, *_ in parts):
            raise Unwritable("a headline, caption or furniture paragraph was merged with the next one")
        if len(kinds) > 1:
            raise Unwritable("a heading and a paragraph were merged into one")
        for a, b in itertools.pairwise(lines):
            if blocks.index(b) != blocks.index(a) + 1:
                raise Unwritable("the merged paragraphs are no longer next to each other in the source")

    def plan_item(
        self, plan: GroupPlan, item_id: str, ours: draft.Item, edits: list[Edit], tracked: bool, deleted: bool, joined: bool
    ) -> None:
        location = self.entries[item_id].get("location", "")
        authors = tuple(dict.fromkeys(a for e in edits for a in e.authors))
        if ours.file == REPORT_FILE:
            block = self.src.blocks[ours.line]
            if [r[0] for r in block.runs] != [p.text for p in ours.pieces]:
                raise PlanError(f"{REPORT_FILE}:{ours.line} does not read as it loads", "", "", "")
            if deleted:
                plan.md.append(self.delete_block(block))
                plan.expect_blocks[block.line] = []
                plan.changes.append(Change(item_id, location, self.src.where(ours), ours.text, "(删除本段)", authors, tracked, "删段"))
                return
            plan.md += [self.md_edit(block, fe) for e in edits for fe in place_edit(e, ours)]
            new_text = apply_edits(ours.text, edits)
            parts = [new_text] if joined else [p.strip() for p in new_text.split("\n")]
            plan.expect_blocks[block.line] = [(block.kind if n == 0 else BODY, p) for n, p in enumerate(parts) if p]
        else:
            field_edits = [fe for e in edits for fe in place_edit(e, ours)]
            plan.toml += [(fe.field, fe) for fe in field_edits]
            plan.expect_toml.update(field_values(ours, field_edits))
        for e in edits:
            before, after = context(ours.text, e.start, e.end, e.text)
            note = "分段" if "\n" in e.text else ""
            plan.changes.append(Change(item_id, location, self.src.where(ours), before, after, e.authors, tracked, note))

    def plan_join(self, plan: GroupPlan, parts: list[tuple]) -> None:
        first = self.src.blocks[parts[0][1].line]
        texts = []
        for n, (item_id, ours, edits, *_rest) in enumerate(parts):
            block = self.src.blocks[ours.line]
            texts.append(apply_edits(ours.text, edits))
            if n:
                prev = self.src.blocks[parts[n - 1][1].line]
                plan.md.append(FileEdit(prev.content_end, block.body_start, ""))
                plan.expect_blocks[block.line] = []
        plan.expect_blocks[first.line] = [(first.kind, "".join(texts))]
        authors = tuple(dict.fromkeys(a for t in (self.mapping.found[i] for i in plan.ids) for a in [t.end.author] if a))
        ids = "+".join(plan.ids)
        plan.changes.append(Change(ids, self.entries[plan.ids[0]].get("location", ""), parts[0][1].where,
                                   f"(分为 {len(parts)} 段)", "(并为一段)", authors or (UNTRACKED,), True, "并段"))

    def md_edit(self, block: MdBlock, fe: FieldEdit) -> FileEdit:
        k = int(fe.field.removeprefix("run"))
        at = block.runs[k][2]
        text = fe.text.replace("\n", self.src.eol * 2)  # a new paragraph is a new line after a blank one
        return FileEdit(at + fe.start, at + fe.end, text)

    def delete_block(self, block: MdBlock) -> FileEdit:
        lines = sorted(self.src.blocks)
        n = lines.index(block.line)
        if n + 1 < len(lines):
            return FileEdit(block.line_start, self.src.blocks[lines[n + 1]].line_start, "")
        if n > 0:
            return FileEdit(self.src.blocks[lines[n - 1]].content_end, block.content_end, "")
        raise Unwritable("the report would be empty")


class PlanError(Exception):
    def __init__(self, reason: str, base: str, theirs: str, ours: str) -> None:
        super().__init__(reason)
        self.reason, self.base, self.theirs, self.ours = reason, base, theirs, ours


# --- 7. writing, checked ------------------------------------------------------------------------


def apply_file_edits(text: str, edits: list[FileEdit]) -> str:
    ordered = sorted(edits, key=lambda e: (e.start, e.end), reverse=True)
    for a, b in itertools.pairwise(ordered):  # b is before a
        if b.end > a.start:
            raise Unwritable("two corrections overlap in the source")
    for e in ordered:
        text = text[: e.start] + e.text + text[e.end :]
    return text


def toml_file_edits(src: Sources, edits: list[tuple[str, FieldEdit]]) -> list[FileEdit]:
    per_path: dict[str, list[FieldEdit]] = {}
    for path, fe in edits:
        per_path.setdefault(path, []).append(fe)
    out = []
    for path, fes in per_path.items():
        s = src.toml_string(path)
        lead = len(s.value) - len(s.value.lstrip())  # the loader strips values
        texts = [toml_escape(fe.text, s.quote) for fe in fes]
        if any(t is None for t in texts):  # a literal string cannot hold it: rewrite as a basic string
            value = s.value
            for fe in sorted(fes, key=lambda f: (f.start, f.end), reverse=True):
                value = value[: lead + fe.start] + fe.text + value[lead + fe.end :]
            out.append(FileEdit(s.start, s.end, '"' + (toml_escape(value, '"') or "") + '"'))
            continue
        for fe, t in zip(fes, texts):
            out.append(FileEdit(s.raw_at[lead + fe.start], s.raw_at[lead + fe.end], t or ""))
    return out


def expected_report(src: Sources, plans: list[GroupPlan]) -> list[tuple[str, str]]:
    changed: dict[int, list[tuple[str, str]]] = {}
    for p in plans:
        changed.update(p.expect_blocks)
    out = []
    for line in sorted(src.blocks):
        b = src.blocks[line]
        out += changed.get(line, [(b.kind, b.text)])
    return out


def check_report(src: Sources, plans: list[GroupPlan]) -> str:
    """The new report.md, if it parses to exactly the intended blocks; else Unwritable."""
    edits = [e for p in plans for e in p.md]
    new = apply_file_edits(src.md_raw, edits)
    try:
        got = [(b.kind, b.text) for b in parse_report(new)]
    except ValueError as exc:
        raise Unwritable(f"the result would not load ({exc})") from None
    if got != expected_report(src, plans):
        raise Unwritable("the result would not read as intended (a marker or line break in the way)")
    return new


def set_path(data: Any, path: str, value: str) -> None:
    parts: list[Any] = [int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"[^.\[\]]+|\[\d+\]", path)]
    for k in parts[:-1]:
        if isinstance(data[k], str):  # names = "陈琛": the one name is the string itself
            data[k] = value
            return
        data = data[k]
    data[parts[-1]] = value


def check_toml(src: Sources, plans: list[GroupPlan]) -> str:
    edits = [(path, fe) for p in plans for path, fe in p.toml]
    new = apply_file_edits(src.toml_raw, toml_file_edits(src, edits))
    try:
        got = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise Unwritable(f"{EDITION_FILE} would not parse ({exc})") from None
    want = tomllib.loads(src.toml_raw)
    for p in plans:
        for path, value in p.expect_toml.items():
            s = src.toml_string(path)
            lead = s.value[: len(s.value) - len(s.value.lstrip())]
            trail = s.value[len(s.value.rstrip()) :]
            set_path(want, path, lead + value + trail)
    if got != want:
        raise Unwritable(f"{EDITION_FILE} would not read as intended")
    return new


def encode(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


# --- 8. the whole: apply_review --------------------------------------------------------------------


def apply_review(reviewed: Path, edition_dir: Path, dry_run: bool = False) -> ReviewResult:
    reviewed, edition_dir = Path(reviewed), Path(edition_dir)
    doc = read_reviewed(reviewed)
    export_id = doc.props.get(draft.PROP_EXPORT_ID, "")
    manifest = find_manifest(reviewed, edition_dir, export_id, doc)
    if manifest.get("edition") != edition_dir.name:
        raise UsageError(
            f"the draft is for edition {manifest.get('edition')}, not {edition_dir.name}",
            str(reviewed),
            f"run: pinban proof apply {reviewed} {manifest.get('edition')}",
        )
    mapping = map_paragraphs(doc, manifest)
    result = ReviewResult(reviewed, edition_dir.name, manifest["export_id"], dry_run, mapping)
    if not export_id:
        result.notes.append("the DOCX lost its export id; the manifest was matched by bookmarks")
    collect_comments(result, doc, manifest)
    sources = Sources(edition_dir)
    planner = Planner(sources, manifest, mapping)
    plans = plan_groups(planner, result)
    write_sources(sources, plans, result)
    return result


def find_manifest(reviewed: Path, edition_dir: Path, export_id: str, doc: Reviewed) -> dict[str, Any]:
    """The manifest of the export the proofreader worked on: beside the DOCX, or in the
    edition's output folder (draft.manifest.json, or manifests/<export id>.json for older rounds)."""
    out = project_root() / "output" / edition_dir.name
    candidates = [reviewed.with_suffix(".manifest.json"), reviewed.parent / draft.MANIFEST_NAME]
    for folder in (reviewed.parent, out):
        if export_id:
            candidates.append(folder / draft.MANIFEST_ARCHIVE / f"{export_id}.json")
    candidates.append(out / draft.MANIFEST_NAME)
    names = {name for p in doc.paras for name, _ in p.marks}
    seen: list[str] = []
    for path in candidates:
        if not path.is_file():
            continue
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("format") != draft.MANIFEST_FORMAT:
            continue
        if export_id and manifest.get("export_id") == export_id:
            return manifest
        if not export_id and names & {e["bookmark"] for e in manifest.get("items", [])}:
            return manifest
        seen.append(f"{path.name} ({manifest.get('export_id')})")
    hint = (f"looked beside the DOCX and in {out}; put the draft.manifest.json written with that draft "
            "beside it (or its manifests/<export id>.json)")
    if seen:
        raise PinbanError(f"no manifest for export {export_id or '?'}; found only {', '.join(seen)}", str(reviewed), hint)
    raise PinbanError("no draft.manifest.json for this draft", str(reviewed), hint)


def collect_comments(result: ReviewResult, doc: Reviewed, manifest: dict[str, Any]) -> None:
    """Proofreaders' comments, with the text they are anchored on, for the editor to read."""
    entries = {e["id"]: e for e in manifest["items"]}
    owner: dict[int, str] = {}
    for item_id, t in result.mapping.found.items():
        for pi in t.paras:
            owner[pi] = item_id
    starts: dict[str, tuple[int, int]] = {}
    ends: dict[str, tuple[int, int]] = {}
    for pi, para in enumerate(doc.paras):
        for kind, cid, pos in para.comments:
            (starts if kind == "start" else ends).setdefault(cid, (pi, pos))
            if kind == "ref":
                starts.setdefault(cid, (pi, pos))
    for cid, c in sorted(doc.comments.items(), key=lambda kv: starts.get(kv[0], (10**9, 0))):
        if c.author == draft.PINBAN_AUTHOR:
            result.pinban_comments += 1
            continue
        pi, pos = starts.get(cid, (-1, 0))
        quote = quote_text(doc.paras, starts.get(cid), ends.get(cid))
        item_id = owner.get(pi, "")
        loc = entries[item_id].get("location", "") if item_id else ""
        result.comments.append(ReviewComment(item_id, loc, c.author, c.date, quote, c.text))


def quote_text(paras: list[Para], start: tuple[int, int] | None, end: tuple[int, int] | None) -> str:
    if start is None or end is None:
        return ""
    (p1, i1), (p2, i2) = start, end
    out = []
    for pi in range(p1, p2 + 1):
        toks = paras[pi].toks[i1 if pi == p1 else 0 : i2 if pi == p2 else None]
        out.append(view([t for t in toks if not t.marker], True))
    return "\n".join(out)


def plan_groups(planner: Planner, result: ReviewResult) -> list[GroupPlan]:
    plans = []
    for ids in planner.groups():
        where = ", ".join(planner.entries[i]["source"]["file"] + (f":{planner.ours[i].line}" if planner.ours.get(i) and planner.ours[i].line else "") for i in ids)
        try:
            plan = planner.plan(ids)
        except PlanError as exc:
            result.conflicts.append(Conflict("+".join(ids), where, exc.reason, exc.base, exc.theirs, exc.ours))
            continue
        except Unwritable as exc:
            t = planner.mapping.found[ids[0]]
            result.not_applied.append(Conflict("+".join(ids), where, str(exc), planner.entries[ids[0]]["text"], t.accepted))
            continue
        if plan.changes:
            plans.append(plan)
        for i in ids:
            if planner.mapping.found[i].format_changed:
                result.notes.append(f"{i}: formatting changes (bold, fonts…) are not carried into the sources")
    return plans


def candidate(src: Sources, plans: list[GroupPlan]) -> tuple[str, str]:
    """The new report.md and edition.toml for these plans, checked: each reads as intended and
    the edition still loads (limits, required values). Unwritable otherwise."""
    new_md, new_toml = check_report(src, plans), check_toml(src, plans)
    with tempfile.TemporaryDirectory(prefix="pinban-review-") as tmp:
        folder = Path(tmp) / src.folder.name
        folder.mkdir()
        (folder / REPORT_FILE).write_text(new_md, encoding="utf-8")
        (folder / EDITION_FILE).write_text(new_toml, encoding="utf-8")
        try:
            load_edition(folder)  # photos are absent here: that is only a warning
        except PinbanError as exc:
            raise Unwritable(f"the sources would not load: {exc}") from None
    return new_md, new_toml


def write_sources(src: Sources, plans: list[GroupPlan], result: ReviewResult) -> None:
    """Keep every group that is safe on its own, check them together, then write atomically."""
    good = []
    for p in plans:
        try:
            candidate(src, [p])
            good.append(p)
        except Unwritable as exc:
            where = ", ".join(sorted({c.where for c in p.changes}))
            result.not_applied.append(Conflict("+".join(p.ids), where, str(exc)))
    new_md, new_toml = candidate(src, good)
    for p in good:
        result.changes += p.changes
    if result.dry_run:
        return
    for name, new, old, bom in ((REPORT_FILE, new_md, src.md_raw, src.md_bom), (EDITION_FILE, new_toml, src.toml_raw, src.toml_bom)):
        if new != old:
            write_atomic(src.folder / name, encode(new, bom))
            result.written.append(src.folder / name)


# --- 9. the report -------------------------------------------------------------------------------


def format_report(r: ReviewResult) -> str:
    m = r.mapping
    lines = [
        f"proof apply: {r.reviewed.name} → {r.edition} (export {r.export_id})" + ("  [dry run: nothing written]" if r.dry_run else ""),
        f"mapped {m.by_bookmark} of {m.total} paragraphs by ID ({m.percent:.0f} %)"
        + (f", {m.reanchored} re-anchored by similarity" if m.reanchored else "")
        + (f", not found: {', '.join(m.missing)}" if m.missing else ""),
    ]
    verb = "to write" if r.dry_run else "written to " + (", ".join(p.name for p in r.written) or "the sources")
    lines.append(f"核红 — {len(r.changes)} correction(s) {verb}; check them on the next proof:" if r.changes else "核红 — no corrections.")
    for n, c in enumerate(r.changes, 1):
        head = "  ".join(x for x in (c.location, c.where, c.id) if x)
        who = "、".join(c.authors) + ("" if c.tracked else f" {UNTRACKED}" if UNTRACKED not in c.authors else "")
        lines.append(f"  {n}. {head}  — {who}" + (f"  [{c.note}]" if c.note else ""))
        lines.append(f"     前 {c.before}")
        lines.append(f"     后 {c.after}")
    if r.conflicts:
        lines.append(f"冲突 conflicts — {len(r.conflicts)} paragraph(s) left unchanged:")
        for c in r.conflicts:
            lines.append(f"  {c.id} ({c.where}): {c.reason}")
            for label, text in zip(("稿 exported", "校 proofread", "源 source now"), windows(c.base, c.theirs, c.ours)):
                if text:
                    lines.append(f"     {label}: {text}")
    if r.not_applied:
        lines.append(f"未应用 not applied — {len(r.not_applied)}; make these changes by hand:")
        for c in r.not_applied:
            lines.append(f"  {c.id} ({c.where}): {c.reason}" + (f"\n     校 proofread: {short(c.theirs)}" if c.theirs else ""))
    if m.unmapped:
        lines.append(f"未对应 unmapped paragraphs — {len(m.unmapped)}, not applied:")
        for u in m.unmapped:
            lines.append(f"  after {u.after or 'the start'}: {short(u.text)}")
    if r.comments:
        lines.append(f"校对批注 — {len(r.comments)} comment(s) for the editor (never applied):")
        for c in r.comments:
            where = "  ".join(x for x in (c.location, c.id) if x) or "?"
            quote = f"“{short(c.quote, 30)}” " if c.quote else ""
            lines.append(f"  {where}  {c.author}: {quote}{c.text}")
    if r.pinban_comments:
        lines.append(f"pinban's own comments: {r.pinban_comments} (recognised, ignored)")
    lines += [f"note: {n}" for n in dict.fromkeys(r.notes)]
    return "\n".join(lines)


def windows(base: str, *others: str, before: int = 12, width: int = 48) -> list[str]:
    """The same stretch of each text, from a little before the first difference."""
    starts = [len(os.path.commonprefix([base, o])) for o in others if o and o != base]
    at = max(0, min(starts, default=0) - before)
    return [("…" if at else "") + short(t[at:], width) if t else "" for t in (base, *others)]


def short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"
