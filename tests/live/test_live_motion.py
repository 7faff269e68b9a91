"""Live sessions move like the file mode: one motion generator (motion.stream.MotionStream) for both, so a
session speaking a sentence gives `dirfa say`'s head, eye and brow tracks, and an idle session stays alive."""

from __future__ import annotations

import numpy as np

import dirfa
from dirfa.live import Session
from dirfa.motion.head import END_SETTLE_MAX_S
from dirfa.motion.stream import LOOKAHEAD_S

FPS = 25
SEED = 7
# The tracks the motion stream makes alone (the mouth tracks also carry the session's lip sync).
MOTION = (
    "headYaw",
    "headPitch",
    "headRoll",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "gazeYaw",
    "gazePitch",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "browDownLeft",
    "browDownRight",
    "eyeWideLeft",
    "eyeWideRight",
    "mouthSmileLeft",
    "cheekSquintLeft",
)


def test_say_moves_as_the_file_mode_does(avatar, spoken):
    # A sentence said live and the same sentence through dirfa.say with the same seed: the same motion frame for
    # frame while the synthesised speech runs a look-ahead ahead of the clock (the live session then finalises
    # frames exactly as the file mode does); only the last LOOKAHEAD_S differ (the clip ends there, the session
    # goes on idle), and the head's and eyes' angles over the last END_SETTLE_MAX_S (the file, its length known,
    # eases the head back to rest from there). A tag opening the text sets the emotion from frame 0 in both.
    text = "[happy:0.6] Good morning, and welcome to a show about small computers."
    file = dirfa.say(None, text, fps=FPS, seed=SEED).tracks
    live = spoken(avatar, text, MOTION, fps=FPS, seed=SEED)
    same = file.n_frames - int(LOOKAHEAD_S * FPS) - 1
    assert same > 2 * FPS
    angles = file.n_frames - int(END_SETTLE_MAX_S * FPS) - 1
    assert angles > FPS
    for name in MOTION:
        upto = angles if name.startswith(("head", "gaze")) else same
        np.testing.assert_allclose(live[name][:upto], file.curves[name][:upto], atol=1e-6, err_msg=name)
    assert np.std(live["headYaw"][:same]) > 0.5  # and it does move: phrase postures, nods


def _world_gaze_shifts(curves: dict[str, np.ndarray]) -> int:
    """Saccades: frames where the eyes' direction in the world (eye-in-head + head) jumps by over 1 degree."""
    world = np.stack([curves["gazeYaw"] + curves["headYaw"], curves["gazePitch"] + curves["headPitch"]])
    step = np.hypot(*np.diff(world, axis=1))
    moving = step > 1.0
    return int(np.sum(moving[1:] & ~moving[:-1]) + moving[0])


def test_idle_and_listening_are_alive_at_plausible_rates(avatar):
    # A minute of idle, then a minute of listening: blinks near the rates at rest (Bentivoglio et al. 1997:
    # ~17/min, a wide spread between people), gaze shifts, slow head drift; nods while listening.
    with Session(avatar, render=False, fps=FPS, seed=SEED) as session:
        idle = [session.next_frame() for _ in range(60 * FPS)]
        session.listen(True)
        listening = [session.next_frame() for _ in range(60 * FPS)]
    for frames in (idle, listening):
        curves = {name: np.array([f.curves.get(name, 0.0) for f in frames]) for name in MOTION}
        closed = curves["eyeBlinkLeft"] > 0.5
        blinks = int(np.sum(closed[1:] & ~closed[:-1]))
        assert 5 <= blinks <= 45, blinks
        assert 3 <= _world_gaze_shifts(curves) <= 60
        assert 0.2 < np.std(curves["headYaw"]) < 4.0  # drift, not a frozen photo, not a speaker's turns
        assert np.abs(np.diff(curves["headPitch"])).max() < 1.0
        pitch = curves["headPitch"]
        level = np.convolve(pitch, np.ones(25) / 25, mode="same")
        dips = (pitch - level) < -0.8
        if frames is listening:
            assert np.sum(dips[1:] & ~dips[:-1]) >= 3  # backchannel nods, ~10 a minute
