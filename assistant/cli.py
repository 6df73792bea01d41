"""Command line: ``assistant transcribe FILE ...`` (and, later, ``assistant`` alone for the GUI)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant import __version__
from assistant.audio.files import load_audio
from assistant.errors import AssistantError, ModelError
from assistant.recognizer import PROVIDER_CHOICES, Recognizer, default_model_path

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
  --json:        one JSON object per line: {"path", "text", "duration_s", "decode_ms"}
A file that cannot be read is reported on stderr and skipped; the exit status is then 1.
A model that cannot be loaded exits with status 2.
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``assistant`` command."""
    parser = argparse.ArgumentParser(
        prog="assistant", description="Offline push-to-talk voice assistant."
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
        description="Transcribe audio files (WAV, FLAC, Ogg; any rate, mono or stereo).",
        epilog=_TRANSCRIBE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    transcribe.add_argument(
        "files", nargs="+", metavar="FILE", type=Path, help="audio files to transcribe"
    )
    transcribe.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"exported ONNX acoustic model (default: the bundled {default_model_path().name})",
    )
    transcribe.add_argument(
        "--provider",
        choices=PROVIDER_CHOICES,
        default="auto",
        help="where to run the model: auto uses CUDA when onnxruntime offers it, else the CPU "
        "(default: auto)",
    )
    transcribe.add_argument(
        "--threads",
        type=_positive_int,
        default=1,
        metavar="N",
        help="onnxruntime intra-op threads (default: 1)",
    )
    transcribe.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per file: path, text, duration_s, decode_ms",
    )
    return parser


def _transcribe(args: argparse.Namespace) -> int:
    try:
        recognizer = Recognizer(
            args.model, provider=args.provider, intra_op_num_threads=args.threads
        )
    except ModelError as e:
        print(f"assistant: cannot load the model: {e}", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    for path in args.files:
        try:
            audio = load_audio(path, recognizer.info.sample_rate)
            result = recognizer.transcribe(audio)
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
                "decode_ms": round(result.decode_ms, 1),
            }
            line = json.dumps(record, ensure_ascii=False)
        elif len(args.files) == 1:
            line = result.text
        else:
            line = f"{path}\t{result.text}"
        print(line, flush=True)
    return status


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
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    # No subcommand: this is where the GUI will start once assistant.gui exists.
    parser.print_help(sys.stderr)
    return EXIT_USAGE
