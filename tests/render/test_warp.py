"""The piecewise-affine backward warp: exact maps on known meshes, layering, and moved photo pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dirfa.face import topology as topo
from dirfa.face.landmarks import N_LANDMARKS
from dirfa.face.rig import triangle_heights
from dirfa.render import warp
from dirfa.render.compose import MAP_STEP_PX, sharp_boxes

coordinate = st.floats(-200.0, 700.0, allow_nan=False, allow_infinity=False)
triangle_xy = st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=3).map(
    lambda points: np.array(points, np.float64)
)


def _signed_area(p: np.ndarray) -> float:
    return 0.5 * float((p[1, 0] - p[0, 0]) * (p[2, 1] - p[0, 1]) - (p[2, 0] - p[0, 0]) * (p[1, 1] - p[0, 1]))


def _apply(affine: np.ndarray, xy: np.ndarray) -> np.ndarray:
    return xy @ affine[:, :2].T.astype(np.float64) + affine[:, 2]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(src=triangle_xy, dst=triangle_xy)
def test_affine_takes_each_target_vertex_to_its_source_vertex(src, dst):
    assume(abs(_signed_area(dst)) > 5.0 and abs(_signed_area(src)) > 5.0)
    # Keep the map well conditioned enough for float32 affines: no sliver target triangles.
    edges = np.linalg.norm(dst - np.roll(dst, 1, axis=0), axis=1)
    assume(abs(_signed_area(dst)) > 0.02 * edges.max() ** 2)
    points = np.concatenate([src, dst]).astype(np.float32)
    affine = warp.triangle_affines(points[:3], points[3:], np.array([[0, 1, 2]]))[0]
    assert affine.shape == (2, 3)
    # A target triangle shrunk past MAX_BACKWARD_STRETCH deliberately takes its centre's shift instead.
    d_edges = np.stack([dst[1] - dst[0], dst[2] - dst[0]], axis=1)
    s_edges = np.stack([src[1] - src[0], src[2] - src[0]], axis=1)
    assume(np.linalg.norm(s_edges @ np.linalg.inv(d_edges)) <= warp.MAX_BACKWARD_STRETCH)
    np.testing.assert_allclose(_apply(affine, points[3:].astype(np.float64)), src, atol=0.02)


def test_affines_of_the_posed_face_mesh_map_every_vertex_back(rig):
    src = rig.points_xyz[:, :2]
    dst = rig.pose({"jawOpen": 0.7, "headYaw": 10.0, "mouthSmileLeft": 1.0, "eyeBlinkRight": 0.5}).points_xy
    triangles = np.concatenate([rig.skin_triangles, rig.mouth_triangles])
    affines = warp.triangle_affines(src, dst, triangles)
    assert affines.shape == (len(triangles), 2, 3) and affines.dtype == np.float32
    corners = dst[triangles].astype(np.float64)  # (T, 3, 2)
    mapped = np.einsum("tij,tkj->tki", affines[:, :, :2].astype(np.float64), corners) + affines[:, None, :, 2]
    # A collapsed triangle covers no pixel, and a target sliver that is thicker in the photo takes the shift
    # of its centre (MIN_MAPPED_HEIGHT_PX): their maps are not exact.
    area = np.abs([_signed_area(p) for p in corners])
    h_dst, h_src = np.abs(triangle_heights(dst, triangles)), np.abs(triangle_heights(src, triangles))
    sliver = (h_dst < warp.MIN_MAPPED_HEIGHT_PX) & (h_src > warp.SLIVER_STRETCH * h_dst)
    ok = (area > 0.5) & ~sliver
    # Measured on this pose: 62 of 1086 triangles not exact (0.943), covering 28.5 px2 of the target in all.
    # 39 are slivers in the photo already (under 0.5 px2: nostrils, lip corners); 23 are the far nostril wing,
    # lip corner and temple foreshortened under 1 px by headYaw 10 at full depth (rig.ROTATION_DEPTH_SCALE
    # 1.02; 0.4 before, a ~4 deg turn, left 53 and 14.9 px2). The area bound keeps a wider inexact map out.
    assert ok.mean() > 0.93
    assert area[~ok].sum() < 40.0
    np.testing.assert_allclose(mapped[ok], src[triangles][ok], atol=0.01)


def test_collapsed_target_triangle_takes_the_shift_of_its_centre():
    """A sliver or collapsed target triangle would sample far away through its edge pixels."""
    src = np.array([[0, 0], [10, 0], [0, 10], [5, 5]], np.float32)
    dst = np.array([[0, 0], [10, 0], [20, 0], [5, 5]], np.float32)  # 0, 1, 2 on a line
    affine = warp.triangle_affines(src, dst, np.array([[0, 1, 2]]))[0]
    shift = src[:3].mean(axis=0) - dst[:3].mean(axis=0)
    np.testing.assert_allclose(affine, [[1, 0, shift[0]], [0, 1, shift[1]]], atol=1e-5)


def test_identity_mesh_gives_identity_maps(rig):
    src = rig.points_xyz[:, :2]
    region = warp.bounding_region(src, 512, 512)
    layers = [np.concatenate([rig.mouth_triangles, rig.eye_triangles]), rig.skin_triangles]
    warped = warp.backward_warp(src, src.copy(), layers, region, edges=False)
    map_x, map_y = warped.map_x, warped.map_y
    ids = warp.rasterize_ids(src, layers, region)
    assert map_x.shape == map_y.shape == ids.shape == (region.height, region.width)
    assert map_x.dtype == map_y.dtype == np.float32
    ys, xs = np.mgrid[region.y0 : region.y1, region.x0 : region.x1]
    np.testing.assert_allclose(map_x, xs, atol=2e-3)
    np.testing.assert_allclose(map_y, ys, atol=2e-3)
    # The face is covered; the corners of the region, outside the outer ring, are not.
    nose = np.round(rig.points_xyz[1, :2]).astype(int) - [region.x0, region.y0]
    assert ids[nose[1], nose[0]] >= 0
    assert (ids >= 0).mean() > 0.4


def test_later_layers_cover_earlier_ones():
    # Layer 0: two triangles covering a 40 x 40 square; layer 1: one triangle in its middle.
    points = np.array([[0, 0], [40, 0], [40, 40], [0, 40], [10, 10], [30, 10], [20, 30]], np.float32)
    square = np.array([[0, 1, 2], [0, 2, 3]])
    inner = np.array([[4, 5, 6]])
    region = warp.Region(0, 0, 50, 50)
    ids = warp.rasterize_ids(points, [square, inner], region)
    assert ids.dtype == np.int32 and ids.shape == (50, 50)
    assert ids[20, 20] == 2 and ids[12, 20] == 2  # inside the inner triangle: layer 1's id
    assert ids[35, 5] == 1 and ids[5, 35] == 0  # in the square, outside the inner triangle
    assert ids[45, 45] == -1 and ids[20, 45] == -1  # outside everything
    assert set(np.unique(ids)) == {-1, 0, 1, 2}
    assert 200 <= (ids == 2).sum() <= 265  # 200 px2, plus the pixel centres on its 65 px outline
    # The reverse order hides the inner triangle.
    ids = warp.rasterize_ids(points, [inner, square], region)
    assert 0 not in np.unique(ids) and ids[20, 20] in (1, 2)
    # Ids can start anywhere (the renderer numbers layers across calls).
    assert warp.rasterize_ids(points, [square], region, first_id=7)[35, 5] == 8


def test_region_offset_does_not_move_the_raster():
    points = np.array([[100, 100], [140, 100], [120, 140]], np.float32)
    whole = warp.rasterize_ids(points, [np.array([[0, 1, 2]])], warp.Region(0, 0, 200, 200))
    part = warp.rasterize_ids(points, [np.array([[0, 1, 2]])], warp.Region(90, 95, 150, 145))
    np.testing.assert_array_equal(part, whole[95:145, 90:150])


@pytest.mark.parametrize("shift", [(7, -4), (-12, 9), (0, 3)])
def test_translated_mesh_moves_the_photo_by_that_amount(astronaut, rig, shift):
    dx, dy = shift
    src = rig.points_xyz[:, :2]
    dst = src + np.array(shift, np.float32)
    region = warp.bounding_region(np.concatenate([src, dst]), 512, 512)
    warped = warp.backward_warp(src, dst, [rig.skin_triangles], region, edges=False)
    map_x, map_y = warped.map_x, warped.map_y
    ids = warp.rasterize_ids(dst, [rig.skin_triangles], region)
    covered = ids >= 0
    ys, xs = np.mgrid[region.y0 : region.y1, region.x0 : region.x1]
    np.testing.assert_allclose(map_x[covered], (xs - dx)[covered], atol=2e-3)
    np.testing.assert_allclose(map_y[covered], (ys - dy)[covered], atol=2e-3)
    np.testing.assert_array_equal(map_x[~covered], xs[~covered])  # uncovered pixels stay put

    patch = warp.remap(astronaut, map_x, map_y)
    assert patch.shape == (region.height, region.width, 3) and patch.dtype == np.uint8
    # Every pixel the mesh covers (face, hair, surroundings) is the photo's, dx to the right and dy down.
    inside = covered & (ys - dy >= 0) & (ys - dy < 512) & (xs - dx >= 0) & (xs - dx < 512)
    assert inside.sum() > 40_000
    source = astronaut[(ys - dy)[inside], (xs - dx)[inside]]
    np.testing.assert_array_equal(patch[inside], source)


@pytest.mark.parametrize(
    "params",
    [{"headYaw": 15.0}, {"jawOpen": 0.7, "headYaw": 10.0, "mouthSmileLeft": 1.0}],
    ids=["yaw15", "jaw+yaw+smile"],
)
def test_map_computed_on_a_lattice_matches_the_exact_map(rig, params):
    """backward_warp(step=MAP_STEP_PX) interpolates a coarse map, computing per pixel only inside the boxes
    render.compose gives it (lips and eyes, where layers meet): it must stay within half a pixel of the
    exact map, or outlines wobble."""
    src = rig.points_xyz[:, :2]
    dst = rig.pose(params).points_xy
    layers = [np.concatenate([rig.mouth_triangles, rig.eye_triangles]), rig.skin_triangles]
    region = warp.bounding_region(np.concatenate([src, dst]), 512, 512)
    boxes = sharp_boxes(rig, rig.pose(params), 512, 512)
    exact = warp.backward_warp(src, dst, layers, region, edges=False)
    coarse = warp.backward_warp(src, dst, layers, region, step=MAP_STEP_PX, sharp_boxes=boxes, edges=False)
    exact_x, exact_y, coarse_x, coarse_y = exact.map_x, exact.map_y, coarse.map_x, coarse.map_y
    error = np.hypot(coarse_x - exact_x, coarse_y - exact_y)
    worst = np.unravel_index(np.argmax(error), error.shape)
    # The lattice misses the map's kinks between triangles by an amount growing with the turn: at headYaw 15
    # the worst pixel was 0.14 px off with rig.ROTATION_DEPTH_SCALE 0.4 (a ~6 deg turn), 0.34 at 0.8 and 0.53
    # at 1.02, inside the hair at the far temple (the photo remapped through either map differs there by at
    # most 3 grey levels, 7 anywhere: not visible). Layer outlines are in the sharp boxes, mapped exactly.
    assert error.max() < 0.6, (
        f"{error.max():.2f} px off at x={worst[1] + region.x0}, y={worst[0] + region.y0}; "
        f"{(error > 0.25).sum()} pixels off by more than 0.25 px"
    )


def test_fold_detector_reports_flipped_triangles_only():
    src = np.array([[0, 0], [10, 0], [0, 10], [0.5, 0], [0, 0.5]], np.float32)
    triangles = np.array([[0, 1, 2], [0, 3, 4]])
    assert len(warp.folded_triangles(src, src, triangles)) == 0
    shrunk = src.copy()
    shrunk[1] = [2, 0]  # smaller, same orientation
    assert len(warp.folded_triangles(src, shrunk, triangles)) == 0
    flipped = src.copy()
    flipped[1] = [-10, 0]  # vertex 1 crossed over: mirrored triangle
    np.testing.assert_array_equal(warp.folded_triangles(src, flipped, triangles), [0])
    tiny_flipped = src.copy()
    tiny_flipped[3] = [-0.5, 0]  # a 0.125 px2 source triangle has no reliable orientation
    assert len(warp.folded_triangles(src, tiny_flipped, triangles)) == 0


def test_bounding_region_is_clipped_to_the_picture():
    points = np.array([[-30.0, 10.2], [600.0, 480.7]], np.float32)
    region = warp.bounding_region(points, 512, 500, margin_px=2)
    assert (region.x0, region.y0, region.x1, region.y1) == (0, 8, 512, 484)
    assert region.slices == (slice(8, 484), slice(0, 512))
    assert (region.width, region.height) == (512, 476)


def _lid_scene(rim_y0: float, slope: float) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Source and target points and layers of a synthetic eye: skin (a frame around a hole) over an
    eyeball (a rectangle reaching under the frame). The hole's top edge, the lid, runs from (10, rim_y0)
    to (40, rim_y0 + 30 * slope). Skin samples the photo where it is (bright there), the eyeball samples it
    50 px to the right (dark there)."""
    outer = [[0, 0], [50, 0], [50, 45], [0, 45]]
    hole = [[10, rim_y0], [40, rim_y0 + 30 * slope], [40, 32], [10, 32]]
    ball = [[5, 5], [45, 5], [45, 40], [5, 40]]
    dst = np.array(outer + hole + ball, np.float64)
    src = dst.copy()
    src[8:] += [50, 0]
    ring = []
    for i in range(4):
        j = (i + 1) % 4
        ring += [[i, j, 4 + i], [j, 4 + j, 4 + i]]
    layers = [np.array([[8, 9, 10], [8, 10, 11]]), np.array(ring)]
    return src.astype(np.float32), dst.astype(np.float32), layers


SKIN, BALL = 200, 20  # the synthetic photo's levels: bright where the skin samples, dark for the eyeball


def _lid_picture(rim_y0: float, slope: float, edges: bool = True) -> np.ndarray:
    photo = np.full((60, 110), SKIN, np.uint8)
    photo[:, 50:] = BALL
    src, dst, layers = _lid_scene(rim_y0, slope)
    region = warp.Region(0, 0, 50, 45)
    warped = warp.backward_warp(src, dst, layers, region, edges=edges)
    return warp.remap(photo, warped.map_x, warped.map_y, warped.edge).astype(np.float64)


def test_lid_edge_is_antialiased_by_the_skins_coverage():
    """A slanted lid edge over a dark eyeball: each pixel the edge crosses mixes skin and eyeball by the
    skin's share of it (no per-pixel staircase); a pixel away from the edge is all skin or all eyeball."""
    slope = 0.07
    picture = _lid_picture(12.3, slope)
    xs = np.arange(12, 39)
    ys = np.arange(4, 30)
    rim = 12.3 + slope * (xs - 10)  # the edge's height at each column
    # Distance of each pixel centre from the edge, positive on the skin's side (above it).
    distance = (rim[None, :] - ys[:, None]) / np.hypot(1.0, slope)
    expected = BALL + (SKIN - BALL) * np.clip(0.5 + distance / warp.EDGE_RAMP_PX, 0, 1)
    got = picture[ys][:, xs]
    np.testing.assert_allclose(got, expected, atol=3)
    between = (got > BALL + 10) & (got < SKIN - 10)
    assert between.any(axis=0).mean() > 0.8  # nearly every column has a mixed pixel on the edge
    assert (got[distance > 1] == SKIN).all() and (got[distance < -1] == BALL).all()
    # Without the edge blend each pixel is one layer's: the staircase this replaces.
    hard = _lid_picture(12.3, slope, edges=False)[ys][:, xs]
    assert not ((hard > BALL + 10) & (hard < SKIN - 10)).any()


def test_lid_moving_by_a_tenth_of_a_pixel_changes_the_edge_pixels_gradually():
    columns = np.arange(12, 39)
    frames = [_lid_picture(12.0 + 0.1 * k, 0.0)[9:16][:, columns] for k in range(11)]
    steps = np.abs(np.diff(np.array(frames), axis=0))
    # A tenth of a pixel moves a tenth of the skin's coverage: 18 levels, never the whole 180 jump.
    assert steps.max() <= 0.1 * (SKIN - BALL) + 3
    # And the lid going down darkens nothing: the skin's share only grows.
    assert (np.diff(np.array(frames), axis=0) >= -1).all()


def test_edge_pixels_of_a_posed_face_lie_on_the_lid_lines(rig):
    """On the astronaut half blinking with the mouth open, the mixed pixels lie within a pixel and a half
    of the eye openings' outlines, around both eyes. The mouth's triangles share the inner lips' vertices
    (one continuous map across them): nothing to mix there."""
    pose = rig.pose({"eyeBlinkLeft": 0.5, "eyeBlinkRight": 0.4, "jawOpen": 0.4})
    src = rig.points_xyz[:, :2]
    layers = [np.concatenate([rig.mouth_triangles, rig.eye_triangles]), rig.skin_triangles]
    region = warp.bounding_region(np.concatenate([src, pose.points_xy]), 512, 512)
    boxes = sharp_boxes(rig, pose, 512, 512)
    edge = warp.backward_warp(src, pose.points_xy, layers, region, step=MAP_STEP_PX, sharp_boxes=boxes).edge
    assert edge is not None
    assert ((edge.low_share >= 0) & (edge.low_share <= 1)).all()
    assert ((edge.low_share > 0.05) & (edge.low_share < 0.95)).sum() > 20
    for upper, lower in (
        (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER),
        (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER),
    ):
        outline = np.zeros((region.height, region.width), np.uint8)
        ids = list(upper) + list(lower)[::-1]
        line = np.round((pose.points_xy[ids] - [region.x0, region.y0]) * 16).astype(np.int32)
        cv2.polylines(outline, [line], True, 1, 4, cv2.LINE_8, 4)
        on_this_eye = outline[edge.rows, edge.cols].astype(bool)
        assert on_this_eye.sum() > 20
        edge = warp.LayerEdge(
            *(v[~on_this_eye] for v in (edge.rows, edge.cols, edge.top_xy, edge.low_xy, edge.low_share))
        )
    assert len(edge.rows) == 0  # none elsewhere


def test_skin_not_bordering_the_hole_hides_the_lid_edge_entirely():
    """Skin that is no part of the lid (a turned head's nose over an eye corner, here a loose triangle
    drawn over the lid edge) stays opaque: the edge under it mixes nothing."""
    src, dst, layers = _lid_scene(12.3, 0.0)
    flap = np.array([[18, 8], [34, 8], [26, 18]], np.float32)
    src, dst = np.concatenate([src, flap]), np.concatenate([dst, flap])
    layers = [layers[0], np.concatenate([layers[1], [[12, 13, 14]]])]
    photo = np.full((60, 110), SKIN, np.uint8)
    photo[:, 50:] = BALL
    warped = warp.backward_warp(src, dst, layers, warp.Region(0, 0, 50, 45))
    picture = warp.remap(photo, warped.map_x, warped.map_y, warped.edge)
    assert (picture[10:14, 22:31] == SKIN).all()  # under the flap, across the lid edge at y = 12.3
    assert BALL < picture[12, 14] < SKIN and BALL < picture[12, 38] < SKIN  # beside it, mixed


def test_a_sliver_squeezed_thinner_takes_the_shift_of_its_centre():
    """Three jaw landmarks nearly in a row, squeezed a little flatter by a head turn: the exact map
    would throw the pixels painted along the sliver ~6x as far across the photo (a dark dash)."""
    src = np.array([[0.0, 0.0], [10.0, 0.15], [20.0, 0.0]], np.float32)
    dst = np.array([[1.0, 1.0], [11.0, 1.02], [21.0, 1.0]], np.float32)
    points = np.concatenate([src, dst])
    affine = warp.triangle_affines(points[:3], points[3:], np.array([[0, 1, 2]]))[0]
    np.testing.assert_allclose(affine[:, :2], np.eye(2), atol=1e-6)
    np.testing.assert_allclose(affine[:, 2], src.mean(axis=0) - dst.mean(axis=0), atol=1e-5)


def _ids_both_ways(corners: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    tags = np.arange(len(corners))
    return tuple(warp._fill_ids(corners, tags, (0.0, 0.0), 1, shape, method=m) for m in ("numpy", "cv2"))


def test_scanline_raster_paints_each_pixel_centre_inside_a_triangle_later_over_earlier():
    # Two triangles sharing the edge (10, 10)-(30, 30), and a third drawn over both.
    corners = np.array(
        [[[10, 10], [30, 10], [30, 30]], [[10, 10], [30, 30], [10, 30]], [[18, 18.5], [26, 18.5], [22, 26]]],
        np.float64,
    )
    ids, _ = _ids_both_ways(corners, (40, 40))
    assert ids[12, 25] == 0 and ids[25, 15] == 1 and ids[22, 22] == 2
    # Pixel centres on an edge belong to the triangle; the shared diagonal leaves no gap.
    assert ids[10, 10] in (0, 1) and ids[30, 30] in (0, 1) and ids[10, 30] == 0 and ids[30, 10] == 1
    assert (ids[10:31, 10:31] >= 0).all() and (ids[:10] == -1).all() and (ids[31:] == -1).all()
    assert (ids[:, :10] == -1).all() and (ids[:, 31:] == -1).all()
    # Drawn in the other order, the last one covers the shared diagonal.
    swapped = warp._fill_ids(corners[[1, 0]], np.array([1, 0]), (0.0, 0.0), 1, (40, 40), method="numpy")
    assert swapped[20, 20] == 0


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    points=st.lists(st.tuples(st.floats(-8.0, 48.0), st.floats(-8.0, 48.0)), min_size=12, max_size=12),
    step=st.sampled_from([1, 2]),
)
def test_scanline_raster_matches_a_brute_force_inside_test(points, step):
    """Four overlapping triangles, anywhere on or off a 40 x 32 lattice: each lattice point takes the last
    triangle whose closed area holds it (points within 1e-6 px of an edge may go either way)."""
    corners = np.array(points, np.float64).reshape(4, 3, 2)
    shape = (32 // step, 40 // step)
    ids = warp._fill_ids(corners, np.arange(4) + 5, (0.0, 0.0), step, shape, method="numpy")
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]] * float(step)
    expected = np.full(shape, -1)
    unsure = np.zeros(shape, bool)
    for k, tri in enumerate(corners):
        area2 = _signed_area(tri) * 2
        if area2 == 0:
            continue
        sides = []
        for i in range(3):
            (ax, ay), (bx, by) = tri[i], tri[(i + 1) % 3]
            length = np.hypot(bx - ax, by - ay)
            sides.append(
                np.sign(area2) * ((bx - ax) * (ys - ay) - (by - ay) * (xs - ax)) / max(length, 1e-12)
            )
        inside = np.all([d >= 0 for d in sides], axis=0)
        near = np.any([np.abs(d) < 1e-6 for d in sides], axis=0)
        expected[inside] = k + 5
        unsure |= near
    np.testing.assert_array_equal(ids[~unsure], expected[~unsure])


def test_scanline_and_cv2_rasters_give_nearly_the_same_maps_on_a_moving_face(rig):
    """The renderer rasterises a face's small triangles with numpy scanlines (pixel centres inside each
    triangle, as test_scanline_raster_matches_a_brute_force_inside_test checks), larger ones with cv2's
    fill, which also paints the pixels its edges pass through, up to half a pixel outside. Over a head
    turning and a jaw opening the two differ only in such edge pixels, where a neighbouring triangle's
    map is extended past its edge: nearly the same map, except where the map bends sharply between
    triangles (the far cheek of a head turned 15 degrees, foreshortened), where cv2's extension is the
    less exact of the two."""
    src = rig.points_xyz[:, :2]
    layers = [np.concatenate([rig.mouth_triangles, rig.eye_triangles]), rig.skin_triangles]
    triangles = np.concatenate(layers)
    for k in range(0, 12, 2):
        s = k / 11
        pose = rig.pose({"headYaw": -15.0 + 30.0 * s, "headPitch": 6.0 * s, "jawOpen": 0.6 * s})
        dst = pose.points_xy
        region = warp.bounding_region(dst[:N_LANDMARKS], 512, 512)  # the face
        corners = dst.astype(np.float64)[triangles] - [region.x0, region.y0]
        new, old = _ids_both_ways(corners, (region.height, region.width))
        # Coverage agrees to a pixel-wide fringe along the mesh's outer edge (none inside the face).
        assert ((new >= 0) != (old >= 0)).mean() < 0.005
        affines = warp.triangle_affines(src, dst, triangles).astype(np.float64)
        ys, xs = np.nonzero((new >= 0) & (old >= 0) & (new != old))
        # Edge pixels only: ~27 % of this small face (~93 px wide; its triangles are 3-5 px across).
        assert len(ys) < 0.4 * new.size
        p = np.stack([xs + region.x0, ys + region.y0], axis=1).astype(np.float64)
        a, b = affines[new[ys, xs]], affines[old[ys, xs]]
        apart = np.hypot(*(np.einsum("nij,nj->ni", a[:, :, :2] - b[:, :, :2], p) + a[:, :, 2] - b[:, :, 2]).T)
        # Measured on this sweep: medians 0.01-0.03 px; over 0.5 px apart at 0.08-1.1 % of the face's
        # pixels (the most at headYaw -15).
        assert np.median(apart) < 0.05
        assert (apart > 0.5).sum() < 0.02 * new.size
