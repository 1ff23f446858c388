"""An independent check of composed lines against the rules, from the output alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..fonts import Face
from .breaks import HYPHEN, opportunities
from .chars import BREAKING_SPACE, MARKS, NO_END, NO_START, OPENING, PUNCT, is_cjk, word_char
from .lines import DEFAULT_RULES, ComposeRules, Line, Span, TextRun


def char_widths(span: Span, faces: Mapping[str, Face]) -> list[float]:
    face = faces[span.face]
    return [face.advance(ch, span.size, span.features) + span.tracking for ch in span.text]


def as_tracking(line: Line) -> Line:
    """The line with each spacer (a span without text: the gap after a word) given back as
    tracking on the character before it, the way the rules below measure gaps."""
    if all(s.text for s in line.spans):
        return line
    spans: list[Span] = []
    for s in line.spans:
        if s.text or not spans:
            spans.append(s)
            continue
        p = spans.pop()
        if len(p.text) > 1:
            spans.append(replace(p, text=p.text[:-1]))
        spans.append(replace(p, text=p.text[-1], tracking=p.tracking + s.width))
    return replace(line, spans=tuple(spans))


def line_gaps(line: Line, faces: Mapping[str, Face], rules: ComposeRules, measure: float
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
        if ch == BREAKING_SPACE:
            continue               # a typed space: its width is checked by space_widths
        extra = s.tracking
        if (is_cjk(ch) and word_char(nxt)) or (word_char(ch) and is_cjk(nxt)):
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


def space_widths(line: Line, faces: Mapping[str, Face], rules: ComposeRules) -> list[tuple[str, float]]:
    """Typed spaces out of their bounds, as (context, width in em): between CJK and Latin the
    house gap, between words within rules.word_space_em."""
    chars = [(ch, s) for s in line.spans if not s.added for ch in s.text]
    out = []
    i, n = 0, len(chars)
    while i < n:
        if chars[i][0] != BREAKING_SPACE:
            i += 1
            continue
        j = i
        # the tracking after the character before belongs to the gap (a span's tracking is on
        # every character of it: the space joins the span before it)
        width = chars[i - 1][1].tracking if i and chars[i - 1][0] not in MARKS else 0.0
        while j < n and chars[j][0] == BREAKING_SPACE:
            s = chars[j][1]
            width += faces[s.face].advance(BREAKING_SPACE, s.size) + s.tracking
            j += 1
        if i == 0 or j == n:
            i = j
            continue
        em = chars[i][1].size
        a, (b, sb) = chars[i - 1][0], chars[j]
        face_b = faces[sb.face]
        if b in OPENING and "halt" in sb.features:
            # the tracking before a halved opening mark gives back what it does not compress
            width -= face_b.advance(b, sb.size) - face_b.advance(b, sb.size, sb.features)
        cjk_a, cjk_b = is_cjk(a) or a in MARKS, is_cjk(b) or b in MARKS
        if (cjk_a and word_char(b)) or (word_char(a) and cjk_b):
            house = rules.cjk_latin_gap_em * em
            # (a word and the space after it are shaped as one box: a kern may sit in between)
            ok = width <= house + 0.05 and (b in MARKS or a in MARKS or width >= house - 0.05)
        else:
            ok = width <= rules.word_space_em[1] * em + 0.01
        if not ok:
            out.append((f"{a} {b}", width / em))
        i = j
    return out


def break_findings(line: Line, breaks: Mapping[int, int], after_hyphen: bool, where: str
                   ) -> list[tuple[str, str]]:
    """The break after `line` is one the rules allow, with its hyphen if it needs one."""
    kind = breaks.get(line.end)
    hyphen = any(s.added for s in line.spans)
    if kind is None:
        return [("split-unit", f"{where}: no break is allowed here")]
    if hyphen != (kind == HYPHEN):
        return [("hyphen", f"{where}: {'a hyphen where no word is split' if hyphen else 'a word split without its hyphen'}")]
    if hyphen and after_hyphen:
        return [("hyphen", f"{where}: two hyphenated lines in a row")]
    return []


def check_lines(runs: Sequence[TextRun], lines: Sequence[Line], measure: float,
                faces: Mapping[str, Face], rules: ComposeRules = DEFAULT_RULES
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
    breaks = opportunities(text, rules.hyphenate and rules.align == "justify")
    hyphenated = [any(s.added for s in line.spans) for line in lines]
    for n, line in enumerate(lines):
        body = "".join(s.text for s in line.spans if not s.added)
        where = f"line {n + 1} «{body}»"
        if body != text[line.start:line.end]:
            found.append(("text", f"{where}: spans do not match the offsets"))
        if text[prev_end:line.start].strip(BREAKING_SPACE) or line.start < prev_end:
            found.append(("text", f"{where}: characters lost or doubled before the line"))
        joined += body
        prev_end = line.end
        # ASCII punctuation may start a line inside an address: break_findings judges those
        if n and body and ((body[0] in NO_START and not body[0].isascii()) or body[0] == BREAKING_SPACE):
            found.append(("line-start", f"{where} starts with {body[0]}"))
        if not line.last and body and ((body[-1] in NO_END and not body[-1].isascii()) or body[-1] == BREAKING_SPACE):
            found.append(("line-end", f"{where} ends with {body[-1]}"))
        if n + 1 < len(lines):
            found += break_findings(line, breaks, hyphenated[n - 1] if n else False, where)
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
        tracked = as_tracking(line)
        for context, width in space_widths(tracked, faces, rules):
            found.append(("gap", f"{where}: space «{context}» set {width:.3f} em"))
        gap, pairs = line_gaps(tracked, faces, rules, measure)
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
