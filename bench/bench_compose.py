"""Benchmark of the composer on the sample edition's body text (not a timed test).

Composes every body paragraph of the sample report (intro, paragraphs with bold run-in leads,
（一）-style subsection heads) at 9 pt in an 11-em (99 pt) measure, after one warm-up pass,
and prints the median of 20 passes (the composer caches each paragraph's measure-independent
preparation, as the copyfit loop recomposes the same paragraphs), the same with those caches
cleared, the line count and the typography counts (all must be 0; exit 1 otherwise).

    python bench/bench_compose.py [REPORT.md]

If the `typst` package is installed (the `bench` extra), the same paragraphs are also set by
Typst at the same size and measure and its PDF is read back with pypdfium2 for the same counts,
as the reference to beat (typography.md). A line's right edge there is the last character's
origin plus its advance, or plus half an em for a closing or stop mark (rule 8).
"""

from __future__ import annotations

import ctypes
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.compose import ComposeRules, TextRun, check_lines, compose
from pipeline.compose import prepare as composer
from pipeline.compose.chars import CLOSING, NO_END, NO_START, STOPS
from pipeline.fonts import load_face

REPORT = ROOT / "sources" / "2025-01-07-fengtai-lianghui" / "report.md"
SIZE, MEASURE = 9.0, 99.0
BODY = ComposeRules()
HEAD = ComposeRules(indent_em=0)
_LEAD = re.compile(r"^\*\*(.+?)\*\*")


def paragraphs(path: Path) -> list[tuple[list[TextRun], ComposeRules, str]]:
    """(runs, rules, where) for each body paragraph; '#' display heads are not body text."""
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        if line.startswith("## "):
            out.append(([TextRun(line[3:].strip(), "sans-bold", SIZE)], HEAD, where))
            continue
        line = line.removeprefix(">").strip()
        runs = []
        lead = _LEAD.match(line)
        if lead:
            runs.append(TextRun(lead.group(1), "serif-bold", SIZE))
            line = line[lead.end():]
        runs.append(TextRun(line.replace("**", ""), "serif", SIZE))
        out.append((runs, BODY, where))
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPORT
    faces = {k: load_face(k, fam, w) for k, fam, w in (
        ("serif", "Noto Serif CJK SC", 400), ("serif-bold", "Noto Serif CJK SC", 700),
        ("sans-bold", "Noto Sans CJK SC", 700))}
    paras = paragraphs(path)

    def run() -> list:
        return [compose(runs, MEASURE, faces, rules, where) for runs, rules, where in paras]

    t0 = time.perf_counter()
    composed = run()
    cold = (time.perf_counter() - t0) * 1000
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    # the same without the per-run and per-paragraph preparation caches (glyph widths stay
    # cached in the faces): what a paragraph the composer has not seen costs
    fresh = []
    for _ in range(20):
        composer.RUN_CACHE.clear()
        composer.PARAGRAPH_CACHE.clear()
        t0 = time.perf_counter()
        run()
        fresh.append((time.perf_counter() - t0) * 1000)
    lines = [line for para in composed for line in para]
    full = [line for line in lines if not line.last]
    counts: dict[str, int] = {}
    max_gap = 0.0
    for (runs, rules, _), para in zip(paras, composed):
        found, gap = check_lines(runs, para, MEASURE, faces, rules)
        max_gap = max(max_gap, gap)
        for kind, _detail in found:
            counts[kind] = counts.get(kind, 0) + 1
    chars = sum(len(r.text) for runs, _, _ in paras for r in runs)
    print(f"{len(paras)} paragraphs, {chars} characters, {SIZE:g} pt in {MEASURE:g} pt (11 em)")
    print(f"median {statistics.median(times):.1f} ms (min {min(times):.1f}) over 20 runs; "
          f"{len(lines)} lines, {len(full)} full lines")
    print(f"  unseen paragraphs (preparation not cached): median {statistics.median(fresh):.1f} ms; "
          f"first pass in a fresh process (shaping every glyph): {cold:.1f} ms")
    flush = sum(1 for line in full if abs(line.width - MEASURE) <= 0.01)
    print(f"full lines flush within 0.01 pt: {flush} of {len(full)}")
    print(f"max widening per gap: {max_gap:.3f} em")
    for kind in ("line-start", "line-end", "split-unit", "non-flush", "gap", "pair", "lone-char",
                 "indent", "text"):
        print(f"  {kind:11s} {counts.get(kind, 0)}")
    typst_reference(paras, faces)
    if any(counts.values()):
        sys.exit(1)


# --- the Typst reference -------------------------------------------------------------------------


def _typst_escape(text: str) -> str:
    return re.sub(r'([\\*_#\[\]$`<>@~"\'])', r"\\\1", text)


def typst_source(paras: list[tuple[list[TextRun], ComposeRules, str]], faces: dict) -> str:
    margin = 10
    head = (f"#set page(width: {MEASURE + 2 * margin}pt, height: auto, margin: {margin}pt)\n"
            f'#set text(font: "{faces["serif"].family}", size: {SIZE}pt, lang: "zh", region: "cn")\n'
            "#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 5pt, spacing: 5pt)\n")
    parts = []
    for runs, rules, _ in paras:
        if rules.indent_em == 0:
            parts.append(f'#block[#set par(first-line-indent: 0pt); #text(font: "{faces["sans-bold"].family}", '
                         f'weight: "bold")[{_typst_escape(runs[0].text)}]]')
            continue
        parts.append("".join(f"#strong[{_typst_escape(r.text)}]" if r.face == "serif-bold" else _typst_escape(r.text)
                             for r in runs))
    return head + "\n\n".join(parts)


def _pdf_lines(pdf_bytes: bytes) -> list[list[tuple[str, float, float]]]:
    """(char, origin x, advance) per line, read back with pypdfium2, lines top to bottom."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    rows: dict[tuple[int, float], list[tuple[str, float, float]]] = {}
    for n, page in enumerate(pdfium.PdfDocument(pdf_bytes)):
        text = page.get_textpage()
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            if ch in "\r\n" or raw.FPDFText_IsGenerated(text.raw, i):
                continue
            x, y = ctypes.c_double(), ctypes.c_double()
            raw.FPDFText_GetCharOrigin(text.raw, i, x, y)
            box = raw.FS_RECTF()
            raw.FPDFText_GetLooseCharBox(text.raw, i, box)
            rows.setdefault((n, -round(y.value, 1)), []).append((ch, x.value, box.right - box.left))
    return [rows[k] for k in sorted(rows)]


def typst_reference(paras: list[tuple[list[TextRun], ComposeRules, str]], faces: dict) -> None:
    try:
        import typst
    except ImportError:
        print("typst not installed (pip install .[bench]): no reference run")
        return
    t0 = time.perf_counter()
    pdf = typst.compile(typst_source(paras, faces).encode(), format="pdf")
    ms = (time.perf_counter() - t0) * 1000
    left, right = 10.0, 10.0 + MEASURE
    lines = _pdf_lines(pdf)
    start = end = full = flush05 = flush01 = 0
    for i, line in enumerate(lines):
        text = "".join(c for c, _, _ in line)
        start += i > 0 and text[0] in NO_START
        end += text[-1] in NO_END
        ch, x, advance = line[-1]
        edge = x + (SIZE / 2 if ch in CLOSING | STOPS else advance)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        # a paragraph's last line: short, or followed by an indented line or none
        if nxt is None or nxt[0][1] - left > 1.5 * SIZE or edge < right - 1.5 * SIZE:
            continue
        full += 1
        flush05 += abs(edge - right) <= 0.5
        flush01 += abs(edge - right) <= 0.1
    print(f"Typst {typst.__version__} on the same text (compile {ms:.0f} ms, PDF read back): {len(lines)} lines, "
          f"{full} full lines, flush within 0.5 pt: {flush05}, within 0.1 pt: {flush01}; "
          f"line-start {start}, line-end {end}")


if __name__ == "__main__":
    main()
