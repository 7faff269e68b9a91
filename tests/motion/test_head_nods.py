"""Issue 13, head motion inside a phrase and at the clip's end: stressed syllables nod visibly (a dip and
return of a few degrees, Graf et al. 2002), the head keeps moving slowly between phrase starts instead of
holding one pose, and the last word's nod survives the settle to rest."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.motion.generate import MotionOptions
from dirfa.motion.head import HeadMotion
from dirfa.motion.stream import MotionStream
from dirfa.speech.filters import gaussian_filter1d

FPS = 25.0
SEEDS = range(6)


class _Cut:
    """The first n frames of a prosody (a ProsodyLike)."""

    def __init__(self, prosody, n: int) -> None:
        for name in ("energy_db", "loudness", "f0_hz", "voiced", "speech"):
            setattr(self, name, np.asarray(getattr(prosody, name))[:n])


def _run(prosody, seed: int, *, silence: int = 0) -> tuple[dict[str, np.ndarray], MotionStream]:
    stream = MotionStream(FPS, MotionOptions(seed=seed))
    first = stream.push({}, prosody)
    if silence:
        more = stream.push({}, None, n_frames=silence)
        first = {name: np.concatenate([first[name], more[name]]) for name in first}
    rest = stream.finish()
    return {name: np.concatenate([first[name], rest[name]]) for name in rest}, stream


@pytest.fixture(scope="module")
def takes(prosody_60s):
    return [_run(prosody_60s, seed) for seed in SEEDS]


def _dip(pitch: np.ndarray, frame: int) -> float:
    """How far the pitch dips below the straight line from 8 frames before the accent to 8 after, deepest
    within 3 frames of it (0 if it does not)."""
    line = np.interp(np.arange(frame - 3, frame + 4), [frame - 8, frame + 8], pitch[[frame - 8, frame + 8]])
    return max(float(np.max(line - pitch[frame - 3 : frame + 4])), 0.0)


def test_stressed_syllables_nod_visibly(takes):
    dips = []
    for curves, stream in takes:
        pitch = curves["headPitch"]
        dips += [
            _dip(pitch, frame)
            for frame, strength in stream.cues.accents
            if strength >= 0.5 and 8 <= frame < pitch.size - 8
        ]
    dips = np.array(dips)
    assert dips.size > 100
    # a few degrees, not sub-degree: most stressed syllables show a nod of 1.5 deg or more
    assert np.median(dips) >= 1.8, np.median(dips)
    assert np.mean(dips >= 1.5) >= 0.6
    assert np.percentile(dips, 95) <= 6.0  # nods, not lunges


def test_the_head_moves_within_a_phrase_slowly(takes):
    skip = int(0.6 * FPS)  # the phrase-start turn left out
    spreads, quick = [], []
    for curves, stream in takes:
        yaw = curves["headYaw"]
        phrases = [
            (p.start, p.end) for p in stream.cues.phrases if p.end is not None and p.end - p.start >= 2 * FPS
        ]
        spreads += [np.std(yaw[start + skip : end]) for start, end in phrases]
        high = yaw - gaussian_filter1d(yaw, sigma=0.16 * FPS, mode="nearest")
        quick += [np.std(high[start:end]) for start, end in phrases]
    # no frozen pose between phrase starts (was ~1 deg: yaw 9-10 deg held for 6 s) ...
    assert np.median(spreads) >= 1.2, np.median(spreads)
    assert np.mean(np.array(spreads) < 0.5) < 0.15
    # ... and the movement is a slow drift, not a wobble: little of it above ~1 Hz
    assert np.median(quick) < 0.4


def _without_nods(monkeypatch, run):
    with monkeypatch.context() as patch:
        patch.setattr(HeadMotion, "_nod", lambda self, *args, **kwargs: None)
        return run()


def test_the_last_words_nod_survives_the_settle(prosody_60s, monkeypatch):
    # Clips cut 5 frames after a strong accent (as `dirfa say` ends on its last stressed word): the nod there
    # keeps most of the depth it has when the speech goes on, instead of being scaled away with the settle.
    _, whole = _run(prosody_60s, 0)
    accents = [frame for frame, strength in whole.cues.accents if strength >= 0.8 and frame > 100]
    kept = []
    for k, accent in enumerate(accents[:12]):
        n = accent + 6
        cut = _Cut(prosody_60s, n)
        seed = k % 4
        ended, _ = _run(cut, seed)
        going, _ = _run(cut, seed, silence=40)
        ended_still = _without_nods(monkeypatch, lambda cut=cut, seed=seed: _run(cut, seed)[0])
        going_still = _without_nods(monkeypatch, lambda cut=cut, seed=seed: _run(cut, seed, silence=40)[0])
        window = slice(accent - 3, accent + 3)
        nod_going = np.min(going["headPitch"][window] - going_still["headPitch"][window])
        nod_ended = np.min(ended["headPitch"][window] - ended_still["headPitch"][window])
        if nod_going < -1.0:
            kept.append(nod_ended / nod_going)
        # and the clip still ends at rest
        assert all(abs(ended[name][n - 1]) < 0.01 for name in ("headYaw", "headPitch", "headRoll"))
    assert len(kept) >= 4
    # (most: a file's head winds down over its last seconds, nods too over the last one: head._wound_down)
    assert np.median(kept) >= 0.75, kept
