"""Work the drawing does once, or beside other work, with the same bytes as doing it all in turn:
the separation's tables made in the drawing process's warm-up, WeasyPrint laying out before the
photos are separated, pydyf making each stream once, the user-agent rules pinban has no use for
left out, and the DOCX draft made while the spread is drawn."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pydyf
import pytest
import weasyprint
from weasyprint import document as weasyprint_document
from weasyprint import html as weasyprint_html

from pipeline import build
from pipeline.model import Finding
from pipeline.render import press, worker
from pipeline.render.html import display_time, pages_html
from pipeline.render.libraries import UNUSED_PSEUDO_RULES, lean_html
from pipeline.render.pdf import fast_pdf_write, write_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"


@pytest.fixture(autouse=True)
def kept_in_the_test(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def test_the_warm_up_makes_the_separation_tables(sample_build) -> None:
    _, job, _ = sample_build
    press.clear_tables()
    worker.warm_separation(job.style.press, build.photo_paths(job.edition))
    assert press._TRANSFORMS, "no separation table was made"
    assert press.grey_curve.cache_info().currsize == 1


def test_weasyprint_lays_out_before_the_photos_are_there_and_writes_the_same_bytes(sample_build, monkeypatch) -> None:
    display, job, _ = sample_build
    style = job.style
    html = pages_html(press.press_display(display, style.press), style, job.faces, display_time(display))
    with ThreadPoolExecutor(2) as pool:
        made = {url: f.result() for url, f in press.separate_photos(display, style.press, pool).items()}
    expected = write_pdf(html, style, display, {url: press.finished(s) for url, s in made.items()})

    writing = {"started": False}
    asked_early: list[str] = []

    class Later(Future):
        def __init__(self, url: str) -> None:
            super().__init__()
            self.url = url

        def result(self, timeout=None):
            if not writing["started"]:
                asked_early.append(self.url)
                if not self.done():
                    self.set_result(made[self.url])
            return super().result(timeout)

    later = {url: Later(url) for url in made}
    original = weasyprint_document.Document.write_pdf

    def write_then_separate(self, *args, **kwargs):
        writing["started"] = True
        for url, future in later.items():
            future.set_result(made[url])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint_document.Document, "write_pdf", write_then_separate)
    drawn = write_pdf(html, style, display, later)
    assert asked_early == []
    assert drawn == expected


def test_pydyf_makes_each_stream_once_and_the_same_bytes(monkeypatch) -> None:
    document = weasyprint.HTML(string="<p style=\"font-family:'Noto Serif CJK SC'\">中文排版 A1</p>").render()
    made = []
    plain = pydyf.Stream.data

    def counted(stream):
        made.append(id(stream))
        return plain.fget(stream)

    monkeypatch.setattr(pydyf.Stream, "data", property(counted))

    def written() -> bytes:
        made.clear()
        buffer = io.BytesIO()
        document.write_pdf(buffer, pdf_identifier=b"p" * 32)
        return buffer.getvalue()

    twice = written()
    assert len(made) > len(set(made))  # pydyf's own way: again for the identifier
    with fast_pdf_write():
        once = written()
    assert len(made) == len(set(made))
    assert once == twice
    assert pydyf.Stream.data.fget is counted  # given back as it was


def test_the_user_agent_rules_left_out_are_the_six_and_change_no_page() -> None:
    assert len(UNUSED_PSEUDO_RULES.findall(weasyprint_html.UA)) == 6
    page = ("<div style=\"position:relative;width:200pt;height:100pt\">"
            "<div style=\"position:absolute;left:10pt;top:5pt;white-space:pre;font-family:'Noto Serif CJK SC'\">"
            "中文<span style=\"letter-spacing:1pt\">排</span>版\n第二行 <span>A1</span></div>"
            "<div style=\"position:absolute;left:0;top:50pt;width:20pt;height:1pt;background:#000\"></div></div>")

    def pdf(html_class) -> bytes:
        buffer = io.BytesIO()
        html_class(string=page).write_pdf(buffer, pdf_identifier=b"u" * 32)
        return buffer.getvalue()

    assert pdf(lean_html()) == pdf(weasyprint.HTML)


def test_the_draft_made_while_drawing_is_made_again_when_the_pdf_adds_a_comment(monkeypatch, tmp_path) -> None:
    job = build.prepare(str(SAMPLE), str(tmp_path / "out"))
    block = next(b for b in job.edition.blocks if len(b.text) > 10)
    added = Finding("info", "test-comment", "a comment the PDF's checks found", "test", block_id=block.id,
                    start=2, end=6)
    checked = build.check_drawn

    def with_a_comment(*args, **kwargs):
        return [*checked(*args, **kwargs), added]

    monkeypatch.setattr(build, "check_drawn", with_a_comment)
    build.build_all(str(SAMPLE), str(tmp_path / "out"))
    with zipfile.ZipFile(tmp_path / "out" / "draft.docx") as docx:
        comments = docx.read("word/comments.xml").decode("utf-8")
    assert "test-comment" in comments


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the signal mask from /proc")
def test_the_drawing_process_ends_at_once_when_terminated() -> None:
    """The CLI turns SIGTERM into an exit for its own cleanup; the drawing process, which the
    parent terminates when a build fails, must not inherit that: an exit raised in the middle of
    its WeasyPrint import printed a traceback under the build's one-line error."""
    import signal
    import sys
    import time

    def caught(pid: int) -> bool:
        status = Path(f"/proc/{pid}/status").read_text()
        mask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        return bool(mask >> (signal.SIGTERM - 1) & 1)

    saved = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with worker.RenderWorker() as drawing:
            pid = drawing.process.pid
            for _ in range(200):  # the child resets it first thing
                if not caught(pid):
                    break
                time.sleep(0.05)
            assert not caught(pid)
    finally:
        signal.signal(signal.SIGTERM, saved)
