"""The service's state and its renders: avatars and video jobs as rows in SQLite (every change in a
transaction), and an executor of worker processes that claims queued jobs from the table and runs them.

Part of dirfa.serve: the routes in app.py read and write through `Store`; `Executor` calls serve.work in a
separate process per slot, so the event loop never renders, and a stuck or crashed render can be killed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dirfa.serve.config import ServeConfig

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE_STATES = (QUEUED, RUNNING)
PROGRESS_EVERY_S = 0.25  # progress rows are written at most this often per job
CALLBACK_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS avatars (
    id TEXT PRIMARY KEY,
    created_s REAL NOT NULL,
    used_s REAL NOT NULL,
    photo TEXT NOT NULL,
    width_px INTEGER NOT NULL,
    height_px INTEGER NOT NULL,
    face_box TEXT NOT NULL,
    n_faces INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    created_s REAL NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    error TEXT,
    note TEXT,
    avatar_id TEXT NOT NULL,
    audio TEXT,
    options TEXT NOT NULL,
    callback_url TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_s REAL,
    finished_s REAL,
    duration_s REAL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
"""


def new_id() -> str:
    """A random id: 128 bits, URL-safe, never derived from user input."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Folders:
    """Where the service keeps files, all named by random ids."""

    root: Path

    @property
    def photos(self) -> Path:
        return self.root / "photos"

    @property
    def audio(self) -> Path:
        return self.root / "audio"

    @property
    def videos(self) -> Path:
        return self.root / "videos"

    @property
    def incoming(self) -> Path:
        return self.root / "incoming"

    def create(self) -> None:
        for folder in (self.root, self.photos, self.audio, self.videos, self.incoming):
            folder.mkdir(parents=True, exist_ok=True)

    def photo(self, avatar_id: str) -> Path:
        return self.photos / f"{avatar_id}.img"

    def avatar_file(self, avatar_id: str) -> Path:
        return self.photos / f"{avatar_id}.avatar"

    def audio_file(self, job_id: str) -> Path:
        return self.audio / f"{job_id}.audio"

    def video(self, job_id: str) -> Path:
        return self.videos / f"{job_id}.mp4"


class Store:
    """Avatars and jobs in one SQLite file. Each call opens its own connection (threads share nothing)
    and writes in one transaction; WAL lets readers go on while a writer commits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: the write lock is taken at the start, so read-then-write steps
        (claiming a job, counting the queue before adding to it) cannot interleave."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- avatars

    def add_avatar(self, row: dict) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO avatars (id, created_s, used_s, photo, width_px, height_px, face_box, n_faces) "
                "VALUES (:id, :created_s, :created_s, :photo, :width_px, :height_px, :face_box, :n_faces)",
                {**row, "face_box": json.dumps(row["face_box"])},
            )

    def avatar(self, avatar_id: str) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM avatars WHERE id = ?", (avatar_id,)).fetchone()
        return _avatar_dict(row) if row else None

    def avatars(self) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM avatars ORDER BY created_s DESC").fetchall()
        return [_avatar_dict(row) for row in rows]

    def delete_avatar(self, avatar_id: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM avatars WHERE id = ?", (avatar_id,)).rowcount > 0

    def touch_avatar(self, avatar_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE avatars SET used_s = ? WHERE id = ?", (time.time(), avatar_id))

    # -- jobs

    def submit(self, row: dict, *, max_active: int) -> bool:
        """Queue a job unless `max_active` jobs are already queued or running; True if queued."""
        with self.transaction() as db:
            (active,) = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE state IN (?, ?)", ACTIVE_STATES
            ).fetchone()
            if active >= max_active:
                return False
            db.execute(
                "INSERT INTO jobs (id, created_s, state, avatar_id, audio, options, callback_url) "
                "VALUES (:id, :created_s, 'queued', :avatar_id, :audio, :options, :callback_url)",
                {**row, "options": json.dumps(row["options"])},
            )
        return True

    def job(self, job_id: str) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job_dict(row) if row else None

    def jobs(self, limit: int = 100) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM jobs ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [_job_dict(row) for row in rows]

    def active_count(self) -> int:
        with self._connect() as db:
            (count,) = db.execute("SELECT COUNT(*) FROM jobs WHERE state IN (?, ?)", ACTIVE_STATES).fetchone()
        return int(count)

    def claim(self) -> dict | None:
        """Take the oldest queued job and mark it running, in one transaction: no job runs twice."""
        with self.transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE state = 'queued' ORDER BY seq LIMIT 1").fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_s = ?, progress = 0 "
                "WHERE id = ?",
                (time.time(), row["id"]),
            )
        job = _job_dict(row)
        job["attempts"] += 1
        return job

    def progress(self, job_id: str, fraction: float) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'",
                (round(min(max(fraction, 0.0), 1.0), 3), job_id),
            )

    def finish(self, job_id: str, *, error: str | None, duration_s: float | None = None) -> bool:
        """Mark a running job done (error None) or failed; False if it was deleted meanwhile."""
        with self.transaction() as db:
            return (
                db.execute(
                    "UPDATE jobs SET state = ?, error = ?, finished_s = ?, duration_s = ?, "
                    "progress = CASE WHEN ? IS NULL THEN 1 ELSE progress END "
                    "WHERE id = ? AND state = 'running'",
                    (DONE if error is None else FAILED, error, time.time(), duration_s, error, job_id),
                ).rowcount
                > 0
            )

    def requeue(self, job_id: str) -> None:
        """Put a running job back in the queue without counting the attempt (the server is stopping)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'queued', progress = 0, attempts = MAX(attempts - 1, 0), "
                "note = 'the server was stopped; running it again' WHERE id = ? AND state = 'running'",
                (job_id,),
            )

    def delete_job(self, job_id: str) -> dict | None:
        with self.transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None:
                db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        return _job_dict(row) if row else None

    def recover(self, *, max_attempts: int) -> tuple[int, int]:
        """After a crash or restart: jobs that were running go back to the queue (their attempt is
        counted), or fail with the reason once they have been interrupted `max_attempts` times.
        Returns (requeued, failed)."""
        with self.transaction() as db:
            requeued = db.execute(
                "UPDATE jobs SET state = 'queued', progress = 0, "
                "note = 'interrupted by a server stop; running it again' "
                "WHERE state = 'running' AND attempts < ?",
                (max_attempts,),
            ).rowcount
            failed = db.execute(
                "UPDATE jobs SET state = 'failed', finished_s = ?, "
                "error = 'the server stopped while this job ran, ' || attempts || ' times — submit it again, "
                "perhaps shorter' WHERE state = 'running'",
                (time.time(),),
            ).rowcount
        return requeued, failed

    def expired(self, before_s: float) -> tuple[list[dict], list[dict]]:
        """Finished jobs and avatars unused since `before_s` (seconds since the epoch)."""
        with self._connect() as db:
            jobs = db.execute(
                "SELECT * FROM jobs WHERE state IN ('done', 'failed') AND COALESCE(finished_s, created_s) < ?",
                (before_s,),
            ).fetchall()
            avatars = db.execute(
                "SELECT * FROM avatars WHERE used_s < ? AND id NOT IN "
                "(SELECT avatar_id FROM jobs WHERE state IN ('queued', 'running'))",
                (before_s,),
            ).fetchall()
        return [_job_dict(r) for r in jobs], [_avatar_dict(r) for r in avatars]


def _avatar_dict(row: sqlite3.Row) -> dict:
    out = dict(row)
    out["face_box"] = json.loads(out["face_box"])
    return out


def _job_dict(row: sqlite3.Row) -> dict:
    out = dict(row)
    out["options"] = json.loads(out["options"])
    out.pop("seq", None)
    return out


class Executor:
    """Worker slots, each a long-lived process (started with spawn: the pipeline is imported once per
    slot, not per job) fed by a thread that claims jobs from the store, relays progress, enforces the
    time limit (killing the process and starting another) and posts the callback when a job ends."""

    def __init__(self, store: Store, folders: Folders, config: ServeConfig) -> None:
        self.store, self.folders, self.config = store, folders, config
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.slots = [_Slot(self, index) for index in range(max(1, config.workers))]

    def start(self) -> None:
        for slot in self.slots:
            slot.thread.start()

    def notify(self) -> None:
        """A job was queued: wake an idle slot now rather than at its next poll."""
        self.wake.set()

    def cancel(self, job_id: str) -> None:
        """Stop the job if a slot runs it (its process is killed; the row is the caller's business)."""
        for slot in self.slots:
            if slot.job_id == job_id:
                slot.cancelled = True

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        for slot in self.slots:
            slot.thread.join(timeout=5.0)
            slot.kill()


class _Slot:
    def __init__(self, executor: Executor, index: int) -> None:
        self.executor = executor
        self.thread = threading.Thread(target=self.loop, name=f"dirfa-slot-{index}", daemon=True)
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn = None
        self.job_id: str | None = None
        self.cancelled = False

    def start_process(self) -> None:
        from dirfa.serve import work

        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self.process = context.Process(target=work.worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(timeout=5.0)
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def loop(self) -> None:
        ex = self.executor
        # The worker process is started now, not when the first job comes: its imports (mediapipe,
        # OpenCV: seconds) are then off the first job's time to done.
        with contextlib.suppress(Exception):
            self.start_process()
        while not ex.stopping.is_set():
            try:
                job = ex.store.claim()
            except sqlite3.Error:
                log.exception("cannot read the job table")
                job = None
            if job is None:
                ex.wake.wait(1.0)
                ex.wake.clear()
                continue
            if ex.stopping.is_set():
                break
            self.job_id, self.cancelled = job["id"], False
            try:
                error, duration_s = self.run(job)
            except Exception as exc:  # the slot must live on whatever one job does
                log.exception("job %s", job["id"])
                error, duration_s = f"internal error: {type(exc).__name__}: {exc}", None
            self.job_id = None
            if ex.stopping.is_set():
                ex.store.requeue(
                    job["id"]
                )  # an orderly stop: the job runs at the next start, attempt not counted
                return
            if ex.store.finish(job["id"], error=error, duration_s=duration_s):
                # In its own thread: a slow callback receiver must not hold up the next job.
                threading.Thread(target=post_callback, args=(ex.store.job(job["id"]),), daemon=True).start()
        self.kill()

    def run(self, job: dict) -> tuple[str | None, float | None]:
        ex = self.executor
        if self.process is None or not self.process.is_alive():
            self.kill()
            self.start_process()
        assert self.conn is not None
        self.conn.send(job_spec(job, ex.folders, ex.config))
        deadline = time.monotonic() + ex.config.job_timeout_s
        last_write = 0.0
        while True:
            if ex.stopping.is_set():
                self.kill()
                return None, None
            if self.cancelled:
                self.kill()
                return "deleted while running", None
            if time.monotonic() > deadline:
                self.kill()
                return (
                    f"the render took longer than the {ex.config.job_timeout_s:g} s limit — "
                    "try a shorter clip or a smaller --size",
                    None,
                )
            try:
                if not self.conn.poll(0.2):
                    continue
                kind, value = self.conn.recv()
            except (EOFError, OSError):
                self.kill()
                return "the render process stopped unexpectedly (out of memory?) — try a smaller size", None
            if kind == "progress":
                now = time.monotonic()
                if now - last_write >= PROGRESS_EVERY_S:
                    ex.store.progress(job["id"], value)
                    last_write = now
            elif kind == "done":
                return None, value
            elif kind == "failed":
                return value, None


def job_spec(job: dict, folders: Folders, config: ServeConfig) -> dict:
    """What the worker process needs for a job: file paths it may touch (all built here from ids) and
    the validated options."""
    return {
        "id": job["id"],
        "photo": str(folders.photo(job["avatar_id"])),
        "avatar_file": str(folders.avatar_file(job["avatar_id"])),
        "audio": str(folders.audio_file(job["id"])) if job["audio"] else None,
        "output": str(folders.video(job["id"])),
        "options": job["options"],
        "max_audio_s": config.max_audio_s,
    }


def post_callback(job: dict | None, *, post: Callable[..., object] | None = None) -> None:
    """POST the finished job's state as JSON to its callback_url; failures are logged, never raised."""
    if job is None or not job.get("callback_url"):
        return
    import httpx

    body = {"id": job["id"], "state": job["state"], "error": job["error"], "duration_s": job["duration_s"]}
    try:
        httpx.post(job["callback_url"], json=body, timeout=CALLBACK_TIMEOUT_S, follow_redirects=False)
    except httpx.HTTPError as exc:
        log.warning("callback for job %s failed: %s", job["id"], exc)


def clean_expired(store: Store, folders: Folders, keep_days: float) -> int:
    """Delete finished jobs and unused avatars older than `keep_days`, with their files; then any file
    no row names (left by a crash between writing a file and its row). Returns files removed."""
    before_s = time.time() - keep_days * 86400
    jobs, avatars = store.expired(before_s)
    removed = 0
    for job in jobs:
        store.delete_job(job["id"])
        removed += _unlink(folders.video(job["id"])) + _unlink(folders.audio_file(job["id"]))
    for avatar in avatars:
        store.delete_avatar(avatar["id"])
        removed += _unlink(folders.photo(avatar["id"])) + _unlink(folders.avatar_file(avatar["id"]))
    # Orphans: an upload cut off by a crash, files of rows deleted meanwhile. Only old ones, so a file
    # whose row is being written right now is left alone.
    known_jobs = {job["id"] for job in store.jobs(limit=1_000_000)}
    known_avatars = {avatar["id"] for avatar in store.avatars()}
    stale_s = time.time() - 3600
    for folder, known in (
        (folders.videos, known_jobs),
        (folders.audio, known_jobs),
        (folders.photos, known_avatars),
        (folders.incoming, set()),
    ):
        for path in folder.iterdir():
            stem = path.name.split(".")[0]
            with contextlib.suppress(OSError):
                if stem not in known and path.stat().st_mtime < stale_s:
                    removed += _unlink(path)
    return removed


def _unlink(path: Path) -> int:
    try:
        path.unlink()
        return 1
    except FileNotFoundError:
        return 0


def options_json(options: dict) -> str:
    return json.dumps(options, sort_keys=True)
