"""Eye motion: blinks (eyeBlinkLeft/Right, 0..1) and gaze (gazeYaw/gazePitch, degrees, eye-in-head).

Motion stage: causal prosodic cues (cues.CueTracker) and the head pose -> eye curves, one frame at a time,
under stream.MotionStream.
"""

from __future__ import annotations

import math

import numpy as np

from dirfa.motion.cues import ACTIVITY_S, CueTracker, FrameHistory, Phrase
from dirfa.motion.schedule import Ahead, Draws

# Spontaneous blink rates: Bentivoglio et al. (1997, Movement Disorders 12:1028) measured 17 blinks/min at
# rest and 26/min during conversation in 150 healthy adults, with a wide spread between people (SD ~ 10-15
# /min; some speakers blink over 50 times a minute). Each take draws its own rate around these: the mean above
# times a log-normal factor of mean 1 (10th-90th percentile x0.65-x1.4, i.e. 17-37/min speaking), kept within
# RATE_FACTOR_RANGE (13-42/min; ~4 % of draws reach the top). A take is one short clip more often than a
# speaker's minute: at 36-42/min a 5 s clip already shows 4 blinks or more in ~1 take in 5, which a viewer reads
# as nervous blinking (the session-11 review's 4 blinks in 4.8 s); faster blinking is --blink-rate's.
SPEAKING_BLINKS_PER_MIN = 26.0
LISTENING_BLINKS_PER_MIN = 17.0
RATE_LOG_SIGMA = 0.3
RATE_FACTOR_RANGE = (0.5, 1.6)
# Inter-blink intervals are right-skewed (log-normal-like, coefficient of variation ~0.4-0.7: Ponder & Kennedy
# 1927; Doughty 2002, Optom Vis Sci 79:439, 6.4 +- 2.4 s at rest; Cruz et al. 2011, IOVS 52:3419, 5.2 +- 3.1 s
# over an hour, "highly positively skewed"), and short ones are rare outside blink bursts (double blinks; runs
# of several blinks within a few seconds, "blink flurries", read as distress or unease, as Darwin 1872 already
# described): a blink holds off the next one. So after a blink the hazard is held at 0 for REFRACTORY_S[0] from
# the blink's start and comes back fully by REFRACTORY_S[1] (a smooth ramp): intervals under ~1 s are rare and
# never under REFRACTORY_S[0], except inside a double blink. The clock runs that much faster beyond the ramp, so
# the mean rate stays; a take blinking fast (a high draw, an explicit --blink-rate) gets a proportionally
# shorter hold (its middle at most HOLD_SHARE of the mean interval: 0.6-1.1 s at 42/min, 0.4-0.8 s at 60/min).
INTERVAL_LOG_SIGMA = 0.7  # of the part of an interval after the hold (overall CV ~0.5-0.6 at 26/min)
REFRACTORY_S = (0.7, 1.3)
HOLD_SHARE = 0.6
MIN_GAP_S = 0.25  # at least this much open eye between two separate blinks
# Blinks gather at pauses and phrase boundaries (Cummins 2012, "Gaze and blinking in dyadic conversation";
# Nakano & Kitazawa 2010: listeners' blinks synchronise with the speaker's pauses), and large gaze shifts are
# often accompanied by a blink (Evinger et al. 1994, Exp Brain Res 100:337). Both move the next blink, they do
# not add one: in the ~half second after a phrase ends, or with a gaze shift of GAZE_SHIFT_BLINK_DEG or more
# (with GAZE_SHIFT_BLINK_PROBABILITY), a blink due within PULL of a mean interval comes now, and the schedule
# goes on from where it was (the next interval is that much longer). So the rate is the take's however many
# pauses and looks a clip has. (Before, a hazard raised 2.8x after phrase ends and an extra blink with 35 % of
# large gaze shifts gave say-length clips 31-34 blinks/min, a median interval of 0.8 s and 4 blinks in 4.8 s,
# read as nervous blinking.) No blink is pulled into the hold after the last one.
PHRASE_END_WINDOW_S = 0.35  # the pull's window, from a random delay of up to PHRASE_END_DELAY_S after the end
PHRASE_END_DELAY_S = 0.25  # (so the takes of a clip do not all blink on the same frame of each pause)
PHRASE_END_PULL = 0.9
GAZE_SHIFT_BLINK_PROBABILITY = 0.35
GAZE_SHIFT_BLINK_DEG = 6.0
GAZE_SHIFT_PULL = 0.8
# A spontaneous blink lasts ~100-400 ms; the lid comes down about twice as fast as it goes up (VanderWerf et
# al. 2003, J Neurophysiol 89:2784; Trutoiu et al. 2011 found the asymmetric profile looks more natural). The
# lid takes ~70-100 ms from the start of its movement to full closure (Stern, Walrath & Goldstein 1984,
# Psychophysiology 21:22: "around 100 ms"; search-coil down phases of spontaneous blinks are shorter, ~65 ms),
# and closes 40-47 % faster than it opens (Sforza et al. 2008, Ophthalmic Physiol Opt 28:345): the closing is
# drawn from CLOSE_S, the opening OPEN_OVER_CLOSE times as long (whole blinks ~0.2-0.35 s).
CLOSE_S = (0.07, 0.10)
OPEN_OVER_CLOSE = (1.6, 2.5)
# ... and at video frame rates the closing spans at least this many frame steps, so some frame shows the lid on
# its way down (at 25 fps a 50 ms closing went from 0.13 to shut in one frame: a lid that pops shut).
MIN_CLOSE_FRAMES = 2.0
DOUBLE_BLINK_PROBABILITY = 0.07
BLINK_GAZE_DIP_DEG = (
    2.0  # the eyes dip down and in during a blink (Collewijn et al. 1985, J Neurophysiol 54:11)
)
END_OPEN_FRAMES = 3  # the clip's last frames show open eyes: no blink may end closer to the end than this

# Gaze: a speaker looks away from the listener to plan speech, mostly at the start of an utterance, and back
# at its end (Kendon 1967, Acta Psychologica 26:22; Ho, Foulsham & Kingstone 2015, PLoS ONE 10:e0136905), and
# looks at the listener only ~40 % of the time while speaking against ~75 % while listening (Argyle & Cook 1976).
# So a phrase often opens with a look away (a reply's first phrase, after a pause of TURN_PAUSE_S or more, most
# often), and within a phrase a look at the lens lasts SPEAKING_LOOK_S and then usually gives way to another
# look away, a stare never much over STARE_MAX_S; the eyes come back to the lens as a phrase ends. (Before,
# aversions came at 0.55 of phrase starts and 0.08 per second of fixation, the eyes within 3 deg of the lens for
# 58-100 % of speech, one unbroken stare of 6.8 s, and a 4 s reply often with no look away at all.)
AVERT_AT_PHRASE_START = 0.6
AVERT_AT_TURN_START = 0.85
TURN_PAUSE_S = 1.0  # a phrase after this long a pause starts a turn (the clip's first phrase always does)
SPEAKING_LOOK_S = (1.8, 0.4, 0.6, 3.5)  # a look at the lens while speaking: log-normal median, sigma, clip
SPEAKING_AVERT_S = (1.6, 0.4, 0.6, 2.6)  # a look away within a phrase: log-normal median, sigma, clip
# ... and one at a phrase's start, shorter: the phrase's length is not known yet, and a short reply that looks
# away for most of its 2 s reads as evasive.
PHRASE_START_AVERT_S = (0.9, 0.4, 0.45, 1.8)
LOOK_AWAY_AFTER_LOOK = 0.65  # the chance a look at the lens while speaking ends in a look away
STARE_SOFT_S = 2.8  # ... always, once the eyes have been on the lens this long
STARE_MAX_S = 4.2  # a further look at the lens while speaking ends by then
PHRASE_END_QUIET_S = 0.5  # no new look away this close before a phrase's known end
# ... and none while the voice stops within this much of the look-ahead (cues.speech, decided that far ahead on
# every path): a phrase's end is handed on only ~0.12 s ahead, and a look away begun in its last moments misses the
# return (on the 60 s reading 3 of 10 phrase ends of a take ended looking away).
PAUSE_AHEAD_S = 0.24
PHRASE_END_RETURN_S = 0.15  # back on the lens this long before a phrase's end (when known that early)
AVERT_MIN_S = 0.36  # a look away lasts at least this long (a shorter one reads as a twitch)
SACCADE_GAP_S = 0.12  # a look away decided at a phrase start waits this long after the last saccade began
# ... and one just begun when the clip's end settle starts still holds up to this long into it (the settle
# has ~0.48 s; the return saccade takes one or two frames).
SETTLE_HOLD_S = 0.24
# No new look away starts this close before a clip's end known ahead (a file's length): the eyes come back to
# the lens for the end, as a speaker hands the turn over (Kendon 1967). A live session's end is not known ahead.
# (0.7 s: a `say` reply's voice runs to ~0.16 s before its end; at 0.6 s 2 of 200 replies still looked away in
# their speech's last 0.5 s, at 0.7 s none.)
END_QUIET_S = 0.7
# Outside phrases (pauses, listening, idle) the eyes stay on the lens longer:
AVERT_PER_S_SPEAKING = 0.08  # aversions per second of fixation, by the speech activity's running mean
AVERT_PER_S_QUIET = 0.04
AVERT_YAW_DEG = (6.0, 14.0)  # sideways size of an aversion in the world (uniform, random side)
AVERT_PITCH_DEG = (-3.0, 4.0)  # mean and std: people look down more than up when thinking
AVERT_S = (0.4, 1.6)  # how long an aversion outside phrases lasts
CAMERA_FIXATION_S = (0.6, 4.0)  # fixations on the camera outside phrases (log-normal, median ~1.5 s, clipped)
# The first frames look at the camera (the rest pose a clip starts from); a look away at the first phrase
# start waits this long. Short: the eyes lead speech planning by a saccade, and the first word is ~0.2 s in.
GAZE_START_HOLD_S = 0.12
CAMERA_JITTER_DEG = 0.5  # fixations "at the camera" are not all on the same point
# The eyes' range in the head, (lowest, highest gazeYaw, lowest, highest gazePitch) in degrees: what the renderer's
# rig shows (face.rig.gaze_limits_deg: the eye's comfortable ~28 deg sideways, less where a photo shows little white;
# up and down ~11 deg, as far as the iris moves inside still lids). These are the limits for an unknown face; a
# take made for a known face uses that face's (MotionOptions.gaze_limits_deg). The eye-in-head angle the head's
# turn asks for (the eyes held on the camera while the head turns, or a look away on top of a turn) saturates
# smoothly into them over the last GAZE_SOFT_DEG, so the exported tracks are what the render shows and an eye
# reaches its limit without a kink. (Before, the tracks asked beyond the rig's ~11.5 deg cap in 19 % of frames
# at --head-motion 1, 62 % at 2, and the rig held the iris there: the saved animation was not what was seen.)
GAZE_LIMITS_DEG = (-28.0, 28.0, -11.0, 11.0)
GAZE_SOFT_DEG = 4.0
# Event kinds of the eyes' draws (schedule.Draws).
_BLINK, _GAZE_SHIFT_BLINK, _PHRASE_START, _SACCADE, _PHRASE_END = range(5)


def blink_profile(t_s: np.ndarray, *, close_s: float, open_s: float) -> np.ndarray:
    """Lid closure 0..1 at times `t_s` relative to the apex: a cosine ease down over close_s, up over open_s.

    Exactly 1.0 at t=0, 0 outside (-close_s, open_s).
    """
    t_s = np.asarray(t_s, dtype=np.float64)
    phase = np.where(t_s < 0.0, -t_s / close_s, t_s / open_s)
    return np.where(phase < 1.0, 0.5 + 0.5 * np.cos(np.pi * np.clip(phase, 0.0, 1.0)), 0.0)


class Blinker:
    """Blinks as a renewal process with log-normal intervals on a clock held off for a moment after each blink;
    a phrase end or a large gaze shift may bring the next blink forward.
    Causal: a blink is decided at the frame its lid starts down."""

    def __init__(
        self, fps: float, *, seed: np.random.SeedSequence, rate_per_min: float | None, lookahead: int
    ) -> None:
        self.fps = float(fps)
        self.draws = Draws(seed, self.fps)
        rng = self.draws.take
        self.rate_per_min = rate_per_min
        self.lookahead = lookahead
        self.factor = 1.0
        self._warm = math.exp(-1.0 / (ACTIVITY_S * self.fps))
        if rate_per_min is None:
            drawn = float(rng.lognormal(-0.5 * RATE_LOG_SIGMA**2, RATE_LOG_SIGMA))
            self.factor = min(max(drawn, RATE_FACTOR_RANGE[0]), RATE_FACTOR_RANGE[1])
        self.left, self.right = Ahead(), Ahead()
        self.clock = 0.0
        self._mu = -0.5 * INTERVAL_LOG_SIGMA**2  # log-normal of mean 1 (one expected blink)
        # The hold after a blink (REFRACTORY_S, in frames), shorter for a take whose mean interval is short.
        fastest = SPEAKING_BLINKS_PER_MIN * self.factor if rate_per_min is None else float(rate_per_min)
        middle_s = 0.5 * (REFRACTORY_S[0] + REFRACTORY_S[1])
        scale = min(1.0, HOLD_SHARE * 60.0 / max(fastest, 1e-9) / middle_s)
        self.hold = (REFRACTORY_S[0] * scale * self.fps, REFRACTORY_S[1] * scale * self.fps)
        self.last_start = -(10**9)  # the frame the last blink (or double blink) started
        self.threshold = 0.0
        self._start_mid_interval(rng)
        # First frame a new blink may start: not in the first fifth of a second (a clip opening mid-blink reads
        # as a glitch, as one ending mid-blink does).
        self.free_from = int(round(0.2 * fps))
        self.boost_from, self.boost_until = 10**12, -1  # the window after a phrase end
        self.apexes = FrameHistory()  # every blink apex (records: a stream drops old ones)
        self._wanted = False

    def _per_second(self, per_min: float) -> float:
        """The clock's speed, in expected blinks per second, beyond the hold at `per_min` blinks a minute."""
        held_s = 0.5 * (self.hold[0] + self.hold[1]) / self.fps
        speed = 1.0 / max(1.0 - held_s * per_min / 60.0, 0.25)
        return speed * per_min / (60.0 * (1.0 + DOUBLE_BLINK_PROBABILITY))

    def _start_mid_interval(self, rng: np.random.Generator) -> None:
        """Begin as if the take had been blinking all along, at its speaking rate: the clip's first frame is a
        random moment in a random interval. Such a moment falls in a long interval more often than in a short one
        (an interval's chance is proportional to its length), and at a random place in it, so the last blink was
        some time ago (perhaps within the hold) and the wait for the next is the rest of that interval.

        An interval is the hold (its middle, held_s) plus the clock's log-normal threshold L over its speed c:
        X = held_s + L / c. Length-biased, that is L as drawn with chance held_s / mean (X's first term) and L
        from the length-biased log-normal (mu + sigma^2) otherwise; the clip starts U * X into it. Before (the
        threshold a uniform share of one plain draw, no hold), short waits were favoured: by 0.75 s in 50-54 % of
        say and recorded takes against the 29 % of a blinker that has been going on (benchmarks/RESULTS.md, first
        blink; a look away at the first phrase start may still bring it forward, as any gaze shift does)."""
        if self.off:
            return
        per_min = (
            SPEAKING_BLINKS_PER_MIN * self.factor if self.rate_per_min is None else float(self.rate_per_min)
        )
        c = self._per_second(per_min)
        held_s = 0.5 * (self.hold[0] + self.hold[1]) / self.fps
        mean_s = held_s + 1.0 / c
        mu = self._mu if rng.random() < held_s / mean_s else self._mu + INTERVAL_LOG_SIGMA**2
        self.threshold = float(rng.lognormal(mu, INTERVAL_LOG_SIGMA))
        age = int(round(float(rng.uniform(0.0, 1.0)) * (held_s + self.threshold / c) * self.fps))
        # The last blink started `age` frames before the first; the clock has run since, as step() runs it.
        self.last_start = -age
        self.clock = sum(self._readiness(frame) for frame in range(-age, 0)) * c / self.fps

    @property
    def off(self) -> bool:
        return self.rate_per_min is not None and self.rate_per_min <= 0.0

    def on_phrase_end(self, phrase: Phrase, now: int) -> None:
        if phrase.end is not None:
            delay = float(self.draws.event(_PHRASE_END, phrase.end).uniform(0.0, PHRASE_END_DELAY_S))
            self.boost_from = phrase.end + int(round(delay * self.fps))
            self.boost_until = self.boost_from + int(round(PHRASE_END_WINDOW_S * self.fps))

    def on_gaze_shift(self, size_deg: float, frame: int) -> None:
        if (
            size_deg >= GAZE_SHIFT_BLINK_DEG
            and self.draws.event(_GAZE_SHIFT_BLINK, frame).random() < GAZE_SHIFT_BLINK_PROBABILITY
        ):
            self._wanted = True

    def _readiness(self, frame: int) -> float:
        """0 within the hold after the last blink's start, rising smoothly to 1 at its end."""
        low, high = self.hold
        x = min(max((frame - self.last_start - low) / max(high - low, 1e-9), 0.0), 1.0)
        return x * x * (3.0 - 2.0 * x)

    def step(self, frame: int, cues: CueTracker, *, end: int | None) -> tuple[float, float]:
        """(left, right) closure at `frame`; `end` is the clip's frame count once it is within reach."""
        if not self.off:
            if self.rate_per_min is None:
                # The cues' activity is a running mean from silence before the first frame; the blinker starts
                # as a speaker's (_start_mid_interval), so its rate reads the mean as if it had started from
                # speech: the same decay, from 1 (else the first blink waits at the listening rate for the first
                # second: by 0.75 s in 22 % of say takes against the stationary 29 %).
                warm = self._warm ** (frame + 1) if frame >= 0 else 1.0
                activity = min(cues.activity[frame] + warm, 1.0)
                per_min = (
                    LISTENING_BLINKS_PER_MIN + (SPEAKING_BLINKS_PER_MIN - LISTENING_BLINKS_PER_MIN) * activity
                )
                per_min *= self.factor
            else:
                per_min = float(self.rate_per_min)
            # The clock stands still through the hold and runs that much faster after it, so the mean interval
            # stays 60 / per_min: the hold takes about its middle out of every interval.
            ready = self._readiness(frame)
            self.clock += ready * self._per_second(per_min) / self.fps
            pull = 0.0
            if ready >= 1.0:
                if self.boost_from <= frame < self.boost_until:
                    pull = PHRASE_END_PULL
                if self._wanted:
                    pull = max(pull, GAZE_SHIFT_PULL)
            if self.clock >= self.threshold - pull and frame >= self.free_from:
                rng = self.draws.event(_BLINK, frame)
                self._start(frame, end, rng)
                self._wanted = False
                # A blink brought forward leaves the schedule where it was: the next interval is longer.
                self.threshold = max(self.threshold, self.clock) + float(
                    rng.lognormal(self._mu, INTERVAL_LOG_SIGMA)
                )
            elif self._wanted and frame >= self.free_from + int(0.3 * self.fps):
                self._wanted = False
        return self.left.take(frame), self.right.take(frame)

    def _start(self, frame: int, end: int | None, rng: np.random.Generator) -> None:
        close_s = max(float(rng.uniform(*CLOSE_S)), MIN_CLOSE_FRAMES / self.fps)
        open_s = close_s * float(rng.uniform(*OPEN_OVER_CLOSE))
        apex = frame + max(int(math.ceil(close_s * self.fps)), 1)
        double = rng.random() < DOUBLE_BLINK_PROBABILITY
        second_close_s = max(float(rng.uniform(0.05, 0.08)), MIN_CLOSE_FRAMES / self.fps)
        # The second closure comes while the lid is still mostly down (two frames, ~80 ms, after the first): at
        # video frame rates a lid that opens between the two reads as a flicker.
        second = apex + max(int(round(0.08 * self.fps)), 2)
        last = (second if double else apex) + int(math.ceil(1.05 * open_s * self.fps)) + 1
        if double and last - frame > self.lookahead - 1:
            double, last = False, apex + int(math.ceil(1.05 * open_s * self.fps)) + 1
        if end is not None and last > end - END_OPEN_FRAMES:
            # The clip ends before this blink would be over: no blink, and no half blink, at the end.
            self.free_from = 10**12
            return
        open_until = self._draw(apex, close_s, open_s, rng)
        self.apexes.append(apex)
        self.last_start = frame
        if double:
            open_until = self._draw(second, second_close_s, open_s, rng)
            self.apexes.append(second)
        self.free_from = open_until + int(math.ceil(MIN_GAP_S * self.fps))

    def _draw(self, apex: int, close_s: float, open_s: float, rng: np.random.Generator) -> int:
        """Draw one blink into both curves; return the first frame with the lids open again."""
        # The two lids move together; the opening speed differs by a few percent between eyes.
        open_left = open_s * float(rng.uniform(0.95, 1.05))
        open_right = open_s * float(rng.uniform(0.95, 1.05))
        first = int(math.floor(apex - close_s * self.fps))
        last = int(math.ceil(apex + max(open_left, open_right) * self.fps))
        t = (np.arange(first, last + 1) - apex) / self.fps
        self.left.maximum(first, blink_profile(t, close_s=close_s, open_s=open_left))
        self.right.maximum(first, blink_profile(t, close_s=close_s, open_s=open_right))
        return last + 1


def soft_limit(
    angle_deg: float, low_deg: float, high_deg: float, *, soft_deg: float = GAZE_SOFT_DEG
) -> float:
    """`angle_deg` inside [low_deg, high_deg]: unchanged up to soft_deg short of a limit, then saturating (tanh)
    into it, never reaching past it; smooth (continuous slope) everywhere."""
    for limit, sign in ((high_deg, 1.0), (-low_deg, -1.0)):
        x = sign * angle_deg
        knee = limit - min(soft_deg, 0.5 * limit)
        if x > knee:
            span = limit - knee
            return sign * (knee + span * math.tanh((x - knee) / span)) if span > 0 else sign * limit
    return angle_deg


def eye_in_head(
    world_deg: tuple[float, float],
    head_deg: tuple[float, float],
    limits_deg: tuple[float, float, float, float],
) -> tuple[float, float]:
    """(gazeYaw, gazePitch): a world gaze direction against the head's (yaw, pitch), as the vestibulo-ocular
    reflex holds a target while the head moves, soft-limited to the eyes' range (low/high yaw, low/high pitch)."""
    low_yaw, high_yaw, low_pitch, high_pitch = limits_deg
    return (
        soft_limit(world_deg[0] - head_deg[0], low_yaw, high_yaw),
        soft_limit(world_deg[1] - head_deg[1], low_pitch, high_pitch),
    )


class Gazer:
    """Fixations and saccades in the world (0, 0 = the camera), chosen causally; `eye_in_head` turns them
    into eye angles against the head pose, as the vestibulo-ocular reflex holds a target while the head moves.
    """

    def __init__(self, fps: float, *, seed: np.random.SeedSequence) -> None:
        self.fps = float(fps)
        self.draws = Draws(seed, self.fps)
        rng = self.draws.take
        self.target = (0.0, 0.0)
        self.start = (0.0, 0.0)
        self.saccade_from = 0
        self.until = int(self._camera_s(rng) * fps * rng.uniform(0.2, 1.0))
        self.averted = False
        self.stare_from = 0  # the frame the eyes came to the lens (a look at it, and small shifts on it)
        self.phrase_end: int | None = None  # the last phrase end handed (a phrase's known end, ahead of it)
        # A clip opens, and ends (settle), looking exactly at the camera: the rest pose, so clips join.
        self.hold_until = int(round(GAZE_START_HOLD_S * fps))
        self.settled = False
        self._settle_from: int | None = None  # the frame the end settle was first asked for
        # records, by event number (a stream drops old ones: MotionStream._forget)
        self.shifts = FrameHistory()  # every saccade's frame
        self.aversions = FrameHistory()  # the frames where a look away starts
        # a look away decided at a phrase start: its side and the draws of its target and length
        self._pending_avert: tuple[float, np.random.Generator] | None = None

    @staticmethod
    def _camera_s(rng: np.random.Generator) -> float:
        return float(np.clip(rng.lognormal(math.log(1.5), 0.6), *CAMERA_FIXATION_S))

    @staticmethod
    def _speaking_s(rng: np.random.Generator, spec: tuple[float, float, float, float]) -> float:
        median, sigma, low, high = spec
        return float(np.clip(rng.lognormal(math.log(median), sigma), low, high))

    def on_phrase_start(self, phrase: Phrase, now: int, head_turn_sign: float) -> None:
        # Look away as speech is planned at the start of an utterance, often where the head turns; most often at
        # the start of a turn (a reply's first phrase).
        rng = self.draws.event(_PHRASE_START, phrase.start)
        chance = AVERT_AT_TURN_START if phrase.pause_before_s >= TURN_PAUSE_S else AVERT_AT_PHRASE_START
        if rng.random() < chance:
            side = head_turn_sign if head_turn_sign and rng.random() < 0.7 else rng.choice([-1.0, 1.0])
            self._pending_avert = (float(side), rng)
        elif not self.averted and not self.settled:
            # Speaking on from a look at the lens held through the pause: it lasts as a look while speaking does.
            look = self._frames(self._speaking_s(rng, SPEAKING_LOOK_S))
            self.until = min(self.until, max(now, phrase.start, self.stare_from + look))

    def on_phrase_end(self, phrase: Phrase, now: int) -> None:
        # ... and back to the listener as the utterance ends (just before its last sound when known that early),
        # a look away having lasted at least AVERT_MIN_S.
        if phrase.end is None:
            return
        self.phrase_end = phrase.end
        if self.averted:
            back = max(now, phrase.end - int(round(PHRASE_END_RETURN_S * self.fps)))
            back = max(back, self.saccade_from + int(round(AVERT_MIN_S * self.fps)))
            self.until = min(self.until, back)

    def step(
        self, frame: int, cues: CueTracker, *, known_end: int | None = None
    ) -> tuple[float, float, float]:
        """World gaze (yaw, pitch) at `frame`, and the size in degrees of a shift starting here (else 0).

        known_end: the clip's frame count known ahead (a file's): no look away starts within END_QUIET_S of it."""
        shift = 0.0
        if known_end is not None and known_end - frame <= self._frames(END_QUIET_S):
            self._pending_avert = None
        if frame < self.hold_until or self.settled or self._settle_from is not None:
            # Held on the camera at the start (a look away decided now waits), or at the end: settling back to it
            # (a look away just begun holding a moment first), or settled.
            if self.settled:
                self._pending_avert = None
            progress = self._progress(frame)
            return (
                self.start[0] + (self.target[0] - self.start[0]) * progress,
                self.start[1] + (self.target[1] - self.start[1]) * progress,
                0.0,
            )
        speaking = bool(cues.in_phrase[frame])
        waiting = self._pending_avert is not None and frame < self.saccade_from + self._frames(SACCADE_GAP_S)
        if waiting:
            pass  # the eyes land before they move again (saccades are ~0.15 s or more apart)
        elif self._pending_avert is not None:
            side, rng = self._pending_avert
            if not self.averted:
                target = self._avert_target(side, rng)
                self._set(frame, target, averted=True, rng=rng, speaking=True, avert_s=PHRASE_START_AVERT_S)
                shift = self._size()
            else:
                # Already looking away as the next phrase starts: the look goes on while it is planned.
                self.until = max(
                    self.until, frame + self._frames(self._speaking_s(rng, PHRASE_START_AVERT_S))
                )
        elif frame >= self.until:
            rng = self.draws.event(_SACCADE, frame)
            if self.averted:
                self._set(frame, self._camera_target(rng), averted=False, rng=rng, speaking=speaking)
            elif speaking:
                # Within a phrase a look at the lens usually gives way to a look away, always once it has lasted
                # STARE_SOFT_S, but not just before the phrase's end (known a little ahead): there the eyes stay.
                stare_s = (frame - self.stare_from) / self.fps
                ending = (
                    self.phrase_end is not None
                    and 0 <= self.phrase_end - frame < self._frames(PHRASE_END_QUIET_S)
                ) or (known_end is not None and known_end - frame <= self._frames(END_QUIET_S))
                ahead = range(frame + 1, min(frame + 1 + self._frames(PAUSE_AHEAD_S), len(cues.speech)))
                pausing = not all(cues.speech[k] for k in ahead)
                chance = 1.0 if stare_s >= STARE_SOFT_S else LOOK_AWAY_AFTER_LOOK
                if pausing and not ending:
                    # Decided again once the voice goes on (or the phrase's end is known).
                    self.until = frame + 2
                    return self._at(frame, shift)
                if not ending and rng.random() < chance:
                    side = rng.choice([-1.0, 1.0])
                    self._set(frame, self._avert_target(side, rng), averted=True, rng=rng, speaking=True)
                else:
                    self._set(frame, self._camera_target(rng), averted=False, rng=rng, speaking=True)
            else:
                p = AVERT_PER_S_SPEAKING * cues.activity[frame] + AVERT_PER_S_QUIET * (
                    1 - cues.activity[frame]
                )
                near_end = known_end is not None and known_end - frame <= self._frames(END_QUIET_S)
                if not near_end and rng.random() < min(p * (self.until - self.saccade_from) / self.fps, 0.8):
                    self._set(frame, self._avert_target(rng.choice([-1.0, 1.0]), rng), averted=True, rng=rng)
                else:
                    self._set(frame, self._camera_target(rng), averted=False, rng=rng)
            shift = self._size()
        if not waiting:
            self._pending_avert = None
        return self._at(frame, shift)

    def _at(self, frame: int, shift: float) -> tuple[float, float, float]:
        """The world gaze at `frame` along the current saccade, and `shift` (step's result)."""
        progress = self._progress(frame)
        yaw = self.start[0] + (self.target[0] - self.start[0]) * progress
        pitch = self.start[1] + (self.target[1] - self.start[1]) * progress
        return yaw, pitch, shift

    def settle(self, frame: int) -> None:
        """Back to the camera from `frame` on (one saccade, exactly on it) and stay: the clip's end, where a
        speaker looks back at the listener (Kendon 1967)."""
        if self.settled:
            return
        if self._settle_from is None:
            self._settle_from = frame
        # A look away just begun is not cut to a twitch: it holds a moment (SETTLE_HOLD_S at most) first.
        hold = min(
            self.saccade_from + self._frames(AVERT_MIN_S), self._settle_from + self._frames(SETTLE_HOLD_S)
        )
        if self.averted and frame < hold:
            self._pending_avert = None
            return
        progress = self._progress(frame)
        self.start = (
            self.start[0] + (self.target[0] - self.start[0]) * progress,
            self.start[1] + (self.target[1] - self.start[1]) * progress,
        )
        self.target, self.saccade_from, self.averted, self.settled = (0.0, 0.0), frame, False, True
        self._pending_avert = None

    def _frames(self, seconds: float) -> int:
        return max(int(round(seconds * self.fps)), 1)

    def _size(self) -> float:
        return math.hypot(self.target[0] - self.start[0], self.target[1] - self.start[1])

    @staticmethod
    def _avert_target(side: float, rng: np.random.Generator) -> tuple[float, float]:
        yaw = side * float(rng.uniform(*AVERT_YAW_DEG))
        pitch = float(np.clip(rng.normal(*AVERT_PITCH_DEG), -9.0, 5.0))
        return yaw, pitch

    @staticmethod
    def _camera_target(rng: np.random.Generator) -> tuple[float, float]:
        return float(rng.normal(0.0, CAMERA_JITTER_DEG)), float(rng.normal(0.0, CAMERA_JITTER_DEG))

    def _set(
        self,
        frame: int,
        target: tuple[float, float],
        *,
        averted: bool,
        rng: np.random.Generator,
        speaking: bool = False,
        avert_s: tuple[float, float, float, float] = SPEAKING_AVERT_S,
    ) -> None:
        """Start a saccade to `target` at `frame` and draw how long it is held: outside phrases as listening
        (AVERT_S, CAMERA_FIXATION_S), while `speaking` a look away of `avert_s` or a look at the lens."""
        progress = self._progress(frame)
        current = (
            self.start[0] + (self.target[0] - self.start[0]) * progress,
            self.start[1] + (self.target[1] - self.start[1]) * progress,
        )
        if not averted and self.averted:
            self.stare_from = frame
        self.start, self.target, self.saccade_from, self.averted = current, target, frame, averted
        if not speaking:
            length_s = float(rng.uniform(*AVERT_S)) if averted else self._camera_s(rng)
        elif averted:
            length_s = self._speaking_s(rng, avert_s)
        else:
            # A further look at the lens while speaking ends by STARE_MAX_S after the eyes came to it.
            room_s = STARE_MAX_S - (frame - self.stare_from) / self.fps
            length_s = max(min(self._speaking_s(rng, SPEAKING_LOOK_S), room_s), SPEAKING_LOOK_S[2])
        self.until = frame + self._frames(length_s)
        self.shifts.append(frame)
        if averted:
            self.aversions.append(frame)

    def _progress(self, frame: int) -> float:
        """Saccade progress 0..1: main-sequence duration ~21 ms + 2.2 ms/deg (Carpenter 1988), smoothstep."""
        duration_s = 0.021 + 0.0022 * self._size()
        x = min(max((frame - self.saccade_from + 1) / self.fps / duration_s, 0.0), 1.0)
        return x * x * (3 - 2 * x)
