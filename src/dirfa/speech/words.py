"""English word recognition: a language check, and the lip closures that phone recognition misses.

Speech stage, beside phonemes.recognize: samples -> Words; Words + PhoneTimeline -> PhoneTimeline with p/b/m.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from dirfa.speech.phonemes import MODEL_SAMPLE_RATE_HZ, SILENCE, PhoneTimeline, _chunk_bounds, _to_model_pcm
from dirfa.speech.visemes import PHONE_TO_VISEME, VOWELS

log = logging.getLogger(__name__)

BILABIALS = frozenset({"P", "B", "M"})
# Decoder settings for speed: no second (flat-lexicon) pass, at most 1000 active HMMs per 10 ms frame and the
# 2 best Gaussians per mixture. Measured on pocketsphinx-testdata (25 s of LibriVox): 0.06 x real time instead
# of 0.17 with pocketsphinx's defaults, with the same words where they matter here ("how much there might be",
# "amiable woman"); see tests/speech/test_words.py.
_FAST = {"fwdflat": False, "maxhmmpf": 1000, "topn": 2}
# An inserted p/b/m (the word has one, the phones have none there) lasts this long: a typical bilabial
# closure of read English (Crystal & House 1988: stops and nasals 50-80 ms).
_INSERT_S = 0.05


@dataclass(frozen=True)
class Words:
    """Recognised words with times and posteriors.

    words: (n,) lowercase words; start_s, end_s: (n,) float64 seconds; prob: (n,) posterior 0..1 (1.0 where
    posteriors were not computed); pronunciations: (n,) ARPAbet phone tuples from the CMU dictionary.
    decoded_s: how many seconds of the clip were decoded (from its start).
    """

    words: tuple[str, ...]
    start_s: np.ndarray
    end_s: np.ndarray
    prob: np.ndarray
    pronunciations: tuple[tuple[str, ...], ...]
    decoded_s: float

    def confidence(self, *, until_s: float) -> float:
        """Mean posterior of the words that start before until_s (decoded with posteriors); 0 if there are none."""
        keep = self.start_s < until_s
        return float(np.mean(self.prob[keep])) if keep.any() else 0.0


def recognize_words(
    samples: np.ndarray, *, sample_rate_hz: int, posteriors_s: float = 0.0, max_s: float | None = None
) -> Words:
    """Words of English speech (pocketsphinx with its English LM and the CMU dictionary).

    The first posteriors_s seconds are decoded with pocketsphinx's default (full) search and word posteriors,
    which a language check needs (see speech.acoustic.english_confidence); the rest, up to max_s (all by
    default), with fast settings in the pieces phone recognition uses. Times are seconds from the clip start.
    """
    from pocketsphinx import Decoder

    x = np.asarray(samples)
    if max_s is not None:
        x = x[: int(max_s * sample_rate_hz)]
    pcm, duration_s = _to_model_pcm(x, sample_rate_hz)
    if duration_s < 0.1:
        return Words((), np.zeros(0), np.zeros(0), np.zeros(0), (), duration_s)
    pcm16 = np.frombuffer(pcm, dtype="<i2")
    first = min(int(max(posteriors_s, 0.0) * MODEL_SAMPLE_RATE_HZ), pcm16.shape[0])
    pieces: list[tuple[int, int, bool]] = [(0, first, True)] if first else []
    pieces += [(first + lo, first + hi, False) for lo, hi in _chunk_bounds(pcm16[first:]) if hi > lo]
    decoders: dict[bool, object] = {}
    words, starts, ends, probs, prons = [], [], [], [], []
    for lo, hi, lattice in pieces:
        if hi - lo < int(0.1 * MODEL_SAMPLE_RATE_HZ):
            continue
        offset_s = lo / MODEL_SAMPLE_RATE_HZ
        if lattice not in decoders:
            settings = {} if lattice else _FAST
            decoders[lattice] = Decoder(
                samprate=MODEL_SAMPLE_RATE_HZ, loglevel="FATAL", bestpath=lattice, **settings
            )
        decoder = decoders[lattice]
        decoder.start_utt()
        decoder.process_raw(pcm16[lo:hi].tobytes(), full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            continue
        for seg in decoder.seg():
            if seg.word.startswith(("<", "[", "+")):
                continue
            pron = decoder.lookup_word(seg.word) or ""
            words.append(re.sub(r"\(\d+\)$", "", seg.word))  # alternative pronunciations are "word(2)"
            starts.append(offset_s + seg.start_frame / 100.0)
            ends.append(offset_s + (seg.end_frame + 1) / 100.0)
            probs.append(float(seg.prob) if lattice else 1.0)
            prons.append(tuple(re.sub(r"\d", "", p) for p in pron.split()))
    return Words(tuple(words), np.array(starts), np.array(ends), np.array(probs), tuple(prons), duration_s)


def _align(word: tuple[str, ...], heard: list[str]) -> list[int | None]:
    """For each phone of `word`, the index in `heard` it matches (None: deleted), by edit distance.

    Substitution costs 0 for the same phone, 0.5 within a viseme class or between two consonants or two
    vowels, 1 across; insertions and deletions cost 1.
    """

    def cost(a: str, b: str) -> float:
        if a == b:
            return 0.0
        if PHONE_TO_VISEME.get(a) == PHONE_TO_VISEME.get(b) or (a in VOWELS) == (b in VOWELS):
            return 0.5
        return 1.0

    n, m = len(word), len(heard)
    d = np.zeros((n + 1, m + 1))
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost(word[i - 1], heard[j - 1]))
    match: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if d[i, j] == d[i - 1, j - 1] + cost(word[i - 1], heard[j - 1]):
            match[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif d[i, j] == d[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return match


def add_bilabials(timeline: PhoneTimeline, words: Words) -> PhoneTimeline:
    """The phone timeline with the p, b and m of the recognised words put in where the phones lack them.

    Phone recognition without words often hears a p/b/m as a sound made elsewhere (m as n or w, p as t);
    word recognition, which knows the words' spellings, gets many of them. Each bilabial of a word is matched
    to the phones heard during the word: a consonant heard there takes its place (keeping its times); where
    nothing or a vowel was heard, a short closure is inserted at the matching boundary. Vowels are never
    replaced, so the mouth still opens on every vowel the phones have.
    """
    if not len(words.words):
        return timeline
    segs = [[p, float(a), float(b)] for p, a, b in zip(timeline.phones, timeline.start_s, timeline.end_s)]
    inserts: list[tuple[float, float]] = []
    for word_start, word_end, pron in zip(words.start_s, words.end_s, words.pronunciations):
        if not BILABIALS.intersection(pron):
            continue
        idx = [k for k, (p, a, b) in enumerate(segs) if b > word_start + 0.005 and a < word_end - 0.005]
        idx = [k for k in idx if segs[k][0] != SILENCE]
        heard = [segs[k][0] for k in idx]
        match = _align(pron, heard)
        for i, phone in enumerate(pron):
            if phone not in BILABIALS:
                continue
            j = match[i]
            if j is not None and heard[j] in BILABIALS:
                continue
            if j is not None and heard[j] not in VOWELS:
                segs[idx[j]][0] = phone
                continue
            # Nothing (or a vowel) heard for it: insert it after the previous matched phone.
            prev = next((match[q] for q in range(i - 1, -1, -1) if match[q] is not None), None)
            if prev is None:
                at = segs[idx[0]][1] if idx else float(word_start)
            else:
                at = segs[idx[prev]][2]
            inserts.append((at, phone))
    out = [(p, a, b) for p, a, b in segs]
    for at, phone in inserts:
        # The lips close where the previous sound ends and open into the next one.
        lo, hi = at, at + _INSERT_S
        trimmed = []
        for p, a, b in out:
            if b <= lo or a >= hi:
                trimmed.append((p, a, b))
                continue
            if a < lo:
                trimmed.append((p, a, lo))
            if b > hi:
                trimmed.append((p, hi, b))
        trimmed.append((phone, lo, hi))
        out = sorted(trimmed, key=lambda s: s[1])
    return _rebuild(out, timeline)


def _rebuild(segments: list[tuple[str, float, float]], timeline: PhoneTimeline) -> PhoneTimeline:
    from dirfa.speech.phonemes import _timeline

    return _timeline(
        [(p, max(a, 0.0), b) for p, a, b in segments if b > a], timeline.duration_s, timeline.method
    )
