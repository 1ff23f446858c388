"""The spread layout, checked on the display list and again on the PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline.build import build_pdf
from pipeline.checks.readback import read_chars
from pipeline.errors import PinbanError
from pipeline.model import SECTION, SUBSECTION

from .conftest import SAMPLE

HEAD_KINDS = (SECTION, SUBSECTION)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def boxes(page):
    """Every item's box on a page: (label, x0, y0, x1, y1); text by its em boxes."""
    out = []
    for frame in page.frames:
        for line in frame.lines:
            if not line.spans:
                continue
            size = max(s.size for s in line.spans)
            right = line.x + max(s.x + s.width for s in line.spans)
            left = line.x + min(s.x for s in line.spans)
            out.append((frame.id, left, line.baseline - 0.88 * size, right, line.baseline + 0.12 * size))
    for p in page.pictures:
        out.append((f"photo {p.photo_id}", p.x, p.y, p.x + p.width, p.y + p.height))
    for r in page.rules:
        out.append(("rule", r.x1, r.y1 - r.weight / 2, r.x2, r.y2 + r.weight / 2))
    return out


def test_nothing_overlaps(sample_build):
    display, _, _ = sample_build
    for page in display.pages:
        items = boxes(page)
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if a[0] == b[0]:
                    continue  # lines of one frame touch by design
                overlap_x = min(a[3], b[3]) - max(a[1], b[1])
                overlap_y = min(a[4], b[4]) - max(a[2], b[2])
                assert overlap_x <= 0.01 or overlap_y <= 0.01, f"{page.name}: {a[0]} overlaps {b[0]}"


def test_items_inside_the_type_area_and_never_across_the_fold(sample_build):
    display, job, _ = sample_build
    style = job.style
    for page in display.pages:
        x0 = style.page_width - style.margin_inner - style.type_width if page.index == 0 else style.margin_inner
        for label, left, top, right, bottom in boxes(page):
            if label.startswith((f"{page.name}-title", f"{page.name}-subtitle")):
                assert 0 <= left and right <= page.width, label  # the headline may reach the fold, not cross it
                continue
            assert x0 - 0.01 <= left and right <= x0 + style.type_width + 0.01, label
            assert style.margin_top - 0.01 <= top and bottom <= page.height - style.margin_bottom + 0.01, label


def test_body_baselines_on_one_grid(sample_build):
    display, _, out = sample_build
    grid = display.grid_origin
    for frame in display.frames("column"):
        for line in frame.lines:
            if line.kind == "body":
                steps = (line.baseline - grid) / display.leading
                assert abs(steps - round(steps)) < 1e-6, (frame.id, line.number)
    # and in the PDF: every body-size character sits on the grid, on both pages
    for page in read_chars(out / "pages.pdf"):
        body = [c for c in page if abs(c.size - display.body_size) < 0.01]
        assert body
        for c in body:
            steps = (c.baseline - grid) / display.leading
            assert abs(steps - round(steps)) * display.leading < 0.05, (c.text, c.baseline)


def test_columns_full_and_heads_kept_with_next(sample_build):
    display, _, _ = sample_build
    assert display.overset is None
    columns = display.frames("column")
    assert len({(f.page, f.column) for f in columns}) == 16
    for frame in columns:
        assert frame.lines, frame.id
        last = frame.lines[-1]
        empty = (frame.y + frame.height - last.baseline) / display.leading
        assert empty < 2, f"{frame.id}: {empty:.1f} empty grid lines at the foot"
        assert last.kind not in HEAD_KINDS, f"{frame.id} ends with a head"


def test_fifteen_images_in_the_pdf(sample_build):
    """Each picture of the display list is drawn as an image that covers its whole box."""
    display, _, out = sample_build
    doc = pdfium.PdfDocument(str(out / "pages.pdf"))
    try:
        for layout_page, page in zip(display.pages, doc):
            height = layout_page.height
            drawn = [obj.get_bounds() for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,))]
            assert len(drawn) == len(layout_page.pictures)
            for pic in layout_page.pictures:
                assert any(
                    left <= pic.x + 0.5 and pic.x + pic.width <= right + 0.5
                    and bottom <= height - pic.y - pic.height + 0.5 and height - pic.y <= top + 0.5
                    for left, bottom, right, top in drawn
                ), pic.photo_id
    finally:
        doc.close()
    assert sum(len(p.pictures) for p in display.pages) == 15


def test_pdftotext_reads_the_report_in_order(sample_build):
    display, _job, out = sample_build
    raw = subprocess.run(["pdftotext", "-raw", str(out / "pages.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = [squash(p) for p in raw.split("\f")]
    for page, text in zip(display.pages, pages):
        body = "".join(line.text for f in page.frames if f.kind == "column" for line in f.lines)
        assert squash(body) in text, f"page {page.name}: the columns do not read in order"


def test_same_sources_same_bytes(sample_build, tmp_path):
    _, _, out = sample_build
    build_pdf(str(SAMPLE), str(tmp_path))
    for name in ("pages.pdf", "spread.pdf"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


@pytest.fixture
def edition_copy(tmp_path) -> Path:
    folder = tmp_path / "edition"
    shutil.copytree(SAMPLE, folder)
    return folder


def test_explicit_placement_is_honoured(sample_build, edition_copy, tmp_path):
    display, _, _ = sample_build
    # put p05 into page 03's text, a few lines below the photos at the top
    col = next(f for f in display.frames("column") if f.page == "03" and f.column == 3)
    row = round((col.y - display.grid_origin) / display.leading) + 6
    toml = edition_copy / "edition.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('id = "p05"\n', f'id = "p05"\nplace = {{ page = "03", column = 3, span = 3, row = {row}, rows = 10 }}\n')
    toml.write_text(text, encoding="utf-8")
    display = build_pdf(str(edition_copy), str(tmp_path / "out"))
    pic = next(p for page in display.pages for p in page.pictures if p.photo_id == "p05")
    assert pic.page == "03"
    page = display.pages[1]
    frames = [f for f in page.frames if f.kind == "column" and f.column == 3]
    assert len(frames) == 2, "column 3 flows above and below the placed photo"
    assert abs(pic.x - frames[0].x) < 0.01
    assert display.overset is None


def test_overset_is_refused_and_keeps_the_last_good_pdfs(edition_copy, tmp_path):
    out = tmp_path / "out"
    build_pdf(str(edition_copy), str(out))
    good = {name: (out / name).read_bytes() for name in ("spread.pdf", "pages.pdf", "spread.png")}
    report = edition_copy / "report.md"
    body = report.read_text(encoding="utf-8")
    report.write_text(body + "\n" + "\n".join(line for line in body.splitlines() if line and line[0] not in "#>"),
                      encoding="utf-8")
    with pytest.raises(PinbanError, match=r"overset: \d+ lines \(\d+ characters\) do not fit, in 2025年工作安排") as err:
        build_pdf(str(edition_copy), str(out))
    assert re.search(r"report\.md:\d+$", err.value.where), err.value.where
    assert {name: (out / name).read_bytes() for name in good} == good  # byte for byte
    rejected = "".join(c.text for page in read_chars(out / "rejected" / "pages.pdf") for c in page)
    assert "REJECTED" in rejected and "NOT FOR PRINT" in rejected  # the refused pages are marked
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # nothing staged is left


def test_missing_photo_builds_with_placeholder(edition_copy, tmp_path):
    (edition_copy / "photos" / "p07.jpg").unlink()
    display = build_pdf(str(edition_copy), str(tmp_path / "out"))
    pic = next(p for page in display.pages for p in page.pictures if p.photo_id == "p07")
    assert pic.src == ""
    text = "".join(c.text for page in read_chars(tmp_path / "out" / "pages.pdf") for c in page)
    assert "缺图p07" in squash(text)


def test_the_plant_gets_separated_photos_not_the_source_bytes(sample_build):
    """The plant gets each photo separated for its press (CMYK JPEGs at the placed size, see
    test_press.py), never the photographer's bytes re-labelled; the sources keep those."""
    import hashlib

    import pypdf

    _display, job, out = sample_build
    reader = pypdf.PdfReader(out / "pages.pdf")
    embedded = {}
    for page in reader.pages:
        for obj in page["/Resources"].get("/XObject", {}).values():
            obj = obj.get_object()
            if obj.get("/Subtype") == "/Image" and obj.get("/Filter") == "/DCTDecode":
                embedded[hashlib.sha256(obj._data).hexdigest()] = str(obj["/ColorSpace"])
    assert len(embedded) == len(job.edition.photos)
    assert set(embedded.values()) == {"/DeviceCMYK"}
    for photo in job.edition.photos:
        assert hashlib.sha256(photo.path.read_bytes()).hexdigest() not in embedded, photo.id