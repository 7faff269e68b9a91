"""Prepared avatars: a .avatar file round trip gives the same frames as the photo; bad files fail with one
line naming the file (never unpickled); the photo cache is hit on the second call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dirfa
from dirfa import avatar as avatar_module
from dirfa.errors import InputError
from dirfa.motion.tracks import Tracks

N_FRAMES = 3


@pytest.fixture(scope="module")
def prepared(portrait_jpg) -> dirfa.Avatar:
    return dirfa.prepare(portrait_jpg, widths_px=(128,))


@pytest.fixture(scope="module")
def saved(prepared, tmp_path_factory) -> Path:
    return prepared.save(tmp_path_factory.mktemp("avatar") / "face.avatar")


@pytest.fixture(scope="module")
def tracks() -> Tracks:
    ramp = np.linspace(0, 1, N_FRAMES).astype(np.float32)
    curves = {"jawOpen": 0.7 * ramp, "headYaw": 6 * ramp, "eyeBlinkLeft": ramp, "mouthSmileLeft": ramp}
    return Tracks(fps=25, curves=curves, n_frames=N_FRAMES)


def _images(source, tracks, **framing) -> list[np.ndarray]:
    return [frame.image for frame in dirfa.frames(source, tracks, **framing)]


@pytest.mark.parametrize("framing", [{"size": 128}, {"size": 128, "crop": True}, {"size": 200}])
def test_a_loaded_avatar_renders_the_photos_frames(portrait_jpg, saved, tracks, framing):
    expected = _images(dirfa.load_portrait(portrait_jpg), tracks, **framing)
    got = _images(dirfa.load_avatar(saved), tracks, **framing)
    assert len(got) == N_FRAMES
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    assert np.abs(got[-1].astype(int) - got[0]).max() > 30  # the frames move: not a still copy


def test_round_trip_keeps_every_part(prepared, saved):
    loaded = dirfa.load_avatar(saved)
    assert loaded.name == prepared.name
    # The prepared sizes (whole picture and crop at 128 px) travel with the file.
    assert len(loaded.levels) == 3
    a, b = prepared.levels[0], loaded.levels[0]
    np.testing.assert_array_equal(a.portrait.image, b.portrait.image)
    np.testing.assert_array_equal(a.portrait.landmarks_xyz, b.portrait.landmarks_xyz)
    np.testing.assert_array_equal(a.rig.points_xyz, b.rig.points_xyz)
    np.testing.assert_array_equal(a.rig.person, b.rig.person)
    np.testing.assert_array_equal(a.assets.background, b.assets.background)
    np.testing.assert_array_equal(a.assets.colours.teeth, b.assets.colours.teeth)
    for part in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(a.rig.neighbours, part), getattr(b.rig.neighbours, part))
    assert a.rig.neighbours.shape == b.rig.neighbours.shape
    assert set(a.rig.basis) == set(b.rig.basis)


def test_the_cli_prepares_a_file(cli, portrait_jpg, tmp_path):
    out = tmp_path / "face.avatar"
    run = cli("prepare", portrait_jpg, "-o", out, "--size", "128")
    assert run.code == 0, run.err
    assert dirfa.load_avatar(out).portrait.n_faces == 1
    wrong = cli("prepare", portrait_jpg, "-o", tmp_path / "face.mp4")
    assert wrong.code == 2 and ".avatar" in wrong.err


def _rewrite_meta(source: Path, target: Path, change) -> Path:
    with np.load(source) as data:
        meta = json.loads(bytes(data[avatar_module.META_KEY]).decode())
        blob = data[avatar_module.BLOB_KEY]
    change(meta)
    with open(target, "wb") as out:
        np.savez(
            out,
            **{avatar_module.META_KEY: np.frombuffer(json.dumps(meta).encode(), np.uint8), "arrays": blob},
        )
    return target


def _bad_files(saved: Path, folder: Path) -> dict[str, Path]:
    data = saved.read_bytes()
    files = {
        "garbage": b"not an avatar at all",
        "truncated": data[: len(data) // 2],
        "empty": b"",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.avatar"
        paths[name].write_bytes(content)
    paths["foreign npz"] = folder / "foreign.avatar"
    with open(paths["foreign npz"], "wb") as out:
        np.savez(out, weights=np.zeros(3))
    # Pickled objects inside: refused, never loaded.
    paths["pickle"] = folder / "pickle.avatar"
    with open(paths["pickle"], "wb") as out:
        np.savez(out, **{avatar_module.META_KEY: np.array([{"x": 1}], dtype=object)})
    paths["future version"] = _rewrite_meta(saved, folder / "future.avatar", lambda m: m.update(version=99))
    paths["other dirfa"] = _rewrite_meta(saved, folder / "other.avatar", lambda m: m.update(schema="0" * 16))
    paths["array out of range"] = _rewrite_meta(
        saved, folder / "range.avatar", lambda m: m["arrays"].update(a0=["<f4", [10**9], 0])
    )
    paths["wrong class"] = _rewrite_meta(
        saved, folder / "class.avatar", lambda m: m["levels"][0]["d"]["rig"].update(dc="Popen")
    )
    paths["missing"] = folder / "missing.avatar"
    paths["folder"] = folder
    return paths


def test_bad_files_fail_with_one_line_naming_the_file(saved, tmp_path):
    for label, path in _bad_files(saved, tmp_path).items():
        with pytest.raises(InputError) as caught:
            dirfa.load_avatar(path)
        message = str(caught.value)
        assert str(path) in message and "\n" not in message, label
    with pytest.raises(InputError, match="newer dirfa"):
        dirfa.load_avatar(tmp_path / "future.avatar")


def test_the_cli_reports_a_bad_avatar(cli, tmp_path, short_speech):
    bad = tmp_path / "bad.avatar"
    bad.write_bytes(b"\x00" * 100)
    run = cli("animate", bad, short_speech, "-o", tmp_path / "out.mp4")
    assert run.code == 2
    assert str(bad) in run.err and len(run.err.strip().splitlines()) == 1
    assert not (tmp_path / "out.mp4").exists()


def test_the_photo_cache_is_hit_the_second_time(portrait_jpg, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert avatar_module.cache_folder() == tmp_path / "cache" / "dirfa" / "avatars"
    first = dirfa.open_avatar(portrait_jpg, widths_px=())
    cached = list(avatar_module.cache_folder().glob("*.avatar"))
    assert len(cached) == 1

    def no_preparing(*args, **kwargs):
        raise AssertionError("prepared again despite the cache")

    monkeypatch.setattr(avatar_module, "prepare", no_preparing)
    second = dirfa.open_avatar(portrait_jpg)
    np.testing.assert_array_equal(first.rig.points_xyz, second.rig.points_xyz)
    assert second.name == portrait_jpg.name
    # Without the cache nothing is read: the photo is prepared again.
    with pytest.raises(AssertionError):
        dirfa.open_avatar(portrait_jpg, cache=False)
    # A damaged cache entry is prepared again, not reported.
    cached[0].write_bytes(b"junk")
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    again = dirfa.open_avatar(portrait_jpg, widths_px=())
    np.testing.assert_array_equal(first.rig.points_xyz, again.rig.points_xyz)
    assert dirfa.load_avatar(cached[0]).portrait.n_faces == 1


def test_an_avatar_prepared_by_other_rig_code_is_prepared_again(saved, portrait_jpg, tmp_path, monkeypatch):
    """The same dirfa version with an edited rig (a working copy, a patched install): a saved avatar holds
    the old code's rig, so it is refused, and the photo cache prepares the photo again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dirfa.open_avatar(portrait_jpg, widths_px=())
    assert len(list(avatar_module.cache_folder().glob("*.avatar"))) == 1
    real = avatar_module.source_digest

    def edited(modules):
        return real(modules) + ("-edited" if "dirfa.face.rig" in modules else "")

    monkeypatch.setattr(avatar_module, "source_digest", edited)
    avatar_module._schema_digest.cache_clear()
    try:
        with pytest.raises(InputError, match="prepared by another version of dirfa"):
            dirfa.load_avatar(saved)
        dirfa.open_avatar(portrait_jpg, widths_px=())
        assert len(list(avatar_module.cache_folder().glob("*.avatar"))) == 2
    finally:
        monkeypatch.undo()
        avatar_module._schema_digest.cache_clear()
    assert dirfa.load_avatar(saved).portrait.n_faces == 1


def test_an_avatar_file_opens_as_itself(saved):
    assert dirfa.open_avatar(saved).name == dirfa.load_avatar(saved).name


def test_an_avatar_pickles_for_worker_processes(prepared):
    import pickle

    copy = pickle.loads(pickle.dumps(prepared))
    np.testing.assert_array_equal(copy.rig.points_xyz, prepared.rig.points_xyz)
    assert copy.for_output(size=128)[1] == prepared.for_output(size=128)[1]


def test_a_loaded_avatar_renders_without_scipy(saved):
    # scipy.sparse (the rig's neighbour matrix once) cost ~0.1 s of CPU in `dirfa say`'s process and again in
    # each render worker unpickling the rig.
    code = (
        "import pickle, sys, numpy, dirfa; "
        f"face = dirfa.load_avatar({str(saved)!r}); "
        "rig = pickle.loads(pickle.dumps(face.levels[0].rig)); "
        "frame = next(dirfa.frames(face, dirfa.Tracks(fps=25, curves={'jawOpen': numpy.array([0.5], numpy.float32)}, n_frames=1))); "
        "print(frame.image.shape[2], any(m.startswith('scipy') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.split() == ["3", "False"]
