"""Prosodic cues: phrases, accents and question rises found in real and constructed prosody."""

from __future__ import annotations

import dataclasses

import numpy as np

from dirfa.motion.cues import _peaks, conform, find_cues


def test_phrases_follow_the_pauses_between_real_utterances(prosody_60s):
    cues = find_cues(prosody_60s, fps=25.0, n_frames=1500)
    # speech_signal() strings utterances together with 0.4-1.2 s pauses; every phrase lies within speech.
    assert 8 <= len(cues.phrases) <= 30
    for start, end in cues.phrases:
        assert end - start >= 3
        assert prosody_60s.speech[start:end].mean() > 0.6
    gaps = cues.phrases[1:, 0] - cues.phrases[:-1, 1]
    assert np.all(gaps >= 0.25 * 25 - 1)


def test_accents_come_at_a_syllabic_rate_on_loud_voiced_frames(prosody_60s):
    cues = find_cues(prosody_60s, fps=25.0, n_frames=1500)
    speech_s = cues.speech.sum() / 25.0
    assert 0.8 <= len(cues.accents) / speech_s <= 3.0
    assert np.all(np.diff(cues.accents) >= 0.3 * 25 - 1)
    assert np.all((cues.accent_strength >= 0) & (cues.accent_strength <= 1))
    # Accented frames are louder than the speech around them.
    speech_energy = np.median(prosody_60s.energy_db[prosody_60s.speech])
    assert np.median(prosody_60s.energy_db[cues.accents]) > speech_energy


def test_a_final_rise_is_a_question_and_a_fall_is_not(synthetic):
    rising = synthetic(fps=25.0, phrases=[(0.5, 2.5, +6.0)], seconds=4.0)
    falling = synthetic(fps=25.0, phrases=[(0.5, 2.5, -6.0)], seconds=4.0)
    assert find_cues(rising, fps=25.0, n_frames=100).questions.tolist() == [True]
    assert find_cues(falling, fps=25.0, n_frames=100).questions.tolist() == [False]


def test_octave_errors_do_not_fake_a_question(synthetic):
    prosody = synthetic(fps=25.0, phrases=[(0.5, 2.5, 0.0)], seconds=4.0)
    f0 = prosody.f0_hz.copy()
    f0[58:61] *= 2.0  # a pitch tracker's octave jump on the last voiced frames
    glitched = dataclasses.replace(prosody, f0_hz=f0)
    cues = find_cues(glitched, fps=25.0, n_frames=100)
    assert cues.questions.tolist() == [False]
    assert np.abs(cues.pitch_st).max() < 3.0


def test_silence_and_missing_prosody_give_no_events(synthetic):
    for prosody in (None, synthetic(fps=30.0, phrases=[], seconds=3.0)):
        cues = find_cues(prosody, fps=30.0, n_frames=90)
        assert cues.phrases.shape == (0, 2) and cues.accents.size == 0 and not cues.speech.any()
    assert find_cues(None, fps=25.0, n_frames=0).n_frames == 0


def test_conform_pads_and_cuts_to_the_video_length():
    assert conform(np.array([1.0, 2.0, np.nan]), 5).tolist() == [1.0, 2.0, 0.0, 0.0, 0.0]
    assert conform(np.array([1.0, 2.0, 3.0]), 2).tolist() == [1.0, 2.0]
    assert conform(None, 2, fill=0.5).tolist() == [0.5, 0.5]


def test_accent_peaks_are_scipy_find_peaks_without_scipy_signal():
    # motion.cues finds accent peaks in numpy (scipy.signal costs ~1.4 s to import before `dirfa say`'s first
    # frame): the same peaks as find_peaks(height=, distance=), flat tops and ties included.
    from scipy.signal import find_peaks

    rng = np.random.default_rng(7)
    for trial in range(400):
        n = int(rng.integers(3, 300))
        x = rng.normal(size=n)
        if trial % 2:
            x = np.round(x, 1)  # plateaus and equal heights
        x = np.where(rng.random(n) < 0.2, -1.0, x)  # the floor unvoiced frames get
        height, distance = float(rng.uniform(-0.5, 1.0)), int(rng.integers(1, 12))
        want, _ = find_peaks(x, height=height, distance=distance)
        assert np.array_equal(_peaks(x, height=height, distance=distance), want)
