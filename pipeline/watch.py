"""`pinban watch`: the editor's loop. One warm process (imports, fonts and composed paragraphs
stay loaded) rebuilds the spread whenever a source file of the edition changes, as `pinban pdf`
does, and serves the preview with the findings beside it on a page on this machine only."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import build as builder
from .errors import PinbanError, UsageError
from .model import Finding
from .project import edition_dir

HOST = "127.0.0.1"  # the page shows unpublished copy: never beyond this machine
POLL_SECONDS = 0.1  # a look at a few file stats: far below a millisecond
SETTLE_SECONDS = 0.05  # a save caught half-written (truncated, not yet filled) is not built

Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every source file of the edition with its modification time and size; editors' hidden
    swap and backup files are not sources."""
    found: Snapshot = {}
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith((".", "#")) or part.endswith("~") for part in rel.parts):
            continue
        try:
            stat = path.stat()
        except OSError:  # removed between listing and looking
            continue
        if path.is_file():
            found[rel.as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


@dataclass
class State:
    """What the page shows. `build` counts attempts; `preview` is the build whose image is served
    (the last one that could be laid out: a failed build leaves it); `checked` the build the
    findings are of and `published` the last build whose outputs were published (both follow
    the preview, so as not to hold it back)."""

    edition: str
    build: int = 0
    preview: int = 0
    checked: int = 0
    published: int = 0
    image: bytes = b""
    error: str = ""
    seconds: float = 0.0
    findings: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_json(self) -> bytes:
        with self.lock:
            data = {"edition": self.edition, "build": self.build, "preview": self.preview, "checked": self.checked,
                    "published": self.published, "error": self.error,
                    "seconds": round(self.seconds, 3), "findings": self.findings}
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class Watcher:
    """Builds the edition when its sources change and records the outcome in `state`: first the
    preview (laid out with the paragraphs composed before reused, only the pages that changed
    drawn again), then the findings, then the outputs published as `pinban pdf` publishes them,
    in a child process that a newer save stops."""

    def __init__(self, edition_arg: str | None, out: str | None, keep_going: bool = False) -> None:
        from .render.preview import PagePreviews

        self.folder = edition_dir(edition_arg)
        self.edition_arg = str(self.folder)
        self.out = out
        self.keep_going = keep_going
        self.state = State(self.folder.name)
        self.seen: Snapshot | None = None
        self.previews = PagePreviews()
        self.publishing: Publisher | None = None

    def changed(self) -> bool:
        """True once the sources differ from the last build's and have stopped changing."""
        now = snapshot(self.folder)
        if now == self.seen:
            return False
        while True:
            time.sleep(SETTLE_SECONDS)
            later = snapshot(self.folder)
            if later == now:
                return True
            now = later

    def rebuild(self) -> None:
        """One build from the sources as they are now; a change during the build starts another."""
        self.stop_publishing()
        self.seen = snapshot(self.folder)
        started = time.perf_counter()
        job, display, image, error = None, None, b"", ""
        try:
            job = builder.prepare(self.edition_arg, self.out)
            display = builder.lay_out(job)
            image = self.previews.spread_jpeg(display, job.style, job.faces)
        except PinbanError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 — the loop goes on; the page says what broke
            error = f"internal error: {type(exc).__name__}: {exc} (this is a pinban bug: please report it)"
        self.record(image, error, time.perf_counter() - started)
        findings = self.findings(job, display)
        with self.state.lock:
            self.state.findings, self.state.checked = findings, self.state.build
        if display is not None:
            self.publishing = Publisher(self.edition_arg, self.out, self.keep_going, self.state.build)

    def findings(self, job, display) -> list[dict]:
        """check_sources and check_layout of the sources as built (no PDF audit: it costs more than
        the rest of the page's refresh); what cannot be checked says so as one finding."""
        if job is None:
            job, failed = builder.guarded("load", lambda: builder.prepare(self.edition_arg, self.out))
            if job is None:
                return [builder.finding_json(f) for f in failed]
        if display is None:
            display, failed = builder.guarded("layout", lambda: builder.lay_out(job))
        found = builder.check_built(job, display, None) if display is not None else sources_only(job) + failed
        return [builder.finding_json(f) for f in found]

    def record(self, image: bytes, error: str, seconds: float) -> None:
        state = self.state
        with state.lock:
            state.build += 1
            if image:
                state.image, state.preview = image, state.build
            state.error, state.seconds = error, seconds
        outcome = f"error: {error}" if error else "preview updated"
        print(f"pinban: build {state.build} in {seconds:.2f} s: {outcome}", flush=True)

    def collect_published(self) -> None:
        """The publishing child's outcome, once it is there."""
        if self.publishing is None or not self.publishing.done():
            return
        number, error = self.publishing.build, self.publishing.outcome()
        self.publishing = None
        with self.state.lock:
            if error:
                self.state.error = error
            else:
                self.state.published = number
        print(f"pinban: build {number}: {'not published: ' + error if error else 'outputs published'}", flush=True)

    def stop_publishing(self) -> None:
        if self.publishing is not None:
            self.publishing.stop()
            self.publishing = None

    def run(self, stop: threading.Event) -> None:
        """Paragraphs composed and arrangements sized before are remembered by the layout for the
        process (see layout.blocks.composed and layout.solve), so a save recomposes only what it
        changed."""
        self.rebuild()
        try:
            while not stop.wait(POLL_SECONDS):
                self.collect_published()
                if self.changed():
                    self.rebuild()
        finally:
            self.stop_publishing()


class Publisher:
    """`pinban pdf`'s publishing of one build (all or nothing, refused builds under rejected/) in
    a forked child of this warm process, so the preview need not wait for it and a newer save
    can stop it: what a stopped build staged is swept by the next."""

    def __init__(self, edition_arg: str, out: str | None, keep_going: bool, build: int) -> None:
        import multiprocessing

        self.build = build
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe(duplex=False)
        # not a daemon, since it forks a drawing process of its own; it dies with this one
        self.process = context.Process(target=publish_in_child, args=(child, os.getpid(), edition_arg, out,
                                                                      keep_going))
        self.process.start()
        child.close()

    def done(self) -> bool:
        return not self.process.is_alive() or self.conn.poll()

    def outcome(self) -> str:
        """'' when published, else the one line saying why not."""
        try:
            error = self.conn.recv()
        except EOFError:
            error = f"the publishing process stopped (exit {self.process.exitcode})"
        self.process.join()
        return error

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def publish_in_child(conn, parent: int, edition_arg: str, out: str | None, keep_going: bool) -> None:
    import logging

    from .render.worker import die_with_parent

    die_with_parent(parent)
    logging.getLogger("pinban").setLevel(logging.WARNING)  # the watch's terminal shows builds, not steps
    try:
        builder.build_pdf(edition_arg, out, keep_going=keep_going)
        conn.send("")
    except PinbanError as exc:
        conn.send(str(exc))
    except Exception as exc:  # noqa: BLE001 — the page says what broke
        conn.send(f"internal error: {type(exc).__name__}: {exc} (this is a pinban bug: please report it)")


def sources_only(job) -> list[Finding]:
    from .checks.text import check_sources

    return check_sources(job.edition, job.style, job.faces)


# --- the page ---------------------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    """The preview page, its state as JSON and the PNG, on 127.0.0.1 only, in a daemon thread."""

    daemon_threads = True

    def __init__(self, port: int, state: State) -> None:
        self.state = state
        try:
            super().__init__((HOST, port), PageHandler)
        except OSError as exc:
            raise UsageError(f"cannot serve the preview on {HOST}:{port}: {exc.strerror or exc}", "--port",
                             "give another port, or --port 0 for any free one") from None
        self.thread = threading.Thread(target=self.serve_forever, name="pinban-watch-page", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}/"

    def start(self) -> PreviewServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class PageHandler(BaseHTTPRequestHandler):
    server: PreviewServer

    def do_GET(self) -> None:  # the name http.server calls
        path = self.path.split("?", 1)[0]
        state = self.server.state
        if path == "/":
            self.reply(page_html(state.edition).encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/state.json":
            self.reply(state.as_json(), "application/json")
        elif path == "/preview.jpg" and state.image:
            with state.lock:
                image = state.image
            self.reply(image, "image/jpeg")
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def reply(self, body: bytes, kind: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass  # one request every few hundred ms: the terminal shows builds, not requests


def page_html(edition: str) -> str:
    from html import escape

    return PAGE.replace("{edition}", escape(edition))


# The page asks for /state.json every 300 ms and swaps the preview when a new one is there;
# without JavaScript it reloads itself every 2 s. Findings are set as text, never as markup.
PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>pinban watch · {edition}</title>
<noscript><meta http-equiv="refresh" content="2"></noscript>
<style>
body{margin:0;font:14px 'Noto Sans CJK SC',sans-serif;display:flex;height:100vh}
#spread{flex:1;overflow:auto;background:#888;padding:8px}
#spread img{max-width:100%;background:#fff;box-shadow:0 0 6px #0006}
#side{width:26em;overflow:auto;padding:8px 12px;border-left:1px solid #ccc}
#error{color:#fff;background:#c00;padding:6px;margin:4px 0}
#error:empty{display:none}
li{margin:4px 0}.error{color:#c00}.warning{color:#c60}.info{color:#06c}
.where{color:#555}
</style></head><body>
<div id="spread"><img id="preview" alt="the spread"></div>
<div id="side"><h3>{edition}</h3><div id="status">waiting for the first build…</div>
<div id="error"></div><ol id="findings"></ol></div>
<script>
let shown = -1, built = -1, checked = -1, published = -1;
function item(f) {
  const li = document.createElement("li");
  li.className = f.severity;
  const where = document.createElement("span");
  where.className = "where";
  where.textContent = (f.where || "") + ": ";
  li.append(where, f.message + (f.hint ? " (" + f.hint + ")" : ""));
  return li;
}
async function poll() {
  try {
    const s = await (await fetch("/state.json", {cache: "no-store"})).json();
    if (s.build !== built || s.checked !== checked || s.published !== published) {
      built = s.build;
      checked = s.checked;
      published = s.published;
      const findings = s.checked === s.build ? s.findings.length + " finding(s)" : "checking…";
      const files = s.published === s.build ? "outputs published" : s.error ? "not published" : "publishing…";
      document.getElementById("status").textContent =
        "build " + s.build + ": preview in " + s.seconds.toFixed(2) + " s · " + findings + " · " + files;
      document.getElementById("error").textContent = s.error;
      document.getElementById("findings").replaceChildren(...s.findings.map(item));
    }
    if (s.preview !== shown && s.preview > 0) {
      shown = s.preview;
      const img = document.getElementById("preview"), build = s.preview;
      img.onload = () => { img.dataset.shown = build; };  // the build the reader sees
      img.src = "/preview.jpg?build=" + build;
    }
  } catch (e) {
    document.getElementById("status").textContent = "pinban watch is not running";
  }
  setTimeout(poll, 300);
}
poll();
</script></body></html>
"""


# --- the command --------------------------------------------------------------------------------


def watch(edition_arg: str | None, out: str | None, port: int, keep_going: bool = False) -> None:
    """Serve the page, build now and after every change, until interrupted."""
    watcher = Watcher(edition_arg, out, keep_going)
    server = PreviewServer(port, watcher.state).start()
    print(f"pinban: watching {watcher.folder}; the preview is at {server.url}", flush=True)
    stop = threading.Event()
    try:
        watcher.run(stop)
    finally:
        stop.set()
        server.stop()
