"""Breaths in pauses (issue 13): the lips part a little before a phrase that follows a pause, or stay parted
after one, instead of the mouth resting shut in every pause until the voice; never in a short pause, never
for one frame, never through a lip closure, and looking ahead no more than the live mode may."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.speech import coarticulation
from dirfa.speech.coarticulation import (
    BREATH_JAW,
    BREATH_LOOKAHEAD_S,
    BREATH_PAUSE_S,
    breathe_in_pauses,
    mouth_curves,
)
from dirfa.speech.phonemes import SILENCE, PhoneTimeline
from dirfa.speech.prosody import Prosody

FPS = 25.0
# Syllables that open and close the mouth in different ways, so that the phrases (and their pauses) differ.
SYLLABLES = (
    [("D", 0.06), ("AA", 0.22), ("T", 0.07)],
    [("S", 0.09), ("EH", 0.14), ("N", 0.06)],
    [("K", 0.07), ("AO", 0.25), ("L", 0.06)],
    [("T", 0.05), ("IH", 0.11), ("D", 0.06)],
    [("HH", 0.07), ("AE", 0.2), ("T", 0.06)],
    [("G", 0.06), ("OW", 0.2), ("Z", 0.08)],
)


def _reading(
    synthetic_speech, pauses: list[float], first: list[tuple[str, float]] | None = None
) -> tuple[PhoneTimeline, Prosody]:
    """Phrases of two or three syllables with the given pauses between them; `first`: the phones each phrase
    after a pause starts with (None: its first syllable's)."""
    phones: list[tuple[str, float]] = [(SILENCE, 0.5)]
    for k in range(len(pauses) + 1):
        if k and first:
            phones += first
        for j in range(2 + k % 2):
            phones += SYLLABLES[(k + 2 * j) % len(SYLLABLES)]
        phones.append((SILENCE, pauses[k] if k < len(pauses) else 0.6))
    return synthetic_speech(phones, fps=FPS)


def _curves(
    timeline: PhoneTimeline, prosody: Prosody, monkeypatch=None, breathe=True
) -> dict[str, np.ndarray]:
    n = prosody.speech.shape[0]
    if not breathe:
        monkeypatch.setattr(coarticulation, "breathe_in_pauses", lambda curves, speech, *, fps: curves)
    return mouth_curves(timeline, prosody, fps=FPS, n_frames=n)


def _onsets(speech: np.ndarray) -> list[tuple[int, int]]:
    """(pause start, voice onset) frames of every pause between two stretches of speech."""
    out = []
    for b in np.nonzero(~speech[:-1] & speech[1:])[0] + 1:
        a = int(b)
        while a > 0 and not speech[a - 1]:
            a -= 1
        if a > 0:
            out.append((a, int(b)))
    return out


def _aperture(curves: dict[str, np.ndarray]) -> np.ndarray:
    return curves["jawOpen"].astype(float) * (1.0 - curves["mouthClose"].astype(float))


def test_the_lips_part_for_a_breath_in_most_long_pauses(synthetic_speech):
    """Real speakers inhale through parted lips in pauses of ~0.4 s and more, mostly shortly before the next
    phrase (Winkworth et al. 1995; Rochet-Capellan & Fuchs 2014); the mouth was shut from the phrase's end to
    ~0.15 s before the voice. In most of eight pauses of 0.7-1.2 s the lips are now apart (aperture >= 0.04)
    for at least 0.2 s within the half second before the voice, and no further than a breath's opening: not
    a gape, not speech. The breaths differ from pause to pause."""
    pauses = [0.7, 1.0, 0.8, 1.2, 0.9, 0.75, 1.1, 0.85]
    timeline, prosody = _reading(synthetic_speech, pauses)
    aperture = _aperture(_curves(timeline, prosody))
    breaths = []
    for a, b in _onsets(prosody.speech):
        # The frames from half a second before the voice to two frames before it (the phrase's own opening
        # leaves rest ~0.15 s before the voice, ONSET_LEAD_S + OPEN_LEAD_S: at most three of these frames).
        window = aperture[b - int(BREATH_LOOKAHEAD_S * FPS) - 1 : b - 2]
        parted = window >= 0.04
        runs = np.diff(np.concatenate([[0], parted.astype(int), [0]]))
        longest = int((np.nonzero(runs < 0)[0] - np.nonzero(runs > 0)[0]).max()) if parted.any() else 0
        assert aperture[a + 6 : b - 4].max() <= BREATH_JAW[1] + 1e-6, aperture[a : b + 1].round(3)
        if longest >= 0.2 * FPS:
            breaths.append(tuple(window.round(3)))
    assert len(breaths) >= len(pauses) // 2, len(breaths)
    assert len(set(breaths)) == len(breaths)  # no two alike


def test_a_short_pause_takes_no_breath(synthetic_speech, monkeypatch):
    """Pauses under BREATH_PAUSE_S (word joins, short phrase breaks) are left as they were."""
    timeline, prosody = _reading(synthetic_speech, [0.15, 0.3, 0.4, 0.25, 0.35])
    gaps = [(b - a) / FPS for a, b in _onsets(prosody.speech)]
    assert len(gaps) >= 4 and max(gaps) < BREATH_PAUSE_S
    with_breath = _curves(timeline, prosody)
    without = _curves(timeline, prosody, monkeypatch, breathe=False)
    for name, curve in without.items():
        np.testing.assert_array_equal(with_breath[name], curve, err_msg=name)


@pytest.mark.parametrize("onset", [[("M", 0.1)], [("B", 0.08)], [("P", 0.09)], [("F", 0.1)]])
def test_a_breath_never_parts_the_lips_of_a_closure(synthetic_speech, onset, monkeypatch):
    """Phrases that start with a p/b/m (or an f's tuck) after a pause: every frame whose lips close or tuck is
    as it was without the breath, the closure's frames are shut, and the breath eases off before it (no
    one-frame drop of the jaw)."""
    timeline, prosody = _reading(synthetic_speech, [0.7, 1.0, 0.9, 1.2, 0.8], first=onset)
    curves = _curves(timeline, prosody)
    plain = _curves(timeline, prosody, monkeypatch, breathe=False)
    busy = (plain["mouthClose"] > 0.05) | (plain["mouthRollLower"] > 0.05)
    np.testing.assert_array_equal(curves["jawOpen"][busy], plain["jawOpen"][busy])
    shut = plain["mouthClose"] >= 0.95
    assert busy.any() and np.all(_aperture(curves)[shut] < 0.02)
    lift = curves["jawOpen"].astype(float) - plain["jawOpen"].astype(float)
    assert np.abs(np.diff(lift)).max() <= BREATH_JAW[1] / 2 + 1e-6, np.diff(lift).round(3)


def test_no_breath_is_a_one_frame_event(synthetic_speech, monkeypatch):
    """Wherever the breath lifts the jaw it does so over several frames: every run of lifted frames lasts at
    least 0.2 s, and around them the jaw moves from frame to frame by no more than half a breath's opening
    or than it did without the breath (where it merges into the next phrase's own opening)."""
    rng = np.random.default_rng(3)
    runs_seen = 0
    for trial in range(6):
        pauses = list(rng.uniform(0.3, 1.4, size=6))
        first = [("M", 0.1)] if trial % 2 else None
        timeline, prosody = _reading(synthetic_speech, pauses, first=first)
        jaw = _curves(timeline, prosody)["jawOpen"].astype(float)
        plain = _curves(timeline, prosody, monkeypatch, breathe=False)["jawOpen"].astype(float)
        monkeypatch.undo()
        lifted = jaw - plain > 1e-4
        edges = np.diff(np.concatenate([[0], lifted.astype(int), [0]]))
        lengths = np.nonzero(edges < 0)[0] - np.nonzero(edges > 0)[0]
        assert np.all(lengths >= 0.2 * FPS), (trial, lengths)
        near = lifted[:-1] | lifted[1:]
        step, plain_step = np.abs(np.diff(jaw))[near], np.abs(np.diff(plain))[near]
        assert np.all(step <= np.maximum(plain_step, BREATH_JAW[1] / 2) + 1e-6), (trial, step.round(3))
        runs_seen += lengths.size
    assert runs_seen >= 10


def test_the_breath_looks_ahead_no_more_than_the_live_mode_allows(synthetic_speech, monkeypatch):
    """Cut the input anywhere: the frames more than BREATH_LOOKAHEAD_S before the cut come out as from the
    whole input (what a stream that has heard up to the cut can already show), parted lips and breaths
    included."""
    timeline, prosody = _reading(synthetic_speech, [0.7, 1.0, 0.5, 1.3, 0.9, 0.6], first=None)
    n = prosody.speech.shape[0]
    # The breath's input: the curves before it (made once, whole) and the voice activity.
    base = _curves(timeline, prosody, monkeypatch, breathe=False)
    whole = breathe_in_pauses(base, prosody.speech, fps=FPS)
    reach = int(np.ceil(BREATH_LOOKAHEAD_S * FPS)) + 1
    changed = False
    for cut in range(reach + 1, n, 3):
        part = breathe_in_pauses({k: v[:cut] for k, v in base.items()}, prosody.speech[:cut], fps=FPS)
        np.testing.assert_array_equal(
            part["jawOpen"][: cut - reach], whole["jawOpen"][: cut - reach], err_msg=str(cut)
        )
        changed |= bool(np.any(part["jawOpen"] != whole["jawOpen"][:cut]))
    assert changed  # (the cut does change the frames near it)
