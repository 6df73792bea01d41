"""Command line: ``assistant transcribe|recognize FILE ...``, ``assistant say TEXT``,
``assistant commands check FILE``, and ``assistant`` alone for the app.

From a checkout it runs as ``scripts/run.sh ...`` (or ``.venv/bin/assistant ...`` once set up).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from assistant import __version__
from assistant.audio.files import load_audio
from assistant.commands.confidence import DEFAULT_SENSITIVITY, SENSITIVITIES, load_calibration
from assistant.commands.confusion import confusable_pairs, sample_sentences
from assistant.commands.errors import GrammarError
from assistant.commands.grammar import BUILTIN_DIR, CommandSet, grammar_files, parse_grammar
from assistant.commands.intents import RecognitionResult, match_text
from assistant.decoding.lexicon import lexicon_graph, read_word_list
from assistant.decoding.words import WordsConfig
from assistant.errors import AssistantError, ModelError, WordListError
from assistant.pipeline import TranscribeOptions, UnderstandOptions, transcribe, understand
from assistant.recognizer import PROVIDER_CHOICES, Recognizer, default_model_path
from assistant.skills.dispatch import NOT_CAUGHT, Skills, SkillsConfig
from assistant.skills.errors import SkillsError
from assistant.speech_out import ENGINE_CHOICES, Speaker

_LOGGER = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FILE_FAILED = 1
EXIT_USAGE = 2
"""Also used for a model that cannot be loaded."""
EXIT_INTERRUPTED = 130

_TRANSCRIBE_EPILOG = """\
output:
  one file:      the text alone on one line
  several files: PATH<TAB>TEXT, one line per file, in the order given
  --json:        one JSON object per line:
                 {"path", "text", "duration_s", "decode_ms", "no_speech"}
A file with no speech in it (silence, noise, a beep) is not transcribed: one file prints
nothing, several files print PATH<TAB> with no text, and --json says "no_speech": true.
A file that cannot be read is reported on stderr and skipped; the exit status is then 1.
A model that cannot be loaded, or a --words file that cannot be used, exits with status 2.
With --words the text is made only of the listed words (dictation with a known vocabulary).
With --common-words a misheard spelling ("somthing", "some thing") gives way to common English
words where the model finds them nearly as likely and they are likelier English; words heard
plainly stay as they are.
"""

_RECOGNIZE_EPILOG = """\
output: one JSON object per line and file, in the order given:
  {"path", "intent", "slots", "confidence", "text"}
intent is null when the command is rejected (silence, not in the grammar, low confidence);
text is then what was heard. Numbers are ints, durations are ints of seconds.
--run also carries out each command and adds "reply": the assistant's answer (timers end
when the command exits).
A file that cannot be read is reported on stderr and skipped; the exit status is then 1.
A model or command grammar that cannot be loaded exits with status 2.
"""

_SAY_EPILOG = f"""\
output: the assistant's reply on one line; with --json one JSON object:
  {{"intent", "slots", "confidence", "text", "reply"}}
Text the commands do not cover is answered "{NOT_CAUGHT}" (intent null).
Programs, notes and volume changes really happen; timers end when the command exits.
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``assistant`` command."""
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Offline push-to-talk voice assistant. Without a command, starts the app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log more to stderr: -v for progress (e.g. the execution provider), -vv for debug",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    transcribe = commands.add_parser(
        "transcribe",
        help="print the text spoken in audio files",
        description="Transcribe audio files (WAV, FLAC, Ogg Vorbis or Opus, MP3, and the other "
        "formats libsndfile reads; any rate, mono or stereo).",
        epilog=_TRANSCRIBE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    transcribe.add_argument(
        "files", nargs="+", metavar="FILE", type=Path, help="audio files to transcribe"
    )
    _add_model_arguments(transcribe)
    transcribe.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per file: path, text, duration_s, decode_ms, no_speech",
    )
    transcribe.add_argument(
        "--words",
        type=Path,
        default=None,
        metavar="FILE",
        help="only these words, in any order: one word or phrase per line, # starts a comment "
        "(default: any spelling)",
    )
    transcribe.add_argument(
        "--common-words",
        action="store_true",
        help="read misheard spellings as common English words where they fit (not with --words)",
    )
    _add_recognize_parser(commands)
    _add_say_parser(commands)
    _add_commands_parser(commands)
    return parser


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"exported ONNX acoustic model (default: the bundled {default_model_path().name})",
    )
    parser.add_argument(
        "--provider",
        choices=PROVIDER_CHOICES,
        default="auto",
        help="where to run the model: auto uses CUDA when onnxruntime offers it, else the CPU "
        "(default: auto)",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=1,
        metavar="N",
        help="onnxruntime intra-op threads (default: 1)",
    )


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _add_recognize_parser(commands: argparse._SubParsersAction) -> None:
    recognize = commands.add_parser(
        "recognize",
        help="print the voice command (intent and slots) spoken in audio files",
        description="Recognise voice commands in audio files (the formats of transcribe) with "
        "the command grammar.",
        epilog=_RECOGNIZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    recognize.add_argument(
        "files", nargs="+", metavar="FILE", type=Path, help="audio files to recognise"
    )
    _add_commands_argument(recognize)
    recognize.add_argument(
        "--threshold",
        type=_probability,
        default=None,
        metavar="P",
        help="reject commands whose confidence is below P (default: the threshold of "
        "--sensitivity)",
    )
    recognize.add_argument(
        "--sensitivity",
        choices=SENSITIVITIES,
        default=DEFAULT_SENSITIVITY,
        help="how readily commands are accepted: strict accepts the fewest wrong ones (0.5 %% "
        "of non-commands on the calibration set and 2 %% of near misses, a slot value off a "
        f"command), normal 2 and 10 %%, loose 5 and 20 %% (default: {DEFAULT_SENSITIVITY})",
    )
    recognize.add_argument(
        "--json",
        action="store_true",
        help="print JSON lines (the only output of recognize; accepted as the other commands "
        "accept it)",
    )
    recognize.add_argument(
        "--run",
        action="store_true",
        help='carry out each recognised command and add its "reply" to the JSON line',
    )
    _add_data_dir_argument(recognize)
    _add_model_arguments(recognize)


def _add_commands_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--commands",
        type=Path,
        action="append",
        default=None,
        metavar="FILE_OR_DIR",
        help="command grammar YAML file or folder; repeat to combine (default: the built-in "
        "commands plus the user's commands folder)",
    )


def _add_data_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of the notes file (default: the user's data folder for 'assistant')",
    )


def _add_say_parser(commands: argparse._SubParsersAction) -> None:
    say = commands.add_parser(
        "say",
        help="carry out a typed command and print the reply",
        description='Understand a typed command, e.g. "what is seven times eight", carry it '
        "out with the built-in skills and print the reply.",
        epilog=_SAY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    say.add_argument("words", nargs="+", metavar="WORD", help="the command, in one or more words")
    _add_commands_argument(say)
    _add_data_dir_argument(say)
    say.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: intent, slots, confidence, text, reply",
    )
    say.add_argument(
        "--speak", action="store_true", help="also say the reply aloud (waits until it is said)"
    )
    say.add_argument(
        "--tts",
        choices=ENGINE_CHOICES,
        default="auto",
        help="speech engine for --speak: auto picks the first installed (default: auto)",
    )


def _add_commands_parser(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser(
        "commands",
        help="work with command grammar files",
        description="Validate command grammar files.",
    )
    actions = group.add_subparsers(dest="commands_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a grammar file and list sentences likely to be confused",
        description="Validate a command grammar (with the built-in lists it may use) and list "
        "pairs of sentences of different intents that are a few letters apart. Errors print "
        "as FILE:LINE: MESSAGE with exit status 1.",
    )
    check.add_argument("file", type=Path, metavar="FILE", help="YAML grammar file or folder")
    check.add_argument(
        "--max-distance",
        type=_positive_int,
        default=2,
        metavar="N",
        help="report sentence pairs at most N letter edits apart (default: 2)",
    )
    check.add_argument(
        "--samples",
        type=_positive_int,
        default=10,
        metavar="N",
        help="random sentences drawn per template to compare (default: 10)",
    )


def _transcribe(args: argparse.Namespace) -> int:
    if args.words is not None and args.common_words:
        print("assistant: --words and --common-words exclude each other", file=sys.stderr)
        return EXIT_USAGE
    as_words = WordsConfig() if args.common_words else None
    words = None
    if args.words is not None:
        try:
            words = lexicon_graph(read_word_list(args.words), loop=True)
        except WordListError as e:
            print(f"assistant: {e}", file=sys.stderr)
            return EXIT_USAGE
    try:
        recognizer = Recognizer(
            args.model, provider=args.provider, intra_op_num_threads=args.threads
        )
    except ModelError as e:
        print(f"assistant: cannot load the model: {e}", file=sys.stderr)
        return EXIT_USAGE
    options = TranscribeOptions(words=words, common_words=as_words)
    status = EXIT_OK
    for path in args.files:
        try:
            audio = load_audio(path, recognizer.info.sample_rate)
            result = transcribe(audio, recognizer, options)
        except AssistantError as e:
            _LOGGER.debug("failed on %s", path, exc_info=True)
            print(f"assistant: skipping {path}: {e}", file=sys.stderr)
            status = EXIT_FILE_FAILED
            continue
        if args.json:
            record = {
                "path": str(path),
                "text": result.text,
                "duration_s": round(result.duration_s, 3),
                "decode_ms": round(result.timings.total_ms, 1),
                "no_speech": not result.speech,
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
        elif len(args.files) > 1:
            print(f"{path}\t{result.text}", flush=True)
        elif result.speech:
            print(result.text, flush=True)
        else:
            _LOGGER.info("%s: no speech heard; nothing to transcribe", path)
    return status


def _load_commands(paths: list[Path] | None) -> CommandSet | None:
    """The command set of ``paths`` (default: built-in and user's); None after reporting.

    As in the app, a file with errors is reported (file:line) and left out; the others load.
    """
    try:
        commands = CommandSet.skipping(paths) if paths else CommandSet.default()
    except GrammarError as e:
        print(f"assistant: cannot load the commands: {e}", file=sys.stderr)
        return None
    for problem in commands.problems:
        print(f"assistant: warning: {problem} (going on without that file)", file=sys.stderr)
    return commands


def _skills(args: argparse.Namespace, commands: CommandSet, speaker: Speaker | None) -> Skills:
    options = {} if args.data_dir is None else {"data_dir": args.data_dir}
    config = SkillsConfig(spoken_replies=speaker is not None, **options)
    return Skills(config, commands, speaker=speaker)


def _run(skills: Skills | None, result: RecognitionResult) -> dict[str, object]:
    """``{"reply": text}`` when ``skills`` runs commands, else nothing."""
    return {} if skills is None else {"reply": skills.handle(result).text}


def _recognize(args: argparse.Namespace) -> int:
    commands = _load_commands(args.commands)
    if commands is None:
        return EXIT_USAGE
    try:
        recognizer = Recognizer(
            args.model, provider=args.provider, intra_op_num_threads=args.threads
        )
    except ModelError as e:
        print(f"assistant: cannot load the model: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        calibration = load_calibration(recognizer.path)
    except AssistantError as e:
        print(f"assistant: cannot load the confidence calibration: {e}", file=sys.stderr)
        return EXIT_USAGE
    options = UnderstandOptions(sensitivity=args.sensitivity, threshold=args.threshold)
    skills = _skills(args, commands, None) if args.run else None
    status = EXIT_OK
    try:
        for path in args.files:
            try:
                audio = load_audio(path, recognizer.info.sample_rate)
                result = understand(
                    audio, recognizer, commands, options, calibration=calibration
                ).result
            except AssistantError as e:
                _LOGGER.debug("failed on %s", path, exc_info=True)
                print(f"assistant: skipping {path}: {e}", file=sys.stderr)
                status = EXIT_FILE_FAILED
                continue
            record = {"path": str(path), **result.to_dict(), **_run(skills, result)}
            print(json.dumps(record, ensure_ascii=False), flush=True)
    finally:
        if skills is not None:
            skills.close()
    return status


def _say(args: argparse.Namespace) -> int:
    commands = _load_commands(args.commands)
    if commands is None:
        return EXIT_USAGE
    speaker = Speaker(args.tts) if args.speak else None
    if speaker is not None and not speaker.available():
        print("assistant: no text-to-speech engine installed; printing only", file=sys.stderr)
    try:
        skills = _skills(args, commands, speaker)
    except SkillsError as e:
        print(f"assistant: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = match_text(" ".join(args.words), commands)
        reply = skills.handle(result)
        if args.json:
            record = {**result.to_dict(), "reply": reply.text}
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(reply.text, flush=True)
        if speaker is not None:
            speaker.wait(timeout=60.0)
    finally:
        skills.close()
        if speaker is not None:
            speaker.close()
    return EXIT_OK


def _check_commands(args: argparse.Namespace) -> int:
    try:
        # The built-in lists are visible to a user file, as when the app loads it.
        builtin = [("builtin", p) for p in grammar_files([BUILTIN_DIR])]
        own = grammar_files([args.file])
        sources = [(str(p), p.read_text(encoding="utf-8")) for _, p in builtin]
        mine = [(str(p), p.read_text(encoding="utf-8")) for p in own]
        lists_only = [(name, _lists_only(text)) for name, text in sources]
        grammar = parse_grammar(lists_only + mine)
        commands = CommandSet(grammar=grammar)
    except GrammarError as e:
        print(str(e), file=sys.stderr)
        return EXIT_FILE_FAILED
    except (OSError, UnicodeDecodeError) as e:
        print(f"{args.file}: cannot read: {e}", file=sys.stderr)
        return EXIT_FILE_FAILED
    templates = grammar.templates
    print(
        f"{args.file}: OK: {len(grammar.intents)} intents, {len(templates)} templates, "
        f"{commands.graph.num_states} automaton states"
    )
    sentences = sample_sentences(grammar, per_template=args.samples)
    pairs = confusable_pairs(sentences, max_distance=args.max_distance)
    for pair in pairs:
        print(
            f"confusable ({pair.distance} edits): {pair.first[0]}: {pair.first[1]!r} ~ "
            f"{pair.second[0]}: {pair.second[1]!r}"
        )
    if not pairs:
        print(f"no sentences of different intents within {args.max_distance} edits")
    return EXIT_OK


def _lists_only(text: str) -> str:
    """The ``lists`` section of a YAML text (intents of built-in files are not checked)."""
    data = yaml.safe_load(text) or {}
    return yaml.safe_dump({"lists": data["lists"]}) if data.get("lists") else ""


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``assistant`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits on --help, --version and usage errors
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    _configure_logging(args.verbose)
    try:
        if args.command == "transcribe":
            return _transcribe(args)
        if args.command == "recognize":
            return _recognize(args)
        if args.command == "say":
            return _say(args)
        if args.command == "commands":
            return _check_commands(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return _run_gui()


def _run_gui() -> int:
    """Start the desktop app; Qt is imported only here."""
    try:
        from assistant.gui.app import run_app
    except ImportError as e:
        print(
            f"assistant: cannot start the app: {e}. Install PySide6-Essentials (and on Linux "
            "the Qt system libraries, e.g. libxcb-cursor0 libxkbcommon-x11-0 libegl1)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return run_app(sys.argv[:1])
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
