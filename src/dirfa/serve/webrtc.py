"""Live sessions over WebRTC: aiortc video and audio tracks fed from a dirfa.live Session, and a
WebSocket of per-frame curves that also takes pushed PCM audio.

Part of dirfa.serve: app.py's /v1/live routes open and drive these; the frames come from dirfa.live.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import logging
import time

import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

from dirfa.errors import InputError
from dirfa.serve.jobs import new_id

log = logging.getLogger(__name__)

FPS = 25
AUDIO_RATE_HZ = 48000  # Opus's native rate (RFC 7587): no resampling in the encoder
AUDIO_PTIME_S = 0.02  # 20 ms per audio packet, as browsers send and expect (RFC 7587 section 4.2)
VIDEO_CLOCK_HZ = 90000  # RTP video clock (RFC 3551)
QUEUE_FRAMES = 4  # frames waiting for each consumer; a slow consumer loses the oldest, never stalls the rest
# Video waits at most this many frames (80 ms) behind the session: when the encoder falls behind, an old
# frame is dropped rather than shown late, so a line said now is seen within a frame or two. Audio keeps
# QUEUE_FRAMES: a dropped audio frame is heard as a click.
VIDEO_QUEUE_FRAMES = 2
MIN_PUSH_RATE_HZ, MAX_PUSH_RATE_HZ = 8000, 96000  # telephone speech to studio audio
DEFAULT_PUSH_RATE_HZ = 16000  # what speech services (and pocketsphinx) use most
MAX_PUSH_BYTES = 1024 * 1024  # PCM per push: ~33 s of 16 kHz speech
MAX_SAY_CHARS = 2000  # as POST /v1/live/{id}/say
COMMANDS = {"sample_rate_hz", "end", "say", "interrupt", "emotion"}
# A tracks-only session (no WebRTC connection to end it) ends this long after its last WebSocket left:
# time to reconnect after a network blip, not long enough to hold the live slot for a client that is gone.
ORPHAN_AFTER_S = 30.0
WARM_UP_WAIT_S = 10.0  # at most this long for a new session's warm-up before answering (seconds at worst)


class _Feed:
    """A bounded queue of one consumer: put never blocks (the oldest item is dropped when full)."""

    def __init__(self, size: int = QUEUE_FRAMES) -> None:
        self.queue: asyncio.Queue = asyncio.Queue(size)

    def put(self, item: object) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(item)


class LiveVideoTrack(MediaStreamTrack):
    """The avatar's frames; each keeps the session's own frame clock as its timestamp (index / fps)."""

    kind = "video"

    def __init__(self, feed: _Feed, fps: int) -> None:
        super().__init__()
        self.feed, self.fps = feed, fps

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self.feed.queue.get()
        if frame is None:
            self.stop()
            raise MediaStreamError
        video = VideoFrame.from_ndarray(frame.image, format="rgb24")
        video.pts = frame.index * VIDEO_CLOCK_HZ // self.fps
        video.time_base = fractions.Fraction(1, VIDEO_CLOCK_HZ)
        return video


class LiveAudioTrack(MediaStreamTrack):
    """The session's sound in 20 ms frames (a frame of video carries 40 ms at 25 fps); the timestamp
    counts samples, so audio and video share the session clock."""

    kind = "audio"

    def __init__(self, feed: _Feed, rate_hz: int) -> None:
        super().__init__()
        self.feed, self.rate_hz = feed, rate_hz
        self.pending: list[tuple[int, np.ndarray]] = []

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if not self.pending:
            frame = await self.feed.queue.get()
            if frame is None:
                self.stop()
                raise MediaStreamError
            step = int(self.rate_hz * AUDIO_PTIME_S)
            start = frame.index * len(frame.audio)
            self.pending = [(start + i, frame.audio[i : i + step]) for i in range(0, len(frame.audio), step)]
        pts, samples = self.pending.pop(0)
        audio = AudioFrame.from_ndarray(
            np.ascontiguousarray(samples, np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        audio.sample_rate = self.rate_hz
        audio.pts = pts
        audio.time_base = fractions.Fraction(1, self.rate_hz)
        return audio


class LiveSession:
    """One client's session: the dirfa.live Session, its peer connection (None for a tracks-only session),
    and a pump that takes the session's paced frames (Session.aframes) and hands them to the tracks and the
    WebSocket / SSE watchers."""

    def __init__(self, session_id: str, session, pc: RTCPeerConnection | None, on_orphan=None) -> None:
        self.id, self.session, self.pc = session_id, session, pc
        self.video, self.audio = _Feed(VIDEO_QUEUE_FRAMES), _Feed()
        self.watchers: set[_Feed] = set()
        self.pump_task: asyncio.Task | None = None
        self.closed = False
        self.first_frame_s: float | None = None
        # A tracks-only session has no peer connection to end it: it ends ORPHAN_AFTER_S after its last
        # watcher left (or after it was opened, if none came).
        self.on_orphan = on_orphan
        self.unwatched_since = time.monotonic()

    def start(self) -> None:
        self.pump_task = asyncio.get_running_loop().create_task(self.pump())

    async def pump(self) -> None:
        """The session's paced stream (Session.aframes) to the tracks and watchers: each frame is handed out at
        its time on the event loop's clock, rendered ahead in the session's thread while speech is queued (a
        render stalled by the other session or the voice costs no late frame), and a stall of more than a
        second starts a new clock rather than a burst of catching up (a slow machine shows a frame late, not a
        growing lag). An interrupt replaces the speech frames made ahead before they reach the tracks."""
        loop = asyncio.get_running_loop()
        frames = self.session.aframes()
        try:
            async for frame in frames:
                if self.closed:
                    return
                if self.first_frame_s is None:
                    self.first_frame_s = time.monotonic()
                if self.pc is not None:
                    self.video.put(frame)
                    self.audio.put(frame)
                if self.watchers:
                    message = json.dumps(_frame_json(frame))
                    for watcher in list(self.watchers):
                        watcher.put(message)
                elif self.pc is None and time.monotonic() - self.unwatched_since > ORPHAN_AFTER_S:
                    if self.on_orphan is not None:
                        loop.create_task(self.on_orphan(self.id))
                    return
        except Exception as exc:  # a render error: end the tracks
            if not self.closed:
                log.warning("live session %s stopped: %s", self.id, exc)
        finally:
            with contextlib.suppress(Exception):  # (contextlib.aclosing is Python 3.10+)
                await frames.aclose()
            self.video.put(None)
            self.audio.put(None)
            for watcher in list(self.watchers):
                watcher.put(None)

    def watch(self) -> _Feed:
        feed = _Feed()
        self.watchers.add(feed)
        return feed

    def unwatch(self, feed: _Feed) -> None:
        self.watchers.discard(feed)
        if not self.watchers:
            self.unwatched_since = time.monotonic()

    # Commands, forwarded to the session (they return at once: the session works in its own thread).
    def say(self, text: str) -> None:
        self.session.say(text)

    def interrupt(self) -> None:
        self.session.interrupt()

    def set_emotion(self, emotion: str) -> None:
        self.session.set_emotion(emotion)

    def push_pcm(self, data: bytes, sample_rate_hz: int) -> int:
        """16-bit little-endian mono PCM from a client (a chatbot's voice) to be spoken; the samples taken.
        InputError (one line) for an unusable rate or a chunk at another rate than its utterance's."""
        if not MIN_PUSH_RATE_HZ <= sample_rate_hz <= MAX_PUSH_RATE_HZ:
            raise InputError(
                f"sample_rate_hz {sample_rate_hz} is not usable — use {MIN_PUSH_RATE_HZ} to {MAX_PUSH_RATE_HZ}"
            )
        if len(data) > MAX_PUSH_BYTES:
            raise InputError("push at most 1 MB of PCM at a time — send shorter chunks")
        pcm = np.frombuffer(data[: len(data) // 2 * 2], "<i2")
        if len(pcm):
            self.session.push_audio(pcm, sample_rate_hz)
        return len(pcm)

    async def frame_events(self):
        """The per-frame JSON as Server-Sent Events (for clients without WebSockets)."""
        feed = self.watch()
        try:
            while True:
                message = await feed.queue.get()
                if message is None:
                    yield "event: end\ndata: {}\n\n"
                    return
                yield f"event: frame\ndata: {message}\n\n"
        finally:
            self.unwatch(feed)

    async def serve_tracks(self, websocket, sample_rate_hz: int = DEFAULT_PUSH_RATE_HZ) -> None:
        """Send every frame's curves and visemes as JSON text messages; take PCM (binary messages) and
        commands (JSON text: sample_rate_hz, end, say, interrupt, emotion) from the client. The socket is
        accepted by the caller. Leaving does not end the session (see LiveSessions)."""
        feed = self.watch()
        rate = {"hz": sample_rate_hz}

        async def send() -> None:
            while True:
                message = await feed.queue.get()
                if message is None:  # the session ended
                    with contextlib.suppress(Exception):
                        await websocket.close(code=1001, reason="the live session ended")
                    return
                await websocket.send_text(message)

        async def receive() -> None:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                try:
                    if message.get("bytes") is not None:
                        self.push_pcm(message["bytes"], rate["hz"])
                    elif message.get("text") is not None:
                        self._command(message["text"], rate)
                except InputError as exc:  # one line back; the socket stays open
                    await websocket.send_text(json.dumps({"error": str(exc)}))

        tasks = [asyncio.create_task(send()), asyncio.create_task(receive())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    log.info("tracks socket of %s ended: %s", self.id, task.exception())
        finally:
            for task in tasks:
                task.cancel()
            self.unwatch(feed)
            with contextlib.suppress(Exception):
                await websocket.close()

    def _command(self, text: str, rate: dict) -> None:
        """A JSON command sent on the tracks WebSocket."""
        try:
            command = json.loads(text)
        except ValueError:
            command = None
        if not isinstance(command, dict) or not set(command) <= COMMANDS:
            raise InputError(
                'send JSON commands such as {"sample_rate_hz": 16000}, {"end": true}, {"say": "Hi"}, '
                '{"interrupt": true} or {"emotion": "happy:0.6"}; PCM as binary messages'
            )
        if "sample_rate_hz" in command:
            hz = command["sample_rate_hz"]
            if (
                isinstance(hz, bool)
                or not isinstance(hz, int)
                or not MIN_PUSH_RATE_HZ <= hz <= MAX_PUSH_RATE_HZ
            ):
                raise InputError(
                    f"sample_rate_hz {hz!r} is not usable — use {MIN_PUSH_RATE_HZ} to {MAX_PUSH_RATE_HZ}"
                )
            rate["hz"] = hz
        if command.get("end"):
            self.session.end_audio()
        if command.get("interrupt"):
            self.session.interrupt()
        if command.get("say"):
            text = command["say"]
            if not isinstance(text, str) or len(text) > MAX_SAY_CHARS:
                raise InputError(f"say takes a line of text of at most {MAX_SAY_CHARS} characters")
            self.session.say(text)
        if command.get("emotion"):
            from dirfa.motion.expression import parse_emotion

            parse_emotion(str(command["emotion"]))
            self.session.set_emotion(str(command["emotion"]))

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.pc is not None:
            await self.pc.close()
        if self.pump_task is not None and self.pump_task is not asyncio.current_task():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.pump_task, 5.0)
        await asyncio.get_running_loop().run_in_executor(None, self.session.close)


def _frame_json(frame) -> dict:
    return {
        "index": frame.index,
        "t": round(frame.t, 4),
        "speaking": bool(getattr(frame, "speaking", np.any(frame.audio))),
        "curves": {k: round(float(v), 4) for k, v in frame.curves.items()},
        "visemes": {k: round(float(v), 4) for k, v in frame.visemes.items()},
    }


class LiveSessions:
    """The service's live sessions by id (random); at most config.max_live at once."""

    def __init__(self, service) -> None:
        self.service = service
        self.sessions: dict[str, LiveSession] = {}
        self.opening = 0

    def count(self) -> int:
        return len(self.sessions) + self.opening

    def get(self, session_id: str) -> LiveSession | None:
        return self.sessions.get(session_id)

    async def open(self, avatar: dict, offer) -> tuple[str, RTCSessionDescription | None]:
        """A new session of `avatar`: with a WebRTC offer (offer.sdp), video + audio tracks and the
        answer; without, a tracks-only session (no images rendered) whose frames go to WebSockets only."""
        from dirfa.live import Session
        from dirfa.serve.work import load_face

        folders = self.service.folders
        webrtc = offer.sdp is not None
        self.opening += 1
        try:
            loop = asyncio.get_running_loop()

            def face():
                # Under the service's face lock: mediapipe is not safe from two threads, and the avatar may
                # be being prepared right now (then this waits, and loads the saved file).
                with self.service.face_lock:
                    return load_face(str(folders.photo(avatar["id"])), str(folders.avatar_file(avatar["id"])))

            prepared = await loop.run_in_executor(None, face)
            session = await loop.run_in_executor(
                None,
                lambda: Session(
                    prepared,
                    size=offer.size,
                    fps=FPS,
                    voice=offer.voice,
                    emotion=offer.emotion,
                    audio_rate_hz=AUDIO_RATE_HZ,
                    crop=True,
                    render=webrtc,
                ),
            )
            # The session loads its voice modules and recogniser in the background; waiting for that here,
            # beside the WebRTC negotiation, keeps it off the first line's time to speech.
            ready = loop.run_in_executor(None, session.wait_ready, WARM_UP_WAIT_S)
            session_id = new_id()
            if not webrtc:
                await ready
                live = LiveSession(session_id, session, None, on_orphan=self.close)
                self.sessions[session_id] = live
                live.start()
                return session_id, None
            pc = RTCPeerConnection()
            live = LiveSession(session_id, session, pc)
            pc.addTrack(LiveVideoTrack(live.video, FPS))
            pc.addTrack(LiveAudioTrack(live.audio, AUDIO_RATE_HZ))

            @pc.on("connectionstatechange")
            async def on_state() -> None:
                if pc.connectionState in ("failed", "closed"):
                    await self.close(session_id)

            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type=offer.type))
                await pc.setLocalDescription(await pc.createAnswer())
                await ready
            except Exception:
                await pc.close()
                session.close()
                raise
            self.sessions[session_id] = live
            live.start()
            return session_id, pc.localDescription
        finally:
            self.opening -= 1

    async def close(self, session_id: str) -> None:
        live = self.sessions.pop(session_id, None)
        if live is not None:
            await live.close()

    async def close_all(self) -> None:
        for session_id in list(self.sessions):
            await self.close(session_id)
