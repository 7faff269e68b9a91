"""Memory of a long-running live motion stream (issue 15): a tracks-only MotionStream driven as a session does
(frame by frame on a clock, utterances of 2-8 s pushed up to the look-ahead ahead, idle frames between them),
with the size of everything the stream holds at 10 and 60 minutes (and further with --minutes).

    .venv/bin/python benchmarks/stream_memory.py [--fps 25] [--minutes 60] [--trace]

"graph" is the deep size of the stream's objects (sys.getsizeof over gc referents); --trace adds tracemalloc's
count of the memory allocated since the stream was made (it slows the run ~3x: use --fps 5 for an hour).
Run it under PYTHONPATH=<an older tree>/src to measure older code the same way. Measures only, never fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
import time
import tracemalloc
import types

import numpy as np


# The driver and the synthetic prosody of tests/motion/test_stream_memory.py, copied so that this runs on older
# code too (the test imports names that older code lacks).
@dataclasses.dataclass(frozen=True)
class _Prosody:
    energy_db: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray

    def cut(self, start: int, end: int) -> _Prosody:
        return _Prosody(*(getattr(self, f.name)[start:end] for f in dataclasses.fields(self)))


def _synthetic(n: int, fps: float, seed: int = 0) -> tuple[_Prosody, np.ndarray]:
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
    return _Prosody(energy, loudness, f0, voiced, speech), utterance


def _drive(stream, prosody: _Prosody, utterance: np.ndarray, *, jaw: bool, on_frame=None):
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


def deep_size(root: object) -> int:
    """Bytes held by root and everything it references (modules, classes, functions excluded)."""
    skip = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    seen: set[int] = set()
    total, todo = 0, [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, skip):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if not isinstance(obj, np.random.Generator):
            todo.extend(gc.get_referents(obj))
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    from dirfa.motion.generate import MotionOptions
    from dirfa.motion.stream import MotionStream

    fps = args.fps
    prosody, utterance = _synthetic(int(args.minutes * 60 * fps), fps)
    marks = {int(m * 60 * fps): m for m in (1, 10, 30, 60, 120, 240, 480, 1440) if m <= args.minutes}
    if args.trace:
        tracemalloc.start()
    stream = MotionStream(fps, MotionOptions(seed=3))
    base = tracemalloc.get_traced_memory()[0]
    print(f"| minutes | frames | graph MB | traced MB | CPU us/frame | ({fps:g} fps) |")
    print("|---|---|---|---|---|---|")
    frames, start, cpu = 0, 0, time.process_time()

    def on_frame(index: int) -> None:
        nonlocal start, cpu
        if index + 1 in marks:
            traced = (tracemalloc.get_traced_memory()[0] - base) / 1e6 if args.trace else float("nan")
            now = time.process_time()
            per_frame = (now - cpu) / max(index + 1 - start, 1) * 1e6
            print(
                f"| {marks[index + 1]} | {index + 1} | {deep_size(stream) / 1e6:.2f} | {traced:.2f} "
                f"| {per_frame:.0f} |",
                flush=True,
            )
            start, cpu = index + 1, time.process_time()

    for part in _drive(stream, prosody, utterance, jaw=False, on_frame=on_frame):
        frames += part["headYaw"].shape[0]


if __name__ == "__main__":
    main()
