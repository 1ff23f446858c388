"""What a review did, and how it is told: the console report, and for the editor the 核红 list
and the conflicts as files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .map import Mapping

UNTRACKED = "(无修订痕迹)"  # author shown for edits made without Track Changes


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
    fingerprint: str = ""  # names the corrections of this review (see apply.review_fingerprint)
    already_applied: dict | None = None  # the record of an earlier apply of the same review
    files: list[Path] = field(default_factory=list)  # the 核红 list and conflicts, for the editor

    def report(self) -> str:
        return format_report(self)


def format_report(r: ReviewResult) -> str:
    if r.already_applied is not None:
        return format_already_applied(r)
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
    lines += [f"wrote {p}" for p in r.files]
    return "\n".join(lines)


def format_already_applied(r: ReviewResult) -> str:
    record = r.already_applied or {}
    left = len(record.get("conflicts", [])) + len(record.get("not_applied", []))
    lines = [f"proof apply: {r.reviewed.name} → {r.edition} (export {r.export_id})",
             f"already applied: this review was applied before ({record.get('changes', 0)} correction(s)); nothing changed."]
    if left:
        files = ", ".join(record.get("files", [])) or "the earlier report"
        lines.append(f"{left} paragraph(s) were left to the editor then: see {files}")
    return "\n".join(lines)


def windows(base: str, *others: str, before: int = 12, width: int = 48) -> list[str]:
    """The same stretch of each text, from a little before the first difference."""
    starts = [len(os.path.commonprefix([base, o])) for o in others if o and o != base]
    at = max(0, min(starts, default=0) - before)
    return [("…" if at else "") + short(t[at:], width) if t else "" for t in (base, *others)]


def short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"
