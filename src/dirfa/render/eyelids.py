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
TEXTURE_COLUMNS = 32  # samples along the lid, corner to corner
TEXTURE_ROWS = 16  # samples up the band
DETAIL_SIGMA = 2.0  # texture samples: coarser than this is the band's shading, finer is the skin's grain
DETAIL_GAIN = 0.8  # share of the band's grain laid on the synthesised lid (it is resampled, a little soft)
DETAIL_MAX = 0.08  # grain is clipped to this share of the skin's luminance: glints on lashes are not skin
# Above the open lid edge the warped photo shows the lashes pulled down with the lid: the lid skin covers
# this much more (share of the eye width) in the middle of the lid, tapering to nothing at the corners,
# so the covered patch is a crescent with no straight sides.
COVER_ABOVE_PER_EYE = 0.1
COVER_ABOVE_CLOSED_PER_EYE = 0.24  # ... growing to this at full closure, when they are pulled down furthest
CORNER_REACH_PER_EYE = 0.05  # ... but at least this much, so the corners blend in too
COVER_MAX_PER_BROW = 0.35  # and never past this share of the way up to the brow (measured to its middle)
FEATHER_SHARE = 0.7  # the top of the cover blends into the warped skin over this share of its reach
# The synthesised lid fades in over this range of closure: below it the warp alone shows a convincing
# lid (the photo's lashes ride the moving edge), past ~0.6 the warp stretches the photo's lashes into a
# dark band the lid must hide. Fading, not switching, so no frame pops.
FADE_IN_FROM_BLINK = 0.2
FADE_IN_TO_BLINK = 0.7
# The lid's tone is the warped skin just above it (measured each frame, so it joins without a seam): it
# is read this far above the cover's top, in shares of its reach, at REFERENCE_COLUMNS places along it.
REFERENCE_HEIGHTS = (0.9, 1.0, 1.1, 1.2, 1.3)
REFERENCE_COLUMNS = 14
REFERENCE_FROM_S, REFERENCE_TO_S = 0.04, 0.96  # first and last column, corner to corner
REFERENCE_DARK = 0.85  # reference columns darker than this share of their median are hair/frames: skipped
REFERENCE_HAIR = 0.5  # ... as are those darker than this share of the lid skin (brows, fringe over the eye)
# The lid takes the skin's tone from above only towards its top (all of the blended top is that tone, so
# the blend shows no edge); up to this height it has the photo's own lid skin tone (a crease shadow above
# the eye does not cover the lid that unfolds out of it), in lid heights above the lash line (1 = the open
# edge's height at full closure).
OWN_TONE_U = 0.0
# Under a shadowing brow the lid is lighter than the socket around it but not as light as the brow bone in
# full light: it takes this share of the way from the warped skin's tone above it to the brow bone's.
LID_LIFT = 0.85
LID_OVER_BONE = 0.3  # share of the way to lighter skin above it the lid may go past the brow bone's tone
LIFT_ROOM_PER_EYE = 0.2  # ... all of it when the cover reaches this far above the open lid (eye widths)
# A change of tone needs room to look like shading: over less than this (share of the eye width; a narrow
# eye under a heavy brow) the lid keeps proportionally more of the tone from above.
TONE_RAMP_PER_EYE = 0.15
# The band above the lashes is often a shadowed crease or eye shadow, darker than the lid that unfolds out
# of it when the eye closes (which faces the light): the lid's own tone is lifted to at least this share of
# the face's median luminance, keeping its hue variation along the lid.
LID_MIN_OF_FACE = 0.6
# A real closed lid faces the light like the brow bone: about as light as the skin between the crease and
# the brow. Its tone is read there, between these shares of the way up to the brow, as a light-leaning
# percentile of the skin-coloured pixels (brow hairs, lashes, hair strands and glasses are not skin).
BROW_BONE_FROM, BROW_BONE_TO = 0.35, 0.8
BROW_BONE_ROWS = 10
BROW_BONE_PERCENTILE = 50
SKIN_CHROMA_TOLERANCE = 0.07  # max difference of r/(r+g+b)-style chromaticity from the face's median skin
SKIN_LUM_RANGE = (0.45, 1.35)  # skin pixels are within this share of the face's median luminance
# The photo's own lashes and liner, pulled down by the warp, must not float above the closed lid: thin dark
# features (narrower than this share of the eye width) above the moving lid edge are filled with the skin
# around them (a grey-level closing), over the lid and this far past its corners (share of the eye width).
LASH_REMOVE_PER_EYE = 0.4
LASH_REMOVE_PAST_CORNER = 0.25
LASH_REMOVE_ABOVE_PER_EYE = 0.35  # ... and up to this far above the open lid edge
LASH_DARKER_BY = (
    12.0,
    35.0,
)  # luminance (0..255) under the closing's at which a pixel starts/ends being lash
# Pixels of the warped picture much lighter than both the lid and the skin above it are hair strands (or
# glints on glasses) in front of the eye: the lid is drawn behind them.
HAIR_LIGHTER_BY = (25.0, 55.0)  # luminance difference (0..255) at which the lid starts/stops hiding behind
CORNER_TAPER_S = 0.1  # the cover and the lash line fade out over this share of the lid at each corner
# The closed lid is skin over the eyeball: a little lighter where it bulges in the middle, shaded where it
# turns under towards the lash line, with a faint crease shadow where it meets the still skin above.
# The covered lid is filled in from the skin around it (OpenCV's Telea inpainting; radius in px: a few px
# of boundary skin are enough, and the cost grows fast with the radius).
INPAINT_RADIUS_PX = 3.0
LID_BULGE = 0.04
LID_EDGE_SHADE = 0.14
LID_CREASE_SHADE = 0.03
# Lash line: thickness at its thickest (share of the eye width), and how it runs along the lid (inner
# corner -> outer corner): thin at the inner corner, thickest over the middle and outer third (the upper
# lashes are longest and densest there: Thibaut et al. 2010, "Human eyelash characterization").
LASH_PER_EYE = 0.045
LASH_MIN_PX = 1.2  # ... but at least this wide (px) on small faces
LASH_INNER_SHARE = 0.2  # thickness at the inner corner, share of the thickest
LASH_OUTER_SHARE = 0.7  # ... and at the outer corner
LASH_OPACITY = 0.9
# Below a dense dark core, the lash tips hang as separate strands this far apart (px), spread over this
# share more of the lash width; their density varies along the lid (a fixed pseudo-random pattern).
LASH_STRAND_PX = 1.7
LASH_FRINGE_SHARE = 0.8
LASH_FRINGE_OPACITY = 0.6
LASH_STRANDS = 97
LASH_LIGHTER_THAN_SKIN = 0.5  # the lash colour is never lighter than this share of the lid skin


@dataclass(frozen=True)
class LidColours:
    """Per eye (right, left): the photo's lid skin and lashes, everything the lids need that does not
    depend on the pose.

    skin: (2, 3) median lid skin RGB; lash: (2, 3) lash RGB; texture: (2, TEXTURE_ROWS, TEXTURE_COLUMNS, 3) the lid skin band above the lashes, float32
    0..255, row 0 nearest the lid edge, column 0 at the first lid corner (lashes, liner and brow hairs
    removed); detail: the same band's fine grain only (texture minus its blurred self, mean ~0);
    lid_tone: (2, REFERENCE_COLUMNS, 3) the lid's smooth colour along it (from REFERENCE_FROM_S to
    REFERENCE_TO_S): the brow bone's skin between crease and brow, lifted where it is a deep shadow;
    closed_rows: (2,) how many texture rows span the eye when the lid is fully closed; brow_up_per_eye:
    (2,) the brow's height above the lid, in eye widths; strands: (2, LASH_STRANDS) lash tip density
    0..1 along the lid, one value every LASH_STRAND_PX; hair: (2, REFERENCE_COLUMNS) share 0..1 of the
    skin between crease and brow hidden by strands lighter than the skin (hair in front of the eye);
    socket_tone: (2, REFERENCE_COLUMNS, 3) the skin's smooth colour just above the lashes, as lid_tone
    before it is lifted to the brow bone's (a crease or eye-shadow tone)."""

    skin: np.ndarray
    lash: np.ndarray
    texture: np.ndarray
    detail: np.ndarray
    lid_tone: np.ndarray
    closed_rows: np.ndarray
    brow_up_per_eye: np.ndarray
    strands: np.ndarray
    hair: np.ndarray | None = None
    socket_tone: np.ndarray | None = None


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


def _sample(image: np.ndarray, xy: np.ndarray, border: int = cv2.BORDER_REFLECT_101) -> np.ndarray:
    """(..., 3) float32: `image` sampled (bilinear) at the (..., 2) image positions `xy`."""
    return cv2.remap(
        image,
        np.ascontiguousarray(xy[..., 0], np.float32),
        np.ascontiguousarray(xy[..., 1], np.float32),
        cv2.INTER_LINEAR,
        borderMode=border,
    ).astype(np.float32)


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
    band = _sample(image, along[None, :, :] + heights[:, None, None] * up[None, None, :])
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


def _brow_bone_tone(
    image: np.ndarray, lid: np.ndarray, brow_up_px: float, face_skin: np.ndarray | None
) -> tuple[np.ndarray | None, np.ndarray]:
    """(REFERENCE_COLUMNS, 3) float32: the skin between the crease and the brow along the lid, smooth,
    light-leaning, None where too little of it is skin (hair over the brow, a deep shadow); and
    (REFERENCE_COLUMNS,) the share of that band covered by strands lighter than the skin."""
    up = _normal_up(lid)
    along = _resample(lid, TEXTURE_COLUMNS)
    heights = np.linspace(BROW_BONE_FROM * brow_up_px, BROW_BONE_TO * brow_up_px, BROW_BONE_ROWS)
    band = _sample(image, along[None, :, :] + heights[:, None, None].astype(np.float32) * up[None, None, :])
    lum = band.mean(axis=2)
    keep = np.ones(lum.shape, bool)
    if face_skin is not None:
        face_lum = max(float(face_skin.mean()), 1.0)
        chroma = band / np.maximum(band.sum(axis=2, keepdims=True), 1.0)
        face_chroma = face_skin / max(float(face_skin.sum()), 1.0)
        keep = (np.abs(chroma - face_chroma).max(axis=2) < SKIN_CHROMA_TOLERANCE) & (
            (lum > SKIN_LUM_RANGE[0] * face_lum) & (lum < SKIN_LUM_RANGE[1] * face_lum)
        )
    at = np.linspace(REFERENCE_FROM_S, REFERENCE_TO_S, REFERENCE_COLUMNS) * (TEXTURE_COLUMNS - 1)
    hair = np.zeros(REFERENCE_COLUMNS, np.float32)
    if face_skin is not None:
        light = (lum > SKIN_LUM_RANGE[1] * max(float(face_skin.mean()), 1.0)).mean(axis=0)
        light = cv2.GaussianBlur(light[None].astype(np.float32), (0, 0), 1.5, borderType=cv2.BORDER_REPLICATE)
        hair = np.interp(at, np.arange(TEXTURE_COLUMNS), light[0]).astype(np.float32)
    columns = keep.sum(axis=0) >= 2
    if columns.sum() < 4:
        return None, hair
    # Per column, the skin pixel at a light-leaning luminance percentile (a whole pixel, so its hue is real).
    ranked = np.where(keep, lum, np.nan)[:, columns]
    target = np.nanpercentile(ranked, BROW_BONE_PERCENTILE, axis=0)
    pick = np.nanargmin(np.abs(np.where(np.isnan(ranked), np.inf, ranked - target)), axis=0)
    tone = band[:, columns][pick, np.arange(int(columns.sum()))]
    cols = np.nonzero(columns)[0].astype(np.float32)
    tone = np.stack([np.interp(at, cols, tone[:, k]) for k in range(3)], axis=1).astype(np.float32)
    return cv2.GaussianBlur(tone[None], (0, 0), 1.5, borderType=cv2.BORDER_REPLICATE)[0], hair


def sample_colours(image: np.ndarray, landmarks_xy: np.ndarray) -> LidColours:
    """The photo's lid skin (texture, grain and median colour, from the band between the lashes and the
    brow) and its lash colour, for both eyes."""
    height, width = image.shape[:2]
    face = np.zeros((height, width), np.uint8)
    cv2.fillPoly(face, [np.round(landmarks_xy[list(topo.face_oval())]).astype(np.int32)], 255)
    face_skin = np.median(image[face > 0].astype(np.float32), axis=0) if (face > 0).sum() > 10 else None
    skins, lashes, textures, details, tones, closed_rows, brows, hairs, sockets = ([] for _ in range(9))
    for upper, brow in (
        (topo.EYE_RIGHT_UPPER, topo.BROW_RIGHT_INNER + topo.BROW_RIGHT_OUTER),
        (topo.EYE_LEFT_UPPER, topo.BROW_LEFT_INNER + topo.BROW_LEFT_OUTER),
    ):
        lid = landmarks_xy[list(upper)].astype(np.float32)
        eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
        up = _normal_up(lid)
        brow_up = max(float(np.median((landmarks_xy[list(brow)] - lid.mean(axis=0)) @ up)), 0.2 * eye_w)
        texture, rows = _lid_band(image, lid, brow_up)
        smooth = cv2.GaussianBlur(texture, (0, 0), DETAIL_SIGMA, borderType=cv2.BORDER_REFLECT)
        limit = DETAIL_MAX * float(np.median(smooth.mean(axis=2)))
        detail = np.clip(texture - smooth, -limit, limit)
        spanned = smooth[: max(2, int(np.ceil(rows)) + 1)].mean(axis=0)
        tone = cv2.GaussianBlur(spanned[None], (0, 0), 2.0, borderType=cv2.BORDER_REPLICATE)[0]
        at = np.linspace(REFERENCE_FROM_S, REFERENCE_TO_S, REFERENCE_COLUMNS) * (TEXTURE_COLUMNS - 1)
        tone = np.stack([np.interp(at, np.arange(TEXTURE_COLUMNS), tone[:, k]) for k in range(3)], axis=1)
        sockets.append(tone.astype(np.float32))
        bone, hair = _brow_bone_tone(image, lid, brow_up, face_skin)
        hairs.append(hair)
        if bone is not None:
            # The lid unfolds out of the crease into the light: at least as light as the brow bone.
            tone = bone
        if face_skin is not None:
            mean = tone.mean(axis=0)
            lum, face_lum = float(mean.mean()), float(face_skin.mean())
            if lum < LID_MIN_OF_FACE * face_lum:
                pull = (LID_MIN_OF_FACE * face_lum - lum) / max(face_lum - lum, 1e-3)
                tone = np.clip(tone + pull * (face_skin - mean), 0, 255)
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
        lashes.append(np.minimum(lash, skin * LASH_LIGHTER_THAN_SKIN))
        textures.append(texture)
        details.append(detail)
        tones.append(tone)
        closed_rows.append(rows)
        brows.append(brow_up / eye_w)
    return LidColours(
        skin=np.array(skins, np.float32),
        lash=np.array(lashes, np.float32),
        texture=np.array(textures, np.float32),
        detail=np.array(details, np.float32),
        lid_tone=np.array(tones, np.float32),
        closed_rows=np.array(closed_rows, np.float32),
        brow_up_per_eye=np.array(brows, np.float32),
        # A fixed pattern (same picture, same lashes): strands of uneven density, never quite bare.
        strands=np.random.default_rng(5).uniform(0.25, 1.0, (2, LASH_STRANDS)).astype(np.float32),
        hair=np.array(hairs, np.float32),
        socket_tone=np.array(sockets, np.float32),
    )


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) * (1.0 / (edge1 - edge0)), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _ramp(edge0: float, edge1: float, x: float) -> float:
    """Scalar smoothstep."""
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3 - 2 * t)


def _reach_along(s: np.ndarray, reach: float, eye_w: float) -> np.ndarray:
    """How far the cover goes above the open lid edge at lid position `s` (0..1 corner to corner), in
    pixels: `reach` in the middle, tapering towards the corners (a crescent, no straight sides)."""
    taper = np.sqrt(np.clip(4 * s * (1 - s), 0.0, 1.0))
    return np.maximum(reach * taper, CORNER_REACH_PER_EYE * eye_w).astype(np.float32)


def _reference_tone(
    canvas: np.ndarray,
    lid_open: np.ndarray,
    along: np.ndarray,
    up: np.ndarray,
    eye_w: float,
    reach: float,
    own_tone: np.ndarray,
) -> np.ndarray:
    """(REFERENCE_COLUMNS, 3) float32: the warped skin's colour just above the cover's top, at evenly
    spaced places from corner to corner, dark outliers (lashes, hair, glasses frames) replaced; the lid's
    own tone `own_tone` (REFERENCE_COLUMNS, 3) where no column is skin."""
    s = np.linspace(REFERENCE_FROM_S, REFERENCE_TO_S, REFERENCE_COLUMNS, dtype=np.float32)
    rel = lid_open - lid_open[0]
    lid_s, lid_h = (rel @ along) / eye_w, rel @ up
    order = np.argsort(lid_s)
    open_h = np.interp(s, lid_s[order], lid_h[order])
    above = _reach_along(s, reach, eye_w)
    heights = open_h[None, :] + np.array(REFERENCE_HEIGHTS, np.float32)[:, None] * above[None, :] + 1.0
    xy = lid_open[0] + (s * eye_w)[None, :, None] * along + heights[..., None] * up
    samples = _sample(canvas, xy, border=cv2.BORDER_REPLICATE)
    # Per column the median height: a hair, lash or crease line crossing it is passed over, and a lighter
    # spot does not make the lid's top lighter than the skin it blends into.
    order = np.argsort(samples.sum(axis=2), axis=0)[len(REFERENCE_HEIGHTS) // 2]
    tone = samples[order, np.arange(REFERENCE_COLUMNS)]
    luminance = tone.mean(axis=1)
    skin = (luminance >= REFERENCE_DARK * np.median(luminance)) & (
        luminance >= REFERENCE_HAIR * own_tone.mean(axis=1)
    )
    if skin.sum() < 2:
        return own_tone
    if not skin.all():
        tone = np.stack([np.interp(s, s[skin], tone[skin, k]) for k in range(3)], axis=1)
    # A little smoothing along the lid: the reference must not flicker from frame to frame.
    padded = np.concatenate([tone[:1], tone, tone[-1:]])
    return (0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]).astype(np.float32)


def _remove_lashes(
    patch: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    travel: np.ndarray,
    eye_w: float,
    past_s: float,
    reach_px: float,
    strength: float,
) -> np.ndarray:
    """Fill thin dark features (the photo's lashes and liner, pulled down by the warp) above the moving lid
    edge with the skin around them, in place: a grey-level closing (dilate, then erode) removes dark
    features narrower than its kernel and keeps broad shading (a socket shadow) as it is. Returns the
    skin's smooth, lash-free colour around each pixel."""
    size = max(5, int(round(LASH_REMOVE_PER_EYE * eye_w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))  # separable: fast at any size
    lum = patch.mean(axis=2)
    darker = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE) - lum
    lash = _smoothstep(LASH_DARKER_BY[0], LASH_DARKER_BY[1], darker)
    # Filled from the skin around them (normalised convolution), keeping its shading; no flat plateaus.
    keep = (1.0 - lash).astype(np.float32)
    sigma = max(1.0, 0.35 * size)
    weight = cv2.GaussianBlur(keep, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    closed = cv2.GaussianBlur(patch * keep[..., None], (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    closed = closed / np.maximum(weight, 1e-3)[..., None]
    lash = lash * np.clip(weight / 0.2, 0.0, 1.0)  # no skin nearby (a wide dark patch): leave it
    if not lash.any():
        return closed
    # Where: above the lid edge (its own new lash line is drawn afterwards), along the lid and a little past
    # its corners (lash clumps and liner tails), up to a crescent above the open edge.
    along_s = _smoothstep(-past_s, -0.5 * past_s, s) * _smoothstep(1.0 + past_s, 1.0 + 0.5 * past_s, s)
    arch = np.sqrt(np.clip(4 * s * (1 - s), 0.0, 1.0))
    top = travel + reach_px * np.maximum(arch, 0.9)
    # Past the corners there is no lid edge to keep clear: a liner wing starts right at the corner's height.
    past_corner = np.clip(np.maximum(-s, s - 1.0) / max(0.25 * past_s, 1e-3), 0.0, 1.0)
    low = _smoothstep(0.0, 1.5, d + 1.5 * past_corner)
    zone = low * _smoothstep(0.0, 0.3 * reach_px + 1.0, top - d) * along_s
    w = (strength * lash * zone)[..., None]
    patch += w * (closed - patch)
    return closed


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
    lids_open_xy: (2, 9, 2) image positions; blink: (2,) closure 0..1. The lid's shading and grain slide
    with it (its lowest row rides the lid edge); its tone is the warped skin right above it, so it joins
    the face without a seam."""
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
        reach = (COVER_ABOVE_PER_EYE + (COVER_ABOVE_CLOSED_PER_EYE - COVER_ABOVE_PER_EYE) * b) * eye_w
        reach = min(reach, COVER_MAX_PER_BROW * float(colours.brow_up_per_eye[side]) * eye_w)
        reach = max(reach, 2.0)
        lash_px = max(LASH_MIN_PX, LASH_PER_EYE * eye_w) * (0.6 + 0.4 * b)  # at its thickest
        hang = int(np.ceil((1 + LASH_FRINGE_SHARE) * lash_px)) + 2  # the lashes reach below the edge
        past = LASH_REMOVE_PAST_CORNER * eye_w
        # (not as far as the brow: its hairs are dark and thin too)
        reach_lashes = min(LASH_REMOVE_ABOVE_PER_EYE, 0.5 * float(colours.brow_up_per_eye[side])) * eye_w
        corners = np.stack([lid_open[0] - along * past, lid_open[-1] + along * past])
        window = bounding_region(
            np.concatenate(
                [lid, lid_open + up * max(reach, reach_lashes), corners + up * 0.5 * reach_lashes]
            ),
            canvas.shape[1],
            canvas.shape[0],
            margin_px=hang,
        )
        x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        # Lid coordinates of every window pixel: s along the lid (0..1 corner to corner), h up the face.
        rel_x = np.arange(x0, x1, dtype=np.float32)[None, :] - lid_open[0, 0]
        rel_y = np.arange(y0, y1, dtype=np.float32)[:, None] - lid_open[0, 1]
        s = rel_x * (along[0] / eye_w) + rel_y * (along[1] / eye_w)
        h = rel_x * up[0] + rel_y * up[1]
        lid_s = ((lid - lid_open[0]) @ along) / eye_w
        open_s = ((lid_open - lid_open[0]) @ along) / eye_w
        order, order_open = np.argsort(lid_s), np.argsort(open_s)
        edge_h = np.interp(s, lid_s[order], ((lid - lid_open[0]) @ up)[order]).astype(np.float32)
        open_h = np.interp(s, open_s[order_open], ((lid_open - lid_open[0]) @ up)[order_open])
        d = h - edge_h  # height above the moving lid edge
        travel = np.maximum(open_h.astype(np.float32) - edge_h, 0.0)
        # The distance the lid travels to close fully: its row scale, so the texture rides the lid.
        full = np.maximum(travel / b, 1.0)
        inside_s = _smoothstep(0.0, CORNER_TAPER_S, s) * _smoothstep(1.0, 1.0 - CORNER_TAPER_S, s)
        # Covered: from the lid edge (anti-aliased) up to the open edge and on above it, where the warp
        # shows the lashes pulled down, by a reach that tapers towards the corners (a crescent); its
        # upper part blends into the warped skin.
        above = _reach_along(s, reach, eye_w)
        top = travel + above
        feather = np.maximum(FEATHER_SHARE * above, 1.0)
        fade_in = _ramp(FADE_IN_FROM_BLINK, FADE_IN_TO_BLINK, b)
        cover = np.clip(d + 0.5, 0.0, 1.0) * _smoothstep(0.0, 1.0, (top - d) / feather) * (inside_s * fade_in)
        if cover.max() <= 0:
            continue
        # The lid surface: its tone from the photo's lid low down and from the warped skin just above it
        # towards the top (so it joins without a seam); its shading and grain ride with the lid.
        bone = colours.lid_tone[side]
        socket = colours.socket_tone[side] if colours.socket_tone is not None else bone
        above_tone = _reference_tone(canvas, lid_open, along, up, eye_w, reach, socket)
        # The lid: lighter than the socket skin above it where the brow bone is lighter, never darker.
        lift = np.clip(bone.mean(axis=1) - above_tone.mean(axis=1), 0.0, None)[:, None] > 0
        # A lighter lid needs room above it to blend into darker skin: under a low brow it lifts less.
        share = LID_LIFT * min(max(reach / (LIFT_ROOM_PER_EYE * eye_w), 0.0), 1.0)
        # Under skin lighter than the brow bone (a lit crease) it stays close to the brow bone's tone: the
        # closed lid is never the lightest skin around the eye.
        own_tone = np.where(
            lift, above_tone + share * (bone - above_tone), bone + LID_OVER_BONE * (above_tone - bone)
        ).astype(np.float32)
        strip = np.stack([above_tone, own_tone])  # (2, REFERENCE_COLUMNS, 3), looked up per pixel
        span = REFERENCE_TO_S - REFERENCE_FROM_S
        ref_cols = np.clip(
            (s - REFERENCE_FROM_S) * ((REFERENCE_COLUMNS - 1) / span), 0, REFERENCE_COLUMNS - 1
        )
        u = d / full  # 0 at the lash line, 1 where the open edge was, riding with the lid
        blend_from = top - feather
        own_to = np.minimum(OWN_TONE_U * full, blend_from - 1.0)
        mix = 1 - np.clip((d - own_to) / np.maximum(blend_from - own_to, 1.0), 0.0, 1.0)
        room = np.clip((blend_from - own_to) * (1.0 / (TONE_RAMP_PER_EYE * eye_w)), 0.0, 1.0)
        mix = mix * mix * (3 - 2 * mix) * room
        base = cv2.remap(strip, ref_cols, mix, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        rows = np.clip(u * float(colours.closed_rows[side]), 0.0, TEXTURE_ROWS - 1)
        cols = np.clip(s, 0.0, 1.0) * (TEXTURE_COLUMNS - 1)
        grain = cv2.remap(colours.detail[side], cols, rows, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        across = np.clip(1 - (2 * s - 1) ** 2, 0.0, 1.0)
        bulge = LID_BULGE * across * np.exp(-(((u - 0.45) / 0.35) ** 2))
        edge_shade = LID_EDGE_SHADE * (1 - _smoothstep(0.0, 0.3, u))
        crease = (LID_CREASE_SHADE * b) * np.exp(-(((u - 1.05) / 0.25) ** 2)) * across
        shade = 1.0 + bulge - edge_shade - crease
        patch = canvas[y0:y1, x0:x1].astype(np.float32)
        fade_lashes = _ramp(FADE_IN_FROM_BLINK, FADE_IN_TO_BLINK, b)
        local = _remove_lashes(patch, s, d, open_h - edge_h, eye_w, past / eye_w, reach_lashes, fade_lashes)
        # Above the open edge the lid blends into the warped skin as it is locally (a brow's shadow, a
        # crease), not into one tone per column: no outline however uneven the skin above.
        to_local = _smoothstep(0.0, 1.0, (d - travel) / np.maximum(top - 0.5 * feather - travel, 1.0))
        # Hair strands in front of the eye (much lighter than the lid and the skin above it) stay in front,
        # where the photo has such strands over the brow bone too (not glints on the lashes).
        in_front = 0.0
        hair = colours.hair[side] if colours.hair is not None else None
        if hair is not None and float(hair.max()) > 0.01:
            lid_lum = np.maximum(base.mean(axis=2), above_tone.mean(axis=1).max())
            in_front = _smoothstep(HAIR_LIGHTER_BY[0], HAIR_LIGHTER_BY[1], patch.mean(axis=2) - lid_lum)
            in_front = in_front * np.clip(4.0 * np.interp(ref_cols, np.arange(REFERENCE_COLUMNS), hair), 0, 1)
            cover = cover * (1 - in_front * (d > travel + 1.0))
        # The covered lid is filled in from the skin around it (above the cover, the lower lid below), so
        # its tone and shading continue the face's own and no patch shows; the lid's shading and grain go
        # on top, and towards its top it turns into the warped skin as it is.
        hole = cv2.dilate((cover > 0.02).astype(np.uint8), np.ones((3, 3), np.uint8))
        hole[np.asarray(in_front) > 0.1] = 0  # hair strands in front stay, and feed the fill
        source = np.clip(local + 0.5, 0, 255).astype(np.uint8)
        filled = cv2.inpaint(source, hole, INPAINT_RADIUS_PX, cv2.INPAINT_TELEA).astype(np.float32)
        skin = filled * shade[..., None] + DETAIL_GAIN * grain
        skin += to_local[..., None] * (local * shade[..., None] + DETAIL_GAIN * grain - skin)
        a = cover[..., None]
        patch += a * (skin - patch)
        # Lashes hanging from the moving edge: a soft dark band below it, thin at the inner corner and
        # thickest over the middle and outer third, in the photo's lash colour.
        from_inner = np.clip(1 - s if side == 0 else s, 0.0, 1.0)  # right eye: corners outer..inner
        profile = LASH_INNER_SHARE + (1 - LASH_INNER_SHARE) * _smoothstep(0.0, 0.5, from_inner)
        profile = profile - (1 - LASH_OUTER_SHARE) * _smoothstep(0.8, 1.0, from_inner)
        width_px = lash_px * profile
        below = np.clip(0.7 - d, 0.0, 1.0)  # anti-aliased top, at the lid edge
        core = _smoothstep(-width_px - 0.7, -0.35 * width_px, d)
        strand_at = np.mod(s * eye_w / LASH_STRAND_PX, LASH_STRANDS - 1)
        strand = colours.strands[side][np.round(strand_at).astype(np.int32)]
        fringe = _smoothstep(-(1 + LASH_FRINGE_SHARE) * width_px - 0.7, -width_px, d) * strand
        lash_a = np.maximum(LASH_OPACITY * core, LASH_FRINGE_OPACITY * fringe) * below * inside_s
        lash_a = lash_a * (1 - in_front)
        lash_a = (lash_a * fade_in)[..., None]
        patch += lash_a * (colours.lash[side] - patch)
        canvas[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)
