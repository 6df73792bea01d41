"""Command grammars from YAML files in the style of hassil, and the CommandSet compiled from them.

A file holds ``intents`` (name -> list of sentence templates, or ``{sentences: [...], reply:
"..."}``) and ``lists`` (name -> ``{values: [...]}``, a value being a word string or ``{in:
spoken words, out: value}``). A ``reply`` is what the assistant answers to an intent no built-in
skill handles; ``{slot}`` in it is replaced by the slot's value. Every error names the file and
the line of the offending node.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from assistant.commands.compiler import DEFAULT_MAX_STATES, compile_graph
from assistant.commands.courtesy import CLOSING, LEAD_IN
from assistant.commands.errors import GrammarError, TemplateError
from assistant.commands.expression import (
    Alternative,
    Expression,
    Sequence,
    Slot,
    SlotKind,
    Word,
    first_words,
    parse_template,
    slots_of,
    words_of,
)
from assistant.commands.numbers import duration_expression, number_expression
from assistant.decoding.graph import CharGraph
from assistant.paths import config_dir

_LOGGER = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).parent / "builtin"
"""The built-in command files shipped with the package."""


def user_commands_dir() -> Path:
    """The user's command folder: ``commands`` in :func:`assistant.paths.config_dir`."""
    return config_dir() / "commands"


@dataclass(frozen=True)
class ListValue:
    """One entry of a slot list."""

    spoken: tuple[str, ...]
    """The words said, e.g. ``("web", "browser")``."""
    value: str
    """What the slot receives, e.g. ``"firefox"``."""


@dataclass(frozen=True)
class SlotList:
    """A named list of values a ``{slot}`` can take."""

    name: str
    """The list's name in the YAML file."""
    values: tuple[ListValue, ...]
    """Its entries, in file order."""
    file: str
    """The file that defined it."""
    line: int
    """The 1-based line of its definition."""


@dataclass(frozen=True)
class Template:
    """One sentence template of an intent, parsed."""

    intent: str
    """The intent the sentence expresses."""
    text: str
    """The template as written."""
    expression: Expression
    """Its expression tree."""
    file: str
    """The file it comes from."""
    line: int
    """Its 1-based line in that file."""


@dataclass(frozen=True)
class ReplyTemplate:
    """What the assistant answers to an intent, with ``{slot}`` fields."""

    intent: str
    """The intent it answers."""
    text: str
    """The reply as written, e.g. ``"Turning the {room} lights on."``."""
    fields: tuple[str, ...]
    """The slot names it uses, in order."""
    file: str
    """The file it comes from."""
    line: int
    """Its 1-based line in that file."""

    def render(self, values: Mapping[str, object]) -> str:
        """The reply with each field replaced by ``values[field]`` (a missing, optional slot
        leaves nothing, and the spaces around it close up)."""
        parts = []
        for literal, name, _, _ in string.Formatter().parse(self.text):
            parts.append(literal)
            if name is not None:
                parts.append(str(values.get(name, "")))
        return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join("".join(parts).split()))


@dataclass(frozen=True)
class Grammar:
    """Intents with their templates and the lists their slots use."""

    intents: Mapping[str, tuple[Template, ...]]
    """Intent name -> templates, in file order."""
    lists: Mapping[str, SlotList]
    """List name -> list."""
    replies: Mapping[str, ReplyTemplate] = field(default_factory=dict)
    """Intent name -> its reply, for intents whose file gives one."""
    _list_expressions: dict[str, Expression] = field(default_factory=dict, compare=False)

    @property
    def templates(self) -> list[Template]:
        """All templates, intents in order."""
        return [t for templates in self.intents.values() for t in templates]

    def slot_body(self, slot: Slot) -> Expression | None:
        """The expression a slot's words follow; None for free text."""
        if slot.kind is SlotKind.NUMBER:
            return number_expression(slot.low, slot.high)
        if slot.kind is SlotKind.DURATION:
            return duration_expression()
        if slot.kind is SlotKind.TEXT:
            return None
        name = str(slot.list_name)
        if name not in self._list_expressions:
            options = tuple(
                Sequence(tuple(Word(w) for w in v.spoken)) for v in self.lists[name].values
            )
            self._list_expressions[name] = Alternative(options)
        return self._list_expressions[name]

    @cached_property
    def openings(self) -> tuple[tuple[Template, frozenset[str] | None], ...]:
        """Each template (in :attr:`templates` order) with the words its sentences begin with
        (without the words said around every command, :mod:`assistant.commands.courtesy`);
        None where that may be any word."""
        return tuple((t, first_words(t.expression, self.slot_body)) for t in self.templates)

    def list_value(self, slot: Slot, words: tuple[str, ...]) -> str:
        """The ``out`` value of the list entry spoken as ``words``; raises KeyError."""
        for entry in self.lists[str(slot.list_name)].values:
            if entry.spoken == words:
                return entry.value
        raise KeyError(f"{' '.join(words)!r} is not in list {slot.list_name!r}")


# --- YAML with line numbers -------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _compose(text: str, file: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise GrammarError(file, line, f"YAML syntax error: {e.problem or e}") from e
    except yaml.YAMLError as e:
        raise GrammarError(file, None, f"YAML error: {e}") from e


def _mapping(node: yaml.Node, file: str, what: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise GrammarError(file, _line(node), f"{what} must be a mapping")
    pairs = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise GrammarError(file, _line(key), f"keys of {what} must be plain names")
        pairs.append((key, value))
    return pairs


def _scalar(node: yaml.Node, file: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise GrammarError(file, _line(node), f"{what} must be a non-empty string")
    return str(node.value)


def _parse_list(name: str, node: yaml.Node, file: str) -> SlotList:
    if isinstance(node, yaml.MappingNode):
        pairs = {key.value: value for key, value in _mapping(node, file, f"list {name!r}")}
        unknown = sorted(set(pairs) - {"values"})
        if unknown:
            raise GrammarError(file, _line(node), f"list {name!r}: unknown key {unknown[0]!r}")
        if "values" not in pairs:
            raise GrammarError(file, _line(node), f"list {name!r} has no 'values'")
        node = pairs["values"]
    if not isinstance(node, yaml.SequenceNode):
        raise GrammarError(file, _line(node), f"list {name!r}: values must be a YAML list")
    if not node.value:
        raise GrammarError(file, _line(node), f"list {name!r} is empty")
    values = []
    for item in node.value:
        if isinstance(item, yaml.MappingNode):
            pairs = {key.value: value for key, value in _mapping(item, file, "a list value")}
            if set(pairs) != {"in", "out"}:
                raise GrammarError(
                    file,
                    _line(item),
                    f"list {name!r}: a value mapping needs exactly 'in' and 'out'",
                )
            spoken_text = _scalar(pairs["in"], file, "'in'")
            value = _scalar(pairs["out"], file, "'out'")
        else:
            spoken_text = value = _scalar(item, file, f"a value of list {name!r}")
        try:
            spoken = words_of(spoken_text, f"list {name!r} value")
        except TemplateError as e:
            raise GrammarError(file, _line(item), str(e)) from e
        if not spoken:
            raise GrammarError(file, _line(item), f"list {name!r} has a value with no words")
        values.append(ListValue(spoken, value))
    return SlotList(name, tuple(values), file, _line(node))


@dataclass(frozen=True)
class _RawTemplate:
    intent: str
    text: str
    file: str
    line: int


_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,;:!?])")


def _reply_fields(text: str, file: str, line: int, intent: str) -> tuple[str, ...]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as e:
        raise GrammarError(file, line, f"reply of {intent}: {e} (in {text!r})") from e
    fields = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _FIELD.match(name) or spec or conversion:
            raise GrammarError(
                file, line, f"reply of {intent}: {{{name}}} is not a slot name (in {text!r})"
            )
        fields.append(name)
    return tuple(fields)


@dataclass
class _FileContents:
    templates: list[_RawTemplate] = field(default_factory=list)
    lists: dict[str, SlotList] = field(default_factory=dict)
    intent_order: list[str] = field(default_factory=list)
    replies: dict[str, ReplyTemplate] = field(default_factory=dict)


def _parse_file(text: str, file: str) -> _FileContents:
    root = _compose(text, file)
    contents = _FileContents()
    templates, lists, intent_order = contents.templates, contents.lists, contents.intent_order
    if root is None:
        return contents
    for key, value in _mapping(root, file, "the file"):
        if key.value == "lists":
            for name_node, list_node in _mapping(value, file, "'lists'"):
                lists[name_node.value] = _parse_list(name_node.value, list_node, file)
        elif key.value == "intents":
            for name_node, sentences in _mapping(value, file, "'intents'"):
                intent = name_node.value
                if isinstance(sentences, yaml.MappingNode):
                    found = {}
                    for k, v in _mapping(sentences, file, intent):
                        if k.value not in ("sentences", "reply"):
                            raise GrammarError(
                                file,
                                _line(k),
                                f"intent {intent}: unknown key {k.value!r}: expected "
                                "'sentences' or 'reply'",
                            )
                        found[k.value] = v
                    if "sentences" not in found:
                        raise GrammarError(file, _line(sentences), f"{intent} has no 'sentences'")
                    if "reply" in found:
                        node = found["reply"]
                        reply = _scalar(node, file, f"the reply of {intent}")
                        fields = _reply_fields(reply, file, _line(node), intent)
                        contents.replies[intent] = ReplyTemplate(
                            intent, reply, fields, file, _line(node)
                        )
                    sentences = found["sentences"]
                if not isinstance(sentences, yaml.SequenceNode) or not sentences.value:
                    raise GrammarError(
                        file, _line(sentences), f"intent {intent}: expected a list of sentences"
                    )
                intent_order.append(intent)
                for item in sentences.value:
                    template = _scalar(item, file, f"a sentence of {intent}")
                    templates.append(_RawTemplate(intent, template, file, _line(item)))
        else:
            raise GrammarError(
                file, _line(key), f"unknown key {key.value!r}: expected 'intents' or 'lists'"
            )
    return contents


def parse_grammar(sources: Iterable[tuple[str, str]]) -> Grammar:
    """Grammar of ``(file name, YAML text)`` pairs; later lists replace earlier ones."""
    raw: list[_RawTemplate] = []
    lists: dict[str, SlotList] = {}
    order: list[str] = []
    replies: dict[str, ReplyTemplate] = {}
    for file, text in sources:
        contents = _parse_file(text, file)
        for name, slot_list in contents.lists.items():
            if name in lists:
                _LOGGER.info("%s:%d replaces list %r", file, slot_list.line, name)
            lists[name] = slot_list
        raw.extend(contents.templates)
        order.extend(i for i in contents.intent_order if i not in order)
        replies.update(contents.replies)
    by_intent: dict[str, list[Template]] = {name: [] for name in order}
    for item in raw:
        try:
            expression = parse_template(item.text, lists.keys())
        except TemplateError as e:
            raise GrammarError(item.file, item.line, f"{e} (in {item.text!r})") from e
        by_intent[item.intent].append(
            Template(item.intent, item.text, expression, item.file, item.line)
        )
    for intent, reply in replies.items():
        slot_names = {s.name for t in by_intent[intent] for s in slots_of(t.expression)}
        unknown = [name for name in reply.fields if name not in slot_names]
        if unknown:
            has = ", ".join(sorted(slot_names)) or "no slots"
            raise GrammarError(
                reply.file,
                reply.line,
                f"reply of {intent} uses {{{unknown[0]}}}, but its sentences have {has}",
            )
    return Grammar({k: tuple(v) for k, v in by_intent.items()}, lists, replies)


def grammar_files(paths: Iterable[str | Path]) -> list[Path]:
    """YAML files of ``paths``: files as given, folders as their sorted ``*.yaml``/``*.yml``."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            files.append(path)
        else:
            raise GrammarError(path, None, "no such file or folder")
    return files


def load_grammar(paths: Iterable[str | Path]) -> Grammar:
    """Grammar of the YAML files and folders in ``paths``."""
    sources = []
    for file in grammar_files(paths):
        try:
            sources.append((str(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as e:
            raise GrammarError(file, None, f"cannot read: {e}") from e
    return parse_grammar(sources)


def load_grammar_skipping(
    paths: Iterable[str | Path],
) -> tuple[Grammar, tuple[GrammarError, ...]]:
    """Grammar of the files and folders in ``paths`` without the files that have errors, and
    those errors (each names its file and line).

    One broken file of the user's must not take the other commands with it: a file is left
    out for its own mistakes and for a sentence that uses a list no remaining file defines.
    Raises the first error when no file is left, or an error that names no file.
    """
    problems: list[GrammarError] = []
    files: list[Path] = []
    for path in paths:
        try:
            files.extend(grammar_files([path]))
        except GrammarError as e:
            problems.append(e)
    sources = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
            _parse_file(text, str(file))  # the file's own mistakes, before it joins the others
        except (OSError, UnicodeDecodeError) as e:
            problems.append(GrammarError(file, None, f"cannot read: {e}"))
            continue
        except GrammarError as e:
            problems.append(e)
            continue
        sources.append((str(file), text))
    while sources:
        try:
            return parse_grammar(sources), tuple(problems)
        except GrammarError as e:  # a mistake across files: leave out the file it names
            if e.file not in {name for name, _ in sources}:
                raise
            problems.append(e)
            sources = [(name, text) for name, text in sources if name != e.file]
    if problems:
        raise problems[0]
    raise GrammarError(None, None, "no command files given")


class CommandSet:
    """A grammar loaded from files and its compiled automaton."""

    def __init__(
        self,
        paths: Iterable[str | Path] = (),
        *,
        grammar: Grammar | None = None,
        max_states: int = DEFAULT_MAX_STATES,
        problems: tuple[GrammarError, ...] = (),
    ) -> None:
        """Load ``paths`` (or use ``grammar``) and compile it; raises GrammarError."""
        self.paths = [Path(p) for p in paths]
        self.max_states = max_states
        self.problems = problems
        """Files left out for their errors (see :meth:`skipping`); empty when all loaded."""
        self._grammar = grammar if grammar is not None else load_grammar(self.paths)
        self._graph = compile_graph(
            [t.expression for t in self._grammar.templates],
            self._grammar.slot_body,
            max_states,
            lead_in=LEAD_IN,
            closing=CLOSING,
        )

    @classmethod
    def from_yaml(
        cls, text: str, name: str = "<string>", *, max_states: int = DEFAULT_MAX_STATES
    ) -> CommandSet:
        """Command set of one YAML text (handy in tests and for typed grammars)."""
        return cls(grammar=parse_grammar([(name, text)]), max_states=max_states)

    @classmethod
    def skipping(
        cls, paths: Iterable[str | Path], *, max_states: int = DEFAULT_MAX_STATES
    ) -> CommandSet:
        """Load ``paths`` leaving out the files that have errors (listed in :attr:`problems`);
        raises GrammarError when none is left (see :func:`load_grammar_skipping`)."""
        paths = [Path(p) for p in paths]
        grammar, problems = load_grammar_skipping(paths)
        for problem in problems:
            _LOGGER.info("left out a command file: %s", problem)
        return cls(paths, grammar=grammar, max_states=max_states, problems=problems)

    @classmethod
    def default(cls) -> CommandSet:
        """Built-in commands plus the user's folder when it exists; a broken file of the
        user's is left out (see :attr:`problems`)."""
        paths = [BUILTIN_DIR]
        user_dir = user_commands_dir()
        if user_dir.is_dir():
            paths.append(user_dir)
        return cls.skipping(paths)

    @property
    def grammar(self) -> Grammar:
        """The current grammar."""
        return self._grammar

    @property
    def graph(self) -> CharGraph:
        """The current compiled automaton."""
        return self._graph
