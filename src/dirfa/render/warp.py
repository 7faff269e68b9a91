"""Dense backward warp of a photo by a moved triangle mesh (piecewise-affine, layered).

Render stage: source and target vertex positions -> per-pixel source coordinates -> cv2.remap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

SUBPIXEL_BITS = 4  # cv2 fill functions take fixed-point vertices: 1/16 px precision


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

    Degenerate target triangles (zero area: they cover no pixel) get the identity."""
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
    offset = s[:, 0] - np.einsum("tij,tj->ti", linear, d[:, 0])
    affines = np.concatenate([linear, offset[:, :, None]], axis=2)
    affines[~ok] = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    return affines.astype(np.float32)


def rasterize_ids(
    dst_xy: np.ndarray, layers: Sequence[np.ndarray], region: Region, first_id: int = 0
) -> np.ndarray:
    """(H, W) int32 map of which triangle covers each pixel centre of `region` (-1: none).

    Layers are drawn in order, so a later layer covers an earlier one; ids count across the layers."""
    ids = np.full((region.height, region.width), -1, np.int32)
    scale = 1 << SUBPIXEL_BITS
    # Pixel centres sit at integer coordinates in cv2's fill convention.
    offset = np.array([region.x0, region.y0], np.float64)
    next_id = first_id
    for triangles in layers:
        fixed = np.round((dst_xy[triangles].astype(np.float64) - offset) * scale).astype(np.int32)
        for k, tri in enumerate(fixed):
            cv2.fillConvexPoly(ids, tri, int(next_id + k), lineType=cv2.LINE_8, shift=SUBPIXEL_BITS)
        next_id += len(triangles)
    return ids


def backward_map(
    src_xy: np.ndarray, dst_xy: np.ndarray, layers: Sequence[np.ndarray], region: Region
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel source coordinates for `region`: (map_x, map_y, ids), float32 maps for cv2.remap.

    Pixels covered by no triangle map to themselves (the still background)."""
    ids = rasterize_ids(dst_xy, layers, region)
    affines = triangle_affines(src_xy, dst_xy, np.concatenate(layers))
    ys, xs = np.mgrid[region.y0 : region.y1, region.x0 : region.x1].astype(np.float32)
    covered = ids >= 0
    a = affines[np.where(covered, ids, 0)]
    map_x = np.where(covered, a[..., 0, 0] * xs + a[..., 0, 1] * ys + a[..., 0, 2], xs)
    map_y = np.where(covered, a[..., 1, 0] * xs + a[..., 1, 1] * ys + a[..., 1, 2], ys)
    return map_x.astype(np.float32), map_y.astype(np.float32), ids


def remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """Sample `image` at the mapped coordinates (bicubic: sharp without the ringing of Lanczos)."""
    return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)


def folded_triangles(
    src_xy: np.ndarray, dst_xy: np.ndarray, triangles: np.ndarray, min_area_px: float = 0.5
) -> np.ndarray:
    """Indices of triangles whose orientation flipped between source and target (a fold in the warp)."""

    def signed_area(xy: np.ndarray) -> np.ndarray:
        p = xy[triangles].astype(np.float64)
        return 0.5 * (
            (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
            - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1])
        )

    a_src = signed_area(src_xy)
    a_dst = signed_area(dst_xy)
    meaningful = np.abs(a_src) > min_area_px
    return np.nonzero(meaningful & (np.sign(a_src) != np.sign(a_dst)) & (np.abs(a_dst) > min_area_px))[0]
