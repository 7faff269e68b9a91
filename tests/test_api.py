"""The Python API as a library user calls it: load, animate, iterate or render; takes and seeds; failures
that must leave no file behind."""

from __future__ import annotations

import itertools
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

import dirfa
from dirfa.api import output_size
from dirfa.media.video import probe_video
from dirfa.render.compose import FrameRenderer

if TYPE_CHECKING:
    from conftest import Animated

MOUTH_TRACKS = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthStretchLeft", "mouthRollLower")


def test_library_use(portrait_jpg: Path, short_speech: Path, tmp_path: Path) -> None:
    portrait = dirfa.load_portrait(portrait_jpg)
    assert portrait.image.shape == (512, 512, 3) and portrait.n_faces == 1
    audio = dirfa.load_audio(short_speech)
    assert audio.sample_rate_hz == 16000 and audio.duration_s == pytest.approx(1.5)

    tracks = dirfa.animate(audio, seed=1)
    assert isinstance(tracks, dirfa.Tracks)
    assert tracks.fps == 25 and tracks.n_frames == round(1.5 * 25)
    assert set(tracks.curves) <= set(dirfa.TRACK_SPECS)
    assert tracks.get("jawOpen").max() > 0.2  # "he was not an": the jaw opens
    # A path works as well as a loaded Audio, with the same result.
    from_path = dirfa.animate(short_speech, seed=1)
    assert all(np.array_equal(tracks.get(n), from_path.get(n)) for n in dirfa.TRACK_SPECS)

    stream = dirfa.frames(portrait, tracks, size=160)
    first = next(stream)
    assert (first.index, first.t) == (0, 0.0)
    assert first.image.shape == (160, 160, 3) and first.image.dtype == np.uint8
    rest = list(stream)
    assert [f.index for f in rest] == list(range(1, tracks.n_frames))
    assert rest[-1].t == pytest.approx((tracks.n_frames - 1) / 25)

    seen = []

    def progress(frames, total):
        seen.append(total)
        for frame in frames:
            seen.append(frame.index)
            yield frame

    out = dirfa.render(portrait, tracks, tmp_path / "talk.mp4", audio=audio, size=160, progress=progress)
    assert out == tmp_path / "talk.mp4"
    assert seen == [tracks.n_frames, *range(tracks.n_frames)]
    info = probe_video(out)
    assert (info.width, info.height, info.n_frames) == (160, 160, tracks.n_frames)
    assert info.audio_codec == "aac"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.mp4"]  # no temporary file left


def test_frames_are_made_on_demand(portrait) -> None:
    """An hour of animation costs nothing until frames are asked for: rendering is an iterator."""
    hour = dirfa.Tracks(25, {}, n_frames=25 * 3600)
    start = time.perf_counter()
    three = list(itertools.islice(dirfa.frames(portrait, hour, size=128), 3))
    assert len(three) == 3 and time.perf_counter() - start < 10


@pytest.fixture(scope="session")
def speech_analysis(speech_audio):
    return dirfa.analyze_speech(speech_audio)


@pytest.fixture(scope="session")
def take_0(speech_audio) -> dirfa.Tracks:
    return dirfa.animate(speech_audio, seed=0)


def _curves(tracks: dirfa.Tracks) -> dict[str, np.ndarray]:
    return {name: tracks.get(name) for name in dirfa.TRACK_SPECS}


def test_same_seed_gives_identical_tracks(
    speech_audio, take_0, speech_analysis, animated: Animated, portrait_jpg: Path
) -> None:
    again = dirfa.animate(speech_audio, seed=0)
    assert again.n_frames == take_0.n_frames == 125
    for name, curve in _curves(take_0).items():
        assert np.array_equal(curve, again.get(name)), name
    # Reusing the speech analysis (how the CLI makes several takes) changes nothing.
    reused = dirfa.animate(speech_audio, seed=0, speech=speech_analysis)
    for name, curve in _curves(take_0).items():
        assert np.array_equal(curve, reused.get(name)), name
    # The CLI's --save-animation of the same clip (default seed: derived from the audio and the photo, as the
    # API's when given the portrait) holds the same curves (to its 4 decimals).
    saved = dirfa.Tracks.load(animated.animation)
    portrait = dirfa.load_portrait(portrait_jpg)
    for name, curve in _curves(
        dirfa.animate(speech_audio, speech=speech_analysis, portrait=portrait)
    ).items():
        np.testing.assert_allclose(saved.get(name), curve, atol=6e-5, err_msg=name)


def test_another_seed_moves_the_head_differently_with_the_same_lips(
    speech_audio, take_0, speech_analysis
) -> None:
    other = dirfa.animate(speech_audio, seed=1, speech=speech_analysis)
    for name in ("headYaw", "headPitch"):
        assert np.abs(other.get(name) - take_0.get(name)).max() > 0.5, name  # degrees
    # The lips' own shapes are the lip sync's; seeds add only pause gestures (pressed or pursed lips, smiles).
    for name in ("jawOpen", "mouthClose", "mouthFunnel", "mouthStretchLeft"):
        assert np.array_equal(other.get(name), take_0.get(name)), name


def test_english_with_pauses_is_lip_read_from_its_phones(speech_analysis) -> None:
    """Read English between two pauses gets phone-based lip sync, as the same words without pauses do."""
    assert speech_analysis.method == "recognition"


def test_emotion_and_stillness(speech_audio, take_0, speech_analysis) -> None:
    happy = dirfa.animate(speech_audio, speech=speech_analysis, expressions=dirfa.parse_emotion("happy:0.8"))
    assert happy.get("mouthSmileLeft").mean() > take_0.get("mouthSmileLeft").mean() + 0.2
    still = dirfa.animate(speech_audio, speech=speech_analysis, head_motion=0.0)
    for name in ("headYaw", "headPitch", "headRoll"):
        assert np.abs(still.get(name)).max() < 0.01
    assert np.array_equal(still.get("jawOpen"), take_0.get("jawOpen"))


@pytest.mark.parametrize("fault", [RuntimeError("renderer bug"), KeyboardInterrupt()])
def test_interrupted_render_leaves_no_file(
    fault, portrait, speech_audio, take_0, tmp_path, monkeypatch
) -> None:
    real = FrameRenderer.render
    calls = []

    def render_then_fail(self, params):
        calls.append(1)
        if len(calls) == 30:  # past the encoder's queue, so part of the file was written
            raise fault
        return real(self, params)

    monkeypatch.setattr(FrameRenderer, "render", render_then_fail)
    with pytest.raises(type(fault)):
        dirfa.render(portrait, take_0, tmp_path / "talk.mp4", audio=speech_audio, size=128)
    assert len(calls) == 30
    assert list(tmp_path.iterdir()) == []


def test_render_will_not_overwrite_its_own_audio(portrait, short_speech, tmp_path) -> None:
    recording = Path(shutil.copy(short_speech, tmp_path / "speech.m4a"))
    audio = dirfa.load_audio(recording)
    tracks = dirfa.Tracks(25, {}, n_frames=10)
    with pytest.raises(dirfa.OutputError, match="audio"):
        dirfa.render(portrait, tracks, recording, audio=audio, size=128)
    assert recording.read_bytes() == short_speech.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["speech.m4a"]


def test_bad_parameters_are_input_errors(portrait, speech_audio, tmp_path) -> None:
    for fps in (0, -25, float("nan"), 1000):
        with pytest.raises(dirfa.InputError, match="fps"):
            dirfa.animate(speech_audio, fps=fps)
        with pytest.raises(dirfa.InputError, match="fps"):
            dirfa.analyze_speech(speech_audio, fps=fps)
    with pytest.raises(dirfa.InputError, match="no frames"):
        dirfa.render(portrait, dirfa.Tracks(25, {}, n_frames=0), tmp_path / "empty.mp4")
    with pytest.raises(dirfa.InputError, match="whole number"):
        dirfa.render(portrait, dirfa.Tracks(29.97, {}, n_frames=5), tmp_path / "ntsc.mp4")
    with pytest.raises(dirfa.InputError, match="--face"):
        dirfa.load_portrait(Path(__file__).parents[1] / "examples" / "portrait.jpg", face_index=1)
    assert list(tmp_path.iterdir()) == []
    assert dirfa.InputError("x").exit_code == 2 and dirfa.OutputError("x").exit_code == 2


@pytest.mark.parametrize(
    ("size", "crop"), [(None, False), (101, False), (512, True), (None, True), (4096, False)]
)
def test_output_size_is_even(portrait, size, crop) -> None:
    width, height = output_size(portrait, size=size, crop=crop)
    assert width % 2 == 0 and height % 2 == 0
    if size is not None:
        assert abs(width - size) <= 1
    if crop:
        assert width == height
