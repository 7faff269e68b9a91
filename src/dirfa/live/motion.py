"""Causal non-verbal motion for live sessions, one frame at a time: breathing, slow head drift, blinks, gaze
shifts, nods while listening, head and brows following the voice, and eased emotion changes.

Live stage: (speaking?, loudness, pitch, listening, emotion) per frame -> head/eye/brow/expression values.
Every value is the state of a smooth filter, so idle -> speech -> idle never jumps.
"""

from __future__ import annotations

import math

import numpy as np

from dirfa.motion.expression import PRESETS

# Bentivoglio et al. 1997: ~17 blinks/min at rest, ~26/min while talking.
BLINKS_PER_MIN_REST = 17.0
BLINKS_PER_MIN_TALKING = 26.0
BLINK_CLOSE_S = 0.1  # a spontaneous blink closes in ~100 ms and reopens in ~200 ms (VanderWerf et al. 2003)
BLINK_OPEN_S = 0.2
MIN_BLINK_GAP_S = 1.0
# Slow head drift: an Ornstein-Uhlenbeck process per angle (degrees, seconds).
DRIFT_SD_DEG = {"headYaw": 1.6, "headPitch": 1.0, "headRoll": 0.8}
DRIFT_TAU_S = 3.0
TALKING_SD_GAIN = 1.8  # talking heads move more (Hadar et al. 1983)
TALKING_TAU_S = 1.2
BREATH_HZ = 0.25  # ~15 breaths/min at rest
BREATH_PITCH_DEG = 0.35
# Gaze: saccades to points near the camera every ~1-3 s in conversation (Argyle & Cook 1976).
SACCADE_MEAN_GAP_S = 1.8
GAZE_RANGE_DEG = (4.0, 3.0)  # yaw, pitch
SACCADE_S = 0.05
# Listening: small nods every 2-5 s, ~2 degrees, ~0.6 s each.
NOD_GAP_S = (2.0, 5.0)
NOD_DEG = 2.0
NOD_S = 0.6
SPEECH_NOD_DEG = 1.5  # the chin dips a little with loud, stressed syllables
EMOTION_EASE_S = 0.4  # time constant of an emotion change
LOUDNESS_SMOOTH_S = 0.15


class LiveMotion:
    """Per-frame non-verbal tracks, causal, deterministic for a seed."""

    def __init__(self, *, fps: float, seed: int = 0, head_motion: float = 1.0) -> None:
        self.fps = float(fps)
        self.dt = 1.0 / self.fps
        self.rng = np.random.default_rng(seed)
        self.head_motion = float(head_motion)
        self.t = 0.0
        self.drift = {name: 0.0 for name in DRIFT_SD_DEG}
        self.head = {name: 0.0 for name in DRIFT_SD_DEG}
        self.lift = 0.0
        self.breath_phase = float(self.rng.uniform(0, 2 * math.pi))
        self.blink_t = -1.0  # time into the current blink (< 0: none)
        self.next_blink_s = self._blink_gap(False)
        self.gaze = np.zeros(2)
        self.gaze_target = np.zeros(2)
        self.next_saccade_s = float(self.rng.exponential(SACCADE_MEAN_GAP_S))
        self.nod_t = -1.0
        self.next_nod_s = float(self.rng.uniform(*NOD_GAP_S))
        self.loud = 0.0
        self.f0_ref = 0.0
        self.emotion: dict[str, float] = {}
        self.target: dict[str, float] = {}

    def set_emotion(self, weights: dict[str, float]) -> None:
        """Ease towards these expression weights (track -> 0..1); {} is neutral."""
        self.target = dict(weights)

    def _blink_gap(self, talking: bool) -> float:
        rate = BLINKS_PER_MIN_TALKING if talking else BLINKS_PER_MIN_REST
        return MIN_BLINK_GAP_S + float(self.rng.exponential(max(60.0 / rate - MIN_BLINK_GAP_S, 0.1)))

    def step(
        self, *, speaking: bool, loudness: float = 0.0, f0_hz: float = 0.0, listening: bool = False
    ) -> dict[str, float]:
        """Advance one frame; the frame's non-mouth tracks (and the emotion's mouth corners)."""
        dt, rng = self.dt, self.rng
        a = 1.0 - math.exp(-dt / LOUDNESS_SMOOTH_S)
        self.loud += a * ((loudness if speaking else 0.0) - self.loud)
        out: dict[str, float] = {}

        # Head: drift (faster and wider while talking), breathing, nods.
        tau = TALKING_TAU_S if speaking else DRIFT_TAU_S
        gain = TALKING_SD_GAIN if speaking else 1.0
        decay = math.exp(-dt / tau)
        for name, sd in DRIFT_SD_DEG.items():
            noise = sd * gain * math.sqrt(1 - decay * decay)
            self.drift[name] = self.drift[name] * decay + noise * float(rng.standard_normal())
        # The OU state is smoothed once more so its velocity is continuous (no jitter frame to frame).
        smooth = 1 - math.exp(-dt / 0.5)
        for name in DRIFT_SD_DEG:
            self.head[name] += smooth * (self.drift[name] - self.head[name])
        breath = BREATH_PITCH_DEG * math.sin(2 * math.pi * BREATH_HZ * self.t + self.breath_phase)
        nod = self._nod(listening and not speaking)
        pitch = self.head["headPitch"] + breath - SPEECH_NOD_DEG * self.loud
        out["headYaw"] = self.head_motion * self.head["headYaw"]
        out["headPitch"] = self.head_motion * pitch - nod
        out["headRoll"] = self.head_motion * self.head["headRoll"]

        # Blinks.
        if self.blink_t < 0 and self.t >= self.next_blink_s:
            self.blink_t = 0.0
        blink = 0.0
        if self.blink_t >= 0:
            if self.blink_t < BLINK_CLOSE_S:
                blink = self.blink_t / BLINK_CLOSE_S
            elif self.blink_t < BLINK_CLOSE_S + BLINK_OPEN_S:
                blink = 1.0 - (self.blink_t - BLINK_CLOSE_S) / BLINK_OPEN_S
            else:
                self.blink_t = -1.0
                self.next_blink_s = self.t + self._blink_gap(speaking)
            if self.blink_t >= 0:
                self.blink_t += dt
        blink = 0.5 - 0.5 * math.cos(math.pi * min(max(blink, 0.0), 1.0))
        out["eyeBlinkLeft"] = out["eyeBlinkRight"] = blink

        # Gaze: a saccade to a nearby point (often back to the viewer), reached within SACCADE_S.
        if self.t >= self.next_saccade_s:
            if rng.random() < 0.5 or listening:
                self.gaze_target = np.zeros(2)
            else:
                self.gaze_target = rng.uniform(-1, 1, 2) * np.array(GAZE_RANGE_DEG)
            self.next_saccade_s = self.t + 0.3 + float(rng.exponential(SACCADE_MEAN_GAP_S))
        self.gaze += min(1.0, dt / SACCADE_S) * (self.gaze_target - self.gaze)
        out["gazeYaw"], out["gazePitch"] = float(self.gaze[0]), float(self.gaze[1])

        # Brows lift a little with loud, high speech; attention lifts them while listening.
        if f0_hz > 0:
            self.f0_ref = f0_hz if self.f0_ref == 0 else self.f0_ref + 0.02 * (f0_hz - self.f0_ref)
        lift = 0.25 * self.loud + (0.08 if listening else 0.0)
        self.lift += (1 - math.exp(-dt / 0.2)) * (lift - self.lift)
        out["browInnerUp"] = self.lift
        out["browOuterUpLeft"] = out["browOuterUpRight"] = 0.6 * self.lift

        # Emotion, eased.
        ease = 1.0 - math.exp(-dt / EMOTION_EASE_S)
        for name in set(self.emotion) | set(self.target):
            value = self.emotion.get(name, 0.0)
            self.emotion[name] = value + ease * (self.target.get(name, 0.0) - value)
        for name, value in self.emotion.items():
            base = out.get(name, 0.0)
            out[name] = base + value - base * value if 0 <= base <= 1 else base + value
        self.t += dt
        return out

    def _nod(self, listening: bool) -> float:
        """A listening nod's chin dip in degrees (a raised cosine), one every NOD_GAP_S."""
        if self.nod_t < 0 and listening and self.t >= self.next_nod_s:
            self.nod_t = 0.0
        if self.nod_t < 0:
            if not listening:
                self.next_nod_s = max(self.next_nod_s, self.t + NOD_GAP_S[0] / 2)
            return 0.0
        phase = self.nod_t / NOD_S
        self.nod_t += self.dt
        if phase >= 1.0:
            self.nod_t = -1.0
            self.next_nod_s = self.t + float(self.rng.uniform(*NOD_GAP_S))
            return 0.0
        return NOD_DEG * 0.5 * (1 - math.cos(2 * math.pi * phase))


def emotion_weights(name: str, intensity: float) -> dict[str, float]:
    """Expression track weights of a preset emotion at an intensity (0..1)."""
    return {track: weight * intensity for track, weight in PRESETS[name].items()}
