"""Mouth-track curves from a phone timeline: viseme targets blended by dominance functions, sampled per frame.

Speech stage, last step of the phone path: PhoneTimeline + Prosody -> {mouth track: (n_frames,) curve} for motion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dirfa.speech.phonemes import SILENCE, PhoneTimeline
from dirfa.speech.prosody import Prosody
from dirfa.speech.visemes import DIPHTHONGS, MOUTH_TRACKS, PHONE_TO_VISEME, VISEME_TARGETS, VOWELS

__all__ = [
    "JAW_RELEASE_SHARE",
    "LEAD_S",
    "MOUTH_TRACKS",
    "ONSET_LEAD_S",
    "OPEN_LEAD_S",
    "RELAX_S",
    "BREATH_JAW",
    "BREATH_LOOKAHEAD_S",
    "BREATH_PAUSE_S",
    "breathe_in_pauses",
    "SHAPE_LEAD_S",
    "mouth_curves",
    "no_single_frames",
    "relax_into_pauses",
]

# The mouth is shown this much ahead of the sound it makes. Articulators move before their acoustic effect:
# lips close and open ~20-100 ms before the burst or voicing they shape (anticipatory movement; e.g. Chandrasekaran
# et al. 2009, "The natural statistics of audiovisual speech", mouth opening leads the voice by 100-300 ms at
# onsets), and viewers accept video ahead of audio far better than behind it (ITU-R BT.1359: detectable at
# 45 ms audio lead vs 125 ms audio lag). Measured (benchmarks/lipsync.py, re-detected mouths): with 40 ms the
# video led the speech envelope by 0.8 frames and short p/b/m closures landed a frame before their phone;
# 20 ms keeps a small lead and puts the closures inside their phones.
LEAD_S = 0.02
# Opening gestures lead their sound by more than that; closures do not. After a pause the jaw and lips leave
# the rest pose ~100-300 ms before the voice (Chandrasekaran et al. 2009; Schwartz & Savariaux 2014, PLoS
# Comput Biol 10:e1003743: large leads at onsets from rest, small ones within connected speech), and within
# speech the jaw starts towards a vowel during the consonant before it (Lofqvist & Gracco 1999, JASA
# 105:1864). ONSET_LEAD_S: the rest pose of a pause lets go this long before the speech after it, whatever
# the pause's length. OPEN_LEAD_S: the opening tracks (jaw, lower and upper lip) show the wider of now and
# this much later (after SHAPE_LEAD_S), so a mouth opens that much earlier again and closes no later. Lip
# closures and tucks (p, b, m, f, v) keep LEAD_S (_hold_envelope, _frame_holds): a p stays shut on every frame
# that shows it. History (benchmarks/motion.py, benchmarks/mouth_timing.py: aperture vs loudness
# cross-correlation over LibriVox and radio clips): LEAD_S alone led by 22-33 ms; OPEN_LEAD_S 80 ms 31-50 ms
# (+23 ms pooled over 12 takes by RESULTS.md "Mouth timing by movement class"). Moving LEAD_S (the closures
# with it) to 40 / 60 / 80 ms gives +46 / +63 / +80 ms, but shuts short vowels before a closure (open vowels
# 75 -> 68 / 68 / 64 of 78, p/b/m 58 -> 56-57 / 55 on benchmarks/lipsync.py --geometry). ONSET_LEAD_S counts
# from the voice, after an h (_gestures), so synthesised phrases ("hello", "how") lead by ~2 frames by
# tests/live/test_session.py's measure, not 3-4.
ONSET_LEAD_S = 0.08  # with OPEN_LEAD_S the jaw starts ~140-160 ms before the voice, mostly open at it
OPEN_LEAD_S = 0.04  # on top of SHAPE_LEAD_S: an opening is shown up to 80 ms ahead of its sound
# Which lead each class of movement gets (issue 13: "the mouth leads the sound by its real anticipation").
# The jaw and lip shapes (everything but the lip closure and tuck) reach each segment's target by about its
# acoustic start and leave it for the next one before it ends: the blend is shown up to SHAPE_LEAD_S ahead
# (about half a jaw transition of 80-100 ms), so a transition is mostly done at its acoustic landmark, as in
# articulatory data: the jaw and tongue start towards a vowel during the consonant before it (Lofqvist &
# Gracco 1999) and the jaw rises towards a consonant during the vowel before it. The lead is a share of the
# segment's length (SHAPE_LEAD_SHARE), not a fixed time: articulatory timing keeps its phase within the
# syllable across speaking rates (Tuller & Kelso 1984, JASA 76:1030), and a fixed 40 ms would show a 50 ms
# vowel of fast speech during the consonant before it (under a p's closure, shut). Lip closures and tucks keep
# LEAD_S: a p/b/m is an acoustic landmark itself (the sound drops because the lips meet, and returns at the
# burst because they part), so every frame that shows the closure is shut (_hold_envelope, _frame_holds).
# Measured over the 12 LibriVox and radio takes (tracks; RESULTS.md "Mouth timing by movement class"): see
# there; the whole mouth 40 ms earlier, closures included, gives more lead (+57 ms pooled, r 0.35) but shuts
# p/b/m a frame before their sound and parts them before their burst.
SHAPE_LEAD_S = 0.04
SHAPE_LEAD_SHARE = 1.0 / 3.0

# Sub-frame evaluation points: keeps 20-30 ms closures of fast speech from falling between frames.
_SUBSAMPLES = 8
_REST_PAUSE_S = 0.3  # pauses at least this long relax fully to rest; shorter ones are bridged
_BRIDGE_PAUSE_S = 0.12  # pauses up to this long (stop closures, word joins) barely pull towards rest
_JAW_AT_CLOSURE = 0.08  # jaw while the lips are pressed together (p, b, m): nearly shut
# ... as the closure starts. The jaw then heads for the next sound inside it, the lips kept shut by the upper
# lip coming down and the lips pressing (Löfqvist & Gracco 1997, JSLHR 40:877: in bilabial stops the jaw's
# opening movement for the vowel begins before the oral release), so the lips part onto an opening mouth and
# the aperture grows fast at the release. The jaw gets this share of its way to where the blend (already
# heading for the next sound) has it, rising over the closure's middle half: from a quarter into the phone to
# where its lips start to part. A closure before a pause or another closure stays shut as before (the blend's
# jaw there is low anyway). Not all the way: the rig draws the pressed lips over the lowered jaw, stretched.
JAW_RELEASE_SHARE = 0.6
# The whole share in a closure this long or longer and before a sound this long or longer; none in one half as
# long or before a sound half as long (a 60 ms vowel between two closures).
_RELEASE_CLOSURE_S = 0.07
_RELEASE_NEXT_S = 0.12
# The jaw travels its speech range (jawOpen ~0.1 to 0.7) in no less than ~0.08 s: peak jaw speeds in speech
# are ~100-150 mm/s over a 10-15 mm range. Faster, an "a" before a "p" shuts in one frame.
JAW_MAX_SPEED_PER_S = 8.0
# Lips close on a p from a vowel's opening in ~50-80 ms (lip speeds up to ~200 mm/s): at 25-30 fps the frame
# before a closure shows them on their way, and so does the frame after the release.
LIPS_MAX_SPEED_PER_S = 15.0
# Into a pause the mouth relaxes to rest more slowly than it shuts for a consonant: a stop's closure is a
# targeted movement of ~50-80 ms (LIPS_MAX_SPEED_PER_S), while at the end of an utterance the jaw and lips
# drift back to rest as the voice stops, over ~150-250 ms: no sound follows that the movement must reach in
# time, and the mouth often stays parted a moment after the voice has stopped. At 25 fps a wide "a" shut over two
# frames at a phrase end reads as a snap (review item 7, happy + fayu.wav frames 154-156). RELAX_S: from
# the widest of a phrase's last frames the mouth takes at least this long to reach rest (its openness falls
# by at most 1 / (RELAX_S * fps) of that a frame), whatever the tracks would do faster; a p/b/m or f/v on
# the way keeps its closure.
RELAX_S = 0.2
# A breath in a pause (breathe_in_pauses). Speakers inhale in the pauses between phrases, mostly at clause
# boundaries (Winkworth et al. 1995, JSHR 38:124; 1994, JSHR 37:535, reading), and most phrases are begun just
# after an inhalation (Rochet-Capellan & Fuchs 2014, Phil Trans R Soc B 369:20130399); an inhalation takes less
# than a second (Autesserre et al. 1989, Eurospeech: "breathing in takes less than one second") and begins
# briefly after the sound before it stops; short phrases go on residual air without one (Torreira, Bogels &
# Levinson 2015, Front Psychol 6:284: answers after an inbreath start a modal 576 ms after the question, 100 ms
# without one). Through the mouth the lips part a few millimetres and the jaw drops a little while the air goes
# in, from ~0.3-0.5 s before the voice, and sometimes stay parted from the phrase before. A pause shorter than
# BREATH_PAUSE_S takes none; from there the chance grows to BREATH_CHANCE[1] at BREATH_SURE_S and more. Each
# breath's timing and size are drawn per pause (_breath_draws), from the inputs alone.
BREATH_PAUSE_S = 0.45
BREATH_SURE_S = 0.9
BREATH_CHANCE = (0.35, 0.85)
# The inhale starts this long before the voice (drawn per pause) and never earlier: the furthest the breath
# looks ahead (issue 13: every motion generator causal with at most 0.5 s of look-ahead, as the live mode).
BREATH_LEAD_S = (0.3, 0.5)
BREATH_LOOKAHEAD_S = 0.5
# jawOpen of the breath (drawn per pause): the rig parts the lips by ~0.39-0.5 mouth widths per unit of jaw,
# so 0.07-0.13 is a gap of ~0.03-0.06 mouth widths, 1.5-3 mm on a 50 mm mouth: parted, not speaking (the lips
# read as open from ~0.07 mouth widths, _SHOWN_RANGE).
BREATH_JAW = (0.07, 0.13)
BREATH_RISE_S = (0.15, 0.25)  # the jaw drops to it over this long (drawn per pause)
BREATH_FALL_S = 0.08  # ... and lets go of it over this long where the lips close or tuck for the next sound
BREATH_INTO_VOICE_S = 0.16  # ... and over this long into the voice, where the phrase starts with lips apart
_BREATH_MIN_S = 0.2  # less than this of breath before the voice or a closure: none (not a twitch)
# After a phrase the lips sometimes stay a little apart for a while before they close (drawn per pause): a
# smaller opening than an inhale's, held for PARTED_HOLD_S and let go over PARTED_FALL_S.
PARTED_CHANCE = 0.4
PARTED_JAW = (0.05, 0.09)
PARTED_HOLD_S = (0.2, 0.6)
PARTED_FALL_S = 0.3
# Lips close for a p/b/m or tuck for an f/v over ~60-100 ms (Löfqvist & Gracco 1997, JSLHR 40:877: closing
# movements of the lips and jaw), and the closure is complete at the phone's acoustic start: at 25 fps the frame
# before it shows them on their way. _hold_envelope's closing ramp takes under a third of the sound before (so
# a short vowel keeps its open middle), mostly less than a frame: the frame before a closure showed the vowel
# wide open and the next one shut or tucked (review: RD_Radio40 frames 146 -> 147, "uh f" open -> tucked). The
# frame before a closure or tuck is held at least this much (_close_in_time), unless it is the only frame of
# its vowel; the closure's own frames stay as they were. (p/b/m, f/v): the share that leaves that frame about
# half the lips' gap on the rig (the astronaut closed at rest, jawOpen 0.3: the gap 0.114 mouth widths falls to
# 0.054 at a closure of 0.3 with mouthClose raised to 0.4 by _lips_in_time, to 0.049 at a tuck of 0.5; 0.5 of
# closure left 0.036, mostly shut a frame early). Where the closing ramp already holds that frame at least half
# of _CLOSING_STEP over the share and does most of the closing there, the frame before it is held _CLOSING_STEP
# less than it (a long vowel's 70 ms ramp: "ay p" wide open, then 0.6-0.75 held, then shut).
CLOSING_SHARE = (0.3, 0.5)
_CLOSING_STEP = 0.4
_JAW_AT_TUCK = 0.12  # jaw while the lower lip is tucked under the upper teeth (f, v)
_TUCK = 0.9  # mouthRollLower for f, v
_QUIET_DB = 25.0  # breaths are typically 20-30 dB under the speech around them

# Stress from the phones (_stress_gains). Inherent vowel durations in seconds, Klatt 1979 ("Synthesis by rule
# of segmental durations in English sentences"; the MITalk duration rules): the length of a stressed vowel in
# a non-final syllable at his speaking rate.
_INHERENT_S: dict[str, float] = {
    "AA": 0.24, "AE": 0.23, "AH": 0.14, "AO": 0.24, "AW": 0.26, "AY": 0.25, "EH": 0.15, "ER": 0.18,
    "EY": 0.19, "IH": 0.135, "IY": 0.155, "OW": 0.22, "OY": 0.28, "UH": 0.16, "UW": 0.21,
}  # fmt: skip
_FINAL_LENGTHENING = 1.4  # Klatt 1979: the vowel before a pause is lengthened by 40 %
# Vowels of connected English last about half their inherent duration: median 0.47 over the LibriVox and radio
# clips (pocketsphinx-testdata, /work/shared/data/speech; recognised and aligned phones alike).
_TYPICAL_RATIO = 0.5
# The speaking rate a vowel's length is judged against: the vowels around it, with at most half a second of
# look-ahead (the live path's bound on motion look-ahead; issue 13).
_RATE_BEFORE_S = 2.0
_RATE_AFTER_S = 0.5
# Gain of a vowel of typical length: with the phrase-position factor the vowels' mean gain is 1.07, that of the
# loudness gain this replaces (the same LibriVox and radio clips), so the mouth opens as far on average; x1.025
# since the weak loudness emphasis that followed it (0.9..1.1, mean 1.025 at the vowels) is gone too.
_STRESS_CENTRE = 1.12
_STRESS_SLOPE = 0.25  # per doubling of the duration ratio
_STRESS_RANGE = (0.9, 1.25)
_PHRASE_ONSET_GAIN = 1.06  # at a phrase's start ...
_PHRASE_LATE_GAIN = 0.96  # ... declining to this over _PHRASE_DECLINE_S
_PHRASE_DECLINE_S = 2.5

_IDX = {name: i for i, name in enumerate(MOUTH_TRACKS)}
_GROUPS: dict[str, tuple[str, ...]] = {
    "jaw": ("jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight"),
    "round": ("mouthPucker", "mouthFunnel"),
    "spread": ("mouthStretchLeft", "mouthStretchRight"),
    "upper": ("mouthUpperUpLeft", "mouthUpperUpRight"),
}


@dataclass(frozen=True)
class _Dominance:
    """How strongly a segment pulls each track group towards its target, and how fast that falls off in time.

    Cohen & Massaro 1993, "Modeling coarticulation in synthetic visual speech": dominance
    D(t) = alpha * exp(-theta * |tau|^c) around each segment, separate rates before (anticipation) and after
    (carry-over), and the track value is the dominance-weighted mean of all segments' targets. We use c = 1 and
    measure tau from the edge of the segment's central half rather than its centre, so long segments hold
    their target and short ones are pulled towards their neighbours (vowel reduction in fast speech).
    """

    jaw: float
    round: float
    spread: float
    upper: float
    before_s: float = 0.05  # 1/theta before the segment (anticipation)
    after_s: float = 0.04  # 1/theta after it (carry-over)
    round_before_s: float = 0.05  # anticipatory lip rounding reaches further ahead for rounded sounds

    def alphas(self) -> np.ndarray:
        a = np.zeros(len(MOUTH_TRACKS))
        for group, tracks in _GROUPS.items():
            for track in tracks:
                a[_IDX[track]] = getattr(self, group)
        return a


# Lip-critical segments dominate the lip tracks; tongue-only consonants (k, g, ng, h) barely touch the lips and
# take the shape of their vowels — the "visual ambiguity" of those classes in lip-reading studies.
_VOWEL = _Dominance(jaw=1.3, round=1.0, spread=1.0, upper=0.6, before_s=0.06, after_s=0.05)
# Anticipatory rounding begins up to several consonants ahead of a rounded vowel (Benguerel & Cowan 1974).
_ROUNDED = _Dominance(
    jaw=1.0, round=1.0, spread=1.0, upper=0.5, before_s=0.06, after_s=0.05, round_before_s=0.14
)
_DOMINANCE: dict[str, _Dominance] = {
    "AA": _VOWEL, "AE": _VOWEL, "EH": _VOWEL, "IH": _VOWEL, "EE": _VOWEL, "UH": _VOWEL,
    "OH": _Dominance(jaw=1.3, round=1.0, spread=1.0, upper=0.5, before_s=0.06, after_s=0.05, round_before_s=0.1),
    "WOO": _ROUNDED,
    "R": _Dominance(jaw=0.5, round=0.8, spread=0.6, upper=0.5, round_before_s=0.1),
    "SH": _Dominance(jaw=0.7, round=0.9, spread=0.6, upper=0.8, round_before_s=0.08),
    # The closure itself is imposed by _hold_envelope; here p, b, m only pull the jaw up a little.
    "PBM": _Dominance(jaw=0.5, round=0.1, spread=0.1, upper=0.3),
    "FV": _Dominance(jaw=0.7, round=0.15, spread=0.2, upper=0.8),
    "TH": _Dominance(jaw=0.6, round=0.2, spread=0.3, upper=0.7),
    "ST": _Dominance(jaw=0.6, round=0.1, spread=0.3, upper=0.3),
    "L": _Dominance(jaw=0.5, round=0.15, spread=0.2, upper=0.3),
    "KG": _Dominance(jaw=0.3, round=0.05, spread=0.05, upper=0.1),
}  # fmt: skip
_PHONE_DOMINANCE: dict[str, _Dominance] = {
    # h is the following vowel said breathily; y is an "ee" glide, less open than the vowel.
    "HH": _Dominance(jaw=0.02, round=0.02, spread=0.02, upper=0.02),
    "Y": _Dominance(jaw=0.5, round=0.3, spread=0.8, upper=0.3),
}
_TARGETS = {name: np.array([target[t] for t in MOUTH_TRACKS]) for name, target in VISEME_TARGETS.items()}


@dataclass(frozen=True)
class _Gesture:
    viseme: str
    start_s: float
    end_s: float
    target: np.ndarray  # (n_tracks,)
    alpha: np.ndarray  # (n_tracks,)
    dominance: _Dominance
    # Where the dominance is full (start, end); None: the segment's middle half.
    core_s: tuple[float, float] | None = None


def _speech_phones(timeline: PhoneTimeline, prosody: Prosody) -> list[tuple[str, float, float]]:
    """(phone, start_s, end_s) with phones demoted to SIL where prosody hears no speech around them.

    Phone recognition invents phones in breaths and room noise; prosody's voice activity is the better judge
    there. A phone is demoted only when it is also quiet (_QUIET_DB under the clip's speech level), so faint
    phrase-final words that the voice detector misses keep their phones; a clip with no voiced speech at all
    (a whisper) keeps all of its phones.
    """
    segments = list(zip(timeline.phones, timeline.start_s.tolist(), timeline.end_s.tolist()))
    speech = np.asarray(prosody.speech, dtype=bool)
    energy_db = np.asarray(prosody.energy_db, dtype=np.float64)
    if speech.any() and energy_db.shape == speech.shape:
        quiet_db = float(np.percentile(energy_db[speech], 95)) - _QUIET_DB
        out = []
        for phone, start, end in segments:
            lo = max(int(np.floor((start - 0.05) * prosody.fps)), 0)
            hi = min(int(np.ceil((end + 0.05) * prosody.fps)) + 1, speech.shape[0])
            if phone != SILENCE and hi > lo and not speech[lo:hi].any() and energy_db[lo:hi].max() < quiet_db:
                phone = SILENCE
            out.append((phone, start, end))
        segments = out
    merged: list[tuple[str, float, float]] = []
    for phone, start, end in segments:
        if merged and phone == SILENCE and merged[-1][0] == SILENCE:
            merged[-1] = (SILENCE, merged[-1][1], end)
        else:
            merged.append((phone, start, end))
    return merged


def _gestures(segments: list[tuple[str, float, float]]) -> list[_Gesture]:
    gestures = []
    gains = _stress_gains(segments)
    for k, (phone, start, end) in enumerate(segments):
        duration = end - start
        if phone == SILENCE:
            # Short pauses are bridged; from _BRIDGE_PAUSE_S to _REST_PAUSE_S the pull to rest grows to full.
            x = np.clip((duration - _BRIDGE_PAUSE_S) / (_REST_PAUSE_S - _BRIDGE_PAUSE_S), 0.0, 1.0)
            if k + 1 == len(segments):
                x = 1.0  # the speech's end: nothing to bridge to, however short the silence left after it
            strength = 0.01 + 2.0 * x * x * (3 - 2 * x)
            rest = _Dominance(jaw=strength, round=strength, spread=strength, upper=strength)
            # The rest pose holds from a quarter into the pause (carry-over of the last sound) until
            # ONSET_LEAD_S before the next speech, whatever the pause's length: the mouth then leaves rest a
            # fixed time ahead of the voice (with the middle half, the longer the pause the earlier: ~0.14 s
            # ahead after a 1.2 s pause, ~0.06 s after a 0.4 s one). An h after the pause is breath that the
            # jaw opens through for its vowel (HH is that vowel said breathily): the voice starts after it, and
            # the lead counts from there (from the h, a phrase starting "how" or "hello" led its sound by
            # 3-4 frames once loudness no longer damped its onset).
            lo = start + 0.25 * duration
            voice_s = segments[k + 1][2] if k + 1 < len(segments) and segments[k + 1][0] == "HH" else end
            hi = voice_s - ONSET_LEAD_S if k + 1 < len(segments) else end - 0.25 * duration
            core = (lo, max(hi, lo)) if k > 0 else (start, max(hi, start))
            gestures.append(_Gesture("rest", start, end, _TARGETS["rest"], rest.alphas(), rest, core))
            continue
        parts = DIPHTHONGS.get(phone)
        visemes = (
            [(parts[0], start, start + 0.55 * duration), (parts[1], start + 0.55 * duration, end)]
            if parts
            else [(PHONE_TO_VISEME.get(phone, "EH"), start, end)]
        )
        for viseme, a, b in visemes:
            dominance = _PHONE_DOMINANCE.get(phone, _DOMINANCE.get(viseme, _VOWEL))
            target = _TARGETS[viseme].copy()
            if phone in VOWELS and duration < 0.1:
                # Short vowels are reduced: the jaw does not travel as far (Lindblom 1963 "undershoot").
                reduce = 0.75 + 0.25 * duration / 0.1
                for track in _GROUPS["jaw"]:
                    target[_IDX[track]] *= reduce
            for track in _GROUPS["jaw"]:
                target[_IDX[track]] = min(target[_IDX[track]] * gains[k], 1.0)
            gestures.append(_Gesture(viseme, a, b, target, dominance.alphas(), dominance))
    return gestures


def _blend(gestures: list[_Gesture], t: np.ndarray) -> np.ndarray:
    """(len(t), n_tracks) dominance-weighted mean of the gestures' targets (Cohen & Massaro 1993)."""
    n_tracks = len(MOUTH_TRACKS)
    # A faint rest gesture everywhere, so times far from any segment are at rest.
    num = np.zeros((t.shape[0], n_tracks))
    den = np.full((t.shape[0], n_tracks), 1e-4)
    round_mask = np.zeros(n_tracks, dtype=bool)
    for track in _GROUPS["round"]:
        round_mask[_IDX[track]] = True
    for g in gestures:
        d = g.dominance
        reach = 8.0 * max(d.before_s, d.after_s, d.round_before_s)
        core_lo, core_hi = g.core_s or (0.75 * g.start_s + 0.25 * g.end_s, 0.25 * g.start_s + 0.75 * g.end_s)
        centre = 0.5 * (core_lo + core_hi)
        lo, hi = np.searchsorted(t, [min(g.start_s, core_lo) - reach, max(g.end_s, core_hi) + reach])
        if hi <= lo:
            continue
        tt = t[lo:hi]
        dist = np.maximum(np.maximum(core_lo - tt, tt - core_hi), 0.0)[:, None]
        before = (tt < centre)[:, None]
        tau = np.where(before, d.before_s, d.after_s) * np.ones(n_tracks)
        tau = np.where(before & round_mask[None, :], d.round_before_s, tau)
        weight = g.alpha[None, :] * np.exp(-dist / tau)
        num[lo:hi] += weight * g.target[None, :]
        den[lo:hi] += weight
    return num / den


def _hold_envelope(
    segments: list[tuple[str, float, float]], wanted: frozenset[str], t: np.ndarray
) -> np.ndarray:
    """1 from each wanted phone's start to 3/4 of it, raised-cosine ramps into its neighbours, max over phones.

    A hard constraint on top of the blend: bilabials must shut the lips and labiodentals must tuck the lower
    lip however fast the speech, because lip-readers notice a missing closure first. Ramps take at most half
    of the neighbouring segment (the closing one under a third), so a short vowel between two closures still
    opens. The closure is complete at the phone's acoustic start (the sound drops because the lips meet: their
    closing movement comes before it), and the lips part over its burst within 30 ms.
    """
    env = np.zeros(t.shape[0])
    for k, (phone, start, end) in enumerate(segments):
        if phone not in wanted:
            continue
        duration = end - start
        hold_lo, hold_hi = start, end - 0.25 * duration
        prev_s = segments[k - 1][2] - segments[k - 1][1] if k > 0 else 0.1
        if k > 0 and segments[k - 1][0] == SILENCE:
            # After a pause the lips take their place before the voice, as the rest of the mouth gets ready
            # (ONSET_LEAD_S, OPEN_LEAD_S, SHAPE_LEAD_S): from rest straight into the closure, not open and shut
            # again.
            hold_lo = start - min(ONSET_LEAD_S + OPEN_LEAD_S + SHAPE_LEAD_S, 0.5 * prev_s)
        next_s = segments[k + 1][2] - segments[k + 1][1] if k + 1 < len(segments) else 0.1
        # The closing ramp takes under a third of the segment before (a short vowel between two closures
        # keeps its open middle: at 300 words a minute "mop" has 80 ms of vowel).
        ramp_in = float(np.clip(0.3 * prev_s, 0.015, 0.07))
        # The lips part fast at a burst (the air pressed behind them pushes them apart).
        ramp_out = float(np.clip(0.5 * next_s, 0.015, 0.03))
        last = k + 1 == len(segments) or (segments[k + 1][0] == SILENCE and k + 2 == len(segments))
        if last or (segments[k + 1][0] == SILENCE and next_s >= _REST_PAUSE_S):
            # Before a pause ("... am.") nothing follows to part them for: they stay together while the jaw
            # settles (the pause's rest holds from a quarter into it), then let go slowly, by the pause's
            # middle; they had parted onto the last vowel's carry-over, a mouth opening again after its closure
            # (to 0.39 after the last p of a fast "bamboo mop").
            hold_hi = end + 0.25 * next_s
            ramp_out = min(0.25 * next_s, 0.1)
        lo, hi = np.searchsorted(t, [hold_lo - ramp_in, hold_hi + ramp_out])
        tt = t[lo:hi]
        e = np.ones(tt.shape[0])
        rising = tt < hold_lo
        e[rising] = 0.5 - 0.5 * np.cos(np.pi * (tt[rising] - (hold_lo - ramp_in)) / ramp_in)
        falling = tt > hold_hi
        e[falling] = 0.5 + 0.5 * np.cos(np.pi * (tt[falling] - hold_hi) / ramp_out)
        env[lo:hi] = np.maximum(env[lo:hi], e)
    return env


def _jaw_release(segments: list[tuple[str, float, float]], t: np.ndarray) -> np.ndarray:
    """How far (0..JAW_RELEASE_SHARE) the jaw inside each p/b/m's closure has gone towards the blend's jaw at
    the times `t`: 0 until a quarter into the phone, a raised-cosine rise to the share where its hold ends
    (_hold_envelope: the lips start to part), held through their parting."""
    env = np.zeros(t.shape[0])
    for k, (phone, start, end) in enumerate(segments):
        if phone not in ("P", "B", "M"):
            continue
        duration = end - start
        lo, hi = start + 0.25 * duration, end - 0.25 * duration
        next_s = segments[k + 1][2] - segments[k + 1][1] if k + 1 < len(segments) else 0.1
        ramp_out = float(np.clip(0.5 * next_s, 0.015, 0.03))  # as _hold_envelope's parting
        # Less in a short closure and before a short sound: the jaw's excursion shrinks with the time it has
        # (Lindblom 1963). A closure of one frame shows the jaw up, and a 60 ms vowel between two closures
        # does not part the lips wide for a single frame.
        time_for_it = min(duration / _RELEASE_CLOSURE_S, next_s / _RELEASE_NEXT_S)
        share = JAW_RELEASE_SHARE * float(np.clip(2.0 * time_for_it - 1.0, 0.0, 1.0))
        a, b = np.searchsorted(t, [lo, hi + ramp_out])
        x = np.clip((t[a:b] - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
        env[a:b] = np.maximum(env[a:b], share * (0.5 - 0.5 * np.cos(np.pi * x)))
    return env


def _apply_holds(
    values: np.ndarray, closure: np.ndarray, tuck: np.ndarray, release: np.ndarray | None = None
) -> np.ndarray:
    """Impose lip closure (p, b, m) and lower-lip tuck (f, v) envelopes on blended or sampled tracks.

    release: _jaw_release's share at the same times (None: the jaw held nearly shut through every closure)."""
    v = values.copy()
    jaw = _IDX["jawOpen"]
    v[:, _IDX["mouthClose"]] = closure
    v[:, _IDX["mouthRollLower"]] = _TUCK * tuck
    shut = np.minimum(v[:, jaw], _JAW_AT_CLOSURE)
    if release is not None:
        shut += release * np.maximum(v[:, jaw] - _JAW_AT_CLOSURE, 0.0)
    v[:, jaw] = v[:, jaw] * (1 - closure) + closure * shut
    v[:, jaw] = v[:, jaw] * (1 - tuck) + tuck * np.minimum(v[:, jaw], _JAW_AT_TUCK)
    # Pressed lips cannot funnel or bare the teeth.
    for name in ("mouthFunnel",) + _GROUPS["upper"] + ("mouthLowerDownLeft", "mouthLowerDownRight"):
        v[:, _IDX[name]] *= 1 - closure
    for name in ("mouthLowerDownLeft", "mouthLowerDownRight"):
        v[:, _IDX[name]] *= 1 - tuck
    for name in _GROUPS["upper"]:
        v[:, _IDX[name]] = np.maximum(v[:, _IDX[name]], 0.25 * tuck)
    return v


def _frame_holds(
    segments: list[tuple[str, float, float]],
    wanted: frozenset[str],
    env: np.ndarray,
    *,
    fps: float,
    lead_s: float,
) -> np.ndarray:
    """Per-frame hold envelope: the window mean, but full in every frame a wanted phone should show in.

    Frame i shows time i / fps + lead_s. A wanted phone holds fully in every frame whose shown time lies
    inside the phone (a closure lasts as long as its phone), and in the frame nearest to its centre, which is
    kept within half a frame of the phone in sound time (i / fps), so that a phone shorter than a frame still
    shows fully, where a viewer hears it. Taking the window maximum in every frame instead would let a
    closure's ramp shut the frames of a short vowel next to it too.
    """
    windows = env.reshape(-1, _SUBSAMPLES)
    held = windows.mean(axis=1)
    n = held.shape[0]
    shown_t = np.arange(n) / fps + lead_s
    half = 0.5 / fps
    for phone, start, end in segments:
        if phone not in wanted or start >= n / fps + lead_s:
            continue
        held[(shown_t >= start) & (shown_t < end)] = 1.0
        # The frame nearest the phone's centre (a phone shown before the first frame or after the last
        # shows in that frame), but no further than half a frame outside the phone in sound time.
        lo = int(np.ceil((start - half) * fps - 1e-9))
        hi = int(np.floor((end + half) * fps + 1e-9))
        frame = int(np.clip(round((0.5 * (start + end) - lead_s) * fps), lo, max(lo, hi)))
        held[int(np.clip(frame, 0, n - 1))] = 1.0
    return held


def _shape_lead(segments: list[tuple[str, float, float]], t: np.ndarray, step_s: float) -> np.ndarray:
    """How far ahead the jaw and lip shapes are shown at each of the evenly spaced times `t`: SHAPE_LEAD_SHARE
    of the length of the segment sounding then, at most SHAPE_LEAD_S, smoothed over 2 * SHAPE_LEAD_S so that
    shown time never runs backwards (the lead changes by at most SHAPE_LEAD_S over that span). None in pauses
    and an h (breath): how far the mouth leaves rest ahead of the voice is ONSET_LEAD_S's."""
    if not segments or t.shape[0] == 0:
        return np.zeros(t.shape[0])
    starts = np.array([start for _, start, _ in segments])
    lengths = np.array([0.0 if phone in (SILENCE, "HH") else end - start for phone, start, end in segments])
    k = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(segments) - 1)
    lead = np.minimum(SHAPE_LEAD_SHARE * lengths[k], SHAPE_LEAD_S)
    half = max(int(round(SHAPE_LEAD_S / step_s)), 1)
    padded = np.concatenate([np.full(half, lead[0]), lead, np.full(half, lead[-1])])
    return np.convolve(padded, np.full(2 * half + 1, 1.0 / (2 * half + 1)), mode="valid")


def _stress_gains(segments: list[tuple[str, float, float]]) -> list[float]:
    """Jaw gain per segment (1 for consonants and pauses): how strongly each vowel is said, from the phones.

    Stressed vowels are opened wider than unstressed ones (the jaw lowers more for a stressed or accented
    syllable: e.g. Erickson 2002, Phonetica 59:134; de Jong 1995, JASA 97:491), and in English duration is the
    most reliable cue to stress (Fry 1955, JASA 27:765). Each vowel's duration is taken against its own
    inherent duration (Klatt 1979's table: an "aa" is longer than an "ih" by nature, not by stress), less the
    lengthening every vowel gets before a pause (Klatt 1979: x1.4), and against the median of that ratio over
    the vowels from _RATE_BEFORE_S before to _RATE_AFTER_S after it (the local speaking rate; _TYPICAL_RATIO
    where there are fewer than three); the log ratio sets the gain. A phrase's first syllables are said more
    strongly than its later ones (Vayra & Fowler 1992, Phonetica 49:48: opening gestures decline across an
    utterance; Fougeron & Keating 1997, JASA 101:3728: strengthening at domain onsets), counted from the
    phrase's start. The gain looks at most _RATE_AFTER_S ahead. Loudness does not drive the jaw: each vowel
    opens to its own degree from the phones (real speakers' mouth opening tracks loudness only weakly, r
    0.16-0.28, issue 13).
    """
    vowels = []  # (segment index, start_s, duration ratio)
    for k, (phone, start, end) in enumerate(segments):
        inherent_s = _INHERENT_S.get(phone)
        if inherent_s is None:
            continue
        ratio = (end - start) / inherent_s
        after = segments[k + 1] if k + 1 < len(segments) else None
        if after is None or (after[0] == SILENCE and after[2] - after[1] >= _BRIDGE_PAUSE_S):
            ratio /= _FINAL_LENGTHENING
        vowels.append((k, start, max(ratio, 1e-3)))
    starts = np.array([v[1] for v in vowels])
    ratios = np.array([v[2] for v in vowels])
    phrase_starts = [
        end for phone, start, end in segments if phone == SILENCE and end - start >= _REST_PAUSE_S
    ]
    gains = [1.0] * len(segments)
    for k, start, ratio in vowels:
        # Stress is prominence against the syllables around: fast speech is not all unstressed.
        near = ratios[(starts >= start - _RATE_BEFORE_S) & (starts <= start + _RATE_AFTER_S)]
        typical = float(np.median(near)) if near.size >= 3 else _TYPICAL_RATIO
        stress = float(np.log2(ratio / typical))
        phrase_start_s = max([t for t in phrase_starts if t <= start], default=0.0)
        into_phrase = float(np.clip((start - phrase_start_s) / _PHRASE_DECLINE_S, 0.0, 1.0))
        position = _PHRASE_ONSET_GAIN + (_PHRASE_LATE_GAIN - _PHRASE_ONSET_GAIN) * into_phrase
        gains[k] = float(np.clip(_STRESS_CENTRE + _STRESS_SLOPE * stress, *_STRESS_RANGE)) * position
    return gains


def mouth_curves(
    timeline: PhoneTimeline,
    prosody: Prosody,
    *,
    fps: float,
    n_frames: int,
    lead_s: float = LEAD_S,
    breaths: bool = True,
) -> dict[str, np.ndarray]:
    """Mouth-track curves {name in MOUTH_TRACKS: (n_frames,) float32 in 0..1} for a phone timeline.

    Frame i shows the mouth of time i / fps + lead_s (its jaw and lip shapes up to SHAPE_LEAD_S further on,
    its opening OPEN_LEAD_S further still). Each frame is the mean of _SUBSAMPLES points across its 1 / fps window
    (no aliasing), except lip closure and tuck, which take the window's maximum so that a closure shorter than
    a frame still shows fully in the frame nearest to it. Into a pause the mouth eases to rest over at least
    RELAX_S (relax_into_pauses), and in pauses the lips part for breaths (breathe_in_pauses; breaths=False
    leaves them out: a caller that makes frames final with less than BREATH_LOOKAHEAD_S of input after them,
    or from windows that start inside a pause, would show them cut short).
    """
    n_tracks = len(MOUTH_TRACKS)
    if n_frames <= 0:
        return {name: np.zeros(0, dtype=np.float32) for name in MOUTH_TRACKS}
    offsets = (np.arange(_SUBSAMPLES) + 0.5) / _SUBSAMPLES - 0.5
    t = ((np.arange(n_frames)[:, None] + offsets[None, :]) / fps + lead_s).ravel()

    segments = _speech_phones(timeline, prosody)
    # The blend a little further on too (OPEN_LEAD_S more): the opening tracks take whichever is wider, so a
    # mouth opens that much earlier and closes when it did (a vowel keeps its widest frames in its phone).
    step_s = 1.0 / (fps * _SUBSAMPLES)
    ahead = int(round(OPEN_LEAD_S / step_s))
    t_ext = np.concatenate([t, t[-1] + step_s * np.arange(1, ahead + 1)])
    blended = _blend(_gestures(segments), t_ext + _shape_lead(segments, t_ext, step_s))
    opening = [_IDX[name] for name in _GROUPS["jaw"] + _GROUPS["upper"]]
    blended[: t.shape[0], opening] = np.maximum(blended[: t.shape[0], opening], blended[ahead:, opening])
    blended = blended[: t.shape[0]]
    closure = _hold_envelope(segments, frozenset({"P", "B", "M"}), t)
    tuck = _hold_envelope(segments, frozenset({"F", "V"}), t)
    release = _jaw_release(segments, t)
    fine = _apply_holds(blended, closure, tuck, release).reshape(n_frames, _SUBSAMPLES, n_tracks)

    frames = fine.mean(axis=1)
    closure_f = _frame_holds(segments, frozenset({"P", "B", "M"}), closure, fps=fps, lead_s=lead_s)
    tuck_f = _frame_holds(segments, frozenset({"F", "V"}), tuck, fps=fps, lead_s=lead_s)
    before = _openness({name: frames[:, i] for i, name in enumerate(MOUTH_TRACKS)})
    closure_f, tuck_f = _close_in_time(segments, closure_f, tuck_f, before, fps=fps, lead_s=lead_s)
    tuck_f = _untuck_in_time(tuck_f, LIPS_MAX_SPEED_PER_S / fps)
    release_f = release.reshape(n_frames, _SUBSAMPLES).mean(axis=1)
    frames = _apply_holds(frames, closure_f, tuck_f, release_f)
    frames = np.clip(np.nan_to_num(frames), 0.0, 1.0)
    frames[:, _IDX["jawOpen"]] = _jaw_in_time(frames[:, _IDX["jawOpen"]], JAW_MAX_SPEED_PER_S / fps)
    frames[:, _IDX["mouthClose"]] = _lips_in_time(frames[:, _IDX["mouthClose"]], LIPS_MAX_SPEED_PER_S / fps)
    curves = {name: frames[:, i].astype(np.float32) for i, name in enumerate(MOUTH_TRACKS)}
    speech = np.asarray(prosody.speech, bool)[:n_frames]
    curves = relax_into_pauses(curves, speech, fps=fps)
    if breaths:
        curves = breathe_in_pauses(curves, speech, fps=fps)
    return no_single_frames(curves)


def relax_into_pauses(
    curves: dict[str, np.ndarray], speech: np.ndarray, *, fps: float, relax_s: float = RELAX_S
) -> dict[str, np.ndarray]:
    """Mouth curves that fall to rest no faster than from their widest to rest in `relax_s` where the sound
    stops for a pause.

    speech: (n_frames,) voice activity per frame (prosody.speech). A pause is _BRIDGE_PAUSE_S or more without
    speech, or the end of the frames. From the most open of the last three frames of sound before it, the
    openness (jawOpen less lip closure and tuck) loses at most that frame's openness / (relax_s * fps) a
    frame: where the tracks fall faster, a frame keeps that share of the open frame's shape (every track at
    least that share of its value there), mouthClose (the acoustic path's brief lip contact in gaps) eases in
    by it, and the jaw makes up the rest. Nothing is eased where a p/b/m closure or f/v tuck comes within
    `relax_s` of the open frame, and the easing stops where the sound starts again."""
    out = {name: np.asarray(curve, np.float32).copy() for name, curve in curves.items()}
    if "jawOpen" not in out or "mouthClose" not in out:
        return out
    n = out["jawOpen"].shape[0]
    sound = np.zeros(n, bool)
    sound[: min(n, len(speech))] = np.asarray(speech, bool)[:n]
    held = out["mouthClose"] >= 0.95
    if "mouthRollLower" in out:
        held = held | (out["mouthRollLower"] >= 0.85)
    openness = _openness(out)
    min_pause = max(int(np.ceil(_BRIDGE_PAUSE_S * fps - 1e-9)), 1)
    for e in np.nonzero(sound[:-1] & ~sound[1:])[0] if n > 1 else []:
        quiet = e + 1
        while quiet < n and not sound[quiet]:
            quiet += 1
        if quiet < n and quiet - (e + 1) < min_pause:
            continue  # a short gap (a stop, a word join): the tracks' own timing
        lo = max(int(e) - 2, 0)
        p = lo + int(np.argmax(openness[lo : e + 1]))
        peak = float(openness[p])
        if held[p : min(n, p + int(np.ceil(relax_s * fps)) + 2)].any() or peak <= 0.0:
            # The phrase ends on a closure, or a p/b/m or f/v follows before the mouth would be at rest: the
            # lips shut for it as they would within speech (a targeted movement, not a relaxation).
            continue
        shape = {name: float(curve[p]) for name, curve in out.items()}
        step = peak / max(relax_s * fps, 1.0)
        before = peak
        for i in range(p + 1, n):
            need = before - step
            if held[i] or need <= 0.0 or (i > e and sound[i]):
                break  # a closure, rest, or the next sound: its own movement from here
            if openness[i] < need:
                share = min(need / peak, 1.0)
                for name, curve in out.items():
                    if name == "mouthClose":
                        curve[i] = (1.0 - share) * curve[i]
                    elif name != "jawOpen":
                        curve[i] = max(curve[i], share * shape[name])
                roll = float(out["mouthRollLower"][i]) if "mouthRollLower" in out else 0.0
                lips = (1.0 - float(out["mouthClose"][i])) * (1.0 - 0.85 * roll)  # as _openness
                out["jawOpen"][i] = min(max(float(out["jawOpen"][i]), need / max(lips, 1e-6)), 1.0)
                openness[i] = _openness({k: v[i : i + 1] for k, v in out.items()})[0]
            before = float(openness[i])
    return out


def breathe_in_pauses(
    curves: dict[str, np.ndarray], speech: np.ndarray, *, fps: float
) -> dict[str, np.ndarray]:
    """Mouth curves in which the lips stay parted after some phrases and part for a breath before some.

    speech: (n_frames,) voice activity per frame (prosody.speech). A pause is a run of frames without speech
    after speech (the clip's leading silence is none) of at least BREATH_PAUSE_S, unless the clip ends
    within BREATH_LOOKAHEAD_S of its start (it ends at rest); what it takes is drawn per
    pause (_breath_draws). After the phrase (PARTED_CHANCE), the mouth relaxes to a small opening
    (PARTED_JAW) instead of shut, holds it for PARTED_HOLD_S and lets go over PARTED_FALL_S. Before the next
    phrase (the chance growing with the pause, BREATH_CHANCE), the jaw drops to the breath's opening
    (BREATH_JAW) over BREATH_RISE_S from BREATH_LEAD_S before the voice (from as early as it may, at most
    BREATH_LOOKAHEAD_S before the voice, when that would leave under _BREATH_MIN_S of rest after the phrase's
    RELAX_S: the lips stay parted), holds it and lets go into the phrase's own opening; where its first sound
    closes or tucks the lips (mouthClose or mouthRollLower rising), the breath ends BREATH_FALL_S before that,
    and one shorter than _BREATH_MIN_S is left out. Only jawOpen is raised, never on a frame whose lips are
    closing or tucking, and never after a phrase that ends shut (a p/b/m or f/v into the pause). Frame i
    depends on the voice activity up to BREATH_LOOKAHEAD_S after it and the jaw before its pause: the
    look-ahead the live mode allows."""
    out = {name: np.asarray(curve, np.float32).copy() for name, curve in curves.items()}
    if "jawOpen" not in out or "mouthClose" not in out:
        return out
    jaw = out["jawOpen"]
    n = jaw.shape[0]
    sound = np.zeros(n, bool)
    sound[: min(n, len(speech))] = np.asarray(speech, bool)[:n]
    busy = out["mouthClose"] > 0.05
    if "mouthRollLower" in out:
        busy = busy | (out["mouthRollLower"] > 0.05)
    fall = max(BREATH_FALL_S * fps, 2.0)
    reach = int(np.floor(BREATH_LOOKAHEAD_S * fps + 1e-9))  # frames the breath may look ahead
    for a in np.nonzero(sound[:-1] & ~sound[1:])[0] + 1 if n > 1 else []:
        a = int(a)
        b = a
        while b < n and not sound[b]:
            b += 1
        # What frame a can know of its pause: its length up to the look-ahead.
        seen = min(b - a, reach + 1)
        if seen < BREATH_PAUSE_S * fps - 1e-9 or (b == n and n - a <= reach):
            continue  # a short pause, or the clip ends within the look-ahead: it ends at rest
        draws = _breath_draws(jaw, a, seen, b - a, fps)
        profile = np.zeros(b - a + int(np.ceil(max(fall, BREATH_INTO_VOICE_S * fps))) + 1)
        parted_end = a + (draws["hold_s"] + PARTED_FALL_S) * fps
        if draws["parted"] < PARTED_CHANCE and not busy[max(a - 2, 0) : min(n, a + reach + 1)].any():
            k = np.arange(profile.shape[0], dtype=np.float64)
            down = np.clip((parted_end - a - k) / (PARTED_FALL_S * fps), 0.0, 1.0)
            profile = np.maximum(profile, draws["parted_jaw"] * down * down * (3 - 2 * down))
        chance = float(np.interp((b - a) / fps, (BREATH_PAUSE_S, BREATH_SURE_S), BREATH_CHANCE))
        if b < n and draws["chance"] < chance:
            earliest = max(float(b - reach), float(a))
            start = b - draws["lead_s"] * fps  # in frames (fractional)
            if start < a + (RELAX_S + _BREATH_MIN_S) * fps:
                start = earliest  # too soon after the phrase to come to rest and part again: stay parted
            # Where the lips close or tuck for the next phrase's first sound (from ~0.2 s before its voice),
            # the breath is over before it: it starts as early as it may, and the lips close from it.
            lo = int(np.ceil(earliest - 1e-9))
            # (after a closure or tuck held into the pause: a phrase-final m, noise heard as f)
            while lo < b and busy[lo]:
                lo += 1
            if lo > earliest:
                earliest = max(float(lo) + fall, earliest)
                start = max(start, earliest)
            ahead = np.nonzero(busy[lo:b])[0]
            if ahead.size:
                start = earliest
            end = float(b) if ahead.size == 0 else float(lo + int(ahead[0])) - fall
            # Into the voice it gives way to the phrase's first sound over a little longer (a consonant that
            # barely opens the mouth takes over from the breath, not a snap shut).
            let_go = fall if ahead.size else max(fall, BREATH_INTO_VOICE_S * fps)
            if (end - start) / fps >= _BREATH_MIN_S - 1e-9:
                i = np.arange(int(np.ceil(start - 1e-9)), min(n, int(np.ceil(end + let_go))))
                up = np.clip((i - start) / (draws["rise_s"] * fps), 0.0, 1.0)
                down = np.clip((end + let_go - i) / let_go, 0.0, 1.0)
                value = draws["jaw"] * up * up * (3 - 2 * up) * down * down * (3 - 2 * down)
                profile[i - a] = np.maximum(profile[i - a], value)
        frames = np.arange(a, min(n, a + profile.shape[0]))
        # Zero on a frame whose lips close or tuck, easing off over BREATH_FALL_S before it.
        to_busy = np.full(frames.shape[0], np.inf)
        nxt = np.inf
        for k in range(frames.shape[0] - 1, -1, -1):
            nxt = 0.0 if busy[frames[k]] else nxt + 1.0
            to_busy[k] = nxt
        x = np.clip(to_busy / fall, 0.0, 1.0)
        lift = profile[: frames.shape[0]] * x * x * (3 - 2 * x)
        jaw[frames] = np.maximum(jaw[frames], lift.astype(np.float32))
    return out


def _breath_draws(jaw: np.ndarray, a: int, seen: int, pause: int, fps: float) -> dict[str, float]:
    """What the pause from frame a takes: numbers to compare with the chances of parted lips after the phrase
    and of a breath before the next, and their sizes and times. Two generators seeded by the jaw over the
    phrase's last frames: the one for after the phrase also by the pause's length as frame a knows it
    (`seen`, up to the look-ahead), the breath's by its whole length (`pause`), known when the breath
    starts (there is none where the clip ends in the pause). The same inputs give the same breaths (a clip
    and the same clip streamed, a live phrase and the file), the pauses of one clip differ, and nothing
    after the voice is read."""
    tail = np.asarray(jaw[max(0, a - 6) : a], np.float64)
    key = int(round(float(tail.sum()) * 1000.0)) if tail.size else 0
    after = np.random.default_rng([0xB2EA7, 1, int(seen), key, int(round(fps * 1000))])
    before = np.random.default_rng([0xB2EA7, 2, int(pause), key, int(round(fps * 1000))])
    return {
        "parted": float(after.random()),
        "parted_jaw": float(after.uniform(*PARTED_JAW)),
        "hold_s": float(after.uniform(*PARTED_HOLD_S)),
        "chance": float(before.random()),
        "lead_s": float(before.uniform(*BREATH_LEAD_S)),
        "jaw": float(before.uniform(*BREATH_JAW)),
        "rise_s": float(before.uniform(*BREATH_RISE_S)),
    }


# Openness jawOpen * (1 - mouthClose) at which the rendered lips read as closed / open, and teeth as hidden /
# shown (the rig parts the lips by ~0.39 mouth widths per unit of jawOpen: lips closed below ~0.035 mouth
# widths, open above ~0.07; teeth come into view over ~0.05-0.09). A frame keeps its state between the two.
_OPENNESS_STATES = ((0.09, 0.18), (0.13, 0.23))
# Where a face's lips read as open or show teeth, in openness: the open bound 0.07 and the teeth bound 0.09
# mouth widths (api.LIP_GAP_STATES) over 0.39-0.5 mouth widths of lip gap per unit of jaw, which differs from
# face to face (the example portrait 0.39, the astronaut closed at rest 0.46, art_1.png 0.5).
_SHOWN_RANGE = (0.07 / 0.5, 0.09 / 0.39)


def _states(openness: np.ndarray, low: float, high: float) -> np.ndarray:
    """-1 closed, +1 open, 0 not yet either, with hysteresis between `low` and `high`."""
    state = np.zeros(openness.shape[0], np.int8)
    current = 0
    for i, value in enumerate(openness):
        current = -1 if value <= low else (1 if value >= high else current)
        state[i] = current
    return state


def no_single_frames(
    curves: dict[str, np.ndarray],
    *,
    openness: Callable[[dict[str, np.ndarray], int], float] | None = None,
    states: Sequence[tuple[float, float]] = _OPENNESS_STATES,
) -> dict[str, np.ndarray]:
    """Mouth curves in which no open or closed mouth (nor shown teeth) lasts a single frame.

    A short syllable between two closures, or a closure between two vowels, can fall on one 40 ms frame:
    on screen it is a flash. The neighbouring frame nearer to that state takes 60 % of its shape (more if
    that leaves it short of the state), so the state lasts two frames, the other neighbour first where that
    one would leave the frame beyond it alone; a lip closure's own frames (mouthClose ~1) are never opened,
    so an opening between two of them closes instead (two frames or none).

    openness(curves, frame): how open that frame's mouth is, on the scale of `states` ((closed, open) bounds,
    a frame keeps its state between them). Default: the tracks' own openness (jawOpen less closure and tuck),
    which cannot see a photo's open rest pose; the renderer passes the posed rig's lip gap instead.
    """
    out = {name: np.asarray(curve, np.float32).copy() for name, curve in curves.items()}
    if "jawOpen" not in out or "mouthClose" not in out or out["jawOpen"].shape[0] < 3:
        return out
    names = [name for name in MOUTH_TRACKS if name in out]
    if openness is None:
        _no_one_frame_peaks(out, names)
        measure = _openness(out)
        at = lambda frame: float(_openness({k: v[frame : frame + 1] for k, v in out.items()})[0])  # noqa: E731
    else:
        measure = np.array([openness(out, frame) for frame in range(out["jawOpen"].shape[0])])
        at = lambda frame: openness(out, frame)  # noqa: E731
    for low, high in states:
        for _ in range(3):  # a fix can leave a new single frame beside it; a few passes settle it
            state = _states(measure, low, high)
            single = (
                np.nonzero((state[1:-1] != 0) & (state[:-2] == -state[1:-1]) & (state[2:] == -state[1:-1]))[0]
                + 1
            )
            if single.size == 0:
                break
            for i in single:
                state = _states(measure, low, high)  # as the fixes before this one left it
                if not (state[i] != 0 and state[i - 1] == state[i + 1] == -state[i]):
                    continue
                opening = state[i] > 0
                order = (i - 1, i + 1) if (measure[i - 1] > measure[i + 1]) == opening else (i + 1, i - 1)
                held = out["mouthClose"] >= 0.95
                if "mouthRollLower" in out:
                    held |= out["mouthRollLower"] >= 0.85
                free = [j for j in order if not (opening and held[j])]  # a p/b/m or f/v stays shut
                # A neighbour that is the last frame of its own state's run would leave the frame beyond it
                # alone in that state: "p ah m" with a one-frame m after a two-frame vowel, where closing the
                # vowel's second frame to give the m two frames leaves its first open for one. The other
                # neighbour first when it has frames to spare.
                # Then the one that is not on the lips' way into a p/b/m or f/v or out of an f/v: opened like
                # the vowel, they would close or part in one frame (_on_the_way).
                free.sort(key=lambda j: (_leaves_single(state, j, j + (j - i)), _on_the_way(out, held, i, j)))
                if free:
                    # 60 % of the shape, or more until the neighbour is in that state: the lips' gap is not
                    # linear in the tracks (a partly pressed lip), and a neighbour left just short of the
                    # threshold leaves the flash where it was.
                    j = free[0]
                    own = {name: float(out[name][j]) for name in names}
                    for share in (0.6, 0.75, 0.9, 1.0):
                        for name in names:
                            out[name][j] = (1 - share) * own[name] + share * out[name][i]
                        measure[j] = at(j)
                        if (measure[j] >= high) if opening else (measure[j] <= low):
                            break
                else:
                    # An opening squeezed between two closures or tucks (a vowel shown on one frame between
                    # a p and an m) closes with them: open over two frames or none (issue 14). Its closures'
                    # frames stay shut; "mama" at 300 words a minute reads as one closure, not as flashes.
                    for name in names:
                        out[name][i] = 0.5 * (out[name][i - 1] + out[name][i + 1])
                    measure[i] = at(i)
    return out


def _leaves_single(state: np.ndarray, j: int, beyond: int) -> bool:
    """Whether giving frame j another state would leave frame `beyond` (j's other neighbour) the only frame
    of j's present state between two of another."""
    n = state.shape[0]
    if not 0 <= beyond < n or state[j] == 0 or state[beyond] != state[j]:
        return False
    after = beyond + (beyond - j)
    return 0 <= after < n and state[after] == -state[j]


def _on_the_way(out: dict[str, np.ndarray], held: np.ndarray, i: int, j: int) -> bool:
    """Whether frame j, beside frame i, shows the lips on their way into or out of a lower-lip tuck or into a
    closure: one of the two frames before a held closure or tuck (_close_in_time), or the frame after a tuck
    (_untuck_in_time). Given the shape of an opening at i, they would close or part in one frame. (A p/b/m's
    release may part them fast: the burst.)"""
    if held[j]:
        return False
    if j > i:
        return bool(held[j + 1 : j + 3].any())
    return j >= 1 and "mouthRollLower" in out and float(out["mouthRollLower"][j - 1]) >= 0.85


def _no_one_frame_peaks(out: dict[str, np.ndarray], names: list[str]) -> None:
    """In place: the larger neighbour of every one-frame peak of openness reaches the peak or the top of
    _SHOWN_RANGE, taking as much of the peak frame's shape as that needs.

    The tracks cannot see where a face's lips read as open or show teeth (_SHOWN_RANGE); a peak that only
    its own frame lifts over that line, wherever the line lies in the range, is a one-frame flash on some
    face. A neighbour that is a lip closure or tuck stays as it is (then the other one rises, or neither).
    """
    low, high = _SHOWN_RANGE
    measure = _openness(out)
    held = out["mouthClose"] >= 0.95
    if "mouthRollLower" in out:
        held |= out["mouthRollLower"] >= 0.85
    for i in range(1, measure.shape[0] - 1):
        peak = measure[i]
        if peak <= low or peak < measure[i - 1] or peak < measure[i + 1]:
            continue
        target = min(peak, high)
        free = [j for j in (i - 1, i + 1) if not held[j]]
        if not free or max(measure[j] for j in free) >= target:
            continue
        # Not a frame on the lips' way into a p/b/m or f/v or out of an f/v where the other one can take it
        # (_close_in_time, _untuck_in_time: lips that close and leave the teeth over two frames).
        j = max(free, key=lambda k: (not _on_the_way(out, held, i, k), measure[k]))
        own = {name: float(out[name][j]) for name in names}
        for share in (0.25, 0.5, 0.75, 1.0):
            for name in names:
                out[name][j] = (1 - share) * own[name] + share * out[name][i]
            measure[j] = _openness({k: v[j : j + 1] for k, v in out.items()})[0]
            if measure[j] >= target:
                break


def _openness(curves: dict[str, np.ndarray]) -> np.ndarray:
    """How far the lips part, on jawOpen's scale: the jaw, less lip closure and the lower lip's tuck."""
    roll = curves.get("mouthRollLower")
    tuck = 1.0 if roll is None else 1.0 - 0.85 * roll  # the rig's gap shrinks by 0.85 at a full tuck
    return curves["jawOpen"] * (1.0 - curves["mouthClose"]) * tuck


def _lips_in_time(close: np.ndarray, max_step: float) -> np.ndarray:
    """Lips that approach a closure in the frame before it and part over the frame after: mouthClose is
    only ever raised, so every closure keeps its frames shut and open vowels lose at most an edge frame."""
    return -_jaw_in_time(-close, max_step)


def _close_in_time(
    segments: list[tuple[str, float, float]],
    closure: np.ndarray,
    tuck: np.ndarray,
    openness: np.ndarray,
    *,
    fps: float,
    lead_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame closure and tuck holds (_frame_holds) in which the frame before a p/b/m's or f/v's first held
    frame is on its way there: held at least CLOSING_SHARE (_apply_holds then brings the jaw and lips that far
    towards the closure), so the lips close over two frames, not from wide open in one; where the closing ramp
    already holds that frame well past the share, the frame before it starts on the way too. Only raised, and
    only where the mouth was open for more than that frame: not where the frame before it is held too (a
    vowel of one frame between closures: open over two frames or none, no_single_frames), nor in a pause, nor
    where it is the only frame showing its vowel and the frame before it is less open (a fast "t ah m": that
    frame is its opening; a vowel on one frame after a consonant as open as it, "z uh f", closes from the
    consonant's frame), nor where it is already under half as open as the wider of the two frames before it.
    openness: per frame, before these holds (_openness)."""
    closure, tuck = closure.astype(np.float64), tuck.astype(np.float64)
    n = closure.shape[0]
    if n < 3 or not segments:
        return closure, tuck
    held = (closure >= 0.95) | (tuck >= 0.95)
    starts = np.array([start for _, start, _ in segments])
    shown = np.arange(n) / fps + lead_s
    k = np.clip(np.searchsorted(starts, shown, side="right") - 1, 0, len(segments) - 1)

    def may_close(j: int) -> bool:
        if j < 1 or held[j] or held[j - 1]:
            return False
        phone = segments[k[j]][0]
        alone = phone in VOWELS and k[j - 1] != k[j] and openness[j - 1] < 0.8 * openness[j]
        return phone != SILENCE and not alone

    for i in range(2, n):
        if not held[i] or held[i - 1] or not may_close(i - 1):
            continue
        into, share = (closure, CLOSING_SHARE[0]) if closure[i] >= 0.95 else (tuck, CLOSING_SHARE[1])
        if openness[i - 1] > 0.5 * openness[max(i - 3, 0) : i - 1].max():
            into[i - 1] = max(into[i - 1], share)  # (else already on its way: the jaw rising for it)
        # The closing ramp itself mostly shut that frame (a long vowel's ramp reaches back ~70 ms): the frame
        # before it starts on the way, unless an f/v lets go within the three frames before that: its lip leaves
        # the teeth over two frames (_untuck_in_time), and a vowel of three frames between two tucks ("f ow v")
        # keeps its middle frame's opening beside it. (A p/b/m's release may part the lips in one: the burst.)
        # Only where the ramp held the frame after it past CLOSING_SHARE + _CLOSING_STEP / 2, where that frame
        # does most of the closing (over 0.6 of it from the widest of the frames before), and not on a vowel's
        # widest frame: a vowel seen on it keeps the frame before it too.
        vowel = segments[k[i - 2]][0] in VOWELS and i >= 3 and k[i - 3] != k[i - 2]
        if (
            into[i - 1] >= share + 0.5 * _CLOSING_STEP
            and may_close(i - 2)
            and not vowel
            and not (tuck[max(i - 5, 0) : i - 2] >= 0.95).any()
            and openness[i - 2] - openness[i - 1]
            > 0.6 * (openness[max(i - 4, 0) : i - 1].max() - openness[i])
        ):
            into[i - 2] = max(into[i - 2], into[i - 1] - _CLOSING_STEP)
    return closure, tuck


def _untuck_in_time(tuck: np.ndarray, max_step: float) -> np.ndarray:
    """The lower lip leaving the upper teeth after an f or v no faster than the lips part at a p/b/m's release
    (`max_step` a frame): the tuck is only ever raised, on the frames after it. Let go in one frame, the jaw
    held under it (_JAW_AT_TUCK) jumped to the vowel's opening at once: "f eh" went from shut to its widest
    in one frame (review, RD_Radio40 frame 150, jawOpen 0.12 -> 0.35 and the tuck 0.9 -> 0). A single frame
    between two held tucks ("v ah v" fast) stays tucked: the lip has no time to leave the teeth and come back
    (half let go, it flashed half open between them)."""
    out = tuck.astype(np.float64)
    held = out >= 0.95
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] - max_step)
        if held[i - 1] and i + 1 < len(out) and held[i + 1]:
            out[i] = max(out[i], float(tuck[i - 1]))
    return out


def _jaw_in_time(jaw: np.ndarray, max_step: float) -> np.ndarray:
    """The jaw rising towards a closure ahead of it (anticipation) and dropping from one no faster than
    `max_step` a frame: it is only ever lowered, so every closure keeps its frames shut."""
    out = jaw.astype(np.float64)
    for i in range(len(out) - 2, -1, -1):
        out[i] = min(out[i], out[i + 1] + max_step)
    for i in range(1, len(out)):
        out[i] = min(out[i], out[i - 1] + max_step)
    return out
