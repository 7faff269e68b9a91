"""Decode any speech recording (or a video's audio track) to 16 kHz mono float32 samples with PyAV.

First step of the speech side of the pipeline: media.audio -> speech.phonemes / speech.prosody.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from dirfa.errors import InputError

log = logging.getLogger(__name__)

# Analysis rate in Hz: what pocketsphinx's en-US acoustic model expects, and enough for lip sync (speech
# energy that matters for phone recognition lies below 8 kHz).
SAMPLE_RATE_HZ = 16000
# Shortest usable recording, in seconds: shorter than one syllable (~0.1-0.2 s) cannot drive a mouth.
MIN_DURATION_S = 0.1
# Decode errors tolerated in one file (a damaged frame here and there) before giving up on it.
MAX_DECODE_ERRORS = 50

_HINT = "give a speech recording such as WAV or MP3"

# PyAV's exceptions: FFmpegError covers libav* errors; the others come from its own checks
# (e.g. a resampler given a frame of another layout) and from broken metadata.
_DECODE_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError, UnicodeDecodeError)


@dataclass(frozen=True)
class Audio:
    """A decoded recording.

    samples: (n,) float32 mono in [-1, 1] at sample_rate_hz.
    sample_rate_hz: always SAMPLE_RATE_HZ.
    source: the original file (absolute), re-read by media.video for the output's audio track, so that
        the output keeps the recording's own quality rather than the 16 kHz analysis copy; None for audio
        made in memory (synthesised speech, pushed chunks).
    original: for in-memory audio, the playable samples ((n,) float32 mono in [-1, 1]) at their own rate,
        original_rate_hz (e.g. a synthesiser's 22050 or 32000 Hz); media.video muxes these when source is
        None. When both are None the output's sound is the 16 kHz `samples`.
    """

    samples: np.ndarray
    sample_rate_hz: int
    source: Path | None
    original: np.ndarray | None = None
    original_rate_hz: int | None = None

    def playable(self) -> tuple[np.ndarray, int]:
        """The best in-memory samples to play and their rate: `original` if given, else the analysis copy."""
        if self.original is not None and self.original_rate_hz:
            return self.original, int(self.original_rate_hz)
        return self.samples, self.sample_rate_hz

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate_hz


def open_audio_stream(
    path: Path, *, role: str = "audio"
) -> tuple[av.container.InputContainer, av.AudioStream]:
    """Open `path` and return (container, first audio stream); the caller closes the container.

    Raises InputError if the file is missing, a folder, not decodable, or has no audio track.
    Shared with media.video, which re-reads the recording for the output's soundtrack.
    """
    if not path.exists():
        raise InputError(f"{role} {path} does not exist — check the path")
    if path.is_dir():
        raise InputError(f"{role} {path} is a folder — give the recording file inside it")
    if path.stat().st_size == 0:
        raise InputError(f"{role} {path} is an empty file — {_HINT}")
    try:
        container = av.open(str(path), mode="r")
    except PermissionError as exc:
        raise InputError(f"{role} {path} cannot be read (permission denied) — check its permissions") from exc
    except _DECODE_ERRORS as exc:
        raise InputError(
            f"{role} {path} cannot be decoded (corrupt or unknown format: {exc}) — {_HINT}"
        ) from exc
    if not container.streams.audio:
        container.close()
        raise InputError(f"{path} has no audio track — {_HINT}")
    stream = container.streams.audio[0]
    if stream.codec_context is None or stream.codec_context.sample_rate <= 0:
        container.close()
        raise InputError(f"{role} {path} has an audio track that cannot be decoded — {_HINT}")
    return container, stream


def decode_frames(
    container: av.container.InputContainer, stream: av.AudioStream, path: Path, *, role: str = "audio"
) -> Iterator[av.AudioFrame]:
    """Yield the decoded frames of `stream`, skipping a few damaged packets; InputError past MAX_DECODE_ERRORS."""
    n_errors = 0
    try:
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except _DECODE_ERRORS as exc:
                # A demuxer error mid-file (e.g. truncated): keep what was decoded so far.
                log.warning("%s: stopped reading at a damaged part (%s)", path, exc)
                break
            try:
                frames = packet.decode()
            except _DECODE_ERRORS as exc:
                n_errors += 1
                log.debug("%s: skipped a damaged packet (%s)", path, exc)
                if n_errors > MAX_DECODE_ERRORS:
                    raise InputError(
                        f"{role} {path} is too damaged to decode ({n_errors} bad packets) — {_HINT}"
                    ) from exc
                continue
            yield from frames
    except av.FFmpegError as exc:  # e.g. a codec that cannot be opened
        raise InputError(f"{role} {path} cannot be decoded ({exc}) — {_HINT}") from exc


def resample(
    frames: Iterator[av.AudioFrame], *, rate_hz: int, sample_format: str = "fltp", layout: str | None = None
) -> Iterator[av.AudioFrame]:
    """Resample frames to `rate_hz`, `sample_format` and `layout` (None keeps each frame's own layout).

    A new resampler is started whenever the input layout or rate changes mid-stream (which some
    broadcasts and concatenated files do), since one libswresample context handles one input format.
    """
    resampler = None
    key = None
    for frame in frames:
        frame_key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if frame_key != key:
            if resampler is not None:
                yield from resampler.resample(None)
            resampler = av.AudioResampler(format=sample_format, layout=layout or frame.layout, rate=rate_hz)
            key = frame_key
        frame.pts = None  # dirfa treats audio as a plain sample sequence from its first decoded sample
        yield from resampler.resample(frame)
    if resampler is not None:
        yield from resampler.resample(None)


def load_audio(path: str | Path, *, max_duration_s: float = 3600.0) -> Audio:
    """Decode a recording to mono float32 at SAMPLE_RATE_HZ.

    Reads WAV, MP3, M4A/AAC, OGG/Opus/Vorbis, FLAC and the audio track of MP4/MKV/WebM files, at any
    sample rate and channel count. Channels are averaged (not summed, so nothing clips). Decoding streams
    frame by frame; only the 16 kHz result is held in memory (~230 MB for an hour). Any start offset the
    container declares is ignored: sample 0 is the first decoded sample, the same convention media.video
    uses when it copies this recording into the output.

    Raises InputError for a missing, undecodable or damaged file, one without an audio track, a recording
    shorter than MIN_DURATION_S, or one longer than max_duration_s. Silence is valid (returns zeros).
    """
    path = Path(path).absolute()
    container, stream = open_audio_stream(path)
    max_samples = int(max_duration_s * SAMPLE_RATE_HZ)
    too_long = (
        f"audio {path} is longer than {max_duration_s:.0f} s — cut it into shorter parts "
        f"(or raise the limit) and animate each"
    )
    chunks: list[np.ndarray] = []
    n_samples = 0
    # The container's declared duration is not trusted for the limit: streamed WAVs claim 0 or 4 GB, and
    # damaged files anything. Samples are counted as they are decoded instead.
    with container:
        frames = decode_frames(container, stream, path)
        for frame in resample(frames, rate_hz=SAMPLE_RATE_HZ, sample_format="fltp"):
            planes = frame.to_ndarray()  # (channels, n) float32
            mono = planes.mean(axis=0, dtype=np.float32) if planes.shape[0] > 1 else planes[0]
            chunks.append(np.array(mono, dtype=np.float32))  # a copy: the frame's buffer is reused
            n_samples += mono.shape[0]
            if n_samples > max_samples:
                raise InputError(too_long)
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    del chunks
    # Float WAVs may hold NaN/inf or values past full scale; the analysis expects [-1, 1]. In place: an
    # hour is 230 MB.
    np.nan_to_num(samples, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    np.clip(samples, -1.0, 1.0, out=samples)
    duration_s = samples.shape[0] / SAMPLE_RATE_HZ
    if duration_s < MIN_DURATION_S:
        what = "no sound samples" if samples.shape[0] == 0 else f"only {duration_s * 1000:.0f} ms of sound"
        raise InputError(f"audio {path} contains {what} — {_HINT} of at least {MIN_DURATION_S} s")
    return Audio(samples=samples.astype(np.float32, copy=False), sample_rate_hz=SAMPLE_RATE_HZ, source=path)


def write_wav(path: str | Path, samples: np.ndarray, sample_rate_hz: int) -> Path:
    """Write mono float samples in [-1, 1] as a 16-bit PCM WAV; the file appears only when complete."""
    import wave

    from dirfa.media.files import atomic_output

    path = Path(path)
    pcm = np.clip(np.round(np.nan_to_num(np.asarray(samples, np.float64)) * 32767.0), -32768, 32767)
    with atomic_output(path) as tmp:
        with wave.open(str(tmp), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(int(sample_rate_hz))
            writer.writeframes(pcm.astype("<i2").tobytes())
    return path
