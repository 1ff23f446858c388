"""The one orchestration of the stages, for the CLI and the tests: load → compose/layout →
outputs → checks → DOCX and proof. Nothing below this module calls back up; progress goes to
the standard `logging` module (logger "pinban"), which the CLI shows on stderr."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .display import DisplayList
from .errors import PinbanError, UsageError
from .fonts import Face, load_face
from .messages import (
    ENGLISH,
    N_,
    OVERSET,
    OVERSET_ANYWHERE,
    OVERSET_HINT,
    UNDERSET,
    CatalogueError,
    error,
    finding,
    localised,
    overset_args,
    say,
    underset_args,
    user_language,
)
from .model import Edition, Finding
from .project import REJECTED, edition_dir, output_dir, project_root, publish, publish_rejected, staging, write_atomic
from .sources import load_edition
from .style import Style, load_style

log = logging.getLogger("pinban")


def step(text: str) -> None:
    log.info("pinban: %s", text)


def detail(text: str) -> None:
    log.debug("pinban:   %s", text)


def wrote(path: Path) -> None:
    log.info("  wrote %s", path)


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


# --- the stages ---------------------------------------------------------------------------------


def lay_out(job: Job) -> DisplayList:
    from .layout import lay_out as layout_edition

    step("composing and laying out")
    display = layout_edition(job.edition, job.style, job.faces)
    detail(f"{display.passes} copyfit pass(es), body {display.body_size} pt on {display.leading} pt")
    return display


def write_pdfs(job: Job, display: DisplayList) -> list[Path]:
    from .render import render_outputs

    step("drawing the spread")
    return render_outputs(display, job.style, job.out, job.faces)


def check_built(job: Job, display: DisplayList, spread: Path | None) -> list[Finding]:
    """What `pinban check` reports, from a layout and a spread.pdf that are already made."""
    from .checks.report import sort_findings

    findings = check_undrawn(job, display)
    if spread is not None:
        findings += check_drawn(job, display, spread)
    return sort_findings(findings)


def check_undrawn(job: Job, display: DisplayList) -> list[Finding]:
    """The sources and the layout: what can be checked before anything is drawn."""
    from .checks.layout import check_layout
    from .checks.text import check_sources

    findings = check_sources(job.edition, job.style, job.faces)
    return findings + check_layout(display, job.edition, job.style, already=findings)


def check_drawn(job: Job, display: DisplayList, spread: Path, beside: bool = False) -> list[Finding]:
    """The PDFs read back: the audit, the make-up and the plant file. `beside`: the make-up's
    read-back in a forked child while this process audits and checks the plant file (two cores,
    about half the time; the two shares are about equal)."""
    from .checks.makeup import makeup_findings
    from .checks.pdf import audit_pdf
    from .checks.press import PLANT_FILE, check_press

    def make_up() -> list[Finding]:
        return makeup_findings(spread, display, job.edition, job.style)

    other = InChild(make_up) if beside else None
    findings = audit_pdf(spread, display, job.edition, job.style, job.faces)
    plant = check_press(spread.with_name(PLANT_FILE), display, job.style)
    return findings + (other.result() if other else make_up()) + plant


class InChild:
    """A call made in a forked child while this process does other work; its result comes back
    through a pipe. Should the child fail in any way, the call is made again here, so that its
    error surfaces exactly as it would have (where there is no fork, the call is made here)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        import multiprocessing

        self.call = call
        self.process = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe(duplex=False)
        self.process = context.Process(target=answer_parent, args=(child, os.getpid(), call), daemon=True)
        self.process.start()
        child.close()

    def result(self) -> Any:
        if self.process is None:
            return self.call()
        try:
            done, value = self.conn.recv()
        except EOFError:  # the child died
            done, value = False, None
        finally:
            self.conn.close()
            self.process.join()
        return value if done else self.call()


def answer_parent(conn, parent: int, call: Callable[[], Any]) -> None:
    from .render.worker import die_with_parent

    die_with_parent(parent)
    try:
        value = call()
    except BaseException:  # noqa: BLE001 — the parent makes the call again and sees the error itself
        conn.send((False, None))
        return
    conn.send((True, value))


def ready_for_checks() -> None:
    """Load what the PDF checks, the DOCX and the proof use (libraries, the proof's font) while
    the drawing process works: this process would only wait."""
    import contextlib

    import pypdf.generic  # noqa: F401 — the checks', the proof's and the draft's libraries
    import pypdfium2.raw  # noqa: F401
    import reportlab.pdfgen.canvas  # noqa: F401
    from PIL import ImageChops, ImageMath  # noqa: F401

    from . import draft, proof  # noqa: F401
    from .checks import makeup, pdf, press  # noqa: F401

    with contextlib.suppress(PinbanError):  # the proof reports a missing font itself
        proof.overlay_font()


def ready_for_preview() -> None:
    """Load PDFium, which draws this process's part of the preview, while the drawing process works."""
    import pypdfium2
    import pypdfium2.raw  # noqa: F401


def check_edition(job: Job) -> list[Finding]:
    """Sources, then layout, then the rendered PDF. Every failure becomes a finding."""
    from .checks.layout import check_layout
    from .checks.makeup import makeup_findings
    from .checks.pdf import audit_pdf
    from .checks.press import PLANT_FILE, check_press, start_separations
    from .checks.report import sort_findings
    from .checks.text import check_sources

    step("checking sources")
    findings = check_sources(job.edition, job.style, job.faces)
    step("laying out")
    display, failed = guarded("layout", lambda: lay_out(job))
    findings += [explained(f, findings) for f in failed]
    if display is None:
        return sort_findings(findings)
    findings += check_layout(display, job.edition, job.style, already=findings)
    step("drawing and reading the PDF back")
    paths, failed = guarded("render", lambda: write_pdfs(job, display))
    findings += failed
    pdf = next((Path(p) for p in paths or () if Path(p).name == "spread.pdf"), None)
    if pdf is not None:
        plant = start_separations(pdf.with_name(PLANT_FILE))  # Ghostscript, beside the audit
        findings += audit_pdf(pdf, display, job.edition, job.style, job.faces)
        findings += makeup_findings(pdf, display, job.edition, job.style)
        findings += check_press(pdf.with_name(PLANT_FILE), display, job.style, plant)
    return sort_findings(findings)


def guarded(stage: str, run: Callable[[], Any]) -> tuple[Any, list[Finding]]:
    """Run a stage; its failure is a finding, never a traceback (a bug is named as one)."""
    try:
        return run(), []
    except PinbanError as exc:
        return None, [failure_finding(f"{stage}-failed", exc)]
    except Exception as exc:  # noqa: BLE001 — the user gets one line, not a traceback
        return None, [finding("error", "internal-error", N_("{stage} stopped: {kind}: {reason}"), stage, BUG_REPORT,
                              {"stage": stage, "kind": type(exc).__name__, "reason": str(exc)})]


BUG_REPORT = N_("this is a pinban bug: please report it with the edition folder")


def failure_finding(code: str, exc: PinbanError) -> Finding:
    """A stage's PinbanError as a finding, keeping its catalogue template when it has one."""
    if isinstance(exc, CatalogueError):
        return finding("error", code, exc.msgid, exc.where, exc.hint_id, dict(exc.values))
    return Finding("error", code, exc.message, exc.where, exc.hint)


def explained(failure: Finding, found: list[Finding]) -> Finding:
    """A layout that stops on a character already reported as glyph-missing adds nothing but
    the news that layout and PDF checks were skipped: say that, as a note."""
    points = {m.group() for f in found if f.code == "glyph-missing" for m in re.finditer(r"U\+[0-9A-F]{4,6}", f.message)}
    named = set(re.findall(r"U\+[0-9A-F]{4,6}", failure.message))
    if failure.code != "layout-failed" or not named or not named <= points:
        return failure
    return finding("info", "layout-skipped", N_("layout and PDF checks skipped: the composer stops at the missing "
                   "character(s) reported above"), failure.where, N_("fix the glyph-missing errors"))


def overset_error(display: DisplayList, edition: Edition) -> PinbanError | None:
    """The build's failure when text does not fit: how much, in which sections, from which line."""
    o = display.overset
    if o is None:
        return None
    first = next((b for b in edition.blocks if o.blocks and b.id == o.blocks[0]), None)
    return error(OVERSET if o.sections else OVERSET_ANYWHERE,
                 f"{edition.root.name}/{first.source}" if first else edition.root.name, OVERSET_HINT, overset_args(o))


def warn_notices(notices: tuple[Finding, ...]) -> None:
    for n in notices:
        step(f"{n.severity}: {n.where}: {n.message}")


# --- the commands -------------------------------------------------------------------------------


def build_pdf(edition_arg: str | None, out: str | None, keep_going: bool = False) -> DisplayList:
    """spread.pdf, pages.pdf and the preview, checked against the sources and the layout."""
    from .checks.report import sort_findings
    from .render import RenderWorker

    with RenderWorker() as worker:  # imports and warms up WeasyPrint on the other core meanwhile
        job = prepare(edition_arg, out)
        warn_notices(job.edition.notices)
        worker.warm_up(job.faces.values(), job.style.press, photo_paths(job.edition))
        display = lay_out(job)
        with staging(job.out) as folder:
            staged = replace(job, out=folder)
            if worker.available:
                step("drawing the spread")
                worker.start(display, staged.style, staged.out, staged.faces, share_preview=True)
            findings = sort_findings(check_undrawn(job, display))  # while the worker draws
            if worker.available:
                ready_for_preview()
                worker.drawn()
                worker.finish()
            else:
                write_pdfs(staged, display)
            finish(job, folder, display, findings, keep_going)
    return display


def photo_paths(edition: Edition) -> list[str]:
    return [str(p.path) for p in edition.photos if p.path is not None]


def build_docx(edition_arg: str | None, out: str | None) -> list[Path]:
    from .checks.layout import check_layout
    from .checks.text import check_sources
    from .draft import export_draft

    job = prepare(edition_arg, out)
    findings = check_sources(job.edition, job.style, job.faces)
    locations: dict[str, str] = {}
    try:
        display = lay_out(job)
    except PinbanError as exc:  # the draft is still useful without locations
        step(f"no locations in the draft: {exc}")
    else:
        locations = display.locations()
        findings += check_layout(display, job.edition, job.style, already=findings)
    step("writing the DOCX draft")
    # the proofreaders' comments: findings in the text, as `pinban build` gives them
    paths = list(export_draft(job.edition, job.out, [f for f in findings if f.block_id], locations))
    for p in paths:
        wrote(p)
    return paths


def run_check(edition_arg: str | None, out: str | None, strict: bool, as_json: bool) -> bool:
    from .checks.report import format_findings

    try:
        job = prepare(edition_arg, out)
    except PinbanError as exc:
        if not as_json or isinstance(exc, UsageError):
            raise
        failure = failure_finding("load-failed", exc)
        print(json.dumps([finding_json(failure)], ensure_ascii=False, indent=1))
        return True
    findings = check_edition(job)
    failing = [f for f in findings if f.severity == "error" or (strict and f.severity == "warning")]
    if as_json:
        print(json.dumps([finding_json(f) for f in findings], ensure_ascii=False, indent=1))
    else:
        print(format_findings(findings, user_language()))
    return bool(failing)


def finding_json(f: Finding) -> dict:
    return {k: v for k, v in f.__dict__.items() if v not in ("", -1, None)}


def build_proof(edition_arg: str | None, out: str | None, round_: int = 1, keep_going: bool = False) -> Path:
    from .proof import write_proof

    job = prepare(edition_arg, out)
    display = lay_out(job)
    with staging(job.out) as folder:
        staged = replace(job, out=folder)
        pdfs = write_pdfs(staged, display)
        step("drawing the proof")
        findings = proof_findings(staged, display, pdfs)
        path = write_proof(staged, display, pdfs, round_, findings)
        # a refused build still gets its proof, marked OVERSET: the editor needs it most then
        finish(job, folder, display, findings, keep_going)
    return job.out / path.name


def proof_findings(job: Job, display: DisplayList, pdfs: list[Path]) -> list[Finding]:
    """What `pinban check` reports, from what this build already made (no second layout or render).
    A failing check still leaves a useful proof: its failure becomes the one finding."""
    spread = next((Path(p) for p in pdfs if Path(p).name == "spread.pdf"), None)
    try:
        return check_built(job, display, spread)
    except Exception as exc:  # noqa: BLE001 — the proof is still worth having without findings
        return [finding("error", "check-failed", N_("the checks stopped: {kind}: {reason}"), "proof",
                        N_("run `pinban check` for details"), {"kind": type(exc).__name__, "reason": str(exc)})]


def apply_proof(reviewed: Path, edition_arg: str | None, dry_run: bool = False, quiet: bool = False) -> None:
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


def build_all(edition_arg: str | None, out: str | None, keep_going: bool = False) -> None:
    """Every output from one layout: PDFs and preview, DOCX draft, proof, and the build report
    (findings of the preflight, the layout and the PDF audit), staged and published together.
    The drawing is done by a RenderWorker, so the machine's second core imports WeasyPrint
    while this one lays out, and draws the preview while this one checks the PDFs and makes the
    proof; the DOCX draft is made in a child of this process while the spread is drawn."""
    from .render import RenderWorker

    with RenderWorker() as worker:  # forked first: it imports WeasyPrint while this process loads
        job = prepare(edition_arg, out)
        with staging(job.out) as folder:
            worker.warm_up(job.faces.values(), job.style.press, photo_paths(job.edition))
            display, findings = build_everything(job, replace(job, out=folder), worker)
            finish(job, folder, display, findings, keep_going)


def build_everything(job: Job, staged: Job, worker) -> tuple[DisplayList, list[Finding]]:
    from .checks.report import format_findings, sort_findings
    from .draft import export_draft
    from .proof import write_proof

    clock = time.perf_counter()
    timings: list[tuple[str, float]] = []

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings.append((stage, now - clock))
        clock = now

    warn_notices(job.edition.notices)
    lap("load")
    display = lay_out(job)
    lap("compose and layout")
    def write_draft(comments: list[Finding]) -> InChild:
        return InChild(lambda: export_draft(job.edition, staged.out, comments, display.locations()))

    early: tuple[list[Finding], InChild] | None = None
    if worker.available:
        step("drawing the spread")
        worker.start(display, staged.style, staged.out, staged.faces)
        findings = check_undrawn(staged, display)  # while the worker draws
        # the DOCX as the findings so far comment on it, made on the core the drawing leaves free;
        # made again below if the PDF's findings add comments
        so_far = commented(sort_findings(findings))
        early = (so_far, write_draft(so_far))
        ready_for_checks()
        pdfs = worker.drawn()
    else:
        pdfs = write_pdfs(staged, display)
        findings = check_undrawn(staged, display)
    lap("render (sources and layout checked meanwhile)")
    findings = sort_findings(findings + check_drawn(staged, display, pdfs[0], beside=True))
    lap("PDF audit and read-back (the preview drawn meanwhile)")
    step("writing the DOCX draft")
    comments = commented(findings)
    if early is not None:
        early[1].result()  # its child is done (or failed: then the draft is made now)
    draft = write_draft(comments) if early is None or early[0] != comments else None
    step("drawing the proof")
    write_proof(staged, display, pdfs, 1, findings)
    if draft is not None:
        draft.result()
    lap("proof and DOCX (side by side)")
    if worker.available:
        worker.finish()
    lap("preview")
    report = staged.out / "build-report.txt"
    write_atomic(report, build_report(job, display, findings, timings, format_findings).encode("utf-8"))
    return display, findings


def commented(findings: list[Finding]) -> list[Finding]:
    """The findings the DOCX draft carries as comments: those in the text."""
    return [f for f in findings if f.block_id]


# --- all or nothing ---------------------------------------------------------------------------


def refusal(display: DisplayList, edition: Edition, findings: list[Finding]) -> tuple[str, PinbanError] | None:
    """Why this build may not replace the last good outputs: (the stamp's words, the error)."""
    overset = overset_error(display, edition)
    if overset is not None:
        return f"溢排 overset {display.overset.lines} 行 lines", overset
    if display.underset is not None:
        return (f"欠排 underset {display.underset.lines} 行 lines",
                error(UNDERSET, f"{edition.root.name}/report.md", args=underset_args(display.underset)))
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        return (f"{len(errors)} 处错误 errors", FindingsError(len(errors), first))
    return None


class FindingsError(CatalogueError):
    """A build refused for the errors among its findings: the count, then the first, in the reader's language."""

    def __init__(self, count: int, first: Finding) -> None:
        self.count, self.first = count, first
        super().__init__(REFUSED_ERRORS, first.where, first.hint_id or SEE_REPORT,
                         {"count": count, "first": first.message, **dict(first.args)})
        if not first.msgid:  # an English-only finding: its hint as it is
            self.hint = first.hint or self.hint

    def in_language(self, language: str) -> tuple[str, str]:
        first = localised(self.first, language)
        message = say(REFUSED_ERRORS, {"count": self.count, "first": first.message}, language)
        return message, first.hint or say(SEE_REPORT, (), language)


REFUSED_ERRORS = N_("{count} error(s) in the build, the first: {first}")
SEE_REPORT = N_("see build-report.txt; fix them, or use --keep-going to publish anyway")
REFUSED = N_("refused: {reason}")
REFUSED_WHERE = N_("the marked outputs are in {folder}")


def finish(job: Job, folder: Path, display: DisplayList, findings: list[Finding], keep_going: bool) -> None:
    """Publish the staged outputs into job.out, or, for a refused build, stamp them and move them
    under job.out/rejected/ (the last good set stays as it was) and raise the refusal."""
    summarise(findings)
    refused = refusal(display, job.edition, findings)
    if refused is not None and not (keep_going and display.overset is None):
        stamp, error = refused
        mark_refused(folder, stamp)
        for path in publish_rejected(folder, job.out):
            wrote(path)
        raise Refused(error, job.out / REJECTED)
    for path in publish(folder, job.out):
        wrote(path)


class Refused(PinbanError):
    """A refused build: why (an overset or its findings' errors), and where its marked outputs went."""

    def __init__(self, reason: PinbanError, folder: Path) -> None:
        self.reason, self.folder = reason, folder
        message, hint = self.in_language(ENGLISH)
        super().__init__(message, reason.where, hint)

    def in_language(self, language: str) -> tuple[str, str]:
        why, hint = (self.reason.in_language(language) if isinstance(self.reason, CatalogueError)
                     else (self.reason.message, self.reason.hint))
        where = say(REFUSED_WHERE, {"folder": str(self.folder)}, language)
        return say(REFUSED, {"reason": why}, language), f"{hint}; {where}" if hint else where


def mark_refused(folder: Path, stamp: str) -> None:
    from .render.stamp import stamp_refused

    for name in ("spread.pdf", "pages.pdf"):
        path = folder / name
        if path.exists():
            write_atomic(path, stamp_refused(path.read_bytes(), stamp))


def summarise(findings: list[Finding]) -> None:
    """Counts, then the first errors, one line each: shown even with -q when there are errors."""
    from .checks.report import format_one, summary

    language = user_language()
    errors = [f for f in findings if f.severity == "error"]
    show = log.warning if errors else log.info
    show("pinban: %s", summary(findings, language))
    for f in errors[:SUMMARY_ERRORS]:
        log.warning("  %s", format_one(f, language))
    if len(errors) > SUMMARY_ERRORS:
        log.warning("  %s", say(MORE, {"count": len(errors) - SUMMARY_ERRORS}, language))


MORE = N_("… {count} more in build-report.txt / pinban check")


SUMMARY_ERRORS = 5


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
