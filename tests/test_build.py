"""End to end: build the sample edition and read the PDF back."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.checks.readback import per_display_page, read_chars, text_by_frame
from pipeline.model import INTRO

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return WS.sub("", text)


@pytest.fixture(scope="module")
def built(sample_build):
    return sample_build


def test_outputs_written(built):
    _display, _job, out = built
    for name in ("spread.pdf", "pages.pdf", "spread.png"):
        assert (out / name).stat().st_size > 10_000, name
    assert not list(out.glob(".*")), "no temporary files left behind"


def test_report_reads_back_in_order(built):
    """Every character of the report, in order, nothing lost or doubled — read from the PDF."""
    display, job, out = built
    # the spread sheet holds both pages side by side: cut it back into pages
    pages = per_display_page(read_chars(out / "spread.pdf"), display)
    by_frame, stray = text_by_frame(pages, display)
    columns = [f for f in display.frames("column")]
    body = "".join(by_frame.get(f.id, "") for f in columns)
    expected = "".join(b.text for b in job.edition.report)
    assert squash(body) == squash(expected)
    assert not stray, f"characters outside every frame: {''.join(c.text for c in stray[:40])}"


def test_every_source_text_is_drawn(built):
    display, job, out = built
    pages = read_chars(out / "pages.pdf")
    drawn = squash("".join(c.text for page in pages for c in page))
    ed = job.edition
    texts = [line.text for frame in display.frames("headline") for line in frame.lines]
    texts += [ed.section, ed.date_text, ed.weekday]
    texts += [p.caption for p in ed.photos] + [c.text for c in ed.credits]
    texts += [b.text for b in ed.blocks if b.kind == INTRO]
    for text in texts:
        assert squash(text) in drawn, text


def test_fonts_embedded(built):
    _display, _job, out = built
    listing = subprocess.run(["pdffonts", str(out / "pages.pdf")], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, "no fonts"
    for row in rows:
        assert re.search(r"\byes\b\s+yes\b", row), f"font not embedded and subset: {row}"


def test_fifteen_photos_inside_type_area(built):
    display, job, _out = built
    pictures = [p for page in display.pages for p in page.pictures]
    assert sorted(p.photo_id for p in pictures) == sorted(p.id for p in job.edition.photos)
    assert len(pictures) == 15
    for page in display.pages:
        for p in page.pictures:
            assert 0 < p.x and p.x + p.width < page.width and 0 < p.y and p.y + p.height < page.height


def test_broken_edition_toml_is_one_line_error(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "edition.toml").write_text('[edition]\ndate = 2025-01-07\nsection = "丰台\n', encoding="utf-8")
    (folder / "report.md").write_text("正文。\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", "pdf", str(folder),
                          "-o", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "edition.toml:3" in lines[0] and "Traceback" not in run.stderr


def test_pinban_build_writes_every_output(tmp_path):
    """The whole command as an editor runs it: every output, the preview drawn by a forked child."""
    run = subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", "build", str(SAMPLE),
                          "-o", str(tmp_path), "-q"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr
    for name in ("spread.pdf", "pages.pdf", "spread.png", "draft.docx", "draft.manifest.json", "proof.pdf",
                 "build-report.txt"):
        assert (tmp_path / name).stat().st_size > 500, name
    assert (tmp_path / "spread.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "no overset" in (tmp_path / "build-report.txt").read_text(encoding="utf-8")


def test_the_headline_splits_at_the_editors_spaces(built):
    """Title and subtitle each carry a typed space: that is where the fold falls (rule 28)."""
    display, _job, _out = built
    halves = {(frame.page, line.block_id): line.text for frame in display.frames("headline") for line in frame.lines}
    assert halves == {
        ("02", "headline.title"): "凝心聚力共奋进", ("03", "headline.title"): "履职尽责谱新篇",
        ("02", "headline.subtitle"): "聚共识、促合力、重创新、增实效",
        ("03", "headline.subtitle"): "为丰台区高质量发展贡献政协智慧与力量",
    }


def test_the_preview_is_the_spread_drawn_whole(built):
    """The PNG is drawn in two parts by two processes and joined: its pixels are those of the
    spread drawn at once, and it is what `render_outputs` (one process) writes."""
    from PIL import Image

    from pipeline.render.preview import preview_bitmap, preview_png

    _display, _job, out = built
    spread = (out / "spread.pdf").read_bytes()
    with Image.open(out / "spread.png") as png:
        png.load()
        assert png.tobytes() == preview_bitmap(spread).to_pil().tobytes()
    assert preview_png(spread) == (out / "spread.png").read_bytes()


def test_adler32_of_parts_joined_is_that_of_the_whole():
    import zlib

    from pipeline.render.preview import adler32_combine

    parts = [b"", b"\0" * 70_000, bytes(range(256)) * 300, b"pinban"]
    for a in parts:
        for b in parts:
            assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_a_call_in_a_child_comes_back_and_its_error_surfaces_from_the_parent():
    from pipeline.build import InChild
    from pipeline.errors import PinbanError

    assert InChild(lambda: {"findings": [1, 2, 3]}).result() == {"findings": [1, 2, 3]}

    def failing():
        raise PinbanError("no such photo", "photos/p99.jpg")

    with pytest.raises(PinbanError, match="no such photo"):
        InChild(failing).result()
