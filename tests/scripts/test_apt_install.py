"""scripts/apt_install.sh and the package lists of scripts/setup.sh, with a fake apt-get."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "apt_install.sh"
LOCKED = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt)"


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _run(
    tmp_path: Path, apt_body: str, *, root: bool = True, wait_s: int = 600
) -> tuple[int, str, list[str]]:
    """Exit status, stderr and the apt-get calls of apt_install.sh for two missing packages;
    ``apt_body`` is the fake apt-get (it may read $calls, the number of calls so far)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "apt.log"
    _tool(fake, "id", f"echo {0 if root else 1000}\n")
    _tool(fake, "dpkg-query", "exit 1\n")  # nothing is installed
    _tool(fake, "sleep", "exit 0\n")  # no real waiting in a test
    _tool(
        fake,
        "apt-get",
        f'calls=$(wc -l < "{log}" 2>/dev/null || echo 0)\necho "$*" >> "{log}"\n{apt_body}',
    )
    env = {
        **os.environ,
        "PATH": f"{fake}:{os.environ['PATH']}",
        "APT_LOCK_WAIT_S": str(wait_s),
        "APT_LOCK_POLL_S": "1",
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), "--who", "setup", "libportaudio2", "espeak-ng"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, done.stderr, calls


def test_waits_while_another_apt_holds_the_lock_and_says_so(tmp_path: Path) -> None:
    # update finds the lock held twice, then everything goes through
    body = f'if [ "$calls" -lt 2 ]; then echo "{LOCKED}" >&2; exit 100; fi\nexit 0\n'
    status, err, calls = _run(tmp_path, body)
    assert status == 0, err
    assert "another program (apt, dpkg or automatic updates) is installing packages" in err
    assert err.count("waiting up to 600 s") == 1  # said once, not on every try
    assert [c.split(" ", 2)[2].split()[0] for c in calls] == ["update"] * 3 + ["install"]
    assert calls[-1] == "-o DPkg::Lock::Timeout=1 install -y -qq libportaudio2 espeak-ng"


def test_gives_up_after_the_wait_with_what_to_do(tmp_path: Path) -> None:
    status, err, calls = _run(tmp_path, f'echo "{LOCKED}" >&2; exit 100\n', wait_s=0)
    assert status == 1
    assert "the package manager was still busy after 0 s" in err
    assert "run this again when it has finished" in err
    assert len(calls) == 1


def test_another_failure_shows_apts_message_and_the_packages(tmp_path: Path) -> None:
    missing = "E: Unable to locate package espeak-ng"
    body = f'if [ "$calls" -ge 1 ]; then echo "{missing}" >&2; exit 100; fi\n'
    status, err, _ = _run(tmp_path, body)
    assert status == 1
    assert "setup: apt-get install failed (exit status 100):" in err
    assert "E: Unable to locate package espeak-ng" in err
    assert "install these packages by hand, then run this again: libportaudio2 espeak-ng" in err


def test_not_root_names_the_packages_and_exits_2(tmp_path: Path) -> None:
    status, err, calls = _run(tmp_path, "exit 0\n", root=False)
    assert (status, calls) == (2, [])
    assert "please install these system packages: libportaudio2 espeak-ng" in err


@pytest.mark.parametrize("profile", ["dev", "tts"])
def test_the_test_profiles_install_the_virtual_microphone(profile: str) -> None:
    """scripts/test.sh (the dev profile) must be able to run the end-to-end test."""
    text = (ROOT / "scripts" / "setup.sh").read_text()
    line = re.search(rf"^  {profile}\) apt_packages=\"([^\"]*)\"", text, re.MULTILINE | re.DOTALL)
    assert line is not None
    assert {"pulseaudio", "pulseaudio-utils", "libasound2-plugins", "espeak-ng"} <= set(
        line.group(1).replace("\\\n", " ").split()
    )


def test_setup_names_the_python_it_needs(tmp_path: Path) -> None:
    """An old Python is refused with what to do, before anything is installed."""
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    for name in ("setup.sh", "apt_install.sh"):
        (checkout / "scripts" / name).write_bytes((ROOT / "scripts" / name).read_bytes())
        (checkout / "scripts" / name).chmod(0o755)
    fake = tmp_path / "bin"
    fake.mkdir()
    _tool(fake, "dpkg-query", "echo 'install ok installed'\n")  # every system package is there
    _tool(fake, "python3.8", 'if [ "$1" = --version ]; then echo Python 3.8.10; fi\nexit 1\n')
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "PYTHON": "python3.8"}
    done = subprocess.run(
        ["bash", str(checkout / "scripts" / "setup.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "setup: needs Python 3.10 or newer; python3.8 is Python 3.8.10. "
        "Set PYTHON=/path/to/python3.X\n"
    )
    assert not (checkout / ".venv").exists()
