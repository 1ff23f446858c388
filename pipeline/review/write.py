"""Writing back, checked: the new report.md and edition.toml must read as exactly what was
intended and the edition must still load; both files are then replaced together."""

from __future__ import annotations

import itertools
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.items
from tomlkit.exceptions import InvalidStringError
from tomlkit.items import StringType

from ..errors import PinbanError
from ..sources import EDITION_FILE, REPORT_FILE, load_edition
from ..sources.report import parse_report
from ..sources.tomlpos import key_path
from .plan import FileEdit, GroupPlan, Sources, Unwritable
from .report import Conflict, ReviewResult


def apply_file_edits(text: str, edits: list[FileEdit]) -> str:
    ordered = sorted(edits, key=lambda e: (e.start, e.end), reverse=True)
    for a, b in itertools.pairwise(ordered):  # b is before a
        if b.end > a.start:
            raise Unwritable("two corrections overlap in the source")
    for e in ordered:
        text = text[: e.start] + e.text + text[e.end :]
    return text


def expected_report(src: Sources, plans: list[GroupPlan]) -> list[tuple[str, str]]:
    changed: dict[int, list[tuple[str, str]]] = {}
    for p in plans:
        changed.update(p.expect_blocks)
    out = []
    for line in sorted(src.blocks):
        b = src.blocks[line]
        out += changed.get(line, [(b.kind, b.text)])
    return out


def check_report(src: Sources, plans: list[GroupPlan]) -> str:
    """The new report.md, if it parses to exactly the intended blocks; else Unwritable."""
    edits = [e for p in plans for e in p.md]
    new = apply_file_edits(src.md_raw, edits)
    try:
        got = [(b.kind, b.text) for b in parse_report(new)]
    except PinbanError as exc:
        raise Unwritable(f"the result would not load ({exc})") from None
    if got != expected_report(src, plans):
        raise Unwritable("the result would not read as intended (a marker or line break in the way)")
    return new


def toml_value(doc: Any, parts: list[str | int]) -> tuple[Any, str | int]:
    """The container holding a value and its key or index. names = "陈琛" (one name written as
    a plain string) stands for names[0]."""
    for k in parts[:-1]:
        if isinstance(doc[k], str) and parts[-1] == 0:
            return doc, k
        doc = doc[k]
    return doc, parts[-1]


def same_kind_string(old: tomlkit.items.String, value: str) -> tomlkit.items.String:
    """A TOML string like the one it replaces: literal stays literal, one line stays one line,
    unless the new value cannot be written so (then a basic string, escaped)."""
    literal = old.type in (StringType.SLL, StringType.MLL)
    multiline = old.type.is_multiline() and "\n" in value
    try:
        return tomlkit.string(value, literal=literal, multiline=multiline)
    except InvalidStringError:
        return tomlkit.string(value)


def check_toml(src: Sources, plans: list[GroupPlan]) -> str:
    """The new edition.toml: only the corrected strings rewritten (comments, key order and quoting
    kept by tomlkit), and it must read back as exactly the intended values."""
    intended = {path: value for p in plans for path, value in p.expect_toml.items()}
    if not intended:
        return src.toml_raw
    doc = tomlkit.parse(src.toml_raw)
    want = tomllib.loads(src.toml_raw)
    for path, value in intended.items():
        parts = key_path(path)
        holder, k = toml_value(doc, parts)
        old = holder[k]
        if not isinstance(old, tomlkit.items.String):
            raise Unwritable(f"{EDITION_FILE}: {path} is not a string")
        text = str(old)
        full = text[: len(text) - len(text.lstrip())] + value + text[len(text.rstrip()) :]  # the loader strips
        holder[k] = same_kind_string(old, full)
        plain, pk = toml_value(want, parts)
        plain[pk] = full
    new = tomlkit.dumps(doc)
    try:
        got = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise Unwritable(f"{EDITION_FILE} would not parse ({exc})") from None
    if got != want:
        raise Unwritable(f"{EDITION_FILE} would not read as intended")
    return new


def encode(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def candidate(src: Sources, plans: list[GroupPlan]) -> tuple[str, str]:
    """The new report.md and edition.toml for these plans, checked: each reads as intended and
    the edition still loads (limits, required values). Unwritable otherwise."""
    new_md, new_toml = check_report(src, plans), check_toml(src, plans)
    with tempfile.TemporaryDirectory(prefix="pinban-review-") as tmp:
        folder = Path(tmp) / src.folder.name
        folder.mkdir()
        (folder / REPORT_FILE).write_text(new_md, encoding="utf-8")
        (folder / EDITION_FILE).write_text(new_toml, encoding="utf-8")
        try:
            load_edition(folder)  # photos are absent here: that is only a warning
        except PinbanError as exc:
            raise Unwritable(f"the sources would not load: {exc}") from None
    return new_md, new_toml


def write_sources(src: Sources, plans: list[GroupPlan], result: ReviewResult) -> None:
    """Keep every group that is safe on its own, check them together, then write atomically."""
    good = []
    for p in plans:
        try:
            candidate(src, [p])
            good.append(p)
        except Unwritable as exc:
            where = ", ".join(sorted({c.where for c in p.changes}))
            result.not_applied.append(Conflict("+".join(p.ids), where, str(exc)))
    new_md, new_toml = candidate(src, good)
    for p in good:
        result.changes += p.changes
    if result.dry_run:
        return
    files = [(src.folder / name, encode(new, bom))
             for name, new, old, bom in ((REPORT_FILE, new_md, src.md_raw, src.md_bom),
                                         (EDITION_FILE, new_toml, src.toml_raw, src.toml_bom)) if new != old]
    replace_together(files)
    result.written += [path for path, _ in files]


def replace_together(files: list[tuple[Path, bytes]]) -> None:
    """Every file written beside its target first, then all renamed: a failure while writing
    leaves every source as it was."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            temps.append((Path(tmp), path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in temps:
        os.replace(tmp, path)

