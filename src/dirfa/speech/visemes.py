"""Viseme classes: which phones look alike on the lips, and the mouth-track targets each class sets.

Speech stage, between phonemes (PhoneTimeline) and coarticulation (mouth curves); also exports timed mouth cues.
"""

from __future__ import annotations

import json
import math
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
    min_duration_s merge into the previous one — except closures (PBM, FV), which an animator must not lose,
    and except into a closure: a short opening after one stays a cue of its own (and takes in the short ones
    after it), so an open mouth is never labelled shut.
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
    closures = ("PBM", "FV")
    merged: list[list] = []
    for cue in cues:
        short = (cue[1] - cue[0]) / fps < min_duration_s and cue[2] not in closures
        if merged and (merged[-1][2] == cue[2] or (short and merged[-1][2] not in closures)):
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


# --- other tools' viseme sets (--viseme-set) --------------------------------------------------------------

VISEME_SETS = ("dirfa", "rhubarb", "ovr", "azure")

# Rhubarb Lip Sync's mouth shapes (README, "Mouth shapes"): A closed (P, B, M); B slightly open, clenched
# teeth (most consonants, EE); C open (EH, AE); D wide open (AA); E slightly rounded (AO, ER); F puckered
# (UW, OW, W); G upper teeth on the lower lip (F, V); H tongue raised (long L); X idle (pauses).
RHUBARB_SHAPES = ("A", "B", "C", "D", "E", "F", "G", "H", "X")
PHONE_TO_RHUBARB: dict[str, str] = {
    "SIL": "X",
    "P": "A", "B": "A", "M": "A",
    "F": "G", "V": "G",
    "UW": "F", "OW": "F", "W": "F",
    "AO": "E", "ER": "E", "OY": "E", "UH": "E", "R": "E",
    "AA": "D", "AY": "D", "AW": "D",
    "EH": "C", "AE": "C", "AH": "C", "EY": "C",
    "IY": "B", "IH": "B", "Y": "B",
    "L": "H",
    "T": "B", "D": "B", "N": "B", "S": "B", "Z": "B", "K": "B", "G": "B", "NG": "B", "HH": "B",
    "TH": "B", "DH": "B", "SH": "B", "ZH": "B", "CH": "B", "JH": "B",
}  # fmt: skip

# Oculus/Meta OVR LipSync's 15 visemes, in its order (Khronos XR_META_face_tracking_visemes,
# XrFaceTrackingVisemeMETA 0-14: sil; PP p b m; FF f v; TH th; DD t d; kk k g; CH tS dZ S; SS s z; nn n l;
# RR r; aa A:; E e; ih ih; oh oh; ou ou). English phones it does not list take the nearest.
OVR_VISEMES = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")
PHONE_TO_OVR: dict[str, str] = {
    "SIL": "sil",
    "P": "PP", "B": "PP", "M": "PP",
    "F": "FF", "V": "FF",
    "TH": "TH", "DH": "TH",
    "T": "DD", "D": "DD",
    "K": "kk", "G": "kk", "NG": "kk", "HH": "kk",
    "CH": "CH", "JH": "CH", "SH": "CH", "ZH": "CH",
    "S": "SS", "Z": "SS",
    "N": "nn", "L": "nn",
    "R": "RR", "ER": "RR",
    "AA": "aa", "AE": "aa", "AH": "aa", "AY": "aa", "AW": "aa",
    "EH": "E", "EY": "E",
    "IH": "ih", "IY": "ih", "Y": "ih",
    "OW": "oh", "AO": "oh", "OY": "oh",
    "UW": "ou", "UH": "ou", "W": "ou",
}  # fmt: skip

# Azure Speech viseme ids 0-21 (Azure "Get facial position with viseme", en-US; the SAPI 5 SPVISEMES set):
# 0 silence, 1 ae ax ah, 2 aa, 3 ao, 4 ey eh uh, 5 er, 6 y iy ih ix, 7 w uw, 8 ow, 9 aw, 10 oy, 11 ay, 12 h,
# 13 r, 14 l, 15 s z, 16 sh ch jh zh, 17 th dh, 18 f v, 19 d t n, 20 k g ng, 21 p b m.
PHONE_TO_AZURE: dict[str, int] = {
    "SIL": 0, "AE": 1, "AH": 1, "AA": 2, "AO": 3, "EY": 4, "EH": 4, "UH": 4, "ER": 5, "Y": 6, "IY": 6,
    "IH": 6, "W": 7, "UW": 7, "OW": 8, "AW": 9, "OY": 10, "AY": 11, "HH": 12, "R": 13, "L": 14, "S": 15,
    "Z": 15, "SH": 16, "CH": 16, "JH": 16, "ZH": 16, "TH": 17, "DH": 17, "F": 18, "V": 18, "D": 19, "T": 19,
    "N": 19, "K": 20, "G": 20, "NG": 20, "P": 21, "B": 21, "M": 21,
}  # fmt: skip
AZURE_TICKS_PER_S = 10_000_000  # Azure's AudioOffset is in 100-nanosecond ticks

# Without a phone timeline (the acoustic path) the cues come from the mouth curves: each dirfa class's
# counterpart in the other sets, by the phones it stands for.
_CLASS_PHONE = {
    "rest": "SIL", "PBM": "P", "FV": "F", "TH": "TH", "WOO": "UW", "SH": "SH", "EE": "IY", "IH": "IH",
    "AA": "AA", "AE": "AE", "EH": "EH", "UH": "UH", "OH": "OW", "R": "R", "L": "L", "ST": "T", "KG": "K",
}  # fmt: skip
_SET_MAPS: dict[str, Mapping[str, object]] = {
    "rhubarb": PHONE_TO_RHUBARB,
    "ovr": PHONE_TO_OVR,
    "azure": PHONE_TO_AZURE,
}


def _phone_runs(
    curves: Mapping[str, np.ndarray], fps: float, timeline: object | None
) -> list[tuple[float, float, str]]:
    """(start_s, end_s, ARPAbet phone or SIL): the timeline's phones when known, else the curves' classes."""
    if timeline is not None:
        return [
            (float(a), float(b), p if p in PHONE_TO_AZURE else "SIL")
            for p, a, b in zip(timeline.phones, timeline.start_s, timeline.end_s)
        ]
    return [(a, b, _CLASS_PHONE[v]) for a, b, v in export_cues(curves, fps=fps)]


def _merged(runs: list[tuple[float, float, object]], step_s: float) -> list[tuple[float, float, object]]:
    """Runs with times on a `step_s` grid; runs that vanish on it dropped, equal neighbours merged."""
    out: list[list] = []
    for a, b, value in runs:
        a, b = round(a / step_s) * step_s, round(b / step_s) * step_s
        if b <= a:
            continue
        if out and out[-1][2] == value:
            out[-1][1] = b
        else:
            out.append([a, b, value])
    return [(a, b, v) for a, b, v in out]


def viseme_set_data(
    viseme_set: str,
    curves: Mapping[str, np.ndarray],
    *,
    fps: float,
    duration_s: float,
    timeline: object | None = None,
    sound_file: str = "",
) -> dict:
    """The cues in `viseme_set`'s own JSON layout (see write_viseme_set).

    timeline: the speech's PhoneTimeline when known (then the cues are its phones, exact); else the cues
    follow the mouth curves."""
    if viseme_set not in VISEME_SETS:
        raise ValueError(f"unknown viseme set {viseme_set!r}; use one of {', '.join(VISEME_SETS)}")
    if viseme_set == "dirfa":
        cues = export_cues(curves, fps=fps)
        return {
            "visemes": {name: VISEME_TARGETS[name] for name in VISEME_TARGETS},
            "mouthCues": [{"start": a, "end": b, "value": v} for a, b, v in cues],
        }
    runs = _phone_runs(curves, fps, timeline)
    mapping = _SET_MAPS[viseme_set]
    if viseme_set == "rhubarb":
        # Rhubarb: times in seconds on a 0.01 s grid, the duration truncated to it (its README, "JSON format").
        end = math.floor(duration_s * 100 + 1e-6) / 100
        cues = _merged([(a, min(b, end), mapping[p]) for a, b, p in runs], 0.01)
        cues = _cover(cues, end, "X")
        return {
            "metadata": {"soundFile": sound_file, "duration": round(end, 2)},
            "mouthCues": [{"start": round(a, 2), "end": round(b, 2), "value": v} for a, b, v in cues],
        }
    if viseme_set == "azure":
        cues = _merged([(a, b, mapping[p]) for a, b, p in runs], 1e-3)
        return {
            "visemes": [{"audioOffset": round(a * AZURE_TICKS_PER_S), "visemeId": int(v)} for a, _, v in cues]
        }
    return {"fps": fps, "visemeNames": list(OVR_VISEMES), "frames": _ovr_weights(runs, fps, duration_s)}


def _cover(cues: list[tuple[float, float, str]], end_s: float, rest: str) -> list[tuple[float, float, str]]:
    """Cues from exactly 0 to end_s: gaps filled with `rest`."""
    out: list[tuple[float, float, str]] = []
    t = 0.0
    for a, b, v in cues:
        if a > t + 1e-9:
            out.append((t, a, rest))
        out.append((max(a, t), b, v))
        t = b
    if t < end_s - 1e-9 or not out:
        out.append((t, end_s, rest))
    return [(a, b, v) for a, b, v in _merged(out, 0.01)] or [(0.0, end_s, rest)]


def _ovr_weights(runs: list[tuple[float, float, str]], fps: float, duration_s: float) -> list[list[float]]:
    """Per frame, each OVR viseme's weight: the share of the frame its phones cover (sums to 1)."""
    n_frames = max(1, round(duration_s * fps))
    weights = np.zeros((n_frames, len(OVR_VISEMES)))
    index = {name: k for k, name in enumerate(OVR_VISEMES)}
    for a, b, phone in runs:
        k = index[PHONE_TO_OVR[phone]]
        first, last = int(a * fps), min(int(math.ceil(b * fps)), n_frames)
        for frame in range(first, last):
            overlap = min(b, (frame + 1) / fps) - max(a, frame / fps)
            if overlap > 0:
                weights[frame, k] += overlap * fps
    totals = weights.sum(axis=1, keepdims=True)
    weights[totals[:, 0] == 0, 0] = 1.0  # frames no phone covers: silence
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    return [[round(float(w), 4) for w in row] for row in weights]


def viseme_set_tsv(viseme_set: str, data: dict) -> str:
    """The TSV form of viseme_set_data's result.

    dirfa and rhubarb: "start_s<TAB>shape" lines, then the end time with the rest shape (Rhubarb's TSV);
    azure: "offset_ms<TAB>viseme_id"; ovr: a header "time_s<TAB>sil<TAB>PP..." and one row per frame."""
    if viseme_set in ("dirfa", "rhubarb"):
        cues = data["mouthCues"]
        rest = "X" if viseme_set == "rhubarb" else "rest"
        lines = [
            f"{c['start']:.2f}\t{c['value']}"
            if viseme_set == "rhubarb"
            else f"{c['start']:.3f}\t{c['value']}"
            for c in cues
        ]
        if cues:
            end = cues[-1]["end"]
            lines.append(f"{end:.2f}\t{rest}" if viseme_set == "rhubarb" else f"{end:.3f}\t{rest}")
        return "\n".join(lines) + "\n"
    if viseme_set == "azure":
        return "".join(f"{v['audioOffset'] / 10_000:.1f}\t{v['visemeId']}\n" for v in data["visemes"])
    header = "time_s\t" + "\t".join(data["visemeNames"])
    rows = [
        f"{i / data['fps']:.3f}\t" + "\t".join(f"{w:g}" for w in row) for i, row in enumerate(data["frames"])
    ]
    return "\n".join([header, *rows]) + "\n"


def write_viseme_set(path: str | Path, viseme_set: str, data: dict) -> None:
    """Write viseme_set_data's result: TSV for a .tsv path, else JSON; the file appears when complete."""
    path = Path(path)
    text = (
        viseme_set_tsv(viseme_set, data)
        if path.suffix.lower() == ".tsv"
        else json.dumps(data, indent=1) + "\n"
    )
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
