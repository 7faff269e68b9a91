"""Live pacing: say() synthesises a bounded distance ahead of playback, and a paced stream counts its late
frames against its own clock (a long stall restarts the clock once instead of making every frame late)."""

from __future__ import annotations

import time

import pytest

from dirfa.live import Session
from dirfa.live.session import MAX_LATE_S, SYNTH_AHEAD_S, _Clock

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
