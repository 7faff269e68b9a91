"""The Python API: wires the pipeline stages in order; the one module that knows them all.

photo -> Portrait -> Rig ; audio -> speech analysis -> mouth curves -> motion -> Tracks -> frames -> MP4.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dirfa.avatar import Avatar, at_output_scale
from dirfa.errors import InputError, OutputError
from dirfa.face import landmarks as face_landmarks
from dirfa.face.rig import Rig, build_rig, gaze_limits_deg
from dirfa.media import video as media_video
from dirfa.media.audio import Audio, load_audio
from dirfa.media.files import check_writable
from dirfa.motion.cues import typed_questions
from dirfa.motion.expression import ExpressionTimeline, auto_timeline
from dirfa.motion.generate import MotionOptions, generate, seed_from
from dirfa.motion.tracks import Tracks
from dirfa.render.compose import OutputPlan, RenderAssets, plan_output
from dirfa.render.stream import RenderWorkers, render_frames, renders_elsewhere
from dirfa.speech import coarticulation, phonemes, visemes
from dirfa.speech import prosody as speech_prosody
from dirfa.voice import synthesis as voice_synthesis

if TYPE_CHECKING:
    from dirfa.speech import words

# Imported where used: the photo reader (PIL) and the recognition paths of recorded speech (word decoding,
# the language check: ~0.1 s of imports) are not needed by a reply from a prepared avatar, whose start-up
# they would lengthen.

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
    from dirfa.media import image as media_image

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
    timeline: phonemes.PhoneTimeline | None = None,
) -> Speech:
    """Mouth curves from speech: forced alignment when the transcript is known, phone recognition for
    English, and a spectral path for other languages and singing (`language` other than "en").
    A known `timeline` (e.g. a synthesiser's, dirfa.synthesize) is used as it is: no recognition, the same
    coarticulation, prosody from the audio.

    workers: processes to use (default 1: this one). With 2 or more, long English clips have part of their
    words decoded in a second process; call it under `if __name__ == "__main__":` then, as any use of
    multiprocessing needs."""
    check_fps(fps)
    n_frames = frame_count(audio.duration_s, fps)
    samples, rate = audio.samples, audio.sample_rate_hz
    if timeline is not None:
        return _from_timeline(audio, timeline, fps=fps, n_frames=n_frames)
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


def _from_timeline(audio: Audio, timeline: phonemes.PhoneTimeline, *, fps: float, n_frames: int) -> Speech:
    """Speech from a known phone timeline: the coarticulation recorded speech gets, prosody from the audio."""
    voice = speech_prosody.analyze(
        audio.samples, sample_rate_hz=audio.sample_rate_hz, fps=fps, n_frames=n_frames
    )
    mouth = coarticulation.mouth_curves(timeline, voice, fps=fps, n_frames=n_frames)
    mouth = {name: np.asarray(curve, np.float32) for name, curve in mouth.items()}
    return Speech(
        mouth=mouth, timeline=timeline, method=timeline.method, prosody=voice, fps=fps, n_frames=n_frames
    )


def _start_words(samples: np.ndarray, *, sample_rate_hz: int, language: str, workers: int) -> words.WordJob:
    """Words are decoded once: for the language check (posteriors of the first seconds, when the language
    is to be found out) and for the lip closures that phone recognition misses."""
    from dirfa.speech import acoustic, words

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
    from dirfa.speech import acoustic, closures, words

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
    heard_phones = None  # what the phone recogniser heard, a cue for the acoustic path's lip closures
    if timeline is None and language in ("auto", "en", "english"):
        timeline = heard_phones = phonemes.recognize(samples, sample_rate_hz=rate)
        if word_job is None:  # the transcript could not be aligned
            word_job = _start_words(samples, sample_rate_hz=rate, language=language, workers=workers)
        heard = word_job.result()
        if language == "auto" and voice.speech.any():  # silence needs no decision
            confidence = acoustic.english_confidence(
                timeline, voice, words=heard, samples=samples, sample_rate_hz=rate
            )
            log.info("English confidence %.2f", confidence)
            if confidence < ENGLISH_THRESHOLD:
                timeline = None
        if timeline is not None:
            timeline = words.add_bilabials(timeline, heard)
            # Recognised p/b/m kept to where the sound lets the lips shut (not on loud vowels).
            timeline = closures.closures_in_quiet(timeline, samples, sample_rate_hz=rate)
    if timeline is None:
        if heard_phones is None and voice.speech.any():
            # Another language: a bilabial's closure and release sound alike in most languages, so the
            # English recogniser's p/b/m tell the acoustic path where the lips meet (~0.1 s per second of audio).
            heard_phones = phonemes.recognize(samples, sample_rate_hz=rate)
        mouth = acoustic.acoustic_curves(
            samples, sample_rate_hz=rate, fps=fps, n_frames=n_frames, prosody=voice, phones=heard_phones
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
    seed: int | None = None,
    text: str | None = None,
    language: str | None = None,
    head_motion: float = 1.0,
    blink_rate_per_min: float | None = None,
    gaze: bool = True,
    expressions: ExpressionTimeline | str | None = None,
    speech: Speech | None = None,
    workers: int = 1,
    portrait: Portrait | Avatar | None = None,
) -> Tracks:
    """The animation (every per-frame track) for a speech clip; render it with `render` or `frames`.

    seed: the take; None derives it from the audio, text and `portrait` (animate_seed), so the same inputs give
    the same video and two clips (another sound, or the same sound on another face) never share a schedule.
    portrait: the face the clip will be rendered on, for that default seed and the eyes' range (the gaze tracks
    stay inside what its rig shows: face.rig.gaze_limits_deg; None: eyes.GAZE_LIMITS_DEG). expressions: None (neutral), an ExpressionTimeline, or
    "auto" (mild emotion from the voice). Pass a precomputed `speech` to make several takes of one clip without
    analysing it again. workers: processes for the speech analysis (see analyze_speech).
    """
    if not isinstance(audio, Audio):
        audio = load_audio(audio)
    check_fps(fps)
    if seed is None:
        seed = animate_seed(audio, text, portrait)
    if speech is None:
        speech = analyze_speech(audio, fps=fps, text=text, language=language, workers=workers)
    if expressions == "auto":
        expressions = auto_timeline(speech.prosody, fps=fps)
    face = portrait.portrait if isinstance(portrait, Avatar) else portrait
    options = MotionOptions(
        seed=seed,
        head_motion=head_motion,
        blink_rate_per_min=blink_rate_per_min,
        gaze=gaze,
        expressions=expressions,
        gaze_limits_deg=None if face is None else gaze_limits_deg(face.landmarks_xyz),
    )
    return generate(speech.mouth, speech.prosody, fps=fps, n_frames=speech.n_frames, options=options)


def animate_seed(audio: Audio, text: str | None = None, portrait: Portrait | Avatar | None = None) -> int:
    """The take `animate` makes when no seed is given: derived from the sound, transcript and face, so the
    same inputs give the same video and different clips (the same speech on two faces too) get different
    takes."""
    return seed_from(audio.samples, text or "", *_face_key(portrait))


def _face_key(portrait: Portrait | Avatar | None) -> tuple[bytes, ...]:
    """What a default seed takes from the face: its portrait_key, or nothing when no face is given."""
    return () if portrait is None else (portrait_key(portrait),)


def portrait_key(portrait: Portrait | Avatar) -> bytes:
    """A digest of the photo's pixels at its own scale (an Avatar's level 0 is the photo), for the default
    seeds: the same photo, whether loaded or prepared, gives the same key."""
    import hashlib

    image = np.ascontiguousarray(portrait.portrait.image if isinstance(portrait, Avatar) else portrait.image)
    digest = hashlib.sha256(str(image.shape).encode())
    digest.update(image.tobytes())
    return digest.digest()


@dataclass(frozen=True)
class Said:
    """What `say` made: the animation, the voice's audio (in memory), the speech analysis and the synthesis
    (phone timeline, markup emotions). Render with render(portrait, said.tracks, out, audio=said.audio)."""

    tracks: Tracks
    audio: Audio
    speech: Speech
    synthesis: voice_synthesis.Synthesis


def synthesize(
    text: str, *, voice: str | None = None, language: str | None = None, rate: float = 1.0, pitch: float = 1.0
) -> voice_synthesis.Synthesis:
    """Typed text -> speech audio and its exact phone timeline (see dirfa.voice.synthesize)."""
    return voice_synthesis.synthesize(text, voice=voice, language=language, rate=rate, pitch=pitch)


def say_seed(text: str, portrait: Portrait | Avatar | None = None) -> int:
    """The take `say` makes of `text` when no seed is given: the same text on the same face, the same video;
    the same text on another face, another take."""
    return seed_from(text, *_face_key(portrait)) % 1_000_000


def live_seed(portrait: Portrait | Avatar) -> int:
    """The take a live session makes when no seed is given: its speech is not known when it starts, so
    derived from the photo alone (two avatars, two schedules; the same avatar, the same take)."""
    return seed_from("live", portrait_key(portrait)) % 1_000_000


def say(
    portrait: Portrait | Avatar | str | Path | None,
    text: str,
    *,
    voice: str | None = None,
    language: str | None = None,
    rate: float = 1.0,
    pitch: float = 1.0,
    fps: float = DEFAULT_FPS,
    seed: int | None = None,
    head_motion: float = 1.0,
    blink_rate_per_min: float | None = None,
    gaze: bool = True,
    expressions: ExpressionTimeline | str | None = None,
    synthesis: voice_synthesis.Synthesis | None = None,
) -> Said:
    """A face speaking typed text: synthesis (voice, rate, pitch, [happy]/[pause 0.5] markup), then the lip
    sync from the synthesiser's own phone timeline (exact, no recognition), through the same coarticulation
    and motion as recorded speech. The portrait (a photo path is loaded and checked first, so a photo
    without a face fails before any synthesis) is what `render` draws; `say` itself needs only the text.

    expressions: None takes the markup's emotions; an ExpressionTimeline or "auto" replaces them.
    seed: None derives it from the text and portrait (say_seed), so the same call gives the same take.
    synthesis: `text` already spoken (e.g. by dirfa.voice.start_synthesis, begun before the portrait was
    loaded), used instead of synthesising it again."""
    if isinstance(portrait, (str, Path)):
        portrait = load_portrait(portrait)
    check_fps(fps)
    if synthesis is None:
        synthesis = synthesize(text, voice=voice, language=language, rate=rate, pitch=pitch)
    speech = analyze_speech(synthesis.audio, fps=fps, timeline=synthesis.timeline)
    # The text says which sentences are questions (a synthetic voice often falls at a "?"), and that the rest
    # are not: the motion's question cues come from it, not from the pitch.
    typed = typed_questions(speech.prosody, synthesis.questions, n_frames=speech.n_frames)
    speech = dataclasses.replace(speech, prosody=typed)
    if expressions is None:
        expressions = synthesis.expressions
    if seed is None:
        seed = say_seed(text, portrait)
    tracks = animate(
        synthesis.audio,
        fps=fps,
        seed=seed,
        head_motion=head_motion,
        blink_rate_per_min=blink_rate_per_min,
        gaze=gaze,
        expressions=expressions,
        speech=speech,
        portrait=portrait,
    )
    return Said(tracks=tracks, audio=synthesis.audio, speech=speech, synthesis=synthesis)


def viseme_cues(speech: Speech) -> list[tuple[float, float, str]]:
    """Timed mouth cues (start_s, end_s, viseme) of the lip sync, for animators."""
    return visemes.export_cues(speech.mouth, fps=speech.fps)


# States of the posed rig's inner-lip gap above its rest gap, in mouth widths: (at or below: closed / hidden,
# at or above: open / shown), a frame keeping its state between (the bounds of benchmarks/lipsync.py).
LIP_GAP_STATES = ((0.035, 0.07), (0.05, 0.09))  # lips closed / open (rig.CLOSED_GAP_PER_MOUTH); teeth


def steady_mouth(rig: Rig, curves: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`curves` with no mouth or teeth state lasting a single frame on this face, as it is posed.

    The tracks' own pass (speech.coarticulation) sees only the tracks; the face opens and shuts at other
    values (a photo with an open rest pose parts its lips from their rest gap, mouthClose shuts them below it;
    a closed one missed a one-frame mouth and teeth event on happy.png's acoustic path). Measured on every face
    with Rig.mouth_open_px, the lips' rows alone, before the first frame: every frame at once first
    (Rig.mouth_open_px_frames, ~1-2 ms for a 5 s reply against ~25-50 ms a frame at a time), then a frame
    alone once its curves have changed. A frame's value is the same either way (one posing path)."""
    rest = rig.mouth_open_px({})
    width = max(rig.frame.mouth_px, 1e-3)
    # The curves as no_single_frames starts from them (float32 copies), and their gaps, made when first asked.
    measured = {name: np.asarray(curve, np.float32) for name, curve in curves.items()}
    gaps: list[np.ndarray] = []

    def gap(values: dict[str, np.ndarray], frame: int) -> float:
        if values.keys() == measured.keys() and all(
            values[name][frame] == measured[name][frame] for name in values
        ):
            if not gaps:
                n_frames = min((len(curve) for curve in measured.values()), default=0)
                gaps.append((rig.mouth_open_px_frames(measured, n_frames) - rest) / width)
            return float(gaps[0][frame])
        params = {name: float(curve[frame]) for name, curve in values.items()}
        return (rig.mouth_open_px(params) - rest) / width

    return coarticulation.no_single_frames(curves, openness=gap, states=LIP_GAP_STATES)


def output_size(
    portrait: Portrait | Avatar, *, size: int | None = None, crop: bool = False
) -> tuple[int, int]:
    """(width, height) in pixels of the video `frames` and `render` make; InputError for an unusable `size`.

    Cheap: call it to check the framing before any slow work."""
    if isinstance(portrait, Avatar):
        portrait = portrait.portrait
    plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=crop)
    return plan.width, plan.height


def frames(
    portrait: Portrait | Avatar,
    tracks: Tracks,
    *,
    size: int | None = None,
    crop: bool = False,
    rig: Rig | None = None,
    workers: int = 1,
    close_mouth: bool = False,
    started: RenderWorkers | None = None,
) -> Iterator[Frame]:
    """Render the animation frame by frame, as it goes (only a few frames are held at any time).

    size: output width in pixels (height follows; default: the photo's own size, or 512 for `crop`).
    crop: a face-centred square instead of the whole picture. workers: processes rendering, this one
    included (default 1; clips of a few seconds always use one; with more, call this under
    `if __name__ == "__main__":`, as any use of multiprocessing needs). close_mouth: a photo with parted
    lips or a toothy smile rests with its lips shut (default: its own mouth is the rest pose). started:
    render processes started ahead (dirfa.render.stream.RenderWorkers, e.g. before the speech analysis), used
    whatever the clip's length; this call takes them over and stops them (see prepare_frames)."""
    # The scene prepare_frames made from these same arguments (a photo's rig is not built twice), else made now.
    prepared = None
    if started is not None and rig is None:
        prepared = started.prepared((portrait, size, crop, close_mouth))
    image, rig, plan, assets = prepared or _scene(
        portrait, size=size, crop=crop, rig=rig, close_mouth=close_mouth
    )
    curves = steady_mouth(rig, tracks.curves)
    images = render_frames(
        image, rig, plan, curves, tracks.n_frames, workers=workers, assets=assets, started=started
    )
    for index, image in enumerate(images):
        yield Frame(index=index, t=index / tracks.fps, image=image)


def prepare_frames(
    portrait: Portrait | Avatar,
    started: RenderWorkers,
    *,
    size: int | None = None,
    crop: bool = False,
    close_mouth: bool = False,
) -> None:
    """Set up the rendering of `frames`/`render` with these same arguments before the animation is known:
    `started`'s processes are sent the picture, rig and framing (they build their renderers while this one
    analyses the speech and makes the motion), and this process builds its own renderer now. Then pass
    `started` to frames/render. Does not wait for the processes; cheapest with an Avatar."""
    scene = _scene(portrait, size=size, crop=crop, rig=None, close_mouth=close_mouth)
    started.prepare(*scene, source=(portrait, size, crop, close_mouth))


def _scene(
    portrait: Portrait | Avatar, *, size: int | None, crop: bool, rig: Rig | None, close_mouth: bool
) -> tuple[np.ndarray, Rig, OutputPlan, RenderAssets | None]:
    """What `frames` renders from: the picture at its working scale, the rig, the framing in its pixels and
    the renderer's assets (None: computed by the renderer)."""
    assets = None
    if isinstance(portrait, Avatar) and rig is None:
        # Prepared at this output scale already (or now, once for this avatar).
        level, plan = portrait.for_output(size=size, crop=crop)
        portrait, rig, assets = level.portrait, level.rig, level.assets
    else:
        if isinstance(portrait, Avatar):
            portrait = portrait.portrait
        plan = plan_output(portrait.image.shape, portrait.face_box, size=size, crop=crop)
        if rig is None:
            # A video smaller than the photo is rendered at its own scale: less work, the same picture.
            portrait, plan = at_output_scale(portrait, plan)
            rig = build_rig(portrait)
    if close_mouth:
        rig = rig.closed_at_rest()
    return portrait.image, rig, plan, assets


def render(
    portrait: Portrait | Avatar,
    tracks: Tracks,
    output: str | Path,
    *,
    audio: Audio | None = None,
    size: int | None = None,
    crop: bool = False,
    progress: Callable[[Iterator[Frame], int], Iterator[Frame]] | None = None,
    workers: int = 1,
    close_mouth: bool = False,
    started: RenderWorkers | None = None,
) -> Path:
    """Write the animation as an H.264/AAC MP4 (the audio's original sound, at good quality).

    progress: optional wrapper over the frame iterator (e.g. a progress bar), given the iterator and the
    frame count. workers: processes rendering, this one included (see `frames`; the CLI uses one per core).
    close_mouth: shut the photo's parted lips at rest (see `frames`); started: render processes started ahead
    (see `frames`). The file appears only when complete."""
    output = Path(output)
    check_writable(output)
    if audio is not None and audio.source is not None and _same_file(output, audio.source):
        raise OutputError(f"output {output} is the audio recording itself — choose another output name")
    if tracks.n_frames == 0:
        raise InputError("the animation has no frames — nothing to render")
    if not float(tracks.fps).is_integer():
        raise InputError(
            f"frame rate {tracks.fps} must be a whole number of frames per second for MP4 output"
        )
    stream: Iterator[Frame] = frames(
        portrait, tracks, size=size, crop=crop, workers=workers, close_mouth=close_mouth, started=started
    )
    if progress is not None:
        stream = progress(stream, tracks.n_frames)
    # In-memory audio (synthesised speech) is muxed from its playable samples, at their own rate.
    in_memory = audio.playable() if audio is not None and audio.source is None else (None, None)
    media_video.write_video(
        output,
        (frame.image for frame in stream),
        fps=int(tracks.fps),
        audio_source=audio.source if audio is not None else None,
        audio_duration_s=tracks.duration_s if audio is not None else None,
        audio_samples=in_memory[0],
        audio_rate_hz=in_memory[1],
        # Frames from other processes: encode in this thread (an encoder thread would contend for the GIL).
        encode_in_thread=not renders_elsewhere(tracks.n_frames, workers=workers, started=started),
    )
    return output


def _same_file(a: Path, b: Path) -> bool:
    """True if `a` exists and is the same file as `b` (through links and relative paths)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False
