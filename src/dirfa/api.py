"""The Python API: wires the pipeline stages in order; the one module that knows them all.

photo -> Portrait -> Rig ; audio -> speech analysis -> mouth curves -> motion -> Tracks -> frames -> MP4.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dirfa.errors import InputError, OutputError
from dirfa.face import landmarks as face_landmarks
from dirfa.face.rig import Rig, build_rig
from dirfa.media import image as media_image
from dirfa.media import video as media_video
from dirfa.media.audio import Audio, load_audio
from dirfa.media.files import check_writable
from dirfa.motion.expression import ExpressionTimeline, auto_timeline
from dirfa.motion.generate import MotionOptions, generate
from dirfa.motion.tracks import Tracks
from dirfa.render.compose import OutputPlan, plan_output
from dirfa.render.stream import render_frames
from dirfa.speech import acoustic, coarticulation, phonemes, visemes, words
from dirfa.speech import prosody as speech_prosody

log = logging.getLogger(__name__)

DEFAULT_FPS = 25
MAX_FPS = 120  # frames per second; past this, frames only repeat what the 10 ms speech analysis frames hold
ENGLISH_THRESHOLD = 0.5  # english_confidence at or above this takes the phone path (see speech.acoustic)

Portrait = face_landmarks.Portrait


@dataclass(frozen=True)
class Speech:
    """What the speech stage found in a clip: the mouth curves and how they were made.

    mouth: mouth track name -> (n_frames,) float32. timeline: the phones (None on the acoustic path).
    method: "alignment", "recognition" or "acoustic". prosody: per-frame loudness and pitch.
    """

    mouth: dict[str, np.ndarray]
    timeline: phonemes.PhoneTimeline | None
    method: str
    prosody: speech_prosody.Prosody
    fps: float
    n_frames: int


@dataclass(frozen=True)
class Frame:
    """One rendered video frame: index, presentation time in seconds, (H, W, 3) uint8 RGB image."""

    index: int
    t: float
    image: np.ndarray


def load_portrait(path: str | Path, *, face_index: int = 0) -> Portrait:
    """Read a photo and find the face to animate (the largest, or the `face_index`-th largest)."""
    path = Path(path)
    picture = media_image.load_image(path)
    return face_landmarks.load_portrait(picture, face_index=face_index, name=path.name)


def frame_count(duration_s: float, fps: float) -> int:
    """Frames for a clip: the video lasts as long as the audio, within one frame."""
    return max(1, int(round(duration_s * fps)))


def check_fps(fps: float) -> None:
    """Raise InputError unless `fps` is a usable frame rate (1 to MAX_FPS frames per second)."""
    if isinstance(fps, bool) or not (
        isinstance(fps, (int, float)) and math.isfinite(fps) and 1 <= fps <= MAX_FPS
    ):
        raise InputError(f"--fps {fps} is out of range — use 1 to {MAX_FPS} frames per second (25 is usual)")


def analyze_speech(
    audio: Audio,
    *,
    fps: float = DEFAULT_FPS,
    text: str | None = None,
    language: str | None = None,
    workers: int = 1,
) -> Speech:
    """Mouth curves from speech: forced alignment when the transcript is known, phone recognition for
    English, and a spectral path for other languages and singing (`language` other than "en").

    workers: processes to use (default 1: this one). With 2 or more, long English clips have part of their
    words decoded in a second process; call it under `if __name__ == "__main__":` then, as any use of
    multiprocessing needs."""
    check_fps(fps)
    n_frames = frame_count(audio.duration_s, fps)
    samples, rate = audio.samples, audio.sample_rate_hz
    language = (language or "auto").lower()
    word_job = None
    if language in ("auto", "en", "english") and not (text is not None and text.strip()):
        # Started now, so a long clip's second process decodes while this one analyses the rest.
        word_job = _start_words(samples, sample_rate_hz=rate, language=language, workers=workers)
    try:
        return _analyze(
            audio,
            fps=fps,
            n_frames=n_frames,
            text=text,
            language=language,
            word_job=word_job,
            workers=workers,
        )
    finally:
        if word_job is not None:
            word_job.close()


def _start_words(samples: np.ndarray, *, sample_rate_hz: int, language: str, workers: int) -> words.WordJob:
    """Words are decoded once: for the language check (posteriors of the first seconds, when the language
    is to be found out) and for the lip closures that phone recognition misses."""
    check_s = acoustic.WORD_CHECK_S if language == "auto" else 0.0
    return words.start_recognition(
        samples, sample_rate_hz=sample_rate_hz, posteriors_s=check_s, processes=workers
    )


def _analyze(
    audio: Audio,
    *,
    fps: float,
    n_frames: int,
    text: str | None,
    language: str,
    word_job: words.WordJob | None,
    workers: int,
) -> Speech:
    samples, rate = audio.samples, audio.sample_rate_hz
    voice = speech_prosody.analyze(samples, sample_rate_hz=rate, fps=fps, n_frames=n_frames)
    timeline = None
    if text is not None and text.strip():
        if language not in ("auto", "en", "english"):
            raise InputError("--text needs English speech: the transcript aligner knows English only")
        try:
            timeline = phonemes.align(samples, sample_rate_hz=rate, text=text)
        except phonemes.AlignmentError as exc:
            log.warning("could not align the transcript (%s); recognising phones from the audio instead", exc)
    if timeline is None and language in ("auto", "en", "english"):
        timeline = phonemes.recognize(samples, sample_rate_hz=rate)
        if word_job is None:  # the transcript could not be aligned
            word_job = _start_words(samples, sample_rate_hz=rate, language=language, workers=workers)
        heard = word_job.result()
        if language == "auto" and voice.speech.any():  # silence needs no decision
            confidence = acoustic.english_confidence(timeline, voice, words=heard)
            log.info("English confidence %.2f", confidence)
            if confidence < ENGLISH_THRESHOLD:
                timeline = None
        if timeline is not None:
            timeline = words.add_bilabials(timeline, heard)
    if timeline is None:
        mouth = acoustic.acoustic_curves(
            samples, sample_rate_hz=rate, fps=fps, n_frames=n_frames, prosody=voice
        )
        method = "acoustic"
    else:
        mouth = coarticulation.mouth_curves(timeline, voice, fps=fps, n_frames=n_frames)
        method = timeline.method
    log.info("lip sync from %s", method)
    mouth = {name: np.asarray(curve, np.float32) for name, curve in mouth.items()}
    return Speech(mouth=mouth, timeline=timeline, method=method, prosody=voice, fps=fps, n_frames=n_frames)


def animate(
    audio: Audio | str | Path,
    *,
    fps: float = DEFAULT_FPS,
    seed: int = 0,
    text: str | None = None,
    language: str | None = None,
    head_motion: float = 1.0,
    blink_rate_per_min: float | None = None,
    gaze: bool = True,
    expressions: ExpressionTimeline | str | None = None,
    speech: Speech | None = None,
    workers: int = 1,
) -> Tracks:
    """The animation (every per-frame track) for a speech clip; render it with `render` or `frames`.

    expressions: None (neutral), an ExpressionTimeline, or "auto" (mild emotion from the voice).
    Pass a precomputed `speech` to make several takes of one clip without analysing it again.
    workers: processes for the speech analysis (see analyze_speech).
    """
    if not isinstance(audio, Audio):
        audio = load_audio(audio)
    check_fps(fps)
    if speech is None:
        speech = analyze_speech(audio, fps=fps, text=text, language=language, workers=workers)
    if expressions == "auto":
        expressions = auto_timeline(speech.prosody, fps=fps)
    options = MotionOptions(
        seed=seed,
        head_motion=head_motion,
        blink_rate_per_min=blink_rate_per_min,
        gaze=gaze,
        expressions=expressions,
    )
    return generate(speech.mouth, speech.prosody, fps=fps, n_frames=speech.n_frames, options=options)


def viseme_cues(speech: Speech) -> list[tuple[float, float, str]]:
    """Timed mouth cues (start_s, end_s, viseme) of the lip sync, for animators."""
    return visemes.export_cues(speech.mouth, fps=speech.fps)


def output_size(portrait: Portrait, *, size: int | None = None, crop: bool = False) -> tuple[int, int]:
    """(width, height) in pixels of the video `frames` and `render` make; InputError for an unusable `size`.

    Cheap: call it to check the framing before any slow work."""
    plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=crop)
    return plan.width, plan.height


def frames(
    portrait: Portrait,
    tracks: Tracks,
    *,
    size: int | None = None,
    crop: bool = False,
    rig: Rig | None = None,
    workers: int = 1,
) -> Iterator[Frame]:
    """Render the animation frame by frame, as it goes (only a few frames are held at any time).

    size: output width in pixels (height follows; default: the photo's own size, or 512 for `crop`).
    crop: a face-centred square instead of the whole picture. workers: processes rendering, this one
    included (default 1; clips of a few seconds always use one; with more, call this under
    `if __name__ == "__main__":`, as any use of multiprocessing needs)."""
    plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=crop)
    if rig is None:
        # A video smaller than the photo is rendered at its own scale: less work, the same picture.
        portrait, plan = _at_output_scale(portrait, plan)
        rig = build_rig(portrait)
    images = render_frames(portrait.image, rig, plan, tracks.curves, tracks.n_frames, workers=workers)
    for index, image in enumerate(images):
        yield Frame(index=index, t=index / tracks.fps, image=image)


def _at_output_scale(portrait: Portrait, plan: OutputPlan) -> tuple[Portrait, OutputPlan]:
    """The portrait scaled down to the video's scale, and the framing in its pixels."""
    x0, y0, x1, y1 = plan.box
    scale = plan.width / max(x1 - x0, 1)
    if scale >= 0.95:
        return portrait, plan
    height, width = portrait.image.shape[:2]
    new_w, new_h = max(2, round(width * scale)), max(2, round(height * scale))
    sx, sy = new_w / width, new_h / height
    image = cv2.resize(portrait.image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    landmarks = portrait.landmarks_xyz * np.array([sx, sy, sx], np.float32)
    box = portrait.face_box * np.array([sx, sy, sx, sy], np.float32)
    scaled = Portrait(image=image, landmarks_xyz=landmarks, face_box=box, n_faces=portrait.n_faces)
    bx0, by0 = min(round(x0 * sx), new_w - 2), min(round(y0 * sy), new_h - 2)
    bx1, by1 = min(bx0 + plan.width, new_w), min(by0 + plan.height, new_h)
    return scaled, OutputPlan((bx0, by0, bx1, by1), plan.width, plan.height)


def render(
    portrait: Portrait,
    tracks: Tracks,
    output: str | Path,
    *,
    audio: Audio | None = None,
    size: int | None = None,
    crop: bool = False,
    progress: Callable[[Iterator[Frame], int], Iterator[Frame]] | None = None,
    workers: int = 1,
) -> Path:
    """Write the animation as an H.264/AAC MP4 (the audio's original sound, at good quality).

    progress: optional wrapper over the frame iterator (e.g. a progress bar), given the iterator and the
    frame count. workers: processes rendering, this one included (see `frames`; the CLI uses one per core).
    The file appears only when complete."""
    output = Path(output)
    check_writable(output)
    if audio is not None and _same_file(output, audio.source):
        raise OutputError(f"output {output} is the audio recording itself — choose another output name")
    if tracks.n_frames == 0:
        raise InputError("the animation has no frames — nothing to render")
    if not float(tracks.fps).is_integer():
        raise InputError(
            f"frame rate {tracks.fps} must be a whole number of frames per second for MP4 output"
        )
    stream: Iterator[Frame] = frames(portrait, tracks, size=size, crop=crop, workers=workers)
    if progress is not None:
        stream = progress(stream, tracks.n_frames)
    media_video.write_video(
        output,
        (frame.image for frame in stream),
        fps=int(tracks.fps),
        audio_source=audio.source if audio is not None else None,
        audio_duration_s=tracks.duration_s if audio is not None else None,
    )
    return output


def _same_file(a: Path, b: Path) -> bool:
    """True if `a` exists and is the same file as `b` (through links and relative paths)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False
