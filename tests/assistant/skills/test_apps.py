"""Opening programs and web pages only from the allow-list, never through a shell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from assistant.commands.grammar import CommandSet
from assistant.commands.intents import RecognitionResult
from assistant.skills.apps import AppLauncher, default_apps
from assistant.skills.dispatch import Reply, Skills, SkillsConfig
from assistant.skills.errors import SkillsConfigError

Say = Callable[[str], Reply]
SHELLS = {"sh", "bash", "zsh", "cmd", "cmd.exe", "powershell", "powershell.exe", "/bin/sh"}


def test_allow_listed_app_starts_with_its_configured_argv(say: Say, recorder) -> None:
    reply = say("open the web browser")
    assert (reply.text, reply.data) == ("Opening firefox.", {"app": "firefox"})
    assert recorder.launches == [list(default_apps()["firefox"])]


def test_unknown_app_runs_nothing(make_skills, recorder) -> None:
    skills = make_skills(apps={"editor": ["gedit"]}, urls={})
    reply = skills.handle(
        RecognitionResult("OpenApp", {"app": "calculator"}, 1.0, "open calculator")
    )
    assert reply.text == "Calculator isn't in your list of apps."
    assert (recorder.launches, recorder.urls) == ([], [])


def test_urls_open_in_the_browser() -> None:
    opened: list[str] = []
    launcher = AppLauncher(
        {}, {"Wikipedia": "https://www.wikipedia.org/"}, launcher=_fail, open_url=_record(opened)
    )
    assert launcher.open("wikipedia") == "Opening wikipedia."
    assert opened == ["https://www.wikipedia.org/"]


def test_a_program_that_cannot_start_is_reported() -> None:
    launcher = AppLauncher({"editor": ["no-such-editor"]}, {}, launcher=_fail, open_url=_record([]))
    assert launcher.open("editor") == "I couldn't start editor."


def test_spoken_words_never_reach_the_argv(builtin_commands: CommandSet, tmp_path) -> None:
    launches: list[list[str]] = []
    skills = Skills(
        SkillsConfig(data_dir=tmp_path, apps={"files; rm -rf ~": ["true"]}),
        builtin_commands,
        now=lambda: datetime(2026, 1, 1),
        launcher=lambda argv: launches.append(list(argv)),
    )
    reply = skills.handle(RecognitionResult("OpenApp", {"app": "files; rm -rf ~"}, 1.0, "x"))
    assert (reply.text, launches) == ("Opening files; rm -rf ~.", [["true"]])


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_default_allow_lists_are_argv_lists_without_shells(platform: str) -> None:
    apps = default_apps(platform)
    assert {"files", "editor", "calculator", "settings"} <= set(apps)
    for argv in apps.values():
        assert argv and all(isinstance(a, str) for a in argv)
        assert argv[0] not in SHELLS
        assert "-c" not in argv and "/c" not in argv


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("apps", {"editor": "gedit --new"}, r"apps\['editor'\] must be a non-empty list"),
        ("apps", {"editor": []}, r"apps\['editor'\] must be a non-empty list"),
        ("urls", {"bad": "file:///etc/passwd"}, r"urls\['bad'\] must be an http\(s\) URL"),
    ],
)
def test_config_rejects_bad_allow_lists(field: str, value: object, message: str) -> None:
    with pytest.raises(SkillsConfigError, match=message):
        SkillsConfig(**{field: value})  # type: ignore[arg-type]


def test_config_copies_the_allow_list(tmp_path) -> None:
    apps = {"editor": ["gedit"]}
    config = SkillsConfig(data_dir=tmp_path, apps=apps)
    apps["terminal"] = ["xterm"]
    apps["editor"].append("--evil")
    assert dict(config.apps) == {"editor": ("gedit",)}


def _fail(argv) -> None:
    raise FileNotFoundError(2, "No such file or directory", argv[0])


def _record(opened: list[str]) -> Callable[[str], bool]:
    def open_url(url: str) -> bool:
        opened.append(url)
        return True

    return open_url
