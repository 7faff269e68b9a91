"""Dense backward warp of a photo by a moved triangle mesh (piecewise-affine, layered).

Render stage: source and target vertex positions -> per-pixel source coordinates -> cv2.remap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from dirfa.face.rig import triangle_heights, triangle_orientation

SUBPIXEL_BITS = 4  # cv2 fill functions take fixed-point vertices: 1/16 px precision
MAX_BACKWARD_STRETCH = 8.0  # a target triangle shrunk more than this (Frobenius norm) samples by its centre
MIN_MAPPED_HEIGHT_PX = 1.0  # ... as does one thinner than this (height over its longest side)
SLIVER_STRETCH = 2.0  # ... if the photo's triangle is more than this many times thicker
# Where the top layer (skin) ends over a lower one (eyeball, mouth), a pixel mixes both layers' samples by
# the skin's share of it: coverage ramps from 0 to 1 across this width, centred on the rim. One pixel is a
# box filter's width: the lid edge stays as sharp as the photo's other edges, without a staircase.
EDGE_RAMP_PX = 1.0


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


@dataclass(frozen=True)
class _Mesh:
    """The photo's side of a layered triangle mesh: what every warp of it shares (made once, see _mesh).

    triangles: (T, 3) every layer's triangles in drawing order (a triangle's id is its row); starts: the
    first id of each layer, then T. corner, edge_a, edge_b: (T, 2) float64 corner 0 of each source
    triangle and its edges to corners 1 and 2; centre: (T, 2) the source triangles' centres; height: (T,)
    their heights over the longest side (px)."""

    triangles: np.ndarray
    starts: tuple[int, ...]
    corner: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    centre: np.ndarray
    height: np.ndarray


def _mesh(src_xy: np.ndarray, layers: Sequence[np.ndarray]) -> _Mesh:
    """The prepared source mesh for `src_xy` and `layers`. Cached by content: a renderer warps the same
    mesh every frame, and hashing its bytes (~30 kB) costs far less than preparing it again."""
    src = np.ascontiguousarray(np.asarray(src_xy)[:, :2])
    parts = tuple(np.ascontiguousarray(t, np.intp).reshape(-1, 3).tobytes() for t in layers)
    return _prepared_mesh(src.dtype.str, src.tobytes(), parts)


@lru_cache(maxsize=8)
def _prepared_mesh(dtype: str, src_bytes: bytes, layer_bytes: tuple[bytes, ...]) -> _Mesh:
    src = np.frombuffer(src_bytes, dtype).reshape(-1, 2).astype(np.float64)
    layers = [np.frombuffer(b, np.intp).reshape(-1, 3) for b in layer_bytes]
    triangles = np.concatenate(layers) if layers else np.zeros((0, 3), np.intp)
    s = src[triangles]  # (T, 3, 2)
    edge_a, edge_b = s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]
    det = edge_a[:, 0] * edge_b[:, 1] - edge_b[:, 0] * edge_a[:, 1]
    return _Mesh(
        triangles=triangles,
        starts=tuple(np.cumsum([0] + [len(t) for t in layers]).tolist()),
        corner=s[:, 0].copy(),
        edge_a=edge_a,
        edge_b=edge_b,
        centre=(s[:, 0] + s[:, 1] + s[:, 2]) / 3,
        height=_heights(edge_a, edge_b, det),
    )


def _heights(edge_a: np.ndarray, edge_b: np.ndarray, det: np.ndarray) -> np.ndarray:
    """Height over the longest side of triangles given by two (T, 2) edges from one corner and the
    determinant of the two."""
    third = edge_b - edge_a
    longest2 = np.maximum(
        np.maximum(
            edge_a[:, 0] * edge_a[:, 0] + edge_a[:, 1] * edge_a[:, 1],
            edge_b[:, 0] * edge_b[:, 0] + edge_b[:, 1] * edge_b[:, 1],
        ),
        third[:, 0] * third[:, 0] + third[:, 1] * third[:, 1],
    )
    return np.abs(det) / np.sqrt(np.maximum(longest2, 1e-18))


def triangle_affines(src_xy: np.ndarray, dst_xy: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(T, 2, 3) affine maps taking each triangle's target position back to its source position.

    Degenerate or sliver-thin target triangles get the plain shift of their centre."""
    mesh = _mesh(src_xy, [triangles])
    return _affines(mesh, np.asarray(dst_xy)[:, :2].astype(np.float64)[mesh.triangles])


def _affines(mesh: _Mesh, corners: np.ndarray) -> np.ndarray:
    """triangle_affines of a prepared mesh, its triangles at target `corners` ((T, 3, 2) float64).

    Written out per component: on ~1100 triangles numpy's small-axis reductions and stacked 2 x 2 matrix
    products cost more than the arithmetic (~2 ms a frame against ~0.3)."""
    d0 = corners[:, 0]
    ax, ay = corners[:, 1, 0] - d0[:, 0], corners[:, 1, 1] - d0[:, 1]
    bx, by = corners[:, 2, 0] - d0[:, 0], corners[:, 2, 1] - d0[:, 1]
    det = ax * by - bx * ay
    ok = np.abs(det) > 1e-9
    safe = np.where(ok, det, 1.0)
    # The inverse of the target edges (columns a, b); zero where they are degenerate.
    i00, i01 = np.where(ok, by / safe, 0.0), np.where(ok, -bx / safe, 0.0)
    i10, i11 = np.where(ok, -ay / safe, 0.0), np.where(ok, ax / safe, 0.0)
    sa, sb = mesh.edge_a, mesh.edge_b
    l00 = sa[:, 0] * i00 + sb[:, 0] * i10
    l01 = sa[:, 0] * i01 + sb[:, 0] * i11
    l10 = sa[:, 1] * i00 + sb[:, 1] * i10
    l11 = sa[:, 1] * i01 + sb[:, 1] * i11

    # A triangle squeezed to a sliver in the target magnifies enormously backwards: the pixels the
    # rasteriser gives its edges would sample the photo far away (stray specks). Such triangles take the
    # plain shift of their centre instead.
    # So do target slivers (under MIN_MAPPED_HEIGHT_PX thick) that are much thicker in the photo: the
    # rasteriser paints pixels up to half a pixel off such a sliver, and its map throws those several
    # pixels across the photo (three jaw landmarks nearly in a row: a dark dash on a bright jaw).
    h_dst = _heights(np.stack([ax, ay], axis=1), np.stack([bx, by], axis=1), det)
    sliver = (h_dst < MIN_MAPPED_HEIGHT_PX) & (mesh.height > SLIVER_STRETCH * h_dst)
    stretch = np.sqrt(l00 * l00 + l01 * l01 + l10 * l10 + l11 * l11)
    shifted = ~ok | sliver | (stretch > MAX_BACKWARD_STRETCH)
    out = np.empty((len(det), 2, 3), np.float32)
    centre_shift = mesh.centre - (corners[:, 0] + corners[:, 1] + corners[:, 2]) / 3
    for row, (lx, ly) in enumerate(((l00, l01), (l10, l11))):
        offset = mesh.corner[:, row] - (lx * d0[:, 0] + ly * d0[:, 1])
        out[:, row, 0] = np.where(shifted, float(row == 0), lx)
        out[:, row, 1] = np.where(shifted, float(row == 1), ly)
        out[:, row, 2] = np.where(shifted, centre_shift[:, row], offset)
    return out


def rasterize_ids(
    dst_xy: np.ndarray,
    layers: Sequence[np.ndarray],
    region: Region,
    first_id: int = 0,
) -> np.ndarray:
    """(H, W) int32 map of which triangle covers each pixel centre of `region` (-1: none).

    Layers are drawn in order, so a later layer covers an earlier one; ids count across the layers."""
    triangles = np.concatenate([np.asarray(t).reshape(-1, 3) for t in layers])
    corners = np.asarray(dst_xy)[:, :2].astype(np.float64)[triangles]
    tags = first_id + np.arange(len(triangles))
    return _fill_ids(corners, tags, (region.x0, region.y0), 1, (region.height, region.width))


def _fill_ids(
    corners: np.ndarray,
    tags: np.ndarray,
    origin_xy: tuple[float, float],
    step: int,
    shape: tuple[int, int],
    method: str = "auto",
) -> np.ndarray:
    """Triangle ids at the points of a lattice of `shape` (lattice point (column, row) is image point
    origin + step * (column, row)): (T, 3, 2) float64 target corners drawn in order, later over earlier,
    each painting its tag; -1 where none paints.

    Two rasterisers: cv2's fill, a Python-level call per triangle (~2 us each), or numpy scanlines
    (_scanline_ids), whose cost grows with the pixels painted (~15 ns each). `method` "auto" takes
    whichever is cheaper for these triangles on this lattice: scanlines for a face's hundreds of small
    triangles, cv2 for a few large ones."""
    ids = np.full(shape, -1, np.int32)
    if len(corners) == 0:
        return ids
    v = (corners - np.array(origin_xy, np.float64)) * (1.0 / step)  # lattice coordinates
    x, y = v[:, :, 0], v[:, :, 1]
    x_lo = np.maximum(np.minimum(np.minimum(x[:, 0], x[:, 1]), x[:, 2]), -1.0)
    x_hi = np.minimum(np.maximum(np.maximum(x[:, 0], x[:, 1]), x[:, 2]), float(shape[1]))
    y_lo = np.maximum(np.minimum(np.minimum(y[:, 0], y[:, 1]), y[:, 2]), -1.0)
    y_hi = np.minimum(np.maximum(np.maximum(y[:, 0], y[:, 1]), y[:, 2]), float(shape[0]))
    on = (x_hi >= -0.5) & (y_hi >= -0.5) & (x_lo < shape[1] - 0.5) & (y_lo < shape[0] - 0.5)
    if method == "auto":
        # Measured on the 2-core machine (2026-12-02): cv2 ~2 us a triangle; scanlines ~50 us, plus
        # ~15 ns a pixel (half its clipped bounding box) and ~30 ns a row.
        rows = np.maximum(y_hi - y_lo, 0.0)[on]
        pixels = 0.5 * float(np.dot(np.maximum(x_hi - x_lo, 0.0)[on], rows))
        scanline_us = 50.0 + 0.015 * pixels + 0.03 * float(rows.sum())
        method = "numpy" if scanline_us < 2.0 * int(on.sum()) else "cv2"
    if method == "numpy":
        pixels, values = _scanline_ids(v[on], np.asarray(tags)[on], shape)
        ids.reshape(-1)[pixels] = values  # in drawing order: a later triangle's pixel overwrites
        return ids
    # cv2's fill functions take fixed-point vertices; lattice points sit at integer coordinates in its
    # fill convention.
    fixed = np.round(v * (1 << SUBPIXEL_BITS)).astype(np.int32)
    # cv2.fillConvexPoly paints nothing (its own early return, drawing.cpp FillConvexPoly) when the
    # triangle's bounding box, rounded to whole lattice points, lies off the lattice: skipping those here
    # saves a Python-level call each and changes no pixel.
    half = 1 << SUBPIXEL_BITS >> 1
    lo = (np.minimum(np.minimum(fixed[:, 0], fixed[:, 1]), fixed[:, 2]) + half) >> SUBPIXEL_BITS
    hi = (np.maximum(np.maximum(fixed[:, 0], fixed[:, 1]), fixed[:, 2]) + half) >> SUBPIXEL_BITS
    paints = (hi[:, 0] >= 0) & (hi[:, 1] >= 0) & (lo[:, 0] < shape[1]) & (lo[:, 1] < shape[0])
    # ~1200 calls a frame: the loop is kept bare (positional arguments, no generator).
    fill, line_8, shift = cv2.fillConvexPoly, cv2.LINE_8, SUBPIXEL_BITS
    for tri, tag in zip(fixed[paints], np.asarray(tags)[paints].tolist()):
        fill(ids, tri, tag, line_8, shift)
    return ids


def _scanline_ids(v: np.ndarray, tags: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The lattice points inside each triangle ((T, 3, 2) lattice coordinates): flat indices into a lattice
    of `shape` and the tag of each, triangle by triangle in order.

    A point is inside when it lies in the closed triangle. Each row of a triangle is bounded by two of
    its edges, and an edge's crossing of a row is computed from the edge alone (its upper end and slope),
    so two triangles sharing an edge agree on it to the bit: no point between them is missed."""
    height, width = shape
    # Corners sorted by y (a, b, c top to bottom): a three-element sorting network, vectorised.
    xa, ya, xb, yb, xc, yc = v[:, 0, 0], v[:, 0, 1], v[:, 1, 0], v[:, 1, 1], v[:, 2, 0], v[:, 2, 1]
    for first, second in ((0, 1), (1, 2), (0, 1)):
        pts = [[xa, ya], [xb, yb], [xc, yc]]
        (xp, yp), (xq, yq) = pts[first], pts[second]
        swap = yq < yp
        pts[first] = [np.where(swap, xq, xp), np.where(swap, yq, yp)]
        pts[second] = [np.where(swap, xp, xq), np.where(swap, yp, yq)]
        (xa, ya), (xb, yb), (xc, yc) = pts
    top = np.maximum(np.ceil(ya), 0.0)
    n_rows = np.where(yc > ya, np.maximum(np.minimum(np.floor(yc), height - 1.0) - top + 1.0, 0.0), 0.0)
    n_rows = n_rows.astype(np.intp)
    keep = np.nonzero(n_rows)[0]
    n_rows = n_rows[keep]
    xa, ya, xb, yb, xc, yc, top = (a[keep] for a in (xa, ya, xb, yb, xc, yc, top))
    with np.errstate(divide="ignore", invalid="ignore"):
        slope_long = (xc - xa) / (yc - ya)  # a to c; yc > ya for every triangle kept
        slope_upper = np.where(yb > ya, (xb - xa) / (yb - ya), 0.0)  # a to b
        slope_lower = np.where(yc > yb, (xc - xb) / (yc - yb), 0.0)  # b to c
    # One entry per (triangle, row).
    tri = np.repeat(np.arange(len(keep)), n_rows)
    row = np.arange(len(tri), dtype=np.float64) - np.repeat(np.cumsum(n_rows) - n_rows - top, n_rows)
    xa_t, ya_t, yb_t = xa[tri], ya[tri], yb[tri]
    x_long = xa_t + (row - ya_t) * slope_long[tri]
    x_short = np.where(
        row < yb_t, xa_t + (row - ya_t) * slope_upper[tri], xb[tri] + (row - yb_t) * slope_lower[tri]
    )
    first_col = np.maximum(np.ceil(np.minimum(x_long, x_short)), 0.0)
    last_col = np.minimum(np.floor(np.maximum(x_long, x_short)), width - 1.0)
    length = np.maximum(last_col - first_col + 1.0, 0.0).astype(np.intp)
    start = (row * width + first_col).astype(np.intp)
    total = int(length.sum())
    pixels = np.repeat(start - (np.cumsum(length) - length), length) + np.arange(total)
    return pixels, np.repeat(np.asarray(tags, np.int32)[keep][tri], length)


def _lattice_map(
    affines: np.ndarray,
    corners: np.ndarray,
    selected: np.ndarray,
    origin_xy: tuple[float, float],
    step: int,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source-minus-target displacement (dx, dy) at lattice points, zero where no triangle covers, and
    the id of the triangle at each (-1: none). affines, corners: of every triangle; selected: the ids
    of those to draw, ascending (the drawing order).

    The triangles paint their ids (_fill_ids); each lattice point then looks up its triangle's
    displacement coefficients (per lattice column, per row, constant)."""
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
    ids = _fill_ids(corners[selected], selected, origin_xy, step, shape)
    c = np.take(coefficients.astype(np.float32), ids, axis=1)  # (6, H, W), each plane contiguous
    cols = np.arange(shape[1], dtype=np.float32)[None, :]
    rows = np.arange(shape[0], dtype=np.float32)[:, None]
    dx = c[0] * cols
    dx += c[1] * rows
    dx += c[2]
    dy = c[3] * cols
    dy += c[4] * rows
    dy += c[5]
    return dx, dy, ids


@dataclass(frozen=True)
class Warp:
    """A backward warp of one region: map_x, map_y (H, W) float32 source coordinates for cv2.remap, and
    the pixels along the layer boundaries that mix two layers (None: no boundary in view)."""

    map_x: np.ndarray
    map_y: np.ndarray
    edge: LayerEdge | None


def backward_warp(
    src_xy: np.ndarray,
    dst_xy: np.ndarray,
    layers: Sequence[np.ndarray],
    region: Region,
    *,
    step: int = 1,
    sharp_boxes: Sequence[Region] = (),
    edges: bool = True,
) -> Warp:
    """Per-pixel source coordinates for `region` (Warp.map_x, map_y: float32 maps for cv2.remap); each pixel
    takes the map of the top triangle at its centre.

    Pixels covered by no triangle map to themselves (the still background). With step > 1 the map is
    computed every `step` pixels and interpolated — exact inside each triangle, since the map is affine
    there — except inside `sharp_boxes`, computed at every pixel: put the boxes where layers meet (eye and
    mouth openings), where the map jumps and interpolating it would smear an edge.

    With `edges`, also where the last layer's holes lie over the earlier layers (the skin's eye openings
    and mouth over eyeballs and mouth): the boundary pixels with both layers' maps and the skin's coverage
    of each (Warp.edge), where `remap` blends the two samples. Without it a lid edge over a dark iris is a
    per-pixel staircase that crawls as the lid moves; blended by coverage it is anti-aliased and glides
    with sub-pixel motion."""
    mesh = _mesh(src_xy, layers)
    corners = np.asarray(dst_xy)[:, :2].astype(np.float64)[mesh.triangles]  # (T, 3, 2)
    affines = _affines(mesh, corners)
    height, width = region.height, region.width
    lo = np.minimum(np.minimum(corners[:, 0], corners[:, 1]), corners[:, 2])
    hi = np.maximum(np.maximum(corners[:, 0], corners[:, 1]), corners[:, 2])
    # Triangles wholly outside the region (with a lattice step's margin) cannot cover any of its samples:
    # not painting them saves a fill call each and changes nothing.
    reach = max(step, 1) + 1
    outside = (
        (hi[:, 0] < region.x0 - reach)
        | (lo[:, 0] > region.x1 + reach)
        | (hi[:, 1] < region.y0 - reach)
        | (lo[:, 1] > region.y1 + reach)
    )
    exact: list[tuple[Region, np.ndarray]] = []  # where triangle ids are known at every pixel
    if step <= 1:
        shown = np.nonzero(~outside)[0]
        dx, dy, ids = _lattice_map(affines, corners, shown, (region.x0, region.y0), 1, (height, width))
        exact.append((region, ids))
    else:
        boxes = [
            Region(max(b.x0, region.x0), max(b.y0, region.y0), min(b.x1, region.x1), min(b.y1, region.y1))
            for b in sharp_boxes
        ]
        boxes = [b for b in boxes if b.width > 0 and b.height > 0]
        # A triangle well inside a box is painted there exactly; its coarse samples would only be
        # overwritten (interpolation near a box's edge reads samples up to `step` px inside it).
        hidden = outside.copy()
        for b in boxes:
            margin = step + 1
            hidden |= (
                (lo[:, 0] >= b.x0 + margin)
                & (hi[:, 0] <= b.x1 - margin)
                & (lo[:, 1] >= b.y0 + margin)
                & (hi[:, 1] <= b.y1 - margin)
            )
        coarse = (-(-height // step), -(-width // step))
        # cv2.resize puts coarse sample j at fine coordinate (j + 0.5) * step - 0.5: sample there.
        centre = (step - 1) / 2
        cdx, cdy, _ = _lattice_map(
            affines, corners, np.nonzero(~hidden)[0], (region.x0 + centre, region.y0 + centre), step, coarse
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
            bdx, bdy, ids = _lattice_map(
                affines, corners, np.nonzero(near)[0], (b.x0, b.y0), 1, (b.height, b.width)
            )
            box_slices = (
                slice(b.y0 - region.y0, b.y1 - region.y0),
                slice(b.x0 - region.x0, b.x1 - region.x0),
            )
            dx[box_slices] = bdx
            dy[box_slices] = bdy
            exact.append((b, ids))
    dx += np.arange(region.x0, region.x1, dtype=np.float32)[None, :]
    dy += np.arange(region.y0, region.y1, dtype=np.float32)[:, None]
    edge = None
    if edges and len(layers) >= 2:
        edge = _layer_edge(src_xy, dst_xy, layers, region, affines, (lo, hi), exact, corners)
    return Warp(dx, dy, edge)


@dataclass(frozen=True)
class LayerEdge:
    """The pixels a layer boundary crosses, where the top layer (skin) ends over a lower one (eyeballs,
    mouth): each mixes the two layers' samples. rows, cols: (N,) pixel positions within the region;
    top_xy, low_xy: (N, 2) float32 source coordinates under each layer's map; low_share: (N,) float32,
    the lower layer's share of the pixel (1 - the skin's coverage)."""

    rows: np.ndarray
    cols: np.ndarray
    top_xy: np.ndarray
    low_xy: np.ndarray
    low_share: np.ndarray


@lru_cache(maxsize=8)
def _rim_edges(
    triangles_bytes: bytes, src_bytes: bytes
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rims of the holes in a triangle layer (eye openings, mouth): its edges that belong to one
    triangle only, except the layer's outer boundary. Returns (E, 2) vertex pairs, (E,) the vertex
    opposite each in its triangle (the side the layer lies on), (E,) that triangle's index, (E,) which
    hole each rims and (E, 3) each edge with the rim edges meeting it at its ends. Cached:
    topology and rest pose are fixed for a renderer, and sorting every edge each frame would cost ~1 ms."""
    triangles = np.frombuffer(triangles_bytes, np.int32).reshape(-1, 3)
    src = np.frombuffer(src_bytes, np.float64).reshape(-1, 2)
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    opposite = np.concatenate([triangles[:, 2], triangles[:, 0], triangles[:, 1]])
    _, first, counts = np.unique(np.sort(edges, axis=1), axis=0, return_index=True, return_counts=True)
    single = first[counts == 1]
    edges, opposite, owner = edges[single], opposite[single], single % len(triangles)
    # Group the rim edges into loops (connected through shared vertices).
    parent = {v: v for v in np.unique(edges).tolist()}

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for v, w in edges.tolist():
        parent[root(v)] = root(w)
    _, loop = np.unique([root(v) for v in edges[:, 0].tolist()], return_inverse=True)
    # A hole's rim has its layer outside: the layer-side normals point away from the loop's middle; the
    # outer boundary's point inwards.
    a, b, c = src[edges[:, 0]], src[edges[:, 1]], src[opposite]
    normal = _side_normals(a, b, c)
    keep = np.zeros(len(edges), bool)
    for k in range(loop.max() + 1 if len(loop) else 0):
        members = loop == k
        middle = src[edges[members].ravel()].mean(axis=0)
        keep[members] = np.einsum("ij,ij->", normal[members], (a[members] + b[members]) / 2 - middle) > 0
    edges, opposite, owner = edges[keep], opposite[keep], owner[keep]
    by_vertex: dict[int, list[int]] = {}
    for e, pair in enumerate(edges.tolist()):
        for v in pair:
            by_vertex.setdefault(v, []).append(e)
    around = np.array(
        [
            ([e] + [f for v in pair for f in by_vertex[v] if f != e] + [e, e])[:3]
            for e, pair in enumerate(edges.tolist())
        ],
        np.int64,
    ).reshape(-1, 3)
    return edges, opposite, owner, np.unique(loop[keep], return_inverse=True)[1], around


def _side_normals(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Unit normals of segments a-b pointing to the side of c."""
    normal = np.stack([a[:, 1] - b[:, 1], b[:, 0] - a[:, 0]], axis=1)
    normal *= np.where(np.einsum("ij,ij->i", normal, c - a) < 0, -1.0, 1.0)[:, None]
    return normal / np.maximum(np.linalg.norm(normal, axis=1), 1e-9)[:, None]


def _max3x3(ids: np.ndarray) -> np.ndarray:
    """Each pixel's largest id within one pixel (3 x 3 neighbourhood): some triangle reaching it."""
    # cv2.dilate takes no int32; float32 holds ids exactly up to 2^24.
    return cv2.dilate(ids.astype(np.float32), None).astype(np.int32)


def _signed_rim_distance(
    p: np.ndarray,
    which: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    normal: np.ndarray,
    vertex_normal: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance of points p (N, 2) to the nearest of their candidate rim segments a-b (which: (N, K)
    indices), positive on the layer's side, and which segment that is. Where the nearest rim point is
    a segment's end, the side is judged by the sum of the normals of the segments meeting there
    (vertex_normal: (E, 2, 2), at a and at b)."""
    ab = b - a
    inv_len2 = 1.0 / np.maximum((ab * ab).sum(axis=1), 1e-12)
    w = which.T  # (K, N): each plane contiguous
    px, py = p[:, 0] - a[w, 0], p[:, 1] - a[w, 1]
    abx, aby = ab[w, 0], ab[w, 1]
    t = (px * abx + py * aby) * inv_len2[w]
    np.clip(t, 0.0, 1.0, out=t)
    px -= t * abx
    py -= t * aby
    j = np.argmin(px * px + py * py, axis=0)
    n = np.arange(len(p))
    k, tk, ox, oy = w[j, n], t[j, n], px[j, n], py[j, n]
    side = np.where((tk <= 0.0)[:, None], vertex_normal[k, 0], normal[k])
    side = np.where((tk >= 1.0)[:, None], vertex_normal[k, 1], side)
    sign = np.where(ox * side[:, 0] + oy * side[:, 1] < 0, -1.0, 1.0)
    return sign * np.hypot(ox, oy), k


def _layer_edge(
    src_xy: np.ndarray,
    dst_xy: np.ndarray,
    layers: Sequence[np.ndarray],
    region: Region,
    affines: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    exact: Sequence[tuple[Region, np.ndarray]],
    corners: np.ndarray,
) -> LayerEdge | None:
    """The pixels the rims of the last layer's holes cross over the earlier layers (see backward_warp).
    affines, bounds (lo, hi: (T, 2) target bounding boxes), corners ((T, 3, 2) target corners): of all
    triangles, layer by layer; exact: rectangles where the drawn triangle ids are known at every pixel.

    Coverage is geometric (signed distance to the rim, ramped over EDGE_RAMP_PX), so away from the rim
    the skin stays opaque; and skin that does not border the hole (a turned head's nose over an eye
    corner) hides it as before."""
    top = np.ascontiguousarray(layers[-1], np.int32)
    n_lower = sum(len(t) for t in layers[:-1])
    src = np.ascontiguousarray(src_xy[:, :2], np.float64)
    rims, opposite, owner, loop, around = _rim_edges(top.tobytes(), src.tobytes())
    if len(rims) == 0 or n_lower == 0:
        return None
    dst = dst_xy[:, :2].astype(np.float64)
    a, b = dst[rims[:, 0]], dst[rims[:, 1]]
    normal = _side_normals(a, b, dst[opposite])
    summed = np.zeros_like(dst)
    np.add.at(summed, rims[:, 0], normal)
    np.add.at(summed, rims[:, 1], normal)
    vertex_normal = np.stack([summed[rims[:, 0]], summed[rims[:, 1]]], axis=1)
    # Skin triangles touching a rim: the ones whose pixels may mix with the layer below.
    on_rim = np.zeros(len(dst), bool)
    on_rim[rims.ravel()] = True
    bordering = np.append(on_rim[top].any(axis=1), False)  # index -1 (no skin) -> False
    lo, hi = bounds
    reach = EDGE_RAMP_PX / 2 + 0.5  # pixels further from a rim than this are left as they are
    # Each hole in its own box: the pixels within ~1.5 px of its rim (a width-3 line along it) that have
    # the lower layer within a pixel, with the triangle of each layer there.
    found = []
    # A hole whose rim the lower layer is stitched to (the mouth's triangles share the inner lip's
    # vertices) has one continuous map across it: nothing to smooth. The eyeballs have their own.
    stitched = np.zeros(len(dst), bool)
    stitched[np.concatenate(layers[:-1]).ravel()] = True
    for k in range(int(loop.max()) + 1):
        on = loop == k
        if stitched[rims[on]].all():
            continue
        ends = np.concatenate([a[on], b[on]])
        x0, y0 = np.maximum(np.floor(ends.min(axis=0)).astype(int) - 2, (region.x0, region.y0))
        x1, y1 = np.minimum(np.ceil(ends.max(axis=0)).astype(int) + 3, (region.x1, region.y1))
        if x1 <= x0 or y1 <= y0:
            continue
        # The triangle drawn at each pixel centre: known from the map where it was computed per pixel.
        known = [
            ids[y0 - r.y0 : y1 - r.y0, x0 - r.x0 : x1 - r.x0]
            for r, ids in exact
            if r.x0 <= x0 and r.y0 <= y0 and x1 <= r.x1 and y1 <= r.y1
        ]
        if known:
            drawn = known[0]
        else:
            near = (hi[:, 0] >= x0 - 1) & (lo[:, 0] <= x1) & (hi[:, 1] >= y0 - 1) & (lo[:, 1] <= y1)
            shown = np.nonzero(near)[0]
            drawn = _fill_ids(corners[shown], shown, (x0, y0), 1, (y1 - y0, x1 - x0))
        # The lower layer showing within a pixel: a pixel the rim crosses has it on its one side.
        low_any = _max3x3(np.where(drawn < n_lower, drawn, -1))
        # Each rim segment drawn 3 px wide with its number: the segment (and its neighbours) nearest.
        band = np.full(drawn.shape, -1, np.int32)
        ends_fixed = np.round((np.stack([a, b], axis=1)[on] - (x0, y0)) * (1 << SUBPIXEL_BITS)).astype(int)
        for e, (pa, pb) in zip(np.nonzero(on)[0].tolist(), ends_fixed.tolist()):
            cv2.line(band, pa, pb, e, 3, cv2.LINE_8, SUBPIXEL_BITS)
        rows, cols = np.nonzero((band >= 0) & (low_any >= 0))
        if len(rows) == 0:
            continue
        drawn = drawn[rows, cols]
        low_id = np.where((drawn >= 0) & (drawn < n_lower), drawn, low_any[rows, cols])
        found.append((rows + y0, cols + x0, band[rows, cols], low_id, drawn))
    if not found:
        return None
    ys, xs, segment, low_id, drawn = (np.concatenate(parts) for parts in zip(*found))
    p = np.stack([xs, ys], axis=1).astype(np.float64)
    signed, nearest = _signed_rim_distance(p, around[segment], a, b, normal, vertex_normal)
    centre_top = np.where(drawn >= n_lower, drawn - n_lower, -1)
    keep = np.nonzero((np.abs(signed) < reach) & (bordering[centre_top] | (centre_top < 0)))[0]
    if len(keep) == 0:
        return None
    ys, xs, p, signed, low_id = ys[keep], xs[keep], p[keep], signed[keep], low_id[keep]
    top_id = n_lower + owner[nearest[keep]]
    share = 1.0 - np.clip(0.5 + signed / EDGE_RAMP_PX, 0.0, 1.0)
    return LayerEdge(
        ys - region.y0,
        xs - region.x0,
        _apply(affines[top_id], p).astype(np.float32),
        _apply(affines[low_id], p).astype(np.float32),
        share.astype(np.float32),
    )


def _apply(affines: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Each (2, 3) affine applied to its point: (N, 2)."""
    m = affines.astype(np.float64)
    return np.stack(
        [
            m[:, 0, 0] * p[:, 0] + m[:, 0, 1] * p[:, 1] + m[:, 0, 2],
            m[:, 1, 0] * p[:, 0] + m[:, 1, 1] * p[:, 1] + m[:, 1, 2],
        ],
        axis=1,
    )


def remap(
    image: np.ndarray,
    map_x: np.ndarray,
    map_y: np.ndarray,
    edge: LayerEdge | None = None,
    *,
    doubled: np.ndarray | None = None,
    fine: Region | None = None,
) -> np.ndarray:
    """Sample `image` at the mapped coordinates (bicubic). With an `edge` (Warp.edge), the pixels along the
    skin's rims mix the skin's and the lower layer's samples; it holds its own coordinates, so changes made
    to the maps afterwards do not reach those pixels.

    With `doubled` (doubled_source(image)), everything is sampled from it instead: bicubically inside `fine`
    (a rectangle in the maps' own pixel coordinates: the face), which with the doubled source's Lanczos half
    pixels keeps more of the photo's finest detail at sub-pixel offsets than bicubic sampling of `image`
    (eyelashes, pores, hair strands: ~76 % of the face's Laplacian energy half a pixel off against ~63 %,
    benchmarks/sharpness.py) at nearly the same cost (the same arithmetic, on a source four times larger);
    and bilinearly outside it, at a fifth of the cost (OpenCV's
    bicubic remap of 8-bit images is not vectorised: ~14 ms at 512 x 512 x 4 on the 2-core machine,
    bilinear ~2.5 ms), where hair, neck and background move by fractions of a pixel. Both are exact where
    the map stands on a whole pixel (a pixel that does not move comes out as it was)."""
    height, width = map_x.shape
    if doubled is None or fine is None or fine.width <= 0 or fine.height <= 0:
        fine = Region(0, 0, width, height)
    out = np.empty((height, width) + image.shape[2:], image.dtype)

    def from_doubled(region: Region, interpolation: int) -> None:
        out[region.slices] = cv2.remap(
            doubled,
            map_x[region.slices] * 2,
            map_y[region.slices] * 2,
            interpolation,
            borderMode=cv2.BORDER_REFLECT_101,
        ).reshape(out[region.slices].shape)

    if doubled is None:
        out[fine.slices] = cv2.remap(
            image, map_x[fine.slices], map_y[fine.slices], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101
        )
    else:
        from_doubled(fine, cv2.INTER_CUBIC)
        # The rest, in up to four strips around `fine`: above, below, left and right of it.
        for strip in (
            Region(0, 0, width, fine.y0),
            Region(0, fine.y1, width, height),
            Region(0, fine.y0, fine.x0, fine.y1),
            Region(fine.x1, fine.y0, width, fine.y1),
        ):
            if strip.width > 0 and strip.height > 0:
                from_doubled(strip, cv2.INTER_LINEAR)
    if edge is None or len(edge.rows) == 0:
        return out
    # Sampled as the face around them is: bicubically from the doubled source when there is one.
    source, scale = (image, 1.0) if doubled is None else (doubled, 2.0)
    top = _sample(source, edge.top_xy * scale).astype(np.float32)
    low = _sample(source, edge.low_xy * scale).astype(np.float32)
    share = edge.low_share.reshape((-1,) + (1,) * (top.ndim - 1))
    mixed = top + (low - top) * share
    if np.issubdtype(out.dtype, np.integer):
        info = np.iinfo(out.dtype)
        mixed = np.clip(np.rint(mixed), info.min, info.max)
    out[edge.rows, edge.cols] = mixed.astype(out.dtype)
    return out


DOUBLING_ROWS = 128  # doubled_source works in strips of this many rows: its float copies stay small
# The half-pixel samples of the doubled source are Lanczos-windowed sinc interpolations with this many lobes
# (2 * DOUBLING_LOBES taps, Duchon 1979, "Lanczos filtering in one and two dimensions"): closer to the ideal
# band-limited interpolation than OpenCV's bicubic (Keys, a = -0.75): sampled half a pixel off, the
# astronaut's face keeps ~76 % of its Laplacian energy through this (bicubic sampling of the doubled source)
# against ~63 % through bicubic alone (measured 2026-12-02; benchmarks/sharpness.py).
DOUBLING_LOBES = 6
# Each half-pixel sample is clamped to the range of the DOUBLING_CLAMP_TAPS source pixels nearest it (three
# each side), as mpv's "antiring" option clamps its sinc scalers: in texture that range is wide and the
# sharpness stays; at a hard edge (hair against the sky, teeth against lips) it is the two sides' levels, and
# the overshoot a long sinc rings with is cut off. Unclamped Lanczos-4 rang up to 25 levels past the four
# pixels around a sample on the astronaut's face, bicubic 14, this 10.
DOUBLING_CLAMP_TAPS = 6


def _half_pixel_taps(lobes: int) -> np.ndarray:
    """Lanczos weights of the 2 * lobes pixels around a point halfway between two, nearest first from the
    left: offsets -lobes + 0.5 ... lobes - 0.5. Normalised to sum 1 (a flat area stays flat)."""
    offsets = np.arange(1 - lobes, lobes + 1) - 0.5
    weights = np.sinc(offsets) * np.sinc(offsets / lobes)
    return (weights / weights.sum()).astype(np.float32)


def _halves(plane: np.ndarray, axis: int) -> np.ndarray:
    """`plane` (float32, rows x columns x channels) with the samples halfway between neighbours along `axis`
    (1: columns, 0: rows) inserted: 2n - 1 along it, its own samples at the even positions."""
    taps = _half_pixel_taps(DOUBLING_LOBES)
    one = np.ones((1, 1), np.float32)
    if axis == 1:
        kernel_x, kernel_y, anchor = taps.reshape(1, -1), one, (DOUBLING_LOBES - 1, 0)
        window = np.ones((1, DOUBLING_CLAMP_TAPS), np.uint8)
        window_anchor = (DOUBLING_CLAMP_TAPS // 2 - 1, 0)
    else:
        kernel_x, kernel_y, anchor = one, taps.reshape(-1, 1), (0, DOUBLING_LOBES - 1)
        window = np.ones((DOUBLING_CLAMP_TAPS, 1), np.uint8)
        window_anchor = (0, DOUBLING_CLAMP_TAPS // 2 - 1)
    # Sample i of each result lies between pixels i and i + 1 (taps i - lobes + 1 ... i + lobes).
    half = cv2.sepFilter2D(plane, -1, kernel_x, kernel_y, anchor=anchor, borderType=cv2.BORDER_REFLECT_101)
    if DOUBLING_CLAMP_TAPS:
        low = cv2.erode(plane, window, anchor=window_anchor, borderType=cv2.BORDER_REFLECT_101)
        high = cv2.dilate(plane, window, anchor=window_anchor, borderType=cv2.BORDER_REFLECT_101)
        np.clip(half, low.reshape(half.shape), high.reshape(half.shape), out=half)
    half = half.reshape(plane.shape)
    n = plane.shape[axis]
    shape = list(plane.shape)
    shape[axis] = 2 * n - 1
    out = np.empty(shape, np.float32)
    if axis == 1:
        out[:, 0::2], out[:, 1::2] = plane, half[:, : n - 1]
    else:
        out[0::2], out[1::2] = plane, half[: n - 1]
    return out


def doubled_source(image: np.ndarray) -> np.ndarray:
    """`image` (uint8) at twice its resolution, (2H - 1, 2W - 1, ...): its own pixels at the even positions
    ((2y, 2x) holds (y, x) exactly) and Lanczos samples (DOUBLING_LOBES, clamped against ringing) at the half
    pixels between. remap samples it instead of `image`: bicubically in the face, where this resamples the
    photo once with a sharper kernel than bicubic alone (the doubled grid's content is half as fine, which
    bicubic interpolates almost losslessly), bilinearly elsewhere; exact at whole pixels either way. Made
    once per renderer."""
    height, width = image.shape[:2]
    out = np.empty((2 * height - 1, 2 * width - 1) + image.shape[2:], image.dtype)
    reach = DOUBLING_LOBES  # source rows beyond a strip that its half-pixel rows read
    step = DOUBLING_ROWS // 2
    for top in range(0, height, step):
        bottom = min(top + step, height)
        # The strip's rows with `reach` rows of context each side, mirrored at the picture's edge as
        # BORDER_REFLECT_101 mirrors.
        rows = np.abs(np.arange(top - reach, bottom + reach))
        rows = np.where(rows > height - 1, 2 * (height - 1) - rows, rows).clip(0, height - 1)
        wide = _halves(_halves(image[rows].astype(np.float32), 1), 0)
        # Doubled rows 2 top ... 2 bottom - 1: the strip's own and the half rows after each (but the last).
        count = 2 * (bottom - top) - (bottom == height)
        part = out[2 * top : 2 * top + count]
        part[...] = np.clip(np.rint(wide[2 * reach : 2 * reach + count]), 0, 255).reshape(part.shape)
    return out


def _sample(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """`image` sampled bicubically at (N, 2) points, as remap samples: (N, channels...)."""
    n = len(xy)
    width = 256  # cv2.remap maps must be narrower than 32767 px: lay the points out in rows
    rows = -(-n // width)
    pad = np.zeros((rows * width - n, 2), np.float32)
    grid = np.concatenate([xy.astype(np.float32), pad]).reshape(rows, width, 2)
    sampled = cv2.remap(image, grid, None, interpolation=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    return sampled.reshape((rows * width,) + image.shape[2:])[:n]


def folded_triangles(
    src_xy: np.ndarray, dst_xy: np.ndarray, triangles: np.ndarray, min_height_px: float = 0.5
) -> np.ndarray:
    """Indices of triangles that flipped over between source and target: a fold in the warp.

    A fold shows when the flipped triangle reaches more than `min_height_px` across (its height over its
    longest side): thinner slivers overlap their neighbours by less than a pixel. Triangles thinner than
    that in the photo have no reliable orientation of their own (landmark noise): they are judged by the
    orientation their neighbours imply (face.rig.triangle_orientation), where they have judged neighbours."""
    expected = triangle_orientation(src_xy, triangles, min_height_px)
    h_dst = triangle_heights(dst_xy, triangles)
    return np.nonzero((expected != 0) & (np.sign(h_dst) != expected) & (np.abs(h_dst) > min_height_px))[0]
