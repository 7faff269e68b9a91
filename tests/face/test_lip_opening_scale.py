"""Lips on every face (issue 14): the jaw's and lips' opening is a share of the face's own mouth width, the
same however large the face is in the picture, and still a visible gap on a 256 px face at a small vowel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face.landmarks import load_portrait
from dirfa.face.rig import build_rig

EAR_RIGHT, EAR_LEFT = 234, 454  # face-outline points at the ears
JAW_OPENINGS = (0.15, 0.3, 0.6, 1.0)  # a rounded vowel's jaw, a mid vowel, an open "ah", a shout


def _openings(image: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Inner-lip gap above rest (px) at each of JAW_OPENINGS, the rig's mouth width and face width (px)."""
    portrait = load_portrait(image)
    rig = build_rig(portrait)
    rest = rig.pose({}).mouth_open_px
    gaps = np.array([rig.pose({"jawOpen": jaw}).mouth_open_px - rest for jaw in JAW_OPENINGS])
    face_px = float(np.ptp(portrait.landmarks_xyz[[EAR_RIGHT, EAR_LEFT], 0]))
    return gaps, float(rig.frame.mouth_px), face_px


@pytest.fixture(scope="module")
def openings(astronaut: np.ndarray) -> dict[float, tuple[np.ndarray, float, float]]:
    """The astronaut (a ~93 px face) as it is and enlarged 2.75x (a ~256 px face)."""
    height, width = astronaut.shape[:2]
    big = cv2.resize(astronaut, (round(2.75 * width), round(2.75 * height)), interpolation=cv2.INTER_CUBIC)
    return {1.0: _openings(astronaut), 2.75: _openings(big)}


def test_the_opening_is_the_same_share_of_the_mouth_at_any_face_size(openings):
    small, big = openings[1.0], openings[2.75]
    share_small, share_big = small[0] / small[1], big[0] / big[1]
    assert np.all(np.diff(share_big) > 0), np.round(share_big, 3)  # each jaw opens the lips further
    np.testing.assert_allclose(share_big, share_small, rtol=0.08, atol=0.004)
    # A speech "ah" (jawOpen ~0.6) parts the lips by ~0.2 of the mouth width (12-20 mm in a ~55 mm mouth).
    assert 0.16 < share_big[2] < 0.3, np.round(share_big, 3)


def test_a_small_vowel_still_parts_the_lips_visibly_on_a_256_px_face(openings):
    gaps, _, face_px = openings[2.75]
    at_256 = gaps * 256.0 / face_px
    assert at_256[0] >= 2.0, np.round(at_256, 1)  # jawOpen 0.15 (a rounded "oo" / "u") still shows a gap
    assert at_256[2] >= 10.0, np.round(at_256, 1)  # an open vowel: ~4 % of the face width or more
