"""Live sessions on real speech (pocketsphinx-testdata) and real synthesis: frames and their timestamps,
audio/video sync, interrupt, idle continuity, causal analysis against offline, bad input, use after close."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import Callable

import numpy as np
import pytest

from dirfa.errors import InputError
from dirfa.live import LiveFrame, Session, SessionClosed
from dirfa.speech import coarticulation, phonemes
from dirfa.speech import prosody as speech_prosody
from dirfa.speech.visemes import MOUTH_TRACKS

FPS = 25
RATE_HZ = 16000  # the test clip's own rate: pushed audio comes back out unchanged
MOUTH = list(MOUTH_TRACKS)
MAX_WAIT_FRAMES = 3000  # with a 10 ms pause per silent frame: gives the synthesiser/analysis up to ~30 s


def pull_until(
    session: Session, done: Callable[[LiveFrame], bool], *, limit: int = MAX_WAIT_FRAMES
) -> list[LiveFrame]:
    """Frames from next_frame() up to and including the first for which done(frame); silent frames are
    spaced 10 ms apart so the background work gets the CPU. Fails the test if `done` never happens."""
    frames = []
    for _ in range(limit):
        frame = session.next_frame()
        frames.append(frame)
        if done(frame):
            return frames
        if not frame.audio.any():
            time.sleep(0.01)
    pytest.fail(f"condition not reached within {limit} frames; session errors: {session.errors}")


def audible(frame: LiveFrame) -> bool:
    return bool(frame.audio.any())


@pytest.fixture()
def session(avatar):
    s = Session(avatar, render=False, fps=FPS, audio_rate_hz=RATE_HZ)
    yield s
    s.close()


@pytest.fixture(scope="module")
def clip(librivox_clip) -> np.ndarray:
    with wave.open(str(librivox_clip), "rb") as src:
        samples, rate = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
    assert rate == RATE_HZ
    pad = np.zeros(int(0.5 * rate), np.int16)
    return np.concatenate([pad, samples, pad])


def _push_all(session: Session, pcm: np.ndarray, chunk_s: float = 0.1) -> None:
    step = int(chunk_s * RATE_HZ)
    for lo in range(0, pcm.size, step):
        session.push_audio(pcm[lo : lo + step], RATE_HZ)
    session.end_audio()


def _speech_frames(session: Session) -> list:
    """Pull frames until speech starts, then until the session has nothing left to say."""
    frames = pull_until(session, audible)
    start = len(frames) - 1
    frames += pull_until(session, lambda f: not session.speaking)
    return frames[start:]


def test_idle_frames_count_time_and_silence(session):
    frames = [session.next_frame() for _ in range(10)]
    assert [f.index for f in frames] == list(range(10))
    assert [f.t for f in frames] == pytest.approx([i / FPS for i in range(10)])
    for f in frames:
        assert f.image is None
        assert f.audio.dtype == np.int16 and f.audio.shape == (RATE_HZ // FPS,)
        assert not f.audio.any()
        assert {"headYaw", "headPitch", "eyeBlinkLeft", "jawOpen"} <= set(f.curves)
        assert sum(f.visemes.values()) == pytest.approx(1.0, abs=1e-3)


def test_rendered_frames_have_the_output_size(avatar):
    with Session(avatar, size=128, fps=FPS) as s:
        frame = s.next_frame()
    assert frame.image.shape == (128, 128, 3) and frame.image.dtype == np.uint8


def test_idle_face_is_alive(session):
    frames = [session.next_frame() for _ in range(FPS * 12)]
    yaw = np.array([f.curves["headYaw"] for f in frames])
    blink = np.array([f.curves["eyeBlinkLeft"] for f in frames])
    gaze = np.array([f.curves["gazeYaw"] for f in frames])
    assert np.ptp(yaw) > 0.3  # slow drift
    assert blink.max() > 0.9  # at least one full blink in 12 s (~17/min at rest)
    assert np.ptp(gaze) > 0.5  # gaze shifts


def test_pushed_audio_comes_out_with_its_frames(session, clip):
    _push_all(session, clip)
    frames = pull_until(session, lambda f: not session.speaking and f.index > 0)
    spoken = [f for f in frames if f.speaking]
    audio = np.concatenate([f.audio for f in spoken])
    # Every sample pushed comes out once, in order, in whole frames; the rest of the last frame is silence.
    assert len(spoken) == int(np.ceil(clip.size / (RATE_HZ // FPS)))
    np.testing.assert_array_equal(audio[: clip.size], clip)
    assert not audio[clip.size :].any()
    assert not any(f.audio.any() for f in frames if not f.speaking)


def test_pushed_audio_mouth_follows_offline_analysis(session, clip):
    _push_all(session, clip)
    frames = pull_until(session, lambda f: not session.speaking and f.index > 0)
    n = int(np.ceil(clip.size / (RATE_HZ // FPS)))
    live = np.array([[f.curves[m] for m in MOUTH] for f in frames if f.speaking])
    assert len(live) == n
    samples = clip.astype(np.float32) / 32768
    timeline = phonemes.recognize(samples, sample_rate_hz=RATE_HZ)
    voice = speech_prosody.analyze(samples, sample_rate_hz=RATE_HZ, fps=FPS, n_frames=n)
    offline = coarticulation.mouth_curves(timeline, voice, fps=FPS, n_frames=n)
    jaw_live, jaw_off = live[:, MOUTH.index("jawOpen")], offline["jawOpen"][: len(live)]
    assert np.corrcoef(jaw_live, jaw_off)[0, 1] > 0.6
    assert np.abs(jaw_live - jaw_off).mean() < 0.08
    # Silent before and after: the mouth rests there in both.
    assert jaw_live[:5].max() < 0.05 and jaw_live[-5:].max() < 0.05


def test_say_speaks_with_the_mouth_in_sync(session):
    session.say("Hello there. How are you today?")
    frames = _speech_frames(session)
    loud = np.array([np.abs(f.audio.astype(np.float32)).mean() for f in frames])
    jaw = np.array([f.curves["jawOpen"] for f in frames])
    assert len(frames) > FPS  # over a second of speech
    assert jaw.max() > 0.2
    # The mouth opens where the sound is, not a few frames off: it may lead (real speakers' mouths open ~80 ms
    # ahead of the voice; speech.coarticulation.OPEN_LEAD_S; on these short synthesised phrases, each starting
    # with a breathy h the jaw opens through, ~110 ms, under the ~125 ms at which video ahead of its sound is
    # noticed, ITU-R BT.1359), and never lags by more than a frame.
    loud_z, jaw_z = (loud - loud.mean()) / loud.std(), (jaw - jaw.mean()) / jaw.std()
    lags = range(-4, 5)
    score = [np.mean(np.roll(loud_z, lag) * jaw_z) for lag in lags]
    assert -3 <= list(lags)[int(np.argmax(score))] <= 1  # negative: the mouth leads


def test_interrupt_goes_idle_and_drops_queued_speech(session):
    session.say("This is a long sentence that keeps on going for quite a while, and then some more words.")
    session.say("And a second sentence that must never be heard.")
    pull_until(session, lambda f: f.curves["jawOpen"] > 0.15)
    session.interrupt()
    after = [session.next_frame() for _ in range(FPS * 2)]
    assert not any(f.audio.any() for f in after)  # no stale audio, from the very next frame
    jaw = [f.curves["jawOpen"] for f in after]
    assert jaw[2] < 0.02 and max(jaw[2:]) < 0.02  # at rest within two frames (80 ms at 25 fps)
    assert not session.speaking
    # Still usable: it speaks again.
    session.say("Yes.")
    assert pull_until(session, audible)


def test_idle_speech_idle_has_no_jump(session):
    frames = [session.next_frame() for _ in range(FPS)]
    session.say("Good morning.")
    frames += pull_until(session, audible)
    frames += pull_until(session, lambda f: not session.speaking)
    frames += [session.next_frame() for _ in range(FPS)]
    # One motion stream runs through idle and speech, so no track steps where speech starts or stops: each
    # moves no faster than the file mode's own motion (head turns saturate at 45 deg/s = 1.8 deg a frame,
    # head.MAX_SPEED_DEG_S; a nod peaks at ~1.3 deg a frame on the testdata clips), and a step would also
    # show as a spike in the second difference, which stays under a degree (file mode: <= 0.65).
    for name, limit in [("headYaw", 1.8), ("headPitch", 1.8), ("headRoll", 1.8), ("browInnerUp", 0.25)]:
        values = np.array([f.curves[name] for f in frames])
        assert np.abs(np.diff(values)).max() < limit, name
        if name.startswith("head"):
            assert np.abs(np.diff(values, 2)).max() < 1.0, name
    for name in MOUTH:
        values = np.array([f.curves[name] for f in frames])
        assert np.abs(np.diff(values)).max() < 0.6, name


def test_emotion_eases_in(session):
    session.set_emotion("happy:0.8")
    frames = [session.next_frame() for _ in range(FPS * 2)]
    smile = [f.curves["mouthSmileLeft"] for f in frames]
    assert smile[0] < 0.3 and smile[-1] > 0.5
    assert np.abs(np.diff(smile)).max() < 0.15
    with pytest.raises(InputError):
        session.set_emotion("ecstatic")
    session.set_emotion(None)
    assert session.next_frame().index == FPS * 2


def test_listening_nods(session):
    session.listen(True)
    pitch = np.array([session.next_frame().curves["headPitch"] for _ in range(FPS * 12)])
    session.listen(False)
    assert pitch.min() < -1.5  # at least one nod (a ~2 degree chin dip every 2-5 s)


@pytest.mark.parametrize(
    "pcm, rate",
    [
        (np.zeros(1600, np.int32), RATE_HZ),
        (np.zeros(1600, np.float64), RATE_HZ),
        (np.zeros((1600, 2), np.int16), RATE_HZ),
        (np.full(1600, np.nan, np.float32), RATE_HZ),
        (np.full(1600, 3.0, np.float32), RATE_HZ),
        (np.zeros(1600, np.int16), 0),
        (np.zeros(1600, np.int16), 16000.5),
        ([0, 1, 2], RATE_HZ),
    ],
)
def test_bad_chunks_are_refused_and_the_session_goes_on(session, pcm, rate):
    with pytest.raises(InputError):
        session.push_audio(pcm, rate)
    session.push_audio(np.zeros(1600, np.int16), RATE_HZ)
    assert session.next_frame().index == 0


def test_a_new_rate_mid_utterance_is_refused(session):
    session.push_audio(np.zeros(1600, np.int16), RATE_HZ)
    with pytest.raises(InputError, match="end_audio"):
        session.push_audio(np.zeros(4800, np.int16), 48000)
    session.end_audio()
    session.push_audio(np.zeros(4800, np.int16), 48000)  # a new utterance may have another rate


@pytest.mark.parametrize("text", ["", "   ", None])
def test_say_nothing_is_refused(session, text):
    with pytest.raises(InputError):
        session.say(text)
    session.next_frame()


def test_use_after_close(avatar):
    s = Session(avatar, render=False)
    stream = s.frames()
    assert next(stream).index == 0
    s.close()
    s.close()
    for call in (s.next_frame, lambda: s.say("hi"), lambda: s.push_audio(np.zeros(10, np.int16), 16000)):
        with pytest.raises(SessionClosed):
            call()
    assert list(stream) == []


def test_bad_session_options(avatar):
    with pytest.raises(InputError):
        Session(avatar, fps=0)
    with pytest.raises(InputError):
        Session(avatar, fps=25, audio_rate_hz=44101)
    with pytest.raises(InputError):
        Session(avatar, size=5)


def test_async_frames_are_paced_in_order(avatar):
    async def take(n: int) -> list:
        out = []
        async for frame in s.aframes():
            out.append(frame.index)
            if len(out) == n:
                break
        return out

    with Session(avatar, render=False) as s:
        assert asyncio.run(take(3)) == [0, 1, 2]


def test_stream_analysis_reuses_its_pitch_track_without_changing_it(clip, monkeypatch):
    # Each update tracks pitch only past what earlier updates settled: the same frames come out as when every
    # update tracks its whole window again.
    from dirfa.live.analysis import StreamAnalyzer, decoders

    samples = clip[: 4 * RATE_HZ].astype(np.float32) / 32768.0

    def stream() -> dict[str, np.ndarray]:
        analyzer = StreamAnalyzer(fps=25, decoder=decoders(with_words=False))
        parts = [analyzer.push(samples[lo : lo + 1600]) for lo in range(0, samples.size, 1600)]
        parts.append(analyzer.finish())
        parts = [p for p in parts if p is not None]
        return {k: np.concatenate([getattr(p, k) for p in parts]) for k in ("mouth", "loudness", "f0_hz")}

    reused = stream()
    monkeypatch.setattr(StreamAnalyzer, "_known_pitch", lambda self, audio_from: None)
    whole = stream()
    assert reused["f0_hz"].shape == whole["f0_hz"].shape == (100,)
    assert (reused["f0_hz"] > 0).sum() > 30  # voiced speech was tracked
    for name in reused:
        np.testing.assert_allclose(reused[name], whole[name], atol=1e-3)
