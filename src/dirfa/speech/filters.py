"""1-D filters over per-hop and per-frame arrays: Gaussian smoothing, running median, binary opening and closing.

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
