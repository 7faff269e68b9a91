"""The synthesised mouth interior: colours taken from the astronaut, painted only inside the inner lips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
def rig(rig):
    """The astronaut's rig with her photo's open smile closed at rest, as a closed-mouthed photo rests (a
    photo's open mouth is otherwise its rest pose): these tests open the mouth from closed lips."""
    return rig.closed_at_rest()


@pytest.fixture(scope="module")
def colours(astronaut, portrait) -> mouth.MouthColours:
    return mouth.sample_colours(astronaut, portrait.landmarks_xyz[:, :2])


@pytest.fixture(scope="module")
def lip_colour(astronaut, portrait) -> np.ndarray:
    """Median RGB of the astronaut's lips (between the outer and the inner lip contours)."""
    xy = portrait.landmarks_xyz[:, :2]
    lips = _fill(astronaut.shape[:2], xy[OUTER_LOOP]) & ~_fill(astronaut.shape[:2], xy[INNER_LOOP])
    return np.median(astronaut[lips].astype(np.float64), axis=0)


def _draw(canvas: np.ndarray, pose, rig, colours, origin=(0, 0), photo=None) -> None:
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
        photo=photo,
    )


def test_teeth_are_much_brighter_than_the_cavity(colours):
    for colour in (colours.teeth, colours.cavity, colours.tongue, colours.cavity_deep, colours.gums):
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
    # The back of the mouth is darker still, and keeps the lips' hue.
    deep = colours.cavity_deep
    assert _luminance(deep) < 0.6 * _luminance(cavity) and deep[0] > deep[1]


def test_grayscale_photo_gets_a_grey_mouth(astronaut, portrait):
    """A black-and-white portrait must not get a coloured mouth."""
    gray = np.repeat(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    colours = mouth.sample_colours(gray, portrait.landmarks_xyz[:, :2])
    for name in ("teeth", "cavity", "tongue", "cavity_deep", "gums"):
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
    # The cavity (over the tongue, lit to its top since the review of full3's "maroon void": 0.22 of it, was 0.31)
    assert (luminance < 60).mean() > 0.15
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
    assert _luminance(colours.teeth) > 1.25 * _luminance(lip)
    red, green, blue = colours.teeth
    assert red >= green >= blue and red - blue > 8  # warm, not grey


def test_photo_lip_line_is_not_painted_as_an_open_mouth(astronaut, rig, colours):
    """A gap under a pixel is the lip line, not teeth: nothing is painted."""
    pose = rig.pose({"mouthClose": 0.97})
    canvas = astronaut.copy()
    _draw(canvas, pose, rig, colours)
    np.testing.assert_array_equal(canvas, astronaut)


# --- How the interior looks (issue 5), on the astronaut's rig scaled 2x (an ~87 px mouth, where single teeth
# are resolved), with the synthesised teeth rather than the photo's own.

SCALE = 2.0


def _scaled_draw(astronaut, rig, colours, params) -> tuple[np.ndarray, dict]:
    """The astronaut at 2x with the synthesised mouth for `params`, and the posed geometry in face
    coordinates (px): per pixel u (along the mouth from the upper teeth's centre) and v (down the face) made
    relative to the upper teeth line (dv_upper), the lower teeth line (dv_lower) and the lower lip (dv_lip)
    at that u."""
    pose = rig.pose(params)
    canvas = cv2.resize(astronaut, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    poly = pose.points_xy[INNER_LOOP] * SCALE
    upper, lower = pose.upper_teeth_xy * SCALE, pose.lower_teeth_xy * SCALE
    ex, ey, w = rig.frame.ex, rig.frame.ey, rig.frame.mouth_px * SCALE
    mouth.draw_mouth(canvas, (0, 0), poly, upper, lower, ex, ey, w, colours)
    centre = upper.mean(axis=0)
    ys, xs = np.indices(canvas.shape[:2], dtype=np.float64)
    u = (xs - centre[0]) * ex[0] + (ys - centre[1]) * ex[1]
    v = (xs - centre[0]) * ey[0] + (ys - centre[1]) * ey[1]

    def line_v(points: np.ndarray) -> np.ndarray:
        uv = (points - centre) @ np.stack([ex, ey], axis=1)
        order = np.argsort(uv[:, 0])
        return np.interp(u, uv[order, 0], uv[order, 1])

    inside = cv2.erode(_fill(canvas.shape[:2], poly).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    lower_lip = np.concatenate([poly[:1], poly[11:][::-1], poly[10:11]])
    geometry = dict(
        au=np.abs(u) / w,
        w=w,
        inside=inside,
        dv_upper=v - line_v(upper),
        dv_lower=v - line_v(lower),
        dv_lip=v - line_v(lower_lip),
    )
    return canvas, geometry


def _band(canvas, g, *, across: tuple[float, float], **down: tuple[float, float]) -> np.ndarray:
    """RGB of the pixels inside the mouth with |u| in `across` (mouth widths) and, for each keyword
    dv_upper / dv_lower / dv_lip, v relative to that line in the given range (mouth widths)."""
    mask = g["inside"] & (g["au"] >= across[0]) & (g["au"] < across[1])
    for name, (lo, hi) in down.items():
        mask &= (g[name] >= lo * g["w"]) & (g[name] < hi * g["w"])
    assert mask.sum() >= 6, "the band is (nearly) empty: the rig's geometry changed"
    return canvas[mask].astype(np.float64)


@pytest.fixture(scope="module")
def sclera_highlight(astronaut, portrait) -> float:
    """Luminance of the brightest part of the astronaut's eye whites (95th percentile inside the eyes)."""
    xy = portrait.landmarks_xyz[:, :2]
    eyes = np.zeros(astronaut.shape[:2], bool)
    for upper, lower in (
        (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER),
        (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER),
    ):
        eyes |= _fill(astronaut.shape[:2], np.concatenate([xy[list(upper)], xy[list(lower[::-1])]]))
    return float(np.percentile(_luminance(astronaut[eyes]), 95))


@pytest.fixture(scope="module")
def half_open(astronaut, rig, colours):
    return _scaled_draw(astronaut, rig, colours, {"jawOpen": 0.6})


@pytest.fixture(scope="module")
def wide_open(astronaut, rig, colours):
    return _scaled_draw(astronaut, rig, colours, {"jawOpen": 1.0})


def test_teeth_are_lit_between_the_lips_and_the_eye_whites(half_open, lip_colour, sclera_highlight):
    canvas, g = half_open
    incisors = _luminance(_band(canvas, g, across=(0, 0.1), dv_upper=(0.04, 0.09)))
    # (The cavity between the upper incisal edges and the lower teeth, which show at this opening.)
    cavity = _luminance(
        _band(canvas, g, across=(0, 0.1), dv_upper=(0.13, 1), dv_lower=(-1, -0.01), dv_lip=(-1, -0.04))
    )
    assert incisors.mean() > 1.2 * _luminance(lip_colour)
    assert incisors.mean() > cavity.mean() + 100
    # Ivory in the mouth's shade, never paper white. (The astronaut's lips are so light and her eye whites
    # so shaded that teeth clearly lighter than the lips come out a little above the eye whites' highlight;
    # her own teeth in the photo are brighter still, ~240.)
    assert incisors.mean() < 1.1 * sclera_highlight
    assert incisors.max() < 240


def test_teeth_row_darkens_into_the_corners(half_open):
    """The buccal corridor: the back teeth turn away into the cheeks' shadow; no white bar to the corners."""
    canvas, g = half_open
    front = _luminance(_band(canvas, g, across=(0, 0.1), dv_upper=(0.02, 0.07)))
    canines = _luminance(_band(canvas, g, across=(0.3, 0.38), dv_upper=(0.02, 0.07)))
    back = _luminance(_band(canvas, g, across=(0.38, 0.46), dv_upper=(0.02, 0.07)))
    assert canines.mean() < 0.7 * front.mean()
    assert back.mean() < 0.47 * front.mean()


def test_central_incisors_are_the_longest(half_open):
    """The incisal edge is not a straight bar: under the laterals (~0.2 mouth widths out) the cavity shows
    where the centrals are still tooth."""
    canvas, g = half_open
    centrals = _luminance(_band(canvas, g, across=(0.02, 0.12), dv_upper=(0.102, 0.11)))
    laterals = _luminance(_band(canvas, g, across=(0.19, 0.25), dv_upper=(0.102, 0.11)))
    assert centrals.mean() > laterals.mean() + 40


def test_wide_open_mouth_shows_tongue_and_lower_teeth(wide_open):
    """jawOpen 1: a lit, reddish tongue fills the bottom of the cavity, lighter than its dark back, and the
    lower incisors' edges show over the lower lip."""
    canvas, g = wide_open
    back = _band(canvas, g, across=(0, 0.15), dv_upper=(0.14, 0.18))
    tongue = _band(canvas, g, across=(0, 0.15), dv_lower=(-0.06, -0.02))
    lower_teeth = _band(canvas, g, across=(0, 0.15), dv_lower=(0.01, 0.03), dv_lip=(-1, -0.01))
    red, green, blue = tongue.mean(axis=0)
    assert red > 1.5 * green and red > 1.5 * blue
    assert _luminance(tongue).mean() > 1.4 * _luminance(back).mean()
    assert _luminance(lower_teeth).mean() > _luminance(tongue).mean() + 40


@settings(max_examples=15, deadline=None)
@given(jaw=st.floats(0.05, 0.95))
def test_a_small_change_of_opening_changes_the_mouth_a_little(astronaut, rig, colours, jaw):
    """No flicker: between two frames whose jawOpen differs by 0.01 the mouth changes smoothly (edges
    move a fraction of a pixel; nothing pops in or out)."""
    frames = []
    for value in (jaw, jaw + 0.01):
        canvas = astronaut.copy()
        _draw(canvas, rig.pose({"jawOpen": value}), rig, colours)
        frames.append(canvas.astype(np.float64))
    changed = np.abs(frames[1] - frames[0]).max(axis=2)
    region = changed[150:260, 150:300]
    assert region.mean() < 1.5
    assert np.percentile(region, 99.5) < 60


# --- Review of rendered clips: teeth in the picture's own tonal range, rounded ends, no popping.


def _lit_skin_near_mouth(image: np.ndarray, xy: np.ndarray) -> float:
    """Luminance of the lit skin around the mouth: 85th percentile within about a mouth width of it."""
    lips = _fill(image.shape[:2], xy[OUTER_LOOP])
    corners = xy[[topo.LIP_UPPER_OUTER[0], topo.LIP_UPPER_OUTER[-1]]]
    width = float(np.linalg.norm(corners[1] - corners[0]))
    centre = xy[OUTER_LOOP].mean(axis=0)
    ys, xs = np.indices(image.shape[:2])
    near = np.hypot((xs - centre[0]) / width, (ys - centre[1]) / (0.75 * width)) < 1.0
    return float(np.percentile(_luminance(image[near & ~lips]), 85))


def _relit(astronaut: np.ndarray, portrait, *, gain: float, mouth_gain: float, tint) -> np.ndarray:
    """The astronaut relit: `gain` at the eyes falling to `mouth_gain` at the mouth and below (a lit
    forehead over a shaded mouth, as in many paintings), times an RGB `tint`."""
    xy = portrait.landmarks_xyz[:, :2]
    eyes_y, mouth_y = float(xy[[33, 263], 1].mean()), float(xy[[13, 14], 1].mean())
    ys = np.arange(astronaut.shape[0], dtype=np.float64)[:, None, None]
    ramp = np.clip((ys - eyes_y) / (mouth_y - eyes_y), 0, 1)
    light = gain + (mouth_gain - gain) * ramp
    return np.clip(astronaut * light * np.asarray(tint), 0, 255).astype(np.uint8)


def test_teeth_in_a_dark_warm_painting_are_a_muted_warm_ivory(astronaut, portrait):
    """Review: flat, bright, cold teeth in a dark warm painting. The astronaut relit dark around the mouth
    under a lit forehead and varnished (warm): her teeth are a little lighter than the lit skin around the
    mouth, not much, and warm (R >= G >= B)."""
    xy = portrait.landmarks_xyz[:, :2]
    for gain, mouth_gain in ((0.7, 0.7), (1.0, 0.55)):
        dark = _relit(astronaut, portrait, gain=gain, mouth_gain=mouth_gain, tint=(1.0, 0.78, 0.52))
        colours = mouth.sample_colours(dark, xy)
        lit = _lit_skin_near_mouth(dark, xy)
        teeth = _luminance(colours.teeth)
        assert lit < teeth < 1.25 * lit, (gain, mouth_gain, teeth, lit)
        red, green, blue = colours.teeth
        assert red >= green >= blue and red - blue > 0.15 * teeth  # an ivory of the varnish's hue


def test_teeth_in_a_photo_are_clearly_lighter_than_skin_and_lips(astronaut, portrait, lip_colour):
    """Review: skin-beige teeth in photos (a 'doll's mouth'). The astronaut's teeth, as photographed and
    dimmer, are clearly lighter than her lit skin and lips, slightly warm, not grey."""
    xy = portrait.landmarks_xyz[:, :2]
    for gain in (1.0, 0.8):
        image = _relit(astronaut, portrait, gain=gain, mouth_gain=gain, tint=(1.0, 1.0, 1.0))
        colours = mouth.sample_colours(image, xy)
        teeth = _luminance(colours.teeth)
        assert teeth > 1.08 * _lit_skin_near_mouth(image, xy), gain
        assert teeth > 1.25 * gain * _luminance(lip_colour), gain
        red, green, blue = colours.teeth
        assert red >= green >= blue and 0.03 * teeth < red - blue < 45


def test_lit_incisors_as_drawn_are_lighter_than_the_skin(half_open, astronaut, portrait):
    """As drawn (shaded by the lip and the mouth), the central incisors still read lighter than the skin."""
    canvas, g = half_open
    incisors = _luminance(_band(canvas, g, across=(0, 0.1), dv_upper=(0.03, 0.08)))
    skin = np.median(
        _luminance(astronaut[_fill(astronaut.shape[:2], portrait.landmarks_xyz[:, :2][OUTER_LOOP])])
    )
    assert incisors.mean() > skin


def test_opening_has_rounded_soft_ends_within_the_lip_corners(astronaut, rig, colours):
    """Review: an angular cut-out with pointed corners reaching past the lip corners. The mouth's coverage
    (from drawing it on black and on white) is nil within 1.5 % of the mouth width of the inner corners,
    and the last tenth of the opening's length at each end is mostly left to the lips (rounded off), while
    its middle is fully painted."""
    for jaw in (0.6, 1.0):
        pose = rig.pose({"jawOpen": jaw})
        on_black, on_white = np.zeros_like(astronaut), np.full_like(astronaut, 255)
        _draw(on_black, pose, rig, colours)
        _draw(on_white, pose, rig, colours)
        cover = 1 - (on_white.astype(np.float64) - on_black).mean(axis=2) / 255
        poly = pose.points_xy[INNER_LOOP]
        ex = rig.frame.ex
        ys, xs = np.indices(astronaut.shape[:2])
        u = (xs - poly[0, 0]) * ex[0] + (ys - poly[0, 1]) * ex[1]
        span = float((poly[10] - poly[0]) @ ex)
        w = rig.frame.mouth_px
        ends = (u < 0.015 * w) | (u > span - 0.015 * w)
        assert cover[ends].max() < 0.1, jaw
        inside = _fill(astronaut.shape[:2], poly)
        tips = inside & ((u < 0.1 * span) | (u > 0.9 * span))
        middle = inside & (np.abs(u - span / 2) < 0.2 * span)
        assert cover[tips].mean() < 0.5, (jaw, cover[tips].mean())
        assert cover[middle].mean() > 0.85, (jaw, cover[middle].mean())


def test_lower_teeth_fade_in_with_the_opening(astronaut, rig, colours):
    """Review: a lower-teeth line flickering on and off. Their coverage (light pixels below the lower teeth
    line) grows smoothly with jawOpen: no step between neighbouring frames is a large share of it."""
    coverage = []
    jaws = np.round(np.arange(0.3, 0.91, 0.01), 2)
    for jaw in jaws:
        canvas, g = _scaled_draw(astronaut, rig, colours, {"jawOpen": float(jaw)})
        below = g["inside"] & (g["dv_lower"] > 0) & (g["au"] < 0.4)
        coverage.append(float(np.clip((_luminance(canvas[below]) - 130) / 60, 0, 1).sum()))
    coverage = np.array(coverage)
    assert coverage[-1] > 40  # the lower teeth do show on a wide opening
    steps = np.abs(np.diff(coverage))
    # (Tooth separations crossing the pixel grid make it wobble by a few pixels' worth.)
    assert steps.max() < 0.2 * coverage.max(), np.round(coverage, 1)
    i = int(np.nonzero(jaws == 0.5)[0][0])
    assert steps[i] < 0.06 * coverage.max()


def _photo_draw(astronaut, rig, colours, pose, closing: float) -> np.ndarray:
    """The astronaut's mouth drawn with her own teeth, her photo's lips brought together by `closing`
    (0 as photographed, 1 shut): the photo's gap crosses the range where its teeth are reused."""
    ids = rig.photo_mouth
    src = rig.points_xyz[ids, :2].astype(np.float32).copy()
    src[11:] = src[11:] + (src[:11] - src[11:]) * closing
    dst = pose.photo_mouth_xy.copy()
    dst[11:] = dst[11:] + (dst[:11] - dst[11:]) * closing  # the same skull motion, whatever the gap
    photo = mouth.PhotoMouth(astronaut, src, dst)
    canvas = astronaut.copy()
    _draw(canvas, pose, rig, colours, photo=photo)
    return canvas.astype(np.float64)


def test_photo_teeth_hand_over_continuously_to_synthesised_ones(astronaut, rig, colours):
    """Review: the photo's own teeth jump to the synthesised ones. As the photo's lip gap shrinks through
    the range where its teeth are reused, the drawn mouth changes a little per step, and with lips barely
    parted it is the synthesised mouth."""
    pose = rig.pose({"jawOpen": 0.5})
    gap = rig.photo_gap_px / rig.frame.mouth_px
    closings = 1 - np.linspace(0.01, 0.08, 36) / gap  # photo gaps of 1 % .. 8 % of the mouth width
    frames = [_photo_draw(astronaut, rig, colours, pose, float(c)) for c in closings]
    steps = [np.abs(b - a).max(axis=2).sum() for a, b in zip(frames, frames[1:], strict=False)]
    total = np.abs(frames[-1] - frames[0]).max(axis=2).sum()
    assert total > 2000  # the photo's teeth do replace the synthesised ones
    assert max(steps) < 0.15 * total
    synthesised = astronaut.copy()
    _draw(synthesised, pose, rig, colours)
    np.testing.assert_allclose(frames[0], synthesised, atol=1)


# --- Review: teeth pasted white on very light skin, a flat black hole with deep red lips, doubled teeth.


def _eye_mask(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    eyes = np.zeros(image.shape[:2], bool)
    for upper, lower in (
        (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER),
        (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER),
    ):
        eyes |= _fill(image.shape[:2], np.concatenate([xy[list(upper)], xy[list(lower[::-1])]]))
    return cv2.dilate(eyes.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def test_teeth_are_no_lighter_than_shaded_eye_whites(astronaut, portrait):
    """The astronaut with shaded eyes (0.9) and darker lips (0.7): her teeth come down to her eye whites'
    brightest part instead of the near-white they are with her own bright eyes, and stay about as light as
    the lit skin around the mouth (teeth in the mouth's shade, not grey)."""
    xy = portrait.landmarks_xyz[:, :2]
    image = astronaut.astype(np.float64)
    image[_eye_mask(astronaut, xy)] *= 0.9
    lips = _fill(astronaut.shape[:2], xy[OUTER_LOOP]) & ~_fill(astronaut.shape[:2], xy[INNER_LOOP])
    image[lips] *= 0.7
    image = np.clip(image, 0, 255).astype(np.uint8)
    eyes = _eye_mask(astronaut, xy) & ~cv2.dilate(lips.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(
        bool
    )
    eye_white_top = float(np.percentile(image[eyes].mean(axis=1), 99.5))
    teeth = float(np.mean(mouth.sample_colours(image, xy).teeth))
    assert teeth <= eye_white_top, (teeth, eye_white_top)
    assert teeth < float(np.mean(mouth.sample_colours(astronaut, xy).teeth)) - 10
    assert teeth > 0.9 * _lit_skin_near_mouth(image, xy)


def test_deep_red_lips_give_a_dark_mouth_not_a_black_hole(astronaut, portrait):
    """Deep, saturated red lips (as painted): the cavity is still lit by bounce from the skin, a dark
    red-brown rather than black, and the tongue stands out from its back."""
    xy = portrait.landmarks_xyz[:, :2]
    image = astronaut.astype(np.float64)
    lips = _fill(astronaut.shape[:2], xy[OUTER_LOOP]) & ~_fill(astronaut.shape[:2], xy[INNER_LOOP])
    image[lips] *= np.array([0.6, 0.26, 0.28])
    image = np.clip(image, 0, 255).astype(np.uint8)
    colours = mouth.sample_colours(image, xy)
    skin = _lit_skin_near_mouth(image, xy)
    assert _luminance(colours.cavity_deep) > 0.07 * skin
    assert _luminance(colours.cavity) > 0.2 * skin
    assert _luminance(colours.tongue) > 1.5 * _luminance(colours.cavity)
    red, green, blue = colours.cavity
    assert red > green + 10 and red > blue + 10  # still the lips' hue


def test_teeth_through_barely_parted_lips_are_in_shade(astronaut, rig, colours):
    """Review: a thin white line flashes between the lips as the mouth starts to open. The brightest teeth
    seen through a slit are clearly dimmer than through an open mouth."""
    brightest = {}
    for jaw in (0.1, 0.6):  # lips ~4 % and ~23 % of the mouth width apart
        canvas, g = _scaled_draw(astronaut, rig, colours, {"jawOpen": jaw})
        brightest[jaw] = float(np.percentile(_luminance(canvas[g["inside"]]), 98))
    assert brightest[0.1] < 0.72 * brightest[0.6], brightest


def test_a_sliver_of_photo_teeth_is_not_reused(astronaut, rig, colours):
    """Review: doubled teeth (the photo's sliver of incisal edges over a grey band of synthesised crowns).
    A photo whose lips are parted 4 % of the mouth width gets the synthesised teeth only."""
    pose = rig.pose({"jawOpen": 0.5})
    gap = rig.photo_gap_px / rig.frame.mouth_px
    drawn = _photo_draw(astronaut, rig, colours, pose, 1 - 0.04 / gap)
    synthesised = astronaut.copy()
    _draw(synthesised, pose, rig, colours)
    np.testing.assert_allclose(drawn, synthesised, atol=1)


# --- Review of rendered clips: teeth that popped in within a frame, a denture's even row.


def test_a_narrow_gap_shows_the_incisal_edges_over_the_dark_cavity(astronaut, rig, colours):
    """Review: teeth filling the whole gap as soon as the lips part. The teeth are behind the lips: through
    a narrow gap the incisal edges show at the top with the dark cavity below them, not a white bar."""
    canvas, g = _scaled_draw(astronaut, rig, colours, {"jawOpen": 0.2})
    edges = _luminance(_band(canvas, g, across=(0, 0.06), dv_upper=(0.02, 0.05)))
    below = _luminance(_band(canvas, g, across=(0, 0.06), dv_lip=(-0.03, -0.01)))
    assert edges.mean() > below.mean() + 40
    assert below.mean() < 0.5 * _luminance(colours.teeth)


def _teeth_light(astronaut, rig, colours, jaw: float) -> float:
    """How much light the teeth add to the mouth (drawn on black): the summed luminance above the
    cavity's lightest level."""
    canvas = np.zeros_like(astronaut)
    _draw(canvas, rig.pose({"jawOpen": jaw}), rig, colours)
    cavity = max(_luminance(colours.cavity), _luminance(colours.tongue))
    return float(np.clip(_luminance(canvas) - cavity, 0, None).sum())


def test_teeth_come_into_view_gradually_as_the_lips_part(astronaut, rig, colours):
    """Review: teeth appearing within one frame. Over an opening from closed to half open in steps of
    0.025 the teeth's light grows steadily: they first show as a faint sliver (the edges in the lip's shade),
    and no step brings more than an eighth of it."""
    jaws = np.arange(0.0, 0.501, 0.025)
    light = np.array([_teeth_light(astronaut, rig, colours, float(j)) for j in jaws])
    share = light / light[-1]
    assert np.all(np.diff(share) > -0.02)
    first = share[np.argmax(share > 0)]
    assert first < 0.03, f"the teeth first show with {first:.0%} of their light"
    assert np.diff(share).max() < 0.13


def test_the_central_incisors_stand_out_from_the_laterals(half_open):
    """Review: a denture's row of even white bars. The two centrals face the light; the laterals beside
    them step back, each lit as one surface, and a darker separation runs between two teeth."""
    canvas, g = half_open
    centrals = _luminance(_band(canvas, g, across=(0.03, 0.13), dv_upper=(0.03, 0.07))).mean()
    laterals = _luminance(_band(canvas, g, across=(0.19, 0.25), dv_upper=(0.03, 0.07))).mean()
    separation = _luminance(_band(canvas, g, across=(0.164, 0.176), dv_upper=(0.03, 0.07))).mean()
    assert laterals < 0.9 * centrals
    assert separation < laterals - 5


def test_teeth_under_a_moustache_are_dimmer(astronaut, portrait):
    """Review: a flat pale strip under a heavy moustache in a dark warm painting. In the astronaut relit as
    such a painting, skin darkened above the upper lip (a moustache's shade) dims the teeth below it, which
    stay a warm ivory, still lighter than the lips."""
    xy = portrait.landmarks_xyz[:, :2]
    dark = _relit(astronaut, portrait, gain=1.0, mouth_gain=0.55, tint=(1.0, 0.78, 0.52))
    top = xy[topo.LIP_UPPER_OUTER[5]]
    width = float(np.linalg.norm(xy[topo.LIP_UPPER_OUTER[-1]] - xy[topo.LIP_UPPER_OUTER[0]]))
    ys, xs = np.indices(astronaut.shape[:2])
    moustache = (
        (np.abs(xs - top[0]) < 0.6 * width) & (ys > top[1] - 0.3 * width) & (ys < top[1] - 0.02 * width)
    )
    shaded = dark.copy()
    shaded[moustache] = (shaded[moustache] * 0.35).astype(np.uint8)
    clean, under = mouth.sample_colours(dark, xy).teeth, mouth.sample_colours(shaded, xy).teeth
    assert _luminance(under) < 0.9 * _luminance(clean)
    red, green, blue = under
    assert red >= green >= blue
    lips = _fill(dark.shape[:2], xy[OUTER_LOOP]) & ~_fill(dark.shape[:2], xy[INNER_LOOP])
    assert _luminance(under) > _luminance(np.median(dark[lips], axis=0))


def test_a_speech_aa_shows_teeth_above_and_below(half_open):
    """jawOpen 0.6 (a spoken "aa"), not only a shout: the lower incisors' edges show under the dark gap that
    separates them from the upper teeth, and the gap follows the jaw (issue 14: one rigid strip of upper
    teeth over a black hole)."""
    canvas, g = half_open
    upper = _luminance(_band(canvas, g, across=(0, 0.1), dv_upper=(0.04, 0.09)))
    gap = _luminance(_band(canvas, g, across=(0, 0.1), dv_upper=(0.13, 1), dv_lower=(-1, -0.01)))
    lower = _luminance(_band(canvas, g, across=(0, 0.1), dv_lower=(0.005, 0.025), dv_lip=(-1, -0.005)))
    assert lower.mean() > gap.mean() + 30
    assert upper.mean() > gap.mean() + 30


def test_photo_mouth_reuses_its_teeth_not_its_dark_gap(astronaut, portrait, colours):
    # Carried with the skull as the jaw drops, the photo's dark gap under its teeth reads as a maroon slab with
    # a straight lower edge over the synthesised cavity (issue 14, full3.png opened wide): only teeth are reused.
    xy = portrait.landmarks_xyz[:, :2]
    opening = astronaut[_fill(astronaut.shape[:2], xy[INNER_LOOP])].astype(np.float32)
    lum = _luminance(opening)
    like = {
        name: float(mouth._teeth_like(pixels[None], colours).mean())
        for name, pixels in (
            ("teeth", opening[lum >= np.percentile(lum, 70)]),
            ("gap", opening[lum <= np.percentile(lum, 10)]),
        )
    }
    assert like["teeth"] > 0.8 and like["gap"] < 0.2, like
