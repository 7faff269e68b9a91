"""Prosody of a speech clip per video frame: level, loudness, pitch, voicing and voice activity.

Speech stage, beside phonemes: feeds mouth opening (coarticulation, acoustic) and later head nods and brows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from dirfa.speech.filters import binary_closing, binary_opening, median_filter

HOP_S = 0.01  # analysis frames every 10 ms, as in most speech front ends
WINDOW_S = 0.04  # YIN integration window of 20 ms plus lags up to 22 ms (45 Hz creak)
F0_MIN_HZ = 70.0  # range of adult and child speaking voices (Titze 1994, "Principles of Voice Production")
F0_MAX_HZ = 400.0
_CREAK_MIN_HZ = 45.0  # creaky voice at phrase ends goes far below the modal range; it still counts as speech
YIN_THRESHOLD = 0.2  # de Cheveigné & Kawahara 2002 use 0.1-0.15 on clean speech; 0.2 tolerates room noise
SILENCE_DB = -100.0  # the level reported for digital silence
# Pitch is computed 5 s of frames at a time: the FFT work is the same, and the block's spectra (~40 MB at
# 16 kHz) stay small, so a 10-minute clip costs no more memory than a short one.
BLOCK_FRAMES = 500


# The pitch tracker's band: a 4th-order Butterworth band-pass run forwards and backwards (zero phase).
PITCH_BAND_HZ = (40.0, 1000.0)
_BAND_ORDER = 4
# The band-pass works on blocks of this many samples with this much context each side: the filter's response
# to a sample has fallen below 1e-4 of its peak 0.3 s away, so blocks join without a seam.
_BAND_BLOCK = 1 << 16
_BAND_CONTEXT_S = 0.3


@dataclass(frozen=True)
class Prosody:
    """Per-video-frame prosody; frame i is the audio around t = i / fps (a window of 1 / fps centred there).

    energy_db: (n_frames,) RMS level in dB relative to full scale (20 log10 RMS, samples in -1..1).
    loudness: (n_frames,) 0..1, speech level normalised to the clip (its 10th..95th percentile of speech
    frames), 0 outside speech. f0_hz: (n_frames,) pitch in Hz, 0 where unvoiced. voiced: (n_frames,) bool.
    speech: (n_frames,) bool, voice activity (speech, not breath or noise).
    """

    fps: float
    energy_db: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray


@dataclass(frozen=True)
class HopFrames:
    """10 ms analysis frames (hop k centred on k * HOP_S): level_db (n,) RMS over 25 ms in dBFS, f0_hz (n,)
    0 unvoiced, voiced (n,) bool, speech (n,) bool voice activity."""

    level_db: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray


@dataclass(frozen=True)
class LevelScale:
    """The levels that voice activity and loudness are judged against, in dBFS. floor_db: the noise floor
    (10th percentile of the hops' levels), peak_db: the speech level (their 95th percentile); speech_lo_db,
    speech_hi_db: the loudness scale (10th and 95th percentile of the speech hops' levels; None with fewer
    than 3 speech hops). A file's come from the whole clip (analyze without a scale); a live stream's from
    the audio heard so far (live.analysis), which is why they are a parameter."""

    floor_db: float
    peak_db: float
    speech_lo_db: float | None = None
    speech_hi_db: float | None = None


def level_scale(level_db: np.ndarray, speech: np.ndarray | None = None) -> LevelScale:
    """The clip-wide scale of some hops' levels (and their voice activity, for the loudness scale)."""
    floor_db, peak_db = (float(v) for v in np.percentile(level_db, [10, 95]))
    lo_db = hi_db = None
    if speech is not None and int(np.count_nonzero(speech)) >= 3:
        lo_db, hi_db = (float(v) for v in np.percentile(level_db[speech], [10, 95]))
    return LevelScale(floor_db, peak_db, lo_db, hi_db)


def frame_signal(x: np.ndarray, *, length: int, hop: int, n: int, start: int = 0) -> np.ndarray:
    """(n, length) frames of x, frame k (counting from `start`) centred on k * hop; zero padded."""
    first = start * hop  # position in x of frame `start`'s centre, less length // 2
    lo = first - length // 2
    hi = lo + (n - 1) * hop + length
    window = np.zeros(hi - lo)
    a, b = max(lo, 0), min(hi, x.shape[0])
    if b > a:
        window[a - lo : b - lo] = x[a:b]
    idx = np.arange(n)[:, None] * hop + np.arange(length)[None, :]
    return window[idx]


@dataclass
class PitchTrack:
    """YIN's raw f0 (Hz) and aperiodicity for the first 10 ms frames of some audio: analyze() fills it in, and
    given one whose frames are already known (a stream analysing overlapping windows of the same audio) it
    computes only the frames after them."""

    f0_hz: np.ndarray
    aperiodicity: np.ndarray


def _yin(
    x: np.ndarray, *, sample_rate_hz: int, n: int, known: PitchTrack | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """f0 (Hz) and aperiodicity (YIN's cumulative mean normalised difference minimum) per 10 ms frame.

    de Cheveigné & Kawahara 2002, "YIN, a fundamental frequency estimator for speech and music", steps 1-5.
    Computed in blocks of frames, so memory stays flat however long the clip. Frames `known` holds are taken
    from it.
    """
    f0 = np.empty(n)
    aperiodicity = np.empty(n)
    done = 0 if known is None else min(int(known.f0_hz.shape[0]), n)
    if done:
        f0[:done], aperiodicity[:done] = known.f0_hz[:done], known.aperiodicity[:done]
    for start in range(done, n, BLOCK_FRAMES):
        count = min(BLOCK_FRAMES, n - start)
        f0[start : start + count], aperiodicity[start : start + count] = _yin_block(
            x, sample_rate_hz=sample_rate_hz, start=start, n=count
        )
    return f0, aperiodicity


def _yin_block(x: np.ndarray, *, sample_rate_hz: int, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    hop = int(round(HOP_S * sample_rate_hz))
    w = int(round(WINDOW_S * sample_rate_hz)) // 2  # integration window W
    tau_min = int(sample_rate_hz / F0_MAX_HZ)
    tau_max = int(np.ceil(sample_rate_hz / _CREAK_MIN_HZ))
    frames = frame_signal(x, length=w + tau_max + 1, hop=hop, n=n, start=start)
    # r below needs lags up to tau_max of the first W samples: (W - 1) + tau_max < the frame's length, so a
    # circular correlation of frame-length transforms has no wrap-around there (twice that length, as this
    # was, gives the same numbers to ~1e-15 at 4-6x the FFT time; a live session tracks every update's new
    # frames).
    size = _smooth_length(frames.shape[1])
    spec = np.fft.rfft(frames, size, axis=1)
    head = np.fft.rfft(frames[:, :w], size, axis=1)
    # r(tau) = sum_{j<W} x_j x_{j+tau}, by cross-correlating the first W samples with the whole frame.
    r = np.fft.irfft(np.conj(head) * spec, size, axis=1)[:, : tau_max + 1]
    sq = np.cumsum(np.concatenate([np.zeros((n, 1)), frames**2], axis=1), axis=1)
    energy0 = sq[:, w][:, None]
    taus = np.arange(tau_max + 1)
    energy_tau = sq[:, taus + w] - sq[:, taus]
    d = np.maximum(energy0 + energy_tau - 2.0 * r, 0.0)
    d[:, 0] = 0.0
    cum = np.cumsum(d[:, 1:], axis=1)
    cmnd = np.ones_like(d)
    cmnd[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(cum, 1e-12)
    search = cmnd[:, tau_min : tau_max + 1]
    below = search < YIN_THRESHOLD
    # First dip under the threshold (then its local minimum); the global minimum where none dips under.
    first = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    rows = np.arange(n)
    k = first.copy()
    for _ in range(tau_max):
        step = (k + 1 < search.shape[1]) & (
            search[rows, np.minimum(k + 1, search.shape[1] - 1)] < search[rows, k]
        )
        if not step.any():
            break
        k = k + step
    tau = k + tau_min
    # Parabolic interpolation of the dip for sub-sample period.
    left = cmnd[rows, np.clip(tau - 1, 1, tau_max)]
    mid = cmnd[rows, tau]
    right = cmnd[rows, np.clip(tau + 1, 1, tau_max)]
    denom = left - 2 * mid + right
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    period = tau + np.clip(shift, -1, 1)
    return sample_rate_hz / period, mid


def zero_phase_band_pass(x: np.ndarray, sample_rate_hz: int, low_hz: float, high_hz: float) -> np.ndarray:
    """float32 `x` through a Butterworth band-pass of order _BAND_ORDER run forwards and backwards, as
    scipy.signal's butter + sosfiltfilt would give (within 1e-4 of the peak, except the first and last few ms,
    where the two extend the clip differently), but in numpy: importing scipy.signal costs ~1.4 s, the
    largest single wait before `dirfa say`'s first frame.

    Forwards and backwards, a filter H acts as |H|^2 with no phase, so the spectrum is multiplied by it. The
    bilinear transform (the frequency warp Omega = 2 tan(omega / 2), with the band edges prewarped) maps the
    analog band-pass Butterworth's |H(j Omega)|^2 = 1 / (1 + ((Omega^2 - w0^2) / (B Omega))^(2N)) (Oppenheim &
    Schafer, Discrete-Time Signal Processing, 7.1-7.3) onto the digital filter exactly. The ends are extended
    by odd reflection about the end samples, as filtfilt does."""
    x = np.asarray(x, dtype=np.float32)
    n = x.shape[0]
    if n < 2:
        return x.copy()
    context = int(_BAND_CONTEXT_S * sample_rate_hz)
    pad = min(context, n - 1)
    extended = np.concatenate([2 * x[0] - x[pad:0:-1], x, 2 * x[-1] - x[-2 : -pad - 2 : -1]])
    # Sized to the input (a live update's ~1.4 s window needs no 65536-sample transform), with room for the
    # response's tails either side so nothing wraps round.
    size = _smooth_length(min(_BAND_BLOCK + 2 * context, n + 2 * pad + 2 * context))
    gain = _band_gain(size, int(sample_rate_hz), float(low_hz), float(high_hz))
    out = np.empty(n, dtype=np.float32)
    for start in range(0, n, _BAND_BLOCK):
        first = max(start + pad - context, 0)
        piece = extended[first : start + pad + _BAND_BLOCK + context]
        filtered = np.fft.irfft(np.fft.rfft(piece, size) * gain, size)
        offset, count = start + pad - first, min(_BAND_BLOCK, n - start)
        out[start : start + count] = filtered[offset : offset + count]
    return out


# A live session band-passes windows of a few lengths (two bands, ~17 transform sizes on pocketsphinx-testdata's
# LibriVox clips pushed in 50 ms pieces): computing the gain took a third to a half of each call. At most
# (65536 + 9600) / 2 + 1 bins of float64 an entry: under 10 MB for all 32.
@functools.lru_cache(maxsize=32)
def _band_gain(size: int, sample_rate_hz: int, low_hz: float, high_hz: float) -> np.ndarray:
    """|H|^2 of zero_phase_band_pass's filter on the rfft bins of a `size`-sample transform (read-only)."""
    omega = np.linspace(0.0, np.pi, size // 2 + 1)
    warped = 2.0 * np.tan(np.minimum(omega, np.pi * (1.0 - 1e-9)) / 2.0)
    low, high = (2.0 * np.tan(np.pi * f / sample_rate_hz) for f in (low_hz, high_hz))
    with np.errstate(divide="ignore"):
        ratio = np.abs(warped * warped - low * high) / ((high - low) * warped)
    gain = 1.0 / (1.0 + ratio ** (2 * _BAND_ORDER))  # 0 at DC (ratio inf)
    gain.flags.writeable = False
    return gain


@functools.lru_cache(maxsize=64)
def _smooth_length(n: int) -> int:
    """The least length >= n with no prime factor above 5 (a fast FFT size)."""
    while True:
        rest = n
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return n
        n += 1


def level_hops_db(samples: np.ndarray, sample_rate_hz: int, n: int) -> np.ndarray:
    """(n,) RMS level in dBFS over 25 ms centred on each 10 ms hop (SILENCE_DB for digital silence)."""
    x = np.nan_to_num(np.asarray(samples, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    hop = int(round(HOP_S * sample_rate_hz))
    length = int(round(0.025 * sample_rate_hz))
    # From a running sum of squares (no frame matrix in memory).
    squares = np.zeros(x.shape[0] + 1)
    np.cumsum(np.square(x, dtype=np.float64), out=squares[1:])
    lo = np.clip(np.arange(n) * hop - length // 2, 0, x.shape[0])
    rms = np.sqrt(np.maximum(squares[np.clip(lo + length, 0, x.shape[0])] - squares[lo], 0.0) / length)
    return np.where(rms > 1e-5, 20 * np.log10(np.maximum(rms, 1e-12)), SILENCE_DB)


def analyze_hops(
    samples: np.ndarray,
    sample_rate_hz: int,
    n: int,
    pitch: PitchTrack | None = None,
    scale: LevelScale | None = None,
) -> HopFrames:
    """n 10 ms analysis frames of mono samples; voice activity judged against `scale` (None: the clip's own,
    level_scale of these hops)."""
    # float32 samples: a 10-minute clip's copies stay tens of megabytes each; sums are taken in float64.
    x = np.nan_to_num(np.asarray(samples, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    level_db = level_hops_db(x, sample_rate_hz, n)
    if x.size < 2 * int(round(0.025 * sample_rate_hz)):
        empty = np.zeros(n, dtype=bool)
        return HopFrames(level_db, np.zeros(n), empty, empty.copy())

    # Pitch on the band that carries the fundamental, so fricative noise and formants do not fool YIN.
    band = zero_phase_band_pass(
        x, sample_rate_hz, PITCH_BAND_HZ[0], min(PITCH_BAND_HZ[1], 0.45 * sample_rate_hz)
    )
    f0, aperiodicity = _yin(band, sample_rate_hz=sample_rate_hz, n=n, known=pitch)
    if pitch is not None:
        pitch.f0_hz, pitch.aperiodicity = f0.copy(), aperiodicity.copy()

    # Voice activity: loud enough above the clip's noise floor and within reach of the speech level. The noise
    # floor is the 10th percentile of frame levels (most clips have some pause), the speech level the 95th.
    if scale is None:
        scale = level_scale(level_db)
    floor_db, peak_db = scale.floor_db, scale.peak_db
    loud = (level_db > max(floor_db + 10.0, peak_db - 35.0)) & (level_db > -65.0)
    # Any phonation, including phrase-final creak below F0_MIN_HZ, marks speech; single frames are noise.
    phonation = (
        (aperiodicity < 0.35) & loud & (level_db > peak_db - 30.0) & (f0 >= _CREAK_MIN_HZ) & (f0 <= F0_MAX_HZ)
    )
    phonation = binary_opening(phonation, structure=np.ones(3, dtype=bool))
    voiced = phonation & (aperiodicity < 0.3) & (f0 >= F0_MIN_HZ)
    voiced = binary_opening(voiced, structure=np.ones(3, dtype=bool))
    f0 = np.where(voiced, median_filter(np.where(voiced, f0, 0.0), size=5), 0.0)
    voiced &= f0 >= F0_MIN_HZ
    # Speech = loud frames within 250 ms of phonation: keeps unvoiced consonants, drops breaths and clicks,
    # which are unvoiced. Gaps under 100 ms are stop closures, not pauses.
    # (mode "full" sliced to the centre: mode "same" returns the kernel's length for clips under 51 frames)
    near_voice = np.convolve(phonation.astype(float), np.ones(51), mode="full")[25 : 25 + len(phonation)] > 0
    speech = loud & near_voice
    speech = binary_closing(np.pad(speech, 10), structure=np.ones(11, dtype=bool))[10:-10]
    speech = binary_opening(speech, structure=np.ones(5, dtype=bool))
    return HopFrames(level_db, f0, voiced, speech)


def analyze(
    samples: np.ndarray,
    *,
    sample_rate_hz: int,
    fps: float,
    n_frames: int,
    pitch: PitchTrack | None = None,
    scale: LevelScale | None = None,
) -> Prosody:
    """Prosody of mono samples (-1..1) per video frame at `fps`, for `n_frames` frames.

    Audio shorter than the video reads as silence at the end; longer audio is ignored past the last frame.
    pitch: YIN's frames already known for the start of this audio (reused), and on return all of them.
    scale: the levels to judge voice activity and loudness against (None: this clip's own).
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"speech samples must be mono, shape (n,), got {x.shape}")
    duration_s = max(n_frames / fps, x.shape[0] / sample_rate_hz)
    n = int(np.ceil(duration_s / HOP_S)) + 1
    frames = analyze_hops(x, sample_rate_hz, n, pitch, scale)
    return per_video_frame(frames, fps=fps, n_frames=n_frames, scale=scale)


def per_video_frame(
    frames: HopFrames, *, fps: float, n_frames: int, scale: LevelScale | None = None
) -> Prosody:
    """10 ms analysis frames -> Prosody per video frame; loudness on `scale`'s speech levels (None: those of
    these frames' speech)."""
    n = int(frames.level_db.shape[0])
    # Video frame i averages the analysis frames within half a video frame of t_i (at least the nearest one).
    t = np.arange(n_frames) / fps
    half = 0.5 / fps
    lo = np.clip(np.ceil((t - half) / HOP_S).astype(int), 0, n - 1)
    hi = np.clip(np.floor((t + half) / HOP_S).astype(int) + 1, 1, n)
    nearest = np.clip(np.round(t / HOP_S).astype(int), 0, n - 1)
    empty = hi <= lo
    lo = np.where(empty, nearest, lo)
    hi = np.where(empty, nearest + 1, hi)
    count = hi - lo

    def window_mean(values: np.ndarray) -> np.ndarray:
        cs = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
        return (cs[hi] - cs[lo]) / count

    power = np.where(frames.level_db > SILENCE_DB, 10 ** (frames.level_db / 10), 0.0)
    mean_power = window_mean(power)
    energy_db = np.where(mean_power > 1e-10, 10 * np.log10(np.maximum(mean_power, 1e-20)), SILENCE_DB)
    speech = window_mean(frames.speech.astype(float)) >= 0.5
    voiced_fraction = window_mean(frames.voiced.astype(float))
    voiced = voiced_fraction >= 0.5
    f0_sum = window_mean(frames.f0_hz)
    f0_hz = np.where(voiced, f0_sum / np.maximum(voiced_fraction, 1e-9), 0.0)

    loudness = np.zeros(n_frames)
    if scale is None:
        scale = level_scale(frames.level_db, frames.speech)
    lo_db, hi_db = scale.speech_lo_db, scale.speech_hi_db
    if lo_db is not None and hi_db is not None:
        loudness = np.clip((energy_db - lo_db) / max(hi_db - lo_db, 6.0), 0.0, 1.0)
        loudness = np.where(speech, loudness, 0.0)

    voiced &= speech
    return Prosody(
        fps=float(fps),
        energy_db=energy_db.astype(np.float32),
        loudness=loudness.astype(np.float32),
        f0_hz=np.where(voiced, f0_hz, 0.0).astype(np.float32),
        voiced=voiced,
        speech=speech,
    )
