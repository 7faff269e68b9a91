"""Batch runs: validated rows -> one Ray task per row -> DIR/results.jsonl, resumable and exact.

Sits around the pipeline (calls the public API in Ray workers); nothing in the pipeline imports it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dirfa.batch.manifest import RESULTS_NAME, Row, load_rows, row_keys
from dirfa.errors import DirfaError, InputError, OutputError

log = logging.getLogger(__name__)

DEFAULT_RETRIES = 2  # a row whose worker dies is tried this many more times, then marked failed
LOCK_NAME = ".dirfa-batch.lock"
# Test hook: when this names a folder holding "<row>.crash", the task running that row deletes the file and
# kills its own process (os._exit), as a segfault or the OOM killer would: the retry path, tested for real.
CRASH_ENV = "DIRFA_BATCH_TEST_CRASH_DIR"
PROBE_TIMEOUT_S = 10.0  # a cluster's head answers a TCP connect well within this, even across regions
LOOPBACK_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray's node address is 127.0.0.1
WAIT_S = 0.5  # how often the driver looks up from ray.wait, so that Ctrl-C is seen promptly


@dataclass(frozen=True)
class RowResult:
    """What became of one row. state: "done" (rendered now), "skipped" (complete from an earlier run) or
    "failed" (error says why, in one line). seconds: the row's time in its worker (0 when skipped).
    audio_s: the clip's length. node: the Ray node that rendered it."""

    row: int
    output: Path
    state: str
    seconds: float = 0.0
    error: str | None = None
    audio_s: float | None = None
    node: str | None = None


@dataclass(frozen=True)
class Prepared:
    """A portrait read once and shared with every row that uses it (through Ray's object store), or why it
    could not be read.

    An Avatar travels as its name and levels (plain arrays): the Avatar itself holds a lock for the sizes it
    prepares on first use, which cannot be pickled; open() rebuilds it in the worker, every level included.
    Without avatars (an older dirfa) the detected Portrait travels instead."""

    name: str = ""
    levels: tuple = ()
    portrait: Any = None
    error: str | None = None

    def open(self) -> Any:
        """The Avatar (or Portrait) to animate."""
        if self.error is not None:
            raise InputError(self.error)
        if self.levels:
            from dirfa.avatar import Avatar

            return Avatar(name=self.name, levels=self.levels)
        return self.portrait


def prepare_portrait(
    path: Path, face_index: int, framings: tuple[tuple[int | None, bool], ...] = ()
) -> Prepared:
    """Everything the photo alone decides, once per distinct (portrait, face): an Avatar if this dirfa has
    them (a .avatar file is loaded), with a level for each (size, crop) its rows ask for; else the Portrait."""
    import dirfa

    try:
        if not hasattr(dirfa, "prepare"):
            return Prepared(portrait=dirfa.load_portrait(path, face_index=face_index))
        if path.suffix.lower() == ".avatar":
            avatar = dirfa.load_avatar(path)
        else:
            avatar = dirfa.prepare(path, face_index=face_index)
        levels = list(avatar.levels)
        for size, crop in framings:
            with contextlib.suppress(InputError):  # an unusable size fails its own rows, not the portrait's
                level, _ = avatar.for_output(size=size, crop=crop)
                if all(level is not known for known in levels):
                    levels.append(level)
        return Prepared(name=avatar.name, levels=tuple(levels))
    except DirfaError as exc:
        return Prepared(error=str(exc))
    except MemoryError:
        return Prepared(error=f"out of memory reading {path.name} — use a smaller picture")
    except Exception as exc:  # a fault of dirfa on this photo: its rows fail with it, the others go on
        log.exception("preparing %s", path)
        return Prepared(error=f"internal error preparing {path.name}: {_one_line(exc)}")


def render_row(row: Row, prepared: Prepared, out_dir: str) -> dict[str, Any]:
    """Make one row's video (in a Ray worker): returns {state, seconds, error, audio_s, bytes, node}.

    A bad row's error becomes its one-line result, never an exception: the batch goes on."""
    _maybe_crash(row.number)
    start = time.monotonic()
    result: dict[str, Any] = {"state": "done", "error": None}
    try:
        face = prepared.open()
        output = Path(out_dir) / row.output
        output.parent.mkdir(parents=True, exist_ok=True)
        result["audio_s"] = _make_video(row, face, output)
        result["bytes"] = output.stat().st_size
    except DirfaError as exc:
        result.update(state="failed", error=" ".join(str(exc).split()))
    except MemoryError:
        result.update(state="failed", error="out of memory — try a smaller size")
    except Exception as exc:  # a fault of dirfa on this row: keep it to this row
        log.exception("row %d", row.number)
        result.update(state="failed", error=f"internal error: {_one_line(exc)}")
    result["seconds"] = round(time.monotonic() - start, 3)
    result["node"] = _node_id()
    return result


def _maybe_crash(number: int) -> None:
    folder = os.environ.get(CRASH_ENV)
    if folder:
        trigger = Path(folder) / f"{number}.crash"
        with contextlib.suppress(FileNotFoundError):
            trigger.unlink()
            os._exit(70)


def _node_id() -> str | None:
    """The Ray node running this row; None outside Ray (asking Ray's runtime context would start Ray)."""
    ray = sys.modules.get("ray")
    if ray is None or not ray.is_initialized():
        return None
    return ray.get_runtime_context().get_node_id()


def _make_video(row: Row, face: Any, output: Path) -> float:
    """Animate (audio rows) or say (text rows) and render to `output`; returns the clip's length in seconds.

    Only the options the row gives are passed: the rest keep the API's defaults (e.g. a seed from the inputs)."""
    import dirfa

    given = row.options
    names = {"fps": "fps", "seed": "seed", "head_motion": "head_motion", "blink_rate": "blink_rate_per_min"}
    names.update(gaze="gaze", language="language")
    motion = {arg: given[column] for column, arg in names.items() if column in given}
    expressions = _expressions(given)
    if expressions is not None:
        motion["expressions"] = expressions
    if row.text is not None:
        speech = {column: given[column] for column in ("voice", "rate", "pitch") if column in given}
        said = dirfa.say(face, row.text, **speech, **motion)
        tracks, audio = said.tracks, said.audio
    else:
        audio = dirfa.load_audio(row.audio)
        tracks = dirfa.animate(audio, text=given.get("transcript"), portrait=face, **motion)
    # One process per row (workers=1, the API's default): Ray runs as many rows at once as a node has CPUs.
    dirfa.render(face, tracks, output, audio=audio, size=given.get("size"), crop=given.get("crop", False))
    return round(float(audio.duration_s), 3)


def _expressions(options: Mapping[str, Any]) -> Any:
    from dirfa import load_timeline, parse_emotion, parse_timeline

    if "emotion" in options:
        emotion = options["emotion"]
        return "auto" if emotion.lower() == "auto" else parse_emotion(emotion)
    if "expressions" in options:
        text = options["expressions"]
        return load_timeline(Path(text)) if os.path.isabs(text) else parse_timeline(text)
    return None


# --- the driver: resume, Ray session, submission, results file ---


def batch(
    rows: str | Path | Iterable[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    ray_address: str | None = None,
    retries: int = DEFAULT_RETRIES,
    base_dir: str | Path | None = None,
    progress: Callable[[Iterator[RowResult], int], Iterator[RowResult]] | None = None,
) -> list[RowResult]:
    """Make every row's video in `out_dir` on Ray; return one RowResult per row, in manifest order.

    rows: a manifest (.csv or .jsonl) or dicts with its columns (portrait, audio or text, output, options).
    ray_address: None starts Ray on this machine (all cores) for the run, unless Ray is already initialised
    in this process; "auto" or "ray://host:10001" joins a cluster. Rows recorded complete in
    out_dir/results.jsonl (same inputs, options and output, file still there) are skipped, so running again
    finishes an interrupted batch. progress: optional wrapper over the results as they arrive, given the
    iterator and the number of rows to make. Raises ManifestError (every problem) before any work."""
    out_dir = Path(os.path.abspath(out_dir))
    plan = load_rows(rows, out_dir, base_dir=Path(base_dir) if base_dir is not None else None)
    if retries < 0:
        raise InputError(f"retries {retries} must be 0 or more")
    out_dir.mkdir(parents=True, exist_ok=True)
    with _locked(out_dir):
        remove_stale_parts(out_dir, plan)
        keys = row_keys(plan)
        previous = read_results(out_dir / RESULTS_NAME)
        todo, results = [], {}
        for row in plan:
            if _complete(previous.get(row.output), keys[row.number], out_dir / row.output):
                results[row.number] = RowResult(row.number, out_dir / row.output, "skipped")
            else:
                todo.append(row)
        if todo:
            run = _run(todo, keys, out_dir, ray_address=ray_address, retries=retries)
            # Closed explicitly: an interrupt must shut Ray down and close the results file now, not at GC.
            with contextlib.closing(run):
                stream = progress(run, len(todo)) if progress is not None else run
                for result in stream:
                    results[result.row] = result
    return [results[row.number] for row in plan]


def plan_summary(
    rows: str | Path | Iterable[Mapping[str, Any]], out_dir: str | Path, **kw: Any
) -> dict[str, int]:
    """Validate without rendering (dry run): {"rows": n, "to_make": k, "complete": n - k}; ManifestError lists
    every problem."""
    out_dir = Path(os.path.abspath(out_dir))
    plan = load_rows(rows, out_dir, **kw)
    keys = row_keys(plan)
    previous = read_results(out_dir / RESULTS_NAME)
    complete = sum(_complete(previous.get(r.output), keys[r.number], out_dir / r.output) for r in plan)
    return {"rows": len(plan), "to_make": len(plan) - complete, "complete": complete}


def _complete(record: Mapping[str, Any] | None, key: str, output: Path) -> bool:
    """A row is complete when its last record says done for the same key and its file has the recorded size."""
    if record is None or record.get("state") != "done" or record.get("key") != key:
        return False
    try:
        return output.stat().st_size == record.get("bytes")
    except OSError:
        return False


def read_results(path: Path) -> dict[str, dict[str, Any]]:
    """output name -> the last record for it in a results file (a line cut short by a kill is ignored)."""
    last: dict[str, dict[str, Any]] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return last
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    for line in lines:
        with contextlib.suppress(json.JSONDecodeError):
            record = json.loads(line)
            if isinstance(record, dict) and isinstance(record.get("output"), str):
                last[record["output"]] = record
    return last


def remove_stale_parts(out_dir: Path, rows: Iterable[Row]) -> list[Path]:
    """Delete temporary files a killed run left beside this manifest's outputs (media.files.atomic_output
    names them .STEM.RANDOM.part.mp4); only one run holds the folder's lock, so none is being written."""
    removed = []
    for row in rows:
        target = out_dir / row.output
        if not target.parent.is_dir():
            continue
        for part in target.parent.glob(f".{_glob_escape(target.stem)}.*.part{target.suffix}"):
            with contextlib.suppress(OSError):
                part.unlink()
                removed.append(part)
    if removed:
        log.info("removed %d partial files of an interrupted run", len(removed))
    return removed


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Hold out_dir's lock for the run: two batches writing one folder would both render the same rows."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks, one batch per folder is the user's care
        yield
        return
    with open(out_dir / LOCK_NAME, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(
                f"another dirfa batch is writing to {out_dir} — wait for it, or choose another folder"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _ResultsFile:
    """DIR/results.jsonl, appended one line per finished row and synced, so a crash loses no finished row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # A run killed mid-line left a partial last line: end it, so the next record starts on a line of its own.
        with open(path, "ab+") as raw:
            if raw.tell() > 0:
                raw.seek(-1, os.SEEK_END)
                if raw.read(1) != b"\n":
                    raw.write(b"\n")
        self._handle = open(path, "a", encoding="utf-8")

    def append(self, record: Mapping[str, Any]) -> None:
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


def _run(
    rows: list[Row], keys: Mapping[int, str], out_dir: Path, *, ray_address: str | None, retries: int
) -> Iterator[RowResult]:
    results = _ResultsFile(out_dir / RESULTS_NAME)
    try:
        with ray_session(ray_address) as ray:
            yield from _submit_and_collect(ray, rows, keys, out_dir, results, retries=retries)
    finally:
        results.close()


def _submit_and_collect(
    ray: Any, rows: list[Row], keys: Mapping[int, str], out_dir: Path, results: _ResultsFile, *, retries: int
) -> Iterator[RowResult]:
    # Ray retries a task whose worker process died (max_retries), never one that raised: a row's own error is
    # returned as its result, not raised.
    prepare_task = ray.remote(num_cpus=1, max_retries=retries)(prepare_portrait)
    row_task = ray.remote(num_cpus=1, max_retries=retries)(render_row)
    prepared: dict[tuple[Path, int], Any] = {}
    framings: dict[tuple[Path, int], set[tuple[int | None, bool]]] = {}
    for row in rows:
        framings.setdefault((row.portrait, row.face), set()).add(
            (row.options.get("size"), bool(row.options.get("crop", False)))
        )
    # Enough tasks queued to keep every CPU busy, few enough that a huge manifest does not flood the cluster.
    window = max(16, 4 * int(ray.cluster_resources().get("CPU", 1)))
    queue = list(reversed(rows))
    pending: dict[Any, tuple[Row, float]] = {}
    try:
        while queue or pending:
            while queue and len(pending) < window:
                row = queue.pop()
                face_key = (row.portrait, row.face)
                if face_key not in prepared:
                    wanted = tuple(sorted(framings[face_key], key=repr))
                    prepared[face_key] = prepare_task.remote(row.portrait, row.face, wanted)
                ref = row_task.remote(row, prepared[face_key], str(out_dir))
                pending[ref] = (row, time.monotonic())
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=WAIT_S)
            for ref in ready:
                row, started = pending.pop(ref)
                try:
                    outcome = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:  # raised in the task: not a row's own error
                    outcome = _lost(f"internal error: {_first_line(exc.cause or exc)}", started)
                except ray.exceptions.RayError as exc:  # the worker process or its node died
                    reason = f"{type(exc).__name__}: {_first_line(exc)}"
                    tries = f"{retries + 1} {'try' if retries == 0 else 'tries'}"
                    outcome = _lost(f"its worker process died ({tries}; {reason})", started)
                result = _record(row, keys[row.number], outcome, out_dir, results)
                yield result
    finally:
        if pending:  # interrupted: stop what this run started (on a cluster nothing else would)
            for ref in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)


def _lost(error: str, started: float) -> dict[str, Any]:
    return {"state": "failed", "error": error, "seconds": round(time.monotonic() - started, 3)}


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _record(
    row: Row, key: str, outcome: Mapping[str, Any], out_dir: Path, results: _ResultsFile
) -> RowResult:
    record = {
        "row": row.number,
        "output": row.output,
        "state": outcome["state"],
        "seconds": outcome.get("seconds", 0.0),
        "error": outcome.get("error"),
        "audio_s": outcome.get("audio_s"),
        "bytes": outcome.get("bytes"),
        "key": key,
        "node": outcome.get("node"),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    results.append(record)
    return RowResult(
        row=row.number,
        output=out_dir / row.output,
        state=record["state"],
        seconds=float(record["seconds"] or 0.0),
        error=record["error"],
        audio_s=record["audio_s"],
        node=record["node"],
    )


def _probe(address: str) -> None:
    """InputError now if nothing listens at HOST:PORT (or ray://HOST:PORT): ray.init would retry for minutes,
    deaf to Ctrl-C. "auto" is left to Ray (it fails at once when no cluster runs here)."""
    if address == "auto":
        return
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--ray-address {address} is not 'auto', HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S).close()
    except OSError as exc:
        raise InputError(
            f"nothing answers at {address} ({exc.strerror or exc}) — start the cluster or check --ray-address"
        ) from None


def local_cpus() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None) -> Iterator[Any]:
    """Yield the `ray` module, connected: to Ray already initialised in this process (left running), to the
    cluster at `address`, or to a Ray started here for the duration (num_cpus: default all cores; no
    dashboard; worker output not copied to this terminal; its own temporary folder, removed after)."""
    if not address:
        # A Ray of this machine alone talks over the loopback: by default Ray swaps 127.0.0.1 for the
        # machine's network address, which would open its ports to the network. Ray reads this switch
        # (named for macOS and Windows, where loopback is its default) when it is first imported.
        os.environ.setdefault(LOOPBACK_ONLY_ENV, "0")
    try:
        import ray
    except ImportError:
        raise InputError("dirfa batch needs Ray — pip install 'dirfa[batch]'") from None
    if address:
        _probe(address)
    if ray.is_initialized():
        yield ray
        return
    temp_dir = None
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        else:
            # Short and our own: Ray's socket paths live under it (Unix sockets allow ~107 characters).
            temp_dir = tempfile.mkdtemp(prefix="dirfa-ray-")
            ray.init(
                num_cpus=num_cpus or local_cpus(),
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
                _temp_dir=temp_dir,
            )
    except (ConnectionError, TimeoutError, ValueError, RuntimeError) as exc:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise InputError(f"cannot start or reach {where}: {_first_line(exc)} — check --ray-address") from None
    try:
        yield ray
    finally:
        ray.shutdown()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
