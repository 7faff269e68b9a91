"""The face mesh's index sets: a surface with holes at the eyes and mouth, bounded by the named contours."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np

from dirfa.face import topology as topo


def _edge(a: int, b: int) -> tuple[int, int]:
    return (min(a, b), max(a, b))


def _loop_edges(loop: list[int]) -> set[tuple[int, int]]:
    return {_edge(loop[i], loop[(i + 1) % len(loop)]) for i in range(len(loop))}


def _closed(upper: tuple[int, ...], lower: tuple[int, ...]) -> list[int]:
    """A contour pair sharing its corners, as one closed loop."""
    assert upper[0] == lower[0] and upper[-1] == lower[-1]
    return list(upper) + list(lower[-2:0:-1])


def _edge_uses(triangles: np.ndarray) -> Counter:
    return Counter(_edge(int(t[i]), int(t[(i + 1) % 3])) for t in triangles for i in range(3))


def _polygon_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def test_852_distinct_triangles_over_the_468_mesh_points():
    triangles = topo.face_triangles()
    assert triangles.shape == (852, 3) and triangles.dtype == np.int32
    assert triangles.min() >= 0 and triangles.max() < 468
    assert all(len(set(t)) == 3 for t in triangles.tolist())
    assert len({tuple(sorted(t)) for t in triangles.tolist()}) == 852
    assert len(np.unique(triangles)) == 468  # every mesh point is used; the irises are not in the mesh


def test_every_interior_edge_is_shared_by_exactly_two_triangles():
    uses = _edge_uses(topo.face_triangles())
    assert set(uses.values()) == {1, 2}


def test_boundary_is_the_face_oval_the_inner_lips_and_the_two_eyes():
    uses = _edge_uses(topo.face_triangles())
    boundary = {edge for edge, count in uses.items() if count == 1}
    oval = _loop_edges(list(topo.face_oval()))
    lips = _loop_edges(_closed(topo.LIP_UPPER_INNER, topo.LIP_LOWER_INNER))
    right_eye = _loop_edges(_closed(topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER))
    left_eye = _loop_edges(_closed(topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER))
    assert (len(oval), len(lips), len(right_eye), len(left_eye)) == (36, 20, 16, 16)
    assert len(boundary) == 88
    assert boundary == oval | lips | right_eye | left_eye


def test_named_contours_run_along_mesh_edges():
    uses = _edge_uses(topo.face_triangles())
    for contour in (topo.LIP_UPPER_OUTER, topo.LIP_LOWER_OUTER):
        for a, b in zip(contour[:-1], contour[1:]):
            assert _edge(a, b) in uses, (a, b)
    assert topo.LIP_UPPER_OUTER[0] == topo.LIP_LOWER_OUTER[0] == topo.MOUTH_CORNER_RIGHT
    assert topo.LIP_UPPER_OUTER[-1] == topo.LIP_LOWER_OUTER[-1] == topo.MOUTH_CORNER_LEFT
    assert topo.IRIS_RIGHT[0] == 468 and topo.IRIS_LEFT[-1] == 477


def test_face_oval_is_a_closed_36_point_loop_from_the_forehead():
    oval = topo.face_oval()
    assert len(oval) == 36 == len(set(oval))
    assert oval[0] == topo.FOREHEAD
    uses = _edge_uses(topo.face_triangles())
    assert all(uses[edge] == 1 for edge in _loop_edges(list(oval)))  # closing edge included


def test_face_oval_is_mediapipes_own_outline():
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_FACE_OVAL

    oval = topo.face_oval()
    assert {(a, b) for a, b in zip(oval, oval[1:] + oval[:1])} == set(FACEMESH_FACE_OVAL)


def test_triangles_tile_the_astronauts_face_without_overlap(portrait):
    """On a frontal face the triangles' areas add up to the oval less the eye and mouth holes: no
    triangle lies over another, none is missing."""
    xy = portrait.landmarks_xyz[:, :2].astype(np.float64)
    p = xy[topo.face_triangles()]
    areas = 0.5 * np.abs(
        (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
        - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1])
    )
    holes = sum(
        _polygon_area(xy[_closed(upper, lower)])
        for upper, lower in (
            (topo.LIP_UPPER_INNER, topo.LIP_LOWER_INNER),
            (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER),
            (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER),
        )
    )
    face = _polygon_area(xy[list(topo.face_oval())]) - holes
    assert abs(areas.sum() - face) < 0.01 * face


def test_face_oval_encloses_every_mesh_point_of_the_astronaut(portrait):
    xy = portrait.landmarks_xyz[:, :2]
    oval = xy[list(topo.face_oval())].astype(np.float32).reshape(-1, 1, 2)
    inside = [cv2.pointPolygonTest(oval, (float(x), float(y)), True) for x, y in xy[:468]]
    assert min(inside) > -1.0  # on or inside the outline (to a pixel of landmark noise)
