"""Frames as a stream: render processes give the same frames as one process, survive a lost worker and
leave no process or shared memory behind."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import re
from pathlib import Path

import numpy as np
import pytest

from dirfa.face.rig import Rig
from dirfa.render import stream
from dirfa.render.compose import plan_output

# Long enough for the workers to start (~1 s, while this process renders) and then take their share.
N_FRAMES = 500


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


def _digest(frame: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(frame).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def reference(astronaut: np.ndarray, portrait, rig: Rig, curves) -> list[str]:
    """Digests of the frames rendered in this process alone."""
    plan = plan_output(astronaut.shape, portrait.face_box)
    return [_digest(f) for f in stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=1)]


def _shared_memory() -> set[str]:
    """This process's frame segments (render.stream names them dirfa_<pid>_...): other processes rendering on
    the machine at the same time do not count."""
    shm, prefix = Path("/dev/shm"), f"dirfa_{os.getpid()}_"
    return {p.name for p in shm.iterdir() if p.name.startswith(prefix)} if shm.is_dir() else set()


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_give_the_frames_of_one_process(
    astronaut, portrait, rig, curves, reference, workers, caplog
) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    before = _shared_memory()
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    frames = []
    for frame in stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=workers):
        frames.append(_digest(frame))
        if len(frames) == N_FRAMES // 2:
            assert len(multiprocessing.active_children()) == workers - 1
            assert len(_shared_memory() - before) == 1  # the frames' segment, named for this process
    assert "render worker stopped" not in caplog.text
    made = int(re.search(r"render workers made (\d+) of", caplog.text).group(1))
    assert made >= 10  # the workers took their share once started (this process renders meanwhile)
    assert len(set(reference)) > N_FRAMES // 2  # the clip really moves, so frame order is tested
    assert frames == reference
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before


def test_a_killed_worker_is_replaced_by_this_process(
    astronaut, portrait, rig, curves, reference, caplog
) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    frames = []
    for index, frame in enumerate(stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=3)):
        frames.append(_digest(frame))
        if index == int(0.7 * N_FRAMES):  # the workers are at work by now
            workers = multiprocessing.active_children()
            assert len(workers) == 2  # workers=3: this process and two others
            os.kill(workers[0].pid, 9)
    assert "rendering the remaining frames in this process" in caplog.text
    assert int(re.search(r"render workers made (\d+) of", caplog.text).group(1)) > 0
    assert frames == reference
    assert multiprocessing.active_children() == []


def test_stopping_early_stops_the_workers(astronaut, portrait, rig, curves) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    before = _shared_memory()
    frames = stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=2)
    for _ in range(5):
        next(frames)
    assert len(multiprocessing.active_children()) == 1  # workers=2: this process and one other
    frames.close()
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before


def test_short_clips_render_in_this_process(astronaut, portrait, rig, curves, reference) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    frames = stream.render_frames(astronaut, rig, plan, curves, 10, workers=2)
    first = next(frames)
    assert multiprocessing.active_children() == []
    assert _digest(first) == reference[0]
    assert len([first, *frames]) == 10


def test_a_worker_running_other_code_leaves_its_frames_to_this_process(
    astronaut, portrait, rig, curves, reference, caplog, monkeypatch
) -> None:
    """Workers import the render code from disk when they start: edited (or upgraded) since this process
    imported it, they would render other frames. This process's digest of that code, as if it had been
    edited since, makes them decline, and the clip is this process's alone."""
    monkeypatch.setattr(stream, "SOURCE_DIGEST", "the code before an edit")
    plan = plan_output(astronaut.shape, portrait.face_box)
    n_frames = stream.MIN_FRAMES_FOR_WORKERS
    short = {name: values[:n_frames] for name, values in curves.items()}
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    frames = [_digest(f) for f in stream.render_frames(astronaut, rig, plan, short, n_frames, workers=2)]
    assert "its dirfa source differs" in caplog.text
    assert "render workers made 0 of" in caplog.text
    assert frames == reference[:n_frames]
    assert multiprocessing.active_children() == []


def test_workers_started_ahead_render_a_short_clip(
    astronaut, portrait, rig, curves, reference, caplog
) -> None:
    """Processes started before the clip is known (while a reply is synthesised) take their share of a clip
    shorter than MIN_FRAMES_FOR_WORKERS, with the frames of one process, and are stopped with it."""
    plan = plan_output(astronaut.shape, portrait.face_box)
    n_frames = 60
    short = {name: values[:n_frames] for name, values in curves.items()}
    before = _shared_memory()
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    with stream.RenderWorkers(1) as started:
        assert len(multiprocessing.active_children()) == 1
        # Started now, but a second or so from ready: wait as a caller's speech analysis would.
        multiprocessing.active_children()[0].join(timeout=3.0)
        frames = [
            _digest(f)
            for f in stream.render_frames(astronaut, rig, plan, short, n_frames, workers=2, started=started)
        ]
    assert "render worker stopped" not in caplog.text
    assert int(re.search(r"render workers made (\d+) of", caplog.text).group(1)) > 0
    assert frames == reference[:n_frames]
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before


def test_workers_started_ahead_and_not_used_are_stopped() -> None:
    with stream.RenderWorkers(2):
        assert len(multiprocessing.active_children()) == 2
    assert multiprocessing.active_children() == []


def test_this_process_renders_less_the_more_its_encoder_costs() -> None:
    """This process's share of the frames beside its workers follows the measured costs: it hands every frame
    to the encoder, so the dearer that is the fewer frames it renders (none once encoding alone fills its
    time), never more than an even split, and more when the workers' frames cost more than its own."""
    costs = stream._Costs(512 * 512, n_workers=1)
    first_guess = costs.share()
    assert 0.0 < first_guess <= 0.5
    costs.local(16.0)
    costs.worker(16.0)
    shares = []
    for encode_ms in (0.0, 4.0, 8.0, 16.0, 30.0):
        costs.encode_ms = encode_ms
        shares.append(costs.share())
    assert shares[0] == pytest.approx(0.5)
    assert shares == sorted(shares, reverse=True) and shares[1] > shares[2] > shares[3]
    assert shares[-1] == 0.0
    costs.encode_ms = 4.0
    for _ in range(50):  # the workers slow down (another program took their core): this process takes more
        costs.worker(30.0)
    assert costs.share() > shares[1]
    for _ in range(50):  # encoding got dearer, as measured frame by frame
        costs.besides(12.0)
    assert costs.encode_ms == pytest.approx(12.0, abs=0.1)


def test_renders_elsewhere_says_when_the_encoder_should_not_take_a_thread() -> None:
    assert not stream.renders_elsewhere(1000, workers=1, started=None)
    assert not stream.renders_elsewhere(10, workers=2, started=None)  # too short to start workers for
    assert stream.renders_elsewhere(stream.MIN_FRAMES_FOR_WORKERS, workers=2, started=None)
    with stream.RenderWorkers(0) as none:
        assert not stream.renders_elsewhere(10, workers=2, started=none)
    with stream.RenderWorkers(1) as one:
        assert stream.renders_elsewhere(10, workers=2, started=one)
        for process in one.take():  # taken, as render_frames does: then stopped by the taker
            process.kill()
            process.close(grace_s=stream.STOP_GRACE_S)
    assert multiprocessing.active_children() == []
