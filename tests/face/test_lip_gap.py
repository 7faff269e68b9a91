"""Rig.mouth_open_px (the inner-lip gap from the lips' rows alone) against the whole pose, and api.steady_mouth
measuring it on every face: no one-frame lip or teeth state on the posed rig, closed or open at rest (issue 14).
"""

from __future__ import annotations

import numpy as np
import pytest

import dirfa
from dirfa.api import LIP_GAP_STATES, steady_mouth
from dirfa.media.audio import load_audio

N_CLIPS = 3  # of the five pocketsphinx-testdata LibriVox recordings (~4-6 s each)


def _poses(n: int) -> list[dict[str, float]]:
    """Speech-like mouths with blinks, gaze and head turns, seeded, and the extremes."""
    rng = np.random.default_rng(14)
    names = [
        "jawOpen", "mouthClose", "mouthPucker", "mouthFunnel", "mouthRollLower", "mouthSmileLeft",
        "mouthSmileRight", "mouthStretchLeft", "mouthFrownRight", "mouthUpperUpLeft", "mouthLowerDownRight",
        "mouthLowerDownLeft", "eyeBlinkLeft", "eyeBlinkRight", "eyeSquintLeft", "cheekSquintRight", "eyeWideLeft",
    ]  # fmt: skip
    poses: list[dict[str, float]] = [{}, {"jawOpen": 1.0}, {"jawOpen": 1.0, "mouthClose": 1.0}]
    poses.append({"headYaw": 20.0, "headPitch": -15.0, "headRoll": 10.0, "jawOpen": 0.6, "gazeYaw": 15.0})
    while len(poses) < n:
        pose = {name: float(rng.uniform(0, 1)) for name in names if rng.random() < 0.4}
        for name, limit in (("headYaw", 25), ("headPitch", 15), ("headRoll", 10), ("gazeYaw", 15)):
            if rng.random() < 0.7:
                pose[name] = float(rng.uniform(-limit, limit))
        poses.append(pose)
    return poses


def _single_frames(values: np.ndarray, low: float, high: float) -> list[int]:
    state, current = np.zeros(len(values), np.int8), 0
    for i, value in enumerate(values):
        current = -1 if value <= low else (1 if value >= high else current)
        state[i] = current
    return [
        i for i in range(1, len(state) - 1) if state[i] != 0 and state[i - 1] == state[i + 1] == -state[i]
    ]


@pytest.mark.parametrize("closed", [False, True], ids=["open_rest", "closed_rest"])
def test_lip_gap_equals_the_whole_poses(rig, closed):
    rig = rig.closed_at_rest() if closed else rig
    diffs = [abs(rig.mouth_open_px(params) - rig.pose(params).mouth_open_px) for params in _poses(80)]
    assert max(diffs) < 1e-3, max(diffs)
    assert rig.mouth_open_px({"jawOpen": 1.0}) > rig.mouth_open_px({}) + 5  # a real gap, not a constant


@pytest.fixture(scope="module")
def tracks(librivox_clip) -> dict[str, dict[str, np.ndarray]]:
    """Every track of LibriVox clips animated on the acoustic (language "zz") and the English path."""
    found = {}
    for path in sorted(librivox_clip.parent.glob("*.wav"))[:N_CLIPS]:
        audio = load_audio(path)
        for language in ("zz", "en"):
            found[f"{path.stem[-4:]} {language}"] = dirfa.animate(audio, language=language, seed=5).curves
    return found


@pytest.mark.parametrize("closed", [False, True], ids=["open_rest", "closed_rest"])
def test_no_one_frame_lip_or_teeth_state_on_the_posed_rig(rig, tracks, closed):
    rig = rig.closed_at_rest() if closed else rig
    width, rest = rig.frame.mouth_px, rig.pose({}).mouth_open_px
    found, opened = {}, 0
    for name, curves in tracks.items():
        steady = steady_mouth(rig, curves)
        n = len(steady["jawOpen"])
        # Read off the whole pose, as the renderer poses it (not the lip-only gap steady_mouth measured).
        gaps = np.array(
            [rig.pose({k: float(v[i]) for k, v in steady.items()}).mouth_open_px for i in range(n)]
        )
        gaps = (gaps - rest) / width
        opened += int((gaps >= LIP_GAP_STATES[0][1]).sum())
        for state, (low, high) in zip(("lips", "teeth"), LIP_GAP_STATES):
            frames = _single_frames(gaps, low, high)
            if frames:
                found[f"{name} {state}"] = frames
    assert opened > 100  # the clips do open and shut the mouth
    assert not found, found
