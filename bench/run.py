"""pinban benchmarks (figures to read, never timed tests): `make bench`.

Prints the machine, then the editor's loop: `pinban pdf`, `pinban build` and the Typst peer (the
same document, photos embedded) as fresh processes in turn, their medians and ratios pair by
pair, and `pinban watch`'s one-character edit → new preview; appends them to bench/history.tsv.
With --all also medians (min–max) over N runs of each stage on the sample edition — load,
compose, layout with its copyfit passes, render broken down (HTML, WeasyPrint layout, WeasyPrint
write_pdf, imposition, PNG preview, file writes), DOCX, proof — and `pinban build` as a fresh
process with its peak memory; then scaling over ×1/×2/×4 text and parallel batches, and the peer
against the in-process stages. In-process stages are timed after one warm-up build.

    python bench/run.py [--runs N | --quick] [--all [--no-scale]] [--profile] [EDITION]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes.util
import io
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import loop
import peer_typst
import press_cost
import scale
from scale import Times, measure, median

from pipeline import render
from pipeline.build import Job, check_built, prepare
from pipeline.errors import PinbanError
from pipeline.layout import lay_out
from pipeline.project import edition_dir
from pipeline.render import pdf as render_pdf

TARGET_BUILD_S = 3.0
TARGET_COMPOSE_MS = 50.0


# --- the machine ------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


def version_of(module: str) -> str:
    try:
        return __import__(module).__version__
    except (ImportError, AttributeError):
        return "not installed"


def load_average() -> str:
    """Other work on the machine slows every wall-clock figure: say how busy it was."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def machine() -> str:
    subset = "yes" if ctypes.util.find_library("harfbuzz-subset") else "NO (write_pdf subsets with fontTools: slow)"
    return (f"machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.1f} GiB, "
            f"{platform.system()} {platform.release()}; {load_average()}\n"
            f"software: Python {platform.python_version()}, WeasyPrint {version_of('weasyprint')}, "
            f"pypdf {version_of('pypdf')}, typst-py {version_of('typst')}, libharfbuzz-subset: {subset}")


# --- the table --------------------------------------------------------------------------------


@dataclass
class Table:
    rows: list[tuple[str, Times, str]] = field(default_factory=list)

    def add(self, name: str, times: Times, note: str = "") -> None:
        self.rows.append((name, times, note))

    def render(self, title: str) -> str:
        out = [title, f"{'stage':38s} {'median':>8s} {'min':>8s} {'max':>8s} {'cpu':>8s}  notes"]
        for name, t, note in self.rows:
            if t.wall:
                cpu = fmt(median(t.cpu)) if t.cpu else ""
                out.append(f"{name:38s} {fmt(median(t.wall)):>8s} {fmt(min(t.wall)):>8s} {fmt(max(t.wall)):>8s} "
                           f"{cpu:>8s}  {note}".rstrip())
            else:
                out.append(f"{name:38s} {'—':>8s} {'':8s} {'':8s} {'':8s}  {note}")
        return "\n".join(out)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


# --- render broken down by wrapping the functions it calls ---------------------------------------


class Clock:
    """Accumulates wall and CPU time spent in wrapped functions, per label, over one call of the whole."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def wrap(self, label: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            c0, t0 = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - t0
                self.cpu[label] += time.process_time() - c0

        return timed


RENDER_PARTS = (  # each function where render_outputs and draw_pdfs look it up
    ("HTML generation (pages_html)", render, "pages_html"),
    ("WeasyPrint layout (HTML.render)", None, "weasyprint.HTML.render"),
    ("WeasyPrint write_pdf (Document)", None, "weasyprint.document.Document.write_pdf"),
    ("plant file finished (pypdf)", render_pdf, "finish_pages"),
    ("impose spread (pypdf)", render_pdf, "impose_spread"),
    ("preview PNG (pypdfium2)", render, "preview_png"),
    ("write files (write_atomic)", render_pdf, "write_atomic"),
)


def owner_of(module, dotted: str) -> tuple[object, str]:
    if module is not None:
        return module, dotted
    import weasyprint
    import weasyprint.document

    owner_path, attr = dotted.rsplit(".", 1)
    owner: object = {"weasyprint.HTML": weasyprint.HTML,
                     "weasyprint.document.Document": weasyprint.document.Document}[owner_path]
    return owner, attr


@contextlib.contextmanager
def clocked_render(clock: Clock) -> Iterator[None]:
    saved = []
    for label, module, name in RENDER_PARTS:
        owner, attr = owner_of(module, name)
        original = getattr(owner, attr)
        saved.append((owner, attr, original))
        setattr(owner, attr, clock.wrap(label, original))
    try:
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def render_breakdown(job: Job, display, runs: int) -> tuple[Times, dict[str, Times]]:
    total, parts = Times(), defaultdict(Times)
    for _ in range(runs):
        clock = Clock()
        with clocked_render(clock):
            once = measure(lambda: render.render_outputs(display, job.style, job.out, job.faces), 1)
        total.wall += once.wall
        total.cpu += once.cpu
        for label, _, _ in RENDER_PARTS:
            parts[label].wall.append(clock.wall.get(label, 0.0))
            parts[label].cpu.append(clock.cpu.get(label, 0.0))
    return total, parts


# --- the stages -------------------------------------------------------------------------------


def optional(module: str, attr: str):
    """A function of a pipeline module that may not be written yet; None and the reason if not."""
    try:
        return getattr(__import__(f"pipeline.{module}", fromlist=[attr]), attr), ""
    except ImportError as exc:
        return None, f"pipeline/{module}.py not importable ({exc})"
    except AttributeError:
        return None, f"pipeline/{module}.py has no {attr}"


def warm_up(edition_arg: str, out: str) -> tuple[Job, Times]:
    """One build's worth of work before timing; returns the job and the time of the first load
    (fontconfig look-ups and font files; the faces are cached for the rest of the process)."""
    jobs: list[Job] = []
    first = measure(lambda: jobs.append(prepare(edition_arg, out)), 1)
    job = jobs[0]
    display = lay_out(job.edition, job.style, job.faces)
    render.render_outputs(display, job.style, job.out, job.faces)
    return job, first


def stage_table(edition_arg: str, runs: int, work: Path) -> tuple[Table, dict]:
    out = str(work / "stages")
    job, first = warm_up(edition_arg, out)
    table, facts = Table(), {}
    table.add("load (edition, style, faces)", measure(lambda: prepare(edition_arg, out), runs),
              f"{len(job.edition.blocks)} blocks, {len(job.edition.photos)} photos; first load in a process "
              f"{fmt(first.wall[0])} (faces then cached)")
    inputs = scale.compose_inputs(job.edition, job.style)
    lines = scale.compose_all(inputs, job.faces)
    compose_times = measure(lambda: scale.compose_all(inputs, job.faces), runs)
    facts["compose"] = median(compose_times.wall)
    table.add("compose (all report text, once)", compose_times,
              f"{len(inputs)} paragraphs, {scale.text_chars(job.edition):,} chars, {lines} lines")
    displays: list = []
    layout_times = measure(lambda: displays.append(lay_out(job.edition, job.style, job.faces)), runs)
    display = displays[-1]
    facts["layout"] = median(layout_times.wall)
    table.add("layout incl. copyfit (composes too)", layout_times, layout_note(display))
    totals, parts = render_breakdown(job, display, runs)
    facts["render"] = median(totals.wall)
    facts["pages_pdf"] = sum(median(parts[label].wall) for label, _, _ in RENDER_PARTS[:3])
    table.add("render (render_outputs)", totals, "pages.pdf, spread.pdf, spread.png")
    for label, times in parts.items():
        table.add(f"  {label}", times)
    findings = add_check_rows(table, job, display, runs)
    add_docx_row(table, job, display, findings, runs)
    add_proof_row(table, job, display, runs)
    return table, facts


def layout_note(display) -> str:
    over = f"OVERSET {display.overset.lines} lines" if display.overset else "no overset"
    return f"{display.passes} copyfit passes, body {display.body_size:g} pt, {over}"


def add_check_rows(table: Table, job: Job, display, runs: int) -> list:
    """The checks build_all runs: preflight, layout checks, the audit of the written PDF."""
    check_sources, why = optional("checks.text", "check_sources")
    if check_sources is None:
        table.add("checks", Times(), f"skipped: {why}")
        return []
    found: list = []
    table.add("preflight (check_sources)", measure(lambda: found.append(check_sources(job.edition, job.style,
                                                                                      job.faces)), runs))
    check_layout, _ = optional("checks.layout", "check_layout")
    audit_pdf, _ = optional("checks.pdf", "audit_pdf")
    pdf = job.out / "spread.pdf"
    for name, fn in (("layout checks (check_layout)", lambda: check_layout(display, job.edition, job.style)),
                     ("PDF audit (audit_pdf)", lambda: audit_pdf(pdf, display, job.edition, job.style))):
        try:
            table.add(name, measure(fn, runs))
        except (TypeError, PinbanError) as exc:
            table.add(name, Times(), f"failed: {exc}")
    return found[-1]


def add_docx_row(table: Table, job: Job, display, findings: list, runs: int) -> None:
    export_draft, why = optional("docx", "export_draft")
    if export_draft is None:
        table.add("DOCX (export_draft)", Times(), f"skipped: {why}")
        return
    locations = display.locations()
    findings = [f for f in findings if f.block_id]
    table.add("DOCX (export_draft)", measure(lambda: export_draft(job.edition, job.out, findings, locations), runs),
              "draft.docx + manifest")


def add_proof_row(table: Table, job: Job, display, runs: int) -> None:
    write_proof, why = optional("proof", "write_proof")
    if write_proof is None:
        table.add("proof (write_proof)", Times(), f"skipped: {why}")
        return
    pdfs = render.render_outputs(display, job.style, job.out, job.faces)
    try:
        findings = check_built(job, display, job.out / "spread.pdf")
        table.add("proof (write_proof)", measure(lambda: write_proof(job, display, pdfs, 1, findings), runs), "round 1")
    except (PinbanError, TypeError, ValueError) as exc:
        table.add("proof (write_proof)", Times(), f"failed: {exc}")


def fresh_rows(table: Table, edition_arg: str, runs: int, facts: dict) -> None:
    imports = [scale.fresh_imports() for _ in range(runs)]
    note = "interpreter start + the modules a build imports"
    if imports[0].code:
        note += f"; failed: {imports[0].error}"
    table.add("python start + imports, fresh process", Times([r.seconds for r in imports], [r.cpu for r in imports]),
              note)
    done = scale.fresh_builds(edition_dir(edition_arg), runs)
    failed = [r for r in done if r.code]
    facts["build"] = median([r.seconds for r in done])
    facts["build_cpu"] = median([r.cpu for r in done])
    note = f"peak RSS {max(r.peak_kib for r in done) / 1024:.0f} MiB (wait4 ru_maxrss)"
    if failed:
        note += f"; {len(failed)} exited {failed[0].code}: {failed[0].error}"
    table.add("pinban build, fresh process", Times([r.seconds for r in done], [r.cpu for r in done]), note)


def targets(facts: dict) -> str:
    build, cpu = facts.get("build", float("nan")), facts.get("build_cpu", float("nan"))
    compose = facts.get("compose", float("nan")) * 1000
    return (f"targets (2-core machine): full build ≤ {TARGET_BUILD_S:g} s: {build:.2f} s wall, {cpu:.2f} s CPU — "
            f"{verdict(build, cpu, TARGET_BUILD_S)}; compose ≤ {TARGET_COMPOSE_MS:g} ms: {compose:.0f} ms — "
            f"{verdict(compose, compose, TARGET_COMPOSE_MS)}")


def verdict(wall: float, cpu: float, target: float) -> str:
    if wall <= target:
        return "met"
    return "met in CPU time, not in wall time (busy machine)" if cpu <= target else "NOT met"


def busy_warning(facts: dict) -> str:
    """A fresh build is one busy thread: wall time well above its CPU time means other work
    shared the cores, and every wall figure is inflated."""
    wall, cpu = facts.get("build", 0.0), facts.get("build_cpu", 0.0)
    if not cpu or wall <= 1.2 * cpu:
        return ""
    return (f"note: the machine was busy (a fresh build took {wall:.2f} s wall for {cpu:.2f} s CPU): wall times "
            "are inflated; the cpu column (process time) is closer to what an idle machine takes")


# --- scaling, batch and peer ------------------------------------------------------------------


SCALE_HEAD = (f"{'text':5s} {'chars':>7s} {'lines':>6s} {'compose':>8s} {'ms/1k':>6s} {'layout':>8s} {'ms/1k':>6s} "
              f"{'render':>8s} {'passes':>6s} {'body':>7s}  overset")


def scaling_report(sample: Path, runs: int) -> str:
    rows = scale.scaling(sample, runs)
    out = [f"scaling: synthetic editions, every body paragraph ×k, photos kept; median CPU time of {runs} runs",
           SCALE_HEAD]
    for r in rows:
        c, lay, ren = median(r.compose.cpu), median(r.layout.cpu), median(r.render.cpu)
        over = f"{r.overset_lines} lines, {r.overset_chars:,} chars" if r.overset_lines else "none"
        out.append(f"×{r.factor:<4d} {r.chars:7,d} {r.lines:6d} {fmt(c):>8s} {scale.per_k_chars(c, r.chars):6.1f} "
                   f"{fmt(lay):>8s} {scale.per_k_chars(lay, r.chars):6.1f} {fmt(ren):>8s} {r.passes:6d} "
                   f"{r.body_size:5.2f}pt  {over}")
    out.append(f"compose: {scale.linear_verdict(rows, lambda r: r.compose)}")
    out.append(f"layout:  {scale.linear_verdict(rows, lambda r: r.layout)}")
    out.append("         (layout = compose in every copyfit pass, linear, + the copyfit search, whose cost depends on "
               "how the text fits, not on its length)")
    out.append("render:  draws only what fits on the two pages (more lines at a 9 pt body than at 9.75 pt), not the "
               "overset text, so it does not grow with the text")
    return "\n".join(out)


def batch_report(sample: Path) -> str:
    out = [f"batch: N copies of the sample built by N concurrent `pinban build` processes ({os.cpu_count()} cores)",
           f"{'N':>3s} {'wall':>8s} {'per edition':>12s} {'editions/min':>13s} {'cpu total':>10s} {'peak RSS':>9s}"]
    for r in scale.batches(sample):
        fail = f"  {r.failures} FAILED: {r.error}" if r.failures else ""
        out.append(f"{r.editions:3d} {fmt(r.wall):>8s} {fmt(r.wall / r.editions):>12s} "
                   f"{60 * r.editions / r.wall:13.1f} {fmt(r.cpu):>10s} {r.peak_kib / 1024:5.0f} MiB{fail}")
    out.append("throughput is bounded by the cores: each build is one busy process")
    return "\n".join(out)


def peer_report(edition_arg: str, runs: int, facts: dict, work: Path) -> str:
    job = prepare(edition_arg, str(work / "peer-out"))
    display = lay_out(job.edition, job.style, job.faces)
    result = peer_typst.run_peer(job.edition, job.style, display, runs, work)
    if result.error:
        return f"peer: Typst not measured — {result.error}"
    typst_s = median(result.times)
    facts["typst"] = typst_s
    lines = [
        "peer: the same text in Typst (typst-py), an equivalent two-page 8-column document with the photos embedded",
        (f"  Typst compile to PDF (fresh process, font scan included): median {fmt(typst_s)}, "
         f"min {fmt(min(result.times))}, max {fmt(max(result.times))}; {result.pages} pages"),
    ]
    if "layout" in facts:  # the in-process stages were measured in this run
        comparable = facts["layout"] + facts["pages_pdf"]
        full = facts["layout"] + facts["render"]
        lines += [
            (f"  pinban, same work (layout incl. compose + HTML + WeasyPrint layout + write_pdf = pages.pdf): "
             f"{fmt(comparable)}  → pinban ÷ Typst = {comparable / typst_s:.1f}"),
            (f"  pinban layout + all of render (adds spread imposition, PNG preview, writes): "
             f"{fmt(full)}  → ÷ Typst = {full / typst_s:.1f}"),
        ]
    return "\n".join(lines)


# --- the editor's loop ------------------------------------------------------------------------


TARGET_PDF_S, TARGET_BUILD_S_LOOP, TARGET_EDIT_S = 1.6, 2.0, 1.0


def loop_report(edition_arg: str, runs: int, work: Path) -> str:
    """`pinban pdf`, `pinban build` and Typst on the same document (photos embedded), each a fresh
    process, in turn — Typst, pdf, build, Typst, … — so that each ratio is taken pair by pair in
    the same moment of a shared machine; then watch's edit → preview against Typst's median.
    Appended to bench/history.tsv."""
    job = prepare(edition_arg, str(work / "peer-out"))
    display = lay_out(job.edition, job.style, job.faces)
    compile_peer, peer_error = peer_typst.prepared_peer(job.edition, job.style, display, work / "peer")
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)  # user + system of the process and its children
    failed: list[str] = []
    for _ in range(runs):
        if compile_peer is not None:
            try:
                times["typst"].append(compile_peer())
            except (RuntimeError, ValueError) as exc:
                compile_peer, peer_error = None, f"typst failed: {exc}"
        for command in ("pdf", "build"):
            run, = loop.fresh_command(command, edition_arg, 1)
            times[command].append(run.seconds)
            cpu[command].append(run.cpu)
            if run.code:
                failed.append(f"{command} exited {run.code}: {run.error}")
    edits, error = loop.watch_edits(Path(edition_arg), runs)
    figures = {"pdf_s": median(times["pdf"]), "build_s": median(times["build"]),
               "watch_edit_s": median(edits) if edits else float("nan"),
               "typst_s": median(times["typst"]) if times["typst"] else float("nan")}
    figures["pdf_per_typst"] = paired_ratio(times["pdf"], times["typst"])
    lines = [f"the editor's loop: {runs} runs each, in turn; medians (min–max)",
             loop_row("pinban pdf, fresh process", times["pdf"], TARGET_PDF_S),
             loop_row("pinban build, fresh process", times["build"], TARGET_BUILD_S_LOOP),
             loop_row("watch: edit → new preview", edits, TARGET_EDIT_S) + (f"; failed: {error}" if error else ""),
             (f"  CPU (user + system, every process of the command): pdf {fmt(median(cpu['pdf']))}, "
              f"build {fmt(median(cpu['build']))} (medians; on 2 cores no run takes less than half its CPU)"),
             *(f"  FAILED: {f}" for f in failed[:2])]
    if times["typst"]:
        typst = figures["typst_s"]
        lines += [loop_row("Typst, fresh process (peer)", times["typst"], None),
                  (f"  ÷ Typst (pair by pair): pdf {figures['pdf_per_typst']:.1f}, "
                   f"build {paired_ratio(times['build'], times['typst']):.1f}, "
                   f"edit → preview {figures['watch_edit_s'] / typst:.1f} (÷ the median)")]
    else:
        lines.append(f"  Typst not measured: {peer_error}")
    before = loop.previous()
    path = loop.append_history(figures, load_average())
    if before:
        lines.append(f"  last recorded ({before['date']}, {before['commit']}): pdf {before['pdf_s'] or '—'} s, "
                     f"build {before['build_s'] or '—'} s, edit → preview {before['watch_edit_s'] or '—'} s, "
                     f"pdf ÷ Typst {before['pdf_per_typst'] or '—'}")
    lines.append(f"  appended to bench/{path.name}")
    return "\n".join(lines)


def loop_row(name: str, seconds: list[float], target: float | None) -> str:
    if not seconds:
        return f"  {name:31s} {'—':>8s}"
    row = f"  {name:31s} {fmt(median(seconds)):>8s}  ({fmt(min(seconds))}–{fmt(max(seconds))})"
    return row + (f"; target ≤ {target:g} s" if target else "")


def paired_ratio(numerators: list[float], denominators: list[float]) -> float:
    pairs = [a / b for a, b in zip(numerators, denominators) if b]
    return median(pairs) if pairs else float("nan")


# --- profile ----------------------------------------------------------------------------------


PROFILE_ONE = """
import cProfile, sys
edition, out, prof = sys.argv[1:4]
sys.argv = ["pinban", "build", edition, "-o", out, "-q"]
cProfile.run("from pipeline.cli import main; main()", prof)
"""


def profile_report(edition_arg: str, work: Path, top: int = 15) -> str:
    """cProfile of one `pinban build` in a fresh process (imports included)."""
    prof = work / "build.prof"
    subprocess.run([sys.executable, "-c", PROFILE_ONE, str(edition_dir(edition_arg)), str(work / "prof-out"), str(prof)],
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not prof.exists():
        return "profile: the profiled build failed"
    return "\n".join([stats_text(prof, "cumulative", top), stats_text(prof, "tottime", 10)])


def stats_text(prof: Path, key: str, top: int) -> str:
    buffer = io.StringIO()
    stats = pstats.Stats(str(prof), stream=buffer)
    stats.strip_dirs().sort_stats(key).print_stats(top)
    lines = [line for line in buffer.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    total = next((line.strip() for line in lines if "function calls" in line), "")
    return f"profile of one `pinban build`, by {key} (top {top}); {total}\n" + "\n".join(lines[start:])


# --- main -------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="pinban benchmarks (figures, not tests)")
    parser.add_argument("edition", nargs="?", default=None, help="edition folder or name (default: the sample)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--quick", action="store_true", help="3 runs per figure")
    parser.add_argument("--profile", action="store_true", help="cProfile one build, top 15 by cumulative time")
    parser.add_argument("--all", action="store_true",
                        help="also the in-process stages, scaling, parallel batches and the stage-level peer")
    parser.add_argument("--no-scale", action="store_true", help="with --all: skip the scaling and batch sections")
    args = parser.parse_args()
    if args.quick:
        args.runs = 3
    args.runs = max(args.runs, 1)
    return args


def section(text: str) -> None:
    print(text, end="\n\n", flush=True)


def main() -> None:
    args = parse_args()
    edition_arg = str(edition_dir(args.edition))
    sample = Path(edition_arg)
    started = time.perf_counter()
    section(machine())
    with tempfile.TemporaryDirectory(prefix="pinban-bench-") as tmp:
        work = Path(tmp)
        section(loop_report(edition_arg, args.runs, work))
        if not args.all:   # what the plant file's separation adds to a build (--all reports it below)
            section(press_cost.separation_report(edition_arg, min(args.runs, 3)))
        if args.all:
            table, facts = stage_table(edition_arg, args.runs, work)
            fresh_rows(table, edition_arg, args.runs, facts)
            section(table.render(f"stages on {sample.name}: {args.runs} runs each, in-process after one warm-up"))
            section(targets(facts))
            if busy_warning(facts):
                section(busy_warning(facts))
            section(press_cost.separation_report(edition_arg, args.runs))
            if not args.no_scale:
                section(scaling_report(sample, min(args.runs, 3)))
                section(batch_report(sample))
            section(peer_report(edition_arg, args.runs, facts, work))
        if args.profile:
            section(profile_report(edition_arg, work))
    print(f"bench finished in {time.perf_counter() - started:.0f} s; {load_average()}")


if __name__ == "__main__":
    main()
