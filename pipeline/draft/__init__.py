"""The proofreaders' draft: an edition as a DOCX (python-docx + lxml) plus its manifest.

Every proofread unit — headline part, page furniture, report paragraph, caption — becomes one
paragraph with a stable ID in a hidden bookmark. The manifest (draft.manifest.json) records per ID
the exported text, its hash, where it came from, and which characters came from which source field,
so that pipeline.review can merge the proofreaders' tracked corrections back into the sources.

Same sources → same bytes: dates come from the edition date or SOURCE_DATE_EPOCH, and the zip is
re-packed with fixed timestamps in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from ..model import Edition, Finding
from ..ooxml import PROP_EDITION, PROP_EXPORT_ID
from ..project import build_time, write_atomic
from .items import Item, Piece, bookmark_name, draft_items, location_marker
from .manifest import DRAFT_NAME, MANIFEST_ARCHIVE, MANIFEST_FORMAT, MANIFEST_NAME, build_manifest, manifest_bytes
from .package import repack
from .styles import LEAD_STYLE, LOCATION_STYLE, PARA_STYLES
from .writer import PINBAN_AUTHOR, build_document, finding_anchor

__all__ = [
    "DRAFT_NAME", "LEAD_STYLE", "LOCATION_STYLE", "MANIFEST_ARCHIVE", "MANIFEST_FORMAT", "MANIFEST_NAME",
    "PARA_STYLES", "PINBAN_AUTHOR", "Item", "Piece", "bookmark_name", "build_docx", "draft_items", "export_draft",
    "finding_anchor", "location_marker",
]


def export_draft(
    edition: Edition, out_dir: Path, findings: list[Finding], locations: dict[str, str]
) -> tuple[Path, Path]:
    """Write draft.docx and draft.manifest.json into out_dir (atomically); return both paths."""
    items = draft_items(edition)
    notes = draft_notes(edition, items)
    manifest = build_manifest(edition, items, locations, notes)
    when = export_time(edition)
    data = build_docx(edition, items, manifest, findings, when)
    out_dir = Path(out_dir)
    docx_path, manifest_path = out_dir / DRAFT_NAME, out_dir / MANIFEST_NAME
    raw_manifest = manifest_bytes(manifest)
    write_atomic(out_dir / MANIFEST_ARCHIVE / f"{manifest['export_id']}.json", raw_manifest)
    write_atomic(manifest_path, raw_manifest)
    write_atomic(docx_path, data)
    return docx_path, manifest_path


def export_time(edition: Edition) -> dt.datetime:
    when = build_time(edition.date)
    return max(when, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).replace(microsecond=0)  # zip can't go earlier


def draft_notes(edition: Edition, items: list[Item]) -> list[str]:
    """Draft-only paragraphs (the heading note, missing photos): shown, never mapped back."""
    notes = [
        f"校对稿 · {edition.section} · {edition.date_text} · 第{edition.pages[0]}–{edition.pages[1]}版",
        "请在修订（Track Changes）模式下修改；给编辑的意见请写批注。作者为 pinban 的批注是排版程序的提示。",
        "图片与图片说明",
    ]
    for it in items:
        if it.photo is not None and (it.photo.path is None or not it.photo.path.is_file()):
            notes.append(f"〔缺图：{it.photo.rel}〕")
    return notes


def build_docx(
    edition: Edition, items: list[Item], manifest: dict[str, Any], findings: list[Finding], when: dt.datetime
) -> bytes:
    doc = build_document(edition, items, manifest, findings, when)
    buf = io.BytesIO()
    doc.save(buf)
    props = {PROP_EXPORT_ID: manifest["export_id"], PROP_EDITION: edition.name}
    return repack(buf.getvalue(), when, props)
