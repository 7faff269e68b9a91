"""Closing eyelids: the photo's own lid skin sweeps down over the eye, with a lash line at its edge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.face import topology as topo
from dirfa.face.landmarks import load_portrait
from dirfa.face.rig import build_rig
from dirfa.render import eyelids
from dirfa.render.compose import FrameRenderer, plan_output

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


# --- how a closing lid looks: lid coordinates of the right eye (image left), from the rig's open lid ---


def _lid_frame(
    rig, shape: tuple[int, ...], lid_coordinates
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Per pixel: s along the open upper lid (0..1 corner to corner, outer corner first) and height above
    it in eye widths; the unit vector up the face; the eye width in pixels."""
    s, height, up, eye_w = lid_coordinates(rig.pose({}).upper_lids_open_xy[0], shape)
    return s, height / eye_w, up, eye_w


def _shadowed_socket(image: np.ndarray, rig) -> np.ndarray:
    """The photo with a deep shadow over the right eye socket, between lashes and brow (as in painted
    portraits with deep-set eyes or dark eye shadow), where a pasted lid shows its edges most."""
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2]
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    centre = lid.mean(axis=0) - [0.0, 0.2 * eye_w]
    mask = np.zeros(image.shape[:2], np.float32)
    axes = (int(0.7 * eye_w), int(0.3 * eye_w))
    cv2.ellipse(mask, (int(centre[0]), int(centre[1])), axes, 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.12 * eye_w)
    return np.clip(image * (1 - 0.6 * mask[..., None]), 0, 255).astype(np.uint8)


def _gradient_up(frame: np.ndarray, up: np.ndarray) -> np.ndarray:
    luminance = frame.astype(np.float32).mean(axis=2)
    gx = cv2.Sobel(luminance, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(luminance, cv2.CV_32F, 0, 1, ksize=3) / 8
    return np.abs(gx * up[0] + gy * up[1])


@pytest.mark.parametrize("shadow", [False, True])
def test_closed_lid_joins_the_skin_above_without_a_seam(astronaut, portrait, rig, shadow, lid_coordinates):
    image = _shadowed_socket(astronaut, rig) if shadow else astronaut
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    s, height, up, _ = _lid_frame(rig, image.shape, lid_coordinates)
    # Where the synthesised lid's top blends into the warped skin above the eye.
    zone = (s > 0.15) & (s < 0.85) & (height > 0.1) & (height < 0.25)
    rest = _gradient_up(renderer.render({}), up)[zone]
    closed = _gradient_up(renderer.render({"eyeBlinkRight": 1.0}), up)[zone]
    # No edge there sharper than the skin's own (the open eye's crease, the shadow's rim).
    assert np.percentile(closed, 99) <= np.percentile(rest, 99)


def _closed_lash_line(
    renderer, rig, shape, lid_coordinates
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Along the closed right eye, per image column: the lash line's height above the open lid's chord (px,
    darkness-weighted), how much darker than the lid skin the column gets (summed), and its s."""
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    s, height, up, eye_w = _lid_frame(rig, shape, lid_coordinates)
    lid = rig.pose({}).upper_lids_open_xy[0]
    chord_h = ((np.stack(np.mgrid[0 : shape[0], 0 : shape[1]][::-1], axis=-1) - lid[0]) @ up).astype(
        np.float64
    )
    x0, x1 = int(np.ceil(lid[:, 0].min())), int(np.floor(lid[:, 0].max()))
    near = (height > -0.45) & (height < 0.05)
    skin = np.median(closed[(height > 0.0) & (height < 0.15) & (s > 0.2) & (s < 0.8)])
    ys, darkness, cols = [], [], []
    for x in range(x0, x1 + 1):
        rows = np.nonzero(near[:, x])[0]
        dark = np.clip(skin - closed[rows, x], 0, None) ** 2
        ys.append((chord_h[rows, x] * dark).sum() / max(dark.sum(), 1e-6))
        darkness.append(np.sqrt(dark).sum())
        cols.append(s[rows[0], x])
    return np.array(ys, np.float64), np.array(darkness), np.array(cols), float(skin)


def test_closed_lash_line_is_a_dark_arc_tapering_to_the_inner_corner(
    portrait, rig, renderer, lid_coordinates
):
    heights, darkness, s, skin = _closed_lash_line(renderer, rig, portrait.image.shape, lid_coordinates)
    middle = (s > 0.3) & (s < 0.7)
    # Darker than the lid skin, and running along the closed lid's edge (which sags with the lower lid it
    # meets), not along a straight chord.
    assert darkness[middle].min() > 0.3 * skin
    lid = rig.pose({}).upper_lids_open_xy[0].astype(np.float64)
    edge = rig.pose({"eyeBlinkRight": 1.0}).upper_lids_xy[0].astype(np.float64)
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    along = (lid[-1] - lid[0]) / eye_w
    up = np.array([along[1], -along[0]]) * (1 if along[0] > 0 else -1)
    edge_h = np.interp(s, (edge - lid[0]) @ along / eye_w, (edge - lid[0]) @ up)
    assert np.abs(heights - edge_h)[(s > 0.15) & (s < 0.85)].mean() < 1.0


def test_lash_line_is_thickest_over_the_middle_and_outer_third_and_tapers_inwards(astronaut, portrait):
    # A big eye (100 px, like a painted close-up) on plain skin, drawn closed: right eye, outer corner first.
    colours = eyelids.sample_colours(astronaut, portrait.landmarks_xyz[:, :2])
    x = np.linspace(50.0, 150.0, 9)
    t = (x - 100.0) / 50.0
    open_lid = np.stack([x, 100.0 - 30.0 * (1 - t**2)], axis=1)
    closed_lid = np.stack([x, 100.0 + 8.0 * (1 - t**2)], axis=1)
    canvas = np.empty((180, 200, 3), np.uint8)
    canvas[:] = np.round(colours.skin[0]).astype(np.uint8)
    lids = np.stack([closed_lid, closed_lid + [300.0, 0.0]]).astype(np.float32)
    lids_open = np.stack([open_lid, open_lid + [300.0, 0.0]]).astype(np.float32)
    eyelids.draw_lids(canvas, (0, 0), lids, lids_open, np.array([1.0, 0.0]), colours)
    luminance = canvas.astype(np.float32).mean(axis=2)
    skin = float(np.median(luminance[60:95, 80:120]))
    below = np.stack([luminance[int(100 + 8 * (1 - tt**2)) - 2 :, int(xx)][:14] for xx, tt in zip(x, t)])
    ink = np.clip(skin - below, 0, None).sum(axis=1)  # per lid point, outer corner (x=50) to inner
    # A closed lash line darker than the lid, thickest over the middle and outer third, thin inside.
    assert below.min() < 0.5 * skin
    assert ink[2:5].mean() > 1.6 * ink[7]
    assert ink[1:5].min() > 1.2 * ink[7]
    # Not a uniform stroke: the darkness along it varies.
    assert ink[1:8].std() > 0.15 * ink[1:8].mean()


def test_half_blink_hides_the_top_of_the_iris_without_squashing_it(rig, renderer, rest_frame):
    half = renderer.render({"eyeBlinkRight": 0.5})
    iris = rig.points_xyz[list(topo.IRIS_RIGHT), :2]
    centre, radius = iris.mean(axis=0), float(np.linalg.norm(iris - iris.mean(axis=0), axis=1).max())
    x = slice(int(centre[0] - 0.4 * radius), int(centre[0] + 0.4 * radius) + 1)
    top = slice(int(centre[1] - 0.9 * radius), int(centre[1] - 0.3 * radius))
    bottom = slice(int(centre[1] + 0.1 * radius), int(centre[1] + 0.5 * radius))
    lum_rest, lum_half = rest_frame.astype(np.float32).mean(axis=2), half.astype(np.float32).mean(axis=2)
    # The dark iris top is covered by lighter lid skin...
    assert lum_half[top, x].mean() > lum_rest[top, x].mean() + 25
    # ...while its lower part stays where it was, no lighter (no lid skin stretched over it; the lashes hanging
    # from the whole lid at half closure may shade the catchlight just under its edge), and below that as dark
    # as it was.
    assert lum_half[bottom, x].mean() < lum_rest[bottom, x].mean() + 8
    low = slice(bottom.stop - 1, bottom.stop)
    assert abs(lum_half[low, x].mean() - lum_rest[low, x].mean()) < 8


def test_a_blink_moves_smoothly_without_popping(portrait, renderer):
    box = _eye_box(portrait)
    box = (slice(box[0].start - 12, box[0].stop + 4), slice(box[1].start - 6, box[1].stop + 6))
    frames = [renderer.render({"eyeBlinkRight": b})[box].astype(np.float32) for b in np.linspace(0, 1, 21)]
    steps = np.array([np.abs(b - a).mean() for a, b in zip(frames, frames[1:])])
    # Each 5 % of closure changes the eye about as much as the next: no frame where the lid appears at once.
    assert steps.max() < 3.0 * np.median(steps)


def test_closed_eye_is_seen_closed_by_the_landmark_detector(astronaut, renderer):
    def aperture(image: np.ndarray) -> float:
        xy = load_portrait(image).landmarks_xyz[:, :2]
        upper, lower = list(topo.EYE_RIGHT_UPPER[2:-2]), list(topo.EYE_RIGHT_LOWER[2:-2])
        eye_w = np.linalg.norm(xy[topo.EYE_RIGHT_UPPER[0]] - xy[topo.EYE_RIGHT_UPPER[-1]])
        return float(np.median(xy[lower, 1] - xy[upper, 1]) / eye_w)

    open_share = aperture(astronaut)
    closed_share = aperture(renderer.render({"eyeBlinkRight": 1.0, "eyeBlinkLeft": 1.0}))
    assert closed_share < 0.4 * open_share


# --- the reviewer's defects: dark lid patches, old lashes floating above the lid, hair painted over -------


def _brow_bone_luminance(image: np.ndarray, rig, lid_coordinates) -> float:
    """The photo's skin between the right eye's crease and brow (0.35..0.8 of the way up), luminance."""
    s, height, _, eye_w = _lid_frame(rig, image.shape, lid_coordinates)
    brow = rig.points_xyz[list(topo.BROW_RIGHT_INNER + topo.BROW_RIGHT_OUTER), :2]
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2]
    brow_up = float(np.median(lid[:, 1].mean() - brow[:, 1])) / eye_w
    band = (s > 0.2) & (s < 0.8) & (height > 0.35 * brow_up) & (height < 0.8 * brow_up)
    return float(np.median(image.astype(np.float32).mean(axis=2)[band]))


def _eye_shadow(image: np.ndarray, rig, lid_coordinates) -> np.ndarray:
    """The photo with dark eye shadow and a thick liner tail on the right eye: a dark band over the lashes
    and the skin just above them, and a wing past the outer corner (where the old lid sampled its colour
    and left the liner floating)."""
    s, height, _, eye_w = _lid_frame(rig, image.shape, lid_coordinates)
    band = _smooth_box(s, 0.0, 1.0, 0.05) * _smooth_box(height * eye_w, -1.0, 0.2 * eye_w, 1.5)
    wing = _smooth_box(s, -0.15, 0.05, 0.02) * _smooth_box(height * eye_w, 0.0, 0.1 * eye_w, 0.8)
    dark = np.maximum(0.55 * band, 0.8 * wing)
    return np.clip(image * (1 - dark[..., None]), 0, 255).astype(np.uint8)


def _smooth_box(x: np.ndarray, lo: float, hi: float, soft: float) -> np.ndarray:
    return np.clip((x - lo) / soft + 0.5, 0, 1) * np.clip((hi - x) / soft + 0.5, 0, 1)


@pytest.mark.parametrize("made_up", [False, True])
def test_closed_lid_is_as_light_as_the_brow_bone_not_a_dark_patch(
    astronaut, portrait, rig, made_up, lid_coordinates
):
    image = _eye_shadow(astronaut, rig, lid_coordinates) if made_up else astronaut
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    s, height, _, eye_w = _lid_frame(rig, image.shape, lid_coordinates)
    edge = rig.pose({"eyeBlinkRight": 1.0}).upper_lids_xy[0]
    lid = rig.pose({}).upper_lids_open_xy[0]
    travel = float(np.median(edge[2:-2, 1] - lid[2:-2, 1])) / eye_w
    # The lid's middle band: above the lash line, below the open edge.
    body = (s > 0.3) & (s < 0.7) & (height < -0.25 * travel) & (height > -0.75 * travel)
    assert body.sum() >= 4
    assert np.median(closed[body]) > _brow_bone_luminance(image, rig, lid_coordinates) - 25


@pytest.mark.parametrize("made_up", [False, True])
def test_photos_lashes_and_liner_do_not_float_above_the_closed_lid(
    astronaut, portrait, rig, made_up, lid_coordinates
):
    image = _eye_shadow(astronaut, rig, lid_coordinates) if made_up else astronaut
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    s, height, _, _ = _lid_frame(rig, image.shape, lid_coordinates)
    skin = _brow_bone_luminance(image, rig, lid_coordinates)
    rest = renderer.render({}).astype(np.float32).mean(axis=2)
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    # Just above the open lid edge, and past the outer corner (a liner wing, a lash clump).
    for zone in (
        (s > 0.15) & (s < 0.85) & (height > 0.0) & (height < 0.12),
        (s > -0.12) & (s < 0.0) & (height > 0.0) & (height < 0.1),
    ):
        dark_rest, dark_closed = (rest[zone] < 0.45 * skin).mean(), (closed[zone] < 0.45 * skin).mean()
        assert dark_rest > 0.1  # the premise: lashes or liner are there when the eye is open
        assert dark_closed < 0.35 * dark_rest


def _strand_across_the_eye(image: np.ndarray, rig) -> tuple[np.ndarray, np.ndarray]:
    """The photo with a thin pale strand (like bleached hair) falling from above the brow across the right
    eye, over the lid and the iris, down onto the cheek; and a (H, W) mask of its middle line."""
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2]
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    centre = rig.points_xyz[topo.IRIS_RIGHT[0], :2]
    slope = np.array([0.45, 1.0]) / np.hypot(0.45, 1.0)  # steeply across the lid, as hair falls
    a, b = centre - 1.2 * eye_w * slope, centre + 0.8 * eye_w * slope
    ends = tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int))
    mask, core = np.zeros(image.shape[:2], np.uint8), np.zeros(image.shape[:2], np.uint8)
    cv2.line(mask, *ends, 255, 2, cv2.LINE_AA)
    cv2.line(core, *ends, 255, 1)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    pale = np.array([245.0, 242.0, 235.0])
    return np.clip(image + alpha * (pale - image), 0, 255).astype(np.uint8), core > 0


def test_light_hair_strand_in_front_of_the_eye_stays_in_front_of_the_closed_lid(astronaut, lid_coordinates):
    # A close-up (the astronaut's face 4x: eyes ~74 px wide), so the closed lid is many pixels tall.
    close_up = cv2.resize(astronaut[20:230, 130:320], None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    portrait = load_portrait(close_up)
    rig = build_rig(portrait)
    image, strand = _strand_across_the_eye(close_up, rig)
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    s, height, _, eye_w = _lid_frame(rig, image.shape, lid_coordinates)
    edge = rig.pose({"eyeBlinkRight": 1.0}).upper_lids_xy[0]
    lid = rig.pose({}).upper_lids_open_xy[0]
    travel = float(np.median(edge[2:-2, 1] - lid[2:-2, 1])) / eye_w
    # Over the closed lid's body (where the open eye was, and the lid skin above it), the strand is still
    # there, as it hangs in front of the eye: nearly as light as in the photo, far lighter than the lid.
    body = (s > 0.1) & (s < 0.9) & (height < 0.1) & (height > -0.8 * travel)
    on = strand & body
    beside = body & ~cv2.dilate(strand.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert on.sum() >= 10
    assert np.median(closed[on]) > np.median(closed[beside]) + 30
    assert np.median(closed[on]) > np.median(image.astype(np.float32).mean(axis=2)[on]) - 15


def test_light_folds_along_the_lid_are_not_taken_for_hair(astronaut, portrait):
    # A pale line along the lid, just above the lashes (a lit fold, glitter on eye shadow): the lid replaces
    # it when it closes, like the rest of the lid skin.
    colours = eyelids.sample_colours(astronaut, portrait.landmarks_xyz[:, :2])
    image = astronaut.copy()
    lid = portrait.landmarks_xyz[list(topo.EYE_RIGHT_UPPER), :2]
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    fold = np.round(lid[1:-1] - [0.0, 0.08 * eye_w]).astype(np.int32)
    cv2.polylines(image, [fold], False, (245, 242, 235), 2, cv2.LINE_AA)
    folded = eyelids.sample_colours(image, portrait.landmarks_xyz[:, :2])
    assert folded.hair[0][..., 3].max() <= colours.hair[0][..., 3].max() + 0.05


def test_closed_lid_has_no_edge_sharper_than_the_skin_at_its_corners(
    astronaut, rig, renderer, rest_frame, lid_coordinates
):
    s, height, up, _ = _lid_frame(rig, astronaut.shape, lid_coordinates)
    closed = renderer.render({"eyeBlinkRight": 1.0})
    for corner in ((s > -0.15) & (s < 0.08), (s > 0.92) & (s < 1.15)):
        zone = corner & (height > -0.1) & (height < 0.25)
        luminance = lambda f: f.astype(np.float32).mean(axis=2)  # noqa: E731
        gx = [
            np.abs(cv2.Sobel(luminance(f), cv2.CV_32F, 1, 0, ksize=3) / 8)[zone] for f in (rest_frame, closed)
        ]
        assert np.percentile(gx[1], 95) <= np.percentile(gx[0], 95) + 4


def test_closed_lid_carries_on_the_tone_of_the_skin_above_it(astronaut, rig, renderer, lid_coordinates):
    # A real closed lid is the skin above it carried on down to the lashes: no lighter or darker patch.
    s, height, _, eye_w = _lid_frame(rig, astronaut.shape, lid_coordinates)
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    edge = rig.pose({"eyeBlinkRight": 1.0}).upper_lids_xy[0]
    lid = rig.pose({}).upper_lids_open_xy[0]
    travel = float(np.median(edge[2:-2, 1] - lid[2:-2, 1])) / eye_w
    middle = (s > 0.15) & (s < 0.85)
    body = middle & (height < -0.25 * travel) & (height > -0.75 * travel)
    above = middle & (height > 0.26) & (height < 0.33)  # just above the synthesised cover's top
    assert body.sum() >= 4 and above.sum() >= 4
    assert abs(float(closed[body].mean() - closed[above].mean())) < 12


def test_closed_lid_under_a_shadowed_socket_is_in_the_sockets_own_light(
    astronaut, portrait, rig, lid_coordinates
):
    # Only the socket above the eye is in shadow (the skin under the eye is lit): the closed lid, the skin between its
    # lashes and brow unfolded, is as light as that skin is, neither darker than most of it (a bruise) nor pulled up out
    # of it towards the lit skin under the eye (a pale lens in the shadow: art_13.png, session 13 review).
    image = _shadowed_socket(astronaut, rig)
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    s, height, _, eye_w = _lid_frame(rig, image.shape, lid_coordinates)
    closed = renderer.render({"eyeBlinkRight": 1.0}).astype(np.float32).mean(axis=2)
    body = (s > 0.3) & (s < 0.7) & (height > -0.2) & (height < -0.05)
    brow = rig.points_xyz[list(topo.BROW_RIGHT_INNER + topo.BROW_RIGHT_OUTER), :2]
    lid = rig.points_xyz[list(topo.EYE_RIGHT_UPPER), :2]
    brow_up = float(np.median(lid[:, 1].mean() - brow[:, 1])) / eye_w
    socket = (s > 0.2) & (s < 0.8) & (height > 0.1) & (height < 0.8 * brow_up)
    lum = image.astype(np.float32).mean(axis=2)[socket]
    assert np.percentile(lum, 50) <= np.median(closed[body]) <= np.percentile(lum, 98)


def _brush_strokes(image: np.ndarray) -> np.ndarray:
    """The photo with a painting's strong, fine texture (fixed-seed noise, ~2 px across) all over."""
    noise = np.random.default_rng(3).normal(0.0, 1.0, image.shape[:2]).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 0.8)
    noise *= 10.0 / noise.std()
    return np.clip(image + noise[..., None], 0, 255).astype(np.uint8)


def test_closed_lid_is_as_textured_as_a_brush_stroked_face(astronaut, lid_coordinates):
    # A painted face is strongly textured all over: a closed lid with a photo's faint grain reads as a
    # smooth pasted patch. (At twice the size, so the lid spans enough pixels to measure its grain.)
    image = _brush_strokes(cv2.resize(astronaut, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
    portrait = load_portrait(image)
    rig = build_rig(portrait)
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    s, height, _, _ = _lid_frame(rig, image.shape, lid_coordinates)

    def grain(frame: np.ndarray) -> np.ndarray:
        luminance = frame.astype(np.float32).mean(axis=2)
        return luminance - cv2.GaussianBlur(luminance, (0, 0), 2.0)

    def spread(values: np.ndarray) -> float:
        return 1.4826 * float(np.median(np.abs(values)))

    # The closed lid's upper body (clear of the lash line) against the cheek below the eye.
    lid = (s > 0.25) & (s < 0.75) & (height > -0.04) & (height < 0.1)
    cheek = (s > 0.2) & (s < 0.8) & (height > -0.9) & (height < -0.6)
    assert lid.sum() >= 40 and cheek.sum() >= 40
    closed = grain(renderer.render({"eyeBlinkRight": 1.0}))
    assert spread(closed[lid]) > 0.6 * spread(grain(image)[cheek])
    # ... and at full strength: read between pixels (bilinear), the copied grain lost a quarter of its
    # strength (0.77 of the cheek's), the flat, airbrushed lid of the review (art_5, art_13).
    assert spread(closed[lid]) > 0.88 * spread(grain(image)[cheek])


def test_in_place_smoothstep_gives_the_straightforward_numbers():
    rng = np.random.default_rng(4)
    for dtype in (np.float32, np.float64):
        x = rng.uniform(-3.0, 4.0, (37, 29)).astype(dtype)
        before = x.copy()
        t = np.clip((x - 0.5) * (1.0 / (2.5 - 0.5)), 0.0, 1.0)
        got = eyelids._smoothstep(0.5, 2.5, x)
        np.testing.assert_array_equal(got, t * t * (3 - 2 * t))
        assert got.dtype == dtype and np.array_equal(x, before)  # (its input untouched)
    assert eyelids._smoothstep(0.0, 2.0, 1.0) == 0.5


def test_lid_hue_from_the_drawn_rows_alone_is_the_whole_windows(astronaut, portrait):
    # draw_lids cuts its fields to the rows the cover and lashes reach (from an even row): the lid's hue,
    # measured round the cover over the whole window, must come out the same for those rows.
    ys, xs = _eye_box(portrait)
    y0, x0 = ys.start - 20, xs.start - 10
    patch = astronaut[y0 : y0 + 60, x0 : x0 + 60].astype(np.float32)
    yy, xx = np.mgrid[0:60, 0:60]
    cover = np.clip(1.0 - np.hypot((yy - 38) / 8.0, (xx - 30) / 20.0), 0.0, 1.0).astype(np.float32)
    tone = cv2.GaussianBlur(patch, (0, 0), 3.0) * np.float32([1.1, 0.85, 0.9])  # (another hue)
    whole = eyelids._ring_hue(tone, patch, cover, 40.0)
    row0 = 28  # (even; the cover starts at row 31)
    assert not cover[:row0].any()
    cut = eyelids._ring_hue(tone[row0:], patch, cover, 40.0, row0)
    assert np.abs(whole - tone).max() > 1.0  # the hue did move
    np.testing.assert_array_equal(cut, whole[row0:])
