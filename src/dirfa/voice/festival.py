"""Festival (Debian's festival with festvox voices): speech and phone end times from the Segment relation.

Voice stage, one engine: text -> voices.Spoken. One festival process per voice stays running (loading a voice
takes ~0.8 s; each phrase after that ~0.1 s), fed Scheme on stdin, answering on stdout line by line.
"""

from __future__ import annotations

import atexit
import functools
import logging
import queue
import shutil
import subprocess
import tempfile
import threading
import wave
from pathlib import Path

from dirfa.errors import DirfaError
from dirfa.voice.voices import DEFAULT_VOICE, Spoken, Voice, pcm16_to_float, radio_to_arpabet, resample

log = logging.getLogger(__name__)

# dirfa name -> (festival voice function, language, sex, description). Both use the CMU "radio" phone set
# (checked with (PhoneSet.description '(name))).
VOICES: dict[str, tuple[str, str, str, str]] = {
    "slt": (
        "voice_cmu_us_slt_arctic_hts",
        "en-US",
        "female",
        "festival HTS, CMU ARCTIC 'slt' (US English): the most natural offline English voice here",
    ),
    "kal": ("voice_kal_diphone", "en-US", "male", "festival diphone 'kal' (US English), 16 kHz"),
}
# How long one phrase may take before festival is considered stuck, in seconds (a 5,000-character phrase
# synthesises in a few seconds on one core).
TIMEOUT_S = 120.0
_DONE = "DIRFA-DONE"
_HTS_PARAMS = {"slt": "cmu_us_slt_arctic_hts::hts_engine_params"}
# kal's intonation targets (festvox kal_diphone.scm: int_lr_params target_f0_mean 105, target_f0_std 14);
# --pitch scales both.
_KAL_F0_MEAN_HZ, _KAL_F0_STD_HZ = 105.0, 14.0
# festival's Lisp heap, in cells (`festival --heap`). Its default, 10,000,000 (`festival --help`), is ~330 MB
# that festival touches as it starts: ~0.2 s of page faults (system CPU) before the voice loads, in every
# `dirfa say`. A fifth of it (~85 MB, 0.05 s) holds a phrase of ordinary text: 400 characters (phrases.py's
# longest) of words, or of digits, needed less than 1,000,000 (slt). The speech is the same whatever the heap
# (same WAV bytes). A phrase that still runs out ("SIOD ERROR: ran out of storage", then a segfault: e.g.
# 400 characters of 7-digit numbers at 1,000,000) is spoken again by a festival with the default heap.
HEAP_CELLS = 2_000_000
FULL_HEAP_CELLS = 10_000_000
_OUT_OF_STORAGE = "ran out of storage"


def available() -> bool:
    return shutil.which("festival") is not None


# Where Debian (and a source build) put festival's voices: <folder>/<language>/<voice>/.
VOICE_FOLDERS = ("/usr/share/festival/voices", "/usr/lib/festival/voices", "/usr/local/share/festival/voices")


@functools.lru_cache(maxsize=1)
def _installed() -> frozenset[str]:
    """Voice folders festival can load (asking festival itself takes a second; its folders do not)."""
    if not available():
        return frozenset()
    names = set()
    for folder in VOICE_FOLDERS:
        for voice in Path(folder).glob("*/*"):
            if voice.is_dir():
                names.add(voice.name)
    return frozenset(names)


def voices() -> tuple[Voice, ...]:
    installed = _installed()
    return tuple(
        Voice(name, "festival", language, sex, description)
        for name, (function, language, sex, description) in VOICES.items()
        if function.removeprefix("voice_") in installed
    )


class _OutOfStorage(DirfaError):
    """festival's Lisp heap was too small for a phrase (festival then crashed)."""


class _Server:
    """A running `festival --pipe` with one voice loaded; one request at a time (guarded by a lock)."""

    def __init__(self, name: str, heap_cells: int) -> None:
        self.name = name
        self.heap_cells = heap_cells
        self.lock = threading.Lock()
        # festival writes through C stdio, fully buffered into a pipe: stdbuf makes it line-buffered so
        # each answer arrives as soon as it is printed.
        command = ["festival", "--heap", str(self.heap_cells), "--pipe"]
        if shutil.which("stdbuf"):
            command = ["stdbuf", "-oL", *command]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.ended = False
        threading.Thread(target=self._read, name=f"dirfa-festival-{name}", daemon=True).start()
        self._ask(f"({VOICES[name][0]})")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.ended = True  # festival closed its output: it has exited (or crashed) and answers no more
        self.lines.put(None)

    @property
    def alive(self) -> bool:
        """Whether festival can still answer. Its output ends (a crash, e.g. Debian's festival with the kal diphone
        voice segfaults on an utterance without words) before the exit can be seen by poll(), so both count."""
        return not self.ended and self.process.poll() is None

    def _ask(self, scheme: str) -> list[str]:
        """Send Scheme, return the lines printed before the done marker; DirfaError on a Scheme error."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(f'{scheme}\n(format t "{_DONE}\\n")\n')
            self.process.stdin.flush()
        except OSError as exc:
            raise DirfaError(f"festival stopped unexpectedly ({exc})") from exc
        out: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT_S)
            except queue.Empty:
                self.close()
                raise DirfaError(f"festival did not answer within {TIMEOUT_S:.0f} s") from None
            if line is None:
                self.close()
                if any(_OUT_OF_STORAGE in said for said in out):
                    raise _OutOfStorage(
                        f"festival ran out of memory on a phrase (a heap of {self.heap_cells} cells) — split "
                        "the text into shorter sentences"
                    )
                raise DirfaError("festival stopped unexpectedly — run `festival` to check its installation")
            if line.strip() == _DONE:
                break
            out.append(line)
        errors = [line for line in out if "SIOD ERROR" in line or line.startswith("Error")]
        if errors:
            raise DirfaError(f"festival failed: {errors[0].strip()}")
        return out

    def speak(self, text: str, *, rate: float, pitch: float) -> Spoken:
        # A folder per phrase, gone when the phrase is read: a process killed between phrases (a server or
        # worker stopped with SIGKILL) leaves nothing behind in the temporary folder.
        with tempfile.TemporaryDirectory(prefix="dirfa-festival-") as folder:
            return self._speak(text, Path(folder) / "phrase.wav", rate=rate, pitch=pitch)

    def _speak(self, text: str, wav: Path, *, rate: float, pitch: float) -> Spoken:
        quoted = text.replace("\\", "\\\\").replace('"', '\\"')
        # Debian's festival passes no pitch option to its HTS engine (it reads -r, not -fm): an HTS voice
        # speaks `pitch` times slower and is played `pitch` times faster — f0 (and formants) scale by `pitch`,
        # the duration comes out as asked.
        shift = pitch if self.name in _HTS_PARAMS and abs(pitch - 1.0) > 1e-6 else 1.0
        with self.lock:
            lines = self._ask(
                _settings(self.name, rate=rate / shift, pitch=pitch)
                + f'(set! dirfa_utt (SynthText "{quoted}"))\n'
                + '(mapcar (lambda (s) (format t "SEG %s %f\\n" (item.name s) (item.feat s \'end)))'
                " (utt.relation.items dirfa_utt 'Segment))\n" + f'(utt.save.wave dirfa_utt "{wav}" \'riff)'
            )
            with wave.open(str(wav), "rb") as reader:
                rate_hz = reader.getframerate()
                if reader.getsampwidth() != 2 or reader.getnchannels() != 1:
                    raise DirfaError("festival wrote an unexpected wave format")
                samples = pcm16_to_float(reader.readframes(reader.getnframes()))
        if shift != 1.0:
            samples = resample(samples, round(rate_hz * shift), rate_hz)
        phones: list[tuple[str, float, float]] = []
        start_s = 0.0
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "SEG":
                end_s = float(parts[2]) / shift
                phones.append((radio_to_arpabet(parts[1]), start_s, end_s))
                start_s = end_s
        return Spoken(samples=samples, rate_hz=rate_hz, phones=tuple(phones))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _settings(name: str, *, rate: float, pitch: float) -> str:
    """Scheme that sets this phrase's rate and pitch (both reset every phrase)."""
    if name in _HTS_PARAMS:
        # hts_engine option -r: speech speed factor (HTS Engine API manual); pitch: see _Server.speak.
        return f'(set! hts_engine_params (append {_HTS_PARAMS[name]} (list (list "-r" {rate:.4f}))))\n'

    return (
        f"(Parameter.set 'Duration_Stretch {1.0 / rate:.4f})\n"
        f"(set! int_lr_params '((target_f0_mean {_KAL_F0_MEAN_HZ * pitch:.2f}) "
        f"(target_f0_std {_KAL_F0_STD_HZ * pitch:.2f}) (model_f0_mean 170) (model_f0_std 34)))\n"
    )


_SERVERS: dict[str, _Server] = {}
_SERVERS_LOCK = threading.Lock()


def _server(name: str, heap_cells: int | None = None) -> _Server:
    """The voice's running festival, started (again) if there is none, it has died, or its heap is smaller
    than `heap_cells` (default HEAP_CELLS)."""
    heap_cells = heap_cells or HEAP_CELLS
    with _SERVERS_LOCK:
        server = _SERVERS.get(name)
        if server is None or not server.alive or server.heap_cells < heap_cells:
            if server is not None:
                server.close()
            server = _SERVERS[name] = _Server(name, heap_cells)
        return server


@atexit.register
def close_all() -> None:
    """Stop the festival processes this process started."""
    with _SERVERS_LOCK:
        for server in _SERVERS.values():
            server.close()
        _SERVERS.clear()


def start(voice: Voice) -> None:
    """Start the voice's festival process now (~0.8 s), so that its first phrase comes without the wait."""
    _server(voice.name)


def start_ahead(voice: str | None, language: str | None) -> None:
    """Start festival with the voice that `voice` and `language` (as `dirfa say` takes them) will choose, if
    that is plainly festival's (a festival voice by name, or the default voice with no language given), in a
    background thread: it loads for ~0.8 s while the caller checks its input and imports the rest.
    Anything else, and any failure, is left to the synthesis, which finds the voice and reports errors."""
    name = DEFAULT_VOICE if voice is None and language is None else (voice or "").strip().lower()
    if name not in VOICES or VOICES[name][0].removeprefix("voice_") not in _installed():
        return
    chosen = next(v for v in voices() if v.name == name)

    def start() -> None:
        try:
            _server(chosen.name)
        except Exception:  # noqa: BLE001 - speak() starts it again and raises its error
            log.debug("festival did not start ahead", exc_info=True)

    threading.Thread(target=start, name="dirfa-voice", daemon=True).start()


def speak(text: str, voice: Voice, *, rate: float = 1.0, pitch: float = 1.0) -> Spoken:
    """Synthesise plain ASCII `text` with festival voice `voice` (a name in VOICES)."""
    try:
        return _server(voice.name).speak(text, rate=rate, pitch=pitch)
    except _OutOfStorage as exc:
        # Rare (see HEAP_CELLS): spoken again with festival's own heap, which then serves the later phrases.
        log.info("%s; speaking the phrase again with %d cells", exc, FULL_HEAP_CELLS)
        return _server(voice.name, FULL_HEAP_CELLS).speak(text, rate=rate, pitch=pitch)
