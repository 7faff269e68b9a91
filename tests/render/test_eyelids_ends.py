"""Closed lids at the eye's inner end (review, session 9): a pale inner corner is lid skin on a closed eye, with the
lid's line running into it (sad1: the photo's white highlight past the inner landmark stayed as a pale crescent)."""

from __future__ import annotations

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.face.landmarks import load_portrait
from dirfa.face.rig import build_rig
from dirfa.render import eyelids
from dirfa.render.compose import FrameRenderer, plan_output


def _face(astronaut: np.ndarray, scale: float):
    image = cv2.resize(astronaut[20:230, 130:320], None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    portrait = load_portrait(image)
    return image, portrait, build_rig(portrait)


def _right_lid(rig) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """The right eye's upper lid edge (outer corner first, inner last), its width, the direction from the outer
    to the inner corner and up the face."""
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2].astype(np.float64)
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    along = (lid[-1] - lid[0]) / eye_w
    return lid, eye_w, along, eyelids._normal_up(lid.astype(np.float32)).astype(np.float64)


def _closed(image: np.ndarray, portrait, rig) -> tuple[np.ndarray, np.ndarray]:
    """The closed frame's luminance (picture coordinates) and the right eye's closed upper lid edge."""
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    pose = rig.pose({"eyeBlinkRight": 1.0, "eyeBlinkLeft": 1.0})
    return renderer.render_pose(pose).astype(np.float32).mean(axis=2), pose.upper_lids_xy[0].astype(
        np.float64
    )


def test_a_pale_inner_corner_is_lid_skin_when_closed_and_the_line_runs_into_it(astronaut):
    """The astronaut 4x (eyes ~74 px wide) with a highlight 15 % lighter than her lid skin painted along her right
    eye's inner lid margin, from 0.1 eye widths past the inner landmark, 0.05-0.08 above it. Closed, the corner
    above the lid edge (0.12 past to 0.1 inside it, 0.03-0.2 above) is no lighter than the lid (95th percentile:
    1.05 of the lid before, 0.91 now; 0.85 unpainted), and the lash line is dark at 0.03 eye widths inside the
    inner landmark (0.68 of the lid before: it faded out there; 0.47 now)."""
    image, portrait, rig = _face(astronaut, 4.0)
    lid, eye_w, along, up = _right_lid(rig)
    top, bottom = int(lid[:, 1].min() - 0.25 * eye_w), int(lid[:, 1].min() - 0.1 * eye_w)
    skin = np.median(image[top:bottom, int(lid[:, 0].min()) : int(lid[:, 0].max())].reshape(-1, 3), axis=0)
    margin = [lid[-1] + along * 0.1 * eye_w + up * 0.05 * eye_w] + [
        q + up * 0.08 * eye_w for q in lid[-1:-4:-1]
    ]
    painted = image.copy()
    colour = tuple(float(v) for v in np.minimum(skin.astype(np.float64) * 1.15, 255))
    cv2.polylines(
        painted,
        [np.round(np.array(margin) * 16).astype(np.int32)],
        False,
        colour,
        max(2, int(round(0.04 * eye_w))),
        cv2.LINE_AA,
        4,
    )
    lum, closed = _closed(painted, portrait, rig)
    mid = closed[4] + up * 0.12 * eye_w
    lid_lum = float(np.median(lum[int(mid[1]) - 2 : int(mid[1]) + 3, int(mid[0]) - 5 : int(mid[0]) + 6]))
    corner = [
        lum[int(round(q[1])), int(round(q[0]))]
        for q in (
            closed[-1] - along * past * eye_w + up * h * eye_w
            for past in np.linspace(-0.12, 0.1, 12)
            for h in np.linspace(0.03, 0.2, 8)
        )
    ]
    assert float(np.percentile(corner, 95)) < 0.97 * lid_lum
    inside = closed[-1] - along * 0.03 * eye_w
    line = [
        lum[int(round(q[1])), int(round(q[0]))]
        for q in (inside - up * k * eye_w for k in np.linspace(-0.02, 0.08, 11))
    ]
    assert min(line) < 0.58 * lid_lum
