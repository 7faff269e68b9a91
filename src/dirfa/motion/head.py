"""Head motion: yaw, pitch and roll in degrees, driven causally by the phrasing and accents of speech.

Motion stage: causal prosodic cues (cues.CueTracker) -> headYaw/headPitch/headRoll, one frame at a time,
under stream.MotionStream.

The motion is a few known regularities of speakers' heads, summed (see docs/motion.md for the numbers):
  * a posture held through each phrase and changed at the next one, larger after long pauses (topic shifts):
    Hadar, Steiner, Grant & Rose (1983, Human Movement Science 2:35) found head movements cluster at phrase
    junctures and pauses, and large "postural" shifts at the starts of new utterances;
  * nods on stressed syllables: Graf, Cosatto, Strom & Huang (2002, "Visual prosody") measured head nods
    aligned with pitch accents, a few degrees (here 1.6-4.8 deg by accent strength, a dip and return over
    ~0.4 s); the head rises with f0, followed slowly (Yehia, Kuratate & Vatikiotis-Bateson 2002, r ~ 0.7
    between head motion and f0);
  * within a phrase the held posture drifts a little with each accent (Hadar et al. 1983; Munhall et al.
    2004, Psychological Science 15:133: head motion tracks prosody), smoothed into a slow drift;
  * the head is reached by a critically damped spring (no overshoot ringing, no constant-frequency wobble)
    plus slow drift; it settles towards a resting posture in pauses and, at the clip's end, winds down to the
    photo's pose over the last 2 s when the length is known (a file; the last word's nod at part depth), else
    eases there from its own speed within the look-ahead, the last word's nod kept;
  * amplitudes of real speakers: Busso, Deng, Grimm, Lee & Narayanan (2007, IEEE TASLP 15:1075) report head
    angle standard deviations of roughly 3-9 deg (yaw), 2-6 deg (pitch), 1-3 deg (roll) across emotions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dirfa.motion.cues import CueTracker, Phrase
from dirfa.motion.schedule import Ahead, Draws, raised_cosine

AXES = ("yaw", "pitch", "roll")
# Soft limit of every angle (tanh), degrees: the renderer realises +-20 deg yaw, +-15 deg pitch cleanly.
LIMIT_DEG = {"yaw": 22.0, "pitch": 16.0, "roll": 12.0}
# Event kinds of this generator's draws (schedule.Draws).
_PHRASE_START, _PHRASE_END, _ACCENT, _LISTEN_NOD = range(4)


@dataclass(frozen=True)
class HeadStyle:
    """How a take moves its head; `style_for(amount)` gives natural (1) or lively (2) settings.

    posture_deg: std of a new phrase posture per axis; topic_gain: extra size after a pause of over
    TOPIC_PAUSE_S; shift_per_accent: chance that a strong accent brings a new posture mid-phrase;
    nod_deg: chin-down nod on an accent of strength 1; nod_probability: an accent of strength s nods with
    chance nod_probability * (0.3 + s) (capped at 1); side_deg: the turn/tilt that goes with it;
    drift_deg: std of the slow drift; spring_hz: how fast the head reaches a new posture; sway_deg: std of
    the small shift of the held posture that each accent brings (within-phrase motion), per axis.
    """

    posture_deg: tuple[float, float, float]
    topic_gain: float
    shift_per_accent: float
    nod_deg: float
    nod_probability: float
    side_deg: float
    drift_deg: tuple[float, float, float]
    spring_hz: float
    end_nod_probability: float
    gaze_follow: float
    sway_deg: tuple[float, float, float]


TOPIC_PAUSE_S = 0.7
# The first phrase of an utterance (the take's first, or one after a pause of UTTERANCE_PAUSE_S or more: a
# new reply) brings a clear postural shift (Hadar et al. 1983: the largest shifts come at the starts of new
# utterances): its turn and tilt are drawn at (UTTERANCE_MIN + |N(0, UTTERANCE_SPREAD)|) x the topic size,
# never a near-zero draw, so a 3-5 s reply of one phrase still turns and tilts by several degrees.
UTTERANCE_PAUSE_S = 2.0
UTTERANCE_MIN = 0.85  # (0.75 while a clip's first accent always scored 1.0: the same turns, session 15)
UTTERANCE_SPREAD = 0.4
# ... held UTTERANCE_HOLD_S (no accent shifts it), then turned back across the rest (to 0.3-0.9 of the opening
# turn, on the other side) by the first accent of UTTERANCE_TURN_STRENGTH or more, with
# UTTERANCE_TURN_PROBABILITY: a short reply turns to one side, then the other, rather than holding one pose.
UTTERANCE_HOLD_S = 0.8
UTTERANCE_TURN_STRENGTH = 0.3
UTTERANCE_TURN_PROBABILITY = 0.85
NATURAL = HeadStyle(
    posture_deg=(4.4, 3.2, 1.8),
    topic_gain=1.4,
    shift_per_accent=0.12,
    nod_deg=4.0,
    nod_probability=0.85,
    side_deg=1.2,
    drift_deg=(1.6, 1.0, 0.7),
    spring_hz=0.9,
    end_nod_probability=0.5,
    gaze_follow=0.3,
    sway_deg=(4.0, 1.4, 1.8),
)
# Lively speakers make more gestures and bigger ones, and move faster: not the natural path scaled up.
LIVELY = HeadStyle(
    posture_deg=(7.5, 3.6, 3.0),
    topic_gain=1.5,
    shift_per_accent=0.4,
    nod_deg=5.0,
    nod_probability=1.4,
    side_deg=2.5,
    drift_deg=(2.2, 1.4, 1.0),
    spring_hz=1.3,
    end_nod_probability=0.8,
    gaze_follow=0.45,
    sway_deg=(5.0, 1.8, 2.5),
)
PITCH_PER_ST_DEG = 0.35  # chin up per semitone of f0 above the speaker's running median (Yehia et al. 2002)
# ... followed slowly (a running mean over this long): the head rises with a phrase's high stretches, while an
# accent's quick f0 peak does not lift the chin against its own nod (Graf et al. 2002: nods on accents).
PITCH_FOLLOW_S = 0.5
# A nod on an accent: depth nod_deg * (NOD_FLOOR + (1 - NOD_FLOOR) * strength), a dip and return over
# ~0.4 s (2 * NOD_HALF_S; bigger nods a little longer). Graf et al. 2002 measured nods of a few degrees on
# pitch accents; a nod within NOD_GAP_S of the last one is 0.6 as deep (no accumulating chin-down drift).
NOD_FLOOR = 0.4
NOD_HALF_S = 0.2
NOD_GAP_S = 0.35
SWAY_KEEP = 0.7  # share of the last accents' posture shift an accent keeps (the rest drawn anew)
SWAY_SMOOTH_S = 0.35  # ... and followed through this running mean: a slow drift (< ~0.5 Hz), not a wobble
LONG_HOLD_S = 2.5  # a posture held this long while talking ...
LONG_HOLD_SHIFT = 0.35  # ... shifts at the next strong accent with this extra chance
PAUSE_SETTLE_S = 1.2  # in a pause the posture relaxes towards rest with this time constant
LISTEN_NOD_DEG = 2.0  # a listener's small backchannel nod
LISTEN_NODS_PER_MIN = 10.0  # listeners nod every few seconds (Maynard 1987 counted ~ one per 5-10 s)
MAX_SPEED_DEG_S = 45.0  # a posture change's peak speed (a nod, a bump, may add to it)
BREATH_DEG = 0.25  # the head rises a little with each breath at rest (~15 breaths/min)
# The clip's end when only the look-ahead knows it (a live session's pushed audio): the head's posture eases from
# where it is, at the speed it has, to the photo's pose by the last frame (a cubic, zero speed at the end), while
# a nod under way (the last word's emphasis) plays on and fades only over the last END_NOD_FADE_S.
END_NOD_FADE_S = 0.2
# When the clip's length is known from the start (a file, offline or streamed with n_frames), the head winds down
# instead: over the last END_SETTLE_MAX_S (END_SETTLE_SHARE of a clip under 6.7 s, END_SETTLE_MIN_S at least: a
# short reply keeps its turns) its posture part (posture, sway, drift, breath) is weighted by a smoothstep from 1
# to 0 on the last frame. It keeps moving as it talks, ever less, and comes home at most 1.5 x its angle / that
# span faster (10 deg off: 7.5 deg/s over 2 s), however it moved just before: an ease begun late, from a head
# moving away, came back at 30 deg/s with the mouth still talking. The nods get the same weight over the last
# END_NOD_FADE_KNOWN_S (a chin-down nod of 2.4 deg faded over 0.2 s flicked up at 32 deg/s; the last word's nod,
# ~0.5 s before the end, keeps half its depth). A stream told the length equals the offline take; one not told
# differs from it over the last END_SETTLE_MAX_S only.
END_SETTLE_MAX_S = 2.0
END_SETTLE_SHARE = 0.3
END_SETTLE_MIN_S = 0.75
# ... and a new posture taken up in that stretch (a phrase's turn, up to MAX_SPEED_DEG_S) turns at no more than
# END_SETTLE_DEG_S (a soft limit), a speaker's unhurried pace (posture shifts between phrases peak at ~10-20 deg/s).
END_SETTLE_DEG_S = 12.0
END_NOD_FADE_KNOWN_S = 1.0


def style_for(amount: float) -> HeadStyle:
    """The style at head_motion `amount` (> 0): natural at 1, lively at 2, in between blended; the sizes
    below 1 scale down, above 2 keep growing."""
    if amount <= 1.0:
        k = amount
        return HeadStyle(
            posture_deg=tuple(k * v for v in NATURAL.posture_deg),  # type: ignore[arg-type]
            topic_gain=NATURAL.topic_gain,
            shift_per_accent=NATURAL.shift_per_accent,
            nod_deg=k * NATURAL.nod_deg,
            nod_probability=NATURAL.nod_probability,
            side_deg=k * NATURAL.side_deg,
            drift_deg=tuple(k * v for v in NATURAL.drift_deg),  # type: ignore[arg-type]
            spring_hz=NATURAL.spring_hz,
            end_nod_probability=NATURAL.end_nod_probability,
            gaze_follow=NATURAL.gaze_follow,
            sway_deg=tuple(k * v for v in NATURAL.sway_deg),  # type: ignore[arg-type]
        )
    w = amount - 1.0  # 0 natural .. 1 lively .. 2 livelier

    def mix(a: float, b: float) -> float:
        return a + (b - a) * w

    return HeadStyle(
        posture_deg=tuple(mix(a, b) for a, b in zip(NATURAL.posture_deg, LIVELY.posture_deg)),  # type: ignore[arg-type]
        topic_gain=mix(NATURAL.topic_gain, LIVELY.topic_gain),
        shift_per_accent=min(mix(NATURAL.shift_per_accent, LIVELY.shift_per_accent), 0.8),
        nod_deg=mix(NATURAL.nod_deg, LIVELY.nod_deg),
        nod_probability=min(mix(NATURAL.nod_probability, LIVELY.nod_probability), 2.0),
        side_deg=mix(NATURAL.side_deg, LIVELY.side_deg),
        drift_deg=tuple(mix(a, b) for a, b in zip(NATURAL.drift_deg, LIVELY.drift_deg)),  # type: ignore[arg-type]
        spring_hz=min(mix(NATURAL.spring_hz, LIVELY.spring_hz), 2.0),
        end_nod_probability=min(mix(NATURAL.end_nod_probability, LIVELY.end_nod_probability), 1.0),
        gaze_follow=min(mix(NATURAL.gaze_follow, LIVELY.gaze_follow), 0.7),
        sway_deg=tuple(mix(a, b) for a, b in zip(NATURAL.sway_deg, LIVELY.sway_deg)),  # type: ignore[arg-type]
    )


class HeadMotion:
    """Causal head motion, one frame at a time (see the module docstring)."""

    def __init__(self, fps: float, *, seed: np.random.SeedSequence, amount: float) -> None:
        self.fps = float(fps)
        self.draws = Draws(seed, self.fps, variant=Draws.variant_of(float(amount)))
        rng = self.draws.take
        self.amount = float(amount)
        self.still = self.amount <= 0.0
        self.style = style_for(max(self.amount, 1e-6))
        self.bumps = {axis: Ahead() for axis in AXES}
        self.position = dict.fromkeys(AXES, 0.0)
        self.velocity = dict.fromkeys(AXES, 0.0)
        self.posture = dict.fromkeys(AXES, 0.0)
        # A resting posture of this take (people rarely hold their head exactly square to the camera).
        self.rest = {axis: float(rng.normal(0.0, 0.25 * s)) for axis, s in zip(AXES, self.style.posture_deg)}
        self.posture.update(self.rest)
        self.position.update(self.rest)
        self.drift = {axis: [0.0, 0.0] for axis in AXES}
        self.gaze_offset_yaw = 0.0
        self.gaze_offset_pitch = 0.0
        self.last_shift = 0
        self._first_phrase = True
        self._utterance_turn = False
        self.sway = dict.fromkeys(AXES, 0.0)  # the accents' small shifts of the held posture
        self._sway_smooth = dict.fromkeys(AXES, 0.0)
        self._last_nod = -(10**9)
        self._pitch_follow = 0.0  # f0 in semitones, followed slowly (PITCH_FOLLOW_S)
        # the posture part of the last 2 frames
        self._slow = [dict.fromkeys(AXES, 0.0), dict.fromkeys(AXES, 0.0)]
        self._settle: tuple[int, int, dict[str, float], dict[str, float]] | None = None
        self._held = dict.fromkeys(AXES, 0.0)  # the posture part before a known end's weight (_wound_down)
        self._breath_phase = float(rng.uniform(0.0, 2 * math.pi))
        self._listen_clock = float(rng.gamma(3.0, 1.0 / 3.0))

    # --- events (called as soon as the cue is decided, before its frame is emitted) ----------------------
    def on_phrase_start(self, phrase: Phrase, now: int) -> None:
        if self.still:
            return
        gain = self.style.topic_gain if phrase.pause_before_s >= TOPIC_PAUSE_S else 1.0
        utterance = self._first_phrase or phrase.pause_before_s >= UTTERANCE_PAUSE_S
        self._first_phrase = False
        self._utterance_turn = utterance
        rng = self.draws.event(_PHRASE_START, phrase.start)
        for axis, sigma in zip(AXES, self.style.posture_deg):
            # A new posture, partly anchored to the resting one so the head wanders but comes back; a turn
            # more often goes back across than further out (speakers address the listener from both sides).
            size = abs(float(rng.normal(0.0, gain * sigma)))
            if utterance and axis != "pitch":  # pitch: the accents' nods and f0 move it from the start
                size = gain * sigma * (UTTERANCE_MIN + UTTERANCE_SPREAD * size / (gain * sigma))
            across = rng.random() < 0.65
            side = -np.sign(self.position[axis] - self.rest[axis]) if across else rng.choice([-1.0, 1.0])
            self.posture[axis] = 0.5 * self.rest[axis] + float(side or 1.0) * size
            self.sway[axis] *= SWAY_KEEP
        self.last_shift = phrase.start

    def on_phrase_end(self, phrase: Phrase, now: int) -> None:
        if self.still or phrase.end is None:
            return
        rng = self.draws.event(_PHRASE_END, phrase.end)
        if rng.random() < self.style.end_nod_probability:
            self._nod(phrase.end - 1, rng.uniform(0.4, 0.8) * self.style.nod_deg, 0.22, now)

    def on_accent(self, frame: int, strength: float, now: int) -> None:
        if self.still:
            return
        rng = self.draws.event(_ACCENT, frame)
        if rng.random() < self.style.nod_probability * (0.3 + strength):
            depth = (NOD_FLOOR + (1.0 - NOD_FLOOR) * strength) * rng.uniform(0.8, 1.2) * self.style.nod_deg
            if frame - self._last_nod < NOD_GAP_S * self.fps:
                depth *= 0.6
            self._nod(frame, depth, NOD_HALF_S, now)
            self._last_nod = frame
            for axis in ("yaw", "roll"):
                side = self.style.side_deg * strength * rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.0)
                self._bump(axis, frame, side, 0.24, now)
        # The held posture moves a little with each accent (a slow shift through the spring, not a bump back):
        # real speakers keep moving within a phrase (Hadar et al. 1983; Munhall et al. 2004).
        for axis, sigma in zip(AXES, self.style.sway_deg):
            step = float(rng.normal(0.0, sigma * (0.7 + 0.3 * strength)))
            self.sway[axis] = SWAY_KEEP * self.sway[axis] + math.sqrt(1.0 - SWAY_KEEP**2) * step
        # Mid-phrase posture shifts on strong accents, likelier the longer the head has held its posture (a
        # long phrase is not one frozen pose: Hadar et al. 1983 found postural shifts every few seconds).
        held_s = (frame - self.last_shift) / self.fps
        chance = self.style.shift_per_accent * strength + (LONG_HOLD_SHIFT if held_s > LONG_HOLD_S else 0.0)
        if self._utterance_turn and held_s <= UTTERANCE_HOLD_S:
            return  # the opening posture holds a moment before anything shifts it
        if self._utterance_turn and strength > UTTERANCE_TURN_STRENGTH:
            # The utterance's opening posture, held a while, gives way on an accent to a turn back across the
            # rest (a short reply is not one held pose: the head turns to one side, then the other).
            self._utterance_turn = False
            if rng.random() < UTTERANCE_TURN_PROBABILITY:
                for axis in ("yaw", "roll"):
                    offset = self.posture[axis] - self.rest[axis]
                    self.posture[axis] = self.rest[axis] - offset * float(rng.uniform(0.3, 0.9))
                self.posture["pitch"] += float(rng.normal(0.0, 0.6 * self.style.posture_deg[1]))
                self.last_shift = frame
                return
        if strength > 0.4 and rng.random() < chance:
            for axis, sigma in zip(AXES, self.style.posture_deg):
                self.posture[axis] += float(rng.normal(0.0, 0.6 * sigma))
            self.last_shift = frame

    def _nod(self, frame: int, depth_deg: float, half_s: float, now: int) -> None:
        """Chin down and back up, peaking at `frame` (or as soon after as a nod starting at `now` can), with a
        small rebound above rest after it."""
        # Bigger nods take longer (a nod's peak speed stays under ~60 deg/s; Hadar et al. 1983).
        half_s = max(half_s, 0.06 + 0.04 * abs(depth_deg))
        half = max(int(round(half_s * self.fps)), 2)
        frame = max(frame, now + half)
        self.bumps["pitch"].add(frame - half, -depth_deg * raised_cosine(half))
        rebound = max(int(round(1.5 * half_s * self.fps)), 2)
        self.bumps["pitch"].add(frame + 1, 0.25 * depth_deg * raised_cosine(rebound))

    def _bump(self, axis: str, frame: int, size_deg: float, half_s: float, now: int) -> None:
        half = max(int(round(half_s * self.fps)), 2)
        frame = max(frame, now + half)
        self.bumps[axis].add(frame - half, size_deg * raised_cosine(half))

    # --- one frame -----------------------------------------------------------------------------------
    def step(
        self,
        frame: int,
        cues: CueTracker,
        *,
        listening: bool,
        end: int | None = None,
        known_end: int | None = None,
    ) -> tuple[float, float, float]:
        """Angles (yaw, pitch, roll) in degrees at `frame`. end: the clip's frame count once the input has ended
        (the stream knows it for its last look-ahead frames); the head is then back at 0 on frame end - 1.
        known_end: the frame count known ahead (a file's): the head winds down to rest over the clip's last
        END_SETTLE_MAX_S (_wound_down) instead of easing back within the look-ahead once `end` comes."""
        if self.still:
            for axis in AXES:
                self.bumps[axis].take(frame)
            return 0.0, 0.0, 0.0
        dt = 1.0 / self.fps
        activity = cues.activity[frame]
        talking = cues.in_phrase[frame]
        if listening and not talking:
            self._listen_clock -= dt * LISTEN_NODS_PER_MIN / 60.0
            if self._listen_clock <= 0.0:
                rng = self.draws.event(_LISTEN_NOD, frame)
                self._nod(frame, rng.uniform(0.6, 1.2) * LISTEN_NOD_DEG * self.amount, 0.2, frame)
                self._listen_clock = float(rng.gamma(3.0, 1.0 / 3.0))
        if not talking:
            # Settling: in a pause the posture relaxes towards the resting one.
            relax = dt / PAUSE_SETTLE_S
            for axis in AXES:
                self.posture[axis] += (self.rest[axis] - self.posture[axis]) * relax
                self.sway[axis] -= self.sway[axis] * relax
        # Critically damped spring towards posture (+ where the eyes lead the head).
        omega = 2 * math.pi * self.style.spring_hz * (0.7 + 0.3 * activity)
        follow = 1.0 - math.exp(-dt / PITCH_FOLLOW_S)
        sway_follow = 1.0 - math.exp(-dt / SWAY_SMOOTH_S)
        self._pitch_follow += (cues.pitch_st[frame] * activity - self._pitch_follow) * follow
        angles = []
        for axis, drift_sigma in zip(AXES, self.style.drift_deg):
            self._sway_smooth[axis] += (self.sway[axis] - self._sway_smooth[axis]) * sway_follow
            target = self.posture[axis] + self._sway_smooth[axis]
            if axis == "yaw":
                target += self.style.gaze_follow * self.gaze_offset_yaw
            elif axis == "pitch":
                target += self.style.gaze_follow * self.gaze_offset_pitch
                target += PITCH_PER_ST_DEG * self._pitch_follow * min(self.amount, 2.0)
            accel = omega * omega * (target - self.position[axis]) - 2.0 * omega * self.velocity[axis]
            # Head turns peak at ~40-60 deg/s in conversation: large posture changes saturate smoothly there.
            self.velocity[axis] = MAX_SPEED_DEG_S * math.tanh(
                (self.velocity[axis] + accel * dt) / MAX_SPEED_DEG_S
            )
            self.position[axis] += self.velocity[axis] * dt
            angles.append(self.position[axis] + self._drift(axis, drift_sigma * (0.6 + 0.4 * activity)))
        self._breath_phase += 2 * math.pi * dt * float(self.draws.frame.uniform(0.2, 0.3))
        breath = BREATH_DEG * min(self.amount, 1.0) * (1.0 - activity) * math.sin(self._breath_phase)
        angles[1] += breath
        slow = dict(zip(AXES, angles))
        fade = 1.0
        if known_end is not None:
            scale, fade = self._wound_down(frame, known_end)
            if scale < 1.0:  # winding down: the posture part moves at END_SETTLE_DEG_S at most (a soft limit)
                cap = END_SETTLE_DEG_S / self.fps
                for axis in AXES:
                    slow[axis] = self._held[axis] + cap * math.tanh((slow[axis] - self._held[axis]) / cap)
            self._held = dict(slow)
            slow = {axis: scale * slow[axis] for axis in AXES}
        elif end is not None:
            slow, fade = self._settled(frame, end)
        self._slow = [self._slow[1], dict(slow)]
        out = []
        for axis in AXES:
            value = slow[axis] + fade * self.bumps[axis].take(frame)
            limit = LIMIT_DEG[axis]
            out.append(limit * math.tanh(value / limit))
        return out[0], out[1], out[2]

    def _settled(self, frame: int, end: int) -> tuple[dict[str, float], float]:
        """The posture part at `frame` on the way to rest by frame end - 1, and the weight of the bumps (nods).

        From the frame before the first that knows the end, the posture follows a cubic from where it was, at
        the speed it had, to 0 at zero speed: the least peak speed a smooth ease reaches in the frames left
        (the look-ahead: the stream knows the end no earlier). Nods play on (the last word keeps its emphasis)
        and fade over the last END_NOD_FADE_S, reaching 0 on the last frame."""
        if self._settle is None or self._settle[1] != end:
            before, earlier = self._slow[1], self._slow[0]
            self._settle = (frame - 1, end, before, {axis: before[axis] - earlier[axis] for axis in AXES})
        start, _, origin, speed = self._settle
        span = max(end - 1 - start, 1)
        s = min(max((frame - start) / span, 0.0), 1.0)
        h00 = 2 * s**3 - 3 * s**2 + 1  # cubic Hermite basis: value at the start, slope at the start
        h10 = s**3 - 2 * s**2 + s
        settled = {axis: h00 * origin[axis] + h10 * speed[axis] * span for axis in AXES}
        fade_frames = max(int(round(END_NOD_FADE_S * self.fps)), 1)
        fade = min(max((end - 1 - frame) / fade_frames, 0.0), 1.0)
        return settled, fade * fade * (3.0 - 2.0 * fade)

    def _wound_down(self, frame: int, end: int) -> tuple[float, float]:
        """The weights of the posture part and of the bumps (nods) at `frame` of a clip whose last frame, end - 1,
        is known ahead: smoothsteps from 1, END_SETTLE_MAX_S (END_SETTLE_SHARE of a shorter clip) and
        END_NOD_FADE_KNOWN_S before the last frame, to 0 on it. A function of the frame and the length alone, so
        a stream told the length equals the offline take."""
        left = end - 1 - frame
        span = min(END_SETTLE_MAX_S, max(END_SETTLE_SHARE * end / self.fps, END_SETTLE_MIN_S)) * self.fps
        weights = []
        for frames in (span, min(END_NOD_FADE_KNOWN_S * self.fps, span)):
            x = min(max(left / max(frames, 1.0), 0.0), 1.0)
            weights.append(x * x * (3.0 - 2.0 * x))
        return weights[0], weights[1]

    def _drift(self, axis: str, sigma: float) -> float:
        """Slow wandering: white noise through two first-order low-passes (1.5 s, then 0.4 s): smooth, with
        its energy well under 1 Hz, and of standard deviation about `sigma`."""
        dt = 1.0 / self.fps
        slow, smooth = self.drift[axis]
        a = math.exp(-dt / 1.5)
        slow = a * slow + math.sqrt(1 - a * a) * float(self.draws.frame.standard_normal()) * sigma
        b = math.exp(-dt / 0.4)
        smooth = b * smooth + (1 - b) * slow
        self.drift[axis] = [slow, smooth]
        return smooth
