"""Phone recognition and forced alignment on real read English and espeak-ng speech.

Measured on the five pocketsphinx-testdata LibriVox clips (29 s): recognition agrees with the alignment to
the transcript on 60 % of speech time by phone and 69 % by viseme class, at ~0.05 x real time.
"""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.errors import DirfaError
from dirfa.speech.phonemes import (
    ARPABET,
    SILENCE,
    AlignmentError,
    PhoneTimeline,
    align,
    espeak_pronunciation,
    normalise_text,
    recognize,
)
from dirfa.speech.visemes import PHONE_TO_VISEME

RATE_HZ = 16000


def assert_covers(timeline: PhoneTimeline, duration_s: float) -> None:
    assert len(timeline.phones) > 0
    assert timeline.start_s[0] == 0.0
    assert timeline.end_s[-1] == pytest.approx(duration_s, abs=1e-6)
    np.testing.assert_allclose(timeline.end_s[:-1], timeline.start_s[1:])
    assert np.all(timeline.end_s > timeline.start_s)
    assert set(timeline.phones) <= set(ARPABET) | {SILENCE}


def labels(timeline: PhoneTimeline, step_s: float = 0.01) -> np.ndarray:
    t = np.arange(0.0, timeline.duration_s, step_s) + step_s / 2
    k = np.clip(np.searchsorted(timeline.end_s, t, side="right"), 0, len(timeline.phones) - 1)
    return np.array([timeline.phones[i] for i in k])


def test_recognize_librivox_gives_plausible_phones(librivox):
    samples, _ = librivox["sense_and_sensibility_01_austen_64kb-0880"]
    timeline = recognize(samples, sample_rate_hz=RATE_HZ)
    assert timeline.method == "recognition"
    assert_covers(timeline, samples.size / RATE_HZ)
    speech = [p for p in timeline.phones if p != SILENCE]
    # 3 s of read speech: ~10-14 phones per second of speech, and both vowels and consonants.
    assert 20 <= len(speech) <= 45
    assert any(p in ("AA", "AE", "AH", "EH", "IH", "IY") for p in speech)
    assert timeline.phones[0] == SILENCE  # the clip starts with a quarter second of silence


def test_recognition_agrees_with_alignment(librivox):
    phone_agree, viseme_agree = [], []
    for samples, text in librivox.values():
        truth = labels(align(samples, sample_rate_hz=RATE_HZ, text=text))
        guess = labels(recognize(samples, sample_rate_hz=RATE_HZ))
        n = min(truth.size, guess.size)
        truth, guess = truth[:n], guess[:n]
        speech = truth != SILENCE
        phone_agree.append(np.mean(truth[speech] == guess[speech]))
        to_viseme = np.vectorize(PHONE_TO_VISEME.get)
        viseme_agree.append(np.mean(to_viseme(truth[speech]) == to_viseme(guess[speech])))
    assert np.mean(phone_agree) > 0.5
    assert np.mean(viseme_agree) > 0.6


def test_align_finds_known_words(librivox):
    # "he was not an ill disposed young man"
    samples, text = librivox["sense_and_sensibility_01_austen_64kb-0880"]
    timeline = align(samples, sample_rate_hz=RATE_HZ, text=text)
    assert timeline.method == "alignment"
    assert_covers(timeline, samples.size / RATE_HZ)
    words = [p for p in timeline.phones if p != SILENCE]
    assert words[-3:] == ["M", "AE", "N"]
    assert words[:2] == ["HH", "IY"]
    man = len(timeline.phones) - 1 - timeline.phones[::-1].index("M")
    # "man" is the last word: it ends in the last 0.4 s, after a quarter-second lead-in.
    assert 2.0 < timeline.start_s[man] < samples.size / RATE_HZ - 0.1


def test_out_of_dictionary_word_gets_a_pronunciation(espeak):
    assert espeak_pronunciation("dashwoodish")[:3] == ("D", "AE", "SH")
    assert set(espeak_pronunciation("blorfington")) <= set(ARPABET)
    samples = espeak("the blorfington arrived")
    timeline = align(samples, sample_rate_hz=RATE_HZ, text="The Blorfington arrived!")
    speech = [p for p in timeline.phones if p != SILENCE]
    assert speech[:3] == ["DH", "AH", "B"] and "L" in speech and "F" in speech


def test_fast_speech_aligns_with_short_frames(espeak):
    # 300 words per minute: phones under 30 ms, too short for 3-state models at 10 ms frames.
    text = "papa bought a big map and a bamboo mop"
    samples = espeak(text, words_per_min=300)
    timeline = align(samples, sample_rate_hz=RATE_HZ, text=text)
    assert [p for p in timeline.phones if p != SILENCE][:4] == ["P", "AA", "P", "AH"]
    assert timeline.phones.count("B") + timeline.phones.count("P") + timeline.phones.count("M") == 11


@pytest.mark.parametrize("text", ["", "   ", "!!! ??? ...", "-- 'quoted' --"[:2]])
def test_align_without_words_raises(librivox, text):
    samples, _ = librivox["sense_and_sensibility_01_austen_64kb-0880"]
    with pytest.raises(AlignmentError):
        align(samples, sample_rate_hz=RATE_HZ, text=text)


def test_align_with_the_wrong_transcript_raises(librivox):
    samples, _ = librivox["sense_and_sensibility_01_austen_64kb-0880"]
    _, other = librivox["sense_and_sensibility_01_austen_64kb-0930"]
    for text in (other, "bananas", "he was"):
        with pytest.raises(AlignmentError) as info:
            align(samples, sample_rate_hz=RATE_HZ, text=text)
        assert isinstance(info.value, DirfaError)


def test_silence_is_all_silence():
    for samples in (np.zeros(2 * RATE_HZ), np.random.default_rng(0).normal(0.0, 1e-4, 2 * RATE_HZ)):
        timeline = recognize(samples, sample_rate_hz=RATE_HZ)
        assert set(timeline.phones) == {SILENCE}
        assert_covers(timeline, 2.0)
    with pytest.raises(AlignmentError):
        align(np.zeros(2 * RATE_HZ), sample_rate_hz=RATE_HZ, text="hello world")


def test_empty_and_resampled_audio(librivox):
    empty = recognize(np.zeros(0), sample_rate_hz=RATE_HZ)
    assert empty.duration_s == 0.0
    samples, _ = librivox["sense_and_sensibility_01_austen_64kb-0880"]
    from scipy.signal import resample_poly

    at_48k = resample_poly(samples, 3, 1)
    timeline = recognize(at_48k, sample_rate_hz=48000)
    assert_covers(timeline, at_48k.size / 48000)
    assert sum(p != SILENCE for p in timeline.phones) >= 20


def test_normalise_text():
    assert normalise_text("It's 42 o'clock, Mr. Smith & co.") == [
        "it's", "forty", "two", "o'clock", "mr", "smith", "and", "co",
    ]  # fmt: skip
    assert normalise_text("1900") == ["one", "thousand", "nine", "hundred"]
    assert normalise_text("?!") == []
