"""Shared-library look-ups without child processes.

WeasyPrint asks cffi for each of its C libraries under several names (libgobject-2.0-0,
gobject-2.0-0, gobject-2.0, …); every name cffi cannot open goes to `ctypes.util.find_library`,
which on Linux starts ldconfig, then gcc, then ld for each name it misses: about 0.4 s of a
0.6 s import. The same answers come from the dynamic loader's own cache (/etc/ld.so.cache) and
LD_LIBRARY_PATH, read once, each candidate checked by loading it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path

LOADER_CACHE = Path("/etc/ld.so.cache")


@functools.cache
def loader_cache_names(cache: Path = LOADER_CACHE) -> tuple[str, ...] | None:
    """The file names (sonames) the dynamic loader's cache knows, or None where there is no cache
    to read (not glibc): then only the standard look-up can answer. The cache holds its sonames
    and paths as NUL-terminated strings; the paths are enough."""
    try:
        data = cache.read_bytes()
    except OSError:
        return None
    if not data.startswith((b"ld.so-1.7.0", b"glibc-ld.so.cache")):
        return None
    paths = re.findall(rb"/[^\0]*/(lib[^\0/]*\.so[^\0/]*)\0", data)
    return tuple(dict.fromkeys(p.decode("utf-8", "replace") for p in paths))


def search_path_names() -> list[str]:
    """Library files in LD_LIBRARY_PATH, which the loader searches before its cache."""
    names: list[str] = []
    for folder in filter(None, os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep)):
        with contextlib.suppress(OSError):
            names += sorted(p.name for p in Path(folder).iterdir() if ".so" in p.name)
    return names


def candidates(name: str, known: list[str] | tuple[str, ...]) -> list[str]:
    """The sonames that answer `find_library(name)`: lib<name>.so or lib<name>.so.<version>,
    the unversioned development link last (it is often absent or a linker script)."""
    pattern = re.compile(rf"lib{re.escape(name)}\.so((\.\d+)*)$")
    matches = [n for n in dict.fromkeys(known) if pattern.match(n)]
    return sorted(matches, key=lambda n: (n.endswith(".so"), n))


def loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:  # another architecture's copy, or a broken link
        return False
    return True


def find_library(name: str) -> str | None:
    """What `ctypes.util.find_library` answers on Linux — a soname the loader opens — from the
    loader's cache; the standard look-up only where there is no cache to read."""
    cached = loader_cache_names()
    if cached is None:
        return standard_find_library(name)
    return next((s for s in candidates(name, search_path_names() + list(cached)) if loads(s)), None)


standard_find_library = ctypes.util.find_library


@contextlib.contextmanager
def quick_library_lookup() -> Iterator[None]:
    """`ctypes.util.find_library` answered by `find_library` above while the block runs."""
    saved = ctypes.util.find_library
    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = saved


def import_weasyprint():
    """`import weasyprint`, its C libraries found without starting ldconfig or gcc."""
    with quick_library_lookup():
        import weasyprint
    return weasyprint


# WeasyPrint's user-agent stylesheet gives every element six pseudo-elements (::marker, the
# footnote and note calls and markers) whose styles it computes for each element of a document,
# six times the work of the elements themselves; they are drawn only for list items, footnotes
# and notes, which pinban never writes.
UNUSED_PSEUDO_RULES = re.compile(r"^::(marker|footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}$",
                                 re.MULTILINE)


@functools.cache
def lean_html():
    """weasyprint.HTML with the user-agent stylesheet less the rules of UNUSED_PSEUDO_RULES: the
    same pages for pinban's documents (no lists, footnotes or notes), a fifth less layout time."""
    weasyprint = import_weasyprint()
    from weasyprint import html as ua

    rules = UNUSED_PSEUDO_RULES.findall(ua.UA)
    sheet = weasyprint.CSS(string=UNUSED_PSEUDO_RULES.sub("", ua.UA), counter_style=ua.UA_COUNTER_STYLE)

    class LeanHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms: bool = False):
            if forms or len(rules) != 6:  # forms, or a WeasyPrint whose stylesheet is not as expected
                return super()._ua_stylesheets(forms)
            return [sheet]

    return LeanHTML
