"""Brow and lid motion from speech: raises on emphasis, topic starts and questions, eyes widening with the
strongest ones, brows riding the pitch of the voice, a frown under vocal strain. Weights 0..1.

Motion stage: causal prosodic cues (cues.CueTracker) -> browInnerUp, browOuterUpLeft/Right,
browDownLeft/Right, eyeWideLeft/Right, one frame at a time under stream.MotionStream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dirfa.motion.cues import CueTracker, FrameHistory, Phrase
from dirfa.motion.schedule import Ahead, Draws, envelope


@dataclass
class _QuestionRaise:
    """One question's raise: up from `onset` to `peak` (the question's end), held, down from `release`."""

    end: int  # the question's last frame (typed) or its phrase's end (heard)
    onset: int
    peak: int
    release: int
    weight: float
    outer: tuple[float, float]
    falling: bool = False


# Brow raises accompany many pitch accents and mark new topics: Flecha-Garcia (2010, Speech Communication
# 52:542) found them on ~40 % of accents in instructions dialogues, more at the start of new topics; Cave et
# al. (1996, ICSLP) found they co-occur with f0 rises; Ekman (1979) calls them "batons" of emphasis.
RAISE_PROBABILITY = 0.55  # for an accent of strength 1; proportional below
RAISE_MIN_STRENGTH = 0.4
RAISE_MIN_SPACING_S = 1.0
RAISE_WEIGHT = (0.35, 0.8)  # browInnerUp of an emphasis raise at strength 1
RAISE_TIMING_S = (0.2, 0.3, 0.35)  # rise, hold (x 0.5..1.5), fall
TOPIC_RAISE_PROBABILITY = 0.45  # a raise at a phrase that starts after a long pause
TOPIC_PAUSE_S = 0.7
# Yes/no questions end in a rise, and a brow raise is a strong visual question cue (Srinivasan & Massaro 2003,
# Language and Speech 46:1): the brows go up with the final rise, on the question's last word, and stay up into
# the pause after it, as the speaker waits; they come down as the next phrase starts, or after QUESTION_HOLD_S of
# pause if none does (a question that runs straight on into the next words lets go after QUESTION_RUN_ON_S).
# A typed question's end (dirfa.say: cues.typed_questions) is known as its audio arrives, up to QUESTION_LEAD_S
# ahead (within the stream's look-ahead), so the raise starts QUESTION_RISE_S before it and peaks on its last
# sound. A question heard in the voice (a final rise) is known only as its phrase closes, ~0.1 s before the end:
# its raise starts then and rises faster. (Before, every question's raise started at that point, peaked ~0.1 s
# after the end and held 0.6 s from there, ~0.9 s into the next sentence when one followed quickly.)
QUESTION_WEIGHT = (0.5, 0.75)
QUESTION_LEAD_S = 0.4
QUESTION_RISE_S = 0.3
QUESTION_HEARD_RISE_S = 0.15
QUESTION_HOLD_S = 0.6  # of pause after the end, at most
QUESTION_RUN_ON_S = 0.2
QUESTION_FALL_S = 0.3
# The upper lids rise with strong raises (AU5 with AU1+2: an "eyebrow flash" widens the eyes).
WIDE_SHARE = 0.6
WIDE_MIN_WEIGHT = 0.45
# Brows ride the voice's pitch a little between raises (Cave et al. 1996): inner brows per 4 st above median.
PITCH_BROW = 0.15
# Strain: a frown (AU4) when the voice is very loud, e.g. shouting.
STRAIN_LOUDNESS = 0.85
STRAIN_WEIGHT = 0.35
# Event kinds of the brows' draws (schedule.Draws).
_ACCENT, _PHRASE_START, _PHRASE_END, _QUESTION = range(4)


class BrowMotion:
    """Causal brow raises and frowns (see the module docstring)."""

    def __init__(self, fps: float, *, seed: np.random.SeedSequence, liveliness: float = 1.0) -> None:
        self.fps = float(fps)
        self.draws = Draws(seed, self.fps, variant=Draws.variant_of(float(liveliness)))
        rng = self.draws.take
        self.liveliness = float(liveliness)
        self.inner, self.outer_left, self.outer_right, self.wide = Ahead(), Ahead(), Ahead(), Ahead()
        self.last_raise = -(10**9)
        self.raises = FrameHistory()  # onsets (records: a stream drops old ones)
        self.down_right_share = float(rng.uniform(0.9, 1.0))  # the two brows frown a little unequally
        from dirfa.motion.stream import LOOKAHEAD_S  # (stream imports this module)

        # How far ahead a typed question's end is read: QUESTION_LEAD_S, within the stream's look-ahead.
        self.lead = min(
            int(round(QUESTION_LEAD_S * self.fps)), int(math.floor(LOOKAHEAD_S * self.fps + 1e-9))
        )
        self._questions: list[_QuestionRaise] = []
        self._typed_next = 0  # the first typed mark not yet read
        self._asked: list[int] = []  # typed question ends read, until their phrase's end is handed on
        self._last_start = -(10**9)  # the latest phrase start handed on

    def _raise(
        self,
        onset: int,
        weight: float,
        rise_s: float,
        hold_s: float,
        fall_s: float,
        rng: np.random.Generator,
    ) -> None:
        shape = envelope(round(rise_s * self.fps), round(hold_s * self.fps), round(fall_s * self.fps))
        # Inner and outer parts rise together (AU1 + AU2); the outer ends differ a little, as real brows do.
        self.inner.maximum(onset, weight * shape)
        self.outer_left.maximum(onset, weight * float(rng.uniform(0.6, 0.95)) * shape)
        self.outer_right.maximum(onset, weight * float(rng.uniform(0.6, 0.95)) * shape)
        if weight >= WIDE_MIN_WEIGHT:
            self.wide.maximum(onset, WIDE_SHARE * weight * shape)
        self.raises.append(onset)

    def on_accent(self, frame: int, strength: float, now: int) -> None:
        spacing = RAISE_MIN_SPACING_S / max(self.liveliness, 0.5)
        if strength < RAISE_MIN_STRENGTH or (frame - self.last_raise) / self.fps < spacing:
            return
        rng = self.draws.event(_ACCENT, frame)
        if rng.random() < min(RAISE_PROBABILITY * strength * self.liveliness, 0.95):
            rise_s, hold_s, fall_s = RAISE_TIMING_S
            weight = float(rng.uniform(*RAISE_WEIGHT)) * strength
            # The raise peaks on the accented syllable (or as soon after as it can start).
            onset = max(frame - int(round(rise_s * self.fps)), now)
            self._raise(onset, weight, rise_s, float(rng.uniform(0.5, 1.5)) * hold_s, fall_s, rng)
            self.last_raise = frame

    def on_phrase_start(self, phrase: Phrase, now: int) -> None:
        self._last_start = max(self._last_start, phrase.start)
        for question in self._questions:
            # The next phrase starts: a question's raise comes down as it does (not before its peak).
            if question.end < phrase.start and not question.falling and question.release > now:
                question.release = max(min(question.release, now), question.peak)
        spacing = RAISE_MIN_SPACING_S * self.fps
        if phrase.pause_before_s < TOPIC_PAUSE_S or any(
            0 < phrase.start - question.end < spacing for question in self._questions
        ):
            return  # (a phrase just after a question is its sequel, not a new topic)
        rng = self.draws.event(_PHRASE_START, phrase.start)
        if rng.random() < TOPIC_RAISE_PROBABILITY * self.liveliness:
            self._raise(max(phrase.start, now), float(rng.uniform(0.25, 0.5)), 0.2, 0.4, 0.4, rng)
            self.last_raise = phrase.start

    def on_phrase_end(self, phrase: Phrase, now: int) -> None:
        if not phrase.question:
            return
        end = phrase.end if phrase.end is not None else now
        # Held into the pause, unless the next phrase has started already (a catch-up hands both at once).
        hold_until = end + int(round(QUESTION_HOLD_S * self.fps))
        pause = int(round(0.25 * self.fps))
        asked = [q for q in self._asked if phrase.start <= q <= end + pause]
        self._asked = [q for q in self._asked if q > end + pause]
        if asked:
            # Typed questions already raised: one that ends this phrase holds its raise into the pause.
            for question in self._questions:
                ends_here = -pause <= end - question.end <= int(round(QUESTION_RUN_ON_S * self.fps))
                if (
                    question.end in asked
                    and ends_here
                    and self._last_start <= end
                    and not question.falling
                    and question.release > now
                ):
                    question.release = max(question.release, hold_until)
            return
        # A question heard in the voice (or a typed one whose end was not read in time): known only now.
        rng = self.draws.event(_PHRASE_END, end)
        peak = now + max(int(round(QUESTION_HEARD_RISE_S * self.fps)), 1)
        self._add_question(end, now, peak, hold_until if self._last_start <= end else peak, rng)

    def _typed_ends(self, frame: int, cues: CueTracker) -> None:
        """Raise the brows for the typed question ends (cues.typed marks) within `lead` frames of `frame`. A frame
        without a mark (NaN: its words are not known) is passed only once emitted: ahead of the input received,
        a live stream's due frame is decided on assumed input, which has none."""
        typed = cues.typed
        last = min(frame + self.lead, len(typed) - 1)
        j = max(self._typed_next, typed.offset)
        while j <= last:
            mark = typed[j]
            if mark != mark:  # NaN
                if j > frame:
                    break
            elif mark > 0.5 and not any(abs(question.end - j) <= self.lead for question in self._questions):
                onset = max(j - max(int(round(QUESTION_RISE_S * self.fps)), 1), frame)
                peak = max(j, onset + 1)
                release = j + int(round(QUESTION_RUN_ON_S * self.fps))
                self._add_question(j, onset, peak, release, self.draws.event(_QUESTION, j))
                self._asked.append(j)
            j += 1
        self._typed_next = j

    def _add_question(self, end: int, onset: int, peak: int, release: int, rng: np.random.Generator) -> None:
        weight = float(rng.uniform(*QUESTION_WEIGHT))
        outer = (weight * float(rng.uniform(0.6, 0.95)), weight * float(rng.uniform(0.6, 0.95)))
        self._questions.append(_QuestionRaise(end, onset, peak, max(release, peak), weight, outer))
        self.last_raise = max(self.last_raise, peak)

    def _question_shape(self, question: _QuestionRaise, frame: int) -> float:
        """0..1: a cosine rise from onset to peak, held, a cosine fall over QUESTION_FALL_S from release."""
        if frame < question.onset:
            return 0.0
        up = 1.0
        if frame < question.peak:
            up = 0.5 - 0.5 * math.cos(
                math.pi * (frame - question.onset + 1) / (question.peak - question.onset + 1)
            )
        if frame < question.release:
            return up
        question.falling = True
        fall = max(int(round(QUESTION_FALL_S * self.fps)), 1)
        k = min((frame - question.release + 1) / (fall + 1), 1.0)
        return up * (0.5 + 0.5 * math.cos(math.pi * k))

    def step(self, frame: int, cues: CueTracker) -> dict[str, float]:
        """The brow and lid-raise weights at `frame`."""
        self._typed_ends(frame, cues)
        raised, left, right, wide = (
            self.inner.take(frame),
            self.outer_left.take(frame),
            self.outer_right.take(frame),
            self.wide.take(frame),
        )
        fall = max(int(round(QUESTION_FALL_S * self.fps)), 1)
        for question in self._questions:
            if frame == question.onset:
                self.raises.append(frame)
            shape = self._question_shape(question, frame)
            raised = max(raised, question.weight * shape)
            left = max(left, question.outer[0] * shape)
            right = max(right, question.outer[1] * shape)
            if question.weight >= WIDE_MIN_WEIGHT:
                wide = max(wide, WIDE_SHARE * question.weight * shape)
        self._questions = [q for q in self._questions if not q.falling or frame < q.release + fall]
        ride = PITCH_BROW * min(max(cues.pitch_st[frame] / 4.0, 0.0), 1.0) * cues.activity[frame]
        inner = min(raised + ride, 1.0)
        left = min(left + 0.7 * ride, 1.0)
        right = min(right + 0.7 * ride, 1.0)
        wide = min(wide, 1.0)
        strain = min(max((cues.loudness[frame] - STRAIN_LOUDNESS) / (1.0 - STRAIN_LOUDNESS), 0.0), 1.0)
        strain = STRAIN_WEIGHT * strain * strain * (3.0 - 2.0 * strain)
        # Frowning and raising fight each other; the frown gives way where the brows are raised.
        down = strain * (1.0 - inner)
        return {
            "browInnerUp": inner,
            "browOuterUpLeft": left,
            "browOuterUpRight": right,
            "browDownLeft": down,
            "browDownRight": down * self.down_right_share,
            "eyeWideLeft": wide,
            "eyeWideRight": wide,
        }
