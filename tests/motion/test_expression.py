"""Emotions: parsing the user's forms, smooth timelines that hit their keys, presets, the guess from prosody."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dirfa.errors import InputError
from dirfa.motion.expression import (
    EMOTIONS,
    EXPRESSION_TRACKS,
    PRESETS,
    ExpressionTimeline,
    auto_timeline,
    expression_curves,
    load_timeline,
    parse_emotion,
    parse_timeline,
)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("happy", ((0.0, "happy", 1.0),)),
        ("happy:0.7", ((0.0, "happy", 0.7),)),
        (" Sad : 0.25 ", ((0.0, "sad", 0.25),)),
        ("neutral", ((0.0, "neutral", 1.0),)),
    ],
)
def test_parse_emotion(text, keys):
    assert parse_emotion(text).keys == keys


@pytest.mark.parametrize(
    "text", ["", "joyful", "happy:", "happy:1.5", "happy:-0.1", "happy:nan", "happy:0.5:1", "auto"]
)
def test_parse_emotion_rejects_with_the_accepted_form(text):
    with pytest.raises(InputError, match=r"happy:0\.7|use one of|EMOTION") as error:
        parse_emotion(text)
    assert "\n" not in str(error.value)


def test_parse_timeline():
    timeline = parse_timeline("0:neutral,2.5:happy:0.8, 4:sad:0.5")
    assert timeline.keys == ((0.0, "neutral", 1.0), (2.5, "happy", 0.8), (4.0, "sad", 0.5))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "happy",
        "0:happy,",
        "x:happy",
        "1:happy,1:sad",
        "2:happy,1:sad",
        "-1:happy",
        "0:glad",
        "0:happy:2",
        "0:happy:0.5:1",
        "inf:sad",
    ],
)
def test_parse_timeline_rejects_with_the_accepted_form(text):
    with pytest.raises(InputError) as error:
        parse_timeline(text)
    message = str(error.value)
    assert "\n" not in message and ("TIME:EMOTION" in message or "e.g." in message)


def test_load_timeline_reads_the_documented_json(tmp_path):
    path = tmp_path / "emotions.json"
    path.write_text(
        json.dumps(
            {"keys": [{"t": 0, "emotion": "neutral"}, {"t": 2.5, "emotion": "happy", "intensity": 0.8}]}
        )
    )
    assert load_timeline(path).keys == ((0.0, "neutral", 1.0), (2.5, "happy", 0.8))


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'{"keys": {}}',
        b'{"keys": []}',
        b'{"keys": [{"emotion": "happy"}]}',
        b'{"keys": [{"t": "soon", "emotion": "happy"}]}',
        b'{"keys": [{"t": 0, "emotion": 3}]}',
        b'{"keys": [{"t": 0, "emotion": "happy", "intensity": true}]}',
        b'{"keys": [{"t": 0, "emotion": "happy", "intensity": 7}]}',
        b'{"keys": [{"t": 1, "emotion": "happy"}, {"t": 0, "emotion": "sad"}]}',
        b'{"keys": [{"t": NaN, "emotion": "happy"}]}',
    ],
)
def test_load_timeline_rejects_malformed_files(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        load_timeline(path)
    assert "\n" not in str(error.value)


def test_load_timeline_rejects_missing_and_huge_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_timeline(tmp_path / "nope.json")
    huge = tmp_path / "huge.json"
    huge.write_text('{"keys": [' + ",".join(['{"t": 0, "emotion": "happy"}'] * 40_000) + "]}")
    with pytest.raises(InputError, match="larger than"):
        load_timeline(huge)


def test_timeline_hits_its_keys_and_moves_smoothly():
    fps = 25.0
    timeline = parse_timeline("0:neutral,2:happy:0.8,4:sad:0.5,4.2:angry")
    curves = expression_curves(timeline, fps=fps, n_frames=150, transition_s=0.6)
    assert set(curves) == set(EXPRESSION_TRACKS)
    for time_s, emotion, intensity in timeline.keys:
        frame = int(round(time_s * fps))
        for name in EXPRESSION_TRACKS:
            assert curves[name][frame] == pytest.approx(PRESETS[emotion].get(name, 0.0) * intensity, abs=1e-9)
    smile = curves["mouthSmileLeft"]
    # Neutral until the transition into happy starts 0.6 s before the key, then an S-curve.
    assert np.all(smile[: int(1.4 * fps) + 1] == 0.0)
    assert np.all(np.diff(smile[35:51]) >= 0) and np.abs(np.diff(smile[35:51])).max() < 0.1
    # Ease in-out: slow start, fast middle.
    steps = np.diff(smile[35:51])
    assert steps[0] < steps[len(steps) // 2] and steps[-1] < steps[len(steps) // 2]
    # The short 0.2 s gap between sad and angry is crossed within the gap.
    assert curves["browDownLeft"][int(4.0 * fps)] == pytest.approx(PRESETS["sad"]["browDownLeft"] * 0.5)
    assert curves["browDownLeft"][int(4.2 * fps)] == pytest.approx(PRESETS["angry"]["browDownLeft"])


def test_a_first_key_after_zero_starts_neutral():
    curves = expression_curves(parse_timeline("3:surprised"), fps=30.0, n_frames=120)
    assert curves["eyeWideLeft"][0] == 0.0 and curves["eyeWideLeft"][90] == pytest.approx(0.6)
    whole = expression_curves(parse_emotion("surprised:0.5"), fps=30.0, n_frames=10)
    assert np.allclose(whole["browOuterUpLeft"], 0.35)


def test_presets_move_the_tracks_their_emotion_needs():
    def at_full(emotion: str) -> dict[str, float]:
        curves = expression_curves(parse_emotion(emotion), fps=25.0, n_frames=5)
        return {name: float(curve[-1]) for name, curve in curves.items()}

    happy, sad, angry, surprised = (at_full(name) for name in ("happy", "sad", "angry", "surprised"))
    assert happy["mouthSmileLeft"] > 0.4 and happy["cheekSquintRight"] > 0.2 and happy["mouthFrownLeft"] == 0
    assert sad["mouthFrownLeft"] > 0.3 and sad["browInnerUp"] > 0.3 and sad["mouthSmileLeft"] == 0
    assert angry["browDownLeft"] > 0.4 and angry["eyeSquintLeft"] > 0.1 and angry["browInnerUp"] == 0
    assert (
        surprised["browOuterUpLeft"] > 0.4
        and surprised["eyeWideLeft"] > 0.3
        and 0 < surprised["jawOpen"] < 0.2
    )
    assert all(value == 0 for value in at_full("neutral").values())


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(st.floats(0.05, 3.0), min_size=1, max_size=6),
    emotions=st.lists(st.sampled_from(EMOTIONS), min_size=6, max_size=6),
    intensities=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
    transition_s=st.floats(0.0, 2.0),
)
def test_curves_are_weights_that_never_overshoot(gaps, emotions, intensities, transition_s):
    times = np.cumsum([0.0, *gaps])[: len(gaps)]
    timeline = ExpressionTimeline(tuple((float(t), e, i) for t, e, i in zip(times, emotions, intensities)))
    curves = expression_curves(timeline, fps=25.0, n_frames=300, transition_s=transition_s)
    for name, curve in curves.items():
        values = [PRESETS[e].get(name, 0.0) * i for _, e, i in timeline.keys] + [0.0]
        assert curve.min() >= min(values) - 1e-9 and curve.max() <= max(values) + 1e-9


def test_auto_timeline_is_timid_on_real_reading(prosody_60s):
    timeline = auto_timeline(prosody_60s, fps=25.0)
    assert all(intensity <= 0.4 for _, _, intensity in timeline.keys)
    curves = expression_curves(timeline, fps=25.0, n_frames=1500)
    # Calm read speech: the face stays mostly neutral.
    assert np.mean([curves[name].mean() for name in EXPRESSION_TRACKS]) < 0.05


def test_auto_timeline_follows_arousal(synthetic):
    fps = 25.0
    flat = synthetic(fps=fps, phrases=[(0.0, 8.0, 0.0)], seconds=8.0)
    assert {emotion for _, emotion, _ in auto_timeline(flat, fps=fps).keys} == {"sad"}
    lively = synthetic(fps=fps, phrases=[(0.0, 8.0, 0.0)], seconds=8.0)
    t = np.arange(lively.f0_hz.size) / fps
    # Wide pitch swings, 6 semitones each way.
    swings = np.where(lively.voiced, 180.0 * 2.0 ** (6.0 * np.sin(2 * np.pi * 0.7 * t) / 12.0), 0.0)
    lively = type(lively)(lively.energy_db, lively.loudness, swings, lively.voiced, lively.speech)
    assert {emotion for _, emotion, _ in auto_timeline(lively, fps=fps).keys} == {"happy"}
