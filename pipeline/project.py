"""Where things are: the project folder with sources/ and styles/, editions, outputs."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from .errors import UsageError

DEFAULT_EDITION = "2025-01-07-fengtai-lianghui"


def project_root() -> Path:
    """The folder holding styles/: PINBAN_HOME, else the nearest parent of the working
    directory that has one, else the checkout this package lives in."""
    env = os.environ.get("PINBAN_HOME")
    if env:
        return Path(env)
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "styles").is_dir() and (folder / "sources").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def edition_dir(name: str | None) -> Path:
    """An edition given as a folder path, or as a name under sources/."""
    name = name or DEFAULT_EDITION
    as_path = Path(name)
    if as_path.is_dir():
        return as_path
    candidate = project_root() / "sources" / name
    if candidate.is_dir():
        return candidate
    raise UsageError(f"no edition '{name}'", "", "give a folder under sources/ (ls sources/) or a path to one")


def output_dir(edition: Path, out: str | None) -> Path:
    folder = Path(out) if out else project_root() / "output" / edition.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_atomic(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: a failed build keeps the last good file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_time(date: dt.date | None) -> dt.datetime:
    """Same input, same bytes: the time written into outputs is SOURCE_DATE_EPOCH when set,
    else the edition's date (midnight UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    date = date or dt.date(2000, 1, 1)
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
