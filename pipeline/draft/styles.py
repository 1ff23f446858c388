"""The draft's own styles, settings and font table: pinban's, not python-docx's template.

python-docx's template brings 180 styles (438 KB, and the same again as stylesWithEffects),
Word 2010 compatibility mode and "Microsoft Macintosh Word". The draft carries instead only the
styles it uses, named in Chinese, current compatibility mode, and the three faces it names.
"""

from __future__ import annotations

from lxml import etree

from ..model import BODY, INTRO, SECTION, SUBSECTION
from ..ooxml import NSMAP, W_NS, w, xml_bytes

# paragraph style id, its name as proofreaders see it, and the kind it carries
PARA_STYLES: dict[str, tuple[str, str]] = {
    "kicker": ("PinbanKicker", "引题"),
    "title": ("PinbanTitle", "主题"),
    "subtitle": ("PinbanSubtitle", "副题"),
    "header": ("PinbanHeader", "报眉"),
    "credit": ("PinbanCredit", "报眉署名"),
    INTRO: ("PinbanIntro", "导语"),
    SECTION: ("PinbanSection", "章节标题"),
    SUBSECTION: ("PinbanSubsection", "小标题"),
    # not "正文": Chinese Word and WPS show the built-in Normal style as 正文, a second one would clash
    BODY: ("PinbanBody", "报道正文"),
    "caption": ("PinbanCaption", "图片说明"),
}
LEAD_STYLE = ("PinbanLead", "段首小标题")  # character style of the bold run-in lead
LOCATION_STYLE = ("PinbanLocation", "版面位置")  # character style of 〔02版·第3栏〕
NOTE_STYLE = ("PinbanNote", "校对稿说明")  # draft-only paragraphs, never mapped back
PHOTO_STYLE = ("PinbanPhoto", "图片")
# Word's built-in styles keep their built-in names: Word and WPS show them in Chinese (正文, 批注文字)
NORMAL_ID = "Normal"
COMMENT_STYLES = ("CommentText", "CommentReference")

SERIF, SANS, KAI = "Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai"
# what Word and WPS substitute when the face is not installed (w:altName)
FONT_ALT = {SERIF: ("宋体", "roman"), SANS: ("黑体", "swiss"), KAI: ("楷体", "script")}

# (kind, font, size in half-points, bold, align, first-line chars, keep-with-next, outline level, space before)
STYLE_LOOK: dict[str, tuple[str, int, bool, str, int, bool, int | None, int]] = {
    "kicker": (SANS, 24, False, "center", 0, True, None, 120),
    "title": (SANS, 44, True, "center", 0, True, 0, 120),
    "subtitle": (SANS, 28, False, "center", 0, True, None, 60),
    "header": (SANS, 18, False, "center", 0, False, None, 0),
    "credit": (SANS, 18, False, "center", 0, False, None, 0),
    INTRO: (KAI, 24, False, "both", 200, False, None, 120),
    SECTION: (SANS, 32, True, "center", 0, True, 1, 240),
    SUBSECTION: (SANS, 24, True, "both", 0, True, 2, 120),
    BODY: (SERIF, 21, False, "both", 200, False, None, 0),
    "caption": (KAI, 21, False, "both", 0, False, None, 60),
}


def rfonts(font: str) -> str:
    # explicit faces only: a theme attribute (w:eastAsiaTheme …) would override w:eastAsia
    return f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}" w:hint="eastAsia"/>'


def para_style_xml(kind: str) -> str:
    sid, name = PARA_STYLES[kind]
    font, size, bold, align, indent, keep, outline, before = STYLE_LOOK[kind]
    ppr = "<w:keepNext/>" if keep else ""
    ppr += f'<w:spacing w:before="{before}" w:after="60" w:line="360" w:lineRule="auto"/>'
    if indent:
        ppr += f'<w:ind w:firstLineChars="{indent}" w:firstLine="{size * 10 * indent // 100}"/>'
    ppr += f'<w:jc w:val="{align}"/>'
    if outline is not None:
        ppr += f'<w:outlineLvl w:val="{outline}"/>'
    rpr = rfonts(font) + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return (
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{sid}">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="{NORMAL_ID}"/><w:next w:val="{sid}"/>'
        f'<w:uiPriority w:val="10"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>'
    )


def other_styles_xml() -> list[str]:
    lead_id, lead = LEAD_STYLE
    loc_id, loc = LOCATION_STYLE
    note_id, note = NOTE_STYLE
    photo_id, photo = PHOTO_STYLE
    return [
        f'<w:style w:type="paragraph" w:default="1" w:styleId="{NORMAL_ID}"><w:name w:val="Normal"/><w:qFormat/></w:style>',
        (f'<w:style w:type="character" w:customStyle="1" w:styleId="{lead_id}"><w:name w:val="{lead}"/>'
        f'<w:uiPriority w:val="11"/><w:qFormat/><w:rPr>{rfonts(SANS)}<w:b/><w:bCs/></w:rPr></w:style>'),
        (f'<w:style w:type="character" w:customStyle="1" w:styleId="{loc_id}"><w:name w:val="{loc}"/>'
        f'<w:uiPriority w:val="12"/><w:rPr>{rfonts(SANS)}<w:color w:val="1F6FB2"/><w:sz w:val="16"/>'
        '<w:szCs w:val="16"/></w:rPr></w:style>'),
        (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{note_id}"><w:name w:val="{note}"/>'
        f'<w:basedOn w:val="{NORMAL_ID}"/><w:uiPriority w:val="12"/><w:pPr><w:spacing w:before="0" w:after="60"/>'
        f'<w:jc w:val="center"/></w:pPr><w:rPr>{rfonts(SANS)}<w:color w:val="808080"/><w:sz w:val="16"/>'
        '<w:szCs w:val="16"/></w:rPr></w:style>'),
        (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{photo_id}"><w:name w:val="{photo}"/>'
        f'<w:basedOn w:val="{NORMAL_ID}"/><w:uiPriority w:val="12"/><w:pPr><w:keepNext/>'
        '<w:spacing w:before="120" w:after="0"/><w:jc w:val="left"/></w:pPr></w:style>'),
        (f'<w:style w:type="paragraph" w:styleId="CommentText"><w:name w:val="annotation text"/>'
        f'<w:basedOn w:val="{NORMAL_ID}"/><w:uiPriority w:val="99"/><w:rPr><w:sz w:val="18"/></w:rPr></w:style>'),
        ('<w:style w:type="character" w:styleId="CommentReference"><w:name w:val="annotation reference"/>'
        '<w:uiPriority w:val="99"/><w:rPr><w:sz w:val="16"/></w:rPr></w:style>'),
    ]


DOC_DEFAULTS = (
    "<w:docDefaults><w:rPrDefault><w:rPr>" + rfonts(SERIF)
    + '<w:kern w:val="2"/><w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
    "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
    # Word's default, said out loud: without it LibreOffice lets line-end punctuation hang and
    # then leaves it out of its PDF (measured with LibreOffice 7.4: every line-end 、，。 was missing)
    '<w:overflowPunct w:val="1"/><w:spacing w:after="0" w:line="360" w:lineRule="auto"/>'
    "</w:pPr></w:pPrDefault></w:docDefaults>"
)


def styles_element() -> etree._Element:
    """The whole styles part: defaults and every style the draft may use."""
    inner = DOC_DEFAULTS + "".join(para_style_xml(k) for k in PARA_STYLES) + "".join(other_styles_xml())
    return etree.fromstring(f'<w:styles xmlns:w="{W_NS}">{inner}</w:styles>')


def prune_styles(styles: etree._Element, used: set[str]) -> None:
    """Drop every style the document does not use (nor any used style is based on)."""
    by_id = {st.get(w("styleId")): st for st in styles.findall("w:style", NSMAP)}
    keep, todo = set(), [*used, NORMAL_ID]
    while todo:
        sid = todo.pop()
        if sid in keep or sid not in by_id:
            continue
        keep.add(sid)
        todo += [el.get(w("val")) for el in by_id[sid] if el.tag in (w("basedOn"), w("next"), w("link"))]
    for sid, st in by_id.items():
        if sid not in keep:
            styles.remove(st)


def used_style_ids(*roots: etree._Element) -> set[str]:
    tags = (w("pStyle"), w("rStyle"))
    return {el.get(w("val")) for root in roots for el in root.iter(*tags)}


def font_table_xml() -> bytes:
    root = etree.Element(w("fonts"), nsmap={"w": W_NS})
    for name, (alt, family) in FONT_ALT.items():
        font = etree.SubElement(root, w("font"), {w("name"): name})
        etree.SubElement(font, w("altName"), {w("val"): alt})
        etree.SubElement(font, w("charset"), {w("val"): "86"})  # GB2312
        etree.SubElement(font, w("family"), {w("val"): family})
        etree.SubElement(font, w("pitch"), {w("val"): "variable"})
    return xml_bytes(root)


WORD_URI = "http://schemas.microsoft.com/office/word"


def settings_xml() -> bytes:
    """Track Changes on; Chinese punctuation compressed; Word 2013+ layout (compatibility mode 15),
    so Word does not open the draft in compatibility mode. Children in schema order."""
    xml = (
        f'<w:settings xmlns:w="{W_NS}">'
        '<w:zoom w:percent="100"/><w:trackRevisions/><w:defaultTabStop w:val="420"/>'
        '<w:characterSpacingControl w:val="compressPunctuation"/>'
        f'<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="{WORD_URI}" w:val="15"/>'
        f'<w:compatSetting w:name="enableOpenTypeFeatures" w:uri="{WORD_URI}" w:val="1"/></w:compat>'
        '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
        '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>'
    )
    return xml_bytes(etree.fromstring(xml))
