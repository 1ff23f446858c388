"""The content model: what an edition holds, as typed, frozen objects.

Every object remembers where it came from (file:line) so that errors, findings and
proofreading corrections can point back at the source.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceRef:
    file: str  # relative to the edition folder, e.g. "report.md"
    line: int  # 1-based; 0 when unknown

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


# Block kinds of report.md
INTRO, SECTION, SUBSECTION, BODY = "intro", "section", "subsection", "body"


@dataclass(frozen=True)
class Block:
    """One paragraph-level unit of the report: intro (导语), head, sub-head or body paragraph."""

    id: str  # stable within an edition: b001, b002 … in source order
    kind: str
    runs: tuple[Run, ...]
    source: SourceRef

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Placement:
    """An art editor's explicit photo placement; grid units, 1-based."""

    page: str  # "02" or "03"
    column: int  # first column
    span: int  # columns wide
    row: int | None = None  # first grid line of the photo's top; None = layout decides
    rows: int | None = None  # height in grid lines (photo + caption); None = from aspect


@dataclass(frozen=True)
class Photo:
    id: str
    rel: str  # path as written in edition.toml
    path: Path | None  # resolved inside the edition folder; None when the file is missing
    caption: str
    source: SourceRef
    credit: str = ""
    stand_in: bool = False
    focus: tuple[float, float] = (0.5, 0.5)
    placement: Placement | None = None
    kind: str = "photo"  # photo (cropped around its focus) | chart | figure (never cropped)
    optional: bool = False  # the layout may leave it out when the spread is full

    @property
    def croppable(self) -> bool:
        return self.kind == PHOTO

    @property
    def printed_caption(self) -> str:
        """The caption as the page prints it: a photo's credit follows as （… 摄）, a chart's or a
        figure's as （…）: it was drawn or compiled, not photographed."""
        if not self.credit:
            return self.caption
        return self.caption + (f"（{self.credit} 摄）" if self.kind == PHOTO else f"（{self.credit}）")


PHOTO, CHART, FIGURE = "photo", "chart", "figure"
PHOTO_KINDS = (PHOTO, CHART, FIGURE)


@dataclass(frozen=True)
class Credit:
    role: str  # 责任编辑 / 美编 / 校对
    names: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.role}：{' '.join(self.names)}"


@dataclass(frozen=True)
class Headline:
    title: str  # 主题
    source: SourceRef
    kicker: str = ""  # 引题
    subtitle: str = ""  # 副题


@dataclass(frozen=True)
class Finding:
    """A problem worth an editor's attention, from loading, checking, layout or the PDF audit.

    `where` is human text (file:line, or 02版·第3栏·第12行). Optional anchors let other
    stages show it: `block_id` + [start, end) offsets into the block text (DOCX comments),
    `page` + `box` (x, y, w, h in pt from the page's top-left; proof overlay).

    `message` and `hint` are in English; `msgid`, `hint_id` and `args` are what they were made
    from (catalogue templates and their named values), so each reader can have them in its own
    language (pipeline/messages.py). Empty msgid: the message is in English only.
    """

    severity: str  # "error" | "warning" | "info"
    code: str  # short stable name, e.g. "photo-missing", "doubled-phrase"
    message: str
    where: str = ""
    hint: str = ""
    block_id: str = ""
    start: int = -1
    end: int = -1
    page: str = ""
    box: tuple[float, float, float, float] | None = None
    msgid: str = ""
    hint_id: str = ""
    args: tuple[tuple[str, str | int | float], ...] = ()


Notice = Finding  # loading-time findings


@dataclass(frozen=True)
class Edition:
    name: str  # folder name
    root: Path
    date: _dt.date
    weekday: str
    pages: tuple[str, str]
    section: str
    style: str
    credits: tuple[Credit, ...]
    headline: Headline
    blocks: tuple[Block, ...]
    photos: tuple[Photo, ...]
    notices: tuple[Finding, ...] = field(default=())

    @property
    def date_text(self) -> str:
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"

    @property
    def intro(self) -> Block | None:
        return next((b for b in self.blocks if b.kind == INTRO), None)

    @property
    def report(self) -> tuple[Block, ...]:
        """Heads and body paragraphs in reading order, without the intro."""
        return tuple(b for b in self.blocks if b.kind != INTRO)
