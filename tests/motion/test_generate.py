"""generate(): reproducible takes, lip sync passed through, expressions laid over it without breaking closures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dirfa.errors import InputError
from dirfa.motion.expression import parse_emotion, parse_timeline
from dirfa.motion.generate import MotionOptions, generate
from dirfa.motion.stream import SETTLE_S
from dirfa.motion.tracks import TRACK_SPECS, Tracks

FPS = 30.0
N = 240  # prosody_8s: 8 s at 30 fps


def _take(mouth, prosody, **options) -> Tracks:
    return generate(mouth, prosody, fps=FPS, n_frames=N, options=MotionOptions(**options))


def test_same_seed_same_take(mouth_8s, prosody_8s):
    first, second = _take(mouth_8s, prosody_8s, seed=7), _take(mouth_8s, prosody_8s, seed=7)
    assert first.curves.keys() == second.curves.keys()
    for name in first.curves:
        assert np.array_equal(first.curves[name], second.curves[name])


def test_other_seeds_change_the_motion_but_never_the_lips(mouth_8s, prosody_8s):
    takes = [_take(mouth_8s, prosody_8s, seed=seed) for seed in range(8)]
    # Between the first voice and the settle at the end (stream.SETTLE_S: the lips relax to rest there)
    first_voice = int(np.flatnonzero(prosody_8s.speech)[0])
    inside = slice(first_voice, N - int(np.ceil(SETTLE_S * FPS)) - 1)
    for take in takes:
        # Seeds add smiles and pressed or pursed lips in pauses, but the jaw and closures are the lip sync's.
        for name in ("jawOpen", "mouthClose"):
            assert np.array_equal(take.curves[name][inside], mouth_8s[name][inside].astype(np.float32))
            assert np.array_equal(take.curves[name], takes[0].curves[name])
    for name in ("headYaw", "headPitch", "eyeBlinkLeft", "gazeYaw"):
        curves = [take.curves[name] for take in takes]
        assert all(not np.array_equal(curves[0], other) for other in curves[1:]), name
    blink_frames = {tuple(np.flatnonzero(take.curves["eyeBlinkLeft"] == 1.0)) for take in takes}
    assert len(blink_frames) == len(takes)
    brows = {take.curves["browInnerUp"].tobytes() for take in takes}
    assert len(brows) >= len(takes) - 2  # a take may have no raise at all in 8 s


def test_all_tracks_are_present_and_in_range(mouth_8s, prosody_8s):
    take = _take(mouth_8s, prosody_8s, expressions=parse_emotion("surprised"))
    assert take.n_frames == N and take.fps == FPS
    for name in (
        "headYaw",
        "headPitch",
        "headRoll",
        "eyeBlinkLeft",
        "eyeBlinkRight",
        "gazeYaw",
        "gazePitch",
        "browInnerUp",
        "browOuterUpLeft",
        "browDownRight",
        "eyeWideLeft",
        "jawOpen",
    ):
        assert name in take.curves
    for name, curve in take.curves.items():
        spec = TRACK_SPECS[name]
        assert spec.low <= curve.min() and curve.max() <= spec.high
        if spec.unit == "deg":
            assert np.abs(curve).max() <= 22.0 + 14.0  # head <= 22; eyes counter-rotate beyond


def test_happy_smiles_through_closed_lips(mouth_8s, prosody_8s):
    neutral = _take(mouth_8s, prosody_8s)
    happy = _take(mouth_8s, prosody_8s, expressions=parse_emotion("happy:0.8"))
    assert np.array_equal(happy.curves["mouthClose"], neutral.curves["mouthClose"])
    assert np.array_equal(happy.curves["jawOpen"], neutral.curves["jawOpen"])
    closed = mouth_8s["mouthClose"] == 1.0
    assert closed.any() and np.all(happy.curves["mouthClose"][closed] == 1.0)
    # The smile holds through the clip; rounded sounds (oo, w) lower it (test_a_smile_gives_way_to_rounded_sounds).
    rounded = mouth_8s["mouthFunnel"] > 0.05
    assert rounded.any() and not rounded.all()
    assert happy.curves["mouthSmileLeft"][~rounded].min() > 0.4 and happy.curves["mouthSmileLeft"].min() > 0.2
    assert happy.curves["cheekSquintRight"].min() > 0.2
    assert neutral.curves["mouthSmileLeft"].mean() < 0.1  # now and then a brief smile, no more


def test_sad_frowns_and_raises_the_inner_brows(mouth_8s, prosody_8s):
    neutral = _take(mouth_8s, prosody_8s)
    sad = _take(mouth_8s, prosody_8s, expressions=parse_emotion("sad"))
    assert sad.curves["mouthFrownLeft"].min() > 0.3
    assert np.all(sad.curves["browInnerUp"] >= neutral.curves["browInnerUp"])
    assert sad.curves["browInnerUp"].mean() > neutral.curves["browInnerUp"].mean() + 0.3


def test_surprise_opens_the_jaw_but_not_through_bilabials(mouth_8s, prosody_8s):
    surprised = _take(mouth_8s, prosody_8s, expressions=parse_emotion("surprised"))
    lips = _take(mouth_8s, prosody_8s).curves["jawOpen"]  # the lip sync's jaw, at rest at the clip's ends
    closed = mouth_8s["mouthClose"] == 1.0
    assert np.array_equal(surprised.curves["jawOpen"][closed], lips[closed])
    assert np.all(surprised.curves["jawOpen"][~closed] > lips[~closed] - 1e-6)
    assert np.mean(surprised.curves["jawOpen"][~closed] - lips[~closed]) > 0.03
    # A blink shuts the wide-open eye.
    shut = surprised.curves["eyeBlinkLeft"] == 1.0
    assert shut.any() and np.all(surprised.curves["eyeWideLeft"][shut] == 0.0)
    assert surprised.curves["eyeWideLeft"].max() > 0.5


def test_a_timeline_changes_expression_over_time(mouth_8s, prosody_8s):
    take = _take(mouth_8s, prosody_8s, expressions=parse_timeline("0:happy,4:angry:0.6"))
    smile, frown = take.curves["mouthSmileLeft"], take.curves["browDownLeft"]
    assert smile[:90].min() > 0.5 and smile[125:].mean() < 0.1  # (a brief smile in a pause may remain)
    # angry at 0.6 is browDown 0.54; the intensity wanders by EXPRESSION_DRIFT (0.2) times a unit-ish noise, so
    # a few seconds may dip to ~2 standard deviations below: 0.54 * (1 - 2 * 0.2) ~ 0.32.
    assert frown[125:].min() >= 0.3


def test_switches(mouth_8s, prosody_8s):
    still = _take(mouth_8s, prosody_8s, head_motion=0.0, gaze=False, blink_rate_per_min=0.0)
    for name in ("headYaw", "headPitch", "headRoll", "gazeYaw", "gazePitch", "eyeBlinkLeft", "eyeBlinkRight"):
        assert np.all(still.curves[name] == 0.0), name
    # Turning gaze off does not reshuffle the other parts of the take.
    with_gaze = _take(mouth_8s, prosody_8s, seed=3)
    without = _take(mouth_8s, prosody_8s, seed=3, gaze=False)
    assert np.array_equal(with_gaze.curves["headYaw"], without.curves["headYaw"])
    assert np.array_equal(with_gaze.curves["eyeBlinkLeft"], without.curves["eyeBlinkLeft"])


def test_prosody_length_may_be_off_by_a_frame_and_may_be_missing(mouth_8s, prosody_8s):
    short = dataclasses.replace(
        prosody_8s, **{f.name: getattr(prosody_8s, f.name)[:-1] for f in dataclasses.fields(prosody_8s)}
    )
    assert _take(mouth_8s, short).n_frames == N
    idle = generate({}, None, fps=25.0, n_frames=250)
    assert idle.n_frames == 250 and idle.curves["headYaw"].std() > 0.3
    assert generate({}, None, fps=25.0, n_frames=0).n_frames == 0


def test_mismatched_lip_sync_is_a_bug_not_a_guess(prosody_8s):
    with pytest.raises(ValueError, match="shape"):
        generate({"jawOpen": np.zeros(N - 5)}, prosody_8s, fps=FPS, n_frames=N)
    with pytest.raises(ValueError, match="unknown"):
        generate({"tongueOut": np.zeros(N)}, prosody_8s, fps=FPS, n_frames=N)


@pytest.mark.parametrize(
    "options",
    [
        {"seed": -1},
        {"seed": 1.5},
        {"head_motion": -0.1},
        {"head_motion": 9.0},
        {"head_motion": float("nan")},
        {"blink_rate_per_min": -3.0},
        {"blink_rate_per_min": 1000.0},
        {"blink_rate_per_min": float("inf")},
    ],
)
def test_options_are_checked(options):
    with pytest.raises(InputError):
        MotionOptions(**options)


def test_generated_tracks_survive_json(tmp_path, mouth_8s, prosody_8s):
    take = _take(mouth_8s, prosody_8s, expressions=parse_emotion("happy:0.5"), seed=11)
    path = tmp_path / "take.json"
    take.save(path)
    loaded = Tracks.load(path)
    assert (
        loaded.fps == take.fps
        and loaded.n_frames == take.n_frames
        and loaded.curves.keys() == take.curves.keys()
    )
    for name in take.curves:
        assert np.allclose(loaded.curves[name], take.curves[name], atol=6e-5)


def test_a_smile_gives_way_to_rounded_sounds(mouth_8s, prosody_8s):
    """A happy face still rounds its lips for oo/w/o: where lip sync rounds the lips, the emotion's smile is
    lowered (it kept its full weight and all but cancelled the rounding), and where it does not, it stays."""
    mouth = dict(mouth_8s)
    rounding = np.zeros(N)
    for start in np.flatnonzero(prosody_8s.speech)[45::60]:  # an "oo" of 0.4 s in each stretch of speech
        rounding[start : start + 12] = 0.8
    mouth["mouthPucker"] = rounding
    take = _take(mouth, prosody_8s, expressions=parse_emotion("happy"), seed=3)
    smile = take.curves["mouthSmileLeft"]
    inside = np.arange(N) > FPS  # past the clip's start, where the emotion has its full weight
    rounded = inside & (rounding > 0.5)
    spread = inside & (rounding < 0.05)
    assert rounded.sum() >= 5 and spread.sum() >= 20
    assert np.median(smile[rounded]) < 0.6 * np.median(smile[spread])
    assert np.median(smile[spread]) > 0.5
