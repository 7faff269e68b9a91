"""A file's end is known ahead (its length), so the eyes start no look away in its last moments: they come back
to the lens for the end, as a speaker hands the turn over (Kendon 1967). Before, the gaze did not know the end
and a reply whose speech runs to it could glance away in its last half second (on HEAD 5 of these 30 takes
started a look away 13-15 frames, 0.52-0.6 s, before the clip's end)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import dirfa
from dirfa.motion.generate import MotionOptions, generate
from dirfa.motion.stream import MotionStream

FPS = 25.0
SEEDS = range(10)
REPLIES = (
    "Sure, I can help with that. Your next appointment is on Tuesday at ten.",
    "The train leaves from platform four in twenty minutes.",
    "That flight is currently on time.",
)


@pytest.fixture(scope="module")
def syntheses():
    return {text: dirfa.synthesize(text) for text in REPLIES}


def test_no_look_away_starts_in_a_replys_last_moments(syntheses, gaze_looks):
    world_distance, look_aways = gaze_looks
    late = []
    for text, synthesis in syntheses.items():
        for seed in SEEDS:
            curves = dirfa.say(None, text, synthesis=synthesis, seed=seed).tracks.curves
            n = len(curves["gazeYaw"])
            late += [
                (text[:20], seed, n - f)
                for f in look_aways(world_distance(curves))
                if n - f <= int(0.6 * FPS)
            ]
    assert not late, late


def test_streamed_with_its_length_equals_offline(syntheses, gaze_looks):
    world_distance, look_aways = gaze_looks
    # A take that looked away 14 frames before its end on HEAD, streamed in chunks and told its length.
    speech = dirfa.say(None, REPLIES[1], synthesis=syntheses[REPLIES[1]], seed=2).speech
    n = speech.n_frames
    options = MotionOptions(seed=2)
    offline = generate(speech.mouth, speech.prosody, fps=FPS, n_frames=n, options=options).curves
    stream = MotionStream(FPS, options, n_frames=n)
    parts, start = [], 0
    for size in [7, 1, 13, 5, 30, 2, 11] * n:
        if start >= n:
            break
        end = min(start + size, n)
        fields = {f.name: getattr(speech.prosody, f.name) for f in dataclasses.fields(speech.prosody)}
        prosody = dataclasses.replace(
            speech.prosody, **{k: v[start:end] for k, v in fields.items() if np.ndim(v) == 1 and len(v) == n}
        )
        parts.append(stream.push({k: v[start:end] for k, v in speech.mouth.items()}, prosody))
        start = end
    parts.append(stream.finish())
    for name, curve in offline.items():
        streamed = np.concatenate([p[name] for p in parts])
        np.testing.assert_allclose(streamed, curve, atol=1e-5, err_msg=name)
    assert not [f for f in look_aways(world_distance(offline)) if n - f <= int(0.6 * FPS)]
