"""Curves written ahead of the frame being emitted: each motion generator draws a gesture (a nod, a blink, a
brow raise) into the frames to come as soon as it decides on it, and reads the frame it emits.

Motion stage, causal core: used by head.py, eyes.py, brows.py and expression.py under stream.MotionStream.
"""

from __future__ import annotations

import numpy as np


class Ahead:
    """An open-ended curve of floats, indexed by frame; values may be added at or after `first_open`.

    Writing before the frame already emitted would change the past: it raises, so a generator that reaches
    back is a bug found at once rather than a difference between streamed and offline takes.
    Frames already taken are never read again, so they are dropped when the buffer must grow: it holds the
    frames from `first_open` to the furthest written, however long the stream runs.
    """

    def __init__(self) -> None:
        self._values = np.zeros(256)
        self._base = 0  # the frame of _values[0]
        self.first_open = 0

    def _reserve(self, end: int) -> None:
        if end - self._base > self._values.shape[0]:
            open_part = self._values[self.first_open - self._base :]
            grown = np.zeros(max(256, 2 * (end - self.first_open)))
            grown[: open_part.shape[0]] = open_part
            self._values, self._base = grown, self.first_open

    def add(self, start: int, values: np.ndarray) -> None:
        """Add `values` to frames start, start+1, ... (frames before `first_open` are cut off)."""
        segment, values = self._open_part(start, values)
        segment += values

    def maximum(self, start: int, values: np.ndarray) -> None:
        """Raise frames start, ... to at least `values` (blinks and raises overlap by their maximum)."""
        segment, values = self._open_part(start, values)
        np.maximum(segment, values, out=segment)

    def _open_part(self, start: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The frames `values` lands on from `start` (a view, grown as needed) and the values, both less
        the frames before `first_open`; empty when all of them are."""
        values = np.asarray(values, dtype=np.float64)
        skip = min(max(self.first_open - start, 0), values.shape[0])
        start, values = start + skip, values[skip:]
        if values.shape[0]:
            self._reserve(start + values.shape[0])
        local = start - self._base
        return self._values[local : local + values.shape[0]], values

    def take(self, frame: int) -> float:
        """The value at `frame` (which must be the next frame to emit); closes it for writing."""
        if frame != self.first_open:
            raise ValueError(f"frames must be taken in order: expected {self.first_open}, got {frame}")
        self.first_open = frame + 1
        return self.peek(frame)

    def peek(self, frame: int) -> float:
        """The value at `frame`, which must not be taken yet (or be the last frame taken)."""
        local = frame - self._base
        if local < 0:
            raise ValueError(f"frame {frame} was dropped (frames from {self._base} are kept)")
        return float(self._values[local]) if local < self._values.shape[0] else 0.0


def raised_cosine(half_width: int) -> np.ndarray:
    """A smooth bump of 2 * half_width + 1 frames, 0 at both ends and 1 in the middle."""
    half_width = max(int(half_width), 1)
    x = np.arange(-half_width, half_width + 1) / (half_width + 1)
    return 0.5 + 0.5 * np.cos(np.pi * x)


def envelope(rise: int, hold: int, fall: int) -> np.ndarray:
    """0..1: a cosine rise over `rise` frames, `hold` frames at 1, a cosine fall over `fall` frames."""
    rise, hold, fall = max(int(rise), 1), max(int(hold), 0), max(int(fall), 1)
    up = 0.5 - 0.5 * np.cos(np.pi * np.arange(1, rise + 1) / (rise + 1))
    down = 0.5 + 0.5 * np.cos(np.pi * np.arange(1, fall + 1) / (fall + 1))
    return np.concatenate([up, np.ones(hold), down, [0.0]])
