"""A said phrase's analysis (prosody, mouth curves, its sound at the stream's rate) in a process of its own,
so that its ~60-100 ms of CPU a phrase does not contend for the GIL with the thread handing out paced frames.

Live stage, beside session.py: one helper process per session process (`python -m dirfa.live.phrase_process`,
started as festival's is), fed requests on stdin and answering on stdout, each a list of arrays (name, dtype,
shape as JSON, then the raw bytes; no pickle). Any failure of the helper falls back to the same analysis in
the calling thread: the same functions, so the same numbers either way.

Why a process: no single call in the analysis holds the GIL for long (the FFTs release it, the longest hold
is PyAV's resampler, ~3-5 ms for a 3 s phrase), but 60-100 ms of mixed Python and numpy beside the paced
thread and the renderer still made the paced thread wait for the GIL: a paced thread woke more than half a
frame late 1 and 6 times in 300 beside it in a thread, 0 and 0 with it in a process (benchmarks/RESULTS.md,
live pacing 07:58); pure Python of the same CPU delays it as much (benchmarks/live_pacing.py, gil).
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import select
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dirfa.speech import coarticulation
from dirfa.speech import prosody as speech_prosody
from dirfa.speech.phonemes import PhoneTimeline

if TYPE_CHECKING:
    from dirfa.voice.synthesis import Synthesis

log = logging.getLogger(__name__)

# A phrase's analysis takes ~0.1 s of CPU (a 3 s phrase, benchmarks/live_pacing.py); a minute-long one on a
# machine shared with two sessions a few seconds. Longer than this and the helper is taken as stuck.
TIMEOUT_S = 30.0
# After this many failed helpers, a process analyses its phrases in the calling thread for good.
MAX_FAILURES = 3
_HEADER = struct.Struct("<Q")  # each message: the length of its index in bytes, the index, the arrays
_MAX_INDEX_BYTES = 1 << 20
_MAX_MESSAGE_BYTES = 1 << 30  # a minute of 192 kHz float32 sound is 46 MB


@dataclass(frozen=True)
class PhraseAnalysis:
    """A said phrase analysed: voice (speech.prosody.Prosody per video frame), mouth ({MOUTH_TRACKS name:
    (n_frames,) float32}), sound ((n,) float32 mono at the stream's rate)."""

    voice: speech_prosody.Prosody
    mouth: dict[str, np.ndarray]
    sound: np.ndarray


def n_frames_of(synthesis: Synthesis, fps: float) -> int:
    """Video frames a said phrase fills (at least one)."""
    return max(1, int(math.ceil(synthesis.audio.duration_s * fps - 1e-6)))


def analyse_here(synthesis: Synthesis, *, fps: float, out_rate_hz: int) -> PhraseAnalysis:
    """The analysis itself, in this thread: prosody of the phrase's analysis samples, mouth curves from the
    synthesiser's own phone timings (no recognition), and its playable sound resampled to out_rate_hz."""
    audio = synthesis.audio
    played, played_rate_hz = audio.playable()
    return _analyse(
        audio.samples,
        audio.sample_rate_hz,
        synthesis.timeline,
        fps=fps,
        n_frames=n_frames_of(synthesis, fps),
        played=played,
        played_rate_hz=played_rate_hz,
        out_rate_hz=out_rate_hz,
    )


def _analyse(
    samples: np.ndarray,
    sample_rate_hz: int,
    timeline: PhoneTimeline,
    *,
    fps: float,
    n_frames: int,
    played: np.ndarray,
    played_rate_hz: int,
    out_rate_hz: int,
) -> PhraseAnalysis:
    """analyse_here on the arrays themselves (what the helper process receives)."""
    from dirfa.live.analysis import resample

    voice = speech_prosody.analyze(samples, sample_rate_hz=sample_rate_hz, fps=fps, n_frames=n_frames)
    mouth = coarticulation.mouth_curves(timeline, voice, fps=fps, n_frames=n_frames)
    sound = resample(np.asarray(played, np.float32), played_rate_hz, out_rate_hz)
    return PhraseAnalysis(voice, mouth, sound)


def analyse(synthesis: Synthesis, *, fps: float, out_rate_hz: int) -> PhraseAnalysis:
    """analyse_here's result, computed in the helper process (started on first use); in this thread when
    the helper cannot be used."""
    audio, timeline = synthesis.audio, synthesis.timeline
    played, played_rate_hz = audio.playable()
    request = {
        "samples": np.asarray(audio.samples, np.float32),
        "played": np.asarray(played, np.float32),
        "phones": np.asarray(timeline.phones, dtype=str),
        "start_s": np.asarray(timeline.start_s, np.float64),
        "end_s": np.asarray(timeline.end_s, np.float64),
        "method": np.asarray(timeline.method, dtype=str),
        "fps": np.float64(fps),
        "rates_hz": np.asarray(
            [audio.sample_rate_hz, n_frames_of(synthesis, fps), played_rate_hz, out_rate_hz], np.int64
        ),
    }
    helper = _helper()
    if helper is not None:
        try:
            return _from_answer(helper.ask(request), fps)
        except Exception as exc:  # noqa: BLE001 - the phrase is analysed here instead; the next gets a new helper
            log.warning("phrase analysis process failed (%s); analysing in this thread", exc)
            _failed(helper)
    return analyse_here(synthesis, fps=fps, out_rate_hz=out_rate_hz)


def start() -> None:
    """Start the helper now (imports take ~1 s), so that the first phrase does not wait for it."""
    _helper()


# --- the helper, seen from the session's process --------------------------------------------------------------


class _Helper:
    """A running `python -m dirfa.live.phrase_process`; one request at a time (guarded by a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dirfa.live.phrase_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def ask(self, request: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        with self.lock:
            assert self.process.stdin is not None and self.process.stdout is not None
            _write(self.process.stdin, request)
            answer = _read(self.process.stdout, timeout_s=TIMEOUT_S)
        if answer is None:
            raise RuntimeError("the helper stopped")
        if "error" in answer:
            raise RuntimeError(str(answer["error"]))
        return answer

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


_HELPER: _Helper | None = None
_FAILURES = 0
_HELPER_LOCK = threading.Lock()


def _helper() -> _Helper | None:
    global _HELPER, _FAILURES
    with _HELPER_LOCK:
        if _HELPER is not None and _HELPER.alive:
            return _HELPER
        if _HELPER is not None:
            _HELPER.close()
            _HELPER = None
            _FAILURES += 1
        if _FAILURES >= MAX_FAILURES:
            return None
        try:
            _HELPER = _Helper()
        except OSError as exc:
            log.warning("phrase analysis process did not start (%s); analysing in this thread", exc)
            _FAILURES = MAX_FAILURES
        return _HELPER


def _failed(helper: _Helper) -> None:
    global _HELPER, _FAILURES
    with _HELPER_LOCK:
        helper.close()
        if _HELPER is helper:
            _HELPER = None
            _FAILURES += 1


@atexit.register
def close() -> None:
    """Stop the helper this process started."""
    global _HELPER
    with _HELPER_LOCK:
        if _HELPER is not None:
            _HELPER.close()
            _HELPER = None


def _from_answer(answer: dict[str, np.ndarray], fps: float) -> PhraseAnalysis:
    voice = speech_prosody.Prosody(
        fps=float(fps),
        energy_db=answer["energy_db"],
        loudness=answer["loudness"],
        f0_hz=answer["f0_hz"],
        voiced=answer["voiced"],
        speech=answer["speech"],
    )
    mouth = {name.removeprefix("mouth_"): v for name, v in answer.items() if name.startswith("mouth_")}
    return PhraseAnalysis(voice, mouth, answer["sound"])


# --- messages: a JSON list of the arrays (name, dtype, shape), then their bytes; no pickle ----------------------


def _write(stream, arrays: dict[str, np.ndarray]) -> None:
    arrays = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    index = json.dumps([[name, v.dtype.str, list(v.shape)] for name, v in arrays.items()]).encode()
    stream.write(_HEADER.pack(len(index)) + index)
    for value in arrays.values():
        stream.write(memoryview(value).cast("B") if value.size else b"")
    stream.flush()


def _read_exactly(fd: int, n: int, timeout_s: float | None) -> bytes | None:
    chunks, left = [], n
    while left:
        if timeout_s is not None and not select.select([fd], [], [], timeout_s)[0]:
            raise TimeoutError(f"no answer within {timeout_s:.0f} s")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read(stream, timeout_s: float | None = None) -> dict[str, np.ndarray] | None:
    """The next message, or None at the end of the stream."""
    fd = stream.fileno()
    header = _read_exactly(fd, _HEADER.size, timeout_s)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > _MAX_INDEX_BYTES:
        raise ValueError(f"a message index of {size} bytes is too long")
    index = _read_exactly(fd, size, timeout_s)
    if index is None:
        return None
    arrays = {}
    for name, dtype_str, shape in json.loads(index):
        dtype = np.dtype(dtype_str)
        if dtype.hasobject:
            raise ValueError("object arrays are not accepted")
        count = int(np.prod(shape, dtype=np.int64))
        if count * dtype.itemsize > _MAX_MESSAGE_BYTES:
            raise ValueError(f"array {name} is too large")
        data = _read_exactly(fd, count * dtype.itemsize, timeout_s) if count else b""
        if data is None:
            return None
        arrays[str(name)] = np.frombuffer(data, dtype).reshape(shape).copy()
    return arrays


# --- the helper's side ------------------------------------------------------------------------------------------


def _answer(request: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    sample_rate_hz, n_frames, played_rate_hz, out_rate_hz = (int(v) for v in request["rates_hz"])
    timeline = PhoneTimeline(
        phones=tuple(str(p) for p in request["phones"]),
        start_s=request["start_s"],
        end_s=request["end_s"],
        method=str(request["method"]),
    )
    done = _analyse(
        request["samples"],
        sample_rate_hz,
        timeline,
        fps=float(request["fps"]),
        n_frames=n_frames,
        played=request["played"],
        played_rate_hz=played_rate_hz,
        out_rate_hz=out_rate_hz,
    )
    voice = done.voice
    answer = {
        "energy_db": voice.energy_db,
        "loudness": voice.loudness,
        "f0_hz": voice.f0_hz,
        "voiced": voice.voiced,
        "speech": voice.speech,
        "sound": done.sound,
    }
    answer.update({f"mouth_{name}": curve for name, curve in done.mouth.items()})
    return answer


def main() -> None:
    """Answer requests on stdin until it closes."""
    # The answers get the real stdout to themselves: anything a library prints goes to stderr instead.
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stdin = sys.stdin.buffer
    while True:
        request = _read(stdin)
        if request is None:
            return
        try:
            answer = _answer(request)
        except Exception as exc:  # noqa: BLE001 - reported to the session, which analyses the phrase itself
            answer = {"error": np.asarray(f"{type(exc).__name__}: {exc}", dtype=str)}
        _write(stdout, answer)


if __name__ == "__main__":
    main()
