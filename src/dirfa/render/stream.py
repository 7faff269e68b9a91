"""Render a whole clip as a stream of frames, in order, on one core or several.

Render stage: (photo, Rig, OutputPlan, per-frame parameter curves) -> iterator of RGB frames -> media.video.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gc
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from multiprocessing import resource_tracker, shared_memory
from multiprocessing.connection import Connection

import cv2
import numpy as np

from dirfa.child_process import ChildLost, ChildProcess, ChildSilent
from dirfa.face.rig import Rig
from dirfa.render.compose import FrameRenderer, OutputPlan, RenderAssets, render_assets
from dirfa.sources import source_digest

log = logging.getLogger(__name__)

# The modules whose code makes a frame. A worker is a fresh interpreter that imports them from disk when it
# starts: if they changed since this process imported them (dirfa upgraded, or a working copy edited while a
# clip renders), its frames would differ from this process's and the clip would mix two renderers' frames.
# Their source is digested when this module is imported (they are imported just above), and a worker whose
# digest differs from this process's declines, so this process renders its frames.
_FRAME_MODULES = (
    "dirfa.face.topology",
    "dirfa.face.rig",
    "dirfa.render.warp",
    "dirfa.render.mouth",
    "dirfa.render.eyelids",
    "dirfa.render.compose",
    __name__,
)


SOURCE_DIGEST = source_digest(_FRAME_MODULES)

FRAMES_IN_FLIGHT = 3  # per worker: one being rendered, the others waiting, so a worker never idles
WORKER_TIMEOUT_S = 60.0  # a frame takes milliseconds; a minute without one means a stuck worker
MIN_FRAMES_FOR_WORKERS = 150  # starting worker processes costs ~1 s: not worth it for short clips
STOP_GRACE_S = 0.5  # a worker told to stop just returns: one still running after this is killed
# What handing a frame to the encoder costs this process, per frame (H.264 with media.video's settings, the
# colour conversion and the copy out of shared memory; measured on rendered frames on the 2-core machine:
# ~4 ms at 512 x 512, ~30 ms at 1536 x 1536, benchmarks/reply_speed.py). Only a first guess: render_frames
# measures this process's CPU per frame besides rendering (encoder, audio, copies) as it goes.
ENCODE_MS_BASE = 0.5
ENCODE_MS_PER_MPX = 12.5


def default_workers() -> int:
    """One render process per core the machine gives us."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def renders_elsewhere(n_frames: int, *, workers: int, started: RenderWorkers | None) -> bool:
    """Whether render_frames with these arguments has other processes render frames (if they start): this
    process then encodes best in the thread that takes the frames (media.video.write_video)."""
    return (started is not None and started.count > 0) or (workers > 1 and n_frames >= MIN_FRAMES_FOR_WORKERS)


def _params(curves: Mapping[str, np.ndarray], index: int) -> dict[str, float]:
    return {name: float(values[index]) for name, values in curves.items()}


def render_frames(
    image: np.ndarray,
    rig: Rig,
    plan: OutputPlan,
    curves: Mapping[str, np.ndarray],
    n_frames: int,
    *,
    workers: int = 1,
    assets: RenderAssets | None = None,
    started: RenderWorkers | None = None,
) -> Iterator[np.ndarray]:
    """Frames 0 .. n_frames-1 in order; `curves` maps track names to per-frame values (absent: neutral).

    With workers > 1, that many processes render: this one and workers - 1 started for the clip, each a
    few frames ahead of the consumer, so memory stays flat however long the clip and however slow the
    encoder. If a worker dies or cannot start, the remaining frames are rendered here. assets: the
    renderer's precomputed background and colours (compose.render_assets), computed here when None.
    started: processes started ahead (RenderWorkers), used instead of starting workers - 1 for the clip,
    whatever its length (their start-up is paid already); this call takes them over and stops them. If it
    was prepared (RenderWorkers.prepare) with this clip's scene, its renderers are set up already."""
    done = 0
    elsewhere = renders_elsewhere(n_frames, workers=workers, started=started)
    ahead = started._hand_over() if started is not None else _Ahead([], [], None, None)
    try:
        if ahead.scene is not None and not _same_scene(ahead.scene, (image, rig, plan, assets)):
            log.debug("the clip's scene is not the one prepared ahead: the workers are sent this one")
            ahead = _Ahead(ahead.processes, ahead.setups, None, None)
        if ahead.scene is not None:
            image, rig, plan, assets = ahead.scene  # the same scene, as prepared (its assets computed)
        elif assets is None:
            assets = render_assets(image, rig)
    except BaseException:
        ahead.stop()  # taken over: stopped here
        raise
    pool = None
    if elsewhere:
        try:
            pool = _Pool(image, rig, plan, curves, assets, workers=workers - 1, ahead=ahead)
        except OSError as exc:  # no shared memory (/dev/shm missing or full), no processes left
            log.warning("cannot start render workers (%s); rendering in this process", exc)
    else:
        ahead.stop()
    lost = None
    try:
        if pool is not None:
            try:
                pool.ready()  # hands their clip to the workers started ahead and waiting for it
            except _WorkerLost as exc:
                lost = exc  # reported below, with the frames then rendered here
        # Made after the workers have their clip: they set up their renderers (~1 s at 1536 px) meanwhile.
        renderer = ahead.renderer or FrameRenderer(image, rig, plan, assets)
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    if pool is not None:
        try:
            if lost is not None:
                raise lost
            # Workers take a second or so to start (a fresh interpreter, imports): meanwhile, render here.
            costs = _Costs(plan.width * plan.height, pool.n_workers)
            while done < n_frames and not pool.ready():
                begun = time.thread_time()
                frame = renderer.render(_params(curves, done))
                costs.local(1000 * (time.thread_time() - begun))
                yield frame
                done += 1
            # A clip all rendered here while the workers were still starting does not wait for them.
            if done < n_frames:
                for frame in pool.frames(done, n_frames, renderer, curves, costs=costs):
                    done += 1
                    yield frame
        except _WorkerLost as exc:
            log.warning("render worker stopped (%s); rendering the remaining frames in this process", exc)
        finally:
            pool.close()
            log.debug("render workers made %d of %d frames", pool.made, n_frames)
    for index in range(done, n_frames):
        yield renderer.render(_params(curves, index))


class _Costs:
    """What a frame costs to render here and in a worker (CPU ms of the rendering thread, so neither the
    encoder thread's turns at the GIL nor other programs' turns at the core count), followed as frames are
    made, and from them the share of frames this process renders."""

    SMOOTHING = 0.2  # weight of the newest frame in the running means: a few frames' memory

    def __init__(self, pixels: int, n_workers: int) -> None:
        self.n_workers = n_workers
        self.encode_ms = ENCODE_MS_BASE + ENCODE_MS_PER_MPX * pixels / 1e6
        self.local_ms: float | None = None
        self.worker_ms: float | None = None

    def _mean(self, mean: float | None, ms: float) -> float:
        return ms if mean is None else mean + self.SMOOTHING * (ms - mean)

    def local(self, ms: float) -> None:
        self.local_ms = self._mean(self.local_ms, ms)

    def worker(self, ms: float) -> None:
        self.worker_ms = self._mean(self.worker_ms, ms)

    def besides(self, ms: float) -> None:
        """This process's CPU for one frame besides rendering it: encoding (in any thread), copies, audio."""
        self.encode_ms = self._mean(self.encode_ms, ms)

    def share(self) -> float:
        """The share of frames this process renders beside the workers, so that it (which also hands every
        frame to the encoder) finishes its part when they finish theirs:
        share * here + encode = (1 - share) * theirs / n_workers."""
        here = self.local_ms if self.local_ms is not None else self.worker_ms
        theirs = self.worker_ms if self.worker_ms is not None else here
        if here is None or theirs is None:  # nothing measured yet: as if a frame cost ENCODE_MS x 4
            here = theirs = 4 * self.encode_ms
        share = (theirs / self.n_workers - self.encode_ms) / (here + theirs / self.n_workers)
        return float(np.clip(share, 0.0, 1.0 / (self.n_workers + 1)))


class _WorkerLost(Exception):
    """A render worker died, hung, or failed."""


@contextlib.contextmanager
def _no_sigint_while_starting() -> Iterator[None]:
    """Children started inside ignore SIGINT from their first instruction: an ignored signal stays ignored
    through exec, and Python then installs no KeyboardInterrupt handler. Otherwise a Ctrl-C while one is still
    starting (~1 s of imports, before _work ignores it) prints the child's traceback. This process keeps its
    Ctrl-C: blocked meanwhile, it stays pending and arrives when the handler is back (then it stops them)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield  # signal handlers belong to the main thread (and POSIX masks to POSIX)
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.getsignal(signal.SIGINT)
    try:
        if handler is not None:  # None: a handler not set from Python, left alone
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        yield
    finally:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


class RenderWorkers:
    """Render processes started before their clip is known, so that a short clip can use them: a fresh
    interpreter takes ~1 s to start and import the renderer (too long to pay inside a 5 s reply's render),
    which they spend while the caller synthesises, analyses and animates. `prepare` hands them the scene
    (picture, rig, framing, assets) as soon as it is known, so that they (and this process) set up their
    renderers meanwhile too. Give them to render_frames (`started`), which takes them over; close() stops
    any not taken (a context manager does it too).

    at_prepare: start nothing now; `prepare` starts the processes once this process has built its renderer,
    as copies of this process (fork) that have that renderer already, with no start-up of their own (a fresh
    interpreter spends ~0.45 s of CPU on its imports, and ~0.1-0.25 s more on the scene). Where a fork is not
    safe (see _can_fork), `prepare` starts fresh interpreters then and sends them the scene.

    Raises OSError if a process cannot start."""

    def __init__(self, n_workers: int, *, at_prepare: bool = False) -> None:
        self._processes: list[ChildProcess] = []
        self._setups: list[_Setup | _Forked] = []
        self._scene: _Scene | None = None
        self._source: tuple = ()
        self._renderer: FrameRenderer | None = None
        self._to_start = max(0, n_workers) if at_prepare else 0
        try:
            self._spawn(0 if at_prepare else n_workers)
        except BaseException:
            self.close()
            raise

    def _spawn(self, n_workers: int) -> None:
        """Start n_workers fresh interpreters (added to the processes)."""
        with _no_sigint_while_starting():
            for _ in range(max(0, n_workers)):
                # The first message is only the source digest: the clip follows once they say "started".
                self._processes.append(
                    ChildProcess(_run_worker, (), name="dirfa-render", payload=(SOURCE_DIGEST, None))
                )

    @property
    def count(self) -> int:
        """Processes started and not yet taken."""
        return len(self._processes)

    def prepare(
        self,
        image: np.ndarray,
        rig: Rig,
        plan: OutputPlan,
        assets: RenderAssets | None = None,
        *,
        source: tuple = (),
    ) -> None:
        """Set up the renderers of the clip to come (render_frames with these same arguments) now: each
        process is sent the scene once it has started (from a thread: this call does not wait for them) and
        builds its renderer while the caller analyses the speech (unpickling the rig and building the
        renderer take ~0.25 s at 512 px on the 2-core machine, ~0.7 s when it is busy), and this process
        builds its own here. Called once; a later call changes nothing. A clip with another scene still
        renders right (it is sent the workers with the clip), only without this head start.

        source: what the caller made the scene from (e.g. its photo and framing), for `prepared`."""
        if self._scene is not None:
            return
        if assets is None:
            assets = render_assets(image, rig)
        self._scene = (image, rig, plan, assets)
        self._source = source
        # This process's renderer first: the workers are sent its doubled source with the scene (~4 MB at
        # 512 px, copied in milliseconds; making it again costs each ~45 ms of CPU).
        self._renderer = FrameRenderer(image, rig, plan, assets)
        to_start, self._to_start = self._to_start, 0
        forked = bool(to_start) and _can_fork()
        try:
            if forked:
                self._fork(to_start)
            else:
                self._spawn(to_start)
        except OSError as exc:  # no processes left: the clip renders with those started, or here
            log.warning("cannot start render workers (%s); rendering in this process", exc)
        if not forked:
            for process in self._processes:
                self._setups.append(_Setup(process, (*self._scene, self._renderer.doubled)))

    def _fork(self, n_workers: int) -> None:
        """Start n_workers copies of this process, each with its renderer (added to the processes)."""
        assert self._renderer is not None
        # The clip's shared memory is registered with multiprocessing's resource tracker, by this process and
        # by each worker: started now, the copies share it. (Otherwise each copy would start one of its own, a
        # fresh interpreter, before it says "ready", and that one would report the memory as leaked when it
        # ends.)
        resource_tracker.ensure_running()
        with _no_sigint_while_starting(), _opencv_pool_stopped():
            for _ in range(n_workers):
                self._processes.append(_ForkedChild(self._renderer))
                self._setups.append(_Forked())

    def prepared(self, source: tuple) -> _Scene | None:
        """The scene `prepare` was given with this `source` (item by item the same objects, or equal numbers,
        strings or None), so that the caller need not make it again (e.g. build the rig twice); else None."""
        if self._scene is None or len(source) != len(self._source):
            return None
        plain = (type(None), bool, int, float, str)
        for a, b in zip(source, self._source):
            if a is not b and not (isinstance(a, plain) and type(a) is type(b) and a == b):
                return None
        return self._scene

    def take(self) -> list[ChildProcess]:
        """The processes, handed over to the caller (this object then holds none)."""
        return self._hand_over().processes

    def _hand_over(self) -> _Ahead:
        """Everything set up ahead (processes, their scene senders, the scene, this process's renderer),
        handed over to render_frames (this object then holds none of it)."""
        ahead = _Ahead(self._processes, self._setups, self._scene, self._renderer)
        self._processes, self._setups, self._scene, self._renderer = [], [], None, None
        self._source = ()
        return ahead

    def close(self) -> None:
        """Stop the processes not taken (killed: they may still be starting)."""
        self._hand_over().stop()

    def __enter__(self) -> RenderWorkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# (picture, rig, framing, assets): what a clip is rendered from, besides its curves.
_Scene = tuple[np.ndarray, Rig, OutputPlan, RenderAssets]


def _same_scene(a: _Scene, b: tuple) -> bool:
    """Whether two scenes give the same frames: the same objects (a prepared avatar's level), or equal
    values (a rig remade the same way, e.g. Rig.closed_at_rest, shares all but a few small arrays)."""
    image, rig, plan, assets = b
    return (
        a[2] == plan
        and _same_value(a[0], image)
        and (assets is None or _same_value(a[3], assets))
        and _same_value(a[1], rig)
    )


def _same_value(a: object, b: object) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))
    if dataclasses.is_dataclass(a):
        return all(_same_value(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class _Setup:
    """Sends a worker started ahead its scene once it says "started" (a thread: the caller goes on).

    The worker reads the scene (megabytes) and builds its renderer while the caller works; the pool takes the
    worker over when the thread has finished (`done`): `failure` then says why the worker is unusable."""

    def __init__(self, process: ChildProcess, scene: tuple) -> None:
        """scene: the _Scene, then the doubled source of the sender's renderer (FrameRenderer's arguments)."""
        self.failure: str | None = None
        self._thread = threading.Thread(
            target=self._run, args=(process, scene), name="dirfa-render-scene", daemon=True
        )
        self._thread.start()

    def _run(self, process: ChildProcess, scene: tuple) -> None:
        try:
            reply = process.receive(timeout_s=WORKER_TIMEOUT_S)
            if reply != "started":
                self.failure = f"failed: {reply}"
                return
            process.send(("scene", *scene))
        except ChildSilent:
            self.failure = f"did not start in {WORKER_TIMEOUT_S:.0f} s"
        except ChildLost as exc:
            self.failure = str(exc)
        except Exception as exc:  # noqa: BLE001 - e.g. a scene that does not pickle: the caller renders
            self.failure = f"could not be sent its scene ({type(exc).__name__}: {exc})"

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self) -> None:
        self._thread.join()


@contextlib.contextmanager
def _opencv_pool_stopped() -> Iterator[None]:
    """OpenCV's thread pool stopped (one thread) while this process forks, restored after. A pool thread that
    holds the pool's lock at the fork leaves it held in the copy for ever: the copy's first cv2.setNumThreads
    or parallel OpenCV call then hangs (OpenCV 4.11, pthreads backend: 22 of 30 forks right after a cv2.remap
    on the 2-core machine; none with the pool stopped first)."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def _can_fork() -> bool:
    """Whether a render worker may be a copy of this process (fork) rather than a fresh interpreter: on Linux
    (macOS's system libraries are not safe in a forked child), and not once mediapipe is loaded (its threads
    hold locks a copy would inherit held; dirfa loads it only to find a face in a photo not prepared yet).
    The copy runs only the renderer this process built before the fork (NumPy, OpenCV), forked with OpenCV's
    thread pool stopped (_opencv_pool_stopped)."""
    return sys.platform == "linux" and "mediapipe" not in sys.modules


class _Forked:
    """The setup of a forked worker: it has its scene already (a copy of this process's renderer)."""

    failure: str | None = None
    done = True

    def join(self) -> None:
        pass


class _ForkedChild(ChildProcess):
    """A render worker forked from this process: it starts with `renderer` (already built) and waits for its
    clip, as a worker sent its scene ahead does. It runs only the renderer, none of the code of this process's
    other threads (the voice's, the encoder's), so their state copied mid-work is never touched (_can_fork)."""

    def __init__(self, renderer: FrameRenderer) -> None:
        super().__init__(_run_forked, (renderer,), name="dirfa-render", fork=True)


@dataclasses.dataclass
class _Ahead:
    """What RenderWorkers set up before the clip: its processes, the threads sending them their scene (one
    per process, or none if the scene was not prepared), the scene and this process's renderer for it."""

    processes: list[ChildProcess]
    setups: list[_Setup]
    scene: _Scene | None
    renderer: FrameRenderer | None

    def stop(self) -> None:
        """Stop the processes (killed: they may still be starting or reading their scene)."""
        for process in self.processes:
            process.kill()
        for setup in self.setups:  # a killed worker's pipe is closed: its sender stops at once
            setup.join()
        for process in self.processes:
            process.close(grace_s=STOP_GRACE_S)
        self.processes, self.setups = [], []


# Where a worker is in its start-up: started without its clip (RenderWorkers), sent its scene ahead
# (RenderWorkers.prepare), its clip sent, ready for frames; then told to stop after the frames it was sent.
_STARTING, _PREPARING, _SENT, _READY, _STOPPING = "starting", "preparing", "sent", "ready", "stopping"


class _Pool:
    """Render processes, each fed frame numbers through its own pipe, writing frames into shared memory.

    Only tiny messages cross the pipes (atomic on Linux below 4 KiB), so a worker killed at any moment
    cannot leave a half-written message that blocks us; frames never go through pickle."""

    def __init__(
        self,
        image: np.ndarray,
        rig: Rig,
        plan: OutputPlan,
        curves: Mapping[str, np.ndarray],
        assets: RenderAssets,
        *,
        workers: int,
        ahead: _Ahead,
    ) -> None:
        """workers: processes to start for the clip, unless `ahead` (RenderWorkers) has some; those sent
        their scene ahead are sent only the curves (ahead.scene: the same scene as this clip's)."""
        self._workers: list[ChildProcess] = list(ahead.processes)
        self._setups: list[_Setup | None] = list(ahead.setups) or [None] * len(self._workers)
        self.n_workers = len(self._workers) or workers
        self.n_slots = self.n_workers * FRAMES_IN_FLIGHT
        self._state = [_STARTING if setup is None else _PREPARING for setup in self._setups]
        self._senders: list[threading.Thread] = []
        self.made = 0  # frames the workers have rendered
        shape = (plan.height, plan.width, 3)
        try:
            # Named for this process (/dev/shm/dirfa_<pid>_...): a segment left behind by a killed run says
            # whose it was, and a test can check its own process's segments alone.
            self._shm = shared_memory.SharedMemory(
                name=f"dirfa_{os.getpid()}_{secrets.token_hex(6)}",
                create=True,
                size=self.n_slots * int(np.prod(shape)),
            )
        except BaseException:
            for process in self._workers:
                process.kill()
            self._close_processes()
            raise
        self._slots: np.ndarray | None = np.ndarray((self.n_slots, *shape), np.uint8, buffer=self._shm.buf)
        # The picture, rig and curves (megabytes) go to each worker as its payload, while this one renders;
        # a worker sent the scene ahead gets only the curves.
        clip = ("clip", self._shm.name, self.n_slots, shape)
        self._clip = (*clip, (image, rig, plan, assets), dict(curves))
        # What a worker sent its scene ahead gets: only the curves if that was this clip's scene.
        self._after_scene = (*clip, None, dict(curves)) if ahead.scene is not None else self._clip
        try:
            with _no_sigint_while_starting():
                while len(self._workers) < self.n_workers:
                    self._workers.append(
                        ChildProcess(
                            _run_worker, (), name="dirfa-render", payload=(SOURCE_DIGEST, self._clip)
                        )
                    )
                    self._setups.append(None)
                    self._state.append(_SENT)
        except BaseException:
            self.close()
            raise

    def ready(self) -> bool:
        """Whether every worker has started and is waiting for frames (does not wait). Raises _WorkerLost."""
        for worker, process in enumerate(self._workers):
            if self._state[worker] == _READY:
                continue
            if self._state[worker] == _PREPARING:
                setup = self._setups[worker]
                if setup is not None and not setup.done:
                    continue  # still starting, or reading its scene
                self._advance(worker)
                continue
            try:
                waiting = process.has_message()
            except ChildLost as exc:
                raise _WorkerLost(f"worker {worker} {exc}") from exc
            if waiting:
                self._advance(worker)
        return all(state == _READY for state in self._state)

    def _advance(self, worker: int) -> None:
        """Take the worker's next start-up answer (waiting for it): "started" is answered with the clip
        (sent from a thread: it may be megabytes, and the worker reads it while this process renders); a
        worker sent its scene ahead is sent the curves once that is done."""
        if self._state[worker] in (_STARTING, _PREPARING):
            setup = self._setups[worker]
            if setup is None:
                self._receive(worker, "started")
                clip = self._clip
            else:
                setup.join()
                if setup.failure is not None:
                    raise _WorkerLost(f"worker {worker} {setup.failure}")
                clip = self._after_scene
            sender = threading.Thread(
                target=self._send_clip, args=(worker, clip), name="dirfa-render-setup", daemon=True
            )
            sender.start()
            self._senders.append(sender)
            self._state[worker] = _SENT
        else:
            self._receive(worker, "ready")
            self._state[worker] = _READY

    def _send_clip(self, worker: int, clip: tuple) -> None:
        with contextlib.suppress(ChildLost):  # a dead worker is noticed when we wait for it
            self._workers[worker].send(clip)

    def frames(
        self,
        first: int,
        n_frames: int,
        local: FrameRenderer,
        curves: Mapping[str, np.ndarray],
        *,
        costs: _Costs,
    ) -> Iterator[np.ndarray]:
        """Frames first .. n_frames-1: `costs.share()` of them, evenly spread, rendered here by `local`, the
        others by the workers in turn, each worker's into the next free slot. Raises _WorkerLost."""
        for worker in range(self.n_workers):
            while self._state[worker] != _READY:
                self._advance(worker)
        pending: collections.deque[tuple[int, int, int]] = collections.deque()  # (frame, worker, slot) sent
        here: set[int] = set()  # frames to render here, among those handed out so far
        handed = first  # frames before this one are handed out (to a worker or to this process)
        credit = 0.0  # this process's share, accumulated: a whole frame is one to render here
        sent = 0
        # This process's CPU (all threads) per frame besides its renders: the encoder, audio, copies.
        process_cpu_s, render_cpu_s = time.process_time(), 0.0

        def send_ahead() -> None:
            # Frames are handed out in order, each worker a few ahead: the share as measured by then.
            nonlocal handed, credit, sent
            while len(pending) < self.n_slots and handed < n_frames:
                index = handed
                handed += 1
                credit += costs.share()
                if credit >= 1.0:
                    credit -= 1.0
                    here.add(index)
                    continue
                worker = sent % self.n_workers
                # Slots are handed out in turn: the next is always the one freed longest ago.
                slot = sent % self.n_slots
                self._send(worker, (index, slot))
                pending.append((index, worker, slot))
                sent += 1
            if handed == n_frames:
                # Every frame handed out: each worker stops after its last one, so that it has ended (~10-15 ms
                # for a process to end) while this one takes and encodes the last frames, and close() does
                # not wait for it.
                for worker in range(self.n_workers):
                    if self._state[worker] == _READY:
                        self._send(worker, None)
                        self._state[worker] = _STOPPING

        for index in range(first, n_frames):
            if index > first:
                now_s = time.process_time()
                costs.besides(1000 * (now_s - process_cpu_s - render_cpu_s))
                process_cpu_s, render_cpu_s = now_s, 0.0
            send_ahead()
            if index in here:
                here.discard(index)
                begun = time.thread_time()
                frame = local.render(_params(curves, index))
                render_cpu_s = time.thread_time() - begun
                costs.local(1000 * render_cpu_s)
                yield frame
                continue
            expected, worker, slot = pending.popleft()
            assert expected == index
            costs.worker(self._receive(worker, index))
            assert self._slots is not None
            frame = self._slots[slot].copy()
            self.made += 1
            send_ahead()
            yield frame

    def _close_processes(self) -> None:
        # A killed worker's pipe is closed: its senders have stopped or soon will.
        for sender in self._senders:
            sender.join()
        for setup in self._setups:
            if setup is not None:
                setup.join()
        for process in self._workers:
            process.close(grace_s=STOP_GRACE_S)

    def _send(self, worker: int, message: object) -> None:
        try:
            self._workers[worker].send(message)
        except ChildLost as exc:
            raise _WorkerLost(f"worker {worker} {exc}") from exc

    def _receive(self, worker: int, expected: object) -> float:
        """Wait for the worker's answer `expected` (a frame's is (index, CPU ms it took)); returns the ms."""
        try:
            reply = self._workers[worker].receive(timeout_s=WORKER_TIMEOUT_S)
        except ChildSilent as exc:
            raise _WorkerLost(f"worker {worker} made no frame in {WORKER_TIMEOUT_S:.0f} s") from exc
        except ChildLost as exc:
            raise _WorkerLost(f"worker {worker} {exc}") from exc
        if isinstance(reply, tuple) and len(reply) == 2 and reply[0] == expected:
            return float(reply[1])
        if reply != expected:
            raise _WorkerLost(f"worker {worker} failed: {reply}")
        return 0.0

    def close(self) -> None:
        """Stop the workers (killed if they do not stop at once) and free the shared memory."""
        for worker, process in enumerate(self._workers):
            if self._state[worker] == _READY:
                with contextlib.suppress(ChildLost):
                    process.send(None)
            elif self._state[worker] != _STOPPING:
                # It may still be reading its payload: no other message may go down its pipe now.
                process.kill()
        self._close_processes()
        self._slots = None  # the view must go before the memory it looks at
        self._shm.close()
        with contextlib.suppress(FileNotFoundError):
            self._shm.unlink()


def _run_worker(conn: Connection) -> None:
    """A render process: _work, then exit at once. Python's own exit (tearing down NumPy, OpenCV, SciPy...)
    takes ~0.1 s, ~0.4 s on a busy machine, which the parent would wait for after the clip's last frame;
    this process holds nothing that needs it (its shared memory is closed, its pipe flushed with each send)."""
    try:
        _work(conn)
    finally:
        conn.close()
        os._exit(0)


def _run_forked(conn: Connection, renderer: FrameRenderer) -> None:
    """A render process forked from the parent with its renderer built (_ForkedChild): _serve_frames, then
    exit at once (as _run_worker)."""
    try:
        # The objects inherited from the parent are left out of garbage collection: collecting them would
        # touch (and so copy) every page they are on.
        gc.freeze()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        cv2.setNumThreads(1)
        try:
            clip = conn.recv()
        except (EOFError, OSError):
            return
        if clip is not None:
            _serve_frames(conn, clip, renderer)
    finally:
        conn.close()
        os._exit(0)


def _work(conn: Connection) -> None:
    """A render worker: receives (the parent's SOURCE_DIGEST, its clip or None) and, running other code than
    the parent, says why it declines; without a clip it says "started" and receives the clip next, or first
    the scene ("scene", picture, rig, plan, assets, the parent renderer's doubled source), for which it
    builds its renderer while the parent works, and then the clip. The clip is ("clip", shared memory name,
    slots, frame shape, scene or None for the one sent ahead, curves). It then says "ready" and renders the
    frames it is told into their slots until told to stop (None) or until the parent's end of the pipe
    closes."""
    # Ctrl-C reaches the whole process group; the parent decides, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cv2.setNumThreads(1)  # the processes are the parallelism; OpenCV's own threads would only contend
    try:
        try:
            source_digest, clip = conn.recv()
            if source_digest != SOURCE_DIGEST:
                conn.send("its dirfa source differs: the files changed since this process imported them")
                return
            if clip is None:
                conn.send("started")
                clip = conn.recv()
            renderer = None
            if clip is not None and clip[0] == "scene":
                renderer = FrameRenderer(*clip[1:])
                clip = conn.recv()
        except (EOFError, OSError):
            return
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which renders the frames itself
        with contextlib.suppress(OSError, ValueError):
            conn.send(f"{type(exc).__name__}: {exc}"[:500])
        return
    if clip is not None:
        _serve_frames(conn, clip, renderer)


def _serve_frames(conn: Connection, clip: tuple, renderer: FrameRenderer | None) -> None:
    """A render worker's clip ("clip", shared memory name, slots, frame shape, scene or None for the one the
    worker has already, curves): says "ready", then renders the frames it is told into their slots until
    told to stop (None) or until the parent's end of the pipe closes."""
    shm = slots = None
    try:
        _, shm_name, n_slots, shape, scene, curves = clip
        shm = shared_memory.SharedMemory(name=shm_name)
        slots = np.ndarray((n_slots, *shape), np.uint8, buffer=shm.buf)
        if scene is not None:
            renderer = FrameRenderer(*scene)
        if renderer is None:
            raise ValueError("no scene to render")
        conn.send("ready")
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            index, slot = message
            begun = time.thread_time()
            slots[slot] = renderer.render(_params(curves, index))
            conn.send((index, round(1000 * (time.thread_time() - begun), 2)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which renders the frame itself
        with contextlib.suppress(OSError, ValueError):
            conn.send(f"{type(exc).__name__}: {exc}"[:500])
    finally:
        del slots
        if shm is not None:
            shm.close()
