"""Recognised p/b/m are kept to where the sound lets the lips shut (speech.closures), on espeak-ng speech."""

from __future__ import annotations

import numpy as np

from dirfa.speech import phonemes
from dirfa.speech.closures import closures_in_quiet

RATE_HZ = 16000  # conftest.RATE_HZ

TEXT = "my mother baked a pie, and we ate it by the big pool"


def _aligned(espeak):
    samples = espeak(TEXT)
    return samples, phonemes.align(samples, sample_rate_hz=RATE_HZ, text=TEXT)


def test_true_closures_are_kept_inside_their_phones(espeak):
    samples, timeline = _aligned(espeak)
    out = closures_in_quiet(timeline, samples, sample_rate_hz=RATE_HZ)
    before = [(s, e) for p, s, e in zip(timeline.phones, timeline.start_s, timeline.end_s) if p in "PBM"]
    after = [(s, e) for p, s, e in zip(out.phones, out.start_s, out.end_s) if p in "PBM"]
    assert len(before) >= 6 and len(after) == len(before)
    for (s0, e0), (s1, e1) in zip(before, after):
        assert s0 <= s1 < e1 <= e0
    assert np.allclose(out.end_s[:-1], out.start_s[1:])


def test_a_bilabial_heard_on_a_vowel_keeps_off_it(espeak):
    """An m recognised over a loud vowel (as a nasal or a word decoded from another language puts one) is
    no closure there: it is dropped, or kept to the quiet edge of its time (at most a third of it)."""
    samples, timeline = _aligned(espeak)
    k = next(i for i, p in enumerate(timeline.phones) if p == "EY")  # "baked"
    phones = list(timeline.phones)
    phones[k] = "M"
    wrong = phonemes.PhoneTimeline(tuple(phones), timeline.start_s, timeline.end_s, timeline.method)
    out = closures_in_quiet(wrong, samples, sample_rate_hz=RATE_HZ)
    span = timeline.end_s[k] - timeline.start_s[k]
    shut_s = sum(
        max(0.0, min(e, timeline.end_s[k]) - max(s, timeline.start_s[k]))
        for p, s, e in zip(out.phones, out.start_s, out.end_s)
        if p == "M"
    )
    assert span > 0.08 and shut_s <= span / 3
    assert np.allclose(out.end_s[:-1], out.start_s[1:]) and out.end_s[-1] == timeline.end_s[-1]
