"""The HTTP API and the page: FastAPI routes under /v1 (one router per resource), the page at /.

Part of dirfa.serve: routes validate, call the service (store, executor, pipeline) and shape the answer;
`dirfa serve` runs `create_app(config)` on uvicorn.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import math
import re
import time
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from dirfa.errors import DirfaError, InputError
from dirfa.serve import models
from dirfa.serve.config import ServeConfig
from dirfa.serve.jobs import DONE, FAILED, new_id
from dirfa.serve.service import Service, too_long
from dirfa.serve.uploads import AUDIO_KINDS, IMAGE_KINDS, UploadError, read_form

log = logging.getLogger(__name__)

# The page loads only its own files; media may be blob: URLs (a recording, a downloaded video). No inline
# script or style, no other origin, no framing (MDN, "Content Security Policy").
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SSE_POLL_S = 0.25
MAX_PUSH_BYTES = 1024 * 1024  # PCM per push: ~33 s of 16 kHz speech
ERRORS = {status: {"model": models.ErrorOut} for status in (400, 401, 404, 409, 413, 415, 422, 429, 501, 503)}


def service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(service)]


# Declared so /docs has an "Authorize" button; the check itself is require_token's.
bearer = HTTPBearer(auto_error=False, description="the server's --token (DIRFA_TOKEN), when it has one")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """Bearer token check for every /v1 call when the server has one (constant-time compare)."""
    token = request.app.state.service.config.token
    if not token:
        return
    given = credentials.credentials.strip() if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            401,
            "missing or wrong token — send the header 'Authorization: Bearer TOKEN'",
            headers={"WWW-Authenticate": "Bearer"},
        )


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _avatar_out(avatar: dict) -> dict:
    return {
        **{k: avatar[k] for k in ("id", "width_px", "height_px", "face_box", "n_faces", "created_s")},
        "preview_url": f"/v1/avatars/{avatar['id']}/preview",
    }


def _video_out(job: dict) -> dict:
    keys = (
        "id",
        "state",
        "progress",
        "error",
        "note",
        "avatar_id",
        "options",
        "attempts",
        "created_s",
        "started_s",
        "finished_s",
        "duration_s",
    )
    url = f"/v1/videos/{job['id']}"
    return {
        **{k: job[k] for k in keys},
        "url": url,
        "events_url": f"{url}/events",
        "file_url": f"{url}/file" if job["state"] == DONE else None,
    }


def _valid_id(value: str) -> str:
    if len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
        raise HTTPException(404, "no such id — ids are 32 hex characters, as returned when it was created")
    return value


# ---- avatars

avatars = APIRouter(prefix="/v1/avatars", tags=["avatars"], dependencies=[Depends(require_token)])


@avatars.post(
    "",
    status_code=201,
    response_model=models.AvatarOut,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["photo"],
                        "properties": {"photo": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    },
)
async def create_avatar(request: Request, svc: ServiceDep) -> dict:
    """Upload a photo (JPEG, PNG, WebP, BMP; at most 20 MB by default) as the form field `photo`: the face
    is found and the avatar kept for videos and live sessions."""
    form = await read_form(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
        caps_bytes={"photo": svc.config.max_photo_bytes},
        folder=svc.folders.incoming,
    )
    upload = form.files.get("photo")
    try:
        if upload is None:
            raise UploadError("send the photo as the form field 'photo' (e.g. curl -F photo=@face.jpg)")
        if upload.kind not in IMAGE_KINDS:
            looks = f" (it looks like {upload.kind})" if upload.kind else ""
            raise UploadError(f"the photo is not a JPEG, PNG, WebP or BMP image{looks}", 415)
        avatar = await run_in_threadpool(svc.add_avatar, upload.path)
    finally:
        form.discard()
    return _avatar_out(avatar)


@avatars.get("", response_model=list[models.AvatarOut])
async def list_avatars(svc: ServiceDep) -> list[dict]:
    return [_avatar_out(a) for a in svc.store.avatars()]


@avatars.get("/{avatar_id}", response_model=models.AvatarOut, responses=ERRORS)
async def get_avatar(avatar_id: str, svc: ServiceDep) -> dict:
    return _avatar_out(_find_avatar(svc, avatar_id))


@avatars.get("/{avatar_id}/preview", responses={200: {"content": {"image/jpeg": {}}}, **ERRORS})
async def avatar_preview(avatar_id: str, svc: ServiceDep) -> Response:
    """The photo (at most 384 px) with the detected face outlined."""
    avatar = _find_avatar(svc, avatar_id)
    return Response(
        await run_in_threadpool(svc.preview_jpeg, avatar),
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=3600"},
    )


@avatars.delete("/{avatar_id}", status_code=204, responses=ERRORS)
async def delete_avatar(avatar_id: str, svc: ServiceDep) -> Response:
    avatar = _find_avatar(svc, avatar_id)
    if any(
        j["avatar_id"] == avatar["id"] and j["state"] in ("queued", "running") for j in svc.store.jobs(1000)
    ):
        raise HTTPException(409, "a video of this avatar is still being made — delete or await it first")
    svc.store.delete_avatar(avatar["id"])
    for path in (svc.folders.photo(avatar["id"]), svc.folders.avatar_file(avatar["id"])):
        path.unlink(missing_ok=True)
    return Response(status_code=204)


def _find_avatar(svc: Service, avatar_id: str) -> dict:
    avatar = svc.store.avatar(_valid_id(avatar_id))
    if avatar is None:
        raise HTTPException(404, f"no avatar {avatar_id} — upload the photo again with POST /v1/avatars")
    return avatar


# ---- videos

videos = APIRouter(prefix="/v1/videos", tags=["videos"], dependencies=[Depends(require_token)])


def _queue_full(svc: Service) -> HTTPException:
    # A rough wait: ~10 s per queued job per worker (a short clip at 512 px on two cores).
    wait_s = max(1, math.ceil(10 * svc.config.max_queue / max(svc.config.workers, 1)))
    return HTTPException(
        429,
        f"the queue is full ({svc.config.max_queue} jobs) — try again in {wait_s} s",
        headers={"Retry-After": str(wait_s)},
    )


@videos.post(
    "",
    status_code=202,
    response_model=models.VideoOut,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "allOf": [
                            {"$ref": "#/components/schemas/VideoOptions"},
                            {
                                "type": "object",
                                "properties": {
                                    "audio": {
                                        "type": "string",
                                        "format": "binary",
                                        "description": "speech: WAV, MP3, M4A, OGG, FLAC, WebM; at most 50 MB / 10 min",
                                    }
                                },
                            },
                        ]
                    }
                }
            },
        }
    },
)
async def create_video(request: Request, svc: ServiceDep) -> JSONResponse:
    """Queue a video: an avatar and either an `audio` file or `text` to speak (with `voice`). Answers 202
    with the job; follow it at `events_url` (Server-Sent Events) or `url`, download it at `file_url`."""
    if svc.store.active_count() >= svc.config.max_queue:
        raise _queue_full(svc)
    form = await read_form(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=request.headers.get("content-length"),
        caps_bytes={"audio": svc.config.max_audio_bytes},
        folder=svc.folders.incoming,
    )
    try:
        return await _queue_video(svc, form)
    finally:
        form.discard()


async def _queue_video(svc: Service, form) -> JSONResponse:
    try:
        options = models.VideoOptions.model_validate(form.fields)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    _check_expressions(options)
    _find_avatar(svc, options.avatar_id)
    upload = form.files.get("audio")
    job_id = new_id()
    if upload is not None:
        if upload.kind not in AUDIO_KINDS:
            looks = f" (it looks like {upload.kind})" if upload.kind else ""
            raise UploadError(
                f"the audio is not a recording dirfa can read — send WAV, MP3, M4A, OGG, FLAC or WebM{looks}",
                415,
            )
        try:
            await run_in_threadpool(svc.check_audio, upload.path)
        except InputError as exc:
            raise UploadError(str(exc), 413 if too_long(exc) else 422) from None
        upload.path.replace(svc.folders.audio_file(job_id))
    elif options.text is None:
        raise UploadError("send speech: an 'audio' file, or 'text' to speak", 422)
    else:
        import dirfa

        if not hasattr(dirfa, "say"):
            raise HTTPException(
                501, "speech synthesis is not installed in this dirfa — upload a recording instead"
            )
        if len(options.text) > svc.config.max_text_chars:
            raise UploadError(f"the text is too long — at most {svc.config.max_text_chars} characters", 413)
    stored = options.model_dump(exclude={"avatar_id", "callback_url"})
    row = {
        "id": job_id,
        "created_s": time.time(),
        "avatar_id": options.avatar_id,
        "audio": "audio" if upload is not None else None,
        "options": stored,
        "callback_url": options.callback_url,
    }
    if not svc.store.submit(row, max_active=svc.config.max_queue):
        svc.remove_job_files(job_id)
        raise _queue_full(svc)
    svc.store.touch_avatar(options.avatar_id)
    svc.executor.notify()
    job = svc.store.job(job_id)
    return JSONResponse(_video_out(job), status_code=202, headers={"Location": f"/v1/videos/{job_id}"})


def _check_expressions(options: models.VideoOptions) -> None:
    """Emotion and timeline are parsed now, so a typo is a 422 at once rather than a failed job later."""
    import dirfa

    if options.emotion and options.expressions:
        raise UploadError("give either emotion or expressions, not both", 422)
    try:
        if options.expressions:
            dirfa.parse_timeline(options.expressions)
        elif options.emotion and options.emotion.strip().lower() != "auto":
            dirfa.parse_emotion(options.emotion)
    except InputError as exc:
        raise UploadError(str(exc), 422) from None


@videos.get("", response_model=list[models.VideoOut])
async def list_videos(svc: ServiceDep, limit: int = 50) -> list[dict]:
    """The most recent videos first, with their settings."""
    return [_video_out(j) for j in svc.store.jobs(min(max(limit, 1), 500))]


@videos.get("/{job_id}", response_model=models.VideoOut, responses=ERRORS)
async def get_video(job_id: str, svc: ServiceDep) -> dict:
    return _video_out(_find_job(svc, job_id))


@videos.get("/{job_id}/events", responses={200: {"content": {"text/event-stream": {}}}, **ERRORS})
async def video_events(job_id: str, svc: ServiceDep) -> StreamingResponse:
    """Server-Sent Events: `progress` while queued or running (data: the job as JSON), then one `done` or
    `failed`, then the stream ends."""
    _find_job(svc, job_id)
    return StreamingResponse(
        _job_events(svc, job_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _job_events(svc: Service, job_id: str) -> AsyncIterator[str]:
    last = None
    deadline = time.monotonic() + svc.config.job_timeout_s * (svc.config.max_queue + 1) + 60
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        job = svc.store.job(job_id)
        if job is None:
            yield f"event: failed\ndata: {json.dumps({'id': job_id, 'error': 'the job was deleted'})}\n\n"
            return
        snapshot = (job["state"], round(job["progress"], 3), job["error"])
        if snapshot != last:
            last = snapshot
            event = job["state"] if job["state"] in (DONE, FAILED) else "progress"
            yield f"event: {event}\ndata: {json.dumps(_video_out(job))}\n\n"
            quiet_since = time.monotonic()
            if event != "progress":
                return
        elif time.monotonic() - quiet_since > 15:
            yield ": still working\n\n"  # a comment keeps proxies from closing an idle stream
            quiet_since = time.monotonic()
        await asyncio.sleep(SSE_POLL_S)


@videos.get("/{job_id}/file", responses={200: {"content": {"video/mp4": {}}}, 206: {}, **ERRORS})
async def video_file(job_id: str, svc: ServiceDep) -> FileResponse:
    """The MP4; answers HTTP Range requests (206) so players can seek."""
    job = _find_job(svc, job_id)
    path = svc.folders.video(job["id"])
    if job["state"] != DONE or not path.exists():
        raise HTTPException(409, f"the video is not ready (it is {job['state']}) — wait for state 'done'")
    return FileResponse(
        path, media_type="video/mp4", filename=f"dirfa-{job['id'][:8]}.mp4", content_disposition_type="inline"
    )


@videos.delete("/{job_id}", status_code=204, responses=ERRORS)
async def delete_video(job_id: str, svc: ServiceDep) -> Response:
    """Cancel (if queued or running) and delete a video and its files."""
    job = _find_job(svc, job_id)
    svc.store.delete_job(job["id"])
    svc.executor.cancel(job["id"])
    svc.remove_job_files(job["id"])
    return Response(status_code=204)


def _find_job(svc: Service, job_id: str) -> dict:
    job = svc.store.job(_valid_id(job_id))
    if job is None:
        raise HTTPException(404, f"no video {job_id} — it was deleted, expired, or never made")
    return job


# ---- voices

voices = APIRouter(prefix="/v1/voices", tags=["voices"], dependencies=[Depends(require_token)])


@voices.get("", response_model=list[models.VoiceOut])
async def list_voices() -> list[dict]:
    """The voices installed on this machine for text-to-speech (empty when none is)."""
    try:
        from dirfa.voice import list_voices as installed
    except ImportError:
        return []
    found = await run_in_threadpool(installed)
    return [
        {
            "name": v.name,
            "engine": v.engine,
            "language": v.language,
            "sex": v.sex,
            "description": v.description,
        }
        for v in found
    ]


# ---- live

live = APIRouter(prefix="/v1/live", tags=["live"])


def _sessions(svc: Service):
    from dirfa.serve import webrtc

    if svc.live is None:
        svc.live = webrtc.LiveSessions(svc)
    return svc.live


@live.post("", response_model=models.LiveAnswer, responses=ERRORS, dependencies=[Depends(require_token)])
async def start_live(offer: models.LiveOffer, svc: ServiceDep) -> dict:
    """Start a live session: a WebRTC offer in, the answer out (video + audio tracks of the avatar). Without
    `sdp`, a tracks-only session: its frames (curves, visemes) go to the `tracks_url` WebSocket only."""
    avatar = _find_avatar(svc, offer.avatar_id)
    sessions = _sessions(svc)
    if sessions.count() >= svc.config.max_live:
        raise HTTPException(
            429,
            f"{svc.config.max_live} live session(s) already run — the most this machine "
            "keeps at real time; try again later",
            headers={"Retry-After": "30"},
        )
    try:
        session_id, answer = await sessions.open(avatar, offer)
    except ValueError as exc:  # aiortc's word for an SDP it cannot use
        raise UploadError(
            f"the WebRTC offer cannot be used ({exc}) — send the browser's own offer", 422
        ) from None
    return {
        "id": session_id,
        "sdp": answer.sdp if answer is not None else None,
        "type": answer.type if answer is not None else None,
        "tracks_url": f"/v1/live/{session_id}/tracks",
    }


@live.post("/{session_id}/say", status_code=202, responses=ERRORS, dependencies=[Depends(require_token)])
async def live_say(session_id: str, body: models.SayIn, svc: ServiceDep) -> dict:
    """Speak a line now (queued after anything still being said)."""
    # In a thread: say() checks the text and voice (tens of ms) and must not hold up the frame pump.
    await run_in_threadpool(_find_live(svc, session_id).say, body.text)
    return {"id": session_id, "queued": body.text}


@live.post(
    "/{session_id}/interrupt", status_code=202, responses=ERRORS, dependencies=[Depends(require_token)]
)
async def live_interrupt(session_id: str, svc: ServiceDep) -> dict:
    _find_live(svc, session_id).interrupt()
    return {"id": session_id}


@live.post("/{session_id}/emotion", status_code=202, responses=ERRORS, dependencies=[Depends(require_token)])
async def live_emotion(session_id: str, body: models.EmotionIn, svc: ServiceDep) -> dict:
    import dirfa

    try:
        dirfa.parse_emotion(body.emotion)
    except InputError as exc:
        raise UploadError(str(exc), 422) from None
    _find_live(svc, session_id).set_emotion(body.emotion)
    return {"id": session_id, "emotion": body.emotion}


@live.delete("/{session_id}", status_code=204, responses=ERRORS, dependencies=[Depends(require_token)])
async def live_close(session_id: str, svc: ServiceDep) -> Response:
    _find_live(svc, session_id)
    await _sessions(svc).close(session_id)
    return Response(status_code=204)


@live.get(
    "/{session_id}/tracks",
    responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
    dependencies=[Depends(require_token)],
)
async def live_tracks_events(session_id: str, svc: ServiceDep) -> StreamingResponse:
    """The per-frame JSON {index, t, speaking, curves, visemes} as Server-Sent Events (`frame` events,
    then `end`), for clients without WebSockets. The same URL is a WebSocket (ws://HOST/v1/live/ID/tracks,
    token as ?access_token=TOKEN or the subprotocols ["dirfa", "bearer.TOKEN"]) that streams these frames
    and takes PCM to speak as binary messages (16-bit mono at ?sample_rate_hz=, default 16000), with
    {"end": true} when an utterance is complete; OpenAPI cannot describe WebSockets, see the README."""
    return StreamingResponse(
        _find_live(svc, session_id).frame_events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@live.post(
    "/{session_id}/audio",
    status_code=202,
    responses=ERRORS,
    dependencies=[Depends(require_token)],
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
async def live_audio(
    request: Request, session_id: str, svc: ServiceDep, sample_rate_hz: int = 16000, end: bool = False
) -> dict:
    """Push speech to say: the body is 16-bit little-endian mono PCM at `sample_rate_hz` (at most 1 MB per
    call); `end=true` when the utterance is complete."""
    found = _find_live(svc, session_id)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_PUSH_BYTES:
            raise UploadError("push at most 1 MB of PCM per call — send shorter chunks", 413)
    samples = found.push_pcm(bytes(data), sample_rate_hz)
    if end:
        found.session.end_audio()
    return {"id": session_id, "samples": samples}


@live.websocket("/{session_id}/tracks")
async def live_tracks(websocket: WebSocket, session_id: str, sample_rate_hz: int = 16000) -> None:
    """The session's frames as JSON text messages {index, t, speaking, curves, visemes} (curves: ARKit
    blendshapes and head/eye angles in degrees), 25 per second. The client may send PCM to be spoken as
    binary messages: 16-bit little-endian mono at `sample_rate_hz` (query parameter, or a
    {"sample_rate_hz": N} text message), then {"end": true} when the utterance is complete; also
    {"say": "text"}, {"interrupt": true}, {"emotion": "happy:0.6"}. A bad message gets {"error": ...} and
    the socket stays open. With a token: the Authorization header, or (browsers cannot set headers on a
    WebSocket) ?access_token=TOKEN (RFC 6750 section 2.3) or the subprotocols ["dirfa", "bearer.TOKEN"].
    A wrong token closes the socket with code 4401, an unknown session with 4404. Closing the socket
    leaves the session running; a tracks-only session ends 30 s after its last socket closed."""
    svc: Service = websocket.app.state.service
    offered = list(websocket.scope.get("subprotocols") or ())
    chosen = "dirfa" if "dirfa" in offered else (offered[0] if offered else None)
    await websocket.accept(subprotocol=chosen)
    if not _ws_token_ok(websocket, svc.config.token, offered):
        await websocket.close(code=4401, reason="missing or wrong token - add ?access_token=TOKEN")
        return
    found = svc.live.get(session_id) if svc.live is not None else None
    if found is None or found.closed:
        await websocket.close(code=4404, reason="no such live session - start one with POST /v1/live")
        return
    if not 8000 <= sample_rate_hz <= 96000:
        await websocket.close(code=4422, reason="sample_rate_hz must be 8000 to 96000")
        return
    await found.serve_tracks(websocket, sample_rate_hz)


def _ws_token_ok(websocket: WebSocket, token: str | None, subprotocols: list[str]) -> bool:
    """The token of a WebSocket: header, ?access_token= or a "bearer.TOKEN" subprotocol (constant time)."""
    if not token:
        return True
    scheme, _, header = websocket.headers.get("authorization", "").partition(" ")
    given = [header.strip()] if scheme.lower() == "bearer" else []
    given.append(websocket.query_params.get("access_token", ""))
    given += [p[len("bearer.") :] for p in subprotocols if p.startswith("bearer.")]
    return any(hmac.compare_digest(g.encode(), token.encode()) for g in given if g)


def _find_live(svc: Service, session_id: str):
    found = svc.live.get(session_id) if svc.live is not None else None
    if found is None:
        raise HTTPException(404, f"no live session {session_id} — it ended; start another with POST /v1/live")
    return found


# ---- the page, errors, app


def _static_dir() -> Path:
    return Path(str(resources.files("dirfa.serve") / "static"))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such address {request.url.path} — see /docs for the API"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path} — see /docs"
        return _error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        message = first.get("msg", "invalid request")
        if first.get("type") == "json_invalid":
            message = "the body is not valid JSON"
        return _error(422, f"{where}: {message}" if where else message)

    @app.exception_handler(UploadError)
    async def bad_upload(request: Request, exc: UploadError) -> JSONResponse:
        return _error(exc.status, str(exc))

    @app.exception_handler(DirfaError)
    async def dirfa_error(request: Request, exc: DirfaError) -> JSONResponse:
        return _error(422 if isinstance(exc, InputError) else 500, str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, f"internal error: {type(exc).__name__} — see the server log")


def create_app(config: ServeConfig) -> FastAPI:
    """The ASGI application for `config`; starts its worker slots when served, stops them on shutdown."""
    svc = Service(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(svc.start)
        cleaner = asyncio.create_task(_clean_every_hour(svc))
        try:
            yield
        finally:
            cleaner.cancel()
            if svc.live is not None:
                await svc.live.close_all()
            await run_in_threadpool(svc.stop)

    app = FastAPI(
        title="dirfa",
        version=_version(),
        lifespan=lifespan,
        description="Photo + speech -> talking-head video; live talking avatars over WebRTC.",
        docs_url=None,  # FastAPI's own /docs loads Swagger UI from a CDN; ours serves it from the package
        redoc_url=None,
    )
    app.state.service = svc
    _install_error_handlers(app)
    for router in (avatars, videos, voices, live):
        app.include_router(router)
    app.openapi = lambda: _openapi(app)
    _install_docs(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)  # /docs sets its own
        return response

    static = _static_dir()

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(
            static / "index.html",
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    app.mount("/static", StaticFiles(directory=static), name="static")
    return app


def _install_docs(app: FastAPI) -> None:
    """/docs: Swagger UI from the swagger-ui-bundle package (no CDN: it works offline), under a CSP that
    allows only this server plus the hash of Swagger UI's inline start-up script."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # the page and the API work without it; /openapi.json still describes the API
        log.info("swagger-ui-bundle is not installed: no /docs page")
        return
    html = get_swagger_ui_html(
        openapi_url="/docs/openapi-3.0.json",
        title="dirfa API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon-32x32.png",
        # No online validator badge (it would call validator.swagger.io).
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
    ).body
    # CSP Level 2 hash source: base64 of the SHA-256 of the inline script's exact text (MDN, "script-src").
    inline = re.findall(rb"<script>(.*?)</script>", html, re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline)
    policy = (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy, "Cache-Control": "no-cache"})

    @app.get("/docs/openapi-3.0.json", include_in_schema=False)
    async def docs_schema() -> JSONResponse:
        # The bundled Swagger UI (4.x) reads OpenAPI 3.0, FastAPI writes 3.1: the same API, said in 3.0.
        return JSONResponse(openapi_30(app.openapi()))


def _openapi(app: FastAPI) -> dict:
    """FastAPI's schema plus the VideoOptions model that POST /v1/videos's form refers to (a multipart
    form read by hand is not a model FastAPI sees)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        options = models.VideoOptions.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.setdefault("components", {}).setdefault("schemas", {})["VideoOptions"] = options
        app.openapi_schema = schema
    return app.openapi_schema


def openapi_30(schema: dict) -> dict:
    """An OpenAPI 3.1 document as 3.0: `anyOf [X, {type: null}]` becomes X with `nullable: true` (the
    only 3.1-only construct FastAPI and Pydantic write here; OpenAPI 3.1.0 release notes)."""

    def convert(node: object) -> object:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: convert(value) for key, value in node.items()}
        variants = node.get("anyOf")
        if isinstance(variants, list) and {"type": "null"} in variants:
            rest = [v for v in variants if v != {"type": "null"}]
            del node["anyOf"]
            if len(rest) == 1 and "$ref" not in rest[0]:
                node = {**rest[0], **node}
            else:
                node["anyOf"] = rest
            node["nullable"] = True
        return node

    return {**convert(schema), "openapi": "3.0.3"}


async def _clean_every_hour(svc: Service) -> None:
    while True:
        await asyncio.sleep(3600)
        try:
            await run_in_threadpool(svc.clean)
        except Exception:
            log.exception("retention cleaning failed")


def _version() -> str:
    import dirfa

    return dirfa.__version__
