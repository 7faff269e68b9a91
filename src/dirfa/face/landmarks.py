"""Find faces in a photo and their 478 3D landmarks with mediapipe's bundled Face Mesh, and the person's
silhouette with its bundled selfie segmentation.

First face stage: image (media.image) -> Portrait (landmarks in pixels) -> face.rig.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from dirfa.errors import InputError

log = logging.getLogger(__name__)

N_LANDMARKS = 478  # 468 mesh points + 2 x 5 iris points (refine_landmarks=True)
MIN_FACE_WIDTH_PX = 48  # below this the mouth is a few pixels wide: nothing to animate
MESH_CROP_PX = 384  # each face is re-cropped to this size for the mesh model, so small faces work too
TILE_PX = 640  # a big picture with no face found is searched again in tiles this large

_lock = threading.RLock()
_models: dict[str, object] = {}


@dataclass(frozen=True)
class Portrait:
    """A photo and the landmarks of the face to animate.

    image: (H, W, 3) uint8 RGB. landmarks_xyz: (478, 3) float32 — x, y in image pixels, z in the same pixel
    scale, negative towards the camera (mediapipe's convention), zero near the face centre's depth.
    face_box: (4,) float32 x0, y0, x1, y1 of the landmarks. n_faces: how many faces the photo has.
    """

    image: np.ndarray
    landmarks_xyz: np.ndarray
    face_box: np.ndarray
    n_faces: int

    @property
    def face_width_px(self) -> float:
        return float(self.face_box[2] - self.face_box[0])


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """mediapipe's C++ core logs to file descriptor 2 (absl, TFLite); keep the user's terminal clean."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except OSError:  # no real stderr (embedded use): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _model(name: str):
    """Load a mediapipe solution once per process (the .tflite files ship inside the wheel)."""
    with _lock:
        if name not in _models:
            os.environ.setdefault("GLOG_minloglevel", "2")
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            with _native_stderr_silenced():
                from mediapipe.python.solutions import face_detection, face_mesh, selfie_segmentation

                if name == "segmentation":
                    # The general model (256x256 input): finer hair outlines than the landscape one.
                    _models[name] = selfie_segmentation.SelfieSegmentation(model_selection=0)
                elif name == "detector":
                    _models[name] = face_detection.FaceDetection(
                        model_selection=1, min_detection_confidence=0.5
                    )
                else:
                    _models[name] = face_mesh.FaceMesh(
                        static_image_mode=True,
                        max_num_faces=1,
                        refine_landmarks=True,
                        min_detection_confidence=0.5,
                    )
        return _models[name]


def _detect_boxes(image: np.ndarray) -> list[np.ndarray]:
    """Face boxes (x0, y0, x1, y1 in pixels) from the full-range detector, largest first."""
    height, width = image.shape[:2]
    with _lock, _native_stderr_silenced():
        result = _model("detector").process(image)
    boxes = []
    for detection in result.detections or []:
        rel = detection.location_data.relative_bounding_box
        x0, y0 = rel.xmin * width, rel.ymin * height
        boxes.append(np.array([x0, y0, x0 + rel.width * width, y0 + rel.height * height], np.float32))
    boxes.sort(key=lambda b: -(b[2] - b[0]) * (b[3] - b[1]))
    return boxes


def _detect_boxes_in_tiles(image: np.ndarray) -> list[np.ndarray]:
    """Face boxes found in overlapping tiles of a large picture, largest first.

    The detector sees the picture at 192 px: a face under ~5 % of a big picture's width vanishes there.
    Tiles of TILE_PX (overlapping by a third) give such faces the detector's resolution back."""
    height, width = image.shape[:2]
    if max(height, width) <= TILE_PX:
        return []
    step = TILE_PX * 2 // 3
    found: list[np.ndarray] = []
    for y0 in range(0, max(height - TILE_PX, 0) + step, step):
        for x0 in range(0, max(width - TILE_PX, 0) + step, step):
            tile = image[y0 : y0 + TILE_PX, x0 : x0 + TILE_PX]
            for box in _detect_boxes(np.ascontiguousarray(tile)):
                box = box + np.array([x0, y0, x0, y0], np.float32)
                centre = (box[:2] + box[2:]) / 2
                # The same face seen in two overlapping tiles: keep the first.
                if not any(b[0] <= centre[0] <= b[2] and b[1] <= centre[1] <= b[3] for b in found):
                    found.append(box)
    found.sort(key=lambda b: -(b[2] - b[0]) * (b[3] - b[1]))
    return found


def _mesh_in_box(image: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """Run Face Mesh on a square crop around `box`; landmarks (478, 3) in image pixels, or None."""
    import cv2

    height, width = image.shape[:2]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = 2.2 * max(box[2] - box[0], box[3] - box[1])
    x0, y0 = cx - side / 2, cy - side / 2
    scale = MESH_CROP_PX / side
    # An affine crop pads outside the image with the edge colour, so faces at the border still work.
    affine = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float32)
    crop = cv2.warpAffine(
        image,
        affine,
        (MESH_CROP_PX, MESH_CROP_PX),
        flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    with _lock, _native_stderr_silenced():
        result = _model("mesh").process(crop)
    if not result.multi_face_landmarks:
        return None
    points = np.array([(p.x, p.y, p.z) for p in result.multi_face_landmarks[0].landmark], np.float32)
    points *= MESH_CROP_PX  # x, y, z in crop pixels (z uses the width's scale)
    points /= scale
    points[:, 0] += x0
    points[:, 1] += y0
    if not (
        width * -0.25 < points[:, 0].mean() < width * 1.25
        and height * -0.25 < points[:, 1].mean() < height * 1.25
    ):
        return None
    return points


def person_mask(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """How likely each pixel of `image[y0:y1, x0:x1]` is part of a person rather than the background behind
    them: (y1 - y0, x1 - x0) float32 in [0, 1]. Segmenting a crop around the head gives a small face in a
    big picture the model's full resolution."""
    x0, y0, x1, y1 = box
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    with _lock, _native_stderr_silenced():
        result = _model("segmentation").process(crop)
    return np.clip(np.asarray(result.segmentation_mask, np.float32), 0.0, 1.0)


def find_faces(image: np.ndarray) -> list[np.ndarray]:
    """Landmarks (478, 3) of every face found in `image`, largest face first."""
    faces = []
    boxes = _detect_boxes(image)
    if not boxes:
        boxes = _detect_boxes_in_tiles(image)
    for box in boxes:
        landmarks = _mesh_in_box(image, box)
        if landmarks is not None:
            faces.append(landmarks)
    if not faces:
        # The detector can miss a face that fills the whole frame; the mesh model's own detector may not.
        height, width = image.shape[:2]
        half = max(width, height) / 2.2 / 2  # _mesh_in_box crops 2.2x the box: the whole picture
        centre = np.array([width / 2, height / 2, width / 2, height / 2], np.float32)
        landmarks = _mesh_in_box(image, centre + np.array([-half, -half, half, half], np.float32))
        if landmarks is not None:
            faces.append(landmarks)
    faces.sort(key=lambda lm: -np.ptp(lm[:, 0]) * np.ptp(lm[:, 1]))
    return faces


def load_portrait(image: np.ndarray, *, face_index: int = 0, name: str = "the portrait") -> Portrait:
    """Find the face to animate (the largest, or the `face_index`-th largest) in an RGB image."""
    faces = find_faces(image)
    if not faces:
        raise InputError(
            f"no face found in {name} — use a photo where one face looks roughly at the camera, "
            f"at least {MIN_FACE_WIDTH_PX} px wide"
        )
    if not 0 <= face_index < len(faces):
        raise InputError(
            f"{name} has {len(faces)} face{'s' if len(faces) > 1 else ''}; --face takes 0 to {len(faces) - 1} "
            "(0 = the largest)"
        )
    landmarks = faces[face_index]
    box = np.array([*landmarks[:, :2].min(axis=0), *landmarks[:, :2].max(axis=0)], np.float32)
    if box[2] - box[0] < MIN_FACE_WIDTH_PX:
        raise InputError(
            f"the face in {name} is {box[2] - box[0]:.0f} px wide, too small to animate — "
            f"use a photo where the face is at least {MIN_FACE_WIDTH_PX} px wide"
        )
    log.info("found %d face(s); animating face %d, %.0f px wide", len(faces), face_index, box[2] - box[0])
    return Portrait(image=image, landmarks_xyz=landmarks, face_box=box, n_faces=len(faces))
