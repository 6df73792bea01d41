"""YAML command grammars: templates, lists, slot types, and errors with their line numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.commands.errors import GrammarError, GrammarTooLargeError
from assistant.commands.expression import (
    EMPTY,
    Alternative,
    Sequence,
    Slot,
    SlotKind,
    Word,
    parse_template,
)
from assistant.commands.grammar import (
    BUILTIN_DIR,
    CommandSet,
    ListValue,
    load_grammar,
    parse_grammar,
)
from assistant.commands.matcher import parse_text

EXAMPLE = """\
intents:
  SetTimer:
    - "set [a] timer for {duration}"
    - "(start | begin) a {minutes:number 1..120} minute timer [called {name:text}]"
  OpenApp:
    - "open {app}"
lists:
  app: {values: [firefox, {in: "web browser", out: firefox}, terminal]}
"""


def grammar_error(text: str) -> GrammarError:
    """The error parsing ``text`` raises."""
    with pytest.raises(GrammarError) as caught:
        parse_grammar([("cmds.yaml", text)])
    return caught.value


def test_example_parses_to_templates_and_lists() -> None:
    grammar = parse_grammar([("cmds.yaml", EXAMPLE)])
    assert list(grammar.intents) == ["SetTimer", "OpenApp"]
    first, second = grammar.intents["SetTimer"]
    assert (first.file, first.line, second.line) == ("cmds.yaml", 3, 4)
    assert first.expression == Sequence(
        (
            Word("set"),
            Alternative((Word("a"), EMPTY)),
            Word("timer"),
            Word("for"),
            Slot("duration", SlotKind.DURATION),
        )
    )
    assert grammar.lists["app"].values == (
        ListValue(("firefox",), "firefox"),
        ListValue(("web", "browser"), "firefox"),
        ListValue(("terminal",), "terminal"),
    )


def test_openings_are_the_first_words_of_each_template() -> None:
    extra = EXAMPLE.replace(
        "lists:",
        """\
  Note:
    - "{text:text}"
    - "[please] [now] {n:number 2..3}"
    - "{app} now"
lists:""",
    )
    grammar = parse_grammar([("cmds.yaml", extra)])
    openings = [first for _, first in grammar.openings]
    assert openings[:3] == [
        frozenset({"set"}),
        frozenset({"start", "begin"}),
        frozenset({"open"}),
    ]
    assert openings[3] is None  # free text may begin with any word
    assert openings[4] == frozenset({"please", "now", "two", "three"})
    assert openings[5] == frozenset({"firefox", "web", "terminal"})  # a list's first words


def test_matching_skips_templates_by_first_word_and_still_matches_after_lead_in() -> None:
    grammar = parse_grammar([("cmds.yaml", EXAMPLE)])
    for text, intent in (
        ("um please open web browser", "OpenApp"),
        ("uh begin a five minute timer please", "SetTimer"),
        ("please set timer for two minutes", "SetTimer"),
    ):
        found = parse_text(text, grammar)
        assert found is not None and found.intent == intent
    assert parse_text("um timer for two minutes", grammar) is None


def test_template_syntax() -> None:
    expression = parse_template("(start | begin) a {minutes:number 1..120} [please | now]")
    assert expression == Sequence(
        (
            Alternative((Word("start"), Word("begin"))),
            Word("a"),
            Slot("minutes", SlotKind.NUMBER, low=1, high=120),
            Alternative((Word("please"), Word("now"), EMPTY)),
        )
    )
    assert parse_template("note {x:text}") == Sequence((Word("note"), Slot("x", SlotKind.TEXT)))
    assert parse_template("Hello, World!") == Sequence((Word("hello"), Word("world")))
    assert parse_template("{d:app}", ["app"]) == Slot("d", SlotKind.LIST, list_name="app")


@pytest.mark.parametrize(
    ("yaml_text", "line", "message"),
    [
        ("intents:\n  A:\n    - 'go (home'\n", 3, "unbalanced bracket"),
        ("intents:\n  A:\n    - ok\n    - 'go home]'\n", 4, "unbalanced"),
        ("intents:\n  A:\n    - 'go {place'\n", 3, "unbalanced bracket"),
        ("intents:\n  A:\n\n    - 'open {drink}'\n", 4, "unknown list 'drink'"),
        ("intents:\n  A:\n    - 'open {x:colour}'\n", 3, "unknown slot type 'colour'"),
        ("intents:\n  A:\n    - 'note {x:text} please'\n", 3, "must end the sentence"),
        ("intents:\n  A:\n    - 'note {x:text} [please]'\n", 3, "must end the sentence"),
        ("intents:\n  A:\n    - 'wait {n:number 9..3}'\n", 3, "bad range 9..3"),
        ("intents:\n  A:\n    - 'wait {n:number 1..2000000}'\n", 3, "bad range"),
        ("intents:\n  A:\n    - 'wait {n:number}'\n", 3, "bad range"),
        ("intents:\n  A:\n    - 'wait {n:number one..two}'\n", 3, "bad range"),
        ("intents:\n  A:\n    - 'wait 5 minutes'\n", 3, "write numbers in words"),
        ("intents:\n  A:\n    - '[maybe]'\n", 3, "no words at all"),
        ("intents:\n  A:\n    - go\nlists:\n  app:\n    values: []\n", 6, "list 'app' is empty"),
        ("lists:\n  app:\n    values:\n      - {in: x}\n", 4, "exactly 'in' and 'out'"),
        ("intents:\n  A:\n    - go\n  B: []\n", 4, "expected a list of sentences"),
        ("intents:\n  A: [go]\nextra: 1\n", 3, "unknown key 'extra'"),
        ("intents:\n  A:\n    - 'go\n", 4, "YAML syntax error"),
        ("intents:\n  A:\n  - go\n - stop\n", 4, "YAML syntax error"),
        ("intents:\n  A:\n    sentences: [go]\n    reply: 'ok {b}'\n", 4, "uses {b}, but"),
        ("intents:\n  A:\n    sentences: [go]\n    reply: 'ok {b'\n", 4, "reply of A"),
        (
            "intents:\n  A:\n    sentences: ['go {n:number 1..3}']\n    reply: '{n:>3}'\n",
            4,
            "not a slot name",
        ),
        ("intents:\n  A:\n    sentences: [go]\n    reply: [a, b]\n", 4, "the reply of A"),
        (
            "intents:\n  A:\n    sentences: [go]\n    answer: hi\n",
            4,
            "expected 'sentences' or 'reply'",
        ),
    ],
)
def test_errors_name_file_line_and_problem(yaml_text: str, line: int, message: str) -> None:
    error = grammar_error(yaml_text)
    assert (error.file, error.line) == ("cmds.yaml", line)
    assert message in error.message
    assert str(error).startswith(f"cmds.yaml:{line}: ")


def test_error_is_an_assistant_error() -> None:
    from assistant.errors import AssistantError

    assert isinstance(grammar_error("intents: 3"), AssistantError)


def test_lists_defined_in_another_file_and_later_files_replace_lists() -> None:
    grammar = parse_grammar(
        [
            ("a.yaml", "intents:\n  Open: ['open {app}']\nlists:\n  app: [firefox]\n"),
            ("b.yaml", "lists:\n  app: [terminal, editor]\n"),
        ]
    )
    assert [v.value for v in grammar.lists["app"].values] == ["terminal", "editor"]


def test_load_grammar_from_folder_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("intents:\n  A: [go]\n")
    (tmp_path / "two.yml").write_text("intents:\n  B: [stop]\n  A: [run]\n")
    (tmp_path / "notes.txt").write_text("not yaml: [")
    grammar = load_grammar([tmp_path])
    assert {k: [t.text for t in v] for k, v in grammar.intents.items()} == {
        "A": ["go", "run"],
        "B": ["stop"],
    }
    with pytest.raises(GrammarError, match="no such file"):
        load_grammar([tmp_path / "missing.yaml"])


def test_builtin_grammar_has_the_required_intents() -> None:
    grammar = load_grammar([BUILTIN_DIR])
    assert set(grammar.intents) == {
        "GetTime",
        "GetDate",
        "SetTimer",
        "CancelTimer",
        "ListTimers",
        "Calculate",
        "OpenApp",
        "VolumeUp",
        "VolumeDown",
        "Mute",
        "AddNote",
        "ReadNotes",
        "TellJoke",
        "Help",
        "Stop",
        "Repeat",
    }


def test_big_number_grammar_compiles_small() -> None:
    text = "intents:\n  Pay: ['pay {a:number 0..999999} to {b:number 0..999999}']\n"
    commands = CommandSet.from_yaml(text)
    assert commands.graph.accepts(
        "pay nine hundred and ninety nine thousand nine hundred ninety nine to zero"
    )
    assert not commands.graph.accepts("pay one million to zero")
    assert commands.graph.num_states < 20_000


def test_automaton_size_limit_raises_a_clear_error() -> None:
    text = "intents:\n  Pay: ['pay {a:number 0..999999} to {b:number 0..999999}']\n"
    with pytest.raises(GrammarTooLargeError, match="more than 500 automaton states"):
        CommandSet.from_yaml(text, max_states=500)


def test_replies_are_parsed_and_render_slot_values() -> None:
    grammar = parse_grammar(
        [
            (
                "mine.yaml",
                "intents:\n"
                "  Lights:\n"
                "    sentences:\n"
                "      - 'turn (on | off) the {room} lights'\n"
                "      - 'lights [in the {room}] please'\n"
                "    reply: 'Okay, the {room} lights.'\n"
                "  Plain: [hello]\n"
                "lists:\n"
                "  room:\n"
                "    values: [kitchen, {in: living room, out: lounge}]\n",
            )
        ]
    )
    reply = grammar.replies["Lights"]
    assert (reply.fields, reply.file, reply.line) == (("room",), "mine.yaml", 6)
    assert reply.render({"room": "lounge"}) == "Okay, the lounge lights."
    assert reply.render({}) == "Okay, the lights."  # an optional slot not said closes up
    assert replace(reply, text="In {room}, done.").render({}) == "In, done."
    assert "Plain" not in grammar.replies
