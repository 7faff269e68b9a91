"""The running service: its settings, folders, store, executor and live sessions, and the few steps a
route needs that are more than a call (finding the face in an upload, drawing the preview).

Part of dirfa.serve: created once per process by app.create_app; routes reach it through a dependency.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import time
from pathlib import Path

from dirfa.errors import DirfaError, InputError
from dirfa.serve.config import ServeConfig
from dirfa.serve.jobs import Executor, Folders, Store, clean_expired, new_id

log = logging.getLogger(__name__)

PREVIEW_PX = 384  # longest side of an avatar's preview picture


class Service:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.folders = Folders(Path(config.data_dir))
        self.folders.create()
        self.store = Store(self.folders.root / "dirfa.sqlite3")
        self.executor = Executor(self.store, self.folders, config)
        # mediapipe's graphs are not safe to run from several threads at once.
        self.face_lock = threading.Lock()
        self.live = None  # webrtc.LiveSessions, created on the first live request

    def start(self) -> None:
        requeued, failed = self.store.recover(max_attempts=self.config.max_attempts)
        if requeued or failed:
            log.warning("after a stop: %d interrupted job(s) queued again, %d failed", requeued, failed)
        self.clean()
        self.executor.start()

    def stop(self) -> None:
        self.executor.stop()

    def clean(self) -> int:
        removed = clean_expired(self.store, self.folders, self.config.keep_days)
        if removed:
            log.info("retention: removed %d file(s)", removed)
        return removed

    def add_avatar(self, upload_path: Path) -> dict:
        """Find the face in an uploaded photo (blocking: call from a thread) and keep it as an avatar.

        Raises InputError (message naming "the photo", never a server path) when there is no usable face."""
        import dirfa

        avatar_id = new_id()
        photo = self.folders.photo(avatar_id)
        upload_path.replace(photo)
        try:
            with self.face_lock:
                portrait = dirfa.load_portrait(photo)
        except DirfaError as exc:
            photo.unlink(missing_ok=True)
            raise type(exc)(public_text(str(exc), {photo: "the photo"})) from None
        except BaseException:
            photo.unlink(missing_ok=True)
            raise
        height, width = portrait.image.shape[:2]
        row = {
            "id": avatar_id,
            "created_s": time.time(),
            "photo": photo.name,
            "width_px": int(width),
            "height_px": int(height),
            "face_box": [round(float(v), 1) for v in portrait.face_box],
            "n_faces": int(portrait.n_faces),
        }
        self.store.add_avatar(row)
        # Prepared now, beside the answer: the first video and live session then start from the saved file.
        threading.Thread(target=self._prepare, args=(avatar_id, portrait), daemon=True).start()
        return self.store.avatar(avatar_id)

    def _prepare(self, avatar_id: str, portrait) -> None:
        import dirfa

        if not hasattr(dirfa, "prepare"):
            return
        try:
            with self.face_lock:
                avatar = dirfa.prepare(portrait)
            avatar.save(self.folders.avatar_file(avatar_id))
        except Exception:  # the job prepares it again, and reports what is wrong
            log.warning("could not prepare avatar %s", avatar_id, exc_info=True)

    def preview_jpeg(self, avatar: dict) -> bytes:
        """The photo, upright and at most PREVIEW_PX on its longest side, with the face outlined."""
        from PIL import Image, ImageDraw

        from dirfa.media.image import load_image

        image = Image.fromarray(load_image(self.folders.photo(avatar["id"])))
        scale = min(1.0, PREVIEW_PX / max(image.size))
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
        x0, y0, x1, y1 = (v * scale for v in avatar["face_box"])
        ImageDraw.Draw(image).rectangle((x0, y0, x1, y1), outline=(0, 200, 120), width=3)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        return out.getvalue()

    def check_audio(self, path: Path) -> float:
        """Decode an uploaded recording (blocking) to check it is audio within the duration cap; its
        duration in seconds. InputError otherwise, naming "the audio"."""
        import dirfa

        try:
            audio = dirfa.load_audio(path, max_duration_s=self.config.max_audio_s)
        except DirfaError as exc:
            raise type(exc)(public_text(str(exc), {path: "the audio"})) from None
        return audio.duration_s

    def remove_job_files(self, job_id: str) -> None:
        for path in (self.folders.video(job_id), self.folders.audio_file(job_id)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def public_text(message: str, names: dict[Path, str]) -> str:
    """`message` with the service's own file paths replaced by what the user knows them as."""
    for path, name in names.items():
        message = (
            message.replace(str(path.absolute()), name).replace(str(path), name).replace(path.name, name)
        )
    return message


def too_long(exc: InputError) -> bool:
    """True for load_audio's duration-cap message (answered 413 rather than 422)."""
    return "is longer than" in str(exc)
