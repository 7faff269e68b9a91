"""Closing eyelids: the photo's own lid skin swept down over the eye, with a lash line at its moving edge.

Render stage: drawn over the warped photo by render.compose, from the posed and open upper-lid edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render.warp import bounding_region

MIN_BLINK = 0.04  # below this the lid has not visibly moved
# The lid skin is sampled from a band above the lashes, in shares of the eye width (corner to corner): the
# lashes and liner reach ~0.1 above the lid edge, the brow sits ~0.4-0.6 above it.
BAND_FROM_PER_EYE = 0.1
BAND_TO_PER_EYE = 0.3  # this much of the band spans the eye when the lid is closed
BAND_EXTRA_PER_EYE = 0.15  # and the band goes on above that, for the skin covered above the open lid edge
BAND_MAX_PER_BROW = 0.75  # never more than this share of the way up to the brow (no brow hairs)
SKIN_PULL = 0.4  # the band's mean colour moves this share towards the face's: it is often a shadowed crease
TEXTURE_COLUMNS = 32  # samples along the lid, corner to corner
TEXTURE_ROWS = 16  # samples up the band
# Above the open lid edge the warped photo shows the lashes pulled down with the lid: the lid skin covers
# this much more (share of the eye width), fading out.
COVER_ABOVE_PER_EYE = 0.1
COVER_ABOVE_CLOSED_PER_EYE = 0.22  # ... growing to this at full closure, when they are pulled down furthest
LASH_PER_EYE = 0.035  # lash line thickness at the lid edge
LASH_OPACITY = 0.75


@dataclass(frozen=True)
class LidColours:
    """Per eye (right, left): the photo's lid skin and lashes.

    skin: (2, 3) mean lid skin RGB; lash: (2, 3) lash RGB; lash_px: (2,) lash line width in pixels;
    texture: (2, TEXTURE_ROWS, TEXTURE_COLUMNS, 3) the lid skin band above the lashes, float32 0..255, row 0
    nearest the lid edge, column 0 at the image-left corner (lashes, liner and brow hairs removed);
    closed_rows: (2,) how many texture rows span the eye when the lid is fully closed."""

    skin: np.ndarray
    lash: np.ndarray
    lash_px: np.ndarray
    texture: np.ndarray
    closed_rows: np.ndarray


def _normal_up(polyline: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to the corner-to-corner line, pointing up the face (negative image y)."""
    d = polyline[-1] - polyline[0]
    n = np.array([d[1], -d[0]], np.float32)
    n /= max(float(np.linalg.norm(n)), 1e-6)
    return n if n[1] <= 0 else -n


def _resample(polyline: np.ndarray, count: int) -> np.ndarray:
    """`count` points evenly spaced along a polyline (by arc length)."""
    steps = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    at = np.linspace(0.0, arc[-1], count)
    return np.stack([np.interp(at, arc, polyline[:, k]) for k in (0, 1)], axis=1).astype(np.float32)


def _lid_band(image: np.ndarray, lid: np.ndarray, brow_up_px: float) -> tuple[np.ndarray, float]:
    """(TEXTURE_ROWS, TEXTURE_COLUMNS, 3) float32: the skin band above an upper-lid edge, lashes removed;
    and the number of its rows that span the eye when the lid is closed."""
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    up = _normal_up(lid)
    start = BAND_FROM_PER_EYE * eye_w
    highest = max(BAND_MAX_PER_BROW * brow_up_px, start + 2.0)
    closed = min(BAND_TO_PER_EYE * eye_w, highest)
    stop = min((BAND_TO_PER_EYE + BAND_EXTRA_PER_EYE) * eye_w, highest)
    closed_rows = (TEXTURE_ROWS - 1) * (closed - start) / max(stop - start, 1e-3)
    # Inset from the corners: the band there runs into the other lid and the nose.
    along = _resample(lid, TEXTURE_COLUMNS + 4)[2:-2]
    heights = np.linspace(start, stop, TEXTURE_ROWS, dtype=np.float32)
    xy = along[None, :, :] + heights[:, None, None] * up[None, None, :]
    band = cv2.remap(
        image,
        np.ascontiguousarray(xy[..., 0]),
        np.ascontiguousarray(xy[..., 1]),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT_101,
    ).astype(np.float32)
    # Lashes, liner and stray brow hairs are darker than the skin around them: fill them from their
    # neighbours (normalised convolution), keeping the skin's own shading and texture.
    luminance = band.mean(axis=2)
    keep = (luminance >= 0.8 * np.median(luminance)).astype(np.float32)
    if keep.sum() < 4:
        flat = np.broadcast_to(np.median(band.reshape(-1, 3), axis=0), band.shape)
        return flat.astype(np.float32), closed_rows
    sigma = 1.5
    weight = cv2.GaussianBlur(keep, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    filled = cv2.GaussianBlur(band * keep[..., None], (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    filled = filled / np.maximum(weight, 1e-3)[..., None]
    # Far from any skin sample (a wide dark patch) the fill falls back on the band's typical skin.
    typical = np.median(band[keep > 0], axis=0)
    filled = np.where(weight[..., None] > 0.15, filled, typical)
    rough = np.where(keep[..., None] > 0, band, filled)
    return np.clip(rough, 0, 255).astype(np.float32), closed_rows


def sample_colours(image: np.ndarray, landmarks_xy: np.ndarray) -> LidColours:
    """The photo's lid skin (texture and mean colour, from the band between the lashes and the brow) and
    its lash colour, for both eyes."""
    height, width = image.shape[:2]
    face = np.zeros((height, width), np.uint8)
    cv2.fillPoly(face, [np.round(landmarks_xy[list(topo.face_oval())]).astype(np.int32)], 255)
    face_skin = np.median(image[face > 0].astype(np.float32), axis=0) if (face > 0).sum() > 10 else None
    skins, lashes, widths, textures, closed_rows = [], [], [], [], []
    for upper, brow in (
        (topo.EYE_RIGHT_UPPER, topo.BROW_RIGHT_INNER + topo.BROW_RIGHT_OUTER),
        (topo.EYE_LEFT_UPPER, topo.BROW_LEFT_INNER + topo.BROW_LEFT_OUTER),
    ):
        lid = landmarks_xy[list(upper)].astype(np.float32)
        eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
        up = _normal_up(lid)
        brow_up = float(np.median((landmarks_xy[list(brow)] - lid.mean(axis=0)) @ up))
        texture, rows = _lid_band(image, lid, max(brow_up, 0.2 * eye_w))
        if face_skin is not None:  # keep the band's texture and shading, move its tone towards the face's
            texture = np.clip(texture + SKIN_PULL * (face_skin - texture.reshape(-1, 3).mean(axis=0)), 0, 255)
        skin = np.median(texture.reshape(-1, 3), axis=0)
        line = np.zeros((height, width), np.uint8)
        cv2.polylines(line, [np.round(lid).astype(np.int32)], False, 255, thickness=max(1, int(0.08 * eye_w)))
        edge = image[line > 0].astype(np.float32)
        if len(edge) >= 4:
            luminance = edge.mean(axis=1)
            lash = np.median(edge[luminance <= np.percentile(luminance, 20)], axis=0)
        else:
            lash = skin * 0.3
        skins.append(skin)
        lashes.append(np.minimum(lash, skin * 0.45))
        widths.append(max(1.0, LASH_PER_EYE * eye_w))
        textures.append(texture)
        closed_rows.append(rows)
    return LidColours(
        np.array(skins, np.float32),
        np.array(lashes, np.float32),
        np.array(widths, np.float32),
        np.array(textures, np.float32),
        np.array(closed_rows, np.float32),
    )


def _smoothstep(edge0: float, edge1: float, x: np.ndarray | float) -> np.ndarray:
    t = np.clip((np.asarray(x, np.float32) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def draw_lids(
    canvas: np.ndarray,
    origin_xy: tuple[int, int],
    lids_xy: np.ndarray,
    lids_open_xy: np.ndarray,
    blink: np.ndarray,
    colours: LidColours,
) -> None:
    """Sweep the photo's lid skin down from each open upper-lid edge to the posed one, and draw the lash
    line along the posed edge.

    canvas: uint8 RGB, changed in place; origin_xy: image position of its pixel (0, 0). lids_xy,
    lids_open_xy: (2, 9, 2) image positions; blink: (2,) closure 0..1. The lid skin slides with the lid:
    its lowest row rides the lid edge, and at full closure the whole band spans the eye."""
    offset = np.array(origin_xy, np.float32)
    for side in (0, 1):
        b = float(blink[side])
        if b < MIN_BLINK:
            continue
        lid = lids_xy[side] - offset
        lid_open = lids_open_xy[side] - offset
        eye_w = float(np.linalg.norm(lid_open[-1] - lid_open[0]))
        if eye_w < 2:
            continue
        up = _normal_up(lid_open)
        along = (lid_open[-1] - lid_open[0]) / eye_w
        above = (COVER_ABOVE_PER_EYE + (COVER_ABOVE_CLOSED_PER_EYE - COVER_ABOVE_PER_EYE) * b) * eye_w
        window = bounding_region(
            np.concatenate([lid, lid_open + up * above]), canvas.shape[1], canvas.shape[0], margin_px=2
        )
        x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        # Lid coordinates of every window pixel: s along the lid (0..1 corner to corner), h up the face.
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        rel_x, rel_y = xs - lid_open[0, 0], ys - lid_open[0, 1]
        s_px = rel_x * along[0] + rel_y * along[1]
        h = rel_x * up[0] + rel_y * up[1]
        s = s_px / eye_w
        lid_s = ((lid - lid_open[0]) @ along) / eye_w
        open_s = ((lid_open - lid_open[0]) @ along) / eye_w
        order, order_open = np.argsort(lid_s), np.argsort(open_s)
        edge_h = np.interp(s, lid_s[order], ((lid - lid_open[0]) @ up)[order])
        open_h = np.interp(s, open_s[order_open], ((lid_open - lid_open[0]) @ up)[order_open])
        d = h - edge_h  # height above the moving lid edge
        travel = np.maximum(open_h - edge_h, 0.0)
        # The distance the lid travels to close fully: its row scale, so the texture rides the lid.
        full = np.maximum(travel / b, 1.0)
        inside_s = _smoothstep(0.0, 0.04, s) * _smoothstep(1.0, 0.96, s)
        # Covered: from the lid edge (anti-aliased) up to the open edge, then fading out above it (the
        # stretched lashes of the warp sit there), the fade starting only once the lid has come down a bit.
        bottom = np.clip(d + 0.5, 0.0, 1.0)
        fade_above = np.clip(2 - 2 * (d - travel) / max(above, 1.0), 0.0, 1.0) * float(
            _smoothstep(0.0, 0.25, b)
        )
        cover = bottom * np.where(d <= travel, 1.0, fade_above) * inside_s
        if cover.max() <= 0:
            continue
        rows = np.clip(d / full * float(colours.closed_rows[side]), 0.0, TEXTURE_ROWS - 1)
        cols = np.clip(s, 0.0, 1.0) * (TEXTURE_COLUMNS - 1)
        skin = cv2.remap(
            colours.texture[side],
            cols,
            rows.astype(np.float32),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        # The lid is a fold rolling over the eyeball: a little darker where it turns under at its edge, and
        # at the top a soft crease shadow where the moving skin meets the still skin above.
        roll = 0.8 + 0.2 * _smoothstep(0.0, 0.3, d / full)
        crease = 1.0 - 0.08 * np.exp(-(((d - travel) / max(0.06 * eye_w, 0.7)) ** 2)) * b
        skin = skin * (roll * crease)[..., None]
        patch = canvas[y0:y1, x0:x1].astype(np.float32)
        a = cover[..., None]
        patch = patch * (1 - a) + skin * a
        # Lashes along the moving edge, hanging just below it, their colour taken from the photo.
        lashes = np.zeros(cover.shape, np.uint8)
        thickness = max(1, int(round(float(colours.lash_px[side]) * (0.8 + 0.4 * b))))
        points = np.round((lid - np.array([x0, y0], np.float32) - up * 0.3) * 16).astype(np.int32)
        cv2.polylines(lashes, [points], False, 255, thickness, cv2.LINE_AA, shift=4)
        lash_a = lashes.astype(np.float32)[..., None] / 255 * LASH_OPACITY * inside_s[..., None]
        patch = patch * (1 - lash_a) + colours.lash[side][None, None, :] * lash_a
        canvas[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)
