"""MotionStream keeps bounded memory: a long stream that forgets its old history gives exactly the frames of one
that keeps everything, and every per-frame container stays bounded over an hour of idle and speech."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from dirfa.motion.cues import ACCENT_REFERENCE_COUNT, PITCH_REFERENCE_S, FrameHistory
from dirfa.motion.expression import parse_timeline
from dirfa.motion.generate import MotionOptions
from dirfa.motion.schedule import Ahead
from dirfa.motion.stream import EXPRESSION_BLOCK_S, HISTORY_S, MotionStream

# the synthetic session is shared with benchmarks/stream_memory.py
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from stream_driver import SyntheticProsody, drive, synthetic  # noqa: E402


def _emotions(stream: MotionStream, fps: float):
    """Change the emotion every 3 minutes, as set_emotion would (a key a little after the frame emitted)."""

    def on_frame(index: int) -> None:
        if index and index % int(180 * fps) == 0:
            name = ("happy", "sad", "neutral")[index // int(180 * fps) % 3]
            stream.set_expressions(parse_timeline(f"0:neutral,{index / fps + 0.5:.2f}:{name}:0.6"))

    return on_frame


def _rows(
    history_s: float | None, prosody: SyntheticProsody, utterance: np.ndarray, fps: float
) -> dict[str, np.ndarray]:
    stream = MotionStream(fps, MotionOptions(seed=5, head_motion=1.3), history_s=history_s)
    parts = list(drive(stream, prosody, utterance, jaw=True, on_frame=_emotions(stream, fps)))
    names = set().union(*parts)
    return {
        name: np.concatenate([p.get(name, np.zeros(p["headYaw"].shape[0])) for p in parts]) for name in names
    }


def test_forgetting_history_changes_no_frame():
    # 10 minutes at 25 fps (~20 s of CPU for the two takes): history_s=0 forgets everything no reader can
    # reach, after every frame: a reader reaching past its bound raises IndexError; the expression blocks,
    # emotion changes, the look-ahead cut short at utterance ends and advance_to's assumptions all recur.
    fps = 25.0
    prosody, utterance = synthetic(int(10 * 60 * fps), fps)
    forgetting = _rows(0.0, prosody, utterance, fps)
    keeping = _rows(None, prosody, utterance, fps)
    assert set(forgetting) == set(keeping)
    for name, values in keeping.items():
        assert values.shape == (prosody.speech.shape[0],), name
        np.testing.assert_array_equal(forgetting[name], values, err_msg=name)
    # the take moved and spoke: the comparison covers events, not a still face
    assert np.ptp(keeping["headYaw"]) > 1.0 and keeping["eyeBlinkLeft"].max() > 0.9
    assert keeping["mouthSmileLeft"].max() > 0.3 and keeping["browDownLeft"].max() > 0.1


def _container_sizes(stream: MotionStream) -> dict[str, int]:
    """Items held by every container in the stream, its cue tracker and its generators."""
    owners = {
        "stream": stream,
        "cues": stream.cues,
        "head": stream.head,
        "blinker": stream.blinker,
        "gazer": stream.gazer,
        "brows": stream.brows,
        "gestures": stream.gestures,
    }
    sizes: dict[str, int] = {}

    def size(path: str, value) -> None:
        if isinstance(value, FrameHistory):
            sizes[path] = len(value) - value.offset
        elif isinstance(value, Ahead):
            sizes[path] = value._values.shape[0]
        elif isinstance(value, np.ndarray):
            sizes[path] = value.size
        elif isinstance(value, dict):
            sizes[path] = len(value)
            for key, item in value.items():
                size(f"{path}.{key}", item)
        elif isinstance(value, (list, tuple, set)):
            sizes[path] = len(value)

    for owner, obj in owners.items():
        for name, value in vars(obj).items():
            size(f"{owner}.{name}", value)
    return sizes


def test_an_hour_of_idle_and_speech_keeps_every_container_bounded():
    # 10 fps keeps an hour at ~15-20 s of CPU (a frame costs ~0.25 ms of CPU in this loop); the
    # bounds are in seconds, so they hold at any frame rate.
    fps = 10.0
    prosody, utterance = synthetic(int(60 * 60 * fps), fps, seed=1)
    stream = MotionStream(fps, MotionOptions(seed=2))
    on_emotion = _emotions(stream, fps)
    minutes: dict[int, dict[str, int]] = {}

    def on_frame(index: int) -> None:
        on_emotion(index)
        if (index + 1) % int(60 * fps) == 0:
            minutes[(index + 1) // int(60 * fps)] = _container_sizes(stream)

    frames = sum(
        part["headYaw"].shape[0] for part in drive(stream, prosody, utterance, jaw=False, on_frame=on_frame)
    )
    assert frames == prosody.speech.shape[0]
    assert len(stream.cues.accents) > 1000 and len(stream.blinker.apexes) > 300  # counts survive forgetting
    # At most 2 * HISTORY_S of frames plus the look-ahead, an expression block, a generator's plan ahead.
    # The speaker's pitch median and accent reference are over their last PITCH_REFERENCE_S of voice and
    # ACCENT_REFERENCE_COUNT accents (plus what comes in between two drops).
    bound = int((2 * HISTORY_S + 1) * fps) + 1
    bound = max(bound, int(EXPRESSION_BLOCK_S * fps), 256)
    bounds = {
        "cues._voiced_f0": int(PITCH_REFERENCE_S * fps) + bound,
        "cues._heights": ACCENT_REFERENCE_COUNT + bound,
    }
    late = minutes[60]
    for path, items in late.items():
        assert items <= bounds.get(path, bound), f"{path} holds {items} items after an hour"
    # flat: an hour in, no container holds more than it did at its largest between minutes 10 and 20 (the
    # event records hold the events of the last few minutes, a random count: a quarter more is allowed; a
    # container that grew with the hour would hold ~5 times as much)
    for path, items in late.items():
        if path in bounds:  # these fill up to their own window over the first ~40 minutes
            continue
        early_peak = max(minutes[m].get(path, 0) for m in range(10, 21))
        assert items <= 1.25 * max(early_peak, 16), (
            f"{path}: {items} items at 60 min, at most {early_peak} at 10-20 min"
        )


@pytest.mark.parametrize("history_s", [0.0, 1.0])
def test_forgotten_frames_cannot_be_read(history_s):
    fps = 25.0
    prosody, utterance = synthetic(int(60 * fps), fps, seed=2)
    stream = MotionStream(fps, MotionOptions(seed=1), history_s=history_s)
    for _ in drive(stream, prosody, utterance, jaw=False):
        pass
    assert stream.cues.speech.offset > 0 and len(stream.cues.speech) == prosody.speech.shape[0]
    with pytest.raises(IndexError, match="forgotten"):
        stream.cues.speech[0]
    with pytest.raises(TypeError):
        list(stream.cues.activity)
    assert stream.cues.activity[-1] == stream.cues.activity[len(stream.cues.activity) - 1]
