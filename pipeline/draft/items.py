"""What the draft holds: every proofread unit of an edition as an Item of source-tagged Pieces."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..model import Edition, Photo
from ..ooxml import BOOKMARK_PREFIX

BOOKMARK_MAX = 40  # Word's limit for bookmark names
WORD_JOINER = "\u2060"  # UAX #14 class WJ: no line break on either side (Word honours it; see test_docx)


@dataclass(frozen=True)
class Piece:
    """A stretch of an item's text. `field` names the source value it comes from (a report.md run
    "run0", or a TOML key path like "photos[2].caption"); "" marks generated text (read-only)."""

    text: str
    bold: bool = False
    field: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # kicker | title | subtitle | header | credit | intro | section | subsection | body | caption
    pieces: tuple[Piece, ...]
    file: str  # "report.md" or "edition.toml"
    line: int
    key: str = ""  # TOML key path of the item for edition.toml items
    photo: Photo | None = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def draft_items(edition: Edition) -> list[Item]:
    """Everything a proofreader reads, in reading order. Used for export and, on the way back,
    to rebuild the current source text of each ID."""
    items = headline_items(edition) + furniture_items(edition)
    for block in edition.blocks:
        pieces = tuple(Piece(r.text, r.bold, f"run{k}") for k, r in enumerate(block.runs))
        items.append(Item(block.id, block.kind, pieces, block.source.file, block.source.line))
    for i, photo in enumerate(edition.photos):
        items.append(caption_item(i, photo))
    return items


def headline_items(edition: Edition) -> list[Item]:
    hl = edition.headline
    items = []
    for part in ("kicker", "title", "subtitle"):
        text = getattr(hl, part)
        if text:  # an absent kicker has no TOML string to write back into
            key = f"headline.{part}"
            items.append(Item(key, part, (Piece(text, field=key),), hl.source.file, hl.source.line, key))
    return items


def furniture_items(edition: Edition) -> list[Item]:
    src = "edition.toml"
    items = [
        Item("furniture.section", "header", (Piece(edition.section, field="edition.section"),), src, 0, "edition.section"),
        # the date line is generated from edition.date; it is proofread but written back by hand
        Item("furniture.date", "header", (Piece(f"{edition.date_text}　{edition.weekday}"),), src, 0, "edition.date"),
    ]
    for i, credit in enumerate(edition.credits):
        pieces = [Piece(credit.role, field=f"credits[{i}].role"), Piece("：")]
        for j, name in enumerate(credit.names):
            if j:
                pieces.append(Piece(" "))
            pieces.append(Piece(name, field=f"credits[{i}].names[{j}]"))
        items.append(Item(f"furniture.credits.{i + 1}", "credit", tuple(pieces), src, 0, f"credits[{i}]"))
    return items


def caption_item(i: int, photo: Photo) -> Item:
    pieces = [Piece(photo.caption, field=f"photos[{i}].caption")]
    if photo.credit:
        pieces += [Piece("　"), Piece(photo.credit, field=f"photos[{i}].credit")]
    key = f"photos[{i}].caption"
    return Item(f"photo.{photo.id}", "caption", tuple(pieces), photo.source.file, photo.source.line, key, photo)


def bookmark_name(item_id: str, taken: set[str]) -> str:
    """A hidden bookmark name: "_pb_" + the ID in Word's alphabet, or a hash when that won't do."""
    name = BOOKMARK_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", item_id)
    if len(name) > BOOKMARK_MAX or name in taken:
        name = BOOKMARK_PREFIX + hashlib.sha1(item_id.encode()).hexdigest()[:16]
    taken.add(name)
    return name


def location_of(item: Item, locations: dict[str, str]) -> str:
    """Where the layout put the item, "02版·第3栏·第12行" (the layout uses the draft's ids)."""
    return locations.get(item.id, "")


def location_marker(location: str) -> str:
    """〔02版·第3栏〕 from "02版·第3栏·第12行": page and column are what a proofreader looks up."""
    return "〔" + "·".join(location.split("·")[:2]) + "〕" if location else ""


def no_break(text: str) -> str:
    """The text with a word joiner between its characters: it never wraps (CJK text may
    otherwise break between any two characters, the marker's too)."""
    return WORD_JOINER.join(text)
