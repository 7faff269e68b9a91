"""Tracks, the pipeline's seam: validation, neutral defaults, and the JSON file users edit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dirfa.errors import InputError
from dirfa.motion.tracks import SCHEMA, TRACK_SPECS, Tracks


def test_round_trip_through_a_file(tmp_path):
    rng = np.random.default_rng(0)
    tracks = Tracks(
        25.0,
        {
            "jawOpen": rng.random(50),
            "headYaw": rng.normal(0, 5, 50),
            "eyeBlinkLeft": (np.arange(50) % 10 == 0) * 1.0,
        },
    )
    path = tmp_path / "anim.json"
    tracks.save(path)
    assert not list(tmp_path.glob(".*part*"))  # no temporary file left behind
    loaded = Tracks.load(path)
    assert (loaded.fps, loaded.n_frames) == (25.0, 50)
    assert loaded.curves.keys() == tracks.curves.keys()
    for name in tracks.curves:
        assert np.allclose(loaded.curves[name], tracks.curves[name], atol=5e-5)
    data = json.loads(path.read_text())
    assert data["schema"] == SCHEMA and data["units"]["headYaw"] == "deg"


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(-50, 50, allow_nan=False), min_size=0, max_size=40), fps=st.floats(1.0, 240.0)
)
def test_round_trip_keeps_values_within_rounding(values, fps):
    tracks = Tracks(fps, {"headPitch": np.array(values), "mouthSmileLeft": np.abs(np.array(values)) / 50})
    loaded = Tracks.from_dict(json.loads(json.dumps(tracks.to_dict())))
    assert loaded.n_frames == len(values)
    for name in tracks.curves:
        assert np.allclose(loaded.curves[name], tracks.curves[name], atol=6e-5)


def test_values_are_clipped_to_their_ranges_and_absent_tracks_are_neutral():
    tracks = Tracks(30.0, {"jawOpen": [-0.5, 0.5, 2.0], "headYaw": [-90.0, 0.0, 90.0]})
    assert tracks.curves["jawOpen"].tolist() == [0.0, 0.5, 1.0]
    assert tracks.curves["headYaw"].tolist() == [-30.0, 0.0, 30.0]
    assert tracks.get("browInnerUp").tolist() == [0.0, 0.0, 0.0]
    assert tracks.frame(1)["jawOpen"] == 0.5 and set(tracks.frame(1)) == set(TRACK_SPECS)
    assert tracks.with_curves(mouthClose=np.ones(3)).curves.keys() == {"jawOpen", "headYaw", "mouthClose"}
    assert tracks.duration_s == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("fps", "curves"),
    [
        (0.5, {}),
        (float("nan"), {}),
        (25.0, {"tongueOut": [0.0]}),
        (25.0, {"jawOpen": [[0.0]]}),
        (25.0, {"jawOpen": [float("nan")]}),
        (25.0, {"jawOpen": [0.0, 1.0], "mouthClose": [0.0]}),
    ],
)
def test_invalid_tracks_are_input_errors(fps, curves):
    with pytest.raises(InputError):
        Tracks(fps, curves)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\xff\xfe\x00\x01",
        b"[1, 2, 3]",
        b'{"schema": "other/1", "fps": 25, "tracks": {}}',
        b'{"fps": 25, "tracks": {}}',
        b'{"schema": "dirfa.animation/1", "tracks": {}}',
        b'{"schema": "dirfa.animation/1", "fps": true, "tracks": {}}',
        b'{"schema": "dirfa.animation/1", "fps": 0, "tracks": {}}',
        b'{"schema": "dirfa.animation/1", "fps": 25}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "tracks": []}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "tracks": {"jawOpen": "open"}}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "tracks": {"jawOpen": [0, "a"]}}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "tracks": {"jawOpen": [0, true]}}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "tracks": {"jawOpen": [NaN]}}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "tracks": {"jawOpen": [0], "headYaw": [0, 1]}}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "tracks": {"smile": [0]}}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "n_frames": 3, "tracks": {"jawOpen": [0]}}',
        b'{"schema": "dirfa.animation/1", "fps": 25, "n_frames": -1, "tracks": {}}',
    ],
)
def test_malformed_animation_files_are_input_errors(tmp_path, content):
    path = tmp_path / "anim.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        Tracks.load(path)
    assert "\n" not in str(error.value)


def test_missing_animation_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        Tracks.load(tmp_path / "missing.json")
    with pytest.raises(InputError):
        Tracks.load(tmp_path)  # a folder
