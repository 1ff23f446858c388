"""The command line: `pinban build | pdf | docx | check | proof`. Wires the stages; no logic here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import build as builder
from .errors import PinbanError

EDITION_HELP = "Edition folder, or its name under sources/ (default: the sample edition)."


class Reporter:
    """Progress on stderr: -q silences it, -v adds detail."""

    def __init__(self, verbosity: int) -> None:
        self.verbosity = verbosity

    def step(self, text: str) -> None:
        if self.verbosity >= 1:
            click.echo(f"pinban: {text}", err=True)

    def detail(self, text: str) -> None:
        if self.verbosity >= 2:
            click.echo(f"pinban:   {text}", err=True)

    def done(self, path: Path) -> None:
        if self.verbosity >= 1:
            click.echo(f"  wrote {path}", err=True)


def common(func):
    func = click.option("-v", "--verbose", "verbose", is_flag=True, help="More detail.")(func)
    func = click.option("-q", "--quiet", "quiet", is_flag=True, help="Only errors.")(func)
    func = click.option("-o", "--out", "out", type=click.Path(file_okay=False), help="Output folder (default output/<edition>/).")(func)
    return func


def reporter(quiet: bool, verbose: bool) -> Reporter:
    return Reporter(0 if quiet else 2 if verbose else 1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pinban")
def cli() -> None:
    """pinban (拼版): an edition's sources into a print-ready newspaper spread and a DOCX draft."""


@cli.command()
@click.argument("edition", required=False)
@common
def build(edition: str | None, out: str | None, quiet: bool, verbose: bool) -> None:
    """Everything: spread.pdf, pages.pdf, preview PNG, draft.docx, proof.pdf, check report."""
    builder.build_all(edition, out, reporter(quiet, verbose))


@cli.command()
@click.argument("edition", required=False)
@common
def pdf(edition: str | None, out: str | None, quiet: bool, verbose: bool) -> None:
    """spread.pdf (one sheet), pages.pdf (trimmed pages with bleed and crop marks), spread.png."""
    builder.build_pdf(edition, out, reporter(quiet, verbose))


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("pinban: aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PinbanError as exc:
        click.echo(f"pinban: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 — a bug still gets one line, not a traceback
        click.echo(f"pinban: internal error: {type(exc).__name__}: {exc} (hint: this is a pinban bug; "
                   "please report it with the edition folder)", err=True)
        sys.exit(70)
    sys.exit(0)


@cli.command()
@click.argument("edition", required=False)
@common
def docx(edition: str | None, out: str | None, quiet: bool, verbose: bool) -> None:
    """draft.docx for proofreaders (Track Changes on) and draft.manifest.json."""
    builder.build_docx(edition, out, reporter(quiet, verbose))


@cli.command()
@click.argument("edition", required=False)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--json", "as_json", is_flag=True, help="Findings as JSON on stdout.")
@common
def check(edition: str | None, strict: bool, as_json: bool, out: str | None, quiet: bool, verbose: bool) -> None:
    """Preflight and audit: sources, photos, glyphs, text, layout, the built PDF. Exit 0 clean, 1 errors."""
    failed = builder.run_check(edition, out, reporter(quiet or as_json, verbose), strict=strict, as_json=as_json)
    if failed:
        sys.exit(1)


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1)
@click.option("--round", "round_", type=click.IntRange(1, 3), default=1, show_default=True, help="Proof round: 1 一校, 2 二校, 3 三校.")
@click.option("--dry-run", is_flag=True, help="With apply: report what would change, write nothing.")
@common
def proof(args: tuple[str, ...], round_: int, dry_run: bool, out: str | None, quiet: bool, verbose: bool) -> None:
    """proof [EDITION]: proof.pdf (校样).  proof apply REVIEWED.docx [EDITION]: corrections into the sources."""
    rep = reporter(quiet, verbose)
    if args and args[0] == "apply":
        if len(args) not in (2, 3):
            raise click.UsageError("usage: pinban proof apply REVIEWED.docx [EDITION]")
        builder.apply_proof(Path(args[1]), args[2] if len(args) == 3 else None, rep, dry_run=dry_run, quiet=quiet)
        return
    if len(args) > 1:
        raise click.UsageError("usage: pinban proof [EDITION] [--round 1|2|3]")
    builder.build_proof(args[0] if args else None, out, rep, round_=round_)
