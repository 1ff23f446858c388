"""What making pages.pdf press-ready costs a build: the photos' separation and the PDF/X finishing.

The separation runs in threads while WeasyPrint lays the pages out, so what it adds to a build is
the drawing with the separation under way less the drawing with the photos already separated:
once with nothing kept (the first build of these photos), once with the copies an earlier build
kept (an editor's rebuild). Each drawing starts without the colour tables in memory, as the
drawing process of every build does. Of the finishing only the PDF/X part (press.finish_pdfx)
is added: the copy of pages.pdf that records the bleed box is made with or without it.

    python bench/press_cost.py [--runs N] [EDITION]     (the same report as `bench/run.py --all`)"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from scale import Times, measure, median

from pipeline.build import prepare
from pipeline.layout import lay_out
from pipeline.render import pdf, press
from pipeline.render.html import display_time, pages_html

TARGET_ADDED_S = 0.3


def separation_report(edition_arg: str, runs: int) -> str:
    job = prepare(edition_arg, None)
    display = lay_out(job.edition, job.style, job.faces)
    html = pages_html(press.press_display(display, job.style.press), job.style, job.faces, display_time(display))
    pictures = [p for page in display.pages for p in page.pictures if p.src and p.pixels[0]]
    pixels = sum(w * h for w, h in (press.target_size(p, job.style.press.image_ppi) for p in pictures))

    def separate(fresh: bool = True) -> dict:
        if fresh:
            press.clear_tables()
        with ThreadPoolExecutor(press.WORKERS) as pool:
            found = {url: job_.result() for url, job_ in press.separate_photos(display, job.style.press, pool).items()}
            wait_for_reviews(found.values())
        return found

    def draw(photos) -> None:
        pdf.write_pdf(html, job.style, display, photos)

    def draw_separating() -> None:
        press.clear_tables()
        with ThreadPoolExecutor(press.WORKERS) as pool:
            photos = press.separate_photos(display, job.style.press, pool)
            draw(photos)
            wait_for_reviews(job_.result() for job_ in photos.values())  # a build needs them too (spread.pdf)

    with tempfile.TemporaryDirectory(prefix="pinban-bench-kept-") as kept, kept_in(kept):
        load_before = load_average()
        with keeping(False):  # as the first build of these photos
            fresh = measure(separate, runs)
            warm = measure(lambda: separate(fresh=False), runs)
            ready = {url: press.finished(s) for url, s in separate().items()}
        separate()  # keeps the copies
        from_kept = measure(separate, runs)
        raw = pdf.write_pdf(html, job.style, display, ready)
        draw(ready)  # one drawing first: WeasyPrint's first in a process is slower
        first, rebuild, without = Times(), Times(), Times()
        for _ in range(runs):  # in turn, so each difference is taken under the same load
            with keeping(False):
                first.wall += measure(draw_separating, 1).wall
            rebuild.wall += measure(draw_separating, 1).wall
            without.wall += measure(lambda: draw(ready), 1).wall
    finishing = measure(lambda: pdf.finish_pages(raw, job.style), runs)
    pdfx = pdfx_times(raw, job.style, runs)
    added_first = median([a - b for a, b in zip(first.wall, without.wall)]) + median(pdfx.wall)
    added_rebuild = median([a - b for a, b in zip(rebuild.wall, without.wall)]) + median(pdfx.wall)
    return "\n".join([
        (f"press-ready pages.pdf ({runs} runs, medians; load average {load_before:.1f}, then {load_average():.1f}): "
         f"{len(pictures)} photos, {pixels / 1e6:.1f} Mpx at {job.style.press.image_ppi:g} ppi as placed"),
        (f"  separation alone           {median(fresh.wall):6.3f} s wall, {median(fresh.cpu):.3f} s CPU "
         f"({press.WORKERS} threads, colour tables made anew as in a build; {median(warm.wall):.3f} s with them "
         f"in memory); {median(from_kept.wall):.3f} s wall, {median(from_kept.cpu):.3f} s CPU from kept copies"),
        (f"  drawing pages.pdf          {median(first.wall):6.3f} s with the separation beside it, "
         f"{median(rebuild.wall):.3f} s taking kept copies, {median(without.wall):.3f} s with the photos in memory"),
        (f"  PDF/X finishing            {median(pdfx.wall):6.3f} s (colours to K, overprint, crop marks; "
         f"{median(finishing.wall):.3f} s with the bleed-box copy a build makes anyway)"),
        (f"  added to a build           {added_first:6.3f} s separating the photos, {added_rebuild:.3f} s with them "
         f"kept from an earlier build (medians of the differences in turn); target ≤ {TARGET_ADDED_S:g} s"),
        ("  (on a machine with no core to spare the separation's CPU is added nearly whole: "
         f"{median(fresh.cpu) + median(pdfx.cpu):.3f} s)"),
        first_build_report(edition_arg, runs),
    ])


def first_build_report(edition_arg: str, runs: int) -> str:
    """`pinban pdf` as a fresh process, in turn with no separated photos kept (a first build:
    its drawing process makes the colour tables while this one lays out, and separates while
    WeasyPrint lays the pages out) and with them kept from an earlier build."""
    from scale import pinban_command, reap

    def pdf_run(cache: str, out: str) -> tuple[float, float]:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        started = time.perf_counter()
        proc = subprocess.Popen([*pinban_command(), "pdf", edition_arg, "-o", out, "-q"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        code, cpu, _ = reap(proc)
        if code:
            raise RuntimeError(f"pinban pdf exited {code}")
        return time.perf_counter() - started, cpu

    first, again = Times(), Times()
    with tempfile.TemporaryDirectory(prefix="pinban-bench-first-") as tmp:
        kept = os.path.join(tmp, "kept")
        try:
            pdf_run(kept, os.path.join(tmp, "out"))  # keeps the copies
            for n in range(runs):
                for times, cache in ((first, os.path.join(tmp, f"empty-{n}")), (again, kept)):
                    wall, cpu = pdf_run(cache, os.path.join(tmp, "out"))
                    times.wall.append(wall)
                    times.cpu.append(cpu)
        except (OSError, RuntimeError) as exc:
            return f"  first build, fresh processes: not measured ({exc})"
    added = median([a - b for a, b in zip(first.wall, again.wall)])
    return (f"  first build, fresh processes: `pinban pdf` {median(first.wall):.3f} s with nothing kept, "
            f"{median(again.wall):.3f} s with the photos kept; added {added:.3f} s wall (median of the "
            f"differences in turn), {median(first.cpu) - median(again.cpu):.3f} s CPU; target ≤ {TARGET_ADDED_S:g} s")


@contextlib.contextmanager
def kept_in(folder: str):
    """Separated copies kept in `folder` (empty at first), not in the user's cache."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = folder
    try:
        yield
    finally:
        if before is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = before


@contextlib.contextmanager
def keeping(on: bool):
    before, press.KEEP_SEPARATED = press.KEEP_SEPARATED, on
    try:
        yield
    finally:
        press.KEEP_SEPARATED = before


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def wait_for_reviews(separated) -> None:
    for photo in separated:
        photo.review  # noqa: B018 — waits for it


def pdfx_times(raw: bytes, style, runs: int) -> Times:
    """press.finish_pdfx alone, each run on its own copy of the drawn PDF (the copying not timed)."""
    from pypdf import PdfReader, PdfWriter

    copies = iter([PdfWriter(clone_from=PdfReader(io.BytesIO(raw))) for _ in range(runs)])
    return measure(lambda: press.finish_pdfx(next(copies), style.press), runs)


def main() -> None:
    import argparse

    from pipeline.project import edition_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", nargs="?", default=None, help="edition folder or name (default: the sample)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    args = parser.parse_args()
    print(separation_report(str(edition_dir(args.edition)), max(args.runs, 1)))


if __name__ == "__main__":
    main()
