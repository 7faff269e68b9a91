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
import gc
import sys
import time
import tracemalloc
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream_driver import drive, synthetic  # noqa: E402


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
    prosody, utterance = synthetic(int(args.minutes * 60 * fps), fps)
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

    for part in drive(stream, prosody, utterance, jaw=False, on_frame=on_frame):
        frames += part["headYaw"].shape[0]


if __name__ == "__main__":
    main()
