"""Speech degraded the way users' recordings are: room reverb, noise, phone band, low-rate codecs, level, music.

Shared by benchmarks/language.py (English detection on real, degraded recordings). 16 kHz float samples in -1..1.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

RATE_HZ = 16000


def _active_power(x: np.ndarray) -> float:
    """Mean power of the speech itself: the 20 ms frames within 30 dB of the loudest (pauses left out)."""
    n = x.size // 320 * 320
    power = np.mean(x[:n].reshape(-1, 320) ** 2, axis=1)
    keep = power > power.max() * 1e-3
    return float(power[keep].mean()) if keep.any() else 1e-12


def reverb(x: np.ndarray, *, rt60_s: float = 0.6, seed: int = 0) -> np.ndarray:
    """A room: direct sound plus an exponentially decaying noise tail (Schroeder's statistical model,
    energy falls 60 dB in rt60_s), ~0.6 s for a living room or small office, direct-to-reverb ~0 dB."""
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(seed)
    t = np.arange(int(rt60_s * RATE_HZ)) / RATE_HZ
    tail = rng.normal(size=t.size) * 10 ** (-3 * t / rt60_s)  # amplitude -60 dB at rt60
    tail[: int(0.005 * RATE_HZ)] = 0.0  # first reflections arrive after ~5 ms
    tail *= 1.0 / np.sqrt(np.sum(tail**2))
    rir = tail
    rir[0] = 1.0
    y = fftconvolve(x, rir)[: x.size]
    return y * np.sqrt(_active_power(x) / _active_power(y))


def noise(x: np.ndarray, *, snr_db: float, seed: int = 0, colour: str = "pink") -> np.ndarray:
    """Stationary noise (pink: fans, traffic, a cafe's hum; white: hiss) at snr_db under the speech."""
    rng = np.random.default_rng(seed)
    n = rng.normal(size=x.size)
    if colour == "pink":
        spectrum = np.fft.rfft(n)
        f = np.maximum(np.fft.rfftfreq(x.size, 1 / RATE_HZ), 20.0)
        n = np.fft.irfft(spectrum / np.sqrt(f), x.size)
    n *= np.sqrt(_active_power(x) / np.mean(n**2) / 10 ** (snr_db / 10))
    return x + n


def phone_band(x: np.ndarray) -> np.ndarray:
    """A telephone line: 300-3400 Hz (ITU-T G.712) and 8 kHz sampling, brought back to 16 kHz."""
    from scipy.signal import butter, resample_poly, sosfiltfilt

    sos = butter(6, [300.0, 3400.0], btype="bandpass", fs=RATE_HZ, output="sos")
    return resample_poly(resample_poly(sosfiltfilt(sos, x), 1, 2), 2, 1)[: x.size]


def codec(x: np.ndarray, *, name: str, bit_rate: int = 32000) -> np.ndarray:
    """Through a lossy codec and back with PyAV: "mp3" (LAME) or "aac", at bit_rate bits per second."""
    import av

    buf = io.BytesIO()
    fmt = {"mp3": "mp3", "aac": "adts"}[name]
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream({"mp3": "libmp3lame", "aac": "aac"}[name], rate=RATE_HZ, layout="mono")
        stream.bit_rate = bit_rate
        pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = RATE_HZ
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buf.seek(0)
    chunks = []
    with av.open(buf, "r") as inp:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE_HZ)
        for frame in inp.decode(audio=0):
            for f in resampler.resample(frame):
                chunks.append(f.to_ndarray().reshape(-1))
    y = np.concatenate(chunks) if chunks else np.zeros(0)
    # Encoders add a priming delay (LAME ~1100 samples, AAC 1024): find it and take it out.
    lag = int(np.argmax(np.correlate(y[: 4 * 2048], x[:2048], mode="valid"))) if y.size > 8192 else 0
    y = y[lag : lag + x.size]
    return np.pad(y, (0, x.size - y.size))


def gain(x: np.ndarray, *, db: float) -> np.ndarray:
    """Louder (clipped at full scale, as an overdriven recording is) or quieter."""
    return np.clip(x * 10 ** (db / 20), -1.0, 1.0)


def music_bed(x: np.ndarray, *, snr_db: float = 12.0, seed: int = 0) -> np.ndarray:
    """Background music under the voice: a chord progression of plucked harmonic tones and a soft beat."""
    rng = np.random.default_rng(seed)
    t = np.arange(x.size) / RATE_HZ
    bed = np.zeros(x.size)
    beat_s = 0.5  # 120 bpm
    chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6), (196.0, 246.9, 329.6)]
    for k, start in enumerate(np.arange(0, t[-1] if t.size else 0, beat_s)):
        i0 = int(start * RATE_HZ)
        seg = t[i0:] - start
        env = np.exp(-seg / 0.35)
        for f in chords[(k // 4) % len(chords)]:
            for h in range(1, 5):
                bed[i0:] += env * np.sin(2 * np.pi * f * h * seg + rng.uniform(0, 6.3)) / h**1.5
        bed[i0 : i0 + 800] += rng.normal(size=min(800, x.size - i0)) * np.exp(
            -np.arange(min(800, x.size - i0)) / 150
        )
    bed *= np.sqrt(_active_power(x) / max(np.mean(bed**2), 1e-12) / 10 ** (snr_db / 10))
    return x + bed


# name -> degradation, in the order the table shows them.
DEGRADATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "clean": lambda x: x,
    "reverb 0.6 s": lambda x: reverb(x, rt60_s=0.6),
    "noise 20 dB": lambda x: noise(x, snr_db=20.0),
    "noise 15 dB": lambda x: noise(x, snr_db=15.0, colour="white"),
    "noise 10 dB": lambda x: noise(x, snr_db=10.0),
    "phone band": phone_band,
    "mp3 32k": lambda x: codec(x, name="mp3"),
    "aac 32k": lambda x: codec(x, name="aac"),
    "louder +12 dB": lambda x: gain(x, db=12.0),
    "quieter -24 dB": lambda x: gain(x, db=-24.0),
    "music bed 12 dB": music_bed,
    "reverb+noise+phone": lambda x: phone_band(noise(reverb(x, rt60_s=0.4), snr_db=15.0)),
}
