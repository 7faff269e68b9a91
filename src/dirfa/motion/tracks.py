"""The Tracks type: per-frame named parameter curves, and their JSON form.

The seam of the pipeline: speech and motion produce Tracks, the renderer consumes them, users edit them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dirfa.errors import InputError

SCHEMA = "dirfa.animation/1"


@dataclass(frozen=True)
class TrackSpec:
    """What one track means: its unit, its valid range, and its rest value."""

    unit: str
    low: float
    high: float
    neutral: float
    description: str


def _unit(description: str) -> TrackSpec:
    return TrackSpec("weight", 0.0, 1.0, 0.0, description)


# Names follow Apple ARKit's face blendshapes wherever one fits (see ../shared/STYLE.md), so an exported
# animation means something in Live Link Face, MetaHuman or mediapipe's own blendshape model.
# Weights are 0..1; head and gaze angles are degrees (yaw + = the face turns to its own left,
# i.e. towards the viewer's right; pitch + = chin up; roll + = the top of the head tilts towards the
# viewer's right, clockwise in the image).
TRACK_SPECS: dict[str, TrackSpec] = {
    # jaw and lips
    "jawOpen": _unit("jaw rotation down; opens the mouth unless mouthClose keeps the lips together"),
    "mouthClose": _unit("lips pressed together (p, b, m), whatever the jaw does"),
    "mouthFunnel": _unit("lips rounded and open, as in 'sh', 'ch', 'o'"),
    "mouthPucker": _unit("lips rounded, narrowed and pushed forward, as in 'oo', 'w'"),
    "mouthStretchLeft": _unit("left mouth corner pulled outwards (spread lips, 'ee')"),
    "mouthStretchRight": _unit("right mouth corner pulled outwards (spread lips, 'ee')"),
    "mouthRollLower": _unit("lower lip tucked in under the upper teeth ('f', 'v')"),
    "mouthUpperUpLeft": _unit("left upper lip raised, showing the upper teeth"),
    "mouthUpperUpRight": _unit("right upper lip raised, showing the upper teeth"),
    "mouthLowerDownLeft": _unit("left lower lip lowered, showing the lower teeth"),
    "mouthLowerDownRight": _unit("right lower lip lowered, showing the lower teeth"),
    "mouthSmileLeft": _unit("left mouth corner up and back (smile)"),
    "mouthSmileRight": _unit("right mouth corner up and back (smile)"),
    "mouthFrownLeft": _unit("left mouth corner down (frown)"),
    "mouthFrownRight": _unit("right mouth corner down (frown)"),
    # eyes
    "eyeBlinkLeft": _unit("left upper lid closed over the eye (1 = fully shut)"),
    "eyeBlinkRight": _unit("right upper lid closed over the eye (1 = fully shut)"),
    "eyeSquintLeft": _unit("left lower lid raised (smile, strain)"),
    "eyeSquintRight": _unit("right lower lid raised (smile, strain)"),
    "eyeWideLeft": _unit("left upper lid raised (surprise)"),
    "eyeWideRight": _unit("right upper lid raised (surprise)"),
    "gazeYaw": TrackSpec("deg", -30.0, 30.0, 0.0, "eyes turn towards the viewer's right (+) or left (-)"),
    "gazePitch": TrackSpec("deg", -25.0, 25.0, 0.0, "eyes look up (+) or down (-)"),
    # brows and cheeks
    "browInnerUp": _unit("inner ends of both brows raised (worry, questions)"),
    "browOuterUpLeft": _unit("outer end of the left brow raised (surprise, emphasis)"),
    "browOuterUpRight": _unit("outer end of the right brow raised (surprise, emphasis)"),
    "browDownLeft": _unit("left brow lowered and drawn in (anger, strain)"),
    "browDownRight": _unit("right brow lowered and drawn in (anger, strain)"),
    "cheekSquintLeft": _unit("left cheek raised (Duchenne smile)"),
    "cheekSquintRight": _unit("right cheek raised (Duchenne smile)"),
    # head
    "headYaw": TrackSpec("deg", -30.0, 30.0, 0.0, "head turns towards the viewer's right (+) or left (-)"),
    "headPitch": TrackSpec("deg", -25.0, 25.0, 0.0, "head tilts chin up (+) or down (-)"),
    "headRoll": TrackSpec("deg", -25.0, 25.0, 0.0, "head leans towards the viewer's right shoulder (+)"),
}


@dataclass(frozen=True)
class Tracks:
    """Per-frame animation curves.

    fps: frames per second. curves: track name (a key of TRACK_SPECS) -> float32 array of shape (n_frames,),
    in the unit of its TrackSpec. A track that is absent stays at its neutral value. All arrays have the
    same length.
    """

    fps: float
    curves: Mapping[str, np.ndarray] = field(default_factory=dict)
    n_frames: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fps) and 1.0 <= self.fps <= 240.0):
            raise InputError(f"frame rate {self.fps} is out of range — use between 1 and 240 fps")
        curves: dict[str, np.ndarray] = {}
        lengths = set()
        for name, values in self.curves.items():
            if name not in TRACK_SPECS:
                raise InputError(f"unknown animation track '{name}' — known tracks: {', '.join(TRACK_SPECS)}")
            array = np.asarray(values, dtype=np.float32)
            if array.ndim != 1:
                raise InputError(f"animation track '{name}' must be a list of numbers, one per frame")
            if not np.all(np.isfinite(array)):
                raise InputError(f"animation track '{name}' contains a value that is not a finite number")
            spec = TRACK_SPECS[name]
            array = np.clip(array, spec.low, spec.high)
            array.setflags(write=False)
            curves[name] = array
            lengths.add(array.shape[0])
        if len(lengths) > 1:
            raise InputError(
                f"animation tracks have different lengths {sorted(lengths)} — all need one value per frame"
            )
        n_frames = lengths.pop() if lengths else int(self.n_frames)
        object.__setattr__(self, "curves", curves)
        object.__setattr__(self, "n_frames", n_frames)

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps

    def get(self, name: str) -> np.ndarray:
        """The curve of `name`, or its neutral value repeated when the track is absent."""
        if name in self.curves:
            return self.curves[name]
        return np.full(self.n_frames, TRACK_SPECS[name].neutral, dtype=np.float32)

    def frame(self, index: int) -> dict[str, float]:
        """All tracks at one frame, absent ones at their neutral value."""
        values = {name: spec.neutral for name, spec in TRACK_SPECS.items()}
        for name, curve in self.curves.items():
            values[name] = float(curve[index])
        return values

    def with_curves(self, **curves: np.ndarray) -> Tracks:
        """A copy with some curves replaced or added."""
        merged = dict(self.curves)
        merged.update(curves)
        return Tracks(self.fps, merged, self.n_frames)

    # --- JSON ---------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "fps": self.fps,
            "n_frames": self.n_frames,
            "units": {name: TRACK_SPECS[name].unit for name in self.curves},
            "tracks": {name: [round(float(v), 4) for v in curve] for name, curve in self.curves.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> Tracks:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise InputError(f'not a dirfa animation: expected a JSON object with "schema": "{SCHEMA}"')
        fps = data.get("fps")
        tracks = data.get("tracks")
        if not isinstance(fps, (int, float)) or isinstance(fps, bool):
            raise InputError('animation has no valid "fps" number')
        if not isinstance(tracks, dict):
            raise InputError('animation has no "tracks" object')
        curves = {}
        for name, values in tracks.items():
            if not isinstance(values, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
            ):
                raise InputError(f"animation track '{name}' must be a list of numbers, one per frame")
            curves[name] = np.array(values, dtype=np.float32)
        n_frames = data.get("n_frames", 0)
        if not isinstance(n_frames, int) or n_frames < 0:
            raise InputError('animation "n_frames" must be a whole number')
        result = cls(float(fps), curves, n_frames)
        if curves and n_frames and result.n_frames != n_frames:
            raise InputError(
                f"animation says n_frames={n_frames} but its tracks have {result.n_frames} values"
            )
        return result

    def save(self, path: str | Path) -> None:
        """Write the animation as JSON (to a temporary name, renamed when complete)."""
        from dirfa.media.files import atomic_output

        with atomic_output(Path(path)) as tmp:
            tmp.write_text(json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: str | Path) -> Tracks:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"animation file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read animation file {path}: {exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"animation file {path} is not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None
        return cls.from_dict(data)
