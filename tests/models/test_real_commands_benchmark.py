"""benchmarks/real_commands.py: a command file written as JSGF for PocketSphinx."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from assistant.commands.grammar import parse_grammar
from models.errors import DataError

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

COMMANDS = """
intents:
  Lights:
    - "(turn | switch) on [the] {room} lights"
  Count:
    - "count to {n:number 1..3}"
    - "say zorblax"
lists:
  room:
    values:
      - "kitchen"
      - in: "living room"
        out: "living_room"
      - "qwertyroom"
"""


@pytest.fixture
def real_commands(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("real_commands")


def test_every_sayable_sentence_becomes_jsgf(real_commands: ModuleType) -> None:
    grammar = parse_grammar([("t.yaml", COMMANDS)])
    unknown = {"zorblax", "qwertyroom"}
    text, missing = real_commands.jsgf_of(grammar, "t", lambda word: word not in unknown)
    assert text == (
        "#JSGF V1.0;\ngrammar t;\npublic <command> = "
        "( ( turn | switch ) on [ ( the ) ] ( ( kitchen ) | ( living room ) ) lights ) "
        "| ( count to ( one | two | three ) );\n"
    )
    assert missing == unknown


def test_a_grammar_with_nothing_sayable_or_only_free_text_is_refused(
    real_commands: ModuleType,
) -> None:
    grammar = parse_grammar([("t.yaml", 'intents:\n  Note:\n    - "note {text:text}"\n')])
    with pytest.raises(DataError, match="no sentence PocketSphinx can say"):
        real_commands.jsgf_of(grammar, "t", lambda word: True)


def test_pocketsphinx_reads_the_grammar(real_commands: ModuleType) -> None:
    pocketsphinx = pytest.importorskip("pocketsphinx")
    decoder = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL")
    grammar = parse_grammar([("t.yaml", COMMANDS)])
    text, _ = real_commands.jsgf_of(grammar, "t", lambda w: decoder.lookup_word(w) is not None)
    decoder.add_jsgf_string("t", text)
    decoder.activate_search("t")
    assert decoder.current_search() == "t"
