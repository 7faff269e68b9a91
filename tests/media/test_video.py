from __future__ import annotations

import av
import numpy as np
import pytest
from PIL import Image

from dirfa.errors import InputError, OutputError
from dirfa.media import video
from dirfa.media.audio import load_audio
from dirfa.media.video import probe_video, read_video_frames, write_video

FPS = 25


def synthetic_frames(n: int, height: int = 96, width: int = 128) -> list[np.ndarray]:
    """A bright square sliding over a gradient: easy to check after lossy coding."""
    y, x = np.mgrid[0:height, 0:width]
    frames = []
    for i in range(n):
        frame = np.zeros((height, width, 3), np.uint8)
        frame[..., 0] = (x * 255 // width).astype(np.uint8)
        frame[..., 1] = (y * 255 // height).astype(np.uint8)
        frame[..., 2] = 60
        left = 8 + i
        frame[30:60, left : left + 30] = (250, 250, 250)
        frames.append(frame)
    return frames


@pytest.fixture(params=[True, False], ids=["threaded", "inline"])
def encode_mode(request, monkeypatch):
    monkeypatch.setattr(video, "ENCODE_IN_THREAD", request.param)
    return request.param


def test_two_seconds_with_speech(tmp_path, speech_wav, encode_mode):
    frames = synthetic_frames(2 * FPS)
    out = tmp_path / "talk.mp4"
    n = write_video(out, iter(frames), fps=FPS, audio_source=speech_wav, audio_duration_s=2.0)
    assert n == 50
    info = probe_video(out)
    assert (info.width, info.height) == (128, 96)
    assert info.video_codec == "h264" and info.pixel_format == "yuv420p"
    assert info.fps == pytest.approx(FPS) and info.n_frames == 50
    assert info.duration_s == pytest.approx(2.0, abs=1 / FPS)
    assert info.audio_codec == "aac" and info.audio_sample_rate_hz == 16000 and info.audio_channels == 1
    assert info.audio_duration_s == pytest.approx(info.duration_s, abs=1 / FPS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.mp4"]

    decoded = list(read_video_frames(out))
    assert len(decoded) == 50
    errors = [np.abs(a.astype(int) - b).mean() for a, b in zip(decoded, frames)]
    assert max(errors) < 4.0
    # The moving square is where it was drawn in each frame (frames are in order, none dropped).
    assert decoded[40][45, 48 + 15].min() > 200 and decoded[0][45, 48 + 15].max() < 200


def test_soundtrack_is_the_speech_in_sync(tmp_path, speech_wav):
    out = tmp_path / "talk.mp4"
    write_video(out, synthetic_frames(3 * FPS), fps=FPS, audio_source=speech_wav, audio_duration_s=3.0)
    original = load_audio(speech_wav).samples[: 3 * 16000]
    track = load_audio(out).samples[: 3 * 16000]
    lags = np.arange(-400, 401)
    middle = original[1000:-1000]
    scores = [np.dot(track[1000 + lag : 1000 + lag + len(middle)], middle) for lag in lags]
    best = int(lags[int(np.argmax(scores))])
    assert abs(best) <= 8  # half a millisecond: lips and sound stay together
    r = np.corrcoef(track[1000 + best : 1000 + best + len(middle)], middle)[0, 1]
    assert r > 0.95


def test_whole_recording_without_trim_and_faststart(tmp_path, speech_wav):
    out = tmp_path / "talk.mp4"
    write_video(out, synthetic_frames(10), fps=FPS, audio_source=speech_wav)
    info = probe_video(out)
    assert info.n_frames == 10
    assert info.audio_duration_s == pytest.approx(7.1, abs=0.07)
    head = out.read_bytes()
    assert head.find(b"moov") < head.find(b"mdat")  # playable while downloading


def test_video_without_audio(tmp_path):
    out = tmp_path / "silent.mp4"
    write_video(out, synthetic_frames(5), fps=30, audio_source=None)
    info = probe_video(out)
    assert info.audio_codec is None and info.audio_duration_s is None
    assert info.fps == pytest.approx(30) and info.n_frames == 5


def test_a_still_picture_is_not_refreshed_by_keyframes_every_ten_seconds(tmp_path):
    """x264's default keyframe every 250 frames re-codes the still background (a visible pulse): a 12 s
    clip has one keyframe, at the start."""
    out = tmp_path / "long.mp4"
    picture = np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8)
    write_video(out, (picture for _ in range(300)), fps=25, audio_source=None)
    with av.open(str(out)) as container:
        keys = [i for i, frame in enumerate(container.decode(video=0)) if frame.key_frame]
    assert keys == [0]


def test_a_moving_face_keeps_its_detail_on_every_frame(tmp_path):
    """veryfast's B-frames are quantised coarser than P-frames, so a moving face softened on three frames of
    four ("breathing"; benchmarks/encode_detail.py): every frame after the keyframe is a P-frame, and none
    loses much more fine detail (variance of the Laplacian) than the others. Astronaut's face drifting
    0.4 px right and 0.2 px down a frame; with B-frames at CRF 20 the lowest kept 41 % of it, now 60 %."""
    import cv2
    from skimage import data

    picture = data.astronaut()[0:256, 128:384]
    frames = [
        cv2.warpAffine(
            picture, np.float32([[1, 0, 0.4 * i], [0, 1, 0.2 * i]]), (256, 256), borderMode=cv2.BORDER_REFLECT
        )
        for i in range(40)
    ]

    def detail(frame: np.ndarray) -> float:
        return float(cv2.Laplacian(cv2.cvtColor(frame[40:200, 60:200], cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())

    out = tmp_path / "face.mp4"
    write_video(out, iter(frames), fps=25, audio_source=None)
    with av.open(str(out)) as container:
        decoded = [
            (int(frame.pict_type), frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)
        ]
    p_frame = int(av.video.frame.PictureType.P)
    assert [kind for kind, _ in decoded[1:]] == [p_frame] * 39
    kept = [detail(picture) / detail(raw) for (_, picture), raw in zip(decoded[1:], frames[1:])]
    assert min(kept) > 0.5


@pytest.mark.parametrize(
    ("rate", "channels", "want_rate", "want_channels"),
    [(48000, 2, 48000, 2), (44100, 6, 44100, 2), (37000, 1, 48000, 1)],
)
def test_audio_rate_and_channels(tmp_path, sox, rate, channels, want_rate, want_channels):
    source = tmp_path / "tone.wav"
    sox("-n", "-r", str(rate), "-c", str(channels), str(source), "synth", "1", "sine", "440")
    out = tmp_path / "tone.mp4"
    write_video(out, synthetic_frames(FPS), fps=FPS, audio_source=source, audio_duration_s=1.0)
    info = probe_video(out)
    assert (info.audio_sample_rate_hz, info.audio_channels) == (want_rate, want_channels)
    assert info.audio_duration_s == pytest.approx(1.0, abs=1 / FPS)


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("fail_at", [1, 30])
def test_failing_frame_iterator_leaves_nothing(tmp_path, speech_wav, encode_mode, fail_at):
    def frames():
        for i, frame in enumerate(synthetic_frames(60)):
            if i == fail_at:
                raise Boom("renderer failed")
            yield frame

    with pytest.raises(Boom):
        write_video(tmp_path / "out.mp4", frames(), fps=FPS, audio_source=speech_wav, audio_duration_s=2.4)
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_leaves_nothing(tmp_path, speech_wav, encode_mode):
    def frames():
        yield from synthetic_frames(20)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / "out.mp4", frames(), fps=FPS, audio_source=speech_wav)
    assert list(tmp_path.iterdir()) == []


def test_bad_frames_are_programming_errors(tmp_path, encode_mode):
    good = synthetic_frames(3)
    with pytest.raises(ValueError, match="even"):
        write_video(tmp_path / "a.mp4", [np.zeros((95, 128, 3), np.uint8)], fps=FPS, audio_source=None)
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "a.mp4", [good[0].astype(np.float32)], fps=FPS, audio_source=None)
    with pytest.raises(ValueError, match="no frames"):
        write_video(tmp_path / "a.mp4", [], fps=FPS, audio_source=None)
    with pytest.raises(ValueError, match="size changed"):
        write_video(tmp_path / "a.mp4", [*good, np.zeros((64, 64, 3), np.uint8)], fps=FPS, audio_source=None)
    with pytest.raises(ValueError, match="fps"):
        write_video(tmp_path / "a.mp4", good, fps=0, audio_source=None)
    assert list(tmp_path.iterdir()) == []


def test_unusable_audio_source_is_an_input_error(tmp_path, astronaut):
    Image.fromarray(astronaut).save(tmp_path / "face.png")
    with pytest.raises(InputError, match="no audio track"):
        write_video(tmp_path / "a.mp4", synthetic_frames(3), fps=FPS, audio_source=tmp_path / "face.png")
    with pytest.raises(InputError, match="does not exist"):
        write_video(tmp_path / "a.mp4", synthetic_frames(3), fps=FPS, audio_source=tmp_path / "gone.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png"]


def test_unwritable_output_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_video(tmp_path / "no" / "a.mp4", synthetic_frames(3), fps=FPS, audio_source=None)


def test_existing_output_is_replaced_only_when_complete(tmp_path):
    out = tmp_path / "a.mp4"
    write_video(out, synthetic_frames(4), fps=FPS, audio_source=None)
    before = out.read_bytes()

    def failing():
        yield from synthetic_frames(8)
        raise Boom("late failure")

    with pytest.raises(Boom):
        write_video(out, failing(), fps=FPS, audio_source=None)
    assert out.read_bytes() == before


def test_probe_and_read_refuse_non_videos(tmp_path, speech_wav):
    with pytest.raises(InputError, match="no video track"):
        probe_video(speech_wav)
    with pytest.raises(InputError, match="does not exist"):
        list(read_video_frames(tmp_path / "gone.mp4"))
    (tmp_path / "junk.mp4").write_bytes(b"JUNK" * 1000)
    with pytest.raises(InputError, match="junk.mp4"):
        probe_video(tmp_path / "junk.mp4")


def test_encode_in_thread_argument_overrides_the_default_and_codes_the_same(tmp_path, monkeypatch):
    """render.stream's callers encode in the thread that takes the frames when other processes render them;
    both ways give the same pictures, and a failing frame iterator leaves nothing either way."""
    frames = synthetic_frames(30)
    decoded = {}
    for in_thread in (True, False):
        monkeypatch.setattr(video, "ENCODE_IN_THREAD", not in_thread)  # the argument must win
        out = tmp_path / f"{in_thread}.mp4"
        assert write_video(out, iter(frames), fps=FPS, audio_source=None, encode_in_thread=in_thread) == 30
        decoded[in_thread] = np.stack(list(read_video_frames(out)))

        def failing():
            yield from frames[:10]
            raise RuntimeError("renderer broke")

        broken = tmp_path / f"broken-{in_thread}.mp4"
        with pytest.raises(RuntimeError, match="renderer broke"):
            write_video(broken, failing(), fps=FPS, audio_source=None, encode_in_thread=in_thread)
        assert not broken.exists()
    assert np.array_equal(decoded[True], decoded[False])
