"""Dense backward warp of a photo by a moved triangle mesh (piecewise-affine, layered).

Render stage: source and target vertex positions -> per-pixel source coordinates -> cv2.remap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from dirfa.face.rig import triangle_heights

SUBPIXEL_BITS = 4
MAX_BACKWARD_STRETCH = 8.0  # a target triangle shrunk more than this (Frobenius norm) samples by its centre  # cv2 fill functions take fixed-point vertices: 1/16 px precision


@dataclass(frozen=True)
class Region:
    """A pixel rectangle [x0, x1) x [y0, y1) of the image being rendered."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)


def bounding_region(points_xy: np.ndarray, width: int, height: int, margin_px: int = 2) -> Region:
    """The pixel rectangle covering `points_xy`, clipped to a width x height image."""
    x0, y0 = np.floor(points_xy.min(axis=0)).astype(int) - margin_px
    x1, y1 = np.ceil(points_xy.max(axis=0)).astype(int) + margin_px + 1
    return Region(max(int(x0), 0), max(int(y0), 0), min(int(x1), width), min(int(y1), height))


def triangle_affines(src_xy: np.ndarray, dst_xy: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(T, 2, 3) affine maps taking each triangle's target position back to its source position.

    Degenerate or sliver-thin target triangles get the plain shift of their centre."""
    d = dst_xy[triangles].astype(np.float64)  # (T, 3, 2)
    s = src_xy[triangles].astype(np.float64)
    d_edges = np.stack([d[:, 1] - d[:, 0], d[:, 2] - d[:, 0]], axis=2)  # (T, 2, 2) columns = edges
    s_edges = np.stack([s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]], axis=2)
    det = d_edges[:, 0, 0] * d_edges[:, 1, 1] - d_edges[:, 0, 1] * d_edges[:, 1, 0]
    ok = np.abs(det) > 1e-9
    inv = np.zeros_like(d_edges)
    inv[ok, 0, 0] = d_edges[ok, 1, 1] / det[ok]
    inv[ok, 0, 1] = -d_edges[ok, 0, 1] / det[ok]
    inv[ok, 1, 0] = -d_edges[ok, 1, 0] / det[ok]
    inv[ok, 1, 1] = d_edges[ok, 0, 0] / det[ok]
    linear = s_edges @ inv  # (T, 2, 2)
    # A triangle squeezed to a sliver in the target magnifies enormously backwards: the pixels the
    # rasteriser gives its edges would sample the photo far away (stray specks). Such triangles take the
    # plain shift of their centre instead.
    shifted = ~ok | (np.linalg.norm(linear, axis=(1, 2)) > MAX_BACKWARD_STRETCH)
    linear[shifted] = np.eye(2)
    offset = s[:, 0] - np.einsum("tij,tj->ti", linear, d[:, 0])
    offset[shifted] = (s.mean(axis=1) - d.mean(axis=1))[shifted]
    return np.concatenate([linear, offset[:, :, None]], axis=2).astype(np.float32)


def rasterize_ids(
    dst_xy: np.ndarray,
    layers: Sequence[np.ndarray],
    region: Region,
    first_id: int = 0,
) -> np.ndarray:
    """(H, W) int32 map of which triangle covers each pixel centre of `region` (-1: none).

    Layers are drawn in order, so a later layer covers an earlier one; ids count across the layers."""
    offsets = np.cumsum([first_id] + [len(t) for t in layers])
    tagged = [(t, offsets[k] + np.arange(len(t))) for k, t in enumerate(layers)]
    return _rasterize(dst_xy, tagged, (region.x0, region.y0), 1, (region.height, region.width))


def _lattice_triangles(
    dst_xy: np.ndarray,
    tagged_layers: Sequence[tuple[np.ndarray, np.ndarray]],
    origin_xy: tuple[float, float],
    step: int,
) -> Iterator[tuple[np.ndarray, int]]:
    """Each triangle in drawing order, as (fixed-point vertices for cv2's fill functions, its tag), in
    lattice coordinates: lattice point (column, row) is image point origin + step * (column, row)."""
    scale = (1 << SUBPIXEL_BITS) / step
    offset = np.array(origin_xy, np.float64)
    for triangles, tags in tagged_layers:
        # Lattice points sit at integer coordinates in cv2's fill convention.
        fixed = np.round((dst_xy[triangles].astype(np.float64) - offset) * scale).astype(np.int32)
        yield from zip(fixed, tags.tolist())


def _rasterize(
    dst_xy: np.ndarray,
    tagged_layers: Sequence[tuple[np.ndarray, np.ndarray]],
    origin_xy: tuple[float, float],
    step: int,
    shape: tuple[int, int],
) -> np.ndarray:
    """Triangle ids at the lattice points; layers are (triangles, ids), later ones drawn over earlier."""
    ids = np.full(shape, -1, np.int32)
    for tri, tag in _lattice_triangles(dst_xy, tagged_layers, origin_xy, step):
        cv2.fillConvexPoly(ids, tri, tag, lineType=cv2.LINE_8, shift=SUBPIXEL_BITS)
    return ids


def _lattice_map(
    affines: np.ndarray,
    dst_xy: np.ndarray,
    tagged_layers: Sequence[tuple[np.ndarray, np.ndarray]],
    origin_xy: tuple[float, float],
    step: int,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Source-minus-target displacement (dx, dy) at lattice points; zero where no triangle covers.

    One fill per triangle paints its id; each lattice point then looks up its triangle's displacement
    coefficients (per lattice column, per row, constant). The fills are the cost: a Python-level call
    each, ~2 us, so the rest is vectorised."""
    ox, oy = float(origin_xy[0]), float(origin_xy[1])
    a = affines.astype(np.float64)
    # Column T (id -1 wraps to it) is all zeros: no displacement where no triangle covers. Rows: the
    # dx coefficients per lattice column, per row and constant, then the same three for dy.
    coefficients = np.zeros((6, len(a) + 1), np.float64)
    for row in (0, 1):
        lin_x = a[:, row, 0] - (row == 0)  # displacement = (A - I) p + t
        lin_y = a[:, row, 1] - (row == 1)
        coefficients[3 * row, :-1] = lin_x * step
        coefficients[3 * row + 1, :-1] = lin_y * step
        coefficients[3 * row + 2, :-1] = lin_x * ox + lin_y * oy + a[:, row, 2]
    ids = _rasterize(dst_xy, tagged_layers, origin_xy, step, shape)
    c = np.take(coefficients.astype(np.float32), ids, axis=1)  # (6, H, W), each plane contiguous
    cols = np.arange(shape[1], dtype=np.float32)[None, :]
    rows = np.arange(shape[0], dtype=np.float32)[:, None]
    dx = c[0] * cols
    dx += c[1] * rows
    dx += c[2]
    dy = c[3] * cols
    dy += c[4] * rows
    dy += c[5]
    return dx, dy


def backward_map(
    src_xy: np.ndarray,
    dst_xy: np.ndarray,
    layers: Sequence[np.ndarray],
    region: Region,
    *,
    step: int = 1,
    sharp_boxes: Sequence[Region] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel source coordinates for `region`: (map_x, map_y), float32 maps for cv2.remap.

    Pixels covered by no triangle map to themselves (the still background). With step > 1 the map is
    computed every `step` pixels and interpolated — exact inside each triangle, since the map is affine
    there — except inside `sharp_boxes`, computed at every pixel: put the boxes where layers meet (eye and
    mouth openings), where the map jumps and interpolating it would smear an edge."""
    offsets = np.cumsum([0] + [len(t) for t in layers])
    tagged = [(t, offsets[k] + np.arange(len(t))) for k, t in enumerate(layers)]
    all_triangles = np.concatenate(layers)
    affines = triangle_affines(src_xy, dst_xy, all_triangles)
    height, width = region.height, region.width
    if step <= 1:
        dx, dy = _lattice_map(affines, dst_xy, tagged, (region.x0, region.y0), 1, (height, width))
    else:
        lo = dst_xy[all_triangles].min(axis=1)
        hi = dst_xy[all_triangles].max(axis=1)
        boxes = [
            Region(max(b.x0, region.x0), max(b.y0, region.y0), min(b.x1, region.x1), min(b.y1, region.y1))
            for b in sharp_boxes
        ]
        boxes = [b for b in boxes if b.width > 0 and b.height > 0]
        # A triangle well inside a box is painted there exactly; its coarse samples would only be
        # overwritten (interpolation near a box's edge reads samples up to `step` px inside it).
        hidden = np.zeros(len(all_triangles), bool)
        for b in boxes:
            margin = step + 1
            hidden |= (
                (lo[:, 0] >= b.x0 + margin)
                & (hi[:, 0] <= b.x1 - margin)
                & (lo[:, 1] >= b.y0 + margin)
                & (hi[:, 1] <= b.y1 - margin)
            )
        shown = [(t[~hidden[tags]], tags[~hidden[tags]]) for t, tags in tagged]
        coarse = (-(-height // step), -(-width // step))
        # cv2.resize puts coarse sample j at fine coordinate (j + 0.5) * step - 0.5: sample there.
        centre = (step - 1) / 2
        cdx, cdy = _lattice_map(
            affines, dst_xy, shown, (region.x0 + centre, region.y0 + centre), step, coarse
        )
        size = (coarse[1] * step, coarse[0] * step)
        dx = cv2.resize(cdx, size, interpolation=cv2.INTER_LINEAR)[:height, :width]
        dy = cv2.resize(cdy, size, interpolation=cv2.INTER_LINEAR)[:height, :width]
        for b in boxes:
            near = (
                (hi[:, 0] >= b.x0 - 1)
                & (lo[:, 0] <= b.x1 + 1)
                & (hi[:, 1] >= b.y0 - 1)
                & (lo[:, 1] <= b.y1 + 1)
            )
            local = [(t[near[tags]], tags[near[tags]]) for t, tags in tagged]
            bdx, bdy = _lattice_map(affines, dst_xy, local, (b.x0, b.y0), 1, (b.height, b.width))
            box_slices = (
                slice(b.y0 - region.y0, b.y1 - region.y0),
                slice(b.x0 - region.x0, b.x1 - region.x0),
            )
            dx[box_slices] = bdx
            dy[box_slices] = bdy
    xs = np.arange(region.x0, region.x1, dtype=np.float32)[None, :]
    ys = np.arange(region.y0, region.y1, dtype=np.float32)[:, None]
    return dx + xs, dy + ys


def remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """Sample `image` at the mapped coordinates (bicubic: sharp without the ringing of Lanczos)."""
    return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)


def folded_triangles(
    src_xy: np.ndarray, dst_xy: np.ndarray, triangles: np.ndarray, min_height_px: float = 0.5
) -> np.ndarray:
    """Indices of triangles that flipped over between source and target: a fold in the warp.

    A fold shows when the flipped triangle reaches more than `min_height_px` across (its height over its
    longest side): thinner slivers overlap their neighbours by less than a pixel. Triangles thinner than
    that in the photo have no reliable orientation (landmark noise) and are not judged."""
    h_src = triangle_heights(src_xy, triangles)
    h_dst = triangle_heights(dst_xy, triangles)
    judged = np.abs(h_src) > min_height_px
    return np.nonzero(judged & (np.sign(h_src) != np.sign(h_dst)) & (np.abs(h_dst) > min_height_px))[0]
