"""Brow motion from speech: raises on emphasis and questions, a frown under vocal strain. Weights 0..1.

Motion stage: prosodic cues (cues.py) -> browInnerUp, browOuterUpLeft/Right, browDownLeft/Right for generate.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dirfa.motion.cues import Cues

# Brow raises accompany some pitch accents, not all: Flecha-Garcia (2010, Speech Communication 52:542) found
# them on a minority of accents, mostly at the start of new topics; Cave et al. (1996, ICSLP) found they
# co-occur with f0 rises. So only strong accents may raise the brows, each with a probability.
RAISE_PROBABILITY = 0.35  # for an accent of strength 1; proportional below
RAISE_MIN_STRENGTH = 0.5
RAISE_MIN_SPACING_S = 1.5  # raises are sparse: no two closer than this
RAISE_WEIGHT = (0.15, 0.35)  # browInnerUp range for an emphasis raise
RAISE_TIMING_S = (0.15, 0.25, 0.35)  # rise, hold, fall
# Yes/no questions end in a rise, and a brow raise is a strong visual question cue (Srinivasan & Massaro 2003,
# Language and Speech 46:1).
QUESTION_WEIGHT = 0.4
QUESTION_LEAD_S = 0.6  # the raise starts this long before the phrase ends and holds into the pause
# Strain: a frown (AU4) when the voice is very loud, e.g. shouting; loudness above this starts it.
STRAIN_LOUDNESS = 0.85
STRAIN_WEIGHT = 0.35


@dataclass(frozen=True)
class BrowMotion:
    """Brow weights 0..1, each (n_frames,)."""

    inner_up: np.ndarray
    outer_up_left: np.ndarray
    outer_up_right: np.ndarray
    down_left: np.ndarray
    down_right: np.ndarray


def _envelope(n: int, onset: int, rise: int, hold: int, fall: int) -> np.ndarray:
    """0..1 with a cosine rise, a hold and a cosine fall, starting at frame `onset`."""
    envelope = np.zeros(n)
    frames = np.arange(n) - onset
    up = (frames >= 0) & (frames < rise)
    envelope[up] = 0.5 - 0.5 * np.cos(np.pi * (frames[up] + 1) / (rise + 1))
    envelope[(frames >= rise) & (frames < rise + hold)] = 1.0
    down = (frames >= rise + hold) & (frames < rise + hold + fall)
    envelope[down] = 0.5 + 0.5 * np.cos(np.pi * (frames[down] - rise - hold + 1) / (fall + 1))
    return envelope


def brows(cues: Cues, *, rng: np.random.Generator) -> BrowMotion:
    """Sparse, smooth brow raises and strain frowns for the clip."""
    n, fps = cues.n_frames, cues.fps
    inner, outer_left, outer_right = np.zeros(n), np.zeros(n), np.zeros(n)

    def raise_at(onset: int, weight: float, rise_s: float, hold_s: float, fall_s: float) -> None:
        envelope = _envelope(
            n,
            onset,
            max(int(round(rise_s * fps)), 1),
            max(int(round(hold_s * fps)), 0),
            max(int(round(fall_s * fps)), 1),
        )
        # Inner and outer parts rise together (AU1 + AU2); outer sides differ a little, as real brows do.
        np.maximum(inner, weight * envelope, out=inner)
        np.maximum(outer_left, weight * rng.uniform(0.6, 0.9) * envelope, out=outer_left)
        np.maximum(outer_right, weight * rng.uniform(0.6, 0.9) * envelope, out=outer_right)

    last_raise = -np.inf
    rise_s, hold_s, fall_s = RAISE_TIMING_S
    for frame, strength in zip(cues.accents.tolist(), cues.accent_strength.tolist()):
        if strength < RAISE_MIN_STRENGTH or (frame - last_raise) / fps < RAISE_MIN_SPACING_S:
            continue
        if rng.random() < RAISE_PROBABILITY * strength:
            weight = rng.uniform(*RAISE_WEIGHT) * strength
            # The raise peaks on the accented syllable.
            raise_at(frame - int(round(rise_s * fps)), weight, rise_s, rng.uniform(0.5, 1.5) * hold_s, fall_s)
            last_raise = frame

    for (_start, end), question in zip(cues.phrases.tolist(), cues.questions.tolist()):
        if question:
            onset = end - int(round(QUESTION_LEAD_S * fps))
            raise_at(onset, QUESTION_WEIGHT * rng.uniform(0.8, 1.1), 0.25, QUESTION_LEAD_S + 0.3, 0.4)

    strain = np.clip((cues.loudness - STRAIN_LOUDNESS) / (1.0 - STRAIN_LOUDNESS), 0.0, 1.0)
    strain = STRAIN_WEIGHT * strain * strain * (3.0 - 2.0 * strain)  # smoothstep: no kink at the threshold
    # Frowning and raising fight each other; the frown gives way where the brows are raised.
    down = strain * (1.0 - inner)
    return BrowMotion(inner, outer_left, outer_right, down.copy(), down * rng.uniform(0.9, 1.0))
