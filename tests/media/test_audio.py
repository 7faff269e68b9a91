from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from PIL import Image
from scipy import signal

from dirfa.errors import InputError
from dirfa.media.audio import SAMPLE_RATE_HZ, Audio, load_audio

# Length of the conftest's librivox clip (soxi -D).
LIBRIVOX_DURATION_S = 7.1


def best_correlation(x: np.ndarray, ref: np.ndarray, *, max_lag: int = 1600) -> tuple[float, int]:
    """Peak normalised cross-correlation of x against ref within +-max_lag samples, and its lag."""
    n = min(len(x), len(ref)) - 2 * max_lag
    segment = ref[max_lag : max_lag + n]
    c = signal.correlate(x[: n + 2 * max_lag], segment, mode="valid")
    lag = int(np.argmax(c))
    window = x[lag : lag + n]
    r = float(np.dot(window, segment) / (np.linalg.norm(window) * np.linalg.norm(segment) + 1e-12))
    return r, lag - max_lag


def test_librivox_wav_loads_at_16k_with_its_duration(speech_wav):
    audio = load_audio(speech_wav)
    assert isinstance(audio, Audio)
    assert audio.sample_rate_hz == SAMPLE_RATE_HZ == 16000
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.duration_s == pytest.approx(LIBRIVOX_DURATION_S, abs=1e-3)
    assert audio.source == speech_wav.absolute()
    assert 0.05 < np.abs(audio.samples).max() <= 1.0
    assert np.sqrt(np.mean(audio.samples**2)) > 0.01  # real speech, not silence


@pytest.mark.parametrize("kind", ["mp3", "m4a", "ogg", "flac", "wav48st", "mp4", "mkv"])
def test_other_formats_decode_to_the_same_speech(speech_files, kind):
    reference = load_audio(speech_files["wav"])
    audio = load_audio(speech_files[kind])
    assert audio.sample_rate_hz == SAMPLE_RATE_HZ
    # Codec frames pad the end by at most one frame (AAC: 1024 samples at 16 kHz = 64 ms).
    assert audio.duration_s == pytest.approx(reference.duration_s, abs=0.07)
    r, lag = best_correlation(audio.samples, reference.samples)
    assert r > 0.9, f"{kind}: content differs (r={r:.3f})"
    # Encoder delay must be compensated, or the lips would lag the sound.
    assert abs(lag) <= 16, f"{kind}: shifted by {lag} samples"


def test_stereo_is_averaged_not_summed(speech_files):
    """The 48 kHz stereo file has the right channel at half the left: mono = 0.75 x the original."""
    reference = load_audio(speech_files["wav"]).samples
    stereo = load_audio(speech_files["wav48st"]).samples
    n = min(len(reference), len(stereo))
    gain = np.dot(stereo[:n], reference[:n]) / np.dot(reference[:n], reference[:n])
    assert gain == pytest.approx(0.75, abs=0.03)


def test_full_scale_stereo_does_not_clip(tmp_path, sox):
    loud = tmp_path / "loud.wav"
    sox("-n", "-r", "44100", "-c", "2", str(loud), *"synth 1 sine 440 gain -0.1".split())
    samples = load_audio(loud).samples
    assert 0.95 < np.abs(samples).max() <= 1.0
    assert np.mean(np.abs(samples) > 0.999) < 0.01


def test_silence_is_valid_and_zero(tmp_path, write_wav):
    audio = load_audio(write_wav(tmp_path / "silence.wav", np.zeros(16000)))
    assert audio.duration_s == pytest.approx(1.0)
    assert not audio.samples.any()


def test_any_rate_and_channel_count(tmp_path, sox):
    sox("-n", "-r", "22050", "-c", "6", str(tmp_path / "surround.flac"), "synth", "2.5", "sine", "300")
    audio = load_audio(tmp_path / "surround.flac")
    assert audio.duration_s == pytest.approx(2.5, abs=1e-3)
    spectrum = np.abs(np.fft.rfft(audio.samples))
    assert np.argmax(spectrum) * SAMPLE_RATE_HZ / len(audio.samples) == pytest.approx(300, abs=2)


def test_ten_minutes_decode_with_bounded_memory(tmp_path, sox):
    path = tmp_path / "long.wav"
    sox("-n", "-r", "48000", "-c", "2", str(path), "synth", "600", "pinknoise", "gain", "-20")
    tracemalloc.start()
    try:
        audio = load_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert audio.duration_s == pytest.approx(600, abs=1e-3)
    # The result is 38 MB; decoding 48 kHz stereo in full first would take 230 MB.
    assert peak < 3 * audio.samples.nbytes


# --- bad input


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_audio(tmp_path / "nothing.wav")


def test_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        load_audio(tmp_path)


def test_png_given_as_audio(astronaut, tmp_path):
    Image.fromarray(astronaut).save(tmp_path / "face.png")
    with pytest.raises(
        InputError, match="face.png has no audio track — give a speech recording such as WAV or MP3"
    ):
        load_audio(tmp_path / "face.png")


def test_corrupt_file(tmp_path):
    (tmp_path / "junk.mp3").write_bytes(b"NOT AUDIO" + np.random.default_rng(2).bytes(20000))
    with pytest.raises(InputError, match="junk.mp3"):
        load_audio(tmp_path / "junk.mp3")


def test_empty_files(tmp_path, write_wav):
    (tmp_path / "zero_bytes.wav").write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        load_audio(tmp_path / "zero_bytes.wav")
    with pytest.raises(InputError, match="contains no sound samples"):
        load_audio(write_wav(tmp_path / "no_samples.wav", np.zeros(0)))
    with pytest.raises(InputError, match="only 50 ms of sound"):
        load_audio(write_wav(tmp_path / "blip.wav", np.zeros(800)))


def test_too_long(speech_wav):
    with pytest.raises(InputError, match="longer than 5 s"):
        load_audio(speech_wav, max_duration_s=5.0)


def test_truncated_file_keeps_what_is_there(speech_files, tmp_path):
    data = speech_files["mp3"].read_bytes()
    (tmp_path / "half.mp3").write_bytes(data[: len(data) // 2])
    audio = load_audio(tmp_path / "half.mp3")
    assert audio.duration_s == pytest.approx(LIBRIVOX_DURATION_S / 2, abs=0.3)


def test_damaged_bytes_never_escape_as_other_errors(speech_files, tmp_path):
    rng = np.random.default_rng(3)
    for kind in ("mp3", "m4a", "ogg", "flac", "mp4"):
        data = bytearray(speech_files[kind].read_bytes())
        for trial in range(6):
            damaged = bytearray(data)
            for position in rng.integers(0, len(data), size=20):
                damaged[position] = rng.integers(0, 256)
            path = tmp_path / f"damaged{trial}.{kind}"
            path.write_bytes(bytes(damaged))
            try:
                audio = load_audio(path)
            except InputError as exc:
                assert "\n" not in str(exc)
            else:
                assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= 1.0
