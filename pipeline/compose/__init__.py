"""The CJK composer: one paragraph + rules + measure -> justified lines of positioned spans.

Pure and deterministic. Rules are typography.md 1–18 as far as one paragraph goes.

Model. The paragraph is cut into cells: a hanzi, a mark, a space; a Latin word, number or
address is cut at its break opportunities (breaks.py: UAX #14 by ICU, 避头尾, address rules,
hyphenation), each piece two cells (all but its last character, then the last character), and
so are the 2-em `——`/`……`: nothing may break or space out inside a piece.
Each cell has a shaped width (HarfBuzz, the face that renders; a word's pieces in context), each
gap after a cell a natural width (the house CJK–Latin gap, fixed) and a capacity to widen (CJK
gaps 0.25 em, word spaces to 0.5 em), and each full-width mark one blank half
(left for opening marks, right for the others) that may be removed:
- mandatorily in a punctuation pair (rule 7), at the end of a justified line (rule 8, ink flush)
  and at the start of a continuation line (rule 9);
- optionally, and evenly, to pull a character back onto the line (rule 10), before any widening.

Breaking. Total fit (Knuth–Plass style dynamic programming) over the break opportunities:
each line is either shrunk by compressing its marks evenly, or widened at its gaps in proportion
to their capacity, then (last resort) letter-spaced in its words of letters and addresses. A first pass admits only lines within
those bounds (a 孤字 last line costs so much it is taken only when nothing else fits); if it
finds no way through, a second pass also admits loose, ragged and overfull lines, and
`compose_noted` says which it took. A loose line widens its gaps after hanzi on to 0.5 em
(typography.md rule 24) and its words to twice their letter-spacing bound before anything
else widens further; the second pass prices a line that still needs a gap past 0.5 em a
hundred times a loose one, so it re-breaks to avoid it where it can. A line costs (30 + badness)²: fewer lines win, and fully
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

Libraries checked: none does metric CJK justification in Python. ICU (icu4py) gives the UAX #14
break opportunities, pyphen the hyphenation points; budoux and budou break by phrase;
cjk-textwrap and cjkjust pad monospace strings; Pango/WeasyPrint neither compress nor justify
CJK; Typst's composer lives inside Typst. So breaking and justification are ours, on ICU's
opportunities with the 避头尾 tables on top, and HarfBuzz (uharfbuzz) measures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..errors import PinbanError
from ..fonts import Face
from .linebreak import best_breaks
from .lines import DEFAULT_RULES, ComposeRules, Line, Span, TextRun
from .prepare import prepared, with_emergency
from .realise import compromise, realise_line
from .verify import check_lines


def compose(runs: Sequence[TextRun], measure: float, faces: Mapping[str, Face],
            rules: ComposeRules = DEFAULT_RULES, where: str = "") -> tuple[Line, ...]:
    """Break and justify one paragraph into lines of `measure` pt (see the module docstring)."""
    return compose_noted(runs, measure, faces, rules, where)[0]


def compose_noted(runs: Sequence[TextRun], measure: float, faces: Mapping[str, Face],
                  rules: ComposeRules = DEFAULT_RULES, where: str = ""
                  ) -> tuple[tuple[Line, ...], tuple[tuple[int, str], ...]]:
    """`compose`, plus the compromises the paragraph forced, as (line index, kind): "loose"
    (widened beyond max_stretch_em), "ragged" (a justified line with no gap to widen),
    "overfull" (wider than the measure: a unit longer than the line) and "lone-char" (孤字 that
    no re-breaking within the bounds avoids). Empty for text that can be set by the rules."""
    if rules.align not in ("justify", "start", "center"):
        raise PinbanError(f"unknown alignment {rules.align!r}", where=where,
                          hint="use justify, start or center")
    runs = [r for r in runs if r.text]
    par = prepared(runs, faces, rules, where)
    if par is None:
        return (), ()
    breaks = best_breaks(par, measure)
    kinds = compromises(par, measure, breaks)
    for keep_marks in (True, False):
        too_long = [(par.cells[s].start, par.cells[e - 1].start + len(par.cells[e - 1].text))
                    for (s, e), k in zip(breaks, kinds) if "overfull" in k]
        if not too_long:
            break
        # never over the measure: break what no rule lets break at a grapheme boundary
        par = with_emergency(runs, faces, rules, too_long, keep_marks, where)
        breaks = best_breaks(par, measure)
        kinds = compromises(par, measure, breaks)
    last = len(breaks) - 1
    lines = tuple(realise_line(par, measure, s, e, i == last) for i, (s, e) in enumerate(breaks))
    lines = tuple(replace(line, compromise=k) if k else line for line, k in zip(lines, kinds))
    return lines, tuple((i, kind) for i, line_kinds in enumerate(kinds) for kind in line_kinds)


def compromises(par, measure: float, breaks: list[tuple[int, int]]) -> list[tuple[str, ...]]:
    last = len(breaks) - 1
    return [compromise(par, measure, s, e, i == last) for i, (s, e) in enumerate(breaks)]


__all__ = ["ComposeRules", "Line", "Span", "TextRun", "check_lines", "compose", "compose_noted"]
