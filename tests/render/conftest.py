"""Shared inputs for the render tests: a renderer for the whole picture of scikit-image's astronaut (her
photo, landmarks and rig are the session fixtures of tests/conftest.py), made once per session; and the geometry
of an eye's upper lid that the eyelid tests measure in and draw on."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face import topology as topo
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


def _lid_axes(lid: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """A lid edge's (9, 2) width, the unit vector from its first corner to its last, and the unit vector up the
    face."""
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    along = (lid[-1] - lid[0]) / eye_w
    up = np.array([along[1], -along[0]])
    return eye_w, along, up if up[1] < 0 else -up


def _lid_edge(rig: Rig, ids) -> tuple[np.ndarray, float, np.ndarray]:
    lid = rig.points_xyz[list(ids), :2].astype(np.float64)
    eye_w, _, up = _lid_axes(lid)
    return lid, eye_w, up


def _lid_coordinates(
    lid: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    lid = lid.astype(np.float64)
    eye_w, along, up = _lid_axes(lid)
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    rel = np.stack([xs - lid[0, 0], ys - lid[0, 1]], axis=-1)
    s, h = rel @ along / eye_w, rel @ up
    edge_h = np.interp(s, (lid - lid[0]) @ along / eye_w, (lid - lid[0]) @ up)
    return s, h - edge_h, up, eye_w


@pytest.fixture(scope="session")
def lid_edge():
    """edge(rig, ids) -> (lid, eye_w, up): the rig's open upper lid edge `ids` (9, 2) in float64, its width (px)
    and the unit vector up the face."""
    return _lid_edge


@pytest.fixture(scope="session")
def lid_coordinates():
    """coordinates(lid, shape) -> (s, height, up, eye_w): per pixel of an image of `shape`, s along the lid edge
    `lid` (9, 2) (0..1 corner to corner) and the height above it (px); the unit vector up the face; the eye width
    (px)."""
    return _lid_coordinates


def _draw_lash(image: np.ndarray, root: np.ndarray, tip: np.ndarray, colour: tuple[int, int, int]) -> None:
    cv2.line(
        image,
        tuple(np.round(root * 16).astype(int)),
        tuple(np.round(tip * 16).astype(int)),
        colour,
        1,
        cv2.LINE_AA,
        4,
    )


@pytest.fixture(scope="session")
def draw_lash():
    """draw(image, root, tip, colour): a lash a pixel wide from `root` to `tip` (x, y, to 1/16 px), anti-aliased,
    into `image`."""
    return _draw_lash


def _on_edge(lid: np.ndarray, t: float) -> np.ndarray:
    """The point of the lid edge at share t of the way from its first corner to its last (along x)."""
    point = lid[0] + t * (lid[-1] - lid[0])
    order = np.argsort(lid[:, 0])
    point[1] = np.interp(point[0], lid[order, 0], lid[order, 1])
    return point


@pytest.fixture(scope="session")
def on_edge():
    """on_edge(lid, t): see _on_edge."""
    return _on_edge


@pytest.fixture(scope="session")
def lone_lashes():
    """lone_lashes(image, rig, *, count, span, length, sway) -> a copy of `image` with `count` lone dark lashes
    standing on each upper lid, their roots evenly over `span` (shares of the lid, corner to corner), each
    `length` (low, high: eye widths, drawn) long, its tip swayed sideways by up to `sway` eye widths."""

    def draw(image: np.ndarray, rig: Rig, *, count: int, span, length, sway: float) -> np.ndarray:
        out = image.copy()
        rng = np.random.default_rng(7)
        for ids in (topo.EYE_RIGHT_UPPER, topo.EYE_LEFT_UPPER):
            lid, eye_w, up = _lid_edge(rig, ids)
            for t in np.linspace(span[0], span[1], count):
                root = _on_edge(lid, t)
                tip = (
                    root
                    + up * rng.uniform(*length) * eye_w
                    + np.array([rng.uniform(-sway, sway) * eye_w, 0.0])
                )
                _draw_lash(out, root, tip, (45, 36, 38))
        return out

    return draw
