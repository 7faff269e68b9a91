"""The photo's own upper lashes hang from the closed lid (review: full_body_2's long lashes vanished when its eyes
closed, leaving a drawn line), and a crease above the lid is no lash (it hung below the closed lid as a second
line: art_17)."""

from __future__ import annotations

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render.compose import FrameRenderer, plan_output

STRAND_PER_EYE = 0.2  # painted lashes this long (eye widths), up from the open lid edge
BAND_PER_EYE = (
    0.09,
    0.13,
)  # below the closed edge: past the drawn lash line's fringe, within the hanging lashes


def _right_lid(rig) -> tuple[np.ndarray, float, np.ndarray]:
    """The right eye's open upper lid edge, its width and the unit vector up the face."""
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2].astype(np.float64)
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    d = (lid[-1] - lid[0]) / eye_w
    up = np.array([d[1], -d[0]])
    return lid, eye_w, up if up[1] < 0 else -up


def _painted(image: np.ndarray, rig, *, strands: bool) -> np.ndarray:
    """The photo with dark lashes (thin strands up from the open lid edge, a few px apart) or a crease (a dark
    line along the lid, as far above it as the lashes reach) painted over the right eye."""
    lid, eye_w, up = _right_lid(rig)
    painted = image.copy()
    colour = (35, 22, 22)
    if strands:
        for t in np.linspace(0.2, 0.8, 14):
            root = lid[0] + t * (lid[-1] - lid[0])
            root[1] = np.interp(root[0], *(lid[np.argsort(lid[:, 0])].T))
            tip = root + up * STRAND_PER_EYE * eye_w
            cv2.line(painted, tuple(np.round(root).astype(int)), tuple(np.round(tip).astype(int)), colour, 1)
    else:
        crease = np.round(lid[2:7] + up * 0.15 * eye_w).astype(np.int32)
        cv2.polylines(painted, [crease], False, colour, 2, cv2.LINE_AA)
    return painted


def _below_closed_lid(image: np.ndarray, rig) -> float:
    """Mean luminance of the closed right eye in a band below its lash line, over the middle of the lid."""
    renderer = FrameRenderer(image, rig, plan_output(image.shape, (0, 0, image.shape[1], image.shape[0])))
    pose = rig.pose({"eyeBlinkRight": 1.0})
    frame = renderer.render_pose(pose).astype(np.float32).mean(axis=2)
    edge = pose.upper_lids_xy[0].astype(np.float64)
    _, eye_w, up = _right_lid(rig)
    values = []
    for t in np.linspace(0.3, 0.7, 9):
        point = edge[0] + t * (edge[-1] - edge[0])
        point[1] = np.interp(point[0], *(edge[np.argsort(edge[:, 0])].T))
        for k in np.linspace(*BAND_PER_EYE, 5):
            x, y = np.round(point - up * k * eye_w).astype(int)
            values.append(frame[y, x])
    return float(np.mean(values))


def test_the_photos_lashes_hang_from_the_closed_lid(close_up):
    image, _, rig = close_up
    bare = _below_closed_lid(image, rig)
    lashed = _below_closed_lid(_painted(image, rig, strands=True), rig)
    # Long dark lashes in the photo darken the closed eye below its lash line (they hang down from it);
    # without them the band there is the lower lid's skin.
    assert lashed < bare - 6.0


def test_a_crease_above_the_lid_does_not_hang_below_the_closed_lid(close_up):
    image, _, rig = close_up
    bare = _below_closed_lid(image, rig)
    creased = _below_closed_lid(_painted(image, rig, strands=False), rig)
    # (before lines along the lid were told from lashes, this crease darkened the band by ~11)
    assert abs(creased - bare) < 3.0
