"""Mouth curves straight from the sound, for any language or singing; and a test of whether speech is English.

Speech stage, the language-independent path beside phonemes + coarticulation: samples + Prosody -> mouth curves.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import binary_closing, binary_opening, gaussian_filter1d, maximum_filter1d, median_filter

from dirfa.speech import language
from dirfa.speech.coarticulation import LEAD_S, MOUTH_TRACKS, no_single_frames, relax_into_pauses
from dirfa.speech.phonemes import PhoneTimeline
from dirfa.speech.prosody import Prosody, frame_signal
from dirfa.speech.words import Words, recognize_words

# The jaw here follows the sound's openness, not phones: slower than the phone path's JAW_MAX_SPEED_PER_S
# (sung notes and vowels read from the spectrum move it in broad strokes, and a snap shows most there).
JAW_MAX_SPEED_PER_S = 6.0
_CONTACT = 0.7  # mouthClose of a lip contact at a consonant that sounds bilabial
LIPS_MAX_SPEED_PER_S = 8.0  # lip contact (mouthClose 0 to 0.7) forms over ~2 frames at 25 fps

HOP_S = 0.01
_LPC_RATE_HZ = 8000  # formants F1, F2 lie below 3 kHz; 8 kHz sampling keeps LPC order small
_LPC_ORDER = 10  # 2 + sampling rate in kHz, the usual rule for LPC formant analysis (Markel & Gray 1976)
# Vowel formant ranges of adult speakers (Peterson & Barney 1952; Hillenbrand et al. 1995):
# F1 ~300 Hz for close vowels (i, u) to ~750-850 Hz for open ones (a); F2 ~900 Hz for back rounded vowels
# (u, o) to ~2300-2800 Hz for front spread ones (i, e).
_F1_CLOSE_HZ, _F1_OPEN_HZ = 300.0, 750.0
_HELD_SMOOTH_HOPS = 10.0  # 10 ms hops: voicing averaged over ~0.2 s tells a held vowel from a syllable
_F2_ROUND_HZ, _F2_CENTRAL_HZ = 1150.0, 1650.0
_F2_SPREAD_LOW_HZ, _F2_SPREAD_HIGH_HZ = 1750.0, 2400.0
_DIP_START_DB = 10.0  # vowels within a phrase vary by ~10 dB; deeper dips under the local peak are consonants
# The language check decodes words in the first 10 s only: as telling as 20 s on the shared clips (English
# 0.56-0.70 mean word posterior, Japanese/Mandarin/singing <= 0.38), and half the time.
WORD_CHECK_S = 10.0
_BLOCK_FRAMES = 4000  # formants are computed 40 s of frames at a time
_GAP_DB = 20.0  # a dip this far under the surrounding speech peak is a closure or a gap
# Voicing from the normalised autocorrelation (Boersma 1993, "Accurate short-term analysis of the fundamental
# frequency...": the window's own autocorrelation divided out; Praat calls a frame voiced above 0.45).
_PERIOD_WINDOW_S = 0.04  # two periods of a 50 Hz creak, as Praat's default for pitch
_PERIOD_MIN_HZ, _PERIOD_MAX_HZ = 60.0, 500.0  # speaking and singing voices, low men to high sopranos
_VOICED_LOW, _VOICED_HIGH = 0.35, 0.6  # periodicity from "surely unvoiced" to "surely voiced"
# A voiced stretch is a vowel or a sonorant: the jaw is at least this open through it, whatever the formant
# estimate says (the F1 of a Mandarin or Russian vowel, or of a high voice, is often missed by LPC, and a
# mouth shut through voice reads as dubbing). Mid vowels open the jaw ~8-12 mm of ~25 mm at most
# (Lindblom & Sundberg 1971), ~0.3 of jawOpen; close vowels less, open ones more (F1 adds on top).
_VOICED_JAW = 0.3  # a floor under the syllables' openings, shown GESTURE_LEAD_S ahead like them
# and on every frame the voice sounds in, the jaw at least this open (the lips' contact in a gap aside): above
# the 0.2 at which a jaw reads as shut, a little under the floor, so it holds the voice's last frames open
# without pinning the mouth to the sound (0.23 left 9 % of voiced frames shut over the benchmark's takes).
_VOICE_HOLD_JAW = 0.26
# In the last 150 ms of voice before a pause the floor stays on time: nothing comes next to move for.
_PHRASE_END_HOPS = 15
# Syllables (issue 13): the jaw opens for each vowel-like nucleus, ahead of its sound, as speakers do. Within
# connected speech the mouth leads the sound by ~60-90 ms, and from rest it opens ~100-250 ms before the voice
# (Chandrasekaran et al. 2009; Schwartz & Savariaux 2014, PLoS Comput Biol 10:e1003743).
GESTURE_LEAD_S = 0.1  # jaw openings and lip shapes shown this far ahead of their sound
# A jaw frame stays within this of its neighbours' range: one above or below both by more is a single-frame
# peak or dip, seen as teeth flashing on and off (happy.png with fayu.wav: 5 such frames, frames 87-91).
ONE_FRAME_SWING = 0.06
_RISE_S = 0.15  # the jaw moves towards a nucleus over this long before it sounds (its half-way ~75 ms before)
_FALL_S = 0.10  # and leaves it over this long
_ONSET_VOICE_HOPS = 8  # a phrase's voice this close before its first nucleus (80 ms) opens as the nucleus
_ONSET_RISE_S = 0.18  # from rest (in a pause) the opening starts earlier: the pre-phonatory opening
# A nucleus lies within this of the loudest sound within _NUCLEUS_REACH_HOPS: vowels within a phrase vary by ~10 dB
# (_DIP_START_DB), so an unstressed one still opens, by its own F1 (issue 13: phones, not loudness, drive it).
_NUCLEUS_DB = 9.0
_NUCLEUS_REACH_HOPS = 12, 6  # back, ahead: 120 / 60 ms, about half a syllable
# A nucleus opens by its vowel's quality, not by its level (issue 13: real speakers' openings track loudness r
# 0.16-0.28). The jaw follows vowel height, which F1 measures (Lindblom & Sundberg 1971): jawOpen ~0.2 at a close
# vowel (F1 300 Hz) to ~0.85 at an open one (750 Hz), as the phone path's visemes (ee 0.15, eh 0.35, aa 0.62) with
# the jaw a little further down where nothing but the sound says which vowel it is. Stress (level against the
# last 3 s) and holding add a little. Chosen on pocketsphinx-testdata English force-aligned to its transcript
# (benchmarks/mouth_timing.py --drivers: the opening's partial r with the phones' openness over that with
# loudness) and the shared non-English clips (--acoustic, --acoustic-places); RESULTS.md, "phonedrive".
_NUCLEUS_JAW = 0.2  # every vowel's opening, before F1, stress and holding add to it
_OPEN_JAW = 0.65  # an open vowel's extra (F1 at _F1_OPEN_HZ)
_STRESS_JAW = 0.04  # a stressed (loud) one's: level is loudness, so only a little
_HELD_JAW = 0.1  # and a held one's (openings in speech average 0.3-0.5 of jawOpen; sung notes read by F1 too)
# Level references: the loudest of the last 3 s and the next 0.2 s (a running maximum: bounded look-ahead).
_REFERENCE_BACK_HOPS, _REFERENCE_AHEAD_HOPS = 300, 20
# Place of articulation of a consonant (issues 13/14): the lips shut only where the sound says they do. At a
# bilabial the spectrum of the closure's murmur or voice bar and of the release burst is grave and diffuse
# (flat or falling: little energy above ~4 kHz), where an alveolar's burst or frication rises to its strongest
# above 4 kHz and a velar's burst is a compact peak at 1.5-3 kHz (Stevens & Blumstein 1978, JASA 64:1358;
# Blumstein & Stevens 1979, JASA 66:1001); a nasal's murmur is low (F1 ~250 Hz) and /m/'s antiresonance lies
# lowest (~1 kHz, Fujimura 1962); and F2 falls into a bilabial and rises out of it from a low locus
# (~700-1000 Hz; Delattre, Liberman & Cooper 1955). Measured on pocketsphinx-testdata read English force-aligned
# by the phone path: the share above 4 kHz over a consonant and its first 10 ms after, median p/b/m -34 dB,
# t/d/k/s/z/n -20 dB (benchmarks/RESULTS.md, "Acoustic path: lips shut where the sound is bilabial").
_PLACE_RATE_HZ = 16000
_PLACE_HIGH_HZ = 4000.0  # the "high" band: an alveolar's burst and frication, hardly any bilabial's
_PLACE_LOW_HZ = 80.0  # energy below this (hum, rumble) is no part of the spectrum's balance
# A nasal or voice-bar murmur's balance: /m/'s energy lies under ~1.5 kHz (its antiresonance ~1 kHz, its
# resonances above it weak), /n/'s and a /d/ bar's reach up to 1.5-3 kHz (n's antiresonance lies higher, ~1.5-2
# kHz; Fujimura 1962, JASA 34:1865). A release burst's balance: a bilabial's is diffuse-falling (less above 4 kHz
# than at 1.5-4 kHz), an alveolar's diffuse-rising (Stevens & Blumstein 1978), whatever aspiration follows.
_GRAVE_HZ = (500.0, 1500.0)
_ACUTE_HZ = (1500.0, 3000.0)
_UPPER_HZ = 1500.0  # the burst's "mid" band, from here to _PLACE_HIGH_HZ
_VALLEY_DB = 6.0  # a consonant: this far under the loudest sound in the last and in the next 100 ms
_VALLEY_REACH_HOPS = 10
_VALLEY_HOPS = (3, 20)  # 30-200 ms: a closure or a nasal; longer is a pause (eased into by relax_into_pauses)
# The lips' evidence, each cue from 0 to 1 between the two values given, then weighted (_LABIAL_*_WEIGHTS):
_LABIAL_HIGH_DB = (-2.0, -10.0)  # the share above _PLACE_HIGH_HZ, in dB over the voice's own (its vowels')
_LABIAL_F2_HZ = (50.0, -150.0)  # F2 at the consonant's edges under the vowels' 40-70 ms away
_LABIAL_GRAVE_DB = (0.0, 10.0)  # the valley's energy at _GRAVE_HZ over that at _ACUTE_HZ (the murmur)
# the release's first 20 ms above _PLACE_HIGH_HZ over _UPPER_HZ-_PLACE_HIGH_HZ:
_LABIAL_BURST_DB = (-5.0, -15.0)
# Weights of high share, F2, murmur, burst; chosen on 3 of the 5 testdata LibriVox clips (0870, 0920, 0930) and
# checked on the others, the cards clips and espeak-ng English (benchmarks/RESULTS.md, "acoustic2" 2026-12-03).
# A valley this deep (its quietest 10 ms under the loudest sound on both sides) is a stop's closure: its place
# is told by the release burst's shape and F2, not by the share above 4 kHz (an aspirated p's is as high as a
# t's). A shallower one is a murmur (a nasal, a voice bar, an approximant): its "release" is the vowel's onset,
# whose shape says nothing of place, so there the murmur's own spectrum and F2 tell.
_CLOSURE_DEPTH_DB = 20.0
_LABIAL_STOP_WEIGHTS = (0.0, 1.0, 0.0, 1.0)
_LABIAL_MURMUR_WEIGHTS = (3.0, 2.0, 1.0, 0.0)
_LABIAL_F2_ONLY_MIN = 0.9  # without the spectrum (audio sampled too low) F2 alone, and only where it is clear
_LABIAL_MIN = 0.55  # a consonant this surely bilabial shuts the lips
# A valley the phone recogniser (speech.phonemes.recognize, English models) hears a P, B or M in gains this much
# evidence: a bilabial's closure and release sound alike in most languages, and the recogniser hears ~30 % of
# espeak-ng's foreign p/b/m, ~80 % of its P/B/M at one. Chosen (0.3-0.45, or the phone alone) on espeak-ng de/es/fr
# and LibriVox 0870/0920/0930; held out it/pt/pl/ru/cmn/ja, en and the other testdata clips (benchmarks/RESULTS.md,
# "Acoustic path: the phone recogniser's P/B/M as a cue", 2026-12-03).
_HEARD_BILABIAL = 0.4
_VOICE_AHEAD_HOPS = 20  # the voice's own share is measured up to 200 ms after the consonant
_CLOSURE_HOPS = 8  # for its last 80 ms at most: a bilabial stop's closure or an m lasts ~50-100 ms in speech
# At any other consonant or short break the lips stay apart and the jaw rises part way, on time as the lips'
# contact is: a t, s or k is made with the jaw half raised (its opening ~0.4-0.6 of the vowels' beside it).
_NARROWING = 0.56
_APART_JAW = 0.22  # but the mouth stays open this far (jawOpen 0.2 parts the lips on every portrait)
_APART_FRAMES = 3  # a narrowing this short (120 ms at 25 fps) between openings is a consonant, not a pause
_VALLEY_NARROWING = 0.25  # at a voiced consonant (n, l, a voiced fricative) a quarter as much
# At an unvoiced one (a t, k, s, a stop's closure: no voice to keep the mouth open through) the jaw rises
# nearly shut, teeth close and the lips just apart, as the phone path's t/d/s (jawOpen 0.1): the open/close
# rhythm of syllables, not a mouth held half open between them.
_UNVOICED_JAW = 0.08
_DIP_LEAD_S = GESTURE_LEAD_S  # shown ahead as the openings are (on time, the mouth would follow the loudness)
# The furthest any mouth frame looks ahead into the audio (the live session needs a bound): the gesture's
# lead + rise + the nucleus's reach + smoothing, the running references, the formant fill; a consonant's place
# (up to 0.2 s of valley and 0.2 s of the voice after it, ~0.45 s with the frame's window). Tested.
LOOKAHEAD_S = 0.5


def _formants(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """F1, F2 (Hz, NaN where none is found) per 10 ms frame by LPC root solving, at _LPC_RATE_HZ."""
    hop = int(HOP_S * _LPC_RATE_HZ)
    length = int(0.025 * _LPC_RATE_HZ)
    # Pre-emphasis flattens the spectral tilt so LPC fits the formants, not the slope.
    emph = np.append(x[0:1], x[1:] - 0.97 * x[:-1]) if x.size else x
    window = np.hamming(length)
    f1 = np.full(n, np.nan)
    f2 = np.full(n, np.nan)

    def block(start: int, count: int) -> np.ndarray:
        # Frames are built a block at a time, so memory stays flat however long the clip.
        return frame_signal(emph, length=length, hop=hop, n=count, start=start) * window

    energy = (
        np.concatenate(
            [(block(b, min(_BLOCK_FRAMES, n - b)) ** 2).sum(axis=1) for b in range(0, n, _BLOCK_FRAMES)]
        )
        if n
        else np.zeros(0)
    )
    # Frames 40 dB under the loudest of the last few seconds (and the look-ahead) are silence: no formants.
    # A running maximum, not the clip's, so a frame's formants never depend on audio far after it.
    reference = _running_max(energy, back=_REFERENCE_BACK_HOPS, ahead=_REFERENCE_AHEAD_HOPS)
    threshold = np.maximum(reference * 1e-4, 1e-10)
    for start in range(0, n, _BLOCK_FRAMES):
        count = min(_BLOCK_FRAMES, n - start)
        spectrum = np.fft.rfft(block(start, count), 2 * length, axis=1)
        autocorr = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, : _LPC_ORDER + 1]
        for j in np.nonzero(energy[start : start + count] > threshold[start : start + count])[0]:
            f1[start + j], f2[start + j] = _lpc_formants(autocorr[j])
    return f1, f2


def _lpc_formants(r: np.ndarray) -> tuple[float, float]:
    """F1, F2 (Hz, NaN where not found) from one frame's autocorrelation, by LPC root solving."""
    # Lag window (40 Hz Gaussian) widens the peaks a little, so harmonics of high voices are not formants.
    r = r * np.exp(-0.5 * (2 * np.pi * 40.0 / _LPC_RATE_HZ * np.arange(_LPC_ORDER + 1)) ** 2)
    r[0] *= 1.0001  # white-noise correction keeps the Toeplitz system well conditioned
    from scipy.linalg import solve_toeplitz  # imported where used, as scipy.signal is

    try:
        a = solve_toeplitz(r[:-1], r[1:])
    except np.linalg.LinAlgError:
        return math.nan, math.nan
    roots = np.roots(np.concatenate([[1.0], -a]))
    roots = roots[np.imag(roots) > 0]
    freq = np.angle(roots) * _LPC_RATE_HZ / (2 * np.pi)
    bandwidth = -np.log(np.maximum(np.abs(roots), 1e-9)) * _LPC_RATE_HZ / np.pi
    keep = np.sort(freq[(freq > 200.0) & (freq < 3500.0) & (bandwidth < 500.0)])
    if keep.size >= 2:
        return float(keep[0]), float(keep[1])
    return math.nan, math.nan


def _periodicity(x: np.ndarray, n: int) -> np.ndarray:
    """0..1 per 10 ms frame: the highest normalised autocorrelation at a voice's pitch lag (Boersma 1993)."""
    hop = int(HOP_S * _LPC_RATE_HZ)
    length = int(_PERIOD_WINDOW_S * _LPC_RATE_HZ)
    window = np.hanning(length)
    size = 2 * length
    w_ac = np.fft.irfft(np.abs(np.fft.rfft(window, size)) ** 2)[:length]
    lo, hi = int(_LPC_RATE_HZ / _PERIOD_MAX_HZ), int(_LPC_RATE_HZ / _PERIOD_MIN_HZ)
    out = np.zeros(n)
    for start in range(0, n, _BLOCK_FRAMES):
        count = min(_BLOCK_FRAMES, n - start)
        frames = frame_signal(x, length=length, hop=hop, n=count, start=start)
        frames = (frames - frames.mean(axis=1, keepdims=True)) * window
        ac = np.fft.irfft(np.abs(np.fft.rfft(frames, size, axis=1)) ** 2, axis=1)[:, :length]
        r = ac[:, lo:hi] / np.maximum(ac[:, :1], 1e-12) / np.maximum(w_ac[lo:hi] / w_ac[0], 1e-3)
        out[start : start + count] = np.clip(r.max(axis=1), 0.0, 1.0)
    return out


def _place_bands(x: np.ndarray, sample_rate_hz: int, n: int) -> tuple[np.ndarray, ...] | None:
    """(high, total, grave, acute, upper) spectral energy per 10 ms frame (25 ms Hann window centred on it) at
    _PLACE_RATE_HZ: above _PLACE_HIGH_HZ, above _PLACE_LOW_HZ, in _GRAVE_HZ, in _ACUTE_HZ and from _UPPER_HZ to
    _PLACE_HIGH_HZ. None for input sampled too low to have the high band."""
    from scipy.signal import resample_poly

    if sample_rate_hz < 2.2 * _PLACE_HIGH_HZ:  # (telephone audio at 8 kHz)
        return None
    g = math.gcd(int(sample_rate_hz), _PLACE_RATE_HZ)
    x16 = (
        resample_poly(x, _PLACE_RATE_HZ // g, int(sample_rate_hz) // g)
        if sample_rate_hz != _PLACE_RATE_HZ
        else x
    )
    hop = int(HOP_S * _PLACE_RATE_HZ)
    length = int(0.025 * _PLACE_RATE_HZ)
    freq = np.fft.rfftfreq(length, 1.0 / _PLACE_RATE_HZ)
    masks = (
        freq >= _PLACE_HIGH_HZ,
        freq >= _PLACE_LOW_HZ,
        (freq >= _GRAVE_HZ[0]) & (freq < _GRAVE_HZ[1]),
        (freq >= _ACUTE_HZ[0]) & (freq < _ACUTE_HZ[1]),
        (freq >= _UPPER_HZ) & (freq < _PLACE_HIGH_HZ),
    )
    window = np.hanning(length)
    out = tuple(np.zeros(n) for _ in masks)
    for start in range(0, n, _BLOCK_FRAMES):
        count = min(_BLOCK_FRAMES, n - start)
        power = (
            np.abs(np.fft.rfft(frame_signal(x16, length=length, hop=hop, n=count, start=start) * window)) ** 2
        )
        for band, mask in zip(out, masks):
            band[start : start + count] = power[:, mask].sum(axis=1)
    return out


def _labial_closures(
    level_db: np.ndarray,
    speech_db: np.ndarray,
    phrase: np.ndarray,
    bands: tuple[np.ndarray, ...] | None,
    f2: np.ndarray,
    vowel: np.ndarray,
    heard: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(labial, other): (n,) 0/1 per 10 ms, 1 through each consonant inside a phrase whose sound says the lips
    shut for it, and through each of the others.

    A consonant is a valley of the level (_VALLEY_DB under the loudest sound both in the last and in the next
    _VALLEY_REACH_HOPS, lasting _VALLEY_HOPS); it is bilabial by how little of its energy (with the first 10 ms
    after it: the burst) lies above _PLACE_HIGH_HZ against the voice's vowels (`vowel`: (n,) bool), by F2 at
    the vowels' edges next to it lying under F2 further into them, by a grave murmur (more energy at _GRAVE_HZ
    than at _ACUTE_HZ) and by a falling burst (its release's first 20 ms, the valley's steepest rise in level,
    weaker above _PLACE_HIGH_HZ than under it) — from F2 alone, and only where it is clear, when `bands`
    (_place_bands) is None. `heard`: (n,) bool, where a phone recogniser heard a P, B or M; a valley overlapping
    one gains _HEARD_BILABIAL of evidence (not on the F2-only rule). Looks at most _VALLEY_HOPS[1] +
    _VOICE_AHEAD_HOPS ahead (and as far as `heard` did)."""
    n = level_db.shape[0]
    reach = _VALLEY_REACH_HOPS
    before = _running_max(speech_db, back=reach, ahead=0)
    after = _running_max(speech_db, back=0, ahead=reach)
    valley = phrase & (level_db < np.minimum(before, after) - _VALLEY_DB)
    # The share against the voice's own (energy-weighted over its last 3 s, mostly vowels): a recording's band
    # and a voice's brightness shift every share alike (espeak-ng's speech has little above 4 kHz at all).
    high, total, grave, acute, upper = bands if bands is not None else (np.zeros(n),) * 5
    high_sum = np.concatenate([[0.0], np.cumsum(np.where(vowel, high, 0.0))])
    total_sum = np.concatenate([[0.0], np.cumsum(np.where(vowel, total, 0.0))])
    # (over the last 3 s to _VOICE_AHEAD_HOPS after the consonant: at a phrase's start, its next vowel too)
    start = np.maximum(np.arange(n) - _REFERENCE_BACK_HOPS, 0)
    voice_db = 10 * np.log10(
        np.maximum(high_sum[1:] - high_sum[start], 1e-20)
        / np.maximum(total_sum[1:] - total_sum[start], 1e-20)
    )
    out = np.zeros(n)
    other = np.zeros(n)
    edges = np.diff(np.concatenate([[0], valley.astype(np.int8), [0]]))
    for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
        if not _VALLEY_HOPS[0] <= b - a <= _VALLEY_HOPS[1]:
            continue
        span = slice(a, min(b + 1, n))
        voice = voice_db[min(b + _VOICE_AHEAD_HOPS, n - 1)]
        # (the release: the steepest rise in level from the valley's start to 10 ms after its end)
        release = a + 1 + int(np.argmax(np.diff(level_db[a : min(b + 2, n)])))
        burst = slice(release, min(release + 2, n))
        cues = (
            _ratio_db(high[span], total[span]) - voice,
            _ratio_db(grave[a:b], acute[a:b]),
            _ratio_db(high[burst], upper[burst]),
        )
        # F2 falls into the closure and rises out of it: its edge values against the vowels' further in.
        moves = []
        if a >= 7:
            moves.append(np.median(f2[a - 3 : a]) - np.median(f2[a - 7 : a - 4]))
        if b + 7 <= n:
            moves.append(np.median(f2[b : b + 3]) - np.median(f2[b + 4 : b + 7]))
        transition = (
            np.clip((np.mean(moves) - _LABIAL_F2_HZ[0]) / (_LABIAL_F2_HZ[1] - _LABIAL_F2_HZ[0]), 0, 1)
            if moves
            else 0.5
        )
        if bands is None:
            labial = transition >= _LABIAL_F2_ONLY_MIN
        else:
            high_cue, grave_cue, burst_cue = (
                np.clip((value - lo) / (hi - lo), 0, 1)
                for value, (lo, hi) in zip(cues, (_LABIAL_HIGH_DB, _LABIAL_GRAVE_DB, _LABIAL_BURST_DB))
            )
            weights = (
                _LABIAL_STOP_WEIGHTS
                if min(before[a:b].min(), after[a:b].min()) - level_db[a:b].min() >= _CLOSURE_DEPTH_DB
                else _LABIAL_MURMUR_WEIGHTS
            )
            evidence = np.dot(weights, (high_cue, transition, grave_cue, burst_cue)) / sum(weights)
            if heard is not None and heard[a:b].any():
                evidence += _HEARD_BILABIAL
            labial = evidence >= _LABIAL_MIN
        if labial:
            out[max(a, b - _CLOSURE_HOPS) : b] = 1.0  # (up to the release)
        else:
            other[a:b] = 1.0
    return out, other


def _ratio_db(numerator: np.ndarray, denominator: np.ndarray) -> float:
    """10 log10 of the ratio of two bands' summed energies (each at least 1e-20)."""
    return float(10 * np.log10(max(numerator.sum(), 1e-20) / max(denominator.sum(), 1e-20)))


def _fill(values: np.ndarray, default: float, reach: int = 15) -> np.ndarray:
    """NaNs replaced by linear interpolation between found values where the next one is within `reach`
    hops, else by the last found value (`default` before the first): nothing looks further ahead than that."""
    ok = np.isfinite(values)
    if not ok.any():
        return np.full_like(values, default)
    idx = np.arange(values.shape[0])
    found = idx[ok]
    last = np.maximum.accumulate(np.where(ok, idx, -1))
    nxt = np.searchsorted(found, idx)
    near = (nxt < found.size) & (found[np.minimum(nxt, found.size - 1)] - idx <= reach)
    held = np.where(last >= 0, values[np.maximum(last, 0)], default)
    bridged = np.interp(idx, found, values[ok])
    return np.where(ok, values, np.where(near, bridged, held))


def _running_max(values: np.ndarray, *, back: int, ahead: int) -> np.ndarray:
    """The largest of `values` from `back` before to `ahead` after each index (a bounded look-ahead)."""
    size = back + ahead + 1
    # maximum_filter1d's window spans [i - size // 2 - origin, ...]: origin shifts it forward by ahead - back.
    return maximum_filter1d(
        values, size=size, origin=(back - ahead) // 2 if size % 2 else (back - ahead - 1) // 2, mode="nearest"
    )


def acoustic_curves(
    samples: np.ndarray,
    *,
    sample_rate_hz: int,
    fps: float,
    n_frames: int,
    prosody: Prosody,
    lead_s: float = LEAD_S,
    phones: PhoneTimeline | None = None,
) -> dict[str, np.ndarray]:
    """Mouth curves {name in MOUTH_TRACKS: (n_frames,) float32 0..1} from formants and level, any language.

    The jaw opens once per syllable nucleus (voiced, near the loudest sound around it), by how open its vowel
    is (F1) and a little by stress, GESTURE_LEAD_S ahead of its sound and from rest ~0.2 s before a phrase;
    voiced sound keeps it at least a little open; rounding follows a low F2, spreading a high F2; the lips
    meet only at consonants whose spectrum and F2 transitions sound bilabial (_labial_closures: about half
    of read English p/b/m, so less surely than on the phone path), while at the others the jaw rises part way
    with the lips apart; outside speech it rests. No frame depends on audio more than
    LOOKAHEAD_S after it (prosody.loudness, normalised to the whole clip, is not used).

    phones: the phone recogniser's timeline of the same clip (speech.phonemes.recognize; a file's language check
    has it already), or None. Where it hears a P, B or M in a consonant's valley, that adds to the sound's own
    evidence that the lips shut (_HEARD_BILABIAL). The recogniser decodes the whole clip, so with phones the
    LOOKAHEAD_S bound holds only as far as the timeline's own look-ahead does.
    """
    out = {name: np.zeros(max(n_frames, 0), dtype=np.float32) for name in MOUTH_TRACKS}
    x = np.nan_to_num(np.asarray(samples, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if n_frames <= 0 or x.size == 0 or not np.asarray(prosody.speech).any():
        return out
    from scipy.signal import resample_poly  # imported here: scipy.signal costs ~0.3 s to import

    g = math.gcd(int(sample_rate_hz), _LPC_RATE_HZ)
    x8 = resample_poly(x, _LPC_RATE_HZ // g, int(sample_rate_hz) // g)
    duration_s = max(n_frames / fps, x.shape[0] / sample_rate_hz)
    n = int(np.ceil(duration_s / HOP_S)) + 1
    f1, f2 = _formants(x8, n)
    f1 = median_filter(_fill(f1, 500.0), size=5)
    f2 = median_filter(_fill(f2, 1500.0), size=5)

    # Level per 10 ms, and where it sits under the surrounding (±150 ms) speech peak.
    hop = int(HOP_S * _LPC_RATE_HZ)
    padded = np.concatenate([x8, np.zeros(n * hop)])[: n * hop].reshape(n, hop)
    level_db = 10 * np.log10(np.mean(padded**2, axis=1) + 1e-12)
    t = np.arange(n) * HOP_S
    frame_t = np.arange(len(prosody.speech)) / prosody.fps
    speech = np.interp(t, frame_t, np.asarray(prosody.speech, dtype=float)) > 0.5
    speech_db = np.where(speech, level_db, -120.0)
    peak_db = maximum_filter1d(speech_db, size=31)
    dip = np.clip((peak_db - level_db - _DIP_START_DB) / (_GAP_DB - _DIP_START_DB), 0.0, 1.0)
    # How surely each 10 ms is voiced: the sound's own periodicity, or the prosody's pitch track.
    periodic = np.clip((_periodicity(x8, n) - _VOICED_LOW) / (_VOICED_HIGH - _VOICED_LOW), 0.0, 1.0)
    frame_voiced = np.interp(t, frame_t, np.asarray(prosody.voiced, dtype=float))
    periodic = median_filter(periodic, size=5) * speech
    voicing = np.maximum(periodic, frame_voiced * speech)
    # Lips meet only in clear unvoiced gaps lasting 40 ms or more (a stop's closure, a pause), not in every
    # short consonant dip, and never while the voice sounds (judged at 10 ms: the frames' voicing is coarse).
    gap = binary_opening((dip > 0.8) & (periodic < 0.5), structure=np.ones(4, dtype=bool))
    # Inside a phrase: speech with its breaks of up to 0.25 s (stops, short pauses) bridged.
    phrase = binary_closing(np.pad(speech, 25), structure=np.ones(25, dtype=bool))[25:-25]

    open_ = np.clip((f1 - _F1_CLOSE_HZ) / (_F1_OPEN_HZ - _F1_CLOSE_HZ), 0.0, 1.0)
    # Rounding lowers F2, but so does openness (a: F2 ~1200 Hz): judge F2 against F1. Places /u/ (F1 350,
    # F2 900-1400 — American /u/ is fronted) and /o/ (500, 900) high, /a/ (750, 1200) and schwa (500, 1500) at 0.
    rounded = np.clip(
        (_F2_CENTRAL_HZ - f2) / (_F2_CENTRAL_HZ - _F2_ROUND_HZ) - (f1 - 350.0) / 300.0 + 0.2, 0.0, 1.0
    )
    spread = np.clip((f2 - _F2_SPREAD_LOW_HZ) / (_F2_SPREAD_HIGH_HZ - _F2_SPREAD_LOW_HZ), 0.0, 1.0)
    sounding = speech * (1.0 - dip)
    # Held vowels (sung notes, drawn-out syllables) are sung or said with the jaw well down, and there the
    # formant estimate is least trusted (a high voice's harmonics mislead LPC): voicing that lasts ~0.2 s
    # or more opens the jaw by itself and tempers the rounding.
    voiced = np.interp(t, frame_t, np.asarray(prosody.voiced, dtype=float))
    held = np.clip((gaussian_filter1d(voiced, _HELD_SMOOTH_HOPS, truncate=2.5) - 0.5) / 0.4, 0.0, 1.0)

    # The jaw opens once per syllable, for its vowel-like nucleus, not with the loudness (issue 13: real
    # speakers' mouths track loudness weakly, r 0.16-0.28). A nucleus: voiced speech within NUCLEUS_DB of the
    # loudest sound around it (a consonant between two vowels dips under them) and not far under the phrase.
    local_db = _running_max(speech_db, back=_NUCLEUS_REACH_HOPS[0], ahead=_NUCLEUS_REACH_HOPS[1])
    reference_db = _running_max(speech_db, back=_REFERENCE_BACK_HOPS, ahead=_REFERENCE_AHEAD_HOPS)
    nucleus = (
        speech & (voicing > 0.5) & (level_db > local_db - _NUCLEUS_DB) & (level_db > reference_db - 30.0)
    )
    nucleus = binary_opening(nucleus, structure=np.ones(3, dtype=bool))  # 30 ms at least
    # The lips shut only for consonants that sound bilabial (judged against the voice's own vowels); at the
    # others (t, k, s, n, a short break) the jaw rises part way with the lips apart.
    bands = _place_bands(x, int(sample_rate_hz), n)
    heard = None
    if phones is not None:
        heard = np.zeros(n, dtype=bool)
        for phone, start, end in zip(phones.phones, phones.start_s, phones.end_s):
            if phone in ("P", "B", "M"):
                heard[int(round(start / HOP_S)) : int(round(end / HOP_S))] = True
    labial, narrow = _labial_closures(level_db, speech_db, phrase, bands, f2, nucleus, heard)
    # An unvoiced consonant: a valley of the level (as _labial_closures finds them, but not waiting for its end
    # and place: it is shown ahead) or a gap, without periodicity, 30 ms at least, within speech (a silent break
    # the voice detection calls a pause is eased into by relax_into_pauses).
    reach = _VALLEY_REACH_HOPS
    valley = (
        level_db
        < np.minimum(
            _running_max(speech_db, back=reach, ahead=0), _running_max(speech_db, back=0, ahead=reach)
        )
        - _VALLEY_DB
    )
    unvoiced = binary_opening(speech & (valley | gap) & (periodic < 0.5), structure=np.ones(3, dtype=bool))
    # Its opening: a little for any vowel, most by how open it is (F1), a little more for a stressed, loud one
    # and for a held one; averaged over ~50 ms of the nucleus, so it is one opening, not a loudness meter.
    stress = np.clip((level_db - reference_db + 12.0) / 12.0, 0.0, 1.0)
    target = _NUCLEUS_JAW + _OPEN_JAW * open_ + _STRESS_JAW * stress + _HELD_JAW * held
    weight = gaussian_filter1d(nucleus.astype(float), 3.0, truncate=2.0)
    target = np.where(
        nucleus, gaussian_filter1d(target * nucleus, 3.0, truncate=2.0) / np.maximum(weight, 1e-6), 0.0
    )
    # A phrase's first syllable opens from its voice's onset, not from its loudest part. (After a pause = no
    # nucleus in the last 0.3 s: prosody's speech spans lead-ins and breaths, so it is no guide.)
    after_nucleus = _running_max(nucleus.astype(float), back=30, ahead=0) > 0
    coming = _running_max(target, back=0, ahead=_ONSET_VOICE_HOPS)
    target = np.where((voicing > 0.5) & speech & ~after_nucleus & ~nucleus, coming, target)
    # Between nuclei and before a phrase the jaw moves towards the next one over RISE_S (from rest after a
    # pause: the pre-phonatory opening) and leaves the last over FALL_S, deeper where the sound dips deeper.
    gesture = target.copy()
    rise, fall = int(round(_RISE_S / HOP_S)), int(round(_FALL_S / HOP_S))
    onset_rise = int(round(_ONSET_RISE_S / HOP_S))
    for k in range(1, max(onset_rise, fall) + 1):
        ahead = np.concatenate([target[k:], np.zeros(k)])  # the nucleus k hops ahead
        # (within speech over `rise`, from a pause over `onset_rise`)
        ramp = np.where(
            after_nucleus,
            0.5 * (1 + math.cos(math.pi * min(k / (rise + 1), 1.0))),
            # from rest: from 0 without a step, half open ~2/3 of the way ahead
            0.5 * (1 - math.cos(math.pi * max(1 - k / (onset_rise + 1), 0.0) ** 0.6)),
        )
        gesture = np.maximum(gesture, ramp * ahead)
        if k <= fall:  # the nucleus k hops back
            back = np.concatenate([np.zeros(k), target[:-k]])
            gesture = np.maximum(gesture, 0.5 * (1 + math.cos(math.pi * k / (fall + 1))) * back)
    gesture = np.where(nucleus, gesture, gesture * (1.0 - 0.5 * dip) * (1.0 - 0.5 * gap))
    # While the voice sounds the jaw is at least this open: a vowel or sonorant is never shut.
    floor = (_VOICED_JAW + 0.1 * open_) * np.minimum(1.5 * voicing, 1.0) * (1.0 - 0.25 * dip)
    values = {
        # Brief lip contact at a bilabial, pressed firmly: inside it the jaw is already lowering for the
        # next vowel (shown GESTURE_LEAD_S ahead).
        "mouthClose": _CONTACT * labial,
        "mouthFunnel": (0.2 + 0.4 * open_) * rounded * sounding,
        "mouthPucker": 0.8 * rounded * (1.0 - open_) * (1.0 - 0.5 * held) * sounding,
        "mouthStretchLeft": 0.5 * spread * sounding,
        "mouthStretchRight": 0.5 * spread * sounding,
        "mouthRollLower": np.zeros(n),
        "mouthUpperUpLeft": 0.1 * spread * sounding,
        "mouthUpperUpRight": 0.1 * spread * sounding,
        "mouthLowerDownLeft": 0.3 * open_ * sounding,
        "mouthLowerDownRight": 0.3 * open_ * sounding,
    }
    # Articulators cannot move faster than ~15 Hz: smooth over ~30 ms, then show each movement ahead of its
    # sound — the jaw's syllable openings and the lip shapes by GESTURE_LEAD_S, the lip contact by lead_s like
    # the phone path — and average each video frame's window.
    half = 0.5 / fps
    offsets = np.linspace(-half, half, 9)

    def sampled(curve: np.ndarray, lead: float, smooth: bool = True) -> np.ndarray:
        curve = gaussian_filter1d(curve, 3.0, truncate=2.0) if smooth else curve
        return np.interp((np.arange(n_frames) / fps + lead)[:, None] + offsets[None, :], t, curve)

    for name, curve in values.items():
        if name == "mouthClose":
            window = sampled(curve, lead_s, smooth=False)
            # A gap filling half a frame's window closes that frame; one that grazes it does not (else a
            # stop's closure would spread over the voiced frames either side).
            frame_value = np.minimum(2.0 * window.mean(axis=1), window.max(axis=1))
        else:
            frame_value = sampled(curve, GESTURE_LEAD_S).mean(axis=1)
        out[name] = np.clip(frame_value, 0.0, 1.0).astype(np.float32)
    # The floor is shown ahead with the openings, from before the voice to before its end: at the end of a
    # voiced stretch the jaw already rises for what comes next (a floor held to the voice's end pinned the
    # lead near 50 ms). Every frame the voice sounds in still stays a little open (_VOICE_HOLD_JAW): the
    # frames' own voicing (prosody.voiced), not the led 10 ms curves, so the last voiced frame too.
    known = min(n_frames, len(prosody.voiced), len(prosody.speech))
    voiced_frames = np.zeros(n_frames)
    voiced_frames[:known] = np.asarray(prosody.voiced[:known], bool) & np.asarray(
        prosody.speech[:known], bool
    )
    # Into a pause nothing comes next to move for: there the floor lasts as long as the voice, and the mouth
    # eases to rest after it (relax_into_pauses).
    phrase_end = speech & (_running_max((~speech).astype(float), back=0, ahead=_PHRASE_END_HOPS) > 0)
    # An unvoiced consonant's dip, shown ahead with the openings (the jaw rises for it while the vowel before
    # still sounds: there it holds the voice open only as far as _APART_JAW).
    window = sampled(unvoiced.astype(float), _DIP_LEAD_S)
    tightness = np.minimum(2.0 * window.mean(axis=1), 1.0)
    hold_jaw = _VOICE_HOLD_JAW - (_VOICE_HOLD_JAW - _APART_JAW) * tightness
    floor_frames = np.maximum.reduce(
        [
            sampled(floor, GESTURE_LEAD_S).mean(axis=1),
            sampled(floor * phrase_end, lead_s).mean(axis=1),
            hold_jaw * voiced_frames,
        ]
    )
    jaw = np.maximum(sampled(gesture, GESTURE_LEAD_S, smooth=False).mean(axis=1), floor_frames)
    # Lips meet and part over a few frames, and the jaw moves no faster than it can: no frame snaps.
    closure = _limit_speed(out["mouthClose"], LIPS_MAX_SPEED_PER_S / fps)
    # At the other consonants and short breaks the jaw rises part way, on time as the lips' contact is.
    consonant = np.maximum(_VALLEY_NARROWING * narrow, phrase * gap) * (1.0 - labial)
    window = sampled(consonant, lead_s)
    narrowing = _limit_speed(np.minimum(2.0 * window.mean(axis=1), 1.0), LIPS_MAX_SPEED_PER_S / fps)
    jaw = _limit_speed(np.clip(jaw, 0.0, 1.0), JAW_MAX_SPEED_PER_S / fps)
    # (the jaw rises there, but not so far that the mouth reads shut: a t, s or k keeps the lips parted)
    narrowed = np.maximum(jaw * (1.0 - _NARROWING * narrowing), np.minimum(jaw, _APART_JAW) * narrowing)
    # At an unvoiced consonant further, nearly shut, and no faster than the jaw moves.
    depth = (narrowed - np.minimum(narrowed, _UNVOICED_JAW)) * tightness
    narrowed = _limit_speed(narrowed - depth, JAW_MAX_SPEED_PER_S / fps)
    jaw = narrowed * (1.0 - 0.8 * closure)
    out["mouthClose"] = closure.astype(np.float32)
    out["jawOpen"] = jaw.astype(np.float32)
    # Into a pause the mouth eases to rest over ~0.2 s, not the two frames a gap closes in (as the phone path).
    speech_frames = np.asarray(prosody.speech, bool)[:n_frames]
    out = relax_into_pauses(out, speech_frames, fps=fps)
    # (the lips' contact eases in there too, so the last voiced frame's hold is set again, and eased from)
    hold = np.where(out["mouthClose"] > 0.05, _VOICE_HOLD_JAW, hold_jaw) * voiced_frames
    hold = hold * (1.0 - 0.8 * out["mouthClose"])  # (the lower hold only with the lips apart)
    out["jawOpen"] = np.maximum(out["jawOpen"], hold).astype(np.float32)
    out = relax_into_pauses(out, speech_frames, fps=fps)
    # A consonant with the lips apart never reads shut: a run of up to _APART_FRAMES frames under _APART_JAW
    # between open ones inside speech (a t or k the jaw rose for) is held at it, else no_single_frames would
    # shut a voiced neighbour with a one-frame dip.
    out["jawOpen"] = _hold_apart(
        out["jawOpen"], out["mouthClose"] < 0.3, speech_frames, voiced_frames > 0
    ).astype(np.float32)
    out = no_single_frames(out)
    # (an unvoiced consonant's dip beside a voiced frame held open: no faster than the jaw moves there either,
    # and the voice's frames still held)
    jaw = _limit_speed(out["jawOpen"], JAW_MAX_SPEED_PER_S / fps)
    hold = np.where(out["mouthClose"] > 0.05, _VOICE_HOLD_JAW, hold_jaw) * voiced_frames
    out["jawOpen"] = np.maximum(jaw, hold * (1.0 - 0.8 * out["mouthClose"])).astype(np.float32)
    out["jawOpen"] = _no_one_frame_swings(out["jawOpen"], ONE_FRAME_SWING).astype(np.float32)
    return out


def _hold_apart(jaw: np.ndarray, apart: np.ndarray, speech: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """`jaw` with each run of at most _APART_FRAMES frames under _APART_JAW, lips apart and inside speech,
    between frames at or over it, raised to _APART_JAW; one of two frames or more without voice (`voiced`) only
    to _UNVOICED_JAW (an unvoiced consonant, lasting long enough not to flash)."""
    out = np.asarray(jaw, dtype=np.float64).copy()
    low = (out < _APART_JAW) & np.asarray(apart, bool) & np.asarray(speech, bool)[: out.shape[0]]
    edges = np.diff(np.concatenate([[0], low.astype(np.int8), [0]]))
    for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
        if 0 < a and b < out.shape[0] and b - a <= _APART_FRAMES and min(out[a - 1], out[b]) >= _APART_JAW:
            if b - a >= 2 and not voiced[a:b].any():
                out[a:b] = np.maximum(out[a:b], _UNVOICED_JAW)
            else:
                out[a:b] = _APART_JAW
    return out


def _no_one_frame_swings(curve: np.ndarray, most: float) -> np.ndarray:
    """`curve` with no frame more than `most` above both its neighbours or below both: a jaw that dips or
    peaks for a single frame flashes the teeth on and off (a chatter at normal speed); such a frame is taken
    back to `most` beyond the nearer neighbour. Each frame looks one frame ahead."""
    out = np.asarray(curve, dtype=np.float64).copy()
    for i in range(1, len(out) - 1):
        low, high = min(out[i - 1], out[i + 1]), max(out[i - 1], out[i + 1])
        out[i] = min(max(out[i], low - most), high + most)
    return out


def _limit_speed(curve: np.ndarray, max_step: float) -> np.ndarray:
    """`curve` changing by at most about `max_step` per frame: limited forwards and backwards in time and
    averaged, so a jump becomes a ramp centred on it (no lag), and slow movement is untouched."""
    forward = np.asarray(curve, dtype=np.float64).copy()
    backward = forward.copy()
    for i in range(1, len(forward)):
        forward[i] = min(max(forward[i], forward[i - 1] - max_step), forward[i - 1] + max_step)
    for i in range(len(backward) - 2, -1, -1):
        backward[i] = min(max(backward[i], backward[i + 1] - max_step), backward[i + 1] + max_step)
    return (forward + backward) / 2


def english_confidence(
    timeline: PhoneTimeline,
    prosody: Prosody,
    *,
    samples: np.ndarray | None = None,
    sample_rate_hz: int = 16000,
    words: Words | None = None,
) -> float:
    """0..1: how plausible it is that this is spoken English, so that the phone path will look right.

    Given the words (speech.words.recognize_words with posteriors_s=WORD_CHECK_S, reused from the decoding
    the lip closures need) and/or the samples (the words decoded here if not given; the recording's
    degradation measured, and a noisy clip's first seconds decoded again noise-suppressed: speech.language.check;
    without samples the clip is taken as clean), it is speech.language's model: how well English
    words fit the sound, frame by frame, against the best the acoustic model can do, which holds up under
    reverb, noise and the phone band (see benchmarks/language.py), scaled down for singing. From the timeline
    and prosody alone it only detects singing and non-speech (sustained vowels, long voiced runs, noise
    labelled inside speech): phone recognition makes English-looking phones of any language.
    """
    speech = np.asarray(prosody.speech, dtype=bool)
    speech_s = float(speech.sum()) / prosody.fps
    if speech_s < 0.3 or not len(timeline.phones):
        return 0.0
    if words is None and samples is not None:
        words = recognize_words(
            samples, sample_rate_hz=sample_rate_hz, posteriors_s=WORD_CHECK_S, max_s=WORD_CHECK_S
        )
    if words is not None and samples is not None:  # the channel measured, noisy clips heard cleaned
        return language.check(
            samples,
            sample_rate_hz=sample_rate_hz,
            words=words,
            timeline=timeline,
            prosody=prosody,
            until_s=WORD_CHECK_S,
        )
    if words is not None:
        return language.english_confidence(words, timeline, prosody, until_s=WORD_CHECK_S)
    score = 1.0
    # Singing: spoken English vowels rarely last 250 ms; sung ones often do (measured: read English 0-4 %
    # of vowels, the shared singing clip 14 %).
    score -= min(language.long_vowel_share(timeline) / 0.1, 1.0) * 0.5
    # Singing also holds the voice: voiced runs over a second are rare in speech.
    score -= min(language.long_voicing_share(prosody) / 0.3, 1.0) * 0.3
    # Speech the recogniser calls silence or noise is speech it cannot model. Voice detection next to
    # digital silence also counts quiet lead-ins and breaths as speech, which the recogniser rightly calls
    # silence: only a large share is telling.
    score -= min(language.unmodelled_share(timeline, prosody) / 0.4, 1.0) * 0.2
    return float(np.clip(score, 0.0, 1.0))
