"""The plan: each group's edits placed into source fields (report.md runs, edition.toml values),
with what the sources must read afterwards and the lines of the 核红 list."""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import draft
from ..model import BODY, INTRO
from ..sources import EDITION_FILE, REPORT_FILE, load_edition
from ..sources.report import ReportBlock, parse_report
from ..sources.text import LINE_BREAK_RE
from ..sources.tomlpos import Locator
from .map import Mapping, key, similarity
from .merge import Edit, apply_edits, rebase, theirs_edits
from .report import UNTRACKED, Change


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
class GroupPlan:
    ids: list[str]
    md: list[FileEdit] = field(default_factory=list)
    expect_blocks: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # line → new (kind, text)s
    expect_toml: dict[str, str] = field(default_factory=dict)  # key path → new value (as loaded)
    changes: list[Change] = field(default_factory=list)


class Sources:
    """The edition's files as they are now, and the current text of every ID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.md_raw, self.md_bom = read_text(folder / REPORT_FILE)
        self.toml_raw, self.toml_bom = read_text(folder / EDITION_FILE)
        edition = load_edition(folder)  # the sources must load before anything is merged into them
        self.items = {it.id: it for it in draft.draft_items(edition)}
        self.blocks = {b.line: b for b in parse_report(self.md_raw)}
        self.toml_lines = Locator(self.toml_raw, EDITION_FILE)
        self.eol = line_ending(self.md_raw)
        self.block_items = [it for it in self.items.values() if it.file == REPORT_FILE]

    def where(self, item: draft.Item) -> str:
        """file:line of an item now; for edition.toml the line of its first value."""
        if item.file == EDITION_FILE:
            for p in item.pieces:
                line = self.toml_lines.path_line(p.field) if p.field else 0
                if line:
                    return f"{EDITION_FILE}:{line}"
        return item.where


def line_ending(text: str) -> str:
    match = LINE_BREAK_RE.search(text)
    return match.group() if match else "\n"


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

    def md_edit(self, block: ReportBlock, fe: FieldEdit) -> FileEdit:
        k = int(fe.field.removeprefix("run"))
        at = block.runs[k][2]
        text = fe.text.replace("\n", self.src.eol * 2)  # a new paragraph is a new line after a blank one
        return FileEdit(at + fe.start, at + fe.end, text)

    def delete_block(self, block: ReportBlock) -> FileEdit:
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

