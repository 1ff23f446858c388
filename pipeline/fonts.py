"""Font faces, found by family name through fontconfig and measured with HarfBuzz.

The composer measures text with the font file the renderer draws with, shaped the way Pango
(inside WeasyPrint) shapes it, so composed positions and drawn positions agree:

- The face is the one `fc-match` returns for the family and weight — the lookup Pango makes.
  fc-match falls back silently, so the family and weight it returns are checked.
- Pango splits a text into script runs before shaping (common characters such as digits and
  punctuation join the run around them; paired brackets join their partner) and shapes each run
  with the run's script and a language derived from it. `Face.advance` does the same: it matters,
  e.g. Noto CJK's `locl` makes U+2014 1 em wide in a Han run but 0.89 em in a common-only run,
  and Latin letters differ between the zh and other language systems.
- Ascender and descender are the hhea values (HarfBuzz's font extents, which is what Pango
  1.50 uses: the OS/2 typo metrics only when USE_TYPO_METRICS is set, which neither Noto CJK
  nor LXGW WenKai sets). Like the font tables, the descender is negative (Noto: 1.151, -0.286).
"""

from __future__ import annotations

import subprocess
from functools import cache, lru_cache

import uharfbuzz as hb

from .errors import PinbanError

# The language the renderer declares (<html lang="zh-CN">), as Pango passes it to HarfBuzz.
LANGUAGE = "zh-cn"

_PACKAGES = {"noto": "fonts-noto-cjk", "lxgw": "fonts-lxgw-wenkai"}

# CSS weight -> fontconfig weight (FcWeightFromOpenType's table).
_FC_WEIGHTS = {100: 0, 200: 40, 300: 50, 400: 80, 500: 100, 600: 180, 700: 200, 800: 205, 900: 210}

# Pango's paired punctuation (pango-script.c): a closing mark takes its opening mark's script.
_PAIRS = "()<>[]{}«»‘’“”‹›〈〉《》「」『』【】〔〕〖〗〘〙〚〛（）［］｛｝｟｠｢｣"
_PAIR_INDEX = {ch: i for i, ch in enumerate(_PAIRS)}

_COMMON = ""  # script of common/inherited characters


class Face:
    """A resolved font face: a runtime object, never put into the display list."""

    def __init__(self, key: str, family: str, weight: int, path: str, index: int) -> None:
        self.key = key
        self.family = family
        self.weight = weight
        self.path = path
        self.index = index
        blob = hb.Blob.from_file_path(path)
        self._hb_face = hb.Face(blob, index)
        self._font = hb.Font(self._hb_face)
        self.upem: int = self._hb_face.upem
        extents = self._font.get_font_extents("ltr")   # hhea, as Pango uses for line boxes
        self.ascender: float = extents.ascender / self.upem     # em, above the baseline
        self.descender: float = extents.descender / self.upem   # em, negative: below the baseline
        self.features: frozenset[str] = _feature_tags(self._hb_face)
        self._cmap: dict[str, bool] = {}
        self._widths: dict[tuple[str, tuple[str, ...]], float] = {}

    def __repr__(self) -> str:
        return f"Face({self.key!r}, {self.family!r}, {self.weight}, index={self.index})"

    @property
    def has_halt(self) -> bool:
        return "halt" in self.features

    def has_char(self, ch: str) -> bool:
        ok = self._cmap.get(ch)
        if ok is None:
            ok = self._font.get_nominal_glyph(ord(ch)) is not None
            self._cmap[ch] = ok
        return ok

    def advance(self, text: str, size: float, features: tuple[str, ...] = ()) -> float:
        """Width in pt of `text` at `size`, shaped as Pango shapes one text box (cached)."""
        key = (text, features)
        units = self._widths.get(key)
        if units is None:
            units = sum(self._shape_units(run, script, features) for run, script in script_runs(text))
            self._widths[key] = units
        return units * size / self.upem

    def cluster_advances(self, text: str, size: float, features: tuple[str, ...] = ()) -> list[tuple[str, float]]:
        """`text` shaped whole, as (cluster, advance in pt) pairs: each cluster's glyphs with the
        kerning to the next; their sum is `advance(text)`."""
        out: list[tuple[str, float]] = []
        for run, script in script_runs(text):
            buf = self._shape(run, script, features)
            starts = sorted({info.cluster for info in buf.glyph_infos})
            units = dict.fromkeys(starts, 0)
            for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
                units[info.cluster] += pos.x_advance
            for n, start in enumerate(starts):
                end = starts[n + 1] if n + 1 < len(starts) else len(run)
                out.append((run[start:end], units[start] * size / self.upem))
        return out

    def glyph_count(self, text: str) -> int:
        """How many glyphs shaping draws for `text` (fewer than its characters: a ligature)."""
        return sum(len(self._shape(run, script, ()).glyph_infos) for run, script in script_runs(text))

    def _shape_units(self, text: str, script: str, features: tuple[str, ...]) -> int:
        return sum(pos.x_advance for pos in self._shape(text, script, features).glyph_positions)

    def _shape(self, text: str, script: str, features: tuple[str, ...]) -> hb.Buffer:
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        if script:
            buf.script = script
        # Pango derives the language from the run's script: the page's zh-CN for Han and common
        # runs, not for Latin runs (it takes a sample language there, which Noto has no locl for).
        if script in ("", "Hani", "Bopo", "Hira", "Kana"):
            buf.language = LANGUAGE
        hb.shape(self._font, buf, {**NO_LIGATURES, **{tag: True for tag in features}})
        return buf


# the renderer sets font-variant-ligatures:none (a ligature would hide letters from the PDF's
# text and from the audit's glyph count): the widths are measured the same way
NO_LIGATURES = {"liga": False, "clig": False, "dlig": False, "hlig": False, "calt": False}


def _feature_tags(face: hb.Face) -> frozenset[str]:
    tags: set[str] = set()
    for table in ("GSUB", "GPOS"):
        for index, _script in enumerate(face.get_table_script_tags(table)):
            tags.update(face.get_language_feature_tags(table, index))
    return frozenset(tags)


@lru_cache(maxsize=4096)
def char_script(ch: str) -> str:
    """The Unicode script of a character as a 4-letter tag, "" for common/inherited."""
    buf = hb.Buffer()
    buf.add_str(ch)
    buf.guess_segment_properties()
    script = buf.script or ""
    return "" if script in ("Zyyy", "Zinh", "Zzzz") else script


def script_runs(text: str) -> list[tuple[str, str]]:
    """Split text into (run, script) like Pango's script iterator."""
    runs: list[tuple[str, str]] = []
    start = 0
    current = _COMMON
    stack: list[list] = []  # [pair index, script] of open marks
    start_paren = 0
    for i, ch in enumerate(text):
        sc = char_script(ch)
        pair = _PAIR_INDEX.get(ch, -1) if sc == _COMMON else -1
        if pair >= 0:
            if pair % 2 == 0:
                stack.append([pair, current])
            else:
                while stack and stack[-1][0] != pair - 1:
                    stack.pop()
                start_paren = min(start_paren, len(stack))
                if stack:
                    sc = stack[-1][1]
        if current == _COMMON or sc == _COMMON or current == sc:
            if current == _COMMON and sc != _COMMON:
                current = sc
                for entry in stack[start_paren:]:
                    entry[1] = sc
                start_paren = len(stack)
            if pair >= 0 and pair % 2 == 1 and stack:
                stack.pop()
                start_paren = min(start_paren, len(stack))
        else:
            runs.append((text[start:i], current))
            start, current = i, sc
            start_paren = len(stack)
            if pair >= 0 and pair % 2 == 1 and stack:
                stack.pop()
                start_paren = min(start_paren, len(stack))
    if start < len(text):
        runs.append((text[start:], current))
    return runs


def _package_for(family: str) -> str:
    for prefix, package in _PACKAGES.items():
        if family.lower().startswith(prefix):
            return package
    return "the Debian package that provides it"


def _fc_match(family: str, fc_weight: int) -> tuple[str, int, list[str], int]:
    escaped = "".join("\\" + c if c in "\\-:," else c for c in family)   # fontconfig pattern syntax
    pattern = f"{escaped}:weight={fc_weight}"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\\n%{index}\\n%{family}\\n%{weight}\\n", pattern],
            capture_output=True, text=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise PinbanError(f"fontconfig could not be asked for {family!r}: {exc}",
                          hint="install fontconfig (fc-match)") from exc
    lines = out.split("\n")
    if len(lines) < 4 or not lines[0]:
        raise PinbanError(f"fontconfig returned nothing for {family!r}", hint="check fc-match")
    weight = lines[3].strip()
    return lines[0], int(lines[1] or 0), [f.strip() for f in lines[2].split(",")], int(float(weight or -1))


def _face_families(path: str, index: int) -> set[str]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    names = font["name"]
    return {str(rec.toUnicode()) for rec in names.names if rec.nameID in (1, 16)}


def _pick_index(path: str, index: int, family: str) -> int:
    """The face of a collection whose family name is `family` (the SC face of Noto's .ttc)."""
    if family in _face_families(path, index):
        return index
    if path.lower().endswith((".ttc", ".otc")):
        from fontTools.ttLib import TTCollection

        count = len(TTCollection(path, lazy=True).fonts)
        for i in range(count):
            if family in _face_families(path, i):
                return i
    raise PinbanError(f"font {family!r}: {path} has no face of that family",
                      hint=f"reinstall {_package_for(family)}")


@cache
def _load(family: str, weight: int) -> tuple[str, int]:
    fc_weight = _FC_WEIGHTS.get(weight)
    if fc_weight is None:
        raise PinbanError(f"font {family!r}: weight {weight} is not a CSS weight 100–900")
    path, index, families, got_weight = _fc_match(family, fc_weight)
    package = _package_for(family)
    if family not in families:
        raise PinbanError(
            f"font {family!r} not found by fontconfig (it offers {families[0]!r} instead)",
            hint=f"apt-get install {package}")
    if got_weight != fc_weight:
        raise PinbanError(
            f"font {family!r} has no weight {weight} (fontconfig offers weight {got_weight})",
            hint=f"apt-get install {package}, or choose a weight the family has")
    return path, _pick_index(path, index, family)


_FACES: dict[tuple[str, str, int], Face] = {}


def load_face(key: str, family: str, weight: int) -> Face:
    """Resolve a house-style face by family and CSS weight; PinbanError if not installed exactly."""
    cached = _FACES.get((key, family, weight))
    if cached is None:
        path, index = _load(family, weight)
        # The HarfBuzz font and the width cache are shared by keys naming the same face.
        twin = next((f for (k, fam, w), f in _FACES.items() if fam == family and w == weight), None)
        cached = Face(key, family, weight, path, index)
        if twin is not None:
            cached._font, cached._widths, cached._cmap = twin._font, twin._widths, twin._cmap
        _FACES[(key, family, weight)] = cached
    return cached
