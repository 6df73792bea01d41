"""Dispatch, rejection, repeat, stop and spoken replies of :class:`Skills`."""

from __future__ import annotations

import threading

from assistant.commands.intents import RecognitionResult
from assistant.skills.dispatch import NOT_CAUGHT, Reply


class FakeSpeaker:
    """Records what would be said and how often it was stopped."""

    def __init__(self) -> None:
        """Nothing said yet."""
        self.said: list[str] = []
        self.stops = 0
        self.spoke = threading.Event()

    def speak(self, text: str) -> None:
        """Record ``text``."""
        self.said.append(text)
        self.spoke.set()

    def stop(self) -> None:
        """Count a stop."""
        self.stops += 1


def result(intent: str | None, **slots: int | str) -> RecognitionResult:
    """A result of ``intent`` with ``slots``."""
    return RecognitionResult(intent, slots, 1.0 if intent else 0.2, "words")


def test_rejected_command_runs_nothing(make_skills, recorder) -> None:
    skills = make_skills()
    reply = skills.handle(result(None))
    assert reply == Reply(NOT_CAUGHT, None)
    assert (recorder.runs, recorder.launches, recorder.urls) == ([], [], [])


def test_unknown_intent_and_bad_slots_get_a_polite_reply(make_skills) -> None:
    skills = make_skills()
    assert skills.handle(result("OrderPizza")).text == "I don't know how to do that yet."
    bad = skills.handle(result("Calculate", a=1, op="plus"))
    assert (bad.text, bad.intent) == ("Sorry, I couldn't make sense of that.", "Calculate")
    assert skills.handle(result("Calculate", a="one", op="plus", b=2)).text == bad.text
    assert skills.handle(result("Calculate", a=1, op="modulo", b=2)).text == bad.text


def test_repeat_says_the_last_reply_again(make_skills) -> None:
    skills = make_skills()
    assert skills.handle(result("Repeat")).text == "I haven't said anything yet."
    skills.handle(result("GetTime"))
    skills.handle(result(None))  # neither a rejection nor "stop" replaces what is repeated
    skills.handle(result("Stop"))
    first = skills.handle(result("Repeat"))
    second = skills.handle(result("Repeat"))
    assert first == second == Reply("It's 3:05 PM.", "Repeat", data={"repeated": "GetTime"})


def test_stop_silences_the_speaker_and_keeps_timers(make_skills) -> None:
    speaker = FakeSpeaker()
    skills = make_skills(speaker=speaker)
    skills.timers.start(600, "pasta")
    reply = skills.handle(result("Stop"))
    assert (reply.text, reply.speak, speaker.stops) == ("Okay.", False, 1)
    assert [t.name for t in skills.timers.active()] == ["pasta"]


def test_spoken_replies_go_to_the_speaker(make_skills, recorder) -> None:
    recorder.installed = set()
    speaker = FakeSpeaker()
    skills = make_skills(speaker=speaker, spoken_replies=True)
    skills.handle(result("VolumeUp"))
    skills.handle(result("Stop"))  # not spoken
    speaker.spoke.clear()
    skills.timers.start(0.05, "tea")
    assert speaker.spoke.wait(5.0)
    assert speaker.said == ["I can't change the volume on this system.", "Your tea timer is done."]


def test_silent_by_default(make_skills) -> None:
    speaker = FakeSpeaker()
    skills = make_skills(speaker=speaker)
    skills.handle(result("GetTime"))
    assert speaker.said == []


def test_removed_listener_is_not_called(make_skills) -> None:
    skills = make_skills()
    heard: list[Reply] = []
    done = threading.Event()
    skills.add_listener(heard.append)
    skills.remove_listener(heard.append)
    skills.add_listener(lambda reply: done.set())
    skills.timers.start(0.05)
    assert done.wait(5.0)
    assert heard == []


def test_reply_to_dict() -> None:
    reply = Reply("7 times 8 is 56.", "Calculate", data={"result": 56})
    assert reply.to_dict() == {
        "text": "7 times 8 is 56.",
        "intent": "Calculate",
        "speak": True,
        "data": {"result": 56},
    }


def test_user_intents_answer_with_their_reply(tmp_path) -> None:
    from assistant.commands.grammar import BUILTIN_DIR, CommandSet
    from assistant.commands.intents import match_text
    from assistant.skills.dispatch import Skills, SkillsConfig

    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "intents:\n"
        "  Brew:\n"
        "    sentences:\n"
        "      - 'make [me] a {drink} in {duration}'\n"
        "      - 'make [me] a {drink}'\n"
        "    reply: 'Making a {drink} in {duration}.'\n"
        "  Wave: [wave]\n"
        "lists:\n"
        "  drink:\n"
        "    values: [{in: flat white, out: coffee}, tea]\n"
    )
    commands = CommandSet([BUILTIN_DIR, mine])
    skills = Skills(SkillsConfig(data_dir=tmp_path / "data"), commands)
    try:
        reply = skills.handle(match_text("make me a flat white in ten minutes", commands))
        assert (reply.text, reply.intent) == ("Making a coffee in 10 minutes.", "Brew")
        assert reply.data == {"slots": {"drink": "coffee", "duration": 600}}
        assert skills.handle(match_text("make a tea", commands)).text == "Making a tea in."
        assert (
            skills.handle(match_text("wave", commands)).text == "I don't know how to do that yet."
        )
        assert (
            "; make a flat white in ten minutes."
            in skills.handle(match_text("what can i say", commands)).text
        )
    finally:
        skills.close()
