"""Realising chosen lines: compression and widening turned into spans with tracking and OpenType features."""

from __future__ import annotations

from .breaks import EMERGENCY
from .lines import Line, Span
from .prepare import EPS, HYPHEN_TEXT, LOOSE_LETTERING, SPACE, WORDS, Cell, Paragraph


def compromise(par: Paragraph, measure: float, s: int, e: int, last: bool) -> tuple[str, ...]:
    """What rules a chosen line had to give up, () if none."""
    w, o, g = par.measure_line(s, e, last)
    d = measure - w
    kinds = []
    if d < -o - EPS:
        kinds.append("overfull")
    if not last and par.end_kind.get(e) == EMERGENCY:
        kinds.append("emergency")
    if par.justify and not last and d > EPS:
        room = g + par.letters(s, e)
        if room <= EPS:
            kinds.append("ragged")
        elif d > room + EPS:
            kinds.append("loose")
    if last and s != par.first and par.rules.avoid_lone_char and par.pr[e] - par.pr[s] == 1:
        kinds.append("lone-char")
    return tuple(kinds)


def realise_line(par: Paragraph, measure: float, s: int, e: int, last: bool) -> Line:
    cells = par.cells
    first = s == par.first
    w, o, g = par.measure_line(s, e, last)
    d = measure - w
    ratio = 0.0       # share of the optional compression used
    widen = 0.0       # share of each gap's capacity used
    lettered = 0.0    # share of each word's letter-spacing room used (the last resort)
    beyond = 0.0      # pt a loose line needs past every bound (it is flush and reported)
    letters = 0.0
    if d < -EPS and o > EPS:
        ratio = min(1.0, -d / o)
    elif d > EPS and par.justify and not last:
        letters = par.letters(s, e)
        if d > g + EPS and letters > EPS:
            # every gap to its bound first, then the letters
            widen = 1.0 if g > EPS else 0.0
            lettered = min(d - g, letters) / letters
            beyond = d - g - letters
        elif g > EPS:
            widen = min(1.0, d / g)
            beyond = d - g
    gap, cap, blank = par.gap, par.cap, par.blank
    track = [gap[c] + widen * cap[c] for c in range(s, e)]
    track[-1] = 0.0
    if beyond > EPS:
        lettered += loosen(par, s, e, track, beyond, letters)
    feats: list[tuple[str, ...]] = [c.features for c in cells[s:e]]
    for c in range(s, e):
        if not blank[c]:
            continue
        m, op = par.status(c, s, e, last)
        amount = m + op * ratio
        if amount <= EPS:
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
    spans = spans_of(cells[s:e], track, feats, x0, [lettered * par.lroom[c] for c in range(s, e)],
                     par.lead.get(s, 0.0))
    if par.hyphenated(e, last):
        end, before = spans[-1], cells[e - 1]
        spans.append(Span(end.x + end.width, HYPHEN_TEXT, before.face.key, before.size, 0.0, (),
                          par.end_extra[e], added=True))
    content = sum(sp.width for sp in spans)
    if par.rules.align == "center":
        x0 = (measure - content) / 2
        spans = spans_of(cells[s:e], track, feats, x0, [0.0] * (e - s))
        width = content   # (no hyphen: only justified text is hyphenated)
    else:
        width = x0 + content
    return Line(tuple(spans), measure, width, cells[s].start,
                cells[e - 1].start + len(cells[e - 1].text), first, last)


def loosen(par: Paragraph, s: int, e: int, track: list[float], beyond: float, letters: float) -> float:
    """A loose line (no way of breaking the paragraph kept it within the bounds): its gaps after
    hanzi widen on towards 0.5 em (typography.md rule 24), in proportion to what each has left,
    then its letters take up to LOOSE_LETTERING times their room; only what is left then widens
    every gap further, word spaces too: the line stays flush (a short line mid-paragraph would
    read as its end). `track` is widened in place; the share of the letter room added is returned."""
    cap = par.cap
    room = [par.hole_at(c) for c in range(s, e - 1)]
    total = sum(room)
    if total > EPS:
        share = min(1.0, beyond / total)
        for k, r in enumerate(room):
            track[k] += r * share
        beyond -= share * total
    if beyond <= EPS:
        return 0.0
    more = min(beyond / letters, LOOSE_LETTERING - 1.0) if letters > EPS else 0.0
    beyond -= more * letters
    g = sum(cap[c] for c in range(s, e - 1))
    if beyond > EPS and g > EPS:
        for k, c in enumerate(range(s, e - 1)):
            track[k] += cap[c] * beyond / g
    elif beyond > EPS and letters > EPS:
        more += beyond / letters
    return more


def spans_of(cells: list[Cell], track: list[float], feats: list[tuple[str, ...]], x0: float,
             letters: list[float], lead: float = 0.0) -> list[Span]:
    """Consecutive cells with the same face, size, tracking and features as one span.

    A word (Latin, digits, an address) is a span of its own, shaped whole and alone as the
    composer measured it, its tracking only its letter-spacing. A typed space joins the span
    before it (a text box of a lone space draws no glyph, and copied text would lose it). Where
    the cell model puts the next span elsewhere than the drawn span ends — the gap after a word,
    a space's own width, letter-spacing its last letter does not take — a spacer span (no text)
    makes up the difference, so every span starts where it was measured."""
    spans: list[Span] = []
    n = len(cells)
    x = x0
    model = x0 + lead      # a line starting inside a word: its first piece is shaped wider
    drawn = [letters[k] if cells[k].kind in WORDS else track[k] for k in range(n)]
    i = 0
    while i < n:
        c0 = cells[i]
        t, f = drawn[i], feats[i]
        safe = c0.safe
        j = i + 1
        while j < n:
            c = cells[j]
            if not (c.face is c0.face and c.size == c0.size):
                break
            if c.kind == SPACE and cells[j - 1].kind != SPACE:
                j += 1
                break
            if drawn[j] != t or feats[j] != f or word_end(cells, j - 1):
                break
            word_a, word_b = cells[j - 1].kind in WORDS, c.kind in WORDS
            if word_a != word_b or not (word_b or (safe and c.safe) or adds_up(cells, i, j, f)):
                break
            safe = safe and c.safe
            j += 1
        text = "".join([c.text for c in cells[i:j]])
        if c0.kind in WORDS or any(feats[k] is not cells[k].features for k in range(i, j)):
            natural = c0.face.advance(text, c0.size, f)    # as the renderer shapes it
        else:
            natural = sum([c.width for c in cells[i:j]])
        width = natural + len(text) * t
        if t and c0.kind in WORDS:
            spans += letter_by_letter(x, text, c0, t, f)
        else:
            spans.append(Span(x, text, c0.face.key, c0.size, t, f, width))
        x += width
        for k in range(i, j):
            c = cells[k]
            shaped = c.width if feats[k] is c.features else c.face.advance(c.text, c.size, feats[k])   # halt
            model += shaped + track[k]
            if cells[k].kind in WORDS and letters[k]:
                model += letters[k] * len(cells[k].text) - (letters[k] if word_end(cells, k) else 0.0)
        if abs(model - x) > EPS:
            spans.append(Span(x, "", c0.face.key, c0.size, 0.0, (), model - x))
            x = model
        i = j
    return spans


def letter_by_letter(x: float, text: str, cell: Cell, t: float, f: tuple[str, ...]) -> list[Span]:
    """A letter-spaced word as a span a letter, each at the place the word shaped whole gives it
    (a spacer makes up the kerning between two letters drawn apart). WeasyPrint draws CSS
    letter-spacing inside a text box by truncating each glyph's adjustment to 1/1000 em — up to
    0.01 pt a letter short, so a line that is all address ended a few tenths of a point short of
    the column edge — but it places every text box exactly."""
    spans: list[Span] = []
    face, size = cell.face, cell.size
    letters: list[tuple[str, float]] = []
    for letter, advance in face.cluster_advances(text, size, f):
        # a box holds one letter and what follows it up to the next: a digit, mark or space alone
        # would be shaped in the page's language (another glyph), a space alone draws nothing
        if letters and (not letter[0].isalpha() or not any(c.isalpha() for c in letters[-1][0])):
            letter, advance = letters[-1][0] + letter, letters.pop()[1] + advance
        letters.append((letter, advance))
    for letter, advance in letters:
        alone = face.advance(letter, size, f)
        spans.append(Span(x, letter, face.key, size, t, f, alone + len(letter) * t))
        if abs(advance - alone) > EPS:
            spans.append(Span(x + alone + len(letter) * t, "", face.key, size, 0.0, (), advance - alone))
        x += advance + len(letter) * t
    return spans


def word_end(cells: list[Cell], k: int) -> bool:
    """Cell k is the last piece of a word on the line."""
    if cells[k].kind not in WORDS:
        return False
    return k + 1 == len(cells) or cells[k + 1].kind not in WORDS or cells[k + 1].face is not cells[k].face


def adds_up(cells: list[Cell], i: int, j: int, f: tuple[str, ...]) -> bool:
    """Whether shaping cells i..j together gives the sum of their widths (no kerning,
    ligature or script run that would move things)."""
    c0 = cells[i]
    whole = c0.face.advance("".join(c.text for c in cells[i:j + 1]), c0.size, f)
    own = all(c.features == f for c in cells[i:j + 1])
    parts = sum(c.width if own else c0.face.advance(c.text, c0.size, f) for c in cells[i:j + 1])
    return abs(whole - parts) <= 1e-6
