"""Reading untrusted source files: size bounds, links out of the folder, UTF-8, control characters."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import PinbanError

EDITION_FILE = "edition.toml"


REPORT_FILE = "report.md"


# Sources are a few tens of KB; anything far larger is a wrong file, not an edition.
MAX_BYTES = {EDITION_FILE: 1 << 20, REPORT_FILE: 4 << 20}


# C0/C1 control characters cannot be printed, and DOCX (XML) cannot even hold them. The report
# keeps its tabs and line breaks; a TOML text value is one line.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


VALUE_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def read_utf8(path: Path, name: str) -> str:
    raw = read_bytes(path, name)
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PinbanError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}){guess_encoding(raw)}",
            f"{name}:{line}",
            f"save {name} as UTF-8 (e.g. iconv -f GB18030 -t UTF-8), then build again",
        ) from None


def read_bytes(path: Path, name: str) -> bytes:
    limit = MAX_BYTES.get(name, 1 << 20)
    try:
        if not path.is_file():
            raise PinbanError("file not found", name, f"every edition folder needs {name}")
        # A source that is a symlink out of the edition would print someone else's file.
        if not path.resolve().is_relative_to(path.parent.resolve()):
            raise PinbanError("file is a link to outside the edition folder", name, f"put the real {name} in the edition folder")
        size = path.stat().st_size
        if size > limit:
            raise PinbanError(
                f"file is {size / (1 << 20):.1f} MB, far larger than an edition's sources (limit {limit >> 20} MB)",
                name, "is this the right file?",
            )
        return path.read_bytes()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        raise PinbanError(f"cannot read file: {getattr(exc, 'strerror', None) or exc}", name) from None


def guess_encoding(raw: bytes) -> str:
    """A word on what the bytes probably are, for the error line."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "; it looks like UTF-16"
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    # Readable as GB18030 and mostly Han characters: almost surely a GBK/GB18030 file.
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return "; it looks GBK/GB18030-encoded" if han * 4 >= len(text.strip()) or han > 20 else ""


def refuse_control_chars(text: str, name: str) -> None:
    """Control characters (other than tab and line breaks) are invisible and unprintable."""
    m = CONTROL_RE.search(text)
    if m:
        line = len(LINE_BREAK_RE.findall(text[: m.start()])) + 1
        raise PinbanError(
            f"control character U+{ord(m.group()):04X} in the text",
            f"{name}:{line}",
            "delete it (it is invisible in most editors; it came from a copy-paste)",
        )
