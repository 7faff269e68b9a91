"""English word recognition: a language check, and the lip closures that phone recognition misses.

Speech stage, beside phonemes.recognize: samples -> Words; Words + PhoneTimeline -> PhoneTimeline with p/b/m.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import re
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np

from dirfa.child_process import ChildLost, ChildProcess
from dirfa.speech.phonemes import (
    MODEL_SAMPLE_RATE_HZ,
    SILENCE,
    PhoneTimeline,
    _chunk_bounds,
    _quietest,
    _to_model_pcm,
)
from dirfa.speech.visemes import PHONE_TO_VISEME, VOWELS

log = logging.getLogger(__name__)

BILABIALS = frozenset({"P", "B", "M"})
# Decoder settings for speed: no second (flat-lexicon) pass, at most 1000 active HMMs per 10 ms frame and the
# 2 best Gaussians per mixture. Measured on pocketsphinx-testdata (25 s of LibriVox): 0.06 x real time instead
# of 0.17 with pocketsphinx's defaults, with the same words where they matter here ("how much there might be",
# "amiable woman"); see tests/speech/test_words.py.
_FAST = {"fwdflat": False, "maxhmmpf": 1000, "topn": 2}
# The language check's decoding: the same pruning, but with the flat-lexicon pass and the lattice that word
# posteriors need. Measured (CPU s): 7 s of LibriVox 1.8 instead of 5.3 with pocketsphinx's defaults, 10 s of
# the shared Japanese recording 3.4 instead of 24 (a full search of speech that is not English is slow);
# benchmarks/language.py fits and evaluates the check on this decoding.
_CHECK = {"maxhmmpf": 1000, "topn": 2}
# An inserted p/b/m (the word has one, the phones have none there) lasts this long: a typical bilabial
# closure of read English (Crystal & House 1988: stops and nasals 50-80 ms).
_INSERT_S = 0.05


@dataclass(frozen=True)
class Words:
    """Recognised words with times and posteriors.

    words: (n,) lowercase words; start_s, end_s: (n,) float64 seconds; prob: (n,) posterior 0..1 (1.0 where
    posteriors were not computed); pronunciations: (n,) ARPAbet phone tuples from the CMU dictionary.
    decoded_s: how many seconds of the clip were decoded (from its start). fit_per_frame: (n,) the words'
    acoustic log-likelihood in nats per 10 ms frame against the best state of each frame (NaN where not
    computed: only the posteriors' seconds have it; see speech.language), or None.
    """

    words: tuple[str, ...]
    start_s: np.ndarray
    end_s: np.ndarray
    prob: np.ndarray
    pronunciations: tuple[tuple[str, ...], ...]
    decoded_s: float
    fit_per_frame: np.ndarray | None = None

    def confidence(self, *, until_s: float) -> float:
        """Mean posterior of the words that start before until_s (decoded with posteriors); 0 if there are none."""
        keep = self.start_s < until_s
        return float(np.mean(self.prob[keep])) if keep.any() else 0.0


def recognize_words(
    samples: np.ndarray, *, sample_rate_hz: int, posteriors_s: float = 0.0, max_s: float | None = None
) -> Words:
    """Words of English speech (pocketsphinx with its English LM and the CMU dictionary).

    The first posteriors_s seconds are decoded with a lattice (the _CHECK settings) and word posteriors,
    which a language check needs (see speech.acoustic.english_confidence); the rest, up to max_s (all by
    default), with fast settings in the pieces phone recognition uses. Times are seconds from the clip start.
    """
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
    words, starts, ends, probs, prons, fits = [], [], [], [], [], []
    for lo, hi, lattice in pieces:
        if hi - lo < int(0.1 * MODEL_SAMPLE_RATE_HZ):
            continue
        offset_s = lo / MODEL_SAMPLE_RATE_HZ
        if lattice not in decoders:
            decoders[lattice] = word_decoder(posteriors=lattice)
        decoder = decoders[lattice]
        decoder.start_utt()
        decoder.process_raw(pcm16[lo:hi].tobytes(), full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            continue
        for word, start_s, end_s, prob, pron in decoded_words(decoder, posteriors=lattice):
            words.append(word)
            starts.append(offset_s + start_s)
            ends.append(offset_s + end_s)
            probs.append(prob)
            prons.append(pron)
        fits += _fits(decoder) if lattice else [math.nan] * (len(words) - len(fits))
    return Words(
        tuple(words),
        np.array(starts),
        np.array(ends),
        np.array(probs),
        tuple(prons),
        duration_s,
        np.array(fits),
    )


def word_decoder(*, posteriors: bool = False, **settings: object) -> object:
    """A pocketsphinx word decoder (its English LM and the CMU dictionary) for 16 kHz 16-bit PCM: with
    posteriors, the language check's search and lattice (_CHECK); without, the fast settings (_FAST), which
    `settings` may override."""
    from pocketsphinx import Decoder

    chosen = dict(_CHECK) if posteriors else {**_FAST, **settings}
    return Decoder(samprate=MODEL_SAMPLE_RATE_HZ, loglevel="FATAL", bestpath=posteriors, **chosen)


def decoded_words(
    decoder: object, *, posteriors: bool = False, after_s: float | None = None
) -> list[tuple[str, float, float, float, tuple[str, ...]]]:
    """The words of a word decoder's current hypothesis (at the end of an utterance, or a partial one during
    it): (word, start_s, end_s, posterior or 1.0, ARPAbet pronunciation) from the utterance's start; fillers
    and silences left out, and with after_s those that end by then."""
    out = []
    for seg in decoder.seg():
        end_s = (seg.end_frame + 1) / 100.0
        if seg.word.startswith(("<", "[", "+")) or (after_s is not None and end_s <= after_s):
            continue
        word, pron = _spelling(seg.word, decoder.lookup_word(seg.word) or "")
        out.append((word, seg.start_frame / 100.0, end_s, float(seg.prob) if posteriors else 1.0, pron))
    return out


# A live session reads every word of its utterance so far on each update (~10 a second of speech).
@functools.lru_cache(maxsize=4096)
def _spelling(name: str, pron: str) -> tuple[str, tuple[str, ...]]:
    """A decoded word's name without its alternative's number ("word(2)") and its ARPAbet phones without
    stress digits."""
    return re.sub(r"\(\d+\)$", "", name), tuple(re.sub(r"\d", "", p) for p in pron.split())


def _fits(decoder: object) -> list[float]:
    """Per word of `decoded_words` (same order): its acoustic log-likelihood in nats per frame, scored
    against the best state of each frame (pocketsphinx normalises every frame so); a score that underflows
    (pocketsphinx reports exp(score)) counts as exp(-745), the smallest double."""
    out = []
    for seg in decoder.seg():
        if seg.word.startswith(("<", "[", "+")):
            continue
        nats = math.log(seg.ascore) if seg.ascore > 0 else -745.0
        out.append(nats / max(seg.end_frame + 1 - seg.start_frame, 1))
    return out


# --- decoding beside the rest of the speech analysis ------------------------------------------------------

# Seconds of CPU per second of audio on the 2-core reference machine (benchmarks/speed.py), for splitting the
# word decoding between a second process and this one so both finish together.
# Word decoding with posteriors (the language check's seconds): _CHECK costs 0.34 x the 0.22 of a full search.
_FULL_COST = 0.075
_FAST_COST = 0.068  # word decoding with the _FAST settings
_OTHER_COST = 0.053  # what this process does meanwhile: prosody and phone recognition
_SIDE_START_S = 0.5  # starting a Python process and importing dirfa
_MIN_GAIN_S = 1.0  # a second process must save at least this much, or the words are decoded here
_SIDE_TIMEOUT_S = 600.0  # far more than any clip needs: a side process silent this long is stuck


def _side_split_s(duration_s: float, posteriors_s: float) -> float | None:
    """Where the second process's part of the clip ends (it decodes from the start), or None when a second
    process would not save time."""
    check_s = min(max(posteriors_s, 0.0), duration_s)
    # Both sides equal: side = start + full(check) + fast(split - check); here = other(all) + fast(rest).
    split_s = (
        (_OTHER_COST + _FAST_COST) * duration_s - _SIDE_START_S - (_FULL_COST - _FAST_COST) * check_s
    ) / (2 * _FAST_COST)
    split_s = min(max(split_s, check_s), duration_s)
    side_s = _SIDE_START_S + _FULL_COST * check_s + _FAST_COST * (split_s - check_s)
    alone_s = _OTHER_COST * duration_s + _FULL_COST * check_s + _FAST_COST * (duration_s - check_s)
    here_s = _OTHER_COST * duration_s + _FAST_COST * (duration_s - split_s)
    return split_s if alone_s - max(side_s, here_s) >= _MIN_GAIN_S else None


def _quiet_cut(samples: np.ndarray, sample_rate_hz: int, near_s: float, within_s: float = 1.5) -> int:
    """The sample index of the quietest 10 ms within `within_s` of `near_s`: a cut that splits no word."""
    hop = max(1, int(0.01 * sample_rate_hz))
    lo = max(0, int((near_s - within_s) * sample_rate_hz))
    hi = min(samples.shape[0], int((near_s + within_s) * sample_rate_hz))
    if hi - lo < 2 * hop:
        return min(max(int(near_s * sample_rate_hz), 0), samples.shape[0])
    return _quietest(samples, lo, hi, hop)


def _join(head: Words, tail: Words, offset_s: float) -> Words:
    """The words of a clip's two parts, the tail's times moved by offset_s (where it starts in the clip)."""
    return Words(
        head.words + tail.words,
        np.concatenate([head.start_s, tail.start_s + offset_s]),
        np.concatenate([head.end_s, tail.end_s + offset_s]),
        np.concatenate([head.prob, tail.prob]),
        head.pronunciations + tail.pronunciations,
        offset_s + tail.decoded_s,
        np.concatenate([_fit_or_nan(head), _fit_or_nan(tail)]),
    )


def _fit_or_nan(words: Words) -> np.ndarray:
    return words.fit_per_frame if words.fit_per_frame is not None else np.full(len(words.words), math.nan)


class WordJob:
    """Word recognition of one clip, under way: part of it in a second process while this one does other
    work (phone recognition, prosody); `result` decodes the rest here and joins the two."""

    def __init__(self, samples: np.ndarray, *, sample_rate_hz: int, posteriors_s: float, split: bool) -> None:
        self._samples = samples
        self._rate = sample_rate_hz
        self._posteriors_s = posteriors_s
        self._cut = 0  # samples [0, cut) are the second process's
        self._process: ChildProcess | None = None
        split_s = _side_split_s(samples.shape[0] / sample_rate_hz, posteriors_s) if split else None
        if split_s is None:
            return
        self._cut = _quiet_cut(samples, sample_rate_hz, split_s)
        try:
            # The samples (megabytes) go while this process gets on with its own part.
            payload = (samples[: self._cut], sample_rate_hz, posteriors_s)
            self._process = ChildProcess(_side, (), name="dirfa-words", payload=payload)
        except OSError as exc:  # no processes left: decode everything here
            log.debug("word recognition in one process (%s)", exc)
            self._cut = 0

    @property
    def in_two_processes(self) -> bool:
        return self._process is not None

    def result(self) -> Words:
        """The clip's words (blocks until the second process, if any, is done)."""
        try:
            if self._process is None:
                return recognize_words(
                    self._samples, sample_rate_hz=self._rate, posteriors_s=self._posteriors_s
                )
            tail = recognize_words(self._samples[self._cut :], sample_rate_hz=self._rate)
            head = self._head()
            return _join(head, tail, self._cut / self._rate)
        finally:
            self.close()

    def _head(self) -> Words:
        """The second process's words, or the same decoded here if it failed."""
        assert self._process is not None
        try:
            reply = self._process.receive(timeout_s=_SIDE_TIMEOUT_S)
        except ChildLost as exc:
            reply = f"it {exc}"
        if isinstance(reply, Words):
            return reply
        log.debug("word recognition process failed (%s); decoding its part here", reply)
        head = self._samples[: self._cut]
        return recognize_words(head, sample_rate_hz=self._rate, posteriors_s=self._posteriors_s)

    def close(self) -> None:
        """Stop the second process if it is still running."""
        if self._process is not None:
            self._process.kill()
            self._process.close(grace_s=0.0)
            self._process = None


def start_recognition(
    samples: np.ndarray, *, sample_rate_hz: int, posteriors_s: float = 0.0, processes: int = 2
) -> WordJob:
    """Begin recognize_words on a clip; with processes >= 2, long clips are split with a second process
    (see WordJob)."""
    return WordJob(
        np.asarray(samples), sample_rate_hz=sample_rate_hz, posteriors_s=posteriors_s, split=processes >= 2
    )


def _side(conn: Connection) -> None:
    """The second process: receive (samples, sample_rate_hz, posteriors_s), decode the words and send them
    (or why not) to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group; the parent stops us
    try:
        samples, sample_rate_hz, posteriors_s = conn.recv()
    except (EOFError, OSError):
        return
    try:
        reply: object = recognize_words(samples, sample_rate_hz=sample_rate_hz, posteriors_s=posteriors_s)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which decodes this part itself
        reply = f"{type(exc).__name__}: {exc}"
    with contextlib.suppress(OSError, ValueError):
        conn.send(reply)


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
