"""Positions in edition.toml: the file:line of a table or key, so schema errors can name where."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from ..errors import PinbanError
from .text import LINE_BREAK_RE


def parse_toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise PinbanError("TOML nested too deeply", name, "an edition needs no nesting beyond [[photos]].place") from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        where = f"{name}:{m.group(1)}" if m else name
        if not m and "end of document" in msg:
            where = f"{name}:{text.count(chr(10)) + 1}"
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        raise PinbanError(f"TOML syntax error: {reason}", where, "check quotes, brackets and '=' on that line") from None


class Locator:
    """Finds the line of a key in the TOML text, so schema errors can name file:line."""

    def __init__(self, text: str, name: str) -> None:
        self.lines = LINE_BREAK_RE.split(text)
        self.name = name

    def header(self, table_name: str, index: int = 0) -> int:
        pat = re.compile(r"^\s*\[\[?\s*" + re.escape(table_name) + r"\s*\]\]?\s*(#.*)?$")
        hits = [i + 1 for i, line in enumerate(self.lines) if pat.match(line)]
        return hits[index] if index < len(hits) else 0

    def key(self, table_name: str, key: str, index: int = 0) -> str:
        start = self.header(table_name, index)
        pat = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
        for i in range(start, len(self.lines)):
            line = self.lines[i].lstrip()
            if i > start and line.startswith("[") and not line.startswith(f"[{table_name}."):
                break
            if pat.match(self.lines[i]):
                return f"{self.name}:{i + 1}"
        return f"{self.name}:{start}" if start else self.name

    def table(self, table_name: str, index: int = 0) -> str:
        line = self.header(table_name, index)
        return f"{self.name}:{line}" if line else self.name

    def path_line(self, path: str) -> int:
        """The line of a value by its key path ("photos[2].caption", "credits[0].names[1]",
        "edition.section"): the line of its key, else of its table, else 0."""
        parts = key_path(path)
        last = max((i for i, p in enumerate(parts) if isinstance(p, str)), default=-1)
        if last < 0:
            return 0
        table = ".".join(p for p in parts[:last] if isinstance(p, str))
        index = next((p for p in parts[:last] if isinstance(p, int)), 0)
        where = self.key(table, parts[last], index) if table else self.key("", parts[last])
        line = where.rpartition(":")[2]
        return int(line) if line.isdigit() and where != self.name else 0


def key_path(path: str) -> list[str | int]:
    """"photos[2].caption" → ["photos", 2, "caption"]."""
    return [int(m.group(2)) if m.group(2) else m.group(1) for m in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", path)]


class TomlLines:
    """Finds edition.toml:N of a key: the model keeps only a table's line, and the key's own
    line is what an editor wants."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        try:
            self.lines = re.split(r"\r\n|\r|\n", path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            self.lines = []

    def header(self, table: str, index: int = 0) -> int:
        pat = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]")
        hits = [i + 1 for i, line in enumerate(self.lines) if pat.match(line)]
        return hits[index] if index < len(hits) else 0

    def key(self, table_line: int, key: str) -> str:
        pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        if table_line:
            for i in range(table_line + 1, len(self.lines) + 1):
                line = self.lines[i - 1].lstrip()
                if line.startswith("[") and not line.startswith("[photos."):
                    break
                if pat.match(line):
                    return f"{self.name}:{i}"
        return f"{self.name}:{table_line}" if table_line else self.name
