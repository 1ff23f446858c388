"""Lay an edition out as a two-page spread: the display list.

The page, top to bottom: 报眉 (page header and rule), the 通版 headline band across both pages,
then the body area on the baseline grid. In the body area photos stand in *rows* that span a
page's full type width (each photo a whole number of columns, every photo of a row the same
height in whole grid lines); the report flows through the free column segments left between
them, page 02 column 1 to the last column of page 03, reading down each column.

Automatic arrangement (no `place` in edition.toml):
  * page 02's first row is the intro (导语) beside the lead photo;
  * the other photos fill rows of 4 (two columns each) or 3 (3 + 3 + 2 columns), dealt
    alternately to page 03's top, page 02's foot, page 03's foot …, so both pages carry a
    similar weight of pictures; portrait photos go to the narrow cells;
  * each row's height starts from its photos' natural height at that width.
Copyfit then searches row heights (whole grid steps, within ±25 % of natural) and the space
above heads for the arrangement whose text ends at the foot of the last column with the least
empty space at column feet; if no arrangement holds the text, the smallest-overset one is
reported (text is never dropped). Photos are cropped to their cells around the focal point,
never distorted. Explicit placements take their cells first and the rest is arranged around them.
"""

from __future__ import annotations

from ..display import DisplayList
from ..errors import PinbanError
from ..fonts import Face
from ..model import Edition
from ..style import Style
from .copyfit import Attempt, attempt, body_options
from .page import display_list


def lay_out(edition: Edition, style: Style, faces: dict[str, Face]) -> DisplayList:
    """Copyfit over the allowed body sizes; the best-scoring attempt becomes the display list."""
    best: Attempt | None = None
    tried = 0
    for option in body_options(style):
        try:
            result = attempt(edition, option, faces)
        except PinbanError:
            if option is style:
                raise
            continue
        tried += 1
        if best is None or result.plan.score < best.plan.score - 1e-6:
            best = result
    assert best is not None
    return display_list(edition, best, faces, tried)
