"""Render processes set up ahead (RenderWorkers.prepare, api.prepare_frames): sent their scene before the
clip's curves exist, they render the frames of one process; a worker that never got its scene, or a clip with
another scene, still gives the right frames, and nothing is left behind."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import multiprocessing
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dirfa import api
from dirfa.avatar import prepare
from dirfa.motion.tracks import Tracks
from dirfa.render import stream
from dirfa.render.compose import FrameRenderer, plan_output

N_FRAMES = 60  # shorter than MIN_FRAMES_FOR_WORKERS: only processes started ahead render such a clip


@pytest.fixture(scope="module")
def curves() -> dict[str, np.ndarray]:
    """Talking-like curves: the jaw and lips moving, a blink, the head turning."""
    t = np.arange(N_FRAMES) / 25.0
    return {
        "jawOpen": (0.3 + 0.3 * np.sin(2 * np.pi * 3 * t)).astype(np.float32),
        "mouthClose": (np.sin(2 * np.pi * 1.3 * t) > 0.8).astype(np.float32),
        "eyeBlinkLeft": np.exp(-(((t - 1.2) / 0.08) ** 2)).astype(np.float32),
        "eyeBlinkRight": np.exp(-(((t - 1.2) / 0.08) ** 2)).astype(np.float32),
        "headYaw": (8 * np.sin(2 * np.pi * 0.5 * t)).astype(np.float32),
    }


def _digest(frame: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(frame).tobytes()).hexdigest()


def _rendered(astronaut, rig, plan, curves, started: stream.RenderWorkers) -> list[str]:
    """Digests of the frames rendered by this process and the workers `started`."""
    return [
        _digest(f)
        for f in stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=2, started=started)
    ]


@pytest.fixture(scope="module")
def reference(astronaut, portrait, rig, curves) -> list[str]:
    """Digests of the frames rendered in this process alone."""
    plan = plan_output(astronaut.shape, portrait.face_box)
    return [_digest(f) for f in stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=1)]


def _shared_memory() -> set[str]:
    shm, prefix = Path("/dev/shm"), f"dirfa_{os.getpid()}_"
    return {p.name for p in shm.iterdir() if p.name.startswith(prefix)} if shm.is_dir() else set()


@pytest.fixture
def clips_sent(monkeypatch) -> list[tuple]:
    """The clip messages this process sends its workers (the scene is None when they have it already)."""
    sent: list[tuple] = []
    send = stream._Pool._send_clip

    def spy(self, worker: int, clip: tuple) -> None:  # noqa: ANN001
        sent.append(clip)
        send(self, worker, clip)

    monkeypatch.setattr(stream._Pool, "_send_clip", spy)
    return sent


@pytest.fixture
def renderers_built(monkeypatch) -> list[FrameRenderer]:
    """The FrameRenderers render.stream builds in this process."""
    built: list[FrameRenderer] = []

    def build(*args: object) -> FrameRenderer:
        built.append(FrameRenderer(*args))
        return built[-1]

    monkeypatch.setattr(stream, "FrameRenderer", build)
    return built


def _made(log_text: str) -> int:
    return int(re.search(r"render workers made (\d+) of", log_text).group(1))


def _wait_for_the_scene(started: stream.RenderWorkers) -> None:
    """As a caller's speech analysis would: long enough for the workers to start and be sent their scene."""
    for setup in started._setups:
        setup.join()


@pytest.mark.parametrize("rig_given", ["the same rig", "an equal copy"])
def test_workers_sent_their_scene_ahead_render_the_frames_of_one_process(
    astronaut, portrait, rig, curves, reference, clips_sent, renderers_built, caplog, rig_given
) -> None:
    """The workers get the picture and rig at prepare(), the curves alone with the clip; this process renders
    with the renderer it built at prepare(). A rig equal in value (remade, as Rig.closed_at_rest remakes it
    for every call) is the same scene."""
    plan = plan_output(astronaut.shape, portrait.face_box)
    before = _shared_memory()
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    clip_rig = rig if rig_given == "the same rig" else dataclasses.replace(rig)
    with stream.RenderWorkers(1) as started:
        started.prepare(astronaut, rig, plan)
        assert len(renderers_built) == 1
        _wait_for_the_scene(started)
        frames = [
            _digest(f)
            for f in stream.render_frames(
                astronaut, clip_rig, plan, curves, N_FRAMES, workers=2, started=started
            )
        ]
    assert "render worker stopped" not in caplog.text
    assert _made(caplog.text) > 0
    assert frames == reference
    assert [clip[4] for clip in clips_sent] == [None]  # the curves only: the worker had its scene
    assert len(renderers_built) == 1  # this process's, built at prepare()
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before


def test_a_worker_ends_once_every_frame_is_handed_out(
    astronaut, portrait, rig, curves, reference, caplog
) -> None:
    """Once every frame of the clip is handed out, each worker is told to stop after its last one: it has
    ended by the time this process takes the last frame (while it encodes the last frames, in `dirfa say`),
    and closing the pool does not wait ~10-15 ms for a process to end."""
    plan = plan_output(astronaut.shape, portrait.face_box)
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    with stream.RenderWorkers(1) as started:
        started.prepare(astronaut, rig, plan)
        _wait_for_the_scene(started)
        worker = started._processes[0]
        frames = stream.render_frames(astronaut, rig, plan, curves, N_FRAMES, workers=2, started=started)
        digests = [_digest(next(frames)) for _ in range(N_FRAMES)]  # every frame; the clip not yet closed
        deadline = time.monotonic() + 30
        while worker._process.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        ended = not worker._process.is_alive()
        assert next(frames, None) is None
    assert ended
    assert digests == reference
    assert _made(caplog.text) > 0 and "render worker stopped" not in caplog.text
    assert multiprocessing.active_children() == []


def test_a_clip_with_another_scene_than_prepared_sends_its_own(
    astronaut, portrait, rig, curves, reference, clips_sent, caplog
) -> None:
    """Prepared for a face-centred crop, then asked for the whole picture: the workers are sent the clip's
    scene with its curves and render its frames."""
    plan = plan_output(astronaut.shape, portrait.face_box)
    crop = plan_output(astronaut.shape, portrait.face_box, size=256, crop=True)
    assert crop != plan
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    with stream.RenderWorkers(1) as started:
        started.prepare(astronaut, rig, crop)
        _wait_for_the_scene(started)
        frames = _rendered(astronaut, rig, plan, curves, started)
    assert "render worker stopped" not in caplog.text
    assert frames == reference
    assert len(clips_sent) == 1 and clips_sent[0][4][2] == plan
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("failure", ["killed", "running other code"])
def test_a_worker_that_never_got_its_scene_leaves_the_frames_to_this_process(
    astronaut, portrait, rig, curves, reference, clips_sent, caplog, monkeypatch, failure
) -> None:
    """A worker killed while it is sent its scene, or one that declines it (its render code differs from this
    process's), is reported once, and this process renders every frame."""
    if failure == "running other code":
        monkeypatch.setattr(stream, "SOURCE_DIGEST", "the code before an edit")
    plan = plan_output(astronaut.shape, portrait.face_box)
    before = _shared_memory()
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    with stream.RenderWorkers(1) as started:
        started.prepare(astronaut, rig, plan)
        if failure == "killed":
            os.kill(multiprocessing.active_children()[0].pid, 9)
        _wait_for_the_scene(started)
        frames = _rendered(astronaut, rig, plan, curves, started)
    assert caplog.text.count("render worker stopped") == 1
    if failure == "running other code":
        assert "its dirfa source differs" in caplog.text
    assert _made(caplog.text) == 0
    assert clips_sent == []  # nothing more goes down a failed worker's pipe
    assert frames == reference
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before


def test_workers_prepared_and_not_used_are_stopped(astronaut, portrait, rig) -> None:
    plan = plan_output(astronaut.shape, portrait.face_box)
    with stream.RenderWorkers(2) as started:
        started.prepare(astronaut, rig, plan)
        assert len(multiprocessing.active_children()) == 2
    assert multiprocessing.active_children() == []


def test_prepare_frames_sets_up_what_frames_renders(portrait, curves, clips_sent, caplog) -> None:
    """api.prepare_frames with the arguments `frames` gets (an avatar, a size, the mouth closed at rest, as
    `dirfa say` passes them) prepares the very scene frames() renders: the worker is sent only the curves,
    and the frames are those of one process."""
    avatar = prepare(portrait, widths_px=())
    tracks = Tracks(fps=25, curves=curves, n_frames=N_FRAMES)
    options = {"size": 384, "close_mouth": True}
    alone = [_digest(frame.image) for frame in api.frames(avatar, tracks, **options)]
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    with stream.RenderWorkers(1) as started:
        api.prepare_frames(avatar, started, **options)
        _wait_for_the_scene(started)
        frames = [
            _digest(frame.image)
            for frame in api.frames(avatar, tracks, workers=2, started=started, **options)
        ]
    assert "render worker stopped" not in caplog.text
    assert _made(caplog.text) > 0
    assert [clip[4] for clip in clips_sent] == [None]
    assert frames == alone
    assert multiprocessing.active_children() == []


def test_prepare_frames_from_a_photo_builds_its_rig_once(portrait, curves, monkeypatch) -> None:
    """Given a Portrait (a photo, no avatar), prepare_frames builds the rig and frames() renders with that
    scene: the rig is not built a second time, and the frames are those frames() makes alone."""
    tracks = Tracks(fps=25, curves=curves, n_frames=N_FRAMES)
    options = {"size": 256, "crop": True}
    alone = [_digest(frame.image) for frame in api.frames(portrait, tracks, **options)]
    built: list[object] = []
    build_rig = api.build_rig

    def counted(*args: object, **kwargs: object) -> object:
        built.append(build_rig(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(api, "build_rig", counted)
    with stream.RenderWorkers(0) as started:
        api.prepare_frames(portrait, started, **options)
        assert len(built) == 1
        frames = [_digest(frame.image) for frame in api.frames(portrait, tracks, started=started, **options)]
    assert len(built) == 1
    assert frames == alone
    # Other arguments than prepared: the scene is made again for them.
    with stream.RenderWorkers(0) as started:
        api.prepare_frames(portrait, started, **options)
        other = [_digest(f.image) for f in api.frames(portrait, tracks, started=started, size=256)]
    assert len(built) == 3
    assert other != alone


def test_a_clip_rendered_here_before_the_workers_start_does_not_wait_for_them(
    astronaut, portrait, rig, curves, reference, clips_sent
) -> None:
    """A clip so short (a one-word reply) that this process renders it all while its worker is still starting
    (~1 s) ends without it: the worker is stopped, never sent the clip nor waited for."""
    plan = plan_output(astronaut.shape, portrait.face_box)
    n_frames = 3
    short = {name: values[:n_frames] for name, values in curves.items()}
    with stream.RenderWorkers(1) as started:
        started.prepare(astronaut, rig, plan)
        frames = [
            _digest(f)
            for f in stream.render_frames(astronaut, rig, plan, short, n_frames, workers=2, started=started)
        ]
        assert multiprocessing.active_children() == []  # stopped with the clip
    assert frames == reference[:n_frames]
    assert clips_sent == []


# Run in a fresh interpreter that never loads mediapipe (a prepared avatar), as `dirfa say` does: a fork of this
# test process, which found the astronaut's face with mediapipe, is what _can_fork rules out.
_FORKED = r"""
import hashlib, json, logging, multiprocessing, os, sys
import numpy as np
from dirfa.avatar import load_avatar
from dirfa.render import stream

records = []
handler = logging.Handler()
handler.emit = lambda record: records.append(record.getMessage())
logging.getLogger("dirfa.render.stream").addHandler(handler)
logging.getLogger("dirfa.render.stream").setLevel(logging.DEBUG)
level, plan = load_avatar(sys.argv[1]).for_output(size=None, crop=False)
scene = (level.portrait.image, level.rig, plan, level.assets)
with np.load(sys.argv[2]) as data:
    curves = {name: data[name] for name in data.files}
n = len(curves["jawOpen"])
digest = lambda frame: hashlib.sha1(np.ascontiguousarray(frame).tobytes()).hexdigest()
alone = [digest(f) for f in stream.render_frames(*scene[:3], curves, n, workers=1, assets=scene[3])]
before = multiprocessing.active_children()
with stream.RenderWorkers(1, at_prepare=True) as started:
    started.prepare(*scene)
    kinds = [type(p).__name__ for p in started._processes]
    pid = started._processes[0].pid
    if sys.argv[3] == "kill":
        os.kill(os.getpid(), 9)
    frames = [digest(f) for f in stream.render_frames(*scene[:3], curves, n, workers=2, started=started)]
print(json.dumps({
    "before": len(before), "kinds": kinds, "same": frames == alone, "log": records,
    "mediapipe": "mediapipe" in sys.modules, "left": len(multiprocessing.active_children()),
}))
"""


@pytest.fixture(scope="module")
def avatar_and_curves(portrait, curves, tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("forked")
    avatar = prepare(portrait, widths_px=()).save(folder / "face.avatar")
    np.savez(folder / "curves.npz", **curves)
    return Path(avatar), folder / "curves.npz"


def _run_forked(avatar_and_curves: tuple[Path, Path], what: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _FORKED, *map(str, avatar_and_curves), what],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_workers_started_at_prepare_are_forked_and_render_the_frames_of_one_process(
    avatar_and_curves,
) -> None:
    """RenderWorkers(at_prepare=True), as `dirfa say` makes them from a prepared avatar: nothing starts until
    prepare(), which forks the worker with this process's renderer built; it is sent only the curves with the
    clip, renders its share, and the frames are those of one process; nothing is left running."""
    done = _run_forked(avatar_and_curves, "render")
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["before"] == 0 and found["kinds"] == ["_ForkedChild"] and not found["mediapipe"]
    assert found["same"], found["log"]
    assert not any("render worker stopped" in line for line in found["log"]), found["log"]
    assert found["left"] == 0


def test_a_forked_worker_ends_when_this_process_goes(avatar_and_curves) -> None:
    """A forked worker closes its copy of this process's end of the pipe: when the process that made it dies
    without a word (killed), the worker sees its pipe end and exits, rather than waiting for ever."""
    done = _run_forked(avatar_and_curves, "kill")
    assert done.returncode == -9, done.stderr[-2000:]
    # The worker was forked before the kill: it is the only process still running that script.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _still_running(_FORKED_MARK):
        time.sleep(0.2)
    assert not _still_running(_FORKED_MARK)


_FORKED_MARK = "from dirfa.avatar import load_avatar"


def _still_running(mark: str) -> bool:
    """Whether a process of this user whose command line holds `mark` runs (zombies aside)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if mark in cmdline and state != "Z":
            return True
    return False


def test_workers_started_at_prepare_are_fresh_interpreters_where_a_fork_is_unsafe(
    astronaut, portrait, rig, curves, reference, clips_sent, caplog
) -> None:
    """In this process mediapipe is loaded (it found the astronaut's face): prepare() starts fresh interpreters
    then and sends them the scene; the frames are those of one process, and nothing is left behind."""
    assert not stream._can_fork()
    plan = plan_output(astronaut.shape, portrait.face_box)
    before = _shared_memory()
    caplog.set_level(logging.DEBUG, logger="dirfa.render.stream")
    with stream.RenderWorkers(1, at_prepare=True) as started:
        assert multiprocessing.active_children() == [] and started.count == 0
        started.prepare(astronaut, rig, plan)
        assert [type(p) for p in started._processes] == [stream.ChildProcess]
        _wait_for_the_scene(started)
        frames = _rendered(astronaut, rig, plan, curves, started)
    assert "render worker stopped" not in caplog.text
    assert frames == reference
    assert [clip[4] for clip in clips_sent] == [None]
    assert multiprocessing.active_children() == []
    assert _shared_memory() == before
