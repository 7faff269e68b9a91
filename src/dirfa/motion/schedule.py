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


# Draws are keyed by the time of the event they are for, in bins this wide: an event that moves by a frame or
# two (a speech onset decided a frame earlier by the live analysis) usually keeps its draws, and an event that
# appears or vanishes changes only its own bin's.
EVENT_BIN_S = 0.5
_TAKE, _FRAME, _EVENT = 0, 1, 2


class Draws:
    """The random numbers of one motion generator, local in time.

    One shared Generator drawn in order would let one extra or missing event (a phrase, an accent) shift every
    later draw, so a one-frame difference in the input turns the whole rest of the clip (the live analysis
    differs from the file's on a few frames in a hundred). Here each event gets its own Generator, seeded from
    (the generator's seed, the event's kind, the EVENT_BIN_S bin of its frame, its rank among that kind's
    events in the bin): a small change in the input changes only the events it touches. `take` draws once per
    take (the resting posture, a take's blink rate); `frame` draws the per-frame noise, a fixed count every
    frame, so it stays in step whatever the events.

    variant: a livelier style (head_motion above 1) draws its own numbers (see variant_of), so it is livelier in
    kind, not the natural take's events scaled up.
    """

    def __init__(self, seed: np.random.SeedSequence, fps: float, *, variant: int = 0) -> None:
        self._entropy = [int(word) for word in seed.generate_state(4)] + ([int(variant)] if variant else [])
        self.bin_frames = max(int(round(EVENT_BIN_S * float(fps))), 1)
        self.take = self._generator(_TAKE)
        self.frame = self._generator(_FRAME)
        self._last: dict[int, tuple[int, int]] = {}  # kind -> (bin, events of that kind seen in it)

    @staticmethod
    def variant_of(liveliness: float) -> int:
        """The draws' variant at this liveliness: 0 (the natural take's) up to 1, where a style is the natural one
        scaled down; above it, one per hundredth."""
        return 0 if liveliness <= 1.0 else int(round(100 * liveliness))

    def _generator(self, *key: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([*self._entropy, *key]))

    def event(self, kind: int, frame: int) -> np.random.Generator:
        """A Generator for one event of `kind` (a small int, distinct per event type) at `frame`. Events of a kind
        come in time order, so only the bin of the last one is remembered (memory stays bounded)."""
        key = int(frame) // self.bin_frames
        last_bin, count = self._last.get(kind, (None, 0))
        rank = count if last_bin == key else 0
        self._last[kind] = (key, rank + 1)
        return self._generator(_EVENT, int(kind), 2 * key if key >= 0 else -2 * key - 1, rank)
