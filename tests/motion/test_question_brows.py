"""A question's brow raise (issue 13, "brow raises on emphasis and questions"): up with the question's final words,
at its height on the last sound, and down as the next sentence starts, or held into a pause when none follows.
Typed questions (dirfa.say: cues.typed_questions) are known as their audio arrives, within the look-ahead."""

from __future__ import annotations

import dataclasses

import numpy as np

from dirfa.motion.cues import typed_questions
from dirfa.motion.generate import MotionOptions, generate
from dirfa.motion.stream import MotionStream
from dirfa.speech.prosody import Prosody

FPS = 25.0


def _prosody(spans: list[tuple[float, float]], seconds: float) -> Prosody:
    """Phrases (start_s, end_s) of syllables at 4/s on a level 120 Hz voice (no accents to raise the brows)."""
    n = int(round(seconds * FPS))
    t = np.arange(n) / FPS
    speech = np.zeros(n, dtype=bool)
    for start_s, end_s in spans:
        speech |= (t >= start_s) & (t < end_s)
    syllable = 0.5 + 0.5 * np.cos(2 * np.pi * 4.0 * t)
    voiced = speech & (syllable > 0.3)
    return Prosody(
        fps=FPS,
        energy_db=np.where(speech, -30.0 + 15.0 * syllable, -70.0),
        loudness=np.where(speech, 0.7 * syllable, 0.0),
        f0_hz=np.where(voiced, 120.0, 0.0),
        voiced=voiced,
        speech=speech,
    )


def _inner(prosody, n: int, seed: int) -> np.ndarray:
    return generate({}, prosody, fps=FPS, n_frames=n, options=MotionOptions(seed=seed)).curves["browInnerUp"]


def _raised(spans: list[tuple[float, float]], seed: int, n: int = 125) -> tuple[np.ndarray, np.ndarray]:
    """browInnerUp with the first sentence typed as a question ending at 1.98 s (frame 49), and how much higher
    it is than with the same speech typed as statements (the emphasis raises of the rest are the same)."""
    prosody = _prosody(spans, n / FPS)
    asked = _inner(typed_questions(prosody, [1.98], n_frames=n), n, seed)
    told = _inner(typed_questions(prosody, [], n_frames=n), n, seed)
    return asked, asked - told


def test_a_question_raise_peaks_on_its_last_sound_and_is_down_as_the_next_sentence_goes_on():
    # "Are you coming tomorrow? I saved you a seat." as `say` speaks it: ~0.35 s between the two. Before, the
    # raise started as the question's phrase was seen to end, peaked after it and held ~1 s: at its height
    # 0.3 s into the next sentence.
    question_end = 49  # the frame of the question's last sound
    next_start = int(round(2.35 * FPS))
    after = next_start + int(round(0.3 * FPS))
    for seed in range(6):
        inner, extra = _raised([(0.3, 2.0), (2.35, 4.6)], seed)
        top = inner[question_end - 15 : next_start].max()
        assert top > 0.4, seed
        assert inner[question_end] >= 0.85 * top, (seed, inner[question_end - 8 : next_start + 10].round(2))
        assert extra[question_end - 10] < 0.05  # it rises with the last words, not long before
        assert extra[after] < 0.1 and inner[after] < 0.2, (seed, inner[next_start : after + 3].round(2))


def test_a_question_with_no_sentence_after_it_holds_into_the_pause_and_comes_down():
    for seed in range(6):
        inner, extra = _raised([(0.3, 2.0), (4.0, 4.6)], seed)
        assert inner[49] > 0.4 and inner[49 : 49 + 12].min() > 0.35  # held ~0.5 s into the pause
        assert extra[49 + 40 :].max() < 0.05  # and down well before the next words


def test_a_question_running_straight_on_lets_go_within_the_next_words():
    # No pause after the "?" (one phrase): the raise still peaks on the question's end, then lets go.
    for seed in range(6):
        inner, extra = _raised([(0.3, 4.6)], seed)
        assert inner[49] > 0.4 and extra[49 + 20 :].max() < 0.1


def test_typed_question_raises_stream_as_offline():
    n = 125
    prosody = typed_questions(_prosody([(0.3, 2.0), (2.35, 4.6)], 5.0), [1.98], n_frames=n)
    whole = generate({}, prosody, fps=FPS, n_frames=n, options=MotionOptions(seed=5)).curves
    for chunk in (1, 3, 13):
        stream = MotionStream(FPS, MotionOptions(seed=5), n_frames=n)
        parts = []
        for a in range(0, n, chunk):
            cut = {
                f.name: getattr(prosody, f.name)[a : a + chunk]
                for f in dataclasses.fields(prosody)
                if f.name != "fps"
            }
            parts.append(stream.push({}, dataclasses.replace(prosody, **cut)))
        parts.append(stream.finish())
        for name in ("browInnerUp", "browOuterUpLeft", "eyeWideLeft"):
            np.testing.assert_allclose(np.concatenate([p[name] for p in parts]), whole[name], atol=1e-6)
