"""The display list as HTML + CSS for WeasyPrint.

Lines arrive composed: every span is drawn at its x with the letter-spacing and features the
composer measured, so WeasyPrint only places glyphs. Consecutive lines on one leading share a
block (`white-space: pre`, one line per text line): fewer boxes are much faster to lay out.
"""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import quote

from ..compose.chars import OPENING, word_char
from ..display import DisplayList, Frame, Page, Picture, TextLine
from ..fonts import Face
from ..project import build_time
from ..style import Style

MISSING_PHOTO = "缺图"


def display_time(display: DisplayList) -> dt.datetime:
    return build_time(dt.date.fromisoformat(display.date) if display.date else None)


def head(display: DisplayList, style: Style, faces: dict[str, Face], when: dt.datetime, page_css: str) -> str:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    face_css = "\n".join(
        f".f-{key}{{font-family:'{esc(f.family)}';font-weight:{f.weight};font-style:normal}}" for key, f in faces.items()
    )
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{esc(display.title)}</title>
<meta name="generator" content="pinban">
<meta name="dcterms.created" content="{stamp}"><meta name="dcterms.modified" content="{stamp}">
<style>
{page_css}
html,body{{margin:0;padding:0}}
.page{{position:relative;width:{style.page_width:.3f}pt;height:{style.page_height:.3f}pt;overflow:hidden}}
.b{{position:absolute;white-space:pre;margin:0;font-kerning:normal;font-variant-ligatures:none}}
.g{{display:inline-block}}
.pic{{position:absolute;overflow:hidden;background:#ddd}}
.pic img{{position:absolute;display:block}}
.ph{{position:absolute;border:1pt solid #c00;background:#f4f4f4;color:#c00;font:14pt 'Noto Sans CJK SC';
     display:flex;align-items:center;justify-content:center}}
.rule{{position:absolute;background:#000}}
{face_css}
</style></head><body>"""


def pages_html(display: DisplayList, style: Style, faces: dict[str, Face], when: dt.datetime) -> str:
    # WeasyPrint draws crop marks inside the bleed area, offset from the trim by about half of it:
    # a wide "bleed" here is the slug that holds the marks clear of the real 3 mm bleed, whose
    # box set_bleed_box then records.
    slug = max(style.bleed * 4, 34.0)
    css = (f"@page{{size:{style.page_width:.3f}pt {style.page_height:.3f}pt;margin:0;bleed:{slug:.3f}pt;marks:crop}}\n"
           ".page{page-break-after:always}.page:last-child{page-break-after:auto}")
    body = "".join(page_html(p, style, faces) for p in display.pages)
    return head(display, style, faces, when, css) + body + "</body></html>"


def page_html(page: Page, style: Style, faces: dict[str, Face]) -> str:
    parts = [f'<div class="page" id="p{esc(page.name)}">']
    parts += [picture_html(p) for p in page.pictures]
    parts += [
        f'<div class="rule" style="left:{r.x1:.3f}pt;top:{r.y1 - r.weight / 2:.3f}pt;'
        f'width:{r.x2 - r.x1:.3f}pt;height:{max(r.weight, r.y2 - r.y1):.3f}pt"></div>'
        for r in page.rules
    ]
    parts += [frame_html(f, faces) for f in page.frames]  # frames come in reading order
    parts.append("</div>")
    return "".join(parts)


PHOTO_SCHEME = "pinban-photo:"


def photo_url(p: Picture) -> str:
    """A photo's name in the HTML: by its id, not its path, because WeasyPrint names each image in
    the PDF after its URL — a path would make the bytes depend on the folder the edition is in."""
    return PHOTO_SCHEME + quote(p.photo_id, safe="")


def picture_html(p: Picture) -> str:
    box = f"left:{p.x:.3f}pt;top:{p.y:.3f}pt;width:{p.width:.3f}pt;height:{p.height:.3f}pt"
    if not p.src or not p.pixels[0]:
        return f'<div class="ph" style="{box}">{MISSING_PHOTO} {esc(p.photo_id)}</div>'
    cl, ct, cw, _ch = p.crop
    scale = p.width / cw
    img = (f"left:{-cl * scale:.3f}pt;top:{-ct * scale:.3f}pt;"
           f"width:{p.pixels[0] * scale:.3f}pt;height:{p.pixels[1] * scale:.3f}pt")
    return f'<div class="pic" style="{box}"><img src="{esc(photo_url(p))}" alt="{esc(p.photo_id)}" style="{img}"></div>'


def frame_html(frame: Frame, faces: dict[str, Face]) -> str:
    return "".join(block_html(group, faces) for group in line_groups(frame.lines))


def line_groups(lines: tuple[TextLine, ...]) -> list[list[TextLine]]:
    """Consecutive lines with one leading, one x and one main font share a block."""
    groups: list[list[TextLine]] = []
    for line in lines:
        if not line.spans:
            continue
        if groups:
            prev = groups[-1]
            step = line.baseline - prev[-1].baseline
            same_step = len(prev) == 1 or abs(step - (prev[-1].baseline - prev[-2].baseline)) < 0.01
            if (abs(line.x - prev[0].x) < 0.01 and same_step and step > 0
                    and main_font(line) == main_font(prev[0])):
                prev.append(line)
                continue
        groups.append([line])
    return groups


def main_font(line: TextLine) -> tuple[str, float]:
    s = line.spans[0]
    return (s.face, s.size)


def block_html(group: list[TextLine], faces: dict[str, Face]) -> str:
    first = group[0]
    face_key, size = main_font(first)
    face = faces[face_key]
    leading = group[1].baseline - first.baseline if len(group) > 1 else size * 1.5
    asc, desc = face.ascender, abs(face.descender)
    # In a CSS line box the baseline sits (L + (A - D)·S) / 2 below the line's top.
    top = first.baseline - (leading + (asc - desc) * size) / 2
    text = "\n".join(line_html(line, face_key, size) for line in group)
    # an explicit width spares WeasyPrint measuring every line again to size the block
    width = max(line.measure for line in group)
    return (f'<div class="b f-{face_key}" style="left:{first.x:.3f}pt;top:{top:.3f}pt;width:{width:.3f}pt;'
            f'font-size:{size:.3f}pt;line-height:{leading:.3f}pt">{text}</div>')


def line_html(line: TextLine, face: str = "", size: float = 0.0) -> str:
    """A line's spans; a span in the block's own face and size with nothing else to say is
    written as bare text (fewer elements: WeasyPrint parses, styles and lays out less)."""
    out = []
    pen = 0.0
    for span in line.spans:
        if not span.text:
            continue      # a spacer: the next span's gap draws it
        gap = span.x - pen
        style = []
        if abs(span.size - size) > 1e-6:
            style.append(f"font-size:{span.size:.3f}pt")
        lead = 0.0  # a negative gap: the span starts left of where the previous one ended
        if gap > 0.001:
            out.append(f'<span class="g" style="width:{gap:.3f}pt"></span>')
        elif gap < -0.001:
            lead = gap
        if span.tracking:
            style.append(f"letter-spacing:{span.tracking:.4f}pt")
        if span.features:
            feats = ",".join(f"'{esc(f)}'" for f in span.features)
            style.append(f"font-feature-settings:{feats}")
        cls = f' class="f-{span.face}"' if span.face != face else ""
        for n, (part, nudge) in enumerate(halt_parts(span.text, span.size, span.features)):
            margins = margin_css((lead if n == 0 else 0.0) + nudge, -nudge)
            css = ";".join(style) + margins
            # a Latin word or number is drawn as a text box of its own, shaped alone as the
            # composer measured it (joined to the text before, its digits would take that script)
            if not cls and not css and not any(word_char(c) for c in part):
                out.append(esc(part))
            else:
                attr = f' style="{css.lstrip(";")}"' if css else ""
                out.append(f"<span{cls}{attr}>{esc(part)}</span>")
        pen = span.x + span.width
    return "".join(out)


def margin_css(left: float, right: float) -> str:
    css = f";margin-left:{left:.4f}pt" if abs(left) > 1e-6 else ""
    return css + (f";margin-right:{right:.4f}pt" if abs(right) > 1e-6 else "")


OPENING_MARKS = OPENING  # the composer's opening marks: the ones it may set with halt


# WeasyPrint 70 draws a glyph's HarfBuzz x-offset 1024/1000 too large: a half-width (halt)
# opening mark, whose glyph is offset half an em, lands 0.012 em left of its place. Inline
# margins move it back without moving what follows or changing the drawing order
# (position:relative would paint the mark after everything else and scramble copied text).
HALT_OFFSET_FIX_EM = 0.5 * 24 / 1000


def halt_parts(text: str, size: float, features: tuple[str, ...]) -> list[tuple[str, float]]:
    """The span's text in pieces with the nudge (pt) each needs: opening marks set with `halt`."""
    if "halt" not in features or not OPENING_MARKS.intersection(text):
        return [(text, 0.0)]
    nudge = HALT_OFFSET_FIX_EM * size
    parts: list[tuple[str, float]] = []
    for ch in text:
        extra = nudge if ch in OPENING_MARKS else 0.0
        # an opening mark right after a half-width mark (，《 ”“) stays in that mark's box: the two
        # glyphs share one pen position, and PDF readers read two boxes there in either order
        if extra and parts and not parts[-1][1] and not parts[-1][0][-1].isalnum() and parts[-1][0][-1] not in OPENING_MARKS:
            extra = 0.0
        if parts and parts[-1][1] == extra == 0.0:
            parts[-1] = (parts[-1][0] + ch, 0.0)
        else:
            parts.append((ch, extra))
    return parts


def esc(text: str) -> str:
    return html.escape(text, quote=True)
