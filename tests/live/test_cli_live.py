"""`dirfa live`: lines on standard input are spoken into a fragmented MP4 with sound (or a window where a
display exists); end of input or Ctrl-C leave a complete file."""

from __future__ import annotations

import _thread
import io
import threading
import time
from pathlib import Path

import pytest

from dirfa.errors import InputError
from dirfa.live.window import choose_output
from dirfa.media.video import probe_video


def test_live_speaks_each_line_into_an_mp4(cli, avatar, tmp_path, monkeypatch):
    face = avatar.save(tmp_path / "face.avatar")
    out = tmp_path / "live.mp4"
    monkeypatch.setattr("sys.stdin", io.StringIO("Hello there.\n/emotion happy:0.5\n\nGood bye.\n"))
    run = cli("live", face, "-o", out, "--size", "128", "--idle-s", "0.2", "--fps", "20")
    assert run.code == 0, run.err
    info = probe_video(out)
    assert (info.width, info.height) == (128, 128)
    assert info.audio_codec == "aac" and info.audio_sample_rate_hz == 48000
    assert info.duration_s > 1.0  # two phrases of speech, then 0.2 s of idle
    assert abs(info.audio_duration_s - info.duration_s) < 0.1


def test_live_refuses_a_bad_avatar(cli, tmp_path, monkeypatch):
    bad = tmp_path / "bad.avatar"
    bad.write_bytes(b"junk")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    run = cli("live", bad, "-o", tmp_path / "live.mp4")
    assert run.code == 2 and str(bad) in run.err
    assert not (tmp_path / "live.mp4").exists()


class _TypedThenWaiting:
    """Standard input that gives one line, then waits (a user who stopped typing) and presses Ctrl-C."""

    def __init__(self, line: str, wait_s: float) -> None:
        self.line, self.wait_s = line, wait_s

    def isatty(self) -> bool:
        return False

    def __iter__(self):
        yield self.line
        time.sleep(self.wait_s)
        _thread.interrupt_main()  # as SIGINT from the terminal: KeyboardInterrupt in the main thread
        threading.Event().wait(60)


def test_ctrl_c_ends_with_a_complete_file(cli, avatar, tmp_path, monkeypatch):
    face = avatar.save(tmp_path / "face.avatar")
    out = tmp_path / "live.mp4"
    monkeypatch.setattr("sys.stdin", _TypedThenWaiting("Hello there.\n", wait_s=2.0))
    run = cli("live", face, "-o", out, "--size", "128", "--fps", "20")
    assert run.code == 0, run.err
    info = probe_video(out)
    # Whole: both streams readable to their end, as long as each other (however far it had got).
    assert info.n_frames >= 1 and abs(info.audio_duration_s - info.duration_s) < 0.1
    assert not [p for p in tmp_path.iterdir() if p.name not in ("face.avatar", "live.mp4")]


def test_without_output_or_display_it_says_what_to_do(cli, avatar, tmp_path, monkeypatch):
    face = avatar.save(tmp_path / "face.avatar")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("Hello.\n"))
    run = cli("live", face)
    assert run.code == 2
    assert run.err.count("\n") == 1 and "-o" in run.err and "DISPLAY" in run.err


def test_window_where_a_display_exists_else_the_file():
    assert choose_output(None, {"DISPLAY": ":0"}) == "window"
    assert choose_output(None, {"WAYLAND_DISPLAY": "wayland-0"}) == "window"
    assert choose_output(Path("a.mp4"), {"DISPLAY": ":0"}) == "file"
    assert choose_output(Path("a.mp4"), {}) == "file"
    with pytest.raises(InputError, match="-o"):
        choose_output(None, {"DISPLAY": ""})


def test_a_display_that_cannot_be_reached_is_one_line(cli, avatar, tmp_path, monkeypatch):
    # OpenCV's Qt would abort the process on it: the window is tried in a child process first.
    face = avatar.save(tmp_path / "face.avatar")
    monkeypatch.setenv("DISPLAY", ":4242")  # no X server there
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("Hello.\n"))
    run = cli("live", face)
    assert run.code == 2
    assert run.err.count("\n") == 1 and "window" in run.err and "-o" in run.err
