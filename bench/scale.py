"""Scaling benchmarks: synthetic editions with ×k the report text, and editions built in parallel.

A synthetic edition is a copy of the sample edition (photos and all) whose report.md carries
every body paragraph k times; heads, the intro and the photos stay as they are. Two pages cannot
hold ×2 or ×4 the text, so those layouts overset: compose and layout still do all the work
(every paragraph is composed for every copyfit pass), render draws what fits.

The batch builds N copies of the sample edition with N concurrent `pinban build` processes.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.build import Job, prepare
from pipeline.compose import compose
from pipeline.layout import lay_out
from pipeline.layout.blocks import rules_for, runs_for
from pipeline.model import BODY, SECTION, SUBSECTION, Edition
from pipeline.render import render_outputs
from pipeline.style import Style

FACTORS = (1, 2, 4)
BATCH = (1, 2, 4)


# --- timing -----------------------------------------------------------------------------------


@dataclass
class Times:
    """Wall and CPU (process_time) seconds of repeated runs."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def measure(fn: Callable[[], object], runs: int) -> Times:
    times = Times()
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        times.wall.append(time.perf_counter() - t0)
        times.cpu.append(time.process_time() - c0)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- composing the report as the layout does ----------------------------------------------------


def compose_inputs(edition: Edition, style: Style) -> list[tuple[list, float, object, str]]:
    """(runs, measure, rules, where) for every head and body paragraph of the report, with the
    paragraph styles and the column measure the layout uses in each copyfit pass."""
    out = []
    for block in edition.report:
        if block.kind in (SECTION, SUBSECTION, BODY):
            para = style.para(block.kind)
            out.append((runs_for(block.runs, para), style.column_width, rules_for(para), str(block.source)))
    return out


def compose_all(inputs: list[tuple[list, float, object, str]], faces: dict) -> int:
    """Compose every paragraph; returns the number of lines."""
    return sum(len(compose(runs, width, faces, rules, where)) for runs, width, rules, where in inputs)


def text_chars(edition: Edition) -> int:
    """Characters of the report (heads and body paragraphs), what compose_inputs composes."""
    return sum(len(b.text) for b in edition.report)


# --- synthetic editions -----------------------------------------------------------------------


def multiply_body(report: str, factor: int) -> str:
    """Every body paragraph (not a '#' head, not the '>' intro) written `factor` times."""
    out = []
    for line in report.splitlines():
        text = line.strip()
        if text and not text.startswith(("#", ">")):
            out.extend([line, ""] * (factor - 1))
        out.append(line)
    return "\n".join(out) + "\n"


def synthetic_edition(sample: Path, factor: int, root: Path) -> Path:
    """A copy of the sample edition under root/x<factor>/ (same folder name) with ×factor body text."""
    dest = root / f"x{factor}" / sample.name
    shutil.copytree(sample, dest)
    report = dest / "report.md"
    report.write_text(multiply_body(report.read_text(encoding="utf-8"), factor), encoding="utf-8")
    return dest


@dataclass(frozen=True)
class ScaleRow:
    factor: int
    chars: int
    lines: int
    compose: Times
    layout: Times
    render: Times
    passes: int
    body_size: float
    overset_lines: int
    overset_chars: int


def scale_row(job: Job, factor: int, runs: int) -> ScaleRow:
    inputs = compose_inputs(job.edition, job.style)
    lines = compose_all(inputs, job.faces)  # warm-up
    lay_out(job.edition, job.style, job.faces)
    compose_times = measure(lambda: compose_all(inputs, job.faces), runs)
    layouts: list = []
    layout_times = measure(lambda: layouts.append(lay_out(job.edition, job.style, job.faces)), runs)
    display = layouts[-1]
    render_times = measure(lambda: render_outputs(display, job.style, job.out, job.faces), runs)
    over = display.overset
    return ScaleRow(factor, text_chars(job.edition), lines, compose_times, layout_times, render_times,
                    display.passes, display.body_size, over.lines if over else 0, over.chars if over else 0)


def scaling(sample: Path, runs: int, factors: tuple[int, ...] = FACTORS) -> list[ScaleRow]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="pinban-scale-") as tmp:
        for factor in factors:
            folder = synthetic_edition(sample, factor, Path(tmp))
            job = prepare(str(folder), str(Path(tmp) / f"out-x{factor}"))
            rows.append(scale_row(job, factor, runs))
    return rows


def per_k_chars(seconds: float, chars: int) -> float:
    """ms per 1,000 characters."""
    return seconds * 1000 / (chars / 1000)


@dataclass(frozen=True)
class LinearFit:
    per_k_ms: float  # marginal cost: ms per 1,000 more characters
    fixed_ms: float  # cost at zero characters
    worst: float  # largest relative distance of a point from the line


def linear_fit(rows: list[ScaleRow], pick: Callable[[ScaleRow], Times]) -> LinearFit:
    """Least squares t = fixed + slope·chars over the median CPU times (steadier than wall time
    on a shared machine; these stages run on one thread)."""
    xs = [r.chars / 1000 for r in rows]
    ys = [median(pick(r).cpu) * 1000 for r in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    fixed = my - slope * mx
    worst = max(abs(fixed + slope * x - y) / y for x, y in zip(xs, ys))
    return LinearFit(slope, fixed, worst)


def linear_verdict(rows: list[ScaleRow], pick: Callable[[ScaleRow], Times], tolerance: float = 0.10) -> str:
    fit = linear_fit(rows, pick)
    shape = "linear" if fit.worst <= tolerance else "NOT linear"
    return (f"{shape}: {fit.fixed_ms:.0f} ms fixed + {fit.per_k_ms:.1f} ms per 1,000 characters "
            f"(points within {fit.worst:.0%} of the line)")


# --- processes --------------------------------------------------------------------------------


def pinban_command() -> list[str]:
    """`pinban` beside this interpreter (the venv's script), else the module run by it."""
    script = Path(sys.executable).parent / "pinban"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from pipeline.cli import main; main()"]


@dataclass(frozen=True)
class ProcessRun:
    seconds: float
    cpu: float  # user + system seconds of the process
    peak_kib: int  # ru_maxrss of the process
    code: int
    error: str


def start_build(edition: Path | str, out: Path, log: Path) -> subprocess.Popen:
    cmd = [*pinban_command(), "build", str(edition), "-o", str(out), "-q"]
    with open(log, "wb") as fh:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=fh)


def reap(proc: subprocess.Popen) -> tuple[int, float, int]:
    """Wait for one child with wait4, so its own usage is known: (exit code, CPU s, peak KiB)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def last_error(log: Path) -> str:
    lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def fresh_build(edition: Path | str, work: Path) -> ProcessRun:
    """One `pinban build` in a new process: wall time and peak RSS."""
    log = work / "build.log"
    t0 = time.perf_counter()
    proc = start_build(edition, work / "out", log)
    code, cpu, peak = reap(proc)
    seconds = time.perf_counter() - t0
    return ProcessRun(seconds, cpu, peak, code, last_error(log) if code else "")


IMPORTS = ("import pipeline.cli, pipeline.build, pipeline.layout, pipeline.render, pipeline.checks, pipeline.draft, "
           "pipeline.proof, weasyprint, pypdf, pypdfium2, docx, PIL.Image, reportlab.pdfgen.canvas")


def fresh_imports() -> ProcessRun:
    """A new interpreter importing what a build imports: the part of a fresh build that no stage shows."""
    with tempfile.TemporaryDirectory(prefix="pinban-import-") as tmp:
        log = Path(tmp) / "import.log"
        t0 = time.perf_counter()
        with open(log, "wb") as fh:
            proc = subprocess.Popen([sys.executable, "-c", IMPORTS], stdout=subprocess.DEVNULL, stderr=fh)
        code, cpu, peak = reap(proc)
        return ProcessRun(time.perf_counter() - t0, cpu, peak, code, last_error(log) if code else "")


def fresh_builds(edition: Path | str, runs: int) -> list[ProcessRun]:
    out = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="pinban-build-") as tmp:
            out.append(fresh_build(edition, Path(tmp)))
    return out


@dataclass(frozen=True)
class BatchRow:
    editions: int
    wall: float
    cpu: float  # all children, user + system
    peak_kib: int  # the largest child
    failures: int
    error: str


def batch(sample: Path, count: int) -> BatchRow:
    """`count` copies of the sample edition built by `count` concurrent processes."""
    with tempfile.TemporaryDirectory(prefix="pinban-batch-") as tmp:
        root = Path(tmp)
        copies = []
        for i in range(count):
            dest = root / f"e{i}" / sample.name
            shutil.copytree(sample, dest)
            copies.append(dest)
        logs = [root / f"e{i}.log" for i in range(count)]
        t0 = time.perf_counter()
        procs = [start_build(c, root / f"out{i}", log) for i, (c, log) in enumerate(zip(copies, logs))]
        results = [reap(p) for p in procs]
        wall = time.perf_counter() - t0
        failed = [i for i, (code, _, _) in enumerate(results) if code]
        error = last_error(logs[failed[0]]) if failed else ""
    return BatchRow(count, wall, sum(cpu for _, cpu, _ in results), max(peak for _, _, peak in results),
                    len(failed), error)


def batches(sample: Path, counts: tuple[int, ...] = BATCH) -> list[BatchRow]:
    return [batch(sample, n) for n in counts]
