"""`dirfa live`: lines on standard input are spoken into a fragmented MP4 with sound."""

from __future__ import annotations

import io

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
