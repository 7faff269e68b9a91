"""A half-closed lid is skin (review of session 12, issue 14): from a third to a half of the way closed, the lid over
the eye was a blend of the synthesised lid skin (half faded in) and the photo's lash band the warp stretches down
over the eye, a grainy grey band with lash specks over the iris for a frame of every blink (art_5.png, happy.png)."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.render.compose import FrameRenderer, plan_output


def _between_edges(pose, shape: tuple[int, int]) -> np.ndarray:
    """The skin a half-closed lid has covered: from the open upper lid edge (1 px below it) down to 2 px above the
    posed one, over the middle half of each lid."""
    ys, xs = np.indices(shape)
    between = np.zeros(shape, bool)
    for side in (0, 1):
        posed, open_edge = pose.upper_lids_xy[side], pose.upper_lids_open_xy[side]
        by_x, open_by_x = np.argsort(posed[:, 0]), np.argsort(open_edge[:, 0])
        edge = np.interp(xs, posed[by_x, 0], posed[by_x, 1])
        was = np.interp(xs, open_edge[open_by_x, 0], open_edge[open_by_x, 1])
        left, right = float(posed[:, 0].min()), float(posed[:, 0].max())
        middle = (xs > left + 0.25 * (right - left)) & (xs < right - 0.25 * (right - left))
        between |= middle & (ys < edge - 2) & (ys > was + 1)
    return between


@pytest.mark.parametrize("blink", [0.3, 0.4])
def test_a_half_closed_lid_is_as_light_as_the_closed_lid(close_up, blink):
    """Between the open edge and the moving one, the half-closed lid is lid skin as light as the closed lid there
    (before: at 0.3 closure 101 levels against the closed lid's 194, the photo's lashes and iris showing through; now 189)."""
    image, portrait, rig = close_up
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    pose = rig.pose({"eyeBlinkRight": blink, "eyeBlinkLeft": blink})
    between = _between_edges(pose, image.shape[:2])
    assert between.sum() > 100  # (the lid has moved over the eye)
    half = renderer.render_pose(pose).astype(np.float32).mean(axis=2)
    closed = renderer.render_pose(rig.pose({"eyeBlinkRight": 1.0, "eyeBlinkLeft": 1.0})).astype(np.float32)
    lid = float(np.median(closed.mean(axis=2)[between]))
    assert float(np.median(half[between])) > 0.9 * lid
    # (no dark lash band left in it)
    assert float(np.mean(half[between] < 0.7 * lid)) < 0.02
