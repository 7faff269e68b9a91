"""A live session: a prepared avatar that speaks text or pushed audio as it arrives, frame by frame, with each
frame's 1/fps of sound, idle and alive between utterances, interruptible at any moment.

Live stage, around the pipeline: say(text) -> dirfa.voice -> phones; push_audio() -> live.analysis ->
phones; both -> speech.coarticulation mouth curves, and their prosody -> motion.stream.MotionStream (the
file mode's motion, frame for frame) -> render.compose -> LiveFrame.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import dataclasses
import itertools
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dirfa.api import live_seed
from dirfa.avatar import Avatar, open_avatar, prepare
from dirfa.errors import InputError
from dirfa.face.landmarks import Portrait
from dirfa.face.rig import gaze_limits_deg
from dirfa.live import phrase_process
from dirfa.live.analysis import (
    ChunkResampler,
    FrameSpeech,
    StreamAnalyzer,
    decoders,
    frame_speech,
    warm_up,
)
from dirfa.live.steady import SteadyMouth
from dirfa.media.audio import SAMPLE_RATE_HZ
from dirfa.motion.cues import typed_questions
from dirfa.motion.expression import ExpressionTimeline, parse_emotion
from dirfa.motion.generate import MotionOptions
from dirfa.motion.stream import ROUNDING_TRACKS, MotionStream, smile_under_rounding
from dirfa.speech.visemes import MOUTH_TRACKS, VISEME_TARGETS

if TYPE_CHECKING:  # dirfa.voice loads when say() is first used
    from dirfa.voice.synthesis import Synthesis

log = logging.getLogger(__name__)

MAX_FPS = 60
MIN_AUDIO_RATE_HZ, MAX_AUDIO_RATE_HZ = 8000, 192000
MAX_CHUNK_S = 60.0  # one push_audio call: at most a minute of sound
# A pushed utterance nobody ends (no end_audio()) is taken as complete after this long without a chunk.
PUSH_END_AFTER_S = 1.0
# After speech stops (its end, or an interrupt) the mouth returns to rest over this long: no jump, and idle
# well inside the 120 ms the issue allows.
RELEASE_S = 0.08
# next_frame waits up to a frame period for a speech frame still being made before giving an idle one: a
# frame a little late beats a gap of silence in the middle of a word.
UNDERRUN_WAIT_S = 0.04
ANALYSIS_STEP_S = 0.4  # pushed audio analysed at most this much at a time: the look-ahead and one batch
# ... and handed to the analysis this much at a time: pocketsphinx holds the GIL for the whole of a decode call
# (~9 ms of CPU per 0.1 s of audio for each of the phone and word decoders; a 0.4 s step held it for 20-90 ms,
# benchmarks/live_pacing.py, GIL holds), and while it does the paced stream cannot hand out its frame: a frame
# due then went out late however far ahead it was rendered. 50 ms pieces hold it ~5 ms at a time; a burst is
# then analysed as audio arriving in small chunks at real time is (the analysis emits frames by count).
DECODE_PIECE_S = 0.05
VISEME_SHARPNESS = 0.02  # softmax temperature over squared mouth distances: the nearest viseme dominates
MAX_LATE_S = 1.0  # a paced stream this far behind its clock starts a new clock instead of rushing
# say() synthesises its next phrase only once less than this much of its speech is still queued: the voice
# (festival runs in a process of its own) then works a phrase at a time beside the renderer instead of
# taking both cores for the whole text at the start, which stalled every session on the machine for seconds.
# Two seconds outlast a phrase's synthesis (~0.2-0.5 s for a sentence, benchmarks/live.py) on a busy machine.
SYNTH_AHEAD_S = 2.0
# An emotion change eases in over this long, as a key of an --expressions timeline does (expression_curves'
# transition): set_emotion() and inline tags become timeline keys this far after the frames already final.
EMOTION_EASE_S = 0.6
SILENCE_DB = -90.0  # energy of an idle frame for the motion stream (speech.prosody's floor)
# While speech is queued, a paced stream (frames(), aframes()) has a thread of its own render this many frames
# beyond the one it hands out next, so a stall of the renderer of up to about this many frame periods (the other
# session on the machine, festival synthesising a phrase in its process) costs no late frame: rendered just in
# time, a frame had only 40 ms minus its render time to spare, and 2 sessions at 512 px lost ~0.8 % of their
# frames (benchmarks/RESULTS.md, live capacity; garbage collection is not it: 3 gen-0 collections of <= 0.3 ms
# in 10 s of a speaking 512 px session, gc.callbacks). More frames ahead absorb longer stalls (a 120 ms stall a
# second: 21 of 250 frames late with none ahead, 0 with 3, benchmarks/live_pacing.py), at ~0.8 MB a frame at
# 512 px and, at an interrupt, that many renders thrown away: the frames made ahead are dropped and made again
# as idle ones (only frames not yet handed out; the one due next is made again at once, so the interrupt
# reaches idle no later than without them). Idle, a stream renders only the frame due next,
# so speech starting (say(), push_audio()) is in the very next frame made, as before.
RENDER_AHEAD_FRAMES = 3
# say()'s phrases are analysed (prosody, mouth curves, resampling: ~60-100 ms of CPU a phrase) in a helper
# process rather than on the voice thread: there they contended for the GIL with the paced stream's thread
# (no single long hold: the same CPU of pure Python delays it as much; benchmarks/live_pacing.py, gil).
# Off: in the voice thread, as before (the same numbers; benchmarks compare the two).
PHRASES_APART = True


class SessionClosed(InputError):
    """The session was closed; start a new one."""


@dataclass(frozen=True)
class LiveFrame:
    """One frame of a live session.

    index: frame number from 0; t: its time in seconds (index / fps). image: (H, W, 3) uint8 RGB, None for a
    tracks-only session. audio: int16 mono, exactly audio_rate_hz / fps samples (silence when idle).
    curves: every track's value (ARKit blendshapes, head and gaze angles in degrees). visemes: the mouth
    as weights of the viseme classes (summing to 1). speaking: the frame belongs to an utterance (said or
    pushed), silent pauses included; False for idle frames."""

    index: int
    t: float
    image: np.ndarray | None
    audio: np.ndarray
    curves: dict[str, float]
    visemes: dict[str, float]
    speaking: bool = False  # part of an utterance (its pauses included), not idle


@dataclass(frozen=True)
class _SpeechFrame:
    mouth: np.ndarray  # (len(MOUTH_TRACKS),)
    loudness: float
    f0_hz: float
    speech: bool
    audio: np.ndarray  # int16 (samples_per_frame,)
    # An inline [emotion:intensity] tag reached in this frame: (emotion, intensity, seconds into the frame).
    emotion: tuple[str, float, float] | None = None
    energy_db: float = SILENCE_DB
    voiced: bool = False
    # Typed text's question mark (motion.cues.ProsodyLike): 1 where a sentence typed as a question ends, 0
    # elsewhere in said text, NaN where the words are not known (pushed audio).
    typed_question: float = math.nan


@dataclass(frozen=True)
class _Made:
    """A frame made and not yet handed out: what making it changed, to make it again after an interrupt."""

    frame: LiveFrame
    generation: int  # the session's generation when its speech was taken: older ones are stale
    row: dict[str, float]  # the motion stream's row it used (the stream's frames are final)
    before: _FrameState  # the session's per-frame state before it was made


@dataclass
class _FrameState:
    """What making a frame changes on the session besides its queues and the motion rows (Session._state); each
    frame made ahead keeps a copy from before it was made (_Made.before), to make it again after an interrupt.
    Making a frame replaces these fields (and SteadyMouth's), never changes them in place: copy() is shallow."""

    steady: SteadyMouth  # no one-frame mouth states: the curves last shown, the last two frames' states
    last_mouth: np.ndarray  # (len(MOUTH_TRACKS),) the mouth last shown
    index: int = 0  # the number of the next frame to make
    was_speaking: bool = False  # the last frame made was a speech frame
    release_from: np.ndarray | None = None  # the mouth speech stopped on, eased to rest over RELEASE_S
    release_frame: int = 0  # frames of that release made

    def copy(self) -> _FrameState:
        return dataclasses.replace(self, steady=copy.copy(self.steady))


class _Pushed:
    """An utterance of pushed audio: chunks not yet analysed, its sample rate, whether it is complete."""

    def __init__(self, rate_hz: int) -> None:
        self.rate_hz = rate_hz
        self.chunks: list[np.ndarray] = []
        self.ended = False
        self.last_push_s = time.monotonic()


class Session:
    """A live talking avatar. See the module docstring; the README shows a worked example.

    avatar: an Avatar (or a photo / .avatar path, prepared here). size: output width in px (height follows);
    crop: a face-centred square. render=False makes a tracks-only session (no images, a fraction of the cost).
    voice/language: the dirfa.voice voice for say(). audio_rate_hz must be a whole multiple of fps.
    close_mouth: rest with the lips shut when the photo's mouth is open (default: the photo's own mouth).
    words: decode words in pushed audio as well as phones, for the p/b/m closures the phones miss (~97 % of a
    file's closures instead of ~83 %); it costs ~2 ms of CPU a frame (benchmarks/RESULTS.md, live capacity),
    which two rendered 512 px sessions on a 2-core machine may need: words=False saves it.
    seed: the take of the session's motion (blinks, gaze, head); None derives it from the photo (api.live_seed),
    so two avatars never share a schedule and the same avatar fed the same speech moves the same way."""

    def __init__(
        self,
        avatar: Avatar | Portrait | str | Path,
        *,
        size: int | None = 512,
        fps: int = 25,
        emotion: str | None = None,
        seed: int | None = None,
        voice: str | None = None,
        render: bool = True,
        audio_rate_hz: int = 48000,
        crop: bool = False,
        language: str | None = None,
        head_motion: float = 1.0,
        close_mouth: bool = False,
        words: bool = True,
    ) -> None:
        if isinstance(fps, bool) or not isinstance(fps, int) or not 1 <= fps <= MAX_FPS:
            raise InputError(
                f"fps {fps!r} is not usable — use a whole number from 1 to {MAX_FPS} (25 is usual)"
            )
        if (
            isinstance(audio_rate_hz, bool)
            or not isinstance(audio_rate_hz, int)
            or not MIN_AUDIO_RATE_HZ <= audio_rate_hz <= MAX_AUDIO_RATE_HZ
            or audio_rate_hz % fps
        ):
            raise InputError(
                f"audio rate {audio_rate_hz!r} Hz is not usable at {fps} fps — use a rate from "
                f"{MIN_AUDIO_RATE_HZ} to {MAX_AUDIO_RATE_HZ} Hz that is a whole multiple of fps (48000 is usual)"
            )
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise InputError(f"seed {seed!r} is not usable — use a whole number >= 0")
        if isinstance(avatar, Portrait):
            avatar = prepare(avatar)
        elif not isinstance(avatar, Avatar):
            avatar = open_avatar(avatar)
        self.avatar = avatar
        self.fps = fps
        self.audio_rate_hz = audio_rate_hz
        self.samples_per_frame = audio_rate_hz // fps
        self.voice, self.language = voice, language
        self.renders = bool(render)
        self.words = bool(words)
        self._renderer = None
        if self.renders:
            from dirfa.render.compose import FrameRenderer

            level, plan = avatar.for_output(size=size, crop=crop)
            rig = level.rig.closed_at_rest() if close_mouth else level.rig
            self._renderer = FrameRenderer(level.portrait.image, rig, plan, level.assets)
            self.width, self.height = plan.width, plan.height
        else:
            self.width = self.height = 0
        # No one-frame mouth or teeth state: measured on the rig as rendered (tracks only: on the tracks).
        self._state = _FrameState(
            steady=SteadyMouth(self._renderer.rig if self._renderer is not None else None),
            last_mouth=np.zeros(len(MOUTH_TRACKS), np.float32),
        )
        # The file mode's motion generator, fed frame by frame (see _motion): seed, head_motion and emotions
        # as in `dirfa animate`, so a session speaking a clip moves as the clip's video does.
        # The eyes' range is this face's (face.rig.gaze_limits_deg), as in file mode: the gaze drawn is the gaze asked.
        limits = gaze_limits_deg(avatar.portrait.landmarks_xyz)
        seed = live_seed(avatar) if seed is None else seed
        self._stream = MotionStream(
            fps, MotionOptions(seed=seed, head_motion=head_motion, gaze_limits_deg=limits)
        )
        self._committed = 0  # queued speech frames (from the front of _frames) already in the stream
        # The motion stream's final rows, from the frame _state.index on.
        self._rows: collections.deque[dict[str, float]] = collections.deque()
        self._keys: list[tuple[float, str, float]] = []  # the emotion timeline so far
        self._cond = threading.Condition()
        self._next_lock = threading.Lock()  # one frame at a time, in order
        self._frames: collections.deque[_SpeechFrame] = collections.deque()
        self._ahead: collections.deque[_Made] = collections.deque()  # made, not handed out (paced streams)
        self._ahead_error: BaseException | None = None  # what stopped a render-ahead thread
        self._jobs: collections.deque[object] = collections.deque()  # iterators of Synthesis, or _Pushed
        self._generation = 0  # raised by interrupt(): work of an older generation is dropped
        self._closed = False
        self._listening = False
        self._decoder: object | None = None  # pocketsphinx's, kept between pushed utterances
        self._warm = threading.Event()
        self.errors: list[str] = []  # what went wrong in the background (a voice failing mid-text...)
        self.late_frames = 0  # paced frames handed out after their time
        self.clock_restarts = 0  # times a paced stream fell MAX_LATE_S behind and started a new clock
        self.worst_late_s = 0.0  # the latest a paced frame was handed out after its time
        self._viseme_names = list(VISEME_TARGETS)
        self._viseme_targets = np.array(
            [[VISEME_TARGETS[v].get(t, 0.0) for t in MOUTH_TRACKS] for v in self._viseme_names], np.float32
        )
        if emotion is not None:
            ((_, name, intensity),) = parse_emotion(emotion).keys
            self._add_emotion(0.0, name, intensity)  # from the first frame, as `dirfa animate --emotion`
        self._worker = threading.Thread(target=self._work, name="dirfa-live", daemon=True)
        self._worker.start()
        threading.Thread(target=self._warm_up, name="dirfa-live-warm-up", daemon=True).start()

    # --- input ---------------------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        """Queue `text` to be spoken (after whatever is queued), phrase by phrase through dirfa.voice.
        Inline [happy] / [pause 0.5] markup works as in `dirfa say`. InputError for empty or unusable text."""
        self._check_open()
        if not isinstance(text, str) or not text.strip():
            raise InputError("say() needs some text to speak, e.g. session.say('Hello there.')")
        from dirfa.voice import synthesize_phrases

        # Checks the text and the voice now (errors at the call); synthesises lazily, in the worker.
        phrases = synthesize_phrases(text, voice=self.voice, language=self.language)
        with self._cond:
            self._check_open()
            self._jobs.append(phrases)
            self._cond.notify_all()

    def push_audio(self, pcm: np.ndarray, sample_rate_hz: int) -> None:
        """Add a chunk of speech (int16, or float32 in -1..1; mono) to the utterance being pushed; it is
        analysed as it arrives and spoken with LOOKAHEAD_S of delay. InputError for a chunk that is not
        mono int16/float32 audio, or whose rate differs from the utterance's earlier chunks."""
        self._check_open()
        samples = _check_chunk(pcm, sample_rate_hz)
        with self._cond:
            self._check_open()
            job = self._jobs[-1] if self._jobs else None
            if not (isinstance(job, _Pushed) and not job.ended):
                job = _Pushed(int(sample_rate_hz))
                self._jobs.append(job)
            elif job.rate_hz != sample_rate_hz:
                raise InputError(
                    f"chunk at {sample_rate_hz} Hz, but this utterance's chunks are at {job.rate_hz} Hz — "
                    "call end_audio() before pushing audio at another rate"
                )
            job.chunks.append(samples)
            job.last_push_s = time.monotonic()
            self._cond.notify_all()

    def end_audio(self) -> None:
        """The pushed utterance is complete: its last LOOKAHEAD_S are spoken now."""
        self._check_open()
        with self._cond:
            for job in self._jobs:
                if isinstance(job, _Pushed):
                    job.ended = True
            self._cond.notify_all()

    def interrupt(self) -> None:
        """Stop speaking now: everything queued (text, audio, frames not yet taken) is dropped and the face
        returns to idle within RELEASE_S."""
        self._check_open()
        with self._cond:
            self._generation += 1
            self._jobs.clear()
            self._frames.clear()
            self._committed = 0
            self._cond.notify_all()

    def set_emotion(self, emotion: str | None) -> None:
        """ "happy", "sad:0.5", "neutral" or None; the face eases into it."""
        self._check_open()
        name, intensity = "neutral", 0.0
        if emotion is not None:
            ((_, name, intensity),) = parse_emotion(emotion).keys
        with self._cond:
            self._add_emotion(self._state.index / self.fps, name, intensity, ease=True)

    def listen(self, listening: bool = True) -> None:
        """While listening (and not speaking) the face attends: small backchannel nods every few seconds."""
        self._check_open()
        with self._cond:
            self._listening = bool(listening)

    def wait_ready(self, timeout_s: float = 10.0) -> bool:
        """Wait until the session has loaded what speech needs (the recogniser's model, the voice modules; it
        does so in the background as it starts); True when ready."""
        return self._warm.wait(timeout_s)

    @property
    def speaking(self) -> bool:
        """Whether speech is queued or being prepared (or made ahead by a paced stream, not yet handed out)."""
        with self._cond:
            return bool(self._frames or self._jobs or self._ahead_speech())

    @property
    def queued_s(self) -> float:
        """Seconds of speech made and waiting for their frames (say() keeps this near SYNTH_AHEAD_S)."""
        with self._cond:
            return (len(self._frames) + self._ahead_speech()) / self.fps

    def _ahead_speech(self) -> int:
        """Speech frames a paced stream has made ahead and not handed out (under _cond; an interrupt's are
        not counted: they are made again idle)."""
        return sum(m.frame.speaking and m.generation == self._generation for m in self._ahead)

    def close(self) -> None:
        """End the session (idempotent): the worker stops, later calls raise SessionClosed."""
        with self._cond:
            self._closed = True
            self._jobs.clear()
            self._frames.clear()
            self._ahead.clear()
            self._committed = 0
            self._cond.notify_all()
        if threading.current_thread() is not self._worker:
            self._worker.join(timeout=2.0)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise SessionClosed("the live session is closed — start a new Session")

    # --- output --------------------------------------------------------------------------------------------

    def next_frame(self) -> LiveFrame:
        """The next frame as soon as it is ready (not paced: for consumers with their own clock, such as a
        WebRTC track); an idle frame when nothing is being said."""
        with self._next_lock:
            self._drop_stale()
            with self._cond:
                self._check_open()
                if self._ahead:  # made ahead by a paced stream: those come first, in order
                    made = self._ahead.popleft()
                    self._cond.notify_all()
                    return made.frame
            made = self._make(ahead=False)
            assert made is not None
            return made.frame

    def _make(self, *, ahead: bool) -> _Made | None:
        """Make the next frame (under _next_lock). ahead: only when a speech frame is queued for it (None
        otherwise): idle frames are made just in time."""
        with self._cond:
            self._check_open()
            if ahead and not self._frames:
                return None
            state = self._state
            if not ahead and not self._frames and self._jobs and state.was_speaking:
                # Mid-utterance and the next frames are still being made: wait a little rather than
                # put an idle frame in the middle of a word.
                self._cond.wait(timeout=UNDERRUN_WAIT_S)
                self._check_open()
            before = state.copy()
            generation = self._generation
            item = self._frames.popleft() if self._frames else None
            if item is not None and len(self._frames) == int(SYNTH_AHEAD_S * self.fps):
                self._cond.notify_all()  # room for the voice's next phrase (_room_for_speech)
            state.was_speaking = item is not None
            index = state.index
            motion = self._motion(index, item)
            state.index += 1
            upcoming = self._frames[0].mouth if item is not None and self._frames else None
        mouth = self._mouth(item)
        curves, pose = state.steady.step(
            _with_mouth(motion, mouth), None if upcoming is None else _with_mouth(motion, upcoming)
        )
        image = None
        if self._renderer is not None:
            image = self._renderer.output(self._renderer.render_pose(pose))
        audio = item.audio if item is not None else np.zeros(self.samples_per_frame, np.int16)
        frame = LiveFrame(
            index=index,
            t=index / self.fps,
            image=image,
            audio=audio,
            curves=curves,
            visemes=self._visemes(mouth),
            speaking=item is not None,
        )
        return _Made(frame, generation, motion, before)

    def _drop_stale(self) -> None:
        """Drop the frames made ahead from speech an interrupt() has since dropped (under _next_lock), and undo
        what making them changed, so the frames from the first of them are made again, idle, with the same
        indices and the same motion rows: nothing handed out changes, no track jumps, no stale sound plays."""
        with self._cond:
            stale = [k for k, made in enumerate(self._ahead) if made.generation != self._generation]
            if not stale:
                return
            dropped = [self._ahead.pop() for _ in range(len(self._ahead) - stale[0])][::-1]
            self._state = dropped[0].before
            # The motion stream's rows are final: the frames made again take the same ones, in order.
            self._rows.extendleft(made.row for made in reversed(dropped))

    def _render_ahead(self, stop: threading.Event) -> None:
        """A paced stream's renderer: keeps the frame due next made, and RENDER_AHEAD_FRAMES more while speech
        is queued for them; makes frames an interrupt made stale again at once."""

        def wanted() -> bool:
            if not self._ahead or any(m.generation != self._generation for m in self._ahead):
                return True
            return bool(self._frames) and len(self._ahead) <= RENDER_AHEAD_FRAMES

        try:
            while True:
                with self._cond:
                    while not (stop.is_set() or self._closed or wanted()):
                        self._cond.wait(timeout=0.5)
                    if stop.is_set() or self._closed:
                        return
                with self._next_lock:
                    self._drop_stale()
                    with self._cond:
                        ahead = bool(self._ahead)
                    made = self._make(ahead=ahead)
                    if made is not None:
                        with self._cond:
                            self._ahead.append(made)
                            self._cond.notify_all()
        except SessionClosed:
            return
        except BaseException as exc:  # noqa: BLE001 - raised in the paced stream's consumer (_upcoming)
            with self._cond:
                self._ahead_error = exc
                self._cond.notify_all()

    def _start_ahead(self) -> threading.Event:
        """Start a paced stream's render-ahead thread; set the returned event to stop it."""
        stop = threading.Event()
        with self._cond:
            self._ahead_error = None
        threading.Thread(
            target=self._render_ahead, args=(stop,), name="dirfa-live-render", daemon=True
        ).start()
        return stop

    def _stop_ahead(self, stop: threading.Event) -> None:
        stop.set()
        with self._cond:
            self._cond.notify_all()

    def _upcoming(self, *, block: bool = True) -> LiveFrame | None:
        """The frame a paced stream hands out next (made by _render_ahead), not yet taken: an interrupt may still
        replace it. block=False: None when it is not made yet. SessionClosed when the session is closed."""
        with self._cond:
            while True:
                self._check_open()
                if self._ahead_error is not None:
                    raise self._ahead_error
                if self._ahead and self._ahead[0].generation == self._generation:
                    return self._ahead[0].frame
                if not block:
                    return None
                self._cond.wait(timeout=0.5)

    def _take(self, frame: LiveFrame) -> bool:
        """Hand out `frame` if it is still the next one (False: an interrupt replaced it)."""
        with self._cond:
            if (
                self._ahead
                and self._ahead[0].frame is frame
                and self._ahead[0].generation == self._generation
            ):
                self._ahead.popleft()
                self._cond.notify_all()
                return True
            return False

    # --- motion: the frames' input to the motion stream, kept a look-ahead ahead where it can be ------------

    def _motion(self, index: int, item: _SpeechFrame | None) -> dict[str, float]:
        """Frame `index`'s non-verbal tracks (called under the lock, once per frame, in order).

        The stream's frame k is the session's frame k. Its input is the speech queued for it, or silence when
        idle; speech already queued is fed ahead (it plays in that order), so while the queue reaches
        LOOKAHEAD_S past the frame (say() synthesises ahead; services often push faster than real time) the
        frame is final as in file mode, exactly. Idle silence is fed only as its frames come due (speech may
        start at any moment): the frame is then finalised early, assuming the input goes on as speech while an
        utterance is under way and as silence otherwise (MotionStream.advance_to). After an interrupt the
        stream has heard up to LOOKAHEAD_S of speech that is never shown; the speech after it is fed behind
        that, and the lag closes over the next idle frames."""
        stream = self._stream
        if item is not None and self._committed:
            self._committed -= 1  # fed ahead already
        elif item is not None or stream.n_received == index:
            self._feed([item])
        want = index + stream.lookahead + 1 - stream.n_received
        if want > 0 and len(self._frames) > self._committed:
            ahead = list(itertools.islice(self._frames, self._committed, self._committed + want))
            self._feed(ahead)
            self._committed += len(ahead)
        if stream.emitted <= index:
            self._keep(stream.advance_to(index, assume="speech" if self._jobs else "silence"))
        return self._rows.popleft()

    def _feed(self, items: list[_SpeechFrame | None]) -> None:
        """Frames' prosody into the motion stream (None: an idle frame), with their inline emotion tags."""
        stream = self._stream
        for k, item in enumerate(items):
            if item is not None and item.emotion is not None:
                name, intensity, into_s = item.emotion
                self._add_emotion((stream.n_received + k) / self.fps + into_s, name, intensity)
        prosody = _FrameProsody(
            energy_db=np.array([SILENCE_DB if f is None else f.energy_db for f in items]),
            loudness=np.array([0.0 if f is None else f.loudness for f in items]),
            f0_hz=np.array([0.0 if f is None else f.f0_hz for f in items]),
            voiced=np.array([f is not None and f.voiced for f in items]),
            speech=np.array([f is not None and f.speech for f in items]),
            typed_question=np.array([math.nan if f is None else f.typed_question for f in items]),
        )
        self._keep(stream.push({}, prosody, listening=self._listening))

    def _keep(self, rows: dict[str, np.ndarray]) -> None:
        """Queue the stream's final frames, one dict of track values each."""
        names = list(rows)
        columns = [rows[name].tolist() for name in names]
        self._rows.extend(dict(zip(names, values)) for values in zip(*columns))

    def _add_emotion(self, time_s: float, name: str, intensity: float, *, ease: bool = False) -> None:
        """Reach emotion `name` at `intensity` at `time_s` (on the frames' clock), easing in over
        EMOTION_EASE_S before it, as an --expressions key does. Frames already final keep theirs, so the key
        moves as late as the ease needs; ease=True eases in from now even before the first frame
        (set_emotion), where a key at frame 0 holds from the start (the session's emotion, a tag opening the
        first text). A later key replaces the keys after it."""
        stream = self._stream
        done = stream.emitted
        if done or ease:
            time_s = max(time_s, done / self.fps + EMOTION_EASE_S)
        keys = [key for key in self._keys if key[0] < time_s - 1e-9]
        # Keys reached before the first frame not yet final matter only through the last of them.
        past = [key for key in keys if key[0] <= done / self.fps]
        keys = past[-1:] + [key for key in keys if key[0] > done / self.fps] + [(time_s, name, intensity)]
        self._keys = keys
        stream.set_expressions(ExpressionTimeline(tuple(keys)))

    def _mouth(self, item: _SpeechFrame | None) -> np.ndarray:
        """The frame's mouth; after speech stops, the last mouth eased to rest over RELEASE_S."""
        state = self._state
        if item is not None:
            state.release_from = None
            state.last_mouth = item.mouth
            return item.mouth
        if state.release_from is None:
            state.release_from = state.last_mouth
            state.release_frame = 0
        state.release_frame += 1
        steps = max(1, math.ceil(RELEASE_S * self.fps))
        share = max(0.0, 1.0 - state.release_frame / steps)
        state.last_mouth = (state.release_from * share).astype(np.float32)
        return state.last_mouth

    def _visemes(self, mouth: np.ndarray) -> dict[str, float]:
        distance = ((self._viseme_targets - mouth[None, :]) ** 2).sum(axis=1)
        weights = np.exp(-(distance - distance.min()) / VISEME_SHARPNESS)
        weights /= weights.sum()
        return {name: round(float(w), 4) for name, w in zip(self._viseme_names, weights)}

    def frames(self) -> Iterator[LiveFrame]:
        """Frames paced at real time (each handed out at its time), until the session is closed. A thread
        renders them ahead while speech is queued (RENDER_AHEAD_FRAMES)."""
        clock = _Clock(self, time.monotonic())
        stop = self._start_ahead()
        try:
            while True:
                try:
                    frame = self._upcoming()
                except SessionClosed:
                    return
                wait_s = clock.due_s(frame.index) - time.monotonic()
                if wait_s > 0.0:
                    time.sleep(wait_s)
                if not self._take(frame):
                    continue  # interrupted while it waited: its replacement is being made
                clock.wait_s(frame.index, time.monotonic())  # counts it if late
                yield frame
        finally:
            self._stop_ahead(stop)

    async def aframes(self) -> AsyncIterator[LiveFrame]:
        """Frames paced at real time, for asyncio (rendered ahead in a thread, as frames())."""
        loop = asyncio.get_running_loop()
        clock = _Clock(self, loop.time())
        stop = self._start_ahead()
        try:
            while True:
                try:
                    # Made ahead, the frame is usually there already: waited for in a thread only when not
                    # (the loop's default threads also run, e.g., aiortc's encoders).
                    frame = self._upcoming(block=False) or await asyncio.to_thread(self._upcoming)
                except SessionClosed:
                    return
                # Every frame awaits once at least: frames caught up on after a stall leave the loop its turn.
                await asyncio.sleep(max(0.0, clock.due_s(frame.index) - loop.time()))
                if not self._take(frame):
                    continue
                clock.wait_s(frame.index, loop.time())
                yield frame
        finally:
            self._stop_ahead(stop)

    # --- the worker: speech -> frames ----------------------------------------------------------------------

    def _warm_up(self) -> None:
        try:
            from dirfa.voice import synthesize

            if PHRASES_APART:  # the helper's imports (~1 s) run beside the rest of the warm-up
                phrase_process.start()
            self._decoder = warm_up(self.fps, with_words=self.words)
            # One short phrase through the voice: its engine starts (festival's process takes ~1 s) and its
            # first phrase's code paths run now, so the first say() is as quick as the later ones.
            said = synthesize("Hello.", voice=self.voice, language=self.language)
            # ... and through the analysis each phrase takes (prosody, coarticulation, resampling): their
            # modules (SciPy's signal processing, ~1 s to import on a busy machine, holding the GIL) load now
            # rather than in the middle of the first say(), where they stalled the frames being rendered.
            self._phrase_frames(said)
        except Exception as exc:  # noqa: BLE001 - pushed audio will try again and report
            log.debug("live warm-up failed: %s", exc)
        self._warm.set()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._jobs:
                    self._cond.wait()
                if self._closed:
                    return
                job, generation = self._jobs[0], self._generation
            try:
                if isinstance(job, _Pushed):
                    self._analyse_pushed(job, generation)
                else:
                    self._speak(job, generation)
            except Exception as exc:  # noqa: BLE001 - the session goes on idle; the error is kept for the caller
                log.warning("live session: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
                self.errors.append(f"{type(exc).__name__}: {exc}")
            with self._cond:
                if self._jobs and self._jobs[0] is job:
                    self._jobs.popleft()

    def _deliver(self, frames: list[_SpeechFrame], generation: int) -> bool:
        """Queue frames unless an interrupt came since; False when the job should stop."""
        with self._cond:
            if generation != self._generation or self._closed:
                return False
            self._frames.extend(frames)
            self._cond.notify_all()
            return True

    def _speak(self, phrases: Iterator, generation: int) -> None:
        """Synthesise in a thread of its own: an interrupt frees the worker at once for what comes next,
        while a phrase already being synthesised finishes there and is dropped."""
        done = threading.Event()

        def run() -> None:
            try:
                self._speak_phrases(phrases, generation)
            except Exception as exc:  # noqa: BLE001 - kept for the caller, as in _work
                log.warning("live session: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
                self.errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                with self._cond:
                    done.set()
                    self._cond.notify_all()

        threading.Thread(target=run, name="dirfa-live-voice", daemon=True).start()
        with self._cond:
            while not done.is_set() and generation == self._generation and not self._closed:
                self._cond.wait()

    def _speak_phrases(self, phrases: Iterator, generation: int) -> None:
        phrases = iter(phrases)
        while self._room_for_speech(generation):
            synthesis = next(phrases, None)  # the next phrase is synthesised here
            if synthesis is None or generation != self._generation or self._closed:
                return
            if not self._deliver(self._phrase_frames(synthesis), generation):
                return

    def _phrase_frames(self, synthesis: Synthesis) -> list[_SpeechFrame]:
        """A synthesised phrase as speech frames."""
        # Prosody, mouth curves from the synthesiser's own phone timings (no recognition) and the sound at
        # the stream's rate: in the helper process unless PHRASES_APART is off (live.phrase_process).
        analyse = phrase_process.analyse if PHRASES_APART else phrase_process.analyse_here
        done = analyse(synthesis, fps=self.fps, out_rate_hz=self.audio_rate_hz)
        n_frames = phrase_process.n_frames_of(synthesis, self.fps)
        mouth, sound = done.mouth, done.sound
        # The text says which phrases are questions and that the rest are not, as in dirfa.say: the motion's
        # question cues come from it, not from the voice's pitch (a synthetic voice often falls at a "?").
        voice = typed_questions(done.voice, synthesis.questions, n_frames=n_frames)
        emotions = {}
        if synthesis.expressions is not None:
            for time_s, name, intensity in synthesis.expressions.keys:
                frame = min(int(time_s * self.fps), n_frames - 1)
                emotions[frame] = (name, intensity, time_s - frame / self.fps)
        return self._frames_of(frame_speech(mouth, voice, 0, n_frames), sound, 0, emotions)

    def _room_for_speech(self, generation: int) -> bool:
        """Wait until less than SYNTH_AHEAD_S of speech is queued; False when interrupted or closed."""
        ahead = int(SYNTH_AHEAD_S * self.fps)
        with self._cond:
            while generation == self._generation and not self._closed and len(self._frames) > ahead:
                self._cond.wait(timeout=0.25)
            return generation == self._generation and not self._closed

    def _frames_of(
        self,
        speech: FrameSpeech,
        sound: np.ndarray,
        first_sample: int,
        emotions: dict[int, tuple[str, float, float]] | None = None,
    ) -> list[_SpeechFrame]:
        """Speech frames with their slices of `sound` (float32 at audio_rate_hz, from `first_sample`)."""
        spf = self.samples_per_frame
        need = speech.n_frames * spf
        piece = sound[first_sample : first_sample + need]
        if piece.shape[0] < need:
            piece = np.concatenate([piece, np.zeros(need - piece.shape[0], np.float32)])
        pcm = np.clip(np.round(piece * 32767.0), -32768, 32767).astype(np.int16)
        emotions = emotions or {}
        return [
            _SpeechFrame(
                mouth=speech.mouth[i],
                loudness=float(speech.loudness[i]),
                f0_hz=float(speech.f0_hz[i]),
                speech=bool(speech.speech[i]),
                audio=pcm[i * spf : (i + 1) * spf],
                emotion=emotions.get(i),
                energy_db=SILENCE_DB if speech.energy_db is None else float(speech.energy_db[i]),
                voiced=bool(speech.speech[i]) if speech.voiced is None else bool(speech.voiced[i]),
                typed_question=math.nan if speech.typed_question is None else float(speech.typed_question[i]),
            )
            for i in range(speech.n_frames)
        ]

    def _analyse_pushed(self, job: _Pushed, generation: int) -> None:
        self._warm.wait(timeout=30.0)  # the decoder being loaded: loading a second one would take as long
        decoder = self._decoder if self._decoder is not None else decoders(with_words=self.words)
        analyzer = StreamAnalyzer(fps=self.fps, decoder=decoder)
        self._decoder = None  # in use; given back when the utterance is complete
        try:
            self._analyse_chunks(job, generation, analyzer)
        finally:
            analyzer.close()
            self._decoder = analyzer.decoder

    def _analyse_chunks(self, job: _Pushed, generation: int, analyzer: StreamAnalyzer) -> None:
        to_analysis = ChunkResampler(job.rate_hz, SAMPLE_RATE_HZ)
        to_output = ChunkResampler(job.rate_hz, self.audio_rate_hz)
        sound = np.zeros(0, np.float32)  # output-rate audio of the frames not yet made
        while True:
            with self._cond:
                while (
                    generation == self._generation and not self._closed and not job.chunks and not job.ended
                ):
                    waited = time.monotonic() - job.last_push_s
                    if waited >= PUSH_END_AFTER_S:
                        job.ended = True
                        break
                    self._cond.wait(timeout=PUSH_END_AFTER_S - waited)
                if generation != self._generation or self._closed:
                    return
                # A burst of chunks (a speech service faster than real time) is analysed a step at a time,
                # so its first frames go out after the first step, not after the whole burst.
                chunks, size = [], 0
                while job.chunks and size < ANALYSIS_STEP_S * job.rate_hz:
                    chunks.append(job.chunks.pop(0))
                    size += chunks[-1].size
                ended = job.ended and not job.chunks
            samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
            sound = np.concatenate([sound, to_output(samples, final=ended)])
            analysed = to_analysis(samples, final=ended)
            # DECODE_PIECE_S at a time, each piece's frames delivered as soon as they are made.
            piece = int(DECODE_PIECE_S * SAMPLE_RATE_HZ)
            pieces = [analysed[lo : lo + piece] for lo in range(0, analysed.size, piece)]
            for k in range(len(pieces) + ended):
                speech = analyzer.push(pieces[k]) if k < len(pieces) else analyzer.finish()
                if speech is None:
                    continue
                frames = self._frames_of(speech, sound, 0)
                # Keep only the sound of frames not yet made.
                used = speech.n_frames * self.samples_per_frame
                sound = sound[used:]
                if not self._deliver(frames, generation):
                    return
            if ended:
                return


class _Clock:
    """Real-time pacing of one stream of frames: when each is due, and its lateness counted on the session.

    A frame handed out after its time lets the next ones go at once (no sleep) until the stream has caught up
    with its clock; one more than MAX_LATE_S behind starts a new clock instead (the stream's delay grows by the
    stall rather than rushing seconds of frames out at once)."""

    def __init__(self, session: Session, now_s: float) -> None:
        self.session = session
        self.start_s = now_s
        self.first: int | None = None

    def due_s(self, index: int) -> float:
        """When frame `index` is due (the clock's first frame is due at its start)."""
        if self.first is None:
            self.first = index
        return self.start_s + (index - self.first) / self.session.fps

    def wait_s(self, index: int, now_s: float) -> float:
        """Seconds to wait before handing out frame `index` (0 when it is due or late)."""
        session = self.session
        late_s = now_s - self.due_s(index)
        if late_s <= 0.0:
            return -late_s
        session.worst_late_s = max(session.worst_late_s, late_s)
        if late_s > 0.5 / session.fps:
            session.late_frames += 1
            if late_s > MAX_LATE_S:
                session.clock_restarts += 1
                self.start_s, self.first = now_s, index
        return 0.0


@dataclass(frozen=True)
class _FrameProsody:
    """Some frames' prosody as the motion stream reads it (motion.cues.ProsodyLike)."""

    energy_db: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray
    typed_question: np.ndarray  # NaN for idle frames and pushed audio (words not known)


_CLOSE = MOUTH_TRACKS.index("mouthClose")
_ROUNDING = tuple(MOUTH_TRACKS.index(name) for name in ROUNDING_TRACKS)


def _with_mouth(motion: dict[str, float], mouth: np.ndarray) -> dict[str, float]:
    """A frame's curves: the motion's, with the mouth tracks laid over (screened onto the emotion's and the
    mouth gestures' own, as the file mode screens those onto the lip sync: the same values either way)."""
    curves = dict(motion)
    for j, name in enumerate(MOUTH_TRACKS):
        value = float(mouth[j])
        base = curves.get(name)
        if name == "jawOpen" and base is not None:
            # Surprise drops the jaw, but never through a p/b/m closure (as motion.stream does).
            base *= 1.0 - min(max(float(mouth[_CLOSE]), 0.0), 1.0)
        curves[name] = value if base is None else value + base - value * base
    smile_under_rounding(curves, max(float(mouth[_ROUNDING[0]]), float(mouth[_ROUNDING[1]])))
    return curves


def _check_chunk(pcm: object, sample_rate_hz: object) -> np.ndarray:
    """A pushed chunk as float32 mono in -1..1; InputError naming what is wrong."""
    if isinstance(sample_rate_hz, bool) or not isinstance(sample_rate_hz, (int, np.integer)):
        raise InputError(f"sample rate {sample_rate_hz!r} is not a whole number of Hz (e.g. 16000)")
    if not MIN_AUDIO_RATE_HZ <= int(sample_rate_hz) <= MAX_AUDIO_RATE_HZ:
        raise InputError(
            f"sample rate {sample_rate_hz} Hz is out of range — push audio at {MIN_AUDIO_RATE_HZ} to "
            f"{MAX_AUDIO_RATE_HZ} Hz"
        )
    if not isinstance(pcm, np.ndarray):
        raise InputError("push_audio() takes a numpy array of samples (int16, or float32 in -1..1)")
    if pcm.ndim != 1:
        raise InputError(f"push_audio() takes mono samples, shape (n,); got shape {pcm.shape}")
    if pcm.size > MAX_CHUNK_S * int(sample_rate_hz):
        raise InputError(
            f"a chunk of {pcm.size / int(sample_rate_hz):.0f} s is too long — push at most {MAX_CHUNK_S:.0f} s at a time"
        )
    if pcm.dtype == np.int16:
        return pcm.astype(np.float32) / 32768.0
    if pcm.dtype == np.float32:
        if not np.isfinite(pcm).all():
            raise InputError("the chunk has NaN or infinite samples")
        if np.abs(pcm).max(initial=0.0) > 1.0 + 1e-3:
            raise InputError(
                "float32 samples must lie in -1..1 (scale int16 audio by 1/32768, or push int16)"
            )
        return pcm.copy()
    raise InputError(f"push_audio() takes int16 or float32 samples, not {pcm.dtype}")
