"""Three-way merge per ID: base = exported text, theirs = the proofread text, ours = the source now.
Edits that overlap or touch are conflicts, never guesses."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .map import Theirs
from .read import Tok
from .report import UNTRACKED


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

