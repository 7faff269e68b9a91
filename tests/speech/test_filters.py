"""speech.filters gives scipy.ndimage's numbers bit for bit (it replaces it to keep scipy.ndimage's import
out of `dirfa say`), on the inputs its callers give: per-frame curves and voice-activity masks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from dirfa.speech import filters


def _masks(rng: np.random.Generator) -> list[np.ndarray]:
    """Voice-activity-like masks: runs of every length, touching the ends or not, and the edge cases."""
    out = [np.zeros(0, bool), np.ones(1, bool), np.zeros(1, bool), np.ones(7, bool), np.zeros(9, bool)]
    for n in (2, 3, 5, 11, 40, 257):
        for p in (0.2, 0.5, 0.8):
            out.append(rng.random(n) < p)
        runs = np.repeat(rng.random(n) < 0.5, rng.integers(1, 30, n))[:n]
        out.append(runs)
    return out


@pytest.mark.parametrize("size", range(1, 27))
def test_binary_opening_and_closing_are_scipys(size: int) -> None:
    rng = np.random.default_rng(size)
    structure = np.ones(size, dtype=bool)
    for mask in _masks(rng):
        for ours, theirs in (
            (filters.binary_erosion, ndimage.binary_erosion),
            (filters.binary_dilation, ndimage.binary_dilation),
            (filters.binary_opening, ndimage.binary_opening),
            (filters.binary_closing, ndimage.binary_closing),
        ):
            np.testing.assert_array_equal(ours(mask, structure=structure), theirs(mask, structure=structure))
    # Padded first, as prosody and motion.cues close their masks.
    mask = _masks(rng)[-1]
    padded = np.pad(mask, size)
    np.testing.assert_array_equal(
        filters.binary_closing(padded, structure=structure)[size:-size],
        ndimage.binary_closing(padded, structure=structure)[size:-size],
    )


def test_default_structure_is_scipys() -> None:
    for mask in _masks(np.random.default_rng(0)):
        np.testing.assert_array_equal(filters.binary_opening(mask), ndimage.binary_opening(mask))


@pytest.mark.parametrize("mode", ["nearest", "reflect"])
@pytest.mark.parametrize("size", [1, 3, 5, 7])
def test_median_filter_is_scipys(mode: str, size: int) -> None:
    rng = np.random.default_rng(size)
    for n in (1, 2, 3, 4, 6, 13, 100, 501):
        for values in (
            rng.normal(0, 3, n),
            np.round(rng.normal(0, 2, n)),
            np.where(rng.random(n) < 0.3, 0.0, 180 + rng.normal(0, 30, n)),
        ):
            for dtype in (np.float64, np.float32):
                x = values.astype(dtype)
                ours = filters.median_filter(x, size=size, mode=mode)
                assert ours.dtype == dtype
                np.testing.assert_array_equal(ours, ndimage.median_filter(x, size=size, mode=mode))


@pytest.mark.parametrize("mode", ["nearest", "reflect"])
@pytest.mark.parametrize("sigma", [1e-3, 0.3, 0.5, 1.0, 1.5, 2.4, 3.0, 6.0, 12.5])
def test_gaussian_filter1d_is_scipys(mode: str, sigma: float) -> None:
    rng = np.random.default_rng(int(sigma * 10))
    for n in (1, 2, 5, 30, 125, 1000):
        # Loudness-like 0..1 curves, pitch in semitones, and steps (a mask as floats).
        for values in (rng.random(n), np.cumsum(rng.normal(0, 0.3, n)), (rng.random(n) < 0.5) * 1.0):
            for dtype in (np.float64, np.float32):
                x = values.astype(dtype)
                ours = filters.gaussian_filter1d(x, sigma=sigma, mode=mode)
                assert ours.dtype == dtype
                np.testing.assert_array_equal(ours, ndimage.gaussian_filter1d(x, sigma=sigma, mode=mode))


def test_unsupported_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        filters.median_filter(np.zeros(5), size=4)
    with pytest.raises(ValueError):
        filters.gaussian_filter1d(np.zeros(5), 1.0, mode="wrap")
    with pytest.raises(ValueError):
        filters.binary_opening(np.zeros(5, bool), structure=np.array([True, False, True]))
