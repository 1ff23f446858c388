"""OOXML that the draft writer and the review reader share: namespaces, tags, bookmarks,
custom and core properties, and small readers of paragraphs and runs.

Everything here works on lxml elements (python-docx's oxml elements are lxml elements too), so
the writer can use it on python-docx's tree and the reader on a part it parsed itself.
"""

from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSMAP = {"w": W_NS}
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_PATH = "docProps/custom.xml"
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one format id for user-defined properties

DOCUMENT_PART = "word/document.xml"
STYLES_PART = "word/styles.xml"
COMMENTS_PART = "word/comments.xml"

BOOKMARK_PREFIX = "_pb_"  # "_" makes the bookmark hidden in Word
PROP_EXPORT_ID = "pinban.export_id"
PROP_EDITION = "pinban.edition"


def w(tag: str) -> str:
    """Clark name of a WordprocessingML tag or attribute: w("p") → "{…/main}p"."""
    return f"{{{W_NS}}}{tag}"


def xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def on(el: etree._Element | None) -> bool:
    """A toggle property (w:b, w:i …) that is present and not switched off."""
    return el is not None and el.get(w("val"), "true").lower() not in ("0", "false", "off", "none")


def local_name(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


# --- bookmarks --------------------------------------------------------------------------------


def add_bookmark(p: etree._Element, name: str, bid: int) -> None:
    """A collapsed bookmark at the paragraph start (after w:pPr): survives edits of the text."""
    at = 1 if p.find(w("pPr")) is not None else 0
    p.insert(at, etree.Element(w("bookmarkStart"), {w("id"): str(bid), w("name"): name}))
    p.insert(at + 1, etree.Element(w("bookmarkEnd"), {w("id"): str(bid)}))


# --- paragraphs and runs ----------------------------------------------------------------------


def paragraph_style_id(p: etree._Element) -> str:
    style = p.find("w:pPr/w:pStyle", NSMAP)
    return style.get(w("val"), "") if style is not None else ""


def run_style_id(r: etree._Element) -> str:
    style = r.find("w:rPr/w:rStyle", NSMAP)
    return style.get(w("val"), "") if style is not None else ""


def body_paragraphs(document: etree._Element) -> list[etree._Element]:
    """The body's paragraphs in order, tables included; not those in text boxes, which are drawn
    twice (mc:AlternateContent) and never pinban's."""
    body = document.find("w:body", NSMAP)
    if body is None:
        return []
    return [p for p in body.iter(w("p")) if not any(a.tag == w("txbxContent") for a in p.iterancestors())]


def style_names(styles: etree._Element | None) -> dict[str, str]:
    """styleId → name: clients rename ids, names survive."""
    names: dict[str, str] = {}
    for st in styles.findall("w:style", NSMAP) if styles is not None else ():
        sid = st.get(w("styleId"), "")
        name = st.find("w:name", NSMAP)
        names[sid] = name.get(w("val"), sid) if name is not None else sid
    return names


# --- custom properties (docProps/custom.xml) ---------------------------------------------------


def custom_properties_xml(props: dict[str, str]) -> bytes:
    root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    for pid, (name, value) in enumerate(sorted(props.items()), start=2):  # pids start at 2
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", {"fmtid": CUSTOM_FMTID, "pid": str(pid), "name": name})
        etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    return xml_bytes(root)


def read_custom_properties(root: etree._Element) -> dict[str, str]:
    props = {}
    for prop in root:
        if isinstance(prop.tag, str) and prop.get("name"):
            props[prop.get("name")] = "".join(prop.itertext()).strip()
    return props


# --- extended properties (docProps/app.xml) -----------------------------------------------------


def app_properties_xml(application: str, version: str) -> bytes:
    root = etree.Element(f"{{{APP_NS}}}Properties", nsmap={None: APP_NS, "vt": VT_NS})
    etree.SubElement(root, f"{{{APP_NS}}}Application").text = application
    etree.SubElement(root, f"{{{APP_NS}}}DocSecurity").text = "0"
    etree.SubElement(root, f"{{{APP_NS}}}AppVersion").text = version
    return xml_bytes(root)
