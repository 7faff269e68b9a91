"""Shared inputs for the render tests: scikit-image's astronaut (a 93 px wide face in a 512 px photo), her
landmarks and rig, and a renderer for the whole picture, made once per session."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from dirfa.face.landmarks import Portrait, load_portrait
from dirfa.face.rig import Rig, build_rig
from dirfa.render.compose import FrameRenderer, plan_output


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """(512, 512, 3) uint8 RGB photo of one face, ~93 px wide, lips slightly parted (teeth show)."""
    return data.astronaut()


@pytest.fixture(scope="session")
def portrait(astronaut: np.ndarray) -> Portrait:
    return load_portrait(astronaut)


@pytest.fixture(scope="session")
def rig(portrait: Portrait) -> Rig:
    return build_rig(portrait)


@pytest.fixture(scope="session")
def renderer(portrait: Portrait, rig: Rig) -> FrameRenderer:
    """Renders the whole 512 x 512 picture at source resolution."""
    return FrameRenderer(portrait.image, rig, plan_output(portrait.image.shape, portrait.face_box))


@pytest.fixture(scope="session")
def rest_frame(renderer: FrameRenderer) -> np.ndarray:
    """The picture rendered with every track at rest."""
    return renderer.render({})
