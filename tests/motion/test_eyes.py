"""Blinks and gaze: natural rates and shapes, phrase-end timing, fixations on the camera, fast saccades."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dirfa.motion.cues import find_cues
from dirfa.motion.eyes import Blinks, blink_profile, blinks, gaze
from dirfa.motion.head import head_motion

FPS = 25.0
SEEDS = range(20)


@pytest.fixture(scope="module")
def cues(prosody_60s):
    return find_cues(prosody_60s, fps=FPS, n_frames=1500)


def _closures(curve: np.ndarray, *, fps: float = FPS) -> list[tuple[float, int]]:
    """(duration_s, number of full closures) of each stretch where the lid is down at all."""
    padded = np.concatenate([[0.0], curve, [0.0]]) > 0.0
    edges = np.flatnonzero(np.diff(padded.astype(np.int8))).reshape(-1, 2)
    # A stretch of k frames with the lid moving lasts about k+1 frame intervals.
    return [((end - start + 1) / fps, int(np.sum(curve[start:end] == 1.0))) for start, end in edges]


def test_natural_blink_rate_over_a_minute_of_speech(cues):
    rates = [len(blinks(cues, rng=np.random.default_rng(seed)).apex_frames) for seed in SEEDS]  # per 60 s
    assert all(12 <= rate <= 35 for rate in rates), rates
    assert 18 <= np.mean(rates) <= 30
    assert len(set(rates)) > 3  # irregular, not a metronome


def test_each_blink_closes_fully_and_lasts_100_to_400_ms(cues):
    for seed in SEEDS:
        result = blinks(cues, rng=np.random.default_rng(seed))
        for curve in (result.left, result.right):
            assert curve.min() >= 0.0 and curve.max() <= 1.0
            assert np.all(curve[result.apex_frames] == 1.0)
            for duration_s, full in _closures(curve):
                assert full >= 1
                assert 0.1 <= duration_s <= 0.4 * full + 1.0 / FPS
        # Both eyes blink together, with at most a slight difference in how they reopen.
        assert np.abs(result.left - result.right).max() < 0.2
        assert np.array_equal(result.left == 1.0, result.right == 1.0)


def test_double_blinks_happen_now_and_then(cues):
    doubles = 0
    for seed in SEEDS:
        curve = blinks(cues, rng=np.random.default_rng(seed)).left
        doubles += sum(full >= 2 for _, full in _closures(curve))
    assert 2 <= doubles <= 0.2 * 25 * len(SEEDS)


def test_lid_shuts_faster_than_it_opens():
    t = np.linspace(-0.1, 0.2, 301)
    lid = blink_profile(t, close_s=0.08, open_s=0.16)
    assert lid[np.argmin(np.abs(t))] == 1.0
    assert lid[0] == 0.0 and lid[-1] == 0.0
    assert np.abs(np.diff(lid[t < 0])).max() > 1.8 * np.abs(np.diff(lid[t > 0])).max()


@given(close_s=st.floats(0.02, 0.3), open_s=st.floats(0.02, 0.5), t=st.floats(-1.0, 1.0))
def test_blink_profile_is_a_weight(close_s, open_s, t):
    value = float(blink_profile(np.array([t]), close_s=close_s, open_s=open_s)[0])
    assert 0.0 <= value <= 1.0
    assert (value > 0.0) == (-close_s < t < open_s)


@pytest.mark.parametrize("rate", [6.0, 12.0, 45.0])
def test_requested_blink_rate_is_respected(cues, rate):
    counts = [
        len(blinks(cues, rng=np.random.default_rng(seed), rate_per_min=rate).apex_frames) for seed in SEEDS
    ]
    assert 0.8 * rate <= np.mean(counts) <= 1.2 * rate


def test_zero_blink_rate_means_no_blinks(cues):
    result = blinks(cues, rng=np.random.default_rng(0), rate_per_min=0.0)
    assert isinstance(result, Blinks) and not result.left.any() and result.apex_frames.size == 0


def test_blinks_gather_at_phrase_ends(cues):
    window = np.zeros(cues.n_frames, dtype=bool)
    for _start, end in cues.phrases:
        window[end : end + int(0.6 * FPS)] = True
    apexes = np.concatenate([blinks(cues, rng=np.random.default_rng(seed)).apex_frames for seed in SEEDS])
    # Far more blinks fall in the 0.6 s after a phrase than the share of time those windows take.
    assert window[apexes].mean() > 2.0 * window.mean()


def _gaze(cues, seed, *, still_head=False):
    rng = np.random.default_rng(seed)
    pose = head_motion(cues, rng=rng, amount=0.0 if still_head else 1.0)
    lid = blinks(cues, rng=rng).left
    return pose, lid, gaze(cues, rng=rng, head_yaw_deg=pose.yaw_deg, head_pitch_deg=pose.pitch_deg, blink=lid)


def test_gaze_is_mostly_at_the_camera(cues):
    for seed in SEEDS:
        pose, lid, eyes = _gaze(cues, seed)
        world_yaw = eyes.yaw_deg + pose.yaw_deg
        world_pitch = eyes.pitch_deg + pose.pitch_deg
        open_eyes = lid == 0.0
        on_camera = (np.abs(world_yaw) < 1.5) & (np.abs(world_pitch) < 1.5)
        assert on_camera[open_eyes].mean() > 0.45
        assert np.mean(np.abs(eyes.yaw_deg) < 5.0) > 0.7


def test_fixations_hold_and_saccades_are_fast(cues):
    for seed in SEEDS:
        _pose, _lid, eyes = _gaze(cues, seed, still_head=True)
        # With a still head and the blink dip removed the eyes hold still between saccades.
        moving = np.abs(np.diff(eyes.yaw_deg)) > 1e-9
        runs = np.diff(np.flatnonzero(np.concatenate([[True], moving, [True]])))
        still_runs = runs[runs > 1]
        assert np.median(still_runs) / FPS >= 0.5
        # A saccade is over within two frames: no stretch of 3+ frames in motion.
        padded = np.concatenate([[False], moving, [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded)).reshape(-1, 2)
        assert np.all(edges[:, 1] - edges[:, 0] <= 2)


def test_eyes_dip_during_blinks(cues):
    _pose, lid, eyes = _gaze(cues, 3, still_head=True)
    reference = np.roll(eyes.pitch_deg, 8)  # the same fixation a few frames earlier, mostly
    apex = np.flatnonzero(lid == 1.0)
    assert np.median(eyes.pitch_deg[apex] - reference[apex]) < -1.0
