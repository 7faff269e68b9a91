"""The lower teeth of an open mouth (re-review of 2026-12-03 at 24c3ebe): on portrait.jpg's widest frames (jawOpen
.62-.66) they were a band about as tall as the upper row (1.2 times it) under a lower lip thinned to a rim, striped
evenly; on art_13, whose full lower lip covers the rig's teeth line, no lower teeth at all. Measured on a drawn face
(pink lips, no photo mouth) whose lower lip drops well below the lower teeth line, as the rig's does."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.render import mouth

W = 100.0  # mouth width, px
CX, CY = 200.0, 95.0  # the upper inner lip (and teeth line) at the midline
SKIN, LIPS = (225, 190, 175), (200, 120, 120)
COLOURS = mouth.MouthColours(
    teeth=np.array([214, 210, 203], np.float32),
    cavity=np.array([99, 48, 51], np.float32),
    tongue=np.array([157, 84, 89], np.float32),
    cavity_deep=np.array([38, 17, 18], np.float32),
    gums=np.array([180, 105, 110], np.float32),
)
T = np.linspace(0.0, 1.0, 11)
XS = CX - 0.5 * W + W * T
ARCH = np.sin(np.pi * T)
UPPER = np.stack([XS, CY - 2.0 * ARCH], 1).astype(np.float32)
GAP = 42.0  # lips' gap at the midline, px (0.42 of the mouth width: portrait.jpg's at frame 55 is 0.44)


def _face(lip_px: float, teeth_px: float) -> np.ndarray:
    """Canvas, inner-lip polygon, upper and lower teeth lines: the lower inner lip `lip_px` below the upper at the
    midline, the lower teeth line `teeth_px` below the upper teeth line (both following the arch)."""
    canvas = np.full((200, 400, 3), SKIN, np.uint8)
    canvas[70 : int(CY + lip_px + 12), 140:260] = LIPS
    lower_lip = np.stack([XS, CY + lip_px * ARCH**0.7], 1).astype(np.float32)
    polygon = np.concatenate([UPPER, lower_lip[1:10][::-1]]).astype(np.float32)
    lower_teeth = np.stack([XS, CY + teeth_px * ARCH**0.7], 1).astype(np.float32)
    return canvas, polygon, lower_teeth


def _draw(lip_px: float = GAP, teeth_px: float = 24.0) -> np.ndarray:
    canvas, polygon, lower_teeth = _face(lip_px, teeth_px)
    ex, ey = np.array([1.0, 0.0], np.float32), np.array([0.0, 1.0], np.float32)
    mouth.draw_mouth(canvas, (0, 0), polygon, UPPER, lower_teeth, ex, ey, W, COLOURS)
    return canvas.astype(np.float64)


def _teeth_like(rgb: np.ndarray) -> np.ndarray:
    """0..1 per pixel: enamel (light, nearly neutral) rather than lip, tongue or cavity."""
    level = rgb.mean(axis=-1)
    chroma = (rgb.max(axis=-1) - rgb.min(axis=-1)) / np.maximum(level, 1.0)
    return np.clip((level - 110.0) / 40.0, 0.0, 1.0) * np.clip((0.3 - chroma) / 0.1, 0.0, 1.0)


def _rows(canvas: np.ndarray, lip_px: float = GAP) -> tuple[float, float]:
    """Upper and lower teeth seen at the middle of the mouth (px, over the central 10 % of its width): the
    enamel in the upper and in the lower half of the lips' gap."""
    columns = canvas[:, int(CX - 0.05 * W) : int(CX + 0.05 * W)]
    enamel = _teeth_like(columns).mean(axis=1)
    middle = int(CY + 0.5 * lip_px)
    return float(enamel[int(CY) - 3 : middle].sum()), float(enamel[middle : int(CY + lip_px) + 3].sum())


def test_the_lower_teeth_show_much_less_than_the_upper():
    """portrait.jpg at its widest: the lower row as tall as the upper. In a real open mouth the lower incisors show
    less (often only their edges over the lip): at most 0.8 of the upper row seen at the midline (the old row 1.9
    times it), but they show."""
    upper, lower = _rows(_draw())
    assert upper > 8.0, upper
    assert 2.0 < lower < 0.8 * upper, (upper, lower)


def test_the_lower_lip_keeps_its_thickness_over_the_teeth():
    """The lip was stretched to a thin rim under the lower row. What covers the lower teeth above the opening's
    lower edge is the lip itself, rolled up over them: lip-coloured, not enamel, nor the cavity's dark."""
    canvas = _draw()
    edge = int(np.floor(CY + GAP))  # (the opening's lower edge at the midline)
    band = canvas[edge - 5 : edge - 1, int(CX - 0.05 * W) : int(CX + 0.05 * W)].reshape(-1, 3)
    assert _teeth_like(band).mean() < 0.2
    assert np.abs(band.mean(axis=0) - LIPS).max() < 40, band.mean(axis=0)


def test_a_full_lower_lip_uncovers_the_teeths_tips_through_a_wide_opening():
    """art_13: its full lower lip sat over the rig's lower teeth line at every opening, and the mouth showed a
    tongue slab down to the lip. Through a wide gap their tips show over the lip all the same."""
    _, lower = _rows(_draw(teeth_px=GAP + 2.0))
    assert lower > 2.0, lower
    # ... not through a narrow one (0.14 of the mouth width): a lip over them stays over them.
    assert mouth._lower_drop(-2.0, 11.5, 14.0, W, 1.0) == 0.0


@pytest.mark.parametrize("teeth_px", [24.0, GAP + 2.0])
def test_the_lower_row_changes_smoothly_as_the_lip_drops(teeth_px):
    """No pop between two frames: as the lower lip drops past its teeth 0.5 px a frame, what shows of them (the
    lower row's enamel at the middle) changes a little each step, never a large share of it at once."""
    seen = np.array(
        [_rows(_draw(lip_px=g, teeth_px=teeth_px), lip_px=g)[1] for g in np.arange(26.0, 50.0, 0.5)]
    )
    assert seen.max() > 2.0
    assert np.abs(np.diff(seen)).max() < 0.25 * seen.max(), np.round(seen, 2)


def test_the_lower_rows_separations_are_uneven():
    """portrait.jpg at 1024 px: the lower row a barcode of evenly spaced stripes alike on both sides. The lower
    incisors, crowded behind the lip, overlap a little: their separations are of uneven depth, no two mirrored across
    the midline alike (the dip at a separation against the teeth either side differs by at least 15 % between at
    least one separation and its mirror; the old row's were equal to a tenth of a level)."""
    canvas = _draw()
    row_y = int(
        CY + 24.0 + 2.0
    )  # (just under the lower incisors' edges, the line drawn 24 px under the upper's)
    lum = canvas[row_y - 1 : row_y + 2].mean(axis=(0, 2))

    def dip(x: float) -> float:
        at = int(round(x))
        around = np.r_[lum[at - 4 : at - 1], lum[at + 2 : at + 5]].mean()
        return float(around - lum[at - 1 : at + 2].min())

    pairs = np.array([(dip(CX - end * W), dip(CX + end * W)) for end in mouth.LOWER_TOOTH_ENDS[:3]])
    assert (pairs > 0.0).all(), np.round(pairs, 2)  # (separations still show)
    uneven = np.abs(pairs[:, 0] - pairs[:, 1]) / pairs.mean(axis=1)
    assert uneven.max() > 0.15, np.round(pairs, 2)
