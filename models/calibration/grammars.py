"""The grammars the calibration set is recognised under, rebuilt from names and manifest rows."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from assistant.commands.grammar import CommandSet
from models.data.command_texts import command_set
from models.data.manifests import Utterance
from models.errors import DataError

EVERYDAY_DOMAINS = ("home", "music", "weather", "shopping", "calls", "reminders")
"""Loaded with the built-in commands, as a user's own command files would be."""
OTHER_DOMAINS = ("cooking", "navigation")
"""Not loaded: their commands are requests the assistant does not know, to be rejected."""
GSC_COMMAND_WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
"""Speech Commands' ten command words, each its own intent; its 25 other words are not."""
WAKE_WORDS = ("operator", "think engine", "onward", "wildfire", "voyager")
"""wuw_corpus_ii's five wake words."""
SO762_GRAMMAR_SIZE = 200
"""Read sentences of speechocean762 ``test`` in its sentence grammar."""
GRAMMARS_DIR = "grammars"
"""The folder of a calibration set that holds its own command files (``NAME.yaml``)."""


def everyday_commands() -> CommandSet:
    """The built-in commands and :data:`EVERYDAY_DOMAINS`."""
    return command_set(EVERYDAY_DOMAINS)


def so762_sentences(utterances: Sequence[Utterance], seed: int) -> list[str]:
    """:data:`SO762_GRAMMAR_SIZE` distinct transcripts of ``utterances``, drawn by ``seed``."""
    texts = sorted({u.transcript for u in utterances})
    random.Random(seed).shuffle(texts)
    return texts[:SO762_GRAMMAR_SIZE]


def _yaml_list(values: Sequence[str]) -> str:
    return "".join(f'\n      - "{v}"' for v in values)


def gsc10_commands() -> CommandSet:
    """Ten one-word intents (``Yes``, ``No``, ...), as a user would write them."""
    intents = "".join(f'\n  {w.capitalize()}:\n    - "{w}"' for w in GSC_COMMAND_WORDS)
    return CommandSet.from_yaml(f"intents:{intents}\n")


def wake5_commands() -> CommandSet:
    """One intent ``Wake`` whose slot ``word`` is one of the five wake words."""
    words = _yaml_list(WAKE_WORDS)
    return CommandSet.from_yaml(
        f'intents:\n  Wake:\n    - "{{word}}"\nlists:\n  word:\n    values:{words}\n'
    )


def so762_commands(sentences: Sequence[str]) -> CommandSet:
    """One intent ``Sentence`` whose slot ``sentence`` is one of ``sentences``."""
    return CommandSet.from_yaml(
        f'intents:\n  Sentence:\n    - "{{sentence}}"\nlists:\n  sentence:\n'
        f"    values:{_yaml_list(sentences)}\n"
    )


def grammars_of(
    rows: Sequence[Mapping[str, str]], folder: Path | None = None
) -> dict[str, CommandSet]:
    """Grammar name -> commands, for every grammar the manifest ``rows`` name; names other
    than the built ones are command files in the set's ``folder`` (:data:`GRAMMARS_DIR`)."""
    names = {row["grammar"] for row in rows}
    found: dict[str, CommandSet] = {}
    for name in sorted(names):
        if name == "everyday":
            found[name] = everyday_commands()
        elif name == "gsc10":
            found[name] = gsc10_commands()
        elif name == "wake5":
            found[name] = wake5_commands()
        elif name == "so762":
            sentences = sorted(
                {r["transcript"] for r in rows if r["grammar"] == name and r["intent"]}
            )
            found[name] = so762_commands(sentences)
        elif folder is not None and (folder / GRAMMARS_DIR / f"{name}.yaml").is_file():
            path = folder / GRAMMARS_DIR / f"{name}.yaml"
            found[name] = CommandSet.from_yaml(path.read_text(encoding="utf-8"), str(path))
        else:
            raise DataError(f"calibration manifest names an unknown grammar {name!r}")
    return found
