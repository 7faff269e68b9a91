"""Rendered frames as a user sees them: framing, a still background, no holes, and — re-detected with
mediapipe — an open mouth that is open, closed eyes that are closed, and the same person at rest."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dirfa.errors import InputError
from dirfa.face import topology as topo
from dirfa.face.landmarks import find_faces, load_portrait
from dirfa.face.rig import build_rig
from dirfa.render.compose import MAX_OUTPUT_SIDE_PX, FrameRenderer, background_plate, plan_output

UPPER_FACE = sorted(
    set(
        topo.EYE_RIGHT_UPPER
        + topo.EYE_RIGHT_LOWER
        + topo.EYE_LEFT_UPPER
        + topo.EYE_LEFT_LOWER
        + topo.BROW_RIGHT_INNER
        + topo.BROW_RIGHT_OUTER
        + topo.BROW_LEFT_INNER
        + topo.BROW_LEFT_OUTER
        + (topo.NOSE_TIP, 4, 5, 6, 168, 197, 195)  # nose tip and bridge
    )
)
EXTREMES = {
    "open_wide_turned_right": {
        "jawOpen": 1.0,
        "mouthFunnel": 1.0,
        "mouthStretchLeft": 1.0,
        "mouthStretchRight": 1.0,
        "mouthLowerDownLeft": 1.0,
        "mouthLowerDownRight": 1.0,
        "mouthUpperUpLeft": 1.0,
        "mouthUpperUpRight": 1.0,
        "eyeWideLeft": 1.0,
        "eyeWideRight": 1.0,
        "browInnerUp": 1.0,
        "browOuterUpLeft": 1.0,
        "browOuterUpRight": 1.0,
        "gazeYaw": 15.0,
        "gazePitch": -15.0,
        "headYaw": 15.0,
        "headPitch": 10.0,
        "headRoll": 8.0,
    },
    "pucker_wink_turned_left": {
        "jawOpen": 1.0,
        "mouthPucker": 1.0,
        "mouthSmileLeft": 1.0,
        "mouthFrownRight": 1.0,
        "mouthRollLower": 1.0,
        "eyeBlinkLeft": 1.0,
        "eyeSquintRight": 1.0,
        "browDownLeft": 1.0,
        "browDownRight": 1.0,
        "cheekSquintLeft": 1.0,
        "cheekSquintRight": 1.0,
        "gazeYaw": -15.0,
        "headYaw": -15.0,
        "headPitch": -10.0,
        "headRoll": -8.0,
    },
    "pressed_lips_blink": {
        "jawOpen": 0.3,
        "mouthClose": 1.0,
        "eyeBlinkLeft": 1.0,
        "eyeBlinkRight": 1.0,
        "headYaw": 15.0,
        "headPitch": -10.0,
        "headRoll": 8.0,
    },
}


def _inner_lip_gap_px(landmarks: np.ndarray) -> float:
    return float(np.max(landmarks[list(topo.LIP_LOWER_INNER), 1] - landmarks[list(topo.LIP_UPPER_INNER), 1]))


def _eye_openings(landmarks: np.ndarray) -> np.ndarray:
    """Upper-to-lower lid distance at the middle of each eye (159-145, 386-374) over the eye's width."""
    xy = landmarks[:, :2]
    right = np.linalg.norm(xy[159] - xy[145]) / np.linalg.norm(xy[33] - xy[133])
    left = np.linalg.norm(xy[386] - xy[374]) / np.linalg.norm(xy[362] - xy[263])
    return np.array([right, left])


def _redetect(frame: np.ndarray) -> np.ndarray:
    faces = find_faces(frame)
    assert len(faces) == 1, f"{len(faces)} faces in the rendered frame"
    return faces[0]


def _face_oval_mask(shape: tuple[int, ...], points_xy: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points_xy[list(topo.face_oval())]).astype(np.int32)], 1)
    return mask.astype(bool)


# --- framing -----------------------------------------------------------------------------------------


def test_whole_picture_is_shown_at_its_size_made_even(portrait):
    assert plan_output((512, 512, 3), portrait.face_box).box == (0, 0, 512, 512)
    plan = plan_output((509, 511, 3), portrait.face_box)
    assert (plan.width, plan.height) == (510, 508)
    assert plan.box == (0, 0, 510, 508)  # the last column and row are dropped, nothing is scaled


@pytest.mark.parametrize(
    "shape,size", [((512, 512, 3), 300), ((512, 512, 3), 301), ((1200, 1600, 3), 300), ((509, 511, 3), 17)]
)
def test_size_sets_the_width_and_keeps_the_aspect(portrait, shape, size):
    plan = plan_output(shape, portrait.face_box, size=size)
    assert plan.width % 2 == 0 and plan.height % 2 == 0
    assert abs(plan.width - size) <= 1
    assert plan.height == pytest.approx(plan.width * shape[0] / shape[1], abs=2)
    assert plan.box == (0, 0, shape[1], shape[0])


@pytest.mark.parametrize("size", [0, 15, MAX_OUTPUT_SIDE_PX + 1, -2])
def test_size_out_of_range_is_an_input_error(portrait, size):
    with pytest.raises(InputError, match="--size"):
        plan_output((512, 512, 3), portrait.face_box, size=size)


@pytest.mark.parametrize("offset,shape", [((0, 0), (512, 512, 3)), ((1000, 600), (1200, 1600, 3))])
def test_crop_is_a_square_around_the_face(portrait, offset, shape):
    box = portrait.face_box + np.array([*offset, *offset], np.float32)
    plan = plan_output(shape, box, crop=True)
    x0, y0, x1, y1 = plan.box
    assert x1 - x0 == y1 - y0 and plan.width == plan.height and plan.width % 2 == 0
    assert 0 <= x0 and 0 <= y0 and x1 <= shape[1] and y1 <= shape[0]
    assert x0 <= box[0] and y0 <= box[1] and box[2] <= x1 and box[3] <= y1  # the whole face is in it
    assert x1 - x0 < 4 * (box[3] - box[1])  # a head-and-shoulders shot, not the whole picture
    assert plan.width <= 512
    sized = plan_output(shape, box, crop=True, size=256)
    assert sized.box == plan.box and (sized.width, sized.height) == (256, 256)


def test_crop_of_a_face_at_the_picture_edge_stays_inside_the_picture():
    plan = plan_output((512, 512, 3), np.array([2, 3, 95, 113], np.float32), crop=True)
    x0, y0, x1, y1 = plan.box
    assert (x0, y0) == (0, 0) and x1 - x0 == y1 - y0 <= 512


@pytest.mark.parametrize("shape", [(10000, 5000, 3), (3000, 9000, 3)])
def test_huge_pictures_are_scaled_down(portrait, shape):
    plan = plan_output(shape, portrait.face_box)
    assert max(plan.width, plan.height) <= MAX_OUTPUT_SIDE_PX
    assert plan.width % 2 == 0 and plan.height % 2 == 0
    assert plan.width / plan.height == pytest.approx(shape[1] / shape[0], rel=0.01)


def test_output_frames_have_the_planned_size(portrait, rig):
    for plan in (
        plan_output(portrait.image.shape, portrait.face_box, crop=True, size=128),
        plan_output(portrait.image.shape, portrait.face_box, size=320),
        plan_output(portrait.image.shape, portrait.face_box, crop=True),
    ):
        frame = FrameRenderer(portrait.image, rig, plan).render({"jawOpen": 0.5})
        assert frame.shape == (plan.height, plan.width, 3) and frame.dtype == np.uint8
        assert frame.flags.c_contiguous


# --- what moves and what stays -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_background_far_from_the_face_is_untouched(astronaut, renderer, rig, name):
    frame = renderer.render(EXTREMES[name])
    assert frame.shape == astronaut.shape
    for corner in (np.s_[:64, :64], np.s_[:64, -64:], np.s_[-64:, :64], np.s_[-64:, -64:]):
        np.testing.assert_array_equal(frame[corner], astronaut[corner])
    # Nothing beyond the rig's outer ring (the still background) changes at all.
    hull = cv2.convexHull(rig.points_xyz[:, :2].astype(np.float32))
    mesh = np.zeros(astronaut.shape[:2], np.uint8)
    cv2.fillPoly(mesh, [np.round(hull).astype(np.int32)], 1)
    far = cv2.dilate(mesh, np.ones((5, 5), np.uint8)) == 0
    changed = np.any(frame != astronaut, axis=2) & far
    assert not changed.any(), f"{changed.sum()} background pixels changed, e.g. {np.argwhere(changed)[:3]}"


@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_extreme_frames_have_no_black_holes(astronaut, renderer, rig, name):
    """No blob of near-black pixels in the face: the mouth cavity is tinted, never black, and the photo's face
    has nothing darker than 22 in any channel. (Single dark pixels are bicubic undershoot at the collar.)"""
    frame = renderer.render(EXTREMES[name])
    face = _face_oval_mask(astronaut.shape, rig.pose(EXTREMES[name]).points_xy)
    # Inside the face only: just past a lowered chin lies the astronaut's black collar, rightly.
    face = cv2.erode(face.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    black = ((frame.max(axis=2) < 12) & face).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(black, connectivity=8)
    blobs = [(int(x), int(y), int(area)) for x, y, _, _, area in stats[1:] if area >= 3]
    assert not blobs, f"near-black blobs (x, y, pixels): {blobs}"


def test_head_yaw_turns_the_rendered_face_towards_the_viewers_right(renderer, portrait):
    landmarks = _redetect(renderer.render({"headYaw": 15.0}))
    shift = landmarks[:, 0] - portrait.landmarks_xyz[:, 0]
    assert shift[topo.NOSE_TIP] > 3.0
    assert shift[topo.NOSE_TIP] > shift[[234, 454]].max()  # parallax: the nose swings past the ears


# --- re-detected ---------------------------------------------------------------------------------------


def test_rendered_jaw_open_is_seen_open(renderer, rest_frame, portrait):
    rest = _inner_lip_gap_px(_redetect(rest_frame))
    opened = _inner_lip_gap_px(_redetect(renderer.render({"jawOpen": 0.7})))
    mouth_px = np.linalg.norm(portrait.landmarks_xyz[61, :2] - portrait.landmarks_xyz[291, :2])
    assert opened > 0.2 * mouth_px, f"inner-lip gap {opened:.1f} px for a {mouth_px:.0f} px wide mouth"
    # The astronaut's rest pose is her own parted smile (~6 px): the jaw opens well past it.
    assert opened > rest + 0.15 * mouth_px, f"inner-lip gap {opened:.1f} px vs {rest:.1f} px at rest"


def test_rendered_blink_is_seen_closed(renderer, rest_frame):
    """Issue 5: the eyelids are fully closed at the blink's lowest point, as mediapipe sees the frame. (A
    hand-painted closed eye on this photo re-detects at 0.07-0.10 of the eye width; open, ~0.36.)"""
    rest = _eye_openings(_redetect(rest_frame))
    closed = _eye_openings(_redetect(renderer.render({"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0})))
    assert (rest > 0.25).all()
    assert (closed < 0.4 * rest).all(), f"eye openings {closed.round(3)} at the blink, {rest.round(3)} open"


def test_rendered_wink_closes_only_that_eye(renderer, rest_frame):
    rest = _eye_openings(_redetect(rest_frame))
    wink = _eye_openings(_redetect(renderer.render({"eyeBlinkLeft": 1.0})))  # subject's left: image right
    assert wink[1] < 0.4 * rest[1]
    assert wink[0] > 0.7 * rest[0], f"right eye {wink[0]:.3f} (open {rest[0]:.3f})"


def test_rendered_rest_frame_is_the_same_person(rest_frame, portrait):
    """Identity: at rest the eyes, brows and nose re-detect where the photo has them. (The rest frame closes
    the photo's parted lips, which moves mediapipe's nose tip estimate by ~1.4 % of the face width.)"""
    landmarks = _redetect(rest_frame)
    error = np.linalg.norm(landmarks[UPPER_FACE, :2] - portrait.landmarks_xyz[UPPER_FACE, :2], axis=1)
    assert error.max() < 0.02 * portrait.face_width_px, (
        f"landmark {UPPER_FACE[int(np.argmax(error))]} is {error.max():.2f} px off "
        f"({100 * error.max() / portrait.face_width_px:.2f} % of the face width)"
    )


@pytest.mark.parametrize(
    "rounding",
    [{"mouthPucker": 0.4}, {"mouthPucker": 0.4, "mouthFunnel": 0.2}],
    ids=["pucker", "pucker+funnel"],
)
def test_lips_pressed_shut_stay_shut_when_rounded(renderer, rest_frame, portrait, rounding):
    """A p/b/m between rounded vowels ("a boot"): the closure wins over the rounding, as the lips press."""
    rest = _inner_lip_gap_px(_redetect(rest_frame))
    shut = _inner_lip_gap_px(_redetect(renderer.render({"jawOpen": 0.08, "mouthClose": 1.0, **rounding})))
    mouth_px = np.linalg.norm(portrait.landmarks_xyz[61, :2] - portrait.landmarks_xyz[291, :2])
    assert shut < rest + 0.02 * mouth_px, f"inner-lip gap {shut:.1f} px (rest {rest:.1f} px)"


def test_picture_edges_hold_still_when_the_head_nears_them(astronaut):
    """Hair reaching the picture's edge: the edge (and a scanned border or frame line on it) stays put."""
    picture = np.ascontiguousarray(astronaut[40:300, 90:390])  # her hair touches the top and both sides
    picture[:2] = 255  # a thin white border line along the top, as scanned paintings have
    portrait = load_portrait(picture)
    rig = build_rig(portrait)
    renderer = FrameRenderer(picture, rig, plan_output(picture.shape, portrait.face_box))
    for params in ({"headYaw": 12.0, "headPitch": 8.0}, {"headRoll": -8.0, "jawOpen": 0.5}):
        frame = renderer.render(params)
        change = np.abs(frame.astype(int) - picture).max(axis=2)
        assert change[20:-20, 20:-20].max() > 40  # the head did move
        for edge in (change[:2], change[-2:], change[:, :2], change[:, -2:]):
            assert edge.max() <= 2, "the picture's edge moved"


@pytest.mark.parametrize(
    "params", [{"headYaw": 15.0}, {"headYaw": -15.0}, {"headPitch": 10.0}, {"headRoll": 8.0}], ids=str
)
def test_background_beside_the_head_stays_still_when_it_turns(astronaut, renderer, rig, params):
    """The mesh's rings stretch whatever lies around the head; the person layer keeps the background
    there exactly as it was (here ~2/3 of what the rings cover), and the turning head still moves."""
    frame = renderer.render(params)
    outline = np.round(rig.points_xyz[rig.still_outline, :2]).astype(np.int32)
    rings = np.zeros(astronaut.shape[:2], np.uint8)
    cv2.fillPoly(rings, [outline], 1)
    # Background a turning head cannot reach: 12 px clear of the person layer.
    clear = cv2.distanceTransform((rig.person == 0).astype(np.uint8), cv2.DIST_L2, 3) > 12
    beside = (rings > 0) & clear
    assert beside.sum() > 5000
    changed = np.any(frame != astronaut, axis=2)
    assert not changed[beside].any(), f"{changed[beside].sum()} background pixels moved"
    assert changed[rig.person == 255].mean() > 0.2


def test_background_plate_takes_the_person_out():
    """Behind a dark head on a grainy light backdrop, the plate shows the backdrop's tone (what a turning
    head uncovers), keeps the photo wherever the person layer is empty, and never holds more background
    than a pixel shows (so pixels the warp leaves in place come out exactly as they were)."""
    rng = np.random.default_rng(0)
    image = np.clip(rng.normal(190, 4, (240, 240, 3)), 0, 255).astype(np.uint8)
    person = np.zeros((240, 240), np.uint8)
    cv2.circle(person, (120, 140), 60, 255, -1)
    person = cv2.GaussianBlur(person, (0, 0), 2)
    image[person > 128] = (50, 35, 30)
    plate = background_plate(image, person)
    np.testing.assert_array_equal(plate[person == 0], image[person == 0])
    inside = person == 255
    assert np.abs(plate[inside].astype(int) - 190).max() < 15
    clear = (255 - person.astype(np.float32)) / 255
    assert (clear[..., None] * plate <= image + 0.5).all()


def test_background_plate_keeps_thin_branches_beside_the_head():
    """Thin light branches on a dark ground run in behind the head's sides: in the strip a turning head
    uncovers (12 px in from the outline) the plate carries them on, in their place and with much of their
    contrast, instead of a grey smear of branch and ground."""
    height = width = 640
    rows = np.arange(height)[:, None]
    ground = np.where(np.broadcast_to(rows % 30 < 6, (height, width)), 225, 45).astype(np.uint8)
    truth, person, image = _head_before(ground, blur=1.0)
    plate = background_plate(image, person)
    depth = cv2.distanceTransform((person == 255).astype(np.uint8), cv2.DIST_L2, 5)
    # The sides, where the branches cross the outline (above and below they run along it: nothing to carry).
    strip = (person == 255) & (depth <= 12) & (np.abs(rows - 380) < 110)
    fill, under = plate[..., 1][strip].astype(float), truth[..., 1][strip].astype(float)
    assert np.corrcoef(fill, under)[0, 1] > 0.4
    assert fill.std() > 0.35 * under.std(), f"contrast {fill.std():.1f} of {under.std():.1f} levels"


def test_background_plate_does_not_spread_a_broad_object_into_a_wedge():
    """A broad light branch meeting the head's side at a slant (full3's snowy branch root beside the hair): the
    plate carries it only a little way in behind the outline, then the dark ground it stands on goes on, instead
    of a band of grey as wide as its whole slanted contact with the outline running straight in, which a turning
    head uncovered beside the hair."""
    height = width = 640
    ground = np.full((height, width), 45, np.uint8)
    # 24 px wide, from the right edge up-left into the ellipse's right side, 35 degrees off the horizontal.
    cv2.line(ground, (639, 560), (430, 414), 230, 24)
    truth, person, image = _head_before(ground, blur=2.0)
    assert (image[..., 1][(person == 0) & (np.abs(np.arange(width) - 500)[None, :] < 10)] > 200).any()
    plate = background_plate(image, person)
    depth = cv2.distanceTransform((person == 255).astype(np.uint8), cv2.DIST_L2, 5)
    rows, cols = np.mgrid[:height, :width]
    # Behind the right side, 12-40 px in, round where the branch meets it.
    behind = (person == 255) & (depth >= 12) & (depth <= 40) & (cols > 320) & (np.abs(rows - 400) < 60)
    light = plate[..., 1][behind] > 45 + 60
    assert light.mean() < 0.1, f"{light.mean():.0%} of the strip behind the outline is the branch's grey"


def _head_before(ground: np.ndarray, *, blur: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(background in RGB, person matte, picture): a skin-coloured elliptic head in front of `ground` (grey
    levels, 640x640), the ground blurred by `blur` px and the head's edge by 1.5 px."""
    truth = np.dstack([cv2.GaussianBlur(ground, (0, 0), blur)] * 3)
    person = np.zeros(ground.shape, np.uint8)
    cv2.ellipse(person, (320, 380), (170, 230), 0, 0, 360, 255, -1)
    person = cv2.GaussianBlur(person, (0, 0), 1.5)
    share = person[..., None].astype(np.float32) / 255
    image = np.round(truth * (1 - share) + np.array((200, 160, 140)) * share).astype(np.uint8)
    return truth, person, image
