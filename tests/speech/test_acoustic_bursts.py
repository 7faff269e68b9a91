"""The acoustic path tells an aspirated p from a t by its release burst, not by the aspiration after it.

A bilabial's burst is diffuse and falling (weaker above 4 kHz than at 1.5-4 kHz), an alveolar's rises to its
strongest above 4 kHz (Stevens & Blumstein 1978); the aspiration that follows either is the same breath noise,
bright in both. Figures on real speech: benchmarks/mouth_timing.py --acoustic-places.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

from dirfa.speech.acoustic import acoustic_curves
from dirfa.speech.prosody import analyze

RATE_HZ = 16000
FPS = 25.0


def resonator(x: np.ndarray, hz: float, bandwidth_hz: float) -> np.ndarray:
    """x through a two-pole resonance (a formant) at `hz`."""
    r = np.exp(-np.pi * bandwidth_hz / RATE_HZ)
    return lfilter([1.0 - r], [1.0, -2 * r * np.cos(2 * np.pi * hz / RATE_HZ), r * r], x)


def vowel(seconds: float) -> np.ndarray:
    """An /a/-like vowel: a 120 Hz pulse train through formants at 700, 1200, 2600 and 3500 Hz."""
    source = np.zeros(int(seconds * RATE_HZ))
    source[:: RATE_HZ // 120] = 1.0
    out = sum(resonator(source, hz, bw) for hz, bw in ((700, 80), (1200, 90), (2600, 120), (3500, 150)))
    return out / np.abs(out).max() * 0.5


def band_noise(rng: np.random.Generator, seconds: float, low_hz: float, high_hz: float) -> np.ndarray:
    sos = butter(4, [low_hz, high_hz], btype="band", fs=RATE_HZ, output="sos")
    x = sosfilt(sos, rng.standard_normal(int(seconds * RATE_HZ)))
    return x / np.sqrt(np.mean(x**2))


def stop(rng: np.random.Generator, burst: str) -> np.ndarray:
    """A voiceless stop: 70 ms of closure, a 10 ms burst (falling: 0.5-3 kHz, or rising: 3.5-7.5 kHz, both
    ~8 dB under the vowel), 40 ms of the same bright aspiration (2-7 kHz, ~22 dB under the vowel)."""
    closure = 1e-4 * rng.standard_normal(int(0.07 * RATE_HZ))
    band = (500.0, 3000.0) if burst == "falling" else (3500.0, 7500.0)
    release = 0.07 * band_noise(rng, 0.01, *band)
    aspiration = 0.012 * band_noise(rng, 0.04, 2000.0, 7000.0)
    return np.concatenate([closure, release, aspiration])


def closures(burst: str) -> tuple[int, int]:
    """(lip closures, stops) over four vowel-stop-vowel syllables in a phrase between pauses."""
    rng = np.random.default_rng(7)
    pause = 1e-4 * rng.standard_normal(int(0.5 * RATE_HZ))
    parts = [pause, vowel(0.2)]
    for _ in range(4):
        parts += [stop(rng, burst), vowel(0.2)]
    samples = np.concatenate(parts + [pause])
    n = int(np.ceil(samples.size / RATE_HZ * FPS))
    prosody = analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
    shut = acoustic_curves(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n, prosody=prosody)[
        "mouthClose"
    ]
    runs = int((np.diff(np.concatenate([[0], (shut > 0.3).astype(np.int8)])) == 1).sum())
    return runs, 4


def test_an_aspirated_stop_with_a_falling_burst_shuts_the_lips_and_one_with_a_rising_burst_does_not():
    falling, count = closures("falling")
    rising, _ = closures("rising")
    # The aspiration is as bright after both: a p's is no guide to its place, its burst is.
    assert falling >= count - 1, (falling, rising)
    assert rising == 0, (falling, rising)
