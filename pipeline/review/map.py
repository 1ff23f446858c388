"""Paragraphs of the reviewed DOCX → IDs: by hidden bookmark; merged and split paragraphs found;
paragraphs that lost their bookmark re-anchored by similarity between their neighbours."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..draft.items import no_break
from .read import Para, Reviewed, Tok, view


def key(text: str) -> str:
    """Comparison key only: never written anywhere."""
    return unicodedata.normalize("NFKC", text)


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, key(a), key(b), autojunk=False).ratio()


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
    text = "".join(t.ch for t in toks)
    for drawn in (no_break(marker), marker) if marker else ():  # drafts before word joiners: plain
        at = text.rfind(drawn)
        if at >= 0:
            return toks[:at] + toks[at + len(drawn) :]
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

