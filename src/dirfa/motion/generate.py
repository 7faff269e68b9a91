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
from dirfa.motion.cues import ProsodyLike, conform, typed_marks
from dirfa.motion.expression import ExpressionTimeline
from dirfa.motion.tracks import TRACK_SPECS, Tracks

__all__ = ["MotionOptions", "ProsodyLike", "generate", "seed_from"]

log = logging.getLogger(__name__)

MAX_HEAD_MOTION = 3.0
MAX_BLINKS_PER_MIN = 120.0


@dataclass(frozen=True)
class MotionOptions:
    """What the user controls about non-verbal motion.

    seed: takes with different seeds differ in head motion, blinks, gaze and brows; lip sync never changes.
    head_motion: 0 = still, 1 = natural, 2 = lively (up to 3). blink_rate_per_min: None = natural (about 26/min
    while talking, 17/min in pauses; Bentivoglio et al. 1997), 0 = never. gaze: False keeps the eyes fixed in the
    head. expressions: an emotion timeline laid over the whole face, None = neutral. gaze_limits_deg: the eyes'
    range in the head (lowest, highest gazeYaw, lowest, highest gazePitch; degrees) of the face the take is for
    (face.rig.gaze_limits_deg), None = eyes.GAZE_LIMITS_DEG: gaze tracks stay inside it, as the render does.
    """

    seed: int = 0
    head_motion: float = 1.0
    blink_rate_per_min: float | None = None
    gaze: bool = True
    expressions: ExpressionTimeline | None = None
    gaze_limits_deg: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        limits = self.gaze_limits_deg
        if limits is not None and not (
            len(limits) == 4
            and all(math.isfinite(x) for x in limits)
            and limits[0] <= 0.0 <= limits[1]
            and limits[2] <= 0.0 <= limits[3]
        ):
            raise InputError(
                f"gaze limits {limits!r} are not usable — use (low yaw <= 0, high yaw >= 0, low pitch <= 0, high pitch >= 0) degrees"
            )
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


def generate(
    mouth: Mapping[str, np.ndarray],
    prosody: ProsodyLike | None,
    *,
    fps: float,
    n_frames: int,
    options: MotionOptions = DEFAULT_OPTIONS,
) -> Tracks:
    """Tracks for the clip: the lip-sync curves, plus head, blinks, gaze, brows, mouth gestures and expression.

    mouth: lip-sync weight curves by ARKit name, each (n_frames,). prosody: per-frame prosody at `fps` (arrays of
    about n_frames; a frame or two of rounding difference is padded or cut), or None for silence.
    The clip runs through stream.MotionStream in one chunk, so a streamed take is this one, frame for frame
    (streamed with its n_frames; without, the last ~2 s differ: the head's end settle has only the look-ahead).
    jawOpen and mouthClose pass through unchanged unless an expression (surprise) opens the jaw, except at
    the clip's ends: the clip starts and ends at the rest pose (stream.START_S, SETTLE_S, ANTICIPATION_S).
    """
    from dirfa.motion.stream import MotionStream

    n = int(n_frames)
    for name, values in mouth.items():
        if name not in TRACK_SPECS:
            raise ValueError(f"lip sync produced unknown track {name!r}")
        if np.shape(values) != (n,):
            raise ValueError(f"lip-sync track {name!r} has shape {np.shape(values)}, expected ({n},)")
    stream = MotionStream(fps, options, n_frames=n)
    first = stream.push(dict(mouth), _conformed(prosody, n), n_frames=n)
    rest = stream.finish()
    curves = {name: np.concatenate([first.get(name, np.zeros(0)), rest[name]]) for name in rest}
    log.debug(
        "motion: %d phrases, %d accents, %d blinks (%.1f/min), %d gaze shifts, %d brow raises, yaw std %.1f deg",
        len(stream.cues.phrases),
        len(stream.cues.accents),
        len(stream.blinker.apexes),
        60.0 * len(stream.blinker.apexes) / max(n / fps, 1e-9),
        len(stream.gazer.shifts),
        len(stream.brows.raises),
        float(np.std(curves["headYaw"])) if n else 0.0,
    )
    return Tracks(float(fps), curves, n)


@dataclass(frozen=True)
class _Prosody:
    energy_db: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    speech: np.ndarray
    typed_question: np.ndarray  # NaN where the words are not known (cues.ProsodyLike)


def _conformed(prosody: ProsodyLike | None, n: int) -> _Prosody | None:
    """The prosody cut or padded to exactly n frames (the speech stage may be a frame off by rounding)."""
    if prosody is None:
        return None
    return _Prosody(
        energy_db=conform(prosody.energy_db, n, fill=-90.0),
        loudness=conform(prosody.loudness, n),
        f0_hz=conform(prosody.f0_hz, n),
        voiced=conform(prosody.voiced, n),
        speech=conform(prosody.speech, n),
        typed_question=typed_marks(prosody, n),
    )


def seed_from(*inputs: object) -> int:
    """A take number derived from the inputs (arrays, text, bytes): the same inputs always give the same
    take, and two different clips practically never share one (so never a blink schedule)."""
    import hashlib

    digest = hashlib.sha256()
    for item in inputs:
        if isinstance(item, np.ndarray):
            # Samples quantised to 16 bits: the same recording decoded twice hashes the same.
            digest.update(np.round(np.asarray(item, np.float64) * 32767).astype("<i2").tobytes())
        elif isinstance(item, bytes):
            digest.update(item)
        else:
            digest.update(str(item).encode("utf-8"))
        digest.update(b"\0")
    return int.from_bytes(digest.digest()[:4], "little") & 0x7FFFFFFF
