"""What making pages.pdf press-ready costs a build: the photos' separation and the PDF/X finishing.

The separation runs in threads while WeasyPrint lays the pages out, so what it adds to a build is
the drawing with the separation under way less the drawing with the photos already separated."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from scale import Times, measure, median

from pipeline.build import prepare
from pipeline.layout import lay_out
from pipeline.render import pdf, press
from pipeline.render.html import display_time, pages_html

TARGET_ADDED_S = 0.3


def done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def separation_report(edition_arg: str, runs: int) -> str:
    job = prepare(edition_arg, None)
    display = lay_out(job.edition, job.style, job.faces)
    html = pages_html(press.press_display(display, job.style.press), job.style, job.faces, display_time(display))
    pictures = [p for page in display.pages for p in page.pictures if p.src and p.pixels[0]]
    pixels = sum(w * h for w, h in (press.target_size(p, job.style.press.image_ppi) for p in pictures))

    def separate() -> dict:
        with ThreadPoolExecutor(press.WORKERS) as pool:
            return {url: job_.result() for url, job_ in press.separate_photos(display, job.style.press, pool).items()}

    cold = measure(separate, 1)  # the first in a process builds the colour tables
    warm = measure(separate, runs)
    ready = {url: done(s) for url, s in separate().items()}
    raw = pdf.write_pdf(html, job.style, display, ready)
    with_separation, without = Times(), Times()
    for _ in range(runs):  # in turn, so the machine's drift falls on both
        with ThreadPoolExecutor(press.WORKERS) as pool:
            once = measure(lambda: pdf.write_pdf(html, job.style, display, press.separate_photos(
                display, job.style.press, pool)), 1)
        with_separation.wall += once.wall
        without.wall += measure(lambda: pdf.write_pdf(html, job.style, display, ready), 1).wall
    finishing = measure(lambda: pdf.finish_pages(raw, job.style), runs)
    added = median(with_separation.wall) - median(without.wall) + median(finishing.wall)
    return "\n".join([
        (f"press-ready pages.pdf ({runs} runs, medians): {len(pictures)} photos, {pixels / 1e6:.1f} Mpx at "
        f"{job.style.press.image_ppi:g} ppi as placed"),
        (f"  separation alone           {median(warm.wall):6.3f} s wall, {median(warm.cpu):.3f} s CPU "
        f"({press.WORKERS} threads; first in a process {cold.wall[0]:.3f} s)"),
        (f"  drawing pages.pdf          {median(with_separation.wall):6.3f} s with the separation beside it, "
        f"{median(without.wall):.3f} s with the photos ready"),
        f"  PDF/X finishing            {median(finishing.wall):6.3f} s (colours to K, overprint, crop marks, boxes)",
        f"  added to a build           {added:6.3f} s; target ≤ {TARGET_ADDED_S:g} s",
    ])
