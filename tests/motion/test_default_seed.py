"""The default take derives from every input: the same speech on two faces gets two different performances,
and the same photo (loaded, or prepared as an Avatar) with the same speech always the same one."""

from __future__ import annotations

import numpy as np

import dirfa
from dirfa.api import animate_seed, say_seed
from dirfa.face.landmarks import load_portrait
from dirfa.media.audio import Audio
from dirfa.motion.generate import MotionOptions, generate


def _audio() -> Audio:
    # Any fixed samples stand for "the same audio" here; the seed only hashes them.
    samples = np.sin(np.arange(16000) * 0.05).astype(np.float32) * 0.3
    return Audio(samples=samples, sample_rate_hz=16000, source=None)


def test_the_same_audio_on_two_faces_gets_two_takes(portrait, portrait_jpg, prosody_8s, mouth_8s):
    audio = _audio()
    other = dirfa.load_portrait(portrait_jpg)
    first, second = animate_seed(audio, None, portrait), animate_seed(audio, None, other)
    assert first != second
    assert say_seed("Hello there.", portrait) != say_seed("Hello there.", other)
    # ... and so two different blink schedules and head paths, with the same lips.
    takes = [
        generate(mouth_8s, prosody_8s, fps=30.0, n_frames=240, options=MotionOptions(seed=seed))
        for seed in (first, second)
    ]
    assert not np.array_equal(takes[0].curves["eyeBlinkLeft"], takes[1].curves["eyeBlinkLeft"])
    assert np.mean(np.abs(takes[0].curves["headYaw"] - takes[1].curves["headYaw"])) > 0.1
    np.testing.assert_array_equal(takes[0].curves["jawOpen"], takes[1].curves["jawOpen"])


def test_the_same_inputs_give_the_same_take(portrait, astronaut):
    audio = _audio()
    again = load_portrait(astronaut.copy())
    assert animate_seed(audio, "words", portrait) == animate_seed(audio, "words", again)
    assert say_seed("Hello there.", portrait) == say_seed("Hello there.", again)
    # A prepared avatar of the same photo is the same face (its level 0 is the photo itself).
    avatar = dirfa.prepare(portrait)
    assert animate_seed(audio, None, avatar) == animate_seed(audio, None, portrait)
    # Another transcript or other audio is another take.
    assert animate_seed(audio, "other words", portrait) != animate_seed(audio, "words", portrait)
