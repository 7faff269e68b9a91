"""Is a clip spoken English? Evidence from the English word decoding of its first seconds, and a small model.

Speech stage, deciding between the two mouth paths: Words (+ PhoneTimeline, Prosody) -> probability of English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
    over each word (see phone_disagreement; NaN without a phone timeline).
    """

    posterior: float
    fit_per_frame: float
    cover: float
    confident_cover: float
    phones_per_word: float
    words_per_s: float
    speech_s: float
    phone_disagreement: float = math.nan


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


def measure(
    words: Words, prosody: Prosody, *, until_s: float, timeline: PhoneTimeline | None = None
) -> Evidence:
    """The evidence from the words starting before until_s (those decoded with posteriors), the speech
    the prosody finds in [0, until_s) and, given the phone timeline, the phones' disagreement."""
    speech = np.asarray(prosody.speech, dtype=bool)
    speech_s = float(speech[: int(round(until_s * prosody.fps))].sum()) / prosody.fps
    keep = np.asarray(words.start_s) < until_s
    if not keep.any():
        return Evidence(0.0, math.nan, 0.0, 0.0, 0.0, 0.0, speech_s)
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
    )


# --- the model ------------------------------------------------------------------------------------------

# Logistic regression of English against other languages on three of the measures, fitted by
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
# scores, phonotactics (the phone loop's phones under a CMU-dictionary phone bigram), rhythm (%V, deltaC,
# nPVI), the speech's level range (an SNR estimate), the fit of the louder half of the words, the phone
# disagreement by viseme class, the spread of the words' time per phone, the share of speech the phone loop
# calls noise, held vowels, and a free phone loop's score as a channel reference (pocketsphinx's phone loop
# reports no per-phone scores). Held out, each moved the curve by a few cases at most.
# Each nat per frame of better fit multiplies the odds of English by e^3.5; each phone more per word by
# e^0.57: other languages come out as strings of short English words (median 2.7 phones a word, English
# 3.3); each edit per phone more between the words and the phone loop divides them by e^2.2.
MODEL_INPUTS = ("fit_per_frame", "phones_per_word", "phone_disagreement")
_INTERCEPT = 14.723
_WEIGHTS = (3.471, 0.568, -2.232)
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


def english_confidence(words: Words, timeline: PhoneTimeline, prosody: Prosody, *, until_s: float) -> float:
    """0..1: the probability that the clip is spoken English, less where it sounds sung."""
    p = english_probability(measure(words, prosody, until_s=until_s, timeline=timeline))
    return p * (1.0 - SINGING_CUT * singing(timeline, prosody))


def unmodelled_share(timeline: PhoneTimeline, prosody: Prosody) -> float:
    """Share of speech frames that phone recognition calls silence or noise (sound it cannot model)."""
    speech = np.asarray(prosody.speech, dtype=bool)
    if not speech.any() or not len(timeline.phones):
        return 1.0
    frame_t = (np.arange(speech.shape[0]) + 0.5) / prosody.fps
    idx = np.clip(np.searchsorted(timeline.end_s, frame_t[speech], side="right"), 0, len(timeline.phones) - 1)
    return float(np.mean([timeline.phones[k] == SILENCE for k in idx]))
