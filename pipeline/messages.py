"""One message catalogue for every sentence pinban says to people, in the language of its reader.

A finding or error is made from a template (the msgid, English, with named fields such as
`{ppi:.0f}`) and its values; the template is looked up in the gettext catalogue
(pipeline/locale/<language>/LC_MESSAGES/pinban.mo, compiled from the .po beside it) for the
reader: proofreaders (the DOCX comments, the proof legend) always read Chinese; the command line
follows the user's locale (LC_ALL, LC_MESSAGES, LANG: zh… → Chinese, otherwise English).
Written outputs never depend on the locale of the machine that made them.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

from .errors import PinbanError
from .model import Finding

DOMAIN = "pinban"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENGLISH, CHINESE = "en", "zh_CN"
PROOFREADERS = CHINESE

Value = str | int | float
Args = tuple[tuple[str, Value], ...]


def N_(msgid: str) -> str:
    """Marks a template for the catalogue (extracted by Babel); says it as it is."""
    return msgid


def user_language(env: Mapping[str, str] | None = None) -> str:
    """The command line's language: the first locale variable set, as gettext reads them."""
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return CHINESE if value.lower().startswith("zh") else ENGLISH
    return ENGLISH


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    if language == ENGLISH:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def pack(args: Mapping[str, Value] | None) -> Args:
    return tuple(sorted((args or {}).items()))


def say(msgid: str, args: Args | Mapping[str, Value] = (), language: str = ENGLISH) -> str:
    """The template in `language`, filled in with its values."""
    if not msgid:
        return ""
    values = dict(args.items() if isinstance(args, Mapping) else args)
    return catalogue(language).gettext(msgid).format(**values)


def finding(severity: str, code: str, msgid: str, where: str = "", hint: str = "",
            args: Mapping[str, Value] | None = None, **anchors) -> Finding:
    """A finding from catalogue templates: English in `message` and `hint`, the templates kept."""
    packed = pack(args)
    return Finding(severity, code, say(msgid, packed), where, say(hint, packed), msgid=msgid, hint_id=hint,
                   args=packed, **anchors)


def localised(f: Finding, language: str) -> Finding:
    """The finding as its reader reads it (English-only findings stay as they are)."""
    if not f.msgid or language == ENGLISH:
        return f
    return replace(f, message=say(f.msgid, f.args, language), hint=say(f.hint_id, f.args, language))


class CatalogueError(PinbanError):
    """A PinbanError made from catalogue templates, so the command line can say it in its language."""

    def __init__(self, msgid: str, where: str = "", hint: str = "", args: Mapping[str, Value] | None = None) -> None:
        self.msgid, self.hint_id, self.values = msgid, hint, pack(args)  # (Exception.args is taken)
        super().__init__(say(msgid, self.values), where, say(hint, self.values))

    def in_language(self, language: str) -> tuple[str, str]:
        return say(self.msgid, self.values, language), say(self.hint_id, self.values, language)


def error(msgid: str, where: str = "", hint: str = "", args: Mapping[str, Value] | None = None) -> CatalogueError:
    return CatalogueError(msgid, where, hint, args)


def count(n: int, severity: str, language: str = ENGLISH) -> str:
    """"3 errors", "1 warning", "2 notes" (or 3 处错误 …) in `language`."""
    tr = catalogue(language)
    forms = {"error": tr.ngettext("{n} error", "{n} errors", n), "warning": tr.ngettext("{n} warning", "{n} warnings", n),
             "info": tr.ngettext("{n} note", "{n} notes", n)}
    return forms[severity].format(n=n)


OVERSET = N_("overset: {lines} lines ({chars} characters) do not fit, in {sections}")
OVERSET_ANYWHERE = N_("overset: {lines} lines ({chars} characters) do not fit")
OVERSET_HINT = N_("cut text, drop or shrink a photo, or allow a smaller body size in the house style")


def overset_args(o) -> dict[str, Value]:
    return {"lines": o.lines, "chars": o.chars, "sections": "、".join(o.sections)}


# the one line says what to do, so it has no separate hint
UNDERSET = N_("underset: {lines} lines (≈ {chars} characters) short on page {page} — add text or a photo")


def underset_args(u) -> dict[str, Value]:
    return {"lines": u.lines, "chars": u.chars, "page": u.page}


BUG = N_("this is a pinban bug: please report it")
UNREADABLE_PDF = N_("the PDF cannot be read back: {reason}")

HEADINGS = {"error": N_("Errors"), "warning": N_("Warnings"), "info": N_("Notes")}
