"""The grid of a spread: page geometry, columns, the baseline grid and the bands above the text."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..fonts import Face
from ..model import Edition
from ..style import Style

CAPTION_GAP = 4.0  # pt between a photo and its caption


CELL_PAD = 8.0  # pt kept free below a caption, before the next grid line holds text


HEADER_LINES = 2  # grid lines of the 报眉 band


KEEP_AFTER_HEAD = 2  # body lines a head keeps with it in the same column


@dataclass(frozen=True)
class Geometry:
    style: Style
    page_index: int

    @property
    def x0(self) -> float:
        """Left edge of the type area: the inner margin faces the fold."""
        s = self.style
        if self.page_index == 0:
            return s.page_width - s.margin_inner - s.type_width
        return s.margin_inner

    def col_x(self, column: int) -> float:  # 1-based
        s = self.style
        return self.x0 + (column - 1) * (s.column_width + s.gutter)

    def span_width(self, span: int) -> float:
        s = self.style
        return span * s.column_width + (span - 1) * s.gutter


@dataclass(frozen=True)
class Bands:
    header_top: float
    header_rule: float
    headline_top: float
    body_top: float  # top of grid line 0
    rows: int  # grid lines in the body area


def bands(style: Style, edition: Edition, faces: dict[str, Face]) -> Bands:
    header_top = style.margin_top
    # the 报眉 band holds the page number (its largest type) in whole grid lines
    header_rule = header_top + max(HEADER_LINES, math.ceil((style.header_number_size + 6) / style.leading)) * style.leading
    hl = edition.headline
    height = 0.0
    for kind, text in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)):
        if text:
            height += style.para(kind).leading
    headline_top = header_rule + style.leading * 0.5
    body_top = headline_top + height + style.leading
    body_top = header_top + math.ceil((body_top - header_top) / style.leading) * style.leading
    rows = int((style.page_height - style.margin_bottom - body_top) // style.leading)
    return Bands(header_top, header_rule, headline_top, body_top, rows)


EM_TOP = 0.88  # the ideographic em box spans 0.88 em above the baseline to 0.12 em below


def baseline_in_cell(style: Style, cell_top: float, size: float, leading: float, face: Face | None) -> float:
    """Baseline of a line whose ideographic em box is centred in a line of `leading` from cell_top."""
    return cell_top + (leading - size) / 2 + EM_TOP * size
