"""Prosodic cues for non-verbal motion: phrases, accented syllables, question rises, strain.

Motion stage, first step: turns the speech stage's per-frame prosody into events that head, eyes and brows react to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.ndimage import binary_closing, binary_opening, gaussian_filter1d, median_filter

# Pauses shorter than this do not end a phrase. Goldman-Eisler (1968) and most pause studies since treat
# silences of about 250 ms and more as real pauses; shorter gaps are stop closures and hesitations.
PHRASE_PAUSE_S = 0.25
# Voice-activity gaps shorter than this are closed, islands shorter than this are dropped (clicks, breaths).
SPEECH_GAP_S = 0.12
# Accents are at least this far apart: stressed syllables come at about 2-3 per second in English read speech.
ACCENT_SPACING_S = 0.3
# Length of the phrase-final stretch whose pitch movement decides "question" (a final rise, as in yes/no questions).
FINAL_RISE_WINDOW_S = 0.5
# A phrase ending in a rise of at least this many semitones over the final window counts as a question.
FINAL_RISE_ST = 3.0


class ProsodyLike(Protocol):
    """Per-frame prosody at the video frame rate, as the speech stage produces it. All arrays shape (n_frames,).

    energy_db: frame energy in dB (any reference); loudness: 0..1; f0_hz: fundamental frequency, 0 where
    unvoiced; voiced: bool; speech: bool voice activity.
    """

    @property
    def energy_db(self) -> np.ndarray: ...

    @property
    def loudness(self) -> np.ndarray: ...

    @property
    def f0_hz(self) -> np.ndarray: ...

    @property
    def voiced(self) -> np.ndarray: ...

    @property
    def speech(self) -> np.ndarray: ...


@dataclass(frozen=True)
class Cues:
    """Events and smoothed curves derived from prosody, all at the video frame rate.

    speech: (n,) bool voice activity with tiny gaps closed. phrases: (m, 2) int [start, end) frame ranges of
    phrases (speech separated by pauses >= PHRASE_PAUSE_S). questions: (m,) bool, phrase ends with a final f0
    rise. accents: (k,) int frames of prominent syllables; accent_strength: (k,) 0..1. pitch_st: (n,) f0 in
    semitones relative to the speaker's median, interpolated over unvoiced frames inside phrases, 0 outside.
    loudness: (n,) 0..1 smoothed over 0.3 s.
    """

    fps: float
    speech: np.ndarray
    phrases: np.ndarray
    questions: np.ndarray
    accents: np.ndarray
    accent_strength: np.ndarray
    pitch_st: np.ndarray
    loudness: np.ndarray

    @property
    def n_frames(self) -> int:
        return int(self.speech.shape[0])

    @property
    def activity(self) -> np.ndarray:
        """(n,) 0..1: how much the speaker is talking around each frame (speech smoothed over ~0.4 s)."""
        return _smooth(self.speech.astype(np.float64), sigma_s=0.4, fps=self.fps)


def conform(values: np.ndarray | None, n_frames: int, *, fill: float = 0.0) -> np.ndarray:
    """`values` as a float64 array of exactly n_frames: truncated, or padded with its last value (or `fill`).

    The speech stage and the video may disagree by a frame through rounding; motion follows the video.
    """
    array = np.zeros(0) if values is None else np.asarray(values, dtype=np.float64).reshape(-1)
    array = np.where(np.isfinite(array), array, fill)
    if array.shape[0] >= n_frames:
        return array[:n_frames].copy()
    pad_value = array[-1] if array.shape[0] else fill
    return np.concatenate([array, np.full(n_frames - array.shape[0], pad_value)])


def _smooth(values: np.ndarray, *, sigma_s: float, fps: float) -> np.ndarray:
    if values.shape[0] == 0:
        return values.astype(np.float64)
    return gaussian_filter1d(values.astype(np.float64), sigma=max(sigma_s * fps, 1e-3), mode="nearest")


def _runs(mask: np.ndarray) -> np.ndarray:
    """(m, 2) [start, end) frame ranges where `mask` is true."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges.reshape(-1, 2)


def _structure(frames: float) -> np.ndarray:
    return np.ones(max(int(round(frames)), 1), dtype=bool)


def find_cues(prosody: ProsodyLike | None, *, fps: float, n_frames: int) -> Cues:
    """Phrases, accents, question rises and loudness from per-frame prosody (None = silence throughout)."""
    n = int(n_frames)
    if prosody is None:
        speech_raw = np.zeros(n, dtype=bool)
        energy_db = np.zeros(n)
        loudness = np.zeros(n)
        f0_hz = np.zeros(n)
        voiced = np.zeros(n, dtype=bool)
    else:
        speech_raw = conform(prosody.speech, n) > 0.5
        energy_db = conform(prosody.energy_db, n)
        loudness = np.clip(conform(prosody.loudness, n), 0.0, 1.0)
        f0_hz = conform(prosody.f0_hz, n)
        voiced = (conform(prosody.voiced, n) > 0.5) & (f0_hz > 0)

    speech = speech_raw.copy()
    if n:
        gap = _structure(SPEECH_GAP_S * fps)
        # Pad before closing so that speech touching the clip's ends is not eaten by the morphology.
        speech = binary_closing(np.pad(speech, len(gap)), structure=gap)[len(gap) : len(gap) + n]
        speech = binary_opening(speech, structure=_structure(0.5 * SPEECH_GAP_S * fps))
        pause = _structure(PHRASE_PAUSE_S * fps)
        phrase_mask = binary_closing(np.pad(speech, len(pause)), structure=pause)[len(pause) : len(pause) + n]
    else:
        phrase_mask = speech
    phrases = _runs(phrase_mask)

    # Pitch in semitones about the speaker's median, so that thresholds hold for low and high voices alike.
    pitch_st = np.zeros(n)
    if voiced.any():
        median_hz = float(np.median(f0_hz[voiced]))
        raw = np.full(n, np.nan)
        raw[voiced] = 12.0 * np.log2(f0_hz[voiced] / median_hz)
        for start, end in phrases:
            segment = raw[start:end]
            known = np.flatnonzero(np.isfinite(segment))
            if not known.size:
                continue
            # Pitch trackers make octave (and fifth) errors: +-12 st spikes. Within a phrase a voice stays within
            # about an octave, so frames more than 7 st from the phrase median are dropped, then a 3-frame median
            # removes single-frame glitches.
            values = segment[known]
            keep = np.abs(values - np.median(values)) <= 7.0
            known, values = known[keep], median_filter(values[keep], size=3, mode="nearest")
            pitch_st[start:end] = np.interp(np.arange(end - start), known, values)
            voiced[start:end] &= np.isin(np.arange(end - start), known)
    pitch_smooth = _smooth(pitch_st, sigma_s=0.06, fps=fps)

    accents, strength = _find_accents(energy_db, pitch_smooth, speech, voiced, fps=fps)
    questions = np.array(
        [_final_rise_st(pitch_st, voiced, start, end, fps=fps) >= FINAL_RISE_ST for start, end in phrases],
        dtype=bool,
    )
    return Cues(
        fps=float(fps),
        speech=speech,
        phrases=phrases,
        questions=questions,
        accents=accents,
        accent_strength=strength,
        pitch_st=pitch_smooth * phrase_mask,
        loudness=_smooth(loudness, sigma_s=0.3, fps=fps),
    )


def _find_accents(
    energy_db: np.ndarray, pitch_st: np.ndarray, speech: np.ndarray, voiced: np.ndarray, *, fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Frames of prominent syllables and their strength 0..1.

    Prominence in English is carried by loudness and pitch excursion together (Terken 1991; Kochanski et al.
    2005), so the score adds energy above its 1-s local mean (per 6 dB) and pitch above its local mean
    (per 3 semitones).
    """
    n = energy_db.shape[0]
    if n < 3 or not speech.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    floor = np.percentile(energy_db[speech], 10) if speech.any() else energy_db.min()
    energy = _smooth(np.maximum(energy_db, floor), sigma_s=0.04, fps=fps)
    local_energy = _smooth(np.where(speech, energy, floor), sigma_s=1.0, fps=fps) / np.maximum(
        _smooth(speech.astype(np.float64), sigma_s=1.0, fps=fps), 1e-3
    )
    local_pitch = _smooth(pitch_st, sigma_s=1.0, fps=fps)
    score = (energy - local_energy) / 6.0 + np.maximum(pitch_st - local_pitch, 0.0) / 3.0
    score = np.where(speech & voiced, score, -1.0)
    from scipy.signal import find_peaks  # imported here: scipy.signal costs ~0.3 s to import

    peaks, props = find_peaks(score, height=0.25, distance=max(int(round(ACCENT_SPACING_S * fps)), 1))
    heights = props["peak_heights"]
    # Strength relative to the speaker's own strongest accents (their 90th percentile), so a calm reader still
    # gets a few clear nods; the floor of 1.5 keeps a monotone speaker's small peaks small.
    strength = np.clip(
        heights / max(float(np.percentile(heights, 90)) if heights.size else 1.0, 1.5), 0.0, 1.0
    )
    return peaks.astype(np.int64), strength


def _final_rise_st(pitch_st: np.ndarray, voiced: np.ndarray, start: int, end: int, *, fps: float) -> float:
    """Rise in semitones of a line fitted to the voiced pitch over the phrase's final FINAL_RISE_WINDOW_S."""
    window = max(int(round(FINAL_RISE_WINDOW_S * fps)), 3)
    frames = np.arange(max(start, end - window), end)
    frames = frames[voiced[frames]]
    if frames.size < 3:
        return 0.0
    slope = np.polyfit(frames / fps, pitch_st[frames], 1)[0]
    return float(slope * (frames[-1] - frames[0]) / fps)
