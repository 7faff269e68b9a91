"""Fixtures for the motion tests: per-frame prosody measured from real read English speech.

The speech stage is not imported; a small RMS + autocorrelation analysis here stands in for it.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
SAMPLE_RATE_HZ = 16000


@dataclass(frozen=True)
class Prosody:
    """Satisfies dirfa.motion.cues.ProsodyLike; all arrays (n_frames,)."""

    energy_db: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray


def _read_utterances() -> list[np.ndarray]:
    files = sorted(LIBRIVOX.glob("*.wav"))
    if not files:
        pytest.skip("pocketsphinx-testdata (real speech) is not installed")
    clips = []
    for path in files:
        with wave.open(str(path), "rb") as reader:
            assert reader.getframerate() == SAMPLE_RATE_HZ and reader.getsampwidth() == 2
            raw = reader.readframes(reader.getnframes())
            samples = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
            clips.append(samples.reshape(-1, reader.getnchannels()).mean(axis=1))
    return clips


def speech_signal(duration_s: float, *, seed: int = 0) -> np.ndarray:
    """Real utterances one after another, separated by 0.4-1.2 s pauses, looped to `duration_s`."""
    rng = np.random.default_rng(seed)
    clips = _read_utterances()
    parts: list[np.ndarray] = []
    total = 0
    index = 0
    while total < duration_s * SAMPLE_RATE_HZ:
        pause = rng.normal(0.0, 3e-4, int(rng.uniform(0.4, 1.2) * SAMPLE_RATE_HZ))
        for part in (clips[index % len(clips)], pause):
            parts.append(part)
            total += part.size
        index += 1
    return np.concatenate(parts)[: int(duration_s * SAMPLE_RATE_HZ)]


def analyse(signal: np.ndarray, *, fps: float) -> Prosody:
    """Per-frame energy (dB RMS over a 40 ms window), loudness, autocorrelation f0 (70-400 Hz), voicing, VAD."""
    hop = SAMPLE_RATE_HZ / fps
    n_frames = int(round(signal.size / hop))
    window = 640
    padded = np.pad(signal, window)
    starts = (np.arange(n_frames) * hop + hop / 2).astype(int) + window - window // 2
    frames = np.stack([padded[s : s + window] for s in starts]) * np.hanning(window)
    energy_db = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-10)
    peak_db = np.percentile(energy_db, 95)
    speech = energy_db > peak_db - 30.0
    loudness = np.clip((energy_db - (peak_db - 40.0)) / 40.0, 0.0, 1.0)
    spectrum = np.fft.rfft(frames, n=2 * window, axis=1)
    autocorr = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :window]
    autocorr /= np.maximum(autocorr[:, :1], 1e-12)
    low, high = int(SAMPLE_RATE_HZ / 400), int(SAMPLE_RATE_HZ / 70)
    lag = low + np.argmax(autocorr[:, low:high], axis=1)
    clarity = autocorr[np.arange(n_frames), lag]
    # A maximum on the edge of the search range is no pitch period (noise, fricatives).
    voiced = speech & (clarity > 0.5) & (lag > low) & (lag < high - 1) & (energy_db > peak_db - 25.0)
    f0_hz = np.where(voiced, SAMPLE_RATE_HZ / lag, 0.0)
    return Prosody(energy_db, loudness, f0_hz, voiced, speech)


@pytest.fixture(scope="session")
def prosody_60s() -> Prosody:
    """60 s of real read speech with pauses, at 25 fps (1500 frames)."""
    return analyse(speech_signal(60.0), fps=25.0)


@pytest.fixture(scope="session")
def prosody_8s() -> Prosody:
    """8 s of real read speech with pauses, at 30 fps (240 frames)."""
    return analyse(speech_signal(8.0, seed=1), fps=30.0)


def make_mouth(prosody: Prosody) -> dict[str, np.ndarray]:
    """Plausible lip-sync curves driven by loudness, with periodic full lip closures (bilabials)."""
    n = prosody.loudness.shape[0]
    jaw = np.clip(prosody.loudness * 0.8, 0.0, 1.0).astype(np.float32)
    close = np.zeros(n, dtype=np.float32)
    close[::12] = 1.0
    close = np.maximum(close, np.roll(close, 1))
    jaw = np.where(close > 0.5, 0.05, jaw).astype(np.float32)
    funnel = (0.3 * (np.sin(np.arange(n) / 5.0) > 0.7)).astype(np.float32)
    return {"jawOpen": jaw, "mouthClose": close, "mouthFunnel": funnel}


@pytest.fixture(scope="session")
def mouth_60s(prosody_60s: Prosody) -> dict[str, np.ndarray]:
    return make_mouth(prosody_60s)


@pytest.fixture(scope="session")
def mouth_8s(prosody_8s: Prosody) -> dict[str, np.ndarray]:
    return make_mouth(prosody_8s)


def synthetic_prosody(
    *, fps: float, phrases: list[tuple[float, float, float]], seconds: float, loudness: float = 0.7
) -> Prosody:
    """Constructed prosody: each (start_s, end_s, final_rise_st) phrase has 4 syllables/s at 120 Hz whose pitch
    moves by final_rise_st semitones over its last 0.5 s; silence elsewhere. `loudness` is the syllable peaks'."""
    n = int(round(seconds * fps))
    t = np.arange(n) / fps
    speech = np.zeros(n, dtype=bool)
    semitones = np.zeros(n)
    for start_s, end_s, rise_st in phrases:
        inside = (t >= start_s) & (t < end_s)
        speech |= inside
        final = inside & (t >= end_s - 0.5)
        semitones[final] = rise_st * (t[final] - (end_s - 0.5)) / 0.5
    syllable = 0.5 + 0.5 * np.cos(2 * np.pi * 4.0 * t)
    energy_db = np.where(speech, -30.0 + 15.0 * syllable, -70.0)
    voiced = speech & (syllable > 0.3)
    f0_hz = np.where(voiced, 120.0 * 2.0 ** (semitones / 12.0), 0.0)
    level = np.where(speech, loudness * (0.85 + 0.15 * syllable), 0.0)
    return Prosody(energy_db, level, f0_hz, voiced, speech)


@pytest.fixture(scope="session")
def synthetic():
    """The synthetic_prosody() builder."""
    return synthetic_prosody


@pytest.fixture(scope="session")
def say_like():
    """say_like(index, *, seed_base=1000) -> a 5 s `dirfa say`-like clip at 25 fps: two to four short sentences
    (0.8-1.8 s, each ending level, 3 st down or 4 st up) with 0.25-0.6 s pauses, the first from 0.1-0.3 s; the
    draw is seed_base + index."""

    def clip(index: int, *, seed_base: int = 1000) -> Prosody:
        rng = np.random.default_rng(seed_base + index)
        phrases, t = [], float(rng.uniform(0.1, 0.3))
        while True:
            end = t + float(rng.uniform(0.8, 1.8))
            if end > 4.7:
                break
            phrases.append((t, end, float(rng.choice([-3.0, 0.0, 4.0]))))
            t = end + float(rng.uniform(0.25, 0.6))
        return synthetic_prosody(fps=25.0, phrases=phrases, seconds=5.0)

    return clip


def world_gaze_distance(curves: dict[str, np.ndarray]) -> np.ndarray:
    """Degrees between the eyes' direction in the world (eye-in-head + head) and the lens, per frame."""
    return np.hypot(curves["gazeYaw"] + curves["headYaw"], curves["gazePitch"] + curves["headPitch"])


def look_aways(distance: np.ndarray) -> list[int]:
    """Frames where the eyes go visibly away (beyond 5 deg) from the lens, having been within 3 deg of it (or at
    the start)."""
    starts, near = [], True
    for frame, value in enumerate(distance):
        if near and value > 5.0:
            starts.append(frame)
            near = False
        elif not near and value < 3.0:
            near = True
    return starts


@pytest.fixture(scope="session")
def gaze_looks():
    """(world_gaze_distance, look_aways): the eyes' distance from the lens per frame, and where they look away."""
    return world_gaze_distance, look_aways
