"""Frames as a stream: render processes give the same frames as one process, survive a lost worker and
leave no process or shared memory behind."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from dirfa.face.rig import Rig
from dirfa.render import stream
from dirfa.render.compose import plan_output

N_FRAMES = stream.MIN_FRAMES_FOR_WORKERS + 10


@pytest.fixture(scope="module")
def curves() -> dict[str, np.ndarray]:
    """Talking-like curves: the jaw and lips moving, a blink, the head turning."""
    t = np.arange(N_FRAMES) / 25.0
    return {
        "jawOpen": (0.3 + 0.3 * np.sin(2 * np.pi * 3 * t)).astype(np.float32),
        "mouthClose": (np.sin(2 * np.pi * 1.3 * t) > 0.8).astype(np.float32),
        "eyeBlinkLeft": np.exp(-(((t - 2.0) / 0.08) ** 2)).astype(np.float32),
        "eyeBlinkRight": np.exp(-(((t - 2.0) / 0.08) ** 2)).astype(np.float32),
        "headYaw": (8 * np.sin(2 * np.pi * 0.3 * t)).astype(np.float32),
    }


@pytest.fixture(scope="module")
def reference(astronaut: np.ndarray, portrait, rig: Rig, curves) -> list[np.ndarray]:
    plan = plan_output(astronaut.shape, portrait.face_box)
    return list(stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=1))


def _shared_memory() -> set[str]:
    shm = Path("/dev/shm")
    return {p.name for p in shm.iterdir() if p.name.startswith("psm_")} if shm.is_dir() else set()


def test_workers_give_the_frames_of_one_process(astronaut, portrait, rig, curves, reference) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    before = _shared_memory()
    frames = list(stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=2))
    assert len(frames) == N_FRAMES
    moving = sum(not np.array_equal(a, reference[0]) for a in reference)
    assert moving > N_FRAMES // 2  # the clip really moves, so frame order is tested
    for index, (got, want) in enumerate(zip(frames, reference, strict=True)):
        assert np.array_equal(got, want), f"frame {index} differs"
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before


def test_a_killed_worker_is_replaced_by_this_process(
    astronaut, portrait, rig, curves, reference, caplog
) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    frames = []
    for index, frame in enumerate(stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=2)):
        frames.append(frame)
        if index == 20:
            workers = multiprocessing.active_children()
            assert len(workers) == 2
            os.kill(workers[0].pid, 9)
    assert "rendering the remaining frames in this process" in caplog.text
    assert len(frames) == N_FRAMES
    for index, (got, want) in enumerate(zip(frames, reference, strict=True)):
        assert np.array_equal(got, want), f"frame {index} differs"
    assert multiprocessing.active_children() == []


def test_stopping_early_stops_the_workers(astronaut, portrait, rig, curves) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    before = _shared_memory()
    frames = stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=2)
    for _ in range(5):
        next(frames)
    assert len(multiprocessing.active_children()) == 2
    frames.close()
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before


def test_short_clips_render_in_this_process(astronaut, portrait, rig, curves, reference) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    frames = stream.render_frames(astronaut, rig, plan, curves, 10, workers=2)
    first = next(frames)
    assert multiprocessing.active_children() == []
    assert np.array_equal(first, reference[0])
    assert len([first, *frames]) == 10
