"""Load on `dirfa serve`: many clients posting short jobs at once against a real server on 127.0.0.1.

Phases (all in one run, so the ratios compare like with like on a shared machine):
1. one job alone: time to done (the reference);
2. a burst: N clients post at once -> each gets 202 or 429 (bounded queue); every accepted job must end
   done, none lost or duplicated; p50/p95 time to done, and its ratio to the job alone;
3. crash: jobs queued and running, `kill -9` the server, restart it on the same data folder, account for
   every job (done, or failed with a reason);
4. soak: jobs posted one after another for --soak-s seconds; the server's memory (its process and worker
   processes, RSS) at the start and end;
5. live: time from POST /v1/live/{id}/say to the first frame carrying speech (per-frame JSON stream), and
   from the WebRTC offer to the first video frame.

Usage: .venv/bin/python benchmarks/load.py [--clients 20] [--soak-s 120] [--no-append]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_md  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PORTRAIT = REPO / "examples" / "portrait.jpg"
SPEECH = REPO / "examples" / "speech.wav"
JOB = {
    "size": "128",
    "language": "xx",
    "seed": "1",
}  # short and small: the service is measured, not the renderer
CLIP_S = 1.0


class Server:
    def __init__(self, data_dir: Path, *args: str) -> None:
        self.data_dir, self.args = data_dir, list(args)
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dirfa",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "-q",
                *self.args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.data_dir.parent / "server.log", "ab"),  # noqa: SIM115
            cwd=REPO,
        )
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/openapi.json", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes, in MB (from /proc)."""
        total_kb = 0
        pids = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # Field 4 of /proc/PID/stat is the parent's pid (proc(5)); the command may hold spaces.
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        return total_kb / 1024


def clip(seconds: float) -> bytes:
    with wave.open(str(SPEECH), "rb") as source:
        params = source.getparams()
        frames = source.readframes(int(seconds * source.getframerate()))
    out = io.BytesIO()
    with wave.open(out, "wb") as sink:
        sink.setparams(params)
        sink.writeframes(frames)
    return out.getvalue()


def post_job(url: str, avatar_id: str, audio: bytes, seed: int = 1) -> tuple[int, str | None, float]:
    start = time.monotonic()
    response = httpx.post(
        url + "/v1/videos",
        data={"avatar_id": avatar_id, **JOB, "seed": str(seed)},
        files={"audio": ("a.wav", audio)},
        timeout=120,
    )
    job_id = response.json().get("id") if response.status_code == 202 else None
    return response.status_code, job_id, start


def wait_all(url: str, ids: list[str], timeout_s: float) -> dict[str, dict]:
    ended: dict[str, dict] = {}
    deadline = time.monotonic() + timeout_s
    while len(ended) < len(ids) and time.monotonic() < deadline:
        for job_id in ids:
            if job_id in ended:
                continue
            job = httpx.get(f"{url}/v1/videos/{job_id}", timeout=30).json()
            if job.get("state") in ("done", "failed"):
                ended[job_id] = {**job, "seen_s": time.monotonic()}
        time.sleep(0.25)
    return ended


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def live_latency(url: str, avatar_id: str, lines: int) -> dict:
    from aiortc import RTCPeerConnection, RTCSessionDescription

    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    tracks: dict = {}
    pc.on("track", lambda track: tracks.__setitem__(track.kind, track))
    await pc.setLocalDescription(await pc.createOffer())
    out: dict = {"say_to_speech_s": [], "say_to_video_s": []}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        start = time.monotonic()
        answer = (
            await client.post(
                "/v1/live",
                json={"sdp": pc.localDescription.sdp, "type": "offer", "avatar_id": avatar_id, "size": 256},
            )
        ).json()
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        while "video" not in tracks:
            await asyncio.sleep(0.01)
        await tracks["video"].recv()
        out["offer_to_first_video_frame_s"] = time.monotonic() - start

        arrivals: list[tuple[int, float]] = []  # (frame index from the RTP timestamp, arrival time)

        async def drain(kind: str) -> None:  # keep the tracks consumed, as a browser would
            with contextlib.suppress(Exception):
                while True:
                    frame = await tracks[kind].recv()
                    if kind == "video":
                        # The server stamps frame index * 90000 / 25 (webrtc.LiveVideoTrack).
                        arrivals.append((round(frame.pts / 3600), time.monotonic()))

        drains = [asyncio.create_task(drain(k)) for k in ("video", "audio")]
        pending: list[tuple[int, float]] = []  # (first speaking frame's index, when its line was posted)
        async with client.stream("GET", answer["tracks_url"]) as stream:
            said_at = None
            quiet = 0
            async for line in stream.aiter_lines():
                if not line.startswith("data: "):
                    continue
                frame = json.loads(line[6:])
                speaking = frame["speaking"]
                if said_at is None:
                    quiet = 0 if speaking else quiet + 1
                    if quiet >= 25:  # one second of idle frames, then say the next line
                        said_at = time.monotonic()
                        await client.post(
                            f"/v1/live/{answer['id']}/say",
                            json={"text": f"This is line number {len(out['say_to_speech_s']) + 1}."},
                        )
                elif speaking:
                    out["say_to_speech_s"].append(time.monotonic() - said_at)
                    pending.append((frame["index"], said_at))
                    said_at = None
                    if len(out["say_to_speech_s"]) >= lines:
                        break
        await asyncio.sleep(1.0)  # the last speaking frame's video arrives
        for index, said in pending:
            seen = [t for i, t in arrivals if i >= index]
            if seen:
                out["say_to_video_s"].append(seen[0] - said)
        for task in drains:
            task.cancel()
        await client.delete(f"/v1/live/{answer['id']}")
    await pc.close()
    return out


def session_latency(lines: int, size_px: int = 256, fps: int = 25) -> list[float]:
    """The same measure without the server: a dirfa.live.Session in this process, its frames taken at
    real time as the server's pump takes them; POST say is session.say(). Seconds per line."""
    from dirfa.avatar import open_avatar
    from dirfa.live import Session

    session = Session(open_avatar(PORTRAIT), size=size_px, fps=fps, crop=True, audio_rate_hz=48000)
    session.wait_ready(30)
    start, count, out = time.monotonic(), 0, []

    def tick() -> bool:
        nonlocal count
        speaking = session.next_frame().speaking
        count += 1
        delay = start + count / fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return speaking

    try:
        for i in range(lines):
            for _ in range(fps):  # one second of idle frames, as the server run does
                tick()
            said_at = time.monotonic()
            session.say(f"This is line number {i + 1}.")
            for _ in range(fps * 30):
                if tick():
                    break
            out.append(time.monotonic() - said_at)
            for _ in range(fps * 30):
                if not tick():
                    break
    finally:
        session.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--max-queue", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--crash-jobs", type=int, default=6)
    parser.add_argument("--soak-s", type=float, default=120.0)
    parser.add_argument("--live-lines", type=int, default=5)
    parser.add_argument("--no-append", action="store_true")
    parser.add_argument(
        "--only-live", action="store_true", help="only phase 5 (live latency), e.g. after changing webrtc.py"
    )
    args = parser.parse_args()
    audio = clip(CLIP_S)
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="dirfa-load-") as tmp:
        data = Path(tmp) / "data"
        server = Server(data, "--max-queue", str(args.max_queue), "--workers", str(args.workers)).start()
        try:
            avatar = httpx.post(
                server.url + "/v1/avatars", files={"photo": ("f.jpg", PORTRAIT.read_bytes())}, timeout=120
            ).json()
            if args.only_live:
                _live_rows(server, avatar, args, rows)
                server.stop()
                _report(rows, args)
                return
            # 1. alone (twice: the first also starts the worker processes)
            for _ in range(2):
                status, job_id, start = post_job(server.url, avatar["id"], audio)
                alone_s = wait_all(server.url, [job_id], 300)[job_id]["seen_s"] - start
            rows.append(("one job alone, time to done", f"{alone_s:.2f} s"))
            print(rows[-1])

            # 2. burst
            results: list[tuple[int, str | None, float]] = []
            barrier = threading.Barrier(args.clients)

            def client(seed: int) -> None:
                barrier.wait()
                results.append(post_job(server.url, avatar["id"], audio, seed))

            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            accepted = [(job_id, start) for status, job_id, start in results if status == 202]
            refused = sum(1 for status, _, _ in results if status == 429)
            other = len(results) - len(accepted) - refused
            ended = wait_all(server.url, [j for j, _ in accepted], 900)
            times = [
                ended[j]["seen_s"] - s for j, s in accepted if j in ended and ended[j]["state"] == "done"
            ]
            listed = [j["id"] for j in httpx.get(server.url + "/v1/videos?limit=500", timeout=30).json()]
            lost = [j for j, _ in accepted if j not in listed]
            duplicated = len(listed) - len(set(listed))
            rows += [
                (
                    f"burst: {args.clients} clients at once",
                    f"{len(accepted)} accepted (202), {refused} refused (429), {other} other",
                ),
                (
                    "burst: accepted jobs done / failed / lost / duplicated",
                    f"{len(times)} / {sum(1 for j in ended.values() if j['state'] == 'failed')} / {len(lost)} / "
                    f"{duplicated}",
                ),
                (
                    "burst: time to done p50 / p95",
                    f"{percentile(times, 0.5):.1f} s / {percentile(times, 0.95):.1f} s",
                ),
                (
                    "burst: p50 / one job alone",
                    f"{percentile(times, 0.5) / alone_s:.1f}x "
                    f"({args.workers} workers, queue of {args.max_queue})",
                ),
            ]
            for row in rows[-4:]:
                print(row)

            # 3. crash
            crash_ids = [
                post_job(server.url, avatar["id"], audio, 100 + i)[1] for i in range(args.crash_jobs)
            ]
            crash_ids = [j for j in crash_ids if j]
            time.sleep(3.0)
            before = {
                j: httpx.get(f"{server.url}/v1/videos/{j}", timeout=30).json()["state"] for j in crash_ids
            }
            server.kill9()
            server = Server(data, "--max-queue", str(args.max_queue), "--workers", str(args.workers)).start()
            ended = wait_all(server.url, crash_ids, 900)
            states = [ended.get(j, {}).get("state", "missing") for j in crash_ids]
            reruns = sum(1 for j in crash_ids if ended.get(j, {}).get("attempts", 0) > 1)
            rows += [
                (
                    "kill -9: jobs at the kill (queued/running/done)",
                    "/".join(
                        str(sum(1 for s in before.values() if s == k)) for k in ("queued", "running", "done")
                    ),
                ),
                (
                    "kill -9: after restart done / failed with reason / missing",
                    f"{states.count('done')} / {sum(1 for j in crash_ids if ended.get(j, {}).get('state') == 'failed' and ended[j]['error'])} / "
                    f"{states.count('missing')} ({reruns} ran again)",
                ),
            ]
            for row in rows[-2:]:
                print(row)

            # 4. soak
            rss_start = server.rss_mb()
            soak_end = time.monotonic() + args.soak_s
            soak_jobs = 0
            samples = [rss_start]
            while time.monotonic() < soak_end:
                status, job_id, _ = post_job(server.url, avatar["id"], audio, 1000 + soak_jobs)
                if job_id:
                    wait_all(server.url, [job_id], 300)
                    soak_jobs += 1
                samples.append(server.rss_mb())
            rows.append(
                (
                    f"soak: {soak_jobs} jobs in {args.soak_s:.0f} s, RSS start / max / end",
                    f"{rss_start:.0f} / {max(samples):.0f} / {samples[-1]:.0f} MB",
                )
            )
            print(rows[-1])

            # 5. live
            _live_rows(server, avatar, args, rows)
        finally:
            server.stop()
    _report(rows, args)


def _live_rows(server: Server, avatar: dict, args: argparse.Namespace, rows: list) -> None:
    live = asyncio.run(live_latency(server.url, avatar["id"], args.live_lines))
    lat = live["say_to_speech_s"]
    rows += [
        ("live: offer -> first video frame", f"{live['offer_to_first_video_frame_s']:.2f} s"),
        (
            f"live: POST say -> first speaking frame, median / max of {len(lat)}",
            f"{statistics.median(lat) * 1000:.0f} / {max(lat) * 1000:.0f} ms",
        ),
    ]
    alone = session_latency(args.live_lines)
    rows.append(
        (
            f"live: Session alone (no server), say -> first speaking frame, median / max of {len(alone)}",
            f"{statistics.median(alone) * 1000:.0f} / {max(alone) * 1000:.0f} ms",
        )
    )
    rows.append(
        (
            "live: server / Session alone (medians)",
            f"{statistics.median(lat) / statistics.median(alone):.2f}x",
        )
    )
    video = live["say_to_video_s"]
    if video:
        rows.append(
            (
                f"live: POST say -> that frame received over WebRTC, median / max of {len(video)}",
                f"{statistics.median(video) * 1000:.0f} / {max(video) * 1000:.0f} ms",
            )
        )
    for row in rows[-5:]:
        print(row)


def _report(rows: list, args: argparse.Namespace) -> None:
    body = results_md.table(["measure", "value"], rows)
    body += (
        f"\n\nJobs: {CLIP_S:.0f} s of examples/speech.wav, 128 px, language-independent lip path. "
        "Live: a 256 px WebRTC session (aiortc client, both tracks consumed); the speaking flag read from "
        "the per-frame JSON stream. Measured while other work shared the 2 cores "
        f"(1-min load average at the end {os.getloadavg()[0]:.1f})."
    )
    print(body)
    if not args.no_append:
        results_md.append(
            "Service load (benchmarks/load.py)",
            body,
            command="python benchmarks/load.py " + " ".join(sys.argv[1:]),
        )


if __name__ == "__main__":
    main()
