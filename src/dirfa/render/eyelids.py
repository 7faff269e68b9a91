"""Closing eyelids: lid skin over the part of the eye the lid has swept, with a lash line at its edge.

Render stage: drawn over the warped photo by render.compose, from the posed and open upper-lid edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render.warp import bounding_region

MIN_BLINK = 0.04  # below this the lid has not visibly moved


@dataclass(frozen=True)
class LidColours:
    """Per eye (right, left): lid skin RGB (2, 3) and lash RGB (2, 3), float32 0..255; lash width in px (2,)."""

    skin: np.ndarray
    lash: np.ndarray
    lash_px: np.ndarray


def _normal_up(polyline: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to the corner-to-corner line, pointing up the face (negative image y)."""
    d = polyline[-1] - polyline[0]
    n = np.array([d[1], -d[0]], np.float32)
    n /= max(float(np.linalg.norm(n)), 1e-6)
    return n if n[1] <= 0 else -n


def sample_colours(image: np.ndarray, landmarks_xy: np.ndarray) -> LidColours:
    """The lid's skin colour (from the band between the lid crease and the brow, pulled towards the face's
    skin: that band is often in shadow or made up) and the lash colour."""
    height, width = image.shape[:2]
    face = np.zeros((height, width), np.uint8)
    cv2.fillPoly(face, [np.round(landmarks_xy[list(topo.face_oval())]).astype(np.int32)], 255)
    face_skin = np.median(image[face > 0].astype(np.float32), axis=0) if (face > 0).sum() > 10 else None
    skins, lashes, widths = [], [], []
    for upper in (topo.EYE_RIGHT_UPPER, topo.EYE_LEFT_UPPER):
        lid = landmarks_xy[list(upper)].astype(np.float32)
        eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
        up = _normal_up(lid)
        band = np.concatenate([lid[1:-1] + up * 0.08 * eye_w, (lid[1:-1] + up * 0.3 * eye_w)[::-1]])
        mask = np.zeros((height, width), np.uint8)
        cv2.fillPoly(mask, [np.round(band).astype(np.int32)], 255)
        pixels = image[mask > 0].astype(np.float32)
        if len(pixels) >= 4:  # without the dark pixels: lashes, liner, brow hairs and the crease's shadow
            luminance = pixels.mean(axis=1)
            skin = np.median(pixels[luminance >= 0.8 * np.median(luminance)], axis=0)
        else:
            skin = np.median(image.reshape(-1, 3), axis=0)
        line = np.zeros((height, width), np.uint8)
        cv2.polylines(line, [np.round(lid).astype(np.int32)], False, 255, thickness=max(1, int(0.08 * eye_w)))
        edge = image[line > 0].astype(np.float32)
        if len(edge) >= 4:
            luminance = edge.mean(axis=1)
            lash = np.median(edge[luminance <= np.percentile(luminance, 20)], axis=0)
        else:
            lash = skin * 0.3
        if face_skin is not None:
            skin = 0.5 * skin + 0.5 * face_skin
        skins.append(skin)
        lashes.append(np.minimum(lash, skin * 0.6))
        widths.append(max(1.0, 0.035 * eye_w))
    return LidColours(np.array(skins, np.float32), np.array(lashes, np.float32), np.array(widths, np.float32))


def draw_lids(
    canvas: np.ndarray,
    origin_xy: tuple[int, int],
    lids_xy: np.ndarray,
    lids_open_xy: np.ndarray,
    blink: np.ndarray,
    colours: LidColours,
) -> None:
    """Paint lid skin between each open and posed upper-lid edge, and the lash line along the posed edge.

    canvas: uint8 RGB, changed in place; origin_xy: image position of its pixel (0, 0). lids_xy,
    lids_open_xy: (2, 9, 2) image positions; blink: (2,) closure 0..1."""
    offset = np.array(origin_xy, np.float32)
    for side in (0, 1):
        b = float(blink[side])
        if b < MIN_BLINK:
            continue
        lid = lids_xy[side] - offset
        lid_open = lids_open_xy[side] - offset
        polygon = np.concatenate([lid_open, lid[::-1]])
        window = bounding_region(polygon, canvas.shape[1], canvas.shape[0], margin_px=3)
        x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        local = np.array([x0, y0], np.float32)
        shape = (y1 - y0, x1 - x0)
        cover = np.zeros(shape, np.uint8)
        cv2.fillPoly(cover, [np.round((polygon - local) * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        alpha = cover.astype(np.float32)[..., None] / 255
        # The lid is a curved fold: a little darker towards its edge, where it turns under.
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        up = _normal_up(lid)
        rel = (np.stack([xs, ys], axis=-1) - lid.mean(axis=0)) @ up
        span = max(float(np.max((lid_open - lid.mean(axis=0)) @ up)), 1.0)
        shade = 0.85 + 0.15 * np.clip(rel / span, 0, 1)
        skin = colours.skin[side][None, None, :] * shade[..., None]
        patch = canvas[y0:y1, x0:x1].astype(np.float32)
        patch = patch * (1 - alpha) + skin * alpha
        # Lashes show along the lid edge once it has come down over the eye.
        lash_alpha = float(np.clip((b - 0.3) / 0.5, 0, 1))
        if lash_alpha > 0:
            lashes = np.zeros(shape, np.uint8)
            thickness = max(1, int(round(colours.lash_px[side])))
            points = np.round((lid - local) * 16).astype(np.int32)
            cv2.polylines(lashes, [points], False, 255, thickness, cv2.LINE_AA, shift=4)
            a = lashes.astype(np.float32)[..., None] / 255 * lash_alpha * 0.7
            patch = patch * (1 - a) + colours.lash[side][None, None, :] * a
        canvas[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)
