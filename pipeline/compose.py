"""The CJK composer: one paragraph + rules + measure -> justified lines of positioned spans.

Pure and deterministic. Rules are typography.md 1–18 as far as one paragraph goes.

Model. The paragraph is cut into cells: a hanzi, a mark, a space; Latin words and digit runs
are two cells (all but the last character, then the last character), and so are the 2-em
`——`/`……` (one character each): the gap after such a unit is tracking on its last character,
nothing may break or space out inside it.
Each cell has a shaped width (HarfBuzz, the face that renders), each gap after a cell a natural
width (the house CJK–Latin gap), whether it may widen, and each full-width mark one blank half
(left for opening marks, right for the others) that may be removed:
- mandatorily in a punctuation pair (rule 7), at the end of a justified line (rule 8, ink flush)
  and at the start of a continuation line (rule 9);
- optionally, and evenly, to pull a character back onto the line (rule 10), before any widening.

Breaking. Total fit (Knuth–Plass style dynamic programming) over the break points that 避头尾
allows (rules 1–6): each line is either shrunk by compressing its marks evenly, or widened
evenly at its stretchable gaps up to `max_stretch_em`. A first pass admits only lines within
those bounds (a 孤字 last line costs so much it is taken only when nothing else fits); if it
finds no way through, a second pass also admits loose, ragged and overfull lines, and
`compose_noted` says which it took. A line costs (30 + badness)²: fewer lines win, and fully
compressing the optional marks (badness 3) is cheaper than widening (100 at the bound, cubic).
The measure-independent preparation (cells, pairs, prefix sums, break candidates) is cached
per paragraph, as copyfit composes the same text at other measures. Why total fit and not greedy + repair: with CJK a line has only a
handful of feasible ends, so the DP is about as cheap as greedy (O(cells × feasible ends) with
prefix sums), and 孤字 control and the choice between pulling a character back and pushing one
down fall out of one cost function instead of repair heuristics.

Realisation. A removed blank half is the font's `halt` feature (HarfBuzz moves an opening
mark's ink left and halves the advance), measured with the same feature; a partly compressed
mark is `halt` plus the rest given back as tracking. Faces without `halt` (LXGW WenKai) are
compressed with negative tracking: on the mark itself for a right blank, on the character before
it for a left blank (so a WenKai opening mark at a line start keeps its blank). U+2014 is set
with `fwid` where the face has it (Noto CJK draws a lone U+2014 0.89 em wide). Consecutive cells
with the same face, size, tracking and features become one Span.

Libraries checked: none does metric CJK justification in Python. PyICU and uniseg give UAX #14
break opportunities (not this house's 避头尾 list, no widths); budoux and budou break by phrase;
cjk-textwrap and cjkjust pad monospace strings; Pango/WeasyPrint neither compress nor justify
CJK; Typst's composer lives inside Typst. So the break rules are the explicit tables below and
HarfBuzz (uharfbuzz) measures.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import PinbanError
from .fonts import Face

# --- character classes (typography.md rules 1–6) -----------------------------------------------

OPENING = frozenset("“‘（〔【《〈「『［｛〖〘〚｟")             # blank half on the left
CLOSING = frozenset("”’）〕】》〉」』］｝〗〙〛｠")
STOPS = frozenset("、，。；：？！")                            # SC: ink left, blank half right
MARKS = OPENING | CLOSING | STOPS
NO_START = CLOSING | STOPS | frozenset("·・‧—～…‐–%‰℃,.;:!?)]}")
NO_END = OPENING | frozenset("([{")
PAIRED_2EM = ("——", "……")
PUNCT = MARKS | NO_START | NO_END | frozenset("-/'\"")
BREAKING_SPACE = " "

# Latin words and digit runs, never split (rule 5): joiners inside, units after.
_WORD = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+(?:[.,:/\-'_&+][0-9A-Za-z\u00C0-\u024F]+)*[%‰℃°]?")

HAN, MARK, WORD_HEAD, WORD_TAIL, SPACE, GROUP_HEAD, GROUP_TAIL, OTHER = range(8)
_GLUED = (WORD_HEAD, GROUP_HEAD)   # no break and no tracking after these: the unit goes on

_EPS = 1e-9
_LINE_PENALTY = 30.0   # per line: among lines within the bounds, fewer lines win (copyfit)
_SHRINK = 3.0         # badness of compressing every optional mark fully: well below widening (rule 10)
_INFEASIBLE = 1e8     # a line that cannot be flush within the bounds (loose or ragged)
_OVERFULL = 1e12      # a line wider than the measure even with all compression
_LONE = 1e7           # 孤字


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F
            or 0xF900 <= o <= 0xFAFF or 0x3040 <= o <= 0x30FF or 0xAC00 <= o <= 0xD7AF
            or 0x3100 <= o <= 0x312F or 0xFF10 <= o <= 0xFF5A or o in (0x3007, 0x3005))


# --- the API --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextRun:
    text: str
    face: str     # key into the faces mapping
    size: float   # pt


@dataclass(frozen=True)
class ComposeRules:
    indent_em: float = 2.0
    align: str = "justify"            # "justify" | "start" | "center"
    max_stretch_em: float = 0.25
    cjk_latin_gap_em: float = 0.125
    pair_em: float = 1.5
    avoid_lone_char: bool = True


@dataclass(frozen=True)
class Span:
    """Draw `text` in `face` at `size`, from x, with CSS letter-spacing `tracking` and the OpenType
    `features` on ("halt": half-width marks; "fwid": a full-width U+2014)."""

    x: float                       # pt from the column's left edge
    text: str
    face: str
    size: float
    tracking: float                # pt after every character (CSS letter-spacing)
    features: tuple[str, ...]
    width: float                   # shaped advances + len(text) * tracking


@dataclass(frozen=True)
class Line:
    spans: tuple[Span, ...]   # contiguous: each span's x is the previous span's x + width
    measure: float            # column width in pt
    width: float              # indent + content for start/justify (== measure when justified);
                              # content alone for center (the first span sits at (measure - width) / 2)
    start: int                # [start, end) into the paragraph's plain text (the runs' texts joined)
    end: int
    first: bool
    last: bool


# --- cells ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
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


def _check_chars(text: str, face: Face, offset: int, where: str) -> None:
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


def _tokens(text: str) -> list[tuple[int, int, int]]:
    """(start, end, kind) pieces of one run's text."""
    out: list[tuple[int, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        m = _WORD.match(text, i) if ch.isascii() or "\u00C0" <= ch <= "\u024F" else None
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
        elif _is_cjk(ch):
            kind = HAN
        else:
            kind = OTHER
        out.append((i, i + 1, kind))
        i += 1
    return out


_RUN_CACHE: dict[tuple, tuple[_Cell, ...]] = {}
_PARA_CACHE: dict[tuple, _Paragraph] = {}
_CACHE_LIMIT = 4096


def _remember(cache: dict, key: tuple, value):
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()     # crude, but composing is deterministic: a miss only costs time
    cache[key] = value
    return value


def _run_cells(text: str, face: Face, size: float, offset: int, where: str) -> tuple[_Cell, ...]:
    """The cells of one run (cached: copyfit composes the same runs again and again)."""
    key = (text, face, size, offset)
    cells = _RUN_CACHE.get(key)
    if cells is not None:
        return cells
    _check_chars(text, face, offset, where)
    out = []
    fwid = ("fwid",) if "fwid" in face.features else ()
    for a, b, kind in _tokens(text):
        piece = text[a:b]
        features = fwid if "—" in piece else ()    # a true 1-em dash, whatever the script run
        width = face.advance(piece, size, features)
        cell = _Cell(piece, offset + a, face, size, kind, width, features)
        cell.trackable = kind not in _GLUED
        cell.safe = kind == HAN or kind == MARK
        cell.real = 1 if kind == HAN else sum(1 for c in piece if c not in PUNCT and not c.isspace())
        if kind == MARK and width >= 0.9 * size:
            cell.blank = "L" if piece in OPENING else "R"
            if face.has_halt:
                cell.halt_save = width - face.advance(piece, size, ("halt",))
                cell.comp = cell.halt_save
            else:
                cell.comp = width / 2
            if cell.comp <= _EPS:
                cell.blank = ""
        out.append(cell)
    return _remember(_RUN_CACHE, key, tuple(out))


def _make_cells(runs: Sequence[TextRun], faces: Mapping[str, Face], where: str) -> list[_Cell]:
    cells: list[_Cell] = []
    offset = 0
    for run in runs:
        face = faces.get(run.face)
        if face is None:
            raise PinbanError(f"face {run.face!r} is not one of the style's faces {sorted(faces)}",
                              where=where, hint="name a face defined in the house style")
        cells += _run_cells(run.text, face, run.size, offset, where)
        offset += len(run.text)
    return cells


# --- the breaker ------------------------------------------------------------------------------


class _Paragraph:
    """Cells plus prefix sums, so any candidate line is measured in O(1). Independent of the
    measure, so it is cached per paragraph."""

    def __init__(self, cells: list[_Cell], rules: ComposeRules) -> None:
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
            limit = self.rules.pair_em * max(a.size, b.size) + _EPS
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

    def _may_break(self, a: _Cell, b: _Cell, spaced: bool = False) -> bool:
        if a.kind in _GLUED or a.text[-1] in NO_END or b.text[0] in NO_START:
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

    def cost(self, measure: float, s: int, e: int, last: bool,
             measured: tuple[float, float, int] | None = None) -> float:
        w, o, g = measured or self.measure_line(s, e, last)
        d = measure - w
        if d < -_EPS:
            need = -d
            if need > o + _EPS:
                return _OVERFULL * (1 + need)
            bad = _SHRINK * (need / o) ** 2
        elif last:
            bad = 0.0
        elif self.justify:
            if d <= _EPS:
                bad = 0.0
            elif g == 0:
                return _INFEASIBLE * (1 + d)
            else:
                r = d / (g * self.max_gap)
                bad = 100 * r ** 3
                if r > 1 + _EPS:
                    return _INFEASIBLE * (1 + r)
        else:
            bad = 100 * (d / self.em) ** 2   # ragged: prefer full lines
        penalty = 0.0
        if last and self.rules.avoid_lone_char and s != self.first and self.pr[e] - self.pr[s] == 1:
            penalty = _LONE
        return (_LINE_PENALTY + bad) ** 2 + penalty

    # total fit ------------------------------------------------------------------------------

    def breaks(self, measure: float) -> list[tuple[int, int]]:
        """The lines [s, e) of the best total fit: first among lines within the bounds only;
        if the paragraph has no such way, again admitting loose, ragged or overfull lines."""
        return self._total_fit(measure, True) or self._total_fit(measure, False) or []

    def _total_fit(self, width: float, strict: bool) -> list[tuple[int, int]] | None:
        """Dynamic programming over the break candidates, in order of position. The cost of a
        non-last line is computed inline (the same as `cost`): this loop is the composer's
        hot path."""
        first, last = self.first, self.last
        if first >= last:
            return None
        inf = math.inf
        total = [inf] * (self.n + 1)   # best cost of the paragraph up to a line start
        prev_s = [-1] * (self.n + 1)
        prev_e = [-1] * (self.n + 1)
        total[first] = 0.0
        final_cost, final_s = inf, -1
        ends, nexts, end_q = self.ends, self.nexts, self.end_q
        pw, pg, po, ps, pq = self.pw, self.pg, self.po, self.ps, self.pq
        blank, mand, opt, status = self.blank, self.mand, self.opt, self.status
        justify, max_gap, em, em2 = self.justify, self.max_gap, self.em, 2 * self.em
        limit = _INFEASIBLE if strict else inf
        n_ends = len(ends)
        for s in [first, *nexts]:
            base = total[s]
            if base == inf:
                continue
            # the rest as the last line, unless it is certainly overfull
            if not strict or pw[last] - pw[s] - (po[last] - po[s]) - em2 <= width:
                cost = self.cost(width, s, last, True)
                if cost < limit and base + cost < final_cost - _EPS:
                    final_cost, final_s = base + cost, s
            avail = width - (self.indent if s == first else 0.0)
            k = bisect.bisect_right(ends, s)
            if justify:
                # a line that cannot reach the measure fully widened is infeasible; in the
                # relaxed pass the longest of them stays a candidate
                k = max(k, bisect.bisect_left(end_q, pq[s] + avail - _EPS) - (0 if strict else 1))
            pw_s, pg_s, po_s, ps_s, blank_s = pw[s], pg[s], po[s], ps[s], blank[s]
            tried = False
            while k < n_ends:
                e = ends[k]
                k += 1
                w = pw[e] - pw_s + pg[e - 1] - pg_s
                o = po[e] - po_s
                if blank_s:
                    m, op = status(s, s, e, False)
                    w += mand[s] - m
                    o += op - opt[s]
                if e - 1 != s and blank[e - 1]:
                    m, op = status(e - 1, s, e, False)
                    w += mand[e - 1] - m
                    o += op - opt[e - 1]
                d = avail - w
                if d < -o - _EPS:
                    if strict or tried:
                        break
                    cost = _OVERFULL * (1 - d)
                elif d < -_EPS:
                    cost = (_LINE_PENALTY + _SHRINK * (d / o) ** 2) ** 2
                elif not justify:
                    cost = (_LINE_PENALTY + 100 * (d / em) ** 2) ** 2
                elif d <= _EPS:
                    cost = _LINE_PENALTY ** 2
                else:
                    g = ps[e - 1] - ps_s
                    r = d / (g * max_gap) if g else inf
                    cost = (_LINE_PENALTY + 100 * r ** 3) ** 2 if r <= 1 + _EPS else \
                        _INFEASIBLE * (1 + (r if g else d))
                tried = True
                if cost >= limit:
                    continue
                nxt = nexts[k - 1]
                if base + cost < total[nxt] - _EPS:
                    total[nxt], prev_s[nxt], prev_e[nxt] = base + cost, s, e
        if final_s < 0:
            return None
        lines = [(final_s, last)]
        s = final_s
        while s != first:
            lines.append((prev_s[s], prev_e[s]))
            s = prev_s[s]
        return lines[::-1]


# --- realising a line -------------------------------------------------------------------------


def _compromise(par: _Paragraph, measure: float, s: int, e: int, last: bool) -> str:
    """What rule a chosen line had to give up, "" if none."""
    w, o, g = par.measure_line(s, e, last)
    d = measure - w
    if d < -o - _EPS:
        return "overfull"
    if par.justify and not last and d > _EPS:
        if not g:
            return "ragged"
        if d / g > par.max_gap + _EPS:
            return "loose"
    if last and s != par.first and par.rules.avoid_lone_char and par.pr[e] - par.pr[s] == 1:
        return "lone-char"
    return ""


def _realise(par: _Paragraph, measure: float, s: int, e: int, last: bool) -> Line:
    cells = par.cells
    first = s == par.first
    w, o, g = par.measure_line(s, e, last)
    d = measure - w
    ratio = 0.0       # share of the optional compression used
    widen = 0.0       # pt added at each stretchable gap
    if d < -_EPS and o > _EPS:
        ratio = min(1.0, -d / o)
    elif d > _EPS and par.justify and not last and g:
        widen = d / g
    gap, stretch, blank = par.gap, par.stretch, par.blank
    track = [gap[c] + widen if stretch[c] else gap[c] for c in range(s, e)]
    track[-1] = 0.0
    feats: list[tuple[str, ...]] = [c.features for c in cells[s:e]]
    for c in range(s, e):
        if not blank[c]:
            continue
        m, op = par.status(c, s, e, last)
        amount = m + op * ratio
        if amount <= _EPS:
            continue
        k = c - s
        cell = cells[c]
        give_back = 0.0
        if cell.halt_save > 0:
            feats[k] = feats[k] + ("halt",)
            give_back = cell.halt_save - amount
            amount = 0.0
        # a right blank is closed on the mark itself, a left blank on the cell before it
        target = k if cell.blank == "R" else k - 1
        if target >= 0:
            track[target] += give_back - amount
    x0 = par.indent if first else 0.0
    spans = _spans(cells[s:e], track, feats, x0)
    content = sum(sp.width for sp in spans)
    if par.rules.align == "center":
        x0 = (measure - content) / 2
        spans = _spans(cells[s:e], track, feats, x0)
        width = content
    else:
        width = x0 + content
    return Line(tuple(spans), measure, width, cells[s].start,
                cells[e - 1].start + len(cells[e - 1].text), first, last)


def _spans(cells: list[_Cell], track: list[float], feats: list[tuple[str, ...]], x0: float) -> list[Span]:
    """Consecutive cells with the same face, size, tracking and features as one span."""
    spans: list[Span] = []
    x = x0
    n = len(cells)
    i = 0
    while i < n:
        c0 = cells[i]
        t, f = track[i], feats[i]
        safe = c0.safe
        j = i + 1
        while j < n:
            c = cells[j]
            if not (c.face is c0.face and c.size == c0.size and track[j] == t and feats[j] == f):
                break
            if not ((safe and c.safe) or _adds_up(cells, i, j, f)):
                break
            safe = safe and c.safe
            j += 1
        text = "".join([c.text for c in cells[i:j]])
        if any(feats[k] is not cells[k].features for k in range(i, j)):
            natural = c0.face.advance(text, c0.size, f)
        else:
            natural = sum([c.width for c in cells[i:j]])
        width = natural + len(text) * t
        spans.append(Span(x, text, c0.face.key, c0.size, t, f, width))
        x += width
        i = j
    return spans


def _adds_up(cells: list[_Cell], i: int, j: int, f: tuple[str, ...]) -> bool:
    """Whether shaping cells i..j together gives the sum of their widths (no kerning,
    ligature or script run that would move things)."""
    c0 = cells[i]
    whole = c0.face.advance("".join(c.text for c in cells[i:j + 1]), c0.size, f)
    parts = sum(c0.face.advance(c.text, c0.size, f) for c in cells[i:j + 1])
    return abs(whole - parts) <= 1e-6


# --- entry point ------------------------------------------------------------------------------


def compose(runs: Sequence[TextRun], measure: float, faces: Mapping[str, Face],
            rules: ComposeRules = ComposeRules(), where: str = "") -> tuple[Line, ...]:
    """Break and justify one paragraph into lines of `measure` pt (see the module docstring)."""
    return compose_noted(runs, measure, faces, rules, where)[0]


def compose_noted(runs: Sequence[TextRun], measure: float, faces: Mapping[str, Face],
                  rules: ComposeRules = ComposeRules(), where: str = ""
                  ) -> tuple[tuple[Line, ...], tuple[tuple[int, str], ...]]:
    """`compose`, plus the compromises the paragraph forced, as (line index, kind): "loose"
    (widened beyond max_stretch_em), "ragged" (a justified line with no gap to widen),
    "overfull" (wider than the measure: a unit longer than the line) and "lone-char" (孤字 that
    no re-breaking within the bounds avoids). Empty for text that can be set by the rules."""
    if rules.align not in ("justify", "start", "center"):
        raise PinbanError(f"unknown alignment {rules.align!r}", where=where,
                          hint="use justify, start or center")
    par = _paragraph([r for r in runs if r.text], faces, rules, where)
    if par is None:
        return (), ()
    breaks = par.breaks(measure)
    last = len(breaks) - 1
    lines = tuple(_realise(par, measure, s, e, i == last) for i, (s, e) in enumerate(breaks))
    notes = ((i, _compromise(par, measure, s, e, i == last)) for i, (s, e) in enumerate(breaks))
    return lines, tuple((i, kind) for i, kind in notes if kind)


def _paragraph(runs: list[TextRun], faces: Mapping[str, Face], rules: ComposeRules,
               where: str) -> _Paragraph | None:
    """The measure-independent preparation of a paragraph (cached)."""
    key = (tuple((r.text, faces.get(r.face), r.size) for r in runs), rules)
    par = _PARA_CACHE.get(key)
    if par is None:
        cells = _make_cells(runs, faces, where)
        if not cells:
            return None
        par = _remember(_PARA_CACHE, key, _Paragraph(cells, rules))
    return par


# --- an independent check of composed lines ------------------------------------------------------


def _char_widths(span: Span, faces: Mapping[str, Face]) -> list[float]:
    face = faces[span.face]
    return [face.advance(ch, span.size, span.features) + span.tracking for ch in span.text]


def _line_gaps(line: Line, faces: Mapping[str, Face], rules: ComposeRules, measure: float
               ) -> tuple[float, list[tuple[str, float]]]:
    """The largest widening of a gap on the line (pt) and the drawn width of each mark pair.

    Widening is tracking minus the house CJK–Latin gap, not counting what is tracking only to
    close or give back a mark's blank half: a mark compressed by rule 7/8/9 is counted at half
    width, any other mark at full width."""
    chars = [(ch, s) for s in line.spans for ch in s.text]
    info = []   # (blank side or "", drawn advance, natural advance, face has halt)
    for ch, s in chars:
        face = faces[s.face]
        natural = face.advance(ch, s.size)
        blank = ""
        if ch in MARKS and natural >= 0.9 * s.size:
            blank = "L" if ch in OPENING else "R"
        info.append((blank, face.advance(ch, s.size, s.features), natural, face.has_halt))
    n = len(chars)
    mandatory: set[int] = set()   # marks rule 7 halves: the blank between a pair goes first
    for i in range(n - 1):
        (a, sa), (b, sb) = chars[i], chars[i + 1]
        if not (info[i][0] and info[i + 1][0] and (info[i][0] == "R" or info[i + 1][0] == "L")):
            continue
        width = info[i][2] + info[i + 1][2] - (info[i][2] / 2 if i in mandatory else 0.0)
        order = [k for k, side in ((i, "R"), (i + 1, "L"), (i + 1, "R"), (i, "L")) if info[k][0] == side]
        for k in order:
            if width <= rules.pair_em * max(sa.size, sb.size) + 1e-9:
                break
            if k not in mandatory:
                mandatory.add(k)
                width -= info[k][2] / 2
    pairs = []
    for i in range(n - 1):
        (a, sa), (b, sb) = chars[i], chars[i + 1]
        if info[i][0] and info[i + 1][0] and (info[i][0] == "R" or info[i + 1][0] == "L"):
            width = info[i][1] + sa.tracking + info[i + 1][1]
            # a left blank closed by tracking on the character before (no halt) is not in the pair
            if info[i][0] == "L" and not info[i][3] and i in mandatory:
                width -= info[i][2] / 2
            pairs.append((a + b, width))
    if n and info[-1][0] == "R" and rules.align == "justify" and not line.last:
        mandatory.add(n - 1)
    if n and info[0][0] == "L" and not line.first and info[0][3]:
        mandatory.add(0)
    widest = 0.0
    for i in range(n - 1):
        (ch, s), nxt = chars[i], chars[i + 1][0]
        extra = s.tracking
        if (_is_cjk(ch) and nxt.isascii() and nxt.isalnum()) or \
                (ch.isascii() and ch.isalnum() and _is_cjk(nxt)):
            extra -= rules.cjk_latin_gap_em * s.size
        for k, side in ((i, "R"), (i + 1, "L")):
            blank, drawn, natural, halt = info[k]
            if blank != side:
                continue
            if halt and drawn < natural - 1e-9 and k not in mandatory:
                extra -= natural - drawn       # tracking that gives back part of a halved mark
            elif not halt and k in mandatory:
                extra += natural / 2           # tracking that closed a blank half
        widest = max(widest, extra)
    return widest, pairs


def check_lines(runs: Sequence[TextRun], lines: Sequence[Line], measure: float,
                faces: Mapping[str, Face], rules: ComposeRules = ComposeRules()
                ) -> tuple[list[tuple[str, str]], float]:
    """Re-check composed lines against the rules, from the output alone (for tests, the
    benchmark and callers that want findings). Returns (findings as (kind, detail), the
    largest widening of a gap in em)."""
    text = "".join(r.text for r in runs)
    em = next((r.size for r in runs if r.text), 0.0) or 1.0
    found: list[tuple[str, str]] = []
    max_gap = 0.0
    joined = ""
    prev_end = 0
    for n, line in enumerate(lines):
        body = "".join(s.text for s in line.spans)
        where = f"line {n + 1} «{body}»"
        if body != text[line.start:line.end]:
            found.append(("text", f"{where}: spans do not match the offsets"))
        if text[prev_end:line.start].strip(BREAKING_SPACE) or line.start < prev_end:
            found.append(("text", f"{where}: characters lost or doubled before the line"))
        joined += body
        prev_end = line.end
        if n and body and (body[0] in NO_START or body[0] == BREAKING_SPACE):
            found.append(("line-start", f"{where} starts with {body[0]}"))
        if not line.last and body and (body[-1] in NO_END or body[-1] == BREAKING_SPACE):
            found.append(("line-end", f"{where} ends with {body[-1]}"))
        if n + 1 < len(lines):
            nxt = "".join(s.text for s in lines[n + 1].spans)
            a, b = body[-1:], nxt[:1]
            if lines[n + 1].start == line.end and a and b and a.isascii() and b.isascii() \
                    and a.isalnum() and b.isalnum():
                found.append(("split-unit", f"{where}: word or number split"))
            if (a + b) in PAIRED_2EM and lines[n + 1].start == line.end:
                found.append(("split-unit", f"{where}: {a + b} split"))
        x = line.spans[0].x if line.spans else 0.0
        for s in line.spans:
            if abs(s.x - x) > 0.01:
                found.append(("text", f"{where}: spans not contiguous at {s.text}"))
            x = s.x + s.width
        if rules.align == "justify" and not line.last and abs(x - measure) > 0.01:
            found.append(("non-flush", f"{where}: ends at {x:.3f} of {measure:g} pt"))
        if x > measure + 0.01:
            found.append(("non-flush", f"{where}: overfull, ends at {x:.3f} pt"))
        if line.first and rules.align != "center" and line.spans and \
                abs(line.spans[0].x - rules.indent_em * em) > 0.01:
            found.append(("indent", f"{where}: first line at {line.spans[0].x:.3f} pt"))
        gap, pairs = _line_gaps(line, faces, rules, measure)
        max_gap = max(max_gap, gap / em)
        for pair, width in pairs:
            if width > rules.pair_em * em + 0.01:
                found.append(("pair", f"{where}: {pair} set {width:.2f} pt"))
    if max_gap > rules.max_stretch_em + 1e-6:
        found.append(("gap", f"widening of {max_gap:.3f} em"))
    if rules.avoid_lone_char and len(lines) > 1:
        last = "".join(s.text for s in lines[-1].spans)
        if sum(1 for c in last if c not in PUNCT and not c.isspace()) == 1:
            found.append(("lone-char", f"last line «{last}»"))
    if text[prev_end:].strip(BREAKING_SPACE) or joined.replace(" ", "") != text.replace(" ", ""):
        found.append(("text", "the lines do not re-assemble the paragraph"))
    return found, max_gap
