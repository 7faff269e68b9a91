"""The synthesised teeth row is shaded, not a flat white bar (issue 14): on the astronaut's rig with her photo's
smile closed at rest (a ~43 px mouth, drawn at source size, as a small face's is before it is scaled up to
512 or 1024 px; her light is high-key, her teeth tone near white, as sad1's), an opened jaw shows the upper
row with the separations between its front teeth visible but subtle, darker towards its ends."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face import topology as topo
from dirfa.render import mouth

INNER_LOOP = list(topo.LIP_UPPER_INNER) + list(topo.LIP_LOWER_INNER[-2:0:-1])


def _luminance(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb, np.float64) @ [0.299, 0.587, 0.114]  # ITU-R BT.601


def _row_profile(astronaut, rig, colours, jaw: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Luminance along the upper crowns (0.06 mouth widths below the upper teeth line) at quarter-pixel steps
    from -0.3 to 0.3 mouth widths, their |u| in mouth widths, and the teeth tone's luminance."""
    pose = rig.pose({"jawOpen": jaw})
    canvas = astronaut.copy()
    ex, ey, w = rig.frame.ex, rig.frame.ey, rig.frame.mouth_px
    mouth.draw_mouth(
        canvas,
        (0, 0),
        pose.points_xy[INNER_LOOP],
        pose.upper_teeth_xy,
        pose.lower_teeth_xy,
        ex,
        ey,
        w,
        colours,
    )
    lum = _luminance(canvas).astype(np.float32)
    centre = pose.upper_teeth_xy.mean(axis=0)
    line = (pose.upper_teeth_xy - centre) @ np.stack([ex, ey], axis=1)
    order = np.argsort(line[:, 0])
    u = np.arange(-0.3 * w, 0.3 * w, 0.25, dtype=np.float32)
    v = np.interp(u, line[order, 0], line[order, 1]).astype(np.float32) + 0.06 * w
    xs = (centre[0] + u * ex[0] + v * ey[0]).astype(np.float32)[None]
    ys = (centre[1] + u * ex[1] + v * ey[1]).astype(np.float32)[None]
    profile = cv2.remap(lum, xs, ys, cv2.INTER_LINEAR)[0]
    return profile, np.abs(u) / w, float(_luminance(colours.teeth))


@pytest.fixture(scope="module")
def closed_rig(rig):
    return rig.closed_at_rest()


@pytest.fixture(scope="module")
def colours(astronaut, portrait) -> mouth.MouthColours:
    return mouth.sample_colours(astronaut, portrait.landmarks_xyz[:, :2])


@pytest.mark.parametrize("jaw", [0.6, 1.0])
def test_front_teeth_are_separated_not_a_flat_white_block(astronaut, closed_rig, colours, jaw):
    """Review (issue 14, sad1 at jawOpen 0.6 and 1024 px): a flat white block of teeth. On a mouth this small the
    separations were 0.08 deep and a pixel wide (10 levels of luminance): invisible once scaled up. The midline
    between the centrals and the separations between centrals and laterals (~0.17 mouth widths out) are now
    at least 18 levels darker than the teeth beside them, and subtle: no deeper than a quarter of their light
    (no dark, decayed-looking gaps)."""
    profile, au, _ = _row_profile(astronaut, closed_rig, colours, jaw)
    centrals = profile[(au > 0.03) & (au < 0.13)]
    midline = float(profile[au < 0.01].min())
    assert centrals.mean() - midline >= 18, (centrals.mean(), midline)
    assert midline >= 0.75 * centrals.mean(), (centrals.mean(), midline)
    for side in (-1, 1):  # (the profile's two halves: right of the picture's midline, then left)
        half = profile[: len(profile) // 2] if side < 0 else profile[len(profile) // 2 :]
        a = au[: len(au) // 2] if side < 0 else au[len(au) // 2 :]
        gap = float(half[(a > 0.15) & (a < 0.19)].min())
        beside = 0.5 * (half[(a > 0.1) & (a < 0.15)].max() + half[(a > 0.19) & (a < 0.25)].max())
        assert beside - gap >= 18, (side, beside, gap)
        assert gap >= 0.7 * beside, (side, beside, gap)


def test_the_row_darkens_within_the_centrals_not_only_tooth_by_tooth(astronaut, closed_rig, colours):
    """Each central's face turns away from the light towards its side and the arch curves away: across a
    central (0.03 to 0.13 mouth widths out) the luminance varies by at least 10 levels, and no crown is lit
    to the teeth tone itself (ivory under the face's light, not paper white)."""
    profile, au, teeth = _row_profile(astronaut, closed_rig, colours, 0.6)
    for half, a in (
        (profile[: len(profile) // 2], au[: len(au) // 2]),
        (profile[len(profile) // 2 :], au[len(au) // 2 :]),
    ):
        central = half[(a > 0.03) & (a < 0.13)]
        assert np.ptp(central) >= 10, np.ptp(central)
    assert profile.max() <= teeth - 5, (profile.max(), teeth)
