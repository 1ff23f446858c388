"""tools/sysdeps.sh on a machine that lacks packages: install them when it may, else say exactly what."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "sysdeps.sh"


def fake_bin(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def machine(tmp_path: Path, *, uid: int, sudo: bool, missing: str) -> dict[str, str]:
    """A PATH whose dpkg-query lacks `missing`, whose id says `uid`, with or without sudo;
    apt-get only records how it was called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_bin(bin_dir, "dpkg-query", f'[ "$3" = "{missing}" ] && exit 1; printf "install ok installed"')
    fake_bin(bin_dir, "id", f"echo {uid}")
    fake_bin(bin_dir, "apt-get", f'echo "$@" >> "{tmp_path}/apt.log"')
    if sudo:
        fake_bin(bin_dir, "sudo", '[ "$1" = "-n" ] && shift; [ "$1" = "true" ] && exit 0; exec "$@"')
    # only the fakes and the basic tools the script needs (sh, grep)
    tools = bin_dir / "tools"
    tools.mkdir()
    for tool in ("sh", "grep"):
        real = subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True, text=True, check=True).stdout.strip()
        os.symlink(real, tools / tool)
    return {"PATH": f"{bin_dir}:{tools}", "HOME": str(tmp_path)}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(env["PATH"].split(":")[1]) / "sh"), str(SCRIPT), *args],
                          capture_output=True, text=True, env=env, check=False)


def test_nothing_missing_does_nothing(tmp_path):
    env = machine(tmp_path, uid=1000, sudo=False, missing="none")
    result = run(env)
    assert result.returncode == 0 and result.stderr == ""
    assert not (tmp_path / "apt.log").exists()


def test_without_rights_it_names_the_package_and_the_command(tmp_path):
    env = machine(tmp_path, uid=1000, sudo=False, missing="fonts-lxgw-wenkai")
    result = run(env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "fonts-lxgw-wenkai" in lines[0] and "sudo apt-get install fonts-lxgw-wenkai" in lines[0]
    assert not (tmp_path / "apt.log").exists()


def test_as_root_it_installs_what_is_missing(tmp_path):
    env = machine(tmp_path, uid=0, sudo=False, missing="libharfbuzz-subset0")
    result = run(env)
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "apt.log").read_text(encoding="utf-8")
    assert "update" in log and "install" in log and "libharfbuzz-subset0" in log
    assert "fonts-noto-cjk" not in log  # only what is missing


def test_with_sudo_it_installs_the_test_packages_too(tmp_path):
    env = machine(tmp_path, uid=1000, sudo=True, missing="libreoffice-writer-nogui")
    assert run(env).returncode == 0 and not (tmp_path / "apt.log").exists()  # not needed to build
    result = run(env, "--test")
    assert result.returncode == 0, result.stderr
    assert "libreoffice-writer-nogui" in (tmp_path / "apt.log").read_text(encoding="utf-8")
