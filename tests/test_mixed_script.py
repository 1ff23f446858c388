"""Mixed-script paragraphs through the composer's public API, as properties (issue 13, "done when";
typography.md rules 1–6, 11, 18–25): random mixtures of hanzi, CJK punctuation, Latin words,
numbers, versions, URLs, e-mail addresses, handles, —— and typed spaces between Chinese and Latin,
composed in the house style's body face and rules at measures from 8 to 20 em.

Each property reads the lines the composer returns, with its own measures where check_lines has
none (the widest word space, where a URL or a number is broken), so a composer that reports its
own compromises wrongly still fails here.
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
# rule 22: where a URL or an e-mail address may break (after the mark); never right after "@"
URL_BREAKS = set("/.-_?&=#")


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
# one failure reported, the AssertionError itself (not a group), so an expected failure stays one
PROPERTY = settings(deadline=None, max_examples=80, report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.too_slow])


def one(kind: str, text: str) -> Paragraph:
    return Paragraph(text, ((0, len(text), kind),))


def failing_on_main(reason: str):
    """A property the composer does not hold yet: strict, so it is seen the day it passes; the
    minimal example hypothesis found runs first, every time."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


def set_lines(faces, par: Paragraph, ems: int, indent: float):
    runs = [TextRun(par.text, BODY.face, SIZE)]
    rules = ComposeRules(indent_em=indent, align="justify")
    lines, notes = compose_noted(runs, ems * EM, faces, rules, where="property")
    return runs, rules, lines, notes


def source_of(line) -> str:
    """What the line draws of the source: hyphens the composer adds at a break are not in it."""
    return "".join(s.text for s in line.spans if not getattr(s, "added", False))


def right_edge(line) -> float:
    return line.spans[-1].x + line.spans[-1].width if line.spans else 0.0


def breaks(lines) -> list[int]:
    """Source offsets where a line ends and the next begins (spaces at the break are dropped)."""
    return [a.end for a, b in itertools.pairwise(lines)]


def latin_side(ch: str) -> bool:
    """A glyph of a Latin run: letters, digits, ASCII marks, the dash of «open source — community»."""
    return not ch.isspace() and ord(ch) < 0x2E80 and ch not in "“”‘’·…"


def word_spaces(line, faces) -> list[float]:
    """The blank across each space the line draws between two Latin-side glyphs: from the end of
    the advance of the glyph before (its tracking not included) to the pen of the glyph after."""
    drawn = []  # (char, x, untracked advance)
    for s in line.spans:
        x = s.x
        for ch in s.text:
            advance = faces[s.face].advance(ch, s.size, s.features)
            drawn.append((ch, x, advance))
            x += advance + s.tracking
    return [xb - xa - wa for (a, xa, wa), (sp, _, _), (b, xb, _) in zip(drawn, drawn[1:], drawn[2:])
            if sp == " " and latin_side(a) and latin_side(b)]


# --- properties -------------------------------------------------------------------------------


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


@failing_on_main("«https://example.org/docs/guide/install.html» at 8 em: the line «example.org/docs/guide/install.html» "
                 "ends 87.07 pt over the measure (broken only after https://, no grapheme break)")
@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(ADDRESS, "https://example.org/docs/guide/install.html"), ems=8, indent=0.0)
def test_no_line_is_wider_than_its_measure(faces, par, ems, indent) -> None:
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    over = [(source_of(l), round(right_edge(l) - ems * EM, 2)) for l in lines if right_edge(l) > ems * EM + 0.01]
    assert over == []


@failing_on_main("«open source — community» at 8 em: the word spaces of its line «open source —» are 0.66 em "
                 "(indented 2 em, «source —» is widened 1.748 em); «https://example.org/docs/guide/install.html» at "
                 "8 em: its line «https://» is widened 1.486 em")
@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(LATIN, "open source — community"), ems=8, indent=0.0)
@example(par=one(ADDRESS, "https://example.org/docs/guide/install.html"), ems=8, indent=0.0)
def test_no_gap_is_wider_than_half_an_em(faces, par, ems, indent) -> None:
    runs, rules, lines, _ = set_lines(faces, par, ems, indent)
    _, widest = check_lines(runs, lines, ems * EM, faces, rules)
    assert widest <= 0.5 + 1e-6, f"a gap widened {widest:.3f} em"
    spaces = [(source_of(l), round(g / EM, 3)) for l in lines for g in word_spaces(l, faces) if g > 0.5 * EM + 0.01]
    assert spaces == [], "a word space over 0.5 em"


@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
def test_no_line_starts_or_ends_with_a_forbidden_mark(faces, par, ems, indent) -> None:
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    text = par.text
    for a, b in itertools.pairwise(lines):
        assert text[b.start] not in NO_START, f"«{source_of(b)}» starts with {text[b.start]}"
        assert text[a.end - 1] not in NO_END, f"«{source_of(a)}» ends with {text[a.end - 1]}"
        assert text[a.end - 1 : a.end + 1] not in UNBROKEN or b.start != a.end, f"{text[a.end - 1 : a.end + 1]} split"


@failing_on_main("«GitHub GitHub» at 8 em, indented: the first line «GitHub» ends 21.97 pt short (no gap to "
                 "widen, no hyphen); «https://example.org/docs/guide/install.html 57,610» at 8 em: the line "
                 "«example.org/docs/guide/install.html» ends 87.07 pt over")
@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(LATIN, "GitHub GitHub"), ems=8, indent=2.0)
@example(par=Paragraph("https://example.org/docs/guide/install.html 57,610", ((0, 43, ADDRESS), (44, 50, NUMBER))),
         ems=8, indent=0.0)
def test_every_line_but_the_last_is_flush(faces, par, ems, indent) -> None:
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    ragged = [(source_of(l), round(right_edge(l) - ems * EM, 2)) for l in lines[:-1]
              if abs(right_edge(l) - ems * EM) > 0.01]
    assert ragged == []


def broken_tokens(par: Paragraph, lines):
    """(line index, token, its kind, the source character before the break) for every break
    strictly inside a token."""
    for n, at in enumerate(breaks(lines)):
        for start, end, kind in par.spans:
            if start < at < end:
                yield n, par.text[start:end], kind, par.text[at - 1]


@failing_on_main("press@example.org at 8 em and «中中中中中中@lin-typeset» at 8 em are broken right after the @")
@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=one(ADDRESS, "press@example.org"), ems=8, indent=0.0)
@example(par=Paragraph("中中中中中中@lin-typeset", ((0, 6, CJK), (6, 18, ADDRESS))), ems=8, indent=0.0)
def test_an_address_never_breaks_right_after_at_nor_a_number_inside(faces, par, ems, indent) -> None:
    _, _, lines, _ = set_lines(faces, par, ems, indent)
    for _, token, kind, before in broken_tokens(par, lines):
        assert kind != NUMBER, f"the number {token} is broken after {before}"
        assert not (kind == ADDRESS and before == "@"), f"{token} is broken right after @"


@failing_on_main("«中中中中中press@example.org» at 8 em is broken before the @, after «press»")
@PROPERTY
@given(par=paragraphs(), ems=measures, indent=indents)
@example(par=Paragraph("中中中中中press@example.org", ((0, 5, CJK), (5, 22, ADDRESS))), ems=8, indent=0.0)
def test_an_address_breaks_only_after_a_url_mark(faces, par, ems, indent) -> None:
    """Rule 22: a URL, e-mail address or handle breaks after / . - _ ? & = #, or at a grapheme
    where nothing else fits — and then the composer declares the line."""
    _, _, lines, notes = set_lines(faces, par, ems, indent)
    noted = {i for i, _ in notes}
    for n, token, kind, before in broken_tokens(par, lines):
        if kind == ADDRESS:
            assert before in URL_BREAKS or {n, n + 1} & noted, f"{token} is broken after {before}, undeclared"


def test_the_paragraphs_have_what_the_properties_are_about() -> None:
    """The strategy makes what the properties need (so a property cannot pass vacuously)."""
    from hypothesis import find

    kinds = {CJK, LATIN, NUMBER, ADDRESS}
    assert find(paragraphs(), lambda p: {k for *_, k in p.spans} == kinds)
    typed = find(paragraphs(), lambda p: any(p.text[s - 1 : s] == " " and k != CJK and p.text[s - 2 : s - 1] in HANZI
                                             for s, _, k in p.spans if s >= 2))
    assert " " in typed.text
    assert find(paragraphs(), lambda p: "——" in p.text and "@" in p.text)
