"""The display list: what stands where on each page. Plain, frozen data.

It is the contract between layout and everything downstream (render, proof, docx locations,
check, audits): nothing downstream lays text out again. Coordinates are pt from the top-left
corner of the trimmed page; a page's `offset` is its x within the spread.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compose import Span


@dataclass(frozen=True)
class TextLine:
    x: float  # left edge of the line's measure on the page
    baseline: float  # y of the baseline on the page
    measure: float
    spans: tuple[Span, ...]  # span.x is relative to `x`
    block_id: str  # "b012", "photo.p03", "headline.title", "furniture.section": as in check and the DOCX
    kind: str  # paragraph style kind: body, section, subsection, intro, caption, title, …
    start: int  # [start, end) offsets into the block's text
    end: int
    first: bool
    last: bool
    number: int = 0  # line number within its column (body columns), 1-based
    compromise: tuple[str, ...] = ()  # what the composer declared it gave up here ("loose", "ragged", …)

    @property
    def text(self) -> str:
        """As drawn: with the hyphen a hyphenated line end adds."""
        return "".join(s.text for s in self.spans)

    @property
    def source_text(self) -> str:
        """The block's text[start:end] the line sets (without an added hyphen)."""
        return "".join(s.text for s in self.spans if not s.added)

    @property
    def hyphenated(self) -> bool:
        return any(s.added for s in self.spans)


@dataclass(frozen=True)
class Frame:
    id: str  # "02-c3" for page 02 column 3, "02-intro", "03-cap-p05", "headline-02", …
    page: str
    kind: str  # column | intro | caption | headline | header
    x: float
    y: float
    width: float
    height: float
    leading: float
    lines: tuple[TextLine, ...]
    column: int = 0  # 1-based body column, 0 for other frames


@dataclass(frozen=True)
class Picture:
    photo_id: str
    page: str
    x: float
    y: float
    width: float
    height: float
    src: str  # absolute path of the image file; "" = missing (placeholder drawn)
    pixels: tuple[int, int]  # the image's pixel size (0, 0) when missing
    crop: tuple[float, float, float, float]  # visible part in source pixels: left, top, width, height
    stand_in: bool = False


@dataclass(frozen=True)
class Rule:
    page: str
    x1: float
    y1: float
    x2: float
    y2: float
    weight: float


@dataclass(frozen=True)
class Page:
    name: str  # "02"
    index: int  # 0 = left page of the spread
    offset: float  # x of this page within the spread
    width: float
    height: float
    frames: tuple[Frame, ...]
    pictures: tuple[Picture, ...]
    rules: tuple[Rule, ...]


def picture_containing(page: Page, x: float, y: float) -> Picture | None:
    """The picture whose box holds the point (pt from the page's top-left), if any."""
    return next((p for p in page.pictures if p.x <= x <= p.x + p.width and p.y <= y <= p.y + p.height), None)


@dataclass(frozen=True)
class Overset:
    """Text that did not fit: never dropped, always reported."""

    lines: int
    chars: int
    blocks: tuple[str, ...]  # block ids that are (partly) overset
    sections: tuple[str, ...]  # section heads they belong to


@dataclass(frozen=True)
class Underset:
    """Column lines the text cannot fill at any size the style and the photos allow: refused."""

    lines: int
    chars: int  # about this many characters would fill them
    page: str  # the page left short


@dataclass(frozen=True)
class DisplayList:
    edition: str
    title: str
    pages: tuple[Page, ...]
    body_size: float
    leading: float
    grid_origin: float  # y of the first body baseline; body baselines are grid_origin + k × leading
    overset: Overset | None
    passes: int  # copyfit passes made
    date: str = ""  # the edition's date, ISO 8601: dates written into the outputs come from it
    underset: Underset | None = None
    left_out: tuple[str, ...] = ()  # optional photos the layout left out for want of room

    def frames(self, kind: str | None = None) -> list[Frame]:
        return [f for p in self.pages for f in p.frames if kind is None or f.kind == kind]

    def locations(self) -> dict[str, str]:
        """Where each block starts: block id → 〔02版·第3栏〕 style reference (without brackets)."""
        where: dict[str, str] = {}
        for page in self.pages:
            for frame in page.frames:
                for line in frame.lines:
                    if line.block_id in where:
                        continue
                    if frame.column:
                        where[line.block_id] = f"{page.name}版·第{frame.column}栏·第{line.number}行"
                    else:
                        where[line.block_id] = f"{page.name}版"
        return where
