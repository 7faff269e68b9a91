"""The renderer turns the head as far as the tracks ask: a rendered headYaw re-detected by mediapipe's face
mesh and a rigid fit (dirfa.motion.measure) comes back within 10 %, and the background stays still."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from dirfa.face import rig as rig_module
from dirfa.face import topology as topo
from dirfa.face.landmarks import find_faces, load_portrait
from dirfa.face.rig import build_rig
from dirfa.motion.measure import projected_angles, relative_angles, umeyama
from dirfa.render.compose import FrameRenderer, background_plate, plan_output
from dirfa.render.warp import folded_triangles


@pytest.fixture(scope="module")
def renderer(portrait, rig):
    plan = plan_output(portrait.image.shape, portrait.face_box, size=256, crop=True)
    return FrameRenderer(portrait.image, rig, plan)


def test_rigid_fit_recovers_a_known_rotation():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 3))
    angle = np.radians(12.0)
    rotation = np.array([[np.cos(angle), 0, np.sin(angle)], [0, 1, 0], [-np.sin(angle), 0, np.cos(angle)]])
    found, scale, shift = umeyama(points, 2.0 * points @ rotation.T + 5.0)
    np.testing.assert_allclose(found, rotation, atol=1e-9)
    assert scale == pytest.approx(2.0) and np.allclose(shift, 5.0)


def test_a_rendered_yaw_sweep_is_the_sweep_asked_for(renderer):
    rest_image = renderer.render({})
    rest, rest_mirrored = find_faces(rest_image)[0], find_faces(rest_image[:, ::-1])[0]
    asked = np.array([-15.0, -7.5, 7.5, 15.0])
    images = [renderer.render({"headYaw": yaw}) for yaw in asked]
    seen = [find_faces(image)[0] for image in images]
    measured = np.array([relative_angles(rest, landmarks).yaw_deg for landmarks in seen])
    # Requested vs measured slope over the +-15 deg sweep within 10 % (the issue measured 0.35 before);
    # each angle within 20 % (a face already turned a little in the photo turns a little more one way).
    assert float(asked @ measured / (asked @ asked)) == pytest.approx(1.0, abs=0.1)
    np.testing.assert_allclose(measured, asked, rtol=0.2)
    for image, landmarks in zip(images, seen):
        other = relative_angles(rest, landmarks)
        # No nod with the turn. mediapipe's pitch reading of a turned face differs between the frame and the
        # same frame mirrored by up to ~1.5 deg (a render cannot nod the two differently): read as their mean.
        mirrored = relative_angles(rest_mirrored, find_faces(image[:, ::-1])[0])
        assert abs(0.5 * (other.pitch_deg + mirrored.pitch_deg)) < 3.0 and abs(other.roll_deg) < 3.0
    # The same from the 2D landmarks alone, against the rest frame's 3D shape (a looser, independent check).
    projected = np.array([projected_angles(rest, landmarks).yaw_deg for landmarks in seen])
    assert float(asked @ projected / (asked @ asked)) == pytest.approx(1.0, abs=0.25)


def test_pitch_and_roll_come_out_too(renderer):
    rest = find_faces(renderer.render({}))[0]
    # A lowered and a lifted chin both within 10 % (a lifted one had read ~20 % short).
    for pitch in (-12.0, 12.0):
        seen = relative_angles(rest, find_faces(renderer.render({"headPitch": pitch}))[0])
        assert seen.pitch_deg == pytest.approx(pitch, rel=0.1)
        assert abs(seen.yaw_deg) < 3.0 and abs(seen.roll_deg) < 3.0
    assert relative_angles(rest, find_faces(renderer.render({"headRoll": 8.0}))[0]).roll_deg == pytest.approx(
        8.0, rel=0.1
    )


@pytest.mark.parametrize("pose", [{"headYaw": -20.0}, {"headYaw": 20.0}, {"headPitch": 15.0}])
def test_the_background_stays_still_when_the_head_turns(portrait, rig, renderer, pose):
    picture = renderer.render_pose(rig.pose(pose))
    changed = np.abs(picture.astype(np.int16) - portrait.image.astype(np.int16)).max(axis=2) > 0
    assert rig.person is not None
    # Background: outside the person layer, and more than a tenth of a face away from it (the hair's soft
    # edge and its wisps may move with the head).
    reach = max(3, int(0.1 * portrait.face_width_px))
    near_person = cv2.dilate((rig.person > 0).astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)) > 0
    assert changed.any()  # the head did turn
    assert not changed[~near_person].any()


def test_a_nod_moves_both_eyes_alike(rig):
    # A nod turns about the head's own ear-to-ear axis: both eyes rise together (a turned face's far eye used
    # to ride the outline's steep depth and shear).
    moved = rig.pose({"headPitch": 12.0}).points_xy - rig.points_xyz[:, :2]
    right, left = moved[[33, 133], 1].mean(), moved[[362, 263], 1].mean()
    assert right < -1.0 and left < -1.0  # a lifted chin raises the eyes in the picture
    assert abs(right - left) < 0.1 * abs(right + left) / 2


def test_a_face_turned_in_the_photo_turns_back_only_as_far_as_it_can(rig):
    assert abs(rig.photo_turn_deg) < 3.0  # the astronaut looks at the camera: never limited
    assert [rig.realised_yaw_deg(y) for y in (-20.0, -5.0, 5.0, 20.0)] == [-20.0, -5.0, 5.0, 20.0]
    turned = dataclasses.replace(rig, photo_turn_deg=-12.0)  # turned towards the viewer's left
    back = np.array([turned.realised_yaw_deg(y) for y in np.linspace(0.0, 30.0, 61)])
    assert np.all(np.diff(back) > 0)  # every larger request still turns further ...
    assert back.max() < rig_module.FRONTALISE_LIMIT_DEG - 12.0  # ... up to the limit, never past it
    assert turned.realised_yaw_deg(6.0) == 6.0  # small turns are realised in full
    assert turned.realised_yaw_deg(-20.0) == -20.0  # turning further away is not limited
    moved = turned.pose({"headYaw": 40.0}).points_xy - turned.pose({"headYaw": 30.0}).points_xy
    assert np.abs(moved[:468]).max() < 2.0  # past the limit the face hardly moves on


def test_a_photo_that_cuts_the_head_off_never_warps_in_pixels_from_beyond_its_edge(astronaut):
    # The astronaut with the top of her head cut off by the frame: the rings around the face reach past the
    # top edge. Whatever part of the mesh comes into view as the head lowers must map back inside the photo
    # (outside it, the warp could only invent a mirrored border: a zigzag of hair).
    cropped = np.ascontiguousarray(astronaut[60:420, 100:400])
    rig = build_rig(load_portrait(cropped))
    height, width = cropped.shape[:2]
    inside = (rig.points_xyz[:, 0] >= 0) & (rig.points_xyz[:, 0] <= width - 1)
    inside &= (rig.points_xyz[:, 1] >= 0) & (rig.points_xyz[:, 1] <= height - 1)
    rings = slice(478, 478 + len(rig.still_outline) * 3)
    assert (rig.points_xyz[rings, 1] <= 0.0).any()  # the rings do reach the top edge
    assert inside[rings].all()
    posed = rig.pose({"headPitch": -15.0}).points_xy
    assert posed[rings][:, 1].min() >= -1e-3  # and nothing is pulled above it


def test_the_plate_behind_a_fully_covered_person_is_background_coloured():
    # Dark yellow hair has no blue at all (JPEG clips it to 0). Where the person covers a pixel fully the plate
    # is the background carried inwards, whatever the photo's channels: a plate channel zeroed there showed
    # as yellow specks beside the hair when a turning head uncovered it (examples/portrait.jpg at yaw -20).
    image = np.full((120, 120, 3), 200, np.uint8)
    person = np.zeros((120, 120), np.uint8)
    cv2.circle(person, (60, 60), 30, 255, -1)
    person = cv2.GaussianBlur(person, (0, 0), 1.5)
    image[person > 0] = (60, 40, 0)
    plate = background_plate(image, person)
    assert plate[person == 255].min() > 150
    # ... and never more background than the photo shows where the person is partly see-through.
    clear = (255 - person[..., None].astype(np.float64)) / 255
    assert np.all(plate * clear <= image + 1.0)


@pytest.fixture(scope="module")
def turned(portrait, rig):
    """A face turned ~12 deg in the photo: the astronaut rendered at yaw +20 and detected again."""
    renderer = FrameRenderer(portrait.image, rig, plan_output(portrait.image.shape, portrait.face_box))
    turned = load_portrait(renderer.render_pose(rig.pose({"headYaw": 20.0})))
    return turned, build_rig(turned)


def _past_the_outline(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The face outline's landmark ids, and the landmarks that lie outside it (a turned face's far cheek)."""
    oval = np.array(topo.face_oval())
    contour = landmarks[oval, :2].reshape(-1, 1, 2).astype(np.float32)
    inside = np.array(
        [cv2.pointPolygonTest(contour, (float(x), float(y)), True) for x, y in landmarks[:, :2]]
    )
    beyond = np.nonzero(inside < 0)[0]
    assert len(beyond) >= 10
    return oval, beyond


def test_the_far_cheek_of_a_turned_face_nods_with_its_outline(turned):
    # Some of the far cheek's landmarks of a turned face lie past the face outline, over the strip into the
    # hair. Nodding at their own, deeper depth they moved 7-8 px (median) more or less than the outline beside
    # them and tore a staircase of skin and hair along the far cheek (full3.png at pitch +-15); they ride with
    # the outline.
    turned, turned_rig = turned
    assert abs(turned_rig.photo_turn_deg) > 8.0
    landmarks = turned.landmarks_xyz
    oval, beyond = _past_the_outline(landmarks)
    nearest = oval[
        np.argmin(np.linalg.norm(landmarks[beyond, None, :2] - landmarks[None, oval, :2], axis=2), axis=1)
    ]
    eyes_px = float(np.linalg.norm(landmarks[33, :2] - landmarks[263, :2]))
    for pitch in (-15.0, 15.0):
        moved = turned_rig.pose({"headPitch": pitch}).points_xy - turned_rig.points_xyz[:, :2]
        apart = np.abs(moved[beyond, 1] - moved[nearest, 1])
        assert np.median(apart) < 0.03 * eyes_px and apart.max() < 0.15 * eyes_px, (pitch, apart.round(1))


def _far_eye_area_ratios(rig, params: dict[str, float]) -> np.ndarray:
    """Posed over rest area of the skin triangles within 0.35 eye distances of the far eye's outer corner
    (263: the turned astronaut looks towards the viewer's right), slivers left out."""
    xy = rig.points_xyz[:, :2]
    eyes_px = float(np.linalg.norm(xy[33] - xy[263]))
    triangles = rig.skin_triangles

    def areas(points: np.ndarray) -> np.ndarray:
        a, b, c = points[triangles[:, 0]], points[triangles[:, 1]], points[triangles[:, 2]]
        return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))

    rest = areas(xy)
    near = np.linalg.norm(xy[triangles].mean(axis=1) - xy[263], axis=1) < 0.35 * eyes_px
    near &= np.abs(rest) > 1.0  # not the slivers
    assert near.sum() > 50
    return areas(rig.pose(params).points_xy)[near] / rest[near]


def test_a_nod_does_not_stretch_the_far_cheek_under_the_eye_of_a_turned_face(turned):
    # The far outline of a turned face is mediapipe's silhouette, far deeper than the cheek and eye corner a
    # few px beside it: nodding each at its own depth, a nod of 4 deg pulled them apart and the photo's
    # shadow under the far eye stretched into a hard wedge (full3.png, full_body_2.png). Here (the turned
    # astronaut) the skin triangles within 0.35 eye distances of the far eye's outer corner changed area to
    # 0.42-1.7x at pitch +4, 0.34-1.5x at -4 and up to 2.4x at +8; with the far side's nodding depth
    # slope-limited, 0.93-1.18x, 0.82-1.06x and up to 1.36x.
    _, rig = turned
    assert rig.photo_turn_deg > 8.0  # turned towards the viewer's right: the left eye (outer corner 263) far
    for pitch, most in ((4.0, 1.3), (-4.0, 1.3), (8.0, 1.6)):
        ratio = _far_eye_area_ratios(rig, {"headPitch": pitch})
        assert 1 / most < ratio.min() and ratio.max() < most, (pitch, ratio.min(), ratio.max())


def test_the_far_eye_of_a_turned_face_turning_back_keeps_its_shape(turned):
    # Turning a turned face back brings its far eye towards the camera: in the photo it is ~0.8 of the near
    # eye's width, and back past the front it should be about as wide as the near eye, not wider. Turned at
    # the outline's eased depth, its outer corner (at the outline) stayed behind while the inner corner rode
    # the nose: at -15 it came out 1.3x the near eye's width and its iris smeared into a dark bar (full3.png,
    # full_body_2.png at yaw +20); the far side now turns at its own depth.
    _, rig = turned
    assert rig.photo_turn_deg > 8.0 and rig.frontalise_depth_offset is not None
    near, far = topo.EYE_RIGHT_UPPER, topo.EYE_LEFT_UPPER  # turned towards the viewer's right: left eye far

    def ratio(xy: np.ndarray) -> float:
        width = [float(np.linalg.norm(xy[eye[0]] - xy[eye[-1]])) for eye in (far, near)]
        return width[0] / width[1]

    assert ratio(rig.points_xyz[:, :2]) < 0.85  # the photo's far eye is foreshortened
    for yaw in (-15.0, -20.0):  # turning back (a request of -20 is realised at ~-17)
        assert 0.9 < ratio(rig.pose({"headYaw": yaw}).points_xy) < 1.2, yaw
    # Turning further away is unchanged: the far eye narrows.
    assert ratio(rig.pose({"headYaw": 15.0}).points_xy) < ratio(rig.points_xyz[:, :2])


def test_the_far_eye_of_a_turned_face_turning_further_away_stays_open(turned):
    # Turning a turned face further away takes its far eye behind the nose, but a real face ~30 deg from the
    # camera still shows it. Turned at the outline's eased depth, its outer corner (on the outline in a turned
    # face) stayed with the outline while the inner corner rode the nose: the corners met (0.07 of the near
    # eye's width at +20 here; full3.png and full_body_2.png at yaw -20: a dark sliver under the nose). The
    # far eye now turns at its own depth; it narrows as the face turns, but keeps an opening.
    _, rig = turned
    assert rig.photo_turn_deg > 8.0

    def ratio(xy: np.ndarray) -> float:
        # Widths along the eye line, signed (a negative width is an eye folded over itself): the left eye is
        # the far one (turned towards the viewer's right).
        u = xy @ rig.frame.ex
        return float((u[263] - u[362]) / (u[133] - u[33]))

    at_rest = ratio(rig.points_xyz[:, :2])
    widths = [ratio(rig.pose({"headYaw": yaw}).points_xy) for yaw in (10.0, 15.0, 20.0)]
    assert all(0.45 < width < at_rest for width in widths), (at_rest, widths)


def test_turning_a_turned_face_further_away_does_not_squeeze_the_skin_round_the_far_eye(turned):
    # Turning a turned face further away, its far side turns at its own depth but for a band at the outline,
    # which keeps the outline's (mediapipe's silhouette, far deeper): the band's depth climbed steeply within a
    # few px, and already a few degrees into the turn it squeezed the skin under the far eye and at its outer
    # corner (full3.png at yaw -5: 0.4 of its area; at -10 with a nod of -6 folded, a notch in the hair strand
    # over the corner; at -15 / -20 a dotted dark line along the far cheek). Here (the turned astronaut) the
    # skin triangles within 0.35 eye distances of the far eye's outer corner kept 0.34 / 0.24 of their area at
    # +5 (nod 0 / -6), folded from +10 on, and grew up to 2.6x; with the far side's rotation depth
    # slope-limited (rig.AWAY_DEPTH_SLOPE), 0.77 / 0.60 at +5, 0.53 / 0.44 at +10, none folded at +15. (At +15
    # the least is a 2 px^2 skin triangle at the outer corner, whose ratio follows the re-detected landmarks of
    # the turned render: 0.07-0.18 as the eyes' drawing changed, none folded.)
    _, rig = turned
    assert rig.photo_turn_deg > 8.0  # turned towards the viewer's right: +yaw turns it further away
    for yaw, pitch, least in (
        (5.0, 0.0, 0.6),
        (5.0, -6.0, 0.5),
        (10.0, 0.0, 0.4),
        (10.0, -6.0, 0.35),
        (15.0, 0.0, 0.03),
    ):
        ratio = _far_eye_area_ratios(rig, {"headYaw": yaw, "headPitch": pitch})
        assert least < ratio.min() and ratio.max() < 1.6, (yaw, pitch, ratio.min(), ratio.max())


def _over_the_strip(turned, rig) -> dict[int, tuple[list[int], np.ndarray]]:
    """The turned face's landmarks past its outline that lie over the strip from the outline to the first ring:
    each one's strip triangle and barycentric weights there (most of them: at least 0.8)."""
    landmarks = turned.landmarks_xyz
    oval, beyond = _past_the_outline(landmarks)
    xy = rig.points_xyz[:, :2]
    ring = 478 + np.arange(len(oval))  # the first ring, point k outside outline point k
    strip = []
    for k in range(len(oval)):
        j = (k + 1) % len(oval)
        strip += [(oval[k], oval[j], ring[k]), (oval[j], ring[j], ring[k])]
    under = {}
    for i in beyond:
        for triangle in strip:
            a, b, c = xy[list(triangle)]
            w = np.linalg.solve(np.column_stack([b - a, c - a]), xy[i] - a)
            if w.min() >= -1e-6 and w.sum() <= 1 + 1e-6:
                under[i] = (list(triangle), np.array([1 - w.sum(), w[0], w[1]]))
                break
    assert len(under) >= 0.8 * len(beyond)
    return under


def test_the_far_cheek_past_the_outline_moves_with_the_strip_under_it(turned):
    # The far cheek's landmarks past the face outline (see above) lie over the strip from the outline to the
    # first ring, which carries the same photo pixels and below the ears moves with only part of the head. With
    # the whole head's motion they slid over it and the photo's jaw edge showed twice, a dotted dark line inside
    # the far jaw (full3.png at pitch +8..+15): here 0.66 / 0.57 px apart (median) at pitch +12 / -12, up to
    # 2.4 px; they take the strip's head weight where they lie.
    turned, rig = turned
    under = _over_the_strip(turned, rig)
    xy = rig.points_xyz[:, :2]
    for pitch in (12.0, -12.0):
        moved = rig.pose({"headPitch": pitch}).points_xy - xy
        apart = np.array([np.linalg.norm(moved[i] - w @ moved[t]) for i, (t, w) in under.items()])
        assert np.median(apart) < 0.35 and apart.max() < 1.5, (pitch, apart.round(2))


def _near_outline_shift(rig, yaw: float) -> tuple[float, float]:
    """How far the face outline on the side a yaw brings towards the camera moves along the eye line (in
    half-faces): at cheekbone height (0.4-0.6 of the outline's height) and at the jaw (0.75-0.9)."""
    oval = np.array(topo.face_oval())
    xy = rig.points_xyz[:, :2]
    u, v = xy[oval] @ rig.frame.ex, xy[oval] @ rig.frame.ey
    half, middle = np.ptp(u) / 2, (u.min() + u.max()) / 2
    height = (v - v.min()) / np.ptp(v)
    near = u > middle if yaw < 0 else u < middle  # -yaw turns the face to the viewer's left
    moved = (rig.pose({"headYaw": yaw}).points_xy[oval] - xy[oval]) @ rig.frame.ex / half
    cheek = moved[near & (height > 0.4) & (height < 0.6)].mean()
    jaw = moved[near & (height > 0.75) & (height < 0.9)].mean()
    return float(cheek), float(jaw)


def test_the_near_cheek_of_a_turned_face_turning_back_moves_with_its_jaw(turned):
    # A turned face's far outline lies, for mediapipe, on the side of the head, its cheekbone nearly as deep as
    # the turn's pivot: turning back (its far side coming towards the camera) the outline there hardly moved
    # while the jaw's did, 0.53 of it here (full3.png, full_body_2.png at yaw +20: 0.43-0.45), a cheek bulging
    # over a receding jaw. Its outline now turns along the near side's depth profile, as frontal faces' do
    # (0.56-0.85 of the jaw's on the shared portraits).
    _, rig = turned
    assert rig.photo_turn_deg > 8.0  # turned towards the viewer's right: -yaw turns it back
    for yaw in (-15.0, -20.0):
        cheek, jaw = _near_outline_shift(rig, yaw)
        assert jaw < 0 and 0.7 < cheek / jaw < 1.1, (yaw, cheek, jaw)


def test_the_far_cheek_past_the_outline_turns_back_with_the_strip_under_it(turned):
    # The far cheek's landmarks past the outline lie over the strip from the outline to the first ring: turning
    # back they moved 0.57 px (median) against it here, 0.5-0.7 px on full3.png and full_body_2.png at yaw +20
    # (with a shallower far outline 3 px, and the photo's cheek edge showed twice: a dashed dark line). They turn
    # at the strip's depth, with its near-side head weight, where they lie.
    turned, rig = turned
    under = _over_the_strip(turned, rig)
    xy = rig.points_xyz[:, :2]
    for yaw in (-15.0, -20.0):
        moved = rig.pose({"headYaw": yaw}).points_xy - xy
        apart = np.array([np.linalg.norm(moved[i] - w @ moved[t]) for i, (t, w) in under.items()])
        assert np.median(apart) < 0.2 and apart.max() < 2.0, (yaw, apart.round(2))


def test_the_relaxation_starts_over_from_the_pose_when_smoothing_only_spreads_the_folds(turned):
    # Turned further away with the chin lowered, the turned face's pose folds a few triangles by under a pixel at
    # the jaw and cheek. The relaxation's first stage (smoothing the displacement) never bettered the pose, and its
    # second, relaxing the positions from where the first had wandered, stalled on 3 folds here (on full3.png at
    # pitch -15 the chin's folds over the strip under it became 4 round the far jaw: a 2 px dark speck). Started
    # from the pose, it undoes them all.
    _, rig = turned
    for params in ({"headYaw": 20.0, "headPitch": -15.0}, {"headPitch": -15.0}):
        posed = rig.pose(params).points_xy
        assert len(folded_triangles(rig.points_xyz[:, :2], posed, rig.skin_triangles)) == 0, params
