"""Local random draws (motion.schedule.Draws): a small difference in the input (a phrase that starts two frames
earlier, as the live analysis of pushed audio may decide it) changes only the motion near it."""

from __future__ import annotations

import dataclasses

import numpy as np

from dirfa.motion.generate import MotionOptions
from dirfa.motion.schedule import EVENT_BIN_S, Draws
from dirfa.motion.stream import MotionStream

FPS = 25.0
FAR_S = 4.0  # frames this long after the perturbed phrase start count as "away from it"


def _take(mouth, prosody, seed: int) -> tuple[MotionStream, dict[str, np.ndarray]]:
    stream = MotionStream(FPS, MotionOptions(seed=seed))
    first = stream.push(mouth, prosody)
    rest = stream.finish()
    return stream, {name: np.concatenate([first[name], rest[name]]) for name in rest}


def test_an_event_draws_the_same_numbers_whatever_came_before():
    seed = np.random.SeedSequence(5)
    plain, busy = Draws(seed, FPS), Draws(seed, FPS)
    busy.event(0, 3)  # an extra event of the same kind, half a second earlier
    for frame in (20, 200, 2000):
        assert plain.event(0, frame).random() == busy.event(0, frame).random()
    bin_frames = int(EVENT_BIN_S * FPS)
    # two events in one bin draw differently (their rank), as do two kinds at one frame, and two seeds
    again = Draws(seed, FPS)
    assert again.event(0, 3 * bin_frames).random() != again.event(0, 3 * bin_frames + 1).random()
    assert Draws(seed, FPS).event(0, 40).random() != Draws(seed, FPS).event(1, 40).random()
    assert (
        Draws(seed, FPS).event(0, 40).random() != Draws(np.random.SeedSequence(6), FPS).event(0, 40).random()
    )


def test_a_phrase_starting_two_frames_earlier_changes_only_the_motion_near_it(prosody_60s, mouth_60s):
    # Real read speech; each phrase but the first and the last three in turn starts two frames earlier (voice activity decided a little
    # early, as the pushed analysis does on ~3 % of frames). With one generator drawn in order, the rest of the
    # clip took other turns: the share of later frames within 0.5 deg of the original take had a median of
    # 0.31 (yaw) and 0.23 (gaze) over 21 such cases (2026-12-02), a yaw correlation of 0.52, down to -0.89.
    n = prosody_60s.speech.shape[0]
    far_equal: dict[str, list[float]] = {"headYaw": [], "headPitch": [], "gazeYaw": [], "browInnerUp": []}
    correlations = []
    for seed in (1, 2, 3):
        stream, base = _take(mouth_60s, prosody_60s, seed)
        phrases = [phrase for phrase in stream.cues.phrases if phrase.end is not None]
        assert len(phrases) >= 8
        for phrase in phrases[1:-3]:
            speech = np.asarray(prosody_60s.speech).copy()
            speech[phrase.start - 2 : phrase.start] = True
            moved, take = _take(mouth_60s, dataclasses.replace(prosody_60s, speech=speech), seed)
            assert [p.start for p in moved.cues.phrases] != [p.start for p in stream.cues.phrases]
            far = np.arange(n) >= phrase.start + int(FAR_S * FPS)
            for name, values in far_equal.items():
                tolerance = 0.02 if name == "browInnerUp" else 0.5  # weight / degrees
                values.append(float(np.mean(np.abs(take[name][far] - base[name][far]) < tolerance)))
            correlations.append(float(np.corrcoef(take["headYaw"][far], base["headYaw"][far])[0, 1]))
    for name, shares in far_equal.items():
        # mostly identical; a changed posture can still flip the side of the next phrases' turns (a turn goes
        # back across more often than further out), so not every case is
        assert np.median(shares) >= 0.9, (name, shares)
        assert np.mean(shares) >= 0.7, (name, shares)
    assert np.median(correlations) >= 0.95, correlations
