"""Brow and lid motion from speech: raises on emphasis, topic starts and questions, eyes widening with the
strongest ones, brows riding the pitch of the voice, a frown under vocal strain. Weights 0..1.

Motion stage: causal prosodic cues (cues.CueTracker) -> browInnerUp, browOuterUpLeft/Right,
browDownLeft/Right, eyeWideLeft/Right, one frame at a time under stream.MotionStream.
"""

from __future__ import annotations

import numpy as np

from dirfa.motion.cues import CueTracker, FrameHistory, Phrase
from dirfa.motion.schedule import Ahead, Draws, envelope

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
# Language and Speech 46:1); the raise holds into the pause that follows.
QUESTION_WEIGHT = (0.5, 0.75)
QUESTION_HOLD_S = 0.6
# The upper lids rise with strong raises (AU5 with AU1+2: an "eyebrow flash" widens the eyes).
WIDE_SHARE = 0.6
WIDE_MIN_WEIGHT = 0.45
# Brows ride the voice's pitch a little between raises (Cave et al. 1996): inner brows per 4 st above median.
PITCH_BROW = 0.15
# Strain: a frown (AU4) when the voice is very loud, e.g. shouting.
STRAIN_LOUDNESS = 0.85
STRAIN_WEIGHT = 0.35
# Event kinds of the brows' draws (schedule.Draws).
_ACCENT, _PHRASE_START, _PHRASE_END = range(3)


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
        if phrase.pause_before_s < TOPIC_PAUSE_S:
            return
        rng = self.draws.event(_PHRASE_START, phrase.start)
        if rng.random() < TOPIC_RAISE_PROBABILITY * self.liveliness:
            self._raise(max(phrase.start, now), float(rng.uniform(0.25, 0.5)), 0.2, 0.4, 0.4, rng)
            self.last_raise = phrase.start

    def on_phrase_end(self, phrase: Phrase, now: int) -> None:
        if phrase.question:
            rng = self.draws.event(_PHRASE_END, phrase.end if phrase.end is not None else now)
            weight = float(rng.uniform(*QUESTION_WEIGHT))
            self._raise(now, weight, 0.2, QUESTION_HOLD_S, 0.4, rng)

    def step(self, frame: int, cues: CueTracker) -> dict[str, float]:
        """The brow and lid-raise weights at `frame`."""
        ride = PITCH_BROW * min(max(cues.pitch_st[frame] / 4.0, 0.0), 1.0) * cues.activity[frame]
        inner = min(self.inner.take(frame) + ride, 1.0)
        left = min(self.outer_left.take(frame) + 0.7 * ride, 1.0)
        right = min(self.outer_right.take(frame) + 0.7 * ride, 1.0)
        wide = min(self.wide.take(frame), 1.0)
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
