"""Causal speech analysis for audio that arrives in chunks: phones decoded incrementally by pocketsphinx, and
mouth curves made by the same coarticulation as files, each frame final once LOOKAHEAD_S of audio follows it.

Live stage: pushed PCM chunks -> resampled (ChunkResampler) -> StreamAnalyzer -> per-frame mouth + prosody.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from dirfa.media.audio import SAMPLE_RATE_HZ
from dirfa.speech import coarticulation, phonemes
from dirfa.speech import prosody as speech_prosody
from dirfa.speech.visemes import MOUTH_TRACKS

# A frame is final when this much audio follows it: coarticulation looks ~60-120 ms ahead (a vowel's
# dominance starts 60 ms before it; lips approach a p a frame early), and the phone decoder's last phone
# is still growing. The issue asks for at most 200 ms.
LOOKAHEAD_S = 0.2
# Audio before the first frame not yet final that each update analyses again: the jaw's speed limit and the
# dominance functions reach back ~150 ms, the loudness normalisation wants some speech to compare with.
CONTEXT_S = 0.6
# History kept for the loudness reference (prosody normalises a frame's level against the speech around it).
HISTORY_S = 0.4
MIN_ANALYSIS_S = 0.6  # prosody's voice-activity smoothing spans 0.5 s: shorter audio is padded with silence
MIN_UPDATE_FRAMES = 4  # analyse again once this many more frames can be made final (cost vs latency)
DECODER_FRAMES_PER_S = 100  # pocketsphinx's usual 10 ms frames (speech.phonemes uses the same)


@dataclass(frozen=True)
class FrameSpeech:
    """What the speech stage found for some consecutive frames: mouth (n, len(MOUTH_TRACKS)) float32 in
    MOUTH_TRACKS order; loudness (n,) 0..1; f0_hz (n,) 0 unvoiced; speech (n,) bool voice activity."""

    mouth: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    speech: np.ndarray

    @property
    def n_frames(self) -> int:
        return int(self.mouth.shape[0])


def frame_speech(
    mouth: dict[str, np.ndarray], prosody: speech_prosody.Prosody, lo: int, hi: int
) -> FrameSpeech:
    """Frames lo..hi-1 of whole-clip mouth curves and prosody."""
    n = hi - lo
    matrix = np.zeros((n, len(MOUTH_TRACKS)), np.float32)
    for j, name in enumerate(MOUTH_TRACKS):
        if name in mouth:
            matrix[:, j] = mouth[name][lo:hi]
    return FrameSpeech(
        mouth=matrix,
        loudness=np.asarray(prosody.loudness[lo:hi], np.float32),
        f0_hz=np.asarray(prosody.f0_hz[lo:hi], np.float32),
        speech=np.asarray(prosody.speech[lo:hi], bool),
    )


class ChunkResampler:
    """Mono float32 chunks at one rate -> another rate, keeping the filter's state across chunks
    (libswresample through PyAV, as media.audio uses)."""

    def __init__(self, in_rate_hz: int, out_rate_hz: int) -> None:
        self.in_rate_hz, self.out_rate_hz = int(in_rate_hz), int(out_rate_hz)
        self._resampler = None
        self._pts = 0
        if self.in_rate_hz != self.out_rate_hz:
            import av

            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=self.out_rate_hz)

    def __call__(self, samples: np.ndarray, *, final: bool = False) -> np.ndarray:
        if self._resampler is None:
            return np.asarray(samples, np.float32)
        import av

        out = []
        if samples.size:
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples, np.float32)[None, :], format="flt", layout="mono"
            )
            frame.sample_rate = self.in_rate_hz
            frame.pts = self._pts
            self._pts += samples.size
            out.extend(self._resampler.resample(frame))
        if final:
            out.extend(self._resampler.resample(None))
        if not out:
            return np.zeros(0, np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in out]).astype(np.float32)


def resample(samples: np.ndarray, in_rate_hz: int, out_rate_hz: int) -> np.ndarray:
    """A whole clip resampled (mono float32)."""
    return ChunkResampler(in_rate_hz, out_rate_hz)(samples, final=True)


def phone_decoder() -> object:
    """A pocketsphinx phone-loop decoder with speech.phonemes' settings (pocketsphinx's own phone-recognition
    example: a low language weight and a wide beam)."""
    from pocketsphinx import Decoder

    return Decoder(
        allphone=os.path.join(phonemes._model_dir(), "en-us-phone.lm.bin"),
        lw=2.0,
        pip=0.3,
        beam=1e-200,
        pbeam=1e-20,
        samprate=SAMPLE_RATE_HZ,
        frate=DECODER_FRAMES_PER_S,
        loglevel="FATAL",
    )


def warm_up(fps: float) -> object:
    """Load what the first pushed chunk would otherwise wait for (the decoder's model, scipy.signal for the
    pitch tracker); returns the decoder."""
    speech_prosody.analyze(
        np.zeros(SAMPLE_RATE_HZ, np.float32), sample_rate_hz=SAMPLE_RATE_HZ, fps=fps, n_frames=int(fps)
    )
    return phone_decoder()


class StreamAnalyzer:
    """Mouth curves for one utterance whose 16 kHz audio arrives in pieces.

    push() feeds audio and returns the frames that became final (those with LOOKAHEAD_S of audio after
    them); finish() returns the rest. Frame i shows the mouth at i / fps (+ coarticulation's lead), as in
    file mode; frames are counted from the utterance's first sample."""

    def __init__(
        self, *, fps: float, lookahead_s: float = LOOKAHEAD_S, decoder: object | None = None
    ) -> None:
        self.fps = float(fps)
        self.lookahead_s = float(lookahead_s)
        # Loading the model takes a few hundred ms: a session passes the decoder of its last utterance.
        self._decoder = decoder if decoder is not None else phone_decoder()
        self._decoder.start_utt()
        self._audio = np.zeros(0, np.float32)  # the last HISTORY_S + of the utterance
        self._audio_start = 0  # sample index of _audio[0] in the utterance
        self._total = 0  # samples pushed
        self.emitted = 0  # frames made final
        self._finished = False

    @property
    def duration_s(self) -> float:
        return self._total / SAMPLE_RATE_HZ

    def push(self, samples: np.ndarray) -> FrameSpeech | None:
        """Feed 16 kHz mono float32 samples; the frames that became final (None if none yet)."""
        if self._finished:
            raise RuntimeError("utterance already finished")
        samples = np.asarray(samples, np.float32)
        if samples.size == 0:
            return None
        pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
        self._decoder.process_raw(pcm.tobytes(), False, False)
        self._audio = np.concatenate([self._audio, samples])
        self._total += samples.size
        final = int(math.floor((self.duration_s - self.lookahead_s) * self.fps))
        # Frames go out in batches: analysing costs about the same for one frame as for several. (Emitting the
        # first frame alone would not start speech sooner for audio arriving at real time: the next batch
        # would come too late for the frame after it.)
        if final - self.emitted < MIN_UPDATE_FRAMES:
            return None
        return self._emit(final, self._segments())

    def finish(self) -> FrameSpeech | None:
        """The utterance is complete: every remaining frame (None if there are none)."""
        if self._finished:
            return None
        self._finished = True
        self._decoder.end_utt()
        final = int(math.ceil(self.duration_s * self.fps - 1e-6))
        if final <= self.emitted:
            return None
        return self._emit(final, self._segments())

    @property
    def decoder(self) -> object:
        """The decoder, reusable for the next utterance once this one is finished."""
        return self._decoder

    def close(self) -> None:
        """End the utterance without analysing the rest (an interrupt)."""
        if not self._finished:
            self._finished = True
            self._decoder.end_utt()

    def _segments(self) -> list[tuple[str, float, float]]:
        frame_s = 1.0 / DECODER_FRAMES_PER_S
        return [
            (phonemes._normalise_phone(seg.word), seg.start_frame * frame_s, (seg.end_frame + 1) * frame_s)
            for seg in self._decoder.seg()
        ]

    def _emit(self, final: int, segments: list[tuple[str, float, float]]) -> FrameSpeech:
        """Frames emitted..final-1, from the audio since a little before them."""
        first = max(0, self.emitted - int(round(CONTEXT_S * self.fps)))
        # The loudness scale comes from the speech heard so far (up to HISTORY_S more), as a listener's would:
        # prosody is analysed from frame `head`, the mouth from frame `first`.
        head = max(0, first - int(round(HISTORY_S * self.fps)))
        head = min(max(head, int(math.ceil(self._audio_start * self.fps / SAMPLE_RATE_HZ))), first)
        head_sample = int(round(head / self.fps * SAMPLE_RATE_HZ))
        audio = self._audio[max(head_sample - self._audio_start, 0) :]
        n_all = int(math.ceil(audio.size / SAMPLE_RATE_HZ * self.fps - 1e-6))
        offset = first - head
        if audio.size < MIN_ANALYSIS_S * SAMPLE_RATE_HZ:
            # Only the utterance's first moments: silence before it (as there was) gives prosody.analyze the
            # half second its voice-activity smoothing needs.
            pad = int(math.ceil((MIN_ANALYSIS_S - audio.size / SAMPLE_RATE_HZ) * self.fps))
            audio = np.concatenate([np.zeros(int(round(pad / self.fps * SAMPLE_RATE_HZ)), np.float32), audio])
            n_all += pad
            offset += pad
        voice_all = speech_prosody.analyze(audio, sample_rate_hz=SAMPLE_RATE_HZ, fps=self.fps, n_frames=n_all)
        voice = speech_prosody.Prosody(
            fps=self.fps,
            energy_db=voice_all.energy_db[offset:],
            loudness=voice_all.loudness[offset:],
            f0_hz=voice_all.f0_hz[offset:],
            voiced=voice_all.voiced[offset:],
            speech=voice_all.speech[offset:],
        )
        start_s = first / self.fps
        window_s = self.duration_s - start_s
        shifted = [(p, a - start_s, b - start_s) for p, a, b in segments if b > start_s]
        timeline = phonemes._timeline(shifted, window_s, "recognition")
        mouth = coarticulation.mouth_curves(timeline, voice, fps=self.fps, n_frames=n_all - offset)
        out = frame_speech(mouth, voice, self.emitted - first, final - first)
        self.emitted = final
        self._trim()
        return out

    def _trim(self) -> None:
        """Keep only the audio later updates need: HISTORY_S before the first frame not yet final."""
        keep_s = (self.emitted - 1) / self.fps - CONTEXT_S - HISTORY_S
        keep_from = int(math.floor(keep_s * SAMPLE_RATE_HZ))
        drop = keep_from - self._audio_start
        if drop > SAMPLE_RATE_HZ:  # trimmed a second at a time, not on every update
            self._audio = self._audio[drop:]
            self._audio_start += drop
