"""Head motion: natural spread, smoothness, nods on accents, scaling by head_motion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dirfa.motion.cues import find_cues
from dirfa.motion.head import MAX_ANGLE_DEG, filtered_noise, head_motion

SEEDS = range(20)


@pytest.fixture(scope="module")
def cues(prosody_60s):
    return find_cues(prosody_60s, fps=25.0, n_frames=1500)


def _poses(cues, amount):
    poses = [head_motion(cues, rng=np.random.default_rng(seed), amount=amount) for seed in SEEDS]
    return np.stack([np.stack([p.yaw_deg, p.pitch_deg, p.roll_deg]) for p in poses])  # (seeds, 3, n)


def test_natural_spread_over_seeds(cues):
    angles = _poses(cues, 1.0)
    std = angles.std(axis=2)  # (seeds, 3)
    yaw, pitch, roll = std.mean(axis=0)
    assert 2.0 <= yaw <= 8.0
    assert 1.5 <= pitch <= 6.0
    assert 0.5 <= roll < yaw
    # Every take moves visibly, none wildly.
    assert np.all((std[:, 0] > 1.2) & (std[:, 0] < 8.0))
    assert np.all((std[:, 1] > 0.8) & (std[:, 1] < 6.0))
    assert np.abs(angles).max() <= MAX_ANGLE_DEG


def test_motion_is_smooth(cues):
    for amount, limit in ((1.0, 1.5), (2.0, 2.5)):
        steps = np.abs(np.diff(_poses(cues, amount), axis=2))
        assert steps.max() < limit  # degrees per frame at 25 fps
        # No jitter: the second difference (acceleration) is small next to the motion itself.
        assert np.abs(np.diff(_poses(cues, amount), n=2, axis=2)).mean() < 0.05 * amount


def test_head_motion_scales(cues):
    still = _poses(cues, 0.0)
    assert np.all(still == 0.0)
    natural, lively = _poses(cues, 1.0).std(axis=2), _poses(cues, 2.0).std(axis=2)
    assert np.all(lively > 1.5 * natural)


def test_nods_land_on_accents(cues):
    # Averaged over takes, the chin is lower at accented syllables than 0.4 s before them.
    pitch = _poses(cues, 1.0)[:, 1].mean(axis=0)
    accents = cues.accents[(cues.accents > 10) & (cues.accent_strength > 0.5)]
    assert np.mean(pitch[accents] - pitch[accents - 10]) < -0.3


def test_listening_is_calmer_than_talking(synthetic):
    # Speech for the first 10 s, silence for the next 10 s.
    prosody = synthetic(fps=25.0, phrases=[(0.0 + 2 * i, 1.6 + 2 * i, 0.0) for i in range(5)], seconds=20.0)
    cues = find_cues(prosody, fps=25.0, n_frames=500)
    speed = np.abs(np.diff(_poses(cues, 1.0), axis=2)).mean(axis=(0, 1))
    assert speed[:240].mean() > 1.3 * speed[260:].mean()


def test_filtered_noise_has_unit_spread_whatever_the_length():
    rng = np.random.default_rng(0)
    long = filtered_noise(rng, 100_000, sigma_s=0.35, fps=25.0)
    assert 0.9 < long.std() < 1.1
    assert np.abs(np.diff(long)).max() < 0.5  # no frame-to-frame noise
    short = np.concatenate([filtered_noise(rng, 20, sigma_s=1.5, fps=25.0) for _ in range(2000)])
    assert 0.85 < np.sqrt(np.mean(short**2)) < 1.15


@settings(max_examples=25, deadline=None)
@given(amount=st.floats(0.0, 3.0), seed=st.integers(0, 2**32 - 1), fps=st.sampled_from([12.0, 25.0, 60.0]))
def test_angles_stay_bounded_and_finite(prosody_8s, amount, seed, fps):
    cues = find_cues(prosody_8s, fps=fps, n_frames=int(8 * fps))
    pose = head_motion(cues, rng=np.random.default_rng(seed), amount=amount)
    for angle in (pose.yaw_deg, pose.pitch_deg, pose.roll_deg):
        assert angle.shape == (int(8 * fps),)
        assert np.all(np.isfinite(angle)) and np.abs(angle).max() <= MAX_ANGLE_DEG
