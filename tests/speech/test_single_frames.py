"""No one-frame events: over real clips (both lip-sync paths), no mouth state lasts a single video frame.

A mouth that opens or shuts for one 40 ms frame, or teeth that flash for one, reads as a glitch (issue 14).
States are read off the astronaut's posed rig (its inner-lip gap in mouth widths), as a viewer sees them.
"""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.api import steady_mouth
from dirfa.speech import acoustic, coarticulation, phonemes
from dirfa.speech.prosody import analyze

RATE_HZ = 16000
FPS = 25.0
# (low, high) inner-lip gap above rest, in mouth widths, with hysteresis between: lips closed / open, and
# teeth hidden / shown (the same bounds as benchmarks/lipsync.py --geometry).
STATES = {"mouth": (0.035, 0.07), "teeth": (0.05, 0.09)}


def _single_frames(values: np.ndarray, low: float, high: float) -> list[int]:
    state = np.zeros(len(values), np.int8)
    current = 0
    for i, value in enumerate(values):
        current = -1 if value <= low else (1 if value >= high else current)
        state[i] = current
    return [
        i for i in range(1, len(state) - 1) if state[i] != 0 and state[i - 1] == state[i + 1] == -state[i]
    ]


def _gaps(rig, curves: dict[str, np.ndarray]) -> np.ndarray:
    rest = rig.pose({}).mouth_open_px
    n = len(curves["jawOpen"])
    return (
        np.array(
            [rig.pose({k: float(v[i]) for k, v in curves.items()}).mouth_open_px - rest for i in range(n)]
        )
        / rig.frame.mouth_px
    )


@pytest.fixture(scope="module")
def clips(librivox, espeak) -> dict[str, dict[str, np.ndarray]]:
    """Mouth curves of real clips: two LibriVox clips on both paths, and espeak-ng Japanese and German."""
    clips = {}
    for clip_id in sorted(librivox)[:2]:
        samples, text = librivox[clip_id]
        n = int(round(samples.size / RATE_HZ * FPS))
        prosody = analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
        aligned = phonemes.align(samples, sample_rate_hz=RATE_HZ, text=text)
        clips[f"{clip_id} text"] = coarticulation.mouth_curves(aligned, prosody, fps=FPS, n_frames=n)
        heard = phonemes.recognize(samples, sample_rate_hz=RATE_HZ)
        clips[f"{clip_id} audio"] = coarticulation.mouth_curves(heard, prosody, fps=FPS, n_frames=n)
    for voice, text in (
        ("ja", "あなたはがくせいです。ありがとう。"),
        ("de", "Guten Morgen, wie geht es Ihnen?"),
    ):
        samples = espeak(text, voice=voice)
        n = int(round(samples.size / RATE_HZ * FPS))
        prosody = analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
        clips[f"espeak {voice}"] = acoustic.acoustic_curves(
            samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n, prosody=prosody
        )
    return clips


def _events(rig, clips: dict[str, dict[str, np.ndarray]]) -> tuple[int, dict[str, list[int]]]:
    """Frames opened past the open bound, and the single-frame states found, per clip and state."""
    found = {}
    opened = 0
    for name, curves in clips.items():
        gaps = _gaps(rig, curves)
        opened += int((gaps > STATES["mouth"][1]).sum())
        for state, (low, high) in STATES.items():
            frames = _single_frames(gaps, low, high)
            if frames:
                found[f"{name} {state}"] = frames
    return opened, found


def test_no_mouth_or_teeth_state_lasts_a_single_frame(rig, clips):
    rig = rig.closed_at_rest()  # the astronaut smiles open-mouthed: open from closed lips, as most photos
    opened, found = _events(rig, clips)
    assert opened > 100  # the clips do open and close the mouth
    assert not found, found


def test_no_single_frames_on_a_photo_with_an_open_rest_pose(rig, clips):
    # The astronaut's own toothy smile kept as the rest pose: the tracks cannot see its rest gap, the frames
    # the renderer is handed (api.steady_mouth, on the posed rig) must still hold every state two frames.
    assert rig.pose({}).mouth_open_px > STATES["teeth"][1] * rig.frame.mouth_px  # open at rest
    steady = {name: steady_mouth(rig, curves) for name, curves in clips.items()}
    opened, found = _events(rig, steady)
    assert opened > 100
    assert not found, found
