"""Emotions as a viewer sees them: expression presets rendered, the face re-detected in the frames."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.face.landmarks import find_faces
from dirfa.motion.expression import PRESETS

CORNERS = (61, 291)
INNER_BROWS = (107, 336, 55, 285)
LIP_CENTRE = (13, 14)


def _landmarks(renderer, params: dict[str, float]) -> np.ndarray:
    faces = find_faces(renderer.render(params))
    assert len(faces) == 1
    return faces[0][:, :2]


def _face_width(points: np.ndarray) -> float:
    return float(np.ptp(points[:, 0]))


@pytest.fixture(scope="module")
def neutral(renderer) -> np.ndarray:
    return _landmarks(renderer, {})


def test_a_smile_lifts_the_mouth_corners(renderer, neutral):
    happy = _landmarks(renderer, PRESETS["happy"])
    # Corner height above the lips' centre line, in face widths (y grows downwards).
    lift = [
        (pts[LIP_CENTRE, 1].mean() - pts[CORNERS, 1].mean()) / _face_width(pts) for pts in (neutral, happy)
    ]
    assert lift[1] > lift[0] + 0.015, f"corners {lift[0]:.3f} -> {lift[1]:.3f} face widths above the lips"


def test_a_frown_turns_the_mouth_corners_down(renderer, neutral):
    sad = _landmarks(renderer, PRESETS["sad"])
    drop = [(pts[CORNERS, 1].mean() - pts[LIP_CENTRE, 1].mean()) / _face_width(pts) for pts in (neutral, sad)]
    assert drop[1] > drop[0] + 0.01


def test_anger_lowers_the_inner_brows(renderer, neutral):
    angry = _landmarks(renderer, PRESETS["angry"])

    # Inner brows relative to the eyes' inner corners, which the brows do not move.
    def brow_height(pts: np.ndarray) -> float:
        return float(pts[[133, 362], 1].mean() - pts[list(INNER_BROWS), 1].mean()) / _face_width(pts)

    assert brow_height(angry) < brow_height(neutral) - 0.008


def test_a_smile_keeps_the_lips_shut_on_p_b_m(renderer, neutral):
    """A happy face saying 'm': lips closed as on a neutral one (lip sync survives the emotion)."""
    params = {**PRESETS["happy"], "jawOpen": 0.08, "mouthClose": 1.0}
    pts = _landmarks(renderer, params)
    gap = float(np.linalg.norm(pts[14] - pts[13])) / _face_width(pts)
    rest_gap = float(np.linalg.norm(neutral[14] - neutral[13])) / _face_width(neutral)
    assert gap < rest_gap + 0.01, f"inner-lip gap {gap:.3f} face widths (rest {rest_gap:.3f})"
