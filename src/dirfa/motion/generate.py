"""All non-verbal motion for a clip, combined with the lip-sync curves into one Tracks.

Motion stage, last step: lip-sync curves + prosody + options -> Tracks for the renderer (or a JSON file).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from dirfa.errors import InputError
from dirfa.motion.brows import brows
from dirfa.motion.cues import ProsodyLike, find_cues
from dirfa.motion.expression import ExpressionTimeline, expression_curves
from dirfa.motion.eyes import blinks, gaze
from dirfa.motion.head import head_motion
from dirfa.motion.tracks import TRACK_SPECS, Tracks

__all__ = ["MotionOptions", "ProsodyLike", "generate"]

log = logging.getLogger(__name__)

MAX_HEAD_MOTION = 3.0
MAX_BLINKS_PER_MIN = 120.0


@dataclass(frozen=True)
class MotionOptions:
    """What the user controls about non-verbal motion.

    seed: takes with different seeds differ in head motion, blinks, gaze and brows; lip sync never changes.
    head_motion: 0 = still, 1 = natural, 2 = lively (up to 3). blink_rate_per_min: None = natural (about 26/min
    while talking, 17/min in pauses; Bentivoglio et al. 1997), 0 = never. gaze: False keeps the eyes fixed in the
    head. expressions: an emotion timeline laid over the whole face, None = neutral.
    """

    seed: int = 0
    head_motion: float = 1.0
    blink_rate_per_min: float | None = None
    gaze: bool = True
    expressions: ExpressionTimeline | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool) or self.seed < 0:
            raise InputError(f"seed {self.seed!r} is not usable — use a whole number >= 0")
        if not (math.isfinite(self.head_motion) and 0.0 <= self.head_motion <= MAX_HEAD_MOTION):
            raise InputError(
                f"head motion {self.head_motion} is out of range — use 0 (still) to {MAX_HEAD_MOTION:g}, 1 is natural"
            )
        rate = self.blink_rate_per_min
        if rate is not None and not (math.isfinite(rate) and 0.0 <= rate <= MAX_BLINKS_PER_MIN):
            raise InputError(
                f"blink rate {rate} is out of range — use 0 to {MAX_BLINKS_PER_MIN:g} blinks per minute (natural: ~20)"
            )


DEFAULT_OPTIONS = MotionOptions()


def _screen(base: np.ndarray, overlay: np.ndarray) -> np.ndarray:
    """Combine two 0..1 weights so the result stays in 0..1 and never falls below either (1 - (1-a)(1-b))."""
    return base + overlay - base * overlay


def generate(
    mouth: Mapping[str, np.ndarray],
    prosody: ProsodyLike | None,
    *,
    fps: float,
    n_frames: int,
    options: MotionOptions = DEFAULT_OPTIONS,
) -> Tracks:
    """Tracks for the clip: the lip-sync curves unchanged, plus head, blinks, gaze, brows and expression.

    mouth: lip-sync weight curves by ARKit name, each (n_frames,). prosody: per-frame prosody at `fps` (arrays of
    about n_frames; a frame or two of rounding difference is padded or cut), or None for silence.
    mouthClose always passes through unchanged; with no expression every mouth curve does.
    """
    n = int(n_frames)
    for name, values in mouth.items():
        if name not in TRACK_SPECS:
            raise ValueError(f"lip sync produced unknown track {name!r}")
        if np.shape(values) != (n,):
            raise ValueError(f"lip-sync track {name!r} has shape {np.shape(values)}, expected ({n},)")
    curves: dict[str, np.ndarray] = {
        name: np.asarray(values, dtype=np.float64) for name, values in mouth.items()
    }

    cues = find_cues(prosody, fps=fps, n_frames=n)
    # One independent stream per part, so switching one part off (gaze=False) leaves the others' takes intact.
    head_seed, blink_seed, gaze_seed, brow_seed = np.random.SeedSequence(int(options.seed)).spawn(4)

    pose = head_motion(cues, rng=np.random.default_rng(head_seed), amount=options.head_motion)
    curves.update(headYaw=pose.yaw_deg, headPitch=pose.pitch_deg, headRoll=pose.roll_deg)

    blink = blinks(cues, rng=np.random.default_rng(blink_seed), rate_per_min=options.blink_rate_per_min)
    curves.update(eyeBlinkLeft=blink.left, eyeBlinkRight=blink.right)

    if options.gaze:
        eyes = gaze(
            cues,
            rng=np.random.default_rng(gaze_seed),
            head_yaw_deg=pose.yaw_deg,
            head_pitch_deg=pose.pitch_deg,
            blink=np.maximum(blink.left, blink.right),
        )
        curves.update(gazeYaw=eyes.yaw_deg, gazePitch=eyes.pitch_deg)
    else:
        curves.update(gazeYaw=np.zeros(n), gazePitch=np.zeros(n))

    brow = brows(cues, rng=np.random.default_rng(brow_seed))
    curves.update(
        browInnerUp=brow.inner_up,
        browOuterUpLeft=brow.outer_up_left,
        browOuterUpRight=brow.outer_up_right,
        browDownLeft=brow.down_left,
        browDownRight=brow.down_right,
    )

    if options.expressions is not None:
        _overlay_expression(curves, expression_curves(options.expressions, fps=fps, n_frames=n))
    # A closing lid covers a raised one: the blink wins over eyeWide.
    for side in ("Left", "Right"):
        if f"eyeWide{side}" in curves:
            curves[f"eyeWide{side}"] = curves[f"eyeWide{side}"] * (1.0 - curves[f"eyeBlink{side}"])

    log.debug(
        "motion: %d phrases, %d accents, %d blinks (%.1f/min), yaw std %.1f deg",
        len(cues.phrases),
        len(cues.accents),
        len(blink.apex_frames),
        60.0 * len(blink.apex_frames) / max(n / fps, 1e-9),
        float(np.std(pose.yaw_deg)) if n else 0.0,
    )
    return Tracks(float(fps), curves, n)


def _overlay_expression(curves: dict[str, np.ndarray], expression: Mapping[str, np.ndarray]) -> None:
    """Lay expression weights over the curves so far, keeping lip closure and the 0..1 range."""
    n = len(next(iter(expression.values()))) if expression else 0
    close = np.clip(curves.get("mouthClose", np.zeros(n)), 0.0, 1.0)
    for name, weight in expression.items():
        if not np.any(weight):
            continue
        if name == "jawOpen":
            # Surprise drops the jaw, but never through a bilabial closure (p, b, m).
            weight = weight * (1.0 - close)
        base = np.clip(curves.get(name, np.zeros(n)), 0.0, 1.0)
        curves[name] = _screen(base, weight)
