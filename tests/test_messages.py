"""One message catalogue: every template in the code is in it, translated, compiled, and each
reader gets its language (proofreaders Chinese, the command line the user's locale)."""

from __future__ import annotations

import ast
import os
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import messages as M
from pipeline.model import Finding

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"
PO = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "pinban.po"
MO = PO.with_suffix(".mo")
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"

babel = pytest.importorskip("babel.messages.pofile")


def catalogue():
    with PO.open("rb") as f:
        return babel.read_po(f, locale="zh_CN")


def templates() -> set[str | tuple[str, str]]:
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    return {msgid for _file, _line, msgid, _comments, _context in
            extract_from_dir(str(PACKAGE), keywords={**DEFAULT_KEYWORDS, "N_": None})}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_in_the_code_is_translated() -> None:
    cat = catalogue()
    missing = [t for t in templates() if not (cat.get(t) and all(cat.get(t).string))]
    assert missing == []


def test_translations_keep_the_templates_fields() -> None:
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(fields(s) == fields(ids[0]) for s in strings), message.id


def test_the_compiled_catalogue_matches_its_source() -> None:
    """The committed pinban.mo says what pinban.po says (the header aside: it names the compiler)."""
    import gettext

    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    source = {}
    for message in catalogue():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            source.update({(message.id[0], k): s for k, s in enumerate(message.string)})
        else:
            source[message.id] = message.string
    assert {k: v for k, v in compiled.items() if k != ""} == source, "run `make catalogue` and commit pinban.mo"


def test_no_finding_is_made_from_an_unformatted_sentence() -> None:
    """Findings come from templates (messages.finding): a Finding(…) built on an f-string message
    would be English only."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("Finding", "Notice")
                    and len(node.args) >= 3 and isinstance(node.args[2], ast.JoinedStr | ast.Constant)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize(("env", "language"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"), ({"LANG": "en_GB.UTF-8"}, "en"), ({}, "en"), ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"), ({"LC_MESSAGES": "en_US", "LANG": "zh_CN"}, "en"),
    ({"LC_ALL": "", "LANG": "zh_TW.UTF-8"}, "zh_CN"),
])
def test_the_command_line_follows_the_users_locale(env: dict, language: str) -> None:
    assert M.user_language(env) == language


def test_a_finding_reads_in_each_readers_language() -> None:
    f = M.finding("warning", "punct-halfwidth", "half-width {mark} in Chinese text: {excerpt}", "report.md:3",
                  "use the full-width {full}", {"mark": ",", "excerpt": "发展【,】推动", "full": "，"})
    assert (f.message, f.hint) == ("half-width , in Chinese text: 发展【,】推动", "use the full-width ，")
    zh = M.localised(f, M.PROOFREADERS)
    assert (zh.message, zh.hint) == ("中文里用了半角 ,：发展【,】推动", "改用全角 ，")
    assert M.localised(f, M.ENGLISH) == f
    plain = Finding("info", "x", "English only")
    assert M.localised(plain, M.CHINESE) == plain


def test_docx_comments_and_the_proof_legend_are_in_chinese() -> None:
    from pipeline.draft.writer import comment_text
    from pipeline.proof import Mark, legend_rows

    f = M.finding("error", "underset", "underset: {empty} column(s) stay empty", "05版·第8栏",
                  "add text or enlarge a photo; copyfit could not fill the page", {"empty": 3})
    assert comment_text(f).startswith("排版程序错误：欠排：3 栏空着\n建议：加稿或放大图片")
    rows = legend_rows(Mark(1, f, ()), [(0, 30), (30, 60), (90, 120), (210, 400)], "Helvetica")
    text = "".join(t for row in rows for t, _ in row)
    assert "欠排：3 栏空着" in text and "underset" not in text


def test_the_command_line_says_an_error_in_chinese_under_a_zh_locale(tmp_path: Path) -> None:
    edition = tmp_path / "edition"
    shutil.copytree(SAMPLE, edition)
    toml = edition / "edition.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('title = "凝心聚力共奋进 履职尽责谱新篇"',
                                 'title = "凝心聚力共奋进履职尽责谱新篇凝心聚力共奋进履职尽责谱新篇再创佳绩凝心聚力共奋进"'), encoding="utf-8")
    run = [sys.executable, "-c", "from pipeline.cli import main; main()", "pdf", str(edition), "-o", str(tmp_path / "out"), "-q"]
    for lang, words in (("zh_CN.UTF-8", "超出跨版宽度"), ("en_US.UTF-8", "is too long for the spread")):
        done = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
                              env={**os.environ, "LC_ALL": "", "LC_MESSAGES": "", "LANG": lang})
        assert done.returncode == 1, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr, done.stderr
