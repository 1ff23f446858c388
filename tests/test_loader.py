"""The edition loader: errors name file:line with a hint, and no input crashes it.

Hypothesis feeds it arbitrary text, arbitrary bytes and arbitrary TOML documents (the sample's
edition.toml with values swapped for values of any TOML type, and unknown keys added): every
run must end in an Edition or a PinbanError, never another exception.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import PinbanError
from pipeline.model import BODY, INTRO, SECTION, SUBSECTION, Edition
from pipeline.sources import load_edition

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
SAMPLE_TOML = (SAMPLE / "edition.toml").read_text(encoding="utf-8")
SAMPLE_REPORT = (SAMPLE / "report.md").read_text(encoding="utf-8")
SHORT_REPORT = "> 导语。\n\n# 2024年工作回顾\n\n## （一）小标题\n\n**以理论武装凝心铸魂。**区政协把学习贯彻。\n"

# PINBAN_FUZZ_EXAMPLES=5000 for a long run; the default keeps the suite quick and repeatable.
FUZZ = settings(max_examples=int(os.environ.get("PINBAN_FUZZ_EXAMPLES", "300")), deadline=None,
                derandomize="PINBAN_FUZZ_EXAMPLES" not in os.environ, suppress_health_check=list(HealthCheck))


def edition(tmp: Path, toml: str | bytes = SAMPLE_TOML, report: str | bytes = SHORT_REPORT, photos: bool = False) -> Path:
    """Write an edition folder into tmp (emptied first) and return it; without photos unless asked
    (a missing photo is only a notice)."""
    folder = tmp / "ed"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "edition.toml").write_bytes(toml if isinstance(toml, bytes) else toml.encode("utf-8", "surrogatepass"))
    (folder / "report.md").write_bytes(report if isinstance(report, bytes) else report.encode("utf-8", "surrogatepass"))
    if photos and not (folder / "photos").exists():
        shutil.copytree(SAMPLE / "photos", folder / "photos")
    return folder


def load_or_error(folder: Path) -> Edition | PinbanError:
    try:
        return load_edition(folder)
    except PinbanError as exc:
        assert exc.message and "\n" not in str(exc), repr(str(exc))
        return exc


def error_of(folder: Path) -> PinbanError:
    with pytest.raises(PinbanError) as info:
        load_edition(folder)
    return info.value


# --- the sample and the model ----------------------------------------------------------------


def test_sample_loads_without_notices() -> None:
    ed = load_edition(SAMPLE)
    assert ed.notices == ()
    assert len(ed.photos) == 15
    assert {b.kind for b in ed.blocks} == {INTRO, SECTION, SUBSECTION, BODY}
    assert ed.blocks[0].id == "b001" and ed.intro is not None
    assert all(p.path is not None and p.path.is_file() for p in ed.photos)


def test_line_numbers_count_only_real_line_breaks(tmp_path: Path) -> None:
    # U+2028 is a line break for str.splitlines, not for editors.
    report = "第一段文字\u2028仍是第一段。\r\n\r\n第二段文字。\n第三段。"
    ed = load_edition(edition(tmp_path, report=report))
    assert [b.source.line for b in ed.blocks] == [1, 3, 4]
    assert ed.blocks[0].text == "第一段文字\u2028仍是第一段。"


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    ed = load_edition(edition(tmp_path, toml="\ufeff" + SAMPLE_TOML.replace("\n", "\r\n"),
                              report="\ufeff" + SHORT_REPORT.replace("\n", "\r\n")))
    assert ed.headline.title == "凝心聚力共奋进 履职尽责谱新篇"
    assert ed.blocks[-1].source.line == 7


# --- errors: what and where -------------------------------------------------------------------


@pytest.mark.parametrize(("report", "where", "fragment"), [
    (SHORT_REPORT.encode("gbk"), "report.md:1", "GBK/GB18030"),
    (SHORT_REPORT.encode("utf-16"), "report.md:1", "UTF-16"),
    ("第一段。\n\n第二\x07段。", "report.md:3", "control character U+0007"),
    ("", "report.md", "no paragraphs"),
    ("# \n\n正文。", "report.md:1", "empty heading"),
    ("> 导语一。\n> 导语二。\n正文。", "report.md:2", "more than one intro"),
    ("**粗体没有结束。正文。", "report.md:1", "unbalanced **"),
    ("******", "report.md:1", "unbalanced **"),  # found by fuzzing: was read as a bold “*”
])
def test_report_errors(tmp_path: Path, report: str | bytes, where: str, fragment: str) -> None:
    exc = error_of(edition(tmp_path, report=report))
    assert exc.where == where and fragment in exc.message and exc.hint


@pytest.mark.parametrize(("old", "new", "where", "fragment"), [
    ('date = 2025-01-07', 'date = "2025-01-07"', "edition.toml:6", "must be a date"),
    ('style = "broadsheet"', 'style = "../x"', "edition.toml:10", "not a plain name"),
    ('pages = ["02", "03"]', 'pages = ["02", "02"]', "edition.toml:8", "two pages"),
    ('pages = ["02", "03"]', 'pages = ["02", "../03"]', "edition.toml:8", "two pages"),
    ('id = "p01"', 'id = "p 01"', "edition.toml:30", "not a plain name"),
    ('file = "photos/p01.jpg"', 'file = "photos/' + "x" * 300 + '.jpg"', "", ""),  # too long for the file system
    ('file = "photos/p01.jpg"', 'file = "photos/p01\\u0000.jpg"', "edition.toml:31", "control character (U+0000)"),
    ('file = "photos/p01.jpg"', 'file = "~/p01.jpg"', "edition.toml:31", "absolute"),
    ('file = "photos/p01.jpg"', 'file = "C:/p01.jpg"', "edition.toml:31", "absolute"),
    ('focus = [0.50, 0.40]', 'focus = [2, 0.4]', "edition.toml:34", "focus"),
    ('names = ["陈琛"]', 'names = ["' + "陈" * 41 + '"]', "edition.toml:14", "credits.names"),
])
def test_toml_errors(tmp_path: Path, old: str, new: str, where: str, fragment: str) -> None:
    assert old in SAMPLE_TOML
    result = load_or_error(edition(tmp_path, toml=SAMPLE_TOML.replace(old, new, 1)))
    if not fragment:  # loads, with the photo reported missing
        assert isinstance(result, Edition) and result.photos[0].path is None
        assert result.notices[0].code == "photo-missing" and result.notices[0].where == "edition.toml:31"
        return
    assert isinstance(result, PinbanError), result
    assert result.where == where and fragment in result.message, str(result)


def test_deeply_nested_toml_is_an_error(tmp_path: Path) -> None:
    exc = error_of(edition(tmp_path, toml=SAMPLE_TOML + "x = " + "[" * 3000 + "]" * 3000 + "\n"))
    assert "nested too deeply" in exc.message


def test_oversized_report_is_refused(tmp_path: Path) -> None:
    exc = error_of(edition(tmp_path, report="正文。" * 500_000))
    assert exc.where == "report.md" and "MB" in exc.message


def test_source_linked_out_is_refused(tmp_path: Path) -> None:
    folder = edition(tmp_path)
    outside = tmp_path / "elsewhere.toml"
    outside.write_text(SAMPLE_TOML, encoding="utf-8")
    (folder / "edition.toml").unlink()
    (folder / "edition.toml").symlink_to(outside)
    assert "link to outside" in error_of(folder).message


def test_photo_symlink_inside_is_fine_and_outside_refused(tmp_path: Path) -> None:
    folder = edition(tmp_path)
    (folder / "photos").mkdir()
    shutil.copy(SAMPLE / "photos" / "p02.jpg", folder / "photos" / "p02.jpg")
    (folder / "photos" / "p01.jpg").symlink_to(folder / "photos" / "p02.jpg")  # inside: fine
    ed = load_edition(folder)
    assert ed.photos[0].path == (folder / "photos" / "p02.jpg").resolve()
    (folder / "photos" / "p01.jpg").unlink()
    (folder / "photos" / "p01.jpg").symlink_to(SAMPLE / "photos" / "p01.jpg")  # outside: refused
    assert "outside the edition folder" in error_of(folder).message


def test_unknown_keys_are_warnings_with_lines(tmp_path: Path) -> None:
    toml = SAMPLE_TOML.replace('section = "丰台•两会"', 'section = "丰台•两会"\nsecton = "x"').replace(
        'stand_in = true\nfocus = [0.50, 0.40]', 'stand_in = true\nfocus = [0.50, 0.40]\nplace = { page = "02", column = 1, span = 2, colour = 1 }', 1)
    ed = load_edition(edition(tmp_path, toml=toml))
    unknown = [n for n in ed.notices if n.code == "unknown-key"]
    assert [(n.severity, n.where) for n in unknown] == [("warning", "edition.toml:5"), ("warning", "edition.toml:30")]


# --- fuzzing ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One edition folder rewritten by every example; with the photos, so paths resolve deep."""
    where = tmp_path_factory.mktemp("fuzz")
    edition(where, photos=True)
    return where


@FUZZ
@given(text=st.text())
def test_fuzz_text_as_edition_toml(fuzz_dir: Path, text: str) -> None:
    load_or_error(edition(fuzz_dir, toml=text))


@FUZZ
@given(text=st.text())
def test_fuzz_text_as_report(fuzz_dir: Path, text: str) -> None:
    load_or_error(edition(fuzz_dir, report=text))


@FUZZ
@given(toml=st.binary(max_size=400), report=st.binary(max_size=400))
def test_fuzz_bytes(fuzz_dir: Path, toml: bytes, report: bytes) -> None:
    load_or_error(edition(fuzz_dir, toml=SAMPLE_TOML.encode() + toml, report=report))
    load_or_error(edition(fuzz_dir, toml=toml, report=SHORT_REPORT))


path_parts = st.sampled_from(["..", ".", "", "photos", "p01.jpg", "/", "\\", "~", "\x00", "x" * 255, "C:", "😀", "ed",
                               "photos/p01.jpg/.."])


@FUZZ
@given(file=st.one_of(st.text(), st.lists(path_parts, max_size=6).map("/".join)))
def test_fuzz_photo_paths(fuzz_dir: Path, file: str) -> None:
    toml = SAMPLE_TOML.replace('file = "photos/p01.jpg"', f"file = {quoted(file)}")
    result = load_or_error(edition(fuzz_dir, toml=toml))
    if isinstance(result, Edition):
        path = result.photos[0].path
        assert path is None or (path.is_relative_to(result.root) and path.is_file())


# Report lines built from the markers and characters that matter to the parser.
report_lines = st.lists(
    st.tuples(st.sampled_from(["", "# ", "## ", "> ", "#", "**", "###", ">"]),
              st.lists(st.sampled_from([*"正文，。“”*# >\t\r\u2028\u3000𠀀😀", "**"]), max_size=12).map("".join)),
    max_size=12,
).map(lambda pairs: "\n".join(a + b for a, b in pairs))


@FUZZ
@given(report=report_lines)
def test_fuzz_report_structure(fuzz_dir: Path, report: str) -> None:
    result = load_or_error(edition(fuzz_dir, report=report))
    if isinstance(result, Edition):  # the model holds what the report says, block by block
        assert all(b.text and "**" not in b.text for b in result.blocks)
        assert [b.id for b in result.blocks] == [f"b{i:03d}" for i in range(1, len(result.blocks) + 1)]


# --- arbitrary TOML documents -----------------------------------------------------------------

SAMPLE_DATA: dict[str, Any] = tomllib.loads(SAMPLE_TOML)

toml_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.sampled_from(["", "../../etc/passwd", "/etc/passwd", "photos/p01.jpg", "photos", "photos/../photos/p02.jpg",
                     "x" * 300, "p01", "星期二", "\u0000", "C:\\x.jpg", "~/x.jpg"]),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_editions(draw: st.DrawFn) -> dict[str, Any]:
    """The sample's edition data with some values replaced by any TOML value and keys added or removed."""
    data = json.loads(json.dumps(SAMPLE_DATA, default=str))  # a deep copy (dates become text …)
    data["edition"]["date"] = SAMPLE_DATA["edition"]["date"]  # … the date stays a date
    tables = [data, data["edition"], data["headline"], *data["photos"][:3], data["credits"][0]]
    for _ in range(draw(st.integers(1, 4))):
        table = draw(st.sampled_from(tables))
        key = draw(st.sampled_from(sorted(table) + ["x", "place", "focus", "id"]))
        action = draw(st.sampled_from(["replace", "delete"]))
        if action == "delete" and key in table:
            del table[key]
        else:
            table[key] = draw(toml_values)
    return data


def to_toml(data: dict[str, Any]) -> str:
    """A minimal TOML writer: scalars and inline arrays/tables at top level, then tables."""
    head = [f"{key(k)} = {value(v)}" for k, v in data.items() if not is_table(v) and not is_table_array(v)]
    body: list[str] = []
    for k, v in data.items():
        if is_table(v):
            body += [f"[{key(k)}]", *(f"{key(kk)} = {value(vv)}" for kk, vv in v.items())]
        elif is_table_array(v):
            for item in v:
                body += [f"[[{key(k)}]]", *(f"{key(kk)} = {value(vv)}" for kk, vv in item.items())]
    return "\n".join(head + body) + "\n"


def is_table(v: Any) -> bool:
    return isinstance(v, dict)


def is_table_array(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(i, dict) for i in v)


def key(k: str) -> str:
    return quoted(k)


def quoted(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML also escapes DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, (int, dt.date, dt.time)):  # datetime is a date
        return v.isoformat() if not isinstance(v, int) else str(v)
    if isinstance(v, str):
        return quoted(v)
    if isinstance(v, list):
        return "[" + ", ".join(value(i) for i in v) + "]"
    return "{" + ", ".join(f"{key(k)} = {value(i)}" for k, i in v.items()) + "}"


def test_toml_writer_round_trips_the_sample() -> None:
    assert tomllib.loads(to_toml(SAMPLE_DATA)) == SAMPLE_DATA


@FUZZ
@given(data=mutated_editions())
def test_fuzz_toml_documents(fuzz_dir: Path, data: dict[str, Any]) -> None:
    text = to_toml(data)
    tomllib.loads(text)  # the writer produces valid TOML, so the loader's schema checks are what is fuzzed
    result = load_or_error(edition(fuzz_dir, toml=text))
    if isinstance(result, Edition):
        assert all(p.path is None or p.path.is_relative_to(result.root) for p in result.photos)
        assert len({p.id for p in result.photos}) == len(result.photos)
