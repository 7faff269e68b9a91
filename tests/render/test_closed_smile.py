"""Issue 14: closing a photo's toothy smile (the astronaut's, for p/b/m) shows two lips meeting, not a thin line.

Before: her lips slid together whole, so her smile's thin upper lip shut to ~3 px of red over a pale line (its
inner rim, lit against her teeth): "the upper lip nearly vanishes". Now the lips' red rolls out over the
teeth and the lips meet in a dark seam. Read on a profile down the middle of her mouth in the rendered frame.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

SHUT = {"mouthClose": 1.0, "jawOpen": 0.06}  # a p/b/m closure, as the mouth sheet's "lips shut"
STEP_PX = 0.5


def _profile(frame: np.ndarray, rig, pose) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (px, down the face) from the lips' meeting point and the mean RGB there over the middle of the
    mouth (the central quarter of its width), sampled bilinearly."""
    ex, ey, w = rig.frame.ex, rig.frame.ey, rig.frame.mouth_px
    meet = 0.5 * (pose.points_xy[13] + pose.points_xy[14])  # mediapipe's upper / lower inner lip midpoints
    dv = np.arange(-0.3 * w, 0.3 * w + STEP_PX / 2, STEP_PX, dtype=np.float32)
    du = np.linspace(-0.12 * w, 0.12 * w, 13, dtype=np.float32)
    xy = meet + du[None, :, None] * ex + dv[:, None, None] * ey
    samples = cv2.remap(
        frame.astype(np.float32),
        xy[..., 0].astype(np.float32),
        xy[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
    )
    return dv, samples.mean(axis=1)


def _run_px(mask: np.ndarray) -> float:
    """Length (px) of the run of True from the start of `mask`."""
    stops = np.nonzero(~mask)[0]
    return (stops[0] if len(stops) else len(mask)) * STEP_PX


@pytest.fixture(scope="module")
def shut_profile(renderer, rig):
    pose = rig.pose(SHUT)
    assert pose.mouth_open_px < 0.035 * rig.frame.mouth_px  # the lips do meet
    return _profile(renderer.render(SHUT), rig, pose)


def test_closed_smile_keeps_both_lips_and_a_dark_seam(rig, shut_profile) -> None:
    w = rig.frame.mouth_px
    dv, rgb = shut_profile
    # Lips are pink (red over green, green about blue); skin, lit or in the nose's shade, is yellower (green
    # ~20 levels over blue): on her, lips ~50 on this scale, skin ~10-20.
    pink = (rgb[:, 0] - rgb[:, 1]) - (rgb[:, 1] - rgb[:, 2])
    level = rgb @ np.array([0.299, 0.587, 0.114])
    skin = float(np.median(pink[dv < -0.2 * w]))  # the skin over her upper lip (~9-13 px up)
    lip_red = pink > skin + 15
    seam_rows = np.abs(dv) <= 1.5
    seam = int(np.argmin(np.where(seam_rows, level, np.inf)))  # the darkest row at the meeting line
    upper_px = _run_px(lip_red[seam - 1 :: -1])
    lower_px = _run_px(lip_red[seam + 1 :])
    # Lip-red on both sides of the seam, the upper lip with its own thickness (before: 3 px of a 43 px mouth).
    assert upper_px >= 0.085 * w, (upper_px, w)
    assert lower_px >= 0.085 * w, (lower_px, w)
    # And a seam, darker than either lip (before: 11 levels under the upper lip, a pale line).
    upper_level = float(np.median(level[seam - int(upper_px / STEP_PX) : seam]))
    lower_level = float(np.median(level[seam + 1 : seam + 1 + int(lower_px / STEP_PX)]))
    assert level[seam] < min(upper_level, lower_level) - 20, (level[seam], upper_level, lower_level)
    # In the lips' own tone: a red-brown shadow, not grey or black.
    assert pink[seam] > skin + 15 and level[seam] > 60


def test_closing_lips_dim_the_photos_teeth(renderer, rig) -> None:
    """Almost shut (a slit of ~a tenth of her smile's gap), her own teeth no longer shine through the slit as a
    white line (before: the photo's teeth, lit as in the photo, squeezed between the lips)."""
    params = {"mouthClose": 0.9, "jawOpen": 0.06}
    pose = rig.pose(params)
    assert 0.05 * rig.photo_gap_px < pose.mouth_open_px < 0.3 * rig.photo_gap_px
    dv, rgb = _profile(renderer.render(params), rig, pose)
    level = rgb @ np.array([0.299, 0.587, 0.114])
    _, rest_rgb = _profile(renderer.render({}), rig, rig.pose({}))
    teeth = float(np.max(rest_rgb @ np.array([0.299, 0.587, 0.114])))  # her lit teeth at rest
    assert float(np.max(level[np.abs(dv) <= 1.0])) < teeth - 25
