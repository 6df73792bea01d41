"""Command files that are wrong: only GrammarError, naming file and line, never a crash.

Syntax errors, unknown slot types, empty lists and the automaton size limit are covered in
tests/assistant/commands/test_grammar.py; this adds files on disk, deep nesting, and what a
cycle could be in this grammar.

Cycles: a template refers only to lists (``{app}``) and built-in slot types; a list holds
plain words, never a slot or a template, and there are no named rules that templates could
refer to. So no definition can refer back to itself, and the only repetition is free text.
The tests below pin that: a list entry written as a slot is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.commands.errors import GrammarError, GrammarTooLargeError
from assistant.commands.expression import MAX_NESTING
from assistant.commands.grammar import CommandSet, load_grammar, parse_grammar

BIG = "intents:\n  Pay: ['pay {a:number 0..999999} to {b:number 0..999999}']\n"


def grammar_error(text: str) -> GrammarError:
    with pytest.raises(GrammarError) as caught:
        CommandSet.from_yaml(text, "cmds.yaml")
    return caught.value


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("intents:\n  A: ['open {app}']\nlists:\n  app: ['{app}']\n", 4, "cannot say: '{}'"),
        (
            "intents:\n  A: ['open {app}']\nlists:\n  app:\n    values:\n"
            "      - {in: '{app} now', out: x}\n",
            6,
            "cannot say",
        ),
        ("intents:\n  A: ['open {A}']\n", 2, "unknown list 'A'"),
        ("intents:\n  A: ['(' ]\n", 2, "unbalanced bracket"),
        ("intents:\n  A: ['{}']\n", 2, "bad slot name"),
        ("intents:\n  A: ['{x:number 1..2 3}']\n", 2, "bad range"),
        ("intents:\n  A: ['{x:text extra}']\n", 2, "takes no arguments"),
        ("lists:\n  app:\n    values: {a: b}\n", 3, "values must be a YAML list"),
        ("intents:\n  A:\n    - go\n    - 7\n", 4, "write numbers in words"),
        ("\t- tab", 1, "YAML syntax error"),
    ],
)
def test_cycles_and_other_mistakes_name_file_and_line(text: str, line: int, message: str) -> None:
    error = grammar_error(text)
    assert (error.file, error.line) == ("cmds.yaml", line)
    assert message in error.message


def test_nesting_beyond_the_limit_is_a_grammar_error_not_a_recursion_error() -> None:
    deep = "(" * 2000 + "go" + ")" * 2000
    error = grammar_error(f"intents:\n  A: ['{deep}']\n")
    assert error.line == 2
    assert f"brackets nested more than {MAX_NESTING} deep" in error.message
    fine = "[" * MAX_NESTING + "go" + "]" * MAX_NESTING
    assert CommandSet.from_yaml(f"intents:\n  A: ['{fine} home']\n").graph.accepts("go home")


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("intents:\n  A: [caf\xe9]\n".encode("latin-1"))
    with pytest.raises(GrammarError, match=r"latin1\.yaml: cannot read"):
        load_grammar([path])
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert parse_grammar([(str(empty), "")]).intents == {}


def test_too_large_a_grammar_in_a_file_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cmds.yaml"
    path.write_text(BIG)
    with pytest.raises(GrammarTooLargeError, match="more than 500 automaton states"):
        CommandSet([path], max_states=500)


def test_commands_check_reports_syntax_errors_with_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("intents:\n  A:\n    - 'open {thing:colour}'\n")
    assert main(["commands", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:3: unknown slot type 'colour'")
