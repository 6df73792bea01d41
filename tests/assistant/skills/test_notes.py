"""Notes: added, read back, and saved atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from assistant import atomic
from assistant.skills.dispatch import Reply
from assistant.skills.errors import NotesError
from assistant.skills.notes import MAX_READ_BACK, Note, NoteStore, read_back

Say = Callable[[str], Reply]
WHEN = datetime(2026, 11, 27, 15, 5, 9)


def test_add_and_read_back(say: Say, tmp_path: Path) -> None:
    assert say("read my notes").text == "You have no notes."
    assert say("note buy milk").text == "Noted: buy milk."
    assert say("take a note saying call the plumber").text == "Noted: call the plumber."
    reply = say("what are my notes")
    assert reply.text == "You have 2 notes: buy milk; call the plumber."
    assert reply.data == {"notes": ["buy milk", "call the plumber"]}
    saved = json.loads((tmp_path / "data" / "notes.json").read_text(encoding="utf-8"))
    assert saved == [
        {"text": "buy milk", "created": "2026-11-27T15:05:09"},
        {"text": "call the plumber", "created": "2026-11-27T15:05:09"},
    ]


def test_notes_survive_a_new_store(tmp_path: Path) -> None:
    NoteStore(tmp_path).add("  water   the plants ", WHEN)
    assert NoteStore(tmp_path).load() == [Note("water the plants", "2026-11-27T15:05:09")]


def test_failure_during_write_keeps_the_old_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = NoteStore(tmp_path)
    store.add("first", WHEN)
    before = store.path.read_bytes()

    def crash(fd: int) -> None:  # the new list is half on disk when the "power fails"
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(NotesError, match=r"cannot save .*notes\.json: .*Input/output error"):
        store.add("second", WHEN)
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert [n.text for n in store.load()] == ["first"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"]  # temp file removed


def test_leftover_temp_file_from_a_crash_is_ignored(tmp_path: Path) -> None:
    store = NoteStore(tmp_path)
    store.add("first", WHEN)
    (tmp_path / ".notes.json.abc.tmp").write_text('[{"text": "half', encoding="utf-8")
    store.add("second", WHEN)
    assert [n.text for n in store.load()] == ["first", "second"]


def test_malformed_file_is_reported_and_never_overwritten(say: Say, tmp_path: Path) -> None:
    path = tmp_path / "data" / "notes.json"
    path.parent.mkdir()
    path.write_text("not json", encoding="utf-8")
    assert say("note buy milk").text == "Sorry, I couldn't save your note."
    assert say("read my notes").text == "Sorry, I couldn't read your notes."
    assert path.read_text(encoding="utf-8") == "not json"
    with pytest.raises(NotesError, match="is not a JSON list"):
        NoteStore(path.parent).load()


def test_empty_note_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotesError, match="needs some words"):
        NoteStore(tmp_path).add("   ", WHEN)
    assert not (tmp_path / "notes.json").exists()


def test_read_back_limits_long_lists() -> None:
    notes = [Note(f"n{i}", "") for i in range(MAX_READ_BACK + 2)]
    text = read_back(notes)
    assert text.startswith(f"You have {MAX_READ_BACK + 2} notes; the last {MAX_READ_BACK} are: n2;")
    assert text.endswith(f"n{MAX_READ_BACK + 1}.")
    assert read_back([Note("one", "")]) == "You have 1 note: one."


def test_save_uses_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        replaced.append((Path(src).name, Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    NoteStore(tmp_path).add("x", WHEN)
    assert len(replaced) == 1
    assert replaced[0][0].startswith(".notes.json.") and replaced[0][1] == "notes.json"
