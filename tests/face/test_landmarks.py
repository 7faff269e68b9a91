"""Face finding on real photos: the astronaut and the pictures users bring made from it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from dirfa.errors import InputError
from dirfa.face import topology as topo
from dirfa.face.landmarks import N_LANDMARKS, find_faces, load_portrait


def _eye_centre(landmarks: np.ndarray, upper: tuple[int, ...], lower: tuple[int, ...]) -> np.ndarray:
    return landmarks[list(upper) + list(lower), :2].mean(axis=0)


def test_astronaut_has_one_face_with_478_points_inside_the_picture(astronaut, portrait):
    faces = find_faces(astronaut)
    assert len(faces) == 1
    landmarks = faces[0]
    assert landmarks.shape == (N_LANDMARKS, 3) == (478, 3)
    assert np.isfinite(landmarks).all()
    assert (landmarks[:, 0] >= 0).all() and (landmarks[:, 0] < 512).all()
    assert (landmarks[:, 1] >= 0).all() and (landmarks[:, 1] < 512).all()
    # The face is ~93 px wide, in the upper middle of the photo.
    assert 80 < np.ptp(landmarks[:, 0]) < 110
    assert 170 < landmarks[:, 0].mean() < 280 and 70 < landmarks[:, 1].mean() < 180

    assert portrait.n_faces == 1
    assert portrait.image is astronaut
    np.testing.assert_array_equal(portrait.landmarks_xyz, landmarks)
    np.testing.assert_allclose(portrait.face_box[:2], landmarks[:, :2].min(axis=0))
    np.testing.assert_allclose(portrait.face_box[2:], landmarks[:, :2].max(axis=0))
    assert portrait.face_width_px == pytest.approx(np.ptp(landmarks[:, 0]))


def test_landmarks_are_the_named_features(portrait):
    """Each index names the same feature in every photo: the rig depends on it."""
    lm = portrait.landmarks_xyz
    right_eye = _eye_centre(lm, topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER)
    left_eye = _eye_centre(lm, topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER)
    mouth = lm[[topo.MOUTH_CORNER_RIGHT, topo.MOUTH_CORNER_LEFT], :2].mean(axis=0)
    # The subject's right eye is on the image left in an unmirrored photo.
    assert right_eye[0] < lm[topo.NOSE_TIP, 0] < left_eye[0]
    assert lm[topo.MOUTH_CORNER_RIGHT, 0] < lm[topo.MOUTH_CORNER_LEFT, 0]
    # Top to bottom: forehead, brows, eyes, nose tip, mouth, chin.
    brows = lm[list(topo.BROW_RIGHT_INNER + topo.BROW_LEFT_INNER), 1].mean()
    assert lm[topo.FOREHEAD, 1] < brows < right_eye[1] < lm[topo.NOSE_TIP, 1] < mouth[1] < lm[topo.CHIN, 1]
    # Irises sit inside their eyes; the nose tip is the landmark nearest the camera (mediapipe: z < 0).
    eye_width = np.linalg.norm(lm[33, :2] - lm[133, :2])
    assert np.linalg.norm(lm[topo.IRIS_RIGHT[0], :2] - right_eye) < 0.3 * eye_width
    assert np.linalg.norm(lm[topo.IRIS_LEFT[0], :2] - left_eye) < 0.3 * eye_width
    assert lm[topo.NOSE_TIP, 2] < np.median(lm[:468, 2])


def test_two_faces_come_largest_first(two_faces):
    image, right_copy_x0 = two_faces
    faces = find_faces(image)
    assert len(faces) == 2
    widths = [np.ptp(face[:, 0]) for face in faces]
    assert widths[0] > widths[1] * 1.15  # ~93 px and ~74 px
    assert faces[0][:, 0].mean() > right_copy_x0  # the big face is the right-hand one
    assert faces[1][:, 0].max() < right_copy_x0

    second = load_portrait(image, face_index=1)
    assert second.n_faces == 2
    assert second.face_box[2] < right_copy_x0
    assert load_portrait(image).face_box[0] > right_copy_x0


@pytest.mark.parametrize("face_index", [2, 5, -1])
def test_face_index_out_of_range_is_an_input_error(two_faces, face_index):
    image, _ = two_faces
    with pytest.raises(InputError, match="0 to 1"):
        load_portrait(image, face_index=face_index, name="group.jpg")


def test_face_index_one_of_a_single_face_photo_is_an_input_error(astronaut):
    with pytest.raises(InputError, match="has 1 face;"):
        load_portrait(astronaut, face_index=1)


@pytest.mark.parametrize(
    "make_image",
    [
        pytest.param(lambda: data.coffee(), id="coffee"),
        pytest.param(lambda: np.full((400, 400, 3), 128, np.uint8), id="flat_grey"),
        pytest.param(lambda: np.zeros((32, 48, 3), np.uint8), id="tiny_black"),
    ],
)
def test_picture_without_a_face_is_an_input_error(make_image):
    image = make_image()
    assert find_faces(image) == []
    with pytest.raises(InputError, match="no face") as caught:
        load_portrait(image, name="cup.png")
    message = str(caught.value)
    assert "cup.png" in message and "\n" not in message


def test_face_too_small_to_animate_is_an_input_error(astronaut):
    """A ~37 px face: either not found or refused — never a rig with a 5 px mouth."""
    small = cv2.resize(astronaut, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    canvas = np.full((600, 600, 3), 128, np.uint8)
    canvas[100 : 100 + small.shape[0], 100 : 100 + small.shape[1]] = small
    with pytest.raises(InputError, match="no face|too small"):
        load_portrait(canvas)


@pytest.mark.parametrize(
    "name", ["grayscale", "upscaled_2x", "small_in_1600x1200", "odd_511x509", "mirrored"]
)
def test_face_is_found_where_it_is_in_pictures_users_bring(variants, name):
    variant = variants[name]
    faces = find_faces(variant.image)
    assert len(faces) == 1
    portrait = load_portrait(variant.image)
    height, width = variant.image.shape[:2]
    lm = portrait.landmarks_xyz
    assert lm.shape == (478, 3) and np.isfinite(lm).all()
    assert (lm[:, 0] >= 0).all() and (lm[:, 0] < width).all()
    assert (lm[:, 1] >= 0).all() and (lm[:, 1] < height).all()
    expected = variant.face_box
    face_width = expected[2] - expected[0]
    # Within 5 % of the face width on every side of the box.
    np.testing.assert_allclose(portrait.face_box, expected, atol=0.05 * face_width)


def test_grayscale_landmarks_match_the_colour_ones(variants, portrait):
    gray = load_portrait(variants["grayscale"].image)
    error = np.linalg.norm(gray.landmarks_xyz[:, :2] - portrait.landmarks_xyz[:, :2], axis=1)
    assert np.median(error) < 0.01 * portrait.face_width_px
    assert error.max() < 0.05 * portrait.face_width_px


def test_mirrored_photo_swaps_the_subjects_sides(variants, portrait):
    """Mirroring swaps which eye is the subject's right: the landmark indices follow the anatomy."""
    mirrored = load_portrait(variants["mirrored"].image).landmarks_xyz
    lm = portrait.landmarks_xyz
    width = variants["mirrored"].image.shape[1]
    # The subject's right mouth corner (61) in the mirror is where the left one (291) was.
    for a, b in ((topo.MOUTH_CORNER_RIGHT, topo.MOUTH_CORNER_LEFT), (33, 263), (133, 362)):
        assert abs(mirrored[a, 0] - (width - lm[b, 0])) < 0.05 * portrait.face_width_px


def test_a_face_of_60_px_in_a_1600_px_picture_is_found():
    """The detector sees a picture at 192 px, where this face would be 7 px wide: tiles find it."""
    small = cv2.resize(data.astronaut(), None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    canvas = np.full((1200, 1600, 3), 200, np.uint8)
    canvas[700 : 700 + small.shape[0], 1000 : 1000 + small.shape[1]] = small
    faces = find_faces(canvas)
    assert len(faces) == 1
    centre = faces[0][:, :2].mean(axis=0)
    assert 1000 < centre[0] < 1000 + small.shape[1] and 700 < centre[1] < 700 + small.shape[0]
