"""Helpers for the service tests: real `dirfa serve` processes on free 127.0.0.1 ports, small real inputs."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PORTRAIT = ROOT / "examples" / "portrait.jpg"
SPEECH = ROOT / "examples" / "speech.wav"
START_TIMEOUT_S = 60.0
TOKEN = "test-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `python -m dirfa serve` process; `start` waits until it answers, `stop` ends it (SIGTERM, then
    SIGKILL), `kill` is `kill -9`."""

    def __init__(self, data_dir: Path, *args: str, token: str | None = None) -> None:
        self.data_dir, self.args, self.token = data_dir, list(args), token
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = data_dir.parent / f"{data_dir.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, *, token: str | None = "default") -> httpx.Client:
        token = self.token if token == "default" else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60.0)

    def start(self) -> Server:
        return self.launch().wait_ready()

    def launch(self) -> Server:
        """Start the process without waiting for it (servers launched together start in parallel)."""
        self.port = free_port()
        command = [
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
        ]
        if self.token:
            command += ["--token", self.token]
        log = open(self.log, "ab")  # noqa: SIM115 - kept open for the process's life
        self.process = subprocess.Popen(command, stdout=log, stderr=log, cwd=ROOT)
        return self

    def wait_ready(self) -> Server:
        """Wait until the launched server answers (bounded by START_TIMEOUT_S)."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dirfa serve exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/openapi.json", timeout=2.0).status_code == 200:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("dirfa serve did not start in time")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.wait_stopped()

    def wait_stopped(self) -> None:
        """After SIGTERM: wait for the exit (SIGKILL after 15 s)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None


def speech_wav(seconds: float) -> bytes:
    """The first `seconds` of the example recording as a 16-bit WAV (real speech, small)."""
    with wave.open(str(SPEECH), "rb") as source:
        rate, channels, width = source.getframerate(), source.getnchannels(), source.getsampwidth()
        frames = source.readframes(int(seconds * rate))
    out = io.BytesIO()
    with wave.open(out, "wb") as sink:
        sink.setnchannels(channels)
        sink.setsampwidth(width)
        sink.setframerate(rate)
        sink.writeframes(frames)
    return out.getvalue()


def faceless_png() -> bytes:
    from PIL import Image

    ramp = np.linspace(0, 255, 256, dtype=np.uint8)
    image = np.dstack([np.tile(ramp, (200, 1))] * 3)
    out = io.BytesIO()
    Image.fromarray(image).save(out, "PNG")
    return out.getvalue()


# Fast settings for test jobs: 1.5 s of speech, 128 px, the language-independent lip path.
JOB_FIELDS = {"size": "128", "language": "xx", "head_motion": "1", "seed": "3"}


def wait_done(client: httpx.Client, job_id: str, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/videos/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not end in {timeout_s} s")
