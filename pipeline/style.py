"""Load a house style (styles/<name>/style.toml) into typed, frozen values.

The grid is derived here once: column width = column_chars × body size, so unadjusted CJK
lines fill a column exactly; the outer margin is whatever the grid leaves.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import PinbanError

MM = 72 / 25.4  # pt per mm
STYLE_FILE = "style.toml"
PARA_KINDS = ("body", "section", "subsection", "intro", "caption", "kicker", "title", "subtitle", "header")


@dataclass(frozen=True)
class FaceSpec:
    key: str
    family: str
    weight: int


@dataclass(frozen=True)
class ParaStyle:
    kind: str
    face: str
    bold_face: str
    size: float
    leading: float
    lines: int  # grid lines a head occupies (0 = as many as it needs)
    indent_em: float
    align: str
    tracking_em: float = 0.0


@dataclass(frozen=True)
class PressStyle:
    """The printing plant's output condition ([press]): what pages.pdf is separated for."""

    output_profile: Path  # the plant's CMYK ICC profile (output intent, photo separation)
    output_condition: str  # how the output intent names it
    ink_limit: float  # total area coverage, % (newsprint: about 240)
    min_ppi: float  # minimum effective resolution of photos on the page
    image_ppi: float  # photos are resampled to this at their placed size (never up)


STAND_IN_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # Debian libgs-common
STAND_IN_CONDITION = "STAND-IN Artifex CMYK SWOP (not the plant's profile)"


@dataclass(frozen=True)
class Style:
    name: str
    root: Path
    page_width: float  # pt, trimmed page
    page_height: float
    bleed: float
    margin_top: float
    margin_bottom: float
    margin_inner: float
    columns: int
    column_chars: int
    gutter_chars: float
    body_size: float
    leading: float
    min_body_size: float
    max_body_size: float
    faces: tuple[FaceSpec, ...]
    paras: tuple[ParaStyle, ...]
    header_number_size: float
    header_number_face: str
    header_rule: float
    press: PressStyle

    @property
    def column_width(self) -> float:
        return self.column_chars * self.body_size

    @property
    def gutter(self) -> float:
        return self.gutter_chars * self.body_size

    @property
    def type_width(self) -> float:
        return self.columns * self.column_width + (self.columns - 1) * self.gutter

    def para(self, kind: str) -> ParaStyle:
        for p in self.paras:
            if p.kind == kind:
                return p
        raise PinbanError(f"unknown paragraph style '{kind}'", f"styles/{self.name}/{STYLE_FILE}")

    def face(self, key: str) -> FaceSpec:
        for f in self.faces:
            if f.key == key:
                return f
        raise PinbanError(f"unknown face '{key}'", f"styles/{self.name}/{STYLE_FILE}", "define it under [faces]")

    def with_body(self, size: float, chars: int, gutter: float | None = None) -> Style:
        """The same grid set in another body size (copyfit): each column holds `chars` characters
        (the gutter, in pt, stays unless given); the leading, and the styles that follow the body,
        scale along."""
        from dataclasses import replace

        scale = size / self.body_size
        leading = round(self.leading * scale, 3)
        paras = tuple(
            replace(p, size=size if p.size == self.body_size else p.size,
                    leading=leading if p.leading == self.leading else p.leading)
            for p in self.paras
        )
        return replace(self, body_size=size, leading=leading, column_chars=chars,
                       gutter_chars=(self.gutter if gutter is None else gutter) / size, paras=paras)


def load_style(styles_dir: Path, name: str) -> Style:
    root = Path(styles_dir) / name
    where = f"styles/{name}/{STYLE_FILE}"
    try:
        text = (root / STYLE_FILE).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise PinbanError(f"house style '{name}' not found", where, "edition.toml [edition] style names a folder under styles/") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PinbanError(f"style file is not valid TOML: {exc}", where) from None
    try:
        return checked(build_style(name, root, data))
    except PressValueError as exc:
        raise PinbanError(str(exc), f"{where}:{toml_key_line(text, 'press', exc.key)}", exc.hint) from None
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise PinbanError(f"bad or missing style value {exc}", where, "compare with styles/broadsheet/style.toml") from None


def build_style(name: str, root: Path, data: dict[str, Any]) -> Style:
    page, grid, header = data["page"], data["grid"], data["para"]["header"]
    body_size = float(grid["body_size_pt"])
    faces = tuple(FaceSpec(k, str(v["family"]), int(v["weight"])) for k, v in data["faces"].items())
    keys = {f.key for f in faces}
    paras = tuple(para_style(kind, data["para"].get(kind, {}), body_size, float(grid["leading_pt"])) for kind in PARA_KINDS)
    for p in paras:
        for key in (p.face, p.bold_face):
            if key not in keys:
                raise ValueError(f"[para.{p.kind}] face '{key}' is not under [faces]")
    return Style(
        name=name,
        root=root,
        page_width=float(page["width_mm"]) * MM,
        page_height=float(page["height_mm"]) * MM,
        bleed=float(page["bleed_mm"]) * MM,
        margin_top=float(page["margin_top_mm"]) * MM,
        margin_bottom=float(page["margin_bottom_mm"]) * MM,
        margin_inner=float(page["margin_inner_mm"]) * MM,
        columns=int(grid["columns"]),
        column_chars=int(grid["column_chars"]),
        gutter_chars=float(grid["gutter_chars"]),
        body_size=body_size,
        leading=float(grid["leading_pt"]),
        min_body_size=float(grid.get("min_body_size_pt", body_size)),
        max_body_size=float(grid.get("max_body_size_pt", body_size)),
        faces=faces,
        paras=paras,
        header_number_size=float(header.get("page_number_size", 24)),
        header_number_face=str(header.get("page_number_face", header["face"])),
        header_rule=float(header.get("rule_pt", 1)),
        press=press_style(root, data.get("press", {})),
    )


class PressValueError(ValueError):
    def __init__(self, key: str, message: str, hint: str) -> None:
        super().__init__(f"[press] {key}: {message}")
        self.key, self.hint = key, hint


def press_style(root: Path, d: dict[str, Any]) -> PressStyle:
    """[press], validated: a CMYK output profile that opens, an ink limit and resolutions in range."""
    profile = Path(str(d.get("output_profile", STAND_IN_PROFILE)))
    profile = profile if profile.is_absolute() else root / profile
    check_cmyk_profile(profile)
    ink = press_number(d, "ink_limit", 240.0, 100.0, 400.0, "newsprint takes about 240 (%), coated paper 300–330")
    min_ppi = press_number(d, "min_ppi", 200.0, 72.0, 1200.0, "newsprint needs about 200 ppi")
    image_ppi = press_number(d, "image_ppi", max(min_ppi, 200.0), min_ppi, 1200.0,
                             f"at least min_ppi ({min_ppi:g}); 200–300 is plenty for newsprint")
    condition = str(d.get("output_condition", STAND_IN_CONDITION if profile == STAND_IN_PROFILE else profile.stem))
    return PressStyle(profile, condition, ink, min_ppi, image_ppi)


def press_number(d: dict[str, Any], key: str, default: float, low: float, high: float, hint: str) -> float:
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise PressValueError(key, f"{value!r} is not a number from {low:g} to {high:g}", hint)
    return float(value)


def check_cmyk_profile(path: Path) -> None:
    """The output profile must be an ICC profile of a CMYK printer (a display or RGB profile is a mistake)."""
    hint = "name the plant's CMYK ICC profile (e.g. ISOnewspaper26v4.icc) in the style folder, or leave the stand-in"
    try:
        head = path.read_bytes()[:128]
    except OSError:
        raise PressValueError("output_profile", f"{path.name} cannot be read", hint) from None
    if len(head) < 128 or head[36:40] != b"acsp":
        raise PressValueError("output_profile", f"{path.name} is not an ICC profile", hint)
    if head[16:20] != b"CMYK":
        raise PressValueError("output_profile", f"{path.name} is a {head[16:20].decode('latin-1').strip()} profile, "
                              "not CMYK", hint)


def toml_key_line(text: str, table: str, key: str) -> int:
    """The line of `key` under [table], else of the table's header, else 1."""
    import re

    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if re.match(rf"\s*\[{re.escape(table)}\]", line)), None)
    if header is None:
        return 1
    for i in range(header + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return header + 1


# Values that must be greater than 0, and values that may be 0 but not negative; every number
# must be finite (TOML reads nan and inf). A value out of range is a content error, not a crash.
POSITIVE = ("page_width", "page_height", "columns", "column_chars", "body_size", "leading", "min_body_size",
            "max_body_size", "header_number_size")
NOT_NEGATIVE = ("bleed", "margin_top", "margin_bottom", "margin_inner", "gutter_chars", "header_rule")
PARA_POSITIVE = ("size", "leading")
PARA_NOT_NEGATIVE = ("lines", "indent_em")


def checked(style: Style) -> Style:
    for name in POSITIVE + NOT_NEGATIVE:
        in_range(name, getattr(style, name), name in POSITIVE)
    for p in style.paras:
        for name in PARA_POSITIVE + PARA_NOT_NEGATIVE:
            in_range(f"[para.{p.kind}] {name}", getattr(p, name), name in PARA_POSITIVE)
        in_range(f"[para.{p.kind}] tracking_em", p.tracking_em, False, signed=True)
    if not style.min_body_size <= style.body_size <= style.max_body_size:
        raise ValueError(f"min_body_size_pt ≤ body_size_pt ≤ max_body_size_pt does not hold "
                         f"({style.min_body_size:g}, {style.body_size:g}, {style.max_body_size:g})")
    return style


def in_range(name: str, value: float, positive: bool, signed: bool = False) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} = {value} is not a finite number")
    if signed:
        return
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} = {value:g} is out of range (it must be {'greater than 0' if positive else '0 or more'})")


def para_style(kind: str, d: dict[str, Any], body_size: float, leading: float) -> ParaStyle:
    size = float(d.get("size", body_size))
    face = str(d.get("face", "serif"))
    return ParaStyle(
        kind=kind,
        face=face,
        bold_face=str(d.get("bold_face", face)),
        size=size,
        leading=float(d.get("leading", leading if size == body_size else round(size * 1.5, 2))),
        lines=int(d.get("lines", 0)),
        indent_em=float(d.get("indent_em", 2 if kind == "body" else 0)),
        align=str(d.get("align", "justify")),
        tracking_em=float(d.get("tracking_em", 0)),
    )
