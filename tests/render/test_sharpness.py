"""A moving head keeps the photo's finest detail (issue 14): sampling at sub-pixel offsets must not blur the
face, nor ring at hard edges."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face.landmarks import Portrait
from dirfa.face.rig import Rig
from dirfa.render import warp
from dirfa.render.compose import FrameRenderer

# Share of the photo's Laplacian energy (the finest scale: eyelashes, pores, hair strands) the face box keeps
# when the head moves. Measured on the astronaut (2026-12-02): bicubic sampling of the photo kept 71-74 % on
# the two small turns below, sampling the Lanczos-doubled source bicubically 82-86 % (benchmarks/sharpness.py).
MIN_MOVING_DETAIL = 0.78


def _detail(picture: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian of the grey picture inside box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    grey = cv2.cvtColor(np.ascontiguousarray(picture[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


@pytest.mark.parametrize(
    "params",
    [{"headYaw": 1.0, "headPitch": 0.5}, {"headYaw": 3.0, "headPitch": 2.0}],
    ids=["small", "medium"],
)
def test_moving_head_keeps_the_photos_fine_detail(
    renderer: FrameRenderer, portrait: Portrait, rig: Rig, params
):
    box = tuple(int(v) for v in portrait.face_box)
    moved = renderer.render_pose(rig.pose(params))
    assert not np.array_equal(
        moved[box[1] : box[3], box[0] : box[2]], portrait.image[box[1] : box[3], box[0] : box[2]]
    )
    kept = _detail(moved, box) / _detail(portrait.image, box)
    assert kept >= MIN_MOVING_DETAIL, f"the moved face keeps {kept:.0%} of the photo's fine detail"


def _half_pixel_shift(image: np.ndarray, doubled: np.ndarray | None) -> np.ndarray:
    """`image` sampled half a pixel right and down of each pixel, through warp.remap."""
    h, w = image.shape[:2]
    ys, xs = np.mgrid[0 : h - 1, 0 : w - 1].astype(np.float32)
    whole = warp.Region(0, 0, w - 1, h - 1)
    return warp.remap(image, xs + 0.5, ys + 0.5, doubled=doubled, fine=whole if doubled is not None else None)


def _overshoot(image: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    """How far each half-pixel sample lies outside the range of the four pixels around it (levels)."""
    quad = np.stack([image[:-1, :-1], image[:-1, 1:], image[1:, :-1], image[1:, 1:]]).astype(np.int16)
    s = shifted.astype(np.int16)
    return np.maximum(s - quad.max(axis=0), 0) + np.maximum(quad.min(axis=0) - s, 0)


def test_half_pixel_samples_are_sharper_than_bicubic_and_ring_less(astronaut: np.ndarray):
    """The worst sub-pixel offset, over the whole picture (the suit's and the flag's hard edges too)."""
    bicubic = _half_pixel_shift(astronaut, None)
    doubled = _half_pixel_shift(astronaut, warp.doubled_source(astronaut))
    whole = (0, 0, astronaut.shape[1] - 1, astronaut.shape[0] - 1)
    photo = _detail(astronaut, whole)
    assert _detail(doubled, whole) / photo > _detail(bicubic, whole) / photo + 0.05
    ring_bicubic, ring_doubled = _overshoot(astronaut, bicubic), _overshoot(astronaut, doubled)
    # Measured: mean 0.068 against 0.082 levels, 99.9th percentile 7 against 9; the single worst pixel is
    # within a level of bicubic's (25 against 24), so it is not compared.
    assert ring_doubled.mean() <= ring_bicubic.mean()
    assert np.percentile(ring_doubled, 99.9) <= np.percentile(ring_bicubic, 99.9)


def test_doubled_source_holds_the_photo_at_whole_pixels(astronaut: np.ndarray):
    doubled = warp.doubled_source(astronaut)
    assert doubled.shape == (2 * astronaut.shape[0] - 1, 2 * astronaut.shape[1] - 1, 3)
    assert np.array_equal(doubled[::2, ::2], astronaut)
    # A pixel that does not move comes out as it was, through either sampling.
    h, w = astronaut.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    same = warp.remap(astronaut, xs, ys, doubled=doubled, fine=warp.Region(100, 100, 300, 300))
    assert np.array_equal(same, astronaut)
