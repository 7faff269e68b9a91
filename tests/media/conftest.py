"""Shared inputs for the media tests: real speech from pocketsphinx-testdata and the scikit-image astronaut,
transcoded into the formats users bring, with plain PyAV (not the code under test)."""

from __future__ import annotations

import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from skimage import data

LIBRIVOX_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
# 7.1 s of read English at 16 kHz mono (soxi -D).
LIBRIVOX_WAV = LIBRIVOX_DIR / "sense_and_sensibility_01_austen_64kb-0870.wav"
LIBRIVOX_DURATION_S = 7.1


@pytest.fixture(scope="session")
def speech_wav() -> Path:
    if not LIBRIVOX_WAV.exists():
        pytest.skip("needs the Debian package pocketsphinx-testdata (real speech)")
    return LIBRIVOX_WAV


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """(512, 512, 3) uint8 RGB photo of a face."""
    return data.astronaut()


@pytest.fixture(scope="session")
def sox():
    """sox(*args): run the sox command line tool (skips the test where the Debian package is missing)."""
    if shutil.which("sox") is None:
        pytest.skip("needs the Debian package sox")

    def run(*args: str) -> None:
        subprocess.run(["sox", *args], check=True, capture_output=True)

    return run


def read_pcm(path: Path) -> tuple[np.ndarray, int]:
    """Decode a file to (channels, n) float32 with plain PyAV; returns (samples, rate)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [frame.to_ndarray() for frame in container.decode(stream)]
        rate = stream.codec_context.sample_rate
    planes = np.concatenate(chunks, axis=1)
    if planes.dtype == np.int16:
        planes = planes.astype(np.float32) / 32768.0
    return planes, rate


def encode_audio(
    samples: np.ndarray,
    rate_hz: int,
    dst: Path,
    *,
    codec: str,
    out_rate_hz: int | None = None,
    layout: str = "mono",
    container_format: str | None = None,
    with_video: bool = False,
) -> Path:
    """Write (n,) float32 mono `samples` to `dst` with `codec`, optionally beside a short video track."""
    out_rate_hz = out_rate_hz or rate_hz
    n_channels = 2 if layout == "stereo" else 1
    planes = np.repeat(samples[None, :], n_channels, axis=0).astype(np.float32)
    if n_channels == 2:
        planes[1] *= 0.5  # different channels, so a wrong channel handling would show
    with av.open(str(dst), mode="w", format=container_format) as out:
        video = None
        if with_video:
            video = out.add_stream("mpeg4", rate=25)
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        stream = out.add_stream(codec, rate=out_rate_hz, layout=layout)
        resampler = av.AudioResampler(format=stream.codec_context.format, layout=layout, rate=out_rate_hz)
        frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout=layout)
        frame.sample_rate = rate_hz
        frame.pts = 0
        frame.time_base = Fraction(1, rate_hz)
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if video is not None:
            duration_s = len(samples) / rate_hz
            for i in range(int(duration_s * 25)):
                img = np.full((48, 64, 3), (i * 5) % 255, dtype=np.uint8)
                vframe = av.VideoFrame.from_ndarray(img, format="rgb24")
                vframe.pts = i
                vframe.time_base = Fraction(1, 25)
                for packet in video.encode(vframe):
                    out.mux(packet)
            for packet in video.encode(None):
                out.mux(packet)
    return dst


@pytest.fixture(scope="session")
def speech_files(speech_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The librivox clip as MP3, M4A (AAC), OGG (Opus), FLAC, 48 kHz stereo WAV, MP4 and MKV with video."""
    folder = tmp_path_factory.mktemp("speech")
    planes, rate = read_pcm(speech_wav)
    mono = planes.mean(axis=0)
    return {
        "wav": speech_wav,
        "mp3": encode_audio(mono, rate, folder / "speech.mp3", codec="libmp3lame", out_rate_hz=22050),
        "m4a": encode_audio(
            mono, rate, folder / "speech.m4a", codec="aac", out_rate_hz=44100, layout="stereo"
        ),
        "ogg": encode_audio(mono, rate, folder / "speech.ogg", codec="libopus", out_rate_hz=48000),
        "flac": encode_audio(mono, rate, folder / "speech.flac", codec="flac"),
        "wav48st": encode_audio(
            mono, rate, folder / "speech48.wav", codec="pcm_s16le", out_rate_hz=48000, layout="stereo"
        ),
        "mp4": encode_audio(mono, rate, folder / "speech.mp4", codec="aac", with_video=True),
        "mkv": encode_audio(
            mono, rate, folder / "speech.mkv", codec="flac", out_rate_hz=32000, with_video=True
        ),
    }


def _write_wav(path: Path, samples: np.ndarray, rate_hz: int = 16000) -> Path:
    """Write (n,) float samples in [-1, 1] as 16-bit mono WAV (the stdlib writer, so zero samples work)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="session")
def write_wav():
    """write_wav(path, samples, rate_hz=16000) -> path: 16-bit mono WAV, zero samples allowed."""
    return _write_wav
