"""Typography audit of the built PDF: the drawn body lines, read back, against typography.md.

The composer has its own checks (`compose.check_lines`); this audit reads what WeasyPrint drew,
so it also catches a renderer that draws something other than what was composed. From the PDF
(pypdfium2) it takes every character's pen origin, drawn size and advance (the embedded font's
glyph width); from the display list only geometry — where the body columns are, the leading,
the baseline grid — plus, per line, the two facts a PDF cannot tell: whether the composer ended
a paragraph there (TextLine.last) and whether the line is a head (section/subsection). A drawn
line that matches no composed line counts as a body line that continues its paragraph.

Reading a line (em = the character's drawn size):
- a closing mark or stop at the line end counts half an em wide: its ink is flush (rule 8);
- an opening mark's ink sits in the right half of its em box, so at a line start its pen may be
  half an em left of the edge (blank removed, rule 9), and a pair's width runs from the first
  mark's origin to the end of the second mark's ink half or kept blank (rule 7);
- a gap's widening is measured only between a full-width non-mark and a following full-width
  character whose ink starts at its origin (hanzi, closing marks, stops): elsewhere compression,
  the house CJK–Latin gap and widening cannot be told apart.
"""

from __future__ import annotations

import math
import statistics
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..compose import DEFAULT_RULES
from ..compose.breaks import HYPHEN, VERSION_RE, opportunities, spaced_addresses
from ..compose.prepare import HYPHEN_TEXT
from ..display import DisplayList, Frame, TextLine
from ..messages import BUG, N_, UNREADABLE_PDF, finding
from ..model import Finding
from .readback import Char, per_display_page, read_chars

if TYPE_CHECKING:
    from .shaping import FontMetrics as Metrics

# --- the rules' character classes (typography.md 1–5, written out here on purpose: the audit
# must not inherit a mistake from the composer's tables) ------------------------------------------

OPENING = frozenset("“‘（〔【《〈「『")
CLOSING = frozenset("”’）〕】》〉」』")
STOPS = frozenset("、，。；：？！")
MARKS = OPENING | CLOSING | STOPS
NO_START = STOPS | CLOSING | frozenset("·・—～…")   # rules 1, 2 and 4 (a 2-em unit never starts a line)
NO_END = OPENING                                     # rule 3
UNIT_AFTER_DIGIT = frozenset("%‰℃°")                 # rule 5: stays with its number
JOINERS = frozenset(".,:/-'")                        # inside a number or word: 3.5, 1/2
HEAD_KINDS = frozenset({"section", "subsection"})

FLUSH_TOL = 0.1     # pt, rule 11
INDENT_TOL = 0.1    # pt, rule 15
PAIR_TOL = 0.05     # pt over 1.5 em, rule 7
GRID_TOL = 0.05     # pt, rule 14
MAX_GAP_EM = 0.25   # rule 12, the house bound
GAP_TOL = 0.05      # pt: the renderer places glyphs to about 0.04 pt (a gap set at the bound reads 0.254 em)
WORD_SPACE_EM = DEFAULT_RULES.word_space_em[1]   # a typed word space, at most
LETTER_SPACE_EM = DEFAULT_RULES.letter_space_em   # letter-spacing inside a word of letters, at most
ADDRESS_SPACE_EM = DEFAULT_RULES.address_space_em  # ... inside a URL, e-mail address or path
ADDRESS_MARKS = frozenset("/@:_.")
DECLARED = frozenset(("loose", "ragged"))   # compromises the composer declares on a line
UNSETTABLE = N_("the paragraph has no setting within the house bounds at this measure (the composer "
                "set it as evenly as it can): recast a few of its words")
UNIT_GAP_TOL = 0.05  # pt: nothing may space out inside a word, a number, —— or ……
SQUEEZE_TOL = 0.05  # pt: full-width characters never close up (only marks are compressed)
SLACK = 1.0         # pt around a column when assigning characters to it


SUMMARY = N_("PDF typography: {lines} lines ({body_lines} body) read back — line-start {line_start}, line-end "
             "{line_end}, ragged {ragged} (max {max_ragged:.3f} pt), ragged-left {ragged_left}, pairs {pairs}, "
             "indents {indents}, 孤字 {lone_chars}, splits {splits}, gaps {gaps} (max gap {max_gap_em:.3f} em), "
             "off-grid {off_grid}")


# --- reading the PDF: pipeline/readback.py ------------------------------------------------------

Glyph = Char  # a drawn character, as the audit calls it


# --- lines as drawn -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawnLine:
    page: str
    frame: Frame
    baseline: float
    number: int                   # grid line within the column, 1-based
    glyphs: tuple[Glyph, ...]     # in drawing order (the text order)
    composed: TextLine | None     # the composed line nearest this baseline (within half a leading)
    spaced: frozenset[int] = frozenset()  # i: the source has a space between glyphs i and i + 1

    @property
    def kind(self) -> str:
        return self.composed.kind if self.composed else "body"

    @property
    def head(self) -> bool:
        return self.kind in HEAD_KINDS

    @property
    def last(self) -> bool:
        return bool(self.composed and self.composed.last)

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)

    @property
    def where(self) -> str:
        return f"{self.page}版·第{self.frame.column}栏·第{self.number}行"


def drawn_lines(display: DisplayList, pages: list[list[Glyph]]) -> list[DrawnLine]:
    """The body columns' lines as drawn, in reading order (the display list's frame order)."""
    tops = column_tops(display)
    out: list[DrawnLine] = []
    for page, glyphs in zip(display.pages, pages):
        columns = [f for f in page.frames if f.kind == "column"]
        found: dict[str, list[list[Glyph]]] = {f.id: [] for f in columns}
        for run in runs(glyphs):
            frame = column_of(run, columns)
            if frame is not None:
                found[frame.id].append(run)
        for frame in columns:
            first = tops[(page.name, frame.column)]
            for row in rows(found[frame.id]):
                base = statistics.median(g.baseline for g in row)
                # nearest, not exact: a line drawn off its baseline keeps its paragraph's facts
                composed = min(frame.lines, key=lambda t: abs(t.baseline - base), default=None)
                if composed is not None and abs(composed.baseline - base) >= display.leading / 2:
                    composed = None
                number = round((base - first) / display.leading) + 1
                out.append(DrawnLine(page.name, frame, base, number, tuple(row), composed,
                                     source_spaces(row, composed.text if composed else "")))
    return out


def source_spaces(row: Sequence[Glyph], composed: str) -> frozenset[int]:
    """Where the composed text has a word space that the PDF holds no glyph for (a space is
    drawn as pen movement): indices i of the drawn glyphs the space follows. Empty when the drawn
    and composed texts differ apart from spaces (nothing can be told then)."""
    drawn = [g.text for g in row]
    if "".join(drawn).replace(" ", "") != "".join(composed.split()):
        return frozenset()
    out, k = set(), 0
    rest = composed.strip()
    for i, ch in enumerate(drawn):
        if ch.isspace():
            continue
        while rest[k].isspace():
            out.add(i - 1)
            k += 1
        k += 1
    return frozenset(out)


def runs(glyphs: list[Glyph], tol: float = 1.0) -> list[list[Glyph]]:
    """Glyphs in drawing order, cut where the baseline changes or the pen jumps (> 0.75 em back or
    beyond the last advance): a line is drawn in one go, so a run never spans two lines, and an
    overfull line keeps the glyphs that stick out of its column."""
    out: list[list[Glyph]] = []
    for g in glyphs:
        if out:
            p = out[-1][-1]
            jump = g.x - (p.x + p.advance)
            if abs(g.baseline - p.baseline) <= tol and -p.advance - 0.75 * p.size <= jump <= 0.75 * p.size:
                out[-1].append(g)
                continue
        out.append([g])
    return out


def column_of(run: list[Glyph], columns: list[Frame]) -> Frame | None:
    """The column that holds most of a run (by x), among those whose height holds its baseline."""
    base = statistics.median(g.baseline for g in run)
    x0, x1 = run[0].x, max(g.x + g.advance for g in run)
    best, most = None, 0.0
    for f in columns:
        if f.y - SLACK <= base <= f.y + f.height + SLACK:
            overlap = min(x1, f.x + f.width) - max(x0, f.x)
            if overlap > most:
                best, most = f, overlap
    return best


def column_tops(display: DisplayList) -> dict[tuple[str, int], float]:
    """(page, column) → the column's first grid baseline (line numbers count from it, as the
    layout counts them: from the top of the column's first stretch)."""
    tops: dict[tuple[str, int], float] = {}
    lead, origin = display.leading, display.grid_origin
    for page in display.pages:
        for f in page.frames:
            if f.kind != "column":
                continue
            base = origin + math.ceil((f.y - origin) / lead - 1e-6) * lead
            key = (page.name, f.column)
            tops[key] = min(tops.get(key, base), base)
    return tops


def rows(pieces: list[list[Glyph]], tol: float = 1.0) -> list[list[Glyph]]:
    """A column's runs joined by baseline, top to bottom, each line's outer spaces dropped.
    Within a line the drawing order is kept: it is the text order, and a mark whose blank half
    was removed may be drawn left of the mark before it (、“)."""
    lines: list[list[Glyph]] = []
    for run in pieces:
        line = next((line for line in lines if abs(line[0].baseline - run[0].baseline) <= tol), None)
        if line is None:
            lines.append(list(run))
        else:
            line.extend(run)
    lines.sort(key=lambda line: line[0].baseline)
    return [trimmed for line in lines if (trimmed := strip_spaces(line))]


def strip_spaces(row: list[Glyph]) -> list[Glyph]:
    a, b = 0, len(row)
    while a < b and row[a].text.isspace():
        a += 1
    while b > a and row[b - 1].text.isspace():
        b -= 1
    return row[a:b]


# --- measuring a drawn line -----------------------------------------------------------------------


def wide(ch: str) -> bool:
    """Full-width: its advance is one em in a CJK face."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def solid(ch: str) -> bool:
    """A full-width character whose em box is all ink side: no blank half to compress."""
    return wide(ch) and ch not in MARKS


def right_edge(g: Glyph, metrics: Metrics | None = None) -> float:
    """Where a line ending in `g` ends: a closing mark or stop counts half an em (rule 8: set half
    width, its ink is flush); a Latin letter or digit its shaped advance when the font is known
    (proportional digits, Latin widths in a Chinese face differ from the PDF's width array)."""
    if g.text in CLOSING or g.text in STOPS:
        return g.x + min(g.advance, g.size / 2)
    shaped = metrics.advance(g) if metrics is not None and alnum(g.text) else None
    return g.x + (g.advance if shaped is None else shaped)


def same_origin(glyphs: Sequence[Glyph]) -> Sequence[Glyph]:
    """The line's last glyphs that share the last one's pen position."""
    k = len(glyphs) - 1
    while k > 0 and abs(glyphs[k - 1].x - glyphs[-1].x) < 0.01:
        k -= 1
    return glyphs[k:]


def left_edges(g: Glyph) -> tuple[float, ...]:
    """Where a line starting with `g` starts: an opening mark with its blank half removed has its
    pen half an em left of its ink (rule 9)."""
    if g.text in OPENING:
        return (g.x, g.x + g.size / 2)
    return (g.x,)


def widenings(glyphs: Sequence[Glyph], spaced: frozenset[int] = frozenset()) -> list[tuple[int, float]]:
    """(index, pt) of each measurable gap: after a solid character, before one whose ink starts at
    its origin (a solid character, a closing mark or a stop); not at a typed space (a word
    space has its own bounds)."""
    out = []
    for i in range(len(glyphs) - 1):
        if i in spaced:
            continue
        a, b = glyphs[i], glyphs[i + 1]
        if solid(a.text) and (solid(b.text) or b.text in CLOSING or b.text in STOPS):
            out.append((i, b.x - a.x - a.advance))
    return out


def pair_width(glyphs: Sequence[Glyph], i: int, widening: float) -> float:
    """Combined advance of the marks at i, i + 1: from the first's origin to the end of the second
    (an opening mark's ink ends its em box; a closing mark or stop ends where the next character
    begins, less the line's widening, or with its ink half at the line end)."""
    a, b = glyphs[i], glyphs[i + 1]
    if b.text in OPENING:
        end = b.x + b.advance
    elif i + 2 < len(glyphs):
        n = glyphs[i + 2]
        # a following opening mark may have taken the blank: count the least the drawing allows
        end = max(b.x + b.size / 2, n.x - (0.0 if n.text in MARKS else widening))
    else:
        end = b.x + min(b.advance, b.size / 2)
    return end - a.x


def is_pair(a: str, b: str) -> bool:
    """Two adjacent marks with a blank half between them (not （）: no blank between those)."""
    return a in MARKS and b in MARKS and (a in CLOSING or a in STOPS or b in OPENING)


def counted(ch: str) -> bool:
    """A character that counts for 孤字: not punctuation, not a space."""
    return not (unicodedata.category(ch).startswith("P") or ch.isspace() or ch in UNIT_AFTER_DIGIT)


# --- the audit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypographyAudit:
    lines: int = 0            # column lines read back (body and heads)
    body_lines: int = 0
    line_start: int = 0       # rules 1, 2, 4
    line_end: int = 0         # rule 3
    ragged: int = 0           # rule 11: non-last body lines not flush right (or any line overfull)
    max_ragged: float = 0.0   # pt, largest |right edge − column edge| of non-last body lines
    ragged_left: int = 0      # rule 11: continuation lines not flush with the column's left edge
    pairs: int = 0            # rule 7: adjacent marks wider than 1.5 em
    indents: int = 0          # rule 15: a paragraph's first line (after a paragraph end or a head) not 2 em in
    lone_chars: int = 0       # rule 16: 孤字
    splits: int = 0           # rule 5: digit runs, Latin words, number + unit across lines
    gaps: int = 0             # rule 12: lines with a gap widened > 0.25 em, characters squeezed together,
                              # or spacing inside a word, a number, —— or ……
    max_gap_em: float = 0.0   # largest widening of a gap, em
    off_grid: int = 0         # rule 14: body lines off the baseline grid
    seconds: float = 0.0
    problems: tuple[Finding, ...] = field(default=(), repr=False)

    def findings(self) -> list[Finding]:
        return list(self.problems)

    def violations(self) -> int:
        return (self.line_start + self.line_end + self.ragged + self.ragged_left + self.pairs + self.indents + self.lone_chars
                + self.splits + self.gaps + self.off_grid)

    def counts(self) -> dict[str, int | float]:
        names = ("lines", "body_lines", "line_start", "line_end", "ragged", "max_ragged", "ragged_left", "pairs",
                 "indents", "lone_chars", "splits", "gaps", "max_gap_em", "off_grid")
        return {name: getattr(self, name) for name in names}

    def summary(self) -> str:
        # no timing here: findings (and so the proof and the DOCX) must not change between runs
        return finding("info", "pdf-typography", SUMMARY, args=self.counts()).message


def audit_typography(pdf: Path | bytes, display: DisplayList, chars: list[list[Char]] | None = None,
                     metrics: Metrics | None = None) -> TypographyAudit:
    """Read the built PDF (spread.pdf or pages.pdf) back — or take its characters when the caller
    has read them already — and count the body lines' breaches of typography.md; `findings()`
    names each, where it is, with a box for the proof overlay."""
    start = time.perf_counter()
    try:
        pages = per_display_page(chars if chars is not None else read_chars(pdf), display)
    except Exception as exc:  # noqa: BLE001 — an unreadable PDF is itself the finding
        name = pdf.name if isinstance(pdf, Path) else "PDF"
        return TypographyAudit(problems=(finding("error", "pdf-unreadable", UNREADABLE_PDF, name, BUG, {"reason": str(exc)}),))
    lines = drawn_lines(display, pages)
    auditor = Auditor(display, metrics)
    auditor.run(lines)
    return auditor.result(len(lines), time.perf_counter() - start)


class Auditor:
    """Walks the drawn lines in reading order, counting and recording breaches."""

    def __init__(self, display: DisplayList, metrics: Metrics | None = None) -> None:
        self.display = display
        self.metrics = metrics
        self.counts: dict[str, int] = dict.fromkeys(
            ("line_start", "line_end", "ragged", "ragged_left", "pairs", "indents", "lone_chars", "splits", "gaps", "off_grid"), 0)
        self.body = 0
        self.max_ragged = 0.0
        self.max_gap = 0.0
        self.after_hyphen = False     # the line before ended with an added hyphen
        self.problems: list[Finding] = []
        self._texts: dict[str, str] | None = None

    def block_text(self, line: DrawnLine) -> str | None:
        """The whole text of the line's block as composed (its lines' texts, the spaces dropped at
        their breaks put back): break opportunities are judged on it once per paragraph."""
        if line.composed is None:
            return None
        if self._texts is None:
            parts: dict[str, list[tuple[int, str]]] = {}
            for page in self.display.pages:
                for frame in page.frames:
                    for tl in frame.lines:
                        parts.setdefault(tl.block_id, []).append((tl.start, tl.source_text))
            self._texts = {}
            for block, pieces in parts.items():
                text = ""
                for start, piece in sorted(pieces):
                    text += " " * max(0, start - len(text)) + piece
                self._texts[block] = text
        return self._texts.get(line.composed.block_id)

    def around(self, line: DrawnLine) -> tuple[str, str]:
        """The block's text before and after the line: a Latin token split across a line end
        (test | _loader_accepts_bom) is judged whole."""
        text = self.block_text(line)
        if text is None:
            return "", ""
        c = line.composed
        return text[max(0, c.start - 200):c.start], text[c.end:c.end + 200]

    def result(self, n_lines: int, seconds: float) -> TypographyAudit:
        return TypographyAudit(n_lines, self.body, max_ragged=self.max_ragged, max_gap_em=self.max_gap,
                               seconds=seconds, problems=tuple(self.problems), **self.counts)

    def flag(self, count: str, code: str, line: DrawnLine, message: str, hint: str,
             glyphs: Iterable[Glyph] = (), box: tuple[float, float, float, float] | None = None, **args) -> None:
        self.counts[count] += 1
        if box is None:
            boxes = [g.em_box for g in glyphs] or [g.em_box for g in line.glyphs]
            l, t = min(b[0] for b in boxes), min(b[1] for b in boxes)
            r, b = max(b[2] for b in boxes), max(b[3] for b in boxes)
            box = (l, t, r - l, b - t)
        c = line.composed
        severity = "error"
        if c is not None and count in ("gaps", "ragged") and DECLARED.intersection(c.compromise):
            # the composer found no setting of the paragraph within the bounds and said so: the
            # page is printable, the editor's fix is a few words of the copy
            severity, hint = "warning", UNSETTABLE
        self.problems.append(finding(
            severity, code, message, line.where, hint, {**args, "line": line.text},
            block_id=c.block_id.replace(":", ".") if c else "", start=c.start if c else -1, end=c.end if c else -1,
            page=line.page, box=box))

    def run(self, lines: list[DrawnLine]) -> None:
        prev: DrawnLine | None = None
        for line in lines:
            continues = prev is not None and not prev.last and prev.head == line.head and (
                not line.head or (prev.composed and line.composed and prev.composed.block_id == line.composed.block_id))
            self.breaks(prev, line, bool(continues))
            if not line.head:
                self.body += 1
                self.body_line(line, bool(continues))
            prev = line

    # rules 1–5: where the lines break ----------------------------------------------------------

    def breaks(self, prev: DrawnLine | None, line: DrawnLine, continues: bool) -> None:
        first, end = line.glyphs[0], line.glyphs[-1]
        if continues and first.text in NO_START:
            self.flag("line_start", "pdf-line-start", line, N_("the line starts with {mark}: «{line}»"),
                      N_("typography.md rules 1, 2, 4: the composer must not break before this mark"), [first], mark=first.text)
        if not line.last and end.text in NO_END:
            self.flag("line_end", "pdf-line-end", line, N_("the line ends with {mark}: «{line}»"),
                      N_("typography.md rule 3: an opening mark goes to the next line"), [end], mark=end.text)
        if continues and prev is not None and not allowed_break(prev, line, self.block_text(line)):
            self.flag("splits", "pdf-split", line, N_("{before}|{after}: a number or word is split across lines: «{line}»"),
                      N_("typography.md rule 5: a number or Latin word stays on one line"), [first],
                      before=prev.glyphs[-1].text, after=first.text)
        hyphen = continues and prev is not None and prev_hyphen(prev)
        if hyphen and self.after_hyphen:
            self.flag("splits", "pdf-hyphens", line, N_("two hyphenated lines in a row: «{line}»"),
                      N_("re-break the paragraph: never two hyphenated lines in a row"), [prev.glyphs[-1]])
        self.after_hyphen = hyphen

    # rules 7, 11, 12, 14, 15, 16: a body line's shape ------------------------------------------

    def body_line(self, line: DrawnLine, continues: bool) -> None:
        self.right(line)
        self.left(line, continues)
        self.gaps_and_pairs(line)
        self.grid(line)
        if line.last and continues and sum(1 for g in line.glyphs if counted(g.text)) == 1:
            self.flag("lone_chars", "pdf-lone-char", line, N_("孤字: the paragraph's last line holds one character: «{line}»"),
                      N_("typography.md rule 16: re-break the paragraph so two or more characters end it"))

    def right(self, line: DrawnLine) -> None:
        edge = line.frame.x + line.frame.width
        # characters drawn at one origin are one glyph (—— in a Chinese run): it reaches their advances on
        end = right_edge(line.glyphs[-1], self.metrics) + sum(g.advance for g in same_origin(line.glyphs)[:-1])
        dev = end - edge
        if not line.last:
            self.max_ragged = max(self.max_ragged, abs(dev))
        if (not line.last and abs(dev) > FLUSH_TOL) or dev > FLUSH_TOL:
            what = (N_("overfull: the line ends {dev:+.2f} pt from the column edge: «{line}»") if dev > 0 else
                    N_("ragged: the line ends {dev:+.2f} pt from the column edge: «{line}»"))
            l, r = sorted((end, edge))
            self.flag("ragged", "pdf-ragged", line, what,
                      N_("typography.md rule 11: every line but a paragraph's last is flush with both edges"),
                      box=(l, line.baseline - 0.88 * line.glyphs[-1].size, max(r - l, 1.0), line.glyphs[-1].size), dev=dev)

    def left(self, line: DrawnLine, continues: bool) -> None:
        """Rule 15 for a paragraph's first line (2 em in), rule 11 for the others (flush left)."""
        x0 = line.frame.x + (0.0 if continues else 2 * self.display.body_size)
        off = min((s - x0 for s in left_edges(line.glyphs[0])), key=abs)
        if abs(off) <= (FLUSH_TOL if continues else INDENT_TOL):
            return
        if continues:
            self.flag("ragged_left", "pdf-ragged-left", line, N_("the line starts {off:+.3f} pt from the column edge: «{line}»"),
                      N_("typography.md rule 11: every line is flush with both column edges"), [line.glyphs[0]], off=off)
        else:
            inset = round(off + 2 * self.display.body_size, 2) + 0.0  # no -0.00
            self.flag("indents", "pdf-indent", line,
                      N_("a paragraph's first line starts {inset:.2f} pt in, not 2 em ({off:+.2f} pt): «{line}»"),
                      N_("typography.md rule 15: a body paragraph's first line is indented 2 em, also after a head"),
                      [line.glyphs[0]], inset=inset, off=off)

    def gaps_and_pairs(self, line: DrawnLine) -> None:
        glyphs = line.glyphs
        gaps = widenings(glyphs, line.spaced)
        widening = max(0.0, statistics.median(w for _, w in gaps)) if gaps else 0.0
        worst = max((w / glyphs[i].size for i, w in gaps), default=0.0)
        self.max_gap = max(self.max_gap, worst)
        self.spacing(line, gaps, worst)
        for i in range(len(glyphs) - 1):
            a, b = glyphs[i], glyphs[i + 1]
            if not is_pair(a.text, b.text):
                continue
            width = pair_width(glyphs, i, widening)
            limit = 1.5 * max(a.size, b.size)
            if width > limit + PAIR_TOL:
                self.flag("pairs", "pdf-pair", line, N_("the marks {pair} take {width:.2f} pt, over 1.5 em ({limit:.2f} pt): «{line}»"),
                          N_("typography.md rule 7: remove the blank half between adjacent marks"), [a, b],
                          pair=a.text + b.text, width=width, limit=limit)

    def spacing(self, line: DrawnLine, gaps: list[tuple[int, float]], worst: float) -> None:
        glyphs = line.glyphs
        if worst > MAX_GAP_EM + GAP_TOL / self.display.body_size:
            at = max(gaps, key=lambda iw: iw[1] / glyphs[iw[0]].size)[0]
            what, marked, args = N_("a gap is widened {gap:.3f} em, over {bound} em: «{line}»"), glyphs[at:at + 2], {
                "gap": worst, "bound": MAX_GAP_EM}
        elif (wide_space := max(((self.space_width(glyphs, i) / glyphs[i].size, i) for i in line.spaced
                                 if i + 1 < len(glyphs)), default=(0.0, 0)))[0] > WORD_SPACE_EM + GAP_TOL / self.display.body_size:
            w, at = wide_space
            what, marked, args = N_("a word space is set {gap:.3f} em, over {bound} em: «{line}»"), glyphs[at:at + 2], {
                "gap": w, "bound": WORD_SPACE_EM}
        elif squeezed := [(i, w) for i, w in gaps if w < -SQUEEZE_TOL]:
            i, w = squeezed[0]
            what, marked, args = N_("{pair} overlap by {by:.2f} pt: «{line}»"), glyphs[i:i + 2], {
                "pair": glyphs[i].text + glyphs[i + 1].text, "by": -w}
        elif spaced := [(i, w) for i in range(len(glyphs) - 1) if inside_unit(glyphs, i) and i not in line.spaced
                        and (w := self.spacing_at(glyphs, i)) > UNIT_GAP_TOL + letter_room(
                            glyphs, i, *self.around(line))]:
            i, w = spaced[0]
            what, marked, args = N_("spaced out inside {pair} by {by:.3f} pt: «{line}»"), glyphs[i:i + 2], {
                "pair": glyphs[i].text + glyphs[i + 1].text, "by": w}
        else:
            return
        self.flag("gaps", "pdf-gap", line, what,
                  N_("typography.md rule 12: compress marks first, then widen every gap evenly, ≤ 0.25 em; "
                     "never inside words, numbers, —— or ……"), marked, **args)

    def space_width(self, glyphs: Sequence[Glyph], i: int) -> float:
        """pt of white between glyph i and the next across a typed space (an opening mark's
        blank half, when drawn full width, is not the space's)."""
        a, b = glyphs[i], glyphs[i + 1]
        shaped = self.metrics.advance(a) if self.metrics is not None and alnum(a.text) else None
        gap = b.x - a.x - (a.advance if shaped is None else shaped)
        if b.text in OPENING and b.advance >= 0.9 * b.size:
            gap -= b.size / 2
        return gap

    def spacing_at(self, glyphs: Sequence[Glyph], i: int) -> float:
        """pt between glyphs i and i + 1 beyond what shaping sets there: the nearer of the font's
        nominal advance and its shaped one (kerning, proportional digits in a Chinese run; which
        one Pango used depends on the run's script). 0 inside a ligature, which is one glyph."""
        a, b = glyphs[i], glyphs[i + 1]
        drawn = b.x - a.x
        if self.metrics is None or self.metrics.face(a.font) is None:
            return drawn - a.advance
        step = self.metrics.step(a, b)
        if step is None:
            return 0.0
        return min((drawn - a.advance, drawn - step), key=abs)

    def grid(self, line: DrawnLine) -> None:
        steps = (line.baseline - self.display.grid_origin) / self.display.leading
        if abs(steps - round(steps)) * self.display.leading > GRID_TOL:
            self.flag("off_grid", "pdf-off-grid", line, N_("baseline {baseline:.2f} pt is off the baseline grid: «{line}»"),
                      N_("typography.md rule 14: body lines sit on the body leading's grid"), baseline=line.baseline)


def prev_hyphen(line: DrawnLine) -> bool:
    """The line ends with the hyphen the composer added (drawn, and not in the source)."""
    return bool(line.composed and line.composed.hyphenated and line.glyphs[-1].text == HYPHEN_TEXT)


def allowed_break(prev: DrawnLine, line: DrawnLine, text: str | None = None) -> bool:
    """Where the two lines meet is a break opportunity of the house rules (breaks.py), with its
    hyphen drawn if it is a hyphenation point; without the composed text, rule 5 from the glyphs.
    `text` is the block's whole text as composed (Auditor.block_text); without it, the two lines'."""
    a, b = prev.composed, line.composed
    if not (a and b and a.block_id == b.block_id and a.end <= b.start):
        return broke_at_space(prev, line) or not split_unit(prev.glyphs, line.glyphs[0].text)
    if text is not None:
        kind = opportunities(text).get(a.end)
    else:
        left = a.source_text
        kind = opportunities(left + " " * (b.start - a.end) + b.source_text).get(len(left))
    if kind is None:
        return False
    return (kind == HYPHEN) == prev_hyphen(prev)


def broke_at_space(prev: DrawnLine, line: DrawnLine) -> bool:
    """The source has a word space where the two lines meet (the composer breaks there)."""
    a, b = prev.composed, line.composed
    return bool(a and b and a.block_id == b.block_id and (a.end < b.start or a.text[-1:].isspace()
                                                           or b.text[:1].isspace()))


def split_unit(before: Sequence[Glyph], first: str) -> bool:
    """Rule 5: the break between `before` (the previous line) and a line starting with `first`
    cuts a digit run, a Latin word, a number from its unit, or a joined number such as 3.5."""
    a = before[-1].text
    if alnum(a) and (alnum(first) or (a.isdigit() and first in UNIT_AFTER_DIGIT)):
        return True
    return a in JOINERS and len(before) > 1 and alnum(before[-2].text) and alnum(first)


def alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def letter_room(glyphs: Sequence[Glyph], i: int, before: str = "", after: str = "") -> float:
    """pt the composer's last resort may letter-space glyphs i, i + 1: inside an address (by the
    composer's own address rules) ADDRESS_SPACE_EM, inside a word of letters LETTER_SPACE_EM,
    none inside a number. `before` and `after`: the paragraph's text around the line, where the
    token may begin or go on."""
    a, b = glyphs[i].text, glyphs[i + 1].text
    lo, hi = i, i + 1
    while lo > 0 and glyphs[lo - 1].text.isascii() and not glyphs[lo - 1].text.isspace():
        lo -= 1
    while hi + 1 < len(glyphs) and glyphs[hi + 1].text.isascii() and not glyphs[hi + 1].text.isspace():
        hi += 1
    head = token_end(before[::-1])[::-1] if lo == 0 else ""
    tail = token_end(after) if hi + 1 == len(glyphs) else ""
    run = head + "".join(g.text for g in glyphs[lo:hi + 1]) + tail
    lo -= len(head)
    # a line holds a piece of an address only (type: | docs, packagers@example | .org): one that
    # the composer's address rules find, or one holding an address's marks, counts as one
    if any(x <= i - lo < y - 1 for x, y in spaced_addresses(run)) or \
            (ADDRESS_MARKS.intersection(run) and not VERSION_RE.fullmatch(run)):
        return ADDRESS_SPACE_EM * glyphs[i].size
    return LETTER_SPACE_EM * glyphs[i].size if a.isalpha() and b.isalpha() else 0.0


def token_end(text: str) -> str:
    """The leading run of `text` that is one Latin token (ASCII, no space)."""
    n = 0
    while n < len(text) and text[n].isascii() and not text[n].isspace():
        n += 1
    return text[:n]


def inside_unit(glyphs: Sequence[Glyph], i: int) -> bool:
    """The gap after glyph i lies inside a Latin word, a digit run, —— or ……"""
    a, b = glyphs[i].text, glyphs[i + 1].text
    return (alnum(a) and alnum(b)) or (a + b in ("——", "……"))
