"""Head motion statistics on generated tracks: real amplitudes, smooth, slow, tied to phrases and accents."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.motion.generate import MotionOptions, generate
from dirfa.motion.stream import MotionStream

FPS = 25.0
SEEDS = range(6)
WINDOW = int(20 * FPS)  # the bands are for a 20 s clip


def _take(prosody, seed: int, amount: float = 1.0):
    n = prosody.speech.shape[0]
    return generate({}, prosody, fps=FPS, n_frames=n, options=MotionOptions(seed=seed, head_motion=amount))


@pytest.fixture(scope="module")
def natural(prosody_60s):
    return [_take(prosody_60s, seed) for seed in SEEDS]


@pytest.fixture(scope="module")
def lively(prosody_60s):
    return [_take(prosody_60s, seed, 2.0) for seed in SEEDS]


def _window_std(takes, name: str) -> np.ndarray:
    return np.array(
        [
            np.std(t.curves[name][k : k + WINDOW])
            for t in takes
            for k in range(0, t.n_frames - WINDOW + 1, WINDOW)
        ]
    )


def test_natural_amplitude_is_a_real_speakers(natural):
    # Busso et al. 2007 and the interview clips: yaw 3-8, pitch 2-5, roll 1-3 deg std over 20 s.
    yaw, pitch, roll = (_window_std(natural, name) for name in ("headYaw", "headPitch", "headRoll"))
    assert 3.0 <= np.median(yaw) <= 8.0
    assert 2.0 <= np.median(pitch) <= 5.0
    assert 1.0 <= np.median(roll) <= 3.0
    assert yaw.min() > 1.0 and yaw.max() < 12.0  # a calm stretch or a lively one, never a frozen head


def test_motion_is_slow_and_smooth(natural, lively):
    # Quick nods and turns in conversation peak around 50-100 deg/s (Hadar et al. 1983): 2-4 deg per frame.
    for takes, max_step in ((natural, 2.0), (lively, 2.8)):
        for take in takes:
            for name in ("headYaw", "headPitch", "headRoll"):
                curve = take.curves[name].astype(np.float64)
                spectrum = np.abs(np.fft.rfft(curve - curve.mean())) ** 2
                freqs = np.fft.rfftfreq(curve.size, 1 / FPS)
                assert spectrum[freqs < 2.0].sum() > 0.95 * spectrum.sum(), name  # energy mostly under 2 Hz
                assert np.abs(np.diff(curve)).max() < max_step  # deg per frame: no jumps
                assert spectrum[freqs > 5.0].sum() < 3e-3 * spectrum.sum()  # no frame-to-frame jitter


def _peakiness(curve: np.ndarray) -> float:
    """Largest ratio of a spectral bin above 0.3 Hz to the median of its 20 neighbours: a periodic sway is a
    line tens of times above them; random motion stays under ~10 (an exponential variate's tail)."""
    spectrum = np.abs(np.fft.rfft((curve - curve.mean()) * np.hanning(curve.size))) ** 2
    freqs = np.fft.rfftfreq(curve.size, 1 / FPS)
    ratios = [
        spectrum[k] / np.median(np.r_[spectrum[k - 10 : k], spectrum[k + 1 : k + 11]])
        for k in np.flatnonzero((freqs > 0.3) & (freqs < 4.0))
    ]
    return float(max(ratios))


def test_no_constant_frequency_wobble(natural):
    t = np.arange(natural[0].n_frames) / FPS
    for take in natural:
        curve = take.curves["headYaw"].astype(np.float64)
        assert _peakiness(curve) < 25.0
        # ... which a 0.6 deg sway at 1 Hz would not pass (natural takes read 9-15).
        assert _peakiness(curve + 0.6 * np.sin(2 * np.pi * 1.0 * t)) > 25.0


def test_lively_is_livelier_in_kind_not_a_scaled_copy(natural, lively, prosody_60s):
    assert np.median(_window_std(lively, "headYaw")) > 1.2 * np.median(_window_std(natural, "headYaw"))
    for a, b in zip(natural, lively):
        assert abs(np.corrcoef(a.curves["headYaw"], b.curves["headYaw"])[0, 1]) < 0.9

    # More gestures: more nods (pitch dips of over 1.5 deg below the 1 s running level).
    def nods(take) -> int:
        pitch = take.curves["headPitch"].astype(np.float64)
        level = np.convolve(pitch, np.ones(25) / 25, mode="same")
        dips = (pitch - level) < -1.5
        return int(np.sum(dips[1:] & ~dips[:-1]))

    assert sum(map(nods, lively)) > 1.2 * sum(map(nods, natural))
    still = _take(prosody_60s, 0, 0.0)
    for name in ("headYaw", "headPitch", "headRoll"):
        assert np.all(still.curves[name] == 0.0)


def test_nods_land_on_accents(prosody_60s, natural):
    stream = MotionStream(FPS, MotionOptions())
    stream.push({}, prosody_60s)
    stream.finish()
    accents = np.array([frame for frame, strength in stream.cues.accents if strength > 0.6 and 10 <= frame])
    assert accents.size > 10
    drops = [t.curves["headPitch"][accents] - t.curves["headPitch"][accents - 8] for t in natural]
    assert np.mean(drops) < -0.5


def test_turns_come_at_phrase_starts_and_settle_in_pauses(synthetic):
    # Three phrases with long pauses: the head turns more around phrase starts than late in a pause.
    prosody = synthetic(fps=FPS, phrases=[(1.0, 4.0, 0.0), (7.0, 10.0, 0.0), (13.0, 16.0, 0.0)], seconds=20.0)
    speeds_start, speeds_pause = [], []
    for seed in range(8):
        yaw = _take(prosody, seed).curves["headYaw"].astype(np.float64)
        speed = np.abs(np.diff(yaw))
        for start in (7.0, 13.0):
            speeds_start.append(speed[int((start - 0.3) * FPS) : int((start + 0.8) * FPS)].mean())
        for end in (4.0, 10.0):
            speeds_pause.append(speed[int((end + 1.5) * FPS) : int((end + 2.6) * FPS)].mean())
    assert np.mean(speeds_start) > 2.0 * np.mean(speeds_pause)
