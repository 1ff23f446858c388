"""The editor's figures: `pinban pdf` and `pinban build` as fresh processes, and with `pinban watch`
running, the time from saving a one-character edit to the new preview; appended to
bench/history.tsv with the date and commit, so a regression shows against earlier runs."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scale import ProcessRun, last_error, pinban_command, reap

HISTORY = Path(__file__).resolve().parent / "history.tsv"
HISTORY_COLUMNS = ("date", "commit", "pdf_s", "build_s", "watch_edit_s", "typst_s", "pdf_per_typst", "load")
EDIT = ("委员", "委員")  # a one-character edit of the sample's report, and back
WATCH_TIMEOUT_S = 120.0


def fresh_command(command: str, edition: Path | str, runs: int) -> list[ProcessRun]:
    """`pinban <command>` in a new process each run, into a new folder: wall, CPU, peak."""
    done = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix=f"pinban-{command}-") as tmp:
            log = Path(tmp) / "run.log"
            t0 = time.perf_counter()
            with open(log, "wb") as fh:
                proc = subprocess.Popen([*pinban_command(), command, str(edition), "-o", str(Path(tmp) / "out"), "-q"],
                                        stdout=subprocess.DEVNULL, stderr=fh)
            code, cpu, peak = reap(proc)
            done.append(ProcessRun(time.perf_counter() - t0, cpu, peak, code, last_error(log) if code else ""))
    return done


class Watch:
    """`pinban watch` on a copy of the edition, on any free port."""

    def __init__(self, edition: Path, out: Path) -> None:
        self.process = subprocess.Popen([*pinban_command(), "watch", str(edition), "-o", str(out), "--port", "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not match:
            self.stop()
            raise RuntimeError(f"pinban watch printed no address: {line.strip()!r}")
        self.url = match.group()

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + "state.json", timeout=10) as response:
            return json.load(response)

    def wait_for(self, build: int) -> dict:
        deadline = time.monotonic() + WATCH_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self.state()
            if state["build"] >= build:
                return state
            time.sleep(0.01)
        raise RuntimeError(f"pinban watch did not finish build {build} in {WATCH_TIMEOUT_S:g} s")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def watch_edits(edition: Path, runs: int) -> tuple[list[float], str]:
    """Seconds from writing a one-character edit of report.md to the page's new preview, per edit;
    and the first build's error, if a build failed."""
    with tempfile.TemporaryDirectory(prefix="pinban-watch-") as tmp:
        copy = Path(tmp) / edition.name
        shutil.copytree(edition, copy)
        report = copy / "report.md"
        watch = Watch(copy, Path(tmp) / "out")
        try:
            state = watch.wait_for(1)
            times = []
            for n in range(runs):
                old, new = EDIT if n % 2 == 0 else EDIT[::-1]
                text = report.read_text(encoding="utf-8")
                if old not in text:
                    return [], f"{report.name} has no {old!r} to edit"
                t0 = time.perf_counter()
                report.write_text(text.replace(old, new, 1), encoding="utf-8")
                state = watch.wait_for(state["build"] + 1)
                times.append(time.perf_counter() - t0)
                if state["error"]:
                    return times, state["error"]
                time.sleep(0.3)  # the editor reads the page before the next save
            return times, ""
        finally:
            watch.stop()


def commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def append_history(figures: dict[str, float], load: str, path: Path = HISTORY) -> Path:
    """One row per bench run; a missing figure is an empty field."""
    row = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": commit(), "load": load}
    row.update({k: f"{v:.3f}" for k, v in figures.items() if not math.isnan(v)})
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as fh:
        if new:
            fh.write("\t".join(HISTORY_COLUMNS) + "\n")
        fh.write("\t".join(row.get(c, "") for c in HISTORY_COLUMNS) + "\n")
    return path


def previous(path: Path = HISTORY) -> dict[str, str] | None:
    if not path.exists():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return dict(zip(lines[0].split("\t"), lines[-1].split("\t"))) if len(lines) > 1 else None


if __name__ == "__main__":
    sys.exit("run bench/run.py")
