"""The WebRTC tracks take the live session's paced stream (Session.aframes): speech frames rendered ahead reach
the video and audio tracks while a later frame's render is stalled, on the session's frame clock, and the
frames after an interrupt carry no sound. A real aiortc peer on 127.0.0.1, real speech pushed."""

from __future__ import annotations

import asyncio
import threading
import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("aiortc")

FPS = 25
SIZE_PX = 128


@pytest.fixture(scope="module")
def avatar(portrait_jpg):
    from dirfa.avatar import prepare

    return prepare(portrait_jpg, widths_px=(SIZE_PX,))


def _recording(base, sent: list, on_send):
    """`base` (LiveVideoTrack / LiveAudioTrack) that records what it hands to aiortc's sender: (frame index,
    pts in the track's clock, the samples for audio)."""

    class Recorded(base):
        async def recv(self):
            out = await super().recv()
            index = int(out.pts * out.time_base * FPS)  # the frame whose picture or 20 ms of sound this is
            sent.append((index, out.pts, out.to_ndarray().copy() if self.kind == "audio" else None))
            on_send(index)
            return out

    return Recorded


async def _run(avatar, pcm: np.ndarray, rate_hz: int) -> dict:
    from aiortc import RTCPeerConnection

    from dirfa.live import Session
    from dirfa.serve.webrtc import AUDIO_RATE_HZ, LiveAudioTrack, LiveSession, LiveVideoTrack

    session = Session(avatar, size=SIZE_PX, fps=FPS, audio_rate_hz=AUDIO_RATE_HZ, crop=True)
    assert await asyncio.to_thread(session.wait_ready, 60.0)
    out: dict = {"video": [], "audio": [], "client_video": [], "client_audio": []}
    gate: dict = {}
    handed_out = threading.Event()

    def on_video(index: int) -> None:
        if "index" in gate and index == gate["index"] - 1:
            handed_out.set()

    # The render of one speech frame, made ahead a second into the speech, stalls until the video track has
    # handed out the frame before it, made ahead and not yet taken by the pump when the stall starts: rendered
    # just in time (the pump's own next_frame() calls, before), nothing is made ahead, and a frame taken by the
    # pump cannot go out before the one being rendered.
    make = session._make

    def slow_make(*, ahead: bool):
        with session._cond:
            index = session._state.index
            pending = {m.frame.index for m in session._ahead}  # made, not yet taken by the pump
            speech = bool(session._frames)
        if ahead and speech and "index" not in gate and index - 1 in pending:
            if index >= gate.setdefault("first", index) + FPS:
                gate["index"] = index
                gate["released"] = handed_out.wait(timeout=20.0)
        return make(ahead=ahead)

    session._make = slow_make
    server, client = RTCPeerConnection(), RTCPeerConnection()
    live = LiveSession("test", session, server)
    put: list[int] = []  # frames the pump handed to the audio track's queue
    put_audio = live.audio.put
    live.audio.put = lambda frame: (put.append(frame.index) if frame is not None else None, put_audio(frame))
    server.addTrack(_recording(LiveVideoTrack, out["video"], on_video)(live.video, FPS))
    server.addTrack(_recording(LiveAudioTrack, out["audio"], lambda index: None)(live.audio, AUDIO_RATE_HZ))
    tracks: dict = {}
    client.on("track", lambda track: tracks.__setitem__(track.kind, track))
    client.addTransceiver("video", direction="recvonly")
    client.addTransceiver("audio", direction="recvonly")
    try:
        await client.setLocalDescription(await client.createOffer())
        await server.setRemoteDescription(client.localDescription)
        await server.setLocalDescription(await server.createAnswer())
        await client.setRemoteDescription(server.localDescription)
        live.start()

        async def receive(kind: str) -> None:
            while True:
                frame = await tracks[kind].recv()
                out[f"client_{kind}"].append(frame.pts)

        for _ in range(400):  # bounded: 20 s for the connection on a busy machine
            if {"video", "audio"} <= set(tracks):
                break
            await asyncio.sleep(0.05)
        receivers = [asyncio.create_task(receive(kind)) for kind in ("video", "audio")]
        step = rate_hz // 10
        for lo in range(0, pcm.size, step):  # 100 ms chunks, as a speech service sends them
            session.push_audio(pcm[lo : lo + step], rate_hz)
        session.end_audio()
        for _ in range(60 * FPS):  # bounded: a minute of frames
            await asyncio.sleep(1 / FPS)
            if "released" in gate and out["video"] and out["video"][-1][0] > gate["index"] + FPS // 2:
                break
        # Interrupt mid-speech (on the loop, between two frames of the pump): what the pump handed to the
        # tracks before it is the last sound; everything after is silent.
        out["cut"] = put[-1]
        out["speaking_at_cut"] = session.speaking
        live.interrupt()
        for _ in range(60 * FPS):
            await asyncio.sleep(1 / FPS)
            if out["audio"] and out["audio"][-1][0] > out["cut"] + FPS:
                break
        for task in receivers:
            task.cancel()
    finally:
        out["late_frames"] = session.late_frames
        await live.close()
        await client.close()
    out["gate"] = gate
    out["errors"] = session.errors
    return out


def test_webrtc_tracks_get_the_frames_rendered_ahead(avatar, librivox_clip):
    from dirfa.serve.webrtc import VIDEO_CLOCK_HZ

    with wave.open(str(librivox_clip), "rb") as src:
        pcm, rate_hz = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
    # in a thread of its own: the page tests' session-wide playwright keeps an event loop in this one
    with ThreadPoolExecutor(1) as thread:
        out = thread.submit(asyncio.run, _run(avatar, np.tile(pcm, 2), rate_hz)).result()
    gate = out["gate"]
    assert "index" in gate, out["errors"]
    # The frame before the stalled one went out on the video track while the stalled one was being made.
    assert gate["released"]
    video = [i for i, _, _ in out["video"]]
    assert video == sorted(set(video)) and gate["index"] - 1 in video and video[-1] > gate["index"]
    # Timestamps are the session's frame clock on both tracks (index / fps): audio and video in step.
    assert all(pts == i * VIDEO_CLOCK_HZ // FPS for i, pts, _ in out["video"])
    audio = out["audio"]
    assert all(pts % (48000 // FPS) in (0, 960) and pts // (48000 // FPS) == i for i, pts, _ in audio)
    heard = {i for i, _, samples in audio if np.abs(samples).max() > 0}
    assert heard & {gate["index"] - 1, gate["index"], gate["index"] + 1}  # the stall is in the speech
    # No sound after the interrupt: nothing stale was queued on the tracks.
    assert out["speaking_at_cut"]
    assert not {i for i in heard if i > out["cut"]}
    # The peer received both tracks on a common clock from the first frame it got.
    assert len(out["client_video"]) > FPS and len(out["client_audio"]) > 2 * FPS
    assert all(b > a for a, b in zip(out["client_video"], out["client_video"][1:]))
