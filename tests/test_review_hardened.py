"""`pinban proof apply` in a real office: hostile or broken DOCX refused with one line and
nothing written, bounded memory on a zip bomb, re-applying a review changes nothing, the
edition taken from the DOCX, -q quiet, and the 核红 list and conflicts saved for the editor."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline import draft
from pipeline.review import apply_review, map_paragraphs, read_reviewed
from pipeline.review.plan import Sources
from pipeline.sources import load_edition

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "docx"))
from reviewed import Reviewed

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
CLI = [sys.executable, "-c", "from pipeline.cli import main; main()"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return draft.export_draft(load_edition(SAMPLE), tmp_path_factory.mktemp("export"), [], {"b006": "02版·第3栏·第30行"})


@pytest.fixture
def home(tmp_path: Path, pristine: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder of its own: sources/<edition> copied, the export's manifest in output/."""
    monkeypatch.setenv("PINBAN_HOME", str(tmp_path))
    shutil.copytree(SAMPLE, tmp_path / "sources" / SAMPLE.name)
    shutil.copytree(pristine[0].parent, tmp_path / "output" / SAMPLE.name)
    return tmp_path


def edition(home: Path) -> Path:
    return home / "sources" / SAMPLE.name


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PINBAN_HOME": str(home)}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, env=env, cwd=home, check=False)


def one_line_error(proc: subprocess.CompletedProcess, code: int) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("pinban: error: "), proc.stderr
    return lines[0]


def text_of(item_id: str, pristine: tuple[Path, Path]) -> str:
    manifest = json.loads(pristine[1].read_text(encoding="utf-8"))
    return next(e["text"] for e in manifest["items"] if e["id"] == item_id)


def with_document(src: Path, dest: Path, change) -> Path:
    """A copy of a DOCX whose word/document.xml is change(old bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, change(data) if info.filename == "word/document.xml" else data)
    return dest


# --- one parser of report.md for loader and review ------------------------------------------------


def test_loader_and_review_agree_on_blocks_and_lines_with_u2028(home: Path) -> None:
    report = edition(home) / "report.md"
    lines = report.read_text(encoding="utf-8").split("\n")
    n = next(i for i, line in enumerate(lines) if line and not line.startswith(("#", ">")))
    lines[n] = lines[n][:10] + "\u2028" + lines[n][10:]  # a line separator inside a paragraph
    report.write_text("\n".join(lines), encoding="utf-8")
    loaded = load_edition(edition(home)).blocks
    src = Sources(edition(home))
    assert [(b.text, b.source.line) for b in loaded] == [(src.blocks[line].text, line) for line in sorted(src.blocks)]
    assert any("\u2028" in b.text for b in loaded)


# --- hostile and broken DOCX ----------------------------------------------------------------------


def entity_docx(src: Path, dest: Path) -> Path:
    """What a hostile or broken tool might send: a DOCTYPE with an entity used in a paragraph."""
    def change(data: bytes) -> bytes:
        head, _, rest = data.partition(b"?>")
        rest = rest.replace("党组".encode(), b"&lost;", 1)
        return head + b'?><!DOCTYPE w:document [<!ENTITY lost "x">]>' + rest
    return with_document(src, dest, change)


def laughs_docx(src: Path, dest: Path) -> Path:
    decl = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "ha"}">' for i in range(10))
    def change(data: bytes) -> bytes:
        head, _, rest = data.partition(b"?>")
        return head + f"?><!DOCTYPE w:document [{decl}]>".encode() + rest.replace("党组".encode(), b"&l9;", 1)
    return with_document(src, dest, change)


def many_paragraphs_docx(src: Path, dest: Path) -> Path:
    return with_document(src, dest, lambda data: data.replace(b"</w:body>", b"<w:p/>" * 25000 + b"</w:body>"))


def big_insertion_docx(src: Path, dest: Path) -> Path:
    r = Reviewed.open(src)
    r.insert("headline.title", 2, "字" * 5000)
    return r.save(dest)


@pytest.mark.parametrize("make, reason", [
    (entity_docx, "DOCTYPE"), (laughs_docx, "DOCTYPE"), (many_paragraphs_docx, "paragraphs"),
    (big_insertion_docx, "inserted into headline.title"),
])
def test_hostile_docx_is_refused_in_one_line_and_nothing_changes(home: Path, pristine, make, reason: str) -> None:
    before = digest(edition(home))
    hostile = make(pristine[0], home / "reviewed.docx")
    shutil.copy(pristine[1], home / "reviewed.manifest.json")
    line = one_line_error(run(home, "proof", "apply", str(hostile), SAMPLE.name), 1)
    assert "refused, nothing applied" in line and reason in line
    assert digest(edition(home)) == before
    assert not (home / "output" / SAMPLE.name / "applied").exists()


def zip_bomb(path: Path, size: int, declared: int | None = None) -> Path:
    """A DOCX whose document.xml unpacks to `size` bytes of blanks; `declared` makes the zip
    directory lie about that size."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=size >= 1 << 32 - 1) as fh:
            chunk = b" " * (1 << 20)
            for _ in range(size >> 20):
                fh.write(chunk)
    if declared is not None:  # the central directory's uncompressed size of the entry
        raw = bytearray(path.read_bytes())
        at = raw.rindex(b"PK\x01\x02")
        raw[at + 24 : at + 28] = declared.to_bytes(4, "little")
        path.write_bytes(bytes(raw))
    return path


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) test process
PEAK_PROBE = """
import re, sys
from pathlib import Path
from pipeline.errors import PinbanError
from pipeline.review import apply_review
try:
    apply_review(Path(sys.argv[1]), Path(sys.argv[2]))
    print("applied")
except PinbanError as exc:
    print(f"error: {exc}")
print(re.search(r"VmHWM:\\s*(\\d+) kB", open("/proc/self/status").read()).group(1))
"""


@pytest.mark.parametrize("size, declared", [(1 << 30, None), (256 << 20, 4000)], ids=["1GiB", "directory-lies"])
def test_zip_bomb_is_refused_with_bounded_memory(home: Path, size: int, declared: int | None) -> None:
    bomb = zip_bomb(home / "bomb.docx", size, declared)
    assert bomb.stat().st_size < 1_400_000
    before = digest(edition(home))
    env = {**os.environ, "PINBAN_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", PEAK_PROBE, str(bomb), str(edition(home))],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    message, peak_kb = proc.stdout.strip().split("\n")
    assert message.startswith("error: ") and ("refused" in message or "damaged" in message), message
    print(f"zip bomb ({size >> 20} MiB, directory {'lies' if declared else 'honest'}): peak {int(peak_kb) / 1024:.0f} MB")
    assert int(peak_kb) < 300 * 1024
    assert digest(edition(home)) == before


@pytest.mark.parametrize("name, what", [(".", "is a folder"), ("missing.docx", "file not found")])
def test_a_folder_or_a_missing_file_is_a_usage_error(home: Path, name: str, what: str) -> None:
    line = one_line_error(run(home, "proof", "apply", str(home / name)), 2)
    assert what in line


# --- idempotent and traceable -------------------------------------------------------------------


def reviewed_with_conflict(home: Path, pristine) -> Path:
    r = Reviewed.open(pristine[0])
    b006 = text_of("b006", pristine)
    r.delete("b006", b006.index("党组"), b006.index("党组") + 2, author="肖媛")
    r.replace("photo.p03", 3, 5, "医疗", author="虞琪琪")
    r.replace("b010", 2, 4, "开展")
    report = edition(home) / "report.md"  # the editor changed b010 at the same place since
    text = report.read_text(encoding="utf-8")
    b010 = text_of("b010", pristine)
    report.write_text(text.replace(b010[:8], b010[:2] + "举办" + b010[2:8], 1), encoding="utf-8")
    path = r.save(home / "reviewed.docx")
    shutil.copy(pristine[1], home / "reviewed.manifest.json")
    return path


def test_edition_from_the_docx_quiet_files_for_the_editor_and_applied_twice(home: Path, pristine) -> None:
    docx = reviewed_with_conflict(home, pristine)
    first = run(home, "proof", "apply", str(docx), "-q")  # no EDITION: the DOCX names it
    line = one_line_error(first, 1)
    assert "1 paragraph(s) in conflict" in line
    out = home / "output" / SAMPLE.name
    hehong = next(out.glob("hehong-*.md")).read_text(encoding="utf-8")
    assert "核红清单" in hehong and "改前" in hehong and "肖媛" in hehong and "虞琪琪" in hehong
    assert "〔02版·第3栏·第30行〕" not in hehong and "02版·第3栏·第30行" in hehong
    conflicts = next(out.glob("conflicts-*.md")).read_text(encoding="utf-8")
    assert "b010" in conflicts and "校对稿：组织开展" in conflicts and "现源文件：组织举办" in conflicts
    listing = next(out.glob("conflicts-*.docx"))
    body = read_reviewed(listing)
    texts = ["".join(t.ch for t in p.toks) for p in body.paras]
    assert any(t.startswith("校对稿：组织开展") for t in texts) and any(t.startswith("现源文件：组织举办") for t in texts)
    after_first = digest(edition(home))
    assert "医疗卫生界" in (edition(home) / "edition.toml").read_text(encoding="utf-8")

    second = run(home, "proof", "apply", str(docx))
    assert second.returncode == 0, second.stderr
    assert "already applied" in second.stdout and "1 paragraph(s) were left to the editor" in second.stdout
    assert digest(edition(home)) == after_first


def test_the_same_review_saved_again_is_still_already_applied(home: Path, pristine) -> None:
    r = Reviewed.open(pristine[0])
    r.replace("headline.subtitle", 0, 3, "聚合共识")
    docx = r.save(home / "reviewed.docx")
    shutil.copy(pristine[1], home / "reviewed.manifest.json")
    first = apply_review(docx, edition(home))
    assert len(first.changes) == 1
    resaved = with_document(docx, home / "resaved.docx", lambda data: data.replace(b"<w:body>", b"<w:body>\n"))
    shutil.copy(pristine[1], home / "resaved.manifest.json")
    again = apply_review(resaved, edition(home))
    assert again.already_applied is not None and not again.changes
    assert "already applied" in again.report()


def test_quiet_success_prints_nothing(home: Path, pristine) -> None:
    r = Reviewed.open(pristine[0])
    r.replace("headline.subtitle", 0, 3, "聚合共识")
    docx = r.save(home / "reviewed.docx")
    shutil.copy(pristine[1], home / "reviewed.manifest.json")
    proc = run(home, "proof", "apply", str(docx), "-q")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    loud = run(home, "proof", "apply", str(docx))
    assert loud.returncode == 0 and "already applied" in loud.stdout


def test_the_mapping_still_sees_every_id_of_the_hardened_reader(pristine) -> None:
    manifest = json.loads(pristine[1].read_text(encoding="utf-8"))
    m = map_paragraphs(read_reviewed(pristine[0]), manifest)
    assert m.by_bookmark == m.total and not m.unmapped
    assert re.fullmatch(r"[0-9a-f]{16}", manifest["export_id"])
