"""Encode rendered RGB frames plus the original recording into an H.264/AAC MP4, and probe/read videos.

Last step of the pipeline: render (frame iterator) -> media.video -> the user's MP4.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from dirfa.errors import InputError
from dirfa.media.audio import decode_frames, open_audio_stream, resample
from dirfa.media.files import atomic_output

log = logging.getLogger(__name__)

# x264 speed/size trade-off. Measured on 512x512 talking-head frames, 2 cores: "veryfast" encodes at a
# few ms/frame, leaving the CPU to the renderer; slower presets shrink the file but cost several times more.
X264_PRESET = "veryfast"
# ...with the cheapest motion search: diamond, and sub-pixel refinement by SAD alone. A talking head moves
# little and the still background is skipped anyway, so the wider search finds little better: measured on
# rendered frames (benchmarks/reply_speed.py --encoder, a busy machine), 0.70-0.84x write_video's CPU at
# 1536 x 1536 (35 -> 24 ms a frame) and 0.68-0.95x at 512 x 512 (x264 alone: 0.61x, 0.63x), for a file 3-4 %
# larger and PSNR 0.02-0.08 dB lower (no difference to see in the frames).
X264_MOTION = "me=dia:subme=1"
# Constant rate factor: 18-23 is x264's "visually transparent to good" range; 20 keeps lips and teeth crisp.
# (live/record.py's zerolatency stream, which has never had B-frames, uses this one.)
DEFAULT_CRF = 20
# No B-frames. veryfast's three B-frames between P-frames get a coarser quantiser than the P-frames (mb-tree:
# nothing references them), so the moving face lost detail on three frames of four and got it back on the
# fourth: a visible "breathing" softness. Measured with benchmarks/encode_detail.py (4 s takes of four
# portraits at 512 px; face box's Laplacian variance after decoding as a share of the raw frame's): B-frames
# at CRF 20 keep 73 % on average, lowest 56 %, changing 10.0 points from frame to frame; without B-frames at
# CRF 21, 76 %, lowest 65 %, 1.4 points, for a file 1.26x larger, face PSNR 0.14 dB lower and x264 CPU
# 0.77-0.86x (two runs). At CRF 20 the file grows 1.5x; at 22 it keeps 72 % at 1.05x. psy-rd and deblock
# -1:-1 (tune=film) changed nothing at subme=1, pbratio/ipratio nothing under mb-tree; aq-mode=0 or CRF 18
# cost 1.4x the file and still swing 8-9.5 points.
X264_FRAME_TYPES = "bframes=0"
# write_video's CRF with X264_FRAME_TYPES: one step coarser than DEFAULT_CRF, for the file size (see above).
WRITE_CRF = 21
# A keyframe re-encodes the whole picture, and the still background changes by its coding error (~3 levels
# on full3, one frame): a visible "refresh". x264's default of one every 250 frames (10 s) pulses through a
# talking head; one every KEYFRAME_EVERY_S keeps most clips in one GOP and long ones seekable.
KEYFRAME_EVERY_S = 30
# Sample rates AAC (ISO/IEC 14496-3, sampling_frequency_index table) can signal; others are resampled.
AAC_RATES_HZ = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
AAC_FALLBACK_RATE_HZ = 48000
# AAC bit rates in bit/s: 192 kbit/s stereo / 128 kbit/s mono is transparent for speech with FFmpeg's
# native AAC encoder (FFmpeg's AAC encoding guide recommends >= 128 kbit/s stereo for its encoder).
AAC_BITRATE_STEREO_BPS = 192_000
AAC_BITRATE_MONO_BPS = 128_000
# How far audio is muxed ahead of the video, in seconds; the mp4 muxer interleaves within this window.
AUDIO_LEAD_S = 0.5
# Frames waiting between the renderer and the encoder thread: enough to absorb jitter, small in memory
# (8 x 512x512x3 = 6 MB).
QUEUE_FRAMES = 8
# Encode in a background thread: libx264 and swscale run with the GIL released (PyAV wraps
# avcodec_send_frame and sws_scale in `nogil`), so rendering and encoding overlap on two cores.
ENCODE_IN_THREAD = True
# x264's own threads: one. The renderers keep both cores busy, and x264's frame threads then only add
# overhead (60 s at 512 px: 14.5 -> 14.1 s; at 1600 x 1200: 24.7 -> 23.2 s on 2 cores). Single-threaded
# encoding is also bit-exact from run to run.
ENCODER_THREADS = 1


@dataclass(frozen=True)
class VideoInfo:
    """What probe_video finds in a file. Durations in seconds; audio fields are None without audio."""

    width: int
    height: int
    fps: float
    n_frames: int
    duration_s: float
    video_codec: str
    pixel_format: str
    audio_codec: str | None
    audio_duration_s: float | None
    audio_sample_rate_hz: int | None
    audio_channels: int | None


def _check_frame(frame: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    """Return `frame` as a contiguous uint8 array, or raise ValueError (a programming error, not user input)."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        desc = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"write_video needs (H, W, 3) uint8 RGB frames, got {desc}")
    if shape is None:
        if frame.shape[0] % 2 or frame.shape[1] % 2:
            raise ValueError(
                f"write_video needs even frame sides for yuv420p, got {frame.shape[1]}x{frame.shape[0]}"
            )
        if frame.shape[0] < 16 or frame.shape[1] < 16:
            raise ValueError(
                f"write_video needs frames of at least 16x16, got {frame.shape[1]}x{frame.shape[0]}"
            )
    elif frame.shape != shape:
        raise ValueError(f"write_video: frame size changed from {shape} to {frame.shape}")
    return np.ascontiguousarray(frame)


class _AudioTrack:
    """Re-decodes the user's recording and feeds it to an AAC stream, a little ahead of the video."""

    def __init__(self, source: Path, output: av.container.OutputContainer, duration_s: float | None) -> None:
        self._input, in_stream = open_audio_stream(Path(source), role="audio")
        try:
            in_rate = in_stream.codec_context.sample_rate
            self.rate_hz = in_rate if in_rate in AAC_RATES_HZ else AAC_FALLBACK_RATE_HZ
            # Keep mono as mono and stereo as stereo; surround is folded to stereo (libswresample's standard
            # downmix matrix), since a talking head has no use for 5.1.
            self.layout = "mono" if in_stream.codec_context.channels == 1 else "stereo"
            self.stream = output.add_stream("aac", rate=self.rate_hz, layout=self.layout)
            self.stream.bit_rate = AAC_BITRATE_MONO_BPS if self.layout == "mono" else AAC_BITRATE_STEREO_BPS
            self._time_base = Fraction(1, self.rate_hz)
            self._output = output
            frames = decode_frames(self._input, in_stream, Path(source), role="audio")
            self._frames = resample(frames, rate_hz=self.rate_hz, sample_format="fltp", layout=self.layout)
        except BaseException:
            self._input.close()
            raise
        self._limit = None if duration_s is None else max(0, round(duration_s * self.rate_hz))
        self._written = 0
        self._done = False

    def pump(self, until_s: float | None) -> None:
        """Encode and mux the recording up to `until_s` seconds (None: to its end or the trim point)."""
        target = None if until_s is None else until_s * self.rate_hz
        while not self._done and (target is None or self._written < target):
            frame = next(self._frames, None)
            if frame is None:
                self._done = True
                break
            if self._limit is not None and self._written + frame.samples >= self._limit:
                keep = self._limit - self._written
                self._done = True
                if keep <= 0:
                    break
                if keep < frame.samples:
                    trimmed = av.AudioFrame.from_ndarray(
                        np.ascontiguousarray(frame.to_ndarray()[:, :keep]), format="fltp", layout=self.layout
                    )
                    trimmed.sample_rate = self.rate_hz
                    frame = trimmed
            frame.pts = self._written
            frame.time_base = self._time_base
            self._written += frame.samples
            for packet in self.stream.encode(frame):
                self._output.mux(packet)

    def finish(self) -> None:
        """Encode the rest, flush the encoder."""
        self.pump(None)
        for packet in self.stream.encode(None):
            self._output.mux(packet)
        self.close()

    def close(self) -> None:
        self._input.close()


class _MemoryAudioTrack(_AudioTrack):
    """Feeds in-memory mono samples (e.g. synthesised speech) to an AAC stream, like _AudioTrack does a file."""

    def __init__(
        self,
        samples: np.ndarray,
        rate_hz: int,
        output: av.container.OutputContainer,
        duration_s: float | None,
    ) -> None:
        samples = np.ascontiguousarray(np.clip(np.nan_to_num(samples), -1.0, 1.0), dtype=np.float32)
        if samples.ndim != 1 or rate_hz <= 0:
            raise ValueError(f"in-memory audio must be (n,) mono at a positive rate, got {samples.shape}")
        self.rate_hz = rate_hz if rate_hz in AAC_RATES_HZ else AAC_FALLBACK_RATE_HZ
        self.layout = "mono"
        self.stream = output.add_stream("aac", rate=self.rate_hz, layout=self.layout)
        self.stream.bit_rate = AAC_BITRATE_MONO_BPS
        self._time_base = Fraction(1, self.rate_hz)
        self._output = output
        self._frames = resample(_array_frames(samples, rate_hz), rate_hz=self.rate_hz, layout=self.layout)
        self._limit = None if duration_s is None else max(0, round(duration_s * self.rate_hz))
        self._written = 0
        self._done = False

    def close(self) -> None:
        pass  # nothing opened


# Samples per frame handed to the resampler/encoder: AAC codes 1024-sample frames.
_MEMORY_FRAME_SAMPLES = 1024


def _array_frames(samples: np.ndarray, rate_hz: int) -> Iterator[av.AudioFrame]:
    for start in range(0, samples.shape[0], _MEMORY_FRAME_SAMPLES):
        chunk = samples[None, start : start + _MEMORY_FRAME_SAMPLES]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="mono")
        frame.sample_rate = rate_hz
        yield frame


class _Encoder:
    """Owns the output container: encodes video frames, keeps the audio muxed just ahead of them."""

    def __init__(
        self,
        output: av.container.OutputContainer,
        *,
        width: int,
        height: int,
        fps: int,
        crf: int,
        audio: _AudioTrack | None,
    ) -> None:
        self._output = output
        self._fps = fps
        self._audio = audio
        self._time_base = Fraction(1, fps)
        stream = output.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        keyint = max(1, round(KEYFRAME_EVERY_S * fps))
        stream.options = {
            "crf": str(crf),
            "preset": X264_PRESET,
            "x264-params": (
                f"keyint={keyint}:min-keyint={min(keyint, max(1, round(fps)))}:{X264_MOTION}:{X264_FRAME_TYPES}"
            ),
        }
        stream.codec_context.thread_count = ENCODER_THREADS
        # Frames are sRGB (BT.709 primaries), converted to limited-range YUV with the BT.601 matrix (what
        # OpenCV's fast converter implements); tag the stream so players convert back with the same matrix.
        cc = stream.codec_context
        cc.colorspace = 6  # AVCOL_SPC_SMPTE170M: the BT.601 matrix
        cc.color_primaries = 1  # AVCOL_PRI_BT709 (= sRGB primaries)
        cc.color_trc = 1  # AVCOL_TRC_BT709
        cc.color_range = 1  # AVCOL_RANGE_MPEG
        self.stream = stream
        self.n_frames = 0

    def add(self, rgb: np.ndarray) -> None:
        # OpenCV converts ~10x faster than swscale here (0.7 vs 7-9 ms for 1600x1200 on this machine).
        yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)  # BT.601 matrix, limited range, planes stacked
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = self.n_frames
        frame.time_base = self._time_base
        self.n_frames += 1
        for packet in self.stream.encode(frame):
            self._output.mux(packet)
        if self._audio is not None:
            self._audio.pump(self.n_frames / self._fps + AUDIO_LEAD_S)

    def finish(self) -> None:
        for packet in self.stream.encode(None):
            self._output.mux(packet)
        if self._audio is not None:
            self._audio.finish()


_END = object()


def _encode_in_thread(encoder: _Encoder, frames: Iterator[np.ndarray], first: np.ndarray) -> None:
    """Render (the caller's iterator) in this thread, encode in a worker fed by a bounded queue.

    Any exception on either side (including KeyboardInterrupt here) stops both and is re-raised here.
    """
    jobs: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    failure: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        try:
            while True:
                item = jobs.get()
                if item is _END or stop.is_set():
                    break
                encoder.add(item)
            if not stop.is_set():
                encoder.finish()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)
            stop.set()

    worker = threading.Thread(target=work, name="dirfa-encode", daemon=True)
    worker.start()

    def put(item: object) -> None:
        # Time out now and then so a dead worker does not leave us blocked on a full queue.
        while True:
            if failure:
                raise failure[0]
            try:
                jobs.put(item, timeout=0.1)
                return
            except queue.Full:
                if not worker.is_alive():
                    raise RuntimeError("video encoder thread stopped unexpectedly") from None

    try:
        put(first)
        shape = first.shape
        for frame in frames:
            put(_check_frame(frame, shape))
        put(_END)
        worker.join()
    except BaseException:
        stop.set()
        # Unblock the worker if it waits on an empty queue; drop queued frames.
        with contextlib.suppress(queue.Empty):
            while True:
                jobs.get_nowait()
        with contextlib.suppress(queue.Full):
            jobs.put_nowait(_END)
        # The worker stops within one frame; wait for it even through a second Ctrl-C, because the caller
        # closes the container next and libav must not be used from two threads at once.
        while worker.is_alive():
            with contextlib.suppress(KeyboardInterrupt):
                worker.join()
        raise
    if failure:
        raise failure[0]


def write_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    *,
    fps: int,
    audio_source: Path | None,
    audio_duration_s: float | None = None,
    crf: int = WRITE_CRF,
    audio_samples: np.ndarray | None = None,
    audio_rate_hz: int | None = None,
    encode_in_thread: bool | None = None,
) -> int:
    """Encode `frames` (each (H, W, 3) uint8 RGB, even H and W) to an H.264 yuv420p MP4 at `fps`.

    The frame size is taken from the first frame. If `audio_source` is given, its first audio track is
    re-encoded as AAC (original rate when AAC allows it, else 48 kHz; mono stays mono, more channels become
    stereo), trimmed to `audio_duration_s` seconds if given (a shorter recording just ends early, unpadded).
    Without a source, `audio_samples` ((n,) float32 mono at `audio_rate_hz`, e.g. synthesised speech) are
    encoded the same way from memory,
    and interleaved with the video as it is written, so memory stays flat. The file is moved into place only when complete: any failure, including
    an exception from `frames` or KeyboardInterrupt, leaves nothing at `path`.

    Returns the number of frames written. Raises ValueError for malformed frames or parameters,
    InputError if the audio source cannot be read, OutputError if `path` cannot be written.

    encode_in_thread: encode in a thread beside the one that makes the frames (default ENCODE_IN_THREAD). Pass
    False when other processes render most frames: this thread then only waits for them, and the two threads'
    turns at the GIL would slow both (benchmarks/reply_speed.py).
    """
    if not isinstance(fps, int) or fps <= 0:
        raise ValueError(f"write_video needs a positive integer fps, got {fps!r}")
    if not 0 <= crf <= 51:
        raise ValueError(f"write_video needs 0 <= crf <= 51, got {crf}")
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise ValueError("write_video got no frames")
    first = _check_frame(first, None)
    height, width = first.shape[:2]

    with atomic_output(Path(path)) as tmp:
        output = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        audio = None
        try:
            if audio_source is not None:
                audio = _AudioTrack(Path(audio_source), output, audio_duration_s)
            elif audio_samples is not None:
                audio = _MemoryAudioTrack(audio_samples, int(audio_rate_hz or 0), output, audio_duration_s)
            encoder = _Encoder(output, width=width, height=height, fps=fps, crf=crf, audio=audio)
            if ENCODE_IN_THREAD if encode_in_thread is None else encode_in_thread:
                _encode_in_thread(encoder, iterator, first)
            else:
                encoder.add(first)
                for frame in iterator:
                    encoder.add(_check_frame(frame, first.shape))
                encoder.finish()
        except BaseException:
            # The partial file is deleted by atomic_output; close quietly, the first error is what matters.
            if audio is not None:
                audio.close()
            with contextlib.suppress(Exception):
                output.close()
            raise
        output.close()  # writes the moov atom (moved to the front by faststart)
    log.debug("wrote %s: %d frames %dx%d at %d fps", path, encoder.n_frames, width, height, fps)
    return encoder.n_frames


def _open_video(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise InputError(f"video {path} does not exist — check the path")
    if path.is_dir():
        raise InputError(f"video {path} is a folder — give a video file")
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, ValueError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"video {path} cannot be decoded ({exc}) — give an MP4, MKV or WebM file") from exc
    if not container.streams.video:
        container.close()
        raise InputError(f"{path} has no video track — give an MP4, MKV or WebM file")
    return container


def probe_video(path: str | Path) -> VideoInfo:
    """Describe a video file's first video and audio tracks. Counts packets when the header has no count."""
    path = Path(path)
    with _open_video(path) as container:
        vs = container.streams.video[0]
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate
        fps = float(rate) if rate else 0.0
        if vs.duration is not None and vs.time_base is not None:
            duration_s = float(vs.duration * vs.time_base)
        else:
            duration_s = (container.duration or 0) / av.time_base
        n_frames = vs.frames
        aus = container.streams.audio[0] if container.streams.audio else None
        audio_codec = audio_duration_s = audio_rate = audio_channels = None
        if aus is not None:
            audio_codec = aus.codec_context.name
            audio_rate = aus.codec_context.sample_rate
            audio_channels = aus.codec_context.channels
            if aus.duration is not None and aus.time_base is not None:
                audio_duration_s = float(aus.duration * aus.time_base)
        if not n_frames:
            n_frames = sum(1 for packet in container.demux(vs) if packet.size)
        return VideoInfo(
            width=vs.codec_context.width,
            height=vs.codec_context.height,
            fps=fps,
            n_frames=int(n_frames),
            duration_s=duration_s,
            video_codec=vs.codec_context.name,
            pixel_format=vs.codec_context.pix_fmt or "",
            audio_codec=audio_codec,
            audio_duration_s=audio_duration_s,
            audio_sample_rate_hz=audio_rate,
            audio_channels=audio_channels,
        )


def read_video_frames(path: str | Path) -> Iterator[np.ndarray]:
    """Yield the frames of a video's first video track as (H, W, 3) uint8 RGB arrays, in display order."""
    path = Path(path)
    container = _open_video(path)
    with container:
        try:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
        except av.FFmpegError as exc:
            raise InputError(f"video {path} cannot be decoded ({exc}) — the file may be damaged") from exc
