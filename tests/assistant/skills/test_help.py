"""Help lists one example per intent, taken from the grammar."""

from __future__ import annotations

from assistant.commands.grammar import CommandSet
from assistant.commands.intents import RecognitionResult, match_text
from assistant.skills.help import example_sentence, help_reply


def test_builtin_help_lists_one_parsable_example_per_intent(make_skills, builtin_commands) -> None:
    skills = make_skills()
    reply = skills.handle(RecognitionResult("Help", {}, 1.0, "help"))
    assert reply.text.startswith("You can say: what time is it; what day is it; set a timer")
    examples = reply.text.removeprefix("You can say: ").removesuffix(".").split("; ")
    intents = [match_text(e, builtin_commands).intent for e in examples]
    assert intents == [i for i in skills.intents if i != "Help"]


def test_examples_come_from_a_user_grammar() -> None:
    commands = CommandSet.from_yaml(
        "intents:\n"
        "  GetTime: ['(tell | give) me [the] time [please]']\n"
        "  Water: ['water the {plant} in {minutes:number 5..60} minutes [saying {m:text}]']\n"
        "lists:\n  plant: {values: [fern, {in: 'big cactus', out: cactus}]}\n"
    )
    grammar = commands.grammar
    assert example_sentence("GetTime", grammar) == "tell me time"
    assert example_sentence("Water", grammar) == "water the fern in seven minutes"
    assert example_sentence("Missing", grammar) is None
    assert help_reply(grammar) == "You can say: tell me time; water the fern in seven minutes."
    assert help_reply(grammar, []) == "I don't know any commands yet."
