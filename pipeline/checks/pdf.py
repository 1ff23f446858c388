"""Checks of the drawn PDF, read back: every character there and in order, fonts embedded, the typography audit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..messages import BUG, N_, UNREADABLE_PDF, finding
from ..model import Edition, Finding
from ..style import Style

if TYPE_CHECKING:  # the display list pulls in the composer; only types are needed here
    from ..display import DisplayList
    from .shaping import Shaper
from .layout import line_finding, source_texts, squash


def audit_pdf(pdf: Path, display: DisplayList, edition: Edition, style: Style,
              faces: Mapping[str, Shaper] | None = None) -> list[Finding]:
    """`faces` (the house style's, as loaded) let the typography audit measure spacing against
    shaped advances: without them kerned and proportional pairs read as spaced out."""
    from .audit import SUMMARY, audit_typography
    from .readback import read_chars
    from .shaping import FontMetrics

    try:
        chars = read_chars(pdf)  # read once: the fidelity checks and the typography audit share it
        fonts = pdf_fonts(pdf)
    except Exception as exc:  # noqa: BLE001 — an unreadable PDF is itself the finding
        return [finding("error", "pdf-unreadable", UNREADABLE_PDF, pdf.name, BUG, {"reason": str(exc)})]
    pages = ["".join(c.text for c in page) for page in chars]
    typography = audit_typography(pdf, display, chars, FontMetrics(faces) if faces else None)
    summary = finding("info", "pdf-typography", SUMMARY, pdf.name, args=typography.counts())
    return (fidelity_findings(pages, display) + reading_order_findings(pages, display, edition)
            + font_findings(fonts, style) + typography.findings() + [summary])


def pdf_text(pdf: Path) -> list[str]:
    """Each page's drawn text in content-stream order."""
    from .readback import read_chars

    return ["".join(c.text for c in page) for page in read_chars(pdf)]


def fidelity_findings(pages: list[str], display: DisplayList) -> list[Finding]:
    """Every drawn line of the display list is found in the PDF text, in order within its frame.

    Lines are searched as whole strings (whitespace ignored) after the previous line of the same
    frame: a line found only earlier is out of order; a line not found was not drawn as text."""
    text = squash("".join(pages))
    out: list[Finding] = []
    for page in display.pages:
        for frame in page.frames:
            pos = 0
            for i, line in enumerate(frame.lines):
                want = squash(line.text)
                if not want:
                    continue
                at = text.find(want, pos)
                if at >= 0:
                    pos = at + len(want)
                    continue
                anywhere = text.find(want)
                code, what = (("pdf-order", N_("“{text}” is out of order in the PDF text")) if anywhere >= 0 else
                              ("pdf-missing-text", N_("“{text}” is missing from the PDF text")))
                out.append(line_finding("error", code, what, BUG,
                                        page.name, frame, line, i, text=line.text))
                if anywhere >= 0:
                    pos = anywhere + len(want)
    return out


def reading_order_findings(pages: list[str], display: DisplayList, edition: Edition) -> list[Finding]:
    """End to end, without the display list: the report's characters (intro, heads, paragraphs)
    appear in the PDF text in source order, and each caption and headline part somewhere.

    A subsequence test, so whatever else the page holds between them (captions between columns,
    line numbers) does no harm; text counted as overset is left out, it is reported already."""
    text = squash("".join(pages))
    overset = set(display.overset.blocks) if display.overset else set()
    overset |= {f"photo.{pid}" for pid in display.left_out}  # optional photos left out, noted by the layout
    out: list[Finding] = []
    pos = 0
    for block in edition.blocks:
        if block.id in overset:
            continue
        end = subsequence_end(text, squash(block.text), pos)
        if end < 0:
            out.append(finding("error", "pdf-reading-order", N_("the text of “{text}…” is not in the PDF in reading order"),
                               str(block.source), BUG, {"text": block.text[:16]}, block_id=block.id))
            continue
        pos = end
    for block_id, part in source_texts(edition).items():
        if not block_id.startswith("b") and block_id not in overset and subsequence_end(text, squash(part), 0) < 0:
            out.append(finding("error", "pdf-missing-text", N_("“{text}…” is not in the PDF"), "edition.toml", BUG,
                               {"text": part[:16]}, block_id=block_id))
    return out


def subsequence_end(text: str, want: str, pos: int) -> int:
    """Where `want` ends when its characters are found in order in `text` from `pos`; -1 if not."""
    for ch in want:
        pos = text.find(ch, pos)
        if pos < 0:
            return -1
        pos += 1
    return pos


def pdf_fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of every page, forms included."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        collect_fonts(page.get("/Resources"), fonts, depth=0)
    return sorted(fonts.items())


def collect_fonts(resources: Any, fonts: dict[str, bool], depth: int) -> None:
    resources = resources.get_object() if resources is not None else None
    if not resources or depth > 8:
        return
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        name = str(font.get("/BaseFont", "?")).lstrip("/").split("+")[-1]
        fonts[name] = fonts.get(name, False) or font_embedded(font)
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            collect_fonts(xobject.get("/Resources"), fonts, depth + 1)


def font_embedded(font: Any) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are drawn by the PDF itself
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    desc = font.get("/FontDescriptor")
    desc = desc.get_object() if desc is not None else {}
    return any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def font_findings(fonts: list[tuple[str, bool]], style: Style) -> list[Finding]:
    families = [re.sub(r"[^a-z0-9]", "", f.family.lower()) for f in style.faces]
    out = []
    for name, embedded in fonts:
        if not embedded:
            out.append(finding("error", "font-not-embedded", N_("font {font} is not embedded in the PDF"), "spread.pdf",
                               N_("the plant would substitute it: this is a pinban bug, please report it"), {"font": name}))
        flat = re.sub(r"[^a-z0-9]", "", name.lower())
        if not any(flat.startswith(f) for f in families):
            out.append(finding("warning", "font-fallback", N_("the PDF uses {font}, which is not a house-style face"),
                               "spread.pdf", N_("some characters fell back to another font: see glyph-missing findings"),
                               {"font": name}))
    return out
