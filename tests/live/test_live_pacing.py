"""Live pacing: say() synthesises a bounded distance ahead of playback, a paced stream counts its late frames
against its own clock (a long stall restarts the clock once instead of making every frame late), renders
speech frames ahead so a stalled render does not hold the stream back, and drops the frames made ahead when
interrupted, making them again idle with the same indices and motion; a burst of pushed speech reaches the
decoders in small pieces (they hold the GIL while they decode), analysed as chunks arriving at real time are."""

from __future__ import annotations

import threading
import time
import wave

import numpy as np
import pytest

from dirfa.live import Session
from dirfa.live.analysis import StreamAnalyzer
from dirfa.live.session import (
    DECODE_PIECE_S,
    MAX_LATE_S,
    RELEASE_S,
    RENDER_AHEAD_FRAMES,
    SYNTH_AHEAD_S,
    _Clock,
)
from dirfa.media.audio import SAMPLE_RATE_HZ

FPS = 25
# Four sentences, ~12 s with the default voice; each phrase at most ~4 s.
TEXT = (
    "Good morning, and welcome to the show. Today we talk about small computers and what they can do. "
    "A face that speaks needs lips that move with the words. None of that needs a graphics card."
)
LONGEST_PHRASE_S = 5.0


def test_say_synthesises_a_bounded_distance_ahead(avatar):
    with Session(avatar, render=False, fps=FPS) as session:
        assert session.wait_ready(60.0)
        session.say(TEXT)
        spoken = 0
        for _ in range(3000):  # until the first sound
            frame = session.next_frame()
            if frame.audio.any():
                spoken += 1
                break
            time.sleep(0.01)
        assert spoken, session.errors
        # Left alone, the voice would synthesise the whole text now; paced, it stops a phrase past the bound.
        time.sleep(2.5)
        assert session.queued_s <= SYNTH_AHEAD_S + LONGEST_PHRASE_S
        # ... and the rest still comes, phrase by phrase, as the frames are taken.
        for _ in range(3000):
            frame = session.next_frame()
            spoken += bool(frame.speaking)
            if not session.speaking:
                break
            if not frame.speaking:
                time.sleep(0.01)  # the next phrase is being synthesised: give the voice the CPU
        assert not session.errors
        assert spoken / FPS > 8.0  # all four sentences were said


def test_paced_clock_counts_late_frames_against_its_own_clock(avatar):
    with Session(avatar, render=False, fps=FPS) as session:
        clock = _Clock(session, 100.0)
        assert clock.wait_s(7, 100.0) == 0.0  # the first frame is due at once
        assert clock.wait_s(8, 100.01) == pytest.approx(0.03)
        # A 100 ms stall: frames 9 and 10 are late; 11 is within half a frame; 12 waits again.
        assert clock.wait_s(9, 100.18) == 0.0
        assert clock.wait_s(10, 100.19) == 0.0
        assert clock.wait_s(11, 100.17) == 0.0
        assert clock.wait_s(12, 100.17) == pytest.approx(0.03)
        assert (session.late_frames, session.clock_restarts) == (2, 0)
        # A stall longer than MAX_LATE_S starts a new clock: one restart, and the frames after it are on time.
        stalled = 100.24 + MAX_LATE_S + 0.5
        assert clock.wait_s(13, stalled) == 0.0
        assert (session.late_frames, session.clock_restarts) == (3, 1)
        assert clock.wait_s(14, stalled + 0.001) == pytest.approx(1 / FPS - 0.001)
        assert session.late_frames == 3
        assert session.worst_late_s == pytest.approx(MAX_LATE_S + 0.5)


def test_a_stalled_render_does_not_hold_back_the_frames_made_ahead(avatar):
    # The frame being made stalls until the paced stream has handed out the frame before it: rendered just in
    # time that could never happen (the stream would wait for the stalled frame); rendered ahead it does.
    assert RENDER_AHEAD_FRAMES >= 2
    with Session(avatar, render=False, fps=FPS) as session:
        assert session.wait_ready(60.0)
        make, stalled = session._make, {}
        handed_out = threading.Event()

        def slow_make(*, ahead: bool):
            made = make(ahead=ahead)
            if made is not None and made.frame.speaking and ahead and "index" not in stalled:
                if made.frame.index >= stalled.setdefault("first", made.frame.index) + 2 * FPS:
                    stalled["index"] = made.frame.index
                    stalled["released"] = handed_out.wait(timeout=20.0)
            return made

        session._make = slow_make
        session.say(TEXT)
        indices = []
        for frame in session.frames():
            indices.append(frame.index)
            if "index" in stalled and frame.index == stalled["index"] - 1:
                handed_out.set()
            if "released" in stalled and frame.index > stalled["index"] + FPS:
                break
            assert len(indices) < 60 * FPS, session.errors
        assert stalled["released"]  # the frame before the stalled one went out while it was being made
        assert indices == list(range(indices[0], indices[0] + len(indices)))


def test_interrupt_drops_the_frames_made_ahead_and_keeps_their_motion(avatar):
    with Session(avatar, render=False, fps=FPS) as session:
        assert session.wait_ready(60.0)
        frames, made_ahead = [], []
        stream = session.frames()
        for frame in stream:  # idle: made just in time, nothing beyond the frame due next
            frames.append(frame)
            made_ahead.append(len(session._ahead))
            if len(frames) == 10:
                break
        assert max(made_ahead) <= 1
        session.say(
            "This is a long sentence that keeps on going for quite a while, and then some more words."
        )
        dropped = []
        for frame in stream:
            frames.append(frame)
            if not dropped and frame.curves["jawOpen"] > 0.15 and len(session._ahead) >= 2:
                with session._cond:  # the speech frames made ahead, not yet handed out
                    dropped = [m.frame for m in session._ahead]
                session.interrupt()
                cut = len(frames)
            elif dropped and len(frames) > cut + FPS:
                break
            assert len(frames) < 60 * FPS, session.errors
        stream.close()
    assert any(f.speaking for f in dropped) and any(f.audio.any() for f in dropped)
    indices = [f.index for f in frames]
    assert indices == list(range(len(frames)))  # no frame lost, none twice
    after = frames[cut:]
    assert not any(f.audio.any() or f.speaking for f in after)  # no stale sound from the very next frame
    rest = int(np.ceil(RELEASE_S * FPS))
    assert max(f.curves["jawOpen"] for f in after[rest:]) < 0.02
    # The frames made again take the dropped frames' motion: only the mouth differs.
    for old, new in zip(dropped, after):
        assert new.index == old.index
        for name in ("headYaw", "headPitch", "headRoll", "eyeBlinkLeft", "gazeYaw", "browInnerUp"):
            assert new.curves[name] == old.curves[name], name
    # ... so no track jumps across the interrupt (limits of test_session's idle -> speech -> idle test).
    for name, limit in [("headYaw", 1.8), ("headPitch", 1.8), ("headRoll", 1.8), ("jawOpen", 0.6)]:
        values = np.array([f.curves[name] for f in frames])
        assert np.abs(np.diff(values)).max() < limit, name


def _delivered_mouths(avatar, pcm: np.ndarray, rate_hz: int, chunk: int) -> np.ndarray:
    """The speech frames' mouths a session makes of `pcm` pushed in chunks of `chunk` samples (all at once)."""
    with Session(avatar, render=False, fps=FPS, audio_rate_hz=rate_hz) as session:
        assert session.wait_ready(60.0)
        deliver, mouths = session._deliver, []

        def kept(frames, generation):
            mouths.extend(f.mouth for f in frames)
            return deliver(frames, generation)

        session._deliver = kept
        for lo in range(0, pcm.size, chunk):
            session.push_audio(pcm[lo : lo + chunk], rate_hz)
        session.end_audio()
        for _ in range(3000):  # bounded: until the utterance is spoken
            frame = session.next_frame()
            if frame.index > 0 and not session.speaking:
                break
            if not frame.speaking:
                time.sleep(0.01)  # the analysis gets the CPU
        assert not session.errors
    return np.array(mouths)


def test_a_burst_of_pushed_speech_reaches_the_decoders_in_small_pieces(avatar, librivox_clip, monkeypatch):
    # pocketsphinx holds the GIL for a whole decode call, so a burst handed over in one piece would keep the
    # paced stream from handing out its frame; in DECODE_PIECE_S pieces it is analysed exactly as the same
    # speech arriving in 100 ms chunks (a speech service streaming at real time) is.
    with wave.open(str(librivox_clip), "rb") as src:
        pcm, rate_hz = np.frombuffer(src.readframes(src.getnframes()), "<i2"), src.getframerate()
    assert rate_hz == SAMPLE_RATE_HZ  # no resampling: the analysis sees the samples pushed
    sizes = []
    push = StreamAnalyzer.push
    monkeypatch.setattr(
        StreamAnalyzer, "push", lambda self, samples: sizes.append(len(samples)) or push(self, samples)
    )
    burst = _delivered_mouths(avatar, pcm, rate_hz, pcm.size)
    assert sum(sizes) == pcm.size and max(sizes) <= DECODE_PIECE_S * SAMPLE_RATE_HZ
    chunked = _delivered_mouths(avatar, pcm, rate_hz, rate_hz // 10)
    assert len(burst) == int(np.ceil(pcm.size / (rate_hz / FPS)))
    assert burst[:, 0].max() > 0.2  # it spoke
    np.testing.assert_array_equal(burst, chunked)
