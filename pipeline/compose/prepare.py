"""The width-independent preparation of a paragraph: cells (shaped with HarfBuzz), gaps, mark pairs,
prefix sums and the break candidates of 避头尾. Cached per paragraph: copyfit composes the same text
at other measures."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import PinbanError
from ..fonts import Face
from .breaks import EMERGENCY, HYPHEN, grapheme_breaks, opportunities, spaced_addresses, vetoed
from .chars import BREAKING_SPACE, MARKS, OPENING, PAIRED_2EM, PUNCT, is_cjk, word_char
from .lines import ComposeRules, TextRun

HAN, MARK, WORD_HEAD, WORD_TAIL, SPACE, GROUP_HEAD, GROUP_TAIL, OTHER = range(8)
GLUED = (WORD_HEAD, GROUP_HEAD)   # no break and no tracking after these: the unit goes on
WORDS = (WORD_HEAD, WORD_TAIL)


EPS = 1e-9
HOLE_EM = 0.5           # typography.md rule 24: no gap between two glyphs of a body line wider
LOOSE_LETTERING = 2.0   # a loose line's letters: up to twice their letter-spacing bound


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


def cell_tokens(text: str, cuts: tuple[int, ...] = ()) -> list[tuple[int, int, int]]:
    """(start, end, kind) pieces of one run's text; a word is cut at the relative positions
    `cuts` (its break opportunities), each piece being all but its last character (glued) and
    its last character (which carries the gap after the piece)."""
    out: list[tuple[int, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if word_char(ch):
            j = i + 1
            while j < n and word_char(text[j]):
                j += 1
            k = bisect.bisect_right(cuts, i)
            bounds = [i]
            while k < len(cuts) and cuts[k] < j:
                bounds.append(cuts[k])
                k += 1
            bounds.append(j)
            for a, b in itertools.pairwise(bounds):
                if b - a > 1:
                    out.append((a, b - 1, WORD_HEAD))
                out.append((b - 1, b, WORD_TAIL))
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


def run_cells(text: str, face: Face, size: float, offset: int, cuts: tuple[int, ...],
              where: str) -> tuple[Cell, ...]:
    """The cells of one run (cached: copyfit composes the same runs again and again)."""
    key = (text, face, size, offset, cuts)
    cells = RUN_CACHE.get(key)
    if cells is not None:
        return cells
    check_chars(text, face, offset, where)
    out = []
    fwid = ("fwid",) if "fwid" in face.features else ()
    word_start, prefix = -1, 0.0
    for a, b, kind in cell_tokens(text, cuts):
        piece = text[a:b]
        features = fwid if "—" in piece else ()    # a true 1-em dash, whatever the script run
        if kind in WORDS:
            # in context: a word's pieces add up to the word shaped whole (kerning between them),
            # as the renderer draws it when the line does not break inside it
            if word_start < 0 or text[a - 1:a] == "" or not word_char(text[a - 1]):
                word_start, prefix = a, 0.0
            whole = face.advance(text[word_start:b], size)
            width, prefix = whole - prefix, whole
        else:
            word_start = -1
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


def make_cells(runs: Sequence[TextRun], faces: Mapping[str, Face], breaks: Mapping[int, int],
               where: str) -> list[Cell]:
    """The paragraph's cells, cut at every break opportunity (absolute positions `breaks`)."""
    cells: list[Cell] = []
    offset = 0
    points = sorted(breaks)
    for run in runs:
        face = faces.get(run.face)
        if face is None:
            raise PinbanError(f"face {run.face!r} is not one of the style's faces {sorted(faces)}",
                              where=where, hint="name a face defined in the house style")
        end = offset + len(run.text)
        lo, hi = bisect.bisect_right(points, offset), bisect.bisect_left(points, end)
        cuts = tuple(p - offset for p in points[lo:hi])
        cells += run_cells(run.text, face, run.size, offset, cuts, where)
        offset = end
    return cells


class Paragraph:
    """Cells plus prefix sums, so any candidate line is measured in O(1). Independent of the
    measure, so it is cached per paragraph.

    Each gap after a cell has a natural width (`gap`, as tracking) and a capacity to widen
    (`cap`, pt): a CJK gap up to max_stretch_em, a word space up to the house maximum, the
    CJK–Latin gap (typed or not) none. A justified line widens its gaps in proportion to their
    capacities, so every gap reaches its bound together."""

    def __init__(self, cells: list[Cell], rules: ComposeRules, breaks: Mapping[int, int]) -> None:
        self.cells = cells
        self.rules = rules
        n = len(cells)
        self.n = n
        em = cells[0].size
        self.em = em
        self.indent = 0.0 if rules.align == "center" else rules.indent_em * em
        self.max_gap = rules.max_stretch_em * em
        self.justify = rules.align == "justify"
        self.gap = [0.0] * n          # natural gap after each cell (tracking)
        self.cap = [0.0] * n          # pt the gap after the cell may widen
        self._gaps()
        self._spaces()
        self.trig_l = [False] * n     # blank removed by the pair with the cell before
        self.trig_r = [False] * n     # ... with the cell after
        self._pairs()
        for i in range(n - 1):
            a, b = cells[i], cells[i + 1]
            if a.blank and b.blank and (a.blank == "R" or b.blank == "L"):
                self.cap[i] = 0.0     # widening inside a pair would give back the removed blank
        self._prefix()
        self._breaks(breaks)
        self._hole: list[float] | None = None   # prefix of hole_room, built when a line is loose

    def hole_room(self, s: int, e: int) -> float:
        """pt the gaps after hanzi of [s, e) may widen past their bound before one becomes a
        hole (HOLE_EM, typography.md rule 24); a word space is at HOLE_EM at its bound already,
        the CJK–Latin gap is fixed. Only a loose line (no setting within the bounds) asks."""
        if self._hole is None:
            self._hole = [0.0]
            for c in range(self.n):
                self._hole.append(self._hole[-1] + self.hole_at(c))
        return self._hole[e - 1] - self._hole[s]

    def hole_at(self, c: int) -> float:
        if self.cap[c] <= EPS or self.cells[c].kind == SPACE:
            return 0.0
        return max(0.0, HOLE_EM * self.cells[c].size - self.gap[c] - self.cap[c])

    # gaps and pairs -------------------------------------------------------------------------

    def _gaps(self) -> None:
        cells, house = self.cells, self.rules.cjk_latin_gap_em
        for i in range(self.n - 1):
            a, b = cells[i], cells[i + 1]
            if a.kind in GLUED or a.kind == SPACE or b.kind == SPACE:
                continue               # inside a unit; a space carries its own gap
            a_word, b_word = a.kind in WORDS, b.kind in WORDS
            if a_word and b_word:
                continue               # one word across pieces or runs
            if (a.kind == HAN and b_word) or (a_word and b.kind == HAN):
                self.gap[i] = house * a.size   # the house CJK–Latin gap: fixed
                continue
            if a.trackable:
                self.cap[i] = self.max_gap

    def _spaces(self) -> None:
        """Typed spaces: between CJK and Latin the house gap (fixed); elsewhere a word space,
        its width held within the house bounds. Spaces after the first of a run are closed."""
        cells, rules, n = self.cells, self.rules, self.n
        i = 0
        while i < n:
            if cells[i].kind != SPACE:
                i += 1
                continue
            j = i
            while j < n and cells[j].kind == SPACE:
                j += 1
            left = cells[i - 1].kind if i else None
            right = cells[j].kind if j < n else None
            sp = cells[i]
            cjk = (HAN, MARK, GROUP_TAIL)
            if (left in cjk and right in WORDS) or (left in WORDS and right in cjk):
                target, cap = rules.cjk_latin_gap_em * sp.size, 0.0
            else:
                low, high = rules.word_space_em
                target = min(max(sp.width, low * sp.size), high * sp.size)
                cap = high * sp.size - target
            self.gap[i] = target - sp.width
            self.cap[i] = cap
            for k in range(i + 1, j):
                self.gap[k] = -cells[k].width
            i = j

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
        self.ps = [0.0] * (n + 1)   # capacity to widen
        self.po = [0.0] * (n + 1)   # optional compression
        self.pr = [0] * (n + 1)     # 孤字-counting characters
        self.pq = [0.0] * (n + 1)   # a monotone upper bound of the line extent, for bisect
        self.mand = [0.0] * n
        self.opt = [0.0] * n
        self.blank = [bool(c.blank) for c in self.cells]
        self.pl = [0.0] * (n + 1)   # letter-spacing capacity (a word's characters)
        self.pe = [0.0] * (n + 1)   # room the last letters of letter-spaced words do not take
        self._letters()
        for i, c in enumerate(self.cells):
            m, o = self._interior(i)
            self.mand[i], self.opt[i] = m, o
            self.pw[i + 1] = self.pw[i] + c.width - m
            self.pg[i + 1] = self.pg[i] + self.gap[i]
            self.ps[i + 1] = self.ps[i] + self.cap[i]
            self.po[i + 1] = self.po[i] + o
            self.pr[i + 1] = self.pr[i] + c.real
            self.pq[i + 1] = self.pq[i] + c.width + max(self.gap[i], 0.0) + self.cap[i] + self.lcap[i]
            self.pl[i + 1] = self.pl[i] + self.lcap[i]
            self.pe[i + 1] = self.pe[i] + self.word_end[i]

    def _letters(self) -> None:
        """The last resort of justification: words of letters may be letter-spaced up to
        letter_space_em between their letters, an address (URL, e-mail, path) up to
        address_space_em, digits and all; a number outside an address stays tight."""
        cells, n = self.cells, self.n
        self.lcap = [0.0] * n          # pt of letter-spacing a cell's characters may take
        self.lroom = [0.0] * n         # pt a character of the cell may take
        self.word_end = [0.0] * n      # the room the last letter of a word does not take
        if not self.justify:
            return
        text = "".join(c.text for c in cells)
        base = cells[0].start
        inside = spaced_addresses(text)
        i = 0
        while i < n:
            if cells[i].kind not in WORDS:
                i += 1
                continue
            j = i
            while j + 1 < n and cells[j + 1].kind in WORDS and cells[j + 1].face is cells[i].face:
                j += 1
            word = "".join(c.text for c in cells[i:j + 1])
            a, b = cells[i].start - base, cells[j].start - base + len(cells[j].text)
            if any(x < b and a < y for x, y in inside):
                room = self.rules.address_space_em * self.em
            elif not any(ch.isdigit() for ch in word):
                room = self.rules.letter_space_em * self.em
            else:
                room = 0.0
            if room and len(word) > 1:
                for k in range(i, j + 1):
                    self.lcap[k] = len(cells[k].text) * room
                    self.lroom[k] = room
                self.word_end[j] = room
            i = j + 1

    def letters(self, s: int, e: int) -> float:
        """pt the words of [s, e) may be letter-spaced: a word's characters but its last (the
        line's last word ends at the measure; a word inside it keeps its gap after it)."""
        ends = self.pe[e - 1] - self.pe[s] + self.lroom[e - 1]
        return max(0.0, self.pl[e] - self.pl[s] - ends)

    # break points ---------------------------------------------------------------------------

    def _breaks(self, breaks: Mapping[int, int]) -> None:
        """Break candidates (end, next start, kind) from the opportunities: the line ends before
        `end`, the next begins at `next start` (spaces between them are dropped); a hyphen line
        is `extra` wider by its added hyphen."""
        cells, n = self.cells, self.n
        first = 0
        while first < n and cells[first].kind == SPACE:
            first += 1
        last = n
        while last > first and cells[last - 1].kind == SPACE:
            last -= 1
        self.first, self.last = first, last
        at = {c.start: i for i, c in enumerate(cells)}
        ends: list[int] = []
        nexts: list[int] = []
        kinds: list[int] = []
        extra: list[float] = []
        for pos in sorted(breaks):
            e = at.get(pos)
            if e is None or e <= first or e >= last:
                continue
            j = e
            while cells[j].kind == SPACE:
                j += 1
            kind = breaks[pos]
            before = cells[e - 1]
            ends.append(e)
            nexts.append(j)
            kinds.append(kind)
            # the hyphen is a span of its own: shaped alone
            extra.append(before.face.advance(HYPHEN_TEXT, before.size) if kind == HYPHEN else 0.0)
        self.ends, self.nexts, self.kinds, self.extra = ends, nexts, kinds, extra
        self.end_kind = dict(zip(ends, kinds))
        self.end_extra = dict(zip(ends, extra))
        self.end_q = [self.pq[e] + x for e, x in zip(ends, extra)]
        self.hyphens = HYPHEN in kinds
        self.lead = {j: self._lead(j) for j in nexts}

    def _lead(self, s: int) -> float:
        """pt a line starting inside a word (after a hyphen or an address break) is wider than
        its cells say: its first piece is shaped alone, not in the word's context."""
        cells = self.cells
        if cells[s].kind not in WORDS or cells[s - 1].kind not in WORDS or cells[s - 1].face is not cells[s].face:
            return 0.0
        k = s
        while k + 1 < self.n and cells[k + 1].kind in WORDS and cells[k + 1].face is cells[s].face:
            k += 1
        text = "".join(c.text for c in cells[s:k + 1])
        return cells[s].face.advance(text, cells[s].size) - sum(c.width for c in cells[s:k + 1])

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

    def measure_line(self, s: int, e: int, last: bool) -> tuple[float, float, float]:
        """(natural width incl. indent and an added hyphen, optional compression, capacity to
        widen) of [s, e); the letter-spacing capacity is `letters`."""
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
        w += self.lead.get(s, 0.0)
        if not last:
            w += self.end_extra.get(e, 0.0)
        return w, o, self.ps[e - 1] - self.ps[s]

    def hyphenated(self, e: int, last: bool) -> bool:
        return not last and self.end_kind.get(e) == HYPHEN


HYPHEN_TEXT = "-"


def paragraph_text(runs: Sequence[TextRun]) -> str:
    return "".join(r.text for r in runs)


def prepared(runs: list[TextRun], faces: Mapping[str, Face], rules: ComposeRules,
             where: str) -> Paragraph | None:
    """The measure-independent preparation of a paragraph (cached)."""
    key = (tuple((r.text, faces.get(r.face), r.size) for r in runs), rules)
    par = PARAGRAPH_CACHE.get(key)
    if par is None:
        breaks = breaks_for(paragraph_text(runs), rules)
        cells = make_cells(runs, faces, breaks, where)
        if not cells:
            return None
        par = remember(PARAGRAPH_CACHE, key, Paragraph(cells, rules, breaks))
    return par


def breaks_for(text: str, rules: ComposeRules) -> dict[int, int]:
    # hyphens only in justified text: never in headlines and ragged lines
    return opportunities(text, rules.hyphenate and rules.align == "justify")


def with_emergency(runs: list[TextRun], faces: Mapping[str, Face], rules: ComposeRules,
                   spans: Sequence[tuple[int, int]], keep_marks: bool, where: str) -> Paragraph:
    """The paragraph again, with a grapheme break allowed inside the text spans [a, b) that no
    rule lets break and that do not fit the line (the last resort: never over the measure);
    with `keep_marks`, still never before a no-start or after a no-end mark."""
    text = paragraph_text(runs)
    breaks = dict(breaks_for(text, rules))
    for a, b in spans:
        for p in grapheme_breaks(text, a, b):
            if p not in breaks and text[p - 1] != BREAKING_SPACE and text[p] != BREAKING_SPACE \
                    and not (keep_marks and vetoed(text, p, p)):
                breaks[p] = EMERGENCY
    return Paragraph(make_cells(runs, faces, breaks, where), rules, breaks)
