"""Motion as a stream: lip-sync and prosody chunks in, final frames of every track out, with a fixed look-ahead.

Motion stage, causal core: generate.generate() runs a whole clip through it, told its length; a live session
pushes audio analysis as it arrives. Both give the same tracks, frame for frame, but for the head's (and so the
gaze's) ease back to rest over a file's last END_SETTLE_MAX_S (head.py), which only a known length allows.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from dirfa.motion.brows import BrowMotion
from dirfa.motion.cues import CueTracker, FrameHistory, ProsodyLike, conform
from dirfa.motion.expression import (
    EXPRESSION_TRACKS,
    GESTURE_TRACKS,
    ExpressionTimeline,
    MouthGestures,
    expression_curves,
)
from dirfa.motion.eyes import BLINK_GAZE_DIP_DEG, GAZE_LIMITS_DEG, Blinker, Gazer, eye_in_head
from dirfa.motion.head import HeadMotion
from dirfa.motion.tracks import TRACK_SPECS

__all__ = [
    "HISTORY_S",
    "LOOKAHEAD_S",
    "MOTION_TRACKS",
    "ROUNDING_TRACKS",
    "MotionStream",
    "smile_under_rounding",
]

# How far ahead of the frame it emits the motion may look: enough to see a pause is a phrase end (0.25 s)
# and an accent's peak (0.15 s), and to start a nod or head turn a little before its syllable, as speakers
# do (Hadar et al. 1983: head movements begin before the speech they go with).
LOOKAHEAD_S = 0.48
EXPRESSION_BLOCK_S = 30.0  # expression curves are computed this far at a time
# Per-frame history (inputs, cues, lip-sync curves) older than this behind the frame being emitted is dropped,
# a chunk at a time, so a session that runs for days keeps bounded memory. Nothing reads that far back: the
# longest reach is the cue tracker's (FINAL_RISE_WINDOW_S, 0.5 s; see CueTracker.forget); the frames emitted
# only need their own row. The margin keeps a clip of up to 2 * HISTORY_S whole for inspection (tests, the
# debug log read its cues) and makes the drop (a list copy) rare: at most 2 * HISTORY_S of frames are kept.
HISTORY_S = 120.0
# Clips start and end at the rest pose (the photo: head square, eyes on the camera and open, brows and mouth at
# rest), so clips played back to back (an assistant's replies) join without a jump. START_S: the head, brows
# and mouth gestures grow from rest over the first frames. SETTLE_S: over the last frames they relax back to
# it, as a speaker relaxes after the last word (~0.3-0.6 s); at most the look-ahead, the frames a stream
# finalises once it knows the input has ended, so a streamed take still equals the offline one. The eyes look
# back at the camera as the settle starts (Gazer.settle).
START_S = 0.4
SETTLE_S = 0.48
# Before the clip's first voice the mouth stays at rest and opens only in this window before it: the jaw and
# lips leave rest ~100-300 ms ahead of the voice at an onset from rest (Chandrasekaran et al. 2009), and the
# lip sync's own lead (speech.coarticulation ONSET_LEAD_S + OPEN_LEAD_S) is 100-140 ms.
ANTICIPATION_S = 0.2
# After the last voice the lip-sync curves relax to rest by the last frame; when the clip ends in speech (cut
# mid-word) they still do so over at least this long: speech.coarticulation.RELAX_S, the least time a mouth
# takes from open to rest into a pause. 0.12 s (three frames) left a wide mouth open on the last frame but one
# and at rest on the last, alone in its state: 17 of 66 cuts of two LibriVox clips on the astronaut's rig, open
# or closed at rest, none at 0.2 s (tests/speech/test_single_frames.py cuts them so).
MOUTH_SETTLE_MIN_S = 0.2
# Rounded speech sounds (oo, w, o) pull the lip corners in through a smile: a speaker smiling while saying
# "you" rounds the lips and the smile gives way at the corners (AU18 lip pucker against AU12's pull). The
# smile (the emotion's and a gesture's) is lowered by this share of the lip sync's rounding, so a happy face
# still says "to see you".
ROUNDING_OVER_SMILE = 0.8
_SMILE_TRACKS = ("mouthSmileLeft", "mouthSmileRight")
ROUNDING_TRACKS = ("mouthPucker", "mouthFunnel")
# The tracks the stream writes besides lip sync's (and the expressions'): head, eyes, brows, mouth gestures.
MOTION_TRACKS = (
    "headYaw",
    "headPitch",
    "headRoll",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "gazeYaw",
    "gazePitch",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "browDownLeft",
    "browDownRight",
    "eyeWideLeft",
    "eyeWideRight",
    *GESTURE_TRACKS,
)


def _smoothstep(x: float) -> float:
    """0 at x <= 0, 1 at x >= 1, smooth (zero slope) at both ends."""
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _screen(base: float, overlay: float) -> float:
    """Combine two 0..1 weights so the result stays in 0..1 and never falls below either (1 - (1-a)(1-b))."""
    return base + overlay - base * overlay


class MotionStream:
    """Causal motion generation.

    `push(mouth_chunk, prosody_chunk, listening=False)` appends frames of lip-sync curves (ARKit name ->
    (k,) array; {} for none) and their prosody (a ProsodyLike of k frames, or None for silence) and returns
    the frames that became final, as track name -> array (every track, possibly 0 frames). `finish()` says
    the input is complete and returns the rest. A frame becomes final once the input reaches LOOKAHEAD_S
    beyond it. `listening=True` marks frames where the person listens (small nods when silent).

    A live session cannot always wait for that: its clock may catch up with the input (audio pushed at real
    time, idle between utterances). `advance_to(frame, assume=...)` then finalises the frames up to `frame`
    now, from the input received (which must reach `frame`) and an assumption about the rest: "silence" or
    "speech" (the last frame received goes on, as speech). The assumption is never kept: the cue tracker is
    returned to what the real input decides, and the generators get only events (phrase starts and ends,
    accents) that the real input decides — later than offline by the look-ahead missing, never wrongly. It
    only shapes the due frame's per-frame cues (talking or pausing, activity, pitch). So when the input is
    ahead of the clock, live equals offline exactly; when it is not, events come up to LOOKAHEAD_S late.
    `set_expressions(timeline)` changes the emotion timeline for the frames not yet final.

    history_s: per-frame history kept behind the frame being emitted (see HISTORY_S); 0 keeps only what later
    frames read, None keeps everything. It never changes a frame.

    n_frames: the clip's frame count when it is known before its input (a file, streamed or not): the head
    then winds down to rest over the clip's last seconds (head.END_SETTLE_MAX_S; new postures there at
    head.END_SETTLE_DEG_S at most) instead of easing back within the look-ahead, the eyes start no look away
    in its last eyes.END_QUIET_S, and the take equals
    generate()'s exactly. Without it (a live session's
    pushed audio) the take differs from the file's only over the last ~2 s, where the head settles later and
    faster. The input must then be exactly n_frames long (more is refused; finish() on fewer settles as if
    the length were not known, from the look-ahead).
    """

    def __init__(
        self,
        fps: float,
        options=None,
        *,
        history_s: float | None = HISTORY_S,
        n_frames: int | None = None,
    ) -> None:
        from dirfa.motion.generate import DEFAULT_OPTIONS

        if n_frames is not None and (isinstance(n_frames, bool) or int(n_frames) != n_frames or n_frames < 0):
            raise ValueError(f"n_frames must be a whole number >= 0, not {n_frames!r}")
        self.n_frames = None if n_frames is None else int(n_frames)
        self.fps = float(fps)
        self.options = DEFAULT_OPTIONS if options is None else options
        self.cues = CueTracker(self.fps)
        self.lookahead = max(
            int(math.floor(LOOKAHEAD_S * self.fps + 1e-9)), self.cues.phrase_delay, self.cues.accent_delay
        )
        head_seed, blink_seed, gaze_seed, brow_seed, mouth_seed = np.random.SeedSequence(
            int(self.options.seed)
        ).spawn(5)
        amount = float(self.options.head_motion)
        liveliness = 1.0 if amount <= 1.0 else min(amount, 2.5)
        # Each generator's draws are keyed by the time of the event they are for (schedule.Draws), so the
        # analysis of pushed audio, which differs from the file's on a few frames, changes only those events.
        self.head = HeadMotion(self.fps, seed=head_seed, amount=amount)
        self.blinker = Blinker(
            self.fps,
            seed=blink_seed,
            rate_per_min=self.options.blink_rate_per_min,
            lookahead=self.lookahead,
        )
        self.gazer = Gazer(self.fps, seed=gaze_seed)
        self.brows = BrowMotion(self.fps, seed=brow_seed, liveliness=liveliness)
        self.gestures = MouthGestures(self.fps, seed=mouth_seed, liveliness=liveliness)
        self.mouth: dict[str, FrameHistory] = {}
        self.listening = FrameHistory()
        self.history = None if history_s is None else max(int(round(history_s * self.fps)), 0)
        self._forgotten = 0  # frames before this were dropped from the per-frame history
        self.emitted = 0
        self.finished = False
        self._accents_done = 0
        self._starts_done = 0
        self._ends_done = 0
        self._expression: dict[str, np.ndarray] = {}
        self._expression_start = self._expression_end = 0  # the frames [start, end) _expression covers
        self._start_frames = max(int(round(START_S * self.fps)), 1)
        self._settle_frames = max(min(int(round(SETTLE_S * self.fps)), self.lookahead), 1)
        self._anticipation_frames = max(int(round(ANTICIPATION_S * self.fps)), 1)
        self._mouth_min_frames = max(int(round(MOUTH_SETTLE_MIN_S * self.fps)), 1)
        self._mouth_before: dict[str, float] = {}  # the lip-sync tracks of the frame emitted last
        self._first_voice: int | None = None  # the first and last frames with voice activity received
        self._last_voice: int | None = None

    @property
    def n_received(self) -> int:
        return self.cues.n_received

    # --- input -----------------------------------------------------------------------------------------
    def push(
        self,
        mouth_chunk: Mapping[str, np.ndarray],
        prosody_chunk: ProsodyLike | None,
        *,
        listening: bool = False,
        n_frames: int | None = None,
    ) -> dict[str, np.ndarray]:
        """Append a chunk (its length: the mouth curves', else the prosody's, else n_frames); return the frames
        that became final."""
        if self.finished:
            raise RuntimeError("MotionStream.push after finish()")
        n = self._chunk_length(mouth_chunk, prosody_chunk, n_frames)
        before = self.n_received
        if self.n_frames is not None and before + n > self.n_frames:
            raise ValueError(f"the clip has {self.n_frames} frames; this chunk would make {before + n}")
        for name, values in mouth_chunk.items():
            if name not in TRACK_SPECS:
                raise ValueError(f"lip sync produced unknown track {name!r}")
            array = np.asarray(values, dtype=np.float64).reshape(-1)
            if array.shape[0] != n:
                raise ValueError(f"lip-sync track {name!r} has {array.shape[0]} frames in a chunk of {n}")
            if name not in self.mouth:
                # frames before the forgotten ones are never read again: they need no zeros
                self.mouth[name] = FrameHistory([0.0] * (before - self._forgotten), self._forgotten)
            self.mouth[name].extend(array.tolist())
        for values in self.mouth.values():
            if len(values) < before + n:
                values.extend([0.0] * (before + n - len(values)))
        self.cues.extend(prosody_chunk, n)
        if prosody_chunk is not None:
            voice = np.flatnonzero(conform(prosody_chunk.speech, n) > 0.5)
            if voice.size:
                self._first_voice = before + int(voice[0]) if self._first_voice is None else self._first_voice
                self._last_voice = before + int(voice[-1])
        self.listening.extend([bool(listening)] * n)
        return self._run(ended=False)

    def advance_to(self, frame: int, *, assume: str = "silence") -> dict[str, np.ndarray]:
        """Finalise every frame up to `frame` now (see the class docstring); the frames that became final.

        The input must have reached `frame`. assume: "silence" or "speech", what the frames not yet received
        are taken to be for deciding the due frames' cues."""
        if assume not in ("silence", "speech"):
            raise ValueError(f"assume must be 'silence' or 'speech', not {assume!r}")
        if self.finished:
            raise RuntimeError("MotionStream.advance_to after finish()")
        if frame >= self.n_received:
            raise ValueError(
                f"advance_to({frame}) needs the input up to that frame; {self.n_received} received"
            )
        rows = self._final_rows(ended=False) if self.emitted <= frame else []
        while self.emitted <= frame:
            rows.append(self._early_frame(assume))
            self.emitted += 1
            self._forget()
        return self._pack(rows)

    def _early_frame(self, assume: str) -> dict[str, float]:
        """The next frame before its look-ahead has arrived: events from the real input only, per-frame cues
        decided on input extended by the assumption, which is then forgotten."""
        i, cues = self.emitted, self.cues
        available = self.n_received
        cues.advance(available, False)
        self._events(i, last=False)
        saved = _Checkpoint(cues)
        # The due frame reads speech up to i + 2 and whether i is inside a phrase: cues decided from the input
        # up to i + phrase_delay. Nothing else is decided from the assumption (it would be forgotten anyway).
        missing = max(i + max(cues.phrase_delay, cues.gap + 2) + 1 - available, 0)
        if missing and (assume == "silence" or not available):
            cues.extend(None, missing)
        elif missing:
            cues.raw_speech += [True] * missing
            for name in ("energy_db", "loud_in", "f0_hz", "voiced_in"):
                values = getattr(cues, name)
                values += [values[-1]] * missing
        cues.advance(available + missing, False)
        try:
            return self._frame(i, ended=False, available=available, events=False)
        finally:
            saved.restore(cues)

    def set_expressions(self, timeline: ExpressionTimeline | None) -> None:
        """Lay this emotion timeline over the frames not yet final (frames already returned keep theirs);
        None is neutral without expression tracks."""
        self.options = dataclasses.replace(self.options, expressions=timeline)
        self._expression_end = 0  # computed again at the next frame

    def finish(self) -> dict[str, np.ndarray]:
        """The input is complete: return every remaining frame."""
        if self.finished:
            return self._pack([])
        self.finished = True
        return self._run(ended=True)

    @staticmethod
    def _chunk_length(
        mouth: Mapping[str, np.ndarray], prosody: ProsodyLike | None, n_frames: int | None
    ) -> int:
        if mouth:
            return int(np.shape(next(iter(mouth.values())))[0])
        if prosody is not None:
            return int(np.shape(prosody.speech)[0])
        if n_frames is None:
            raise ValueError("an empty chunk needs n_frames")
        return int(n_frames)

    # --- frames ----------------------------------------------------------------------------------------
    def _run(self, *, ended: bool) -> dict[str, np.ndarray]:
        return self._pack(self._final_rows(ended=ended))

    def _final_rows(self, *, ended: bool) -> list[dict[str, float]]:
        """Every frame the input received makes final (all of them once it has `ended`), as emitted."""
        available = self.n_received
        self.cues.advance(available, ended)
        rows = []
        while self.emitted < available and (ended or self.emitted + self.lookahead < available):
            rows.append(self._frame(self.emitted, ended=ended, available=available))
            self.emitted += 1
            self._forget()
        return rows

    def _forget(self) -> None:
        """Drop the per-frame history older than self.history behind the next frame, once it is twice that."""
        if self.history is None or self.emitted - self._forgotten < 2 * self.history + 1:
            return
        before = self.emitted - self.history
        self.cues.forget(before, events_done=(self._accents_done, self._ends_done))
        for values in self.mouth.values():
            values.forget(before)
        self.listening.forget(before)
        # The generators' records of their events (read for statistics only): those before `before` go.
        for record in (self.blinker.apexes, self.gazer.shifts, self.gazer.aversions, self.brows.raises):
            record.forget(record.offset + bisect.bisect_left(record[record.offset :], before))
        self._forgotten = before

    def _events(self, frame: int, *, last: bool) -> None:
        """Hand every cue decided for frames up to frame + its lead to the generators, in time order."""
        cues = self.cues
        phrase_horizon = frame + self.lookahead - cues.phrase_delay
        accent_horizon = frame + self.lookahead - cues.accent_delay
        while self._starts_done < len(cues.phrases) and (
            last or cues.phrases[self._starts_done].start <= phrase_horizon
        ):
            phrase = cues.phrases[self._starts_done]
            before = self.head.posture["yaw"]
            self.head.on_phrase_start(phrase, frame)
            turn = self.head.posture["yaw"] - before
            self.gazer.on_phrase_start(phrase, frame, float(np.sign(turn)) if abs(turn) > 2.0 else 0.0)
            self.brows.on_phrase_start(phrase, frame)
            self._starts_done += 1
        while (
            self._ends_done < self._starts_done
            and cues.phrases[self._ends_done].end is not None
            and (last or cues.phrases[self._ends_done].end <= phrase_horizon)
        ):
            phrase = cues.phrases[self._ends_done]
            self.head.on_phrase_end(phrase, frame)
            self.blinker.on_phrase_end(phrase, frame)
            self.gazer.on_phrase_end(phrase, frame)
            self.brows.on_phrase_end(phrase, frame)
            self.gestures.on_phrase_end(phrase, frame)
            self._ends_done += 1
        while self._accents_done < len(cues.accents) and (
            last or cues.accents[self._accents_done][0] <= accent_horizon
        ):
            accent, strength = cues.accents[self._accents_done]
            self.head.on_accent(accent, strength, frame)
            self.brows.on_accent(accent, strength, frame)
            self._accents_done += 1

    def _frame(self, i: int, *, ended: bool, available: int, events: bool = True) -> dict[str, float]:
        cues = self.cues
        if events:
            self._events(i, last=ended and i == available - 1)
        end_known = ended and i + self.lookahead >= available
        if end_known and i >= available - self._settle_frames:
            self.gazer.settle(i)
        # The clip's length when known ahead (n_frames; unless the input ends short of it): the head winds down
        # to rest (HeadMotion._settled: an ease that keeps the last nod) and the eyes stay on the lens for it.
        known_end = (
            self.n_frames if self.n_frames is not None and not (ended and available < self.n_frames) else None
        )
        gaze_yaw, gaze_pitch, shift = self.gazer.step(i, cues, known_end=known_end)
        if shift:
            self.blinker.on_gaze_shift(shift, i)
        # The head follows a look away part of the way (gaze leads, the head follows: Freedman & Sparks 1997).
        self.head.gaze_offset_yaw = self.gazer.target[0] if self.gazer.averted else 0.0
        self.head.gaze_offset_pitch = self.gazer.target[1] if self.gazer.averted else 0.0
        end = available if ended and i + self.lookahead >= available else None
        yaw, pitch, roll = self.head.step(i, cues, listening=self.listening[i], end=end, known_end=known_end)
        start_gain = self._motion_gain(i, None)
        yaw, pitch, roll = start_gain * yaw, start_gain * pitch, start_gain * roll
        gain = self._motion_gain(i, end)
        blink_left, blink_right = self.blinker.step(i, cues, end=end)
        values = self._mouth_frame(i, end, available)
        # The lip sync's rounding (not a pursing gesture's in a pause: a happy face may purse and keep its smile).
        rounding = max(
            (float(self.mouth[name][i]) for name in ROUNDING_TRACKS if name in self.mouth), default=0.0
        )
        values.update(
            headYaw=yaw, headPitch=pitch, headRoll=roll, eyeBlinkLeft=blink_left, eyeBlinkRight=blink_right
        )
        if self.options.gaze:
            dip = BLINK_GAZE_DIP_DEG * max(blink_left, blink_right)
            # Eye-in-head: the world target against the head, as the vestibulo-ocular reflex holds it, within
            # the eyes' range (the rendered face's, else the default: eyes.GAZE_LIMITS_DEG).
            limits = self.options.gaze_limits_deg or GAZE_LIMITS_DEG
            eye_yaw, eye_pitch = eye_in_head((gaze_yaw, gaze_pitch - dip), (yaw, pitch), limits)
            values.update(gazeYaw=eye_yaw, gazePitch=eye_pitch)
        else:
            values.update(gazeYaw=0.0, gazePitch=0.0)
        values.update({name: gain * weight for name, weight in self.brows.step(i, cues).items()})
        soon = any(cues.speech[k] for k in range(i, min(i + 3, len(cues.speech))))
        gestures, intensity = self.gestures.step(i, speaking=soon)
        for name, weight in gestures.items():
            values[name] = _screen(min(max(values.get(name, 0.0), 0.0), 1.0), gain * weight)
        # The emotion's intensity wanders mid-clip; at the ends it is the one asked for.
        intensity = 1.0 + (intensity - 1.0) * gain
        if self.options.expressions is not None:
            self._overlay_expression(values, i, intensity)
        smile_under_rounding(values, rounding)
        # A closing lid covers a raised one: the blink wins over eyeWide.
        values["eyeWideLeft"] *= 1.0 - blink_left
        values["eyeWideRight"] *= 1.0 - blink_right
        return values

    def _motion_gain(self, i: int, end: int | None) -> float:
        """0 at the first frame and, once the end is known, at the last; 1 between START_S and SETTLE_S."""
        gain = _smoothstep(i / self._start_frames)
        if end is not None:
            gain *= _smoothstep((end - 1 - i) / self._settle_frames)
        return gain

    def _mouth_frame(self, i: int, end: int | None, available: int) -> dict[str, float]:
        """The lip-sync tracks at frame i, weighted by _mouth_gains. Where they relax to rest at the end of a
        clip that ends in speech (cut mid-word), every track only moves towards rest: no nearer to it than at
        any frame since the relaxing began. The curves weighted by a falling tail still move on their own (a
        "p" shut, its release, an "m" after it), and their product went open-shut-open within the last frames:
        the jaw up for one frame and down (review, RD_Radio40 on the example portrait, frames 196-198, jawOpen
        0.085 -> 0.147 -> 0.023)."""
        values = self._mouth_weighted(i, end, available)
        start = self._settle_start(end)
        before = self._mouth_before
        # Only where the clip ends in speech: after the last voice the curves are the lip sync's own way to
        # rest (relax_into_pauses), and a phrase-final m or v keeps its closure into the pause. Frame i - 1 was
        # the frame emitted before this one (each frame is made once, in order; the per-frame history may be
        # forgotten already).
        if start is not None and i > start and self._last_voice is not None and self._last_voice >= start:
            for name, value in values.items():
                was = before.get(name, 0.0)
                values[name] = min(max(value, min(was, 0.0)), max(was, 0.0))
        self._mouth_before = dict(values)
        return values

    def _mouth_weighted(self, i: int, end: int | None, available: int) -> dict[str, float]:
        lead, tail = self._mouth_gains(i, end, available)
        # A lip closure before the first voice is no parted mouth (a p or m is shut before its sound): only
        # the opening tracks wait for the anticipation window.
        return {
            name: (tail if name == "mouthClose" else lead * tail) * curve[i]
            for name, curve in self.mouth.items()
        }

    def _settle_start(self, end: int | None) -> int | None:
        """The last frame before the lip-sync tracks relax to rest at the clip's end (None: end not known)."""
        if end is None:
            return None
        last = end - 1
        voice = self._last_voice if self._last_voice is not None else -1
        start = min(max(voice + 1, last - self.lookahead), last - self._mouth_min_frames)
        return max(start, last - self.lookahead)

    def _mouth_gains(self, i: int, end: int | None, available: int) -> tuple[float, float]:
        """The lip-sync curves' weights at frame i, (lead, tail): lead is 0 before the clip's first voice until
        ANTICIPATION_S ahead of it, tail relaxes from 1 to 0 after the last voice by the last frame.

        The first voice is looked for within the look-ahead only (so a stream decides as offline does); with
        none in reach the curves pass unchanged (the lip sync's own rest in a long pause, and a whisper
        without voice activity keeps its lips)."""
        lead = tail = 1.0
        first = self._first_voice
        if first is not None and i < first <= min(i + self.lookahead, available - 1):
            a = self._anticipation_frames
            lead = _smoothstep((i - (first - a)) / a)
        start = self._settle_start(end)
        if start is not None and i > start:
            tail = _smoothstep((end - 1 - i) / (end - 1 - start))
        return lead, tail

    def _overlay_expression(self, values: dict[str, float], i: int, intensity: float) -> None:
        """Lay the emotion timeline over the frame, its intensity wandering a little, keeping lip closure."""
        if not self._expression_start <= i < self._expression_end:
            # A block from this frame on: the curves are a function of each frame's time alone, so a block
            # equals the same frames of the whole clip's curves.
            block = max(int(EXPRESSION_BLOCK_S * self.fps), 1)
            self._expression = expression_curves(
                self.options.expressions, fps=self.fps, n_frames=block, first_frame=i
            )
            self._expression_start, self._expression_end = i, i + block
        close = min(max(values.get("mouthClose", 0.0), 0.0), 1.0)
        for name, curve in self._expression.items():
            weight = min(float(curve[i - self._expression_start]) * intensity, 1.0)
            if weight <= 0.0:
                continue
            if name == "jawOpen":
                # Surprise drops the jaw, but never through a bilabial closure (p, b, m).
                weight *= 1.0 - close
            values[name] = _screen(min(max(values.get(name, 0.0), 0.0), 1.0), weight)

    def _pack(self, rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
        names = list(self.mouth) + [n for n in MOTION_TRACKS if n not in self.mouth]
        if self.options.expressions is not None:
            names += [n for n in EXPRESSION_TRACKS if n not in names]
        for row in rows:
            for name in row:
                if name not in names:
                    names.append(name)
        if not rows:  # a live session's every frame asks; one shared empty array, never written to
            return dict.fromkeys(names, _NO_FRAMES)
        return {name: np.array([row.get(name, 0.0) for row in rows], dtype=np.float64) for name in names}


def smile_under_rounding(values: dict[str, float], rounding: float) -> None:
    """Lower a frame's smile (the emotion's and the gestures') by ROUNDING_OVER_SMILE of the lip sync's rounding
    (0..1, the larger of its mouthPucker and mouthFunnel), in place: the file mode's stream and a live session's
    frames (which lay the lip sync over the stream's motion) both end with this."""
    keep = 1.0 - ROUNDING_OVER_SMILE * min(max(rounding, 0.0), 1.0)
    for name in _SMILE_TRACKS:
        if name in values:
            values[name] *= keep


_NO_FRAMES = np.zeros(0)
_NO_FRAMES.flags.writeable = False


class _Checkpoint:
    """A CueTracker's state, to return to after deciding a frame on assumed input. Its attributes are
    histories (FrameHistory) that only grow (a phrase that closes replaces the last item) and numbers;
    anything else is refused, so a new kind of state in the tracker is noticed here rather than leaking an
    assumption into the stream. Nothing may be forgotten between the checkpoint and its restore."""

    def __init__(self, tracker: CueTracker) -> None:
        self.lists: dict[str, tuple[int, object]] = {}
        self.values: dict[str, object] = {}
        for name, value in vars(tracker).items():
            if isinstance(value, FrameHistory):
                self.lists[name] = value.mark()
            elif value is None or isinstance(value, (bool, int, float)):
                self.values[name] = value
            else:
                raise TypeError(f"CueTracker.{name} ({type(value).__name__}) cannot be checkpointed")

    def restore(self, tracker: CueTracker) -> None:
        for name, mark in self.lists.items():
            getattr(tracker, name).rewind(mark)
        for name, value in self.values.items():
            setattr(tracker, name, value)
