"""Closing eyelids: the photo's own lid skin swept down over the eye, with a lash line at its moving edge.

Render stage: drawn over the warped photo by render.compose, from the posed and open upper-lid edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from dirfa.face import topology as topo
from dirfa.render.warp import bounding_region

if TYPE_CHECKING:
    from dirfa.face.rig import Pose

MIN_BLINK = 0.04  # below this the lid has not visibly moved
# The lid skin is sampled from a band above the lashes, in shares of the eye width (corner to corner): the
# lashes and liner reach ~0.1 above the lid edge, the brow sits ~0.4-0.6 above it.
BAND_FROM_PER_EYE = 0.1
BAND_TO_PER_EYE = 0.3  # this much of the band spans the eye when the lid is closed
BAND_EXTRA_PER_EYE = 0.15  # and the band goes on above that, for the skin covered above the open lid edge
BAND_MAX_PER_BROW = 0.75  # never more than this share of the way up to the brow (no brow hairs)
TEXTURE_COLUMNS = 32  # samples along the lid, corner to corner
TEXTURE_ROWS = 16  # samples up the band
DETAIL_SIGMA = 2.0  # texture samples: coarser than this is the band's shading, finer is the skin's grain
DETAIL_GAIN = 0.8  # share of the skin's grain laid on the synthesised lid
# Above the open lid edge the warped photo shows the lashes pulled down with the lid: the lid skin covers
# this much more (share of the eye width) in the middle of the lid, tapering to nothing at the corners,
# so the covered patch is a crescent with no straight sides.
COVER_ABOVE_PER_EYE = 0.1
COVER_ABOVE_CLOSED_PER_EYE = 0.24  # ... growing to this at full closure, when they are pulled down furthest
CORNER_REACH_PER_EYE = 0.05  # ... but at least this much, so the corners blend in too
COVER_MAX_PER_BROW = 0.35  # and never past this share of the way up to the brow (measured to its middle)
FEATHER_SHARE = 0.7  # the top of the cover blends into the warped skin over this share of its reach
# The synthesised lid fades in over this range of closure: below it the warp alone shows a convincing
# lid (the photo's lashes ride the moving edge), past ~0.6 the warp stretches the photo's lashes into a
# dark band the lid must hide. Fading, not switching, so no frame pops. (Nearly whole by 0.3: half faded in
# over 0.2-0.7, the lid was a blend of its skin and the stretched lash band under it, a grainy grey band with
# lash specks over the iris for a frame of every blink at 0.3-0.5 closure, art_5, happy; the astronaut's strip
# between the open and the moving edge was 101 levels at 0.3 against the closed lid's 194 there, now 189. Not
# from below 0.1: a frame at 0.12 kept the photo's lashes, half faded at 0.05-0.3 it was the grey band again. From 0.05
# again since the photo's lashes are drawn back standing on the moving edge, see UPRIGHT_*, and the warp's are filled
# whole above their tips: without them at 0.1-0.35 the lid's skin over its edge was a grey-beige band with no lashes for
# one frame of a reopening, happy at 0.16-0.21; from 0.05 the change is spread over as many frames as before, no pop.)
FADE_IN_FROM_BLINK = 0.05
FADE_IN_TO_BLINK = 0.35
# The lid's own tone (the brow bone's, see below) is tabulated at REFERENCE_COLUMNS places along it.
REFERENCE_COLUMNS = 14
REFERENCE_FROM_S, REFERENCE_TO_S = 0.04, 0.96  # first and last column, corner to corner
# The band above the lashes is often a shadowed crease or eye shadow, darker than the lid that unfolds out
# of it when the eye closes (which faces the light): the lid's own tone is lifted to at least this share of
# the face's median luminance, keeping its hue variation along the lid.
LID_MIN_OF_FACE = 0.6
# A real closed lid faces the light like the brow bone: about as light as the skin between the crease and
# the brow. Its tone is read there, between these shares of the way up to the brow, as a light-leaning
# percentile of the skin-coloured pixels (brow hairs, lashes, hair strands and glasses are not skin).
BROW_BONE_FROM, BROW_BONE_TO = 0.35, 0.8
BROW_BONE_ROWS = 10
BROW_BONE_PERCENTILE = 50
# The lid also faces the light like the skin under the eye: its tone is read there too, between these
# heights below the lower lid (eye widths; the dark ring of the lower lid's rim is nearer, the cheekbone's
# highlight further), as the same percentile of the skin-coloured pixels.
UNDER_EYE_FROM, UNDER_EYE_TO = 0.15, 0.5
SKIN_CHROMA_TOLERANCE = 0.07  # max difference of r/(r+g+b)-style chromaticity from the face's median skin
SKIN_LUM_RANGE = (0.45, 1.35)  # skin pixels are within this share of the face's median luminance
# The photo's own lashes and liner, pulled down by the warp, must not float above the closed lid: thin dark
# features (narrower than this share of the eye width) above the moving lid edge are filled with the skin
# around them (a grey-level closing), over the lid and this far past its corners (share of the eye width).
LASH_REMOVE_PER_EYE = 0.4
# (0.32: a painted or made-up liner wing runs ~0.3 eye widths past mediapipe's outer corner landmark, which
# sits short of the visible corner; stopped at 0.25 its tail was left as a coloured stroke beside the lid)
LASH_REMOVE_PAST_CORNER = 0.32
# (the canvas the lids are drawn on may end before that: their changes fade out over this share of the eye width
# towards its edge)
CANVAS_FADE_PER_EYE = 0.12
LASH_REMOVE_PAST_INNER = 0.04  # ... but not past the inner corner (share of the eye width, +-: soft)
# ... and from this far (px) below the moving lid edge (the new lash line is drawn over it afterwards)
LASH_REMOVE_BELOW_PX = 1.0
# ... and, by the outer corner of a shut lid, this much further (eye widths), fading out over LASH_REMOVE_BELOW_OUTER_S
# of the lid from the corner and growing in over LASH_REMOVE_BELOW_BLINK of closure: there the closed edge rises into
# the corner landmark and the photo's squeezed corner lashes and lower-lid mascara below it stood above the new
# line's end as a dark knob (happy.png's right eye).
LASH_REMOVE_BELOW_OUTER_PER_EYE = 0.06
LASH_REMOVE_BELOW_OUTER_S = 0.15
LASH_REMOVE_BELOW_BLINK = (0.6, 0.9)
# ... and by the inner corner this much further (eye widths, fading out over the same share of the lid): where the
# photo's lid line drops steeply into a low inner corner, its dark margin below the shut edge stayed under the end of
# the closed line as a dark downward tick (full_body_2's eye under the bangs).
LASH_REMOVE_BELOW_INNER_PER_EYE = 0.16
# ... and past the inner corner, where the removal above stops (the corner's own broad shade is kept), a thin stroke of
# liner or lash line dropping into the corner (full3's red inner-corner liner, R-G +30 over the skin, ~3 px wide at a 48 px
# eye, stayed at the closed line's inner end as a check-mark tick): darker than a grey-level closing INNER_STROKE_PER_EYE
# wide (eye widths; a shade broader than that is left as it is) by INNER_STROKE_DARKER_BY (luminance, starts..full),
# between INNER_STROKE_S of the lid from the inner corner (past it .. inside it, each end fading over INNER_STROKE_SOFT_S),
# from INNER_STROKE_BELOW_PX under the moving edge up to INNER_STROKE_ABOVE_PER_EYE above it, growing in over
# INNER_STROKE_BLINK of closure; filled from the skin right beside it, the shade round it included.
INNER_STROKE_PER_EYE = 0.1
INNER_STROKE_DARKER_BY = (8.0, 25.0)
INNER_STROKE_S = (-0.2, 0.06)
INNER_STROKE_SOFT_S = 0.05
INNER_STROKE_BELOW_PX = 2.0
INNER_STROKE_ABOVE_PER_EYE = 0.25
INNER_STROKE_BLINK = (0.5, 0.85)
LASH_REMOVE_ABOVE_PER_EYE = 0.35  # ... and up to this far above the open lid edge
LASH_REMOVE_PER_BROW = 0.6  # ... but no further than this share of the way to the brow (its hairs are dark)
LASH_CORNER_SOFT_PER_EYE = 0.12  # past the corners the removal fades out below the lid's height over this
# A dark line thinner than this up the face (eye widths) and longer along the lid is a crease, no lash.
LASH_LINE_PER_EYE = 0.1
# The photo's lashes reach up to the highest row of their grid this covered; what of them is left above that once
# the lid moves is filled whole over this many px.
LASH_TIP_COVERAGE = 0.2
LASH_TIP_SOFT_PX = 2.0
# By the outer corner the lash removal is whole up to its top, fading out above it (see _remove_lashes): from this share
# of the lid from the outer corner on (none past the second).
LASH_TOP_OUTER_S = (0.15, 0.35)
LASH_MASK_SOFT_PER_EYE = 0.03  # the lashes found are filled with a soft-edged mask (Gaussian sigma)
# Past the lid's corners, lashes with too little skin near them for the fill are filled from this many times as far
# (see _remove_lashes).
FILL_WIDE = 3.0
# Nothing under the first share of the skin's light (the upper quartile of the window's non-lash pixels) is filled from,
# all from the second share up (from 0.3..0.5 the deep shade of a socket's outer corner was left out too, and the fill
# lit a pale spot at the end of happy.png's closed line).
FILL_DARK_OF_SKIN = (0.15, 0.3)
LASH_DARKER_BY = (6.0, 25.0)  # luminance (0..255) under the closing's at which a pixel starts/ends being lash
GLINT_LIGHTER_BY = (12.0, 35.0)  # ... and over the opening's at which it starts/ends being a glint
# ... where this much lighter than the skin around it (starts..full): the mean luminance of the pixels around that
# are no lashes. (Against the window's upper quartile, ~105 on art_5 with its bright cheek and
# brow, the glitter of its lash line (~100 in a ~75 socket) stayed on the half-closed lid as pale specks;
# against the lid's own quartile, art_1's painted lid highlights were filled as dark blotches. From 1.1..1.3 the end
# of art_5's glitter band by its outer corner, ~1.15-1.35x its skin, was half filled: a pale wedge on the closed lid.)
GLINT_OF_SKIN = (1.02, 1.12)
# Glints narrower than this (share of the eye width) are specks, not a lock of light hair (see _hair_like): the
# lid is not drawn under them as it is under a lock (art_5's glitter, light and neutral, came back as specks).
GLINT_SPECK_PER_EYE = 0.06
# ... and lighter than that narrow opening by at least this many times its median over the lid's window (the skin's own
# fine grain: a brush-stroked painting's light marks are texture, not glitter to fill).
GLINT_SPECK_OF_GRAIN = 6.0
# Hair strands in front of the eye stay in front of the closing lid, where the photo has them (they hang
# from the head, not from the lid). They are found once, in the photo, on a grid in lid coordinates: s
# along the lid (0..1 corner to corner) between HAIR_S, height above the corner-to-corner line between
# HAIR_H (eye widths; the cover and the lashes it removes reach ~0.65 up), HAIR_MAX_PX grid px per eye width.
HAIR_S = (-0.3, 1.3)
HAIR_H = (-0.45, 0.9)
HAIR_MAX_PX = 160
# A strand is a thin light line: lighter than a grey-level opening of this width (share of the eye width)
# by HAIR_LIGHTER_BY (luminance 0..255, where it starts/is fully a strand) ...
HAIR_WIDTH_PER_EYE = 0.1
HAIR_LIGHTER_BY = (8.0, 22.0)
# ... at least this long (eye widths) and on average no wider than HAIR_THIN_PER_EYE, mostly outside the
# open eye (so not a catchlight or a sliver of sclera) and running across the lid, at least HAIR_ACROSS_DEG
# from it: light lines along the lid are its own folds, glitter or a lit crease, which the lid replaces.
HAIR_MIN_LENGTH_PER_EYE = 0.3
HAIR_THIN_PER_EYE = 0.1
HAIR_OUTSIDE_EYE = 0.5
HAIR_EYE_MARGIN_PER_EYE = 0.05  # the open eye, for this, reaches this much past its landmarks (eye widths)
HAIR_ACROSS_DEG = 30.0
# A strand seen mostly over the open eye (white on the sclera shows little) must be long, steep and come
# into it from outside (a share of it outside the eye): curved slivers of sclera are none of these.
HAIR_CROSSING_PER_EYE = 0.5
HAIR_CROSSING_DEG = 60.0
HAIR_ENTERS = 0.04
# Broad locks of light, grey or white hair over the eye (wider than a strand) are told from the skin by their
# colour: on a face whose skin has at least BROAD_HAIR_SKIN_CHROMA of chroma ((max - min) / mean of RGB),
# pixels with less than the first share of the skin's chroma (none past the second) and at least as light as
# BROAD_HAIR_LIGHT of the skin (starts..full), in patches of BROAD_HAIR_MIN_AREA (share of the eye width,
# squared) or more, at least HAIR_OUTSIDE_EYE of each outside the open eye.
BROAD_HAIR_SKIN_CHROMA = 0.06
BROAD_HAIR_NEUTRAL = (0.35, 0.6)
BROAD_HAIR_LIGHT = (0.85, 0.95)
BROAD_HAIR_MIN_AREA = 0.01
HAIR_OVER_LID = (2.0, 14.0)
# A light, neutral patch over the lid is a lock of hair only where it reaches this far (eye widths) above the open lid
# edge (hair hangs from the head): art_5's glitter along the lash line, light and neutral, was put back in front of the
# closed lid as a pale cluster by its outer corner. LOCK_RIM_PX: the soft rim kept round a lock.
LOCK_REACH_PER_EYE = 0.25
LOCK_RIM_PX = 2.0
HAIR_TONE_REACH = 4.0  # drawn where this much lighter than the lid (luminance 0..255), starts..full
CORNER_TAPER_S = 0.1  # the lash line fades out over this share of the lid at each corner
# ... centred this far past the outer corner landmark, which sits short of the visible corner: ending inside
# it, the new lash line left the photo's liner wing and lower-lid liner beside it as a loose stroke.
LASH_PAST_OUTER_S = 0.05
# ... and, at a pale inner corner (see INNER_PALE_*), this far past the inner one: a closed lid's line runs into
# it (ending inside it, the photo's pale corner showed beyond its end as a crescent: sad1; elsewhere it ends
# inside, as before: run into the astronaut's corner, its end was a sharper edge than her skin's there).
LASH_PAST_INNER_S = 0.0
# The cover is whole up to a little past the inner corner landmark and fades out between these shares of the
# lid past it (the landmark sits inside the visible corner), reaching
# at least INNER_REACH_PER_EYE above the open edge there (at full closure) over the inner INNER_REACH_S of
# the lid (fading over the second share): the photo's inner corner above the landmark, often a white highlight
# on the lid margin (sad1: ~0.05-0.2 eye widths above it, up to ~0.15 past it), is lid skin on a closed eye.
COVER_PAST_INNER_S = (0.03, 0.18)
INNER_REACH_PER_EYE = 0.2
# ... on an eye whose inner corner is pale: the 90th percentile of the photo's luminance there (INNER_PALE_S along
# the lid from the landmark, INNER_PALE_H above its edge, eye widths) at least INNER_PALE_OF_LIGHT of the lid's
# light tone (starts..full). Measured: sad1's left eye 1.08, art_13's right 1.36, art_17 1.11 / 1.06, happy 1.04
# / 0.95; the others 0.3-0.95 (art_3's corners, by a painted grey-blue patch, 0.93 / 0.9: reaching up there the
# cover read its tone from that patch and greyed the corner).
INNER_PALE_S = (-0.15, 0.1)
INNER_PALE_H = (0.03, 0.2)
INNER_PALE_OF_LIGHT = (0.97, 1.03)
INNER_REACH_S = (0.1, 0.3)
COVER_TAPER_S, COVER_PAST_CORNER_S = (
    0.15,
    0.08,
)  # the cover from this far inside each corner to this far past it
# The closed lid is the skin above it carried down to the lash line: its tone is the skin's a little above
# the cover's top (smoothed with this sigma), so the two join without a boundary ...
TONE_SMOOTH_PER_EYE = 0.08
TONE_ABOVE_PER_EYE = 0.0
TONE_ALONG_PER_EYE = 0.12  # and evened out along the lid with this Gaussian sigma (eye widths)
# ... its grain the skin's own finer than GRAIN_SIGMA_PX, mirrored down from a band this high above the top
# (eye widths; the brow is >= ~0.4 above the open lid) ...
GRAIN_SIGMA_PX = 2.0
GRAIN_SIGMA_PER_EYE = 0.05  # ... or this share of the eye width (a painting's strokes scale with the face)
GRAIN_SIGMA_MAX_PX = 3.0  # ... but no coarser: coarser is the skin's shading (creases, folds), not grain
GRAIN_LINES_PER_EYE = 0.1  # grain is what varies along the lid within this Gaussian sigma (eye widths)
GRAIN_BAND_PER_EYE = 0.08
# ... but at least this many grain sigmas high: on a small eye (full_body_2's far eye, 27 px: a 2 px band) every pass
# repeated the same two rows, hopped a little along the lid, a cross-hatched mottle over the lid (the high-passed lid
# correlated +0.75 with itself 6 px further down, three passes on)
GRAIN_BAND_MIN_SIGMAS = 1.5
GRAIN_HOP_PER_EYE = 0.3  # ... each pass over it read from up to +-half this far along the lid (eye widths)
# ... clipped to this many of the grain's robust deviations in the skin around the lid (as textured as its
# setting: a photo's faint pores, a painting's brush strokes; a smooth drawing keeps a smooth lid) ...
GRAIN_CLIP_SIGMAS = 1.6
GRAIN_MAX_SHARE = 0.12  # ... and never past this share of the skin's luminance (a drawn line is no grain)
GRAIN_GAIN_MAX = 1.25  # ... and scaled up by at most this much to match the skin around the lid
# ... lifted in its body by up to this share towards the brow bone's tone (a lid unfolds out of a shadowed
# crease into the light) ...
LID_LIFT_MAX = 0.4
# A closed lid sits between the brow bone's tone and the under-eye skin's (both face the light as it does):
# where its tone (carried down from a shadowed socket above) is darker than the point this share of the way
# from the brow bone's tone to the under-eye's, it is pulled towards that colour, hue and all (an ochre
# socket shadow on pale skin reads as a bruise), fully once LID_PULL_GAP darker, by at most LID_PULL_MAX.
# Where that point is dark for the face (a whole socket in shadow, above and below the eye, as in art with
# dark eye make-up) the lid keeps its shadow: no pull below the first share of the face's median
# luminance in LID_LIT_REGION, full pull above the second (a lid lifted out of such a socket is a light lens).
LID_BETWEEN = 0.75
LID_LIT_REGION = (0.75, 0.9)
LID_PULL_GAP = 0.2
LID_PULL_MAX = 0.85
# ... and no lighter than that point by more than this share (fully pulled down once LID_CAP_GAP lighter still).
LID_CAP_OVER = 0.08
LID_CAP_GAP = 0.1
LID_HUE_OF_LIGHT = 0.7  # ... and takes this share of its hue (chroma at the lid's own level)
# ... that hue as the photo's own upper-lid skin has it at the lid's lightness: the skin between the lashes and the
# brow (SHADE_FROM_PER_EYE above the lid edge up to BROW_BONE_TO of the way to the brow, skin-coloured pixels within
# SHADE_CHROMA_TOLERANCE of the face's chromaticity and SHADE_LUM_RANGE of its luminance), its chromaticity fitted
# as a straight line in its luminance, read between the SHADE_PERCENTILES of it. A painting shades warm skin into
# saturated shadow: at the under-eye skin's chromaticity at a shadowed lid's lightness the lid was a grey-mauve
# ellipse on orange skin (art_13, the under-eye skin a peach-mauve eye bag); a photo's shading keeps its hue, and
# the line is flat.
SHADE_FROM_PER_EYE = 0.1
SHADE_CHROMA_TOLERANCE = 0.1
SHADE_LUM_RANGE = (0.3, 1.5)
SHADE_PERCENTILES = (10, 90)
SHADE_MIN_PIXELS = 24
# ... and its lightness: the point it is pulled towards (and capped at) is no lighter than SHADE_LIGHT_OF_SKIN of that
# skin's SHADE_LIGHT_PERCENTILE luminance, unless the skin above the cover it carries down is lighter. A socket in a
# brow's shadow, its lit under-eye skin well out of it, pulled the closed lid up out of the shadow nearly as light as
# the lit cheek: a pale grey-mauve ellipse in a dark orange socket (art_13's right eye, lid ~132 on upper-lid skin of
# median 69, 75th percentile 96).
SHADE_LIGHT_PERCENTILE = 75
SHADE_LIGHT_OF_SKIN = 1.0
# The photo's lid line past the outer corner landmark (a painted liner, a made-up eye): read in a band this far
# (eye widths) either side of the corner-to-corner line, as a line darker than this share of the skin on both
# sides of it, up to this far (eye widths; LASH_REMOVE_PAST_CORNER clears its tail beyond that), in one run
# starting within OUTER_START_PER_EYE of the corner (whose own lashes darken the band's upper side there).
# Measured on the shared portraits: art_3 0.14 / 0.07 (its painted corners), art_1 0 / 0.11, sad1 0.07 / 0,
# the others 0 (at 0.8 of the skin, or against one side only, crow's feet and socket shade ran on to the cap).
OUTER_BAND_PER_EYE = 0.06
OUTER_LINE_OF_SKIN = 0.5
OUTER_REACH_MAX = 0.25
OUTER_START_PER_EYE = 0.1
LID_LIGHT_CORNER_S = 0.25  # lift and pull fade out over this share of the lid towards each corner
# The lid's hue is moved this share of the way to the skin's in a ring this wide (eye widths) around it.
LID_RING_HUE = 0.5
LID_RING_PER_EYE = 0.15
# Where the cover meets the skin shown round it (above the lid edge, and past the outer corner), the lid's skin (tone and
# shading, no grain) is moved to that skin's own colour: the difference, measured in a ring SEAM_RING_PX wide just
# outside the cover's inner half (covered less than SEAM_COVER), smoothed over SEAM_SMOOTH_PER_EYE (eye widths, Gaussian
# sigma) and fading out over SEAM_REACH_PER_EYE into the lid, at most SEAM_MAX_SHARE of the skin's luminance: the lid
# joins the photo with the photo's own gradients, no outline (a membrane-like blend; where the cover's top meets the skin
# it carries down, little changes). The lid's tone, carried down from the skin above the cover (the dark socket over the
# middle, the stretched pale lid fold over the outer third where the crescent's top is low) and lifted, capped and hued
# in its body only, was a warm ellipse with a hard diagonal edge against a pale wedge of the warped photo over the outer
# third of art_13's closed left lid (~200,138,84 against ~140,83,33): its blue went 108 -> 57 over 4 px there.
SEAM_RING_PX = 3
SEAM_COVER = 0.5
SEAM_SMOOTH_PER_EYE = 0.12
SEAM_REACH_PER_EYE = 0.6
SEAM_MAX_SHARE = 0.75
SEAM_MIN_PIXELS = 8
# ... and shaded as skin over the eyeball: a little lighter where it bulges in the middle, darker where it
# turns under towards the lash line and towards the corners, with a faint crease where the open edge was.
LID_BULGE = 0.05
LID_EDGE_SHADE = 0.08
LID_CORNER_SHADE = 0.06
LID_CREASE_SHADE = 0.03
# The closing lid and its lashes shade the eyeball just under their edge: the eye still showing below it is darkened
# by up to LID_SHADOW at the edge, fading out over LID_SHADOW_PER_EYE (eye widths) or LID_SHADOW_OF_SLIT of the slit
# still open, whichever is less, growing in over LID_SHADOW_BLINK of closure (a half-closed lid leaves the iris below
# it as it was). Unshaded, the iris in the narrow slit of a nearly closed eye kept its full colour: a bright blue seam
# under the lash line (art_17).
LID_SHADOW = 0.6
LID_SHADOW_PER_EYE = 0.1
LID_SHADOW_OF_SLIT = 1.5
LID_SHADOW_BLINK = (0.4, 0.8)
# Lash line: thickness at its thickest (share of the eye width), and how it runs along the lid (inner
# corner -> outer corner): thin at the inner corner, thickest over the middle and outer third (the upper
# lashes are longest and densest there: Thibaut et al. 2010, "Human eyelash characterization").
LASH_PER_EYE = 0.045
LASH_MIN_PX = 1.2  # ... but at least this wide (px) on small faces
LASH_INNER_SHARE = 0.15  # thickness at the inner corner, share of the thickest
LASH_OUTER_SHARE = 0.45  # ... and at the outer corner
LASH_OPACITY = 0.9
# Closed, the line tapers towards both corners (thinnest at the inner one): its whole thickness (soft top, core and
# fringe) follows the profile above by this share, rising from LASH_INNER_SHARE over LASH_INNER_TAPER_S of the lid from
# the inner corner and falling to LASH_OUTER_SHARE from LASH_OUTER_TAPER_FROM on.
LASH_LINE_TAPER = 0.8
LASH_INNER_TAPER_S = 0.45
LASH_LINE_MIN_PX = 2.0
LASH_OUTER_TAPER_FROM = 0.75
# ... its core's density varies along the lid by up to this share (the strand pattern, smoothed over a strand)
LASH_BROKEN = 0.35
# Below a dense dark core, the lash tips hang as separate strands this far apart (px), spread over this
# share more of the lash width; their density varies along the lid (a fixed pseudo-random pattern).
LASH_STRAND_PX = 1.7
LASH_FRINGE_SHARE = 0.8
LASH_FRINGE_OPACITY = 0.6
LASH_STRANDS = 97
LASH_LIGHTER_THAN_SKIN = 0.5  # the lash colour is never lighter than this share of the lid skin
# The closed lash line's top is as soft as the photo's own lid line: across the photo's upper lid edge (at EDGE_COLUMNS
# places over EDGE_S of the lid, from EDGE_H eye widths about it), the steepest one-pixel rise from the lash line's
# darkest up to the skin above (its EDGE_SKIN_PERCENTILE), as a share of that whole rise, the median over the places
# with EDGE_MIN_CONTRAST or more. The line's top ramps in over 1 / that share px (a ramp's steepest one-pixel step is
# that share of it), at most EDGE_RAMP_MAX_PX and EDGE_RAMP_MAX_PER_EYE eye widths, down from the lid edge (no darker
# skin above it), the line carried that much lower so it keeps its weight. A one-pixel hard top on a soft photo read
# as a pen stroke (sad1: one-pixel-step share 0.77 on the line, ~0.5 on the photo's lid edges).
EDGE_COLUMNS = 13
EDGE_S = (0.25, 0.75)
EDGE_H = (-0.08, 0.15)
EDGE_SKIN_PERCENTILE = 90
EDGE_MIN_CONTRAST = 15.0
EDGE_RAMP_MAX_PX = 3.0
EDGE_RAMP_MAX_PER_EYE = 0.15
# The photo's own upper lashes, which stand up from the open lid edge, hang down from the closed one: read once
# in the photo, on a grid in lid coordinates (s along the landmarks' lid 0..1, height above its edge up to
# PHOTO_LASH_H_PER_EYE eye widths, but no more than PHOTO_LASH_PER_BROW of the way to the brow, whose hairs are
# dark and thin too), PHOTO_LASH_MAX_PX grid px per eye width. A lash pixel is darker than a grey-level
# closing PHOTO_LASH_WIDTH_PER_EYE wide by PHOTO_LASH_DARKER_BY (luminance 0..255, starts..full); its
# coverage is how far it is from the skin (the closing) towards the lash colour.
PHOTO_LASH_H_PER_EYE = 0.3
PHOTO_LASH_PER_BROW = 0.5
PHOTO_LASH_MAX_PX = 160
PHOTO_LASH_WIDTH_PER_EYE = 0.12
PHOTO_LASH_DARKER_BY = (5.0, 15.0)
# A lash found at its tip is carried down to the edge, fading by this per grid row (see _photo_lashes).
PHOTO_LASH_ROOT_KEEP = 0.92
# Seen from the front, lashes hanging from a closed lid are foreshortened (they point down and forwards, off
# the eyeball): drawn this share of their open length below the edge, at most PHOTO_LASH_OPACITY.
PHOTO_LASH_DROP = 0.7
PHOTO_LASH_OPACITY = 0.85
# ... fading out over this share of the lid towards the outer corner landmark: there the photo's lid line drops into the
# visible corner (steeply on a turned face's far eye), thin along the grid's rows as a lash is, and flipped it hung from
# the closed line's end as a dark leg, a hook (full_body_2's far eye)
PHOTO_LASH_OUTER_S = 0.1
# Reopening (and closing), the photo's own lashes stand up from the moving edge until the lid has turned them down: the
# lid's skin hides the warp's stretched lash band from FADE_IN_FROM_BLINK on, and without them the edge was a grey-beige
# band with no lashes for a frame of a blink at 0.16-0.25 (happy.png, whose dense lash band _photo_lashes finds
# nothing of). The photo's dark band above its open edge (see _lash_band: up to UPRIGHT_H_PER_EYE eye widths, darker
# than the skin, UPRIGHT_SKIN_PERCENTILE of its column, by UPRIGHT_DARKER_BY, whole at the UPRIGHT_LASH_PERCENTILE of
# its lowest third) is laid back over the lid at its moving edge, as far as the lid's skin hides the warp's lashes
# (their share left, after the lash fill and the cover, is (1 - fade)^2: laid at 1 - (1 - fade)^3 they keep >= ~0.8
# of their darkness), and turned down over UPRIGHT_TURN_BLINK of closure (foreshortened to UPRIGHT_TURNED of their
# height), where the photo's lashes hanging from the closed edge take over (see PHOTO_LASH_*).
UPRIGHT_H_PER_EYE = 0.25
UPRIGHT_SKIN_PERCENTILE = 85
UPRIGHT_LASH_PERCENTILE = 5
UPRIGHT_DARKER_BY = (6.0, 18.0)
UPRIGHT_TURN_BLINK = (0.05, 0.35)
UPRIGHT_TURNED = 0.1
UPRIGHT_CORNER_S = 0.15  # the band fades out over this share of the lid towards each corner
UPRIGHT_GONE_BLINK = (0.25, 0.5)  # ... and fade out over this (faded whole, they were a grey band: happy)
# The band is read UPRIGHT_SUPERSAMPLE times as finely as the _photo_lashes grid, and drawn as its mean over each
# pixel's height (squashed, several of its rows fall in one pixel): read at the grid's own ~1 px and point-sampled,
# a squashed band's top stair-stepped along a slanted edge with dark dashes above it (art_1 at 0.29, art_5 at 0.34).
UPRIGHT_SUPERSAMPLE = 2
# Where _photo_lashes finds the photo's single lashes, no band is drawn, and the warp's own lashes stay in front of the
# lid's skin (not filled, not covered) until the lid has come UPRIGHT_WARP_BLINK of the way: the band drawn over such
# lashes, with the shade of the lid's fold it holds, turned full_body_2's spiky lashes into a smooth fuzzy crescent for
# a frame (blink 0.15). (See _lashes_found.)
UPRIGHT_FOUND = (
    0.15,
    0.4,
)  # a column's single lashes found (_photo_lashes' coverage) from .. to (see _lash_band)
UPRIGHT_FOUND_ALONG = 0.08  # ... within this (eye widths) along the lid
UPRIGHT_FOUND_SHARE = (
    0.1,
    0.3,
)  # ... on a lid where they were found over this share of its middle 70 %, from .. to
UPRIGHT_WARP_BLINK = (0.2, 0.4)  # ... there the warp's own lashes stay in front of the lid, whole .. gone
# A widened upper lid (eyeWide) uncovers eyeball the photo's lid hid; the rig keeps the eyeball where it is and
# stretches only a hair-thin strip of the photo's lid line over the gap (face.rig.LID_LINE_ON_EYEBALL_PX), which
# draw_uncovered redraws down each column: the photo's dark under its lid edge (the lashes' shadow, liner) rides
# up with the lid as thick as it was, and the photo's eye below it (white, iris) opens up to the lower lid. (The
# eyeball stretched from the lid line down, before, grew that dark into an oversized dark eye: happy.png.)
UNCOVER_MIN_PX = 0.15  # a lift smaller than this uncovers nothing worth drawing
UNDER_LID_PER_EYE = (0.02, 0.12)  # the dark under the photo's lid edge is this thick at least / at most
UNDER_LID_DEFAULT_PER_EYE = 0.06  # ... and this where the photo shows no white to measure it against
# It ends where the luminance is this share of the way from its darkest to the white.
UNDER_LID_SCLERA_SHARE = 0.5
UNDER_LID_COLUMNS = 21  # measured at this many places along the lid, corner to corner
SCLERA_LIGHT_PERCENTILE = 60  # the white: the median of the opening's pixels (beside the iris) above this


@dataclass(frozen=True)
class LidColours:
    """Per eye (right, left): the photo's lid skin and lashes, everything the lids need that does not
    depend on the pose.

    skin: (2, 3) median lid skin RGB; lash: (2, 3) lash RGB; texture: (2, TEXTURE_ROWS, TEXTURE_COLUMNS, 3) the lid skin band above the lashes, float32
    0..255, row 0 nearest the lid edge, column 0 at the first lid corner (lashes, liner and brow hairs
    removed); lid_tone: (2, REFERENCE_COLUMNS, 3) the lid's smooth colour along it (from REFERENCE_FROM_S to
    REFERENCE_TO_S): the brow bone's skin between crease and brow, lifted where it is a deep shadow;
    brow_up_per_eye:
    (2,) the brow's height above the lid, in eye widths; strands: (2, LASH_STRANDS) lash tip density
    0..1 along the lid, one value every LASH_STRAND_PX; hair: per eye an (H, W, 4) float32 grid, RGB and
    opacity 0..1 of the photo's hair strands in front of the eye, in lid coordinates (see HAIR_S, HAIR_H),
    and hair_px: (2,) its grid px per eye width; lid_light: (2, REFERENCE_COLUMNS, 3) the tone a closed lid
    is at least as light as, between the brow bone's and the under-eye skin's, and lid_pull: (2,) how far
    towards it (0 where the whole socket is in shadow, see LID_LIT_REGION); outer_reach_per_eye: (2,) how far
    the photo's lid line runs on past the outer corner landmark, in eye widths (see _outer_reach);
    photo_lashes: per eye an (H, W) float32 grid of the photo's upper lashes' coverage 0..1 above the open lid
    edge, row 0 at the edge, column 0 at the landmarks' first corner, photo_lash_px: (2,) its grid px per eye
    width (see _photo_lashes); inner_pale: (2,) 0..1 how far the photo's inner corner is pale against the lid
    (see _inner_pale)."""

    skin: np.ndarray
    lash: np.ndarray
    texture: np.ndarray
    lid_tone: np.ndarray
    brow_up_per_eye: np.ndarray
    strands: np.ndarray
    hair: tuple[np.ndarray, ...]
    hair_px: np.ndarray
    lid_light: np.ndarray
    lid_pull: np.ndarray
    outer_reach_per_eye: np.ndarray
    photo_lashes: tuple[np.ndarray, ...]
    photo_lash_px: np.ndarray
    inner_pale: np.ndarray
    # (2, 2, 4) the photo's upper-lid skin as it is shaded, per eye: at its dark and its light end (see SHADE_*) its
    # luminance (0..255) and chromaticity (RGB over their sum); None: not sampled (the lid keeps the light's hue)
    lid_shade: np.ndarray | None = None
    # (2,) the luminance (0..255) the closed lid is pulled up to at most (see SHADE_LIGHT_*); None: not sampled
    lid_light_max: np.ndarray | None = None
    # (2,) how sharp the photo's upper lid line is: its steepest one-pixel step's share of its depth (see EDGE_*); None:
    # not sampled (the closed line's top is a one-pixel ramp)
    lid_edge_share: np.ndarray | None = None
    # (2, UNDER_LID_COLUMNS) how far the dark under the open upper lid edge reaches down over the eye, in eye
    # widths, corner to corner (see _under_lid and draw_uncovered); None: not sampled (nothing uncovered is drawn)
    under_lid_per_eye: np.ndarray | None = None
    # per eye an (H, W) float32 grid of how far the photo's dark lash band above the open upper lid edge covers the skin
    # (0..1), dense lashes and liner included, row 0 at the edge, column 0 at the landmarks' first corner, on the
    # photo_lash_px grid (see _lash_band and UPRIGHT_*); None: not sampled (no upright lashes are drawn)
    lash_band: tuple[np.ndarray, ...] | None = None


def _normal_up(polyline: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to the corner-to-corner line, pointing up the face (negative image y)."""
    d = polyline[-1] - polyline[0]
    n = np.array([d[1], -d[0]], np.float32)
    n /= max(float(np.linalg.norm(n)), 1e-6)
    return n if n[1] <= 0 else -n


def _height_at(
    points: np.ndarray, origin: np.ndarray, along: np.ndarray, up: np.ndarray, scale: float, s: np.ndarray
) -> np.ndarray:
    """The polyline `points`' height (px along `up`, from `origin`) at each `s`, a place along the lid (origin +
    s * scale * along), linear between its points (given in any order)."""
    at = ((points - origin) @ along) / scale
    order = np.argsort(at)
    return np.interp(s, at[order], ((points - origin) @ up)[order])


def _resample(polyline: np.ndarray, count: int) -> np.ndarray:
    """`count` points evenly spaced along a polyline (by arc length)."""
    steps = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    at = np.linspace(0.0, arc[-1], count)
    return np.stack([np.interp(at, arc, polyline[:, k]) for k in (0, 1)], axis=1).astype(np.float32)


def _sample(image: np.ndarray, xy: np.ndarray, border: int = cv2.BORDER_REFLECT_101) -> np.ndarray:
    """(..., 3) float32: `image` sampled (bilinear) at the (..., 2) image positions `xy`."""
    return cv2.remap(
        image,
        np.ascontiguousarray(xy[..., 0], np.float32),
        np.ascontiguousarray(xy[..., 1], np.float32),
        cv2.INTER_LINEAR,
        borderMode=border,
    ).astype(np.float32)


def _sample_at(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """_sample at image positions given as separate x and y fields (the same numbers, without stacking)."""
    return cv2.remap(
        image,
        np.ascontiguousarray(x, np.float32),
        np.ascontiguousarray(y, np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT_101,
    ).astype(np.float32)


def _lid_band(image: np.ndarray, lid: np.ndarray, brow_up_px: float) -> tuple[np.ndarray, float]:
    """(TEXTURE_ROWS, TEXTURE_COLUMNS, 3) float32: the skin band above an upper-lid edge, lashes removed;
    and the number of its rows that span the eye when the lid is closed."""
    eye_w = float(np.linalg.norm(lid[-1] - lid[0]))
    up = _normal_up(lid)
    start = BAND_FROM_PER_EYE * eye_w
    highest = max(BAND_MAX_PER_BROW * brow_up_px, start + 2.0)
    closed = min(BAND_TO_PER_EYE * eye_w, highest)
    stop = min((BAND_TO_PER_EYE + BAND_EXTRA_PER_EYE) * eye_w, highest)
    closed_rows = (TEXTURE_ROWS - 1) * (closed - start) / max(stop - start, 1e-3)
    # Inset from the corners: the band there runs into the other lid and the nose.
    along = _resample(lid, TEXTURE_COLUMNS + 4)[2:-2]
    heights = np.linspace(start, stop, TEXTURE_ROWS, dtype=np.float32)
    band = _sample(image, along[None, :, :] + heights[:, None, None] * up[None, None, :])
    # Lashes, liner and stray brow hairs are darker than the skin around them: fill them from their
    # neighbours (normalised convolution), keeping the skin's own shading and texture.
    luminance = band.mean(axis=2)
    keep = (luminance >= 0.8 * np.median(luminance)).astype(np.float32)
    if keep.sum() < 4:
        flat = np.broadcast_to(np.median(band.reshape(-1, 3), axis=0), band.shape)
        return flat.astype(np.float32), closed_rows
    sigma = 1.5
    weight = cv2.GaussianBlur(keep, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    filled = cv2.GaussianBlur(band * keep[..., None], (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    filled = filled / np.maximum(weight, 1e-3)[..., None]
    # Far from any skin sample (a wide dark patch) the fill falls back on the band's typical skin.
    typical = np.median(band[keep > 0], axis=0)
    filled = np.where(weight[..., None] > 0.15, filled, typical)
    rough = np.where(keep[..., None] > 0, band, filled)
    return np.clip(rough, 0, 255).astype(np.float32), closed_rows


def _skin_tone(
    image: np.ndarray, edge: np.ndarray, up: np.ndarray, heights: np.ndarray, face_skin: np.ndarray | None
) -> np.ndarray | None:
    """(REFERENCE_COLUMNS, 3) float32: the skin at these heights (px, along `up`) over a lid edge, along
    it, smooth, at BROW_BONE_PERCENTILE of its luminance, None where too little of it is skin (hair over
    the brow, a deep shadow)."""
    along = _resample(edge, TEXTURE_COLUMNS)
    band = _sample(image, along[None, :, :] + heights[:, None, None].astype(np.float32) * up[None, None, :])
    lum = band.mean(axis=2)
    keep = np.ones(lum.shape, bool)
    if face_skin is not None:
        face_lum = max(float(face_skin.mean()), 1.0)
        chroma = band / np.maximum(band.sum(axis=2, keepdims=True), 1.0)
        face_chroma = face_skin / max(float(face_skin.sum()), 1.0)
        keep = (np.abs(chroma - face_chroma).max(axis=2) < SKIN_CHROMA_TOLERANCE) & (
            (lum > SKIN_LUM_RANGE[0] * face_lum) & (lum < SKIN_LUM_RANGE[1] * face_lum)
        )
    at = np.linspace(REFERENCE_FROM_S, REFERENCE_TO_S, REFERENCE_COLUMNS) * (TEXTURE_COLUMNS - 1)
    columns = keep.sum(axis=0) >= 2
    if columns.sum() < 4:
        return None
    # Per column, the skin pixel at a light-leaning luminance percentile (a whole pixel, so its hue is real).
    ranked = np.where(keep, lum, np.nan)[:, columns]
    target = np.nanpercentile(ranked, BROW_BONE_PERCENTILE, axis=0)
    pick = np.nanargmin(np.abs(np.where(np.isnan(ranked), np.inf, ranked - target)), axis=0)
    tone = band[:, columns][pick, np.arange(int(columns.sum()))]
    cols = np.nonzero(columns)[0].astype(np.float32)
    tone = np.stack([np.interp(at, cols, tone[:, k]) for k in range(3)], axis=1).astype(np.float32)
    return cv2.GaussianBlur(tone[None], (0, 0), 1.5, borderType=cv2.BORDER_REPLICATE)[0]


def _upper_lid_shade(
    image: np.ndarray, lid: np.ndarray, up: np.ndarray, brow_up_px: float, face_skin: np.ndarray | None
) -> tuple[np.ndarray, float] | None:
    """(2, 4) the photo's upper-lid skin over a lid edge (9, 2) as it is shaded: at the SHADE_PERCENTILES of its
    luminance, that luminance and the chromaticity (RGB over their sum) a straight line fitted to the skin's
    chromaticity against its luminance gives there; and the luminance a closed lid is pulled up to at most (see
    SHADE_LIGHT_*); None where too little of it is skin."""
    if face_skin is None:
        return None
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    start = SHADE_FROM_PER_EYE * eye_w
    heights = np.linspace(
        start, max(BROW_BONE_TO * brow_up_px, start + 2.0), BROW_BONE_ROWS, dtype=np.float32
    )
    along = _resample(lid, TEXTURE_COLUMNS)[2:-2]
    band = _sample(image, along[None, :, :] + heights[:, None, None] * up[None, None, :]).reshape(-1, 3)
    lum = band.mean(axis=1)
    face_lum = max(float(face_skin.mean()), 1.0)
    chroma = band / np.maximum(band.sum(axis=1, keepdims=True), 1.0)
    face_chroma = face_skin / max(float(face_skin.sum()), 1.0)
    keep = (np.abs(chroma - face_chroma).max(axis=1) < SHADE_CHROMA_TOLERANCE) & (
        (lum > SHADE_LUM_RANGE[0] * face_lum) & (lum < SHADE_LUM_RANGE[1] * face_lum)
    )
    if keep.sum() < SHADE_MIN_PIXELS:
        return None
    lum, chroma = lum[keep], chroma[keep]
    ends = np.percentile(lum, SHADE_PERCENTILES).astype(np.float64)
    light_max = SHADE_LIGHT_OF_SKIN * float(np.percentile(lum, SHADE_LIGHT_PERCENTILE))
    if ends[1] - ends[0] < 2.0:  # (no shading to read a slope from: its hue throughout)
        flat = np.median(chroma, axis=0)
        return np.array([[ends[0], *flat], [ends[1], *flat]], np.float32), light_max
    centred = lum - lum.mean()
    slope = (centred @ (chroma - chroma.mean(axis=0))) / max(float(centred @ centred), 1e-6)
    at = chroma.mean(axis=0)[None, :] + (ends - lum.mean())[:, None] * slope[None, :]
    return np.concatenate([ends[:, None], at], axis=1).astype(np.float32), light_max


def _edge_share(image: np.ndarray, lid: np.ndarray) -> float:
    """How sharp the photo's upper lid line (9, 2) is: the steepest one-pixel rise across it as a share of the whole
    rise from the lash line to the skin above (see EDGE_*); 1 (sharp) where no place shows it."""
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    along, up = (lid[-1] - lid[0]) / eye_w, _normal_up(lid)
    s = np.linspace(EDGE_S[0], EDGE_S[1], EDGE_COLUMNS, dtype=np.float32)
    edge_h = _height_at(lid, lid[0], along, up, eye_w, s).astype(np.float32)
    quarter = 4  # samples per pixel
    h = np.arange(EDGE_H[0] * eye_w, EDGE_H[1] * eye_w, 1.0 / quarter, dtype=np.float32)
    xy = lid[0] + (s[:, None, None] * eye_w) * along + (edge_h[:, None] + h[None, :])[..., None] * up
    profiles = _mean3(_sample(image, xy))
    darkest_to = max(int(np.searchsorted(h, 0.5 * EDGE_H[1] * eye_w)), 1)
    shares = []
    for profile in profiles:
        low = int(np.argmin(profile[:darkest_to]))
        rise = profile[low:]
        if len(rise) <= quarter:
            continue
        contrast = float(np.percentile(rise, EDGE_SKIN_PERCENTILE)) - float(rise[0])
        if contrast < EDGE_MIN_CONTRAST:
            continue
        shares.append(min(float(np.max(rise[quarter:] - rise[:-quarter])) / contrast, 1.0))
    return float(np.median(shares)) if shares else 1.0


def _hair_in_front(
    image: np.ndarray, lid: np.ndarray, lower: np.ndarray, face_skin: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """(H, W, 4) float32: the photo around an eye on a grid in lid coordinates (row 0 highest, see HAIR_S
    and HAIR_H), RGB 0..255 and the opacity 0..1 of the hair strands in it; and the grid's px per eye
    width. `lid`, `lower`: (9, 2) the photo's upper and lower lid edges, corner to corner; face_skin: the
    face's median RGB (broad locks of light neutral hair are found by colour against it)."""
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    along, up = (lid[-1] - lid[0]) / eye_w, _normal_up(lid)
    px = int(min(max(round(eye_w), 8), HAIR_MAX_PX))
    s = HAIR_S[0] + np.arange(int((HAIR_S[1] - HAIR_S[0]) * px), dtype=np.float32) / px
    h = HAIR_H[1] - np.arange(int((HAIR_H[1] - HAIR_H[0]) * px), dtype=np.float32) / px
    xy = lid[0] + (s[None, :, None] * along + h[:, None, None] * up) * eye_w
    grid = _sample(image, xy)
    lum = grid.mean(axis=2)
    size = max(3, int(round(HAIR_WIDTH_PER_EYE * px)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    lighter = lum - cv2.morphologyEx(lum, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REPLICATE)
    alpha = _smoothstep(HAIR_LIGHTER_BY[0], HAIR_LIGHTER_BY[1], lighter).astype(np.float32)
    alpha[:size], alpha[-size:], alpha[:, :size], alpha[:, -size:] = 0, 0, 0, 0  # the opening's borders
    # The open eye, in grid px: light slivers inside it are sclera and catchlights.
    polygon = np.concatenate([lid, lower[::-1]]) - lid[0]
    grid_xy = np.stack(
        [((polygon @ along) / eye_w - HAIR_S[0]) * px, (HAIR_H[1] - (polygon @ up) / eye_w) * px], 1
    )
    eye = np.zeros(lum.shape, np.uint8)
    cv2.fillPoly(eye, [np.round(grid_xy).astype(np.int32)], 1)
    # Its lower half, where the closed lid's lash line lies: a sliver of sclera there, white, neutral and light
    # as a lock of white hair, went on over the lash line as a white notch (full3). The lid covers it.
    rim_xy = grid_xy[len(lid) :]
    lower_half = np.zeros(lum.shape, np.float32)
    cv2.fillPoly(
        lower_half,
        [np.round(np.concatenate([0.5 * (grid_xy[: len(lid)] + rim_xy[::-1]), rim_xy])).astype(np.int32)],
        1.0,
    )
    lower_half = cv2.GaussianBlur(lower_half, (0, 0), max(1.0, 0.02 * px))
    margin = 2 * int(round(HAIR_EYE_MARGIN_PER_EYE * px)) + 1  # the landmarks cut the eye's corners short
    eye = cv2.dilate(eye, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (margin, margin)))
    # Below the lower lid the closing lid never reaches (its lashes rest on it): its rim is not hair.
    rim = grid_xy[len(lid) :]
    below = np.concatenate([rim, [[rim[-1, 0], lum.shape[0]], [rim[0, 0], lum.shape[0]]]])
    cv2.fillPoly(alpha, [np.round(below).astype(np.int32)], 0.0)
    edge_xy = grid_xy[: len(lid)]
    count, labels, stats, _ = cv2.connectedComponentsWithStats((alpha > 0.3).astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    for k in range(1, count):
        x, y, w, hh, area = stats[k]
        length = float(np.hypot(w, hh))
        if length < HAIR_MIN_LENGTH_PER_EYE * px or area > HAIR_THIN_PER_EYE * px * length:
            continue
        ys, xs = np.nonzero(labels[y : y + hh, x : x + w] == k)
        # Its direction against the lid edge's where it is (the lid curves down steeply at its corners).
        _, vectors = np.linalg.eigh(np.cov(np.stack([xs, ys]).astype(np.float64)))
        nearest = int(np.argmin(np.abs(edge_xy[:, 0] - (x + xs.mean()))))
        tangent = edge_xy[min(nearest + 1, len(lid) - 1)] - edge_xy[max(nearest - 1, 0)]
        tangent /= max(float(np.linalg.norm(tangent)), 1e-6)
        angle = np.degrees(np.arccos(min(abs(float(vectors[:, 1] @ tangent)), 1.0)))
        outside = 1.0 - float(eye[ys + y, xs + x].mean())
        crossing = (
            length >= HAIR_CROSSING_PER_EYE * px and angle >= HAIR_CROSSING_DEG and outside >= HAIR_ENTERS
        )
        keep[k] = angle >= HAIR_ACROSS_DEG and (outside >= HAIR_OUTSIDE_EYE or crossing)
    alpha *= keep[labels]
    broad = _broad_hair(grid, lum, face_skin, eye, px)
    if broad is not None:
        cv2.fillPoly(broad, [np.round(below).astype(np.int32)], 0.0)
        alpha = np.maximum(alpha, broad)
    alpha *= 1.0 - lower_half
    return np.concatenate([grid, alpha[..., None]], axis=2), px


def _broad_hair(
    grid: np.ndarray, lum: np.ndarray, face_skin: np.ndarray | None, eye: np.ndarray, px: int
) -> np.ndarray | None:
    """(H, W) float32 opacity of broad locks of light, neutral hair on the grid (see BROAD_HAIR_*), None
    when the skin is too neutral itself to tell them apart."""
    if face_skin is None:
        return None
    skin_lum = max(float(np.mean(face_skin)), 1.0)
    skin_chroma = float(np.max(face_skin) - np.min(face_skin)) / skin_lum
    if skin_chroma < BROAD_HAIR_SKIN_CHROMA:
        return None
    chroma = (grid.max(axis=2) - grid.min(axis=2)) / np.maximum(lum, 1.0)
    neutral = 1.0 - _smoothstep(
        BROAD_HAIR_NEUTRAL[0] * skin_chroma, BROAD_HAIR_NEUTRAL[1] * skin_chroma, chroma
    )
    light = _smoothstep(BROAD_HAIR_LIGHT[0] * skin_lum, BROAD_HAIR_LIGHT[1] * skin_lum, lum)
    broad = (neutral * light).astype(np.float32)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((broad > 0.5).astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    # A lock comes into the eye from outside it (a patch mostly inside is the sclera or a catchlight), the
    # dark lash line keeping the two apart.
    area = stats[:, cv2.CC_STAT_AREA]
    inside = np.bincount(labels.ravel(), weights=eye.ravel().astype(np.float64), minlength=count)
    keep = (area >= BROAD_HAIR_MIN_AREA * px * px) & (inside <= (1.0 - HAIR_OUTSIDE_EYE) * area)
    keep[0] = False
    # (the soft rim of a kept patch stays with it: the grid is dilated by a pixel around the patches)
    near = cv2.dilate(keep[labels].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    return broad * near


def _hanging_from_above(pale: np.ndarray, above_open: np.ndarray, reach_px: float) -> np.ndarray | None:
    """`pale` (_hair_like) with only the patches that reach `reach_px` above the open lid edge (`above_open`: each
    pixel's height above it, px), None when none does: a lock hangs from the head; light, neutral patches along
    the lash line (glitter, a wet liner) are no hair."""
    count, labels = cv2.connectedComponents((pale > 0.5).astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    keep = np.zeros(count, bool)
    keep[labels[above_open >= reach_px]] = True
    keep[0] = False
    if not keep.any():
        return None
    # (with the soft rim round each kept patch)
    size = 2 * int(np.ceil(LOCK_RIM_PX)) + 1
    near = cv2.dilate(keep[labels].astype(np.uint8), np.ones((size, size), np.uint8))
    return pale * near


def _hair_like(pixels: np.ndarray, skin: np.ndarray, eye_w: float) -> np.ndarray | None:
    """(H, W) float32 0..1: how far each pixel of (H, W, 3) `pixels` is a light, neutral lock of hair rather than
    skin, by colour alone against the skin tones `skin` (N, 3) (as _broad_hair, without its patch tests), None
    where the skin is too neutral itself to tell them apart, or they add up to less than a patch of
    BROAD_HAIR_MIN_AREA (eye width `eye_w` px): a highlight, no lock."""
    skin_rgb = np.asarray(skin, np.float32).reshape(-1, 3).mean(axis=0)
    skin_lum = max(float(np.mean(skin_rgb)), 1.0)
    skin_chroma = float(np.max(skin_rgb) - np.min(skin_rgb)) / skin_lum
    if skin_chroma < BROAD_HAIR_SKIN_CHROMA:
        return None
    lum = _mean3(pixels)
    spread = np.maximum(np.maximum(pixels[..., 0], pixels[..., 1]), pixels[..., 2])
    spread -= np.minimum(np.minimum(pixels[..., 0], pixels[..., 1]), pixels[..., 2])
    neutral = 1.0 - _smoothstep(
        BROAD_HAIR_NEUTRAL[0] * skin_chroma,
        BROAD_HAIR_NEUTRAL[1] * skin_chroma,
        spread / np.maximum(lum, 1.0),
    )
    pale = neutral * _smoothstep(BROAD_HAIR_LIGHT[0] * skin_lum, BROAD_HAIR_LIGHT[1] * skin_lum, lum)
    return pale.astype(np.float32) if float(pale.sum()) >= BROAD_HAIR_MIN_AREA * eye_w * eye_w else None


def _outer_reach(image: np.ndarray, lid: np.ndarray, outer_first: bool) -> float:
    """How far (eye widths, at most OUTER_REACH_MAX) the photo's upper lid line runs on past the outer corner
    landmark, which sits short of a painted or made-up eye's visible corner: along the corner-to-corner line
    outwards, as long as a band of OUTER_BAND_PER_EYE either side of it holds a line darker than
    OUTER_LINE_OF_SKIN of the skin on both sides, in one run from near the corner (OUTER_START_PER_EYE)."""
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    corner, other = (lid[0], lid[-1]) if outer_first else (lid[-1], lid[0])
    out = (corner - other) / eye_w
    up = _normal_up(lid)
    t = np.arange(0.0, OUTER_REACH_MAX * eye_w + 0.5, 0.5, dtype=np.float32)
    across = np.linspace(-OUTER_BAND_PER_EYE, OUTER_BAND_PER_EYE, 9, dtype=np.float32) * eye_w
    xy = corner + t[None, :, None] * out + across[:, None, None] * up
    lum = _mean3(_sample(image, xy))
    # (against the skin beside it in the same band, on both sides: a line, not the edge of the socket's shade
    # or a crease under a dark brow)
    sides = np.minimum(np.percentile(lum[:4], 75, axis=0), np.percentile(lum[-4:], 75, axis=0))
    line = lum.min(axis=0) < OUTER_LINE_OF_SKIN * sides
    # One run of it, over gaps of a pixel (a dotted liner is one line), starting within OUTER_START_PER_EYE of
    # the corner (whose own lashes darken the whole band there).
    gap = int(round(1.0 / 0.5))  # samples per pixel
    reach, end = 0.0, -1
    for k in np.nonzero(line)[0]:
        if end >= 0 and k - end > gap + 1:  # a new run: only one starting near the corner counts
            if t[k] > OUTER_START_PER_EYE * eye_w:
                break
        end = int(k)
        reach = float(t[k])
    return reach / eye_w if reach > 1.0 else 0.0


def _inner_pale(image: np.ndarray, lid: np.ndarray, inner_first: bool, light: np.ndarray) -> float:
    """0..1: how far the photo's inner eye corner, above the landmarks' lid edge (9, 2), is pale against the
    lid's light tone `light` (REFERENCE_COLUMNS, 3) (see INNER_PALE_*)."""
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    along, up = (lid[-1] - lid[0]) / eye_w, _normal_up(lid)
    from_inner = np.linspace(INNER_PALE_S[0], INNER_PALE_S[1], 12, dtype=np.float32)
    s = from_inner if inner_first else 1.0 - from_inner
    edge_h = _height_at(lid, lid[0], along, up, eye_w, s).astype(np.float32)
    h = edge_h[None, :] + np.linspace(*INNER_PALE_H, 8, dtype=np.float32)[:, None] * eye_w
    xy = lid[0] + (s[None, :, None] * eye_w) * along + h[..., None] * up
    lum = _mean3(_sample(image, xy))
    end = light[0] if inner_first else light[-1]
    ratio = float(np.percentile(lum, 90)) / max(float(np.mean(end)), 1.0)
    return _ramp(INNER_PALE_OF_LIGHT[0], INNER_PALE_OF_LIGHT[1], ratio)


def _photo_lashes(image: np.ndarray, lid: np.ndarray, brow_up_px: float) -> tuple[np.ndarray, int]:
    """(H, W) float32: the coverage 0..1 of the photo's upper lashes above an open lid edge (9, 2), on a grid
    of lid coordinates (row k at k / px eye widths above the edge, column j at s = j / px along the corner-to-
    corner line), and its px per eye width (see PHOTO_LASH_*)."""
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    along, up = (lid[-1] - lid[0]) / eye_w, _normal_up(lid)
    px = int(min(max(round(eye_w), 8), PHOTO_LASH_MAX_PX))
    reach = max(min(PHOTO_LASH_H_PER_EYE * eye_w, PHOTO_LASH_PER_BROW * brow_up_px), 2.0)
    rows = max(2, int(np.ceil(reach / eye_w * px)) + 1)
    s = np.arange(px + 1, dtype=np.float32) / px
    edge_h = _height_at(lid, lid[0], along, up, eye_w, s).astype(np.float32)
    h = edge_h[None, :] + (np.arange(rows, dtype=np.float32) * (eye_w / px))[:, None]
    xy = lid[0] + (s[None, :, None] * eye_w) * along + h[..., None] * up
    lum = _mean3(_sample(image, xy))
    # (a closing along the lid only: lashes are thin across it, a crease or a fold above the lid is a line along
    # it, which would hang below the closed lid as a second lash line: art_17)
    size = max(3, int(round(PHOTO_LASH_WIDTH_PER_EYE * px)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, 1))
    skin = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    # (less what a closing up the lid finds: a crease is thin that way, a lash is not; a crease that does not
    # run quite along the lid is thin both ways)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, size))
    line = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE) - lum
    darker = skin - lum - line
    # (how far from the skin towards the darkest lash: a strand thinner than a pixel is partly skin)
    darkest = float(np.percentile(lum, 2))
    coverage = np.clip(darker / np.maximum(skin - darkest, 1.0), 0.0, 1.0)
    coverage *= _smoothstep(PHOTO_LASH_DARKER_BY[0], PHOTO_LASH_DARKER_BY[1], darker)
    # (fading out over the top rows: no hard edge where the grid stops)
    coverage *= _smoothstep(float(rows - 1), 0.6 * (rows - 1), np.arange(rows, dtype=np.float32))[:, None]
    # A lash runs from its tip down to the lid edge, where the lashes merge into the lid line and the closing
    # along the lid no longer tells them apart: carried down from the tip (fading a little), a flipped lash
    # hangs from the closed edge instead of floating below it as a loose dash (full_body_2).
    for row in range(rows - 2, -1, -1):
        np.maximum(coverage[row], PHOTO_LASH_ROOT_KEEP * coverage[row + 1], out=coverage[row])
    return coverage.astype(np.float32), px


def _lashes_found(distinct: np.ndarray) -> np.ndarray:
    """(W,) float32 0..1 per column of a _photo_lashes grid (H, W): how far the photo's single lashes were found
    there (UPRIGHT_FOUND of their coverage, within UPRIGHT_FOUND_ALONG eye widths along the lid)."""
    px = distinct.shape[1] - 1
    reach = max(1, int(round(UPRIGHT_FOUND_ALONG * px)))
    found = cv2.dilate(distinct.max(axis=0)[None].astype(np.float32), np.ones((1, 2 * reach + 1), np.uint8))
    found = _blur(found, max(1.0, 0.5 * reach), 0.0)[0]
    # (and only on a lid where they were found over UPRIGHT_FOUND_SHARE of its middle: a clump found at happy.png's
    # outer corner, the warp's kept there, was a dark tuft on the reopening edge)
    middle = distinct[:, int(0.15 * px) : int(0.85 * px) + 1].max(axis=0)
    share = _smoothstep(
        UPRIGHT_FOUND_SHARE[0], UPRIGHT_FOUND_SHARE[1], float(np.mean(middle > LASH_TIP_COVERAGE))
    )
    return (share * _smoothstep(UPRIGHT_FOUND[0], UPRIGHT_FOUND[1], found)).astype(np.float32)


def _lash_band(
    image: np.ndarray, lid: np.ndarray, brow_up_px: float, px: int, distinct: np.ndarray | None = None
) -> np.ndarray:
    """(H, W) float32: how far the photo's lashes cover the skin (0..1) above an open lid edge (9, 2), on a grid
    UPRIGHT_SUPERSAMPLE times as fine as _photo_lashes' `px` per eye width (W - 1 columns per eye width, row k at
    k / (W - 1) eye widths above the edge), up to UPRIGHT_H_PER_EYE: the dark
    between the edge and the skin above it, each column against the skin's light there (UPRIGHT_SKIN_PERCENTILE of the
    column, evened out along the lid), from nothing UPRIGHT_DARKER_BY[0] under it to whole at the photo's darkest lash
    line (its UPRIGHT_LASH_PERCENTILE). Unlike _photo_lashes, which finds single lashes against the skin between them,
    a dense lash band counts whole."""
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    along, up = (lid[-1] - lid[0]) / eye_w, _normal_up(lid)
    reach = max(min(UPRIGHT_H_PER_EYE * eye_w, PHOTO_LASH_PER_BROW * brow_up_px), 2.0)
    px = UPRIGHT_SUPERSAMPLE * px
    rows = max(2, int(np.ceil(reach / eye_w * px)) + 1)
    s = np.arange(px + 1, dtype=np.float32) / px
    edge_h = _height_at(lid, lid[0], along, up, eye_w, s).astype(np.float32)
    h = edge_h[None, :] + (np.arange(rows, dtype=np.float32) * (eye_w / px))[:, None]
    lum = _mean3(_sample(image, lid[0] + (s[None, :, None] * eye_w) * along + h[..., None] * up))
    skin = np.percentile(lum, UPRIGHT_SKIN_PERCENTILE, axis=0).astype(np.float32)
    skin = cv2.GaussianBlur(skin[None], (0, 0), max(1.0, 0.1 * px), borderType=cv2.BORDER_REPLICATE)[0]
    darkest = float(np.percentile(lum[: max(2, rows // 3)], UPRIGHT_LASH_PERCENTILE))
    darker = skin[None, :] - lum
    band = np.clip(darker / np.maximum(skin - darkest, 1.0)[None, :], 0.0, 1.0)
    band *= _smoothstep(UPRIGHT_DARKER_BY[0], UPRIGHT_DARKER_BY[1], darker)
    # (fading out over the top rows and towards the corners: no hard edge where the grid stops, no block of a liner
    # wing cut off at the outer corner landmark, art_5)
    band *= _smoothstep(float(rows - 1), 0.5 * (rows - 1), np.arange(rows, dtype=np.float32))[:, None]
    band *= (_smoothstep(0.0, UPRIGHT_CORNER_S, s) * _smoothstep(1.0, 1.0 - UPRIGHT_CORNER_S, s))[None, :]
    if distinct is not None:
        # Not where _photo_lashes found the photo's single lashes (their grid `distinct`, see _lashes_found): the
        # warp carries those on the edge (not filled there, see draw_lids), and the band drawn over them, squashed,
        # with the shade of the lid's fold it holds, turned them into a smooth fuzzy crescent (full_body_2 at 0.15).
        found = _lashes_found(distinct)
        band *= 1.0 - np.interp(s, np.linspace(0.0, 1.0, len(found)), found).astype(np.float32)[None, :]
    return band.astype(np.float32)


def _under_lid(image: np.ndarray, lid: np.ndarray, lower_lid: np.ndarray, iris_xy: np.ndarray) -> np.ndarray:
    """(UNDER_LID_COLUMNS,) how far (eye widths) the dark under an open upper lid's edge (the lashes' shadow, liner)
    reaches down over the white, along the lid corner to corner: down each column beside the iris, from the edge
    to where the luminance is UNDER_LID_SCLERA_SHARE of the way from its darkest there to the white; over the
    iris, and where no column shows white, interpolated (or UNDER_LID_DEFAULT_PER_EYE)."""
    eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
    centre = iris_xy[0]
    radius = max(float(np.linalg.norm(iris_xy[1:] - centre, axis=1).mean()), 0.5)
    # The white: the light part of the opening beside the iris.
    x0, y0 = np.floor(np.minimum(lid.min(axis=0), lower_lid.min(axis=0))).astype(int) - 1
    x1, y1 = np.ceil(np.maximum(lid.max(axis=0), lower_lid.max(axis=0))).astype(int) + 2
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    lum = _mean3(image[y0:y1, x0:x1].astype(np.float32))
    opening = np.zeros(lum.shape, np.uint8)
    outline = np.concatenate([lid, lower_lid[::-1]]) - np.array([x0, y0], np.float32)
    cv2.fillPoly(opening, [np.round(outline * 4).astype(np.int32)], 1, shift=2)
    opening = cv2.erode(opening, np.ones((3, 3), np.uint8)).astype(bool)
    ys, xs = np.indices(opening.shape, dtype=np.float32)
    beside = opening & (np.hypot(xs + x0 - centre[0], ys + y0 - centre[1]) > 1.15 * radius)
    at_s = np.linspace(0.0, 1.0, UNDER_LID_COLUMNS)
    if beside.sum() < 6:
        return np.full(UNDER_LID_COLUMNS, UNDER_LID_DEFAULT_PER_EYE, np.float32)
    white = float(np.percentile(lum[beside], SCLERA_LIGHT_PERCENTILE))
    up = _normal_up(lid)
    along = (lid[-1] - lid[0]) / eye_w
    lid_h = _height_at(lid, lid[0], along, up, eye_w, at_s)
    lower_h = _height_at(lower_lid, lid[0], along, up, eye_w, at_s)
    reaches = np.full(UNDER_LID_COLUMNS, np.nan)
    for k, t in enumerate(at_s):
        point = lid[0] + (t * eye_w) * along + float(lid_h[k]) * up
        steps = np.arange(0.0, 0.8 * float(lid_h[k] - lower_h[k]), 0.25, dtype=np.float32)
        if len(steps) < 3 or abs(float((point - centre) @ along)) < 1.1 * radius:
            continue
        profile = _mean3(_sample(image, (point[None, :] - steps[:, None] * up[None, :])[None])[0])
        darkest = int(np.argmin(profile[: max(2, len(steps) // 2)]))
        if white - profile[darkest] < 20.0:  # (no white in this column: a dark corner)
            continue
        level = profile[darkest] + UNDER_LID_SCLERA_SHARE * (white - profile[darkest])
        past = np.nonzero(profile[darkest:] >= level)[0]
        reaches[k] = float(steps[darkest + past[0]]) if len(past) else float(steps[-1])
    known = ~np.isnan(reaches)
    if not known.any():
        return np.full(UNDER_LID_COLUMNS, UNDER_LID_DEFAULT_PER_EYE, np.float32)
    reaches = np.interp(at_s, at_s[known], reaches[known]) / eye_w
    return np.clip(reaches, *UNDER_LID_PER_EYE).astype(np.float32)


def sample_colours(image: np.ndarray, landmarks_xy: np.ndarray) -> LidColours:
    """The photo's lid skin (texture, grain and median colour, from the band between the lashes and the
    brow) and its lash colour, for both eyes."""
    height, width = image.shape[:2]
    face = np.zeros((height, width), np.uint8)
    cv2.fillPoly(face, [np.round(landmarks_xy[list(topo.face_oval())]).astype(np.int32)], 255)
    face_skin = np.median(image[face > 0].astype(np.float32), axis=0) if (face > 0).sum() > 10 else None
    skins, lashes, textures, tones, brows = ([] for _ in range(5))
    hairs, hair_px, lights, shares, reaches, photo_lashes, lash_px, pales = ([] for _ in range(8))
    unders, shade, edges, bands = [], [], [], []
    for upper, lower, brow, iris in (
        (
            topo.EYE_RIGHT_UPPER,
            topo.EYE_RIGHT_LOWER,
            topo.BROW_RIGHT_INNER + topo.BROW_RIGHT_OUTER,
            topo.IRIS_RIGHT,
        ),
        (
            topo.EYE_LEFT_UPPER,
            topo.EYE_LEFT_LOWER,
            topo.BROW_LEFT_INNER + topo.BROW_LEFT_OUTER,
            topo.IRIS_LEFT,
        ),
    ):
        lid = landmarks_xy[list(upper)].astype(np.float32)
        eye_w = max(float(np.linalg.norm(lid[-1] - lid[0])), 1e-3)
        up = _normal_up(lid)
        brow_up = max(float(np.median((landmarks_xy[list(brow)] - lid.mean(axis=0)) @ up)), 0.2 * eye_w)
        texture, rows = _lid_band(image, lid, brow_up)
        smooth = cv2.GaussianBlur(texture, (0, 0), DETAIL_SIGMA, borderType=cv2.BORDER_REFLECT)
        spanned = smooth[: max(2, int(np.ceil(rows)) + 1)].mean(axis=0)
        tone = cv2.GaussianBlur(spanned[None], (0, 0), 2.0, borderType=cv2.BORDER_REPLICATE)[0]
        at = np.linspace(REFERENCE_FROM_S, REFERENCE_TO_S, REFERENCE_COLUMNS) * (TEXTURE_COLUMNS - 1)
        tone = np.stack([np.interp(at, np.arange(TEXTURE_COLUMNS), tone[:, k]) for k in range(3)], axis=1)
        heights = np.linspace(BROW_BONE_FROM * brow_up, BROW_BONE_TO * brow_up, BROW_BONE_ROWS)
        bone = _skin_tone(image, lid, up, heights, face_skin)
        lower_lid = landmarks_xy[list(lower)].astype(np.float32)
        heights = -np.linspace(UNDER_EYE_FROM * eye_w, UNDER_EYE_TO * eye_w, BROW_BONE_ROWS)
        under = _skin_tone(image, lower_lid, up, heights, face_skin)
        hair, px = _hair_in_front(image, lid, lower_lid, face_skin)
        hairs.append(hair)
        hair_px.append(px)
        if bone is not None:
            # The lid unfolds out of the crease into the light: at least as light as the brow bone.
            tone = bone
        if face_skin is not None:
            mean = tone.mean(axis=0)
            lum, face_lum = float(mean.mean()), float(face_skin.mean())
            if lum < LID_MIN_OF_FACE * face_lum:
                pull = (LID_MIN_OF_FACE * face_lum - lum) / max(face_lum - lum, 1e-3)
                tone = np.clip(tone + pull * (face_skin - mean), 0, 255)
        skin = np.median(texture.reshape(-1, 3), axis=0)
        line = np.zeros((height, width), np.uint8)
        cv2.polylines(line, [np.round(lid).astype(np.int32)], False, 255, thickness=max(1, int(0.08 * eye_w)))
        edge = image[line > 0].astype(np.float32)
        if len(edge) >= 4:
            luminance = edge.mean(axis=1)
            lash = np.median(edge[luminance <= np.percentile(luminance, 20)], axis=0)
        else:
            lash = skin * 0.3
        skins.append(skin)
        lashes.append(np.minimum(lash, skin * LASH_LIGHTER_THAN_SKIN))
        textures.append(texture)
        tones.append(tone)
        light, share = tone, 0.0
        if under is not None and face_skin is not None:
            base = bone if bone is not None else tone
            light = base + LID_BETWEEN * (under - base)
            # (a whole socket in shadow, above and below the eye, keeps its closed lid in the shadow)
            share = _ramp(*LID_LIT_REGION, float(light.mean()) / max(float(face_skin.mean()), 1.0))
        lights.append(light)
        shares.append(share)
        brows.append(brow_up / eye_w)
        shade.append(_upper_lid_shade(image, lid, up, brow_up, face_skin))
        edges.append(_edge_share(image, lid))
        reaches.append(_outer_reach(image, lid, outer_first=upper is topo.EYE_RIGHT_UPPER))
        grid, px = _photo_lashes(image, lid, brow_up)
        photo_lashes.append(grid)
        lash_px.append(px)
        bands.append(_lash_band(image, lid, brow_up, px, grid))
        pales.append(_inner_pale(image, lid, inner_first=upper is not topo.EYE_RIGHT_UPPER, light=light))
        if len(landmarks_xy) > max(iris):
            unders.append(_under_lid(image, lid, lower_lid, landmarks_xy[list(iris)].astype(np.float32)))
    return LidColours(
        skin=np.array(skins, np.float32),
        lash=np.array(lashes, np.float32),
        texture=np.array(textures, np.float32),
        lid_tone=np.array(tones, np.float32),
        brow_up_per_eye=np.array(brows, np.float32),
        # A fixed pattern (same picture, same lashes): strands of uneven density, never quite bare.
        strands=np.random.default_rng(5).uniform(0.25, 1.0, (2, LASH_STRANDS)).astype(np.float32),
        hair=tuple(hairs),
        hair_px=np.array(hair_px, np.float32),
        lid_light=np.array(lights, np.float32),
        lid_pull=np.array(shares, np.float32),
        outer_reach_per_eye=np.array(reaches, np.float32),
        photo_lashes=tuple(photo_lashes),
        photo_lash_px=np.array(lash_px, np.float32),
        inner_pale=np.array(pales, np.float32),
        under_lid_per_eye=np.array(unders, np.float32) if len(unders) == 2 else None,
        lash_band=tuple(bands),
        lid_edge_share=np.array(edges, np.float32),
        lid_shade=None if any(x is None for x in shade) else np.array([x[0] for x in shade], np.float32),
        lid_light_max=None if any(x is None for x in shade) else np.array([x[1] for x in shade], np.float32),
    )


def _rgb(weight: np.ndarray) -> np.ndarray:
    """(H, W) -> (H, W, 3): the same numbers as weight[..., None] broadcast over a colour image, but numpy's
    arithmetic with it is ~10x faster (its inner loops along a 3-long last axis are slow, and draw_lids does
    dozens of these per frame on windows of ~10^4 pixels)."""
    weight = np.ascontiguousarray(weight)
    return cv2.merge((weight, weight, weight))


def _plane(colour: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An (H, W, 3) image of one colour (3,), for the same reason as _rgb."""
    return cv2.merge([np.full(shape, value, colour.dtype) for value in colour])


def _mean3(image: np.ndarray) -> np.ndarray:
    """The mean of the three channels of (..., 3) `image`: the same numbers as image.mean(axis=2), a tenth of
    its time (numpy reduces a short last axis slowly, and draw_lids takes a dozen per frame)."""
    return (image[..., 0] + image[..., 1] + image[..., 2]) / 3


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    # (np.minimum/np.maximum: np.clip's numbers without its Python wrapper's cost, ~50 calls a frame; in
    # place, in the same order of operations, so the same numbers with 3 temporaries instead of 8)
    t = x - edge0
    if not isinstance(t, np.ndarray) or t.ndim == 0:
        t = np.minimum(np.maximum(t * (1.0 / (edge1 - edge0)), 0.0), 1.0)
        return t * t * (3 - 2 * t)
    t *= 1.0 / (edge1 - edge0)
    np.maximum(t, 0.0, out=t)
    np.minimum(t, 1.0, out=t)
    rise = t * -2.0
    rise += 3.0
    t *= t
    t *= rise
    return t


def _ramp(edge0: float, edge1: float, x: float) -> float:
    """Scalar smoothstep."""
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3 - 2 * t)


def _blur(image: np.ndarray, sigma_x: float, sigma_y: float | None = None) -> np.ndarray:
    """About a Gaussian blur of these sigmas (px), as two box passes: cheaper at any size."""
    kx = max(1, int(round(2.45 * sigma_x)) | 1)
    ky = kx if sigma_y is None else max(1, int(round(2.45 * sigma_y)) | 1)
    once = cv2.blur(image, (kx, ky), borderType=cv2.BORDER_REPLICATE)
    return cv2.blur(once, (kx, ky), borderType=cv2.BORDER_REPLICATE)


def _reach_along(
    s: np.ndarray, reach: float, eye_w: float, from_inner: np.ndarray | None = None, inner_px: float = 0.0
) -> np.ndarray:
    """How far the cover goes above the open lid edge at lid position `s` (0..1 corner to corner), in
    pixels: `reach` in the middle, tapering towards the corners (a crescent, no straight sides); and at
    least `inner_px` at the inner corner (`from_inner`: s measured from it), fading over INNER_REACH_S."""
    taper = np.sqrt(np.clip(4 * s * (1 - s), 0.0, 1.0))
    above = np.maximum(reach * taper, CORNER_REACH_PER_EYE * eye_w)
    if from_inner is not None and inner_px > 0:
        corner = 1.0 - _smoothstep(INNER_REACH_S[0], INNER_REACH_S[1], from_inner)
        above = np.maximum(above, inner_px * corner)
    return above.astype(np.float32)


def _ring_hue(
    tone: np.ndarray, patch: np.ndarray, cover: np.ndarray, eye_w: float, row0: int = 0
) -> np.ndarray:
    """The lid's tone with its chromaticity moved LID_RING_HUE of the way to the skin's around the cover
    (same luminance): the lid's own skin, spread over the whole closed eye, must not read as a patch of
    another hue (a painting's pink-grey lid skin in an orange face). Measured on every other pixel (cheap).
    `tone` holds the window's rows from `row0` (even) on, which hold all its covered pixels."""
    cover2, patch2, tone2 = cover[::2, ::2], patch[::2, ::2], tone[::2, ::2]
    near = _blur((cover2 > 0.05).astype(np.float32), max(1.0, 0.5 * LID_RING_PER_EYE * eye_w)) > 0.05
    ring = patch2[near & (cover2 < 0.05)]
    inside = tone2[cover2[row0 // 2 : row0 // 2 + len(tone2)] > 0.5]
    if len(ring) < 16 or len(inside) < 4:
        return tone
    lum = ring.mean(axis=1)
    typical = float(np.median(inside.mean(axis=1)))
    skin = ring[(lum > SKIN_LUM_RANGE[0] * typical) & (lum < SKIN_LUM_RANGE[1] * typical)]
    if len(skin) < 16:
        return tone
    chroma = np.median(skin / np.maximum(skin.sum(axis=1, keepdims=True), 1.0), axis=0)
    total = tone[..., 0] + tone[..., 1] + tone[..., 2]  # (= tone.sum(axis=2))
    own = tone / _rgb(np.maximum(total, 1.0))
    return (own + LID_RING_HUE * (_plane(chroma, total.shape) - own)) * _rgb(total)


def _seam(
    lid_skin: np.ndarray, shown: np.ndarray, cover: np.ndarray, ring_ok: np.ndarray, eye_w: float
) -> np.ndarray | None:
    """(H, W, 3) float32: what the lid's smooth skin `lid_skin` (H, W, 3) lacks to meet the skin `shown` round the
    cover (H, W) where `ring_ok` (H, W bool: skin, no eye or hair), fading out into the lid (see SEAM_*); None where
    too little of the ring is skin."""
    inside = (cover >= SEAM_COVER).astype(np.uint8)
    size = 2 * SEAM_RING_PX + 1
    ring = ring_ok & (inside == 0) & (cv2.dilate(inside, np.ones((size, size), np.uint8)) > 0)
    if int(ring.sum()) < SEAM_MIN_PIXELS:
        return None
    weight = ring.astype(np.float32)
    residual = shown - lid_skin
    # (no more than SEAM_MAX_SHARE of the skin's light: a lash left over, a strand, a fold, is no skin to meet)
    limit = _rgb(SEAM_MAX_SHARE * np.maximum(_mean3(lid_skin), 1.0))
    residual = np.clip(residual, -limit, limit) * _rgb(weight)
    sigma = max(1.0, SEAM_SMOOTH_PER_EYE * eye_w)
    spread = _blur(weight, sigma)
    along = _blur(residual, sigma) / _rgb(np.maximum(spread, 1e-3))
    # (fading out with the distance from the ring, and where the smoothing has nothing of it to go on)
    distance = cv2.distanceTransform((~ring).astype(np.uint8), cv2.DIST_L2, 3)
    fade = (1.0 - _smoothstep(0.0, max(SEAM_REACH_PER_EYE * eye_w, 2.0), distance)) * (spread > 1e-3)
    return along * _rgb(fade.astype(np.float32))


def _remove_lashes(
    patch: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    travel: np.ndarray,
    eye_w: float,
    past_s: float,
    reach_px: float,
    strength: float,
    inner_s: float = 0.5,
    hair: np.ndarray | None = None,
    below_outer_px: float = 0.0,
    lash_px: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Fill thin dark features (the photo's lashes and liner, pulled down by the warp) above the moving lid
    edge with the skin around them, in place: a grey-level closing (dilate, then erode) removes dark
    features narrower than its kernel and keeps broad shading (a socket shadow) as it is. `inner_s`: where the inner corner is (0 or 1; 0.5:
    neither corner); `hair`: how far each pixel is a light, neutral lock of hair (_hair_like), not filled
    from; `below_outer_px`: how much further below the lid edge to fill by the outer corner (see
    LASH_REMOVE_BELOW_OUTER_PER_EYE); `lash_px`: how far the photo's lashes reach above its open lid edge (px):
    further above the moving edge than they reach above where the open edge was, what is left of them is a
    stretched tip, filled at full strength at any closure. Returns how far each pixel is a glint speck (0..1,
    narrower than GLINT_SPECK_PER_EYE), and how far it is a lash (softened mask, 0..1; None: no lashes)."""
    size = max(5, int(round(LASH_REMOVE_PER_EYE * eye_w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))  # separable: fast at any size
    lum = _mean3(patch)
    darker = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE) - lum
    lash = _smoothstep(LASH_DARKER_BY[0], LASH_DARKER_BY[1], darker)
    # Glints (glitter, a wet liner, a catchlight stretched up) are no skin either: smeared into the fill
    # they leave a pale blotch at the corner. Filled too.
    lighter = lum - cv2.morphologyEx(lum, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REPLICATE)
    # (and light for the skin around it: skin between a brow's and the lashes' dark hairs is lighter than the
    # opening, but not than the skin beside it)
    # (the skin around: the mean of the pixels that are no lashes, weighted as the fill below; a median over the
    # kernel took art_1's painted lid strokes for glints and filled them as dark streaks)
    sigma = max(1.0, 0.35 * size)
    keep = (1.0 - lash).astype(np.float32)
    around = cv2.GaussianBlur(lum * keep, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    around /= np.maximum(cv2.GaussianBlur(keep, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE), 1e-3)
    glint = _smoothstep(GLINT_LIGHTER_BY[0], GLINT_LIGHTER_BY[1], lighter) * _smoothstep(
        GLINT_OF_SKIN[0], GLINT_OF_SKIN[1], lum / np.maximum(around, 1.0)
    )
    # Specks: light dots narrower than GLINT_SPECK_PER_EYE, lighter than the skin around them at all (white glitter
    # on a light face is only ~1.2x its skin, short of GLINT_OF_SKIN, and was left on the closed lid), filled too.
    small = max(3, int(round(GLINT_SPECK_PER_EYE * eye_w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (small, small))
    narrow = lum - cv2.morphologyEx(lum, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REPLICATE)
    # (and standing out of the skin's own grain: a painting's fine light brush marks are its texture, no glitter)
    grain = GLINT_SPECK_OF_GRAIN * float(np.median(narrow[::2, ::2]))
    speck = _smoothstep(max(GLINT_LIGHTER_BY[0], grain), max(GLINT_LIGHTER_BY[1], grain + 23.0), narrow)
    speck *= _smoothstep(1.0, GLINT_OF_SKIN[0], lum / np.maximum(around, 1.0))
    speck = speck.astype(np.float32)
    glint = np.maximum(glint, speck)
    lash = np.maximum(lash, glint)
    # Filled from the skin around them (normalised convolution), keeping its shading; no flat plateaus.
    keep = (1.0 - lash).astype(np.float32)
    # (and from all that stays as it is past the end of the removal along the lid, see along_s below, a socket's shade
    # as dark as a lash included (not dark hair, below): the fill joins it there; from the skin over the lid alone, a
    # painted liner wing filled at the end of the removal was a pale patch with a vertical edge against the socket's
    # shade it stopped at, art_1's left eye)
    stays = 1.0 - _smoothstep(-past_s, -0.5 * past_s, s) * _smoothstep(1.0 + past_s, 1.0 + 0.5 * past_s, s)
    keep = np.maximum(keep, stays.astype(np.float32))
    # (not from a light lock among them: lashes filled from a white lock and the skin together were a pale
    # smudge, a haze over the closed lid under the lock, full3)
    if hair is not None:
        keep *= 1.0 - hair
    # (nor from dark hair beside them, far darker than the skin: a lash clump past the outer corner of an eye under
    # dark bangs, filled from the hair beside it and the skin together, was a grey smudge, full_body_2.png)
    skin_like = keep > 0.5
    if skin_like.sum() > 16:
        skin_lum = float(np.percentile(lum[skin_like], 75))
        keep *= _smoothstep(FILL_DARK_OF_SKIN[0] * skin_lum, FILL_DARK_OF_SKIN[1] * skin_lum, lum)
    weight = cv2.GaussianBlur(keep, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    closed = cv2.GaussianBlur(patch * _rgb(keep), (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    closed = closed / _rgb(np.maximum(weight, 1e-3))
    near = np.clip(weight / 0.2, 0.0, 1.0)
    # Past the corners (where the cover does not reach) a dark lash clump in a shadowed corner, far from the skin,
    # is filled from the skin further round, FILL_WIDE times as far: left, a clump past art_17's outer corner stayed
    # beside the closed lid as a grey smudge. (Over the lid a wide dark patch is the socket's shade: kept.)
    outside = np.clip(np.maximum(-s, s - 1.0) / max(0.25 * past_s, 1e-3), 0.0, 1.0)
    if (lash * (1.0 - near) * outside).max() > 0.05:
        wide_weight = _blur(keep, FILL_WIDE * sigma)
        wide = _blur(patch * _rgb(keep), FILL_WIDE * sigma) / _rgb(np.maximum(wide_weight, 1e-3))
        closed += _rgb((1.0 - near) * outside) * (wide - closed)
        weight = weight + outside * (wide_weight - weight)
    lash = lash * np.clip(weight / 0.2, 0.0, 1.0)  # no skin even there (a wide dark patch): leave it
    soft_px = max(1.0, LASH_MASK_SOFT_PER_EYE * eye_w)
    if speck.any():
        # (whole at the speck itself: blurred alone, a glint a pixel or two wide kept only ~60 % of its mask and
        # stayed on the closing lid as a pale speck, art_5's glitter)
        speck = np.maximum(speck, _blur(speck, soft_px))
    if not lash.any():
        return speck, None
    # Where: above the lid edge (its own new lash line is drawn afterwards), along the lid and a little past
    # its corners (lash clumps and liner tails), up to a crescent above the open edge.
    along_s = _smoothstep(-past_s, -0.5 * past_s, s) * _smoothstep(1.0 + past_s, 1.0 + 0.5 * past_s, s)
    arch = np.sqrt(np.clip(4 * s * (1 - s), 0.0, 1.0))
    top = travel + reach_px * np.maximum(arch, 0.9)
    # Past the corners there is no lid edge to keep clear: a liner wing starts right at the corner's height.
    past_corner = outside
    # (there its lower boundary fades over a longer way: no hard-edged tab of filled skin at the corner)
    soft = 1.5 + past_corner * (LASH_CORNER_SOFT_PER_EYE * eye_w)
    # (down to the new lash line's top: a lash clump squeezed onto the edge at a corner, where the cover thins
    # out, otherwise stayed on it as a dark bump: happy.png's outer third)
    below = LASH_REMOVE_BELOW_PX
    below_inner = None
    if below_outer_px > 0 and inner_s in (0.0, 1.0):
        from_outer = s if inner_s == 1.0 else 1.0 - s
        below = below + below_outer_px * (1.0 - _smoothstep(0.0, LASH_REMOVE_BELOW_OUTER_S, from_outer))
        # (and by the inner corner, LASH_REMOVE_BELOW_INNER_PER_EYE for the outer's LASH_REMOVE_BELOW_OUTER_PER_EYE;
        # used below, for what runs across the lid only)
        inner_px = below_outer_px * (LASH_REMOVE_BELOW_INNER_PER_EYE / LASH_REMOVE_BELOW_OUTER_PER_EYE)
        below_inner = 1.0 - _smoothstep(0.0, LASH_REMOVE_BELOW_OUTER_S, 1.0 - from_outer)
        below_inner = below_inner * _smoothstep(0.0, soft, d + inner_px) * np.clip(-d, 0.0, 1.0) * along_s
    low = _smoothstep(0.0, soft, d + soft * past_corner + below)
    fade_top = 0.3 * reach_px + 1.0
    if inner_s in (0.0, 1.0):
        # (by the outer corner whole up to the top, fading out above it: the lashes flare up there, and faded out below
        # the top, a clump of their tips was filled half-way and floated above the closed lid as brown specks,
        # happy.png's right eye)
        from_outer = s if inner_s == 1.0 else 1.0 - s
        top = top + fade_top * _smoothstep(LASH_TOP_OUTER_S[1], LASH_TOP_OUTER_S[0], from_outer)
    zone = low * _smoothstep(0.0, fade_top, top - d) * along_s
    zone_glint = zone  # (glints go past the inner corner too: glitter liner starts right at it)
    if inner_s in (0.0, 1.0):
        # (past the inner corner there are no lashes, only the corner's own shadow: kept)
        past_inner = -s if inner_s == 0.0 else s - 1.0
        zone = zone * (1.0 - _smoothstep(-LASH_REMOVE_PAST_INNER, LASH_REMOVE_PAST_INNER, past_inner))
        if below_inner is not None:
            below_inner *= 1.0 - _smoothstep(-LASH_REMOVE_PAST_INNER, LASH_REMOVE_PAST_INNER, past_inner)
    # (softened: a broad dark patch, a stretched lash clump at a corner, is filled without a hard outline; but
    # whole at a lash itself: blurred alone, a lone lash a pixel or two wide kept only ~20-40 % of its mask and its
    # tip stayed above the closed lid as a dark speck, happy.png, full_body_2.png)
    # (a line along the lid, a crease or a fold, keeps the blurred mask: it is the lid's shading, no lash; it is
    # thin up the face and long along it, which a lash is not)
    lash = lash.astype(np.float32)
    thin = max(3, int(round(LASH_LINE_PER_EYE * eye_w)) | 1)
    up_fill = cv2.morphologyEx(
        lum, cv2.MORPH_CLOSE, np.ones((thin, 1), np.uint8), borderType=cv2.BORDER_REPLICATE
    )
    along_fill = cv2.morphologyEx(
        lum, cv2.MORPH_CLOSE, np.ones((1, thin), np.uint8), borderType=cv2.BORDER_REPLICATE
    )
    along = _smoothstep(LASH_DARKER_BY[0], LASH_DARKER_BY[1], up_fill - along_fill)
    softened = _blur(lash, soft_px)
    # (whole only above where the open edge was, where the lashes' tips end up: below it the cover hides the fill,
    # and a painting's dark strokes filled whole there left its closed lid smoother than its skin)
    w = np.maximum(softened, lash * (1.0 - along) * np.clip(d - travel, 0.0, 1.0)) * zone
    if below_inner is not None:
        # (below the shut edge by the inner corner, whole, and only what runs across the lid: the photo's margin
        # dropping into a low corner is the tick; a line along it there carries the closed line on into the corner)
        w = np.maximum(w, lash * (1.0 - along) * below_inner)
    if glint.max() > 0.05:
        w = np.maximum(w, np.maximum(glint, _blur(glint.astype(np.float32), soft_px)) * zone_glint)
    if lash_px is not None:
        # (a lash rides the closing edge whole, as long as it was; the warp leaves its tip behind, higher: at half
        # closure, filled at half strength, the tips stood above the lid as a row of dark specks, full_body_2)
        strength = strength + (1.0 - strength) * np.clip((d - travel - lash_px) / LASH_TIP_SOFT_PX, 0.0, 1.0)
    patch += _rgb(strength * w) * (closed - patch)
    # (the grain is kept from all but the softened mask's lashes: a painting's fine dark strokes are its texture)
    return speck, softened * zone


def _fill_thin_strokes(patch: np.ndarray, where: np.ndarray, eye_w: float) -> np.ndarray | None:
    """Fill, in place, thin dark strokes (narrower than INNER_STROKE_PER_EYE eye widths, darker than the skin round them
    by INNER_STROKE_DARKER_BY) in `patch` where `where` (H, W, 0..1) with the skin right beside them: a closing that narrow
    lifts the stroke only, a broader soft shade round it stays as it is, and is filled from (normalised convolution over
    what is no stroke). Returns how far each pixel was filled, None where nothing was."""
    size = max(3, int(round(INNER_STROKE_PER_EYE * eye_w)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    lum = _mean3(patch)
    darker = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE) - lum
    found = _smoothstep(INNER_STROKE_DARKER_BY[0], INNER_STROKE_DARKER_BY[1], darker).astype(np.float32)
    stroke = found * where
    if stroke.max() <= 0.05:
        return None
    keep = (1.0 - _smoothstep(0.0, 0.5, found)).astype(np.float32)
    sigma = max(1.0, 0.5 * size)
    weight = _blur(keep, sigma)
    fill = _blur(patch * _rgb(keep), sigma) / _rgb(np.maximum(weight, 1e-3))
    # (whole at the stroke and over its anti-aliased rim; left where there is no skin beside it to fill from)
    w = np.maximum(stroke, _blur(stroke, 0.7)) * np.clip(weight / 0.2, 0.0, 1.0)
    patch += _rgb(w) * (fill - patch)
    return w


def _canvas_edge_fade(shape: tuple[int, ...], window, fade_px: float) -> np.ndarray | None:
    """(H, W) float32 over `window` (a warp.Region): 0 at the sides of a canvas of `shape` that the window reaches,
    rising to 1 over fade_px; None where it reaches none."""
    height, width = shape[:2]
    x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
    if x0 > 0 and y0 > 0 and x1 < width and y1 < height:
        return None
    xs, ys = np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32)
    dx, dy = np.full_like(xs, 1e6), np.full_like(ys, 1e6)
    for near, reached, distance in ((dx, x0 == 0, xs), (dx, x1 == width, width - 1 - xs)):
        if reached:
            np.minimum(near, distance, out=near)
    for near, reached, distance in ((dy, y0 == 0, ys), (dy, y1 == height, height - 1 - ys)):
        if reached:
            np.minimum(near, distance, out=near)
    fade_px = max(fade_px, 2.0)
    return _smoothstep(0.0, fade_px, np.minimum(dy[:, None], dx[None, :])).astype(np.float32)


def _standing(
    band: np.ndarray, s_landmarks: np.ndarray, d: np.ndarray, scale: float, eye_w: float
) -> np.ndarray:
    """The photo's lash band `band` (see _lash_band) standing on the moving edge, foreshortened to `scale` of its
    height, at each pixel (s_landmarks: along the landmarks' lid in their eye widths, d: px above the edge, eye_w: their
    eye width): its mean over the pixel's height (a box filter, from its running sum: squashed, several rows of the
    band fall in one pixel, and sampled at the pixel's centre its top stair-stepped along a slanted edge). Its row 0
    carries on below the edge."""
    grid = (band.shape[1] - 1) / eye_w  # (band rows and columns per px of the landmarks' eye)
    per_px = grid / max(scale, 1e-3)  # (band rows per px of height)
    pad = int(np.ceil(per_px)) + 2
    padded = np.concatenate([np.repeat(band[:1], pad, axis=0), band], axis=0)
    running = np.zeros((len(padded) + 1, band.shape[1]), np.float32)
    np.cumsum(padded, axis=0, out=running[1:])
    cols = (s_landmarks * (band.shape[1] - 1)).astype(np.float32)
    # (the running sum at row boundaries: boundary j lies at band row j - pad - 0.5)
    ends = [
        cv2.remap(
            running,
            cols,
            ((d + half) * per_px + (pad + 0.5)).astype(np.float32),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        for half in (-0.5, 0.5)
    ]
    # (past the band's ends along the lid, nothing)
    inside = (cols >= 0) & (cols <= band.shape[1] - 1)
    return np.clip((ends[1] - ends[0]) / per_px, 0.0, 1.0) * inside


def _along_strands(strands: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The strand pattern (LASH_STRANDS,) read at fractional strand positions `at`, linearly between strands."""
    low = np.floor(at)
    share = at - low
    low = low.astype(np.int32) % len(strands)
    return strands[low] + share * (strands[(low + 1) % len(strands)] - strands[low])


def _along(columns: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per-column values (REFERENCE_COLUMNS, 3) read at positions `at` (0..1, corner to corner), linearly
    interpolated: an array of at's shape with 3 channels."""
    return cv2.remap(
        columns[None],
        (at * (REFERENCE_COLUMNS - 1)).astype(np.float32),
        np.zeros_like(at, np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def draw_lids(
    canvas: np.ndarray,
    origin_xy: tuple[int, int],
    lids_xy: np.ndarray,
    lids_open_xy: np.ndarray,
    blink: np.ndarray,
    colours: LidColours,
) -> None:
    """Sweep the photo's lid skin down from each open upper-lid edge to the posed one, and draw the lash
    line along the posed edge.

    canvas: uint8 RGB, changed in place; origin_xy: image position of its pixel (0, 0). lids_xy,
    lids_open_xy: (2, 9, 2) image positions; blink: (2,) closure 0..1. The lid's shading and grain slide
    with it; its tone is the skin's just above it, carried down to the lash line, so it joins the face
    without a seam; the photo's hair strands in front of the eye stay in front of it."""
    offset = np.array(origin_xy, np.float32)
    for side in (0, 1):
        b = float(blink[side])
        if b < MIN_BLINK:
            continue
        lid = lids_xy[side] - offset
        lid_open = lids_open_xy[side] - offset
        eye_w = float(np.linalg.norm(lid_open[-1] - lid_open[0]))  # (sizes: the landmarks' eye width)
        open_first = lid_open[0].copy()
        reach_out = float(colours.outer_reach_per_eye[side])
        if reach_out > 0.0:
            # The lid reaches the photo's visible outer corner: short of it, the closed lid left the photo's
            # lid line past the landmark as an arc over nothing, with its pink corner (art_3).
            outer = 0 if side == 0 else -1  # (right eye: corners outer..inner)
            out = (lid_open[outer] - lid_open[-1 - outer]) * reach_out
            lid, lid_open = lid.copy(), lid_open.copy()
            lid[outer] += out
            lid_open[outer] += out
        span_w = float(np.linalg.norm(lid_open[-1] - lid_open[0]))  # (s: 0..1 over the lid, corner to corner)
        if eye_w < 2:
            continue
        up = _normal_up(lid_open)
        along = (lid_open[-1] - lid_open[0]) / span_w
        reach = (COVER_ABOVE_PER_EYE + (COVER_ABOVE_CLOSED_PER_EYE - COVER_ABOVE_PER_EYE) * b) * eye_w
        reach = min(reach, COVER_MAX_PER_BROW * float(colours.brow_up_per_eye[side]) * eye_w)
        reach = max(reach, 2.0)
        lash_px = max(LASH_MIN_PX, LASH_PER_EYE * eye_w) * (0.6 + 0.4 * b)  # at its thickest
        hang = (
            int(np.ceil((1 + LASH_FRINGE_SHARE) * lash_px + EDGE_RAMP_MAX_PX)) + 2
        )  # the lashes reach below the edge
        # ... and the photo's own, hanging down from it
        photo_lashes, lash_grid_px = colours.photo_lashes[side], float(colours.photo_lash_px[side])
        hang = max(hang, int(np.ceil(PHOTO_LASH_DROP * len(photo_lashes) / lash_grid_px * eye_w)) + 2)
        past = LASH_REMOVE_PAST_CORNER * eye_w
        # (not as far as the brow: its hairs are dark and thin too)
        reach_lashes = min(
            LASH_REMOVE_ABOVE_PER_EYE, LASH_REMOVE_PER_BROW * float(colours.brow_up_per_eye[side])
        )
        reach_lashes *= eye_w
        corners = np.stack([lid_open[0] - along * past, lid_open[-1] + along * past])
        # (the lid's tone and grain are read this far above the cover)
        above_reads = (TONE_ABOVE_PER_EYE + 2 * GRAIN_BAND_PER_EYE + 2 * TONE_SMOOTH_PER_EYE) * eye_w + 2.0
        window = bounding_region(
            np.concatenate(
                [
                    lid,
                    lid_open + up * max(reach + above_reads, reach_lashes),
                    corners + up * 0.5 * reach_lashes,
                ]
            ),
            canvas.shape[1],
            canvas.shape[0],
            margin_px=hang,
        )
        x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        # Lid coordinates of every window pixel: s along the lid (0..1 corner to corner), h up the face.
        rel_x = np.arange(x0, x1, dtype=np.float32)[None, :] - lid_open[0, 0]
        rel_y = np.arange(y0, y1, dtype=np.float32)[:, None] - lid_open[0, 1]
        s = rel_x * (along[0] / span_w) + rel_y * (along[1] / span_w)
        h = rel_x * up[0] + rel_y * up[1]
        edge_h = _height_at(lid, lid_open[0], along, up, span_w, s).astype(np.float32)
        open_h = _height_at(lid_open, lid_open[0], along, up, span_w, s)
        d = h - edge_h  # height above the moving lid edge
        travel = np.maximum(open_h.astype(np.float32) - edge_h, 0.0)
        # The distance the lid travels to close fully: its row scale, so the texture rides the lid.
        full = np.maximum(travel / b, 1.0)
        # Where the lash line fades out (centres, s): the inner end inside its landmark as the lid narrows
        # there, the outer one carried a little past its landmark.
        taper = 0.5 * CORNER_TAPER_S
        # (right eye: corners outer..inner)
        outer = -LASH_PAST_OUTER_S if side == 0 else 1.0 + LASH_PAST_OUTER_S
        # (the inner end inside its landmark, or, at a pale inner corner, at it: see LASH_PAST_INNER_S)
        inner_pale = float(colours.inner_pale[side])
        inner_end = taper + inner_pale * (-LASH_PAST_INNER_S - taper)
        inner = 1.0 - inner_end if side == 0 else inner_end
        first, last = (outer, inner) if side == 0 else (inner, outer)
        inside_s = _smoothstep(first - taper, first + taper, s) * _smoothstep(last + taper, last - taper, s)
        # Covered: from the lid edge (anti-aliased) up to the open edge and on above it, where the warp
        # shows the lashes pulled down, by a reach that tapers towards the corners (a crescent); its
        # upper part blends into the warped skin.
        from_inner = 1.0 - s if side == 0 else s  # right eye: corners outer..inner
        above = _reach_along(s, reach, eye_w, from_inner, INNER_REACH_PER_EYE * eye_w * b * inner_pale)
        top = travel + above
        feather = np.maximum(FEATHER_SHARE * above, 1.0)
        fade_in = _ramp(FADE_IN_FROM_BLINK, FADE_IN_TO_BLINK, b)
        # (the cover fades out over a longer way across each corner than the lash line: no hard-sided tab
        # of the photo's corner skin beside it)
        past_s = COVER_PAST_CORNER_S
        from_outer = s if side == 0 else 1.0 - s
        ends_inner = _smoothstep(-past_s, COVER_TAPER_S, from_inner)
        if inner_pale > 0:  # (a pale inner corner: whole to past it)
            whole = _smoothstep(-COVER_PAST_INNER_S[1], -COVER_PAST_INNER_S[0], from_inner)
            ends_inner += inner_pale * (np.maximum(whole, ends_inner) - ends_inner)
        ends = _smoothstep(-past_s, COVER_TAPER_S, from_outer) * ends_inner
        # (the line's top ramps in over `ramp` px as softly as the photo's lid line, see EDGE_*: the cover reaches that
        # much further below the edge, under it, or the photo's eye showed through the ramp)
        ramp = 1.0
        if colours.lid_edge_share is not None:
            ramp = 1.0 / max(float(colours.lid_edge_share[side]), 1e-3)
            ramp = max(min(ramp, EDGE_RAMP_MAX_PX, EDGE_RAMP_MAX_PER_EYE * eye_w), 1.0)
        lower = ramp - 1.0
        cover = (
            np.clip(d + 0.5 + lower, 0.0, 1.0) * _smoothstep(0.0, 1.0, (top - d) / feather) * (ends * fade_in)
        )
        # The canvas (the warped region) may end inside the window, short of where the lash removal past the
        # corners fades out: there the lid's changes fade out too, or they stopped at its edge in a straight
        # line, a pale tab beside a painted liner wing (art_1's left eye, art_3's right).
        at_edge = _canvas_edge_fade(canvas.shape, window, CANVAS_FADE_PER_EYE * eye_w)
        if cover.max() <= 0:
            continue
        # The closed lid is the skin just above it carried on down to the lash line: its tone is that of the
        # (lash-free) skin at the cover's top, column by column, so no boundary shows there; it is shaded
        # like a lid over the eyeball and carries the skin's own grain, mirrored down from above it.
        u = d / full  # 0 at the lash line, 1 where the open edge was, riding with the lid
        v = np.clip(d / np.maximum(top, 1.0), 0.0, 1.0)  # 0 at the lash line, 1 at the cover's top
        patch = canvas[y0:y1, x0:x1].astype(np.float32)
        fade_lashes = _ramp(FADE_IN_FROM_BLINK, FADE_IN_TO_BLINK, b)
        # The photo's lashes standing up from the moving edge (see UPRIGHT_*), drawn over the lid below: as tall as
        # they are after the turn so far; above their tips the warp's stretched lashes are filled whole (half filled
        # there, they were the grey band again).
        turn = _ramp(*UPRIGHT_GONE_BLINK, b)
        upright_a = (1.0 - (1.0 - fade_in) ** 3) * (1.0 - turn)
        upright_band = None if colours.lash_band is None or upright_a <= 0.0 else colours.lash_band[side]
        upright_scale = 1.0 - (1.0 - UPRIGHT_TURNED) * _ramp(*UPRIGHT_TURN_BLINK, b)
        upright_px = 0.7
        if upright_band is not None:
            band_px = float(upright_band.shape[1] - 1)  # (its rows and columns per eye width, see _lash_band)
            upright_px = upright_scale * len(upright_band) / band_px * eye_w + 1.0
            tips = np.nonzero(upright_band.max(axis=1) > LASH_TIP_COVERAGE)[0].max(initial=0) + 1
            tips_px = upright_scale * tips / band_px * eye_w
            # (not where the photo's single lashes were found: the warp's stay, see _lash_band)
            s_grid = (s * span_w + float((lid_open[0] - open_first) @ along)) * (lash_grid_px / eye_w)
            found = _lashes_found(photo_lashes)
            unfound = 1.0 - np.interp(s_grid, np.arange(len(found)), found).astype(np.float32)
            fade_lashes = np.maximum(
                fade_lashes, unfound * _smoothstep(0.5 * tips_px, tips_px + 1.0, d)
            ).astype(np.float32)
        inner_s = 1.0 if side == 0 else 0.0  # right eye: corners outer..inner
        # (the skin's grain is read before: a painting's dark and light brush marks look like lashes and
        # strands to the filters below, which would leave the lid smooth)
        raw = patch.copy()
        # (and any light, neutral lock of hair there, found by its colour: see _hair_like and its uses below)
        pale = _hair_like(raw, colours.lid_light[side], eye_w)
        speck, lashes = _remove_lashes(
            patch,
            s,
            d,
            open_h - edge_h,
            eye_w,
            past / span_w,
            reach_lashes,
            fade_lashes,
            inner_s,
            pale,
            LASH_REMOVE_BELOW_OUTER_PER_EYE * eye_w * _ramp(*LASH_REMOVE_BELOW_BLINK, b),
            # (the photo's lashes' own length: see _remove_lashes)
            float(np.nonzero(photo_lashes.max(axis=1) > LASH_TIP_COVERAGE)[0].max(initial=0))
            / lash_grid_px
            * eye_w,
        )
        # Past the inner corner, a thin liner stroke dropping into it is filled too (see INNER_STROKE_*).
        inner_grow = _ramp(*INNER_STROKE_BLINK, b)
        if inner_grow > 0:
            stroke_s = 1.0 - s if side == 0 else s  # (right eye: corners outer..inner)
            lo, hi = INNER_STROKE_S
            where = _smoothstep(lo - INNER_STROKE_SOFT_S, lo, stroke_s) * _smoothstep(
                hi, hi - INNER_STROKE_SOFT_S, stroke_s
            )
            where *= _smoothstep(-INNER_STROKE_BELOW_PX - 1.0, -INNER_STROKE_BELOW_PX, d)
            where *= 1.0 - _smoothstep(0.8, 1.0, d / max(INNER_STROKE_ABOVE_PER_EYE * eye_w, 1.0))
            _fill_thin_strokes(patch, (inner_grow * where).astype(np.float32), eye_w)
        # Light hair strands (drawn back in front at the end) are not the lid's skin: the skin between them.
        size = max(3, int(round(HAIR_WIDTH_PER_EYE * eye_w)) | 1)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
        lum = _mean3(patch)
        opened = cv2.morphologyEx(lum, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REPLICATE)
        bare = patch * _rgb(np.minimum(opened + HAIR_LIGHTER_BY[0], lum) / np.maximum(lum, 1.0))
        # The photo's hair strands in front of the eye (found in the photo, in lid coordinates), which are
        # not the skin either, and go back on top at the end.
        strands = None
        if float(colours.hair[side][..., 3].max()) > 0:
            px = float(colours.hair_px[side])
            # (the grid is in the landmarks' lid coordinates: from their first corner, in their eye widths)
            s_landmarks = (s * span_w + float((lid_open[0] - open_first) @ along)) * (1.0 / eye_w)
            strands = cv2.remap(
                colours.hair[side],
                ((s_landmarks - HAIR_S[0]) * px).astype(np.float32),
                ((HAIR_H[1] - h / eye_w) * px).astype(np.float32),
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=0,
            )
        sigma = max(1.0, TONE_SMOOTH_PER_EYE * eye_w)
        smooth = _blur(bare, sigma)
        # Nor is any light, neutral lock the grid has not found (its soft edge over the lid): read as the lid's
        # tone there, the lid came out pale and soft under it, a haze (full3's white lock).
        if strands is not None or pale is not None:
            # (the skin between them: normalised convolution; under a broad lock the skin further round
            # it, at HAIR_TONE_REACH times the reach; the plain blur only where there is none at all)
            keep = np.ones(s.shape, np.float32) if strands is None else 1.0 - strands[..., 3]
            if pale is not None:
                keep = np.minimum(keep, 1.0 - pale)
            for reach in (HAIR_TONE_REACH, 1.0):
                weight = _blur(keep, reach * sigma)
                between = _blur(bare * _rgb(keep), reach * sigma)
                between /= _rgb(np.maximum(weight, 1e-3))
                smooth += _rgb(np.clip(weight / 0.2, 0.0, 1.0)) * (between - smooth)
        # From here on only the rows the cover and the lashes reach are drawn (the window's other rows are
        # only read: for the tone, the grain and the lash filter above), every field cut to them; from an
        # even row, so the every-other-pixel measures sample the same pixels as over the whole window.
        # (d > -hang: the lashes' fringe, which reaches (1 + LASH_FRINGE_SHARE) * lash_px + 0.7 below)
        # (and d < upright_px: the photo's lashes standing up from the edge, see UPRIGHT_*)
        reached = np.nonzero((cover > 0).any(axis=1) | ((d > -hang) & (d < upright_px)).any(axis=1))[0]
        r0 = int(reached[0]) & ~1
        rows = slice(r0, int(reached[-1]) + 1)
        cover_all, cover = cover, cover[rows]
        d_all, travel_all = d, travel
        s, d, top, full, above, u, v, inside_s, travel = (
            field[rows] for field in (s, d, top, full, above, u, v, inside_s, travel)
        )
        drawn = patch[rows]  # (a view: drawn in place)
        # (a row and a column of window coordinates: every use below broadcasts them with a full field)
        xs = np.arange(x1 - x0, dtype=np.float32)[None, :]
        ys = np.arange(r0, rows.stop, dtype=np.float32)[:, None]
        # Tone: the smoothed skin a little above the cover's top, in the same column of the lid.
        to_top = top + TONE_ABOVE_PER_EYE * eye_w - d
        tone = _sample_at(smooth, xs + to_top * up[0], ys + to_top * up[1])
        # (evened out along the lid: a dark spot above one column must not run down the lid as a streak)
        tone = _blur(tone, max(1.0, TONE_ALONG_PER_EYE * eye_w), 0.0)
        carried = _mean3(tone)  # (its luminance before it is lifted or pulled)
        # Grain: the skin's fine detail above the cover, mirrored back and forth over a band (so it never
        # reaches the brow), riding with the lid.
        grain_sigma = min(max(GRAIN_SIGMA_PX, GRAIN_SIGMA_PER_EYE * eye_w), GRAIN_SIGMA_MAX_PX)
        fine = cv2.GaussianBlur(raw, (0, 0), grain_sigma, borderType=cv2.BORDER_REPLICATE)
        fine = raw - fine
        # (lines along the lid, a crease or a fold, are its shading: mirrored down they would run as stripes)
        fine -= _blur(fine, max(1.0, GRAIN_LINES_PER_EYE * eye_w), 0.0)
        # (nor are glitter specks above the cover: copied down as grain they came back on the closed lid as pale
        # specks, art_5)
        if speck.any():
            fine *= _rgb(1.0 - speck)
        # (nor the photo's lashes and the hair strands among them above the cover: copied down as grain they came
        # back on the closed lid as dark specks, full_body_2)
        if lashes is not None:
            fine *= _rgb(1.0 - lashes)
        if strands is not None:  # (hair in front is no skin grain: the lid does not wear its pattern)
            fine *= _rgb(1.0 - strands[..., 3])
            strands = strands[rows]
        # How textured the skin around the lid is (robust: a few left-over dark lines do not count): a
        # painting's brush strokes are far stronger than a photo's pores, and the lid must match its setting.
        # (skin only: brow hairs, lashes and hair strands are no measure of it)
        # (measured on every other pixel: cheap)
        lum_bare, cover2 = _mean3(bare[::2, ::2]), cover_all[::2, ::2]
        inside = lum_bare[cover2 > 0.5]
        typical = float(np.median(inside)) if inside.size else float(np.median(lum_bare))
        skin_like = (lum_bare > SKIN_LUM_RANGE[0] * typical) & (lum_bare < SKIN_LUM_RANGE[1] * typical)
        around = _mean3(fine[::2, ::2])[(cover2 < 0.05) & skin_like]
        texture = 1.4826 * float(np.median(np.abs(around))) if around.size > 16 else 0.0
        band = max(GRAIN_BAND_PER_EYE * eye_w, GRAIN_BAND_MIN_SIGMAS * grain_sigma)
        # Each pass reads the band above the top in its own orientation (shifted down, not mirrored: a
        # painting's diagonal hatching mirrored back and forth turned into chevrons, a glittery lid).
        phase = np.mod(full + above - d, band)
        mirrored = top + (band - phase) + 1.0  # height above the lash line to read at
        shift = mirrored - d
        # (each pass over the band reads from elsewhere along the lid: no texture repeating down it in streaks)
        hop = np.floor((full + above - d) / band)
        hop = (np.mod(hop * 0.618, 1.0) - 0.5) * (GRAIN_HOP_PER_EYE * eye_w)
        # (read at whole pixels: interpolated between them, the grain is blurred by up to half its energy, and
        # the lid came out smoother than the skin it was copied from, an airbrushed patch: art_5, art_13)
        grain = cv2.remap(
            fine,
            np.round(xs + shift * up[0] + hop * along[0]).astype(np.float32),
            np.round(ys + shift * up[1] + hop * along[1]).astype(np.float32),
            cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_REFLECT_101,
        )
        limit = np.minimum(GRAIN_MAX_SHARE * _rgb(_mean3(tone)), GRAIN_CLIP_SIGMAS * texture + 0.5)
        # As textured as the skin around it (a smooth band above a brush-stroked face would leave a smooth
        # lid): the copied grain is scaled to the skin's robust deviation, within DETAIL_GAIN..GRAIN_GAIN_MAX,
        # then clipped (a line the band happens to hold is not amplified).
        on_lid = _mean3(grain[::2, ::2])[cover[::2, ::2] > 0.5]
        grain_dev = 1.4826 * float(np.median(np.abs(on_lid))) if on_lid.size > 16 else 0.0
        gain = min(max(texture / max(grain_dev, 1e-3), DETAIL_GAIN), GRAIN_GAIN_MAX)
        grain = np.clip(gain * grain, -limit, limit)
        # The lid's own light: at least as light as the brow bone in its body (it faces the light), easing
        # to the skin above's own tone at its top.
        at = np.clip((s - REFERENCE_FROM_S) / (REFERENCE_TO_S - REFERENCE_FROM_S), 0.0, 1.0)
        reference = _along(colours.lid_tone[side], at)
        tone_lum = np.maximum(_mean3(tone), 1.0)
        lift = np.clip(_mean3(reference) / tone_lum - 1.0, 0.0, LID_LIFT_MAX)
        # (not at the corners either: there the lid meets the socket's own shade, and a lighter lid would
        # show its outline)
        body = _smoothstep(0.0, LID_LIGHT_CORNER_S, s) * _smoothstep(1.0, 1.0 - LID_LIGHT_CORNER_S, s)
        lift *= (1.0 - _smoothstep(0.45, 0.95, v)) * body
        tone = tone * _rgb(1.0 + lift)
        # ... and no darker than between the brow bone and the skin under the eye, in its body.
        light = _along(colours.lid_light[side], at)
        ceiling = 1.0 + LID_CAP_OVER  # (the cap below, as a share of the light's luminance)
        if colours.lid_light_max is not None:
            # (no lighter than the photo's upper-lid skin, see SHADE_LIGHT_*, or the skin it carries down)
            light_max = np.maximum(float(colours.lid_light_max[side]), carried)
            light = light * _rgb(np.minimum(light_max / np.maximum(_mean3(light), 1.0), 1.0))
            ceiling = np.minimum(ceiling, light_max / np.maximum(_mean3(light), 1.0))
        light_lum = np.maximum(_mean3(light), 1.0)
        gap = 1.0 - _mean3(tone) / light_lum
        pull = (
            (LID_PULL_MAX * float(colours.lid_pull[side]))
            * _smoothstep(0.0, LID_PULL_GAP, gap)
            * (1.0 - _smoothstep(0.3, 1.0, v))
            * body
        )
        tone += _rgb(pull) * (light - tone)
        # ... nor lighter than it by more than LID_CAP_OVER: a lid lighter than all the skin round the eye is
        # a pale patch (hair, a lit fold or glitter carried down from above the crease): pulled down to it.
        # (and where the light was capped at the photo's upper-lid skin, see SHADE_LIGHT_*, no lighter than that at all)
        over = _mean3(tone) / light_lum - ceiling
        cap = _smoothstep(0.0, LID_CAP_GAP, over) * (1.0 - _smoothstep(0.3, 1.0, v)) * body
        tone += _rgb(cap) * (light * _rgb(np.broadcast_to(ceiling, cap.shape)) - tone)
        # ... and of the skin's hue round the eye, in its body: carried down from a crease under a lock of
        # white hair, or under eye shadow, the lid otherwise wears that cast (a grey-white smudge).
        hue = LID_HUE_OF_LIGHT * (1.0 - _smoothstep(0.3, 1.0, v)) * body
        level = _mean3(tone)
        if colours.lid_shade is None:
            tone += _rgb(hue) * (light * _rgb(level / light_lum) - tone)
        else:
            # (the hue the photo's upper-lid skin has at this lightness: see SHADE_*)
            (dark, *dark_c), (lit, *lit_c) = colours.lid_shade[side]
            t = _rgb(np.clip((level - dark) / max(lit - dark, 1e-3), 0.0, 1.0))
            chroma = _plane(np.array(dark_c, np.float32), level.shape)
            chroma += t * (_plane(np.array(lit_c, np.float32) - np.array(dark_c, np.float32), level.shape))
            tone += _rgb(hue) * (chroma * _rgb(3.0 * level) - tone)
        across = np.clip(1 - (2 * s - 1) ** 2, 0.0, 1.0)
        # Convex: a touch lighter over the eyeball's middle, darker where the lid turns under to the lash
        # line and towards the corners; a faint crease where the skin above folded over the open lid.
        bulge = LID_BULGE * across * np.exp(-(((v - 0.4) / 0.3) ** 2))
        edge_shade = LID_EDGE_SHADE * (1 - _smoothstep(0.0, 0.35, v))
        corner_shade = LID_CORNER_SHADE * (1 - across) * (1 - _smoothstep(0.5, 1.0, v))
        crease = (LID_CREASE_SHADE * b) * np.exp(-(((u - 1.0) / 0.25) ** 2)) * across * (1 - v**4)
        shade = 1.0 + bulge - edge_shade - corner_shade - crease
        tone = _ring_hue(tone, patch, cover_all, eye_w, r0)
        skin = tone * _rgb(shade)
        # (meeting the skin round it in that skin's own colour above the lid edge, see SEAM_*: below it is the eye, the
        # lashes, the lower lid)
        ring_ok = d > 0.5
        if strands is not None:
            ring_ok &= strands[..., 3] < 0.1
        if pale is not None:
            ring_ok &= pale[rows] < 0.5
        seam = _seam(skin, drawn, cover, ring_ok, eye_w)
        if seam is not None:
            skin += seam
        skin += grain
        a = _rgb(cover)
        drawn += a * (skin - drawn)
        # The eyeball in the lid's shade under its edge (the slit still open: the full travel's remaining share).
        slit = np.minimum((LID_SHADOW_OF_SLIT * (1.0 - b)) * full, LID_SHADOW_PER_EYE * eye_w)
        # (from under the cover's edge, `lower` below the lid edge)
        under = np.clip(-(d + lower) / np.maximum(slit, 0.5), 0.0, 1.0)
        shadow = (LID_SHADOW * _ramp(*LID_SHADOW_BLINK, b)) * (1.0 - under)
        shadow *= np.clip(0.5 - d - lower, 0.0, 1.0) * inside_s
        drawn *= _rgb(1.0 - shadow)
        # Lashes hanging from the moving edge: a soft dark band below it, thin at the inner corner and
        # thickest over the middle and outer third, in the photo's lash colour.
        from_inner = np.clip(1 - s if side == 0 else s, 0.0, 1.0)  # right eye: corners outer..inner
        profile = LASH_INNER_SHARE + (1 - LASH_INNER_SHARE) * _smoothstep(0.0, LASH_INNER_TAPER_S, from_inner)
        profile = profile - (1 - LASH_OUTER_SHARE) * _smoothstep(LASH_OUTER_TAPER_FROM, 1.0, from_inner)
        width_px = lash_px * profile
        # The whole line (its soft top, core and fringe) narrows with the profile about its middle (see
        # LASH_LINE_TAPER): only the core narrowing, the top's ramp and anti-aliasing kept it as thick at the corners
        # as in the middle, a marker stroke with blunt ends on a small face (sad1).
        middle = -0.5 * (lash_px + lower)
        narrow = LASH_LINE_TAPER * profile + (1.0 - LASH_LINE_TAPER)
        # (never thinner than LASH_LINE_MIN_PX, lighter instead: a line thinner than a pixel broke up into dots where it
        # crossed the pixel rows, sad1's inner corners)
        thick = lash_px + lower + 1.4  # (about its whole thickness at the thickest, px)
        drawn_narrow = np.maximum(narrow, min(LASH_LINE_MIN_PX / thick, 1.0))
        d_line = middle + (d - middle) / drawn_narrow
        # (its top ramping in as softly as the photo's own lid line, the line carried lower by that: see EDGE_*)
        below = np.clip((0.7 - d_line) * (1.0 / ramp), 0.0, 1.0)  # anti-aliased top, at the lid edge
        core = _smoothstep(-width_px - 0.7 - lower, -0.35 * width_px - lower, d_line)
        strand_at = np.mod(s * span_w / LASH_STRAND_PX, LASH_STRANDS - 1)
        strand = colours.strands[side][np.round(strand_at).astype(np.int32)]
        fringe = (
            _smoothstep(-(1 + LASH_FRINGE_SHARE) * width_px - 0.7 - lower, -width_px - lower, d_line) * strand
        )
        # (the core a little broken along the lid, as dense lashes are: evenly dark it read as a pen stroke, sad1)
        broken = 1.0 - LASH_BROKEN * (1.0 - _along_strands(colours.strands[side], strand_at))
        lash_a = np.maximum((LASH_OPACITY * broken) * core, LASH_FRINGE_OPACITY * fringe) * below * inside_s
        # (thinner than a pixel at the very ends: lighter too)
        lash_a *= narrow / drawn_narrow
        lash_a = lash_a * fade_in
        # The photo's own lashes hang down from the edge below it (flipped: what stood PHOTO_LASH_DROP * k px
        # above the open edge hangs k px below the closed one), over the synthesised line: the closed eye
        # keeps the photo's lashes, as long, dense and uneven as they were.
        s_landmarks = (s * span_w + float((lid_open[0] - open_first) @ along)) * (1.0 / eye_w)
        hanging = cv2.remap(
            photo_lashes,
            (s_landmarks * lash_grid_px).astype(np.float32),
            ((-d / PHOTO_LASH_DROP) * (lash_grid_px / eye_w)).astype(np.float32),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        # (fading out towards the outer corner: see PHOTO_LASH_OUTER_S)
        hanging *= _smoothstep(0.0, PHOTO_LASH_OUTER_S, s if side == 0 else 1.0 - s)
        lash_a = np.maximum(lash_a, (PHOTO_LASH_OPACITY * fade_in * turn) * hanging * below)
        if upright_band is not None:
            # The photo's lashes standing up from the moving edge, until the lid turns them down (see UPRIGHT_*).
            standing = _standing(upright_band, s_landmarks, d, upright_scale, eye_w)
            # (their roots carried on down to the line under the edge: stopped at the edge, the lid's skin between the
            # two showed as a pale seam)
            lash_a = np.maximum(lash_a, upright_a * standing * np.clip(d + 1.0 + lower, 0.0, 1.0) * inside_s)
        if upright_band is not None and lashes is not None:
            # Where the photo's single lashes were found (see _lash_band), the warp's own stay in front of the lid's
            # skin, whole until the lid has come UPRIGHT_WARP_BLINK[0] of the way, gone at [1] (behind the cover they
            # were grey ghosts of themselves at 0.2-0.25, the astronaut's drawn lashes).
            warp_a = (1.0 - _ramp(*UPRIGHT_WARP_BLINK, b)) * (1.0 - unfound[rows]) * lashes[rows]
            # (only what is darker than the lid: the fill's mask holds the glints too, and a pale highlight among the
            # lashes came back as a light block on the lid, full_body_2)
            warp_a *= _smoothstep(LASH_DARKER_BY[0], LASH_DARKER_BY[1], _mean3(drawn) - _mean3(raw[rows]))
            drawn += _rgb(warp_a) * (raw[rows] - drawn)
        drawn += _rgb(lash_a) * (_plane(colours.lash[side], lash_a.shape) - drawn)
        # A light lock over the skin above the open lid (where the photo shows no eye) stays in front of the
        # lid's cover too: faded into the cover's top it was a haze between lock and lid (full3). (Only a patch
        # hanging from above: glitter along the lash line is light and neutral too, see LOCK_REACH_PER_EYE.)
        locks = None
        if pale is not None:
            locks = _hanging_from_above(pale, d_all - travel_all, LOCK_REACH_PER_EYE * eye_w)
        if locks is not None:
            shown = raw[rows]
            lighter = _mean3(shown) - _mean3(drawn)
            # (not a glint speck: glitter is light and neutral too, but no lock)
            lock = locks[rows] * (1.0 - speck[rows]) * _smoothstep(0.0, 1.5, d - travel)
            lock *= cover * _smoothstep(*HAIR_OVER_LID, lighter)
            drawn += _rgb(lock) * (shown - drawn)
        # The photo's hair strands in front of the eye go back on top, where they were relative to the eye.
        if strands is not None:
            hair_a = strands[..., 3] * np.maximum(cover, lash_a)
            rows, cols = np.nonzero(hair_a.max(axis=1) > 0.01)[0], np.nonzero(hair_a.max(axis=0) > 0.01)[0]
            if len(rows):
                part = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
                colour, under_hair = strands[part][..., :3], drawn[part]
                # Only what is lighter than the lid it is in front of: a pale fold of the lid is not hair.
                lighter = _mean3(colour) - _mean3(under_hair)
                hair_a = (hair_a[part] * _smoothstep(*HAIR_OVER_LID, lighter))[..., None]
                under_hair += hair_a * (colour - under_hair)
        if at_edge is not None:
            patch = raw + _rgb(at_edge) * (patch - raw)
        canvas[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)


def draw_uncovered(canvas: np.ndarray, origin_xy: tuple[int, int], pose: Pose, colours: LidColours) -> None:
    """Redraw the eye under an upper lid that rose above the photo's (eyeWide).

    canvas: uint8 RGB, changed in place; origin_xy: image position of its pixel (0, 0); pose: the posed rig, whose
    eyeball_lids_xy are where the photo's lid edges lie on the eyeballs (the warp stretches a hair-thin strip of
    the photo from there up to the posed lid edge). Down each column under the risen edge: the photo's dark
    under its lid edge, carried up by the lift and as thick as it was; then the photo's eye below that, opened
    up to the lower lid over the uncovered height (the white stays white, more of the iris shows)."""
    if colours.under_lid_per_eye is None or pose.eyeball_lids_xy is None:
        return
    offset = np.array(origin_xy, np.float32)
    for side, lower_ids in ((0, topo.EYE_RIGHT_LOWER), (1, topo.EYE_LEFT_LOWER)):
        lid = pose.upper_lids_xy[side] - offset
        line = pose.eyeball_lids_xy[side] - offset
        lower = pose.points_xy[list(lower_ids)] - offset
        eye_w = float(np.linalg.norm(line[-1] - line[0]))
        if eye_w < 4:
            continue
        up = _normal_up(line)
        along = (line[-1] - line[0]) / eye_w
        if float(((lid - line) @ up).max()) < UNCOVER_MIN_PX:
            continue
        window = bounding_region(
            np.concatenate([lid, line, lower]), canvas.shape[1], canvas.shape[0], margin_px=2
        )
        x0, y0, x1, y1 = window.x0, window.y0, window.x1, window.y1
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        # Lid coordinates of every window pixel: s along the lid (0..1 corner to corner), h up the face.
        xs = np.arange(x0, x1, dtype=np.float32)[None, :]
        ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        rel_x, rel_y = xs - line[0, 0], ys - line[0, 1]
        s = (rel_x * along[0] + rel_y * along[1]) / eye_w
        h = rel_x * up[0] + rel_y * up[1]

        # the posed lid edge, the photo's edge on the eyeball and the lower lid, at each pixel's s
        edge_h, line_h, lower_h = (
            _height_at(points, line[0], along, up, eye_w, s).astype(np.float32)
            for points in (lid, line, lower)
        )
        lift = np.maximum(edge_h - line_h, 0.0)
        columns = np.linspace(0.0, 1.0, UNDER_LID_COLUMNS)
        under = np.interp(s, columns, colours.under_lid_per_eye[side]).astype(np.float32) * eye_w
        # (never more than the opening below the photo's edge leaves: at the corners it closes)
        under = np.minimum(under, np.maximum(line_h - lower_h - 1.0, 0.0))
        # Where each pixel is read from, down its column: the dark under the edge carried up by the lift, the
        # eye below it opened (stretched) from there to the lower lid.
        carried = h - lift
        below = line_h - under  # (where the photo's dark ends)
        span = np.maximum(below - lower_h, 0.5)
        opened = lower_h + (h - lower_h) * span / np.maximum(span + lift, 0.5)
        from_h = np.where(edge_h - h < under, carried, opened)
        weight = np.clip((lift - UNCOVER_MIN_PX) / UNCOVER_MIN_PX, 0.0, 1.0) * ((s > 0.0) & (s < 1.0))
        # (under the edge and above the lower lid only; the edge's own anti-aliasing stays)
        weight *= np.clip(edge_h - h + 0.5, 0.0, 1.0) * np.clip(h - lower_h + 0.5, 0.0, 1.0)
        if not weight.any():
            continue
        shift = from_h - h
        patch = canvas[y0:y1, x0:x1].astype(np.float32)
        moved = _sample_at(patch, xs - x0 + shift * up[0], ys - y0 + shift * up[1])
        patch += _rgb(weight) * (moved - patch)
        canvas[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)
