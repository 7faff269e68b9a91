"""The teeth belong to the picture (issue 14, review of art_13): drawn as soft as the photo is around the mouth,
as warm as its light, and in the shade of a moustache over them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_mouth import INNER_LOOP, OUTER_LOOP, _draw, _fill, _luminance

from dirfa.render import mouth


@pytest.fixture(scope="module")
def rig(rig):
    """The astronaut's rig with her smile closed at rest: the mouth opens from closed lips, all synthesised."""
    return rig.closed_at_rest()


@pytest.mark.parametrize("blur", [2.0, 3.0])
def test_a_soft_photos_teeth_edges_are_no_sharper_than_the_photo(close_up, blur):
    """Review (art_13, a soft painting): its teeth were a bar with razor edges in a soft moustache, a sticker.
    The astronaut's face scaled up 4x and blurred (Gaussian sigma 2 and 3 px: no edge in it is sharper than
    that), her jaw open: down the middle of her upper central incisors, their incisal edge against the mouth
    behind them is at least 0.8 as wide (its contrast over its steepest slope) as a step blurred so."""
    image, portrait, rig = close_up
    rig = rig.closed_at_rest()
    xy = portrait.landmarks_xyz[:, :2]
    soft = cv2.GaussianBlur(image, (0, 0), blur)
    colours = mouth.sample_colours(soft, xy)
    pose = rig.pose({"jawOpen": 0.7})
    canvas = soft.copy()
    _draw(canvas, pose, rig, colours)
    # (the column a quarter of a central incisor from the midline: clear of the separation between them)
    x = int(round(float(np.mean(pose.upper_teeth_xy[:, 0])) + 0.04 * rig.frame.mouth_px))
    lip = pose.points_xy[INNER_LOOP[:11]]
    y_lip = float(np.interp(x, *zip(*sorted(zip(lip[:, 0], lip[:, 1])), strict=True)))
    crown = float(mouth.UPPER_CROWN[0]) * rig.frame.mouth_px
    column = _luminance(canvas[:, x - 2 : x + 3].astype(np.float64).mean(axis=1))
    top, bottom = int(y_lip), int(y_lip + 2.0 * crown)
    profile = column[top:bottom]
    lit = int(np.argmax(profile))
    dark = lit + int(np.argmin(profile[lit:]))
    contrast = profile[lit] - profile[dark]
    slope = -np.gradient(profile)[lit : dark + 1].min()
    assert contrast > 40.0, (contrast, profile.round())
    width = contrast / slope
    assert width >= 0.8 * np.sqrt(2.0 * np.pi) * blur, (width, profile.round())


def _warmth(rgb: np.ndarray) -> float:
    """(R - B) over the channels' mean."""
    rgb = np.asarray(rgb, np.float64)
    return float((rgb[0] - rgb[2]) / max(rgb.mean(), 1.0))


def _lit_skin(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Mean RGB of the lit part (the 78th-92nd percentile by level) of the skin within a mouth width of it."""
    shape = image.shape[:2]
    centre = xy[OUTER_LOOP].mean(axis=0)
    width = float(np.linalg.norm(xy[61] - xy[291]))
    ys, xs = np.indices(shape)
    near = (np.hypot((xs - centre[0]) / width, (ys - centre[1]) / (0.75 * width)) < 1) & ~_fill(
        shape, xy[OUTER_LOOP]
    )
    pixels = image[near].astype(np.float64)
    level = pixels.mean(axis=1)
    lo, hi = np.percentile(level, [78, 92])
    return pixels[(level >= lo) & (level <= hi)].mean(axis=0)


def test_teeth_keep_the_same_share_of_a_warm_paintings_light(astronaut, portrait):
    """Review (art_13, a painting in warm orange light, its skin's (R - B) / level 1.24): its teeth kept 0.39 of
    the skin's warmth where every other shared portrait's keep 0.45-0.5, a cool grey bar in an orange face. The
    astronaut under an amber varnish (blue, then green, scaled down; her lit skin's warmth 0.43, 1.08 and 1.5):
    however strong it is, her teeth keep at least 0.9 of the share of her lit skin's warmth they keep under the
    lightest of them."""
    xy = portrait.landmarks_xyz[:, :2]
    shares = []
    for strength in (0.15, 0.6, 0.8):
        varnished = astronaut.astype(np.float32) * np.array([1.0, 1.0 - 0.5 * strength, 1.0 - strength])
        varnished = np.clip(varnished + 0.5, 0, 255).astype(np.uint8)
        teeth = mouth.sample_colours(varnished, xy).teeth
        shares.append(_warmth(teeth) / _warmth(_lit_skin(varnished, xy)))
    assert min(shares[1:]) >= 0.9 * shares[0], shares


def test_a_moustache_shades_the_top_of_the_teeth(close_up):
    """Review (art_13): under a heavy moustache its teeth were lit right up to the hair's edge, a strip stuck
    under it. The astronaut's face (4x) with the skin over her upper lip darkened to 0.4 (a dark moustache), jaw
    open: the top quarter of her upper central teeth (under the lip) is darker against their most lit part than
    without it, by at least a tenth of that ratio."""
    astronaut, portrait, rig = close_up
    rig = rig.closed_at_rest()
    xy = portrait.landmarks_xyz[:, :2]
    shape = astronaut.shape[:2]
    width = float(np.linalg.norm(xy[61] - xy[291]))
    top = xy[0]  # the upper lip's top at the midline
    ys, xs = np.indices(shape)
    above = np.hypot((xs - top[0]) / (0.45 * width), (ys - (top[1] - 0.15 * width)) / (0.17 * width)) < 1
    above &= ~_fill(shape, xy[OUTER_LOOP])
    shaved = astronaut
    dark = astronaut.copy()
    dark[above] = (dark[above] * 0.4).astype(np.uint8)
    pose = rig.pose({"jawOpen": 0.7})
    teeth_top = pose.upper_teeth_xy
    lip = pose.points_xy[INNER_LOOP[:11]]
    ratios = []
    for image in (shaved, dark):
        colours = mouth.sample_colours(image, xy)
        canvas = image.copy()
        _draw(canvas, pose, rig, colours)
        # The central incisors' column: from the upper inner lip down their visible crown.
        x = int(round(float(np.mean(teeth_top[:, 0]))))
        y_lip = float(np.interp(x, *zip(*sorted(zip(lip[:, 0], lip[:, 1])))))
        crown = float(mouth.UPPER_CROWN[0]) * rig.frame.mouth_px
        column = _luminance(canvas[:, x - 2 : x + 3].astype(np.float64).mean(axis=1))
        rows = np.arange(len(column))
        upper = column[(rows >= y_lip + 1) & (rows < y_lip + 0.25 * crown)].mean()
        lit = column[(rows >= y_lip) & (rows < y_lip + crown)].max()
        ratios.append(upper / lit)
    assert ratios[1] <= 0.9 * ratios[0], ratios
