"""Brows: sparse raises on emphasis, a raise on question rises, a frown under strain; small and smooth."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.motion.brows import brows
from dirfa.motion.cues import find_cues

SEEDS = range(20)


@pytest.fixture(scope="module")
def cues(prosody_60s):
    return find_cues(prosody_60s, fps=25.0, n_frames=1500)


def test_raises_are_sparse_small_and_smooth(cues):
    for seed in SEEDS:
        motion = brows(cues, rng=np.random.default_rng(seed))
        for curve in (motion.inner_up, motion.outer_up_left, motion.outer_up_right, motion.down_left):
            assert curve.min() >= 0.0 and curve.max() <= 0.5
            assert np.abs(np.diff(curve)).max() < 0.15
        assert np.mean(motion.inner_up > 0.05) < 0.3  # raised a minority of the time
    raised = [np.any(brows(cues, rng=np.random.default_rng(seed)).inner_up > 0.1) for seed in SEEDS]
    assert np.mean(raised) > 0.8  # but a minute of lively reading does raise them


def test_emphasis_raises_peak_on_accents(cues):
    for seed in SEEDS:
        inner = brows(cues, rng=np.random.default_rng(seed)).inner_up
        peaks = np.flatnonzero((inner > 0.05) & (inner >= np.roll(inner, 1)) & (inner > np.roll(inner, -1)))
        for peak in peaks:
            # Every raise is on a (strong) accent or the end of a question phrase.
            near_accent = np.min(np.abs(cues.accents - peak), initial=99) <= 12
            near_question = any(
                q and abs(end - peak) <= 25 for (_, end), q in zip(cues.phrases, cues.questions)
            )
            assert near_accent or near_question


def test_questions_raise_the_brows_at_the_end(synthetic):
    fps = 25.0
    question = find_cues(synthetic(fps=fps, phrases=[(0.5, 3.0, 6.0)], seconds=5.0), fps=fps, n_frames=125)
    statement = find_cues(synthetic(fps=fps, phrases=[(0.5, 3.0, -4.0)], seconds=5.0), fps=fps, n_frames=125)
    end = int(3.0 * fps)
    for seed in SEEDS:
        asked = brows(question, rng=np.random.default_rng(seed)).inner_up
        told = brows(statement, rng=np.random.default_rng(seed)).inner_up
        assert asked[end - 3 : end + 3].min() > 0.25
        assert told[end - 3 : end + 3].max() < asked[end - 3 : end + 3].min()
        # Held only around the question's end: gone again a second after it.
        assert asked[end + 25 :].max() < 0.05


def test_shouting_lowers_the_brows(synthetic):
    fps = 25.0
    loud = find_cues(
        synthetic(fps=fps, phrases=[(0.5, 4.5, 0.0)], seconds=5.0, loudness=1.0), fps=fps, n_frames=125
    )
    calm = find_cues(
        synthetic(fps=fps, phrases=[(0.5, 4.5, 0.0)], seconds=5.0, loudness=0.6), fps=fps, n_frames=125
    )
    shouted = brows(loud, rng=np.random.default_rng(0))
    assert shouted.down_left.max() > 0.1 and shouted.down_right.max() > 0.1
    assert brows(calm, rng=np.random.default_rng(0)).down_left.max() == 0.0
