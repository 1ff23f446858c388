"""Faults as a category: each gives one clear line, the right exit code, and nothing half-written.

Builds run as real processes (`pinban …` through the CLI's main), so exit codes, signals and what
is left on disk are what an editor would see."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"
RUN = [sys.executable, "-c", "from pipeline.cli import main; main()"]
GOOD = ("spread.pdf", "pages.pdf", "spread.png")


def pinban(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*RUN, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
                          env={**os.environ, **(env or {})})


def one_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("pinban: error:")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return errors[0]


@pytest.fixture(scope="module")
def good_set(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """One good `pinban pdf` of the sample: the set every fault below must leave as it is."""
    out = tmp_path_factory.mktemp("good") / "out"
    done = pinban("pdf", str(SAMPLE), "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    return out, {name: (out / name).read_bytes() for name in GOOD}


def copy_of(tmp_path: Path, good: tuple[Path, dict[str, bytes]]) -> Path:
    out = tmp_path / "out"
    shutil.copytree(good[0], out)
    return out


def unchanged(out: Path, good: tuple[Path, dict[str, bytes]]) -> bool:
    return all((out / name).read_bytes() == data for name, data in good[1].items())


def edition_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "edition"
    shutil.copytree(SAMPLE, folder)
    return folder


def test_an_image_that_is_not_an_image_is_refused_naming_the_file(tmp_path, good_set) -> None:
    edition = edition_copy(tmp_path)
    (edition / "photos" / "p03.jpg").write_bytes(b"%PDF-1.4 this is not a photo\n")
    out = copy_of(tmp_path, good_set)
    done = pinban("pdf", str(edition), "-o", str(out))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "p03" in line and "photos/p03.jpg" in line, line
    assert unchanged(out, good_set)
    assert (out / "rejected" / "pages.pdf").exists()


@pytest.mark.parametrize("make", ["zero-bytes", "wrong-extension", "sixteen-bit", "palette", "cmyk", "exif-rotated"])
def test_image_kinds(tmp_path, make: str) -> None:
    """Every kind of file a photographer sends: an error naming the file, or a build."""
    edition = edition_copy(tmp_path)
    target = edition / "photos" / "p05.jpg"
    with Image.open(target) as im:
        im.load()
        photo = im.copy()
    if make == "zero-bytes":
        target.write_bytes(b"")
    elif make == "wrong-extension":
        photo.save(target, "PNG")
    elif make == "sixteen-bit":
        photo.convert("I;16").save(target.with_suffix(".png"))
        target.unlink()
        toml = edition / "edition.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("photos/p05.jpg", "photos/p05.png"), encoding="utf-8")
    elif make == "palette":
        photo.convert("P").save(target, "GIF")
    elif make == "cmyk":
        photo.convert("CMYK").save(target, "JPEG")
    elif make == "exif-rotated":
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90° on display
        photo.save(target, "JPEG", exif=exif)
    done = pinban("pdf", str(edition), "-o", str(tmp_path / "out"), "-q")
    if make == "zero-bytes":
        assert done.returncode == 1
        assert "p05" in one_line(done.stderr)
    else:
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
        if done.returncode == 1:
            assert "p05" in one_line(done.stderr)


def test_malformed_source_date_epoch_is_a_usage_error(tmp_path) -> None:
    done = pinban("pdf", str(SAMPLE), "-o", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert done.returncode == 2
    assert "SOURCE_DATE_EPOCH" in one_line(done.stderr)
    assert not (tmp_path / "out" / "pages.pdf").exists()


def mount_tmpfs(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize("options", ["ro,size=1m", "size=96k"], ids=["read-only", "full"])
def test_an_output_folder_that_cannot_take_the_outputs(tmp_path, options: str) -> None:
    out = tmp_path / "mnt"
    if not mount_tmpfs(out, options):
        pytest.skip("needs root and mount to make a read-only or small file system")
    try:
        done = pinban("pdf", str(SAMPLE), "-o", str(out / "edition"))
        assert done.returncode == 1, done.stderr
        line = one_line(done.stderr)
        assert "cannot write" in line, line
        assert not [p for p in out.rglob("*") if p.is_file()]  # nothing half-written
    finally:
        subprocess.run(["umount", str(out)], capture_output=True, check=False)


def processes_naming(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text.encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find left-over processes")
@pytest.mark.parametrize(("sig", "after"), [(signal.SIGKILL, 1.0), (signal.SIGKILL, 2.5), (signal.SIGTERM, 1.5)])
def test_a_build_killed_at_any_moment_leaves_the_good_set_and_no_process(tmp_path, good_set, sig, after) -> None:
    out = copy_of(tmp_path, good_set)
    build = subprocess.Popen([*RUN, "build", str(SAMPLE), "-o", str(out), "-q"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    build.send_signal(sig)
    build.wait(timeout=60)
    deadline = time.monotonic() + 10
    while processes_naming(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_naming(str(out)), "a process of the killed build lives on"
    assert unchanged(out, good_set)
    if sig == signal.SIGTERM:
        assert not [p for p in out.iterdir() if p.name.startswith(".")], "staged files left behind"
    # whatever a kill -9 left staged is swept by the next build
    done = pinban("pdf", str(SAMPLE), "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_same_sources_give_the_same_bytes_from_any_folder_user_locale_and_clock(tmp_path) -> None:
    """Output bytes depend on the sources and the style only (the clock is the edition's date)."""
    built = []
    for n, (env, depth) in enumerate([({"LC_ALL": "C", "TZ": "UTC"}, "a"),
                                      ({"LC_ALL": "C.UTF-8", "TZ": "Asia/Shanghai", "USER": "other"}, "b/c/d")]):
        folder = tmp_path / depth / SAMPLE.name
        shutil.copytree(SAMPLE, folder)
        out = tmp_path / f"out{n}"
        done = pinban("build", str(folder), "-o", str(out), "-q", env=env)
        assert done.returncode == 0, done.stderr
        built.append(out)
    for name in ("pages.pdf", "spread.pdf", "draft.docx", "proof.pdf"):
        assert (built[0] / name).read_bytes() == (built[1] / name).read_bytes(), name


@pytest.mark.parametrize(("key", "value"), [
    ("body_size_pt", "0"), ("leading_pt", "-14"), ("width_mm", "nan"), ("columns", "inf"), ("column_chars", '"thirteen"'), ("bleed_mm", "[3]"),
    ("margin_top_mm", "-1"), ("size", "0"),
])
def test_house_style_values_out_of_range_are_one_line_exit_1(tmp_path, key: str, value: str) -> None:
    """A house style with a value that is 0, negative, not a number or of the wrong type: one line
    naming the style file and the value, exit 1 — never a traceback or an internal error (70)."""
    home = tmp_path / "home"
    shutil.copytree(ROOT / "styles", home / "styles")
    (home / "sources").mkdir()
    toml = home / "styles" / "broadsheet" / "style.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.split("=")[0].strip() == key)
    lines[at] = f"{key} = {value}"
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = pinban("pdf", str(SAMPLE), "-o", str(out), "-q", env={"PINBAN_HOME": str(home)})
    assert done.returncode == 1, done.stderr
    line = one_line(done.stderr)
    assert "style.toml" in line and "internal" not in line, line
    assert not out.exists() or not any(out.glob("*.pdf"))
