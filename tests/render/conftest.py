"""Shared inputs for the render tests: a renderer for the whole picture of scikit-image's astronaut (her
photo, landmarks and rig are the session fixtures of tests/conftest.py), made once per session."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face.landmarks import Portrait, load_portrait
from dirfa.face.rig import Rig, build_rig
from dirfa.render.compose import FrameRenderer, plan_output


@pytest.fixture(scope="session")
def renderer(portrait: Portrait, rig: Rig) -> FrameRenderer:
    """Renders the whole 512 x 512 picture at source resolution."""
    return FrameRenderer(portrait.image, rig, plan_output(portrait.image.shape, portrait.face_box))


@pytest.fixture(scope="session")
def rest_frame(renderer: FrameRenderer) -> np.ndarray:
    """The picture rendered with every track at rest."""
    return renderer.render({})


@pytest.fixture(scope="session")
def close_up(astronaut: np.ndarray) -> tuple[np.ndarray, Portrait, Rig]:
    """The astronaut's face 4x (eyes ~74 px wide), her portrait and rig (the eyelid tests' close-up)."""
    image = cv2.resize(astronaut[20:230, 130:320], None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    portrait = load_portrait(image)
    return image, portrait, build_rig(portrait)
