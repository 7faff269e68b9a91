"""The language-independent mouth path, and the English-or-not check that chooses between the two paths.

english_confidence per clip and degradation, for the model speech.language ships, is in benchmarks/RESULTS.md
("English detection"; benchmarks/language.py prints it). tests/speech/test_language.py has the check on degraded English.
"""

from __future__ import annotations

import numpy as np

from dirfa.speech.acoustic import acoustic_curves, english_confidence
from dirfa.speech.coarticulation import MOUTH_TRACKS
from dirfa.speech.phonemes import recognize
from dirfa.speech.prosody import analyze

RATE_HZ = 16000
FPS = 25.0


def run(samples: np.ndarray):
    n = int(np.ceil(samples.size / RATE_HZ * FPS))
    prosody = analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
    curves = acoustic_curves(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n, prosody=prosody)
    for name in MOUTH_TRACKS:
        assert curves[name].shape == (n,) and curves[name].dtype == np.float32
        assert np.all(np.isfinite(curves[name])) and curves[name].min() >= 0 and curves[name].max() <= 1
    return prosody, curves


def test_japanese_opens_on_vowels_and_narrows_in_gaps(espeak):
    pause = np.zeros(int(0.6 * RATE_HZ))
    samples = np.concatenate(
        [pause, espeak("あなたはがくせいです", voice="ja"), pause, espeak("ありがとう", voice="ja"), pause]
    )
    prosody, curves = run(samples)
    jaw = curves["jawOpen"]
    assert prosody.speech.mean() > 0.3
    # Vowels open the mouth visibly, and it moves (opens and narrows) rather than holding one shape...
    assert np.percentile(jaw[prosody.speech], 90) > 0.3
    assert np.percentile(jaw[prosody.speech], 90) - np.percentile(jaw[prosody.speech], 10) > 0.15
    # ...but "anata wa gakusei desu, arigatou" has no p, b or m: its t, k, s, d, g keep the lips apart.
    assert curves["mouthClose"].max() < 0.3
    # Pauses rest: the middle of each 0.6 s pause is closed.
    for t in (0.3, (samples.size / RATE_HZ) - 0.3):
        assert all(curves[name][int(t * FPS)] == 0 for name in MOUTH_TRACKS)


def test_rounded_and_spread_vowels(espeak):
    # Sustained "ee" then "oo": spread then rounded.
    ee = espeak("eeeeeeee", voice="en-us")
    oo = espeak("oooooooo", voice="en-us")
    _, curves_ee = run(ee)
    _, curves_oo = run(oo)
    assert curves_ee["mouthStretchLeft"].max() > curves_oo["mouthStretchLeft"].max() + 0.1
    assert (
        curves_oo["mouthPucker"].max() + curves_oo["mouthFunnel"].max() > curves_ee["mouthPucker"].max() + 0.2
    )


def test_silence_is_rest():
    for samples in (np.zeros(2 * RATE_HZ), np.random.default_rng(2).normal(0, 0.005, 2 * RATE_HZ)):
        _, curves = run(samples)
        assert all(np.all(curves[name] == 0) for name in MOUTH_TRACKS)


def test_english_confidence_tells_read_english_from_other_speech(librivox, espeak):
    english = []
    for samples, _ in librivox.values():
        n = int(samples.size / RATE_HZ * FPS)
        prosody = analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
        english.append(
            english_confidence(recognize(samples, sample_rate_hz=RATE_HZ), prosody, samples=samples)
        )
    assert min(english) >= 0.5
    japanese = espeak("こんにちは、今日はいい天気ですね。私は学生です。", voice="ja")
    prosody = analyze(japanese, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=int(japanese.size / RATE_HZ * FPS))
    timeline = recognize(japanese, sample_rate_hz=RATE_HZ)
    assert english_confidence(timeline, prosody, samples=japanese) < 0.3


def test_english_confidence_flags_singing():
    # A sung-like line: three 0.9 s sustained vowels with vibrato, each a harmonic voice.
    t = np.arange(int(0.9 * RATE_HZ)) / RATE_HZ
    notes = []
    for f0 in (220.0, 247.0, 262.0):
        phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * t))) / RATE_HZ
        notes += [0.1 * sum(np.sin(k * phase) / k for k in range(1, 12)), np.zeros(RATE_HZ // 10)]
    samples = np.concatenate(notes)
    prosody = analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=int(samples.size / RATE_HZ * FPS))
    assert english_confidence(recognize(samples, sample_rate_hz=RATE_HZ), prosody) < 0.4
    silent = np.zeros(RATE_HZ)
    silent_prosody = analyze(silent, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=25)
    assert english_confidence(recognize(silent, sample_rate_hz=RATE_HZ), silent_prosody) == 0.0


def _sung_vowel(f0_hz: float, duration_s: float, formants_hz=(700.0, 1200.0, 2600.0)) -> np.ndarray:
    """A held open vowel at a singing pitch: a glottal pulse train through three formant resonators."""
    from scipy.signal import lfilter

    n = int(duration_s * RATE_HZ)
    source = np.zeros(n)
    source[(np.arange(0, duration_s, 1.0 / f0_hz) * RATE_HZ).astype(int)] = 1.0
    out = source
    for f, bw in zip(formants_hz, (90.0, 110.0, 160.0)):
        r = np.exp(-np.pi * bw / RATE_HZ)
        out = lfilter([1.0 - r], [1.0, -2 * r * np.cos(2 * np.pi * f / RATE_HZ), r * r], out)
    fade = np.minimum(1.0, np.minimum(np.arange(n), n - np.arange(n)) / (0.03 * RATE_HZ))
    return 0.3 * out / np.abs(out).max() * fade


def test_held_sung_notes_open_the_jaw_wide():
    """A singer holding "oh" on a high note: the jaw stays well open (not a murmur), then rests after."""
    pause = np.zeros(int(0.5 * RATE_HZ))
    oh = (500.0, 1000.0, 2600.0)  # a mid vowel: its F1 alone would open the jaw only a little
    samples = np.concatenate([pause, _sung_vowel(440.0, 1.2, oh), pause, _sung_vowel(330.0, 1.2, oh), pause])
    prosody, curves = run(samples)
    jaw = curves["jawOpen"]
    for start_s in (0.5, 2.2):
        held = jaw[int((start_s + 0.4) * FPS) : int((start_s + 1.0) * FPS)]
        assert held.min() > 0.35, held
    # The pause between the notes rests (the next note's opening starts ~0.25 s before it: a pre-phonatory
    # opening, speech.acoustic._ONSET_RISE_S).
    assert jaw[int(1.8 * FPS) : int(2.0 * FPS)].min() < 0.05


def test_the_jaw_never_snaps_between_sung_notes():
    """Notes joined by short breaks: the mouth narrows in each break (a silence says nothing of the lips
    meeting, so they stay apart) and the jaw reopens over a few frames (no chin snapping down in a single
    frame), still reaching each note's held opening."""
    aa = (750.0, 1200.0, 2600.0)
    gap = np.zeros(int(0.12 * RATE_HZ))
    notes = [_sung_vowel(f, 0.6, aa) for f in (262.0, 330.0, 392.0, 330.0)]
    samples = np.concatenate([np.zeros(int(0.4 * RATE_HZ))] + [x for n in notes for x in (n, gap)])
    _, curves = run(samples)
    jaw = curves["jawOpen"]
    aperture = jaw * (1 - curves["mouthClose"])
    assert jaw.max() > 0.5
    for k in range(1, 4):  # the breaks between the notes, shown ahead of the sound by up to ~0.1 s
        end_s = 0.4 + k * 0.6 + (k - 1) * 0.12
        assert aperture[int((end_s - 0.1) * FPS) : int((end_s + 0.16) * FPS)].min() < 0.5 * jaw.max()
    assert np.abs(np.diff(jaw)).max() < 0.32, np.diff(jaw).round(2)


def _closed_runs(closed: np.ndarray) -> np.ndarray:
    edges = np.diff(np.concatenate([[0], closed.astype(np.int8), [0]]))
    return np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0]


def test_voiced_speech_in_other_languages_keeps_the_mouth_open(espeak):
    """German, Mandarin and Russian read by espeak-ng: wherever the voice sounds the jaw is visibly open
    (jawOpen 0.2 parts the lips on every portrait), bar the frame either side of a stop's closure."""
    sentences = {
        "de": "Guten Morgen, wie geht es Ihnen heute? Ich habe ein neues Buch gelesen.",
        "cmn": "今天天气很好，我们一起去公园散步吧。",
        "ru": "Здравствуйте, как у вас дела сегодня? Я люблю читать книги.",
    }
    for voice, text in sentences.items():
        prosody, curves = run(espeak(text, voice=voice))
        voiced = prosody.voiced & prosody.speech
        closed = (curves["jawOpen"] < 0.2) | (curves["mouthClose"] > 0.3)
        assert voiced.sum() > 30, voice
        assert closed[voiced].mean() < 0.25, (voice, closed[voiced].mean())
        assert _closed_runs(closed & voiced).max(initial=0) <= 2, voice
        # ...and it still narrows at the consonants inside the phrases (the lips meet only at p, b, m:
        # test_acoustic_places.py).
        aperture = curves["jawOpen"] * (1 - curves["mouthClose"])
        assert aperture[prosody.speech & ~prosody.voiced].mean() < aperture[voiced].mean(), voice
