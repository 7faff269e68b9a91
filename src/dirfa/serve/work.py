"""What a worker process does with one video job: photo (or prepared avatar) + speech -> MP4, reporting
progress; the only module of dirfa.serve that runs the pipeline.

Part of dirfa.serve: jobs.Executor starts `worker_main` in its own process and sends it job specs.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

# Shares of the progress bar: loading and analysing the speech before the first frame, then frames.
PREPARED_AT = 0.05
ANALYSED_AT = 0.3


def worker_main(conn) -> None:
    """Loop of a worker process: receive a job spec, run it, send ("progress", f)... then ("done",
    duration_s) or ("failed", message). Ends when the pipe closes."""
    _exit_with_parent()  # first: an orphan still importing would slow a restarted server's start
    import dirfa  # imported once per process: mediapipe and OpenCV take a second or two

    del dirfa
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return

        def progress(fraction: float) -> None:
            try:
                conn.send(("progress", float(fraction)))
            except OSError:
                raise _PipeGone from None

        try:
            try:
                outcome = ("done", run_job(spec, progress))
            except _PipeGone:
                raise
            except Exception as exc:
                outcome = ("failed", public_message(exc, spec))
            conn.send(outcome)
        except (_PipeGone, OSError):  # the server stopped, or killed this job: nobody to tell
            return


class _PipeGone(Exception):
    """The server end of the pipe is closed."""


def _exit_with_parent() -> None:
    """End this process when the server is gone (kill -9 leaves no one to read our results): a restarted
    server runs the job again, and an orphan would only compete with it for the CPU."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.25)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="dirfa-parent-watch", daemon=True).start()


def public_message(exc: BaseException, spec: dict) -> str:
    """The one-line message the CLI would print, with the service's internal file names replaced by
    what the user sent ("the photo", "the audio"): they never see the data folder's layout."""
    from dirfa.errors import DirfaError

    if isinstance(exc, DirfaError):
        message = str(exc)
    elif isinstance(exc, MemoryError):
        message = "out of memory — try a smaller picture or size"
    else:
        log.error("job %s failed", spec.get("id"), exc_info=exc)
        message = f"internal error: {type(exc).__name__}: {exc}"
    for key, name in (
        ("photo", "the photo"),
        ("avatar_file", "the avatar"),
        ("audio", "the audio"),
        ("output", "the video"),
    ):
        if spec.get(key):
            path = Path(spec[key])
            message = message.replace(str(path), name).replace(path.name, name)
    return message


def load_face(photo: str, avatar_file: str):
    """The prepared avatar when the installed dirfa has them (prepared once, saved beside the photo,
    reused by every later job and live session), else the portrait."""
    import dirfa

    if hasattr(dirfa, "prepare") and hasattr(dirfa, "load_avatar"):
        saved = Path(avatar_file)
        if saved.exists():
            try:
                return dirfa.load_avatar(saved)
            except dirfa.InputError:
                log.warning("prepared avatar unreadable; preparing it again")
        avatar = dirfa.prepare(photo)
        try:
            avatar.save(saved)  # written to a temporary name and renamed: a crash leaves no half file
        except OSError:
            log.warning("could not keep the prepared avatar", exc_info=True)
        return avatar
    return dirfa.load_portrait(photo)


def _expressions(options: dict):
    import dirfa

    if options.get("expressions"):
        return dirfa.parse_timeline(options["expressions"])
    emotion = options.get("emotion")
    if emotion:
        return "auto" if emotion.strip().lower() == "auto" else dirfa.parse_emotion(emotion)
    return None


def run_job(spec: dict, progress: Callable[[float], None]) -> float:
    """Render one job; returns the video's duration in seconds. Raises DirfaError for bad input."""
    import dirfa
    from dirfa.api import output_size
    from dirfa.errors import InputError

    options = spec["options"]
    face = load_face(spec["photo"], spec["avatar_file"])
    portrait = getattr(face, "portrait", face)
    output_size(portrait, size=options["size"], crop=options["crop"])
    progress(PREPARED_AT)
    motion = {
        "fps": options["fps"],
        "seed": options["seed"],
        "head_motion": options["head_motion"],
        "blink_rate_per_min": options.get("blink_rate_per_min"),
        "gaze": options["gaze"],
        "expressions": _expressions(options),
    }
    if spec["audio"] is not None:
        audio = dirfa.load_audio(spec["audio"], max_duration_s=spec["max_audio_s"])
        tracks = dirfa.animate(
            audio, text=options.get("text"), language=options.get("language"), portrait=face, **motion
        )
    else:
        if not hasattr(dirfa, "say"):
            raise InputError("speech synthesis is not installed in this dirfa — upload a recording instead")
        said = dirfa.say(
            face,
            options["text"],
            voice=options.get("voice"),
            language=options.get("language"),
            rate=options.get("rate", 1.0),
            **motion,
        )
        tracks, audio = said.tracks, said.audio
    progress(ANALYSED_AT)

    def report(stream: Iterator, total: int) -> Iterator:
        last = time.monotonic()
        for index, frame in enumerate(stream):
            now = time.monotonic()
            if now - last > 0.2:
                progress(ANALYSED_AT + (1 - ANALYSED_AT) * index / max(total, 1))
                last = now
            yield frame

    dirfa.render(
        face,
        tracks,
        spec["output"],
        audio=audio,
        size=options["size"],
        crop=options["crop"],
        progress=report,
        close_mouth=bool(options.get("close_mouth", False)),  # (jobs queued before the option lack it)
    )
    return float(tracks.duration_s)
