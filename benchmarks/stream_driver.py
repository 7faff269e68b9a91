"""A synthetic live session for a MotionStream: prosody of utterances and pauses, and the driver that feeds a
stream frame by frame as a session does. Shared by benchmarks/stream_memory.py and tests/motion/test_stream_memory.py;
it imports nothing from dirfa, so the benchmark runs on older code too.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class SyntheticProsody:
    energy_db: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray

    def cut(self, start: int, end: int) -> SyntheticProsody:
        return SyntheticProsody(*(getattr(self, f.name)[start:end] for f in dataclasses.fields(self)))


def synthetic(n: int, fps: float, seed: int = 0) -> tuple[SyntheticProsody, np.ndarray]:
    """Utterances of 2-8 s, 1-10 s apart, with ~4 syllables/s, a wandering f0 and loudness; and where they are."""
    rng = np.random.default_rng(seed)
    utterance = np.zeros(n, dtype=bool)
    k = int(2 * fps)
    while k < n:
        length = int(rng.uniform(2, 8) * fps)
        utterance[k : k + length] = True
        k += length + int(rng.uniform(1, 10) * fps)
    t = np.arange(n) / fps
    speech = utterance & (np.sin(2 * np.pi * 4.0 * t) > -0.4)
    f0 = np.where(speech, 120 * 2 ** ((3 * np.sin(2 * np.pi * 0.7 * t) + rng.normal(0, 0.5, n)) / 12), 0.0)
    energy = np.where(speech, -25 + 8 * np.abs(np.sin(2 * np.pi * 2.1 * t)) + rng.normal(0, 1, n), -80.0)
    loudness = np.where(speech, np.clip((energy + 60) / 50, 0, 1), 0.0)
    voiced = speech & (rng.random(n) > 0.15)
    return SyntheticProsody(energy, loudness, f0, voiced, speech), utterance


def drive(stream, prosody: SyntheticProsody, utterance: np.ndarray, *, jaw: bool, on_frame=None):
    """Run the stream as a live session does: frame by frame on a clock, speech pushed up to the look-ahead
    ahead while an utterance is queued, idle frames as the clock reaches them, advance_to for a due frame
    the input has not finalised. Yields each batch of final frames."""
    n = prosody.speech.shape[0]
    ends = np.zeros(n, dtype=np.int64)  # where the utterance a frame is in ends
    end = n
    for k in range(n - 1, -1, -1):
        end = end if utterance[k] and k + 1 < n and utterance[k + 1] else k + 1
        ends[k] = end
    received = 0
    for index in range(n):
        target = min(index + stream.lookahead + 1, ends[index]) if utterance[index] else index + 1
        if received < target:
            mouth = {"jawOpen": 0.5 * prosody.loudness[received:target]} if jaw else {}
            listening = not utterance[index]
            yield stream.push(mouth, prosody.cut(received, target), listening=listening)
            received = target
        if stream.emitted <= index:
            yield stream.advance_to(index, assume="speech" if utterance[index] else "silence")
        if on_frame is not None:
            on_frame(index)
    yield stream.finish()
