"""For the editor, beside the edition's other outputs: the 核红 list to check on the next proof,
and the conflicting corrections with both versions (Markdown, and a DOCX to read or print)."""

from __future__ import annotations

import io
from pathlib import Path

from ..draft.package import repack
from ..draft.styles import LEAD_STYLE, NOTE_STYLE, PARA_STYLES
from ..draft.writer import add_run, new_document, new_paragraph
from ..ooxml import PROP_EDITION
from ..project import build_time, write_atomic
from .report import UNTRACKED, Change, Conflict, ReviewResult


def write_editor_files(result: ReviewResult, out: Path) -> list[Path]:
    name = result.fingerprint or result.export_id
    files = [(out / f"hehong-{name}.md", hehong_markdown(result).encode("utf-8"))]
    left = result.conflicts + result.not_applied
    if left:
        files.append((out / f"conflicts-{name}.md", conflicts_markdown(result).encode("utf-8")))
        files.append((out / f"conflicts-{name}.docx", conflicts_docx(result)))
    for path, data in files:
        write_atomic(path, data)
    return [path for path, _ in files]


def who(c: Change) -> str:
    names = "、".join(c.authors)
    return names if c.tracked or UNTRACKED in c.authors else f"{names} {UNTRACKED}"


def hehong_markdown(r: ReviewResult) -> str:
    lines = [f"# 核红清单 · {r.edition}", "",
             f"校对稿 {r.reviewed.name}（导出 {r.export_id}）。以下 {len(r.changes)} 处改动已写入源文件，请在下一校样上逐条核对。", ""]
    if not r.changes:
        lines.append("本次没有写入任何改动。")
    for n, c in enumerate(r.changes, 1):
        place = "　".join(x for x in (c.location, c.where, c.id) if x)
        lines += [f"{n}. {place}　校对：{who(c)}" + (f"　〔{c.note}〕" if c.note else ""),
                  f"   - 改前：{c.before}", f"   - 改后：{c.after}"]
    left = r.conflicts + r.not_applied
    if left:
        lines += ["", f"另有 {len(left)} 段未改动，请编辑处理：见 conflicts-{r.fingerprint or r.export_id}.md。"]
    if r.comments:
        lines += ["", "## 校对批注（未改动源文件）", ""]
        for c in r.comments:
            place = "　".join(x for x in (c.location, c.id) if x) or "位置不明"
            quote = f"“{c.quote}”　" if c.quote else ""
            lines.append(f"- {place}　{c.author}：{quote}{c.text}")
    return "\n".join(lines) + "\n"


def conflict_versions(c: Conflict) -> list[tuple[str, str]]:
    return [(label, text) for label, text in (("导出稿", c.base), ("校对稿", c.theirs), ("现源文件", c.ours)) if text]


def conflicts_markdown(r: ReviewResult) -> str:
    lines = [f"# 未改动的段落 · {r.edition}", "",
             f"校对稿 {r.reviewed.name}（导出 {r.export_id}）。这些段落保持原样，请编辑对照后手工修改。", ""]
    for title, items in (("冲突：导出后源文件在同一处已改", r.conflicts), ("未应用：程序不能自动写回", r.not_applied)):
        if not items:
            continue
        lines += [f"## {title}", ""]
        for c in items:
            lines += [f"### {c.id}　{c.where}", "", f"原因：{c.reason}", ""]
            lines += [f"- {label}：{text}" for label, text in conflict_versions(c)]
            lines.append("")
    return "\n".join(lines)


def conflicts_docx(r: ReviewResult) -> bytes:
    doc = new_document()
    add_run(new_paragraph(doc, PARA_STYLES["title"][0])[1], f"未改动的段落 · {r.edition}")
    add_run(new_paragraph(doc, NOTE_STYLE[0])[1], f"校对稿 {r.reviewed.name}（导出 {r.export_id}）：请对照后手工修改源文件。")
    for c in r.conflicts + r.not_applied:
        add_run(new_paragraph(doc, PARA_STYLES["subsection"][0])[1], f"{c.id}　{c.where}")
        add_run(new_paragraph(doc, PARA_STYLES["caption"][0])[1], f"原因：{c.reason}")
        for label, text in conflict_versions(c):
            _, para = new_paragraph(doc, PARA_STYLES["body"][0])
            add_run(para, f"{label}：", LEAD_STYLE[0])
            add_run(para, text)
    core = doc.core_properties
    core.author = core.last_modified_by = "pinban"
    core.title = f"未改动的段落 · {r.edition}"
    when = build_time(None).replace(microsecond=0)
    core.created = core.modified = when.replace(tzinfo=None)
    buf = io.BytesIO()
    doc.save(buf)
    return repack(buf.getvalue(), when, {PROP_EDITION: r.edition})
