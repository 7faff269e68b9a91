"""Synthesised mouth interior: dark cavity, upper and lower teeth, a hint of tongue.

Render stage: drawn inside the posed inner-lip outline, over the warped photo, by render.compose.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render.warp import bounding_region

WARM_WHITE = np.array([1.0, 0.96, 0.88], np.float32)  # enamel is slightly yellow next to the sclera
UPPER_TOOTH_PER_MOUTH = 0.14  # visible crown of the upper incisors below the rest lip line
LOWER_TOOTH_PER_MOUTH = 0.11
TEETH_HALF_SPAN_PER_MOUTH = 0.42  # teeth visible across ~84 % of the mouth width; the rest is cheek
TEETH_OVER_LIPS = 1.45  # teeth at least this much brighter (mean RGB) than the lips around them
TEETH_MAX_LEVEL = 228.0  # mean RGB 0..255: enamel in shade is never paper white
TOOTH_LINES_FROM_MOUTH_PX = 36.0  # below this mouth width the gaps between incisors are under a pixel
MIN_OPENING_PX = 0.6  # a lip gap narrower than this is the photo's lip line, not an open mouth
FULL_OPENING_PX = 2.0  # the interior fades in between the two


@dataclass(frozen=True)
class MouthColours:
    """RGB colours (float32, 0..255) taken from the photo: teeth balanced to the sclera, cavity from
    darkened lip tones."""

    teeth: np.ndarray
    cavity: np.ndarray
    tongue: np.ndarray


def _polygon_mask(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
    return mask


def sample_colours(image: np.ndarray, landmarks_xy: np.ndarray) -> MouthColours:
    """Teeth, cavity and tongue colours for the face whose landmarks are given."""
    height, width = image.shape[:2]
    lips = np.concatenate(
        [landmarks_xy[list(topo.LIP_UPPER_OUTER)], landmarks_xy[list(topo.LIP_LOWER_OUTER[::-1])]]
    )
    inner = np.concatenate(
        [landmarks_xy[list(topo.LIP_UPPER_INNER)], landmarks_xy[list(topo.LIP_LOWER_INNER[::-1])]]
    )
    lip_mask = (_polygon_mask((height, width), lips) > 128) & (_polygon_mask((height, width), inner) < 64)
    lip = np.median(image[lip_mask], axis=0) if lip_mask.sum() > 10 else np.array([150.0, 90.0, 90.0])

    sclera_pixels = []
    for upper, lower, iris in (
        (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER, topo.IRIS_RIGHT),
        (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER, topo.IRIS_LEFT),
    ):
        eye = np.concatenate([landmarks_xy[list(upper)], landmarks_xy[list(lower[::-1])]])
        mask = _polygon_mask((height, width), eye) > 200
        centre = landmarks_xy[iris[0]]
        radius = np.linalg.norm(landmarks_xy[list(iris[1:])] - centre, axis=1).mean() * 1.15
        ys, xs = np.nonzero(mask)
        keep = np.hypot(xs - centre[0], ys - centre[1]) > radius
        sclera_pixels.append(image[ys[keep], xs[keep]])
    sclera = np.concatenate(sclera_pixels).astype(np.float32)
    face_mask = _polygon_mask((height, width), landmarks_xy[list(topo.face_oval())]) > 128
    skin = np.median(image[face_mask].astype(np.float32), axis=0) if face_mask.sum() > 10 else lip
    skin_level = float(np.mean(skin))
    if len(sclera) >= 12:
        luminance = sclera.mean(axis=1)
        bright = sclera[luminance >= np.percentile(luminance, 80)]
        sclera_colour = np.median(bright, axis=0)
    else:  # tiny or hidden eyes
        sclera_colour = skin * 1.2
    # Teeth must read as teeth at any size: as light as the sclera's bright part, as the lit skin (its
    # 90th percentile: the photo's lighting, whatever the skin tone) and clearly lighter than the lips.
    # A dim or painted sclera, or a small face whose eyes sample dark, no longer makes them grey.
    lit_skin = (
        float(np.percentile(image[face_mask].astype(np.float32).mean(axis=1), 90))
        if (face_mask.sum() > 10)
        else skin_level
    )
    level = max(float(np.mean(sclera_colour)) * 0.95, lit_skin * 1.0, float(np.mean(lip)) * TEETH_OVER_LIPS)
    level = float(np.clip(level, 60, TEETH_MAX_LEVEL))
    colourful = float(np.ptp(skin)) > 8  # a grayscale photo gets grey teeth, not tinted ones
    # Only the sclera's brightness is used: its hue is often the eyes' (blue eyes tint the white blue).
    tint = WARM_WHITE if colourful else np.ones(3, np.float32)
    teeth = np.clip(level * tint / float(np.mean(tint)), 0, 255)
    if colourful:
        cavity = np.clip(lip * np.array([0.32, 0.18, 0.2]), 0, 255)
        tongue = np.clip(lip * np.array([0.78, 0.5, 0.52]), 0, 255)
    else:  # a grayscale photo keeps a grayscale mouth
        cavity = np.full(3, float(np.mean(lip)) * 0.22)
        tongue = np.full(3, float(np.mean(lip)) * 0.6)
    # A mouth is dark, never black: the cavity keeps some of the lips' tone even in dim photos.
    cavity = np.maximum(cavity, 30.0 * cavity / max(float(np.max(cavity)), 1.0))
    return MouthColours(
        teeth=teeth.astype(np.float32), cavity=cavity.astype(np.float32), tongue=tongue.astype(np.float32)
    )


@dataclass(frozen=True)
class PhotoMouth:
    """The photo's own mouth opening, to reuse its teeth: the source image, the opening's outline in it
    (src_xy, (22, 2): upper inner lip then lower inner lip, corner to corner) and where the skull has
    carried that outline in this frame (dst_xy, (22, 2))."""

    image: np.ndarray
    src_xy: np.ndarray
    dst_xy: np.ndarray


def _photo_interior(
    photo: PhotoMouth, origin_xy: tuple[int, int], shape: tuple[int, int], ex: np.ndarray, ey: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The photo's mouth interior moved with the skull into a canvas window: (texture (H, W, 3), cover
    (H, W, 1) 0..1). Its lower part fades out: the photo's lower teeth belong to the jaw, not the skull."""
    src = photo.src_xy.astype(np.float64)
    dst = photo.dst_xy.astype(np.float64) - np.array(origin_xy, np.float64)
    # The skull's motion of the outline, as one affine map (least squares over its 22 points).
    design = np.column_stack([src, np.ones(len(src))])
    solution, *_ = np.linalg.lstsq(design, dst, rcond=None)
    affine = solution.T.astype(np.float32)
    texture = cv2.warpAffine(
        photo.image, affine, (shape[1], shape[0]), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101
    ).astype(np.float32)
    upper, lower = (
        photo.dst_xy[:11] - np.array(origin_xy, np.float32),
        photo.dst_xy[11:] - np.array(origin_xy, np.float32),
    )
    outline = np.concatenate([upper, lower[::-1]])
    cover = _polygon_mask(shape, outline).astype(np.float32) / 255
    ys, xs = np.indices(shape, dtype=np.float32)
    rel = np.stack([xs, ys], axis=-1) - upper.mean(axis=0)
    u, v = rel @ ex, rel @ ey
    v_top = _line_v(upper @ ex - upper.mean(axis=0) @ ex, upper @ ey - upper.mean(axis=0) @ ey, u)
    v_bottom = _line_v(lower @ ex - upper.mean(axis=0) @ ex, lower @ ey - upper.mean(axis=0) @ ey, u)
    depth = np.clip((v - v_top) / np.maximum(v_bottom - v_top, 1.0), 0, 1)
    cover *= 1 - np.clip((depth - 0.55) / 0.4, 0, 1)
    return texture, cover[..., None]


def _line_v(u_line: np.ndarray, v_line: np.ndarray, u: np.ndarray) -> np.ndarray:
    order = np.argsort(u_line)
    return np.interp(u, u_line[order], v_line[order])


def _soft(edge: np.ndarray, width: float) -> np.ndarray:
    """0..1 ramp over `width` pixels around zero of a signed distance-like field."""
    return np.clip(0.5 + edge / max(width, 1e-3), 0.0, 1.0)


def draw_mouth(
    canvas: np.ndarray,
    origin_xy: tuple[int, int],
    inner_polygon_xy: np.ndarray,
    upper_teeth_xy: np.ndarray,
    lower_teeth_xy: np.ndarray,
    ex: np.ndarray,
    ey: np.ndarray,
    mouth_px: float,
    colours: MouthColours,
    photo: PhotoMouth | None = None,
) -> None:
    """Paint the mouth interior into `canvas` (uint8 RGB, in place) inside the inner-lip polygon.

    Coordinates are image pixels; `origin_xy` is the image position of canvas pixel (0, 0). With `photo`,
    the photo's own open mouth (its real teeth) is shown, carried by the skull, over the synthesised one."""
    poly = inner_polygon_xy - np.array(origin_xy, np.float32)
    window = bounding_region(poly, canvas.shape[1], canvas.shape[0], margin_px=2)
    x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    # The inner polygon is the upper inner lip (11 points, corner to corner) then the lower one back
    # (9 points without the corners): the largest gap between paired columns is the opening.
    opening_px = float(np.max((poly[1:10] - poly[11:][::-1]) @ -ey)) if len(poly) == 20 else 99.0
    fade = float(np.clip((opening_px - MIN_OPENING_PX) / (FULL_OPENING_PX - MIN_OPENING_PX), 0, 1))
    if fade <= 0:
        return
    alpha = _polygon_mask((y1 - y0, x1 - x0), poly - np.array([x0, y0], np.float32)).astype(np.float32) / 255
    if alpha.max() <= 0:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    pts = np.stack([xs, ys], axis=-1) + np.array(origin_xy, np.float32)
    centre = upper_teeth_xy.mean(axis=0)
    rel = pts - centre
    u = rel @ ex
    v = rel @ ey
    up = (upper_teeth_xy - centre) @ np.stack([ex, ey], axis=1)
    low = (lower_teeth_xy - centre) @ np.stack([ex, ey], axis=1)
    w = mouth_px
    aa = 1.0  # anti-aliasing ramp in pixels
    across = np.clip(np.abs(u) / (TEETH_HALF_SPAN_PER_MOUTH * w), 0, 1.5)

    # Cavity: darkest at the back and centre, lighter towards the lips.
    opening = max(float(np.ptp(poly[:, 1])), 1.0)
    depth = np.clip(1 - (np.abs(u) / (0.5 * w)) ** 2 - (v / opening) ** 2, 0, 1)
    colour = colours.cavity[None, None, :] * (1.0 - 0.35 * depth[..., None])

    # Tongue: a low, wide ellipse behind the lower teeth.
    v_low = _line_v(low[:, 0], low[:, 1], u)
    tongue_d = 1 - np.sqrt((u / (0.32 * w)) ** 2 + ((v - (v_low + 0.1 * w)) / (0.12 * w)) ** 2)
    tongue_a = np.clip(tongue_d * 0.1 * w / aa, 0, 1)[..., None]
    tongue = colours.tongue[None, None, :] * (0.75 + 0.25 * np.clip(tongue_d, 0, 1))[..., None]
    colour = colour * (1 - tongue_a) + tongue * tongue_a

    def teeth_layer(top: np.ndarray, bottom: np.ndarray, shade: float) -> tuple[np.ndarray, np.ndarray]:
        a = (
            _soft(v - top, aa)
            * _soft(bottom - v, aa)
            * _soft((1 - across) * TEETH_HALF_SPAN_PER_MOUTH * w, 2 * aa)
        )
        # Back teeth recede into shadow; faint gaps separate the incisors and canines.
        light = shade * (1 - 0.4 * np.clip(across, 0, 1) ** 2)
        gaps = np.ones_like(u)
        # Tooth boundaries: central incisors ~8.5 mm, laterals ~6.5 mm, canines ~7.5 mm across a ~50 mm
        # mouth; only the front ones read at video resolution, and on a small mouth none do (sub-pixel
        # dark lines only grey the teeth).
        lines = float(np.clip((w - TOOTH_LINES_FROM_MOUTH_PX) / TOOTH_LINES_FROM_MOUTH_PX, 0, 1))
        for k, depth in ((0.0, 0.16), (0.17, 0.09), (0.30, 0.06)):
            for sign in (-1, 1) if k else (1,):
                gaps -= lines * depth * np.exp(-(((u - sign * k * w) / (0.005 * w + 0.45)) ** 2))
        return a[..., None], colours.teeth[None, None, :] * (light * np.clip(gaps, 0.7, 1))[..., None]

    v_up = _line_v(up[:, 0], up[:, 1], u)
    up_bottom = v_up + UPPER_TOOTH_PER_MOUTH * w * (1 - 0.35 * np.clip(across, 0, 1) ** 2)
    a_up, c_up = teeth_layer(v_up - 0.2 * w, up_bottom, 1.0)
    # The upper lip shades the top of the teeth.
    c_up = c_up * (0.88 + 0.12 * _soft(v - v_up - 0.03 * w, 0.05 * w))[..., None]
    low_top = v_low - 0.01 * w
    a_low, c_low = teeth_layer(low_top, low_top + LOWER_TOOTH_PER_MOUTH * w + 0.2 * w, 0.85)
    # The inner edge of the lips casts a soft shadow into the mouth, less on the teeth standing near it.
    edge = cv2.GaussianBlur(alpha, (0, 0), max(min(0.04 * w, 0.2 * opening), 0.6))
    shadow = np.clip(edge * 1.6 - 0.3, 0, 1)[..., None]
    colour *= 0.65 + 0.35 * shadow
    c_low = c_low * (0.85 + 0.15 * shadow)
    c_up = c_up * (0.9 + 0.1 * shadow)
    colour = colour * (1 - a_low) + c_low * a_low
    if photo is None:
        colour = colour * (1 - a_up) + c_up * a_up
    else:
        texture, cover = _photo_interior(photo, (x0 + origin_xy[0], y0 + origin_xy[1]), alpha.shape, ex, ey)
        colour = colour * (1 - cover) + texture * (0.8 + 0.2 * shadow) * cover

    target = canvas[y0:y1, x0:x1].astype(np.float32)
    alpha = alpha * fade
    out = target * (1 - alpha[..., None]) + colour * alpha[..., None]
    canvas[y0:y1, x0:x1] = np.clip(out + 0.5, 0, 255).astype(np.uint8)
