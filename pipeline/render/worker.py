"""A forked drawing process, so WeasyPrint's import and the preview overlap the parent's work."""

from __future__ import annotations

import contextlib
import io
import os
import signal
from collections.abc import Iterable
from pathlib import Path
from typing import Self

from ..display import DisplayList
from ..errors import PinbanError
from ..fonts import Face
from ..project import write_atomic
from ..style import Style
from .html import display_time, esc, pages_html
from .libraries import import_weasyprint
from .pdf import draw_pdfs, output_paths
from .press import press_display
from .preview import preview_png


class RenderWorker:
    """Draws the PDFs in a forked child that imports WeasyPrint (0.35–0.6 s) and warms it up on the
    house faces while the parent loads and lays out; the child then draws the preview while the
    parent audits and makes the DOCX and proof. A process, not a thread: PDFium, which draws the
    preview, is not thread-safe. Use it as a context manager; where there is no fork, `available`
    is False."""

    def __init__(self) -> None:
        import multiprocessing

        self.available = "fork" in multiprocessing.get_all_start_methods()
        if not self.available:
            return
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, os.getpid()), daemon=True)
        self.process.start()
        child.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.available:
            self.conn.close()  # a child still waiting for work sees the end and stops
            self.process.join(timeout=30)
            if self.process.is_alive():
                self.process.terminate()

    def warm_up(self, faces: Iterable[Face]) -> None:
        """Let the child draw a few characters in each face while this process lays out."""
        if self.available:
            self.conn.send(("warm", [(f.family, f.weight) for f in faces]))

    def render(self, display: DisplayList, style: Style, out: Path, faces: dict[str, Face]) -> list[Path]:
        """Writes spread.pdf and pages.pdf (returns when they are there); the PNG follows."""
        plant = press_display(display, style.press)  # the photos as the plant gets them
        self.conn.send(("draw", (pages_html(plant, style, faces, display_time(display)), display, style, out)))
        self.expect()
        return output_paths(out)

    def finish(self) -> None:
        """Wait for the preview."""
        self.expect()

    def expect(self) -> None:
        try:
            kind, detail = self.conn.recv()
        except EOFError:
            raise PinbanError("the drawing process stopped", "render", "run `pinban pdf` to see why") from None
        if kind == "error":
            raise PinbanError(*detail)
        if kind == "crash":
            raise PinbanError(f"drawing failed: {detail}", "render", "this is a pinban bug: please report it")


def die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies, even by kill -9, so it can never
    write after the build it belongs to is gone. If the parent is already gone, stop now."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe's end still stops the worker
        pass
    if os.getppid() != parent:
        os._exit(0)


PR_SET_PDEATHSIG = 1


def warm_weasyprint(faces: list[tuple[str, int]]) -> None:
    """Draw and write a few characters in each face: the first drawing in a process pays for
    fontconfig's font list, Pango's font map and cffi parsing the C types WeasyPrint and pydyf use
    (about 0.2 s), which this moves off the critical path. The output is thrown away."""
    weasyprint = import_weasyprint()
    text = "".join(f"<p style=\"font-family:'{esc(family)}';font-weight:{weight}\">中文，“排版”。A1</p>"
                   for family, weight in faces)
    weasyprint.HTML(string=f"<html><body>{text}</body></html>").write_pdf(io.BytesIO())


def next_drawing(conn):
    """The parent's drawing, after the warm-up it may ask for first."""
    kind, detail = conn.recv()
    if kind == "warm":
        with contextlib.suppress(Exception):  # a failed warm-up only costs the time it would save
            warm_weasyprint(detail)
        kind, detail = conn.recv()
    return detail


def worker_main(conn, parent: int) -> None:
    die_with_parent(parent)
    import_weasyprint()  # the point: imported while the parent lays out
    try:
        html, display, style, out = next_drawing(conn)
    except EOFError:
        return
    try:
        spread = draw_pdfs(html, display, style, out)
        conn.send(("done", None))
        write_atomic(out / "spread.png", preview_png(spread))
        conn.send(("done", None))
    except PinbanError as exc:
        conn.send(("error", (exc.message, exc.where, exc.hint)))
    except Exception as exc:  # noqa: BLE001 — reported by the parent in one line
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
