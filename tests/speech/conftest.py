"""Shared real inputs for the speech tests: pocketsphinx-testdata read English, and espeak-ng speech."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile
from scipy.signal import resample_poly

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
RATE_HZ = 16000


def read_wav(path: Path) -> np.ndarray:
    """Mono float samples in -1..1 at 16 kHz."""
    rate, data = wavfile.read(path)
    scale = {np.dtype(np.int16): 32768.0, np.dtype(np.int32): 2.0**31}.get(data.dtype, 1.0)
    x = data.astype(np.float64) / scale
    if x.ndim == 2:
        x = x.mean(axis=1)
    if rate != RATE_HZ:
        g = np.gcd(rate, RATE_HZ)
        x = resample_poly(x, RATE_HZ // g, rate // g)
    return x


@pytest.fixture(scope="session")
def librivox() -> dict[str, tuple[np.ndarray, str]]:
    """Clip id -> (16 kHz samples, transcript) for the five pocketsphinx-testdata LibriVox clips."""
    transcription = LIBRIVOX / "transcription"
    if not transcription.exists():
        pytest.skip("Debian package pocketsphinx-testdata is not installed")
    clips = {}
    for line in transcription.read_text().splitlines():
        match = re.match(r"<s> (.*) </s> \((.*)\)", line.strip())
        if match:
            clips[match.group(2)] = (read_wav(LIBRIVOX / f"{match.group(2)}.wav"), match.group(1))
    return clips


@pytest.fixture(scope="session")
def espeak(tmp_path_factory):
    """speak(text, words_per_min=175, voice="en-us") -> 16 kHz samples of espeak-ng speech."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("espeak")
    cache: dict[tuple[str, int, str], np.ndarray] = {}

    def speak(text: str, words_per_min: int = 175, voice: str = "en-us") -> np.ndarray:
        key = (text, words_per_min, voice)
        if key not in cache:
            out = folder / f"{len(cache)}.wav"
            subprocess.run([exe, "-v", voice, "-s", str(words_per_min), "-w", str(out), text], check=True)
            cache[key] = read_wav(out)
        return cache[key]

    return speak
