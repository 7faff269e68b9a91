"""--viseme-set: Rhubarb Lip Sync's shapes and JSON/TSV layout, Oculus OVR's 15 visemes as weights per frame,
Azure's viseme ids 0-21 with offsets — each checked against the format's published definition."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dirfa.speech.phonemes import ARPABET, PhoneTimeline
from dirfa.speech.visemes import (
    OVR_VISEMES,
    PHONE_TO_AZURE,
    PHONE_TO_OVR,
    PHONE_TO_RHUBARB,
    RHUBARB_SHAPES,
    VISEME_SETS,
    VISEME_TARGETS,
    viseme_set_data,
    viseme_set_tsv,
    write_viseme_set,
)

# "Bob met Pam" with made-up but plausible times; the last phone ends at 1.237 s.
PHONES = [("SIL", 0.0, 0.175), ("B", 0.175, 0.22), ("AA", 0.22, 0.365), ("B", 0.365, 0.425), ("M", 0.425, 0.5),
          ("EH", 0.5, 0.605), ("T", 0.605, 0.665), ("P", 0.665, 0.775), ("AE", 0.775, 1.0), ("M", 1.0, 1.135),
          ("F", 1.135, 1.2), ("SIL", 1.2, 1.237)]  # fmt: skip
TIMELINE = PhoneTimeline(
    tuple(p for p, _, _ in PHONES),
    np.array([a for _, a, _ in PHONES]),
    np.array([b for _, _, b in PHONES]),
    "synthesis",
)
DURATION_S = 1.237


# Mouth curves: rest, then lips shut, then wide open (what the dirfa set reads when there is no timeline).
CURVES = {
    name: np.array([0.0] * 5 + [VISEME_TARGETS["PBM"][name]] * 10 + [VISEME_TARGETS["AA"][name]] * 16)
    for name in VISEME_TARGETS["rest"]
}


def _data(viseme_set: str, **kw) -> dict:
    return viseme_set_data(viseme_set, CURVES, fps=25, duration_s=DURATION_S, timeline=TIMELINE, **kw)


def test_every_phone_has_a_viseme_in_every_set() -> None:
    for table in (PHONE_TO_RHUBARB, PHONE_TO_OVR, PHONE_TO_AZURE):
        assert set(table) == {*ARPABET, "SIL"}
    assert set(PHONE_TO_RHUBARB.values()) <= set(RHUBARB_SHAPES)
    assert set(PHONE_TO_OVR.values()) == set(OVR_VISEMES)
    assert set(PHONE_TO_AZURE.values()) == set(range(22))


def test_rhubarb_json_layout_and_shapes() -> None:
    data = _data("rhubarb", sound_file="hi.wav")
    # Rhubarb's README, "JSON format": metadata (soundFile, duration truncated to 0.01 s), then mouthCues of
    # start/end/value, each end the next start, the first at 0.
    assert data["metadata"] == {"soundFile": "hi.wav", "duration": 1.23}
    cues = data["mouthCues"]
    assert list(cues[0]) == ["start", "end", "value"]
    assert cues[0]["start"] == 0.0 and cues[-1]["end"] == 1.23
    assert all(a["end"] == b["start"] for a, b in zip(cues, cues[1:]))
    assert all(round(c["start"] * 100) == pytest.approx(c["start"] * 100) for c in cues)
    # Ⓐ for P B M, Ⓓ for AA, Ⓒ for EH/AE, Ⓖ for F, Ⓧ in the pauses.
    assert [c["value"] for c in cues] == ["X", "A", "D", "A", "C", "B", "A", "C", "A", "G", "X"]


def test_rhubarb_tsv_ends_with_the_duration_and_a_closed_mouth() -> None:
    lines = viseme_set_tsv("rhubarb", _data("rhubarb")).splitlines()
    # README, "TSV format": "timestamp<TAB>shape", first 0.00, last line the end time with X.
    assert lines[0] == "0.00\tX"
    assert lines[-1] == "1.23\tX"
    assert all(len(line.split("\t")) == 2 for line in lines)
    times = [float(line.split("\t")[0]) for line in lines]
    assert times == sorted(times)


def test_ovr_weights_per_frame() -> None:
    data = _data("ovr")
    assert data["visemeNames"] == [
        "sil",
        "PP",
        "FF",
        "TH",
        "DD",
        "kk",
        "CH",
        "SS",
        "nn",
        "RR",
        "aa",
        "E",
        "ih",
        "oh",
        "ou",
    ]
    frames = np.array(data["frames"])
    assert frames.shape == (round(DURATION_S * 25), 15)
    assert np.allclose(frames.sum(axis=1), 1.0, atol=1e-3)
    # Frame 10 (0.40-0.44 s) lies in the /b/ and /m/ of "Bob met": all PP.
    assert frames[10, OVR_VISEMES.index("PP")] == pytest.approx(1.0)
    # Frame 4 (0.16-0.20 s) straddles silence and /b/: both weighted, by their shares.
    assert frames[4, 0] == pytest.approx(0.375, abs=0.01) and frames[4, 1] == pytest.approx(0.625, abs=0.01)
    header = viseme_set_tsv("ovr", data).splitlines()[0].split("\t")
    assert header == ["time_s", *OVR_VISEMES]


def test_azure_ids_and_offsets_in_ticks() -> None:
    events = _data("azure")["visemes"]
    # Azure: VisemeId 0-21 (21 = p b m, 2 = aa, 4 = eh, 1 = ae, 19 = t, 18 = f, 0 = silence), AudioOffset in
    # 100-ns ticks.
    assert [e["visemeId"] for e in events] == [0, 21, 2, 21, 4, 19, 21, 1, 21, 18, 0]
    assert events[1]["audioOffset"] == 1_750_000
    tsv = viseme_set_tsv("azure", _data("azure")).splitlines()
    assert tsv[1] == "175.0\t21"


def test_without_a_timeline_the_cues_follow_the_curves() -> None:
    closed = VISEME_TARGETS["PBM"]
    wide = VISEME_TARGETS["AA"]
    curves = {name: np.array([0.0] * 5 + [closed[name]] * 5 + [wide[name]] * 5) for name in closed}
    for viseme_set in VISEME_SETS:
        data = viseme_set_data(viseme_set, curves, fps=25, duration_s=0.6)
        if viseme_set == "rhubarb":
            assert [c["value"] for c in data["mouthCues"]] == ["X", "A", "D"]
        if viseme_set == "azure":
            assert [e["visemeId"] for e in data["visemes"]] == [0, 21, 2]


@pytest.mark.parametrize("viseme_set", VISEME_SETS)
@pytest.mark.parametrize("suffix", [".json", ".tsv"])
def test_files_are_written_whole(viseme_set: str, suffix: str, tmp_path) -> None:
    path = tmp_path / f"cues{suffix}"
    write_viseme_set(path, viseme_set, _data(viseme_set))
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        json.loads(text)
    else:
        assert text.endswith("\n") and "\t" in text
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
