"""Total-fit line breaking over a prepared paragraph, with one cost function for every pass.

Knuth–Plass style dynamic programming over the break candidates that 避头尾 allows: each line
is either shrunk by compressing its marks evenly, or widened at its gaps in proportion to their
capacity (then, as the last resort, letter-spaced). A first (strict) pass admits only lines within those bounds; if it finds no
way through, a second pass also admits loose, ragged and overfull lines. A line costs
(30 + badness)²: fewer lines win, and fully compressing the optional marks (badness 3) is
cheaper than widening (100 at the bound, cubic). A 孤字 last line costs so much it is taken
only when nothing else fits.
"""

from __future__ import annotations

import bisect
import math

from .breaks import BREAK, EMERGENCY, HYPHEN
from .prepare import EPS, LOOSE_LETTERING, Paragraph

LINE_PENALTY = 30.0   # per line: among lines within the bounds, fewer lines win (copyfit)
SHRINK = 3.0          # badness of compressing every optional mark fully: well below widening (rule 10)
INFEASIBLE = 1e8      # a line that cannot be flush within the bounds (loose or ragged)
OVERFULL = 1e18       # a line wider than the measure even with all compression
LONE = 1e7            # 孤字
HYPHEN_COST = 3000.0  # a hyphenated line end: about a line widened to 60 % of its bound
LETTERED = 400.0      # a line letter-spaced: after every gap is at its bound (well above 100)
EMERGENCY_COST = 1e16  # a break no rule allows: only when a token is wider than the line (above any loose line)
HOLE = 100.0          # a loose line with a gap past 0.5 em (rule 24): re-break to avoid it where possible


def fit_cost(d: float, o: float, g: float, last: bool, justify: bool, em: float, letters: float = 0.0,
             holes: float = math.inf) -> float:
    """The cost of a line `d` pt short of its measure (negative: too long) that has `o` pt of
    optional compression, `g` pt of capacity to widen its gaps and `letters` pt to letter-space
    its words (the last resort); the 孤字 penalty comes on top. A loose line (past every bound)
    that needs more than `holes` pt (what its hanzi gaps may take up to 0.5 em and its letters
    beyond their bound) opens a gap past 0.5 em (rule 24): it costs HOLE times more."""
    if d < -EPS:
        if -d > o + EPS:
            return OVERFULL * (1 - d)
        bad = SHRINK * (d / o) ** 2
    elif last or (justify and d <= EPS):
        bad = 0.0
    elif justify:
        r = d / g if g > EPS else math.inf
        if r > 1 + EPS:
            if letters > EPS and d <= g + letters + EPS:
                return (LINE_PENALTY + 100 + LETTERED + 100 * ((d - g) / letters) ** 3) ** 2
            room = g + letters
            cost = INFEASIBLE * (1 + (d / room if room > EPS else d)) ** 3
            return cost * HOLE if room > EPS and d > room + holes + EPS else cost
        bad = 100 * r ** 3
    else:
        bad = 100 * (d / em) ** 2   # ragged: prefer full lines
    return (LINE_PENALTY + bad) ** 2


def break_cost(kind: int) -> float:
    """What ending a line at this kind of break costs on top of the line's fit."""
    return HYPHEN_COST if kind == HYPHEN else EMERGENCY_COST if kind == EMERGENCY else 0.0


def line_cost(par: Paragraph, measure: float, s: int, e: int, last: bool) -> float:
    w, o, g = par.measure_line(s, e, last)
    cost = fit_cost(measure - w, o, g, last, par.justify, par.em, 0.0 if last else par.letters(s, e))
    if last and par.rules.avoid_lone_char and s != par.first and par.pr[e] - par.pr[s] == 1:
        cost += LONE
    return cost


def best_breaks(par: Paragraph, measure: float) -> list[tuple[int, int]]:
    """The lines [s, e) of the best total fit: first among lines within the bounds only;
    if the paragraph has no such way, again admitting loose, ragged or overfull lines."""
    return total_fit(par, measure, True) or total_fit(par, measure, False) or []


def total_fit(par: Paragraph, width: float, strict: bool) -> list[tuple[int, int]] | None:
    """Dynamic programming over the break candidates, in order of position. The state is a
    line start and whether the line before it ended with a hyphen: two hyphenated lines in a
    row are never taken."""
    first, last = par.first, par.last
    if first >= last:
        return None
    inf = math.inf
    states = 2 if par.hyphens else 1
    total = [[inf] * (par.n + 1) for _ in range(states)]   # best cost up to a line start
    back: list[dict[int, tuple[int, int, int]]] = [{} for _ in range(states)]
    total[0][first] = 0.0
    final_cost, final = inf, (-1, 0)
    ends, nexts, end_q, kinds, extra = par.ends, par.nexts, par.end_q, par.kinds, par.extra
    pw, pg, po, ps, pq = par.pw, par.pg, par.po, par.ps, par.pq
    blank, mand, opt, status = par.blank, par.mand, par.opt, par.status
    justify, em, em2, lead, letters = par.justify, par.em, 2 * par.em, par.lead, par.letters
    lettered = justify and par.pl[-1] > 0
    limit = INFEASIBLE if strict else inf
    n_ends = len(ends)
    for s in [first, *nexts]:
        for h in range(states):
            base = total[h][s]
            if base == inf:
                continue
            # the rest as the last line, unless it is certainly overfull
            if not strict or pw[last] - pw[s] - (po[last] - po[s]) - em2 <= width:
                cost = line_cost(par, width, s, last, True)
                if cost < limit and base + cost < final_cost - EPS:
                    final_cost, final = base + cost, (s, h)
            avail = width - (par.indent if s == first else 0.0) - lead.get(s, 0.0)
            k = bisect.bisect_right(ends, s)
            if justify:
                # a line that cannot reach the measure fully widened is infeasible; in the
                # relaxed pass the longest of them stays a candidate, back to a plain break
                reach = bisect.bisect_left(end_q, pq[s] + avail - EPS)
                if not strict:
                    reach -= 1
                    while reach > k and kinds[reach] != BREAK:
                        reach -= 1
                k = max(k, reach)
            pw_s, pg_s, po_s, ps_s, blank_s = pw[s], pg[s], po[s], ps[s], blank[s]
            tried = False
            while k < n_ends:
                e = ends[k]
                kind = kinds[k]
                # measure_line, inline: this loop is the composer's hot path
                w = pw[e] - pw_s + pg[e - 1] - pg_s + extra[k]
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
                k += 1
                if d < -o - EPS and (strict or tried) and kind != HYPHEN:
                    break     # longer lines only get longer (a hyphen line may be the exception)
                g = ps[e - 1] - ps_s
                if d > g + EPS:
                    lr = letters(s, e) if lettered else 0.0
                    holes = math.inf if strict else par.hole_room(s, e) + (LOOSE_LETTERING - 1.0) * lr
                    cost = fit_cost(d, o, g, False, justify, em, lr, holes)
                else:
                    cost = fit_cost(d, o, g, False, justify, em)
                tried = True
                if kind != BREAK:
                    if (strict and kind == EMERGENCY) or (h and kind == HYPHEN):
                        continue          # never two hyphenated lines in a row
                    cost += break_cost(kind)
                if cost >= limit:
                    continue
                nxt, nh = nexts[k - 1], int(kind == HYPHEN)
                if base + cost < total[nh][nxt] - EPS:
                    total[nh][nxt] = base + cost
                    back[nh][nxt] = (s, h, e)
    if final[0] < 0:
        return None
    s, h = final
    lines = [(s, last)]
    while s != first or h:
        ps_, ph, e = back[h][s]
        lines.append((ps_, e))
        s, h = ps_, ph
    return lines[::-1]
