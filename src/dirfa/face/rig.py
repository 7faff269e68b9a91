"""The 2.5D face rig: a triangulated mesh over face, head and surroundings, posed by named parameters.

Second face stage: Portrait (landmarks) -> Rig; Rig.pose(parameters) -> Pose (2D vertex positions), used by
render to warp the photo. Parameters are the Tracks vocabulary (motion.tracks.TRACK_SPECS).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.face.landmarks import N_LANDMARKS, Portrait, person_mask

# Rings of vertices around the face outline, as radial scales of the outline from the face centre, and how
# much of the head's rotation each follows: the first carries hair and ears, the last is the still background.
RING_SCALES = (1.28, 1.7, 2.3)
RING_HEAD_WEIGHT_TOP = (1.0, 0.55, 0.0)  # above the ears: hair moves with the skull
RING_HEAD_WEIGHT_BOTTOM = (0.45, 0.12, 0.0)  # below the jaw: the neck turns a little, the body not
RING_JAW_WEIGHT = (0.45, 0.12, 0.0)  # skin under the chin follows the jaw part way
# On the near side of a turn (the side the face turns away from) the first ring below the ears turns with
# NEAR_JAW_RING_WEIGHT of the head, not RING_HEAD_WEIGHT_BOTTOM (see Rig.near_side_head_weight), blended into
# the far side over +-NEAR_SIDE_SPLIT_PER_HALF_FACE of the half-face round the midline, and in full from a
# turn of NEAR_SIDE_FULL_DEG on (less, it grows in, so the roll of a face towards the camera is as before).
NEAR_JAW_RING = 0
NEAR_JAW_RING_WEIGHT = 0.9
NEAR_SIDE_SPLIT_PER_HALF_FACE = 0.3
NEAR_SIDE_FULL_DEG = 2.0
HAIR_EXTRA_SCALE = 0.22  # the rings reach further above the forehead, where hair has volume
# The person layer (render.compose keeps the background behind the person still): the segmentation's
# soft edge is tightened to PERSON_EDGE (probabilities), then widened by PERSON_GROW_PER_FACE of the face
# height, so the wisps at the hair's outline move with the head and its soft edge lies on the background.
PERSON_EDGE = (0.02, 0.2)
PERSON_GROW_PER_FACE = 0.03
PERSON_MIN_FACE_COVER = 0.85  # a segmentation that misses more of the face than this is not trusted
PERSON_MARGIN_PER_FACE = 0.1  # the segmented crop reaches this much past the outer ring
# The layer's edge is softened over this many pixels (Gaussian sigma): a sharp edge in the premultiplied
# colours render.compose warps would ring under bicubic resampling and outline the moving head.
PERSON_EDGE_SOFTNESS_PX = 1.5
# Stray hairs the segmentation misses: thin (under PERSON_WISP_PX wide) light or dark lines, PERSON_WISP_LEVELS
# or more off their surroundings, joined to the person and within PERSON_WISP_REACH_PER_FACE of them, join
# the person (else a tuft's tip would stay behind as its root turns with the head). A thin line that goes on
# past that reach, wider than a single hair (3 px), is no stray hair but a thin background object touching the
# person (full3's snowy twig over the white hair: taken as a wisp it bent and stretched with every turn of the
# head, review revM), and stays out.
PERSON_WISP_PX = 7
PERSON_WISP_LEVELS = 20
PERSON_WISP_REACH_PER_FACE = 0.25
# Background objects beside the hair (a snowy branch, a lamp): where the layer's widening reaches over
# something wider than a wisp, PERSON_OBJECT_LEVELS or more off the background round it (a blur of the
# photo outside the layer, sigma = twice the widening) the way the hair is, that goes on past the layer's
# edge, that part (outside PERSON_OBJECT_CORE) is background and stays out of the layer: else it moved
# with the head, torn off the rest, and the fill showed behind it.
PERSON_OBJECT_LEVELS = 32
PERSON_OBJECT_CORE = 0.5  # the person itself: the segmentation's probability from here on (and the wisps)
# Where the segmentation doubts (below PERSON_OBJECT_CORE) more than PERSON_DOUBT_REACH_GROWS widenings away
# from the person and its wisps, what looks like the ground round the person (nearer its tone than the person's)
# is background: full3's segmentation reached ~20 px up from the white hair to a snowy twig over a wedge of dark
# ground, which moved with the head and dragged the twig's edge along (review revM).
PERSON_DOUBT_REACH_GROWS = 2.0

# Jaw: a full jawOpen (a wide "ah") drops the chin by this share of the lower face (subnasale to chin).
# Anthropometry: the lower face is ~65 mm and a wide speech "ah" opens the incisors ~10-15 mm, so the lower
# face grows 15-20 %; more reads as a rubber chin. The jaw rotates rigidly, so the lower lip drops as much.
JAW_MAX_DROP_PER_LOWER_FACE = 0.2
# The jaw's travel at the sides of the face grows from nothing at the hinge's height (the ramus, beside the
# temporomandibular joint, barely moves down) to full at the chin's height, over the outer part of the face
# (JAW_SIDE_RAMP_FROM to JAW_SIDE_RAMP_TO of the half-face out from the outline's middle; not on the lips).
# Before, the outline took half the chin's drop just under the ear, where the cheek's outline (on the skull)
# meets it: one outline segment stretched by 30-53 % and the cheek met a straight, dropped jaw at a kink
# (art_5.png, "fish face"); the outline's sharpest bend at a full jawOpen was 0.33-0.65 of the chin's drop
# over the shared portraits, now 0.11-0.25 (tests/face/test_jaw_outline.py).
JAW_SIDE_RAMP_FROM = 0.45
JAW_SIDE_RAMP_TO = 0.8
SUBNASALE = 2  # mediapipe landmark under the nose, where the columella meets the upper lip
# The lips part further than the teeth (the upper lip lifts off the upper incisors, the lower lip off the
# lower ones): a full jawOpen (a shout) parts the inner lips by this share of the mouth width at the centre,
# and a speech "aa" (jawOpen ~0.6) by ~0.23: an open vowel's lip aperture is ~12-20 mm in a ~55 mm mouth.
JAW_MAX_LIP_GAP_PER_MOUTH = 0.38
JAW_MIN_LIP_PARTING_PER_MOUTH = 0.08  # the lips' own share, however long the lower face
# Lips meet this far from the upper lip when they close (the lower lip travels further: it rides the jaw).
LIP_CLOSE_UPPER_SHARE = 0.35
# Closing a photo's open mouth, the lips' outer (vermilion) border travels this share of their inner line's way.
LIP_BORDER_FOLLOW = 0.3
# A closed eyelid meets the lower lid this far up the eye opening (the lower lid rises a little).
LID_MEET_SHARE = 0.2
EYEBALL_RADIUS_PER_EYE_WIDTH = 0.42
UPPER_LIDS = list(topo.EYE_RIGHT_UPPER) + list(topo.EYE_LEFT_UPPER)
CLOSED_GAP_PER_MOUTH = 0.035  # an inner-lip gap below this share of the mouth width is a closed mouth
# Lower incisor tips under the upper teeth line, in mouth widths: wide open, they show a little above the
# lower lip (at 0.1 the lip hid them at every opening; at 0.06 until jawOpen ~0.9, where speech rarely goes).
LOWER_TEETH_DROP = 0.035
DEPTH_SMOOTHING_STEPS = 4
# A widened upper lid (eyeWide) uncovers the eyeball the photo's lid hid: the eyeball stays where it is and only a
# strip this thin (px, source), the photo's lid line, is stretched over what it uncovers, which
# render.eyelids.draw_uncovered redraws (the photo's dark under the lid edge rides up with it, the eye below opens to
# the lower lid). Stretching the eyeball itself from the lid line down, as before, grew the photo's dark lash shadow
# with the lift into an oversized dark eye (happy.png).
LID_LINE_ON_EYEBALL_PX = 0.5
# Gaze turns the eyeball about its centre, EYEBALL_RADIUS_PER_EYE_WIDTH behind the iris (an adult eyeball is ~24 mm
# across, the opening ~29 mm wide): the iris moves r sin(angle), 0.08 eye widths at 11 deg, 0.11 at 15. Sideways the
# column of the eyeball around the iris (GAZE_IRIS_BAND_PER_IRIS iris radii either side of its centre, lid to lid)
# moves as one piece, so the iris keeps its round shape and its catchlight, sliding along the lid edges; the white
# between it and each eye corner is squeezed or stretched (the eyeball's contour slides along the opening's outline,
# the corners stay). Before, only the iris centre and side points moved (a ring around them half as far, the lid
# contour not at all): the iris sheared between them and the visible iris moved about half as far as it should
# (0.04 eye widths for 11 deg on the astronaut; review revM). The sideways cap (gaze_limits_deg) keeps
# GAZE_SCLERA_KEEP of the white between the iris column and the corner it turns towards, stretches the white behind
# it at most GAZE_SCLERA_STRETCH times (an iris touching a corner in the photo has no white there to stretch: the
# corner's shadow and lashes smeared into a dark claw, full3.png), and is at most GAZE_MAX_YAW_DEG (the eye's
# comfortable range; ~25-30 deg before the head takes over): a photo with little white shows less turn.
# Up and down the lid edges stay, so the iris moves inside them, at most GAZE_MAX_SHIFT_PER_IRIS of its radius (the
# lids would follow a larger vertical turn, which the rig does not model): ~11 deg for a typical eye.
GAZE_MAX_SHIFT_PER_IRIS = 0.4
GAZE_IRIS_BAND_PER_IRIS = 1.1
GAZE_SCLERA_KEEP = 0.35
GAZE_SCLERA_STRETCH = 3.0
GAZE_MAX_YAW_DEG = 28.0
# Inside points keep this much of their clearance from the lids (iris radii); a sliding eyeball contour reaches
# this far under the lid (px; a head turn bends it).
GAZE_LID_CLEARANCE_PER_IRIS = 0.35
GAZE_CONTOUR_MARGIN_PX = 0.35
# Raised brows pull the lid skin up from the brow: the skin under the brow unfolds, the band just above the lash line
# (lash shadow, liner, eye shadow) keeps its thickness. Per column, from the upper lid edge up to the brow's lower
# edge, each stretch of the photo takes a share of the brow's rise in proportion to how light it is: its luminance
# (blurred over BROW_LIFT_BLUR_PER_EYES; a pixel within BROW_LIFT_DARK_REACH of a darker one counts as that dark, as
# a strip of the mesh stretches evenly, the dark in it too) above the column's darkest, plus BROW_LIFT_FLOOR levels.
# Before, a fixed ramp over the 0.14 eye distances above the lid edge took the stretch: mediapipe's first ring above
# the lid (~0.45 of the way to the brow on every shared portrait) rose with 0.7-0.9 of the brow, and happy.png's dark
# eye shadow under it thickened into a dark, oversized eye. A fixed band (nothing below half way to the brow) was
# tried: on art_1.png, whose heavy brows hang below mediapipe's brow line over a light lid, it stretched the brow hair.
BROW_LIFT_FLOOR = 4.0
BROW_LIFT_BLUR_PER_EYES = 0.02
BROW_LIFT_SAMPLES = 24
BROW_LIFT_DARK_REACH = 0.2  # of the way to the brow
BROW_HAIR_CONTRAST = 24.0  # levels of the lid skin over the brow's tone, for brow hair to be told from skin
BROW_HAIR_SAMPLES = 4  # over the brow above its lower edge, at the lid-to-brow samples' spacing
BROW_HAIR_COLUMNS = 24  # along the brow, for the depth of its hair below mediapipe's lower brow edge
BROW_HAIR_SMOOTH = 5  # columns (median)
BROW_EDGE_FOLLOW = 4.0  # under the lower brow edge a point takes its share, to this power, of its rise
BROW_LOWER_RIGHT = (46, 53, 52, 65, 55)  # mediapipe's lower brow edge, outer to inner
BROW_LOWER_LEFT = (276, 283, 282, 295, 285)
# Shapes that part the lips on purpose; the others (smile, frown, stretch...) move closed lips together.
ROUNDING_GIVE_WAY = 0.6  # share of pucker/funnel given up at full mouthClose (lips compressed)
# Upper-lid closure from a squint and from the cheeks raised in a smile (shares of a blink), at most
# MAX_SQUINT_LID so the eye stays open (Ekman & Friesen's FACS: AU6/AU7 narrow the eye without closing it).
SQUINT_LID_SHARE = 0.25
CHEEK_LID_SHARE = 0.15
MAX_SQUINT_LID = 0.55
LIP_PARTING_SHAPES = frozenset(
    {
        "mouthFunnel",
        "mouthPucker",
        "mouthUpperUpLeft",
        "mouthUpperUpRight",
        "mouthLowerDownLeft",
        "mouthLowerDownRight",
    }
)
# Head rotation uses mediapipe's depth at full scale (a little over: 1.03), so a headYaw of N degrees looks
# like N degrees. Measured by benchmarks/motion.py (the rendered face re-detected by mediapipe, rigid fit
# against the rest frame): at 0.4 the video showed 0.35-0.4 of the angle asked for; a pure rigid rotation
# of the landmarks reads back at ~0.8 (a warp shows no new shading or occlusion), the outline-eased depth
# below brings it to ~0.96. Yaw slopes over the 11 shared portraits (one reading / frame and mirror averaged):
# 1.02 0.896-1.051 (art_1 outside 10 %), 1.03 0.918-1.041 / 0.923-1.052, 1.04 much the same but a turned
# photo's far eye turned back over-widens (1.217 of the near eye in tests/motion/test_rendered_angles.py),
# 1.05 folds happy.png's far cheek at +20 (RESULTS.md, "yaw readings centred", session 15).
ROTATION_DEPTH_SCALE = 1.03
# Nodding (headPitch) turns about its own depth field (Rig.pitch_depth_offset: mediapipe's depth, not eased at
# the outline) at this scale. Measured by benchmarks/motion.py over the 10 shared portraits and the example:
# at 1.0 the re-detected pitch reads ~0.87 of the angle (a warp shows no nostrils or under-chin as the chin
# lifts, nor hides the forehead as it lowers); PITCH_DEPTH_SCALE centres it (issue 13). A lifted chin reads
# ~10 % shorter than a lowered one on average (mediapipe sees the nose tip rise over the eyes, the main cue,
# about half as far as the warp moves it on full_body_2.png: a real lifted chin also shows nostrils and
# under-jaw, which a warp has no pixels for), so a lift turns at PITCH_UP_GAIN more depth; more than 1.07
# over-reads lifts on the frontal portraits (astronaut, sad1, the example). The motion is continuous through
# 0, only its rate differs. What is left per portrait (single readings 0.89 art_13.png .. 1.09 art_1.png) is
# mostly the tracker's: the same frames shifted 3 px, mirrored or scaled 15 % read 0.83-1.01 on art_13.png (mean
# 0.92), and against each photo's own mediapipe shape the rig nods every frontal portrait alike (1.16-1.22 of the
# angle); against mediapipe's canonical head that is 1.15-1.36, which the tracker partly follows. Neck or hair
# carrying, a perspective nod, the depth's relief and a per-face scale were tried (RESULTS.md, "Pitch by the 3D
# fit: whose shortfall is art_13's 0.89?").
PITCH_DEPTH_SCALE = 1.15
PITCH_UP_GAIN = 1.07
# A face turned in the photo has its far side foreshortened: turning it back towards the camera stretches
# those few pixels (the far eye and cheek smear; full3.png, full_body_2.png at yaw +20). That turn is realised
# in full up to FRONTALISE_KNEE of a limit, then eases into the limit (never past it): the limit is
# FRONTALISE_LIMIT_DEG less the photo's own turn (Rig.photo_turn_deg), e.g. ~18 deg for a face turned ~12 deg
# by mediapipe's depth (a request of 20 turns ~16-17). Faces turned under PHOTO_TURN_MIN_DEG are not limited.
# The limit was 24 while the far eye turned back at the outline's eased depth (below): at that limit (+12.3 on
# full3.png) it was already 1.3x the near eye's width and its iris smeared into a dark bar; with the far side's
# own depth (FAR_SIDE_*) it is as wide at +17 (1.3x) with a round iris, and the re-detected yaw of full3.png /
# full_body_2.png rose from 0.84 / 0.88 of the request to 0.97 / 1.00 (benchmarks/motion.py, issue 13).
FRONTALISE_LIMIT_DEG = 30.0
FRONTALISE_KNEE = 0.6
PHOTO_TURN_MIN_DEG = 3.0
# Turning a turned face back, its far side comes towards the camera: nothing there can slide over the outline
# (that is the near side, which turns away), so the far side turns at its own (smoothed) depth, not the
# outline's eased one, except within FAR_SIDE_EASE_BAND_PER_HALF_FACE of the outline (the far cheek's
# landmarks past the silhouette and the outline itself keep the outline's depth: turned at their own, deeper
# depth they tore a dark seam along the far cheek of full3.png). The eased depth had the far eye's outer corner,
# which lies at the outline in a turned face, ride with the outline while its inner corner rode the nose: at a
# realised +20 the eye opening stretched 1.9x (1.6x the near eye; ~1.1x would be a face turned 8 deg past the
# front), now 1.6x (1.4x the near eye); tests/motion/test_rendered_angles.py. Faces turned
# FAR_SIDE_FULL_TURN_DEG or more get it in full, from PHOTO_TURN_MIN_DEG on in part; a frontal face turns as
# before (its eyes are far from the outline: the far side's own depth there read ~3 % less yaw on art_1.png
# and sad1.png).
FAR_SIDE_EASE_BAND_PER_HALF_FACE = 0.1
FAR_SIDE_FULL_TURN_DEG = 8.0
FAR_SIDE_SPLIT_PER_HALF_FACE = 0.15  # the far side blends into the near one over +-this round the midline
# ... and its outline turns back along the near side's outline's depth profile (at the same height), put back
# through its own deepest point against it, this share of the way from its own depth. mediapipe puts a turned
# face's far outline on the side of the head, at cheekbone height ~0.7 half-faces deeper than the near one on
# full3.png (~0.5 at the jaw) and nearly as deep as the turn's pivot: turning back, the outline there moved
# 0.11-0.12 half-faces while the jaw's moved 0.24-0.27 (full3.png, full_body_2.png at yaw +20; frontal faces
# 0.56-0.85 of the jaw's): a cheek bulging over a receding jaw. Along the near side's profile the jaw and temple
# turn as the cheekbone does (0.62 / 0.68 of the jaw's). At the near side's depth itself the cheek followed the
# jaw instead (0.82-0.87) and looked slimmer, but the re-detected yaw fell to 0.83 / 0.80 (benchmarks/motion.py):
# mediapipe reads a turn from the outline at cheekbone height staying put, as a real head's silhouette does.
FAR_SIDE_MIRRORED_OUTLINE = 1.0
# Turning a turned face further away (yaw of the photo's own turn's sign), its far side goes behind the nose.
# At the outline's eased depth (the 0.35 half-face easing of depth_offset) the far eye's outer corner, which in
# a turned face lies on the outline (full3.png: 1 px inside it, and 0.9 eye distances nearer the camera than
# the outline's depth there), stayed with the outline while the nose slid over its inner corner: at yaw -20 on
# full3.png / full_body_2.png (~32 deg from the camera in all) the far eye's corners met (its width 0.04 /
# 0.09 of the near eye's) and it was a dark sliver under the nose with a torn strip above it, where a real face
# still shows the eye. Now the far side turns away at its own depth except within
# FAR_SIDE_AWAY_BAND_PER_HALF_FACE of the outline (Rig.turn_away_depth_offset; at 0.1, as for the turn back,
# the far cheek folded into dark specks at yaw -10: the side turning away is the one that compresses against
# its outline), and the far eye with the skin within AWAY_EYE_REACH_PER_EYES of it turns at its own depth
# too (Rig.turn_away_eye_depth_offset), blended in over the first AWAY_EYE_FULL_DEG of the turn, so the eye
# keeps an opening beside the nose: on full3.png its width goes 0.81 (rest), 0.58 (-10), 0.62 (-15), 0.65
# (-20) of the near eye's (the band alone: 0.43 at -10, ~0.1 at -20). Not in full from the start: at yaw -10
# the eye at its own depth drags the cheek below it over its outline into a line of dark specks (12 folds).
FAR_SIDE_AWAY_BAND_PER_HALF_FACE = 0.2
AWAY_EYE_REACH_PER_EYES = 0.15
AWAY_EYE_FULL_DEG = 20.0
# ... and that far side's rotation depth has its slope across the picture limited to AWAY_DEPTH_SLOPE depth px
# per image px (_limit_depth_slope, the step met halfway). The band climbs from the eye's and cheek's own depth
# to the outline's (mediapipe's silhouette, ~100 depth px deeper) within ~20 px: 5 depth px per px, so a turn
# away of a few degrees already squeezed the skin under the far eye and at its outer corner to 0.4 of its area
# (full3.png at yaw -5), at yaw -10 nod -6 folded it (0.05; a notch in the hair strand over the eye's corner),
# and at -15 / -20 the band folded into a dotted dark line along the far cheek and a brown smear over the far
# eye. Limited to 2, the squeeze spreads over the cheek: smallest area near that corner at yaw -5 / -10 (nod
# -6) 0.64 / 0.48, folds over benchmarks/motion.py's six poses on full3.png / full_body_2.png 82 / 89 -> 4 / 3,
# their re-detected yaw 1.00 / 0.92 -> 0.95 / 0.93 (at 3: 24 / 31 folds, and the dark line at -20 stayed).
AWAY_DEPTH_SLOPE = 2.0
# Nodding, the far side of a turned face has its depth's slope across the picture limited (see build_rig).
# At 2 no wedge under the far eye at pitch +-4..8 on full3.png / full_body_2.png, their re-detected pitch
# slopes 0.06 / 0.02 under before (benchmarks/motion.py); 3 (mesh only) over-read full3.png's nod at 1.21.
PITCH_FAR_DEPTH_SLOPE = 2.0
MIN_FOLD_HEIGHT_PX = 0.5  # thinner triangles have no reliable orientation, and overlap by under a pixel
# In a large photo a sliver a pixel high is still a sliver: _unfold ignores triangles under this share of the
# eye distance too (0.75 %: 1.5 px at 200 px). A 0.7 px sliver at art_3.png's jaw flipping by 0.4 px at yaw
# -20 had the relaxation drag the cheek outline 60 px across the hair beside it (a streaked hair block).
UNFOLD_MIN_HEIGHT_PER_EYES = 0.0075
# A sliver is flipped away (_flip_slivers) when the two triangles that replace it and its neighbour both reach
# at least this many times as far across as it does; passes repeat while any flips, at most this many.
SLIVER_FLIP_GAIN = 2.0
SLIVER_FLIP_PASSES = 4
SLIVER_SETTLE_SHARES = (1.0, 0.6, 0.3)  # of the way back onto its side a turned sliver's corner may move
UNFOLD_ITERATIONS = 40  # an adult eyeball is ~24 mm across, the eye opening ~29 mm wide
UNFOLD_STALL = 10  # steps without a better result before a stage of _unfold is given up


@dataclass(frozen=True)
class FaceFrame:
    """A face-aligned 2D frame in image pixels: origin at the mouth centre, ex along the eye line (towards
    the image right), ey perpendicular (down the face). mouth_px: corner-to-corner mouth width;
    eyes_px: distance between the eye centres."""

    origin: np.ndarray
    ex: np.ndarray
    ey: np.ndarray
    mouth_px: float
    eyes_px: float

    def uv(self, xy: np.ndarray) -> np.ndarray:
        d = xy[..., :2] - self.origin
        return np.stack([d @ self.ex, d @ self.ey], axis=-1)

    def vec(self, u: np.ndarray | float, v: np.ndarray | float) -> np.ndarray:
        """Image-space 3D displacement (N, 3) for face-frame components u, v (pixels)."""
        u = np.asarray(u, np.float32)
        v = np.asarray(v, np.float32)
        xy = u[..., None] * self.ex + v[..., None] * self.ey
        return np.concatenate([xy, np.zeros(xy.shape[:-1] + (1,), np.float32)], axis=-1)


@dataclass(frozen=True)
class Columns:
    """Paired upper/lower contour points (lips or lids) and how the surrounding vertices follow them.

    upper, lower: (C,) vertex indices of the paired points, corners excluded. follow_col: (N, 2) int the two
    nearest columns of every vertex (0 and C + 1 stand for the corners), follow_frac: (N,) float the blend between them, follow_w: (N,) weight
    (0 = unaffected), follow_upper: (N,) bool whether the vertex rides the upper contour.
    """

    upper: np.ndarray
    lower: np.ndarray
    follow_col: np.ndarray
    follow_frac: np.ndarray
    follow_w: np.ndarray
    follow_upper: np.ndarray

    def spread(self, upper_delta: np.ndarray, lower_delta: np.ndarray) -> np.ndarray:
        """(N, 3) displacement of every vertex given the displacement of each column's upper/lower point."""
        a, b = self.follow_col[:, 0], self.follow_col[:, 1]
        f = self.follow_frac[:, None]
        # Columns 0 and C + 1 are the corners, which the pair's motion never moves.
        zero = np.zeros((1,) + upper_delta.shape[1:], upper_delta.dtype)
        upper_delta = np.concatenate([zero, upper_delta, zero])
        lower_delta = np.concatenate([zero, lower_delta, zero])
        up = upper_delta[a] * (1 - f) + upper_delta[b] * f
        low = lower_delta[a] * (1 - f) + lower_delta[b] * f
        return np.where(self.follow_upper[:, None], up, low) * self.follow_w[:, None]


@dataclass(frozen=True)
class Pose:
    """The rig posed for one frame.

    points_xy: (N, 2) float32 target image positions of every rig vertex (sources are Rig.points_xyz[:, :2]).
    upper_teeth_xy, lower_teeth_xy: (11, 2) the biting edges' line of the upper (skull-fixed) and lower
    (jaw-fixed) teeth, from the image-left corner to the right. mouth_open_px: largest inner-lip gap.
    blink: (2,) closure of the right and left eye, 0..1. upper_lids_xy, upper_lids_open_xy: (2, 9, 2) the upper
    lid edges (right eye, left eye; corner to corner) as posed, and where they would be with the eyes open.
    """

    points_xy: np.ndarray
    upper_teeth_xy: np.ndarray
    lower_teeth_xy: np.ndarray
    mouth_open_px: float
    blink: np.ndarray
    upper_lids_xy: np.ndarray
    upper_lids_open_xy: np.ndarray
    photo_mouth_xy: np.ndarray  # (22, 2) the photo's inner-lip outline, carried by the skull
    # (2, 9, 2) where the photo's upper lid edges lie on the posed eyeballs (corner to corner, as upper_lids_xy):
    # a lid posed above its line there uncovers eyeball the photo hid (see render.eyelids.draw_uncovered). None: not
    # known (the lids uncover nothing).
    eyeball_lids_xy: np.ndarray | None = None


@dataclass(frozen=True)
class Rig:
    """A posable mesh over a portrait.

    points_xyz: (N, 3) float32 vertices at the photo's pose (x, y pixels, z depth in pixels, + away from the
    camera); the first 478 are the landmarks. skin_triangles (S, 3), mouth_triangles (M, 3) (the inner-lip
    hole, drawn over by render.mouth) and eye_triangles (E, 3) (eyeballs, under the lids) index into it.
    basis: track name -> (N, 3) displacement at weight 1 for the tracks that act linearly.
    """

    points_xyz: np.ndarray
    skin_triangles: np.ndarray
    mouth_triangles: np.ndarray
    eye_triangles: np.ndarray
    frame: FaceFrame
    basis: Mapping[str, np.ndarray]
    jaw_weight: np.ndarray
    hinge_xyz: np.ndarray
    jaw_max_rad: float
    jaw_lip_parting_px: np.ndarray  # (C,) extra inner-lip gap per lip column at jawOpen 1, beyond the jaw's
    jaw_rest_rad: float
    jaw_lever_px: float  # depth of the lips in front of the hinge
    jaw_falloff: np.ndarray  # (N,) share of the lips' travel each jaw point takes (less near the jaw angle)
    head_weight: np.ndarray
    pivot_xyz: np.ndarray
    depth_offset: np.ndarray  # (N,) added to z for head rotation only (eases the outline's steep depth)
    lips: Columns
    eyes: tuple[Columns, Columns]
    iris_move: np.ndarray  # (N,) share of the gaze shift each vertex takes (irises 1, iris rings 0.5)
    eye_index: np.ndarray  # (N,) 0 right eye, 1 left eye, -1 neither
    eyeball_radius_px: tuple[float, float]
    iris_radius_px: tuple[float, float]
    eyeball_contour: np.ndarray  # (K, 2) int: eyeball copy of a lid-edge point, and that lid landmark
    # (K,) int8: +1 upper lid, -1 lower lid, 0 eye corner; 2 the eyeball's row under the upper lid edge (stays)
    eyeball_contour_side: np.ndarray
    teeth_upper: np.ndarray  # (11,) vertex indices of the upper teeth line
    teeth_lower: np.ndarray  # (11,) vertex indices of the lower teeth line
    photo_mouth: np.ndarray  # (22,) skull-fixed copies of the photo's upper and lower inner lip lines
    photo_gap_px: float  # the photo's own largest inner-lip gap
    rest_gap_px: np.ndarray  # (C,) inner-lip gap kept at rest: the photo's, when it is only a lip line
    pinned: np.ndarray  # (N,) bool: inner-lip and lid-edge vertices, never moved to unfold the mesh
    still_outline: np.ndarray  # (36,) the outermost ring, which never moves: beyond it the photo is untouched
    neighbours: NeighbourMean  # sparse (N, N) matrix: mean over each vertex's skin-mesh neighbours
    # (H, W) uint8, 255 = the person (moves with the mesh), 0 = the background behind them (stays still);
    # None when the segmentation was not trusted: then the mesh alone decides what moves.
    person: np.ndarray | None = None
    # (N,) added to z for headPitch only (see _pitch_depth); None: depth_offset, as for yaw and roll.
    pitch_depth_offset: np.ndarray | None = None
    # The face's own turn in the photo, in headYaw's sign (+: turned towards the viewer's right), from the
    # slope of mediapipe's depth across the face; limits the turn back towards the camera (realised_yaw_deg).
    photo_turn_deg: float = 0.0
    # (N,) depth_offset for a yaw that turns the photo's turn back (yaw * photo_turn_deg < 0): the far side at
    # its own depth (see FAR_SIDE_EASE_BAND_PER_HALF_FACE); None: depth_offset for every yaw.
    frontalise_depth_offset: np.ndarray | None = None
    # (N,) depth_offset for a yaw that turns the photo's turn further away (yaw * photo_turn_deg > 0): the far
    # side at its own depth (see FAR_SIDE_AWAY_BAND_PER_HALF_FACE), and the same with the far eye at its own
    # depth, which the turn blends into (AWAY_EYE_FULL_DEG); None: depth_offset for every yaw.
    turn_away_depth_offset: np.ndarray | None = None
    turn_away_eye_depth_offset: np.ndarray | None = None
    # (2, N) head weight added for the turn (yaw and roll, not the nod) on the near side of a turn, [0] for
    # +yaw, [1] for -yaw: the first ring below the ears, so the photo's jaw edge just past the outline turns
    # nearly with it (see NEAR_JAW_RING_WEIGHT and build_rig); None: none.
    near_side_head_weight: np.ndarray | None = None

    @property
    def n_vertices(self) -> int:
        return self.points_xyz.shape[0]

    def closed_at_rest(self) -> Rig:
        """This rig with the photo's open mouth shut at rest (the jaw raised by the ~60 % of the gap that
        build_rig takes as the jaw's, the lips meeting), for a user who asks for a closed-mouthed rest."""
        mouth = self.frame.mouth_px
        if self.photo_gap_px < CLOSED_GAP_PER_MOUTH * mouth:
            return self
        jaw_rad = -0.6 * max(self.photo_gap_px - 0.02 * mouth, 0.0) / max(self.jaw_lever_px, 1e-3)
        return dataclasses.replace(self, jaw_rest_rad=jaw_rad, rest_gap_px=np.zeros_like(self.rest_gap_px))

    def __getstate__(self) -> dict:
        # The per-rig constants of pose() (_posing) are rebuilt on first use, not pickled to render workers.
        state = dict(self.__dict__)
        state.pop("_posing", None)
        return state

    @functools.cached_property
    def _posing(self) -> _Posing:
        return _Posing(self)

    def pose(self, params: Mapping[str, float]) -> Pose:
        """Vertex positions for one frame's parameters (missing names are at rest)."""
        p = params.get
        c = self._posing
        points = self.points_xyz.copy()
        jaw_open = _unit(p("jawOpen", 0.0))
        # Lip parting the shapes ask for, and the lips' own parting as the jaw opens (down the face).
        parting = np.zeros((len(self.lips.upper), 3), np.float32)
        parting[:, :2] = jaw_open * self.jaw_lip_parting_px[:, None] * self.frame.ey
        # Lips pressed shut (p, b, m) flatten their rounding: the shapes that push the lips into a round
        # opening give way to the closure, so a pucker cannot leave a sliver of the mouth showing.
        close = _unit(p("mouthClose", 0.0))
        pressed = 1.0 - ROUNDING_GIVE_WAY * close
        weights = np.array(
            [float(p(name, 0.0)) * (pressed if rounds else 1.0) for name, rounds in c.names], np.float32
        )
        moved = bool(weights.any())
        if moved:
            # All linear shapes at once (one matrix product instead of a pass per shape).
            linear = np.einsum("k,kn->n", weights, c.shapes).reshape(points.shape)
            points += linear
            parting += np.einsum("k,kn->n", weights, c.parting).reshape(parting.shape)
            # Lids that open wider than the photo's (eyeWide, a lowered lower lid) uncover eyeball the photo
            # hides: the eyeball's edge follows them outwards, stretching the white, so no pixel is left
            # unwarped between the lid and the eyeball. Lids closing in are simply drawn over the eyeball.
            moved = bool(linear.any())
        if moved:
            d_lid = linear[c.ball_lid, :2]
            du, dv = (d_lid @ self.frame.ex) * c.ball_du, d_lid @ self.frame.ey
            dv = np.clip(dv, c.ball_dv_min, c.ball_dv_max)
            points[c.ball, :2] += du[:, None] * self.frame.ex + dv[:, None] * self.frame.ey

        # Jaw: rotation about the hinge (temporomandibular joint), weighted per vertex.
        theta = self.jaw_rest_rad + self.jaw_max_rad * jaw_open
        lips = self.lips
        # (the lips' rows only are needed at the rest opening)
        rest_lips = self._rotate_jaw(points[c.lip_rows], self.jaw_rest_rad, c.lip_rows)
        points = self._rotate_jaw(points, theta)

        # Lips: the photo's own gap closes at rest; the jaw and mouth shapes open them unless mouthClose.
        n_cols = len(lips.upper)
        jaw_gap = (points[lips.lower] - rest_lips[n_cols:]) - (points[lips.upper] - rest_lips[:n_cols])
        wanted = jaw_gap + parting
        ey = c.ey3
        opening = np.clip(wanted @ ey, 0.0, None)
        roll = _unit(p("mouthRollLower", 0.0))
        target_gap = (opening + self.rest_gap_px) * (1 - close) * (1 - 0.85 * roll)
        gap = points[lips.lower] - points[lips.upper]
        excess = gap - target_gap[:, None] * ey  # what must disappear, upper-to-lower
        excess[:, 2] = 0
        # An open jaw's lip parting is mostly the lower lip's: the upper lip lifting far would pull the
        # nose with it.
        share_up = LIP_CLOSE_UPPER_SHARE * (1 - roll) * (1 - 0.3 * jaw_open)
        c.lips.add_spread(points, excess * share_up, -excess * (1 - share_up))

        # Eyelids: a blink brings the upper lid down to meet the slightly raised lower lid.
        blink = np.zeros(2, np.float32)
        lids_open = points[UPPER_LIDS]
        for side, (name, eye) in enumerate(zip(("eyeBlinkRight", "eyeBlinkLeft"), self.eyes)):
            b = _unit(p(name, 0.0))
            # A squint, and the cheeks' push in a real (Duchenne) smile, lower the upper lid part way too.
            which = name.removeprefix("eyeBlink")
            squint = SQUINT_LID_SHARE * _unit(p(f"eyeSquint{which}", 0.0)) + CHEEK_LID_SHARE * _unit(
                p(f"cheekSquint{which}", 0.0)
            )
            b = max(b, min(squint, MAX_SQUINT_LID))
            blink[side] = b
            if b <= 0:
                continue
            opening_xyz = points[eye.upper] - points[eye.lower]
            meet = points[eye.lower] + LID_MEET_SHARE * opening_xyz
            c.eyes[side].add_spread(points, (meet - points[eye.upper]) * b, (meet - points[eye.lower]) * b)

        # Gaze: the eyeballs turn (angles relative to the head, as in ARKit), within gaze_limits_deg.
        yaw_deg, pitch_deg = p("gazeYaw", 0.0), p("gazePitch", 0.0)
        if yaw_deg or pitch_deg:
            low_yaw, high_yaw, low_pitch, high_pitch = c.gaze_limits
            yaw = math.radians(min(max(yaw_deg, low_yaw), high_yaw))
            pitch = math.radians(min(max(pitch_deg, low_pitch), high_pitch))
            for eyeball in c.gaze:
                eyeball.turn(points, yaw, pitch)

        angles = (self.realised_yaw_deg(p("headYaw", 0.0)), p("headPitch", 0.0), p("headRoll", 0.0))
        # The open lids turn with the head too: one rotation for both (rows after the rig's vertices).
        both = self._turn_head(np.concatenate([points, lids_open]), *angles, *c.head_with_lids)
        points, lids_open = both[: len(points)], both[len(points) :]
        xy = self._unfold(points[:, :2].astype(np.float32))
        gaps = xy[lips.lower] - xy[lips.upper]
        mouth_open_px = float(np.max(gaps @ self.frame.ey)) if len(gaps) else 0.0
        lids_open_xy = lids_open[:, :2].astype(np.float32).reshape(2, -1, 2)
        lids_xy = xy[UPPER_LIDS].reshape(2, -1, 2)
        return Pose(
            points_xy=xy,
            upper_lids_xy=lids_xy,
            upper_lids_open_xy=lids_open_xy,
            upper_teeth_xy=points[self.teeth_upper, :2].astype(np.float32),
            lower_teeth_xy=points[self.teeth_lower, :2].astype(np.float32),
            photo_mouth_xy=points[self.photo_mouth, :2].astype(np.float32),
            eyeball_lids_xy=np.stack([xy[ids] for ids in c.ball_lid_line]),
            mouth_open_px=mouth_open_px,
            blink=blink,
        )

    def mouth_open_px(self, params: Mapping[str, float]) -> float:
        """pose(params).mouth_open_px (the largest inner-lip gap) from the lips' rows alone:
        mouth_open_px_frames of one frame."""
        curves = {name: np.array([float(value)]) for name, value in params.items()}
        return float(self.mouth_open_px_frames(curves, 1)[0])

    def mouth_open_px_frames(self, curves: Mapping[str, np.ndarray], n_frames: int) -> np.ndarray:
        """mouth_open_px of frames 0 .. n_frames-1 of `curves` (track name -> per-frame values; absent: rest),
        (n_frames,) float64: pose()'s steps on the lips' rows alone, 2 x 11 vertices instead of the whole mesh
        (no lids, gaze or relaxation, which never move the inner lips; ~10x cheaper than a pose), and on all
        the frames at once, the jaw and head through pose()'s own _rotate_jaw and _turn_head given arrays of
        frames (~10x cheaper again than a call per frame). mouth_open_px is this for one frame: every step
        is elementwise or a product per frame, so a frame's value is the same measured alone or among others
        (tests/face/test_lip_gap.py). Equal to the whole pose's within float rounding (this works in
        float64, pose() partly in float32)."""
        c = self._posing
        if not c.lip_only:
            return np.array(
                [
                    self.pose({name: float(v[f]) for name, v in curves.items()}).mouth_open_px
                    for f in range(n_frames)
                ],
                np.float64,
            )
        zeros = np.zeros(n_frames)

        def track(name: str) -> np.ndarray:
            return np.asarray(curves[name], np.float64)[:n_frames] if name in curves else zeros

        rows, n_cols, ey = c.lip_rows, len(self.lips.upper), c.ey3_64
        jaw_open = np.clip(track("jawOpen"), 0.0, 1.0)
        close = np.clip(track("mouthClose"), 0.0, 1.0)
        roll = np.clip(track("mouthRollLower"), 0.0, 1.0)
        pressed = 1.0 - ROUNDING_GIVE_WAY * close
        # (frames, 1, shapes): a (1, shapes) x (shapes, values) product per frame
        weights = np.stack([track(name) * (pressed if rounds else 1.0) for name, rounds in c.names], axis=-1)
        weights = weights[:, None, :]
        points = self.points_xyz[rows].astype(np.float64) + (weights @ c.lip_shapes).reshape(n_frames, -1, 3)
        parting = (weights @ c.parting).reshape(n_frames, n_cols, 3)
        parting[..., :2] += (jaw_open[:, None] * self.jaw_lip_parting_px)[..., None] * ey[:2]
        rest_lips = self._rotate_jaw(points, np.full(n_frames, self.jaw_rest_rad), rows)
        points = self._rotate_jaw(points, self.jaw_rest_rad + self.jaw_max_rad * jaw_open, rows)
        upper, lower = slice(None, n_cols), slice(n_cols, None)
        jaw_gap = (points[:, lower] - rest_lips[:, lower]) - (points[:, upper] - rest_lips[:, upper])
        opening = np.clip((jaw_gap + parting) @ ey, 0.0, None)
        target_gap = (opening + self.rest_gap_px) * ((1 - close) * (1 - 0.85 * roll))[:, None]
        excess = (points[:, lower] - points[:, upper]) - target_gap[..., None] * ey
        excess[..., 2] = 0
        share_up = (LIP_CLOSE_UPPER_SHARE * (1 - roll) * (1 - 0.3 * jaw_open))[:, None, None]
        points = points + c.lip_spread @ np.concatenate([excess * share_up, -excess * (1 - share_up)], axis=1)
        yaw = np.array([self.realised_yaw_deg(v) for v in track("headYaw").tolist()], np.float64)
        points = self._turn_head(points, yaw, track("headPitch"), track("headRoll"), *c.head_lips)
        if not n_cols:
            return zeros.copy()
        xy = points[..., :2].astype(np.float32)
        return np.max((xy[:, lower] - xy[:, upper]) @ self.frame.ey, axis=1).astype(np.float64)

    def _unfold(self, xy: np.ndarray) -> np.ndarray:
        """Relax the mesh around any triangle that flipped over, until none does.

        Folds come from steep landmark depth at the face outline, near-degenerate triangles at the mouth
        corners and contradictory shapes (a pucker and a smile at once). The vertices of folded triangles
        and their neighbours first have their displacement smoothed (keeps the shape), and if that is not
        enough, their positions (pulls each towards its neighbours' centre, which always untangles)."""
        src = self.points_xyz[:, :2]
        tris = self.skin_triangles
        # Folds as render.warp.folded_triangles judges them: flipped, and reaching over half a pixel across
        # (the photo's side of it, `usable` and `movable`, is the same every frame: see _Posing).
        sign_src, usable, movable = self._posing.unfold
        # The result kept is the one with the fewest folds a render shows (over MIN_FOLD_HEIGHT_PX), then the
        # least total fold height: relaxing two 0.4 px slivers beside the astronaut's rolled-in lower lip (not
        # shown) pulled a free vertex across a pinned inner-lip one, a 0.8 px fold (fewer folds, but worse).
        # A relaxation that has stopped improving on its best for UNFOLD_STALL steps is given up (the first
        # stage for the second, the second for good): in a large picture a fold the relaxation cannot mend
        # (1536 px, a 0.5-2 px fold at a mouth corner, a 0.2-0.7 px one at 512 px, under the threshold) used
        # to run all UNFOLD_ITERATIONS steps on nearly every frame, 7x the pose's cost, for its first result.
        # A first stage that never improved on the pose itself is dropped, and the second starts from the pose:
        # smoothing the displacement can spread folds instead of undoing them, and relaxing the positions from
        # there stalled on a new fold (full3.png at pitch -15: 4 folds where the chin meets the strip under it
        # became 20 along the far jaw, then settled at 4 there, a 2 px dark speck; from the pose, none).
        start, folded_start = xy, None
        best, best_rank, stalled = xy, None, 0
        smoothing = True  # first stage: smooth the displacement; then the positions
        for iteration in range(UNFOLD_ITERATIONS):
            height = triangle_heights(xy, tris)
            folded = usable & (np.sign(height) != sign_src) & (np.abs(height) > 0.5 * MIN_FOLD_HEIGHT_PX)
            if folded_start is None:
                folded_start = folded
            fold_px = np.abs(height[folded])
            rank = (int((fold_px > MIN_FOLD_HEIGHT_PX).sum()), float(fold_px.sum()))
            if best_rank is None or rank < best_rank:
                best, best_rank, stalled = xy, rank, 0
            else:
                stalled += 1
            if not folded.any():
                break
            if not smoothing and stalled >= UNFOLD_STALL:
                break
            if smoothing and (iteration >= UNFOLD_ITERATIONS // 2 or stalled >= UNFOLD_STALL):
                smoothing, stalled = False, 0
                if best is start:
                    xy, folded = start, folded_start
            patch = np.zeros(len(xy), bool)
            patch[tris[folded].ravel()] = True
            patch |= (self.neighbours @ patch.astype(np.float64)) > 0
            patch &= movable
            if smoothing:
                disp = xy - src
                disp[patch] = 0.5 * disp[patch] + 0.5 * (self.neighbours @ disp)[patch]
                xy = (src + disp).astype(np.float32)
            else:
                xy = xy.copy()
                xy[patch] = 0.5 * xy[patch] + 0.5 * (self.neighbours @ xy)[patch]
        return self._settle_slivers(best)

    def _settle_slivers(self, xy: np.ndarray) -> np.ndarray:
        """The photo's slivers that _unfold does not judge (see _Posing.slivers), posed turned over: the far
        corner c of each that crossed its long side a-b by over half MIN_FOLD_HEIGHT_PX, against the
        orientation its neighbours imply, is put back on its side of a-b, as far from it as in the photo (where
        along it, as projected; a pinned c stays and a or b moves onto the line through c and the other, as
        far from c as it was). The sliver is as thin as in the photo again, instead of a triangle a pixel or
        two high lying over its neighbours and painting the photo's pixels along a-b there (full3.png's far
        jaw at yaw -20 and pitch +12..+15: a dark dash, dots). Corners a few slivers share are settled over two passes; a corner whose move would fold
        another triangle by over MIN_FOLD_HEIGHT_PX (slivers judged as here) moves a smaller share of the way
        (SLIVER_SETTLE_SHARES), or not at all."""
        a, b, c, orientation, mover, thick = self._posing.slivers
        if not len(c):
            return xy
        # Only the triangles round the corners that settle (`vertex`, one per sliver) can change: the rest keep
        # their heights, and fold or not as in `xy`, whatever is moved. Those are judged alone (`tris`).
        vertex, _, tris, judged = self._posing.sliver_moves
        out, folded_xy = xy, None
        for _ in range(2):
            pa, pb, pc = out[a].astype(np.float64), out[b].astype(np.float64), out[c].astype(np.float64)
            side, off = pb - pa, pc - pa
            length2 = side[:, 0] * side[:, 0] + side[:, 1] * side[:, 1]
            cross = side[:, 0] * off[:, 1] - side[:, 1] * off[:, 0]
            height = cross / np.sqrt(np.maximum(length2, 1e-12))
            turned = (orientation != 0) & (np.sign(height) != orientation)
            turned &= np.abs(height) > 0.5 * MIN_FOLD_HEIGHT_PX
            turned &= length2 > 1e-6
            if not turned.any():
                break
            along = np.clip((off * side).sum(axis=1) / np.maximum(length2, 1e-12), 0.0, 1.0)
            # c put back on its side of a-b, as far from it as in the photo
            normal = np.stack([-side[:, 1], side[:, 0]], axis=1)
            normal /= np.sqrt(np.maximum(length2, 1e-12))[:, None]
            onto = pa + along[:, None] * side + (orientation * thick)[:, None] * normal
            to_c = pc - pb, pc - pa
            reach = np.linalg.norm(pa - pc, axis=1), np.linalg.norm(pb - pc, axis=1)
            past_c = (  # a (or b) put on the line from b (or a) through c, beyond c
                pc + to_c[0] * (reach[0] / np.maximum(reach[1], 1e-9))[:, None],
                pc + to_c[1] * (reach[1] / np.maximum(reach[0], 1e-9))[:, None],
            )
            target = np.where((mover == 0)[:, None], onto, np.where((mover == 1)[:, None], *past_c))
            before = triangle_heights(out, tris)
            folded_before = (
                (judged != 0) & (np.sign(before) != judged) & (np.abs(before) > MIN_FOLD_HEIGHT_PX)
            )
            if folded_xy is None:
                folded_xy = folded_before  # (the first pass starts from xy)
            moved, pending = out.copy(), turned.copy()
            for share in SLIVER_SETTLE_SHARES:
                trial = moved.copy()
                at = vertex[pending]
                trial[at] = (out[at] + share * (target[pending] - out[at])).astype(out.dtype)
                after = triangle_heights(trial, tris)
                folds = (judged != 0) & (np.sign(after) != judged) & (np.abs(after) > MIN_FOLD_HEIGHT_PX)
                blocked = np.zeros(len(out), bool)
                blocked[tris[folds & ~folded_before].ravel()] = True
                ok = pending & ~blocked[vertex]
                moved[vertex[ok]] = trial[vertex[ok]]
                pending &= ~ok
                if not pending.any():
                    break
            out = moved
        if out is xy:
            return xy  # (no sliver turned)
        # Moves that together still folded a triangle (over the passes) are taken back.
        for _ in range(4):
            height = triangle_heights(out, tris)
            folds = (judged != 0) & (np.sign(height) != judged) & (np.abs(height) > MIN_FOLD_HEIGHT_PX)
            back = np.unique(tris[folds & ~folded_xy].ravel())
            if not len(back):
                break
            out[back] = xy[back]
        return out

    def _rotate_jaw(
        self, points: np.ndarray, theta: float | np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Open (theta > 0) or close the jaw about the hinge, linearised and in 2.5D: jaw points travel
        down by theta times the lips' lever arm, less towards the jaw angles (nearer the hinge), and back.
        (Using each landmark's own depth makes neighbours move unequally — mediapipe's depth is noisy at
        the jaw line — and folds the mesh.) `points` are all rig vertices, or copies of the vertices `rows`;
        or frames of them, (F, R, 3), with theta (F,) radians, one per frame."""
        if np.ndim(theta):
            theta = np.asarray(theta, np.float64)[:, None]  # (F, 1): against (F, R) coordinates
        elif theta == 0:
            return points
        c = self._posing
        ey, hinge = c.ey3_64, self.hinge_xyz
        falloff = self.jaw_falloff if rows is None else self.jaw_falloff[rows]
        weight = c.jaw_weight3 if rows is None else c.jaw_weight3[rows]
        down = (theta * self.jaw_lever_px * falloff).astype(np.float64)
        # (coordinate by coordinate, in float64 as the matrix products were: numpy is slow along 3-long axes)
        back = theta * (
            (points[..., 0] - hinge[0]).astype(np.float64) * ey[0]
            + (points[..., 1] - hinge[1]).astype(np.float64) * ey[1]
        )
        move = np.stack([down * ey[0], down * ey[1], back], axis=-1)  # (down the face, and back)
        return points + move * weight

    def _rotate_head(
        self,
        points: np.ndarray,
        yaw_deg: float,
        pitch_deg: float,
        roll_deg: float,
        ids: list[int] | None = None,
    ) -> np.ndarray:
        """Turn the head; `points` are all rig vertices, or copies of the vertices `ids`."""
        pick = slice(None) if ids is None else ids
        pitch_offset = None if self.pitch_depth_offset is None else self.pitch_depth_offset[pick]
        front = None if self.frontalise_depth_offset is None else self.frontalise_depth_offset[pick]
        away = None
        if self.turn_away_depth_offset is not None and self.turn_away_eye_depth_offset is not None:
            away = (self.turn_away_depth_offset[pick], self.turn_away_eye_depth_offset[pick])
        weights, offset = self.head_weight[pick], self.depth_offset[pick]
        near = None if self.near_side_head_weight is None else self.near_side_head_weight[:, pick]
        return self._turn_head(
            points, yaw_deg, pitch_deg, roll_deg, weights, offset, pitch_offset, front, away, near
        )

    def _turn_head(
        self,
        points: np.ndarray,
        yaw_deg: float | np.ndarray,
        pitch_deg: float | np.ndarray,
        roll_deg: float | np.ndarray,
        weights: np.ndarray,
        offset: np.ndarray,
        pitch_offset: np.ndarray | None,
        frontalise_offset: np.ndarray | None = None,
        away_offset: tuple[np.ndarray, np.ndarray] | None = None,
        near_weight: np.ndarray | None = None,
    ) -> np.ndarray:
        """_rotate_head, given the points' head weights, rotation depth offsets, nodding depth offsets and
        the rotation depth offsets of a turn back towards the camera (Rig.frontalise_depth_offset) and of a
        turn further away (Rig.turn_away_depth_offset, Rig.turn_away_eye_depth_offset), and the near side's
        extra head weight for the turn (Rig.near_side_head_weight).

        Frames: points (F, R, 3) and each angle (F,), one per frame, weights per coordinate ((R, 3), or
        near_weight (2, R, 3)); each frame is turned by the same steps as alone (a frame's zero angle turns
        by the identity, which leaves its points as they are)."""
        frames = np.ndim(yaw_deg) > 0
        if not (frames or yaw_deg or pitch_deg or roll_deg):
            return points
        axes = self._posing.axes
        radians = np.radians if frames else math.radians

        def per_frame(values: np.ndarray, dims: int) -> np.ndarray | float:
            # A value per frame against (F, ...) arrays of `dims` more dimensions, or one number.
            return values.reshape(-1, *(1,) * dims) if frames else float(values)

        def pick(where: np.ndarray | bool, a: np.ndarray, b: np.ndarray) -> np.ndarray:
            # Per-vertex a (R,) or (F, R) where (in the frames where) `where`, else b.
            return np.where(per_frame(np.asarray(where), 1), a, b) if frames else (a if where else b)

        # Signs: +yaw turns the face towards the viewer's right, +pitch lifts the chin, +roll tilts the
        # top of the head towards the viewer's right (clockwise on screen).
        nod = axes[0].rotation(-radians(pitch_deg))
        rotation = axes[2].rotation(radians(roll_deg)) @ axes[1].rotation(-radians(yaw_deg)) @ nod
        if pitch_offset is not None and (frames or pitch_deg):
            # The nod first, about its own depth field (see _pitch_depth), then the turn and tilt.
            scale = PITCH_DEPTH_SCALE * per_frame(np.where(np.asarray(pitch_deg) > 0, PITCH_UP_GAIN, 1.0), 1)
            points = self._rotate_about_pivot(points, nod, pitch_offset, scale, weights)
            rotation = rotation @ np.swapaxes(nod, -1, -2)
        # The rotation depth is mediapipe's, eased at the outline (depth_offset) so the cheeks do not fold
        # under, and scaled by ROTATION_DEPTH_SCALE (see there); a turned face turning back eases only its
        # near side (FAR_SIDE_EASE_BAND_PER_HALF_FACE).
        towards = np.asarray(yaw_deg) * self.photo_turn_deg
        if frontalise_offset is not None and np.any(towards < 0):
            offset = pick(towards < 0, frontalise_offset, offset)
        if away_offset is not None and np.any(towards > 0):
            eye = per_frame(_smoothstep(0.0, AWAY_EYE_FULL_DEG, np.abs(np.asarray(yaw_deg))), 1)
            offset = pick(towards > 0, away_offset[0] + (away_offset[1] - away_offset[0]) * eye, offset)
        if near_weight is not None and (frames or yaw_deg):
            # The near side's jaw edge turns with the outline (NEAR_JAW_RING), growing in over the first
            # NEAR_SIDE_FULL_DEG so the roll of a head facing the camera is unchanged.
            grow = per_frame(_smoothstep(0.0, NEAR_SIDE_FULL_DEG, np.abs(np.asarray(yaw_deg))), 2)
            side = np.where(np.asarray(yaw_deg) > 0, 0, 1)
            weights = weights + near_weight[side if frames else int(side)] * grow
        return self._rotate_about_pivot(points, rotation, offset, ROTATION_DEPTH_SCALE, weights)

    def realised_yaw_deg(self, yaw_deg: float) -> float:
        """The headYaw the rig turns for a requested one: the same, except a turn back towards the camera of a
        face turned in the photo, which eases into a limit (see FRONTALISE_LIMIT_DEG)."""
        turn = abs(self.photo_turn_deg)
        # +yaw turns the face towards the viewer's right: it frontalises a face turned to the left (turn < 0).
        if turn < PHOTO_TURN_MIN_DEG or yaw_deg * self.photo_turn_deg >= 0:
            return yaw_deg
        limit = max(FRONTALISE_LIMIT_DEG - turn, 0.0)
        knee = FRONTALISE_KNEE * limit
        size = abs(yaw_deg)
        if size <= knee:
            return yaw_deg
        eased = knee + (limit - knee) * math.tanh((size - knee) / max(limit - knee, 1e-6))
        return math.copysign(eased, yaw_deg)

    def _rotate_about_pivot(
        self, points: np.ndarray, rotation: np.ndarray, offset: np.ndarray, scale: float, weights: np.ndarray
    ) -> np.ndarray:
        """Rotate `points` about the pivot at their rotation depth (z + offset, scaled about the pivot),
        each vertex taking its `weights` share; z keeps its own depth plus the rotation's change of it.
        Frames (see _turn_head): points (F, R, 3), rotation (F, 3, 3), scale (F, 1)."""
        flat = points.copy()
        depth = flat[..., 2] + offset
        flat[..., 2] = self.pivot_xyz[2] + (depth - self.pivot_xyz[2]) * scale
        # (the pivot's part of the rotation added once: numpy is slow broadcasting along a 3-long axis)
        transposed = np.swapaxes(rotation, -1, -2)
        rotated = flat @ transposed + (self.pivot_xyz - self.pivot_xyz @ transposed)[..., None, :]
        rotated[..., 2] = points[..., 2] + (rotated[..., 2] - flat[..., 2])
        # (weights (N,) or, faster, already repeated per coordinate (N, 3))
        return points + (rotated - points) * (weights[:, None] if weights.ndim == 1 else weights)


def triangle_heights(xy: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Signed height of each triangle over its longest side (twice the area over that side), in pixels:
    how far the triangle reaches across, with the sign of its orientation."""
    # (coordinate by coordinate, corner by corner: this runs every frame, and numpy is slow along short axes)
    x, y = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    x0, x1, x2 = x[triangles[:, 0]], x[triangles[:, 1]], x[triangles[:, 2]]
    y0, y1, y2 = y[triangles[:, 0]], y[triangles[:, 1]], y[triangles[:, 2]]
    # The sides as vectors, corner k to corner k + 1.
    dx0, dy0, dx1, dy1, dx2, dy2 = x1 - x0, y1 - y0, x2 - x1, y2 - y1, x0 - x2, y0 - y2
    area2 = dx2 * dy0 - dx0 * dy2
    longest = np.maximum(np.maximum(dx0 * dx0 + dy0 * dy0, dx1 * dx1 + dy1 * dy1), dx2 * dx2 + dy2 * dy2)
    return area2 / np.maximum(np.sqrt(longest), 1e-9)


def _edge_triangles(triangles: np.ndarray) -> dict[tuple[int, int], list[int]]:
    """Each undirected edge (low id first) -> the rows of the triangles that have it."""
    edges: dict[tuple[int, int], list[int]] = {}
    for row, (a, b, c) in enumerate(triangles.tolist()):
        for u, v in ((a, b), (b, c), (c, a)):
            edges.setdefault((u, v) if u < v else (v, u), []).append(row)
    return edges


def triangle_orientation(
    xy: np.ndarray, triangles: np.ndarray, min_height_px: float = MIN_FOLD_HEIGHT_PX
) -> np.ndarray:
    """(T,) +1, -1 or 0: the orientation each triangle has in the layout `xy`, as judged for folds.

    A triangle reaching over `min_height_px` across has its own sign (triangle_heights). A thinner sliver's
    sign is noise (a landmark a fraction of a pixel off its neighbours' line), so it takes the orientation its
    judged neighbours imply across the edges it shares with them (a consistently oriented mesh runs a shared
    edge in opposite directions on its two sides), weighted by their heights: a posed sliver of the other
    sign is folded over them, like any triangle. A sliver among slivers only (a fan of landmarks nearly in a
    row, as at a small face's mouth corners) has no orientation to judge it by: 0."""
    height = triangle_heights(xy, triangles)
    orientation = np.where(height < 0, -1.0, 1.0)
    known = np.abs(height) > min_height_px
    if known.all():
        return orientation
    # Across a shared edge u-v: +1 if the two triangles run it in opposite directions (same orientation).
    # Half-edges (row t, side k: corner k to corner k + 1) sorted by their undirected edge, stably (so rows in
    # order): a half-edge's partners are its neighbours in that order with the same edge, within the largest
    # number of triangles any edge has.
    tris = np.asarray(triangles, np.int64)
    start, end = tris.ravel(), np.roll(tris, -1, axis=1).ravel()
    key = np.minimum(start, end) * (int(tris.max()) + 1) + np.maximum(start, end)
    order = np.argsort(key, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    sorted_key = key[order]
    widest = int(np.unique(key, return_counts=True)[1].max())
    rows = np.nonzero(~known)[0]
    halves = (3 * rows[:, None] + np.arange(3)).ravel()  # (each unknown row's sides, in order)
    weight = orientation * np.abs(height)  # (a judged triangle's say: its orientation, by its height)
    terms = []
    for step in [*range(-widest + 1, 0), *range(1, widest)]:  # (partners in row order)
        at = position[halves] + step
        inside = (at >= 0) & (at < len(order))
        other = order[np.clip(at, 0, len(order) - 1)]
        partner = inside & (sorted_key[np.clip(at, 0, len(order) - 1)] == key[halves])
        other_row = other // 3
        partner &= (other_row != halves // 3) & known[other_row]
        same = np.where(start[other] == end[halves], 1.0, -1.0)
        terms.append(np.where(partner, same * weight[other_row], 0.0).reshape(len(rows), 3))
    total = np.zeros(len(rows))
    # (summed side by side, each side's partners in row order: the order of a loop over them)
    for side in range(3):
        for term in terms:
            total = total + term[:, side]
    orientation[rows] = np.sign(total)
    return orientation


_EZ = np.array([0.0, 0.0, 1.0])


def _unit(value: float) -> float:
    """A track value clipped to 0..1, as a Python float."""
    return min(max(float(value), 0.0), 1.0)


class _Axis:
    """A rotation axis (normalised) and the constant terms of Rodrigues' formula: rotation(angle) is the 3x3
    matrix in three array operations."""

    def __init__(self, axis: np.ndarray) -> None:
        x, y, z = axis / np.linalg.norm(axis)
        self.cross = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
        self.outer = np.outer([x, y, z], [x, y, z])

    def rotation(self, angle: float | np.ndarray) -> np.ndarray:
        """(3, 3), or (F, 3, 3) for (F,) angles (each as it alone gives)."""
        if np.ndim(angle):
            c = np.array([math.cos(a) for a in angle.tolist()])[:, None, None]
            s = np.array([math.sin(a) for a in angle.tolist()])[:, None, None]
        else:
            c, s = math.cos(angle), math.sin(angle)
        return _EYE3 * c + s * self.cross + (1 - c) * self.outer


_EYE3 = np.eye(3)


class _Spread:
    """Columns.spread as one small matrix product, added in place to the vertices it moves: `matrix` (R, 2C)
    maps the C upper then C lower column displacements to the R vertices `rows` (weights under 1e-6 are left
    out: a vertex they move by under 1e-4 px of a 100 px displacement). Equal to Columns.spread within float
    rounding (~1e-6 px)."""

    def __init__(self, columns: Columns) -> None:
        self.rows = np.nonzero(columns.follow_w > 1e-6)[0]
        n_cols = len(columns.upper)
        a, b = columns.follow_col[self.rows, 0], columns.follow_col[self.rows, 1]
        frac = columns.follow_frac[self.rows].astype(np.float64)
        weight = columns.follow_w[self.rows].astype(np.float64)
        # Columns 0 and C + 1 are the corners, which the pair's motion never moves: dropped.
        padded = np.zeros((len(self.rows), 2, n_cols + 2))
        lower = (~columns.follow_upper[self.rows]).astype(int)
        at = np.arange(len(self.rows))
        np.add.at(padded, (at, lower, a), (1 - frac) * weight)
        np.add.at(padded, (at, lower, b), frac * weight)
        self.matrix = np.ascontiguousarray(padded[:, :, 1:-1].reshape(len(self.rows), 2 * n_cols))

    def add_spread(self, points: np.ndarray, upper_delta: np.ndarray, lower_delta: np.ndarray) -> None:
        points[self.rows] += self.matrix @ np.concatenate([upper_delta, lower_delta])


_EYES = (
    (topo.EYE_RIGHT_UPPER, topo.IRIS_RIGHT),
    (topo.EYE_LEFT_UPPER, topo.IRIS_LEFT),
)


def gaze_limits_deg(
    landmarks: np.ndarray, frame: FaceFrame | None = None
) -> tuple[float, float, float, float]:
    """(lowest, highest gazeYaw, lowest, highest gazePitch) in degrees that a rig built on these landmarks (478, 2+;
    a Portrait's landmarks_xyz) shows; Rig.pose holds larger angles at these. Sideways: the turn that leaves
    GAZE_SCLERA_KEEP of the white between the iris column and the eye corner it turns towards and stretches the
    white behind it at most GAZE_SCLERA_STRETCH times, in the eye with less room, at most GAZE_MAX_YAW_DEG; up and
    down: GAZE_MAX_SHIFT_PER_IRIS of the iris radius."""
    xy = np.asarray(landmarks, np.float64)[:, :2]
    frame = _face_frame(xy) if frame is None else frame
    low_yaw, high_yaw, pitch = -GAZE_MAX_YAW_DEG, GAZE_MAX_YAW_DEG, 90.0
    top = math.sin(math.radians(GAZE_MAX_YAW_DEG))
    for upper, iris in _EYES:
        centre = xy[iris[0]]
        iris_r = float(np.linalg.norm(xy[list(iris[1:])] - centre, axis=1).mean())
        width = float(np.linalg.norm(xy[upper[0]] - xy[upper[-1]]))
        radius = max(EYEBALL_RADIUS_PER_EYE_WIDTH * width, 1e-6)
        corners = sorted(float((xy[k] - centre) @ frame.ex) for k in (upper[0], upper[-1]))
        band = GAZE_IRIS_BAND_PER_IRIS * iris_r
        low_room, high_room = -band - corners[0], corners[1] - band
        for room, behind, sign in ((low_room, high_room, -1.0), (high_room, low_room, 1.0)):
            shift = min((1.0 - GAZE_SCLERA_KEEP) * room, (GAZE_SCLERA_STRETCH - 1.0) * behind)
            reach = min(max(shift / radius, 0.0), top)
            if sign > 0:
                high_yaw = min(high_yaw, math.degrees(math.asin(reach)))
            else:
                low_yaw = max(low_yaw, -math.degrees(math.asin(reach)))
        pitch = min(pitch, math.degrees(math.asin(min(GAZE_MAX_SHIFT_PER_IRIS * iris_r / radius, 1.0))))
    return low_yaw, high_yaw, -pitch, pitch


class _Eyeball:
    """One eye's gaze step (Rig.pose): the column around the iris moves sideways as one piece, the white beside
    it squeezes or stretches to the corners, the eyeball's contour slides along the opening's outline; up and
    down, the iris (and half as far the points around it) moves inside still lid edges."""

    def __init__(self, rig: Rig, eye: int) -> None:
        upper, iris = _EYES[eye]
        src = rig.points_xyz[:, :2].astype(np.float64)
        self.ex, self.ey = rig.frame.ex.astype(np.float64), rig.frame.ey.astype(np.float64)
        self.centre = src[iris[0]]
        self.rows = np.nonzero(rig.eye_index == eye)[0]
        corners = sorted(float((src[k] - self.centre) @ self.ex) for k in (upper[0], upper[-1]))
        self.low, self.high = corners
        self.band = min(GAZE_IRIS_BAND_PER_IRIS * rig.iris_radius_px[eye], 0.9 * min(-self.low, self.high))
        self.radius = rig.eyeball_radius_px[eye]
        self.clear = GAZE_LID_CLEARANCE_PER_IRIS * rig.iris_radius_px[eye]
        ball, side = rig.eyeball_contour[:, 0], rig.eyeball_contour_side
        mine = rig.eye_index[ball] == eye
        ends = ball[mine & (side == 0)]
        # the outlines the contour slides along: upper lid, lower lid, the row under the upper lid's edge
        self.lines = [np.concatenate([ends, ball[mine & (side == k)]]) for k in (1, -1, 2)]
        self.inside = self.rows[~np.isin(self.rows, np.concatenate(self.lines))]
        self.share_down = rig.iris_move[self.inside].astype(np.float64)

    def _along(self, u: np.ndarray, shift: float) -> np.ndarray:
        """The sideways move of eyeball points at `u` (px along the eye line from the photo's iris centre)."""
        ramp = np.minimum((self.high - u) / (self.high - self.band), (u - self.low) / (-self.band - self.low))
        return shift * np.clip(ramp, 0.0, 1.0)

    def turn(self, points: np.ndarray, yaw_rad: float, pitch_rad: float) -> None:
        # Up or down first: the sideways turn then keeps each point's clearance from the lids.
        down = -self.radius * math.sin(pitch_rad)
        if down:
            points[self.inside, :2] += (self.share_down * down)[:, None] * self.ey
        shift = self.radius * math.sin(yaw_rad)
        if shift:
            # the opening's edges the inside keeps clear of: the eyeball's row under the upper lid, the lower lid
            edges = []
            for line in (self.lines[2], self.lines[1]):
                rel = points[line, :2] - self.centre
                u, v = rel @ self.ex, rel @ self.ey
                order = np.argsort(u)
                edges.append((u[order], v[order]))
            for line, out in zip(self.lines, (-1.0, 1.0, 0.0)):
                rel = points[line, :2] - self.centre
                u, v = rel @ self.ex, rel @ self.ey
                order = np.argsort(u)
                u_line, v_line = u[order], v[order]
                moved = u_line + self._along(u_line, shift)
                # (as a change of the outline's height: a point off it, a corner shared by two, keeps its offset)
                v_new = v_line + np.interp(moved, u_line, v_line) - np.interp(u_line, u_line, v_line)
                if out:
                    # The chords between slid points cut across the outline's bends: push them out (under the
                    # lid, which covers the eyeball) until they reach past every photo point again.
                    chord = np.interp(u_line, moved, v_new)
                    gap = np.maximum(out * (v_line - chord), 0.0)
                    after = np.clip(np.searchsorted(moved, u_line), 1, len(moved) - 1)
                    before = after - 1
                    t = (u_line - moved[before]) / np.maximum(moved[after] - moved[before], 1e-9)
                    # the corners stay (a chord from one pushes its other end)
                    fixed = np.abs(moved - u_line) < 1e-4
                    push = np.zeros(len(moved))
                    np.maximum.at(push, after, np.where(fixed[before], gap / np.maximum(t, 0.25), gap))
                    np.maximum.at(push, before, np.where(fixed[after], gap / np.maximum(1.0 - t, 0.25), gap))
                    v_new = v_new + out * np.where(fixed, 0.0, push + GAZE_CONTOUR_MARGIN_PX)
                xy = self.centre + moved[:, None] * self.ex + v_new[:, None] * self.ey
                points[line[order], :2] = xy
            rel = points[self.inside, :2] - self.centre
            u, v = rel @ self.ex, rel @ self.ey
            moved = u + self._along(u, shift)
            # Where the opening narrows towards a corner, points near a lid keep their clearance from it (up to
            # self.clear) rather than slide out under it, which folded the thin triangles along the lid line.
            (up_u, up_v), (low_u, low_v) = edges
            v_new = np.maximum(
                v, np.interp(moved, up_u, up_v) + np.clip(v - np.interp(u, up_u, up_v), 0, self.clear)
            )
            v_new = np.minimum(
                v_new, np.interp(moved, low_u, low_v) - np.clip(np.interp(u, low_u, low_v) - v, 0, self.clear)
            )
            points[self.inside, :2] = self.centre + moved[:, None] * self.ex + v_new[:, None] * self.ey


class _Posing:
    """What Rig.pose needs that depends on the rig alone, made once per rig (Rig._posing): the linear shapes
    as one matrix, the index sets of the eyeball, lip, lid and gaze steps, the head's weights and depth
    offsets for its vertices followed by the upper lids, the rotation axes and the photo's side of _unfold."""

    def __init__(self, rig: Rig) -> None:
        names = list(rig.basis)
        self.names = [(name, name in ("mouthPucker", "mouthFunnel")) for name in names]
        n, lips = rig.n_vertices, rig.lips
        self.shapes = np.stack([rig.basis[name].reshape(-1) for name in names]).astype(np.float32)
        self.parting = np.zeros((len(names), len(lips.upper) * 3), np.float32)
        for k, name in enumerate(names):
            if name in LIP_PARTING_SHAPES:
                shape = rig.basis[name]
                self.parting[k] = (shape[lips.lower] - shape[lips.upper]).ravel()
        ball, lid = rig.eyeball_contour[:, 0], rig.eyeball_contour[:, 1]
        side = rig.eyeball_contour_side
        self.ball, self.ball_lid = ball, lid
        # (an upper lid's eyeball edge follows it up, never down; a lower lid's down, never up; the eyeball's
        # own row under the upper lid's photo edge stays)
        self.ball_dv_min = np.where((side < 0) | (side == 2), 0.0, -np.inf).astype(np.float32)
        self.ball_dv_max = np.where(side > 0, 0.0, np.inf).astype(np.float32)
        self.ball_du = (side != 2).astype(np.float32)
        # The eyeball's photo upper-lid line (corners, the row under the edge), per eye.
        self.ball_lid_line = []
        for eye in (0, 1):
            corners = ball[(side == 0) & (rig.eye_index[ball] == eye)]
            self.ball_lid_line.append(
                np.concatenate([corners[:1], ball[(side == 2) & (rig.eye_index[ball] == eye)], corners[1:]])
            )
        self.gaze = [_Eyeball(rig, eye) for eye in (0, 1)]
        self.gaze_limits = gaze_limits_deg(rig.points_xyz[:N_LANDMARKS], rig.frame)
        self.lip_rows = np.concatenate([lips.upper, lips.lower])
        self.lips = _Spread(lips)
        self.eyes = (_Spread(rig.eyes[0]), _Spread(rig.eyes[1]))
        self.ey3 = np.append(rig.frame.ey, 0.0).astype(np.float32)
        self.ey3_64 = np.append(rig.frame.ey, 0.0)
        self.jaw_weight3 = np.repeat(rig.jaw_weight[:, None], 3, axis=1)
        self.axes = (
            _Axis(np.append(rig.frame.ex, 0.0)),
            _Axis(np.append(rig.frame.ey, 0.0)),
            _Axis(_EZ),
        )
        with_lids = np.concatenate([np.arange(n), UPPER_LIDS])
        pitch = None if rig.pitch_depth_offset is None else rig.pitch_depth_offset[with_lids]
        weights = np.repeat(rig.head_weight[with_lids, None], 3, axis=1)
        front = rig.frontalise_depth_offset
        front_lids = None if front is None else front[with_lids]
        away = None
        if rig.turn_away_depth_offset is not None and rig.turn_away_eye_depth_offset is not None:
            away = (rig.turn_away_depth_offset, rig.turn_away_eye_depth_offset)
        away_lids = None if away is None else (away[0][with_lids], away[1][with_lids])
        near = rig.near_side_head_weight
        near_lids = None if near is None else np.repeat(near[:, with_lids, None], 3, axis=2)
        self.head_with_lids = (weights, rig.depth_offset[with_lids], pitch, front_lids, away_lids, near_lids)
        # Rig.mouth_open_px's lip rows alone: their rows of the shapes and of the lips' spread, head weights
        # and offsets. Exact only where nothing else in pose() moves them (eyeball edges, lids, gaze; the
        # relaxation leaves inner-lip vertices alone): otherwise it poses the whole rig.
        rows = self.lip_rows
        others = [self.ball, *(spread.rows for spread in self.eyes), *(g.rows for g in self.gaze)]
        movable_lips = (rig.head_weight[rows] > 0) & ~rig.pinned[rows]
        self.lip_only = not movable_lips.any() and not np.isin(rows, np.concatenate(others)).any()
        self.lip_shapes = np.ascontiguousarray(
            self.shapes.reshape(len(names), n, 3)[:, rows, :].reshape(len(names), -1)
        )
        at = {int(r): k for k, r in enumerate(self.lips.rows)}
        empty = np.zeros(self.lips.matrix.shape[1])
        self.lip_spread = np.stack([self.lips.matrix[at[int(r)]] if int(r) in at else empty for r in rows])
        pitch_lips = None if rig.pitch_depth_offset is None else rig.pitch_depth_offset[rows]
        weights_lips = np.repeat(rig.head_weight[rows, None], 3, axis=1)
        self.head_lips = (
            weights_lips,
            rig.depth_offset[rows],
            pitch_lips,
            None if front is None else front[rows],
            None if away is None else (away[0][rows], away[1][rows]),
            None if near is None else np.repeat(near[:, rows, None], 3, axis=2),
        )
        height_src = triangle_heights(rig.points_xyz[:, :2], rig.skin_triangles)
        usable = np.abs(height_src) > max(MIN_FOLD_HEIGHT_PX, UNFOLD_MIN_HEIGHT_PER_EYES * rig.frame.eyes_px)
        movable = (rig.head_weight > 0) & ~rig.pinned  # the still background and closed lips/lids stay
        self.unfold = (np.sign(height_src), usable, movable)
        # The slivers _unfold leaves alone (Rig._settle_slivers): long side a-b, far corner c, the orientation
        # their neighbours imply (triangle_orientation; their own is landmark noise) and the corner to move.
        limit = max(MIN_FOLD_HEIGHT_PX, UNFOLD_MIN_HEIGHT_PER_EYES * rig.frame.eyes_px)
        orientation = triangle_orientation(rig.points_xyz[:, :2], rig.skin_triangles, limit)
        corners = rig.skin_triangles[~usable]
        src = rig.points_xyz[:, :2].astype(np.float64)
        sides = np.stack(
            [((src[corners[:, (k + 1) % 3]] - src[corners[:, k]]) ** 2).sum(1) for k in range(3)], 1
        )
        k = np.argmax(sides, axis=1) if len(corners) else np.zeros(0, int)
        rows = np.arange(len(corners))
        a, b, c = corners[rows, k], corners[rows, (k + 1) % 3], corners[rows, (k + 2) % 3]
        # Which corner settles it: c, or where c is pinned (an inner-lip or lid-edge vertex) a, else b.
        mover = np.where(movable[c], 0, np.where(movable[a], 1, np.where(movable[b], 2, -1)))
        # (a sliver already turned over in the photo, against its neighbours, is left as the photo has it)
        keep = (mover >= 0) & (orientation[~usable] != 0)
        keep &= np.sign(height_src[~usable]) == orientation[~usable]
        thick = np.abs(height_src[~usable])  # (c goes back to its photo distance from a-b)
        self.slivers = (a[keep], b[keep], c[keep], orientation[~usable][keep], mover[keep], thick[keep])
        # (T,) every skin triangle's orientation as render.warp.folded_triangles judges it (at its threshold)
        self.orientation = triangle_orientation(rig.points_xyz[:, :2], rig.skin_triangles, MIN_FOLD_HEIGHT_PX)
        # All that Rig._settle_slivers can change: the corner each sliver settles by, and the rows of the skin
        # triangles that have one of them as a corner, with their corners (as intp: indexes faster) and
        # orientation.
        vertex = np.where(mover == 0, c, np.where(mover == 1, a, b))[keep]
        touched = np.zeros(n, bool)
        touched[vertex] = True
        near = np.nonzero(touched[rig.skin_triangles].any(axis=1))[0]
        self.sliver_moves = (vertex, near, rig.skin_triangles[near].astype(np.intp), self.orientation[near])


def _neighbour_mean(n: int, triangles: np.ndarray):
    """Sparse (n, n) matrix averaging each vertex's mesh neighbours."""
    from scipy.sparse import coo_matrix

    a = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    a = np.concatenate([a, a[:, ::-1]])
    m = coo_matrix((np.ones(len(a)), (a[:, 0], a[:, 1])), shape=(n, n)).tocsr()
    m.data[:] = 1.0
    degree = np.asarray(m.sum(axis=1)).ravel()
    degree[degree == 0] = 1
    from scipy.sparse import diags

    return diags(1.0 / degree) @ m


@dataclass(frozen=True, eq=False)
class NeighbourMean:
    """A sparse (N, N) matrix (Rig.neighbours: the mean over each vertex's skin-mesh neighbours) in SciPy's
    CSR layout: row i's entries are data[indptr[i]:indptr[i + 1]] in columns indices[...]. `m @ x` ((N,) or
    (N, K) x) is computed in NumPy in the order of SciPy's csr_matvec (each row's sum from 0, its entries in
    stored order, in float64), so the products are bit for bit SciPy's. Not a scipy.sparse matrix: loading an
    avatar or unpickling a rig in a render worker then needs no scipy.sparse (~0.1 s of CPU to import)."""

    data: np.ndarray  # (nnz,) float64
    indices: np.ndarray  # (nnz,) column of each entry
    indptr: np.ndarray  # (N + 1,) where each row's entries start
    shape: tuple[int, int]

    @staticmethod
    def from_csr(matrix: object) -> NeighbourMean:
        """The same matrix, from a scipy.sparse one (as _neighbour_mean builds it)."""
        csr = matrix.tocsr()  # type: ignore[attr-defined]
        return NeighbourMean(csr.data, csr.indices, csr.indptr, tuple(int(n) for n in csr.shape))

    @functools.cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        """(D, N) weights and columns: row i's k-th entry at [k, i], D its most entries; rows with fewer are
        padded with weight 0 (adding 0 * x to a sum that starts at +0 changes no bit, for finite x)."""
        counts = np.diff(self.indptr)
        rank = np.arange(int(counts.max(initial=0)))[:, None]
        real = rank < counts[None, :]
        at = np.where(real, self.indptr[None, :-1] + rank, 0)
        return np.where(real, self.data[at], 0.0), np.where(real, self.indices[at], 0).astype(np.intp)

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        n = self.shape[0]
        dtype = np.result_type(self.data.dtype, x.dtype)  # SciPy's upcast: float64 here
        weights, columns = self._table
        # x's columns as rows (K, N): np.take along the last axis gathers ~8x faster than x[columns].
        values = np.ascontiguousarray(x.astype(dtype, copy=False).reshape(n, -1).T)
        products = np.take(values, columns, axis=1)  # (K, D, N)
        products *= weights
        out = np.zeros((values.shape[0], n), dtype)
        for k in range(products.shape[1]):  # entry by entry, in stored order, as csr_matvec sums each row
            out += products[:, k]
        return np.ascontiguousarray(out.T).reshape(n, *x.shape[1:])


def _limit_depth_slope(depth: np.ndarray, xy: np.ndarray, slope: float) -> np.ndarray:
    """depth with its slope across the picture at most `slope` depth px per image px: the mean of the largest
    such field under `depth` and the smallest above it (each point against every other by image distance,
    not mesh paths: a turned face's outline folds over the cheek's landmarks beyond it). Where depth is
    already that smooth it is unchanged; a step meets halfway, the deep side coming forward, the shallow back."""
    from scipy.spatial.distance import cdist  # imported here: only rig building needs it

    reach = slope * cdist(xy, xy)
    under = np.minimum(depth, (depth[None] + reach).min(axis=1))
    over = np.maximum(depth, (depth[None] - reach).max(axis=1))
    return 0.5 * (under + over)


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _gauss(distance: np.ndarray, radius: float) -> np.ndarray:
    return np.exp(-((distance / radius) ** 2))


def _curve_at(x: np.ndarray, curve_x: np.ndarray, curve_y: np.ndarray) -> np.ndarray:
    """A curve's y at each `x` (linear between its points, held past its ends), its points in any order."""
    order = np.argsort(curve_x)
    return np.interp(x, curve_x[order], curve_y[order])


def _face_frame(landmarks: np.ndarray) -> FaceFrame:
    right_eye = landmarks[list(topo.EYE_RIGHT_UPPER) + list(topo.EYE_RIGHT_LOWER), :2].mean(axis=0)
    left_eye = landmarks[list(topo.EYE_LEFT_UPPER) + list(topo.EYE_LEFT_LOWER), :2].mean(axis=0)
    ex = left_eye - right_eye
    eyes_px = float(np.linalg.norm(ex))
    ex = ex / eyes_px
    ey = np.array([-ex[1], ex[0]])
    corners = landmarks[[topo.MOUTH_CORNER_RIGHT, topo.MOUTH_CORNER_LEFT], :2]
    mouth_px = float(np.linalg.norm(corners[1] - corners[0]))
    return FaceFrame(
        origin=corners.mean(axis=0).astype(np.float32),
        ex=ex.astype(np.float32),
        ey=ey.astype(np.float32),
        mouth_px=mouth_px,
        eyes_px=eyes_px,
    )


def _rings(landmarks: np.ndarray, frame: FaceFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ring vertices around the face outline: positions (R*36, 3), head weights, jaw weights, and the
    'above the ears' share (R*36,)."""
    oval = landmarks[list(topo.face_oval())]
    centre = oval.mean(axis=0)
    uv = frame.uv(oval[:, :2] - centre[:2] + frame.origin)
    height = float(np.ptp(uv[:, 1]))
    ear_v = frame.uv(landmarks[[234, 454], :2]).mean(axis=0)[1] - frame.uv(centre[None, :2])[0, 1]
    # 1 for outline points above the ears (hair), 0 below the jaw angle (neck).
    top = _smoothstep(0.25 * height, -0.05 * height, uv[:, 1] - ear_v)
    depth_back = float(landmarks[:, 2].max())
    points, head, jaw, tops = [], [], [], []
    for k, scale in enumerate(RING_SCALES):
        s = scale + HAIR_EXTRA_SCALE * (scale - 1) / (RING_SCALES[0] - 1) * top
        xy = centre[:2] + (oval[:, :2] - centre[:2]) * s[:, None]
        # Depth halfway between the outline and the back of the face: the jaw and the head carry the
        # rings along smoothly with the outline.
        z = (oval[:, 2] + depth_back) / 2
        points.append(np.column_stack([xy, z]))
        head.append(RING_HEAD_WEIGHT_TOP[k] * top + RING_HEAD_WEIGHT_BOTTOM[k] * (1 - top))
        jaw.append(RING_JAW_WEIGHT[k] * (1 - top))
        tops.append(top)
    return (
        np.concatenate(points).astype(np.float32),
        np.concatenate(head).astype(np.float32),
        np.concatenate(jaw).astype(np.float32),
        np.concatenate(tops).astype(np.float32),
    )


def _thin_lines(image: np.ndarray, person: np.ndarray, face_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Thin lines off the background's tone outside the person (see PERSON_WISP_PX): those within the wisps'
    reach and those that go on past it (a twig, a picture's frame: background), bool masks."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (PERSON_WISP_PX, PERSON_WISP_PX))
    thin = np.maximum(
        cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel), cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
    )
    core = (person >= 128).astype(np.uint8)
    near = cv2.distanceTransform(1 - core, cv2.DIST_L2, 3) < PERSON_WISP_REACH_PER_FACE * face_px
    anywhere = (thin >= PERSON_WISP_LEVELS) & (core == 0)
    # A gap of a few pixels in a line (a knot, a bend wider than a wisp) does not end it.
    bridge = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    _, whole = cv2.connectedComponents(cv2.dilate(anywhere.astype(np.uint8), bridge))
    going_on = np.unique(whole[anywhere & ~near])
    # Wider than a strand where it meets the person: a long single hair (1-2 px) still joins up to the reach.
    wide = cv2.morphologyEx(anywhere.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    going_on = np.intersect1d(going_on, np.unique(whole[wide & near]))
    return anywhere & near, anywhere & np.isin(whole, going_on[going_on > 0])


def _wisps(image: np.ndarray, person: np.ndarray, face_px: float) -> np.ndarray:
    """Stray hairs around the person (uint8 mask, 255 = wisp): thin lines off the background's tone,
    connected to the person and ending within the wisps' reach (see PERSON_WISP_PX)."""
    lines, through = _thin_lines(image, person, face_px)
    _, labels = cv2.connectedComponents((lines | (person >= 128)).astype(np.uint8), connectivity=8)
    joined = np.isin(labels, np.unique(labels[person >= 128])) & lines & ~through
    # Their anti-aliased sides too.
    return cv2.dilate(joined.astype(np.uint8) * 255, np.ones((3, 3), np.uint8))


def _objects_beside(image: np.ndarray, core: np.ndarray, grown: np.ndarray, grow: int) -> np.ndarray:
    """The background objects the person layer's widening reaches over (bool mask, see PERSON_OBJECT_LEVELS):
    `core` the segmented person and its wisps, `grown` the widened layer."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    sigma = 2.0 * grow

    def mean_of(where: np.ndarray) -> np.ndarray:  # the local mean of `gray` over `where`
        weight = cv2.GaussianBlur(where.astype(np.float32), (0, 0), sigma)
        return cv2.GaussianBlur(gray * where, (0, 0), sigma) / np.maximum(weight, 1e-3)

    around = mean_of(~grown)
    # Only what stands out the way the hair does (light beside light hair): the background between a
    # crown's loops of hair, off the other way, moves with them, and is no object.
    hairward = np.sign(mean_of(core) - around)
    # The background round an object is the ground it stands on, not the object itself: a big one lifted the
    # mean so far that its own dimmer root, where it meets the hair, stood out by only a few levels and
    # stayed in the layer (full3's snowy branch).
    ground = ~grown & ((gray - around) * hairward < PERSON_OBJECT_LEVELS)
    enough = cv2.GaussianBlur(ground.astype(np.float32), (0, 0), sigma) > 0.05
    around = np.where(enough, mean_of(ground), around)
    band = grown & ~core
    rim = cv2.dilate(grown.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~grown
    standing_out = ((gray - around) * hairward >= PERSON_OBJECT_LEVELS) & ~core
    # Wider than a wisp (thin strands and the hair's own fringe stay with the person).
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (PERSON_WISP_PX, PERSON_WISP_PX))
    wide = cv2.morphologyEx(standing_out.astype(np.uint8), cv2.MORPH_OPEN, kernel)
    standing_out &= cv2.dilate(wide, kernel) > 0  # with the corners the opening rounded off
    _, labels = cv2.connectedComponents(standing_out.astype(np.uint8), connectivity=8)
    beyond = np.unique(labels[standing_out & rim])
    return band & np.isin(labels, beyond[beyond > 0])


def _doubtful_ground(
    image: np.ndarray, core: np.ndarray, doubt: np.ndarray, grow: int, background: np.ndarray
) -> np.ndarray:
    """The part of the segmentation's doubtful edge (`doubt`, bool) that is the ground behind the person (bool
    mask, see PERSON_DOUBT_REACH_GROWS): `core` the segmented person and its wisps, `background` what is known
    to be background (thin lines going on past the wisps' reach)."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    sigma = 2.0 * grow

    def mean_of(where: np.ndarray) -> np.ndarray:  # the local mean of `gray` over `where`
        weight = cv2.GaussianBlur(where.astype(np.float32), (0, 0), sigma)
        return cv2.GaussianBlur(gray * where, (0, 0), sigma) / np.maximum(weight, 1e-3)

    around, person = mean_of(~core & ~doubt), mean_of(core)
    far = cv2.distanceTransform((~core).astype(np.uint8), cv2.DIST_L2, 3) > PERSON_DOUBT_REACH_GROWS * grow
    far &= doubt
    # Nearer the ground's tone than the person's, judged by the piece: a twig's soft edge along the ground goes
    # with it (else the layer's widening took the ground round it back), a doubtful lock of hair stays whole.
    groundlike = ((gray - (around + person) / 2) * np.sign(person - around) < 0) | background
    count, pieces = cv2.connectedComponents(far.astype(np.uint8), connectivity=8)
    size = np.bincount(pieces[far], minlength=count)
    share = np.bincount(pieces[far], weights=groundlike[far], minlength=count) / np.maximum(size, 1)
    return (far & (share[pieces] >= 0.5)) | (doubt & background)


def _over_strip(
    xy: np.ndarray, ids: np.ndarray, strip: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The points `ids` that lie over a triangle of `strip`: those ids (K,), the corners of the (first) triangle
    each lies in (K, 3) and their barycentric weights there (K, 3)."""
    a, b, c = (xy[strip[:, k]].astype(np.float64) for k in range(3))
    e1, e2 = b - a, c - a
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    usable = np.abs(det) > 1e-9
    det = np.where(usable, det, 1.0)
    found, corners, weights = [], [], []
    for i in np.asarray(ids).tolist():
        d = xy[i].astype(np.float64) - a
        s = (d[:, 0] * e2[:, 1] - d[:, 1] * e2[:, 0]) / det
        t = (e1[:, 0] * d[:, 1] - e1[:, 1] * d[:, 0]) / det
        over = usable & (s >= -1e-6) & (t >= -1e-6) & (s + t <= 1 + 1e-6)
        if over.any():
            row = int(np.argmax(over))
            found.append(i)
            corners.append(strip[row])
            weights.append([1 - s[row] - t[row], s[row], t[row]])
    return (
        np.array(found, np.int64),
        np.array(corners, np.int64).reshape(-1, 3),
        np.array(weights, np.float64).reshape(-1, 3),
    )


def _strip(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Triangles joining two closed loops of equal length."""
    n = len(inner)
    i = np.arange(n)
    j = (i + 1) % n
    return np.concatenate(
        [np.column_stack([inner[i], inner[j], outer[i]]), np.column_stack([inner[j], outer[j], outer[i]])]
    ).astype(np.int32)


def _flip_slivers(xy: np.ndarray, triangles: np.ndarray, min_height_px: float) -> np.ndarray:
    """`triangles` with their slivers flipped away: a triangle under `min_height_px` across (its corner c a
    fraction of a pixel off its longest side a-b) and the triangle x-a-b across that side become c-x-a and
    c-x-b, the quadrilateral's other diagonal (an edge flip), when c lies inside the angle a-x-b, so the two
    new triangles have the old pair's orientation and cover the same ground, and both reach at least
    SLIVER_FLIP_GAIN times as far across as the sliver (and over half MIN_FOLD_HEIGHT_PX). No fold count
    judges such a sliver (its orientation in the photo is landmark noise), and posed, c crossing a-b by a
    pixel or two folded it over its neighbours, painting the photo's pixels along a-b into a dark dash or
    dots at a turned jaw (full3.png at pitch +12..+15 and yaw -20); after the flip c moving across a-b
    only widens or narrows thick triangles. Thinnest first; repeated while a pass flips any."""
    tris = np.array(triangles, np.int32, copy=True)
    pts = np.asarray(xy, np.float64)
    at = pts.tolist()  # (as Python floats: the same numbers, without numpy's cost per scalar)

    def side(o: int, p: int, q: int) -> float:  # twice the signed area of o, p, q
        (ox, oy), (px, py), (qx, qy) = at[o], at[p], at[q]
        return (px - ox) * (qy - oy) - (py - oy) * (qx - ox)

    def length(p: int, q: int) -> float:  # (numpy's hypot: math.hypot may round otherwise)
        return np.hypot(at[q][0] - at[p][0], at[q][1] - at[p][1])

    def height_of(o: int, p: int, q: int) -> float:
        longest = max(length(o, p), length(p, q), length(q, o))
        return abs(side(o, p, q)) / max(float(longest), 1e-9)

    for _ in range(SLIVER_FLIP_PASSES):
        height = np.abs(triangle_heights(pts, tris))
        edges = _edge_triangles(tris)
        flips = 0
        for row in np.argsort(height).tolist():
            if height[row] > min_height_px:
                continue
            corners = tris[row].tolist()
            lengths = [length(corners[k], corners[(k + 1) % 3]) for k in range(3)]
            k = int(np.argmax(lengths))
            a, b, c = corners[k], corners[(k + 1) % 3], corners[(k + 2) % 3]
            ab = (a, b) if a < b else (b, a)
            across = [r for r in edges[ab] if r != row]
            if len(across) != 1:
                continue  # a side on the mesh's border (eye, mouth, the outermost ring)
            other = across[0]
            x = next(v for v in tris[other].tolist() if v not in (a, b))
            if ((c, x) if c < x else (x, c)) in edges:
                continue
            # c inside the angle a-x-b: on b's side of x-a and on a's side of x-b.
            if side(x, a, c) * side(x, a, b) <= 0 or side(x, b, c) * side(x, b, a) <= 0:
                continue
            thinnest = min(height_of(c, x, a), height_of(c, x, b))
            if thinnest < max(SLIVER_FLIP_GAIN * height[row], 0.5 * MIN_FOLD_HEIGHT_PX):
                continue
            tris[row], tris[other] = (c, x, a), (c, x, b)
            del edges[ab]
            for u, v, r in ((a, c, row), (b, c, other), (a, x, row), (b, x, other)):
                key = (u, v) if u < v else (v, u)
                edges[key] = [r if t in (row, other) else t for t in edges[key]]
            edges[(c, x) if c < x else (x, c)] = [row, other]
            height[row] = height[other] = np.inf  # not again in this pass
            flips += 1
        if not flips:
            break
    return tris


def _columns(
    points_uv: np.ndarray,
    upper: tuple[int, ...],
    lower: tuple[int, ...],
    weight: np.ndarray,
    is_upper: np.ndarray,
) -> Columns:
    """Columns for a contour pair whose first and last entries are the shared corners."""
    up = np.array(upper[1:-1])
    low = np.array(lower[1:-1])
    col_u = (points_uv[up, 0] + points_uv[low, 0]) / 2
    order = np.argsort(col_u)
    up, low, col_u = up[order], low[order], col_u[order]
    corners_u = sorted((float(points_uv[upper[0], 0]), float(points_uv[upper[-1], 0])))
    col_u = np.concatenate(
        [[min(corners_u[0], col_u[0] - 1e-3)], col_u, [max(corners_u[1], col_u[-1] + 1e-3)]]
    )
    u = np.clip(points_uv[:, 0], col_u[0], col_u[-1])
    b = np.clip(np.searchsorted(col_u, u), 1, len(col_u) - 1)
    a = b - 1
    frac = np.clip((u - col_u[a]) / np.maximum(col_u[b] - col_u[a], 1e-6), 0, 1)
    return Columns(
        upper=up,
        lower=low,
        follow_col=np.column_stack([a, b]).astype(np.int32),
        follow_frac=frac.astype(np.float32),
        follow_w=weight.astype(np.float32),
        follow_upper=is_upper,
    )


def _polygon_distance(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Distance of each point to a closed polygon, 0 inside it."""
    contour = polygon.reshape(-1, 1, 2).astype(np.float32)
    d = np.array([cv2.pointPolygonTest(contour, (float(x), float(y)), True) for x, y in points])
    return np.clip(-d, 0.0, None)


def build_rig(portrait: Portrait) -> Rig:
    """Build the posable mesh of a portrait's face, head and surroundings."""
    landmarks = portrait.landmarks_xyz.astype(np.float32)
    frame = _face_frame(landmarks)
    mouth, eyes_px = frame.mouth_px, frame.eyes_px

    ring_xyz, ring_head, ring_jaw, _ = _rings(landmarks, frame)
    n_oval = len(topo.face_oval())
    ring_ids = N_LANDMARKS + np.arange(len(ring_xyz)).reshape(len(RING_SCALES), n_oval)

    # Eyeballs: copies of the lid contours and irises that do not move with the lids, plus a ring around
    # each iris that takes half the gaze shift, so the sclera stretches smoothly.
    eyeball_xyz, eye_tris, eye_index_extra, iris_move_extra = [], [], [], []
    ball_pairs, ball_sides = [], []
    base = N_LANDMARKS + len(ring_xyz)
    radii, iris_radii = [], []
    for side, (upper, lower, iris) in enumerate(
        (
            (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER, topo.IRIS_RIGHT),
            (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER, topo.IRIS_LEFT),
        )
    ):
        contour = list(upper) + list(lower[-2:0:-1])  # around the opening, corner to corner and back
        iris_xyz = landmarks[list(iris)]
        iris_r = float(np.linalg.norm(iris_xyz[1:, :2] - iris_xyz[0, :2], axis=1).mean())
        angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
        ring = iris_xyz[0] + np.column_stack([np.cos(angles), np.sin(angles), np.zeros(8)]) * iris_r * 1.45
        # Points on the edges of the column that turns with the iris (Rig.pose's gaze), so the iris inside it
        # moves as one piece and the white outside it takes the squeeze.
        band_u = np.repeat([-1.0, 1.0], 3) * GAZE_IRIS_BAND_PER_IRIS * iris_r
        band_v = np.tile([-0.7, 0.0, 0.7], 2) * iris_r
        band = np.repeat(iris_xyz[:1], 6, axis=0)
        band += frame.vec(band_u, band_v)
        ring = np.concatenate([ring, band])
        # The eyeball's own row just under the upper lid's photo edge (LID_LINE_ON_EYEBALL_PX, at most a quarter
        # of the opening there): it stays on the eyeball when the lid rises.
        opening = landmarks[list(lower[1:-1]), :2] - landmarks[list(upper[1:-1]), :2]
        down = np.minimum(LID_LINE_ON_EYEBALL_PX, 0.25 * np.linalg.norm(opening, axis=1))
        lid_line = landmarks[list(upper[1:-1])].copy()
        lid_line[:, :2] += down[:, None] * frame.ey
        local = np.concatenate([landmarks[contour], iris_xyz, ring, lid_line]).astype(np.float32)
        # Only points well inside the opening are meshed: the iris's top and bottom, and the ring around
        # it, are often under the lids, where moving them would fold the eyeball over the lid line.
        outline = landmarks[contour, :2].reshape(-1, 1, 2).astype(np.float32)
        depth_in = np.array(
            [cv2.pointPolygonTest(outline, (float(x), float(y)), True) for x, y in local[:, :2]]
        )
        use = np.arange(len(local)) < len(contour)
        use |= depth_in >= max(1.0, 0.3 * iris_r)
        use[-len(lid_line) :] = True
        used = np.nonzero(use)[0]
        from scipy.spatial import Delaunay  # imported here: only rig building needs it, not render workers

        tri = used[Delaunay(local[used, :2]).simplices]
        # Keep triangles inside the eye opening (the hull of the contour is slightly larger than it).
        centroid = local[tri].mean(axis=1)[:, :2]
        inside = _polygon_distance(centroid, landmarks[contour, :2]) <= 0.5
        eye_tris.append(tri[inside] + base)
        eyeball_xyz.append(local)
        eye_index_extra.append(np.full(len(local), side))
        # The eyeball's own copies of the lid contour, paired with the lid landmarks (+1 upper lid, -1
        # lower lid, 0 the corners): they follow the lids outwards (eyeWide) so the opening stays covered;
        # and its row under the upper lid's edge (2), paired with the upper lid too, which stays.
        line_ids = base + len(local) - len(lid_line) + np.arange(len(lid_line))
        ball_pairs.append(
            np.concatenate(
                [
                    np.column_stack([base + np.arange(len(contour)), contour]),
                    np.column_stack([line_ids, list(upper[1:-1])]),
                ]
            )
        )
        ball_sides.append(
            np.concatenate(
                [[0], np.ones(len(upper) - 2), [0], -np.ones(len(lower) - 2), np.full(len(lid_line), 2)]
            ).astype(np.int8)
        )
        iris_move_extra.append(
            np.concatenate(
                [
                    np.zeros(len(contour)),
                    np.ones(5),
                    np.full(8, 0.5),
                    np.tile([0.5, 1.0, 0.5], 2),  # the column's edges (the middle ones as the iris)
                    np.zeros(len(lid_line)),
                ]
            )
        )
        width = float(np.linalg.norm(landmarks[upper[0], :2] - landmarks[upper[-1], :2]))
        radii.append(EYEBALL_RADIUS_PER_EYE_WIDTH * width)
        iris_radii.append(iris_r)
        base += len(local)

    # Teeth lines: the upper on the skull along the photo's upper inner lip, the lower on the jaw one tooth
    # little below it (the incisors overlap when the jaw is shut; open, the lower ones peek over the lower lip).
    upper_teeth = landmarks[list(topo.LIP_UPPER_INNER)].copy()
    lower_teeth = upper_teeth + frame.vec(
        np.zeros(len(upper_teeth)), np.full(len(upper_teeth), LOWER_TEETH_DROP * mouth)
    )
    teeth_upper_ids = base + np.arange(len(upper_teeth))
    teeth_lower_ids = teeth_upper_ids + len(upper_teeth)
    # The photo's own mouth opening, fixed to the skull: an open-mouthed photo's teeth are reused from it.
    photo_lower = landmarks[list(topo.LIP_LOWER_INNER)].copy()
    photo_lower_ids = teeth_lower_ids + len(upper_teeth)

    points = np.concatenate([landmarks, ring_xyz, *eyeball_xyz, upper_teeth, lower_teeth, photo_lower])
    points = points.astype(np.float32)
    n = len(points)
    uv = frame.uv(points[:, :2])

    is_lm = np.zeros(n, bool)
    is_lm[:468] = True
    is_eyeball = np.zeros(n, bool)
    is_eyeball[N_LANDMARKS + len(ring_xyz) : teeth_upper_ids[0]] = True
    is_face = np.zeros(n, bool)
    is_face[:N_LANDMARKS] = True

    # --- jaw weights --------------------------------------------------------------------------------
    upper_inner_uv = uv[list(topo.LIP_UPPER_INNER)]
    lower_inner_uv = uv[list(topo.LIP_LOWER_INNER)]
    mid = (upper_inner_uv + lower_inner_uv) / 2
    ear_r, ear_l = uv[93], uv[323]
    sep_u = np.concatenate([[ear_r[0]], mid[:, 0], [ear_l[0]]])
    sep_v = np.concatenate([[ear_r[1]], mid[:, 1], [ear_l[1]]])
    v_sep = _curve_at(uv[:, 0], sep_u, sep_v)
    # Below the mouth the jaw carries the skin from just under the lip line; beside the mouth corners the
    # skin (and a moustache's hanging ends, whose hair grows from the upper lip) stays with the skull longer.
    lateral = _smoothstep(0.35 * mouth, 0.75 * mouth, np.abs(uv[:, 0]))
    jaw_weight = _smoothstep(
        (-0.12 + 0.08 * lateral) * mouth, (0.12 + 0.2 * lateral) * mouth, uv[:, 1] - v_sep
    )
    outer_lips = np.concatenate(
        [points[list(topo.LIP_UPPER_OUTER), :2], points[list(topo.LIP_LOWER_OUTER[::-1]), :2]]
    )
    lip_distance = _polygon_distance(points[:, :2], outer_lips)
    in_lips = (lip_distance <= 0) & is_face
    corner_d = np.minimum(
        np.linalg.norm(points[:, :2] - points[topo.MOUTH_CORNER_RIGHT, :2], axis=1),
        np.linalg.norm(points[:, :2] - points[topo.MOUTH_CORNER_LEFT, :2], axis=1),
    )
    lip_side = (uv[:, 1] > v_sep).astype(np.float32)
    lip_side[list(topo.LIP_UPPER_INNER)] = 0.0
    lip_side[list(topo.LIP_LOWER_INNER)] = 1.0
    corner_blend = _gauss(corner_d, 0.12 * mouth)
    lip_jaw = lip_side + (0.5 - lip_side) * corner_blend
    jaw_weight = np.where(in_lips, lip_jaw, jaw_weight)
    jaw_weight[list(topo.LIP_UPPER_INNER)] = lip_jaw[list(topo.LIP_UPPER_INNER)]
    jaw_weight[list(topo.LIP_LOWER_INNER)] = lip_jaw[list(topo.LIP_LOWER_INNER)]
    ring_slice = slice(N_LANDMARKS, N_LANDMARKS + len(ring_xyz))
    # Rings reaching the picture's edge stay still there: moving them would drag the border into view.
    height, width = portrait.image.shape[:2]
    inside_px = np.minimum.reduce(
        [ring_xyz[:, 0], ring_xyz[:, 1], width - 1 - ring_xyz[:, 0], height - 1 - ring_xyz[:, 1]]
    )
    edge_hold = _smoothstep(0.0, 0.15 * float(np.ptp(landmarks[:, 0])), inside_px).astype(np.float32)
    ring_head = ring_head * edge_hold
    ring_jaw = ring_jaw * edge_hold
    # Those beyond the edge (still: edge_hold is 0 there) are pulled onto it. The strip between them and a
    # moving ring then stretches the picture's own border rows into view as the head moves away from the
    # edge, instead of sampling outside the picture: a mirrored zigzag of hair at the top of a photo that cuts
    # the head off (happy.png at pitch -15 and yaw -20; issue 13).
    points[ring_slice, 0] = np.clip(points[ring_slice, 0], 0.0, width - 1.0)
    points[ring_slice, 1] = np.clip(points[ring_slice, 1], 0.0, height - 1.0)
    jaw_weight[ring_slice] = ring_jaw
    jaw_weight[is_eyeball] = 0.0
    jaw_weight[teeth_upper_ids] = 0.0
    jaw_weight[photo_lower_ids] = 0.0
    jaw_weight[teeth_lower_ids] = 1.0
    # The skull above the ears never rides the jaw.
    jaw_weight[is_face & (uv[:, 1] < min(ear_r[1], ear_l[1]) - 0.1 * mouth)] = 0.0

    # Hinge: the temporomandibular joint, at ear level, well behind the face.
    face_depth = float(np.ptp(landmarks[:468, 2]))
    hinge_uv = np.array([0.0, (ear_r[1] + ear_l[1]) / 2])
    hinge_xy = frame.origin + hinge_uv[0] * frame.ex + hinge_uv[1] * frame.ey
    lip_z = float(landmarks[[13, 14], 2].mean())
    hinge_xyz = np.array([*hinge_xy, lip_z + 1.1 * face_depth], np.float32)
    lever = float(hinge_xyz[2] - lip_z)
    half_face = float(np.ptp(uv[list(topo.face_oval()), 0])) / 2
    jaw_falloff = np.clip(1 - 0.6 * (uv[:, 0] / max(half_face, 1.0)) ** 2, 0.25, 1.0)
    # ... and at the sides it grows in from the hinge's height to the chin's (see JAW_SIDE_RAMP_FROM): the
    # sides from the outline's own middle (a face turned in the photo has its mouth off it), not the lips.
    oval_u = uv[list(topo.face_oval()), 0]
    across = np.abs(uv[:, 0] - 0.5 * float(oval_u.min() + oval_u.max())) / max(half_face, 1.0)
    away_from_lips = 1 - _gauss(lip_distance, 0.25 * mouth)
    side = _smoothstep(JAW_SIDE_RAMP_FROM, JAW_SIDE_RAMP_TO, across) * away_from_lips
    below_hinge = _smoothstep(float(hinge_uv[1]), float(uv[topo.CHIN, 1]), uv[:, 1])
    jaw_falloff = (jaw_falloff * (1 - side * (1 - below_hinge))).astype(np.float32)
    # The vertical travel of the lower lip per radian is its depth distance from the hinge.
    lower_face = float(uv[topo.CHIN, 1] - uv[SUBNASALE, 1])
    lower_face = float(np.clip(lower_face, 0.8 * mouth, 2.0 * mouth))  # guards against odd detections
    jaw_max_rad = JAW_MAX_DROP_PER_LOWER_FACE * lower_face / max(hinge_xyz[2] - lip_z, 1e-3)
    jaw_max_rad = min(jaw_max_rad, math.radians(32))

    # The photo's own lip gap. An open or smiling mouth in the photo is its rest pose, kept as it is (closing
    # it folded the lips into a pout and lost a toothy smile from frame 0); mouthClose still shuts it. Its
    # jaw is taken as dropped by ~60 % of the gap (the lips part the rest), which places the lower teeth.
    photo_gap = float(np.max((lower_inner_uv - upper_inner_uv)[:, 1]))
    photo_jaw_rad = -0.6 * max(photo_gap - 0.02 * mouth, 0.0) / max(hinge_xyz[2] - lip_z, 1e-3)
    # Closed lips still show mediapipe a gap of a few hundredths of the mouth width: that is the lip line,
    # not an open mouth, and it stays as the photo has it.
    photo_closed = photo_gap < CLOSED_GAP_PER_MOUTH * mouth
    if photo_closed:
        photo_jaw_rad = 0.0
    jaw_rest_rad = 0.0
    pinned = np.zeros(n, bool)
    pinned[list(topo.LIP_UPPER_INNER[1:-1]) + list(topo.LIP_LOWER_INNER[1:-1])] = True
    pinned[list(topo.EYE_RIGHT_UPPER) + list(topo.EYE_RIGHT_LOWER)] = True
    pinned[list(topo.EYE_LEFT_UPPER) + list(topo.EYE_LEFT_LOWER)] = True

    # The lower teeth ride the jaw: in an open-mouthed photo they sit where its dropped jaw holds them.
    points[teeth_lower_ids] -= frame.vec(0.0, photo_jaw_rad * lever) * jaw_falloff[teeth_lower_ids, None]

    # --- lips: columns, and how skin follows them ---------------------------------------------------
    lip_follow = np.where(in_lips, 1.0, _gauss(lip_distance, 0.22 * mouth)) * is_face
    if not photo_closed:
        # Closing a photo's open mouth rolls its lips' red out over the teeth (the inner line moves, the
        # vermilion border much less): slid whole, a smile's thin upper lip shut to a thin line (issue 14).
        # (Their own parting as the jaw opens past the photo's moves the borders less too: lips a few px fuller.)
        inner_lips = np.concatenate(
            [points[list(topo.LIP_UPPER_INNER), :2], points[list(topo.LIP_LOWER_INNER[::-1]), :2]]
        )
        ids = np.nonzero(in_lips)[0]
        border = outer_lips.reshape(-1, 1, 2).astype(np.float32)
        to_border = np.array(
            [max(cv2.pointPolygonTest(border, (float(x), float(y)), True), 0.0) for x, y in points[ids, :2]]
        )
        to_inner = _polygon_distance(points[ids, :2], inner_lips)
        depth = to_border / np.maximum(to_border + to_inner, 1e-3)
        lip_follow *= LIP_BORDER_FOLLOW
        lip_follow[ids] = LIP_BORDER_FOLLOW + (1.0 - LIP_BORDER_FOLLOW) * depth
    lip_follow[~is_lm] = 0.0
    lips = _columns(uv, topo.LIP_UPPER_INNER, topo.LIP_LOWER_INNER, lip_follow, uv[:, 1] <= v_sep)
    rest_gap = np.clip(uv[lips.lower, 1] - uv[lips.upper, 1], 0, None)
    # The lips part most at the centre and hardly near the corners, which stay where the cheeks hold them.
    column_u = (uv[lips.upper, 0] + uv[lips.lower, 0]) / 2
    lip_share = max(
        JAW_MAX_LIP_GAP_PER_MOUTH * mouth - jaw_max_rad * lever, JAW_MIN_LIP_PARTING_PER_MOUTH * mouth
    )
    lip_parting = lip_share * np.clip(1 - (column_u / (0.5 * mouth)) ** 2, 0, 1) ** 2
    upper_ids = list(topo.LIP_UPPER_INNER[1:-1])
    lower_ids = list(topo.LIP_LOWER_INNER[1:-1])
    lips.follow_upper[upper_ids] = True
    lips.follow_upper[lower_ids] = False

    # --- eyes: columns and the lid skin that follows ------------------------------------------------
    eyes = []
    for upper, lower in (
        (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER),
        (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER),
    ):
        contour = np.concatenate([points[list(upper), :2], points[list(lower[::-1]), :2]])
        width = float(np.linalg.norm(points[upper[0], :2] - points[upper[-1], :2]))
        centre_v = float(uv[list(upper) + list(lower), 1].mean())
        d = _polygon_distance(points[:, :2], contour)
        above = uv[:, 1] < centre_v
        # Skin above the lid travels with it over ~half an eye width (up to the crease), below much less.
        w = np.where(above, _gauss(d, 0.45 * width), _gauss(d, 0.2 * width)) * 0.55
        w[list(upper) + list(lower)] = 1.0
        w[~is_lm] = 0.0
        w[list(topo.IRIS_RIGHT) + list(topo.IRIS_LEFT)] = 0.0
        # Only the side of the face this eye is on.
        w[np.abs(uv[:, 0] - uv[list(upper), 0].mean()) > 0.75 * eyes_px] = 0.0
        eyes.append(_columns(uv, upper, lower, w, above.copy()))
        eyes[-1].follow_upper[list(upper)] = True
        eyes[-1].follow_upper[list(lower)] = False
    # (each eyeball's own points: which eye, and how far each follows the gaze)
    eye_index = np.full(n, -1, np.int32)
    eye_index[N_LANDMARKS + len(ring_xyz) : teeth_upper_ids[0]] = np.concatenate(eye_index_extra)
    iris_move = np.zeros(n, np.float32)
    iris_move[N_LANDMARKS + len(ring_xyz) : teeth_upper_ids[0]] = np.concatenate(iris_move_extra)

    # --- head weights ---------------------------------------------------------------------------------
    head_weight = np.ones(n, np.float32)
    head_weight[ring_slice] = ring_head
    # The photo's jaw edge lies a little past mediapipe's outline (sad1.png: 4-7 px at the jaw angle, on a
    # 45 px half-face), in the strip to the first ring, which below the ears takes 0.45 of the head's turn.
    # On the near side of a turn the outline moves away from that ring, and the strip stretched the jaw edge
    # into a broad, swollen jaw (sad1.png at yaw 20: the skin past the outline at the jaw angle 4 -> 15 px;
    # art_13.png, art_1.png, art_10.png alike). There the first ring takes NEAR_JAW_RING_WEIGHT of the turn
    # (4 -> 6 px), the strip beyond it (neck, background) taking the stretch. The far side, which compresses
    # against its outline, keeps the strip's weight: a ring turning in full with the far outline kinked the
    # far jaw line (tried: a fourth ring at 1.1x the outline).
    near_ids = ring_ids[NEAR_JAW_RING]
    oval_u_all = uv[list(topo.face_oval()), 0]
    ring_u = uv[near_ids, 0] - 0.5 * float(oval_u_all.min() + oval_u_all.max())
    split_u = NEAR_SIDE_SPLIT_PER_HALF_FACE * 0.5 * float(np.ptp(oval_u_all))
    target = NEAR_JAW_RING_WEIGHT * edge_hold[near_ids - N_LANDMARKS]
    extra = np.clip(target - head_weight[near_ids], 0.0, None)
    near_side_head_weight = np.zeros((2, n), np.float32)
    right = _smoothstep(-split_u, split_u, ring_u)  # the viewer's right side of the face
    near_side_head_weight[0, near_ids] = extra * (1 - right)  # +yaw turns the face to the viewer's right
    near_side_head_weight[1, near_ids] = extra * right
    pivot_xy = frame.origin + hinge_uv[1] * frame.ey
    pivot_xyz = np.array([*pivot_xy, float(landmarks[:468, 2].mean()) + 0.9 * face_depth], np.float32)
    # Near the face outline the surface turns away from the camera and mediapipe's depth climbs steeply;
    # rotating those points at their own depth slides the cheek over the outline (a fold). Their rotation
    # depth eases towards the outline's over a band a third of the half-face wide, spreading the parallax.
    oval_ids = np.array(topo.face_oval())
    oval_xy = landmarks[oval_ids, :2]
    contour = oval_xy.reshape(-1, 1, 2).astype(np.float32)
    inside = np.array(
        [cv2.pointPolygonTest(contour, (float(x), float(y)), True) for x, y in landmarks[:, :2]]
    )
    nearest = np.argmin(np.linalg.norm(landmarks[:, None, :2] - oval_xy[None], axis=2), axis=1)
    ease = 1 - _smoothstep(0.0, 0.35 * half_face, np.clip(inside, 0, None))
    # The sides of the nose are steep too: the rotation depth is first smoothed over mesh neighbours, which
    # keeps the nose's parallax but spreads it into the cheeks instead of folding the nostril wings.
    face_neighbours = _neighbour_mean(N_LANDMARKS, topo.face_triangles())
    depth = landmarks[:, 2].astype(np.float64)
    for _ in range(DEPTH_SMOOTHING_STEPS):
        depth = 0.5 * depth + 0.5 * (face_neighbours @ depth)
    depth[468:] = landmarks[468:, 2]  # irises are not in the mesh
    outline_depth = landmarks[oval_ids[nearest], 2]
    own_depth = depth
    depth = depth + (outline_depth - depth) * ease
    depth_offset = _rotation_offsets(depth, points, ball_pairs, eyeball_xyz)
    pitch_depth, turn_slope = _pitch_depth(landmarks, uv[:N_LANDMARKS])
    # Turning a turned face back: its far side at its own depth, but for a thin band at the outline (see
    # FAR_SIDE_EASE_BAND_PER_HALF_FACE).
    photo_turn_deg = math.degrees(math.atan(turn_slope))
    frontalise_depth_offset = turn_away_depth_offset = turn_away_eye_depth_offset = far_side = None
    if abs(photo_turn_deg) >= PHOTO_TURN_MIN_DEG:
        oval_u = uv[oval_ids, 0]
        split = FAR_SIDE_SPLIT_PER_HALF_FACE * half_face
        # The far side is the image-left one (-u) for a face turned towards the viewer's left (turn < 0).
        towards_far = uv[:N_LANDMARKS, 0] - 0.5 * float(oval_u.min() + oval_u.max())
        far = _smoothstep(-split, split, -towards_far if photo_turn_deg < 0 else towards_far)
        far = far * float(
            _smoothstep(PHOTO_TURN_MIN_DEG, FAR_SIDE_FULL_TURN_DEG, np.array(abs(photo_turn_deg)))
        )

        def far_side_offset(
            band_per_half_face: float,
            keep_eyes: bool = False,
            slope: float | None = None,
            outline: np.ndarray | None = None,
        ) -> np.ndarray:
            # The far side at its own depth, but for a band at the outline (which keeps the outline's, or
            # `outline`'s: (36,) depths of the outline points).
            band = 1 - _smoothstep(0.0, band_per_half_face * half_face, np.clip(inside, 0, None))
            if keep_eyes:
                band = band * _smoothstep(0.0, AWAY_EYE_REACH_PER_EYES * eyes_px, eye_distance)
            at_outline = outline_depth if outline is None else outline[nearest]
            far_own = own_depth + (at_outline - own_depth) * band
            if slope is not None:
                far_own = _limit_depth_slope(far_own, landmarks[:, :2], slope)
            return _rotation_offsets(depth + (far_own - depth) * far, points, ball_pairs, eyeball_xyz)

        # Its outline turns back along the near side's outline's depth at the same height, put back through its
        # own deepest point against that (see FAR_SIDE_MIRRORED_OUTLINE); the rings beyond it with it (their
        # depth is halfway to the back of the face).
        far_oval = (-towards_far[oval_ids] if photo_turn_deg < 0 else towards_far[oval_ids]) > 0
        oval_z = landmarks[oval_ids, 2].astype(np.float64)
        near_z = _curve_at(uv[oval_ids, 1], uv[oval_ids[~far_oval], 1], oval_z[~far_oval])
        down = (uv[oval_ids, 1] - uv[oval_ids, 1].min()) / max(float(np.ptp(uv[oval_ids, 1])), 1.0)
        sides = far_oval & (far[oval_ids] > 0.5 * far.max()) & (down > 0.2) & (down < 0.9)  # temple to jaw
        if sides.any():
            near_z = near_z + float((oval_z - near_z)[sides].max())
        mirrored = np.where(far_oval, oval_z + FAR_SIDE_MIRRORED_OUTLINE * (near_z - oval_z), oval_z)
        frontalise_depth_offset = far_side_offset(FAR_SIDE_EASE_BAND_PER_HALF_FACE, outline=mirrored)
        ring_shift = (mirrored - oval_z) / 2 * far[oval_ids]
        frontalise_depth_offset[ring_slice] = np.tile(ring_shift, len(RING_SCALES)).astype(np.float32)
        eye_distance = np.minimum(
            *(
                _polygon_distance(landmarks[:, :2], landmarks[list(up) + list(low[-2:0:-1]), :2])
                for up, low in (
                    (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER),
                    (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER),
                )
            )
        )
        turn_away_depth_offset = far_side_offset(FAR_SIDE_AWAY_BAND_PER_HALF_FACE, slope=AWAY_DEPTH_SLOPE)
        turn_away_eye_depth_offset = far_side_offset(
            FAR_SIDE_AWAY_BAND_PER_HALF_FACE, keep_eyes=True, slope=AWAY_DEPTH_SLOPE
        )
        far_side = far
    # In a turned face the far cheek's own landmarks project past the face outline (the surface turns away
    # behind the silhouette) and their triangles overlap the outline's strip into the hair. Nodding at their
    # own, deeper depth they slid against that strip and tore it into a staircase of skin and hair
    # (full3.png, full_body_2.png at pitch +-15): they nod with the outline point nearest to them.
    beyond = np.nonzero(inside < 0)[0]
    pitch_depth[beyond] = pitch_depth[oval_ids[nearest[beyond]]]
    # Their triangles lie over the strip from the outline to the first ring, which below the ears moves with
    # less of the head (RING_HEAD_WEIGHT_BOTTOM): taking the whole head's motion they slid over the strip, and
    # the photo's jaw edge, which both carry, showed twice, a dotted dark line inside the far jaw (full3.png at
    # pitch +8..+15; 0.6 px median, up to 2.4 px apart on the turned astronaut at pitch +-12). They take the
    # head weight the strip has where they lie (0.2 px median, under 1 px).
    to_ring = np.linalg.norm(ring_xyz[nearest[beyond], :2] - oval_xy[nearest[beyond]], axis=1)
    into_strip = np.clip(-inside[beyond] / np.maximum(to_ring, 1.0), 0.0, 1.0)
    head_weight[beyond] = 1.0 + (ring_head[nearest[beyond]] - 1.0) * into_strip
    # Turning, they take the near side's extra head weight of the strip where they lie (NEAR_JAW_RING_WEIGHT),
    # and a turned face turning back turns them at the strip's depth there: at the outline's they slid 0.5-0.7 px
    # (median, up to 2.7) against the strip on full3.png and full_body_2.png at yaw +20, now 0.1 (up to 1.1); with
    # the far outline at the near side's depth itself 3 px, and the photo's cheek edge showed twice (a dashed line).
    on_strip, corners, shares = _over_strip(points[:, :2], beyond, _strip(oval_ids, ring_ids[0]))
    near_side_head_weight[:, on_strip] = (near_side_head_weight[:, corners] * shares).sum(axis=2)
    if frontalise_depth_offset is not None:
        turn_depth = points[:, 2] + frontalise_depth_offset
        frontalise_depth_offset[on_strip] = (turn_depth[corners] * shares).sum(axis=1) - points[on_strip, 2]
    pitch_depth_offset = np.zeros(n, np.float32)
    pitch_depth_offset[:N_LANDMARKS] = pitch_depth - landmarks[:, 2]
    if far_side is not None:
        # The far outline of a turned face is mediapipe's silhouette, ~90 depth px deeper than the cheek and
        # eye corner 3-5 px beside it (full3.png), the rings round it (which nod at their own depth) deeper
        # still: at a nod of 4 deg the cheek and outline moved ~7 px apart and the photo's shadow under the
        # far eye stretched into a hard brown wedge (full_body_2.png: torn triangles). On the far side the
        # nodding depth of the mesh and rings has its slope limited to PITCH_FAR_DEPTH_SLOPE, the step met
        # halfway, so the parallax spreads from the cheek over the outline into the hair. Only lowering the
        # outline (the cheek kept) read 0.80 / 0.73 of the nod on full3.png / full_body_2.png (1.09 / 0.90
        # before; mediapipe reads the nod partly from the outline lagging the face); halfway 1.03 / 0.88.
        mesh_rings = np.r_[0:468, ring_slice]
        nod_depth = points[mesh_rings, 2] + pitch_depth_offset[mesh_rings]
        limited = _limit_depth_slope(nod_depth, points[mesh_rings, :2], PITCH_FAR_DEPTH_SLOPE)
        weight = np.concatenate([far_side[:468], np.tile(far_side[oval_ids], len(RING_SCALES))])
        pitch_depth_offset[mesh_rings] += (limited - nod_depth) * weight
        pitch_depth[:468] = points[:468, 2] + pitch_depth_offset[:468]
    for side, pairs in enumerate(ball_pairs):
        start = int(pairs[0, 0])
        ids = np.arange(start, start + len(eyeball_xyz[side]))
        pitch_depth_offset[ids] = float(np.mean(pitch_depth[pairs[:, 1]])) - points[ids, 2]
        pitch_depth_offset[pairs[:, 0]] = pitch_depth_offset[pairs[:, 1]]

    # --- triangles ------------------------------------------------------------------------------------
    oval_ids = np.array(topo.face_oval())
    skin = [topo.face_triangles(), _strip(oval_ids, ring_ids[0])]
    for k in range(1, len(RING_SCALES)):
        skin.append(_strip(ring_ids[k - 1], ring_ids[k]))
    up_in, low_in = topo.LIP_UPPER_INNER, topo.LIP_LOWER_INNER
    mouth_tris = []
    for i in range(len(up_in) - 1):
        mouth_tris.append((up_in[i], low_in[i], up_in[i + 1]))
        mouth_tris.append((up_in[i + 1], low_in[i], low_in[i + 1]))
    mouth_tris = [t for t in mouth_tris if len(set(t)) == 3]

    # Far triangles first: where the nose or a cheek overlaps its surroundings in a turned head, the nearer
    # surface is drawn last and hides the farther one, as it would in the photo of a turned head.
    skin_all = np.concatenate(skin).astype(np.int32)
    # Slivers too thin for _unfold and the fold count to judge are flipped away where they can be.
    sliver_px = max(MIN_FOLD_HEIGHT_PX, UNFOLD_MIN_HEIGHT_PER_EYES * eyes_px)
    skin_all = _flip_slivers(points[:, :2], skin_all, sliver_px)
    depth = points[:, 2] + depth_offset
    skin_by_depth = skin_all[np.argsort(-depth[skin_all].mean(axis=1), kind="stable")]

    basis = _linear_basis(points, uv, frame, is_lm, in_lips, lip_distance, v_sep, landmarks, portrait.image)

    return Rig(
        points_xyz=points,
        skin_triangles=skin_by_depth,
        mouth_triangles=np.array(mouth_tris, np.int32),
        eye_triangles=np.concatenate(eye_tris).astype(np.int32),
        frame=frame,
        basis=basis,
        jaw_weight=jaw_weight.astype(np.float32),
        hinge_xyz=hinge_xyz,
        jaw_max_rad=float(jaw_max_rad),
        jaw_lip_parting_px=lip_parting.astype(np.float32),
        jaw_rest_rad=float(jaw_rest_rad),
        jaw_lever_px=lever,
        jaw_falloff=jaw_falloff,
        head_weight=head_weight,
        pivot_xyz=pivot_xyz,
        depth_offset=depth_offset,
        lips=lips,
        eyes=(eyes[0], eyes[1]),
        iris_move=iris_move,
        eye_index=eye_index,
        eyeball_radius_px=(radii[0], radii[1]),
        iris_radius_px=(iris_radii[0], iris_radii[1]),
        eyeball_contour=np.concatenate(ball_pairs).astype(np.int32),
        eyeball_contour_side=np.concatenate(ball_sides),
        teeth_upper=teeth_upper_ids.astype(np.int32),
        teeth_lower=teeth_lower_ids.astype(np.int32),
        photo_mouth=np.concatenate([teeth_upper_ids, photo_lower_ids]).astype(np.int32),
        photo_gap_px=photo_gap,
        rest_gap_px=rest_gap.astype(np.float32),
        pinned=pinned,
        still_outline=ring_ids[-1].astype(np.int32),
        neighbours=NeighbourMean.from_csr(_neighbour_mean(n, skin_all)),
        person=_person_layer(portrait.image, landmarks, ring_xyz[-n_oval:, :2]),
        pitch_depth_offset=pitch_depth_offset,
        # Deeper on the viewer's left (a negative slope) is a face turned towards the viewer's left (-yaw).
        photo_turn_deg=photo_turn_deg,
        frontalise_depth_offset=frontalise_depth_offset,
        turn_away_depth_offset=turn_away_depth_offset,
        turn_away_eye_depth_offset=turn_away_eye_depth_offset,
        near_side_head_weight=near_side_head_weight,
    )


def _rotation_offsets(
    depth: np.ndarray, points: np.ndarray, ball_pairs: list[np.ndarray], eyeball_xyz: list[np.ndarray]
) -> np.ndarray:
    """(N,) offsets added to z for head rotation, given the landmarks' (478,) rotation depth: the eyeball's
    edge turns with the lids it lines, or a turned head opens a gap between them; the iris and its ring turn
    with the lids around them as one piece (their own, unsmoothed depth would swing them past the lid line in
    a turned head). Other vertices (rings, teeth) turn at their own depth."""
    offset = np.zeros(len(points), np.float32)
    offset[:N_LANDMARKS] = depth - points[:N_LANDMARKS, 2]
    for side, pairs in enumerate(ball_pairs):
        start = int(pairs[0, 0])
        ids = np.arange(start, start + len(eyeball_xyz[side]))
        offset[ids] = float(np.mean(depth[pairs[:, 1]])) - points[ids, 2]
        offset[pairs[:, 0]] = offset[pairs[:, 1]]
    return offset


def _pitch_depth(landmarks: np.ndarray, uv: np.ndarray) -> tuple[np.ndarray, float]:
    """(478,) rotation depth for nodding: mediapipe's own depth with the photo's turn taken out; and that
    turn, as the depth's slope across the face (depth px per px along the eye line).

    The outline easing of depth_offset is for yaw, where the side outline slides over itself; a nod moves
    points up and down, so it folds nothing at the sides, and easing there only makes the cheeks near the
    outline ride differently from the eyes beside them (a sheared far eye in a turned face). A face turned in
    the photo also carries a depth ramp across it (the far side deeper); nodding about the camera's
    horizontal axis with it would move the far side less than the near side, a shear. A nod is about the
    head's own ear-to-ear axis, so the ramp (a least-squares plane's across-the-face slope) is removed."""
    z = landmarks[:, 2].astype(np.float64)
    mesh = slice(0, 468)
    design = np.column_stack([np.ones(468), uv[mesh, 0], uv[mesh, 1]])
    slope_u = float(np.linalg.lstsq(design, z[mesh], rcond=None)[0][1])
    return z - slope_u * (uv[:, 0] - float(uv[mesh, 0].mean())), slope_u


def _person_layer(image: np.ndarray, landmarks: np.ndarray, outer_ring_xy: np.ndarray) -> np.ndarray | None:
    """Which pixels move with the head and body and which are the still background behind them (see
    Rig.person), from the selfie segmentation of the part of the picture the rings reach."""
    height, width = image.shape[:2]
    face_px = float(np.ptp(landmarks[:, 1]))
    margin = PERSON_MARGIN_PER_FACE * face_px
    x0, y0 = np.floor(outer_ring_xy.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(outer_ring_xy.max(axis=0) + margin).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    probability = person_mask(image, (x0, y0, x1, y1))
    face = np.zeros((height, width), np.uint8)
    oval = landmarks[list(topo.face_oval()), :2]
    cv2.fillPoly(face, [np.round(oval).astype(np.int32)], 255)
    inside = face[y0:y1, x0:x1] > 0
    if not inside.any() or float((probability[inside] > 0.5).mean()) < PERSON_MIN_FACE_COVER:
        return None
    person = np.zeros((height, width), np.uint8)
    person[y0:y1, x0:x1] = np.round(_smoothstep(*PERSON_EDGE, probability) * 255)
    wisps = _wisps(image[y0:y1, x0:x1], person[y0:y1, x0:x1], face_px)
    # Thin background objects touching the person (with their anti-aliased sides).
    _, through = _thin_lines(image[y0:y1, x0:x1], person[y0:y1, x0:x1], face_px)
    through = cv2.dilate(through.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    person[y0:y1, x0:x1] |= wisps
    grow = max(1, int(round(PERSON_GROW_PER_FACE * face_px)))
    core = (probability >= PERSON_OBJECT_CORE) | (wisps > 0)
    doubt = (person[y0:y1, x0:x1] > 0) & ~core
    person[y0:y1, x0:x1][_doubtful_ground(image[y0:y1, x0:x1], core, doubt, grow, through)] = 0
    person = cv2.dilate(person, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    # (Within the segmented crop: the person goes on past its edge.)
    crop = person[y0:y1, x0:x1]
    crop[_objects_beside(image[y0:y1, x0:x1], core, crop > 0, grow) | (through & ~core)] = 0
    person = cv2.GaussianBlur(np.maximum(person, face), (0, 0), PERSON_EDGE_SOFTNESS_PX)
    return np.maximum(person, face)


def _brow_lift_share(
    image: np.ndarray,
    frame: FaceFrame,
    u: np.ndarray,
    v: np.ndarray,
    lid_uv: np.ndarray,
    brow_uv: np.ndarray,
    use: np.ndarray,
) -> np.ndarray:
    """(N,) share of a brow's rise each point takes: 0 at and below the upper lid edge (`lid_uv`, its points), 1 at
    and above the brow's lower edge (`brow_uv`) and in the brow's hair below it (see BROW_HAIR_CONTRAST), between
    them the share of its column's light skin that lies below it (see BROW_LIFT_FLOOR)."""
    lid_v, brow_v = _curve_at(u, *lid_uv.T), _curve_at(u, *brow_uv.T)
    span = np.maximum(lid_v - brow_v, 0.05 * frame.eyes_px)
    share = np.clip((lid_v - v) / span, 0.0, 1.0)
    between = np.nonzero(use & (share > 0) & (share < 1))[0]
    if not len(between):
        return share
    # The columns sampled: the points' own, then BROW_HAIR_COLUMNS evenly along the brow (for its hair's depth).
    hair_u = np.linspace(brow_uv[:, 0].min(), brow_uv[:, 0].max(), BROW_HAIR_COLUMNS)
    col_u = np.concatenate([u[between], hair_u])
    col_lid = np.concatenate([lid_v[between], _curve_at(hair_u, *lid_uv.T)])
    col_span = np.maximum(col_lid - _curve_at(col_u, *brow_uv.T), 0.05 * frame.eyes_px)
    # (past 1: over the brow, for its hair's tone)
    steps = (np.arange(BROW_LIFT_SAMPLES + BROW_HAIR_SAMPLES) + 0.5) / BROW_LIFT_SAMPLES
    col_v = col_lid[:, None] - steps[None] * col_span[:, None]
    xy = frame.origin + col_u[:, None, None] * frame.ex + col_v[..., None] * frame.ey
    # Only the part of the picture sampled is blurred (a whole 1024 px photo took ~40 ms).
    sigma = max(BROW_LIFT_BLUR_PER_EYES * frame.eyes_px, 0.5)
    size = np.array(image.shape[1::-1])
    flat = xy.reshape(-1, 2)
    x0, y0 = np.clip(np.floor(flat.min(axis=0) - 4 * sigma), 0, size - 1).astype(int)
    x1, y1 = np.clip(np.ceil(flat.max(axis=0) + 4 * sigma) + 1, 1, size).astype(int)
    lum = cv2.GaussianBlur(image[y0:y1, x0:x1].astype(np.float32).mean(axis=2), (0, 0), sigma)
    maps = (xy - np.array([x0, y0])).astype(np.float32)
    samples = cv2.remap(lum, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # The brow's hair below mediapipe's lower brow edge (art_1's heavy painted brows hang a third of the way to the
    # lid): from the edge down, the run of samples darker than half way from the brow's tone to the column's
    # lightest skin, where that skin is BROW_HAIR_CONTRAST levels lighter. Its depth is taken along the brow
    # (median of BROW_HAIR_SMOOTH columns: one column's stray dark or light does not tear the strip), and the hair
    # rises whole: the strip's light skin below it takes the stretch. Stretched with the skin, it streaked.
    brow_tone = samples[:, BROW_LIFT_SAMPLES : BROW_LIFT_SAMPLES + BROW_HAIR_SAMPLES].min(axis=1)
    samples, steps = samples[:, :BROW_LIFT_SAMPLES], steps[:BROW_LIFT_SAMPLES]
    light = samples.max(axis=1)
    contrast = light - brow_tone >= BROW_HAIR_CONTRAST
    in_hair = (samples <= 0.5 * (brow_tone + light)[:, None]) & contrast[:, None]
    depth = np.cumprod(in_hair[:, ::-1], axis=1).sum(axis=1) / BROW_LIFT_SAMPLES  # the run down from the edge
    along = depth[len(between) :]
    half = BROW_HAIR_SMOOTH // 2
    padded = np.pad(along, half, mode="edge")
    along = np.median(np.lib.stride_tricks.sliding_window_view(padded, BROW_HAIR_SMOOTH), axis=1)
    hair_from = 1.0 - np.interp(u[between], hair_u, along, left=0.0, right=0.0)
    samples = samples[: len(between)]
    # A strip of the mesh stretches evenly, the dark band in it too: skin near a dark band counts as dark.
    reach = int(round(BROW_LIFT_DARK_REACH * BROW_LIFT_SAMPLES))
    samples = cv2.erode(samples, np.ones((1, 2 * reach + 1), np.uint8), borderType=cv2.BORDER_REPLICATE)
    density = samples - samples.min(axis=1, keepdims=True) + BROW_LIFT_FLOOR
    density *= steps[None] < hair_from[:, None]  # (the lowest sample always counts: depth stops short of it)
    below = np.cumsum(density, axis=1) - 0.5 * density  # at each sample's middle
    below /= np.sum(density, axis=1, keepdims=True)
    ends = np.ones((len(between), 1))
    below = np.concatenate([0 * ends, below, ends], axis=1)
    at = np.concatenate([[0.0], steps, [1.0]])
    share[between] = [
        1.0 if t >= top else np.interp(t, at, row) for t, top, row in zip(share[between], hair_from, below)
    ]
    return share


def _linear_basis(
    points: np.ndarray,
    uv: np.ndarray,
    frame: FaceFrame,
    is_lm: np.ndarray,
    in_lips: np.ndarray,
    lip_distance: np.ndarray,
    v_sep: np.ndarray,
    landmarks: np.ndarray,
    image: np.ndarray,
) -> dict[str, np.ndarray]:
    """Displacement fields (N, 3) of the tracks that act linearly, in pixels at weight 1.

    Amplitudes are shares of the mouth width (W) or the eye distance (E), chosen by eye against video of
    real faces: a broad smile moves the corners ~0.12 W up and ~0.1 W out; brows travel ~0.1 E.
    """
    n = len(points)
    mouth, eyes_px = frame.mouth_px, frame.eyes_px
    u, v = uv[:, 0], uv[:, 1]
    basis: dict[str, np.ndarray] = {}
    face = is_lm.astype(np.float32)
    lips_w = np.where(in_lips, 1.0, _gauss(lip_distance, 0.25 * mouth)) * face
    above = v <= v_sep
    # A closed mouth's inner lip lines lie on the separator itself: label them by which lip they belong to.
    above[list(topo.LIP_UPPER_INNER)] = True
    above[list(topo.LIP_LOWER_INNER[1:-1])] = False
    half = mouth / 2
    lateral = np.clip(u / half, -1.5, 1.5)  # -1 at the image-left corner, +1 at the image-right corner

    def corner_field(corner: int, du: float, dv: float, radius: float) -> np.ndarray:
        d = np.linalg.norm(points[:, :2] - points[corner, :2], axis=1)
        w = _gauss(d, radius) * face
        return frame.vec(w * du * mouth, w * dv * mouth)

    # Subject's left is the image-right corner (291): outwards is +u there, -u at 61.
    for side, corner, sign in (
        ("Left", topo.MOUTH_CORNER_LEFT, 1.0),
        ("Right", topo.MOUTH_CORNER_RIGHT, -1.0),
    ):
        basis[f"mouthSmile{side}"] = corner_field(corner, sign * 0.12, -0.18, 0.35 * mouth)
        basis[f"mouthFrown{side}"] = corner_field(corner, sign * 0.015, 0.12, 0.36 * mouth)
        basis[f"mouthStretch{side}"] = corner_field(corner, sign * 0.1, 0.015, 0.34 * mouth)
        # Cheeks rise in a Duchenne smile; the lower lid bulges up a little with them.
        eye_outer = topo.EYE_LEFT_UPPER[-1] if side == "Left" else topo.EYE_RIGHT_UPPER[0]
        cheek_centre = points[eye_outer, :2] * 0.55 + points[corner, :2] * 0.45
        d = np.linalg.norm(points[:, :2] - cheek_centre, axis=1)
        w = _gauss(d, 0.33 * eyes_px) * face * (1 - lips_w)  # the cheeks rise, the lips stay together
        basis[f"cheekSquint{side}"] = frame.vec(0 * w, -0.08 * eyes_px * w)
        lateral_w = np.clip(0.5 + 0.5 * sign * lateral, 0.0, 1.0)
        up_lip = lips_w * above * lateral_w * (1 - _smoothstep(0.8, 1.2, np.abs(lateral)))
        basis[f"mouthUpperUp{side}"] = frame.vec(0 * u, -0.075 * mouth * up_lip)
        low_lip = lips_w * (~above) * lateral_w * (1 - _smoothstep(0.8, 1.2, np.abs(lateral)))
        basis[f"mouthLowerDown{side}"] = frame.vec(0 * u, 0.07 * mouth * low_lip)

    # Pucker: lips narrow towards the centre, grow fuller, push forward, with a small round opening.
    centre_profile = np.clip(1 - lateral**2, 0, 1)
    sign_v = np.where(above, -1.0, 1.0)
    du = -0.36 * u * lips_w
    dv = sign_v * 0.03 * mouth * lips_w * (0.5 + 0.5 * centre_profile)
    inner_open = np.zeros(n)
    inner_open[list(topo.LIP_UPPER_INNER)] = -1
    inner_open[list(topo.LIP_LOWER_INNER)] = 1
    dv_p = dv * (inner_open == 0) + inner_open * 0.012 * mouth * centre_profile
    pucker = frame.vec(du, dv_p)
    pucker[:, 2] = -0.15 * mouth * lips_w
    basis["mouthPucker"] = pucker
    # Funnel: rounder and more open than pucker, lips flared.
    dv_f = sign_v * 0.04 * mouth * lips_w * (0.4 + 0.6 * centre_profile) * (inner_open == 0)
    dv_f = dv_f + inner_open * 0.035 * mouth * centre_profile
    funnel = frame.vec(-0.2 * u * lips_w, dv_f)
    funnel[:, 2] = -0.08 * mouth * lips_w
    basis["mouthFunnel"] = funnel
    # Lower lip rolled in: its outer edge rises (the lip looks thinner); closure is done by pose().
    roll_w = lips_w * (~above) * (1 - _smoothstep(0.5, 0.9, np.abs(lateral)))
    lower_thickness = float(
        np.median(uv[list(topo.LIP_LOWER_OUTER[2:-2]), 1] - uv[list(topo.LIP_LOWER_INNER[2:-2]), 1])
    )
    roll_dv = -0.45 * max(lower_thickness, 0.0) * roll_w
    roll_dv[list(topo.LIP_LOWER_INNER)] = 0.0
    basis["mouthRollLower"] = frame.vec(0 * u, roll_dv)

    # Brows: inner and outer halves, with the forehead and upper lid skin following.
    for side, inner, outer, eye_upper, brow_lower in (
        ("Right", topo.BROW_RIGHT_INNER, topo.BROW_RIGHT_OUTER, topo.EYE_RIGHT_UPPER, BROW_LOWER_RIGHT),
        ("Left", topo.BROW_LEFT_INNER, topo.BROW_LEFT_OUTER, topo.EYE_LEFT_UPPER, BROW_LOWER_LEFT),
    ):
        # The eye opening itself stays put: brows stretch the lid skin, not the eyeball. (Measured from the lid
        # edge's own height in each column: from its mean height, the arched middle of the edge rose with the
        # brows, 2 px of a 8 px opening at browInnerUp 0.85 on happy.png, a peaked, oversized eye.) The band above
        # the lash line stays with the edge too; the lighter skin nearer the brow takes the stretch (BROW_LIFT_FLOOR).
        edge = list(brow_lower)
        keep_eye = _brow_lift_share(image, frame, u, v, uv[list(eye_upper)], uv[edge], face > 0)
        # Under the brow's lower edge a point nearly all the way to the brow rises as that edge does in its column
        # (fading past the brow's ends), the brow's hair there whole: from the field falling off with the distance
        # from the brow landmarks, as above them, to that over its share to the power BROW_EDGE_FOLLOW (the lid
        # skin lower down as before). With the falloff alone, that hair rose less than the edge: it was stretched.
        under = v > _curve_at(u, *uv[edge].T)
        past = np.maximum(np.maximum(uv[edge, 0].min() - u, u - uv[edge, 0].max()), 0.0)

        def field(
            ids: tuple[int, ...],
            radius: float,
            edge: list[int] = edge,
            under: np.ndarray = under,
            past: np.ndarray = past,
            keep_eye: np.ndarray = keep_eye,
        ) -> np.ndarray:
            d = np.min(np.linalg.norm(points[:, None, :2] - points[None, list(ids), :2], axis=2), axis=1)
            w = _gauss(d, radius)
            follow = keep_eye[under] ** BROW_EDGE_FOLLOW
            edge_w = _curve_at(u[under], u[edge], w[edge]) * _gauss(past[under], radius)
            w[under] += (edge_w - w[under]) * follow
            return w * face * keep_eye

        w_in = field(inner, 0.22 * eyes_px)
        w_out = field(outer, 0.22 * eyes_px)
        basis.setdefault("browInnerUp", np.zeros((n, 3), np.float32))
        basis["browInnerUp"] += frame.vec(0 * u, -0.13 * eyes_px * w_in)
        basis[f"browOuterUp{side}"] = frame.vec(0 * u, -0.11 * eyes_px * w_out)
        toward_centre = 1.0 if side == "Right" else -1.0
        w_all = np.maximum(w_in, w_out)
        basis[f"browDown{side}"] = frame.vec(toward_centre * 0.045 * eyes_px * w_in, 0.08 * eyes_px * w_all)

    # Lids: squint raises the lower lid, wide raises the upper lid (and the skin above a little).
    for side, upper, lower in (
        ("Right", topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER),
        ("Left", topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER),
    ):
        opening = float(np.median(uv[list(upper[2:-2]), 1] - uv[list(lower[2:-2]), 1]))  # negative
        height = abs(opening)
        for name, ids, amount, radius in (
            (f"eyeSquint{side}", lower, -0.28 * height, 0.25 * eyes_px),
            (f"eyeWide{side}", upper, -0.22 * height, 0.22 * eyes_px),
        ):
            inner_ids = list(ids[1:-1])
            d = np.min(np.linalg.norm(points[:, None, :2] - points[None, inner_ids, :2], axis=2), axis=1)
            w = _gauss(d, radius) * face
            if name.startswith("eyeWide"):
                # Only the lid and the skin above it rise: the lower lid and the cheek below stay. (Within the
                # Gaussian's reach, they rose with it: the lower lid by 0.8 of the upper's on happy.png, 0.72-0.74 on
                # art_17.png and full3.png, so the eye moved up rather than opened.)
                w *= 1.0 - _smoothstep(0.0, 0.6 * height, v - _curve_at(u, u[list(ids)], v[list(ids)]))
            w[inner_ids] = 1.0
            w[[ids[0], ids[-1]]] = 0.3
            basis[name] = frame.vec(0 * u, amount * w)
    del landmarks
    return {k: b.astype(np.float32) for k, b in basis.items()}
