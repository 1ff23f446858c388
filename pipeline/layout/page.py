"""Building the display list of the spread: frames of lines, pictures with crops, the headline and the page header."""

from __future__ import annotations

import math
from dataclasses import replace

from ..compose import ComposeRules, Line
from ..display import DisplayList, Frame, Page, Picture, Rule, TextLine
from ..errors import PinbanError
from ..fonts import Face
from ..model import INTRO, Edition, Photo, Run
from ..sources.photos import pixel_size
from ..style import ParaStyle, Style
from .arrange import Row
from .blocks import Item, caption_lines, compose_text, composed, fit_intro, runs_for
from .copyfit import Attempt, Plan, rects
from .flow import overset_of
from .fold import SPACES, choose_fold, too_long_error
from .geometry import CAPTION_GAP, CELL_PAD, Bands, Geometry, baseline_in_cell


def display_list(edition: Edition, best: Attempt, faces: dict[str, Face], passes: int) -> DisplayList:
    style, band, plan = best.style, best.band, best.plan
    geos = (Geometry(style, 0), Geometry(style, 1))
    pages = []
    for index, geo in enumerate(geos):
        frames: list[Frame] = []
        pictures: list[Picture] = []
        rules: list[Rule] = []
        name = edition.pages[index]
        frames += header_frames(edition, style, faces, geo, band, name, rules)
        frames += headline_frames(edition, style, faces, geo, band, name)
        frames += row_frames(edition, style, faces, geo, band, plan.rows, name, pictures)
        frames += column_frames(plan, style, faces, geo, band, name)
        pages.append(Page(name, index, index * style.page_width, style.page_width, style.page_height,
                          tuple(frames), tuple(pictures), tuple(rules)))
    return DisplayList(
        edition=edition.name,
        date=edition.date.isoformat(),
        title=f"{edition.section} {edition.date_text} 第{edition.pages[0]}–{edition.pages[1]}版 {edition.headline.title}",
        pages=tuple(pages),
        body_size=style.body_size,
        leading=style.leading,
        grid_origin=baseline_in_cell(style, band.body_top, style.body_size, style.leading, None),
        overset=overset_of(plan.flow),
        passes=passes,
    )


def text_line(line: Line, x: float, baseline: float, block_id: str, kind: str, number: int = 0) -> TextLine:
    return TextLine(x, baseline, line.measure, line.spans, block_id, kind, line.start, line.end,
                    line.first, line.last, number, line.compromise)


def column_frames(plan: Plan, style: Style, faces, geo: Geometry, band: Bands, name: str) -> list[Frame]:
    """One frame per free column stretch; line numbers count grid lines from the column's first."""
    frames = []
    body_face = faces[style.para("body").face]
    mine = [(seg, placed) for seg, placed in zip(plan.segments, plan.flow.placed) if seg.page == geo.page_index]
    first_top = {}
    for seg, _ in mine:
        first_top.setdefault(seg.column, seg.top)
    for seg, placed in mine:
        x = geo.col_x(seg.column)
        lines: list[TextLine] = []
        for item, top, height in placed:
            number = top - first_top[seg.column] + 1
            cell_top = band.body_top + top * style.leading
            if item.head:
                para = style.para(item.block.kind)
                lines += head_lines(item, para, style, faces, x, cell_top, height, number)
                continue
            base = baseline_in_cell(style, cell_top, style.body_size, style.leading, body_face)
            lines.append(text_line(item.lines[0], x, base, item.block.id, "body", number))
        part = "" if seg.top == first_top[seg.column] else f"-{seg.top}"
        frames.append(Frame(f"{name}-c{seg.column}{part}", name, "column", x, band.body_top + seg.top * style.leading,
                            style.column_width, seg.rows * style.leading, style.leading, tuple(lines), seg.column))
    return frames


def head_lines(item: Item, para: ParaStyle, style: Style, faces, x: float, top: float, height: int,
               number: int) -> list[TextLine]:
    """A head's text sits at the foot of its block of grid lines, each line on a grid baseline
    when it has the body leading, else centred in what is left."""
    face = faces[para.face]
    text_h = len(item.lines) * para.leading
    block_h = height * style.leading
    first_top = top + block_h - math.ceil(text_h / style.leading) * style.leading
    first_top += (math.ceil(text_h / style.leading) * style.leading - text_h) / 2
    out = []
    for k, line in enumerate(item.lines):
        base = baseline_in_cell(style, first_top + k * para.leading, para.size, para.leading, face)
        grid_line = number + int((base - top) // style.leading)
        out.append(text_line(line, x, base, item.block.id, item.block.kind, grid_line))
    return out


def header_frames(edition: Edition, style: Style, faces, geo: Geometry, band: Bands, name: str,
                  rules: list[Rule]) -> list[Frame]:
    """报眉: page number and section at the outer edge; the date (page 02) or the credits
    (page 03) toward the fold. Each piece is a line of its own under the id the DOCX and the
    checker use for it (furniture.section, furniture.date, furniture.credits.N)."""
    para = style.para("header")
    num_para = ParaStyle("header", style.header_number_face, style.header_number_face, style.header_number_size,
                         style.header_number_size, 0, 0, "start")
    left, right = geo.x0, geo.x0 + style.type_width
    base = band.header_rule - 6
    gap = para.size

    def piece(block_id: str, text: str, p: ParaStyle = para) -> tuple[str, Line, ParaStyle]:
        return block_id, compose_text(text, p, p.size * (len(text) + 2), faces, "edition.toml")[0], p

    outer = [piece(f"furniture.page.{name}", name, num_para), piece("furniture.section", edition.section)]
    if geo.page_index == 0:
        inner = [piece("furniture.date", f"{edition.date_text} {edition.weekday}")]
    else:
        inner = [piece(f"furniture.credits.{i + 1}", c.text) for i, c in enumerate(edition.credits)]
    # page 02 reads outward-in from the left edge, page 03 from the right edge
    if geo.page_index == 0:
        placed = side_by_side(outer, left, gap) + side_by_side(inner, right - row_width(inner, gap), gap)
    else:
        placed = side_by_side(inner, left, 2 * gap) + side_by_side(outer[::-1], right - row_width(outer, gap), gap)
    frames = []
    for block_id, line, p, x in placed:
        tl = text_line(line, x, base, block_id, "header")
        frames.append(Frame(f"{name}-{block_id}", name, "header", x, base - p.size, line.width, p.size * 1.3,
                            p.leading, (tl,)))
    rules.append(Rule(name, left, band.header_rule, right, band.header_rule, style.header_rule))
    return frames


def row_width(pieces: list[tuple[str, Line, ParaStyle]], gap: float) -> float:
    return sum(line.width for _, line, _ in pieces) + gap * (len(pieces) - 1)


def side_by_side(pieces: list[tuple[str, Line, ParaStyle]], x: float, gap: float) -> list[tuple]:
    out = []
    for block_id, line, p in pieces:
        out.append((block_id, line, p, x))
        x += line.width + gap
    return out


def headline_frames(edition: Edition, style: Style, faces, geo: Geometry, band: Bands, name: str) -> list[Frame]:
    """The 通版 headline: each part centred on the fold, split between the pages between words
    (rule 28), so nothing is drawn across the fold."""
    frames = []
    top = band.headline_top
    hl = edition.headline
    for kind, text in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)):
        if not text:
            continue
        para, left_text, right_text = fold_part(kind, text, style.para(kind), style, faces, str(hl.source))
        part = left_text if geo.page_index == 0 else right_text
        gap = para.size * 0.5
        face = faces[para.face]
        base = baseline_in_cell(style, top, para.size, para.leading, face)
        top += para.leading
        if not part:
            continue
        spans = headline_spans(part, para, faces, str(hl.source))
        width = sum(s.width for s in spans)
        x = style.page_width - gap - width if geo.page_index == 0 else gap
        start = 0 if geo.page_index == 0 else len(text) - len(right_text)
        tl = TextLine(x, base, width, spans, f"headline.{kind}", kind, start, start + len(part), True, True)
        frames.append(Frame(f"{name}-{kind}", name, "headline", x, base - para.size, width, para.leading,
                            para.leading, (tl,)))
    return frames


def track(line: Line, tracking: float):
    """Open a display line's letter-spacing by `tracking` pt per character (headline style)."""
    out = []
    x = 0.0
    for s in line.spans:
        w = s.width + tracking * len(s.text)
        out.append(replace(s, x=x, tracking=s.tracking + tracking, width=w))
        x += w
    return tuple(out)


def headline_spans(part: str, para: ParaStyle, faces, where: str):
    """A headline part (or half of one) on one line, tracked as the style sets it."""
    tracking = para.tracking_em
    lines = composed(runs_for((Run(part),), para), para.size * (len(part) * (1 + tracking) + 2), faces,
                     ComposeRules(indent_em=0, align="start"), where)
    return track(lines[0], para.size * tracking)


HEADLINE_SHRINK = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75)  # a part too long for the spread is set smaller, to ¾ at least


def fold_part(kind: str, text: str, para: ParaStyle, style: Style, faces, where: str) -> tuple[ParaStyle, str, str]:
    """The part's style and halves: at its own size if it fits across the spread, else smaller
    (its leading kept, so the band does not move), else refused in one line."""
    first = None
    for scale in HEADLINE_SHRINK:
        sized = replace(para, size=round(para.size * scale, 2))
        try:
            left, right = split_for_fold(kind, text, sized, style, faces, where)
        except PinbanError:
            continue
        if not right or text[len(left)] in SPACES or scale == 1.0:
            return sized, left, right  # whole, at the editor's own space, or at the style's size
        # a word boundary when smaller: a little smaller still may let it split at the typed space
        first = first or (sized, left, right)
    if first is not None:
        return first
    raise too_long_error(kind, text, round(para.size * HEADLINE_SHRINK[-1], 2), where, shrunk=True)


def split_for_fold(kind: str, text: str, para: ParaStyle, style: Style, faces, where: str) -> tuple[str, str]:
    """The halves of a spread-wide part for page 02 and page 03, cut between words (rule 28) where
    they balance best in the face they are set in. A part that cannot be cut stands whole on page
    02 if it fits there; one that fits neither way is refused."""
    # each half runs from half an em off the fold to the outer edge of its page's type area
    room = style.margin_inner + style.type_width - para.size * 0.5

    def width(half: str) -> float:
        return sum(s.width for s in headline_spans(half, para, faces, where))

    choice = choose_fold(text, room, room, width)
    if choice is not None:
        return choice.left, choice.right
    if width(text) <= room:
        return text, ""
    raise too_long_error(kind, text, para.size, where)


def row_frames(edition: Edition, style: Style, faces, geo: Geometry, band: Bands, rows: list[Row], name: str,
               pictures: list[Picture]) -> list[Frame]:
    frames: list[Frame] = []
    for row, cell, start, height in rects(rows, band.rows):
        if row.page != geo.page_index:
            continue
        x = geo.col_x(cell.column)
        width = geo.span_width(cell.span)
        y = band.body_top + start * style.leading
        if cell.photo is None:
            frames += intro_frame(edition, style, faces, x, y, width, cell.height, name)
        else:
            # the free pad faces the text: below a photo at the top, above one lower down; a cell a
            # line shorter than its row stands at the row's outer edge
            shift = height - cell.height if not row.at_top and not row.explicit else 0
            frames += photo_cell(cell.photo, style, faces, x, y + shift * style.leading, width, cell.height, name,
                                 pictures, pad_top=start > 0)
    return frames


def intro_frame(edition: Edition, style: Style, faces, x: float, y: float, width: float, rows: int,
                name: str) -> list[Frame]:
    intro = edition.intro
    if intro is None:
        return []
    para = style.para(INTRO)
    size, lines = fit_intro(intro, para, width, rows, style, faces)
    leading = para.leading * size / para.size
    face = faces[para.face]
    top = y  # aligned with the top of the lead photo
    out = tuple(
        text_line(line, x, baseline_in_cell(style, top + k * leading, size, leading, face), intro.id, INTRO)
        for k, line in enumerate(lines)
    )
    return [Frame(f"{name}-intro", name, "intro", x, y, width, rows * style.leading - CELL_PAD, leading, out)]


def photo_cell(photo: Photo, style: Style, faces, x: float, y: float, width: float, rows: int, name: str,
               pictures: list[Picture], pad_top: bool) -> list[Frame]:
    """Photo above its caption; the free pad faces the text: below a top row, above a foot row."""
    para = style.para("caption")
    caption = caption_lines(photo, width, style, faces)
    cap_h = len(caption) * para.leading
    img_h = rows * style.leading - CELL_PAD - cap_h - CAPTION_GAP
    if pad_top:
        y += CELL_PAD
    pixels = pixel_size(str(photo.path)) if photo.path else (0, 0)
    if photo.croppable or not pixels[0]:
        pictures.append(Picture(photo.id, name, x, y, width, img_h, str(photo.path or ""), pixels,
                                crop_box(pixels, width / img_h, photo.focus), photo.stand_in))
    else:
        # a chart or figure is shown whole, at its own aspect, fitted into the cell's width and height
        w, h = fitted(pixels, width, img_h)
        if pad_top:
            y += img_h - h  # the cell's spare height goes above, with the pad, so the caption ends at the cell foot
        pictures.append(Picture(photo.id, name, x + (width - w) / 2, y, w, h, str(photo.path), pixels,
                                (0, 0, float(pixels[0]), float(pixels[1])), photo.stand_in))
        img_h = h
    face = faces[para.face]
    cap_top = y + img_h + CAPTION_GAP
    lines = tuple(
        text_line(line, x, baseline_in_cell(style, cap_top + k * para.leading, para.size, para.leading, face),
                  f"photo.{photo.id}", "caption")
        for k, line in enumerate(caption)
    )
    return [Frame(f"{name}-cap-{photo.id}", name, "caption", x, cap_top, width, cap_h, para.leading, lines)]


def fitted(pixels: tuple[int, int], width: float, height: float) -> tuple[float, float]:
    """The largest size of the image's own aspect inside width × height."""
    ratio = pixels[0] / pixels[1]
    return (width, width / ratio) if width / ratio <= height else (height * ratio, height)


def crop_box(pixels: tuple[int, int], ratio: float, focus: tuple[float, float]) -> tuple[float, float, float, float]:
    """The largest part of the image with aspect `ratio`, centred on the focal point where it can be."""
    w, h = pixels
    if not w or not h:
        return (0, 0, 0, 0)
    if w / h > ratio:
        cw, ch = h * ratio, float(h)
    else:
        cw, ch = float(w), w / ratio
    left = min(max(focus[0] * w - cw / 2, 0), w - cw)
    top = min(max(focus[1] * h - ch / 2, 0), h - ch)
    return (round(left, 2), round(top, 2), round(cw, 2), round(ch, 2))
