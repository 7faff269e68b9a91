"""Shared inputs for the face tests: pictures users bring — grayscale, upscaled, small in a big canvas,
odd-sized, mirrored, two faces — made from scikit-image's astronaut (fixtures of tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from dirfa.face.landmarks import Portrait, load_portrait
from dirfa.face.rig import Rig


@dataclass(frozen=True)
class Variant:
    """A picture made from the astronaut, and where its face box (x0, y0, x1, y1) must be found."""

    image: np.ndarray
    face_box: np.ndarray


@pytest.fixture(scope="session")
def variants(astronaut: np.ndarray, portrait: Portrait) -> dict[str, Variant]:
    """Name -> Variant, each with the face box expected from the astronaut's own (by geometry, not detection)."""
    box = portrait.face_box.astype(np.float64)
    height, width = astronaut.shape[:2]
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    canvas = np.full((1200, 1600, 3), 96, np.uint8)  # the face is ~6 % of the picture's width
    canvas[600:1112, 1000:1512] = astronaut
    return {
        "grayscale": Variant(np.repeat(gray[:, :, None], 3, axis=2), box),
        "upscaled_2x": Variant(
            cv2.resize(astronaut, (2 * width, 2 * height), interpolation=cv2.INTER_CUBIC), box * 2
        ),
        "small_in_1600x1200": Variant(canvas, box + [1000, 600, 1000, 600]),
        "odd_511x509": Variant(np.ascontiguousarray(astronaut[:509, :511]), box),
        "mirrored": Variant(
            np.ascontiguousarray(astronaut[:, ::-1]),
            np.array([width - box[2], box[1], width - box[0], box[3]]),
        ),
    }


@pytest.fixture(scope="session")
def two_faces(astronaut: np.ndarray) -> tuple[np.ndarray, float]:
    """A canvas with a 0.8x copy of the astronaut on the left and the full-size one on the right.

    Returns (image, x where the right-hand copy starts): the larger face is the one on the right, so
    largest-first order differs from left-to-right order."""
    small = cv2.resize(astronaut, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)
    gap = 20
    canvas = np.full((600, small.shape[1] + gap + astronaut.shape[1], 3), 128, np.uint8)
    canvas[40 : 40 + small.shape[0], : small.shape[1]] = small
    canvas[: astronaut.shape[0], small.shape[1] + gap :] = astronaut
    return canvas, float(small.shape[1] + gap)


@pytest.fixture(scope="session")
def closed_mouth_portrait(portrait: Portrait, rig: Rig) -> Portrait:
    """The astronaut with her lips closed, as dirfa renders her at rest, re-detected: a closed-mouth photo.

    scikit-image ships no closed-mouth face; this one is the astronaut's own skin and features."""
    from dirfa.render.compose import FrameRenderer, plan_output

    # Her own parted mouth is the rest pose now: shut it as `--close-mouth` does.
    closed = rig.closed_at_rest()
    renderer = FrameRenderer(portrait.image, closed, plan_output(portrait.image.shape, portrait.face_box))
    return load_portrait(renderer.render_pose(closed.pose({})))
