"""Viseme classes: which phones look alike on the lips, and the mouth-track targets each class sets.

Speech stage, between phonemes (PhoneTimeline) and coarticulation (mouth curves); also exports timed mouth cues.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dirfa.media.files import atomic_output

# Mouth tracks a viseme target may set (names from dirfa.motion.tracks.TRACK_SPECS). Left/right pairs are
# always set equal: speech is symmetric to a first approximation.
MOUTH_TRACKS: tuple[str, ...] = (
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthRollLower",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
)


def _target(
    jaw: float = 0.0,
    close: float = 0.0,
    funnel: float = 0.0,
    pucker: float = 0.0,
    stretch: float = 0.0,
    roll: float = 0.0,
    upper: float = 0.0,
    lower: float = 0.0,
) -> dict[str, float]:
    return {
        "jawOpen": jaw,
        "mouthClose": close,
        "mouthFunnel": funnel,
        "mouthPucker": pucker,
        "mouthStretchLeft": stretch,
        "mouthStretchRight": stretch,
        "mouthRollLower": roll,
        "mouthUpperUpLeft": upper,
        "mouthUpperUpRight": upper,
        "mouthLowerDownLeft": lower,
        "mouthLowerDownRight": lower,
    }


# Viseme classes after the usual English groupings (Fisher 1968; Jeffers & Barley 1971, "Speechreading"; the
# Preston Blair / Rhubarb mouth set): bilabials, labiodentals, dentals, rounded, post-alveolar, spread, open,
# mid, r, l, and the tongue-only consonants whose lips follow the neighbouring vowel. Jaw values follow the
# renderer's scale (jawOpen 1 = a shout): "aa" ~0.6, "eh" ~0.35, "ee" ~0.15, consonants 0.05-0.2.
VISEME_TARGETS: dict[str, dict[str, float]] = {
    "rest": _target(),
    "PBM": _target(jaw=0.06, close=1.0),
    "FV": _target(jaw=0.1, roll=0.9, upper=0.25),
    "TH": _target(jaw=0.16, stretch=0.1, upper=0.2, lower=0.15),
    "WOO": _target(jaw=0.12, funnel=0.25, pucker=0.9),
    "SH": _target(jaw=0.12, funnel=0.7, pucker=0.35, upper=0.25, lower=0.25),
    "EE": _target(jaw=0.15, stretch=0.6, upper=0.1, lower=0.05),
    "IH": _target(jaw=0.22, stretch=0.4, lower=0.1),
    "AA": _target(jaw=0.62, stretch=0.05, lower=0.3),
    "AE": _target(jaw=0.5, stretch=0.3, upper=0.1, lower=0.3),
    "EH": _target(jaw=0.35, stretch=0.2, lower=0.15),
    "UH": _target(jaw=0.25, funnel=0.25, pucker=0.35, lower=0.05),
    "OH": _target(jaw=0.5, funnel=0.6, pucker=0.3, lower=0.1),
    "R": _target(jaw=0.15, funnel=0.35, pucker=0.45, upper=0.15),
    "L": _target(jaw=0.25, stretch=0.1, upper=0.1),
    "ST": _target(jaw=0.1, stretch=0.2, upper=0.1, lower=0.05),
    "KG": _target(jaw=0.22, stretch=0.05, lower=0.05),
}

PHONE_TO_VISEME: dict[str, str] = {
    "SIL": "rest",
    "P": "PBM", "B": "PBM", "M": "PBM",
    "F": "FV", "V": "FV",
    "TH": "TH", "DH": "TH",
    "W": "WOO", "UW": "WOO",
    "SH": "SH", "ZH": "SH", "CH": "SH", "JH": "SH",
    "IY": "EE", "Y": "EE",
    "IH": "IH",
    "AA": "AA", "AY": "AA", "AW": "AA",
    "AE": "AE",
    "EH": "EH", "AH": "EH", "EY": "EH",
    "UH": "UH",
    "AO": "OH", "OW": "OH", "OY": "OH",
    "R": "R", "ER": "R",
    "L": "L",
    "S": "ST", "Z": "ST", "T": "ST", "D": "ST", "N": "ST",
    "K": "KG", "G": "KG", "NG": "KG", "HH": "KG",
}  # fmt: skip

# Diphthongs glide from one viseme to another over their duration (the first is PHONE_TO_VISEME's entry).
DIPHTHONGS: dict[str, tuple[str, str]] = {
    "AY": ("AA", "IH"),
    "AW": ("AA", "WOO"),
    "EY": ("EH", "IH"),
    "OW": ("OH", "WOO"),
    "OY": ("OH", "IH"),
}

VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})


# --- cues for --export-visemes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """One mouth shape held from start_s to end_s (seconds)."""

    start_s: float
    end_s: float
    viseme: str


# How much each track counts when matching a frame's mouth to the nearest viseme: closure and the lip tuck
# are what a viewer checks first, so they weigh most.
_MATCH_WEIGHTS: dict[str, float] = {
    "jawOpen": 2.0,
    "mouthClose": 3.0,
    "mouthFunnel": 1.0,
    "mouthPucker": 1.5,
    "mouthStretchLeft": 1.0,
    "mouthStretchRight": 1.0,
    "mouthRollLower": 2.0,
    "mouthUpperUpLeft": 0.5,
    "mouthUpperUpRight": 0.5,
    "mouthLowerDownLeft": 0.5,
    "mouthLowerDownRight": 0.5,
}


def export_cues(
    curves: Mapping[str, np.ndarray], *, fps: float, min_duration_s: float = 0.05
) -> list[tuple[float, float, str]]:
    """Timed mouth cues (start_s, end_s, viseme) describing mouth curves, for `--export-visemes`.

    Each frame gets the viseme whose target is nearest to the frame's mouth (weighted squared distance over
    MOUTH_TRACKS; absent tracks count as 0); runs of one viseme become one cue, and cues shorter than
    min_duration_s merge into the previous one — except closures (PBM, FV), which an animator must not lose.
    Works for both the phone path and the acoustic path, and says what the video shows.
    """
    n_frames = max((len(v) for v in curves.values()), default=0)
    if n_frames == 0:
        return []
    names = list(VISEME_TARGETS)
    tracks = list(MOUTH_TRACKS)
    values = np.zeros((n_frames, len(tracks)))
    for j, name in enumerate(tracks):
        if name in curves:
            values[:, j] = np.asarray(curves[name], dtype=np.float64)[:n_frames]
    targets = np.array([[VISEME_TARGETS[v][t] for t in tracks] for v in names])
    weights = np.array([_MATCH_WEIGHTS[t] for t in tracks])
    dist = (((values[:, None, :] - targets[None, :, :]) ** 2) * weights).sum(axis=2)
    labels = [names[k] for k in np.argmin(dist, axis=1)]
    cues: list[list] = []
    for frame, label in enumerate(labels):
        if cues and cues[-1][2] == label:
            cues[-1][1] = frame + 1
        else:
            cues.append([frame, frame + 1, label])
    merged: list[list] = []
    for cue in cues:
        short = (cue[1] - cue[0]) / fps < min_duration_s and cue[2] not in ("PBM", "FV")
        if merged and (short or merged[-1][2] == cue[2]):
            merged[-1][1] = cue[1]
        else:
            merged.append(cue)
    return [(round(a / fps, 3), round(b / fps, 3), v) for a, b, v in merged]


def write_cues_json(cues: list[tuple[float, float, str]], path: str | Path) -> None:
    """Write cues as JSON: {"mouthCues": [{"start": s, "end": s, "value": viseme}, ...]} (Rhubarb's layout)."""
    data = {
        "visemes": {name: VISEME_TARGETS[name] for name in VISEME_TARGETS},
        "mouthCues": [{"start": a, "end": b, "value": v} for a, b, v in cues],
    }
    with atomic_output(Path(path)) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def write_cues_tsv(cues: list[tuple[float, float, str]], path: str | Path) -> None:
    """Write cues as Rhubarb-style TSV: one "start_s<TAB>viseme" line per cue, then the end time with rest."""
    lines = [f"{a:.3f}\t{v}" for a, _, v in cues]
    if cues:
        lines.append(f"{cues[-1][1]:.3f}\trest")
    with atomic_output(Path(path)) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
