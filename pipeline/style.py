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
        data = tomllib.loads((root / STYLE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PinbanError(f"house style '{name}' not found", where, "edition.toml [edition] style names a folder under styles/") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PinbanError(f"style file is not valid TOML: {exc}", where) from None
    try:
        return checked(build_style(name, root, data))
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
    )


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
