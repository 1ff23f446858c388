"""draft.manifest.json: per ID the exported text, its hash, its source and its pieces' fields, so
that the review can merge the proofreaders' corrections back into the sources."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..model import Edition
from .items import Item, bookmark_name, location_marker, location_of
from .styles import PARA_STYLES

DRAFT_NAME = "draft.docx"
MANIFEST_NAME = "draft.manifest.json"
MANIFEST_ARCHIVE = "manifests"  # every export's manifest by export id, for late rounds
MANIFEST_FORMAT = "pinban-draft-manifest/1"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_entry(item: Item, bookmark: str, location: str) -> dict[str, Any]:
    source: dict[str, Any] = {"file": item.file, "line": item.line}
    if item.key:
        source["key"] = item.key
    spans, pos = [], 0
    for p in item.pieces:
        spans.append([pos, pos + len(p.text), p.bold, p.field])
        pos += len(p.text)
    return {
        "id": item.id,
        "bookmark": bookmark,
        "kind": item.kind,
        "style": PARA_STYLES[item.kind][1],
        "text": item.text,
        "sha256": text_hash(item.text),
        "source": source,
        "location": location,
        "marker": location_marker(location),  # drawn with word joiners (items.no_break)
        "pieces": spans,
    }


def build_manifest(edition: Edition, items: list[Item], locations: dict[str, str], notes: list[str]) -> dict[str, Any]:
    taken: set[str] = set()
    entries = [manifest_entry(it, bookmark_name(it.id, taken), location_of(it, locations)) for it in items]
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "edition": edition.name,
        "date": edition.date.isoformat(),
        "draft": DRAFT_NAME,
        "notes": notes,
        "items": entries,
    }
    # the export id names exactly this base text: same sources, same id
    canonical = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    manifest["export_id"] = hashlib.sha256(canonical).hexdigest()[:16]
    return manifest


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")
