"""Viseme classes, their mouth targets, and the exported cue files."""

from __future__ import annotations

import json

import numpy as np

from dirfa.motion.tracks import TRACK_SPECS
from dirfa.speech.phonemes import ARPABET, SILENCE
from dirfa.speech.visemes import (
    DIPHTHONGS,
    MOUTH_TRACKS,
    PHONE_TO_VISEME,
    VISEME_TARGETS,
    export_cues,
    write_cues_json,
    write_cues_tsv,
)


def test_every_phone_pocketsphinx_emits_has_a_viseme():
    for phone in ARPABET + (SILENCE,):
        assert PHONE_TO_VISEME[phone] in VISEME_TARGETS
    for first, second in DIPHTHONGS.values():
        assert first in VISEME_TARGETS and second in VISEME_TARGETS


def test_targets_are_valid_symmetric_mouth_tracks():
    assert set(MOUTH_TRACKS) <= set(TRACK_SPECS)
    for name, target in VISEME_TARGETS.items():
        assert set(target) == set(MOUTH_TRACKS), name
        assert all(0.0 <= v <= 1.0 for v in target.values()), name
        for side in ("mouthStretch", "mouthUpperUp", "mouthLowerDown"):
            assert target[side + "Left"] == target[side + "Right"], name
    assert all(v == 0.0 for v in VISEME_TARGETS["rest"].values())


def test_targets_tell_the_classes_apart():
    t = VISEME_TARGETS
    assert t["PBM"]["mouthClose"] == 1.0 and t["PBM"]["jawOpen"] <= 0.1
    assert t["FV"]["mouthRollLower"] >= 0.8
    assert t["WOO"]["mouthPucker"] >= 0.8
    assert t["SH"]["mouthFunnel"] >= 0.5
    assert t["EE"]["mouthStretchLeft"] >= 0.5 and t["EE"]["jawOpen"] <= 0.2
    assert 0.5 <= t["AA"]["jawOpen"] <= 0.65
    assert 0.3 <= t["EH"]["jawOpen"] <= 0.4
    # Every pair of classes differs somewhere by a visible amount.
    names = list(t)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert max(abs(t[a][k] - t[b][k]) for k in MOUTH_TRACKS) >= 0.05, (a, b)


def curves_of(sequence: list[tuple[str, int]]) -> dict[str, np.ndarray]:
    """Curves holding each viseme's target for the given number of frames."""
    return {
        track: np.concatenate([np.full(n, VISEME_TARGETS[v][track], dtype=np.float32) for v, n in sequence])
        for track in MOUTH_TRACKS
    }


def test_export_cues_reads_back_the_shapes():
    sequence = [("rest", 10), ("PBM", 2), ("AA", 5), ("FV", 1), ("EE", 4), ("EH", 1), ("EE", 3), ("rest", 6)]
    cues = export_cues(curves_of(sequence), fps=25.0)
    assert [v for _, _, v in cues] == ["rest", "PBM", "AA", "FV", "EE", "rest"]  # the 1-frame EH merges
    assert cues[0][0] == 0.0 and cues[-1][1] == sum(n for _, n in sequence) / 25.0
    for (_, end, _), (start, _, _) in zip(cues, cues[1:]):
        assert end == start
    assert cues[1] == (0.4, 0.48, "PBM")


def test_a_short_opening_between_closures_is_not_labelled_shut():
    # "Bob" said fast: two frames open between the b's, each nearest another open shape (a 40 ms cue each,
    # under min_duration_s): they make one open cue, not part of a PBM spanning the word.
    sequence = [("rest", 4), ("PBM", 3), ("AA", 1), ("AE", 1), ("PBM", 3), ("rest", 4)]
    cues = export_cues(curves_of(sequence), fps=25.0)
    assert [v for _, _, v in cues] == ["rest", "PBM", "AA", "PBM", "rest"]
    assert cues[2] == (0.28, 0.36, "AA")


def test_cue_writers(tmp_path):
    cues = [(0.0, 0.4, "rest"), (0.4, 0.48, "PBM"), (0.48, 0.7, "AA")]
    write_cues_json(cues, tmp_path / "cues.json")
    data = json.loads((tmp_path / "cues.json").read_text())
    assert data["mouthCues"][1] == {"start": 0.4, "end": 0.48, "value": "PBM"}
    assert data["visemes"]["PBM"]["mouthClose"] == 1.0
    write_cues_tsv(cues, tmp_path / "cues.tsv")
    lines = (tmp_path / "cues.tsv").read_text().splitlines()
    assert lines == ["0.000\trest", "0.400\tPBM", "0.480\tAA", "0.700\trest"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cues.json", "cues.tsv"]  # no temporary files left
    assert export_cues({}, fps=25.0) == []
