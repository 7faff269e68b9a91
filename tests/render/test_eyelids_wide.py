"""Widened eyes (review, issue 13/14): eyeWide with brows raised stretched the photo's dark lash line into an oversized
dark eye with little white (happy.png, its heavy lash shadow under the lid edge). A risen upper lid keeps its lash
line as thick as it was and uncovers more eye below it; raised brows stretch the lid skin, not the eye opening."""

from __future__ import annotations

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render import eyelids
from dirfa.render.compose import FrameRenderer, plan_output

WIDE = {"eyeWideRight": 1.0, "eyeWideLeft": 1.0}
LINER = (40, 30, 32)
EYES = (
    (0, topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER, topo.IRIS_RIGHT),
    (1, topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER, topo.IRIS_LEFT),
)


def test_raised_brows_leave_the_upper_lid_edge_where_it_is(rig):
    """browInnerUp 1: no point of either upper lid edge rises by more than 8 % of the eye's opening (before, the
    arched middle of the edge rose by 25-30 % with the brows: the lid was kept still only below its mean height)."""
    pose = rig.pose({"browInnerUp": 1.0, "browOuterUpLeft": 1.0, "browOuterUpRight": 1.0})
    for side, upper, lower, _ in EYES:
        edge = rig.points_xyz[list(upper), :2]
        opening = float(np.median(np.linalg.norm(rig.points_xyz[list(lower), :2][2:-2] - edge[2:-2], axis=1)))
        rise = (pose.upper_lids_xy[side] - edge) @ eyelids._normal_up(edge)
        assert rise.max() < 0.08 * opening, np.round(rise / opening, 3)


def _runs_beside_the_iris(frame: np.ndarray, pose, rig, threshold: float) -> tuple[float, float]:
    """Mean over columns of both eyes beside the iris (1.3-2.2 iris radii from its centre, within the eye): the
    number of pixels darker than `threshold` and of those lighter, from the posed upper lid edge to the lower lid."""
    lum = frame.astype(np.float32).mean(axis=2)
    dark, light = [], []
    for side, _, lower_ids, iris_ids in EYES:
        upper, lower = pose.upper_lids_xy[side], pose.points_xy[list(lower_ids)]
        iris = rig.points_xyz[list(iris_ids), :2]
        radius = float(np.linalg.norm(iris[1:] - iris[0], axis=1).mean())
        order_u, order_l = np.argsort(upper[:, 0]), np.argsort(lower[:, 0])
        for sign in (-1, 1):
            for share in np.linspace(1.3, 2.2, 4):
                x = float(iris[0, 0]) + sign * share * radius
                top = float(np.interp(x, upper[order_u, 0], upper[order_u, 1]))
                bottom = float(np.interp(x, lower[order_l, 0], lower[order_l, 1]))
                column = lum[int(np.ceil(top)) : int(np.floor(bottom)), int(round(x))]
                dark.append(int((column < threshold).sum()))
                light.append(int((column >= threshold).sum()))
    return float(np.mean(dark)), float(np.mean(light))


def test_a_widened_lid_keeps_the_dark_under_its_edge_as_thick_and_uncovers_the_white(close_up):
    """A heavy dark liner painted just under both upper lid edges of the astronaut close-up (like happy.png's lash
    shadow): at eyeWide 1 the dark beside the iris stays as thick as in the open eye (before: it grew by ~2 of its
    ~6.5 px, the eyeball stretched from the lid line down) and the white below it grows."""
    image, portrait, rig = close_up
    painted = image.copy()
    for _, upper, _, _ in EYES:
        lid = rig.points_xyz[list(upper), :2].astype(np.float64)
        eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
        line = np.round((lid[1:-1] + np.array([0.0, 0.035 * eye_w])) * 16).astype(np.int32)
        cv2.polylines(
            painted, [line], False, LINER, thickness=int(round(0.07 * eye_w)), lineType=cv2.LINE_AA, shift=4
        )
    renderer = FrameRenderer(painted, rig, plan_output(painted.shape, portrait.face_box))
    rest = rig.pose({})
    wide = rig.pose(WIDE)
    threshold = 90.0  # (the liner ~33, the white of her eyes ~120-170)
    dark_rest, light_rest = _runs_beside_the_iris(renderer.render_pose(rest), rest, rig, threshold)
    dark_wide, light_wide = _runs_beside_the_iris(renderer.render_pose(wide), wide, rig, threshold)
    assert dark_wide <= dark_rest + 0.5, (dark_rest, dark_wide)
    assert light_wide >= light_rest + 1.0, (light_rest, light_wide)
