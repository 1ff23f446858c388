"""Load an edition folder (edition.toml + report.md + photos/) into the content model.

Sources are untrusted: every problem becomes a PinbanError naming file:line with a hint,
or a Notice (warning) when the build can go on.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..errors import PinbanError
from ..messages import N_, finding
from ..model import (
    PHOTO,
    PHOTO_KINDS,
    Credit,
    Edition,
    Headline,
    Notice,
    Photo,
    Placement,
    SourceRef,
)
from .report import load_report
from .text import EDITION_FILE, REPORT_FILE, VALUE_CONTROL_RE, read_utf8
from .tomlpos import Locator, parse_toml

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


KNOWN_KEYS: dict[str, set[str]] = {
    "": {"edition", "credits", "headline", "photos"},
    "edition": {"date", "weekday", "pages", "section", "style"},
    "credits": {"role", "names"},
    "headline": {"kicker", "title", "subtitle"},
    "photos": {"id", "file", "caption", "credit", "stand_in", "focus", "place", "kind", "optional"},
    "place": {"page", "column", "span", "row", "rows"},
}


ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def load_edition(folder: Path) -> Edition:
    folder = Path(folder)
    if not folder.is_dir():
        raise PinbanError(
            "edition folder not found", str(folder), "name a folder under sources/ holding edition.toml"
        )
    toml_path = folder / EDITION_FILE
    text = read_utf8(toml_path, EDITION_FILE)
    data = parse_toml(text, EDITION_FILE)
    loc = Locator(text, EDITION_FILE)
    notices = unknown_key_notices(data, loc)

    ed = table(data, "edition", loc, required=True)
    date = ed.get("date")
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise PinbanError(
            "edition.date must be a date", loc.key("edition", "date"), "write date = 2025-01-07 (no quotes)"
        )
    weekday = string(ed, "weekday", loc, "edition", default=WEEKDAYS[date.weekday()])
    if weekday != WEEKDAYS[date.weekday()]:
        raise PinbanError(
            f"weekday {weekday} does not match {date.isoformat()}",
            loc.key("edition", "weekday"),
            f"that date is a {WEEKDAYS[date.weekday()]}",
        )
    pages = ed.get("pages", ["02", "03"])
    # Page names end up in file names and HTML ids: plain names only.
    if not (
        isinstance(pages, list) and len(pages) == 2 and pages[0] != pages[1]
        and all(isinstance(p, str) and ID_RE.fullmatch(p) for p in pages)
    ):
        raise PinbanError(
            "edition.pages must name the two pages of the spread",
            loc.key("edition", "pages"),
            'write pages = ["02", "03"]',
        )
    headline = load_headline(data, loc)
    photos = tuple(load_photo(i, p, folder, loc, notices) for i, p in enumerate(array(data, "photos", loc)))
    check_unique_ids(photos)
    blocks = load_report(read_utf8(folder / REPORT_FILE, REPORT_FILE))
    return Edition(
        name=folder.name,
        root=folder.resolve(),
        date=date,
        weekday=weekday,
        pages=(pages[0], pages[1]),
        section=string(ed, "section", loc, "edition", required=True, limit=40),
        style=style_name(ed, loc),
        credits=tuple(load_credit(i, c, loc) for i, c in enumerate(array(data, "credits", loc))),
        headline=headline,
        blocks=blocks,
        photos=photos,
        notices=tuple(notices),
    )


def unknown_key_notices(data: dict[str, Any], loc: Locator) -> list[Notice]:
    notices: list[Notice] = []

    def check(tbl: dict[str, Any], kind: str, where: str) -> None:
        for key, value in tbl.items():
            if key not in KNOWN_KEYS[kind]:
                notices.append(
                    finding("warning", "unknown-key", N_("unknown key '{key}' ignored"), where, N_("check its spelling"),
                            {"key": key})
                )
            elif kind == "photos" and key == "place" and isinstance(value, dict):
                check(value, "place", where)

    check(data, "", loc.name)
    for kind in ("edition", "headline"):
        if isinstance(data.get(kind), dict):
            check(data[kind], kind, loc.table(kind))
    for kind in ("credits", "photos"):
        if isinstance(data.get(kind), list):
            for i, item in enumerate(data[kind]):
                if isinstance(item, dict):
                    check(item, kind, loc.table(kind, i))
    return notices


def table(data: dict[str, Any], name: str, loc: Locator, required: bool = False) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        if required:
            raise PinbanError(f"missing [{name}] table", loc.name, f"add a [{name}] table (see README: sources format)")
        return {}
    if not isinstance(value, dict):
        raise PinbanError(f"'{name}' must be a table", loc.key("", name), f"write it as [{name}]")
    return value


def array(data: dict[str, Any], name: str, loc: Locator) -> list[dict[str, Any]]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PinbanError(f"'{name}' must be a list of tables", loc.key("", name), f"write each entry as [[{name}]]")
    return value


def string(
    tbl: dict[str, Any], key: str, loc: Locator, tname: str, index: int = 0,
    required: bool = False, default: str = "", limit: int = 0,
) -> str:
    if key not in tbl:
        if required:
            raise PinbanError(f"{tname}.{key} is missing", loc.table(tname, index), f'add {key} = "…"')
        return default
    value = tbl[key]
    if not isinstance(value, str):
        raise PinbanError(f"{tname}.{key} must be text", loc.key(tname, key, index), f'write {key} = "…" in quotes')
    value = value.strip()
    m = VALUE_CONTROL_RE.search(value)  # a multi-line string, or an escape such as "\u0007"
    if m:
        what = "a line break" if m.group() in "\r\n" else f"a control character (U+{ord(m.group()):04X})"
        raise PinbanError(f"{tname}.{key} holds {what}", loc.key(tname, key, index), "write it on one line, without escapes")
    if required and not value:
        raise PinbanError(f"{tname}.{key} is empty", loc.key(tname, key, index), "give it some text")
    if limit and len(value) > limit:
        raise PinbanError(
            f"{tname}.{key} is {len(value)} characters long (limit {limit})",
            loc.key(tname, key, index),
            "shorten it; long text belongs in report.md",
        )
    return value


def style_name(ed: dict[str, Any], loc: Locator) -> str:
    name = string(ed, "style", loc, "edition", default="broadsheet")
    # The name picks a folder under styles/: a plain name, never a path.
    if not ID_RE.fullmatch(name):
        raise PinbanError(
            f"style '{name}' is not a plain name", loc.key("edition", "style"), "name a folder under styles/, e.g. broadsheet"
        )
    return name


def load_headline(data: dict[str, Any], loc: Locator) -> Headline:
    hl = table(data, "headline", loc, required=True)
    return Headline(
        title=string(hl, "title", loc, "headline", required=True, limit=40),
        kicker=string(hl, "kicker", loc, "headline", limit=60),
        subtitle=string(hl, "subtitle", loc, "headline", limit=80),
        source=SourceRef(EDITION_FILE, loc.header("headline")),
    )


def load_credit(i: int, item: dict[str, Any], loc: Locator) -> Credit:
    role = string(item, "role", loc, "credits", i, required=True)
    names = item.get("names", [])
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(
        isinstance(n, str) and n.strip() and len(n) <= 40 and not VALUE_CONTROL_RE.search(n) for n in names
    ):
        raise PinbanError("credits.names must be a list of names", loc.key("credits", "names", i), 'names = ["陈琛"]')
    return Credit(role, tuple(n.strip() for n in names))


def load_photo(i: int, item: dict[str, Any], folder: Path, loc: Locator, notices: list[Notice]) -> Photo:
    pid = string(item, "id", loc, "photos", i, required=True)
    if not ID_RE.fullmatch(pid):
        raise PinbanError(
            f"photo id '{pid}' is not a plain name", loc.key("photos", "id", i), "use letters, digits, - or _, e.g. p01"
        )
    rel = string(item, "file", loc, "photos", i, required=True)
    where = loc.key("photos", "file", i)
    path = resolve_inside(folder, rel, where)
    if path is not None and not is_file(path):
        notices.append(
            finding("warning", "photo-missing", N_("photo {photo}: file {file} is missing; a placeholder is drawn"),
                    where, N_("put the photo file there or fix the path"), {"photo": pid, "file": rel})
        )
        path = None
    stand_in = item.get("stand_in", False)
    if not isinstance(stand_in, bool):
        raise PinbanError("photos.stand_in must be true or false", loc.key("photos", "stand_in", i))
    kind = item.get("kind", PHOTO)
    if kind not in PHOTO_KINDS:
        raise PinbanError(f"photos.kind must be one of {', '.join(PHOTO_KINDS)}", loc.key("photos", "kind", i),
                          'kind = "chart" (never cropped) or "photo" (cropped around its focus)')
    optional = item.get("optional", False)
    if not isinstance(optional, bool):
        raise PinbanError("photos.optional must be true or false", loc.key("photos", "optional", i))
    return Photo(
        id=pid,
        rel=rel,
        path=path,
        caption=string(item, "caption", loc, "photos", i, required=True, limit=300),
        credit=string(item, "credit", loc, "photos", i, limit=40),
        stand_in=stand_in,
        focus=load_focus(item, loc, i),
        placement=load_placement(item, loc, i),
        source=SourceRef(EDITION_FILE, loc.header("photos", i)),
        kind=kind,
        optional=optional,
    )


def resolve_inside(folder: Path, rel: str, where: str) -> Path | None:
    """The photo's path, refused when it leaves the edition folder (absolute, .., symlink out)."""
    candidate = Path(rel)
    if candidate.is_absolute() or rel.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", rel):
        raise PinbanError(f"photo path {rel} is absolute", where, "give a path inside the edition folder, e.g. photos/p01.jpg")
    try:
        root = folder.resolve()
        full = (folder / candidate).resolve()
    except (OSError, RuntimeError, ValueError):  # symlink loop, name too long
        raise PinbanError(f"photo path {rel} cannot be resolved", where, "give a plain path such as photos/p01.jpg") from None
    if not full.is_relative_to(root):
        raise PinbanError(
            f"photo path {rel} leads outside the edition folder", where, "keep photos inside the edition folder (photos/)"
        )
    return full


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # e.g. a name too long for the file system: not a photo we can use
        return False


def load_focus(item: dict[str, Any], loc: Locator, i: int) -> tuple[float, float]:
    focus = item.get("focus", [0.5, 0.5])
    ok = (
        isinstance(focus, list) and len(focus) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in focus)
    )
    if not ok:
        raise PinbanError("photos.focus must be [x, y] between 0 and 1", loc.key("photos", "focus", i), "focus = [0.5, 0.35]")
    return (float(focus[0]), float(focus[1]))


def load_placement(item: dict[str, Any], loc: Locator, i: int) -> Placement | None:
    place = item.get("place")
    if place is None:
        return None
    where = loc.key("photos", "place", i)
    if not isinstance(place, dict):
        raise PinbanError("photos.place must be a table", where, "page = \"02\", column = 1, span = 3")

    def whole(key: str, required: bool) -> int | None:
        v = place.get(key)
        if v is None and not required:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise PinbanError(f"photos.place.{key} must be a whole number ≥ 1", where, "grid units count from 1")
        return v

    page = place.get("page")
    if not isinstance(page, str):
        raise PinbanError("photos.place.page must name a page", where, 'page = "02"')
    return Placement(page, whole("column", True) or 1, whole("span", True) or 1, whole("row", False), whole("rows", False))


def check_unique_ids(photos: tuple[Photo, ...]) -> None:
    seen: dict[str, Photo] = {}
    for p in photos:
        if p.id in seen:
            raise PinbanError(
                f"photo id '{p.id}' is used twice (first at {seen[p.id].source})", str(p.source), "give every photo its own id"
            )
        seen[p.id] = p
