"""The edition's blocks composed for layout: paragraph styles turned into composer runs and rules."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..compose import ComposeRules, Line, TextRun, compose
from ..fonts import Face
from ..model import BODY, SECTION, SUBSECTION, Block, Edition, Photo, Run
from ..style import ParaStyle, Style
from .geometry import CELL_PAD


def runs_for(block_runs, para: ParaStyle, size: float | None = None) -> list[TextRun]:
    sz = size or para.size
    return [TextRun(r.text, para.bold_face if r.bold else para.face, sz) for r in block_runs]


def rules_for(para: ParaStyle, indent: bool = True) -> ComposeRules:
    align = para.align if para.align in ("justify", "start", "center") else "justify"
    return ComposeRules(indent_em=para.indent_em if indent else 0.0, align=align)


def compose_block(block: Block, para: ParaStyle, measure: float, faces, size: float | None = None) -> tuple[Line, ...]:
    return composed(runs_for(block.runs, para, size), measure, faces, rules_for(para), str(block.source))


def compose_text(text: str, para: ParaStyle, measure: float, faces, where: str, size: float | None = None) -> tuple[Line, ...]:
    return composed(runs_for((Run(text),), para, size), measure, faces, rules_for(para), where)


COMPOSED_KEPT = 5_000  # paragraphs at a measure: the sample's whole search holds about 300


_COMPOSED: OrderedDict[tuple, tuple[Line, ...]] = OrderedDict()


def composed(runs: Sequence[TextRun], measure: float, faces: Mapping[str, Face], rules: ComposeRules,
             where: str) -> tuple[Line, ...]:
    """`compose`, remembered for the process. The composer is pure (the same runs, measure, faces
    and rules give the same lines), and the make-up asks again and again: every arrangement sizes
    the same captions and the intro at the same spans, and `pinban watch` lays out after each
    save, when only the edited paragraph has changed. `where` only names the paragraph in an
    error, which is raised again each time (errors are not kept)."""
    key = (tuple(runs), measure, faces_key(faces), rules)
    lines = _COMPOSED.get(key)
    if lines is None:
        lines = _COMPOSED[key] = compose(runs, measure, faces, rules, where=where)
        if len(_COMPOSED) > COMPOSED_KEPT:
            _COMPOSED.popitem(last=False)
    else:
        _COMPOSED.move_to_end(key)
    return lines


def faces_key(faces: Mapping[str, Face]) -> tuple:
    """The faces as the composer reads them: which font file and face each key names."""
    return tuple((k, f.path, f.index, f.family, f.weight) for k, f in sorted(faces.items()))


@dataclass(frozen=True)
class Item:
    """One unit of the report's flow: a head (several grid lines, kept with what follows) or a body line."""

    block: Block
    lines: tuple[Line, ...]
    height: int  # grid lines
    head: bool
    space: int = 0  # grid lines of space above the head's text (dropped at a column top)


def report_items(edition: Edition, style: Style, faces) -> list[Item]:
    items: list[Item] = []
    measure = style.column_width
    for block in edition.report:
        if block.kind in (SECTION, SUBSECTION):
            para = style.para(block.kind)
            lines = compose_block(block, para, measure, faces)
            text_lines = math.ceil(len(lines) * para.leading / style.leading - 1e-6)
            space = max(para.lines - text_lines, 1)  # a head always has a line of air above it
            items.append(Item(block, lines, text_lines + space, True, space))
        elif block.kind == BODY:
            para = style.para("body")
            for line in compose_block(block, para, measure, faces):
                items.append(Item(block, (line,), 1, False))
    return items


def caption_lines(photo: Photo, width: float, style: Style, faces) -> tuple[Line, ...]:
    text = photo.printed_caption
    return compose_text(text, style.para("caption"), width, faces, str(photo.source))


def fit_intro(block: Block, para: ParaStyle, width: float, rows: int, style: Style, faces) -> tuple[float, tuple[Line, ...]]:
    """The largest intro size (in 0.5 pt steps, from the style's size up to 1.5×) that fits `rows`."""
    best = (para.size, compose_block(block, para, width, faces))
    size = para.size
    while size <= para.size * 1.5:
        lines = compose_block(block, para, width, faces, size=size)
        leading = para.leading * size / para.size
        if len(lines) * leading + CELL_PAD <= rows * style.leading:
            best = (size, lines)
        size += 0.5
    return best
