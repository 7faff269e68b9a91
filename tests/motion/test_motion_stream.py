"""MotionStream: streaming equals offline, the look-ahead is bounded, an idle face lives, seeds differ."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dirfa.motion.expression import parse_timeline
from dirfa.motion.generate import MotionOptions, generate
from dirfa.motion.head import END_SETTLE_MAX_S
from dirfa.motion.stream import HISTORY_S, LOOKAHEAD_S, MotionStream

FPS = 25.0


def _cut(prosody, start: int, end: int):
    return dataclasses.replace(
        prosody,
        **{f.name: np.asarray(getattr(prosody, f.name))[start:end] for f in dataclasses.fields(prosody)},
    )


def _streamed(mouth, prosody, options, chunks: list[int], **stream_options) -> dict[str, np.ndarray]:
    stream = MotionStream(FPS, options, **stream_options)
    parts, start = [], 0
    n = prosody.speech.shape[0]
    for size in chunks:
        end = min(start + size, n)
        parts.append(stream.push({k: v[start:end] for k, v in mouth.items()}, _cut(prosody, start, end)))
        start = end
    parts.append(stream.finish())
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[-1]}


@pytest.mark.parametrize("chunk_seed, history_s", [(0, HISTORY_S), (1, HISTORY_S), (2, 0.0)])
def test_streaming_equals_offline(prosody_8s, mouth_8s, chunk_seed, history_s):
    # history_s=0: the stream forgets all it can after every frame (tests/motion/test_stream_memory.py).
    # Told the clip's length, as generate() is (tests/motion/test_end_settle.py: not told, the head's end
    # settle differs).
    # prosody_8s is 30 fps; read it as 25 fps (a slower clip): every generator sees the same frames either way.
    options = MotionOptions(seed=9, head_motion=1.5, expressions=parse_timeline("0:happy:0.4,4:sad:0.5"))
    n = prosody_8s.speech.shape[0]
    offline = generate(mouth_8s, prosody_8s, fps=FPS, n_frames=n, options=options)
    rng = np.random.default_rng(chunk_seed)
    chunks = [int(rng.integers(1, 40)) for _ in range(n)]
    streamed = _streamed(mouth_8s, prosody_8s, options, chunks, history_s=history_s, n_frames=n)
    assert set(streamed) == set(offline.curves)
    for name, curve in offline.curves.items():
        assert streamed[name].shape == (n,)
        np.testing.assert_allclose(streamed[name], curve, atol=1e-5, err_msg=name)


def test_lookahead_is_bounded(prosody_60s, mouth_60s):
    # Whatever comes after frame k + look-ahead cannot change frames up to k: each push returns only final frames.
    lookahead = int(LOOKAHEAD_S * FPS)
    assert LOOKAHEAD_S <= 0.5
    k = 400
    mouth = {name: curve[: k + lookahead + 1] for name, curve in mouth_60s.items()}
    stream = MotionStream(FPS, MotionOptions(seed=2))
    early = stream.push(mouth, _cut(prosody_60s, 0, k + lookahead + 1))
    assert early["headYaw"].shape[0] >= k + 1
    full = generate(mouth_60s, prosody_60s, fps=FPS, n_frames=1500, options=MotionOptions(seed=2))
    other = _cut(prosody_60s, 0, 1500)
    other = dataclasses.replace(
        other, speech=np.r_[other.speech[: k + lookahead + 1], ~other.speech[k + lookahead + 1 :]]
    )
    changed = generate(mouth_60s, other, fps=FPS, n_frames=1500, options=MotionOptions(seed=2))
    for name in ("headYaw", "headPitch", "eyeBlinkLeft", "gazeYaw", "browInnerUp"):
        np.testing.assert_allclose(early[name][: k + 1], full.curves[name][: k + 1], atol=1e-5)
        np.testing.assert_allclose(changed.curves[name][: k + 1], full.curves[name][: k + 1], atol=1e-5)
        assert not np.allclose(changed.curves[name], full.curves[name])  # the change did matter later


def test_idle_face_lives_and_listening_nods():
    n = int(30 * FPS)
    stream = MotionStream(FPS, MotionOptions(seed=4))
    first, rest = stream.push({}, None, n_frames=n), stream.finish()
    idle = {name: np.concatenate([first[name], rest[name]]) for name in rest}
    assert idle["headYaw"].shape == (n,)
    assert len(stream.blinker.apexes) >= 4  # ~17 blinks/min at rest
    assert 0.3 < np.std(idle["headYaw"]) < 4.0  # drift and breathing, not a frozen photo
    assert len(stream.gazer.shifts) >= 5
    listener = MotionStream(FPS, MotionOptions(seed=4))
    pitch = np.concatenate(
        [listener.push({}, None, listening=True, n_frames=n)["headPitch"], listener.finish()["headPitch"]]
    )

    def dips(curve):
        level = np.convolve(curve, np.ones(25) / 25, mode="same")
        low = (curve - level) < -0.8
        return int(np.sum(low[1:] & ~low[:-1]))

    assert dips(pitch) >= 2 and dips(pitch) > dips(idle["headPitch"])


def test_seeds_differ_in_performance_not_in_lips(prosody_60s, mouth_60s):
    takes = [
        generate(mouth_60s, prosody_60s, fps=FPS, n_frames=1500, options=MotionOptions(seed=s))
        for s in range(4)
    ]
    for a in range(len(takes)):
        for b in range(a + 1, len(takes)):
            first, second = takes[a].curves, takes[b].curves
            assert np.mean(np.abs(first["headYaw"] - second["headYaw"])) >= 2.0
            aperture = [c["jawOpen"] * (1 - c["mouthClose"]) for c in (first, second)]
            assert np.corrcoef(*aperture)[0, 1] >= 0.9


def _clocked(prosody, options, *, assume: str, ahead: int = 0) -> tuple[MotionStream, dict[str, np.ndarray]]:
    """A live session's use: each frame's input arrives `ahead` frames before the frame is due (0: at the clock),
    and the due frame is finalised then with advance_to."""
    stream = MotionStream(FPS, options)
    n = prosody.speech.shape[0]
    parts = [stream.push({}, _cut(prosody, 0, min(ahead, n)))] if ahead else []
    for frame in range(n):
        if frame + ahead < n:
            parts.append(stream.push({}, _cut(prosody, frame + ahead, frame + ahead + 1)))
        parts.append(stream.advance_to(frame, assume=assume))
        assert stream.emitted == frame + 1  # exactly the due frame is final, never more or less
    return stream, {name: np.concatenate([p[name] for p in parts]) for name in parts[-1]}


def test_advance_to_forgets_its_assumption(prosody_60s):
    # Frames finalised at the clock see the prosody only up to themselves; the cues (phrases, accents) the
    # stream keeps are still exactly those the real input decides: an assumption never becomes an event.
    prosody = _cut(prosody_60s, 0, 750)
    options = MotionOptions(seed=5)
    reference = MotionStream(FPS, options)
    reference.push({}, prosody)
    for assume in ("speech", "silence"):
        stream, curves = _clocked(prosody, options, assume=assume)
        assert stream.cues.phrases == reference.cues.phrases[: len(stream.cues.phrases)]
        assert len(stream.cues.phrases) >= len(reference.cues.phrases) - 1
        assert stream.cues.accents == reference.cues.accents[: len(stream.cues.accents)]
        assert stream.cues.speech == reference.cues.speech[: len(stream.cues.speech)]
        # ... and the take still moves like one: phrase postures, nods, blinks, no frame-to-frame step.
        assert 1.0 < np.std(curves["headYaw"]) < 10.0
        assert len(stream.blinker.apexes) >= 5
        assert np.abs(np.diff(curves["headPitch"])).max() < 1.8


def test_advance_to_with_the_input_ahead_is_the_offline_take(prosody_60s):
    # When the input runs a look-ahead ahead of the clock, advance_to has nothing to finalise early: the
    # frames are the offline ones exactly (a live session speaking synthesised text is in this case).
    prosody = _cut(prosody_60s, 0, 500)
    options = MotionOptions(seed=6, expressions=parse_timeline("0:happy:0.5"))
    offline = generate({}, prosody, fps=FPS, n_frames=500, options=options).curves
    lookahead = MotionStream(FPS, options).lookahead
    _stream, curves = _clocked(prosody, options, assume="speech", ahead=lookahead)
    for name in (
        "headYaw",
        "headPitch",
        "headRoll",
        "eyeBlinkLeft",
        "gazeYaw",
        "browInnerUp",
        "mouthSmileLeft",
    ):
        # the file's head (and so its gaze in the head) eases back to rest over the last END_SETTLE_MAX_S: it
        # knows its length, a live session does not (tests/motion/test_end_settle.py)
        upto = 500 - (int(END_SETTLE_MAX_S * FPS) + 1 if name.startswith(("head", "gaze")) else lookahead)
        np.testing.assert_allclose(curves[name][:upto], offline[name][:upto], atol=1e-9)


def test_set_expressions_changes_only_frames_not_yet_final():
    stream = MotionStream(FPS, MotionOptions(seed=1))
    first = stream.push({}, None, n_frames=100)
    assert "mouthSmileLeft" in first and "cheekSquintLeft" not in first
    stream.set_expressions(parse_timeline("0:neutral,6:happy"))
    rest = stream.push({}, None, n_frames=100)
    smile = rest["cheekSquintLeft"]  # the frames made after the change: eased in from neutral
    assert smile[-1] > 0.5 and np.abs(np.diff(smile)).max() < 0.1
