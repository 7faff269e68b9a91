"""Rig.pose's fast path (one matrix product for the shapes, cached index sets, one head rotation for vertices
and open lids) against a straightforward reference of the same steps, on a sequence of varied poses."""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pytest

from dirfa.face import rig as rig_module
from dirfa.face.rig import Rig, triangle_heights


def _gaze(rig: Rig, points: np.ndarray, yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """The eyeballs turned: within gaze_limits_deg, the column around each iris slides sideways by r sin(yaw)
    (the white to the corners in proportion), the contour along the lid outline (pushed out over its bends),
    and the iris (its surroundings by their iris_move share) down by r sin(pitch)."""
    if not (yaw_deg or pitch_deg):
        return points
    lo_y, hi_y, lo_p, hi_p = rig_module.gaze_limits_deg(rig.points_xyz[:478], rig.frame)
    yaw = math.radians(min(max(yaw_deg, lo_y), hi_y))
    pitch = math.radians(min(max(pitch_deg, lo_p), hi_p))
    ex, ey = rig.frame.ex.astype(np.float64), rig.frame.ey.astype(np.float64)
    ball, side = rig.eyeball_contour[:, 0], rig.eyeball_contour_side
    for eye, (upper, iris) in enumerate(
        (
            (rig_module.topo.EYE_RIGHT_UPPER, rig_module.topo.IRIS_RIGHT),
            (rig_module.topo.EYE_LEFT_UPPER, rig_module.topo.IRIS_LEFT),
        )
    ):
        centre = rig.points_xyz[iris[0], :2].astype(np.float64)
        low, high = sorted(float((rig.points_xyz[k, :2] - centre) @ ex) for k in (upper[0], upper[-1]))
        band = min(rig_module.GAZE_IRIS_BAND_PER_IRIS * rig.iris_radius_px[eye], 0.9 * min(-low, high))
        shift = rig.eyeball_radius_px[eye] * math.sin(yaw)

        def along(u, high=high, low=low, band=band, shift=shift):
            w = min((high - u) / (high - band), (u - low) / (-band - low))
            return shift * min(max(w, 0.0), 1.0)

        mine = rig.eye_index[ball] == eye
        ends = list(ball[mine & (side == 0)])
        on_lines = set(ends)
        edges = []  # the row under the upper lid and the lower lid, as (u, v) curves before the turn
        for k in (2, -1):
            uv = sorted(
                ((points[i, :2] - centre) @ ex, (points[i, :2] - centre) @ ey)
                for i in ends + list(ball[mine & (side == k)])
            )
            edges.append(([a for a, _ in uv], [b for _, b in uv]))
        clear = rig_module.GAZE_LID_CLEARANCE_PER_IRIS * rig.iris_radius_px[eye]
        for k, out in ((1, -1.0), (-1, 1.0), (2, 0.0)):
            line = ends + list(ball[mine & (side == k)])
            on_lines |= set(line)
            uv = [((points[i, :2] - centre) @ ex, (points[i, :2] - centre) @ ey) for i in line]
            line = [i for _, i in sorted(zip([a for a, _ in uv], line))]
            uv = sorted(uv)
            us, vs = [a for a, _ in uv], [b for _, b in uv]
            moved = [a + along(a) for a in us]
            new_v = [b + float(np.interp(m, us, vs) - np.interp(a, us, vs)) for a, b, m in zip(us, vs, moved)]
            push = [0.0] * len(line)
            if out:
                for a, b in zip(us, vs):
                    j = min(max(int(np.searchsorted(moved, a)), 1), len(moved) - 1)
                    t = (a - moved[j - 1]) / max(moved[j] - moved[j - 1], 1e-9)
                    chord = new_v[j - 1] + t * (new_v[j] - new_v[j - 1])
                    gap = max(out * (b - chord), 0.0)
                    fixed = [abs(moved[i] - us[i]) < 1e-4 for i in (j - 1, j)]
                    push[j] = max(push[j], gap / max(t, 0.25) if fixed[0] else gap)
                    push[j - 1] = max(push[j - 1], gap / max(1 - t, 0.25) if fixed[1] else gap)
            for n, i in enumerate(line):
                extra = (
                    0.0
                    if (not out or abs(moved[n] - us[n]) < 1e-4)
                    else push[n] + rig_module.GAZE_CONTOUR_MARGIN_PX
                )
                points[i, :2] = centre + moved[n] * ex + (new_v[n] + out * extra) * ey
        down = -rig.eyeball_radius_px[eye] * math.sin(pitch)
        for i in np.nonzero(rig.eye_index == eye)[0]:
            if int(i) in on_lines:
                continue
            u, v = float((points[i, :2] - centre) @ ex), float((points[i, :2] - centre) @ ey)
            v += (
                rig.iris_move[i] * down
            )  # up or down first, then sideways keeping the clearance from the lids
            if shift:
                m = u + along(u)
                (uu, vu), (ul, vl) = edges
                above = min(max(v - float(np.interp(u, uu, vu)), 0.0), clear)  # clearances before the turn
                below = min(max(float(np.interp(u, ul, vl)) - v, 0.0), clear)
                v = max(v, float(np.interp(m, uu, vu)) + above)
                v = min(v, float(np.interp(m, ul, vl)) - below)
                u = m
            points[i, :2] = centre + u * ex + v * ey
    return points


def _clip01(value: float) -> float:
    return float(np.clip(value, 0, 1))


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    x, y, z = axis / np.linalg.norm(axis)
    c, s = math.cos(angle), math.sin(angle)
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) * c + s * k + (1 - c) * np.outer([x, y, z], [x, y, z])


def _jaw(rig: Rig, points: np.ndarray, theta: float) -> np.ndarray:
    ey = np.append(rig.frame.ey, 0.0)
    down = theta * rig.jaw_lever_px * rig.jaw_falloff
    back = theta * ((points - rig.hinge_xyz) @ ey)
    move = down[:, None] * ey + back[:, None] * np.array([0.0, 0.0, 1.0])
    return points + move * rig.jaw_weight[:, None]


def _head(rig: Rig, points: np.ndarray, yaw: float, pitch: float, roll: float, ids=None) -> np.ndarray:
    if not (yaw or pitch or roll):
        return points
    ex, ey, ez = np.append(rig.frame.ex, 0.0), np.append(rig.frame.ey, 0.0), np.array([0.0, 0.0, 1.0])
    pick = slice(None) if ids is None else ids
    weights = rig.head_weight[pick]
    nod = _rotation(ex, -math.radians(pitch))
    rotation = _rotation(ez, math.radians(roll)) @ _rotation(ey, -math.radians(yaw)) @ nod
    if rig.pitch_depth_offset is not None and pitch:
        scale = rig_module.PITCH_DEPTH_SCALE * (rig_module.PITCH_UP_GAIN if pitch > 0 else 1.0)
        points = rig._rotate_about_pivot(points, nod, rig.pitch_depth_offset[pick], scale, weights)
        rotation = rotation @ nod.T
    # (a turn back towards the camera of a face turned in the photo has its own rotation depth)
    turning_back = rig.frontalise_depth_offset is not None and yaw * rig.photo_turn_deg < 0
    offset = rig.frontalise_depth_offset[pick] if turning_back else rig.depth_offset[pick]
    if rig.near_side_head_weight is not None and yaw:
        # (the near side's jaw edge turns with the outline, grown in over the first degrees of the turn)
        t = min(abs(yaw) / rig_module.NEAR_SIDE_FULL_DEG, 1.0)
        weights = weights + rig.near_side_head_weight[0 if yaw > 0 else 1][pick] * t * t * (3 - 2 * t)
    return rig._rotate_about_pivot(points, rotation, offset, rig_module.ROTATION_DEPTH_SCALE, weights)


def _heights(xy: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    p = xy[triangles].astype(np.float64)
    a, b = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    sides = np.stack([np.linalg.norm(p[:, k] - p[:, (k + 1) % 3], axis=1) for k in range(3)], axis=1)
    return (a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1]) / np.maximum(sides.max(axis=1), 1e-9)


def _unfold(rig: Rig, xy: np.ndarray) -> np.ndarray:
    src, tris = rig.points_xyz[:, :2], rig.skin_triangles
    height_src = _heights(src, tris)
    floor = max(rig_module.MIN_FOLD_HEIGHT_PX, rig_module.UNFOLD_MIN_HEIGHT_PER_EYES * rig.frame.eyes_px)
    usable = np.abs(height_src) > floor
    movable = (rig.head_weight > 0) & ~rig.pinned
    start = xy
    best, best_rank, since_best, stage = xy, None, 0, 1
    for iteration in range(rig_module.UNFOLD_ITERATIONS):
        height = _heights(xy, tris)
        folded = (
            usable
            & (np.sign(height) != np.sign(height_src))
            & (np.abs(height) > 0.5 * rig_module.MIN_FOLD_HEIGHT_PX)
        )
        fold_px = np.abs(height[folded])
        rank = (int((fold_px > rig_module.MIN_FOLD_HEIGHT_PX).sum()), float(fold_px.sum()))
        if best_rank is None or rank < best_rank:
            best, best_rank, since_best = xy, rank, 0
        else:
            since_best += 1
        if not folded.any():
            break
        # (a stage that has not bettered its best for UNFOLD_STALL steps is given up)
        if since_best >= rig_module.UNFOLD_STALL:
            if stage == 2:
                break
            stage, since_best = 2, 0
        elif stage == 1 and iteration >= rig_module.UNFOLD_ITERATIONS // 2:
            stage, since_best = 2, 0
        if stage == 2 and since_best == 0 and best is start and xy is not start:
            # (a first stage that never bettered the pose is dropped: the second starts from the pose)
            xy = start
            height = _heights(xy, tris)
            folded = (
                usable
                & (np.sign(height) != np.sign(height_src))
                & (np.abs(height) > 0.5 * rig_module.MIN_FOLD_HEIGHT_PX)
            )
        patch = np.zeros(len(xy), bool)
        patch[tris[folded].ravel()] = True
        patch |= (rig.neighbours @ patch.astype(np.float64)) > 0
        patch &= movable
        if stage == 1:
            disp = xy - src
            disp[patch] = 0.5 * disp[patch] + 0.5 * (rig.neighbours @ disp)[patch]
            xy = (src + disp).astype(np.float32)
        else:
            xy = xy.copy()
            xy[patch] = 0.5 * xy[patch] + 0.5 * (rig.neighbours @ xy)[patch]
    return best


def reference_pose(rig: Rig, params: dict[str, float]) -> dict[str, np.ndarray]:
    """Rig.pose written step by step, a pass per shape and per eye (as before the fast path)."""
    p = params.get
    points = rig.points_xyz.copy()
    linear = np.zeros_like(points)
    jaw_open = _clip01(p("jawOpen", 0.0))
    parting = np.zeros((len(rig.lips.upper), 3), np.float32)
    parting[:, :2] = jaw_open * rig.jaw_lip_parting_px[:, None] * rig.frame.ey
    pressed = 1.0 - rig_module.ROUNDING_GIVE_WAY * _clip01(p("mouthClose", 0.0))
    for name, shape in rig.basis.items():
        w = float(p(name, 0.0)) * (pressed if name in ("mouthPucker", "mouthFunnel") else 1.0)
        if w:
            linear += w * shape
            if name in rig_module.LIP_PARTING_SHAPES:
                parting += w * (shape[rig.lips.lower] - shape[rig.lips.upper])
    points += linear
    if linear.any():
        ball, lid = rig.eyeball_contour[:, 0], rig.eyeball_contour[:, 1]
        side = rig.eyeball_contour_side.astype(np.float32)
        du, dv = linear[lid, :2] @ rig.frame.ex, linear[lid, :2] @ rig.frame.ey
        dv = np.where(side > 0, np.minimum(dv, 0), np.where(side < 0, np.maximum(dv, 0), dv))
        # (the eyeball's row under the upper lid's photo edge stays)
        du, dv = np.where(side == 2, 0, du), np.where(side == 2, 0, dv)
        points[ball, :2] += du[:, None] * rig.frame.ex + dv[:, None] * rig.frame.ey
    theta = rig.jaw_rest_rad + rig.jaw_max_rad * jaw_open
    rest_points = _jaw(rig, points.copy(), rig.jaw_rest_rad) if rig.jaw_rest_rad else points.copy()
    points = _jaw(rig, points, theta) if theta else points
    lips = rig.lips
    jaw_gap = (points[lips.lower] - rest_points[lips.lower]) - (points[lips.upper] - rest_points[lips.upper])
    ey = np.append(rig.frame.ey, 0.0).astype(np.float32)
    opening = np.clip((jaw_gap + parting) @ ey, 0.0, None)
    close, roll = _clip01(p("mouthClose", 0.0)), _clip01(p("mouthRollLower", 0.0))
    target_gap = (opening + rig.rest_gap_px) * (1 - close) * (1 - 0.85 * roll)
    excess = (points[lips.lower] - points[lips.upper]) - target_gap[:, None] * ey
    excess[:, 2] = 0
    share_up = rig_module.LIP_CLOSE_UPPER_SHARE * (1 - roll) * (1 - 0.3 * jaw_open)
    points += lips.spread(excess * share_up, -excess * (1 - share_up))
    blink = np.zeros(2, np.float32)
    lids_open = points[rig_module.UPPER_LIDS].copy()
    for side_index, (which, eye) in enumerate(zip(("Right", "Left"), rig.eyes)):
        squint = rig_module.SQUINT_LID_SHARE * _clip01(p(f"eyeSquint{which}", 0.0))
        squint += rig_module.CHEEK_LID_SHARE * _clip01(p(f"cheekSquint{which}", 0.0))
        b = max(_clip01(p(f"eyeBlink{which}", 0.0)), min(squint, rig_module.MAX_SQUINT_LID))
        blink[side_index] = b
        if b > 0:
            meet = points[eye.lower] + rig_module.LID_MEET_SHARE * (points[eye.upper] - points[eye.lower])
            points += eye.spread((meet - points[eye.upper]) * b, (meet - points[eye.lower]) * b)
    points = _gaze(rig, points, p("gazeYaw", 0.0), p("gazePitch", 0.0))
    angles = (rig.realised_yaw_deg(p("headYaw", 0.0)), p("headPitch", 0.0), p("headRoll", 0.0))
    points = _head(rig, points, *angles)
    lids_open = _head(rig, lids_open, *angles, ids=rig_module.UPPER_LIDS)
    # (the slivers' settling after the relaxation is the rig's own step: tests/face/test_slivers.py)
    xy = rig._settle_slivers(_unfold(rig, points[:, :2].astype(np.float32)))
    return {
        "points_xy": xy,
        "upper_lids_open_xy": lids_open[:, :2].reshape(2, -1, 2),
        "upper_teeth_xy": points[rig.teeth_upper, :2],
        "lower_teeth_xy": points[rig.teeth_lower, :2],
        "photo_mouth_xy": points[rig.photo_mouth, :2],
        "mouth_open_px": np.array(float(np.max((xy[lips.lower] - xy[lips.upper]) @ rig.frame.ey))),
        "blink": blink,
    }


def _varied_poses(n: int) -> list[dict[str, float]]:
    """Speech-like mouths with blinks, squints, smiles, gaze and head turns, seeded; and the extremes."""
    rng = np.random.default_rng(15)
    names = [
        "jawOpen", "mouthClose", "mouthPucker", "mouthFunnel", "mouthRollLower", "mouthSmileLeft",
        "mouthSmileRight", "mouthStretchLeft", "mouthFrownRight", "mouthUpperUpLeft", "mouthLowerDownRight",
        "eyeBlinkLeft", "eyeBlinkRight", "eyeSquintLeft", "cheekSquintRight", "eyeWideLeft", "eyeWideRight",
        "browInnerUp", "browDownLeft", "browOuterUpRight",
    ]  # fmt: skip
    poses: list[dict[str, float]] = [{}, {"jawOpen": 1.0}, {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0}]
    poses.append({"headYaw": 20.0, "headPitch": -15.0, "headRoll": 10.0, "gazeYaw": 15.0, "gazePitch": -10.0})
    while len(poses) < n:
        pose = {name: float(rng.uniform(0, 1)) for name in names if rng.random() < 0.35}
        for name, limit in (("headYaw", 20), ("headPitch", 15), ("headRoll", 10), ("gazeYaw", 15)):
            if rng.random() < 0.7:
                pose[name] = float(rng.uniform(-limit, limit))
        poses.append(pose)
    return poses


@pytest.mark.parametrize("state", ["photo_rest", "closed_at_rest", "turned_in_the_photo"])
def test_fast_pose_equals_the_reference_on_varied_poses(rig, state):
    posed_rig = rig.closed_at_rest() if state == "closed_at_rest" else rig
    if state == "turned_in_the_photo":
        # A face turned in the photo turns back at another rotation depth than it turns away (any will do
        # here: the fast path must pick the same one as the reference, whichever way the head turns).
        offset = (rig.depth_offset * 0.5).astype(np.float32)
        posed_rig = dataclasses.replace(rig, photo_turn_deg=-12.0, frontalise_depth_offset=offset)
    worst: dict[str, float] = {}
    for params in _varied_poses(40):
        expected, got = reference_pose(posed_rig, params), posed_rig.pose(params)
        for name, value in expected.items():
            diff = np.abs(np.asarray(getattr(got, name), np.float64) - np.asarray(value, np.float64))
            worst[name] = max(worst.get(name, 0.0), float(diff.max(initial=0.0)))
    # Float rounding only (the shapes summed in another order): far under a pixel's hundredth.
    assert max(worst.values()) < 1e-3, worst


def test_triangle_heights_are_the_straightforward_ones(rig):
    rng = np.random.default_rng(0)
    xy = (rig.points_xyz[:, :2] + rng.normal(0, 2.0, (rig.n_vertices, 2))).astype(np.float32)
    np.testing.assert_allclose(
        triangle_heights(xy, rig.skin_triangles), _heights(xy, rig.skin_triangles), rtol=1e-12, atol=1e-9
    )


def test_a_pickled_rig_poses_the_same_and_leaves_its_constants_behind(rig):
    before = rig.pose({"jawOpen": 0.5, "headYaw": 8.0, "eyeBlinkLeft": 0.7})  # builds the cached constants
    copy = pickle.loads(pickle.dumps(rig))
    assert "_posing" in rig.__dict__ and "_posing" not in copy.__dict__
    after = copy.pose({"jawOpen": 0.5, "headYaw": 8.0, "eyeBlinkLeft": 0.7})
    for field in dataclasses.fields(before):
        np.testing.assert_array_equal(getattr(before, field.name), getattr(after, field.name))
