"""Where drawn glyphs should stand next to each other, from the fonts that drew them.

A PDF's width array gives a glyph's nominal advance; Pango positions glyphs by their shaped
advances (GPOS: proportional digits in a Chinese run, kerning such as `Py`, ligatures such as
`fi`). The typography audit measures spacing as the distance between two pen positions less
what shaping alone puts there, so a kerned or proportional pair is not "spaced out".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol

from .readback import Char


class Shaper(Protocol):
    family: str
    weight: int

    def advance(self, text: str, size: float, features: tuple[str, ...] = ()) -> float: ...

    def glyph_count(self, text: str) -> int: ...


def flat(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


class FontMetrics:
    """Shaped advances of drawn glyphs, found by the embedded font's name (Noto-Serif-CJK-SC-Bold)
    among the house-style faces; None for a font that is not one of them."""

    def __init__(self, faces: Mapping[str, Shaper]) -> None:
        self.by_name: dict[str, Shaper] = {}
        for face in faces.values():
            if not all(hasattr(face, a) for a in ("family", "weight", "advance", "glyph_count")):
                continue  # a stand-in face that cannot shape: measure against the PDF's widths
            bold = "bold" if face.weight >= 600 else ""
            for name in (flat(face.family) + bold, flat(face.family) + (bold or "regular")):
                self.by_name.setdefault(name, face)
        self.advance = lru_cache(maxsize=4096)(self._advance)
        self.step = lru_cache(maxsize=8192)(self._step)

    def face(self, font: str) -> Shaper | None:
        return self.by_name.get(flat(font))

    def _advance(self, g: Char) -> float | None:
        """The glyph's shaped advance on its own (how far a line ending in it reaches)."""
        face = self.face(g.font)
        return face.advance(g.text, g.size) if face else None

    def _step(self, a: Char, b: Char) -> float | None:
        """The distance from a's pen to b's when shaping sets them side by side, kerning included;
        None when it cannot be told: other fonts or sizes, or a ligature (one glyph for both)."""
        face = self.face(a.font)
        if face is None or a.font != b.font or abs(a.size - b.size) > 1e-3 or face.glyph_count(a.text + b.text) < 2:
            return None
        return face.advance(a.text + b.text, a.size) - face.advance(b.text, b.size)
