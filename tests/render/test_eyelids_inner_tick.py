"""The end of a closed lid's line at the inner corner (review of session 12, issue 14): where the photo's lid line
drops steeply into a low inner corner, its dark margin below the shut edge stayed under the end of the closed line as
a dark downward tick (full_body_2.png, the eye under the bangs)."""

from __future__ import annotations

import numpy as np

from dirfa.render.compose import FrameRenderer, plan_output

CLOSED = {"eyeBlinkRight": 1.0, "eyeBlinkLeft": 1.0}


def test_a_dark_stroke_under_the_inner_end_of_the_closed_line_is_filled(close_up):
    """A dark stroke 2 px wide hanging from just below the shut edge, 0.05 eye widths in from each inner corner,
    0.1 eye widths long: closed, it is filled with the skin around it (before: 42 and 47 levels against 164 and 179
    unmarked, the softened lash mask filled only part of it; now 137 and 149 against 167 and 179)."""
    image, portrait, rig = close_up
    pose = rig.pose(CLOSED)
    marked, strokes = image.copy(), []
    for side, inner_end in ((0, -1), (1, 0)):  # (right eye: corners outer..inner)
        closed, open_edge = pose.upper_lids_xy[side].astype(np.float64), pose.upper_lids_open_xy[side]
        eye_w = float(np.linalg.norm(open_edge[-1] - open_edge[0]))
        inner, next_point = closed[inner_end], closed[inner_end - 1 if inner_end else 1]
        at = inner + 0.05 * eye_w * (next_point - inner) / np.linalg.norm(next_point - inner)
        order = np.argsort(closed[:, 0])
        edge_y = float(np.interp(at[0], closed[order, 0], closed[order, 1]))
        x, top, bottom = int(round(at[0])), int(round(edge_y + 2)), int(round(edge_y + 0.1 * eye_w))
        assert bottom - top >= 4
        marked[top:bottom, x - 1 : x + 1] = (40, 25, 25)
        strokes.append(np.s_[top:bottom, x - 1 : x + 1])
    plan = plan_output(image.shape, portrait.face_box)
    plain = FrameRenderer(image, rig, plan).render_pose(pose).astype(np.float32).mean(axis=2)
    frame = FrameRenderer(marked, rig, plan).render_pose(pose).astype(np.float32).mean(axis=2)
    for stroke in strokes:
        assert frame[stroke].mean() > plain[stroke].mean() - 45
