"""Shared inputs for the speech tests: pocketsphinx-testdata read English, espeak-ng speech, and made-up phone
timelines with their prosody."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile
from scipy.signal import resample_poly

from dirfa.speech.phonemes import SILENCE, PhoneTimeline
from dirfa.speech.prosody import Prosody

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


def _synthetic_speech(
    phones: list[tuple[str, float]], *, fps: float, offset_s: float = 0.0
) -> tuple[PhoneTimeline, Prosody]:
    names = [p for p, _ in phones]
    ends = np.cumsum([d for _, d in phones]) + offset_s
    starts = np.concatenate([[0.0], ends[:-1]])
    timeline = PhoneTimeline(tuple(names), starts, ends, "alignment")
    n = int(np.ceil(ends[-1] * fps))
    k = np.clip(np.searchsorted(ends, np.arange(n) / fps, side="right"), 0, len(names) - 1)
    speech = np.array([names[i] != SILENCE for i in k])
    prosody = Prosody(
        fps=fps,
        energy_db=np.where(speech, -20.0, -60.0).astype(np.float32),
        loudness=np.where(speech, 0.8, 0.0).astype(np.float32),
        f0_hz=np.where(speech, 120.0, 0.0).astype(np.float32),
        voiced=speech,
        speech=speech,
    )
    return timeline, prosody


@pytest.fixture(scope="session")
def synthetic_speech():
    """make(phones, *, fps, offset_s=0.0) -> (PhoneTimeline, Prosody): phones [(name, seconds), ...] back to back
    (their ends shifted by offset_s), and a prosody per frame that is speech (level -20 dB, loudness 0.8, 120 Hz,
    voiced) wherever the phone is not SILENCE, and silent (-60 dB) where it is."""
    return _synthetic_speech
