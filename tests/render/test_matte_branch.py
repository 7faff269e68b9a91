"""The person layer (matte) round light hair: a thin light twig touching the top of white hair, with the
segmentation doubting over the dark ground between them (full3.png's snowy twig over the head, review revM),
stays in the still background when the head turns; the hair and its own stray strands move with the head."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from dirfa.face.rig import build_rig
from dirfa.render.compose import FrameRenderer, plan_output

GROUND, HAIR, TWIG = 50, 235, 225
POSES = ({"headYaw": -20.0}, {"headYaw": 20.0}, {"headPitch": -15.0}, {"headPitch": 15.0})


@pytest.fixture(scope="module")
def scene(portrait, tmp_path_factory, in_white_hair):
    """A synthetic portrait: the photo's face in white hair (an ellipse round it) on dark ground, a 4 px light
    twig from just above the hair's top up to the picture's edge, 1 px strands of hair ending free beside
    the crown; the segmentation: the hair, soft at its edge, and 0.3 over a wedge of ground up to the twig."""
    image = np.full_like(portrait.image, GROUND)
    head = in_white_hair(portrait, image, HAIR)
    face_px = float(np.ptp(portrait.landmarks_xyz[:, 1]))
    ys, xs = np.nonzero(head)
    top_y = int(ys.min())
    top_x = int(np.round(xs[ys == top_y].mean()))
    twig = np.zeros_like(head)
    start, bend, end = (top_x + 6, top_y), (top_x + 40, top_y - 25), (top_x + 90, -5)
    cv2.polylines(twig, [np.array([start, bend, end], np.int32)], False, 255, 4, cv2.LINE_AA)
    image[twig > 128] = TWIG
    strands = np.zeros_like(head)
    for dx in (-30, -24, -18):  # up and out from the crown's left, 0.1 face long
        x = top_x + dx
        y = int(np.nonzero(head[:, x])[0].min())
        cv2.line(strands, (x, y), (x - 6, y - int(0.1 * face_px)), 255, 1)
    strands &= ~head
    image[strands > 0] = HAIR
    probability = cv2.GaussianBlur(head.astype(np.float32) / 255, (0, 0), 2.0)
    wedge = np.zeros_like(head)
    # Below the twig, up to 4 px from it (full3's: the segmentation's doubt stops short of the twig itself).
    cv2.fillPoly(
        wedge, [np.array([(top_x + 8, top_y + 3), (top_x + 34, top_y - 14), (top_x + 44, top_y + 5)])], 255
    )
    probability = np.maximum(probability, cv2.GaussianBlur(wedge.astype(np.float32) / 255 * 0.3, (0, 0), 1.5))
    return image, face_px, head, twig > 128, strands > 0, probability


def test_a_thin_light_twig_touching_light_hair_stays_still_when_the_head_turns(portrait, scene, monkeypatch):
    image, face_px, head, twig, strands, probability = scene
    monkeypatch.setattr(
        "dirfa.face.rig.person_mask", lambda img, box: probability[box[1] : box[3], box[0] : box[2]]
    )
    rig = build_rig(replace(portrait, image=image))
    assert rig.person is not None
    assert (rig.person[head > 0] == 255).mean() > 0.97  # the hair moves with the head
    assert (rig.person[strands] >= 128).mean() > 0.9  # and its own stray strands
    # Away from the hair (over a tenth of a face outside it) nothing is person: not the twig, not the ground
    # the segmentation doubted over.
    reach = int(round(0.1 * face_px))
    person = cv2.dilate(head | (strands * np.uint8(255)), np.ones((2 * reach + 1,) * 2, np.uint8)) > 0
    assert rig.person[twig & ~person].max() < 64
    assert rig.person[~person].max() < 64
    # Turned and nodded, the head moves over what is beside it; farther out (its top's travel and a tenth of a
    # face), the twig and the ground stay as they were.
    renderer = FrameRenderer(image, rig, plan_output(image.shape, portrait.face_box))
    from_hair = cv2.distanceTransform((head == 0).astype(np.uint8), cv2.DIST_L2, 3)
    top = int(np.argmin(portrait.landmarks_xyz[:, 1]))
    for params in POSES:
        pose = rig.pose(params)
        away = from_hair > np.linalg.norm(pose.points_xy[top] - rig.points_xyz[top, :2]) + 0.1 * face_px
        frame = renderer.render_pose(pose)
        change = np.abs(frame.astype(np.int16) - image.astype(np.int16)).max(axis=2)
        assert change[twig & away].max() <= 8, params
        assert change[away].max() <= 8, params
