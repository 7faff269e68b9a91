"""The photo's upper lash line ends above the outer corner landmark (its outer lashes and a made-up wing stand up
there): closed, the lid leaves no dark dot of it above the closed line's outer end (review: art_5, both eyes)."""

from __future__ import annotations

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render.compose import FrameRenderer, plan_output

CLOSED = {"eyeBlinkRight": 1.0, "eyeBlinkLeft": 1.0}
DAB_UP_PER_EYE = 0.22  # the lash line's outer end: this far above the corner landmark (eye widths) ...
DAB_LONG_PER_EYE = 0.15  # ... running this far inwards along the lid


def _dab(image: np.ndarray, rig) -> tuple[np.ndarray, np.ndarray, float]:
    """The photo with a short dark lash-line end painted above each eye's outer corner; where (right eye) and the
    eye's width."""
    painted = image.copy()
    where = None
    for upper in (topo.EYE_RIGHT_UPPER, topo.EYE_LEFT_UPPER):
        lid = rig.points_xyz[list(upper), :2].astype(np.float64)
        eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
        outer, inner = (lid[0], lid[-1]) if upper is topo.EYE_RIGHT_UPPER else (lid[-1], lid[0])
        inward = (inner - outer) / eye_w
        up = np.array([inward[1], -inward[0]]) if inward[0] > 0 else np.array([-inward[1], inward[0]])
        start = outer + up * DAB_UP_PER_EYE * eye_w
        end = start + inward * DAB_LONG_PER_EYE * eye_w
        thickness = max(2, int(round(0.05 * eye_w)))
        cv2.line(
            painted,
            tuple(np.round(start).astype(int)),
            tuple(np.round(end).astype(int)),
            (35, 22, 22),
            thickness,
        )
        if where is None:
            where = (start + end) / 2
    return painted, where, eye_w


def _dark_blob(lum: np.ndarray, at: np.ndarray, eye_w: float) -> float:
    """How much darker than the skin around it (a grey-level closing wider than a lash line) the darkest pixel near
    `at` is (luminance 0..255)."""
    size = int(round(0.2 * eye_w)) | 1
    darker = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8)) - lum
    r = int(round(0.12 * eye_w))
    x, y = np.round(at).astype(int)
    return float(darker[y - r : y + r + 1, x - r : x + r + 1].max())


def test_the_lash_lines_outer_end_above_the_corner_leaves_no_dot_on_the_closed_lid(close_up):
    image, portrait, rig = close_up
    painted, at, eye_w = _dab(image, rig)
    plan = plan_output(image.shape, portrait.face_box)
    plain = FrameRenderer(image, rig, plan).render(CLOSED).astype(np.float32).mean(axis=2)
    closed = FrameRenderer(painted, rig, plan).render(CLOSED).astype(np.float32).mean(axis=2)
    # (the painted end is there in the photo, far darker than its skin)
    assert _dark_blob(painted.astype(np.float32).mean(axis=2), at, eye_w) > 60.0
    # Closed, what is left of it stands out of the skin around it no more than the unpainted photo's closed lid
    # there does (its own corner shade), give or take the skin's grain.
    assert _dark_blob(closed, at, eye_w) <= _dark_blob(plain, at, eye_w) + 8.0
