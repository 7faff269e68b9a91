"""Pydantic models of every request and answer of the HTTP API (they make the OpenAPI schema at /docs).

Part of dirfa.serve: app.py validates form fields and JSON bodies with these and shapes its answers.
"""

# Pydantic evaluates these annotations at run time; `X | None` needs Python 3.10, dirfa supports 3.9.
# ruff: noqa: UP045

from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

ID_PATTERN = r"^[0-9a-f]{32}$"


class ErrorOut(BaseModel):
    error: str = Field(description="one line saying what went wrong and what to do")


class AvatarOut(BaseModel):
    id: str
    width_px: int
    height_px: int
    face_box: list[float] = Field(description="x0, y0, x1, y1 of the face in the photo's pixels")
    n_faces: int
    created_s: float
    preview_url: str


class VideoOptions(BaseModel):
    """The form fields of POST /v1/videos (beside the optional `audio` file)."""

    model_config = ConfigDict(extra="forbid")

    avatar_id: str = Field(pattern=ID_PATTERN, description="from POST /v1/avatars")
    text: Optional[str] = Field(
        None,
        max_length=20000,
        description="with an audio file: its transcript (English), for exact lip sync; without: the text "
        "to speak with `voice`",
    )
    voice: Optional[str] = Field(None, max_length=80, pattern=r"^[A-Za-z0-9_.:+-]+$")
    language: Optional[str] = Field(None, max_length=20, pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$")
    rate: float = Field(1.0, ge=0.5, le=2.0, description="speaking rate of a synthesised voice")
    emotion: Optional[str] = Field(
        None, max_length=40, description="neutral, happy, sad, angry, surprised (e.g. happy:0.7), or auto"
    )
    expressions: Optional[str] = Field(None, max_length=2000, description="'0:neutral,2.5:happy:0.8,4:sad'")
    head_motion: float = Field(1.0, ge=0.0, le=2.0, description="0 still, 1 natural, 2 lively")
    seed: Optional[int] = Field(
        None,
        ge=0,
        le=2**31 - 1,
        description="take number: the same seed, the same video; default: derived from the photo and the "
        "speech (or text), so every clip gets its own take and the same inputs the same video",
    )
    size: int = Field(512, ge=64, le=1920, description="output width in pixels")
    crop: bool = Field(True, description="a face-centred square instead of the whole picture")
    close_mouth: bool = Field(
        False, description="rest with the lips shut when the photo's mouth is open (default: keep it)"
    )
    fps: int = Field(25, ge=5, le=60)
    blink_rate_per_min: Optional[float] = Field(None, ge=0, le=60)
    gaze: bool = True
    callback_url: Optional[str] = Field(
        None, max_length=2000, description="POSTed the job's state when it ends"
    )

    @field_validator("callback_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("callback_url must be an http:// or https:// URL")
        return value

    @field_validator("text", "voice", "language", "emotion", "expressions", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class VideoOut(BaseModel):
    id: str
    state: str = Field(description="queued, running, done or failed")
    progress: float = Field(description="0 to 1")
    error: Optional[str]
    note: Optional[str] = Field(description="e.g. that the job runs again after a server stop")
    avatar_id: str
    options: dict
    attempts: int
    created_s: float
    started_s: Optional[float]
    finished_s: Optional[float]
    duration_s: Optional[float]
    url: str
    events_url: str
    file_url: Optional[str] = Field(description="the MP4, once done")


class VoiceOut(BaseModel):
    name: str
    engine: str
    language: str
    sex: str
    description: str


class LiveOffer(BaseModel):
    """A browser's WebRTC offer (sdp, type "offer"); without sdp, a tracks-only session: no video or
    audio, only the per-frame JSON on the WebSocket (for clients that draw their own avatar)."""

    model_config = ConfigDict(extra="forbid")

    sdp: Optional[str] = Field(None, max_length=100_000)
    type: Optional[str] = Field(None, pattern="^offer$")
    avatar_id: str = Field(pattern=ID_PATTERN)
    size: int = Field(256, ge=64, le=720)
    voice: Optional[str] = Field(None, max_length=80, pattern=r"^[A-Za-z0-9_.:+-]+$")
    emotion: Optional[str] = Field(None, max_length=40)


class LiveAnswer(BaseModel):
    id: str
    sdp: Optional[str] = Field(description="the WebRTC answer (None for a tracks-only session)")
    type: Optional[str]
    tracks_url: str = Field(
        description="WebSocket (ws://...?access_token=TOKEN): per-frame JSON out, PCM audio in; "
        "a GET gives the same frames as Server-Sent Events"
    )


class SayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


class EmotionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emotion: str = Field(min_length=1, max_length=40, description="e.g. happy:0.6")
