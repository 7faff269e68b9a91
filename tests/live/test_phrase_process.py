"""A said phrase analysed in the helper process (live.phrase_process): the same numbers as in the calling
thread, the work really done apart, a dead or confused helper replaced without losing the phrase."""

from __future__ import annotations

import numpy as np
import pytest

from dirfa.live import Session, phrase_process
from dirfa.live import session as live_session
from dirfa.voice import synthesize

FPS = 25
TEXT = "A face that speaks needs lips that move with the words."


@pytest.fixture(scope="module")
def said():
    return synthesize(TEXT)


def _assert_identical(a: phrase_process.PhraseAnalysis, b: phrase_process.PhraseAnalysis) -> None:
    for field in ("energy_db", "loudness", "f0_hz", "voiced", "speech"):
        x, y = getattr(a.voice, field), getattr(b.voice, field)
        assert x.dtype == y.dtype and np.array_equal(x, y), field
    assert a.voice.fps == b.voice.fps
    assert list(a.mouth) == list(b.mouth)
    for name in a.mouth:
        assert a.mouth[name].dtype == b.mouth[name].dtype and np.array_equal(a.mouth[name], b.mouth[name]), (
            name
        )
    assert a.sound.dtype == b.sound.dtype and np.array_equal(a.sound, b.sound)


def test_helper_gives_exactly_the_in_thread_analysis(said, monkeypatch):
    here = phrase_process.analyse_here(said, fps=FPS, out_rate_hz=48000)
    assert here.mouth["jawOpen"].max() > 0.2 and here.voice.speech.any()  # a real phrase, really analysed

    def not_here(*a, **k):
        raise AssertionError("analysed in the calling process")

    # In this process analyse_here now fails: the answer below can only have come from the helper.
    monkeypatch.setattr(phrase_process, "analyse_here", not_here)
    for out_rate_hz in (48000, 16000):
        monkeypatch.undo()
        expected = phrase_process.analyse_here(said, fps=FPS, out_rate_hz=out_rate_hz)
        monkeypatch.setattr(phrase_process, "analyse_here", not_here)
        _assert_identical(phrase_process.analyse(said, fps=FPS, out_rate_hz=out_rate_hz), expected)


def test_a_dead_helper_is_replaced_and_the_phrase_still_analysed(said, monkeypatch):
    monkeypatch.setattr(phrase_process, "_FAILURES", 0)
    expected = phrase_process.analyse_here(said, fps=FPS, out_rate_hz=48000)
    phrase_process.start()
    first = phrase_process._HELPER
    assert first is not None
    first.process.kill()
    first.process.wait()
    _assert_identical(phrase_process.analyse(said, fps=FPS, out_rate_hz=48000), expected)
    again = phrase_process._HELPER
    assert again is not None and again is not first and again.alive
    _assert_identical(phrase_process.analyse(said, fps=FPS, out_rate_hz=48000), expected)


def test_a_bad_request_is_answered_with_an_error_and_the_helper_goes_on(said):
    phrase_process.start()
    helper = phrase_process._HELPER
    assert helper is not None
    with pytest.raises(RuntimeError, match="KeyError"):
        helper.ask({"samples": np.zeros(10, np.float32)})
    assert helper.alive
    _assert_identical(
        phrase_process.analyse(said, fps=FPS, out_rate_hz=48000),
        phrase_process.analyse_here(said, fps=FPS, out_rate_hz=48000),
    )


def test_session_phrase_frames_are_the_same_apart_or_in_thread(avatar, said, monkeypatch):
    with Session(avatar, render=False, fps=FPS, audio_rate_hz=48000) as session:
        assert session.wait_ready(timeout_s=60.0)
        monkeypatch.setattr(live_session, "PHRASES_APART", False)
        here = session._phrase_frames(said)
        monkeypatch.setattr(live_session, "PHRASES_APART", True)
        apart = session._phrase_frames(said)
    assert len(here) == len(apart) > FPS
    for a, b in zip(here, apart, strict=True):
        assert np.array_equal(a.mouth, b.mouth) and np.array_equal(a.audio, b.audio)
        assert (a.loudness, a.f0_hz, a.speech, a.energy_db, a.voiced) == (
            b.loudness,
            b.f0_hz,
            b.speech,
            b.energy_db,
            b.voiced,
        )
