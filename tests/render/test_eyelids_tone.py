"""A closed lid in the photo's own upper-lid light (session 13 review, issue 14): a socket in a brow's shadow with lit
skin under the eye had its closed lid pulled up nearly as light as that skin, a pale grey-mauve ellipse in the shadow
(art_13.png)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face import topology as topo
from dirfa.face.landmarks import load_portrait
from dirfa.face.rig import build_rig
from dirfa.render.compose import FrameRenderer, plan_output


def _socket_in_the_brows_shadow(image: np.ndarray, rig, lid_coordinates) -> np.ndarray:
    """The photo with the right eye's whole upper lid, lash line to brow, in a deep warm shadow (the brow's), the skin
    under the eye left lit: art_13's right eye."""
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2]
    s, height, _, eye_w = lid_coordinates(lid, image.shape)
    brow = rig.points_xyz[list(topo.BROW_RIGHT_INNER + topo.BROW_RIGHT_OUTER), :2]
    brow_up = float(np.median(lid[:, 1].mean() - brow[:, 1]))
    shadow = np.clip((s + 0.2) / 0.1, 0, 1) * np.clip((1.2 - s) / 0.1, 0, 1)
    shadow *= np.clip((height + 0.05 * eye_w) / 2.0, 0, 1) * np.clip((1.2 * brow_up - height) / 3.0, 0, 1)
    warm = np.array([0.55, 0.45, 0.3], np.float32)  # (a painting's shadow: darker and more saturated)
    dark = 1.0 - shadow[..., None] * (1.0 - warm)
    return np.clip(image * dark, 0, 255).astype(np.uint8)


def test_closed_lid_in_a_shadowed_socket_is_no_lighter_than_its_own_upper_lid_skin(
    astronaut, portrait, rig, lid_coordinates
):
    image = _socket_in_the_brows_shadow(astronaut, rig, lid_coordinates)
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    lum = image.astype(np.float32).mean(axis=2)
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2]
    s, height, _, eye_w = lid_coordinates(lid, image.shape)
    brow = rig.points_xyz[list(topo.BROW_RIGHT_INNER + topo.BROW_RIGHT_OUTER), :2]
    brow_up = float(np.median(lid[:, 1].mean() - brow[:, 1]))
    # The photo's own upper-lid skin: above the lashes, below the brow.
    upper = (s > 0.2) & (s < 0.8) & (height > 0.1 * eye_w) & (height < 0.8 * brow_up)
    edge = rig.pose({"eyeBlinkRight": 1.0}).upper_lids_xy[0]
    s_closed, above_closed, _, _ = lid_coordinates(edge, image.shape)
    body = (s_closed > 0.3) & (s_closed < 0.7) & (above_closed > 0.05 * eye_w) & (height < -0.1 * eye_w)
    assert upper.sum() >= 20 and body.sum() >= 4
    # In the light of the skin it unfolds from: within the range of the photo's upper-lid skin (to its lightest few
    # per cent), not as light as the lit cheek's.
    assert np.median(closed[body]) <= np.percentile(lum[upper], 98)


def _edge_share(lum: np.ndarray, edge: np.ndarray) -> float:
    """How sharp the lid line at the lid edge `edge` (9, 2) is: per column over the lid's middle, the steepest one-pixel
    rise from the darkest point near the edge up to the skin above (its 90th percentile) as a share of that whole rise;
    the median over the columns."""
    eye_w = float(np.linalg.norm(edge[-1] - edge[0]))
    along = (edge[-1] - edge[0]) / eye_w
    up = np.array([along[1], -along[0]])
    up = up if up[1] < 0 else -up
    at_s = (edge - edge[0]) @ along / eye_w
    shares = []
    for t in np.linspace(0.3, 0.7, 9):
        on_line = edge[0] + t * eye_w * along
        at = on_line + up * np.interp(t, at_s, (edge - edge[0]) @ up)
        steps = np.arange(-0.1 * eye_w, 0.15 * eye_w, 0.25)
        xy = (at[None, :] + steps[:, None] * up[None, :]).astype(np.float32)
        profile = cv2.remap(lum, xy[:, 0][None], xy[:, 1][None], cv2.INTER_LINEAR)[0]
        low = int(np.argmin(profile[: len(steps) // 2]))
        rise = profile[low:]
        contrast = float(np.percentile(rise, 90) - rise[0])
        if contrast > 15:
            shares.append(float(np.max(rise[4:] - rise[:-4])) / contrast)
    assert len(shares) >= 3
    return float(np.median(shares))


@pytest.fixture(scope="module")
def soft_photo(astronaut):
    """The astronaut blurred as a soft photo is (its lid line a pixel or so soft: sad1.png)."""
    image = cv2.GaussianBlur(astronaut, (0, 0), 1.0)
    portrait = load_portrait(image)
    return image, portrait, build_rig(portrait)


def test_closed_lash_line_is_no_sharper_than_the_photos_lid_line(soft_photo):
    image, portrait, rig = soft_photo
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    rest = renderer.render({}).astype(np.float32).mean(axis=2)
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    photo = _edge_share(rest, rig.pose({}).upper_lids_open_xy[0])
    line = _edge_share(closed, rig.pose({"eyeBlinkRight": 1.0}).upper_lids_xy[0])
    # (the share's steepest step: as soft as the photo's lid line, give or take a little)
    assert line <= photo + 0.05
