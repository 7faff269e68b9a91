"""Record a live session's frames and their sound to a fragmented MP4 as they come (H.264 + AAC).

Live stage, output side: LiveFrame stream -> MP4 fragments (playable while it grows when written in place).
"""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from dirfa.media.files import atomic_output
from dirfa.media.video import AAC_BITRATE_MONO_BPS, AAC_RATES_HZ, DEFAULT_CRF

# Fragments start at every keyframe; one keyframe a second keeps a growing file playable and seekable.
KEYFRAME_EVERY_S = 1.0


class LiveRecorder:
    """Writes LiveFrames (image + audio) to `path`; the file appears when close() completes (written to a
    temporary name beside it). Use as a context manager: an exception leaves nothing behind."""

    def __init__(self, path: str | Path, *, width: int, height: int, fps: int, audio_rate_hz: int) -> None:
        if audio_rate_hz not in AAC_RATES_HZ:
            raise ValueError(f"AAC cannot carry {audio_rate_hz} Hz audio")
        self._atomic = atomic_output(Path(path))
        tmp = self._atomic.__enter__()
        self._output = av.open(
            str(tmp),
            mode="w",
            format="mp4",
            options={"movflags": "frag_keyframe+empty_moov+default_base_moof"},
        )
        video = self._output.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        keyint = max(1, round(KEYFRAME_EVERY_S * fps))
        video.options = {
            "crf": str(DEFAULT_CRF),
            "preset": "veryfast",
            "tune": "zerolatency",
            "g": str(keyint),
        }
        video.codec_context.thread_count = 1
        audio = self._output.add_stream("aac", rate=audio_rate_hz, layout="mono")
        audio.bit_rate = AAC_BITRATE_MONO_BPS
        self._video, self._audio = video, audio
        self._fps, self._rate = fps, audio_rate_hz
        self._audio_pts = 0
        self.n_frames = 0

    def add(self, image: np.ndarray, audio: np.ndarray) -> None:
        """One frame: (H, W, 3) uint8 RGB and its int16 mono samples."""
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
        frame.pts, frame.time_base = self.n_frames, Fraction(1, self._fps)
        self.n_frames += 1
        for packet in self._video.encode(frame):
            self._output.mux(packet)
        sound = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(audio, np.int16)[None, :], format="s16", layout="mono"
        )
        sound.sample_rate, sound.pts = self._rate, self._audio_pts
        sound.time_base = Fraction(1, self._rate)
        self._audio_pts += audio.shape[0]
        for packet in self._audio.encode(sound):
            self._output.mux(packet)

    def close(self) -> None:
        for stream in (self._video, self._audio):
            for packet in stream.encode(None):
                self._output.mux(packet)
        self._output.close()
        self._atomic.__exit__(None, None, None)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._output.close()
        with contextlib.suppress(Exception):
            self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def __enter__(self) -> LiveRecorder:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
