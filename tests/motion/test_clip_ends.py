"""Clips start and end at the rest pose, so clips play back to back without a jump: on real synthesised
(`dirfa.say`: festival, flite, espeak-ng) and recorded (pocketsphinx-testdata) speech, the first and last frames
have the head square, the eyes on the camera and open, the brows and mouth at rest; the mouth stays shut in
the silence before the first voice until the anticipation window, and the settle at the end is a movement,
not a jump."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dirfa import api
from dirfa.media.audio import load_audio
from dirfa.motion.head import MAX_SPEED_DEG_S
from dirfa.motion.stream import ANTICIPATION_S, MOTION_TRACKS
from dirfa.voice.synthesis import list_voices

FPS = 25.0
DATA = Path("/usr/share/pocketsphinx/test/data")
# The tracks the motion writes besides lip sync's: the head's and eyes' angles, the rest of the face, and the
# mouth's own gestures (also lip-sync tracks: pucker, smile).
HEAD = tuple(name for name in MOTION_TRACKS if name.startswith("head"))
ANGLES = HEAD + tuple(name for name in MOTION_TRACKS if name.startswith("gaze"))
GESTURES = tuple(name for name in MOTION_TRACKS if name.startswith("mouth"))
FACE = tuple(name for name in MOTION_TRACKS if name not in ANGLES + GESTURES)
OPENING = (
    "jawOpen",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "mouthFunnel",
    "mouthStretchLeft",
    "mouthStretchRight",
)
SAID = [
    ("slt", "Hello, I am your new assistant. How can I help you with your booking today?"),
    ("kal", "Please wait a moment while I check that for you."),
    ("rms", "Good morning! The weather today is sunny and warm."),
    ("awb", "Maybe we could meet on Monday instead?"),
    ("espeak-de", "Guten Morgen, wie geht es dir?"),
]


def _voice_onset_s(samples: np.ndarray, rate_hz: int) -> float:
    """The first 10 ms where the sound is within 30 dB of the clip's speech level (its 95th percentile)."""
    hop = rate_hz // 100
    n = samples.size // hop
    level_db = 10 * np.log10(np.mean(samples[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    return float(np.flatnonzero(level_db > np.percentile(level_db, 95) - 30.0)[0]) / 100.0


def _rest_error(curves: dict[str, np.ndarray], frame: int, names: tuple[str, ...]) -> float:
    return max(abs(float(curves[name][frame])) if name in curves else 0.0 for name in names)


@pytest.fixture(scope="module")
def said() -> list[api.Said]:
    installed = {voice.name for voice in list_voices()}
    clips = [api.say(None, text, voice=voice, fps=FPS) for voice, text in SAID if voice in installed]
    if len(clips) < 3:
        pytest.skip(
            "fewer than three of the voices festival slt/kal, flite rms/awb, espeak-ng de are installed"
        )
    return clips


@pytest.fixture(scope="module")
def recorded() -> list[api.Tracks]:
    paths = sorted(DATA.glob("cards/*.wav"))[:3] + sorted(DATA.glob("librivox/*.wav"))[:3]
    if len(paths) < 4:
        pytest.skip("pocketsphinx-testdata (real speech) is not installed")
    return [api.animate(load_audio(path), fps=FPS, language="en") for path in paths]


def test_said_clips_start_and_end_at_rest(said):
    for clip in said:
        curves, last = clip.tracks.curves, clip.tracks.n_frames - 1
        for frame in (0, last):
            assert _rest_error(curves, frame, ANGLES) < 0.01, (clip.synthesis.voice, frame)
            assert _rest_error(curves, frame, FACE + GESTURES) < 0.01, (clip.synthesis.voice, frame)
            # the voices leave 0.17-0.3 s of silence before the first sound and ~0.2 s after the last
            assert _rest_error(curves, frame, OPENING + ("mouthClose",)) < 0.02, (clip.synthesis.voice, frame)


def test_the_mouth_waits_for_the_voice(said):
    for clip in said:
        curves = clip.tracks.curves
        onset = int(_voice_onset_s(clip.audio.samples, clip.audio.sample_rate_hz) * FPS)
        window = int(np.ceil(ANTICIPATION_S * FPS))
        assert onset >= 3, clip.synthesis.voice  # the voice leaves silence to open the mouth in
        shut = max(onset - window - 1, 1)
        for frame in range(shut):
            assert _rest_error(curves, frame, OPENING) < 0.005, (clip.synthesis.voice, frame)
        # ... and opens ahead of the voice, not at it: anticipation is kept
        assert max(float(curves["jawOpen"][k]) for k in range(onset - window, onset + 2)) > 0.05


def test_recorded_clips_end_at_rest_and_settle_smoothly(recorded):
    for tracks in recorded:
        curves, last = tracks.curves, tracks.n_frames - 1
        # these clips start in speech (the mouth is then the sound's), and end a few hundredths after it
        assert _rest_error(curves, 0, ANGLES + FACE) < 0.01
        assert _rest_error(curves, last, ANGLES + FACE + GESTURES + OPENING + ("mouthClose",)) < 0.01
        # The settle is a movement within a head's speed, not a jump on the last frame.
        head = np.stack([curves[name] for name in HEAD])
        steps_deg_s = np.abs(np.diff(head[:, -15:], axis=1)).max(axis=0) * FPS
        assert steps_deg_s.max() <= MAX_SPEED_DEG_S, steps_deg_s
        # ... that eases into the rest pose (slow on the last frames) rather than stopping mid-turn
        assert np.abs(head[:, -1] - head[:, -2]).max() * FPS < 10.0


def test_back_to_back_clips_join_without_a_jump(said, recorded):
    ends = [(clip.tracks.curves, clip.tracks.n_frames) for clip in said]
    ends += [(tracks.curves, tracks.n_frames) for tracks in recorded]
    for (before, n), (after, _) in zip(ends, ends[1:]):
        for name in ANGLES + FACE:
            jump = abs(float(before[name][n - 1]) - float(after[name][0]))
            assert jump < 0.02, name
