"""Live sessions against a real server: a WebRTC client (aiortc) gets timed video and audio frames, a typed
line is spoken (the per-frame JSON says so), pushed PCM is accepted, interrupt/emotion/close work, the cap
holds; and the page's Live panel connects over WebRTC in headless Chromium and shows frames."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from serve_helpers import PORTRAIT

pytest.importorskip("aiortc")
pytest.importorskip("dirfa.live")


async def _connect(base_url: str, avatar_id: str):
    from aiortc import RTCPeerConnection, RTCSessionDescription

    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    tracks: dict = {}
    pc.on("track", lambda track: tracks.__setitem__(track.kind, track))
    await pc.setLocalDescription(await pc.createOffer())
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        response = await client.post(
            "/v1/live",
            json={"sdp": pc.localDescription.sdp, "type": "offer", "avatar_id": avatar_id, "size": 128},
        )
    assert response.status_code == 200, response.text
    answer = response.json()
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    return pc, tracks, answer


async def _live_session(base_url: str, avatar_id: str) -> dict:
    pc, tracks, answer = await _connect(base_url, avatar_id)
    out: dict = {"id": answer["id"]}
    try:
        for _ in range(400):  # bounded: 20 s for the connection on a busy machine
            if {"video", "audio"} <= set(tracks):
                break
            await asyncio.sleep(0.05)
        video = [await asyncio.wait_for(tracks["video"].recv(), 20) for _ in range(5)]
        audio = await asyncio.wait_for(tracks["audio"].recv(), 20)
        out["video_size"] = (video[0].width, video[0].height)
        out["video_pts_steps"] = {b.pts - a.pts for a, b in zip(video, video[1:])}
        out["audio"] = (audio.sample_rate, audio.samples)
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            second = await client.post(
                "/v1/live", json={"sdp": pc.localDescription.sdp, "type": "offer", "avatar_id": avatar_id}
            )
            out["second"] = (second.status_code, second.headers.get("retry-after"))
            frames = []
            async with client.stream("GET", answer["tracks_url"]) as stream:
                said = None
                async for line in stream.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    frame = json.loads(line[6:])
                    frames.append(frame)
                    if said is None:
                        said = await client.post(
                            f"/v1/live/{answer['id']}/say", json={"text": "Hello there."}
                        )
                        out["say"] = said.status_code
                    if frame["speaking"] or len(frames) > 25 * 30:  # bounded: 30 s of frames
                        break
            out["spoke"] = frames[-1]["speaking"]
            out["frame_keys"] = set(frames[-1])
            out["jaw"] = frames[-1]["curves"].get("jawOpen")
            pcm = (np.sin(np.arange(8000) * 2 * np.pi * 200 / 16000) * 8000).astype("<i2").tobytes()
            pushed = await client.post(
                f"/v1/live/{answer['id']}/audio?sample_rate_hz=16000&end=true", content=pcm
            )
            out["push"] = (pushed.status_code, pushed.json().get("samples"))
            out["interrupt"] = (await client.post(f"/v1/live/{answer['id']}/interrupt")).status_code
            out["emotion"] = (
                await client.post(f"/v1/live/{answer['id']}/emotion", json={"emotion": "happy:0.5"})
            ).status_code
            out["bad_emotion"] = (
                await client.post(f"/v1/live/{answer['id']}/emotion", json={"emotion": "zz"})
            ).status_code
            out["close"] = (await client.delete(f"/v1/live/{answer['id']}")).status_code
            out["after_close"] = (
                await client.post(f"/v1/live/{answer['id']}/say", json={"text": "x"})
            ).status_code
    finally:
        await pc.close()
    return out


def test_live_session_over_webrtc(server, avatar):
    # In a thread of its own: Playwright's sync API (the browser fixture) keeps an event loop running here.
    with ThreadPoolExecutor(1) as thread:
        out = thread.submit(asyncio.run, _live_session(server.url, avatar["id"])).result()
    assert out["video_size"] == (128, 128)
    assert out["video_pts_steps"] == {90000 // 25}  # one frame of the 25 fps clock apart
    assert out["audio"] == (48000, 960)  # 20 ms of 48 kHz
    assert out["second"] == (429, "30")  # one live session at a time by default
    assert out["say"] == 202 and out["spoke"] and out["jaw"] is not None
    assert {"index", "t", "curves", "visemes", "speaking"} <= out["frame_keys"]
    assert out["push"] == (202, 8000)
    assert (out["interrupt"], out["emotion"], out["bad_emotion"]) == (202, 202, 422)
    assert out["close"] == 204 and out["after_close"] == 404


def test_a_bad_offer_is_a_json_error(server, avatar):
    with server.client() as client:
        response = client.post(
            "/v1/live", json={"sdp": "v=0 nonsense", "type": "offer", "avatar_id": avatar["id"]}
        )
        assert response.status_code == 422 and "offer" in response.json()["error"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the failed session does not hold the only slot
            again = client.post("/v1/live", json={"sdp": "v=0", "type": "offer", "avatar_id": avatar["id"]})
            if again.status_code != 429:
                break
        assert again.status_code == 422


def test_the_page_goes_live_over_webrtc(server, browser):
    from test_page import SHOTS

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(server.url + "/")
        page.set_input_files("#photo", str(PORTRAIT))
        page.wait_for_selector("#facebox:not([hidden])", timeout=60_000)
        page.click("#live-start")
        page.wait_for_selector("#live-form:not([hidden])", timeout=60_000)
        page.fill("#live-text", "Hello from the page.")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => Number(document.getElementById('live-video').dataset.frames) > 20", timeout=60_000
        )
        size = page.evaluate(
            "() => [document.getElementById('live-video').videoWidth,"
            " document.getElementById('live-video').videoHeight]"
        )
        assert size == [256, 256]
        page.click("#live-interrupt")
        page.select_option("#emotion", "happy")  # changes the live session's emotion at once
        page.wait_for_timeout(500)
        assert "error" not in (page.get_attribute("#live-status", "class") or "")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "live.png"), full_page=True)
        page.click("#live-stop")
        page.wait_for_selector("#live-form[hidden]", state="attached", timeout=20_000)
    finally:
        page.close()
