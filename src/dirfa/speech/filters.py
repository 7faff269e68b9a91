"""1-D filters over per-hop and per-frame arrays: Gaussian smoothing, running median, binary opening and closing;
and over samples, a short-time spectrum and noise suppression (what speech.language's check hears of a noisy clip).

Speech and motion stages: what prosody, coarticulation and motion.cues smooth and clean their curves with.
The same numbers as scipy.ndimage's functions of these names (same kernel, same edge handling, the same
floating-point operations in the same order: tests/speech/test_filters.py compares them bit for bit), in
numpy: importing scipy.ndimage costs ~0.2 s of CPU (it rewrites its docstrings as it loads), paid by every
`dirfa say` and live session before its first frame.
"""

from __future__ import annotations

import numpy as np

# Edge handling, by scipy.ndimage's mode names: "nearest" repeats the edge value (a a | a b c | c c);
# "reflect" mirrors about the edge, the edge value included (b a | a b c | c b).
_PAD_MODES = {"nearest": "edge", "reflect": "symmetric"}


def _padded(values: np.ndarray, before: int, after: int, mode: str) -> np.ndarray:
    if mode not in _PAD_MODES:
        raise ValueError(f"mode {mode!r} is not one of {sorted(_PAD_MODES)}")
    return np.pad(values, (before, after), mode=_PAD_MODES[mode])


def gaussian_filter1d(
    values: np.ndarray, sigma: float, *, mode: str = "reflect", truncate: float = 4.0
) -> np.ndarray:
    """`values` (1-D) smoothed by a Gaussian of standard deviation `sigma` samples, cut at `truncate` sigmas.

    As scipy.ndimage.gaussian_filter1d: computed in float64, returned in the input's float type (float64
    for other types)."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"gaussian_filter1d takes a 1-D array, got shape {values.shape}")
    dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.dtype(np.float64)
    radius = int(truncate * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 / (sigma * sigma) * x**2)
    weights = weights / weights.sum()
    if values.shape[0] == 0:
        return values.astype(dtype)
    line = _padded(values.astype(np.float64), radius, radius, mode)
    n = values.shape[0]
    # The kernel is symmetric: the centre tap first, then each pair of taps from the outermost in, their
    # two samples added before the weight multiplies them (scipy's NI_Correlate1D, symmetric case).
    out = line[radius : radius + n] * weights[radius]
    for k in range(radius, 0, -1):
        out += (line[radius - k : radius - k + n] + line[radius + k : radius + k + n]) * weights[radius - k]
    return out.astype(dtype, copy=False)


def median_filter(values: np.ndarray, size: int, *, mode: str = "reflect") -> np.ndarray:
    """The running median of `values` (1-D) over `size` samples centred on each (`size` odd)."""
    values = np.asarray(values)
    if values.ndim != 1 or size < 1 or size % 2 == 0:
        raise ValueError(f"median_filter takes a 1-D array and an odd size, got {values.shape}, {size}")
    if values.shape[0] == 0:
        return values.copy()
    half = size // 2
    windows = np.lib.stride_tricks.sliding_window_view(_padded(values, half, half, mode), size)
    return np.sort(windows, axis=1)[:, half].astype(values.dtype, copy=False)


def _structure_size(structure: np.ndarray | None) -> int:
    if structure is None:
        return 3  # scipy.ndimage's default in 1-D: the sample and its two neighbours
    structure = np.asarray(structure, dtype=bool)
    if structure.ndim != 1 or structure.size < 1 or not structure.all():
        raise ValueError("the structure must be a 1-D run of True values (np.ones(k, dtype=bool))")
    return int(structure.size)


def _window_counts(mask: np.ndarray, before: int, after: int) -> np.ndarray:
    """For each sample i, how many of mask[i - before .. i + after] are true (beyond the ends: false)."""
    padded = np.concatenate([np.zeros(before, np.int64), mask.astype(np.int64), np.zeros(after, np.int64)])
    total = np.concatenate([[0], np.cumsum(padded)])
    width = before + after + 1
    return total[width:] - total[: total.shape[0] - width]


def binary_erosion(mask: np.ndarray, structure: np.ndarray | None = None) -> np.ndarray:
    """True where all of the `structure`-long window (its centre at index size // 2) is true; beyond the
    ends counts as false (scipy.ndimage.binary_erosion's border_value 0)."""
    mask = np.asarray(mask, dtype=bool)
    size = _structure_size(structure)
    return _window_counts(mask, size // 2, size - 1 - size // 2) == size


def binary_dilation(mask: np.ndarray, structure: np.ndarray | None = None) -> np.ndarray:
    """True where any of the window is true: the reflected window of binary_erosion (an even-sized one
    reaches one sample further after than before), as scipy.ndimage.binary_dilation."""
    mask = np.asarray(mask, dtype=bool)
    size = _structure_size(structure)
    before = size // 2 - (1 - size % 2)
    return _window_counts(mask, before, size - 1 - before) > 0


def binary_opening(mask: np.ndarray, structure: np.ndarray | None = None) -> np.ndarray:
    """Erosion then dilation: runs of true shorter than the structure are removed."""
    return binary_dilation(binary_erosion(mask, structure), structure)


def binary_closing(mask: np.ndarray, structure: np.ndarray | None = None) -> np.ndarray:
    """Dilation then erosion: gaps shorter than the structure are filled (pad the ends first to keep runs
    that touch them, as scipy.ndimage.binary_closing's callers do)."""
    return binary_erosion(binary_dilation(mask, structure), structure)


# --- short-time spectra and noise suppression (the language check's cleaner audio) ---------------------------


def stft(samples: np.ndarray, *, frame: int, hop: int) -> np.ndarray:
    """(n_frames, frame // 2 + 1) complex spectra of `samples` (1-D) under a periodic square-root Hann window,
    every `hop` samples; the clip is padded with `frame` zeros at each end so that istft gives it back whole."""
    x = np.pad(np.asarray(samples, dtype=np.float64), (frame, frame))
    window = np.sqrt(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(frame) / frame))
    frames = np.lib.stride_tricks.sliding_window_view(x, frame)[::hop]
    return np.fft.rfft(frames * window, axis=1)


def istft(spectra: np.ndarray, *, frame: int, hop: int, n: int) -> np.ndarray:
    """The `n` samples that stft(…, frame=frame, hop=hop) analysed, from (possibly modified) spectra: each
    frame windowed again and overlap-added, divided by the squared window's overlap sum (frame / (2 hop) for
    a hop that divides the frame)."""
    window = np.sqrt(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(frame) / frame))
    frames = np.fft.irfft(spectra, n=frame, axis=1) * window
    total = (spectra.shape[0] - 1) * hop + frame
    out, norm = np.zeros(total), np.zeros(total)
    for k in range(frame // hop):  # the frames that do not overlap one another, added in one strided step
        rows = frames[k :: frame // hop]
        starts = (np.arange(k, spectra.shape[0], frame // hop)) * hop
        span = np.add.outer(starts, np.arange(frame))
        out[span] += rows
        norm[span] += window**2
    return (out / np.maximum(norm, 1e-9))[frame : frame + n]


def suppress_noise(
    samples: np.ndarray,
    *,
    sample_rate_hz: int,
    noise_quantile: float = 0.1,
    noise_over: float = 1.5,
    floor_db: float = -20.0,
    smoothing: float = 0.98,
) -> np.ndarray:
    """`samples` (1-D, any level) with stationary noise turned down: a Wiener gain per 32 ms frame (8 ms
    hop) and frequency bin, its a-priori SNR estimated by the decision-directed rule of Ephraim & Malah
    (1984, "Speech enhancement using a minimum mean-square error short-time spectral amplitude estimator",
    IEEE Trans. ASSP 32(6), eq. 51): xi = a * G(t-1)^2 * gamma(t-1) + (1 - a) * max(gamma(t) - 1, 0), with
    gamma = |Y|^2 / noise the a-posteriori SNR, a = `smoothing`, and the gain G = xi / (1 + xi) (Wiener)
    kept above `floor_db` (less "musical noise" than deeper cuts). The noise power of each bin: the
    `noise_quantile` of its power over the clip, smoothed over 5 frames, times `noise_over` (speech leaves
    its quiet frames to the noise: pauses, closures). Same length and sample rate out."""
    x = np.asarray(samples, dtype=np.float64)
    frame = 1 << int(round(np.log2(0.032 * sample_rate_hz)))  # 512 at 16 kHz
    hop = frame // 4
    if x.size < frame:
        return x.copy()
    spectra = stft(x, frame=frame, hop=hop)
    power = np.abs(spectra) ** 2
    run = np.cumsum(np.pad(power, ((2, 2), (0, 0)), mode="edge"), axis=0)
    smoothed = (run[4:] - np.vstack([np.zeros((1, power.shape[1])), run[:-5]])) / 5.0
    noise = np.quantile(smoothed, noise_quantile, axis=0) * noise_over + 1e-20
    gamma = power / noise
    floor = 10.0 ** (floor_db / 20.0)
    gains = np.empty_like(gamma)
    previous = np.ones(gamma.shape[1])  # |S(t-1)|^2 / noise, the last frame's cleaned SNR
    for t in range(gamma.shape[0]):
        xi = smoothing * previous + (1.0 - smoothing) * np.maximum(gamma[t] - 1.0, 0.0)
        gain = np.maximum(xi / (1.0 + xi), floor)
        gains[t] = gain
        previous = gain**2 * gamma[t]
    return istft(spectra * gains, frame=frame, hop=hop, n=x.size)
