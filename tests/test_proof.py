"""The proof (校样) read back: line numbers, finding boxes, stamp, legend, page text untouched.

Two builds: the sample edition (shared with the other suites) and tests/broken/text-slips, whose
typos are findings anchored to characters. The proof keeps each page's content stream first and
draws its overlay after it, so in read-back order a page's characters are those of pages.pdf
followed by the overlay's own; drawn objects likewise.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.build import check_built
from pipeline.checks.readback import Char, read_chars
from pipeline.display import DisplayList, Overset
from pipeline.messages import PROOFREADERS, say
from pipeline.model import Finding
from pipeline.proof import ROUNDS, Stamp, make_proof, source_revision, write_proof

ROOT = Path(__file__).resolve().parent.parent
SLIPS = ROOT / "tests" / "broken" / "text-slips"
WS = re.compile(r"\s+")
Box = tuple[float, float, float, float]  # x, y, w, h from the page's top-left


def squash(text: str) -> str:
    return WS.sub("", text)


# --- fixtures ---------------------------------------------------------------------------------


def outputs(out: Path) -> list[Path]:
    return [out / "spread.pdf", out / "pages.pdf", out / "spread.png"]


def read_proof(job, display: DisplayList, out: Path, proof: Path, seconds: float) -> SimpleNamespace:
    base = read_chars(out / "pages.pdf")
    chars = read_chars(proof)
    n = len(display.pages)
    return SimpleNamespace(
        job=job, display=display, out=out, proof=proof, seconds=seconds, base=base, chars=chars[:n],
        overlay=[page[len(b):] for page, b in zip(chars, base)], legend=chars[n:],
        rects=overlay_rects(proof, out / "pages.pdf"),
    )


@pytest.fixture(scope="module")
def sample(sample_build) -> SimpleNamespace:
    display, job, out = sample_build
    t = time.perf_counter()
    proof = write_proof(job, display, outputs(out), 1, check_built(job, display, out / "spread.pdf"))
    return read_proof(job, display, out, proof, time.perf_counter() - t)


@pytest.fixture(scope="module")
def slips(tmp_path_factory) -> SimpleNamespace:
    """text-slips: `pinban check --json` (which renders the PDFs), then the proof from them."""
    from pipeline.build import lay_out, prepare, run_check

    out = tmp_path_factory.mktemp("slips-out")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        run_check(str(SLIPS), str(out), strict=False, as_json=True)
    job = prepare(str(SLIPS), str(out))
    display = lay_out(job)  # deterministic: the layout check saw
    t = time.perf_counter()
    proof = write_proof(job, display, outputs(out), 3, check_built(job, display, out / "spread.pdf"))
    ns = read_proof(job, display, out, proof, time.perf_counter() - t)
    ns.findings = json.loads(printed.getvalue())
    return ns


# --- reading the overlay back -----------------------------------------------------------------


def overlay_rects(proof: Path, base: Path) -> list[list[Box]]:
    """Per newspaper page, the bounds of the path objects drawn after the page's own content."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    proof_doc, base_doc = pdfium.PdfDocument(str(proof)), pdfium.PdfDocument(str(base))
    try:
        pages = []
        for i in range(len(base_doc)):
            count = len(list(base_doc[i].get_objects()))
            page = proof_doc[i]
            height = page.get_height()
            rects = []
            for obj in list(page.get_objects())[count:]:
                if obj.type == raw.FPDF_PAGEOBJ_PATH:
                    left, bottom, right, top = obj.get_bounds()
                    rects.append((left, height - top, right - left, top - bottom))
            pages.append(rects)
        return pages
    finally:
        proof_doc.close()
        base_doc.close()


def words(chars: list[Char]) -> list[tuple[str, Box]]:
    """Overlay characters joined into words: same baseline, touching (numbers, tags)."""
    out: list[tuple[str, Box]] = []
    for ch in chars:
        box = (ch.box[0], ch.box[1], ch.box[2] - ch.box[0], ch.box[3] - ch.box[1])
        if out and ch.text.strip() and abs(out[-1][1][1] + out[-1][1][3] - ch.box[3]) < 1.5 \
                and 0 <= ch.box[0] - (out[-1][1][0] + out[-1][1][2]) < ch.size * 0.6:
            text, prev = out[-1]
            out[-1] = (text + ch.text, union(prev, box))
        elif ch.text.strip():
            out.append((ch.text, box))
    return out


def union(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def encloses(outer: Box, inner: Box, tol: float = 0.3, slack: float = 5.5, rise: float = 10.0) -> bool:
    """`outer` holds `inner` and is not much larger: around it, not somewhere near it. A box
    around a comma may rise a line's height above its ink (`rise`); sideways it stays within
    half a character of the ink (full-width glyphs have wide side bearings)."""
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    holds = ox <= ix + tol and oy <= iy + tol and ox + ow >= ix + iw - tol and oy + oh >= iy + ih - tol
    tight = ix - ox <= slack and (ox + ow) - (ix + iw) <= slack and iy - oy <= rise and (oy + oh) - (iy + ih) <= rise
    return holds and tight


def page_index(display: DisplayList, name: str) -> int:
    return [p.name for p in display.pages].index(name)


def text_of(chars: list[Char]) -> str:
    return "".join(c.text for c in chars)


# --- the page content is untouched --------------------------------------------------------------


@pytest.mark.parametrize("case", ["sample", "slips"])
def test_page_text_unchanged(case, request):
    """Each proof page starts with exactly the characters of pages.pdf, where they were."""
    built = request.getfixturevalue(case)
    for name, base, chars in zip((p.name for p in built.display.pages), built.base, built.chars):
        assert len(chars) > len(base), f"page {name}: no overlay text"
        head = chars[: len(base)]
        assert text_of(head) == text_of(base), f"page {name}: text differs"
        moved = [(b.text, b.x, c.x, b.baseline, c.baseline) for b, c in zip(base, head)
                 if abs(b.x - c.x) > 0.01 or abs(b.baseline - c.baseline) > 0.01]
        assert not moved, f"page {name}: characters moved: {moved[:5]}"


def test_pages_trimmed_and_legend_after(sample):
    from pypdf import PdfReader

    reader = PdfReader(str(sample.proof))
    for page, laid in zip(reader.pages, sample.display.pages):
        assert [round(float(v), 2) for v in page.mediabox] == [0, 0, round(laid.width, 2), round(laid.height, 2)]
        assert [round(float(v), 2) for v in page.trimbox] == [0, 0, round(laid.width, 2), round(laid.height, 2)]
    assert len(reader.pages) > len(sample.display.pages), "a legend page follows the newspaper pages"
    assert not list(sample.out.glob(".proof.pdf*")), "no temporary files left behind"


# --- line numbers -------------------------------------------------------------------------------


def test_every_fifth_line_numbered_at_its_baseline(sample):
    expected = 0
    for page, overlay in zip(sample.display.pages, sample.overlay):
        found = words(overlay)
        for frame in (f for f in page.frames if f.kind == "column"):
            for line in frame.lines:
                if not line.number or line.number % 5:
                    continue
                expected += 1
                beside = [
                    box for text, box in found
                    if text == str(line.number)
                    and abs(box[1] + box[3] - line.baseline) < 1.5  # ink bottom sits on the baseline
                    and (frame.x - 12 < box[0] + box[2] <= frame.x or frame.x + frame.width <= box[0] < frame.x + frame.width + 12)
                ]
                assert beside, f"{frame.id}: no number {line.number} beside the line at {line.baseline:.1f}"
    assert expected > 20


def test_line_numbers_on_the_baseline(sample):
    """The number's pen sits on the line's baseline (±0.5 pt), read back per character."""
    for page, overlay in zip(sample.display.pages, sample.overlay):
        baselines = {round(line.baseline, 1): line for f in page.frames if f.kind == "column" for line in f.lines
                     if line.number and line.number % 5 == 0}
        digits = [c for c in overlay if c.text.isdigit() and c.size < 5.5]
        assert digits
        for ch in digits:
            assert any(abs(ch.baseline - b) <= 0.5 for b in baselines), f"page {page.name}: {ch.text} at {ch.baseline}"


def test_line_numbers_cover_no_text(sample):
    for page, base, overlay in zip(sample.display.pages, sample.base, sample.overlay):
        ink = [(c.box[0], c.box[1], c.box[2] - c.box[0], c.box[3] - c.box[1]) for c in base if c.text.strip()]
        for ch in (c for c in overlay if c.text.isdigit() and c.size < 5.5):
            box = (ch.box[0], ch.box[1], ch.box[2] - ch.box[0], ch.box[3] - ch.box[1])
            hit = [b for b in ink if overlaps(box, b)]
            assert not hit, f"page {page.name}: line number {ch.text} at {ch.x:.1f},{ch.baseline:.1f} covers text"


# --- findings -----------------------------------------------------------------------------------


def finding_targets(built, f: dict) -> list[tuple[str, Box]]:
    """Where a finding of `pinban check --json` is on the pages, from the read-back characters
    (text anchors) or its own box; [] when it has no place on the pages."""
    display = built.display
    if f.get("page") and f.get("box"):
        return [(f["page"], tuple(f["box"]))]
    if f.get("block_id") and f.get("start", -1) >= 0:
        return char_targets(built, f["block_id"], f["start"], max(f.get("end", f["start"] + 1), f["start"] + 1))
    photo = re.match(r"photo ([\w-]+)", f["message"])
    if f["code"].startswith("photo-") and f["severity"] != "info" and photo:
        for page in display.pages:
            for pic in page.pictures:
                if pic.photo_id == photo.group(1):
                    return [(page.name, (pic.x, pic.y, pic.width, pic.height))]
    return []


def char_targets(built, block_id: str, start: int, end: int) -> list[tuple[str, Box]]:
    out = []
    for page, chars in zip(built.display.pages, built.chars):
        for frame in page.frames:
            for line in frame.lines:
                if line.block_id.replace(":", ".") != block_id or not (line.start < end and start < line.end):
                    continue
                drawn = sorted((c for c in chars if abs(c.baseline - line.baseline) < 0.5
                                and line.x - c.size <= c.x <= line.x + line.measure), key=lambda c: c.x)
                assert text_of(drawn) == line.text, f"read-back of {frame.id} line {line.number}"
                box = None
                for c in drawn[max(start, line.start) - line.start: min(end, line.end) - line.start]:
                    # a space has no ink: take its advance up to the baseline
                    top = c.box[1] if c.box[3] - c.box[1] > 1 else c.baseline - c.size * 0.7
                    b = (c.box[0], top, c.box[2] - c.box[0], c.box[3] - top)
                    box = b if box is None else union(box, b)
                if box:
                    out.append((page.name, box))
    return out


def test_findings_boxed_where_they_are(slips):
    """Every finding of `pinban check --json` with a place on the pages has a box around it,
    tagged with its number (its place in check's list)."""
    boxed = 0
    for number, f in enumerate(slips.findings, 1):
        tagged = False
        for page, target in finding_targets(slips, f):
            i = page_index(slips.display, page)
            around = [r for r in slips.rects[i] if encloses(r, target)]
            near = [r for r in slips.rects[i] if overlaps(r, target)]
            assert around, f"#{number} {f['code']} at {target} on {page}: no box around it, only {near}"
            tags = [box for text, box in words(slips.overlay[i]) if text == str(number)]
            tagged = tagged or any(abs(t[0] - r[0]) < 8 and abs(t[1] + t[3] - r[1]) < 8 for t in tags for r in around)
            boxed += 1
        assert tagged or not finding_targets(slips, f), f"#{number}: no number tag on its box"
    codes = {f["code"] for f in slips.findings}
    assert {"doubled-phrase", "space-cjk", "punct-halfwidth", "number-fullwidth"} <= codes
    assert boxed >= 5


def test_legend_lists_every_finding(slips):
    legend = squash(text_of([c for page in slips.legend for c in page]))
    assert legend.startswith("校样问题清单")
    for number, f in enumerate(slips.findings, 1):
        assert f"{number}." in legend
        # the legend says it for proofreaders: in Chinese, from the same template
        said = say(f["msgid"], [tuple(a) for a in f.get("args", [])], PROOFREADERS) if f.get("msgid") else f["message"]
        assert squash(said) in legend, f"#{number} {f['code']} missing from the legend"
        if f.get("hint"):
            hint = say(f["hint_id"], [tuple(a) for a in f.get("args", [])], PROOFREADERS) if f.get("hint_id") else f["hint"]
            assert squash(hint) in legend
    # text findings also get their place on the page, as the DOCX and check write it
    assert re.search(r"02版·第\d栏·第\d+行", legend)


def test_synthetic_findings_and_overset(sample):
    """A missing photo is boxed on its picture, a text finding on its characters; with overset
    text, OVERSET marks the foot of the last column and the legend says it."""
    from pipeline.checks.layout import overset_findings

    display = dataclasses.replace(sample.display, overset=Overset(4, 57, ("b040",), ("2025年工作安排",)))
    page = display.pages[-1]
    pic = page.pictures[0]
    line = next(ln for f in display.frames("column") for ln in f.lines if ln.kind == "body" and len(ln.text) > 8)
    findings = overset_findings(display) + [
        Finding("warning", "photo-missing", f"photo {pic.photo_id}: file photos/x.jpg is missing; a placeholder is drawn",
                "edition.toml:28", "put the photo file there"),
        Finding("warning", "doubled-phrase", "test", "report.md:1", "", line.block_id.replace(":", "."),
                line.start + 2, line.start + 5),
    ]
    stamp = Stamp(2, "test-edition", "丰台•两会", sample_time(), "abc1234+changes")
    data = make_proof((sample.out / "pages.pdf").read_bytes(), display, findings, stamp, sample.job.faces)
    assert data == make_proof((sample.out / "pages.pdf").read_bytes(), display, findings, stamp, sample.job.faces), \
        "same input, same bytes"
    proof = sample.out / "synthetic-proof.pdf"
    proof.write_bytes(data)
    chars = read_chars(data)
    rects = overlay_rects(proof, sample.out / "pages.pdf")
    n = len(display.pages)
    last = max((i for i, p in enumerate(display.pages) if any(f.kind == "column" and f.lines for f in p.frames)))
    overlay = [chars[i][len(sample.base[i]):] for i in range(n)]
    assert "OVERSET" in text_of(overlay[last]) and all("OVERSET" not in text_of(o) for i, o in enumerate(overlay) if i != last)
    column = [f for f in display.pages[last].frames if f.kind == "column" and f.lines][-1]
    foot = column.lines[-1]
    assert any(r[1] <= foot.baseline <= r[1] + r[3] and encloses(r, (column.x, foot.baseline - 5, column.width, 5))
               for r in rects[last]), "the last line of the last column is boxed"
    i = page_index(display, page.name)
    assert any(encloses(r, (pic.x, pic.y, pic.width, pic.height)) for r in rects[i]), "missing photo boxed"
    targets = char_targets(SimpleNamespace(display=display, chars=[chars[k] for k in range(n)]), line.block_id.replace(":", "."),
                           line.start + 2, line.start + 5)
    for name, target in targets:
        assert any(encloses(r, target) for r in rects[page_index(display, name)])
    legend = squash(text_of([c for p in chars[n:] for c in p]))
    assert "OVERSET" in legend and "二校" in legend
    assert all(ROUNDS[2] in text_of(o) and "源 abc1234+changes" in text_of(o) for o in overlay)


def test_long_legend_runs_over_pages(sample):
    """Many findings with long messages: wrapped, paged, every one listed with its number."""
    message = "一段很长的说明文字，" * 12 + "and a long English tail that has to wrap at spaces " * 3
    findings = [Finding("warning", "test", f"#{i} {message}", f"report.md:{i}", "a hint " * 20) for i in range(1, 31)]
    stamp = Stamp(1, "test-edition", "", sample_time(), "")
    data = make_proof((sample.out / "pages.pdf").read_bytes(), sample.display, findings, stamp, sample.job.faces)
    chars = read_chars(data)
    legend_pages = chars[len(sample.display.pages):]
    assert len(legend_pages) > 1
    legend = squash(text_of([c for p in legend_pages for c in p]))
    for i, f in enumerate(findings, 1):
        assert f"{i}." in legend and squash(f.message) in legend and f"report.md:{i}" in legend
    width = sample.display.pages[0].width
    assert all(0 <= c.box[0] and c.box[2] <= width for p in legend_pages for c in p), "legend text stays on the page"


def sample_time():
    import datetime as dt

    return dt.datetime(2025, 1, 7, tzinfo=dt.UTC)


# --- the stamp ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "round_"), [("sample", 1), ("slips", 3)])
def test_stamp_on_every_page(case, round_, request):
    from pipeline.project import build_time

    built = request.getfixturevalue(case)
    when = build_time(built.job.edition.date).strftime("%Y-%m-%d %H:%M")
    revision = source_revision(built.job.edition.root)
    for page, overlay in zip(built.display.pages, built.overlay):
        text = squash(text_of(overlay))
        assert f"校样{ROUNDS[round_]}" in text
        assert squash(built.job.edition.name) in text and when.replace(" ", "") in text and f"{page.name}版" in text
        if revision:  # others may commit meanwhile: the exact value is tested on a private checkout
            assert re.search(r"源[0-9a-f]{7,}(\+changes)?", text), text
    assert f"校样{ROUNDS[round_]}" in squash(text_of(built.legend[0]))


def test_source_revision(tmp_path):
    assert source_revision(tmp_path) == ""  # not a git checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "report.md").write_text("正文\n", encoding="utf-8")
    subprocess.run([*git, "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert source_revision(tmp_path) == head
    (tmp_path / "report.md").write_text("改过的正文\n", encoding="utf-8")
    assert source_revision(tmp_path) == f"{head}+changes"

