"""The draft's zip: pinban's own parts in place of python-docx's template, custom properties,
fixed dates and a fixed order (same sources → same bytes)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from importlib.metadata import PackageNotFoundError, version

from lxml import etree

from ..ooxml import (
    COMMENTS_PART,
    CT_NS,
    CUSTOM_CT,
    CUSTOM_PATH,
    CUSTOM_REL,
    DOCUMENT_PART,
    REL_NS,
    STYLES_PART,
    app_properties_xml,
    custom_properties_xml,
    w,
    xml_bytes,
)
from .styles import font_table_xml, prune_styles, settings_xml, used_style_ids

APPLICATION = "pinban"
# python-docx's template parts the draft does without: a second copy of 180 styles, a theme
# (the styles name their faces), an empty numbering, web settings, a bibliography store and a
# picture of an empty page
DROPPED_PARTS = ("word/stylesWithEffects.xml", "word/theme/", "word/numbering.xml", "word/webSettings.xml",
                 "customXml/", "docProps/thumbnail.jpeg")
REPLACED_PARTS = {"word/settings.xml": settings_xml, "word/fontTable.xml": font_table_xml}


def app_version() -> str:
    """The extended properties' AppVersion ("XX.YYYY") from pinban's version."""
    try:
        major, minor = (version("pinban").split(".") + ["0"])[:2]
    except PackageNotFoundError:
        major, minor = "0", "0"
    return f"{int(major):02d}.{int(minor):04d}"


def dropped(name: str) -> bool:
    return any(name == d or (d.endswith("/") and name.startswith(d)) for d in DROPPED_PARTS)


def rels_name(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def target_part(rels: str, target: str) -> str:
    """The part a relationship points at, as a zip name."""
    if target.startswith("/"):
        return target.lstrip("/")
    folder = rels.removesuffix(".rels").rpartition("_rels/")[0].rstrip("/")
    parts = (folder.split("/") if folder else []) + target.split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            out.pop()
        elif p not in (".", ""):
            out.append(p)
    return "/".join(out)


def drop_relationships(parts: dict[str, bytes]) -> None:
    for name in [n for n in parts if n.endswith(".rels")]:
        rels = etree.fromstring(parts[name])
        for rel in list(rels):
            if rel.get("TargetMode") != "External" and dropped(target_part(name, rel.get("Target", ""))):
                rels.remove(rel)
        parts[name] = xml_bytes(rels)


def content_types(parts: dict[str, bytes]) -> bytes:
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in list(types):
        if override.tag == f"{{{CT_NS}}}Override" and override.get("PartName", "").lstrip("/") not in parts:
            types.remove(override)
    etree.SubElement(types, f"{{{CT_NS}}}Override", {"PartName": "/" + CUSTOM_PATH, "ContentType": CUSTOM_CT})
    return xml_bytes(types)


def only_used_styles(parts: dict[str, bytes]) -> bytes:
    roots = [etree.fromstring(parts[n]) for n in (DOCUMENT_PART, COMMENTS_PART) if n in parts]
    styles = etree.fromstring(parts[STYLES_PART])
    prune_styles(styles, used_style_ids(*roots))
    return xml_bytes(styles)


def fixed_comment_dates(data: bytes, when: dt.datetime) -> bytes:
    root = etree.fromstring(data)
    for c in root.iter(w("comment")):
        c.set(w("date"), when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return xml_bytes(root)


def repack(raw: bytes, when: dt.datetime, props: dict[str, str]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as zin:
        parts = {name: zin.read(name) for name in zin.namelist() if not dropped(name)}
    drop_relationships(parts)
    for name, make in REPLACED_PARTS.items():
        parts[name] = make()
    parts[STYLES_PART] = only_used_styles(parts)
    if COMMENTS_PART in parts:
        parts[COMMENTS_PART] = fixed_comment_dates(parts[COMMENTS_PART], when)
    parts["docProps/app.xml"] = app_properties_xml(APPLICATION, app_version())
    rels = etree.fromstring(parts["_rels/.rels"])
    etree.SubElement(rels, f"{{{REL_NS}}}Relationship", {"Id": "rIdPinbanCustom", "Type": CUSTOM_REL, "Target": CUSTOM_PATH})
    parts["_rels/.rels"] = xml_bytes(rels)
    parts[CUSTOM_PATH] = custom_properties_xml(props)
    parts["[Content_Types].xml"] = content_types(parts)
    return zip_bytes(parts, when)


def zip_bytes(parts: dict[str, bytes], when: dt.datetime) -> bytes:
    first = ["[Content_Types].xml", "_rels/.rels"]
    order = first + sorted(n for n in parts if n not in first)
    stamp = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, parts[name])
    return out.getvalue()
