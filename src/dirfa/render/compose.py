"""Render frames: pose the rig, warp the photo, paint the mouth, crop and scale for the video.

Last render stage: (Portrait image, Rig, Tracks) -> iterator of RGB frames -> media.video.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from dirfa.errors import InputError
from dirfa.face import topology as topo
from dirfa.face.landmarks import N_LANDMARKS
from dirfa.face.rig import Pose, Rig
from dirfa.render import eyelids, mouth, warp

MAX_OUTPUT_SIDE_PX = 4096  # --size may ask for up to this
DEFAULT_MAX_SIDE_PX = 1920  # without --size, bigger pictures are scaled down to this (full HD)
CROP_FACE_SCALE = 2.6  # a face-centred crop is this many face heights wide: head, hair and shoulders
# A photo mouth open this wide (share of its width) shows teeth worth reusing; draw_mouth blends them in
# from here to mouth.PHOTO_TEETH_FULL, so barely parted lips hand over to synthetic teeth without a jump.
PHOTO_MOUTH_MIN_GAP = mouth.PHOTO_TEETH_FROM
# The warp map is affine inside each triangle, so it is computed every 2 px and interpolated: within
# ~0.3 px of the exact map even across the nose of a turned head (4 px was off by up to 1.8 px).
MAP_STEP_PX = 2
# The picture's outermost EDGE_FIXED_PX pixels do not move; the warp fades in over EDGE_HOLD_PX from the edge
# (see _hold_picture_edges). Scanned paintings' border lines are 1-3 px.
EDGE_FIXED_PX = 3
EDGE_HOLD_PX = 10
# Lids that slide less than this over the eyeballs leave the two layers' maps within a tenth of a pixel at
# the lid edge: no staircase to smooth.
LID_SLIDE_PX = 0.1
# The background behind the person is filled in (where a turned head uncovers it) at this resolution: the
# strips uncovered are a few pixels wide, and a soft fill there reads as out-of-focus background. At 256 px
# the branches and edges of a busy background ran into a grey smear (RESULTS.md, 2026-12-03 "plate");
# 512 px keeps them, for 1.3-2.3 times the one-off build time (0.1-0.5 s -> 0.1-0.85 s on the shared machine).
BACKGROUND_FILL_PX = 512
BACKGROUND_FILL_BLUR_PX = 2.5  # Gaussian sigma of the fill, at BACKGROUND_FILL_PX
# Under the person layer's soft edge the photo shows mostly background: differences from the fill smaller
# than this (8-bit levels) are the background's own grain (paper, noise, JPEG) and stay on the plate, so
# the edge of a moving head drags none of it; larger ones are wisps of hair, which move with the person.
BACKGROUND_GRAIN = 16
# A background object wider than a stray hair (BACKGROUND_OBJECT_PX) that stands BACKGROUND_OBJECT_LEVELS off
# the ground round it (the mean, over BACKGROUND_GROUND_PX, of what does not stand out) where it meets the
# person's outline is carried into the fill only ~BACKGROUND_OBJECT_TAPER_PX past the layer's half-covered
# line, fading into the ground's colour: inpainted on, a broad object meeting the outline at a slant (full3's
# snowy branch root) spread into a wedge of grey as wide as its whole contact with the outline, which a turned
# head uncovered beside the hair (RESULTS.md, 2026-12-03 "branch root"). Thinner branches run on as before.
# (Full-resolution pixels.)
BACKGROUND_OBJECT_PX = 9
BACKGROUND_OBJECT_LEVELS = 32
BACKGROUND_GROUND_PX = 14
BACKGROUND_OBJECT_TAPER_PX = 5


@dataclass(frozen=True)
class OutputPlan:
    """Which part of the source picture the video shows, and at what size.

    box: (x0, y0, x1, y1) source pixels shown; width, height: output frame size (even)."""

    box: tuple[int, int, int, int]
    width: int
    height: int


def _even(n: float) -> int:
    return max(2, int(round(n / 2)) * 2)


def plan_output(
    image_shape: tuple[int, ...], face_box: np.ndarray, *, size: int | None = None, crop: bool = False
) -> OutputPlan:
    """The output framing: the whole picture (default) or a face-centred square (`crop`), scaled to
    `size` pixels wide when given. Dimensions are made even, as H.264 in yuv420p requires."""
    height, width = image_shape[:2]
    if size is not None and not 16 <= size <= MAX_OUTPUT_SIDE_PX:
        raise InputError(
            f"--size {size} is out of range — use a width between 16 and {MAX_OUTPUT_SIDE_PX} pixels"
        )
    if crop:
        fx0, fy0, fx1, fy1 = (float(v) for v in face_box)
        side = min(CROP_FACE_SCALE * max(fy1 - fy0, fx1 - fx0), width, height)
        cx, cy = (fx0 + fx1) / 2, (fy0 + fy1) / 2 - 0.05 * (fy1 - fy0)
        x0 = int(round(min(max(cx - side / 2, 0), width - side)))
        y0 = int(round(min(max(cy - side / 2, 0), height - side)))
        side_px = int(side)
        box = (x0, y0, x0 + side_px, y0 + side_px)
        out_w = size if size is not None else min(side_px, 512)
        return OutputPlan(box, _even(out_w), _even(out_w))
    if size is None:
        if max(width, height) > DEFAULT_MAX_SIDE_PX:
            scale = DEFAULT_MAX_SIDE_PX / max(width, height)
            return OutputPlan((0, 0, width, height), _even(width * scale), _even(height * scale))
        # Even dimensions: drop the last row or column of an odd-sized picture.
        return OutputPlan(
            (0, 0, width - width % 2, height - height % 2), width - width % 2, height - height % 2
        )
    return OutputPlan((0, 0, width, height), _even(size), _even(size * height / width))


def sharp_boxes(rig: Rig, pose: Pose, width: int, height: int) -> list[warp.Region]:
    """Where the warp map is computed at every pixel rather than interpolated: the face itself, where the
    mesh is dense, its layers meet (eyes, mouth) and a turned head compresses the cheek at the outline.
    Hair, neck and background have large triangles, where interpolating is exact enough."""
    ids = list(topo.face_oval())
    points = np.concatenate([pose.points_xy[ids], rig.points_xyz[ids, :2]])
    # The margin takes in the strip between chin and neck, which an open jaw stretches.
    margin = 2 * MAP_STEP_PX + 2 + 0.2 * rig.frame.mouth_px
    return [warp.bounding_region(points, width, height, margin_px=int(round(margin)))]


def _hold_picture_edges(
    map_x: np.ndarray, map_y: np.ndarray, region: warp.Region, width: int, height: int
) -> None:
    """Fade the warp out towards the picture's edge (in place): scanned borders, frame lines and the edge
    itself stay put instead of wobbling with hair that reaches it."""
    if region.x0 >= EDGE_HOLD_PX and region.y0 >= EDGE_HOLD_PX:
        if region.x1 <= width - EDGE_HOLD_PX and region.y1 <= height - EDGE_HOLD_PX:
            return
    xs = np.arange(region.x0, region.x1, dtype=np.float32)
    ys = np.arange(region.y0, region.y1, dtype=np.float32)
    ramp = float(EDGE_HOLD_PX - EDGE_FIXED_PX)
    fx = np.clip((np.minimum(xs, width - 1 - xs) - (EDGE_FIXED_PX - 1)) / ramp, 0.0, 1.0)
    fy = np.clip((np.minimum(ys, height - 1 - ys) - (EDGE_FIXED_PX - 1)) / ramp, 0.0, 1.0)
    # The fade is 1 (no change) but within EDGE_HOLD_PX of the picture's edge: only the rows and columns
    # there are touched, in up to four strips (top and bottom rows, then the left and right columns).
    held_x, held_y = np.nonzero(fx < 1)[0], np.nonzero(fy < 1)[0]
    top = held_y[held_y < len(ys) // 2]
    bottom = held_y[held_y >= len(ys) // 2]
    rows_top = slice(0, top[-1] + 1 if len(top) else 0)
    rows_bottom = slice(bottom[0] if len(bottom) else len(ys), len(ys))
    middle = slice(rows_top.stop, rows_bottom.start)
    left = held_x[held_x < len(xs) // 2]
    right = held_x[held_x >= len(xs) // 2]
    strips = [
        (rows_top, slice(0, len(xs))),
        (rows_bottom, slice(0, len(xs))),
        (middle, slice(0, left[-1] + 1 if len(left) else 0)),
        (middle, slice(right[0] if len(right) else len(xs), len(xs))),
    ]
    for rows, cols in strips:
        if rows.stop <= rows.start or cols.stop <= cols.start:
            continue
        fade = np.minimum(fy[rows, None], fx[None, cols])
        for grid, along in ((map_x[rows, cols], xs[None, cols]), (map_y[rows, cols], ys[rows, None])):
            grid -= along
            grid *= fade
            grid += along


def background_plate(image: np.ndarray, person: np.ndarray) -> np.ndarray:
    """The picture with the person taken out (uint8 RGB): the photo where the person layer is empty, and
    under the person the background around them carried inwards (OpenCV's Telea inpainting at
    BACKGROUND_FILL_PX), for the strips a turning head uncovers. Under the layer's soft edge too: the photo
    there holds the outline's own wisps, which would stay behind as ghosts when the head turns away.

    Never more background than the photo shows (premultiplied, (255 - person) / 255 * plate <= photo), so
    a pixel the warp leaves in place comes out exactly as it was."""
    solid = person > 0
    ys, xs = np.nonzero(solid)
    plate = image.copy()
    if len(ys) == 0:
        return plate
    height, width = person.shape
    # The fill only has to reach a little way in from the outline: a box around the person will do.
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    pad = max(8, (max(x1 - x0, y1 - y0)) // 16)
    x0, y0, x1, y1 = max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, width), min(y1 + pad, height)
    scale = min(1.0, BACKGROUND_FILL_PX / max(x1 - x0, y1 - y0))
    size = (max(2, int(round((x1 - x0) * scale))), max(2, int(round((y1 - y0) * scale))))
    small = cv2.resize(image[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
    hole = cv2.resize(solid[y0:y1, x0:x1].astype(np.uint8) * 255, size, interpolation=cv2.INTER_AREA) > 0
    if hole.all():
        return plate
    filled = cv2.inpaint(small, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    opaque = cv2.resize(person[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA) >= 128
    filled = _objects_carried_briefly(filled, small, hole, opaque, scale)
    # Inpainting carries every stray hair at the outline inwards as a streak: blurred, the fill reads as
    # out-of-focus background.
    filled = cv2.GaussianBlur(filled, (0, 0), BACKGROUND_FILL_BLUR_PX)
    filled = cv2.resize(filled, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    window = plate[y0:y1, x0:x1]
    under = solid[y0:y1, x0:x1]
    grain = BACKGROUND_GRAIN * (1 - person[y0:y1, x0:x1][under].astype(np.float32) / 255)
    fill = filled[under].astype(np.float32)
    own = np.clip(window[under] - fill, -grain[:, None], grain[:, None])
    clear = 255 - person[y0:y1, x0:x1][under].astype(np.float32)
    # Where the person covers the pixel fully nothing of the plate shows: no bound (photo * 255 / 1 there
    # zeroed the plate's channels the photo has at 0, e.g. the blue of dark yellow hair, which a turning
    # head then uncovered as yellow specks beside the hair).
    most = np.where((clear > 0)[:, None], window[under] * (255 / np.maximum(clear, 1))[:, None], 255.0)
    window[under] = np.minimum(np.round(fill + own), np.floor(most)).astype(np.uint8)
    return plate


def _objects_carried_briefly(
    filled: np.ndarray, image: np.ndarray, hole: np.ndarray, opaque: np.ndarray, scale: float
) -> np.ndarray:
    """`filled` (the inpainted `image`) with the background objects that meet the hole's outline carried in
    only BACKGROUND_OBJECT_TAPER_PX past the layer's middle (`opaque`), the ground beyond (see
    BACKGROUND_OBJECT_LEVELS); at `scale` of the full resolution."""
    objects = _objects_at_outline(image, hole, scale)
    if not objects.any():
        return filled
    # The ground: the local mean colour of the rest of the background, carried in from the nearest of it
    # (inpainted from the objects' own outline, a thin light branch beside them spread into their place as
    # a hard-edged wedge of its own).
    rest = ~hole & ~objects
    sigma = 2 * BACKGROUND_GROUND_PX * scale
    weight = _wide_blur(rest.astype(np.float32), sigma)
    source = rest & (weight > 0.05)
    if not source.any():
        return filled
    mean = _wide_blur(image * rest[..., None].astype(np.float32), sigma) / np.maximum(weight, 1e-3)[..., None]
    ground = _wide_blur(mean[_nearest(source)], sigma)
    # Where the fill came from the objects (their share, inpainted as the colours are), past the taper (from
    # the layer's middle: under its soft edge the photo shows mostly background, the object too).
    share = cv2.inpaint(objects.astype(np.uint8) * 255, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA) / 255
    depth = cv2.distanceTransform(opaque.astype(np.uint8), cv2.DIST_L2, 3)
    carried = np.exp(-depth / (BACKGROUND_OBJECT_TAPER_PX * scale))
    share = ((1 - carried) * share)[..., None]
    return np.round((1 - share) * filled + share * ground).clip(0, 255).astype(np.uint8)


def _wide_blur(values: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of float32 `values` with a wide `sigma`, computed at a fraction of the resolution."""
    step = max(1, int(sigma // 3))
    if step == 1:
        return cv2.GaussianBlur(values, (0, 0), sigma)
    height, width = values.shape[:2]
    small = cv2.resize(values, (max(1, width // step), max(1, height // step)), interpolation=cv2.INTER_AREA)
    return cv2.resize(
        cv2.GaussianBlur(small, (0, 0), sigma / step), (width, height), interpolation=cv2.INTER_LINEAR
    )


def _nearest(where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel, the (rows, columns) of the nearest pixel of `where` (bool, not empty)."""
    _, labels = cv2.distanceTransformWithLabels(
        (~where).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    rows, cols = np.nonzero(where)
    lut_rows = np.zeros(labels.max() + 1, np.intp)
    lut_cols = np.zeros(labels.max() + 1, np.intp)
    lut_rows[labels[rows, cols]], lut_cols[labels[rows, cols]] = rows, cols
    return lut_rows[labels], lut_cols[labels]


def _objects_at_outline(image: np.ndarray, hole: np.ndarray, scale: float) -> np.ndarray:
    """The background objects that meet the hole's outline (bool mask, see BACKGROUND_OBJECT_LEVELS), at
    `scale` of the full resolution."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    sigma = max(BACKGROUND_GROUND_PX * scale, 1.0)
    known = ~hole

    # The local mean of `gray` over `where`, and the weight it has there.
    def mean_of(where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weight = _wide_blur(where.astype(np.float32), sigma)
        return _wide_blur(gray * where, sigma) / np.maximum(weight, 1e-3), weight

    around, _ = mean_of(known)
    ground, weight = mean_of(known & (np.abs(gray - around) < BACKGROUND_OBJECT_LEVELS))
    around = np.where(weight > 0.05, ground, around)
    off = known & (np.abs(gray - around) >= BACKGROUND_OBJECT_LEVELS)
    side = max(3, int(round(BACKGROUND_OBJECT_PX * scale)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    wide = cv2.morphologyEx(off.astype(np.uint8), cv2.MORPH_OPEN, kernel)
    off &= cv2.dilate(wide, kernel) > 0  # with the corners the opening rounded off
    _, labels = cv2.connectedComponents(off.astype(np.uint8), connectivity=8)
    outline = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & known
    meeting = np.unique(labels[off & outline])
    # With its soft edge (an out-of-focus branch's grey halo, inpainted on, was a grey smear of its own).
    return cv2.dilate(np.isin(labels, meeting[meeting > 0]).astype(np.uint8), kernel) > 0


def _share(image: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """`image` (H, W, 3) uint8 scaled by `weight` (H, W) uint8 / 255, rounded."""
    return cv2.multiply(image, cv2.merge((weight, weight, weight)), scale=1 / 255)


@dataclass(frozen=True)
class RenderAssets:
    """What the renderer derives from the photo and its rig once (the slow part of starting a renderer):
    background: (H, W, 3) uint8 plate behind the person, None without a person layer; colours, lid_colours:
    the mouth interior's and the closing lids' colours. Saved inside a prepared avatar."""

    background: np.ndarray | None
    colours: mouth.MouthColours
    lid_colours: eyelids.LidColours


def render_assets(image: np.ndarray, rig: Rig) -> RenderAssets:
    """The background plate and the mouth and lid colours for a photo and its rig."""
    landmarks_xy = rig.points_xyz[:N_LANDMARKS, :2]
    return RenderAssets(
        background=None if rig.person is None else background_plate(image, rig.person),
        colours=mouth.sample_colours(image, landmarks_xy),
        lid_colours=eyelids.sample_colours(image, landmarks_xy),
    )


class FrameRenderer:
    """Renders single frames of one portrait; reuses what does not change between frames.

    assets: precomputed by render_assets (a prepared avatar holds them); computed here when not given.
    doubled: another renderer's `doubled` for the same picture, rig and assets (render workers get this
    process's with their scene), instead of making it again."""

    def __init__(
        self,
        image: np.ndarray,
        rig: Rig,
        plan: OutputPlan,
        assets: RenderAssets | None = None,
        doubled: np.ndarray | None = None,
    ) -> None:
        self.image = image
        self.rig = rig
        self.plan = plan
        self.src_xy = rig.points_xyz[:, :2].copy()
        self.layers = [np.concatenate([rig.mouth_triangles, rig.eye_triangles]), rig.skin_triangles]
        self.triangles = np.concatenate(self.layers)
        if assets is None:
            assets = render_assets(image, rig)
        self.colours = assets.colours
        self.lid_colours = assets.lid_colours
        inner = list(topo.LIP_UPPER_INNER) + list(topo.LIP_LOWER_INNER[-2:0:-1])
        self.inner_ids = np.array(inner)
        self.background = self.source = None
        if rig.person is not None and assets.background is not None:
            # The photo as a person layer in front of a background plate, with premultiplied colours: the
            # person's share of each pixel (`source`) is warped and the plate shows through the rest, so a
            # pixel the warp does not move comes out exactly as it was.
            self.background = assets.background
            source = cv2.subtract(image, _share(self.background, 255 - rig.person))
            # The person's share as a fourth channel: one bicubic remap moves colour and coverage together
            # (and costs less than two).
            self.source = np.ascontiguousarray(np.dstack([source, rig.person]))
        # The source doubled (warp.doubled_source), which warp.remap samples: sharper in the face, cheaper
        # outside it. Made here, at start-up, not in the first frame (~60-80 ms of CPU at 512 px on the
        # 2-core machine), unless given.
        source = self.image if self.source is None else self.source
        shape = (2 * source.shape[0] - 1, 2 * source.shape[1] - 1, *source.shape[2:])
        if doubled is None or doubled.shape != shape or doubled.dtype != source.dtype:
            doubled = warp.doubled_source(source)
        self.doubled = doubled

    def render_pose(self, pose: Pose) -> np.ndarray:
        """The full source-resolution picture for one posed rig (uint8 RGB)."""
        height, width = self.image.shape[:2]
        moved = np.linalg.norm(pose.points_xy - self.src_xy, axis=1) > 0.02
        if not moved.any():
            return self.image.copy()
        # The vertices of every triangle with a moved corner, where they are and where they were.
        touching = moved[self.triangles]
        touching = self.triangles[touching[:, 0] | touching[:, 1] | touching[:, 2]]
        involved = np.zeros(len(moved), bool)
        involved[touching.ravel()] = True
        region = warp.bounding_region(
            np.concatenate([pose.points_xy[involved], self.src_xy[involved]]), width, height
        )
        if region.width <= 0 or region.height <= 0:
            return self.image.copy()
        boxes = sharp_boxes(self.rig, pose, width, height)
        warped = warp.backward_warp(
            self.src_xy,
            pose.points_xy,
            self.layers,
            region,
            step=MAP_STEP_PX,
            sharp_boxes=boxes,
            edges=self._lids_slide(pose),
        )
        map_x, map_y = warped.map_x, warped.map_y
        _hold_picture_edges(map_x, map_y, region, width, height)
        # The face (the sharp box) is sampled bicubically from the doubled source; hair, neck and background,
        # which move by fractions of a pixel, bilinearly from it at a fifth of the cost (warp.remap).
        face = boxes[0]
        fine = warp.Region(
            max(face.x0, region.x0) - region.x0,
            max(face.y0, region.y0) - region.y0,
            min(face.x1, region.x1) - region.x0,
            min(face.y1, region.y1) - region.y0,
        )
        source = self.image if self.source is None else self.source
        # The lid edges over the eyeballs mix both layers (anti-aliased); all of it is person (opaque).
        warped_px = warp.remap(source, map_x, map_y, warped.edge, doubled=self.doubled, fine=fine)
        if self.source is None:
            patch, alpha = warped_px, None
        else:
            # cv2 splits the channels off several times faster than numpy copies a strided view.
            patch, alpha = cv2.cvtColor(warped_px, cv2.COLOR_RGBA2RGB), cv2.extractChannel(warped_px, 3)
        # (and on a photo with an open mouth however shut: closed, its lips' seam is drawn; issue 14)
        if pose.mouth_open_px > 0.3 or self.rig.photo_gap_px >= PHOTO_MOUTH_MIN_GAP * self.rig.frame.mouth_px:
            mouth.draw_mouth(
                patch,
                (region.x0, region.y0),
                pose.points_xy[self.inner_ids],
                pose.upper_teeth_xy,
                pose.lower_teeth_xy,
                self.rig.frame.ex,
                self.rig.frame.ey,
                self.rig.frame.mouth_px,
                self.colours,
                photo=self._photo_mouth(pose),
            )
        eyelids.draw_uncovered(patch, (region.x0, region.y0), pose, self.lid_colours)
        if pose.blink.max() >= eyelids.MIN_BLINK:
            eyelids.draw_lids(
                patch,
                (region.x0, region.y0),
                pose.upper_lids_xy,
                pose.upper_lids_open_xy,
                pose.blink,
                self.lid_colours,
            )
        if alpha is not None:
            self._keep_background(patch, alpha, region)
        if (region.width, region.height) == (width, height):
            return patch  # the whole picture moved: the patch is the frame
        # The photo around the patch, the patch inside: each pixel written once.
        frame = np.empty_like(self.image)
        frame[: region.y0] = self.image[: region.y0]
        frame[region.y1 :] = self.image[region.y1 :]
        rows = slice(region.y0, region.y1)
        frame[rows, : region.x0] = self.image[rows, : region.x0]
        frame[rows, region.x1 :] = self.image[rows, region.x1 :]
        frame[region.slices] = patch
        return frame

    def _keep_background(self, patch: np.ndarray, alpha: np.ndarray, region: warp.Region) -> None:
        """Lay the warped person (premultiplied, its coverage `alpha`) over the still background (in place):
        the mesh around the head stretches and squeezes whatever lies there, but only the person's own
        pixels should move."""
        assert self.background is not None
        cv2.add(patch, _share(self.background[region.slices], 255 - alpha), dst=patch)

    def _lids_slide(self, pose: Pose) -> bool:
        """Whether the lid edges move over the eyeballs (a blink, a squint, gaze), which makes the layer
        boundary a visible edge worth anti-aliasing; when lids and eyeballs move as one, both layers map
        the same pixels there."""
        ball, lid = self.rig.eyeball_contour[:, 0], self.rig.eyeball_contour[:, 1]
        moved = pose.points_xy - self.src_xy
        return bool(np.abs(moved[lid] - moved[ball]).max(initial=0.0) > LID_SLIDE_PX)

    def _photo_mouth(self, pose: Pose) -> mouth.PhotoMouth | None:
        """The photo's own open mouth, when it has one wide enough to show its teeth."""
        if self.rig.photo_gap_px < PHOTO_MOUTH_MIN_GAP * self.rig.frame.mouth_px:
            return None
        return mouth.PhotoMouth(self.image, self.src_xy[self.rig.photo_mouth], pose.photo_mouth_xy)

    def output(self, picture: np.ndarray) -> np.ndarray:
        """Crop and scale a full picture to the output frame."""
        x0, y0, x1, y1 = self.plan.box
        view = picture[y0:y1, x0:x1]
        if view.shape[1] == self.plan.width and view.shape[0] == self.plan.height:
            return np.ascontiguousarray(view)
        shrinking = self.plan.width < view.shape[1]
        return cv2.resize(
            view,
            (self.plan.width, self.plan.height),
            interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC,
        )

    def render(self, params: Mapping[str, float]) -> np.ndarray:
        """One output frame for one set of track values."""
        picture = self.render_pose(self.rig.pose(params))
        if self.plan.box == (0, 0, picture.shape[1], picture.shape[0]) and picture.shape[:2] == (
            self.plan.height,
            self.plan.width,
        ):
            return picture  # the whole picture at its own size, made for this frame: no copy needed
        return self.output(picture)
