"""Uploads read safely: a multipart body streamed to disk part by part, cut off at a byte cap, and every
file's type sniffed from its first bytes (never from its name or declared MIME type).

Part of dirfa.serve: routes call `read_form` before any uploaded file reaches the pipeline.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 64 * 1024  # a text field (options, a transcript of up to a few thousand words)
MAX_FIELDS = 40
MAX_OVERHEAD_BYTES = 1024 * 1024  # part headers, boundaries and text fields around the files

IMAGE_KINDS = ("jpeg", "png", "webp", "bmp", "gif", "tiff")
AUDIO_KINDS = ("wav", "mp3", "aac", "ogg", "flac", "m4a", "mp4", "webm", "aiff")


class UploadError(Exception):
    """The upload cannot be used; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    """One uploaded file, saved under a random name: path, size in bytes and the sniffed kind."""

    path: Path
    size_bytes: int
    kind: str | None


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def discard(self) -> None:
        """Delete every uploaded file (after an error, or once they have been moved elsewhere)."""
        for upload in self.files.values():
            with contextlib.suppress(FileNotFoundError):
                upload.path.unlink()


def sniff(head: bytes) -> str | None:
    """The format of a file from its first bytes, or None.

    Magic numbers from each format's specification: JPEG SOI FF D8 FF; PNG's 8-byte signature; RIFF
    containers (WEBP, WAVE); BMP 'BM'; GIF87a/89a; TIFF II*/MM*; ID3v2 and MPEG audio frame sync; ADTS;
    OggS; fLaC; ISO BMFF 'ftyp' (M4A and MP4); Matroska/WebM EBML (what browsers' MediaRecorder writes);
    AIFF 'FORM'."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:2] == b"BM" and len(head) >= 26:
        return "bmp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 3 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        if (head[1] & 0xF6) == 0xF0:
            return "aac"
        version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
        bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
        # Each field has one reserved value (ISO 11172-3); checking them keeps random bytes from matching.
        if version != 1 and layer != 0 and bitrate != 15 and rate != 3:
            return "mp3"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "m4a" if head[8:12] in (b"M4A ", b"M4B ") else "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    return None


async def read_form(
    body: AsyncIterator[bytes],
    *,
    content_type: str | None,
    content_length: str | None,
    caps_bytes: dict[str, int],
    folder: Path,
) -> Form:
    """Parse a multipart/form-data body as it arrives: file parts named in `caps_bytes` are written to
    random names in `folder`, each cut off (413) as soon as it passes its cap; text fields are kept.

    The whole body is refused before reading when its declared length already exceeds the caps."""
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind == b"application/x-www-form-urlencoded":
        return await _read_urlencoded(body)
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError("send the request as multipart/form-data (e.g. curl -F photo=@face.jpg)", 415)
    limit = sum(caps_bytes.values()) + MAX_OVERHEAD_BYTES
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise UploadError("the Content-Length header is not a number") from None
        if declared > limit:
            raise UploadError(_too_large(caps_bytes), 413)
    form = Form()
    reader = _PartReader(form, caps_bytes, folder)
    parser = MultipartParser(boundary, reader.callbacks())
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > limit:
                raise UploadError(_too_large(caps_bytes), 413)
            parser.write(chunk)
        parser.finalize()
        if not reader.ended:
            raise UploadError("the upload ended early — send the whole form again")
    except UploadError:
        reader.close()
        form.discard()
        raise
    except Exception as exc:  # the multipart parser's own errors: a malformed body
        reader.close()
        form.discard()
        raise UploadError(
            f"the form could not be read ({type(exc).__name__}) — send multipart/form-data"
        ) from None
    return form


async def _read_urlencoded(body: AsyncIterator[bytes]) -> Form:
    """A form without files (curl -d): text fields only, at most MAX_OVERHEAD_BYTES in all."""
    data = bytearray()
    async for chunk in body:
        data += chunk
        if len(data) > MAX_OVERHEAD_BYTES:
            raise UploadError("the form is too large — send files as multipart/form-data", 413)
    try:
        pairs = parse_qsl(data.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise UploadError("the form could not be read — send UTF-8 form fields") from None
    return Form(fields=dict(pairs))


def _too_large(caps_bytes: dict[str, int]) -> str:
    parts = ", ".join(f"{name} at most {cap / (1024 * 1024):g} MB" for name, cap in caps_bytes.items())
    return f"upload too large — {parts}"


class _PartReader:
    """Callbacks for python-multipart's streaming parser: one part at a time, straight to disk."""

    def __init__(self, form: Form, caps_bytes: dict[str, int], folder: Path) -> None:
        self.form, self.caps, self.folder = form, caps_bytes, folder
        self.headers: dict[bytes, bytes] = {}
        self.header_field = b""
        self.header_value = b""
        self.name: str | None = None
        self.is_file = False
        self.buffer = bytearray()
        self.file = None
        self.upload: Upload | None = None
        self.head = bytearray()
        self.ended = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda data, start, end: self._add("header_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("header_value", data[start:end]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def _add(self, which: str, data: bytes) -> None:
        setattr(self, which, getattr(self, which) + data)
        if len(self.header_field) + len(self.header_value) > 8192:
            raise UploadError("a form part's header is too long")

    def part_begin(self) -> None:
        self.headers, self.name, self.is_file, self.buffer = {}, None, False, bytearray()

    def header_end(self) -> None:
        self.headers[self.header_field.strip().lower()] = self.header_value.strip()
        self.header_field, self.header_value = b"", b""

    def headers_finished(self) -> None:
        disposition, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        if disposition != b"form-data" or b"name" not in params:
            raise UploadError("a form part has no name — send multipart/form-data")
        self.name = params[b"name"].decode("utf-8", "replace")
        # The client's file name is never used: files get random names (see below).
        self.is_file = b"filename" in params or self.name in self.caps
        if self.is_file:
            if self.name not in self.caps:
                raise UploadError(f"unexpected file field '{self.name[:40]}' — send {', '.join(self.caps)}")
            if self.name in self.form.files:
                raise UploadError(f"send one '{self.name}' file, not several")
            path = self.folder / f"upload-{secrets.token_hex(16)}"
            self.file = open(path, "xb")  # noqa: SIM115 - closed in part_end/close
            self.upload = Upload(path=path, size_bytes=0, kind=None)
            self.form.files[self.name] = self.upload
            self.head = bytearray()
        elif len(self.form.fields) >= MAX_FIELDS:
            raise UploadError("too many form fields")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if not self.is_file:
            self.buffer += chunk
            if len(self.buffer) > MAX_FIELD_BYTES:
                raise UploadError(
                    f"form field '{self.name}' is too long (at most {MAX_FIELD_BYTES} bytes)", 413
                )
            return
        assert self.upload is not None and self.file is not None and self.name is not None
        self.upload.size_bytes += len(chunk)
        cap = self.caps[self.name]
        if self.upload.size_bytes > cap:
            raise UploadError(f"{self.name} too large — at most {cap / (1024 * 1024):g} MB", 413)
        if len(self.head) < 64:
            self.head += chunk[: 64 - len(self.head)]
        self.file.write(chunk)

    def part_end(self) -> None:
        if self.is_file:
            assert self.upload is not None and self.file is not None
            self.file.close()
            self.file = None
            self.upload.kind = sniff(bytes(self.head))
        elif self.name is not None:
            self.form.fields[self.name] = self.buffer.decode("utf-8", "replace")

    def end(self) -> None:
        self.ended = True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
