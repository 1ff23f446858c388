"""`pinban watch`: rebuilds after a change, serves the new preview on 127.0.0.1 only, keeps the
last good preview when a build fails; and the library look-up that makes WeasyPrint's import fast."""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipeline.errors import UsageError
from pipeline.project import project_root
from pipeline.render import libraries, preview
from pipeline.watch import PreviewServer, State, snapshot

SAMPLE = project_root() / "sources" / "2025-01-07-fengtai-lianghui"
BUILD_TIMEOUT = 180.0


# --- the library look-up --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["c", "m", "harfbuzz", "fontconfig", "gobject-2.0", "pango-1.0", "pangoft2-1.0"])
def test_find_library_names_a_library_that_loads(name: str) -> None:
    found = libraries.find_library(name)
    assert found is not None
    ctypes.CDLL(found)
    assert found == libraries.standard_find_library(name)


def test_a_miss_is_answered_without_starting_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args, **kwargs):
        raise AssertionError(f"started a process: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert libraries.loader_cache_names() is not None  # the test machine has glibc's cache
    assert libraries.find_library("libgobject-2.0-0") is None
    assert libraries.find_library("no-such-library-anywhere") is None


def test_sonames_before_the_development_link() -> None:
    known = ["libfoo.so", "libfoobar.so.1", "libfoo.so.2", "libfoo-x.so.1", "libfoo.so.2.1"]
    assert libraries.candidates("foo", known) == ["libfoo.so.2", "libfoo.so.2.1", "libfoo.so"]


def test_without_a_loader_cache_the_standard_look_up_answers(tmp_path: Path) -> None:
    not_a_cache = tmp_path / "ld.so.cache"
    not_a_cache.write_bytes(b"something else")
    assert libraries.loader_cache_names(not_a_cache) is None
    assert libraries.loader_cache_names(tmp_path / "absent") is None


def test_the_look_up_is_restored_after_the_import() -> None:
    import ctypes.util

    before = ctypes.util.find_library
    with libraries.quick_library_lookup():
        assert ctypes.util.find_library is libraries.find_library
    assert ctypes.util.find_library is before


# --- the page -------------------------------------------------------------------------------------


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_the_page_is_served_on_localhost_only() -> None:
    server = PreviewServer(0, State("a<b>")).start()
    try:
        host, port = server.socket.getsockname()[:2]
        assert host == "127.0.0.1" and port > 0
        status, page = fetch(server.url)
        assert status == 200 and b"a&lt;b&gt;" in page and b"a<b>" not in page
        assert fetch(server.url + "preview.jpg")[0] == 404  # nothing built yet
        status, body = fetch(server.url + "state.json")
        assert status == 200 and json.loads(body)["build"] == 0
        assert fetch(server.url + "../etc/passwd")[0] == 404
    finally:
        server.stop()


def test_a_port_in_use_is_a_one_line_error() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(UsageError, match="cannot serve the preview on 127.0.0.1"):
            PreviewServer(taken.getsockname()[1], State("x"))
    finally:
        taken.close()


def test_editors_hidden_files_are_not_sources(tmp_path: Path) -> None:
    (tmp_path / "report.md").write_text("x", encoding="utf-8")
    before = snapshot(tmp_path)
    for name in (".report.md.swp", "report.md~", "#report.md#"):
        (tmp_path / name).write_text("y", encoding="utf-8")
    assert snapshot(tmp_path) == before
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "p99.jpg").write_bytes(b"z")
    assert set(snapshot(tmp_path)) == {"report.md", "photos/p99.jpg"}


# --- the loop, in a real process --------------------------------------------------------------------


class Watching:
    def __init__(self, edition: Path, out: Path) -> None:
        code = "from pipeline.cli import main; main()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, "watch", str(edition), "-o", str(out), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=project_root(),
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, f"no address in {line!r}"
        self.url = match.group()

    def state(self) -> dict:
        return json.loads(fetch(self.url + "state.json")[1])

    def wait_for_build(self, number: int, key: str = "build") -> dict:
        deadline = time.monotonic() + BUILD_TIMEOUT
        while time.monotonic() < deadline:
            state = self.state()
            if state[key] >= number:
                return state
            assert self.process.poll() is None, self.process.stdout.read()
            time.sleep(0.1)
        raise AssertionError(f"build {number} not done in {BUILD_TIMEOUT:g} s")

    def preview(self) -> bytes:
        status, image = fetch(self.url + "preview.jpg")
        assert status == 200 and image.startswith(b"\xff\xd8")  # a JPEG
        return image

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def test_watch_rebuilds_after_a_change_and_keeps_the_last_good_preview(tmp_path: Path) -> None:
    edition, out = tmp_path / "edition", tmp_path / "out"
    shutil.copytree(SAMPLE, edition)
    watching = Watching(edition, out)
    try:
        first = watching.wait_for_build(1)
        assert first["error"] == "" and first["preview"] == 1
        before = watching.preview()
        watching.wait_for_build(1, key="published")
        published = (out / "spread.png").read_bytes()

        report = edition / "report.md"
        text = report.read_text(encoding="utf-8")
        report.write_text(text.replace("委员", "委員", 1), encoding="utf-8")
        second = watching.wait_for_build(2)
        assert second["error"] == "" and second["preview"] == 2
        after = watching.preview()
        assert after != before
        checked = watching.wait_for_build(2, key="checked")
        assert "photo-colour" in {f["code"] for f in checked["findings"]}  # the sample's stand-ins: no ICC
        watching.wait_for_build(2, key="published")
        republished = (out / "spread.png").read_bytes()
        assert republished != published

        toml = edition / "edition.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + "\n[[broken\n", encoding="utf-8")
        third = watching.wait_for_build(3)
        assert "edition.toml" in third["error"] and "\n" not in third["error"]
        assert watching.wait_for_build(3, key="checked")["findings"][0]["severity"] == "error"
        assert third["preview"] == 2 and watching.preview() == after
        assert watching.state()["published"] == 2 and (out / "spread.png").read_bytes() == republished
    finally:
        watching.stop()


# --- the preview ------------------------------------------------------------------------------------


def pdf_with_photo(tmp_path: Path, mode: str = "RGB") -> bytes:
    """One page, 300 × 200 pt, with a 1600 × 1200 JPEG drawn 200 × 150 pt."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    photo = Image.new(mode, (1600, 1200), "white")
    ImageDraw.Draw(photo).ellipse((200, 150, 1400, 1050), fill="red" if mode == "RGB" else (0, 255, 255, 0))
    jpeg = tmp_path / "photo.jpg"
    photo.save(jpeg, quality=90)
    document = pdfium.PdfDocument.new()
    page = document.new_page(300, 200)
    image = pdfium.PdfImage.new(document)
    image.load_jpeg(str(jpeg), pages=[page])
    image.set_matrix(pdfium.PdfMatrix().scale(200, 150).translate(50, 25))
    page.insert_obj(image)
    page.gen_content()
    out = tmp_path / "photo.pdf"
    document.save(out)
    return out.read_bytes()


def rendered(pdf: bytes, shrink: bool):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(pdf)
    page = document[0]
    if shrink:
        preview.shrink_photos(page, 100 / 72)
    sizes = [o.get_px_size() for o in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
    return page.render(scale=100 / 72, rev_byteorder=True).to_pil(), sizes


def test_the_preview_decodes_photos_at_their_drawn_size_with_the_same_picture(tmp_path: Path) -> None:
    from PIL import ImageChops, ImageStat

    pdf = pdf_with_photo(tmp_path)
    full, full_sizes = rendered(pdf, shrink=False)
    small, small_sizes = rendered(pdf, shrink=True)
    assert full_sizes == [(1600, 1200)]
    (width, height), = small_sizes
    assert 200 * 100 / 72 <= width < 800 and 150 * 100 / 72 <= height < 600  # at least as big as drawn
    difference = ImageStat.Stat(ImageChops.difference(full, small)).mean
    assert max(difference) < 2.0  # the same picture, resampled


def test_the_preview_leaves_cmyk_photos_to_pdfium(tmp_path: Path) -> None:
    _, sizes = rendered(pdf_with_photo(tmp_path, "CMYK"), shrink=True)
    assert sizes == [(1600, 1200)]


# --- the page in a browser --------------------------------------------------------------------------


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


def browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            raise AssertionError("chromium is not installed: tools/sysdeps.sh --test installs it")
        pytest.skip("chromium is not installed (tools/sysdeps.sh --test installs it)")
    return found


def page_in_browser(url: str, profile: Path) -> str:
    """The watch page's DOM after Chromium has run its script: it fetches the state, loads the
    preview and marks the image with the build it shows once the browser has decoded it."""
    done = subprocess.run([browser(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                           "--dump-dom", url], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def shown_build(dom: str) -> int:
    image = re.search(r'<img id="preview"[^>]*>', dom)
    assert image, dom[-2000:]
    shown = re.search(r'data-shown="(\d+)"', image.group())
    return int(shown.group(1)) if shown else 0


def test_an_edit_shows_up_in_the_browser(tmp_path: Path) -> None:
    browser()
    edition, out = tmp_path / "edition", tmp_path / "out"
    shutil.copytree(SAMPLE, edition)
    watching = Watching(edition, out)
    try:
        watching.wait_for_build(1)
        first = page_in_browser(watching.url, tmp_path / "profile-1")
        assert shown_build(first) == 1 and 'src="/preview.jpg?build=1"' in first
        assert "build 1: preview in" in first

        report = edition / "report.md"
        report.write_text(report.read_text(encoding="utf-8").replace("委员", "委員", 1), encoding="utf-8")
        watching.wait_for_build(2, key="preview")
        second = page_in_browser(watching.url, tmp_path / "profile-2")
        assert shown_build(second) == 2 and "build 2: preview in" in second
    finally:
        watching.stop()
