"""The drawn mouth interior reaches the photo's own mouth corners (review: on full3.png the warp stretched the
photo's dark gap past mediapipe's inner corners into a dark red wedge beside the drawn interior)."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.render import mouth

MOUTH_PX = 100.0


def _photo(gap_past_px: float) -> mouth.PhotoMouth:
    """Pink lips with a dark parted gap from x=100 to x=200 (plus gap_past_px at the right end), and the
    inner-lip outline (upper then lower, corner to corner) from x=105 to x=195: corners short of the gap."""
    image = np.full((100, 300, 3), (200, 120, 120), np.uint8)
    image[46:55, 100 : 200 + int(gap_past_px)] = (40, 20, 20)
    xs = np.linspace(105.0, 195.0, 11)
    bulge = 5.0 * np.sin(np.linspace(0.0, np.pi, 11))  # a 10 px gap: wide enough that its corners count
    src = np.concatenate([np.stack([xs, 50.0 - bulge], 1), np.stack([xs, 50.0 + bulge], 1)]).astype(
        np.float32
    )
    return mouth.PhotoMouth(image, src, src.copy())


@pytest.mark.parametrize("past_px", [0.0, 8.0])
def test_the_photos_gap_past_its_inner_corners_is_found(past_px: float) -> None:
    first, last = mouth._photo_corner_reach(_photo(past_px), MOUTH_PX)
    assert first == pytest.approx(5.0, abs=1.5)  # the gap runs 5 px past the left corner
    assert last == pytest.approx(5.0 + past_px, abs=1.5)


def test_the_drawn_outline_is_carried_to_the_photos_corners() -> None:
    photo = _photo(8.0)
    posed = photo.src_xy[[*range(11), *range(19, 10, -1)]]  # the 20-point inner loop draw_mouth takes
    out = mouth._past_photo_corners(posed, photo, MOUTH_PX)
    assert out[0, 0] == pytest.approx(posed[0, 0] - 5.0, abs=1.5)
    assert out[10, 0] == pytest.approx(posed[10, 0] + 12.0, abs=1.5)  # (the search ends 12 px past)
    np.testing.assert_array_equal(out[1:10], posed[1:10])  # only the corners move
    np.testing.assert_array_equal(out[11:], posed[11:])


def test_no_gap_no_change() -> None:
    """Lips that meet at the corners (no dark gap past them) leave the outline as it is."""
    photo = _photo(0.0)
    photo.image[46:55, 100:105] = (200, 120, 120)
    photo.image[46:55, 195:200] = (200, 120, 120)
    first, last = mouth._photo_corner_reach(photo, MOUTH_PX)
    assert first <= 1.5 and last <= 1.5
