"""A video job without a seed gets its own take, derived from its inputs (as `dirfa animate` does): two clips
never share a blink schedule or head path, and the same inputs give the same video."""

from __future__ import annotations

import numpy as np


def _take(monkeypatch, tmp_path, photo, audio, **options) -> np.ndarray:
    """The tracks run_job renders for `audio` on `photo` (the render itself left out)."""
    import dirfa
    from dirfa.serve import work
    from dirfa.serve.models import VideoOptions

    made = {}

    def render(face, tracks, output, **kwargs):
        made["tracks"] = tracks

    monkeypatch.setattr(dirfa, "render", render)
    fields = VideoOptions(avatar_id="a" * 32, language="en", size=128, **options).model_dump()
    spec = {
        "options": fields,
        "photo": str(photo),
        "avatar_file": str(tmp_path / "avatar.dfa"),
        "audio": str(audio),
        "max_audio_s": 60.0,
        "output": str(tmp_path / "out.mp4"),
    }
    work.run_job(spec, lambda share: None)
    return _stack(made["tracks"])


def _stack(tracks) -> np.ndarray:
    return np.stack([tracks.curves["headYaw"], tracks.curves["eyeBlinkLeft"]])


def test_a_video_without_a_seed_gets_its_own_take(monkeypatch, tmp_path, portrait_jpg, padded_speech):
    # The service's take is the one `dirfa animate` makes of the same photo and speech (the seed derived from
    # them), not a fixed seed 0 shared by every job.
    import dirfa

    job = _take(monkeypatch, tmp_path, portrait_jpg, padded_speech.path)
    assert np.array_equal(job, _take(monkeypatch, tmp_path, portrait_jpg, padded_speech.path))
    face = dirfa.load_avatar(tmp_path / "avatar.dfa")
    audio = dirfa.load_audio(padded_speech.path)
    for seed, same in ((None, True), (0, False)):
        tracks = dirfa.animate(audio, language="en", portrait=face, seed=seed)
        assert np.array_equal(job, _stack(tracks)) == same, seed
    # (a seed given is the take asked for)
    assert np.array_equal(
        _take(monkeypatch, tmp_path, portrait_jpg, padded_speech.path, seed=0),
        _stack(dirfa.animate(audio, language="en", portrait=face, seed=0)),
    )
