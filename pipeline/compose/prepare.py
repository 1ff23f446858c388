"""The width-independent preparation of a paragraph: cells (shaped with HarfBuzz), gaps, mark pairs,
prefix sums and the break candidates of 避头尾. Cached per paragraph: copyfit composes the same text
at other measures."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import PinbanError
from ..fonts import Face
from .chars import BREAKING_SPACE, MARKS, NO_END, NO_START, OPENING, PAIRED_2EM, PUNCT, is_cjk
from .lines import ComposeRules, TextRun

# Latin words and digit runs, never split (rule 5): joiners inside, units after.
WORD_RE = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+(?:[.,:/\-'_&+][0-9A-Za-z\u00C0-\u024F]+)*[%‰℃°]?")


HAN, MARK, WORD_HEAD, WORD_TAIL, SPACE, GROUP_HEAD, GROUP_TAIL, OTHER = range(8)
GLUED = (WORD_HEAD, GROUP_HEAD)   # no break and no tracking after these: the unit goes on


EPS = 1e-9


@dataclass(slots=True)
class Cell:
    text: str
    start: int
    face: Face
    size: float
    kind: int
    width: float           # pt, shaped alone with `features`
    features: tuple[str, ...]
    blank: str = ""        # "L" | "R": the removable blank half of a full-width mark
    comp: float = 0.0      # pt a removed blank half saves
    halt_save: float = 0.0  # pt `halt` saves (0 without halt)
    safe: bool = False     # widths add up when shaped together with other safe cells
    trackable: bool = True  # may carry tracking (not inside a word or a 2-em dash)
    real: int = 0          # characters that count for 孤字


def check_chars(text: str, face: Face, offset: int, where: str) -> None:
    for i, ch in enumerate(text):
        if ch == BREAKING_SPACE:
            continue
        if ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            raise PinbanError(f"control character U+{ord(ch):04X} at offset {offset + i}",
                              where=where, hint="remove it from the source text")
        if not face.has_char(ch):
            raise PinbanError(
                f"character “{ch}” (U+{ord(ch):04X}) at offset {offset + i} is not in "
                f"{face.family} {face.weight} (face {face.key!r}); no fallback font is used",
                where=where, hint="replace the character or set it in a face that has it")


def cell_tokens(text: str) -> list[tuple[int, int, int]]:
    """(start, end, kind) pieces of one run's text."""
    out: list[tuple[int, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        m = WORD_RE.match(text, i) if ch.isascii() or "\u00C0" <= ch <= "\u024F" else None
        if m and m.end() > i:
            j = m.end()
            if j - i > 1:
                out.append((i, j - 1, WORD_HEAD))
            out.append((j - 1, j, WORD_TAIL))
            i = j
            continue
        pair = text[i:i + 2]
        if pair in PAIRED_2EM:
            # two cells, so the gap after the unit can widen without spacing out inside it
            out += [(i, i + 1, GROUP_HEAD), (i + 1, i + 2, GROUP_TAIL)]
            i += 2
            continue
        if ch == BREAKING_SPACE:
            kind = SPACE
        elif ch in MARKS:
            kind = MARK
        elif is_cjk(ch):
            kind = HAN
        else:
            kind = OTHER
        out.append((i, i + 1, kind))
        i += 1
    return out


RUN_CACHE: dict[tuple, tuple[Cell, ...]] = {}


PARAGRAPH_CACHE: dict[tuple, Paragraph] = {}


CACHE_LIMIT = 4096


def remember(cache: dict, key: tuple, value):
    if len(cache) >= CACHE_LIMIT:
        cache.clear()     # crude, but composing is deterministic: a miss only costs time
    cache[key] = value
    return value


def run_cells(text: str, face: Face, size: float, offset: int, where: str) -> tuple[Cell, ...]:
    """The cells of one run (cached: copyfit composes the same runs again and again)."""
    key = (text, face, size, offset)
    cells = RUN_CACHE.get(key)
    if cells is not None:
        return cells
    check_chars(text, face, offset, where)
    out = []
    fwid = ("fwid",) if "fwid" in face.features else ()
    for a, b, kind in cell_tokens(text):
        piece = text[a:b]
        features = fwid if "—" in piece else ()    # a true 1-em dash, whatever the script run
        width = face.advance(piece, size, features)
        cell = Cell(piece, offset + a, face, size, kind, width, features)
        cell.trackable = kind not in GLUED
        cell.safe = kind == HAN or kind == MARK
        cell.real = 1 if kind == HAN else sum(1 for c in piece if c not in PUNCT and not c.isspace())
        if kind == MARK and width >= 0.9 * size:
            cell.blank = "L" if piece in OPENING else "R"
            if face.has_halt:
                cell.halt_save = width - face.advance(piece, size, ("halt",))
                cell.comp = cell.halt_save
            else:
                cell.comp = width / 2
            if cell.comp <= EPS:
                cell.blank = ""
        out.append(cell)
    return remember(RUN_CACHE, key, tuple(out))


def make_cells(runs: Sequence[TextRun], faces: Mapping[str, Face], where: str) -> list[Cell]:
    cells: list[Cell] = []
    offset = 0
    for run in runs:
        face = faces.get(run.face)
        if face is None:
            raise PinbanError(f"face {run.face!r} is not one of the style's faces {sorted(faces)}",
                              where=where, hint="name a face defined in the house style")
        cells += run_cells(run.text, face, run.size, offset, where)
        offset += len(run.text)
    return cells


class Paragraph:
    """Cells plus prefix sums, so any candidate line is measured in O(1). Independent of the
    measure, so it is cached per paragraph."""

    def __init__(self, cells: list[Cell], rules: ComposeRules) -> None:
        self.cells = cells
        self.rules = rules
        n = len(cells)
        self.n = n
        em = cells[0].size
        self.em = em
        self.indent = 0.0 if rules.align == "center" else rules.indent_em * em
        self.max_gap = rules.max_stretch_em * em
        self.justify = rules.align == "justify"
        self.gap = [0.0] * n          # natural gap after each cell
        self.stretch = [0] * n        # 1 if the gap after the cell may widen
        self._gaps()
        self.trig_l = [False] * n     # blank removed by the pair with the cell before
        self.trig_r = [False] * n     # ... with the cell after
        self._pairs()
        for i in range(n - 1):
            a, b = cells[i], cells[i + 1]
            if a.blank and b.blank and (a.blank == "R" or b.blank == "L"):
                self.stretch[i] = 0   # widening inside a pair would give back the removed blank
        self._prefix()
        self._breaks()

    # gaps and pairs -------------------------------------------------------------------------

    def _gaps(self) -> None:
        cells, gap_em = self.cells, self.rules.cjk_latin_gap_em
        for i in range(self.n - 1):
            a, b = cells[i], cells[i + 1]
            words = (WORD_HEAD, WORD_TAIL)
            if gap_em and ((a.kind == HAN and b.kind in words) or (a.kind == WORD_TAIL and b.kind == HAN)):
                self.gap[i] = gap_em * a.size
            self.stretch[i] = int(a.trackable)

    def _pairs(self) -> None:
        """Rule 7: in two adjacent marks the blank half between them goes (both for pair_em 1)."""
        cells = self.cells
        for i in range(self.n - 1):
            a, b = cells[i], cells[i + 1]
            if a.kind != MARK or b.kind != MARK or not (a.blank == "R" or b.blank == "L"):
                continue          # （） has no blank between the marks
            width = a.width + b.width - (a.comp if self.trig_l[i] else 0.0)
            limit = self.rules.pair_em * max(a.size, b.size) + EPS
            order = [k for k, c in ((i, a), (i + 1, b)) if c.blank == ("R" if k == i else "L")]
            order += [k for k, c in ((i + 1, b), (i, a)) if c.blank == ("R" if k == i + 1 else "L")]
            for k in order:
                if width <= limit:
                    break
                if k == i and self.trig_l[i]:
                    continue      # already closed up with the mark before it
                if k == i:
                    self.trig_r[i] = True
                else:
                    self.trig_l[i + 1] = True
                width -= cells[k].comp

    # prefix sums ----------------------------------------------------------------------------

    def _interior(self, i: int) -> tuple[float, float]:
        """(mandatory, optional) compression of cell i when both its neighbours share its line."""
        c = self.cells[i]
        if not c.blank:
            return 0.0, 0.0
        paired = self.trig_l[i] or self.trig_r[i]
        if c.blank == "L" and (i == 0 or not self.cells[i - 1].trackable):
            return (c.comp if paired and c.halt_save > 0 else 0.0), 0.0
        return (c.comp, 0.0) if paired else (0.0, c.comp)

    def _prefix(self) -> None:
        n = self.n
        self.pw = [0.0] * (n + 1)   # widths minus interior mandatory compression
        self.pg = [0.0] * (n + 1)   # natural gaps
        self.ps = [0] * (n + 1)     # stretchable gaps
        self.po = [0.0] * (n + 1)   # optional compression
        self.pr = [0] * (n + 1)     # 孤字-counting characters
        self.pq = [0.0] * (n + 1)   # a monotone upper bound of the line extent, for bisect
        self.mand = [0.0] * n
        self.opt = [0.0] * n
        self.blank = [bool(c.blank) for c in self.cells]
        for i, c in enumerate(self.cells):
            m, o = self._interior(i)
            self.mand[i], self.opt[i] = m, o
            self.pw[i + 1] = self.pw[i] + c.width - m
            self.pg[i + 1] = self.pg[i] + self.gap[i]
            self.ps[i + 1] = self.ps[i] + self.stretch[i]
            self.po[i + 1] = self.po[i] + o
            self.pr[i + 1] = self.pr[i] + c.real
            self.pq[i + 1] = self.pq[i] + c.width + self.gap[i] + self.max_gap * self.stretch[i]

    # break points ---------------------------------------------------------------------------

    def _may_break(self, a: Cell, b: Cell, spaced: bool = False) -> bool:
        if a.kind in GLUED or a.text[-1] in NO_END or b.text[0] in NO_START:
            return False
        # two alphanumerics meeting across a run boundary are still one word
        return spaced or not (a.text[-1].isalnum() and b.text[0].isalnum()
                              and a.text[-1].isascii() and b.text[0].isascii())

    def _breaks(self) -> None:
        """Break candidates (end, next start): the line ends before `end`, the next begins at
        `next start` (spaces between them are dropped)."""
        cells, n = self.cells, self.n
        first = 0
        while first < n and cells[first].kind == SPACE:
            first += 1
        last = n
        while last > first and cells[last - 1].kind == SPACE:
            last -= 1
        self.first, self.last = first, last
        ends: list[int] = []
        nexts: list[int] = []
        i = first + 1
        while i < last:
            if cells[i].kind == SPACE:
                j = i
                while cells[j].kind == SPACE:
                    j += 1
                if self._may_break(cells[i - 1], cells[j], spaced=True):
                    ends.append(i)
                    nexts.append(j)
                i = j + 1
                continue
            if cells[i - 1].kind != SPACE and self._may_break(cells[i - 1], cells[i]):
                ends.append(i)
                nexts.append(i)
            i += 1
        self.ends, self.nexts = ends, nexts
        self.end_q = [self.pq[e] for e in ends]

    # measuring a line -----------------------------------------------------------------------

    def status(self, c: int, s: int, e: int, last: bool) -> tuple[float, float]:
        """(mandatory, optional) compression of cell c on the line [s, e)."""
        cell = self.cells[c]
        if not cell.blank:
            return 0.0, 0.0
        paired = (self.trig_l[c] and c > s) or (self.trig_r[c] and c < e - 1)
        if cell.blank == "L" and (c == s or not self.cells[c - 1].trackable):
            # no character before it to take tracking: only `halt`, and only the whole half;
            # rule 9: a continuation line's opening mark loses its blank half
            if cell.halt_save > 0 and (paired or (c == s and s != self.first)):
                return cell.comp, 0.0
            return 0.0, 0.0
        if paired or (c == e - 1 and cell.blank == "R" and self.justify and not last):
            return cell.comp, 0.0        # rule 8 at the line end: the ink is flush
        return 0.0, cell.comp

    def measure_line(self, s: int, e: int, last: bool) -> tuple[float, float, int]:
        """(natural width incl. indent, optional compression, stretchable gaps) of [s, e)."""
        w = self.pw[e] - self.pw[s] + self.pg[e - 1] - self.pg[s]
        o = self.po[e] - self.po[s]
        blank = self.blank
        if blank[s]:
            m, op = self.status(s, s, e, last)
            w += self.mand[s] - m
            o += op - self.opt[s]
        if e - 1 != s and blank[e - 1]:
            m, op = self.status(e - 1, s, e, last)
            w += self.mand[e - 1] - m
            o += op - self.opt[e - 1]
        if s == self.first:
            w += self.indent
        return w, o, self.ps[e - 1] - self.ps[s]


def prepared(runs: list[TextRun], faces: Mapping[str, Face], rules: ComposeRules,
               where: str) -> Paragraph | None:
    """The measure-independent preparation of a paragraph (cached)."""
    key = (tuple((r.text, faces.get(r.face), r.size) for r in runs), rules)
    par = PARAGRAPH_CACHE.get(key)
    if par is None:
        cells = make_cells(runs, faces, where)
        if not cells:
            return None
        par = remember(PARAGRAPH_CACHE, key, Paragraph(cells, rules))
    return par
