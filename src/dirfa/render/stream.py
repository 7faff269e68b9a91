"""Render a whole clip as a stream of frames, in order, on one core or several.

Render stage: (photo, Rig, OutputPlan, per-frame parameter curves) -> iterator of RGB frames -> media.video.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from dirfa.face.rig import Rig
from dirfa.render.compose import FrameRenderer, OutputPlan

log = logging.getLogger(__name__)

BATCH_FRAMES = 4  # frames a worker renders per task: fewer round trips, still a short pipeline
WORKER_TIMEOUT_S = 60.0  # a batch of frames takes well under a second; a minute means a stuck worker
MIN_FRAMES_FOR_WORKERS = 150  # starting worker processes costs ~1 s: not worth it for short clips

_worker: dict[str, object] = {}


def default_workers() -> int:
    """One render process per core the machine gives us."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _params(curves: Mapping[str, np.ndarray], index: int) -> dict[str, float]:
    return {name: float(values[index]) for name, values in curves.items()}


def _init_worker(image: np.ndarray, rig: Rig, plan: OutputPlan, curves: Mapping[str, np.ndarray]) -> None:
    _worker["renderer"] = FrameRenderer(image, rig, plan)
    _worker["curves"] = curves


def _render_batch(indices: list[int]) -> list[np.ndarray]:
    renderer: FrameRenderer = _worker["renderer"]  # type: ignore[assignment]
    curves: Mapping[str, np.ndarray] = _worker["curves"]  # type: ignore[assignment]
    return [renderer.render(_params(curves, i)) for i in indices]


def render_frames(
    image: np.ndarray,
    rig: Rig,
    plan: OutputPlan,
    curves: Mapping[str, np.ndarray],
    n_frames: int,
    *,
    workers: int = 1,
) -> Iterator[np.ndarray]:
    """Frames 0 .. n_frames-1 in order; `curves` maps track names to per-frame values (absent: neutral).

    With workers > 1 they are rendered by that many processes, at most a few batches ahead of the consumer,
    so memory stays flat however long the clip and however slow the encoder."""
    if workers <= 1 or n_frames < MIN_FRAMES_FOR_WORKERS:
        renderer = FrameRenderer(image, rig, plan)
        for index in range(n_frames):
            yield renderer.render(_params(curves, index))
        return
    # "spawn": a fresh interpreter per worker; forking a process that runs mediapipe's threads is unsafe.
    # A worker that dies (killed, or unable to start, as under an interactive `python -`) breaks the pool
    # with an exception instead of a hang; the frames not yet made are then rendered here.
    context = multiprocessing.get_context("spawn")
    batches = [list(range(i, min(i + BATCH_FRAMES, n_frames))) for i in range(0, n_frames, BATCH_FRAMES)]
    done = 0
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(image, rig, plan, dict(curves))
    )
    try:
        pending: collections.deque = collections.deque()
        submitted = 0
        while submitted < len(batches) or pending:
            while submitted < len(batches) and len(pending) < 2 * workers:
                pending.append(pool.submit(_render_batch, batches[submitted]))
                submitted += 1
            images = pending.popleft().result(timeout=WORKER_TIMEOUT_S)
            done += len(images)
            yield from images
    except (BrokenProcessPool, TimeoutError):
        log.warning("render workers stopped; rendering the remaining frames in this process")
        renderer = FrameRenderer(image, rig, plan)
        for index in range(done, n_frames):
            yield renderer.render(_params(curves, index))
    finally:
        for process in list(getattr(pool, "_processes", {}).values()):  # no stuck worker outlives us
            process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
