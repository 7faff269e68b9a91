"""Level, loudness, pitch, voicing and voice activity per video frame, on real and synthetic sound."""

from __future__ import annotations

import numpy as np

from dirfa.speech.prosody import analyze

RATE_HZ = 16000


def test_librivox_pitch_and_voice_activity(librivox):
    for samples, _ in librivox.values():
        n = int(samples.size / RATE_HZ * 25)
        p = analyze(samples, sample_rate_hz=RATE_HZ, fps=25.0, n_frames=n)
        for array in (p.energy_db, p.loudness, p.f0_hz, p.voiced, p.speech):
            assert array.shape == (n,)
        assert p.voiced.sum() > 0.2 * n
        assert np.all((p.f0_hz[p.voiced] >= 70) & (p.f0_hz[p.voiced] <= 400))
        assert np.all(p.f0_hz[~p.voiced] == 0)
        assert np.all(p.speech[p.voiced])
        # The reader is a man: median pitch 75-160 Hz.
        assert 75 <= np.median(p.f0_hz[p.voiced]) <= 160
        assert 0.4 < p.speech.mean() < 0.98
        assert np.all((p.loudness >= 0) & (p.loudness <= 1)) and np.all(p.loudness[~p.speech] == 0)
        assert p.loudness[p.speech].max() > 0.9
        # Each clip starts with a pause of at least 0.15 s.
        assert not p.speech[:3].any()


def test_silence_and_noise_are_not_speech():
    rng = np.random.default_rng(1)
    for samples in (np.zeros(RATE_HZ * 2), rng.normal(0, 0.01, RATE_HZ * 2)):
        p = analyze(samples, sample_rate_hz=RATE_HZ, fps=30.0, n_frames=60)
        assert not p.speech.any() and not p.voiced.any()
        assert np.all(p.f0_hz == 0) and np.all(p.loudness == 0)
    p = analyze(np.zeros(RATE_HZ), sample_rate_hz=RATE_HZ, fps=25.0, n_frames=25)
    assert np.all(p.energy_db <= -99)


def test_synthetic_voice_pitch_and_level():
    t = np.arange(int(1.5 * RATE_HZ)) / RATE_HZ
    f0 = 180.0
    voice = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8))
    samples = np.concatenate([np.zeros(RATE_HZ // 2), 0.1 * voice, np.zeros(RATE_HZ // 2)])
    p = analyze(samples, sample_rate_hz=RATE_HZ, fps=25.0, n_frames=62)
    middle = slice(20, 45)
    assert p.voiced[middle].all() and p.speech[middle].all()
    np.testing.assert_allclose(p.f0_hz[middle], f0, rtol=0.02)
    assert not p.speech[:10].any() and not p.speech[-8:].any()
    assert -30 < float(np.median(p.energy_db[middle])) < -10


def test_female_espeak_voice_and_video_length(espeak):
    samples = espeak("How are you today? I am fine, thank you.", voice="en-us+f3")
    n = int(samples.size / RATE_HZ * 60) + 30  # video longer than the audio: the tail is silence
    p = analyze(samples, sample_rate_hz=RATE_HZ, fps=60.0, n_frames=n)
    assert p.voiced.sum() > 30
    assert 150 <= np.median(p.f0_hz[p.voiced]) <= 350
    assert not p.speech[-20:].any()
