"""The broken-input corpus (tests/broken/, tabulated in cases.toml), run through the real CLI.

Each case runs `pinban check` in a subprocess (`pipeline.cli.main`, as the console script does)
and must end with the expected exit code, a single clear error line or the expected findings,
and never a Python traceback. Cases run two at a time; most stub the renderer out (the PDF audit
has its own tests), the few marked `render` go all the way to spread.pdf.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "broken"
CASES: list[dict] = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]

RUN = "from pipeline.cli import main; main()"
# Checks sources and layout, skips drawing: the renderer is replaced by one that draws nothing.
RUN_NO_RENDER = "import pipeline.build as b; b.write_pdfs = lambda job, display: []; " + RUN


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str
    strict_code: int | None
    out_dir: Path


def made_case(name: str, where: Path) -> Path:
    """Cases not kept in git: built from the baseline at test time."""
    from PIL import Image

    folder = where / name
    shutil.copytree(CORPUS / "baseline", folder)
    p01 = folder / "photos" / "p01.jpg"
    if name == "huge-photo":
        # 108 Mpx: above Pillow's bomb warning, below its refusal; flat grey keeps it quick.
        Image.new("L", (12000, 9000), 128).save(p01, quality=30)
    elif name == "symlink-out":
        outside = where / "outside.jpg"
        shutil.copy(p01, outside)
        p01.unlink()
        p01.symlink_to(outside)
    elif name == "symlink-loop":
        p01.unlink()
        p01.symlink_to(p01)
    elif name == "symlink-report":
        outside = where / "elsewhere.md"
        shutil.copy(folder / "report.md", outside)
        (folder / "report.md").unlink()
        (folder / "report.md").symlink_to(outside)
    else:
        raise AssertionError(f"no recipe for made case {name}")
    return folder


def run_cli(args: list[str], render: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", RUN if render else RUN_NO_RENDER, *args], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


SENTINEL = b"%PDF- the last good build"


def run_case(case: dict, where: Path) -> Result:
    folder = made_case(case["name"], where) if case.get("made") else CORPUS / case["name"]
    out_dir = where / "out" / case["name"]
    if "error" in case:  # a failed run must leave the last good outputs alone
        out_dir.mkdir(parents=True)
        (out_dir / "spread.pdf").write_bytes(SENTINEL)
    render = bool(case.get("render"))
    base = ["check", "-o", str(out_dir), str(folder)]
    first = run_cli([*base[:1], "--json", *base[1:]] if "findings" in case else base, render)
    strict = run_cli([*base[:1], "--strict", *base[1:]], False).returncode if "strict" in case else None
    return Result(first.returncode, first.stdout, first.stderr, strict, out_dir)


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    where = tmp_path_factory.mktemp("broken")
    before = fingerprint(CORPUS)
    # Two at a time (the machines have two cores): the corpus stays well under a minute.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case["name"]: pool.submit(run_case, case, where) for case in CASES}
        done = {name: future.result() for name, future in futures.items()}
    assert fingerprint(CORPUS) == before, "pinban check changed a source file"
    return done


def test_every_case_folder_is_tabulated() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    tabulated = {c["name"] for c in CASES}
    made = {c["name"] for c in CASES if c.get("made")}
    assert folders == tabulated - made
    assert len(tabulated) == len(CASES), "a case is listed twice"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_broken_edition(case: dict, results: dict[str, Result]) -> None:
    r = results[case["name"]]
    both = r.out + r.err
    assert "Traceback" not in both, both
    assert r.code == case["exit"], both
    if "error" in case:
        check_error_line(case, r)
    if "findings" in case:
        check_findings(case, r)
    if "strict" in case:
        assert r.strict_code == case["strict"]
    if "pdf_text" in case:
        check_pdf_text(case["pdf_text"], r.out_dir / "spread.pdf")


def check_error_line(case: dict, r: Result) -> None:
    assert r.out == ""
    assert (r.out_dir / "spread.pdf").read_bytes() == SENTINEL
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith(f"pinban: error: {case['where']}"), lines[0]
    assert case["error"] in lines[0]
    assert "(hint: " in lines[0] or "hint" not in case


def check_findings(case: dict, r: Result) -> None:
    findings = json.loads(r.out)
    got = {f"{f['severity']}:{f['code']}" for f in findings}
    assert set(case["findings"]) <= got, got
    assert not set(case.get("absent", ())) & got, got
    assert "error:internal-error" not in got, findings
    for f in findings:  # every finding says where it is
        assert f.get("where") and f.get("message"), f
    # Python warnings (e.g. Pillow's DecompressionBombWarning) are noise an editor cannot act on.
    if "Warning:" in r.err and case.get("known_noise"):
        pytest.xfail(case["known_noise"])
    assert "Warning:" not in r.err, r.err


def check_pdf_text(text: str, pdf: Path) -> None:
    from pipeline.checks.layout import squash
    from pipeline.checks.pdf import pdf_text

    assert squash(text) in squash("".join(pdf_text(pdf)))


@pytest.mark.parametrize(("args", "fragment"), [
    (["check", "tests/broken/no-such-edition"], "no edition 'tests/broken/no-such-edition'"),
    (["check", "--bogus"], "No such option '--bogus'"),
])
def test_usage_errors_exit_2(args: list[str], fragment: str) -> None:
    r = run_cli(args, render=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert fragment in r.stderr and r.stdout == ""
