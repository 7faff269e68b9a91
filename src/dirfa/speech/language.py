"""Is a clip spoken English? Evidence from the English word decoding of its first seconds, and a small model.

Speech stage, deciding between the two mouth paths: Words (+ PhoneTimeline, Prosody, the samples) -> probability
of English. Given the samples, the check also knows how degraded the recording sounds (Channel: phone band,
room, noise) and, where it sounds noisy, decodes its first seconds again with the noise turned down
(filters.suppress_noise): only the check hears that audio; the lip-sync timeline and prosody keep the raw one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dirfa.speech import filters
from dirfa.speech.phonemes import SILENCE, PhoneTimeline
from dirfa.speech.prosody import Prosody
from dirfa.speech.visemes import VOWELS
from dirfa.speech.words import Words

# How well English words explain a stretch of sound (Words.fit_per_frame): pocketsphinx scores each 10 ms
# frame against the best senone (tied HMM state) of that frame, so a word's acoustic score is a likelihood
# ratio, word path against the best unconstrained states, and the channel weighs on both sides. Measured
# (benchmarks/language.py): clean recorded English -2.5 to -3.5 nats a frame, espeak-ng in other languages
# -4 to -6; a 0.6 s reverb or noise at 10 dB costs English ~1 nat a frame, less than it costs the posterior.


@dataclass(frozen=True)
class Evidence:
    """What the language check measures on a clip (each 0, the fit NaN, when there are no words).

    posterior: mean word posterior. fit_per_frame: nats per 10 ms frame of the words' acoustic scores
    (against the best state of each frame; NaN when the words carry none). cover: seconds of words per
    second of speech. confident_cover: the same, words with posterior > 0.5 only. phones_per_word: mean
    dictionary length. words_per_s: words per second of speech. speech_s: seconds of speech searched.
    phone_disagreement: edits per dictionary phone between the words' phones and the phone loop's phones
    over each word (see phone_disagreement; NaN without a phone timeline). narrow, reverberance, noise: the
    recording's degradation (Channel; 0 when the samples were not given).
    """

    posterior: float
    fit_per_frame: float
    cover: float
    confident_cover: float
    phones_per_word: float
    words_per_s: float
    speech_s: float
    phone_disagreement: float = math.nan
    narrow: float = 0.0
    reverberance: float = 0.0
    noise: float = 0.0


def _edits(a: tuple[str, ...], b: list[str]) -> int:
    """Levenshtein distance between two phone sequences (insertions, deletions, substitutions)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def phone_disagreement(words: Words, timeline: PhoneTimeline, keep: np.ndarray) -> float:
    """How far the word decoding's phones (the CMU dictionary's, for the words in `keep`) are from what the
    phone loop (speech.phonemes.recognize: English phones under an English phone bigram, no words) hears
    over the same stretches: edits per dictionary phone, NaN when there is nothing to compare.

    Both decodings are English, so on English they mostly agree (measured, benchmarks/language.py:
    testdata English 0.44 clean, ~0.6 in reverb or noise); on other languages the words are forced English
    spellings of sounds that the free phone loop spells otherwise (festival's recorded voices 0.65 clean,
    0.8-1.0 degraded, up to 2 in reverb+noise+phone band). A phonotactic check (PRLM-like) from two
    decodings the clip gets anyway: no extra decoding.
    """
    if not len(timeline.phones):
        return math.nan
    mid_s = (np.asarray(timeline.start_s) + np.asarray(timeline.end_s)) / 2.0
    loop = timeline.phones
    edits = total = 0
    for pron, start_s, end_s, k in zip(words.pronunciations, words.start_s, words.end_s, keep):
        if not k or not pron:
            continue
        lo, hi = np.searchsorted(mid_s, [start_s, end_s])
        heard = [p for p in loop[lo:hi] if p != SILENCE]
        edits += _edits(pron, heard)
        total += len(pron)
    return edits / total if total else math.nan


# --- the channel: how degraded the recording sounds, and the cleaner audio the check hears -------------------

# Levels are those of the speech band (0.3-3.4 kHz, what a phone line keeps) in 32 ms frames every 8 ms.
SPEECH_BAND_HZ = (300.0, 3400.0)
# Above the phone band, where wide-band speech keeps its fricatives (measured on pocketsphinx-testdata's
# English: 3-16 dB under the speech band clean, under noise or through MP3/AAC at 32 kbit/s; 40-51 dB through
# benchmarks/degrade.py's phone band).
HIGH_BAND_HZ = (3800.0, 7000.0)
NARROW_DB = (25.0, 35.0)  # the high band this far under the speech band: narrow 0 .. 1
# The level spread (95th - 10th percentile of the frames' levels): speech in a quiet room spans > 35 dB
# from its pauses to its vowels, noise fills the pauses (measured on pocketsphinx-testdata's English in
# benchmarks/degrade.py's versions: clean, MP3/AAC, level and phone band 35-123 dB; noise at 20 dB SNR 26-29,
# 15 dB 21-24, 10 dB 16-20; the music bed 20-26; a 0.6 s room 24-49, filling the pauses of running speech).
NOISE_SPREAD_DB = (32.0, 16.0)  # spread -> noise 0 .. 1
NOISY_SPREAD_DB = 30.0  # under this the check decodes the noise-suppressed audio
# Reverberance: the 5th percentile of the level's fall 32 ms after a loud frame (within 20 dB of the
# clip's 95th percentile). Dry speech stops within a frame; a room's tail lets the level fall only as fast as
# the room decays (a 0.6 s RT60: 60 dB in 0.6 s, ~3 dB in 32 ms, after the direct sound). Measured as above:
# 0-0.38 for every version without a room or noise, 0.98-1.0 in the 0.6 s room (noise also slows the falls:
# 0-1.0 under noise at 10-20 dB).
FALL_DB = (-12.0, -6.0)  # fall -> reverberance 0 .. 1


@dataclass(frozen=True)
class Channel:
    """How degraded a recording sounds, from its samples (each measure 0 = as recorded in a quiet room .. 1).

    spread_db: the speech band's level spread (95th - 10th percentile of 32 ms frames, dB). narrow: the band
    above 3.8 kHz missing (phone line, 8 kHz recording). reverberance: the level falls no faster than a
    room's tail lets it. noise: the pauses filled (the spread ramped NOISE_SPREAD_DB).
    """

    spread_db: float
    narrow: float
    reverberance: float
    noise: float

    @property
    def noisy(self) -> bool:
        """Whether the check decodes the noise-suppressed audio (spread under NOISY_SPREAD_DB)."""
        return self.spread_db < NOISY_SPREAD_DB


def _ramp(value: float, zero_at: float, one_at: float) -> float:
    return float(np.clip((value - zero_at) / (one_at - zero_at), 0.0, 1.0))


def channel(samples: np.ndarray, *, sample_rate_hz: int) -> Channel:
    """The degradation measures of `samples` (1-D float; the check passes its first WORD_CHECK_S seconds)."""
    x = np.asarray(samples, dtype=np.float64)
    frame = 1 << int(round(np.log2(0.032 * sample_rate_hz)))
    hop = frame // 4
    if x.size < 2 * frame:
        return Channel(math.inf, 0.0, 0.0, 0.0)
    power = np.abs(filters.stft(x, frame=frame, hop=hop)) ** 2
    power = power[frame // hop : -(frame // hop)]  # the frames that reach into the padding left out
    freq = np.fft.rfftfreq(frame, 1.0 / sample_rate_hz)
    band = (freq >= SPEECH_BAND_HZ[0]) & (freq <= SPEECH_BAND_HZ[1])
    high = (freq >= HIGH_BAND_HZ[0]) & (freq <= HIGH_BAND_HZ[1])
    tiny = 1e-12 * frame  # digital silence: -120 dB full scale
    level = 10.0 * np.log10(power[:, band].sum(axis=1) + tiny)
    p10, p95 = np.percentile(level, [10.0, 95.0])
    spread = float(p95 - p10)
    if high.any():
        gap = 10.0 * np.log10((power[:, band].sum() + tiny) / (power[:, high].sum() + tiny))
    else:  # sampled at 8 kHz or less: nothing above the phone band
        gap = math.inf
    step = frame // hop  # 32 ms
    loud = level[:-step] > p95 - 20.0
    falls = (level[step:] - level[:-step])[loud]
    fall = float(np.percentile(falls, 5.0)) if falls.size else FALL_DB[0]
    return Channel(
        spread_db=spread,
        narrow=_ramp(gap, *NARROW_DB),
        reverberance=_ramp(fall, *FALL_DB),
        noise=_ramp(spread, *NOISE_SPREAD_DB),
    )


@dataclass(frozen=True)
class Cleaned:
    """What the check hears of a noisy clip's first seconds once the noise is turned down: the English words
    (with posteriors and fits) and the phone loop's phones of filters.suppress_noise's output."""

    words: Words
    timeline: PhoneTimeline


def hear_cleaned(samples: np.ndarray, *, sample_rate_hz: int, until_s: float) -> Cleaned:
    """The check's two decodings of the first until_s seconds of `samples`, noise-suppressed: the word
    decoding and the phone loop again (measured, benchmarks/language.py: median 1.5 CPU s, max 3.1, for 3-10 s
    of audio; the suppression itself ~0.005 CPU s per second)."""
    from dirfa.speech import phonemes
    from dirfa.speech.words import recognize_words

    head = np.asarray(samples, dtype=np.float64)[: int(round(until_s * sample_rate_hz))]
    quiet = np.clip(filters.suppress_noise(head, sample_rate_hz=sample_rate_hz), -1.0, 1.0)
    return Cleaned(
        words=recognize_words(quiet, sample_rate_hz=sample_rate_hz, posteriors_s=until_s, max_s=until_s),
        timeline=phonemes.recognize(quiet, sample_rate_hz=sample_rate_hz),
    )


def measure(
    words: Words,
    prosody: Prosody,
    *,
    until_s: float,
    timeline: PhoneTimeline | None = None,
    heard: Channel | None = None,
) -> Evidence:
    """The evidence from the words starting before until_s (those decoded with posteriors), the speech
    the prosody finds in [0, until_s), given the phone timeline the phones' disagreement, and given the
    channel its degradation measures."""
    speech = np.asarray(prosody.speech, dtype=bool)
    speech_s = float(speech[: int(round(until_s * prosody.fps))].sum()) / prosody.fps
    keep = np.asarray(words.start_s) < until_s
    degraded = (
        {}
        if heard is None
        else {"narrow": heard.narrow, "reverberance": heard.reverberance, "noise": heard.noise}
    )
    if not keep.any():
        return Evidence(0.0, math.nan, 0.0, 0.0, 0.0, 0.0, speech_s, **degraded)
    duration_s = (np.asarray(words.end_s) - np.asarray(words.start_s))[keep]
    prob = np.asarray(words.prob)[keep]
    fit = words.fit_per_frame if words.fit_per_frame is not None else np.full(len(words.words), np.nan)
    fit = np.asarray(fit)[keep]
    frames = np.maximum(np.round(duration_s * 100.0), 1.0)
    known = np.isfinite(fit)
    fit_per_frame = float(np.sum((fit * frames)[known]) / np.sum(frames[known])) if known.any() else math.nan
    per_s = max(speech_s, 0.3)  # a clip of a few syllables: no ratio blows up
    prons = [p for p, k in zip(words.pronunciations, keep) if k]
    return Evidence(
        posterior=float(prob.mean()),
        fit_per_frame=fit_per_frame,
        cover=float(duration_s.sum()) / per_s,
        confident_cover=float(duration_s[prob > 0.5].sum()) / per_s,
        phones_per_word=float(np.mean([len(p) for p in prons])),
        words_per_s=float(keep.sum()) / per_s,
        speech_s=speech_s,
        phone_disagreement=phone_disagreement(words, timeline, keep) if timeline is not None else math.nan,
        **degraded,
    )


# --- the model ------------------------------------------------------------------------------------------

# Logistic regression of English against other languages on six of the measures, fitted by
# benchmarks/language.py (it prints them: L2-regularised, the two classes weighted equally) on 516 cases:
# pocketsphinx-testdata English in all 12 versions of benchmarks/degrade.py (room reverb, noise 10-20 dB SNR,
# phone band, MP3/AAC 32 kbit/s, level, music), festival/flite English; as other languages festival's
# recorded voices (Italian x2, Russian, Finnish x2, Hindi/Marathi/Telugu, Catalan: real speakers' diphones
# and units, clean, reverb, noise, phone band, all three) and espeak-ng in 24 languages; evaluated with each
# speaker or language held out (benchmarks/RESULTS.md, "English detection"). Fitted on espeak-ng alone the
# model took 20-30 % of real foreign recordings for English: formant synthesis fits English words far worse
# than any recorded voice does. Tried and left out, as they added nothing held out once the fit is in, or
# separated clean speech only and fell apart under reverb: the mean word posterior, word coverage of the
# speech, words per second, the share of well-fitting words, the median word fit, the language model's word
# scores, phonotactics (the phone loop's phones under a CMU-dictionary phone bigram; a PRLM), rhythm (%V,
# deltaC, nPVI), the fit of the louder half of the words, the phone disagreement by viseme class, the spread
# of the words' time per phone, the share of speech the phone loop calls noise, held vowels, a free phone
# loop's score as a channel reference, the share of English function words, WPE dereverberation (it removes
# 3-5 % of a 0.6 s room's energy). Held out, each moved the curve by a few cases at most.
# What moved it: on noisy clips the words and phones decoded from the noise-suppressed audio (Cleaned), and
# the channel's three degradation measures, which let the model expect a worse fit from a degraded
# recording instead of taking every degraded clip for a foreign one.
# Each nat per frame of better fit multiplies the odds of English by e^3.3; each phone more per word by
# e^1.7: other languages come out as strings of short English words (median 2.7 phones a word, English
# 3.3); each edit per phone more between the words and the phone loop divides them by e^6.1; a recording
# fully narrow-band, reverberant or noisy multiplies them by e^2.0, e^2.0, e^2.2 (its English fits worse).
MODEL_INPUTS = ("fit_per_frame", "phones_per_word", "phone_disagreement", "narrow", "reverberance", "noise")
_INTERCEPT = 11.315
_WEIGHTS = (3.296, 1.691, -6.053, 2.044, 1.973, 2.222)
# Without a phone timeline the disagreement is taken as this, between English (0.44-0.6) and other
# languages (0.65-1.0): the model then leans on the fit and the word lengths.
_NEUTRAL_DISAGREEMENT = 0.65
# Singing is not what the phone path is for: the probability is scaled down by up to this much where vowels
# are held (> 250 ms) and the voice runs on (> 1 s) at once (measured: the shared sung clip 15 % / 17 %
# of its vowels / voiced time; none of the 162 English cases of benchmarks/language.py has both).
SINGING_CUT = 0.8


def model_inputs(evidence: Evidence) -> np.ndarray:
    """The measures the model weighs, in MODEL_INPUTS order."""
    x = np.array([getattr(evidence, name) for name in MODEL_INPUTS], dtype=np.float64)
    return np.where(np.isnan(x) & (np.array(MODEL_INPUTS) == "phone_disagreement"), _NEUTRAL_DISAGREEMENT, x)


def english_probability(evidence: Evidence) -> float:
    """0..1: the model's probability that the clip is English (0 when no word was found)."""
    if evidence.phones_per_word == 0.0:
        return 0.0
    if not math.isfinite(evidence.fit_per_frame):
        # Words decoded without acoustic scores: the mean posterior alone (read English 0.57-0.73,
        # Japanese/Mandarin/singing 0.30-0.43 with a full search; it fails on degraded English).
        return float(np.clip((evidence.posterior - 0.40) / (0.55 - 0.40), 0.0, 1.0))
    z = _INTERCEPT + float(np.dot(_WEIGHTS, model_inputs(evidence)))
    return 1.0 / (1.0 + math.exp(-min(max(z, -50.0), 50.0)))


# "When in doubt, prefer the English path where its word decoding is confident" (issue 14): a probability in
# [DOUBTFUL, ENGLISH_AT) is lifted to ENGLISH_AT (dirfa.api.ENGLISH_THRESHOLD) when of the words' time at
# least CONFIDENT_SHARE is in words decoded with posterior > 0.5. Measured held out (benchmarks/language.py,
# the band and share chosen on those same cases): it lifts one testdata and one shared-radio English case and
# no other speech; a wider band (0.3) or the share of the *speech* covered instead (the prosody finds less
# speech than there is under noise) also lifted festival's foreign voices or noisy German.
DOUBTFUL = 0.4
ENGLISH_AT = 0.5
CONFIDENT_SHARE = 0.6


def settle_doubt(p: float, evidence: Evidence) -> float:
    """`p` (english_probability), lifted to ENGLISH_AT where it is doubtful and the words are confident."""
    share = evidence.confident_cover / evidence.cover if evidence.cover > 0.0 else 0.0
    if DOUBTFUL <= p < ENGLISH_AT and share >= CONFIDENT_SHARE:
        return ENGLISH_AT
    return p


def long_vowel_share(timeline: PhoneTimeline) -> float:
    """Share of the recognised vowels that last over 250 ms: spoken English 0-4 % when clean, up to ~20 %
    in reverb (measured); sung vowels are held."""
    durations = timeline.end_s - timeline.start_s
    vowel = np.array([p in VOWELS for p in timeline.phones], dtype=bool)
    return float(np.mean(durations[vowel] > 0.25)) if vowel.any() else 1.0


def long_voicing_share(prosody: Prosody) -> float:
    """Share of voiced time in voiced runs over 1 s: rare in speech (read English has many runs of 0.6-1 s,
    linked words), common in song."""
    voiced = np.asarray(prosody.voiced, dtype=np.int8)
    edges = np.diff(np.concatenate([[0], voiced, [0]]))
    runs_s = (np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0]) / prosody.fps
    return float(np.sum(runs_s[runs_s > 1.0])) / max(float(np.sum(runs_s)), 1e-9)


def singing(timeline: PhoneTimeline, prosody: Prosody) -> float:
    """0..1: how much the clip sounds sung (held vowels and long voiced runs together)."""
    held = min(long_vowel_share(timeline) / 0.12, 1.0)
    running = min(long_voicing_share(prosody) / 0.12, 1.0)
    return held * running


def english_confidence(
    words: Words,
    timeline: PhoneTimeline,
    prosody: Prosody,
    *,
    until_s: float,
    heard: Channel | None = None,
    cleaned: Cleaned | None = None,
) -> float:
    """0..1: the probability that the clip is spoken English, less where it sounds sung.

    words, timeline: the clip's own decodings; heard: its Channel (None: taken as clean); cleaned: the
    decodings of its noise-suppressed first seconds, which replace words and timeline as the evidence
    (check() makes them where the channel is noisy). Singing is judged on the clip's own timeline."""
    if cleaned is not None:
        evidence = measure(cleaned.words, prosody, until_s=until_s, timeline=cleaned.timeline, heard=heard)
    else:
        evidence = measure(words, prosody, until_s=until_s, timeline=timeline, heard=heard)
    p = settle_doubt(english_probability(evidence), evidence)
    return p * (1.0 - SINGING_CUT * singing(timeline, prosody))


def check(
    samples: np.ndarray,
    *,
    sample_rate_hz: int,
    words: Words,
    timeline: PhoneTimeline,
    prosody: Prosody,
    until_s: float,
) -> float:
    """english_confidence from the samples too: their Channel over the first until_s seconds (~3 ms of CPU),
    and where it sounds noisy, those seconds decoded again noise-suppressed (hear_cleaned)."""
    head = np.asarray(samples)[: int(round(until_s * sample_rate_hz))]
    heard = channel(head, sample_rate_hz=sample_rate_hz)
    cleaned = hear_cleaned(head, sample_rate_hz=sample_rate_hz, until_s=until_s) if heard.noisy else None
    return english_confidence(words, timeline, prosody, until_s=until_s, heard=heard, cleaned=cleaned)


def unmodelled_share(timeline: PhoneTimeline, prosody: Prosody) -> float:
    """Share of speech frames that phone recognition calls silence or noise (sound it cannot model)."""
    speech = np.asarray(prosody.speech, dtype=bool)
    if not speech.any() or not len(timeline.phones):
        return 1.0
    frame_t = (np.arange(speech.shape[0]) + 0.5) / prosody.fps
    idx = np.clip(np.searchsorted(timeline.end_s, frame_t[speech], side="right"), 0, len(timeline.phones) - 1)
    return float(np.mean([timeline.phones[k] == SILENCE for k in idx]))
