"""Where a headline part set across the fold (中缝) splits between the two pages (typography rule 28).

A 通版 headline part runs across both pages and is cut in two at the fold: the left half ends on
page 02, the right half starts on page 03. It may be cut only between words — at a space the editor
typed (the space falls on the fold), after a punctuation mark, or at a Chinese word boundary — and
never inside a Latin or digit run, a product name like "GitHub Issues", a number and its unit, or a
pair of quotation, title or bracket marks. Chinese word boundaries come from jieba (accurate mode).

Everything here is plain data and pure functions; widths come from a function the caller passes, so
the choice is independent of fonts and testable.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from pipeline.errors import PinbanError
from pipeline.messages import N_, error, say

SPACES = " \u3000"
PAIRS = {"《": "》", "“": "”", "‘": "’", "（": "）", "〈": "〉", "「": "」", "『": "』", "【": "】", "〔": "〕",
         "(": ")", "[": "]"}
OPENING = "".join(PAIRS)
CLOSING = "".join(PAIRS.values())
STOPS = "、，。；：？！,.;:?!"
# interpuncts, dashes and connectors bind the words beside them (丰台•两会, 2024—2025)
BINDING = "·•‧・—–～~…-"

ALNUM = "0-9A-Za-z\u00c0-\u024f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
DIGITS = "0123456789０１２３４５６７８９"
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# one Latin word or number, with the marks that hold it together (57,610 · 72.3% · C++ · e-mail)
LATIN_TOKEN = rf"[{ALNUM}](?:[{ALNUM}.,:'’&+#%％\-_/@]*[{ALNUM}%％+#])?"
# words separated by spaces stay together: "GitHub Issues" is one name
LATIN_UNIT = re.compile(rf"{LATIN_TOKEN}(?:[ \u00a0]+{LATIN_TOKEN})*")

SPACE, PUNCTUATION, WORD = "space", "punctuation", "word"
# a typed space is the editor's own choice; after a mark the phrase has ended; a word boundary is jieba's
COSTS = {SPACE: 0.0, PUNCTUATION: 1.0, WORD: 3.0}
BALANCE_WEIGHT = 10.0  # cost of a fully lopsided split, against the costs above
MAX_IMBALANCE = 0.5  # |left − right| / (left + right): beyond this the longer half is 3× the shorter
PART_NAMES = {"kicker": "引题", "title": "主题", "subtitle": "副题"}


@dataclass(frozen=True)
class FoldSplit:
    """A place to cut a part: the left half is text[:left_end], the right half text[right_start:];
    between them only the typed spaces that fall on the fold."""

    left_end: int
    right_start: int
    kind: str  # space | punctuation | word
    cost: float

    def halves(self, text: str) -> tuple[str, str]:
        return text[: self.left_end], text[self.right_start :]


@dataclass(frozen=True)
class FoldChoice:
    split: FoldSplit
    left: str
    right: str
    left_width: float
    right_width: float
    imbalance: float  # |left − right| / (left + right)
    score: float  # split cost + balance weight × imbalance


@dataclass(frozen=True)
class FoldFinding:
    """A fold that breaks rule 28, for the checker: which part, where in its text, and why."""

    part: str
    index: int
    message: str


# --- the rules ---------------------------------------------------------------------------------


@functools.cache
def segmenter():
    """jieba's tokenizer built in memory from the dictionary it ships: nothing is read from or written
    to a cache in the shared temporary directory (so every run segments alike), and it logs nothing."""
    import jieba  # imported here: loading it and building the dictionary takes about a second

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with resources.files("jieba").joinpath(jieba.DEFAULT_DICT_NAME).open("rb") as dictionary:
        tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(dictionary)
    tokenizer.initialized = True
    return tokenizer


@functools.lru_cache(maxsize=256)
def word_boundaries(text: str) -> frozenset[int]:
    """Offsets where jieba's accurate mode ends a word."""
    return frozenset(end for _word, _start, end in segmenter().tokenize(text, mode="default", HMM=True))


@dataclass(frozen=True)
class PartFacts:
    """What the rules read about a part, worked out once."""

    text: str
    depths: tuple[int, ...]  # per offset: how many paired marks are open before it
    units: tuple[tuple[int, int], ...]  # [start, end) of each Latin or digit unit

    @classmethod
    def of(cls, text: str) -> PartFacts:
        units = tuple(m.span() for m in LATIN_UNIT.finditer(text))
        return cls(text, pair_depths(text), units)

    @cached_property
    def words(self) -> frozenset[int]:
        """jieba's word ends, asked for only when a cut between two characters is judged (jieba's
        dictionary takes about a second to build)."""
        return word_boundaries(self.text)


def pair_depths(text: str) -> tuple[int, ...]:
    """Per offset 0..len(text), the number of marks opened before it and not yet closed. A closing
    mark that matches no open one (an apostrophe) closes nothing; an unclosed one stays open."""
    open_marks: list[str] = []
    depths = [0]
    for ch in text:
        if ch in PAIRS:
            open_marks.append(ch)
        elif open_marks and ch == PAIRS[open_marks[-1]]:
            open_marks.pop()
        depths.append(len(open_marks))
    return tuple(depths)


def fold_problem(text: str, left_end: int, right_start: int) -> str | None:
    """Why cutting `text` into text[:left_end] | text[right_start:] breaks rule 28, or None if it may."""
    return problem(PartFacts.of(text), left_end, right_start)


def is_legal_fold(text: str, left_end: int, right_start: int) -> bool:
    return fold_problem(text, left_end, right_start) is None


def problem(facts: PartFacts, left_end: int, right_start: int) -> str | None:
    text = facts.text
    if not 0 < left_end <= right_start < len(text):
        return "one page would get nothing"
    if text[left_end:right_start].strip(SPACES) or text[left_end - 1] in SPACES or text[right_start] in SPACES:
        return "only the typed spaces at the cut may fall on the fold"
    before, after = text[left_end - 1], text[right_start]
    if before in OPENING:
        return f"after the opening mark {before}"
    if after in CLOSING or after in STOPS:
        return f"before {after}"
    if facts.depths[left_end] > 0:
        return f"inside {enclosing_pair(text, left_end)}"
    for start, end in facts.units:
        if start < left_end and right_start < end:
            return f"inside the Latin or digit run \"{text[start:end]}\""
    if before in BINDING or after in BINDING:
        return f"beside {before if before in BINDING else after}"
    if before in DIGITS and is_han(after):
        return f"between a number and its unit ({before}{after})"
    if left_end == right_start and before not in CLOSING + STOPS and left_end not in facts.words:
        return f"inside the word \"{word_at(text, left_end)}\""
    return None


def is_han(ch: str) -> bool:
    return HAN.fullmatch(ch) is not None


def enclosing_pair(text: str, index: int) -> str:
    """The innermost pair of marks open at `index`, as 《…》."""
    open_marks: list[str] = []
    for ch in text[:index]:
        if ch in PAIRS:
            open_marks.append(ch)
        elif open_marks and ch == PAIRS[open_marks[-1]]:
            open_marks.pop()
    return f"{open_marks[-1]}…{PAIRS[open_marks[-1]]}"


def word_at(text: str, index: int) -> str:
    """jieba's word that spans `index`."""
    for word, start, end in segmenter().tokenize(text, mode="default", HMM=True):
        if start < index < end:
            return word
    return text[max(index - 1, 0) : index + 1]


def split_kind(text: str, left_end: int, right_start: int) -> str:
    if right_start > left_end:
        return SPACE
    if text[left_end - 1] in STOPS or text[left_end - 1] in CLOSING:
        return PUNCTUATION
    return WORD


# --- candidates and the choice -------------------------------------------------------------------


def fold_candidates(text: str, with_words: bool = True) -> list[FoldSplit]:
    """Every place where `text` may be cut at the fold, in text order, each with its cost;
    without word boundaries (no jieba) when `with_words` is False."""
    facts = PartFacts.of(text)
    out = []
    for left_end in range(1, len(text)):
        if text[left_end - 1] in SPACES:
            continue
        right_start = left_end
        while right_start < len(text) and text[right_start] in SPACES:
            right_start += 1
        if not with_words and split_kind(text, left_end, right_start) == WORD:
            continue
        if problem(facts, left_end, right_start) is None:
            kind = split_kind(text, left_end, right_start)
            out.append(FoldSplit(left_end, right_start, kind, COSTS[kind]))
    return out


def choose_fold(text: str, left_capacity: float, right_capacity: float, width: Callable[[str], float], *,
                balance_weight: float = BALANCE_WEIGHT, max_imbalance: float = MAX_IMBALANCE) -> FoldChoice | None:
    """The legal cut whose halves fit their pages (`width` measures a half as it will be set) with the
    least cost + balance_weight × imbalance; ties go to the earlier cut. None when no legal cut fits
    within `max_imbalance`: the caller then sets the part whole on one page, smaller, or refuses."""
    best = best_fold(text, fold_candidates(text, with_words=False), left_capacity, right_capacity, width,
                     balance_weight, max_imbalance)
    if best is not None and best.score < COSTS[WORD]:
        return best  # no word boundary can score better: jieba is not needed
    return best_fold(text, fold_candidates(text), left_capacity, right_capacity, width, balance_weight, max_imbalance)


def best_fold(text: str, candidates: list[FoldSplit], left_capacity: float, right_capacity: float,
              width: Callable[[str], float], balance_weight: float, max_imbalance: float) -> FoldChoice | None:
    best: FoldChoice | None = None
    for split in candidates:
        left, right = split.halves(text)
        left_width, right_width = width(left), width(right)
        if left_width > left_capacity or right_width > right_capacity:
            continue
        imbalance = abs(left_width - right_width) / (left_width + right_width)
        if imbalance > max_imbalance:
            continue
        score = split.cost + balance_weight * imbalance
        if best is None or score < best.score:
            best = FoldChoice(split, left, right, left_width, right_width, imbalance, score)
    return best


# --- what the layout and the checker report ------------------------------------------------------


TOO_LONG = N_('headline: {part} "{text}" ({chars} 字) is too long for the spread at {size:g} pt — shorten it')
TOO_LONG_SHRUNK = N_('headline: {part} "{text}" ({chars} 字) is too long for the spread even at {size:g} pt — shorten it')


def too_long_args(kind: str, text: str, size: float) -> dict[str, str | int | float]:
    return {"part": PART_NAMES.get(kind, kind), "text": text, "chars": sum(1 for ch in text if ch not in SPACES),
            "size": size}


def too_long_message(kind: str, text: str, size: float, shrunk: bool = False) -> str:
    """The one line that refuses a part no size lets stand across the spread."""
    return say(TOO_LONG_SHRUNK if shrunk else TOO_LONG, too_long_args(kind, text, size))


def too_long_error(kind: str, text: str, size: float, where: str, shrunk: bool = False) -> PinbanError:
    return error(TOO_LONG_SHRUNK if shrunk else TOO_LONG, where,
                 N_("shorten the part, or give it a space where it may split at the fold"), too_long_args(kind, text, size))


def fold_findings(parts: Mapping[str, tuple[str, int, int]]) -> list[FoldFinding]:
    """Rule 28 on folds already made: `parts` maps a part id ("headline.title") to its text, the end of
    its left-page half and the start of its right-page half. A part set whole on one page has no fold:
    leave it out."""
    out = []
    for part, (text, left_end, right_start) in parts.items():
        reason = fold_problem(text, left_end, right_start)
        if reason is not None:
            cut = f"{text[:left_end]} | {text[right_start:]}"
            out.append(FoldFinding(part, left_end, f"the fold splits {cut} {reason} (rule 28)"))
    return out
