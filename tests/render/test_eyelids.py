"""Closing eyelids: the photo's own lid skin sweeps down over the eye, with a lash line at its edge."""

from __future__ import annotations

import numpy as np

from dirfa.face import topology as topo
from dirfa.render import eyelids

RIGHT_EYE = list(topo.EYE_RIGHT_UPPER) + list(topo.EYE_RIGHT_LOWER[-2:0:-1])


def _eye_box(portrait) -> tuple[slice, slice]:
    xy = portrait.landmarks_xyz[RIGHT_EYE, :2]
    (x0, y0), (x1, y1) = np.floor(xy.min(axis=0)).astype(int), np.ceil(xy.max(axis=0)).astype(int)
    return slice(y0, y1 + 1), slice(x0 + 3, x1 - 2)


def test_lid_texture_is_the_photos_skin_not_a_flat_colour(astronaut, portrait):
    colours = eyelids.sample_colours(astronaut, portrait.landmarks_xyz[:, :2])
    assert colours.texture.shape == (2, eyelids.TEXTURE_ROWS, eyelids.TEXTURE_COLUMNS, 3)
    for side in (0, 1):
        texture = colours.texture[side]
        assert texture.std(axis=(0, 1)).mean() > 1.5  # skin has texture and shading
        # Skin-coloured (red > green > blue), much lighter than the lashes.
        red, green, blue = texture.reshape(-1, 3).mean(axis=0)
        assert red > green > blue
        assert colours.lash[side].mean() < 0.5 * texture.mean()


def test_closed_lid_covers_the_eye_with_skin_and_a_lash_line(astronaut, portrait, renderer, rest_frame):
    closed = renderer.render({"eyeBlinkRight": 1.0, "eyeBlinkLeft": 1.0})
    box = _eye_box(portrait)
    eye_open, eye_closed = rest_frame[box].astype(np.float32), closed[box].astype(np.float32)
    colours = eyelids.sample_colours(astronaut, portrait.landmarks_xyz[:, :2])
    lum_open, lum_closed = eye_open.mean(axis=2), eye_closed.mean(axis=2)
    # The dark iris and pupil are gone: covered by lid skin...
    assert np.percentile(lum_closed, 25) > np.percentile(lum_open, 25) + 20
    skin = colours.texture[0].reshape(-1, 3).mean(axis=0)
    middle = eye_closed[: eye_closed.shape[0] // 2].reshape(-1, 3)
    assert np.abs(np.median(middle, axis=0) - skin).max() < 40
    # ...which is not a flat fill: it keeps some of the photo's texture and shading.
    assert middle.std(axis=0).mean() > 2.0
    # ...and a dark lash line runs across the closed eye.
    rows = lum_closed.mean(axis=1)
    assert rows.min() < 0.75 * np.median(rows)


def test_half_blink_leaves_the_lower_eye_open(portrait, renderer, rest_frame):
    half = renderer.render({"eyeBlinkRight": 0.5})
    box = _eye_box(portrait)
    h = rest_frame[box].shape[0]
    lower = np.s_[int(0.75 * h) :, :]
    upper = np.s_[: int(0.4 * h), :]
    changed_lower = np.abs(half[box][lower].astype(int) - rest_frame[box][lower].astype(int)).mean()
    changed_upper = np.abs(half[box][upper].astype(int) - rest_frame[box][upper].astype(int)).mean()
    assert changed_upper > 3 * max(changed_lower, 1.0)
