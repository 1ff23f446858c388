"""Checks of the laid-out spread, from the display list: overset, underset, 孤字, widows, heads at the foot, resolution, text lost."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..messages import BUG, N_, OVERSET, OVERSET_ANYWHERE, OVERSET_HINT, UNDERSET, finding, overset_args, underset_args
from ..model import BODY, INTRO, SECTION, SUBSECTION, Edition, Finding
from ..style import Style

if TYPE_CHECKING:  # the display list pulls in the composer; only types are needed here
    from ..display import DisplayList, Frame, TextLine
from .photos import GOOD_PPI, MIN_PPI
from .text import is_punct

HEAD_KINDS = frozenset({SECTION, SUBSECTION})


FOOT_LINES = 1  # rule 26: a column may end this many grid lines above its foot


def check_layout(display: DisplayList, edition: Edition, style: Style, already: Iterable[Finding] = ()) -> list[Finding]:
    findings = overset_findings(display)
    if display.overset is None:
        findings += underset_findings(display)
    findings += line_findings(display)
    # A photo refused at the source is not measured again at its placed size.
    refused = {photo_id_of(f) for f in already if f.code in ("photo-tiny", "photo-unreadable", "photo-corrupt")}
    findings += resolution_findings(display, skip=refused)
    findings += coverage_findings(display, edition)
    if display.left_out:
        findings.append(finding("info", "photos-left-out", N_("optional photo(s) {photos} left out: the spread is full"),
                                "edition.toml", N_("cut text to make room for them"),
                                args={"photos": ", ".join(display.left_out)}))
    return findings


def photo_id_of(f: Finding) -> str:
    return f.block_id.removeprefix("photo.") if f.block_id.startswith("photo.") else ""


def overset_findings(display: DisplayList) -> list[Finding]:
    o = display.overset
    if o is None:
        return []
    return [finding("error", "overset", OVERSET if o.sections else OVERSET_ANYWHERE, display.edition, OVERSET_HINT,
                    overset_args(o), block_id=o.blocks[0] if o.blocks else "")]


def column_frames(display: DisplayList) -> list[tuple[str, Frame]]:
    return [(p.name, f) for p in display.pages for f in p.frames if f.kind == "column"]


def underset_findings(display: DisplayList) -> list[Finding]:
    """The report ends more than one grid line above the foot of the last column (rule 26: every
    column ends at the foot, at most one line short, as `pinban check` reads it back from the
    PDF): an error, as a page with a hole may not go to print; the build is refused until it is
    filled.
    When the layout found no size that fills the spread it says by how much (display.underset)."""
    if display.underset is not None:
        u = display.underset
        return [finding("error", "underset", UNDERSET, f"{u.page}版", args=underset_args(u), page=u.page)]
    cols = column_frames(display)
    if not cols:
        return []
    page, last = cols[-1]
    if not last.lines:
        empty = sum(1 for _, f in cols if not f.lines)
        return [finding("error", "underset", N_("underset: {empty} column(s) stay empty"), f"{page}版·第{last.column}栏",
                        N_("add text or enlarge a photo; copyfit could not fill the page"), {"empty": empty}, page=page,
                        box=(last.x, last.y, last.width, last.height))]
    empty = int((last.y + last.height - last.lines[-1].baseline) / last.leading)  # whole grid lines left
    if empty <= FOOT_LINES:
        return []
    return [finding("error", "underset", N_("underset: the report ends {empty} lines above the column foot"),
                    f"{page}版·第{last.column}栏", N_("add text or enlarge a photo"), {"empty": empty}, page=page,
                    box=(last.x, last.lines[-1].baseline, last.width, last.y + last.height - last.lines[-1].baseline))]


def line_where(page: str, frame: Frame, line: TextLine, index: int) -> str:
    if frame.column:
        return f"{page}版·第{frame.column}栏·第{line.number or index + 1}行"
    names = {"intro": "导语", "caption": "图片说明", "headline": "标题", "header": "报眉"}
    return f"{page}版·{names.get(frame.kind, frame.kind)}·第{index + 1}行"


def line_box(frame: Frame, line: TextLine) -> tuple[float, float, float, float]:
    return (line.x, line.baseline - frame.leading * 0.8, line.measure, frame.leading)


def finding_block_id(display_id: str) -> str:
    """Display ids may write photo:p03; findings use the DOCX anchors photo.p03."""
    return display_id.replace(":", ".")


def line_finding(severity: str, code: str, message: str, hint: str, page: str, frame: Frame, line: TextLine,
                 index: int, **args: str | float) -> Finding:
    return finding(severity, code, message, line_where(page, frame, line, index), hint, args,
                   block_id=finding_block_id(line.block_id), start=line.start, end=line.end, page=page,
                   box=line_box(frame, line))


def line_findings(display: DisplayList) -> list[Finding]:
    """孤字, widows and heads at a column foot, line by line."""
    out: list[Finding] = []
    for page in display.pages:
        for frame in page.frames:
            if frame.kind in ("column", "intro"):
                out += orphan_findings(page.name, frame)
    for page, frame in column_frames(display):
        for i, line in enumerate(frame.lines):
            if i == 0 and line.kind == BODY and line.last and not line.first and short(line, display.body_size):
                out.append(line_finding("warning", "widow", N_("a paragraph's short last line “{text}” starts the column"),
                                        N_("cut or add a line in the paragraph before"), page, frame, line, i, text=line.text))
        if frame.lines and frame.lines[-1].kind in HEAD_KINDS and not is_report_end(display, frame):
            line = frame.lines[-1]
            out.append(line_finding("warning", "head-at-foot", N_("head “{text}” is the last line of the column"),
                                    N_("move it to the next column (cut or add a line before it)"), page, frame, line,
                                    len(frame.lines) - 1, text=line.text))
    return out


def orphan_findings(page: str, frame: Frame) -> list[Finding]:
    return [
        line_finding("warning", "orphan-char", N_("孤字: the paragraph ends with “{text}” alone on its line"),
                     N_("cut or add a few characters so the last line holds two or more"), page, frame, line, i, text=line.text)
        for i, line in enumerate(frame.lines)
        if line.kind in (BODY, INTRO) and line.last and not line.first and orphan(line.source_text)
    ]


def orphan(text: str) -> bool:
    return sum(1 for ch in text if not is_punct(ch)) == 1


def short(line: TextLine, size: float) -> bool:
    return len(line.text.strip()) <= max(2, int(line.measure / size / 3))


def is_report_end(display: DisplayList, frame: Frame) -> bool:
    cols = [f for _, f in column_frames(display) if f.lines]
    return bool(cols) and cols[-1] is frame


def resolution_findings(display: DisplayList, skip: set[str] = frozenset()) -> list[Finding]:
    """Effective resolution = pixels shown / placed size in inches; below 200 ppi warn, 150 error."""
    out = []
    for page in display.pages:
        for pic in page.pictures:
            if not pic.src or not pic.pixels[0] or pic.photo_id in skip or pic.width <= 0 or pic.height <= 0:
                continue
            _, _, cw, ch = pic.crop
            ppi = min(cw / (pic.width / 72), ch / (pic.height / 72))
            if ppi >= GOOD_PPI:
                continue
            severity = "error" if ppi < MIN_PPI else "warning"
            out.append(finding(
                severity, "photo-resolution", N_("photo {photo}: {ppi:.0f} ppi at its placed size ({w:.0f}×{h:.0f} mm)"),
                f"{page.name}版·图{pic.photo_id}", N_("print needs {good:.0f} ppi: use a larger original or place it smaller"),
                {"photo": pic.photo_id, "ppi": ppi, "w": pic.width / 72 * 25.4, "h": pic.height / 72 * 25.4, "good": GOOD_PPI},
                block_id=f"photo.{pic.photo_id}", page=page.name, box=(pic.x, pic.y, pic.width, pic.height),
            ))
    return out


def source_texts(edition: Edition) -> dict[str, str]:
    """Block id → the source text the layout must place, for the texts pinban takes from sources."""
    texts = {b.id: b.text for b in edition.blocks}
    texts.update({f"photo.{p.id}": p.printed_caption for p in edition.photos})
    hl = edition.headline
    texts.update({f"headline.{k}": t for k, t in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)) if t})
    return texts


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def coverage_findings(display: DisplayList, edition: Edition) -> list[Finding]:
    """Every source character is placed by the layout (or counted as overset): nothing lost."""
    placed: dict[str, list[TextLine]] = {}
    for _, frame, line in all_lines(display):
        placed.setdefault(finding_block_id(line.block_id), []).append(line)
    overset = set(display.overset.blocks) if display.overset else set()
    overset |= {f"photo.{pid}" for pid in display.left_out}  # left out on purpose, and noted
    out = []
    for block_id, text in source_texts(edition).items():
        if block_id in overset:
            continue
        lines = sorted(placed.get(block_id, []), key=lambda ln: ln.start)
        got = squash("".join(ln.source_text for ln in lines))
        if got == squash(text):
            continue
        msgid = N_("layout placed {got} of {want} characters of “{text}…”") if lines else N_("layout placed nothing of “{text}…”")
        out.append(finding("error", "text-lost", msgid, block_where(edition, block_id), BUG,
                           {"got": len(got), "want": len(squash(text)), "text": text[:20]}, block_id=block_id))
    return out


def block_where(edition: Edition, block_id: str) -> str:
    for b in edition.blocks:
        if b.id == block_id:
            return str(b.source)
    return "edition.toml"


def all_lines(display: DisplayList) -> Iterator[tuple[str, Frame, TextLine]]:
    for page in display.pages:
        for frame in page.frames:
            for line in frame.lines:
                yield page.name, frame, line
