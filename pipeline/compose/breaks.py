"""Where a line may end: UAX #14 (ICU's line breaker) with the house rules on top.

The opportunities of a paragraph's plain text, as {position: kind}: the line may end before
`text[position]`; at a run of typed spaces the position is the first space (the spaces are
dropped at the break). Kinds:
- BREAK: an ordinary break, nothing added;
- HYPHEN: inside an English word, the line ends with an added hyphen (pyphen, house bounds);
- EMERGENCY (only from `grapheme_breaks`): a grapheme boundary inside a token no rule lets
  break, used only when the token is wider than the line.

On top of UAX #14: 避头尾 (typography.md rules 1–6, the tables in chars.py) vetoes a break
before a no-start or after a no-end mark, inside —— and ……; URLs, e-mail addresses, paths and
code identifiers break by the house rules (below), never inside a number and with no hyphen.
The same table serves the composer, its verifier and the PDF audit.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen
from icu4py.breakers import CharacterBreaker, LineBreaker

from .chars import BREAKING_SPACE, NO_END, NO_START, PAIRED_2EM

BREAK, HYPHEN, EMERGENCY = 1, 2, 3

LOCALE = "zh"

# Tokens that break by their own rules (Chicago-style): after "//", "=" and a label's ":",
# before a single "/" and before . _ ? # - ~ % @ & — so the line end never looks like a
# hyphenated word or an address cut at its "@".
_URL_END = r"[^\s\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014\u3400-\u9fff]"
URL_RE = re.compile(rf"(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.){_URL_END}+"
                    rf"|(?<![A-Za-z0-9@._-])(?:[A-Za-z0-9-]+\.)+[A-Za-z]{{2,}}/{_URL_END}*")   # example.org/docs
VERSION_RE = re.compile(r"(?<![A-Za-z0-9.])[vV]?\d+(?:\.\d+)+(?:-[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)?")  # 2.3.1-rc.1
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
HANDLE_RE = re.compile(r"(?<![A-Za-z0-9_.])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")   # @lin-typeset
PATH_RE = re.compile(r"(?<![A-Za-z0-9_/])(?:~|\.\.?)?(?:/[A-Za-z0-9_.+-]+){2,}/?"
                     r"|(?<![A-Za-z0-9_./])[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.+-]+)+/"      # examples/local-scenes/
                     r"|(?<![A-Za-z0-9_./])[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.+-]+){2,}")
CODE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)+(?:\(\))?"
                     r"|[A-Za-z0-9]*_[A-Za-z0-9_]+"
                     r"|[A-Za-z][A-Za-z0-9-]*(?::[A-Za-z][A-Za-z0-9-]*)+")    # labels: area:compose
TRAILING = ".,;:!?)]}'\""        # sentence punctuation after an address is not part of it
BEFORE = frozenset("/._?#-~%@&")
AFTER = frozenset("=")

# Rule 5: a number and the unit after it stay on one line, a typed space between them or not
UNIT_RE = re.compile(r"(?:km/h|m/s|[kKMGT]?B/s|m²|m³|°C|℃"       # compounds first: km/h is one unit
                     r"|[kMGTPmμµn]?(?:Wh|W|Hz|bps|B|mAh|Ah|V|A|m|g|s|mL|ml|L|J|Pa|N|t|lm|lx|px|dB)"
                     r"|KB|bit|min|h|fps|rpm|pt|ppi|dpi|TOPS|[TGPM]?FLOPS)"
                     r"(?![A-Za-z0-9/])")
# A hyphen inside a Latin word is a break only between two parts of 3 letters or more (open-|source,
# not Wi-|Fi, RISC-|V, E-|Marker or a model code like HM-|R8): a short part alone looks like a
# hyphenated syllable or a lost letter
COMPOUND_PART_MIN = 3

# English hyphenation: words of >= 6 letters, >= 3 letters either side of the hyphen, never in
# all-capital words, words with capitals inside (names like GitHub) or words touching a digit.
HYPHEN_MIN_WORD = 6
HYPHEN_MIN_SIDE = 3
LETTERS_RE = re.compile(r"[A-Za-z]+")
_HYPHENATOR = pyphen.Pyphen(lang="en_US", left=HYPHEN_MIN_SIDE, right=HYPHEN_MIN_SIDE)


@lru_cache(maxsize=8192)
def hyphen_points(word: str) -> tuple[int, ...]:
    """Positions inside `word` where a hyphen may go (house bounds)."""
    if len(word) < HYPHEN_MIN_WORD or word.isupper() or any(c.isupper() for c in word[1:]):
        return ()
    return tuple(p for p in _HYPHENATOR.positions(word.lower())
                 if HYPHEN_MIN_SIDE <= p <= len(word) - HYPHEN_MIN_SIDE)


def code_points(text: str) -> list[int]:
    """Code-point offset of every UTF-16 offset ICU reports (characters beyond the BMP count 2)."""
    index = []
    for i, ch in enumerate(text):
        index.append(i)
        if ord(ch) > 0xFFFF:
            index.append(i)
    index.append(len(text))
    return index


def icu_breaks(text: str) -> set[int]:
    """UAX #14 break positions (after any spaces), excluding the start and the end."""
    index = code_points(text)
    return {index[s] for s, _ in LineBreaker(text, LOCALE).segments()} - {0, len(text)}


def address_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of URLs, e-mail addresses, @handles, paths and code identifiers, without overlaps."""
    found: list[tuple[int, int]] = []
    for pattern in (URL_RE, EMAIL_RE, HANDLE_RE, PATH_RE, VERSION_RE, CODE_RE):
        for m in pattern.finditer(text):
            a, b = m.start(), m.end()
            while b > a + 1 and text[b - 1] in TRAILING and not text[a:b - 1].endswith("("):
                b -= 1
            if not any(a < y and x < b for x, y in found):
                found.append((a, b))
    return sorted(found)


def spaced_addresses(text: str) -> list[tuple[int, int]]:
    """The address spans the last resort may letter-space: not versions, which are numbers."""
    return [(a, b) for a, b in address_spans(text) if not VERSION_RE.fullmatch(text, a, b)]


def address_breaks(token: str) -> set[int]:
    """House break positions inside one address (relative): never inside a word or a number."""
    out = set()
    for j in range(1, len(token)):
        a, b = token[j - 1], token[j]
        nxt = token[j + 1] if j + 1 < len(token) else ""
        if a.isalnum() and b.isalnum():
            continue
        if a.isdigit() and nxt.isdigit() and b in ".,-:":
            continue                      # 2.3.1, 10-12 stay whole
        if a == "/" and b == "/":
            continue
        before = b in BEFORE and not (b == "/" and nxt == "/") and a not in BEFORE | AFTER | {":"}
        label = a == ":" and b.isalpha() and token[j - 2:j - 1].isalnum()   # area:|compose, not https:|//
        if before or label or a in AFTER or (a == "/" and token[j - 2:j] == "//"):
            out.add(j)
    return out


def vetoed(text: str, end: int, start: int) -> bool:
    """避头尾: a line may not end after a no-end mark, nor the next begin with a no-start mark;
    —— and …… are one unit."""
    if end <= 0 or start >= len(text):
        return True
    a, b = text[end - 1], text[start]
    return a in NO_END or b in NO_START or text[end - 1:end + 1] in PAIRED_2EM


def space_run(text: str, p: int) -> int:
    """The first position of the typed spaces that end at `p` (p itself when none)."""
    q = p
    while q > 0 and text[q - 1] == BREAKING_SPACE:
        q -= 1
    return q


def opportunities(text: str, hyphenate: bool = True) -> dict[int, int]:
    """{position: BREAK | HYPHEN} for one paragraph's plain text (see the module docstring);
    without hyphenation, BREAK only."""
    found = all_opportunities(text)
    return found if hyphenate else {p: k for p, k in found.items() if k != HYPHEN}


@lru_cache(maxsize=4096)
def all_opportunities(text: str) -> dict[int, int]:
    addresses = address_spans(text)
    inside = [False] * (len(text) + 1)
    units = unit_spans(text)
    unit_starts = {a for a, _ in units}
    for a, b in addresses + units:
        for i in range(a + 1, b):
            inside[i] = True
    out: dict[int, int] = {}
    for p in icu_breaks(text):
        q = space_run(text, p)
        # no break inside an address or a unit, nor at the typed space between a number and its unit
        if q == 0 or (inside[p] and q == p) or (q < p and p in unit_starts) or short_compound(text, p):
            continue
        if not vetoed(text, q, p):
            out[q] = BREAK
    for a, b in addresses:
        if VERSION_RE.fullmatch(text, a, b):
            continue                      # a version is one unit, like a number
        for j in address_breaks(text[a:b]):
            out[a + j] = BREAK
    for m in LETTERS_RE.finditer(text):
        a, b = m.start(), m.end()
        if inside[a + 1] or (a and (text[a - 1].isdigit() or text[a - 1] == "_")) \
                or (b < len(text) and (text[b].isdigit() or text[b] == "_")):
            continue
        for j in hyphen_points(m.group()):
            out.setdefault(a + j, HYPHEN)
    return out


def unit_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each unit right after a number, a typed space between or not (100 W,
    3.5 GHz; km/h is one unit, not a path)."""
    out = []
    for m in UNIT_RE.finditer(text):
        q = space_run(text, m.start())
        if q and text[q - 1].isdigit():
            out.append(m.span())
    return out


def short_compound(text: str, p: int) -> bool:
    """The break at p follows a hyphen inside a Latin word one of whose parts is short or not
    all letters (Wi-Fi, RISC-V, HM-R8)."""
    if p < 2 or text[p - 1] != "-":
        return False
    a = p - 1
    while a > 0 and text[a - 1].isascii() and text[a - 1].isalnum():
        a -= 1
    b = p
    while b < len(text) and text[b].isascii() and text[b].isalnum():
        b += 1
    before, after = text[a:p - 1], text[p:b]
    if not before or not after:
        return False                      # a dash or a hyphen beside a space, not inside a word
    return not (len(before) >= COMPOUND_PART_MIN and len(after) >= COMPOUND_PART_MIN
                and before.isalpha() and after.isalpha())


def grapheme_breaks(text: str, start: int, end: int) -> list[int]:
    """Grapheme boundaries strictly inside text[start:end] (absolute positions)."""
    index = code_points(text[start:end])
    return [start + index[s] for s, _ in CharacterBreaker(text[start:end], LOCALE).segments()][1:]
