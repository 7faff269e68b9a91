"""flite (CMU's small synthesiser, Debian's flite): fast English voices; phone end times from `-psdur`.

Voice stage, one engine: text -> voices.Spoken. One flite run per phrase (it starts in milliseconds).
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from dirfa.errors import DirfaError
from dirfa.voice.voices import Spoken, Voice, pcm16_to_float, radio_to_arpabet

log = logging.getLogger(__name__)

# dirfa name -> (flite voice, sex, description). kal (8 kHz) and awb_time (a talking clock) are left out.
VOICES: dict[str, tuple[str, str, str]] = {
    "rms": ("rms", "male", "flite clustergen 'rms' (US English): fast"),
    "awb": ("awb", "male", "flite clustergen 'awb' (Scottish English): fast"),
    "flite-slt": ("slt", "female", "flite clustergen 'slt' (US English): fast, rougher than festival's slt"),
    "flite-kal": ("kal16", "male", "flite diphone 'kal16' (US English): fast, robotic"),
}
TIMEOUT_S = 120.0


@functools.lru_cache(maxsize=1)
def _installed() -> frozenset[str]:
    if shutil.which("flite") is None:
        return frozenset()
    try:
        result = subprocess.run(["flite", "-lv"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(result.stdout.replace("Voices available:", " ").split())


def voices() -> tuple[Voice, ...]:
    installed = _installed()
    return tuple(
        Voice(name, "flite", "en-US" if name != "awb" else "en-GB", sex, description)
        for name, (flite_name, sex, description) in VOICES.items()
        if flite_name in installed
    )


def speak(text: str, voice: Voice, *, rate: float = 1.0, pitch: float = 1.0) -> Spoken:
    """Synthesise plain ASCII `text`. flite's clustergen voices take no pitch setting, so `pitch` other than
    1 is ignored (with a warning)."""
    if abs(pitch - 1.0) > 1e-6:
        log.warning("flite voices cannot change pitch; --pitch is ignored for %s", voice.name)
    flite_name = VOICES[voice.name][0]
    with tempfile.TemporaryDirectory(prefix="dirfa-flite-") as folder:
        wav = Path(folder) / "phrase.wav"
        # -t takes the text as one argument (never through a shell); a leading "-" is harmless after -t.
        command = ["flite", "-voice", flite_name, "--setf", f"duration_stretch={1.0 / rate:.4f}", "-psdur"]
        command += ["-t", text, "-o", str(wav)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            raise DirfaError(f"flite failed to run ({exc})") from exc
        if result.returncode != 0 or not wav.exists():
            raise DirfaError(f"flite failed: {(result.stderr or result.stdout).strip()[:200]}")
        with wave.open(str(wav), "rb") as reader:
            rate_hz = reader.getframerate()
            samples = pcm16_to_float(reader.readframes(reader.getnframes()))
    phones: list[tuple[str, float, float]] = []
    start_s = 0.0
    for item in result.stdout.split():
        name, _, end = item.rpartition(":")
        try:
            end_s = float(end)
        except ValueError:
            continue
        phones.append((radio_to_arpabet(name), start_s, end_s))
        start_s = end_s
    return Spoken(samples=samples, rate_hz=rate_hz, phones=tuple(phones))
