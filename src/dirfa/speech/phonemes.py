"""Phones and their times in a speech clip: phone recognition, or forced alignment to a transcript.

Speech stage, first step: 16 kHz mono samples -> PhoneTimeline, which visemes/coarticulation turn into mouth curves.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from dirfa.errors import DirfaError

log = logging.getLogger(__name__)

MODEL_SAMPLE_RATE_HZ = 16000  # pocketsphinx's bundled en-US acoustic model is trained on 16 kHz audio
FRAME_S = 0.01  # pocketsphinx reports times in 10 ms feature frames
_FRAMES_PER_S = 100
_LOG_BASE = math.log(1.0001)  # pocketsphinx's integer scores are logarithms to base 1.0001
# Alignment score deficit against free phone recognition, per frame, above which the text is not what is said.
# Measured on pocketsphinx-testdata (see tests/speech/test_phonemes.py): right text 0.5-3, wrong text 30+.
_MAX_MISFIT_PER_FRAME = 20.0
_ALIGN_PAD_S = 0.3  # silence added around the audio for alignment
# Recognition at 10 ms frames that calls more than this share of loud audio silence is retried at 5 ms frames.
_MAX_MISSED = 0.15
SILENCE = "SIL"

# The 39 phones of the CMU dictionary (ARPAbet without stress digits), which is what pocketsphinx emits.
ARPABET: tuple[str, ...] = (
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY",
    "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y",
    "Z", "ZH",
)  # fmt: skip
_ARPABET_SET = frozenset(ARPABET)

# Recognition of long clips runs in pieces of at most this length, cut in the quietest 10 ms near the limit,
# so the decoder's memory and a bad stretch stay bounded; 20 s holds several phrases of context.
_CHUNK_S = 20.0


class AlignmentError(DirfaError):
    """The transcript cannot be aligned to the audio (empty, no words, or it does not match the speech)."""


@dataclass(frozen=True)
class PhoneTimeline:
    """Phones of a clip with their times.

    phones: (n,) ARPAbet symbols, uppercase without stress digits; "SIL" for silence, breath and noise.
    start_s, end_s: (n,) float64 seconds; contiguous (end_s[i] == start_s[i + 1]), starting at 0 and ending at
    the clip's duration. method: "recognition" | "alignment" | "acoustic".
    """

    phones: tuple[str, ...]
    start_s: np.ndarray
    end_s: np.ndarray
    method: str

    def __post_init__(self) -> None:
        start = np.asarray(self.start_s, dtype=np.float64)
        end = np.asarray(self.end_s, dtype=np.float64)
        if not (len(self.phones) == start.shape[0] == end.shape[0]):
            raise ValueError("PhoneTimeline needs one start and one end time per phone")
        start.setflags(write=False)
        end.setflags(write=False)
        object.__setattr__(self, "phones", tuple(self.phones))
        object.__setattr__(self, "start_s", start)
        object.__setattr__(self, "end_s", end)

    @property
    def duration_s(self) -> float:
        return float(self.end_s[-1]) if len(self.phones) else 0.0


# --- audio handling -----------------------------------------------------------------------------------


def _to_model_pcm(samples: np.ndarray, sample_rate_hz: int) -> tuple[bytes, float]:
    """16-bit little-endian PCM at the model rate, and the clip's duration in seconds."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"speech samples must be mono, shape (n,), got {x.shape}")
    if sample_rate_hz <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate_hz}")
    duration_s = x.shape[0] / sample_rate_hz
    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    if sample_rate_hz != MODEL_SAMPLE_RATE_HZ and x.size:
        from scipy.signal import resample_poly  # imported here: scipy.signal costs ~0.3 s to import

        g = np.gcd(int(sample_rate_hz), MODEL_SAMPLE_RATE_HZ)
        x = resample_poly(x, MODEL_SAMPLE_RATE_HZ // g, int(sample_rate_hz) // g)
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    return pcm.tobytes(), duration_s


def _model_dir() -> str:
    from pocketsphinx import get_model_path

    return os.path.join(get_model_path(), "en-us")


def _quietest(x: np.ndarray, lo: int, hi: int, hop: int) -> int:
    """The sample index at the centre of the quietest `hop`-sample stretch of x[lo:hi]: a cut that splits no
    word."""
    seg = np.asarray(x[lo:hi], np.float64)
    energy = np.add.reduceat(seg * seg, np.arange(0, seg.shape[0], hop))
    return lo + int(np.argmin(energy)) * hop + hop // 2


def _chunk_bounds(pcm16: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of at most _CHUNK_S, each cut in the quietest 10 ms of the last 4 s before the limit."""
    n = pcm16.shape[0]
    limit = int(_CHUNK_S * MODEL_SAMPLE_RATE_HZ)
    hop = int(FRAME_S * MODEL_SAMPLE_RATE_HZ)
    bounds = []
    start = 0
    while n - start > limit:
        cut = _quietest(pcm16, start + limit - 4 * MODEL_SAMPLE_RATE_HZ, start + limit, hop)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, n))
    return bounds


# --- building timelines ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)  # a live session reads every phone of its utterance on each update
def _normalise_phone(name: str) -> str:
    """ARPAbet without stress digits; anything else pocketsphinx emits (SIL, +NSN+, +SPN+, +BREATH+...) -> SIL."""
    base = re.sub(r"\d", "", name.strip().upper())
    return base if base in _ARPABET_SET else SILENCE


def _timeline(segments: list[tuple[str, float, float]], duration_s: float, method: str) -> PhoneTimeline:
    """Contiguous timeline over [0, duration_s] from (phone, start_s, end_s) segments that may leave gaps.

    Gaps become SIL, neighbouring SILs merge, overlaps are cut at the later segment's start.
    """
    phones: list[str] = []
    starts: list[float] = []
    t = 0.0
    for phone, start, end in sorted(segments, key=lambda s: s[1]):
        start, end = max(start, t), min(end, duration_s)
        if end <= start:
            continue
        if start - t > 1e-9:
            phones.append(SILENCE)
            starts.append(t)
        phones.append(phone)
        starts.append(start)
        t = end
    if duration_s - t > 1e-9 or not phones:
        phones.append(SILENCE)
        starts.append(t)
    merged_phones: list[str] = []
    merged_starts: list[float] = []
    for phone, start in zip(phones, starts):
        if merged_phones and phone == SILENCE and merged_phones[-1] == SILENCE:
            continue
        merged_phones.append(phone)
        merged_starts.append(start)
    start_s = np.array(merged_starts, dtype=np.float64)
    end_s = np.append(start_s[1:], max(duration_s, start_s[-1]))
    return PhoneTimeline(tuple(merged_phones), start_s, end_s, method)


def phone_decoder(*, frames_per_s: int = _FRAMES_PER_S) -> object:
    """A pocketsphinx phone-loop decoder (allphone search with its English phone LM), as files and live
    sessions use it; feed it 16 kHz 16-bit PCM."""
    from pocketsphinx import Decoder

    # Settings from pocketsphinx's own phone-recognition example: a low language weight and a wide beam.
    return Decoder(
        allphone=os.path.join(_model_dir(), "en-us-phone.lm.bin"),
        lw=2.0,
        pip=0.3,
        beam=1e-200,
        pbeam=1e-20,
        samprate=MODEL_SAMPLE_RATE_HZ,
        frate=frames_per_s,
        loglevel="FATAL",
    )


def _phone_loop(pcm16: np.ndarray, *, frames_per_s: int) -> tuple[list[tuple[str, float, float]], float]:
    """Phone-loop recognition: (phone, start_s, end_s) segments and the total acoustic log-likelihood.

    The log-likelihood is in pocketsphinx's log base 1.0001 units, the unit of its alignment scores.
    """
    decoder = phone_decoder(frames_per_s=frames_per_s)
    frame_s = 1.0 / frames_per_s
    segments: list[tuple[str, float, float]] = []
    score = 0.0
    for lo, hi in _chunk_bounds(pcm16):
        offset_s = lo / MODEL_SAMPLE_RATE_HZ
        decoder.start_utt()
        decoder.process_raw(pcm16[lo:hi].tobytes(), full_utt=True)
        decoder.end_utt()
        for seg in decoder.seg():
            name = _normalise_phone(seg.word)
            segments.append(
                (name, offset_s + seg.start_frame * frame_s, offset_s + (seg.end_frame + 1) * frame_s)
            )
            if seg.ascore > 0:
                score += math.log(seg.ascore) / _LOG_BASE
    return segments, score


def _gate_quiet(
    segments: list[tuple[str, float, float]], pcm16: np.ndarray
) -> list[tuple[str, float, float]]:
    """Phones over stretches with no sound at all become SIL (the recogniser hallucinates in digital silence)."""
    level_db = _levels_db(pcm16)
    if level_db.size == 0:
        return segments
    # Quieter than -60 dBFS, or 50 dB under the clip's loud frames: no speech sound a viewer would see.
    quiet_db = max(-60.0, float(np.percentile(level_db, 98)) - 50.0)
    out = []
    for phone, start, end in segments:
        lo, hi = int(start / FRAME_S), max(int(start / FRAME_S) + 1, int(np.ceil(end / FRAME_S)))
        if phone != SILENCE and level_db[lo:hi].size and level_db[lo:hi].max() < quiet_db:
            phone = SILENCE
        out.append((phone, start, end))
    return out


def _levels_db(pcm16: np.ndarray) -> np.ndarray:
    """Level of each 10 ms frame in dBFS."""
    hop = int(FRAME_S * MODEL_SAMPLE_RATE_HZ)
    x = pcm16.astype(np.float64) / 32768.0
    n = x.shape[0] // hop
    return 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)


def _missed_fraction(segments: list[tuple[str, float, float]], pcm16: np.ndarray) -> float:
    """Fraction of loud 10 ms frames (within 20 dB of the clip's loud frames) that the segments call SIL."""
    level_db = _levels_db(pcm16)
    if level_db.size == 0:
        return 0.0
    loud = level_db > max(-50.0, float(np.percentile(level_db, 98)) - 20.0)
    silent = np.zeros(level_db.shape[0], dtype=bool)
    for phone, start, end in segments:
        if phone == SILENCE:
            silent[int(round(start / FRAME_S)) : int(round(end / FRAME_S))] = True
    return float(np.mean(silent[loud])) if loud.any() else 0.0


def recognize(samples: np.ndarray, *, sample_rate_hz: int) -> PhoneTimeline:
    """Phones of English speech by phone-loop recognition (pocketsphinx allphone with its English phone LM).

    samples: (n,) float mono in -1..1. Works without a transcript; the errors are mostly between phones that
    look alike (see the report in tests/speech/test_phonemes.py). Silence, breath and noise come out as SIL.
    """
    pcm, duration_s = _to_model_pcm(samples, sample_rate_hz)
    if duration_s == 0.0:
        return _timeline([], 0.0, "recognition")
    pcm16 = np.frombuffer(pcm, dtype="<i2")
    segments, _ = _phone_loop(pcm16, frames_per_s=_FRAMES_PER_S)
    missed = _missed_fraction(segments, pcm16)
    if missed > _MAX_MISSED:
        # Very fast speech (phones under 30 ms) does not fit 3-state phone models at 10 ms frames; the decoder
        # then calls much of it silence. 5 ms frames fit it, at some cost in accuracy on ordinary speech.
        fast, _ = _phone_loop(pcm16, frames_per_s=2 * _FRAMES_PER_S)
        log.debug(
            "%.0f %% of loud audio recognised as silence; 5 ms frames miss %.0f %%",
            100 * missed,
            100 * _missed_fraction(fast, pcm16),
        )
        if _missed_fraction(fast, pcm16) < missed:
            segments = fast
    return _timeline(_gate_quiet(segments, pcm16), duration_s, "recognition")


# --- transcripts ---------------------------------------------------------------------------------------

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number_words(n: int) -> str:
    """English cardinal for 0 <= n < 10**9 (digits read one by one beyond that)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _number_words(rest))
    for size, name in ((10**6, "million"), (1000, "thousand")):
        if n >= size:
            if n >= 1000 * size:
                break
            rest = n % size
            return _number_words(n // size) + " " + name + ("" if rest == 0 else " " + _number_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def normalise_text(text: str) -> list[str]:
    """Lowercase words of a transcript: numbers spelt out, punctuation dropped, inner apostrophes kept."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"\d+", lambda m: " " + _number_words(int(m.group())) + " ", text)
    text = re.sub(r"&", " and ", text)
    words = []
    for token in re.split(r"[^\w']+", text):
        token = token.strip("'_")
        if token and re.search(r"[^\W\d_]", token):
            words.append(token)
    return words


# espeak-ng's ASCII phoneme names (en-us voice, `espeak-ng -x`) -> ARPAbet. From the espeak-ng phoneme tables
# (docs/phonemes.md); r-coloured vowels get an R since the CMU dictionary is rhotic.
_ESPEAK_TO_ARPABET: dict[str, tuple[str, ...]] = {
    "a": ("AE",), "aa": ("AE",), "a#": ("AH",), "a2": ("AH",), "A:": ("AA",), "A": ("AA",), "0": ("AA",),
    "A@": ("AA", "R"), "O:": ("AO",), "O": ("AO",), "O@": ("AO", "R"), "o@": ("AO", "R"), "V": ("AH",),
    "@": ("AH",), "@2": ("AH",), "@5": ("AH",), "@L": ("AH", "L"), "3": ("ER",), "3:": ("ER",),
    "E": ("EH",), "e": ("EH",), "e@": ("EH", "R"), "I": ("IH",), "I#": ("IH",), "I2": ("IH",), "i": ("IY",),
    "i:": ("IY",), "i@": ("IH", "R"), "i@3": ("IH", "R"), "U": ("UH",), "U@": ("UH", "R"), "u:": ("UW",),
    "u": ("UW",), "aI": ("AY",), "aI@": ("AY", "ER"), "aI3": ("AY", "ER"), "aU": ("AW",), "aU@": ("AW", "ER"),
    "eI": ("EY",), "oU": ("OW",), "o": ("OW",), "OI": ("OY",),
    "p": ("P",), "b": ("B",), "t": ("T",), "t#": ("T",), "d": ("D",), "k": ("K",), "g": ("G",),
    "?": ("T",), "f": ("F",), "v": ("V",), "T": ("TH",), "D": ("DH",), "s": ("S",), "z": ("Z",),
    "S": ("SH",), "Z": ("ZH",), "h": ("HH",), "x": ("HH",), "m": ("M",), "n": ("N",), "n-": ("N",),
    "N": ("NG",), "l": ("L",), "l/": ("L",), "r": ("R",), "r-": ("R",), "w": ("W",), "j": ("Y",),
    "tS": ("CH",), "dZ": ("JH",), "ts": ("T", "S"), "dz": ("D", "Z"), "C": ("HH",), "R": ("R",),
}  # fmt: skip


def espeak_pronunciation(word: str) -> tuple[str, ...]:
    """ARPAbet pronunciation of any word, spelt by espeak-ng's letter-to-sound rules; () if espeak-ng is absent."""
    exe = shutil.which("espeak-ng")
    if exe is None or not re.fullmatch(r"[\w']+", word):
        return ()
    try:
        out = subprocess.run(
            [exe, "-v", "en-us", "-q", "-x", "--sep=_", word],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    phones: list[str] = []
    for token in re.split(r"[_\s]+", out):
        token = token.strip("',%=")
        if not token:
            continue
        mapped = _ESPEAK_TO_ARPABET.get(token)
        if mapped is None:
            # Variants carry a trailing marker (e.g. "I2", "r-", "t#"); fall back to the name without it.
            mapped = _ESPEAK_TO_ARPABET.get(token.rstrip("#-/0123456789"), ())
            if not mapped:
                log.debug("espeak-ng phoneme %r of %r has no ARPAbet equivalent; dropped", token, word)
        phones.extend(mapped)
    return tuple(phones)


def _force_align(
    decoder: object, pcm: bytes, text: str, *, frames_per_s: int
) -> tuple[list[tuple[str, float, float]], float] | None:
    """Forced alignment of `text`: (phone, start_s, end_s) segments and total score, or None when it fails."""
    frame_s = 1.0 / frames_per_s
    try:
        decoder.set_align_text(text)
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            return None
        decoder.set_alignment()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        alignment = decoder.get_alignment()
    except (RuntimeError, ValueError):
        return None
    if alignment is None:
        return None
    spoken = [word for word in alignment if not word.name.startswith(("<", "[", "+"))]
    if len(spoken) != len(text.split()):
        return None  # the search lost words (pruned away): not an alignment of this text
    segments = []
    score = 0.0
    for word in alignment:
        for phone in word:
            start = phone.start * frame_s
            segments.append((_normalise_phone(phone.name), start, start + phone.duration * frame_s))
            score += phone.score
    return segments, score


def align(samples: np.ndarray, *, sample_rate_hz: int, text: str) -> PhoneTimeline:
    """Phones of the transcript `text`, timed against the speech by forced alignment (pocketsphinx).

    Words missing from the CMU dictionary get an espeak-ng pronunciation. Speech too fast for 10 ms frames
    (every phone needs 3 frames) is aligned again with shorter frames. Raises AlignmentError when the text has no
    words, a word cannot be pronounced, or the text does not fit the speech: the alignment cannot be made or
    explains the audio much worse than free phone recognition does.
    """
    from pocketsphinx import Decoder

    words = normalise_text(text)
    if not words:
        raise AlignmentError(
            "the transcript has no words to align — give the text that is spoken in the audio"
        )
    pcm, duration_s = _to_model_pcm(samples, sample_rate_hz)
    if duration_s < 0.1:
        raise AlignmentError(f"the audio is too short ({duration_s:.2f} s) to align a transcript to")
    # Lead-in and tail silence: the aligner starts and ends in a silence model and loses words without one.
    pad = np.zeros(int(_ALIGN_PAD_S * MODEL_SAMPLE_RATE_HZ), dtype="<i2")
    pcm16 = np.concatenate([pad, np.frombuffer(pcm, dtype="<i2"), pad])
    pcm = pcm16.tobytes()
    result = None
    # 5 and 3.3 ms frames fit speech too fast for 3-state phone models at 10 ms (every phone lasts >= 3 frames).
    for frames_per_s in (_FRAMES_PER_S, 2 * _FRAMES_PER_S, 3 * _FRAMES_PER_S):
        decoder = Decoder(samprate=MODEL_SAMPLE_RATE_HZ, frate=frames_per_s, loglevel="FATAL")
        for word in sorted(set(words)):
            if decoder.lookup_word(word) is not None:
                continue
            pron = espeak_pronunciation(word)
            if not pron:
                raise AlignmentError(f"cannot pronounce the word '{word}' in the transcript — spell it out")
            log.info(
                "'%s' is not in the CMU dictionary; using espeak-ng's pronunciation %s", word, " ".join(pron)
            )
            decoder.add_word(word, " ".join(pron), True)
        result = _force_align(decoder, pcm, " ".join(words), frames_per_s=frames_per_s)
        if result is not None:
            break
    if result is None or not any(p != SILENCE for p, _, _ in result[0]):
        raise AlignmentError(
            "the transcript does not fit the audio — check that it is the text actually spoken"
        )
    segments, score = result
    _, loop_score = _phone_loop(pcm16, frames_per_s=frames_per_s)
    n_frames = max(len(pcm16) / MODEL_SAMPLE_RATE_HZ * frames_per_s, 1.0)
    misfit = (loop_score - score) / n_frames
    log.debug("alignment misfit %.1f per frame (%d frames/s)", misfit, frames_per_s)
    if misfit > _MAX_MISFIT_PER_FRAME:
        raise AlignmentError(
            "the transcript does not match the speech (it explains the audio far worse than free recognition) "
            "— check that it is the text actually spoken"
        )
    segments = [(p, a - _ALIGN_PAD_S, b - _ALIGN_PAD_S) for p, a, b in segments]
    return _timeline(segments, duration_s, "alignment")
