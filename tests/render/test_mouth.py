"""The synthesised mouth interior: colours taken from the astronaut, painted only inside the inner lips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face import topology as topo
from dirfa.render import mouth

INNER_LOOP = list(topo.LIP_UPPER_INNER) + list(topo.LIP_LOWER_INNER[-2:0:-1])
OUTER_LOOP = list(topo.LIP_UPPER_OUTER) + list(topo.LIP_LOWER_OUTER[-2:0:-1])


def _luminance(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb, np.float64) @ [0.299, 0.587, 0.114]  # ITU-R BT.601


def _fill(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 1, shift=4)
    return mask.astype(bool)


@pytest.fixture(scope="module")
def colours(astronaut, portrait) -> mouth.MouthColours:
    return mouth.sample_colours(astronaut, portrait.landmarks_xyz[:, :2])


@pytest.fixture(scope="module")
def lip_colour(astronaut, portrait) -> np.ndarray:
    """Median RGB of the astronaut's lips (between the outer and the inner lip contours)."""
    xy = portrait.landmarks_xyz[:, :2]
    lips = _fill(astronaut.shape[:2], xy[OUTER_LOOP]) & ~_fill(astronaut.shape[:2], xy[INNER_LOOP])
    return np.median(astronaut[lips].astype(np.float64), axis=0)


def _draw(canvas: np.ndarray, pose, rig, colours, origin=(0, 0)) -> None:
    mouth.draw_mouth(
        canvas,
        origin,
        pose.points_xy[INNER_LOOP],
        pose.upper_teeth_xy,
        pose.lower_teeth_xy,
        rig.frame.ex,
        rig.frame.ey,
        rig.frame.mouth_px,
        colours,
    )


def test_teeth_are_much_brighter_than_the_cavity(colours):
    for colour in (colours.teeth, colours.cavity, colours.tongue):
        assert colour.shape == (3,) and colour.dtype == np.float32
        assert ((colour >= 0) & (colour <= 255)).all()
    assert _luminance(colours.teeth) > 150
    assert _luminance(colours.teeth) > _luminance(colours.cavity) + 100
    assert _luminance(colours.cavity) < _luminance(colours.tongue) < _luminance(colours.teeth)
    # Enamel is near-white, a little warm: red >= green >= blue, no strong tint.
    red, green, blue = colours.teeth
    assert red >= green >= blue and red - blue < 45


def test_cavity_and_tongue_take_the_lips_hue_darker(colours, lip_colour):
    cavity, tongue = colours.cavity, colours.tongue
    assert cavity[0] > cavity[1] and cavity[0] > cavity[2]  # reddish, like the lips
    assert tongue[0] > tongue[1] and tongue[0] > tongue[2]
    assert _luminance(cavity) < 0.5 * _luminance(lip_colour)
    assert _luminance(tongue) < _luminance(lip_colour)


def test_grayscale_photo_gets_a_grey_mouth(astronaut, portrait):
    """A black-and-white portrait must not get a coloured mouth."""
    gray = np.repeat(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    colours = mouth.sample_colours(gray, portrait.landmarks_xyz[:, :2])
    for name in ("teeth", "cavity", "tongue"):
        colour = getattr(colours, name)
        assert np.ptp(colour) < 3, f"{name} is {np.round(colour, 1)} in a grayscale photo"
    assert _luminance(colours.teeth) > _luminance(colours.cavity) + 80


@pytest.fixture(scope="module")
def open_pose(rig):
    return rig.pose({"jawOpen": 1.0})


@pytest.fixture(scope="module")
def painted(astronaut, rig, colours, open_pose) -> np.ndarray:
    canvas = astronaut.copy()
    _draw(canvas, open_pose, rig, colours)
    return canvas


def test_draws_only_inside_the_inner_lips(astronaut, painted, open_pose):
    polygon = open_pose.points_xy[INNER_LOOP]
    inside = _fill(astronaut.shape[:2], polygon)
    changed = np.any(painted != astronaut, axis=2)
    assert changed[inside].mean() > 0.95
    near = cv2.dilate(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(
        bool
    )  # 2 px of anti-aliasing
    assert not (changed & ~near).any(), f"{(changed & ~near).sum()} pixels changed outside the mouth"


def test_open_mouth_is_dark_with_teeth_showing(astronaut, painted, open_pose, lip_colour, rig):
    polygon = open_pose.points_xy[INNER_LOOP]
    assert np.ptp(polygon[:, 1]) > 0.3 * rig.frame.mouth_px  # tall enough for both rows of teeth
    interior = cv2.erode(_fill(astronaut.shape[:2], polygon).astype(np.uint8), np.ones((3, 3), np.uint8))
    luminance = _luminance(painted[interior.astype(bool)])
    assert luminance.mean() < 0.75 * _luminance(lip_colour)
    assert (luminance < 60).mean() > 0.3  # the cavity
    assert (luminance > 150).mean() > 0.05  # the teeth


def test_canvas_origin_places_the_mouth_in_image_coordinates(astronaut, rig, colours, open_pose, painted):
    """The renderer paints into a patch of the picture: same pixels as painting the whole picture."""
    x0, y0 = 150, 100
    patch = astronaut[y0:260, x0:300].copy()
    _draw(patch, open_pose, rig, colours, origin=(x0, y0))
    np.testing.assert_array_equal(patch, painted[y0:260, x0:300])


def test_mouth_outside_the_canvas_changes_nothing(astronaut, rig, colours, open_pose):
    patch = astronaut[300:400, 300:400].copy()
    _draw(patch, open_pose, rig, colours, origin=(300, 300))
    np.testing.assert_array_equal(patch, astronaut[300:400, 300:400])


def test_barely_parted_lips_are_painted_inside_them_only(astronaut, rig, colours):
    pose = rig.pose({"jawOpen": 0.1})
    canvas = astronaut.copy()
    _draw(canvas, pose, rig, colours)
    polygon = pose.points_xy[INNER_LOOP]
    near = cv2.dilate(_fill(astronaut.shape[:2], polygon).astype(np.uint8), np.ones((5, 5), np.uint8))
    changed = np.any(canvas != astronaut, axis=2)
    assert changed.any() and not (changed & ~near.astype(bool)).any()


def test_teeth_stay_teeth_on_a_small_face(astronaut):
    """Issue 5: on small faces the teeth read grey. The astronaut at 0.6x (a ~56 px face): teeth much
    brighter than the lips, warm, not grey."""
    from dirfa.face.landmarks import load_portrait

    small = cv2.resize(astronaut, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    portrait = load_portrait(small)
    colours = mouth.sample_colours(small, portrait.landmarks_xyz[:, :2])
    xy = portrait.landmarks_xyz[:, :2]
    lips = _fill(small.shape[:2], xy[OUTER_LOOP]) & ~_fill(small.shape[:2], xy[INNER_LOOP])
    lip = np.median(small[lips].astype(np.float64), axis=0)
    assert _luminance(colours.teeth) > 1.3 * _luminance(lip)
    red, green, blue = colours.teeth
    assert red >= green >= blue and red - blue > 8  # warm, not grey


def test_photo_lip_line_is_not_painted_as_an_open_mouth(astronaut, rig, colours):
    """A gap under a pixel is the lip line, not teeth: nothing is painted."""
    pose = rig.pose({"mouthClose": 0.97})
    canvas = astronaut.copy()
    _draw(canvas, pose, rig, colours)
    np.testing.assert_array_equal(canvas, astronaut)
