"""Where things are: the project folder with sources/ and styles/, editions, outputs."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import PinbanError, UsageError

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
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(folder, exc) from None
    return folder


def unwritable(path: Path, exc: OSError) -> PinbanError:
    return PinbanError(f"cannot write there: {exc.strerror or exc}", str(path),
                       "free some space, or choose another output folder with -o")


def write_atomic(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: a failed build keeps the last good file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise unwritable(path.parent, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise unwritable(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- all or nothing: a build's outputs are staged, then moved in together ------------------------

STAGING_PREFIX = ".staging-"
STAGING_RE = re.compile(re.escape(STAGING_PREFIX) + r"(\d+)-")
REJECTED = "rejected"


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A fresh folder inside `out` for one build's outputs; removed whatever happens. Folders
    left by a build that was killed (its process gone) are swept first."""
    sweep_stale_staging(out)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out))
    except OSError as exc:
        raise unwritable(out, exc) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_stale_staging(out: Path) -> None:
    for folder in out.glob(f"{STAGING_PREFIX}*"):
        m = STAGING_RE.match(folder.name)
        if m and not process_alive(int(m.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def publish(staged: Path, target: Path) -> list[Path]:
    """Move every staged file into `target` (sub-folders merged), each by an atomic rename."""
    moved = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            dest = target / path.relative_to(staged)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
            moved.append(dest)
    except OSError as exc:
        raise unwritable(target, exc) from None
    return moved


def publish_rejected(staged: Path, out: Path) -> list[Path]:
    """A refused build's marked products replace the last refused set under out/rejected/;
    the last good set in `out` is not touched."""
    rejected = out / REJECTED
    shutil.rmtree(rejected, ignore_errors=True)
    return publish(staged, rejected)


def build_time(date: dt.date | None) -> dt.datetime:
    """Same input, same bytes: the time written into outputs is SOURCE_DATE_EPOCH when set,
    else the edition's date (midnight UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit() or not 0 <= int(epoch) < 253402300800:  # before year 10000
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch[:20]!r} is not a time in whole seconds since 1970",
                             "environment", "unset it, or set it to e.g. 1736208000")
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    date = date or dt.date(2000, 1, 1)
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
