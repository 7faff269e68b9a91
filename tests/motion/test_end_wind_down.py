"""A file clip whose speech runs to its end does not snap the head back to the photo's pose (revN (3): art_3 +
RD_Radio36 came back at 30 deg/s with the mouth open; sad1 + japanese flicked its chin up at 33 deg/s, the
fastest move of the clip): the head winds down over the last seconds, and its last half second is no faster
than the take's own speaking motion. The last frame is still the rest pose (clips chain without a jump)."""

from __future__ import annotations

import dataclasses

import numpy as np

from dirfa.motion.generate import MotionOptions, generate

FPS = 25.0
HEAD = ("headYaw", "headPitch", "headRoll")


def _cut(prosody, n: int):
    return dataclasses.replace(
        prosody, **{f.name: np.asarray(getattr(prosody, f.name))[:n] for f in dataclasses.fields(prosody)}
    )


def test_a_clip_ending_mid_word_winds_down_at_a_speaking_pace(prosody_60s):
    # Cuts of 60 s of read speech that end inside a word (the last 8 frames all speech), natural and lively,
    # 3 seeds each, the length known (a file). The head's speed (fastest axis) is compared with the take's
    # own: the 90th percentile over its speaking frames before the last second.
    speech = np.asarray(prosody_60s.speech, bool)
    cuts = [n for n in range(150, 1500, 23) if speech[n - 8 : n].all()][::2][:8]
    assert len(cuts) >= 6, cuts
    last_half, last_second = [], []
    for amount in (1.0, 2.0):
        for seed in range(3):
            for n in cuts:
                options = MotionOptions(seed=seed, head_motion=amount)
                curves = generate({}, _cut(prosody_60s, n), fps=FPS, n_frames=n, options=options).curves
                head = np.stack([curves[name] for name in HEAD])
                speed = np.abs(np.diff(head, axis=1)).max(axis=0) * FPS  # into frames 1 .. n - 1
                talking = speech[1:n].copy()
                talking[-int(FPS) :] = False
                typical = float(np.percentile(speed[talking], 90))
                last_half.append(float(speed[-int(FPS / 2) :].max()) / typical)
                last_second.append(float(speed[-int(FPS) :].max()) / typical)
                assert np.abs(head[:, -1]).max() < 0.01, (amount, seed, n)  # still ends at rest
    # No take comes back faster than it talks (HEAD: 35 % of them did, up to 1.7 x); over the last second the
    # head is, as a rule, slower than that too (a nod between 1 and 0.5 s before the end may still be quicker).
    assert max(last_half) <= 1.0, np.round(sorted(last_half)[-5:], 2)
    assert np.median(last_second) <= 1.0, np.round(np.median(last_second), 2)
