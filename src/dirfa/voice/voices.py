"""What every synthesis engine shares: the Voice description and an engine's raw result (samples + phones).

Voice stage, below voice.synthesis: festival.py, espeak.py and flite.py each list their installed voices
and turn one phrase of plain text into a Spoken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# NumPy is imported where used: `dirfa say` imports this module (through festival.py) to start festival, and
# the voice then loads while NumPy and the rest of dirfa do (~50 ms sooner than after them).

# The most natural English voice installed offline: festival's HTS voice trained on CMU ARCTIC slt (a
# statistical parametric voice: smooth, human prosody), against diphone kal and flite's clustergen voices,
# which buzz, and espeak-ng's formant voices, which sound robotic but speak ~100 languages. (Here, not in
# synthesis.py, so that festival.start_ahead can start it before the rest of the voice stage loads.)
DEFAULT_VOICE = "slt"


@dataclass(frozen=True)
class Voice:
    """An installed voice. name: what --voice takes (e.g. "slt", "espeak-de"); engine: "festival", "flite"
    or "espeak"; language: BCP-47-ish code ("en-US", "de", "cmn"); sex: "female", "male" or "unknown";
    description: one line for `dirfa voices`."""

    name: str
    engine: str
    language: str
    sex: str
    description: str


@dataclass(frozen=True)
class Spoken:
    """One phrase as an engine said it.

    samples: (n,) float32 mono in [-1, 1] at rate_hz (the engine's own rate).
    phones: (phone, start_s, end_s) in order, ARPAbet names (dirfa.speech.phonemes.ARPABET) or "SIL";
        times as the engine reports them (not yet made contiguous).
    """

    samples: np.ndarray
    rate_hz: int
    phones: tuple[tuple[str, float, float], ...]

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.rate_hz


def pcm16_to_float(data: bytes) -> np.ndarray:
    """Little-endian signed 16-bit PCM bytes -> float32 in [-1, 1)."""
    import numpy as np

    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


# Festival's and flite's US English voices use the CMU "radio" phone set: ARPAbet in lower case plus a few
# extra symbols (festival's lib/radio_phones.scm; flite's cmu_us phone set). Those extras map to the
# nearest ARPAbet phone; pauses and breaths are silence.
_RADIO_EXTRAS = {
    "ax": "AH",
    "axr": "ER",
    "ix": "IH",
    "el": "L",
    "em": "M",
    "en": "N",
    "nx": "N",
    "hv": "HH",
    "dx": "D",
    "pau": "SIL",
    "h#": "SIL",
    "brth": "SIL",
    "ssil": "SIL",
}


def radio_to_arpabet(phone: str) -> str:
    """A festival/flite radio phone ("ax", "pau", "b") -> an ARPAbet phone or "SIL"."""
    from dirfa.speech.phonemes import ARPABET

    name = phone.strip().lower()
    if name in _RADIO_EXTRAS:
        return _RADIO_EXTRAS[name]
    upper = name.rstrip("012").upper()
    return upper if upper in ARPABET else "SIL"


def resample(samples: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """Mono float samples from one rate to another with libswresample (through PyAV: already loaded, unlike
    scipy.signal, whose import alone takes seconds on a busy machine); exactly round(n * to / from) long."""
    import numpy as np

    samples = np.ascontiguousarray(samples, np.float32)
    if from_hz == to_hz or samples.shape[0] == 0:
        return samples
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=to_hz)
    frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
    frame.sample_rate = from_hz
    chunks = [f.to_ndarray()[0] for f in [*resampler.resample(frame), *resampler.resample(None)]]
    out = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    # swresample's output length is round(n * to / from) within a sample; make it exact.
    n = round(samples.shape[0] * to_hz / from_hz)
    out = out[:n] if out.shape[0] >= n else np.concatenate([out, np.zeros(n - out.shape[0], np.float32)])
    return np.clip(out, -1.0, 1.0).astype(np.float32)
