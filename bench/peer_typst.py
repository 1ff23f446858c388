"""The peer: the sample edition typeset by Typst in an equivalent two-page, eight-column document.

The .typ source is generated from the edition (pipeline.sources.load_edition) and the house
style: broadsheet pages, the style's margins and columns, 9 pt Noto Serif CJK SC on 14 pt
leading with 2-em indents, the headline split at the fold, the intro in LXGW WenKai, the section
and subsection heads, and each photo embedded at the size pinban gave it (from the display
list; Typst crops it to cover the box) with its caption beneath. Rows of photos become page-wide floats at the top or the
foot of their page. All text goes in as Typst string literals, so no markup character in the
sources can change the document.

    python bench/peer_typst.py [EDITION] [-o OUT.typ]   writes the source and compiles it once
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.display import DisplayList
from pipeline.model import BODY, INTRO, SECTION, SUBSECTION, Block, Edition
from pipeline.style import Style

FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai")


@dataclass(frozen=True)
class PeerResult:
    times: list[float]  # seconds per compile, each in a fresh process
    pages: int
    pdf_bytes: int
    error: str = ""


# --- the Typst source -------------------------------------------------------------------------


def lit(text: str) -> str:
    """A Typst string literal: only the backslash and the quote need escaping."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def typ_source(edition: Edition, style: Style, display: DisplayList | None = None) -> str:
    groups = photo_groups(display, edition, style) if display else {}
    page2_at = first_block_on(display, 1) if display else ""
    parts = [preamble(edition, style), page_floats(edition, style, 0, groups.get(0, {}))]
    if edition.intro is not None and not display:
        parts.append(block_source(edition.intro, style))
    for block in edition.report:
        if block.id == page2_at:
            parts.append(page_floats(edition, style, 1, groups.get(1, {})))
            page2_at = ""
        parts.append(block_source(block, style))
    if page2_at or not display:
        parts.append(page_floats(edition, style, 1, groups.get(1, {})))
    return "\n\n".join(parts) + "\n"


def preamble(edition: Edition, style: Style) -> str:
    body = style.para("body")
    outside = style.page_width - style.margin_inner - style.type_width
    gap = style.leading - style.body_size
    header = header_source(edition, style)
    return f"""#set document(title: {lit(edition.headline.title)}, date: none)
#set page(width: {style.page_width:.3f}pt, height: {style.page_height:.3f}pt, binding: right,
  margin: (top: {style.margin_top + 3 * style.leading:.3f}pt, bottom: {style.margin_bottom:.3f}pt,
           inside: {style.margin_inner:.3f}pt, outside: {outside:.3f}pt),
  columns: {style.columns}, header: {header})
#set columns(gutter: {style.gutter:.3f}pt)
#set text(font: {lit(style.face(body.face).family)}, size: {style.body_size:g}pt, lang: "zh", region: "cn",
  top-edge: 1em, bottom-edge: "baseline")
#set par(justify: true, leading: {gap:.3f}pt, spacing: {gap:.3f}pt,
  first-line-indent: (amount: {body.indent_em:g}em, all: true))
#show strong: set text(font: {lit(style.face(body.bold_face).family)}, weight: {style.face(body.bold_face).weight})"""


def header_source(edition: Edition, style: Style) -> str:
    para = style.para("header")
    sans = lit(style.face(para.face).family)
    date = lit(f"{edition.date_text} {edition.weekday}")
    credits = lit("  ".join(c.text for c in edition.credits))
    pages = f"({lit(edition.pages[0])}, {lit(edition.pages[1])})"
    return (f"context {{ let n = counter(page).get().first(); set text(font: {sans}, size: {para.size:g}pt); "
            f"let num = text(size: {style.header_number_size:g}pt, weight: \"bold\", {pages}.at(calc.min(n, 2) - 1)); "
            f"grid(columns: (auto, 1fr, auto), column-gutter: 1em, "
            f"..if n == 1 {{ (num, {lit(edition.section)}, {date}) }} "
            f"else {{ ({credits}, {lit(edition.section)}, num) }}); "
            f"line(length: 100%, stroke: {style.header_rule:g}pt) }}")


def headline_float(edition: Edition, style: Style, page: int) -> str:
    """The headline's half for one page, set against the fold (as pinban splits it)."""
    hl = edition.headline
    align = "right" if page == 0 else "left"
    lines = []
    for kind, text in (("kicker", hl.kicker), ("title", hl.title), ("subtitle", hl.subtitle)):
        if not text:
            continue
        para = style.para(kind)
        half = fold_halves(kind, text, para, style)[page]
        face = style.face(para.face)
        lines.append(f"text(font: {lit(face.family)}, weight: {face.weight}, size: {para.size:g}pt, "
                     f"tracking: {para.tracking_em:g}em, {lit(half)})")
    body = ", ".join(lines)
    return (f"#place(top + {align}, scope: \"parent\", float: true, clearance: {style.leading:g}pt,\n"
            f"  block(width: 100%, align({align}, stack(spacing: {style.leading / 2:g}pt, {body}))))")


def fold_halves(kind: str, text: str, para, style: Style) -> tuple[str, str]:
    """The halves pinban sets either side of the fold, in the faces it sets them in."""
    try:
        from pipeline.fonts import load_face
        from pipeline.layout.page import split_for_fold

        faces = {f.key: load_face(f.key, f.family, f.weight) for f in style.faces}
        return split_for_fold(kind, text, para, style, faces, "headline")
    except ImportError:
        mid = len(text) // 2
        return text[:mid], text[mid:]


def block_source(block: Block, style: Style) -> str:
    if block.kind in (SECTION, SUBSECTION):
        para = style.para(block.kind)
        face = style.face(para.face)
        pad = max(para.lines - 1, 0) * style.leading + para.size - style.body_size
        where = "center" if para.align == "center" else "left"
        return (f"#block(width: 100%, sticky: true, above: {style.leading - style.body_size:g}pt, "
                f"inset: (top: {pad:g}pt), align({where}, text(font: {lit(face.family)}, weight: {face.weight}, "
                f"size: {para.size:g}pt, {lit(block.text)})))")
    if block.kind in (BODY, INTRO):
        return "".join(f"#strong({lit(r.text)})" if r.bold else f"#{lit(r.text)}" for r in block.runs)
    return ""


# --- photos in page-wide floats --------------------------------------------------------------


PHOTOS = "photos"  # beside the .typ source


def photo_name(src: str) -> str:
    return f"{PHOTOS}/{Path(src).name}"


def copy_photos(display: DisplayList | None, folder: Path) -> None:
    """The photos where the .typ source names them (Typst reads files under its root only)."""
    import shutil

    (folder / PHOTOS).mkdir(parents=True, exist_ok=True)
    for page in display.pages if display else ():
        for p in page.pictures:
            if p.src:
                shutil.copyfile(p.src, folder / photo_name(p.src))


@dataclass(frozen=True)
class Cell:
    """A box pinban placed (photo with caption, or the intro), in pt on the page."""

    x: float
    y: float
    width: float
    height: float  # of the placeholder; 0 for the intro
    bottom: float  # of the caption (or the intro text)
    text: str
    kind: str  # caption | intro
    src: str = ""  # the photo file, relative to the .typ source; "" for a missing photo


def photo_groups(display: DisplayList, edition: Edition, style: Style) -> dict[int, dict[str, list[Cell]]]:
    """Per page index, the cells in the upper and the lower half of the page."""
    captions = {p.id: p.caption for p in edition.photos}
    out: dict[int, dict[str, list[Cell]]] = {}
    for page in display.pages:
        bottoms = {f.id.rsplit("cap-", 1)[-1]: f.y + f.height for f in page.frames if f.kind == "caption"}
        cells = [Cell(p.x, p.y, p.width, p.height, bottoms.get(p.photo_id, p.y + p.height),
                      captions.get(p.photo_id, ""), "caption", photo_name(p.src) if p.src else "")
                 for p in page.pictures]
        cells += [Cell(f.x, f.y, f.width, 0, f.y + f.height, edition.intro.text, "intro")
                  for f in page.frames if f.kind == "intro" and edition.intro is not None]
        groups: dict[str, list[Cell]] = defaultdict(list)
        for cell in cells:
            groups["top" if cell.y < style.page_height / 2 else "bottom"].append(cell)
        out[page.index] = groups
    return out


def first_block_on(display: DisplayList, index: int) -> str:
    for frame in display.pages[index].frames:
        if frame.kind == "column" and frame.lines:
            return frame.lines[0].block_id
    return ""


def page_floats(edition: Edition, style: Style, index: int, groups: dict[str, list[Cell]]) -> str:
    parts = [headline_float(edition, style, index)]
    x0 = style.page_width - style.margin_inner - style.type_width if index == 0 else style.margin_inner
    parts += [group_float(style, where, cells, x0) for where, cells in sorted(groups.items()) if cells]
    return "\n\n".join(parts)


def group_float(style: Style, where: str, cells: list[Cell], x0: float) -> str:
    """One page-wide float holding the cells at pinban's positions."""
    top = min(c.y for c in cells)
    height = max(c.bottom for c in cells) - top
    placed = "\n  ".join(f"place(dx: {c.x - x0:.3f}pt, dy: {c.y - top:.3f}pt, {cell_source(c, style)})"
                         for c in cells)
    return (f"#place({where}, scope: \"parent\", float: true, clearance: {style.leading:g}pt,\n"
            f"  block(width: 100%, height: {height:.3f}pt, {{\n  {placed}\n  }}))")


def cell_source(cell: Cell, style: Style) -> str:
    para = style.para(INTRO if cell.kind == "intro" else "caption")
    face = style.face(para.face)
    setup = (f"set text(font: {lit(face.family)}, size: {para.size:g}pt); "
             f"set par(leading: {para.leading - para.size:.3f}pt, justify: true, "
             f"first-line-indent: (amount: {para.indent_em:g}em, all: true)); ")
    photo = ""
    if cell.kind == "caption":
        box = (f"image({lit(cell.src)}, width: 100%, height: {cell.height:.3f}pt, fit: \"cover\")" if cell.src else
               f"rect(width: 100%, height: {cell.height:.3f}pt, fill: luma(221), stroke: none)")
        photo = f"{box}; v({para.leading - para.size:.3f}pt, weak: true); "
    return f"block(width: {cell.width:.3f}pt, {{ {setup}{photo}par({lit(cell.text)}) }})"


# --- fonts and compiling ----------------------------------------------------------------------


def font_dirs(families: tuple[str, ...] = FAMILIES) -> list[str]:
    """The folders of the font files fontconfig picks for the families (Typst needs files)."""
    dirs: list[str] = []
    for family in families:
        for weight in ("regular", "bold"):
            try:
                done = subprocess.run(["fc-match", "-f", "%{file}", f"{family}:{weight}"],
                                      capture_output=True, text=True, check=False)
            except OSError:  # no fontconfig tools: Typst then finds no CJK font and says so
                return dirs
            folder = str(Path(done.stdout.strip()).parent) if done.stdout.strip() else ""
            if folder and folder not in dirs:
                dirs.append(folder)
    return dirs


def missing_families(dirs: list[str]) -> list[str]:
    import typst

    found = set(typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=dirs).families())
    return [f for f in FAMILIES if f not in found]


COMPILE_ONCE = """
import sys, time, typst
src, out, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = time.perf_counter()
typst.compile(src, output=out, font_paths=dirs, ignore_system_fonts=True, timestamp=0)
print(time.perf_counter() - t0)
"""


def compile_fresh(source: Path, pdf: Path, dirs: list[str]) -> float:
    """One compile in a fresh process, so no memoised layout from a previous run is reused;
    returns the whole process's wall time (interpreter start and font scanning included), as
    `pinban pdf` is timed."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", COMPILE_ONCE, str(source), str(pdf), *dirs],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(last_line(done.stderr))
    return seconds


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def pdf_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def prepared_peer(edition: Edition, style: Style, display: DisplayList | None, work: Path
                  ) -> tuple[Callable[[], float] | None, str]:
    """A function that compiles the peer document once in a fresh process and returns its
    seconds, or None and why the peer cannot run here."""
    try:
        import typst  # noqa: F401
    except ImportError as exc:
        return None, f"the typst package is not importable ({exc}); pip install -e '.[bench]'"
    source, pdf = work / "peer.typ", work / "peer.pdf"
    work.mkdir(parents=True, exist_ok=True)
    source.write_text(typ_source(edition, style, display), encoding="utf-8")
    copy_photos(display, work)
    dirs = font_dirs()
    missing = missing_families(dirs)
    if missing:
        return None, f"Typst finds no {', '.join(missing)} in the font folders {dirs or '(none)'}"
    return lambda: compile_fresh(source, pdf, dirs), ""


def run_peer(edition: Edition, style: Style, display: DisplayList | None, runs: int, work: Path) -> PeerResult:
    compile_once, error = prepared_peer(edition, style, display, work)
    if compile_once is None:
        return PeerResult([], 0, 0, error)
    try:
        times = [compile_once() for _ in range(runs)]
    except (RuntimeError, ValueError) as exc:
        return PeerResult([], 0, 0, f"typst failed: {exc}")
    pdf = work / "peer.pdf"
    return PeerResult(times, pdf_pages(pdf), pdf.stat().st_size)


def main() -> None:
    from pipeline.build import prepare
    from pipeline.layout import lay_out

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", nargs="?")
    parser.add_argument("-o", "--out", type=Path, help="where to write the .typ source (and the PDF beside it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        job = prepare(args.edition, tmp)
        display = lay_out(job.edition, job.style, job.faces)
        target = args.out or Path(tmp) / "peer.typ"
        target.write_text(typ_source(job.edition, job.style, display), encoding="utf-8")
        copy_photos(display, target.parent)
        t0 = time.perf_counter()
        seconds = compile_fresh(target, target.with_suffix(".pdf"), font_dirs())
        total = time.perf_counter() - t0
        pages = pdf_pages(target.with_suffix(".pdf"))
    where = f" -> {target}" if args.out else ""
    print(f"typst, fresh process: {seconds:.2f} s ({total:.2f} s measured from here), {pages} pages{where}")


if __name__ == "__main__":
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    main()
