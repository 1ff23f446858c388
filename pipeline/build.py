"""Orchestration of the stages for the CLI and the tests: load → compose/layout → outputs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .display import DisplayList
from .errors import PinbanError, UsageError
from .fonts import Face, load_face
from .model import Edition, Finding
from .project import edition_dir, output_dir, project_root, write_atomic
from .sources import load_edition
from .style import Style, load_style


class Progress(Protocol):
    def step(self, text: str) -> None: ...
    def detail(self, text: str) -> None: ...
    def done(self, path: Path) -> None: ...


class Silent:
    def step(self, text: str) -> None: ...
    def detail(self, text: str) -> None: ...
    def done(self, path: Path) -> None: ...


@dataclass(frozen=True)
class Job:
    """One edition loaded with its house style and faces, and where its outputs go."""

    edition: Edition
    style: Style
    faces: dict[str, Face]
    out: Path


def prepare(edition_arg: str | None, out: str | None) -> Job:
    folder = edition_dir(edition_arg)
    edition = load_edition(folder)
    style = load_style(project_root() / "styles", edition.style)
    faces = {f.key: load_face(f.key, f.family, f.weight) for f in style.faces}
    return Job(edition, style, faces, output_dir(folder, out))


def lay_out(job: Job, progress: Progress) -> DisplayList:
    from .layout import lay_out as layout_edition

    progress.step("composing and laying out")
    display = layout_edition(job.edition, job.style, job.faces)
    progress.detail(f"{display.passes} copyfit pass(es), body {display.body_size} pt on {display.leading} pt")
    return display


def overset_error(display: DisplayList, edition: Edition) -> PinbanError | None:
    """The build's failure when text does not fit: how much, in which sections, from which line."""
    o = display.overset
    if o is None:
        return None
    first = next((b for b in edition.blocks if o.blocks and b.id == o.blocks[0]), None)
    return PinbanError(
        f"overset: {o.lines} lines ({o.chars} characters) do not fit, in {', '.join(o.sections) or 'the report'}",
        f"{edition.root.name}/{first.source}" if first else edition.root.name,
        "cut text, drop or shrink a photo, or allow a smaller body size in the house style",
    )


def write_pdfs(job: Job, display: DisplayList, progress: Progress) -> list[Path]:
    from .render import render_outputs

    progress.step("drawing the spread")
    paths = render_outputs(display, job.style, job.out, job.faces)
    for p in paths:
        progress.done(p)
    return paths


def build_pdf(edition_arg: str | None, out: str | None, progress: Progress) -> DisplayList:
    job = prepare(edition_arg, out)
    warn_notices(job.edition.notices, progress)
    display = lay_out(job, progress)
    error = overset_error(display, job.edition)
    write_pdfs(job, display, progress)
    if error:
        raise error
    return display


def build_docx(edition_arg: str | None, out: str | None, progress: Progress) -> list[Path]:
    from .check import check_layout, check_sources
    from .draft import export_draft

    job = prepare(edition_arg, out)
    findings = check_sources(job.edition, job.style, job.faces)
    locations: dict[str, str] = {}
    try:
        display = lay_out(job, progress)
    except PinbanError as exc:  # the draft is still useful without locations
        progress.step(f"no locations in the draft: {exc}")
    else:
        locations = display.locations()
        findings += check_layout(display, job.edition, job.style, already=findings)
    progress.step("writing the DOCX draft")
    # the proofreaders' comments: findings in the text, as `pinban build` gives them
    paths = list(export_draft(job.edition, job.out, [f for f in findings if f.block_id], locations))
    for p in paths:
        progress.done(p)
    return paths


def warn_notices(notices: tuple[Finding, ...], progress: Progress) -> None:
    for n in notices:
        progress.step(f"{n.severity}: {n.where}: {n.message}")


def run_check(edition_arg: str | None, out: str | None, progress: Progress, strict: bool, as_json: bool) -> bool:
    from .check import check_edition, format_findings

    try:
        job = prepare(edition_arg, out)
    except PinbanError as exc:
        if not as_json or isinstance(exc, UsageError):
            raise
        failure = Finding("error", "load-failed", exc.message, exc.where, exc.hint)
        print(json.dumps([finding_json(failure)], ensure_ascii=False, indent=1))
        return True
    findings = check_edition(job, progress)
    failing = [f for f in findings if f.severity == "error" or (strict and f.severity == "warning")]
    if as_json:
        print(json.dumps([finding_json(f) for f in findings], ensure_ascii=False, indent=1))
    else:
        print(format_findings(findings))
    return bool(failing)


def finding_json(f: Finding) -> dict:
    return {k: v for k, v in f.__dict__.items() if v not in ("", -1, None)}


def build_proof(edition_arg: str | None, out: str | None, progress: Progress, round_: int = 1) -> Path:
    from .proof import write_proof

    job = prepare(edition_arg, out)
    display = lay_out(job, progress)
    pdfs = write_pdfs(job, display, progress)
    progress.step("drawing the proof")
    path = write_proof(job, display, pdfs, round_)
    progress.done(path)
    error = overset_error(display, job.edition)
    if error:  # the proof, marked OVERSET, is written first: the editor needs it most then
        raise error
    return path


def apply_proof(reviewed: Path, edition_arg: str | None, progress: Progress, dry_run: bool = False,
                quiet: bool = False) -> None:
    from .review import apply_review, edition_of

    # not named: the edition the draft was made for (its custom property, or its manifest)
    folder = edition_dir(edition_arg or edition_of(reviewed) or None)
    result = apply_review(reviewed, folder, dry_run=dry_run)
    if not quiet:
        print(result.report())
    # Everything that needs the editor's hand makes the command fail, after the report.
    left = [(len(result.conflicts), "in conflict"), (len(result.not_applied), "not applied"),
            (len(result.mapping.unmapped), "not mapped to a source")]
    left = [f"{n} paragraph(s) {what}" for n, what in left if n]
    if left:
        raise PinbanError("; ".join(left) + ", left unchanged", str(reviewed), "see the lists above")


def build_all(edition_arg: str | None, out: str | None, progress: Progress) -> None:
    """Every output from one layout: PDFs and preview, DOCX draft, proof, and the build report
    (findings of the preflight, the layout and the PDF audit). Overset still fails the build,
    after everything, the proof included, has been written. The drawing is done by a
    RenderWorker, so the machine's second core imports WeasyPrint while this one lays out, and
    draws the preview while this one makes the DOCX and the proof."""
    from .render import RenderWorker

    with RenderWorker() as worker:
        build_everything(edition_arg, out, progress, worker)


def build_everything(edition_arg: str | None, out: str | None, progress: Progress, worker) -> None:
    import time

    from .check import check_built, format_findings
    from .draft import export_draft
    from .proof import write_proof

    clock = time.perf_counter()
    timings: list[tuple[str, float]] = []

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings.append((stage, now - clock))
        clock = now

    job = prepare(edition_arg, out)
    warn_notices(job.edition.notices, progress)
    lap("load")
    display = lay_out(job, progress)
    lap("compose and layout")
    if worker.available:
        progress.step("drawing the spread")
        pdfs = worker.render(display, job.style, job.out, job.faces)
    else:
        pdfs = write_pdfs(job, display, progress)
    lap("render")
    findings = check_built(job, display, pdfs[0])
    lap("preflight, layout checks and PDF audit")
    progress.step("writing the DOCX draft")
    for path in export_draft(job.edition, job.out, [f for f in findings if f.block_id], display.locations()):
        progress.done(path)
    lap("docx")
    progress.step("drawing the proof")
    progress.done(write_proof(job, display, pdfs, 1, findings))
    lap("proof")
    if worker.available:
        worker.finish()
    for p in pdfs:
        progress.done(p)
    lap("preview (beside the DOCX and proof)")
    report = job.out / "build-report.txt"
    write_atomic(report, build_report(job, display, findings, timings, format_findings).encode("utf-8"))
    progress.done(report)
    error = overset_error(display, job.edition)
    if error:
        raise error


def build_report(job: Job, display: DisplayList, findings: list[Finding], timings, formatter) -> str:
    width = max((len(stage) for stage, _ in timings), default=0)
    lines = [
        f"pinban build report: {job.edition.name}",
        (f"body {display.body_size:g} pt on {display.leading:g} pt leading, {display.passes} copyfit pass(es), "
        f"{'overset ' + str(display.overset.lines) + ' lines' if display.overset else 'no overset'}"),
        "",
        "time per stage:",
        *(f"  {stage:<{width}} {seconds:6.2f} s" for stage, seconds in timings),
        "",
        formatter(findings),
    ]
    return "\n".join(lines) + "\n"
