"""report.md: the one parser of the report, used by the loader and by the review.

One paragraph per line; only real line breaks (CR, LF, CRLF) end a line, so line numbers agree
with every editor (not str.splitlines, which also splits at U+2028, U+0085 …). Every block keeps
its offsets in the file, so the review can write a correction back exactly where it belongs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import PinbanError
from ..model import BODY, INTRO, SECTION, SUBSECTION, Block, Run, SourceRef
from .text import LINE_BREAK_RE, REPORT_FILE, refuse_control_chars

# Bold text neither starts nor ends with *, so "******" is a stray marker, not a bold "*".
BOLD_RE = re.compile(r"\*\*(?!\*)(.+?)(?<!\*)\*\*")
MARKER_LEN = {SECTION: 2, SUBSECTION: 3, INTRO: 2}  # "# ", "## ", "> "


@dataclass
class ReportBlock:
    """One paragraph of report.md with its place in the file."""

    line: int
    kind: str
    line_start: int
    line_end: int  # before the line ending
    next_line: int  # after the line ending
    content_start: int
    content_end: int
    body_start: int
    runs: list[tuple[str, bool, int]]  # text, bold, offset of the text in the file

    @property
    def text(self) -> str:
        return "".join(r[0] for r in self.runs)


def classify(line: str) -> tuple[str, str]:
    if line.startswith("## "):
        return SUBSECTION, line[3:].strip()
    if line.startswith("# "):
        return SECTION, line[2:].strip()
    if line.startswith("> "):
        return INTRO, line[2:].strip()
    if line in ("#", "##", ">"):
        return SECTION, ""
    return BODY, line


def lines_with_offsets(text: str) -> list[tuple[int, int, int, int]]:
    """(number, start, end before the line break, start of the next line) of every line."""
    out, pos = [], 0
    for number, m in enumerate(LINE_BREAK_RE.finditer(text), start=1):
        out.append((number, pos, m.start(), m.end()))
        pos = m.end()
    out.append((len(out) + 1, pos, len(text), len(text)))
    return out


def parse_report(text: str) -> list[ReportBlock]:
    """Every non-blank line as a block with offsets. PinbanError on an empty marker or a stray **."""
    blocks = []
    for number, start, end, next_line in lines_with_offsets(text):
        line = text[start:end]
        stripped = line.strip()
        if not stripped:
            continue
        content_start = start + len(line) - len(line.lstrip())
        kind, body = classify(stripped)
        where = f"{REPORT_FILE}:{number}"
        if not body:
            raise PinbanError("empty heading or intro marker", where, "write text after the marker")
        rest = stripped[MARKER_LEN.get(kind, 0):]
        body_start = content_start + MARKER_LEN.get(kind, 0) + len(rest) - len(rest.lstrip())
        blocks.append(ReportBlock(number, kind, start, end, next_line, content_start,
                                  content_start + len(stripped), body_start, bold_runs(body, body_start, where)))
    return blocks


def bold_runs(body: str, offset: int, where: str) -> list[tuple[str, bool, int]]:
    runs: list[tuple[str, bool, int]] = []
    at = 0
    for m in BOLD_RE.finditer(body):
        if m.start() > at:
            runs.append((body[at : m.start()], False, offset + at))
        runs.append((m.group(1), True, offset + m.start() + 2))
        at = m.end()
    if at < len(body):
        runs.append((body[at:], False, offset + at))
    if any("**" in r[0] for r in runs):
        raise PinbanError("unbalanced ** (bold marker)", where, "close the bold lead with ** or remove the stray **")
    return [r for r in runs if r[0]]


def load_report(text: str) -> tuple[Block, ...]:
    """The report as content blocks (b001, b002 …), checked as an edition needs it."""
    refuse_control_chars(text, REPORT_FILE)
    blocks = tuple(
        Block(f"b{i:03d}", b.kind, tuple(Run(t, bold=bold) for t, bold, _ in b.runs), SourceRef(REPORT_FILE, b.line))
        for i, b in enumerate(parse_report(text), start=1)
    )
    if not any(b.kind == BODY for b in blocks):
        raise PinbanError("the report has no paragraphs", REPORT_FILE, "write one paragraph per line (see README)")
    intros = [b for b in blocks if b.kind == INTRO]
    if len(intros) > 1:
        raise PinbanError("more than one intro (> line)", str(intros[1].source), "merge the intro into one '> ' line")
    return blocks
