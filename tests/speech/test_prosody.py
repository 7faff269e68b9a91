"""Level, loudness, pitch, voicing and voice activity per video frame, on real and synthetic sound."""

from __future__ import annotations

import numpy as np

from dirfa.speech.prosody import analyze, zero_phase_band_pass

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


def test_the_pitch_band_pass_is_a_butterworth_run_both_ways(librivox):
    # The numpy filter stands in for scipy.signal's butter(4, band) + sosfiltfilt (whose import costs ~1.4 s):
    # the same response inside the clip, at a 22.05 kHz rate as well as the model's 16 kHz.
    from scipy.signal import butter, resample_poly, sosfiltfilt

    for samples, _ in list(librivox.values())[:3]:
        for rate, x in ((RATE_HZ, samples), (22050, resample_poly(samples, 441, 320).astype(np.float32))):
            sos = butter(4, [40.0, 1000.0], btype="band", fs=rate, output="sos")
            want = sosfiltfilt(sos, x.astype(np.float64))
            got = zero_phase_band_pass(x, rate, 40.0, 1000.0)
            assert got.dtype == np.float32 and got.shape == x.shape
            edge = int(0.05 * rate)  # the two extend the clip's ends differently
            error = np.abs(got - want)[edge:-edge].max() / np.abs(want).max()
            assert error < 2e-4, error
            assert np.abs(got - want).max() / np.abs(want).max() < 0.05
    # A tone outside the band is removed, one inside kept: the filter is not a pass-through.
    t = np.arange(RATE_HZ) / RATE_HZ
    for hz, kept in ((10.0, False), (200.0, True), (4000.0, False)):
        out = zero_phase_band_pass(np.sin(2 * np.pi * hz * t).astype(np.float32), RATE_HZ, 40.0, 1000.0)
        assert (np.abs(out[2000:-2000]).max() > 0.95) == kept, hz


def test_pitch_frames_transformed_at_their_own_length_are_the_double_length_ones(librivox, monkeypatch):
    # YIN's correlation of each 10 ms frame is taken over transforms of the frame's own length (a live session
    # tracks every update's new frames); transforms of twice that length, as before, cannot wrap round and
    # give the same track. Shorter ones than the frame would wrap and fail this.
    from dirfa.speech import prosody

    samples = next(iter(librivox.values()))[0].astype(np.float32)
    band = zero_phase_band_pass(samples, RATE_HZ, *prosody.PITCH_BAND_HZ)
    n = int(samples.size / RATE_HZ / prosody.HOP_S)
    f0, aperiodicity = prosody._yin_block(band, sample_rate_hz=RATE_HZ, start=0, n=n)
    monkeypatch.setattr(prosody, "_smooth_length", lambda size: 1 << int(np.ceil(np.log2(2 * size))))
    f0_double, aperiodicity_double = prosody._yin_block(band, sample_rate_hz=RATE_HZ, start=0, n=n)
    assert np.sum(aperiodicity < 0.3) > 0.3 * n  # voiced speech was tracked
    np.testing.assert_allclose(aperiodicity, aperiodicity_double, atol=1e-9)
    np.testing.assert_allclose(f0, f0_double, rtol=1e-9)
