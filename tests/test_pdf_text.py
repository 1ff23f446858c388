"""Text copied out of the PDF equals the source, in order (typography.md: copied text equal to the
source; DESIGN.md: `pdftotext -raw` reads in content-stream order).

One small edition holds every kind of mark compression the composer does — pairs such as ，《
。」 ）（ 》， 、“, marks at line starts and ends, the 2-em —— and ……, a dash between Latin words,
long and hyphenated Latin words, a bold lead, a character beyond the BMP (𠮷) — each case at
every offset of a column line. It is built to spread.pdf and pages.pdf and read back twice: with
pypdfium2 (the project's read-back, pipeline.checks.readback) and with poppler's `pdftotext -raw`.
The copy must come back character for character, in order, line breaks aside and hyphens the
composer adds at line ends (they are not in the source).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.checks.readback import read_chars

from .conftest import SAMPLE

# FIRST fills (about) a paragraph's indented first line; OFFSET[:k] then moves the case k characters
# along the second line, over more than a line's length: each case meets the line end at every offset.
FIRST = "政协委员围绕城市更新开"
OFFSET = "展专题调研形成报告提交全"
TAIL = "并提出建议"
CASES = {
    "，《": "改革，《方案》出台",
    "。」": "他说「好。」随后",
    "）（": "分为（一）（二）两部分",
    "》，": "学习《纲要》，深入",
    "、“": "学习、“第一议题”和",
    "。”": "他说“好。”随后",
    "——": "重点——民生",
    "……": "座谈……总结",
    "Latin —": "推动open source — community协作",
    "Latin words": "项目的internationalization and localization工作",
    "hyphenated word": "推动open-source和peer-reviewed工作",
    "𠮷": "姓𠮷的委员",
    "bold lead": "**他说「好。」《纲要》，**",  # a run-in lead ends the paragraph's bold run here
}
OFFSETS = range(len(OFFSET))
INTRO = "导语：改革，《方案》出台；他说「好。」分为（一）（二）两部分——重点……总结。"
HYPHENS = "-\u2010"  # an added hyphen is drawn as one of these, at the end of its line


def paragraph(case: str, k: int) -> str:
    text = FIRST + OFFSET[:k] + CASES[case]
    if text.endswith("**"):  # the bold lead is the paragraph's start up to the case
        text = "**" + text.replace("**", "") + "**"
    return text + TAIL + "。"


@dataclass(frozen=True)
class Drawn:
    ch: str
    line_end: bool  # the last character drawn on its line


def stream(lines: list[str]) -> list[Drawn]:
    """The characters of drawn lines, whitespace dropped, each knowing whether it ends its line."""
    out = []
    for line in lines:
        chars = [c for c in line if not c.isspace()]
        out += [Drawn(c, i == len(chars) - 1) for i, c in enumerate(chars)]
    return out


def match(text: str, drawn: list[Drawn], at: int) -> int:
    """Where `text` (whitespace dropped) ends when it is drawn from `at` on, skipping a hyphen that
    ends a line where the source has none; -1 if it is not drawn there."""
    want = [c for c in text if not c.isspace()]
    i, j = 0, at
    while i < len(want):
        if j >= len(drawn):
            return -1
        if drawn[j].ch == want[i]:
            i, j = i + 1, j + 1
        elif drawn[j].ch in HYPHENS and drawn[j].line_end:
            j += 1
        else:
            return -1
    return j


def read_in_order(texts: list[str], drawn: list[Drawn]) -> list[str]:
    """Per source text, in order: "" when it is drawn right after the text before it, otherwise
    what went wrong, with what was drawn there."""
    verdicts, pos, previous_ok = [], None, False
    for text in texts:
        want = "".join(text.split())
        if pos is None:
            starts = [q for q in range(len(drawn)) if drawn[q].ch == want[0]]
        else:
            starts = [q for q in range(pos, len(drawn)) if drawn[q].ch == want[0]]
        end, start = -1, -1
        for start in starts:
            end = match(text, drawn, start)
            if end >= 0:
                break
        at = pos if pos is not None else max(start, 0)
        seen = "".join(d.ch for d in drawn[at : at + len(want) + 4])
        if end < 0:
            verdicts.append(f"not drawn as in the source; the PDF has «{seen}»")
            previous_ok = False
            continue
        if pos is not None and previous_ok and start != pos:
            verdicts.append(f"found {start - pos} characters later than the text before it ended: «{seen}»")
        else:
            verdicts.append("")
        pos, previous_ok = end, True
    return verdicts


def pdfium_lines(pdf: Path) -> list[str]:
    """Drawn lines of every page, in content-stream order: a line ends where the baseline changes."""
    lines: list[str] = []
    for page in read_chars(pdf):
        current, baseline = "", None
        for c in page:
            if baseline is not None and abs(c.baseline - baseline) > 0.5:
                lines.append(current)
                current = ""
            current += c.text
            baseline = c.baseline
        lines.append(current)
    return lines


def pdftotext_lines(pdf: Path) -> list[str]:
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.replace("\f", "\n").split("\n")


READERS = {"pypdfium2": pdfium_lines, "pdftotext": pdftotext_lines}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The edition built (underset, so published with --keep-going): (source texts, outputs)."""
    from pipeline.build import build_pdf
    from pipeline.sources import load_edition

    root = tmp_path_factory.mktemp("pdf-text")
    folder = root / "edition"
    folder.mkdir()
    toml = (SAMPLE / "edition.toml").read_text(encoding="utf-8")
    (folder / "edition.toml").write_text(toml[: toml.index("[[photos]]")], encoding="utf-8")
    body = [paragraph(case, k) for case in CASES for k in OFFSETS]
    (folder / "report.md").write_text("\n\n".join([f"> {INTRO}", *body]) + "\n", encoding="utf-8")
    display = build_pdf(str(folder), str(root / "out"), keep_going=True)
    placed = {line.block_id for page in display.pages for frame in page.frames if frame.kind == "column"
              for line in frame.lines}
    assert display.overset is None and len(placed) == len(body)
    # the whole copy on the left page: read straight through, nothing of page 03 comes between
    assert all(not frame.lines for frame in display.pages[1].frames if frame.kind == "column")
    # the composer hyphenates some Latin word here, so the comparison meets added hyphens
    assert any(s.added for page in display.pages for frame in page.frames for line in frame.lines for s in line.spans)
    # every case is broken across lines in several places (marks at line starts and ends)
    starts = {}
    for page in display.pages:
        for frame in page.frames:
            for line in frame.lines:
                if frame.kind == "column" and not line.first:
                    starts.setdefault(int(line.block_id[1:]), []).append(line.start)
    first_block = min(starts)
    for n, case in enumerate(CASES):
        inside = {s - len(FIRST) - k for k in OFFSETS for s in starts.get(first_block + n * len(OFFSETS) + k, [])}
        assert len({b for b in inside if 0 < b < len(CASES[case])}) >= 2, (case, sorted(inside))
    return [block.text for block in load_edition(folder).blocks], root / "out"


def verdicts(built, reader: str, pdf: str) -> list[str]:
    texts, out = built
    if reader == "pdftotext" and shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed (tools/sysdeps.sh --test installs it)")
    return read_in_order(texts, stream(READERS[reader](out / pdf)))


@pytest.mark.parametrize("pdf", ["spread.pdf", "pages.pdf"])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("reader", list(READERS))
def test_copied_text_equals_the_source(built, reader, case, pdf) -> None:
    texts, _ = built
    found = verdicts(built, reader, pdf)
    first = 1 + list(CASES).index(case) * len(OFFSETS)
    wrong = {k: found[first + k] for k in OFFSETS if found[first + k]}
    assert wrong == {}, {k: (texts[first + k], why) for k, why in wrong.items()}


@pytest.mark.parametrize("pdf", ["spread.pdf", "pages.pdf"])
@pytest.mark.parametrize("reader", list(READERS))
def test_the_intro_reads_back(built, reader, pdf) -> None:
    assert verdicts(built, reader, pdf)[0] == ""


def test_the_comparison_finds_a_lost_reordered_or_added_character() -> None:
    texts = ["甲乙，《丙》", "丁——戊"]
    assert read_in_order(texts, stream(["甲乙，《", "丙》丁——", "戊"])) == ["", ""]
    assert read_in_order(texts, stream(["甲乙，《丙》丁—", "戊"]))[1].startswith("not drawn")
    assert read_in_order(texts, stream(["甲乙《，丙》丁——戊"]))[0].startswith("not drawn")
    assert read_in_order(texts, stream(["甲乙，《丙》己丁——戊"]))[1].startswith("found 1 characters later")
    # a hyphen at a line end is the composer's; anywhere else it is a character too many
    assert read_in_order(["internationalization"], stream(["interna-", "tionalization"])) == [""]
    assert read_in_order(["internationalization"], stream(["interna-tionalization"]))[0].startswith("not drawn")
    assert read_in_order(["peer-reviewed"], stream(["peer", "reviewed"]))[0].startswith("not drawn")
