"""TTS voices that apt provides, and the command line that makes each speak to a WAV file."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass

ESPEAK_ACCENTS = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-rp",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
)
ESPEAK_VARIANTS = (
    "",
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m6",
    "m7",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "klatt",
    "klatt2",
    "klatt3",
    "croak",
    "Andy",
    "Annie",
    "belinda",
    "benjamin",
    "david",
    "edward",
    "grandma",
    "grandpa",
    "linda",
    "max",
    "michel",
    "paul",
    "quincy",
    "robert",
    "steph",
    "zac",
)
MBROLA_VOICES = ("mb-us1", "mb-us2", "mb-us3", "mb-en1")
MBROLA_ACCENT_VOICES = (
    "mb-af1-en",
    "mb-nl2-en",
    "mb-fr1-en",
    "mb-fr4-en",
    "mb-de1-en",
    "mb-de2-en",
    "mb-de3-en",
    "mb-de4-en",
    "mb-de5-en",
    "mb-de6-en",
    "mb-gr2-en",
    "mb-hu1-en",
    "mb-pl1-en",
    "mb-ro1-en",
    "mb-sw1-en",
    "mb-sw2-en",
)
"""espeak-ng's English spoken through the diphones of other languages' MBROLA databases
(Afrikaans, Dutch, French, German, Greek, Hungarian, Polish, Romanian, Swedish): sixteen more
recorded human voices, each with its language's accent. Debian's ``mbrola-XX`` packages."""
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
FESTIVAL_VOICES = (
    "kal_diphone",
    "ked_diphone",
    "rab_diphone",
    "don_diphone",
    "cmu_us_slt_arctic_hts",
    "us1_mbrola",
    "us2_mbrola",
    "us3_mbrola",
    "en1_mbrola",
)
RHVOICE_VOICES = ("alan", "bdl", "clb", "slt", "evgeniy-eng", "lyubov")
PICO_VOICES = ("en-US", "en-GB")

ENGINE_PROGRAMS = {
    "espeak-ng": ("espeak-ng",),
    "mbrola": ("espeak-ng", "mbrola"),  # espeak-ng speaks through the mbrola program
    "mbrola-accent": ("espeak-ng", "mbrola"),
    "flite": ("flite",),
    "festival": ("text2wave",),
    "rhvoice": ("RHVoice-test",),
    "pico": ("pico2wave",),
}
"""The programs each engine needs on PATH."""
TRAIN_ENGINES = ("espeak-ng", "mbrola", "flite", "festival", "rhvoice", "mbrola-accent")
DEFAULT_ENGINES = ("espeak-ng", "mbrola", "flite", "festival", "rhvoice", "pico")
"""What ``models.data.synthesize`` uses unless told otherwise: the engines of the corpora the
released model was trained on up to stage 22 (``mbrola-accent`` came later; adding it to the
default would change what every earlier seed synthesises)."""
HELD_OUT_ENGINES = ("pico",)
"""Never used in training: the held-out TTS measurement uses only these voices."""


@dataclass(frozen=True)
class Voice:
    """One speaker of one TTS engine."""

    engine: str
    """Engine key of ENGINE_PROGRAMS."""
    name: str
    """Engine-specific voice name (espeak-ng voices may carry a +variant)."""

    @property
    def speaker_id(self) -> str:
        """A file-name-safe id, used as the speaker column of manifests."""
        return f"{self.engine}_{self.name}".replace("+", "_").replace("/", "_")

    def command(self, text_path: str, wav_path: str, rng: random.Random) -> list[str]:
        """Command line speaking the text in ``text_path`` into ``wav_path`` (random prosody)."""
        if self.engine in ("espeak-ng", "mbrola", "mbrola-accent"):
            return [
                "espeak-ng",
                "-v",
                self.name,
                "-f",
                text_path,
                "-w",
                wav_path,
                "-s",
                str(rng.randint(125, 215)),
                "-p",
                str(rng.randint(20, 80)),
                "-g",
                str(rng.choice((0, 0, 1, 2, 4))),
            ]
        if self.engine == "flite":
            return [
                "flite",
                "-voice",
                self.name,
                "-f",
                text_path,
                "-o",
                wav_path,
                "--setf",
                f"duration_stretch={rng.uniform(0.8, 1.3):.2f}",
            ]
        if self.engine == "festival":
            stretch = rng.uniform(0.85, 1.3)
            return [
                "text2wave",
                "-eval",
                f"(voice_{self.name})",
                "-eval",
                f"(Parameter.set 'Duration_Stretch {stretch:.2f})",
                "-o",
                wav_path,
                text_path,
            ]
        if self.engine == "rhvoice":
            return [
                "RHVoice-test",
                "-p",
                self.name,
                "-i",
                text_path,
                "-o",
                wav_path,
                "-r",
                str(rng.randint(70, 130)),
                "-t",
                str(rng.randint(80, 120)),
            ]
        if self.engine == "pico":
            # pico2wave takes the text as an argument and wants a .wav name
            with open(text_path, encoding="utf-8") as f:
                text = f.read()
            return ["pico2wave", "-l", self.name, "-w", wav_path, text]
        raise ValueError(f"unknown TTS engine {self.engine!r}")


def voices_of(engine: str) -> list[Voice]:
    """Every voice of ``engine`` that this module knows."""
    if engine == "espeak-ng":
        return [
            Voice(engine, accent + (f"+{variant}" if variant else ""))
            for accent in ESPEAK_ACCENTS
            for variant in ESPEAK_VARIANTS
        ]
    names = {
        "mbrola": MBROLA_VOICES,
        "mbrola-accent": MBROLA_ACCENT_VOICES,
        "flite": FLITE_VOICES,
        "festival": FESTIVAL_VOICES,
        "rhvoice": RHVOICE_VOICES,
        "pico": PICO_VOICES,
    }[engine]
    return [Voice(engine, name) for name in names]


def missing_programs(engine: str) -> list[str]:
    """The programs ``engine`` needs that are not on PATH."""
    return [program for program in ENGINE_PROGRAMS[engine] if shutil.which(program) is None]


def installed_engines(engines: tuple[str, ...]) -> tuple[str, ...]:
    """The engines of ``engines`` whose programs are all on PATH."""
    return tuple(e for e in engines if not missing_programs(e))
