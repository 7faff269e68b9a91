"""Synthesised mouth interior: shaded cavity, tongue, lower and upper teeth, all coloured from the photo.

Render stage: drawn inside the posed inner-lip outline, over the warped photo, by render.compose.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render.warp import bounding_region

# Teeth tone, from the picture itself (mean-RGB levels 0..255). Enamel reflects more than skin of any tone:
# in the same light the teeth sit above the lit skin around the mouth, but in a mouth's shade they stay at or
# below the face's own highlights (a dark painting keeps dark teeth, never paper white).
LIT_PERCENTILES = (78.0, 92.0)  # "lit skin": this band of the skin around the mouth, by level
HIGHLIGHT_PERCENTILES = (94.0, 99.0)  # the face's highlights
TEETH_OVER_SKIN = 1.12  # teeth at least this much lighter than the lit skin around the mouth
TEETH_UNDER_SCLERA = 0.92  # and about as light as the eye whites' lit part
TEETH_OVER_LIPS = 1.3  # and clearly lighter than the lips
HIGHLIGHT_HEADROOM = 0.25  # but at most this share of the way from the face's highlights to white
TEETH_MAX_LEVEL = 236.0  # enamel in a mouth's shade is never paper white
# Nor lighter than the eye whites' brightest part (this percentile of their levels, robust to specks): both
# are the whitest things in the face, and the teeth sit in the mouth's shade. Eye whites darker than this
# share of the lit skin are shaded or hidden (a squint, lashes, a tiny face): then the bound is that share
# of the skin, and never below TEETH_OVER_LIPS (teeth no lighter than the lips read as a doll's mouth).
SCLERA_TOP_PERCENTILE = 98.0
SCLERA_CAP_MIN_OF_SKIN = 0.95
# Skin above the upper lip is typically this share of the lit skin's level (its own shade under the nose);
# darker than that (a moustache, a deep shadow), the teeth dim by the square root of the ratio, to at least
# MOUSTACHE_SHADE: in a dark painting with a heavy moustache they are dim, never a pale strip.
UPPER_LIP_SKIN = 0.85
MOUSTACHE_SHADE = 0.72
# ... and the upper lip's shadow on the teeth (LIP_SHADOW, LIP_SHADOW_DEPTH) reaches up to MOUSTACHE_REACH times as
# far and up to MOUSTACHE_DEPTH deep under such an overhang (MouthColours.overhang: 0 for a clean-shaven lip, 1 at
# MOUSTACHE_SHADE): lit right up to a moustache's edge, art_13's teeth read as a strip stuck under it.
MOUSTACHE_REACH = 1.3
MOUSTACHE_DEPTH = 0.65
SKIN_TO_WHITE = 0.4  # near white, at most this share of the way from the lit skin to white
# The teeth keep these shares of the lit skin's chroma: of its yellowness ((R + G) / 2 - B: a varnish, warm
# light) and, less, of its redness (R - G: mostly the blood in skin, which enamel does not have).
TEETH_CHROMA = 0.55
TEETH_RED_CHROMA = 0.3
# Per channel, as a share of the level: a warm painting keeps warm teeth. At 0.24 this cap bound on art_13 alone
# (its lit skin (R - B) / level 1.24, its eye whites' 0.68): its teeth kept 0.39 of the skin's warmth where every
# other shared portrait's keep 0.45-0.5, a cool grey bar in a warm orange face (review of 2026-12-03).
TEETH_MAX_CHROMA = 0.36
TEETH_MIN_WARMTH = 0.03  # blue at least this share of the level below green: ivory, not grey or blue
# Near the lips the cavity keeps at least this share of its warm, lit tone into the corners: the wet inner
# lips catch light there, and a black rim round the teeth reads as a mouthguard's outline.
CORNER_WARMTH = 0.45
# The cavity (near the lips, at the back) and the tongue keep at least these shares of the lit skin's level.
CAVITY_OF_SKIN = 0.3
# Through a slit no taller than this share of the mouth width the cavity keeps its warm tone (see _cavity): the
# astronaut's smile and "ee" were ringed by a band of the mouth's back colour (lum ~35), a mouthguard's outline.
SLIT_DEEP = 0.2
DEEP_OF_SKIN = 0.11
TONGUE_OF_SKIN = 0.5
# The mouth's inside (cavity, tongue, gums) takes its colour from the lips' (the same blood-red mucosa), but
# painted lips are not its colour: it is taken from the lips as they would be unpainted, with their saturation
# (Lab chroma over lightness, which a brighter or dimmer light leaves about as it is) at most
# NATURAL_LIP_SAT_OVER_SKIN above the lit skin's and their Lab hue NATURAL_LIP_HUE_UNDER_SKIN degrees below the
# skin's. Bare lips measure 0.09-0.37 above the skin on the shared photos (astronaut, sad1, happy, full3, art_3),
# at 11-34 degrees below its hue; painted ones 0.5-1.0 above it (art_5, art_17, full_body_2, art_10), which gave
# art_5 and art_17 a lipstick-red tongue and a lipstick-saturated rim round it.
NATURAL_LIP_SAT_OVER_SKIN = 0.4
NATURAL_LIP_HUE_UNDER_SKIN = (5.0, 45.0)
# The tongue itself, a muted pink-red, is at most this much more saturated than the lit skin: the bare-lipped
# photos' tongues come out 0.61-0.67 above it (astronaut, portrait.jpg, sad1, happy, full3), art_3's darker
# bare lips gave a coral one 0.93 above.
TONGUE_SAT_OVER_SKIN = 0.7
# A tongue's albedo is the lips' mucosa's, whatever the skin's: its lit front is at least this share of the lit
# skin's Lab lightness (bare lips on the shared photos are 0.65-0.87 of it; the tongue, inside the mouth, a little
# less), and at most TONGUE_MAX_SAT saturated (Lab chroma over L*; the bare-lipped photos' tongues are 0.73-0.87).
# At half the lit skin's level (TONGUE_OF_SKIN), a dark, warm painting's tongue was a maroon-brown (art_17: L* 26,
# 0.49 of the skin's, saturation 1.09; art_13's an orange 1.37).
TONGUE_LIGHTNESS_OF_SKIN = 0.6
TONGUE_MAX_SAT = 0.9
BOUNCE_NEUTRAL = 0.25  # share of that lift that is neutral (unsaturated bounce light)
MIN_OPENING_PX = 0.6  # a lip gap narrower than this is the photo's lip line, not an open mouth
FULL_OPENING_PX = 2.0  # the interior fades in between the two
AA_PX = 1.0  # anti-aliasing ramp of every drawn edge
# ... and the opening's outline and the teeth's edges are as soft as the photo itself around the mouth (a soft
# painting, an upscaled small photo): its edges' width across (contrast over EDGE_REACH_PX either side, over the
# gradient at the edge), their EDGE_PERCENTILE over edges of at least EDGE_MIN_CONTRAST levels, at least
# EDGE_MIN_COUNT of them (the sharper ones: a smooth painting's soft shading is not blur; at the median art_5, a
# smooth render whose lips' outline is crisp, had its teeth smudged at sigma 1.6 px).
# A pixel step measures 2 px (central differences); a Gaussian blur of sigma s widens it to about sqrt(4 + W^2),
# W = sqrt(2 pi) s erf(EDGE_REACH_PX / (s sqrt 2)) (the blurred step's contrast within the reach over its steepest
# gradient), which is inverted from a table.
# Drawn with only AA_PX, art_13's teeth (a soft painting, edges 3.1 px wide) were a sticker with razor edges.
EDGE_REACH_PX = 3.0
EDGE_MIN_CONTRAST = 25.0
EDGE_MIN_COUNT = 20
EDGE_PERCENTILE = 40.0
# The drawn edges' own blur (AA_PX), as a Gaussian's sigma: the photo's, less this, is added.
DRAWN_BLUR_PX = 0.4
# The teeth's inner detail (their separations, the step between two teeth's faces, the notches between their
# rounded corners) takes this share of that blur: with all of it a smooth painting's row (art_5, happy.png) lost its
# separations, a soft white band.
DETAIL_BLUR = 0.5
MAX_BLUR_OF_MOUTH = 0.03  # at most this share of the mouth width (a blurry tiny face keeps a readable mouth)
_EDGE_SIGMAS = np.linspace(0.0, 6.0, 121)  # (see _edge_widths)
# A photo measured blurrier than EDGE_REACH_PX / EDGE_REACH_SIGMAS is measured again over this many of its sigmas
# (within 3 px a blur of sigma 2.5 px shows only 0.77 of its edges' contrast: measured as 1.8).
EDGE_REACH_SIGMAS = 2.5

# Teeth, in shares of the rest mouth width (corner to corner, ~50 mm in adults). Crown widths after Wheeler's
# Dental Anatomy (maxillary central 8.5 mm, lateral 6.5, canine 7.5, premolars 7; mandibular central 5.0,
# lateral 5.5, canine 7.0), seen from the front: the arch turns them away, so each appears ~62 % as wide
# as the one in front of it (the "golden proportion" of frontal tooth display, Levin 1978). Cumulative
# from the midline: where each visible tooth ends.
UPPER_TOOTH_ENDS = (0.17, 0.276, 0.342, 0.392, 0.432)
LOWER_TOOTH_ENDS = (0.10, 0.19, 0.26, 0.31, 0.35)
# Visible crown below the teeth line (the photo's rest upper inner lip): the centrals are the longest, the
# laterals ~1 mm shorter, the canines between; a relaxed lip shows 2-4 mm of them (Vig & Brundo 1978) and
# speech lifts it a few mm more.
UPPER_CROWN = (0.115, 0.099, 0.106, 0.09, 0.08)
LOWER_CROWN = (0.09, 0.09, 0.095, 0.085, 0.08)
CROWN_FULL = 0.21  # whole upper central crown (~10.5 mm): above it, when a smile lifts the lip, the gum
GUM_SCALLOP = 0.02  # the gum's scallop over each upper tooth, share of the mouth width (~1 mm)
GUM_SCALLOP_FULL_PX = 4.0  # ... on teeth this wide (px) or wider; none on teeth under half that wide
# The incisal corners round off by this share of the crown: a small notch between two upper teeth; the
# lower incisors' edges are nearly straight. The corner away from the midline (distal) is the rounder one.
UPPER_TOOTH_ROUNDING = 0.22
LOWER_TOOTH_ROUNDING = 0.06
DISTAL_ROUNDING = 0.6  # the distal corner rounds off this much more than the mesial one
ROUNDING_FULL_PX = 8.0  # ... on teeth this wide (px) or wider; none on teeth under half that wide
# No real row is even: each crown is a little longer or shorter than its neighbour across the midline
# (shares of the mouth width, ~0.2-0.3 mm; right side of the picture, then left).
UPPER_CROWN_OFFSETS = ((0.0, 0.003, -0.002, 0.002, 0.0), (0.002, -0.002, 0.003, -0.001, 0.0))
CROWN_BLEND = 0.3  # share of a tooth either side of a separation over which two crown lengths meet
# How lit each tooth is, midline outwards: the arch turns the back teeth away from the light and into the
# cheeks' shadow, the dark "buccal corridor" at each mouth corner. Each tooth is lit as one surface (not a
# ramp along the row): the two centrals stand out, the laterals step back.
UPPER_TOOTH_LIGHT = (1.0, 0.84, 0.7, 0.52, 0.38, 0.3)
# The lower incisors face forwards under the upper ones, a little less lit (at 0.8, with the shading below, a
# wide opening's lower teeth came out at 0.75 of the upper's luminance: a grey slab under white teeth).
LOWER_TOOTH_LIGHT = (0.93, 0.85, 0.68, 0.5, 0.36, 0.27)
TOOTH_GAP_DEPTH = 0.2  # darkening at the separation between two teeth (on a large mouth)
DETAIL_FROM_MOUTH_PX = 24.0  # below this mouth width tooth gaps and rounding are sub-pixel: left out
DETAIL_FULL_MOUTH_PX = 80.0
# ... but a tooth this wide (px) shows its separations and its convex face in part, from the second in full,
# however small the mouth (see _teeth_row). From 3 px, a smile's canines and premolars on a 64 px mouth were
# striped by their separations (a saw along the row's ends); under 4 px they keep the mouth-wide detail.
TOOTH_RESOLVED_PX = (4.0, 7.0)
_RESOLVED_SPAN = 1.0 / (TOOTH_RESOLVED_PX[1] - TOOTH_RESOLVED_PX[0])
# Tongue: its dorsum rises this share of the teeth's opening above the lower incisors' edges, over this
# half width; its silhouette at the back is soft (it recedes into the dark).
# (at 0.55 a wide opening was a dark void over a low pink dome: full3, review of 2026-12-03)
TONGUE_RISE = 0.7
TONGUE_HALF_WIDTH = 0.34
# Through a narrower gap the tongue, close behind the lower incisors, fills more of what shows between the upper
# crowns' edges and the lower teeth (or the lower lip where it covers them): TONGUE_NARROW_RISE of it, down to
# TONGUE_RISE once that gap is TONGUE_WIDE_GAP of the mouth width. Drawn only past the crowns' full length, a
# speech "ee" or a medium "eh" showed a black slit under the teeth and no tongue (the astronaut, art_1).
TONGUE_NARROW_RISE = 0.8
TONGUE_WIDE_GAP = 0.15
# Its top is lit at least TONGUE_TOP_LIGHT of its front through a wide gap, TONGUE_NARROW_LIGHT through a narrow
# one (seen close behind the teeth, in the light coming in), over a silhouette soft over TONGUE_SOFT of what shows
# of it (plus AA_PX): at 0.5 and 0.15 a wide opening's tongue was a dim pink glow in a dark maroon hole (full3).
TONGUE_TOP_LIGHT = 0.7
TONGUE_NARROW_LIGHT = 0.75
TONGUE_SOFT = 0.06
# The upper lip shades the teeth for this share of the mouth width below it, darkening them by up to
# LIP_SHADOW_DEPTH at the lip (a little more on a large mouth, where the shade is resolved).
LIP_SHADOW = 0.08
LIP_SHADOW_DEPTH = 0.4
# On a small mouth (detail 0) the shadow keeps this share of its depth: at 0.55 a small face scaled up to
# 1024 px (sad1) showed its teeth lit to the lip, a flat white block.
SMALL_LIP_SHADOW = 0.75
# Besides each tooth's own light (UPPER_TOOTH_LIGHT), the row darkens smoothly by up to this share from the
# midline to its ends: the arch curves away from the light within each tooth too, so the centrals are not
# one flat white surface.
ARCH_SHADE = 0.12
# Right under the lip the teeth are in its contact shadow (as deep as this, over AA_PX plus this share of
# the mouth width): the teeth meet the lip's shade softly instead of a hard pale edge under it.
CONTACT_SHADOW_DEPTH = 0.45
CONTACT_SHADOW = 0.03
# The teeth sit behind the lips: through a narrow gap only the incisal edges show, under the upper lip's
# shade, with the dark cavity below them; more of the crowns comes into view as the gap widens. The upper
# teeth fill at most this share of the lips' gap at each point along the mouth (soft over TEETH_REVEAL_SOFT
# of the mouth width, so the edge never kinks).
TEETH_REVEAL = 0.62
TEETH_REVEAL_SOFT = 0.02
# Beside a photo's own teeth the row fills as much of the gap as they fill of the photo's, up to this share.
PHOTO_REVEAL_MAX = 0.85
# Through barely parted lips little light reaches the teeth: they dim to this share of their light at a
# closed mouth and come up to full light once the lips are this share of the mouth width apart (~7 mm).
# Without it the first frames of an opening flash a thin white line between the lips.
TEETH_SLIT_LIGHT = 0.35
TEETH_LIT_OPENING = 0.15
# The opening's ends: the lips meet softly at the corners, so the cut-out is rounded over this share of the
# mouth width from each inner corner and pulled in from it by CORNER_INSET (the corner itself is lip).
CORNER_ROUND = 0.17
CORNER_INSET = 0.025
# A photo's open mouth closed: its lips' inner rims, lit against its teeth, met as a pale line (the astronaut's
# smile). Closed lips meet in a soft dark seam, the shadow between them: drawn along the lips' meeting line,
# darkening them up to SEAM_DEPTH of the way to the cavity's colour, over a half width (one sigma) of
# SEAM_WIDTH of the mouth width (~0.6 mm), at least SEAM_MIN_PX; in as far as the lips have closed the
# photo's gap.
SEAM_DEPTH = 0.55
SEAM_WIDTH = 0.012
SEAM_MIN_PX = 0.6
SLIT_OF_PHOTO_GAP = 0.5  # see draw_mouth
# Dimmed between closing lips, teeth take this share (at the deepest shade, TEETH_SLIT_LIGHT) of the warm
# shade's hue (_in_lips_shade): the light there is bounced off the lips and the mouth's walls.
SLIT_WARMTH = 0.6
# The lower teeth fade in as the lower lip uncovers them, over this many pixels plus share of the mouth.
LOWER_TEETH_FADE_PX = 1.5
LOWER_TEETH_FADE = 0.035
LOWER_SLIVER_LIGHT = 0.6  # and are this much less lit while only a sliver of them shows
# ... column by column too: lit fully where the lower lip uncovers at least this share of what it uncovers at
# most, dimmer towards where it covers them (the corners); and the row darkens smoothly along the arch by up
# to LOWER_ARCH_SHADE at its end, with the square of the distance (a surface turning from the light: flat in
# front; the upper row has ARCH_SHADE, but the lower incisors must stay lit nearly as the upper's).
LOWER_UNCOVERED = 0.5
LOWER_ARCH_SHADE = 0.3
# Whole lower central crown below its edge (~9 mm, Wheeler's: 9.0 mm), gum below it; the crowns darken by
# LOWER_TEETH_DOWN towards it and by LOWER_LIP_SHADOW in the lower lip's shade (over LIP_SHADOW above it).
LOWER_CROWN_FULL = 0.18
LOWER_TEETH_DOWN = 0.12
LOWER_LIP_SHADOW = 0.15
# ... and the lower lip covers all but their tips: in an open mouth the lower incisors show much less than the
# upper, often only their edges (a relaxed lip shows ~0-1 mm of them, a wide smile or an "ah" 2-3 mm; Vig & Brundo
# 1978). What the rig's lower lip uncovers of them is held to at most LOWER_SHOW_OF_UPPER of the upper crowns seen
# at the midline, LOWER_SHOW_OF_GAP of the lips' gap and LOWER_SHOW_MAX of the mouth width (the lip rolled up over
# the rest, see LOWER_ROLL_SAMPLE_PX; a smooth maximum over LOWER_SHOW_SOFT of the mouth width): with the whole
# drop of the rig's lip shown, a wide
# opening's lower row was as tall as the upper (portrait.jpg's smile at jawOpen .66: 1.2 times the upper's, 0.58 of
# the lips' gap), a second row of teeth rather than their tips.
LOWER_SHOW_OF_UPPER = 0.6
LOWER_SHOW_OF_GAP = 0.22
LOWER_SHOW_MAX = 0.08
LOWER_SHOW_SOFT = 0.02
# Crowded behind the lip, the lower incisors overlap a little: their separations uneven, each tooth's sides kept at
# this share of _teeth_row's surface shading (right side of the picture's teeth, then the left's): drawn alike, a
# wide opening's lower row was a barcode of evenly spaced stripes (portrait.jpg at 1024 px).
LOWER_GAP_SHARE = (0.7, 0.9, 0.45, 0.8, 0.6, 0.7, 0.5, 0.95, 0.6, 0.85)
# Through a lips' gap wider than LOWER_SHOW_LEAST_FROM of the mouth width their tips show over the lower lip
# however thick the photo's lip: at least LOWER_SHOW_LEAST of the gap past that (art_13's full lower lip hid them
# at every opening, a flat tongue slab filling the mouth down to the lip).
# Nor held to less than LOWER_SHOW_EDGES of their edges' ramp (as soft as the photo, AA_PX at least): a band
# narrower than its own soft edges is no tooth but a grey-pink smear between the tongue and the lip (sad1, art_13).
LOWER_SHOW_EDGES = 1.6
LOWER_SHOW_LEAST = 0.35
LOWER_SHOW_LEAST_FROM = 0.15
# What the lip would uncover past that is covered by the lower lip itself, rolled up over them (the rig stretches its
# inner line down with the jaw: at 1.2 times the upper row, portrait.jpg's lip was thinned to a rim): the lip's own
# pixels from LOWER_ROLL_SAMPLE_PX below the opening's edge plus LOWER_ROLL_SQUEEZE of the height above it, carried up,
# darkening by up to LOWER_RIM_SHADE towards its inner rim where it turns into the mouth. The teeth, their tongue and
# cavity stay where they are (the jaw's).
LOWER_ROLL_SAMPLE_PX = 1.5
LOWER_ROLL_SQUEEZE = 0.5
LOWER_RIM_SHADE = 0.2
LOWER_ROLL_SHADE = 0.04
# They are shaded (LOWER_TOOTH_LIGHT and below) towards a dark of their own hue by this share, the rest towards the
# cavity's colour.
LOWER_SHADE_HUE = 0.6
# The photo's own teeth are shown in proportion to how far its lips are parted (shares of the mouth width):
# a photo with barely parted lips hands over smoothly to the synthesised teeth. Below ~2.5 mm the photo
# shows only a sliver of its incisal edges, and a blend of that sliver with the longer synthesised crowns
# reads as two rows of teeth (the synthesised ones a grey band under the photo's): the sliver is left out.
PHOTO_TEETH_FROM = 0.05
PHOTO_TEETH_FULL = 0.085
# Of the photo's opening only its teeth are kept once the jaw drops: pixels lit between these shares of the way
# from the cavity's colour to the teeth's (luminance). Its dark gap, carried with the skull as the jaw drops,
# read as a maroon slab with a straight lower edge under the teeth, over the synthesised cavity.
PHOTO_TEETH_LIGHT = (0.1, 0.4)
# ... as far as the jaw has opened the lips past the photo's own opening (this share of the mouth width
# brings the filter in fully): at rest the photo's mouth is shown as it is.
PHOTO_FILTER_DROP = 0.08
# The photo's dark gap is looked for from this share of the mouth width inside each inner corner to this
# share past it (mediapipe's inner corners sit a few per cent of the mouth width short of a parted mouth's
# visible corners); a gap is one darker by CORNER_GAP_CONTRAST (mean-RGB levels) than the lips this share of
# the mouth width above and below the corner.
CORNER_SEARCH = (0.03, 0.12)
CORNER_GAP_CONTRAST = 20.0
CORNER_LIP_OFFSET = 0.06
# The photo's teeth colour: the lighter half of its teeth-like pixels (their lit fronts).
PHOTO_TEETH_SHARE = 0.5
# The photo's teeth are carried on upwards past its upper lip (where a smile or a wide jaw lifts the lip off
# them) as the mean of the rows from this share of the mouth width (plus a pixel) below the lip to twice that,
# where they are enamel: light (see PHOTO_TEETH_LIGHT) and nearly neutral, chroma ((max - min) / mean of RGB)
# under the first of OWN_TEETH_CHROMA, none over the second (lips, even pale pink ones; teeth ~0.03-0.15).
PHOTO_TEETH_READ = 0.02
# Carried up, the photo's teeth keep CARRY_DETAIL of their columns' difference from the mean over CARRY_ALONG
# of the mouth width (~3 mm, half a central incisor): each column's separation otherwise ran up as a stripe.
CARRY_ALONG = 0.06
CARRY_DETAIL = 0.35
MIN_LIFT_PX = 0.25  # lips moved less than this off the photo's rest (px) have uncovered nothing
MIN_CARRY_PX = 1.0  # ... and its teeth are carried up only past a lip lifted this far (less: sub-pixel)
OWN_TEETH_CHROMA = (0.18, 0.26)
# Where the photo's enamel is shown (carried up, or over the synthesised row once the jaw drops), its mask loses
# islands and holes narrower than this share of the mouth width (~2.5 mm, under half a central incisor) and
# ramps in over it: see _steady.
MASK_CLEAN = 0.05
# The photo's teeth are measured over its central incisors (this share of the mouth width either side of the
# midline); the synthesised crowns take their length, within these shares of UPPER_CROWN: a relaxed lip
# shows 1-4 mm of the upper centrals (Vig & Brundo 1978). Not much longer: where the photo's upper teeth touch
# its lower ones the measure runs on into them, and the synthesised laterals hung below the photo's.
PHOTO_CROWN_ACROSS = 0.1
PHOTO_CROWN_SCALE = (0.35, 1.15)
# A photo whose upper lip covers most of its teeth (its crowns shorter than the synthesised, PHOTO_CROWN_SCALE) shows
# more of them as the jaw opens wide: the stretched lip thins and its inner rim rolls up off the crowns. They
# lengthen by LIP_ROLL of the way to the full crown as the lips' gap goes from LIP_ROLL_GAP[0] to [1] of the
# mouth width: at their photo's length full3's row was a 2 px ribbon over a void at jawOpen .7.
LIP_ROLL = 0.5
LIP_ROLL_GAP = (0.15, 0.45)
# The photo's dark gap past its inner corners, carried by the warp, is closed over (see _mend_corner_tails): lines
# narrower than TAIL_CLOSE of the mouth width, within its reach plus TAIL_MARGIN of the mouth width of each corner.
TAIL_CLOSE = 0.08
TAIL_MARGIN = 0.05
# The photo's teeth "right under its lip" (see _photo_crown_scale): this far (px) below its inner-lip landmarks.
LIP_LIGHT_DEPTH_PX = 1.0
# ... a pixel short of their edge: ending on it, the synthesised crowns showed as a pale band under the photo's
# teeth's own dark rim (a crack across the teeth on full3).
CROWN_UNDER_OWN_PX = 1.0


@dataclass(frozen=True)
class MouthColours:
    """RGB colours (float32, 0..255) taken from the photo: teeth balanced to the sclera (their brightest,
    lit front), the cavity near the lips (warm, from darkened lip tones) and at the back (cavity_deep),
    tongue and gums from the lips; blur, (1,): the photo's own blur around the mouth, a Gaussian sigma in px
    (see EDGE_REACH_PX), which the drawn interior takes; overhang, (1,): how far a moustache or a deep shade
    over the upper lip shades the teeth under it (0..1, see MOUSTACHE_REACH)."""

    teeth: np.ndarray
    cavity: np.ndarray
    tongue: np.ndarray
    cavity_deep: np.ndarray
    gums: np.ndarray
    blur: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(1, np.float32))
    overhang: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(1, np.float32))


def _polygon_mask(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
    return mask


def sample_colours(image: np.ndarray, landmarks_xy: np.ndarray) -> MouthColours:
    """Teeth, cavity, tongue and gum colours for the face whose landmarks are given.

    The teeth are matched to the picture's own tonal range rather than to a fixed white: lit like the skin
    around the mouth (a dark painting keeps dark teeth, a bright photo light ones), a little lighter than it
    by enamel's higher albedo, at least as light as a lit sclera would make them, never above the face's own
    highlights, and coloured like that skin with most of its chroma taken out (a warm varnish gives a warm
    ivory, a cool photo a near-neutral one)."""
    height, width = image.shape[:2]
    lips = np.concatenate(
        [landmarks_xy[list(topo.LIP_UPPER_OUTER)], landmarks_xy[list(topo.LIP_LOWER_OUTER[::-1])]]
    )
    inner = np.concatenate(
        [landmarks_xy[list(topo.LIP_UPPER_INNER)], landmarks_xy[list(topo.LIP_LOWER_INNER[::-1])]]
    )
    lips_in = _polygon_mask((height, width), lips) > 128
    lip_mask = lips_in & (_polygon_mask((height, width), inner) < 64)
    lip = np.median(image[lip_mask], axis=0) if lip_mask.sum() > 10 else np.array([150.0, 90.0, 90.0])
    lip = lip.astype(np.float32)

    sclera_pixels, despeckled = [], []
    for upper, lower, iris in (
        (topo.EYE_RIGHT_UPPER, topo.EYE_RIGHT_LOWER, topo.IRIS_RIGHT),
        (topo.EYE_LEFT_UPPER, topo.EYE_LEFT_LOWER, topo.IRIS_LEFT),
    ):
        eye = np.concatenate([landmarks_xy[list(upper)], landmarks_xy[list(lower[::-1])]])
        mask = _polygon_mask((height, width), eye) > 200
        centre = landmarks_xy[iris[0]]
        radius = np.linalg.norm(landmarks_xy[list(iris[1:])] - centre, axis=1).mean() * 1.15
        ys, xs = np.nonzero(mask)
        keep = np.hypot(xs - centre[0], ys - centre[1]) > radius
        sclera_pixels.append(image[ys[keep], xs[keep]])
        despeckled.append(_despeckled(image, ys[keep], xs[keep]))
    sclera = np.concatenate(sclera_pixels).astype(np.float32)
    face_mask = _polygon_mask((height, width), landmarks_xy[list(topo.face_oval())]) > 128
    face = image[face_mask & ~lips_in].astype(np.float32)
    if len(face) < 20:  # a degenerate detection: the lips stand in for the skin
        face = np.concatenate([image[lip_mask].astype(np.float32), lip[None]])
    skin = np.median(face, axis=0)
    # The skin around the mouth (within about a mouth width of it): lit as the teeth are, which on a
    # painting with a bright forehead and a shaded beard is much darker than the face's highlights.
    corners = landmarks_xy[[topo.LIP_UPPER_OUTER[0], topo.LIP_UPPER_OUTER[-1]]]
    mouth_w = max(float(np.linalg.norm(corners[1] - corners[0])), 2.0)
    centre = lips.mean(axis=0)
    ys, xs = np.nonzero(face_mask & ~lips_in)
    near = np.hypot((xs - centre[0]) / (1.0 * mouth_w), (ys - centre[1]) / (0.75 * mouth_w)) < 1.0
    local = image[ys[near], xs[near]].astype(np.float32) if near.sum() >= 20 else face
    local_lit = _band_colour(local, LIT_PERCENTILES)
    # The skin just above the upper lip: a moustache or a heavy shadow there keeps the teeth under it in
    # shade (the ratio of its median level to the lit skin's, against a clean-shaven face's).
    top = landmarks_xy[topo.LIP_UPPER_OUTER[len(topo.LIP_UPPER_OUTER) // 2]]
    above = (
        np.hypot((xs - top[0]) / (0.35 * mouth_w), (ys - (top[1] - 0.15 * mouth_w)) / (0.12 * mouth_w)) < 1
    )
    above_level = float(np.median(image[ys[above], xs[above]].mean(axis=1))) if above.sum() >= 10 else 0.0
    shaded_by = max(above_level, 1.0) / max(float(np.mean(local_lit)), 1.0) / UPPER_LIP_SKIN
    mouth_shade = float(np.clip(np.sqrt(shaded_by), MOUSTACHE_SHADE, 1.0)) if above_level > 0 else 1.0
    face_top = float(np.mean(_band_colour(face, HIGHLIGHT_PERCENTILES)))
    lit_level = float(np.mean(local_lit))
    if len(sclera) >= 12:
        luminance = sclera.mean(axis=1)
        sclera_level = float(np.mean(np.median(sclera[luminance >= np.percentile(luminance, 80)], axis=0)))
        # (read where specks are filtered out: a small eye's brightest pixels are its catchlights, and sad1's
        # two brightest of 97 let her teeth rise to 1.1 x her lit skin, bright cream teeth that popped)
        sclera_top = float(np.percentile(np.concatenate(despeckled), SCLERA_TOP_PERCENTILE))
    else:  # tiny or hidden eyes
        sclera_level, sclera_top = 0.0, 255.0
    # Lighter than the lit skin by enamel's albedo, compressed near white as a picture's tone curve is.
    over_skin = min((TEETH_OVER_SKIN - 1.0) * lit_level, SKIN_TO_WHITE * max(255.0 - lit_level, 0.0))
    lip_level = float(np.mean(lip))
    level = max(lit_level + over_skin, sclera_level * TEETH_UNDER_SCLERA, lip_level * TEETH_OVER_LIPS)
    level = max(level * mouth_shade, lip_level * TEETH_OVER_LIPS)
    ceiling = min(
        face_top + HIGHLIGHT_HEADROOM * max(255.0 - face_top, 0.0),
        TEETH_MAX_LEVEL,
        max(sclera_top, SCLERA_CAP_MIN_OF_SKIN * lit_level, lip_level * TEETH_OVER_LIPS),
    )
    level = float(np.clip(level, 40.0, ceiling))
    colourful = float(np.ptp(skin)) > 8  # a grayscale photo gets grey teeth, not tinted ones
    if colourful:
        # The skin's hue with most of its chroma taken out; enamel stays warm (R >= G >= B) whatever the
        # photo's white balance, and never takes more than a faint tint.
        yellow = float((local_lit[0] + local_lit[1]) / 2 - local_lit[2])
        red = float(local_lit[0] - local_lit[1])
        chroma = TEETH_CHROMA * yellow * np.array([1 / 3, 1 / 3, -2 / 3], np.float32)
        chroma += TEETH_RED_CHROMA * red * np.array([0.5, -0.5, 0.0], np.float32)
        chroma *= level / max(lit_level, 1.0)
        chroma = np.clip(chroma, -TEETH_MAX_CHROMA * level, TEETH_MAX_CHROMA * level)
        teeth = level + chroma
        teeth[1] = min(teeth[1], teeth[0] - TEETH_MIN_WARMTH * 0.5 * level)
        teeth[2] = min(teeth[2], teeth[1] - TEETH_MIN_WARMTH * level)
        teeth += level - float(np.mean(teeth))
    else:
        teeth = np.full(3, level, np.float32)
    teeth = np.clip(teeth, 0, 255)
    if colourful:
        # (the inside of the mouth from the lips as they would be unpainted: lipstick colours no mucosa)
        bare_lip = _bounded(lip, local_lit, NATURAL_LIP_SAT_OVER_SKIN, NATURAL_LIP_HUE_UNDER_SKIN)
        cavity = np.clip(bare_lip * np.array([0.46, 0.26, 0.26]), 0, 255)
        deep = np.clip(bare_lip * np.array([0.16, 0.08, 0.085]), 0, 255)
        tongue = np.clip(bare_lip * np.array([0.85, 0.55, 0.55]), 0, 255)
        gums = np.clip(bare_lip * np.array([0.9, 0.62, 0.62]), 0, 255)
    else:  # a grayscale photo keeps a grayscale mouth
        grey = float(np.mean(lip))
        cavity, deep = np.full(3, grey * 0.27), np.full(3, grey * 0.11)
        tongue, gums = np.full(3, grey * 0.6), np.full(3, grey * 0.75)
    # A mouth is dark, never black: the cavity keeps some of the lips' tone even in dim photos.
    cavity = np.maximum(cavity, 30.0 * cavity / max(float(np.max(cavity)), 1.0))
    deep = np.maximum(deep, 14.0 * deep / max(float(np.max(deep)), 1.0))
    # Nor a hole darker than the picture's own lighting makes it: the mouth's walls and the tongue catch
    # light bounced from the lips and skin, so they keep a share of the lit skin's level, and that bounce
    # is less saturated than the lips (deep, saturated lips otherwise give a flat red-black hole).
    cavity = _lifted(cavity, CAVITY_OF_SKIN * lit_level)
    deep = _lifted(deep, DEEP_OF_SKIN * lit_level)
    tongue = _lifted(tongue, TONGUE_OF_SKIN * lit_level)
    if colourful:
        tongue = _bounded(tongue, local_lit, TONGUE_SAT_OVER_SKIN)
        tongue = _tongue_lit(tongue, local_lit)
    return MouthColours(
        teeth=teeth.astype(np.float32),
        cavity=cavity.astype(np.float32),
        tongue=tongue.astype(np.float32),
        cavity_deep=deep.astype(np.float32),
        gums=gums.astype(np.float32),
        blur=np.array([_photo_blur(image, lips.mean(axis=0), mouth_w)], np.float32),
        overhang=np.array([(1.0 - mouth_shade) / (1.0 - MOUSTACHE_SHADE)], np.float32),
    )


def _photo_blur(image: np.ndarray, centre: np.ndarray, mouth_w: float) -> float:
    """The photo's own blur around the mouth (within a mouth width of its centre, lips included), as the sigma
    (px) of a Gaussian: from the width of its sharper edges (see EDGE_REACH_PX); 0 for a sharp photo or one
    with too few edges there."""
    height, width = image.shape[:2]
    x0, y0 = max(int(centre[0] - mouth_w) - 1, 0), max(int(centre[1] - 0.75 * mouth_w) - 1, 0)
    x1, y1 = min(int(centre[0] + mouth_w) + 2, width), min(int(centre[1] + 0.75 * mouth_w) + 2, height)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return 0.0
    grey = image[y0:y1, x0:x1].astype(np.float32).mean(axis=2)
    gy, gx = np.gradient(grey)
    magnitude = np.hypot(gx, gy)
    ys, xs = np.indices(grey.shape)
    near = np.hypot((xs + x0 - centre[0]) / mouth_w, (ys + y0 - centre[1]) / (0.75 * mouth_w)) < 1.0
    peak = (magnitude >= cv2.dilate(magnitude, np.ones((3, 3), np.uint8))) & (magnitude > 1.0) & near
    ys, xs = np.nonzero(peak)
    dx, dy = gx[ys, xs] / magnitude[ys, xs], gy[ys, xs] / magnitude[ys, xs]

    def at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return cv2.remap(
            grey,
            x.astype(np.float32)[None],
            y.astype(np.float32)[None],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )[0]

    sigma, reach = 0.0, EDGE_REACH_PX
    for _ in range(2):  # (a blurrier photo measured again over a reach of EDGE_REACH_SIGMAS of its blur)
        contrast = at(xs + reach * dx, ys + reach * dy) - at(xs - reach * dx, ys - reach * dy)
        strong = contrast > EDGE_MIN_CONTRAST
        if strong.sum() < EDGE_MIN_COUNT:
            return 0.0
        edge_px = float(np.percentile(contrast[strong] / magnitude[ys[strong], xs[strong]], EDGE_PERCENTILE))
        sigma = float(
            np.interp(np.sqrt(max(edge_px * edge_px - 4.0, 0.0)), _edge_widths(reach), _EDGE_SIGMAS)
        )
        if EDGE_REACH_SIGMAS * sigma <= reach:
            break
        reach = EDGE_REACH_SIGMAS * sigma
    return min(sigma, MAX_BLUR_OF_MOUTH * mouth_w)


def _edge_widths(reach: float) -> np.ndarray:
    """The width (px, beyond a pixel step's) an edge blurred by each of _EDGE_SIGMAS measures over `reach`."""
    return np.array(
        [np.sqrt(2.0 * np.pi) * s * math.erf(reach / max(s * np.sqrt(2.0), 1e-6)) for s in _EDGE_SIGMAS]
    )


def _ivory(colour: np.ndarray) -> np.ndarray:
    """`colour` (RGB) at the same mean level with enamel's warm order R >= G >= B (TEETH_MIN_WARMTH apart, as
    sample_colours makes the synthesised tone): small teeth in a pink-lit photo read as magenta-grey (full3,
    [159, 136, 143]), and carried on beside them that tone read as gums, not teeth."""
    level = float(np.mean(colour))
    out = np.array(colour, np.float32)
    out[1] = min(out[1], out[0] - TEETH_MIN_WARMTH * 0.5 * level)
    out[2] = min(out[2], out[1] - TEETH_MIN_WARMTH * level)
    return np.clip(out + (level - float(np.mean(out))), 0, 255).astype(np.float32)


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.asarray(rgb, np.float32).reshape(1, 1, 3) / 255.0, cv2.COLOR_RGB2Lab)[0, 0]


def _bounded(
    colour: np.ndarray,
    skin: np.ndarray,
    sat_over: float,
    hue_under: tuple[float, float] | None = None,
) -> np.ndarray:
    """`colour` (RGB) at its own Lab lightness with its saturation (Lab chroma / L*) at most the lit `skin`'s plus
    `sat_over` and, given `hue_under`, its Lab hue within that many degrees below the skin's (see
    NATURAL_LIP_SAT_OVER_SKIN): a lipstick's colour taken back to a bare lip's, a tongue kept a tongue's."""
    lightness, a, b = (float(x) for x in _lab(colour))
    skin_l, skin_a, skin_b = (float(x) for x in _lab(skin))
    chroma = float(np.hypot(a, b))
    most = (float(np.hypot(skin_a, skin_b)) / max(skin_l, 1.0) + sat_over) * lightness
    hue = float(np.arctan2(b, a))
    turned = False
    if hue_under is not None:
        skin_hue = float(np.degrees(np.arctan2(skin_b, skin_a)))
        under = (skin_hue - float(np.degrees(hue)) + 180.0) % 360.0 - 180.0
        turned = not hue_under[0] <= under <= hue_under[1]
        hue = float(np.radians(skin_hue - float(np.clip(under, *hue_under))))
    if chroma <= most and not turned:
        return np.asarray(colour, np.float32)  # (no round trip through Lab: bare lips' tongues as they were)
    chroma = min(chroma, most)
    lab = np.array([[[lightness, chroma * np.cos(hue), chroma * np.sin(hue)]]], np.float32)
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)[0, 0] * 255.0, 0, 255).astype(np.float32)


def _tongue_lit(colour: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """`colour` (RGB) at least TONGUE_LIGHTNESS_OF_SKIN of the lit `skin`'s Lab lightness (its saturation, Lab chroma
    over L*, kept) and at most TONGUE_MAX_SAT saturated: a tongue's pink, not a maroon (see TONGUE_MAX_SAT)."""
    lightness, a, b = (float(x) for x in _lab(colour))
    lit = max(lightness, TONGUE_LIGHTNESS_OF_SKIN * float(_lab(skin)[0]))
    chroma = float(np.hypot(a, b))
    new_chroma = min(chroma * lit / max(lightness, 1.0), TONGUE_MAX_SAT * lit)
    if lit == lightness and new_chroma >= chroma:
        return np.asarray(colour, np.float32)  # (no round trip through Lab)
    scale = new_chroma / max(chroma, 1e-6)
    lab = np.array([[[lit, a * scale, b * scale]]], np.float32)
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)[0, 0] * 255.0, 0, 255).astype(np.float32)


def _lifted(colour: np.ndarray, level: float) -> np.ndarray:
    """`colour` with its mean level raised to at least `level`, a quarter of the lift neutral (bounce light
    is less saturated than the lips it comes from); unchanged if already that light."""
    mean = float(np.mean(colour))
    if mean >= level:
        return colour
    scaled = colour * (level / max(mean, 1.0))
    return np.clip(scaled + BOUNCE_NEUTRAL * (level - scaled), 0, 255)


def _band_colour(pixels: np.ndarray, percentiles: tuple[float, float]) -> np.ndarray:
    """Mean RGB of the pixels whose mean-RGB level lies between two percentiles (robust to specks)."""
    level = pixels.mean(axis=1)
    lo, hi = np.percentile(level, percentiles)
    band = pixels[(level >= lo) & (level <= hi)]
    return (band if len(band) else pixels).mean(axis=0).astype(np.float32)


def _despeckled(image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The mean-RGB levels (float32) at pixels (ys, xs) of `image` after a 3 x 3 median filter (over their
    bounding box and a pixel round it): specks of a few pixels, a catchlight, drop to their surroundings."""
    if len(ys) == 0:
        return np.zeros(0, np.float32)
    y0, x0 = max(int(ys.min()) - 1, 0), max(int(xs.min()) - 1, 0)
    y1, x1 = min(int(ys.max()) + 2, image.shape[0]), min(int(xs.max()) + 2, image.shape[1])
    box = cv2.medianBlur(np.ascontiguousarray(image[y0:y1, x0:x1]), 3)
    return box[ys - y0, xs - x0].astype(np.float32).mean(axis=1)


@dataclass(frozen=True)
class PhotoMouth:
    """The photo's own mouth opening, to reuse its teeth: the source image, the opening's outline in it
    (src_xy, (22, 2): upper inner lip then lower inner lip, corner to corner) and where the skull has
    carried that outline in this frame (dst_xy, (22, 2))."""

    image: np.ndarray
    src_xy: np.ndarray
    dst_xy: np.ndarray


def _photo_interior(
    photo: PhotoMouth,
    origin_xy: tuple[int, int],
    shape: tuple[int, int],
    ex: np.ndarray,
    ey: np.ndarray,
    mouth_px: float,
    carry_up: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """The photo's mouth interior moved with the skull into a canvas window: texture (3, H, W), cover
    (H, W) 0..1, opening (H, W) 0..1, continued (3, H, W) and within (H, W) 0..1 (colours channel first). The cover's lower part
    fades out: the photo's lower teeth belong to the jaw, not the skull; `opening` is all below the photo's
    upper inner lip between its corners; `continued` is the texture with its teeth carried on upwards past
    that lip (each column as it is PHOTO_TEETH_READ below the lip; None unless `carry_up`), `within` its
    corners."""
    dst = photo.dst_xy.astype(np.float64) - np.array(origin_xy, np.float64)
    # The skull's motion of the outline, as one affine map (least squares over its 22 points).
    affine = (_affine_solver(photo) @ dst).T.astype(np.float32)
    texture = cv2.warpAffine(
        photo.image, affine, (shape[1], shape[0]), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101
    ).astype(np.float32)
    texture_chw = _channels_first(texture)
    upper, lower = (
        photo.dst_xy[:11] - np.array(origin_xy, np.float32),
        photo.dst_xy[11:] - np.array(origin_xy, np.float32),
    )
    outline = np.concatenate([upper, lower[::-1]])
    cover = _polygon_mask(shape, outline).astype(np.float32) / 255
    base = np.add.reduce(upper, axis=0) / len(upper)  # (its mean: the same numbers, less overhead)
    # (the same numbers as a pixel grid's offsets from `base` times ex and ey, in four small operations)
    xs = np.arange(shape[1], dtype=np.float32) - base[0]
    ys = np.arange(shape[0], dtype=np.float32)[:, None] - base[1]
    u, v = xs * ex[0] + ys * ex[1], xs * ey[0] + ys * ey[1]
    base_u, base_v = base @ ex, base @ ey
    u_ends = upper @ ex - base_u
    v_top = _line_v(u_ends, upper @ ey - base_v, u)
    v_bottom = _line_v(lower @ ex - base_u, lower @ ey - base_v, u)
    depth = _clamp((v - v_top) / np.maximum(v_bottom - v_top, 1.0), 0, 1)
    cover *= 1 - _clamp((depth - 0.55) / 0.4, 0, 1)
    # Below the photo's upper inner lip, between its corners: where its own teeth (or its gap) stand.
    to_end = np.minimum(u - float(u_ends.min()), float(u_ends.max()) - u)
    within = _soft(to_end, AA_PX)
    opening = _soft(v - v_top, AA_PX) * within
    if not carry_up:
        return texture_chw, cover, opening, None, within
    # (a few rows' mean, from PHOTO_TEETH_READ below the lip to twice that: one row's grain carried up a
    # whole crown would run as streaks)
    read = PHOTO_TEETH_READ * mouth_px + AA_PX
    rows = max(1, int(round(read)) | 1)
    smooth = cv2.blur(texture, (1, rows), borderType=cv2.BORDER_REPLICATE) if rows > 1 else texture
    v_read = np.maximum(v, v_top + 1.5 * read)
    continued = cv2.remap(
        smooth,
        np.ascontiguousarray(base[0] + u * ex[0] + v_read * ey[0], np.float32),
        np.ascontiguousarray(base[1] + u * ex[1] + v_read * ey[1], np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    # Carried up a whole crown, each column's dark separation (and the lip's shadow between two teeth, read
    # just under it) ran as a stripe up to the gum: above the rows read, the columns keep CARRY_DETAIL of
    # their difference from their neighbours' mean (over CARRY_ALONG of the mouth width).
    size = max(3, int(round(CARRY_ALONG * mouth_px)) | 1)
    along = cv2.blur(continued, (size, 1), borderType=cv2.BORDER_REPLICATE)
    carried = _clamp((v_top + 1.5 * read - v) * (1.0 / read), 0.0, 1.0) * (1.0 - CARRY_DETAIL)
    continued += cv2.merge((carried, carried, carried)) * (along - continued)
    return texture_chw, cover, opening, _channels_first(continued), within


# Per photo and outline (as _CORNER_REACH below): the least-squares solver of its skull's affine map.
_AFFINE_SOLVER: dict[tuple[int, bytes], tuple[weakref.ref, np.ndarray]] = {}


def _affine_solver(photo: PhotoMouth) -> np.ndarray:
    """(3, 22): the pseudo-inverse of [src_xy, 1], so that solver @ dst_xy is the least-squares affine map (as
    its transpose) from the photo's mouth outline to where the skull carried it. Cached per photo."""
    key = (id(photo.image), photo.src_xy.astype(np.float32).tobytes())
    cached = _AFFINE_SOLVER.get(key)
    if cached is None or cached[0]() is not photo.image:
        if len(_AFFINE_SOLVER) > 16:
            _AFFINE_SOLVER.clear()
        src = photo.src_xy.astype(np.float64)
        solver = np.linalg.pinv(np.column_stack([src, np.ones(len(src))]))
        cached = _AFFINE_SOLVER[key] = (weakref.ref(photo.image), solver)
    return cached[1]


_PHOTO_TEETH: dict[tuple[int, bytes], np.ndarray | None] = {}  # per photo and outline: its teeth's colour


def _photo_teeth_colour(photo: PhotoMouth, colours: MouthColours) -> np.ndarray | None:
    """The lit front of the photo's own teeth (RGB): the median of the lightest PHOTO_TEETH_SHARE of its
    opening's teeth-like pixels, None when too few show. Cached: the same for every frame of a photo."""
    key = (id(photo.image), photo.src_xy.astype(np.float32).tobytes())
    if key in _PHOTO_TEETH:
        return _PHOTO_TEETH[key]
    outline = np.concatenate([photo.src_xy[:11], photo.src_xy[11:][::-1]]).astype(np.float32)
    box = bounding_region(outline, photo.image.shape[1], photo.image.shape[0], margin_px=1)
    mask = _polygon_mask((box.height, box.width), outline - np.array([box.x0, box.y0], np.float32)) > 200
    pixels = photo.image[box.slices][mask].astype(np.float32)
    colour = None
    if len(pixels) >= 8:
        like = _teeth_like(pixels[None], colours)[0, :, 0] > 0.5
        # (enamel is nearly neutral: the lips' rim inside the landmarks is as light, but pink)
        chroma = (pixels.max(axis=1) - pixels.min(axis=1)) / np.maximum(pixels.mean(axis=1), 1.0)
        enamel = like & (chroma < OWN_TEETH_CHROMA[1])
        like = enamel if enamel.sum() >= 6 else like
        if like.sum() >= 6:
            teeth = pixels[like]
            level = teeth.mean(axis=1)
            colour = np.median(teeth[level >= np.percentile(level, 100 * (1 - PHOTO_TEETH_SHARE))], axis=0)
            colour = _ivory(colour.astype(np.float32))
    if len(_PHOTO_TEETH) > 16:
        _PHOTO_TEETH.clear()
    _PHOTO_TEETH[key] = colour
    return colour


# Per photo, outline and size (known by id() and a weak reference, as _CORNER_REACH below): its crown scale.
_PHOTO_CROWN: dict[tuple[int, bytes, float], tuple[weakref.ref, tuple[float, float]]] = {}


def _photo_crown_scale(photo: PhotoMouth, colours: MouthColours, mouth_px: float) -> tuple[float, float]:
    """How far the photo's own upper teeth show below its upper inner lip in the middle of the mouth, as a
    share of the synthesised central crown (UPPER_CROWN[0]), within PHOTO_CROWN_SCALE; 1 when too few show.
    And how light the photo is right under that lip (its first LIP_LIGHT_DEPTH_PX) against its teeth's body
    (0..1; 0 when too few show): the synthesised row's shade under the lip goes no deeper (see draw_mouth).
    The synthesised row under and beside the photo's teeth takes their length: longer, it hung a second row
    of crowns under them; drawn only outside them, a wide opening was a void beside a sliver of teeth (full3).
    Read on a grid hanging from the photo's upper inner lip (half-pixel steps), not inside its lower lip: the
    measure is the teeth's, whatever the lower lip covers of them. Cached: the same for every frame."""
    key = (id(photo.image), photo.src_xy.astype(np.float32).tobytes(), float(mouth_px))
    cached = _PHOTO_CROWN.get(key)
    if cached is not None and cached[0]() is photo.image:
        return cached[1]
    upper = photo.src_xy[:11].astype(np.float32)
    along = upper[-1] - upper[0]
    along /= max(float(np.linalg.norm(along)), 1e-6)
    down = np.array([-along[1], along[0]], np.float32)
    down = down if down[1] > 0 else -down
    middle = 0.5 * (upper[0] + upper[-1])
    u = np.arange(-PHOTO_CROWN_ACROSS * mouth_px, PHOTO_CROWN_ACROSS * mouth_px + 0.5, 0.5, dtype=np.float32)
    depth = np.arange(0.0, PHOTO_CROWN_SCALE[1] * UPPER_CROWN[0] * mouth_px + 1.0, 0.5, dtype=np.float32)
    v = _line_v((upper - middle) @ along, (upper - middle) @ down, u)[None, :] + depth[:, None]
    x = middle[0] + u[None, :] * along[0] + v * down[0]
    y = middle[1] + u[None, :] * along[1] + v * down[1]
    pixels = cv2.remap(photo.image, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(
        np.float32
    )
    level = _mean3(pixels)
    chroma = (pixels.max(axis=2) - pixels.min(axis=2)) / np.maximum(level, 1.0)
    # Enamel: lit like teeth and nearly neutral (the lips' rim inside the landmarks is as light, but pink).
    enamel = (_teeth_like_level(level, colours) > 0.5) & (chroma < OWN_TEETH_CHROMA[1])
    lengths = []
    for column in enamel.T:  # per column: down from the lip to the first gap after the enamel (its edge)
        rows = np.nonzero(column)[0]
        if len(rows):
            gaps = np.nonzero(np.diff(rows) > 2)[0]  # (over a pixel: the dark between upper and lower teeth)
            lengths.append(float(depth[rows[gaps[0]] if len(gaps) else rows[-1]]) + 0.5 - CROWN_UNDER_OWN_PX)
    scale, light = 1.0, 0.0
    if len(lengths) >= 0.3 * len(u):
        scale = float(np.clip(np.median(lengths) / (UPPER_CROWN[0] * mouth_px), *PHOTO_CROWN_SCALE))
        body = float(np.median(level[enamel]))
        light = min(float(np.median(level[depth <= LIP_LIGHT_DEPTH_PX])) / max(body, 1.0), 1.0)
    if len(_PHOTO_CROWN) > 16:
        _PHOTO_CROWN.clear()
    _PHOTO_CROWN[key] = (weakref.ref(photo.image), (scale, light))
    return scale, light


def _photo_share(photo: PhotoMouth, mouth_px: float) -> float:
    """How far the photo's own mouth is shown rather than the synthesised one (0..1, by its lip gap)."""
    photo_gap = float(np.max(np.linalg.norm(photo.src_xy[11:] - photo.src_xy[:11], axis=1)))
    return float(_smooth01((photo_gap / mouth_px - PHOTO_TEETH_FROM) / (PHOTO_TEETH_FULL - PHOTO_TEETH_FROM)))


def _with_photo_teeth(colours: MouthColours, photo: PhotoMouth, share: float) -> MouthColours:
    """`colours` with the synthesised teeth toned as the photo's own, as far as its teeth are shown (they
    meet them where a smile lifts the lip): the face's own light on its own enamel. share: _photo_share."""
    own = _photo_teeth_colour(photo, colours) if share > 0 else None
    if own is None:
        return colours
    return dataclasses.replace(
        colours, teeth=(colours.teeth + share * (own - colours.teeth)).astype(np.float32)
    )


# Per photo, outline and size. The photo is known by id() and a weak reference to it: an id can be reused by
# a new array once the old one is freed, and the reference tells the two apart without keeping the old alive.
_CORNER_REACH: dict[tuple[int, bytes, float], tuple[weakref.ref, tuple[float, float]]] = {}


def _photo_corner_reach(photo: PhotoMouth, mouth_px: float) -> tuple[float, float]:
    """How far (px) the photo's dark gap runs on past each inner corner landmark (first, last), along the
    line between them: mediapipe's inner corners sit short of a parted mouth's visible corners. Cached."""
    key = (id(photo.image), photo.src_xy.astype(np.float32).tobytes(), float(mouth_px))
    cached = _CORNER_REACH.get(key)
    if cached is None or cached[0]() is not photo.image:
        if len(_CORNER_REACH) > 16:
            _CORNER_REACH.clear()
        cached = _CORNER_REACH[key] = (weakref.ref(photo.image), _corner_reach(photo, mouth_px))
    return cached[1]


def _corner_reach(photo: PhotoMouth, mouth_px: float) -> tuple[float, float]:
    image = photo.image
    reach = []
    for corner, other in ((photo.src_xy[0], photo.src_xy[10]), (photo.src_xy[10], photo.src_xy[0])):
        out = corner - other
        out = out / max(float(np.linalg.norm(out)), 1e-6)
        t = np.linspace(-CORNER_SEARCH[0], CORNER_SEARCH[1], 24, dtype=np.float32) * mouth_px
        xy = corner[None, :] + t[:, None] * out[None, :]
        xs = np.clip(np.round(xy[:, 0]).astype(int), 0, image.shape[1] - 1)
        ys = np.clip(np.round(xy[:, 1]).astype(int), 0, image.shape[0] - 1)
        level = image[ys, xs].astype(np.float32).mean(axis=1)
        # The lips just above and below the corner: as light as the lips past the gap's end.
        across = np.array([-out[1], out[0]]) * (CORNER_LIP_OFFSET * mouth_px)
        lips = np.clip(np.round(np.stack([corner + across, corner - across])).astype(int), 0, None)
        lips = np.minimum(lips, [image.shape[1] - 1, image.shape[0] - 1])
        outside = float(image[lips[:, 1], lips[:, 0]].astype(np.float32).mean())
        inside = float(level[t <= 0].min())
        if outside - inside < CORNER_GAP_CONTRAST:  # no dark gap at this corner: nothing to cover
            reach.append(0.0)
            continue
        light = level > 0.5 * (inside + outside)
        past = np.nonzero((t > 0) & light)[0]
        reach.append(float(t[past[0]]) if len(past) else float(t[-1]))
    return reach[0], reach[1]


def _past_photo_corners(
    inner_polygon_xy: np.ndarray, photo: PhotoMouth, mouth_px: float, share: float | None = None
) -> np.ndarray:
    """The posed inner-lip outline with its corners carried on as far as the photo's dark gap runs past
    them: the warp stretches that strip of the photo open with the jaw, which otherwise shows as a dark red
    wedge beyond the drawn interior."""
    # (as far as the photo's own mouth is shown: a barely parted one hands over to the synthesised mouth)
    share = _photo_share(photo, mouth_px) if share is None else share
    first, last = (share * reach for reach in _photo_corner_reach(photo, mouth_px))
    if first <= 0.0 and last <= 0.0:
        return inner_polygon_xy
    out = np.array(inner_polygon_xy, np.float32)
    along = out[10] - out[0]
    along /= max(float(np.linalg.norm(along)), 1e-6)
    out[0] -= first * along
    out[10] += last * along
    return out


def _enamel(texture: np.ndarray, colours: MouthColours) -> np.ndarray:
    """(H, W) 0..1: how much each pixel of a (3, H, W) photo texture is its teeth's enamel: lit like teeth (see
    PHOTO_TEETH_LIGHT) and nearly neutral (see OWN_TEETH_CHROMA)."""
    red, green, blue = texture
    level = (red + green + blue) / 3
    chroma = (np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)) / (
        np.maximum(level, 1.0)
    )
    return _teeth_like_level(level, colours) * _smooth01(
        (OWN_TEETH_CHROMA[1] - chroma) * (1.0 / (OWN_TEETH_CHROMA[1] - OWN_TEETH_CHROMA[0]))
    )


def _teeth_like(texture: np.ndarray, colours: MouthColours) -> np.ndarray:
    """(H, W, 1) 0..1: how much each pixel of the photo's mouth interior is lit like its teeth rather than
    dark like the gap behind them (see PHOTO_TEETH_LIGHT)."""
    return _teeth_like_level(_mean3(texture), colours)[..., None]


def _teeth_like_level(level: np.ndarray, colours: MouthColours) -> np.ndarray:
    """_teeth_like of pixels whose channel mean is `level` (same shape, float32)."""
    dark, light = float(colours.cavity.mean()), float(colours.teeth.mean())
    lo, hi = (dark + share * (light - dark) for share in PHOTO_TEETH_LIGHT)
    return _smooth01((level - lo) / max(hi - lo, 1.0)).astype(np.float32)


def _steady(mask: np.ndarray, mouth_px: float) -> np.ndarray:
    """A per-pixel 0..1 mask of the photo's enamel with its specks taken out and its ends softened inwards:
    islands and holes under MASK_CLEAN of the mouth width along the rows (an opening, then a closing) go, and
    its ends ramp down inside the enamel over that width (across the rows it is kept: the teeth's edges).
    Per pixel, where the photo's teeth end among its lips' and corners' darker pixels, the mask flickered
    between them and the synthesised row: light and dark specks at the row's end (the astronaut's smile)."""
    size = max(3, int(round(MASK_CLEAN * mouth_px)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, 1))
    clean = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REPLICATE)
    clean = cv2.morphologyEx(clean, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    return np.minimum(clean, cv2.blur(clean, (size, 1), borderType=cv2.BORDER_REPLICATE))


def _mean3(image: np.ndarray) -> np.ndarray:
    """The mean of the three channels of (..., 3) `image`: the same numbers as image.mean(axis=2), a tenth of
    its time (numpy reduces a short last axis slowly)."""
    return (image[..., 0] + image[..., 1] + image[..., 2]) / 3


def _channels_first(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) -> (3, H, W), contiguous. draw_mouth works on colours channel first: numpy broadcasts an
    (H, W) weight over (3, H, W) several times faster than over (H, W, 3) (whose inner loops are 3 long)."""
    return np.ascontiguousarray(image.transpose(2, 0, 1))


_FIRST: dict[int, tuple[weakref.ref, MouthColours]] = {}  # per MouthColours (id and weak reference, as below)


def _colours_first(colours: MouthColours) -> MouthColours:
    """The colours as (3, 1, 1) arrays, to broadcast over channel-first (3, H, W) images. Cached."""
    cached = _FIRST.get(id(colours))
    if cached is None or cached[0]() is not colours:
        if len(_FIRST) > 16:
            _FIRST.clear()
        first = MouthColours(*(getattr(colours, f.name)[:, None, None] for f in dataclasses.fields(colours)))
        cached = _FIRST[id(colours)] = (weakref.ref(colours), first)
    return cached[1]


def _line_v(u_line: np.ndarray, v_line: np.ndarray, u: np.ndarray) -> np.ndarray:
    order = np.argsort(u_line)
    return np.interp(u, u_line[order], v_line[order]).astype(np.float32)


def _clamp(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """np.clip's numbers without its Python wrapper's cost (several microseconds a call, on windows of a few
    hundred pixels: a good share of draw_mouth)."""
    return np.minimum(np.maximum(x, low), high)


def _soft(edge: np.ndarray, width: float) -> np.ndarray:
    """0..1 ramp over `width` pixels around zero of a signed distance-like field."""
    return _clamp(0.5 + edge * (1.0 / max(width, 1e-3)), 0.0, 1.0)


def _smooth01(x: np.ndarray | float) -> np.ndarray | float:
    """Smoothstep of x clipped to 0..1: no kink where a shading ramp starts or ends."""
    if isinstance(x, float):
        x = min(max(x, 0.0), 1.0)
    else:
        x = _clamp(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


@functools.lru_cache(maxsize=64)
def _row(ends: tuple[float, ...], mouth_px: float) -> np.ndarray:
    """Tooth boundaries in pixels from the midline, starting at 0. (Cached, like the other tooth-row
    constants below: the same every frame of a face. Read-only.)"""
    return np.concatenate([[0.0], np.asarray(ends) * mouth_px]).astype(np.float32)


@functools.lru_cache(maxsize=64)
def _scallops(mouth_px: float, detail: float) -> np.ndarray:
    """Per upper tooth, the depth (px) of the gum's scallop over it: GUM_SCALLOP of the mouth width, times
    `detail`, faded out over teeth narrower than GUM_SCALLOP_FULL_PX (none under half of that). Read-only."""
    widths = np.diff(_row(UPPER_TOOTH_ENDS, mouth_px))
    resolved = np.clip((widths - 0.5 * GUM_SCALLOP_FULL_PX) / (0.5 * GUM_SCALLOP_FULL_PX), 0.0, 1.0)
    return (GUM_SCALLOP * mouth_px * detail * resolved * resolved * (3.0 - 2.0 * resolved)).astype(np.float32)


@functools.lru_cache(maxsize=64)
def _tooth_knots(n: int, blend: float) -> np.ndarray:
    """_per_tooth's interpolation knots for n teeth (read-only)."""
    index = np.arange(n, dtype=np.float32)
    return np.stack([index + blend, index + 1.0 - blend], axis=1).ravel()


def _per_tooth(s: np.ndarray, values: np.ndarray | tuple[float, ...], blend: float) -> np.ndarray:
    """A value per tooth (tooth k spans s in k..k+1), held over each tooth and blended over `blend` of a
    tooth either side of each separation: every tooth is its own piece, not a ramp along the row."""
    held = _held_values(values) if isinstance(values, tuple) else np.repeat(values, 2)
    return np.interp(s, _tooth_knots(len(values), blend), held).astype(np.float32)


@functools.lru_cache(maxsize=16)
def _held_values(values: tuple[float, ...]) -> np.ndarray:
    """_per_tooth's knot values for constant per-tooth values (read-only)."""
    return np.repeat(np.asarray(values, np.float32), 2)


@functools.lru_cache(maxsize=64)
def _row_plan(
    ends: tuple[float, ...],
    crowns: tuple[float, ...],
    mouth_px: float,
    detail: float,
    offsets: tuple[tuple[float, ...], tuple[float, ...]] | None,
) -> tuple[np.ndarray, ...]:
    """_teeth_row's constants for a face (read-only): tooth boundaries (px), their indices, the crown lengths'
    knots and values, the tooth widths' knots and values."""
    ends_px = _row(ends, mouth_px)
    index = np.arange(len(ends_px), dtype=np.float32)
    base = np.asarray(crowns, np.float32) * mouth_px
    # On a small mouth the steps between crowns would be pixel steps: there the crown length runs on
    # linearly from one tooth's centre to the next (a blend of half a tooth), and the row keeps its symmetry.
    blend = 0.5 - (0.5 - CROWN_BLEND) * detail
    if offsets is not None:
        # Both sides in one lookup: the left side's teeth numbered on after the right's, two teeth apart.
        # (after the right side's last tooth, that tooth again and then the central: at the row's end the
        # right side's crowns ran on towards the central's length, a hook; the left side's meet the midline)
        right = base + np.asarray(offsets[0], np.float32) * (mouth_px * detail)
        sides = np.concatenate([right, right[-1:], base[:1]])
        base = np.concatenate([sides, base + np.asarray(offsets[1], np.float32) * (mouth_px * detail)])
    return (
        ends_px,
        index,
        _tooth_knots(len(base), blend),
        np.repeat(base, 2),
        index[:-1] + 0.5,
        np.diff(ends_px),
    )


def _teeth_row(
    u: np.ndarray,
    ends: tuple[float, ...],
    crowns: tuple[float, ...],
    mouth_px: float,
    detail: float,
    rounding: float,
    offsets: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
    au: np.ndarray | None = None,
    blur: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel of a row of teeth, by position along the mouth from the midline `u` (px; `au` its absolute
    value when known): tooth coordinate s (tooth k spans k..k+1), crown length (px) with rounded incisal
    corners (and, with `offsets`, each tooth a little longer or shorter on each side), and the surface
    shading across each tooth (0..1: the separations between teeth and each crown's convex face turning away
    at its sides). ends: the row's tooth ends in mouth widths (UPPER_TOOTH_ENDS...); blur: the photo's blur
    (a Gaussian's sigma, px), which the separations take."""
    ends_px, index, knots, crown_values, widths_at, widths = _row_plan(
        ends, crowns, mouth_px, detail, offsets
    )
    au = np.abs(u) if au is None else au
    s = np.interp(au, ends_px, index).astype(np.float32)
    at = s if offsets is None else s + np.float32(len(crowns) + 2) * (u < 0)  # (where to look up crowns)
    crown = np.interp(at, knots, crown_values).astype(np.float32)
    c = 2.0 * (s - np.floor(s)) - 1.0  # -1 .. 1 across each tooth, mesial to distal
    c2 = c * c
    widths = np.interp(s, widths_at, widths).astype(np.float32)
    # Rounded incisal corners, the distal one more (the mesial corners of the centrals are near square),
    # faded out on teeth narrower than ROUNDING_FULL_PX: on teeth a few pixels wide the notch between two was
    # as deep as they were wide, a saw of pixel steps along a smile's row at its ends (art_10).
    resolved = _smooth01((widths - 0.5 * ROUNDING_FULL_PX) * (2.0 / ROUNDING_FULL_PX))
    # Distance to the nearest separation in pixels; a separation is a soft dark line about a pixel wide.
    gap_px = (1.0 - np.abs(c)) * 0.5 * widths
    # Each corner is a quarter circle of radius `radius` px (as far along the edge as up the tooth). Rounded
    # off within the last few per cent of the tooth's width (as c ** 6), art_10's central lost 1.8 px of its
    # distal corner within half a pixel of the separation: a notch in the row's edge, under the lateral's.
    # (less in a soft photo: a notch narrower than its blur is blurred away)
    share = (rounding * detail) * resolved * (1.0 / (1.0 + blur))
    radius = crown * (share * (1.0 + DISTAL_ROUNDING * c))
    # ... and the notch between two teeth goes no higher than the neighbour's own rounded corner: the longer
    # tooth's corner rounds off at most down to it (a V deeper than both edges reads as a chip, art_10's).
    towards = np.where(c > 0.0, np.float32(1.0), np.float32(-1.0))
    other = np.interp(np.floor(at) + 0.5 + towards, knots, crown_values).astype(np.float32)
    radius = np.minimum(
        radius, np.maximum(crown - other * (1.0 - share * (1.0 - DISTAL_ROUNDING * towards)), 0.0)
    )
    corner = _clamp(1.0 - gap_px / np.maximum(radius, 1e-3), 0.0, 1.0)
    crown -= radius * (1.0 - np.sqrt(1.0 - corner * corner))
    # Small mouths keep a faint midline, so the two centrals still read as teeth, not a bar; and a tooth
    # wide enough to show its separation and its convex face in pixels (TOOTH_RESOLVED_PX) shows them whole,
    # whatever the mouth's width: on a small face drawn at its source size and scaled up (sad1, a 44 px
    # mouth at 1024 px) the centrals and laterals were a flat white block with the mouth-wide detail.
    seen = np.maximum(detail, _smooth01((widths - TOOTH_RESOLVED_PX[0]) * _RESOLVED_SPAN))
    depth = TOOTH_GAP_DEPTH * np.maximum(seen, 0.4)
    # A separation is a Gaussian line of variance 1 / 2.8 px^2, blurred as the photo is (wider, as much less deep):
    # sharp 1 px lines in a soft photo's row read as drawn on (the astronaut's face scaled up 4x).
    spread = 1.0 + 2.8 * blur * blur
    depth = depth * (1.0 / np.sqrt(spread))
    # Each labial face is convex: it turns away from the light towards its distal side more than its mesial.
    turn = (0.1 + 0.08 * c) * seen
    if blur > 0.0:  # (and the step from one tooth's turned-away side to the next one's front, as soft)
        c2 = c2 * (1.0 - np.exp(-(gap_px * gap_px) * (0.5 / (blur * blur))))
    surface = (1.0 - depth * np.exp(-(gap_px * gap_px) * (1.4 / spread))) * (1.0 - turn * c2)
    return s, crown, surface


def draw_mouth(
    canvas: np.ndarray,
    origin_xy: tuple[int, int],
    inner_polygon_xy: np.ndarray,
    upper_teeth_xy: np.ndarray,
    lower_teeth_xy: np.ndarray,
    ex: np.ndarray,
    ey: np.ndarray,
    mouth_px: float,
    colours: MouthColours,
    photo: PhotoMouth | None = None,
) -> None:
    """Paint the mouth interior into `canvas` (uint8 RGB, in place) inside the inner-lip polygon.

    Coordinates are image pixels; `origin_xy` is the image position of canvas pixel (0, 0). Everything is a
    smooth function of the geometry (no thresholds that flip between frames). With `photo`, the photo's own
    open mouth (its real teeth) is shown, carried by the skull, over the synthesised one."""
    lift_px = 0.0
    shown = 0.0 if photo is None else _photo_share(photo, float(mouth_px))  # (by its lips' parting)
    if photo is not None and len(inner_polygon_xy) == 20:
        # Lips as far apart as the photo's and not lifted off its teeth (its rest pose, the head moving): the
        # warped photo is the mouth, as the full drawing below would leave it, and nothing is drawn. (Closing
        # lips are drawn: the photo's teeth go behind them rather than squeezed with the mesh.)
        gap_px = float(np.max((inner_polygon_xy[1:10] - inner_polygon_xy[11:][::-1]) @ -np.asarray(ey)))
        photo_gap = float(np.max((photo.src_xy[11:] - photo.src_xy[:11]) @ np.asarray(ey)))
        lift_px = float(np.max((photo.dst_xy[1:10] - inner_polygon_xy[1:10]) @ np.asarray(ey)))
        if shown >= 1.0 and abs(gap_px - photo_gap) <= MIN_LIFT_PX and lift_px <= MIN_LIFT_PX:
            return
        if gap_px < photo_gap:
            closed = float(_smooth01(1.0 - max(gap_px, 0.0) / max(photo_gap, 1e-3)))
            _draw_seam(canvas, origin_xy, inner_polygon_xy, ex, ey, float(mouth_px), colours, closed)
        posed_corners = inner_polygon_xy[[0, 10]].astype(np.float32)
        inner_polygon_xy = _past_photo_corners(inner_polygon_xy, photo, float(mouth_px), shown)
    # (the upper teeth meet the photo's own, so take their tone; so do the lower ones, below)
    upper_tone = colours.teeth
    own_tone = _photo_teeth_colour(photo, colours) if photo is not None and shown > 0 else None
    if own_tone is not None:  # (as _with_photo_teeth)
        upper_tone = (colours.teeth + shown * (own_tone - colours.teeth)).astype(np.float32)
    poly = inner_polygon_xy - np.array(origin_xy, np.float32)
    # (room round the opening for the photo's blur, below; the teeth's edges as soft: a ramp over teeth_edge_px)
    photo_blur = float(colours.blur[0]) if len(colours.blur) else 0.0
    blur_sigma = float(np.sqrt(max(photo_blur * photo_blur - DRAWN_BLUR_PX * DRAWN_BLUR_PX, 0.0)))
    teeth_edge_px = float(np.sqrt(AA_PX * AA_PX + 2.0 * np.pi * blur_sigma * blur_sigma))
    margin = 2 + int(np.ceil(3.0 * photo_blur))
    window = bounding_region(poly, canvas.shape[1], canvas.shape[0], margin_px=margin)
    x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    # The inner polygon is the upper inner lip (11 points, corner to corner) then the lower one back
    # (9 points without the corners): the largest gap between paired columns is the opening.
    opening_px = float(np.max((poly[1:10] - poly[11:][::-1]) @ -ey)) if len(poly) == 20 else 99.0
    fade = min(max((opening_px - MIN_OPENING_PX) / (FULL_OPENING_PX - MIN_OPENING_PX), 0.0), 1.0)
    if fade <= 0:
        return
    alpha = _polygon_mask((y1 - y0, x1 - x0), poly - np.array([x0, y0], np.float32)).astype(np.float32)
    alpha *= 1.0 / 255
    if alpha.max() <= 0:
        return
    w = float(mouth_px)
    ex = np.asarray(ex, np.float32)
    ey = np.asarray(ey, np.float32)
    # Face coordinates of the window's pixels: u along the mouth from the teeth's midline, v down the face.
    centre = (np.add.reduce(upper_teeth_xy, axis=0) / len(upper_teeth_xy)).astype(np.float32)  # (its mean)
    xs = np.arange(x0, x1, dtype=np.float32) + origin_xy[0] - centre[0]
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + origin_xy[1] - centre[1]
    u = xs * ex[0] + ys * ex[1]
    v = xs * ey[0] + ys * ey[1]
    au = np.abs(u)
    basis = np.stack([ex, ey], axis=1)
    up = (upper_teeth_xy - centre) @ basis
    low = (lower_teeth_xy - centre) @ basis
    ipoly = (inner_polygon_xy - centre) @ basis
    if len(poly) == 20:
        lip_top = _line_v(ipoly[:11, 0], ipoly[:11, 1], u)
        lip_bottom = np.concatenate([ipoly[:1], ipoly[11:][::-1], ipoly[10:11]])
        lip_low = _line_v(lip_bottom[:, 0], lip_bottom[:, 1], u)
    else:  # an outline without the rig's columns: assume the whole opening
        lip_top, lip_bottom = v - 0.1 * w, ipoly
        lip_low = v + w
    # How far the lower lip has dropped below the lower teeth's edges (px, largest along the mouth): the
    # tongue and lower teeth are only worth drawing when some of them shows.
    lower_shows = float(np.max(lip_bottom[:, 1] - np.interp(lip_bottom[:, 0], *_sorted(low))))
    if len(poly) == 20:
        alpha *= _rounded_ends(u, v, lip_top, lip_low, ipoly, w)
    detail = min(max((w - DETAIL_FROM_MOUTH_PX) / (DETAIL_FULL_MOUTH_PX - DETAIL_FROM_MOUTH_PX), 0.0), 1.0)

    # The lips' shadow: a blurred inside mask, 1 deep inside the mouth, ~0.5 at the lips' inner edge.
    inside = cv2.GaussianBlur(alpha, (0, 0), max(min(0.05 * w, 0.25 * opening_px), 0.6))

    v_up = _line_v(up[:, 0], up[:, 1], u)
    v_low = _line_v(low[:, 0], low[:, 1], u)
    # The photo's own mouth, when it has one: how far it is shown (by its lips' gap down the face), and how
    # far the jaw has opened the lips past it (its dark gap and the lips' rim then drop out, see below).
    share = dropped = keep = 0.0  # keep: share of the warped photo kept as the mouth (see below)
    if photo is not None:
        photo_gap = float(np.max((photo.src_xy[11:] - photo.src_xy[:11]) @ ey))
        share = float(_smooth01((photo_gap / w - PHOTO_TEETH_FROM) / (PHOTO_TEETH_FULL - PHOTO_TEETH_FROM)))
        dropped = float(_smooth01((opening_px - photo_gap) / (PHOTO_FILTER_DROP * w)))
        keep = share * (1.0 - dropped)
        if dropped > 0.0 and len(poly) == 20:
            _mend_corner_tails(canvas, origin_xy, posed_corners, photo, w, share * dropped)
    # The photo's teeth seen through its narrow gap are in its lips' shade (full3's at level 146 in a face whose
    # light gives teeth 209): as the jaw opens the lips past its gap, or a smile lifts its lip off them, they
    # come into that light, their level raised towards the synthesised tone's at their own hue (relit, a
    # factor). Carried at their shaded level, full3's smile was a dull grey-beige row.
    relit = 1.0
    if own_tone is not None:
        exposed = max(dropped, float(_smooth01((lift_px - MIN_LIFT_PX) / (PHOTO_FILTER_DROP * w))))
        lit = min(
            float(colours.teeth.mean()) / max(float(own_tone.mean()), 1.0), 255.0 / float(own_tone.max())
        )
        relit = 1.0 + max(lit - 1.0, 0.0) * exposed
        # (and the lips' pink bounce in that shade goes: half way to the synthesised tone's hue, as lit)
        own_lit = own_tone * relit
        own_lit += (relit - 1.0) / max(lit - 1.0, 1e-6) * 0.5 * (colours.teeth - own_lit)
        upper_tone = (colours.teeth + shown * (own_lit - colours.teeth)).astype(np.float32)
    # With keep 1 the warped photo and its skull-carried teeth are the whole mouth: nothing synthesised shows.
    drawn = keep < 1.0
    colour = None
    first = _colours_first(colours)  # (colours channel first: see _channels_first)
    # (with the photo's mouth shown, its crowns as long as the photo's own teeth: the row continues them)
    crown_scale, own_lip_light, reveal = 1.0, 0.0, TEETH_REVEAL
    if photo is not None and share > 0.0:
        own_crown, own_lip_light = _photo_crown_scale(photo, colours, w)
        rolled = float(_smooth01((opening_px / w - LIP_ROLL_GAP[0]) / (LIP_ROLL_GAP[1] - LIP_ROLL_GAP[0])))
        shown_crown = own_crown + max(1.0 - own_crown, 0.0) * (LIP_ROLL * rolled)  # (see LIP_ROLL)
        crown_scale = 1.0 + share * (shown_crown - 1.0)
        # (and they fill as much of the lips' gap as the photo's own teeth fill of its gap: held to
        # TEETH_REVEAL, a smile's synthesised row beside her long own teeth ended higher, a step in the row's
        # lower edge where they meet, and its gum a dark band above the shortened crowns; the astronaut)
        fill = own_crown * float(UPPER_CROWN[0]) * w / max(photo_gap, 1.0)
        reveal += share * max(min(fill, PHOTO_REVEAL_MAX) - TEETH_REVEAL, 0.0)
    # The upper central crowns' edge as drawn below, and the lower lip, at the midline: the tongue shows between.
    crown0 = float(UPPER_CROWN[0]) * crown_scale * w
    edge0 = float(np.interp(0.0, *_sorted(up))) + crown0
    lip0 = float("inf")
    if len(poly) == 20:
        top0, lip0 = (float(np.interp(0.0, *_sorted(line))) for line in (ipoly[:11], lip_bottom))
        excess0 = edge0 - (top0 + reveal * max(lip0 - top0, 0.0))
        edge0 -= 0.5 * (excess0 + np.sqrt(excess0 * excess0 + (TEETH_REVEAL_SOFT * w + 0.5) ** 2))
    # Upper teeth: central incisors longest, lit; the row darkens and ends before the corners.
    ends = _row(UPPER_TOOTH_ENDS, w)
    s, crown, gaps = _teeth_row(
        u,
        UPPER_TOOTH_ENDS,
        UPPER_CROWN,
        w,
        detail,
        UPPER_TOOTH_ROUNDING,
        UPPER_CROWN_OFFSETS,
        au=au,
        blur=DETAIL_BLUR * blur_sigma,
    )
    crown = crown * crown_scale
    # Behind the lips: the crowns show down to at most TEETH_REVEAL of the lips' gap. A narrow gap hides
    # all but their incisal ends (the edges keep their shape, moved up behind the lip), a wide one shows
    # them whole; a smooth maximum, so the edge follows the gap without a kink.
    excess = (v_up + float(UPPER_CROWN[0]) * crown_scale * w) - (
        lip_top + reveal * np.maximum(lip_low - lip_top, 0.0)
    )
    soft = TEETH_REVEAL_SOFT * w + 0.5
    edge = v_up + crown - 0.5 * (excess + np.sqrt(excess * excess + soft * soft))
    row = _soft(ends[-1] - au, 2 * teeth_edge_px + 0.03 * w)
    a_up = _soft(edge - v, teeth_edge_px) * row
    # (the mouth behind them shows below their edges, or below the upper lip past the row's ends)
    slit_top = lip_top + np.maximum(edge - lip_top, 0.0) * row
    # Through barely parted lips little light comes in (see TEETH_SLIT_LIGHT): on the teeth, and the tongue.
    slit_light = TEETH_SLIT_LIGHT + (1.0 - TEETH_SLIT_LIGHT) * float(
        _smooth01(opening_px / (TEETH_LIT_OPENING * w))
    )
    if drawn:
        # The lower teeth in the face's light on the same enamel as the upper, in the upper teeth's tone (a
        # photo's own in enamel's warm order, see _ivory): in the synthesised tone's neutral hue at their level
        # they read grey-green against the pink lips of a pink-lit photo whose upper teeth are pinkish (full3).
        lower_tone = upper_tone.astype(np.float32)[:, None, None]
        lip_in, rolled = lip_low, 0.0
        if len(poly) == 20:  # (the lower lip covers all but their tips: see LOWER_SHOW_OF_UPPER)
            top0 = float(np.interp(0.0, *_sorted(ipoly[:11])))
            drop = _lower_drop(lower_shows, edge0 - top0, lip0 - top0, w, teeth_edge_px)
            # (drop > 0: the lip rolled up over them, see LOWER_ROLL_SAMPLE_PX; the tongue behind them as it was)
            if drop > 0.0:
                rolled = drop
                gap = np.maximum(lip_low - lip_top, 0.0) * (1.0 / max(lip0 - top0, 1.0))
                lip_in = lip_low - drop * _clamp(gap, 0.0, 1.0)
                lower_shows -= drop
            elif drop != 0.0:  # (their tips raised over a lip that covered them)
                low = low + np.array([0.0, drop], np.float32)
                v_low = v_low + np.float32(drop)
                lower_shows -= drop
        colour = _cavity(
            first,
            u,
            v,
            au,
            v_up,
            v_low,
            lip_in,
            slit_top,
            inside,
            w,
            detail,
            up,
            low,
            lower_shows,
            lower_tone,
            edge0,
            lip0,
            slit_light,
            teeth_edge_px,
        )

    per_tooth = _per_tooth(s, UPPER_TOOTH_LIGHT, 0.25)
    # The upper lip's shadow on the teeth, and the last ~1 mm of the incisal edge, thin and translucent.
    # On a small mouth the shadow is narrower and lighter: the teeth are only a few pixels tall there.
    reach = LIP_SHADOW * w * (0.6 + 0.4 * detail) + 1.0
    depth = LIP_SHADOW_DEPTH * (SMALL_LIP_SHADOW + (1.0 - SMALL_LIP_SHADOW) * detail)
    # (under a moustache: deeper, longer)
    overhang = float(colours.overhang[0]) if len(colours.overhang) else 0.0
    reach *= 1.0 + (MOUSTACHE_REACH - 1.0) * overhang
    depth += max(MOUSTACHE_DEPTH - depth, 0.0) * overhang
    below_lip = v - lip_top
    lip_shade = 1.0 - depth * (1.0 - _smooth01(below_lip * (1.0 / reach)))
    contact = 1.0 - _smooth01(below_lip * (1.0 / (AA_PX + CONTACT_SHADOW * w)))
    lip_shade *= 1.0 - (CONTACT_SHADOW_DEPTH * (0.5 + 0.5 * detail)) * contact
    if own_lip_light > 0.0:
        # No deeper than the photo's own teeth are under its lip: its teeth, lit up to the lip, sat between a
        # shaded synthesised top row and the photo's lip rim lifted over it, a line through the teeth (full3).
        lip_shade = np.maximum(lip_shade, share * own_lip_light)
    # Above the crowns (a smile lifting the lip) the gum shows, scalloped around each tooth: as much as the
    # teeth are resolved (detail), and not round teeth a few pixels wide (the back ones of a small mouth),
    # where the scallops crossed a pixel row tooth by tooth as light and dark specks (the astronaut's smile).
    cs = 2.0 * (s - np.floor(s)) - 1.0
    gum_line = v_up + float(UPPER_CROWN[0] * crown_scale - CROWN_FULL) * w
    gum_line += _per_tooth(s, _scallops(w, detail), 0.25) * (cs * cs)
    gum = _soft(gum_line - v, AA_PX + 0.01 * w)
    # Under the photo's own teeth (carried by the skull, as these are; they go over them below) the row runs on
    # to the corners in their tone, and shows where a lifted lip uncovers no enamel of the photo's: without
    # it an open photo mouth opened wider was a sliver of its teeth over a void (full3), a smile's carried
    # teeth ragged over dark blobs.
    if drawn:
        # (half of it on a small mouth: its crowns a few pixels tall, lit to their edge, read as a flat block)
        incisal = 1.0 - (0.16 * max(detail, 0.5)) * _smooth01(1.0 - (edge - v) * (1.0 / (0.03 * w + 0.5)))
        slit = slit_light
        arch = 1.0 - ARCH_SHADE * _smooth01(au * (1.0 / float(ends[-1])))
        shade = per_tooth * arch * lip_shade * incisal * gaps * ((0.85 + 0.15 * inside) * slit)
        # Shade is warm: the teeth darken towards the mouth's own red-brown, not towards olive grey.
        teeth = first.cavity + (upper_tone[:, None, None] - first.cavity) * shade
        teeth = teeth + (first.gums * (per_tooth * lip_shade) - teeth) * gum
        colour = colour * (1.0 - a_up) + teeth * a_up
    if photo is not None:
        texture, cover, opening, continued, within = _photo_interior(
            photo, (x0 + origin_xy[0], y0 + origin_xy[1]), alpha.shape, ex, ey, w, lift_px > MIN_CARRY_PX
        )
        if relit > 1.0:  # (its enamel relit as its tone is, above; not its dark gap nor its lips)
            # (with the separations between its teeth, which the enamel mask keeps (_steady): left at their shaded
            # level beside relit enamel they were dark specks along full3's row)
            texture *= 1.0 + (relit - 1.0) * _steady(_enamel(texture, colours), w)
            if continued is not None:
                continued *= 1.0 + (relit - 1.0) * _enamel(continued, colours)
        # Where the lip lifts off them (a smile, a wide jaw), its teeth are carried on upwards (each tooth
        # its own tone and width) in the lip's shade, then the gum: a dark gap there hung them in the air.
        # Only where the photo has teeth: towards its corners it has lips, which carried up read as blobs.
        if continued is not None and drawn:
            # (its shade warm, as the synthesised row's: scaled down, enamel read grey-green against the lips)
            own = first.cavity + (continued - first.cavity) * (lip_shade * (0.85 + 0.15 * inside))
            own = own + (first.gums * (per_tooth * lip_shade) - own) * gum
            red, green, blue = continued
            level = (red + green + blue) / 3  # (= the channels' mean, as _mean3)
            lightest = np.maximum(np.maximum(red, green), blue)
            chroma = (lightest - np.minimum(np.minimum(red, green), blue)) / np.maximum(level, 1.0)
            enamel = _teeth_like_level(level, colours) * _smooth01(
                (OWN_TEETH_CHROMA[1] - chroma) * (1.0 / (OWN_TEETH_CHROMA[1] - OWN_TEETH_CHROMA[0]))
            )
            a_own = a_up * (share * within * (1.0 - opening) * _steady(enamel, w))
            colour = colour * (1.0 - a_own) + own * a_own
        if continued is not None:
            # (and as the lip lifts off them, the photo's lip shadow along their tops goes with it)
            read = PHOTO_TEETH_READ * w + AA_PX
            lifted = _smooth01((v_up - lip_top) * (1.0 / read)) * _soft(v_up + read - v, AA_PX)
            texture += lifted * (continued - texture)
        # (its dark gap and the lips' rim left behind only once the jaw has opened the lips past the photo's)
        if dropped > 0.0:
            # (its teeth: light and nearly neutral; its lower lip's light pink rim, carried with the skull, was
            # a pale band under them, over the synthesised row, on full3)
            red, green, blue = texture
            level = (red + green + blue) / 3
            chroma = (np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)) / (
                np.maximum(level, 1.0)
            )
            own_teeth = _teeth_like_level(level, colours) * _smooth01(
                (OWN_TEETH_CHROMA[1] - chroma) * (1.0 / (OWN_TEETH_CHROMA[1] - OWN_TEETH_CHROMA[0]))
            )
            # ... within the synthesised row's outline, and never its dark pixels over that row (the mask's closing
            # keeps them, between its teeth and under a soft incisal edge): cut per pixel, its enamel made the row's
            # lower edge ragged and specked (full3's short teeth opened wide: a thin torn line); the row's own edge
            # is smooth, and under the photo's teeth it shows its own enamel in their tone.
            kept = _steady(own_teeth, w) * (1.0 - a_up * (1.0 - own_teeth))
            cover *= share * (1.0 - dropped * (1.0 - kept * a_up))
            # The lips' shade on its teeth comes in as the jaw drops (at rest the photo has its own shading).
            shade = 1.0 - 0.2 * dropped * (1.0 - inside)
            texture *= shade
        else:
            cover *= share
        if drawn:
            colour = colour * (1 - cover) + texture * cover
        # Until the jaw opens the lips past the photo's own gap the warped photo is the mouth, its lower
        # teeth (carried by the jaw's mesh) included: the rest pose is the photo, not a redrawn lower half.

    if drawn and rolled > 0.0:
        colour = _rolled_lip(colour, canvas, (x0, y0), v, lip_low, lip_in, ey)
    target = canvas[y0:y1, x0:x1].transpose(2, 0, 1).astype(np.float32, order="C")
    alpha = alpha * fade
    if keep >= 1.0:  # (the photo's skull-carried teeth over the warped photo: at rest, the photo itself)
        colour = target + (texture - target) * cover
    elif keep > 0.0:
        colour = colour * (1.0 - keep) + (target + (texture - target) * cover) * keep
    if keep > 0.0 and opening_px < photo_gap:
        # Lips closing over the photo's teeth shade them as they shade the synthesised ones (TEETH_SLIT_LIGHT),
        # over the last SLIT_OF_PHOTO_GAP of its gap: lit as in the photo, its teeth squeezed between closing
        # lips were a white line before the seam (the astronaut); dimmed over all of it, grey teeth.
        light = TEETH_SLIT_LIGHT + (1.0 - TEETH_SLIT_LIGHT) * float(
            _smooth01(opening_px / max(SLIT_OF_PHOTO_GAP * photo_gap, 1e-3))
        )
        colour = _in_lips_shade(colour, light, first)
    # The opening's outline as soft as the photo (see EDGE_REACH_PX; the teeth's own edges are, above): its
    # coverage blurred, and outside it the drawn colour spread from inside (premultiplied, so nothing drawn past
    # the outline shows); inside it, the drawing as it is (blurred whole, a soft photo's teeth lost their
    # separations: a smeared white band, happy.png). Not the photo's own mouth, soft already (`keep`).
    sigma = blur_sigma * (1.0 - keep)
    if sigma >= 0.25:
        layer = np.concatenate([colour * alpha, alpha[None]]).transpose(1, 2, 0)
        layer = cv2.GaussianBlur(layer, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE).transpose(2, 0, 1)
        spread = layer[:3] * (1.0 / np.maximum(layer[3], 1e-3))
        colour = spread + (colour - spread) * alpha
        out = target + (colour - target) * layer[3]
    else:
        out = target + (colour - target) * alpha
    canvas[y0:y1, x0:x1] = _clamp(out + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def _in_lips_shade(colour: np.ndarray, light: float, colours: MouthColours) -> np.ndarray:
    """`colour` (3, H, W) dimmed to `light` (0..1) of its way from the cavity's colour, and warmed towards the
    cavity's hue as it dims: the light left between closing lips is bounced off the lips and the mouth's walls.
    Dimmed at their own hue, the astronaut's flash-white teeth read grey between her closing lips (0.78 as warm
    as the lips, (R - B) / level, at mouthClose 0.7; now 0.94). `colours` channel first (_colours_first)."""
    dimmed = colours.cavity + (colour - colours.cavity) * light
    warmth = SLIT_WARMTH * (1.0 - light)
    if warmth <= 0.0:
        return dimmed
    return dimmed * (1.0 + warmth * (_shade_tint(colours) - 1.0))


def _shade_tint(colours: MouthColours) -> np.ndarray:
    """The warm shade's hue, (3, 1, 1) around 1 (mean 1): the cavity's (its lips' shade)."""
    return (colours.cavity / max(float(colours.cavity.mean()), 1.0)).astype(np.float32)


def _mend_corner_tails(
    canvas: np.ndarray,
    origin_xy: tuple[int, int],
    corners_xy: np.ndarray,
    photo: PhotoMouth,
    mouth_px: float,
    strength: float,
) -> None:
    """Lighten the photo's dark gap past its inner corners where the warp has carried it (in place): lines darker
    than their surroundings and narrower than TAIL_CLOSE of the mouth width (a grey closing: only lightens), within
    the gap's reach (_photo_corner_reach) plus TAIL_MARGIN of the mouth width of each posed inner corner, fading
    out to twice that, `strength` (0..1) of the way (less for a gap reaching less than TAIL_CLOSE past the
    corner). The warp turns that strip down with the lower lip as the jaw opens: a dark tail ran on past the
    lips' corner (full3). corners_xy: the posed inner corners, image px."""
    size = max(3, int(round(TAIL_CLOSE * mouth_px)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    for corner, reach in zip(corners_xy, _photo_corner_reach(photo, mouth_px), strict=True):
        if reach <= 0.0:
            continue
        near = reach + TAIL_MARGIN * mouth_px + 1.0
        # (a gap that ends within a few pixels of the corner leaves no tail: mended as much less, and the corners
        # of a photo's smile, dark creases rather than its gap, are left as they are: the astronaut's)
        weight = strength * float(_smooth01(reach / (TAIL_CLOSE * mouth_px)))
        centre = corner - np.asarray(origin_xy, np.float32)
        half = int(np.ceil(2.0 * near)) + size
        x0, y0 = max(int(centre[0]) - half, 0), max(int(centre[1]) - half, 0)
        x1, y1 = (
            min(int(centre[0]) + half + 1, canvas.shape[1]),
            min(int(centre[1]) + half + 1, canvas.shape[0]),
        )
        if x1 - x0 < size or y1 - y0 < size:
            continue
        patch = canvas[y0:y1, x0:x1]
        closed = cv2.morphologyEx(patch, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
        xs = np.arange(x0, x1, dtype=np.float32) - centre[0]
        ys = np.arange(y0, y1, dtype=np.float32)[:, None] - centre[1]
        distance = np.sqrt(xs * xs + ys * ys)
        a = weight * _smooth01((2.0 * near - distance) * (1.0 / near))
        out = patch.astype(np.float32) + (closed.astype(np.float32) - patch) * a[..., None]
        canvas[y0:y1, x0:x1] = _clamp(out + 0.5, 0, 255).astype(np.uint8)


def _draw_seam(
    canvas: np.ndarray,
    origin_xy: tuple[int, int],
    inner_polygon_xy: np.ndarray,
    ex: np.ndarray,
    ey: np.ndarray,
    mouth_px: float,
    colours: MouthColours,
    closed: float,
) -> None:
    """Darken the lips along their meeting line (in place): the seam between closed lips, `closed` (0..1) of
    SEAM_DEPTH deep, from one inner corner to the other. inner_polygon_xy: the posed inner-lip outline (20
    points, as draw_mouth's), image pixels; `origin_xy` the image position of canvas pixel (0, 0)."""
    if closed <= 0.0:
        return
    ex, ey = np.asarray(ex, np.float32), np.asarray(ey, np.float32)
    sigma = max(SEAM_WIDTH * mouth_px, SEAM_MIN_PX)
    poly = np.asarray(inner_polygon_xy, np.float32) - np.array(origin_xy, np.float32)
    window = bounding_region(poly, canvas.shape[1], canvas.shape[0], margin_px=int(np.ceil(3 * sigma)) + 1)
    if window.width < 2 or window.height < 2:
        return
    centre = poly.mean(axis=0)
    xs = np.arange(window.x0, window.x1, dtype=np.float32) - centre[0]
    ys = np.arange(window.y0, window.y1, dtype=np.float32)[:, None] - centre[1]
    u, v = xs * ex[0] + ys * ex[1], xs * ey[0] + ys * ey[1]
    ipoly = (poly - centre) @ np.stack([ex, ey], axis=1)
    top = _line_v(ipoly[:11, 0], ipoly[:11, 1], u)
    bottom = np.concatenate([ipoly[:1], ipoly[11:][::-1], ipoly[10:11]])
    middle = 0.5 * (top + _line_v(bottom[:, 0], bottom[:, 1], u))
    u_left, u_right = sorted((float(ipoly[0, 0]), float(ipoly[10, 0])))
    along = _soft(np.minimum(u - u_left, u_right - u), AA_PX)
    across = (v - middle) * (1.0 / sigma)
    a = (SEAM_DEPTH * closed) * along * np.exp(-0.5 * across * across)
    target = canvas[window.slices].astype(np.float32)
    out = target + (colours.cavity.astype(np.float32) - target) * a[..., None]
    canvas[window.slices] = _clamp(out + 0.5, 0, 255).astype(np.uint8)


def _cavity(
    colours: MouthColours,
    u: np.ndarray,
    v: np.ndarray,
    au: np.ndarray,
    v_up: np.ndarray,
    v_low: np.ndarray,
    lip_low: np.ndarray,
    slit_top: np.ndarray,
    inside: np.ndarray,
    w: float,
    detail: float,
    up: np.ndarray,
    low: np.ndarray,
    lower_shows: float,
    lower_tone: np.ndarray,
    edge_px: float,
    lip_px: float,
    light_in: float,
    teeth_edge_px: float = AA_PX,
) -> np.ndarray:
    """(3, H, W) float32 colour of the mouth behind the upper teeth: the cavity, the tongue and the lower teeth
    (draw_mouth's face coordinates u, v, au = |u| and teeth lines v_up, v_low of each pixel; the lower lip
    lip_low; what covers the mouth above each pixel (the upper teeth's edges, or the upper lip) slit_top; the
    lips' shadow `inside`; mouth width w px; tooth detail 0..1; the teeth lines' knots up, low; how far the
    lower lip has dropped below the lower teeth's edges, lower_shows px; the lower teeth's lit colour
    lower_tone, (3, 1, 1); where the upper central crowns' edge is drawn and the lower lip is at the midline,
    edge_px and lip_px, on v; the light let in by the lips' opening, light_in, 0..1; the lower teeth's edges'
    ramp, teeth_edge_px, as soft as the photo). `colours` are channel first (_colours_first)."""
    # Cavity: dark red-brown near the lips and the lower lip (bounce light), darkest at the back and top
    # (under the palate) and in the corners (the cheeks).
    height = np.maximum(v_low - v_up, 1.0)
    lower_share = _clamp((v - v_up) / height, 0.0, 1.0)
    warmth = _clamp(0.55 * lower_share + 2.2 * (1.0 - inside), 0.0, 1.0)
    warmth *= _clamp(1.0 - (au * (1.0 / (0.5 * w))) ** 2, CORNER_WARMTH, 1.0)
    # Through a slit (between the upper teeth or lip above and the lower teeth or lip below) the back of the
    # mouth is not seen, only the tongue and walls close behind the lips in the light coming through: it is
    # as dark as the back only as far as that slit is tall (SLIT_DEEP of the mouth width).
    slit = np.minimum(lip_low, v_low) - slit_top
    warmth = 1.0 - (1.0 - warmth) * _smooth01(slit * (1.0 / (SLIT_DEEP * w)))
    deep = colours.cavity_deep
    colour = deep + (colours.cavity - deep) * warmth

    # Tongue: a soft mass behind the lower incisors, rising with the teeth's opening, lit on its front
    # (near the lower teeth) and receding into the dark at its back (its top silhouette).
    # It shows below the upper crowns as drawn (a photo's short ones show more of it, full3), above the lower
    # teeth or, where the lower lip covers them, above the lip: `shown` px of it at the midline.
    low0 = float(np.interp(0.0, *_sorted(low)))
    bottom = min(low0, lip_px)
    gap = max(bottom - edge_px, 0.0)
    narrow = 1.0 - float(_smooth01(gap / (TONGUE_WIDE_GAP * w)))
    shown = (TONGUE_RISE + (TONGUE_NARROW_RISE - TONGUE_RISE) * narrow) * gap
    rise = (low0 - bottom) + shown
    if shown > 0.0 and lower_shows > -1.5 * rise - 2.0:
        across = au * (1.0 / (TONGUE_HALF_WIDTH * w))
        dome = np.sqrt(_clamp(1.0 - across * across, 0.0, 1.0))
        top = v_low - rise * dome
        below = v - top
        soft = AA_PX + TONGUE_SOFT * shown
        # It fades in as it rises (no pop when the opening crosses a threshold between two frames).
        fade_in = min(shown / (0.03 * w + 1.0), 1.0)
        tongue_a = _soft(below, soft) * (_smooth01((1.0 - across) * 4.0) * fade_in)
        lit = _smooth01(below * (1.0 / (0.5 * shown + 0.02 * w + 1.0)))
        # (through a narrow gap its dorsum is seen close behind the teeth, in the light coming in: lit more)
        floor = TONGUE_TOP_LIGHT + (TONGUE_NARROW_LIGHT - TONGUE_TOP_LIGHT) * narrow
        light = (
            (floor + (1.0 - floor) * lit) * (1.0 - 0.4 * across * across) * (0.8 + 0.2 * inside) * light_in
        )
        # The median groove down the tongue's middle.
        groove = 1.0 - (0.18 * detail) * np.exp(-((u * (1.0 / (0.035 * w + 0.5))) ** 2))
        shade = light * groove
        colour = colour * (1.0 - tongue_a) + (colours.tongue * shade) * tongue_a

    # Lower teeth: edges show behind the lower lip on a wide opening, darkening down into its shadow.
    # They fade in with the lower lip's drop below their edges (never switch on between two frames).
    low_fade = _smooth01((lower_shows + 0.01 * w) / (LOWER_TEETH_FADE_PX + LOWER_TEETH_FADE * w))
    if low_fade > 0.0:
        ends = _row(LOWER_TOOTH_ENDS, w)
        blur = DETAIL_BLUR * float(np.sqrt(max(teeth_edge_px**2 - AA_PX * AA_PX, 0.0) / (2.0 * np.pi)))
        s, crown, gaps = _teeth_row(
            u,
            LOWER_TOOTH_ENDS,
            LOWER_CROWN,
            w,
            detail,
            LOWER_TOOTH_ROUNDING,
            au=au,
            blur=blur,
        )
        # (their separations uneven, LOWER_GAP_SHARE: see there)
        gaps = 1.0 - (1.0 - gaps) * _per_tooth(
            s + np.float32(len(LOWER_GAP_SHARE)) * (u < 0), LOWER_GAP_SHARE, 0.5
        )
        edge = v_low + (crown - float(LOWER_CROWN[0]) * w)  # rounding notches the edges downwards
        a_low = _soft(v - edge, teeth_edge_px) * _soft(ends[-1] - au, 2 * teeth_edge_px + 0.02 * w) * low_fade
        per_tooth = _per_tooth(s, LOWER_TOOTH_LIGHT, 0.25)
        # Lit as a surface facing forwards, a little less towards the roots, and in the lower lip's shade
        # just above it (a darkening from the edges down made a wide opening's lower teeth a grey slab).
        down = 1.0 - LOWER_TEETH_DOWN * _smooth01((v - edge) * (1.0 / (LOWER_CROWN_FULL * w + 1.0)))
        down *= 1.0 - LOWER_LIP_SHADOW * (1.0 - _smooth01((lip_low - v) * (1.0 / (LIP_SHADOW * w + 1.0))))
        # A sliver of them just uncovered is also in the lower lip's shade: dimmed as well as faded in, column
        # by column (towards the corners, where the lip covers them again, they go into its shade and the
        # cheeks'), and the row darkens smoothly along the arch as the upper one does (ARCH_SHADE). With only
        # the per-tooth steps a wide opening's lower row ran lit to the lip corners: a pale strip (art_17).
        uncovered = _smooth01((lip_low - v_low) * (1.0 / (LOWER_UNCOVERED * max(lower_shows, AA_PX))))
        sliver = LOWER_SLIVER_LIGHT + (1.0 - LOWER_SLIVER_LIGHT) * (low_fade * uncovered)
        along = _clamp(au * (1.0 / float(ends[-1])), 0.0, 1.0)
        arch = 1.0 - LOWER_ARCH_SHADE * (along * along)  # (a surface turning away: flat in front, cos-like)
        shade = per_tooth * arch * down * gaps * ((0.9 + 0.1 * inside) * sliver)
        # (shaded towards a dark of the enamel's own hue as much as the cavity's: towards the cavity's crimson
        # alone, the lower row went a mauve grey under cream upper teeth, portrait.jpg's and sad1's)
        level = float(colours.cavity.mean()) / max(float(lower_tone.mean()), 1.0)
        dark = colours.cavity + LOWER_SHADE_HUE * (lower_tone * level - colours.cavity)
        lower = dark + (lower_tone - dark) * shade
        # Below the crowns (a lower lip pulled well down) the gum.
        gum_low = _soft(v - (edge + LOWER_CROWN_FULL * w), AA_PX + 0.01 * w)
        lower = lower + (colours.gums * (per_tooth * down) - lower) * gum_low
        colour = colour * (1.0 - a_low) + lower * a_low

    return colour


def _rolled_lip(
    colour: np.ndarray,
    canvas: np.ndarray,
    window_xy: tuple[int, int],
    v: np.ndarray,
    lip_low: np.ndarray,
    lip_in: np.ndarray,
    ey: np.ndarray,
) -> np.ndarray:
    """`colour` (3, H, W) with the lower lip rolled up over the lower teeth from the opening's lower edge
    `lip_low` to `lip_in` (draw_mouth's v of each pixel): the lip's own pixels from just below that edge in
    `canvas` (LOWER_ROLL_SAMPLE_PX plus LOWER_ROLL_SQUEEZE of the height above it), darkening towards its inner rim
    (LOWER_RIM_SHADE) where it turns into the mouth. window_xy: canvas position of colour's pixel (0, 0)."""
    height = lip_low - v  # (px above the opening's edge)
    a_lip = _soft(v - lip_in, AA_PX) * (height > -AA_PX)
    if not a_lip.any():
        return colour
    reach = height + LOWER_ROLL_SAMPLE_PX + LOWER_ROLL_SQUEEZE * np.maximum(height, 0.0)
    rows, cols = v.shape
    xs = np.arange(cols, dtype=np.float32)[None, :] + np.float32(window_xy[0])
    ys = np.arange(rows, dtype=np.float32)[:, None] + np.float32(window_xy[1])
    map_x = (xs + reach * ey[0]).astype(np.float32)
    map_y = (ys + reach * ey[1]).astype(np.float32)
    lip = cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lip = lip.astype(np.float32).transpose(2, 0, 1)
    cover = np.maximum(lip_low - lip_in, 1e-3)
    rim = (1.0 - LOWER_ROLL_SHADE) * (
        1.0 - LOWER_RIM_SHADE * (1.0 - _smooth01((v - lip_in) * (1.0 / (0.5 * cover + AA_PX))))
    )
    return colour + (lip * rim - colour) * a_lip


def _lower_drop(lower_shows: float, upper_seen: float, opening: float, w: float, edge_px: float) -> float:
    """How far (px, at the midline) the lower lip is rolled up over the lower teeth: what it uncovers of them,
    `lower_shows` px (largest along the mouth), is held to at most LOWER_SHOW_OF_UPPER of the upper crowns seen at
    the midline (`upper_seen` px), LOWER_SHOW_OF_GAP of the lips' gap there (`opening` px) and LOWER_SHOW_MAX of the
    mouth width `w`, but not under LOWER_SHOW_EDGES of the teeth's edges' ramp (edge_px); a smooth maximum, so the
    lip follows the jaw without a kink. Negative: how far the teeth are raised where the lip covers them through a
    wide opening (LOWER_SHOW_LEAST)."""
    allowed = min(
        LOWER_SHOW_OF_UPPER * max(upper_seen, 0.0), LOWER_SHOW_OF_GAP * max(opening, 0.0), LOWER_SHOW_MAX * w
    )
    allowed = max(allowed, LOWER_SHOW_EDGES * edge_px)
    excess = lower_shows - allowed
    soft = LOWER_SHOW_SOFT * w + 0.5
    # (and a lip over them all through a wide opening uncovers their tips: see LOWER_SHOW_LEAST)
    least = min(LOWER_SHOW_LEAST * max(opening - LOWER_SHOW_LEAST_FROM * w, 0.0), allowed)
    # (a smooth maximum of 0 and the excess: a quadratic knee over `soft` around 0, exactly 0 below it)
    half = 0.5 * soft
    if excess >= half:
        drop = excess
    else:
        drop = max(excess + half, 0.0) ** 2 / (4.0 * half)
    # (raised as far as that least is grown: no step where it starts, however deep the lip covers them)
    return drop - max(least - lower_shows, 0.0) * float(
        _smooth01(least / max(LOWER_SHOW_EDGES * edge_px, 1.0))
    )


def _rounded_ends(
    u: np.ndarray, v: np.ndarray, top: np.ndarray, bottom: np.ndarray, ipoly: np.ndarray, w: float
) -> np.ndarray:
    """0..1 per pixel: the opening with rounded, soft ends instead of the polygon's pointed corners. Within
    CORNER_ROUND of each inner corner the allowed half height shrinks along a circular arc to nothing at the
    corner (pulled in by CORNER_INSET), and the edge there softens: the lips meet gently."""
    u_left, u_right = sorted((float(ipoly[0, 0]), float(ipoly[10, 0])))
    inset = CORNER_INSET * w
    radius = CORNER_ROUND * w + 1.0
    to_end = np.minimum(u - (u_left + inset), (u_right - inset) - u)
    t = _clamp(to_end * (1.0 / radius), 0.0, 1.0)
    half = np.maximum(bottom - top, 0.0) * 0.5
    allowed = half * np.sqrt(t * (2.0 - t))
    soft = AA_PX + 0.35 * half * (1.0 - t)
    across = np.abs(v - (top + bottom) * 0.5)
    return _clamp(0.5 + (allowed - across) / soft, 0.0, 1.0) * _clamp(0.5 + to_end / AA_PX, 0.0, 1.0)


def _sorted(line_uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A line's (u, v) points as interpolation knots, sorted along u."""
    order = np.argsort(line_uv[:, 0])
    return line_uv[order, 0], line_uv[order, 1]
