"""The command line: `pinban build | pdf | docx | check | proof`. Wires the stages; no logic here."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click

from . import build as builder
from .errors import PinbanError
from .messages import user_language

EDITION_HELP = "Edition folder, or its name under sources/ (default: the sample edition)."


class StderrHandler(logging.Handler):
    """The "pinban" logger's progress on stderr, through click (so tests can capture it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage(), err=True)


def show_progress(quiet: bool, verbose: bool) -> None:
    """-q: errors only; default: the steps and the files written; -v: detail too."""
    log = logging.getLogger("pinban")
    log.handlers[:] = [StderrHandler()]
    log.propagate = False
    log.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)


def fewer_collections() -> None:
    """For a command that runs once and exits: what is loaded by now (the libraries, about a
    million objects) is left out of Python's garbage collection, and a collection comes every
    20,000 new objects instead of 700. Layout and drawing make objects by the hundred thousand;
    each full collection would look at every object again (3 % of a build)."""
    import gc

    gc.freeze()
    gc.set_threshold(*QUIET_GC)


QUIET_GC = (20_000, 20, 50)


KEEP_GOING = click.option(
    "--keep-going", is_flag=True,
    help="Publish the outputs even when the checks found errors (never when text is overset).")


def common(func):
    func = click.option("-v", "--verbose", "verbose", is_flag=True, help="More detail.")(func)
    func = click.option("-q", "--quiet", "quiet", is_flag=True, help="Only errors.")(func)
    func = click.option("-o", "--out", "out", type=click.Path(file_okay=False), help="Output folder (default output/<edition>/).")(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pinban")
def cli() -> None:
    """pinban (拼版): an edition's sources into a print-ready newspaper spread and a DOCX draft."""


@cli.command()
@click.argument("edition", required=False)
@common
@KEEP_GOING
def build(edition: str | None, out: str | None, quiet: bool, verbose: bool, keep_going: bool) -> None:
    """Everything: spread.pdf, pages.pdf, preview PNG, draft.docx, proof.pdf, check report."""
    show_progress(quiet, verbose)
    fewer_collections()
    builder.build_all(edition, out, keep_going=keep_going)


@cli.command()
@click.argument("edition", required=False)
@common
@KEEP_GOING
def pdf(edition: str | None, out: str | None, quiet: bool, verbose: bool, keep_going: bool) -> None:
    """spread.pdf (one sheet), pages.pdf (trimmed pages with bleed and crop marks), spread.png."""
    show_progress(quiet, verbose)
    fewer_collections()
    builder.build_pdf(edition, out, keep_going=keep_going)


@cli.command()
@click.argument("edition", required=False)
@click.option("--port", type=click.IntRange(0, 65535), default=8037, show_default=True,
              help="Port of the preview page on 127.0.0.1; 0: any free port (printed).")
@common
@KEEP_GOING
def watch(edition: str | None, port: int, out: str | None, quiet: bool, verbose: bool, keep_going: bool) -> None:
    """Rebuild spread.pdf, pages.pdf and spread.png on every save; serve the preview and findings locally."""
    from .watch import watch as watch_edition

    show_progress(quiet=not verbose, verbose=verbose)  # one line per build; -v: every step
    watch_edition(edition, out, port=port, keep_going=keep_going)


def in_user_language(exc: PinbanError) -> str:
    """The error's one line in the user's locale, when it was made from the catalogue."""
    say = getattr(exc, "in_language", None)
    if say is None:
        return str(exc)
    message, hint = say(user_language())
    text = f"{exc.where}: {message}" if exc.where else message
    return f"{text} (hint: {hint})" if hint else text


def main() -> None:
    # SIGTERM ends the build like Ctrl-C: through its cleanup, so nothing staged stays behind
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("pinban: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PinbanError as exc:
        click.echo(f"pinban: error: {in_user_language(exc)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 — a bug still gets one line, not a traceback
        click.echo(f"pinban: internal error: {type(exc).__name__}: {exc} (hint: this is a pinban bug; "
                   "please report it with the edition folder)", err=True)
        sys.exit(70)
    finished()


def finished() -> None:
    """Exit 0 without tearing the interpreter down object by object (about 0.05 s after a build):
    every output is written and closed and every child process reaped by then; what is left to
    do is flush the two streams."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@cli.command()
@click.argument("edition", required=False)
@common
def docx(edition: str | None, out: str | None, quiet: bool, verbose: bool) -> None:
    """draft.docx for proofreaders (Track Changes on) and draft.manifest.json."""
    show_progress(quiet, verbose)
    builder.build_docx(edition, out)


@cli.command()
@click.argument("edition", required=False)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--json", "as_json", is_flag=True, help="Findings as JSON on stdout.")
@common
def check(edition: str | None, strict: bool, as_json: bool, out: str | None, quiet: bool, verbose: bool) -> None:
    """Preflight and audit: sources, photos, glyphs, text, layout, the built PDF. Exit 0 clean, 1 errors."""
    show_progress(quiet or as_json, verbose)
    failed = builder.run_check(edition, out, strict=strict, as_json=as_json)
    if failed:
        sys.exit(1)


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1)
@click.option("--round", "round_", type=click.IntRange(1, 3), default=1, show_default=True, help="Proof round: 1 一校, 2 二校, 3 三校.")
@click.option("--dry-run", is_flag=True, help="With apply: report what would change, write nothing.")
@common
@KEEP_GOING
def proof(args: tuple[str, ...], round_: int, dry_run: bool, out: str | None, quiet: bool, verbose: bool,
          keep_going: bool) -> None:
    """proof [EDITION]: proof.pdf (校样).  proof apply REVIEWED.docx [EDITION]: corrections into the sources."""
    show_progress(quiet, verbose)
    if args and args[0] == "apply":
        if len(args) not in (2, 3):
            raise click.UsageError("usage: pinban proof apply REVIEWED.docx [EDITION]")
        builder.apply_proof(Path(args[1]), args[2] if len(args) == 3 else None, dry_run=dry_run, quiet=quiet)
        return
    if len(args) > 1:
        raise click.UsageError("usage: pinban proof [EDITION] [--round 1|2|3]")
    builder.build_proof(args[0] if args else None, out, round_=round_, keep_going=keep_going)
