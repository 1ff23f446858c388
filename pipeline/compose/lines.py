"""What the composer takes (runs of text, rules, a measure) and gives (lines of positioned spans): plain data."""

from __future__ import annotations

from dataclasses import dataclass


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
    cjk_latin_gap_em: float = 0.125             # fixed, typed as a space or not
    word_space_em: tuple[float, float] = (0.25, 0.5)   # a word space between Latin words, min–max
    hyphenate: bool = True                      # English words, house bounds (breaks.py)
    letter_space_em: float = 0.05               # last resort: tracking inside words of letters
    address_space_em: float = 0.1               # ... inside a URL, e-mail address or path
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
    added: bool = False            # not in the source: the hyphen of a hyphenated line end


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
    compromise: tuple[str, ...] = ()   # what the composer declared it had to give up ("loose", "ragged", …)


DEFAULT_RULES = ComposeRules()
