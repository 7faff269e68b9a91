"""The tongue's colour on a face with painted lips (issue 14): a muted pink-red from the face's own light, not the
lipstick's. Painted faces (art_5, art_17) had a lipstick-red tongue at jawOpen 1, its colour taken from the lips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_mouth import _scaled_draw

from dirfa.face import topology as topo
from dirfa.render import mouth

# Lipsticks: a deep red, a dark red, a fuchsia, a plum and an orange-red.
LIPSTICKS = [(190, 20, 40), (150, 10, 30), (200, 40, 120), (120, 20, 60), (220, 80, 30)]
MARGIN = 0.1  # of Lab chroma over lightness: about a tenth of a lipstick's 1.4-2.0 on her lips


def _saturation(rgb: np.ndarray) -> np.ndarray:
    """Lab chroma over lightness, per colour (the same under a brighter or dimmer light)."""
    lab = cv2.cvtColor(np.asarray(rgb, np.float32).reshape(-1, 1, 3) / 255.0, cv2.COLOR_RGB2Lab)[:, 0]
    return np.hypot(lab[:, 1], lab[:, 2]) / np.maximum(lab[:, 0], 1.0)


def _lips(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    outer = np.concatenate([xy[list(topo.LIP_UPPER_OUTER)], xy[list(topo.LIP_LOWER_OUTER[::-1])]])
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(outer).astype(np.int32)], 1)
    return mask > 0


def _painted(image: np.ndarray, xy: np.ndarray, lipstick: tuple[int, int, int]) -> np.ndarray:
    """`image` with its lips painted `lipstick`, keeping their shading (each pixel's level over the lips')."""
    lips = _lips(image, xy)
    level = image.astype(np.float64).mean(axis=2)
    shading = level[lips] / np.median(level[lips])
    out = image.copy()
    out[lips] = np.clip(np.array(lipstick)[None] * shading[:, None], 0, 255).astype(np.uint8)
    return out


def _skin_around(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The median skin colour in a ring 0.7-1 mouth widths from the lips' centre."""
    lips = _lips(image, xy)
    centre = xy[list(topo.LIP_UPPER_OUTER) + list(topo.LIP_LOWER_OUTER)].mean(axis=0)
    width = float(np.linalg.norm(xy[topo.LIP_UPPER_OUTER[0]] - xy[topo.LIP_UPPER_OUTER[-1]]))
    ys, xs = np.indices(image.shape[:2])
    r = np.hypot(xs - centre[0], ys - centre[1]) / width
    return np.median(image[(r > 0.7) & (r < 1.0) & ~lips], axis=0)


def _skin_saturation(image: np.ndarray, xy: np.ndarray) -> float:
    """Saturation of the median skin in a ring 0.7-1 mouth widths from the lips' centre."""
    return float(_saturation(_skin_around(image, xy))[0])


@pytest.fixture(scope="module")
def closed_rig(rig):
    return rig.closed_at_rest()


@pytest.mark.parametrize("lipstick", LIPSTICKS)
def test_painted_lips_do_not_make_a_lipstick_red_tongue(astronaut, portrait, closed_rig, lipstick):
    """The astronaut's lips painted (1.4-2.0 Lab chroma over lightness, against her bare lips' 0.30 and her
    skin's 0.28): her tongue's saturation stays within MARGIN of what her bare lips give it, measured from her
    skin's, as a colour and as drawn at jawOpen 1 (the median over the mouth's middle, between the teeth). It
    followed the paint: 1.36-1.66 against 0.87 (drawn 1.38-1.68); now 0.84-0.88 (drawn 0.85-0.89)."""
    xy = portrait.landmarks_xyz[:, :2]
    painted = _painted(astronaut, xy, lipstick)
    skin = _skin_saturation(astronaut, xy)
    assert _skin_saturation(painted, xy) == pytest.approx(skin)  # only the lips were painted
    lips = float(_saturation(np.median(painted[_lips(painted, xy)], axis=0))[0])
    assert lips - skin > 1.0, lips  # the paint is there: far more saturated than her skin

    drawn = {}
    for name, image in (("bare", astronaut), ("painted", painted)):
        colours = mouth.sample_colours(image, xy)
        canvas, g = _scaled_draw(image, closed_rig, colours, {"jawOpen": 1.0})
        w = g["w"]
        middle = g["inside"] & (g["au"] < 0.12) & (g["dv_lower"] < -0.02 * w) & (g["dv_upper"] > 0.02 * w)
        assert middle.sum() >= 100, int(middle.sum())  # the geometry changed: a wide opening is this large
        drawn[name] = (
            float(_saturation(colours.tongue)[0]) - skin,
            float(np.median(_saturation(canvas[middle]))) - skin,
        )
    bare, paint = drawn["bare"], drawn["painted"]
    assert paint[0] <= bare[0] + MARGIN, (paint, bare)
    assert paint[1] <= bare[1] + MARGIN, (paint, bare)


def test_a_painted_mouths_tongue_stays_lit(astronaut, portrait):
    """Taking the paint's saturation out does not make the tongue a dark hole: painted deep red, her tongue keeps
    at least 0.8 of the luminance her bare lips give it (0.80 before, 0.86 now)."""
    xy = portrait.landmarks_xyz[:, :2]
    weights = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601
    bare = float(mouth.sample_colours(astronaut, xy).tongue @ weights)
    painted = float(mouth.sample_colours(_painted(astronaut, xy, LIPSTICKS[0]), xy).tongue @ weights)
    assert painted >= 0.8 * bare, (painted, bare)


def _lightness(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.asarray(rgb, np.float32).reshape(-1, 1, 3) / 255.0, cv2.COLOR_RGB2Lab)[:, 0, 0]


def _skin_lightness(image: np.ndarray, xy: np.ndarray) -> float:
    """Lab L* of the median skin in a ring 0.7-1 mouth widths from the lips' centre."""
    return float(_lightness(_skin_around(image, xy))[0])


# The astronaut as she is, in a dim warm light (a dark, warm painting such as art_17), darker still, and in an orange
# varnish with a deep red lipstick (as art_13 and art_17 together).
LIGHTS = [((1.0, 1.0, 1.0), None), ((0.8, 0.55, 0.45), None), ((0.6, 0.45, 0.4), None), ((1.0, 0.7, 0.4), 1)]


@pytest.mark.parametrize("light, lipstick", LIGHTS)
def test_a_wide_open_mouths_tongue_is_a_lit_pink(astronaut, portrait, closed_rig, light, lipstick):
    """At jawOpen 1 the tongue between the teeth (median over the mouth's middle, as drawn) is 0.55-0.8 of the
    skin's Lab lightness around the mouth (lit like the lips' mucosa: not a hole, not a glow) and at most 1.0
    saturated (Lab chroma over L*): a pink, not a maroon. In the warm lights it was a maroon 1.33-1.43 saturated,
    and 0.49 of the skin's lightness under the lipstick; now 0.85-0.90 and 0.62-0.66 (0.62, 0.85 as she is)."""
    xy = portrait.landmarks_xyz[:, :2]
    image = np.clip(astronaut.astype(np.float32) * np.array(light), 0, 255).astype(np.uint8)
    if lipstick is not None:
        image = _painted(image, xy, LIPSTICKS[lipstick])
    colours = mouth.sample_colours(image, xy)
    canvas, g = _scaled_draw(image, closed_rig, colours, {"jawOpen": 1.0})
    w = g["w"]
    middle = g["inside"] & (g["au"] < 0.12) & (g["dv_lower"] < -0.02 * w) & (g["dv_upper"] > 0.02 * w)
    assert middle.sum() >= 100, int(middle.sum())
    drawn = np.median(canvas[middle], axis=0)
    ratio = float(_lightness(drawn)[0]) / _skin_lightness(image, xy)
    assert 0.55 <= ratio <= 0.8, ratio
    assert float(_saturation(drawn)[0]) <= 1.0, _saturation(drawn)
