"""Prosodic cues for non-verbal motion: phrases, accented syllables, question rises, strain.

Motion stage, first step: turns the speech stage's per-frame prosody into events that head, eyes and brows react to.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from dirfa.speech.filters import binary_closing, binary_opening, gaussian_filter1d, median_filter
from dirfa.speech.prosody import Prosody

# Pauses shorter than this do not end a phrase. Goldman-Eisler (1968) and most pause studies since treat
# silences of about 250 ms and more as real pauses; shorter gaps are stop closures and hesitations.
PHRASE_PAUSE_S = 0.25
# Voice-activity gaps shorter than this are closed, islands shorter than this are dropped (clicks, breaths).
SPEECH_GAP_S = 0.12
# The time constant of the running mean of speech that is `activity` (how much of the last moments was speech).
ACTIVITY_S = 0.4
# Accents are at least this far apart: stressed syllables come at about 2-3 per second in English read speech.
ACCENT_SPACING_S = 0.3
# Length of the phrase-final stretch whose pitch movement decides "question" (a final rise, as in yes/no questions).
FINAL_RISE_WINDOW_S = 0.5
# A phrase counts as a question when its pitch rises from its lowest voiced frame in the final window to its
# end by at least FINAL_RISE_ST semitones and by at least FINAL_RISE_RANGE_SHARE of the speaker's own range
# (the 10th-90th percentile spread of their voiced pitch so far): a lively reader's continuation rises at
# commas (LibriVox: 6-6.5 st against a 7.6 st range) are their ordinary pitch movement, a synthetic voice's
# question rise (espeak-ng: 3-4.5 st against 2-4 st) is not. The rise must be consistent, not one jump (a
# pitch tracker's octave or fifth error, a new syllable starting higher): at least FINAL_RISE_RISING_SHARE of
# its frame-to-frame steps go up and no step is more than FINAL_RISE_MAX_STEP of the whole rise.
FINAL_RISE_ST = 3.0
FINAL_RISE_RANGE_SHARE = 1.0
FINAL_RISE_RISING_SHARE = 0.7
FINAL_RISE_MAX_STEP = 0.7
FINAL_RISE_MIN_FRAMES = 3  # voiced frames the rise spans (3 steps of 40 ms at 25 fps: ~0.1 s)
# Until RANGE_MIN_FRAMES voiced frames (~2 s of voice) are known the range is taken as DEFAULT_RANGE_ST, so a
# short clip's first phrase needs FINAL_RISE_ST alone (one espeak-ng question: ~1.5 s of voice).
DEFAULT_RANGE_ST = 3.0
RANGE_MIN_FRAMES = 50


class ProsodyLike(Protocol):
    """Per-frame prosody at the video frame rate, as the speech stage produces it. All arrays shape (n_frames,).

    energy_db: frame energy in dB (any reference); loudness: 0..1; f0_hz: fundamental frequency, 0 where
    unvoiced; voiced: bool; speech: bool voice activity.

    Optionally typed_question (n_frames,) float, for speech made from typed text (dirfa.say): 1 at the frame
    where a sentence typed as a question ends, 0 elsewhere in it, NaN where the words are not known. A phrase
    with typed frames is a question when a typed question ends in it, whatever the voice's pitch does (a
    synthetic voice often falls at a "?"), and never otherwise; see typed_questions().
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
    phrases (speech separated by pauses >= PHRASE_PAUSE_S). questions: (m,) bool, phrase is a typed question or
    (words unknown) ends with a final f0 rise. accents: (k,) int frames of prominent syllables; accent_strength:
    (k,) 0..1. pitch_st: (n,) f0 in semitones relative to the speaker's median, interpolated over unvoiced
    frames inside phrases, 0 outside. loudness: (n,) 0..1 smoothed over 0.3 s.
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
    typed = typed_marks(prosody, n)

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
    raw_st = np.full(n, np.nan)  # voiced frames' semitones, octave errors dropped, NaN elsewhere
    range_st = DEFAULT_RANGE_ST
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
            raw_st[start + known] = segment[known]
            voiced[start:end] &= np.isin(np.arange(end - start), known)
        if voiced.sum() >= RANGE_MIN_FRAMES:
            low, high = np.percentile(f0_hz[voiced], [10, 90])
            range_st = float(12.0 * np.log2(high / low))
    pitch_smooth = _smooth(pitch_st, sigma_s=0.06, fps=fps)

    accents, strength = _find_accents(energy_db, pitch_smooth, speech, voiced, fps=fps)
    window = max(int(round(FINAL_RISE_WINDOW_S * fps)), 3)
    pause = max(int(round(PHRASE_PAUSE_S * fps)), 1)
    questions = np.array(
        [
            _typed_or_heard(typed[start : end + pause], raw_st[max(start, end - window) : end], range_st)
            for start, end in phrases
        ],
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
    # The mean over the speech frames within ~1 s (the weights of non-speech frames left out of both sums: a
    # dB floor counted in the numerator only made the first and last words of a clip or phrase its "accents").
    local_energy = _smooth(np.where(speech, energy, 0.0), sigma_s=1.0, fps=fps) / np.maximum(
        _smooth(speech.astype(np.float64), sigma_s=1.0, fps=fps), 1e-3
    )
    local_pitch = _smooth(pitch_st, sigma_s=1.0, fps=fps)
    score = (energy - local_energy) / 6.0 + np.maximum(pitch_st - local_pitch, 0.0) / 3.0
    score = np.where(speech & voiced, score, -1.0)
    peaks = _peaks(score, height=0.25, distance=max(int(round(ACCENT_SPACING_S * fps)), 1))
    heights = score[peaks]
    # Strength relative to the speaker's own strongest accents (their 90th percentile), so a calm reader still
    # gets a few clear nods; the floor of 1.5 keeps a monotone speaker's small peaks small.
    strength = np.clip(
        heights / max(float(np.percentile(heights, 90)) if heights.size else 1.0, 1.5), 0.0, 1.0
    )
    return peaks.astype(np.int64), strength


def _peaks(x: np.ndarray, *, height: float, distance: int) -> np.ndarray:
    """Indices of the local maxima of `x` at least `height` high and `distance` frames apart, the higher
    kept first: what scipy.signal.find_peaks(x, height=, distance=) returns (a flat top counts once, at its
    middle), without importing scipy.signal (~1.4 s, before `dirfa say`'s first frame)."""
    n = x.shape[0]
    found = []
    i = 1
    while i < n - 1:
        if x[i - 1] < x[i]:
            ahead = i + 1
            while ahead < n - 1 and x[ahead] == x[i]:
                ahead += 1
            if x[ahead] < x[i]:
                found.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    peaks = np.array(found, dtype=np.int64)
    peaks = peaks[x[peaks] >= height] if peaks.size else peaks
    keep = np.ones(peaks.shape[0], dtype=bool)
    for j in np.argsort(x[peaks])[::-1]:  # highest first; a kept peak removes its lower neighbours
        if not keep[j]:
            continue
        k = j - 1
        while k >= 0 and peaks[j] - peaks[k] < distance:
            keep[k] = False
            k -= 1
        k = j + 1
        while k < peaks.shape[0] and peaks[k] - peaks[j] < distance:
            keep[k] = False
            k += 1
    return peaks[keep]


def typed_marks(prosody: ProsodyLike | None, n_frames: int) -> np.ndarray:
    """The prosody's typed_question marks as (n_frames,) float (see ProsodyLike): NaN where absent, cut or
    padded with NaN (a missing frame is one whose words are not known, never a repeated question end)."""
    marks = np.full(int(n_frames), np.nan)
    given = getattr(prosody, "typed_question", None)
    if given is not None:
        given = np.asarray(given, dtype=np.float64).reshape(-1)[: marks.shape[0]]
        marks[: given.shape[0]] = given
    return marks


def typed_questions(prosody: Prosody, question_ends_s: Sequence[float], *, n_frames: int) -> TypedProsody:
    """`prosody` of speech made from typed text, carrying the text's questions: typed_question is 1 at the
    frames where a sentence typed as a question ends (its last sound, question_ends_s in seconds), 0 elsewhere.
    The cues then flag a phrase as a question from the text (see ProsodyLike), not from the voice's pitch."""
    marks = np.zeros(int(n_frames))
    for end_s in question_ends_s:
        if marks.shape[0]:
            # The frame holding the sound's last moment (an end exactly on a frame edge is the frame before).
            frame = int(math.ceil(end_s * prosody.fps - 1e-6)) - 1
            marks[min(max(frame, 0), marks.shape[0] - 1)] = 1.0
    values = {field.name: getattr(prosody, field.name) for field in dataclasses.fields(Prosody)}
    return TypedProsody(**values, typed_question=marks)


@dataclass(frozen=True)
class TypedProsody(Prosody):
    """Prosody of speech made from typed text, with its typed_question marks (see ProsodyLike)."""

    typed_question: np.ndarray | None = None


def _typed_or_heard(marks: np.ndarray, final_st: np.ndarray, range_st: float) -> bool:
    """Whether a phrase is a question: from its typed marks (its frames and the pause after it) when its words
    are known, else from the final rise of its voiced pitch (final_st: semitones of the final window's frames,
    NaN where unvoiced) against the speaker's range."""
    known = marks[np.isfinite(marks)]
    if known.size:
        return bool((known > 0.5).any())
    return _is_final_rise(final_st[np.isfinite(final_st)], range_st)


def _is_final_rise(semitones: np.ndarray, range_st: float) -> bool:
    """Whether voiced pitch (semitones, in time order) ends in a question rise (see FINAL_RISE_ST)."""
    return _consistent_rise_st(semitones) >= max(FINAL_RISE_ST, FINAL_RISE_RANGE_SHARE * range_st)


def _consistent_rise_st(semitones: np.ndarray) -> float:
    """Rise in semitones from the lowest frame to the end (the mean of the last two frames), 0 when it is not a
    consistent rise: fewer than FINAL_RISE_MIN_FRAMES, too few rising steps or one step carrying the most."""
    if semitones.shape[0] < FINAL_RISE_MIN_FRAMES:
        return 0.0
    stretch = semitones[int(np.argmin(semitones)) :]
    if stretch.shape[0] < FINAL_RISE_MIN_FRAMES:
        return 0.0
    rise = float(np.mean(stretch[-2:]) - stretch[0])
    steps = np.diff(stretch)
    if (
        rise <= 0.0
        or np.mean(steps > 0.0) < FINAL_RISE_RISING_SHARE
        or steps.max() > FINAL_RISE_MAX_STEP * rise
    ):
        return 0.0
    return rise


# --- causal cues -------------------------------------------------------------------------------------------
# The streaming counterpart of find_cues: every cue of frame j is decided from the prosody of frames up to
# j + its delay (a few tenths of a second), so a live session and an offline clip see the same events.
# How far after an accent candidate a higher peak is looked for (see CueTracker.accent_reach). Each frame past
# half the accent spacing delays the accents' hand-over, so the nods' apex, by a frame (a stream's events come
# at most LOOKAHEAD_S ahead): on 43 clips 0.16 s matches 0.69 of find_cues' accents, 0.2 s 0.72 (apex ~40 ms
# later), 0.24 s 0.74 (~80 ms later: the nods then land after their syllables).
ACCENT_REACH_S = 0.2
ACCENT_MIN_SCORE = 0.25  # prominence score (see _find_accents) a peak needs to count as an accent
# Time constant of the running means that prominence is measured against. find_cues measures against a 1-s
# Gaussian on both sides; a running mean sees only the past, and over 43 clips (say voices, LibriVox, radio,
# other languages) 2 s picks its accents best (matched within 2 frames, 0.28 s reach: 0.68 at 1 s, 0.74 at 2 s).
LOCAL_MEAN_S = 2.0
PITCH_SMOOTH_S = 0.08  # time constant of the running pitch smoothing


# The tracker's own reach back, in frames past the one it decides next (see CueTracker.forget): speech[j] reads
# raw speech SPEECH_GAP_S back, in_phrase[j] reads speech PHRASE_PAUSE_S back, a phrase's question rise reads
# pitch and voicing FINAL_RISE_WINDOW_S back from its end, an accent reads the score ACCENT_SPACING_S / 2 back.
# Statistics over the whole voice so far are taken over a bounded recent stretch instead, so that an endless
# session neither stores nor re-sorts its every frame:
# the speaker's median f0 over their last PITCH_REFERENCE_S of voiced speech (a voice's register is
# established within seconds; ten minutes covers a long monologue, so a file clip shorter than that is
# unchanged), and accent strength against the last ACCENT_REFERENCE_COUNT accents (~2.5 per second of speech:
# several minutes of it).
PITCH_REFERENCE_S = 600.0
ACCENT_REFERENCE_COUNT = 1000
# Until ACCENT_PRIOR_COUNT accents are known, the strength reference counts prior accents of ACCENT_PRIOR_HEIGHT
# in their place: the median over 50 clips (say voices, LibriVox, radio, other languages) of a clip's 90th
# percentile accent height, so the first accent of a take is not its strongest by definition.
ACCENT_PRIOR_HEIGHT = 2.2
ACCENT_PRIOR_COUNT = 5


class FrameHistory:
    """A list indexed by absolute position that can forget its oldest items: len() counts every item ever
    appended, `forget(before)` drops the items before `before`, and reading a forgotten item raises
    IndexError (a reader reaching further back than its bound is a bug found at once, not a silent change).

    Supports what the cue tracker and the motion stream use: [i], [-1], [a:b] with a, b >= 0, append,
    extend and +=, `del h[n:]` and `h[-1] = v` (checkpoints), len(), bool()."""

    __slots__ = ("_items", "offset")

    def __init__(self, items: list | None = None, offset: int = 0) -> None:
        self._items = [] if items is None else items
        self.offset = int(offset)  # absolute index of _items[0]

    def __len__(self) -> int:
        return self.offset + len(self._items)

    def _local(self, index: int) -> int:
        if index < 0:
            return index
        if index < self.offset:
            raise IndexError(f"frame {index} was forgotten (history kept from {self.offset})")
        return index - self.offset

    def __getitem__(self, index):
        if index.__class__ is int:  # the per-frame path first: this is read a few dozen times a frame
            if index >= self.offset:
                return self._items[index - self.offset]
            return self._items[self._local(index)]
        if isinstance(index, slice):
            if index.step is not None or (index.start or 0) < 0 or (index.stop or 0) < 0:
                raise IndexError("FrameHistory slices take absolute, non-negative bounds and no step")
            start = self._local(self.offset if index.start is None else index.start)
            stop = None if index.stop is None else max(index.stop - self.offset, start)
            return self._items[start:stop]
        return self._items[self._local(index)]

    def __setitem__(self, index: int, value) -> None:
        self._items[self._local(index)] = value

    def __delitem__(self, index: slice) -> None:
        if not isinstance(index, slice) or index.stop is not None or index.step is not None:
            raise TypeError("FrameHistory deletes only a tail (del h[n:])")
        del self._items[self._local(index.start) :]

    def __iter__(self):
        if self.offset:
            raise TypeError(f"history before {self.offset} was forgotten: it cannot be iterated from frame 0")
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrameHistory):
            return self.offset == other.offset and self._items == other._items
        return not self.offset and self._items == other

    def append(self, value) -> None:
        self._items.append(value)

    def extend(self, values) -> None:
        self._items.extend(values)

    def __iadd__(self, values) -> FrameHistory:
        self._items.extend(values)
        return self

    def mark(self) -> tuple[int, object]:
        """Where the history ends now, to `rewind` to (its length and last item: a phrase that closes
        replaces the last item)."""
        items = self._items
        return len(items), items[-1] if items else None

    def rewind(self, mark: tuple[int, object]) -> None:
        """Back to `mark`: the items appended since dropped, the last item as it was."""
        length, last = mark
        items = self._items
        del items[length:]
        if length:
            items[-1] = last

    def true_at(self, index: int) -> bool:
        """Whether item `index` exists and is true (one call: the speech closing reads it ~40 times a frame)."""
        if index < 0:
            return False
        local = index - self.offset
        if local < 0:
            self._local(index)  # raises: forgotten
        items = self._items
        return local < len(items) and bool(items[local])

    def tail(self, count: int) -> list:
        """The last `count` items (fewer if fewer are kept)."""
        return self._items[-count:] if count > 0 else []

    def forget(self, before: int) -> None:
        """Drop the items before absolute index `before` (the last item is always kept)."""
        drop = min(before - self.offset, len(self._items) - 1)
        if drop > 0:
            del self._items[:drop]
            self.offset += drop


@dataclass(frozen=True)
class Phrase:
    """One stretch of speech: frames [start, end) (end is None while it lasts), the pause before it, and
    whether it ended in a question rise."""

    start: int
    end: int | None
    pause_before_s: float
    question: bool = False


class CueTracker:
    """Prosodic events, decided causally with a fixed delay per cue (all within the motion look-ahead).

    Feed it per-frame prosody with `extend`; `advance(available, ended)` decides every cue it can. Results:
    speech[j] (gaps under SPEECH_GAP_S closed), in_phrase[j] (pauses under PHRASE_PAUSE_S closed), accents
    (frame, strength 0..1), phrase start/end events, pitch_st[j] (semitones about the running median f0,
    held over unvoiced frames), activity[j] and loudness[j] (running means).
    """

    def __init__(self, fps: float) -> None:
        self.fps = float(fps)
        self.gap = max(int(round(SPEECH_GAP_S * fps)), 1)
        self.pause = max(int(round(PHRASE_PAUSE_S * fps)), 1)
        self.half_spacing = max(int(round(0.5 * ACCENT_SPACING_S * fps)), 1)
        # An accent candidate is compared with the scores up to ACCENT_REACH_S after it: a higher one there takes
        # the accent instead, as find_cues keeps the higher of two peaks closer than the spacing (compared over
        # half the spacing only, an earlier lower peak took it: 49 of find_cues' 317 accents on 43 clips).
        self.accent_reach = max(int(round(ACCENT_REACH_S * fps)), self.half_spacing)
        self.phrase_delay = self.gap + self.pause
        self.accent_delay = self.gap + self.accent_reach + 1
        # Running-mean weights per frame: exp(-1 / (tau * fps)).
        self._a_local = math.exp(-1.0 / (LOCAL_MEAN_S * fps))
        self._a_pitch = math.exp(-1.0 / (PITCH_SMOOTH_S * fps))
        self._a_activity = math.exp(-1.0 / (ACTIVITY_S * fps))
        self._a_loud = math.exp(-1.0 / (0.3 * fps))
        self.rise_window = max(int(round(FINAL_RISE_WINDOW_S * fps)), 3)
        self.pitch_reference = max(int(round(PITCH_REFERENCE_S * fps)), 1)
        # Per-frame inputs and cues, and the event lists, by absolute frame (event) number; see forget().
        self.raw_speech = FrameHistory()
        self.energy_db = FrameHistory()
        self.loud_in = FrameHistory()
        self.f0_hz = FrameHistory()
        self.voiced_in = FrameHistory()
        self.speech = FrameHistory()
        self.in_phrase = FrameHistory()
        self.pitch_st = FrameHistory()
        self.pitch_raw = FrameHistory()  # voiced frames' semitones about the running median (NaN: none)
        # the speaker's range in semitones at each frame (FINAL_RISE_RANGE_SHARE)
        self.pitch_range = FrameHistory()
        self.typed = FrameHistory()  # typed_question marks (NaN: words not known)
        self.activity = FrameHistory()
        self.loudness = FrameHistory()
        self.score = FrameHistory()
        self.accents = FrameHistory()  # (frame, strength 0..1)
        self.phrases = FrameHistory()  # Phrase
        self._voiced_f0 = FrameHistory()
        self._median_hz = 0.0
        self._range_st = DEFAULT_RANGE_ST
        self._typed_known = False  # the open phrase has frames with typed marks
        self._typed_asked = False  # and a typed question ends in it
        self._pitch_state = 0.0
        self._activity_state = 0.0
        self._loud_state = 0.0
        # The running mean of the speech's energy as a weighted sum and its total weight, so that it is the mean of
        # the speech frames so far from the first one on (not pulled down for seconds by a silent start).
        self._energy_sum = 0.0
        self._energy_weight = 0.0
        self._local_pitch = 0.0
        self._accent_checked = 0
        self._heights = FrameHistory()
        self._last_accent = -(10**9)
        self._last_end = 0

    @property
    def n_received(self) -> int:
        return len(self.raw_speech)

    def extend(self, prosody: ProsodyLike | None, n_frames: int) -> None:
        """Append n_frames of prosody (None = silence)."""
        if n_frames <= 0:
            return
        if prosody is None:
            self.raw_speech += [False] * n_frames
            self.energy_db += [-90.0] * n_frames
            self.loud_in += [0.0] * n_frames
            self.f0_hz += [0.0] * n_frames
            self.voiced_in += [False] * n_frames
            self.typed += [math.nan] * n_frames
            return
        f0 = conform(prosody.f0_hz, n_frames)
        self.raw_speech += (conform(prosody.speech, n_frames) > 0.5).tolist()
        self.energy_db += conform(prosody.energy_db, n_frames, fill=-90.0).tolist()
        self.loud_in += np.clip(conform(prosody.loudness, n_frames), 0.0, 1.0).tolist()
        self.f0_hz += f0.tolist()
        self.voiced_in += ((conform(prosody.voiced, n_frames) > 0.5) & (f0 > 0)).tolist()
        self.typed += typed_marks(prosody, n_frames).tolist()

    def _raw(self, j: int) -> bool:
        return self.raw_speech.true_at(j)

    def _closed(self, j: int) -> bool:
        return self.speech.true_at(j)

    def advance(self, available: int, ended: bool) -> None:
        """Decide every cue whose delay has passed: data is known for frames < available; `ended` says the
        input stops there (then frames past it count as silence and everything is decided)."""
        limit = available if ended else -1
        # speech with short gaps closed, and the running curves that hang on it
        stop = available if ended else available - self.gap
        for j in range(len(self.speech), max(stop, 0)):
            closed = self._raw(j) or (
                any(self._raw(k) for k in range(j - self.gap, j))
                and any(self._raw(k) for k in range(j + 1, j + self.gap + 1))
            )
            self.speech.append(bool(closed))
            self._step_running(j)
        # phrases: pauses shorter than PHRASE_PAUSE_S closed
        stop = available if ended else available - self.phrase_delay
        for j in range(len(self.in_phrase), max(stop, 0)):
            inside = self._closed(j) or (
                any(self._closed(k) for k in range(j - self.pause, j))
                and any(self._closed(k) for k in range(j + 1, j + self.pause + 1))
            )
            self._phrase_step(j, bool(inside))
        if ended and limit >= 0 and self.phrases and self.phrases[-1].end is None:
            self._close_phrase(limit)
        # accents: local maxima of the prominence score, decided half an accent spacing later
        stop = available if ended else available - self.accent_delay
        for j in range(self._accent_checked, max(min(stop, len(self.score)), 0)):
            self._accent_step(j)
            self._accent_checked = j + 1

    def _step_running(self, j: int) -> None:
        speaking = self.speech[j]
        self._activity_state = self._a_activity * self._activity_state + (1 - self._a_activity) * speaking
        self.activity.append(self._activity_state)
        loud = self.loud_in[j] if speaking else 0.0
        self._loud_state = self._a_loud * self._loud_state + (1 - self._a_loud) * loud
        self.loudness.append(self._loud_state)
        # Pitch in semitones about the running median of the voice so far (octave errors over 7 st dropped).
        f0 = self.f0_hz[j]
        voiced = self.voiced_in[j] and f0 > 0 and speaking
        raw = math.nan
        if voiced:
            if not self._voiced_f0 or len(self._voiced_f0) % 10 == 0:
                recent = self._voiced_f0.tail(self.pitch_reference) + [f0]
                self._median_hz = float(np.median(recent))
                if len(recent) >= RANGE_MIN_FRAMES:
                    low, high = np.percentile(recent, [10, 90])
                    self._range_st = float(12.0 * math.log2(high / low))
            semitones = 12.0 * math.log2(f0 / self._median_hz)
            if abs(semitones) <= 7.0:
                self._voiced_f0.append(f0)
                self._pitch_state = self._a_pitch * self._pitch_state + (1 - self._a_pitch) * semitones
                raw = semitones
            else:
                voiced = False
        elif not speaking:
            self._pitch_state *= self._a_pitch
        self.pitch_st.append(self._pitch_state)
        self.pitch_raw.append(raw)
        self.pitch_range.append(self._range_st)
        # Prominence: energy above its running mean (per 6 dB) plus pitch above its running mean (per 3 st).
        # The energy over three frames (1/4, 1/2, 1/4: find_cues' 40 ms Gaussian); the next one is known, as the
        # speech closing has read SPEECH_GAP_S past this frame (or the input has ended: this frame again).
        energy_db = self.energy_db
        after = energy_db[j + 1] if j + 1 < len(energy_db) else energy_db[j]
        before = energy_db[j - 1] if j > 0 else energy_db[j]
        energy = max(0.25 * before + 0.5 * energy_db[j] + 0.25 * after, -90.0)
        if speaking:
            weight = self._energy_weight
            local_energy = self._energy_sum / weight if weight > 0.0 else energy
            score = (energy - local_energy) / 6.0 + max(self._pitch_state - self._local_pitch, 0.0) / 3.0
            self._energy_sum = self._a_local * self._energy_sum + (1 - self._a_local) * energy
            self._energy_weight = self._a_local * weight + (1 - self._a_local)
            self._local_pitch = self._a_local * self._local_pitch + (1 - self._a_local) * self._pitch_state
        else:
            score = -1.0
        self.score.append(score if voiced else -1.0)

    def _accent_step(self, j: int) -> None:
        score = self.score[j]
        if score < ACCENT_MIN_SCORE or j - self._last_accent < 2 * self.half_spacing:
            return
        window = self.score[max(j - self.half_spacing, 0) : j + self.half_spacing + 1]
        if score < max(window):
            return
        ahead = self.score[j + self.half_spacing + 1 : j + self.accent_reach + 1]
        if ahead and score < max(ahead):
            return  # a higher peak follows within the spacing: it is the accent (decided when reached)
        self._heights.append(score)
        # Strength against the speaker's own strong accents so far (90th percentile, at least 1.5), the first few
        # joined by prior ones of a typical height (see ACCENT_PRIOR_HEIGHT).
        heights = self._heights.tail(ACCENT_REFERENCE_COUNT)
        heights += [ACCENT_PRIOR_HEIGHT] * (ACCENT_PRIOR_COUNT - len(heights))
        reference = max(float(np.percentile(heights, 90)), 1.5)
        self.accents.append((j, float(min(score / reference, 1.0))))
        self._last_accent = j

    def _phrase_step(self, j: int, inside: bool) -> None:
        before = self.in_phrase[-1] if self.in_phrase else False
        self.in_phrase.append(inside)
        if inside and not before:
            pause = (j - self._last_end) / self.fps if self.phrases else j / self.fps + 1.0
            self.phrases.append(Phrase(j, None, pause))
            self._typed_known = self._typed_asked = False
        elif before and not inside:
            self._close_phrase(j)
        if inside:
            self._take_mark(j)

    def _take_mark(self, j: int) -> None:
        mark = self.typed[j] if j < len(self.typed) else math.nan
        if mark == mark:  # not NaN
            self._typed_known = True
            self._typed_asked = self._typed_asked or mark > 0.5

    def _close_phrase(self, end: int) -> None:
        last = self.phrases[-1]
        # Typed marks in the pause after the phrase count too (the voice's last sound may outlast its activity);
        # they are received when the phrase closes (PHRASE_PAUSE_S after it, the phrase delay).
        for k in range(end, min(end + self.pause, len(self.typed))):
            self._take_mark(k)
        if self._typed_known:
            question = self._typed_asked
        else:
            question = self._final_rise(last.start, end)
        self.phrases[-1] = Phrase(last.start, end, last.pause_before_s, question)
        self._last_end = end

    def _final_rise(self, start: int, end: int) -> bool:
        """Whether the phrase's voiced pitch ends in a question rise against the speaker's range at its end."""
        stop = min(end, len(self.pitch_raw))
        values = np.array([self.pitch_raw[k] for k in range(max(start, end - self.rise_window), stop)])
        if not values.size:
            return False
        return _is_final_rise(values[np.isfinite(values)], self.pitch_range[stop - 1])

    def forget(self, before: int, *, events_done: tuple[int, int]) -> None:
        """Drop what no later decision reads: per-frame history before `before` (the first frame its reader
        has not yet taken) less each cue's own reach back (see PITCH_REFERENCE_S above), and the accents and
        phrases before events_done = (accents handed on, phrases ended)."""
        speech_next, phrase_next = len(self.speech), len(self.in_phrase)
        self.raw_speech.forget(speech_next - self.gap)
        self.energy_db.forget(speech_next - 1)  # the prominence's energy reads a frame back
        for values in (self.loud_in, self.f0_hz):
            values.forget(speech_next)
        self.voiced_in.forget(min(speech_next, phrase_next - self.rise_window))
        self.speech.forget(min(before, phrase_next - self.pause))
        self.in_phrase.forget(min(before, phrase_next - 1))
        self.pitch_st.forget(min(before, phrase_next - self.rise_window))
        self.pitch_raw.forget(phrase_next - self.rise_window)
        self.pitch_range.forget(phrase_next - self.rise_window)
        self.typed.forget(min(phrase_next, before))  # (the brows read typed question ends ahead of `before`)
        self.activity.forget(before)
        self.loudness.forget(before)
        self.score.forget(self._accent_checked - self.half_spacing)
        self.accents.forget(events_done[0])
        self.phrases.forget(events_done[1])
        self._voiced_f0.forget(len(self._voiced_f0) - self.pitch_reference)
        self._heights.forget(len(self._heights) - ACCENT_REFERENCE_COUNT)
