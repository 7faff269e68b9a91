"""Causal speech analysis for audio that arrives in chunks: phones and words decoded incrementally by pocketsphinx,
and mouth curves made as for files, each frame final once LOOKAHEAD_S of audio follows it.

Live stage: pushed PCM chunks -> resampled (ChunkResampler) -> StreamAnalyzer -> per-frame mouth + prosody.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dirfa.media.audio import SAMPLE_RATE_HZ
from dirfa.speech import closures, coarticulation, phonemes, words
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
# Pitch frames (10 ms) this close to the end of an update's audio are tracked again by the next update: the
# zero-phase band-pass's backward pass starts at that end, and YIN's frame reaches ~20 ms past its centre.
# Earlier frames are kept and reused (tracking the same ~1.4 s again for every 4 new frames cost ~5 ms of CPU
# a frame, as much as the phone decoding).
PITCH_SETTLE_S = 0.25
_PITCH_HOP = int(round(speech_prosody.HOP_S * SAMPLE_RATE_HZ))  # samples per pitch frame
DECODER_FRAMES_PER_S = 100  # pocketsphinx's usual 10 ms frames (speech.phonemes uses the same)
# The word decoder's search, bounded for a live session's CPU budget: acoustic scores computed on every other
# 10 ms frame (ds=2, pocketsphinx's frame downsampling; times stay in 10 ms frames), at most 600 active HMMs
# and 5 word exits per frame, where file mode scores every frame with 1000 HMMs and any number of exits
# (speech.words._FAST). Measured on pocketsphinx-testdata pushed in 100 ms chunks (the five LibriVox clips,
# cards/*.wav, goforward.raw): it costs what 300 HMMs on every frame did (~3 ms a frame, as the phone
# decoder), and its partial hypotheses, pruned less, keep words 300 HMMs lost ("been made" was "been
# they've"; "ill disposed" 200 ms after its p is "adults bow", a bilabial where the p is): p/b/m closed 28 of
# 29 on LibriVox (was 26), 32 of 35 on all (was 30); open vowels shut 1 of 25 as in file mode (was 2).
# 800 or 1000 HMMs close the same; 600-2000 with 4 Gaussians a mixture (topn=4) cost 1.5-2.6x and lose
# goforward's "meters".
LIVE_WORD_SETTINGS: dict[str, object] = {"maxhmmpf": 600, "maxwpf": 5, "ds": 2}
# Files are decoded with the cepstral mean of the whole clip (pocketsphinx's batch CMN); a live decoder
# starts from the model's initial mean (40,3,-1,0...), which pocketsphinx weighs as 500 frames of audio
# (CMN_WIN in its cmn_live.c) and moves only slowly: 5 s into a LibriVox clip its c0 had come from 40 to 48 of
# the clip's 53, and the phone decoder heard b/p as d/t that the batch mean hears as b/p (nshmyrev on
# pocketsphinx-ruby#10: "Decoder requires CMN estimations in the beginning"). So every CMN_STEP_S the mean is
# set to the exact mean of the utterance's cepstra so far (CepstralMean): at the end of a clip it is the
# file's mean. Same steps however the audio is chunked.
CMN_STEP_S = 0.1
# pocketsphinx's front end: 410-sample windows (25.625 ms at 16 kHz) every 160 samples (its -wlen, -frate
# defaults); a cepstrum is computed, and counted in the live mean, once its window is full.
_FE_WINDOW = 410
_FE_SHIFT = 160
_CMN_WIN = 500  # frames the mean set on a live decoder counts as (cmn_live.c's CMN_WIN)
# A decoder reused from the session's previous utterance starts from that utterance's mean (the same voice
# and channel, most likely), counted as this many frames of the new one; a fresh decoder's initial mean
# (cmninit, 40,3,-1: not this voice's) counts for nothing.
CMN_PRIOR_FRAMES = 100
# A partial hypothesis ends in a word forced to end at the newest frame; words that end this long before the
# newest audio are taken as heard. 0: every word, the newest too (its p/b/m is usually its first sound, heard
# by then; a wrong guess there lies in frames that are not final yet and is decoded again). Measured: 0 and
# 0.1 s close the same p/b/m on the testdata clips, 0.2 s three fewer.
WORD_MARGIN_S = 0.0
# File mode judges voice activity and loudness against the whole clip's levels (speech.prosody.LevelScale:
# the 10th/95th percentile of its 10 ms hop levels, and of its speech hops'). A stream judges them against
# every hop heard so far in the utterance (look-ahead included), kept in histograms of LEVEL_BIN_DB bins: the
# same statistics as the file's by the end of the clip. (Judged against the last ~1.4 s only, as the
# analysis window saw them, the floor of a stretch of continuous speech is speech, and a fifth of the
# frames of pocketsphinx-testdata's LibriVox clips came out silent where the file hears speech.)
LEVEL_BIN_DB = 0.05  # percentiles within 0.025 dB of numpy's
LEVEL_RANGE_DB = (speech_prosody.SILENCE_DB - 1.0, 20.0)


@dataclass(frozen=True)
class FrameSpeech:
    """What the speech stage found for some consecutive frames: mouth (n, len(MOUTH_TRACKS)) float32 in
    MOUTH_TRACKS order; loudness (n,) 0..1; f0_hz (n,) 0 unvoiced; speech (n,) bool voice activity;
    energy_db (n,) and voiced (n,) bool, the rest of the prosody the motion stream reads (None: unknown);
    typed_question (n,) float, typed text's question marks (motion.cues.ProsodyLike; None: the words are not
    known, as for pushed audio)."""

    mouth: np.ndarray
    loudness: np.ndarray
    f0_hz: np.ndarray
    speech: np.ndarray
    energy_db: np.ndarray | None = None
    voiced: np.ndarray | None = None
    typed_question: np.ndarray | None = None

    @property
    def n_frames(self) -> int:
        return int(self.mouth.shape[0])


def frame_speech(
    mouth: dict[str, np.ndarray], prosody: speech_prosody.Prosody, lo: int, hi: int
) -> FrameSpeech:
    """Frames lo..hi-1 of whole-clip mouth curves and prosody (with its typed_question marks when it has them:
    motion.cues.typed_questions)."""
    n = hi - lo
    matrix = np.zeros((n, len(MOUTH_TRACKS)), np.float32)
    for j, name in enumerate(MOUTH_TRACKS):
        if name in mouth:
            matrix[:, j] = mouth[name][lo:hi]
    typed = getattr(prosody, "typed_question", None)
    return FrameSpeech(
        mouth=matrix,
        loudness=np.asarray(prosody.loudness[lo:hi], np.float32),
        f0_hz=np.asarray(prosody.f0_hz[lo:hi], np.float32),
        speech=np.asarray(prosody.speech[lo:hi], bool),
        energy_db=np.asarray(prosody.energy_db[lo:hi], np.float32),
        voiced=np.asarray(prosody.voiced[lo:hi], bool),
        typed_question=None if typed is None else np.asarray(typed[lo:hi], np.float64),
    )


class CepstralMean:
    """Keeps a live pocketsphinx decoder's cepstral mean at the exact mean of the utterance's cepstra so far.

    pocketsphinx adds each new cepstrum to a sum that starts as the mean it was set to times _CMN_WIN; its
    get_cmn(update=True) returns that sum over the frame count. From the frames computed since the mean was
    last set, the sum of their cepstra follows, and the mean of all the utterance's is set back."""

    def __init__(self, decoder: object) -> None:
        self.decoder = decoder
        self._set = self._parse(decoder.get_cmn(False))
        initial = self._parse(str(decoder.config["cmninit"]))
        fresh = np.array_equal(self._set[: initial.size], initial) and not self._set[initial.size :].any()
        self._prior = 0 if fresh else CMN_PRIOR_FRAMES
        self._sum = self._set * self._prior
        self._frames = 0  # cepstra of the utterance so far

    @staticmethod
    def _parse(text: str) -> np.ndarray:
        return np.array([float(v) for v in text.split(",")])

    def update(self, samples: int) -> None:
        """After `samples` samples of the utterance have been given to the decoder."""
        frames = max(0, (samples - _FE_WINDOW) // _FE_SHIFT + 1)
        new = frames - self._frames
        if new <= 0:
            return
        blended = self._parse(self.decoder.get_cmn(True))
        self._sum += blended * (_CMN_WIN + new) - self._set * _CMN_WIN
        self._frames = frames
        self._set = self._sum / (frames + self._prior)
        self.decoder.set_cmn(",".join(f"{v:.4f}" for v in self._set))


class LevelHistory:
    """The 10 ms hop levels (dBFS) heard so far, and those of the hops found to be speech, as histograms:
    their percentiles are the stream's causal estimate of a file's speech.prosody.LevelScale."""

    def __init__(self) -> None:
        lo_db, hi_db = LEVEL_RANGE_DB
        self._bins = int(round((hi_db - lo_db) / LEVEL_BIN_DB)) + 1
        self.levels = np.zeros(self._bins, np.int64)
        self.speech = np.zeros(self._bins, np.int64)

    def _index(self, level_db: np.ndarray) -> np.ndarray:
        at = np.round((np.asarray(level_db, np.float64) - LEVEL_RANGE_DB[0]) / LEVEL_BIN_DB)
        return np.clip(at, 0, self._bins - 1).astype(np.int64)

    def add(self, level_db: np.ndarray, *, speech: bool = False) -> None:
        """Count hops' levels (into the speech histogram with speech=True)."""
        counts = np.bincount(self._index(level_db), minlength=self._bins)
        if speech:
            self.speech += counts
        else:
            self.levels += counts

    def _percentiles(self, counts: np.ndarray, extra_db: np.ndarray, q: tuple[float, ...]) -> list[float]:
        """numpy's (linear) percentiles of the counted levels and `extra_db`, from the histogram."""
        counts = counts + np.bincount(self._index(extra_db), minlength=self._bins)
        cumulative = np.cumsum(counts)
        total = int(cumulative[-1])
        out = []
        for one in q:
            rank = one / 100.0 * (total - 1)
            below = int(math.floor(rank))
            at = np.searchsorted(cumulative, [below, min(below + 1, total - 1)], side="right")
            values = LEVEL_RANGE_DB[0] + at * LEVEL_BIN_DB
            out.append(float(values[0] + (rank - below) * (values[1] - values[0])))
        return out

    def scale(self, speech_db: np.ndarray | None = None) -> speech_prosody.LevelScale:
        """The scale of the hops counted so far, with `speech_db` the levels of speech hops not counted yet."""
        if int(self.levels.sum()) == 0:
            return speech_prosody.LevelScale(speech_prosody.SILENCE_DB, speech_prosody.SILENCE_DB)
        floor_db, peak_db = self._percentiles(self.levels, np.zeros(0), (10.0, 95.0))
        lo_db = hi_db = None
        speech_db = np.zeros(0) if speech_db is None else np.asarray(speech_db, np.float64)
        if int(self.speech.sum()) + speech_db.size >= 3:
            lo_db, hi_db = self._percentiles(self.speech, speech_db, (10.0, 95.0))
        return speech_prosody.LevelScale(floor_db, peak_db, lo_db, hi_db)


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


@dataclass(frozen=True)
class Decoders:
    """The pocketsphinx decoders a pushed utterance runs over the same audio: phones (speech.phonemes'
    phone loop) and words (speech.words, for the p/b/m the phones miss); words None to decode phones only."""

    phones: object
    words: object | None


def decoders(*, with_words: bool = True) -> Decoders:
    """New decoders (loading the models takes a few hundred ms)."""
    return Decoders(
        phones=phonemes.phone_decoder(frames_per_s=DECODER_FRAMES_PER_S),
        words=words.word_decoder(**LIVE_WORD_SETTINGS) if with_words else None,
    )


def warm_up(fps: float, *, with_words: bool = True) -> Decoders:
    """Load what the first pushed chunk would otherwise wait for (the decoders' models, the pitch tracker's
    code paths); returns the decoders."""
    speech_prosody.analyze(
        np.zeros(SAMPLE_RATE_HZ, np.float32), sample_rate_hz=SAMPLE_RATE_HZ, fps=fps, n_frames=int(fps)
    )
    return decoders(with_words=with_words)


class StreamAnalyzer:
    """Mouth curves for one utterance whose 16 kHz audio arrives in pieces.

    push() feeds audio and returns the frames that became final (those with LOOKAHEAD_S of audio after
    them); finish() returns the rest. Frame i shows the mouth at i / fps (+ coarticulation's lead), as in
    file mode; frames are counted from the utterance's first sample. As in file mode, the words heard so
    far (a partial hypothesis, decoded in the same pass as the phones) put back the p/b/m that the phones
    miss (speech.words.add_bilabials); decoder.words None leaves them out."""

    def __init__(
        self, *, fps: float, lookahead_s: float = LOOKAHEAD_S, decoder: Decoders | None = None
    ) -> None:
        self.fps = float(fps)
        self.lookahead_s = float(lookahead_s)
        # Loading the models takes a few hundred ms: a session passes the decoders of its last utterance.
        self._decoders = decoder if decoder is not None else decoders()
        for one in self._running():
            one.start_utt()
        self._means = [CepstralMean(one) for one in self._running()]
        self._audio = np.zeros(0, np.float32)  # the last HISTORY_S + of the utterance
        self._audio_start = 0  # sample index of _audio[0] in the utterance
        self._total = 0  # samples pushed
        self._decoded = 0  # bytes of 16-bit PCM given to the decoders
        self.emitted = 0  # frames made final
        # YIN frames already tracked, from hop _pitch_hop0 (10 ms hops counted from the utterance's start)
        self._pitch = speech_prosody.PitchTrack(np.zeros(0), np.zeros(0))
        self._pitch_hop0 = 0
        # Level statistics of the utterance so far: hops before _level_hops are in _levels.levels, speech
        # hops before _speech_hops in _levels.speech (those of frames already final).
        self._levels = LevelHistory()
        self._level_hops = 0
        self._speech_hops = 0
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
        pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2").tobytes()
        self._decode(pcm)
        self._audio = np.concatenate([self._audio, samples])
        self._total += samples.size
        final = int(math.floor((self.duration_s - self.lookahead_s) * self.fps))
        # Frames go out in batches: analysing costs about the same for one frame as for several. (Emitting the
        # first frame alone would not start speech sooner for audio arriving at real time: the next batch
        # would come too late for the frame after it.)
        if final - self.emitted < MIN_UPDATE_FRAMES:
            return None
        return self._emit(final)

    def finish(self) -> FrameSpeech | None:
        """The utterance is complete: every remaining frame (None if there are none)."""
        if self._finished:
            return None
        self._finished = True
        for one in self._running():
            one.end_utt()
        final = int(math.ceil(self.duration_s * self.fps - 1e-6))
        if final <= self.emitted:
            return None
        return self._emit(final)

    @property
    def decoder(self) -> Decoders:
        """The decoders, reusable for the next utterance once this one is finished."""
        return self._decoders

    def close(self) -> None:
        """End the utterance without analysing the rest (an interrupt)."""
        if not self._finished:
            self._finished = True
            for one in self._running():
                one.end_utt()

    def _decode(self, pcm: bytes) -> None:
        """Feed 16-bit PCM to the decoders in CMN_STEP_S pieces, the cepstral mean set to the utterance's so
        far after each (the same steps however the audio is chunked)."""
        step = 2 * int(CMN_STEP_S * SAMPLE_RATE_HZ)  # bytes
        at = 0
        while at < len(pcm):
            piece = pcm[at : at + step - self._decoded % step]
            for one in self._running():
                one.process_raw(piece, False, False)
            self._decoded += len(piece)
            at += len(piece)
            if self._decoded % step == 0:
                for mean in self._means:
                    mean.update(self._decoded // 2)

    def _running(self) -> list[object]:
        return [d for d in (self._decoders.phones, self._decoders.words) if d is not None]

    def _segments(self, after_s: float) -> list[tuple[str, float, float]]:
        """The phones decoded so far that end after after_s (an update's window starts there)."""
        frame_s = 1.0 / DECODER_FRAMES_PER_S
        out = []
        for seg in self._decoders.phones.seg():
            end_s = (seg.end_frame + 1) * frame_s
            if end_s > after_s:
                out.append((phonemes._normalise_phone(seg.word), seg.start_frame * frame_s, end_s))
        return out

    def _heard(self, start_s: float) -> words.Words | None:
        """The words decoded so far that end after start_s, in times from start_s (None without a word
        decoder). Before the utterance ends, the newest WORD_MARGIN_S are left out (see there)."""
        if self._decoders.words is None:
            return None
        until_s = self.duration_s - (0.0 if self._finished else WORD_MARGIN_S)
        found = [
            w for w in words.decoded_words(self._decoders.words, after_s=start_s) if w[2] <= until_s + 1e-9
        ]
        return words.Words(
            tuple(w[0] for w in found),
            np.array([w[1] - start_s for w in found]),
            np.array([w[2] - start_s for w in found]),
            np.ones(len(found)),
            tuple(w[4] for w in found),
            self.duration_s - start_s,
        )

    def _emit(self, final: int) -> FrameSpeech:
        """Frames emitted..final-1, from the audio since a little before them."""
        first = max(0, self.emitted - int(round(CONTEXT_S * self.fps)))
        # The loudness scale comes from the speech heard so far (up to HISTORY_S more), as a listener's would:
        # prosody is analysed from frame `head`, the mouth from frame `first`.
        head = max(0, first - int(round(HISTORY_S * self.fps)))
        head = min(max(head, int(math.ceil(self._audio_start * self.fps / SAMPLE_RATE_HZ))), first)
        head_sample = int(round(head / self.fps * SAMPLE_RATE_HZ))
        audio = self._audio[max(head_sample - self._audio_start, 0) :]
        audio_from = max(head_sample, self._audio_start)  # utterance sample of audio[0]
        n_all = int(math.ceil(audio.size / SAMPLE_RATE_HZ * self.fps - 1e-6))
        offset = first - head
        if audio.size < MIN_ANALYSIS_S * SAMPLE_RATE_HZ:
            # Only the utterance's first moments: silence before it (as there was) gives prosody.analyze the
            # half second its voice-activity smoothing needs.
            pad = int(math.ceil((MIN_ANALYSIS_S - audio.size / SAMPLE_RATE_HZ) * self.fps))
            silence = np.zeros(int(round(pad / self.fps * SAMPLE_RATE_HZ)), np.float32)
            audio = np.concatenate([silence, audio])
            audio_from -= silence.size
            n_all += pad
            offset += pad
        pitch = self._known_pitch(audio_from)
        voice_all = self._prosody(audio, audio_from, n_all, pitch, final)
        self._keep_pitch(audio_from, pitch)
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
        shifted = [(p, a - start_s, b - start_s) for p, a, b in self._segments(start_s)]
        timeline = phonemes._timeline(shifted, window_s, "recognition")
        heard = self._heard(start_s)
        if heard is not None:
            timeline = words.add_bilabials(timeline, heard)
        # As in file mode (api._analyze): p/b/m kept to where the 1-4 kHz band goes quiet. Causal: a closure's
        # reference is the loudest band level within closures.CONTEXT_S of it in the audio heard so far.
        start = int(round(start_s * SAMPLE_RATE_HZ)) - audio_from
        timeline = closures.closures_in_quiet(timeline, audio[start:], sample_rate_hz=SAMPLE_RATE_HZ)
        # No breaths in pauses: they look 0.5 s ahead (coarticulation.BREATH_LOOKAHEAD_S), past LOOKAHEAD_S.
        mouth = coarticulation.mouth_curves(
            timeline, voice, fps=self.fps, n_frames=n_all - offset, breaths=False
        )
        out = frame_speech(mouth, voice, self.emitted - first, final - first)
        self.emitted = final
        self._trim()
        return out

    def _prosody(
        self,
        audio: np.ndarray,
        audio_from: int,
        n_frames: int,
        pitch: speech_prosody.PitchTrack | None,
        final: int,
    ) -> speech_prosody.Prosody:
        """speech.prosody.analyze of the window `audio` (utterance sample audio_from on), voice activity and
        loudness judged against the levels of the whole utterance so far (LevelHistory) rather than the
        window's own; the speech hops of frames before `final` are counted for later updates."""
        self._count_levels()
        duration_s = max(n_frames / self.fps, audio.size / SAMPLE_RATE_HZ)
        n = int(np.ceil(duration_s / speech_prosody.HOP_S)) + 1
        hops = speech_prosody.analyze_hops(audio, SAMPLE_RATE_HZ, n, pitch, self._levels.scale())
        # Utterance hop index of each window hop (the window starts on the 10 ms grid at 25 fps; at other
        # rates to within half a hop); the silence padded before the utterance is not counted.
        index = np.round((audio_from + np.arange(n) * _PITCH_HOP) / _PITCH_HOP).astype(np.int64)
        real = (index >= 0) & (index < self._level_hops)
        done_hop = int(math.floor((final - 0.5) / self.fps / speech_prosody.HOP_S)) + 1
        if self._finished:
            done_hop = self._level_hops
        new = real & hops.speech & (index >= self._speech_hops)
        settled = new & (index < done_hop)
        self._levels.add(hops.level_db[settled], speech=True)
        scale = self._levels.scale(hops.level_db[new & ~settled])
        self._speech_hops = max(self._speech_hops, done_hop)
        return speech_prosody.per_video_frame(hops, fps=self.fps, n_frames=n_frames, scale=scale)

    def _count_levels(self) -> None:
        """Count the levels of the hops whose 25 ms window the audio now covers (all of them, as a file
        counts them, once the utterance is finished)."""
        hop = _PITCH_HOP
        half = int(round(0.025 * SAMPLE_RATE_HZ)) // 2
        if self._finished:
            # As analyze() counts a file's: up to the last video frame, the audio past the end silent.
            frames = int(math.ceil(self.duration_s * self.fps - 1e-6))
            end_s = max(frames / self.fps, self.duration_s)
            until = int(np.ceil(end_s / speech_prosody.HOP_S)) + 1
        else:
            until = max((self._total - half) // hop + 1, 0)
        first = self._level_hops
        if until <= first:
            return
        # From two hops before the first (no window there reaches before the piece), or the utterance start.
        lead = min(first, 2)
        start = (first - lead) * hop
        if start < self._audio_start:  # not kept any more (cannot happen: counted on every update)
            lead, start = 0, self._audio_start
        piece = self._audio[start - self._audio_start :]
        levels_db = speech_prosody.level_hops_db(piece, SAMPLE_RATE_HZ, until - first + lead)[lead:]
        self._levels.add(levels_db)
        self._level_hops = until

    def _known_pitch(self, audio_from: int) -> speech_prosody.PitchTrack | None:
        """The pitch frames already tracked for audio starting at utterance sample `audio_from` (None when that
        start is not on the 10 ms grid, as at frame rates that do not divide it: then all are tracked)."""
        if audio_from % _PITCH_HOP:
            return None
        skip = audio_from // _PITCH_HOP - self._pitch_hop0
        if not 0 <= skip <= self._pitch.f0_hz.shape[0]:
            skip = self._pitch.f0_hz.shape[0]  # nothing known from there
        return speech_prosody.PitchTrack(self._pitch.f0_hz[skip:], self._pitch.aperiodicity[skip:])

    def _keep_pitch(self, audio_from: int, pitch: speech_prosody.PitchTrack | None) -> None:
        """After an update's analysis: keep its pitch frames but the last PITCH_SETTLE_S."""
        if pitch is None:
            return
        keep = max(pitch.f0_hz.shape[0] - int(round(PITCH_SETTLE_S / speech_prosody.HOP_S)), 0)
        self._pitch = speech_prosody.PitchTrack(pitch.f0_hz[:keep], pitch.aperiodicity[:keep])
        self._pitch_hop0 = audio_from // _PITCH_HOP

    def _trim(self) -> None:
        """Keep only the audio later updates need: HISTORY_S before the first frame not yet final."""
        keep_s = (self.emitted - 1) / self.fps - CONTEXT_S - HISTORY_S
        keep_from = int(math.floor(keep_s * SAMPLE_RATE_HZ))
        drop = keep_from - self._audio_start
        if drop > SAMPLE_RATE_HZ:  # trimmed a second at a time, not on every update
            self._audio = self._audio[drop:]
            self._audio_start += drop
