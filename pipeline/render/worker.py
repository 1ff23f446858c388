"""A forked drawing process, so WeasyPrint's import and the preview overlap the parent's work."""

from __future__ import annotations

import contextlib
import io
import os
import signal
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

from ..display import DisplayList
from ..errors import PinbanError
from ..fonts import Face
from ..project import write_atomic
from ..style import PressStyle, Style
from .html import display_time, esc, pages_html
from .libraries import import_weasyprint, lean_html
from .pdf import draw_pdfs, output_paths
from .press import press_display
from .preview import PREVIEW_PARTS, assemble_png, preview_png, preview_rows


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

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self.available:
            self.conn.close()  # a child still waiting for work sees the end and stops
            if kind is not None:
                self.process.terminate()  # a failed build does not wait for WeasyPrint's import
            self.process.join(timeout=30)
            if self.process.is_alive():
                self.process.terminate()

    def warm_up(self, faces: Iterable[Face], press: PressStyle | None = None, photos: Iterable[str] = ()) -> None:
        """Let the child lay out a few characters in each face, and build the colour tables the
        photos will be separated with, while this process lays out."""
        if self.available:
            self.conn.send(("warm", ([(f.family, f.weight) for f in faces], press, list(photos))))

    def render(self, display: DisplayList, style: Style, out: Path, faces: dict[str, Face],
               share_preview: bool = False) -> list[Path]:
        """Writes spread.pdf and pages.pdf (returns when they are there); the PNG follows. With
        `share_preview`, `finish` draws the preview's first part here while the child draws the
        rest: for a caller with nothing else to do meanwhile."""
        self.start(display, style, out, faces, share_preview)
        return self.drawn()

    def start(self, display: DisplayList, style: Style, out: Path, faces: dict[str, Face],
              share_preview: bool = False) -> None:
        """`render` without waiting: this process is free until `drawn`."""
        plant = press_display(display, style.press)  # the photos as the plant gets them
        html = pages_html(plant, style, faces, display_time(display))
        self.conn.send(("draw", (html, display, style, out, share_preview)))
        self.out, self.shared = out, share_preview

    def drawn(self) -> list[Path]:
        """spread.pdf, pages.pdf and the PNG to come, once the PDFs are there."""
        self.expect()
        return output_paths(self.out)

    def finish(self) -> None:
        """Wait for the preview; draw its first part meanwhile when the drawing was so asked."""
        if not self.shared:
            self.expect()
            return
        mine = preview_rows((self.out / "spread.pdf").read_bytes(), 0)
        theirs = self.expect()
        write_atomic(self.out / "spread.png", assemble_png([mine, *theirs]))

    def expect(self) -> Any:
        """The child's next report: its detail, or its failure raised here."""
        try:
            kind, detail = self.conn.recv()
        except EOFError:
            raise PinbanError("the drawing process stopped", "render", "run `pinban pdf` to see why") from None
        if kind == "error":
            raise PinbanError(*detail)
        if kind == "crash":
            raise PinbanError(f"drawing failed: {detail}", "render", "this is a pinban bug: please report it")
        return detail


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
QUIET_GC = (20_000, 20, 50)  # as pinban pdf and build set it (cli.py)


def warm_weasyprint(faces: list[tuple[str, int]]) -> None:
    """Lay out a few characters in each face, and write a page without text: the first drawing
    in a process pays for fontconfig's font list, Pango's font map and cffi parsing the C types
    WeasyPrint and pydyf use (about 0.2 s), which this moves off the critical path. No text is
    written: that would subset each face (0.1 s a face) for nothing. The output is thrown away."""
    html = lean_html()
    text = "".join(f"<p style=\"font-family:'{esc(family)}';font-weight:{weight}\">中文，“排版”。A1</p>"
                   for family, weight in faces)
    html(string=f"<html><body>{text}</body></html>").render()
    html(string='<html><body><div style="width:1pt;height:1pt;background:#000"></div></body></html>'
         ).write_pdf(io.BytesIO())


def warm_separation(press: PressStyle, photos: list[str]) -> None:
    """The output profile, the grey curve and each photo profile's separation table (0.15 s for
    the sample), made before the photos are: the first photo separated would wait for them."""
    from ..sources.photos import open_image
    from .press import grey_curve, separation_transform

    profile = str(press.output_profile)
    grey_curve(profile)
    profiles = set()
    for path in photos:
        with contextlib.suppress(Exception), open_image(path) as im:  # the checker reports a bad photo
            profiles.add(im.info.get("icc_profile") or None)
    for icc in profiles:
        separation_transform(icc, profile, press.ink_limit)


def warm_finishing() -> None:
    """The libraries that finish the PDFs (pypdf) and draw the preview (PDFium) imported: about
    0.1 s that would otherwise come after WeasyPrint, on the way to the outputs."""
    import pypdf.generic  # noqa: F401
    import pypdfium2
    import pypdfium2.raw  # noqa: F401


def next_drawing(conn):
    """The parent's drawing, after the warm-up it may ask for first. Each step of the warm-up but
    the first is left out once the drawing is there: it would only delay it."""
    kind, detail = conn.recv()
    if kind == "warm":
        faces, press, photos = detail
        steps = [lambda: warm_weasyprint(faces), warm_finishing]
        if press is not None:  # needed by a first build of the photos only
            steps.append(lambda: warm_separation(press, photos))
        for n, warm in enumerate(steps):
            if n and conn.poll():
                break
            with contextlib.suppress(Exception):  # a failed warm-up only costs the time it would save
                warm()
        kind, detail = conn.recv()
    return detail


def worker_main(conn, parent: int) -> None:
    import gc

    die_with_parent(parent)
    # terminate() ends this process at once: the parent's handler (SIGTERM as exit, for its own
    # cleanup) would raise wherever the import or the drawing is, and print a traceback
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # this process draws once and ends: what it has from its parent, and WeasyPrint once it is
    # loaded, is left out of the garbage collection, which then comes less often (as in cli.py)
    gc.freeze()
    gc.set_threshold(*QUIET_GC)
    import_weasyprint()  # the point: imported while the parent lays out
    gc.freeze()
    try:
        html, display, style, out, share_preview = next_drawing(conn)
    except EOFError:
        return
    try:
        spread = draw_pdfs(html, display, style, out)
        conn.send(("done", None))
        if share_preview:  # the parent draws part 0
            conn.send(("rows", [preview_rows(spread, part) for part in range(1, PREVIEW_PARTS)]))
        else:
            write_atomic(out / "spread.png", preview_png(spread))
            conn.send(("done", None))
    except PinbanError as exc:
        conn.send(("error", (exc.message, exc.where, exc.hint)))
    except Exception as exc:  # noqa: BLE001 — reported by the parent in one line
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
