"""Emotional expressions: presets over ARKit tracks, timelines of them, and their per-frame curves.

Motion stage: a user's --emotion (or one guessed from prosody) -> weight curves that generate.py lays over lip sync.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dirfa.errors import InputError

if TYPE_CHECKING:
    from dirfa.motion.cues import Cues, ProsodyLike

# Track weights at intensity 1, from the FACS action units of the prototypical expressions (Ekman & Friesen
# 1978; EMFACS): happy AU6+12, sad AU1+4+15, angry AU4+5/7+23, surprised AU1+2+5+26. Weights stay well below 1
# so that intensity 1 reads clearly without caricature and lip sync keeps room to work.
PRESETS: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {
        "mouthSmileLeft": 0.8,
        "mouthSmileRight": 0.8,
        "cheekSquintLeft": 0.8,
        "cheekSquintRight": 0.8,
        "eyeSquintLeft": 0.3,
        "eyeSquintRight": 0.3,
    },
    "sad": {
        "mouthFrownLeft": 0.7,
        "mouthFrownRight": 0.7,
        "browInnerUp": 0.8,
        "browDownLeft": 0.15,
        "browDownRight": 0.15,
    },
    "angry": {
        "browDownLeft": 0.9,
        "browDownRight": 0.9,
        "eyeSquintLeft": 0.35,
        "eyeSquintRight": 0.35,
        "mouthFrownLeft": 0.25,
        "mouthFrownRight": 0.25,
    },
    "surprised": {
        "browInnerUp": 0.6,
        "browOuterUpLeft": 0.7,
        "browOuterUpRight": 0.7,
        "eyeWideLeft": 0.6,
        "eyeWideRight": 0.6,
        "jawOpen": 0.12,
    },
}
EMOTIONS = tuple(PRESETS)
EXPRESSION_TRACKS = tuple(sorted({name for preset in PRESETS.values() for name in preset}))
DEFAULT_INTENSITY = 1.0
MAX_KEYS = 10_000
MAX_TIMELINE_BYTES = 1_000_000

_EMOTION_FORM = (
    f"use EMOTION or EMOTION:INTENSITY, e.g. happy:0.7 (emotions: {', '.join(EMOTIONS)}; intensity 0..1)"
)
_TIMELINE_FORM = (
    "use TIME:EMOTION[:INTENSITY],... with times in seconds, e.g. 0:neutral,2.5:happy:0.8,4:sad:0.5"
)


@dataclass(frozen=True)
class ExpressionTimeline:
    """Emotion keys: (time_s, emotion, intensity 0..1), times ascending from 0.

    At each key time the face shows exactly that emotion; it holds it until the next key and eases into the
    next one over the transition time before it. Before the first key the face is neutral, so a single key at
    t=0 sets the whole clip.
    """

    keys: tuple[tuple[float, str, float], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise InputError("emotion timeline is empty — give at least one key, e.g. 0:happy")
        if len(self.keys) > MAX_KEYS:
            raise InputError(f"emotion timeline has {len(self.keys)} keys — at most {MAX_KEYS} are allowed")
        keys = []
        previous = -math.inf
        for key in self.keys:
            if not isinstance(key, tuple) or len(key) != 3:
                raise InputError(f"emotion key {key!r} is not (time_s, emotion, intensity)")
            try:
                time_s, emotion, intensity = float(key[0]), str(key[1]).strip().lower(), float(key[2])
            except (TypeError, ValueError):
                raise InputError(f"emotion key {key!r} is not (time_s, emotion, intensity)") from None
            if not math.isfinite(time_s) or time_s < 0:
                raise InputError(f"emotion key time {key[0]} is not a time in seconds >= 0")
            if time_s <= previous:
                raise InputError(f"emotion key times must increase, but {time_s:g} s follows {previous:g} s")
            if emotion not in PRESETS:
                raise InputError(f"unknown emotion '{key[1]}' — use one of {', '.join(EMOTIONS)}")
            if not (0.0 <= intensity <= 1.0):
                raise InputError(f"emotion intensity {key[2]} is out of range — use a number from 0 to 1")
            keys.append((time_s, emotion, intensity))
            previous = time_s
        object.__setattr__(self, "keys", tuple(keys))


def _number(text: str, what: str, form: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"'{text}' is not a number for the {what} — {form}") from None
    if not math.isfinite(value):
        raise InputError(f"'{text}' is not a finite number for the {what} — {form}")
    return value


def _emotion_and_intensity(parts: list[str], form: str) -> tuple[str, float]:
    emotion = parts[0].strip().lower()
    if emotion not in PRESETS:
        raise InputError(f"unknown emotion '{parts[0].strip()}' — {form}")
    intensity = _number(parts[1].strip(), "intensity", form) if len(parts) == 2 else DEFAULT_INTENSITY
    if not (0.0 <= intensity <= 1.0):
        raise InputError(f"emotion intensity {intensity:g} is out of range — {form}")
    return emotion, intensity


def parse_emotion(text: str) -> ExpressionTimeline:
    """One emotion for the whole clip: "happy" or "happy:0.7" (intensity 0..1, default 1).

    "auto" is not handled here: it needs the speech, see auto_timeline().
    """
    parts = str(text).split(":")
    if not str(text).strip() or len(parts) > 2:
        raise InputError(f"cannot read emotion '{text}' — {_EMOTION_FORM}")
    emotion, intensity = _emotion_and_intensity(parts, _EMOTION_FORM)
    return ExpressionTimeline(((0.0, emotion, intensity),))


def parse_timeline(text: str) -> ExpressionTimeline:
    """Inline keys "TIME:EMOTION[:INTENSITY],...", e.g. "0:neutral,2.5:happy:0.8,4:sad:0.5"."""
    entries = str(text).split(",")
    if not str(text).strip():
        raise InputError(f"emotion timeline is empty — {_TIMELINE_FORM}")
    keys = []
    for entry in entries:
        parts = entry.split(":")
        if len(parts) not in (2, 3) or not parts[0].strip():
            raise InputError(f"cannot read emotion key '{entry.strip()}' — {_TIMELINE_FORM}")
        time_s = _number(parts[0].strip(), "time", _TIMELINE_FORM)
        emotion, intensity = _emotion_and_intensity(parts[1:], _TIMELINE_FORM)
        keys.append((time_s, emotion, intensity))
    return _timeline(keys, _TIMELINE_FORM)


def _timeline(keys: list[tuple[float, str, float]], form: str) -> ExpressionTimeline:
    try:
        return ExpressionTimeline(tuple(keys))
    except InputError as error:
        raise InputError(f"{error} ({form})") from None


def load_timeline(path: str | Path) -> ExpressionTimeline:
    """An emotion timeline from a JSON file of this form (intensity optional, default 1; times in seconds):

    {"keys": [{"t": 0, "emotion": "neutral"},
              {"t": 2.5, "emotion": "happy", "intensity": 0.8},
              {"t": 4, "emotion": "sad", "intensity": 0.5}]}
    """
    path = Path(path)
    form = 'expected {"keys": [{"t": 0, "emotion": "happy", "intensity": 0.8}, ...]}'
    try:
        if path.stat().st_size > MAX_TIMELINE_BYTES:
            raise InputError(
                f"emotion timeline {path} is larger than {MAX_TIMELINE_BYTES // 1000} kB — is it the right file?"
            )
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"emotion timeline {path} does not exist") from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"emotion timeline {path} is not valid JSON ({error.msg}, line {error.lineno}) — {form}"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read emotion timeline {path}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise InputError(f'emotion timeline {path} has no "keys" list — {form}')
    keys = []
    for entry in data["keys"]:
        if not isinstance(entry, dict) or "t" not in entry or "emotion" not in entry:
            raise InputError(
                f'emotion key {json.dumps(entry)[:60]} in {path} needs "t" and "emotion" — {form}'
            )
        time_s, emotion, intensity = entry["t"], entry["emotion"], entry.get("intensity", DEFAULT_INTENSITY)
        for value, what in ((time_s, "t"), (intensity, "intensity")):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise InputError(
                    f'emotion key "{what}" must be a number in {path}, not {json.dumps(value)[:30]}'
                )
        if not isinstance(emotion, str):
            raise InputError(
                f'emotion key "emotion" must be a name in {path} — use one of {", ".join(EMOTIONS)}'
            )
        keys.append((float(time_s), emotion, float(intensity)))
    return _timeline(keys, f"in {path}")


def ease_in_out(x: np.ndarray) -> np.ndarray:
    """Smoothstep 3x^2 - 2x^3 on 0..1: zero slope at both ends, so a transition starts and stops gently."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def expression_curves(
    timeline: ExpressionTimeline,
    *,
    fps: float,
    n_frames: int,
    transition_s: float = 0.6,
    first_frame: int = 0,
) -> dict[str, np.ndarray]:
    """Weight curves (n_frames,) for every track any preset uses (EXPRESSION_TRACKS), for the frames from
    first_frame on (each frame's value depends on its time alone, so a stream computes them a block at a time).

    Each key's emotion is reached exactly at its time; the face eases in over min(transition_s, gap to the
    previous key) before it and holds until the next transition. Before the first key the face is neutral.
    """
    keys = list(timeline.keys)
    if keys[0][0] > 0.0:
        keys.insert(0, (0.0, "neutral", 0.0))
    t = np.arange(int(first_frame), int(first_frame) + int(n_frames)) / float(fps)
    vectors = [
        {name: PRESETS[emotion].get(name, 0.0) * intensity for name in EXPRESSION_TRACKS}
        for _, emotion, intensity in keys
    ]
    curves = {name: np.full(t.shape, vectors[0][name]) for name in EXPRESSION_TRACKS}
    for index in range(1, len(keys)):
        time_s, previous_s = keys[index][0], keys[index - 1][0]
        duration_s = max(min(transition_s, time_s - previous_s), 1e-6)
        weight = ease_in_out((t - (time_s - duration_s)) / duration_s)
        for name in EXPRESSION_TRACKS:
            # Lay each transition over the curve so far: before it the old value stays, after it the new one.
            curves[name] = curves[name] + weight * (vectors[index][name] - vectors[index - 1][name])
    return {name: np.clip(curve, 0.0, 1.0) for name, curve in curves.items()}


# --- guessing an emotion from the voice -------------------------------------------------------------------
# Scherer (2003, "Vocal communication of emotion", Speech Communication 40:227): high-arousal emotions (joy,
# anger, fear, surprise) raise f0 level, f0 range and intensity; sadness lowers them and narrows the range.
# Prosody tells arousal far better than valence, so the guess is deliberately timid: only mild intensities,
# only on a clear departure from a calm reading voice, and held for whole stretches of speech.
AUTO_WINDOW_S = 4.0
# f0 standard deviation of calm read English, in semitones, as find_cues() measures it (smoothed, interpolated
# over unvoiced frames): ~1.9 st over the LibriVox readings in pocketsphinx-testdata; Traunmueller & Eriksson
# (1995) give ~2-3 st for unsmoothed f0 of read speech.
CALM_RANGE_ST = 2.0
AUTO_THRESHOLD = 1.5  # arousal score beyond which a window leaves neutral
AUTO_MAX_INTENSITY = 0.4


def auto_timeline(prosody: ProsodyLike, *, fps: float) -> ExpressionTimeline:
    """A conservative emotion timeline guessed from prosody: lively -> mildly happy, flat and quiet -> mildly sad.

    Works on AUTO_WINDOW_S windows of speech; neutral unless the voice clearly departs from a calm reading.
    """
    n_frames = int(np.asarray(prosody.speech).shape[0])
    # Imported here: the emotion names and presets are read by `dirfa say`'s markup check before the voice
    # starts, and the cue finder's SciPy (~0.4 s to import) is not needed for that.
    from dirfa.motion.cues import find_cues

    cues = find_cues(prosody, fps=fps, n_frames=n_frames)
    window = max(int(round(AUTO_WINDOW_S * fps)), 1)
    keys: list[tuple[float, str, float]] = []
    for start in range(0, max(n_frames, 1), window):
        label, intensity = _guess(cues, prosody, start, min(start + window, n_frames))
        if keys and keys[-1][1] == label and abs(keys[-1][2] - intensity) < 0.1:
            continue
        keys.append((start / fps, label, intensity))
    return ExpressionTimeline(tuple(keys) if keys else ((0.0, "neutral", 0.0),))


def _guess(cues: Cues, prosody: ProsodyLike, start: int, end: int) -> tuple[str, float]:
    speech = cues.speech[start:end]
    if speech.mean() < 0.3 if speech.size else True:
        return "neutral", 0.0
    pitch = cues.pitch_st[start:end][speech]
    energy = np.asarray(prosody.energy_db, dtype=np.float64)[: cues.n_frames]
    all_speech = energy[cues.speech] if cues.speech.any() else energy
    # Arousal: mostly the pitch range against a calm voice's (the one cue that does not depend on the speaker or
    # the recording level); pitch level and loudness against the clip's own speech count less, since they also
    # vary from sentence to sentence of a calm reading.
    arousal = (
        (float(np.std(pitch)) - CALM_RANGE_ST) / 1.0
        + float(np.mean(pitch)) / 4.0
        + (float(np.mean(energy[start:end][speech])) - float(np.mean(all_speech))) / 10.0
    )
    intensity = round(min(AUTO_MAX_INTENSITY, 0.2 + 0.1 * (abs(arousal) - AUTO_THRESHOLD)), 2)
    if arousal > AUTO_THRESHOLD:
        return "happy", intensity
    if arousal < -AUTO_THRESHOLD:
        return "sad", intensity
    return "neutral", 0.0


# --- expression while talking ------------------------------------------------------------------------------
# Speakers' faces are not still between words: brief social smiles at phrase ends (Provine 1993, "Laughter
# punctuates speech"; Kraut & Johnston 1979: smiles are social signals, given at the listener), pursed or
# pressed lips in pauses while thinking (FACS AU18/AU24 and AU28, common "thinking" displays; Ekman 1979),
# and an emotion's intensity that wanders instead of holding a mask.
GESTURE_AFTER_PHRASE = 0.6  # chance of a mouth gesture in the pause after a phrase
GESTURE_WEIGHTS = {"smile": 0.65, "press": 0.2, "purse": 0.15}  # a smile after ~2 in 5 phrases
# A brief social smile is a clear lift of the corners, a few % of the mouth width (rendered at 512 on art_3,
# portrait.jpg, happy.png: 0.2 lifts them 2-5 %, hard to see even at 2x; 0.4-0.6 5-9 %, a closed-lip smile at 1x
# and no grin). Was 0.15-0.4 (RESULTS.md, "After-phrase smiles that read").
SMILE_WEIGHT = (0.4, 0.6)
PRESS_WEIGHT = (0.25, 0.5)
PURSE_WEIGHT = (0.15, 0.3)
EXPRESSION_DRIFT = 0.2  # relative wander of an emotion's intensity (time constant EXPRESSION_DRIFT_S)
EXPRESSION_DRIFT_S = 2.5
GESTURE_TRACKS = ("mouthSmileLeft", "mouthSmileRight", "mouthRollLower", "mouthPucker")
_PHRASE_END = 0  # the event kind of a gesture's draws (schedule.Draws)


class MouthGestures:
    """Causal non-speech mouth shapes (smiles, lip presses, pursing) in and around pauses, and the slow wander
    of the chosen emotion's intensity. Pressed and pursed lips give way as soon as speech resumes."""

    def __init__(self, fps: float, *, seed: np.random.SeedSequence, liveliness: float = 1.0) -> None:
        from dirfa.motion.schedule import Ahead, Draws

        self.fps = float(fps)
        self.draws = Draws(seed, self.fps, variant=Draws.variant_of(float(liveliness)))
        rng = self.draws.take
        self.liveliness = float(liveliness)
        self.curves = {name: Ahead() for name in GESTURE_TRACKS}
        self.gate = 1.0  # 0 while speaking, eases to 1 in pauses (pressed or pursed lips only)
        self._drift = [0.0, 0.0]
        self.smile_side = float(rng.uniform(0.8, 1.0))  # smiles are a little lopsided
        self.count = 0

    def on_phrase_end(self, phrase, now: int) -> None:
        from dirfa.motion.schedule import envelope

        if phrase.end is None:
            return
        rng = self.draws.event(_PHRASE_END, phrase.end)
        if rng.random() >= min(GESTURE_AFTER_PHRASE * self.liveliness, 0.9):
            return
        kind = rng.choice(list(GESTURE_WEIGHTS), p=list(GESTURE_WEIGHTS.values()))
        onset = max(phrase.end - int(0.1 * self.fps), now)
        hold = int(rng.uniform(0.3, 1.2) * self.fps)
        shape = envelope(int(0.25 * self.fps), hold, int(0.4 * self.fps))
        if kind == "smile":
            weight = float(rng.uniform(*SMILE_WEIGHT))
            self.curves["mouthSmileLeft"].maximum(onset, weight * shape)
            self.curves["mouthSmileRight"].maximum(onset, weight * self.smile_side * shape)
        elif kind == "press":
            self.curves["mouthRollLower"].maximum(onset, float(rng.uniform(*PRESS_WEIGHT)) * shape)
        else:
            self.curves["mouthPucker"].maximum(onset, float(rng.uniform(*PURSE_WEIGHT)) * shape)
        self.count += 1

    def step(self, frame: int, *, speaking: bool) -> tuple[dict[str, float], float]:
        """Gesture weights at `frame`, and the factor (around 1) the emotion's intensity has there."""
        dt = 1.0 / self.fps
        self.gate = (
            self.gate * math.exp(-dt / 0.06) if speaking else 1.0 - (1.0 - self.gate) * math.exp(-dt / 0.2)
        )
        values = {name: curve.take(frame) for name, curve in self.curves.items()}
        values["mouthRollLower"] *= self.gate
        values["mouthPucker"] *= self.gate
        slow, smooth = self._drift
        a = math.exp(-dt / EXPRESSION_DRIFT_S)
        slow = a * slow + math.sqrt(1 - a * a) * float(self.draws.frame.standard_normal())
        smooth += (slow - smooth) * (1 - math.exp(-dt / 0.5))
        self._drift = [slow, smooth]
        return values, 1.0 + EXPRESSION_DRIFT * smooth
