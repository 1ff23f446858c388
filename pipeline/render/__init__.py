"""Draw the display list: generated HTML + CSS → WeasyPrint → PDF; pypdfium2 → PNG preview."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..display import DisplayList
from ..fonts import Face
from ..project import write_atomic
from ..style import Style
from .html import display_time, pages_html
from .pdf import draw_pdfs, output_paths
from .press import press_display
from .preview import preview_png
from .worker import RenderWorker


def render_outputs(display: DisplayList, style: Style, out: Path, faces: dict[str, Face] | None = None,
                   created: dt.datetime | None = None) -> list[Path]:
    """spread.pdf, pages.pdf and spread.png into `out`; returns their paths."""
    from ..fonts import load_face

    faces = faces or {f.key: load_face(f.key, f.family, f.weight) for f in style.faces}
    plant = press_display(display, style.press)  # the photos as the plant gets them
    document = pages_html(plant, style, faces, created or display_time(display))
    spread = draw_pdfs(document, display, style, out)
    write_atomic(out / "spread.png", preview_png(spread))
    return output_paths(out)


__all__ = ["RenderWorker", "draw_pdfs", "output_paths", "render_outputs"]
