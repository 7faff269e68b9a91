"""Teeth tone from the face's own light (issue 14): a catchlight in a small eye does not lift the teeth; a
photo's teeth dimmed between closing lips stay warm, not grey; the lower row darkens towards its ends."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_mouth import INNER_LOOP, OUTER_LOOP, _fill, _luminance
from test_mouth_teeth import _frame

from dirfa.face import topology as topo
from dirfa.render import mouth


def _eye_whites(xy: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Both eyes' openings outside the iris (a mask), and a pixel just outside each iris, beside it."""
    whites = np.zeros(shape, bool)
    beside = []
    for upper, lower, iris in (
        (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER, topo.IRIS_RIGHT),
        (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER, topo.IRIS_LEFT),
    ):
        eye = _fill(shape, np.concatenate([xy[list(upper)], xy[list(lower[::-1])]]))
        centre = xy[iris[0]]
        radius = float(np.linalg.norm(xy[list(iris[1:])] - centre, axis=1).mean())
        ys, xs = np.indices(shape)
        whites |= eye & (np.hypot(xs - centre[0], ys - centre[1]) > 1.3 * radius)
        beside.append((int(round(centre[0] + 1.5 * radius)), int(round(centre[1]))))
    return whites, beside


def test_a_catchlight_in_a_small_eye_does_not_lift_the_teeth(astronaut, portrait):
    """Review (issue 14, sad1): her front teeth were bright cream (level 224, 1.1 x her lit skin), popping out of
    the face. Her eyes are small (97 eye-white pixels) and shaded; the teeth's bound by the eye whites'
    brightest part was read from their two brightest pixels: a catchlight. The astronaut made so (eye whites
    dimmed to 0.8, lips darkened to 0.75, a 2-pixel catchlight beside each iris): her teeth tone is the same
    with and without the catchlights (within 2 levels), and no lighter than her lit skin around the mouth."""
    xy = portrait.landmarks_xyz[:, :2]
    image = astronaut.astype(np.float32)
    whites, beside = _eye_whites(xy, image.shape[:2])
    image[whites] *= 0.8
    lips = _fill(image.shape[:2], xy[OUTER_LOOP]) & ~_fill(image.shape[:2], xy[INNER_LOOP])
    image[lips] *= 0.75
    plain = np.clip(image + 0.5, 0, 255).astype(np.uint8)
    lit = plain.copy()
    for x, y in beside:
        lit[y, x : x + 2] = 255
    tone = _luminance(mouth.sample_colours(plain, xy).teeth)
    with_catchlights = _luminance(mouth.sample_colours(lit, xy).teeth)
    assert abs(with_catchlights - tone) <= 2.0, (tone, with_catchlights)
    # (the skin within a mouth width of the mouth, its lit part: the 78th-92nd percentile by level)
    centre = xy[OUTER_LOOP].mean(axis=0)
    width = float(np.linalg.norm(xy[61] - xy[291]))
    ys, xs = np.indices(image.shape[:2])
    near = (np.hypot((xs - centre[0]) / width, (ys - centre[1]) / (0.75 * width)) < 1) & ~lips
    near &= ~_fill(image.shape[:2], xy[INNER_LOOP])
    skin = _luminance(plain[near])
    lit_skin = float(np.mean(skin[(skin >= np.percentile(skin, 78)) & (skin <= np.percentile(skin, 92))]))
    assert with_catchlights <= lit_skin, (with_catchlights, lit_skin)


def _warmth(pixels: np.ndarray) -> float:
    """Mean (R - B) over the channels' mean: how warm (red-yellow) against grey a set of RGB pixels is."""
    pixels = np.asarray(pixels, np.float64)
    return float(np.mean((pixels[:, 0] - pixels[:, 2]) / np.maximum(pixels.mean(axis=1), 1.0)))


@pytest.mark.parametrize("closing", [0.7, 0.75])
def test_her_teeth_between_closing_lips_stay_warm_not_grey(renderer, rig, closing):
    """Review (issue 14, the astronaut): her own teeth, dimmed as her smile's lips close over them, read grey:
    dimmed at their hue (near-neutral flash white) between her pink lips (0.78 / 0.88 as warm as the lips).
    Closing the lips (mouthClose 0.7, 0.75 with the jaw's small lift), the pixels between them (the middle half
    of the mouth) are at least 0.9 as warm as the lips beside them, (R - B) / level."""
    pose = rig.pose({"mouthClose": closing, "jawOpen": 0.06 * closing})
    frame = renderer.render_pose(pose)
    shape = frame.shape[:2]
    inner = _fill(shape, pose.points_xy[INNER_LOOP])
    lips = _fill(shape, pose.points_xy[OUTER_LOOP]) & (
        cv2.dilate(inner.astype(np.uint8), np.ones((3, 3))) == 0
    )
    centre = pose.points_xy[INNER_LOOP].mean(axis=0)
    xs = np.arange(shape[1])[None, :]
    middle = np.abs(xs - centre[0]) < 0.25 * rig.frame.mouth_px
    slit = frame[inner & middle]
    assert len(slit) >= 4, "no gap between the lips: the rig's geometry changed"
    slit_warmth, lips_warmth = _warmth(slit), _warmth(frame[lips & middle])
    assert slit_warmth >= 0.9 * lips_warmth, (slit_warmth, lips_warmth)


@pytest.mark.parametrize(("jaw", "most"), [(0.6, 0.82), (1.0, 0.77)])
def test_the_lower_row_darkens_towards_its_ends(renderer, rig, jaw, most):
    """Review (issue 14): the lower teeth lacked the arch darkening of the upper row: lit tooth by tooth only, a
    sliver of them under an "aa" ran lit to where the lower lip covers them at the sides (art_17, art_10; the
    astronaut with lips closed at rest: its outer 30 % 0.81 of its middle's luminance at jawOpen 0.6, 0.8 at
    1). Along the arch and into the lower lip's shade at the sides, the row's ends (the outer 30 % of what
    shows of it) are now at most 0.82 / 0.77 of its middle's luminance (the tips that show since the lower lip
    rolls up over the rest of the row: 0.79 / 0.75)."""
    from dirfa.render.compose import FrameRenderer

    rig = rig.closed_at_rest()
    renderer = FrameRenderer(renderer.image, rig, renderer.plan)
    lum, g = _frame(renderer, rig, {"jawOpen": jaw})
    row = g["inside"] & (g["lower"] >= 0.005) & (g["lower"] < 0.035) & (g["lip"] < -0.005)
    assert row.sum() >= 20, "no lower teeth show: the rig's geometry changed"
    shown = float(np.percentile(g["au"][row], 98))  # (how far out the row shows, in mouth widths)
    middle = lum[row & (g["au"] < 0.08)].mean()
    ends = lum[row & (g["au"] > 0.7 * shown)].mean()
    assert ends <= most * middle, (ends, middle)
