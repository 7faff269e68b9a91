"""Lip closures where the sound says the lips can be shut: recognised p/b/m moved into their quiet stretch.

Speech stage, between recognition (phonemes.recognize + words.add_bilabials) and coarticulation:
PhoneTimeline + samples -> PhoneTimeline. Pushed audio (live.analysis) runs it on each update's window, the
reference then being what has been heard so far.

With the lips shut the sound radiates through the nose at most (m) or not at all (p, b): the band where
vowels put their second and third formants loses most of its energy. Measured (benchmarks: 1-4 kHz level
over 25 ms every 10 ms, against its loudest within 150 ms): every p/b/m of a forced alignment of the five
pocketsphinx-testdata LibriVox clips (29) has a stretch 23-38 dB down; the recognised ones that shut the
lips on loud speech in the reviewers' clips (a nasal heard in "and", English words decoded from French)
lie 2-10 dB down, and true closures heard a frame or two early take in the loud end of the vowel before.
"""

from __future__ import annotations

import numpy as np

from dirfa.speech.phonemes import PhoneTimeline
from dirfa.speech.prosody import level_hops_db, zero_phase_band_pass

BILABIALS = frozenset({"P", "B", "M"})
BAND_HZ = (1000.0, 4000.0)  # above a nasal murmur's first formant, over the vowels' F2/F3
HOP_S = 0.01  # prosody.level_hops_db's hop
CONTEXT_S = 0.15  # the loudest sound this far either side is the reference (the neighbouring vowels)
# A 10 ms hop this far below the reference can be part of a closure (true ones reach 23 dB, see above).
SHUT_DB = 15.0
# A p/b/m with no hop this far down is not a closure: it is given to its neighbours.
DROP_DB = 10.0


def _span(phones: list[list], k: int) -> None:
    """Give phone k's time to its neighbours (the earlier one when both are there) and remove it."""
    _, start, end = phones[k]
    if k > 0:
        phones[k - 1][2] = end
    elif k + 1 < len(phones):
        phones[k + 1][1] = start
    else:
        return
    del phones[k]


def closures_in_quiet(timeline: PhoneTimeline, samples: np.ndarray, *, sample_rate_hz: int) -> PhoneTimeline:
    """`timeline` with each p/b/m shortened to its hops SHUT_DB below the band's reference (the rest of its
    time going to the phones before and after), or removed when no hop is DROP_DB down."""
    n = int(np.ceil(len(samples) / (HOP_S * sample_rate_hz)))
    if not n or not BILABIALS.intersection(timeline.phones):
        return timeline
    band = zero_phase_band_pass(np.asarray(samples, np.float32), sample_rate_hz, *BAND_HZ)
    level_db = level_hops_db(band, sample_rate_hz, n)
    context = int(round(CONTEXT_S / HOP_S))
    phones = [[p, float(a), float(b)] for p, a, b in zip(timeline.phones, timeline.start_s, timeline.end_s)]
    k = 0
    while k < len(phones):
        phone, start, end = phones[k]
        if phone not in BILABIALS:
            k += 1
            continue
        lo = min(int(round(start / HOP_S)), n - 1)
        hi = min(max(int(round(end / HOP_S)), lo + 1), n)
        reference = level_db[max(lo - context, 0) : hi + context].max()
        drop = level_db[lo:hi] - reference
        shut = np.nonzero(drop <= -SHUT_DB)[0]
        if shut.size:
            # Hop j's window is centred on j * HOP_S: the closure covers the shut hops' half-hops.
            new_start = max(start, (lo + shut[0] - 0.5) * HOP_S)
            new_end = min(end, (lo + shut[-1] + 0.5) * HOP_S)
            if new_start > start and k > 0:
                phones[k - 1][2] = phones[k][1] = new_start
            if new_end < end and k + 1 < len(phones):
                phones[k + 1][1] = phones[k][2] = new_end
            k += 1
        elif drop.min() > -DROP_DB:
            _span(phones, k)
        else:
            k += 1
    return PhoneTimeline(
        tuple(p for p, _, _ in phones),
        np.array([a for _, a, _ in phones]),
        np.array([b for _, _, b in phones]),
        timeline.method,
    )
