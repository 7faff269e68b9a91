"""Head pose measured back from pictures: a rigid fit of re-detected landmarks against a reference frame.

Motion stage, checking side: used by benchmarks/motion.py and the tests to see whether the renderer turns the
head as far as the tracks ask; never by the generators themselves.

Why a rigid fit of mediapipe's own 3D landmarks (Umeyama 1991: least-squares rotation, scale and translation
between two point sets) rather than cv2.solvePnP against a canonical face: it needs no camera model and no
generic face shape (whose mismatch with a given person biases PnP's angles), and it is how mediapipe's own
face-geometry module derives head pose (a Procrustes fit of the detected landmarks to its canonical model).
Fitting frame t against frame 0 of the same person measures exactly the rotation between the two pictures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dirfa.face import topology as topo

# The rigid part of the face: everything but the lips, jaw line and lids, which move with speech and blinks.
_MOVABLE = (
    set(topo.LIP_UPPER_INNER)
    | set(topo.LIP_LOWER_INNER)
    | set(topo.LIP_UPPER_OUTER)
    | set(topo.LIP_LOWER_OUTER)
    | set(topo.EYE_RIGHT_UPPER)
    | set(topo.EYE_RIGHT_LOWER)
    | set(topo.EYE_LEFT_UPPER)
    | set(topo.EYE_LEFT_LOWER)
)


@dataclass(frozen=True)
class HeadAngles:
    """Rotation of a face relative to a reference, in the track conventions (tracks.TRACK_SPECS): degrees."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def rigid_ids(landmarks_xyz: np.ndarray) -> np.ndarray:
    """Indices of the mesh landmarks used in the fit: the upper face and nose (above the mouth)."""
    mouth_y = landmarks_xyz[list(topo.LIP_UPPER_OUTER), 1].min()
    ids = [i for i in range(468) if i not in _MOVABLE and landmarks_xyz[i, 1] < mouth_y]
    return np.array(ids)


def umeyama(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Rotation R (3, 3), scale s and translation t minimising |s R source + t - target|² (Umeyama 1991)."""
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    a, b = source - mu_s, target - mu_t
    u, sigma, vt = np.linalg.svd(b.T @ a / len(a))
    d = np.ones(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1.0
    rotation = u @ np.diag(d) @ vt
    scale = float((sigma * d).sum() / max(float((a**2).sum(axis=1).mean()), 1e-12))
    return rotation, scale, mu_t - scale * rotation @ mu_s


def relative_angles(reference_xyz: np.ndarray, landmarks_xyz: np.ndarray) -> HeadAngles:
    """Head rotation of `landmarks_xyz` relative to `reference_xyz` (both (478, 3) mediapipe landmarks in
    pixels, z away from the camera), as yaw/pitch/roll about the reference face's own axes."""
    ids = rigid_ids(reference_xyz)
    rotation, _, _ = umeyama(reference_xyz[ids].astype(np.float64), landmarks_xyz[ids].astype(np.float64))
    # The face frame: ex along the eye line, ey down the face, ez into the picture (as face.rig uses).
    right = reference_xyz[list(topo.EYE_RIGHT_UPPER) + list(topo.EYE_RIGHT_LOWER), :2].mean(axis=0)
    left = reference_xyz[list(topo.EYE_LEFT_UPPER) + list(topo.EYE_LEFT_LOWER), :2].mean(axis=0)
    ex2 = (left - right) / np.linalg.norm(left - right)
    basis = np.array([[ex2[0], -ex2[1], 0.0], [ex2[1], ex2[0], 0.0], [0.0, 0.0, 1.0]])  # columns ex, ey, ez
    r = basis.T @ rotation @ basis
    # face.rig poses R = Rz(roll) Ry(-yaw) Rx(-pitch); invert that composition.
    yaw = math.degrees(math.asin(float(np.clip(r[2, 0], -1.0, 1.0))))
    pitch = math.degrees(math.atan2(float(r[2, 1]), float(r[2, 2])))
    roll = math.degrees(math.atan2(float(r[1, 0]), float(r[0, 0])))
    return HeadAngles(yaw_deg=yaw, pitch_deg=-pitch, roll_deg=roll)


def _face_basis(reference_xyz: np.ndarray) -> np.ndarray:
    """Columns ex, ey, ez of the reference face's frame in picture coordinates (as face.rig uses)."""
    right = reference_xyz[list(topo.EYE_RIGHT_UPPER) + list(topo.EYE_RIGHT_LOWER), :2].mean(axis=0)
    left = reference_xyz[list(topo.EYE_LEFT_UPPER) + list(topo.EYE_LEFT_LOWER), :2].mean(axis=0)
    ex = (left - right) / np.linalg.norm(left - right)
    return np.array([[ex[0], -ex[1], 0.0], [ex[1], ex[0], 0.0], [0.0, 0.0, 1.0]])


def _angles_of(rotation: np.ndarray, basis: np.ndarray) -> HeadAngles:
    r = basis.T @ rotation @ basis
    # face.rig poses R = Rz(roll) Ry(-yaw) Rx(-pitch) about the face axes; invert that composition.
    yaw = math.degrees(math.asin(float(np.clip(r[2, 0], -1.0, 1.0))))
    pitch = math.degrees(math.atan2(float(r[2, 1]), float(r[2, 2])))
    roll = math.degrees(math.atan2(float(r[1, 0]), float(r[0, 0])))
    return HeadAngles(yaw_deg=yaw, pitch_deg=-pitch, roll_deg=roll)


def projected_angles(reference_xyz: np.ndarray, landmarks_xyz: np.ndarray) -> HeadAngles:
    """Head rotation of the face seen in `landmarks_xyz` relative to `reference_xyz`, from the 2D positions
    alone: the rotation (and scale, shift) of the reference's 3D shape whose orthographic projection best
    matches the new picture's landmarks (a weak-perspective PnP with the person's own shape as the model)."""
    from scipy.optimize import least_squares
    from scipy.spatial.transform import Rotation

    ids = rigid_ids(reference_xyz)
    model = reference_xyz[ids].astype(np.float64)
    model = model - model.mean(axis=0)
    seen = landmarks_xyz[ids, :2].astype(np.float64)
    centre = seen.mean(axis=0)

    def residual(x: np.ndarray) -> np.ndarray:
        projected = x[3] * (Rotation.from_rotvec(x[:3]).as_matrix() @ model.T).T[:, :2]
        return (projected + centre + x[4:6] - seen).ravel()

    fit = least_squares(residual, np.array([0, 0, 0, 1.0, 0, 0]))
    return _angles_of(Rotation.from_rotvec(fit.x[:3]).as_matrix(), _face_basis(reference_xyz))
