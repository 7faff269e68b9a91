"""Head motion: yaw, pitch and roll in degrees, coupled to the rhythm and melody of speech.

Motion stage: prosodic cues (cues.py) -> headYaw/headPitch/headRoll curves for generate.py.

The motion is a sum of smooth parts, each one a known regularity of speakers' heads:
  * posture drift and sway: Gaussian-filtered noise (no frame-to-frame noise), livelier while talking;
  * nods on accented syllables: Graf, Cosatto, Strom & Huang (2002, "Visual prosody: facial movements
    accompanying speech") found head nods aligned with pitch accents, of a few degrees;
  * pitch follows f0: Yehia, Kuratate & Vatikiotis-Bateson (2002) found head motion and f0 strongly correlated
    (r ~ 0.7), and Munhall et al. (2004) that this motion helps listeners;
  * a posture shift at each phrase and a settling nod at its end: Hadar, Steiner, Grant & Rose (1983) found
    head movements cluster at pauses and phrase junctures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from dirfa.motion.cues import Cues

# Hard limit on every angle, degrees; approached softly (tanh) so the curve stays smooth.
MAX_ANGLE_DEG = 15.0

# Standard deviations in degrees at head_motion=1. Together they give a yaw std of about 2.8 deg (range ~13),
# pitch about 2 deg (range ~10) and roll about 1.4 deg over a minute of read speech (measured on the LibriVox
# readings in pocketsphinx-testdata), of the order Busso et al. (2007, "Rigid head motion in expressive speech
# animation") report for speakers: a few degrees of spread, ranges up to ~10-15 deg.
DRIFT_DEG = {"yaw": 2.0, "pitch": 1.7, "roll": 0.8}  # slow posture drift, time scale ~1.5 s
SWAY_DEG = {
    "yaw": 1.0,
    "pitch": 0.7,
    "roll": 0.5,
}  # sway, time scale ~0.35 s, x (0.5 listening .. 1.3 talking)
PHRASE_SHIFT_DEG = {"yaw": 1.8, "pitch": 0.7, "roll": 1.0}  # new posture per phrase
NOD_DEG = 2.5  # chin-down nod on the strongest accents, degrees
NOD_SIDE_DEG = 0.8  # accompanying turn/tilt on accents, random sign
NOD_SIGMA_S = 0.11  # half-width of a nod, seconds: a nod lasts ~0.4-0.5 s
PITCH_PER_ST_DEG = 0.4  # chin up per semitone of f0 above the speaker's median
END_NOD_DEG = 1.5  # settling nod at a phrase end
END_NOD_PROBABILITY = 0.6


@dataclass(frozen=True)
class HeadPose:
    """Head angles in degrees, each shape (n_frames,): yaw + = towards the viewer's right, pitch + = chin up,
    roll + = towards the viewer's right shoulder (as in tracks.TRACK_SPECS)."""

    yaw_deg: np.ndarray
    pitch_deg: np.ndarray
    roll_deg: np.ndarray


def filtered_noise(rng: np.random.Generator, n_frames: int, *, sigma_s: float, fps: float) -> np.ndarray:
    """Smooth Gaussian noise of unit standard deviation whose wiggles last about `sigma_s` seconds.

    White noise through a Gaussian filter; divided by the filter's theoretical gain so that the amplitude does
    not depend on the clip's length (a short clip is not stretched to unit variance).
    """
    sigma = max(sigma_s * fps, 0.5)
    margin = int(4 * sigma) + 1
    white = rng.standard_normal(n_frames + 2 * margin)
    smooth = gaussian_filter1d(white, sigma=sigma, mode="wrap")[margin : margin + n_frames]
    return smooth * np.sqrt(2.0 * np.sqrt(np.pi) * sigma)


def _bumps(
    n_frames: int, frames: np.ndarray, amplitudes: np.ndarray, *, sigma_s: float, fps: float
) -> np.ndarray:
    """A Gaussian bump of the given amplitude centred on each frame."""
    impulses = np.zeros(n_frames)
    np.add.at(impulses, frames.astype(np.int64), amplitudes)
    sigma = max(sigma_s * fps, 0.5)
    # Unit peak height: a sampled Gaussian kernel sums to ~ sigma*sqrt(2 pi).
    return gaussian_filter1d(impulses, sigma=sigma, mode="constant") * sigma * np.sqrt(2.0 * np.pi)


def head_motion(cues: Cues, *, rng: np.random.Generator, amount: float = 1.0) -> HeadPose:
    """Head angles for the clip; `amount` scales everything (0 = exactly still, 1 = natural, 2 = lively)."""
    n, fps = cues.n_frames, cues.fps
    if amount <= 0.0 or n == 0:
        zeros = np.zeros(n)
        return HeadPose(zeros, zeros.copy(), zeros.copy())
    activity = cues.activity
    liveliness = 0.5 + 0.8 * activity
    angles = {}
    for axis in ("yaw", "pitch", "roll"):
        drift = DRIFT_DEG[axis] * filtered_noise(rng, n, sigma_s=1.5, fps=fps)
        sway = SWAY_DEG[axis] * liveliness * filtered_noise(rng, n, sigma_s=0.35, fps=fps)
        # A new resting posture for each phrase, held until the next one, eased in over ~0.5 s.
        posture = np.zeros(n)
        for start, _end in cues.phrases:
            posture[start:] = rng.normal(0.0, PHRASE_SHIFT_DEG[axis])
        shift = gaussian_filter1d(posture, sigma=max(0.25 * fps, 0.5), mode="nearest")
        angles[axis] = drift + sway + shift

    strength = cues.accent_strength
    nods = -NOD_DEG * strength * rng.uniform(0.6, 1.2, strength.shape)
    angles["pitch"] += _bumps(n, cues.accents, nods, sigma_s=NOD_SIGMA_S, fps=fps)
    for axis in ("yaw", "roll"):
        side = (
            NOD_SIDE_DEG
            * strength
            * rng.choice([-1.0, 1.0], strength.shape)
            * rng.uniform(0.3, 1.0, strength.shape)
        )
        angles[axis] += _bumps(n, cues.accents, side, sigma_s=1.5 * NOD_SIGMA_S, fps=fps)

    if cues.phrases.size:
        ends = np.clip(cues.phrases[:, 1] - 1, 0, n - 1)
        chosen = rng.random(ends.shape) < END_NOD_PROBABILITY
        amplitude = -END_NOD_DEG * rng.uniform(0.5, 1.0, ends.shape) * chosen
        angles["pitch"] += _bumps(n, ends, amplitude, sigma_s=1.5 * NOD_SIGMA_S, fps=fps)

    angles["pitch"] += (
        PITCH_PER_ST_DEG * gaussian_filter1d(cues.pitch_st, sigma=max(0.15 * fps, 0.5)) * activity
    )

    def finish(values: np.ndarray) -> np.ndarray:
        return MAX_ANGLE_DEG * np.tanh(amount * values / MAX_ANGLE_DEG)

    return HeadPose(finish(angles["yaw"]), finish(angles["pitch"]), finish(angles["roll"]))
