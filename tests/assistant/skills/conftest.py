"""Skills wired to fakes: a fixed clock, recorded commands, a temporary data folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest

from assistant.commands.grammar import CommandSet
from assistant.commands.intents import RecognitionResult, match_text
from assistant.skills.dispatch import Reply, Skills, SkillsConfig

FRIDAY_AFTERNOON = datetime(2026, 11, 27, 15, 5, 9)
"""The fixed wall clock of the skills under test."""


class Recorder:
    """Records every argv and URL the skills would run or open."""

    def __init__(self, installed: Sequence[str] = ("pactl", "amixer")) -> None:
        """Pretend the programs in ``installed`` exist."""
        self.installed = set(installed)
        self.runs: list[list[str]] = []
        self.launches: list[list[str]] = []
        self.urls: list[str] = []

    def run(self, argv: Sequence[str]) -> None:
        """The waiting runner."""
        self.runs.append(list(argv))

    def launch(self, argv: Sequence[str]) -> None:
        """The detached launcher."""
        self.launches.append(list(argv))

    def open_url(self, url: str) -> bool:
        """The web-browser opener."""
        self.urls.append(url)
        return True

    def which(self, name: str) -> str | None:
        """Finds only the installed programs."""
        return f"/usr/bin/{name}" if name in self.installed else None


@pytest.fixture
def recorder() -> Recorder:
    """A fresh recorder with pactl and amixer 'installed'."""
    return Recorder()


SkillsFactory = Callable[..., Skills]


@pytest.fixture
def make_skills(
    tmp_path: Path, builtin_commands: CommandSet, recorder: Recorder
) -> Iterator[SkillsFactory]:
    """Factory of skills on fakes; ``speaker`` and SkillsConfig fields as keyword arguments."""
    made: list[Skills] = []

    def factory(speaker: object = None, **config: object) -> Skills:
        options: dict[str, object] = {"data_dir": tmp_path / "data"}
        options.update(config)
        skills = Skills(
            SkillsConfig(**options),  # type: ignore[arg-type]
            builtin_commands,
            now=lambda: FRIDAY_AFTERNOON,
            runner=recorder.run,
            launcher=recorder.launch,
            open_url=recorder.open_url,
            which=recorder.which,
            speaker=speaker,  # type: ignore[arg-type]
        )
        made.append(skills)
        return skills

    yield factory
    for skills in made:
        skills.close()


Say = Callable[[str], Reply]


@pytest.fixture
def say(make_skills: SkillsFactory, builtin_commands: CommandSet) -> Say:
    """Typed text -> reply from one default Skills instance."""
    skills = make_skills()

    def run(text: str) -> Reply:
        result: RecognitionResult = match_text(text, builtin_commands)
        assert result.intent is not None, f"the built-in grammar does not parse {text!r}"
        return skills.handle(result)

    return run
