"""Flowing composed blocks through the free stretches of the columns: heads kept with their text, widows avoided, overset counted."""

from __future__ import annotations

from dataclasses import dataclass

from ..display import Overset
from ..model import SECTION, SUBSECTION
from .blocks import Item
from .geometry import KEEP_AFTER_HEAD


@dataclass
class Segment:
    """A free stretch of one body column: text frames are made from these, in reading order."""

    page: int
    column: int
    top: int  # first grid line
    rows: int


@dataclass
class Flow:
    placed: list[list[tuple[Item, int, int]]]  # per segment: (item, first grid line, height used)
    overset: list[Item]
    empty_feet: list[int]  # empty grid lines at the foot of each segment


def flow(items: list[Item], segments: list[Segment]) -> Flow:
    """Fill segments in order. A head keeps KEEP_AFTER_HEAD lines with it (one, and no space
    above it, when that is what keeps the column foot full); no short widow opens a column."""
    placed: list[list[tuple[Item, int, int]]] = [[] for _ in segments]
    empties: list[int] = []
    i = 0
    for s_index, seg in enumerate(segments):
        used = 0
        while i < len(items) and used < seg.rows:
            item = items[i]
            room = seg.rows - used
            if item.head:
                height = head_height(items, i, used, room)
                if height is None:
                    break
            else:
                height = 1
                if room == 1 and widow_next(items, i):
                    break  # the paragraph's short last line would open the next column alone
            placed[s_index].append((item, seg.top + used, height))
            used += height
            i += 1
        empties.append(seg.rows - used)
    return Flow(placed, items[i:], empties)


def head_height(items: list[Item], i: int, used: int, room: int) -> int | None:
    """Grid lines a head takes here, or None when it must move to the next column."""
    item = items[i]
    if used == 0:
        return item.height - item.space  # no space above a head at a column top
    if item.height + KEEP_AFTER_HEAD <= room:
        return item.height
    tight = item.height - item.space
    # Squeezed: without its space and with one line after it, filling the foot exactly.
    if tight + 1 == room and i + 1 < len(items) and not items[i + 1].head and not widow_next(items, i + 1):
        return tight
    return None


def widow_next(items: list[Item], i: int) -> bool:
    """True when items[i+1] is the short last line of the same paragraph as items[i]."""
    if i + 1 >= len(items):
        return False
    nxt = items[i + 1]
    if nxt.head or nxt.block is not items[i].block or not nxt.lines[0].last:
        return False
    line = nxt.lines[0]
    return line.width < line.measure * 0.6


def overset_of(fl: Flow) -> Overset | None:
    if not fl.overset:
        return None
    blocks = tuple(dict.fromkeys(i.block.id for i in fl.overset))
    chars = sum(line.end - line.start for i in fl.overset for line in i.lines)
    # where the overset starts: the section (and sub-section) of its first line
    where: list[str] = []
    if fl.overset[0].head:
        where.append(fl.overset[0].block.text)
    else:
        placed = [item for seg in fl.placed for item, _, _ in seg if item.head]
        section = next((i for i in reversed(placed) if i.block.kind == SECTION), None)
        sub = next((i for i in reversed(placed) if i.block.kind == SUBSECTION), None)
        if sub is not None and section is not None and placed.index(sub) < placed.index(section):
            sub = None
        where.append(" ".join(i.block.text for i in (section, sub) if i is not None))
    return Overset(sum(i.height for i in fl.overset), chars, blocks, tuple(dict.fromkeys(w for w in where if w)))
