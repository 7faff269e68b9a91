"""The live tracks WebSocket against a real server, with the `websockets` client: a tracks-only session
streams per-frame ARKit curves with rising index and time; real speech pushed as PCM moves the jaw; a bad
message gets a JSON error and the socket stays open; closing the socket leaves the session usable; the
token is taken from the query string or a subprotocol."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from serve_helpers import TOKEN

websockets = pytest.importorskip("websockets")
pytest.importorskip("dirfa.live")

SPEECH_RAW = Path("/usr/share/pocketsphinx/test/data/goforward.raw")  # "go forward ten meters", 16 kHz s16le
ARKIT = {"jawOpen", "mouthClose", "eyeBlinkLeft", "eyeBlinkRight", "headYaw", "headPitch", "headRoll"}
MAX_FRAMES = 25 * 30  # bounded reads: 30 s of frames


def _run(coroutine):
    # In a thread of its own: Playwright's sync API (the browser fixture) may keep an event loop running here.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def _frame(socket) -> dict:
    """The next frame message (error messages are kept aside in socket.errors)."""
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 20))
        if "error" not in message:
            return message
        socket.errors.append(message["error"])


async def _tracks_session(base_url: str, avatar_id: str) -> dict:
    from websockets.asyncio.client import connect

    out: dict = {}
    ws_base = base_url.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        answer = (await client.post("/v1/live", json={"avatar_id": avatar_id})).json()
        out["answer"] = answer
        async with connect(f"{ws_base}{answer['tracks_url']}?sample_rate_hz=16000") as socket:
            socket.errors = []
            idle = [await _frame(socket) for _ in range(10)]
            out["idle"] = idle
            await socket.send(json.dumps({"sample_rate_hz": 5}))  # refused, the socket stays open
            await socket.send("not json")
            pcm = SPEECH_RAW.read_bytes()
            for i in range(0, len(pcm), 3200):  # 100 ms chunks, as a speech service streams them
                await socket.send(pcm[i : i + 3200])
            await socket.send(json.dumps({"end": True}))
            spoken, after = [], 0
            for _ in range(MAX_FRAMES):
                frame = await _frame(socket)
                if frame["speaking"]:
                    spoken.append(frame)
                elif spoken:
                    after += 1
                    if after >= 5:
                        break
            out["spoken"], out["errors"] = spoken, socket.errors
            out["last_index"] = frame["index"]
        # The socket is closed: the session goes on and a new socket picks up its frames.
        out["say_after_close"] = (await client.post(f"/v1/live/{answer['id']}/interrupt")).status_code
        async with connect(f"{ws_base}{answer['tracks_url']}") as socket:
            socket.errors = []
            out["reconnected_index"] = (await _frame(socket))["index"]
        out["delete"] = (await client.delete(f"/v1/live/{answer['id']}")).status_code
        async with connect(f"{ws_base}{answer['tracks_url']}") as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 20)
            out["after_delete"] = closed.value.rcvd.code
    return out


def test_tracks_socket_streams_curves_and_speaks_pushed_pcm(server, avatar):
    out = _run(_tracks_session(server.url, avatar["id"]))
    assert out["answer"]["sdp"] is None and out["answer"]["tracks_url"].endswith("/tracks")
    idle = out["idle"]
    indices, times = [f["index"] for f in idle], [f["t"] for f in idle]
    assert all(b > a for a, b in zip(indices, indices[1:])) and all(b > a for a, b in zip(times, times[1:]))
    assert ARKIT <= set(idle[0]["curves"]) and abs(sum(idle[0]["visemes"].values()) - 1) < 0.01
    assert len(out["errors"]) == 2 and "sample_rate_hz" in out["errors"][0]
    # 2.8 s of real speech pushed: the frames that carry it open and close the jaw.
    spoken = out["spoken"]
    jaw = np.array([f["curves"]["jawOpen"] for f in spoken])
    assert len(spoken) >= 25 * 2, len(spoken)
    assert jaw.max() > 0.2 and jaw.std() > 0.05, jaw.round(2).tolist()
    assert out["say_after_close"] == 202 and out["reconnected_index"] > out["last_index"]
    assert out["delete"] == 204 and out["after_delete"] == 4404


async def _auth(base_url: str) -> dict:
    from websockets.asyncio.client import connect

    url = base_url.replace("http://", "ws://") + "/v1/live/0123456789abcdef0123456789abcdef/tracks"
    codes: dict = {}
    for name, suffix, subprotocols in (
        ("none", "", None),
        ("wrong", "?access_token=wrong-token-0123456789", None),
        ("query", f"?access_token={TOKEN}", None),
        ("subprotocol", "", ["dirfa", f"bearer.{TOKEN}"]),
    ):
        async with connect(url + suffix, subprotocols=subprotocols) as socket:
            codes[name + "_protocol"] = socket.subprotocol
            try:
                await asyncio.wait_for(socket.recv(), 20)
            except websockets.ConnectionClosed as exc:
                codes[name] = exc.rcvd.code
    return codes


def test_tracks_socket_needs_the_token(strict):
    codes = _run(_auth(strict.url))
    assert codes["none"] == codes["wrong"] == 4401
    # Past the token check: the session is unknown.
    assert codes["query"] == codes["subprotocol"] == 4404
    assert codes["subprotocol_protocol"] == "dirfa"  # the token is never echoed back
