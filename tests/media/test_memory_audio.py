"""In-memory audio (synthesised speech has no file): Audio without a source, muxed by write_video from its
original samples at their own rate, and written alone by write_wav."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from dirfa.media.audio import SAMPLE_RATE_HZ, Audio, load_audio, write_wav
from dirfa.media.video import probe_video, write_video


def _tone(rate_hz: int, seconds: float, hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    return (0.4 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize("rate_hz", [22050, 32000, 37800])  # the last is no AAC rate: resampled to 48 kHz
def test_write_video_muxes_in_memory_samples(rate_hz: int, tmp_path) -> None:
    frames = [np.full((64, 64, 3), 128, np.uint8)] * 50
    out = tmp_path / "memory.mp4"
    write_video(out, frames, fps=25, audio_source=None, audio_duration_s=2.0, audio_samples=_tone(rate_hz, 2.5),
                audio_rate_hz=rate_hz)  # fmt: skip
    info = probe_video(out)
    assert info.audio_codec == "aac" and info.audio_channels == 1
    assert info.audio_sample_rate_hz == (rate_hz if rate_hz != 37800 else 48000)
    assert info.audio_duration_s == pytest.approx(2.0, abs=0.03)  # trimmed to the video
    decoded = load_audio(out)
    # The tone survives: its level and pitch (zero crossings) as written.
    middle = decoded.samples[SAMPLE_RATE_HZ // 2 : SAMPLE_RATE_HZ * 3 // 2]
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.4 / np.sqrt(2), rel=0.1)
    crossings = np.count_nonzero(np.diff(np.signbit(middle)))
    assert crossings == pytest.approx(2 * 220, rel=0.02)


def test_audio_playable_prefers_the_original() -> None:
    analysis = _tone(SAMPLE_RATE_HZ, 0.5)
    assert Audio(analysis, SAMPLE_RATE_HZ, None).playable()[1] == SAMPLE_RATE_HZ
    original = _tone(32000, 0.5)
    samples, rate = Audio(
        analysis, SAMPLE_RATE_HZ, None, original=original, original_rate_hz=32000
    ).playable()
    assert rate == 32000 and samples is original


def test_write_wav_is_16_bit_pcm_at_the_given_rate(tmp_path) -> None:
    path = write_wav(tmp_path / "voice.wav", np.array([0.0, 0.5, -1.0, 2.0, np.nan], np.float32), 22050)
    with wave.open(str(path)) as reader:
        assert (reader.getframerate(), reader.getsampwidth(), reader.getnchannels()) == (22050, 2, 1)
        pcm = np.frombuffer(reader.readframes(5), "<i2")
    assert pcm.tolist() == [0, 16384, -32767, 32767, 0]
    assert [p.name for p in tmp_path.iterdir()] == ["voice.wav"]
