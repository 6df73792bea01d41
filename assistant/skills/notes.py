"""Notes kept in one JSON file, replaced atomically so a crash mid-write loses nothing.

Each save writes the whole list to a temporary file in the same folder, flushes it to disk and
renames it over the old file (:func:`os.replace` is atomic on POSIX and Windows). Until the
rename the old file is untouched; a leftover temporary file is ignored.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assistant.atomic import write_text_atomic
from assistant.skills.errors import NotesError

_LOGGER = logging.getLogger(__name__)

NOTES_FILE = "notes.json"
"""The notes file's name inside the data folder."""
MAX_READ_BACK = 10
"""Most recent notes read aloud at most; a longer list is summarised."""


@dataclass(frozen=True)
class Note:
    """One note."""

    text: str
    """What was said after "note"."""
    created: str
    """When it was taken, ISO 8601 local time."""


class NoteStore:
    """The notes of one data folder; safe to use from several threads."""

    def __init__(self, data_dir: Path) -> None:
        """Notes live in ``data_dir/notes.json``; the folder is created on the first save."""
        self.path = Path(data_dir) / NOTES_FILE
        self._lock = threading.Lock()

    def load(self) -> list[Note]:
        """All notes, oldest first; raises NotesError for an unreadable or malformed file."""
        with self._lock:
            return self._load()

    def add(self, text: str, created: datetime) -> Note:
        """Append a note and save; raises NotesError (the saved notes are then unchanged)."""
        text = " ".join(text.split())
        if not text:
            raise NotesError("a note needs some words, got an empty text")
        note = Note(text, created.isoformat(timespec="seconds"))
        with self._lock:
            notes = self._load()  # a malformed file raises here and is never overwritten
            notes.append(note)
            self._save(notes)
        return note

    def _load(self) -> list[Note]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as e:
            raise NotesError(f"cannot read {self.path}: {e}") from e
        try:
            data = json.loads(raw)
            return [Note(str(item["text"]), str(item["created"])) for item in data]
        except (ValueError, TypeError, KeyError) as e:
            raise NotesError(
                f"{self.path} is not a JSON list of {{text, created}} objects: {e}"
            ) from e

    def _save(self, notes: list[Note]) -> None:
        text = json.dumps([{"text": n.text, "created": n.created} for n in notes], indent=1)
        try:
            write_text_atomic(self.path, text + "\n")
        except OSError as e:
            raise NotesError(f"cannot save {self.path}: {e}") from e
        _LOGGER.debug("saved %d notes to %s", len(notes), self.path)


def read_back(notes: list[Note]) -> str:
    """The reply listing ``notes``: the latest :data:`MAX_READ_BACK`, oldest first."""
    if not notes:
        return "You have no notes."
    if len(notes) == 1:
        return f"You have 1 note: {notes[0].text}."
    shown = notes[-MAX_READ_BACK:]
    intro = f"You have {len(notes)} notes"
    if len(shown) < len(notes):
        intro += f"; the last {len(shown)} are"
    return f"{intro}: " + "; ".join(n.text for n in shown) + "."
