"""No one-frame mouth, teeth or lid states in a live session, measured on the rig as it renders: the example
portrait rests with its own open smile (the case the tracks' own pass cannot see), speaking two real English
recordings (pocketsphinx-testdata) pushed as audio."""

from __future__ import annotations

import time
import wave

import numpy as np
import pytest

from dirfa.api import LIP_GAP_STATES
from dirfa.live import Session
from dirfa.live.steady import SteadyMouth
from dirfa.speech.visemes import MOUTH_TRACKS

FPS = 25
RATE_HZ = 16000
SIZE_PX = 128
LID_STATES = (0.3, 0.7)  # eyeBlink: open at or below, shut at or above (benchmarks/lipsync.py)
MAX_FRAMES = 4000
N_CLIPS = 2  # of the five recordings: ~9 s of speech


def _states(values: np.ndarray, low: float, high: float) -> np.ndarray:
    state, current = np.zeros(len(values), np.int8), 0
    for i, value in enumerate(values):
        current = -1 if value <= low else (1 if value >= high else current)
        state[i] = current
    return state


def _singles(values: np.ndarray, low: float, high: float) -> int:
    s = _states(values, low, high)
    return int(np.sum((s[1:-1] != 0) & (s[:-2] == -s[1:-1]) & (s[2:] == -s[1:-1])))


def _librivox(librivox_clip) -> list[np.ndarray]:
    clips = []
    for path in sorted(librivox_clip.parent.glob("*.wav")):
        with wave.open(str(path), "rb") as src:
            assert src.getframerate() == RATE_HZ
            clips.append(np.frombuffer(src.readframes(src.getnframes()), "<i2"))
    return clips


@pytest.fixture(scope="module")
def live_frames(avatar, librivox_clip) -> list:
    """Every frame of a rendering session speaking the five recordings one after another."""
    frames = []
    with Session(avatar, size=SIZE_PX, fps=FPS, audio_rate_hz=RATE_HZ) as session:
        pause = np.zeros(int(0.3 * RATE_HZ), np.int16)
        for pcm in _librivox(librivox_clip)[:N_CLIPS]:
            pcm = np.concatenate([pause, pcm, pause])
            step = int(0.2 * RATE_HZ)
            for lo in range(0, pcm.size, step):
                session.push_audio(pcm[lo : lo + step], RATE_HZ)
            session.end_audio()
        started = False
        for _ in range(MAX_FRAMES):
            frame = session.next_frame()
            frames.append(frame)
            started |= frame.speaking
            if started and not session.speaking:
                break
            if not frame.speaking:
                time.sleep(0.01)  # the analysis gets the CPU
        assert not session.errors
    assert started and not session.speaking, "the session did not finish speaking"
    return frames


def test_no_one_frame_states_in_a_live_session(avatar, live_frames) -> None:
    level, _ = avatar.for_output(size=SIZE_PX)
    rig = level.rig
    width = rig.frame.mouth_px
    rest = rig.pose({}).mouth_open_px
    assert rest > LIP_GAP_STATES[0][0] * width  # the photo's open smile is the rest pose
    gaps = np.array([(rig.pose(f.curves).mouth_open_px - rest) / width for f in live_frames])
    speaking = np.array([f.speaking for f in live_frames])
    # The speech opened the mouth many times (the test has something to find).
    assert np.sum(np.diff((_states(gaps, *LIP_GAP_STATES[0]) > 0).astype(int)) == 1) >= 6
    assert speaking.sum() > 6 * FPS
    assert [_singles(gaps, *bounds) for bounds in LIP_GAP_STATES] == [0, 0]
    blinks = np.array([f.curves.get("eyeBlinkLeft", 0.0) for f in live_frames])
    assert _singles(blinks, *LID_STATES) == 0


def test_steady_mouth_holds_a_one_frame_opening_without_a_rig() -> None:
    """The tracks-only measure: an opening of one frame between closed frames is held a second frame, and a
    single open frame before a lip closure is not opened at all."""
    steady = SteadyMouth(None)
    jaw = [0.0, 0.0, 0.5, 0.0, 0.0, 0.0]
    shown = [steady.step({"jawOpen": j, "mouthClose": 0.0})[0]["jawOpen"] for j in jaw]
    openness = np.array(shown)
    assert _singles(openness, 0.09, 0.18) == 0 and (openness >= 0.18).sum() == 2

    steady = SteadyMouth(None)
    frames = [(0.0, 0.0), (0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.5, 1.0), (0.0, 0.0)]
    shown = []
    for i, (j, c) in enumerate(frames):
        nxt = frames[i + 1] if i + 1 < len(frames) else None
        upcoming = None if nxt is None else {"jawOpen": nxt[0], "mouthClose": nxt[1]}
        out = steady.step({"jawOpen": j, "mouthClose": c}, upcoming)[0]
        shown.append(out["jawOpen"] * (1.0 - out["mouthClose"]))
    assert _singles(np.array(shown), 0.09, 0.18) == 0


def test_steady_mouth_removes_the_one_frame_events_of_raw_tracks(avatar, librivox_clip) -> None:
    """The language-independent path's raw tracks for one recording hold a one-frame teeth state on this
    face as posed (api.steady_mouth fixes it offline); fed frame by frame, with one frame of look-ahead,
    SteadyMouth leaves none."""
    import dirfa

    rig = avatar.for_output(size=SIZE_PX)[0].rig
    width, rest = rig.frame.mouth_px, rig.pose({}).mouth_open_px
    audio = dirfa.load_audio(librivox_clip.parent / "sense_and_sensibility_01_austen_64kb-0870.wav")
    tracks = dirfa.animate(audio, fps=FPS, seed=0, language="zz")
    frames = [{k: float(v[i]) for k, v in tracks.curves.items()} for i in range(tracks.n_frames)]
    raw = np.array([(rig.pose(f).mouth_open_px - rest) / width for f in frames])
    # The tracks' own pass (speech.coarticulation.no_single_frames) now leaves none on this clip: a frame
    # in the middle of a shut stretch takes the widest frame's mouth, a one-frame flash for SteadyMouth.
    shut = np.nonzero((raw[:-2] <= 0.0) & (raw[1:-1] <= 0.0) & (raw[2:] <= 0.0))[0] + 1
    flash, widest = int(shut[len(shut) // 2]), frames[int(np.argmax(raw))]
    frames[flash] = {**frames[flash], **{k: widest[k] for k in MOUTH_TRACKS}}
    raw = np.array([(rig.pose(f).mouth_open_px - rest) / width for f in frames])
    steady, shown = SteadyMouth(rig), []
    for i, f in enumerate(frames):
        _, pose = steady.step(f, frames[i + 1] if i + 1 < len(frames) else None)
        shown.append((pose.mouth_open_px - rest) / width)
    assert sum(_singles(raw, *bounds) for bounds in LIP_GAP_STATES) >= 1
    assert [_singles(np.array(shown), *bounds) for bounds in LIP_GAP_STATES] == [0, 0]
    # Nothing else changed much: the mouth follows the tracks (a held frame moves, the rest do not).
    assert np.mean(np.abs(np.array(shown) - raw) > 0.01) < 0.05
