"""Mixed-script paragraphs through the composer's public API, as properties (issue 13, "done when";
typography.md rules 1–6, 11, 18–25): random mixtures of hanzi, CJK punctuation, Latin words,
numbers, versions, URLs, e-mail addresses, handles, —— and typed spaces between Chinese and Latin,
composed in the house style's body face and rules at measures from 8 to 20 em.

Each property reads the lines the composer returns, with its own measures where check_lines has
none (word spaces and typed CJK–Latin spaces as drawn, where a URL or a number is broken), so a
composer that reports its own compromises wrongly still fails here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.compose import ComposeRules, TextRun, check_lines, compose_noted
from pipeline.fonts import load_face
from pipeline.style import load_style

ROOT = Path(__file__).resolve().parent.parent
STYLE = load_style(ROOT / "styles", "broadsheet")
BODY = STYLE.para("body")
SIZE = BODY.size
EM = SIZE

# typography.md rules 1–4: what never starts or ends a line
NO_START = set("、，。；：？！”’）〕】》〉」』·—～…")
NO_END = set("“‘（〔【《〈「『")
UNBROKEN = ("——", "……")
# full-width marks with a blank half (the 2-em —— and …… have none)
BLANK_HALF = set("，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕")
# where a URL or an e-mail address may break (README, line breaking: Chicago style; typography.md
# rule 22 says after / . @ - _ ? & = #): after // and =, before a single / and before . _ ? # - ~ % @ &
URL_AFTER = set("=")
URL_BEFORE = set("/._?#-~%@&")


@pytest.fixture(scope="module")
def faces():
    return {f.key: load_face(f.key, f.family, f.weight) for f in STYLE.faces}


# --- the paragraphs ---------------------------------------------------------------------------

HANZI = "开源项目的问题追踪维护者贡献分流复现修复评审发布社区文档版本测试排版断行标点中文字体网址邮箱"
MARKS = ["，", "。", "、", "；", "：", "？", "！", "。”", "”，", "）。", "、“", "，《", "》，", "“", "”",
         "（", "）", "《", "》", "——", "……", "？！"]
WORDS = ["GitHub", "Python", "Ubuntu", "LTS", "pull", "request", "issue", "typesetting", "internationalization",
         "open", "source", "community", "release", "notes", "Canonical", "HarfBuzz", "WeasyPrint", "a", "of"]
NUMBERS = ["57,610", "72.3%", "1,286", "2024", "3.12", "100%", "18.5%", "1,947", "9.6"]
VERSIONS = ["v2.3.1", "v0.9.2", "24.04", "v2.4.0-rc.1"]
URLS = ["https://example.org/docs/guide/install.html", "https://example.net/pinban/glossary",
        "https://example.org/pinban/releases/download/v2.3.0/pinban-2.3.0-py3-none-any.whl",
        "https://example.com/search?q=line_break&lang=zh#results", "example.org/a_b-c"]
EMAILS = ["press@example.org", "security@example.org", "dev.team@example.net", "packagers@example.com"]
HANDLES = ["@lin-typeset", "@chen_wei_dev", "@pinban_project"]
CODE = ["max_line_width", "load_edition", "PINBAN_BOT_AUTO_CLOSE_WONTFIX_AFTER_DAYS", "#304"]

CJK, LATIN, NUMBER, ADDRESS = "cjk", "latin", "number", "address"

token = st.one_of(
    st.text(alphabet=HANZI, min_size=1, max_size=8).map(lambda t: (CJK, t)),
    st.text(alphabet=HANZI, min_size=1, max_size=8).map(lambda t: (CJK, t)),
    st.sampled_from(MARKS).map(lambda t: (CJK, t)),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(lambda w: (LATIN, " ".join(w))),
    st.sampled_from(NUMBERS + VERSIONS).map(lambda t: (NUMBER, t)),
    st.sampled_from(URLS + EMAILS + HANDLES).map(lambda t: (ADDRESS, t)),
    st.sampled_from(CODE).map(lambda t: (LATIN, t)),
    st.just((LATIN, "open source — community")),
)


@dataclass(frozen=True)
class Paragraph:
    text: str
    spans: tuple[tuple[int, int, str], ...]  # (start, end, kind) of each token in text

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return repr(self.text)


@st.composite
def paragraphs(draw) -> Paragraph:
    """Tokens joined as an editor types them: a space between two Latin-side tokens, and between
    Chinese and Latin a typed space or none."""
    tokens = draw(st.lists(token, min_size=1, max_size=40))
    text, spans, previous = "", [], None
    for kind, t in tokens:
        if previous is not None:
            between_latin = previous != CJK and kind != CJK
            if between_latin or (previous != kind and draw(st.booleans())):
                text += " "
        spans.append((len(text), len(text) + len(t), kind))
        text += t
        previous = kind
    return Paragraph(text, tuple(spans))


measures = st.integers(8, 20)
indents = st.sampled_from([0.0, BODY.indent_em])
PROPERTY = settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])


def one(kind: str, text: str) -> Paragraph:
    return Paragraph(text, ((0, len(text), kind),))


def set_lines(faces, par: Paragraph, ems: int, indent: float):
    runs = [TextRun(par.text, BODY.face, SIZE)]
    rules = ComposeRules(indent_em=indent, align="justify")
    lines, notes = compose_noted(runs, ems * EM, faces, rules, where="property")
    return runs, rules, lines, notes


def source_of(line) -> str:
    """What the line draws of the source: hyphens the composer adds at a break are not in it."""
    return "".join(s.text for s in line.spans if not s.added)


def right_edge(line) -> float:
    return line.spans[-1].x + line.spans[-1].width if line.spans else 0.0


def breaks(lines) -> list[int]:
    """Source offsets where a line ends and the next begins (spaces at the break are dropped)."""
    return [a.end for a, b in itertools.pairwise(lines)]


def cjk_side(ch: str) -> bool:
    return ch in HANZI or ch in BLANK_HALF or ch in "—…"


def spaces_drawn(line, faces, par: Paragraph) -> list[tuple[bool, str, float]]:
    """Each space the line draws between two glyphs, as (between two Latin-side tokens — a word
    space, not a typed CJK–Latin space —, the two glyphs, the blank): from where the glyph before
    ends (its advance as shaped in its span, kerning included, not its tracking) to the pen of the
    glyph after."""
    kinds = {}
    for start, end, kind in par.spans:
        kinds.update(dict.fromkeys(range(start, end), kind))
    drawn = []  # (source offset or None for an added hyphen, char, pen x, end of its advance)
    at = line.start
    for s in line.spans:
        face = faces[s.face]
        shaped = [face.advance(s.text[:k], s.size, s.features) if k else 0.0 for k in range(len(s.text) + 1)]
        for k, ch in enumerate(s.text):
            drawn.append((None if s.added else at, ch, s.x + shaped[k] + k * s.tracking,
                          s.x + shaped[k + 1] + k * s.tracking))
            at += 0 if s.added else 1
    out = []
    for (i, a, _, end_a), (_, sp, _, _), (j, b, pen_b, _) in zip(drawn, drawn[1:], drawn[2:]):
        if sp == " " and i is not None and j is not None:
            # a space inside a Latin token (open source) or between two Latin-side tokens
            out.append((CJK not in (kinds.get(i), kinds.get(j)), a + b, pen_b - end_a))
    return out


# --- properties -------------------------------------------------------------------------------
#
# Some paragraphs cannot be set within the bounds at all: 中中中72.3% at 8 em, indented, does not fit
# on one line (8.04 em) and 72.3% never breaks, so 中中中 is widened 1.5 em; GitHub GitHub at 8 em,
# indented, leaves «GitHub» alone on a line with no gap to widen and no hyphen (a name). The
# composer must then say so (compose_noted: loose, ragged, emergency), and the bounds hold on every
# line it does not declare; a line declared ragged must have no gap it could have widened.


def declared(notes, *kinds: str) -> set[int]:
    """Lines the composer declares a compromise of one of these kinds."""
    return {i for i, kind in notes if kind in kinds}


def widening(line, runs, measure, faces, rules) -> float:
    """check_lines' widest gap (em) on this one line."""
    return check_lines(runs, [line], measure, faces, rules)[1]


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
def test_nothing_is_lost_or_doubled(faces, par, ems, indent) -> None:
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    text = par.text
    assert lines and lines[0].start == 0 and lines[-1].end == len(text.rstrip())
    for line in lines:
        assert source_of(line) == text[line.start:line.end], (line.start, line.end)
    for a, b in itertools.pairwise(lines):
        assert a.end <= b.start and text[a.end:b.start].strip(" ") == "", (a.end, b.start)


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(ADDRESS, "https://example.org/docs/guide/install.html"), ems=8, indent=0.0)
@example(par=one(LATIN, "PINBAN_BOT_AUTO_CLOSE_WONTFIX_AFTER_DAYS"), ems=8, indent=2.0)
def test_no_line_is_wider_than_its_measure(faces, par, ems, indent) -> None:
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    over = [(source_of(l), round(right_edge(l) - ems * EM, 2)) for l in lines if right_edge(l) > ems * EM + 0.01]
    assert over == []


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(LATIN, "open source — community"), ems=8, indent=0.0)
@example(par=one(ADDRESS, "https://example.org/docs/guide/install.html"), ems=8, indent=0.0)
def test_no_gap_is_wider_than_half_an_em(faces, par, ems, indent) -> None:
    """Rule 24 on every line not declared loose: no gap widened beyond 0.5 em (check_lines), no
    word space between Latin words over 0.5 em (measured here); on every line, no word space
    under 0.25 em. (A loose line — the paragraph has no setting within the bounds — widens its
    hanzi gaps to 0.5 em and its letters to twice their bound before anything else, and stays
    flush: a short line mid-paragraph would read as the paragraph's end.)"""
    runs, rules, lines, notes = set_lines(faces, par, ems, indent)
    loose = declared(notes, "loose", "emergency")
    for n, line in enumerate(lines):
        words = [round(g / EM, 3) for word, _, g in spaces_drawn(line, faces, par) if word]
        assert all(g >= 0.25 - 0.002 for g in words), f"«{source_of(line)}»: word spaces {words} em"
        if n in loose:
            continue
        gap = widening(line, runs, ems * EM, faces, rules)
        assert gap <= 0.5 + 1e-6, f"«{source_of(line)}»: a gap widened {gap:.3f} em"
        assert all(g <= 0.5 + 0.002 for g in words), f"«{source_of(line)}»: word spaces {words} em"


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=Paragraph("开源 GitHub 项目", ((0, 2, CJK), (3, 9, LATIN), (10, 12, CJK))), ems=8, indent=0.0)
def test_a_typed_space_between_chinese_and_latin_is_the_house_gap(faces, par, ems, indent) -> None:
    """Rule 25: a space typed between a hanzi and a Latin word or number is the house gap, on
    every line (beside a mark it is not: a full-width mark keeps its own blank half)."""
    _, rules, lines, _ = set_lines(faces, par, ems, indent)
    for line in lines:
        typed = [round(g / EM, 3) for word, pair, g in spaces_drawn(line, faces, par)
                 if not word and set(pair) & set(HANZI)]
        assert all(abs(g - rules.cjk_latin_gap_em) <= 0.002 for g in typed), f"«{source_of(line)}»: {typed} em"


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
def test_no_line_starts_or_ends_with_a_forbidden_mark(faces, par, ems, indent) -> None:
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    text = par.text
    for a, b in itertools.pairwise(lines):
        assert text[b.start] not in NO_START, f"«{source_of(b)}» starts with {text[b.start]}"
        assert text[a.end - 1] not in NO_END, f"«{source_of(a)}» ends with {text[a.end - 1]}"
        assert text[a.end - 1 : a.end + 1] not in UNBROKEN or b.start != a.end, f"{text[a.end - 1 : a.end + 1]} split"


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(LATIN, "GitHub GitHub"), ems=8, indent=2.0)
@example(par=Paragraph("https://example.org/docs/guide/install.html 57,610", ((0, 43, ADDRESS), (44, 50, NUMBER))),
         ems=8, indent=0.0)
def test_every_line_but_the_last_is_flush(faces, par, ems, indent) -> None:
    """Except a line the composer declares ragged — and then it has no gap to widen: no word
    space, no hanzi beside a Chinese character (the CJK–Latin gap is fixed) — or broken at a
    grapheme of last resort."""
    _, _, lines, notes = set_lines(faces, par, ems, indent)
    excused = declared(notes, "ragged", "emergency")
    ragged = [(source_of(l), round(right_edge(l) - ems * EM, 2)) for n, l in enumerate(lines[:-1])
              if abs(right_edge(l) - ems * EM) > 0.01 and n not in excused]
    assert ragged == [], "not flush, undeclared"
    for n in declared(notes, "ragged"):
        text = source_of(lines[n])
        words = [(pair, g) for word, pair, g in spaces_drawn(lines[n], faces, par) if word]
        # a gap beside a hanzi may widen (between two marks it would give back a removed blank)
        gaps = [a + b for a, b in itertools.pairwise(text) if cjk_side(a) and cjk_side(b) and {a, b} & set(HANZI)]
        gaps += [pair for pair, _ in words]
        assert gaps == [], f"«{text}» declared ragged, but it has gaps to widen: {gaps}"


def spaced_inside(line, par: Paragraph, kind: str) -> list[tuple[str, float]]:
    """(the two characters, tracking between them in pt) inside every token of `kind` on the line."""
    token_of = {}
    for n, (start, end, k) in enumerate(par.spans):
        if k == kind:
            token_of.update(dict.fromkeys(range(start, end), n))
    chars, at = [], line.start  # (source offset, char, tracking after it)
    for s in line.spans:
        if not s.added:
            chars += [(at + k, ch, s.tracking) for k, ch in enumerate(s.text)]
            at += len(s.text)
    return [(a + b, tracking) for (i, a, tracking), (j, b, _) in itertools.pairwise(chars)
            if i in token_of and token_of[i] == token_of.get(j) and abs(tracking) > 0.01]


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
def test_a_number_is_never_spaced_out(faces, par, ems, indent) -> None:
    """Letter-spacing, the last resort of justification, is for words of letters, never numbers."""
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    spaced = [(source_of(line), pair, round(tr, 3)) for line in lines for pair, tr in spaced_inside(line, par, NUMBER)]
    assert spaced == []


def broken_tokens(par: Paragraph, lines):
    """(line index, token, its kind, the source character before the break) for every break
    strictly inside a token."""
    for n, at in enumerate(breaks(lines)):
        for start, end, kind in par.spans:
            if start < at < end:
                yield n, par.text[start:end], kind, par.text[at - 1]


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(ADDRESS, "press@example.org"), ems=8, indent=0.0)
@example(par=Paragraph("中中中中中中@lin-typeset", ((0, 6, CJK), (6, 18, ADDRESS))), ems=8, indent=0.0)
@example(par=Paragraph("中v2.4.0-rc.1", ((0, 1, CJK), (1, 12, NUMBER))), ems=8, indent=2.0)
def test_an_address_never_breaks_right_after_at_nor_a_number_inside(faces, par, ems, indent) -> None:
    """Unless the composer declares a grapheme break of last resort on the line."""
    _, _, lines, notes = set_lines(faces, par, ems, indent)
    emergency = declared(notes, "emergency")
    for n, token, kind, before in broken_tokens(par, lines):
        if n in emergency:
            continue
        assert kind != NUMBER, f"the number {token} is broken after {before}"
        assert not (kind == ADDRESS and before == "@"), f"{token} is broken right after @"


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=Paragraph("中中中中中press@example.org", ((0, 5, CJK), (5, 22, ADDRESS))), ems=8, indent=0.0)
@example(par=Paragraph("中中中@lin-typeset", ((0, 3, CJK), (3, 15, ADDRESS))), ems=8, indent=2.0)
@example(par=Paragraph("中中中中中@lin-typeset", ((0, 5, CJK), (5, 17, ADDRESS))), ems=11, indent=0.0)
@example(par=Paragraph("中中中example.org/a_b-c", ((0, 3, CJK), (3, 20, ADDRESS))), ems=10, indent=0.0)
def test_an_address_breaks_only_at_a_url_break(faces, par, ems, indent) -> None:
    """The house rule for addresses (README, line breaking): after // or =, before a single / or
    before . _ ? # - ~ % @ & — or at a grapheme where nothing else fits, and then the composer
    declares the line."""
    _, _, lines, notes = set_lines(faces, par, ems, indent)
    emergency = declared(notes, "emergency")
    for n, token, kind, before in broken_tokens(par, lines):
        at = lines[n].end
        after = par.text[at]
        if kind == ADDRESS and n not in emergency:
            single_slash = after == "/" and "/" not in (before, par.text[at + 1 : at + 2])
            allowed = par.text[at - 2 : at] == "//" or before in URL_AFTER or (after in URL_BEFORE and (
                after != "/" or single_slash))
            assert allowed, f"{token} is broken between {before} and {after}, undeclared"


def test_the_paragraphs_have_what_the_properties_are_about() -> None:
    """The strategy makes what the properties need (so a property cannot pass vacuously)."""
    from hypothesis import find

    kinds = {CJK, LATIN, NUMBER, ADDRESS}
    assert find(paragraphs(), lambda p: {k for *_, k in p.spans} == kinds)
    typed = find(paragraphs(), lambda p: any(p.text[s - 1 : s] == " " and k != CJK and p.text[s - 2 : s - 1] in HANZI
                                             for s, _, k in p.spans if s >= 2))
    assert " " in typed.text
    assert find(paragraphs(), lambda p: "——" in p.text and "@" in p.text)


def test_a_paragraph_that_cannot_be_set_within_the_bounds_is_declared(faces) -> None:
    """Rules 12 and 24: re-break rather than exceed, and report what cannot be met. At 11 em the
    first line of this paragraph (a first draft of the mixed-script corpus edition's) has a 2-em
    indent, three widenable hanzi gaps and a five-letter word to take 1.1 em: neither breaking
    after 份 nor after 需 stays within the bounds, and later lines cannot help it. The composer
    sets it with that one line widened beyond 0.25 em and declares it: never silently."""
    lead, rest = "好的Issue是一份“需求说明书”。", "当一个问题被确认需要修改代码时，负责人会在Issue里写下修改思路。"
    runs = [TextRun(lead, BODY.bold_face, SIZE), TextRun(rest, BODY.face, SIZE)]
    rules = ComposeRules(indent_em=BODY.indent_em)
    lines, notes = compose_noted(runs, 11 * EM, faces, rules)
    assert notes == ((0, "loose"),)
    _, gap = check_lines(runs, lines, 11 * EM, faces, rules)
    assert gap > rules.max_stretch_em and "".join(s.text for s in lines[0].spans).startswith("好的Issue是一份")
    # the same words with the lead recast (as the edition now has it) set within the bounds
    recast = [TextRun("一份好的Issue就是“需求说明书”。", BODY.bold_face, SIZE), runs[1]]
    assert compose_noted(recast, 11 * EM, faces, rules)[1] == ()
