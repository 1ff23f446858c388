"""Character classes of Chinese typography (typography.md rules 1–6), shared by the composer, the renderer and the checks."""

from __future__ import annotations

OPENING = frozenset("“‘（〔【《〈「『［｛〖〘〚｟")             # blank half on the left


CLOSING = frozenset("”’）〕】》〉」』］｝〗〙〛｠")


STOPS = frozenset("、，。；：？！")                            # SC: ink left, blank half right


MARKS = OPENING | CLOSING | STOPS


NO_START = CLOSING | STOPS | frozenset("·・‧—～…‐–%‰℃,.;:!?)]}")


NO_END = OPENING | frozenset("([{")


PAIRED_2EM = ("——", "……")


PUNCT = MARKS | NO_START | NO_END | frozenset("-/'\"")


BREAKING_SPACE = " "


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F
            or 0xF900 <= o <= 0xFAFF or 0x3040 <= o <= 0x30FF or 0xAC00 <= o <= 0xD7AF
            or 0x3100 <= o <= 0x312F or 0xFF10 <= o <= 0xFF5A or o in (0x3007, 0x3005))


SOLO = frozenset("—…·・‧～")     # set alone, like a hanzi, whatever the script around


def word_char(ch: str) -> bool:
    """Part of a Latin, Greek or Cyrillic word, a number, an address or code: set as one shaped
    unit between its break opportunities."""
    return ch != BREAKING_SPACE and ch not in MARKS and ch not in SOLO and ord(ch) < 0x2E80
