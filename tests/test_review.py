"""Proofreaders' corrections back into the sources (`pinban proof apply`), on reviewed-DOCX
fixtures made for the purpose from the real sample edition (copied to a tmp dir per test):
tracked insertions, deletions, moves, merged and split paragraphs, comments, edits without
tracking, lost bookmarks, conflicts with a changed source; a LibreOffice round trip."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline import draft, review
from pipeline.errors import PinbanError, UsageError
from pipeline.review import apply_review
from pipeline.sources import load_edition

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "docx"))
from reviewed import Reviewed

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
LOCATIONS = {"b005": "02版·第3栏·第12行", "b006": "02版·第3栏·第30行", "photo.p03": "03版·第1栏·第2行"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One export of the untouched sample edition, shared: tests copy it."""
    out = tmp_path_factory.mktemp("export")
    return draft.export_draft(load_edition(SAMPLE), out, [], LOCATIONS)


@dataclass
class Case:
    folder: Path  # the edition, copied
    draft: Path
    manifest: dict
    tmp: Path

    @property
    def report(self) -> Path:
        return self.folder / "report.md"

    @property
    def toml(self) -> Path:
        return self.folder / "edition.toml"

    def text(self, item_id: str) -> str:
        return next(e["text"] for e in self.manifest["items"] if e["id"] == item_id)

    def line(self, item_id: str) -> int:
        return next(e["source"]["line"] for e in self.manifest["items"] if e["id"] == item_id)

    def open(self) -> Reviewed:
        return Reviewed.open(self.draft)

    def save(self, r: Reviewed, name: str = "reviewed.docx") -> Path:
        path = self.tmp / name
        r.save(path)
        shutil.copy(self.tmp / "out" / draft.MANIFEST_NAME, self.tmp / draft.MANIFEST_NAME)
        return path

    def apply(self, r: Reviewed, dry_run: bool = False) -> review.ReviewResult:
        return apply_review(self.save(r), self.folder, dry_run=dry_run)

    def lines(self) -> list[str]:
        return self.report.read_text(encoding="utf-8").split("\n")


@pytest.fixture
def case(tmp_path: Path, pristine: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Case:
    monkeypatch.setenv("PINBAN_HOME", str(tmp_path))  # never look into the checkout's output/
    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    out = tmp_path / "out"
    shutil.copytree(pristine[0].parent, out)
    manifest = json.loads(pristine[1].read_text(encoding="utf-8"))
    return Case(folder, out / draft.DRAFT_NAME, manifest, tmp_path)


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """(removed, added) line pairs: what a write-back touched, everything else must be equal."""
    out = []
    a, b = before.split("\n"), after.split("\n")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.append(("\n".join(a[i1:i2]), "\n".join(b[j1:j2])))
    return out


ORIGINAL_REPORT = (SAMPLE / "report.md").read_text(encoding="utf-8")
ORIGINAL_TOML = (SAMPLE / "edition.toml").read_text(encoding="utf-8")


# --- tracked insertions, deletions, replacements -------------------------------------------------


def test_tracked_insert_and_delete_land_in_the_line(case: Case) -> None:
    r = case.open()
    body = case.text("b006")
    lead = body.index("。") + 1  # after the bold lead
    r.delete("b006", lead + 2, lead + 4, author="肖媛")  # 党组
    r.insert("b006", lead + 10, "切实", author="虞琪琪")
    result = case.apply(r)
    assert not result.conflicts and not result.not_applied and not result.mapping.unmapped
    new = case.report.read_text(encoding="utf-8")
    expected_body = body[: lead + 2] + body[lead + 4 : lead + 10] + "切实" + body[lead + 10 :]
    line = new.split("\n")[case.line("b006") - 1]
    assert line == "**" + body[:lead] + "**" + expected_body[lead:]
    assert changed_lines(ORIGINAL_REPORT, new) == [(ORIGINAL_REPORT.split("\n")[case.line("b006") - 1], line)]
    assert (case.toml).read_text(encoding="utf-8") == ORIGINAL_TOML
    report = result.report()
    assert "核红 — 2 correction(s)" in report
    assert "02版·第3栏·第30行" in report and "report.md:11" in report
    assert "肖媛" in report and "虞琪琪" in report
    assert "前 " in report and "后 " in report


def test_the_bold_lead_markers_survive_edits_in_and_beside_the_lead(case: Case) -> None:
    r = case.open()
    text = case.text("b005")  # **以理论武装凝心铸魂。**区政协把…
    lead_len = text.index("。") + 1
    r.replace("b005", 1, 3, "思想", bold=True)  # inside the lead: 理论 → 思想
    r.insert("b005", lead_len, "（一）", bold=True)  # at the boundary, bold: stays inside **…**
    r.insert("b005", lead_len, "近年来，")  # at the boundary, plain: goes after **
    result = case.apply(r)
    assert not result.not_applied and not result.conflicts
    line = case.lines()[case.line("b005") - 1]
    assert line.startswith("**以思想武装凝心铸魂。（一）**近年来，区政协把学习贯彻")
    assert load_edition(case.folder).blocks[4].runs[0].text == "以思想武装凝心铸魂。（一）"


def test_replacement_across_the_lead_boundary_is_split_by_boldness(case: Case) -> None:
    r = case.open()
    text = case.text("b005")
    lead_len = text.index("。") + 1
    r.delete("b005", lead_len - 2, lead_len + 3)  # 魂。区政协
    r.insert("b005", lead_len + 3, "魄。本会", bold=False)
    result = case.apply(r)
    assert not result.not_applied, result.report()
    runs = load_edition(case.folder).blocks[4].runs
    assert runs[0].bold and runs[0].text == "以理论武装凝心铸"
    assert runs[1].text.startswith("魄。本会把学习贯彻")


def test_moves_within_and_across_paragraphs(case: Case) -> None:
    r = case.open()
    b003, b006 = case.text("b003"), case.text("b006")
    a = b003.index("深入学习贯彻")
    r.move("b003", a, a + 6, "b003", 0)  # within the paragraph: to its start
    k = b006.index("严格执行")
    r.move("b006", k, k + 4, "b007", len(case.text("b007")))  # to the end of the next paragraph
    result = case.apply(r)
    assert not result.conflicts and not result.not_applied
    blocks = {b.id: b.text for b in load_edition(case.folder).blocks}
    assert blocks["b003"] == "深入学习贯彻" + b003[:a] + b003[a + 6 :]
    assert blocks["b006"] == b006[:k] + b006[k + 4 :]
    assert blocks["b007"] == case.text("b007") + "严格执行"


# --- merged, split, deleted and added paragraphs ----------------------------------------------------


def test_tracked_merge_joins_two_lines(case: Case) -> None:
    r = case.open()
    r.merge_next("b006")
    result = case.apply(r)
    assert not result.conflicts and not result.not_applied, result.report()
    blocks = load_edition(case.folder).blocks
    texts = [b.text for b in blocks]
    assert case.text("b006") + case.text("b007") in texts
    assert len(blocks) == len(load_edition(SAMPLE).blocks) - 1
    assert "并段" in result.report()


def test_untracked_merge_is_found_by_the_two_bookmarks(case: Case) -> None:
    r = case.open()
    r.merge_next_untracked("b006")
    result = case.apply(r)
    assert result.mapping.percent == 100.0
    assert case.text("b006") + case.text("b007") in [b.text for b in load_edition(case.folder).blocks]


def test_merging_a_head_into_a_paragraph_is_left_to_the_editor(case: Case) -> None:
    r = case.open()
    r.merge_next("b007")  # body + the next sub-head (二)
    result = case.apply(r)
    assert [c.id for c in result.not_applied] == ["b007+b008"]
    assert case.report.read_text(encoding="utf-8") == ORIGINAL_REPORT


def test_tracked_split_makes_a_new_paragraph(case: Case) -> None:
    r = case.open()
    text = case.text("b006")
    at = text.index("严格执行")
    r.split("b006", at)
    result = case.apply(r)
    assert not result.not_applied and not result.mapping.unmapped, result.report()
    texts = [b.text for b in load_edition(case.folder).blocks]
    i = texts.index(text[:at])
    assert texts[i + 1] == text[at:]
    new = case.report.read_text(encoding="utf-8")
    assert "\n\n" + text[at:] + "\n" in new  # a blank line between, as report.md writes blocks
    assert "分段" in result.report()


def test_untracked_split_is_recognised(case: Case) -> None:
    r = case.open()
    text = case.text("b006")
    at = text.index("严格执行")
    r.split("b006", at, tracked=False)
    result = case.apply(r)
    assert not result.mapping.unmapped, result.report()
    texts = [b.text for b in load_edition(case.folder).blocks]
    assert texts[texts.index(text[:at]) + 1] == text[at:]
    assert review.UNTRACKED in result.report()


def test_deleted_paragraph_leaves_the_source(case: Case) -> None:
    r = case.open()
    r.delete_paragraph("b007")
    result = case.apply(r)
    assert not result.not_applied and not result.conflicts, result.report()
    texts = [b.text for b in load_edition(case.folder).blocks]
    assert case.text("b007") not in texts and case.text("b006") in texts and case.text("b008") in texts
    assert "删段" in result.report()
    assert "\n\n\n" not in case.report.read_text(encoding="utf-8")


def test_added_paragraph_after_one_becomes_a_new_line(case: Case) -> None:
    r = case.open()
    r.insert_paragraph_after("b007", "新增一段：校对补充的内容。")
    result = case.apply(r)
    assert not result.mapping.unmapped and not result.not_applied, result.report()
    texts = [b.text for b in load_edition(case.folder).blocks]
    assert texts[texts.index(case.text("b007")) + 1] == "新增一段：校对补充的内容。"


# --- comments ---------------------------------------------------------------------------------------


def test_proofreaders_comments_are_listed_never_applied(case: Case) -> None:
    r = case.open()
    text = case.text("b006")
    k = text.index("30次")
    r.comment("b006", k, k + 3, "请核实次数", author="王昊月")
    r.comment("photo.p03", 0, 3, "图片说明与图不符？", author="肖媛")
    r.comment("b010", 0, 2, "pinban 自己的提示", author=draft.PINBAN_AUTHOR)
    result = case.apply(r)
    assert case.report.read_text(encoding="utf-8") == ORIGINAL_REPORT
    assert case.toml.read_text(encoding="utf-8") == ORIGINAL_TOML
    assert [(c.id, c.author, c.quote, c.text) for c in result.comments] == [
        ("b006", "王昊月", "30次", "请核实次数"),
        ("photo.p03", "肖媛", "区政协", "图片说明与图不符？"),
    ]
    assert result.pinban_comments == 1
    report = result.report()
    assert "校对批注" in report and "02版·第3栏·第30行" in report and "“30次” 请核实次数" in report


# --- edits without tracking --------------------------------------------------------------------


def test_untracked_edits_are_detected_and_applied(case: Case) -> None:
    r = case.open()
    text = case.text("b003")
    k = text.index("新贡献")
    r.edit_untracked("b003", k, k + 3, "新的更大贡献")
    result = case.apply(r)
    assert not result.conflicts
    assert load_edition(case.folder).blocks[2].text == text[:k] + "新的更大贡献" + text[k + 3 :]
    assert [c.tracked for c in result.changes] == [False]
    assert review.UNTRACKED in result.report()


def test_text_written_back_is_never_normalised(case: Case) -> None:
    r = case.open()
    text = case.text("b006")
    k = text.index("市、区委")
    r.replace("b006", k + 1, k + 2, "，")  # 、 → ，
    r.insert("b006", len(text), "（完）")
    result = case.apply(r)
    assert not result.not_applied
    line = case.lines()[case.line("b006") - 1]
    assert "市，区委" in line and line.endswith("谋划。（完）")  # full-width, as typed


# --- three-way merge with a changed source ---------------------------------------------------------


def edit_source(case: Case, old: str, new: str) -> None:
    text = case.report.read_text(encoding="utf-8")
    assert text.count(old) == 1
    case.report.write_text(text.replace(old, new), encoding="utf-8")


def test_conflict_with_a_source_changed_at_the_same_place(case: Case) -> None:
    r = case.open()
    text = case.text("b006")
    k = text.index("22项")
    r.replace("b006", k, k + 2, "23")
    r.insert("b005", 0, "")  # nothing
    r.delete("b003", 0, 2)  # elsewhere: still applied
    edit_source(case, "明确22项任务", "明确24项任务")
    before = case.report.read_text(encoding="utf-8")
    result = case.apply(r)
    assert [c.id for c in result.conflicts] == ["b006"]
    assert "changed at the same place" in result.conflicts[0].reason
    after = case.report.read_text(encoding="utf-8")
    assert "明确24项任务" in after  # the editor's version stays
    assert changed_lines(before, after) == [(before.split("\n")[4], after.split("\n")[4])]  # only b003
    report = result.report()
    assert "冲突" in report and "稿 exported" in report and "源 source now" in report


def test_touching_edits_are_conflicts_too(case: Case) -> None:
    r = case.open()
    text = case.text("b006")
    k = text.index("22项")
    r.insert("b006", k + 2, "重点")  # right after 22项 … the editor changed 22 → 24, touching
    edit_source(case, "明确22项任务", "明确24项任务")
    result = case.apply(r)
    assert [c.id for c in result.conflicts] == ["b006"]


def test_edits_apart_from_a_source_change_merge(case: Case) -> None:
    r = case.open()
    text = case.text("b006")
    k = text.index("30次")
    r.replace("b006", k, k + 2, "31")
    edit_source(case, "明确22项任务", "明确24项任务")
    result = case.apply(r)
    assert not result.conflicts
    line = case.lines()[case.line("b006") - 1]
    assert "明确24项任务" in line and "报告31次" in line


def test_the_same_correction_in_source_and_draft_is_not_doubled(case: Case) -> None:
    """A fuzzy patch once turned 摄 → 摄影 into 摄影影; a three-way merge must not."""
    text = case.toml.read_text(encoding="utf-8")
    text = text.replace('caption = "区政协医药卫生界工作站揭牌成立"', 'caption = "区政协医药卫生界工作站揭牌成立"\ncredit = "张三 摄"')
    case.toml.write_text(text, encoding="utf-8")
    edition = load_edition(case.folder)
    out = case.tmp / "out"
    draft.export_draft(edition, out, [], {})  # the draft now carries the photo credit
    case.manifest = json.loads((out / draft.MANIFEST_NAME).read_text(encoding="utf-8"))
    r = case.open()
    caption = case.text("photo.p03")
    assert caption.endswith("　张三 摄")
    r.insert("photo.p03", len(caption), "影")
    case.toml.write_text(text.replace('credit = "张三 摄"', 'credit = "张三 摄影"'), encoding="utf-8")
    result = case.apply(r)
    assert not result.conflicts and not result.changes
    assert 'credit = "张三 摄影"' in case.toml.read_text(encoding="utf-8")


def test_ids_shifted_by_a_paragraph_added_since_the_export(case: Case) -> None:
    r = case.open()
    text = case.text("b010")
    r.replace("b010", 0, 2, "开展")
    edit_source(case, "# 2024年工作回顾\n", "# 2024年工作回顾\n\n编者按：新加的一段。\n")  # b003… now b004…
    result = case.apply(r)
    assert not result.conflicts, result.report()
    blocks = load_edition(case.folder).blocks
    assert blocks[10].text == "开展" + text[2:]  # old b010 is b011 now


def test_apply_twice_changes_nothing_the_second_time(case: Case) -> None:
    r = case.open()
    r.delete("b006", 20, 22)
    path = case.save(r)
    first = apply_review(path, case.folder)
    after_first = case.report.read_text(encoding="utf-8")
    second = apply_review(path, case.folder)
    assert len(first.changes) == 1 and not second.changes and not second.conflicts
    assert case.report.read_text(encoding="utf-8") == after_first


# --- edition.toml values ------------------------------------------------------------------------


def test_caption_headline_and_credit_edits_keep_the_toml_byte_for_byte(case: Case) -> None:
    r = case.open()
    r.replace("photo.p03", 3, 5, "医疗")  # 医药 → 医疗
    r.replace("headline.subtitle", 0, 3, "聚合共识")
    r.replace("furniture.credits.3", 6, 9, "王昊玥")  # 王昊月 → 王昊玥
    r.replace("furniture.section", 0, 2, "丰台区")
    result = case.apply(r)
    assert not result.not_applied and not result.conflicts, result.report()
    new = case.toml.read_text(encoding="utf-8")
    assert changed_lines(ORIGINAL_TOML, new) == [
        ('section = "丰台•两会"', 'section = "丰台区•两会"'),
        ('names = ["肖媛", "王昊月", "虞琪琪"]', 'names = ["肖媛", "王昊玥", "虞琪琪"]'),
        ('subtitle = "聚共识、促合力、重创新、增实效 为丰台区高质量发展贡献政协智慧与力量"',
         'subtitle = "聚合共识、促合力、重创新、增实效 为丰台区高质量发展贡献政协智慧与力量"'),
        ('caption = "区政协医药卫生界工作站揭牌成立"', 'caption = "区政协医疗卫生界工作站揭牌成立"'),
    ]
    assert "# no kicker (引题) in this edition" in new  # comments stay
    assert case.report.read_text(encoding="utf-8") == ORIGINAL_REPORT


def test_toml_escapes_and_quotes_are_written_correctly(case: Case) -> None:
    text = ORIGINAL_TOML.replace(
        'caption = "区政协视察南中轴国际文化科技园"', 'caption = "区政协视察\\u5357中轴 \\"国际\\" 文化科技园"  # 注'
    )
    case.toml.write_text(text, encoding="utf-8")
    out = case.tmp / "out"
    draft.export_draft(load_edition(case.folder), out, [], {})
    case.manifest = json.loads((out / draft.MANIFEST_NAME).read_text(encoding="utf-8"))
    caption = case.text("photo.p05")
    assert caption == '区政协视察南中轴 "国际" 文化科技园'
    r = case.open()
    r.replace("photo.p05", caption.index("国际"), caption.index("国际") + 2, '“国际”\\')
    result = case.apply(r)
    assert not result.not_applied, result.report()
    new = case.toml.read_text(encoding="utf-8")
    # the corrected string is written again (escaped as needed), its comment and quoting kept
    assert 'caption = "区政协视察南中轴 \\"“国际”\\\\\\" 文化科技园"  # 注' in new
    assert tomllib.loads(new)["photos"][4]["caption"] == '区政协视察南中轴 "“国际”\\" 文化科技园'


def test_generated_text_and_impossible_values_are_left_to_the_editor(case: Case) -> None:
    r = case.open()
    r.insert("furniture.date", 0, "公元")  # made from edition.date
    r.insert("furniture.credits.1", 7, " 李四")  # a new name needs a new array entry
    r.delete("photo.p08", 0, len(case.text("photo.p08")))  # a caption cannot be empty
    result = case.apply(r)
    assert sorted(c.id for c in result.not_applied) == ["furniture.credits.1", "furniture.date", "photo.p08"]
    assert case.toml.read_text(encoding="utf-8") == ORIGINAL_TOML
    assert "未应用" in result.report()


# --- mapping: lost bookmarks, stray paragraphs ---------------------------------------------------


def test_a_lost_bookmark_is_re_anchored_by_similarity(case: Case) -> None:
    r = case.open()
    r.delete("b012", 5, 7)
    r.drop_bookmark("b012")
    result = case.apply(r)
    m = result.mapping
    assert m.by_bookmark == m.total - 1 and not m.missing and m.found["b012"].how == "re-anchored"
    text = case.text("b012")
    assert load_edition(case.folder).blocks[11].text == text[:5] + text[7:]
    assert "1 re-anchored" in result.report()


def test_a_paragraph_that_maps_nowhere_is_reported(case: Case) -> None:
    r = case.open()
    r.edit_untracked("b012", 0, len(case.text("b012")), "完全不同的一段文字，与导出的任何段落都不像。")
    r.drop_bookmark("b012")
    result = case.apply(r)
    assert [u.after for u in result.mapping.unmapped] == ["b011"]
    assert result.mapping.missing == ["b012"]
    assert case.report.read_text(encoding="utf-8") == ORIGINAL_REPORT
    assert "未对应" in result.report() and "not found: b012" in result.report()


def test_dry_run_reports_and_writes_nothing(case: Case) -> None:
    r = case.open()
    r.delete("b006", 20, 22)
    r.replace("photo.p03", 3, 5, "医疗")
    result = case.apply(r, dry_run=True)
    assert len(result.changes) == 2 and not result.written
    assert case.report.read_text(encoding="utf-8") == ORIGINAL_REPORT
    assert case.toml.read_text(encoding="utf-8") == ORIGINAL_TOML
    assert "dry run" in result.report()


def test_line_endings_and_bom_are_kept(case: Case) -> None:
    raw = b"\xef\xbb\xbf" + ORIGINAL_REPORT.replace("\n", "\r\n").encode("utf-8")
    case.report.write_bytes(raw)
    r = case.open()
    at = case.text("b006").index("严格执行")
    r.split("b006", at)
    r.delete("b003", 0, 2)
    result = case.apply(r)
    assert not result.not_applied, result.report()
    new = case.report.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf") and b"\n" not in new.replace(b"\r\n", b"")
    assert "严格执行".encode() in new


# --- finding the manifest ----------------------------------------------------------------------


def test_manifest_is_found_by_export_id_for_an_older_round(case: Case) -> None:
    r = case.open()
    r.delete("b006", 20, 22)
    path = case.tmp / "returned" / "校对稿-肖媛.docx"
    path.parent.mkdir()
    r.save(path)
    with pytest.raises(PinbanError, match="no draft.manifest.json"):
        apply_review(path, case.folder)
    archive = case.tmp / "returned" / draft.MANIFEST_ARCHIVE
    archive.mkdir()
    shutil.copy(case.tmp / "out" / draft.MANIFEST_ARCHIVE / f"{case.manifest['export_id']}.json", archive)
    assert len(apply_review(path, case.folder).changes) == 1


def test_a_manifest_of_another_export_is_refused(case: Case) -> None:
    r = case.open()
    path = case.save(r)
    other = dict(case.manifest, export_id="0000000000000000")
    (case.tmp / draft.MANIFEST_NAME).write_text(json.dumps(other), encoding="utf-8")
    with pytest.raises(PinbanError, match="no manifest for export"):
        apply_review(path, case.folder)


def test_lost_export_id_falls_back_to_bookmarks(case: Case) -> None:
    r = case.open()
    r.drop_custom_properties()
    r.delete("b006", 20, 22)
    result = case.apply(r)
    assert len(result.changes) == 1 and "lost its export id" in result.report()


def test_wrong_edition_and_bad_files_are_one_line_errors(case: Case, tmp_path: Path) -> None:
    path = case.save(case.open())
    other = tmp_path / "2025-02-01-other"
    shutil.copytree(case.folder, other)
    with pytest.raises(UsageError, match="the draft is for edition"):
        apply_review(path, other)
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(PinbanError, match="not a DOCX"):
        apply_review(junk, case.folder)
    with pytest.raises(UsageError, match="file not found"):
        apply_review(tmp_path / "nope.docx", case.folder)


# --- the reader ------------------------------------------------------------------------------------


def test_reader_sees_what_python_docx_drops(case: Case) -> None:
    """python-docx's Paragraph.text leaves out runs inside w:ins: the reason for our own reader."""
    from docx import Document

    r = case.open()
    r.insert("b003", 0, "插入")
    path = case.save(r)
    doc = Document(str(path))
    assert not any(p.text.startswith("插入") for p in doc.paragraphs)
    mapping = review.map_paragraphs(review.read_reviewed(path), case.manifest)
    assert mapping.found["b003"].accepted == "插入" + case.text("b003")
    assert mapping.found["b003"].original == case.text("b003")


# --- properties -------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80)


@settings(max_examples=300, deadline=None)
@given(base=st.text(CJK, min_size=1, max_size=40), data=st.data())
def test_rebase_applies_apart_edits_and_refuses_touching_ones(base: str, data: st.DataObject) -> None:
    def edit() -> review.Edit:
        a = data.draw(st.integers(0, len(base)))
        b = data.draw(st.integers(a, min(len(base), a + 4)))
        return review.Edit(a, b, data.draw(st.text(CJK, max_size=3)))

    mine, theirs = edit(), edit()
    assume(mine.text or mine.start < mine.end)
    assume(theirs.text or theirs.start < theirs.end)
    ours = review.apply_edits(base, [mine])
    moved, reason = review.rebase([theirs], base, ours)
    # what the merge can know of the editor's change is difflib's view of base → ours
    seen = [review.Edit(i1, i2, ours[j1:j2])
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, base, ours, autojunk=False).get_opcodes()
            if tag != "equal"]
    if any((s.start, s.end, s.text) == (theirs.start, theirs.end, theirs.text) for s in seen):
        assert not reason and not moved  # the same correction on both sides: once
    elif any(theirs.start <= s.end and s.start <= theirs.end for s in seen):
        assert reason  # overlapping or touching: a conflict, never a guess
    else:
        assert not reason
        assert review.apply_edits(ours, moved) == review.apply_edits(base, seen + [theirs])
        if seen and (seen[0].start, seen[0].end) == (mine.start, mine.end):
            assert review.apply_edits(ours, moved) == review.apply_edits(base, [mine, theirs])


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30), st.booleans())
def test_toml_strings_are_replaced_keeping_comments_quoting_and_neighbours(value: str, literal: bool) -> None:
    import tomlkit

    from pipeline.review.write import same_kind_string, toml_value

    quoted = "'old'" if literal else '"old"'
    raw = f"a = {quoted} # c\n[t]\nb = ['x', \"y\"]  # keep\n"
    doc = tomlkit.parse(raw)
    holder, k = toml_value(doc, ["a"])
    holder[k] = same_kind_string(holder[k], value)
    new = tomlkit.dumps(doc)
    assert tomllib.loads(new) == {"a": value, "t": {"b": ["x", "y"]}}
    assert new.endswith(" # c\n[t]\nb = ['x', \"y\"]  # keep\n")
    writable_literally = not any(c == "'" or (ord(c) < 0x20 and c != "\t") or c == "\x7f" for c in value)
    assert new.startswith("a = '" if literal and writable_literally else 'a = "')


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_tracked_edits_of_a_paragraph_land_exactly(case: Case, data: st.DataObject) -> None:
    shutil.copy(SAMPLE / "report.md", case.report)
    shutil.rmtree(case.tmp / "output", ignore_errors=True)  # each example is a new review
    text = case.text("b020")
    cuts = sorted(data.draw(st.sets(st.integers(1, len(text) - 1), min_size=2, max_size=8)))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2])]
    r = case.open()
    expected = text
    for a, b in reversed(spans):
        kind = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        new = data.draw(st.text(CJK, min_size=1, max_size=4))
        if kind == "delete":
            r.delete("b020", a, b)
            expected = expected[:a] + expected[b:]
        elif kind == "insert":
            r.insert("b020", a, new)
            expected = expected[:a] + new + expected[a:]
        else:
            r.replace("b020", a, b, new)
            expected = expected[:a] + new + expected[b:]
    result = case.apply(r)
    assert not result.conflicts and not result.not_applied
    assert load_edition(case.folder).blocks[19].text == expected


# --- a real client: LibreOffice open-and-save ---------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: tools/sysdeps.sh --test installs libreoffice-writer-nogui"
)


def make_review(r: Reviewed, text: dict[str, str]) -> None:
    """A proofreader's round: a bit of everything."""
    b006 = text["b006"]
    r.delete("b006", b006.index("党组"), b006.index("党组") + 2)
    r.insert("b006", b006.index("严格执行"), "同时，", author="虞琪琪")
    r.replace("photo.p03", 3, 5, "医疗")
    r.merge_next("b019")
    r.split("b024", text["b024"].index("各类工作站"))
    r.comment("b010", 0, 2, "请核实", author="王昊月")
    r.move("b003", 0, 2, "b003", 6)


@pytest.fixture(scope="module")
def lo_round_trip(pristine: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    """The draft and a reviewed draft, opened and saved by LibreOffice (one soffice run)."""
    tmp = tmp_path_factory.mktemp("lo")
    manifest = json.loads(pristine[1].read_text(encoding="utf-8"))
    texts = {e["id"]: e["text"] for e in manifest["items"]}
    r = Reviewed.open(pristine[0])
    make_review(r, texts)
    direct = r.save(tmp / "reviewed.docx")
    out = tmp / "saved"
    out.mkdir()
    profile = tmp / "profile"
    start = time.monotonic()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(pristine[0]), str(direct)],
        check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(profile)},
    )
    seconds = time.monotonic() - start
    for name in ("draft", "reviewed"):
        shutil.copy(pristine[1], out / f"{name}.manifest.json")
    return out / "draft.docx", out / "reviewed.docx", direct, seconds


@needs_soffice
def test_libreoffice_round_trip_keeps_every_id(lo_round_trip, case: Case) -> None:
    saved, _, _, seconds = lo_round_trip
    with zipfile.ZipFile(saved) as z:
        assert "LibreOffice" in z.read("docProps/app.xml").decode()  # really written by LibreOffice
    result = apply_review(saved, case.folder, dry_run=True)
    m = result.mapping
    assert m.percent == 100.0 and m.by_bookmark == m.total and not m.unmapped and not m.missing
    assert not result.changes and not result.conflicts and not result.not_applied
    print(f"LibreOffice open-and-save: {seconds:.1f} s for two files; mapped {m.percent:.0f} % of {m.total} by ID")


@needs_soffice
def test_libreoffice_saved_review_applies_like_the_original(lo_round_trip, case: Case, tmp_path: Path) -> None:
    _, saved, direct, _ = lo_round_trip
    via_lo = apply_review(saved, case.folder)
    assert via_lo.mapping.percent == 100.0 and not via_lo.conflicts and not via_lo.not_applied, via_lo.report()
    lo_report, lo_toml = case.report.read_bytes(), case.toml.read_bytes()
    other = tmp_path / "direct" / SAMPLE.name
    shutil.copytree(SAMPLE, other)
    shutil.copy(case.tmp / "out" / draft.MANIFEST_NAME, direct.with_suffix(".manifest.json"))
    plain = apply_review(direct, other)
    assert (other / "report.md").read_bytes() == lo_report
    assert (other / "edition.toml").read_bytes() == lo_toml
    assert len(via_lo.changes) == len(plain.changes) >= 6
    assert [c.text for c in via_lo.comments] == ["请核实"]


# --- after proof apply, a rebuild shows the corrections --------------------------------------------


def test_rebuild_after_apply_shows_the_correction_in_the_spread(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pipeline.layout", reason="the spread layout is not in the tree yet")
    pytest.importorskip("pipeline.render", reason="the renderer is not in the tree yet")
    import pypdfium2 as pdfium

    from pipeline.build import build_pdf

    r = case.open()
    text = case.text("b006")
    k = text.index("22项")
    r.replace("b006", k, k + 3, "二十二项")
    assert not case.apply(r).not_applied
    monkeypatch.setenv("PINBAN_HOME", str(ROOT))  # the house styles
    out = tmp_path / "built"
    try:
        build_pdf(str(case.folder), str(out))
    except PinbanError:  # overset: the PDF is still written
        if not (out / "spread.pdf").is_file():
            raise
    pdf = pdfium.PdfDocument(str(out / "spread.pdf"))
    spread = re.sub(r"\s+", "", "".join(p.get_textpage().get_text_range() for p in pdf))
    pdf.close()
    assert "明确二十二项任务清单" in spread
    assert "明确22项任务清单" not in spread


# --- the reader on what Word, WPS and LibreOffice write ---------------------------------------------

WORD_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:pStyle w:val="X1"/><w:rPr><w:del w:id="1" w:author="甲"/></w:rPr></w:pPr>
 <w:bookmarkStart w:id="5" w:name="_pb_b001"/><w:bookmarkEnd w:id="5"/>
 <w:r><w:rPr><w:b/></w:rPr><w:t>引语。</w:t></w:r>
 <w:ins w:id="2" w:author="乙"><w:r><w:t>新</w:t></w:r></w:ins>
 <w:del w:id="3" w:author="丙"><w:r><w:delText>旧</w:delText></w:r></w:del>
 <w:ins w:id="4" w:author="乙"><w:del w:id="6" w:author="丁"><w:r><w:delText>来去</w:delText></w:r></w:del></w:ins>
 <w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink>
 <w:r><w:tab/><w:t>甲</w:t><w:br/><w:t>乙</w:t><w:br w:type="page"/></w:r>
 <w:fldSimple w:instr="PAGE"><w:r><w:t>7</w:t></w:r></w:fldSimple>
 <w:r><w:instrText>IGNORED</w:instrText></w:r>
 <w:moveFrom w:id="7" w:author="甲"><w:r><w:t>移走</w:t></w:r></w:moveFrom>
 <w:r><w:rPr><w:rStyle w:val="Loc"/></w:rPr><w:t>〔02版·第1栏〕</w:t></w:r>
</w:p>
<w:p><w:pPr><w:rPr><w:ins w:id="8" w:author="乙"/></w:rPr></w:pPr>
 <w:moveTo w:id="9" w:author="甲"><w:r><w:t>移走</w:t></w:r></w:moveTo><w:r><w:t>后</w:t></w:r>
 <w:r><w:drawing/></w:r>
</w:p>
</w:body></w:document>"""

STYLES_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="X1"><w:name w:val="报道正文"/></w:style>
<w:style w:type="character" w:styleId="Loc"><w:name w:val="版面位置"/></w:style>
</w:styles>"""


def test_reader_views_of_tracked_changes_fields_and_marks(tmp_path: Path) -> None:
    path = tmp_path / "word.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", WORD_XML)
        z.writestr("word/styles.xml", STYLES_XML)
    doc = review.read_reviewed(path)
    first, second = doc.paras
    assert first.style == "报道正文" and first.marks == [("_pb_b001", 0)]
    assert (first.mark_orig, first.mark_acc) == (True, False)  # deleted mark: runs on into the next
    assert (second.mark_orig, second.mark_acc) == (False, True)  # inserted mark
    assert review.view(first.toks, accepted=False) == "引语。旧链接\t甲\n乙7移走〔02版·第1栏〕"
    assert review.view(first.toks, accepted=True) == "引语。新链接\t甲\n乙7〔02版·第1栏〕"
    assert [t.bold for t in first.toks[:4]] == [True, True, True, False]
    assert [t.marker for t in first.toks][-1] is True
    assert review.view(second.toks, accepted=False) == "后"
    assert review.view(second.toks, accepted=True) == "移走后"
    manifest = {"items": [{"id": "b001", "bookmark": "_pb_b001", "marker": "〔02版·第1栏〕", "text": "引语。旧链接\t甲\n乙7移走",
                           "style": "报道正文"}], "notes": []}
    mapping = review.map_paragraphs(doc, manifest)
    t = mapping.found["b001"]
    assert t.joined_next is False  # nothing after it to run on into
    edits, tracked = review.theirs_edits(t, manifest["items"][0]["text"])
    assert tracked
    assert [(e.start, e.end, e.text, e.authors) for e in edits] == [(3, 4, "新", ("乙", "丙")), (11, 13, "", ("甲",))]
    # the next paragraph has no ID, is not a split (its text "后" was there before) and is like nothing
    assert [(u.after, u.text) for u in mapping.unmapped] == [("b001", "移走后")]


@needs_soffice
def test_libreoffice_saved_review_applied_twice_is_already_applied(lo_round_trip, case: Case) -> None:
    _, saved, _, _ = lo_round_trip
    first = apply_review(saved, case.folder)
    assert first.changes and not first.conflicts, first.report()
    after = (case.report.read_bytes(), case.toml.read_bytes())
    second = apply_review(saved, case.folder)
    assert second.already_applied is not None and not second.changes and not second.conflicts
    assert "already applied" in second.report()
    assert (case.report.read_bytes(), case.toml.read_bytes()) == after
