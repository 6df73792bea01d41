"""Phoneme targets of transcripts, for the auxiliary phoneme CTC head (``--phoneme-weight``).

Each transcript is read by espeak-ng (US English, through ``phonemizer`` and the library that
``espeakng-loader`` bundles; both come with the ``tts`` extra) into phones without stress, with
:data:`WORD_BOUNDARY` between words. Training-data only: the app never imports this.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from models.errors import DataError

_LOGGER = logging.getLogger(__name__)

WORD_BOUNDARY = "|"
PHONES = (
    *("n", "t", "ɪ", "s", "d", "ə", "l", "k", "m", "ɛ", "aɪ", "iː", "ɹ", "z", "ʌ", "w", "æ"),
    *("ð", "p", "f", "eɪ", "uː", "v", "ɚ", "h", "b", "oʊ", "ɑː", "ɐ", "j", "i", "ŋ", "ɡ"),
    *("ɾ", "θ", "aʊ", "ʊ", "ɜː", "dʒ", "ᵻ", "ɔːɹ", "ʃ", "ɔː", "ɔ", "ɑːɹ", "əl", "tʃ", "iə"),
    *("ɛɹ", "ɔɪ", "aɪɚ", "ɪɹ", "ʊɹ", "ʒ", "aɪə", "n̩", "ʔ", "x"),
)
"""espeak-ng's US English phones (without stress), by frequency in the training texts."""
PHONEME_TOKENS = ("<blank>", WORD_BOUNDARY, *PHONES)
"""The head's classes: CTC blank (id 0), the word boundary, then :data:`PHONES`."""
_IDS = {token: i for i, token in enumerate(PHONEME_TOKENS)}


def _backend() -> object:
    try:
        import espeakng_loader
        from phonemizer.backend import EspeakBackend
        from phonemizer.backend.espeak.wrapper import EspeakWrapper
    except ImportError as e:
        raise DataError(
            f"phoneme targets need phonemizer and espeakng-loader (pip install -e '.[tts]'): {e}"
        ) from e
    EspeakWrapper.set_library(espeakng_loader.get_library_path())
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
    return EspeakBackend(
        "en-us", with_stress=False, preserve_punctuation=False, language_switch="remove-flags"
    )


def encode_phones(phonemized: str) -> list[int]:
    """Token ids of espeak's space-separated phones (unknown phones are left out)."""
    ids = []
    for phone in phonemized.split():
        if phone in _IDS:
            ids.append(_IDS[phone])
        else:
            _LOGGER.debug("phone %r is not in the inventory: left out", phone)
    return ids


def phoneme_targets(transcripts: Iterable[str]) -> dict[str, list[int]]:
    """Transcript -> phoneme token ids, for every distinct transcript (about 10,000 a second)."""
    from phonemizer.separator import Separator

    texts = sorted(set(transcripts))
    if not texts:
        return {}
    separator = Separator(phone=" ", word=f" {WORD_BOUNDARY} ", syllable="")
    phonemized = _backend().phonemize(texts, separator=separator, strip=True, njobs=1)  # type: ignore[attr-defined]
    return {text: encode_phones(p) for text, p in zip(texts, phonemized, strict=True)}
