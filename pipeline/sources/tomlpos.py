"""Positions in edition.toml: the file:line of a table or key, so schema errors can name where."""

from __future__ import annotations

import re
import tomllib
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
