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


def _turned_photo(rig):  # noqa: ANN001, ANN202
    """The rig with a photo turned 8 degrees and the rotation depth offsets such a photo has (a turn back
    towards the camera and one further away each take their own), so every branch of the head's turn runs."""
    import dataclasses

    offset = rig.depth_offset
    return dataclasses.replace(
        rig,
        photo_turn_deg=8.0,
        frontalise_depth_offset=(0.5 * offset).astype(np.float32),
        turn_away_depth_offset=(1.5 * offset).astype(np.float32),
        turn_away_eye_depth_offset=(2.0 * offset).astype(np.float32),
    )


@pytest.mark.parametrize("variant", ["open_rest", "closed_rest", "turned_photo"])
def test_a_frames_lip_gap_is_the_same_measured_alone_or_among_others(rig, variant):
    """Rig.mouth_open_px_frames (steady_mouth's measure of a whole clip at once) and Rig.mouth_open_px (one
    frame) are one posing path: a frame's gap is the same bit for bit measured alone, among all the frames
    or among a few, whether the frames beside it turn, nod and tilt the head or hold it still."""
    rig = {"open_rest": rig, "closed_rest": rig.closed_at_rest(), "turned_photo": _turned_photo(rig)}[variant]
    poses = _poses(120)
    names = sorted({name for pose in poses for name in pose})
    curves = {name: np.array([pose.get(name, 0.0) for pose in poses], np.float32) for name in names}
    at_once = rig.mouth_open_px_frames(curves, len(poses))
    alone = [rig.mouth_open_px({name: float(curves[name][f]) for name in names}) for f in range(len(poses))]
    assert at_once.shape == (len(poses),)
    assert np.array_equal(at_once, alone)
    assert np.array_equal(
        rig.mouth_open_px_frames({k: v[30:37] for k, v in curves.items()}, 7), at_once[30:37]
    )
    still = sum(not any(pose.get(k) for k in ("headYaw", "headPitch", "headRoll")) for pose in poses)
    assert 5 < still < len(poses) - 5  # still heads and turned ones side by side
    # The whole pose's gap, within float rounding (the lips' rows alone, in float64).
    whole = [
        rig.pose({name: float(curves[name][f]) for name in names}).mouth_open_px for f in range(len(poses))
    ]
    assert np.abs(at_once - whole).max() < 1e-3
    assert np.ptp(at_once) > 5


def test_steady_mouth_makes_the_curves_a_measure_per_frame_makes(rig, tracks):
    """steady_mouth measures every frame at once, then a frame alone once it has changed it: the curves are
    those a Rig.mouth_open_px call per frame makes (as steady_mouth measured before)."""
    from dirfa.speech import coarticulation

    for rest in (rig, rig.closed_at_rest()):
        base, width = rest.mouth_open_px({}), max(rest.frame.mouth_px, 1e-3)

        def gap(values: dict[str, np.ndarray], frame: int, rest=rest, base=base, width=width) -> float:
            return (rest.mouth_open_px({name: float(v[frame]) for name, v in values.items()}) - base) / width

        # One clip again with a one-frame opening put in a closed stretch, so there is always something to mend
        # (the clips' own tracks may hold no one-frame state on this face).
        flashed = dict(next(iter(tracks.values())))
        jaw = np.asarray(flashed["jawOpen"], np.float32).copy()
        shut = np.nonzero((jaw[:-2] < 0.02) & (jaw[1:-1] < 0.02) & (jaw[2:] < 0.02))[0] + 1
        jaw[shut[shut.size // 2]] = 0.6
        flashed["jawOpen"] = jaw
        changed = 0
        for curves in [*tracks.values(), flashed]:
            each = coarticulation.no_single_frames(curves, openness=gap, states=LIP_GAP_STATES)
            at_once = steady_mouth(rest, curves)
            assert each.keys() == at_once.keys()
            for name in each:
                assert np.array_equal(each[name], at_once[name]), name
            changed += sum(int((each[name] != np.asarray(curves[name], np.float32)).sum()) for name in each)
        assert changed > 0  # some one-frame states were there to mend
