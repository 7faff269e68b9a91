"""Word recognition: the language check's posteriors, and p/b/m that phone recognition misses put back.

Measured on the five pocketsphinx-testdata LibriVox clips (29 aligned p/b/m): phone recognition alone has a
p/b/m overlapping 25 of them; with the words' bilabials added, 28 (benchmarks/lipsync.py has the rendered view).
"""

from __future__ import annotations

import difflib
import os
import signal

import numpy as np
import pytest

from dirfa.speech.phonemes import PhoneTimeline, align, recognize
from dirfa.speech.words import BILABIALS, Words, add_bilabials, recognize_words, start_recognition

RATE_HZ = 16000


def bilabial_spans(timeline: PhoneTimeline) -> list[tuple[float, float]]:
    return [(a, b) for p, a, b in zip(timeline.phones, timeline.start_s, timeline.end_s) if p in BILABIALS]


def found(truth: PhoneTimeline, guess: PhoneTimeline, slack_s: float = 0.03) -> int:
    spans = bilabial_spans(guess)
    return sum(any(a < e + slack_s and b > s - slack_s for a, b in spans) for s, e in bilabial_spans(truth))


def check_contiguous(timeline: PhoneTimeline, duration_s: float) -> None:
    assert timeline.start_s[0] == 0.0 and timeline.end_s[-1] == pytest.approx(duration_s)
    np.testing.assert_allclose(timeline.end_s[:-1], timeline.start_s[1:])
    assert np.all(timeline.end_s > timeline.start_s)


def test_words_recover_bilabials_that_phone_recognition_misses(librivox):
    before = after = total = 0
    for samples, text in librivox.values():
        truth = align(samples, sample_rate_hz=RATE_HZ, text=text)
        phones = recognize(samples, sample_rate_hz=RATE_HZ)
        heard = recognize_words(samples, sample_rate_hz=RATE_HZ)
        merged = add_bilabials(phones, heard)
        check_contiguous(merged, samples.size / RATE_HZ)
        total += len(bilabial_spans(truth))
        before += found(truth, phones)
        after += found(truth, merged)
        # Bilabials are added, never vowels taken away: every vowel heard is still there, barely shortened.
        vowel_s = sum(
            b - a for p, a, b in zip(phones.phones, phones.start_s, phones.end_s) if p[0] in "AEIOU"
        )
        kept_s = sum(b - a for p, a, b in zip(merged.phones, merged.start_s, merged.end_s) if p[0] in "AEIOU")
        assert kept_s >= 0.85 * vowel_s
        # No closure is added in the middle of a long vowel that was said (a false closure a viewer would see).
        added = [span for span in bilabial_spans(merged) if span not in bilabial_spans(phones)]
        for p, a, b in zip(truth.phones, truth.start_s, truth.end_s):
            if p[0] in "AEIOU" and b - a >= 0.08:
                assert not any(lo < 0.5 * (a + b) < hi for lo, hi in added), (p, a)
    assert total == 29
    assert after >= before + 2 and after >= 27


def test_fast_settings_after_the_checked_seconds(librivox):
    # "had he married a more a amiable woman he might have been made still more respectable ..."
    samples, _ = librivox["sense_and_sensibility_01_austen_64kb-0920"]
    fast = recognize_words(samples, sample_rate_hz=RATE_HZ)
    checked = recognize_words(samples, sample_rate_hz=RATE_HZ, posteriors_s=10.0)
    assert np.all(fast.prob == 1.0)  # no posteriors without the lattice search
    assert 0.5 < checked.confidence(until_s=10.0) <= 1.0
    for heard in (fast, checked):
        assert {"amiable", "might", "made"} <= set(heard.words)
        assert all(BILABIALS & set(p) for w, p in zip(heard.words, heard.pronunciations) if w == "made")
        assert np.all(np.diff(heard.start_s) >= 0) and np.all(heard.end_s > heard.start_s)


def test_substitute_insert_and_never_replace_vowels():
    phones = PhoneTimeline(
        ("SIL", "W", "AH", "CH", "AA", "SIL"),
        np.array([0.0, 0.2, 0.3, 0.4, 0.5, 0.8]),
        np.array([0.2, 0.3, 0.4, 0.5, 0.8, 1.0]),
        "recognition",
    )
    # "much": the w heard becomes m, times kept.
    much = Words(("much",), np.array([0.2]), np.array([0.5]), np.ones(1), (("M", "AH", "CH"),), 1.0)
    merged = add_bilabials(phones, much)
    assert merged.phones == ("SIL", "M", "AH", "CH", "AA", "SIL")
    np.testing.assert_allclose(merged.start_s, phones.start_s)
    # "ma" over a stretch heard as a vowel only: a short closure goes in front of the vowel, which stays.
    ma = Words(("ma",), np.array([0.5]), np.array([0.8]), np.ones(1), (("M", "AA"),), 1.0)
    merged = add_bilabials(phones, ma)
    k = merged.phones.index("M")
    assert merged.phones[k + 1] == "AA" and merged.start_s[k] == pytest.approx(0.5)
    assert 0.03 <= merged.end_s[k] - merged.start_s[k] <= 0.06
    check_contiguous(merged, 1.0)
    # Words without p/b/m, or no words at all, change nothing.
    chat = Words(("chat",), np.array([0.2]), np.array([0.5]), np.ones(1), (("CH", "AE", "T"),), 1.0)
    empty = Words((), np.zeros(0), np.zeros(0), np.zeros(0), (), 1.0)
    for words in (chat, empty):
        same = add_bilabials(phones, words)
        assert same.phones == phones.phones and np.array_equal(same.start_s, phones.start_s)


# --- decoding beside the rest of the analysis ------------------------------------------------------------


@pytest.fixture(scope="module")
def half_minute(librivox) -> np.ndarray:
    """The five clips and the first two again, back to back: ~34 s of read English."""
    clips = [samples for samples, _ in librivox.values()]
    return np.concatenate(clips + clips[:2])


@pytest.fixture(scope="module")
def half_minute_words(half_minute) -> Words:
    return recognize_words(half_minute, sample_rate_hz=RATE_HZ)


def similar(a: Words, b: Words) -> float:
    return difflib.SequenceMatcher(None, a.words, b.words).ratio()


def test_long_clips_are_decoded_in_two_processes_with_the_same_words(half_minute, half_minute_words):
    alone = half_minute_words
    job = start_recognition(half_minute, sample_rate_hz=RATE_HZ)
    assert job.in_two_processes
    both = job.result()
    assert not job.in_two_processes  # the second process is gone
    assert both.decoded_s == pytest.approx(alone.decoded_s, abs=0.01)
    assert np.all(np.diff(both.start_s) >= 0) and np.all(both.end_s > both.start_s)
    # The cut falls in a pause; the decoder's pieces differ, so a few words may too.
    assert similar(alone, both) > 0.9, (alone.words, both.words)
    for word in ("much", "amiable", "respectable"):
        assert word in both.words


def test_a_lost_second_process_is_made_up_for_here(half_minute, half_minute_words):
    job = start_recognition(half_minute, sample_rate_hz=RATE_HZ)
    assert job.in_two_processes
    os.kill(job._process.pid, signal.SIGKILL)
    words = job.result()
    assert words.decoded_s == pytest.approx(half_minute.size / RATE_HZ, abs=0.01)
    assert similar(words, half_minute_words) > 0.9


def test_short_clips_are_decoded_in_this_process(librivox):
    samples, _ = next(iter(librivox.values()))
    job = start_recognition(samples, sample_rate_hz=RATE_HZ, posteriors_s=10.0)
    assert not job.in_two_processes
    assert job.result().words == recognize_words(samples, sample_rate_hz=RATE_HZ, posteriors_s=10.0).words
