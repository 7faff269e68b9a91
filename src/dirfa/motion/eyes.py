"""Eye motion: blinks (eyeBlinkLeft/Right, 0..1) and gaze (gazeYaw/gazePitch, degrees, eye-in-head).

Motion stage: prosodic cues (cues.py) and the head pose (head.py) -> eye curves for generate.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dirfa.motion.cues import Cues

# Spontaneous blink rates: Bentivoglio et al. (1997, Movement Disorders 12:1028) measured 17 blinks/min at
# rest and 26/min during conversation in 150 healthy adults.
SPEAKING_BLINKS_PER_MIN = 26.0
LISTENING_BLINKS_PER_MIN = 17.0
# Inter-blink intervals are right-skewed and commonly modelled as log-normal; sigma of log-interval 0.6 gives a
# coefficient of variation of ~0.66, in the range reported for spontaneous blinking (Ponder & Kennedy 1927).
INTERVAL_LOG_SIGMA = 0.6
MIN_GAP_S = 0.25  # at least this much open eye between two separate blinks
# Speakers blink at phrase boundaries (Cummins 2012, "Gaze and blinking in dyadic conversation"): the blink hazard
# rises this many times its base in the half second after speech stops. The overall rate is kept.
PHRASE_END_BOOST = 4.0
PHRASE_END_WINDOW_S = 0.5
# A spontaneous blink lasts ~100-400 ms (Schiffman, Sensation and Perception); the lid comes down about twice as
# fast as it goes up (VanderWerf et al. 2003, J Neurophysiol 89:2784; Trutoiu et al. 2011 found the asymmetric
# profile looks more natural in animation).
BLINK_DURATION_S = (0.15, 0.35)
CLOSE_FRACTION = 0.35
DOUBLE_BLINK_PROBABILITY = 0.07
# The eyes dip down and in during a blink (Collewijn, van der Steen & Steinman 1985, J Neurophysiol 54:11).
BLINK_GAZE_DIP_DEG = 2.0

# Gaze: a talking head mostly addresses the camera; speakers look away more than listeners (Argyle & Cook 1976,
# "Gaze and Mutual Gaze": ~40% looking while speaking, ~75% while listening; a video presenter looks far more).
CAMERA_PROBABILITY_SPEAKING = 0.65
CAMERA_PROBABILITY_LISTENING = 0.8
FIXATION_S = (0.5, 3.0)  # fixation durations, seconds (log-normal, median ~1.2 s, clipped)
AVERT_YAW_DEG = 3.0  # std of the aversion target, sideways
AVERT_PITCH_DEG = (
    -1.0,
    1.5,
)  # mean and std of the aversion target, vertical (people look down when thinking)
CAMERA_JITTER_DEG = 0.4  # fixations "at the camera" are not all on the same point


@dataclass(frozen=True)
class Blinks:
    """Blink curves, each (n_frames,) 0..1 (1 = lid fully shut), and the apex frame of every blink."""

    left: np.ndarray
    right: np.ndarray
    apex_frames: np.ndarray


@dataclass(frozen=True)
class Gaze:
    """Eye-in-head angles in degrees, each (n_frames,): yaw + = towards the viewer's right, pitch + = up."""

    yaw_deg: np.ndarray
    pitch_deg: np.ndarray


def blink_hazard(cues: Cues, *, rate_per_min: float | None) -> np.ndarray:
    """Expected blinks per frame: the natural (or requested) rate, concentrated after phrase ends."""
    n, fps = cues.n_frames, cues.fps
    if rate_per_min is None:
        activity = cues.activity
        per_min = LISTENING_BLINKS_PER_MIN + (SPEAKING_BLINKS_PER_MIN - LISTENING_BLINKS_PER_MIN) * activity
    else:
        per_min = np.full(n, float(rate_per_min))
    boost = np.ones(n)
    window = max(int(round(PHRASE_END_WINDOW_S * fps)), 1)
    for _start, end in cues.phrases:
        boost[end : end + window] += PHRASE_END_BOOST
    # Redistribute rather than add: the clip's expected number of blinks stays sum(per_min) / (60 fps),
    # counting each closure of a double blink.
    boost /= boost.mean() if n else 1.0
    return per_min / (60.0 * fps * (1.0 + DOUBLE_BLINK_PROBABILITY)) * boost


def blinks(cues: Cues, *, rng: np.random.Generator, rate_per_min: float | None = None) -> Blinks:
    """Blink curves for the clip.

    Blink times are a renewal process with log-normal intervals run on the clock of the hazard (time rescaling),
    so blinks keep their natural irregularity and still gather where the hazard is high.
    """
    n, fps = cues.n_frames, cues.fps
    left, right = np.zeros(n), np.zeros(n)
    apexes: list[int] = []
    if n == 0 or (rate_per_min is not None and rate_per_min <= 0.0):
        return Blinks(left, right, np.zeros(0, dtype=np.int64))
    clock = np.cumsum(blink_hazard(cues, rate_per_min=rate_per_min))  # expected blinks up to each frame
    mu = -0.5 * INTERVAL_LOG_SIGMA**2  # log-normal with mean 1 (one expected blink)
    # Start somewhere inside the first interval so that a clip does not always open with the same wait.
    position = rng.uniform(0.0, 1.0) * rng.lognormal(mu, INTERVAL_LOG_SIGMA)
    free_from_s = -1.0  # the eyes are open from this time on
    while True:
        frame = int(np.searchsorted(clock, position))
        if frame >= n:
            break
        duration_s = rng.uniform(*BLINK_DURATION_S)
        close_s = CLOSE_FRACTION * duration_s
        # The apex sits on a frame so the lid reaches exactly 1.0 at whatever frame rate.
        apex = max(frame, int(np.ceil((free_from_s + MIN_GAP_S + close_s) * fps)))
        if apex >= n:
            break
        free_from_s = _add_blink(left, right, apex, close_s, duration_s - close_s, rng, fps=fps)
        apexes.append(apex)
        if rng.random() < DOUBLE_BLINK_PROBABILITY:
            # A second closure while the lid is still half-way up (a "double blink").
            second_close_s = rng.uniform(0.05, 0.08)
            open_s = duration_s - close_s
            second = apex + max(int(round((0.5 * open_s + second_close_s) * fps)), 2)
            if second < n:
                free_from_s = _add_blink(left, right, second, second_close_s, open_s, rng, fps=fps)
                apexes.append(second)
        position = max(position, clock[min(apex, n - 1)]) + rng.lognormal(mu, INTERVAL_LOG_SIGMA)
    return Blinks(left, right, np.array(apexes, dtype=np.int64))


def _add_blink(
    left: np.ndarray,
    right: np.ndarray,
    apex: int,
    close_s: float,
    open_s: float,
    rng: np.random.Generator,
    *,
    fps: float,
) -> float:
    """Draw one blink into both curves (max with what is there); return the time (s) the lids are open again."""
    n = left.shape[0]
    # The two lids move together; the opening speed differs by a few percent between eyes.
    open_left = open_s * rng.uniform(0.95, 1.05)
    open_right = open_s * rng.uniform(0.95, 1.05)
    first = max(int(np.floor(apex - close_s * fps)), 0)
    last = min(int(np.ceil(apex + max(open_left, open_right) * fps)), n - 1)
    t = (np.arange(first, last + 1) - apex) / fps
    for curve, opening in ((left, open_left), (right, open_right)):
        curve[first : last + 1] = np.maximum(
            curve[first : last + 1], blink_profile(t, close_s=close_s, open_s=opening)
        )
    return apex / fps + max(open_left, open_right)


def blink_profile(t_s: np.ndarray, *, close_s: float, open_s: float) -> np.ndarray:
    """Lid closure 0..1 at times `t_s` relative to the apex: a cosine ease down over close_s, up over open_s.

    Exactly 1.0 at t=0, 0 outside (-close_s, open_s).
    """
    t_s = np.asarray(t_s, dtype=np.float64)
    phase = np.where(t_s < 0.0, -t_s / close_s, t_s / open_s)
    return np.where(phase < 1.0, 0.5 + 0.5 * np.cos(np.pi * np.clip(phase, 0.0, 1.0)), 0.0)


def gaze(
    cues: Cues,
    *,
    rng: np.random.Generator,
    head_yaw_deg: np.ndarray,
    head_pitch_deg: np.ndarray,
    blink: np.ndarray,
) -> Gaze:
    """Fixations and saccades, mostly on the camera, as eye-in-head angles.

    Targets are chosen in the world (0, 0 = the camera); the eyes counter-rotate against the head to hold them,
    as the vestibulo-ocular reflex does, so a turning head keeps looking at the viewer.
    """
    n, fps = cues.n_frames, cues.fps
    target_yaw, target_pitch = np.zeros(n), np.zeros(n)
    activity = cues.activity
    phrase_ends = set((cues.phrases[:, 1]).tolist()) if cues.phrases.size else set()
    frame = 0
    previous = (0.0, 0.0)
    median_log = np.log(1.2)
    while frame < n:
        length_s = float(np.clip(rng.lognormal(median_log, 0.5), *FIXATION_S))
        end = min(n, frame + max(int(round(length_s * fps)), 1))
        # Speakers look back at the listener as a phrase ends (Kendon 1967); otherwise maybe look away.
        ends_phrase = any(frame <= e < end for e in phrase_ends)
        p_camera = CAMERA_PROBABILITY_LISTENING + (
            CAMERA_PROBABILITY_SPEAKING - CAMERA_PROBABILITY_LISTENING
        ) * float(activity[frame])
        if ends_phrase or rng.random() < p_camera:
            target = (rng.normal(0.0, CAMERA_JITTER_DEG), rng.normal(0.0, CAMERA_JITTER_DEG))
        else:
            target = (
                float(np.clip(rng.normal(0.0, AVERT_YAW_DEG), -8.0, 8.0)),
                float(np.clip(rng.normal(*AVERT_PITCH_DEG), -5.0, 4.0)),
            )
        _saccade(target_yaw, previous[0], target[0], frame, end, fps=fps)
        _saccade(target_pitch, previous[1], target[1], frame, end, fps=fps)
        previous = target
        frame = end
    yaw = target_yaw - head_yaw_deg
    pitch = target_pitch - head_pitch_deg - BLINK_GAZE_DIP_DEG * blink
    return Gaze(yaw, pitch)


def _saccade(
    curve: np.ndarray, start_deg: float, target_deg: float, first: int, end: int, *, fps: float
) -> None:
    """Fill curve[first:end] with a saccade from start to target, then the fixation.

    Saccade duration follows the main sequence, ~21 ms + 2.2 ms per degree (Carpenter 1988), so at video frame
    rates a saccade takes one or two frames.
    """
    amplitude = abs(target_deg - start_deg)
    duration_s = 0.021 + 0.0022 * amplitude
    t = (np.arange(first, end) - first + 1) / fps
    progress = np.clip(t / duration_s, 0.0, 1.0)
    curve[first:end] = start_deg + (target_deg - start_deg) * (3 * progress**2 - 2 * progress**3)
