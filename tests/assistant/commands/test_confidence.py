"""The confidence: its measurements, the calibration file and its sensitivities."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from assistant.commands.confidence import (
    BUNDLED_CALIBRATION,
    FEATURE_NAMES,
    SENSITIVITIES,
    Calibration,
    Evidence,
    calibration_path,
    expand,
    load_calibration,
    measure,
    term_count,
)
from assistant.commands.errors import CommandsError
from assistant.commands.grammar import CommandSet
from assistant.commands.intents import analyse, bundled_calibration, recognize
from tests.assistant.conftest import PeakyFactory

FEATURE = {name: i for i, name in enumerate(FEATURE_NAMES)}


def _calibration(**changes: object) -> Calibration:
    n = len(FEATURE_NAMES)
    base = Calibration(
        weights=(1.0,) * term_count(n),
        bias=0.5,
        mean=(0.0,) * n,
        scale=(1.0,) * n,
        thresholds={"strict": 0.9, "normal": 0.6, "loose": 0.3},
    )
    return dataclasses.replace(base, **changes)


def _evidence(log_probs: np.ndarray, sentence: str, **changes: object) -> Evidence:
    base = Evidence(
        best_score=-5.0,
        free_score=-5.0,
        rival_score=None,
        other_intent_score=None,
        same_meaning_scores=[-5.0],
        all_scores=[-5.0],
        sentence=sentence,
        heard=sentence,
        agreement=1.0,
    )
    return dataclasses.replace(base, **changes)


def test_calibration_round_trips_through_json() -> None:
    calibration = _calibration(model_sha256="0123456789abcdef", description="fitted on v1")
    assert Calibration.from_json(calibration.to_json()) == calibration


def test_calibration_for_other_features_is_refused() -> None:
    with pytest.raises(CommandsError, match="fit it again"):
        _calibration(
            feature_names=("fit_per_frame",), weights=(1.0, 1.0), mean=(0.0,), scale=(1.0,)
        )
    with pytest.raises(CommandsError, match="lacks thresholds"):
        _calibration(thresholds={"normal": 0.5})
    with pytest.raises(CommandsError, match=r"broken\.json: not a confidence calibration"):
        Calibration.from_json("{}", "broken.json")


def test_sensitivity_names_the_threshold() -> None:
    calibration = _calibration()
    assert [calibration.threshold(s) for s in SENSITIVITIES] == [0.9, 0.6, 0.3]
    with pytest.raises(CommandsError, match="choose one of strict, normal, loose"):
        calibration.threshold("paranoid")


def test_probability_is_the_logistic_of_the_weighed_standardised_features() -> None:
    n = len(FEATURE_NAMES)
    weights = np.zeros(term_count(n))
    weights[0] = 2.0  # the first feature
    weights[n] = 0.5  # its square, the first product
    calibration = _calibration(weights=tuple(weights), bias=-1.0, mean=(1.0,) * n, scale=(0.5,) * n)
    features = np.full(n, 2.0)  # standardised: 2.0 for every feature
    assert calibration.probability(features) == pytest.approx(1 / (1 + np.exp(-5.0)))
    assert calibration.probability(np.full(n, -1e6)) == 1.0  # the square dominates
    assert expand(np.array([[1.0, 2.0]])).tolist() == [[1.0, 2.0, 1.0, 2.0, 4.0]]


def test_beyond_what_right_commands_showed_the_confidence_is_zero() -> None:
    n = len(FEATURE_NAMES)
    bounded = _calibration(low=(-3.0,) * n, high=(3.0,) * n)
    inside = np.zeros(n)
    assert bounded.probability(inside) == _calibration().probability(inside) > 0.5
    poor_fit = inside.copy()
    poor_fit[FEATURE["fit_per_frame"]] = -1e6  # unbounded, the square term reads it as sure
    assert _calibration().probability(poor_fit) == 1.0
    assert bounded.probability(poor_fit) == 0.0
    too_long = inside.copy()
    too_long[FEATURE["letters_ratio"]] = 3.5
    assert bounded.probability(too_long) == 0.0
    assert Calibration.from_json(bounded.to_json()) == bounded
    with pytest.raises(CommandsError, match="lower and upper bounds or none"):
        _calibration(low=(0.0,), high=(1.0,))


def test_a_calibration_file_without_bounds_has_none() -> None:
    document = json.loads(
        _calibration(low=(-3.0,) * len(FEATURE_NAMES), high=(3.0,) * len(FEATURE_NAMES)).to_json()
    )
    del document["low"], document["high"]
    assert Calibration.from_json(json.dumps(document)) == _calibration()


def test_the_bundled_calibration_orders_its_sensitivities() -> None:
    calibration = load_calibration()
    strict, normal, loose = (calibration.threshold(s) for s in SENSITIVITIES)
    assert 0.0 < loose <= normal <= strict < 1.0
    assert calibration.model_sha256
    assert "calibration set" in calibration.description


def test_a_model_without_its_own_calibration_gets_the_bundled_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = tmp_path / "mine.onnx"
    with caplog.at_level(logging.WARNING):
        assert load_calibration(model) == load_calibration()
    assert "no confidence calibration at" in caplog.text
    calibration_path(model).write_text(_calibration().to_json())
    assert load_calibration(model) == _calibration()
    assert calibration_path(model).name == "mine.confidence.json"
    assert BUNDLED_CALIBRATION.name == "bilstm_ctc.confidence.json"


def test_a_broken_calibration_file_is_a_clear_error(tmp_path: Path) -> None:
    model = tmp_path / "mine.onnx"
    calibration_path(model).write_text("not json")
    with pytest.raises(CommandsError, match=r"mine\.confidence\.json: not a confidence"):
        load_calibration(model)


def test_an_unheard_word_costs_the_worst_word_and_slot(peaky: PeakyFactory) -> None:
    log_probs = peaky("set a timer for ten minutes")
    heard = measure(log_probs, _evidence(log_probs, "set a timer for ten minutes"))
    spans = ((16, 19),)  # "ten" / "six"
    misheard = measure(
        log_probs, _evidence(log_probs, "set a timer for six minutes", slot_spans=spans)
    )
    assert heard[FEATURE["worst_word"]] < 0.5
    assert misheard[FEATURE["worst_word"]] > 3.0
    assert misheard[FEATURE["worst_slot"]] == misheard[FEATURE["worst_word"]]
    assert heard[FEATURE["certainty"]] == pytest.approx(log_probs.max(axis=1).mean())
    assert misheard[FEATURE["second_word"]] < 0.5  # only one word was misheard


def test_margin_and_meaning_share(peaky: PeakyFactory) -> None:
    log_probs = peaky("stop")
    alone = measure(log_probs, _evidence(log_probs, "stop"))
    rivalled = measure(
        log_probs,
        _evidence(log_probs, "stop", rival_score=-6.0, all_scores=[-5.0, -6.0]),
    )
    assert alone[FEATURE["margin"]] == 6.0  # no rival: the cap
    assert rivalled[FEATURE["margin"]] == pytest.approx(1.0)
    assert rivalled[FEATURE["meaning_share"]] == pytest.approx(-np.log1p(np.exp(-1.0)))
    assert alone[FEATURE["meaning_share"]] == 0.0


def test_clear_commands_pass_and_other_speech_fails(
    peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    clear = recognize(peaky("what time is it"), builtin_commands)
    other = recognize(peaky("the cat sat on the mat and slept"), builtin_commands)
    assert clear.intent == "GetTime"
    assert clear.confidence >= bundled_calibration().threshold("strict")
    assert other.intent is None
    assert other.confidence < bundled_calibration().threshold("loose")


def test_analyse_measures_the_best_sentence(
    peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    found = analyse(peaky("set a timer for ten minutes"), builtin_commands)
    assert found.candidates[0].text == "set a timer for ten minutes"
    assert found.features is not None and found.features.shape == (len(FEATURE_NAMES),)
    assert found.features[FEATURE["agreement"]] == 1.0
    silence = analyse(peaky(""), builtin_commands)
    assert silence.features is None and silence.heard == ""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_barely_heard_number_lowers_the_confidence_below_strict(
    seed: int, builtin_commands: CommandSet
) -> None:
    from assistant.decoding.alignment import forced_alignment
    from tests.assistant.conftest import peaky_log_probs

    text = "set a timer for ten minutes"
    clear = peaky_log_probs(text, seed=seed)
    slot = np.isin(forced_alignment(clear, text), range(16, 19))  # the frames of "ten"
    faint = clear.copy()
    probs = np.exp(faint[slot])
    faint[slot] = np.log(0.03 * probs + 0.97 / probs.shape[1])  # the number barely heard
    strict = bundled_calibration().threshold("strict")
    heard = recognize(clear, builtin_commands)
    assert heard.slots == {"duration": 600}
    assert heard.confidence >= strict
    barely = recognize(faint, builtin_commands, threshold=0.0).confidence
    assert barely < strict
    assert barely < heard.confidence - 0.15
    assert recognize(faint, builtin_commands, threshold=strict).intent is None
