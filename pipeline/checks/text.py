"""Checks of the source text: glyph coverage and the house rules of Chinese copy (punctuation, quotes, numbers, spaces)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..errors import PinbanError
from ..messages import N_, finding
from ..model import Edition, Finding
from ..sources.tomlpos import TomlLines
from ..style import Style
from .photos import check_photos


class HasChar(Protocol):
    def has_char(self, ch: str) -> bool: ...


HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


# CJK punctuation as used in Chinese text, including the curly quotes and the interpunct.
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u00b7\u2014\u2026\u2022"


HAN_RE = re.compile(f"[{HAN}]")


CJK_RE = re.compile(f"[{HAN}{CJK_PUNCT}]")


PUNCT_RE = re.compile(f"[{CJK_PUNCT}!-/:-@\\[-`{{-~\\s]")


def is_han(ch: str) -> bool:
    return bool(HAN_RE.fullmatch(ch))


def is_cjk(ch: str) -> bool:
    return bool(CJK_RE.fullmatch(ch))


def is_punct(ch: str) -> bool:
    return bool(PUNCT_RE.fullmatch(ch))


@dataclass(frozen=True)
class Segment:
    """A stretch of a unit's text drawn with one face."""

    start: int
    end: int
    face: str  # face key in the style


@dataclass(frozen=True)
class TextUnit:
    """One printed text of the edition: a report block, a caption, a headline part, furniture.

    `block_id` and offsets are what the DOCX export anchors comments to; `kind` picks the rules
    (a deliberate space between two phrases is fine in a title or caption, not in body text)."""

    block_id: str  # "b012", "photo.p03", "headline.title", "furniture.section": the ids of the layout and the DOCX
    kind: str  # body, intro, section, subsection, caption, credit, kicker, title, subtitle, header
    text: str
    where: str  # "report.md:23"
    segments: tuple[Segment, ...]
    checked: bool = True  # False for text pinban makes itself (dates): glyphs only


def text_units(edition: Edition, style: Style) -> list[TextUnit]:
    units: list[TextUnit] = []
    toml = TomlLines(edition.root / "edition.toml")
    hl = edition.headline
    for kind, text in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)):
        if text:
            where = toml.key(hl.source.line, kind)
            units.append(plain_unit(f"headline.{kind}", kind, text, where, style.para(kind).face))
    for block in edition.blocks:
        para = style.para(block.kind)
        segments, pos = [], 0
        for run in block.runs:
            segments.append(Segment(pos, pos + len(run.text), para.bold_face if run.bold else para.face))
            pos += len(run.text)
        units.append(TextUnit(block.id, block.kind, block.text, str(block.source), tuple(segments)))
    caption_face = style.para("caption").face
    for photo in edition.photos:
        where = toml.key(photo.source.line, "caption")
        units.append(plain_unit(f"photo.{photo.id}", "caption", photo.caption, where, caption_face))
        if photo.credit:
            where = toml.key(photo.source.line, "credit")
            units.append(plain_unit(f"photo.{photo.id}.credit", "credit", photo.credit, where, caption_face))
    units.extend(furniture_units(edition, style, toml))
    return units


def furniture_units(edition: Edition, style: Style, toml: TomlLines) -> list[TextUnit]:
    """Page header (报眉) and credits: checked for glyphs; the text rules apply to the section name."""
    face = style.para("header").face
    ed = toml.header("edition")
    units = [plain_unit("furniture.section", "header", edition.section, toml.key(ed, "section"), face)]
    made = f"{edition.date_text} {edition.weekday}"
    units.append(plain_unit("furniture.date", "header", made, toml.key(ed, "date"), face, checked=False))
    for page in edition.pages:
        units.append(plain_unit(f"furniture.page.{page}", "header", page, toml.key(ed, "pages"), style.header_number_face,
                                checked=False))
    for i, credit in enumerate(edition.credits):
        where = toml.key(toml.header("credits", i), "names")
        units.append(plain_unit(f"furniture.credits.{i + 1}", "credit", credit.text, where, face))
    return units


def plain_unit(block_id: str, kind: str, text: str, where: str, face: str, checked: bool = True) -> TextUnit:
    return TextUnit(block_id, kind, text, where, (Segment(0, len(text), face),), checked)


def text_finding(unit: TextUnit, severity: str, code: str, message: str, start: int, end: int, hint: str,
                 **args: str | int) -> Finding:
    return finding(severity, code, message, unit.where, hint, args, block_id=unit.block_id, start=start, end=end)


def excerpt(text: str, start: int, end: int, around: int = 6) -> str:
    """The spot with a little context, for messages: …前文【错处】后文…"""
    left = text[max(0, start - around) : start]
    right = text[end : end + around]
    return f"{'…' if start > around else ''}{left}【{text[start:end]}】{right}{'…' if end + around < len(text) else ''}"


def check_sources(edition: Edition, style: Style, faces: Mapping[str, HasChar]) -> list[Finding]:
    """Everything that can be said before layout: loader notices, photos, glyphs, text."""
    findings = list(edition.notices)
    findings += check_photos(edition, style)
    units = text_units(edition, style)
    findings += check_glyphs(units, style, faces)
    findings += check_text(units)
    return findings


def check_glyphs(units: list[TextUnit], style: Style, faces: Mapping[str, HasChar]) -> list[Finding]:
    """A character the face for that text cannot draw: once per character per text."""
    findings: list[Finding] = []
    for unit in units:
        seen: set[tuple[str, str]] = set()
        for seg in unit.segments:
            face = faces.get(seg.face)
            if face is None:
                continue
            for i in range(seg.start, seg.end):
                ch = unit.text[i]
                if ch.isspace() or (ch, seg.face) in seen or face.has_char(ch):
                    continue
                seen.add((ch, seg.face))
                findings.append(glyph_finding(unit, i, ch, family_of(style, seg.face)))
    return findings


def glyph_finding(unit: TextUnit, i: int, ch: str, family: str) -> Finding:
    return text_finding(
        unit, "error", "glyph-missing", N_("{family} cannot draw {char} (U+{point}) in {excerpt}"),
        i, i + 1, N_("replace the character (emoji and rare characters have no glyph in the house faces)"),
        family=family, char=ch, point=f"{ord(ch):04X}", excerpt=excerpt(unit.text, i, i + 1),
    )


def family_of(style: Style, key: str) -> str:
    try:
        return style.face(key).family
    except PinbanError:
        return key


def check_text(units: list[TextUnit]) -> list[Finding]:
    checked = [u for u in units if u.checked]
    findings: list[Finding] = []
    for i, unit in enumerate(checked):
        following = checked[i + 1] if i + 1 < len(checked) else None
        findings += halfwidth_punct(unit)
        findings += straight_quotes(unit)
        findings += unbalanced_marks(unit, following)
        findings += doubled_phrases(unit)
        findings += doubled_punct(unit)
        findings += spaces(unit)
        findings += fullwidth_alnum(unit)
        findings += invisible_chars(unit)
        findings += markup(unit)
    findings += mixed_quote_styles(checked)
    findings += mixed_year_styles(checked)
    findings += mixed_dates(checked)
    return findings


FULLWIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）", ".": "。"}


HALFWIDTH = {"（": "(", "）": ")"}


def halfwidth_punct(unit: TextUnit) -> list[Finding]:
    """`,;:!?()` beside a Chinese character, and `.` ending a Chinese clause (not 3.5, not e.g.).

    Parentheses go by what they enclose, as a Chinese newspaper sets them: full-width （） around
    Chinese content and in Chinese text, proportional ( ) inside a Latin run — Python (CPython),
    f(x), load_edition() — even where Chinese follows; （） inside a Latin run is a finding too."""
    text, out = unit.text, []
    pairs = paren_pairs(text, "(", ")")
    for i, ch in enumerate(text):
        if ch not in FULLWIDTH:
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if ch == ".":
            hit = is_han(before) and (not after or is_cjk(after) or after.isspace())
        elif i in pairs:
            hit = chinese_parens(text, *pairs[i])
        else:
            hit = is_cjk(before) or is_cjk(after)
        if hit:
            out.append(text_finding(unit, "warning", "punct-halfwidth", N_("half-width {mark} in Chinese text: {excerpt}"),
                                    i, i + 1, N_("use the full-width {full}"), mark=ch, excerpt=excerpt(text, i, i + 1),
                                    full=FULLWIDTH[ch]))
    for i, (start, end) in sorted(paren_pairs(text, "（", "）").items()):
        if latin_parens(text, start, end):
            ch = text[i]
            out.append(text_finding(unit, "warning", "punct-fullwidth", N_("full-width {mark} in Latin text: {excerpt}"),
                                    i, i + 1, N_("use the proportional {half} inside Latin text"), mark=ch,
                                    excerpt=excerpt(text, i, i + 1), half=HALFWIDTH[ch]))
    return sorted(out, key=lambda f: f.start)


def paren_pairs(text: str, opening: str, closing: str) -> dict[int, tuple[int, int]]:
    """Each parenthesis that has its partner: its index → (index of the opening, of the closing)."""
    stack: list[int] = []
    pairs: dict[int, tuple[int, int]] = {}
    for i, ch in enumerate(text):
        if ch == opening:
            stack.append(i)
        elif ch == closing and stack:
            start = stack.pop()
            pairs[start] = pairs[i] = (start, i)
    return pairs


def is_latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def neighbour(text: str, i: int, step: int) -> str:
    """The character next to i in the direction of step, across one space."""
    j = i + step
    if 0 <= j < len(text) and text[j] == " ":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def chinese_parens(text: str, start: int, end: int) -> bool:
    """( ) that should be （）: around Chinese content, or around Latin content in Chinese text
    (会议(OK)召开); not inside a Latin run (Python (CPython), f(x), load_edition()函数)."""
    if any(is_cjk(c) for c in text[start + 1 : end]):
        return True
    return not is_latin(neighbour(text, start, -1)) and not is_latin(neighbour(text, end, 1))


def latin_parens(text: str, start: int, end: int) -> bool:
    """（） that should be ( ): Latin content right after a Latin word, in a Latin run that goes on
    after it (f（x） returns) or an empty call (load_edition（）). GitHub Issues（GI）是 is Chinese
    text with a Latin gloss: full-width is right there."""
    inside = text[start + 1 : end]
    if any(is_cjk(c) for c in inside) or not (start and is_latin(text[start - 1])):
        return False
    after = neighbour(text, end, 1)
    return not inside or (after.isascii() and after.isalpha())


def straight_quotes(unit: TextUnit) -> list[Finding]:
    text, out = unit.text, []
    for m in re.finditer(r"[\"']", text):
        i = m.start()
        near = text[max(0, i - 1) : i + 2]
        if any(is_cjk(c) for c in near):
            out.append(text_finding(unit, "warning", "quote-straight", N_("straight quote {mark} in Chinese text: {excerpt}"),
                                    i, i + 1, N_("use “ ” (and ‘ ’ inside them)"), mark=m.group(),
                                    excerpt=excerpt(text, i, i + 1)))
    return out


PAIRS = {"“": "”", "‘": "’", "（": "）", "《": "》", "〈": "〉", "【": "】", "「": "」", "『": "』", "〔": "〕"}


CLOSERS = {v: k for k, v in PAIRS.items()}


def unbalanced_marks(unit: TextUnit, following: TextUnit | None) -> list[Finding]:
    """Quotes, brackets and title marks that do not pair up within the text."""
    stack: list[tuple[str, int]] = []
    out: list[Finding] = []
    for i, ch in enumerate(unit.text):
        if ch in PAIRS:
            stack.append((ch, i))
        elif ch in CLOSERS:
            if stack and stack[-1][0] == CLOSERS[ch]:
                stack.pop()
            elif any(opener == CLOSERS[ch] for opener, _ in stack):  # crossed pairs: close back to it
                while stack[-1][0] != CLOSERS[ch]:
                    stack.pop()
                stack.pop()
                out.append(pair_finding(unit, i, N_("{mark} closes across another open mark: {excerpt}"), ch))
            elif not (ch == "）" and enumerator_before(unit.text, i)):
                out.append(pair_finding(unit, i, N_("{mark} has no opening {other}: {excerpt}"), ch, CLOSERS[ch]))
    for opener, i in stack:
        # GB/T 15834: a quotation over several paragraphs opens each one and closes only the last.
        continued = i == 0 and following is not None and following.kind == unit.kind and following.text.startswith(opener)
        if not continued:
            out.append(pair_finding(unit, i, N_("{mark} is never closed: {excerpt}"), opener))
    return out


# 1） 2） or a） b） numbering a list inside a paragraph (GB/T 15834 4.8: a single closing
# parenthesis after the number): at the text's start or after a mark or space.
ENUMERATOR_RE = re.compile(f"(?:^|[\\s{CJK_PUNCT}])(?:[0-9]{{1,3}}|[A-Za-z]|[一二三四五六七八九十]{{1,3}})$")


def enumerator_before(text: str, i: int) -> bool:
    """The ） at i closes a list number such as 1）, not a parenthesis."""
    return ENUMERATOR_RE.search(text, 0, i) is not None


def pair_finding(unit: TextUnit, i: int, msgid: str, mark: str, other: str = "") -> Finding:
    return text_finding(unit, "warning", "marks-unbalanced", msgid, i, i + 1,
                        N_("add the missing mark or delete the stray one"), mark=mark, other=other,
                        excerpt=excerpt(unit.text, i, i + 1))


# ABAB reduplication that is meant (研究研究, 一步一步): never reported as a doubled phrase.
REDUPLICABLE = frozenset({
    "研究", "讨论", "商量", "考虑", "学习", "休息", "活动", "锻炼", "打听", "收拾", "整理", "介绍", "了解", "检查",
    "准备", "练习", "比较", "思考", "琢磨", "交流", "认识", "体验", "放松", "打扫", "清理", "看看", "试试", "非常",
    "雪白", "通红", "冰凉", "笔直", "碧绿", "火红", "漆黑", "滚烫", "崭新", "蔚蓝",
})


DOUBLED_RE = re.compile(f"([{HAN}]{{2,16}})\\1")


def doubled_phrases(unit: TextUnit) -> list[Finding]:
    """A word or phrase written twice in a row: 区政协举办区政协举办 (a paste or extraction slip).

    Single characters are never reported (人人参与, 常常), nor AA-type units (人人人人), units
    starting with 一 (一步一步), nor known ABAB verbs and adjectives (研究研究, 雪白雪白)."""
    out = []
    for m in DOUBLED_RE.finditer(unit.text):
        phrase = m.group(1)
        if len(set(phrase)) == 1 or phrase.startswith("一") or phrase in REDUPLICABLE:
            continue
        out.append(text_finding(unit, "warning", "doubled-phrase", N_("“{phrase}” written twice in a row: {excerpt}"),
                                m.start(1) + len(phrase), m.end(), N_("delete the repeat unless it is meant"),
                                phrase=phrase, excerpt=excerpt(unit.text, m.start(), m.end())))
    return out


DOUBLED_PUNCT_RE = re.compile(r"([，。、；：“”‘’《》（）〔〕【】「」『』])\1")


def doubled_punct(unit: TextUnit) -> list[Finding]:
    """，， or ““ (a slip); ？？ ！！ —— …… are legitimate and not matched."""
    return [
        text_finding(unit, "warning", "doubled-punct", N_("{mark} twice: {excerpt}"), m.start() + 1, m.end(),
                     N_("delete one"), mark=m.group(1), excerpt=excerpt(unit.text, m.start(), m.end()))
        for m in DOUBLED_PUNCT_RE.finditer(unit.text)
    ]


SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")


# Texts where one space between two Chinese phrases is a deliberate separator: headline parts,
# captions, furniture, and heads (第三章 问题追踪与社区协作).
PHRASE_KINDS = frozenset({"kicker", "title", "subtitle", "caption", "header", "credit", "section", "subsection"})


def spaces(unit: TextUnit) -> list[Finding]:
    """Spaces beside Chinese text. A single space between two Chinese phrases is a deliberate
    separator in a headline or caption (凝心聚力共奋进 履职尽责谱新篇), or inside quotation or
    title marks in any text (“翰墨联京蒙 丹青绘同心”); anywhere else it is a slip. One typed
    space between Chinese and Latin or digits is no finding: the house style sets it as its
    CJK–Latin gap (typography.md rule 25); other spaces there (several, ideographic, tabs) are."""
    text, out = unit.text, []
    depth = quote_depths(text)
    for m in SPACE_RE.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if not (is_cjk(before) or is_cjk(after)) or not before or not after:
            continue
        if is_cjk(before) and is_cjk(after):
            phrase_gap = m.group() in (" ", "\u3000") and is_han(before) and is_han(after)
            if phrase_gap and (unit.kind in PHRASE_KINDS or depth[m.start()] > 0):
                continue
            code, hint = "space-cjk", N_("delete the space (Chinese text has no spaces between characters)")
        elif m.group() == " ":
            continue  # rule 25: the composer sets it as the house gap
        else:
            code, hint = "space-cjk-latin", N_("delete the space: the house style sets the gap between Chinese and Latin or digits")
        out.append(text_finding(unit, "warning", code, N_("space in {excerpt}"), m.start(), m.end(), hint,
                                excerpt=excerpt(text, m.start(), m.end())))
    return out


def quote_depths(text: str) -> list[int]:
    """Per position, how many quotation or title marks are open there."""
    depths, depth = [], 0
    for ch in text:
        if ch in "“‘《〈「『":
            depth += 1
        elif ch in "”’》〉」』":
            depth = max(0, depth - 1)
        depths.append(depth)
    return depths


FULLWIDTH_ALNUM_RE = re.compile(r"[０-９]+|[Ａ-Ｚａ-ｚ]+")


DIGIT = "0-9０-９"


# Full-width marks inside a number (GB/T 15835: 57,610 · 72.3% · 3.5): a ， between groups of
# three digits, a ． or a 。 as a decimal point (。 only before a percentage: 12。2025年 is two
# sentences), a ％ after a digit. 1，2 and 3，2024年 are not thousands groups.
NUMBER_MARK_RE = re.compile(
    f"(?<![{DIGIT}.,，])[{DIGIT}]{{1,3}}(，)[{DIGIT}]{{3}}(?:，[{DIGIT}]{{3}})*(?![{DIGIT}])"
    f"|(?<=[{DIGIT}])(．)(?=[{DIGIT}])|(?<=[{DIGIT}])(。)(?=[{DIGIT}]+[%％])|(?<=[{DIGIT}])(％)"
)


NUMBER_RE = re.compile(f"[{DIGIT}]+(?:[,，.．。][{DIGIT}]+)*[%％]?")


HALFWIDTH_NUMBER = str.maketrans({"，": ",", "．": ".", "。": ".", "％": "%",
                                  **{chr(0xFF10 + d): str(d) for d in range(10)}})


def fullwidth_alnum(unit: TextUnit) -> list[Finding]:
    out = []
    for m in FULLWIDTH_ALNUM_RE.finditer(unit.text):
        plain = "".join(chr(ord(c) - 0xFEE0) for c in m.group())
        digits = m.group()[0].isdigit()
        code = "number-fullwidth" if digits else "latin-fullwidth"
        what = N_("full-width digits {text}") if digits else N_("full-width letters {text}")
        out.append(text_finding(unit, "warning", code, what, m.start(), m.end(),
                                N_("write {plain} (GB/T 15835: half-width Arabic digits)"), text=m.group(), plain=plain))
    out += fullwidth_number_marks(unit)
    return sorted(out, key=lambda f: f.start)


def fullwidth_number_marks(unit: TextUnit) -> list[Finding]:
    """， ． 。 ％ inside a number (57，610 · 72．3 · 72。3% · 72.3％), each mark a finding."""
    text, out = unit.text, []
    for m in NUMBER_MARK_RE.finditer(text):
        group = next(g for g in range(1, 5) if m.start(g) >= 0)
        number = next(n for n in NUMBER_RE.finditer(text) if n.start() <= m.start(group) < n.end())
        # every separator of 57，610，000
        marks = [k for k in range(m.start(), m.end()) if text[k] == "，"] if group == 1 else [m.start(group)]
        for i in marks:
            out.append(text_finding(unit, "warning", "number-fullwidth", N_("full-width {mark} inside the number {number}"),
                                    i, i + 1, N_("write {plain} (GB/T 15835: numbers take half-width marks)"),
                                    mark=text[i], number=number.group(), plain=number.group().translate(HALFWIDTH_NUMBER)))
    return out


INVISIBLE_RE = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f]")


def invisible_chars(unit: TextUnit) -> list[Finding]:
    return [
        text_finding(unit, "warning", "invisible-char", N_("invisible character U+{point} in {excerpt}"), m.start(), m.end(),
                     N_("delete it (it came with a copy-paste)"), point=f"{ord(m.group()):04X}",
                     excerpt=excerpt(unit.text, m.start(), m.end()))
        for m in INVISIBLE_RE.finditer(unit.text)
    ]


MARKUP_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|\[[^\]]+\]\([^)]+\)")


def markup(unit: TextUnit) -> list[Finding]:
    """HTML tags, entities or Markdown links: pinban prints them literally, which is rarely meant."""
    return [
        text_finding(unit, "warning", "markup-in-text", N_("markup {markup} prints literally"), m.start(), m.end(),
                     N_("remove it; report.md takes plain text with **bold** leads only"), markup=m.group()[:40])
        for m in MARKUP_RE.finditer(unit.text)
    ]


QUOTE_STYLES = {"“": "curly", "”": "curly", "「": "corner", "」": "corner", "『": "corner", "』": "corner"}


def mixed_quote_styles(units: list[TextUnit]) -> list[Finding]:
    """“ ” and 「 」 in one edition: report every mark of the less used style."""
    marks = [(u, m.start(), QUOTE_STYLES[m.group()]) for u in units for m in re.finditer("[“”「」『』]", u.text)]
    counts = Counter(style for _, _, style in marks)
    if len(counts) < 2:
        return []
    major = "curly" if counts["curly"] >= counts["corner"] else "corner"
    use = "“ ”" if major == "curly" else "「 」"
    return [
        text_finding(u, "warning", "quote-mixed", N_("quotation mark {mark} differs from the edition's {use}"), i, i + 1,
                     N_("use {use} throughout (GB/T 15834: “ ” outside, ‘ ’ inside)"), mark=u.text[i], use=use)
        for u, i, style in marks
        if style != major
    ]


ARABIC_YEAR_RE = re.compile(r"(?<![0-9])(1[6-9]|20)[0-9]{2}年")


CHINESE_YEAR_RE = re.compile(r"[〇○零一二三四五六七八九]{4}年")


def mixed_year_styles(units: list[TextUnit]) -> list[Finding]:
    """GB/T 15835: write years one way throughout; with 2024年 in the edition, 二〇二四年 is a finding."""
    arabic = sum(len(ARABIC_YEAR_RE.findall(u.text)) for u in units)
    if not arabic:
        return []
    return [
        text_finding(u, "warning", "number-mixed", N_("year {year} in Chinese numerals, elsewhere Arabic (e.g. 2024年)"),
                     m.start(), m.end(), N_("write years in Arabic digits throughout (GB/T 15835)"), year=m.group())
        for u in units
        for m in CHINESE_YEAR_RE.finditer(u.text)
    ]


CN_NUM = "〇○零一二三四五六七八九十"


MIXED_DATE_RE = re.compile(f"[0-9]+年[{CN_NUM}]+月|[{CN_NUM}]+年[0-9]+月|[0-9]+月[{CN_NUM}]+日|[{CN_NUM}]+月[0-9]+日")


def mixed_dates(units: list[TextUnit]) -> list[Finding]:
    """A date that mixes Arabic and Chinese numerals (2024年十二月)."""
    return [
        text_finding(u, "warning", "number-mixed", N_("date {date} mixes Arabic and Chinese numerals"), m.start(), m.end(),
                     N_("write the whole date one way (GB/T 15835: 2024年12月5日)"), date=m.group())
        for u in units
        for m in MIXED_DATE_RE.finditer(u.text)
    ]
