"""Jobs survive: kill -9 the server mid-job and restart it on the same data folder, every job is
accounted for; the store's recovery and retention rules on their own."""

from __future__ import annotations

import os
import time

from serve_helpers import JOB_FIELDS, PORTRAIT, Server, speech_wav, wait_done

from dirfa.serve.jobs import Folders, Store, clean_expired


def test_jobs_survive_kill_9_and_restart(tmp_path):
    data = tmp_path / "data"
    first = Server(data).start()
    try:
        with first.client() as client:
            avatar = client.post("/v1/avatars", files={"photo": ("f.jpg", PORTRAIT.read_bytes())}).json()
            for _ in range(600):  # the avatar is prepared beside the answer: once, not again per job
                if (data / "photos" / f"{avatar['id']}.avatar").exists():
                    break
                time.sleep(0.1)
            ids = []
            for seed in ("1", "2"):
                response = client.post(
                    "/v1/videos",
                    data={"avatar_id": avatar["id"], **JOB_FIELDS, "seed": seed},
                    files={"audio": ("s.wav", speech_wav(0.6))},
                )
                ids.append(response.json()["id"])
            state_at_kill = None
            for _ in range(600):  # until the first job runs (bounded: 60 s)
                state_at_kill = client.get(f"/v1/videos/{ids[0]}").json()["state"]
                if state_at_kill == "running":
                    break
                time.sleep(0.1)
        first.kill()
    finally:
        first.stop()
    second = Server(data).start()
    try:
        with second.client() as client:
            jobs = [wait_done(client, job_id) for job_id in ids]
            listed = [j["id"] for j in client.get("/v1/videos").json()]
    finally:
        second.stop()
    assert state_at_kill == "running"
    assert [j["state"] for j in jobs] == ["done", "done"], jobs
    assert jobs[0]["attempts"] == 2 and "interrupted" in jobs[0]["note"]  # it was running: ran again
    assert jobs[1]["attempts"] == 1
    assert sorted(listed) == sorted(ids)  # none lost, none duplicated
    assert all(p.stat().st_size > 0 for p in (data / "videos").glob("*.mp4"))
    assert len(list((data / "videos").glob("*.mp4"))) == 2


def _job(job_id: str, **extra) -> dict:
    return {
        "id": job_id,
        "created_s": time.time(),
        "avatar_id": "a" * 32,
        "audio": None,
        "options": {},
        "callback_url": None,
        **extra,
    }


def test_a_job_interrupted_too_often_fails_with_the_reason(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    assert store.submit(_job("1" * 32), max_active=5)
    for expected_attempts in (1, 2):
        claimed = store.claim()
        assert claimed["id"] == "1" * 32 and claimed["attempts"] == expected_attempts
        assert store.claim() is None  # a running job is never handed out twice
        requeued, failed = store.recover(max_attempts=2)
    assert (requeued, failed) == (0, 1)
    job = store.job("1" * 32)
    assert job["state"] == "failed" and "stopped while this job ran, 2 times" in job["error"]


def test_the_queue_is_bounded(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    assert store.submit(_job("1" * 32), max_active=2) and store.submit(_job("2" * 32), max_active=2)
    assert not store.submit(_job("3" * 32), max_active=2)
    assert store.job("3" * 32) is None and store.active_count() == 2


def test_retention_removes_old_videos_and_orphans_only(tmp_path):
    folders = Folders(tmp_path / "data")
    folders.create()
    store = Store(folders.root / "db.sqlite3")
    old, fresh = "1" * 32, "2" * 32
    for job_id in (old, fresh):
        store.submit(_job(job_id), max_active=5)
        store.claim()
        store.finish(job_id, error=None, duration_s=1.0)
        folders.video(job_id).write_bytes(b"mp4")
    long_ago = time.time() - 10 * 86400
    with store.transaction() as db:
        db.execute("UPDATE jobs SET finished_s = ? WHERE id = ?", (long_ago, old))
    orphan = folders.incoming / "upload-deadbeef"
    orphan.write_bytes(b"x")
    os.utime(orphan, (long_ago, long_ago))
    clean_expired(store, folders, keep_days=7)
    assert store.job(old) is None and not folders.video(old).exists() and not orphan.exists()
    assert store.job(fresh)["state"] == "done" and folders.video(fresh).exists()
